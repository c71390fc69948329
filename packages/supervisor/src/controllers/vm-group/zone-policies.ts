/**
 * vm-operator's VMPlacementPolicies, as DRS applies them to a group's placement: a VM's labels
 * are its vSphere tags (`key:value` in the category of its namespace; vm-operator's own labels
 * are not), and the zone terms of its `spec.affinity` name tags, `matchLabels` and `In`
 * expressions alike. VM affinity (VmVmAffinity) puts the VM in a zone of the VMs a tag names;
 * VM anti-affinity (VmToVmGroupsAntiAffinity) in a zone without any of them. Required terms must
 * hold; preferred ones are kept when some zone allows them.
 */
import { VM_OPERATOR_DOMAIN, ZONE_LABEL } from '../../api/annotations.js';
import type { VirtualMachine, VMAffinityTerm } from '../../api/types.js';

/** The tags of each rule of a VM, required and preferred. */
export interface ZoneRules {
  readonly required: { readonly with: readonly string[]; readonly apart: readonly string[] };
  readonly preferred: { readonly with: readonly string[]; readonly apart: readonly string[] };
}

/** A VM's tags: its labels but vm-operator's, which make no tags. */
export const tagsOf = (vm: VirtualMachine): string[] =>
  Object.entries(vm.metadata.labels ?? {})
    .filter(([key]) => !key.includes(VM_OPERATOR_DOMAIN))
    .map(([key, value]) => `${key}:${value}`);

/** The tags of the zone terms (vm-operator skips another topology, and a selector other than `In`). */
function termTags(terms: readonly VMAffinityTerm[] | undefined): string[] {
  const tags: string[] = [];
  for (const term of terms ?? []) {
    if (term.topologyKey !== ZONE_LABEL) continue;
    const selector = term.labelSelector;
    const expressions = selector?.matchExpressions ?? [];
    if (expressions.some((e) => e.operator !== 'In')) continue;
    const labels = [
      ...Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}:${value}`),
      ...expressions.flatMap((e) => (e.values ?? []).map((value) => `${e.key}:${value}`)),
    ];
    tags.push(...labels.sort());
  }
  return tags;
}

/** The VM's zone rules; undefined for a VM without any. */
export function zoneRulesOf(vm: VirtualMachine): ZoneRules | undefined {
  const affinity = vm.spec?.affinity;
  if (!affinity) return undefined;
  const rules: ZoneRules = {
    required: {
      with: termTags(affinity.vmAffinity?.requiredDuringSchedulingPreferredDuringExecution),
      apart: termTags(affinity.vmAntiAffinity?.requiredDuringSchedulingPreferredDuringExecution),
    },
    preferred: {
      with: termTags(affinity.vmAffinity?.preferredDuringSchedulingPreferredDuringExecution),
      apart: termTags(affinity.vmAntiAffinity?.preferredDuringSchedulingPreferredDuringExecution),
    },
  };
  const any = [rules.required, rules.preferred].some((r) => r.with.length > 0 || r.apart.length > 0);
  return any ? rules : undefined;
}

/** The zones the VMs of each tag are in, as DRS sees them: placed VMs alone. */
export class TaggedZones {
  readonly #zones = new Map<string, Set<string>>();

  add(vm: VirtualMachine, zone: string): void {
    for (const tag of tagsOf(vm)) {
      const zones = this.#zones.get(tag);
      if (zones) zones.add(zone);
      else this.#zones.set(tag, new Set([zone]));
    }
  }

  #allows(zone: string, rule: ZoneRules['required']): boolean {
    // With the VMs of each tag where there are any; away from all of every other.
    for (const tag of rule.with) {
      const zones = this.#zones.get(tag);
      if (zones && !zones.has(zone)) return false;
    }
    return rule.apart.every((tag) => !this.#zones.get(tag)?.has(zone));
  }

  /** The zones the rules allow, the preferred terms kept where some zone allows them too. */
  allowed(zones: readonly string[], rules: ZoneRules): string[] {
    const required = zones.filter((zone) => this.#allows(zone, rules.required));
    const preferred = required.filter((zone) => this.#allows(zone, rules.preferred));
    return preferred.length > 0 ? preferred : required;
  }
}
