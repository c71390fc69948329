/**
 * The host DRS chooses for a VM: the least loaded of the candidates, off the hosts a mandatory
 * VM-host rule forbids and on the ones that meet most of its other enabled rules (should-run
 * rules, affinity, anti-affinity). Every placement path picks its host here; power-on moves a
 * VM an automated DRS cluster's rules keep off its host, or refuses as vCenter does.
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
 * rules, then the fewest VMs. Undefined when there is no candidate or the rules forbid them all.
 */
export const chooseHost = (
  m: Model,
  candidates: Iterable<HostRecord>,
  rules?: DrsRulesForVm,
): HostRecord | undefined => {
  let best: HostRecord | undefined;
  let bestPreference = 0;
  let fewest = Number.POSITIVE_INFINITY;
  for (const host of candidates) {
    if (rules?.forbids(host.id)) continue;
    const preference = rules ? rules.preference(host.id) : 0;
    const vms = m.store.referrerCount('vm', host.id);
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

/**
 * The host a VM powers on on: the one named, else its own. In a DRS cluster whose enabled
 * rules name the VM, with no host named and initial placement automated (fully or partially
 * automated), DRS moves it to the host `chooseHost` prefers when its own meets fewer rules;
 * a host a mandatory VM-host rule forbids is refused with VmHostAffinityRuleViolation.
 */
export const powerOnHost = (
  m: Model,
  tx: Tx,
  vm: VmRecord,
  named: string | undefined,
): HostRecord | undefined => {
  const host = tx.get(named ?? vm.host ?? '') as HostRecord | undefined;
  const cluster =
    host?.parent === undefined ? undefined : (tx.get(host.parent) as ComputeResourceRecord | undefined);
  const rules = cluster?.kind === 'ClusterComputeResource' ? drsRulesForVm(tx, cluster, vm.id) : undefined;
  if (!host || !cluster || !rules) return host;
  const automated = named === undefined && behaviorOf(cluster, vm.id) !== 'manual';
  if (automated) {
    const candidates = [...m.store.referrers('childEntity', cluster.id)]
      .map((id) => tx.get(id))
      .filter(
        (h): h is HostRecord =>
          h?.kind === 'HostSystem' &&
          h.connectionState === 'connected' &&
          !h.inMaintenanceMode &&
          h.datastores.includes(vm.homeDatastore),
      );
    const best = chooseHost(m, candidates, rules);
    const stays = !rules.forbids(host.id) && best && rules.preference(host.id) >= rules.preference(best.id);
    if (best && !stays) return best;
  }
  if (rules.forbids(host.id)) throw faults.vmHostAffinityRuleViolation(vm.name, host.name);
  return host;
};
