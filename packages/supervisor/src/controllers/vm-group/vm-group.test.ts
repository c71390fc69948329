import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { PAUSED_ANNOTATION, ZONE_LABEL } from '../../api/annotations.js';
import type {
  Condition,
  VirtualMachine,
  VirtualMachineGroup,
  VirtualMachineGroupMemberStatus,
} from '../../api/types.js';
import { APPLY_POWER_STATE_TIME } from '../../api/vm-group-validation.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { fillHost } from '../../testing/virtual-machine.js';
import { VM_GROUP_FINALIZER } from './vm-group.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const HUB = 'vmoperator.vmware.com/v1alpha6';

async function setup(options: Parameters<typeof createNamespaceFixture>[0] = {}) {
  const f = await createNamespaceFixture(options);
  const groupRef = (name: string) => ({
    apiVersion: HUB,
    kind: 'VirtualMachineGroup',
    namespace: 'ns1',
    name,
  });
  const createGroup = (name: string, spec: VirtualMachineGroup['spec']) =>
    f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineGroup',
      metadata: { name, namespace: 'ns1' },
      spec,
    });
  const vm = async (name: string) => (await f.find(f.vmRef(name))) as unknown as VirtualMachine | undefined;
  const group = async (name: string) =>
    (await f.find(groupRef(name))) as unknown as VirtualMachineGroup | undefined;
  const member = async (groupName: string, name: string) =>
    (await group(groupName))?.status?.members?.find(
      (m) => m.name === name,
    ) as VirtualMachineGroupMemberStatus;
  const edit = async (ref: ReturnType<typeof groupRef>, change: (object: KubeObject) => KubeObject) =>
    f.kube.update(change(await f.kube.get(ref)));
  return { ...f, groupRef, createGroup, vm, group, member, edit };
}

const conditionOf = (conditions: readonly Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type);
const brief = (c: Condition | undefined) => c && { status: c.status, reason: c.reason, message: c.message };
const poweredOn = (members: string[]) => ({
  powerState: 'PoweredOn' as const,
  bootOrder: [{ members: members.map((name) => ({ name })) }],
});

describe('the VirtualMachineGroup controller', () => {
  it('links, owns and places its VMs, which then deploy in the zone it chose; Ready once all are', async () => {
    const f = await setup();
    await f.createGroup('g', poweredOn(['a', 'b']));
    await f.createVm('a', { groupName: 'g' });
    await f.createVm('b', { groupName: 'g' });
    await f.settle();

    const group = await f.group('g');
    expect(group?.metadata.finalizers).toEqual([VM_GROUP_FINALIZER]);
    expect(brief(conditionOf(group?.status?.conditions, 'Ready'))).toEqual({
      status: 'True',
      reason: 'True',
      message: '',
    });
    for (const name of ['a', 'b']) {
      const vm = await f.vm(name);
      const status = await f.member('g', name);
      expect(status).toMatchObject({
        kind: 'VirtualMachine',
        uid: vm?.metadata.uid,
        placement: { zoneID: f.prepared.zone, pool: f.prepared.pool },
        powerState: 'PoweredOn',
      });
      expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
        ['GroupLinked', 'True', 'True'],
        ['PlacementReady', 'True', 'True'],
        ['PowerStateSynced', 'True', 'True'],
      ]);
      expect(vm?.metadata.ownerReferences).toEqual([
        { apiVersion: HUB, kind: 'VirtualMachineGroup', name: 'g', uid: group?.metadata.uid },
      ]);
      expect(vm?.metadata.labels?.[ZONE_LABEL]).toBe(f.prepared.zone);
      expect(brief(conditionOf(vm?.status?.conditions, 'GroupLinked'))).toEqual({
        status: 'True',
        reason: 'True',
        message: '',
      });
      const record = f.vsphere.store.get(vm?.status?.uniqueID as string) as VmRecord;
      expect([record.pool, record.powerState]).toEqual([f.prepared.pool, 'poweredOn']);
      // On the host DRS recommended for it with the group's others.
      expect(record.host).toBe(status.placement?.node);
    }
    const nodes = await Promise.all(
      ['a', 'b'].map(async (name) => (await f.member('g', name)).placement?.node),
    );
    expect(nodes.every((node) => f.vsphere.store.get(node as string)?.kind === 'HostSystem')).toBe(true);
    expect(new Set(nodes).size).toBe(2);
  });

  it('lists no members it has none of, as Go leaves an empty list out', async () => {
    const f = await setup();
    await f.createGroup('empty', {});
    await f.settle();
    const status = (await f.group('empty'))?.status;
    expect(status?.conditions?.length).toBeGreaterThan(0);
    expect(status).not.toHaveProperty('members');
  });

  it('deploys a member on the host its placement names, whatever DRS would choose by then', async () => {
    const f = await setup();
    await f.createGroup('g', poweredOn(['a']));
    // Held (paused) once placed, while its host fills up.
    await f.createVm('a', { groupName: 'g' }, undefined, { [PAUSED_ANNOTATION]: '' });
    await f.settle();
    const node = (await f.member('g', 'a')).placement?.node as string;
    expect(f.vsphere.store.get(node)?.kind).toBe('HostSystem');
    await fillHost(f, f.prepared, node, 3);
    await f.edit(f.vmRef('a'), (v) => {
      const { [PAUSED_ANNOTATION]: _paused, ...annotations } = v.metadata.annotations ?? {};
      return { ...v, metadata: { ...v.metadata, annotations } };
    });
    await f.settle();
    const vm = await f.vm('a');
    expect((f.vsphere.store.get(vm?.status?.uniqueID as string) as VmRecord).host).toBe(node);
  });

  it('cannot place a VM to import without a class before it is in vSphere (VMImportNewNet)', async () => {
    const f = await setup({ capabilities: { vmImportNewNet: true } });
    await f.createGroup('g', poweredOn(['imported']));
    f.kube.direct.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name: 'imported', namespace: 'ns1' },
      spec: { storageClass: f.prepared.storageClass, groupName: 'g' },
    });
    await f.settle();
    const placed = conditionOf((await f.member('g', 'imported')).conditions, 'PlacementReady');
    expect(brief(placed)).toEqual({
      status: 'False',
      reason: 'NotReady',
      message: 'failed to get VM placement prereqs: [cannot synthesize class from nil ConfigInfo, NotSet]',
    });
  });

  it('holds back a VM until its group lists it and has placed it', async () => {
    const f = await setup();
    await f.createVm('a', { groupName: 'g' });
    await f.settle();
    let vm = await f.vm('a');
    expect(brief(conditionOf(vm?.status?.conditions, 'GroupLinked'))).toEqual({
      status: 'False',
      reason: 'NotFound',
      message: '',
    });
    expect(vm?.status?.uniqueID).toBeUndefined();
    expect(vm?.metadata.labels?.[ZONE_LABEL]).toBeUndefined();

    await f.createGroup('g', poweredOn(['other']));
    await f.settle();
    vm = await f.vm('a');
    expect(brief(conditionOf(vm?.status?.conditions, 'GroupLinked'))).toEqual({
      status: 'False',
      reason: 'NotMember',
      message: '',
    });
    expect(brief(conditionOf(vm?.status?.conditions, 'VirtualMachineConditionPlacementReady'))).toEqual({
      status: 'False',
      reason: 'NotReady',
      message: 'VM is not linked to its group',
    });
    expect(brief(conditionOf((await f.member('g', 'other')).conditions, 'GroupLinked'))).toEqual({
      status: 'False',
      reason: 'NotFound',
      message: '',
    });
    expect(brief(conditionOf((await f.group('g'))?.status?.conditions, 'Ready'))).toEqual({
      status: 'False',
      reason: 'MembersNotReady',
      message: '1 of 1 members not ready: VirtualMachine/other condition GroupLinked is False',
    });

    await f.edit(f.groupRef('g'), (g) => ({ ...g, spec: poweredOn(['a']) }));
    await f.settle();
    vm = await f.vm('a');
    expect(brief(conditionOf(vm?.status?.conditions, 'GroupLinked'))?.status).toBe('True');
    expect(vm?.status?.uniqueID).toBeDefined();
    expect(vm?.status?.powerState).toBe('PoweredOn');
  });

  it('tells a member that names another group, or none, that it is not one', async () => {
    const f = await setup();
    await f.createVm('loner', { powerState: 'PoweredOff' });
    await f.createVm('elsewhere', { groupName: 'h', powerState: 'PoweredOff' });
    await f.createGroup('g', { bootOrder: [{ members: [{ name: 'loner' }, { name: 'elsewhere' }] }] });
    await f.settle();
    expect(brief(conditionOf((await f.member('g', 'loner')).conditions, 'GroupLinked'))).toEqual({
      status: 'False',
      reason: 'NotMember',
      message: 'member "VirtualMachine/loner" has no group name',
    });
    expect(brief(conditionOf((await f.member('g', 'elsewhere')).conditions, 'GroupLinked'))).toEqual({
      status: 'False',
      reason: 'NotMember',
      message: 'member "VirtualMachine/elsewhere" has different group name: "h"',
    });
    expect((await f.vm('loner'))?.metadata.ownerReferences).toBeUndefined();
  });

  it('reports an already deployed VM as AlreadyPlaced in its zone, and a zone-labelled one as placed by its label', async () => {
    const f = await setup();
    await f.createVm('old', { powerState: 'PoweredOff' });
    await f.createVm(
      'labelled',
      { groupName: 'g', powerState: 'PoweredOff' },
      { [ZONE_LABEL]: f.prepared.zone as string },
    );
    await f.settle();
    await f.edit(f.vmRef('old'), (v) => ({ ...v, spec: { ...(v.spec as object), groupName: 'g' } }));
    await f.createGroup('g', { bootOrder: [{ members: [{ name: 'old' }, { name: 'labelled' }] }] });
    await f.settle();
    expect(brief(conditionOf((await f.member('g', 'old')).conditions, 'PlacementReady'))).toEqual({
      status: 'True',
      reason: 'AlreadyPlaced',
      message: f.prepared.zone,
    });
    expect((await f.member('g', 'old')).placement).toBeUndefined();
    expect((await f.vm('labelled'))?.status?.uniqueID).toBeDefined();
    expect(brief(conditionOf((await f.member('g', 'labelled')).conditions, 'PlacementReady'))?.reason).toBe(
      'AlreadyPlaced',
    );
  });

  it('does not place a VM whose class is missing, and says why', async () => {
    const f = await setup();
    await f.createGroup('g', poweredOn(['a']));
    await f.createVm('a', { groupName: 'g', className: 'no-such-class' });
    await f.settle();
    const placement = conditionOf((await f.member('g', 'a')).conditions, 'PlacementReady');
    expect(placement?.status).toBe('False');
    expect(placement?.reason).toBe('NotReady');
    expect(placement?.message).toMatch(/^failed to get VM placement prereqs: .*no-such-class/);
    expect((await f.vm('a'))?.status?.uniqueID).toBeUndefined();
  });

  it("says why a VM whose image is missing is not placed, as vm-operator's image lookup fails", async () => {
    const f = await setup();
    await f.createGroup('g', poweredOn(['a']));
    await f.createVm('a', { groupName: 'g', image: { kind: 'VirtualMachineImage', name: 'vmi-nope' } });
    await f.settle();
    const missing = 'virtualmachineimages.vmoperator.vmware.com "vmi-nope" not found';
    expect(conditionOf((await f.member('g', 'a')).conditions, 'PlacementReady')?.message).toBe(
      `failed to get VM placement prereqs: ${missing}: ${missing}`,
    );
  });

  it('powers its members on in boot order, each boot order group after its delay', async () => {
    const f = await setup();
    await f.createVm('db', { groupName: 'app', powerState: 'PoweredOff' });
    await f.createVm('web', { groupName: 'app', powerState: 'PoweredOff' });
    await f.createGroup('app', {
      bootOrder: [{ members: [{ name: 'db' }] }, { members: [{ name: 'web' }], powerOnDelay: '30s' }],
    });
    await f.settle();
    expect((await f.vm('web'))?.status?.powerState).toBe('PoweredOff');

    const start = f.vsphere.clock.now();
    await f.edit(f.groupRef('app'), (g) => ({
      ...g,
      spec: { ...(g.spec as object), powerState: 'PoweredOn' },
    }));
    await f.settle();
    expect((await f.vm('db'))?.status?.powerState).toBe('PoweredOn');
    const web = await f.vm('web');
    expect(web?.spec?.powerState).toBe('PoweredOn');
    expect(web?.metadata.annotations?.[APPLY_POWER_STATE_TIME]).toBe(
      new Date(start + 30_000).toISOString().replace('.000', ''),
    );
    expect(web?.status?.powerState).toBe('PoweredOff');
    expect(brief(conditionOf((await f.member('app', 'web')).conditions, 'PowerStateSynced'))).toEqual({
      status: 'False',
      reason: 'Pending',
      message: '',
    });

    await f.advance(29_000);
    expect((await f.vm('web'))?.status?.powerState).toBe('PoweredOff');
    await f.advance(1_000);
    const on = await f.vm('web');
    expect(on?.status?.powerState).toBe('PoweredOn');
    expect(on?.metadata.annotations?.[APPLY_POWER_STATE_TIME]).toBeUndefined();
    expect(brief(conditionOf((await f.member('app', 'web')).conditions, 'PowerStateSynced'))?.status).toBe(
      'True',
    );
  });

  it('deploys a new member whose power-on is pushed for later off, and powers it on at its time', async () => {
    const f = await setup();
    await f.createGroup('app', {
      powerState: 'PoweredOn',
      bootOrder: [{ members: [{ name: 'db' }] }, { members: [{ name: 'web' }], powerOnDelay: '30s' }],
    });
    await f.createVm('db', { groupName: 'app', powerState: 'PoweredOff' });
    await f.createVm('web', { groupName: 'app', powerState: 'PoweredOff' });
    await f.settle();
    expect((await f.vm('db'))?.status?.powerState).toBe('PoweredOn');
    const web = await f.vm('web');
    expect(web?.spec?.powerState).toBe('PoweredOn');
    expect(web?.metadata.annotations?.[APPLY_POWER_STATE_TIME]).toBeDefined();
    expect(web?.status?.uniqueID).toBeDefined();
    expect(web?.status?.powerState).toBe('PoweredOff');
    await f.advance(29_000);
    expect((await f.vm('web'))?.status?.powerState).toBe('PoweredOff');
    await f.advance(1_000);
    expect((await f.vm('web'))?.status?.powerState).toBe('PoweredOn');
  });

  it("gives its members its power modes, a VM's default where it has none", async () => {
    const f = await setup();
    await f.createGroup('app', poweredOn(['db']));
    await f.createVm('db', { groupName: 'app', powerOffMode: 'Hard', suspendMode: 'Soft' });
    await f.settle();
    const modes = async () => {
      const spec = (await f.vm('db'))?.spec;
      return [spec?.powerState, spec?.powerOffMode, spec?.suspendMode];
    };
    expect(await modes()).toEqual(['PoweredOn', 'TrySoft', 'TrySoft']);
    await f.edit(f.groupRef('app'), (g) => ({
      ...g,
      spec: { ...(g.spec as object), powerState: 'PoweredOff', powerOffMode: 'Hard' },
    }));
    await f.settle();
    expect(await modes()).toEqual(['PoweredOff', 'Hard', 'TrySoft']);
  });

  it('powers off in reverse boot order, and reports a member changed outside the group as NotSynced', async () => {
    const f = await setup();
    await f.createVm('db', { groupName: 'app' });
    await f.createVm('web', { groupName: 'app' });
    await f.createGroup('app', {
      powerState: 'PoweredOn',
      bootOrder: [{ members: [{ name: 'db' }] }, { members: [{ name: 'web' }] }],
    });
    await f.settle();
    await f.edit(f.groupRef('app'), (g) => ({
      ...g,
      spec: { ...(g.spec as object), powerState: 'PoweredOff' },
    }));
    await f.settle();
    expect((await f.vm('db'))?.status?.powerState).toBe('PoweredOff');
    expect((await f.vm('web'))?.status?.powerState).toBe('PoweredOff');
    const applied = (await f.group('app'))?.status?.lastUpdatedPowerStateTime;
    expect(applied).toBeDefined();

    await f.edit(f.vmRef('web'), (v) => ({ ...v, spec: { ...(v.spec as object), powerState: 'PoweredOn' } }));
    await f.settle();
    expect((await f.vm('web'))?.status?.powerState).toBe('PoweredOn');
    expect(brief(conditionOf((await f.member('app', 'web')).conditions, 'PowerStateSynced'))).toEqual({
      status: 'False',
      reason: 'NotSynced',
      message: '',
    });
  });

  it('links a child group, places its VMs from the root, mirrors its Ready; members go with a deleted group', async () => {
    const f = await setup();
    await f.createGroup('root', {
      bootOrder: [{ members: [{ name: 'child', kind: 'VirtualMachineGroup' }] }],
    });
    await f.createGroup('child', { groupName: 'root', bootOrder: [{ members: [{ name: 'a' }] }] });
    await f.createVm('a', { groupName: 'child' });
    await f.settle();
    const child = await f.group('child');
    expect(brief(conditionOf(child?.status?.conditions, 'GroupLinked'))?.status).toBe('True');
    expect(child?.metadata.ownerReferences?.map((r) => r.name)).toEqual(['root']);
    expect((await f.member('child', 'a')).placement?.zoneID).toBe(f.prepared.zone);
    expect((await f.vm('a'))?.status?.uniqueID).toBeDefined();
    const mirrored = conditionOf((await f.member('root', 'child')).conditions, 'Ready');
    expect(brief(mirrored)).toEqual({ status: 'True', reason: 'True', message: '' });
    expect(brief(conditionOf((await f.group('root'))?.status?.conditions, 'Ready'))?.status).toBe('True');

    await f.kube.delete(f.groupRef('root'));
    await f.settle();
    expect(await f.group('root')).toBeUndefined();
    expect(await f.group('child')).toBeUndefined();
    expect(await f.vm('a')).toBeUndefined();
  });

  it('tells a VM it waits for its group to place it', async () => {
    const f = await setup();
    // A group that cannot place its VM: its class is missing.
    await f.createGroup('g', poweredOn(['a', 'b']));
    await f.createVm('a', { groupName: 'g' });
    await f.createVm('b', { groupName: 'g', className: 'no-such-class' });
    await f.settle();
    const vm = await f.vm('a');
    expect(brief(conditionOf(vm?.status?.conditions, 'GroupLinked'))?.status).toBe('True');
    expect(brief(conditionOf(vm?.status?.conditions, 'VirtualMachineConditionPlacementReady'))).toEqual({
      status: 'False',
      reason: 'NotReady',
      message: 'VM Group placement is not ready',
    });
    expect(vm?.status?.uniqueID).toBeUndefined();
    expect(brief(conditionOf((await f.group('g'))?.status?.conditions, 'Ready'))?.status).toBe('False');
  });

  it('places a VM whose bootstrap Secret is missing: placement needs no bootstrap', async () => {
    const f = await setup();
    await f.createGroup('g', poweredOn(['a']));
    await f.createVm('a', {
      groupName: 'g',
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'gone', key: 'user-data' } } },
    });
    await f.settle();
    expect(brief(conditionOf((await f.member('g', 'a')).conditions, 'PlacementReady'))?.status).toBe('True');
    expect(
      brief(conditionOf((await f.vm('a'))?.status?.conditions, 'VirtualMachineBootstrapReady'))?.status,
    ).toBe('False');
  });

  it('pushes a stamp once to a VM that cannot act on it, while another member is missing, and settles', async () => {
    const f = await setup();
    await f.createVm('held', { groupName: 'g', powerState: 'PoweredOff' });
    await f.createGroup('g', { bootOrder: [{ members: [{ name: 'held' }] }] });
    await f.settle();
    expect((await f.vm('held'))?.status?.powerState).toBe('PoweredOff');
    // A Supervisor service holds the VM's power-on; the group then lists a member not made yet.
    const held = f.kube.direct.get(f.vmRef('held')) as KubeObject;
    f.kube.direct.update({
      ...held,
      metadata: {
        ...held.metadata,
        annotations: { ...held.metadata.annotations, 'poweron.check.vmoperator.vmware.com/svc': 'x' },
      },
    });
    await f.edit(f.groupRef('g'), (g) => ({
      ...g,
      spec: { powerState: 'PoweredOn', bootOrder: [{ members: [{ name: 'held' }, { name: 'missing' }] }] },
    }));
    await f.settle();
    const vm = await f.vm('held');
    expect(vm?.spec?.powerState).toBe('PoweredOn');
    expect(vm?.status?.powerState).toBe('PoweredOff');
    expect(brief(conditionOf((await f.member('g', 'held')).conditions, 'PowerStateSynced'))).toEqual({
      status: 'False',
      reason: 'Pending',
      message: '',
    });
    // The missing member keeps the stamp from being recorded.
    expect((await f.group('g'))?.status?.lastUpdatedPowerStateTime).toBeUndefined();
  });

  it("brings a deployed VM's GroupLinked back when its group lists it again", async () => {
    const f = await setup();
    await f.createGroup('g', poweredOn(['a']));
    await f.createVm('a', { groupName: 'g' });
    await f.settle();
    await f.edit(f.groupRef('g'), (g) => ({ ...g, spec: poweredOn([]) }));
    // The VM's next pass (any change of it) sees it is no member any more.
    await f.edit(f.vmRef('a'), (v) => ({
      ...v,
      metadata: { ...v.metadata, labels: { ...v.metadata.labels, touched: 'yes' } },
    }));
    await f.settle();
    expect(brief(conditionOf((await f.vm('a'))?.status?.conditions, 'GroupLinked'))?.reason).toBe(
      'NotMember',
    );
    await f.edit(f.groupRef('g'), (g) => ({ ...g, spec: poweredOn(['a']) }));
    await f.settle();
    expect(brief(conditionOf((await f.vm('a'))?.status?.conditions, 'GroupLinked'))?.status).toBe('True');
  });

  it('fails a group that names a parent not listing it: GroupLinked NotMember, Ready Error', async () => {
    const f = await setup();
    await f.createGroup('root', { bootOrder: [] });
    await f.createGroup('child', { groupName: 'root' });
    await f.settle();
    const child = await f.group('child');
    expect(brief(conditionOf(child?.status?.conditions, 'GroupLinked'))).toEqual({
      status: 'False',
      reason: 'NotMember',
      message: '',
    });
    expect(brief(conditionOf(child?.status?.conditions, 'Ready'))).toEqual({
      status: 'False',
      reason: 'Error',
      message: 'failed to reconcile group name: group is not linked to its parent group',
    });
  });
});
