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
const volumesOf = new WeakMap<Devices, readonly VirtualMachineVolumeStatus[]>();

/** The classic volumes of a device list: one frozen list per list (records never change). */
export function classicVolumes(devices: Devices): readonly VirtualMachineVolumeStatus[] {
  let volumes = volumesOf.get(devices);
  if (!volumes) {
    const out: VirtualMachineVolumeStatus[] = [];
    for (const device of devices) {
      if (device._type !== 'VirtualDisk') continue;
      const uuid = (device.backing as { uuid?: string } | undefined)?.uuid ?? '';
      const bytes =
        (device.capacityInBytes as number | undefined) ?? ((device.capacityInKB as number) ?? 0) * 1024;
      const size = getOrInsert(SIZES, bytes, () => bytesQuantity(bytes));
      // The model commits a disk's whole capacity (as its datastore usage says).
      out.push(
        Object.freeze({
          name: pvcName('disk', uuid),
          type: 'Classic',
          attached: true,
          diskUUID: uuid,
          limit: size,
          requested: size,
          used: size,
        }),
      );
    }
    out.sort((a, b) => ((a.diskUUID as string) < (b.diskUUID as string) ? -1 : 1));
    volumes = Object.freeze(out);
    volumesOf.set(devices, volumes);
  }
  return volumes;
}

/** vm-operator's `GeneratePVCName`: the prefix (at most 54 characters), a dash, 8 hex digits of the suffix's xxHash64. */
export const pvcName = (prefix: string, suffix: string): string =>
  `${prefix.slice(0, 54)}-${xxHash64(Buffer.from(suffix)).slice(0, 8)}`;
