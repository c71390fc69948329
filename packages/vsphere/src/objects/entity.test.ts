import { describe, expect, it } from 'vitest';
import { ROOT_FOLDER } from '../inventory/build.js';
import { findByInventoryPath } from '../inventory/paths.js';
import type { DatacenterRecord, VmRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import { createFixture } from '../testing/fixture.js';

const setup = () => {
  const fixture = createFixture();
  return { ...fixture, dc: fixture.at<DatacenterRecord>('/DC0') };
};

describe('Rename_Task', () => {
  it('renames a VM through its record, keeping its configuration, and posts VmRenamedEvent', async () => {
    const { vsphere, at, run, taskInfo, lastEvent } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const task = vsphere.entity.rename(vm.id, 'web-1');
    expect(taskInfo(task)).toMatchObject({
      name: 'Rename_Task',
      descriptionId: 'VirtualMachine.rename',
      entity: vm.id,
    });
    await run(task);
    const renamed = vsphere.store.get(vm.id) as VmRecord;
    expect(renamed.name).toBe('web-1');
    expect(renamed).toMatchObject({ config: vm.config, datastores: vm.datastores, networks: vm.networks });
    expect(findByInventoryPath(vsphere.store, '/DC0/vm/web-1')?.id).toBe(vm.id);
    expect(findByInventoryPath(vsphere.store, '/DC0/vm/DC0_H0_VM0')).toBeUndefined();
    expect(lastEvent()).toMatchObject({
      _type: 'VmRenamedEvent',
      oldName: 'DC0_H0_VM0',
      newName: 'web-1',
      vm: { name: 'web-1', vm: { type: 'VirtualMachine', value: vm.id } },
      datacenter: { name: 'DC0' },
      fullFormattedMessage: 'Renamed web-1 from DC0_H0_VM0 to web-1 in DC0',
    });
    expect(taskInfo(task).state).toBe('success');
  });

  it('posts the rename event of each entity type, and a GeneralEvent for the rest', async () => {
    const { vsphere, at, run, taskInfo, lastEvent, dc } = setup();
    const cases = [
      [
        '/DC0',
        'DC9',
        'Datacenter.rename',
        { _type: 'DatacenterRenamedEvent', oldName: 'DC0', newName: 'DC9' },
      ],
      [
        '/DC9/datastore/LocalDS_0',
        'ds',
        'Datastore.rename',
        {
          _type: 'DatastoreRenamedEvent',
          datastore: { name: 'ds' },
          fullFormattedMessage: 'Renamed datastore from LocalDS_0 to ds in DC9',
        },
      ],
      [
        '/DC9/network/DVS0',
        'sw',
        'VmwareDistributedVirtualSwitch.rename',
        { _type: 'DvsRenamedEvent', dvs: { name: 'sw' } },
      ],
      [
        '/DC9/network/DC0_DVPG0',
        'pg',
        'DistributedVirtualPortgroup.rename',
        { _type: 'DVPortgroupRenamedEvent', net: { name: 'pg' } },
      ],
      [
        '/DC9/host/DC0_C0',
        'cluster',
        'ClusterComputeResource.rename',
        { _type: 'GeneralEvent', message: 'Renamed ClusterComputeResource DC0_C0 to cluster' },
      ],
      ['/DC9/host/cluster/Resources', 'Top', 'ResourcePool.rename', { _type: 'GeneralEvent' }],
    ] as const;
    for (const [path, name, descriptionId, event] of cases) {
      const task = vsphere.entity.rename(at(path).id, name);
      expect(taskInfo(task).descriptionId).toBe(descriptionId);
      await run(task);
      expect(lastEvent()).toMatchObject(event);
    }
    const folder = vsphere.folder.create(dc.vmFolder, 'apps');
    await run(vsphere.entity.rename(folder, 'services'));
    expect(findByInventoryPath(vsphere.store, '/DC9/vm/services')?.id).toBe(folder.value);
    await run(vsphere.entity.rename(ROOT_FOLDER, 'Root'));
    expect(vsphere.store.get(ROOT_FOLDER)?.name).toBe('Root');
  });

  it('fails with DuplicateName when a sibling has the name', async () => {
    const { vsphere, at, run, taskInfo } = setup();
    const vm = at('/DC0/vm/DC0_H0_VM0');
    const holder = at('/DC0/vm/DC0_H0_VM1');
    const task = vsphere.entity.rename(vm.id, 'DC0_H0_VM1');
    // The fault names the object that has the name.
    await expect(run(task)).rejects.toMatchObject({
      fault: {
        _type: 'DuplicateName',
        name: 'DC0_H0_VM1',
        object: { type: 'VirtualMachine', value: holder.id },
      },
    });
    expect(taskInfo(task).error?._type).toBe('DuplicateName');
    expect(vsphere.store.get(vm.id)?.name).toBe('DC0_H0_VM0');
  });

  it('fails with InvalidName for an empty or too long name', async () => {
    const { vsphere, at, run } = setup();
    const vm = at('/DC0/vm/DC0_H0_VM0');
    await expect(run(vsphere.entity.rename(vm.id, ''))).rejects.toMatchObject({
      fault: { _type: 'InvalidName', name: '', entity: { type: 'VirtualMachine', value: vm.id } },
    });
    await expect(run(vsphere.entity.rename(vm.id, 'v'.repeat(81)))).rejects.toMatchObject({
      fault: { _type: 'InvalidName' },
    });
    expect(vsphere.store.get(vm.id)?.name).toBe('DC0_H0_VM0');
  });

  it("fails with NotSupported for a datacenter's own folders", async () => {
    const { vsphere, run, dc } = setup();
    for (const id of [dc.vmFolder, dc.hostFolder, dc.datastoreFolder, dc.networkFolder]) {
      await expect(run(vsphere.entity.rename(id, 'other'))).rejects.toMatchObject({
        fault: { _type: 'NotSupported' },
      });
    }
    expect(vsphere.store.get(dc.vmFolder)?.name).toBe('vm');
  });

  it('succeeds without an event when the name does not change', async () => {
    const { vsphere, at, run } = setup();
    const vm = at('/DC0/vm/DC0_H0_VM0');
    const events = vsphere.events.list().length;
    await run(vsphere.entity.rename(vm.id, 'DC0_H0_VM0'));
    expect(vsphere.events.list()).toHaveLength(events);
  });

  it('answers ManagedObjectNotFound for an unknown entity and MethodNotFound for a task', async () => {
    const { vsphere, at, run } = setup();
    expect(() => vsphere.entity.rename('vm-999', 'x')).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    const task = vsphere.entity.rename(at('/DC0/vm/DC0_H0_VM0').id, 'x');
    await run(task);
    expect(() => vsphere.entity.rename(task.ref, 'y')).toThrow(
      expect.objectContaining({
        fault: expect.objectContaining({ _type: 'MethodNotFound', method: 'Rename_Task' }),
      }),
    );
  });

  it('fails with ManagedObjectNotFound when the entity is gone by the time the task runs', async () => {
    const { vsphere, at, run } = setup();
    const vm = at('/DC0/vm/DC0_H0_VM0');
    const task = vsphere.entity.rename(vm.id, 'late');
    vsphere.store.transact((tx) => putVm(tx, null, vm.id));
    await expect(run(task)).rejects.toMatchObject({ fault: { _type: 'ManagedObjectNotFound' } });
  });
});
