/**
 * vm-operator's templates in bootstrap data (vApp property values, a raw Sysprep's unattend
 * XML): Go text/template actions over the VM's network and the VM, with vm-operator's functions
 * (`V1alpha1_FirstIP` ... `V1alpha6_FormatIP`). What is read here: pipelines of those functions,
 * `index` and `len`, string, raw-string and integer literals, parentheses, and fields of
 * `.V1alphaN.Net` (`Devices`, each `MacAddress`, `IPAddresses`, `Gateway4`; `Nameservers`) and
 * `.V1alphaN.VM` (the VM's fields by their Go names, its metadata's promoted). A text that does
 * not parse or run (a control action, an error of a function) stays as written, as vm-operator
 * leaves it; either way `\{` and `\}` become braces.
 */
import { ipFamily, ipv4Mask, ipv4PrefixLength, isCidr, isIp } from '@vsim/vsphere';
import type { VirtualMachine } from '../../api/types.js';

/** The network a template reads (vm-operator's NetworkStatus of the bootstrap's interfaces). */
export interface TemplateNetwork {
  readonly devices: readonly {
    readonly macAddress: string;
    readonly ipAddresses: readonly string[];
    readonly gateway4: string;
  }[];
  readonly nameservers: readonly string[];
}

type Value = unknown;
class TemplateError extends Error {}
const fail = (message: string): never => {
  throw new TemplateError(message);
};

const VERSIONS = ['V1alpha1', 'V1alpha2', 'V1alpha3', 'V1alpha4', 'V1alpha5', 'V1alpha6'];
const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

/**
 * Renders `text`, or gives it back (unescaped) when it does not parse or run; `network` is read
 * only for a text with actions.
 */
export function renderTemplate(text: string, network: () => TemplateNetwork, vm: VirtualMachine): string {
  let out = text;
  if (text.includes('{{'))
    try {
      out = execute(text, network(), vm);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
    }
  return out.includes('\\{') || out.includes('\\}') ? out.replaceAll('\\{', '{').replaceAll('\\}', '}') : out;
}

function execute(text: string, network: TemplateNetwork, vm: VirtualMachine): string {
  const funcs = functions(network);
  const net = struct({
    Devices: network.devices.map((d) =>
      struct({ MacAddress: d.macAddress, IPAddresses: d.ipAddresses, Gateway4: d.gateway4 }),
    ),
    Nameservers: network.nameservers,
  });
  const data = struct(Object.fromEntries(VERSIONS.map((v) => [v, struct({ Net: net, VM: vm })])));
  let out = '';
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open < 0) {
      out += text.slice(at);
      break;
    }
    let literal = text.slice(at, open);
    let start = open + 2;
    // `{{- ` trims the space before the action, ` -}}` the space after it.
    if (text.startsWith('- ', start) || text.startsWith('-\t', start) || text.startsWith('-\n', start)) {
      literal = literal.trimEnd();
      start += 1;
    }
    out += literal;
    const close = findClose(text, start);
    let body = text.slice(start, close);
    let end = close + 2;
    if (/[ \t\n]-$/.test(body)) {
      body = body.slice(0, -1);
      while (end < text.length && /[ \t\r\n]/.test(text[end] as string)) end++;
    }
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) out += printed(evaluate(body, funcs, data));
    at = end;
  }
  return out;
}

/** Where an action opened at `from` closes, skipping quoted text. */
function findClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (c === '"' && text[i] === '\\') i++;
      if (i >= text.length) break;
    } else if (c === '}' && text[i + 1] === '}') return i;
  }
  return fail('unclosed action');
}

/** The Go structs of the data (the VM aside): a field they lack is an error, as Go's. */
const STRUCTS = new WeakSet<object>();
const struct = <T extends object>(value: T): T => {
  STRUCTS.add(value);
  return value;
};

/** A Go interpreted string literal (JSON's escapes and Go's own: `\x`, octal, `\a`, `\v`, `\'`). */
function goString(quoted: string): string {
  // Go's escapes JSON lacks, made JSON's `\uXXXX`.
  const unicode = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  const body = quoted.slice(1, -1).replace(/\\(\\|x[0-9a-fA-F]{2}|[0-7]{3}|a|v|')/g, (_, e: string) => {
    if (e === '\\') return '\\\\';
    if (e === "'") return e;
    if (e === 'a') return unicode(7);
    if (e === 'v') return unicode(11);
    return unicode(e.startsWith('x') ? Number.parseInt(e.slice(1), 16) : Number.parseInt(e, 8));
  });
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return fail(`bad string ${quoted}`);
  }
}

type Token = {
  kind: 'string' | 'number' | 'field' | 'ident' | '(' | ')' | '|';
  text: string;
  value?: Value;
  /** Whether it follows the token before with no space (a field of a parenthesized value). */
  joined: boolean;
};

function tokens(body: string): Token[] {
  const out: Token[] = [];
  const re =
    /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+)|((?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)|([A-Za-z_][A-Za-z0-9_]*)|([()|]))/y;
  let at = 0;
  while (at < body.length) {
    if (/^\s*$/.test(body.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(body);
    if (!m) fail(`unexpected ${JSON.stringify(body.slice(at))}`);
    const [whole, quoted, raw, number, field, ident, punct] = m as RegExpExecArray;
    const joined = !/^\s/.test(whole);
    if (quoted !== undefined) out.push({ kind: 'string', text: quoted, value: goString(quoted), joined });
    else if (raw !== undefined) out.push({ kind: 'string', text: raw, value: raw.slice(1, -1), joined });
    else if (number !== undefined) out.push({ kind: 'number', text: number, value: Number(number), joined });
    else if (field !== undefined) out.push({ kind: 'field', text: field, joined });
    else if (ident !== undefined) out.push({ kind: 'ident', text: ident, joined });
    else out.push({ kind: punct as '(' | ')' | '|', text: punct as string, joined });
    at = re.lastIndex;
  }
  return out;
}

type Funcs = ReadonlyMap<string, (...args: Value[]) => Value>;

function evaluate(body: string, funcs: Funcs, data: Value): Value {
  const list = tokens(body);
  if (list[0]?.kind === 'ident' && KEYWORDS.has(list[0].text)) fail(`unsupported action ${list[0].text}`);
  let at = 0;
  const call = (name: string, args: Value[]): Value =>
    (funcs.get(name) ?? fail(`function ${JSON.stringify(name)} not defined`))(...args);
  const pipeline = (): Value => {
    let value: Value;
    let piped = false;
    do {
      const args: Value[] = [];
      let fn: string | undefined;
      while (at < list.length && list[at]?.kind !== '|' && list[at]?.kind !== ')') {
        const token = list[at++] as Token;
        if (token.kind === 'ident') {
          if (token.text === 'true' || token.text === 'false') args.push(token.text === 'true');
          else if (token.text === 'nil') args.push(undefined);
          else if (args.length === 0 && fn === undefined) fn = token.text;
          // A function named as an argument is called with none, as Go's templates call it.
          else args.push(call(token.text, []));
        } else if (token.kind === '(') {
          let value = pipeline();
          if (list[at++]?.kind !== ')') fail('unclosed (');
          // `(index .Devices 0).Gateway4`: a field of the parenthesized value.
          const next = list[at];
          if (next?.kind === 'field' && next.joined) {
            value = fieldOf(value, next.text);
            at++;
          }
          args.push(value);
        } else if (token.kind === 'field') args.push(fieldOf(data, token.text));
        else if (token.kind === 'string' || token.kind === 'number') args.push(token.value);
        else fail(`unexpected ${token.text}`);
      }
      if (piped) args.push(value);
      if (fn !== undefined) value = call(fn, args);
      else if (args.length === 1) value = args[0];
      else fail('empty command');
      piped = true;
    } while (list[at]?.kind === '|' && ++at);
    return value;
  };
  const value = pipeline();
  if (at !== list.length) fail('unexpected )');
  return value;
}

/** A Go field path on the data: map keys and the VM's fields by their Go names (JSON's, capitalized). */
function fieldOf(data: Value, path: string): Value {
  let value = data;
  for (const name of path.split('.').slice(1)) {
    if (name === '') continue;
    if (value === null || typeof value !== 'object') return fail(`can't evaluate field ${name}`);
    const object = value as Record<string, unknown>;
    if (Object.hasOwn(object, name)) {
      value = object[name];
      continue;
    }
    if (STRUCTS.has(object)) return fail(`can't evaluate field ${name}`);
    const lower = name.toLowerCase();
    const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
    // ObjectMeta's and TypeMeta's fields are promoted to the VM's.
    const meta = object.metadata as Record<string, unknown> | undefined;
    const promoted =
      key === undefined && meta ? Object.keys(meta).find((k) => k.toLowerCase() === lower) : undefined;
    value = key !== undefined ? object[key] : promoted !== undefined ? meta?.[promoted] : undefined;
  }
  return value;
}

/** A value as Go's template prints it. */
function printed(value: Value): string {
  if (value === undefined || value === null) return '<no value>';
  if (Array.isArray(value)) return `[${value.map(printed).join(' ')}]`;
  if (typeof value === 'object') return fail('cannot print an object');
  return String(value);
}

const int = (value: Value): number =>
  Number.isInteger(value) ? (value as number) : fail(`expected an integer, not ${String(value)}`);
const str = (value: Value): string =>
  typeof value === 'string' ? value : fail(`expected a string, not ${String(value)}`);

/** Go's net.ParseCIDR: the address and prefix length, or an error. */
function parseCIDR(s: string): { ip: string; bits: number } {
  if (!isCidr(s)) return fail(`invalid CIDR address: ${s}`);
  const slash = s.indexOf('/');
  return { ip: s.slice(0, slash), bits: Number(s.slice(slash + 1)) };
}

/** vm-operator's template functions, the same under every version's name. */
function functions(network: TemplateNetwork): Funcs {
  const devices = network.devices;
  const device = (index: number) => {
    if (devices.length === 0) fail('no available network device, check with VI admin');
    return devices[index] ?? fail('index out of bound');
  };
  const firstAddress = (index: number) => device(index).ipAddresses[0] ?? fail('index out of range');
  const fns: Record<string, (...args: Value[]) => Value> = {
    FirstIP: () => firstAddress(0),
    FirstNicMacAddr: () => device(0).macAddress,
    FirstIPFromNIC: (i) => firstAddress(int(i)),
    IPsFromNIC: (i) => device(int(i)).ipAddresses,
    FormatNameservers: (count, delimiter) => {
      const all = network.nameservers;
      if (all.length === 0) fail('no available nameservers, check with VI admin');
      const n = int(count);
      return (n < 0 || n >= all.length ? all : all.slice(0, n)).join(str(delimiter));
    },
    SubnetMask: (cidr) => {
      const parsed = parseCIDR(str(cidr));
      return ipFamily(parsed.ip) === 4 ? ipv4Mask(parsed.bits) : fail('not an IPv4 network');
    },
    IP: (ip) => {
      const family = ipFamily(str(ip));
      if (family === undefined) fail('input IP address not valid');
      // Go's DefaultMask: the class of an IPv4 address, none (0 bits) for others.
      const first = family === 4 ? Number(str(ip).split('.')[0]) : 255;
      return `${ip}/${first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 0}`;
    },
    FormatIP: (s, m) => {
      const text = str(s);
      const ip = text.includes('/') ? parseCIDR(text).ip : text;
      if (!isIp(ip)) fail('input IP address not valid');
      const mask = str(m);
      if (mask === '') return ip;
      if (mask.startsWith('/')) {
        parseCIDR(ip + mask);
        return ip + mask;
      }
      if (!isIp(mask)) fail('mask is an invalid IP');
      // Only a mask as written canonically makes an IP/CIDR, and only for an IPv4 address.
      const bits = ipv4PrefixLength(mask);
      return bits === undefined || ipv4Mask(bits) !== mask || ipFamily(ip) !== 4
        ? fail(`invalid ip net: ${ip}`)
        : `${ip}/${bits}`;
    },
  };
  const out = new Map<string, (...args: Value[]) => Value>();
  for (const [name, f] of Object.entries(fns)) {
    // Go's template checks the number of arguments.
    const arity = f.length;
    const checked = (...args: Value[]) =>
      args.length === arity
        ? f(...args)
        : fail(`wrong number of args for ${name}: want ${arity} got ${args.length}`);
    for (const version of VERSIONS) out.set(`${version}_${name}`, checked);
  }
  out.set('index', (collection, ...keys) => {
    let value = collection;
    for (const key of keys)
      value = Array.isArray(value)
        ? (value[int(key)] ?? fail('index out of range'))
        : value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[str(key)]
          : fail(`can't index ${String(value)}`);
    return value;
  });
  out.set('len', (value) =>
    Array.isArray(value) || typeof value === 'string'
      ? value.length
      : value !== null && typeof value === 'object'
        ? Object.keys(value).length
        : fail(`len of ${String(value)}`),
  );
  return out;
}
