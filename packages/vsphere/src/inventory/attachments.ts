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

/** The device a First Class Disk is on a VM, if the VM has it. */
export const attachedDevice = (vm: VmRecord | undefined, diskId: string): Device | undefined =>
  vm?.config.devices.find((d) => attachedDiskId(d) === diskId);

/** Whether a VM's device is a First Class Disk (which takes its datastore's space by itself). */
export const isFirstClassDisk = (d: Device): boolean => attachedDiskId(d) !== undefined;

export const followAttachments = (tx: Tx, previous: VmRecord | undefined, now: VmRecord | null): void => {
  const before = attachedIds(previous);
  const after = attachedIds(now ?? undefined);
  if (before.length === 0 && after.length === 0) return;
  const vmId = (now ?? previous)?.id as string;
  for (const id of before) {
    const disk = tx.get(id) as VStorageObjectRecord | undefined;
    if (!after.includes(id) && disk?.consumers?.includes(vmId)) {
      const { consumers, ...detached } = disk;
      const others = consumers.filter((c) => c !== vmId);
      tx.put(others.length > 0 ? { ...detached, consumers: others } : detached);
    }
  }
  for (const id of after) {
    const disk = tx.get(id) as VStorageObjectRecord | undefined;
    if (!before.includes(id) && disk?.kind === 'VStorageObject' && !disk.consumers?.includes(vmId))
      tx.update<VStorageObjectRecord>(id, { consumers: [...(disk.consumers ?? []), vmId] });
  }
};

/** Whether a VM's disk is opened to be shared: multi-writer, or on a SCSI controller whose bus is shared. */
export const isSharedDisk = (vm: VmRecord, disk: Device): boolean => {
  if ((disk.backing as { sharing?: string } | undefined)?.sharing === 'sharingMultiWriter') return true;
  const bus = vm.config.devices.find((d) => d.key === disk.controllerKey)?.sharedBus;
  return bus === 'physicalSharing' || bus === 'virtualSharing';
};

/**
 * The devices without the First Class Disks that are gone, or attached to another VM: what a
 * VM may take back from a snapshot taken while it had them. The same list when none is.
 */
export const withoutForeignDisks = (tx: Tx, vmId: string, devices: readonly Device[]): readonly Device[] => {
  const usable = (d: Device) => {
    const id = attachedDiskId(d);
    if (id === undefined) return true;
    const disk = tx.get(id) as VStorageObjectRecord | undefined;
    return disk?.kind === 'VStorageObject' && (disk.consumers === undefined || disk.consumers.includes(vmId));
  };
  return devices.every(usable) ? devices : devices.filter(usable);
};

const NONE: readonly string[] = [];
const NO_DEVICES: readonly Device[] = [];

/** The ids of the disks a VM has attached; no list is made for the many VMs without any. */
const attachedIds = (vm: VmRecord | undefined): readonly string[] => {
  let ids: string[] | undefined;
  for (const d of vm?.config.devices ?? NO_DEVICES) {
    const id = isDisk(d) ? attachedDiskId(d) : undefined;
    if (id === undefined) continue;
    ids ??= [];
    ids.push(id);
  }
  return ids ?? NONE;
};
