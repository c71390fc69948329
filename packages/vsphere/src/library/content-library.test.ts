import { describe, expect, it } from 'vitest';
import type { LibraryItemRecord, VmRecord } from '../inventory/records.js';
import { loadState, parseState, serializeState } from '../save.js';
import { createFixture } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';
import { CAPTURE_DESCRIPTION_ID, capturedItemId } from './content-library.js';
import { ovfXml, SAMPLE_OVF_IMAGES } from './ovf.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];

const setup = () => {
  const fixture = createFixture();
  const ds = fixture.at('/DC0/datastore/LocalDS_0');
  const lib = fixture.vsphere.library.create({ name: 'images', datastore: ds.id, type: 'LOCAL' });
  return { ...fixture, ds, lib };
};

const eventsOf = (vsphere: VSphere, eventTypeId: string) =>
  vsphere.events.list().filter((e) => e.eventTypeId === eventTypeId);

describe('libraries', () => {
  it('creates a local library backed by a datastore', () => {
    const { vsphere, ds, lib } = setup();
    const record = vsphere.library.get(lib);
    expect(record).toMatchObject({
      kind: 'ContentLibrary',
      name: 'images',
      description: '',
      type: 'LOCAL',
      datastore: ds.id,
      version: '1',
      creationTime: vsphere.clock.now(),
      lastModifiedTime: vsphere.clock.now(),
    });
    expect(lib).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventsOf(vsphere, 'com.vmware.cl.CreateLibraryEvent')).toMatchObject([
      {
        _type: 'EventEx',
        objectId: lib,
        objectName: 'images',
        fullFormattedMessage: 'Created library images',
      },
    ]);
  });

  it('lists and finds libraries, which share the server guid', () => {
    const { vsphere, ds, lib } = setup();
    const other = vsphere.library.create({
      name: 'isos',
      description: 'CD images',
      datastore: { type: 'Datastore', value: ds.id },
      type: 'LOCAL',
    });
    expect(vsphere.library.list()).toEqual([lib, other]);
    expect(vsphere.library.find({ name: 'isos' })).toEqual([other]);
    expect(vsphere.library.find({ name: 'none' })).toEqual([]);
    expect(vsphere.library.get(other).serverGuid).toBe(vsphere.library.get(lib).serverGuid);
    expect(vsphere.library.get(other).description).toBe('CD images');
  });

  it('refuses a taken name with AlreadyExists and changes nothing', () => {
    const { vsphere, ds } = setup();
    const version = vsphere.store.version;
    expect(() => vsphere.library.create({ name: 'images', datastore: ds.id, type: 'LOCAL' })).toThrow(
      expect.objectContaining({ fault: { _type: 'AlreadyExists', name: 'images' } }),
    );
    expect(vsphere.store.version).toBe(version);
    expect(vsphere.library.list()).toHaveLength(1);
  });

  it('refuses a blank name, a non-local type and a backing that is no datastore', () => {
    const { vsphere, ds, at } = setup();
    const host = at('/DC0/host/DC0_H0/DC0_H0');
    const invalid = (invalidProperty: string) =>
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty } });
    expect(() => vsphere.library.create({ name: ' ', datastore: ds.id, type: 'LOCAL' })).toThrow(
      invalid('create_spec.name'),
    );
    const subscribed = { name: 'sub', datastore: ds.id, type: 'SUBSCRIBED' as 'LOCAL' };
    expect(() => vsphere.library.create(subscribed)).toThrow(invalid('create_spec.type'));
    expect(() => vsphere.library.create({ name: 'x', datastore: host.id, type: 'LOCAL' })).toThrow(
      invalid('create_spec.storage_backings'),
    );
    expect(vsphere.library.list()).toHaveLength(1);
  });

  it('updates name and description, counting the version up', () => {
    const { vsphere, lib, later } = setup();
    later(5000);
    vsphere.library.update(lib, { name: 'templates', description: 'node images' });
    expect(vsphere.library.get(lib)).toMatchObject({
      name: 'templates',
      description: 'node images',
      version: '2',
      lastModifiedTime: vsphere.clock.now(),
    });
    expect(vsphere.library.get(lib).creationTime).toBe(vsphere.clock.now() - 5000);
    vsphere.library.update(lib, { name: 'templates' });
    expect(vsphere.library.get(lib).version).toBe('2');
    expect(eventsOf(vsphere, 'com.vmware.cl.UpdateLibraryEvent')).toHaveLength(1);
  });

  it('refuses to rename onto another library and answers NotFound for an unknown id', () => {
    const { vsphere, ds, lib } = setup();
    vsphere.library.create({ name: 'isos', datastore: ds.id, type: 'LOCAL' });
    expect(() => vsphere.library.update(lib, { name: 'isos' })).toThrow(
      expect.objectContaining({ fault: { _type: 'AlreadyExists', name: 'isos' } }),
    );
    expect(vsphere.library.get(lib).name).toBe('images');
    const notFound = expect.objectContaining({ fault: { _type: 'NotFound' } });
    expect(() => vsphere.library.get('nope')).toThrow(notFound);
    expect(() => vsphere.library.update('nope', { name: 'x' })).toThrow(notFound);
    expect(() => vsphere.library.delete('nope')).toThrow(notFound);
    expect(() => vsphere.library.get(ds.id)).toThrow(notFound);
  });

  it('deletes a library with its items', () => {
    const { vsphere, lib } = setup();
    const item = vsphere.library.createItem(lib, ubuntu);
    vsphere.library.delete(lib);
    expect(vsphere.library.list()).toEqual([]);
    expect(vsphere.store.get(item)).toBeUndefined();
    expect(() => vsphere.library.getItem(item)).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
    expect(eventsOf(vsphere, 'com.vmware.cl.DeleteLibraryEvent')).toHaveLength(1);
  });

  it('reaches the change feed and survives a save and a load', () => {
    const { vsphere, lib } = setup();
    const seen: string[] = [];
    vsphere.store.subscribe((b) => {
      for (const c of b.changes) seen.push(`${c.op}:${c.after?.kind ?? c.before?.kind}`);
    });
    const item = vsphere.library.createItem(lib, ubuntu);
    // Its files take room on the library's datastore, in the same change.
    expect(seen).toEqual(['enter:LibraryItem', 'modify:Datastore', 'modify:ContentLibrary']);
    const loaded = new VSphere({ seed: 1, inventory: { dc: 0 } });
    loadState(loaded, parseState(serializeState(vsphere)));
    expect(loaded.library.list()).toEqual([lib]);
    expect(loaded.library.listItems(lib)).toEqual([item]);
    expect(loaded.library.getItem(item)).toEqual(vsphere.library.getItem(item));
  });

  it('passes the interception point under the vAPI operation name', () => {
    const { vsphere, ds } = setup();
    vsphere.interceptor.add({
      method: 'content.LocalLibrary.create',
      times: 1,
      fault: { _type: 'NotFound' },
    });
    expect(() => vsphere.library.create({ name: 'x', datastore: ds.id, type: 'LOCAL' })).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
    expect(vsphere.library.find({ name: 'x' })).toEqual([]);
  });
});

describe('library items', () => {
  it('creates an OVF item with its descriptor and generated files', () => {
    const { vsphere, lib } = setup();
    const id = vsphere.library.createItem(lib, ubuntu);
    const item = vsphere.library.getItem(id);
    const descriptorBytes = new TextEncoder().encode(ovfXml(ubuntu.ovf, ubuntu.name)).length;
    const vmdkBytes = (20 * 1024 ** 3) / 32;
    expect(item).toMatchObject({
      kind: 'LibraryItem',
      library: lib,
      name: 'ubuntu-2204-kube-v1.30.0',
      type: 'ovf',
      ovf: ubuntu.ovf,
      cached: true,
      size: descriptorBytes + vmdkBytes,
      version: '1',
      contentVersion: '1',
      creationTime: vsphere.clock.now(),
      files: [
        { name: 'ubuntu-2204-kube-v1.30.0.ovf', size: descriptorBytes, version: '1', cached: true },
        { name: 'ubuntu-2204-kube-v1.30.0-disk-0.vmdk', size: vmdkBytes, version: '1', cached: true },
      ],
    });
    expect(descriptorBytes).toBeGreaterThan(3000);
    expect([...vsphere.store.referrers('libraryItem', lib)]).toEqual([id]);
  });

  it('creates ISO and file items without files', () => {
    const { vsphere, lib } = setup();
    const iso = vsphere.library.getItem(vsphere.library.createItem(lib, { name: 'ubuntu.iso', type: 'iso' }));
    expect(iso).toMatchObject({ type: 'iso', files: [], size: 0, description: '' });
    expect(iso.ovf).toBeUndefined();
  });

  it('lists and finds items by name, library and type', () => {
    const { vsphere, ds, lib } = setup();
    const other = vsphere.library.create({ name: 'isos', datastore: ds.id, type: 'LOCAL' });
    const a = vsphere.library.createItem(lib, ubuntu);
    const b = vsphere.library.createItem(lib, SAMPLE_OVF_IMAGES[1] as (typeof SAMPLE_OVF_IMAGES)[number]);
    const c = vsphere.library.createItem(other, { name: ubuntu.name, type: 'iso' });
    expect(vsphere.library.listItems(lib)).toEqual([a, b]);
    expect(vsphere.library.listItems(other)).toEqual([c]);
    expect(vsphere.library.findItems({ name: ubuntu.name })).toEqual([a, c]);
    expect(vsphere.library.findItems({ name: ubuntu.name, libraryId: other })).toEqual([c]);
    expect(vsphere.library.findItems({ type: 'ovf' })).toEqual([a, b]);
    expect(vsphere.library.findItems({})).toEqual([a, b, c]);
    expect(() => vsphere.library.listItems('nope')).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
  });

  it('keeps item names unique within a library only', () => {
    const { vsphere, ds, lib } = setup();
    vsphere.library.createItem(lib, ubuntu);
    const version = vsphere.store.version;
    expect(() => vsphere.library.createItem(lib, { name: ubuntu.name, type: 'file' })).toThrow(
      expect.objectContaining({ fault: { _type: 'AlreadyExists', name: ubuntu.name } }),
    );
    expect(vsphere.store.version).toBe(version);
    const other = vsphere.library.create({ name: 'other', datastore: ds.id, type: 'LOCAL' });
    expect(() => vsphere.library.createItem(other, ubuntu)).not.toThrow();
  });

  it('refuses an unknown library, a blank name, a blank type and a descriptor on a non-OVF item', () => {
    const { vsphere, lib } = setup();
    expect(() => vsphere.library.createItem('nope', ubuntu)).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
    const invalid = (invalidProperty: string) =>
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty } });
    expect(() => vsphere.library.createItem(lib, { name: '', type: 'ovf' })).toThrow(
      invalid('create_spec.name'),
    );
    expect(() => vsphere.library.createItem(lib, { name: 'x', type: '' })).toThrow(
      invalid('create_spec.type'),
    );
    expect(() => vsphere.library.createItem(lib, { name: 'x', type: 'iso', ovf: ubuntu.ovf })).toThrow(
      invalid('create_spec.type'),
    );
    expect(vsphere.library.listItems(lib)).toEqual([]);
  });

  it('keeps an item of a type it does not know as files, and finds items by name whatever the case', () => {
    const { vsphere, lib } = setup();
    const notes = vsphere.library.createItem(lib, { name: 'Release Notes', type: 'txt' });
    const template = vsphere.library.createItem(lib, { name: 'node', type: 'vm-template' });
    expect(vsphere.library.getItem(notes).type).toBe('txt');
    expect(vsphere.library.findItems({ name: 'release notes' })).toEqual([notes]);
    expect(vsphere.library.findItems({ name: 'NODE', type: 'vm-template' })).toEqual([template]);
    expect(vsphere.library.findItems({ name: 'node', type: 'ovf' })).toEqual([]);
  });

  it('updates an item, counting its versions up, and refuses a taken name', () => {
    const { vsphere, lib, later } = setup();
    const id = vsphere.library.createItem(lib, ubuntu);
    const iso = vsphere.library.createItem(lib, { name: 'tools.iso', type: 'iso' });
    later(1000);
    vsphere.library.updateItem(id, { description: 'node image' });
    expect(vsphere.library.getItem(id)).toMatchObject({
      description: 'node image',
      version: '2',
      metadataVersion: '2',
      contentVersion: '1',
      lastModifiedTime: vsphere.clock.now(),
    });
    expect(() => vsphere.library.updateItem(iso, { name: ubuntu.name })).toThrow(
      expect.objectContaining({ fault: { _type: 'AlreadyExists', name: ubuntu.name } }),
    );
    expect(() => vsphere.library.updateItem(iso, { name: '' })).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'update_spec.name' } }),
    );
    vsphere.library.updateItem(iso, { name: 'vmware-tools.iso' });
    expect(vsphere.library.getItem(iso).name).toBe('vmware-tools.iso');
    expect(() => vsphere.library.updateItem('nope', {})).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
  });

  it('deletes an item', () => {
    const { vsphere, lib } = setup();
    const id = vsphere.library.createItem(lib, ubuntu);
    vsphere.library.deleteItem(id);
    expect(vsphere.library.listItems(lib)).toEqual([]);
    expect(vsphere.store.referrers('libraryItem', lib).size).toBe(0);
    expect(() => vsphere.library.deleteItem(id)).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
    expect(eventsOf(vsphere, 'com.vmware.cl.DeleteLibraryItemEvent')).toMatchObject([
      { objectId: id, fullFormattedMessage: `Deleted library item ${ubuntu.name} in library images` },
    ]);
  });
});

describe('capturing a VM as an OVF item', () => {
  it('describes the VM: hardware, guest, disks and networks', async () => {
    const { vsphere, at, lib, capture } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const id = await capture(vm.id, { libraryId: lib, name: 'golden', description: 'captured' });
    const item = vsphere.library.getItem(id) as LibraryItemRecord;
    expect(item).toMatchObject({ name: 'golden', description: 'captured', type: 'ovf', library: lib });
    expect(item.ovf).toEqual({
      os: { id: 'otherGuest', description: vm.config.guestFullName },
      numCPUs: 1,
      memoryMB: 32,
      disks: [{ name: 'Hard disk 1', capacityKB: 10 * 1024 * 1024 }],
      networks: ['DC0_DVPG0'],
      firmware: 'bios',
      hardwareVersion: 'vmx-13',
    });
    expect(item.files.map((f) => f.name)).toEqual(['golden.ovf', 'golden-disk-0.vmdk']);
  });

  it("is a task on the VM, found by its activation id, its result the item's reference", async () => {
    const { vsphere, at, lib, run, taskInfo } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const task = vsphere.library.captureOvf(
      vm.id,
      { libraryId: lib, name: 'golden' },
      { activationId: 'pub-1' },
    );
    expect(taskInfo(task)).toMatchObject({ state: 'queued', activationId: 'pub-1' });
    const ref = await run(task);
    const id = vsphere.library.listItems(lib)[0] as string;
    expect(ref).toEqual({ type: 'ContentLibraryItem', value: `clibitem-${id}` });
    expect(taskInfo(task)).toMatchObject({
      state: 'success',
      descriptionId: CAPTURE_DESCRIPTION_ID,
      entity: vm.id,
      activationId: 'pub-1',
    });
    expect(capturedItemId({ type: 'VirtualMachine', value: 'vm-1' })).toBeUndefined();
    expect(eventsOf(vsphere, 'com.vmware.cl.CreateLibraryItemEvent').map((e) => e.objectId)).toEqual([id]);
  });

  it('fails for an unknown VM or library, or a taken name, leaving the library as it was', async () => {
    const { vsphere, at, lib, run, capture } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    expect(() => vsphere.library.captureOvf('vm-999', { libraryId: lib, name: 'x' })).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    await expect(
      run(vsphere.library.captureOvf(vm.id, { libraryId: 'nope', name: 'x' })),
    ).rejects.toMatchObject({
      fault: { _type: 'NotFound' },
    });
    await capture(vm.id, { libraryId: lib, name: 'x' });
    await expect(run(vsphere.library.captureOvf(vm.id, { libraryId: lib, name: 'x' }))).rejects.toMatchObject(
      {
        fault: { _type: 'AlreadyExists', name: 'x' },
      },
    );
    expect(vsphere.library.listItems(lib)).toHaveLength(1);
  });
});
