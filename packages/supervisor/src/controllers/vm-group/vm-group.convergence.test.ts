/**
 * Property-based convergence of VirtualMachineGroups with the VirtualMachine controller: random
 * interleavings of a group made, edited (members, power state) and deleted, VMs made naming the
 * group or not, renamed into and out of it, powered and deleted, with the Supervisor running in
 * between by whole or partial rounds, always settle (no push and drop of a power state without
 * end) and end with one vSphere VM per VirtualMachine and, once every VM the group lists exists
 * and names it, each of them deployed, linked and placed, the group saying so.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineGroup } from '../../api/types.js';
import { isKubeError } from '../../store/errors.js';
import { createSupervisorFixture, type SupervisorFixture } from '../../testing/fixture.js';
import { isConditionTrue } from '../virtualmachine/conditions.js';
import { listsMember, MEMBER_CONDITION } from './membership.js';

const V6 = 'vmoperator.vmware.com/v1alpha6';
const NAMES = ['vm-a', 'vm-b', 'vm-c', 'vm-d'] as const;
const GROUP_NAME = 'g';

type Power = 'PoweredOn' | 'PoweredOff';
type Command =
  | { op: 'createGroup' | 'editGroup'; members: number[]; power: Power | undefined }
  | { op: 'deleteGroup' | 'settle' | 'round' | 'advance' }
  | { op: 'createVm'; vm: number; grouped: boolean; power: Power }
  | { op: 'groupName'; vm: number; grouped: boolean }
  | { op: 'power'; vm: number; power: Power }
  | { op: 'deleteVm'; vm: number };

const vmIndex = fc.nat({ max: NAMES.length - 1 });
const power = fc.constantFrom<Power>('PoweredOn', 'PoweredOff');
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom('createGroup' as const, 'editGroup' as const),
      members: fc.subarray(NAMES.map((_, i) => i)),
      power: fc.option(power, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteGroup' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('createVm' as const), vm: vmIndex, grouped: fc.boolean(), power }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('groupName' as const), vm: vmIndex, grouped: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('power' as const), vm: vmIndex, power }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteVm' as const), vm: vmIndex }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constantFrom('settle' as const, 'round' as const, 'advance' as const) }),
  },
);

interface World extends SupervisorFixture {
  image: string;
  storageClass: string;
}

const vmRef = (name: string) => ({ apiVersion: V6, kind: 'VirtualMachine', namespace: 'ns1', name });
const groupRef = { apiVersion: V6, kind: 'VirtualMachineGroup', namespace: 'ns1', name: GROUP_NAME };

async function setup(): Promise<World> {
  // Strict: a field the controllers or these commands write that its CRD lacks fails the write.
  const f = await createSupervisorFixture({ namespaces: ['ns1'], fieldValidation: 'Strict' });
  const images = await f.kube.list({ apiVersion: V6, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const image = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'));
  const prepared = await f.supervisor.prepareNamespace('ns1');
  return { ...f, image: image?.metadata.name as string, storageClass: prepared.storageClass };
}

const groupSpec = (c: Extract<Command, { op: 'createGroup' | 'editGroup' }>) => ({
  ...(c.power ? { powerState: c.power } : {}),
  // One boot order group per member, 10 s apart.
  bootOrder: c.members.map((i, n) => ({
    members: [{ name: NAMES[i] as string }],
    ...(n > 0 ? { powerOnDelay: '10s' } : {}),
  })),
});

async function run(w: World, c: Command): Promise<void> {
  const name = 'vm' in c ? (NAMES[c.vm] as string) : '';
  switch (c.op) {
    case 'createGroup':
      await w.kube.create({
        apiVersion: V6,
        kind: 'VirtualMachineGroup',
        metadata: { name: GROUP_NAME, namespace: 'ns1' },
        spec: groupSpec(c),
      });
      return;
    case 'editGroup': {
      const group = await w.kube.get(groupRef);
      // Once set, a group's power state stays set.
      const spec = groupSpec(c);
      await w.kube.update({
        ...group,
        spec: { ...spec, powerState: spec.powerState ?? (group.spec as { powerState?: Power }).powerState },
      });
      return;
    }
    case 'deleteGroup':
      await w.kube.delete(groupRef);
      return;
    case 'createVm':
      await w.kube.create({
        apiVersion: V6,
        kind: 'VirtualMachine',
        metadata: { name, namespace: 'ns1' },
        spec: {
          className: 'best-effort-small',
          image: { kind: 'VirtualMachineImage', name: w.image },
          storageClass: w.storageClass,
          powerState: c.power,
          ...(c.grouped ? { groupName: GROUP_NAME } : {}),
        },
      });
      return;
    case 'groupName':
      await w.kube.patch(
        vmRef(name),
        { spec: { groupName: c.grouped ? GROUP_NAME : null } },
        { type: 'merge' },
      );
      return;
    case 'power':
      await w.kube.patch(vmRef(name), { spec: { powerState: c.power } }, { type: 'merge' });
      return;
    case 'deleteVm':
      await w.kube.delete(vmRef(name));
      return;
    case 'settle':
      await w.settle();
      return;
    case 'advance':
      await w.advance(4_000);
      return;
    case 'round':
      await w.round();
      return;
  }
}

/** 404 and 409 answer racing clients: a VM or group that is not there, or there already. */
async function runTolerant(w: World, c: Command): Promise<void> {
  try {
    await run(w, c);
  } catch (error) {
    if (!(isKubeError(error) && (error.code === 404 || error.code === 409))) throw error;
  }
}

async function assertConverged(w: World): Promise<void> {
  const vms = (await w.kube.list({ apiVersion: V6, kind: 'VirtualMachine', namespace: 'ns1' }))
    .items as unknown as VirtualMachine[];
  const group = (await w.find(groupRef)) as unknown as VirtualMachineGroup | undefined;
  // As vm-operator's, a group places its VMs once every member it lists exists and names it.
  const listed = (group?.spec?.bootOrder ?? []).flatMap((o) => (o.members ?? []).map((m) => m.name));
  const complete = listed.every((name) =>
    vms.some((vm) => vm.metadata.name === name && vm.spec?.groupName === GROUP_NAME),
  );
  for (const vm of vms) {
    const name = vm.metadata.name as string;
    const conditions = vm.status?.conditions;
    if (vm.status?.uniqueID) {
      const records = [...w.vsphere.store.ofKind('VirtualMachine')].filter((r) => r.name === name);
      expect(
        records.map((r) => r.id),
        `${name}: one vSphere VM`,
      ).toEqual([vm.status.uniqueID]);
    }
    const member =
      complete &&
      group !== undefined &&
      vm.spec?.groupName === GROUP_NAME &&
      listsMember(group, 'VirtualMachine', name);
    if (!member) continue;
    expect(vm.status?.uniqueID, `${name}: a member is deployed`).toBeTruthy();
    expect(isConditionTrue(conditions, MEMBER_CONDITION.groupLinked), `${name}: linked`).toBe(true);
    const status = group?.status?.members?.find((m) => m.name === name);
    expect(
      isConditionTrue(status?.conditions, MEMBER_CONDITION.groupLinked),
      `${name}: the group links it`,
    ).toBe(true);
    expect(
      isConditionTrue(status?.conditions, MEMBER_CONDITION.placementReady),
      `${name}: the group placed it`,
    ).toBe(true);
  }
}

describe('VirtualMachineGroups under random interleavings of operations', () => {
  it('always settle, and converge to their members deployed, linked and placed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), async (commands) => {
        const w = await setup();
        for (const c of commands) await runTolerant(w, c);
        await w.settle();
        // Delays and backoffs run out.
        for (let i = 0; i < 3; i++) await w.advance(30_000);
        await assertConverged(w);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
