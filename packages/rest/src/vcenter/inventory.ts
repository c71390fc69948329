/**
 * Datacenters, folders, datastores and networks: `GET /vcenter/datacenter[/{id}]`,
 * `/vcenter/folder`, `/vcenter/datastore[/{id}]`, `/vcenter/network`, the same paths in
 * both URL styles.
 */
import type { DatacenterRecord, DatastoreRecord, FolderRecord, NetworkRecord, VSphere } from '@vsim/vsphere';
import type { Route, RouteSet } from '../routes.js';
import { datacenterOf, type FilterSpec, folderOf, has, listMatching, lookupOf } from './filters.js';

/** A folder's vAPI type, from what it may hold. */
const folderType = (f: FolderRecord): string | undefined => {
  const holds = (t: string) => f.childType.includes(t);
  if (holds('Datacenter')) return 'DATACENTER';
  if (holds('VirtualMachine')) return 'VIRTUAL_MACHINE';
  if (holds('ComputeResource')) return 'HOST';
  if (holds('Datastore')) return 'DATASTORE';
  if (holds('Network')) return 'NETWORK';
  return undefined;
};
const FOLDER_TYPES = ['DATACENTER', 'DATASTORE', 'HOST', 'NETWORK', 'VIRTUAL_MACHINE'];

const networkType = (n: NetworkRecord) =>
  n.kind === 'DistributedVirtualPortgroup' ? 'DISTRIBUTED_PORTGROUP' : 'STANDARD_PORTGROUP';
const NETWORK_TYPES = ['STANDARD_PORTGROUP', 'DISTRIBUTED_PORTGROUP', 'OPAQUE_NETWORK'];

const DATASTORE_TYPES = ['VMFS', 'NFS', 'NFS41', 'CIFS', 'VSAN', 'VFFS', 'VVOL', 'PMEM', 'OTHER'];
const datastoreType = (vsphere: VSphere, ds: DatastoreRecord) =>
  vsphere.read<string>(ds.id, 'summary.type').toUpperCase();

/** The fields every inventory filter has: by id, by name, by folder, by datacenter. */
const common = <R extends { id: string; name: string }>(vsphere: VSphere, ids: string) =>
  ({
    [ids]: { match: (r: R, v: ReadonlySet<string>) => v.has(r.id) },
    names: { match: (r: R, v: ReadonlySet<string>) => v.has(r.name) },
    folders: { match: (r: R, v: ReadonlySet<string>) => has(v, folderOf(vsphere, r.id)) },
    datacenters: { match: (r: R, v: ReadonlySet<string>) => has(v, datacenterOf(vsphere, r.id)) },
  }) as FilterSpec<R>;

const datastoreSummary = (vsphere: VSphere) => (ds: DatastoreRecord) => ({
  datastore: ds.id,
  name: ds.name,
  type: datastoreType(vsphere, ds),
  free_space: vsphere.read<number>(ds.id, 'summary.freeSpace'),
  capacity: vsphere.read<number>(ds.id, 'summary.capacity'),
});

const DC_NOT_FOUND = 'com.vmware.api.vcenter.datacenter.not_found';
const DS_NOT_FOUND = 'com.vmware.api.vcenter.datastore.not_found';

export const inventoryRoutes: RouteSet = (): Route[] => [
  {
    method: 'GET',
    path: '/vcenter/datacenter',
    run: (call) => ({
      value: listMatching(
        call,
        call.vsphere.store.ofKind<DatacenterRecord>('Datacenter'),
        common<DatacenterRecord>(call.vsphere, 'datacenters'),
        (dc) => ({ datacenter: dc.id, name: dc.name }),
        1000,
        'datacenters',
      ),
    }),
  },
  {
    method: 'GET',
    path: '/vcenter/datacenter/:datacenter',
    run: ({ vsphere, params }) => {
      const dc = lookupOf<DatacenterRecord>(
        vsphere,
        params.datacenter,
        ['Datacenter'],
        'Datacenter',
        DC_NOT_FOUND,
      );
      return {
        value: {
          name: dc.name,
          parent: dc.parent,
          datastore_folder: dc.datastoreFolder,
          host_folder: dc.hostFolder,
          network_folder: dc.networkFolder,
          vm_folder: dc.vmFolder,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/vcenter/folder',
    run: (call) => {
      const { vsphere } = call;
      const spec: FilterSpec<FolderRecord> = {
        ...common<FolderRecord>(vsphere, 'folders'),
        // A folder's own filter on folders means "these folders", not "inside these".
        folders: { match: (f, v) => v.has(f.id) },
        parent_folders: { match: (f, v) => has(v, f.parent) },
        type: { match: (f, v) => has(v, folderType(f)), allowed: FOLDER_TYPES },
      };
      const folders = vsphere.store.ofKind<FolderRecord>('Folder');
      return {
        value: listMatching(
          call,
          folders,
          spec,
          (f) => ({ folder: f.id, name: f.name, type: folderType(f) }),
          1000,
          'folders',
        ),
      };
    },
  },
  {
    method: 'GET',
    path: '/vcenter/datastore',
    run: (call) => {
      const { vsphere } = call;
      const spec: FilterSpec<DatastoreRecord> = {
        ...common<DatastoreRecord>(vsphere, 'datastores'),
        types: {
          match: (ds, v) => v.has(datastoreType(vsphere, ds)),
          allowed: DATASTORE_TYPES,
          aliases: ['type'],
        },
      };
      const all = vsphere.store.ofKind<DatastoreRecord>('Datastore');
      return { value: listMatching(call, all, spec, datastoreSummary(vsphere), 2500, 'datastores') };
    },
  },
  {
    method: 'GET',
    path: '/vcenter/datastore/:datastore',
    run: ({ vsphere, params }) => {
      const ds = lookupOf<DatastoreRecord>(
        vsphere,
        params.datastore,
        ['Datastore'],
        'Datastore',
        DS_NOT_FOUND,
      );
      return {
        value: {
          name: ds.name,
          type: datastoreType(vsphere, ds),
          accessible: vsphere.read<boolean>(ds.id, 'summary.accessible'),
          free_space: vsphere.read<number>(ds.id, 'summary.freeSpace'),
          capacity: vsphere.read<number>(ds.id, 'summary.capacity'),
          multiple_host_access: vsphere.read<boolean>(ds.id, 'summary.multipleHostAccess'),
          thin_provisioning_supported: true,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/vcenter/network',
    run: (call) => {
      const { vsphere } = call;
      const spec: FilterSpec<NetworkRecord> = {
        ...common<NetworkRecord>(vsphere, 'networks'),
        types: { match: (n, v) => v.has(networkType(n)), allowed: NETWORK_TYPES, aliases: ['type'] },
      };
      const networks = [
        ...vsphere.store.ofKind<NetworkRecord>('Network'),
        ...vsphere.store.ofKind<NetworkRecord>('DistributedVirtualPortgroup'),
      ].sort((a, b) => idOrder(a.id, b.id));
      return {
        value: listMatching(
          call,
          networks,
          spec,
          (n) => ({ network: n.id, name: n.name, type: networkType(n) }),
          1000,
          'networks',
        ),
      };
    },
  },
];

/** Ids in the order vCenter creates them (their counter), whatever their prefix. */
const idOrder = (a: string, b: string) => counterOf(a) - counterOf(b);
const counterOf = (id: string) => Number(/\d+$/.exec(id)?.[0] ?? 0);
