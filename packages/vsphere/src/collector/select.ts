/**
 * The two halves of collecting: selecting objects (the objectSet roots and what their
 * traversals reach, respecting each traversal's type and skip, ending cycles) and
 * reading the requested properties of one object. Both read the committed store only.
 */
import { getOrInsert } from '../core/maps.js';
import { faults, type VimFault } from '../faults.js';
import { isA } from '../inventory/managed-types.js';
import type { InventoryRecord } from '../inventory/records.js';
import type { ReadContext } from '../properties/context.js';
import { type PropertyValue, propertyNames, readProperty } from '../properties/index.js';
import { type MoRef, moref } from '../refs.js';
import { ownedByAnother } from './objects.js';
import { localizedFault, type ObjectContent } from './results.js';
import type { CompiledPropertySpec, CompiledSpec, Traversal } from './spec.js';

/** Traversal reads of one pass (path -> id -> value), reused when reading contents (a view's `view`). */
export type Reads = Map<string, Map<string, PropertyValue>>;

const traversalRead = (ctx: ReadContext, record: InventoryRecord, path: string, reads?: Reads) => {
  if (!reads) return readProperty(ctx, record, path);
  const byId = getOrInsert(reads, path, () => new Map<string, PropertyValue>());
  return getOrInsert(byId, record.id, () => readProperty(ctx, record, path));
};

export interface Selection {
  /** The selected objects, in the order they were reached. */
  readonly objects: Map<string, InventoryRecord>;
  /** objectSet roots that do not exist. */
  readonly missing: MoRef[];
  /** Objects a traversal read a path of: a change to one may change the selection. */
  readonly sources: Set<string>;
}

const isMoRef = (v: unknown): v is MoRef =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as MoRef).type === 'string' &&
  typeof (v as MoRef).value === 'string';

const refsIn = (value: unknown): MoRef[] => {
  if (Array.isArray(value)) return value.filter(isMoRef);
  return isMoRef(value) ? [value] : [];
};

/** A root exists when its record does and the reference's type fits the record's kind. */
export const rootRecord = (ctx: ReadContext, obj: MoRef): InventoryRecord | undefined => {
  const record = ctx.store.get(obj.value);
  return record && isA(record.kind, obj.type) && !ownedByAnother(record, ctx.sessionKey) ? record : undefined;
};

export const selectObjects = (ctx: ReadContext, spec: CompiledSpec, reads?: Reads): Selection => {
  const objects = new Map<string, InventoryRecord>();
  const missing: MoRef[] = [];
  const sources = new Set<string>();
  const visited = new Map<Traversal, Set<string>>();
  const follow = (record: InventoryRecord, selectSet: readonly Traversal[]) => {
    for (const t of selectSet) {
      if (!isA(record.kind, t.type)) continue;
      const done = getOrInsert(visited, t, () => new Set<string>());
      if (done.has(record.id)) continue;
      done.add(record.id);
      sources.add(record.id);
      for (const ref of refsIn(traversalRead(ctx, record, t.path, reads).value)) {
        const next = ctx.store.get(ref.value);
        if (!next) continue;
        if (!t.skip && !objects.has(next.id)) objects.set(next.id, next);
        follow(next, t.selectSet);
      }
    }
  };
  for (const o of spec.objectSet) {
    const record = rootRecord(ctx, o.obj);
    if (!record) {
      missing.push(o.obj);
      continue;
    }
    if (!o.skip && !objects.has(record.id)) objects.set(record.id, record);
    follow(record, o.selectSet);
  }
  return { objects, missing, sources };
};

/** The paths to read for one kind: undefined when no PropertySpec applies to it. */
interface KindPaths {
  readonly all: boolean;
  readonly paths: readonly string[];
}

type PathsByKind = Map<string, KindPaths | null>;

/** Each call compiles a fresh propSet; what it asks for (its signature) is what repeats. */
const bySignature = new Map<string, PathsByKind>();
const byPropSet = new WeakMap<readonly CompiledPropertySpec[], PathsByKind>();

const pathsByKind = (propSet: readonly CompiledPropertySpec[]): PathsByKind => {
  let byKind = byPropSet.get(propSet);
  if (byKind) return byKind;
  // Every piece prefixed by its length: unambiguous whatever a path holds, and several times
  // cheaper than JSON on every call.
  let signature = '';
  for (const p of propSet) {
    signature += `${p.type.length}:${p.type}${p.all ? '*' : p.pathSet.length};`;
    for (const path of p.pathSet) signature += `${path.length}:${path}`;
  }
  byKind = bySignature.get(signature);
  if (!byKind) {
    if (bySignature.size >= 1024) bySignature.clear();
    byKind = new Map();
    bySignature.set(signature, byKind);
  }
  byPropSet.set(propSet, byKind);
  return byKind;
};

export const pathsFor = (propSet: readonly CompiledPropertySpec[], kind: string): KindPaths | undefined => {
  const byKind = pathsByKind(propSet);
  let found = byKind.get(kind);
  if (found === undefined) {
    const specs = propSet.filter((p) => isA(kind, p.type));
    const all = specs.some((p) => p.all);
    found =
      specs.length === 0
        ? null
        : { all, paths: all ? propertyNames(kind) : [...new Set(specs.flatMap((p) => p.pathSet))] };
    byKind.set(kind, found);
  }
  return found ?? undefined;
};

export interface Content {
  /** Set properties, in the order asked for. */
  readonly values: Map<string, unknown>;
  /** Properties that exist but could not be read. */
  readonly missing: Map<string, VimFault>;
}

/** The requested properties of one object; undefined when no PropertySpec applies to it. */
export const readContent = (
  ctx: ReadContext,
  record: InventoryRecord,
  propSet: readonly CompiledPropertySpec[],
  reads?: Reads,
): Content | undefined => {
  const wanted = pathsFor(propSet, record.kind);
  if (!wanted) return undefined;
  const values = new Map<string, unknown>();
  const missing = new Map<string, VimFault>();
  for (const path of wanted.paths) {
    const { value, fault } = reads?.get(path)?.get(record.id) ?? readProperty(ctx, record, path);
    if (fault) missing.set(path, fault);
    else if (value !== undefined && value !== null) values.set(path, value);
  }
  return { values, missing };
};

const objectContent = (record: InventoryRecord, content: Content): ObjectContent => {
  const obj = moref(record.kind, record.id);
  const propSet = [...content.values].map(([name, val]) => ({ name, val }));
  if (content.missing.size === 0) return { obj, propSet };
  const missingSet = [...content.missing].map(([path, f]) => ({ path, fault: localizedFault(f) }));
  return { obj, propSet, missingSet };
};

/**
 * What RetrieveProperties answers for compiled specs: each matched object once, with
 * the properties of every spec that selected it. A missing root is ManagedObjectNotFound
 * unless its spec asks for missing objects to be left out.
 */
export const retrieveContents = (ctx: ReadContext, specs: readonly CompiledSpec[]): ObjectContent[] => {
  const reads: Reads = new Map();
  const matched = new Map<
    string,
    { record: InventoryRecord; propSets: (readonly CompiledPropertySpec[])[] }
  >();
  for (const spec of specs) {
    const selection = selectObjects(ctx, spec, reads);
    const missing = selection.missing[0];
    if (missing && !spec.reportMissingObjectsInResults) throw faults.managedObjectNotFound(missing);
    for (const record of selection.objects.values()) {
      const entry = matched.get(record.id);
      if (entry) entry.propSets.push(spec.propSet);
      else matched.set(record.id, { record, propSets: [spec.propSet] });
    }
  }
  const out: ObjectContent[] = [];
  for (const { record, propSets } of matched.values()) {
    const propSet =
      propSets.length === 1 ? (propSets[0] as readonly CompiledPropertySpec[]) : propSets.flat();
    const content = readContent(ctx, record, propSet, reads);
    if (content) out.push(objectContent(record, content));
  }
  return out;
};
