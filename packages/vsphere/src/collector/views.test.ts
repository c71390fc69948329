import { describe, expect, it } from 'vitest';
import { findByInventoryPath } from '../inventory/paths.js';
import type { InventoryRecord, VmRecord } from '../inventory/records.js';
import { newVmRecord, putVm } from '../inventory/vm.js';
import { type MoRef, moref } from '../refs.js';
import { VSphere } from '../vsphere.js';

const setup = (inventory = {}) => {
  const vsphere = new VSphere({ seed: 1, inventory });
  const at = (path: string) => {
    const r = findByInventoryPath(vsphere.store, path);
    if (!r) throw new Error(`nothing at ${path}`);
    return r as InventoryRecord;
  };
  const names = (view: MoRef) =>
    vsphere.read<MoRef[]>(view, 'view').map((r) => vsphere.store.get(r.value)?.name);
  return { vsphere, at, names };
};

const addVm = (vsphere: VSphere, name: string) => {
  const folder = findByInventoryPath(vsphere.store, '/DC0/vm') as InventoryRecord;
  const template = findByInventoryPath(vsphere.store, '/DC0/vm/DC0_H0_VM0') as VmRecord;
  return vsphere.store.transact((tx) => {
    const vm = newVmRecord(vsphere, tx, {
      name,
      folder: folder.id,
      ...(template.pool ? { pool: template.pool } : {}),
      ...(template.host ? { host: template.host } : {}),
      datastore: template.homeDatastore,
    });
    putVm(tx, vm);
    return vm.id;
  });
};

const removeVm = (vsphere: VSphere, id: string) => vsphere.store.transact((tx) => putVm(tx, null, id));

describe('container views', () => {
  it('shows every VM under the root folder, each once, in a vCenter-shaped session id', () => {
    const { vsphere, at, names } = setup();
    const view = vsphere.views.createContainerView(at('/').id, ['VirtualMachine'], true);
    expect(view.type).toBe('ContainerView');
    expect(view.value).toMatch(/^session\[[0-9a-f-]{36}\][0-9a-f-]{36}$/);
    expect(names(view)).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1', 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']);
    expect(vsphere.read(view, 'container')).toEqual({ type: 'Folder', value: at('/').id });
    expect(vsphere.read(view, 'type')).toEqual(['VirtualMachine']);
    expect(vsphere.read(view, 'recursive')).toBe(true);
    expect(vsphere.read<MoRef[]>('ViewManager', 'viewList')).toEqual([view]);
  });

  it('lists only direct children when not recursive, all entity types when the list is empty', () => {
    const { vsphere, at, names } = setup();
    const dc = vsphere.views.createContainerView(at('/DC0').id, [], false);
    expect(names(dc)).toEqual(['vm', 'host', 'datastore', 'network']);
    const cluster = vsphere.views.createContainerView(at('/DC0/host/DC0_C0').id, [], false);
    expect(names(cluster)).toEqual(['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2', 'Resources']);
  });

  it('walks compute resources, pools and hosts as vCenter does', () => {
    const { vsphere, at, names } = setup({ pool: 1, app: 1 });
    const cluster = at('/DC0/host/DC0_C0');
    const vms = vsphere.views.createContainerView(cluster.id, ['VirtualMachine'], true);
    expect(names(vms).sort()).toEqual([
      'DC0_C0_APP0_VM0',
      'DC0_C0_APP0_VM1',
      'DC0_C0_RP1_VM0',
      'DC0_C0_RP1_VM1',
    ]);
    const pools = vsphere.views.createContainerView(cluster.id, ['ResourcePool'], true);
    expect(names(pools)).toEqual(['Resources', 'DC0_C0_RP1', 'DC0_C0_APP0']);
    const host = at('/DC0/host/DC0_H0/DC0_H0');
    const onHost = vsphere.views.createContainerView(host.id, ['VirtualMachine'], false);
    expect(names(onHost)).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1']);
  });

  it('matches subtypes: ComputeResource finds clusters, Network finds portgroups', () => {
    const { vsphere, at, names } = setup();
    const computes = vsphere.views.createContainerView(at('/').id, ['ComputeResource'], true);
    expect(names(computes)).toEqual(['DC0_H0', 'DC0_C0']);
    const clusters = vsphere.views.createContainerView(at('/').id, ['ClusterComputeResource'], true);
    expect(names(clusters)).toEqual(['DC0_C0']);
    const nets = vsphere.views.createContainerView(at('/').id, ['Network'], true);
    expect(names(nets)).toEqual(['VM Network', expect.stringMatching(/^DVS0-DVUplinks-/), 'DC0_DVPG0']);
    const everything = vsphere.views.createContainerView(at('/').id, ['ManagedEntity'], true);
    expect(names(everything)).toContain('LocalDS_0');
    expect(names(everything)).toContain('DVS0');
  });

  it('stays current as VMs come and go', () => {
    const { vsphere, at, names } = setup();
    const view = vsphere.views.createContainerView(at('/DC0/vm').id, ['VirtualMachine'], true);
    const id = addVm(vsphere, 'added');
    expect(names(view)).toContain('added');
    removeVm(vsphere, id);
    expect(names(view)).not.toContain('added');
    expect(names(view)).toHaveLength(4);
  });

  it('answers repeated retrievals from the same contents until a commit, then shows the new VM', async () => {
    const { vsphere, at } = setup();
    const view = vsphere.views.createContainerView(at('/').id, ['VirtualMachine'], true);
    const pc = vsphere.collector.get();
    const spec = {
      objectSet: [
        {
          obj: view,
          skip: true,
          selectSet: [{ _type: 'TraversalSpec' as const, type: 'ContainerView', path: 'view', skip: false }],
        },
      ],
      propSet: [{ type: 'VirtualMachine', pathSet: ['name', 'runtime.powerState'] }],
    };
    const names = () =>
      pc.retrievePropertiesEx([spec], {})?.objects.map((o) => o.propSet.find((p) => p.name === 'name')?.val);
    expect(names()).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1', 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']);
    expect(vsphere.read(view, 'view')).toBe(vsphere.read(view, 'view'));
    const folder = at('/DC0/vm');
    const created = vsphere.vm.create(
      moref('Folder', folder.id),
      { name: 'between', files: { vmPathName: '[LocalDS_0]' }, memoryMB: 64, numCPUs: 1 },
      moref('ResourcePool', at('/DC0/host/DC0_C0/Resources').id),
    );
    vsphere.scheduler.runDue();
    await created.wait();
    expect(names()).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1', 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1', 'between']);
  });

  it('rejects a container that holds nothing, an unknown type and a missing container', () => {
    const { vsphere, at } = setup();
    const vm = at('/DC0/vm/DC0_H0_VM0');
    expect(() => vsphere.views.createContainerView(vm.id, [], true)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'container' } }),
    );
    expect(() => vsphere.views.createContainerView(at('/').id, ['Nope'], true)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'type' } }),
    );
    expect(() => vsphere.views.createContainerView(at('/').id, ['PropertyCollector'], true)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'type' } }),
    );
    expect(() => vsphere.views.createContainerView('group-v999', [], true)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
    expect(vsphere.store.countOf('ContainerView')).toBe(0);
  });

  it('is destroyed by DestroyView, after which it is not found', () => {
    const { vsphere, at } = setup();
    const view = vsphere.views.createContainerView(at('/').id, [], true);
    vsphere.views.destroyView(view);
    expect(vsphere.store.has(view.value)).toBe(false);
    expect(() => vsphere.read(view, 'view')).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
    expect(() => vsphere.views.destroyView(view)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });
});

describe('list views', () => {
  it('lists the objects given, and follows ModifyListView and ResetListView', () => {
    const { vsphere, at, names } = setup();
    const [a, b, c] = ['/DC0/vm/DC0_H0_VM0', '/DC0/vm/DC0_H0_VM1', '/DC0/host/DC0_C0'].map((p) => at(p));
    if (!a || !b || !c) throw new Error('inventory');
    const view = vsphere.views.createListView([a.id, { type: 'VirtualMachine', value: b.id }]);
    expect(view.type).toBe('ListView');
    expect(names(view)).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1']);
    const gone = { type: 'VirtualMachine', value: 'vm-999' };
    expect(vsphere.views.modifyListView(view, [c.id, gone], [a.id])).toEqual([gone]);
    expect(names(view)).toEqual(['DC0_H0_VM1', 'DC0_C0']);
    expect(vsphere.views.resetListView(view, [a.id])).toEqual([]);
    expect(names(view)).toEqual(['DC0_H0_VM0']);
  });

  it('drops objects that no longer exist', () => {
    const { vsphere, names } = setup();
    const id = addVm(vsphere, 'short-lived');
    const view = vsphere.views.createListView([id]);
    removeVm(vsphere, id);
    expect(names(view)).toEqual([]);
  });

  it('refuses to list a missing object, and only list views are modified', () => {
    const { vsphere, at } = setup();
    expect(() => vsphere.views.createListView([{ type: 'VirtualMachine', value: 'vm-999' }])).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    const container = vsphere.views.createContainerView(at('/').id, [], true);
    expect(() => vsphere.views.modifyListView(container, [], [])).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });
});
