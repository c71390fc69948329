/**
 * The files a datastore holds, as a tree of folders. Two sources make them: the model's objects
 * (each VM's configuration file in its home folder, each disk's descriptor and extent where its
 * backing names them, First Class Disks under `fcd/`, as `layoutEx` lists them), derived on
 * read; and the DatastoreFile records clients put there (FileManager, HTTP `/folder`). Where
 * both name one path, the object's file wins. A standalone disk (VirtualDiskManager) is two records:
 * its descriptor, which tells what the disk is, and its extent.
 */
import {
  diskBytes,
  diskDatastore,
  diskFactsOf,
  diskFiles,
  isDisk,
  storageObjectDiskType,
} from '../inventory/devices.js';
import {
  type DatastoreFileRecord,
  datastoreFileId,
  type LibraryItemRecord,
  type LibraryRecord,
  type VirtualDiskFacts,
  type VmRecord,
  type VStorageObjectRecord,
} from '../inventory/records.js';
import { libraryItemDirectory } from '../library/lookup.js';
import type { Model } from '../model.js';
import { CONFIG_FILE_BYTES } from '../properties/virtual-machine.js';
import { parseDatastorePath } from './vm-placement.js';

/** A file or a folder, as the datastore holds it. */
export interface Entry {
  readonly name: string;
  readonly folder: boolean;
  readonly size: number;
  readonly modified: number;
  /** A disk's descriptor: what it tells of the disk, its UUID (`ddb.uuid`) when it has one, its extent's name. */
  readonly disk?: DiskFacts & { readonly extent: string };
  /** A VM's configuration file: the VM's id. */
  readonly vm?: string;
}

/** What a descriptor tells of its disk; a disk of the model's objects may have no UUID. */
type DiskFacts = Omit<VirtualDiskFacts, 'uuid'> & { readonly uuid?: string };

/** A datastore's folders, by path ('' is its top), each with its entries by name. */
export type Tree = Map<string, Map<string, Entry>>;

/** `a/b/c.vmx` -> `{ dir: 'a/b', name: 'c.vmx' }`; a name at the top has the dir ''. */
export const splitPath = (path: string) => {
  const slash = path.lastIndexOf('/');
  return { dir: slash < 0 ? '' : path.slice(0, slash), name: path.slice(slash + 1) };
};

/** The entry at `path` ('' is the top, a folder). */
export const entryAt = (tree: Tree, path: string): Entry | undefined => {
  if (path === '') return { name: '', folder: true, size: 0, modified: 0 };
  const { dir, name } = splitPath(path);
  return tree.get(dir)?.get(name);
};

/** The folder at `path`, made (with the folders above it) when it is not there yet. */
const folderOf = (tree: Tree, path: string): Map<string, Entry> => {
  let folder = tree.get(path);
  if (!folder) {
    folder = new Map();
    tree.set(path, folder);
    const { dir, name } = splitPath(path);
    folderOf(tree, dir).set(name, { name, folder: true, size: 0, modified: 0 });
  }
  return folder;
};

/** A folder is as recent as its newest entry: `modified` reaches the folders from `dir` up. */
const touchFolders = (tree: Tree, dir: string, modified: number): void => {
  for (let at = dir; at !== ''; at = splitPath(at).dir) {
    const up = splitPath(at);
    const parent = tree.get(up.dir) as Map<string, Entry>;
    const entry = parent.get(up.name) as Entry;
    if (entry.modified < modified) parent.set(up.name, { ...entry, modified });
  }
};

/** Puts a file at `path`, relative to the datastore's top. */
const addFile = (tree: Tree, path: string, file: Omit<Entry, 'name' | 'folder'>): void => {
  const { dir, name } = splitPath(path);
  folderOf(tree, dir).set(name, { name, folder: false, ...file });
  touchFolders(tree, dir, file.modified);
};

/** A disk's descriptor and extent, as `layoutEx` names them (`fileName`: its backing's `[ds] dir/name.vmdk`). */
const addDisk = (tree: Tree, fileName: string, bytes: number, facts: DiskFacts, modified: number) => {
  const { descriptor, extent } = diskFiles(fileName, bytes);
  const descriptorPath = parseDatastorePath(descriptor.name)?.path;
  const extentPath = parseDatastorePath(extent.name)?.path;
  if (!descriptorPath || !extentPath) return;
  const disk = { ...facts, extent: splitPath(extentPath).name };
  addFile(tree, descriptorPath, { size: descriptor.size, modified, disk });
  addFile(tree, extentPath, { size: extent.size, modified });
};

/** The path of a disk's extent, beside its descriptor at `path`. */
export const extentOf = (path: string): string => diskFiles(path, 0).extent.name;

/**
 * The files of the content library items on a library's datastore, where `libraryFileUri` says
 * they lie (`contentlib-<library>/<item>/<file>`), those the library holds (cached): an OVF
 * item's disks are the descriptor's, in order, so that they can be copied (vm-operator's image
 * cache copies them with CopyVirtualDisk_Task).
 */
const addLibraryFiles = (m: Model, ds: string, tree: Tree) => {
  for (const item of m.store.ofKind<LibraryItemRecord>('LibraryItem')) {
    if ((m.store.get(item.library) as LibraryRecord | undefined)?.datastore !== ds) continue;
    const dir = libraryItemDirectory(item);
    let disk = 0;
    for (const file of item.files) {
      if (!file.cached) continue;
      const path = `${dir}/${file.name}`;
      const ovfDisk = file.name.endsWith('.vmdk') ? item.ovf?.disks[disk++] : undefined;
      // An OVF's disk is one stream-optimized file, its own extent.
      const facts = ovfDisk && {
        disk: {
          capacityKb: ovfDisk.capacityKB,
          diskType: 'thin',
          adapterType: 'lsiLogic',
          extent: file.name,
        },
      };
      addFile(tree, path, { size: file.size, modified: item.lastModifiedTime, ...facts });
    }
  }
};

/** A child disk's parent, a standalone disk the child reads: the objects' while it does. */
const addParentDisk = (m: Model, tree: Tree, ds: string, fileName: string) => {
  const named = parseDatastorePath(fileName);
  if (!named || named.datastore !== (m.store.get(ds) as { name?: string } | undefined)?.name) return;
  const record = m.store.get(datastoreFileId(ds, named.path)) as DatastoreFileRecord | undefined;
  if (record?.disk) addDisk(tree, fileName, record.disk.capacityKb * 1024, record.disk, record.modified);
};

/** The files on a datastore that the VMs, First Class Disks and library items on it make. */
export const objectFilesOn = (m: Model, ds: string): Tree => {
  const tree: Tree = new Map([['', new Map()]]);
  for (const id of m.store.referrers('vm', ds)) {
    const vm = m.store.get(id) as VmRecord;
    const modified = vm.config.changeVersion;
    if (vm.homeDatastore === ds) {
      const path = parseDatastorePath(vm.config.vmPathName)?.path;
      if (path) addFile(tree, path, { size: CONFIG_FILE_BYTES, modified, vm: vm.id });
    }
    for (const d of vm.config.devices) {
      if (!isDisk(d) || diskDatastore(d) !== ds) continue;
      const backing = d.backing as { fileName: string; uuid?: string };
      const facts = diskFactsOf(vm.config.devices, d);
      addDisk(
        tree,
        backing.fileName,
        diskBytes(d),
        backing.uuid ? { ...facts, uuid: backing.uuid } : facts,
        modified,
      );
      const parent = (d.backing as { parent?: { fileName?: string } }).parent?.fileName;
      if (parent) addParentDisk(m, tree, ds, parent);
    }
  }
  addLibraryFiles(m, ds, tree);
  for (const disk of m.store.ofKind<VStorageObjectRecord>('VStorageObject')) {
    if (disk.datastore !== ds) continue;
    const facts = {
      capacityKb: disk.capacityInMB * 1024,
      diskType: storageObjectDiskType(disk),
      adapterType: 'lsiLogic',
      uuid: disk.diskUuid,
    };
    addDisk(tree, disk.filePath, facts.capacityKb * 1024, facts, disk.createTime);
  }
  return tree;
};

/** The DatastoreFile records on a datastore, as the store holds them. */
export const fileRecordsOn = (m: Model, ds: string): DatastoreFileRecord[] => {
  const out: DatastoreFileRecord[] = [];
  for (const id of m.store.referrers('datastoreFile', ds)) out.push(m.store.get(id) as DatastoreFileRecord);
  return out;
};

/** Whether a file (not a folder) of the tree lies above `path`: a record there is hidden. */
const underFile = (tree: Tree, path: string): boolean => {
  for (let at = splitPath(path).dir; at !== ''; at = splitPath(at).dir)
    if (entryAt(tree, at)?.folder === false) return true;
  return false;
};

/**
 * Every file on a datastore: its objects' and its records', merged. `objects`: the objects' tree
 * when the caller has built it already; the records are merged into it.
 */
export const filesOn = (m: Model, ds: string, objects?: Tree): Tree => {
  const tree = objects ?? objectFilesOn(m, ds);
  for (const record of fileRecordsOn(m, ds)) {
    const path = record.name;
    const there = entryAt(tree, path);
    if (underFile(tree, path) || (there && (!there.folder || !record.folder))) continue;
    if (record.folder) {
      folderOf(tree, path);
      touchFolders(tree, path, record.modified);
    } else
      addFile(tree, path, {
        size: record.size,
        modified: record.modified,
        ...(record.disk
          ? {
              disk: { ...record.disk, extent: splitPath(extentOf(path)).name },
            }
          : {}),
      });
  }
  return tree;
};
