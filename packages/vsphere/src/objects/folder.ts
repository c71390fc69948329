/**
 * Folder's operations: CreateFolder, MoveIntoFolder_Task, Destroy_Task and
 * UnregisterAndDestroy_Task. vim25 has no folder event types, so creating and moving post none
 * (as vCenter); destroying posts the removal events of what the folder held.
 */
import { faults } from '../faults.js';
import { entityArgument, eventArguments } from '../history/arguments.js';
import type { EventInput } from '../history/events.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DvsRecord,
  FolderRecord,
  HostRecord,
  InventoryRecord,
  ManagedType,
  ResourcePoolRecord,
} from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { FolderFlavor, Model, Ref, Task, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import {
  checkName,
  checkUnique,
  childrenOf,
  current,
  isDatacenterFolder,
  isWithin,
  taskPostingEvents,
} from './entity.js';
import { poolDestroyedEvent } from './resource-pool.js';
import { keepVmFiles } from './vm-registration.js';

/** The childType entry that admits each kind of entity into a folder. */
const CHILD_TYPE_OF: Partial<Record<ManagedType, string>> = {
  Folder: 'Folder',
  Datacenter: 'Datacenter',
  VirtualMachine: 'VirtualMachine',
  VirtualApp: 'VirtualApp',
  ComputeResource: 'ComputeResource',
  ClusterComputeResource: 'ComputeResource',
  Datastore: 'Datastore',
  StoragePod: 'StoragePod',
  Network: 'Network',
  DistributedVirtualPortgroup: 'Network',
  VmwareDistributedVirtualSwitch: 'DistributedVirtualSwitch',
};

/** Folders made without vCenter's ids (a loaded state) get their flavor from what they hold. */
const FLAVOR_BY_CHILD_TYPE: readonly (readonly [string, FolderFlavor])[] = [
  ['Datacenter', 'd'],
  ['VirtualMachine', 'v'],
  ['ComputeResource', 'h'],
  ['Datastore', 's'],
  ['Network', 'n'],
];

/** A subfolder has its parent's flavor: `group-v7` begets `group-vN`. */
const flavorOf = (folder: FolderRecord): FolderFlavor => {
  const letter = /^group-([dvhsn])\d/.exec(folder.id)?.[1];
  if (letter) return letter as FolderFlavor;
  return FLAVOR_BY_CHILD_TYPE.find(([type]) => folder.childType.includes(type))?.[1] ?? 'v';
};

const folderRef = (folder: FolderRecord): MoRef => moref('Folder', folder.id);

/** Everything a folder's destruction takes with it: descendants, plus VMs on its hosts and pools. */
const subtree = (m: Model, tx: Tx, root: string): Map<string, InventoryRecord> => {
  const found = new Map<string, InventoryRecord>();
  const queue: string[] = [];
  const add = (id: string) => {
    const r = tx.get(id);
    if (!r || r.kind === 'Task' || found.has(id)) return;
    found.set(id, r);
    queue.push(id);
  };
  add(root);
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    const r = found.get(id) as InventoryRecord;
    for (const child of childrenOf(m, tx, id)) add(child.id);
    if (r.kind === 'HostSystem' || r.kind === 'ResourcePool' || r.kind === 'VirtualApp')
      for (const vm of m.store.referrers('vm', id)) if (tx.get(vm)?.kind === 'VirtualMachine') add(vm);
    if (r.kind === 'VmwareDistributedVirtualSwitch')
      for (const pg of m.store.referrers('portgroup', id)) add(pg);
    if (r.kind === 'Folder')
      for (const app of m.store.ofKind<ResourcePoolRecord>('VirtualApp'))
        if (app.parentFolder === id) add(app.id);
  }
  return found;
};

/** Surviving hosts stop mounting removed datastores and networks; surviving switches drop removed hosts. */
const detachSurvivors = (m: Model, tx: Tx, gone: Map<string, InventoryRecord>): void => {
  for (const r of gone.values()) {
    const storage = r.kind === 'Datastore';
    if (storage || r.kind === 'Network' || r.kind === 'DistributedVirtualPortgroup') {
      for (const vm of m.store.referrers('vm', r.id))
        if (!gone.has(vm)) throw faults.resourceInUse(storage ? 'Datastore' : 'Network', r.name);
      for (const id of m.store.referrers('host', r.id)) {
        const host = tx.get(id) as HostRecord | undefined;
        if (!host || gone.has(id)) continue;
        if (storage)
          tx.put(Object.assign({}, host, { datastores: host.datastores.filter((d) => d !== r.id) }));
        else tx.put(Object.assign({}, host, { networks: host.networks.filter((n) => n !== r.id) }));
      }
    }
    if (r.kind === 'HostSystem') {
      for (const id of m.store.referrers('dvsHost', r.id)) {
        const dvs = tx.get(id) as DvsRecord | undefined;
        if (dvs && !gone.has(id))
          tx.put(Object.assign({}, dvs, { hosts: dvs.hosts.filter((h) => h !== r.id) }));
      }
    }
  }
};

/** The removal event vCenter posts for an entity, read before it leaves; none for the rest. */
const removedEvent = (m: Model, r: InventoryRecord): EventInput | undefined => {
  const args = eventArguments(m.store, r);
  const dc = args.datacenter?.name ?? '';
  switch (r.kind) {
    case 'VirtualMachine':
      return {
        ...args,
        _type: 'VmRemovedEvent',
        fullFormattedMessage: `Removed ${r.name} on ${args.host?.name ?? ''} from ${dc}`,
      };
    case 'HostSystem':
      return { ...args, _type: 'HostRemovedEvent', fullFormattedMessage: `Removed host ${r.name} in ${dc}` };
    case 'ClusterComputeResource':
      return {
        ...args,
        _type: 'ClusterDestroyedEvent',
        ...entityArgument('computeResource', 'computeResource', r),
        fullFormattedMessage: `Removed cluster ${r.name} in datacenter ${dc}`,
      };
    case 'ResourcePool':
      return r.parent && m.store.get(r.parent)?.kind !== 'ResourcePool'
        ? undefined
        : poolDestroyedEvent(m, r);
    case 'Datastore':
      return {
        ...args,
        _type: 'DatastoreDestroyedEvent',
        ...entityArgument('datastore', 'datastore', r),
        fullFormattedMessage: `Removed unconfigured datastore ${r.name}`,
      };
    case 'VmwareDistributedVirtualSwitch':
      return {
        ...args,
        _type: 'DvsDestroyedEvent',
        ...entityArgument('dvs', 'dvs', r),
        fullFormattedMessage: `${r.name} in ${dc} was deleted`,
      };
    case 'DistributedVirtualPortgroup':
      return {
        ...args,
        _type: 'DVPortgroupDestroyedEvent',
        ...entityArgument('net', 'network', r),
        fullFormattedMessage: `Distributed virtual port group ${r.name} in ${dc} was deleted.`,
      };
    default:
      return undefined;
  }
};

/**
 * Removes a folder and all it holds, all or nothing: a powered-on VM is InvalidPowerState,
 * a datastore or network still used by a VM elsewhere is ResourceInUse. With `keepFiles` the
 * VMs are unregistered: their files stay on their datastores, as UnregisterVM leaves them.
 */
const destroyTree = (m: Model, tx: Tx, folder: string, keepFiles = false): EventInput[] => {
  const gone = subtree(m, tx, folder);
  for (const r of gone.values())
    if (r.kind === 'VirtualMachine' && r.powerState === 'poweredOn')
      throw faults.invalidPowerState('poweredOff', 'poweredOn');
  detachSurvivors(m, tx, gone);
  const events: EventInput[] = [];
  const ordered = [...gone.values()].sort(
    (a, b) => Number(b.kind === 'VirtualMachine') - Number(a.kind === 'VirtualMachine'),
  );
  for (const r of ordered) {
    const event = removedEvent(m, r);
    if (event) events.push(event);
    // VMs leave through putVm so the datastores they used get their space back.
    if (r.kind === 'VirtualMachine') {
      putVm(tx, null, r.id);
      if (keepFiles) keepVmFiles(m, tx, r);
    } else tx.remove(r.id);
  }
  return events;
};

/** A folder that may go: the root folder and a datacenter's own folders are NotSupported. */
const destroyable = (tx: Tx, id: string): FolderRecord => {
  const folder = current<FolderRecord>(tx, id, 'Folder');
  if (!folder.parent || isDatacenterFolder(tx, folder))
    throw faults.notSupported(`The folder '${folder.name}' cannot be destroyed.`);
  return folder;
};

export const folderOperations = (m: Model) => {
  /** Puts one entity into `into`, with vCenter's checks (MoveIntoFolder_Task). */
  const moveOne = (tx: Tx, into: FolderRecord, entity: InventoryRecord, taken: Set<string>): void => {
    const placed = entity.kind === 'VirtualApp' ? entity.parentFolder : entity.parent;
    if (placed === into.id) return;
    const type = CHILD_TYPE_OF[entity.kind as ManagedType];
    if (!type || !into.childType.includes(type))
      throw faults.notSupported(`The folder '${into.name}' cannot hold a ${entity.kind}.`);
    if (entity.kind === 'Folder') {
      if (!entity.parent || isDatacenterFolder(tx, entity))
        throw faults.notSupported(`The folder '${entity.name}' cannot be moved.`);
      if (isWithin(tx, into.id, entity.id)) throw faults.invalidFolder(folderRef(into));
    }
    if (placed === undefined || datacenterOf(tx, placed)?.id !== datacenterOf(tx, into.id)?.id)
      throw faults.notSupported('Entities cannot be moved between datacenters.');
    if (taken.has(entity.name)) throw faults.duplicateName(entity.name, folderRef(into));
    taken.add(entity.name);
    if (entity.kind === 'VirtualMachine') putVm(tx, Object.assign({}, entity, { parent: into.id }));
    else if (entity.kind === 'VirtualApp') tx.put(Object.assign({}, entity, { parentFolder: into.id }));
    else tx.put(Object.assign({}, entity, { parent: into.id }));
  };

  return {
    /** CreateFolder: a subfolder with its parent's childType and flavor of id. */
    create(parent: Ref, name: string): MoRef {
      const target = m.lookup<FolderRecord>(parent, 'Folder');
      const id = m.call({ method: 'CreateFolder', target: target.id }, (tx) => {
        const into = current<FolderRecord>(tx, target.id, 'Folder');
        checkName(name);
        if (!into.childType.includes('Folder'))
          throw faults.notSupported(`The folder '${into.name}' cannot hold folders.`);
        checkUnique(m, tx, into.id, name);
        const folder: FolderRecord = {
          id: m.newId('Folder', flavorOf(into)),
          kind: 'Folder',
          name,
          parent: into.id,
          childType: [...into.childType],
        };
        return tx.put(folder).id;
      });
      return moref('Folder', id);
    },

    /** MoveIntoFolder_Task: all of `list` moves, or (on the first fault) none of it. */
    moveInto(folder: Ref, list: readonly Ref[]): Task<void> {
      const target = m.lookup<FolderRecord>(folder, 'Folder');
      const ids = list.map((ref) => m.lookup(ref).id);
      return m.task(
        { method: 'MoveIntoFolder_Task', target: target.id, descriptionId: 'Folder.moveInto' },
        (tx) => {
          const into = current<FolderRecord>(tx, target.id, 'Folder');
          const taken = new Set(childrenOf(m, tx, into.id).map((c) => c.name));
          for (const id of ids) moveOne(tx, into, current(tx, id, 'ManagedEntity'), taken);
        },
      );
    },

    /** Destroy_Task on a folder: the root folder and a datacenter's own folders are NotSupported. */
    destroy(folder: Ref): Task<void> {
      const target = m.lookup<FolderRecord>(folder, 'Folder');
      return taskPostingEvents(
        m,
        { method: 'Destroy_Task', target: target.id, descriptionId: 'Folder.destroy' },
        (tx) => destroyTree(m, tx, destroyable(tx, target.id).id),
      );
    },

    /**
     * UnregisterAndDestroy_Task: a VM folder's VMs and vApps, at any depth, unregistered (their
     * files stay) and the folder destroyed with its subfolders. Only a VM folder (NotSupported
     * otherwise, as the reference says); a running VM is InvalidPowerState, as for UnregisterVM.
     */
    unregisterAndDestroy(folder: Ref): Task<void> {
      const target = m.lookup<FolderRecord>(folder, 'Folder');
      return taskPostingEvents(
        m,
        {
          method: 'UnregisterAndDestroy_Task',
          target: target.id,
          descriptionId: 'Folder.unregisterAndDestroy',
        },
        (tx) => {
          const now = destroyable(tx, target.id);
          if (!now.childType.includes('VirtualMachine'))
            throw faults.notSupported(`The folder '${now.name}' holds no virtual machines.`);
          return destroyTree(m, tx, now.id, true);
        },
      );
    },
  };
};

export type FolderOperations = ReturnType<typeof folderOperations>;
