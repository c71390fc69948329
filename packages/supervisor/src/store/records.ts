/**
 * How Kubernetes objects sit in the versioned record store: one record per object, keyed
 * by kind, namespace and name, with reverse indexes for owners and namespaces (the garbage
 * collector keeps the uids).
 */
import { flat, type StoredRecord } from '@vsim/vsphere';
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

/** Dependents: records with an ownerReference whose uid is the target. */
export const BY_OWNER = 'owner';
/** Records in the namespace named by the target. */
export const BY_NAMESPACE = 'namespace';

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

export function kubeRelations(record: KubeRecord): (readonly [string, string])[] {
  const meta = record.object.metadata;
  const out: (readonly [string, string])[] = [];
  for (const ref of meta.ownerReferences ?? []) out.push([BY_OWNER, ref.uid]);
  if (record.namespace) out.push([BY_NAMESPACE, record.namespace]);
  return out;
}

/**
 * Whether two states of a record have the same relations, judged cheaply: the same
 * namespace and the same list of owners (a write that keeps the metadata's owners keeps the list).
 */
export const sameKubeRelations = (before: KubeRecord, after: KubeRecord): boolean =>
  before.namespace === after.namespace &&
  before.object.metadata.ownerReferences === after.object.metadata.ownerReferences;

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
