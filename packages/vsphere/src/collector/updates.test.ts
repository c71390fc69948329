import { describe, expect, it } from 'vitest';
import { findByInventoryPath } from '../inventory/paths.js';
import type { InventoryRecord, VmRecord } from '../inventory/records.js';
import { newVmRecord, putVm } from '../inventory/vm.js';
import { type MoRef, moref } from '../refs.js';
import { createFixture } from '../testing/fixture.js';
import type { VSphere, VSphereOptions } from '../vsphere.js';
import type { ObjectUpdate, UpdateSet } from './results.js';
import type { PropertyFilterSpec } from './spec.js';

const setup = (options: VSphereOptions = {}) => {
  const { vsphere, ref } = createFixture(options);
  const vmView = vsphere.views.createContainerView(ref('/'), ['VirtualMachine'], true);
  return { vsphere, pc: vsphere.collector.get(), ref, vmView };
};

const viewSpec = (view: MoRef, pathSet: string[], type = 'VirtualMachine'): PropertyFilterSpec => ({
  objectSet: [
    { obj: view, skip: true, selectSet: [{ _type: 'TraversalSpec', type: 'ContainerView', path: 'view' }] },
  ],
  propSet: [{ type, pathSet }],
});

const run = async (vsphere: VSphere, task: { wait(): Promise<unknown> }) => {
  vsphere.scheduler.runDue();
  await task.wait();
};

/** The object updates of one filter in an update set. */
const updatesOf = (set: UpdateSet | undefined, filter: MoRef): ObjectUpdate[] =>
  set?.filterSet.find((f) => f.filter.value === filter.value)?.objectSet ?? [];

const addVm = (vsphere: VSphere, name: string, host?: string) => {
  const folder = findByInventoryPath(vsphere.store, '/DC0/vm') as InventoryRecord;
  const like = findByInventoryPath(vsphere.store, '/DC0/vm/DC0_H0_VM0') as VmRecord;
  return vsphere.store.transact((tx) => {
    const vm = newVmRecord(vsphere, tx, {
      name,
      folder: folder.id,
      datastore: like.homeDatastore,
      ...(host ? { host } : {}),
    });
    putVm(tx, vm);
    return vm.id;
  });
};

describe('filters', () => {
  it("are records with their spec, listed in the collector's filter property", () => {
    const { vsphere, pc, vmView } = setup();
    const spec = viewSpec(vmView, ['name']);
    const filter = pc.createFilter(spec, true);
    expect(filter.type).toBe('PropertyFilter');
    expect(filter.value).toMatch(/^session\[/);
    expect(vsphere.read(pc.ref, 'filter')).toEqual([filter]);
    expect(pc.filters).toEqual([filter]);
    expect(vsphere.read(filter, 'spec')).toBe(spec);
    expect(vsphere.read(filter, 'partialUpdates')).toBe(true);
    vsphere.collector.destroyFilter(filter);
    expect(vsphere.read(pc.ref, 'filter')).toEqual([]);
    expect(() => vsphere.collector.destroyFilter(filter)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });

  it('check their spec when created: missing objects, unknown paths', () => {
    const { vsphere, pc, vmView } = setup();
    const gone = moref('VirtualMachine', 'vm-999');
    const spec: PropertyFilterSpec = {
      objectSet: [{ obj: gone }],
      propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }],
    };
    expect(() => pc.createFilter(spec, false)).toThrow(
      expect.objectContaining({ fault: { _type: 'ManagedObjectNotFound', obj: gone } }),
    );
    expect(() => pc.createFilter(viewSpec(vmView, ['bogus']), false)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidProperty', name: 'bogus' } }),
    );
    expect(vsphere.store.countOf('PropertyFilter')).toBe(0);
  });

  it('belong to their collector: another one cannot destroy them', () => {
    const { vsphere, pc, vmView } = setup();
    const filter = pc.createFilter(viewSpec(vmView, ['name']), false);
    const other = vsphere.collector.get(vsphere.collector.create());
    expect(() => other.destroyFilter(filter)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
    expect(vsphere.collector.collectorOf(filter)).toBe(pc);
  });
});

describe('CheckForUpdates', () => {
  it('reports every matched object as entering first, then only what changed', async () => {
    const { vsphere, pc, ref, vmView } = setup();
    const filter = pc.createFilter(viewSpec(vmView, ['name', 'runtime.powerState']), false);
    const first = pc.checkForUpdates('');
    expect(first?.version).toBe('1');
    expect(first?.truncated).toBe(false);
    const entered = updatesOf(first, filter);
    expect(entered).toHaveLength(4);
    expect(entered[0]).toEqual({
      kind: 'enter',
      obj: ref('/DC0/vm/DC0_H0_VM0'),
      changeSet: [
        { name: 'name', op: 'assign', val: 'DC0_H0_VM0' },
        { name: 'runtime.powerState', op: 'assign', val: 'poweredOn' },
      ],
      missingSet: [],
    });
    expect(pc.checkForUpdates(first?.version)).toBeUndefined();
    await run(vsphere, vsphere.vm.powerOff(ref('/DC0/vm/DC0_H0_VM1')));
    const second = pc.checkForUpdates(first?.version);
    expect(Number(second?.version)).toBeGreaterThan(Number(first?.version));
    expect(updatesOf(second, filter)).toEqual([
      {
        kind: 'modify',
        obj: ref('/DC0/vm/DC0_H0_VM1'),
        changeSet: [{ name: 'runtime.powerState', op: 'assign', val: 'poweredOff' }],
        missingSet: [],
      },
    ]);
  });

  it("reports a pool tree's reservations and its cluster's usage when a VM in a child pool reserves more", async () => {
    const { vsphere, pc, ref } = setup();
    const root = ref('/DC0/host/DC0_C0/Resources');
    const cluster = ref('/DC0/host/DC0_C0');
    const vm = ref('/DC0/vm/DC0_C0_RP0_VM0');
    const child = vsphere.pool.create(root, 'rp');
    vsphere.pool.moveInto(child, [vm]);
    const filter = pc.createFilter(
      {
        objectSet: [{ obj: root }, { obj: cluster }],
        propSet: [
          { type: 'ResourcePool', pathSet: ['runtime.cpu.reservationUsed'] },
          { type: 'ClusterComputeResource', pathSet: ['summary.usageSummary.cpuReservationMhz'] },
        ],
      },
      false,
    );
    const v1 = pc.checkForUpdates()?.version;
    await run(vsphere, vsphere.vm.reconfigure(vm, { cpuAllocation: { reservation: 600 } }));
    const changes = updatesOf(pc.checkForUpdates(v1), filter).map((u) => [u.obj.value, u.changeSet]);
    expect(changes).toEqual([
      [root.value, [{ name: 'runtime.cpu.reservationUsed', op: 'assign', val: 600 }]],
      [cluster.value, [{ name: 'summary.usageSummary.cpuReservationMhz', op: 'assign', val: 600 }]],
    ]);
  });

  it('reports the whole runtime to a filter on runtime, and nested changes with partialUpdates', async () => {
    const { vsphere, pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    const spec: PropertyFilterSpec = {
      objectSet: [{ obj: vm }],
      propSet: [{ type: 'VirtualMachine', pathSet: ['runtime'] }],
    };
    const whole = pc.createFilter(spec, false);
    const partial = pc.createFilter(spec, true);
    const v1 = pc.checkForUpdates()?.version;
    await run(vsphere, vsphere.vm.powerOff(vm));
    const set = pc.checkForUpdates(v1);
    const [change] = updatesOf(set, whole)[0]?.changeSet ?? [];
    expect(change).toMatchObject({ name: 'runtime', op: 'assign', val: { powerState: 'poweredOff' } });
    expect(updatesOf(set, partial)[0]?.changeSet).toEqual(
      expect.arrayContaining([
        { name: 'runtime.powerState', op: 'assign', val: 'poweredOff' },
        { name: 'runtime.bootTime', op: 'remove' },
      ]),
    );
  });

  it('reports remove when a property becomes unset', async () => {
    const { vsphere, pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    const filter = pc.createFilter(
      { objectSet: [{ obj: vm }], propSet: [{ type: 'VirtualMachine', pathSet: ['guest.ipAddress'] }] },
      false,
    );
    const v1 = pc.checkForUpdates()?.version;
    await run(vsphere, vsphere.vm.powerOff(vm));
    expect(updatesOf(pc.checkForUpdates(v1), filter)[0]?.changeSet).toEqual([
      { name: 'guest.ipAddress', op: 'remove' },
    ]);
  });

  it('reports enter for a VM that appears in a view and leave for one destroyed', async () => {
    const { vsphere, pc, ref, vmView } = setup();
    const filter = pc.createFilter(viewSpec(vmView, ['name']), false);
    const viewFilter = pc.createFilter(
      { objectSet: [{ obj: vmView }], propSet: [{ type: 'ContainerView', pathSet: ['view'] }] },
      false,
    );
    let version = pc.checkForUpdates()?.version;
    const id = addVm(vsphere, 'fresh');
    let set = pc.checkForUpdates(version);
    expect(updatesOf(set, filter)).toEqual([
      {
        kind: 'enter',
        obj: moref('VirtualMachine', id),
        changeSet: [{ name: 'name', op: 'assign', val: 'fresh' }],
        missingSet: [],
      },
    ]);
    expect(updatesOf(set, viewFilter)[0]?.changeSet[0]?.val).toContainEqual(moref('VirtualMachine', id));
    version = set?.version;
    const doomed = ref('/DC0/vm/DC0_C0_RP0_VM0');
    await run(vsphere, vsphere.vm.powerOff(doomed));
    vsphere.store.transact((tx) => putVm(tx, null, doomed.value));
    set = pc.checkForUpdates(version);
    expect(updatesOf(set, filter)).toEqual([{ kind: 'leave', obj: doomed, changeSet: [], missingSet: [] }]);
  });

  it('reports a root object that disappears as leaving and missing', async () => {
    const { vsphere, pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    const filter = pc.createFilter(
      { objectSet: [{ obj: vm }], propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }] },
      false,
    );
    const v1 = pc.checkForUpdates()?.version;
    await run(vsphere, vsphere.vm.powerOff(vm));
    vsphere.store.transact((tx) => putVm(tx, null, vm.value));
    const update = pc.checkForUpdates(v1)?.filterSet[0];
    expect(update?.objectSet).toEqual([{ kind: 'leave', obj: vm, changeSet: [], missingSet: [] }]);
    expect(update?.missingSet).toEqual([
      { obj: vm, fault: expect.objectContaining({ fault: { _type: 'ManagedObjectNotFound', obj: vm } }) },
    ]);
    expect(filter).toEqual(update?.filter);
  });

  it('reports objects missing from the start when the spec asks for it', () => {
    const { pc } = setup();
    const gone = moref('VirtualMachine', 'vm-999');
    pc.createFilter(
      {
        objectSet: [{ obj: gone }],
        propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }],
        reportMissingObjectsInResults: true,
      },
      false,
    );
    const set = pc.checkForUpdates();
    expect(set?.filterSet[0]?.missingSet.map((m) => m.obj)).toEqual([gone]);
    expect(pc.checkForUpdates(set?.version)).toBeUndefined();
  });

  it('follows derived properties: host.vm when a VM joins the host', () => {
    const { vsphere, pc, ref } = setup();
    const host = ref('/DC0/host/DC0_H0/DC0_H0');
    const filter = pc.createFilter(
      { objectSet: [{ obj: host }], propSet: [{ type: 'HostSystem', pathSet: ['vm'] }] },
      false,
    );
    const v1 = pc.checkForUpdates()?.version;
    const id = addVm(vsphere, 'on-host', host.value);
    const [update] = updatesOf(pc.checkForUpdates(v1), filter);
    expect(update?.kind).toBe('modify');
    expect(update?.changeSet[0]?.val).toContainEqual(moref('VirtualMachine', id));
  });

  it('truncates after maxObjectUpdates and gives the rest on the next call', () => {
    const { pc, vmView } = setup();
    pc.createFilter(viewSpec(vmView, ['name']), false);
    const first = pc.checkForUpdates('', { maxObjectUpdates: 3 });
    expect(first?.truncated).toBe(true);
    expect(first?.filterSet[0]?.objectSet).toHaveLength(3);
    const rest = pc.checkForUpdates(first?.version, { maxObjectUpdates: 3 });
    expect(rest?.truncated).toBe(false);
    expect(rest?.filterSet[0]?.objectSet).toHaveLength(1);
    expect(pc.checkForUpdates(rest?.version)).toBeUndefined();
  });

  it("reports a new filter's objects as entering at the next check", () => {
    const { pc, vmView } = setup();
    const v1 = pc.checkForUpdates()?.version;
    const filter = pc.createFilter(viewSpec(vmView, ['name']), false);
    expect(updatesOf(pc.checkForUpdates(v1), filter)).toHaveLength(4);
  });

  it('faults a version this collector did not issue, and resends everything for an older one', async () => {
    const { vsphere, pc, ref, vmView } = setup();
    const filter = pc.createFilter(viewSpec(vmView, ['runtime.powerState']), false);
    for (const version of ['1', 'x', '-1', '01'])
      expect(() => pc.checkForUpdates(version)).toThrow(
        expect.objectContaining({ name: 'InvalidCollectorVersion' }),
      );
    const v1 = pc.checkForUpdates()?.version;
    await run(vsphere, vsphere.vm.powerOff(ref('/DC0/vm/DC0_H0_VM0')));
    const v2 = pc.checkForUpdates(v1)?.version;
    expect(v2).toBe('2');
    const again = pc.checkForUpdates(v1);
    expect(updatesOf(again, filter).map((u) => u.kind)).toEqual(['enter', 'enter', 'enter', 'enter']);
    const other = vsphere.collector.get(vsphere.collector.create());
    expect(() => other.checkForUpdates(v2)).toThrow(
      expect.objectContaining({ name: 'InvalidCollectorVersion' }),
    );
  });

  it('stops reporting a destroyed filter', async () => {
    const { vsphere, pc, ref, vmView } = setup();
    const filter = pc.createFilter(viewSpec(vmView, ['runtime.powerState']), false);
    const v1 = pc.checkForUpdates()?.version;
    pc.destroyFilter(filter);
    await run(vsphere, vsphere.vm.powerOff(ref('/DC0/vm/DC0_H0_VM0')));
    expect(pc.checkForUpdates(v1)).toBeUndefined();
  });

  it('rescans when the change history no longer reaches its version', async () => {
    const { vsphere, pc, ref, vmView } = setup({ history: { changes: 2 } });
    const filter = pc.createFilter(viewSpec(vmView, ['runtime.powerState']), false);
    const v1 = pc.checkForUpdates()?.version;
    for (const path of ['/DC0/vm/DC0_H0_VM0', '/DC0/vm/DC0_H0_VM1'])
      await run(vsphere, vsphere.vm.powerOff(ref(path)));
    expect(updatesOf(pc.checkForUpdates(v1), filter).map((u) => [u.kind, u.obj.value])).toEqual([
      ['modify', ref('/DC0/vm/DC0_H0_VM0').value],
      ['modify', ref('/DC0/vm/DC0_H0_VM1').value],
    ]);
  });
});
