/**
 * Lookups over the vim25 type metadata: types with their inherited properties,
 * subtyping, methods, enums, API versions and array wrapper names.
 *
 * The generated table is indexed into Maps on first use; resolved views
 * (TypeInfo, MethodInfo, EnumInfo) are built on demand and memoized, so every
 * lookup after the first is a Map read.
 */
import { VIM25 } from '../generated/vim25.js';
import {
  type DataTypeTuple,
  type EnumInfo,
  type EnumTuple,
  type ManagedTypeInfo,
  type ManagedTypeTuple,
  type MethodInfo,
  type MethodTuple,
  type ParamInfo,
  type PrimitiveName,
  PropertyFlags,
  type PropertyInfo,
  type PropertyTuple,
  type ReturnInfo,
  type TypeInfo,
  type TypeKind,
  type TypeRef,
  type TypeSpec,
  type Vim25Metadata,
} from './types.js';

export const MOREF = 'ManagedObjectReference';

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveName>([
  'string',
  'boolean',
  'byte',
  'short',
  'int',
  'long',
  'float',
  'double',
  'dateTime',
  'base64Binary',
  'anyURI',
  'anyType',
]);

/** An xsd type that carries a plain value (every primitive but anyType). */
export const isValueType = (name: string): boolean => name !== 'anyType' && PRIMITIVES.has(name);

interface Index {
  readonly meta: Vim25Metadata;
  readonly versionIndex: ReadonlyMap<string, number>;
  /** visible[client][introduced]: content of `introduced` is part of `client`. */
  readonly visible: readonly (readonly boolean[])[];
  /** Indexes of the purely numeric versions (`6.7.1`), ascending, with their parsed numbers. */
  readonly numbered: readonly { readonly index: number; readonly parts: readonly number[] }[];
  readonly data: ReadonlyMap<string, DataTypeTuple>;
  readonly managed: ReadonlyMap<string, ManagedTypeTuple>;
  readonly enums: ReadonlyMap<string, EnumTuple>;
  readonly methods: ReadonlyMap<string, { readonly tuple: MethodTuple; readonly owners: string[] }>;
  /** Lower-cased-first names of the types whose WSDL name starts in lower case. */
  readonly lowerInitial: ReadonlyMap<string, string>;
  /** Every type name's kind, for one lookup per value the encoder writes. */
  readonly kinds: ReadonlyMap<string, TypeKind>;
}

let index: Index | undefined;

// Memoized resolved views.
const typeInfos = new Map<string, TypeInfo>();
const propertyMaps = new Map<string, ReadonlyMap<string, PropertyInfo>>();
const methodInfos = new Map<string, MethodInfo>();
const enumInfos = new Map<string, EnumInfo>();
/** What a client version sees of each type, by the version string clients send. */
interface VersionView {
  /**
   * The index of the known version it stands for: itself when known; for an unknown numeric
   * version, the newest known numeric version not after it, whose content it certainly includes.
   */
  readonly index: number | undefined;
  /** Type -> its properties the version has. */
  readonly visible: Map<string, readonly PropertyInfo[]>;
  /** Type -> the type the version knows a value of it as (null: none). */
  readonly compatible: Map<string, string | null>;
}
const views = new Map<string, VersionView>();
/** Clients name a handful of versions; made-up ones must not grow the caches without bound. */
const MAX_CACHED_VERSIONS = 256;
let children: ReadonlyMap<string, readonly string[]> | undefined;
const subtypeLists = new Map<string, readonly string[]>();

function idx(): Index {
  if (index === undefined) index = build(VIM25);
  return index;
}

function build(meta: Vim25Metadata): Index {
  const versionIndex = new Map<string, number>();
  meta.versions.forEach((v, i) => {
    versionIndex.set(v.name, i);
  });
  const visible = meta.versions.map((v, i) => {
    const row = meta.versions.map(() => false);
    row[i] = true;
    for (const p of v.parents) row[p] = true;
    return row;
  });
  const numbered = meta.versions
    .map((v, i) => ({ index: i, parts: numericParts(v.name) }))
    .filter((v): v is { index: number; parts: number[] } => v.parts !== undefined)
    .sort((a, b) => compareParts(a.parts, b.parts));

  const data = new Map<string, DataTypeTuple>();
  const managed = new Map<string, ManagedTypeTuple>();
  const enums = new Map<string, EnumTuple>();
  const methods = new Map<string, { tuple: MethodTuple; owners: string[] }>();
  const lowerInitial = new Map<string, string>();
  const noteName = (name: string) => {
    const first = name.charAt(0);
    if (first !== first.toUpperCase()) lowerInitial.set(capitalize(name), name);
  };
  for (const t of meta.dataTypes) {
    data.set(t[0], t);
    noteName(t[0]);
  }
  for (const t of meta.enums) {
    enums.set(t[0], t);
    noteName(t[0]);
  }
  for (const t of meta.managedTypes) {
    managed.set(t[0], t);
    for (const m of t[4]) {
      const known = methods.get(m[0]);
      if (known) known.owners.push(t[0]);
      else methods.set(m[0], { tuple: m, owners: [t[0]] });
    }
  }
  for (const m of meta.unownedMethods) {
    if (!methods.has(m[0])) methods.set(m[0], { tuple: m, owners: [] });
  }
  // Later entries win: a primitive or the moref name is that, whatever a table also calls it.
  const kinds = new Map<string, TypeKind>();
  for (const name of enums.keys()) kinds.set(name, 'enum');
  for (const name of managed.keys()) kinds.set(name, 'managed');
  for (const name of data.keys()) kinds.set(name, 'data');
  kinds.set(MOREF, 'moref');
  for (const name of PRIMITIVES) kinds.set(name, 'primitive');
  return { meta, versionIndex, visible, numbered, data, managed, enums, methods, lowerInitial, kinds };
}

// ---------------------------------------------------------------------------
// Versions

/** Numbers of a purely numeric version string (`6.7.1` -> [6, 7, 1]); undefined otherwise. */
function numericParts(v: string): number[] | undefined {
  if (!/^\d+(\.\d+)*$/.test(v)) return undefined;
  return v.split('.').map(Number);
}

function compareParts(a: readonly number[], b: readonly number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** For an unknown numeric version (`6.7.3`, `8.0.2.0`): the newest known numeric version not after it. */
function nearestNumbered(v: string): number | undefined {
  const parts = numericParts(v);
  let found: number | undefined;
  if (parts !== undefined) {
    for (const n of idx().numbered) {
      if (compareParts(n.parts, parts) <= 0) found = n.index;
      else break;
    }
  }
  return found;
}

/** Every known API version, ordered so that each comes after its parents. */
export function knownVersions(): readonly string[] {
  return idx().meta.versions.map((v) => v.name);
}

/** Position of a known version in `knownVersions()`; -1 when unknown. */
export function versionOrder(version: string): number {
  return idx().versionIndex.get(version) ?? -1;
}

/**
 * Whether content introduced in `introducedVersion` is part of `clientVersion`
 * (the client's version includes that version). Unknown numeric client versions
 * count as the newest known version before them; anything else unknown sees nothing.
 */
export function isVisibleIn(introducedVersion: string, clientVersion: string): boolean {
  const c = viewOf(clientVersion).index;
  const i = idx().versionIndex.get(introducedVersion);
  if (c === undefined || i === undefined) return false;
  return idx().visible[c]?.[i] ?? false;
}

/**
 * The version a namespace names: `urn:vim25/6.7` -> `6.7`; the bare `urn:vim25`
 * -> the version pyVmomi maps it to. Undefined for other services.
 */
export function versionFromNamespace(namespace: string): string | undefined {
  const ns = namespace.startsWith('urn:') ? namespace : `urn:${namespace}`;
  const meta = idx().meta;
  if (meta.bareNamespace && ns === meta.bareNamespace.urn) return meta.bareNamespace.version;
  for (const v of meta.versions) if (v.urn === ns) return v.name;
  const prefix = 'urn:vim25/';
  return ns.startsWith(prefix) && ns.length > prefix.length ? ns.slice(prefix.length) : undefined;
}

// ---------------------------------------------------------------------------
// Types

function versionName(i: number): string {
  const v = idx().meta.versions[i];
  if (v === undefined) throw new Error(`vim25 metadata: no version #${i}`);
  return v.name;
}

/** Parses a table type reference (`HostSystem`, `ManagedObjectReference:Task[]`). */
export function parseTypeSpec(spec: TypeSpec): TypeRef {
  const array = spec.endsWith('[]');
  const s = array ? spec.slice(0, -2) : spec;
  const colon = s.indexOf(':');
  if (colon < 0) return { type: s, array };
  return { type: s.slice(0, colon), array, refType: s.slice(colon + 1) };
}

function paramInfo(t: PropertyTuple): ParamInfo {
  return {
    name: t[0],
    ...parseTypeSpec(t[1]),
    optional: (t[2] & PropertyFlags.optional) !== 0,
    secret: (t[2] & PropertyFlags.secret) !== 0,
    version: versionName(t[3]),
  };
}

function propertyInfo(t: PropertyTuple, declaredBy: string): PropertyInfo {
  return { ...paramInfo(t), declaredBy };
}

/** What kind of type a WSDL name is; undefined when unknown. */
export function kindOf(name: string): TypeKind | undefined {
  return idx().kinds.get(name);
}

/** A data or managed type by WSDL name, with its properties resolved base-first. */
export function typeOf(name: string): TypeInfo | undefined {
  const cached = typeInfos.get(name);
  if (cached) return cached;
  const ix = idx();
  const d = ix.data.get(name);
  const m = d ? undefined : ix.managed.get(name);
  const t = d ?? m;
  if (t === undefined) return undefined;
  const [, baseName, version, props] = t;
  const base = baseName === null ? undefined : typeOf(baseName);
  if (baseName !== null && base === undefined) {
    throw new Error(`vim25 metadata: base ${baseName} of ${name} is unknown`);
  }
  const ownProperties = props.map((p) => propertyInfo(p, name));
  const properties = base ? [...base.properties, ...ownProperties] : ownProperties;
  const common = {
    name,
    ...(baseName === null ? {} : { base: baseName }),
    version: versionName(version),
    ownProperties,
    properties,
  };
  let info: TypeInfo;
  if (m === undefined) {
    info = { kind: 'data', ...common, fault: isSubtypeOf(name, 'MethodFault') };
  } else {
    const ownMethods = m[4].map((x) => methodOf(x[0]) as MethodInfo);
    const inherited = base?.kind === 'managed' ? base.methods : [];
    info = { kind: 'managed', ...common, ownMethods, methods: [...inherited, ...ownMethods] };
  }
  typeInfos.set(name, info);
  return info;
}

/** A managed type by WSDL name. */
export function managedTypeOf(name: string): ManagedTypeInfo | undefined {
  const t = typeOf(name);
  return t?.kind === 'managed' ? t : undefined;
}

/** The base type's WSDL name, if any. */
export function baseOf(name: string): string | undefined {
  const ix = idx();
  const t = ix.data.get(name) ?? ix.managed.get(name);
  return t?.[1] ?? undefined;
}

/** Whether `type` is `base` or derives from it (data and managed types). */
export function isSubtypeOf(type: string, base: string): boolean {
  if (type === base) return true;
  const ix = idx();
  let t = ix.data.get(type) ?? ix.managed.get(type);
  while (t !== undefined && t[1] !== null) {
    if (t[1] === base) return true;
    t = ix.data.get(t[1]) ?? ix.managed.get(t[1]);
  }
  return false;
}

/** The type and every type derived from it, the type first, then by name. */
export function subtypesOf(name: string): readonly string[] {
  const cached = subtypeLists.get(name);
  if (cached) return cached;
  if (children === undefined) {
    const map = new Map<string, string[]>();
    const ix = idx();
    for (const t of [...ix.data.values(), ...ix.managed.values()]) {
      if (t[1] === null) continue;
      const list = map.get(t[1]);
      if (list) list.push(t[0]);
      else map.set(t[1], [t[0]]);
    }
    children = map;
  }
  const all: string[] = [];
  const walk = (n: string) => {
    for (const c of children?.get(n) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(name);
  const result = kindOf(name) === undefined ? [] : [name, ...all.sort()];
  subtypeLists.set(name, result);
  return result;
}

/** A property of a type, its own or inherited. */
export function propertyOf(type: string, prop: string): PropertyInfo | undefined {
  let map = propertyMaps.get(type);
  if (map === undefined) {
    const t = typeOf(type);
    if (t === undefined) return undefined;
    map = new Map(t.properties.map((p) => [p.name, p]));
    propertyMaps.set(type, map);
  }
  return map.get(prop);
}

function viewOf(clientVersion: string): VersionView {
  let view = views.get(clientVersion);
  if (view === undefined) {
    if (views.size >= MAX_CACHED_VERSIONS) views.clear();
    const index = idx().versionIndex.get(clientVersion) ?? nearestNumbered(clientVersion);
    view = { index, visible: new Map(), compatible: new Map() };
    views.set(clientVersion, view);
  }
  return view;
}

/** The properties of a type that a client speaking `clientVersion` knows, in wire order. */
export function visiblePropertiesOf(type: string, clientVersion: string): readonly PropertyInfo[] {
  const { visible } = viewOf(clientVersion);
  let properties = visible.get(type);
  if (properties === undefined) {
    const t = typeOf(type);
    properties = t ? t.properties.filter((p) => isVisibleIn(p.version, clientVersion)) : [];
    visible.set(type, properties);
  }
  return properties;
}

/**
 * The type a client speaking `clientVersion` knows a value of `type` as: the type
 * itself or its nearest ancestor introduced in a version the client has
 * (what an xsi:type must name). Undefined when none is.
 */
export function compatibleTypeOf(type: string, clientVersion: string): string | undefined {
  const { compatible } = viewOf(clientVersion);
  let known = compatible.get(type);
  if (known === undefined) {
    known = nearestVisible(type, clientVersion);
    compatible.set(type, known);
  }
  return known ?? undefined;
}

function nearestVisible(type: string, clientVersion: string): string | null {
  const ix = idx();
  let name: string | null = type;
  while (name !== null) {
    const t: DataTypeTuple | ManagedTypeTuple | undefined = ix.data.get(name) ?? ix.managed.get(name);
    if (t === undefined) return null;
    if (isVisibleIn(versionName(t[2]), clientVersion)) return name;
    name = t[1];
  }
  return null;
}

// ---------------------------------------------------------------------------
// Methods

/** A method by WSDL name (`PowerOnVM_Task`), with the managed types that own it. */
export function methodOf(name: string): MethodInfo | undefined {
  const cached = methodInfos.get(name);
  if (cached) return cached;
  const entry = idx().methods.get(name);
  if (entry === undefined) return undefined;
  const [, version, params, returns, taskResult, faults, privilege] = entry.tuple;
  let ret: ReturnInfo | undefined;
  if (returns !== null) {
    ret = {
      ...parseTypeSpec(returns[0]),
      optional: (returns[1] & PropertyFlags.optional) !== 0,
      secret: (returns[1] & PropertyFlags.secret) !== 0,
    };
  }
  const task = ret !== undefined && ret.type === MOREF && ret.refType === 'Task' && !ret.array;
  const info: MethodInfo = {
    name,
    version: versionName(version),
    owners: entry.owners,
    params: params.map(paramInfo),
    ...(ret === undefined ? {} : { returns: ret }),
    task,
    ...(taskResult === null ? {} : { taskResult: parseTypeSpec(taskResult) }),
    faults,
    ...(privilege === null ? {} : { privilege }),
  };
  methodInfos.set(name, info);
  return info;
}

/** Every method name in the table. */
export function methodNames(): readonly string[] {
  return [...idx().methods.keys()];
}

// ---------------------------------------------------------------------------
// Enums

export function enumOf(name: string): EnumInfo | undefined {
  const cached = enumInfos.get(name);
  if (cached) return cached;
  const t = idx().enums.get(name);
  if (t === undefined) return undefined;
  const version = versionName(t[1]);
  const info: EnumInfo = {
    name,
    version,
    values: t[2].map((v) =>
      typeof v === 'string' ? { value: v, version } : { value: v[0], version: versionName(v[1]) },
    ),
  };
  enumInfos.set(name, info);
  return info;
}

/** An enum's values; with `clientVersion`, only those that client knows. */
export function enumValues(name: string, clientVersion?: string): readonly string[] | undefined {
  const e = enumOf(name);
  if (e === undefined) return undefined;
  const values =
    clientVersion === undefined ? e.values : e.values.filter((v) => isVisibleIn(v.version, clientVersion));
  return values.map((v) => v.value);
}

// ---------------------------------------------------------------------------
// Array wrappers

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function uncapitalize(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * The wrapper type name of an array of `type`, as an xsi:type in an anyType slot:
 * `ArrayOfManagedObjectReference`, `ArrayOfVirtualDevice`, `ArrayOfString`, `ArrayOfInt`.
 * A trailing `[]` on `type` is ignored.
 */
export function arrayWrapperName(type: string): string {
  const t = type.endsWith('[]') ? type.slice(0, -2) : type;
  return `ArrayOf${capitalize(t)}`;
}

/** The item type of an array wrapper name (`ArrayOfInt` -> `int`); undefined when none. */
export function arrayItemTypeOf(wrapper: string): string | undefined {
  if (!wrapper.startsWith('ArrayOf') || wrapper.length === 7) return undefined;
  const rest = wrapper.slice(7);
  if (kindOf(rest) !== undefined) return rest;
  const lower = idx().lowerInitial.get(rest) ?? uncapitalize(rest);
  return kindOf(lower) !== undefined ? lower : undefined;
}

/** The raw generated table (tuples), for tools that walk all of it. */
export function metadata(): Vim25Metadata {
  return idx().meta;
}
