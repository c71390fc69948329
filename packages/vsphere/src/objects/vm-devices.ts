/**
 * Device changes of a VirtualMachineConfigSpec (`deviceChange`), as CreateVM_Task,
 * ReconfigVM_Task, CloneVM_Task and RelocateVM_Task apply them: vSphere's key assignment
 * (a new device's temporary key becomes the next free key of its type's range, and
 * references to the temporary key follow), unit numbers on controllers, new disks with
 * their files, NICs on their networks, storage controllers (SCSI, SATA, NVMe) on their buses, and
 * serial and parallel ports on the SIO controller; ports and storage controllers are added or
 * removed only while the VM is off, and a port connected to a running VM keeps its backing.
 */
import { deepEqual } from '../collector/diff.js';
import { faults } from '../faults.js';
import { isFirstClassDisk } from '../inventory/attachments.js';
import {
  DEVICE_KEY_BASE,
  diskBytes,
  diskContentId,
  diskDatastore,
  diskFactsOf,
  diskObjectId,
  ethernetCard,
  isDisk,
  isEthernetCard,
  isPciPassthrough,
  isVgpu,
  provisioningOf,
  virtualDisk,
} from '../inventory/devices.js';
import { datacenterOf } from '../inventory/paths.js';
import {
  type CryptoKeyRef,
  type DatastoreFileRecord,
  type DatastoreRecord,
  type Device,
  type DvsRecord,
  datastoreFileId,
  type NetworkRecord,
  type VmRecord,
} from '../inventory/records.js';
import { datastorePath, newMac, nicBacking, withControllers } from '../inventory/vm.js';
import type { Model, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { datastoreFileAccess } from './datastore-file-access.js';
import { extentOf } from './datastore-files.js';
import { type CryptoSpec, deviceCrypto, disksWithVmKey, vmCryptoAfter } from './vm-crypto.js';
import { datastoreByName, parseDatastorePath } from './vm-placement.js';

/** VirtualMachineProfileSpec: a VirtualMachineDefinedProfileSpec names a storage policy by its id. */
export interface VirtualMachineProfileSpec {
  _type?: string;
  profileId?: string;
}

/** VirtualDeviceConfigSpec: one entry of `deviceChange`. */
export interface VirtualDeviceConfigSpec {
  operation: 'add' | 'edit' | 'remove';
  fileOperation?: 'create' | 'destroy' | 'replace';
  device: Device;
  /** The storage policy a new disk goes under. */
  profile?: readonly VirtualMachineProfileSpec[];
  /** VirtualDeviceConfigSpecBackingSpec: what the change does to the backing's encryption. */
  backing?: { crypto?: CryptoSpec };
}
/** What device changes need to know about the VM they apply to. */
export interface DeviceContext {
  readonly model: Model;
  readonly tx: Tx;
  /** `[ds] dir/name.vmx`: new disk files go beside it. */
  readonly vmPathName: string;
  readonly homeDatastore: string;
  readonly host: string | undefined;
  readonly datacenter: string | undefined;
  /** Serial and parallel ports and storage controllers come and go only while the VM is off. */
  readonly powerState: VmRecord['powerState'];
  /** The key of the VM's configuration once the change is made: the key its disks may take. */
  readonly vmKey: CryptoKeyRef | undefined;
}

export const deviceContext = (m: Model, tx: Tx, vm: VmRecord): DeviceContext => ({
  model: m,
  tx,
  vmPathName: vm.config.vmPathName,
  homeDatastore: vm.homeDatastore,
  host: vm.host,
  datacenter: datacenterOf(m.store, vm.parent ?? vm.id)?.id,
  powerState: vm.powerState,
  vmKey: vm.config.keyId,
});

/** The folder part (with its slash) and the base name of a VM's .vmx path. */
const vmFiles = (vmPathName: string) => {
  const path = parseDatastorePath(vmPathName)?.path ?? '';
  const slash = path.lastIndexOf('/');
  return { dir: path.slice(0, slash + 1), base: path.slice(slash + 1).replace(/\.vmx$/, '') };
};

/** The device types of SCSI controllers (vim25's `VirtualSCSIController` and its kinds). */
export const SCSI_CONTROLLERS: ReadonlySet<string> = new Set([
  'ParaVirtualSCSIController',
  'VirtualLsiLogicController',
  'VirtualLsiLogicSASController',
  'VirtualBusLogicController',
]);

/** Key ranges of the device types that devices.ts does not name. */
const OTHER_KEY_BASE: Record<string, number> = {
  VirtualEnsoniq1371: 5000,
  VirtualHdAudioCard: 5000,
  VirtualUSBController: 7000,
  VirtualFloppy: 8000,
  VirtualSerialPort: 9000,
  VirtualParallelPort: 10000,
  VirtualUSBXHCIController: 14000,
  VirtualPCIPassthrough: 13000,
  VirtualAHCIController: 15000,
  VirtualNVMEController: 31000,
};

const keyBase = (d: Device): number =>
  isDisk(d)
    ? DEVICE_KEY_BASE.disk
    : d._type === 'VirtualCdrom'
      ? DEVICE_KEY_BASE.cdrom
      : SCSI_CONTROLLERS.has(d._type)
        ? DEVICE_KEY_BASE.scsiController
        : isEthernetCard(d)
          ? DEVICE_KEY_BASE.ethernet
          : (OTHER_KEY_BASE[d._type] ?? 20000);

/** A device's label and summary, typed as vSphere's Description. */
const description = (label: string, summary: string) => ({ _type: 'Description', label, summary });

const isController = (d: Device) => Array.isArray(d.device) || d._type.endsWith('Controller');

/** The devices of the SIO controller, each type numbering its units from 0. */
const SIO_DEVICES: ReadonlySet<string> = new Set([
  'VirtualFloppy',
  'VirtualSerialPort',
  'VirtualParallelPort',
]);

/**
 * The storage controllers, each kind numbering its buses from 0 (SCSI's four types share theirs):
 * the label a new one gets and what it starts with.
 */
const STORAGE_CONTROLLERS: readonly {
  readonly is: (type: string) => boolean;
  readonly label: string;
  readonly defaults: Partial<Device>;
  /** Whether a running VM gains or loses one (see COUNTED). */
  readonly hotPlugged: boolean;
}[] = [
  {
    is: (type) => SCSI_CONTROLLERS.has(type),
    label: 'SCSI controller',
    defaults: { hotAddRemove: true, sharedBus: 'noSharing', scsiCtlrUnitNumber: 7 },
    hotPlugged: true,
  },
  {
    is: (type) => type === 'VirtualAHCIController',
    label: 'SATA controller',
    defaults: {},
    hotPlugged: false,
  },
  {
    is: (type) => type === 'VirtualNVMEController',
    label: 'NVME controller',
    defaults: {},
    hotPlugged: false,
  },
];

const MAX_SERIAL_PORTS = 32;
/** vSphere's most PCI passthrough devices (vGPUs and DirectPath I/O devices) per VM. */
const MAX_PCI_PASSTHROUGH = 16;
/** Buses 0-3: vSphere's most controllers of each storage kind. */
/** The SCSI, SATA or NVMe controllers a VM may have, of each kind. */
export const MAX_STORAGE_CONTROLLERS = 4;

/**
 * The devices a VM has at most so many of (vSphere's maxima), and whether it gains or loses them
 * while it runs: SCSI controllers alone (vCenter places a SCSI adapter on the PCI bus "as the
 * device is hot added", SATA and NVMe adapters at the next power-on); none while it is suspended.
 */
const COUNTED: readonly {
  readonly is: (type: string) => boolean;
  readonly max: number;
  readonly what: string;
  readonly hotPlugged: boolean;
}[] = [
  {
    is: (type) => type === 'VirtualSerialPort',
    max: MAX_SERIAL_PORTS,
    what: 'serial ports',
    hotPlugged: false,
  },
  { is: (type) => type === 'VirtualParallelPort', max: 3, what: 'parallel ports', hotPlugged: false },
  {
    is: (type) => type === 'VirtualPCIPassthrough',
    max: MAX_PCI_PASSTHROUGH,
    what: 'PCI passthrough devices',
    hotPlugged: false,
  },
  ...STORAGE_CONTROLLERS.map(({ is, label, hotPlugged }) => ({
    is,
    max: MAX_STORAGE_CONTROLLERS,
    what: `${label}s`,
    hotPlugged,
  })),
];

/**
 * New devices with a key <= 0 (or one already taken) get the next free key of their
 * type's range; entries whose controllerKey named a temporary key are rewritten.
 */
const assignKeys = (devices: readonly Device[], changes: readonly VirtualDeviceConfigSpec[]) => {
  const used = new Set(devices.map((d) => d.key));
  const adds = changes.filter((c) => c.operation === 'add');
  const keys = new Map<VirtualDeviceConfigSpec, number>();
  for (const c of adds) {
    if (c.device.key > 0 && !used.has(c.device.key)) {
      used.add(c.device.key);
      keys.set(c, c.device.key);
    }
  }
  const renamed = new Map<number, number>();
  for (const c of adds) {
    if (keys.has(c)) continue;
    let key = keyBase(c.device);
    while (used.has(key)) key++;
    used.add(key);
    keys.set(c, key);
    if (c.device.key < 0) renamed.set(c.device.key, key);
  }
  return changes.map((c) => {
    const key = keys.get(c) ?? c.device.key;
    const was = c.device.controllerKey;
    const controllerKey = was === undefined ? undefined : (renamed.get(was) ?? was);
    if (key === c.device.key && controllerKey === was) return c;
    return { ...c, device: { ...c.device, key, ...(controllerKey === undefined ? {} : { controllerKey }) } };
  });
};

/** Unit numbers a controller offers, and the one it keeps for itself (SCSI 7). */
const unitsOf = (controller: Device): { count: number; reserved?: number } => {
  if (SCSI_CONTROLLERS.has(controller._type))
    return { count: 16, reserved: (controller.scsiCtlrUnitNumber as number | undefined) ?? 7 };
  if (controller._type === 'VirtualIDEController') return { count: 2 };
  if (controller._type === 'VirtualAHCIController') return { count: 30 };
  if (controller._type === 'VirtualPCIController') return { count: 32 };
  if (controller._type === 'VirtualSIOController') return { count: MAX_SERIAL_PORTS };
  return { count: 16 };
};

/** Whether `device` would take `unit` of `controller`: on the SIO controller, only from its own type. */
const unitTaken = (devices: readonly Device[], controller: Device, device: Device, unit: number): boolean =>
  unit === unitsOf(controller).reserved ||
  devices.some(
    (d) =>
      d.controllerKey === controller.key &&
      d.unitNumber === unit &&
      (controller._type !== 'VirtualSIOController' || d._type === device._type),
  );

/** NICs take PCI slots from 7 on, controllers from 3 on (vCenter's layout). */
const firstFreeUnit = (
  devices: readonly Device[],
  controller: Device,
  device: Device,
): number | undefined => {
  const pci = controller._type === 'VirtualPCIController';
  const start = pci ? (isEthernetCard(device) ? 7 : isController(device) ? 3 : 0) : 0;
  for (let unit = start; unit < unitsOf(controller).count; unit++)
    if (!unitTaken(devices, controller, device, unit)) return unit;
  return undefined;
};

/** The first controller of one of the types with a unit free for a disk. */
export const controllerWithRoom = (
  devices: readonly Device[],
  types: ReadonlySet<string>,
): Device | undefined =>
  devices.find((c) => types.has(c._type) && firstFreeUnit(devices, c, NEW_DISK) !== undefined);

const NEW_DISK: Device = { _type: 'VirtualDisk', key: 0 };
const SATA_CONTROLLERS: ReadonlySet<string> = new Set(['VirtualAHCIController']);
const IDE_CONTROLLERS: ReadonlySet<string> = new Set(['VirtualIDEController']);

/**
 * The controller of a First Class Disk attached with none named (AttachDisk_Task): a SCSI,
 * else a SATA, controller with a unit free; never IDE.
 */
export const attachController = (devices: readonly Device[]): Device | undefined =>
  controllerWithRoom(devices, SCSI_CONTROLLERS) ?? controllerWithRoom(devices, SATA_CONTROLLERS);

/** Where a device goes when the spec names no controller. */
const defaultController = (devices: readonly Device[], d: Device): Device | undefined => {
  if (isDisk(d))
    return controllerWithRoom(devices, SCSI_CONTROLLERS) ?? controllerWithRoom(devices, IDE_CONTROLLERS);
  if (d._type === 'VirtualCdrom') return controllerWithRoom(devices, IDE_CONTROLLERS);
  if (SIO_DEVICES.has(d._type)) return devices.find((c) => c._type === 'VirtualSIOController');
  if (isEthernetCard(d) || isController(d) || OTHER_KEY_BASE[d._type] !== undefined)
    return devices.find((c) => c._type === 'VirtualPCIController');
  return undefined;
};

const place = (devices: readonly Device[], d: Device, i: number): Device => {
  const controller =
    d.controllerKey === undefined
      ? defaultController(devices, d)
      : devices.find((c) => c.key === d.controllerKey);
  if (!controller) {
    if (d.controllerKey === undefined && !isDisk(d)) return d;
    throw faults.invalidDeviceSpec('virtualDeviceSpec.device.controllerKey', i);
  }
  if (!isController(controller)) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.controllerKey', i);
  const unitNumber = d.unitNumber ?? firstFreeUnit(devices, controller, d);
  if (unitNumber === undefined || unitTaken(devices, controller, d, unitNumber))
    throw faults.invalidDeviceSpec('virtualDeviceSpec.device.unitNumber', i);
  return { ...d, controllerKey: controller.key, unitNumber };
};

interface DiskBackingInput {
  _type?: string;
  fileName?: string;
  datastore?: MoRef;
  diskMode?: string;
  sharing?: string;
  thinProvisioned?: boolean;
  eagerlyScrub?: boolean;
  /** The disk a new one is a child (delta) disk of: a linked clone's. */
  parent?: DiskBackingInput;
}

/** The first free `<dir>/<vm>.vmdk`, `<dir>/<vm>_1.vmdk`, ... on a datastore. */
const nextDiskFile = (ctx: DeviceContext, devices: readonly Device[], dsName: string): string => {
  const { dir, base } = vmFiles(ctx.vmPathName);
  const taken = new Set(devices.filter(isDisk).map((d) => (d.backing as DiskBackingInput).fileName));
  for (let n = 0; ; n++) {
    const file = datastorePath(dsName, `${dir}${base}${n === 0 ? '' : `_${n}`}.vmdk`);
    if (!taken.has(file)) return file;
  }
};

const diskDatastoreFor = (ctx: DeviceContext, backing: DiskBackingInput, i: number): DatastoreRecord => {
  if (backing.datastore) {
    const ds = ctx.tx.get(backing.datastore.value);
    if (ds?.kind !== 'Datastore')
      throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.datastore', i);
    return ds;
  }
  const named = backing.fileName ? parseDatastorePath(backing.fileName) : undefined;
  if (!named) return ctx.tx.get(ctx.homeDatastore) as DatastoreRecord;
  const ds = datastoreByName(ctx.model, ctx.datacenter, named.datastore);
  if (!ds) throw faults.invalidDatastorePath(backing.fileName as string);
  return ds;
};

/** The descriptor of the standalone disk at `path` on `ds`, when one is there. */
const standaloneDescriptor = (tx: Tx, ds: string, path: string) => {
  const record = tx.get(datastoreFileId(ds, path)) as DatastoreFileRecord | undefined;
  return record?.disk ? record : undefined;
};

/** A VM takes a standalone disk's files as its own: they are its disk's now, counted once. */
const takeStandaloneDisk = (ctx: DeviceContext, descriptor: DatastoreFileRecord) => {
  const files = datastoreFileAccess(ctx.model);
  const extent = files.recordAt(ctx.tx, descriptor.datastore, extentOf(descriptor.name));
  files.removeRecords(ctx.tx, descriptor.datastore, extent ? [descriptor, extent] : [descriptor]);
};

/**
 * A disk of a VM being registered, as the standalone disk at its file says it is now (its
 * capacity, type and UUID may have changed while no VM had it); the VM takes its files.
 * FileNotFound when no disk is there.
 */
export const reclaimDisk = (ctx: DeviceContext, disk: Device): Device => {
  const backing = disk.backing as DiskBackingInput & { fileName: string };
  const path = parseDatastorePath(backing.fileName)?.path;
  const ds = diskDatastore(disk);
  const descriptor = ds && path ? standaloneDescriptor(ctx.tx, ds, path) : undefined;
  if (!descriptor?.disk) throw faults.fileNotFound(backing.fileName);
  takeStandaloneDisk(ctx, descriptor);
  const { capacityKb, diskType, uuid } = descriptor.disk;
  return {
    ...disk,
    capacityInKB: capacityKb,
    capacityInBytes: capacityKb * 1024,
    deviceInfo: description(disk.deviceInfo?.label ?? '', `${capacityKb.toLocaleString('en-US')} KB`),
    diskObjectId: diskObjectId(disk.key, uuid),
    backing: {
      ...backing,
      uuid,
      contentId: diskContentId(uuid),
      ...provisioningOf(diskType),
    },
  };
};

/** vim25's VirtualDiskSharing. */
const DISK_SHARINGS: ReadonlySet<string> = new Set(['sharingNone', 'sharingMultiWriter']);

/**
 * The parent a new child disk names (`backing.parent`): a standalone disk, which the child
 * reads from then on; FileNotFound when none is there. Its backing as the child reports it.
 */
const parentDisk = (ctx: DeviceContext, parent: DiskBackingInput, i: number) => {
  const path = parent.fileName ? parseDatastorePath(parent.fileName)?.path : undefined;
  if (!path) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.parent.fileName', i);
  const ds = diskDatastoreFor(ctx, parent, i);
  const descriptor = standaloneDescriptor(ctx.tx, ds.id, path);
  if (!descriptor?.disk) throw faults.fileNotFound(parent.fileName as string);
  const { capacityKb, diskType, uuid } = descriptor.disk;
  const backing = {
    _type: parent._type ?? 'VirtualDiskFlatVer2BackingInfo',
    fileName: datastorePath(ds.name, path),
    datastore: moref('Datastore', ds.id),
    diskMode: parent.diskMode ?? 'persistent',
    ...provisioningOf(diskType),
    uuid,
  };
  return { backing, bytes: capacityKb * 1024 };
};

/**
 * A new disk; with fileOperation `create` it gets a new file beside the VM's .vmx, a child of
 * `backing.parent` when it names one.
 */
const newDisk = (
  ctx: DeviceContext,
  devices: readonly Device[],
  spec: VirtualDeviceConfigSpec,
  i: number,
) => {
  const d = spec.device;
  const backing = (d.backing ?? {}) as DiskBackingInput;
  const creating = spec.fileOperation === 'create';
  const path = backing.fileName ? parseDatastorePath(backing.fileName)?.path : undefined;
  if (!creating && !path) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.fileName', i);
  if (backing.sharing !== undefined && !DISK_SHARINGS.has(backing.sharing))
    throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.sharing', i);
  const ds = diskDatastoreFor(ctx, backing, i);
  // An existing standalone disk (VirtualDiskManager's) is what its descriptor says it is.
  const descriptor = !creating && path ? standaloneDescriptor(ctx.tx, ds.id, path) : undefined;
  const existing = descriptor?.disk;
  const parent = creating && backing.parent ? parentDisk(ctx, backing.parent, i) : undefined;
  const provisioning = existing && provisioningOf(existing.diskType);
  const kb = d.capacityInKB as number | undefined;
  const given = (d.capacityInBytes as number | undefined) ?? (kb === undefined ? undefined : kb * 1024);
  // A child disk is as large as its parent (none given, or 0, as clients send the field), or larger.
  const bytes = existing ? existing.capacityKb * 1024 : parent && !given ? parent.bytes : given;
  if (bytes === undefined || bytes < 0 || bytes < (parent?.bytes ?? 0))
    throw faults.invalidDeviceSpec('virtualDeviceSpec.device.capacityInKB', i);
  const fileName = path ? datastorePath(ds.name, path) : nextDiskFile(ctx, devices, ds.name);
  const taken = devices.some((x) => isDisk(x) && (x.backing as DiskBackingInput).fileName === fileName);
  if (creating && taken) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.fileName', i);
  const disk = virtualDisk({
    key: d.key,
    controllerKey: d.controllerKey as number,
    unitNumber: d.unitNumber as number,
    capacityInKB: Math.ceil(bytes / 1024),
    fileName,
    datastore: moref('Datastore', ds.id),
    uuid: existing?.uuid ?? ctx.model.random.uuid(),
    thinProvisioned: provisioning ? provisioning.thinProvisioned : (backing.thinProvisioned ?? true),
  });
  const eagerlyScrub = provisioning ? provisioning.eagerlyScrub : backing.eagerlyScrub;
  const options = {
    ...(backing.diskMode ? { diskMode: backing.diskMode } : {}),
    ...(backing.sharing ? { sharing: backing.sharing } : {}),
    ...(eagerlyScrub !== undefined ? { eagerlyScrub } : {}),
    ...(parent ? { parent: parent.backing } : {}),
  };
  if (descriptor) takeStandaloneDisk(ctx, descriptor);
  return { ...disk, capacityInBytes: bytes, backing: { ...(disk.backing as object), ...options } };
};

/**
 * A disk removed without `destroy` leaves its files on the datastore, a standalone disk of its
 * capacity, type and UUID, as VirtualDiskManager keeps one. A First Class Disk stays one.
 */
export const keepDiskFiles = (ctx: DeviceContext, devices: readonly Device[], disk: Device) => {
  if (isFirstClassDisk(disk)) return;
  const backing = disk.backing as DiskBackingInput & { uuid?: string };
  const ds = ctx.tx.get(diskDatastore(disk) ?? '') as DatastoreRecord | undefined;
  const path = backing.fileName ? parseDatastorePath(backing.fileName)?.path : undefined;
  if (!ds || !path) return;
  datastoreFileAccess(ctx.model).putDiskRecords(
    ctx.tx,
    { ds, path },
    { ...diskFactsOf(devices, disk), uuid: backing.uuid ?? ctx.model.random.uuid() },
  );
};

interface NicBackingInput {
  network?: MoRef;
  deviceName?: string;
  port?: { switchUuid?: string; portgroupKey?: string };
}

/** The network (moref value) a NIC backing names: a standard network or a portgroup. */
const nicNetworkOf = (ctx: DeviceContext, backing: NicBackingInput | undefined, i: number): string => {
  const { tx, model } = ctx;
  if (backing?.port) {
    const key = backing.port.portgroupKey;
    const pg = [...model.store.ofKind<NetworkRecord>('DistributedVirtualPortgroup')].find(
      (p) => (p.key ?? p.id) === key,
    );
    if (!pg?.dvs) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.port.portgroupKey', i);
    const dvs = tx.get(pg.dvs) as DvsRecord;
    if (backing.port.switchUuid && backing.port.switchUuid !== dvs.uuid)
      throw faults.notFound(`The distributed virtual switch ${backing.port.switchUuid} was not found.`);
    if (ctx.host && !dvs.hosts.includes(ctx.host))
      throw faults.invalidArgument('spec.deviceChange.device.port.switchUuid');
    return pg.id;
  }
  if (backing?.network) {
    const net = tx.get(backing.network.value);
    if (net?.kind !== 'Network' && net?.kind !== 'DistributedVirtualPortgroup')
      throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.network', i);
    return net.id;
  }
  const named = backing?.deviceName
    ? [...model.store.ofKind<NetworkRecord>('Network')].find(
        (n) => n.name === backing.deviceName && datacenterOf(model.store, n.id)?.id === ctx.datacenter,
      )
    : undefined;
  if (!named) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing', i);
  return named.id;
};

/** UPT compatibility is a VMXNET3 adapter's setting: any other type naming it is refused. */
const checkUptCompatibility = (type: string, d: Device, i: number) => {
  if (d.uptCompatibilityEnabled !== undefined && type !== 'VirtualVmxnet3')
    throw faults.invalidDeviceSpec('virtualDeviceSpec.device.uptCompatibilityEnabled', i);
};

/** A NIC on its network; vCenter generates its MAC unless the spec gives a manual one. */
const nic = (ctx: DeviceContext, d: Device, mac: string, i: number): Device => {
  const card = ethernetCard(
    d.key,
    mac,
    nicBacking(ctx.tx, nicNetworkOf(ctx, d.backing as NicBackingInput, i)),
    d._type,
  );
  return {
    ...card,
    ...(typeof d.wakeOnLanEnabled === 'boolean' ? { wakeOnLanEnabled: d.wakeOnLanEnabled } : {}),
    ...(typeof d.uptCompatibilityEnabled === 'boolean'
      ? { uptCompatibilityEnabled: d.uptCompatibilityEnabled }
      : {}),
    ...(d.controllerKey === undefined ? {} : { controllerKey: d.controllerKey, unitNumber: d.unitNumber }),
    ...(d.connectable
      ? { connectable: { ...(card.connectable as object), ...(d.connectable as object) } }
      : {}),
  };
};

const newNic = (ctx: DeviceContext, d: Device, i: number): Device => {
  checkUptCompatibility(d._type, d, i);
  if (d.addressType !== 'manual') return nic(ctx, d, newMac(ctx.model), i);
  if (typeof d.macAddress !== 'string' || d.macAddress === '')
    throw faults.invalidDeviceSpec('virtualDeviceSpec.device.macAddress', i);
  return { ...nic(ctx, d, d.macAddress, i), addressType: 'manual' };
};

/**
 * A disk under the storage policy its spec names, kept as `storagePolicyId` (vSphere tells it
 * through its policy service, not the device, so SOAP shows no such field), or under none again
 * with a VirtualMachineDefaultProfileSpec; InvalidDeviceSpec for a policy that does not exist.
 */
const withStoragePolicy = (ctx: DeviceContext, disk: Device, spec: VirtualDeviceConfigSpec, i: number) => {
  const policy = storagePolicyOf(ctx, spec.profile, 'virtualDeviceSpec.profile', i);
  if (policy === undefined) return disk;
  if (policy !== null) return { ...disk, storagePolicyId: policy };
  const { storagePolicyId: _, ...unprofiled } = disk;
  return unprofiled;
};

/**
 * The storage policy a VirtualMachineProfileSpec list names: its id, null for the default one
 * (none of the simulator's own), undefined when it names none; InvalidDeviceSpec (or InvalidArgument
 * for a VM's home) for a policy that does not exist.
 */
export const storagePolicyOf = (
  ctx: { readonly tx: Tx },
  profiles: readonly VirtualMachineProfileSpec[] | undefined,
  property: string,
  i?: number,
): string | null | undefined => {
  if (profiles?.some((p) => p._type === 'VirtualMachineDefaultProfileSpec')) return null;
  const policy = profiles?.find((p) => p.profileId !== undefined)?.profileId;
  if (policy === undefined) return undefined;
  if (ctx.tx.get(policy)?.kind !== 'StoragePolicy')
    throw i === undefined ? faults.invalidArgument(property) : faults.invalidDeviceSpec(property, i);
  return policy;
};

/**
 * The kinds vCenter labels `<prefix> N`, N the first number from `first` no device of the kind
 * has (a removed one's taken again).
 */
const NUMBERED_LABELS: Readonly<Record<string, { prefix: string; first: number }>> = {
  VirtualCdrom: { prefix: 'CD/DVD drive', first: 1 },
  VirtualFloppy: { prefix: 'Floppy drive', first: 1 },
  VirtualSerialPort: { prefix: 'Serial port', first: 1 },
  VirtualParallelPort: { prefix: 'Parallel port', first: 1 },
  VirtualPCIPassthrough: { prefix: 'PCI device', first: 0 },
};

/** The label of a device added without one. */
const newLabel = (devices: readonly Device[], d: Device): string => {
  const numbered = NUMBERED_LABELS[d._type];
  if (numbered === undefined) return `${d._type} ${d.key}`;
  const taken = new Set<unknown>();
  for (const x of devices) if (x._type === d._type) taken.add(x.deviceInfo?.label);
  let n = numbered.first;
  while (taken.has(`${numbered.prefix} ${n}`)) n++;
  return `${numbered.prefix} ${n}`;
};

/** A new device's summary: a vGPU's names its profile, as vCenter shows it. */
const summaryOf = (d: Device): string =>
  isVgpu(d) ? `NVIDIA GRID vGPU ${(d.backing as { vgpu: string }).vgpu}` : d._type;

/** A PCI passthrough device's backing: a vGPU profile, or the devices a Dynamic DirectPath I/O one may take. */
const checkPassthroughBacking = (d: Device, i: number): void => {
  const backing = d.backing as
    | {
        _type?: string;
        vgpu?: unknown;
        allowedDevice?: readonly { vendorId?: unknown; deviceId?: unknown }[];
      }
    | undefined;
  const property = 'virtualDeviceSpec.device.backing';
  if (backing?._type === 'VirtualPCIPassthroughVmiopBackingInfo') {
    if (typeof backing.vgpu !== 'string' || backing.vgpu === '')
      throw faults.invalidDeviceSpec(`${property}.vgpu`, i);
  } else if (backing?._type === 'VirtualPCIPassthroughDynamicBackingInfo') {
    const allowed = backing.allowedDevice;
    if (
      !Array.isArray(allowed) ||
      allowed.length === 0 ||
      !allowed.every((a) => Number.isInteger(a.vendorId) && Number.isInteger(a.deviceId))
    )
      throw faults.invalidDeviceSpec(`${property}.allowedDevice`, i);
  } else throw faults.invalidDeviceSpec(property, i);
};

const added = (ctx: DeviceContext, devices: readonly Device[], spec: VirtualDeviceConfigSpec, i: number) => {
  const device = newDevice(ctx, devices, spec, i);
  return spec.backing?.crypto ? deviceCrypto(ctx, device, undefined, spec.backing.crypto, i) : device;
};

const newDevice = (
  ctx: DeviceContext,
  devices: readonly Device[],
  spec: VirtualDeviceConfigSpec,
  i: number,
) => {
  if (!spec.device._type) throw faults.invalidDeviceSpec('virtualDeviceSpec.device', i);
  const d = place(devices, spec.device, i);
  if (isDisk(d)) return withStoragePolicy(ctx, newDisk(ctx, devices, { ...spec, device: d }, i), spec, i);
  if (isEthernetCard(d)) return newNic(ctx, d, i);
  if (isPciPassthrough(d)) checkPassthroughBacking(d, i);
  const deviceInfo = d.deviceInfo ?? description(newLabel(devices, d), summaryOf(d));
  const storage = STORAGE_CONTROLLERS.find((c) => c.is(d._type));
  if (!storage) return { ...d, deviceInfo, ...(isController(d) ? { device: [] } : {}) };
  // A new storage controller takes the first free bus number of its kind.
  const buses = new Set(devices.filter((c) => storage.is(c._type)).map((c) => c.busNumber));
  let busNumber = (d.busNumber as number | undefined) ?? 0;
  while (d.busNumber === undefined && buses.has(busNumber)) busNumber++;
  if (
    buses.has(busNumber) ||
    !Number.isInteger(busNumber) ||
    busNumber < 0 ||
    busNumber >= MAX_STORAGE_CONTROLLERS
  )
    throw faults.invalidDeviceSpec('virtualDeviceSpec.device.busNumber', i);
  return {
    ...storage.defaults,
    ...d,
    busNumber,
    device: [],
    deviceInfo: d.deviceInfo ?? description(`${storage.label} ${busNumber}`, d._type),
  };
};

/**
 * A disk pointed at another file while the VM is off: a standalone disk the VM takes as it is
 * (FileNotFound when there is none), leaving its old file behind as one, as a removal does.
 */
const rebacked = (
  ctx: DeviceContext,
  devices: readonly Device[],
  was: Device,
  fileName: string,
  i: number,
) => {
  if (ctx.powerState !== 'poweredOff') throw faults.invalidPowerState('poweredOff', ctx.powerState);
  const ds = diskDatastoreFor(ctx, { fileName }, i);
  const path = parseDatastorePath(fileName)?.path;
  if (!path) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.backing.fileName', i);
  const backing = {
    ...(was.backing as object),
    fileName: datastorePath(ds.name, path),
    datastore: moref('Datastore', ds.id),
  };
  const disk = reclaimDisk(ctx, { ...was, backing });
  keepDiskFiles(ctx, devices, was);
  return disk;
};

/**
 * A serial or parallel port takes another backing only while it is disconnected or its VM is not
 * running, as vSphere documents; InvalidPowerState otherwise, as for a disk's new file.
 */
const checkPortBacking = (ctx: DeviceContext, was: Device, backing: unknown) => {
  if (was._type !== 'VirtualSerialPort' && was._type !== 'VirtualParallelPort') return;
  const connected = (was.connectable as { connected?: boolean } | undefined)?.connected === true;
  if (
    connected &&
    ctx.powerState === 'poweredOn' &&
    backing !== undefined &&
    !deepEqual(backing, was.backing)
  )
    throw faults.invalidPowerState('poweredOff', ctx.powerState);
};

/**
 * An edited disk can only grow, or take another file; an edited NIC may move to another network or MAC and change its
 * wake-on-LAN and UPT flags; an edited port keeps its backing while it is connected to a running VM.
 */
const edited = (
  ctx: DeviceContext,
  devices: readonly Device[],
  was: Device,
  spec: VirtualDeviceConfigSpec,
  i: number,
): Device => {
  const d = spec.device;
  if (d._type && d._type !== was._type) throw faults.invalidDeviceSpec('virtualDeviceSpec.device', i);
  // Where a device sits and what it is stay as they are; the rest may change.
  const { key: _key, _type: _t, controllerKey: _c, unitNumber: _u, ...changes } = d;
  if (isDisk(was)) {
    const newFile = (d.backing as DiskBackingInput | undefined)?.fileName;
    if (newFile !== undefined && newFile !== (was.backing as DiskBackingInput).fileName)
      return withStoragePolicy(ctx, rebacked(ctx, devices, was, newFile, i), spec, i);
    const oldBytes = diskBytes(was);
    const kb = d.capacityInKB as number | undefined;
    const inBytes = d.capacityInBytes as number | undefined;
    const bytes =
      inBytes !== undefined && inBytes !== oldBytes ? inBytes : kb !== undefined ? kb * 1024 : oldBytes;
    if (bytes < oldBytes)
      throw faults.invalidDeviceOperation('virtualDeviceSpec.device.capacityInKB', i, 'edit');
    const capacityInKB = Math.ceil(bytes / 1024);
    const { fileName, datastore, uuid } = was.backing as DiskBackingInput & { uuid: string };
    const grown = {
      ...was,
      ...changes,
      capacityInKB,
      capacityInBytes: bytes,
      deviceInfo: description(was.deviceInfo?.label ?? '', `${capacityInKB.toLocaleString('en-US')} KB`),
      backing: { ...(was.backing as object), ...(d.backing as object), fileName, datastore, uuid },
    };
    return withStoragePolicy(ctx, grown, spec, i);
  }
  if (isEthernetCard(was)) {
    checkUptCompatibility(was._type, d, i);
    const manual = d.addressType === 'manual' && typeof d.macAddress === 'string';
    const mac = manual ? (d.macAddress as string) : (was.macAddress as string);
    const moved = d.backing ? nic(ctx, { ...was, ...changes }, mac, i) : { ...was, ...changes };
    return { ...moved, macAddress: mac, addressType: manual ? 'manual' : was.addressType };
  }
  checkPortBacking(ctx, was, d.backing);
  return { ...was, ...changes, ...(isController(was) ? { device: was.device } : {}) };
};

/**
 * A serial or parallel port, a PCI passthrough device or a storage controller added or removed:
 * only while the VM is off (a SCSI controller while it runs too), and never past the most devices of its kind a
 * VM may have.
 */
const checkCountedChange = (
  ctx: DeviceContext,
  devices: readonly Device[],
  spec: VirtualDeviceConfigSpec,
  i: number,
) => {
  const type =
    spec.operation === 'add' ? spec.device._type : devices.find((d) => d.key === spec.device.key)?._type;
  const kind = type === undefined ? undefined : COUNTED.find((k) => k.is(type));
  if (kind === undefined) return;
  const changes = ctx.powerState === 'poweredOff' || (kind.hotPlugged && ctx.powerState === 'poweredOn');
  if (!changes) throw faults.deviceHotPlugNotSupported('virtualDeviceSpec.device', i);
  if (spec.operation === 'add' && devices.filter((d) => kind.is(d._type)).length >= kind.max)
    throw faults.tooManyDevices(
      'virtualDeviceSpec.device',
      `A virtual machine can have at most ${kind.max} ${kind.what}.`,
    );
};

/**
 * What a spec's encryption and device changes make of `devices` (the VM's, or the built-in ones
 * of a VM being made): the key it leaves the VM with, and the devices, disks under that key.
 */
export const devicesAndKeyAfter = (
  ctx: DeviceContext,
  vm: VmRecord,
  devices: readonly Device[],
  spec: Parameters<typeof vmCryptoAfter>[3],
): { key: CryptoKeyRef | undefined; devices: readonly Device[] } => {
  const { key, deviceChange } = vmCryptoAfter(ctx.model, ctx.tx, vm, spec);
  const keyed = key === ctx.vmKey ? ctx : { ...ctx, vmKey: key };
  return { key, devices: disksWithVmKey(ctx.tx, key, applyDeviceChanges(keyed, devices, deviceChange)) };
};

/** The device list after `changes`, in order; controllers' `device` lists follow. */
export const applyDeviceChanges = (
  ctx: DeviceContext,
  current: readonly Device[],
  changes: readonly VirtualDeviceConfigSpec[],
): readonly Device[] => {
  if (changes.length === 0) return current;
  const devices = [...current];
  const removedAt = new Map<number, number>();
  assignKeys(current, changes).forEach((spec, i) => {
    if (spec.operation === 'add' || spec.operation === 'remove') checkCountedChange(ctx, devices, spec, i);
    if (spec.operation === 'add') {
      devices.push(added(ctx, devices, spec, i));
      return;
    }
    if (spec.operation !== 'edit' && spec.operation !== 'remove')
      throw faults.invalidDeviceSpec('virtualDeviceSpec.operation', i);
    const at = devices.findIndex((d) => d.key === spec.device.key);
    if (at < 0) throw faults.invalidDeviceSpec('virtualDeviceSpec.device.key', i);
    if (spec.operation === 'edit') {
      const was = devices[at] as Device;
      const device = edited(ctx, devices, was, spec, i);
      devices[at] = spec.backing?.crypto ? deviceCrypto(ctx, device, was, spec.backing.crypto, i) : device;
    } else {
      const [removed] = devices.splice(at, 1) as [Device];
      removedAt.set(spec.device.key, i);
      if (isDisk(removed) && spec.fileOperation !== 'destroy') keepDiskFiles(ctx, current, removed);
    }
  });
  // A controller cannot go while devices still sit on it.
  const keys = new Set(devices.map((d) => d.key));
  for (const d of devices) {
    if (d.controllerKey !== undefined && !keys.has(d.controllerKey))
      throw faults.invalidDeviceSpec('virtualDeviceSpec.device', removedAt.get(d.controllerKey) ?? 0);
  }
  return withControllers(devices);
};
