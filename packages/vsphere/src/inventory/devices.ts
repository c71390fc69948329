/**
 * Virtual devices with vSphere's key scheme: PCI 100, IDE 200-201, PS/2 300, SIO 400,
 * video 500, keyboard 600, pointing device 700, SCSI controllers 1000+, disks 2000+,
 * CD-ROMs 3000+, NICs 4000+, VMCI 12000. Devices that every VM has alike are shared
 * frozen objects: a VM holds its own copy only of what differs (disk files, MACs).
 */
import { getOrInsert } from '../core/maps.js';
import { flat } from '../core/strings.js';
import type { MoRef } from '../refs.js';
import type { Device, VirtualDiskFacts, VStorageObjectRecord } from './records.js';

export const DEVICE_KEY_BASE = {
  pciController: 100,
  ideController: 200,
  ps2Controller: 300,
  sioController: 400,
  videoCard: 500,
  keyboard: 600,
  pointingDevice: 700,
  scsiController: 1000,
  disk: 2000,
  cdrom: 3000,
  ethernet: 4000,
  vmci: 12000,
} as const;

/**
 * Device labels repeat across VMs ("Hard disk 1", "10,485,760 KB"): share one frozen
 * object per distinct pair instead of one per device (a memo of immutable values).
 */
const infos = new Map<string, { readonly label: string; readonly summary: string }>();
const info = (label: string, summary: string) =>
  getOrInsert(infos, `${label}\u0000${summary}`, () =>
    Object.freeze({ _type: 'Description', label, summary }),
  );

const freeze = <T extends Device>(d: T): T => Object.freeze(d);

const connectable = (connected: boolean) =>
  Object.freeze({
    _type: 'VirtualDeviceConnectInfo',
    startConnected: true,
    allowGuestControl: true,
    connected,
    status: 'ok',
  });

const CONNECTED = connectable(true);
const DISCONNECTED = connectable(false);

/** Devices every simulated VM has, shared by all of them. */
export const STANDARD_DEVICES: readonly Device[] = Object.freeze([
  freeze({
    _type: 'VirtualIDEController',
    key: 200,
    deviceInfo: info('IDE 0', 'IDE 0'),
    busNumber: 0,
    device: [3000],
  }),
  freeze({
    _type: 'VirtualIDEController',
    key: 201,
    deviceInfo: info('IDE 1', 'IDE 1'),
    busNumber: 1,
    device: [],
  }),
  freeze({
    _type: 'VirtualPS2Controller',
    key: 300,
    deviceInfo: info('PS2 controller 0', 'PS2 controller 0'),
    busNumber: 0,
    device: [600, 700],
  }),
  freeze({
    _type: 'VirtualPCIController',
    key: 100,
    deviceInfo: info('PCI controller 0', 'PCI controller 0'),
    busNumber: 0,
    device: [500, 12000, 1000, 4000],
  }),
  freeze({
    _type: 'VirtualSIOController',
    key: 400,
    deviceInfo: info('SIO controller 0', 'SIO controller 0'),
    busNumber: 0,
    device: [],
  }),
  freeze({
    _type: 'VirtualKeyboard',
    key: 600,
    deviceInfo: info('Keyboard ', 'Keyboard'),
    controllerKey: 300,
    unitNumber: 0,
  }),
  freeze({
    _type: 'VirtualPointingDevice',
    key: 700,
    deviceInfo: info('Pointing device', 'Pointing device; Device'),
    backing: {
      _type: 'VirtualPointingDeviceDeviceBackingInfo',
      deviceName: '',
      useAutoDetect: false,
      hostPointingDevice: 'autodetect',
    },
    controllerKey: 300,
    unitNumber: 1,
  }),
  freeze({
    _type: 'VirtualMachineVideoCard',
    key: 500,
    deviceInfo: info('Video card ', 'Video card'),
    controllerKey: 100,
    unitNumber: 0,
    videoRamSizeInKB: 4096,
    numDisplays: 1,
    useAutoDetect: false,
    enable3DSupport: false,
    use3dRenderer: 'automatic',
    graphicsMemorySizeInKB: 262144,
  }),
  freeze({
    _type: 'VirtualMachineVMCIDevice',
    key: 12000,
    deviceInfo: info(
      'VMCI device',
      'Device on the virtual machine PCI bus that provides support for the virtual machine communication interface',
    ),
    controllerKey: 100,
    unitNumber: 17,
    id: -1,
    allowUnrestrictedCommunication: false,
  }),
  freeze({
    _type: 'ParaVirtualSCSIController',
    key: 1000,
    deviceInfo: info('SCSI controller 0', 'VMware paravirtual SCSI'),
    controllerKey: 100,
    unitNumber: 3,
    busNumber: 0,
    device: [2000],
    hotAddRemove: true,
    sharedBus: 'noSharing',
    scsiCtlrUnitNumber: 7,
  }),
  freeze({
    _type: 'VirtualCdrom',
    key: 3000,
    deviceInfo: info('CD/DVD drive 1', 'Remote device'),
    backing: {
      _type: 'VirtualCdromRemotePassthroughBackingInfo',
      deviceName: '',
      useAutoDetect: false,
      exclusive: false,
    },
    connectable: DISCONNECTED,
    controllerKey: 200,
    unitNumber: 0,
  }),
]);

/** The standard devices but the CD-ROM drive. */
export const STANDARD_DEVICES_WITHOUT_CDROM: readonly Device[] = Object.freeze(
  STANDARD_DEVICES.filter((d) => d._type !== 'VirtualCdrom'),
);

export interface DiskSpec {
  key: number;
  controllerKey: number;
  unitNumber: number;
  capacityInKB: number;
  fileName: string;
  datastore: MoRef;
  uuid: string;
  thinProvisioned?: boolean;
  /** Zeroed when made (eagerly zeroed thick); thin or lazily zeroed otherwise. */
  eagerlyScrub?: boolean;
  /** The storage policy the disk is made under. */
  storagePolicyId?: string | undefined;
}

const NORMAL_SHARES = Object.freeze({ _type: 'SharesInfo', shares: 1000, level: 'normal' });
const DISK_IO = Object.freeze({
  _type: 'StorageIOAllocationInfo',
  limit: -1,
  shares: NORMAL_SHARES,
  reservation: 0,
});

/** `10485760` as `10,485,760`, as vSphere labels disk sizes (toLocaleString is slow). */
const thousands = (n: number): string => {
  const s = String(n);
  let out = '';
  for (let i = 0; i < s.length; i++) out += (i > 0 && (s.length - i) % 3 === 0 ? ',' : '') + s[i];
  return out;
};

/** A disk backing's content id: its UUID without dashes. */
export const diskContentId = (uuid: string): string => flat(uuid.replaceAll('-', ''));

/** A disk's object id: its key and the start of its UUID. */
export const diskObjectId = (key: number, uuid: string): string => flat(`${key}-${uuid.slice(0, 8)}`);

export const virtualDisk = (d: DiskSpec): Device => ({
  _type: 'VirtualDisk',
  key: d.key,
  deviceInfo: info(`Hard disk ${d.key - DEVICE_KEY_BASE.disk + 1}`, `${thousands(d.capacityInKB)} KB`),
  backing: {
    _type: 'VirtualDiskFlatVer2BackingInfo',
    fileName: d.fileName,
    datastore: d.datastore,
    diskMode: 'persistent',
    split: false,
    writeThrough: false,
    thinProvisioned: d.thinProvisioned ?? true,
    eagerlyScrub: d.eagerlyScrub ?? false,
    uuid: d.uuid,
    contentId: diskContentId(d.uuid),
    digestEnabled: false,
    sharing: 'sharingNone',
  },
  controllerKey: d.controllerKey,
  unitNumber: d.unitNumber,
  capacityInKB: d.capacityInKB,
  capacityInBytes: d.capacityInKB * 1024,
  shares: NORMAL_SHARES,
  storageIOAllocation: DISK_IO,
  diskObjectId: diskObjectId(d.key, d.uuid),
  nativeUnmanagedLinkedClone: false,
  ...(d.storagePolicyId === undefined ? {} : { storagePolicyId: d.storagePolicyId }),
});

/** Where a NIC is plugged: a standard network by name, or a distributed portgroup. */
export type NicBacking =
  | { kind: 'network'; network: MoRef; name: string }
  | { kind: 'portgroup'; network: MoRef; portgroupKey: string; switchUuid: string };

const backings = new WeakMap<NicBacking, object>();
/**
 * A NIC's backing: one frozen object per NicBacking (which nicBacking keeps one of per network
 * record), shared by the NICs on that network, as descriptions are.
 */
export const ethernetBacking = (on: NicBacking): object =>
  getOrInsert(backings, on, () =>
    on.kind === 'network'
      ? Object.freeze({
          _type: 'VirtualEthernetCardNetworkBackingInfo',
          deviceName: on.name,
          useAutoDetect: false,
          network: on.network,
        })
      : Object.freeze({
          _type: 'VirtualEthernetCardDistributedVirtualPortBackingInfo',
          port: Object.freeze({
            _type: 'DistributedVirtualSwitchPortConnection',
            switchUuid: on.switchUuid,
            portgroupKey: on.portgroupKey,
          }),
        }),
  );

export const ethernetCard = (
  key: number,
  macAddress: string,
  on: NicBacking,
  type = 'VirtualVmxnet3',
): Device => ({
  _type: type,
  key,
  deviceInfo: info(
    `Network adapter ${key - DEVICE_KEY_BASE.ethernet + 1}`,
    on.kind === 'network' ? on.name : `DVSwitch: ${on.switchUuid}`,
  ),
  backing: ethernetBacking(on),
  connectable: CONNECTED,
  controllerKey: 100,
  unitNumber: 7 + (key - DEVICE_KEY_BASE.ethernet),
  addressType: 'assigned',
  macAddress,
  wakeOnLanEnabled: true,
  // Universal Passthrough is VMXNET3's alone: other adapter types have no such field.
  ...(type === 'VirtualVmxnet3' ? { uptCompatibilityEnabled: true } : {}),
});

/** The network a NIC's backing points at, as a moref value. */
export const nicNetwork = (d: Device): string | undefined => {
  const backing = d.backing as { network?: MoRef; port?: { portgroupKey: string } } | undefined;
  return backing?.network?.value ?? backing?.port?.portgroupKey;
};

export const isDisk = (d: Device): boolean => d._type === 'VirtualDisk';

/** A PCI passthrough device: an NVIDIA vGPU (a `vmiop` backing) or a Dynamic DirectPath I/O device. */
export const isPciPassthrough = (d: Device): boolean => d._type === 'VirtualPCIPassthrough';

/** An NVIDIA vGPU, its profile named by its backing's `vgpu`. */
export const isVgpu = (d: Device): boolean =>
  isPciPassthrough(d) &&
  (d.backing as { _type?: string } | undefined)?._type === 'VirtualPCIPassthroughVmiopBackingInfo';

export const isEthernetCard = (d: Device): boolean =>
  d._type === 'VirtualVmxnet3' ||
  d._type === 'VirtualE1000' ||
  d._type === 'VirtualE1000e' ||
  d._type === 'VirtualVmxnet2' ||
  d._type === 'VirtualPCNet32' ||
  d._type === 'VirtualSriovEthernetCard';

export const diskDatastore = (d: Device): string | undefined =>
  (d.backing as { datastore?: MoRef } | undefined)?.datastore?.value;

export const diskBytes = (d: Device): number =>
  (d.capacityInBytes as number | undefined) ?? ((d.capacityInKB as number) ?? 0) * 1024;

/** A disk's descriptor file (a few lines of text); its extent holds the whole disk, committed. */
export const DISK_DESCRIPTOR_BYTES = 512;

/** VirtualDiskAdapterType of a disk's controller, as a descriptor names it. */
const adapterOf = (devices: readonly Device[], disk: Device): string => {
  const type = devices.find((d) => d.key === disk.controllerKey)?._type;
  return type === 'VirtualIDEController'
    ? 'ide'
    : type === 'VirtualBusLogicController'
      ? 'busLogic'
      : 'lsiLogic';
};

/**
 * A VM's disk as its descriptor tells of it (VirtualDiskManager's terms): its capacity, its
 * type (`thin`, else `eagerZeroedThick` when eagerly scrubbed, else `preallocated`), and its
 * controller's adapter, among the VM's `devices`.
 */
export const diskFactsOf = (devices: readonly Device[], disk: Device): Omit<VirtualDiskFacts, 'uuid'> => {
  const backing = disk.backing as { thinProvisioned?: boolean; eagerlyScrub?: boolean };
  return {
    capacityKb: Math.ceil(diskBytes(disk) / 1024),
    diskType:
      backing.thinProvisioned !== false ? 'thin' : backing.eagerlyScrub ? 'eagerZeroedThick' : 'preallocated',
    adapterType: adapterOf(devices, disk),
  };
};

/** A descriptor's VirtualDiskType as a disk backing's flags: the other way from `diskFactsOf`'s type. */
/**
 * A disk's backing without its parent: the disk's data all its own, as a clone's or a relocated
 * disk's is (vSphere's default move consolidates a chain) and a promoted one's.
 */
export const consolidated = (backing: object): object => {
  const { parent, ...rest } = backing as { parent?: object };
  return parent ? rest : backing;
};

export const provisioningOf = (diskType: string) => ({
  thinProvisioned: diskType === 'thin',
  eagerlyScrub: diskType === 'eagerZeroedThick',
});

/** A First Class Disk's VirtualDiskType: thin unless made thick (`eagerZeroedThick`, `lazyZeroedThick`). */
export const storageObjectDiskType = (disk: Pick<VStorageObjectRecord, 'provisioningType'>): string =>
  disk.provisioningType === 'eagerZeroedThick'
    ? 'eagerZeroedThick'
    : disk.provisioningType === 'lazyZeroedThick'
      ? 'preallocated'
      : 'thin';

/** The largest virtual disk vSphere makes: 62 TiB. */
const MAX_DISK_KB = 62 * 1024 ** 3;

/**
 * A capacity a spec may ask for a disk, in units of `unitKb` KB (1024: MB): a whole number above
 * `floor` (an extended disk's capacity, 0 for a new disk), at most 62 TiB.
 */
export const isDiskCapacity = (value: unknown, unitKb: number, floor = 0): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > floor && value * unitKb <= MAX_DISK_KB;

/** What a disk's files hold on its datastore (`layoutEx`'s unique sizes): descriptor and extent. */
export const diskFileBytes = (d: Device): number => DISK_DESCRIPTOR_BYTES + diskBytes(d);

/**
 * A disk's two files, named and sized: its descriptor (the backing's `[ds] dir/name.vmdk`) and
 * its extent beside it (`name-flat.vmdk`), which holds the whole disk.
 */
export const diskFiles = (descriptor: string, bytes: number) => ({
  descriptor: { name: descriptor, size: DISK_DESCRIPTOR_BYTES },
  extent: { name: descriptor.replace(/\.vmdk$/, '-flat.vmdk'), size: bytes },
});

/** A MAC in vCenter's generated range 00:50:56:80:00:00 - 00:50:56:bf:ff:ff. */
export const generatedMac = (n: number): string => {
  const b = (v: number) => v.toString(16).padStart(2, '0');
  return flat(`00:50:56:${b(0x80 | ((n >>> 16) & 0x3f))}:${b((n >>> 8) & 0xff)}:${b(n & 0xff)}`);
};
