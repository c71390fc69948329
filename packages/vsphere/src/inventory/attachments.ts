/**
 * Which First Class Disks a VM has attached, and each disk's consumer kept as the VM's devices
 * change (putVm calls it), whatever the operation: AttachDisk_Task, DetachDisk_Task, a
 * reconfiguration that removes the disk, a destroy.
 */

import type { Tx } from '../model.js';
import { isDisk } from './devices.js';
import type { Device, VmRecord, VStorageObjectRecord } from './records.js';

/** The First Class Disk a VM's device is, if it is one. */
export const attachedDiskId = (d: Device): string | undefined =>
  (d.vDiskId as { id: string } | undefined)?.id;

export const followAttachments = (tx: Tx, previous: VmRecord | undefined, now: VmRecord | null): void => {
  const before = attachedIds(previous);
  const after = attachedIds(now ?? undefined);
  if (before.length === 0 && after.length === 0) return;
  const vmId = (now ?? previous)?.id as string;
  for (const id of before) {
    const disk = tx.get(id) as VStorageObjectRecord | undefined;
    if (!after.includes(id) && disk?.consumer === vmId) {
      const { consumer: _, ...detached } = disk;
      tx.put(detached);
    }
  }
  for (const id of after) if (!before.includes(id)) tx.update<VStorageObjectRecord>(id, { consumer: vmId });
};

const attachedIds = (vm: VmRecord | undefined): string[] => {
  const ids: string[] = [];
  if (vm)
    for (const d of vm.config.devices) if (isDisk(d) && d.vDiskId) ids.push(attachedDiskId(d) as string);
  return ids;
};
