import { describe, expect, it } from 'vitest';
import type { DatastoreRecord, HostRecord, SnapshotRecord, VmRecord } from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { saveState } from '../save.js';
import { createFixture, GIB } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  const vm = fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0');
  return {
    ...fixture,
    vm,
    get: (id: string) => vsphere.store.get(id) as VmRecord,
    snap: (ref: MoRef) => vsphere.store.get(ref.value) as SnapshotRecord,
    info: () => vsphere.read<SnapshotInfo | undefined>(vm.id, 'snapshot'),
  };
};

interface SnapshotTree {
  snapshot: MoRef;
  name: string;
  id: number;
  state: string;
  quiesced: boolean;
  childSnapshotList: SnapshotTree[];
}

interface SnapshotInfo {
  currentSnapshot?: MoRef;
  rootSnapshotList: SnapshotTree[];
}

/** The tree as `name(child, child)` text, to compare shapes at a glance. */
const shape = (trees: readonly SnapshotTree[] | undefined): string =>
  (trees ?? [])
    .map((t) => (t.childSnapshotList.length ? `${t.name}(${shape(t.childSnapshotList)})` : t.name))
    .join(', ');

describe('CreateSnapshot_Task', () => {
  it('makes the new snapshot current, its result, and a root of the tree', async () => {
    const { vsphere, vm, run, snap, info, taskInfo } = setup();
    expect(vsphere.read(vm.id, 'snapshot')).toBeUndefined();
    const task = vsphere.snapshot.create(vm.id, 'before', { description: 'first one' });
    expect(taskInfo(task)).toMatchObject({
      name: 'CreateSnapshot_Task',
      descriptionId: 'VirtualMachine.createSnapshot',
      entity: vm.id,
      entityType: 'VirtualMachine',
    });
    const ref = await run(task);
    expect(ref).toEqual({ type: 'VirtualMachineSnapshot', value: expect.stringMatching(/^snapshot-\d+$/) });
    expect(taskInfo(task).result).toEqual(ref);
    expect(snap(ref)).toMatchObject({ name: 'before', description: 'first one', vm: vm.id, snapshotId: 1 });
    expect(info()).toMatchObject({
      _type: 'VirtualMachineSnapshotInfo',
      currentSnapshot: ref,
      rootSnapshotList: [
        {
          _type: 'VirtualMachineSnapshotTree',
          snapshot: ref,
          vm: { type: 'VirtualMachine', value: vm.id },
          name: 'before',
          description: 'first one',
          id: 1,
          createTime: new Date(vsphere.clock.now()).toISOString(),
          state: 'poweredOff',
          quiesced: false,
        },
      ],
    });
    expect(vsphere.read(vm.id, 'rootSnapshot')).toEqual([ref]);
    expect(vsphere.read(ref, 'vm')).toEqual({ type: 'VirtualMachine', value: vm.id });
    expect(vsphere.read(ref, 'config.hardware.numCPU')).toBe(vm.config.numCPU);
  });

  it('captures the running state only with memory, and quiesces only without it', async () => {
    const { vsphere, vm, run, snap } = setup();
    const withMemory = await run(vsphere.snapshot.create(vm.id, 'm', { memory: true, quiesce: true }));
    const quiesced = await run(vsphere.snapshot.create(vm.id, 'q', { quiesce: true }));
    expect(snap(withMemory)).toMatchObject({ state: 'poweredOn', quiesced: false });
    expect(snap(quiesced)).toMatchObject({ state: 'poweredOff', quiesced: true });
    await run(vsphere.vm.suspend(vm.id));
    expect(snap(await run(vsphere.snapshot.create(vm.id, 's', { memory: true }))).state).toBe('suspended');
  });

  it('grows the tree under the current snapshot, with ids counting up per VM', async () => {
    const { vsphere, vm, run, info, snap } = setup();
    const a = await run(vsphere.snapshot.create(vm.id, 'a'));
    const b = await run(vsphere.snapshot.create(vm.id, 'b'));
    await run(vsphere.snapshot.revert(a));
    const c = await run(vsphere.snapshot.create(vm.id, 'c'));
    expect(shape(info()?.rootSnapshotList)).toBe('a(b, c)');
    expect(snap(c)).toMatchObject({ parentSnapshot: a.value, snapshotId: 3 });
    expect(vsphere.read(a, 'childSnapshot')).toEqual([b, c]);
    expect(info()?.currentSnapshot).toEqual(c);
  });

  it('refuses a template (NotSupported) and an empty name (InvalidName), changing nothing', async () => {
    const { vsphere, vm, run, get } = setup();
    await expect(run(vsphere.snapshot.create(vm.id, ''))).rejects.toMatchObject({
      fault: { _type: 'InvalidName', name: '' },
    });
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.vm.markAsTemplate(vm.id);
    await expect(run(vsphere.snapshot.create(vm.id, 'x'))).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    expect(get(vm.id).snapshots).toBeUndefined();
    expect(vsphere.store.countOf('VirtualMachineSnapshot')).toBe(0);
  });

  it('lets two snapshot tasks queue at once: both complete, one after the other', async () => {
    const { vsphere, vm, info } = setup();
    const first = vsphere.snapshot.create(vm.id, 'one');
    const second = vsphere.snapshot.create(vm.id, 'two');
    vsphere.scheduler.runDue();
    await first.wait();
    await second.wait();
    expect(shape(info()?.rootSnapshotList)).toBe('one(two)');
  });

  it('answers ManagedObjectNotFound for an unknown VM at once', () => {
    const { vsphere } = setup();
    expect(() => vsphere.snapshot.create('vm-9999', 'x')).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });
});

describe('RevertToSnapshot_Task and RevertToCurrentSnapshot_Task', () => {
  it('restores the captured config (CPU, memory, devices) and datastore usage', async () => {
    const { vsphere, vm, run, get, used } = setup();
    const ds = vsphere.store.get(vm.homeDatastore) as DatastoreRecord;
    // CPUs and memory change only while the VM is off (it has no hot plug).
    await run(vsphere.vm.powerOff(vm.id));
    const snapshot = await run(vsphere.snapshot.create(vm.id, 'base'));
    await run(
      vsphere.vm.reconfigure(vm.id, {
        numCPUs: 4,
        memoryMB: 256,
        deviceChange: [
          {
            operation: 'add',
            fileOperation: 'create',
            device: { _type: 'VirtualDisk', key: -1, capacityInKB: 1024 * 1024 },
          },
        ],
      }),
    );
    expect(get(vm.id).config).toMatchObject({ numCPU: 4, memoryMB: 256 });
    expect(used(ds.id)).toBe(ds.used + GIB);
    const task = vsphere.snapshot.revert(snapshot);
    await run(task);
    expect(get(vm.id)).toMatchObject({ powerState: 'poweredOff' });
    expect(get(vm.id).config).toMatchObject({
      numCPU: vm.config.numCPU,
      memoryMB: vm.config.memoryMB,
      devices: vm.config.devices,
    });
    expect(get(vm.id).config.changeVersion).toBeGreaterThan(vm.config.changeVersion);
    expect(used(ds.id)).toBe(ds.used);
    expect(vsphere.store.get(task.ref.value)).toMatchObject({
      name: 'RevertToSnapshot_Task',
      descriptionId: 'VirtualMachineSnapshot.revert',
      entity: vm.id,
    });
  });

  it('returns a running VM to poweredOff from a snapshot without memory, to poweredOn with', async () => {
    const { vsphere, vm, run, get, later } = setup();
    const cold = await run(vsphere.snapshot.create(vm.id, 'cold'));
    const warm = await run(vsphere.snapshot.create(vm.id, 'warm', { memory: true }));
    await run(vsphere.snapshot.revert(cold));
    expect(get(vm.id)).toMatchObject({ powerState: 'poweredOff', guest: { net: [] } });
    expect(get(vm.id).bootTime).toBeUndefined();
    later(1000);
    await run(vsphere.snapshot.revert(warm));
    expect(get(vm.id)).toMatchObject({ powerState: 'poweredOn', bootTime: vsphere.clock.now() });
    expect(get(vm.id).guest.ipAddress).toBe(vm.guest.ipAddress);
    await run(vsphere.snapshot.revert(warm, { suppressPowerOn: true }));
    expect(get(vm.id).powerState).toBe('suspended');
  });

  it('makes the reverted snapshot current, and RevertToCurrentSnapshot goes back to it', async () => {
    const { vsphere, vm, run, get, info } = setup();
    const first = await run(vsphere.snapshot.create(vm.id, 'first', { memory: true }));
    await run(vsphere.snapshot.create(vm.id, 'second'));
    await run(vsphere.snapshot.revert(first));
    expect(info()?.currentSnapshot).toEqual(first);
    await run(vsphere.vm.powerOff(vm.id));
    const task = vsphere.snapshot.revertToCurrent(vm.id);
    await run(task);
    expect(get(vm.id).powerState).toBe('poweredOn');
    expect(vsphere.store.get(task.ref.value)).toMatchObject({
      name: 'RevertToCurrentSnapshot_Task',
      descriptionId: 'VirtualMachine.revertToCurrentSnapshot',
    });
  });

  it('posts vCenter EventEx for a revert, naming the snapshot', async () => {
    const { vsphere, vm, run, lastEvent } = setup();
    const ref = await run(vsphere.snapshot.create(vm.id, 'named'));
    await run(vsphere.snapshot.revert(ref));
    expect(lastEvent()).toMatchObject({
      _type: 'EventEx',
      eventTypeId: 'com.vmware.vc.vm.VmStateRevertedToSnapshot',
      objectId: vm.id,
      vm: { name: 'DC0_H0_VM0' },
      fullFormattedMessage:
        'The execution state of the virtual machine DC0_H0_VM0 on host DC0_H0, in compute resource DC0_H0 has been reverted to the state of snapshot named, with ID 1',
    });
  });

  it('fails RevertToCurrentSnapshot without a current snapshot (NotFound)', async () => {
    const { vsphere, vm, run, get } = setup();
    await expect(run(vsphere.snapshot.revertToCurrent(vm.id))).rejects.toMatchObject({
      fault: { _type: 'NotFound' },
    });
    expect(get(vm.id).powerState).toBe('poweredOn');
  });

  it('refuses to power the VM on onto a host in maintenance mode (InvalidState)', async () => {
    const { vsphere, vm, at, run, get } = setup();
    const warm = await run(vsphere.snapshot.create(vm.id, 'warm', { memory: true }));
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.powerOff(at<VmRecord>('/DC0/vm/DC0_H0_VM1').id));
    await run(vsphere.host.enterMaintenanceMode(vm.host as string));
    await expect(run(vsphere.snapshot.revert(warm))).rejects.toMatchObject({
      fault: { _type: 'InvalidState' },
    });
    expect(get(vm.id).powerState).toBe('poweredOff');
    expect((vsphere.store.get(vm.host as string) as HostRecord).inMaintenanceMode).toBe(true);
  });

  it('runs the VM on the host a revert names, which must be one of its compute resource (InvalidArgument)', async () => {
    const { vsphere, vm, at, run, get } = setup();
    const warm = await run(vsphere.snapshot.create(vm.id, 'warm', { memory: true }));
    await run(vsphere.vm.powerOff(vm.id));
    const clusterHost = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    await expect(run(vsphere.snapshot.revert(warm, { host: clusterHost.id }))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'host' },
    });
    expect(get(vm.id).powerState).toBe('poweredOff');
    await run(vsphere.snapshot.revert(warm, { host: vm.host as string }));
    expect(get(vm.id)).toMatchObject({ powerState: 'poweredOn', host: vm.host });
    expect(() => vsphere.snapshot.revert(warm, { host: 'host-9999' })).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });

  it('answers ManagedObjectNotFound for an unknown snapshot, at once and for one removed meanwhile', async () => {
    const { vsphere, vm, run } = setup();
    expect(() => vsphere.snapshot.revert({ type: 'VirtualMachineSnapshot', value: 'snapshot-999' })).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    const ref = await run(vsphere.snapshot.create(vm.id, 'x'));
    const remove = vsphere.snapshot.remove(ref, false);
    const revert = vsphere.snapshot.revert(ref);
    vsphere.scheduler.runDue();
    await remove.wait();
    await expect(revert.wait()).rejects.toMatchObject({ fault: { _type: 'ManagedObjectNotFound' } });
  });
});

describe('RemoveSnapshot_Task and RemoveAllSnapshots_Task', () => {
  /** a(b(c), d) with d current. */
  const tree = async () => {
    const fixture = setup();
    const { vsphere, vm, run } = fixture;
    const a = await run(vsphere.snapshot.create(vm.id, 'a'));
    const b = await run(vsphere.snapshot.create(vm.id, 'b'));
    const c = await run(vsphere.snapshot.create(vm.id, 'c'));
    await run(vsphere.snapshot.revert(a));
    const d = await run(vsphere.snapshot.create(vm.id, 'd'));
    return { ...fixture, a, b, c, d };
  };

  it('moves the children of a removed snapshot up to its parent, in its place', async () => {
    const { vsphere, run, info, snap, a, b, c, d, taskInfo } = await tree();
    const task = vsphere.snapshot.remove(b, false);
    await run(task);
    expect(shape(info()?.rootSnapshotList)).toBe('a(c, d)');
    expect(snap(c).parentSnapshot).toBe(a.value);
    expect(vsphere.store.has(b.value)).toBe(false);
    expect(info()?.currentSnapshot).toEqual(d);
    expect(taskInfo(task)).toMatchObject({
      name: 'RemoveSnapshot_Task',
      descriptionId: 'VirtualMachineSnapshot.remove',
    });
    // A removed root's children become roots.
    await run(vsphere.snapshot.remove(a, false));
    expect(shape(info()?.rootSnapshotList)).toBe('c, d');
    expect(snap(c).parentSnapshot).toBeUndefined();
    expect(vsphere.read(vsphere.store.get(c.value)?.id as string, 'childSnapshot')).toEqual([]);
  });

  it('removes a whole subtree with removeChildren; the parent of a removed current one becomes current', async () => {
    const { vsphere, vm, run, info, a, b, c, d } = await tree();
    await run(vsphere.snapshot.remove(d, true));
    expect(info()?.currentSnapshot).toEqual(a);
    await run(vsphere.snapshot.remove(b, true));
    expect(shape(info()?.rootSnapshotList)).toBe('a');
    expect(vsphere.store.has(c.value)).toBe(false);
    await run(vsphere.snapshot.remove(a, true));
    expect(vsphere.read(vm.id, 'snapshot')).toBeUndefined();
    expect(vsphere.read(vm.id, 'rootSnapshot')).toEqual([]);
  });

  it('removes every snapshot; later snapshots go on counting ids', async () => {
    const { vsphere, vm, run, snap, get, taskInfo } = await tree();
    const before = get(vm.id);
    const task = vsphere.snapshot.removeAll(vm.id);
    await run(task);
    expect(taskInfo(task).descriptionId).toBe('VirtualMachine.removeAllSnapshots');
    expect(vsphere.store.countOf('VirtualMachineSnapshot')).toBe(0);
    expect(vsphere.read(vm.id, 'snapshot')).toBeUndefined();
    expect(get(vm.id)).toMatchObject({ powerState: before.powerState, config: before.config });
    expect(snap(await run(vsphere.snapshot.create(vm.id, 'e'))).snapshotId).toBe(5);
  });

  it("removes a VM's snapshots with the VM (Destroy_Task)", async () => {
    const { vsphere, vm, run, get, a } = await tree();
    expect(get(vm.id).powerState).toBe('poweredOff');
    await run(vsphere.vm.destroy(vm.id));
    expect(vsphere.store.countOf('VirtualMachineSnapshot')).toBe(0);
    expect(() => vsphere.snapshot.revert(a)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });
});

describe('RenameSnapshot', () => {
  it('renames and describes a snapshot; the VM tree shows it; an empty name is InvalidName', async () => {
    const { vsphere, vm, run, info, snap } = setup();
    const ref = await run(vsphere.snapshot.create(vm.id, 'old', { description: 'kept' }));
    const version = vsphere.store.version;
    vsphere.snapshot.rename(ref, 'new');
    expect(snap(ref)).toMatchObject({ name: 'new', description: 'kept' });
    expect(info()?.rootSnapshotList[0]?.name).toBe('new');
    // The VM is written too, so a filter on its snapshot property hears of it.
    expect(vsphere.store.changesSince(version)?.[0]?.changes.map((c) => c.id)).toContain(vm.id);
    vsphere.snapshot.rename(ref, undefined, 'about it');
    expect(snap(ref)).toMatchObject({ name: 'new', description: 'about it' });
    expect(() => vsphere.snapshot.rename(ref, '')).toThrow(expect.objectContaining({ name: 'InvalidName' }));
    expect(snap(ref).name).toBe('new');
  });

  it('passes the interception point with its own method name', async () => {
    const { vsphere, vm, run, snap } = setup();
    const ref = await run(vsphere.snapshot.create(vm.id, 'old'));
    vsphere.interceptor.add({
      method: 'RenameSnapshot',
      target: ref.value,
      times: 1,
      fault: { _type: 'TaskInProgress' },
    });
    expect(() => vsphere.snapshot.rename(ref, 'new')).toThrow(
      expect.objectContaining({ name: 'TaskInProgress' }),
    );
    expect(snap(ref).name).toBe('old');
  });
});

describe('snapshots and the property collector', () => {
  it('reports the VM snapshot property changing to a filter on it', async () => {
    const { vsphere, vm, run } = setup();
    const collector = vsphere.collector.get();
    collector.createFilter(
      {
        objectSet: [{ obj: { type: 'VirtualMachine', value: vm.id } }],
        propSet: [{ type: 'VirtualMachine', pathSet: ['snapshot', 'rootSnapshot'] }],
      },
      false,
    );
    const first = await collector.waitForUpdates('', { maxWaitSeconds: 0 });
    const ref = await run(vsphere.snapshot.create(vm.id, 'watched'));
    const next = await collector.waitForUpdates(first?.version, { maxWaitSeconds: 0 });
    const changes = next?.filterSet[0]?.objectSet[0]?.changeSet ?? [];
    expect(changes.map((c) => c.name).sort()).toEqual(['rootSnapshot', 'snapshot']);
    expect(changes.find((c) => c.name === 'rootSnapshot')?.val).toEqual([ref]);
  });
});

describe('snapshots in the saved state', () => {
  it('survive a save and load: the tree, and a revert to a snapshot taken before', async () => {
    const { vsphere, vm, run, info } = setup();
    const a = await run(vsphere.snapshot.create(vm.id, 'a', { memory: true }));
    await run(vsphere.snapshot.create(vm.id, 'b'));
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.read(vm.id, 'snapshot')).toEqual(info());
    const task = loaded.snapshot.revert(a);
    loaded.scheduler.runDue();
    await task.wait();
    expect(loaded.read(vm.id, 'snapshot.currentSnapshot')).toEqual(a);
    expect(loaded.read(vm.id, 'runtime.powerState')).toBe('poweredOn');
  });
});
