/**
 * The JSON types the API server holds an object to before anything reads it. A custom resource
 * with a generated schema shape (see schema-shape.ts) has every field it declares typed; another
 * has its `spec` and `status` objects, and may name the types of values within them
 * (`spec.volumes` a list, `spec.volumes[]` an object per item, a name a string). A wrong type is
 * 422 Invalid in the schema's words, and a `null` field is dropped, as structural schemas prune
 * it. Only what the write keeps is checked: a custom resource's
 * status on a write of its spec (the API server drops it or puts back the stored one), its spec
 * on a write of its status. A built-in kind's object is decoded into Go structs whole: a wrong
 * type in its `spec`, `status` or the maps a kind names is 400, in Go's JSON decoder's words.
 */
import { type FieldCause, kubeErrors } from './errors.js';
import type { KindInfo } from './kinds.js';
import { deepEqual, isPlainObject, type KubeObject, parseApiVersion } from './meta.js';
import { parseQuantity } from './quantity.js';
import {
  blocksRules,
  constraintProblems,
  pathOf,
  RULES_NOT_CHECKED,
  sameKeys,
  satisfies,
  type Trail,
} from './schema-constraints.js';
import type { ShapeNode } from './schema-shape.js';

/** A JSON type as a schema names it. */
export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/**
 * The JSON type of each path: `spec.network` an object, `spec.volumes` a list, `spec.volumes[]`
 * each of its items, `spec.selector.*` each value of a map. A built-in kind's paths also name
 * the Go type the decoder reads into (`[]uint8` for a Secret's data).
 */
export type Structure = Readonly<Record<string, JsonType | readonly [JsonType, goType: string]>>;

/** What a write keeps of what it is sent: all of it, or all but the status, or the status alone. */
export type StructurePart = 'create' | 'main' | 'status';

/** The parts of every custom resource its schema makes objects. */
const TOP_LEVEL: Structure = { spec: 'object', status: 'object' };

/** A built-in kind's spec and status, as the Go types `v1.ServiceSpec` and `v1.ServiceStatus`. */
const goTopLevel = (info: KindInfo): Structure => ({
  spec: ['object', `${info.storageVersion}.${info.kind}Spec`],
  status: ['object', `${info.storageVersion}.${info.kind}Status`],
});

/** The type a schema names a JSON value by. */
function schemaType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The type Go's JSON decoder names a JSON value by. */
const goName = (value: unknown): string =>
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
  readonly segment: string;
  type?: JsonType;
  goType?: string;
  /** A list, not a map: every write walks it, and a loop over a list allocates nothing. */
  readonly children: Node[];
}

/** Trees by kind, or by the structure of a version of the kind's that has its own. */
const trees = new WeakMap<object, Node>();

/** A kind's structure as a tree, made once: every object written is walked by it. */
function treeOf(info: KindInfo): Node {
  let root = trees.get(info);
  if (!root) {
    root = buildTree(info, info.structure);
    trees.set(info, root);
  }
  return root;
}

function buildTree(info: KindInfo, structure: Structure | undefined): Node {
  const root: Node = { segment: '', children: [] };
  const top = !info.builtIn ? TOP_LEVEL : info.hasStatus ? goTopLevel(info) : {};
  for (const [path, type] of Object.entries({ ...top, ...structure })) {
    let node = root;
    for (const segment of path.replace(/\[\]/g, '.[]').split('.')) {
      let child = node.children.find((c) => c.segment === segment);
      if (!child) {
        child = { segment, children: [] };
        node.children.push(child);
      }
      node = child;
    }
    if (typeof type === 'string') node.type = type;
    else [node.type, node.goType] = type;
  }
  return root;
}

type TypedVisitor = (
  value: unknown,
  trail: Trail,
  node: Node,
  container: Container,
  key: string | number,
) => void;

/** Visits what the tree below `node` names in `value` (reached by `trail`), each value with its type. */
function walk(node: Node, value: unknown, trail: Trail, out: TypedVisitor): void {
  for (let c = 0; c < node.children.length; c++) {
    const child = node.children[c] as Node;
    const segment = child.segment;
    if (segment === '[]') {
      if (Array.isArray(value))
        for (let i = 0; i < value.length; i++)
          visitChild(child, value as unknown as Container, i, trail, out);
    } else if (isPlainObject(value)) {
      if (segment === '*')
        for (const field of Object.keys(value)) visitChild(child, value, field, trail, out);
      else if (segment in value) visitChild(child, value, segment, trail, out);
    }
  }
}

function visitChild(
  node: Node,
  container: Container,
  key: string | number,
  trail: Trail,
  out: TypedVisitor,
): void {
  const value = container[key];
  trail.push(key);
  if (node.type !== undefined) out(value, trail, node, container, key);
  if (node.children.length > 0) walk(node, value, trail, out);
  trail.pop();
}

/**
 * Visits what a kind's structure names in an object: of a custom resource with a status
 * subresource, the part a write keeps of it.
 */
function eachValue(info: KindInfo, object: KubeObject, write: StructurePart, out: TypedVisitor): void {
  const root = treeOf(info);
  if (info.builtIn || !info.hasStatus) walk(root, object, [], out);
  else
    for (const node of root.children)
      if ((node.segment === 'status') === (write === 'status') && node.segment in object)
        visitChild(node, object as Container, node.segment, [], out);
}

const BASE64 = /[A-Za-z0-9+/]/;

/** The pattern a custom resource's schema gives a quantity (controller-gen's, for resource.Quantity). */
const CRD_QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const CRD_QUANTITY = new RegExp(CRD_QUANTITY_PATTERN);

/**
 * What a custom resource's schema says of a value at a quantity (an integer or a string of the
 * pattern, `x-kubernetes-int-or-string`), undefined when it holds one.
 */
function quantityProblem(value: unknown, at: string): FieldCause | undefined {
  const problem = intOrStringProblem(value, at);
  if (problem || typeof value !== 'string' || CRD_QUANTITY.test(value)) return problem;
  return {
    field: at,
    message: `Invalid value: "${value}": ${at} in body should match '${CRD_QUANTITY_PATTERN}'`,
  };
}

/** What a custom resource's schema says of a value that must be an integer or a string. */
function intOrStringProblem(value: unknown, at: string): FieldCause | undefined {
  if (Number.isInteger(value) || typeof value === 'string') return undefined;
  const actual = schemaType(value);
  return {
    field: at,
    message: `Invalid value: "${actual}": ${at} in body must be of type integer,string: "${actual}"`,
    reason: 'FieldValueTypeInvalid',
  };
}

/** What a custom resource's schema says of a value of another type than its own. */
function typeProblem(value: unknown, type: string, at: string): FieldCause {
  const actual = schemaType(value);
  return {
    field: at,
    message: `Invalid value: "${actual}": ${at} in body must be of type ${type}: "${actual}"`,
    reason: 'FieldValueTypeInvalid',
  };
}

type KeptFields = readonly (readonly [string, ShapeNode])[];

/** Per top-level shape, the fields a status write keeps and those every other write keeps. */
const keptByShape = new WeakMap<ShapeNode, { readonly status: KeptFields; readonly rest: KeptFields }>();

/**
 * The top-level fields of a shape that a write keeps (the status alone, or all but it), with
 * their shapes: worked out once per shape, as every write of a kind asks.
 */
function keptFields(shape: ShapeNode, write: StructurePart): KeptFields {
  let kept = keptByShape.get(shape);
  if (!kept) {
    const typed = [...(shape.fields ?? [])].filter(
      (field): field is [string, ShapeNode] => field[1]?.type !== undefined,
    );
    kept = {
      status: typed.filter(([key]) => key === 'status'),
      rest: typed.filter(([key]) => key !== 'status'),
    };
    keptByShape.set(shape, kept);
  }
  return write === 'status' ? kept.status : kept.rest;
}

/**
 * The stored value an item of a list is the new state of, as the API server's ratcheting pairs
 * them: in a list map, the stored item of the same keys; in any other list, none.
 */
function oldItem(list: ShapeNode, item: unknown, oldList: unknown): unknown {
  const keys = list.constraints?.mapKeys;
  if (!keys || !Array.isArray(oldList)) return undefined;
  return oldList.find((candidate) => sameKeys(candidate, item, keys));
}

/**
 * Checks an object against its custom resource's generated schema shape, every value it
 * declares (the part of the object the write keeps). Its `types`: each value of another type is
 * a cause; a null field is to be dropped (whether there is one is the answer), a null item of a
 * list is of another type. Or else its constraints, those of its values of their types: each
 * value that breaks one is a cause, unless an update (`old` its object) leaves it, or a value it
 * is in, as it was (the API server's validation ratcheting: the stored value found by field names
 * and list maps' keys, none for an item of another list).
 */
function checkShape(
  shape: ShapeNode,
  object: KubeObject,
  write: StructurePart,
  causes: FieldCause[],
  types: boolean,
  old?: KubeObject,
): boolean {
  let nulls = false;
  const trail: Trail = [];
  const duplicates: FieldCause[] = [];
  // `was`: the stored value this one is the new state of, undefined when there is none (the
  // top level's, which an update always changes: its causes are let through where they were).
  const constrain = (node: ShapeNode, value: unknown, was: unknown) => {
    const constraints = node.constraints;
    if (types || !constraints || satisfies(constraints, value)) return;
    const before = causes.length;
    const duplicatesBefore = duplicates.length;
    constraintProblems(constraints, value, trail, causes, duplicates);
    if (was !== undefined && deepEqual(was, value)) {
      causes.length = before;
      duplicates.length = duplicatesBefore;
    }
  };
  const visit = (node: ShapeNode, value: unknown, inList: boolean, was: unknown): void => {
    // A field set to undefined is one the object's JSON leaves out (and its copy drops); an
    // item of a list, one it writes as null.
    if (value === undefined) {
      if (!inList) return;
      value = null;
    }
    if (value === null && !inList) {
      nulls = true;
      return;
    }
    if (node.intOrString !== 0) {
      if (!types) return;
      const at = pathOf(trail);
      const problem = node.intOrString === 2 ? quantityProblem(value, at) : intOrStringProblem(value, at);
      if (problem) causes.push(problem);
      return;
    }
    if (node.type !== undefined && !matches(value, node.type)) {
      if (types) causes.push(typeProblem(value, node.type, pathOf(trail)));
      return;
    }
    // A value an update leaves as it was is not held to its constraints, nor is anything in it.
    if (was !== undefined && deepEqual(was, value)) return;
    constrain(node, value, was);
    if (Array.isArray(value)) {
      const items = node.items;
      if (items)
        for (let i = 0; i < value.length; i++) {
          trail.push(i);
          visit(items, value[i], true, was === undefined ? undefined : oldItem(node, value[i], was));
          trail.pop();
        }
      return;
    }
    if (!isPlainObject(value)) return;
    const { fields, values } = node;
    const stored = isPlainObject(was) ? was : undefined;
    for (const key in value) {
      const sub = fields ? fields.get(key) : values;
      if (sub === undefined) continue;
      trail.push(key);
      visit(sub, value[key], false, stored?.[key]);
      trail.pop();
    }
  };
  // The top level's own constraints (the fields it requires) are the spec's part of a write.
  if (write !== 'status') constrain(shape, object, old);
  for (const [key, sub] of keptFields(shape, write))
    if (key in object) {
      trail.push(key);
      visit(sub, (object as Container)[key], false, old?.[key]);
      trail.pop();
    }
  // The API server checks list types after the schema, and on an update only where the stored
  // object kept to them.
  if (duplicates.length > 0 && old && breaksListTypes(shape, old, write)) return nulls;
  for (const duplicate of duplicates) causes.push(duplicate);
  return nulls;
}

/** Whether an object has a set's item or a list map's keys twice, anywhere its schema says. */
function breaksListTypes(shape: ShapeNode, object: KubeObject, write: StructurePart): boolean {
  const causes: FieldCause[] = [];
  checkShape(shape, object, write, causes, false);
  return causes.some((cause) => cause.reason === 'FieldValueDuplicate');
}

/** Drops the null fields (not the null items of lists) of what a shape declares, in the store's own copy. */
function dropShapeNulls(node: ShapeNode, value: unknown): void {
  if (Array.isArray(value)) {
    if (node.items) for (const item of value) dropShapeNulls(node.items, item);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const sub = node.fields ? node.fields.get(key) : node.values;
    if (sub === undefined) continue;
    if (value[key] === null) delete value[key];
    else dropShapeNulls(sub, value[key]);
  }
}

/** The generated shape of a custom resource's object, in the version it is in; none for the others. */
const typedShape = (info: KindInfo, object: KubeObject): ShapeNode | undefined => {
  if (info.builtIn) return undefined;
  const shape = info.shapes[parseApiVersion(object.apiVersion).version];
  return shape?.type === undefined ? undefined : shape;
};

/** What Go's decoder says of a quantity it cannot read. */
const QUANTITY_SYNTAX =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/**
 * Where Go's standard base64 decoder (which JSON decodes bytes with) finds a string corrupt, or
 * undefined when it decodes: a character outside the alphabet, padding out of place, a last
 * group cut short. Line breaks are skipped.
 */
function base64Problem(text: string): number | undefined {
  let i = 0;
  for (;;) {
    let group = 0;
    while (group < 4) {
      if (i === text.length) return group === 0 ? undefined : i - group;
      const c = text[i++] as string;
      if (c === '\n' || c === '\r') continue;
      if (BASE64.test(c)) {
        group++;
        continue;
      }
      if (c !== '=' || group < 2) return i - 1;
      // Padding ends the data: '==' after two characters, '=' after three, then only line breaks.
      if (group === 2) {
        while (text[i] === '\n' || text[i] === '\r') i++;
        if (i === text.length) return i;
        if (text[i] !== '=') return i - 1;
        i++;
      }
      while (text[i] === '\n' || text[i] === '\r') i++;
      return i < text.length ? i : undefined;
    }
  }
}

/**
 * Refuses an object (as sent, left as it is) with a value of the wrong type where its structure
 * says; whether it has null fields to drop (see `dropNulls`).
 */
export function checkStructure(
  info: KindInfo,
  object: KubeObject,
  write: StructurePart,
  /**
   * A request's object, which the API server validates (and says when its CEL rules went
   * unchecked), not what a conversion made of it, which it decodes.
   */
  request = false,
): boolean {
  const causes: FieldCause[] = [];
  const shape = typedShape(info, object);
  let nulls = shape ? checkShape(shape, object, write, causes, true) : false;
  const undecodable = (why: string) =>
    kubeErrors.badRequest(
      `${info.kind} in version "${info.storageVersion}" cannot be handled as a ${info.kind}: ${why}`,
    );
  if (!shape)
    eachValue(info, object, write, (value, trail, { type, goType: into }, container) => {
      if (into === '[]uint8' && typeof value === 'string') {
        const at = base64Problem(value);
        if (at !== undefined) throw undecodable(`illegal base64 data at input byte ${at}`);
        return;
      }
      if (into === 'resource.Quantity' && value !== undefined && value !== null) {
        if (!info.builtIn) {
          // A custom resource's schema holds it to its pattern before anything decodes it.
          const problem = quantityProblem(value, pathOf(trail));
          if (problem) causes.push(problem);
          return;
        }
        // A quantity decodes from a string or a number, and fails whatever else it is.
        if ((typeof value !== 'string' && typeof value !== 'number') || !parseQuantity(String(value)))
          throw undecodable(QUANTITY_SYNTAX);
        return;
      }
      if (value === undefined || matches(value, type as JsonType)) return;
      // A null field is dropped; an item of a list is not, and must be of its type.
      if (value === null && !Array.isArray(container)) {
        nulls = true;
        return;
      }
      if (info.builtIn) {
        // Go names the struct's field the value is in, whatever the map key or list index below it.
        const field = `${info.kind}.${trail[0]}`;
        throw undecodable(
          `json: cannot unmarshal ${goName(value)} into Go struct field ${field} of type ${into}`,
        );
      }
      causes.push(typeProblem(value, type as JsonType, pathOf(trail)));
    });
  if (causes.length > 0) {
    // A value of another type blocks the CEL rules as any other cause that blocks them.
    if (request && shape?.constraints?.rules && causes.some(blocksRules)) causes.push(RULES_NOT_CHECKED);
    throw kubeErrors.invalid(
      { group: info.group, resource: info.plural, kind: info.kind, name: object.metadata.name as string },
      causes,
    );
  }
  return nulls;
}

/**
 * The causes a custom resource's object (of its types) gives against its schema's constraints,
 * those an update leaves as they were (in `old`) aside.
 */
export function constraintCauses(
  info: KindInfo,
  object: KubeObject,
  write: StructurePart,
  old: KubeObject | undefined,
): FieldCause[] {
  const causes: FieldCause[] = [];
  const shape = typedShape(info, object);
  if (shape) checkShape(shape, object, write, causes, false, old);
  return causes;
}

/** Drops, in the store's own copy of an object, the null fields its structure names. */
export function dropNulls(info: KindInfo, object: KubeObject, write: StructurePart): void {
  const shape = typedShape(info, object);
  if (shape) {
    const top = object as Container;
    for (const [key, sub] of keptFields(shape, write)) {
      if (top[key] === null) delete top[key];
      else dropShapeNulls(sub, top[key]);
    }
    return;
  }
  eachValue(info, object, write, (value, _trail, _node, container, key) => {
    if (value === null && !Array.isArray(container)) delete container[key];
  });
}
