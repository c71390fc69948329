/**
 * vSphere's ResourceAllocationInfo as pools and VMs take it (UpdateConfig, CreateResourcePool,
 * a VirtualMachineConfigSpec's `cpuAllocation` and `memoryAllocation`), checked as vCenter checks
 * it, and a VM's latency sensitivity.
 */
import { faults } from '../faults.js';
import type { LatencySensitivity, SharesInfo, SharesLevel, VmAllocation } from '../inventory/records.js';

export type { SharesLevel };

/** vSphere's SharesInfo; `shares` counts only with level `custom`. */
export interface SharesSpec {
  level: SharesLevel;
  shares?: number;
}

/** vSphere's ResourceAllocationInfo: unset fields keep the current value. */
export interface ResourceAllocationSpec {
  reservation?: number;
  /** A pool's alone: vSphere ignores it for VMs. */
  expandableReservation?: boolean;
  limit?: number;
  shares?: SharesSpec;
  /** Not settable: vCenter refuses it. */
  overheadLimit?: number;
}

export interface ResourceConfigSpec {
  cpuAllocation?: ResourceAllocationSpec;
  memoryAllocation?: ResourceAllocationSpec;
}

export type Resource = 'cpu' | 'memory';

const LEVELS: readonly string[] = ['low', 'normal', 'high', 'custom'];

const isCount = (n: number) => Number.isFinite(n) && Number.isInteger(n);

/**
 * The reservation, limit and shares after a spec's (`base`'s where it sets none), or
 * InvalidArgument on `spec.<resource>Allocation`: a negative reservation, a limit below -1 (no
 * limit) or below the reservation, an unknown level, a custom level without a share count, an
 * overhead limit.
 */
export const checkedAllocation = (
  spec: ResourceAllocationSpec,
  base: VmAllocation,
  resource: Resource,
): VmAllocation => {
  const bad = () => faults.invalidArgument(`spec.${resource}Allocation`);
  const { reservation = base.reservation, limit = base.limit } = spec;
  if (spec.overheadLimit !== undefined) throw bad();
  if (!isCount(reservation) || reservation < 0 || !isCount(limit) || limit < -1) throw bad();
  if (limit !== -1 && reservation > limit) throw bad();
  let shares = base.shares;
  if (spec.shares) {
    const { level, shares: count } = spec.shares;
    if (!LEVELS.includes(level)) throw bad();
    if (level === 'custom' && (count === undefined || !isCount(count) || count < 0)) throw bad();
    shares = level === 'custom' ? { level, shares: count as number } : { level };
  }
  return { reservation, limit, shares };
};

/** What a VM reserves and may use when nothing says otherwise: nothing, no limit, normal shares. */
export const DEFAULT_VM_ALLOCATION: VmAllocation = Object.freeze({
  reservation: 0,
  limit: -1,
  shares: Object.freeze({ level: 'normal' as const }),
});

/**
 * A VM's shares at each level, per virtual CPU and per MB of memory (vSphere's resource
 * management guide): they follow the VM's size, unless custom.
 */
const VM_LEVEL_SHARES = {
  cpu: { low: 500, normal: 1000, high: 2000 },
  memory: { low: 5, normal: 10, high: 20 },
} as const;

/** A VM's share count: its custom count, else its level's for its CPUs or its memory. */
export const vmShares = (shares: VmAllocation['shares'], resource: Resource, units: number): SharesInfo => ({
  level: shares.level,
  shares: shares.level === 'custom' ? (shares.shares ?? 0) : VM_LEVEL_SHARES[resource][shares.level] * units,
});

/** Whether an allocation is vSphere's default for a VM: nothing reserved, no limit, normal shares. */
export const isDefaultAllocation = (a: ResourceAllocationSpec): boolean =>
  (a.reservation ?? 0) === 0 && a.limit === -1 && a.shares?.level === 'normal';

const SENSITIVITY_LEVELS: readonly string[] = ['low', 'normal', 'medium', 'high', 'custom'];

/** vSphere's LatencySensitivity, as a spec gives it. */
export interface LatencySensitivitySpec {
  level: string;
  sensitivity?: number;
}

const checkedSensitivity = (spec: LatencySensitivitySpec): LatencySensitivity => {
  if (!SENSITIVITY_LEVELS.includes(spec.level)) throw faults.invalidArgument('spec.latencySensitivity');
  const level = spec.level as LatencySensitivity['level'];
  if (level !== 'custom') return { level };
  if (spec.sensitivity === undefined || !isCount(spec.sensitivity) || spec.sensitivity < 0)
    throw faults.invalidArgument('spec.latencySensitivity');
  return { level, sensitivity: spec.sensitivity };
};

/** What a spec says of a VM's resources: its allocations and latency sensitivity. */
export interface VmResourceSpec {
  cpuAllocation?: ResourceAllocationSpec;
  memoryAllocation?: ResourceAllocationSpec;
  latencySensitivity?: LatencySensitivitySpec;
}

/**
 * Sets a spec's allocations and latency sensitivity on a VM's config being made. The config
 * keeps none of them while they are vSphere's defaults: most VMs never change them.
 */
export const setVmResources = (
  config: {
    cpuAllocation?: VmAllocation;
    memoryAllocation?: VmAllocation;
    latencySensitivity?: LatencySensitivity;
  },
  spec: VmResourceSpec,
): void => {
  for (const resource of ['cpu', 'memory'] as const) {
    const field = resource === 'cpu' ? 'cpuAllocation' : 'memoryAllocation';
    const change = spec[field];
    if (change === undefined) continue;
    const merged = checkedAllocation(change, config[field] ?? DEFAULT_VM_ALLOCATION, resource);
    if (isDefaultAllocation(merged)) delete config[field];
    else config[field] = merged;
  }
  if (spec.latencySensitivity === undefined) return;
  const sensitivity = checkedSensitivity(spec.latencySensitivity);
  if (sensitivity.level === 'normal') delete config.latencySensitivity;
  else config.latencySensitivity = sensitivity;
};
