/** What vm-operator's create and update make of a VM's hardware and configuration. */
import {
  DEFAULT_BOOT_OPTIONS,
  DEFAULT_VM_ALLOCATION,
  type Device,
  diskBytes,
  extraConfigValue,
  HOT_PLUG_FLAGS,
  hardwareVersionNumber,
  isPciPassthrough,
  isVimFault,
  type OptionValue,
  type ResourceAllocationSpec,
  VIRTUAL_TPM,
  type VirtualDeviceConfigSpec,
  type VmAllocation,
  type VmConfigSpec,
  type VmRecord,
} from '@vsim/vsphere';
import { bootDiskCapacity } from '../../api/index.js';
import type { VirtualMachine } from '../../api/types.js';
import { bootOptionsChange, bootOptionsSetOnNewVm } from './boot-options.js';
import { type CdromSources, cdromChanges, cdromConnectionChanges, reconcilesControllers } from './cdrom.js';
import { CONDITION, conditionOf, isAbsent, isFalse, REASON, type Verdict } from './conditions.js';
import {
  type ClassAllocations,
  type ClassConfig,
  GLOBAL_EXTRA_CONFIG,
  hasPciPassthrough,
  isVmServiceManaged,
  mmioWindowOf,
  NAMESPACED_NAME_KEY,
  VM_SERVICE_ANNOTATION,
  VM_SERVICE_MANAGED_BY,
} from './create-config.js';
import { vAppBootstrapOf } from './vapp-config.js';
import { runningControllerChanges } from './virtual-controllers.js';
import { hasClaims, MIN_HARDWARE_VERSION_FOR_PVC } from './volumes.js';

/** The size a VM's class gives it, and what it reserves. */
export interface ClassSize {
  numCPU?: number;
  memoryMB?: number;
  allocations?: ClassAllocations;
  /** With VMResize, the class's config spec the VM is resized to, and the extra config that wants. */
  resizeTo?: { readonly config: ClassConfig; readonly extraConfig: readonly OptionValue[] };
}

type MutableSpec = { -readonly [K in keyof VmConfigSpec]: VmConfigSpec[K] };

/** The lowest virtual hardware that runs PCI passthrough devices (vm-operator's). */
const MIN_HARDWARE_VERSION_FOR_PCI_PASSTHROUGH = 17;

/**
 * The hardware version a VM is created with, as vm-operator's create config spec chooses it: the
 * version its class's config spec names (raised to `spec.minHardwareVersion`); else, when its
 * image's is too low, `spec.minHardwareVersion` or the version its class's PCI passthrough
 * devices, or its claims at create, need. `minHardwareVersion` is a minimum: an image of a later
 * version keeps its own.
 */
export function createHardwareVersion(
  vm: VirtualMachine,
  imageVersion: () => number,
  classConfig: ClassConfig,
): string | undefined {
  const min = vm.spec?.minHardwareVersion ?? 0;
  const named = hardwareVersionNumber(classConfig.version);
  if (named !== undefined) return `vmx-${Math.max(min, named)}`;
  const devices = hasPciPassthrough(classConfig)
    ? MIN_HARDWARE_VERSION_FOR_PCI_PASSTHROUGH
    : hasClaims(vm)
      ? MIN_HARDWARE_VERSION_FOR_PVC
      : 0;
  const wanted = Math.max(min, devices);
  return wanted > 0 && wanted > imageVersion() ? `vmx-${wanted}` : undefined;
}

/**
 * Whether a VM's first update reconfigures it before its first boot, so that it is deployed
 * powered off: vm-operator's create leaves the boot disk's size, the boot options, the
 * CD-ROMs and controllers `spec.hardware` names and the vApp properties to that update.
 * (Changed Block Tracking is in the create's own configuration; the image's CD-ROM, which that
 * update removes when the spec names none, is left out of the deployment.)
 */
export function reconfiguredBeforeFirstBoot(vm: VirtualMachine, imageBootDiskBytes: () => number): boolean {
  const capacity = resizableBootDisk(vm);
  const hardware = vm.spec?.hardware;
  return (
    (hardware?.cdrom?.length ?? 0) > 0 ||
    (hardware?.sataControllers?.length ?? 0) > 0 ||
    vAppBootstrapOf(vm) !== undefined ||
    (capacity !== undefined && capacity !== imageBootDiskBytes()) ||
    bootOptionsSetOnNewVm(vm, DEFAULT_BOOT_OPTIONS)
  );
}

/**
 * The reconfiguration a powered-off VM needs, if any: its class's size, `spec.guestID`, the boot
 * disk grown to `spec.advanced.bootDiskCapacity`, its CD-ROMs, Changed Block Tracking, the boot
 * options and the management proxy's extra config. Throws, in vm-operator's words, what cannot
 * be done (a boot disk to shrink, a boot device the VM lacks, an image that is no ISO).
 */
export function reconfiguration(
  vm: VirtualMachine,
  record: VmRecord,
  size: ClassSize,
  sources: CdromSources,
  kind: Exclude<UpdateKind, 'running'>,
  nics: readonly VirtualDeviceConfigSpec[],
): VmConfigSpec | undefined {
  const spec: MutableSpec = {};
  if (size.numCPU !== undefined && size.numCPU !== record.config.numCPU) spec.numCPUs = size.numCPU;
  if (size.memoryMB !== undefined && size.memoryMB !== record.config.memoryMB) spec.memoryMB = size.memoryMB;
  if (size.allocations) {
    const cpu = allocationChange(record.config.cpuAllocation, size.allocations.cpu);
    if (cpu) spec.cpuAllocation = cpu;
    const memory = allocationChange(record.config.memoryAllocation, size.allocations.memory);
    if (memory) spec.memoryAllocation = memory;
  }
  // vm-operator's UpdateConfigSpecGuestID: the guest ID asked for, when it differs.
  const guestId = vm.spec?.guestID;
  if (guestId && guestId !== record.config.guestId) spec.guestId = guestId;
  const disk = bootDiskChange(vm, record.config.devices);
  // In vm-operator's order: the disks', the NICs', the CD-ROMs'.
  const devices = [...nics, ...cdromChanges(vm, record, sources)];
  if (disk) devices.unshift({ operation: 'edit', device: disk });
  if (size.resizeTo) addResizeChanges(spec, devices, vm, record, size.resizeTo);
  if (devices.length > 0) spec.deviceChange = devices;
  // vm-operator's UpdateConfigSpecAnnotation: an annotation someone emptied is its own again.
  if (kind === 'update' && record.config.annotation === '') spec.annotation = VM_SERVICE_ANNOTATION;
  addRunningChanges(spec, vm, record, ownExtraConfigChanges(vm, record, kind));
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/**
 * The rest of vm-operator's CreateResizeConfigSpec the model keeps, where the VM's differ: the
 * class's config spec's cores per socket, hot plug flags, latency sensitivity and extra config
 * values, its PCI passthrough devices (see pciDeviceChanges, into `devices`) and virtual TPM, and,
 * as vm-operator's overrideMMIOSize, the MMIO window of a VM that has such devices or is given
 * some. Its other devices are left as they are.
 */
function addResizeChanges(
  spec: MutableSpec,
  devices: VirtualDeviceConfigSpec[],
  vm: VirtualMachine,
  record: VmRecord,
  { config, extraConfig }: NonNullable<ClassSize['resizeTo']>,
): void {
  const c = record.config;
  if (config.numCoresPerSocket !== undefined && config.numCoresPerSocket !== c.numCoresPerSocket)
    spec.numCoresPerSocket = config.numCoresPerSocket;
  for (const flag of HOT_PLUG_FLAGS) {
    const want = config[flag];
    if (want !== undefined && want !== c[flag]) spec[flag] = want;
  }
  // vm-operator's compareLatencySensitivity: the level and the (custom level's) sensitivity.
  const want = config.latencySensitivity;
  const has = c.latencySensitivity;
  if (want && (want.level !== (has?.level ?? 'normal') || want.sensitivity !== has?.sensitivity))
    spec.latencySensitivity = want;
  const pci = pciDeviceChanges(config, c.devices);
  devices.push(...pci, ...tpmChanges(config, c.devices));
  const passthrough =
    c.devices.some(isPciPassthrough) || pci.some((change) => isPciPassthrough(change.device));
  const wanted = passthrough ? [...extraConfig, ...mmioWindowOf(vm)] : extraConfig;
  const lacking = wanted.filter((o) => extraConfigValue(c, o.key) !== o.value);
  if (lacking.length > 0) spec.extraConfig = lacking;
}

type Backing = { _type?: string; vgpu?: string; customLabel?: string; allowedDevice?: AllowedDevice[] };
type AllowedDevice = { vendorId?: number; deviceId?: number };

/**
 * vm-operator's matching of a PCI passthrough device the class wants with one the VM has: a vGPU
 * by its profile; a Dynamic DirectPath I/O device by its label, when the class gives one, and by
 * one allowed device in common, when the class names any.
 */
function samePciBacking(want: Backing | undefined, has: Backing | undefined): boolean {
  // A device without a backing matches none: it is added, for vSphere to refuse.
  if (!want || !has || want._type !== has._type) return false;
  if (want._type === 'VirtualPCIPassthroughVmiopBackingInfo') return want.vgpu === has.vgpu;
  if (want.customLabel && want.customLabel !== has.customLabel) return false;
  const wanted = want.allowedDevice ?? [];
  if (wanted.length === 0) return true;
  return (has.allowedDevice ?? []).some((x) =>
    wanted.some((y) => x.vendorId === y.vendorId && x.deviceId === y.deviceId),
  );
}

/**
 * vm-operator's ComparePCIDevices in a VMResize resize: each PCI passthrough device the class
 * gives is matched with one of the VM's (each of the VM's matched once); the VM's unmatched ones
 * are removed, then the class's unmatched ones added.
 */
function pciDeviceChanges(config: ClassConfig, devices: readonly Device[]): VirtualDeviceConfigSpec[] {
  const unmatched = devices.filter(isPciPassthrough);
  const adds: VirtualDeviceConfigSpec[] = [];
  for (const change of config.deviceChange) {
    if (!isPciPassthrough(change.device)) continue;
    const want = change.device.backing as Backing;
    const at = unmatched.findIndex((d) => samePciBacking(want, d.backing as Backing));
    if (at < 0) adds.push({ operation: 'add', device: change.device });
    else unmatched.splice(at, 1);
  }
  const removes = unmatched.map((device): VirtualDeviceConfigSpec => ({ operation: 'remove', device }));
  return [...removes, ...adds];
}

/**
 * vm-operator's zip of the class's virtual TPMs with the VM's in a resize: one the class gives and
 * the VM lacks added, one the VM has and the class does not give removed (the model's one at most).
 */
function tpmChanges(config: ClassConfig, devices: readonly Device[]): VirtualDeviceConfigSpec[] {
  const wanted = config.deviceChange.filter((c) => c.device._type === VIRTUAL_TPM).map((c) => c.device);
  const had = devices.filter((d) => d._type === VIRTUAL_TPM);
  return [
    ...wanted.slice(had.length).map((device): VirtualDeviceConfigSpec => ({ operation: 'add', device })),
    ...had.slice(wanted.length).map((device): VirtualDeviceConfigSpec => ({ operation: 'remove', device })),
  ];
}

/**
 * vm-operator's CompareCPUAllocation and CompareMemoryAllocation: the parts of the class's
 * allocation the VM does not have (a custom level's count counted), none when it has them all.
 */
function allocationChange(
  current: VmAllocation = DEFAULT_VM_ALLOCATION,
  want: ResourceAllocationSpec,
): ResourceAllocationSpec | undefined {
  const out: ResourceAllocationSpec = {};
  if (want.reservation !== undefined && want.reservation !== current.reservation)
    out.reservation = want.reservation;
  if (want.limit !== undefined && want.limit !== current.limit) out.limit = want.limit;
  const shares = want.shares;
  if (
    shares &&
    (shares.level !== current.shares.level ||
      (shares.level === 'custom' && shares.shares !== current.shares.shares))
  )
    out.shares = shares;
  return out.reservation === undefined && out.limit === undefined && out.shares === undefined
    ? undefined
    : out;
}

/**
 * The reconfiguration a powered-on VM needs, if any: with VMSharedDisks, once upgraded, the
 * controllers its spec adds or removes; its CD-ROMs' connection, Changed Block Tracking, the boot
 * options and the management proxy's extra config.
 */
export function runningReconfiguration(
  vm: VirtualMachine,
  record: VmRecord,
  sources: CdromSources,
): VmConfigSpec | undefined {
  const cdroms = vm.spec?.hardware?.cdrom;
  const own = ownExtraConfigChanges(vm, record, 'running');
  const controllers = reconcilesControllers(vm, sources)
    ? runningControllerChanges(vm.spec?.hardware ?? {}, record.config.devices)
    : [];
  const unchanged =
    vm.spec?.advanced?.changeBlockTracking === undefined &&
    !vm.spec?.bootOptions &&
    own.length === 0 &&
    isVmServiceManaged(record.config.managedBy);
  if (unchanged && !cdroms && controllers.length === 0) return undefined;
  const spec: MutableSpec = {};
  // As vm-operator's: the CD-ROMs' edits first, then the controllers'.
  const edits = [...(cdroms ? cdromConnectionChanges(vm, record, sources) : []), ...controllers];
  if (edits.length > 0) spec.deviceChange = edits;
  addRunningChanges(spec, vm, record, own);
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/**
 * The reconfiguration a suspended VM needs, if any: its boot options alone (vm-operator's update of
 * one also adds and removes controllers, which vSphere refuses a suspended VM: left out).
 */
export function suspendedReconfiguration(vm: VirtualMachine, record: VmRecord): VmConfigSpec | undefined {
  const boot =
    vm.spec?.bootOptions && bootOptionsChange(vm, record.config.bootOptions, record.config.devices);
  return boot ? { bootOptions: boot } : undefined;
}

/** vm-operator's anno2extraconfig: the management proxy's annotations, and the extra config keys they become. */
const ANNOTATIONS_TO_EXTRA_CONFIG = [
  ['mgmt.proxy.vmware.com/watermark', 'com.vmware.mgmt.proxy.watermark'],
  ['mgmt.proxy.vmware.com/allowlist', 'guestinfo.com.vmware.mgmt.proxy.allowlist/'],
] as const;

/** Which of vm-operator's updates configures a VM: a running one's, or a powered-off one's update or resize. */
export type UpdateKind = 'running' | 'update' | 'resize';

/**
 * vm-operator's keys of the VM's extra config where the VM's differ: the management proxy's
 * annotations mirrored (set, or removed with them); by the update of a powered-off VM, the
 * provider's own (`disk.enableUUID`, the tools check), whatever its class asked at create; by its
 * resize, the VM's namespaced name (OverwriteAlwaysResizeConfigSpec). Not the name otherwise:
 * vm-operator's update adds it, then replaces the extra config it asks for with the provider's
 * (UpdateConfigSpecExtraConfig).
 */
function ownExtraConfigChanges(vm: VirtualMachine, record: VmRecord, kind: UpdateKind): OptionValue[] {
  const out: OptionValue[] = [];
  for (const [annotation, key] of ANNOTATIONS_TO_EXTRA_CONFIG) {
    const want = vm.metadata.annotations?.[annotation] ?? '';
    const has = extraConfigValue(record.config, key);
    if (want === '' ? has !== undefined : want !== has) out.push({ key, value: want });
  }
  if (kind === 'update') {
    for (const option of GLOBAL_EXTRA_CONFIG)
      if (extraConfigValue(record.config, option.key) !== option.value) out.push(option);
  } else if (kind === 'resize') out.push(...namespacedNameChange(vm, record));
  return out;
}

/** The VM's namespaced name in its extra config, where someone changed it. */
const namespacedNameChange = (vm: VirtualMachine, record: VmRecord): OptionValue[] => {
  const name = `${vm.metadata.namespace}/${vm.metadata.name}`;
  return extraConfigValue(record.config, NAMESPACED_NAME_KEY) === name
    ? []
    : [{ key: NAMESPACED_NAME_KEY, value: name }];
};

/**
 * What vm-operator's update of a VM an administrator paused still configures (reconcilePausedVM,
 * OverwriteAlwaysResizeConfigSpec): the Supervisor's manager and the VM's namespaced name where
 * someone changed them, unless it is suspended; undefined when nothing differs.
 */
export function pausedReconfiguration(vm: VirtualMachine, record: VmRecord): VmConfigSpec | undefined {
  if (record.powerState === 'suspended') return undefined;
  const spec: MutableSpec = {};
  if (!isVmServiceManaged(record.config.managedBy)) spec.managedBy = VM_SERVICE_MANAGED_BY;
  const name = namespacedNameChange(vm, record);
  if (name.length > 0) spec.extraConfig = name;
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/** What a powered-on or powered-off VM's update configures alike. */
function addRunningChanges(
  spec: MutableSpec,
  vm: VirtualMachine,
  record: VmRecord,
  own: OptionValue[],
): void {
  if (own.length > 0) spec.extraConfig = [...(spec.extraConfig ?? []), ...own];
  // vm-operator's OverwriteAlwaysResizeConfigSpec: the Supervisor's extension manages the VM.
  if (!isVmServiceManaged(record.config.managedBy)) spec.managedBy = VM_SERVICE_MANAGED_BY;
  // vm-operator's UpdateConfigSpecChangeBlockTracking: the spec's, when set and different.
  const tracking = vm.spec?.advanced?.changeBlockTracking;
  if (tracking !== undefined && tracking !== record.config.changeTrackingEnabled)
    spec.changeTrackingEnabled = tracking;
  const boot = bootOptionsChange(vm, record.config.bootOptions, record.config.devices);
  if (boot) spec.bootOptions = boot;
}

/** The property vSphere's InvalidArgument names when it refuses a spec's guest ID. */
const GUEST_ID_PROPERTY = 'configSpec.guestId';

const NO_GUEST_ID_CONDITION = isAbsent(CONDITION.guestIdReconfigured);

/** vm-operator's reading of a failed reconfigure: an InvalidArgument whose property is the guest ID. */
const refusesGuestId = (fault: unknown): boolean =>
  isVimFault(fault, 'InvalidArgument') &&
  String(fault.fault.invalidProperty ?? '').includes(GUEST_ID_PROPERTY);

/**
 * vm-operator's GuestIDReconfigured once a reconfigure of the VM ended (`fault`: why it failed):
 * False (`Invalid`) when vSphere refused the guest ID the spec asked for, else removed; undefined
 * when nothing changes.
 */
export function guestIdAfterReconfigure(
  vm: VirtualMachine,
  spec: VmConfigSpec,
  fault: unknown,
): Verdict | undefined {
  if (spec.guestId && refusesGuestId(fault))
    return isFalse(
      CONDITION.guestIdReconfigured,
      REASON.invalid,
      `The specified guest ID value is not supported: ${spec.guestId}`,
    );
  return conditionOf(vm.status?.conditions, CONDITION.guestIdReconfigured)
    ? NO_GUEST_ID_CONDITION
    : undefined;
}

/**
 * GuestIDReconfigured on an update of a VM powered on or off: removed when its spec asks for no
 * guest ID (vm-operator then assumes the guest ID is valid); undefined when nothing changes.
 */
export function guestIdOnUpdate(vm: VirtualMachine, record: VmRecord): Verdict | undefined {
  if (vm.spec?.guestID || record.powerState === 'suspended') return undefined;
  return conditionOf(vm.status?.conditions, CONDITION.guestIdReconfigured)
    ? NO_GUEST_ID_CONDITION
    : undefined;
}

/** `bootDiskCapacity`, unless the VM boots from CD-ROMs (an ISO VM's boot disk is a claim's). */
const resizableBootDisk = (vm: VirtualMachine): number | undefined =>
  vm.spec?.hardware?.cdrom?.length ? undefined : bootDiskCapacity(vm);

/** vm-operator's boot disk resize: the first disk grown to the capacity asked for; never shrunk. */
function bootDiskChange(vm: VirtualMachine, devices: readonly Device[]): Device | undefined {
  const capacity = resizableBootDisk(vm);
  if (capacity === undefined) return undefined;
  const disk = devices.find((d) => d._type === 'VirtualDisk');
  if (!disk) throw new Error('could not find the boot disk to change capacity');
  const bytes = diskBytes(disk);
  if (capacity < bytes) throw new Error(`cannot shrink boot disk from ${bytes} bytes to ${capacity} bytes`);
  return capacity > bytes ? { _type: 'VirtualDisk', key: disk.key, capacityInBytes: capacity } : undefined;
}
