/**
 * The JSON types the API server holds an object to before anything reads it. A custom
 * resource's schema makes `spec` and `status` objects, and a kind may name the types of values
 * within them (`spec.volumes` a list, `spec.volumes[]` an object per item, a name a string); a
 * wrong type is 422 Invalid in the schema's words, and a `null` field is dropped, as structural
 * schemas prune it. A built-in kind's `spec` and `status` are Go structs: a wrong type there is
 * 400, in Go's JSON decoder's words.
 */
import { getOrInsert } from '@vsim/vsphere';
import { type FieldCause, kubeErrors } from './errors.js';
import type { KindInfo } from './kinds.js';
import { isPlainObject, type KubeObject } from './meta.js';

/** A JSON type as a schema names it. */
export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/**
 * The JSON type of each path: `spec.network` an object, `spec.volumes` a list, `spec.volumes[]`
 * each of its items, `spec.selector.*` each value of a map.
 */
export type Structure = Readonly<Record<string, JsonType>>;

/** The parts of every custom resource its schema makes objects, and of a built-in kind with a status. */
const TOP_LEVEL: Structure = { spec: 'object', status: 'object' };

/** The type a schema names a JSON value by. */
function schemaType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The type Go's JSON decoder names a JSON value by. */
const goType = (value: unknown): string =>
  Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;

function matches(value: unknown, type: JsonType): boolean {
  if (type === 'object') return isPlainObject(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'integer') return Number.isInteger(value);
  return typeof value === type;
}

type Container = Record<string | number, unknown>;

/** A kind's structure as a tree of path segments (`[]` every item of a list, `*` every value of a map). */
interface Node {
  type?: JsonType;
  readonly children: Map<string, Node>;
}

const trees = new WeakMap<KindInfo, Node>();

/** The kind's structure as a tree, made once per kind: every object written is walked by it. */
function treeOf(info: KindInfo): Node {
  let root = trees.get(info);
  if (root) return root;
  root = { children: new Map() };
  const top = info.builtIn && !info.hasStatus ? {} : TOP_LEVEL;
  for (const [path, type] of Object.entries({ ...top, ...info.structure })) {
    let node = root;
    for (const segment of path.replace(/\[\]/g, '.[]').split('.')) {
      node = getOrInsert(node.children, segment, (): Node => ({ children: new Map() }));
    }
    node.type = type;
  }
  trees.set(info, root);
  return root;
}

type TypedVisitor = (
  value: unknown,
  at: string,
  type: JsonType,
  container: Container,
  key: string | number,
) => void;

/** Visits what the tree below `node` names in `value` (at path `at`), each value with its type. */
function walk(node: Node, value: unknown, at: string, out: TypedVisitor): void {
  for (const [segment, child] of node.children) {
    if (segment === '[]') {
      if (Array.isArray(value))
        for (let i = 0; i < value.length; i++)
          visitChild(child, value as unknown as Container, i, `${at}[${i}]`, out);
    } else if (isPlainObject(value)) {
      if (segment === '*')
        for (const field of Object.keys(value)) visitChild(child, value, field, `${at}.${field}`, out);
      else if (segment in value) visitChild(child, value, segment, at ? `${at}.${segment}` : segment, out);
    }
  }
}

function visitChild(
  node: Node,
  container: Container,
  key: string | number,
  at: string,
  out: TypedVisitor,
): void {
  const value = container[key];
  if (node.type !== undefined) out(value, at, node.type, container, key);
  if (node.children.size > 0) walk(node, value, at, out);
}

const eachValue = (info: KindInfo, object: KubeObject, out: TypedVisitor): void =>
  walk(treeOf(info), object, '', out);

/**
 * Refuses an object (as sent, left as it is) with a value of the wrong type where its structure
 * says; whether it has null fields to drop (see `dropNulls`).
 */
export function checkStructure(info: KindInfo, object: KubeObject): boolean {
  const causes: FieldCause[] = [];
  let nulls = false;
  eachValue(info, object, (value, at, type, container) => {
    if (value === undefined || matches(value, type)) return;
    // A null field is dropped; an item of a list is not, and must be of its type.
    if (value === null && !Array.isArray(container)) {
      nulls = true;
      return;
    }
    if (info.builtIn) {
      const struct = `${info.storageVersion}.${info.kind}${at === 'spec' ? 'Spec' : 'Status'}`;
      throw kubeErrors.badRequest(
        `${info.kind} in version "${info.storageVersion}" cannot be handled as a ${info.kind}: json: cannot unmarshal ${goType(value)} into Go struct field ${info.kind}.${at} of type ${struct}`,
      );
    }
    const actual = schemaType(value);
    causes.push({
      field: at,
      message: `Invalid value: "${actual}": ${at} in body must be of type ${type}: "${actual}"`,
    });
  });
  if (causes.length > 0)
    throw kubeErrors.invalid(
      { group: info.group, resource: info.plural, kind: info.kind, name: object.metadata.name as string },
      causes,
    );
  return nulls;
}

/** Drops, in the store's own copy of an object, the null fields its structure names. */
export function dropNulls(info: KindInfo, object: KubeObject): void {
  eachValue(info, object, (value, _at, _type, container, key) => {
    if (value === null && !Array.isArray(container)) delete container[key];
  });
}
