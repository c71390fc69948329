import { describe, expect, it } from 'vitest';
import { ROOT_FOLDER } from '../inventory/build.js';
import { findByInventoryPath, inventoryPath } from '../inventory/paths.js';
import type {
  ComputeResourceRecord,
  DatacenterRecord,
  DatastoreRecord,
  DvsRecord,
  FolderRecord,
  HostRecord,
  VmRecord,
} from '../inventory/records.js';
import { createFixture, GIB } from '../testing/fixture.js';
import type { VSphereOptions } from '../vsphere.js';

const setup = (options: VSphereOptions = {}) => {
  const fixture = createFixture(options);
  const { vsphere, at, run } = fixture;
  const powerOff = async (...paths: string[]) => {
    for (const path of paths) await run(vsphere.vm.powerOff(at(path).id));
  };
  const children = (id: string) => [...vsphere.store.referrers('childEntity', id)].sort();
  return { ...fixture, powerOff, children, dc: at<DatacenterRecord>('/DC0') };
};

describe('CreateFolder', () => {
  it('creates a subfolder with the parent childType and an id of the parent flavor', () => {
    const { vsphere, dc, children } = setup();
    const ref = vsphere.folder.create(dc.vmFolder, 'apps');
    expect(ref).toEqual({ type: 'Folder', value: expect.stringMatching(/^group-v\d+$/) });
    const folder = vsphere.store.get(ref.value) as FolderRecord;
    expect(folder).toMatchObject({ kind: 'Folder', name: 'apps', parent: dc.vmFolder });
    expect(folder.childType).toEqual((vsphere.store.get(dc.vmFolder) as FolderRecord).childType);
    expect(children(dc.vmFolder)).toContain(ref.value);
    expect(inventoryPath(vsphere.store, ref.value)).toBe('/DC0/vm/apps');
    const nested = vsphere.folder.create(ref, 'web');
    expect(nested.value).toMatch(/^group-v\d+$/);
  });

  it('derives the flavor from each kind of parent folder', () => {
    const { vsphere, dc } = setup();
    expect(vsphere.folder.create(ROOT_FOLDER, 'F').value).toMatch(/^group-d\d+$/);
    expect(vsphere.folder.create(dc.hostFolder, 'h').value).toMatch(/^group-h\d+$/);
    expect(vsphere.folder.create(dc.datastoreFolder, 's').value).toMatch(/^group-s\d+$/);
    expect(vsphere.folder.create(dc.networkFolder, 'n').value).toMatch(/^group-n\d+$/);
  });

  it('accepts names up to 80 characters and refuses empty or longer ones with InvalidName', () => {
    const { vsphere, dc } = setup();
    const version = vsphere.store.version;
    expect(() => vsphere.folder.create(dc.vmFolder, '')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidName', name: '' } }),
    );
    const long = 'x'.repeat(81);
    expect(() => vsphere.folder.create(dc.vmFolder, long)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidName', name: long } }),
    );
    expect(vsphere.store.version).toBe(version);
    expect(vsphere.folder.create(dc.vmFolder, 'y'.repeat(80)).type).toBe('Folder');
  });

  it('refuses a name a child of the parent already has with DuplicateName', () => {
    const { vsphere, dc, children } = setup();
    const before = children(dc.vmFolder);
    const holder = [...vsphere.store.referrers('childEntity', dc.vmFolder)].find(
      (id) => vsphere.store.get(id)?.name === 'DC0_H0_VM0',
    );
    expect(() => vsphere.folder.create(dc.vmFolder, 'DC0_H0_VM0')).toThrow(
      expect.objectContaining({
        fault: {
          _type: 'DuplicateName',
          name: 'DC0_H0_VM0',
          object: { type: 'VirtualMachine', value: holder },
        },
      }),
    );
    vsphere.folder.create(dc.vmFolder, 'apps');
    expect(() => vsphere.folder.create({ type: 'Folder', value: dc.vmFolder }, 'apps')).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'DuplicateName' }) }),
    );
    expect(children(dc.vmFolder)).toHaveLength(before.length + 1);
  });

  it('refuses a parent whose childType has no Folder with NotSupported', () => {
    const { vsphere, dc } = setup();
    vsphere.store.transact((tx) =>
      tx.put({
        id: 'group-v900',
        kind: 'Folder',
        name: 'flat',
        parent: dc.vmFolder,
        childType: ['VirtualMachine'],
      }),
    );
    expect(() => vsphere.folder.create('group-v900', 'sub')).toThrow(
      expect.objectContaining({ fault: { _type: 'NotSupported' } }),
    );
  });

  it('refuses an unknown parent or one that is not a folder with ManagedObjectNotFound', () => {
    const { vsphere, at } = setup();
    expect(() => vsphere.folder.create('group-v999', 'x')).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    expect(() => vsphere.folder.create(at('/DC0/vm/DC0_H0_VM0').id, 'x')).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
  });

  it('passes the interception point as CreateFolder', () => {
    const { vsphere, dc } = setup();
    vsphere.interceptor.add({ method: 'CreateFolder', times: 1, fault: { _type: 'NoPermission' } });
    expect(() => vsphere.folder.create(dc.vmFolder, 'apps')).toThrow(
      expect.objectContaining({ fault: { _type: 'NoPermission' } }),
    );
    expect(findByInventoryPath(vsphere.store, '/DC0/vm/apps')).toBeUndefined();
  });
});

describe('MoveIntoFolder_Task', () => {
  it('moves VMs and folders by changing their parent', async () => {
    const { vsphere, at, run, dc, children, taskInfo, used } = setup();
    const apps = vsphere.folder.create(dc.vmFolder, 'apps');
    const web = vsphere.folder.create(dc.vmFolder, 'web');
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
    const task = vsphere.folder.moveInto(apps, [vm.id, web]);
    expect(taskInfo(task).descriptionId).toBe('Folder.moveInto');
    await run(task);
    expect(at('/DC0/vm/apps/DC0_H0_VM0').id).toBe(vm.id);
    expect(at('/DC0/vm/apps/web').id).toBe(web.value);
    expect(children(apps.value)).toEqual([vm.id, web.value].sort());
    expect(children(dc.vmFolder)).not.toContain(vm.id);
    const moved = vsphere.store.get(vm.id) as VmRecord;
    expect(moved).toMatchObject({
      pool: vm.pool,
      host: vm.host,
      datastores: vm.datastores,
      networks: vm.networks,
    });
    expect(used(ds.id)).toBe(ds.used);
    expect(taskInfo(task).state).toBe('success');
  });

  it('moves a datacenter into a folder of the root folder', async () => {
    const { vsphere, run, dc } = setup();
    const f = vsphere.folder.create(ROOT_FOLDER, 'F');
    await run(vsphere.folder.moveInto(f, [dc.id]));
    expect(inventoryPath(vsphere.store, dc.vmFolder)).toBe('/F/DC0/vm');
  });

  it('fails with NotSupported when the folder childType does not admit the entity', async () => {
    const { vsphere, at, run, dc } = setup();
    const vm = at('/DC0/vm/DC0_H0_VM0');
    await expect(run(vsphere.folder.moveInto(dc.hostFolder, [vm.id]))).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    const host = at('/DC0/host/DC0_C0/DC0_C0_H0');
    await expect(run(vsphere.folder.moveInto(dc.hostFolder, [host.id]))).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    expect(vsphere.store.get(vm.id)?.parent).toBe(dc.vmFolder);
  });

  it('fails with DuplicateName and moves nothing when the folder has a child of that name', async () => {
    const { vsphere, at, run, dc, taskInfo } = setup();
    const a = vsphere.folder.create(dc.vmFolder, 'a');
    const b = vsphere.folder.create(dc.vmFolder, 'b');
    vsphere.folder.create(a, 'x');
    const bx = vsphere.folder.create(b, 'x');
    const vm = at('/DC0/vm/DC0_H0_VM1');
    const task = vsphere.folder.moveInto(a, [vm.id, bx]);
    await expect(run(task)).rejects.toMatchObject({
      fault: { _type: 'DuplicateName', name: 'x', object: { type: 'Folder', value: a.value } },
    });
    expect(taskInfo(task).error?._type).toBe('DuplicateName');
    expect(vsphere.store.get(vm.id)?.parent).toBe(dc.vmFolder);
    expect(vsphere.store.get(bx.value)?.parent).toBe(b.value);
  });

  it('fails with InvalidFolder when a folder would move into itself or a descendant', async () => {
    const { vsphere, run, dc } = setup();
    const a = vsphere.folder.create(dc.vmFolder, 'a');
    const inner = vsphere.folder.create(vsphere.folder.create(a, 'b'), 'c');
    await expect(run(vsphere.folder.moveInto(a, [a]))).rejects.toMatchObject({
      fault: { _type: 'InvalidFolder', target: a },
    });
    await expect(run(vsphere.folder.moveInto(inner, [a]))).rejects.toMatchObject({
      fault: { _type: 'InvalidFolder', target: inner },
    });
    expect(vsphere.store.get(a.value)?.parent).toBe(dc.vmFolder);
  });

  it('fails with NotSupported for a datacenter folder and for a move across datacenters', async () => {
    const { vsphere, at, run, dc } = setup({ inventory: { dc: 2 } });
    const f = vsphere.folder.create(dc.vmFolder, 'f');
    await expect(run(vsphere.folder.moveInto(f, [dc.vmFolder]))).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    const other = at<DatacenterRecord>('/DC1');
    const vm = at('/DC0/vm/DC0_H0_VM0');
    await expect(run(vsphere.folder.moveInto(other.vmFolder, [vm.id]))).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    expect(vsphere.store.get(vm.id)?.parent).toBe(dc.vmFolder);
  });

  it('answers ManagedObjectNotFound at once for an unknown entity', () => {
    const { vsphere, dc } = setup();
    expect(() => vsphere.folder.moveInto(dc.vmFolder, ['vm-999'])).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
  });
});

describe('Destroy_Task on a folder', () => {
  it('refuses the root folder and a datacenter folder with NotSupported', async () => {
    const { vsphere, run, dc, taskInfo } = setup();
    for (const id of [ROOT_FOLDER, dc.vmFolder, dc.hostFolder, dc.datastoreFolder, dc.networkFolder]) {
      const task = vsphere.folder.destroy(id);
      expect(taskInfo(task).descriptionId).toBe('Folder.destroy');
      await expect(run(task)).rejects.toMatchObject({ fault: { _type: 'NotSupported' } });
      expect(vsphere.store.has(id)).toBe(true);
    }
  });

  it('destroys subfolders and powered-off VMs, giving their datastore space back', async () => {
    const { vsphere, at, run, powerOff, dc, children, used } = setup();
    await powerOff('/DC0/vm/DC0_H0_VM0', '/DC0/vm/DC0_H0_VM1');
    const trash = vsphere.folder.create(dc.vmFolder, 'trash');
    const sub = vsphere.folder.create(trash, 'sub');
    const vm0 = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const vm1 = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    await run(vsphere.folder.moveInto(trash, [vm0.id]));
    await run(vsphere.folder.moveInto(sub, [vm1.id]));
    const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
    const events = vsphere.events.list().length;
    await run(vsphere.folder.destroy(trash));
    for (const id of [trash.value, sub.value, vm0.id, vm1.id]) expect(vsphere.store.has(id)).toBe(false);
    expect(children(dc.vmFolder)).not.toContain(trash.value);
    expect(vsphere.store.referrers('vm', vm0.host as string).has(vm0.id)).toBe(false);
    expect(vsphere.store.referrers('vm', ds.id).has(vm1.id)).toBe(false);
    expect(used(ds.id)).toBe(ds.used - 2 * 10 * GIB);
    const posted = vsphere.events.list().slice(events);
    expect(posted.map((e) => [e._type, e.vm?.name])).toEqual(
      expect.arrayContaining([
        ['VmRemovedEvent', 'DC0_H0_VM0'],
        ['VmRemovedEvent', 'DC0_H0_VM1'],
      ]),
    );
    expect(posted[0]?.fullFormattedMessage).toMatch(/^Removed DC0_H0_VM[01] on DC0_H0 from DC0$/);
  });

  it('fails with InvalidPowerState and changes nothing when a VM in it is powered on', async () => {
    const { vsphere, at, run, powerOff, dc, used } = setup();
    await powerOff('/DC0/vm/DC0_H0_VM0');
    const trash = vsphere.folder.create(dc.vmFolder, 'trash');
    const off = at('/DC0/vm/DC0_H0_VM0');
    const on = at('/DC0/vm/DC0_H0_VM1');
    await run(vsphere.folder.moveInto(trash, [off.id, on.id]));
    const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
    const version = vsphere.store.version;
    const task = vsphere.folder.destroy(trash);
    await expect(run(task)).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState', requestedState: 'poweredOff', existingState: 'poweredOn' },
    });
    for (const id of [trash.value, off.id, on.id]) expect(vsphere.store.has(id)).toBe(true);
    expect(used(ds.id)).toBe(ds.used);
    // Only the task record itself changed.
    const changed = vsphere.store.changesSince(version)?.flatMap((b) => b.changes.map((c) => c.id));
    expect(new Set(changed)).toEqual(new Set([task.ref.value]));
  });

  it('takes a cluster with its hosts, pools and VMs, and detaches the hosts from the switch', async () => {
    const { vsphere, at, run, powerOff, dc, used } = setup();
    await powerOff('/DC0/vm/DC0_C0_RP0_VM0', '/DC0/vm/DC0_C0_RP0_VM1');
    const cluster = at<ComputeResourceRecord>('/DC0/host/DC0_C0');
    const hosts = [...vsphere.store.referrers('childEntity', cluster.id)].filter(
      (id) => vsphere.store.get(id)?.kind === 'HostSystem',
    );
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    const old = vsphere.folder.create(dc.hostFolder, 'old');
    await run(vsphere.folder.moveInto(old, [cluster.id]));
    const dvs = at<DvsRecord>('/DC0/network/DVS0');
    const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
    const events = vsphere.events.list().length;
    await run(vsphere.folder.destroy(old));
    for (const id of [cluster.id, cluster.resourcePool, vm.id, ...hosts])
      expect(vsphere.store.has(id)).toBe(false);
    expect((vsphere.store.get(dvs.id) as DvsRecord).hosts).toEqual(
      dvs.hosts.filter((h) => !hosts.includes(h)),
    );
    expect(vsphere.store.referrers('host', ds.id).size).toBe(1);
    expect(used(ds.id)).toBe(ds.used - 2 * 10 * GIB);
    expect(findByInventoryPath(vsphere.store, '/DC0/vm/DC0_H0_VM0')).toBeDefined();
    const types = vsphere.events
      .list()
      .slice(events)
      .map((e) => e._type);
    expect(types.filter((t) => t === 'VmRemovedEvent')).toHaveLength(2);
    expect(types.filter((t) => t === 'HostRemovedEvent')).toHaveLength(3);
    expect(types).toContain('ClusterDestroyedEvent');
    expect(types).not.toContain('ResourcePoolDestroyedEvent');
  });

  it('fails with ResourceInUse for a datastore VMs elsewhere still use, and unmounts an unused one', async () => {
    const { vsphere, at, run, dc, lastEvent } = setup({ inventory: { ds: 2 } });
    const used = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
    const spare = at<DatastoreRecord>('/DC0/datastore/LocalDS_1');
    const f = vsphere.folder.create(dc.datastoreFolder, 'f');
    const g = vsphere.folder.create(dc.datastoreFolder, 'g');
    await run(vsphere.folder.moveInto(f, [used.id]));
    await run(vsphere.folder.moveInto(g, [spare.id]));
    await expect(run(vsphere.folder.destroy(f))).rejects.toMatchObject({
      fault: { _type: 'ResourceInUse', type: 'Datastore', name: 'LocalDS_0' },
    });
    expect(vsphere.store.has(used.id)).toBe(true);
    const mounted = vsphere.store.referrers('host', spare.id).size;
    expect(mounted).toBe(4);
    await run(vsphere.folder.destroy(g));
    expect(vsphere.store.has(spare.id)).toBe(false);
    for (const host of vsphere.store.ofKind<HostRecord>('HostSystem'))
      expect(host.datastores).toEqual([used.id]);
    expect(lastEvent()).toMatchObject({
      _type: 'DatastoreDestroyedEvent',
      datastore: { name: 'LocalDS_1', datastore: { type: 'Datastore', value: spare.id } },
    });
  });
});

describe('UnregisterAndDestroy_Task', () => {
  it('unregisters the VMs at any depth, leaving their files, and destroys the folders', async () => {
    const { vsphere, at, run, powerOff, dc, children, used, taskInfo } = setup();
    await powerOff('/DC0/vm/DC0_H0_VM0', '/DC0/vm/DC0_H0_VM1');
    const gone = vsphere.folder.create(dc.vmFolder, 'gone');
    const sub = vsphere.folder.create(gone, 'sub');
    const vm0 = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const vm1 = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    await run(vsphere.folder.moveInto(gone, [vm0.id]));
    await run(vsphere.folder.moveInto(sub, [vm1.id]));
    const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
    const events = vsphere.events.list().length;
    const task = vsphere.folder.unregisterAndDestroy(gone);
    await run(task);
    expect(taskInfo(task)).toMatchObject({
      name: 'UnregisterAndDestroy_Task',
      descriptionId: 'Folder.unregisterAndDestroy',
      entity: gone.value,
      state: 'success',
    });
    for (const id of [gone.value, sub.value, vm0.id, vm1.id]) expect(vsphere.store.has(id)).toBe(false);
    expect(children(dc.vmFolder)).not.toContain(gone.value);
    // The VMs' disks stay, as UnregisterVM leaves them: the space is the files' now.
    expect(used(ds.id)).toBeGreaterThan(ds.used);
    const file = (vm: VmRecord) => vsphere.files.download(ds.id, `${vm.name}/${vm.name}.vmx`);
    expect(file(vm0)).toMatchObject({ folder: false });
    expect(vsphere.virtualDisks.queryUuid(`[LocalDS_0] ${vm1.name}/${vm1.name}.vmdk`, dc.id)).toBeTruthy();
    const posted = vsphere.events.list().slice(events);
    expect(posted.map((e) => [e._type, e.vm?.name])).toEqual(
      expect.arrayContaining([
        ['VmRemovedEvent', 'DC0_H0_VM0'],
        ['VmRemovedEvent', 'DC0_H0_VM1'],
      ]),
    );
    const pool = at('/DC0/host/DC0_H0/Resources');
    const back = await run(
      vsphere.vm.register(dc.vmFolder, { path: vm0.config.vmPathName, asTemplate: false, pool: pool.id }),
    );
    expect((vsphere.store.get(back.value) as VmRecord).config.uuid).toBe(vm0.config.uuid);
  });

  it('refuses the root and datacenter folders, a folder of no VMs and a running VM, changing nothing', async () => {
    const { vsphere, at, run, dc } = setup();
    const hosts = vsphere.folder.create(dc.hostFolder, 'hosts');
    const busy = vsphere.folder.create(dc.vmFolder, 'busy');
    const running = at('/DC0/vm/DC0_H0_VM0');
    await run(vsphere.folder.moveInto(busy, [running.id]));
    const fault = (id: string) =>
      run(vsphere.folder.unregisterAndDestroy(id)).then(
        () => undefined,
        (e: { fault: { _type: string } }) => e.fault._type,
      );
    for (const id of [ROOT_FOLDER, dc.vmFolder, hosts.value]) expect(await fault(id)).toBe('NotSupported');
    const version = vsphere.store.version;
    expect(await fault(busy.value)).toBe('InvalidPowerState');
    for (const id of [hosts.value, busy.value, running.id]) expect(vsphere.store.has(id)).toBe(true);
    expect([...vsphere.store.ofKind('DatastoreFile')]).toEqual([]);
    const changed = vsphere.store.changesSince(version)?.flatMap((b) => b.changes.map((c) => c.id));
    expect(changed?.every((id) => id.startsWith('task-'))).toBe(true);
  });
});
