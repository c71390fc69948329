/**
 * The shape of the generated vim25 metadata table (src/generated/vim25.ts) and of
 * the resolved views the registry hands out.
 *
 * The table is compact on purpose: tuples instead of objects, versions as indexes
 * into `versions`, type references as short strings. Its explicit `Vim25Metadata`
 * annotation keeps TypeScript from inferring a literal type for thousands of entries.
 */

/**
 * A type reference as the table writes it:
 * - `string`, `int`, `dateTime`, ... : an xsd primitive
 * - `VirtualDevice`: a data type or an enum, by WSDL name
 * - `ManagedObjectReference`: a moRef to any managed object
 * - `ManagedObjectReference:HostSystem`: a moRef to a HostSystem
 * - any of these followed by `[]`: an array of it
 */
export type TypeSpec = string;

/** Bits of a property's flags in the table. */
export const PropertyFlags = {
  /** May be absent (minOccurs=0). */
  optional: 1,
  /** Carries a secret (password, ticket): never log it. */
  secret: 2,
} as const;

/** `[name, type, flags, version index]`; also used for method parameters. */
export type PropertyTuple = readonly [name: string, type: TypeSpec, flags: number, version: number];

/** `[WSDL name, base WSDL name or null, version index, own properties in declaration order]`. */
export type DataTypeTuple = readonly [
  name: string,
  base: string | null,
  version: number,
  properties: readonly PropertyTuple[],
];

/** `[type, flags]` of a method's result. */
export type ReturnTuple = readonly [type: TypeSpec, flags: number];

/**
 * `[WSDL method name, version index, parameters (the first is _this), result or null
 * for void, the result of the task when the method returns a Task, faults, privilege]`.
 */
export type MethodTuple = readonly [
  name: string,
  version: number,
  params: readonly PropertyTuple[],
  returns: ReturnTuple | null,
  taskResult: TypeSpec | null,
  faults: readonly string[],
  privilege: string | null,
];

/** `[WSDL name, base or null, version index, own properties, own methods]`. */
export type ManagedTypeTuple = readonly [
  name: string,
  base: string | null,
  version: number,
  properties: readonly PropertyTuple[],
  methods: readonly MethodTuple[],
];

/** A value introduced with its enum, or `[value, version index]` when it came later. */
export type EnumValueTuple = string | readonly [value: string, version: number];

/** `[WSDL name, version index, values]`. */
export type EnumTuple = readonly [name: string, version: number, values: readonly EnumValueTuple[]];

/** One API version as clients name it on the wire. */
export interface VersionEntry {
  /** The version string: `6.7`, `6.7.1`, `7.0`, `2.5u2`, `legacy`. */
  readonly name: string;
  /** Its namespace, as in a SOAPAction: `urn:vim25/6.7`. */
  readonly urn: string;
  /** pyVmomi's id for it (`vim.version.version12`), when pyVmomi knows it. */
  readonly id?: string;
  /** Indexes of the versions whose content this version includes (not itself). */
  readonly parents: readonly number[];
}

export interface Vim25Metadata {
  /** Ordered: every version comes after its parents. */
  readonly versions: readonly VersionEntry[];
  /** The version a namespace without a version id (`urn:vim25`) stands for. */
  readonly bareNamespace?: { readonly urn: string; readonly version: string };
  readonly dataTypes: readonly DataTypeTuple[];
  readonly managedTypes: readonly ManagedTypeTuple[];
  /** Methods whose owning managed type the sources do not name. */
  readonly unownedMethods: readonly MethodTuple[];
  readonly enums: readonly EnumTuple[];
}

// ---------------------------------------------------------------------------
// Resolved views (what the registry returns)

/** The xsd primitives that appear in vim25. */
export type PrimitiveName =
  | 'string'
  | 'boolean'
  | 'byte'
  | 'short'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'dateTime'
  | 'base64Binary'
  | 'anyURI'
  | 'anyType';

export type TypeKind = 'primitive' | 'moref' | 'data' | 'managed' | 'enum';

/** A resolved type reference. */
export interface TypeRef {
  /** Wire type: an xsd primitive, `ManagedObjectReference`, or a data/enum type's WSDL name. */
  readonly type: string;
  readonly array: boolean;
  /** For a ManagedObjectReference: the managed type it points to, when known. */
  readonly refType?: string;
}

export interface PropertyInfo extends TypeRef {
  readonly name: string;
  readonly optional: boolean;
  readonly secret: boolean;
  /** The API version that introduced it. */
  readonly version: string;
  /** The type that declares it (a base type for inherited properties). */
  readonly declaredBy: string;
}

export type ParamInfo = Omit<PropertyInfo, 'declaredBy'>;

export interface ReturnInfo extends TypeRef {
  readonly optional: boolean;
  readonly secret: boolean;
}

export interface MethodInfo {
  /** WSDL method name, e.g. `PowerOnVM_Task`. */
  readonly name: string;
  readonly version: string;
  /** Managed types that declare it; empty when the sources do not say. */
  readonly owners: readonly string[];
  /** In wire order; the first is `_this`. */
  readonly params: readonly ParamInfo[];
  /** Absent for void methods. */
  readonly returns?: ReturnInfo;
  /** True when the method returns a ManagedObjectReference to a Task. */
  readonly task: boolean;
  /** For tasks: the type of `TaskInfo.result` on success, when known. */
  readonly taskResult?: TypeRef;
  /** Declared faults (RuntimeFault and its subtypes may always occur). */
  readonly faults: readonly string[];
  readonly privilege?: string;
}

interface TypeInfoBase {
  readonly name: string;
  readonly base?: string;
  readonly version: string;
  /** Properties this type declares, in declaration order. */
  readonly ownProperties: readonly PropertyInfo[];
  /** Every property, base type's first, in the order SOAP serializes them. */
  readonly properties: readonly PropertyInfo[];
}

export interface DataTypeInfo extends TypeInfoBase {
  readonly kind: 'data';
  /** True for MethodFault and its subtypes. */
  readonly fault: boolean;
}

export interface ManagedTypeInfo extends TypeInfoBase {
  readonly kind: 'managed';
  readonly ownMethods: readonly MethodInfo[];
  /** Every method, inherited ones included. */
  readonly methods: readonly MethodInfo[];
}

export type TypeInfo = DataTypeInfo | ManagedTypeInfo;

export interface EnumValueInfo {
  readonly value: string;
  readonly version: string;
}

export interface EnumInfo {
  readonly name: string;
  readonly version: string;
  readonly values: readonly EnumValueInfo[];
}
