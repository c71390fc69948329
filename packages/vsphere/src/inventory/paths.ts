/**
 * Inventory paths (`/DC0/vm/DC0_H0_VM0`) and the ancestors operations need: the
 * datacenter of an entity, the compute resource of a host.
 */
import type { Store } from '../core/store.js';
import { ROOT_FOLDER } from './build.js';
import {
  type ComputeResourceRecord,
  childNameKey,
  type DatacenterRecord,
  type HostRecord,
  type InventoryRecord,
} from './records.js';

type Inventory = Pick<Store<InventoryRecord>, 'get' | 'firstReferrer'>;
/** What an ancestor walk reads: the store, or a transaction's view of it. */
type Records = Pick<Inventory, 'get'>;

/** Path elements escape `/` and `%` as vSphere does, so names with slashes stay addressable. */
const escapeName = (name: string) => name.replaceAll('%', '%25').replaceAll('/', '%2f');

export const inventoryPath = (store: Records, id: string): string => {
  const parts: string[] = [];
  for (let r = store.get(id); r && r.id !== ROOT_FOLDER; r = r.parent ? store.get(r.parent) : undefined) {
    parts.push(escapeName(r.name));
  }
  return `/${parts.reverse().join('/')}`;
};

/** The child of `parent` named `name`, as SearchIndex.FindChild finds it. */
export const findChild = (store: Inventory, parent: string, name: string): InventoryRecord | undefined => {
  const child = store.firstReferrer('childNamed', childNameKey(parent, name));
  return child === undefined ? undefined : store.get(child);
};

export const findByInventoryPath = (store: Inventory, path: string): InventoryRecord | undefined => {
  let current = store.get(ROOT_FOLDER);
  for (const part of path.split('/').filter((p) => p !== '')) {
    if (!current) return undefined;
    current = findChild(store, current.id, part.replaceAll('%2f', '/').replaceAll('%25', '%'));
  }
  return current;
};

export const ancestor = <R extends InventoryRecord>(
  store: Records,
  id: string,
  kind: R['kind'],
): R | undefined => {
  for (let r = store.get(id); r; r = r.parent ? store.get(r.parent) : undefined)
    if (r.kind === kind) return r as R;
  return undefined;
};

export const datacenterOf = (store: Records, id: string): DatacenterRecord | undefined =>
  ancestor<DatacenterRecord>(store, id, 'Datacenter');

/** A host's parent is its compute resource (standalone or cluster). */
export const computeResourceOf = (store: Records, host: HostRecord): ComputeResourceRecord | undefined =>
  host.parent ? (store.get(host.parent) as ComputeResourceRecord | undefined) : undefined;
