/**
 * What the API server drops of an object it is sent, before anything else reads it: a field a
 * custom resource's structural schema does not declare (its CRDs keep no unknown fields), a
 * field of the metadata that ObjectMeta does not have, a top-level field a built-in kind's Go
 * type does not have. Its default field validation prunes them (and warns, over HTTP); strict
 * field validation refuses the object instead.
 */
import { isPlainObject, type KubeObject } from './meta.js';

/**
 * A schema reduced to what pruning reads: 0 keeps a value whole; `f` an object's declared
 * fields, each by its own (the others dropped unless `u`, unknown fields preserved); `m` a
 * map's values; `i` a list's items. See scripts/generate-crd-pruning.py.
 */
export type Pruning =
  | 0
  | {
      readonly f?: Readonly<Record<string, Pruning>>;
      readonly u?: 1;
      readonly m?: Pruning;
      readonly i?: Pruning;
    };

/** ObjectMeta's fields, the metadata of every kind. */
const OBJECT_META: Pruning = {
  f: {
    name: 0,
    generateName: 0,
    namespace: 0,
    selfLink: 0,
    uid: 0,
    resourceVersion: 0,
    generation: 0,
    creationTimestamp: 0,
    deletionTimestamp: 0,
    deletionGracePeriodSeconds: 0,
    labels: 0,
    annotations: 0,
    ownerReferences: {
      i: { f: { apiVersion: 0, kind: 0, name: 0, uid: 0, controller: 0, blockOwnerDeletion: 0 } },
    },
    finalizers: 0,
    managedFields: {
      i: {
        f: { manager: 0, operation: 0, apiVersion: 0, time: 0, fieldsType: 0, fieldsV1: 0, subresource: 0 },
      },
    },
  },
};

/** A shape made ready for walking: fields in a Map, so that no field name meets a prototype's. */
export interface PruningNode {
  readonly fields: ReadonlyMap<string, PruningNode | undefined> | undefined;
  readonly keepsUnknown: boolean;
  readonly values: PruningNode | undefined;
  readonly items: PruningNode | undefined;
}

const nodes = new WeakMap<object, PruningNode>();

/** undefined for a value kept whole. */
function nodeOf(shape: Pruning): PruningNode | undefined {
  if (shape === 0) return undefined;
  let node = nodes.get(shape);
  if (!node) {
    node = {
      fields: shape.f && new Map(Object.entries(shape.f).map(([name, sub]) => [name, nodeOf(sub)])),
      keepsUnknown: shape.u === 1,
      values: shape.m === undefined ? undefined : nodeOf(shape.m),
      items: shape.i === undefined ? undefined : nodeOf(shape.i),
    };
    nodes.set(shape, node);
  }
  return node;
}

/**
 * The whole object's node: the version's declared top level (`undefined` when the simulator
 * knows no schema of it, whose top level is kept), and ObjectMeta's metadata.
 */
export function objectPruning(declared: Pruning | undefined): PruningNode {
  const top = declared === undefined || declared === 0 ? undefined : declared.f;
  return nodeOf({ f: { ...top, metadata: OBJECT_META }, ...(top ? {} : { u: 1 }) }) as PruningNode;
}

/** Whether `value` holds a field that `node` does not declare; allocates nothing. */
function undeclared(node: PruningNode, value: unknown): boolean {
  if (Array.isArray(value)) {
    const items = node.items;
    if (items) for (let i = 0; i < value.length; i++) if (undeclared(items, value[i])) return true;
    return false;
  }
  if (!isPlainObject(value)) return false;
  const { fields, values } = node;
  if (fields) {
    for (const key in value) {
      const sub = fields.get(key);
      if (sub === undefined) {
        if (!fields.has(key) && !node.keepsUnknown) return true;
      } else if (undeclared(sub, value[key])) return true;
    }
  } else if (values) for (const key in value) if (undeclared(values, value[key])) return true;
  return false;
}

/** `value` without what `node` does not declare: a copy of what changes, the rest shared. */
function pruned(node: PruningNode, value: unknown): unknown {
  if (!undeclared(node, value)) return value;
  if (Array.isArray(value)) return value.map((item) => pruned(node.items as PruningNode, item));
  const out: Record<string, unknown> = {};
  const { fields, values } = node;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!fields) out[key] = pruned(values as PruningNode, v);
    else if (fields.has(key)) {
      const sub = fields.get(key);
      out[key] = sub ? pruned(sub, v) : v;
    } else if (node.keepsUnknown) out[key] = v;
  }
  return out;
}

/** Where `value` holds what `node` does not declare, as the API server names it (`spec.ports[0].x`). */
export function undeclaredFields(node: PruningNode, value: unknown, at = '', out: string[] = []): string[] {
  if (!undeclared(node, value)) return out;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      undeclaredFields(node.items as PruningNode, value[i], `${at}[${i}]`, out);
    return out;
  }
  const { fields, values } = node;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const path = at === '' ? key : `${at}.${key}`;
    if (!fields) undeclaredFields(values as PruningNode, v, path, out);
    else if (fields.has(key)) {
      const sub = fields.get(key);
      if (sub) undeclaredFields(sub, v, path, out);
    } else if (!node.keepsUnknown) out.push(path);
  }
  return out;
}

/** The object as the API server reads it after pruning: the very object when nothing is dropped. */
export const prunedObject = (node: PruningNode, object: KubeObject): KubeObject =>
  pruned(node, object) as KubeObject;
