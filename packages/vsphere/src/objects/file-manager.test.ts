import { describe, expect, it } from 'vitest';
import type { DatacenterRecord, DatastoreRecord, HostRecord, TaskRecord } from '../inventory/records.js';
import type { Task } from '../model.js';
import type { MoRef } from '../refs.js';
import { saveState, serializeState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

const VM = 'DC0_H0_VM0';
const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (item: { folder: boolean; bytes?: Uint8Array }) =>
  new TextDecoder().decode((item as { bytes: Uint8Array }).bytes);

const setup = (options: { ds?: number; seed?: number } = {}) => {
  const fixture = createFixture({ inventory: { ds: options.ds ?? 1 }, seed: options.seed ?? 1 });
  const { vsphere, at, run } = fixture;
  const dc = at<DatacenterRecord>('/DC0');
  const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const files = vsphere.files;
  const browser = vsphere.read<MoRef>(ds.id, 'browser');
  /** The names in a folder, as the datastore browser lists them. */
  const listed = async (path: string) => {
    const result = (await run(
      vsphere.datastoreBrowser.search(browser, path, {
        details: { fileType: true, fileSize: true, modification: true },
      }),
    )) as { file: { _type: string; path: string; fileSize: number; modification: string }[] };
    return result.file;
  };
  const names = async (path: string) => (await listed(path)).map((f) => f.path);
  const put = (path: string, text: string) => files.upload(ds.id, path, bytesOf(text));
  const read = (path: string) => textOf(files.download(ds.id, path));
  /** What a failed operation must leave alone: the files put there and the space they take. */
  const snapshot = () => ({
    records: [...vsphere.store.ofKind('DatastoreFile')],
    used: fixture.used(ds.id),
  });
  return { ...fixture, dc, ds, files, browser, listed, names, put, read, snapshot };
};

/** The fault a task ends with, and that it changed nothing. */
const failsWith = async (fixture: ReturnType<typeof setup>, task: () => Task<unknown>) => {
  const before = fixture.snapshot();
  const fault = await faultOf(() => fixture.run(task()));
  expect(fixture.snapshot()).toEqual(before);
  return fault;
};

describe('FileManager.MakeDirectory', () => {
  it('makes a folder the browser lists, and refuses one that is there', async () => {
    const { files, dc, names, snapshot } = setup();
    files.makeDirectory('[LocalDS_0] isos', dc.id);
    expect(await names('[LocalDS_0]')).toContain('isos');
    expect(await names('[LocalDS_0] isos')).toEqual([]);
    const before = snapshot();
    expect(await faultOf(() => files.makeDirectory('[LocalDS_0] isos/', dc.id))).toBe('FileAlreadyExists');
    // A VM's home folder is there too.
    expect(await faultOf(() => files.makeDirectory(`[LocalDS_0] ${VM}`, dc.id))).toBe('FileAlreadyExists');
    expect(snapshot()).toEqual(before);
  });

  it('makes missing parents only when asked, FileNotFound otherwise, a folder there no fault then', async () => {
    const { files, dc, names, snapshot } = setup();
    const before = snapshot();
    expect(await faultOf(() => files.makeDirectory('[LocalDS_0] a/b/c', dc.id))).toBe('FileNotFound');
    expect(snapshot()).toEqual(before);
    files.makeDirectory('[LocalDS_0] a/b/c', dc.id, true);
    expect(await names('[LocalDS_0] a/b')).toEqual(['c']);
    // With them, a folder that is there is no fault (as `mkdir -p`); without, it is.
    files.makeDirectory('[LocalDS_0] a/b', dc.id, true);
    expect(await faultOf(() => files.makeDirectory('[LocalDS_0] a/b', dc.id))).toBe('FileAlreadyExists');
  });

  it('refuses a file in the way (CannotCreateFile), bad paths, unknown datastores and a missing datacenter', async () => {
    const { files, dc, put, snapshot } = setup();
    put('notes.txt', 'hello');
    const before = snapshot();
    expect(await faultOf(() => files.makeDirectory('[LocalDS_0] notes.txt/sub', dc.id, true))).toBe(
      'CannotCreateFile',
    );
    expect(await faultOf(() => files.makeDirectory(`[LocalDS_0] ${VM}/${VM}.vmx/x`, dc.id, true))).toBe(
      'CannotCreateFile',
    );
    for (const bad of ['LocalDS_0 isos', '[LocalDS_0]', '[LocalDS_0] a/../b', '[LocalDS_0] ./a'])
      expect(await faultOf(() => files.makeDirectory(bad, dc.id))).toBe('InvalidDatastorePath');
    expect(await faultOf(() => files.makeDirectory('[nowhere] isos', dc.id))).toBe('InvalidDatastore');
    expect(await faultOf(() => files.makeDirectory('[LocalDS_0] isos'))).toBe('InvalidArgument');
    expect(await faultOf(() => files.makeDirectory('[LocalDS_0] isos', 'datacenter-999'))).toBe(
      'ManagedObjectNotFound',
    );
    expect(snapshot()).toEqual(before);
  });

  it('takes a /folder URL, which needs no datacenter', async () => {
    const { files, names } = setup();
    files.makeDirectory('https://vc.example/folder/from-url?dcPath=DC0&dsName=LocalDS_0');
    expect(await names('[LocalDS_0]')).toContain('from-url');
    expect(
      await faultOf(() => files.makeDirectory('https://vc.example/folder/x?dcPath=DC9&dsName=LocalDS_0')),
    ).toBe('InvalidDatastore');
    expect(await faultOf(() => files.makeDirectory('https://vc.example/sdk/x?dsName=LocalDS_0'))).toBe(
      'InvalidDatastorePath',
    );
  });
});

describe('upload and download', () => {
  it('keeps the bytes, makes the folders above them, and counts them in the used space', async () => {
    const { files, ds, put, read, used, listed, vsphere } = setup();
    const before = used(ds.id);
    expect(put('isos/linux/boot.iso', 'x'.repeat(3000))).toEqual({ created: true });
    expect(read('isos/linux/boot.iso')).toBe('x'.repeat(3000));
    expect(used(ds.id) - before).toBe(3000);
    expect(vsphere.read<number>(ds.id, 'summary.freeSpace')).toBe(ds.capacity - before - 3000);
    expect(put('isos/linux/boot.iso', 'short')).toEqual({ created: false });
    expect(used(ds.id) - before).toBe(5);
    const [iso] = await listed('[LocalDS_0] isos/linux');
    expect(iso).toEqual({
      _type: 'IsoImageFileInfo',
      path: 'boot.iso',
      fileSize: 5,
      modification: new Date(vsphere.clock.now()).toISOString(),
    });
    expect(files.download(ds.id, 'isos')).toMatchObject({
      folder: true,
      entries: [{ name: 'linux', folder: true }],
    });
  });

  it('keeps binary bytes as they were', () => {
    const { files, ds } = setup();
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    files.upload(ds.id, 'blob.bin', bytes);
    const item = files.download(ds.id, 'blob.bin') as { bytes: Uint8Array };
    expect(Buffer.from(item.bytes).equals(bytes)).toBe(true);
  });

  it('puts files in a VM folder, which outlive the VM', async () => {
    const { vsphere, put, read, names, run, at } = setup();
    put(`${VM}/notes.txt`, 'mine');
    expect(await names(`[LocalDS_0] ${VM}`)).toEqual(
      [`${VM}.vmdk`, `${VM}-flat.vmdk`, `${VM}.vmx`, 'notes.txt'].sort(),
    );
    await run(vsphere.vm.powerOff(at(`/DC0/vm/${VM}`).id));
    await run(vsphere.vm.destroy(at(`/DC0/vm/${VM}`).id));
    expect(await names(`[LocalDS_0] ${VM}`)).toEqual(['notes.txt']);
    expect(read(`${VM}/notes.txt`)).toBe('mine');
  });

  it('refuses to overwrite an object file or a folder, and to read what is not there', async () => {
    const { files, ds, put, read, snapshot } = setup();
    const before = snapshot();
    expect(await faultOf(() => put(`${VM}/${VM}.vmx`, 'x'))).toBe('FileLocked');
    expect(await faultOf(() => put(VM, 'x'))).toBe('FileAlreadyExists');
    expect(await faultOf(() => put(`${VM}/${VM}.vmx/x`, 'x'))).toBe('CannotCreateFile');
    expect(await faultOf(() => put('../x', 'x'))).toBe('InvalidDatastorePath');
    expect(snapshot()).toEqual(before);
    expect(await faultOf(() => files.download(ds.id, 'missing.txt'))).toBe('FileNotFound');
    // A VM's configuration file reads as its .vmx text; a disk's files have no bytes of their own.
    expect(read(`${VM}/${VM}.vmx`)).toContain(`displayName = "${VM}"`);
    expect(files.download(ds.id, `${VM}/${VM}.vmdk`)).toMatchObject({
      folder: false,
      bytes: new Uint8Array(0),
    });
  });
});

describe('FileManager.DeleteDatastoreFile_Task', () => {
  it('deletes a file, or a folder with all below it, freeing their space', async () => {
    const fixture = setup();
    const { files, dc, ds, put, names, run, used, taskInfo } = fixture;
    const before = used(ds.id);
    put('a/b/one.txt', '1');
    put('a/two.txt', '22');
    await run(files.delete('[LocalDS_0] a/two.txt', dc.id));
    expect(await names('[LocalDS_0] a')).toEqual(['b']);
    const task = files.delete('[LocalDS_0] a', dc.id);
    await run(task);
    expect(await names('[LocalDS_0]')).not.toContain('a');
    expect(used(ds.id)).toBe(before);
    expect(taskInfo(task)).toMatchObject({
      entity: ds.id,
      name: 'DeleteDatastoreFile_Task',
      state: 'success',
    });
  });

  it("ends in FileNotFound for what is not there, CannotDeleteFile for the objects' files, changing nothing", async () => {
    const fixture = setup();
    const { files, dc, put } = fixture;
    put(`${VM}/notes.txt`, 'x');
    expect(await failsWith(fixture, () => files.delete('[LocalDS_0] missing', dc.id))).toBe('FileNotFound');
    expect(await failsWith(fixture, () => files.delete(`[LocalDS_0] ${VM}`, dc.id))).toBe('CannotDeleteFile');
    expect(await failsWith(fixture, () => files.delete(`[LocalDS_0] ${VM}/${VM}.vmx`, dc.id))).toBe(
      'CannotDeleteFile',
    );
    expect(await failsWith(fixture, () => files.delete('[LocalDS_0] fcd', dc.id))).toBe('FileNotFound');
    expect(await failsWith(fixture, () => files.delete('[nowhere] x', dc.id))).toBe('InvalidDatastore');
    expect(await failsWith(fixture, () => files.delete('nowhere', dc.id))).toBe('InvalidDatastorePath');
    expect(await faultOf(() => files.delete('[LocalDS_0] x'))).toBe('InvalidArgument');
  });

  it('targets the datacenter when the path names no datastore', async () => {
    const { files, dc, taskInfo, run } = setup();
    const task = files.delete('[nowhere] x', dc.id);
    await faultOf(() => run(task));
    expect(taskInfo(task)).toMatchObject({
      entity: dc.id,
      state: 'error',
      error: { _type: 'InvalidDatastore' },
    });
  });
});

describe('FileManager.MoveDatastoreFile_Task and CopyDatastoreFile_Task', () => {
  it('moves a folder with its files, keeping bytes and times; across datastores too', async () => {
    const fixture = setup({ ds: 2 });
    const { files, dc, put, read, names, run, used, at, later, vsphere } = fixture;
    const other = at<DatastoreRecord>('/DC0/datastore/LocalDS_1');
    put('src/a.txt', 'aaa');
    const time = vsphere.clock.now();
    await later(60_000);
    await run(files.move('[LocalDS_0] src', dc.id, '[LocalDS_0] dst', dc.id));
    expect(await names('[LocalDS_0] dst')).toEqual(['a.txt']);
    expect(await names('[LocalDS_0]')).not.toContain('src');
    expect(files.download(fixture.ds.id, 'dst/a.txt')).toMatchObject({ modified: time });
    const usedHere = used(fixture.ds.id);
    const usedThere = used(other.id);
    await run(files.move('[LocalDS_0] dst/a.txt', dc.id, '[LocalDS_1] a.txt', dc.id));
    expect(textOf(files.download(other.id, 'a.txt'))).toBe('aaa');
    expect(used(fixture.ds.id)).toBe(usedHere - 3);
    expect(used(other.id)).toBe(usedThere + 3);
    expect(await faultOf(() => read('dst/a.txt'))).toBe('FileNotFound');
  });

  it('refuses a destination that is there unless forced, a missing source, and moving the objects files', async () => {
    const fixture = setup();
    const { files, dc, put, read, run } = fixture;
    put('a.txt', 'a');
    put('b.txt', 'b');
    const move = (from: string, to: string, force = false) =>
      files.move(`[LocalDS_0] ${from}`, dc.id, `[LocalDS_0] ${to}`, dc.id, force);
    expect(await failsWith(fixture, () => move('a.txt', 'b.txt'))).toBe('FileAlreadyExists');
    expect(await failsWith(fixture, () => move('missing', 'c.txt'))).toBe('FileNotFound');
    expect(await failsWith(fixture, () => move(`${VM}/${VM}.vmx`, 'c.vmx'))).toBe('FileLocked');
    expect(await failsWith(fixture, () => move(VM, 'elsewhere'))).toBe('FileLocked');
    expect(await failsWith(fixture, () => move('a.txt', `${VM}/${VM}.vmx`, true))).toBe('FileLocked');
    expect(await failsWith(fixture, () => move('a.txt', 'no/such/a.txt'))).toBe('FileNotFound');
    files.makeDirectory('[LocalDS_0] dir', dc.id);
    expect(await failsWith(fixture, () => move('dir', 'dir/inner'))).toBe('InvalidArgument');
    await run(move('a.txt', 'b.txt', true));
    expect(read('b.txt')).toBe('a');
  });

  it("copies files with their bytes, a VM's .vmx as its text, a VM's disk as a standalone disk", async () => {
    const fixture = setup();
    const { files, dc, ds, put, read, names, run, used, listed, vsphere } = fixture;
    put(`${VM}/notes.txt`, 'note');
    const before = used(ds.id);
    const copy = (from: string, to: string, force = false) =>
      files.copy(`[LocalDS_0] ${from}`, dc.id, `[LocalDS_0] ${to}`, dc.id, force);
    await run(copy(VM, 'backup'));
    expect(await names('[LocalDS_0] backup')).toEqual(await names(`[LocalDS_0] ${VM}`));
    const sizes = (found: { path: string; fileSize: number }[]) => found.map((f) => [f.path, f.fileSize]);
    expect(sizes(await listed('[LocalDS_0] backup'))).toEqual(
      sizes(await listed(`[LocalDS_0] ${VM}`)).map(([path, size]) =>
        path === `${VM}.vmx` ? [path, read(`${VM}/${VM}.vmx`).length] : [path, size],
      ),
    );
    expect(read('backup/notes.txt')).toBe('note');
    expect(read(`${VM}/notes.txt`)).toBe('note');
    expect(read(`backup/${VM}.vmx`)).toBe(read(`${VM}/${VM}.vmx`));
    // The copied descriptor is the same disk (its UUID), no longer the VM's: it counts on its own.
    const disk = (folder: string) => `[LocalDS_0] ${folder}/${VM}.vmdk`;
    expect(vsphere.virtualDisks.queryUuid(disk('backup'), dc.id)).toBe(
      vsphere.virtualDisks.queryUuid(disk(VM), dc.id),
    );
    const extent =
      (await listed(`[LocalDS_0] ${VM}`)).find((f) => f.path === `${VM}-flat.vmdk`)?.fileSize ?? 0;
    expect(used(ds.id) - before).toBe(4 + read(`${VM}/${VM}.vmx`).length + 512 + extent);
    await run(vsphere.virtualDisks.delete(disk('backup'), dc.id));
    expect(await failsWith(fixture, () => copy(`${VM}/notes.txt`, 'backup/notes.txt'))).toBe(
      'FileAlreadyExists',
    );
    expect(await failsWith(fixture, () => copy('missing', 'x'))).toBe('FileNotFound');
    expect(await failsWith(fixture, () => files.copy('[LocalDS_0] x', dc.id, '[nowhere] x', dc.id))).toBe(
      'InvalidDatastore',
    );
    put('other.txt', 'other');
    await run(copy('other.txt', 'backup/notes.txt', true));
    expect(read('backup/notes.txt')).toBe('other');
    expect(await faultOf(() => files.copy('[LocalDS_0] a', dc.id, '[LocalDS_0] b'))).toBe('InvalidArgument');
  });
});

describe('datastore files in the state', () => {
  const calls = async (fixture: ReturnType<typeof setup>) => {
    const { files, dc, put, run } = fixture;
    put('a/one.txt', 'one');
    files.makeDirectory('[LocalDS_0] b/c', dc.id, true);
    await run(files.copy('[LocalDS_0] a', dc.id, '[LocalDS_0] b/c/a', dc.id));
    await run(files.delete('[LocalDS_0] a/one.txt', dc.id));
  };

  it('gives the same state for the same seed and calls', async () => {
    const first = setup({ seed: 7 });
    const second = setup({ seed: 7 });
    await calls(first);
    await calls(second);
    expect(serializeState(first.vsphere)).toBe(serializeState(second.vsphere));
  });

  it('keeps the files through a save and a load', async () => {
    const fixture = setup();
    await calls(fixture);
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(fixture.vsphere))) });
    expect(textOf(loaded.files.download(fixture.ds.id, 'b/c/a/one.txt'))).toBe('one');
    expect((loaded.store.get(fixture.ds.id) as DatastoreRecord).used).toBe(fixture.used(fixture.ds.id));
    const task = loaded.files.delete('[LocalDS_0] b', fixture.dc.id);
    loaded.scheduler.runDue();
    await task.wait();
    expect((loaded.store.get(task.ref.value) as TaskRecord).state).toBe('success');
  });
});

describe('free space', () => {
  it('refuses an upload, a copy, or a move to another datastore that needs more than the free space', async () => {
    const fixture = setup({ ds: 2 });
    const { files, dc, ds, put, read, run, at, leaveFree, snapshot } = fixture;
    const other = at<DatastoreRecord>('/DC0/datastore/LocalDS_1');
    put('a.txt', 'a'.repeat(3000));
    await leaveFree(ds.id, 2000);
    const before = snapshot();
    expect(await faultOf(() => put('b.txt', 'b'.repeat(3100)))).toBe('NoDiskSpace');
    expect(snapshot()).toEqual(before);
    // What fits is written, and a file replaced frees its own space first.
    put('c.txt', 'c'.repeat(1500));
    put('c.txt', 'c'.repeat(2000));
    expect(read('c.txt')).toHaveLength(2000);
    const copy = () => files.copy('[LocalDS_0] a.txt', dc.id, '[LocalDS_0] copy.txt', dc.id);
    expect(await failsWith(fixture, copy)).toBe('NoDiskSpace');
    // A move on one datastore takes no more space; to a full one, it needs room there.
    await run(files.move('[LocalDS_0] a.txt', dc.id, '[LocalDS_0] moved.txt', dc.id));
    await leaveFree(other.id, 2000);
    const move = () => files.move('[LocalDS_0] moved.txt', dc.id, '[LocalDS_1] moved.txt', dc.id);
    expect(await failsWith(fixture, move)).toBe('NoDiskSpace');
    expect(read('moved.txt')).toHaveLength(3000);
  });
});

describe('a /folder URL without dcPath', () => {
  it('finds the one datastore of its name in the inventory, and no datastore whose name two datacenters share', async () => {
    const { vsphere, at } = createFixture({ inventory: { dc: 2 } });
    const host = at<HostRecord>('/DC1/host/DC1_C0/DC1_C0_H0');
    const system = vsphere.read<{ datastoreSystem: MoRef }>(host.id, 'configManager').datastoreSystem;
    const nfs = vsphere.datastoreSystem.createNas(system, {
      remoteHost: 'nfs.example.com',
      remotePath: '/exports/iso',
      localPath: 'nfs-iso',
      accessMode: 'readWrite',
    });
    expect(vsphere.files.datastoreAt(undefined, 'nfs-iso').id).toBe(nfs.value);
    expect(vsphere.files.datastoreAt('DC1', 'nfs-iso').id).toBe(nfs.value);
    expect(await faultOf(() => vsphere.files.datastoreAt('DC0', 'nfs-iso'))).toBe('InvalidDatastore');
    // Each datacenter has a LocalDS_0: without dcPath the name is not enough.
    expect(vsphere.files.datastoreAt('DC1', 'LocalDS_0').id).not.toBe(
      vsphere.files.datastoreAt('DC0', 'LocalDS_0').id,
    );
    expect(await faultOf(() => vsphere.files.datastoreAt(undefined, 'LocalDS_0'))).toBe('InvalidDatastore');
  });
});
