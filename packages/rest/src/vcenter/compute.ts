/**
 * Hosts, clusters and resource pools: `GET /vcenter/host`, `/vcenter/cluster[/{id}]`,
 * `/vcenter/resource-pool[/{id}]`, the same paths in both URL styles.
 */
import type { ComputeResourceRecord, HostRecord, ResourcePoolRecord, VSphere } from '@vsim/vsphere';
import type { Route, RouteSet } from '../routes.js';
import {
  booleanFilter,
  clusterOfHost,
  datacenterOf,
  type FilterSpec,
  folderOf,
  has,
  listMatching,
  lookupOf,
} from './filters.js';

const CONNECTION: Record<HostRecord['connectionState'], string> = {
  connected: 'CONNECTED',
  disconnected: 'DISCONNECTED',
  notResponding: 'NOT_RESPONDING',
};

const HOST_POWER: Record<HostRecord['powerState'], string | undefined> = {
  poweredOn: 'POWERED_ON',
  poweredOff: 'POWERED_OFF',
  standBy: 'STANDBY',
  unknown: undefined,
};

const hostSummary = (vsphere: VSphere) => (host: HostRecord) => {
  const connection = vsphere.read<HostRecord['connectionState']>(host.id, 'runtime.connectionState');
  const power = HOST_POWER[vsphere.read<HostRecord['powerState']>(host.id, 'runtime.powerState')];
  return {
    host: host.id,
    name: host.name,
    connection_state: CONNECTION[connection],
    // vCenter reports a power state only for a host it can reach.
    ...(connection === 'connected' && power ? { power_state: power } : {}),
  };
};

const hostFilter = (vsphere: VSphere): FilterSpec<HostRecord> => ({
  hosts: { match: (h, v) => v.has(h.id) },
  names: { match: (h, v) => v.has(h.name) },
  folders: { match: (h, v) => has(v, folderOf(vsphere, h.id)) },
  datacenters: { match: (h, v) => has(v, datacenterOf(vsphere, h.id)) },
  clusters: { match: (h, v) => has(v, clusterOfHost(vsphere, h.id)) },
  connection_states: {
    match: (h, v) => v.has(CONNECTION[h.connectionState]),
    allowed: Object.values(CONNECTION),
  },
});

const clusterSummary = (c: ComputeResourceRecord) => ({
  cluster: c.id,
  name: c.name,
  ha_enabled: c.das?.enabled ?? false,
  drs_enabled: c.drs?.enabled ?? false,
});

const clusterFilter = (vsphere: VSphere): FilterSpec<ComputeResourceRecord> => ({
  clusters: { match: (c, v) => v.has(c.id) },
  names: { match: (c, v) => v.has(c.name) },
  folders: { match: (c, v) => has(v, folderOf(vsphere, c.id)) },
  datacenters: { match: (c, v) => has(v, datacenterOf(vsphere, c.id)) },
});

const poolFilter = (vsphere: VSphere): FilterSpec<ResourcePoolRecord> => ({
  resource_pools: { match: (p, v) => v.has(p.id) },
  names: { match: (p, v) => v.has(p.name) },
  parent_resource_pools: { match: (p, v) => has(v, p.parent) },
  datacenters: { match: (p, v) => has(v, datacenterOf(vsphere, p.id)) },
  hosts: {
    match: (p, v) => [...vsphere.store.referrers('childEntity', p.owner)].some((id) => v.has(id)),
  },
  clusters: {
    match: (p, v) => v.has(p.owner) && vsphere.store.get(p.owner)?.kind === 'ClusterComputeResource',
  },
});

const CLUSTER_NOT_FOUND = 'com.vmware.api.vcenter.cluster.not_found';
const POOL_NOT_FOUND = 'com.vmware.api.vcenter.resource_pool.not_found';

export const computeRoutes: RouteSet = (): Route[] => [
  {
    method: 'GET',
    path: '/vcenter/host',
    run: (call) => {
      const { vsphere } = call;
      const standalone = booleanFilter(call, 'standalone');
      const hosts = [...vsphere.store.ofKind<HostRecord>('HostSystem')].filter(
        (h) => standalone === undefined || standalone === (clusterOfHost(vsphere, h.id) === undefined),
      );
      return { value: listMatching(call, hosts, hostFilter(vsphere), hostSummary(vsphere), 2500, 'hosts') };
    },
  },
  {
    method: 'GET',
    path: '/vcenter/cluster',
    run: (call) => ({
      value: listMatching(
        call,
        call.vsphere.store.ofKind<ComputeResourceRecord>('ClusterComputeResource'),
        clusterFilter(call.vsphere),
        clusterSummary,
        1000,
        'clusters',
      ),
    }),
  },
  {
    method: 'GET',
    path: '/vcenter/cluster/:cluster',
    run: ({ vsphere, params }) => {
      const c = lookupOf<ComputeResourceRecord>(
        vsphere,
        params.cluster,
        ['ClusterComputeResource'],
        'Cluster',
        CLUSTER_NOT_FOUND,
      );
      return { value: { name: c.name, resource_pool: c.resourcePool } };
    },
  },
  {
    method: 'GET',
    path: '/vcenter/resource-pool',
    run: (call) => ({
      value: listMatching(
        call,
        call.vsphere.store.ofKind<ResourcePoolRecord>('ResourcePool'),
        poolFilter(call.vsphere),
        (p) => ({ resource_pool: p.id, name: p.name }),
        1000,
        'resource pools',
      ),
    }),
  },
  {
    method: 'GET',
    path: '/vcenter/resource-pool/:pool',
    run: ({ vsphere, params }) => {
      const pool = lookupOf<ResourcePoolRecord>(
        vsphere,
        params.pool,
        ['ResourcePool'],
        'Resource pool',
        POOL_NOT_FOUND,
      );
      const children = [...vsphere.store.referrers('childEntity', pool.id)].filter(
        (id) => vsphere.store.get(id)?.kind === 'ResourcePool',
      );
      return { value: { name: pool.name, resource_pools: children } };
    },
  },
];
