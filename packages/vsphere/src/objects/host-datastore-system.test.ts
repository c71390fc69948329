import { describe, expect, it } from 'vitest';
import {
  browserIdOf,
  type DatastoreRecord,
  type HostRecord,
  hostManagerIdOf,
  type VmRecord,
} from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { saveState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

const NFS = {
  remoteHost: 'nfs.example.com',
  remotePath: '/exports/iso',
  localPath: 'nfs-iso',
  accessMode: 'readWrite',
};

const setup = () => {
  const fixture = createFixture();
  const host = fixture.at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
  const other = fixture.at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1');
  const systemOf = (h: HostRecord) =>
    fixture.vsphere.read<{ datastoreSystem: MoRef }>(h.id, 'configManager').datastoreSystem;
  const snapshot = () => [...fixture.vsphere.store.values()];
  return { ...fixture, host, other, system: systemOf(host), systemOf, snapshot };
};

describe('HostDatastoreSystem', () => {
  it("is every host's configManager.datastoreSystem, with the host's datastores", () => {
    const { vsphere, host, system } = setup();
    expect(system).toEqual({
      type: 'HostDatastoreSystem',
      value: hostManagerIdOf('HostDatastoreSystem', host.id),
    });
    expect(system.value).toBe(`datastoreSystem-${host.id.slice('host-'.length)}`);
    expect(vsphere.read(system, 'datastore')).toEqual(
      host.datastores.map((id) => ({ type: 'Datastore', value: id })),
    );
    expect(vsphere.read(system, 'capabilities')).toMatchObject({ nfsMountCreationSupported: true });
  });

  it('mounts an NFS export as a datastore in the datacenter, with its NAS info', () => {
    const { vsphere, host, system, at, lastEvent } = setup();
    const ds = vsphere.datastoreSystem.createNas(system, { ...NFS, type: 'NFS41' });
    expect(at<DatastoreRecord>('/DC0/datastore/nfs-iso').id).toBe(ds.value);
    expect(vsphere.read(host.id, 'datastore')).toContainEqual(ds);
    expect(vsphere.read(ds, 'summary')).toMatchObject({ name: 'nfs-iso', type: 'NFS41', accessible: true });
    expect(vsphere.read(ds, 'info')).toMatchObject({
      _type: 'NasDatastoreInfo',
      nas: { _type: 'HostNasVolume', type: 'NFS41', remoteHost: NFS.remoteHost, remotePath: NFS.remotePath },
    });
    expect(vsphere.read(ds, 'host')).toEqual([
      expect.objectContaining({ key: { type: 'HostSystem', value: host.id } }),
    ]);
    expect(vsphere.read(ds, 'browser')).toEqual({
      type: 'HostDatastoreBrowser',
      value: browserIdOf(ds.value),
    });
    expect(lastEvent()).toMatchObject({ _type: 'NASDatastoreCreatedEvent', datastore: { name: 'nfs-iso' } });
  });

  it('mounts the same export on a second host as the same datastore; AlreadyExists on the first', async () => {
    const { vsphere, system, other, systemOf, snapshot } = setup();
    const ds = vsphere.datastoreSystem.createNas(system, NFS);
    expect(vsphere.datastoreSystem.createNas(systemOf(other), NFS)).toEqual(ds);
    expect(vsphere.read<unknown[]>(ds, 'host')).toHaveLength(2);
    const before = snapshot();
    expect(await faultOf(() => vsphere.datastoreSystem.createNas(system, NFS))).toBe('AlreadyExists');
    expect(snapshot()).toEqual(before);
  });

  it('answers DuplicateName, HostConfigFault and InvalidArgument, changing nothing', async () => {
    const { vsphere, system, other, systemOf, snapshot } = setup();
    vsphere.datastoreSystem.createNas(system, NFS);
    const before = snapshot();
    const create =
      (spec: typeof NFS & { type?: string }, on = system) =>
      () =>
        vsphere.datastoreSystem.createNas(on, spec);
    expect(await faultOf(create({ ...NFS, localPath: 'LocalDS_0' }))).toBe('DuplicateName');
    expect(await faultOf(create({ ...NFS, remotePath: '/other' }, systemOf(other)))).toBe('DuplicateName');
    expect(await faultOf(create({ ...NFS, localPath: 'again' }, systemOf(other)))).toBe('HostConfigFault');
    expect(await faultOf(create({ ...NFS, localPath: 'x', remotePath: 'relative' }))).toBe('HostConfigFault');
    expect(await faultOf(create({ ...NFS, localPath: 'x', type: 'CIFS' }))).toBe('InvalidArgument');
    expect(await faultOf(create({ ...NFS, localPath: 'x', accessMode: 'rw' }))).toBe('InvalidArgument');
    expect(snapshot()).toEqual(before);
  });

  it('makes a local datastore on one host; DuplicateName for a name the datacenter has', async () => {
    const { vsphere, system, snapshot } = setup();
    const ds = vsphere.datastoreSystem.createLocal(system, 'local-1', '/var/lib/vsim');
    expect(vsphere.read(ds, 'info')).toMatchObject({ _type: 'LocalDatastoreInfo', path: '/var/lib/vsim' });
    expect(vsphere.read(ds, 'summary.type')).toBe('OTHER');
    const before = snapshot();
    expect(await faultOf(() => vsphere.datastoreSystem.createLocal(system, 'local-1', '/x'))).toBe(
      'DuplicateName',
    );
    expect(await faultOf(() => vsphere.datastoreSystem.createLocal(system, 'local-2', 'x'))).toBe(
      'FileNotFound',
    );
    expect(snapshot()).toEqual(before);
  });

  it('unmounts a shared datastore from one host, and removes it with its last host', async () => {
    const { vsphere, host, system, other, systemOf, lastEvent } = setup();
    const ds = vsphere.datastoreSystem.createNas(system, NFS);
    vsphere.datastoreSystem.createNas(systemOf(other), NFS);
    vsphere.datastoreSystem.remove(system, ds);
    expect(vsphere.read(ds, 'host')).toEqual([
      expect.objectContaining({ key: { type: 'HostSystem', value: other.id } }),
    ]);
    expect(vsphere.read<MoRef[]>(system, 'datastore')).not.toContainEqual(ds);
    expect(lastEvent()).toMatchObject({ _type: 'DatastoreRemovedOnHostEvent', host: { name: host.name } });
    vsphere.datastoreSystem.remove(systemOf(other), ds);
    expect(vsphere.store.get(ds.value)).toBeUndefined();
    // The event of the last unmount still names the datastore that went.
    expect(lastEvent()).toMatchObject({
      _type: 'DatastoreRemovedOnHostEvent',
      host: { name: other.name },
      datastore: { name: NFS.localPath, datastore: ds },
    });
    expect(vsphere.store.get(browserIdOf(ds.value))).toBeUndefined();
  });

  it('answers NotFound for a datastore the host does not mount, ResourceInUse while VMs or files are on it', async () => {
    const { vsphere, host, other, system, systemOf, at, snapshot } = setup();
    const local = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    const ds = vsphere.datastoreSystem.createLocal(system, 'local-1', '/data');
    vsphere.files.makeDirectory('[local-1] isos', 'datacenter-2');
    const before = snapshot();
    const owner = vsphere.datastoreSystem;
    expect(await faultOf(() => owner.remove(system, local.id))).toBe('ResourceInUse');
    expect(vm).toMatchObject({ host: host.id, datastores: [local.id] });
    expect(await faultOf(() => owner.remove(system, ds))).toBe('ResourceInUse');
    expect(await faultOf(() => owner.remove(systemOf(other), ds))).toBe('NotFound');
    expect(snapshot()).toEqual(before);
  });

  it('keeps its datastores through a save and load, the managers with their hosts', () => {
    const { vsphere, system } = setup();
    const ds = vsphere.datastoreSystem.createNas(system, NFS);
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.read(ds, 'info')).toEqual(vsphere.read(ds, 'info'));
    expect(loaded.read(system, 'datastore')).toEqual(vsphere.read(system, 'datastore'));
  });

  it('makes the same ids from the same seed', () => {
    const ids = () => {
      const { vsphere, system } = setup();
      return [
        vsphere.datastoreSystem.createNas(system, NFS),
        vsphere.datastoreSystem.createLocal(system, 'l', '/l'),
      ];
    };
    expect(ids()).toEqual(ids());
  });
});
