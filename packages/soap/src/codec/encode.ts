/**
 * Encoding values as vim25 XML, as strings straight from the metadata (no DOM, no
 * builder). Answers are shaped for the client's API version: a property or type newer
 * than that version is never written; a value of a newer type is written as its
 * nearest ancestor the client knows.
 */
import type { MoRef } from '@vsim/vsphere';
import {
  arrayWrapperName,
  compatibleTypeOf,
  kindOf,
  MOREF,
  typeOf,
  visiblePropertiesOf,
} from '../metadata/registry.js';
import type { TypeRef } from '../metadata/types.js';
import { escapeXml } from './xml.js';

/** A value for an anyType slot whose declared type is known (a property value read by path). */
export class TypedValue {
  constructor(
    readonly ref: TypeRef,
    readonly value: unknown,
  ) {}
}

export interface EncodeContext {
  /** The API version the client speaks, e.g. `6.7` or `7.0`. */
  readonly version: string;
}

const isMoRef = (v: unknown): v is MoRef =>
  typeof v === 'object' && v !== null && !('_type' in v) && 'type' in v && 'value' in v;

const primitiveText = (value: unknown, type: string): string => {
  if (type === 'dateTime' && typeof value === 'number') return new Date(value).toISOString();
  return escapeXml(String(value));
};

/** `<name ...>` with an xsi:type when asked. */
const open = (name: string, xsiType: string | undefined, extra = '') =>
  `<${name}${xsiType ? ` xsi:type="${xsiType}"` : ''}${extra}>`;

/**
 * A property (or parameter, or return value) of declared type `t`: one element per
 * array item, nothing for an unset value.
 */
export const encodeProperty = (name: string, value: unknown, t: TypeRef, ctx: EncodeContext): string => {
  if (value === undefined || value === null) return '';
  if (t.array) {
    if (!Array.isArray(value)) return encodeOne(name, value, t.type, ctx, false);
    let out = '';
    for (const item of value) out += encodeOne(name, item, t.type, ctx, false);
    return out;
  }
  return encodeOne(name, value, t.type, ctx, false);
};

/**
 * A value in an anyType slot (DynamicProperty.val, PropertyChange.val) whose real type is
 * known: always with its xsi:type, arrays in their ArrayOfXxx wrapper.
 */
export const encodeTyped = (name: string, value: unknown, t: TypeRef, ctx: EncodeContext): string => {
  if (value === undefined || value === null) return '';
  if (t.array) {
    const items = Array.isArray(value) ? value : [value];
    const itemName = t.type;
    let inner = '';
    for (const item of items) inner += encodeOne(itemName, item, t.type, ctx, false);
    return `${open(name, arrayWrapperName(t.type))}${inner}</${name}>`;
  }
  return encodeOne(name, value, t.type, ctx, true);
};

const xsdName = (type: string) => `xsd:${type}`;

const encodeOne = (
  name: string,
  value: unknown,
  declared: string,
  ctx: EncodeContext,
  typed: boolean,
): string => {
  if (value === undefined || value === null) return '';
  if (declared === 'anyType') return encodeAny(name, value, ctx);
  if (declared === MOREF || isMoRef(value)) {
    const ref = value as MoRef;
    return `${open(name, typed ? MOREF : undefined, ` type="${escapeXml(ref.type)}"`)}${escapeXml(ref.value)}</${name}>`;
  }
  const kind = kindOf(declared); // anyType, the one primitive without a plain value, is handled above
  if (kind === 'primitive') {
    return `${open(name, typed ? xsdName(declared) : undefined)}${primitiveText(value, declared)}</${name}>`;
  }
  if (kind === 'enum')
    return `${open(name, typed ? declared : undefined)}${escapeXml(String(value))}</${name}>`;
  return encodeData(name, value as Record<string, unknown>, declared, ctx, typed);
};

const encodeData = (
  name: string,
  value: Record<string, unknown>,
  declared: string,
  ctx: EncodeContext,
  typed: boolean,
): string => {
  const actual = typeof value._type === 'string' ? value._type : declared;
  const type = compatibleTypeOf(actual, ctx.version);
  if (type === undefined || !typeOf(type)) return '';
  let out = open(name, typed || type !== declared ? type : undefined);
  for (const prop of visiblePropertiesOf(type, ctx.version)) {
    const v = value[prop.name];
    if (v !== undefined) out += encodeProperty(prop.name, v, prop, ctx);
  }
  return `${out}</${name}>`;
};

/** anyType with no better knowledge: infer the xsi:type from the value itself. */
const encodeAny = (name: string, value: unknown, ctx: EncodeContext): string => {
  if (value instanceof TypedValue) return encodeTyped(name, value.value, value.ref, ctx);
  if (Array.isArray(value)) {
    const first = value[0];
    const item = first === undefined ? 'string' : inferType(first);
    return encodeTyped(name, value, { type: item, array: true }, ctx);
  }
  return encodeOne(name, value, inferType(value), ctx, true);
};

const inferType = (value: unknown): string => {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number')
    return Number.isInteger(value) ? (Math.abs(value) <= 2147483647 ? 'int' : 'long') : 'double';
  if (isMoRef(value)) return MOREF;
  const t = (value as { _type?: unknown })._type;
  return typeof t === 'string' ? t : 'anyType';
};
