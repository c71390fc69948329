/**
 * The declared type of a property path on a managed type (`summary.runtime.powerState`,
 * `config.hardware.device[4000]`), so a property value is written with its exact xsi:type.
 */
import { propertyOf, subtypesOf } from './registry.js';
import type { PropertyInfo, TypeRef } from './types.js';

const cache = new Map<string, TypeRef | undefined>();

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
  const key = `${objectType}\u0000${path}`;
  if (cache.has(key)) return cache.get(key);
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
  cache.set(key, current);
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

const known = new Map<string, boolean>();

/**
 * False when a path of a managed type names a property the schema does not have
 * (`config.noSuchThing`): a PropertySpec with it is InvalidProperty, as on vCenter. Each
 * step below the top-level property must be a property of the step before (or of a
 * subtype of it); keyed steps pick an element. A top-level name the metadata lacks, and
 * anything under anyType, are left to the model.
 */
export const isSchemaPath = (objectType: string, path: string): boolean => {
  const cacheKey = `${objectType}\u0000${path}`;
  const cached = known.get(cacheKey);
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
  if (known.size >= 4096) known.clear();
  known.set(cacheKey, ok);
  return ok;
};
