import { describe, expect, it } from 'vitest';
import { CHILD_POOL_ALLOCATION } from '../inventory/defaults.js';
import type { ComputeResourceRecord, ResourcePoolRecord, VmRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import { createFixture } from '../testing/fixture.js';
import type { VSphereOptions } from '../vsphere.js';

const ROOT = '/DC0/host/DC0_C0/Resources';

const setup = (options: VSphereOptions = {}) => {
  const fixture = createFixture(options);
  const pool = (id: string) => fixture.vsphere.store.get(id) as ResourcePoolRecord;
  return { ...fixture, pool, root: fixture.at<ResourcePoolRecord>(ROOT) };
};

const fault = (f: Record<string, unknown>) => expect.objectContaining({ fault: expect.objectContaining(f) });

describe('CreateResourcePool', () => {
  it('creates a child pool with the default allocation, owned by the parent owner', () => {
    const { vsphere, at, pool, lastEvent, root } = setup();
    const ref = vsphere.pool.create(root.id, 'rp');
    expect(ref).toEqual({ type: 'ResourcePool', value: expect.stringMatching(/^resgroup-\d+$/) });
    const cluster = at<ComputeResourceRecord>('/DC0/host/DC0_C0');
    expect(pool(ref.value)).toEqual({
      id: ref.value,
      kind: 'ResourcePool',
      name: 'rp',
      parent: root.id,
      owner: cluster.id,
      cpuAllocation: CHILD_POOL_ALLOCATION.cpu,
      memoryAllocation: CHILD_POOL_ALLOCATION.memory,
    });
    expect(vsphere.store.referrers('childEntity', root.id).has(ref.value)).toBe(true);
    expect(lastEvent()).toMatchObject({
      _type: 'ResourcePoolCreatedEvent',
      resourcePool: { name: 'rp', resourcePool: ref },
      parent: { name: 'Resources', resourcePool: { type: 'ResourcePool', value: root.id } },
      computeResource: {
        name: 'DC0_C0',
        computeResource: { type: 'ClusterComputeResource', value: cluster.id },
      },
      datacenter: { name: 'DC0' },
      fullFormattedMessage: 'Created resource pool rp in compute-resource DC0_C0 in DC0',
    });
  });

  it('takes the allocation a spec gives, with the share values of its level', () => {
    const { vsphere, pool, root } = setup();
    const ref = vsphere.pool.create(root.id, 'rp', {
      cpuAllocation: {
        reservation: 100,
        limit: 200,
        expandableReservation: false,
        shares: { level: 'high' },
      },
      memoryAllocation: { shares: { level: 'custom', shares: 500 } },
    });
    expect(pool(ref.value).cpuAllocation).toEqual({
      reservation: 100,
      expandableReservation: false,
      limit: 200,
      shares: { level: 'high', shares: 8000 },
    });
    expect(pool(ref.value).memoryAllocation).toEqual({
      ...CHILD_POOL_ALLOCATION.memory,
      shares: { level: 'custom', shares: 500 },
    });
    const nested = vsphere.pool.create(ref, 'inner', {
      memoryAllocation: { shares: { level: 'low', shares: 1 } },
    });
    expect(pool(nested.value).memoryAllocation.shares).toEqual({ level: 'low', shares: 81920 });
  });

  it.each([
    ['a negative reservation', { reservation: -1 }],
    ['a limit below -1', { limit: -2 }],
    ['a reservation above the limit', { reservation: 300, limit: 200 }],
    ['custom shares without a count', { shares: { level: 'custom' as const } }],
    ['negative custom shares', { shares: { level: 'custom' as const, shares: -5 } }],
    ['an unknown shares level', { shares: { level: 'most' as 'high' } }],
    ['an overhead limit', { overheadLimit: 10 }],
    ['a fractional reservation', { reservation: 1.5 }],
  ])('refuses %s with InvalidArgument naming the allocation', (_, bad) => {
    const { vsphere, root } = setup();
    const version = vsphere.store.version;
    const events = vsphere.events.list().length;
    expect(() => vsphere.pool.create(root.id, 'rp', { cpuAllocation: bad })).toThrow(
      fault({ _type: 'InvalidArgument', invalidProperty: 'spec.cpuAllocation' }),
    );
    expect(() => vsphere.pool.create(root.id, 'rp', { memoryAllocation: bad })).toThrow(
      fault({ _type: 'InvalidArgument', invalidProperty: 'spec.memoryAllocation' }),
    );
    expect(vsphere.store.version).toBe(version);
    expect(vsphere.events.list()).toHaveLength(events);
  });

  it('refuses a sibling name with DuplicateName and a bad name with InvalidName', () => {
    const { vsphere, root } = setup();
    const rp = vsphere.pool.create(root.id, 'rp');
    expect(() => vsphere.pool.create(root.id, 'rp')).toThrow(
      fault({ _type: 'DuplicateName', name: 'rp', object: rp }),
    );
    expect(() => vsphere.pool.create(root.id, '')).toThrow(fault({ _type: 'InvalidName', name: '' }));
    expect(() => vsphere.pool.create(root.id, 'p'.repeat(81))).toThrow(fault({ _type: 'InvalidName' }));
    expect(vsphere.store.referrers('childEntity', root.id).size).toBe(1);
  });

  it('refuses a parent that is not a pool with ManagedObjectNotFound', () => {
    const { vsphere, at } = setup();
    expect(() => vsphere.pool.create(at('/DC0/host/DC0_C0').id, 'rp')).toThrow(
      fault({ _type: 'ManagedObjectNotFound' }),
    );
  });
});

describe('UpdateConfig', () => {
  it('renames a pool and changes only the allocation fields given', () => {
    const { vsphere, pool, lastEvent, root } = setup();
    const ref = vsphere.pool.create(root.id, 'rp', { cpuAllocation: { reservation: 10 } });
    vsphere.pool.update(ref, 'renamed', { cpuAllocation: { limit: 500 } });
    expect(pool(ref.value)).toMatchObject({
      name: 'renamed',
      cpuAllocation: { ...CHILD_POOL_ALLOCATION.cpu, reservation: 10, limit: 500 },
      memoryAllocation: CHILD_POOL_ALLOCATION.memory,
    });
    expect(lastEvent()).toMatchObject({
      _type: 'ResourcePoolReconfiguredEvent',
      resourcePool: { name: 'renamed', resourcePool: ref },
      fullFormattedMessage: 'Updated configuration for renamed in compute-resource DC0_C0 in DC0',
    });
    vsphere.pool.update(ref, 'renamed');
    expect(pool(ref.value).name).toBe('renamed');
  });

  it('refuses a sibling name, a bad name and a bad allocation, and changes nothing', () => {
    const { vsphere, pool, root } = setup();
    const a = vsphere.pool.create(root.id, 'a');
    const b = vsphere.pool.create(root.id, 'b');
    const before = pool(b.value);
    expect(() => vsphere.pool.update(b, 'a')).toThrow(
      fault({ _type: 'DuplicateName', name: 'a', object: a }),
    );
    expect(() => vsphere.pool.update(b, '')).toThrow(fault({ _type: 'InvalidName' }));
    expect(() => vsphere.pool.update(b, 'c', { memoryAllocation: { reservation: -3 } })).toThrow(
      fault({ _type: 'InvalidArgument', invalidProperty: 'spec.memoryAllocation' }),
    );
    expect(pool(b.value)).toBe(before);
  });
});

describe('MoveIntoResourcePool', () => {
  it('moves a VM into a pool of its compute resource', () => {
    const { vsphere, at, lastEvent, root } = setup();
    const rp = vsphere.pool.create(root.id, 'rp');
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    vsphere.pool.moveInto(rp, [vm.id]);
    expect((vsphere.store.get(vm.id) as VmRecord).pool).toBe(rp.value);
    expect(vsphere.store.referrers('vm', rp.value).has(vm.id)).toBe(true);
    expect(vsphere.store.referrers('vm', root.id).has(vm.id)).toBe(false);
    expect(lastEvent()).toMatchObject({
      _type: 'VmResourcePoolMovedEvent',
      vm: { name: vm.name },
      oldParent: { name: 'Resources', resourcePool: { type: 'ResourcePool', value: root.id } },
      newParent: { name: 'rp', resourcePool: rp },
      fullFormattedMessage: `Moved ${vm.name} from resource pool Resources to rp in DC0`,
    });
  });

  it('moves a pool under a sibling', () => {
    const { vsphere, pool, lastEvent, root } = setup();
    const a = vsphere.pool.create(root.id, 'a');
    const b = vsphere.pool.create(root.id, 'b');
    vsphere.pool.moveInto(a, [b]);
    expect(pool(b.value).parent).toBe(a.value);
    expect(vsphere.store.referrers('childEntity', a.value).has(b.value)).toBe(true);
    expect(lastEvent()).toMatchObject({
      _type: 'ResourcePoolMovedEvent',
      oldParent: { name: 'Resources' },
      newParent: { name: 'a' },
      fullFormattedMessage: 'Moved resource pool b from Resources to a on DC0_C0 in DC0',
    });
  });

  it('refuses other compute resources, the root pool, descendants and other kinds with InvalidArgument', () => {
    const { vsphere, at, pool, root } = setup();
    const a = vsphere.pool.create(root.id, 'a');
    const inner = vsphere.pool.create(a, 'inner');
    const standalone = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const other = at<ResourcePoolRecord>('/DC0/host/DC0_H0/Resources');
    const cases = [
      [a, [standalone.id]],
      [inner, [a]],
      [a, [root.id]],
      [other.id, [a]],
      [a, [at('/DC0/host/DC0_C0/DC0_C0_H0').id]],
    ] as const;
    for (const [into, list] of cases)
      expect(() => vsphere.pool.moveInto(into, list)).toThrow(
        fault({ _type: 'InvalidArgument', invalidProperty: 'list' }),
      );
    expect(pool(a.value).parent).toBe(root.id);
    expect((vsphere.store.get(standalone.id) as VmRecord).pool).toBe(standalone.pool);
  });

  it('refuses a name taken in the target with DuplicateName, moving nothing', () => {
    const { vsphere, at, pool, root } = setup();
    const a = vsphere.pool.create(root.id, 'a');
    vsphere.pool.create(a, 'x');
    const b = vsphere.pool.create(root.id, 'b');
    const bx = vsphere.pool.create(b, 'x');
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM1');
    expect(() => vsphere.pool.moveInto(a, [vm.id, bx])).toThrow(
      fault({ _type: 'DuplicateName', name: 'x', object: { type: 'ResourcePool', value: a.value } }),
    );
    expect(pool(bx.value).parent).toBe(b.value);
    expect((vsphere.store.get(vm.id) as VmRecord).pool).toBe(root.id);
  });

  it('refuses a template with NotSupported', () => {
    const { vsphere, at, root } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM1');
    vsphere.store.transact((tx) =>
      putVm(tx, { ...vm, powerState: 'poweredOff', config: { ...vm.config, template: true } }),
    );
    const rp = vsphere.pool.create(root.id, 'rp');
    expect(() => vsphere.pool.moveInto(rp, [vm.id])).toThrow(fault({ _type: 'NotSupported' }));
  });
});

describe('Destroy_Task on a pool', () => {
  it('refuses the root pool of a compute resource with NotSupported', async () => {
    const { vsphere, run, root, taskInfo } = setup();
    const task = vsphere.pool.destroy(root.id);
    expect(taskInfo(task).descriptionId).toBe('ResourcePool.destroy');
    await expect(run(task)).rejects.toMatchObject({ fault: { _type: 'NotSupported' } });
    expect(vsphere.store.has(root.id)).toBe(true);
  });

  it('destroys child pools too and moves every VM up to the parent pool', async () => {
    const { vsphere, at, run, root } = setup({ inventory: { pool: 1 } });
    const rp1 = at<ResourcePoolRecord>(`${ROOT}/DC0_C0_RP1`);
    const inner = vsphere.pool.create(rp1.id, 'inner');
    const vm0 = at<VmRecord>('/DC0/vm/DC0_C0_RP1_VM0');
    const vm1 = at<VmRecord>('/DC0/vm/DC0_C0_RP1_VM1');
    vsphere.pool.moveInto(inner, [vm1.id]);
    const events = vsphere.events.list().length;
    await run(vsphere.pool.destroy(rp1.id));
    expect(vsphere.store.has(rp1.id)).toBe(false);
    expect(vsphere.store.has(inner.value)).toBe(false);
    for (const vm of [vm0, vm1]) {
      const now = vsphere.store.get(vm.id) as VmRecord;
      expect(now).toMatchObject({ pool: root.id, powerState: 'poweredOn', host: vm.host });
      expect(vsphere.store.referrers('vm', root.id).has(vm.id)).toBe(true);
    }
    const posted = vsphere.events.list().slice(events);
    expect(posted.map((e) => e._type)).toEqual(['ResourcePoolDestroyedEvent', 'ResourcePoolDestroyedEvent']);
    expect(posted.map((e) => e.fullFormattedMessage)).toEqual([
      'Removed resource pool inner on DC0_C0 in DC0',
      'Removed resource pool DC0_C0_RP1 on DC0_C0 in DC0',
    ]);
  });

  it('moves a vApp in the pool up to the parent pool', async () => {
    const { vsphere, at, run, pool, root } = setup({ inventory: { app: 1 } });
    const app = at<ResourcePoolRecord>(`${ROOT}/DC0_C0_APP0`);
    const rp = vsphere.pool.create(root.id, 'rp');
    vsphere.pool.moveInto(rp, [app.id]);
    expect(pool(app.id).parent).toBe(rp.value);
    await run(vsphere.pool.destroy(rp));
    expect(pool(app.id).parent).toBe(root.id);
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_APP0_VM0');
    expect(vm).toMatchObject({ pool: app.id, parentVApp: app.id });
  });
});

describe('UpdateChildResourceConfiguration', () => {
  it("changes child pools' and VMs' allocations in one call, each with its event", () => {
    const { vsphere, at, pool, root } = setup();
    const rp = vsphere.pool.create(root.id, 'rp');
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    const events = vsphere.events.list().length;
    vsphere.pool.updateChildren(root.id, [
      { entity: rp, cpuAllocation: { reservation: 300, expandableReservation: false } },
      { entity: { type: 'VirtualMachine', value: vm.id }, memoryAllocation: { reservation: 64 } },
    ]);
    expect(pool(rp.value).cpuAllocation).toMatchObject({ reservation: 300, expandableReservation: false });
    expect((vsphere.store.get(vm.id) as VmRecord).config.memoryAllocation).toMatchObject({ reservation: 64 });
    const posted = vsphere.events.list().slice(events);
    expect(posted.map((e) => e._type)).toEqual(['ResourcePoolReconfiguredEvent', 'VmReconfiguredEvent']);
    expect(posted[1]).toMatchObject({
      configSpec: { _type: 'VirtualMachineConfigSpec', memoryAllocation: { reservation: 64 } },
    });
  });

  it('changes nothing when one entry names no child of the pool or an unusable allocation', () => {
    const { vsphere, at, pool, root } = setup();
    const rp = vsphere.pool.create(root.id, 'rp');
    const inner = vsphere.pool.create(rp.value, 'inner');
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    const first = { entity: rp, cpuAllocation: { reservation: 300 } };
    for (const [second, field] of [
      [{ entity: inner, cpuAllocation: { reservation: 1 } }, 'spec.entity'],
      [{ cpuAllocation: { reservation: 1 } }, 'spec.entity'],
      [
        { entity: { type: 'VirtualMachine', value: vm.id }, cpuAllocation: { reservation: -5 } },
        'spec.cpuAllocation',
      ],
    ] as const) {
      expect(() => vsphere.pool.updateChildren(root.id, [first, second])).toThrow(
        expect.objectContaining({
          fault: expect.objectContaining({ _type: 'InvalidArgument', invalidProperty: field }),
        }),
      );
      expect(pool(rp.value).cpuAllocation.reservation).toBe(0);
    }
    expect((vsphere.store.get(vm.id) as VmRecord).config.cpuAllocation).toBeUndefined();
  });
});

describe('DestroyChildren', () => {
  it('destroys every child pool, their VMs moving up, and leaves the pool', () => {
    const { vsphere, at, root } = setup({ inventory: { pool: 2 } });
    const rp1 = at<ResourcePoolRecord>(`${ROOT}/DC0_C0_RP1`);
    const rp2 = at<ResourcePoolRecord>(`${ROOT}/DC0_C0_RP2`);
    vsphere.pool.destroyChildren(root.id);
    expect(vsphere.store.has(rp1.id) || vsphere.store.has(rp2.id)).toBe(false);
    expect(vsphere.store.has(root.id)).toBe(true);
    expect((vsphere.store.get(at('/DC0/vm/DC0_C0_RP1_VM0').id) as VmRecord).pool).toBe(root.id);
    expect(vsphere.events.list().at(-1)?._type).toBe('ResourcePoolDestroyedEvent');
  });
});
