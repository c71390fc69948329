/**
 * HostDatastoreSystem: a host mounts NFS exports (CreateNasDatastore) and local folders
 * (CreateLocalDatastore) as datastores, and unmounts them (RemoveDatastore), as govc's
 * `datastore.create` and `datastore.remove` call it per host.
 *
 * A datastore is one per datacenter: an export a host of the datacenter mounts already is the
 * same datastore, mounted on one host more, and a datastore leaves the inventory when its last
 * host unmounts it. Its name is unique in the datacenter (DuplicateName).
 */
import { faults } from '../faults.js';
import { mountDatastore, putDatastore, TIB } from '../inventory/build.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DatastoreRecord,
  HostManagerRecord,
  HostRecord,
  LibraryRecord,
  NasVolume,
  VmRecord,
  VStorageObjectRecord,
} from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { checkName, current } from './entity.js';
import { postHostEvents } from './host.js';
import { datastoreByName } from './vm-placement.js';

/** HostNasVolumeSpec, as far as the simulator reads it. */
export interface NasVolumeSpec {
  readonly remoteHost: string;
  readonly remotePath: string;
  /** The datastore's name. */
  readonly localPath: string;
  readonly accessMode: string;
  /** `NFS` (the default) or `NFS41`. */
  readonly type?: string;
  readonly userName?: string;
}

const NAS_TYPES = ['NFS', 'NFS41'];
const ACCESS_MODES = ['readWrite', 'readOnly'];

export const hostDatastoreSystemOperations = (m: Model) => {
  const systemOf = (ref: Ref) => m.lookup<HostManagerRecord>(ref, 'HostDatastoreSystem');

  /** The datastores of the host's datacenter, as the transaction sees them. */
  const datastoresNear = (tx: Tx, host: HostRecord): DatastoreRecord[] => {
    const dc = datacenterOf(m.store, host.id)?.id;
    const out: DatastoreRecord[] = [];
    for (const ds of m.store.ofKind<DatastoreRecord>('Datastore')) {
      const now = tx.get(ds.id) as DatastoreRecord | undefined;
      if (now && datacenterOf(m.store, ds.id)?.id === dc) out.push(now);
    }
    return out;
  };

  /** A new datastore of 1 TiB in the datacenter's datastore folder, mounted on the host. */
  const create = (
    tx: Tx,
    host: HostRecord,
    fields: Pick<DatastoreRecord, 'name' | 'type'> & Partial<DatastoreRecord>,
  ) => {
    const dc = datacenterOf(m.store, host.id);
    if (!dc) throw faults.hostConfigFault(`The host ${host.name} is in no datacenter.`);
    return putDatastore(m, tx, dc.datastoreFolder, { capacity: TIB, ...fields }, [host.id]);
  };

  /** `ds` as it was before the change: a datastore the last host let go is no longer in the store. */
  const postHostEvent = (host: string, ds: DatastoreRecord, _type: string, text: (where: string) => string) =>
    postHostEvents(m, host, [
      [_type, text, { datastore: { name: ds.name, datastore: moref('Datastore', ds.id) } }],
    ]);

  /** Why the last host may not let a datastore go: what lives on it. */
  const inUse = (tx: Tx, ds: DatastoreRecord): boolean => {
    if (m.store.referrers('vm', ds.id).size > 0 || m.store.referrers('datastoreFile', ds.id).size > 0)
      return true;
    for (const disk of m.store.ofKind<VStorageObjectRecord>('VStorageObject'))
      if (disk.datastore === ds.id && tx.get(disk.id)) return true;
    for (const library of m.store.ofKind<LibraryRecord>('ContentLibrary'))
      if (library.datastore === ds.id) return true;
    return false;
  };

  return {
    /**
     * CreateNasDatastore: the export `remoteHost:remotePath` as the datastore `localPath`. An
     * export another host of the datacenter mounts under that name is mounted here too;
     * AlreadyExists when this host mounts it, DuplicateName when the name is another datastore's.
     */
    createNas(system: Ref, spec: NasVolumeSpec): MoRef {
      const record = systemOf(system);
      const id = m.call({ method: 'CreateNasDatastore', target: record.id }, (tx) => {
        const host = current<HostRecord>(tx, record.owner, 'HostSystem');
        const type = spec.type ?? 'NFS';
        if (!spec.remoteHost) throw faults.invalidArgument('spec.remoteHost');
        if (!NAS_TYPES.includes(type)) throw faults.invalidArgument('spec.type');
        if (!ACCESS_MODES.includes(spec.accessMode)) throw faults.invalidArgument('spec.accessMode');
        checkName(spec.localPath);
        // An NFS server exports absolute paths: the mount fails on the host.
        if (!spec.remotePath.startsWith('/'))
          throw faults.hostConfigFault(
            `NFS mount ${spec.remoteHost}:${spec.remotePath} failed: the path is not absolute.`,
          );
        const sameExport = (ds: DatastoreRecord) =>
          ds.nas?.remoteHost === spec.remoteHost && ds.nas.remotePath === spec.remotePath;
        for (const ds of datastoresNear(tx, host)) {
          const mounted = host.datastores.includes(ds.id);
          if (sameExport(ds) && mounted) throw faults.alreadyExists(ds.name);
          if (ds.name !== spec.localPath) {
            if (sameExport(ds))
              throw faults.hostConfigFault(
                `${spec.remoteHost}:${spec.remotePath} is the datastore '${ds.name}' in this datacenter: mount it by that name.`,
              );
            continue;
          }
          if (!sameExport(ds)) throw faults.duplicateName(ds.name, moref('Datastore', ds.id));
          mountDatastore(tx, host.id, ds.id);
          return ds.id;
        }
        const nas: NasVolume = {
          remoteHost: spec.remoteHost,
          remotePath: spec.remotePath,
          accessMode: spec.accessMode,
          ...(spec.userName ? { userName: spec.userName } : {}),
        };
        return create(tx, host, { name: spec.localPath, type, nas });
      });
      postHostEvent(
        record.owner,
        m.store.get(id) as DatastoreRecord,
        'NASDatastoreCreatedEvent',
        (where) => `Created NAS datastore ${spec.localPath} on ${where}`,
      );
      return moref('Datastore', id);
    },

    /** CreateLocalDatastore: the host's folder `path` as a datastore of its own (no other host mounts it). */
    createLocal(system: Ref, name: string, path: string): MoRef {
      const record = systemOf(system);
      const id = m.call({ method: 'CreateLocalDatastore', target: record.id }, (tx) => {
        const host = current<HostRecord>(tx, record.owner, 'HostSystem');
        checkName(name);
        if (!path.startsWith('/')) throw faults.fileNotFound(path);
        const taken = datastoreByName(m, datacenterOf(m.store, host.id)?.id, name);
        if (taken) throw faults.duplicateName(name, moref('Datastore', taken.id));
        return create(tx, host, { name, type: 'OTHER', localPath: path });
      });
      postHostEvent(
        record.owner,
        m.store.get(id) as DatastoreRecord,
        'LocalDatastoreCreatedEvent',
        (where) => `Created local datastore ${name} on ${where}`,
      );
      return moref('Datastore', id);
    },

    /**
     * RemoveDatastore: the host unmounts the datastore; NotFound when it does not mount it,
     * ResourceInUse when a VM of the host uses it. The last host's unmount removes the
     * datastore, ResourceInUse while anything lives on it (a VM, a disk, a file, a library).
     */
    remove(system: Ref, datastore: Ref): void {
      const record = systemOf(system);
      const target = m.lookup<DatastoreRecord>(datastore, 'Datastore');
      m.call({ method: 'RemoveDatastore', target: record.id }, (tx) => {
        const host = current<HostRecord>(tx, record.owner, 'HostSystem');
        const ds = current<DatastoreRecord>(tx, target.id, 'Datastore');
        if (!host.datastores.includes(ds.id))
          throw faults.notFound(`The datastore '${ds.name}' is not mounted on the host ${host.name}.`);
        for (const id of m.store.referrers('vm', ds.id))
          if ((tx.get(id) as VmRecord | undefined)?.host === host.id)
            throw faults.resourceInUse('Datastore', ds.name);
        tx.put(Object.assign({}, host, { datastores: host.datastores.filter((d) => d !== ds.id) }));
        const others = [...m.store.referrers('host', ds.id)].filter((h) => h !== host.id && tx.get(h));
        if (others.length > 0) return;
        if (inUse(tx, ds)) throw faults.resourceInUse('Datastore', ds.name);
        tx.remove(ds.id);
      });
      postHostEvent(
        record.owner,
        target,
        'DatastoreRemovedOnHostEvent',
        (where) => `Removed datastore ${target.name} from ${where}`,
      );
    },

    /** QueryAvailableDisksForVmfs: the simulated hosts have no unused disk. */
    availableDisksForVmfs(system: Ref, datastore?: Ref): readonly object[] {
      systemOf(system);
      if (datastore) m.lookup(datastore, 'Datastore');
      return [];
    },

    /** QueryVmfsDatastoreCreateOptions: no disk has the path, as none is unused. */
    vmfsDatastoreCreateOptions(system: Ref, devicePath: string): readonly object[] {
      systemOf(system);
      throw faults.notFound(`No disk with the path '${devicePath}' is available for VMFS on the host.`);
    },
  };
};

export type HostDatastoreSystemOperations = ReturnType<typeof hostDatastoreSystemOperations>;
