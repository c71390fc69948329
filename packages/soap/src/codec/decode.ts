/**
 * Decoding a SOAP request into a method call with typed arguments, driven by the vim25
 * metadata. Strict where vCenter is strict: a malformed envelope, a DOCTYPE, an unknown
 * element or type, a value that does not parse as its type, or a missing required
 * property is an InvalidRequest fault, never an exception that escapes.
 */
import { faults, type MoRef } from '@vsim/vsphere';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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

export interface DecodedCall {
  readonly method: MethodInfo;
  readonly this: MoRef;
  /** Arguments by parameter name, `_this` excluded. */
  readonly args: Readonly<Record<string, unknown>>;
}

/** A parsed element: text, or children by name (always arrays) with attributes under '@'. */
type Node = string | { readonly [name: string]: Node[] | Attributes | string | undefined };
type Attributes = Readonly<Record<string, string>>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Text is left raw and decoded by `text` below: the parser's own entity decoding skips
  // character references (&#34; &#xA;, which Go's encoding/xml writes) unless told to also
  // decode every HTML entity, at twice the parse cost.
  processEntities: false,
  htmlEntities: false,
  jPath: false,
  isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  // Element prefixes (soapenv:, vim25:) are noise here; strip them without a regular expression.
  transformTagName: (name) => name.slice(name.indexOf(':') + 1),
});

const DOCTYPE = /<!DOCTYPE/i;

/** The first element named `name` among a node's children. */
const child = (node: Node | undefined, name: string): Node | undefined => {
  if (node === undefined || typeof node === 'string') return undefined;
  const list = node[name];
  return Array.isArray(list) ? list[0] : undefined;
};

const elementNames = (node: Node): string[] =>
  typeof node === 'string' ? [] : Object.keys(node).filter((k) => k !== '@' && k !== '#text');

const attributes = (node: Node): Attributes | undefined =>
  typeof node === 'string' ? undefined : (node['@'] as Attributes | undefined);

const REFERENCE = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g;
const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's five entities and character references, decoded in one pass (so `&amp;#34;` stays `&#34;`). */
const unescapeXml = (s: string): string =>
  s.indexOf('&') === -1
    ? s
    : s.replace(REFERENCE, (ref, hex?: string, dec?: string, name?: string) => {
        if (name) return NAMED[name] as string;
        const code = hex ? Number.parseInt(hex, 16) : Number(dec);
        return code <= 0x10ffff ? String.fromCodePoint(code) : ref;
      });

const text = (node: Node): string =>
  unescapeXml(typeof node === 'string' ? node : ((node['#text'] as string | undefined) ?? ''));

/** xsi:type without its prefix (`vim25:VirtualDisk`, `xsd:string`), whatever the prefix is called. */
const xsiType = (node: Node): string | undefined => {
  const attrs = attributes(node);
  if (!attrs) return undefined;
  for (const name in attrs) {
    if (name === 'type' || !name.endsWith(':type')) continue;
    const value = attrs[name] as string;
    return value.slice(value.indexOf(':') + 1);
  }
  return undefined;
};

export const decodeRequest = (xml: string, version: string): DecodedCall => {
  if (DOCTYPE.test(xml)) throw invalidRequest('A DOCTYPE is not allowed in a request.');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw invalidRequest(`Malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (error) {
    throw invalidRequest(`Malformed XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body = child(child(doc, 'Envelope'), 'Body');
  const [name] = body === undefined ? [] : elementNames(body);
  const call = name === undefined ? undefined : child(body, name);
  if (name === undefined || call === undefined) throw invalidRequest('The request has no SOAP body.');
  const thisNode = child(call, '_this');
  if (thisNode === undefined) throw invalidRequest(`Missing _this in ${name}.`);
  const self = decodeMoRef(thisNode, '_this');
  const method = methodOf(name);
  if (!method) throw faults.methodNotFound(self, name);
  const args: Record<string, unknown> = {};
  const known = new Set(method.params.map((p) => p.name));
  for (const element of elementNames(call)) {
    if (!known.has(element)) throw invalidRequest(`Unexpected element '${element}' in ${name}.`);
  }
  for (const param of method.params.slice(1)) {
    const nodes = typeof call === 'string' ? undefined : (call[param.name] as Node[] | undefined);
    if (nodes === undefined) {
      if (!param.optional)
        throw invalidRequest(`Required parameter '${param.name}' is missing from ${name}.`);
      continue;
    }
    args[param.name] = decodeNodes(nodes, param, `${name}.${param.name}`, version);
  }
  return { method, this: self, args };
};

/** Decodes the elements named `name` inside a `<wrapper>` fragment as a value of type `t`. */
export const decodeFragment = (xml: string, name: string, t: TypeRef, version: string): unknown => {
  const doc = parser.parse(xml) as Node;
  const [root] = elementNames(doc);
  const wrapper = root === undefined ? undefined : child(doc, root);
  const nodes =
    wrapper === undefined || typeof wrapper === 'string' ? undefined : (wrapper[name] as Node[] | undefined);
  return nodes === undefined ? undefined : decodeNodes(nodes, t, name, version);
};

const decodeNodes = (nodes: Node[], t: TypeRef, path: string, version: string): unknown => {
  if (t.array) return nodes.map((n, i) => decodeOne(n, t.type, `${path}[${i}]`, version));
  if (nodes.length > 1) throw invalidRequest(`'${path}' appears more than once.`);
  return decodeOne(nodes[0] as Node, t.type, path, version);
};

const decodeMoRef = (node: Node, path: string): MoRef => {
  const type = attributes(node)?.type;
  if (!type) throw invalidRequest(`The ManagedObjectReference '${path}' has no type.`);
  return { type, value: text(node) };
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

const decodeOne = (node: Node, declared: string, path: string, version: string): unknown => {
  const actual = xsiType(node);
  if (declared === 'anyType') {
    if (!actual) throw invalidRequest(`'${path}' is of type anyType and needs an xsi:type.`);
    return decodeAny(node, actual, path, version);
  }
  if (declared === MOREF || actual === MOREF) return decodeMoRef(node, path);
  if (isValueType(declared)) return decodePrimitive(text(node), declared, path);
  const kind = kindOf(declared);
  if (kind === 'enum') {
    const value = text(node).trim();
    if (!enumOf(declared)?.values.some((v) => v.value === value)) {
      throw invalidRequest(`'${value}' is not a value of ${declared} ('${path}').`);
    }
    return value;
  }
  if (kind !== 'data') throw invalidRequest(`'${path}' has the unknown type ${declared}.`);
  return decodeData(node, actual ?? declared, declared, path, version);
};

const decodeAny = (node: Node, actual: string, path: string, version: string): unknown => {
  if (isValueType(actual)) return decodePrimitive(text(node), actual, path);
  if (actual === MOREF) return decodeMoRef(node, path);
  const item = arrayItem(actual);
  if (item) {
    const children = typeof node === 'string' ? [] : ((node[item] as Node[] | undefined) ?? []);
    return children.map((c, i) => decodeOne(c, item, `${path}[${i}]`, version));
  }
  const kind = kindOf(actual);
  if (kind === 'enum') return text(node).trim();
  if (kind !== 'data') throw invalidRequest(`Unknown type '${actual}' for '${path}'.`);
  return decodeData(node, actual, actual, path, version);
};

const decodeData = (
  node: Node,
  actual: string,
  declared: string,
  path: string,
  version: string,
): Record<string, unknown> => {
  const info = typeOf(actual);
  if (info?.kind !== 'data') throw invalidRequest(`Unknown type '${actual}' for '${path}'.`);
  if (!isSubtypeOf(actual, declared)) throw invalidRequest(`${actual} is not a ${declared} ('${path}').`);
  const out: Record<string, unknown> = { _type: actual };
  for (const name of elementNames(node)) {
    const prop = propertyOf(actual, name);
    if (!prop) throw invalidRequest(`Unexpected element '${name}' in ${actual} ('${path}').`);
    out[name] = decodeNodes(
      (node as Record<string, Node[]>)[name] as Node[],
      prop,
      `${path}.${name}`,
      version,
    );
  }
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
