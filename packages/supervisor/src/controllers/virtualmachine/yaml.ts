/**
 * YAML as vm-operator writes its cloud-init documents (Go's `sigs.k8s.io/yaml`): maps in key
 * order (digit runs by value, other characters before letters), lists at their key's indent,
 * strings plain unless a YAML 1.1 reader would take them for something else, multi-line
 * strings as literal blocks. Only what JSON holds: maps, lists, strings, numbers, booleans.
 */

export type YamlValue =
  | string
  | number
  | boolean
  | readonly YamlValue[]
  | { readonly [key: string]: YamlValue };

/** The document of a map, one line per scalar, ending in a newline. */
export function toYaml(value: { readonly [key: string]: YamlValue }): string {
  const lines: string[] = [];
  writeMap(value, '', lines);
  return lines.length === 0 ? '{}\n' : `${lines.join('\n')}\n`;
}

const isList = (value: YamlValue): value is readonly YamlValue[] => Array.isArray(value);
const isMap = (value: YamlValue): value is { readonly [key: string]: YamlValue } =>
  typeof value === 'object' && !isList(value);

/** Writes the entries of a map at `indent`, each `key: value` or `key:` and its block. */
function writeMap(map: { readonly [key: string]: YamlValue }, indent: string, lines: string[]): void {
  for (const key of Object.keys(map).sort(compareKeys)) {
    writeEntry(`${indent}${inline(key)}:`, map[key] as YamlValue, indent, lines);
  }
}

/** One entry whose head (`key:` or `-`) is written: the value inline, or as a block below. */
function writeEntry(head: string, value: YamlValue, indent: string, lines: string[]): void {
  if (isList(value)) {
    if (value.length === 0) lines.push(`${head} []`);
    else {
      // A list under a key sits at the key's indent.
      lines.push(head);
      writeList(value, indent, lines);
    }
  } else if (isMap(value)) {
    if (Object.keys(value).length === 0) lines.push(`${head} {}`);
    else {
      lines.push(head);
      writeMap(value, `${indent}  `, lines);
    }
  } else lines.push(`${head} ${scalar(value, indent)}`);
}

const isEmpty = (value: YamlValue) =>
  isList(value) ? value.length === 0 : isMap(value) && Object.keys(value).length === 0;

function writeList(list: readonly YamlValue[], indent: string, lines: string[]): void {
  const nested = `${indent}  `;
  for (const item of list) {
    if (typeof item === 'object' && !isEmpty(item)) {
      // A list or map in a list starts on the dash's line: `- - item`, `- key: value`.
      const start = lines.length;
      if (isList(item)) writeList(item, nested, lines);
      else writeMap(item, nested, lines);
      lines[start] = `${indent}- ${(lines[start] as string).slice(nested.length)}`;
    } else writeEntry(`${indent}-`, item, indent, lines);
  }
}

/** A scalar on its line; a multi-line string as a literal block indented under `indent`. */
function scalar(value: string | number | boolean, indent: string): string {
  if (typeof value !== 'string') return String(value);
  if (value.includes('\n') && literalSafe(value)) return literal(value, `${indent}  `);
  return inline(value);
}

/** A string on one line: plain, or double-quoted (JSON's escapes are YAML's). */
const inline = (value: string): string => (plainSafe(value) ? value : JSON.stringify(value));

/** `|` keeps one final newline, `|-` none, `|+` all of them. */
function literal(value: string, indent: string): string {
  const body = value.replace(/\n+$/, '');
  const trailing = value.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const lines = (trailing > 1 ? value.slice(0, -1) : body).split('\n');
  return `|${chomp}\n${lines.map((line) => (line === '' ? '' : indent + line)).join('\n')}`;
}

/**
 * A block needs a line of text (line breaks alone read as none), and its indent is read from
 * its first: that one may not start with white space, nor any line be only white space.
 */
function literalSafe(value: string): boolean {
  const lines = value.split('\n');
  const first = lines.find((line) => line !== '');
  if (first === undefined || /^\s/.test(first) || lines.some((line) => /^\s+$/.test(line))) return false;
  return !hasControl(value, true);
}

/** Whether the text holds a character YAML writes only escaped: a control character, a line break unless `inBlock`. */
function hasControl(value: string, inBlock: boolean): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 && !(inBlock && (c === 0x0a || c === 0x09))) return true;
    if (c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** What YAML 1.1 reads as null, a boolean, a number or a timestamp, which a plain string may not look like. */
const NOT_A_STRING = [
  /^(?:~|null|Null|NULL)$/,
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  // Broader than any reader's numbers: quoting more is harmless.
  /^[-+]?[\d_]*\.?[\d_]*(?:[eE][-+]?\d+)?$/,
  /^[-+]?0[xXoObB][\da-fA-F_]+$/,
  /^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?$/,
  /^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$/,
  /^\d{4}-\d\d?-\d\d?(?:[Tt ].*)?$/,
];

function plainSafe(value: string): boolean {
  if (value === '' || value !== value.trim()) return false;
  // An indicator first, a comment, a key or a document marker, or a character a plain scalar cannot hold.
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(value) && !/^-[^\s-]|^[?:][^\s]/.test(value)) return false;
  if (/: |:$| #|^---|^\.\.\./.test(value) || hasControl(value, false)) return false;
  return !NOT_A_STRING.some((pattern) => pattern.test(value));
}

/** Go yaml's order of map keys: digit runs compared by value, other characters before letters. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    const xLetter = /\p{L}/u.test(x);
    const yLetter = /\p{L}/u.test(y);
    if (xLetter && yLetter) return x < y ? -1 : 1;
    if (xLetter || yLetter) return xLetter ? 1 : -1;
    const xDigits = /^\d+/.exec(a.slice(i))?.[0] ?? '';
    const yDigits = /^\d+/.exec(b.slice(i))?.[0] ?? '';
    if (xDigits && yDigits) {
      const byValue = Number(xDigits) - Number(yDigits);
      if (byValue !== 0) return byValue;
      if (xDigits.length !== yDigits.length) return xDigits.length - yDigits.length;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
