import { describe, expect, it } from 'vitest';
import type { Batch } from '../core/store.js';
import type { ClusterModuleRecord, InventoryRecord, VmRecord } from '../inventory/records.js';
import { parseState, serializeState } from '../save.js';
import { createFixture } from '../testing/fixture.js';
import type { VSphereOptions } from '../vsphere.js';
import { VSphere } from '../vsphere.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const setup = (options?: VSphereOptions) => {
  const fixture = createFixture(options);
  const { at } = fixture;
  return {
    ...fixture,
    modules: fixture.vsphere.clusterModules,
    cluster: at('/DC0/host/DC0_C0').id,
    vm0: at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0').id,
    vm1: at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM1').id,
    /** A VM of the standalone host DC0_H0: in no cluster. */
    standaloneVm: at<VmRecord>('/DC0/vm/DC0_H0_VM0').id,
    host: at('/DC0/host/DC0_C0/DC0_C0_H0').id,
  };
};

const invalid = (invalidProperty: string) =>
  expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty } });
const notFound = expect.objectContaining({ fault: { _type: 'NotFound' } });

/** The batches committed while `work` runs. */
const batchesOf = async (vsphere: VSphere, work: () => Promise<unknown>) => {
  const batches: Batch<InventoryRecord>[] = [];
  const stop = vsphere.store.subscribe((b) => batches.push(b));
  await work();
  stop();
  return batches;
};

describe('modules', () => {
  it('creates a module on a cluster with a UUID id, lists it, and deletes it', () => {
    const { modules, cluster, vsphere } = setup();
    const first = modules.create(cluster);
    const second = modules.create(cluster);
    expect(first).toMatch(UUID);
    expect(second).not.toBe(first);
    expect(vsphere.store.get(first)).toEqual({
      id: first,
      kind: 'ClusterModule',
      name: first,
      cluster,
      members: [],
    });
    expect(modules.list()).toEqual([
      { cluster, module: first },
      { cluster, module: second },
    ]);
    expect([...vsphere.store.referrers('clusterModule', cluster)]).toEqual([first, second]);
    modules.delete(first);
    expect(modules.list()).toEqual([{ cluster, module: second }]);
    expect([...vsphere.store.referrers('clusterModule', cluster)]).toEqual([second]);
  });

  it('refuses to create a module on anything but a cluster (InvalidArgument), changing nothing', () => {
    const { modules, host, at, vsphere } = setup();
    const version = vsphere.store.version;
    const standalone = at('/DC0/host/DC0_H0').id;
    for (const target of ['domain-c999', host, standalone, at('/DC0/vm').id, '', 7, undefined])
      expect(() => modules.create(target as string)).toThrow(invalid('cluster'));
    expect(vsphere.store.version).toBe(version);
    expect(modules.list()).toEqual([]);
  });

  it('answers NotFound for an unknown module and InvalidArgument for an id that is no string', () => {
    const { modules, cluster } = setup();
    const module = modules.create(cluster);
    modules.delete(module);
    expect(() => modules.delete(module)).toThrow(notFound);
    expect(() => modules.members(module)).toThrow(notFound);
    expect(() => modules.addMembers('nothing', [])).toThrow(notFound);
    expect(() => modules.removeMembers('nothing', [])).toThrow(notFound);
    expect(() => modules.delete(cluster)).toThrow(notFound);
    expect(() => modules.delete(42 as unknown as string)).toThrow(invalid('module'));
    expect(() => modules.members(null as unknown as string)).toThrow(invalid('module'));
  });

  it('passes the interception point under the vAPI operation names', () => {
    const { modules, cluster, vm0, vsphere } = setup();
    vsphere.interceptor.add({
      method: 'vcenter.cluster.modules.create',
      target: cluster,
      fault: { _type: 'NotFound' },
      times: 1,
    });
    expect(() => modules.create(cluster)).toThrow(notFound);
    const module = modules.create(cluster);
    vsphere.interceptor.add({
      method: 'vcenter.cluster.modules.vm.members.add',
      target: module,
      fault: { _type: 'NotFound' },
    });
    expect(() => modules.addMembers(module, [vm0])).toThrow(notFound);
    expect(modules.members(module)).toEqual([]);
    vsphere.interceptor.add({ method: /^vcenter\.cluster\.modules\./, fault: { _type: 'NotFound' } });
    expect(() => modules.list()).toThrow(notFound);
    expect(() => modules.members(module)).toThrow(notFound);
    expect(() => modules.removeMembers(module, [])).toThrow(notFound);
    expect(() => modules.delete(module)).toThrow(notFound);
  });
});

describe('members', () => {
  it('adds VMs of the cluster and lists them in the order they joined', () => {
    const { modules, cluster, vm0, vm1, vsphere } = setup();
    const module = modules.create(cluster);
    const other = modules.create(cluster);
    expect(modules.addMembers(module, [vm1])).toBe(true);
    expect(modules.addMembers(module, [vm0])).toBe(true);
    expect(modules.addMembers(other, [vm0])).toBe(true);
    expect(modules.members(module)).toEqual([vm1, vm0]);
    expect(modules.members(other)).toEqual([vm0]);
    expect([...vsphere.store.referrers('clusterModule', vm0)]).toEqual([module, other]);
    expect([...vsphere.store.referrers('clusterModule', vm1)]).toEqual([module]);
  });

  it('adds all or nothing: false for a member already, a VM listed twice, or one outside the cluster', () => {
    const { modules, cluster, vm0, vm1, standaloneVm, host, vsphere } = setup();
    const module = modules.create(cluster);
    modules.addMembers(module, [vm0]);
    const version = vsphere.store.version;
    for (const vms of [
      [vm1, vm0],
      [vm1, vm1],
      [vm1, standaloneVm],
      [vm1, 'vm-999'],
      [vm1, host],
      [vm1, cluster],
    ])
      expect(modules.addMembers(module, vms), vms.join(' ')).toBe(false);
    expect(vsphere.store.version).toBe(version);
    expect(modules.members(module)).toEqual([vm0]);
  });

  it('removes all or nothing: false when any VM is not a member', () => {
    const { modules, cluster, vm0, vm1, vsphere } = setup();
    const module = modules.create(cluster);
    modules.addMembers(module, [vm0, vm1]);
    const version = vsphere.store.version;
    expect(modules.removeMembers(module, [vm0, 'vm-999'])).toBe(false);
    expect(modules.removeMembers(module, [vm0, vm0])).toBe(false);
    expect(vsphere.store.version).toBe(version);
    expect(modules.members(module)).toEqual([vm0, vm1]);
    expect(modules.removeMembers(module, [vm0])).toBe(true);
    expect(modules.members(module)).toEqual([vm1]);
    expect([...vsphere.store.referrers('clusterModule', vm0)]).toEqual([]);
    expect(modules.removeMembers(module, [vm0])).toBe(false);
  });

  it('takes an empty list as done, changing nothing', () => {
    const { modules, cluster, vsphere } = setup();
    const module = modules.create(cluster);
    const version = vsphere.store.version;
    expect(modules.addMembers(module, [])).toBe(true);
    expect(modules.removeMembers(module, [])).toBe(true);
    expect(vsphere.store.version).toBe(version);
  });

  it('refuses a VM list that is no list of ids (InvalidArgument)', () => {
    const { modules, cluster, vm0 } = setup();
    const module = modules.create(cluster);
    for (const vms of [vm0, undefined, { 0: vm0 }, [vm0, 7], [null]]) {
      expect(() => modules.addMembers(module, vms as string[])).toThrow(invalid('vms'));
      expect(() => modules.removeMembers(module, vms as string[])).toThrow(invalid('vms'));
    }
    expect(modules.members(module)).toEqual([]);
  });
});

describe('objects that go away', () => {
  it('a destroyed or unregistered VM leaves every module it was in, in the same transaction', async () => {
    const { modules, cluster, vm0, vm1, vsphere, run } = setup();
    const module = modules.create(cluster);
    const other = modules.create(cluster);
    modules.addMembers(module, [vm0, vm1]);
    modules.addMembers(other, [vm0]);
    await run(vsphere.vm.powerOff(vm0));
    const batches = await batchesOf(vsphere, () => run(vsphere.vm.destroy(vm0)));
    const destroyed = batches.find((b) => b.changes.some((c) => c.id === vm0 && c.op === 'leave'));
    expect(destroyed?.changes.filter((c) => c.after?.kind === 'ClusterModule').map((c) => c.id)).toEqual([
      module,
      other,
    ]);
    expect(modules.members(module)).toEqual([vm1]);
    expect(modules.members(other)).toEqual([]);
    await run(vsphere.vm.powerOff(vm1));
    vsphere.vm.unregister(vm1);
    expect(modules.members(module)).toEqual([]);
    expect(modules.list()).toHaveLength(2);
  });

  it('a removed cluster takes its modules with it; other clusters keep theirs', async () => {
    const { modules, cluster, vm0, vm1, at, vsphere, run } = setup({ inventory: { cluster: 2 } });
    const kept = modules.create(at('/DC0/host/DC0_C1').id);
    const gone = modules.create(cluster);
    modules.addMembers(gone, [vm0, vm1]);
    for (const vm of [vm0, vm1]) await run(vsphere.vm.powerOff(vm));
    const folder = vsphere.folder.create(at('/DC0/host').id, 'old');
    await run(vsphere.folder.moveInto(folder, [cluster]));
    const batches = await batchesOf(vsphere, () => run(vsphere.folder.destroy(folder)));
    const destroyed = batches.find((b) => b.changes.some((c) => c.id === cluster && c.op === 'leave'));
    expect(destroyed?.changes.find((c) => c.id === gone)?.op).toBe('leave');
    expect(modules.list()).toEqual([{ cluster: at('/DC0/host/DC0_C1').id, module: kept }]);
    expect(vsphere.store.referrers('clusterModule', cluster).size).toBe(0);
  });

  it('keep their modules when a VM is only renamed', async () => {
    const { modules, cluster, vm0, vsphere, run } = setup();
    const module = modules.create(cluster);
    modules.addMembers(module, [vm0]);
    await run(vsphere.entity.rename(vm0, 'renamed'));
    expect(modules.members(module)).toEqual([vm0]);
  });
});

describe('determinism and saving', () => {
  it('gives the same ids for the same seed, others for another seed', () => {
    const ids = (seed: number) => {
      const { modules, cluster } = setup({ seed });
      return [modules.create(cluster), modules.create(cluster)];
    };
    expect(ids(7)).toEqual(ids(7));
    expect(ids(8)).not.toEqual(ids(7));
  });

  it('saves and loads modules with their members; the loaded model continues identically', async () => {
    const { modules, cluster, vm0, vm1, vsphere } = setup();
    const first = modules.create(cluster);
    const second = modules.create(cluster);
    // vm1 joins the second module first: its referrer order differs from the records' order.
    modules.addMembers(second, [vm1]);
    modules.addMembers(first, [vm0, vm1]);
    const saved = serializeState(vsphere);
    const loaded = new VSphere({ state: parseState(saved) });
    expect(serializeState(loaded)).toBe(saved);
    expect(loaded.clusterModules.list()).toEqual(modules.list());
    expect(loaded.clusterModules.members(first)).toEqual([vm0, vm1]);
    expect([...loaded.store.referrers('clusterModule', vm1)]).toEqual([second, first]);
    expect(loaded.clusterModules.create(cluster)).toBe(modules.create(cluster));
    // The loaded model still takes removed VMs out of their modules.
    const off = loaded.vm.powerOff(vm1);
    loaded.scheduler.runDue();
    await off.wait();
    loaded.vm.unregister(vm1);
    expect(loaded.clusterModules.members(first)).toEqual([vm0]);
    expect((loaded.store.get(second) as ClusterModuleRecord).members).toEqual([]);
  });
});
