/**
 * YAML as vm-operator writes its cloud-init documents (Go's `sigs.k8s.io/yaml`): maps in key
 * order (digit runs by value, other characters before letters), lists at their key's indent,
 * strings plain unless a YAML 1.1 reader would take them for something else, multi-line
 * strings as literal blocks. Only what JSON holds: maps, lists, strings, numbers, booleans, null.
 */

export type YamlValue =
  | null
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
  typeof value === 'object' && value !== null && !isList(value);

/** Writes the entries of a map at `indent`, each `key: value` or `key:` and its block. */
function writeMap(map: { readonly [key: string]: YamlValue }, indent: string, lines: string[]): void {
  // Where Go's comparison is not transitive (`1`, `002`, `00a`), Go's order follows its map's
  // random iteration and changes from run to run; this one is fixed.
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
    if ((isList(item) || isMap(item)) && !isEmpty(item)) {
      // A list or map in a list starts on the dash's line: `- - item`, `- key: value`.
      const start = lines.length;
      if (isList(item)) writeList(item, nested, lines);
      else writeMap(item, nested, lines);
      lines[start] = `${indent}- ${(lines[start] as string).slice(nested.length)}`;
    } else writeEntry(`${indent}-`, item, indent, lines);
  }
}

/** A scalar on its line; a multi-line string as a literal block indented under `indent`. */
function scalar(value: string | number | boolean | null, indent: string): string {
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

const LETTER = /\p{L}/u;
/** ASCII decided by its code, the rest by Unicode's letter class. */
const isLetter = (c: string) => {
  const code = c.charCodeAt(0) | 0x20;
  return c.charCodeAt(0) < 0x80 ? code >= 0x61 && code <= 0x7a : LETTER.test(c);
};
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const SURROGATE = /[\ud800-\udfff]/;

/**
 * Go yaml's order of map keys. At the first character that differs: two letters by code
 * point; a letter after anything else; otherwise the numbers their digit runs spell (nothing
 * for a non-digit, so it comes first), then the longer run last, then the code points.
 */
export function compareKeys(a: string, b: string): number {
  // Compared code point by code point: a string without surrogates is one already.
  const split = SURROGATE.test(a) || SURROGATE.test(b);
  return compareCodePoints(split ? Array.from(a) : a, split ? Array.from(b) : b);
}

/** Two different characters by code point, as Go compares runes (UTF-16 units would put U+10000 and above too low). */
const byCodePoint = (a: string, b: string): number =>
  (a.codePointAt(0) ?? 0) < (b.codePointAt(0) ?? 0) ? -1 : 1;

function compareCodePoints(x: ArrayLike<string>, y: ArrayLike<string>): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const cx = x[i] as string;
    const cy = y[i] as string;
    if (cx === cy) continue;
    const lx = isLetter(cx);
    const ly = isLetter(cy);
    if (lx && ly) return byCodePoint(cx, cy);
    if (lx || ly) return lx ? 1 : -1;
    // A run continued from digits before i: zeros there count only after a non-zero digit.
    let lead = 0;
    if (cx === '0' || cy === '0')
      for (let j = i - 1; j >= 0 && isDigit(x[j]); j--)
        if (x[j] !== '0') {
          lead = 1;
          break;
        }
    const run = (s: ArrayLike<string>) => {
      let value = lead;
      let end = i;
      for (; isDigit(s[end]); end++) value = value * 10 + Number(s[end]);
      return { value, end };
    };
    const rx = run(x);
    const ry = run(y);
    if (rx.value !== ry.value) return rx.value < ry.value ? -1 : 1;
    if (rx.end !== ry.end) return rx.end - ry.end;
    return byCodePoint(cx, cy);
  }
  return x.length - y.length;
}
