import { describe, expect, it } from 'vitest';
import type { HostRecord } from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { saveState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

interface DateTimeInfo {
  timeZone: { key: string; gmtOffset: number };
  ntpConfig: { server: string[]; configFile?: string[] };
}

const setup = () => {
  const fixture = createFixture();
  const host = fixture.at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
  const managerOf = (h: HostRecord) =>
    fixture.vsphere.read<{ dateTimeSystem: MoRef }>(h.id, 'configManager').dateTimeSystem;
  const system = managerOf(host);
  const other = managerOf(fixture.at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1'));
  const info = (on = system) => fixture.vsphere.read<DateTimeInfo>(on, 'dateTimeInfo');
  const snapshot = () => [...fixture.vsphere.store.values()];
  return { ...fixture, system, other, info, snapshot };
};

describe('HostDateTimeSystem', () => {
  it('sets the host clock with UpdateDateTime; it goes on advancing with the simulator', async () => {
    const { vsphere, system, other, later } = setup();
    const dt = vsphere.dateTimeSystem;
    expect(dt.queryDateTime(system)).toBe(new Date(vsphere.clock.now()).toISOString());
    dt.updateDateTime(system, '2030-01-02T03:04:05.000Z');
    expect(dt.queryDateTime(system)).toBe('2030-01-02T03:04:05.000Z');
    // Another host keeps the simulator's time.
    expect(dt.queryDateTime(other)).toBe(new Date(vsphere.clock.now()).toISOString());
    await later(90_000);
    expect(dt.queryDateTime(system)).toBe('2030-01-02T03:05:35.000Z');
    // A time with an offset is the same instant.
    dt.updateDateTime(system, '2030-01-02T05:04:05+02:00');
    expect(dt.queryDateTime(system)).toBe('2030-01-02T03:04:05.000Z');
  });

  it('keeps the host clock and NTP servers through a save and load', () => {
    const { vsphere, system, info } = setup();
    vsphere.dateTimeSystem.updateDateTime(system, '2031-06-01T00:00:00.000Z');
    vsphere.dateTimeSystem.updateConfig(system, { ntpConfig: { server: ['pool.ntp.org'] } });
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.dateTimeSystem.queryDateTime(system)).toBe('2031-06-01T00:00:00.000Z');
    expect(loaded.read(system, 'dateTimeInfo')).toEqual(info());
  });

  it('sets the NTP servers with UpdateDateTimeConfig, in UTC, the one time zone', () => {
    const { vsphere, system, other, info } = setup();
    const dt = vsphere.dateTimeSystem;
    expect(info()).toMatchObject({ timeZone: { key: 'UTC', gmtOffset: 0 }, ntpConfig: { server: [] } });
    dt.updateConfig(system, {
      timeZone: 'UTC',
      ntpConfig: { server: ['0.pool.ntp.org', '10.0.0.1 iburst # lab'] },
    });
    expect(info().ntpConfig).toEqual({
      _type: 'HostNtpConfig',
      server: ['0.pool.ntp.org', '10.0.0.1 iburst'],
    });
    expect(info(other).ntpConfig.server).toEqual([]);
    // No ntpConfig leaves the servers; one without servers resets them.
    dt.updateConfig(system, {});
    expect(info().ntpConfig.server).toHaveLength(2);
    dt.updateConfig(system, { ntpConfig: {} });
    expect(info().ntpConfig.server).toEqual([]);
    expect(dt.availableTimeZones(system)).toEqual([expect.objectContaining({ key: 'UTC' })]);
  });

  it('takes an ntp.conf: its server lines are the servers, its restrict and driftfile lines dropped', () => {
    const { vsphere, system, info } = setup();
    vsphere.dateTimeSystem.updateConfig(system, {
      ntpConfig: {
        configFile: [
          '# lab',
          'restrict default kod nomodify',
          'driftfile /etc/ntp.drift',
          'server 10.0.0.1 iburst',
        ],
      },
    });
    expect(info().ntpConfig).toMatchObject({
      server: ['10.0.0.1 iburst'],
      configFile: ['# lab', 'server 10.0.0.1 iburst'],
    });
    vsphere.dateTimeSystem.updateConfig(system, { ntpConfig: { server: ['10.0.0.2'] } });
    expect(info().ntpConfig).toEqual({ _type: 'HostNtpConfig', server: ['10.0.0.2'] });
  });

  it('refuses another time zone, a blank server and a time that is none, changing nothing', async () => {
    const { vsphere, system, snapshot, at } = setup();
    const dt = vsphere.dateTimeSystem;
    const before = snapshot();
    expect(await faultOf(() => dt.updateConfig(system, { timeZone: 'Europe/Paris' }))).toBe(
      'HostConfigFault',
    );
    expect(
      await faultOf(() => dt.updateConfig(system, { timeZone: 'Mars', ntpConfig: { server: ['a'] } })),
    ).toBe('HostConfigFault');
    expect(await faultOf(() => dt.updateConfig(system, { ntpConfig: { server: ['a', ' # none'] } }))).toBe(
      'InvalidArgument',
    );
    expect(await faultOf(() => dt.updateDateTime(system, 'yesterday'))).toBe('InvalidArgument');
    // A host is no DateTimeSystem.
    expect(await faultOf(() => dt.queryDateTime(at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0').id))).toBe(
      'ManagedObjectNotFound',
    );
    expect(snapshot()).toEqual(before);
  });

  it('passes the interception point as UpdateDateTime and UpdateDateTimeConfig', async () => {
    const { vsphere, system, snapshot } = setup();
    const before = snapshot();
    vsphere.interceptor.add({ method: /^UpdateDateTime/, fault: { _type: 'HostConfigFault' } });
    expect(await faultOf(() => vsphere.dateTimeSystem.updateDateTime(system, '2030-01-01T00:00:00Z'))).toBe(
      'HostConfigFault',
    );
    expect(await faultOf(() => vsphere.dateTimeSystem.updateConfig(system, { ntpConfig: {} }))).toBe(
      'HostConfigFault',
    );
    expect(snapshot()).toEqual(before);
  });
});
