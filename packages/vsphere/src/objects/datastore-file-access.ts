/**
 * What FileManager and VirtualDiskManager share: a name (`[ds] dir/file` with the datacenter
 * that holds the datastore, or a `/folder` URL) resolved to a datastore and a path, one task on
 * the files some names name, and the writes of the DatastoreFile records clients' files are (see
 * ./datastore-files.ts), each charged to its datastore's used space.
 */
import { getOrInsert } from '../core/maps.js';
import { faults } from '../faults.js';
import { ROOT_FOLDER } from '../inventory/build.js';
import { DISK_DESCRIPTOR_BYTES } from '../inventory/devices.js';
import { findByInventoryPath } from '../inventory/paths.js';
import {
  type DatacenterRecord,
  type DatastoreFileRecord,
  type DatastoreRecord,
  datastoreFileId,
  type VirtualDiskFacts,
} from '../inventory/records.js';
import { chargeDatastore, datastorePath } from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { entryAt, extentOf, fileRecordsOn, objectFilesOn, splitPath, type Tree } from './datastore-files.js';
import { datastoreByName, parseDatastorePath } from './vm-placement.js';

/** A file or folder a name resolves to: its datastore and its path there, never the top. */
export interface Located {
  readonly ds: DatastoreRecord;
  readonly path: string;
}

/** A name a call gives, its datacenter, and the call's names of both for its faults. */
export interface FileName {
  readonly name: unknown;
  readonly datacenter: Ref | undefined;
  readonly fields: readonly [name: string, datacenter: string];
}

/**
 * The files the model's objects make on a datastore, as one call reads them: each datastore's
 * built once (the call changes none of them).
 */
export type ObjectFiles = (ds: string) => Tree;

/** What a record holds apart from where it is and when it was written. */
export type RecordContent = Pick<DatastoreFileRecord, 'folder' | 'size' | 'content' | 'disk' | 'vm'>;

const isUrl = (name: string) => /^https?:\/\//i.test(name);

/** `a//b/` -> `a/b`; undefined for `.` and `..`, which name no file of their own. */
export const normalPath = (path: string): string | undefined => {
  const parts = path.split('/').filter((part) => part !== '');
  return parts.some((part) => part === '.' || part === '..') ? undefined : parts.join('/');
};

/** `[ds] dir/file`, as faults name a file. */
export const label = (at: Located) => datastorePath(at.ds.name, at.path);

/** The folders above `path`, the top's child first. */
const foldersAbove = (path: string): string[] => {
  const out: string[] = [];
  for (let at = splitPath(path).dir; at !== ''; at = splitPath(at).dir) out.unshift(at);
  return out;
};

export const within = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

export const datastoreFileAccess = (m: Model) => {
  /**
   * The datastore a `/folder` URL names: `dsName` in the datacenter at `dcPath` (an inventory
   * path, `DC0` or `folder/DC0`). Without `dcPath`, as a host's URL names its datastore alone,
   * the one datastore of that name in the inventory. InvalidDatastore otherwise.
   */
  const datastoreAt = (dcPath: string | undefined, dsName: string | undefined): DatastoreRecord => {
    let ds: DatastoreRecord | undefined;
    if (dsName && dcPath) {
      const dc = findByInventoryPath(m.store, dcPath);
      ds = dc?.kind === 'Datacenter' ? datastoreByName(m, dc.id, dsName) : undefined;
    } else if (dsName) {
      const named = [...m.store.idsOf('Datacenter')].flatMap((dc) => datastoreByName(m, dc, dsName) ?? []);
      ds = named.length === 1 ? named[0] : undefined;
    }
    if (!ds) throw faults.invalidDatastore(dsName ?? '');
    return ds;
  };

  /** A datastore path needs its datacenter (InvalidArgument), a URL does not: the call's own faults. */
  const datacenterFor = (
    name: unknown,
    datacenter: Ref | undefined,
    [nameField, datacenterField]: readonly [string, string],
  ) => {
    if (typeof name !== 'string') throw faults.invalidArgument(nameField);
    if (datacenter) return m.lookup<DatacenterRecord>(datacenter, 'Datacenter');
    if (!isUrl(name)) throw faults.invalidArgument(datacenterField);
    return undefined;
  };

  /** The file a name names: InvalidDatastorePath, InvalidDatastore otherwise. */
  const locate = (name: string, dc: DatacenterRecord | undefined): Located => {
    let ds: DatastoreRecord | undefined;
    let raw: string;
    if (isUrl(name)) {
      let url: URL;
      try {
        url = new URL(name);
      } catch {
        throw faults.invalidDatastorePath(name);
      }
      if (!url.pathname.startsWith('/folder/')) throw faults.invalidDatastorePath(name);
      ds = datastoreAt(
        url.searchParams.get('dcPath') ?? undefined,
        url.searchParams.get('dsName') ?? undefined,
      );
      try {
        raw = decodeURIComponent(url.pathname.slice('/folder/'.length));
      } catch {
        throw faults.invalidDatastorePath(name);
      }
    } else {
      const parsed = parseDatastorePath(name);
      if (!parsed) throw faults.invalidDatastorePath(name);
      ds = dc && datastoreByName(m, dc.id, parsed.datastore);
      if (!ds) throw faults.invalidDatastore(parsed.datastore);
      raw = parsed.path;
    }
    const path = normalPath(raw);
    if (!path) throw faults.invalidDatastorePath(name);
    return { ds, path };
  };

  /** The datastore a task acts on, when its name finds one; else the datacenter, else the root. */
  const taskTarget = (name: string, dc: DatacenterRecord | undefined): string => {
    try {
      return locate(name, dc).ds.id;
    } catch {
      return dc?.id ?? ROOT_FOLDER;
    }
  };

  /**
   * One task on the files `names` name: their datacenters checked at once (the call's own
   * faults), the first name's datastore its entity, the names located when it runs.
   */
  const fileTask = <T, N extends readonly [FileName, ...FileName[]]>(
    call: { readonly method: string; readonly descriptionId: string },
    names: N,
    work: (tx: Tx, objects: ObjectFiles, located: { readonly [K in keyof N]: Located }) => T,
  ): Task<T> => {
    const dcs = names.map((n) => datacenterFor(n.name, n.datacenter, n.fields));
    const target = taskTarget(names[0].name as string, dcs[0]);
    return m.task({ ...call, target }, (tx) => {
      const trees = new Map<string, Tree>();
      const objects: ObjectFiles = (ds) => getOrInsert(trees, ds, () => objectFilesOn(m, ds));
      const located = names.map((n, i) => locate(n.name as string, dcs[i]));
      return work(tx, objects, located as { readonly [K in keyof N]: Located });
    });
  };

  /** The file put at `path` (a record), read through a transaction or from the store. */
  const recordAt = (reader: { get(id: string): unknown }, ds: string, path: string) =>
    reader.get(datastoreFileId(ds, path)) as DatastoreFileRecord | undefined;

  /** The records at `path` and below it, as they were before the transaction. */
  const recordsWithin = (ds: string, path: string) =>
    fileRecordsOn(m, ds).filter((record) => within(record.name, path));

  const putRecord = (tx: Tx, at: Located, file: RecordContent) => {
    const record: DatastoreFileRecord = {
      id: datastoreFileId(at.ds.id, at.path),
      kind: 'DatastoreFile',
      name: at.path,
      datastore: at.ds.id,
      modified: m.clock.now(),
      ...file,
    };
    tx.put(record);
    chargeDatastore(tx, at.ds.id, record.size);
  };

  /** A standalone disk's two records: its descriptor, which tells what the disk is, and its extent. */
  const putDiskRecords = (tx: Tx, at: Located, disk: VirtualDiskFacts) => {
    putRecord(tx, at, { folder: false, size: DISK_DESCRIPTOR_BYTES, disk });
    putRecord(tx, { ds: at.ds, path: extentOf(at.path) }, { folder: false, size: disk.capacityKb * 1024 });
  };

  /** Puts a record at another path as it is, its time kept: a move. */
  const relocateRecord = (tx: Tx, record: DatastoreFileRecord, to: Located) => {
    tx.put({ ...record, id: datastoreFileId(to.ds.id, to.path), name: to.path, datastore: to.ds.id });
    chargeDatastore(tx, to.ds.id, record.size);
  };

  const removeRecords = (tx: Tx, ds: string, records: readonly DatastoreFileRecord[]) => {
    let bytes = 0;
    for (const record of records) {
      tx.remove(record.id);
      bytes += record.size;
    }
    chargeDatastore(tx, ds, -bytes);
  };

  /**
   * Clears the destination of a move, copy or new disk: FileAlreadyExists when something is
   * there, unless `force` replaces what clients put there (a folder with all below it); the
   * objects' files stay: FileLocked.
   */
  const clearDestination = (tx: Tx, to: Located, objects: Tree, force: boolean) => {
    if (entryAt(objects, to.path))
      throw force ? faults.fileLocked(label(to)) : faults.fileAlreadyExists(label(to));
    const there = recordsWithin(to.ds.id, to.path);
    if (there.length === 0) return;
    if (!force) throw faults.fileAlreadyExists(label(to));
    removeRecords(tx, to.ds.id, there);
  };

  /**
   * Gives every folder above `path` a record of its own (a folder the model's objects make too:
   * what is put in it outlives them). A missing folder is made when `create`, FileNotFound
   * otherwise; a file in the way is CannotCreateFile.
   */
  const ensureFoldersAbove = (tx: Tx, at: Located, objects: Tree, create: boolean) => {
    for (const path of foldersAbove(at.path)) {
      const here = { ds: at.ds, path };
      const object = entryAt(objects, path);
      const record = recordAt(tx, at.ds.id, path);
      if ((object && !object.folder) || (record && !record.folder))
        throw faults.cannotCreateFile(label(here));
      if (record) continue;
      if (!object && !create) throw faults.fileNotFound(label(here));
      putRecord(tx, here, { folder: true, size: 0 });
    }
  };

  return {
    datastoreAt,
    datacenterFor,
    locate,
    fileTask,
    clearDestination,
    recordAt,
    recordsWithin,
    putRecord,
    putDiskRecords,
    relocateRecord,
    removeRecords,
    ensureFoldersAbove,
  };
};
