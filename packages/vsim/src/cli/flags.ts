/**
 * Command-line flags with the rules of Go's `flag` package, so `vsim serve`
 * takes vcsim's command lines unchanged. Node's `util.parseArgs` reads `-dc` as
 * `-d -c`; Go reads it as the flag `dc`.
 *
 * Rules: one or two dashes; `-dc 2` or `-dc=2`; a bool is `-tls` or
 * `-tls=false` and never takes the next argument; `--` ends the flags, and so
 * does the first argument that is not a flag. Errors carry Go's messages.
 */

export type FlagSpec =
  | { type: 'int'; default: number; usage: string }
  | { type: 'string'; default: string; usage: string }
  | { type: 'bool'; default: boolean; usage: string };

export type FlagSpecs = Record<string, FlagSpec>;

export type FlagValues<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K]['type'] extends 'int'
    ? number
    : S[K]['type'] extends 'bool'
      ? boolean
      : string;
};

export interface ParsedFlags<S extends FlagSpecs> {
  values: FlagValues<S>;
  /** The arguments after the flags. */
  positionals: string[];
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
  /** `-h` or `-help` was given and is not a defined flag: print usage and exit 0, as Go does. */
  readonly help: boolean;

  constructor(message: string, help = false) {
    super(message);
    this.help = help;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// Go integer literal syntax, as strconv.ParseInt(s, 0, 64) accepts it (underscores between digits).
const GO_INT =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;

export function parseGoFlags<S extends FlagSpecs>(argv: readonly string[], spec: S): ParsedFlags<S> {
  const values: Record<string, number | string | boolean> = {};
  for (const name of Object.keys(spec)) values[name] = (spec[name] as FlagSpec).default;

  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (arg.length < 2 || arg[0] !== '-') break;
    const dashes = arg[1] === '-' ? 2 : 1;
    if (dashes === 2 && arg.length === 2) {
      i++; // "--" ends the flags and is dropped
      break;
    }
    let name = arg.slice(dashes);
    if (name === '' || name[0] === '-' || name[0] === '=') throw new FlagError(`bad flag syntax: ${arg}`);
    i++;

    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq !== -1) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }

    const flag = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (flag === undefined) {
      if (name === 'help' || name === 'h') throw new FlagError('flag: help requested', true);
      throw new FlagError(`flag provided but not defined: -${name}`);
    }

    if (flag.type === 'bool') {
      const parsed = parseBool(value ?? 'true');
      if (parsed === undefined) {
        throw new FlagError(`invalid boolean value ${goQuote(value ?? '')} for -${name}: parse error`);
      }
      values[name] = parsed;
      continue;
    }

    if (value === undefined) {
      if (i === argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[i++] as string;
    }
    if (flag.type === 'string') {
      values[name] = value;
    } else {
      const parsed = parseInt64(value);
      if (typeof parsed === 'string') {
        throw new FlagError(`invalid value ${goQuote(value)} for flag -${name}: ${parsed}`);
      }
      values[name] = parsed;
    }
  }

  return { values: values as FlagValues<S>, positionals: argv.slice(i) };
}

/**
 * The flag list as Go's `flag.PrintDefaults` prints it: sorted by name, the
 * type (or a back-quoted name from the usage) after the flag, and the default
 * when it is not the type's zero value.
 */
export function formatUsage(spec: FlagSpecs): string {
  let out = '';
  for (const name of Object.keys(spec).sort()) {
    const flag = spec[name] as FlagSpec;
    const [argName, usage] = unquoteUsage(flag);
    let line = `  -${name}`;
    if (argName !== '') line += ` ${argName}`;
    // Go puts a one-letter bool's usage on the same line.
    line += line.length <= 4 ? '\t' : '\n    \t';
    line += usage.replaceAll('\n', '\n    \t');
    if (flag.type === 'string' && flag.default !== '') line += ` (default ${goQuote(flag.default)})`;
    else if (flag.type === 'int' && flag.default !== 0) line += ` (default ${flag.default})`;
    else if (flag.type === 'bool' && flag.default) line += ' (default true)';
    out += `${line}\n`;
  }
  return out;
}

function unquoteUsage(flag: FlagSpec): [name: string, usage: string] {
  const { usage } = flag;
  const open = usage.indexOf('`');
  const close = open === -1 ? -1 : usage.indexOf('`', open + 1);
  if (close !== -1) {
    const name = usage.slice(open + 1, close);
    return [name, usage.slice(0, open) + name + usage.slice(close + 1)];
  }
  return [flag.type === 'bool' ? '' : flag.type, usage];
}

/** strconv.ParseBool. */
function parseBool(text: string): boolean | undefined {
  switch (text) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

/** strconv.ParseInt(text, 0, 64): the number, or Go's error text. */
function parseInt64(text: string): number | string {
  const negative = text.startsWith('-');
  const unsigned = negative || text.startsWith('+') ? text.slice(1) : text;
  if (!GO_INT.test(unsigned)) return 'parse error';
  const digits = unsigned.replaceAll('_', '');
  // BigInt reads 0x, 0o and 0b itself; Go's legacy octal "017" needs the 0o spelling.
  const magnitude = BigInt(/^0[0-7]/.test(digits) ? `0o${digits.slice(1)}` : digits);
  const value = negative ? -magnitude : magnitude;
  if (value < INT64_MIN || value > INT64_MAX) return 'value out of range';
  return Number(value);
}

/** strconv.Quote, for the characters a command line can hold. */
function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code in ESCAPES) out += ESCAPES[code];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

const ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
};
