/**
 * HostFirewallSystem: a host's firewall rulesets opened and closed, the addresses a ruleset
 * admits, and the default policy, as govc's `firewall.ruleset.find` reads them back.
 */
import { isIp, isIpv4 } from '../core/addresses.js';
import { withKeyed } from '../core/arrays.js';
import { faults } from '../faults.js';
import {
  type DataObject,
  type FirewallRulesetState,
  type HostFirewallSystemRecord,
  type HostServiceSystemRecord,
  hostManagerIdOf,
} from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';
import {
  defaultFirewallPolicy,
  rulesetService,
  rulesetState,
  serviceRulesets,
  serviceState,
} from '../properties/host-config.js';
import { callOn, current } from './entity.js';

/** HostFirewallRulesetIpList as a client sends it. */
export interface RulesetIpList {
  readonly ipAddress?: readonly string[];
  readonly ipNetwork?: readonly { readonly network: string; readonly prefixLength: number }[];
  readonly allIp?: boolean;
}

/** The list as the host keeps it; InvalidArgument for an address or a network that is none. */
const allowedHostsOf = (list: RulesetIpList | undefined): DataObject => {
  if (!list) throw faults.invalidArgument('spec.allowedHosts');
  const ipAddress = list.ipAddress ?? [];
  if (!ipAddress.every(isIp)) throw faults.invalidArgument('spec.allowedHosts.ipAddress');
  const ipNetwork = (list.ipNetwork ?? []).map(({ network, prefixLength }) => {
    const bits = isIpv4(network) ? 32 : 128;
    if (!isIp(network) || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits)
      throw faults.invalidArgument('spec.allowedHosts.ipNetwork');
    return { _type: 'HostFirewallRulesetIpNetwork', network, prefixLength };
  });
  return {
    _type: 'HostFirewallRulesetIpList',
    ...(ipAddress.length > 0 ? { ipAddress: [...ipAddress] } : {}),
    ...(ipNetwork.length > 0 ? { ipNetwork } : {}),
    allIp: list.allIp === true,
  } as DataObject;
};

export const hostFirewallSystemOperations = (m: Model) => {
  /**
   * The reference's second sentence for Enable/DisableRuleset: a service whose policy is
   * `automatic` starts when one of its rulesets opens and stops when the last one closes.
   */
  const followService = (tx: Tx, self: HostFirewallSystemRecord, key: string) => {
    const service = rulesetService(key);
    if (!service) return;
    const services = current<HostServiceSystemRecord>(
      tx,
      hostManagerIdOf('HostServiceSystem', self.owner),
      'HostServiceSystem',
    );
    const state = serviceState(services, service);
    if (state?.policy !== 'automatic') return;
    const running = serviceRulesets(service).some((r) => rulesetState(self, r)?.enabled);
    if (running === state.running) return;
    tx.put({ ...services, services: withKeyed(services.services, { ...state, running }) });
  };

  /** Sets what `change` makes of a ruleset; NotFound for one the host does not have. */
  const updateRuleset = (
    method: string,
    system: Ref,
    id: string,
    change: (r: FirewallRulesetState) => FirewallRulesetState,
  ) => {
    callOn<HostFirewallSystemRecord>(m, method, system, 'HostFirewallSystem', (tx, self) => {
      const state = rulesetState(self, id);
      if (!state) throw faults.notFound(`The host has no firewall ruleset '${id}'.`);
      const changed = change(state);
      const next = { ...self, rulesets: withKeyed(self.rulesets, changed) };
      tx.put(next);
      if (state.enabled !== changed.enabled) followService(tx, next, id);
    });
  };

  return {
    enableRuleset(system: Ref, id: string): void {
      updateRuleset('EnableRuleset', system, id, (r) => ({ ...r, enabled: true }));
    },
    disableRuleset(system: Ref, id: string): void {
      updateRuleset('DisableRuleset', system, id, (r) => ({ ...r, enabled: false }));
    },
    /** UpdateRuleset: the ruleset admits the spec's `allowedHosts`. */
    updateRuleset(system: Ref, id: string, spec: { readonly allowedHosts?: RulesetIpList }): void {
      const allowedHosts = allowedHostsOf(spec.allowedHosts);
      updateRuleset('UpdateRuleset', system, id, (r) => ({ ...r, allowedHosts }));
    },
    /** UpdateDefaultPolicy: the fields given change, the others are left as they are. */
    updateDefaultPolicy(
      system: Ref,
      policy: { readonly incomingBlocked?: boolean; readonly outgoingBlocked?: boolean },
    ): void {
      callOn<HostFirewallSystemRecord>(m, 'UpdateDefaultPolicy', system, 'HostFirewallSystem', (tx, self) => {
        const was = defaultFirewallPolicy(self);
        const defaultPolicy = {
          incomingBlocked: policy.incomingBlocked ?? was.incomingBlocked,
          outgoingBlocked: policy.outgoingBlocked ?? was.outgoingBlocked,
        };
        tx.put({ ...self, defaultPolicy });
      });
    },
    /** RefreshFirewall: nothing changes behind the simulator's back. */
    refresh(system: Ref): void {
      callOn(m, 'RefreshFirewall', system, 'HostFirewallSystem', () => undefined);
    },
  };
};

export type HostFirewallSystemOperations = ReturnType<typeof hostFirewallSystemOperations>;
