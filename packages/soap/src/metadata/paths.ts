/**
 * The declared type of a property path on a managed type (`summary.runtime.powerState`,
 * `config.hardware.device[4000]`), so a property value is written with its exact xsi:type.
 */
import { propertyOf, subtypesOf } from './registry.js';
import type { PropertyInfo, TypeRef } from './types.js';

/** Object type -> path -> answer: two lookups per read, no key string built per call. */
const byType = <V>(caches: Map<string, Map<string, V>>, objectType: string): Map<string, V> => {
  let paths = caches.get(objectType);
  if (paths === undefined) {
    if (caches.size >= 1024) caches.clear(); // types come from clients: keep the cache bounded
    paths = new Map();
    caches.set(objectType, paths);
  }
  return paths;
};

const cache = new Map<string, Map<string, TypeRef | null>>();

/** Splits on dots outside brackets: `config.extraConfig["a.b"]` is two steps. */
const steps = (path: string): string[] => {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '.' && depth === 0) {
      out.push(path.slice(start, i));
      start = i + 1;
    }
  }
  out.push(path.slice(start));
  return out;
};

export const pathType = (objectType: string, path: string): TypeRef | undefined => {
  const paths = byType(cache, objectType);
  const hit = paths.get(path);
  if (hit !== undefined) return hit ?? undefined;
  let current: TypeRef | undefined = { type: objectType, array: false };
  for (const step of steps(path)) {
    if (!current) break;
    const bracket = step.indexOf('[');
    const name = bracket < 0 ? step : step.slice(0, bracket);
    const prop = propertyOf(current.type, name);
    // A keyed step picks one element of the array.
    current = prop
      ? {
          type: prop.type,
          array: bracket < 0 ? prop.array : false,
          ...(prop.refType ? { refType: prop.refType } : {}),
        }
      : undefined;
  }
  paths.set(path, current ?? null);
  return current;
};

/** A property of a type or, failing that, of one of its subtypes (a path may reach into a subtype). */
const propertyOfAny = (type: string, name: string): PropertyInfo | undefined => {
  const own = propertyOf(type, name);
  if (own) return own;
  for (const sub of subtypesOf(type)) {
    const p = propertyOf(sub, name);
    if (p) return p;
  }
  return undefined;
};

const known = new Map<string, Map<string, boolean>>();

/**
 * False when a path of a managed type names a property the schema does not have
 * (`config.noSuchThing`): a PropertySpec with it is InvalidProperty, as on vCenter. Each
 * step below the top-level property must be a property of the step before (or of a
 * subtype of it); keyed steps pick an element. A top-level name the metadata lacks, and
 * anything under anyType, are left to the model.
 */
export const isSchemaPath = (objectType: string, path: string): boolean => {
  const paths = byType(known, objectType);
  const cached = paths.get(path);
  if (cached !== undefined) return cached;
  const [top = '', ...rest] = steps(path);
  const bracket = top.indexOf('[');
  const first = propertyOf(objectType, bracket < 0 ? top : top.slice(0, bracket));
  let type = first?.type;
  let ok = true;
  for (const step of first ? rest : []) {
    if (type === undefined || type === 'anyType') break;
    const at = step.indexOf('[');
    const prop = propertyOfAny(type, at < 0 ? step : step.slice(0, at));
    if (!prop) {
      ok = false;
      break;
    }
    type = prop.type;
  }
  if (paths.size >= 4096) paths.clear();
  paths.set(path, ok);
  return ok;
};
