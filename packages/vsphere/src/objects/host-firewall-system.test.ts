import { describe, expect, it } from 'vitest';
import type { HostRecord } from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { saveState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

interface Ruleset {
  key: string;
  enabled: boolean;
  service?: string;
  allowedHosts: {
    allIp: boolean;
    ipAddress?: string[];
    ipNetwork?: { network: string; prefixLength: number }[];
  };
}

const setup = () => {
  const fixture = createFixture();
  const host = fixture.at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
  const managers = fixture.vsphere.read<{ firewallSystem: MoRef; serviceSystem: MoRef }>(
    host.id,
    'configManager',
  );
  const system = managers.firewallSystem;
  const rulesets = () => fixture.vsphere.read<Ruleset[]>(system, 'firewallInfo.ruleset');
  const ruleset = (key: string) => rulesets().find((r) => r.key === key) as Ruleset;
  const service = (key: string) =>
    fixture.vsphere
      .read<{ key: string; running: boolean }[]>(managers.serviceSystem, 'serviceInfo.service')
      .find((s) => s.key === key);
  const snapshot = () => [...fixture.vsphere.store.values()];
  return { ...fixture, system, services: managers.serviceSystem, rulesets, ruleset, service, snapshot };
};

describe('HostFirewallSystem', () => {
  it('opens and closes rulesets; NotFound for a ruleset the host does not have', async () => {
    const { vsphere, system, ruleset, snapshot } = setup();
    const fw = vsphere.firewallSystem;
    expect(ruleset('ntpClient')).toMatchObject({
      enabled: false,
      service: 'ntpd',
      allowedHosts: { allIp: true },
    });
    fw.enableRuleset(system, 'ntpClient');
    expect(ruleset('ntpClient').enabled).toBe(true);
    fw.disableRuleset(system, 'sshServer');
    expect(ruleset('sshServer').enabled).toBe(false);
    fw.disableRuleset(system, 'sshServer');
    expect(ruleset('sshServer').enabled).toBe(false);
    const before = snapshot();
    expect(await faultOf(() => fw.enableRuleset(system, 'nope'))).toBe('NotFound');
    expect(await faultOf(() => fw.disableRuleset(system, 'nope'))).toBe('NotFound');
    expect(snapshot()).toEqual(before);
  });

  it('starts and stops a service whose policy is automatic with its ruleset, and leaves the others', () => {
    const { vsphere, system, services, service } = setup();
    vsphere.hostServices.updatePolicy(services, 'ntpd', 'automatic');
    vsphere.firewallSystem.enableRuleset(system, 'ntpClient');
    expect(service('ntpd')?.running).toBe(true);
    vsphere.firewallSystem.disableRuleset(system, 'ntpClient');
    expect(service('ntpd')?.running).toBe(false);
    // SSH's policy is off: closing its ruleset leaves it running.
    vsphere.hostServices.start(services, 'TSM-SSH');
    vsphere.firewallSystem.disableRuleset(system, 'sshServer');
    expect(service('TSM-SSH')?.running).toBe(true);
  });

  it('limits a ruleset to addresses and networks with UpdateRuleset, checked', async () => {
    const { vsphere, system, ruleset, snapshot } = setup();
    const fw = vsphere.firewallSystem;
    fw.updateRuleset(system, 'sshServer', {
      allowedHosts: {
        ipAddress: ['10.0.0.5', 'fe80::1'],
        ipNetwork: [{ network: '192.168.0.0', prefixLength: 16 }],
        allIp: false,
      },
    });
    expect(ruleset('sshServer')).toMatchObject({
      enabled: true,
      allowedHosts: {
        allIp: false,
        ipAddress: ['10.0.0.5', 'fe80::1'],
        ipNetwork: [{ network: '192.168.0.0', prefixLength: 16 }],
      },
    });
    const before = snapshot();
    const update = (allowedHosts: object | undefined) => () =>
      fw.updateRuleset(system, 'sshServer', allowedHosts ? { allowedHosts } : {});
    expect(await faultOf(update({ ipAddress: ['10.0.0.256'], allIp: false }))).toBe('InvalidArgument');
    expect(
      await faultOf(update({ ipNetwork: [{ network: '10.0.0.0', prefixLength: 33 }], allIp: false })),
    ).toBe('InvalidArgument');
    expect(await faultOf(update(undefined))).toBe('InvalidArgument');
    expect(await faultOf(() => fw.updateRuleset(system, 'nope', { allowedHosts: { allIp: true } }))).toBe(
      'NotFound',
    );
    expect(snapshot()).toEqual(before);
  });

  it('changes the fields of the default policy given; RefreshFirewall changes nothing', () => {
    const { vsphere, system, snapshot } = setup();
    const policy = () => vsphere.read(system, 'firewallInfo.defaultPolicy');
    expect(policy()).toMatchObject({ incomingBlocked: true, outgoingBlocked: true });
    vsphere.firewallSystem.updateDefaultPolicy(system, { outgoingBlocked: false });
    expect(policy()).toMatchObject({ incomingBlocked: true, outgoingBlocked: false });
    vsphere.firewallSystem.updateDefaultPolicy(system, { incomingBlocked: false });
    expect(policy()).toMatchObject({ incomingBlocked: false, outgoingBlocked: false });
    const before = snapshot();
    vsphere.firewallSystem.refresh(system);
    expect(snapshot()).toEqual(before);
  });

  it('keeps its rulesets through a save and load', () => {
    const { vsphere, system } = setup();
    vsphere.firewallSystem.enableRuleset(system, 'sshClient');
    vsphere.firewallSystem.updateRuleset(system, 'webAccess', {
      allowedHosts: { ipAddress: ['10.1.1.1'], allIp: false },
    });
    vsphere.firewallSystem.updateDefaultPolicy(system, { incomingBlocked: false });
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.read(system, 'firewallInfo')).toEqual(vsphere.read(system, 'firewallInfo'));
  });

  it('passes the interception point as EnableRuleset', async () => {
    const { vsphere, system, ruleset } = setup();
    vsphere.interceptor.add({ method: 'EnableRuleset', times: 1, fault: { _type: 'HostConfigFault' } });
    expect(await faultOf(() => vsphere.firewallSystem.enableRuleset(system, 'ntpClient'))).toBe(
      'HostConfigFault',
    );
    expect(ruleset('ntpClient').enabled).toBe(false);
  });
});
