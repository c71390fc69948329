/** Folder and Datacenter properties. */
import type { DatacenterRecord, FolderRecord, InventoryRecord } from '../inventory/records.js';
import { LATEST_HARDWARE_VERSION } from '../inventory/vm.js';
import { type MoRef, moref } from '../refs.js';
import { type PropertyTable, type ReadContext, referrerRefs } from './context.js';

export const folderProperties: PropertyTable<FolderRecord> = {
  childType: (f) => f.childType,
  childEntity: (f, ctx) => referrerRefs(ctx, 'childEntity', f.id).filter((r) => r.type !== 'Task'),
};

/** Every object of `kind` under a folder tree (datastores in pods and subfolders too). */
const under = (ctx: ReadContext, root: string, kind: string): MoRef[] => {
  const out: MoRef[] = [];
  const walk = (id: string) => {
    for (const child of ctx.store.referrers('childEntity', id)) {
      const r = ctx.store.get(child) as InventoryRecord | undefined;
      if (!r) continue;
      if (r.kind === kind || (kind === 'Network' && r.kind === 'DistributedVirtualPortgroup'))
        out.push(moref(r.kind, r.id));
      if (r.kind === 'Folder' || r.kind === 'StoragePod') walk(r.id);
    }
  };
  walk(root);
  return out;
};

export const datacenterProperties: PropertyTable<DatacenterRecord> = {
  vmFolder: (dc) => moref('Folder', dc.vmFolder),
  hostFolder: (dc) => moref('Folder', dc.hostFolder),
  datastoreFolder: (dc) => moref('Folder', dc.datastoreFolder),
  networkFolder: (dc) => moref('Folder', dc.networkFolder),
  datastore: (dc, ctx) => under(ctx, dc.datastoreFolder, 'Datastore'),
  network: (dc, ctx) => under(ctx, dc.networkFolder, 'Network'),
  configuration: () => ({
    _type: 'DatacenterConfigInfo',
    defaultHardwareVersionKey: LATEST_HARDWARE_VERSION,
  }),
};
