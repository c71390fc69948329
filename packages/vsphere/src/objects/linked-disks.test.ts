import { describe, expect, it } from 'vitest';
import { isDisk } from '../inventory/devices.js';
import type {
  DatacenterRecord,
  DatastoreRecord,
  Device,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import type { VmConfigSpec } from './vm-config-spec.js';

const BASE = '[LocalDS_0] cache/base.vmdk';
const BASE_KB = 2 * 1024 * 1024;

const setup = async () => {
  const fixture = createFixture();
  const { vsphere, at, run } = fixture;
  const dc = at<DatacenterRecord>('/DC0');
  const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const pool = at<ResourcePoolRecord>('/DC0/host/DC0_H0/Resources');
  vsphere.files.makeDirectory('[LocalDS_0] cache', dc.id, false);
  await run(
    vsphere.virtualDisks.create(BASE, dc.id, {
      diskType: 'thin',
      adapterType: 'lsiLogic',
      capacityKb: BASE_KB,
    }),
  );
  /** A VM of one disk, a child of `parent` (as vm-operator's linked fast deploy makes them). */
  const linkedSpec = (name: string, parent = BASE, capacityInKB?: number): VmConfigSpec => ({
    name,
    numCPUs: 1,
    memoryMB: 512,
    guestId: 'otherLinux64Guest',
    files: { vmPathName: `[LocalDS_0] ${name}/${name}.vmx` },
    deviceChange: [
      { operation: 'add', device: { _type: 'ParaVirtualSCSIController', key: -1 } },
      {
        operation: 'add',
        fileOperation: 'create',
        device: {
          _type: 'VirtualDisk',
          key: -2,
          controllerKey: -1,
          ...(capacityInKB === undefined ? {} : { capacityInKB }),
          backing: {
            _type: 'VirtualDiskFlatVer2BackingInfo',
            fileName: `[LocalDS_0] ${name}/disk-0.vmdk`,
            thinProvisioned: true,
            parent: { _type: 'VirtualDiskFlatVer2BackingInfo', fileName: parent, diskMode: 'persistent' },
          },
        },
      },
    ],
  });
  const create = async (spec: VmConfigSpec) =>
    vsphere.store.get((await run(vsphere.vm.create(dc.vmFolder, spec, pool.id))).value) as VmRecord;
  const diskOf = (vm: VmRecord) => vm.config.devices.find(isDisk) as Device;
  const current = (vm: VmRecord) => vsphere.store.get(vm.id) as VmRecord;
  /** The fault deleting the parent ends in, or `deleted`. */
  const deleteBase = () =>
    faultOf(() => run(vsphere.virtualDisks.delete(BASE, dc.id))).catch((error: Error) => {
      if (error.message !== 'no fault') throw error;
      return 'deleted';
    });
  return { ...fixture, dc, ds, pool, linkedSpec, create, diskOf, current, deleteBase };
};

describe('child disks (linked clones) and PromoteDisks_Task', () => {
  it("makes a new disk a child of the standalone disk its backing's parent names, which it locks", async () => {
    const { vsphere, linkedSpec, create, diskOf, deleteBase } = await setup();
    const vm = await create(linkedSpec('linked-1'));
    const disk = diskOf(vm);
    expect(disk.capacityInKB).toBe(BASE_KB);
    expect(disk.backing).toMatchObject({
      fileName: '[LocalDS_0] linked-1/disk-0.vmdk',
      parent: { fileName: BASE, datastore: { value: vm.homeDatastore }, diskMode: 'persistent' },
    });
    // layoutEx chains the child to its parent, as vSphere lists a delta disk.
    const layout = vsphere.read<{
      file: { key: number; name: string }[];
      disk: { chain: { fileKey: number[] }[] }[];
    }>(vm.id, 'layoutEx');
    const names = layout.disk[0]?.chain.map((unit) => layout.file[unit.fileKey[0] as number]?.name);
    expect(names).toEqual([BASE, '[LocalDS_0] linked-1/disk-0.vmdk']);
    expect(await deleteBase()).toBe('FileLocked');
    // Another VM may read the same parent.
    expect(diskOf(await create(linkedSpec('linked-2'))).backing).toMatchObject({
      parent: { fileName: BASE },
    });
  });

  it('refuses a parent that is not there and a child smaller than its parent, making nothing', async () => {
    const { vsphere, dc, pool, linkedSpec, run } = await setup();
    const vms = vsphere.store.countOf('VirtualMachine');
    const create = (spec: VmConfigSpec) => faultOf(() => run(vsphere.vm.create(dc.vmFolder, spec, pool.id)));
    expect(await create(linkedSpec('x', '[LocalDS_0] cache/missing.vmdk'))).toBe('FileNotFound');
    expect(await create(linkedSpec('y', BASE, 1024))).toBe('InvalidDeviceSpec');
    expect(vsphere.store.countOf('VirtualMachine')).toBe(vms);
  });

  it('promotes child disks, running or not: the parent is read no more and may go', async () => {
    const { vsphere, linkedSpec, create, diskOf, current, deleteBase, run } = await setup();
    const vm = await create(linkedSpec('linked-1'));
    await run(vsphere.vm.powerOn({ type: 'VirtualMachine', value: vm.id }));
    const ref = { type: 'VirtualMachine', value: vm.id };
    expect(await faultOf(() => run(vsphere.vm.promoteDisks(ref, true, [{ key: 4242 }])))).toBe(
      'InvalidArgument',
    );
    const task = vsphere.vm.promoteDisks(ref, true, [{ key: diskOf(vm).key }]);
    await run(task);
    expect(vsphere.read<{ descriptionId: string }>(task.ref.value, 'info').descriptionId).toBe(
      'VirtualMachine.promoteDisks',
    );
    const promoted = current(vm);
    expect(diskOf(promoted).backing).not.toHaveProperty('parent');
    expect(diskOf(promoted).capacityInKB).toBe(BASE_KB);
    expect(promoted.powerState).toBe('poweredOn');
    expect(await deleteBase()).toBe('deleted');
  });

  it('keeps the parent when its child goes with its VM; a clone of a linked VM has disks of its own', async () => {
    const { vsphere, dc, linkedSpec, create, diskOf, deleteBase, run } = await setup();
    const vm = await create(linkedSpec('linked-1'));
    const ref = { type: 'VirtualMachine', value: vm.id };
    const clone = await run(
      vsphere.vm.clone(ref, { type: 'Folder', value: dc.vmFolder }, 'copy', {
        location: {},
        powerOn: false,
        template: false,
      }),
    );
    expect(diskOf(vsphere.store.get(clone.value) as VmRecord).backing).not.toHaveProperty('parent');
    await run(vsphere.vm.destroy(ref));
    expect(await deleteBase()).toBe('deleted');
  });
});
