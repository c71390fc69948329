/**
 * HostDatastoreBrowser: SearchDatastore_Task and SearchDatastoreSubFolders_Task over the files
 * a datastore holds (see ./datastore-files.ts): those its objects make and those clients put
 * there. Every datastore has a browser (`Datastore.browser`), and so has every host
 * (`HostSystem.datastoreBrowser`), which reaches the datastores the host mounts.
 */
import { faults } from '../faults.js';
import {
  BROWSER_KINDS,
  browserIdFor,
  type DatastoreBrowserRecord,
  type DatastoreRecord,
  HOST_MANAGER_KINDS,
  hostManagerIdOf,
} from '../inventory/records.js';
import type { Model, Ref, RemovalHook, Task } from '../model.js';
import { iso } from '../properties/context.js';
import { browsedDatastores, FILE_TYPES } from '../properties/datastore-browser.js';
import { moref } from '../refs.js';
import { type Entry, filesOn } from './datastore-files.js';
import { parseDatastorePath } from './vm-placement.js';

/**
 * A removed datastore or host takes its datastore browser with it, a compute resource its
 * environment browser, a host its configManager's managers, a datastore the files put on it.
 */
export const dropOwnedObjects =
  (m: Model): RemovalHook =>
  (tx, removed) => {
    const drop = (id: string) => {
      if (m.store.get(id)) tx.remove(id);
    };
    for (const id of removed) {
      for (const kind of BROWSER_KINDS) drop(browserIdFor(kind, id));
      if (id.startsWith('host-')) for (const kind of HOST_MANAGER_KINDS) drop(hostManagerIdOf(kind, id));
      for (const file of m.store.referrers('datastoreFile', id)) tx.remove(file);
    }
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
        (filter?.thin === undefined || filter.thin === (entry.disk.diskType === 'thin')) &&
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
      ...(disk && wanted.thin ? { thin: disk.diskType === 'thin' } : {}),
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
