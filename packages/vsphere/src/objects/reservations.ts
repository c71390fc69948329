/**
 * Reservations in a compute resource's pool tree, as vCenter's admission control counts them: a
 * running VM takes its reservation from its pool; a child pool takes its own reservation from
 * its parent, and an expandable one also what its children take beyond it. The root pool holds
 * the compute resource's effective capacity (its connected hosts out of maintenance).
 *
 * With the model's `admissionControl` option, a write hook refuses any operation that leaves a
 * pool holding more than it may (InsufficientCpuResourcesFault, InsufficientMemoryResourcesFault),
 * whichever operation it is: a power-on, a reconfiguration, a pool's new reservation or limit, a
 * move.
 */
import { faults } from '../faults.js';
import { HOST_HARDWARE } from '../inventory/defaults.js';
import type {
  Allocation,
  ComputeResourceRecord,
  HostRecord,
  InventoryRecord,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import type { Model, Tx } from '../model.js';
import type { Resource } from './resource-allocation.js';

const MB = 1024 * 1024;

/** The hosts that count towards a compute resource's capacity: connected, out of maintenance. */
export const effectiveHosts = (hosts: readonly HostRecord[]): HostRecord[] =>
  hosts.filter((h) => h.connectionState === 'connected' && !h.inMaintenanceMode);

/** A compute resource's effective CPU (MHz) and memory (MB). */
export const effectiveCapacity = (hosts: readonly HostRecord[]): Record<Resource, number> => {
  const effective = effectiveHosts(hosts).length;
  return {
    cpu: HOST_HARDWARE.cpuMhz * HOST_HARDWARE.numCpuCores * effective,
    memory: Math.floor((HOST_HARDWARE.memorySize * effective) / MB),
  };
};

/** What the counting reads: the committed store, or a transaction over it with its writes. */
export interface PoolReader {
  get(id: string): InventoryRecord | undefined;
  /** The ids that may refer to `target` by `relation` (`childEntity`, `vm`): check each record. */
  referrers(relation: string, target: string): Iterable<string>;
}

/** The store as it is. */
export const storeReader = (m: Pick<Model, 'store'>): PoolReader => m.store;

/** The store as a transaction will leave it: its written records may refer where the store's do not. */
export const txReader = (m: Pick<Model, 'store'>, tx: Tx): PoolReader => ({
  get: (id) => tx.get(id),
  *referrers(relation, target) {
    yield* m.store.referrers(relation, target);
    for (const [id, written] of tx.writes)
      if (written && (relation === 'vm' ? written.kind === 'VirtualMachine' : written.parent === target))
        yield id;
  },
});

const isPool = (r: InventoryRecord | undefined): r is ResourcePoolRecord =>
  r?.kind === 'ResourcePool' || r?.kind === 'VirtualApp';

const allocationOf = (pool: ResourcePoolRecord, resource: Resource): Allocation =>
  resource === 'cpu' ? pool.cpuAllocation : pool.memoryAllocation;

/** A running VM's reservation: MHz, or MB. */
const vmReservation = (vm: VmRecord, resource: Resource): number =>
  vm.powerState === 'poweredOn'
    ? ((resource === 'cpu' ? vm.config.cpuAllocation : vm.config.memoryAllocation)?.reservation ?? 0)
    : 0;

/** A pool's reservation, limit (-1: none) and expandability; a root pool's are its compute resource's capacity. */
export interface PoolBounds {
  readonly reservation: number;
  readonly limit: number;
  readonly expandable: boolean;
}

/** The compute resource whose root pool `pool` is, if it is one. */
const rootOf = (reader: PoolReader, pool: ResourcePoolRecord): ComputeResourceRecord | undefined => {
  const owner = reader.get(pool.owner) as ComputeResourceRecord | undefined;
  return owner?.resourcePool === pool.id ? owner : undefined;
};

export const boundsOf = (reader: PoolReader, pool: ResourcePoolRecord, resource: Resource): PoolBounds => {
  const root = rootOf(reader, pool);
  if (root) {
    const hosts: HostRecord[] = [];
    for (const id of reader.referrers('childEntity', root.id)) {
      const r = reader.get(id);
      if (r?.kind === 'HostSystem' && r.parent === root.id) hosts.push(r as HostRecord);
    }
    const capacity = effectiveCapacity(hosts)[resource];
    return { reservation: capacity, limit: capacity, expandable: false };
  }
  const { reservation, limit, expandableReservation } = allocationOf(pool, resource);
  return { reservation, limit, expandable: expandableReservation };
};

interface Taken {
  /** What the pool's children (pools and running VMs) take from it. */
  readonly used: number;
  /** What the running VMs below it reserve. */
  readonly usedForVm: number;
}

/** What a pool's children take from it, counted down its tree. */
export const takenFrom = (reader: PoolReader, pool: ResourcePoolRecord, resource: Resource): Taken => {
  let used = 0;
  let usedForVm = 0;
  const seen = new Set<string>();
  for (const id of reader.referrers('childEntity', pool.id)) {
    const child = reader.get(id);
    if (!isPool(child) || child.parent !== pool.id || seen.has(id)) continue;
    seen.add(id);
    const below = takenFrom(reader, child, resource);
    const { reservation, expandable } = boundsOf(reader, child, resource);
    used += expandable ? Math.max(reservation, below.used) : reservation;
    usedForVm += below.usedForVm;
  }
  for (const id of reader.referrers('vm', pool.id)) {
    const vm = reader.get(id);
    if (vm?.kind !== 'VirtualMachine' || (vm as VmRecord).pool !== pool.id || seen.has(id)) continue;
    seen.add(id);
    const reserved = vmReservation(vm as VmRecord, resource);
    used += reserved;
    usedForVm += reserved;
  }
  return { used, usedForVm };
};

/** ResourcePoolResourceUsage's counts, in MHz or MB. */
export interface PoolUsage extends Taken {
  /** What a new reservation below the pool may still take, borrowing up an expandable chain. */
  readonly unreserved: number;
  /** The most the pool may use: its limit, else its parent's, up to the root's capacity. */
  readonly max: number;
}

export const poolUsage = (reader: PoolReader, pool: ResourcePoolRecord, resource: Resource): PoolUsage => {
  const bounds = boundsOf(reader, pool, resource);
  const taken = takenFrom(reader, pool, resource);
  const parent = reader.get(pool.parent ?? '');
  const above = isPool(parent) ? poolUsage(reader, parent, resource) : undefined;
  let unreserved = Math.max(0, bounds.reservation - taken.used);
  if (bounds.expandable && above) unreserved += above.unreserved;
  if (bounds.limit >= 0) unreserved = Math.min(unreserved, Math.max(0, bounds.limit - taken.used));
  const max = bounds.limit >= 0 ? bounds.limit : (above?.max ?? bounds.reservation);
  return { ...taken, unreserved, max };
};

/** The most a pool may have taken from it: a fixed reservation, else its limit; none when both grow. */
const ceilingOf = ({ reservation, limit, expandable }: PoolBounds): number | undefined => {
  if (!expandable) return limit >= 0 ? Math.min(reservation, limit) : reservation;
  return limit >= 0 ? limit : undefined;
};

/** What a VM holds of its pool's reservations: nothing unless it runs. */
const heldBy = (vm: VmRecord | undefined): readonly [number, number] =>
  vm ? [vmReservation(vm, 'cpu'), vmReservation(vm, 'memory')] : [0, 0];

/** Whether a write may change what a pool holds: a running VM's pool or reservations; a pool's place or allocations. */
export const movesReservations = (
  before: InventoryRecord | undefined,
  after: InventoryRecord | undefined,
): boolean => {
  const r = after ?? before;
  if (r?.kind === 'VirtualMachine') {
    const [was, now] = [before as VmRecord | undefined, after as VmRecord | undefined];
    const [held, holds] = [heldBy(was), heldBy(now)];
    if (held[0] === 0 && held[1] === 0 && holds[0] === 0 && holds[1] === 0) return false;
    return was?.pool !== now?.pool || held[0] !== holds[0] || held[1] !== holds[1];
  }
  if (!isPool(r)) return false;
  const [was, now] = [before as ResourcePoolRecord | undefined, after as ResourcePoolRecord | undefined];
  return (
    was?.parent !== now?.parent ||
    was?.cpuAllocation !== now?.cpuAllocation ||
    was?.memoryAllocation !== now?.memoryAllocation
  );
};

/**
 * The pools whose holdings a transaction may change: for each write that moves reservations,
 * the VM's pool or the pool itself, and their ancestors, where they were and where they are.
 */
const touchedPools = (m: Model, tx: Tx): Set<string> => {
  const out = new Set<string>();
  const climb = (reader: PoolReader, id: string | undefined) => {
    for (let r = id === undefined ? undefined : reader.get(id); isPool(r); r = reader.get(r.parent ?? ''))
      out.add(r.id);
  };
  const readers = [storeReader(m), txReader(m, tx)] as const;
  for (const [id, written] of tx.writes) {
    const states = [m.store.get(id), written ?? undefined] as const;
    if (!movesReservations(...states)) continue;
    for (const [i, r] of states.entries()) {
      if (r?.kind === 'VirtualMachine') climb(readers[i] as PoolReader, (r as VmRecord).pool);
      else if (isPool(r)) {
        if (i === 1) out.add(r.id);
        climb(readers[i] as PoolReader, r.parent);
      }
    }
  }
  return out;
};

/**
 * The write hook of admission control: a pool whose children take more than it may refuses the
 * operation that made it so, by asking more of it or by lowering what it may hold. The fault
 * names the room there was and what was asked (CPU in MHz, memory in bytes).
 */
export const admitReservations =
  (m: Model) =>
  (tx: Tx): void => {
    const touched = touchedPools(m, tx);
    if (touched.size === 0) return;
    const before = storeReader(m);
    const after = txReader(m, tx);
    for (const id of touched) {
      const pool = tx.get(id);
      if (!isPool(pool)) continue;
      for (const resource of ['cpu', 'memory'] as const) {
        const ceiling = ceilingOf(boundsOf(after, pool, resource));
        if (ceiling === undefined) continue;
        const now = takenFrom(after, pool, resource).used;
        if (now <= ceiling) continue;
        const stored = m.store.get(id);
        const was = isPool(stored) ? takenFrom(before, stored, resource).used : 0;
        const ceilingWas = isPool(stored) ? ceilingOf(boundsOf(before, stored, resource)) : undefined;
        const lowered = ceilingWas === undefined || ceiling < ceilingWas;
        if (now <= was && !lowered) continue;
        // Asked more: the room there was and the more; a lowered ceiling: the new one and the holdings.
        const [unreserved, requested] = now > was ? [Math.max(0, ceiling - was), now - was] : [ceiling, now];
        throw resource === 'cpu'
          ? faults.insufficientCpuResources(unreserved, requested)
          : faults.insufficientMemoryResources(unreserved * MB, requested * MB);
      }
    }
  };
