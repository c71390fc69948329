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
  INSTANCE_UUID,
  type InventoryRecord,
  type VmRecord,
} from './records.js';

type Inventory = Pick<Store<InventoryRecord>, 'get' | 'firstReferrer' | 'referrers'>;
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

/** The datacenter a VM or host is in: a VM in a vApp may have no folder, its pool tells. */
export const datacenterHolding = (store: Records, r: InventoryRecord): DatacenterRecord | undefined =>
  datacenterOf(store, r.parent ? r.id : ((r as VmRecord).pool ?? r.id));

/**
 * The VMs (templates too) whose instance UUID is `uuid`, in any case, of the datacenter `datacenter`
 * names when it names one (asked only when some VM has the UUID): an index lookup, as vm-operator
 * looks up by instance UUID every VM it reconciles.
 */
export const vmsWithInstanceUuid = (
  store: Inventory,
  uuid: string,
  datacenter: () => string | undefined = () => undefined,
): VmRecord[] => {
  const ids = store.referrers(INSTANCE_UUID, uuid.toLowerCase());
  if (ids.size === 0) return [];
  const dc = datacenter();
  const found: VmRecord[] = [];
  for (const id of ids) {
    const vm = store.get(id) as VmRecord;
    if (dc === undefined || datacenterHolding(store, vm)?.id === dc) found.push(vm);
  }
  return found;
};

/** A host's parent is its compute resource (standalone or cluster). */
export const computeResourceOf = (store: Records, host: HostRecord): ComputeResourceRecord | undefined =>
  host.parent ? (store.get(host.parent) as ComputeResourceRecord | undefined) : undefined;
