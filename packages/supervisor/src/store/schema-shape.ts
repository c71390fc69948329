/**
 * What the API server makes of an object it is sent, before anything else reads it, by the
 * shape of the kind's schema. It drops what the schema does not declare: a field a custom
 * resource's structural schema lacks (its CRDs keep no unknown fields), a field of the metadata
 * that ObjectMeta does not have, a field a built-in kind's Go type does not have (its default
 * field validation; strict field validation refuses the object instead). Then it fills in the
 * schema's defaults where a field is missing. The shape's types are checked in structure.ts.
 */

import { isPlainObject, type KubeObject, merged, setField } from './meta.js';
import { type Constraints, compiled, type SchemaConstraints } from './schema-constraints.js';

/**
 * A schema reduced to what pruning, defaulting and type checks read: 0 keeps a value whole; `f`
 * an object's declared fields, each by its own (the others dropped unless `u`, unknown fields
 * preserved); `m` a map's values; `i` a list's items; `d` the value's default, where it is
 * missing; `t` its JSON type; `q` 1 for an integer-or-string, 2 for a quantity; `c` what else
 * the API server validates of it (see schema-constraints.ts). See
 * scripts/generate-crd-shapes.py.
 */
export type SchemaShape =
  | 0
  | {
      readonly f?: Readonly<Record<string, SchemaShape>>;
      readonly u?: 1;
      readonly m?: SchemaShape;
      readonly i?: SchemaShape;
      readonly d?: unknown;
      readonly t?: TypeLetter;
      readonly q?: 1 | 2;
      readonly c?: SchemaConstraints;
    };

/** A JSON type by its first letter: object, array, string, integer, number, boolean. */
type TypeLetter = 'o' | 'a' | 's' | 'i' | 'n' | 'b';

const TYPE_NAMES = {
  o: 'object',
  a: 'array',
  s: 'string',
  i: 'integer',
  n: 'number',
  b: 'boolean',
} as const satisfies Record<TypeLetter, string>;

/** The JSON type a schema gives a value (see structure.ts). */
export type JsonTypeName = (typeof TYPE_NAMES)[TypeLetter];

/** ObjectMeta's fields, the metadata of every kind. */
const OBJECT_META: SchemaShape = {
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
export interface ShapeNode {
  readonly fields: ReadonlyMap<string, ShapeNode | undefined> | undefined;
  readonly keepsUnknown: boolean;
  readonly values: ShapeNode | undefined;
  readonly items: ShapeNode | undefined;
  /** The defaults of this object's fields, where it has some. */
  readonly defaults: readonly (readonly [string, unknown])[];
  /** The fields with defaults at or below them: the only ones defaulting walks into. */
  readonly defaulting: readonly (readonly [string, ShapeNode])[];
  /** Whether any default is at or below this value. */
  readonly defaultsBelow: boolean;
  /** The value's JSON type, where the schema gives one. */
  readonly type: JsonTypeName | undefined;
  /** 1: an integer or a string; 2: a quantity, one of those of controller-gen's pattern. */
  readonly intOrString: 0 | 1 | 2;
  /** What else the API server validates of the value, where the schema says. */
  readonly constraints: Constraints | undefined;
}

const nodes = new WeakMap<object, ShapeNode>();

/** undefined for a value kept whole, with no default and no type. */
function nodeOf(shape: SchemaShape): ShapeNode | undefined {
  if (shape === 0) return undefined;
  let node = nodes.get(shape);
  if (!node) {
    const fields = shape.f && new Map(Object.entries(shape.f).map(([name, sub]) => [name, nodeOf(sub)]));
    const values = shape.m === undefined ? undefined : nodeOf(shape.m);
    const items = shape.i === undefined ? undefined : nodeOf(shape.i);
    const defaults = Object.entries(shape.f ?? {}).flatMap(([name, sub]) =>
      sub !== 0 && sub.d !== undefined ? [[name, sub.d] as const] : [],
    );
    const defaulting = [...(fields ?? [])].flatMap(([name, sub]) =>
      sub?.defaultsBelow ? [[name, sub] as const] : [],
    );
    node = {
      type: shape.t && TYPE_NAMES[shape.t],
      intOrString: shape.q ?? 0,
      constraints: shape.c && compiled(shape.c),
      fields,
      keepsUnknown: shape.u === 1,
      values,
      items,
      defaults,
      defaulting,
      defaultsBelow:
        defaults.length > 0 ||
        defaulting.length > 0 ||
        values?.defaultsBelow === true ||
        items?.defaultsBelow === true,
    };
    nodes.set(shape, node);
  }
  return node;
}

/**
 * The whole object's node: the version's declared top level and its type (`undefined` when
 * the simulator knows no schema of it, whose top level is kept), and ObjectMeta's metadata.
 */
export function objectShape(declared: SchemaShape | undefined): ShapeNode {
  const top = declared === undefined || declared === 0 ? undefined : declared;
  return nodeOf({
    f: { ...top?.f, metadata: OBJECT_META },
    ...(top?.f ? {} : { u: 1 }),
    ...(top?.t ? { t: top.t } : {}),
    ...(top?.c ? { c: top.c } : {}),
  }) as ShapeNode;
}

/** Whether `value` holds a field that `node` does not declare; allocates nothing. */
function undeclared(node: ShapeNode, value: unknown): boolean {
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
        // A field set to undefined is one the object's JSON leaves out.
        if (!fields.has(key) && !node.keepsUnknown && value[key] !== undefined) return true;
      } else if (undeclared(sub, value[key])) return true;
    }
  } else if (values) for (const key in value) if (undeclared(values, value[key])) return true;
  return false;
}

/** `value` without what `node` does not declare: a copy of what changes, the rest shared. */
function pruned(node: ShapeNode, value: unknown): unknown {
  if (!undeclared(node, value)) return value;
  if (Array.isArray(value)) return value.map((item) => pruned(node.items as ShapeNode, item));
  const out: Record<string, unknown> = {};
  const { fields, values } = node;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!fields) setField(out, key, pruned(values as ShapeNode, v));
    else if (fields.has(key)) {
      const sub = fields.get(key);
      setField(out, key, sub ? pruned(sub, v) : v);
    } else if (node.keepsUnknown) setField(out, key, v);
  }
  return out;
}

/** Where `value` holds what `node` does not declare, as the API server names it (`spec.ports[0].x`). */
export function undeclaredFields(node: ShapeNode, value: unknown, at = '', out: string[] = []): string[] {
  if (!undeclared(node, value)) return out;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      undeclaredFields(node.items as ShapeNode, value[i], `${at}[${i}]`, out);
    return out;
  }
  const { fields, values } = node;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const path = at === '' ? key : `${at}.${key}`;
    if (!fields) undeclaredFields(values as ShapeNode, v, path, out);
    else if (fields.has(key)) {
      const sub = fields.get(key);
      if (sub) undeclaredFields(sub, v, path, out);
    } else if (!node.keepsUnknown && v !== undefined) out.push(path);
  }
  return out;
}

/**
 * `value` with the defaults `node` gives where a field is missing (or null, which the API server
 * prunes before it defaults): a copy of what changes, the rest shared.
 */
function defaulted(node: ShapeNode, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items?.defaultsBelow) return value;
    const out = value.map((item) => defaulted(items, item));
    return out.some((item, i) => item !== value[i]) ? out : value;
  }
  if (!isPlainObject(value)) return value;
  // Copied at the first change, by Object.assign, whose copies share their hidden classes.
  let out: Record<string, unknown> | undefined;
  const { defaults, defaulting, values } = node;
  for (let i = 0; i < defaults.length; i++) {
    const [key, fallback] = defaults[i] as readonly [string, unknown];
    if (value[key] !== undefined && value[key] !== null) continue;
    out ??= merged(value);
    out[key] = typeof fallback === 'object' && fallback !== null ? structuredClone(fallback) : fallback;
  }
  for (let i = 0; i < defaulting.length; i++) {
    const [key, sub] = defaulting[i] as readonly [string, ShapeNode];
    const v = (out ?? value)[key];
    if (v === undefined) continue;
    const d = defaulted(sub, v);
    if (d === v) continue;
    out ??= merged(value);
    out[key] = d;
  }
  if (values?.defaultsBelow)
    for (const key of Object.keys(value)) {
      const d = defaulted(values, value[key]);
      if (d === value[key]) continue;
      out ??= merged(value);
      setField(out, key, d);
    }
  return out ?? value;
}

/** The object with its schema's defaults; the very object when it lacks none. */
export const defaultedObject = (node: ShapeNode, object: KubeObject): KubeObject =>
  (node.defaultsBelow ? defaulted(node, object) : object) as KubeObject;

/**
 * The object as the API server reads it: pruned, then defaulted; the very object when neither
 * changes anything.
 */
export const shapedObject = (node: ShapeNode, object: KubeObject): KubeObject =>
  defaultedObject(node, pruned(node, object) as KubeObject);
