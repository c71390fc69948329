/** GET /about: what this simulator is and what its inventory holds, as JSON. */
import type { VSphere } from '@vsim/vsphere';
import pkg from '../package.json' with { type: 'json' };
import type { RouteHandler } from './http/router.js';

export const VERSION: string = pkg.version;

export const inventoryCounts = (vsphere: VSphere) => {
  const count = (...kinds: string[]) => kinds.reduce((n, k) => n + vsphere.store.countOf(k), 0);
  return {
    datacenters: count('Datacenter'),
    clusters: count('ClusterComputeResource'),
    hosts: count('HostSystem'),
    resourcePools: count('ResourcePool', 'VirtualApp'),
    datastores: count('Datastore'),
    networks: count('Network', 'DistributedVirtualPortgroup'),
    virtualMachines: count('VirtualMachine'),
    folders: count('Folder'),
  };
};

export const aboutRoute =
  (vsphere: VSphere): RouteHandler =>
  () => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'vsim',
      version: VERSION,
      vcenter: { version: vsphere.about.version, build: vsphere.about.build },
      inventory: inventoryCounts(vsphere),
    }),
  });
