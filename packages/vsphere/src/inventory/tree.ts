/**
 * The declarative description of an inventory: an explicit tree that tests can write by
 * hand, and that vcsim's flags expand into (see vcsim.ts).
 */
import type { PowerState } from '../faults.js';

export interface VmNode {
  name: string;
  powerState?: PowerState;
  numCPU?: number;
  memoryMB?: number;
  guestId?: string;
  template?: boolean;
}

export interface PoolNode {
  name: string;
  vms?: VmNode[];
  pools?: PoolNode[];
}

export interface HostNode {
  name: string;
}

export interface ClusterNode {
  name: string;
  hosts: HostNode[];
  /** VMs in the root pool `Resources`. */
  vms?: VmNode[];
  pools?: PoolNode[];
  vApps?: PoolNode[];
}

export interface StandaloneHostNode {
  name: string;
  vms?: VmNode[];
}

export interface DatastoreNode {
  name: string;
  /** Bytes; vcsim's local datastores hold 1 TiB per host that mounts them. */
  capacity?: number;
}

export interface DatacenterNode {
  name: string;
  /** Folder in the root folder that holds the datacenter. */
  folder?: string;
  /** Subfolder of each of the datacenter's vm, host, datastore and network folders that holds its objects. */
  subfolder?: string;
  datastores?: DatastoreNode[];
  storagePods?: string[];
  /** Standard networks; a datacenter always has `VM Network`. */
  networks?: string[];
  dvs?: { name: string; portgroups: string[] };
  standaloneHosts?: StandaloneHostNode[];
  clusters?: ClusterNode[];
}

export interface InventoryTree {
  datacenters: DatacenterNode[];
}
