/**
 * VM snapshots: CreateSnapshot_Task, RevertToSnapshot_Task, RevertToCurrentSnapshot_Task,
 * RemoveSnapshot_Task, RemoveAllSnapshots_Task and RenameSnapshot. A snapshot is a record
 * holding the config and the power state it captured; the tree lives in the records
 * (each snapshot lists its children, the VM its roots and its current snapshot). Every
 * operation writes the VM too, whose `snapshot` property derives from the tree, so
 * property filters on it see the change. Snapshot tasks name the VM as their entity,
 * as TaskInfo.entity is a ManagedEntity, which a snapshot is not.
 *
 * vim25 has no snapshot event types: creating and removing post none (the task is the
 * record); a revert posts vCenter's EventEx `com.vmware.vc.vm.VmStateRevertedToSnapshot`.
 */
import { faults, type PowerState } from '../faults.js';
import { eventArguments } from '../history/arguments.js';
import type { EventInput } from '../history/events.js';
import { withoutForeignDisks } from '../inventory/attachments.js';
import { GUEST_OFF } from '../inventory/guest.js';
import type { HostRecord, SnapshotRecord, VmRecord, VmSnapshots } from '../inventory/records.js';
import { dropSnapshots, putVm } from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { bootGuest, currentVm, freshlyBooted } from './vm-clone.js';
import { nextChangeVersion } from './vm-config-spec.js';
import { placement } from './vm-placement.js';

const NO_SNAPSHOTS: VmSnapshots = Object.freeze({ roots: Object.freeze([]), lastId: 0 });

const snapshotsOf = (vm: VmRecord): VmSnapshots => vm.snapshots ?? NO_SNAPSHOTS;

/** The snapshot as the transaction sees it; ManagedObjectNotFound once it is gone. */
const currentSnapshot = (tx: Tx, id: string): SnapshotRecord => {
  const snapshot = tx.get(id) as SnapshotRecord | undefined;
  if (snapshot?.kind !== 'VirtualMachineSnapshot')
    throw faults.managedObjectNotFound(moref('VirtualMachineSnapshot', id));
  return snapshot;
};

const refuseTemplate = (vm: VmRecord): void => {
  if (vm.config.template) throw faults.notSupported('The operation is not supported on a template.');
};

/** The ids of a snapshot and all its descendants. */
const subtree = (tx: Tx, id: string): string[] => [
  id,
  ...currentSnapshot(tx, id).children.flatMap((child) => subtree(tx, child)),
];

/** The VM with a new snapshot tree; an empty tree keeps only the last id handed out. */
const withTree = (vm: VmRecord, tree: VmSnapshots): VmRecord => Object.assign({}, vm, { snapshots: tree });

export interface SnapshotOptions {
  description?: string;
  /** Capture the running VM's memory: a revert then returns it powered on. */
  memory?: boolean;
  /** Quiesce the guest's file systems (running VMs, without memory). */
  quiesce?: boolean;
}

export interface RevertOptions {
  /** The host the VM runs on if the revert powers it on. */
  host?: Ref;
  /** Leave a VM whose snapshot was running suspended instead of powered on. */
  suppressPowerOn?: boolean;
}

/** The power state a snapshot returns to: only a memory snapshot of a running VM runs. */
const capturedState = (vm: VmRecord, memory: boolean): PowerState => {
  if (vm.powerState === 'suspended') return 'suspended';
  return vm.powerState === 'poweredOn' && memory ? 'poweredOn' : 'poweredOff';
};

const takeSnapshot = (m: Model, tx: Tx, vm: VmRecord, name: string, options: SnapshotOptions) => {
  refuseTemplate(vm);
  if (name === '') throw faults.invalidName(name, moref('VirtualMachine', vm.id));
  const tree = snapshotsOf(vm);
  const memory = options.memory ?? false;
  const snapshot: SnapshotRecord = {
    id: m.newId('VirtualMachineSnapshot'),
    kind: 'VirtualMachineSnapshot',
    name,
    vm: vm.id,
    description: options.description ?? '',
    ...(tree.current ? { parentSnapshot: tree.current } : {}),
    children: [],
    snapshotId: tree.lastId + 1,
    createTime: m.clock.now(),
    state: capturedState(vm, memory),
    quiesced: (options.quiesce ?? false) && !memory && vm.powerState === 'poweredOn',
    config: vm.config,
  };
  tx.put(snapshot);
  if (tree.current) {
    const parent = currentSnapshot(tx, tree.current);
    tx.put(Object.assign({}, parent, { children: [...parent.children, snapshot.id] }));
  }
  const roots = tree.current ? tree.roots : [...tree.roots, snapshot.id];
  putVm(tx, withTree(vm, { roots, current: snapshot.id, lastId: snapshot.snapshotId }));
  return snapshot;
};

/** The VM as the snapshot captured it: config and power state; the snapshot becomes current. */
const revertedVm = (
  m: Model,
  tx: Tx,
  vm: VmRecord,
  snapshot: SnapshotRecord,
  options: RevertOptions,
  hostId: string | undefined,
): VmRecord => {
  refuseTemplate(vm);
  // Copies by Object.assign: a spread with fields after it gives the copies other hidden
  // classes as its site warms up (decision 11).
  const config = Object.assign({}, snapshot.config, {
    template: vm.config.template,
    changeVersion: nextChangeVersion(m, vm.config),
    devices: withoutForeignDisks(tx, vm.id, snapshot.config.devices),
  });
  const base = withTree(
    Object.assign({}, vm, { config }),
    Object.assign({}, snapshotsOf(vm), { current: snapshot.id }),
  );
  const state = options.suppressPowerOn && snapshot.state === 'poweredOn' ? 'suspended' : snapshot.state;
  const { bootTime: _, ...off } = base;
  if (state !== 'poweredOn') return Object.assign(off, { powerState: state, guest: GUEST_OFF });
  const names = { pool: 'pool', host: 'host' };
  const host = hostId ? placement(m, tx, vm.pool, hostId, vm.homeDatastore, names, vm.host).host : undefined;
  const onHost = host ?? (tx.get(vm.host ?? '') as HostRecord | undefined);
  if (onHost?.inMaintenanceMode) throw faults.hostInMaintenance();
  const running = host ? Object.assign({}, base, { host: host.id }) : base;
  return freshlyBooted(
    m,
    tx,
    Object.assign({}, running, {
      powerState: 'poweredOn',
      bootTime: m.clock.now(),
      guest: bootGuest(m, tx, running),
    } as const),
  );
};

/** Removes a snapshot (and its subtree); children it keeps take its place under its parent. */
const removeSnapshot = (tx: Tx, vm: VmRecord, snapshot: SnapshotRecord, removeChildren: boolean) => {
  const tree = snapshotsOf(vm);
  const parentId = snapshot.parentSnapshot;
  const gone = removeChildren ? subtree(tx, snapshot.id) : [snapshot.id];
  const heirs = removeChildren ? [] : snapshot.children;
  for (const child of heirs) {
    const { parentSnapshot: _, ...rest } = currentSnapshot(tx, child);
    tx.put(parentId ? { ...rest, parentSnapshot: parentId } : rest);
  }
  for (const id of gone) tx.remove(id);
  const splice = (ids: readonly string[]) => ids.flatMap((id) => (id === snapshot.id ? heirs : [id]));
  if (parentId) {
    const parent = currentSnapshot(tx, parentId);
    tx.put(Object.assign({}, parent, { children: splice(parent.children) }));
  }
  // The parent of a removed current snapshot becomes current, as in vCenter.
  const current = tree.current !== undefined && gone.includes(tree.current) ? parentId : tree.current;
  const roots = parentId ? tree.roots : splice(tree.roots);
  putVm(tx, withTree(vm, { roots, lastId: tree.lastId, ...(current ? { current } : {}) }));
};

/** vCenter's event for a revert: an EventEx naming the snapshot. */
const revertedEvent = (m: Model, vm: VmRecord, snapshot: SnapshotRecord): EventInput => {
  const args = eventArguments(m.store, vm);
  const where = `${vm.name} on host ${args.host?.name ?? ''}, in compute resource ${args.computeResource?.name ?? ''}`;
  return {
    _type: 'EventEx',
    ...args,
    eventTypeId: 'com.vmware.vc.vm.VmStateRevertedToSnapshot',
    severity: 'info',
    objectId: vm.id,
    objectType: 'VirtualMachine',
    objectName: vm.name,
    arguments: [
      { _type: 'KeyAnyValue', key: 'snapshotName', value: snapshot.name },
      { _type: 'KeyAnyValue', key: 'snapshotId', value: snapshot.snapshotId },
    ],
    fullFormattedMessage: `The execution state of the virtual machine ${where} has been reverted to the state of snapshot ${snapshot.name}, with ID ${snapshot.snapshotId}`,
  };
};

export const snapshotOperations = (m: Model) => {
  const lookupVm = (vm: Ref) => m.lookup<VmRecord>(vm, 'VirtualMachine');
  const lookupSnapshot = (snapshot: Ref) => m.lookup<SnapshotRecord>(snapshot, 'VirtualMachineSnapshot');
  const hostOf = (options: RevertOptions) =>
    options.host === undefined ? undefined : m.lookup(options.host, 'HostSystem').id;

  /** A revert task on the VM: `pick` chooses the snapshot as the task finds the VM. */
  const revertTask = (
    method: string,
    descriptionId: string,
    vmId: string,
    options: RevertOptions,
    pick: (tx: Tx, vm: VmRecord) => SnapshotRecord,
  ): Task<void> => {
    const hostId = hostOf(options);
    let target: SnapshotRecord | undefined;
    return m.task(
      { method, target: vmId, descriptionId },
      (tx) => {
        const vm = currentVm(tx, vmId);
        target = pick(tx, vm);
        putVm(tx, revertedVm(m, tx, vm, target, options, hostId));
      },
      () => m.postEvent(revertedEvent(m, m.store.get(vmId) as VmRecord, target as SnapshotRecord)),
    );
  };

  return {
    /** CreateSnapshot_Task: the task's result is the new snapshot, which becomes current. */
    create(vm: Ref, name: string, options: SnapshotOptions = {}): Task<MoRef> {
      const record = lookupVm(vm);
      return m.task(
        { method: 'CreateSnapshot_Task', target: record.id, descriptionId: 'VirtualMachine.createSnapshot' },
        (tx) =>
          moref('VirtualMachineSnapshot', takeSnapshot(m, tx, currentVm(tx, record.id), name, options).id),
      );
    },

    /** RevertToSnapshot_Task, called on the snapshot. */
    revert(snapshot: Ref, options: RevertOptions = {}): Task<void> {
      const record = lookupSnapshot(snapshot);
      return revertTask('RevertToSnapshot_Task', 'VirtualMachineSnapshot.revert', record.vm, options, (tx) =>
        currentSnapshot(tx, record.id),
      );
    },

    /** RevertToCurrentSnapshot_Task: NotFound when the VM has no current snapshot. */
    revertToCurrent(vm: Ref, options: RevertOptions = {}): Task<void> {
      const record = lookupVm(vm);
      return revertTask(
        'RevertToCurrentSnapshot_Task',
        'VirtualMachine.revertToCurrentSnapshot',
        record.id,
        options,
        (tx, now) => {
          const current = snapshotsOf(now).current;
          if (current === undefined) throw faults.notFound('The virtual machine has no current snapshot.');
          return currentSnapshot(tx, current);
        },
      );
    },

    /**
     * RemoveSnapshot_Task: without removeChildren its children move up to its parent.
     * Disks have no delta files here, so `consolidate` changes nothing.
     */
    remove(snapshot: Ref, removeChildren: boolean, _consolidate = true): Task<void> {
      const record = lookupSnapshot(snapshot);
      return m.task(
        { method: 'RemoveSnapshot_Task', target: record.vm, descriptionId: 'VirtualMachineSnapshot.remove' },
        (tx) => removeSnapshot(tx, currentVm(tx, record.vm), currentSnapshot(tx, record.id), removeChildren),
      );
    },

    /** RemoveAllSnapshots_Task: the tree goes; the VM keeps its current state. */
    removeAll(vm: Ref, _consolidate = true): Task<void> {
      const record = lookupVm(vm);
      return m.task(
        {
          method: 'RemoveAllSnapshots_Task',
          target: record.id,
          descriptionId: 'VirtualMachine.removeAllSnapshots',
        },
        (tx) => {
          const now = currentVm(tx, record.id);
          const tree = snapshotsOf(now);
          dropSnapshots(tx, tree.roots);
          putVm(tx, withTree(now, { roots: [], lastId: tree.lastId }));
        },
      );
    },

    /** RenameSnapshot: a new name and/or description; an empty name is InvalidName. */
    rename(snapshot: Ref, name?: string, description?: string): void {
      const record = lookupSnapshot(snapshot);
      m.call({ method: 'RenameSnapshot', target: record.id }, (tx) => {
        const now = currentSnapshot(tx, record.id);
        if (name === '') throw faults.invalidName(name, moref('VirtualMachineSnapshot', now.id));
        tx.put({
          ...now,
          ...(name === undefined ? {} : { name }),
          ...(description === undefined ? {} : { description }),
        });
        // The VM's snapshot tree shows the names: its filters must re-read it.
        putVm(tx, { ...currentVm(tx, now.vm) });
      });
    },
  };
};

export type SnapshotOperations = ReturnType<typeof snapshotOperations>;
