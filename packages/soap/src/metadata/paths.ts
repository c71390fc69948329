/**
 * The declared type of a property path on a managed type (`summary.runtime.powerState`,
 * `config.hardware.device[4000]`), so a property value is written with its exact xsi:type.
 */
import { propertyOf } from './registry.js';
import type { TypeRef } from './types.js';

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
