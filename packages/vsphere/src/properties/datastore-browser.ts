/** The browsers' properties (HostDatastoreBrowser, EnvironmentBrowser), and the file types searches tell apart. */
import {
  browserIdOf,
  type DatastoreBrowserRecord,
  type DatastoreRecord,
  type EnvironmentBrowserRecord,
  type HostRecord,
} from '../inventory/records.js';
import { hostsOfComputeResource } from './compute.js';
import { type PropertyTable, type ReadContext, refOf, refsOf } from './context.js';

/** The file types a search can ask for: query type, info type, and the names that are of it. */
export const FILE_TYPES: readonly (readonly [
  query: string,
  info: string,
  matches: (name: string) => boolean,
])[] = [
  ['VmConfigFileQuery', 'VmConfigFileInfo', (n) => n.endsWith('.vmx')],
  ['TemplateConfigFileQuery', 'TemplateConfigFileInfo', (n) => n.endsWith('.vmtx')],
  ['VmDiskFileQuery', 'VmDiskFileInfo', (n) => n.endsWith('.vmdk') && !n.endsWith('-flat.vmdk')],
  ['VmSnapshotFileQuery', 'VmSnapshotFileInfo', (n) => n.endsWith('.vmsn')],
  ['VmNvramFileQuery', 'VmNvramFileInfo', (n) => n.endsWith('.nvram')],
  ['VmLogFileQuery', 'VmLogFileInfo', (n) => n.endsWith('.log')],
  ['IsoImageFileQuery', 'IsoImageFileInfo', (n) => n.endsWith('.iso')],
  ['FloppyImageFileQuery', 'FloppyImageFileInfo', (n) => n.endsWith('.flp')],
];

/** The datastores a browser reaches: its datastore, or the ones its host mounts. */
export const browsedDatastores = (
  store: ReadContext['store'],
  browser: DatastoreBrowserRecord,
): readonly string[] => {
  const owner = store.get(browser.owner) as DatastoreRecord | HostRecord | undefined;
  if (!owner) return [];
  return owner.kind === 'HostSystem' ? owner.datastores : [owner.id];
};

export const datastoreBrowserProperties: PropertyTable<DatastoreBrowserRecord> = {
  datastore: (browser, ctx) => refsOf(ctx, browsedDatastores(ctx.store, browser)),
  supportedType: () => [{ _type: 'FolderFileQuery' }, ...FILE_TYPES.map(([query]) => ({ _type: query }))],
};

export const environmentBrowserProperties: PropertyTable<EnvironmentBrowserRecord> = {
  // The datastore browser of the compute resource's first host.
  datastoreBrowser: (browser, ctx) => {
    const host = hostsOfComputeResource(ctx.store, browser.owner)[0];
    return host && refOf(ctx, browserIdOf(host.id));
  },
};
