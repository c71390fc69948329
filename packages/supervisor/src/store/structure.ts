/**
 * The JSON types the API server holds an object to before anything reads it. A custom
 * resource's schema makes `spec` and `status` objects, and a kind may name the types of values
 * within them (`spec.volumes` a list, `spec.volumes[]` an object per item, a name a string); a
 * wrong type is 422 Invalid in the schema's words, and a `null` field is dropped, as structural
 * schemas prune it. A built-in kind's `spec` and `status` are Go structs: a wrong type there is
 * 400, in Go's JSON decoder's words.
 */
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
type Visitor = (value: unknown, at: string, container: Container, key: string | number) => void;

/** Visits the values a path's segments reach below `container[key]`, each with its own path. */
function visit(
  container: Container,
  key: string | number,
  at: string,
  rest: readonly string[],
  out: Visitor,
) {
  const value = container[key];
  if (rest.length === 0) {
    out(value, at, container, key);
    return;
  }
  const [next, ...more] = rest as [string, ...string[]];
  if (next === '[]') {
    if (Array.isArray(value))
      for (let i = 0; i < value.length; i++)
        visit(value as unknown as Container, i, `${at}[${i}]`, more, out);
  } else if (next === '*') {
    if (isPlainObject(value))
      for (const field of Object.keys(value)) visit(value, field, `${at}.${field}`, more, out);
  } else if (isPlainObject(value)) visit(value, next, `${at}.${next}`, more, out);
}

/** Every path of a kind's structure in segments, with its type, the top level first. */
function pathsOf(info: KindInfo): (readonly [string[], JsonType])[] {
  const top = info.builtIn && !info.hasStatus ? {} : TOP_LEVEL;
  return Object.entries({ ...top, ...info.structure }).map(
    ([path, type]) => [path.replace(/\[\]/g, '.[]').split('.'), type] as const,
  );
}

type TypedVisitor = (
  value: unknown,
  at: string,
  type: JsonType,
  container: Container,
  key: string | number,
) => void;

function eachValue(info: KindInfo, object: KubeObject, out: TypedVisitor): void {
  for (const [[first, ...rest], type] of pathsOf(info))
    visit(object as Container, first as string, first as string, rest, (value, at, container, key) =>
      out(value, at, type, container, key),
    );
}

/** Refuses an object (as sent, left as it is) with a value of the wrong type where its structure says. */
export function checkStructure(info: KindInfo, object: KubeObject): void {
  const causes: FieldCause[] = [];
  eachValue(info, object, (value, at, type, container) => {
    // A null field is dropped (see dropNulls); an item of a list is not, and must be of its type.
    if (value === undefined || (value === null && !Array.isArray(container)) || matches(value, type)) return;
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
}

/** Drops, in the store's own copy of an object, the null fields its structure names. */
export function dropNulls(info: KindInfo, object: KubeObject): void {
  eachValue(info, object, (value, _at, _type, container, key) => {
    if (value === null && !Array.isArray(container)) delete container[key];
  });
}
