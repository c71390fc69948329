/**
 * vm-operator's CD-ROMs (`spec.hardware.cdrom`, its legacy update, without shared disks): each
 * CD-ROM backed by its ISO image's file on the library's storage. While the VM is off, a CD-ROM
 * a new image needs is added, one of no image the spec names is removed (a VM with
 * `spec.hardware` keeps no other CD-ROM), and each one's connection follows the spec; while it
 * runs, only the connection does.
 */
import type { Device, VirtualDeviceConfigSpec, VmRecord } from '@vsim/vsphere';
import { CDROM_CONTROLLER_LIMITS } from '../../api/cdrom-placement.js';
import { isUpgraded, SHARED_DISKS_FEATURES } from '../../api/schema-upgrade.js';
import type {
  VirtualMachine,
  VirtualMachineCdromSpec,
  VirtualMachineHardwareSpec,
  VirtualMachineImage,
  VirtualMachineImageRef,
} from '../../api/types.js';
import { type ContentLibraryItem, IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import { conditionOf } from './conditions.js';
import { type DependencyReader, VM_OPERATOR_API_VERSION } from './prerequisites.js';
import { controllerChanges, NEW_CONTROLLER_KEY } from './virtual-controllers.js';

const ISO_BACKING = 'VirtualCdromIsoBackingInfo';

/** What a VM's CD-ROMs are made from: their images' files, and whether the spec places them. */
export interface CdromSources {
  /** The ISO file a CD-ROM's image names (its storage URI), or throws in vm-operator's words. */
  readonly fileOf: (image: VirtualMachineImageRef) => string;
  /** VMSharedDisks: each CD-ROM goes where its spec places it (`placedCdromChanges`). */
  readonly placed: boolean;
}

/**
 * The sources of a VM without CD-ROMs in its spec, which has no files to look up: no reader
 * made on the update pass of the many VMs without one.
 */
export const NO_CDROM_SOURCES: CdromSources = {
  fileOf: () => {
    throw new Error('a VM without spec.hardware has no CD-ROM images');
  },
  placed: false,
};

/** Whether the VM's controllers are made the spec's: with VMSharedDisks, once it is upgraded. */
export const reconcilesControllers = (vm: VirtualMachine, sources: CdromSources): boolean =>
  sources.placed && isUpgraded(vm, SHARED_DISKS_FEATURES);

/** vm-operator's `GetBackingFileNameByImageRef`: the image, ready and of an ISO, and its item's first file. */
export function cdromSources(read: DependencyReader, namespace: string, placed: boolean): CdromSources {
  const fileOf = (ref: VirtualMachineImageRef) => {
    const why = (problem: string) =>
      new Error(`error getting backing file name by image ref ${JSON.stringify(ref)}: ${problem}`);
    if (ref.kind !== 'VirtualMachineImage' && ref.kind !== 'ClusterVirtualMachineImage')
      throw why(`unsupported image kind: ${JSON.stringify(ref.kind)}`);
    const scope = ref.kind === 'VirtualMachineImage' ? namespace : undefined;
    const image = read.get<VirtualMachineImage>(VM_OPERATOR_API_VERSION, ref.kind, scope, ref.name);
    if (!image) throw why(read.notFound(VM_OPERATOR_API_VERSION, ref.kind, ref.name));
    if (conditionOf(image.status?.conditions, 'Ready')?.status !== 'True')
      throw why('image condition is not ready');
    if (image.status?.type !== 'ISO')
      throw why(`image type ${JSON.stringify(image.status?.type ?? '')} is not ISO`);
    const itemName = image.spec?.providerRef?.name;
    if (!itemName) throw why('image provider ref is empty');
    const itemKind = scope === undefined ? 'ClusterContentLibraryItem' : 'ContentLibraryItem';
    const item = read.get<ContentLibraryItem>(IMAGE_REGISTRY_API_VERSION, itemKind, scope, itemName);
    if (!item) throw why(read.notFound(IMAGE_REGISTRY_API_VERSION, itemKind, itemName));
    const uri = item.status?.fileInfo?.[0]?.storageURI;
    if (!uri) throw why('no storage URI found in the content library item status');
    return uri;
  };
  return { fileOf, placed };
}

const isCdrom = (device: Device) => device._type === 'VirtualCdrom';
const isoFileOf = (device: Device) => {
  const backing = device.backing as { _type?: string; fileName?: string } | undefined;
  return backing?._type === ISO_BACKING ? backing.fileName : undefined;
};

/** The VM's one CD-ROM backed by `file`; vm-operator's error for two. */
function cdromOf(devices: readonly Device[], file: string): Device | undefined {
  const found = devices.filter((d) => isCdrom(d) && isoFileOf(d) === file);
  if (found.length > 1)
    throw new Error(
      `error getting CD-ROM device by backing file name ${file}: found multiple CD-ROMs with same backing file name: ${file}`,
    );
  return found[0];
}

interface Connection {
  startConnected: boolean;
  connected: boolean;
  allowGuestControl: boolean;
}

/** What the spec asks of a CD-ROM's connection: a device connects only while the VM runs. */
const wantedConnection = (spec: VirtualMachineCdromSpec, poweredOn: boolean): Connection => ({
  startConnected: spec.connected === true,
  connected: spec.connected === true && poweredOn,
  allowGuestControl: spec.allowGuestControl === true,
});

/** The edit of an existing CD-ROM whose connection is not the spec's, if any. */
function connectionEdit(device: Device, wanted: Connection): VirtualDeviceConfigSpec | undefined {
  const has = (device.connectable ?? {}) as Partial<Connection>;
  const same =
    (has.startConnected === true) === wanted.startConnected &&
    (has.connected === true) === wanted.connected &&
    (has.allowGuestControl === true) === wanted.allowGuestControl;
  return same
    ? undefined
    : {
        operation: 'edit',
        device: { _type: 'VirtualCdrom', key: device.key, connectable: { ...has, ...wanted } },
      };
}

/**
 * The device changes a powered-off VM's CD-ROMs need (vm-operator's
 * `UpdateCdromDeviceChangesLegacy`): none without `spec.hardware`.
 */
export function cdromChanges(
  vm: VirtualMachine,
  record: VmRecord,
  sources: CdromSources,
): VirtualDeviceConfigSpec[] {
  const hardware = vm.spec?.hardware;
  const upgraded = reconcilesControllers(vm, sources);
  // An upgraded VM without `spec.hardware` wants no controller, as vm-operator reads it.
  if (!hardware) return upgraded ? controllerChanges({}, record.config.devices) : [];
  if (sources.placed) return placedCdromChanges(hardware, record, sources, upgraded);
  const devices = record.config.devices;
  const poweredOn = record.powerState === 'poweredOn';
  const edits: VirtualDeviceConfigSpec[] = [];
  const missing: { file: string; connectable: Connection }[] = [];
  const expected = new Set<string>();
  for (const spec of hardware.cdrom ?? []) {
    const file = sources.fileOf(spec.image);
    expected.add(file);
    const wanted = wantedConnection(spec, poweredOn);
    const existing = cdromOf(devices, file);
    const edit = existing && connectionEdit(existing, wanted);
    if (edit) edits.push(edit);
    if (!existing) missing.push({ file, connectable: wanted });
  }
  const obsolete = devices.filter((d) => isCdrom(d) && !expected.has(isoFileOf(d) ?? ''));
  // Removed first, so that a CD-ROM added may take a slot one removed leaves.
  const changes: VirtualDeviceConfigSpec[] = obsolete.map((d) => ({
    operation: 'remove',
    device: { _type: 'VirtualCdrom', key: d.key },
  }));
  const controllerFor = controllers(
    devices.filter((d) => !obsolete.includes(d)),
    changes,
  );
  missing.forEach(({ file, connectable }, i) => {
    const device = {
      _type: 'VirtualCdrom',
      key: -200 - i,
      backing: { _type: ISO_BACKING, fileName: file },
      connectable,
    };
    changes.push({ operation: 'add', device: { ...device, controllerKey: controllerFor() } });
  });
  return changes.concat(edits);
}

/**
 * vm-operator's controller for each CD-ROM it adds: an IDE controller with a free slot, else a
 * SATA controller with one, else a new SATA controller (added to `changes`).
 */
function controllers(devices: readonly Device[], changes: VirtualDeviceConfigSpec[]): () => number {
  const used = new Map<number, number>();
  for (const d of devices)
    if (d.controllerKey !== undefined) used.set(d.controllerKey, (used.get(d.controllerKey) ?? 0) + 1);
  const candidates = devices.filter(
    (d) => d._type === 'VirtualIDEController' || d._type === 'VirtualAHCIController',
  );
  const free = (type: string, units: number) =>
    candidates.find((c) => c._type === type && (used.get(c.key) ?? 0) < units);
  return () => {
    let controller =
      free('VirtualIDEController', CDROM_CONTROLLER_LIMITS.IDE.units) ??
      free('VirtualAHCIController', CDROM_CONTROLLER_LIMITS.SATA.units);
    if (!controller) {
      controller = { _type: 'VirtualAHCIController', key: NEW_CONTROLLER_KEY };
      changes.push({ operation: 'add', device: controller });
      candidates.push(controller);
    }
    used.set(controller.key, (used.get(controller.key) ?? 0) + 1);
    return controller.key;
  };
}

/** The IDE and SATA controllers a CD-ROM may sit on, by key, named as the spec names them. */
function cdromControllers(devices: readonly Device[]): Map<number, { type: string; bus: number }> {
  const controllers = new Map<number, { type: string; bus: number }>();
  for (const d of devices) {
    const type = SPEC_TYPE_OF_CONTROLLER[d._type];
    if (type && typeof d.busNumber === 'number') controllers.set(d.key, { type, bus: d.busNumber });
  }
  return controllers;
}

/** The device types of the controllers a CD-ROM may sit on. */
const CDROM_CONTROLLER_DEVICES: ReadonlySet<string> = new Set([
  'VirtualIDEController',
  'VirtualAHCIController',
]);

/** vSphere's CD-ROM controllers by device type, as the spec names them. */
const SPEC_TYPE_OF_CONTROLLER: Readonly<Record<string, string>> = {
  VirtualIDEController: 'IDE',
  VirtualAHCIController: 'SATA',
};

/**
 * The device changes a powered-off VM's CD-ROMs need with VMSharedDisks (vm-operator's
 * `UpdateCdromDeviceChangesWithSharedDisks`): once the VM's schema is upgraded, its controllers
 * made the spec's first (virtual-controllers.ts), the CD-ROMs waiting for the next pass while an
 * IDE or SATA controller changes; then each
 * CD-ROM goes on the controller and unit its spec names, one found elsewhere removed and added
 * there again, and one of no file the spec names removed.
 */
function placedCdromChanges(
  hardware: VirtualMachineHardwareSpec,
  record: VmRecord,
  sources: CdromSources,
  upgraded: boolean,
): VirtualDeviceConfigSpec[] {
  const devices = record.config.devices;
  const controllerEdits = upgraded ? controllerChanges(hardware, devices) : [];
  // The CD-ROMs wait a pass while a controller they may sit on (IDE, SATA) changes.
  if (controllerEdits.some((c) => CDROM_CONTROLLER_DEVICES.has(c.device._type))) return controllerEdits;
  const controllers = cdromControllers(devices);
  const poweredOn = record.powerState === 'poweredOn';
  const moved: Device[] = [];
  const added: { spec: VirtualMachineCdromSpec; file: string }[] = [];
  const edits: VirtualDeviceConfigSpec[] = [];
  const expected = new Set<string>();
  for (const spec of hardware.cdrom ?? []) {
    const file = sources.fileOf(spec.image);
    expected.add(file);
    const existing = cdromOf(devices, file);
    if (existing) {
      const at = controllers.get(existing.controllerKey ?? 0);
      if (!at) throw new Error(`controller with key ${existing.controllerKey} not found for CD-ROM device`);
      if (
        at.type === spec.controllerType &&
        at.bus === spec.controllerBusNumber &&
        existing.unitNumber === spec.unitNumber
      ) {
        const edit = connectionEdit(existing, wantedConnection(spec, poweredOn));
        if (edit) edits.push(edit);
        continue;
      }
      moved.push(existing);
    }
    added.push({ spec, file });
  }
  const obsolete = devices.filter((d) => isCdrom(d) && !expected.has(isoFileOf(d) ?? ''));
  // As vm-operator counts them: a moved CD-ROM's old unit stays taken, an obsolete one's is free.
  const taken = new Set(
    devices
      .filter((d) => d.controllerKey !== undefined && !obsolete.includes(d))
      .map((d) => `${d.controllerKey}:${d.unitNumber}`),
  );
  const changes: VirtualDeviceConfigSpec[] = [...obsolete, ...moved].map((d) => ({
    operation: 'remove',
    device: { _type: 'VirtualCdrom', key: d.key },
  }));
  added.forEach(({ spec, file }, i) => {
    const { controllerType: type, controllerBusNumber: bus, unitNumber: unit } = spec;
    if (type === undefined || bus === undefined || unit === undefined)
      throw new Error(`CD-ROM spec does not have all the controller information: ${goCdromSpec(spec)}`);
    const key = [...controllers].find(([, c]) => c.type === type && c.bus === bus)?.[0];
    if (key === undefined) throw new Error(`controller not found: type=${type}, busNumber=${bus}`);
    if (taken.has(`${key}:${unit}`)) throw new Error(`found a CD-ROM spec with a used unitNumber ${unit}`);
    taken.add(`${key}:${unit}`);
    const connectable = wantedConnection(spec, poweredOn);
    const backing = { _type: ISO_BACKING, fileName: file };
    const device = {
      _type: 'VirtualCdrom',
      key: -200 - i,
      backing,
      connectable,
      controllerKey: key,
      unitNumber: unit,
    };
    changes.push({ operation: 'add', device });
  });
  return controllerEdits.concat(changes, edits);
}

/** A CD-ROM's spec as Go's `%+v` prints it, its pointers' values shown where Go shows addresses. */
function goCdromSpec(spec: VirtualMachineCdromSpec): string {
  const pointer = (value: unknown) => (value === undefined ? '<nil>' : String(value));
  return (
    `{Name:${spec.name} Image:{Kind:${spec.image.kind} Name:${spec.image.name}} ` +
    `ControllerBusNumber:${pointer(spec.controllerBusNumber)} ControllerType:${spec.controllerType ?? ''} ` +
    `UnitNumber:${pointer(spec.unitNumber)} Connected:${pointer(spec.connected)} ` +
    `AllowGuestControl:${pointer(spec.allowGuestControl)}}`
  );
}

/**
 * The connection changes a running VM's CD-ROMs need (vm-operator's
 * `UpdateConfigSpecCdromDeviceConnection`); a CD-ROM the VM lacks fails the update.
 */
export function cdromConnectionChanges(
  vm: VirtualMachine,
  record: VmRecord,
  sources: CdromSources,
): VirtualDeviceConfigSpec[] {
  const edits: VirtualDeviceConfigSpec[] = [];
  for (const spec of vm.spec?.hardware?.cdrom ?? []) {
    const device = cdromOf(record.config.devices, sources.fileOf(spec.image));
    if (!device) throw new Error(`no CD-ROM is found for image ref ${JSON.stringify(spec.image)}`);
    const edit = connectionEdit(device, wantedConnection(spec, record.powerState === 'poweredOn'));
    if (edit) edits.push(edit);
  }
  return edits;
}
