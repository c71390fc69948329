/** Datastore and StoragePod properties. */
import { browserIdOf, type DatastoreRecord, type StoragePodRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { iso, type PropertyTable, type ReadContext, referrerRefs, refOf } from './context.js';

/** Capacity is not enforced unless a test opts in, so free space bottoms out at zero. */
const freeSpace = (ds: DatastoreRecord) => Math.max(0, ds.capacity - ds.used);

export const datastoreSummary = (ds: DatastoreRecord) => ({
  _type: 'DatastoreSummary',
  datastore: moref('Datastore', ds.id),
  name: ds.name,
  url: ds.url,
  capacity: ds.capacity,
  freeSpace: freeSpace(ds),
  uncommitted: 0,
  accessible: ds.accessible,
  // A local datastore is its host's alone.
  multipleHostAccess: ds.localPath === undefined,
  type: ds.type,
  maintenanceMode: ds.maintenanceMode,
});

export const datastoreCapability = () => ({
  _type: 'DatastoreCapability',
  directoryHierarchySupported: true,
  rawDiskMappingsSupported: false,
  perFileThinProvisioningSupported: true,
  storageIORMSupported: false,
  nativeSnapshotSupported: false,
  topLevelDirectoryCreateSupported: true,
  seSparseSupported: false,
});

export const datastoreProperties: PropertyTable<DatastoreRecord> = {
  summary: datastoreSummary,
  info: (ds, ctx: ReadContext) => {
    const info = {
      name: ds.name,
      url: ds.url,
      freeSpace: freeSpace(ds),
      maxFileSize: ds.capacity,
      maxVirtualDiskCapacity: ds.capacity,
      maxMemoryFileSize: ds.capacity,
      timestamp: iso(ctx.clock.now()),
    };
    if (!ds.nas) return { _type: 'LocalDatastoreInfo', ...info, path: ds.localPath ?? ds.url };
    return {
      _type: 'NasDatastoreInfo',
      ...info,
      nas: {
        _type: 'HostNasVolume',
        type: ds.type,
        name: ds.name,
        capacity: ds.capacity,
        remoteHost: ds.nas.remoteHost,
        remotePath: ds.nas.remotePath,
        ...(ds.nas.userName ? { userName: ds.nas.userName } : {}),
      },
    };
  },
  capability: () => datastoreCapability(),
  host: (ds, ctx) =>
    referrerRefs(ctx, 'host', ds.id, 'HostSystem').map((key) => ({
      _type: 'DatastoreHostMount',
      key,
      mountInfo: {
        _type: 'HostMountInfo',
        path: ds.localPath ?? ds.url,
        accessMode: ds.nas?.accessMode ?? 'readWrite',
        mounted: true,
        accessible: ds.accessible,
      },
    })),
  vm: (ds, ctx) => referrerRefs(ctx, 'vm', ds.id, 'VirtualMachine'),
  browser: (ds, ctx) => refOf(ctx, browserIdOf(ds.id)),
};

export const storagePodProperties: PropertyTable<StoragePodRecord> = {
  childType: () => ['Datastore'],
  childEntity: (pod, ctx) => referrerRefs(ctx, 'childEntity', pod.id, 'Datastore'),
  summary: (pod, ctx) => {
    let capacity = 0;
    let free = 0;
    for (const ref of referrerRefs(ctx, 'childEntity', pod.id, 'Datastore')) {
      const ds = ctx.store.get(ref.value) as DatastoreRecord;
      capacity += ds.capacity;
      free += freeSpace(ds);
    }
    return { _type: 'StoragePodSummary', name: pod.name, capacity, freeSpace: free };
  },
  podStorageDrsEntry: () => ({
    _type: 'PodStorageDrsEntry',
    storageDrsConfig: {
      _type: 'StorageDrsConfigInfo',
      podConfig: {
        _type: 'StorageDrsPodConfigInfo',
        enabled: true,
        ioLoadBalanceEnabled: false,
        defaultVmBehavior: 'automated',
      },
      vmConfig: [],
    },
    recommendation: [],
    drsFault: [],
    actionHistory: [],
  }),
};
