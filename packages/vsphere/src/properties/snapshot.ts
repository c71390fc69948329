/**
 * VirtualMachineSnapshot's properties, and the VM's `snapshot` and `rootSnapshot`, all
 * derived from the snapshot records (see objects/snapshot.ts).
 */
import type { SnapshotRecord, VmRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { iso, type PropertyTable, type ReadContext } from './context.js';
import { availableFields, customValues } from './custom-fields.js';
import { vmConfig } from './virtual-machine.js';

const snapshotRefs = (ids: readonly string[]) => ids.map((id) => moref('VirtualMachineSnapshot', id));

/** VirtualMachineSnapshotTree of a snapshot and everything under it. */
const snapshotTree = (ctx: ReadContext, id: string): unknown[] => {
  const s = ctx.store.get(id) as SnapshotRecord | undefined;
  if (!s) return [];
  return [
    {
      _type: 'VirtualMachineSnapshotTree',
      snapshot: moref('VirtualMachineSnapshot', s.id),
      vm: moref('VirtualMachine', s.vm),
      name: s.name,
      description: s.description,
      id: s.snapshotId,
      createTime: iso(s.createTime),
      state: s.state,
      quiesced: s.quiesced,
      childSnapshotList: s.children.flatMap((child) => snapshotTree(ctx, child)),
      replaySupported: false,
    },
  ];
};

/** The VM's snapshot properties: unset while it has no snapshot, as in vCenter. */
export const vmSnapshotProperties: PropertyTable<VmRecord> = {
  snapshot: (vm, ctx) =>
    vm.snapshots && vm.snapshots.roots.length > 0
      ? {
          _type: 'VirtualMachineSnapshotInfo',
          ...(vm.snapshots.current
            ? { currentSnapshot: moref('VirtualMachineSnapshot', vm.snapshots.current) }
            : {}),
          rootSnapshotList: vm.snapshots.roots.flatMap((id) => snapshotTree(ctx, id)),
        }
      : undefined,
  rootSnapshot: (vm) => snapshotRefs(vm.snapshots?.roots ?? []),
};

export const snapshotProperties: PropertyTable<SnapshotRecord> = {
  /** The VM's config as the snapshot captured it (under the VM's current name). */
  config: (s, ctx) => {
    const vm = ctx.store.get(s.vm) as VmRecord | undefined;
    return vm ? vmConfig({ ...vm, config: s.config }) : undefined;
  },
  childSnapshot: (s) => snapshotRefs(s.children),
  vm: (s) => moref('VirtualMachine', s.vm),
  value: (s) => customValues(s),
  availableField: (s, ctx) => availableFields(ctx, s.kind),
};
