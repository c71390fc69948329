/**
 * How Kubernetes objects are stored: one record per object, by kind, namespace and name,
 * with the dependents of each owner and a feed of committed writes.
 */
import { type Batch, batchesSince, type Change, flat, Ring, type StoredRecord } from '@vsim/vsphere';
import type { KubeObject } from './meta.js';

export interface KubeRecord extends StoredRecord {
  /** `group/kind\0namespace\0name` */
  readonly id: string;
  /** The kind's key, `group/kind`. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The object in its kind's storage version; never handed out without a copy. */
  readonly object: KubeObject;
}

/** The kind key Namespaces are stored under (see KindInfo.key). */
export const NAMESPACE_KEY = '/Namespace';

export const recordId = (kindKey: string, namespace: string, name: string) =>
  flat(`${kindKey}\u0000${namespace}\u0000${name}`);

/**
 * Values by kind, namespace and name, in nested maps of the names themselves: a lookup
 * builds (and hashes) no joined key, which made up much of a read's cost. The object store
 * keeps its records so, and the VirtualMachine controller what its VMs read.
 */
export class ByName<V> {
  readonly #byKind = new Map<string, Map<string, Map<string, V>>>();

  get(kind: string, namespace: string, name: string): V | undefined {
    return this.#byKind.get(kind)?.get(namespace)?.get(name);
  }

  /** The values of one kind in one namespace ('' for cluster-scoped kinds), by name. */
  inNamespace(kind: string, namespace: string): ReadonlyMap<string, V> | undefined {
    return this.#byKind.get(kind)?.get(namespace);
  }

  /** Every namespace of a kind with its values by name. */
  namespacesOf(kind: string): ReadonlyMap<string, ReadonlyMap<string, V>> | undefined {
    return this.#byKind.get(kind);
  }

  kinds(): IterableIterator<string> {
    return this.#byKind.keys();
  }

  set(kind: string, namespace: string, name: string, value: V): void {
    let namespaces = this.#byKind.get(kind);
    if (!namespaces) {
      namespaces = new Map();
      this.#byKind.set(kind, namespaces);
    }
    let names = namespaces.get(namespace);
    if (!names) {
      names = new Map();
      namespaces.set(namespace, names);
    }
    names.set(name, value);
  }

  delete(kind: string, namespace: string, name: string): void {
    const namespaces = this.#byKind.get(kind);
    const names = namespaces?.get(namespace);
    if (!names?.delete(name) || names.size > 0) return;
    namespaces?.delete(namespace);
  }
}

/**
 * The object store's records: one per object, by kind, namespace and name; the dependents of
 * each owner uid; and the feed of committed writes, one batch each, that watches resume from.
 * What a generic record store would add (a map by id, reverse-index sets per namespace) is
 * derived here on demand: those reads are rare, and every write would pay for them.
 */
export class ObjectRecords {
  readonly #names = new ByName<KubeRecord>();
  /**
   * Ids of the records naming each owner uid: only objects with owners pay for an entry, and
   * an owner of one dependent (a VM of its NetworkInterface) holds its id, not a set.
   */
  readonly #dependents = new Map<string, string | Set<string>>();
  readonly #feed: Ring<Batch<KubeRecord>>;
  readonly #listeners = new Set<(batch: Batch<KubeRecord>) => void>();
  #version = 0;
  /** Set while a write's listeners run: a write from one of them is refused. */
  #committing = false;

  constructor(feedSize: number) {
    this.#feed = new Ring(feedSize);
  }

  get version(): number {
    return this.#version;
  }

  get(kind: string, namespace: string, name: string): KubeRecord | undefined {
    return this.#names.get(kind, namespace, name);
  }

  /** The record of an id (see recordId). */
  byId(id: string): KubeRecord | undefined {
    // Cut at the two separators: a split would make an array per lookup.
    const a = id.indexOf('\u0000');
    const b = id.indexOf('\u0000', a + 1);
    return a < 0 || b < 0 ? undefined : this.#names.get(id.slice(0, a), id.slice(a + 1, b), id.slice(b + 1));
  }

  /** The records of one kind in one namespace ('' for cluster-scoped kinds), by name. */
  inNamespace(kind: string, namespace: string): ReadonlyMap<string, KubeRecord> | undefined {
    return this.#names.inNamespace(kind, namespace);
  }

  *ofKind(kind: string): IterableIterator<KubeRecord> {
    const namespaces = this.#names.namespacesOf(kind);
    if (namespaces) for (const names of namespaces.values()) yield* names.values();
  }

  /** Ids of the records in a namespace, of every kind. */
  idsInNamespace(namespace: string): string[] {
    const ids: string[] = [];
    for (const kind of this.#names.kinds())
      for (const record of this.#names.inNamespace(kind, namespace)?.values() ?? []) ids.push(record.id);
    return ids;
  }

  /** Ids of the records with an owner reference to `uid`. */
  dependentsOf(uid: string): ReadonlySet<string> {
    const ids = this.#dependents.get(uid);
    return ids === undefined ? NO_IDS : typeof ids === 'string' ? new Set([ids]) : ids;
  }

  subscribe(listener: (batch: Batch<KubeRecord>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Batches committed after `version`, or undefined when that history fell off the feed. */
  changesSince(version: number): Batch<KubeRecord>[] | undefined {
    return batchesSince(this.#feed, version, this.#version);
  }

  /** Commits a new state of a record as a batch of its own. */
  put(after: KubeRecord): void {
    this.#commit(after, after);
  }

  /** Commits the removal of a record as a batch of its own. */
  remove(record: KubeRecord): void {
    this.#commit(record, undefined);
  }

  #commit(which: KubeRecord, after: KubeRecord | undefined): void {
    if (this.#committing) throw new Error('a transaction is already open');
    const before = this.#names.get(which.kind, which.namespace, which.name);
    if (before === after || (!before && !after)) return;
    if (after) this.#names.set(after.kind, after.namespace, after.name, after);
    else this.#names.delete(which.kind, which.namespace, which.name);
    const id = which.id;
    const owners = after?.object.metadata.ownerReferences;
    const ownersBefore = before?.object.metadata.ownerReferences;
    if (owners !== ownersBefore) {
      for (const ref of ownersBefore ?? []) this.#dropDependent(ref.uid, id);
      for (const ref of owners ?? []) this.#addDependent(ref.uid, id);
    }
    const change: Change<KubeRecord> = {
      id,
      op: !before ? 'enter' : after ? 'modify' : 'leave',
      before,
      after,
    };
    const batch: Batch<KubeRecord> = { version: ++this.#version, changes: [change] };
    this.#feed.push(batch);
    this.#committing = true;
    try {
      for (const listener of this.#listeners) listener(batch);
    } finally {
      this.#committing = false;
    }
  }

  #addDependent(uid: string, id: string): void {
    const ids = this.#dependents.get(uid);
    if (ids === undefined) this.#dependents.set(uid, id);
    else if (typeof ids !== 'string') ids.add(id);
    else if (ids !== id) this.#dependents.set(uid, new Set([ids, id]));
  }

  #dropDependent(uid: string, id: string): void {
    const ids = this.#dependents.get(uid);
    if (ids === id || (typeof ids === 'object' && ids.delete(id) && ids.size === 0))
      this.#dependents.delete(uid);
  }
}

const NO_IDS: ReadonlySet<string> = new Set();

/** Sort order of lists: namespace, then name. */
export const compareRecords = (
  a: { namespace: string; name: string },
  b: { namespace: string; name: string },
) =>
  a.namespace < b.namespace
    ? -1
    : a.namespace > b.namespace
      ? 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0;
