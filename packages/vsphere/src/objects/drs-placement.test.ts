import { describe, expect, it } from 'vitest';
import type { DatacenterRecord, HostRecord, VmRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import type { ComputeResourceConfigSpec } from './compute-resource.js';
import { chooseHost, usableHosts } from './drs-placement.js';

const vmRefs = (ids: string[]) => ids.map((id) => moref('VirtualMachine', id));
const drs = (defaultVmBehavior = 'fullyAutomated') => ({ enabled: true, defaultVmBehavior });
/** The groups `vms` and `hosts` and the VM-host rule `pin` between them. */
const pinned = (vms: string[], hosts: string[], rule: Record<string, unknown>) => ({
  groupSpec: [
    { operation: 'add' as const, info: { _type: 'ClusterVmGroup', name: 'vms', vm: vmRefs(vms) } },
    {
      operation: 'add' as const,
      info: { _type: 'ClusterHostGroup', name: 'hosts', host: hosts.map((h) => moref('HostSystem', h)) },
    },
  ],
  rulesSpec: [
    {
      operation: 'add' as const,
      info: { _type: 'ClusterVmHostRuleInfo', name: 'pin', vmGroupName: 'vms', enabled: true, ...rule },
    },
  ],
});
const vmRule = (type: string, vms: string[]) => ({
  rulesSpec: [
    { operation: 'add' as const, info: { _type: type, name: 'r', enabled: true, vm: vmRefs(vms) } },
  ],
});

const setup = () => {
  const fixture = createFixture();
  const { at, vsphere, run } = fixture;
  const cluster = at('/DC0/host/DC0_C0').id;
  const hosts = ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2'].map((name) => at(`/DC0/host/DC0_C0/${name}`).id);
  const vms = ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1'].map((name) => at<VmRecord>(`/DC0/vm/${name}`).id);
  const reconfigure = (spec: ComputeResourceConfigSpec) =>
    run(vsphere.computeResource.reconfigure(cluster, { _type: 'ClusterConfigSpecEx', ...spec }, true));
  /** Powers the cluster's VMs off and puts them all on H0. */
  const allOffOnH0 = async () => {
    for (const id of vms) await run(vsphere.vm.powerOff(id));
    for (const id of vms) await run(vsphere.vm.relocate(id, { host: hosts[0] as string }));
  };
  return {
    ...fixture,
    hosts,
    vms,
    reconfigure,
    allOffOnH0,
    hostOf: (vm: string) => (vsphere.store.get(vm) as VmRecord).host,
    /** VM0, powered off on H0, with a mandatory rule that it run on H2. */
    pinVm0ToH2: async (drsConfig: Record<string, unknown>) => {
      const [vm0] = vms as [string];
      const [h0, , h2] = hosts as [string, string, string];
      await allOffOnH0();
      await reconfigure({
        drsConfig,
        ...pinned([vm0], [h2], { affineHostGroupName: 'hosts', mandatory: true }),
      });
      return { vm0, h0, h2 };
    },
  };
};

describe('DRS placement at power-on', () => {
  it('moves a VM to the host a mandatory must-run-on rule allows', async () => {
    const { pinVm0ToH2, vsphere, run, hostOf } = setup();
    const { vm0, h2 } = await pinVm0ToH2(drs());
    await run(vsphere.vm.powerOn(vm0));
    expect(hostOf(vm0)).toBe(h2);
  });

  it('moves it off the hosts a must-not-run-on rule names', async () => {
    const { reconfigure, allOffOnH0, vsphere, run, vms, hosts, hostOf } = setup();
    const [vm0] = vms as [string];
    const [h0] = hosts as [string];
    await allOffOnH0();
    await reconfigure({
      drsConfig: drs(),
      ...pinned([vm0], [h0], { antiAffineHostGroupName: 'hosts', mandatory: true }),
    });
    await run(vsphere.vm.powerOn(vm0));
    expect(hostOf(vm0)).not.toBe(h0);
  });

  it('follows a should-run-on rule, and leaves a VM whose host meets its rules where it is', async () => {
    const { reconfigure, allOffOnH0, vsphere, run, vms, hosts, hostOf } = setup();
    const [vm0, vm1] = vms as [string, string];
    const [h0, h1] = hosts as [string, string];
    await allOffOnH0();
    await reconfigure({
      drsConfig: drs(),
      ...pinned([vm0, vm1], [h0, h1], { affineHostGroupName: 'hosts' }),
    });
    await run(vsphere.vm.powerOn(vm0));
    expect(hostOf(vm0)).toBe(h0);
    await reconfigure({
      groupSpec: [
        {
          operation: 'edit',
          info: { _type: 'ClusterHostGroup', name: 'hosts', host: [moref('HostSystem', h1)] },
        },
      ],
    });
    await run(vsphere.vm.powerOn(vm1));
    expect(hostOf(vm1)).toBe(h1);
  });

  it('keeps anti-affine VMs apart and affine ones together', async () => {
    const { reconfigure, allOffOnH0, vsphere, run, vms, hosts, hostOf } = setup();
    const [vm0, vm1] = vms as [string, string];
    const [h0, h1] = hosts as [string, string];
    await allOffOnH0();
    await reconfigure({ drsConfig: drs(), ...vmRule('ClusterAntiAffinityRuleSpec', [vm0, vm1]) });
    await run(vsphere.vm.powerOn(vm0));
    await run(vsphere.vm.powerOn(vm1));
    expect(hostOf(vm0)).toBe(h0);
    expect(hostOf(vm1)).not.toBe(h0);

    await run(vsphere.vm.powerOff(vm1));
    await run(vsphere.vm.relocate(vm1, { host: h1 }));
    await reconfigure({ rulesSpec: [{ operation: 'remove', removeKey: 1 }] });
    await reconfigure(vmRule('ClusterAffinityRuleSpec', [vm0, vm1]));
    await run(vsphere.vm.powerOn(vm1));
    expect(hostOf(vm1)).toBe(h0);
  });

  it('refuses a power-on a mandatory rule forbids when DRS cannot move the VM', async () => {
    const { pinVm0ToH2, reconfigure, vsphere, run, hosts, hostOf } = setup();
    const { vm0, h0, h2 } = await pinVm0ToH2(drs('manual'));
    const h1 = hosts[1] as string;
    // Manual DRS places nothing; a host named is taken as named.
    await expect(run(vsphere.vm.powerOn(vm0))).rejects.toMatchObject({
      fault: { _type: 'VmHostAffinityRuleViolation', vmName: 'DC0_C0_RP0_VM0', hostName: 'DC0_C0_H0' },
    });
    await reconfigure({ drsConfig: drs() });
    expect(await faultOf(run(vsphere.vm.powerOn(vm0, h1)))).toBe('VmHostAffinityRuleViolation');
    // A VM whose override makes it manual stays too; partially automated DRS places it.
    const override = (behavior: string) => ({ key: moref('VirtualMachine', vm0), behavior });
    await reconfigure({ drsVmConfigSpec: [{ operation: 'add', info: override('manual') }] });
    expect(await faultOf(run(vsphere.vm.powerOn(vm0)))).toBe('VmHostAffinityRuleViolation');
    await reconfigure({ drsVmConfigSpec: [{ operation: 'edit', info: override('partiallyAutomated') }] });
    // The only allowed host cannot take it.
    await run(vsphere.host.enterMaintenanceMode(h2));
    expect(await faultOf(run(vsphere.vm.powerOn(vm0)))).toBe('VmHostAffinityRuleViolation');
    expect(hostOf(vm0)).toBe(h0);
    await run(vsphere.host.exitMaintenanceMode(h2));
    await run(vsphere.vm.powerOn(vm0));
    expect(hostOf(vm0)).toBe(h2);
  });

  it('leaves rules to the user while DRS is off, and a disabled rule asks nothing', async () => {
    const { pinVm0ToH2, reconfigure, vsphere, run, hostOf } = setup();
    const { vm0, h0 } = await pinVm0ToH2({ enabled: false });
    await run(vsphere.vm.powerOn(vm0));
    expect(hostOf(vm0)).toBe(h0);
    await run(vsphere.vm.powerOff(vm0));
    await reconfigure({
      drsConfig: drs('manual'),
      rulesSpec: [{ operation: 'edit', info: { _type: 'ClusterVmHostRuleInfo', key: 1, enabled: false } }],
    });
    await run(vsphere.vm.powerOn(vm0));
    expect(hostOf(vm0)).toBe(h0);
  });
});

describe('DRS and migrations', () => {
  it('refuses a migration or relocation onto a host a mandatory rule forbids, changing nothing', async () => {
    const { pinVm0ToH2, vsphere, run, hosts, hostOf } = setup();
    const { vm0, h0, h2 } = await pinVm0ToH2(drs());
    const h1 = hosts[1] as string;
    await expect(run(vsphere.vm.migrate(vm0, { host: h1 }))).rejects.toMatchObject({
      fault: { _type: 'VmHostAffinityRuleViolation', vmName: 'DC0_C0_RP0_VM0', hostName: 'DC0_C0_H1' },
    });
    expect(await faultOf(run(vsphere.vm.relocate(vm0, { host: h1 })))).toBe('VmHostAffinityRuleViolation');
    expect(hostOf(vm0)).toBe(h0);
    await run(vsphere.vm.migrate(vm0, { host: h2 }));
    expect(hostOf(vm0)).toBe(h2);
  });

  it('keeps an allowed host on a relocation without one, and moves the VM off a forbidden one', async () => {
    const { pinVm0ToH2, reconfigure, vsphere, run, hostOf } = setup();
    const { vm0, h0, h2 } = await pinVm0ToH2(drs('manual'));
    const pool = (vsphere.store.get(vm0) as VmRecord).pool as string;
    // Manual DRS moves nothing: the VM's own forbidden host is refused.
    expect(await faultOf(run(vsphere.vm.relocate(vm0, { pool })))).toBe('VmHostAffinityRuleViolation');
    expect(hostOf(vm0)).toBe(h0);
    await reconfigure({ drsConfig: drs('partiallyAutomated') });
    await run(vsphere.vm.relocate(vm0, { pool }));
    expect(hostOf(vm0)).toBe(h2);
    // An allowed host stays, though another has fewer VMs.
    await reconfigure({
      groupSpec: [
        {
          operation: 'edit',
          info: {
            _type: 'ClusterHostGroup',
            name: 'hosts',
            host: [h0, h2].map((h) => moref('HostSystem', h)),
          },
        },
      ],
    });
    await run(vsphere.vm.migrate(vm0, { pool }));
    expect(hostOf(vm0)).toBe(h2);
  });

  it('migrates a VM only in the power state asked for', async () => {
    const { vsphere, run, vms, hosts, hostOf } = setup();
    const [vm0] = vms as [string];
    const h1 = hosts[1] as string;
    const state = (vsphere.store.get(vm0) as VmRecord).powerState;
    const other = state === 'poweredOn' ? 'poweredOff' : 'poweredOn';
    expect(await faultOf(run(vsphere.vm.migrate(vm0, { host: h1, state: other })))).toBe('InvalidPowerState');
    await run(vsphere.vm.migrate(vm0, { host: h1, state }));
    expect(hostOf(vm0)).toBe(h1);
  });
});

describe('the hosts a placement picks among', () => {
  it('are those connected, powered on and out of maintenance: with none, nothing is placed', async () => {
    const { vsphere, run, at, hosts, hostOf } = setup();
    const cluster = at('/DC0/host/DC0_C0').id;
    const pool = at('/DC0/host/DC0_C0/Resources').id;
    const { vmFolder } = at<DatacenterRecord>('/DC0');
    const ds = at('/DC0/datastore/LocalDS_0').id;
    const create = (name: string) =>
      vsphere.vm.create(
        vmFolder,
        { name, numCPUs: 1, memoryMB: 128, guestId: 'otherGuest', files: { vmPathName: '[LocalDS_0]' } },
        pool,
      );
    // The most loaded host is the one left: placement takes it only because the others cannot.
    const [first, second, last] = [...hosts].sort(
      (a, b) => vsphere.store.referrerCount('vm', a) - vsphere.store.referrerCount('vm', b),
    ) as [string, string, string];
    await run(vsphere.host.disconnect(first));
    // No operation puts a host in standby: written as DPM would leave it, still connected.
    vsphere.store.transact((tx) => tx.update<HostRecord>(second, { powerState: 'standBy' }));
    expect(usableHosts(vsphere, vsphere.store, cluster, ds).map((h) => h.id)).toEqual([last]);
    expect(usableHosts(vsphere, vsphere.store, cluster, 'datastore-none')).toEqual([]);
    expect(hostOf((await run(create('placed'))).value)).toBe(last);
    for (const vm of vsphere.store.referrers('vm', last))
      if ((vsphere.store.get(vm) as VmRecord).powerState === 'poweredOn') await run(vsphere.vm.powerOff(vm));
    await run(vsphere.host.enterMaintenanceMode(last));
    const vms = vsphere.store.countOf('VirtualMachine');
    expect(await faultOf(run(create('nowhere')))).toBe('NoActiveHostInCluster');
    expect(vsphere.store.countOf('VirtualMachine')).toBe(vms);
  });
});

describe('chooseHost', () => {
  it('without rules picks the host with the fewest VMs, ties by order', () => {
    const { vsphere, hosts } = setup();
    const records = hosts.map((id) => vsphere.store.get(id) as HostRecord);
    const counts = hosts.map((id) => vsphere.store.referrerCount('vm', id));
    expect(chooseHost(vsphere, records)?.id).toBe(hosts[counts.indexOf(Math.min(...counts))]);
    expect(chooseHost(vsphere, [])).toBeUndefined();
  });
});
