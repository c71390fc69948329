/**
 * What cloud-init in a guest takes from its GuestInfo datasource when the VM boots: the metadata
 * in `guestinfo.metadata` (as `guestinfo.metadata.encoding` says: `gzip+base64`, `base64` or
 * plain), JSON or YAML, gives the guest its host name (`local-hostname`, its first label as
 * the guest's tools report it) and, by a netplan (`network`, version 2), the static addresses of
 * the interface each `ethernets` entry matches by MAC address (none for DHCP). vm-operator and
 * Cluster API's vSphere provider write it so. Metadata the guest cannot read leaves it as it
 * would be without: the YAML read is the block style those writers use (mappings, sequences,
 * plain and quoted scalars, flow sequences and mappings on one line), its plain scalars
 * resolved as cloud-init's YAML 1.1 reader resolves them (`yes` and `on` are true); a flow
 * collection over several lines, a flow mapping's key without a value and YAML's escapes beyond
 * JSON's make the metadata unreadable here.
 */
import { isIP, isIPv4 } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { extraConfigValue, type VmConfig } from './records.js';

export interface CloudInitIdentity {
  readonly hostName?: string;
  /** The static addresses of each interface the network names, by its MAC address in lower case. */
  readonly addresses: ReadonlyMap<string, readonly string[]>;
}

/** The identity the guest's cloud-init gives it, or undefined without metadata it reads. */
export function cloudInitIdentity(config: Pick<VmConfig, 'extraConfig'>): CloudInitIdentity | undefined {
  try {
    return identityOf(config);
  } catch {
    // Metadata of shapes the reader does not expect: the guest boots as it would without.
    return undefined;
  }
}

function identityOf(config: Pick<VmConfig, 'extraConfig'>): CloudInitIdentity | undefined {
  const raw = extraConfigValue(config, 'guestinfo.metadata');
  if (!raw) return undefined;
  const metadata = decoded(raw, extraConfigValue(config, 'guestinfo.metadata.encoding') ?? '');
  const document = metadata === undefined ? undefined : parsed(metadata);
  if (!isMap(document)) return undefined;
  const name = document['local-hostname'] ?? document.hostname;
  const addresses = new Map<string, string[]>();
  const network = document.network;
  const ethernets =
    isMap(network) && (network.version === '2' || (network.version as unknown) === 2)
      ? network.ethernets
      : undefined;
  if (isMap(ethernets))
    for (const ethernet of Object.values(ethernets)) {
      if (!isMap(ethernet) || !isMap(ethernet.match)) continue;
      const mac = ethernet.match.macaddress;
      const listed = Array.isArray(ethernet.addresses) ? ethernet.addresses : [];
      const dhcp4 = ethernet.dhcp4 === true || isNetplanTrue(ethernet.dhcp4);
      const statics = listed
        .filter((a): a is string => typeof a === 'string')
        .map((a) => a.split('/')[0] as string)
        .filter((ip) => isIP(ip) !== 0 && !(dhcp4 && isIPv4(ip)));
      if (typeof mac === 'string' && statics.length > 0) addresses.set(mac.toLowerCase(), statics);
    }
  return {
    ...(typeof name === 'string' && name !== '' ? { hostName: name.split('.')[0] as string } : {}),
    addresses,
  };
}

/** netplan's booleans, quoted or not: `true`, `on`, `yes` and `y`, in any case. */
const isNetplanTrue = (value: unknown): boolean =>
  typeof value === 'string' && /^(?:true|on|yes|y)$/i.test(value);

function decoded(value: string, encoding: string): string | undefined {
  try {
    if (encoding === 'gzip+base64' || encoding === 'gz+b64')
      return gunzipSync(Buffer.from(value, 'base64')).toString();
    if (encoding === 'base64' || encoding === 'b64') return Buffer.from(value, 'base64').toString();
    return encoding === '' ? value : undefined;
  } catch {
    return undefined;
  }
}

type Node = string | boolean | null | Node[] | { [key: string]: Node };
type MapNode = { [key: string]: Node };

const isMap = (node: unknown): node is MapNode =>
  typeof node === 'object' && node !== null && !Array.isArray(node);

function parsed(text: string): Node | undefined {
  if (text.trimStart().startsWith('{'))
    try {
      return JSON.parse(text) as Node;
    } catch {
      return undefined;
    }
  const lines: Line[] = [];
  for (const line of text.split(/\r?\n/)) {
    const content = line.trimEnd();
    const trimmed = content.trimStart();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed === '---') continue;
    lines.push({ indent: content.length - trimmed.length, text: trimmed });
  }
  try {
    const reader = { lines, at: 0 };
    const node = block(reader, 0);
    return reader.at === lines.length ? node : undefined;
  } catch {
    return undefined;
  }
}

interface Line {
  indent: number;
  text: string;
}

interface Reader {
  lines: Line[];
  at: number;
}

class Unreadable extends Error {}

/** A block node: the mapping or sequence of the lines at `indent` from the reader's line on. */
function block(r: Reader, indent: number): Node {
  const first = r.lines[r.at];
  if (!first || first.indent < indent) return null;
  return first.text === '-' || first.text.startsWith('- ')
    ? sequence(r, first.indent)
    : mapping(r, first.indent);
}

function sequence(r: Reader, indent: number): Node[] {
  const items: Node[] = [];
  for (let line = r.lines[r.at]; line && line.indent === indent; line = r.lines[r.at]) {
    // A sequence at its key's own indentation ends at the next key.
    if (line.text !== '-' && !line.text.startsWith('- ')) break;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      r.at++;
      items.push(block(r, indent + 1));
    } else if (keyOf(rest) !== undefined) {
      // A mapping begun on the dash's line: its keys sit where the first one does.
      line.indent += line.text.length - rest.length;
      line.text = rest;
      items.push(mapping(r, line.indent));
    } else {
      r.at++;
      items.push(scalar(rest));
    }
  }
  return items;
}

function mapping(r: Reader, indent: number): MapNode {
  const map: MapNode = Object.create(null);
  for (let line = r.lines[r.at]; line && line.indent === indent; line = r.lines[r.at]) {
    const key = keyOf(line.text);
    if (key === undefined) throw new Unreadable();
    const rest = line.text.slice(key.length).replace(/^\s*:/, '').trim();
    r.at++;
    const name = unquoted(key);
    if (rest !== '') map[name] = scalar(rest);
    else {
      const next = r.lines[r.at];
      // A sequence may sit at its key's own indentation.
      const nested = next && (next.indent > indent || (next.indent === indent && next.text.startsWith('-')));
      map[name] = nested ? block(r, next.indent) : null;
    }
  }
  return map;
}

/** The key of a `key: value` text (as written, quoted or not), or undefined when it is none. */
function keyOf(text: string): string | undefined {
  const match = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{},][^:]*?)\s*:(?:\s|$)/.exec(text);
  return match?.[1];
}

function unquoted(text: string): string {
  if (text[0] !== '"' && text[0] !== "'") return text;
  const cursor = { text, at: 0 };
  const node = quoted(cursor);
  if (cursor.at !== text.length) throw new Unreadable();
  return node;
}

/** A value on its key's or dash's line, its comment left out: a plain or quoted scalar, or a flow node. */
function scalar(text: string): Node {
  const plain = !'"\'[{'.includes(text[0] as string);
  const cursor = { text, at: 0 };
  const node = plain ? resolved(text.replace(/\s+#.*$/, '')) : flow(cursor);
  const rest = text.slice(cursor.at).trimStart();
  if (!plain && rest !== '' && !rest.startsWith('#')) throw new Unreadable();
  return node;
}

interface Cursor {
  text: string;
  at: number;
}

/** A node in flow style: `[a, b]`, `{k: v}`, a quoted scalar or a plain one up to `,`, `]` or `}`. */
function flow(c: Cursor): Node {
  skipSpaces(c);
  const open = c.text[c.at];
  if (open === '"' || open === "'") return quoted(c);
  if (open !== '[' && open !== '{') {
    const end = /[,\]}]|:\s|\s#|$/.exec(c.text.slice(c.at)) as RegExpExecArray;
    const text = c.text.slice(c.at, c.at + end.index).trim();
    c.at += end.index;
    return resolved(text);
  }
  c.at++;
  const close = open === '[' ? ']' : '}';
  const items: Node[] = [];
  const map: MapNode = Object.create(null);
  for (skipSpaces(c); c.text[c.at] !== close; skipSpaces(c)) {
    const item = flow(c);
    skipSpaces(c);
    if (open === '{') {
      if (typeof item !== 'string' || !c.text.startsWith(':', c.at)) throw new Unreadable();
      c.at++;
      map[item] = flow(c);
      skipSpaces(c);
    } else items.push(item);
    if (c.text[c.at] === ',') c.at++;
    else if (c.text[c.at] !== close) throw new Unreadable();
  }
  c.at++;
  return open === '[' ? items : map;
}

/** A quoted scalar: JSON's escapes in double quotes, `''` for a quote in single ones. */
function quoted(c: Cursor): string {
  const quote = c.text[c.at] as string;
  const pattern = quote === '"' ? /"(?:[^"\\]|\\.)*"/y : /'(?:[^']|'')*'/y;
  pattern.lastIndex = c.at;
  const match = pattern.exec(c.text);
  if (!match) throw new Unreadable();
  c.at = pattern.lastIndex;
  return quote === '"' ? (JSON.parse(match[0]) as string) : match[0].slice(1, -1).replaceAll("''", "'");
}

function skipSpaces(c: Cursor): void {
  while (c.text[c.at] === ' ' || c.text[c.at] === '\t') c.at++;
}

/** A plain scalar's value as cloud-init's YAML 1.1 reads it: its booleans and nulls, else its text. */
function resolved(text: string): Node {
  if (YAML_TRUE.has(text)) return true;
  if (YAML_FALSE.has(text)) return false;
  return text === 'null' || text === 'Null' || text === 'NULL' || text === '~' || text === '' ? null : text;
}

const YAML_TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML_FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
