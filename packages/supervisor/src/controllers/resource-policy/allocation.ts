/**
 * A resource policy's reservations and limits as a vSphere ResourceConfigSpec. Memory
 * quantities become MB; CPU quantities (cores, `500m`) become MHz at the clock of the
 * slowest host of the pool's cluster, the conversion vm-operator applies to VM classes.
 * Unset values are vSphere's defaults for a child pool (no reservation, no limit).
 */
import type { ComputeResourceRecord, ResourceConfigSpec, ResourcePoolRecord, VSphere } from '@vsim/vsphere';
import type { ResourcePoolSpec, VirtualMachineResourceSpec } from '../../api/types.js';
import { mebibytesOf } from '../../namespaces/vm-classes.js';
import { divideRoundingUp, parseQuantity } from '../../store/quantity.js';

/** Reservation and limit of one resource, as a pool holds them. */
export interface AllocationTarget {
  reservation: number;
  limit: number;
}

export interface PoolAllocation {
  cpu: AllocationTarget;
  memory: AllocationTarget;
}

/** A CPU quantity in millicores, rounded up, undefined when it is not one. */
export function cpuMillis(quantity: string): number | undefined {
  const parsed = parseQuantity(quantity);
  return parsed && parsed.nanos >= 0n ? Number(divideRoundingUp(parsed.nanos, 1_000_000n)) : undefined;
}

/** The clock (MHz) of the slowest host of a cluster, undefined when it has none. */
export function clusterCpuMhz(vsphere: VSphere, cluster: string): number | undefined {
  let slowest: number | undefined;
  for (const id of vsphere.store.referrers('childEntity', cluster)) {
    if (vsphere.store.get(id)?.kind !== 'HostSystem') continue;
    const mhz = vsphere.read<number>(id, 'summary.hardware.cpuMhz');
    if (slowest === undefined || mhz < slowest) slowest = mhz;
  }
  return slowest;
}

const invalid = (field: string, quantity: string) =>
  new Error(`spec.resourcePool.${field}: invalid quantity "${quantity}"`);

function cpuMhz(field: string, quantity: string | undefined, clock: () => number): number | undefined {
  if (quantity === undefined || quantity === '') return undefined;
  const millis = cpuMillis(quantity);
  if (millis === undefined) throw invalid(field, quantity);
  return Math.ceil((millis * clock()) / 1000);
}

function memoryMb(field: string, quantity: string | undefined): number | undefined {
  if (quantity === undefined || quantity === '') return undefined;
  const mb = mebibytesOf(quantity);
  if (mb === undefined) throw invalid(field, quantity);
  return mb;
}

/** The allocation a policy's pool spec asks for in the cluster that owns `parent`. */
export function poolAllocation(
  vsphere: VSphere,
  parent: ResourcePoolRecord,
  spec: ResourcePoolSpec,
): PoolAllocation {
  const cluster = vsphere.store.get(parent.owner) as ComputeResourceRecord | undefined;
  const clock = () => {
    const mhz = cluster ? clusterCpuMhz(vsphere, cluster.id) : undefined;
    if (mhz === undefined) throw new Error(`cluster ${parent.owner} has no host to size CPU by`);
    return mhz;
  };
  const of = (what: 'reservations' | 'limits'): VirtualMachineResourceSpec => spec[what] ?? {};
  return {
    cpu: {
      reservation: cpuMhz('reservations.cpu', of('reservations').cpu, clock) ?? 0,
      limit: cpuMhz('limits.cpu', of('limits').cpu, clock) ?? -1,
    },
    memory: {
      reservation: memoryMb('reservations.memory', of('reservations').memory) ?? 0,
      limit: memoryMb('limits.memory', of('limits').memory) ?? -1,
    },
  };
}

/** Whether the pool already has the allocation. */
export const hasAllocation = (pool: ResourcePoolRecord, want: PoolAllocation): boolean =>
  pool.cpuAllocation.reservation === want.cpu.reservation &&
  pool.cpuAllocation.limit === want.cpu.limit &&
  pool.memoryAllocation.reservation === want.memory.reservation &&
  pool.memoryAllocation.limit === want.memory.limit;

export const configSpecOf = (want: PoolAllocation): ResourceConfigSpec => ({
  cpuAllocation: { reservation: want.cpu.reservation, limit: want.cpu.limit },
  memoryAllocation: { reservation: want.memory.reservation, limit: want.memory.limit },
});
