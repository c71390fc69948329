/**
 * The versioned record store under the model (and, later, the supervisor's object store).
 *
 * Records are immutable plain objects keyed by id. A transaction buffers its writes and
 * commits them as one batch with one new version, or not at all if it throws: a failed
 * operation leaves the state as it was. Listeners (property collector filters, watches,
 * controller queues) see whole batches. Back-references are reverse indexes kept here,
 * so a host never holds a copy of the array of its VMs.
 */
import { getOrInsert } from './maps.js';
import { Ring } from './ring.js';

export interface StoredRecord {
  readonly id: string;
  readonly kind: string;
}

/** Names the forward references of a record: `[relation, targetId]` pairs, in a fresh array. */
export type RelationsOf<R> = (record: R) => (readonly [relation: string, target: string])[];

export interface Change<R> {
  readonly id: string;
  readonly op: 'enter' | 'modify' | 'leave';
  readonly before: R | undefined;
  readonly after: R | undefined;
  /** Relations whose referrer sets changed for this record (e.g. a host gained a VM). */
  readonly referrers?: readonly string[];
}

export interface Batch<R> {
  readonly version: number;
  readonly changes: readonly Change<R>[];
}

/**
 * The batches of a feed committed after `version` (the feed's last being `current`), or
 * undefined when that history fell off the feed.
 */
export function batchesSince<R>(
  feed: Iterable<Batch<R>>,
  version: number,
  current: number,
): Batch<R>[] | undefined {
  if (version >= current) return [];
  const out: Batch<R>[] = [];
  for (const batch of feed) if (batch.version > version) out.push(batch);
  if (out[0]?.version !== version + 1) return undefined;
  return out;
}

export type Listener<R> = (batch: Batch<R>) => void;

/** The order of one referrer set: `[relation, target, referrer ids]`. */
export type ReferrerOrder = readonly [relation: string, target: string, ids: readonly string[]];

export interface StoreOptions<R> {
  relations?: RelationsOf<R>;
  /**
   * A cheap test that two states of a record have the same relations, so that a write that
   * keeps them (most do) skips listing them twice. Without it they are always compared.
   */
  sameRelations?: (before: R, after: R) => boolean;
  /** How many committed batches `changesSince` can still return. */
  feedSize?: number;
}

export interface TransactOptions {
  /**
   * Commits without recording changes (building or loading a whole inventory): the
   * version moves on, and older versions are no longer in the feed. Only for a store
   * that nobody listens to yet.
   */
  bulk?: boolean;
}

const EMPTY: ReadonlySet<string> = new Set();
const NO_CHANGES: Change<never>[] = [];
const newSet = () => new Set<string>();
const newMap = () => new Map<string, Referrers>();

/**
 * The records pointing at one target: the id of the only one, or a set of several. Many
 * targets have one referrer (a name under its parent, a tag of one object): no set for them.
 */
type Referrers = string | Set<string>;

/** Where the change of `id` is among the first `count` changes. */
function indexOf(changes: readonly Change<StoredRecord>[], id: string, count: number): number | undefined {
  for (let i = 0; i < count; i++) if ((changes[i] as Change<StoredRecord>).id === id) return i;
  return undefined;
}

export class Store<R extends StoredRecord> {
  #records = new Map<string, R>();
  #byKind = new Map<string, Set<string>>();
  /** relation -> target id -> the records that point at it */
  #referrers = new Map<string, Map<string, Referrers>>();
  #relationsOf: RelationsOf<R>;
  #sameRelations: ((before: R, after: R) => boolean) | undefined;
  /** The writes of the commit under way, and the referrer changes it makes (commits never nest). */
  #pending: Map<string, R | null> | undefined;
  /** Per target whose referrers the commit under way changed: the relations, a handful each. */
  readonly #touched = new Map<string, string[]>();
  readonly #scratch: Change<R>[] = [];
  #listeners = new Set<Listener<R>>();
  #feed: Ring<Batch<R>>;
  #version = 0;
  #open = false;

  constructor(options: StoreOptions<R> = {}) {
    this.#relationsOf = options.relations ?? (() => []);
    this.#sameRelations = options.sameRelations;
    this.#feed = new Ring(options.feedSize ?? 1024);
  }

  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#records.size;
  }

  get(id: string): R | undefined {
    return this.#records.get(id);
  }

  has(id: string): boolean {
    return this.#records.has(id);
  }

  /** Ids of every record of one kind, in insertion order. */
  idsOf(kind: string): ReadonlySet<string> {
    return this.#byKind.get(kind) ?? EMPTY;
  }

  *ofKind<K extends R = R>(kind: string): IterableIterator<K> {
    for (const id of this.idsOf(kind)) yield this.#records.get(id) as K;
  }

  countOf(kind: string): number {
    return this.#byKind.get(kind)?.size ?? 0;
  }

  values(): IterableIterator<R> {
    return this.#records.values();
  }

  /** Ids of the records whose `relation` points at `target`, in the order they joined. */
  referrers(relation: string, target: string): ReadonlySet<string> {
    const entry = this.#referrers.get(relation)?.get(target);
    return entry === undefined ? EMPTY : typeof entry === 'string' ? new Set([entry]) : entry;
  }

  /** How many records' `relation` points at `target`. */
  referrerCount(relation: string, target: string): number {
    const entry = this.#referrers.get(relation)?.get(target);
    return entry === undefined ? 0 : typeof entry === 'string' ? 1 : entry.size;
  }

  /** The first record whose `relation` points at `target`, if any. */
  firstReferrer(relation: string, target: string): string | undefined {
    const entry = this.#referrers.get(relation)?.get(target);
    if (typeof entry !== 'object') return entry;
    for (const id of entry) return id;
    return undefined;
  }

  subscribe(listener: Listener<R>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Batches committed after `version`, or undefined when that history fell off the feed. */
  changesSince(version: number): Batch<R>[] | undefined {
    return batchesSince(this.#feed, version, this.#version);
  }

  /**
   * Runs `work` against a transaction and commits its writes as one batch. Nothing is
   * applied when `work` throws. Transactions do not nest: an operation is one transaction.
   */
  transact<T>(work: (tx: Transaction<R>) => T, options: TransactOptions = {}): T {
    if (this.#open) throw new Error('a transaction is already open');
    if (options.bulk && this.#listeners.size > 0)
      throw new Error('a bulk transaction needs a store nobody listens to');
    this.#open = true;
    const tx = new Transaction(this);
    try {
      const result = work(tx);
      this.#commit(tx.writes, options.bulk ?? false);
      return result;
    } finally {
      this.#open = false;
    }
  }

  #commit(writes: Map<string, R | null>, bulk: boolean): void {
    if (writes.size === 0) return;
    const changes = this.#beginCommit(bulk);
    this.#pending = writes;
    // Keys, not entries: an entry is an array per write.
    for (const id of writes.keys()) this.#apply(id, writes.get(id) as R | null, changes, bulk);
    this.#pending = undefined;
    this.#endCommit(changes, bulk);
  }

  /** The list a commit gathers its changes in. */
  #beginCommit(bulk: boolean): Change<R>[] {
    // A bulk load records no changes: it is a new starting point, not history. Others are
    // gathered in a scratch list and copied out at their size: the feed keeps each batch a while.
    const changes: Change<R>[] = bulk ? NO_CHANGES : this.#scratch;
    // Empty already, unless a commit failed half way.
    if (!bulk) changes.length = 0;
    // Map#clear makes a new table even for an empty map: most commits touch nothing.
    if (this.#touched.size > 0) this.#touched.clear();
    return changes;
  }

  #apply(id: string, after: R | null, changes: Change<R>[], bulk: boolean): void {
    const before = this.#records.get(id);
    if (after === null) {
      if (!before) return;
      this.#records.delete(id);
      this.#byKind.get(before.kind)?.delete(id);
      if (!bulk) changes.push({ id, op: 'leave', before, after: undefined });
    } else {
      if (before === after) return;
      this.#records.set(id, after);
      if (!before) getOrInsert(this.#byKind, after.kind, newSet).add(id);
      if (!bulk) changes.push({ id, op: before ? 'modify' : 'enter', before, after });
    }
    this.#reindex(id, before, after ?? undefined);
  }

  #endCommit(changes: Change<R>[], bulk: boolean): void {
    if (bulk) {
      this.#version++;
      this.#feed = new Ring(this.#feed.capacity);
      return;
    }
    this.#markTouched(changes);
    if (changes.length === 0) return;
    const batch: Batch<R> = { version: ++this.#version, changes: changes.slice() };
    changes.length = 0;
    this.#feed.push(batch);
    for (const listener of this.#listeners) listener(batch);
  }

  #reindex(id: string, before: R | undefined, after: R | undefined): void {
    if (before && after && this.#sameRelations?.(before, after)) return;
    const now = after ? this.#relationsOf(after) : [];
    if (!before) {
      // Inserts (most of building an inventory) have nothing to diff.
      for (const [relation, target] of now) this.#link(id, relation, target);
      return;
    }
    const old = this.#relationsOf(before);
    const fresh = now;
    // Most updates keep every relation (a status written, a VM powered on): nothing to move.
    if (old.length === fresh.length && old.every((r, i) => r[0] === fresh[i]?.[0] && r[1] === fresh[i]?.[1]))
      return;
    const key = (r: readonly [string, string]) => `${r[0]}\u0000${r[1]}`;
    const keep = new Set(fresh.map(key));
    const had = new Set(old.map(key));
    for (const rel of old) {
      if (keep.has(key(rel))) continue;
      this.#unlink(id, rel[0], rel[1]);
      this.#touch(rel[1], rel[0]);
    }
    for (const rel of fresh) if (!had.has(key(rel))) this.#link(id, rel[0], rel[1]);
  }

  #link(id: string, relation: string, target: string): void {
    const targets = getOrInsert(this.#referrers, relation, newMap);
    const entry = targets.get(target);
    if (entry === undefined) targets.set(target, id);
    else if (typeof entry !== 'string') entry.add(id);
    else if (entry !== id) targets.set(target, new Set([entry, id]));
    this.#touch(target, relation);
  }

  #unlink(id: string, relation: string, target: string): void {
    const targets = this.#referrers.get(relation);
    const entry = targets?.get(target);
    if (entry === id) targets?.delete(target);
    else if (typeof entry === 'object') {
      entry.delete(id);
      if (entry.size === 0) targets?.delete(target);
    }
  }

  #touch(target: string, relation: string): void {
    // Only records are reported touched (see #markTouched): some targets are keys (a child's name).
    if (!this.#records.has(target) && !this.#pending?.has(target)) return;
    const relations = this.#touched.get(target);
    if (!relations) this.#touched.set(target, [relation]);
    else if (!relations.includes(relation)) relations.push(relation);
  }

  /** A target whose referrers changed is reported as modified, naming the relations. */
  #markTouched(changes: Change<R>[]): void {
    const touched = this.#touched;
    if (touched.size === 0) return;
    // Index the changes lazily, and only for a batch of many (an operation's batch has a few:
    // a search is cheaper).
    let index: Map<string, number> | undefined;
    const written = changes.length;
    for (const [target, referrers] of touched) {
      const record = this.#records.get(target);
      if (!record) continue;
      if (written > 16) index ??= new Map(changes.map((c, i) => [c.id, i]));
      const i = index ? index.get(target) : indexOf(changes, target, written);
      if (i === undefined)
        changes.push({ id: target, op: 'modify', before: record, after: record, referrers });
      else changes[i] = Object.assign({}, changes[i] as Change<R>, { referrers });
    }
  }

  /**
   * Replaces the whole content, as loading a saved state does; listeners are not told.
   * Referrer sets follow the records' order unless `referrerOrder` names another order
   * for a set (objects that moved joined their new parent's set last).
   */
  reset(records: Iterable<R>, version: number, referrerOrder: Iterable<ReferrerOrder> = []): void {
    // Built beside the content it replaces, which stays as it was if the order does not fit.
    const previous = { records: this.#records, byKind: this.#byKind, referrers: this.#referrers };
    this.#records = new Map();
    this.#byKind = new Map();
    this.#referrers = new Map();
    try {
      for (const record of records) {
        this.#records.set(record.id, record);
        getOrInsert(this.#byKind, record.kind, newSet).add(record.id);
        this.#reindex(record.id, undefined, record);
      }
      for (const [relation, target, ids] of referrerOrder) {
        const set = this.referrers(relation, target);
        if (set.size !== ids.length || !ids.every((id) => set.has(id)))
          throw new Error(`referrer order of ${relation} ${target} does not match the records`);
        // One referrer has no order to restore.
        if (ids.length > 1) this.#referrers.get(relation)?.set(target, new Set(ids));
      }
    } catch (error) {
      this.#records = previous.records;
      this.#byKind = previous.byKind;
      this.#referrers = previous.referrers;
      throw error;
    } finally {
      // A load reports nothing touched.
      this.#touched.clear();
    }
    this.#version = version;
    this.#feed = new Ring(this.#feed.capacity);
  }
}

/** The buffered writes of one transaction; reads see its own writes first. */
export class Transaction<R extends StoredRecord> {
  readonly writes = new Map<string, R | null>();
  readonly #store: Store<R>;

  constructor(store: Store<R>) {
    this.#store = store;
  }

  get(id: string): R | undefined {
    const w = this.writes.get(id);
    if (w === null) return undefined;
    return w ?? this.#store.get(id);
  }

  put(record: R): R {
    this.writes.set(record.id, record);
    return record;
  }

  /** Replaces a record with a shallow copy carrying `patch`. */
  update<K extends R>(id: string, patch: Partial<K>): K {
    const current = this.get(id);
    if (!current) throw new Error(`no record ${id}`);
    // Not a spread: on Node 20 `{ ...a, ...b }` gives every record a hidden class of its own.
    return this.put(Object.assign({}, current, patch) as K) as K;
  }

  remove(id: string): void {
    this.writes.set(id, null);
  }
}
