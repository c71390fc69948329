/** ComputeResource, ClusterComputeResource, ResourcePool and VirtualApp properties. */
import type { ClusterRule, ClusterVmOverride } from '../inventory/cluster-config.js';
import { HOST_HARDWARE } from '../inventory/defaults.js';
import {
  type ComputeResourceRecord,
  environmentBrowserIdOf,
  type HostRecord,
  type ResourcePoolRecord,
  type VmRecord,
} from '../inventory/records.js';
import {
  boundsOf,
  effectiveCapacity,
  effectiveHosts,
  poolUsage,
  takenFrom,
} from '../objects/reservations.js';
import type { Resource } from '../objects/resource-allocation.js';
import { moref } from '../refs.js';
import { type PropertyTable, type ReadContext, referrerRefs, refOf, refsOf } from './context.js';
import { vmResourceConfig } from './virtual-machine.js';

const MB = 1024 * 1024;

/** The hosts of a compute resource (a cluster's, or a standalone host alone). */
export const hostsOfComputeResource = (store: ReadContext['store'], cr: string): HostRecord[] => {
  const out: HostRecord[] = [];
  for (const id of store.referrers('childEntity', cr)) {
    const r = store.get(id);
    if (r?.kind === 'HostSystem') out.push(r as HostRecord);
  }
  return out;
};

const hostsOf = (cr: ComputeResourceRecord, ctx: ReadContext): HostRecord[] =>
  hostsOfComputeResource(ctx.store, cr.id);

/** The union of what the hosts see, in first-seen order. */
const unionOf = (hosts: HostRecord[], pick: (h: HostRecord) => readonly string[]) => [
  ...new Set(hosts.flatMap(pick)),
];

const computeSummary = (cr: ComputeResourceRecord, ctx: ReadContext) => {
  const hosts = hostsOf(cr, ctx);
  const effective = effectiveCapacity(hosts);
  const base = {
    totalCpu: HOST_HARDWARE.cpuMhz * HOST_HARDWARE.numCpuCores * hosts.length,
    totalMemory: HOST_HARDWARE.memorySize * hosts.length,
    numCpuCores: HOST_HARDWARE.numCpuCores * hosts.length,
    numCpuThreads: HOST_HARDWARE.numCpuThreads * hosts.length,
    effectiveCpu: effective.cpu,
    effectiveMemory: effective.memory,
    numHosts: hosts.length,
    numEffectiveHosts: effectiveHosts(hosts).length,
    overallStatus: 'green',
  };
  if (cr.kind === 'ComputeResource') return { _type: 'ComputeResourceSummary', ...base };
  // What the root pool's children (pools and running VMs) reserve.
  const root = ctx.store.get(cr.resourcePool) as ResourcePoolRecord | undefined;
  const reserved = (resource: Resource) => (root ? takenFrom(ctx.store, root, resource).used : 0);
  return {
    _type: 'ClusterComputeResourceSummary',
    ...base,
    currentFailoverLevel: 0,
    numVmotions: 0,
    currentBalance: 0,
    targetBalance: 0,
    usageSummary: {
      _type: 'ClusterUsageSummary',
      totalCpuCapacityMhz: base.totalCpu,
      totalMemCapacityMB: Math.floor(base.totalMemory / MB),
      cpuReservationMhz: reserved('cpu'),
      memReservationMB: reserved('memory'),
      cpuDemandMhz: 0,
      memDemandMB: 0,
      statsGenNumber: 0,
    },
  };
};

/** Where the powered-on VMs among `vms` run: DRS rules place running VMs only. */
const runningHosts = (ctx: ReadContext, vms: readonly string[]): string[] => {
  const hosts: string[] = [];
  for (const id of vms) {
    const vm = ctx.store.get(id);
    if (vm?.kind === 'VirtualMachine' && vm.powerState === 'poweredOn' && vm.host) hosts.push(vm.host);
  }
  return hosts;
};

/** Whether the VMs run where an enabled rule wants them (a disabled one asks nothing). */
const ruleInCompliance = (cr: ComputeResourceRecord, rule: ClusterRule, ctx: ReadContext): boolean => {
  if (!rule.enabled) return true;
  const membersOf = (name: string | undefined) =>
    cr.config?.groups?.find((g) => g.name === name)?.members ?? [];
  switch (rule.type) {
    case 'ClusterAffinityRuleSpec':
      return new Set(runningHosts(ctx, rule.vms ?? [])).size <= 1;
    case 'ClusterAntiAffinityRuleSpec': {
      const hosts = runningHosts(ctx, rule.vms ?? []);
      return new Set(hosts).size === hosts.length;
    }
    case 'ClusterVmHostRuleInfo': {
      const affine = rule.affineHostGroupName === undefined ? undefined : membersOf(rule.affineHostGroupName);
      const antiAffine = membersOf(rule.antiAffineHostGroupName);
      return runningHosts(ctx, membersOf(rule.vmGroupName)).every(
        (host) => (affine === undefined || affine.includes(host)) && !antiAffine.includes(host),
      );
    }
    case 'ClusterDependencyRuleInfo':
      return true;
  }
};

/** A ClusterRuleInfo of its type, as ClusterConfigInfoEx.rule and FindRulesForVm answer it. */
export const clusterRuleInfo = (cr: ComputeResourceRecord, rule: ClusterRule, ctx: ReadContext) => {
  const inCompliance = ruleInCompliance(cr, rule, ctx);
  const { type, vms, ...fields } = rule;
  return {
    _type: type,
    ...fields,
    status: inCompliance ? 'green' : 'red',
    inCompliance,
    ...(vms ? { vm: vms.map((vm) => moref('VirtualMachine', vm)) } : {}),
  };
};

const vmConfigInfos = (type: string, overrides: readonly ClusterVmOverride[] | undefined) =>
  (overrides ?? []).map((o) => ({ _type: type, key: moref('VirtualMachine', o.vm), ...o.fields }));

/** ClusterConfigInfoEx: vCenter's defaults under what ReconfigureComputeResource_Task set. */
const clusterConfigInfo = (cr: ComputeResourceRecord, ctx: ReadContext) => ({
  _type: 'ClusterConfigInfoEx',
  vmSwapPlacement: cr.config?.vmSwapPlacement ?? 'vmDirectory',
  dasConfig: {
    _type: 'ClusterDasConfigInfo',
    enabled: false,
    vmMonitoring: 'vmMonitoringDisabled',
    hostMonitoring: 'enabled',
    failoverLevel: 1,
    admissionControlEnabled: true,
    ...cr.das,
  },
  dasVmConfig: vmConfigInfos('ClusterDasVmConfigInfo', cr.config?.dasVmConfig),
  drsConfig: {
    _type: 'ClusterDrsConfigInfo',
    enabled: false,
    enableVmBehaviorOverrides: true,
    defaultVmBehavior: 'fullyAutomated',
    vmotionRate: 3,
    ...cr.drs,
  },
  drsVmConfig: vmConfigInfos('ClusterDrsVmConfigInfo', cr.config?.drsVmConfig),
  rule: (cr.config?.rules ?? []).map((rule) => clusterRuleInfo(cr, rule, ctx)),
  group: (cr.config?.groups ?? []).map((g) =>
    g.type === 'ClusterVmGroup'
      ? {
          _type: g.type,
          name: g.name,
          userCreated: true,
          vm: g.members.map((id) => moref('VirtualMachine', id)),
        }
      : {
          _type: g.type,
          name: g.name,
          userCreated: true,
          host: g.members.map((id) => moref('HostSystem', id)),
        },
  ),
});

export const computeResourceProperties: PropertyTable<ComputeResourceRecord> = {
  summary: computeSummary,
  resourcePool: (cr, ctx) => refOf(ctx, cr.resourcePool),
  environmentBrowser: (cr, ctx) => refOf(ctx, environmentBrowserIdOf(cr.id)),
  host: (cr, ctx) => hostsOf(cr, ctx).map((h) => moref('HostSystem', h.id)),
  datastore: (cr, ctx) =>
    refsOf(
      ctx,
      unionOf(hostsOf(cr, ctx), (h) => h.datastores),
    ),
  network: (cr, ctx) =>
    refsOf(
      ctx,
      unionOf(hostsOf(cr, ctx), (h) => h.networks),
    ),
  // ClusterConfigInfo, deprecated for configurationEx: the same configuration, without groups.
  configuration: (cr, ctx) => {
    if (cr.kind !== 'ClusterComputeResource') return undefined;
    const { dasConfig, dasVmConfig, drsConfig, drsVmConfig, rule } = clusterConfigInfo(cr, ctx);
    return { _type: 'ClusterConfigInfo', dasConfig, dasVmConfig, drsConfig, drsVmConfig, rule };
  },
  configurationEx: (cr, ctx) =>
    cr.kind === 'ClusterComputeResource'
      ? clusterConfigInfo(cr, ctx)
      : {
          _type: 'ComputeResourceConfigInfo',
          vmSwapPlacement: cr.config?.vmSwapPlacement ?? 'vmDirectory',
        },
};

/** A pool's allocation; a root pool's reservation and limit are its compute resource's capacity. */
const allocation = (pool: ResourcePoolRecord, ctx: ReadContext, resource: Resource) => {
  const a = resource === 'cpu' ? pool.cpuAllocation : pool.memoryAllocation;
  const { reservation, limit, expandable } = boundsOf(ctx.store, pool, resource);
  return {
    _type: 'ResourceAllocationInfo',
    reservation,
    expandableReservation: expandable,
    limit,
    shares: { _type: 'SharesInfo', shares: a.shares.shares, level: a.shares.level },
    overheadLimit: 0,
  };
};

const poolConfig = (pool: ResourcePoolRecord, ctx: ReadContext) => ({
  _type: 'ResourceConfigSpec',
  entity: moref(pool.kind, pool.id),
  cpuAllocation: allocation(pool, ctx, 'cpu'),
  memoryAllocation: allocation(pool, ctx, 'memory'),
});

/** ResourcePoolResourceUsage: CPU in MHz, memory in bytes. */
const resourceUsage = (pool: ResourcePoolRecord, ctx: ReadContext, resource: Resource) => {
  const unit = resource === 'cpu' ? 1 : MB;
  const usage = poolUsage(ctx.store, pool, resource);
  return {
    _type: 'ResourcePoolResourceUsage',
    reservationUsed: usage.used * unit,
    reservationUsedForVm: usage.usedForVm * unit,
    unreservedForPool: usage.unreserved * unit,
    unreservedForVm: usage.unreserved * unit,
    overallUsage: 0,
    maxUsage: usage.max * unit,
  };
};

const poolRuntime = (pool: ResourcePoolRecord, ctx: ReadContext) => ({
  _type: 'ResourcePoolRuntimeInfo',
  memory: resourceUsage(pool, ctx, 'memory'),
  cpu: resourceUsage(pool, ctx, 'cpu'),
  overallStatus: 'green',
});

export const resourcePoolProperties: PropertyTable<ResourcePoolRecord> = {
  owner: (pool, ctx) => refOf(ctx, pool.owner),
  resourcePool: (pool, ctx) => referrerRefs(ctx, 'childEntity', pool.id, 'ResourcePool', 'VirtualApp'),
  vm: (pool, ctx) => referrerRefs(ctx, 'vm', pool.id, 'VirtualMachine'),
  config: poolConfig,
  runtime: poolRuntime,
  summary: (pool, ctx) => ({
    _type: pool.kind === 'VirtualApp' ? 'VirtualAppSummary' : 'ResourcePoolSummary',
    name: pool.name,
    config: poolConfig(pool, ctx),
    runtime: poolRuntime(pool, ctx),
    configuredMemoryMB: 0,
  }),
  parentFolder: (pool, ctx) => refOf(ctx, pool.parentFolder),
  // The allocations of its child pools and VMs, each a ResourceConfigSpec naming its entity.
  childConfiguration: (pool, ctx) => {
    const out: object[] = [];
    for (const id of ctx.store.referrers('childEntity', pool.id)) {
      const child = ctx.store.get(id);
      if (child?.kind === 'ResourcePool' || child?.kind === 'VirtualApp')
        out.push(poolConfig(child as ResourcePoolRecord, ctx));
    }
    for (const id of ctx.store.referrers('vm', pool.id)) {
      const vm = ctx.store.get(id) as VmRecord | undefined;
      if (vm?.kind === 'VirtualMachine') out.push(vmResourceConfig(vm));
    }
    return out;
  },
};
