/**
 * The garbage collector and the namespace controller, as the API server's controllers
 * behave, run to completion after each write (so results are visible as soon as the
 * call returns, and deterministic):
 * - a dependent whose owners are all gone is deleted (Background); one that still has
 *   an owner loses only the references to the owners that are gone; one with a reference the
 *   collector cannot resolve (a kind not served, a namespaced owner of a cluster-scoped
 *   object) is left as it is;
 * - an owner with the `foregroundDeletion` finalizer has its dependents deleted and keeps
 *   the finalizer until no dependent with `blockOwnerDeletion` is left;
 * - an owner with the `orphan` finalizer has its references removed from its dependents,
 *   then loses the finalizer;
 * - a terminating Namespace has its content deleted, then its `kubernetes` spec finalizer
 *   removed, then goes.
 */
import { kindKey } from './kinds.js';
import {
  clone,
  deepEqual,
  FOREGROUND_FINALIZER,
  type KubeObject,
  NAMESPACE_FINALIZER,
  ORPHAN_FINALIZER,
  type OwnerReference,
  parseApiVersion,
} from './meta.js';
import { type KubeRecord, NAMESPACE_KEY, type ObjectRecords } from './records.js';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface GcHost {
  readonly records: ObjectRecords;
  /** Writes a new state of a record (removing it when it is deleting and has no finalizers left). */
  commit(before: KubeRecord, next: KubeObject): void;
  /** Deletes a record as a DELETE call with this propagation policy would. */
  deleteRecord(record: KubeRecord, policy: PropagationPolicy): void;
  /** Whether the objects of a kind (by key) are namespaced; undefined for a kind not served. */
  isNamespaced(kindKey: string): boolean | undefined;
  /** A kind's resource as the namespace controller names it, `<plural>.<group>` (`configmaps.`). */
  resourceOf(kindKey: string): string;
  /** The time now, as stored. */
  now(): string;
}

interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** The namespace controller's conditions that report nothing wrong, in its order. */
const CONTENT_DELETED: readonly Omit<NamespaceCondition, 'lastTransitionTime'>[] = [
  {
    type: 'NamespaceDeletionDiscoveryFailure',
    status: 'False',
    reason: 'ResourcesDiscovered',
    message: 'All resources successfully discovered',
  },
  {
    type: 'NamespaceDeletionGroupVersionParsingFailure',
    status: 'False',
    reason: 'ParsedGroupVersions',
    message: 'All legacy kube types successfully parsed',
  },
  {
    type: 'NamespaceDeletionContentFailure',
    status: 'False',
    reason: 'ContentDeleted',
    message: 'All content successfully deleted, may be waiting on finalization',
  },
];

/** `<key> <word> <n> resource instances`, by key, comma separated, as the namespace controller counts. */
const counted = (counts: Map<string, number>, word: string): string =>
  [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, n]) => `${key} ${word} ${n} resource instances`)
    .join(', ');

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

const first = <T>(set: ReadonlySet<T>): T | undefined => {
  for (const v of set) return v;
  return undefined;
};

const without = <T>(list: readonly T[] | undefined, drop: (v: T) => boolean) =>
  (list ?? []).filter((v) => !drop(v));

export class GarbageCollector {
  readonly #host: GcHost;
  readonly #queue = new Set<string>();
  #draining = false;

  constructor(host: GcHost) {
    this.#host = host;
  }

  /** Tells the collector what a write changed; `drain()` then does the work. */
  noteWrite(before: KubeRecord | undefined, after: KubeRecord | undefined): void {
    const store = this.#host.records;
    const record = after ?? before;
    if (!record) return;
    const uid = record.object.metadata.uid;
    // Whether the dependent's owners may have changed: it is new or gone, or its list was
    // rewritten (stored objects never change in place, so a list kept is the same array).
    const owners = after?.object.metadata.ownerReferences;
    const ownersChanged = !after || owners !== before?.object.metadata.ownerReferences;
    // Owners in a foreground deletion wait for this dependent to go or let go of them.
    if (ownersChanged) {
      this.#ownersWait(before);
      this.#ownersWait(after);
    }
    if (after) {
      // Its owners' own changes queue it too: a write that keeps its owners needs no check.
      if ((owners?.length && ownersChanged) || after.object.metadata.deletionTimestamp)
        this.#queue.add(after.id);
      if (after.object.metadata.deletionTimestamp) {
        if (uid) for (const dependent of store.dependentsOf(uid)) this.#queue.add(dependent);
        // Its namespace, if terminating, reports what remains again.
        this.#namespaceWaits(record);
      }
    } else {
      // Gone: its dependents may now be dangling, its namespace may now be empty.
      if (uid) for (const dependent of store.dependentsOf(uid)) this.#queue.add(dependent);
      this.#namespaceWaits(record);
    }
  }

  /** Queues the record's namespace when it is terminating: it waits on its content. */
  #namespaceWaits(record: KubeRecord): void {
    if (!record.namespace) return;
    const ns = this.#host.records.get(NAMESPACE_KEY, '', record.namespace);
    if (ns?.object.metadata.deletionTimestamp) this.#queue.add(ns.id);
  }

  /**
   * Queues the deleting owners a state names: they may be waiting on this dependent. One not
   * deleting has nothing to do (its own owners going queue it).
   */
  #ownersWait(record: KubeRecord | undefined): void {
    if (!record) return;
    for (const ref of record.object.metadata.ownerReferences ?? []) {
      const owner = this.#owner(record, ref);
      if (owner?.object.metadata.deletionTimestamp) this.#queue.add(owner.id);
    }
  }

  /** Runs until nothing is left to do. Re-entrant calls (from its own writes) return at once. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.size > 0) {
        const id = first(this.#queue) as string;
        this.#queue.delete(id);
        this.#attempt(id);
      }
    } finally {
      this.#draining = false;
    }
  }

  #attempt(id: string): void {
    const store = this.#host.records;
    let record = store.byId(id);
    if (!record) return;
    if (record.object.metadata.ownerReferences?.length) {
      this.#checkOwners(record);
      record = store.byId(id);
      if (!record) return;
    }
    if (!record.object.metadata.deletionTimestamp) return;
    if (record.kind === NAMESPACE_KEY) {
      this.#finalizeNamespace(record);
      return;
    }
    const finalizers = record.object.metadata.finalizers ?? [];
    if (finalizers.includes(ORPHAN_FINALIZER)) this.#orphan(record);
    else if (finalizers.includes(FOREGROUND_FINALIZER)) this.#foreground(record);
  }

  /**
   * The object an owner reference names, found as the API server's collector finds it: by
   * group, kind and name (a namespaced owner in its dependent's namespace), and then only
   * when its uid is the reference's.
   */
  #owner(record: KubeRecord, ref: OwnerReference): KubeRecord | undefined {
    const key = kindKey(parseApiVersion(ref.apiVersion).group, ref.kind);
    const namespaced = this.#host.isNamespaced(key);
    if (namespaced === undefined) return undefined;
    const owner = this.#host.records.get(key, namespaced ? record.namespace : '', ref.name);
    return owner?.object.metadata.uid === ref.uid ? owner : undefined;
  }

  /**
   * Whether the API server's collector can look the owner up at all: not when its kind is not
   * served (it retries the object for as long) nor when a cluster-scoped object names a
   * namespaced owner (it drops the object, reporting `OwnerRefInvalidNamespace`).
   */
  #resolvable(record: KubeRecord, ref: OwnerReference): boolean {
    const namespaced = this.#host.isNamespaced(kindKey(parseApiVersion(ref.apiVersion).group, ref.kind));
    return namespaced !== undefined && !(namespaced && record.namespace === '');
  }

  #checkOwners(record: KubeRecord): void {
    const refs = record.object.metadata.ownerReferences ?? [];
    // One reference it cannot resolve stops the collector's whole attempt: the object stays as it is.
    if (refs.some((ref) => !this.#resolvable(record, ref))) return;
    const solid: OwnerReference[] = [];
    const gone: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = this.#owner(record, ref);
      if (!owner) gone.push(ref);
      else if (
        owner.object.metadata.deletionTimestamp &&
        owner.object.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
      )
        gone.push(ref); // waiting for its dependents to go
      else solid.push(ref);
    }
    if (gone.length === 0) return;
    if (solid.length > 0) {
      const next = clone(record.object);
      next.metadata.ownerReferences = solid;
      this.#host.commit(record, next);
      return;
    }
    if (record.object.metadata.deletionTimestamp) return;
    const uid = record.object.metadata.uid;
    const hasDependents = uid !== undefined && this.#host.records.dependentsOf(uid).size > 0;
    const waiting = gone.some((ref) => this.#owner(record, ref) !== undefined);
    this.#host.deleteRecord(record, waiting && hasDependents ? 'Foreground' : 'Background');
  }

  #orphan(owner: KubeRecord): void {
    const store = this.#host.records;
    const uid = owner.object.metadata.uid as string;
    for (const id of [...store.dependentsOf(uid)]) {
      const dependent = store.byId(id);
      if (!dependent) continue;
      const next = clone(dependent.object);
      // An empty list is dropped as the write is stored.
      next.metadata.ownerReferences = without(next.metadata.ownerReferences, (r) => r.uid === uid);
      this.#host.commit(dependent, next);
    }
    this.#dropFinalizer(owner.id, ORPHAN_FINALIZER);
  }

  #foreground(owner: KubeRecord): void {
    const store = this.#host.records;
    const uid = owner.object.metadata.uid as string;
    // Dependents are deleted by their own owner check (they see this owner as waiting).
    for (const id of store.dependentsOf(uid)) this.#queue.add(id);
    // Only a reference that finds this owner blocks it (one that does not is dangling, and its
    // dependent goes on its own): the same test that queues owners again when dependents go.
    for (const id of store.dependentsOf(uid)) {
      const dependent = store.byId(id);
      const refs = dependent?.object.metadata.ownerReferences ?? [];
      if (
        refs.some(
          (r) => r.uid === uid && r.blockOwnerDeletion && this.#owner(dependent as KubeRecord, r) === owner,
        )
      )
        return;
    }
    this.#dropFinalizer(owner.id, FOREGROUND_FINALIZER);
  }

  #dropFinalizer(id: string, finalizer: string): void {
    const record = this.#host.records.byId(id);
    if (!record?.object.metadata.finalizers?.includes(finalizer)) return;
    const next = clone(record.object);
    next.metadata.finalizers = without(next.metadata.finalizers, (f) => f === finalizer);
    this.#host.commit(record, next);
  }

  #finalizeNamespace(ns: KubeRecord): void {
    const store = this.#host.records;
    const content = store.idsInNamespace(ns.name);
    for (const id of content) {
      const record = store.byId(id);
      if (record && !record.object.metadata.deletionTimestamp) this.#host.deleteRecord(record, 'Background');
    }
    const remaining = store.idsInNamespace(ns.name);
    if (remaining.length > 0) {
      this.#reportRemaining(ns.id, remaining);
      return;
    }
    const current = store.byId(ns.id);
    if (!current) return;
    const next = clone(current.object);
    const spec = next.spec as { finalizers?: string[] } | undefined;
    if (spec?.finalizers) spec.finalizers = without(spec.finalizers, (f) => f === NAMESPACE_FINALIZER);
    // Goes once no finalizer of either kind is left.
    this.#host.commit(current, next);
  }

  /**
   * The namespace controller's conditions while content waits on its finalizers: what remains by
   * resource, and by finalizer. A condition's time moves when its status does.
   */
  #reportRemaining(id: string, remaining: readonly string[]): void {
    const store = this.#host.records;
    const ns = store.byId(id);
    if (!ns) return;
    const resources = new Map<string, number>();
    const finalizers = new Map<string, number>();
    for (const contentId of remaining) {
      const record = store.byId(contentId);
      if (!record) continue;
      increment(resources, this.#host.resourceOf(record.kind));
      for (const finalizer of record.object.metadata.finalizers ?? []) increment(finalizers, finalizer);
    }
    const wanted: Omit<NamespaceCondition, 'lastTransitionTime'>[] = [
      ...CONTENT_DELETED,
      {
        type: 'NamespaceContentRemaining',
        status: 'True',
        reason: 'SomeResourcesRemain',
        message: `Some resources are remaining: ${counted(resources, 'has')}`,
      },
      finalizers.size > 0
        ? {
            type: 'NamespaceFinalizersRemaining',
            status: 'True',
            reason: 'SomeFinalizersRemain',
            message: `Some content in the namespace has finalizers remaining: ${counted(finalizers, 'in')}`,
          }
        : {
            type: 'NamespaceFinalizersRemaining',
            status: 'False',
            reason: 'ContentHasNoFinalizers',
            message: 'All content-preserving finalizers finished',
          },
    ];
    const status = (ns.object.status ?? {}) as { conditions?: NamespaceCondition[] };
    const before = status.conditions ?? [];
    const conditions = wanted.map((condition) => {
      const was = before.find((c) => c.type === condition.type);
      const lastTransitionTime =
        was?.lastTransitionTime && was.status === condition.status
          ? was.lastTransitionTime
          : this.#host.now();
      return { ...condition, lastTransitionTime };
    });
    if (deepEqual(before, conditions)) return;
    this.#host.commit(ns, { ...ns.object, status: { ...status, conditions } });
  }
}
