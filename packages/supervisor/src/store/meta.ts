/**
 * Kubernetes objects as plain JSON, and the object-metadata rules the API server applies.
 */

import {
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  isLabelValue,
  labelKeyProblems,
  labelValueProblems,
} from './names.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [field: string]: unknown;
}

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Names one object: `{ apiVersion, kind, namespace?, name }`. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

/** Finalizers the garbage collector owns. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';
/** The spec finalizer of a Namespace, removed once its content is gone. */
export const NAMESPACE_FINALIZER = 'kubernetes';

/**
 * A deep copy, as `structuredClone` makes it, done by hand for plain objects and arrays: those
 * are what Kubernetes objects are made of, and structuredClone costs several times more for
 * them (~14 µs for a VirtualMachine against ~2 µs). Anything else (a Date, a Map, a class
 * instance, a function that must fail, a cycle once deep) is left to structuredClone. A field
 * set to `undefined` is left out, as the JSON of the object would be without it.
 */
export const clone = <T>(value: T): T => copy(value, 0) as T;

/** Past this depth the rest goes to structuredClone, which copes with cycles. */
const MAX_COPY_DEPTH = 64;

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null)
    return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  if (depth > MAX_COPY_DEPTH) return structuredClone(value);
  if (Array.isArray(value)) {
    // Sized up front: one pushed onto [] gets room for 17 items, kept as long as the copy lives.
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  // for-in walks a fast object's cached keys; Object.keys would allocate an array each time.
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined || !Object.hasOwn(value, key)) continue;
    setField(out, key, copy(field, depth + 1));
  }
  return out;
}

/**
 * Sets a field of an object being built. An own `__proto__` key (JSON.parse makes one, and
 * client data may carry it) stays a key: assigned, it would set the object's prototype.
 */
export function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value;
}

/**
 * `{ ...base, ...a, ...b }` with Object.assign. On Node 20 an object literal that starts with
 * a spread and goes on gets a hidden class of its own once its site is warm (~0.5 KB more per
 * object, and slower to make); Object.assign shares them. An own `__proto__` key (possible
 * in what clients write) must stay a key, which only the spread does.
 */
export function merged<T extends object>(base: T, ...parts: readonly object[]): T {
  if (Object.hasOwn(base, '__proto__') || parts.some((part) => Object.hasOwn(part, '__proto__'))) {
    let out = { ...base };
    for (const part of parts) out = { ...out, ...part };
    return out;
  }
  return Object.assign({}, base, ...parts);
}

/** The object with one annotation set to `value`: the same object when it already has it. */
export function withAnnotation<T extends { metadata: { annotations?: Record<string, string> } }>(
  object: T,
  key: string,
  value: string,
): T {
  const annotations = object.metadata.annotations;
  if (annotations?.[key] === value) return object;
  return merged(object, {
    metadata: merged(object.metadata, { annotations: merged(annotations ?? {}, { [key]: value }) }),
  });
}

/** The object with one label set to `value`, or removed (undefined): the same object when it already is so. */
export function withLabel<T extends { metadata: { labels?: Record<string, string> } }>(
  object: T,
  key: string,
  value: string | undefined,
): T {
  const labels = object.metadata.labels;
  if (labels?.[key] === value) return object;
  const { [key]: _, ...others } = labels ?? {};
  const next = value === undefined ? others : merged(others, { [key]: value });
  return merged(object, { metadata: merged(object.metadata, { labels: next }) });
}

/** The object with the finalizer added (`present`) or removed; undefined when it already is so. */
export function withFinalizer<T extends KubeObject>(
  object: T,
  finalizer: string,
  present: boolean,
): T | undefined {
  const finalizers = object.metadata.finalizers ?? [];
  if (finalizers.includes(finalizer) === present) return undefined;
  const next = present ? [...finalizers, finalizer] : finalizers.filter((f) => f !== finalizer);
  return merged(object, { metadata: merged(object.metadata, { finalizers: next }) });
}

/** Removes an own field if it is there: `delete` of an absent one still costs a call into the runtime. */
export function dropField(obj: object, field: string): void {
  if (Object.hasOwn(obj, field)) delete (obj as Record<string, unknown>)[field];
}

/** The owner reference controllerutil.SetControllerReference writes: `owner` as the controller. */
export const controllerReference = (owner: {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
}): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name ?? '',
  uid: owner.metadata.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Whether two owner references name the same object, as controller-runtime compares them: group, kind and name. */
export const referSameObject = (a: OwnerReference, b: OwnerReference) =>
  parseApiVersion(a.apiVersion).group === parseApiVersion(b.apiVersion).group &&
  a.kind === b.kind &&
  a.name === b.name;

/**
 * The owner references of an object (one being made: none) with `owner` as its controller, as
 * controllerutil's SetControllerReference leaves them: a reference to the same object (a stale
 * uid too) replaced where it is, else the new one added. Another controller refuses it.
 */
export function withControllerReference(
  object: { readonly metadata: ObjectMeta } | undefined,
  owner: { readonly apiVersion: string; readonly kind: string; readonly metadata: ObjectMeta },
): OwnerReference[] {
  const mine = controllerReference(owner);
  const refs = object?.metadata.ownerReferences ?? [];
  const other = refs.find((ref) => ref.controller && !referSameObject(ref, mine));
  if (other)
    throw new Error(
      `Object ${object?.metadata.namespace}/${object?.metadata.name} is already owned by another ${other.kind} controller ${other.name}`,
    );
  return withOwnerReference(refs, mine);
}

/**
 * The owner references with `owner` in place of one naming the same object (a stale uid too),
 * else added, as controllerutil's SetOwnerReference leaves them.
 */
export function withOwnerReference(refs: readonly OwnerReference[], owner: OwnerReference): OwnerReference[] {
  const at = refs.findIndex((ref) => referSameObject(ref, owner));
  return at < 0 ? [...refs, owner] : refs.map((ref, i) => (i === at ? owner : ref));
}

/** The controlling owner of an object, if any. */
export const controllerOf = (object: KubeObject): OwnerReference | undefined =>
  object.metadata.ownerReferences?.find((ref) => ref.controller);

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  return isPlainObject(a) && isPlainObject(b) && sameFieldsBut(a, b, undefined);
}

/**
 * Whether two plain objects have equal fields (deepEqual), leaving out the field `except`.
 * Keys holding undefined count as absent, as in JSON.
 */
export function sameFieldsBut(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  except: string | undefined,
): boolean {
  let defined = 0;
  for (const k in a) {
    if (a[k] === undefined || k === except) continue;
    defined++;
    if (!deepEqual(a[k], b[k])) return false;
  }
  for (const k in b) if (b[k] !== undefined && k !== except) defined--;
  return defined === 0;
}

/**
 * Whether two versions of an object differ in what bumps `generation`: anything but
 * metadata, and but status when status is a subresource.
 */
export function specChanged(before: KubeObject, after: KubeObject, hasStatus: boolean): boolean {
  const skip = (k: string) =>
    k === 'metadata' || k === 'apiVersion' || k === 'kind' || (hasStatus && k === 'status');
  for (const k in before)
    if (Object.hasOwn(before, k) && !skip(k) && !deepEqual(before[k], after[k])) return true;
  for (const k in after)
    if (Object.hasOwn(after, k) && !Object.hasOwn(before, k) && !skip(k) && !deepEqual(before[k], after[k]))
      return true;
  return false;
}

/** RFC 3339 with the fraction of the second and no trailing zeros, as Go's `RFC3339Nano` writes it. */
export function nanoTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = iso.slice(19, 23).replace(/\.?0+$/, '');
  return `${iso.slice(0, 19)}${fraction}Z`;
}

/** The second `timestamp` formatted last: a burst of writes stamps the same second. */
let lastSecond = Number.NaN;
let lastStamp = '';

/** RFC 3339 with whole seconds, as the API server writes timestamps. */
export function timestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastStamp = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
    lastSecond = second;
  }
  return lastStamp;
}

/** What a kind's names must be (see KindDefinition.names). */
export type NameFormat = 'subdomain' | 'label' | 'dns1035';

/** The API server's first problem with a name of a kind whose names have this format. */
export function nameProblem(name: string, format: NameFormat): string | undefined {
  if (format === 'label') return dns1123LabelProblems(name)[0];
  if (format === 'dns1035') return dns1035LabelProblems(name)[0];
  return dns1123SubdomainProblems(name, 'characters')[0];
}

/** Label keys found valid: most objects carry the same few keys, and the pattern is long. */
const validLabelKeys = new Set<string>();

function validLabelKey(key: string): boolean {
  if (validLabelKeys.has(key)) return true;
  if (labelKeyProblems(key).length > 0) return false;
  // Bounded: a workload of ever new keys starts over rather than growing.
  if (validLabelKeys.size >= 4096) validLabelKeys.clear();
  validLabelKeys.add(key);
  return true;
}

/**
 * Adds to `out` the problems of a qualified name (a label key, an annotation key, a finalizer)
 * as `field`'s: the cached quick check first, the API server's words only for what fails it.
 */
function addQualifiedNameProblems(out: [string, string][], field: string, name: string, shown = name): void {
  if (!validLabelKey(name))
    for (const problem of labelKeyProblems(name)) out.push([field, `Invalid value: "${shown}": ${problem}`]);
}

const notAString = (value: unknown) =>
  `Invalid value: ${JSON.stringify(value) ?? String(value)}: must be a string`;

/** The most bytes an object's annotations may hold, keys and values together. */
const MAX_ANNOTATION_BYTES = 256 * 1024;

/**
 * Problems with annotations, as `[field, message]` pairs: keys are qualified names whatever
 * their case, values strings, and all of them together at most 256 KiB.
 */
export function annotationProblems(annotations: unknown): [string, string][] {
  if (annotations === undefined) return [];
  const field = 'metadata.annotations';
  if (!isPlainObject(annotations)) return [[field, 'Invalid value: must be a map of strings']];
  const out: [string, string][] = [];
  // UTF-16 units first: a unit is 3 bytes of UTF-8 at most, so most objects need no encoding.
  let units = 0;
  for (const k in annotations) {
    if (!Object.hasOwn(annotations, k)) continue;
    const v = annotations[k];
    // A qualified name whatever its case.
    addQualifiedNameProblems(out, field, k.toLowerCase(), k);
    if (typeof v !== 'string') out.push([field, notAString(v)]);
    else units += k.length + v.length;
  }
  if (units * 3 > MAX_ANNOTATION_BYTES && annotationBytes(annotations) > MAX_ANNOTATION_BYTES)
    out.push([field, `Too long: must have at most ${MAX_ANNOTATION_BYTES} bytes`]);
  return out;
}

/** The UTF-8 bytes of an object's string annotations, keys and values. */
function annotationBytes(annotations: Record<string, unknown>): number {
  let bytes = 0;
  for (const k in annotations) {
    const v = annotations[k];
    if (Object.hasOwn(annotations, k) && typeof v === 'string')
      bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  return bytes;
}

/** Problems with finalizers, as `[field, message]` pairs: each a qualified name, `orphan` and `foregroundDeletion` not both. */
export function finalizerProblems(finalizers: unknown): [string, string][] {
  if (finalizers === undefined) return [];
  const field = 'metadata.finalizers';
  if (!Array.isArray(finalizers)) return [[field, 'Invalid value: must be a list of names']];
  const out: [string, string][] = [];
  for (const name of finalizers) {
    if (typeof name !== 'string') out.push([field, notAString(name)]);
    else addQualifiedNameProblems(out, field, name);
  }
  // The two deletion policies that keep an object a while exclude each other.
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion'))
    out.push([
      field,
      `Invalid value: []string{${finalizers.map((f) => JSON.stringify(f)).join(', ')}}: finalizer orphan and foregroundDeletion cannot be both set`,
    ]);
  return out;
}

/** Problems with labels, as `[field, message]` pairs. */
export function labelProblems(labels: unknown): [string, string][] {
  if (labels === undefined) return [];
  if (!isPlainObject(labels)) return [['metadata.labels', 'Invalid value: must be a map of strings']];
  const out: [string, string][] = [];
  for (const k in labels) {
    if (!Object.hasOwn(labels, k)) continue;
    const v = labels[k];
    addQualifiedNameProblems(out, 'metadata.labels', k);
    if (typeof v !== 'string') out.push(['metadata.labels', notAString(v)]);
    // The quick check first: the API server's words only for what fails it.
    else if (!isLabelValue(v))
      for (const problem of labelValueProblems(v))
        out.push(['metadata.labels', `Invalid value: "${v}": ${problem}`]);
  }
  return out;
}
