import { describe, expect, it } from 'vitest';
import type {
  DatacenterRecord,
  DatastoreFileRecord,
  DatastoreRecord,
  Device,
  LibraryItemRecord,
  VmRecord,
  VStorageObjectRecord,
} from '../inventory/records.js';
import { SAMPLE_OVF_IMAGES } from '../library/ovf.js';
import type { Task } from '../model.js';
import type { MoRef } from '../refs.js';
import { saveState, serializeState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

const VM = 'DC0_H0_VM0';
const VM_DISK = `[LocalDS_0] ${VM}/${VM}.vmdk`;
const KB = 1024;
const spec = (capacityKb = 2048, diskType = 'thin', adapterType = 'lsiLogic') => ({
  _type: 'FileBackedVirtualDiskSpec',
  diskType,
  adapterType,
  capacityKb,
});

/** The capacity of a VM's first disk, in KB. */
const diskKb = (vm: VmRecord) =>
  vm.config.devices.find((d) => d._type === 'VirtualDisk')?.capacityInKB as number;

const setup = (options: { ds?: number; seed?: number } = {}) => {
  const fixture = createFixture({ inventory: { ds: options.ds ?? 1 }, seed: options.seed ?? 1 });
  const { vsphere, at, run } = fixture;
  const dc = at<DatacenterRecord>('/DC0');
  const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const disks = vsphere.virtualDisks;
  const browser = vsphere.read<MoRef>(ds.id, 'browser');
  /** The disks in a folder, as a VmDiskFileQuery lists them. */
  const listed = async (path: string) => {
    const result = (await run(
      vsphere.datastoreBrowser.search(browser, path, {
        query: [{ _type: 'VmDiskFileQuery', details: { capacityKb: true, thin: true, diskExtents: true } }],
        details: { fileSize: true },
      }),
    )) as { file: { path: string; capacityKb?: number; thin?: boolean; fileSize: number }[] };
    return result.file;
  };
  const names = async (path: string) =>
    ((await run(vsphere.datastoreBrowser.search(browser, path))) as { file: { path: string }[] }).file.map(
      (f) => f.path,
    );
  const create = (name: string, s = spec()) => run(disks.create(`[LocalDS_0] ${name}`, dc.id, s));
  /** What a failed operation must leave alone: the files put there and the space they take. */
  const snapshot = () => ({
    records: [...vsphere.store.ofKind('DatastoreFile')],
    used: fixture.used(ds.id),
  });
  /** The fault a task ends with, and that it changed nothing. */
  const failsWith = async (task: () => Task<unknown> | unknown) => {
    const before = snapshot();
    const fault = await faultOf(async () => {
      const started = task();
      if (started && typeof started === 'object' && 'wait' in started) await run(started as Task<unknown>);
    });
    expect(snapshot()).toEqual(before);
    return fault;
  };
  return { ...fixture, dc, ds, disks, listed, names, create, snapshot, failsWith };
};

describe('VirtualDiskManager.CreateVirtualDisk_Task', () => {
  it('makes a descriptor and its extent the browser lists as a disk, taking the capacity', async () => {
    const { disks, dc, ds, listed, names, used, run, taskInfo, vsphere } = setup();
    vsphere.files.makeDirectory('[LocalDS_0] disks', dc.id);
    const before = used(ds.id);
    const task = disks.create('[LocalDS_0] disks/data.vmdk', dc.id, spec(4096));
    expect(await run(task)).toBe('[LocalDS_0] disks/data.vmdk');
    expect(taskInfo(task)).toMatchObject({
      entity: ds.id,
      name: 'CreateVirtualDisk_Task',
      descriptionId: 'VirtualDiskManager.createVirtualDisk',
      state: 'success',
    });
    expect(await names('[LocalDS_0] disks')).toEqual(['data-flat.vmdk', 'data.vmdk']);
    expect(await listed('[LocalDS_0] disks')).toEqual([
      {
        _type: 'VmDiskFileInfo',
        path: 'data.vmdk',
        fileSize: 512,
        capacityKb: 4096,
        thin: true,
        diskExtents: ['data-flat.vmdk'],
      },
    ]);
    expect(used(ds.id) - before).toBe(4096 * KB + 512);
    expect(vsphere.read<number>(ds.id, 'summary.freeSpace')).toBe(ds.capacity - used(ds.id));
    await run(disks.create('[LocalDS_0] disks/thick.vmdk', dc.id, spec(1024, 'eagerZeroedThick')));
    expect((await listed('[LocalDS_0] disks')).find((f) => f.path === 'thick.vmdk')?.thin).toBe(false);
  });

  it('refuses a disk that is there, a missing folder, a name that is no disk and bad specs, changing nothing', async () => {
    const { disks, dc, ds, create, failsWith, vsphere } = setup();
    await create('a.vmdk');
    vsphere.files.upload(ds.id, 'notes-flat.vmdk', new Uint8Array(3));
    const make =
      (name: string, s: object = spec()) =>
      () =>
        disks.create(name, dc.id, s);
    expect(await failsWith(make('[LocalDS_0] a.vmdk'))).toBe('FileAlreadyExists');
    expect(await failsWith(make(VM_DISK))).toBe('FileAlreadyExists');
    // The extent's name is taken.
    expect(await failsWith(make('[LocalDS_0] notes.vmdk'))).toBe('FileAlreadyExists');
    expect(await failsWith(make('[LocalDS_0] no/such/b.vmdk'))).toBe('FileNotFound');
    expect(await failsWith(make('[LocalDS_0] b.txt'))).toBe('InvalidDatastorePath');
    expect(await failsWith(make('[LocalDS_0] b-flat.vmdk'))).toBe('InvalidDatastorePath');
    expect(await failsWith(make('[nowhere] b.vmdk'))).toBe('InvalidDatastore');
    expect(await failsWith(make('[LocalDS_0] b.vmdk', spec(0)))).toBe('InvalidArgument');
    expect(await failsWith(make('[LocalDS_0] b.vmdk', spec(1.5)))).toBe('InvalidArgument');
    expect(await failsWith(make('[LocalDS_0] b.vmdk', spec(1024, 'sparse2Gb')))).toBe('InvalidArgument');
    expect(await failsWith(make('[LocalDS_0] b.vmdk', spec(1024, 'thin', 'nvme')))).toBe('InvalidArgument');
    expect(
      await failsWith(make('[LocalDS_0] b.vmdk', { _type: 'DeviceBackedVirtualDiskSpec', device: 'x' })),
    ).toBe('NotSupported');
    expect(await failsWith(() => disks.create('[LocalDS_0] b.vmdk', undefined, spec()))).toBe(
      'InvalidArgument',
    );
  });

  it('takes a /folder URL, which needs no datacenter', async () => {
    const { disks, names, run } = setup();
    const url = 'https://vc.example/folder/url.vmdk?dcPath=DC0&dsName=LocalDS_0';
    expect(await run(disks.create(url, undefined, spec()))).toBe('[LocalDS_0] url.vmdk');
    expect(await names('[LocalDS_0]')).toContain('url.vmdk');
  });
});

describe('VirtualDiskManager.DeleteVirtualDisk_Task', () => {
  it('deletes the descriptor and its extent, freeing their space', async () => {
    const { disks, dc, ds, create, names, used, run } = setup();
    const before = used(ds.id);
    await create('gone.vmdk');
    await run(disks.delete('[LocalDS_0] gone.vmdk', dc.id));
    expect(await names('[LocalDS_0]')).not.toContain('gone.vmdk');
    expect(await names('[LocalDS_0]')).not.toContain('gone-flat.vmdk');
    expect(used(ds.id)).toBe(before);
  });

  it("ends in FileNotFound for what is no disk, FileLocked for the objects' disks", async () => {
    const { disks, dc, ds, vsphere, failsWith, run } = setup();
    const fcd = await run(
      vsphere.disks.create({ name: 'fcd', capacityInMB: 1, backingSpec: { datastore: ds.id } }),
    );
    vsphere.files.upload(ds.id, 'plain.vmdk', new Uint8Array(1));
    const remove = (name: string) => () => disks.delete(name, dc.id);
    expect(await failsWith(remove('[LocalDS_0] missing.vmdk'))).toBe('FileNotFound');
    expect(await failsWith(remove('[LocalDS_0] plain.vmdk'))).toBe('FileNotFound');
    expect(await failsWith(remove(`[LocalDS_0] ${VM}/${VM}.vmx`))).toBe('FileNotFound');
    expect(await failsWith(remove(VM_DISK))).toBe('FileLocked');
    expect(await failsWith(remove(fcd.config.backing.filePath))).toBe('FileLocked');
  });
});

describe('VirtualDiskManager.CopyVirtualDisk_Task and MoveVirtualDisk_Task', () => {
  it('copies a disk as a new preallocated disk of the same capacity with a UUID of its own', async () => {
    const { disks, dc, ds, create, listed, used, run } = setup();
    await create('src.vmdk', spec(3072));
    const before = used(ds.id);
    const copied = await run(disks.copy('[LocalDS_0] src.vmdk', dc.id, '[LocalDS_0] dst.vmdk'));
    expect(copied).toBe('[LocalDS_0] dst.vmdk');
    expect(used(ds.id) - before).toBe(3072 * KB + 512);
    expect((await listed('[LocalDS_0]')).filter((f) => f.path === 'dst.vmdk')).toMatchObject([
      { capacityKb: 3072, thin: false },
    ]);
    expect(disks.queryUuid('[LocalDS_0] dst.vmdk', dc.id)).not.toBe(
      disks.queryUuid('[LocalDS_0] src.vmdk', dc.id),
    );
  });

  it("copies a library item's disk from where the library keeps it, which the datastore lists", async () => {
    const { vsphere, disks, dc, ds, listed, names, run, failsWith } = setup();
    const lib = vsphere.library.create({ name: 'images', datastore: ds.id, type: 'LOCAL' });
    const item = vsphere.library.createItem(lib, SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number]);
    const record = vsphere.store.get(item) as LibraryItemRecord;
    const dir = `[LocalDS_0] contentlib-${lib}/${item}`;
    const vmdk = record.files.find((f) => f.name.endsWith('.vmdk'))?.name as string;
    expect((await names(dir)).sort()).toEqual(record.files.map((f) => f.name).sort());
    const capacityKb = record.ovf?.disks[0]?.capacityKB;
    expect((await listed(dir)).find((f) => f.path === vmdk)?.capacityKb).toBe(capacityKb);
    await run(disks.copy(`${dir}/${vmdk}`, dc.id, '[LocalDS_0] cached.vmdk', dc.id));
    expect((await listed('[LocalDS_0]')).find((f) => f.path === 'cached.vmdk')?.capacityKb).toBe(capacityKb);
    // The library's files are its own.
    expect(await failsWith(() => disks.delete(`${dir}/${vmdk}`, dc.id))).toBe('FileLocked');
  });

  it("copies a disk as its destination spec's type, the source's capacity kept", async () => {
    const { disks, dc, ds, create, listed, used, run } = setup();
    await create('src.vmdk', spec(3072, 'preallocated'));
    const before = used(ds.id);
    // vm-operator's image cache copies as a FileBackedVirtualDiskSpec of its own capacity and policy.
    const destSpec = {
      _type: 'FileBackedVirtualDiskSpec',
      diskType: 'thin',
      adapterType: 'lsiLogic',
      capacityKb: 0,
    };
    await run(disks.copy('[LocalDS_0] src.vmdk', dc.id, '[LocalDS_0] dst.vmdk', dc.id, destSpec));
    expect((await listed('[LocalDS_0]')).filter((f) => f.path === 'dst.vmdk')).toMatchObject([
      { capacityKb: 3072, thin: true },
    ]);
    expect(used(ds.id) - before).toBe(3072 * KB + 512);
  });

  it("copies a VM's disk; refuses a destination that is there, force or not", async () => {
    const { disks, dc, create, listed, run, failsWith } = setup();
    await run(disks.copy(VM_DISK, dc.id, '[LocalDS_0] vm-copy.vmdk', dc.id));
    const vmDisk = (await listed(`[LocalDS_0] ${VM}`))[0];
    expect((await listed('[LocalDS_0]')).find((f) => f.path === 'vm-copy.vmdk')?.capacityKb).toBe(
      vmDisk?.capacityKb,
    );
    await create('other.vmdk');
    const copy =
      (to: string, force = false, destSpec?: object) =>
      () =>
        disks.copy('[LocalDS_0] other.vmdk', dc.id, `[LocalDS_0] ${to}`, dc.id, destSpec, force);
    expect(await failsWith(copy('vm-copy.vmdk'))).toBe('FileAlreadyExists');
    expect(await failsWith(copy('vm-copy.vmdk', true))).toBe('FileAlreadyExists');
    expect(await failsWith(copy('new.vmdk', false, spec(1, 'sparse')))).toBe('InvalidArgument');
    expect(await failsWith(copy('no/such/dir.vmdk'))).toBe('FileNotFound');
    expect(
      await failsWith(() => disks.copy('[LocalDS_0] missing.vmdk', dc.id, '[LocalDS_0] x.vmdk', dc.id)),
    ).toBe('FileNotFound');
    // Onto itself: no effect.
    expect(await run(copy('other.vmdk')())).toBe('[LocalDS_0] other.vmdk');
  });

  it('moves a disk with its UUID and times, across datastores too, the space with it', async () => {
    const { disks, dc, ds, create, names, used, run, at, later, vsphere } = setup({ ds: 2 });
    const other = at<DatastoreRecord>('/DC0/datastore/LocalDS_1');
    await create('m.vmdk', spec(1024));
    const uuid = disks.queryUuid('[LocalDS_0] m.vmdk', dc.id);
    const time = vsphere.clock.now();
    await later(60_000);
    const [here, there] = [used(ds.id), used(other.id)];
    expect(await run(disks.move('[LocalDS_0] m.vmdk', dc.id, '[LocalDS_1] m.vmdk', dc.id))).toBe(
      '[LocalDS_1] m.vmdk',
    );
    expect(await names('[LocalDS_0]')).not.toContain('m.vmdk');
    const top = vsphere.files.download(other.id, '') as { entries: readonly { name: string }[] };
    expect(top.entries.map((e) => e.name)).toEqual(expect.arrayContaining(['m.vmdk', 'm-flat.vmdk']));
    expect(used(ds.id)).toBe(here - 1024 * KB - 512);
    expect(used(other.id)).toBe(there + 1024 * KB + 512);
    expect(disks.queryUuid('[LocalDS_1] m.vmdk', dc.id)).toBe(uuid);
    expect(vsphere.files.download(other.id, 'm.vmdk')).toMatchObject({ modified: time });
  });

  it('refuses a destination that is there unless forced, and a disk in use', async () => {
    const { disks, dc, create, run, failsWith } = setup();
    await create('a.vmdk', spec(1024));
    await create('b.vmdk', spec(2048));
    const uuid = disks.queryUuid('[LocalDS_0] a.vmdk', dc.id);
    const move =
      (from: string, to: string, force = false) =>
      () =>
        disks.move(from, dc.id, to, undefined, force);
    expect(await failsWith(move('[LocalDS_0] a.vmdk', '[LocalDS_0] b.vmdk'))).toBe('FileAlreadyExists');
    expect(await failsWith(move(VM_DISK, '[LocalDS_0] c.vmdk'))).toBe('FileLocked');
    expect(await failsWith(move('[LocalDS_0] a.vmdk', VM_DISK, true))).toBe('FileLocked');
    expect(await failsWith(move('[LocalDS_0] missing.vmdk', '[LocalDS_0] c.vmdk'))).toBe('FileNotFound');
    // Onto itself a disk is left as it is; a missing one is still not found.
    expect(await run(move('[LocalDS_0] a.vmdk', '[LocalDS_0] a.vmdk')())).toBe('[LocalDS_0] a.vmdk');
    expect(await failsWith(move('[LocalDS_0] missing.vmdk', '[LocalDS_0] missing.vmdk'))).toBe(
      'FileNotFound',
    );
    await run(move('[LocalDS_0] a.vmdk', '[LocalDS_0] b.vmdk', true)());
    expect(disks.queryUuid('[LocalDS_0] b.vmdk', dc.id)).toBe(uuid);
    expect(await faultOf(() => disks.queryUuid('[LocalDS_0] a.vmdk', dc.id))).toBe('FileNotFound');
  });
});

describe('VirtualDiskManager.ExtendVirtualDisk_Task, InflateVirtualDisk_Task and the like', () => {
  it('extends a disk to a larger capacity only, taking the more space', async () => {
    const { disks, dc, ds, create, listed, used, run, failsWith } = setup();
    await create('e.vmdk', spec(1024));
    const before = used(ds.id);
    await run(disks.extend('[LocalDS_0] e.vmdk', dc.id, 4096));
    expect((await listed('[LocalDS_0]')).find((f) => f.path === 'e.vmdk')?.capacityKb).toBe(4096);
    expect(used(ds.id) - before).toBe(3072 * KB);
    for (const size of [4096, 1024, 0])
      expect(await failsWith(() => disks.extend('[LocalDS_0] e.vmdk', dc.id, size))).toBe('InvalidArgument');
    expect(await failsWith(() => disks.extend(VM_DISK, dc.id, 1e9))).toBe('FileLocked');
  });

  it('inflates a thin disk and eager-zeroes a lazily zeroed one; zero-fill leaves it as it is', async () => {
    const { disks, dc, ds, create, listed, used, run, failsWith, vsphere } = setup();
    await create('t.vmdk', spec(1024, 'thin'));
    await create('p.vmdk', spec(1024, 'preallocated'));
    const before = used(ds.id);
    await run(disks.inflate('[LocalDS_0] t.vmdk', dc.id));
    await run(disks.eagerZero('[LocalDS_0] p.vmdk', dc.id));
    await run(disks.zeroFill('[LocalDS_0] t.vmdk', dc.id));
    expect((await listed('[LocalDS_0]')).find((f) => f.path === 't.vmdk')?.thin).toBe(false);
    const types = [...vsphere.store.ofKind('DatastoreFile')]
      .map((r) => (r as { disk?: { diskType: string } }).disk?.diskType)
      .filter(Boolean);
    expect(types).toEqual(['eagerZeroedThick', 'eagerZeroedThick']);
    expect(used(ds.id)).toBe(before);
    expect(await failsWith(() => disks.inflate(VM_DISK, dc.id))).toBe('FileLocked');
    expect(await failsWith(() => disks.zeroFill('[LocalDS_0] none.vmdk', dc.id))).toBe('FileNotFound');
  });
});

describe('VirtualDiskManager.QueryVirtualDiskUuid and SetVirtualDiskUuid', () => {
  it("answers a disk's UUID as its descriptor writes it, the objects' disks' too", async () => {
    const { disks, dc, ds, create, at, vsphere, run } = setup();
    await create('u.vmdk');
    expect(disks.queryUuid('[LocalDS_0] u.vmdk', dc.id)).toMatch(
      /^[0-9a-f]{2}( [0-9a-f]{2}){7}-[0-9a-f]{2}( [0-9a-f]{2}){7}$/,
    );
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    const device = vm.config.devices.find((d) => d._type === 'VirtualDisk');
    const vmUuid = (device?.backing as { uuid: string } | undefined)?.uuid.replaceAll('-', '');
    expect(disks.queryUuid(VM_DISK, dc.id).replace(/[ -]/g, '')).toBe(vmUuid);
    await run(vsphere.disks.create({ name: 'fcd', capacityInMB: 1, backingSpec: { datastore: ds.id } }));
    const fcd = [...vsphere.store.ofKind<VStorageObjectRecord>('VStorageObject')][0] as VStorageObjectRecord;
    expect(disks.queryUuid(fcd.filePath, dc.id).replace(/[ -]/g, '')).toBe(fcd.diskUuid.replaceAll('-', ''));
    expect(await faultOf(() => disks.queryUuid('[LocalDS_0] none.vmdk', dc.id))).toBe('FileNotFound');
    expect(await faultOf(() => disks.queryUuid('[LocalDS_0] u.vmdk'))).toBe('InvalidArgument');
  });

  it('sets a UUID given in either form; refuses anything else and the objects disks', async () => {
    const { disks, dc, create, failsWith } = setup();
    await create('u.vmdk');
    disks.setUuid('[LocalDS_0] u.vmdk', dc.id, '60 00 C2 9a 01 02 03 04-05 06 07 08 09 0a 0b 0c');
    expect(disks.queryUuid('[LocalDS_0] u.vmdk', dc.id)).toBe(
      '60 00 c2 9a 01 02 03 04-05 06 07 08 09 0a 0b 0c',
    );
    disks.setUuid('[LocalDS_0] u.vmdk', dc.id, '6000c29a-0102-0304-0506-0708090a0b0d');
    expect(disks.queryUuid('[LocalDS_0] u.vmdk', dc.id)).toBe(
      '60 00 c2 9a 01 02 03 04-05 06 07 08 09 0a 0b 0d',
    );
    expect(await failsWith(() => disks.setUuid('[LocalDS_0] u.vmdk', dc.id, 'not a uuid'))).toBe(
      'InvalidArgument',
    );
    expect(await failsWith(() => disks.setUuid(VM_DISK, dc.id, '6000c29a-0102-0304-0506-0708090a0b0d'))).toBe(
      'FileLocked',
    );
  });
});

describe('VirtualDiskManager.QueryVirtualDiskGeometry and QueryVirtualDiskFragmentation', () => {
  const GB = 1024 * 1024;

  it("answers a disk's geometry as ESX writes it: 255 heads, 63 sectors, an IDE disk's 16 heads", async () => {
    const { disks, dc, create } = setup();
    // 10 GiB is 1305 whole cylinders of 255 heads of 63 sectors of 512 bytes.
    await create('scsi.vmdk', spec(10 * GB));
    expect(disks.queryGeometry('[LocalDS_0] scsi.vmdk', dc.id)).toEqual({
      _type: 'HostDiskDimensionsChs',
      cylinder: 1305,
      head: 255,
      sector: 63,
    });
    await create('ide.vmdk', spec(5 * GB, 'thin', 'ide'));
    expect(disks.queryGeometry('[LocalDS_0] ide.vmdk', dc.id)).toMatchObject({
      cylinder: 10402,
      head: 16,
      sector: 63,
    });
    // ATA counts at most 16383 cylinders.
    await create('big-ide.vmdk', spec(64 * GB, 'thin', 'ide'));
    expect(disks.queryGeometry('[LocalDS_0] big-ide.vmdk', dc.id)).toMatchObject({
      cylinder: 16383,
      head: 16,
    });
  });

  it("reads the objects' disks too; a disk is never fragmented; the faults are the call's", async () => {
    const { disks, dc, at, create } = setup();
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    const cylinders = Math.floor((diskKb(vm) * KB) / (255 * 63 * 512));
    expect(disks.queryGeometry(VM_DISK, dc.id)).toMatchObject({ cylinder: cylinders, head: 255 });
    await create('f.vmdk');
    expect(disks.queryFragmentation('[LocalDS_0] f.vmdk', dc.id)).toBe(0);
    expect(disks.queryFragmentation(VM_DISK, dc.id)).toBe(0);
    for (const query of [disks.queryGeometry, disks.queryFragmentation]) {
      expect(await faultOf(() => query('[LocalDS_0] none.vmdk', dc.id))).toBe('FileNotFound');
      expect(await faultOf(() => query(`[LocalDS_0] ${VM}/${VM}.vmx`, dc.id))).toBe('FileNotFound');
      expect(await faultOf(() => query('[nowhere] f.vmdk', dc.id))).toBe('InvalidDatastore');
      expect(await faultOf(() => query('LocalDS_0 f.vmdk', dc.id))).toBe('InvalidDatastorePath');
      expect(await faultOf(() => query('[LocalDS_0] f.vmdk'))).toBe('InvalidArgument');
    }
  });
});

describe('VirtualDiskManager.DefragmentVirtualDisk_Task and ShrinkVirtualDisk_Task', () => {
  it('defragment any standalone disk and shrink a thin one, changing nothing', async () => {
    const { disks, dc, create, snapshot, run, taskInfo, ds } = setup();
    await create('thin.vmdk', spec(2048, 'thin'));
    await create('flat.vmdk', spec(2048, 'preallocated'));
    const before = snapshot();
    for (const name of ['thin.vmdk', 'flat.vmdk']) await run(disks.defragment(`[LocalDS_0] ${name}`, dc.id));
    const shrink = disks.shrink('[LocalDS_0] thin.vmdk', dc.id);
    await run(shrink);
    expect(snapshot()).toEqual(before);
    expect(taskInfo(shrink)).toMatchObject({
      entity: ds.id,
      name: 'ShrinkVirtualDisk_Task',
      descriptionId: 'VirtualDiskManager.shrinkVirtualDisk',
      state: 'success',
    });
  });

  it('refuses a flat disk to shrink, what is no disk, a disk in use and bad names, changing nothing', async () => {
    const { disks, dc, create, failsWith } = setup();
    await create('flat.vmdk', spec(1024, 'eagerZeroedThick'));
    expect(await failsWith(() => disks.shrink('[LocalDS_0] flat.vmdk', dc.id))).toBe('NotSupported');
    for (const task of [disks.defragment, disks.shrink]) {
      expect(await failsWith(() => task('[LocalDS_0] none.vmdk', dc.id))).toBe('FileNotFound');
      expect(await failsWith(() => task(VM_DISK, dc.id))).toBe('FileLocked');
      expect(await failsWith(() => task('[nowhere] a.vmdk', dc.id))).toBe('InvalidDatastore');
      expect(await failsWith(() => task('[LocalDS_0] a.vmdk'))).toBe('InvalidArgument');
    }
  });
});

describe('standalone disks among the datastore files', () => {
  it('copy and move with FileManager as the files they are: the descriptor keeps the disk and its UUID', async () => {
    const { disks, dc, vsphere, create, listed, run } = setup();
    vsphere.files.makeDirectory('[LocalDS_0] d', dc.id);
    await create('d/x.vmdk', spec(1024));
    const uuid = disks.queryUuid('[LocalDS_0] d/x.vmdk', dc.id);
    await run(vsphere.files.copy('[LocalDS_0] d', dc.id, '[LocalDS_0] e', dc.id));
    expect(await listed('[LocalDS_0] e')).toMatchObject([{ path: 'x.vmdk', capacityKb: 1024, thin: true }]);
    expect(disks.queryUuid('[LocalDS_0] e/x.vmdk', dc.id)).toBe(uuid);
    await run(vsphere.files.delete('[LocalDS_0] d', dc.id));
    await run(disks.delete('[LocalDS_0] e/x.vmdk', dc.id));
    expect(await listed('[LocalDS_0] e')).toEqual([]);
  });
});

describe('a standalone disk attached to a VM', () => {
  it("takes the descriptor's capacity, type and UUID, whatever capacity the device names", async () => {
    const { disks, dc, vsphere, create, run, at } = setup();
    await create('attached.vmdk', spec(4096, 'preallocated'));
    const uuid = disks.queryUuid('[LocalDS_0] attached.vmdk', dc.id);
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    // As govc's vm.disk.attach sends it: an existing file, no capacity.
    await run(
      vsphere.vm.reconfigure(vm.id, {
        deviceChange: [
          {
            operation: 'add',
            device: {
              _type: 'VirtualDisk',
              key: -1,
              capacityInKB: 0,
              backing: { _type: 'VirtualDiskFlatVer2BackingInfo', fileName: '[LocalDS_0] attached.vmdk' },
            },
          },
        ],
      }),
    );
    const attached = (vsphere.store.get(vm.id) as VmRecord).config.devices.find(
      (d) => (d.backing as { fileName?: string } | undefined)?.fileName === '[LocalDS_0] attached.vmdk',
    );
    expect(attached).toMatchObject({ capacityInKB: 4096, backing: { thinProvisioned: false } });
    // The VM's disk is the same disk: the same UUID, now read from the VM's device.
    expect(disks.queryUuid('[LocalDS_0] attached.vmdk', dc.id)).toBe(uuid);
  });

  it('keeps an eagerly zeroed disk eagerly zeroed, attached and let go again', async () => {
    const { vsphere, create, run, at, disks, dc, listed } = setup();
    await create('eager.vmdk', spec(2048, 'eagerZeroedThick'));
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    const file = '[LocalDS_0] eager.vmdk';
    const device = { _type: 'VirtualDisk', key: -1, capacityInKB: 0, backing: { fileName: file } };
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'add', device }] }));
    const attached = (vsphere.store.get(vm.id) as VmRecord).config.devices.find(
      (d) => (d.backing as { fileName?: string } | undefined)?.fileName === file,
    ) as Device;
    expect(attached.backing).toMatchObject({ thinProvisioned: false, eagerlyScrub: true });
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'remove', device: attached }] }));
    expect(disks.queryUuid(file, dc.id)).toBeTruthy();
    expect(await listed('[LocalDS_0]')).toContainEqual(
      expect.objectContaining({ path: 'eager.vmdk', thin: false }),
    );
    const kept = [...vsphere.store.ofKind<DatastoreFileRecord>('DatastoreFile')].find(
      (r) => r.name === 'eager.vmdk',
    );
    expect(kept?.disk).toMatchObject({ capacityKb: 2048, diskType: 'eagerZeroedThick' });
  });

  it('is counted once while the VM has it, and goes with the VM', async () => {
    const { vsphere, ds, create, run, at, used, names } = setup();
    await create('attached.vmdk', spec(4096, 'preallocated'));
    const before = used(ds.id);
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    const file = '[LocalDS_0] attached.vmdk';
    const disk = { _type: 'VirtualDisk', key: -1, capacityInKB: 0, backing: { fileName: file } };
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'add', device: disk }] }));
    // The VM's disk is the file now: the descriptor's own bytes are no longer counted apart.
    expect(used(ds.id)).toBe(before - 512);
    expect([...vsphere.store.ofKind('DatastoreFile')]).toEqual([]);
    expect(await names('[LocalDS_0]')).toContain('attached.vmdk');
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.destroy(vm.id));
    expect(await names('[LocalDS_0]')).not.toContain('attached.vmdk');
    expect(used(ds.id)).toBe(before - 512 - 4096 * KB - diskKb(vm) * KB);
  });
});

describe('a disk a VM lets go', () => {
  const remove = (fixture: ReturnType<typeof setup>, vm: VmRecord, fileOperation?: 'destroy') => {
    const disk = vm.config.devices.find((d) => d._type === 'VirtualDisk') as Device;
    const change = {
      operation: 'remove' as const,
      device: disk,
      ...(fileOperation ? { fileOperation } : {}),
    };
    return fixture.run(fixture.vsphere.vm.reconfigure(vm.id, { deviceChange: [change] }));
  };

  it('stays on its datastore without `destroy`, a standalone disk of its capacity, type and UUID', async () => {
    const fixture = setup();
    const { disks, dc, ds, at, used, listed, run } = fixture;
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    const uuid = disks.queryUuid(VM_DISK, dc.id);
    const kb = diskKb(vm);
    const before = used(ds.id);
    await remove(fixture, vm);
    expect(disks.queryUuid(VM_DISK, dc.id)).toBe(uuid);
    expect(await listed(`[LocalDS_0] ${VM}`)).toEqual([
      expect.objectContaining({
        path: `${VM}.vmdk`,
        capacityKb: kb,
        thin: true,
        diskExtents: [`${VM}-flat.vmdk`],
      }),
    ]);
    // Its descriptor is a file of its own now.
    expect(used(ds.id)).toBe(before + 512);
    // No longer the VM's, it may go.
    await run(disks.delete(VM_DISK, dc.id));
    expect(used(ds.id)).toBe(before - kb * KB);
  });

  it('goes with `destroy`, and its space with it', async () => {
    const fixture = setup();
    const { disks, dc, ds, at, used } = fixture;
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    const before = used(ds.id);
    await remove(fixture, vm, 'destroy');
    expect(await faultOf(() => disks.queryUuid(VM_DISK, dc.id))).toBe('FileNotFound');
    expect(used(ds.id)).toBe(before - diskKb(vm) * KB);
  });
});

describe('standalone disks in the state', () => {
  const calls = async (fixture: ReturnType<typeof setup>) => {
    const { disks, dc, create, run } = fixture;
    await create('a.vmdk', spec(1024));
    await run(disks.copy('[LocalDS_0] a.vmdk', dc.id, '[LocalDS_0] b.vmdk'));
    await run(disks.extend('[LocalDS_0] b.vmdk', dc.id, 2048));
    await run(disks.delete('[LocalDS_0] a.vmdk', dc.id));
  };

  it('are the same for the same seed and calls, and kept through a save and a load', async () => {
    const [first, second] = [setup({ seed: 7 }), setup({ seed: 7 })];
    await calls(first);
    await calls(second);
    expect(serializeState(first.vsphere)).toBe(serializeState(second.vsphere));
    const { disks, dc, ds, used, vsphere } = first;
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.virtualDisks.queryUuid('[LocalDS_0] b.vmdk', dc.id)).toBe(
      disks.queryUuid('[LocalDS_0] b.vmdk', dc.id),
    );
    expect((loaded.store.get(ds.id) as DatastoreRecord).used).toBe(used(ds.id));
    const removal = loaded.virtualDisks.delete('[LocalDS_0] b.vmdk', dc.id);
    loaded.scheduler.runDue();
    await removal.wait();
    expect(await faultOf(() => loaded.virtualDisks.queryUuid('[LocalDS_0] b.vmdk', dc.id))).toBe(
      'FileNotFound',
    );
  });
});

describe('free space', () => {
  it('refuses a thick disk, a grown one or a copy that needs more than the free space; a thin disk takes none', async () => {
    const { disks, dc, ds, create, failsWith, leaveFree, run, used } = setup();
    await leaveFree(ds.id, 4 * KB * KB);
    const disk = (name: string) => `[LocalDS_0] ${name}`;
    expect(await failsWith(() => disks.create(disk('thick.vmdk'), dc.id, spec(8 * KB, 'preallocated')))).toBe(
      'NoDiskSpace',
    );
    await create('small.vmdk', spec(KB, 'eagerZeroedThick'));
    expect(await failsWith(() => disks.extend(disk('small.vmdk'), dc.id, 8 * KB))).toBe('NoDiskSpace');
    await run(disks.extend(disk('small.vmdk'), dc.id, 2 * KB));
    // A copy is preallocated: 2 MiB more where about 1 MiB is free.
    expect(await failsWith(() => disks.copy(disk('small.vmdk'), dc.id, disk('copy.vmdk')))).toBe(
      'NoDiskSpace',
    );
    const before = used(ds.id);
    await create('thin.vmdk', spec(8 * KB, 'thin'));
    expect(used(ds.id) - before).toBe(8 * KB * KB + 512);
  });
});
