/**
 * The VM's own disks as vm-operator reports them in `status.volumes`: each disk vSphere has
 * (not a volume a claim attached) is a `Classic` volume, attached, named after its UUID, with
 * its capacity as limit and request. Sorted by disk UUID, as vm-operator sorts them.
 */
import { getOrInsert, type VmRecord } from '@vsim/vsphere';
import { bytesQuantity } from '../../api/quantity.js';
import type { VirtualMachineVolumeStatus } from '../../api/types.js';
import { xxHash64 } from './xxhash64.js';

type Devices = VmRecord['config']['devices'];

/** Disk sizes as quantities: VMs of one image share a few. */
const SIZES = new Map<number, string>();

const NO_VOLUMES: readonly VirtualMachineVolumeStatus[] = Object.freeze([]);

/**
 * The classic volumes of a VM's devices. The ones its status has already are kept when they
 * are still its disks (the same UUIDs and sizes, which most passes find), so a disk is named
 * (hashed) once.
 */
export function classicVolumes(
  devices: Devices,
  previous: readonly VirtualMachineVolumeStatus[] | undefined,
): readonly VirtualMachineVolumeStatus[] {
  let disks = 0;
  let same = previous !== undefined;
  for (const device of devices) {
    if (device._type !== 'VirtualDisk') continue;
    const kept = previous?.find((volume) => volume.diskUUID === uuidOf(device));
    if (kept?.limit !== sizeOf(device)) same = false;
    disks++;
  }
  if (disks === 0) return NO_VOLUMES;
  if (same && previous?.length === disks) return previous;
  const out: VirtualMachineVolumeStatus[] = [];
  for (const device of devices) {
    if (device._type !== 'VirtualDisk') continue;
    const uuid = uuidOf(device);
    const size = sizeOf(device);
    // The model commits a disk's whole capacity (as its datastore usage says).
    out.push({
      name: pvcName('disk', uuid),
      type: 'Classic',
      attached: true,
      diskUUID: uuid,
      limit: size,
      requested: size,
      used: size,
    });
  }
  return out.sort((a, b) => ((a.diskUUID as string) < (b.diskUUID as string) ? -1 : 1));
}

const uuidOf = (disk: Devices[number]) => (disk.backing as { uuid?: string } | undefined)?.uuid ?? '';

const sizeOf = (disk: Devices[number]) => {
  const bytes = (disk.capacityInBytes as number | undefined) ?? ((disk.capacityInKB as number) ?? 0) * 1024;
  return getOrInsert(SIZES, bytes, () => bytesQuantity(bytes));
};

/** vm-operator's `GeneratePVCName`: the prefix (at most 54 characters), a dash, 8 hex digits of the suffix's xxHash64. */
export const pvcName = (prefix: string, suffix: string): string =>
  `${prefix.slice(0, 54)}-${xxHash64(Buffer.from(suffix)).slice(0, 8)}`;
