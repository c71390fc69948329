/**
 * The managers a host's `configManager` names (HostDatastoreSystem, HostNetworkSystem,
 * HostServiceSystem, HostDateTimeSystem, HostFirewallSystem) and their properties.
 */
import {
  HOST_MANAGER_FIELDS,
  HOST_MANAGER_KINDS,
  type HostManagerRecord,
  type HostRecord,
  type HostServiceState,
  type HostServiceSystemRecord,
  hostManagerIdOf,
} from '../inventory/records.js';
import { iso, type PropertyTable, type ReadContext, refOf, refsOf } from './context.js';
import { entityProperties } from './entity.js';

/** HostSystem.configManager: the managers the simulator has; the others are left unset. */
export const configManager = (host: HostRecord, ctx: ReadContext) => {
  const out: Record<string, unknown> = { _type: 'HostConfigManager' };
  for (const kind of HOST_MANAGER_KINDS) {
    const ref = refOf(ctx, hostManagerIdOf(kind, host.id));
    if (ref) out[HOST_MANAGER_FIELDS[kind]] = ref;
  }
  return out;
};

const hostOf = (manager: HostManagerRecord, ctx: ReadContext) =>
  ctx.store.get(manager.owner) as HostRecord | undefined;

export const hostDatastoreSystemProperties: PropertyTable<HostManagerRecord> = {
  datastore: (system, ctx) => refsOf(ctx, hostOf(system, ctx)?.datastores ?? []),
  capabilities: () => ({
    _type: 'HostDatastoreSystemCapabilities',
    nfsMountCreationRequired: true,
    nfsMountCreationSupported: true,
    // CreateLocalDatastore is served, so the host says it may.
    localDatastoreSupported: true,
    vmfsExtentExpansionSupported: true,
  }),
};

/** A service a host runs, as ESXi boots it: key, label, firewall rulesets, running, policy. */
type HostServiceDefault = readonly [
  key: string,
  label: string,
  rulesets: readonly string[],
  running: boolean,
];

const HOST_SERVICES: readonly HostServiceDefault[] = [
  ['DCUI', 'Direct Console UI', [], true],
  ['TSM', 'ESXi Shell', [], false],
  ['TSM-SSH', 'SSH', ['sshServer'], false],
  ['ntpd', 'NTP Daemon', ['ntpClient'], false],
  ['vpxa', 'VMware vCenter Agent', ['vpxHeartbeats'], true],
];

/** A service's state: as a client left it, else as the host boots it. */
export const serviceState = (system: HostServiceSystemRecord, key: string): HostServiceState | undefined => {
  const changed = system.services?.find((s) => s.key === key);
  if (changed) return changed;
  const known = HOST_SERVICES.find(([k]) => k === key);
  return known && { key, running: known[3], policy: known[3] ? 'on' : 'off' };
};

export const hostServiceSystemProperties: PropertyTable<HostServiceSystemRecord> = {
  serviceInfo: (system) => ({
    _type: 'HostServiceInfo',
    service: HOST_SERVICES.map(([key, label, ruleset]) => {
      const state = serviceState(system, key) as HostServiceState;
      return {
        _type: 'HostService',
        key,
        label,
        required: false,
        uninstallable: false,
        running: state.running,
        ruleset: [...ruleset],
        policy: state.policy,
      };
    }),
  }),
  value: entityProperties.value as PropertyTable<HostServiceSystemRecord>[string],
  availableField: entityProperties.availableField as PropertyTable<HostServiceSystemRecord>[string],
};

export const hostDateTimeSystemProperties: PropertyTable<HostManagerRecord> = {
  dateTimeInfo: () => ({
    _type: 'HostDateTimeInfo',
    timeZone: {
      _type: 'HostDateTimeSystemTimeZone',
      key: 'UTC',
      name: 'UTC',
      description: 'UTC',
      gmtOffset: 0,
    },
    ntpConfig: { _type: 'HostNtpConfig', server: [] },
  }),
};

/** The time a host's clock shows: the simulator's. */
export const hostDateTime = (ctx: Pick<ReadContext, 'clock'>): string => iso(ctx.clock.now()) as string;

const rule = (port: number, direction: 'inbound' | 'outbound', protocol: 'tcp' | 'udp') => ({
  _type: 'HostFirewallRule',
  port,
  direction,
  portType: 'dst',
  protocol,
});

/** The rulesets of ESXi's firewall that the services above name, and a few more every host has. */
const RULESETS: readonly (readonly [
  key: string,
  label: string,
  rules: readonly object[],
  enabled: boolean,
])[] = [
  ['sshServer', 'SSH Server', [rule(22, 'inbound', 'tcp')], true],
  ['sshClient', 'SSH Client', [rule(22, 'outbound', 'tcp')], false],
  ['ntpClient', 'NTP Client', [rule(123, 'outbound', 'udp')], false],
  ['vpxHeartbeats', 'VMware vCenter Agent', [rule(902, 'outbound', 'udp')], true],
  ['webAccess', 'vSphere Web Access', [rule(80, 'inbound', 'tcp')], true],
];

export const hostFirewallSystemProperties: PropertyTable<HostManagerRecord> = {
  firewallInfo: () => ({
    _type: 'HostFirewallInfo',
    defaultPolicy: { _type: 'HostFirewallDefaultPolicy', incomingBlocked: true, outgoingBlocked: true },
    ruleset: RULESETS.map(([key, label, rules, enabled]) => {
      const service = HOST_SERVICES.find(([, , sets]) => sets.includes(key))?.[0];
      return {
        _type: 'HostFirewallRuleset',
        key,
        label,
        required: false,
        rule: rules,
        ...(service ? { service } : {}),
        enabled,
      };
    }),
  }),
  value: entityProperties.value as PropertyTable<HostManagerRecord>[string],
  availableField: entityProperties.availableField as PropertyTable<HostManagerRecord>[string],
};
