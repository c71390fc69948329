/**
 * What one PropertyFilter last reported, and the updates since. A filter keeps the
 * objects it matched and the last value of each requested property; on each check it
 * re-reads only objects whose records changed (or that derive from ones that did, see
 * `summarize`) and re-runs its traversals only when the inventory's shape changed or
 * a traversed object did, then diffs by deep equality.
 */
import type { Batch } from '../core/store.js';
import { faults } from '../faults.js';
import type {
  ComputeResourceRecord,
  HostRecord,
  InventoryRecord,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import { movesReservations } from '../objects/reservations.js';
import type { ReadContext } from '../properties/context.js';
import { type MoRef, moref } from '../refs.js';
import { changesBetween } from './diff.js';
import {
  localizedFault,
  type MissingObject,
  type MissingProperty,
  type ObjectUpdate,
  type PropertyFilterUpdate,
} from './results.js';
import { type Content, type Reads, readContent, selectObjects } from './select.js';
import type { CompiledSpec } from './spec.js';

export interface ChangeSummary {
  /** Ids whose properties may have changed: changed records and the objects deriving from them. */
  readonly dirty: ReadonlySet<string>;
  /** True when objects came, went or moved, so traversals may reach other objects. */
  readonly structural: boolean;
}

type Inventory = ReadContext['store'];

/**
 * Marks a compute resource and every pool of it, once per summary (`trees`): what a pool holds and
 * has left derives from its whole tree's reservations and its hosts (see objects/reservations.ts).
 */
const markPoolTree = (
  store: Inventory,
  owner: string | undefined,
  dirty: Set<string>,
  trees: Set<string>,
) => {
  if (owner === undefined || trees.has(owner)) return;
  trees.add(owner);
  dirty.add(owner);
  const root = (store.get(owner) as ComputeResourceRecord | undefined)?.resourcePool;
  const pending = root === undefined ? [] : [root];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    dirty.add(id);
    for (const child of store.referrers('childEntity', id)) {
      const kind = store.get(child)?.kind;
      if (kind === 'ResourcePool' || kind === 'VirtualApp') pending.push(child);
    }
  }
};

/** The compute resource whose pool tree a change moves reservations or capacity in, if it does. */
const poolTreeMoved = (
  store: Inventory,
  before: InventoryRecord | undefined,
  after: InventoryRecord | undefined,
): string | undefined => {
  const r = after ?? before;
  if (r?.kind === 'HostSystem') {
    const [was, now] = [before as HostRecord | undefined, after as HostRecord | undefined];
    const moved =
      was?.connectionState !== now?.connectionState || was?.inMaintenanceMode !== now?.inMaintenanceMode;
    return moved ? r.parent : undefined;
  }
  if (!movesReservations(before, after)) return undefined;
  if (r?.kind === 'VirtualMachine') {
    const pool = (after as VmRecord | undefined)?.pool ?? (before as VmRecord | undefined)?.pool;
    return (store.get(pool ?? '') as ResourcePoolRecord | undefined)?.owner;
  }
  return (r as ResourcePoolRecord).owner;
};

/** Marks what derives from `r`: its ancestors (summaries, datacenter lists) and its relatives. */
const markDependents = (store: Inventory, r: InventoryRecord | undefined, dirty: Set<string>) => {
  if (!r) return;
  for (let p = r.parent; p !== undefined; p = store.get(p)?.parent) dirty.add(p);
  const add = (id: string | undefined) => id !== undefined && dirty.add(id);
  switch (r.kind) {
    case 'VirtualMachine':
      add(r.host);
      add(r.pool);
      add(r.parentVApp);
      break;
    case 'DistributedVirtualPortgroup':
      add(r.dvs);
      break;
    case 'Task':
      add(r.entity);
      add('TaskManager');
      break;
  }
};

export const summarize = (store: Inventory, batches: readonly Batch<InventoryRecord>[]): ChangeSummary => {
  const dirty = new Set<string>();
  const trees = new Set<string>();
  let structural = false;
  for (const batch of batches) {
    for (const change of batch.changes) {
      dirty.add(change.id);
      const kind = (change.after ?? change.before)?.kind;
      // Tasks come and go with every operation and are reached only through TaskManager.
      if ((change.referrers?.length ?? 0) > 0 || (change.op !== 'modify' && kind !== 'Task'))
        structural = true;
      markDependents(store, change.before, dirty);
      if (change.after !== change.before) markDependents(store, change.after, dirty);
      markPoolTree(store, poolTreeMoved(store, change.before, change.after), dirty, trees);
    }
  }
  return { dirty, structural };
};

interface Reported {
  readonly ref: MoRef;
  values: ReadonlyMap<string, unknown>;
  missing: ReadonlySet<string>;
}

const missingSetOf = (content: Content, only?: ReadonlySet<string>): MissingProperty[] => {
  const out: MissingProperty[] = [];
  for (const [path, fault] of content.missing)
    if (!only?.has(path)) out.push({ path, fault: localizedFault(fault) });
  return out;
};

const intersects = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const id of small) if (large.has(id)) return true;
  return false;
};

const isView = (r: InventoryRecord) => r.kind === 'ContainerView' || r.kind === 'ListView';

export class FilterState {
  readonly ref: MoRef;
  readonly spec: CompiledSpec;
  readonly partialUpdates: boolean;
  #reported = new Map<string, Reported>();
  /** Ids selected at the last check; undefined until the first one. */
  #selected: string[] | undefined;
  #sources = new Set<string>();
  #missingRoots = new Set<string>();

  constructor(ref: MoRef, spec: CompiledSpec, partialUpdates: boolean) {
    this.ref = ref;
    this.spec = spec;
    this.partialUpdates = partialUpdates;
  }

  /** Forgets what was reported: the next update reports everything as entering. */
  reset(): void {
    this.#reported.clear();
    this.#selected = undefined;
    this.#sources.clear();
    this.#missingRoots.clear();
  }

  /** The updates since the last call; `changes` undefined means "anything may have changed". */
  update(ctx: ReadContext, changes: ChangeSummary | undefined): PropertyFilterUpdate | undefined {
    const full = changes === undefined || this.#selected === undefined;
    const reads: Reads = new Map();
    const objectSet: ObjectUpdate[] = [];
    const missingSet: MissingObject[] = [];
    let records: Iterable<InventoryRecord>;
    const reselect = full || changes.structural || intersects(changes.dirty, this.#sources);
    if (reselect) {
      const selection = selectObjects(ctx, this.spec, reads);
      this.#sources = selection.sources;
      this.#selected = [...selection.objects.keys()];
      records = selection.objects.values();
      this.#reportLeaves(selection.objects, objectSet);
      this.#reportMissingRoots(selection.missing, missingSet);
    } else {
      records = (this.#selected ?? []).flatMap((id) => ctx.store.get(id) ?? []);
    }
    for (const record of records) {
      const prev = this.#reported.get(record.id);
      if (prev && !full && !changes?.dirty.has(record.id) && !(reselect && isView(record))) continue;
      const content = readContent(ctx, record, this.spec.propSet, reads);
      if (!content) continue;
      const update = prev ? this.#modify(prev, content) : this.#enter(record, content);
      if (update) objectSet.push(update);
    }
    if (objectSet.length === 0 && missingSet.length === 0) return undefined;
    return { filter: this.ref, objectSet, missingSet };
  }

  #reportLeaves(selected: ReadonlyMap<string, unknown>, out: ObjectUpdate[]) {
    for (const [id, r] of this.#reported) {
      if (selected.has(id)) continue;
      out.push({ kind: 'leave', obj: r.ref, changeSet: [], missingSet: [] });
      this.#reported.delete(id);
    }
  }

  #reportMissingRoots(missing: readonly MoRef[], out: MissingObject[]) {
    const now = new Set<string>();
    for (const obj of missing) {
      now.add(obj.value);
      if (!this.#missingRoots.has(obj.value))
        out.push({ obj, fault: localizedFault(faults.managedObjectNotFound(obj)) });
    }
    this.#missingRoots = now;
  }

  #enter(record: InventoryRecord, content: Content): ObjectUpdate {
    const ref = moref(record.kind, record.id);
    this.#reported.set(record.id, { ref, values: content.values, missing: new Set(content.missing.keys()) });
    return {
      kind: 'enter',
      obj: ref,
      changeSet: [...content.values].map(([name, val]) => ({ name, op: 'assign', val })),
      missingSet: missingSetOf(content),
    };
  }

  #modify(prev: Reported, content: Content): ObjectUpdate | undefined {
    const changeSet = changesBetween(prev.values, content.values, this.partialUpdates, (path) =>
      content.missing.has(path),
    );
    const missingSet = missingSetOf(content, prev.missing);
    prev.values = content.values;
    prev.missing = new Set(content.missing.keys());
    if (changeSet.length === 0 && missingSet.length === 0) return undefined;
    return { kind: 'modify', obj: prev.ref, changeSet, missingSet };
  }
}
