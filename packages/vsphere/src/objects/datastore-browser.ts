/**
 * HostDatastoreBrowser: SearchDatastore_Task and SearchDatastoreSubFolders_Task over the files
 * a datastore holds. The model keeps no file system: a datastore's files are those its objects
 * make, as `layoutEx` lists them: each VM's configuration file in its home folder, each disk's
 * descriptor and extent where its backing names them, and First Class Disks under `fcd/`.
 * Every datastore has a browser (`Datastore.browser`), and so has every host
 * (`HostSystem.datastoreBrowser`), which reaches the datastores the host mounts.
 */
import { faults } from '../faults.js';
import { diskBytes, diskDatastore, diskFiles, isDisk } from '../inventory/devices.js';
import {
  BROWSER_KINDS,
  browserIdFor,
  type DatastoreBrowserRecord,
  type DatastoreRecord,
  type VmRecord,
  type VStorageObjectRecord,
} from '../inventory/records.js';
import type { Model, Ref, RemovalHook, Task } from '../model.js';
import { iso } from '../properties/context.js';
import { browsedDatastores, FILE_TYPES } from '../properties/datastore-browser.js';
import { CONFIG_FILE_BYTES } from '../properties/virtual-machine.js';
import { moref } from '../refs.js';
import { parseDatastorePath } from './vm-placement.js';

/** A removed datastore or host takes its datastore browser with it, a compute resource its environment browser. */
export const dropBrowsers =
  (m: Model): RemovalHook =>
  (tx, removed) => {
    for (const id of removed)
      for (const kind of BROWSER_KINDS) {
        const browser = browserIdFor(kind, id);
        if (m.store.get(browser)) tx.remove(browser);
      }
  };

/** A file or a folder, as the datastore holds it. */
interface Entry {
  readonly name: string;
  readonly folder: boolean;
  readonly size: number;
  readonly modified: number;
  /** A disk's descriptor: what VmDiskFileInfo tells of it. */
  readonly disk?: { readonly capacityKb: number; readonly thin: boolean; readonly extent: string };
}

/** A datastore's folders, by path ('' is its top), each with its entries by name. */
type Tree = Map<string, Map<string, Entry>>;

/** `a/b/c.vmx` -> `{ dir: 'a/b', name: 'c.vmx' }`; a name at the top has the dir ''. */
const split = (path: string) => {
  const slash = path.lastIndexOf('/');
  return { dir: slash < 0 ? '' : path.slice(0, slash), name: path.slice(slash + 1) };
};

/** The folder at `path`, made (with the folders above it) when it is not there yet. */
const folderOf = (tree: Tree, path: string): Map<string, Entry> => {
  let folder = tree.get(path);
  if (!folder) {
    folder = new Map();
    tree.set(path, folder);
    const { dir, name } = split(path);
    folderOf(tree, dir).set(name, { name, folder: true, size: 0, modified: 0 });
  }
  return folder;
};

/** Puts a file at `path`, relative to the datastore's top. A folder is as new as its newest file. */
const addFile = (tree: Tree, path: string, file: Omit<Entry, 'name' | 'folder'>): void => {
  const { dir, name } = split(path);
  folderOf(tree, dir).set(name, { name, folder: false, ...file });
  for (let at = dir; at !== ''; at = split(at).dir) {
    const up = split(at);
    const parent = tree.get(up.dir) as Map<string, Entry>;
    const entry = parent.get(up.name) as Entry;
    if (entry.modified < file.modified) parent.set(up.name, { ...entry, modified: file.modified });
  }
};

/** A disk's descriptor and extent, as `layoutEx` names them (`fileName`: its backing's `[ds] dir/name.vmdk`). */
const addDisk = (tree: Tree, fileName: string, bytes: number, thin: boolean, modified: number) => {
  const { descriptor, extent } = diskFiles(fileName, bytes);
  const descriptorPath = parseDatastorePath(descriptor.name)?.path;
  const extentPath = parseDatastorePath(extent.name)?.path;
  if (!descriptorPath || !extentPath) return;
  addFile(tree, descriptorPath, {
    size: descriptor.size,
    modified,
    disk: { capacityKb: Math.floor(bytes / 1024), thin, extent: split(extentPath).name },
  });
  addFile(tree, extentPath, { size: extent.size, modified });
};

/** The files on a datastore, made from the VMs and First Class Disks on it. */
const filesOn = (m: Model, ds: string): Tree => {
  const tree: Tree = new Map([['', new Map()]]);
  for (const id of m.store.referrers('vm', ds)) {
    const vm = m.store.get(id) as VmRecord;
    const modified = vm.config.changeVersion;
    if (vm.homeDatastore === ds) {
      const path = parseDatastorePath(vm.config.vmPathName)?.path;
      if (path) addFile(tree, path, { size: CONFIG_FILE_BYTES, modified });
    }
    for (const d of vm.config.devices) {
      if (!isDisk(d) || diskDatastore(d) !== ds) continue;
      const backing = d.backing as { fileName: string; thinProvisioned?: boolean };
      addDisk(tree, backing.fileName, diskBytes(d), backing.thinProvisioned !== false, modified);
    }
  }
  for (const disk of m.store.ofKind<VStorageObjectRecord>('VStorageObject')) {
    if (disk.datastore !== ds) continue;
    const thin = disk.provisioningType === undefined || disk.provisioningType === 'thin';
    addDisk(tree, disk.filePath, disk.capacityInMB * 1024 * 1024, thin, disk.createTime);
  }
  return tree;
};

/** HostDatastoreBrowserSearchSpec, as far as the simulator reads it. */
export interface SearchSpec {
  readonly query?: readonly {
    readonly _type?: string;
    readonly details?: DiskDetails;
    readonly filter?: DiskFilter;
  }[];
  readonly details?: {
    readonly fileType?: boolean;
    readonly fileSize?: boolean;
    readonly modification?: boolean;
    readonly fileOwner?: boolean;
  };
  readonly searchCaseInsensitive?: boolean;
  readonly matchPattern?: readonly string[];
  readonly sortFoldersFirst?: boolean;
}

/** VmDiskFileQueryFlags: what a VmDiskFileQuery wants told of each disk. */
interface DiskDetails {
  readonly diskType?: boolean;
  readonly capacityKb?: boolean;
  readonly thin?: boolean;
  readonly diskExtents?: boolean;
}

/** VmDiskFileQueryFilter: the disks a VmDiskFileQuery keeps. */
interface DiskFilter {
  readonly diskType?: readonly string[];
  readonly thin?: boolean;
}

const DISK_TYPE = 'VirtualDiskFlatVer2BackingInfo';

/** A glob (`*`, `?`, `[...]`, `[!...]`) as a regular expression over a whole name. */
const globRegExp = (pattern: string, caseInsensitive: boolean): RegExp => {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    const end = c === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (end > 0) {
      const set = pattern.slice(i + 1, end).replaceAll('\\', '\\\\');
      source += `[${set.startsWith('!') ? `^${set.slice(1)}` : set}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
  } catch {
    throw faults.invalidArgument('searchSpec.matchPattern');
  }
};

/** How one search reads its spec: which entries it keeps and what it tells of each. */
const searcher = (spec: SearchSpec) => {
  const patterns = (spec.matchPattern ?? []).map((p) => globRegExp(p, spec.searchCaseInsensitive === true));
  const queries = spec.query ?? [];
  const details = spec.details ?? {};
  /** The query an entry answers: none when the spec has queries and no query takes it. */
  const queryOf = (entry: Entry) => {
    if (queries.length === 0) return { _type: 'FileQuery' };
    return queries.find((q) => {
      const type = q._type ?? 'FileQuery';
      if (type === 'FileQuery') return true;
      if (type === 'FolderFileQuery') return entry.folder;
      const known = FILE_TYPES.find(([query]) => query === type);
      if (!known || entry.folder || !known[2](entry.name)) return false;
      if (type !== 'VmDiskFileQuery' || !entry.disk) return true;
      const filter = q.filter;
      return (
        (filter?.thin === undefined || filter.thin === entry.disk.thin) &&
        (!filter?.diskType?.length || filter.diskType.includes(DISK_TYPE))
      );
    });
  };
  const infoType = (entry: Entry, query: { _type?: string }) => {
    if (entry.folder) return 'FolderFileInfo';
    if (!details.fileType && (query._type ?? 'FileQuery') === 'FileQuery') return 'FileInfo';
    return FILE_TYPES.find(([, , matches]) => matches(entry.name))?.[1] ?? 'FileInfo';
  };
  const fileInfo = (entry: Entry): object | undefined => {
    if (patterns.length > 0 && !patterns.some((p) => p.test(entry.name))) return undefined;
    const query = queryOf(entry);
    if (!query) return undefined;
    const _type = infoType(entry, query);
    const disk = _type === 'VmDiskFileInfo' && entry.disk ? entry.disk : undefined;
    const wanted = (query as { details?: DiskDetails }).details ?? {};
    return {
      _type,
      path: entry.name,
      ...(details.fileSize ? { fileSize: entry.size } : {}),
      ...(details.modification ? { modification: iso(entry.modified) } : {}),
      ...(details.fileOwner ? { owner: 'root' } : {}),
      ...(disk && wanted.diskType ? { diskType: DISK_TYPE } : {}),
      ...(disk && wanted.capacityKb ? { capacityKb: disk.capacityKb } : {}),
      ...(disk && wanted.diskExtents ? { diskExtents: [disk.extent] } : {}),
      ...(disk && wanted.thin ? { thin: disk.thin } : {}),
    };
  };
  const order = (a: Entry, b: Entry) =>
    (spec.sortFoldersFirst && a.folder !== b.folder ? (a.folder ? -1 : 1) : 0) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { fileInfo, order };
};

/** `[ds]` for a datastore's top, `[ds] dir/` for a folder in it. */
const folderPath = (ds: DatastoreRecord, dir: string) =>
  dir === '' ? `[${ds.name}]` : `[${ds.name}] ${dir}/`;

export const datastoreBrowserOperations = (m: Model) => {
  const search = (browserRef: Ref, datastorePath: string, spec: SearchSpec, subFolders: boolean) => {
    const browser = m.lookup<DatastoreBrowserRecord>(browserRef, 'HostDatastoreBrowser');
    if (typeof datastorePath !== 'string') throw faults.invalidArgument('datastorePath');
    const parsed = parseDatastorePath(datastorePath);
    const reached = browsedDatastores(m.store, browser);
    const ds = reached
      .map((id) => m.store.get(id) as DatastoreRecord)
      .find((d) => d !== undefined && d.name === parsed?.datastore);
    const method = subFolders ? 'SearchDatastoreSubFolders_Task' : 'SearchDatastore_Task';
    return m.task(
      {
        method,
        // TaskInfo.entity is a ManagedEntity: the datastore searched, else the browser's owner.
        target: ds?.id ?? browser.owner,
        descriptionId: subFolders ? 'host.DatastoreBrowser.searchSubFolders' : 'host.DatastoreBrowser.search',
      },
      () => {
        if (!parsed) throw faults.invalidDatastorePath(datastorePath);
        if (!ds) throw faults.invalidDatastore(parsed.datastore);
        const top = parsed.path.replace(/^\/+|\/+$/g, '');
        const tree = filesOn(m, ds.id);
        if (!tree.has(top)) throw faults.fileNotFound(datastorePath);
        const { fileInfo, order } = searcher(spec);
        const results: object[] = [];
        const visit = (dir: string) => {
          const entries = [...(tree.get(dir) as Map<string, Entry>).values()].sort(order);
          const file: object[] = [];
          for (const entry of entries) {
            const info = fileInfo(entry);
            if (info) file.push(info);
          }
          results.push({
            _type: 'HostDatastoreBrowserSearchResults',
            datastore: moref('Datastore', ds.id),
            folderPath: folderPath(ds, dir),
            file,
          });
          if (subFolders)
            for (const entry of entries)
              if (entry.folder) visit(dir === '' ? entry.name : `${dir}/${entry.name}`);
        };
        visit(top);
        return subFolders ? results : results[0];
      },
    );
  };
  return {
    /** SearchDatastore_Task: the files of one folder. */
    search: (browser: Ref, datastorePath: string, spec: SearchSpec = {}): Task<unknown> =>
      search(browser, datastorePath, spec, false),
    /** SearchDatastoreSubFolders_Task: the files of a folder and of every folder below it. */
    searchSubFolders: (browser: Ref, datastorePath: string, spec: SearchSpec = {}): Task<unknown> =>
      search(browser, datastorePath, spec, true),
  };
};
