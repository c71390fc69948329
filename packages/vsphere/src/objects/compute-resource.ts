/**
 * ComputeResource's ReconfigureComputeResource_Task and ClusterComputeResource's
 * ReconfigureCluster_Task and FindRulesForVm: a cluster's DRS and HA configuration, its VM and host
 * groups, its DRS rules and its per-VM overrides, as govc's `cluster.change`, `cluster.group.*`
 * and `cluster.rule.*` and Terraform's cluster rules and groups change them.
 *
 * A spec is applied whole or not at all: the first part refused fails the task and nothing
 * changes. `modify: true` merges the spec into the configuration; `modify: false` makes the
 * configuration the spec's, what it leaves unset back to the defaults (the API reference), so no
 * groups, rules or overrides but those the spec adds. Refusals are InvalidArgument naming the
 * part of the spec, vCenter's "A specified parameter was not correct". The members of groups,
 * rules and overrides are the cluster's VMs and hosts: one that is removed or leaves the
 * cluster leaves them too (see leaveClusterConfig).
 */
import { faults } from '../faults.js';
import { eventArguments } from '../history/arguments.js';
import type {
  ClusterGroup,
  ClusterRule,
  ClusterRuleType,
  ClusterServiceConfig,
  ClusterVmOverride,
  ComputeResourceConfig,
} from '../inventory/cluster-config.js';
import type { ComputeResourceRecord, DataObject, ResourcePoolRecord } from '../inventory/records.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { clusterRuleInfo } from '../properties/compute.js';
import { moref } from '../refs.js';
import { chooseHost, usableHosts } from './drs-placement.js';
import { current } from './entity.js';

type Fields = { readonly [field: string]: unknown };

/** An ArrayUpdateSpec: ClusterGroupSpec, ClusterRuleSpec, ClusterDrsVmConfigSpec, ... */
export interface ArrayUpdateSpec {
  readonly operation: 'add' | 'edit' | 'remove';
  readonly removeKey?: unknown;
  readonly info?: Fields & { readonly _type?: string };
}

/** A ComputeResourceConfigSpec, or a ClusterConfigSpecEx with its cluster parts. */
export interface ComputeResourceConfigSpec {
  readonly _type?: string;
  readonly vmSwapPlacement?: string;
  readonly drsConfig?: Fields;
  readonly dasConfig?: Fields;
  readonly groupSpec?: readonly ArrayUpdateSpec[];
  readonly rulesSpec?: readonly ArrayUpdateSpec[];
  readonly drsVmConfigSpec?: readonly ArrayUpdateSpec[];
  readonly dasVmConfigSpec?: readonly ArrayUpdateSpec[];
  readonly [field: string]: unknown;
}

const SWAP_PLACEMENTS = new Set(['vmDirectory', 'hostLocal']);
const DRS_BEHAVIORS = new Set(['manual', 'partiallyAutomated', 'fullyAutomated']);
const RULE_TYPES = new Set<string>([
  'ClusterAffinityRuleSpec',
  'ClusterAntiAffinityRuleSpec',
  'ClusterVmHostRuleInfo',
  'ClusterDependencyRuleInfo',
]);

const refused = (part: string) => faults.invalidArgument(part);

const idOf = (ref: unknown, part: string): string => {
  if (typeof ref === 'string') return ref;
  if (ref && typeof ref === 'object' && typeof (ref as { value?: unknown }).value === 'string')
    return (ref as { value: string }).value;
  throw refused(part);
};

/** The fields a client set, without the wire type. */
const fieldsOf = (info: Fields | undefined): Fields => {
  if (!info) return {};
  const { _type, ...fields } = info;
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
};

/** A VM is the cluster's when its host is one of the cluster's hosts. */
export const isVmOfCluster = (tx: Pick<Tx, 'get'>, vmId: string, cluster: string): boolean => {
  const vm = tx.get(vmId);
  return vm?.kind === 'VirtualMachine' && vm.host !== undefined && tx.get(vm.host)?.parent === cluster;
};

const isHostOfCluster = (tx: Pick<Tx, 'get'>, hostId: string, cluster: string): boolean => {
  const host = tx.get(hostId);
  return host?.kind === 'HostSystem' && host.parent === cluster;
};

/** The members a spec names, each of the cluster, none twice. */
const membersOf = (
  tx: Tx,
  cluster: string,
  refs: unknown,
  isOf: (tx: Tx, id: string, cluster: string) => boolean,
  part: string,
): string[] => {
  if (refs === undefined) return [];
  if (!Array.isArray(refs)) throw refused(part);
  const ids = refs.map((ref) => idOf(ref, part));
  if (new Set(ids).size !== ids.length || !ids.every((id) => isOf(tx, id, cluster))) throw refused(part);
  return ids;
};

const checkDrsConfig = (drs: ClusterServiceConfig): void => {
  const { defaultVmBehavior, vmotionRate } = drs;
  if (defaultVmBehavior !== undefined && !DRS_BEHAVIORS.has(defaultVmBehavior as string))
    throw refused('drsConfig.defaultVmBehavior');
  if (
    vmotionRate !== undefined &&
    (typeof vmotionRate !== 'number' || vmotionRate < 1 || vmotionRate > 5 || !Number.isInteger(vmotionRate))
  )
    throw refused('drsConfig.vmotionRate');
};

/** The configuration a cluster holds while a spec is applied to it. */
interface Working {
  drs: ClusterServiceConfig;
  das: ClusterServiceConfig;
  vmSwapPlacement: string | undefined;
  groups: ClusterGroup[];
  rules: ClusterRule[];
  lastRuleKey: number;
  drsVmConfig: ClusterVmOverride[];
  dasVmConfig: ClusterVmOverride[];
}

const applyGroups = (tx: Tx, cluster: string, w: Working, specs: readonly ArrayUpdateSpec[]): void => {
  for (const spec of specs) {
    if (spec.operation === 'remove') {
      const at = w.groups.findIndex((g) => g.name === spec.removeKey);
      if (at < 0) throw refused('groupSpec.removeKey');
      w.groups.splice(at, 1);
      continue;
    }
    const info = spec.info;
    const type = info?._type;
    if (type !== 'ClusterVmGroup' && type !== 'ClusterHostGroup') throw refused('groupSpec.info');
    const name = info?.name;
    if (typeof name !== 'string' || name === '') throw refused('groupSpec.info.name');
    const members =
      type === 'ClusterVmGroup'
        ? membersOf(tx, cluster, info?.vm, isVmOfCluster, 'groupSpec.info.vm')
        : membersOf(tx, cluster, info?.host, isHostOfCluster, 'groupSpec.info.host');
    const at = w.groups.findIndex((g) => g.name === name);
    const group: ClusterGroup = { type, name, members };
    if (spec.operation === 'add') {
      if (at >= 0) throw refused('groupSpec.info.name');
      w.groups.push(group);
    } else {
      if (at < 0 || w.groups[at]?.type !== type) throw refused('groupSpec.info.name');
      w.groups[at] = group;
    }
  }
};

/** A rule as the spec's info makes it, over `base` (an edit's rule) or a new one. */
const ruleOf = (
  tx: Tx,
  cluster: string,
  info: Fields & { _type?: string },
  base: ClusterRule,
): ClusterRule => {
  const fields = fieldsOf(info);
  const rule: { -readonly [K in keyof ClusterRule]: ClusterRule[K] } = { ...base };
  for (const field of [
    'name',
    'vmGroupName',
    'affineHostGroupName',
    'antiAffineHostGroupName',
    'vmGroup',
    'dependsOnVmGroup',
  ] as const) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw refused(`rulesSpec.info.${field}`);
    rule[field] = value;
  }
  for (const field of ['enabled', 'mandatory'] as const) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw refused(`rulesSpec.info.${field}`);
    rule[field] = value;
  }
  if (fields.vm !== undefined)
    rule.vms = membersOf(tx, cluster, fields.vm, isVmOfCluster, 'rulesSpec.info.vm');
  return rule;
};

/** Applies the rule specs; answers the keys of the rules added or edited. */
const applyRules = (
  m: Model,
  tx: Tx,
  cluster: string,
  w: Working,
  specs: readonly ArrayUpdateSpec[],
): Set<number> => {
  const touched = new Set<number>();
  for (const spec of specs) {
    if (spec.operation === 'remove') {
      const at = w.rules.findIndex((r) => r.key === Number(spec.removeKey));
      if (at < 0) throw refused('rulesSpec.removeKey');
      w.rules.splice(at, 1);
      continue;
    }
    const info = spec.info;
    const type = info?._type;
    if (!info || type === undefined || !RULE_TYPES.has(type)) throw refused('rulesSpec.info');
    if (spec.operation === 'add') {
      const fresh: ClusterRule = {
        type: type as ClusterRuleType,
        key: w.lastRuleKey + 1,
        ruleUuid: m.random.uuid(),
        name: '',
        enabled: false,
        mandatory: false,
        userCreated: true,
      };
      const rule = ruleOf(tx, cluster, info, fresh);
      w.lastRuleKey = rule.key;
      w.rules.push(rule);
      touched.add(rule.key);
    } else {
      const at = w.rules.findIndex((r) => r.key === Number(info.key));
      const base = w.rules[at];
      if (!base || base.type !== type) throw refused('rulesSpec.info.key');
      w.rules[at] = ruleOf(tx, cluster, info, base);
      touched.add(base.key);
    }
  }
  return touched;
};

/**
 * A rule's name, VMs and groups, checked once the whole spec is applied (its groups may come with
 * it). A rule the spec did not touch is checked for its groups only: one the spec removes is
 * still in use; its VMs may have gone since it was made.
 */
const checkRule = (w: Working, rule: ClusterRule, touched: boolean): void => {
  const groupNamed = (name: string | undefined, type: ClusterGroup['type']) =>
    name !== undefined && w.groups.some((g) => g.name === name && g.type === type);
  if (touched && (rule.name === '' || w.rules.some((r) => r !== rule && r.name === rule.name)))
    throw refused('rulesSpec.info.name');
  switch (rule.type) {
    case 'ClusterAffinityRuleSpec':
    case 'ClusterAntiAffinityRuleSpec':
      // A rule between VMs needs two of them at least.
      if (touched && (rule.vms?.length ?? 0) < 2) throw refused('rulesSpec.info.vm');
      return;
    case 'ClusterVmHostRuleInfo': {
      if (!groupNamed(rule.vmGroupName, 'ClusterVmGroup')) throw refused('rulesSpec.info.vmGroupName');
      const { affineHostGroupName: affine, antiAffineHostGroupName: antiAffine } = rule;
      if (affine === undefined && antiAffine === undefined)
        throw refused('rulesSpec.info.affineHostGroupName');
      if (affine !== undefined && !groupNamed(affine, 'ClusterHostGroup'))
        throw refused('rulesSpec.info.affineHostGroupName');
      if (antiAffine !== undefined && !groupNamed(antiAffine, 'ClusterHostGroup'))
        throw refused('rulesSpec.info.antiAffineHostGroupName');
      return;
    }
    case 'ClusterDependencyRuleInfo':
      if (!groupNamed(rule.vmGroup, 'ClusterVmGroup')) throw refused('rulesSpec.info.vmGroup');
      if (!groupNamed(rule.dependsOnVmGroup, 'ClusterVmGroup') || rule.vmGroup === rule.dependsOnVmGroup)
        throw refused('rulesSpec.info.dependsOnVmGroup');
  }
};

/** Per-VM overrides keyed by their VM: `edit` sets the fields given. */
const applyOverrides = (
  tx: Tx,
  cluster: string,
  overrides: ClusterVmOverride[],
  specs: readonly ArrayUpdateSpec[],
  part: string,
): void => {
  for (const spec of specs) {
    const vm = idOf(spec.operation === 'remove' ? spec.removeKey : spec.info?.key, `${part}.info.key`);
    const at = overrides.findIndex((o) => o.vm === vm);
    if (spec.operation === 'remove') {
      if (at < 0) throw refused(`${part}.removeKey`);
      overrides.splice(at, 1);
      continue;
    }
    const { key: _key, ...fields } = fieldsOf(spec.info);
    if (fields.behavior !== undefined && !DRS_BEHAVIORS.has(fields.behavior as string))
      throw refused(`${part}.info.behavior`);
    if (spec.operation === 'add') {
      if (at >= 0 || !isVmOfCluster(tx, vm, cluster)) throw refused(`${part}.info.key`);
      overrides.push({ vm, fields });
    } else {
      const before = overrides[at];
      if (!before) throw refused(`${part}.info.key`);
      overrides[at] = { vm, fields: { ...before.fields, ...fields } };
    }
  }
};

/** The working copy of a cluster's configuration: its own, or the defaults for `modify: false`. */
const workingOf = (cr: ComputeResourceRecord, modify: boolean): Working => {
  const config = cr.config ?? {};
  const lastRuleKey = config.lastRuleKey ?? 0;
  if (!modify)
    return {
      drs: {},
      das: {},
      vmSwapPlacement: undefined,
      groups: [],
      rules: [],
      lastRuleKey,
      drsVmConfig: [],
      dasVmConfig: [],
    };
  return {
    drs: { ...cr.drs },
    das: { ...cr.das },
    vmSwapPlacement: config.vmSwapPlacement,
    groups: [...(config.groups ?? [])],
    rules: [...(config.rules ?? [])],
    lastRuleKey,
    drsVmConfig: [...(config.drsVmConfig ?? [])],
    dasVmConfig: [...(config.dasVmConfig ?? [])],
  };
};

/** The record with the working configuration, empty parts left out. */
const withWorking = (cr: ComputeResourceRecord, w: Working): ComputeResourceRecord => {
  const config: { -readonly [K in keyof ComputeResourceConfig]: ComputeResourceConfig[K] } = {};
  if (w.vmSwapPlacement !== undefined) config.vmSwapPlacement = w.vmSwapPlacement;
  if (w.groups.length > 0) config.groups = w.groups;
  if (w.rules.length > 0) config.rules = w.rules;
  if (w.lastRuleKey > 0) config.lastRuleKey = w.lastRuleKey;
  if (w.drsVmConfig.length > 0) config.drsVmConfig = w.drsVmConfig;
  if (w.dasVmConfig.length > 0) config.dasVmConfig = w.dasVmConfig;
  const { config: _before, ...rest } = cr;
  const out: ComputeResourceRecord = Object.keys(config).length > 0 ? { ...rest, config } : rest;
  return cr.kind === 'ClusterComputeResource' ? { ...out, drs: w.drs, das: w.das } : out;
};

const apply = (
  m: Model,
  tx: Tx,
  cr: ComputeResourceRecord,
  spec: ComputeResourceConfigSpec,
  modify: boolean,
) => {
  const isCluster = cr.kind === 'ClusterComputeResource';
  // A standalone host's compute resource takes no cluster configuration.
  if (!isCluster && spec._type !== undefined && spec._type !== 'ComputeResourceConfigSpec')
    throw refused('spec');
  const w = workingOf(cr, modify);
  if (spec.vmSwapPlacement !== undefined) {
    if (!SWAP_PLACEMENTS.has(spec.vmSwapPlacement)) throw refused('vmSwapPlacement');
    w.vmSwapPlacement = spec.vmSwapPlacement;
  }
  if (!isCluster) return withWorking(cr, w);
  if (spec.drsConfig) w.drs = { ...w.drs, ...fieldsOf(spec.drsConfig) };
  checkDrsConfig(w.drs);
  if (spec.dasConfig) w.das = { ...w.das, ...fieldsOf(spec.dasConfig) };
  applyGroups(tx, cr.id, w, spec.groupSpec ?? []);
  const touched = applyRules(m, tx, cr.id, w, spec.rulesSpec ?? []);
  for (const rule of w.rules) checkRule(w, rule, touched.has(rule.key));
  applyOverrides(tx, cr.id, w.drsVmConfig, spec.drsVmConfigSpec ?? [], 'drsVmConfigSpec');
  applyOverrides(tx, cr.id, w.dasVmConfig, spec.dasVmConfigSpec ?? [], 'dasVmConfigSpec');
  return withWorking(cr, w);
};

export const computeResourceOperations = (m: Model) => {
  const lookup = (ref: Ref, ...kinds: ComputeResourceRecord['kind'][]) =>
    m.lookup<ComputeResourceRecord>(ref, ...kinds);

  /** One reconfiguration task, either method's: the spec applied, ClusterReconfiguredEvent for a cluster. */
  const reconfigureTask = (
    target: ComputeResourceRecord,
    method: string,
    descriptionId: string,
    spec: ComputeResourceConfigSpec,
    modify: boolean,
  ): Task<void> =>
    m.task(
      { method, target: target.id, descriptionId },
      (tx) => {
        const now = current<ComputeResourceRecord>(tx, target.id, target.kind);
        tx.put(apply(m, tx, now, spec, modify));
      },
      () => {
        if (target.kind !== 'ClusterComputeResource') return;
        const cluster = m.store.get(target.id) as ComputeResourceRecord;
        const args = eventArguments(m.store, cluster);
        m.postEvent({
          _type: 'ClusterReconfiguredEvent',
          ...args,
          computeResource: { name: cluster.name, computeResource: moref(cluster.kind, cluster.id) },
          fullFormattedMessage: `Reconfigured cluster ${cluster.name} in datacenter ${args.datacenter?.name ?? ''}`,
        });
      },
    );

  return {
    /**
     * ReconfigureComputeResource_Task: a ComputeResourceConfigSpec on any compute resource
     * (`vmSwapPlacement`), a ClusterConfigSpecEx on a cluster (its DRS and HA configuration,
     * groups, rules and per-VM overrides; InvalidArgument on a standalone host's). The parts
     * the simulator has nothing behind (DPM, vSAN, orchestration, ...) are ignored.
     */
    reconfigure(computeResource: Ref, spec: ComputeResourceConfigSpec, modify: boolean): Task<void> {
      const target = lookup(computeResource, 'ComputeResource', 'ClusterComputeResource');
      return reconfigureTask(
        target,
        'ReconfigureComputeResource_Task',
        `${target.kind}.reconfigureEx`,
        spec,
        modify,
      );
    },

    /**
     * ReconfigureCluster_Task, deprecated since VI API 2.5 for the above: a ClusterConfigSpec
     * (DRS and HA configuration, rules, per-VM overrides), applied the same way.
     */
    reconfigureCluster(cluster: Ref, spec: ComputeResourceConfigSpec, modify: boolean): Task<void> {
      const target = lookup(cluster, 'ClusterComputeResource');
      return reconfigureTask(
        target,
        'ReconfigureCluster_Task',
        'ClusterComputeResource.reconfigure',
        spec,
        modify,
      );
    },

    /**
     * ClusterComputeResource.FindRulesForVm: the rules (ClusterRuleInfo) that name the VM,
     * directly or by one of its groups.
     */
    findRulesForVm(cluster: Ref, vm: Ref): DataObject[] {
      const record = m.lookup<ComputeResourceRecord>(cluster, 'ClusterComputeResource');
      const vmId = m.lookup(vm, 'VirtualMachine').id;
      return rulesForVm(record, vmId).map((rule) => clusterRuleInfo(record, rule, m));
    },

    /**
     * The host DRS recommends for a new VM of the pool, as ClusterComputeResource.PlaceVm names it
     * in its recommendation: the least loaded host of the pool's compute resource that can run
     * VMs now (and mounts `datastore`, when given, where the VM's disks go); undefined when none can.
     * `placed` counts, by host, the VMs the same request placed before (PlaceVmsXCluster's).
     */
    recommendHost(pool: Ref, datastore?: string, placed?: ReadonlyMap<string, number>): string | undefined {
      const record = m.lookup<ResourcePoolRecord>(pool, 'ResourcePool');
      return chooseHost(m, usableHosts(m, m.store, record.owner, datastore), undefined, placed)?.id;
    },
  };
};

export type ComputeResourceOperations = ReturnType<typeof computeResourceOperations>;

/** The rules of a cluster that name a VM, in the rules' order. */
const rulesForVm = (cluster: ComputeResourceRecord, vm: string): ClusterRule[] => {
  const groups = new Set(
    (cluster.config?.groups ?? []).filter((g) => g.members.includes(vm)).map((g) => g.name),
  );
  const inGroup = (name: string | undefined) => name !== undefined && groups.has(name);
  return (cluster.config?.rules ?? []).filter(
    (r) => r.vms?.includes(vm) || inGroup(r.vmGroupName) || inGroup(r.vmGroup) || inGroup(r.dependsOnVmGroup),
  );
};

/** The configuration without the members `keep` refuses; the same object when none is dropped. */
const prunedConfig = (
  config: ComputeResourceConfig,
  keep: (id: string) => boolean,
): ComputeResourceConfig => {
  let changed = false;
  const members = (ids: readonly string[]) => {
    const left = ids.filter(keep);
    if (left.length !== ids.length) changed = true;
    return left;
  };
  const groups = config.groups?.map((g) => ({ ...g, members: members(g.members) }));
  const rules = config.rules?.map((r) => (r.vms ? { ...r, vms: members(r.vms) } : r));
  const overrides = (list: readonly ClusterVmOverride[] | undefined) => {
    const left = list?.filter((o) => keep(o.vm));
    if (left && list && left.length !== list.length) changed = true;
    return left;
  };
  const drsVmConfig = overrides(config.drsVmConfig);
  const dasVmConfig = overrides(config.dasVmConfig);
  if (!changed) return config;
  return {
    ...config,
    ...(groups ? { groups } : {}),
    ...(rules ? { rules } : {}),
    ...(drsVmConfig ? { drsVmConfig } : {}),
    ...(dasVmConfig ? { dasVmConfig } : {}),
  };
};

/** Whether a transaction wrote or removed a VM or a host. */
const wroteVmOrHost = (tx: Tx): boolean => {
  for (const id of tx.writes.keys()) {
    const record = tx.get(id);
    if (record === undefined || record.kind === 'VirtualMachine' || record.kind === 'HostSystem') return true;
  }
  return false;
};

/**
 * A write hook (Model.onWrite): whatever operation removes a VM or a host, or moves one out of
 * a cluster, it leaves that cluster's groups, rules and overrides in the same transaction. A rule
 * left with fewer VMs than it needs stays, as the reference leaves it to DRS to report.
 */
export const leaveClusterConfig =
  (m: Model) =>
  (tx: Tx): void => {
    // Looked at only once a cluster has a configuration: most inventories have none.
    let moved: boolean | undefined;
    for (const stored of m.store.ofKind<ComputeResourceRecord>('ClusterComputeResource')) {
      if (!stored.config) continue;
      moved ??= wroteVmOrHost(tx);
      if (!moved) return;
      const cluster = tx.get(stored.id) as ComputeResourceRecord | undefined;
      if (!cluster?.config) continue;
      const keep = (id: string) => isVmOfCluster(tx, id, cluster.id) || isHostOfCluster(tx, id, cluster.id);
      const config = prunedConfig(cluster.config, keep);
      if (config !== cluster.config) tx.put({ ...cluster, config });
    }
  };
