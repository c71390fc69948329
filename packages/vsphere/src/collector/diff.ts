/**
 * Comparing property values (plain JSON data: objects, arrays, strings, numbers,
 * booleans) and turning the difference into PropertyChanges, whole or, for filters
 * with partialUpdates, down to the nested fields that changed.
 */
import type { PropertyChange } from './results.js';

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
};

const isDataObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nested changes between two data objects of the same type; arrays change as a whole. */
const nestedChanges = (path: string, before: unknown, after: unknown, out: PropertyChange[]): void => {
  if (
    !isDataObject(before) ||
    !isDataObject(after) ||
    before._type !== after._type ||
    typeof before._type !== 'string'
  ) {
    out.push({ name: path, op: 'assign', val: after });
    return;
  }
  for (const [k, v] of Object.entries(after)) {
    const was = before[k];
    if (was === undefined) out.push({ name: `${path}.${k}`, op: 'assign', val: v });
    else if (!deepEqual(was, v)) nestedChanges(`${path}.${k}`, was, v, out);
  }
  for (const k of Object.keys(before))
    if (!Object.hasOwn(after, k) || after[k] === undefined) out.push({ name: `${path}.${k}`, op: 'remove' });
};

/**
 * The changes from one reading of an object's properties to the next: `assign` for a
 * new or changed value, `remove` for a property that became unset.
 */
export const changesBetween = (
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
  partialUpdates: boolean,
  stillMissing: (path: string) => boolean,
): PropertyChange[] => {
  const out: PropertyChange[] = [];
  for (const [path, val] of after) {
    const was = before.get(path);
    if (was === undefined) out.push({ name: path, op: 'assign', val });
    else if (!deepEqual(was, val)) {
      if (partialUpdates) nestedChanges(path, was, val, out);
      else out.push({ name: path, op: 'assign', val });
    }
  }
  for (const path of before.keys())
    if (!after.has(path) && !stillMissing(path)) out.push({ name: path, op: 'remove' });
  return out;
};
