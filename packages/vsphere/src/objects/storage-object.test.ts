import { describe, expect, it } from 'vitest';
import { attachedDiskId } from '../inventory/attachments.js';
import { DISK_DESCRIPTOR_BYTES } from '../inventory/devices.js';
import type { DatastoreRecord, Device, VmRecord, VStorageObjectRecord } from '../inventory/records.js';
import { createFixture, faultOf, GIB } from '../testing/fixture.js';
import { canonicalUuid } from './virtual-disk-manager.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  const ds = fixture.at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const vm = fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0');
  const create = (name: string, options: { keepAfterDeleteVm?: boolean; capacityInMB?: number } = {}) =>
    fixture.run(
      vsphere.disks.create({
        name,
        capacityInMB: options.capacityInMB ?? 1024,
        ...(options.keepAfterDeleteVm === undefined ? {} : { keepAfterDeleteVm: options.keepAfterDeleteVm }),
        backingSpec: { _type: 'VslmCreateSpecDiskFileBackingSpec', datastore: ds.id },
      }),
    );
  const devices = () => (vsphere.store.get(vm.id) as VmRecord).config.devices;
  const attached = (id: string) =>
    devices().find((d) => (d.vDiskId as { id: string } | undefined)?.id === id);
  return { ...fixture, ds, vm, create, devices, attached };
};

describe('First Class Disks', () => {
  it('creates a disk with its file in fcd/, taking its space on the datastore', async () => {
    const { vsphere, ds, create, used } = setup();
    const before = used(ds.id);
    const disk = await create('pvc-1', { capacityInMB: 2048 });
    const id = disk.config.id.id;
    expect(disk.config).toMatchObject({
      name: 'pvc-1',
      capacityInMB: 2048,
      // vSphere 8's default.
      keepAfterDeleteVm: true,
      consumptionType: ['disk'],
      backing: {
        _type: 'BaseConfigInfoDiskFileBackingInfo',
        datastore: { type: 'Datastore', value: ds.id },
        filePath: `[LocalDS_0] fcd/${id.replaceAll('-', '')}.vmdk`,
      },
    });
    expect(used(ds.id) - before).toBe(2 * GIB);
    expect(vsphere.disks.list(ds.id)).toEqual([{ _type: 'ID', id }]);
    expect(vsphere.disks.retrieve({ id }, ds.id)).toEqual(disk);
  });

  it('refuses a spec without a name or capacity, and a missing datastore', async () => {
    const { vsphere, ds } = setup();
    const backingSpec = { datastore: ds.id };
    expect(await faultOf(() => vsphere.disks.create({ name: '', capacityInMB: 1, backingSpec }))).toBe(
      'InvalidArgument',
    );
    // Above 0, and at most the 62 TiB of vSphere's largest disk.
    for (const capacityInMB of [0, 62 * 1024 * 1024 + 1, 1e100])
      expect(await faultOf(() => vsphere.disks.create({ name: 'd', capacityInMB, backingSpec }))).toBe(
        'InvalidArgument',
      );
    expect(
      await faultOf(() =>
        vsphere.disks.create({ name: 'd', capacityInMB: 1, backingSpec: { datastore: 'datastore-404' } }),
      ),
    ).toBe('ManagedObjectNotFound');
    expect(vsphere.disks.list(ds.id)).toEqual([]);
  });

  it('attaches a disk to a VM as a VirtualDisk with its id and file UUID, and detaches it', async () => {
    const { vsphere, ds, vm, create, run, attached, devices, used } = setup();
    const disk = await create('pvc-2');
    const id = disk.config.id.id;
    const before = used(ds.id);
    const disks = devices().filter((d) => d._type === 'VirtualDisk').length;
    await run(vsphere.disks.attach(vm.id, { id }, ds.id));
    const device = attached(id) as Device;
    expect(device).toMatchObject({
      _type: 'VirtualDisk',
      capacityInKB: 1024 * 1024,
      backing: { fileName: disk.config.backing.filePath, datastore: { value: ds.id } },
    });
    expect(devices().filter((d) => d._type === 'VirtualDisk')).toHaveLength(disks + 1);
    // Attached, the disk still takes its space once, not again as the VM's.
    expect(used(ds.id)).toBe(before);
    const vmUuid = (vsphere.store.get(vm.id) as VmRecord).config.uuid;
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toEqual([{ _type: 'ID', id: vmUuid }]);
    // The disk's file UUID is the same at every attach.
    const uuid = (device.backing as { uuid: string }).uuid;
    await run(vsphere.disks.detach(vm.id, { id }));
    expect(attached(id)).toBeUndefined();
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toBeUndefined();
    await run(vsphere.disks.attach(vm.id, id, ds.id));
    expect(((attached(id) as Device).backing as { uuid: string }).uuid).toBe(uuid);
  });

  it('attaches to a SCSI controller, else a SATA one, never IDE: MissingController without either', async () => {
    const { vsphere, ds, vm, create, run, attached, devices } = setup();
    const id = (await create('pvc-ctl')).config.id.id;
    await run(vsphere.vm.powerOff(vm.id));
    const scsi = devices().filter(
      (d) =>
        d._type === 'VirtualDisk' ||
        d._type.endsWith('SCSIController') ||
        d._type.startsWith('VirtualLsiLogic'),
    );
    expect(scsi.some((d) => d._type !== 'VirtualDisk')).toBe(true);
    await run(
      vsphere.vm.reconfigure(vm.id, {
        deviceChange: scsi.map((device) => ({ operation: 'remove', device })),
      }),
    );
    expect(devices().some((d) => d._type === 'VirtualIDEController')).toBe(true);
    expect(await faultOf(run(vsphere.disks.attach(vm.id, id, ds.id)))).toBe('MissingController');
    expect(attached(id)).toBeUndefined();
    const sata: Device = { _type: 'VirtualAHCIController', key: -1, busNumber: 0 };
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'add', device: sata }] }));
    await run(vsphere.disks.attach(vm.id, id, ds.id));
    const controller = devices().find((d) => d.key === attached(id)?.controllerKey);
    expect(controller?._type).toBe('VirtualAHCIController');
  });

  it('opens an attached disk in the modes CNS asks for, at the unit given; an unknown sharing refused', async () => {
    const { vsphere, ds, vm, create, run, attached, devices } = setup();
    const id = (await create('pvc-modes')).config.id.id;
    const scsi = devices().find(
      (d) => d._type.endsWith('SCSIController') || d._type.startsWith('VirtualLsiLogic'),
    ) as Device;
    const modes = { diskMode: 'independent_persistent', sharing: 'sharingMultiWriter' };
    await run(vsphere.disks.attach(vm.id, id, ds.id, scsi.key, 5, modes));
    expect(attached(id)).toMatchObject({ controllerKey: scsi.key, unitNumber: 5, backing: modes });
    await run(vsphere.disks.detach(vm.id, id));
    const wrong = vsphere.disks.attach(vm.id, id, ds.id, scsi.key, 5, { sharing: 'sharingPhysical' });
    expect(await faultOf(run(wrong))).toBe('InvalidDeviceSpec');
    expect(attached(id)).toBeUndefined();
  });

  it('refuses a second attach, a delete while attached, and a detach of a disk the VM lacks', async () => {
    const { vsphere, ds, vm, create, run } = setup();
    const id = (await create('pvc-3')).config.id.id;
    await run(vsphere.disks.attach(vm.id, id, ds.id));
    expect(await faultOf(run(vsphere.disks.attach(vm.id, id, ds.id)))).toBe('InvalidState');
    expect(await faultOf(run(vsphere.disks.delete(id, ds.id)))).toBe('InvalidState');
    const other = (await create('pvc-4')).config.id.id;
    expect(await faultOf(run(vsphere.disks.detach(vm.id, other)))).toBe('NotFound');
    expect(await faultOf(run(vsphere.disks.attach(vm.id, 'no-such-disk', ds.id)))).toBe('NotFound');
  });

  it('refuses a missing disk id, datastore or VM, and a path a VM already has', async () => {
    const { vsphere, ds, vm, devices } = setup();
    const before = devices();
    const missing = undefined as unknown as string;
    expect(await faultOf(() => vsphere.disks.detach(vm.id, missing))).toBe('InvalidArgument');
    expect(await faultOf(() => vsphere.disks.detach(vm.id, { id: '' }))).toBe('InvalidArgument');
    expect(await faultOf(() => vsphere.disks.attach(missing, 'x', ds.id))).toBe('InvalidArgument');
    expect(await faultOf(() => vsphere.disks.list(missing))).toBe('InvalidArgument');
    expect(await faultOf(() => vsphere.disks.retrieve('x', missing))).toBe('InvalidArgument');
    expect(devices()).toBe(before);
    const vmDisk = vm.config.devices.find((d) => d._type === 'VirtualDisk') as Device;
    const vmdk = (vmDisk.backing as { fileName: string }).fileName;
    const path = vmdk.replace(/^\[[^\]]*\] /, '');
    const taken = vsphere.disks.create({
      name: 'd',
      capacityInMB: 1,
      backingSpec: { datastore: ds.id, path },
    });
    vsphere.scheduler.runDue();
    expect(await faultOf(taken.wait())).toBe('FileAlreadyExists');
  });

  it('renames a disk, and extends it (never shrinks it), the VM it is attached to seeing it grow', async () => {
    const { vsphere, ds, vm, create, run, attached, used } = setup();
    const id = (await create('pvc-14', { capacityInMB: 1024 })).config.id.id;
    vsphere.disks.rename(id, ds.id, 'renamed');
    expect(vsphere.disks.retrieve(id, ds.id).config.name).toBe('renamed');
    expect(await faultOf(() => vsphere.disks.rename(id, ds.id, ''))).toBe('InvalidArgument');
    await run(vsphere.disks.attach(vm.id, id, ds.id));
    const before = used(ds.id);
    await run(vsphere.disks.extend(id, ds.id, 3072));
    expect(vsphere.disks.retrieve(id, ds.id).config.capacityInMB).toBe(3072);
    expect(used(ds.id) - before).toBe(2 * GIB);
    expect(attached(id)).toMatchObject({ capacityInKB: 3072 * 1024, capacityInBytes: 3 * GIB });
    expect(await faultOf(run(vsphere.disks.extend(id, ds.id, 2048)))).toBe('InvalidArgument');
    expect(await faultOf(run(vsphere.disks.extend(id, ds.id, 62 * 1024 * 1024 + 1)))).toBe('InvalidArgument');
    expect(vsphere.disks.retrieve(id, ds.id).config.capacityInMB).toBe(3072);
  });

  it('deletes a detached disk and frees its space', async () => {
    const { vsphere, ds, create, run, used } = setup();
    const before = used(ds.id);
    const id = (await create('pvc-5')).config.id.id;
    await run(vsphere.disks.delete(id, ds.id));
    expect(used(ds.id)).toBe(before);
    expect(vsphere.disks.list(ds.id)).toEqual([]);
    expect(await faultOf(() => vsphere.disks.retrieve(id, ds.id))).toBe('NotFound');
  });

  it('a destroyed VM takes its attached disks unless they are kept after it', async () => {
    const { vsphere, ds, vm, create, run, used } = setup();
    const gone = (await create('pvc-6', { keepAfterDeleteVm: false })).config.id.id;
    const kept = (await create('pvc-7')).config.id.id;
    await run(vsphere.disks.attach(vm.id, gone, ds.id));
    await run(vsphere.disks.attach(vm.id, kept, ds.id));
    await run(vsphere.vm.powerOff(vm.id));
    const before = used(ds.id);
    await run(vsphere.vm.destroy(vm.id));
    expect(vsphere.disks.list(ds.id)).toEqual([{ _type: 'ID', id: kept }]);
    expect(vsphere.disks.retrieve(kept, ds.id).config.consumerId).toBeUndefined();
    const vmDisks = vm.config.devices.filter((d) => d._type === 'VirtualDisk' && !d.vDiskId);
    const vmBytes = vmDisks.reduce((sum, d) => sum + (d.capacityInBytes as number), 0);
    expect(before - used(ds.id)).toBe(vmBytes + GIB);
  });

  it('an unregistered VM leaves its disks, detached; an unshared disk is on one VM at a time', async () => {
    const { vsphere, ds, vm, create, run, at } = setup();
    const id = (await create('pvc-10', { keepAfterDeleteVm: false })).config.id.id;
    await run(vsphere.disks.attach(vm.id, id, ds.id));
    const other = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    expect(await faultOf(run(vsphere.disks.attach(other.id, id, ds.id)))).toBe('InvalidState');
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.vm.unregister(vm.id);
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toBeUndefined();
    await run(vsphere.disks.attach(other.id, id, ds.id));
    // The VM lists the disk's datastore among its datastores.
    expect((vsphere.store.get(other.id) as VmRecord).datastores).toContain(ds.id);
  });

  it('shares a disk between VMs that each open it multi-writer or on a shared SCSI bus', async () => {
    const { vsphere, ds, vm, create, run, at } = setup();
    const id = (await create('pvc-shared', { keepAfterDeleteVm: false })).config.id.id;
    const other = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    const third = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    const multiWriter = { diskMode: 'independent_persistent', sharing: 'sharingMultiWriter' };
    await run(vsphere.disks.attach(vm.id, id, ds.id, undefined, undefined, multiWriter));
    // A VM that would open it unshared does not get it.
    expect(await faultOf(run(vsphere.disks.attach(other.id, id, ds.id)))).toBe('InvalidState');
    await run(vsphere.disks.attach(other.id, id, ds.id, undefined, undefined, multiWriter));
    // A VM whose SCSI bus is shared physically (a cluster's) opens it shared as well.
    await run(vsphere.vm.powerOff(third.id));
    const bus = { _type: 'ParaVirtualSCSIController', key: -1, busNumber: 1, sharedBus: 'physicalSharing' };
    await run(vsphere.vm.reconfigure(third.id, { deviceChange: [{ operation: 'add', device: bus }] }));
    const controller = (vsphere.store.get(third.id) as VmRecord).config.devices.find(
      (d) => d._type === 'ParaVirtualSCSIController' && d.busNumber === 1,
    ) as Device;
    await run(vsphere.disks.attach(third.id, id, ds.id, controller.key));
    const uuids = [vm, other, third].map((v) => ({
      _type: 'ID',
      id: (vsphere.store.get(v.id) as VmRecord).config.uuid,
    }));
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toEqual(uuids);
    // Grown, it grows on every VM that has it.
    await run(vsphere.disks.extend(id, ds.id, 2048));
    for (const v of [vm, other, third]) {
      const device = (vsphere.store.get(v.id) as VmRecord).config.devices.find(
        (d) => attachedDiskId(d) === id,
      );
      expect(device?.capacityInKB).toBe(2048 * 1024);
    }
    // Detached from one, or its VM destroyed, it stays with the others, even if not kept after a VM.
    await run(vsphere.disks.detach(other.id, id));
    await run(vsphere.vm.destroy(third.id));
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toEqual([uuids[0]]);
  });

  it('a revert takes back no disk deleted or attached elsewhere since the snapshot', async () => {
    const { vsphere, ds, vm, create, run, at, attached } = setup();
    const deleted = (await create('pvc-11')).config.id.id;
    const moved = (await create('pvc-12')).config.id.id;
    const kept = (await create('pvc-13')).config.id.id;
    for (const id of [deleted, moved, kept]) await run(vsphere.disks.attach(vm.id, id, ds.id));
    await run(vsphere.snapshot.create(vm.id, 's1'));
    for (const id of [deleted, moved, kept]) await run(vsphere.disks.detach(vm.id, id));
    await run(vsphere.disks.delete(deleted, ds.id));
    const other = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    await run(vsphere.disks.attach(other.id, moved, ds.id));
    const snapshot = (vsphere.store.get(vm.id) as VmRecord).snapshots?.current as string;
    await run(vsphere.snapshot.revert(snapshot));
    expect([deleted, moved, kept].map((id) => attached(id) !== undefined)).toEqual([false, false, true]);
    expect(vsphere.disks.retrieve(moved, ds.id).config.consumerId).toEqual([
      { _type: 'ID', id: (vsphere.store.get(other.id) as VmRecord).config.uuid },
    ]);
    expect(vsphere.disks.retrieve(kept, ds.id).config.consumerId).toHaveLength(1);
  });

  it('a reconfiguration that removes an attached disk detaches it', async () => {
    const { vsphere, ds, vm, create, run, attached } = setup();
    const id = (await create('pvc-8')).config.id.id;
    await run(vsphere.disks.attach(vm.id, id, ds.id));
    const device = attached(id) as Device;
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'remove', device }] }));
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toBeUndefined();
    await run(vsphere.disks.delete(id, ds.id));
    expect(vsphere.disks.list(ds.id)).toEqual([]);
  });

  it("a clone copies an attached disk as a disk of the clone's own", async () => {
    const { vsphere, ds, vm, create, run, ref, used } = setup();
    const id = (await create('pvc-9')).config.id.id;
    await run(vsphere.disks.attach(vm.id, id, ds.id));
    const before = used(ds.id);
    const clone = await run(
      vsphere.vm.clone(vm.id, ref('/DC0/vm'), 'copy', { location: {}, powerOn: false, template: false }),
    );
    const disksOf = (id: string) =>
      (vsphere.store.get(id) as VmRecord).config.devices.filter((d) => d._type === 'VirtualDisk');
    const copied = disksOf(clone.value);
    // Every disk copied, the attached one as a disk of the clone's own, taking its space as the clone's.
    expect(copied).toHaveLength(disksOf(vm.id).length);
    expect(copied.some((d) => d.vDiskId !== undefined)).toBe(false);
    const bytes = copied.reduce((sum, d) => sum + (d.capacityInBytes as number), 0);
    expect(used(ds.id) - before).toBe(bytes);
    expect(copied.map((d) => d.capacityInBytes)).toContain(1024 * 1024 * 1024);
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toHaveLength(1);
  });
});

describe('First Class Disks and free space', () => {
  it('refuses a thick disk, or growing one, beyond the free space; a thin disk takes none', async () => {
    const { vsphere, ds, run, leaveFree } = setup();
    await leaveFree(ds.id, 4 * 1024 * 1024);
    const make = (provisioningType: string, capacityInMB: number) =>
      run(
        vsphere.disks.create({
          name: `${provisioningType}-${capacityInMB}`,
          capacityInMB,
          backingSpec: { _type: 'VslmCreateSpecDiskFileBackingSpec', datastore: ds.id, provisioningType },
        }),
      );
    expect(await faultOf(make('eagerZeroedThick', 8))).toBe('NoDiskSpace');
    const thick = await make('lazyZeroedThick', 2);
    expect(await faultOf(run(vsphere.disks.extend(thick.config.id.id, ds.id, 8)))).toBe('NoDiskSpace');
    expect((await make('thin', 8)).config.capacityInMB).toBe(8);
  });
});

describe('Registering disks', () => {
  /** A file's URL as govmomi's Datastore.NewURL makes it. */
  const urlOf = (path: string, dsName = 'LocalDS_0', dcPath = 'DC0') =>
    `https://127.0.0.1:8989/folder/${path}?${new URLSearchParams({ dcPath, dsName })}`;
  const vmDisk = (vm: VmRecord) => vm.config.devices.find((d) => d._type === 'VirtualDisk') as Device;
  const fileOf = (d: Device) => (d.backing as { fileName: string }).fileName;
  const pathOf = (d: Device) => fileOf(d).replace(/^\[[^\]]*\] /, '');

  it("makes a VM's disk a First Class Disk, attached, its UUID and the datastore's used space kept", async () => {
    const { vsphere, ds, vm, attached, used, run } = setup();
    const device = vmDisk(vm);
    const uuid = (device.backing as { uuid: string }).uuid;
    const before = used(ds.id);
    // One operation at the interception point: a fault hung on it changes nothing.
    vsphere.interceptor.add({ method: 'RegisterDisk', times: 1, fault: { _type: 'SystemError' } });
    expect(await faultOf(() => vsphere.disks.register(urlOf(pathOf(device))))).toBe('SystemError');
    expect(vsphere.disks.list(ds.id)).toEqual([]);
    expect(vsphere.disks.registeredAt(urlOf(pathOf(device)))).toBeUndefined();
    const disk = vsphere.disks.register(urlOf(pathOf(device)));
    const id = disk.config.id.id;
    expect(vsphere.disks.registeredAt(urlOf(pathOf(device)))).toEqual(disk);
    expect(disk.config).toMatchObject({
      name: pathOf(device)
        .replace(/^.*\//, '')
        .replace(/\.vmdk$/, ''),
      capacityInMB: (device.capacityInKB as number) / 1024,
      keepAfterDeleteVm: true,
      backing: {
        datastore: { type: 'Datastore', value: ds.id },
        filePath: fileOf(device),
        provisioningType: 'thin',
      },
      consumerId: [{ _type: 'ID', id: vm.config.uuid }],
    });
    expect(vsphere.disks.retrieve(id, ds.id)).toEqual(disk);
    expect(attached(id)).toMatchObject({ key: device.key, vDiskId: { _type: 'ID', id }, backing: { uuid } });
    // The disk takes the space the VM's disk took.
    expect(used(ds.id)).toBe(before);
    // It is a First Class Disk as any other: detached, it stays, and may be deleted.
    await run(vsphere.disks.detach(vm.id, id));
    expect(attached(id)).toBeUndefined();
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toBeUndefined();
    expect(used(ds.id)).toBe(before);
    await run(vsphere.disks.delete(id, ds.id));
    expect(used(ds.id)).toBe(before - (device.capacityInBytes as number));
  });

  it('names the disk as asked, its type from the backing; a destroyed VM keeps it unless not kept', async () => {
    const { vsphere, ds, vm, at, run } = setup();
    const device = vmDisk(vm);
    const thick = { ...device, backing: { ...(device.backing as object), thinProvisioned: false } };
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'edit', device: thick }] }));
    const kept = vsphere.disks.register(urlOf(pathOf(device)), 'data');
    expect(kept.config).toMatchObject({ name: 'data', backing: { provisioningType: 'lazyZeroedThick' } });
    const other = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    const gone = vsphere.disks.register(urlOf(pathOf(vmDisk(other))));
    vsphere.disks.clearControlFlags(gone.config.id.id, ds.id, ['keepAfterDeleteVm']);
    await run(vsphere.vm.powerOff(other.id));
    for (const v of [vm, other]) await run(vsphere.vm.destroy(v.id));
    expect(vsphere.disks.list(ds.id)).toEqual([{ _type: 'ID', id: kept.config.id.id }]);
    expect(vsphere.disks.retrieve(kept.config.id.id, ds.id).config.consumerId).toBeUndefined();
  });

  it('makes a standalone disk a First Class Disk, its files its own, keeping its UUID', async () => {
    const { vsphere, ds, run, used, at } = setup();
    const dc = at('/DC0').id;
    const spec = { diskType: 'eagerZeroedThick', adapterType: 'lsiLogic', capacityKb: 2048 };
    await run(vsphere.virtualDisks.create('[LocalDS_0] data.vmdk', dc, spec));
    const uuid = vsphere.virtualDisks.queryUuid('[LocalDS_0] data.vmdk', dc);
    const before = used(ds.id);
    const disk = vsphere.disks.register(urlOf('data.vmdk'));
    expect(disk.config).toMatchObject({
      name: 'data',
      capacityInMB: 2,
      backing: { filePath: '[LocalDS_0] data.vmdk', provisioningType: 'eagerZeroedThick' },
    });
    expect(disk.config.consumerId).toBeUndefined();
    // Its capacity counts as the disk's; its descriptor, as a First Class Disk's, not at all.
    expect(before - used(ds.id)).toBe(DISK_DESCRIPTOR_BYTES);
    // The file is the disk's now: VirtualDiskManager reads it, the UUID kept, and changes it no more.
    expect(vsphere.virtualDisks.queryUuid('[LocalDS_0] data.vmdk', dc)).toBe(uuid);
    expect(await faultOf(run(vsphere.virtualDisks.delete('[LocalDS_0] data.vmdk', dc)))).toBe('FileLocked');
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    await run(vsphere.disks.attach(vm.id, disk.config.id.id, ds.id));
    const device = (vsphere.store.get(vm.id) as VmRecord).config.devices.find(
      (d) => attachedDiskId(d) === disk.config.id.id,
    ) as Device;
    expect((device.backing as { uuid: string }).uuid).toBe(canonicalUuid(uuid));
  });

  it('refuses a disk registered already, a bad URL, an unknown datastore and a file that is no disk', async () => {
    const { vsphere, ds, vm, create, used, at } = setup();
    const device = vmDisk(vm);
    const id = vsphere.disks.register(urlOf(pathOf(device))).config.id.id;
    expect(await faultOf(() => vsphere.disks.register(urlOf(pathOf(device))))).toBe('AlreadyExists');
    const created = await create('pvc-r');
    const fcdPath = created.config.backing.filePath.replace(/^\[[^\]]*\] /, '');
    expect(await faultOf(() => vsphere.disks.register(urlOf(fcdPath)))).toBe('AlreadyExists');
    const state = vsphere.store.get(vm.id);
    const usedBefore = used(ds.id);
    for (const bad of [fileOf(device), 'not a url', 'https://host/other/x.vmdk?dsName=LocalDS_0', 42])
      expect(await faultOf(() => vsphere.disks.register(bad as string))).toBe('InvalidArgument');
    for (const bad of [urlOf('x.vmdk', 'NoSuchDS'), urlOf(pathOf(device), 'LocalDS_0', 'DC9')])
      expect(await faultOf(() => vsphere.disks.register(bad))).toBe('InvalidDatastore');
    const other = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    for (const missing of ['nothing.vmdk', other.config.vmPathName.replace(/^\[[^\]]*\] /, '')])
      expect(await faultOf(() => vsphere.disks.register(urlOf(missing)))).toBe('FileNotFound');
    const extent = pathOf(vmDisk(other)).replace(/\.vmdk$/, '-flat.vmdk');
    expect(await faultOf(() => vsphere.disks.register(urlOf(extent)))).toBe('FileNotFound');
    expect(vsphere.store.get(vm.id)).toBe(state);
    expect(used(ds.id)).toBe(usedBefore);
    expect(vsphere.disks.list(ds.id)).toHaveLength(2);
    expect(vsphere.disks.retrieve(id, ds.id).config.consumerId).toHaveLength(1);
  });
});

describe("CNS's unregistration of First Class Disks", () => {
  const urlOf = (path: string) =>
    `https://127.0.0.1:8989/folder/${path}?${new URLSearchParams({ dcPath: 'DC0', dsName: 'LocalDS_0' })}`;

  it("gives a VM back its disk as its own, the UUID, the policy's space and the datastore's used space kept", async () => {
    const { vsphere, ds, devices, used } = setup();
    const device = devices().find((d) => d._type === 'VirtualDisk') as Device;
    const path = (device.backing as { fileName: string }).fileName.replace(/^\[[^\]]*\] /, '');
    const before = used(ds.id);
    const id = vsphere.disks.register(urlOf(path)).config.id.id;
    vsphere.disks.unregister(id);
    expect(vsphere.disks.list(ds.id)).toEqual([]);
    expect(devices().find((d) => d.key === device.key)).toEqual(device);
    expect(used(ds.id)).toBe(before);
    expect(await faultOf(() => vsphere.disks.unregister(id))).toBe('NotFound');
  });

  it('gives the disk back to the snapshots taken since its registration, and registers none under a snapshot', async () => {
    const { vsphere, ds, devices, used, run, vm } = setup();
    const device = devices().find((d) => d._type === 'VirtualDisk') as Device;
    const path = (device.backing as { fileName: string }).fileName.replace(/^\[[^\]]*\] /, '');
    const before = used(ds.id);
    const id = vsphere.disks.register(urlOf(path)).config.id.id;
    await run(vsphere.snapshot.create(vm.id, 's1'));
    vsphere.disks.unregister(id);
    const snapshot = (vsphere.store.get(vm.id) as VmRecord).snapshots?.current as string;
    await run(vsphere.snapshot.revert(snapshot));
    expect(devices().find((d) => d.key === device.key)).toEqual(device);
    expect(used(ds.id)).toBe(before);
    // The snapshot's delta is on the disk now: not registered, nothing changed.
    expect(await faultOf(() => vsphere.disks.register(urlOf(path)))).toBe('FileLocked');
    expect(vsphere.disks.list(ds.id)).toEqual([]);
  });

  it('makes a detached disk a standalone disk again, its descriptor and extent', async () => {
    const { vsphere, ds, create, used, at } = setup();
    const disk = await create('pvc-u', { capacityInMB: 2 });
    const file = disk.config.backing.filePath;
    const { diskUuid } = vsphere.store.get(disk.config.id.id) as VStorageObjectRecord;
    const before = used(ds.id);
    vsphere.disks.unregister(disk.config.id.id);
    expect(vsphere.disks.list(ds.id)).toEqual([]);
    // VirtualDiskManager's now: its UUID the disk's file's, its descriptor counted.
    const dc = at('/DC0').id;
    expect(canonicalUuid(vsphere.virtualDisks.queryUuid(file, dc))).toBe(diskUuid);
    expect(used(ds.id) - before).toBe(DISK_DESCRIPTOR_BYTES);
  });

  it('puts a new disk under the storage policy its spec names; one that does not exist is refused', async () => {
    const { vsphere, ds, run } = setup();
    const policy = vsphere.storagePolicies.create('gold');
    const spec = (profileId: string) => ({
      name: 'p',
      capacityInMB: 1,
      backingSpec: { datastore: ds.id },
      profile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId }],
    });
    const disk = await run(vsphere.disks.create(spec(policy)));
    expect((vsphere.store.get(disk.config.id.id) as { storagePolicyId?: string }).storagePolicyId).toBe(
      policy,
    );
    expect(await faultOf(run(vsphere.disks.create(spec('no-such-policy'))))).toBe('InvalidArgument');
  });
});

describe('Control flags of First Class Disks', () => {
  it('sets and clears keepAfterDeleteVm, disableRelocation and enableChangedBlockTracking', async () => {
    const { vsphere, ds, create } = setup();
    const id = (await create('pvc-flags')).config.id.id;
    const flags = () => {
      const { keepAfterDeleteVm, relocationDisabled, changedBlockTrackingEnabled } = vsphere.disks.retrieve(
        id,
        ds.id,
      ).config;
      return { keepAfterDeleteVm, relocationDisabled, changedBlockTrackingEnabled };
    };
    expect(flags()).toEqual({
      keepAfterDeleteVm: true,
      relocationDisabled: false,
      changedBlockTrackingEnabled: false,
    });
    vsphere.disks.setControlFlags(id, ds.id, ['disableRelocation', 'enableChangedBlockTracking']);
    vsphere.disks.clearControlFlags({ id }, ds.id, ['keepAfterDeleteVm']);
    expect(flags()).toEqual({
      keepAfterDeleteVm: false,
      relocationDisabled: true,
      changedBlockTrackingEnabled: true,
    });
    vsphere.disks.clearControlFlags(id, ds.id, ['disableRelocation', 'enableChangedBlockTracking']);
    vsphere.disks.setControlFlags(id, ds.id, ['keepAfterDeleteVm']);
    expect(flags()).toEqual({
      keepAfterDeleteVm: true,
      relocationDisabled: false,
      changedBlockTrackingEnabled: false,
    });
  });

  it('a disk whose keepAfterDeleteVm is cleared goes with its VM; one set stays', async () => {
    const { vsphere, ds, vm, create, run } = setup();
    const gone = (await create('pvc-g')).config.id.id;
    const kept = (await create('pvc-k', { keepAfterDeleteVm: false })).config.id.id;
    vsphere.disks.clearControlFlags(gone, ds.id, ['keepAfterDeleteVm']);
    vsphere.disks.setControlFlags(kept, ds.id, ['keepAfterDeleteVm']);
    for (const id of [gone, kept]) await run(vsphere.disks.attach(vm.id, id, ds.id));
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.destroy(vm.id));
    expect(vsphere.disks.list(ds.id)).toEqual([{ _type: 'ID', id: kept }]);
  });

  it('refuses an unknown flag (InvalidArgument) and an unknown disk (NotFound), changing nothing', async () => {
    const { vsphere, ds, create } = setup();
    const disk = await create('pvc-bad');
    const id = disk.config.id.id;
    expect(
      await faultOf(() => vsphere.disks.setControlFlags(id, ds.id, ['disableRelocation', 'nosuchflag'])),
    ).toBe('InvalidArgument');
    expect(await faultOf(() => vsphere.disks.clearControlFlags(id, ds.id, ['keepAfterDeleteVm', '']))).toBe(
      'InvalidArgument',
    );
    expect(await faultOf(() => vsphere.disks.setControlFlags('no-such-disk', ds.id, []))).toBe('NotFound');
    expect(vsphere.disks.retrieve(id, ds.id)).toEqual(disk);
  });
});
