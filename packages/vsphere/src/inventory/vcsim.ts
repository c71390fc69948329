/**
 * vcsim's inventory flags and the tree they build, with vcsim's names
 * (`DC0`, `DC0_C0_H1`, `DC0_C0_RP0_VM1`, `LocalDS_0`, `DC0_DVPG0`, ...).
 */
import { checkOptionKeys } from '../core/options.js';
import type { ClusterNode, DatacenterNode, InventoryTree, PoolNode, VmNode } from './tree.js';

export interface VcsimFlags {
  /** -dc: datacenters; 0 builds an empty inventory. */
  dc: number;
  /** -cluster: clusters per datacenter. */
  cluster: number;
  /** -host: hosts per cluster. */
  host: number;
  /** -standalone-host: standalone hosts per datacenter. */
  standaloneHost: number;
  /** -vm: VMs per resource pool and per standalone host. */
  vm: number;
  /** -pool: child pools per cluster; the cluster's VMs go into them instead of the root pool. */
  pool: number;
  /** -app: vApps per cluster. */
  app: number;
  /** -ds: datastores per datacenter. */
  ds: number;
  /** -pod: storage pods per datacenter. */
  pod: number;
  /** -pg: distributed portgroups per datacenter; 0 means no distributed switch. */
  pg: number;
  /** -folder: the last N datacenters sit in folders F0.. with subfolders for their objects. */
  folder: number;
}

export const VCSIM_DEFAULTS: Readonly<VcsimFlags> = Object.freeze({
  dc: 1,
  cluster: 1,
  host: 3,
  standaloneHost: 1,
  vm: 2,
  pool: 0,
  app: 0,
  ds: 1,
  pod: 0,
  pg: 1,
  folder: 0,
});

const range = <T>(n: number, f: (i: number) => T): T[] =>
  Array.from({ length: Math.max(0, n) }, (_, i) => f(i));

const vms = (prefix: string, n: number): VmNode[] =>
  range(n, (i) => ({ name: `${prefix}_VM${i}`, powerState: 'poweredOn' }));

export const vcsimTree = (partial: Partial<VcsimFlags> = {}): InventoryTree => {
  checkOptionKeys(partial, VCSIM_DEFAULTS, 'inventory');
  for (const [flag, count] of Object.entries(partial))
    if (count !== undefined && !(Number.isSafeInteger(count) && count >= 0))
      throw new TypeError(
        `inventory: ${flag} must be a count (a whole number, 0 or more), not ${String(count)}`,
      );
  const f = { ...VCSIM_DEFAULTS, ...partial };
  let folders = 0;
  return {
    datacenters: range(f.dc, (d): DatacenterNode => {
      const dc = `DC${d}`;
      const folder = d >= f.dc - f.folder ? `F${folders++}` : undefined;
      const clusters = range(f.cluster, (c): ClusterNode => {
        const name = `${dc}_C${c}`;
        const pools = range(
          f.pool,
          (p): PoolNode => ({ name: `${name}_RP${p + 1}`, vms: vms(`${name}_RP${p + 1}`, f.vm) }),
        );
        return {
          name,
          hosts: range(f.host, (h) => ({ name: `${name}_H${h}` })),
          vms: f.pool === 0 ? vms(`${name}_RP0`, f.vm) : [],
          pools,
          vApps: range(f.app, (a) => ({ name: `${name}_APP${a}`, vms: vms(`${name}_APP${a}`, f.vm) })),
        };
      });
      return {
        name: dc,
        ...(folder ? { folder, subfolder: folder } : {}),
        datastores: range(f.ds, (i) => ({ name: `LocalDS_${i}` })),
        storagePods: range(f.pod, (i) => `${dc}_POD${i}`),
        networks: ['VM Network'],
        ...(f.pg > 0 ? { dvs: { name: 'DVS0', portgroups: range(f.pg, (i) => `${dc}_DVPG${i}`) } } : {}),
        standaloneHosts: range(f.standaloneHost, (h) => ({
          name: `${dc}_H${h}`,
          vms: vms(`${dc}_H${h}`, f.vm),
        })),
        clusters,
      };
    }),
  };
};
