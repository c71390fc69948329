/**
 * FileManager: MakeDirectory, DeleteDatastoreFile_Task, MoveDatastoreFile_Task and
 * CopyDatastoreFile_Task over the files clients put on datastores, and the upload, download and
 * removal the HTTP `/folder` endpoint serves. Those files are DatastoreFile records (see
 * ./datastore-files.ts); the files the model's objects make (a VM's configuration file and
 * disks, a First Class Disk) are theirs: they may be copied, as empty files, never deleted,
 * moved or overwritten. Names are datastore paths (`[ds] dir/file`, with the datacenter that
 * holds the datastore) or `/folder` URLs (`https://host/folder/dir/file?dcPath=DC0&dsName=ds`).
 */
import { fromBase64, toBase64 } from '../core/strings.js';
import { faults } from '../faults.js';
import {
  type DatastoreFileRecord,
  type DatastoreRecord,
  datastoreFileId,
  type VmRecord,
} from '../inventory/records.js';
import { checkFreeSpace, datastorePath } from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import {
  datastoreFileAccess,
  type Located,
  label,
  normalPath,
  type RecordContent,
  within,
} from './datastore-file-access.js';
import { type Entry, entryAt, filesOn, objectFilesOn, type Tree } from './datastore-files.js';
import { vmConfigFile, vmxBytes } from './vmx.js';

/** What a download finds: a file's bytes, or a folder's entries. */
export type DatastoreItem =
  | { readonly folder: false; readonly bytes: Uint8Array; readonly modified: number }
  | { readonly folder: true; readonly entries: readonly Entry[] };

const EMPTY = new Uint8Array(0);

export const fileManagerOperations = (m: Model) => {
  const access = datastoreFileAccess(m);

  /** Deletes a file or a folder with all below it: CannotDeleteFile where the model's objects have files. */
  const deleteAt = (tx: Tx, at: Located, objects: Tree) => {
    if (entryAt(objects, at.path)) throw faults.cannotDeleteFile(label(at));
    const records = access.recordsWithin(at.ds.id, at.path);
    if (records.length === 0) throw faults.fileNotFound(label(at));
    access.removeRecords(tx, at.ds.id, records);
  };

  /** A folder cannot go into itself, nor a file over one of its folders. */
  const checkApart = (from: Located, to: Located) => {
    if (from.ds.id === to.ds.id && (within(to.path, from.path) || within(from.path, to.path)))
      throw faults.invalidArgument('destinationName');
  };

  /** A VM's configuration file as `.vmx` text (what the VM is now). */
  const vmxOf = (vm: string) => vmxBytes(vmConfigFile(m.store.get(vm) as VmRecord));

  /**
   * A copy of a file of the model's objects: a VM's configuration file as its `.vmx` text, a
   * disk's descriptor as a standalone disk's (the same disk: its UUID with it, as the
   * descriptor's bytes hold it), an extent of the disk's size. No other bytes are kept.
   */
  const copyOfObjectFile = (entry: Entry): RecordContent => {
    if (entry.folder) return { folder: true, size: 0 };
    if (entry.vm) {
      const bytes = vmxOf(entry.vm);
      return { folder: false, size: bytes.byteLength, content: toBase64(bytes) };
    }
    if (entry.disk) {
      const { extent: _extent, ...facts } = entry.disk;
      return { folder: false, size: entry.size, disk: { ...facts, uuid: facts.uuid ?? m.random.uuid() } };
    }
    return { folder: false, size: entry.size };
  };

  /** What a copy of `from` holds, by path below it ('' is `from` itself). */
  const copiedFrom = (from: Located, objects: Tree) => {
    const items = new Map<string, RecordContent>();
    const top = entryAt(objects, from.path);
    if (top) items.set('', copyOfObjectFile(top));
    if (top?.folder)
      for (const [dir, entries] of objects)
        if (within(dir, from.path))
          for (const entry of entries.values())
            items.set(`${dir}/${entry.name}`.slice(from.path.length + 1), copyOfObjectFile(entry));
    for (const record of access.recordsWithin(from.ds.id, from.path)) {
      const rest = record.name.slice(from.path.length + 1);
      if (items.has(rest)) continue;
      // A disk's descriptor copies as bytes do: the same disk, its UUID with it.
      const { folder, size, content, disk } = record;
      items.set(rest, {
        folder,
        size,
        ...(content === undefined ? {} : { content }),
        ...(disk ? { disk } : {}),
      });
    }
    return items;
  };

  const sub = (at: Located, rest: string): Located => ({
    ds: at.ds,
    path: rest ? `${at.path}/${rest}` : at.path,
  });

  /** MoveDatastoreFile_Task or CopyDatastoreFile_Task: one task that moves or copies a file or a folder. */
  const transfer =
    (move: boolean) =>
    (
      sourceName: string,
      sourceDatacenter: Ref | undefined,
      destinationName: string,
      destinationDatacenter?: Ref,
      force = false,
    ): Task<void> => {
      const call = {
        method: move ? 'MoveDatastoreFile_Task' : 'CopyDatastoreFile_Task',
        descriptionId: `FileManager.${move ? 'move' : 'copy'}DatastoreFile`,
      };
      const names = [
        { name: sourceName, datacenter: sourceDatacenter, fields: ['sourceName', 'sourceDatacenter'] },
        {
          name: destinationName,
          datacenter: destinationDatacenter,
          fields: ['destinationName', 'destinationDatacenter'],
        },
      ] as const;
      return access.fileTask(call, names, (tx, objectsOn, [from, to]) => {
        checkApart(from, to);
        if (move && entryAt(objectsOn(from.ds.id), from.path)) throw faults.fileLocked(label(from));
        const items = move ? undefined : copiedFrom(from, objectsOn(from.ds.id));
        const moving = move ? access.recordsWithin(from.ds.id, from.path) : [];
        if ((items?.size ?? moving.length) === 0) throw faults.fileNotFound(label(from));
        const objects = objectsOn(to.ds.id);
        access.clearDestination(tx, to, objects, force === true);
        access.ensureFoldersAbove(tx, to, objects, false);
        // A copy, or a move to another datastore, takes the files' space where they go.
        if (items || from.ds.id !== to.ds.id) {
          let bytes = 0;
          for (const file of items?.values() ?? moving) bytes += file.size;
          checkFreeSpace(tx, to.ds.id, bytes, label(to));
        }
        if (items) {
          for (const [rest, item] of items) access.putRecord(tx, sub(to, rest), item);
          return;
        }
        access.removeRecords(tx, from.ds.id, moving);
        // A move keeps each file's time.
        for (const record of moving)
          access.relocateRecord(tx, record, sub(to, record.name.slice(from.path.length + 1)));
      });
    };

  return {
    datastoreAt: access.datastoreAt,

    /**
     * MakeDirectory: a folder. FileAlreadyExists when something is there; a missing folder above
     * it is made with `createParentDirectories`, FileNotFound otherwise, and with it a folder that
     * is there already is no fault (as `mkdir -p`, which ESX's and vcsim's are).
     */
    makeDirectory(name: string, datacenter?: Ref, createParentDirectories = false): void {
      const dc = access.datacenterFor(name, datacenter, ['name', 'datacenter']);
      m.call({ method: 'MakeDirectory', target: 'FileManager' }, (tx) => {
        const at = access.locate(name, dc);
        const objects = objectFilesOn(m, at.ds.id);
        const there = entryAt(objects, at.path) ?? access.recordAt(tx, at.ds.id, at.path);
        if (there?.folder && createParentDirectories === true) return;
        if (there) throw faults.fileAlreadyExists(label(at));
        access.ensureFoldersAbove(tx, at, objects, createParentDirectories === true);
        access.putRecord(tx, at, { folder: true, size: 0 });
      });
    },

    /** DeleteDatastoreFile_Task: a file, or a folder with everything below it. */
    delete(name: string, datacenter?: Ref): Task<void> {
      const call = { method: 'DeleteDatastoreFile_Task', descriptionId: 'FileManager.deleteDatastoreFile' };
      return access.fileTask(
        call,
        [{ name, datacenter, fields: ['name', 'datacenter'] }],
        (tx, objects, [at]) => deleteAt(tx, at, objects(at.ds.id)),
      );
    },

    /** MoveDatastoreFile_Task: the files keep their bytes and times; across datastores too. */
    move: transfer(true),

    /** CopyDatastoreFile_Task: new files of the same bytes; the objects' files copy as empty files. */
    copy: transfer(false),

    /**
     * HTTP PUT: the bytes at `path` on the datastore, making the folders above it. An earlier file
     * there is replaced; a folder there is FileAlreadyExists, an object's file FileLocked.
     */
    upload(datastore: Ref, path: string, bytes: Uint8Array): { readonly created: boolean } {
      const ds = m.lookup<DatastoreRecord>(datastore, 'Datastore');
      return m.call({ method: 'PUT /folder', target: ds.id }, (tx) => {
        const normal = normalPath(path);
        if (!normal) throw faults.invalidDatastorePath(datastorePath(ds.name, path));
        const at = { ds, path: normal };
        const objects = objectFilesOn(m, ds.id);
        const object = entryAt(objects, normal);
        const earlier = access.recordAt(tx, ds.id, normal);
        if (object?.folder || earlier?.folder) throw faults.fileAlreadyExists(label(at));
        if (object) throw faults.fileLocked(label(at));
        access.ensureFoldersAbove(tx, at, objects, true);
        if (earlier) access.removeRecords(tx, ds.id, [earlier]);
        checkFreeSpace(tx, ds.id, bytes.byteLength, label(at));
        access.putRecord(tx, at, { folder: false, size: bytes.byteLength, content: toBase64(bytes) });
        return { created: !earlier };
      });
    },

    /** HTTP GET: a file's bytes (none for an object's file), or a folder's entries ('' is the top). */
    download(datastore: Ref, path: string): DatastoreItem {
      const ds = m.lookup<DatastoreRecord>(datastore, 'Datastore');
      const normal = normalPath(path);
      if (normal === undefined) throw faults.invalidDatastorePath(datastorePath(ds.name, path));
      const objects = objectFilesOn(m, ds.id);
      const object = entryAt(objects, normal);
      const record = m.store.get(datastoreFileId(ds.id, normal)) as DatastoreFileRecord | undefined;
      if (object && !object.folder)
        return { folder: false, bytes: object.vm ? vmxOf(object.vm) : EMPTY, modified: object.modified };
      if (!object && record && !record.folder)
        return { folder: false, bytes: fromBase64(record.content ?? ''), modified: record.modified };
      if (!object && !record && normal !== '') throw faults.fileNotFound(datastorePath(ds.name, normal));
      return { folder: true, entries: [...(filesOn(m, ds.id, objects).get(normal)?.values() ?? [])] };
    },

    /** HTTP DELETE: as DeleteDatastoreFile_Task, at once. */
    remove(datastore: Ref, path: string): void {
      const ds = m.lookup<DatastoreRecord>(datastore, 'Datastore');
      m.call({ method: 'DELETE /folder', target: ds.id }, (tx) => {
        const normal = normalPath(path);
        if (!normal) throw faults.invalidDatastorePath(datastorePath(ds.name, path));
        deleteAt(tx, { ds, path: normal }, objectFilesOn(m, ds.id));
      });
    },
  };
};

export type FileManagerOperations = ReturnType<typeof fileManagerOperations>;
