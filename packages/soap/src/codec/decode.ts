/**
 * Decoding a SOAP request into a method call with typed arguments, driven by the vim25
 * metadata. Strict where vCenter is strict: a malformed envelope, a DOCTYPE, an unknown
 * element or type, a value that does not parse as its type, or a missing required
 * property is an InvalidRequest fault, never an exception that escapes.
 */
import { faults, type MoRef } from '@vsim/vsphere';
import {
  enumOf,
  isSubtypeOf,
  isValueType,
  kindOf,
  MOREF,
  methodOf,
  propertyOf,
  typeOf,
  visiblePropertiesOf,
} from '../metadata/registry.js';
import type { MethodInfo, TypeRef } from '../metadata/types.js';
import { invalidRequest } from './soap-fault.js';
import { attributeOf, DoctypeError, parseXml, type XmlElement, XmlSyntaxError } from './xml-reader.js';

export interface DecodedCall {
  readonly method: MethodInfo;
  readonly this: MoRef;
  /** Arguments by parameter name, `_this` excluded. */
  readonly args: Readonly<Record<string, unknown>>;
}

const readXml = (xml: string): XmlElement => {
  try {
    return parseXml(xml);
  } catch (error) {
    if (error instanceof DoctypeError) throw invalidRequest(error.message);
    if (error instanceof XmlSyntaxError)
      throw invalidRequest(`Malformed XML at line ${error.line}: ${error.message}`);
    throw error;
  }
};

const child = (element: XmlElement | undefined, name: string): XmlElement | undefined =>
  element?.children.find((c) => c.name === name);

/**
 * Decodes an element's children into `out`, each as the type `typeOf(name)` gives: the
 * elements of an array gather in document order, any other may appear once. A name with no
 * type is `unexpected`; one whose type is `null` is skipped.
 */
const decodeChildren = (
  element: XmlElement,
  out: Record<string, unknown>,
  typeOf: (name: string) => TypeRef | null | undefined,
  unexpected: (name: string) => string,
  path: string,
  version: string,
): void => {
  for (const c of element.children) {
    const t = typeOf(c.name);
    if (t === null) continue;
    if (t === undefined) throw invalidRequest(unexpected(c.name));
    const at = `${path}.${c.name}`;
    const previous = out[c.name] as unknown[] | undefined;
    if (t.array) {
      const list = previous ?? [];
      list.push(decodeOne(c, t.type, `${at}[${list.length}]`, version));
      out[c.name] = list;
    } else if (previous !== undefined) {
      throw invalidRequest(`'${at}' appears more than once.`);
    } else {
      out[c.name] = decodeOne(c, t.type, at, version);
    }
  }
};

/** xsi:type without its prefix (`vim25:VirtualDisk`, `xsd:string`), whatever the prefix is called. */
const xsiType = (element: XmlElement): string | undefined => {
  const attrs = element.attributes;
  for (let i = 0; i < attrs.length; i += 2) {
    const name = attrs[i] as string;
    if (name === 'type' || !name.endsWith(':type')) continue;
    const value = attrs[i + 1] as string;
    return value.slice(value.indexOf(':') + 1);
  }
  return undefined;
};

export const decodeRequest = (xml: string, version: string): DecodedCall => {
  const envelope = readXml(xml);
  const body = envelope.name === 'Envelope' ? child(envelope, 'Body') : undefined;
  const call = body?.children[0];
  if (call === undefined) throw invalidRequest('The request has no SOAP body.');
  const name = call.name;
  const thisNode = child(call, '_this');
  if (thisNode === undefined) throw invalidRequest(`Missing _this in ${name}.`);
  const self = decodeMoRef(thisNode, '_this');
  const method = methodOf(name);
  if (!method) throw faults.methodNotFound(self, name);
  const { params } = method; // the first is _this, read above
  const decoded: Record<string, unknown> = {};
  decodeChildren(
    call,
    decoded,
    (element) => (element === '_this' ? null : params.find((p) => p.name === element)),
    (element) => `Unexpected element '${element}' in ${name}.`,
    name,
    version,
  );
  for (let i = 1; i < params.length; i++) {
    const param = params[i] as (typeof params)[number];
    if (!param.optional && decoded[param.name] === undefined) {
      throw invalidRequest(`Required parameter '${param.name}' is missing from ${name}.`);
    }
  }
  return { method, this: self, args: decoded };
};

/** Decodes the elements named `name` inside a `<wrapper>` fragment as a value of type `t`. */
export const decodeFragment = (xml: string, name: string, t: TypeRef, version: string): unknown => {
  const wrapper = readXml(xml);
  const out: Record<string, unknown> = {};
  decodeChildren(
    wrapper,
    out,
    (n) => (n === name ? t : null),
    () => '',
    wrapper.name,
    version,
  );
  return out[name];
};

const decodeMoRef = (element: XmlElement, path: string): MoRef => {
  const type = attributeOf(element, 'type');
  if (!type) throw invalidRequest(`The ManagedObjectReference '${path}' has no type.`);
  return { type, value: element.text };
};

const INTEGER = /^[-+]?\d+$/;
const RANGES: Record<string, readonly [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const decodePrimitive = (raw: string, type: string, path: string): unknown => {
  const bad = () => invalidRequest(`Cannot read '${raw}' as ${type} for '${path}'.`);
  switch (type) {
    case 'byte':
    case 'short':
    case 'int':
    case 'long': {
      const s = raw.trim();
      const n = Number(s);
      const [min, max] = RANGES[type] as readonly [number, number];
      if (!INTEGER.test(s) || n < min || n > max) throw bad();
      return n;
    }
    case 'float':
    case 'double': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(n)) throw bad();
      return n;
    }
    case 'boolean': {
      const s = raw.trim();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      throw bad();
    }
    case 'dateTime':
      if (Number.isNaN(Date.parse(raw.trim()))) throw bad();
      return raw.trim();
    default:
      return raw;
  }
};

/** `ArrayOfString` -> `string`, `ArrayOfManagedObjectReference` -> `ManagedObjectReference`. */
const arrayItem = (wrapper: string): string | undefined => {
  if (!wrapper.startsWith('ArrayOf')) return undefined;
  const item = wrapper.slice('ArrayOf'.length);
  const lower = item.charAt(0).toLowerCase() + item.slice(1);
  if (isValueType(lower)) return lower;
  return kindOf(item) ? item : item === MOREF ? MOREF : undefined;
};

const decodeOne = (element: XmlElement, declared: string, path: string, version: string): unknown => {
  const actual = xsiType(element);
  if (declared === 'anyType') {
    if (!actual) throw invalidRequest(`'${path}' is of type anyType and needs an xsi:type.`);
    return decodeAny(element, actual, path, version);
  }
  if (declared === MOREF || actual === MOREF) return decodeMoRef(element, path);
  if (isValueType(declared)) return decodePrimitive(element.text, declared, path);
  const kind = kindOf(declared);
  if (kind === 'enum') {
    const value = element.text.trim();
    if (!enumOf(declared)?.values.some((v) => v.value === value)) {
      throw invalidRequest(`'${value}' is not a value of ${declared} ('${path}').`);
    }
    return value;
  }
  if (kind !== 'data') throw invalidRequest(`'${path}' has the unknown type ${declared}.`);
  return decodeData(element, actual ?? declared, declared, path, version);
};

const decodeAny = (element: XmlElement, actual: string, path: string, version: string): unknown => {
  if (isValueType(actual)) return decodePrimitive(element.text, actual, path);
  if (actual === MOREF) return decodeMoRef(element, path);
  const item = arrayItem(actual);
  if (item) {
    const items = element.children.filter((c) => c.name === item);
    return items.map((c, i) => decodeOne(c, item, `${path}[${i}]`, version));
  }
  const kind = kindOf(actual);
  if (kind === 'enum') return element.text.trim();
  if (kind !== 'data') throw invalidRequest(`Unknown type '${actual}' for '${path}'.`);
  return decodeData(element, actual, actual, path, version);
};

const decodeData = (
  element: XmlElement,
  actual: string,
  declared: string,
  path: string,
  version: string,
): Record<string, unknown> => {
  const info = typeOf(actual);
  if (info?.kind !== 'data') throw invalidRequest(`Unknown type '${actual}' for '${path}'.`);
  if (!isSubtypeOf(actual, declared)) throw invalidRequest(`${actual} is not a ${declared} ('${path}').`);
  const out: Record<string, unknown> = { _type: actual };
  decodeChildren(
    element,
    out,
    (name) => propertyOf(actual, name),
    (name) => `Unexpected element '${name}' in ${actual} ('${path}').`,
    path,
    version,
  );
  // Only what the client's version has can be required of it.
  for (const prop of visiblePropertiesOf(actual, version)) {
    if (!prop.optional && out[prop.name] === undefined) {
      throw invalidRequest(
        `Required property ${prop.name} is missing from data object of type ${actual} ('${path}').`,
      );
    }
  }
  return out;
};
