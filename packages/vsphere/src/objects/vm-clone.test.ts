import { describe, expect, it } from 'vitest';
import type {
  DatacenterRecord,
  DatastoreRecord,
  HostRecord,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { createFixture, GIB } from '../testing/fixture.js';
import type { VSphereOptions } from '../vsphere.js';
import type { VmCloneSpec } from './vm-clone.js';
import type { VmConfigSpec } from './vm-config-spec.js';

const setup = (options: VSphereOptions = {}) => {
  const fixture = createFixture(options);
  const { vsphere, at } = fixture;
  return {
    ...fixture,
    get: (id: string) => vsphere.store.get(id) as VmRecord,
    vmsOf: (id: string) => vsphere.store.referrers('vm', id),
    dc: at<DatacenterRecord>('/DC0'),
    ds: at<DatastoreRecord>('/DC0/datastore/LocalDS_0'),
    vm: at<VmRecord>('/DC0/vm/DC0_H0_VM0'),
    clusterPool: at<ResourcePoolRecord>('/DC0/host/DC0_C0/Resources'),
    hostPool: at<ResourcePoolRecord>('/DC0/host/DC0_H0/Resources'),
  };
};

const basic = (name: string, extra: Partial<VmConfigSpec> = {}): VmConfigSpec => ({
  name,
  numCPUs: 2,
  memoryMB: 1024,
  guestId: 'otherLinux64Guest',
  files: { vmPathName: '[LocalDS_0]' },
  ...extra,
});

const withDisk: Partial<VmConfigSpec> = {
  deviceChange: [
    { operation: 'add', device: { _type: 'ParaVirtualSCSIController', key: -1 } },
    {
      operation: 'add',
      fileOperation: 'create',
      device: { _type: 'VirtualDisk', key: -2, controllerKey: -1, capacityInKB: 4 * 1024 * 1024 },
    },
    { operation: 'add', device: { _type: 'VirtualVmxnet3', key: -3, backing: { deviceName: 'VM Network' } } },
  ],
};

const cloneSpec = (extra: Partial<VmCloneSpec> = {}): VmCloneSpec => ({
  location: {},
  powerOn: false,
  template: false,
  ...extra,
});

describe('CreateVM_Task', () => {
  it('creates a powered-off VM in the folder, pool and host, with its devices and files', async () => {
    const { vsphere, at, get, run, used, vmsOf, dc, ds, hostPool, taskInfo, lastEvent } = setup();
    const host = at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
    const before = used(ds.id);
    const task = vsphere.vm.create(dc.vmFolder, basic('app-1', withDisk), hostPool.id);
    expect(taskInfo(task).descriptionId).toBe('Folder.createVm');
    const ref = await run(task);
    expect(ref).toEqual({ type: 'VirtualMachine', value: expect.stringMatching(/^vm-\d+$/) });
    expect(taskInfo(task).result).toEqual(ref);
    const vm = get(ref.value);
    expect(vm).toMatchObject({ name: 'app-1', parent: dc.vmFolder, pool: hostPool.id, host: host.id });
    expect(vm.powerState).toBe('poweredOff');
    expect(vm.config).toMatchObject({
      numCPU: 2,
      memoryMB: 1024,
      guestFullName: 'Other Linux (64-bit)',
      vmPathName: '[LocalDS_0] app-1/app-1.vmx',
    });
    const disk = vm.config.devices.find((d) => d._type === 'VirtualDisk');
    expect(disk).toMatchObject({ key: 2000, controllerKey: 1000, unitNumber: 0 });
    expect(disk?.backing).toMatchObject({ fileName: '[LocalDS_0] app-1/app-1.vmdk' });
    expect(vm.config.devices.map((d) => d.key)).not.toContain(3000);
    expect(used(ds.id)).toBe(before + 4 * GIB);
    for (const id of [host.id, hostPool.id, ds.id, vm.networks[0] as string])
      expect(vmsOf(id).has(vm.id)).toBe(true);
    expect(vsphere.store.referrers('childEntity', dc.vmFolder).has(vm.id)).toBe(true);
    const types = vsphere.events.list().map((e) => e._type);
    expect(types.slice(-4)).toEqual([
      'VmBeingCreatedEvent',
      'VmInstanceUuidAssignedEvent',
      'VmUuidAssignedEvent',
      'VmCreatedEvent',
    ]);
    expect(lastEvent()?.fullFormattedMessage).toBe('Created virtual machine app-1 on DC0_H0 in DC0');
  });

  it('places a cluster VM on the host with the fewest VMs when no host is given', async () => {
    const { vsphere, at, get, run, dc, clusterPool } = setup();
    const hosts = ['H0', 'H1', 'H2'].map((h) => at<HostRecord>(`/DC0/host/DC0_C0/DC0_C0_${h}`).id);
    const counts = hosts.map((h) => vsphere.store.referrers('vm', h).size);
    const fewest = hosts[counts.indexOf(Math.min(...counts))];
    const ref = await run(vsphere.vm.create(dc.vmFolder, basic('placed'), clusterPool.id));
    expect(get(ref.value).host).toBe(fewest);
  });

  it('gives a second VM of the same name elsewhere its own folder on the datastore', async () => {
    const { vsphere, get, run, dc, hostPool } = setup();
    const folder = vsphere.folder.create(dc.vmFolder, 'apps');
    await run(vsphere.vm.create(dc.vmFolder, basic('twin'), hostPool.id));
    const second = await run(vsphere.vm.create(folder, basic('twin'), hostPool.id));
    expect(get(second.value).config.vmPathName).toBe('[LocalDS_0] twin_1/twin.vmx');
  });

  it("does not take a folder name a client's file holds", async () => {
    const { vsphere, get, run, dc, ds, hostPool } = setup();
    vsphere.files.upload(ds.id, 'solo', new TextEncoder().encode('mine'));
    const made = await run(vsphere.vm.create(dc.vmFolder, basic('solo'), hostPool.id));
    expect(get(made.value).config.vmPathName).toBe('[LocalDS_0] solo_1/solo.vmx');
    expect(
      new TextDecoder().decode((vsphere.files.download(ds.id, 'solo') as { bytes: Uint8Array }).bytes),
    ).toBe('mine');
  });

  it('ends in the fault vCenter gives for each bad argument, creating nothing', async () => {
    const { vsphere, at, run, dc, hostPool } = setup();
    const clusterHost = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    const cases: [VmConfigSpec, string, string | undefined, Record<string, unknown>][] = [
      [basic(''), dc.vmFolder, undefined, { _type: 'InvalidVmConfig', property: 'configSpec.name' }],
      [
        { name: 'x', files: {} },
        dc.vmFolder,
        undefined,
        { _type: 'InvalidVmConfig', property: 'configSpec.files.vmPathName' },
      ],
      [
        basic('x', { files: { vmPathName: '[NoSuchDS]' } }),
        dc.vmFolder,
        undefined,
        { _type: 'InvalidDatastorePath' },
      ],
      [basic('DC0_H0_VM1'), dc.vmFolder, undefined, { _type: 'DuplicateName', name: 'DC0_H0_VM1' }],
      [basic('x'), dc.hostFolder, undefined, { _type: 'NotSupported' }],
      [basic('x'), dc.vmFolder, clusterHost.id, { _type: 'InvalidArgument', invalidProperty: 'host' }],
      [
        basic('x', { numCPUs: 3, numCoresPerSocket: 2 }),
        dc.vmFolder,
        undefined,
        { _type: 'InvalidArgument' },
      ],
      [basic('x', { version: 'v13' }), dc.vmFolder, undefined, { _type: 'NotSupported' }],
      // Newer than the hosts run.
      [basic('x', { version: 'vmx-22' }), dc.vmFolder, undefined, { _type: 'NotSupported' }],
    ];
    const count = vsphere.store.countOf('VirtualMachine');
    for (const [spec, folder, host, fault] of cases) {
      await expect(run(vsphere.vm.create(folder, spec, hostPool.id, host))).rejects.toMatchObject({ fault });
    }
    await expect(run(vsphere.vm.create(dc.vmFolder, basic('x'), clusterHost.id))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'pool' },
    });
    expect(vsphere.store.countOf('VirtualMachine')).toBe(count);
  });
});

describe('CloneVM_Task', () => {
  it('copies hardware and devices with new disk files, UUIDs and MACs', async () => {
    const { vsphere, get, run, used, vmsOf, dc, ds, vm, taskInfo } = setup();
    const before = used(ds.id);
    const task = vsphere.vm.clone(vm.id, dc.vmFolder, 'copy', cloneSpec());
    expect(taskInfo(task).descriptionId).toBe('VirtualMachine.clone');
    const ref = (await run(task)) as MoRef;
    const clone = get(ref.value);
    expect(clone).toMatchObject({ name: 'copy', powerState: 'poweredOff', pool: vm.pool, host: vm.host });
    expect(clone.config.vmPathName).toBe('[LocalDS_0] copy/copy.vmx');
    expect(clone.config.uuid).not.toBe(vm.config.uuid);
    expect(clone.config.instanceUuid).not.toBe(vm.config.instanceUuid);
    const disk = (r: VmRecord) => r.config.devices.find((d) => d._type === 'VirtualDisk');
    const nic = (r: VmRecord) => r.config.devices.find((d) => d.key === 4000);
    expect(disk(clone)?.backing).toMatchObject({ fileName: '[LocalDS_0] copy/copy.vmdk' });
    const diskUuid = (r: VmRecord) => (disk(r)?.backing as { uuid?: string } | undefined)?.uuid;
    expect(diskUuid(clone)).not.toBe(diskUuid(vm));
    expect(nic(clone)?.macAddress).not.toBe(nic(vm)?.macAddress);
    expect(used(ds.id)).toBe(before + 10 * GIB);
    for (const id of [vm.host, vm.pool, ds.id, vm.networks[0]] as string[])
      expect(vmsOf(id).has(clone.id)).toBe(true);
    const events = vsphere.events.list().slice(-4);
    expect(events.map((e) => e._type)).toEqual([
      'VmBeingClonedEvent',
      'VmInstanceUuidAssignedEvent',
      'VmUuidAssignedEvent',
      'VmClonedEvent',
    ]);
    expect(events[0]?.fullFormattedMessage).toBe(
      'Cloning DC0_H0_VM0 on host DC0_H0 in DC0 to copy on host DC0_H0',
    );
    expect(events[3]).toMatchObject({
      fullFormattedMessage: 'Clone of DC0_H0_VM0 completed',
      vm: { name: 'copy' },
    });
  });

  it('leaves a clone with powerOn running a guest with an address', async () => {
    const { vsphere, get, run, dc, vm, lastEvent } = setup();
    const ref = await run(vsphere.vm.clone(vm.id, dc.vmFolder, 'running', cloneSpec({ powerOn: true })));
    const clone = get(ref.value);
    expect(clone.powerState).toBe('poweredOn');
    expect(clone.bootTime).toBe(vsphere.clock.now());
    expect(clone.guest.toolsRunningStatus).toBe('guestToolsRunning');
    expect(clone.guest.ipAddress).toMatch(/^10\./);
    expect(clone.guest.ipAddress).not.toBe(vm.guest.ipAddress);
    expect(lastEvent()?._type).toBe('VmPoweredOnEvent');
  });

  it('makes a template when asked, applies a config spec, and can deploy from a template', async () => {
    const { vsphere, get, run, dc, vm, clusterPool } = setup();
    const spec = cloneSpec({ template: true, config: { numCPUs: 2, annotation: 'golden' } });
    const ref = await run(vsphere.vm.clone(vm.id, dc.vmFolder, 'golden', spec));
    expect(get(ref.value)).toMatchObject({ config: { template: true, numCPU: 2, annotation: 'golden' } });
    expect(get(ref.value).pool).toBeUndefined();
    await expect(
      run(vsphere.vm.clone(ref.value, dc.vmFolder, 'from-template', cloneSpec())),
    ).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'spec.location.pool' },
    });
    const location = { pool: clusterPool.id };
    const deployed = await run(vsphere.vm.clone(ref.value, dc.vmFolder, 'web', cloneSpec({ location })));
    expect(get(deployed.value)).toMatchObject({
      pool: clusterPool.id,
      config: { template: false, numCPU: 2 },
    });
  });

  it('ends a clone onto a taken name in DuplicateName', async () => {
    const { vsphere, run, dc, vm } = setup();
    const count = vsphere.store.countOf('VirtualMachine');
    await expect(run(vsphere.vm.clone(vm.id, dc.vmFolder, 'DC0_H0_VM1', cloneSpec()))).rejects.toMatchObject({
      fault: { _type: 'DuplicateName', name: 'DC0_H0_VM1' },
    });
    expect(vsphere.store.countOf('VirtualMachine')).toBe(count);
  });

  it('refuses a host outside the target pool', async () => {
    const { vsphere, at, run, dc, vm } = setup();
    const location = { host: at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1').id };
    await expect(
      run(vsphere.vm.clone(vm.id, dc.vmFolder, 'c', cloneSpec({ location }))),
    ).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'spec.location.host' },
    });
  });

  it('gives back the datastore space after clone then destroy', async () => {
    const { vsphere, run, used, ds, dc, vm } = setup();
    const before = used(ds.id);
    const ref = await run(vsphere.vm.clone(vm.id, dc.vmFolder, 'tmp', cloneSpec()));
    expect(used(ds.id)).toBeGreaterThan(before);
    await run(vsphere.vm.destroy(ref.value));
    expect(used(ds.id)).toBe(before);
    expect(vsphere.store.referrers('vm', ds.id).has(ref.value)).toBe(false);
  });
});

describe('RelocateVM_Task', () => {
  it('moves a VM between hosts of its cluster: host.vm follows', async () => {
    const { vsphere, at, get, run, vmsOf, taskInfo, lastEvent } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    const target = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H2');
    expect(vm.host).not.toBe(target.id);
    const task = vsphere.vm.relocate(vm.id, { host: target.id });
    expect(taskInfo(task).descriptionId).toBe('VirtualMachine.relocate');
    await run(task);
    expect(get(vm.id).host).toBe(target.id);
    expect(vmsOf(target.id).has(vm.id)).toBe(true);
    expect(vmsOf(vm.host as string).has(vm.id)).toBe(false);
    const host = vsphere.store.get(vm.host as string) as HostRecord;
    expect(lastEvent()).toMatchObject({
      _type: 'VmMigratedEvent',
      fullFormattedMessage: `Migration of virtual machine DC0_C0_RP0_VM0 from ${host.name}, LocalDS_0 to DC0_C0_H2, LocalDS_0 completed`,
      sourceHost: { name: host.name },
    });
  });

  it('moves a VM to another datastore with its disks; usage and datastore.vm follow', async () => {
    const { vsphere, at, get, run, used, vmsOf, ds, vm, lastEvent } = setup({ inventory: { ds: 2 } });
    const other = at<DatastoreRecord>('/DC0/datastore/LocalDS_1');
    const [fromBefore, toBefore] = [used(ds.id), used(other.id)];
    await run(vsphere.vm.relocate(vm.id, { datastore: other.id }));
    const moved = get(vm.id);
    expect(moved.config.vmPathName).toBe('[LocalDS_1] DC0_H0_VM0/DC0_H0_VM0.vmx');
    expect(moved.config.devices.find((d) => d.key === 2000)?.backing).toMatchObject({
      fileName: '[LocalDS_1] DC0_H0_VM0/DC0_H0_VM0.vmdk',
      datastore: { value: other.id },
    });
    expect([used(ds.id), used(other.id)]).toEqual([fromBefore - 10 * GIB, toBefore + 10 * GIB]);
    expect(vmsOf(other.id).has(vm.id)).toBe(true);
    expect(vmsOf(ds.id).has(vm.id)).toBe(false);
    expect(lastEvent()).toMatchObject({
      _type: 'VmRelocatedEvent',
      sourceDatastore: { name: 'LocalDS_0' },
    });
  });

  it('moves a VM to another compute resource with its pool, not with a host alone', async () => {
    const { vsphere, at, get, run, vm, clusterPool } = setup();
    const target = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1');
    await expect(run(vsphere.vm.relocate(vm.id, { host: target.id }))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'host' },
    });
    await expect(run(vsphere.vm.relocate(vm.id, { pool: target.id }))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'pool' },
    });
    expect(get(vm.id).host).toBe(vm.host);
    await run(vsphere.vm.relocate(vm.id, { pool: clusterPool.id, host: target.id }));
    expect(get(vm.id)).toMatchObject({ pool: clusterPool.id, host: target.id });
    expect(vsphere.store.referrers('vm', clusterPool.id).has(vm.id)).toBe(true);
  });

  it('moves a VM into another VM folder, not into one that cannot hold VMs', async () => {
    const { vsphere, get, run, dc, vm } = setup();
    const apps = vsphere.folder.create(dc.vmFolder, 'apps');
    await expect(run(vsphere.vm.relocate(vm.id, { folder: dc.hostFolder }))).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    await run(vsphere.vm.relocate(vm.id, { folder: apps }));
    expect(get(vm.id).parent).toBe(apps.value);
    expect(vsphere.store.referrers('childEntity', apps.value).has(vm.id)).toBe(true);
  });
});

describe('clone and relocate argument faults', () => {
  it('refuses an empty name, a running template and a datastore that is not one', async () => {
    const { vsphere, at, run, dc, vm } = setup();
    const host = at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
    const cases: [string, VmCloneSpec, string][] = [
      ['', cloneSpec(), 'name'],
      ['t', cloneSpec({ template: true, powerOn: true }), 'spec.powerOn'],
      ['d', cloneSpec({ location: { datastore: host.id } }), 'spec.location.datastore'],
      ['p', cloneSpec({ location: { pool: host.id } }), 'spec.location.pool'],
    ];
    for (const [name, spec, invalidProperty] of cases) {
      await expect(run(vsphere.vm.clone(vm.id, dc.vmFolder, name, spec))).rejects.toMatchObject({
        fault: { _type: 'InvalidArgument', invalidProperty },
      });
    }
    await expect(run(vsphere.vm.clone(vm.id, dc.hostFolder, 'h', cloneSpec()))).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
  });

  it('refuses to move a running VM onto a host in maintenance mode, or onto a non-datastore', async () => {
    const { vsphere, at, get, run } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    const target = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H2');
    vsphere.store.transact((tx) => tx.put({ ...target, inMaintenanceMode: true }));
    await expect(run(vsphere.vm.relocate(vm.id, { host: target.id }))).rejects.toMatchObject({
      fault: { _type: 'InvalidState' },
    });
    await expect(run(vsphere.vm.relocate(vm.id, { datastore: target.id }))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'datastore' },
    });
    expect(get(vm.id)).toBe(vm);
  });

  it('answers an unknown reference at once with ManagedObjectNotFound', () => {
    const { vsphere, dc, vm } = setup();
    expect(() => vsphere.vm.clone(vm.id, 'group-v999', 'x', cloneSpec())).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
    expect(() => vsphere.vm.create(dc.vmFolder, basic('x'), 'resgroup-999')).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
    expect(() => vsphere.vm.relocate(vm.id, { host: 'host-999' })).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });
});
