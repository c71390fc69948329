/**
 * VirtualMachine's snapshot methods and VirtualMachineSnapshot's own, each the model's
 * snapshot operation underneath (see @vsim/vsphere objects/snapshot.ts).
 */
import type { VSphere } from '@vsim/vsphere';
import type { MethodTable, SoapCall } from './call.js';

const snapshots = (v: VSphere) => v.snapshot;

/** A revert's optional arguments, as the model takes them. */
const revertOptions = (args: SoapCall['args']) => ({
  ...(args.host ? { host: args.host } : {}),
  ...(args.suppressPowerOn === undefined ? {} : { suppressPowerOn: args.suppressPowerOn }),
});

export const snapshotMethods: MethodTable = {
  CreateSnapshot_Task: ({ vsphere, self, args }) =>
    snapshots(vsphere).create(self, args.name, {
      description: args.description ?? '',
      memory: args.memory,
      quiesce: args.quiesce,
    }).ref,
  CreateSnapshotEx_Task: ({ vsphere, self, args }) =>
    snapshots(vsphere).create(self, args.name, {
      description: args.description ?? '',
      memory: args.memory,
      quiesce: args.quiesceSpec !== undefined,
    }).ref,
  RevertToSnapshot_Task: ({ vsphere, self, args }) =>
    snapshots(vsphere).revert(self, revertOptions(args)).ref,
  RevertToCurrentSnapshot_Task: ({ vsphere, self, args }) =>
    snapshots(vsphere).revertToCurrent(self, revertOptions(args)).ref,
  RemoveSnapshot_Task: ({ vsphere, self, args }) =>
    snapshots(vsphere).remove(self, args.removeChildren, args.consolidate ?? true).ref,
  RemoveAllSnapshots_Task: ({ vsphere, self, args }) =>
    snapshots(vsphere).removeAll(self, args.consolidate ?? true).ref,
  RenameSnapshot: ({ vsphere, self, args }) => snapshots(vsphere).rename(self, args.name, args.description),
};
