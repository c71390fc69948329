/**
 * Builds an inventory from a tree in one transaction: the path createSimulator takes,
 * and the one the inventory benchmark measures. Cluster VMs are spread over the
 * cluster's hosts in turn (vcsim picks at random; round-robin is reproducible).
 */
import type { Model, Tx } from '../model.js';
import { CHILD_POOL_ALLOCATION, ROOT_POOL_ALLOCATION } from './defaults.js';
import {
  browserRecord,
  type ComputeResourceRecord,
  type DatacenterRecord,
  type DatastoreRecord,
  type DvsRecord,
  type FolderRecord,
  HOST_MANAGER_KINDS,
  type HostRecord,
  hostManagerRecord,
  type NetworkRecord,
  type ResourcePoolRecord,
} from './records.js';
import type { DatacenterNode, InventoryTree, PoolNode, VmNode } from './tree.js';
import { newVmRecord, putVm } from './vm.js';

export const ROOT_FOLDER = 'group-d1';

export const TIB = 1024 ** 4;
/** vcsim's default disk: 10 GiB. */
const DEFAULT_DISK_KB = 10 * 1024 * 1024;

/** Creates the root folder; every model has one, even an empty inventory. */
export const createRootFolder = (model: Model, tx: Tx): void => {
  if (tx.get(ROOT_FOLDER)) return;
  const id = model.newId('Folder', 'd');
  if (id !== ROOT_FOLDER) throw new Error(`the root folder must be created first (got ${id})`);
  tx.put({
    id,
    kind: 'Folder',
    name: 'Datacenters',
    childType: ['Folder', 'Datacenter'],
  } satisfies FolderRecord);
};

interface Placement {
  folder: string;
  pool: string;
  host: string;
  datastore: string;
  network: string;
  parentVApp?: string;
}

export const buildInventory = (model: Model, tree: InventoryTree): void => {
  model.store.transact(
    (tx) => {
      createRootFolder(model, tx);
      const built = tree.datacenters.map((node) => ({ node, dc: buildDatacenter(model, tx, node) }));
      // As in vcsim, datastores come after every datacenter, VMs after every datastore.
      for (const { node, dc } of built) {
        dc.datastores = (node.datastores ?? []).map((ds) =>
          putDatastore(
            model,
            tx,
            dc.datastoreFolder,
            { name: ds.name, type: 'OTHER', capacity: ds.capacity ?? TIB * Math.max(1, dc.hosts.length) },
            dc.hosts,
          ),
        );
      }
      for (const { dc } of built) {
        const datastore = dc.datastores[0];
        if (dc.vms.length > 0 && !datastore) throw new Error(`datacenter ${dc.id} has VMs but no datastore`);
        for (const { node, at } of dc.vms)
          createVm(model, tx, node, { ...at, datastore: datastore as string });
      }
    },
    { bulk: true },
  );
};

interface BuiltDatacenter {
  id: string;
  vmFolder: string;
  hostFolder: string;
  datastoreFolder: string;
  networkFolder: string;
  hosts: string[];
  network: string;
  datastores: string[];
  /** VMs to create once the datastores exist. */
  vms: { node: VmNode; at: Omit<Placement, 'datastore'> }[];
}

/** What each flavor of folder holds. */
const CHILD_TYPES = {
  d: ['Folder', 'Datacenter'],
  v: ['Folder', 'VirtualMachine', 'VirtualApp'],
  h: ['Folder', 'ComputeResource'],
  s: ['Folder', 'Datastore', 'StoragePod'],
  n: ['Folder', 'Network', 'DistributedVirtualSwitch'],
} as const;

const folder = (model: Model, tx: Tx, parent: string, name: string, flavor: keyof typeof CHILD_TYPES) =>
  tx.put({
    id: model.newId('Folder', flavor),
    kind: 'Folder',
    name,
    parent,
    childType: [...CHILD_TYPES[flavor]],
  } satisfies FolderRecord).id;

const buildDatacenter = (model: Model, tx: Tx, node: DatacenterNode): BuiltDatacenter => {
  const parent = node.folder ? folder(model, tx, ROOT_FOLDER, node.folder, 'd') : ROOT_FOLDER;
  const id = model.newId('Datacenter');
  const top = {
    vm: folder(model, tx, id, 'vm', 'v'),
    host: folder(model, tx, id, 'host', 'h'),
    datastore: folder(model, tx, id, 'datastore', 's'),
    network: folder(model, tx, id, 'network', 'n'),
  };
  tx.put({
    id,
    kind: 'Datacenter',
    name: node.name,
    parent,
    vmFolder: top.vm,
    hostFolder: top.host,
    datastoreFolder: top.datastore,
    networkFolder: top.network,
  } satisfies DatacenterRecord);
  const networks = (node.networks ?? ['VM Network']).map((name) => putNetwork(model, tx, top.network, name));
  for (const name of node.storagePods ?? []) {
    tx.put({ id: model.newId('StoragePod'), kind: 'StoragePod', name, parent: top.datastore });
  }
  const sub = node.subfolder;
  const into = {
    vm: sub ? folder(model, tx, top.vm, sub, 'v') : top.vm,
    host: sub ? folder(model, tx, top.host, sub, 'h') : top.host,
    datastore: sub ? folder(model, tx, top.datastore, sub, 's') : top.datastore,
    network: sub ? folder(model, tx, top.network, sub, 'n') : top.network,
  };
  const dc: BuiltDatacenter = {
    id,
    vmFolder: into.vm,
    hostFolder: into.host,
    datastoreFolder: into.datastore,
    networkFolder: into.network,
    hosts: [],
    network: networks[0] as string,
    datastores: [],
    vms: [],
  };
  let dvs: string | undefined;
  const portgroups: string[] = [];
  if (node.dvs) {
    const sw = model.newId('VmwareDistributedVirtualSwitch');
    dvs = sw;
    tx.put({
      id: sw,
      kind: 'VmwareDistributedVirtualSwitch',
      name: node.dvs.name,
      parent: into.network,
      uuid: model.random.uuid(),
      hosts: [],
    } satisfies DvsRecord);
    const portgroup = (name: string, uplink: boolean) => {
      const pg = model.newId('DistributedVirtualPortgroup');
      tx.put({
        id: pg,
        kind: 'DistributedVirtualPortgroup',
        name,
        parent: into.network,
        key: pg,
        dvs: sw,
        uplink,
        numPorts: uplink ? 4 : 1,
      } satisfies NetworkRecord);
      portgroups.push(pg);
      return pg;
    };
    portgroup(`${node.dvs.name}-DVUplinks-${sw.slice('dvs-'.length)}`, true);
    const first = node.dvs.portgroups.map((name) => portgroup(name, false))[0];
    if (first) dc.network = first;
  }
  const addHost = (name: string, parent: string) => {
    const host = createHost(model, tx, name, parent, [...networks, ...portgroups]);
    dc.hosts.push(host);
    if (dvs) {
      const sw = tx.get(dvs) as DvsRecord;
      tx.put(Object.assign({}, sw, { hosts: [...sw.hosts, host] }));
    }
    return host;
  };
  for (const standalone of node.standaloneHosts ?? []) {
    const { cr, pool } = createComputeResource(model, tx, 'ComputeResource', standalone.name, into.host);
    const host = addHost(standalone.name, cr);
    for (const vm of standalone.vms ?? [])
      dc.vms.push({ node: vm, at: { folder: into.vm, pool, host, network: dc.network } });
  }
  for (const cluster of node.clusters ?? []) {
    const { cr, pool: root } = createComputeResource(
      model,
      tx,
      'ClusterComputeResource',
      cluster.name,
      into.host,
      {
        drs: { enabled: true, defaultVmBehavior: 'fullyAutomated' },
        das: { enabled: false },
      },
    );
    const hosts = cluster.hosts.map((h) => addHost(h.name, cr));
    let turn = 0;
    const place = (vmNodes: VmNode[] | undefined, pool: string, parentVApp?: string) => {
      for (const vm of vmNodes ?? []) {
        const host = hosts[turn++ % Math.max(1, hosts.length)];
        if (!host) throw new Error(`cluster ${cluster.name} has VMs but no hosts`);
        dc.vms.push({
          node: vm,
          at: { folder: into.vm, pool, host, network: dc.network, ...(parentVApp ? { parentVApp } : {}) },
        });
      }
    };
    place(cluster.vms, root);
    const pools = (nodes: PoolNode[] | undefined, parent: string) => {
      for (const p of nodes ?? []) {
        const pool = createPool(model, tx, p.name, parent, cr, CHILD_POOL_ALLOCATION);
        place(p.vms, pool);
        pools(p.pools, pool);
      }
    };
    pools(cluster.pools, root);
    for (const app of cluster.vApps ?? []) {
      const pool = createPool(model, tx, app.name, root, cr, CHILD_POOL_ALLOCATION, top.vm);
      place(app.vms, pool, pool);
    }
  }
  return dc;
};

/** A standalone host's compute resource or a cluster, with its root pool `Resources`. */
const createComputeResource = (
  model: Model,
  tx: Tx,
  kind: ComputeResourceRecord['kind'],
  name: string,
  parent: string,
  settings: Pick<ComputeResourceRecord, 'drs' | 'das'> = {},
): { cr: string; pool: string } => {
  const cr = model.newId(kind);
  const pool = createPool(model, tx, 'Resources', cr, cr, ROOT_POOL_ALLOCATION);
  tx.put({ id: cr, kind, name, parent, resourcePool: pool, ...settings } satisfies ComputeResourceRecord);
  tx.put(browserRecord('EnvironmentBrowser', cr));
  return { cr, pool };
};

const createPool = (
  model: Model,
  tx: Tx,
  name: string,
  parent: string,
  owner: string,
  allocation: { cpu: ResourcePoolRecord['cpuAllocation']; memory: ResourcePoolRecord['memoryAllocation'] },
  vAppFolder?: string,
): string => {
  const id = model.newId(vAppFolder ? 'VirtualApp' : 'ResourcePool');
  tx.put({
    id,
    kind: vAppFolder ? 'VirtualApp' : 'ResourcePool',
    name,
    parent,
    owner,
    cpuAllocation: allocation.cpu,
    memoryAllocation: allocation.memory,
    ...(vAppFolder ? { parentFolder: vAppFolder } : {}),
  } satisfies ResourcePoolRecord);
  return id;
};

const createHost = (model: Model, tx: Tx, name: string, parent: string, networks: string[]): string => {
  const id = model.newId('HostSystem');
  // Management addresses in 172.16.0.0/12, apart from the guests' 10.0.0.0/8.
  const n = Number(id.slice('host-'.length));
  tx.put({
    id,
    kind: 'HostSystem',
    name,
    parent,
    uuid: model.random.uuid(),
    ip: `172.${16 + ((n >> 16) & 0xf)}.${(n >> 8) & 0xff}.${n & 0xff}`,
    datastores: [],
    networks,
    connectionState: 'connected',
    powerState: 'poweredOn',
    inMaintenanceMode: false,
    bootTime: model.clock.now(),
  } satisfies HostRecord);
  tx.put(browserRecord('HostDatastoreBrowser', id));
  for (const kind of HOST_MANAGER_KINDS) tx.put(hostManagerRecord(kind, id));
  return id;
};

/** A standard Network in a datacenter's network folder: the inventory's, and a host's new portgroup's. */
export const putNetwork = (model: Model, tx: Tx, networkFolder: string, name: string): string =>
  tx.put({ id: model.newId('Network'), kind: 'Network', name, parent: networkFolder } satisfies NetworkRecord)
    .id;

/** The host mounts the datastore. */
export const mountDatastore = (tx: Tx, host: string, ds: string): void => {
  const h = tx.get(host) as HostRecord;
  tx.put(Object.assign({}, h, { datastores: [...h.datastores, ds] }));
};

/**
 * A new, empty datastore in a datacenter's datastore folder, with its browser, mounted on
 * `hosts`: the inventory's, and those a host's datastore system makes.
 */
export const putDatastore = (
  model: Model,
  tx: Tx,
  datastoreFolder: string,
  fields: Pick<DatastoreRecord, 'name' | 'type' | 'capacity'> & Partial<DatastoreRecord>,
  hosts: readonly string[],
): string => {
  const id = model.newId('Datastore');
  const { name, type, capacity, ...more } = fields;
  tx.put({
    id,
    kind: 'Datastore',
    name,
    parent: datastoreFolder,
    url: `ds:///vmfs/volumes/${id}/`,
    type,
    capacity,
    used: 0,
    accessible: true,
    maintenanceMode: 'normal',
    ...more,
  } satisfies DatastoreRecord);
  tx.put(browserRecord('HostDatastoreBrowser', id));
  for (const host of hosts) mountDatastore(tx, host, id);
  return id;
};

const createVm = (model: Model, tx: Tx, node: VmNode, at: Placement): void => {
  putVm(
    tx,
    newVmRecord(model, tx, {
      name: node.name,
      folder: at.folder,
      pool: at.pool,
      host: at.host,
      datastore: at.datastore,
      networks: [at.network],
      disksKB: [DEFAULT_DISK_KB],
      nicType: 'VirtualE1000',
      powerState: node.powerState ?? 'poweredOff',
      ...(node.numCPU ? { numCPU: node.numCPU } : {}),
      ...(node.memoryMB ? { memoryMB: node.memoryMB } : {}),
      ...(node.guestId ? { guestId: node.guestId } : {}),
      ...(node.template ? { template: true } : {}),
      ...(at.parentVApp ? { parentVApp: at.parentVApp } : {}),
    }),
  );
};
