/**
 * Operations every ManagedEntity has (Rename_Task), and what the folder and resource pool
 * operations share: the naming rules (a name vCenter accepts, unique among its siblings),
 * the tree as a transaction sees it, and tasks that post the events their work caused.
 */
import { faults } from '../faults.js';
import { entityArgument, eventArguments } from '../history/arguments.js';
import type { EventInput } from '../history/events.js';
import type { InventoryRecord, ManagedType } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { Model, Ref, Task, TaskCall, Tx } from '../model.js';
import { moref } from '../refs.js';

/** vCenter refuses entity names longer than this many characters. */
export const MAX_NAME_LENGTH = 80;

/** InvalidName for an empty name or one longer than vCenter allows. */
export const checkName = (name: string, entity?: InventoryRecord): void => {
  if (name.length > 0 && name.length <= MAX_NAME_LENGTH) return;
  throw entity ? faults.invalidName(name, moref(entity.kind, entity.id)) : faults.invalidName(name);
};

/** The current record, or ManagedObjectNotFound when it went away since the call. */
export const current = <R extends InventoryRecord>(tx: Tx, id: string, type: string): R => {
  const record = tx.get(id);
  if (!record) throw faults.managedObjectNotFound(moref(type, id));
  return record as R;
};

/**
 * A synchronous method of one object: the interception point, then one transaction in which
 * `work` sees the object's record as it is then.
 */
export const callOn = <R extends InventoryRecord>(
  m: Model,
  method: string,
  ref: Ref,
  kind: ManagedType,
  work: (tx: Tx, self: R) => void,
): void => {
  const { id } = m.lookup<R>(ref, kind);
  m.call({ method, target: id }, (tx) => work(tx, current<R>(tx, id, kind)));
};

/** The entities whose parent is `parent`, as the transaction sees them. */
export const childrenOf = (m: Model, tx: Tx, parent: string): InventoryRecord[] => {
  const out: InventoryRecord[] = [];
  for (const id of m.store.referrers('childEntity', parent)) {
    const child = tx.get(id);
    if (child && child.parent === parent && child.kind !== 'Task') out.push(child);
  }
  return out;
};

/** DuplicateName naming the sibling (other than `self`) that has the name, as vcsim does. */
export const checkUnique = (m: Model, tx: Tx, parent: string, name: string, self?: string): void => {
  for (const child of childrenOf(m, tx, parent))
    if (child.name === name && child.id !== self)
      throw faults.duplicateName(name, moref(child.kind, child.id));
};

/** Whether `id` is `ancestor` or lies below it, as the transaction sees the tree. */
export const isWithin = (tx: Tx, id: string, ancestor: string): boolean => {
  for (let r = tx.get(id); r; r = r.parent ? tx.get(r.parent) : undefined) if (r.id === ancestor) return true;
  return false;
};

/** A task whose work returns the events it causes: they are posted once it succeeds. */
export const taskPostingEvents = (
  m: Model,
  call: TaskCall,
  work: (tx: Tx) => readonly EventInput[],
): Task<void> => {
  let events: readonly EventInput[] = [];
  return m.task(
    call,
    (tx) => {
      events = work(tx);
    },
    () => {
      for (const event of events) m.postEvent(event);
    },
  );
};

/** A datacenter's vm, host, datastore and network folders: fixed parts of the datacenter. */
export const isDatacenterFolder = (tx: Tx, record: InventoryRecord): boolean =>
  record.kind === 'Folder' && record.parent !== undefined && tx.get(record.parent)?.kind === 'Datacenter';

/** The event vCenter posts for a rename; entities without their own type get a GeneralEvent. */
const renamedEvent = (m: Model, entity: InventoryRecord, oldName: string): EventInput => {
  const args = eventArguments(m.store, entity);
  const newName = entity.name;
  const dc = args.datacenter?.name ?? '';
  const base = { ...args, oldName, newName };
  switch (entity.kind) {
    case 'VirtualMachine':
      return {
        ...base,
        _type: 'VmRenamedEvent',
        fullFormattedMessage: `Renamed ${newName} from ${oldName} to ${newName} in ${dc}`,
      };
    case 'Datacenter':
      return {
        ...base,
        _type: 'DatacenterRenamedEvent',
        fullFormattedMessage: `Renamed datacenter from ${oldName} to ${newName}`,
      };
    case 'Datastore':
      return {
        ...base,
        _type: 'DatastoreRenamedEvent',
        ...entityArgument('datastore', 'datastore', entity),
        fullFormattedMessage: `Renamed datastore from ${oldName} to ${newName} in ${dc}`,
      };
    case 'VmwareDistributedVirtualSwitch':
      return {
        ...base,
        _type: 'DvsRenamedEvent',
        ...entityArgument('dvs', 'dvs', entity),
        fullFormattedMessage: `The vSphere Distributed Switch ${oldName} in ${dc} was renamed to ${newName}`,
      };
    case 'DistributedVirtualPortgroup':
      return {
        ...base,
        _type: 'DVPortgroupRenamedEvent',
        ...entityArgument('net', 'network', entity),
        fullFormattedMessage: `Distributed port group ${oldName} in ${dc} was renamed to ${newName}`,
      };
    default: {
      const message = `Renamed ${entity.kind} ${oldName} to ${newName}`;
      return { ...args, _type: 'GeneralEvent', message, fullFormattedMessage: message };
    }
  }
};

export const entityOperations = (m: Model) => ({
  /**
   * Rename_Task on any managed entity. A sibling with the name is DuplicateName (vCenter;
   * vcsim answers InvalidArgument); a datacenter's own folders cannot be renamed.
   */
  rename(entity: Ref, newName: string): Task<void> {
    const record = m.lookup(entity);
    if (record.kind === 'Task') throw faults.methodNotFound(moref('Task', record.id), 'Rename_Task');
    let oldName = record.name;
    return m.task(
      { method: 'Rename_Task', target: record.id, descriptionId: `${record.kind}.rename` },
      (tx) => {
        const now = current(tx, record.id, record.kind);
        checkName(newName, now);
        if (isDatacenterFolder(tx, now))
          throw faults.notSupported(`The folder '${now.name}' cannot be renamed.`);
        if (now.parent) checkUnique(m, tx, now.parent, newName, now.id);
        oldName = now.name;
        // A VM's name lives in its record only (config has none), written through putVm.
        if (now.kind === 'VirtualMachine') putVm(tx, Object.assign({}, now, { name: newName }));
        else tx.put(Object.assign({}, now, { name: newName }));
      },
      () => {
        const renamed = m.store.get(record.id);
        if (renamed && oldName !== newName) m.postEvent(renamedEvent(m, renamed, oldName));
      },
    );
  },
});

export type EntityOperations = ReturnType<typeof entityOperations>;
