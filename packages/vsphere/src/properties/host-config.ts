/**
 * The managers a host's `configManager` names (HostDatastoreSystem, HostNetworkSystem,
 * HostServiceSystem, HostDateTimeSystem, HostFirewallSystem) and their properties.
 */
import {
  type FirewallRulesetState,
  HOST_MANAGER_FIELDS,
  HOST_MANAGER_KINDS,
  type HostDateTimeSystemRecord,
  type HostFirewallSystemRecord,
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

/** The one time zone ESXi has: QueryAvailableTimeZones answers it alone. */
export const UTC_TIME_ZONE = {
  _type: 'HostDateTimeSystemTimeZone',
  key: 'UTC',
  name: 'UTC',
  description: 'UTC',
  gmtOffset: 0,
} as const;

export const hostDateTimeSystemProperties: PropertyTable<HostDateTimeSystemRecord> = {
  dateTimeInfo: (system) => ({
    _type: 'HostDateTimeInfo',
    timeZone: { ...UTC_TIME_ZONE },
    ntpConfig: {
      _type: 'HostNtpConfig',
      server: [...(system.ntpServers ?? [])],
      ...(system.ntpConfigFile ? { configFile: [...system.ntpConfigFile] } : {}),
    },
  }),
};

/** The time a host's clock shows: the simulator's, moved by what UpdateDateTime set. */
export const hostDateTime = (
  ctx: Pick<ReadContext, 'clock'>,
  system: Pick<HostDateTimeSystemRecord, 'clockOffset'>,
): string => iso(ctx.clock.now() + (system.clockOffset ?? 0)) as string;

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

/** A ruleset's state: as a client left it, else as the host boots it (open to every address). */
export const rulesetState = (
  system: HostFirewallSystemRecord,
  key: string,
): FirewallRulesetState | undefined => {
  const changed = system.rulesets?.find((r) => r.key === key);
  if (changed) return changed;
  const known = RULESETS.find(([k]) => k === key);
  return known && { key, enabled: known[3] };
};

/** The service that uses a ruleset, if any. */
export const rulesetService = (key: string): string | undefined =>
  HOST_SERVICES.find(([, , sets]) => sets.includes(key))?.[0];

/** The rulesets a service uses. */
export const serviceRulesets = (service: string): readonly string[] =>
  HOST_SERVICES.find(([key]) => key === service)?.[2] ?? [];

const ALL_HOSTS = { _type: 'HostFirewallRulesetIpList', allIp: true };

/** HostFirewallDefaultPolicy: as a client left it, else both directions blocked, as ESXi boots. */
export const defaultFirewallPolicy = (system: HostFirewallSystemRecord) =>
  system.defaultPolicy ?? { incomingBlocked: true, outgoingBlocked: true };

export const hostFirewallSystemProperties: PropertyTable<HostFirewallSystemRecord> = {
  firewallInfo: (system) => ({
    _type: 'HostFirewallInfo',
    defaultPolicy: {
      _type: 'HostFirewallDefaultPolicy',
      ...defaultFirewallPolicy(system),
    },
    ruleset: RULESETS.map(([key, label, rules]) => {
      const service = rulesetService(key);
      const state = rulesetState(system, key) as FirewallRulesetState;
      return {
        _type: 'HostFirewallRuleset',
        key,
        label,
        required: false,
        rule: rules,
        ...(service ? { service } : {}),
        enabled: state.enabled,
        allowedHosts: state.allowedHosts ?? ALL_HOSTS,
      };
    }),
  }),
  value: entityProperties.value as PropertyTable<HostFirewallSystemRecord>[string],
  availableField: entityProperties.availableField as PropertyTable<HostFirewallSystemRecord>[string],
};
