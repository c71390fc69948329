/**
 * A VM's volumes as vm-operator reports them: its own disks as `Classic` entries of
 * `status.volumes` (each attached, named after its UUID, with its capacity as limit and request
 * and its files' size, from `layoutEx`, as its usage), a claim's disk's usage in the volume
 * controller's `Managed` entry, all sorted by disk UUID; `status.storage` summed from them; and
 * which volumes of the spec are claims.
 */
import {
  CONFIG_FILE_BYTES,
  diskFileBytes,
  diskKeyOf,
  getOrInsert,
  isFirstClassDisk,
  type VmRecord,
} from '@vsim/vsphere';
import type {
  VirtualMachine,
  VirtualMachineStorageStatus,
  VirtualMachineVolume,
  VirtualMachineVolumeCryptoStatus,
  VirtualMachineVolumeStatus,
  VolumeDiskMode,
  VolumeSharingMode,
} from '../../api/types.js';
import { bytesQuantity, quantityValue } from '../../store/quantity.js';
import { controllerType } from './hardware-status.js';
import { xxHash64 } from './xxhash64.js';

type Devices = VmRecord['config']['devices'];

/** A volume of a claim (`spec.volumes[].persistentVolumeClaim`). */
export type ClaimVolume = VirtualMachineVolume & { persistentVolumeClaim: { claimName: string } };

const NO_SPEC_VOLUMES: readonly VirtualMachineVolume[] = [];

/** The VM's volumes of claims, in the order of its spec. */
export const claimVolumes = (vm: VirtualMachine | undefined): ClaimVolume[] =>
  (vm?.spec?.volumes ?? NO_SPEC_VOLUMES).filter(
    (v): v is ClaimVolume => v.persistentVolumeClaim !== undefined,
  );

/** Whether the VM names claims among its volumes; asked on every write of every VM, so no list is made. */
export function hasClaims(vm: VirtualMachine | undefined): boolean {
  for (const volume of vm?.spec?.volumes ?? NO_SPEC_VOLUMES) if (volume.persistentVolumeClaim) return true;
  return false;
}

/** The lowest hardware version whose VMs take claims. */
export const MIN_HARDWARE_VERSION_FOR_PVC = 15;

/** Disk sizes as quantities: VMs of one image share a few. */
const SIZES = new Map<number, string>();

const NO_VOLUMES: readonly VirtualMachineVolumeStatus[] = Object.freeze([]);

/**
 * The volume statuses of a VM after vm-operator's update of them from its disks: an entry a disk
 * already has keeps its name, limit and request and gets the disk's usage; a new disk gets a
 * Classic entry unless it is a claim's First Class Disk (the volume controller lists those); the
 * Classic entry of a disk gone goes; entries of other types stay. Sorted by disk UUID. The same
 * list comes back when nothing changed, which most passes find.
 */
export function classicVolumes(
  devices: Devices,
  previous: readonly VirtualMachineVolumeStatus[] = NO_VOLUMES,
  placed = false,
  specVolumes: readonly VirtualMachineVolume[] = NO_SPEC_VOLUMES,
  registered = false,
): readonly VirtualMachineVolumeStatus[] {
  const nameAt = specVolumeNames(specVolumes);
  /**
   * The spec's name for a classic disk, where a volume of the spec sits where it does. (A claim's
   * disk keeps the name of its managed entry, which the volume controllers give it.)
   */
  const specName = (device: Devices[number]) =>
    nameAt && !isFirstClassDisk(device) ? nameAt.get(targetId(placementOf(devices, device))) : undefined;
  let classicDisks = 0;
  let unchanged = true;
  for (const device of devices) {
    if (device._type !== 'VirtualDisk') continue;
    const had = volumeOfDisk(previous, uuidOf(device));
    if (!isFirstClassDisk(device)) classicDisks++;
    else if (!had) continue;
    if (had?.used !== usedOf(device)) unchanged = false;
    else if (registered && had.type === 'Classic' && isFirstClassDisk(device)) unchanged = false;
    else if (!sameCrypto(had.crypto, diskCryptoOf(device))) unchanged = false;
    else if (placed && !samePlacement(had, placementOf(devices, device))) unchanged = false;
    else if (nameAt && had.name !== (specName(device) ?? had.name)) unchanged = false;
  }
  let classic = 0;
  for (const volume of previous) if (volume.type === 'Classic') classic++;
  if (unchanged && classic === classicDisks) return previous;
  const out: VirtualMachineVolumeStatus[] = [];
  for (const device of devices) {
    if (device._type !== 'VirtualDisk') continue;
    const uuid = uuidOf(device);
    const named = specName(device);
    const found = volumeOfDisk(previous, uuid);
    // An entry under another name than the spec's volume there goes, a classic disk's listed anew.
    const had = found && (named === undefined || found.name === named) ? found : undefined;
    if (!had && isFirstClassDisk(device)) continue;
    const size = sizeOf(device);
    const used = usedOf(device);
    // With AllDisksArePVCs, a disk registered as a claim's is Managed from then on.
    const promoted = registered && had?.type === 'Classic' && isFirstClassDisk(device);
    const entry: VirtualMachineVolumeStatus = had
      ? promoted
        ? { ...had, type: 'Managed', used }
        : { ...had, used }
      : {
          name: named ?? pvcName('disk', uuid),
          type: 'Classic',
          attached: true,
          diskUUID: uuid,
          limit: size,
          requested: size,
          used,
        };
    // Its key when it has one; as vm-operator, the one it had stays once it has none.
    const crypto = diskCryptoOf(device);
    if (crypto) entry.crypto = crypto;
    out.push(placed ? Object.assign(entry, placementOf(devices, device)) : entry);
  }
  for (const volume of previous)
    if (volume.type !== 'Classic' && !volumeOfDisk(out, volume.diskUUID)) out.push(volume);
  // Kept in the status: copied to its size (one grown by push has room for 17).
  return out.length > 1 ? out.sort(byDiskUuid).slice() : out.slice();
}

/** A disk's key as `status.volumes[].crypto` reports it; none for a disk not encrypted. */
const diskCryptoOf = (device: Devices[number]): VirtualMachineVolumeCryptoStatus | undefined => {
  const key = diskKeyOf(device);
  return key && { providerID: key.providerId, keyID: key.keyId };
};

const sameCrypto = (
  had: VirtualMachineVolumeCryptoStatus | undefined,
  now: VirtualMachineVolumeCryptoStatus | undefined,
) => now === undefined || (had?.keyID === now.keyID && had?.providerID === now.providerID);

/** vm-operator's GetTargetID: where a volume or disk sits, `<type>:<bus>:<unit>`, or '' when not whole. */
export const targetId = (at: {
  readonly controllerType?: string | undefined;
  readonly controllerBusNumber?: number | undefined;
  readonly unitNumber?: number | undefined;
}): string =>
  at.controllerType && at.controllerBusNumber !== undefined && at.unitNumber !== undefined
    ? `${at.controllerType}:${at.controllerBusNumber}:${at.unitNumber}`
    : '';

/** The spec's volumes placed in full by where they sit; none for the many VMs without one. */
function specVolumeNames(volumes: readonly VirtualMachineVolume[]): Map<string, string> | undefined {
  let names: Map<string, string> | undefined;
  for (const volume of volumes) {
    const target = targetId(volume);
    if (!target) continue;
    names ??= new Map();
    names.set(target, volume.name);
  }
  return names;
}

type Placement = Pick<
  VirtualMachineVolumeStatus,
  'controllerBusNumber' | 'controllerType' | 'unitNumber' | 'diskMode' | 'sharingMode'
>;

/** vSphere's disk mode (CNS's too) of each mode a volume names. */
export const VSPHERE_DISK_MODES: ReadonlyMap<VolumeDiskMode, string> = new Map([
  ['Persistent', 'persistent'],
  ['IndependentPersistent', 'independent_persistent'],
  ['IndependentNonPersistent', 'independent_nonpersistent'],
  ['NonPersistent', 'nonpersistent'],
]);
/** vSphere's disk sharing (CNS's too) of each sharing a volume names. */
export const VSPHERE_DISK_SHARING: ReadonlyMap<VolumeSharingMode, string> = new Map([
  ['None', 'sharingNone'],
  ['MultiWriter', 'sharingMultiWriter'],
]);
const inverse = <K, V>(map: ReadonlyMap<K, V>): ReadonlyMap<V, K> =>
  new Map([...map].map(([key, value]) => [value, key]));
const DISK_MODES = inverse(VSPHERE_DISK_MODES);
const SHARING_MODES = inverse(VSPHERE_DISK_SHARING);

/**
 * Where a disk sits and how, as vm-operator reports it with VMSharedDisks: its controller's type
 * and bus, its unit, its disk mode (none for `undoable` and `append`) and its sharing.
 */
export function placementOf(devices: Devices, disk: Devices[number]): Placement {
  const placement: Placement = {};
  const controller = devices.find((d) => d.key === disk.controllerKey);
  const type = controller && controllerType(controller._type);
  if (controller && type) {
    placement.controllerBusNumber = controller.busNumber as number;
    placement.controllerType = type;
  }
  if (disk.unitNumber !== undefined) placement.unitNumber = disk.unitNumber;
  const backing = disk.backing as { diskMode?: string; sharing?: string } | undefined;
  const diskMode = DISK_MODES.get(backing?.diskMode ?? '');
  if (diskMode) placement.diskMode = diskMode;
  // No sharing is vSphere's default, none.
  const sharing = backing?.sharing ? SHARING_MODES.get(backing.sharing) : 'None';
  if (sharing) placement.sharingMode = sharing;
  return placement;
}

const samePlacement = (entry: VirtualMachineVolumeStatus, placement: Placement): boolean =>
  entry.controllerBusNumber === placement.controllerBusNumber &&
  entry.controllerType === placement.controllerType &&
  entry.unitNumber === placement.unitNumber &&
  entry.diskMode === placement.diskMode &&
  entry.sharingMode === placement.sharingMode;

/** The entry of a disk among a VM's few volumes (a loop: this runs for every disk of every pass). */
function volumeOfDisk(
  volumes: readonly VirtualMachineVolumeStatus[],
  uuid: string | undefined,
): VirtualMachineVolumeStatus | undefined {
  for (const volume of volumes) if (volume.diskUUID === uuid) return volume;
  return undefined;
}

/** vm-operator's order of volume statuses: by disk UUID alone, those without one first, ties as they were. */
export const byDiskUuid = (a: VirtualMachineVolumeStatus, b: VirtualMachineVolumeStatus): number => {
  const x = a.diskUUID ?? '';
  const y = b.diskUUID ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

export const uuidOf = (disk: Devices[number]) => (disk.backing as { uuid?: string } | undefined)?.uuid ?? '';

const quantity = (bytes: number) => getOrInsert(SIZES, bytes, () => bytesQuantity(bytes));
const sizeOf = (disk: Devices[number]) =>
  quantity((disk.capacityInBytes as number | undefined) ?? ((disk.capacityInKB as number) ?? 0) * 1024);
/** What its files take, as vm-operator sums their unique sizes from the VM's `layoutEx`. */
const usedOf = (disk: Devices[number]) => quantity(diskFileBytes(disk));

/** vm-operator's `GeneratePVCName`: the prefix (at most 54 characters), a dash, 8 hex digits of the suffix's xxHash64. */
export const pvcName = (prefix: string, suffix: string): string =>
  `${prefix.slice(0, 54)}-${utf8Hash(suffix).slice(0, 8)}`;

/** Where a short text's UTF-8 is hashed: every VM's disk names one, and a Buffer each is garbage. */
const scratch = new Uint8Array(256);
const encoder = new TextEncoder();

const utf8Hash = (text: string): string => {
  const { read, written } = encoder.encodeInto(text, scratch);
  return read === text.length ? xxHash64(scratch, written) : xxHash64(Buffer.from(text));
};

/** Bytes of the quantities volumes report: few distinct ones. */
const BYTES = new Map<string, number>();
const bytesOf = (quantity: string | undefined): number =>
  quantity === undefined ? 0 : getOrInsert(BYTES, quantity, () => quantityValue(quantity) ?? 0);

/** Storage statuses by their figures: one frozen object for every VM of the same sizes. */
const STORAGE = new Map<string, VirtualMachineStorageStatus>();

/**
 * vm-operator's `status.storage`: what the Classic volumes request and use, what the VM's other
 * files take (its configuration file, the only one `layoutEx` lists besides disks and snapshot
 * files), what its snapshots take (`usage.snapshots`: theirs, and their FCDs'), and the total of
 * requests and other files.
 */
export function storageStatus(
  volumes: readonly VirtualMachineVolumeStatus[],
  snapshots: { vm: number; volume: number } = NO_SNAPSHOTS,
): VirtualMachineStorageStatus {
  const otherBytes = CONFIG_FILE_BYTES;
  let requested = 0;
  let used = 0;
  for (const volume of volumes) {
    if (volume.type !== 'Classic') continue;
    requested += bytesOf(volume.requested);
    used += bytesOf(volume.used);
  }
  const key = `${requested}/${used}/${otherBytes}/${snapshots.vm}/${snapshots.volume}`;
  return getOrInsert(STORAGE, key, () => {
    const storage: VirtualMachineStorageStatus = {};
    if (requested > 0) storage.requested = Object.freeze({ disks: bytesQuantity(requested) });
    const usage: NonNullable<VirtualMachineStorageStatus['usage']> = {};
    if (used > 0) usage.disks = bytesQuantity(used);
    usage.other = bytesQuantity(otherBytes);
    if (snapshots.vm > 0 || snapshots.volume > 0) {
      const taken: NonNullable<typeof usage.snapshots> = {};
      if (snapshots.vm > 0) taken.vm = bytesQuantity(snapshots.vm);
      if (snapshots.volume > 0) taken.volume = bytesQuantity(snapshots.volume);
      usage.snapshots = Object.freeze(taken);
    }
    storage.usage = Object.freeze(usage);
    storage.total = bytesQuantity(requested + otherBytes);
    return Object.freeze(storage);
  });
}

const NO_SNAPSHOTS = Object.freeze({ vm: 0, volume: 0 });

/**
 * The claims whose disks are not attached yet, as vm-operator's update finds them before a
 * power-on (no entry of the volume's name, or one not attached); undefined when there are none.
 */
export function pendingVolumes(vm: VirtualMachine): string | undefined {
  if (!hasClaims(vm)) return undefined;
  const notFound: string[] = [];
  const notAttached: string[] = [];
  for (const volume of claimVolumes(vm)) {
    const entry = vm.status?.volumes?.find((v) => v.name === volume.name);
    if (!entry) notFound.push(volume.name);
    else if (!entry.attached) notAttached.push(volume.name);
  }
  if (notFound.length === 0 && notAttached.length === 0) return undefined;
  return `one or more persistent volumes is pending: notFound="${notFound.join(',')}", notAttached="${notAttached.join(',')}"`;
}
