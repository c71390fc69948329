/**
 * What vm-operator's create config spec (its CreateConfigSpec) gives a VM in vSphere beside its
 * class's size: the class's `spec.configSpec` (vim25 JSON, as govmomi encodes it, sanitized as
 * vm-operator sanitizes it) or, without one, the vGPUs and Dynamic DirectPath I/O devices of its
 * `spec.hardware.devices`; the CPU and memory allocations of the class's requests and limits; the
 * VM service's annotation and managing extension; and the extra config every VM gets (the VM's
 * namespaced name, the class's reserved profile, the disks' UUIDs, the PCI passthrough MMIO window),
 * and what its cleanup takes back from a VM it lets go.
 */
import {
  DEFAULT_VM_ALLOCATION,
  type Device,
  flat,
  HOT_PLUG_FLAGS,
  isDisk,
  isEthernetCard,
  isPciPassthrough,
  type LatencySensitivitySpec,
  type ManagedByInfo,
  type OptionValue,
  type ResourceAllocationSpec,
  type SharesLevel,
  type VirtualDeviceConfigSpec,
  type VmConfigSpec,
  type VmRecord,
} from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineClass } from '../../api/types.js';
import { isPlainObject } from '../../store/meta.js';
import { quantityNanos, wholeUnits } from '../../store/quantity.js';

/** The annotation of a VM whose class's config spec gives none. */
export const VM_SERVICE_ANNOTATION = 'Virtual Machine managed by the vSphere Virtual Machine service';

/** The Supervisor's extension, which manages every VM vm-operator creates. */
export const VM_SERVICE_MANAGED_BY: ManagedByInfo = Object.freeze({
  extensionKey: 'com.vmware.vcenter.wcp',
  type: 'VirtualMachine',
});

/** Whether a VM is managed by the Supervisor's extension. */
export const isVmServiceManaged = (managedBy: ManagedByInfo | undefined): boolean =>
  managedBy?.extensionKey === VM_SERVICE_MANAGED_BY.extensionKey &&
  managedBy.type === VM_SERVICE_MANAGED_BY.type;

/** The extra config key naming the VirtualMachine a vSphere VM is (`<namespace>/<name>`). */
export const NAMESPACED_NAME_KEY = 'vmservice.namespacedName';

/** The extra config prefixes vm-operator owns: its cleanup of a VM it lets go removes their keys. */
const VM_SERVICE_EXTRA_CONFIG_PREFIXES = ['guestinfo.', 'vmservice.', 'imageregistry.'];

/**
 * What vm-operator's CleanupVMServiceState reconfigures in a VM it lets go without deleting it:
 * the keys of its extra config prefixes (any case) removed, the Supervisor's ManagedBy cleared;
 * undefined when there is nothing to clean.
 */
export function vmServiceCleanup(record: VmRecord): VmConfigSpec | undefined {
  const extraConfig = record.config.extraConfig
    .filter((o) => VM_SERVICE_EXTRA_CONFIG_PREFIXES.some((prefix) => o.key.toLowerCase().startsWith(prefix)))
    .map((o) => ({ key: o.key, value: '' }));
  const ours = isVmServiceManaged(record.config.managedBy);
  if (extraConfig.length === 0 && !ours) return undefined;
  return {
    ...(extraConfig.length > 0 ? { extraConfig } : {}),
    ...(ours ? { managedBy: { extensionKey: '', type: '' } } : {}),
  };
}

/** Sets a 64-bit MMIO window of the annotation's size in GB (`0`: none) for a VM with PCI passthrough devices. */
export const PCI_PASSTHROUGH_MMIO_ANNOTATION = 'vmoperator.vmware.com/pci-passthru-64bit-mmio-size';
const DEFAULT_MMIO_SIZE_GB = '512';

const option = (key: string, value: string): OptionValue => Object.freeze({ key, value });

/**
 * The global extra config of vm-operator's provider (every VM's disks show UUIDs, and its
 * customization skips the tools check), and with the MMIO window of a VM with PCI passthrough
 * devices. vm-operator appends them from a map, in no order: sorted by key here, so that runs agree.
 */
const DISK_UUID = option('disk.enableUUID', 'TRUE');
const IGNORE_TOOLS_CHECK = option('vmware.tools.gosc.ignoretoolscheck', 'TRUE');
/** The provider's own extra config of every VM, set at create and again by an update while it is off. */
export const GLOBAL_EXTRA_CONFIG: readonly OptionValue[] = [DISK_UUID, IGNORE_TOOLS_CHECK];

/** Whether a class's config spec gives a key of the provider's own another value, which the VM's update puts back. */
export const overridesProviderExtraConfig = (config: ClassConfig): boolean =>
  config.extraConfig.some((option) =>
    GLOBAL_EXTRA_CONFIG.some((own) => own.key === option.key && own.value !== option.value),
  );

/** The MMIO window a VM with PCI passthrough devices asks for, in its annotation; none for `0`. */
export const mmioWindowOf = (vm: VirtualMachine): readonly OptionValue[] => {
  const sizeGB = vm.metadata.annotations?.[PCI_PASSTHROUGH_MMIO_ANNOTATION] || DEFAULT_MMIO_SIZE_GB;
  return sizeGB === '0'
    ? NO_OPTIONS
    : [option('pciPassthru.64bitMMIOSizeGB', sizeGB), option('pciPassthru.use64bitMMIO', 'TRUE')];
};

/** What a class gives the VMs deployed from it, beside its size. */
export interface ClassConfig {
  readonly annotation?: string;
  readonly extraConfig: readonly OptionValue[];
  /** The devices it adds: its PCI passthrough devices and what else its config spec adds but disks and NICs. */
  readonly deviceChange: readonly VirtualDeviceConfigSpec[];
  /** The device types of its config spec's NICs, in order: the VM's interfaces take them, as vm-operator pairs them. */
  readonly nicTypes: readonly string[];
  readonly version?: string;
  readonly numCoresPerSocket?: number;
  /** Its config spec's hot plug flags, and its firmware (which a VM's or its image's overrides). */
  readonly cpuHotAddEnabled?: boolean;
  readonly cpuHotRemoveEnabled?: boolean;
  readonly memoryHotAddEnabled?: boolean;
  readonly firmware?: string;
  /** Its config spec's allocations and latency sensitivity. */
  readonly cpuAllocation?: ResourceAllocationSpec;
  readonly memoryAllocation?: ResourceAllocationSpec;
  readonly latencySensitivity?: LatencySensitivitySpec;
}

/** A class whose config spec vm-operator cannot decode: its create fails, and is tried again. */
export class ClassConfigSpecError extends Error {}

const NO_OPTIONS: readonly OptionValue[] = Object.freeze([]);
const NONE: readonly never[] = Object.freeze([]);
const NO_CLASS_CONFIG: ClassConfig = Object.freeze({
  extraConfig: NO_OPTIONS,
  deviceChange: NONE,
  nicTypes: NONE,
});

/** The VMs of one class share what it gives them: decoded once per version of the class. */
const decoded = new WeakMap<object, ClassConfig>();

/** What the VM's class gives it; throws ClassConfigSpecError for a config spec that does not decode. */
export function classConfigOf(vmClass: VirtualMachineClass | undefined): ClassConfig {
  const spec = vmClass?.spec;
  if (!spec) return NO_CLASS_CONFIG;
  let config = decoded.get(spec);
  if (!config) {
    config = spec.configSpec === undefined ? fromClassDevices(vmClass) : fromConfigSpec(spec.configSpec);
    decoded.set(spec, config);
  }
  return config;
}

/** vm-operator's ConfigSpecFromVMClassDevices: a vGPU per profile, a Dynamic DirectPath I/O device per device. */
function fromClassDevices(vmClass: VirtualMachineClass | undefined): ClassConfig {
  const devices = vmClass?.spec?.hardware?.devices;
  const vgpus = devices?.vgpuDevices ?? [];
  const dynamic = devices?.dynamicDirectPathIODevices ?? [];
  if (vgpus.length + dynamic.length === 0) return NO_CLASS_CONFIG;
  const backings = [
    ...vgpus.map((v) => ({ _type: 'VirtualPCIPassthroughVmiopBackingInfo', vgpu: v.profileName })),
    ...dynamic.map((d) => ({
      _type: 'VirtualPCIPassthroughDynamicBackingInfo',
      allowedDevice: [
        { _type: 'VirtualPCIPassthroughAllowedDevice', vendorId: d.vendorID, deviceId: d.deviceID },
      ],
      customLabel: d.customLabel ?? '',
    })),
  ];
  const deviceChange = backings.map(
    (backing, i): VirtualDeviceConfigSpec => ({
      operation: 'add',
      device: { _type: 'VirtualPCIPassthrough', key: PCI_DEVICE_KEY - i, backing },
    }),
  );
  return Object.freeze({
    extraConfig: NO_OPTIONS,
    deviceChange: Object.freeze(deviceChange),
    nicTypes: NONE,
  });
}

/** vm-operator's first key of the PCI devices it adds (a negative range, as vSphere's temporary keys are). */
const PCI_DEVICE_KEY = -200;

/** The vim25 JSON types of a value in an `any` field: `{"_typeName": "string", "_value": "x"}`. */
const PRIMITIVES: ReadonlySet<string> = new Set(
  'boolean byte short int long float double string dateTime anyURI base64Binary'.split(' '),
);

/**
 * A vim25 JSON value as the model reads vSphere's data: `_typeName` as `_type`, a boxed
 * primitive or array (`ArrayOfString`) as its value.
 */
function fromVimJson(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => fromVimJson(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const typeName = object._typeName;
  if (typeName !== undefined && typeof typeName !== 'string')
    throw new ClassConfigSpecError(`${path}._typeName: not a type name`);
  if (typeName !== undefined && '_value' in object) {
    const boxed = object._value;
    if (typeName.startsWith('ArrayOf') && Array.isArray(boxed)) return fromVimJson(boxed, `${path}._value`);
    // A primitive, or an enum's value, in an `any` field.
    if (PRIMITIVES.has(typeName) || typeof boxed === 'string') return boxed;
    throw new ClassConfigSpecError(`${path}: a ${typeName} is no boxed value`);
  }
  const out: Record<string, unknown> = typeName === undefined ? {} : { _type: typeName };
  for (const [key, field] of Object.entries(object))
    if (key !== '_typeName') out[key] = fromVimJson(field, `${path}.${key}`);
  return out;
}

/** A disk the class's config spec may not give: any but a raw device mapping. */
function leftOutDisk(device: Device): boolean {
  if (!isDisk(device)) return false;
  const backing = isPlainObject(device.backing) ? String(device.backing._type ?? '') : '';
  return !backing.startsWith('VirtualDiskRawDiskMapping');
}

/** A list the config spec holds at `field` (none when absent). */
function listAt(spec: Record<string, unknown>, field: string): unknown[] {
  const value = spec[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ClassConfigSpecError(`spec.configSpec.${field}: not a list`);
  return value;
}

/** vm-operator's GetVMClassConfigSpec: the class's config spec decoded, then sanitized. */
function fromConfigSpec(raw: unknown): ClassConfig {
  const spec = fromVimJson(raw, 'spec.configSpec');
  if (!isPlainObject(spec) || (spec._type !== undefined && spec._type !== 'VirtualMachineConfigSpec'))
    throw new ClassConfigSpecError('spec.configSpec: not a VirtualMachineConfigSpec');
  const deviceChange: VirtualDeviceConfigSpec[] = [];
  const nicTypes: string[] = [];
  for (const [i, change] of listAt(spec, 'deviceChange').entries()) {
    if (!isPlainObject(change) || !isPlainObject(change.device) || typeof change.device._type !== 'string')
      throw new ClassConfigSpecError(`spec.configSpec.deviceChange[${i}]: no device`);
    const device = change.device as Device;
    // A NIC, whatever its operation, gives the VM's interface of its rank its type, as
    // vm-operator pairs them; one without an interface goes.
    if (isEthernetCard(device)) nicTypes.push(device._type);
    else if (!leftOutDisk(device))
      // Kept whatever its operation, as vm-operator keeps it: vSphere refuses what it cannot do.
      deviceChange.push(Object.freeze({ ...(change as object), device }) as VirtualDeviceConfigSpec);
  }
  const extraConfig: OptionValue[] = [];
  for (const [i, option] of listAt(spec, 'extraConfig').entries()) {
    if (!isPlainObject(option) || typeof option.key !== 'string')
      throw new ClassConfigSpecError(`spec.configSpec.extraConfig[${i}]: no key`);
    // Sanitized away: whether maintenance mode powers the VM off is not the class's to say.
    if (option.key !== 'maintenance.vm.evacuation.poweroff')
      extraConfig.push({ key: option.key, value: String(option.value ?? '') });
  }
  const config: { -readonly [K in keyof ClassConfig]: ClassConfig[K] } = {
    extraConfig: Object.freeze(extraConfig),
    deviceChange: Object.freeze(deviceChange),
    nicTypes: Object.freeze(nicTypes),
  };
  if (typeof spec.annotation === 'string' && spec.annotation !== '') config.annotation = spec.annotation;
  if (typeof spec.version === 'string' && spec.version !== '') config.version = spec.version;
  if (typeof spec.numCoresPerSocket === 'number' && spec.numCoresPerSocket > 0)
    config.numCoresPerSocket = spec.numCoresPerSocket;
  for (const flag of HOT_PLUG_FLAGS) if (typeof spec[flag] === 'boolean') config[flag] = spec[flag];
  if (typeof spec.firmware === 'string' && spec.firmware !== '') config.firmware = spec.firmware;
  const cpuAllocation = allocationOf(spec.cpuAllocation, 'cpuAllocation');
  if (cpuAllocation) config.cpuAllocation = cpuAllocation;
  const memoryAllocation = allocationOf(spec.memoryAllocation, 'memoryAllocation');
  if (memoryAllocation) config.memoryAllocation = memoryAllocation;
  const latencySensitivity = latencySensitivityOf(spec.latencySensitivity);
  if (latencySensitivity) config.latencySensitivity = latencySensitivity;
  return Object.freeze(config);
}

/** A number of a config spec as Go decodes it into an integer field; undefined when absent. */
function integerAt(value: Record<string, unknown>, key: string, path: string): number | undefined {
  const number = value[key];
  if (number === undefined || number === null) return undefined;
  if (!Number.isInteger(number)) throw new ClassConfigSpecError(`${path}.${key}: not an integer`);
  return number as number;
}

/** A config spec's ResourceAllocationInfo: its reservation, limit and shares, as Go decodes them. */
function allocationOf(value: unknown, field: string): ResourceAllocationSpec | undefined {
  if (value === undefined || value === null) return undefined;
  const path = `spec.configSpec.${field}`;
  if (!isPlainObject(value)) throw new ClassConfigSpecError(`${path}: not a ResourceAllocationInfo`);
  const out: ResourceAllocationSpec = {};
  const reservation = integerAt(value, 'reservation', path);
  if (reservation !== undefined) out.reservation = reservation;
  const limit = integerAt(value, 'limit', path);
  if (limit !== undefined) out.limit = limit;
  const shares = value.shares;
  if (shares !== undefined && shares !== null) {
    if (!isPlainObject(shares) || typeof shares.level !== 'string')
      throw new ClassConfigSpecError(`${path}.shares: not a SharesInfo`);
    out.shares = {
      level: shares.level as SharesLevel,
      shares: integerAt(shares, 'shares', `${path}.shares`) ?? 0,
    };
  }
  return Object.freeze(out);
}

/** A config spec's LatencySensitivity, as Go decodes it; undefined when absent. */
function latencySensitivityOf(value: unknown): LatencySensitivitySpec | undefined {
  if (value === undefined || value === null) return undefined;
  const path = 'spec.configSpec.latencySensitivity';
  if (!isPlainObject(value) || typeof value.level !== 'string')
    throw new ClassConfigSpecError(`${path}: not a LatencySensitivity`);
  const out: LatencySensitivitySpec = { level: value.level };
  const sensitivity = integerAt(value, 'sensitivity', path);
  if (sensitivity !== undefined) out.sensitivity = sensitivity;
  return Object.freeze(out);
}

/** vm-operator's initResourceAllocation: vSphere's defaults where the allocation sets nothing. */
const completed = (a: ResourceAllocationSpec | undefined): ResourceAllocationSpec =>
  a === undefined
    ? DEFAULT_VM_ALLOCATION
    : {
        reservation: a.reservation ?? DEFAULT_VM_ALLOCATION.reservation,
        limit: a.limit ?? DEFAULT_VM_ALLOCATION.limit,
        shares: a.shares ?? DEFAULT_VM_ALLOCATION.shares,
      };

/**
 * vm-operator's allocation of one resource from a class's requests and limits: normal shares,
 * the request reserved, the limit or none; undefined when the class asks for neither (a zero
 * quantity asks for nothing; a negative one is passed on, for vSphere to refuse).
 */
function fromPolicies(
  request: string | undefined,
  limit: string | undefined,
  toUnits: (nanos: bigint) => number,
): ResourceAllocationSpec | undefined {
  const requested = request === undefined ? undefined : quantityNanos(request);
  const limited = limit === undefined ? undefined : quantityNanos(limit);
  const asks = (nanos: bigint | undefined): nanos is bigint => nanos !== undefined && nanos !== 0n;
  if (!asks(requested) && !asks(limited)) return undefined;
  const out: ResourceAllocationSpec = {
    shares: DEFAULT_VM_ALLOCATION.shares,
    limit: asks(limited) ? toUnits(limited) : -1,
  };
  if (asks(requested)) out.reservation = toUnits(requested);
  return out;
}

/** The CPU and memory allocations vm-operator's create config spec gives a VM of a class. */
export interface ClassAllocations {
  readonly cpu: ResourceAllocationSpec;
  readonly memory: ResourceAllocationSpec;
}

const MIB = 1024 * 1024;

/**
 * vm-operator's create config spec's allocations: a class's requests and limits (CPU in MHz at
 * `cpuMhz`, the clock of the Supervisor's slowest host, a core its clock; memory in MB) replace
 * its config spec's, which otherwise get vSphere's defaults where they set nothing.
 */
export function classAllocations(
  vmClass: VirtualMachineClass | undefined,
  config: ClassConfig,
  cpuMhz: () => number,
): ClassAllocations {
  const resources = vmClass?.spec?.policies?.resources;
  // vm-operator's CPUQuantityToMhz (of the quantity's millicores) and MemoryQuantityToMb.
  const mhz = (nanos: bigint) => Math.ceil((Number(wholeUnits(nanos * 1000n)) * cpuMhz()) / 1000);
  const mb = (nanos: bigint) => Math.ceil(Number(wholeUnits(nanos)) / MIB);
  return {
    cpu:
      fromPolicies(resources?.requests?.cpu, resources?.limits?.cpu, mhz) ?? completed(config.cpuAllocation),
    memory:
      fromPolicies(resources?.requests?.memory, resources?.limits?.memory, mb) ??
      completed(config.memoryAllocation),
  };
}

/** Whether the class gives its VMs PCI passthrough devices. */
export const hasPciPassthrough = (config: ClassConfig): boolean =>
  config.deviceChange.some((c) => isPciPassthrough(c.device));

/** vm-operator's own extra config of a VM: its namespaced name, and its class's reserved profile. */
function ownExtraConfig(vm: VirtualMachine, vmClass: VirtualMachineClass | undefined): OptionValue[] {
  // Flat: every VM keeps it, and a rope of its pieces is twice its size.
  const own = [{ key: NAMESPACED_NAME_KEY, value: flat(`${vm.metadata.namespace}/${vm.metadata.name}`) }];
  const reserved = vmClass?.spec?.reservedProfileID;
  if (reserved) own.push({ key: 'resourcepool.vmResourceProfileId', value: reserved });
  return own;
}

/** The class's options with the VM's own over them. */
function withOwn(config: ClassConfig, own: readonly OptionValue[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { key, value } of config.extraConfig) out.set(key, value);
  for (const { key, value } of own) out.set(key, value);
  return out;
}

/**
 * The extra config a VM is created with, in vm-operator's order: the class's, the VM's
 * namespaced name and the class's reserved profile over it, then the provider's own (and the
 * MMIO window of a VM with PCI passthrough devices) where the class set none.
 */
export function createExtraConfig(
  vm: VirtualMachine,
  vmClass: VirtualMachineClass | undefined,
  config: ClassConfig,
): OptionValue[] {
  const own = ownExtraConfig(vm, vmClass);
  const mmio = hasPciPassthrough(config) ? mmioWindowOf(vm) : NO_OPTIONS;
  // Sorted by key: the disks' UUIDs, the window, the tools check.
  const defaults = mmio.length > 0 ? [DISK_UUID, ...mmio, IGNORE_TOOLS_CHECK] : GLOBAL_EXTRA_CONFIG;
  // Every VM of a class without extra config: nothing to merge.
  if (config.extraConfig.length === 0) return [...own, ...defaults];
  const out = withOwn(config, own);
  for (const { key, value } of defaults) if (!out.has(key)) out.set(key, value);
  return Array.from(out, ([key, value]) => ({ key, value }));
}

/**
 * What vm-operator's resize (VMResize) wants of a VM's extra config: its create config spec's,
 * the class's options with the VM's own over them (the provider's are not the class's to resize).
 */
export function resizeExtraConfig(
  vm: VirtualMachine,
  vmClass: VirtualMachineClass | undefined,
  config: ClassConfig,
): OptionValue[] {
  return Array.from(withOwn(config, ownExtraConfig(vm, vmClass)), ([key, value]) => ({ key, value }));
}
