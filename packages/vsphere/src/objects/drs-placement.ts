/**
 * The host DRS chooses for a VM: the least loaded of the candidates, off the hosts a mandatory
 * VM-host rule forbids and on the ones that meet most of its other enabled rules (should-run
 * rules, affinity, anti-affinity). Every placement path picks its host here; power-on,
 * migration and relocation move a VM an automated DRS cluster's rules keep off its host, or
 * refuse as vCenter does.
 */

import { faults } from '../faults.js';
import type { ClusterRule } from '../inventory/cluster-config.js';
import type { ComputeResourceRecord, HostRecord, VmRecord } from '../inventory/records.js';
import type { Model, Tx } from '../model.js';

/** What a DRS cluster's enabled rules ask of the hosts one VM runs on. */
export interface DrsRulesForVm {
  /** Whether a mandatory VM-host rule keeps the VM off the host. */
  readonly forbids: (host: string) => boolean;
  /** How many of the VM's other enabled rules running on the host meets. */
  readonly preference: (host: string) => number;
}

/** The hosts the powered-on VMs among `vms` other than `self` run on. */
const hostsOfRunning = (tx: Pick<Tx, 'get'>, vms: readonly string[], self: string): Set<string> => {
  const hosts = new Set<string>();
  for (const id of vms) {
    const vm = tx.get(id);
    if (id !== self && vm?.kind === 'VirtualMachine' && vm.powerState === 'poweredOn' && vm.host)
      hosts.add(vm.host);
  }
  return hosts;
};

/**
 * The enabled rules of a DRS-enabled cluster that name the VM, directly or by one of its
 * groups; undefined when none does, checked first (most clusters have no rules).
 */
export const drsRulesForVm = (
  tx: Pick<Tx, 'get'>,
  cluster: ComputeResourceRecord,
  vm: string,
): DrsRulesForVm | undefined => {
  const rules = cluster.config?.rules;
  if (!cluster.drs?.enabled || !rules?.length) return undefined;
  const groups = cluster.config?.groups ?? [];
  const membersOf = (name: string | undefined) => groups.find((g) => g.name === name)?.members ?? [];
  const mandatory: ((host: string) => boolean)[] = [];
  const preferred: ((host: string) => boolean)[] = [];
  const add = (rule: ClusterRule, meets: (host: string) => boolean) =>
    (rule.mandatory && rule.type === 'ClusterVmHostRuleInfo' ? mandatory : preferred).push(meets);
  for (const rule of rules) {
    if (!rule.enabled) continue;
    if (rule.type === 'ClusterVmHostRuleInfo' && membersOf(rule.vmGroupName).includes(vm)) {
      const affine = rule.affineHostGroupName === undefined ? undefined : membersOf(rule.affineHostGroupName);
      const antiAffine = membersOf(rule.antiAffineHostGroupName);
      add(rule, (host) => (affine === undefined || affine.includes(host)) && !antiAffine.includes(host));
    } else if (rule.type === 'ClusterAffinityRuleSpec' && rule.vms?.includes(vm)) {
      const together = hostsOfRunning(tx, rule.vms, vm);
      add(rule, (host) => together.size === 0 || together.has(host));
    } else if (rule.type === 'ClusterAntiAffinityRuleSpec' && rule.vms?.includes(vm)) {
      const apart = hostsOfRunning(tx, rule.vms, vm);
      add(rule, (host) => !apart.has(host));
    }
  }
  if (mandatory.length === 0 && preferred.length === 0) return undefined;
  return {
    forbids: (host) => !mandatory.every((meets) => meets(host)),
    preference: (host) => preferred.filter((meets) => meets(host)).length,
  };
};

/**
 * The host DRS picks among `candidates`: without rules the one with the fewest VMs (ties by
 * order); with them, of the hosts no mandatory rule forbids, the one meeting most of the other
 * rules, then the fewest VMs (with those `placed` there before it by the same request).
 * Undefined when there is no candidate or the rules forbid them all.
 */
export const chooseHost = (
  m: Model,
  candidates: Iterable<HostRecord>,
  rules?: DrsRulesForVm,
  placed?: ReadonlyMap<string, number>,
): HostRecord | undefined => {
  let best: HostRecord | undefined;
  let bestPreference = 0;
  let fewest = Number.POSITIVE_INFINITY;
  for (const host of candidates) {
    if (rules?.forbids(host.id)) continue;
    const preference = rules ? rules.preference(host.id) : 0;
    const vms = m.store.referrerCount('vm', host.id) + (placed?.get(host.id) ?? 0);
    if (best === undefined || preference > bestPreference || (preference === bestPreference && vms < fewest))
      [best, bestPreference, fewest] = [host, preference, vms];
  }
  return best;
};

/** The DRS automation level for a VM: its override's `behavior`, else the cluster's default. */
const behaviorOf = (cluster: ComputeResourceRecord, vm: string): unknown => {
  const override = cluster.config?.drsVmConfig?.find((o) => o.vm === vm)?.fields;
  if (override?.enabled === false) return 'manual';
  return override?.behavior ?? cluster.drs?.defaultVmBehavior ?? 'fullyAutomated';
};

/** Whether a host can take a VM now: connected, powered on (not in standby) and out of maintenance. */
export const canRunVms = (host: HostRecord): boolean =>
  host.connectionState === 'connected' && host.powerState === 'poweredOn' && !host.inMaintenanceMode;

/**
 * The hosts of the compute resource `owner` every placement picks among: those that can take a
 * VM now (`canRunVms`) and, when `datastore` is given, mount it. One pass, one array: library
 * deployments place through here.
 */
export const usableHosts = (
  m: Model,
  tx: Pick<Tx, 'get'>,
  owner: string,
  datastore?: string,
): HostRecord[] => {
  const hosts: HostRecord[] = [];
  for (const id of m.store.referrers('childEntity', owner)) {
    const host = tx.get(id);
    if (
      host?.kind === 'HostSystem' &&
      canRunVms(host) &&
      (datastore === undefined || host.datastores.includes(datastore))
    )
      hosts.push(host);
  }
  return hosts;
};

/** How DRS treats the host a VM is about to run on. */
interface HostCheck {
  /** Whether the client named the host (DRS then never picks another). */
  readonly named: boolean;
  /** The datastore the VM's files are on once it is there. */
  readonly datastore: string;
  /** Whether DRS also moves a VM whose host meets fewer of its other rules (initial placement). */
  readonly placesByPreference: boolean;
}

/**
 * `host`, or the host DRS puts the VM on instead: in a DRS cluster whose enabled rules name the
 * VM, with no host named and its automation fully or partially automated, the host `chooseHost`
 * prefers when a mandatory VM-host rule forbids `host` (or, placing by preference, when `host`
 * meets fewer rules); a forbidden host left is refused with VmHostAffinityRuleViolation.
 */
const hostByRules = (m: Model, tx: Tx, vm: VmRecord, host: HostRecord, check: HostCheck): HostRecord => {
  const cluster =
    host.parent === undefined ? undefined : (tx.get(host.parent) as ComputeResourceRecord | undefined);
  const rules = cluster?.kind === 'ClusterComputeResource' ? drsRulesForVm(tx, cluster, vm.id) : undefined;
  if (!cluster || !rules) return host;
  const forbidden = rules.forbids(host.id);
  // Chosen only when it may be used: a migration keeps an allowed host whatever DRS would pick.
  if (!check.named && (forbidden || check.placesByPreference) && behaviorOf(cluster, vm.id) !== 'manual') {
    const best = chooseHost(m, usableHosts(m, tx, cluster.id, check.datastore), rules);
    if (best && (forbidden || rules.preference(best.id) > rules.preference(host.id))) return best;
  }
  if (forbidden) throw faults.vmHostAffinityRuleViolation(vm.name, host.name);
  return host;
};

/**
 * The host a VM powers on on: the one named, else its own, or the one DRS's initial placement
 * prefers (`hostByRules`, placing by preference).
 */
export const powerOnHost = (
  m: Model,
  tx: Tx,
  vm: VmRecord,
  named: string | undefined,
): HostRecord | undefined => {
  const host = tx.get(named ?? vm.host ?? '') as HostRecord | undefined;
  return (
    host &&
    hostByRules(m, tx, vm, host, {
      named: named !== undefined,
      datastore: vm.homeDatastore,
      placesByPreference: true,
    })
  );
};

/**
 * The host a migration or relocation ends on: `host` (the one named, else the one placement
 * kept or chose), unless DRS must take the VM off a host a mandatory rule forbids
 * (`hostByRules`, moving it only then).
 */
export const migrationHost = (
  m: Model,
  tx: Tx,
  vm: VmRecord,
  host: HostRecord,
  check: Omit<HostCheck, 'placesByPreference'>,
): HostRecord => hostByRules(m, tx, vm, host, { ...check, placesByPreference: false });
