/**
 * What views show, derived on every read so a view is always current: a ContainerView
 * walks the inventory under its container the way vCenter does (folders, a
 * datacenter's four folders, a compute resource's hosts and root pool, a pool's child
 * pools, vApps and VMs, a host's VMs); a ListView lists the objects still there.
 */
import type { Store } from '../core/store.js';
import { ENTITY_TYPES, isA } from '../inventory/managed-types.js';
import type { ContainerViewRecord, InventoryRecord, ListViewRecord } from '../inventory/records.js';
import type { PropertyTable } from '../properties/context.js';
import { type MoRef, moref } from '../refs.js';
import { ownedByAnother } from './objects.js';

type Inventory = Pick<Store<InventoryRecord>, 'get' | 'referrers' | 'idsOf'>;

const referrersOfKind = (store: Inventory, relation: string, id: string, ...kinds: string[]): string[] => {
  const out: string[] = [];
  for (const child of store.referrers(relation, id)) {
    const kind = store.get(child)?.kind;
    if (kind !== undefined && kinds.some((k) => isA(kind, k))) out.push(child);
  }
  return out;
};

/** The entities directly inside `record`, in the order vCenter lists them. */
export const childrenOf = (store: Inventory, record: InventoryRecord): readonly string[] => {
  switch (record.kind) {
    case 'Folder':
    case 'StoragePod':
      return referrersOfKind(store, 'childEntity', record.id, 'ManagedEntity');
    case 'Datacenter':
      return [record.vmFolder, record.hostFolder, record.datastoreFolder, record.networkFolder];
    case 'ComputeResource':
    case 'ClusterComputeResource':
      return [...referrersOfKind(store, 'childEntity', record.id, 'HostSystem'), record.resourcePool];
    case 'ResourcePool':
    case 'VirtualApp':
      return [
        ...referrersOfKind(store, 'childEntity', record.id, 'ResourcePool'),
        ...referrersOfKind(store, 'vm', record.id, 'VirtualMachine'),
      ];
    case 'HostSystem':
      return referrersOfKind(store, 'vm', record.id, 'VirtualMachine');
    default:
      return [];
  }
};

/** The concrete kinds a type list admits; an empty list admits every entity. */
const admittedKinds = (types: readonly string[]): ReadonlySet<string> | undefined =>
  types.length === 0 ? undefined : new Set(ENTITY_TYPES.filter((kind) => types.some((t) => isA(kind, t))));

/** The objects a ContainerView shows now: depth first, each object once. */
export const containerViewContents = (store: Inventory, view: ContainerViewRecord): MoRef[] => {
  const root = store.get(view.container);
  if (!root) return [];
  const admitted = admittedKinds(view.type);
  const seen = new Set<string>();
  const out: MoRef[] = [];
  const walk = (record: InventoryRecord) => {
    for (const id of childrenOf(store, record)) {
      if (seen.has(id)) continue;
      seen.add(id);
      const child = store.get(id);
      if (!child) continue;
      if (!admitted || admitted.has(child.kind)) out.push(moref(child.kind, id));
      if (view.recursive) walk(child);
    }
  };
  walk(root);
  return out;
};

interface CachedContents {
  readonly version: number;
  readonly view: ContainerViewRecord;
  readonly contents: readonly MoRef[];
}

/**
 * A view's contents at one store version: records are immutable and every commit moves
 * the version, so until then a client polling the view gets the same answer unwalked.
 */
const contentsCache = new WeakMap<Inventory, Map<string, CachedContents>>();

const cachedContents = (store: Store<InventoryRecord>, view: ContainerViewRecord): readonly MoRef[] => {
  let byView = contentsCache.get(store);
  if (!byView) {
    byView = new Map();
    contentsCache.set(store, byView);
  }
  const hit = byView.get(view.id);
  if (hit && hit.version === store.version && hit.view === view) return hit.contents;
  // frozen because every reader of this version shares the one array
  const contents = Object.freeze(containerViewContents(store, view).map((ref) => Object.freeze(ref)));
  if (byView.size >= 256 && !hit) byView.clear();
  byView.set(view.id, { version: store.version, view, contents });
  return contents;
};

export const containerViewProperties: PropertyTable<ContainerViewRecord> = {
  view: (v, ctx) => cachedContents(ctx.store, v),
  container: (v, ctx) => {
    const r = ctx.store.get(v.container);
    return r ? moref(r.kind, r.id) : undefined;
  },
  type: (v) => v.type,
  recursive: (v) => v.recursive,
};

export const listViewProperties: PropertyTable<ListViewRecord> = {
  view: (v, ctx) =>
    v.objects.flatMap((id) => {
      const r = ctx.store.get(id);
      return r ? [moref(r.kind, id)] : [];
    }),
};

/** ViewManager.viewList: the views the caller may see (another session's are its own). */
export const viewList = (store: Inventory, sessionKey: string | undefined): MoRef[] => {
  const out: MoRef[] = [];
  for (const kind of ['ContainerView', 'ListView'])
    for (const id of store.idsOf(kind)) {
      const view = store.get(id);
      if (view && !ownedByAnother(view, sessionKey)) out.push(moref(kind, id));
    }
  return out;
};
