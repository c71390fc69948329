import { describe, expect, it } from 'vitest';
import { ROOT_FOLDER } from '../inventory/build.js';
import {
  browserIdOf,
  type DatacenterRecord,
  type DatastoreRecord,
  type HostRecord,
  type VmRecord,
} from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { createFixture, GIB } from '../testing/fixture.js';
import type { SearchSpec } from './datastore-browser.js';

interface Results {
  readonly datastore: MoRef;
  readonly folderPath: string;
  readonly file: readonly {
    readonly _type: string;
    readonly path: string;
    readonly [field: string]: unknown;
  }[];
}

const setup = () => {
  const fixture = createFixture();
  const { vsphere, at, run } = fixture;
  const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const browser = vsphere.read<MoRef>(ds.id, 'browser');
  const search = (path: string, spec: SearchSpec = {}) =>
    run(vsphere.datastoreBrowser.search(browser, path, spec)) as Promise<Results>;
  const searchAll = (path: string, spec: SearchSpec = {}) =>
    run(vsphere.datastoreBrowser.searchSubFolders(browser, path, spec)) as Promise<Results[]>;
  const names = async (path: string, spec: SearchSpec = {}) =>
    (await search(path, spec)).file.map((f) => f.path);
  return { ...fixture, ds, browser, search, searchAll, names };
};

const VM = 'DC0_H0_VM0';

describe('HostDatastoreBrowser', () => {
  it('is one per datastore and per host, reaching the datastores its owner has', () => {
    const { vsphere, ds, browser, at } = setup();
    expect(browser).toEqual({ type: 'HostDatastoreBrowser', value: browserIdOf(ds.id) });
    expect(vsphere.read(browser, 'datastore')).toEqual([{ type: 'Datastore', value: ds.id }]);
    const host = at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
    const hostBrowser = vsphere.read<MoRef>(host.id, 'datastoreBrowser');
    expect(hostBrowser.value).toBe(`datastoreBrowser-${host.id}`);
    expect(vsphere.read(hostBrowser, 'datastore')).toEqual(
      host.datastores.map((id) => ({ type: 'Datastore', value: id })),
    );
    expect(vsphere.read<{ _type: string }[]>(browser, 'supportedType').map((q) => q._type)).toContain(
      'VmDiskFileQuery',
    );
  });

  it('lists the top of a datastore: a folder per VM, with what the details ask for', async () => {
    const { search, ds, vsphere } = setup();
    const top = await search('[LocalDS_0]', { details: { modification: true, fileOwner: true } });
    expect(top).toMatchObject({ datastore: { type: 'Datastore', value: ds.id }, folderPath: '[LocalDS_0]' });
    expect(top.file.map((f) => [f._type, f.path])).toEqual([
      ['FolderFileInfo', 'DC0_C0_RP0_VM0'],
      ['FolderFileInfo', 'DC0_C0_RP0_VM1'],
      ['FolderFileInfo', 'DC0_H0_VM0'],
      ['FolderFileInfo', 'DC0_H0_VM1'],
    ]);
    expect(top.file[0]).toEqual({
      _type: 'FolderFileInfo',
      path: 'DC0_C0_RP0_VM0',
      modification: new Date(vsphere.clock.now()).toISOString(),
      owner: 'root',
    });
  });

  it("lists a VM's folder as layoutEx has its files: typed with fileType, sized with fileSize", async () => {
    const { search, vsphere, at } = setup();
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    const folder = await search(`[LocalDS_0] ${VM}`, { details: { fileType: true, fileSize: true } });
    expect(folder.folderPath).toBe(`[LocalDS_0] ${VM}/`);
    const layout = vsphere.read<{ file: { name: string; size: number }[] }>(vm.id, 'layoutEx').file;
    expect(folder.file.map((f) => [f._type, `[LocalDS_0] ${VM}/${f.path}`, f.fileSize])).toEqual([
      ['FileInfo', `[LocalDS_0] ${VM}/${VM}-flat.vmdk`, 10 * GIB],
      ['VmDiskFileInfo', `[LocalDS_0] ${VM}/${VM}.vmdk`, 512],
      ['VmConfigFileInfo', `[LocalDS_0] ${VM}/${VM}.vmx`, 2048],
    ]);
    expect(folder.file.map((f) => `[LocalDS_0] ${VM}/${f.path}`).sort()).toEqual(
      layout.map((f) => f.name).sort(),
    );
    const plain = await search(`[LocalDS_0] ${VM}/`);
    expect(plain.file.map((f) => f._type)).toEqual(['FileInfo', 'FileInfo', 'FileInfo']);
    expect(plain.file[0]).toEqual({ _type: 'FileInfo', path: `${VM}-flat.vmdk` });
  });

  it('keeps the files a query asks for, with the disk details a VmDiskFileQuery wants', async () => {
    const { search, names } = setup();
    const disks = await search(`[LocalDS_0] ${VM}`, {
      query: [
        {
          _type: 'VmDiskFileQuery',
          details: { capacityKb: true, diskType: true, thin: true, diskExtents: true },
        },
      ],
    });
    expect(disks.file).toEqual([
      {
        _type: 'VmDiskFileInfo',
        path: `${VM}.vmdk`,
        capacityKb: (10 * GIB) / 1024,
        diskType: 'VirtualDiskFlatVer2BackingInfo',
        thin: true,
        diskExtents: [`${VM}-flat.vmdk`],
      },
    ]);
    expect(
      await names(`[LocalDS_0] ${VM}`, { query: [{ _type: 'VmDiskFileQuery', filter: { thin: false } }] }),
    ).toEqual([]);
    expect(await names(`[LocalDS_0] ${VM}`, { query: [{ _type: 'VmConfigFileQuery' }] })).toEqual([
      `${VM}.vmx`,
    ]);
    expect(await names('[LocalDS_0]', { query: [{ _type: 'VmConfigFileQuery' }] })).toEqual([]);
    expect(await names('[LocalDS_0]', { query: [{ _type: 'FolderFileQuery' }] })).toHaveLength(4);
    expect(
      await names(`[LocalDS_0] ${VM}`, {
        query: [{ _type: 'VmConfigFileQuery' }, { _type: 'VmDiskFileQuery' }],
      }),
    ).toEqual([`${VM}.vmdk`, `${VM}.vmx`]);
  });

  it('matches names against the patterns, with or without case', async () => {
    const { names } = setup();
    expect(await names(`[LocalDS_0] ${VM}`, { matchPattern: ['*.vmx'] })).toEqual([`${VM}.vmx`]);
    expect(await names(`[LocalDS_0] ${VM}`, { matchPattern: ['*.VMX'] })).toEqual([]);
    expect(
      await names(`[LocalDS_0] ${VM}`, { matchPattern: ['*.VMX'], searchCaseInsensitive: true }),
    ).toEqual([`${VM}.vmx`]);
    expect(await names('[LocalDS_0]', { matchPattern: ['DC0_H0_VM?', '*RP0_VM[!0]'] })).toEqual([
      'DC0_C0_RP0_VM1',
      'DC0_H0_VM0',
      'DC0_H0_VM1',
    ]);
  });

  it('searches every folder below with SearchDatastoreSubFolders_Task, folders first when asked', async () => {
    const { vsphere, searchAll, names, run, at, ds } = setup();
    await run(
      vsphere.disks.create({
        name: 'fcd-1',
        capacityInMB: 1024,
        backingSpec: { datastore: ds.id, path: 'disks/a/one.vmdk' },
      }),
    );
    const all = await searchAll('[LocalDS_0]', { matchPattern: ['*.vmdk'] });
    expect(all.map((r) => [r.folderPath, r.file.length])).toEqual([
      ['[LocalDS_0]', 0],
      ['[LocalDS_0] DC0_C0_RP0_VM0/', 2],
      ['[LocalDS_0] DC0_C0_RP0_VM1/', 2],
      ['[LocalDS_0] DC0_H0_VM0/', 2],
      ['[LocalDS_0] DC0_H0_VM1/', 2],
      ['[LocalDS_0] disks/', 0],
      ['[LocalDS_0] disks/a/', 2],
    ]);
    expect(await names('[LocalDS_0] disks', { sortFoldersFirst: true })).toEqual(['a']);
    const vm = at<VmRecord>(`/DC0/vm/${VM}`);
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.destroy(vm.id));
    expect(await names('[LocalDS_0]', { query: [{ _type: 'FolderFileQuery' }] })).not.toContain(VM);
  });

  it('answers the faults of a bad path in the task: InvalidDatastorePath, InvalidDatastore, FileNotFound', async () => {
    const { vsphere, browser, ds, search, taskInfo } = setup();
    await expect(search('LocalDS_0/x')).rejects.toMatchObject({ fault: { _type: 'InvalidDatastorePath' } });
    await expect(search('[LocalDS_9]')).rejects.toMatchObject({
      fault: { _type: 'InvalidDatastore', name: 'LocalDS_9' },
    });
    await expect(search(`[LocalDS_0] ${VM}/${VM}.vmx`)).rejects.toMatchObject({
      fault: { _type: 'FileNotFound' },
    });
    await expect(search('[LocalDS_0] nothing')).rejects.toMatchObject({
      fault: { _type: 'FileNotFound', file: '[LocalDS_0] nothing' },
    });
    await expect(search('[LocalDS_0]', { matchPattern: ['[z-a]'] })).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument' },
    });
    const task = vsphere.datastoreBrowser.search(browser, '[LocalDS_0]');
    expect(taskInfo(task)).toMatchObject({
      name: 'SearchDatastore_Task',
      entity: ds.id,
      entityType: 'Datastore',
    });
    expect(() => vsphere.datastoreBrowser.search(ds.id, '[LocalDS_0]')).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });

  it('follows a renamed datastore', async () => {
    const { vsphere, run, ds, names } = setup();
    await run(vsphere.entity.rename(ds.id, 'renamed'));
    expect(await names('[renamed]')).toHaveLength(4);
    await expect(names('[LocalDS_0]')).rejects.toMatchObject({ fault: { _type: 'InvalidDatastore' } });
  });

  it('goes with its datastore or host', async () => {
    const { vsphere, run, at } = createFixture({ inventory: { vm: 0 } });
    const dc = at<DatacenterRecord>('/DC0');
    const owners = [
      at<DatastoreRecord>('/DC0/datastore/LocalDS_0').id,
      at<HostRecord>('/DC0/host/DC0_H0/DC0_H0').id,
    ];
    const folder = vsphere.folder.create(ROOT_FOLDER, 'leaving');
    await run(vsphere.folder.moveInto(folder, [dc.id]));
    expect(owners.map((id) => vsphere.store.get(browserIdOf(id))?.kind)).toEqual([
      'HostDatastoreBrowser',
      'HostDatastoreBrowser',
    ]);
    await run(vsphere.folder.destroy(folder));
    expect(owners.map((id) => vsphere.store.get(browserIdOf(id)))).toEqual([undefined, undefined]);
  });
});
