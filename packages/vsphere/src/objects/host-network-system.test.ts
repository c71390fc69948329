import { describe, expect, it } from 'vitest';
import {
  type Device,
  type HostRecord,
  hostManagerIdOf,
  type NetworkRecord,
  type VmRecord,
} from '../inventory/records.js';
import { type MoRef, moref } from '../refs.js';
import { saveState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

interface NetworkInfo {
  vswitch: { name: string; portgroup: string[]; pnic: string[]; spec: { numPorts: number; mtu: number } }[];
  portgroup: { key: string; vswitch: string; spec: { name: string; vlanId: number; vswitchName: string } }[];
  pnic: { device: string }[];
  vnic: { device: string; portgroup: string }[];
}

const setup = () => {
  const fixture = createFixture();
  const host = fixture.at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
  const other = fixture.at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1');
  const systemOf = (h: HostRecord) =>
    fixture.vsphere.read<{ networkSystem: MoRef }>(h.id, 'configManager').networkSystem;
  const system = systemOf(host);
  const info = (on = system) => fixture.vsphere.read<NetworkInfo>(on, 'networkInfo');
  const snapshot = () => [...fixture.vsphere.store.values()];
  const network = (name: string) =>
    [...fixture.vsphere.store.ofKind<NetworkRecord>('Network')].find((n) => n.name === name);
  /** Plugs a VM's first NIC into a standard network. */
  const plug = async (vm: string, net: string) => {
    const record = fixture.vsphere.store.get(vm) as VmRecord;
    const nic = record.config.devices.find((d) => d.key === 4000) as Device;
    await fixture.run(
      fixture.vsphere.vm.reconfigure(vm, {
        deviceChange: [
          { operation: 'edit', device: { ...nic, backing: { network: moref('Network', net) } } },
        ],
      }),
    );
  };
  return { ...fixture, host, other, system, systemOf, info, snapshot, network, plug };
};

const spec = (name: string, vswitchName = 'vSwitch0', vlanId = 0) => ({ name, vswitchName, vlanId });

describe('HostNetworkSystem', () => {
  it("shows the host's standard networks as portgroups of vSwitch0, with vmnic0 and vmk0", () => {
    const { vsphere, host, system, info } = setup();
    expect(system).toEqual({
      type: 'HostNetworkSystem',
      value: hostManagerIdOf('HostNetworkSystem', host.id),
    });
    const now = info();
    expect(now.vswitch.map((s) => [s.name, s.portgroup, s.pnic])).toEqual([
      [
        'vSwitch0',
        ['key-vim.host.PortGroup-VM Network', 'key-vim.host.PortGroup-Management Network'],
        ['key-vim.host.PhysicalNic-vmnic0'],
      ],
    ]);
    expect(now.portgroup.map((pg) => pg.spec)).toMatchObject([
      { name: 'VM Network', vlanId: 0, vswitchName: 'vSwitch0' },
      { name: 'Management Network', vlanId: 0, vswitchName: 'vSwitch0' },
    ]);
    expect(now.pnic.map((n) => n.device)).toEqual(['vmnic0']);
    expect(now.vnic).toMatchObject([{ device: 'vmk0', portgroup: 'Management Network' }]);
    expect(vsphere.read(system, 'networkConfig')).toMatchObject({ vswitch: [{ name: 'vSwitch0' }] });
  });

  it('adds a switch and a portgroup: the portgroup is a Network of the datacenter the host has', () => {
    const { vsphere, host, other, system, systemOf, info, network, at } = setup();
    vsphere.networkSystem.addVirtualSwitch(system, 'vSwitch1', { numPorts: 64, mtu: 9000 });
    vsphere.networkSystem.addPortGroup(system, spec('pg-a', 'vSwitch1', 10));
    expect(info().vswitch[1]).toMatchObject({
      name: 'vSwitch1',
      portgroup: ['key-vim.host.PortGroup-pg-a'],
      spec: { numPorts: 64, mtu: 9000 },
    });
    expect(info().portgroup.at(-1)?.spec).toEqual({
      _type: 'HostPortGroupSpec',
      name: 'pg-a',
      vlanId: 10,
      vswitchName: 'vSwitch1',
      policy: { _type: 'HostNetworkPolicy' },
    });
    const net = at<NetworkRecord>('/DC0/network/pg-a');
    expect(vsphere.read(net.id, 'host')).toEqual([moref('HostSystem', host.id)]);
    // A second host's portgroup of that name is the same Network.
    vsphere.networkSystem.addPortGroup(systemOf(other), spec('pg-a'));
    expect(network('pg-a')?.id).toBe(net.id);
    expect(vsphere.read<MoRef[]>(net.id, 'host')).toHaveLength(2);
  });

  it('answers AlreadyExists, NotFound and InvalidArgument, changing nothing', async () => {
    const { vsphere, system, snapshot } = setup();
    const ns = vsphere.networkSystem;
    const before = snapshot();
    expect(await faultOf(() => ns.addVirtualSwitch(system, 'vSwitch0'))).toBe('AlreadyExists');
    expect(await faultOf(() => ns.addVirtualSwitch(system, 'x'.repeat(33)))).toBe('InvalidArgument');
    expect(await faultOf(() => ns.addVirtualSwitch(system, 'vSwitch1', { mtu: 100 }))).toBe(
      'InvalidArgument',
    );
    expect(
      await faultOf(() => ns.addVirtualSwitch(system, 'vSwitch1', { bridge: { nicDevice: ['vmnic0'] } })),
    ).toBe('ResourceInUse');
    expect(
      await faultOf(() => ns.addVirtualSwitch(system, 'vSwitch1', { bridge: { nicDevice: ['vmnic9'] } })),
    ).toBe('HostConfigFault');
    expect(await faultOf(() => ns.addPortGroup(system, spec('VM Network')))).toBe('AlreadyExists');
    expect(await faultOf(() => ns.addPortGroup(system, spec('pg', 'vSwitch9')))).toBe('NotFound');
    expect(await faultOf(() => ns.addPortGroup(system, spec('pg', 'vSwitch0', 4096)))).toBe(
      'InvalidArgument',
    );
    expect(await faultOf(() => ns.removePortGroup(system, 'nope'))).toBe('NotFound');
    expect(await faultOf(() => ns.removeVirtualSwitch(system, 'nope'))).toBe('NotFound');
    expect(await faultOf(() => ns.updatePortGroup(system, 'nope', spec('nope')))).toBe('NotFound');
    expect(snapshot()).toEqual(before);
  });

  it('answers ResourceInUse for a portgroup a VM of the host or the management NIC is on', async () => {
    const { vsphere, host, system, snapshot, network, plug, at } = setup();
    const ns = vsphere.networkSystem;
    ns.addPortGroup(system, spec('pg-a'));
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    expect(vm.host).toBe(host.id);
    await plug(vm.id, network('pg-a')?.id as string);
    expect(vsphere.read(system, 'networkInfo.portgroup')).toContainEqual(
      expect.objectContaining({ port: [expect.objectContaining({ type: 'virtualMachine' })] }),
    );
    const before = snapshot();
    expect(await faultOf(() => ns.removePortGroup(system, 'pg-a'))).toBe('ResourceInUse');
    expect(await faultOf(() => ns.updatePortGroup(system, 'pg-a', spec('pg-b')))).toBe('ResourceInUse');
    expect(await faultOf(() => ns.removePortGroup(system, 'Management Network'))).toBe('ResourceInUse');
    expect(await faultOf(() => ns.removeVirtualSwitch(system, 'vSwitch0'))).toBe('ResourceInUse');
    expect(snapshot()).toEqual(before);
  });

  it('removes a portgroup and its switch; a Network no host and no VM has goes', () => {
    const { vsphere, host, system, info, network } = setup();
    const ns = vsphere.networkSystem;
    ns.addVirtualSwitch(system, 'vSwitch1');
    ns.addPortGroup(system, spec('pg-a', 'vSwitch1'));
    ns.addPortGroup(system, spec('pg-b', 'vSwitch1'));
    ns.removePortGroup(system, 'pg-a');
    expect(network('pg-a')).toBeUndefined();
    ns.removeVirtualSwitch(system, 'vSwitch1');
    expect(network('pg-b')).toBeUndefined();
    expect(info().vswitch.map((s) => s.name)).toEqual(['vSwitch0']);
    expect(info().portgroup.map((pg) => pg.spec.name)).toEqual(['VM Network', 'Management Network']);
    // The default inventory's Network stays while other hosts have it.
    ns.removePortGroup(system, 'VM Network');
    const vmNetwork = network('VM Network') as NetworkRecord;
    expect(vsphere.read<MoRef[]>(vmNetwork.id, 'host')).not.toContainEqual(moref('HostSystem', host.id));
    expect(vsphere.read<MoRef[]>(host.id, 'network')).not.toContainEqual(moref('Network', vmNetwork.id));
  });

  it('updates a portgroup: its VLAN, its switch and its name', () => {
    const { vsphere, system, info, network } = setup();
    const ns = vsphere.networkSystem;
    ns.addVirtualSwitch(system, 'vSwitch1');
    ns.addPortGroup(system, spec('pg-a'));
    ns.updatePortGroup(system, 'pg-a', spec('pg-b', 'vSwitch1', 42));
    expect(info().portgroup.at(-1)?.spec).toMatchObject(spec('pg-b', 'vSwitch1', 42));
    expect(network('pg-a')).toBeUndefined();
    expect(network('pg-b')).toBeDefined();
  });

  it('keeps its switches through a save and load, and makes the same ids from the same seed', () => {
    const { vsphere, system } = setup();
    vsphere.networkSystem.addVirtualSwitch(system, 'vSwitch1');
    vsphere.networkSystem.addPortGroup(system, spec('pg-a', 'vSwitch1'));
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.read(system, 'networkInfo')).toEqual(vsphere.read(system, 'networkInfo'));
    const again = setup();
    again.vsphere.networkSystem.addVirtualSwitch(again.system, 'vSwitch1');
    again.vsphere.networkSystem.addPortGroup(again.system, spec('pg-a', 'vSwitch1'));
    expect(again.network('pg-a')?.id).toBe(
      [...vsphere.store.ofKind<NetworkRecord>('Network')].find((n) => n.name === 'pg-a')?.id,
    );
  });
});

describe('HostServiceSystem and HostDateTimeSystem', () => {
  it('start, stop and set the policy of services; NotFound for one the host does not run', async () => {
    const { vsphere, host, snapshot } = setup();
    const managers = vsphere.read<{ serviceSystem: MoRef; dateTimeSystem: MoRef; firewallSystem: MoRef }>(
      host.id,
      'configManager',
    );
    const ssh = () =>
      vsphere
        .read<{ key: string; running: boolean; policy: string }[]>(
          managers.serviceSystem,
          'serviceInfo.service',
        )
        .find((s) => s.key === 'TSM-SSH');
    expect(ssh()).toMatchObject({ running: false, policy: 'off' });
    vsphere.hostServices.start(managers.serviceSystem, 'TSM-SSH');
    vsphere.hostServices.updatePolicy(managers.serviceSystem, 'TSM-SSH', 'on');
    expect(ssh()).toMatchObject({ running: true, policy: 'on' });
    vsphere.hostServices.stop(managers.serviceSystem, 'TSM-SSH');
    expect(ssh()).toMatchObject({ running: false, policy: 'on' });
    const before = snapshot();
    expect(await faultOf(() => vsphere.hostServices.start(managers.serviceSystem, 'nope'))).toBe('NotFound');
    expect(await faultOf(() => vsphere.hostServices.updatePolicy(managers.serviceSystem, 'ntpd', 'x'))).toBe(
      'InvalidArgument',
    );
    expect(snapshot()).toEqual(before);
    expect(vsphere.dateTimeSystem.queryDateTime(managers.dateTimeSystem)).toBe(
      new Date(vsphere.clock.now()).toISOString(),
    );
    expect(vsphere.read(managers.dateTimeSystem, 'dateTimeInfo.timeZone.key')).toBe('UTC');
    expect(vsphere.read(managers.firewallSystem, 'firewallInfo.ruleset')).toContainEqual(
      expect.objectContaining({ key: 'sshServer', service: 'TSM-SSH' }),
    );
  });
});
