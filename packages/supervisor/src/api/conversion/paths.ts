/**
 * Field paths over plain JSON objects, used to drop the hub fields a spoke
 * version lacks and to put them back from the conversion annotation.
 *
 * Syntax: dot-separated JSON names; `[]` after a name walks every element of
 * that list, matching elements by their `name` (by position when unnamed);
 * a leading `+` lets a restore create missing parent objects.
 */

import { getOrInsert } from '@vsim/vsphere';
import { clone, setField } from '../../store/meta.js';

export type JsonObject = { [key: string]: unknown };

/** The items of a list that are objects; none when it is no list. */
export const objectsIn = (value: unknown): JsonObject[] =>
  Array.isArray(value) ? value.filter(isObject) : [];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Segment {
  key: string;
  each: boolean;
}

interface ParsedPath {
  segments: Segment[];
  createParents: boolean;
}

/** Paths come from the conversion rules, a fixed set: each is parsed once. */
const parsed = new Map<string, ParsedPath>();

function parse(path: string): ParsedPath {
  let known = parsed.get(path);
  if (!known) {
    known = parseNew(path);
    parsed.set(path, known);
  }
  return known;
}

function parseNew(path: string): ParsedPath {
  const createParents = path.startsWith('+');
  const body = createParents ? path.slice(1) : path;
  const segments = body
    .split('.')
    .map((part) =>
      part.endsWith('[]') ? { key: part.slice(0, -2), each: true } : { key: part, each: false },
    );
  return { segments, createParents };
}

/** A list of paths as a tree of their segments, so that one walk drops them all. */
interface DropNode {
  readonly key: string;
  readonly each: boolean;
  /** The path ends here: the field goes, with whatever is below it. */
  drop: boolean;
  readonly children: DropNode[];
}

/** Trees of the rules' path lists (fixed arrays): each is built once. */
const dropTrees = new WeakMap<readonly string[], DropNode[]>();

const dropTreeOf = (paths: readonly string[]): DropNode[] =>
  getOrInsert(dropTrees, paths, () => dropTree(paths));

function dropTree(paths: readonly string[]): DropNode[] {
  const roots: DropNode[] = [];
  for (const path of paths) {
    let level = roots;
    const { segments } = parse(path);
    segments.forEach((segment, i) => {
      let node = level.find((n) => n.key === segment.key && n.each === segment.each);
      if (!node) {
        node = { key: segment.key, each: segment.each, drop: false, children: [] };
        level.push(node);
      }
      if (i === segments.length - 1) node.drop = true;
      level = node.children;
    });
  }
  return roots;
}

/** Removes the fields at `paths` (in every element for `[]` segments). */
export function dropPaths(obj: JsonObject, paths: readonly string[]): void {
  dropNodes(obj, dropTreeOf(paths));
}

function dropNodes(obj: JsonObject, nodes: readonly DropNode[]): void {
  for (const node of nodes) {
    if (!(node.key in obj)) continue;
    if (node.drop) {
      delete obj[node.key];
      continue;
    }
    const child = obj[node.key];
    if (node.each) {
      if (Array.isArray(child)) for (const item of child) if (isObject(item)) dropNodes(item, node.children);
    } else if (isObject(child)) dropNodes(child, node.children);
  }
}

/**
 * Copies the value at `path` from `src` into `dst` when `src` has one. Inside
 * lists only elements already present in `dst` receive values; parents are
 * created only for `+` paths (and `spec`/`status` themselves).
 */
export function restorePath(dst: JsonObject, src: JsonObject, path: string, onlyIfAbsent = false): void {
  const { segments, createParents } = parse(path);
  restoreSegments(dst, src, segments, createParents, onlyIfAbsent, 0);
}

function restoreSegments(
  dst: JsonObject,
  src: JsonObject,
  segments: Segment[],
  create: boolean,
  onlyIfAbsent: boolean,
  depth: number,
): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const srcChild = src[head.key];
  if (srcChild === undefined) return;
  if (rest.length === 0 && !head.each) {
    if (!(onlyIfAbsent && dst[head.key] !== undefined)) dst[head.key] = clone(srcChild);
    return;
  }
  if (head.each) {
    const dstList = dst[head.key];
    if (!Array.isArray(srcChild) || !Array.isArray(dstList)) return;
    dstList.forEach((item, index) => {
      if (!isObject(item)) return;
      const match = matchElement(srcChild, item, index);
      if (match) restoreSegments(item, match, rest, create, onlyIfAbsent, depth + 1);
    });
    return;
  }
  if (!isObject(srcChild)) return;
  let dstChild = dst[head.key];
  if (!isObject(dstChild)) {
    if (dstChild !== undefined || !(create || depth === 0)) return;
    dstChild = {};
    dst[head.key] = dstChild;
  }
  restoreSegments(dstChild as JsonObject, srcChild, rest, create, onlyIfAbsent, depth + 1);
}

function matchElement(list: unknown[], item: JsonObject, index: number): JsonObject | undefined {
  const name = item.name;
  const found =
    typeof name === 'string'
      ? list.find((candidate) => isObject(candidate) && candidate.name === name)
      : list[index];
  return isObject(found) ? found : undefined;
}

/** The value at a plain dotted path (no list segments), if any. */
export function getPath(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Returns the object at a plain dotted path, creating it (and its parents) when missing. */
export function ensureObject(obj: JsonObject, path: string): JsonObject {
  let current = obj;
  for (const key of path.split('.')) {
    const next = current[key];
    if (isObject(next)) {
      current = next;
    } else {
      const created: JsonObject = {};
      current[key] = created;
      current = created;
    }
  }
  return current;
}

/** JSON with object keys sorted, so equal objects serialize identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * The value with every object's keys in code unit order. What is canonical already (most
 * objects, below the top) is returned as it is, not copied: JSON.stringify reads it the same.
 */
function sortKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || isCanonical(value)) return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  const object = value as JsonObject;
  const keys = Object.keys(object);
  sortInPlace(keys);
  const out: JsonObject = {};
  for (const key of keys) {
    const sorted = sortKeys(object[key]);
    if (sorted !== undefined) setField(out, key, sorted);
  }
  return out;
}

/**
 * Whether a value serializes canonically as it is: every object's keys in order, no undefined
 * field. Walked with for-in, which makes no array of keys for a fast object.
 */
function isCanonical(value: object): boolean {
  if (Array.isArray(value)) {
    for (const item of value)
      if (typeof item === 'object' && item !== null && !isCanonical(item)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && previous > key) return false;
    previous = key;
    const v = (value as JsonObject)[key];
    if (v === undefined || (typeof v === 'object' && v !== null && !isCanonical(v))) return false;
  }
  return true;
}

/** Sorts keys in code unit order, as `keys.sort()` does. */
function sortInPlace(keys: string[]): void {
  // Most objects have a handful of keys: sorted by insertion, where the builtin sort copies them.
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
}
