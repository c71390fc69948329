/**
 * Field paths over plain JSON objects, used to drop the hub fields a spoke
 * version lacks and to put them back from the conversion annotation.
 *
 * Syntax: dot-separated JSON names; `[]` after a name walks every element of
 * that list, matching elements by their `name` (by position when unnamed);
 * a leading `+` lets a restore create missing parent objects.
 */

import { clone } from '../../store/meta.js';

export type JsonObject = { [key: string]: unknown };

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

/** Removes the field at `path` (in every element for `[]` segments). */
export function dropPath(obj: JsonObject, path: string): void {
  dropSegments(obj, parse(path).segments);
}

function dropSegments(obj: JsonObject, segments: readonly Segment[], from = 0): void {
  const head = segments[from];
  if (head === undefined) return;
  const last = from === segments.length - 1;
  if (!(head.key in obj)) return;
  if (last) {
    delete obj[head.key];
    return;
  }
  const child = obj[head.key];
  if (head.each) {
    if (Array.isArray(child))
      for (const item of child) if (isObject(item)) dropSegments(item, segments, from + 1);
  } else if (isObject(child)) {
    dropSegments(child, segments, from + 1);
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

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of sortedKeys(value)) {
    const v = value[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** The object's keys in code unit order, as `Object.keys(value).sort()` gives them. */
function sortedKeys(value: JsonObject): string[] {
  const keys = Object.keys(value);
  // Most objects have a handful of keys: sorted in place, where the builtin sort copies them.
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
