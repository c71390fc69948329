import { describe, expect, it } from 'vitest';
import type { ComputeResourceRecord, HostRecord, VmRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { parseState, serializeState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';
import type { ComputeResourceConfigSpec } from './compute-resource.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const setup = () => {
  const fixture = createFixture();
  const { at, vsphere, run } = fixture;
  const cluster = at('/DC0/host/DC0_C0').id;
  const reconfigure = (spec: ComputeResourceConfigSpec, modify = true, target = cluster) =>
    run(vsphere.computeResource.reconfigure(target, { _type: 'ClusterConfigSpecEx', ...spec }, modify));
  return {
    ...fixture,
    cluster,
    reconfigure,
    config: (id = cluster) => vsphere.read<Record<string, unknown>>(id, 'configurationEx'),
    vm0: at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0').id,
    vm1: at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM1').id,
    standaloneVm: at<VmRecord>('/DC0/vm/DC0_H0_VM0').id,
    standalone: at('/DC0/host/DC0_H0').id,
    standaloneHost: at<HostRecord>('/DC0/host/DC0_H0/DC0_H0').id,
    host0: at('/DC0/host/DC0_C0/DC0_C0_H0').id,
    host1: at('/DC0/host/DC0_C0/DC0_C0_H1').id,
  };
};

const vm = (id: string) => moref('VirtualMachine', id);
const host = (id: string) => moref('HostSystem', id);

const vmGroup = (name: string, vms: string[], operation: 'add' | 'edit' = 'add') => ({
  operation,
  info: { _type: 'ClusterVmGroup', name, vm: vms.map(vm) },
});
const hostGroup = (name: string, hosts: string[]) => ({
  operation: 'add' as const,
  info: { _type: 'ClusterHostGroup', name, host: hosts.map(host) },
});
const addRule = (info: Record<string, unknown>) => ({ operation: 'add' as const, info });
/** A VM-host rule `pin`: the group `vms` on the hosts of the group `hosts`, unless `fields` say otherwise. */
const pin = (fields: Record<string, unknown> = {}) =>
  addRule({
    _type: 'ClusterVmHostRuleInfo',
    name: 'pin',
    vmGroupName: 'vms',
    affineHostGroupName: 'hosts',
    ...fields,
  });
/** The groups `vms` and `hosts`, with the rule `pin` between them. */
const pinned = (vms: string[], hosts: string[], rule: Record<string, unknown> = {}) => ({
  groupSpec: [vmGroup('vms', vms), hostGroup('hosts', hosts)],
  rulesSpec: [pin(rule)],
});

describe('ReconfigureComputeResource_Task on a cluster', () => {
  it('adds VM and host groups and rules with sequential keys and seeded UUIDs, read back in configurationEx', async () => {
    const { reconfigure, config, vm0, vm1, host0, vsphere, cluster, lastEvent } = setup();
    await reconfigure({
      groupSpec: [vmGroup('vms', [vm0]), hostGroup('hosts', [host0])],
      rulesSpec: [
        pin({ enabled: true, mandatory: true }),
        addRule({
          _type: 'ClusterAntiAffinityRuleSpec',
          name: 'apart',
          enabled: true,
          vm: [vm(vm0), vm(vm1)],
        }),
      ],
    });
    const info = config();
    expect(info.group).toEqual([
      { _type: 'ClusterVmGroup', name: 'vms', userCreated: true, vm: [vm(vm0)] },
      { _type: 'ClusterHostGroup', name: 'hosts', userCreated: true, host: [host(host0)] },
    ]);
    const rules = info.rule as Record<string, unknown>[];
    expect(rules.map((r) => [r._type, r.key, r.name])).toEqual([
      ['ClusterVmHostRuleInfo', 1, 'pin'],
      ['ClusterAntiAffinityRuleSpec', 2, 'apart'],
    ]);
    expect(rules[0]).toMatchObject({
      enabled: true,
      mandatory: true,
      userCreated: true,
      vmGroupName: 'vms',
      affineHostGroupName: 'hosts',
    });
    expect(rules[1]).toMatchObject({ vm: [vm(vm0), vm(vm1)], mandatory: false });
    for (const rule of rules) expect(rule.ruleUuid).toMatch(UUID);
    expect(lastEvent()).toMatchObject({
      _type: 'ClusterReconfiguredEvent',
      computeResource: { name: 'DC0_C0', computeResource: moref('ClusterComputeResource', cluster) },
      fullFormattedMessage: 'Reconfigured cluster DC0_C0 in datacenter DC0',
    });
    // The same seed gives the same UUIDs.
    const again = setup();
    await again.reconfigure(pinned([vm0], [host0]));
    expect((again.config().rule as { ruleUuid: string }[])[0]?.ruleUuid).toBe(rules[0]?.ruleUuid);
    expect(
      vsphere.computeResource.findRulesForVm(cluster, vm1).map((r) => (r as { name?: string }).name),
    ).toEqual(['apart']);
    expect(
      vsphere.computeResource.findRulesForVm(cluster, vm0).map((r) => (r as { name?: string }).name),
    ).toEqual(['pin', 'apart']);
  });

  it("edits a group's VMs, edits a rule by key with the fields given, and removes them", async () => {
    const { reconfigure, config, vm0, vm1, host0 } = setup();
    await reconfigure(pinned([vm0], [host0], { enabled: true }));
    await reconfigure({
      groupSpec: [vmGroup('vms', [vm0, vm1], 'edit')],
      rulesSpec: [{ operation: 'edit', info: { _type: 'ClusterVmHostRuleInfo', key: 1, enabled: false } }],
    });
    expect(config().group).toContainEqual({
      _type: 'ClusterVmGroup',
      name: 'vms',
      userCreated: true,
      vm: [vm(vm0), vm(vm1)],
    });
    expect(config().rule).toEqual([
      expect.objectContaining({ key: 1, name: 'pin', enabled: false, affineHostGroupName: 'hosts' }),
    ]);
    // A rule and its groups go in one spec.
    await reconfigure({
      rulesSpec: [{ operation: 'remove', removeKey: 1 }],
      groupSpec: [
        { operation: 'remove', removeKey: 'vms' },
        { operation: 'remove', removeKey: 'hosts' },
      ],
    });
    expect(config()).toMatchObject({ group: [], rule: [] });
    // Keys are not reused.
    await reconfigure({
      rulesSpec: [addRule({ _type: 'ClusterAffinityRuleSpec', name: 'together', vm: [vm(vm0), vm(vm1)] })],
    });
    expect((config().rule as { key: number }[])[0]?.key).toBe(2);
  });

  it.each([
    [
      'a duplicate group name',
      (s: ReturnType<typeof setup>) => ({ groupSpec: [vmGroup('g', [s.vm0]), vmGroup('g', [s.vm1])] }),
    ],
    ['an unknown group', () => ({ groupSpec: [{ operation: 'remove' as const, removeKey: 'none' }] })],
    [
      'an edit that changes a group type',
      (s: ReturnType<typeof setup>) => ({
        groupSpec: [
          vmGroup('g', [s.vm0]),
          { operation: 'edit' as const, info: { _type: 'ClusterHostGroup', name: 'g', host: [] } },
        ],
      }),
    ],
    [
      'a VM of another compute resource',
      (s: ReturnType<typeof setup>) => ({ groupSpec: [vmGroup('g', [s.standaloneVm])] }),
    ],
    ['a VM listed twice', (s: ReturnType<typeof setup>) => ({ groupSpec: [vmGroup('g', [s.vm0, s.vm0])] })],
    [
      'a host of another compute resource',
      (s: ReturnType<typeof setup>) => ({ groupSpec: [hostGroup('h', [s.standaloneHost])] }),
    ],
    ['an unknown rule key', () => ({ rulesSpec: [{ operation: 'remove' as const, removeKey: 7 }] })],
    [
      'an anti-affinity rule of one VM',
      (s: ReturnType<typeof setup>) => ({
        rulesSpec: [addRule({ _type: 'ClusterAntiAffinityRuleSpec', name: 'r', vm: [vm(s.vm0)] })],
      }),
    ],
    [
      'a rule naming a missing group',
      (s: ReturnType<typeof setup>) => ({
        groupSpec: [vmGroup('g', [s.vm0])],
        rulesSpec: [
          addRule({
            _type: 'ClusterVmHostRuleInfo',
            name: 'r',
            vmGroupName: 'g',
            affineHostGroupName: 'none',
          }),
        ],
      }),
    ],
    [
      'a duplicate rule name',
      (s: ReturnType<typeof setup>) => ({
        rulesSpec: [
          addRule({ _type: 'ClusterAffinityRuleSpec', name: 'r', vm: [vm(s.vm0), vm(s.vm1)] }),
          addRule({ _type: 'ClusterAntiAffinityRuleSpec', name: 'r', vm: [vm(s.vm0), vm(s.vm1)] }),
        ],
      }),
    ],
    ['a DRS behavior that is none', () => ({ drsConfig: { defaultVmBehavior: 'sometimes' } })],
    [
      'a DRS override added twice',
      (s: ReturnType<typeof setup>) => ({
        drsVmConfigSpec: [
          { operation: 'add' as const, info: { key: vm(s.vm0), enabled: false } },
          { operation: 'add' as const, info: { key: vm(s.vm0), behavior: 'manual' } },
        ],
      }),
    ],
  ])('refuses %s with InvalidArgument, changing nothing', async (_name, specOf) => {
    const s = setup();
    // Something valid before the refused part: it is not kept either.
    await expect(faultOf(s.reconfigure({ drsConfig: { enabled: false }, ...specOf(s) }))).resolves.toBe(
      'InvalidArgument',
    );
    expect(s.config()).toMatchObject({ group: [], rule: [], drsVmConfig: [], drsConfig: { enabled: true } });
  });

  it('refuses to remove a group a rule uses', async () => {
    const { reconfigure, vm0, host0, config } = setup();
    await reconfigure(
      pinned([vm0], [host0], { affineHostGroupName: undefined, antiAffineHostGroupName: 'hosts' }),
    );
    await expect(
      faultOf(reconfigure({ groupSpec: [{ operation: 'remove', removeKey: 'hosts' }] })),
    ).resolves.toBe('InvalidArgument');
    expect(config().group).toHaveLength(2);
  });

  it('merges drsConfig and dasConfig with modify, and replaces the configuration without it', async () => {
    const { reconfigure, config, vm0, vm1 } = setup();
    await reconfigure({
      drsConfig: { defaultVmBehavior: 'manual' },
      dasConfig: { enabled: true },
      rulesSpec: [addRule({ _type: 'ClusterAffinityRuleSpec', name: 'r', vm: [vm(vm0), vm(vm1)] })],
      drsVmConfigSpec: [{ operation: 'add', info: { key: vm(vm0), behavior: 'partiallyAutomated' } }],
    });
    expect(config()).toMatchObject({
      drsConfig: {
        _type: 'ClusterDrsConfigInfo',
        enabled: true,
        defaultVmBehavior: 'manual',
        vmotionRate: 3,
      },
      dasConfig: { _type: 'ClusterDasConfigInfo', enabled: true },
      drsVmConfig: [{ _type: 'ClusterDrsVmConfigInfo', key: vm(vm0), behavior: 'partiallyAutomated' }],
    });
    await reconfigure({ drsVmConfigSpec: [{ operation: 'edit', info: { key: vm(vm0), enabled: false } }] });
    expect(config().drsVmConfig).toEqual([
      { _type: 'ClusterDrsVmConfigInfo', key: vm(vm0), behavior: 'partiallyAutomated', enabled: false },
    ]);
    await reconfigure({ drsConfig: { enabled: true, vmotionRate: 2 } }, false);
    expect(config()).toMatchObject({
      drsConfig: { enabled: true, defaultVmBehavior: 'fullyAutomated', vmotionRate: 2 },
      dasConfig: { enabled: false },
      rule: [],
      drsVmConfig: [],
    });
    // Rule keys go on after a replacement.
    await reconfigure({
      rulesSpec: [addRule({ _type: 'ClusterAffinityRuleSpec', name: 'r', vm: [vm(vm0), vm(vm1)] })],
    });
    expect((config().rule as { key: number }[])[0]?.key).toBe(2);
  });

  it("reports a rule's compliance from where its powered-on VMs run", async () => {
    const { reconfigure, config, vm0, vm1, vsphere, run, host0, host1, at } = setup();
    expect(at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0').powerState).toBe('poweredOn');
    await run(vsphere.vm.relocate(vm0, { host: host0 }));
    await run(vsphere.vm.relocate(vm1, { host: host1 }));
    await reconfigure({
      rulesSpec: [
        addRule({
          _type: 'ClusterAffinityRuleSpec',
          name: 'together',
          enabled: true,
          vm: [vm(vm0), vm(vm1)],
        }),
        addRule({
          _type: 'ClusterAntiAffinityRuleSpec',
          name: 'apart',
          enabled: true,
          vm: [vm(vm0), vm(vm1)],
        }),
      ],
    });
    expect(
      (config().rule as Record<string, unknown>[]).map((r) => [r.name, r.inCompliance, r.status]),
    ).toEqual([
      ['together', false, 'red'],
      ['apart', true, 'green'],
    ]);
  });

  it('drops a destroyed VM, a VM moved out of the cluster and a removed host from groups, rules and overrides', async () => {
    const { reconfigure, config, vm0, vm1, vsphere, run, host0, host1, standalone, standaloneHost } = setup();
    await reconfigure({
      groupSpec: [vmGroup('vms', [vm0, vm1]), hostGroup('hosts', [host0, host1])],
      rulesSpec: [addRule({ _type: 'ClusterAntiAffinityRuleSpec', name: 'apart', vm: [vm(vm0), vm(vm1)] })],
      drsVmConfigSpec: [
        { operation: 'add', info: { key: vm(vm0), enabled: false } },
        { operation: 'add', info: { key: vm(vm1), enabled: false } },
      ],
    });
    await run(vsphere.vm.powerOff(vm0));
    await run(vsphere.vm.destroy(vm0));
    const pool = (vsphere.store.get(standalone) as ComputeResourceRecord).resourcePool;
    await run(vsphere.vm.relocate(vm1, { host: standaloneHost, pool }));
    // No operation takes a host out of its cluster yet: any that removes one takes it out of the groups.
    vsphere.call({ method: 'test' }, (tx) => tx.remove(host1));
    expect(config()).toMatchObject({
      group: [
        { name: 'vms', vm: [] },
        { name: 'hosts', host: [host(host0)] },
      ],
      rule: [expect.objectContaining({ name: 'apart', vm: [] })],
      drsVmConfig: [],
    });
  });

  it('survives save and load', async () => {
    const { reconfigure, config, vm0, vm1, vsphere, cluster } = setup();
    await reconfigure({
      rulesSpec: [addRule({ _type: 'ClusterAffinityRuleSpec', name: 'r', vm: [vm(vm0), vm(vm1)] })],
    });
    const loaded = new VSphere({ state: parseState(serializeState(vsphere)) });
    expect(loaded.read(cluster, 'configurationEx')).toEqual(config());
    const task = loaded.computeResource.reconfigure(
      cluster,
      {
        _type: 'ClusterConfigSpecEx',
        rulesSpec: [addRule({ _type: 'ClusterAffinityRuleSpec', name: 's', vm: [vm(vm0), vm(vm1)] })],
      },
      true,
    );
    loaded.scheduler.runDue();
    await task.wait();
    expect(
      (loaded.read(cluster, 'configurationEx') as { rule: { key: number }[] }).rule.map((r) => r.key),
    ).toEqual([1, 2]);
  });
});

describe('ReconfigureCluster_Task', () => {
  it('applies a ClusterConfigSpec as ReconfigureComputeResource_Task does; configuration reports it without groups', async () => {
    const { vsphere, run, cluster, vm0, vm1, taskInfo } = setup();
    const task = vsphere.computeResource.reconfigureCluster(
      cluster,
      {
        _type: 'ClusterConfigSpec',
        drsConfig: { defaultVmBehavior: 'manual' },
        rulesSpec: [addRule({ _type: 'ClusterAffinityRuleSpec', name: 'together', vm: [vm(vm0), vm(vm1)] })],
      },
      true,
    );
    await run(task);
    expect(taskInfo(task).descriptionId).toBe('ClusterComputeResource.reconfigure');
    const configuration = vsphere.read<Record<string, unknown>>(cluster, 'configuration');
    expect(configuration).toMatchObject({
      _type: 'ClusterConfigInfo',
      drsConfig: { enabled: true, defaultVmBehavior: 'manual' },
      rule: [{ _type: 'ClusterAffinityRuleSpec', key: 1, name: 'together' }],
    });
    expect(configuration).not.toHaveProperty('group');
  });
});

describe('ReconfigureComputeResource_Task on a standalone host', () => {
  it('sets vmSwapPlacement and refuses a cluster spec', async () => {
    const { vsphere, run, standalone, config } = setup();
    await run(
      vsphere.computeResource.reconfigure(
        standalone,
        { _type: 'ComputeResourceConfigSpec', vmSwapPlacement: 'hostLocal' },
        true,
      ),
    );
    expect(config(standalone)).toEqual({ _type: 'ComputeResourceConfigInfo', vmSwapPlacement: 'hostLocal' });
    await expect(
      faultOf(
        run(
          vsphere.computeResource.reconfigure(
            standalone,
            { _type: 'ClusterConfigSpecEx', drsConfig: { enabled: true } },
            true,
          ),
        ),
      ),
    ).resolves.toBe('InvalidArgument');
    await expect(
      faultOf(run(vsphere.computeResource.reconfigure(standalone, { vmSwapPlacement: 'elsewhere' }, true))),
    ).resolves.toBe('InvalidArgument');
    expect((vsphere.store.get(standalone) as ComputeResourceRecord).config).toEqual({
      vmSwapPlacement: 'hostLocal',
    });
  });
});
