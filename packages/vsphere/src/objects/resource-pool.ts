/**
 * ResourcePool's operations: CreateResourcePool, UpdateConfig, MoveIntoResourcePool and
 * Destroy_Task, with vCenter's allocation rules and events.
 */
import { faults } from '../faults.js';
import { entityArgument, eventArguments } from '../history/arguments.js';
import type { EventInput } from '../history/events.js';
import { CHILD_POOL_ALLOCATION } from '../inventory/defaults.js';
import type {
  Allocation,
  ComputeResourceRecord,
  HostRecord,
  InventoryRecord,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { checkName, checkUnique, childrenOf, current, isWithin, taskPostingEvents } from './entity.js';
import {
  checkedAllocation,
  type Resource,
  type ResourceAllocationSpec,
  type ResourceConfigSpec,
  setVmResources,
} from './resource-allocation.js';
import { vmEvents } from './vm-clone.js';

/** One entry of UpdateChildResourceConfiguration: a child pool's or VM's allocations. */
export interface ChildResourceConfigSpec extends ResourceConfigSpec {
  entity?: MoRef;
}

/** The share values vCenter gives a pool for each level (CPU per pool, memory per pool). */
const LEVEL_SHARES = {
  cpu: { low: 2000, normal: 4000, high: 8000 },
  memory: { low: 81920, normal: 163840, high: 327680 },
} as const;

/** Merges a spec over a pool's allocation, InvalidArgument{spec.<resource>Allocation} when it is unusable. */
const allocation = (
  spec: ResourceAllocationSpec | undefined,
  base: Allocation,
  resource: Resource,
): Allocation => {
  if (!spec) return base;
  const { reservation, limit, shares } = checkedAllocation(spec, base, resource);
  return Object.freeze({
    reservation,
    expandableReservation: spec.expandableReservation ?? base.expandableReservation,
    limit,
    shares:
      shares === base.shares
        ? base.shares
        : {
            level: shares.level,
            shares:
              shares.level === 'custom' ? (shares.shares as number) : LEVEL_SHARES[resource][shares.level],
          },
  });
};

const poolRef = (pool: ResourcePoolRecord): MoRef => moref(pool.kind, pool.id);
const poolArgument = (pool: ResourcePoolRecord) => ({ name: pool.name, resourcePool: poolRef(pool) });

/** Event arguments of a pool: its datacenter and compute resource, read before any change. */
export const poolArguments = (m: Model, pool: ResourcePoolRecord, at: InventoryRecord = pool) => ({
  ...eventArguments(m.store, at),
  ...entityArgument('computeResource', 'computeResource', m.store.get(pool.owner)),
  resourcePool: poolArgument(pool),
});

/** ResourcePoolDestroyedEvent, as vCenter words it. */
export const poolDestroyedEvent = (m: Model, pool: ResourcePoolRecord): EventInput => {
  const args = poolArguments(m, pool);
  return {
    ...args,
    _type: 'ResourcePoolDestroyedEvent',
    fullFormattedMessage: `Removed resource pool ${pool.name} on ${args.computeResource?.name ?? ''} in ${args.datacenter?.name ?? ''}`,
  };
};

const isRootPool = (tx: Tx, pool: ResourcePoolRecord): boolean =>
  (tx.get(pool.owner) as ComputeResourceRecord | undefined)?.resourcePool === pool.id;

/** The compute resource a VM runs in: its pool's owner, or its host's parent for a template. */
const ownerOfVm = (tx: Tx, vm: VmRecord): string | undefined => {
  if (vm.pool) return (tx.get(vm.pool) as ResourcePoolRecord | undefined)?.owner;
  return vm.host ? (tx.get(vm.host) as HostRecord | undefined)?.parent : undefined;
};

/** A VM placed in `pool`: a vApp becomes its parentVApp, a plain pool clears it. */
const vmInPool = (vm: VmRecord, pool: ResourcePoolRecord): VmRecord => {
  const { parentVApp: _, ...rest } = vm;
  return { ...rest, pool: pool.id, ...(pool.kind === 'VirtualApp' ? { parentVApp: pool.id } : {}) };
};

export const resourcePoolOperations = (m: Model) => {
  const lookupPool = (ref: Ref) => m.lookup<ResourcePoolRecord>(ref, 'ResourcePool', 'VirtualApp');

  /** Moves one VM or pool into `into` (MoveIntoResourcePool); returns the event to post. */
  const moveOne = (
    tx: Tx,
    into: ResourcePoolRecord,
    id: string,
    taken: Set<string>,
  ): EventInput | undefined => {
    const entity = current(tx, id, 'ManagedEntity');
    const dc = eventArguments(m.store, entity).datacenter?.name ?? '';
    const newParent = poolArgument(into);
    if (entity.kind === 'VirtualMachine') {
      if (entity.config.template) throw faults.notSupported('A template has no resource pool.');
      if (ownerOfVm(tx, entity) !== into.owner) throw faults.invalidArgument('list');
      if (entity.pool === into.id) return undefined;
      const old = entity.pool ? (tx.get(entity.pool) as ResourcePoolRecord) : undefined;
      putVm(tx, vmInPool(entity, into));
      const oldParent = old ? poolArgument(old) : { name: '', resourcePool: moref('ResourcePool', '') };
      return {
        ...eventArguments(m.store, entity),
        _type: 'VmResourcePoolMovedEvent',
        oldParent,
        newParent,
        fullFormattedMessage: `Moved ${entity.name} from resource pool ${oldParent.name} to ${into.name} in ${dc}`,
      };
    }
    if (entity.kind !== 'ResourcePool' && entity.kind !== 'VirtualApp') throw faults.invalidArgument('list');
    if (entity.owner !== into.owner || isRootPool(tx, entity) || isWithin(tx, into.id, entity.id))
      throw faults.invalidArgument('list');
    if (entity.parent === into.id) return undefined;
    if (taken.has(entity.name)) throw faults.duplicateName(entity.name, poolRef(into));
    taken.add(entity.name);
    const old = tx.get(entity.parent ?? '') as ResourcePoolRecord;
    tx.put(Object.assign({}, entity, { parent: into.id }));
    const args = poolArguments(m, entity);
    return {
      ...args,
      _type: 'ResourcePoolMovedEvent',
      oldParent: poolArgument(old),
      newParent,
      fullFormattedMessage: `Moved resource pool ${entity.name} from ${old.name} to ${into.name} on ${args.computeResource?.name ?? ''} in ${dc}`,
    };
  };

  /** A pool's new allocations (and name): its ResourcePoolReconfiguredEvent. */
  const reconfigurePool = (
    tx: Tx,
    now: ResourcePoolRecord,
    spec: ResourceConfigSpec,
    name?: string,
  ): EventInput => {
    const updated: ResourcePoolRecord = {
      ...now,
      ...(name === undefined ? {} : { name }),
      cpuAllocation: allocation(spec.cpuAllocation, now.cpuAllocation, 'cpu'),
      memoryAllocation: allocation(spec.memoryAllocation, now.memoryAllocation, 'memory'),
    };
    tx.put(updated);
    const args = poolArguments(m, updated, now);
    return {
      ...args,
      _type: 'ResourcePoolReconfiguredEvent',
      fullFormattedMessage: `Updated configuration for ${updated.name} in compute-resource ${args.computeResource?.name ?? ''} in ${args.datacenter?.name ?? ''}`,
    };
  };

  /** Destroys `pool` and the plain pools below it; their VMs and vApps go up to `parent`. */
  const destroyTree = (tx: Tx, pool: ResourcePoolRecord, parent: ResourcePoolRecord, out: EventInput[]) => {
    for (const child of childrenOf(m, tx, pool.id)) {
      if (child.kind === 'ResourcePool') destroyTree(tx, child, parent, out);
      else if (child.kind === 'VirtualApp') tx.put(Object.assign({}, child, { parent: parent.id }));
    }
    for (const id of m.store.referrers('vm', pool.id)) {
      const vm = tx.get(id);
      if (vm?.kind === 'VirtualMachine' && vm.pool === pool.id) putVm(tx, vmInPool(vm, parent));
    }
    out.push(poolDestroyedEvent(m, pool));
    tx.remove(pool.id);
  };

  return {
    /** CreateResourcePool: a child pool with the parent's owner; unset allocation gets vCenter's defaults. */
    create(parent: Ref, name: string, spec: ResourceConfigSpec = {}): MoRef {
      const target = lookupPool(parent);
      const [ref, event] = m.call({ method: 'CreateResourcePool', target: target.id }, (tx) => {
        const into = current<ResourcePoolRecord>(tx, target.id, target.kind);
        checkName(name);
        const pool: ResourcePoolRecord = {
          id: '',
          kind: 'ResourcePool',
          name,
          parent: into.id,
          owner: into.owner,
          cpuAllocation: allocation(spec.cpuAllocation, CHILD_POOL_ALLOCATION.cpu, 'cpu'),
          memoryAllocation: allocation(spec.memoryAllocation, CHILD_POOL_ALLOCATION.memory, 'memory'),
        };
        checkUnique(m, tx, into.id, name);
        const created = tx.put(
          Object.assign({}, pool, { id: m.newId('ResourcePool') }),
        ) as ResourcePoolRecord;
        const args = poolArguments(m, created, into);
        const event: EventInput = {
          ...args,
          _type: 'ResourcePoolCreatedEvent',
          parent: poolArgument(into),
          fullFormattedMessage: `Created resource pool ${name} in compute-resource ${args.computeResource?.name ?? ''} in ${args.datacenter?.name ?? ''}`,
        };
        return [poolRef(created), event] as const;
      });
      m.postEvent(event);
      return ref;
    },

    /** UpdateConfig: a new name (unique among siblings) and allocation changes; unset fields stay. */
    update(pool: Ref, name?: string, spec: ResourceConfigSpec = {}): void {
      const target = lookupPool(pool);
      const event = m.call({ method: 'UpdateConfig', target: target.id }, (tx) => {
        const now = current<ResourcePoolRecord>(tx, target.id, target.kind);
        if (name !== undefined) checkName(name, now);
        if (name !== undefined && now.parent) checkUnique(m, tx, now.parent, name, now.id);
        return reconfigurePool(tx, now, spec, name);
      });
      m.postEvent(event);
    },

    /**
     * UpdateChildResourceConfiguration: the allocations of child pools, vApps and VMs, all or
     * none; an entity that is no child of the pool is InvalidArgument on `spec.entity`.
     */
    updateChildren(pool: Ref, specs: readonly ChildResourceConfigSpec[]): void {
      const target = lookupPool(pool);
      const reconfigured: [VmRecord, ResourceConfigSpec][] = [];
      const events = m.call({ method: 'UpdateChildResourceConfiguration', target: target.id }, (tx) => {
        const parent = current<ResourcePoolRecord>(tx, target.id, target.kind);
        return specs.flatMap((spec) => {
          const child = spec.entity && tx.get(spec.entity.value);
          if ((child?.kind === 'ResourcePool' || child?.kind === 'VirtualApp') && child.parent === parent.id)
            return [reconfigurePool(tx, child as ResourcePoolRecord, spec)];
          if (child?.kind !== 'VirtualMachine' || (child as VmRecord).pool !== parent.id)
            throw faults.invalidArgument('spec.entity');
          const vm = child as VmRecord;
          const config = { ...vm.config };
          setVmResources(config, spec);
          const next: VmRecord = { ...vm, config };
          putVm(tx, next);
          reconfigured.push([next, spec]);
          return [];
        });
      });
      for (const event of events) m.postEvent(event);
      const vmEvent = vmEvents(m);
      for (const [vm, { cpuAllocation, memoryAllocation }] of reconfigured)
        vmEvent.post(vm, 'VmReconfiguredEvent', `Reconfigured ${vmEvent.where(vm)}`, {
          configSpec: {
            _type: 'VirtualMachineConfigSpec',
            ...(cpuAllocation ? { cpuAllocation } : {}),
            ...(memoryAllocation ? { memoryAllocation } : {}),
          },
        });
    },

    /** DestroyChildren: every child pool goes as Destroy_Task takes one (its VMs and vApps move up). */
    destroyChildren(pool: Ref): void {
      const target = lookupPool(pool);
      const events = m.call({ method: 'DestroyChildren', target: target.id }, (tx) => {
        const parent = current<ResourcePoolRecord>(tx, target.id, target.kind);
        const out: EventInput[] = [];
        for (const child of childrenOf(m, tx, parent.id))
          if (child.kind === 'ResourcePool') destroyTree(tx, child as ResourcePoolRecord, parent, out);
        return out;
      });
      for (const event of events) m.postEvent(event);
    },

    /** MoveIntoResourcePool: VMs and pools of the same compute resource only (InvalidArgument otherwise). */
    moveInto(pool: Ref, list: readonly Ref[]): void {
      const target = lookupPool(pool);
      const ids = list.map((ref) => m.lookup(ref).id);
      const events = m.call({ method: 'MoveIntoResourcePool', target: target.id }, (tx) => {
        const into = current<ResourcePoolRecord>(tx, target.id, target.kind);
        const taken = new Set(childrenOf(m, tx, into.id).map((c) => c.name));
        return ids.map((id) => moveOne(tx, into, id, taken));
      });
      for (const event of events) if (event) m.postEvent(event);
    },

    /**
     * Destroy_Task on a pool: its VMs and vApps move up to the parent pool, child pools are
     * destroyed the same way. The root pool of a compute resource is NotSupported (vCenter).
     */
    destroy(pool: Ref): Task<void> {
      const target = m.lookup<ResourcePoolRecord>(pool, 'ResourcePool');
      return taskPostingEvents(
        m,
        { method: 'Destroy_Task', target: target.id, descriptionId: 'ResourcePool.destroy' },
        (tx) => {
          const now = current<ResourcePoolRecord>(tx, target.id, 'ResourcePool');
          const parent = tx.get(now.parent ?? '');
          if (isRootPool(tx, now) || (parent?.kind !== 'ResourcePool' && parent?.kind !== 'VirtualApp'))
            throw faults.notSupported('The root resource pool of a compute resource cannot be destroyed.');
          const events: EventInput[] = [];
          destroyTree(tx, now, parent, events);
          return events;
        },
      );
    },
  };
};

export type ResourcePoolOperations = ReturnType<typeof resourcePoolOperations>;
