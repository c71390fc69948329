/**
 * HostDateTimeSystem: a host's clock, an offset from the simulator's (so it advances with
 * `advance()`), and its NTP configuration, as govc's `host.date.change` and `host.date.info`
 * use them.
 */
import { faults } from '../faults.js';
import type { DataObject, HostDateTimeSystemRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { hostDateTime, UTC_TIME_ZONE } from '../properties/host-config.js';
import { callOn } from './entity.js';

/** HostDateTimeConfig as a client sends it. */
export interface HostDateTimeConfig {
  readonly timeZone?: string;
  readonly ntpConfig?: { readonly server?: readonly string[]; readonly configFile?: readonly string[] };
}

/** An ntp.conf line: its command, and the line with what follows a `#` dropped. */
const ntpLine = (line: string) => {
  const text = line.split('#')[0]?.trim() ?? '';
  return { text, command: text.split(/\s+/)[0] ?? '' };
};

/**
 * The servers and ntp.conf a HostNtpConfig leaves: a configFile is kept but for its `restrict`
 * and `driftfile` lines, which ESXi fixes, and its `server` lines are the servers; else the
 * servers as given, comments dropped; neither resets the servers.
 */
const ntpSettings = (ntp: NonNullable<HostDateTimeConfig['ntpConfig']>) => {
  if (ntp.configFile && ntp.configFile.length > 0) {
    const kept = ntp.configFile.filter((line) => !['restrict', 'driftfile'].includes(ntpLine(line).command));
    const servers = kept
      .map(ntpLine)
      .filter((l) => l.command === 'server')
      .map((l) => l.text.slice('server'.length).trim());
    if (servers.some((s) => s === '')) throw faults.invalidArgument('config.ntpConfig.configFile');
    return { ntpServers: servers, ntpConfigFile: kept } as const;
  }
  const servers = (ntp.server ?? []).map((s) => ntpLine(s).text);
  if (servers.some((s) => s === '')) throw faults.invalidArgument('config.ntpConfig.server');
  return { ntpServers: servers };
};

export const hostDateTimeSystemOperations = (m: Model) => {
  const systemOf = (ref: Ref) => m.lookup<HostDateTimeSystemRecord>(ref, 'HostDateTimeSystem');

  /** Writes what `change` makes of the manager; nothing when that is the manager as it was. */
  const update = (
    method: string,
    system: Ref,
    change: (self: HostDateTimeSystemRecord) => HostDateTimeSystemRecord,
  ) =>
    callOn<HostDateTimeSystemRecord>(m, method, system, 'HostDateTimeSystem', (tx, self) => {
      const next = change(self);
      if (next !== self) tx.put(next);
    });

  return {
    /** QueryDateTime: the simulator's clock plus what UpdateDateTime set. */
    queryDateTime(system: Ref): string {
      return hostDateTime(m, systemOf(system));
    },
    /** UpdateDateTime: the host's clock shows `dateTime` now and advances from there. */
    updateDateTime(system: Ref, dateTime: string | Date): void {
      const at = dateTime instanceof Date ? dateTime.getTime() : Date.parse(dateTime);
      if (Number.isNaN(at)) throw faults.invalidArgument('dateTime');
      update('UpdateDateTime', system, (self) => ({ ...self, clockOffset: at - m.clock.now() }));
    },
    /**
     * UpdateDateTimeConfig: the fields given change. ESXi keeps its clock in UTC, the one zone
     * QueryAvailableTimeZones lists: another is HostConfigFault.
     */
    updateConfig(system: Ref, config: HostDateTimeConfig): void {
      if (config.timeZone !== undefined && config.timeZone !== UTC_TIME_ZONE.key)
        throw faults.hostConfigFault(`The time zone '${config.timeZone}' is not available on the host.`);
      const ntp = config.ntpConfig && ntpSettings(config.ntpConfig);
      update('UpdateDateTimeConfig', system, (self) => {
        if (!ntp) return self;
        const { ntpConfigFile: _, ...rest } = self;
        return { ...rest, ...ntp };
      });
    },
    /** QueryAvailableTimeZones: UTC alone, as ESXi answers. */
    availableTimeZones(system: Ref): DataObject[] {
      systemOf(system);
      return [{ ...UTC_TIME_ZONE }];
    },
    /** RefreshDateTimeSystem: nothing changes behind the simulator's back. */
    refresh(system: Ref): void {
      callOn(m, 'RefreshDateTimeSystem', system, 'HostDateTimeSystem', () => undefined);
    },
  };
};

export type HostDateTimeSystemOperations = ReturnType<typeof hostDateTimeSystemOperations>;
