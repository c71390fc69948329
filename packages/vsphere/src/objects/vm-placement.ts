/**
 * Where a VM goes: a folder that holds VMs and a name free in it, the pool and host it
 * runs on (vCenter's rule: the host belongs to the pool's compute resource), and where
 * its files lie on a datastore. CreateVM_Task, CloneVM_Task, RelocateVM_Task and
 * MarkAsVirtualMachine place VMs; new disks find their datastore here too.
 */
import { faults } from '../faults.js';
import { datacenterOf, findChild } from '../inventory/paths.js';
import {
  type DatastoreRecord,
  datastoreFileId,
  type FolderRecord,
  type HostRecord,
  type ResourcePoolRecord,
  type VmRecord,
} from '../inventory/records.js';
import { datastorePath } from '../inventory/vm.js';
import type { Model, Tx } from '../model.js';
import { moref } from '../refs.js';
import { chooseHost, usableHosts } from './drs-placement.js';

/** `[LocalDS_0] dir/vm.vmx` -> `{ datastore: 'LocalDS_0', path: 'dir/vm.vmx' }`. */
export const parseDatastorePath = (p: string): { datastore: string; path: string } | undefined => {
  const m = /^\[([^\]]+)\]\s*(.*)$/.exec(p);
  return m ? { datastore: m[1] as string, path: (m[2] as string).trim() } : undefined;
};

/** A datastore of the datacenter `dc` by name, as a datastore path names it. */
export const datastoreByName = (
  m: Model,
  dc: string | undefined,
  name: string,
): DatastoreRecord | undefined => {
  for (const ds of m.store.ofKind<DatastoreRecord>('Datastore'))
    if (ds.name === name && datacenterOf(m.store, ds.id)?.id === dc) return ds;
  return undefined;
};

/** `[old] dir/file` -> `[new] dir/file`. */
export const onDatastore = (file: string, ds: DatastoreRecord) =>
  datastorePath(ds.name, parseDatastorePath(file)?.path ?? file);

/** A folder that can hold VMs, NotSupported otherwise. */
export const vmFolder = (tx: Tx, id: string): FolderRecord => {
  const folder = tx.get(id) as FolderRecord | undefined;
  if (folder?.kind !== 'Folder' || !folder.childType.includes('VirtualMachine'))
    throw faults.notSupported('The folder cannot hold virtual machines.');
  return folder;
};

/** DuplicateName when another entity in `folder` already has `name`. */
export const checkFreeName = (m: Model, folder: string, name: string, self?: string): void => {
  const taken = findChild(m.store, folder, name);
  if (taken && taken.id !== self) throw faults.duplicateName(name, moref(taken.kind, taken.id));
};

export interface Placement {
  readonly pool: ResourcePoolRecord;
  readonly host: HostRecord;
}

/**
 * The pool and host a VM runs on. The host must belong to the pool's compute resource;
 * without one, `prefer` (a clone's source host, a relocated VM's own) stays if it does, else
 * the usable host (`usableHosts`: it can take a VM now and mounts `datastore`) with the fewest
 * VMs (ties by order) is chosen, so placement is reproducible. None usable is
 * NoActiveHostInCluster, as vCenter answers: a host chosen is never down, in maintenance or
 * without the datastore (a kept one is not checked).
 */
export const placement = (
  m: Model,
  tx: Tx,
  poolId: string | undefined,
  hostId: string | undefined,
  datastore: string,
  names: { pool: string; host: string },
  prefer?: string,
): Placement => {
  const pool = poolId ? (tx.get(poolId) as ResourcePoolRecord | undefined) : undefined;
  if (pool?.kind !== 'ResourcePool' && pool?.kind !== 'VirtualApp') throw faults.invalidArgument(names.pool);
  /** A host of the pool's compute resource. */
  const ofPool = (id: string | undefined) => {
    const host = id === undefined ? undefined : tx.get(id);
    return host?.kind === 'HostSystem' && host.parent === pool.owner ? host : undefined;
  };
  if (hostId !== undefined) {
    const host = ofPool(hostId);
    if (!host) throw faults.invalidArgument(names.host);
    return { pool, host };
  }
  const kept = ofPool(prefer);
  if (kept) return { pool, host: kept };
  // A VM new to the compute resource is in none of its groups or rules: the least loaded host.
  const best = chooseHost(m, usableHosts(m, tx, pool.owner, datastore));
  if (!best)
    throw faults.noActiveHostInCluster(moref(tx.get(pool.owner)?.kind ?? 'ComputeResource', pool.owner));
  return { pool, host: best };
};

/** A VM folder on `ds` no other VM uses and no file a client put there: `name`, else `name_1`, `name_2`, ... */
export const freeDirectory = (m: Model, ds: DatastoreRecord, name: string): string => {
  const used = new Set<string>();
  for (const id of m.store.referrers('vm', ds.id)) {
    const path = parseDatastorePath((m.store.get(id) as VmRecord).config.vmPathName)?.path ?? '';
    used.add(path.slice(0, path.lastIndexOf('/')));
  }
  const taken = (dir: string) => used.has(dir) || m.store.get(datastoreFileId(ds.id, dir)) !== undefined;
  let dir = name;
  for (let n = 1; taken(dir); n++) dir = `${name}_${n}`;
  return dir;
};

/** A bare `[ds]` gets a folder named after the VM; a folder gets `<name>.vmx` in it. */
export const homePath = (m: Model, ds: DatastoreRecord, path: string, name: string): string => {
  if (path.endsWith('.vmx')) return datastorePath(ds.name, path);
  const dir = path === '' ? freeDirectory(m, ds, name) : path.replace(/\/+$/, '');
  return datastorePath(ds.name, `${dir}/${name}.vmx`);
};
