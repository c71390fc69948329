/**
 * PropertyFilterSpec and its parts with vSphere's field names, and their compilation:
 * a spec is checked once (unknown types, paths and traversal names are faults for the
 * whole call, as vCenter answers) and turned into a graph of traversals in which named
 * SelectionSpecs point at the TraversalSpec of that name, wherever in the spec it is.
 */
import { faults } from '../faults.js';
import { hasPropertyTable, isPropertyPath } from '../properties/index.js';
import type { MoRef } from '../refs.js';

export interface PropertySpec {
  readonly type: string;
  readonly all?: boolean;
  readonly pathSet?: readonly string[];
}

/** A reference, by name, to a TraversalSpec elsewhere in the same filter spec. */
export interface SelectionSpec {
  readonly _type?: 'SelectionSpec';
  readonly name: string;
}

export interface TraversalSpec {
  readonly _type?: 'TraversalSpec';
  readonly name?: string;
  readonly type: string;
  readonly path: string;
  readonly skip?: boolean;
  readonly selectSet?: readonly (SelectionSpec | TraversalSpec)[];
}

export type AnySelectionSpec = SelectionSpec | TraversalSpec;

export interface ObjectSpec {
  readonly obj: MoRef;
  readonly skip?: boolean;
  readonly selectSet?: readonly AnySelectionSpec[];
}

export interface PropertyFilterSpec {
  readonly propSet: readonly PropertySpec[];
  readonly objectSet: readonly ObjectSpec[];
  readonly reportMissingObjectsInResults?: boolean;
}

/** A TraversalSpec ready to follow; its selectSet holds the traversals it continues with. */
export interface Traversal {
  readonly type: string;
  readonly path: string;
  readonly skip: boolean;
  readonly selectSet: Traversal[];
}

export interface CompiledObjectSpec {
  readonly obj: MoRef;
  readonly skip: boolean;
  readonly selectSet: readonly Traversal[];
}

export interface CompiledPropertySpec {
  readonly type: string;
  readonly all: boolean;
  readonly pathSet: readonly string[];
}

export interface CompiledSpec {
  readonly propSet: readonly CompiledPropertySpec[];
  readonly objectSet: readonly CompiledObjectSpec[];
  readonly reportMissingObjectsInResults: boolean;
}

/** `_type` tells the two apart; without it, a spec with a `path` is a TraversalSpec. */
export const isTraversalSpec = (s: AnySelectionSpec): s is TraversalSpec =>
  s._type === 'TraversalSpec' || (s._type === undefined && typeof (s as TraversalSpec).path === 'string');

const checkType = (type: unknown): string => {
  if (typeof type !== 'string' || !hasPropertyTable(type)) throw faults.invalidType(String(type));
  return type;
};

const checkPath = (type: string, path: unknown): string => {
  if (typeof path !== 'string' || !isPropertyPath(type, path)) throw faults.invalidProperty(String(path));
  return path;
};

const compilePropertySpec = (p: PropertySpec): CompiledPropertySpec => {
  const type = checkType(p.type);
  const pathSet = p.all === true ? [] : [...new Set((p.pathSet ?? []).map((path) => checkPath(type, path)))];
  return { type, all: p.all === true, pathSet };
};

/** Every TraversalSpec in the spec, each compiled once; named ones also by name. */
const collectTraversals = (spec: PropertyFilterSpec) => {
  const compiled = new Map<TraversalSpec, Traversal>();
  const byName = new Map<string, Traversal>();
  const visit = (set: readonly AnySelectionSpec[] | undefined) => {
    for (const s of set ?? []) {
      if (!isTraversalSpec(s) || compiled.has(s)) continue;
      const type = checkType(s.type);
      const t: Traversal = { type, path: checkPath(type, s.path), skip: s.skip === true, selectSet: [] };
      compiled.set(s, t);
      if (s.name && !byName.has(s.name)) byName.set(s.name, t);
      visit(s.selectSet);
    }
  };
  for (const o of spec.objectSet ?? []) visit(o.selectSet);
  return { compiled, byName };
};

export const compileSpec = (spec: PropertyFilterSpec): CompiledSpec => {
  const propSet = (spec.propSet ?? []).map(compilePropertySpec);
  const { compiled, byName } = collectTraversals(spec);
  const resolve = (s: AnySelectionSpec): Traversal => {
    const t = isTraversalSpec(s) ? compiled.get(s) : byName.get(s.name);
    if (!t) throw faults.invalidArgument('selectSet');
    return t;
  };
  for (const [raw, t] of compiled) t.selectSet.push(...(raw.selectSet ?? []).map(resolve));
  const objectSet = (spec.objectSet ?? []).map((o) => {
    if (!o?.obj || typeof o.obj.value !== 'string') throw faults.invalidArgument('obj');
    return { obj: o.obj, skip: o.skip === true, selectSet: (o.selectSet ?? []).map(resolve) };
  });
  return { propSet, objectSet, reportMissingObjectsInResults: spec.reportMissingObjectsInResults === true };
};
