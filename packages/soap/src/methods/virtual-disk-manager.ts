/** VirtualDiskManager's methods, each the model's standalone disk operation underneath; task methods return the Task at once. */
import type { MethodTable } from './call.js';

export const virtualDiskManagerMethods: MethodTable = {
  CreateVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.create(args.name, args.datacenter, args.spec).ref,
  DeleteVirtualDisk_Task: ({ vsphere, args }) => vsphere.virtualDisks.delete(args.name, args.datacenter).ref,
  CopyVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.copy(
      args.sourceName,
      args.sourceDatacenter,
      args.destName,
      args.destDatacenter,
      args.destSpec,
      args.force,
    ).ref,
  MoveVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.move(
      args.sourceName,
      args.sourceDatacenter,
      args.destName,
      args.destDatacenter,
      args.force ?? false,
    ).ref,
  ExtendVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.extend(args.name, args.datacenter, args.newCapacityKb).ref,
  InflateVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.inflate(args.name, args.datacenter).ref,
  EagerZeroVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.eagerZero(args.name, args.datacenter).ref,
  ZeroFillVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.zeroFill(args.name, args.datacenter).ref,
  DefragmentVirtualDisk_Task: ({ vsphere, args }) =>
    vsphere.virtualDisks.defragment(args.name, args.datacenter).ref,
  ShrinkVirtualDisk_Task: ({ vsphere, args }) => vsphere.virtualDisks.shrink(args.name, args.datacenter).ref,
  QueryVirtualDiskGeometry: ({ vsphere, args }) =>
    vsphere.virtualDisks.queryGeometry(args.name, args.datacenter),
  QueryVirtualDiskFragmentation: ({ vsphere, args }) =>
    vsphere.virtualDisks.queryFragmentation(args.name, args.datacenter),
  QueryVirtualDiskUuid: ({ vsphere, args }) => vsphere.virtualDisks.queryUuid(args.name, args.datacenter),
  SetVirtualDiskUuid: ({ vsphere, args }) =>
    vsphere.virtualDisks.setUuid(args.name, args.datacenter, args.uuid),
};
