/**
 * vm-operator's templates in bootstrap data (vApp property values, a raw Sysprep's unattend
 * XML): Go text/template over the VM's network and the VM, with vm-operator's functions
 * (`V1alpha1_FirstIP` ... `V1alpha6_FormatIP`). What is read here: actions with Go's trim
 * markers (`{{- `, ` -}}`) and comments; `if` / `else if` / `else`, `with` / `else with` /
 * `else`, `range` over lists and maps (in key order) with `$i, $e :=`, `break`, `continue` and
 * `else`; variables (`$`, `$x := `, `$x = `, `$x.Field`, in scope to the `{{end}}` of the control
 * structure they are declared in); pipelines of functions, string, raw-string, integer,
 * boolean and nil literals, parentheses, and fields of `.`: `.V1alphaN.Net` (`Devices`, each
 * `MacAddress`, `IPAddresses`, `Gateway4`, and v1alpha6's `IPv6Addresses` and `Gateway6`; `Nameservers`) and `.V1alphaN.VM` (the VM converted
 * to that version, its fields by their Go names, its metadata's promoted); Go's builtins but `call` (printf's verbs `%v %s %d
 * %q %x %X %t %c %%`, with a width and `-`). A text that does not parse or run (`define`,
 * `template`, `block`, a range over an integer, a struct or map printed, an error of a function)
 * stays as written, as vm-operator leaves it; either way `\{` and `\}` become braces.
 */
import { ipFamily, ipv4Mask, ipv4PrefixLength, isIp, isUsableIp, parseCidr } from '@vsim/vsphere';
import { ConversionError, HUB_VERSION, type ServedVersion } from '../../api/conversion/engine.js';
import { fromHub } from '../../api/conversion/index.js';
import type { VirtualMachine } from '../../api/types.js';

/** An interface of the network a template reads: IPv4 and IPv6 apart (v1alpha6's devices tell both). */
interface TemplateDevice {
  readonly macAddress: string;
  readonly ipAddresses: readonly string[];
  readonly gateway4: string;
  readonly ipv6Addresses: readonly string[];
  readonly gateway6: string;
}

/** The network a template reads (vm-operator's NetworkStatus of the bootstrap's interfaces). */
export interface TemplateNetwork {
  readonly devices: readonly TemplateDevice[];
  readonly nameservers: readonly string[];
}

type Value = unknown;
class TemplateError extends Error {}
const fail = (message: string): never => {
  throw new TemplateError(message);
};

const VERSIONS = ['V1alpha1', 'V1alpha2', 'V1alpha3', 'V1alpha4', 'V1alpha5', 'V1alpha6'] as const;
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
      // An engine's limit (a RangeError: a string too long, a nesting too deep) is no run either.
      if (!(error instanceof TemplateError || error instanceof RangeError)) throw error;
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
  // v1alpha6's devices tell IPv6 too.
  const net6 = struct({
    Devices: network.devices.map((d) =>
      struct({
        MacAddress: d.macAddress,
        IPAddresses: d.ipAddresses,
        IPv6Addresses: d.ipv6Addresses,
        Gateway4: d.gateway4,
        Gateway6: d.gateway6,
      }),
    ),
    Nameservers: network.nameservers,
  });
  const data = struct(
    Object.fromEntries(VERSIONS.map((v) => [v, versionData(v === 'V1alpha6' ? net6 : net, vm, v)])),
  );
  return run(parse(lex(text), funcs), data, funcs);
}

/** The hub VM in an older version; an empty one when it does not convert, as vm-operator ignores that error. */
function downConverted(hub: VirtualMachine, version: ServedVersion): VirtualMachine {
  try {
    // A stored object: its conversion annotation is made only if a template reads it.
    return fromHub(hub, version, true) as unknown as VirtualMachine;
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    return { metadata: {} } as VirtualMachine;
  }
}

/**
 * `.V1alphaN`: the network, and the VM converted down to that version as vm-operator converts a
 * copy for each, when a template first reads it.
 */
function versionData(net: object, hub: VirtualMachine, version: (typeof VERSIONS)[number]): object {
  let vm: VirtualMachine | undefined;
  const entry = struct({ Net: net });
  return Object.defineProperty(entry, 'VM', {
    enumerable: true,
    get: () => {
      if (vm === undefined) {
        const served = `v${version.slice(1)}` as ServedVersion;
        vm = served === HUB_VERSION ? hub : downConverted(hub, served);
        for (const map of [vm.metadata.labels, vm.metadata.annotations]) if (map) MAPS.add(map);
      }
      return vm;
    },
  });
}

/** A text between actions, or an action's tokens (a comment is neither). */
type Item = { readonly text: string } | { readonly action: readonly Token[] };

const SPACE = /[ \t\r\n]/;

/** The text's items; `{{- ` trims the space before an action, ` -}}` the space after it. */
function lex(text: string): Item[] {
  const items: Item[] = [];
  let at = 0;
  for (let open = text.indexOf('{{'); open >= 0; open = text.indexOf('{{', at)) {
    let before = text.slice(at, open);
    let start = open + 2;
    if (text[start] === '-' && SPACE.test(text[start + 1] ?? '')) {
      before = before.replace(/[ \t\r\n]+$/, '');
      start += 2;
    }
    items.push({ text: before });
    const comment = text.startsWith('/*', start);
    const close = comment ? commentClose(text, start) : findClose(text, start);
    let body = text.slice(start, close);
    at = close + 2;
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -1);
      while (at < text.length && SPACE.test(text[at] as string)) at++;
    }
    if (!comment) items.push({ action: tokens(body) });
  }
  items.push({ text: text.slice(at) });
  return items;
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

/** Where a comment opened at `from` closes: its end ends the action too, as Go's. */
function commentClose(text: string, from: number): number {
  const end = text.indexOf('*/', from + 2);
  if (end < 0) return fail('unclosed comment');
  const after = end + 2;
  if (text.startsWith('}}', after)) return after;
  return SPACE.test(text[after] ?? '') && text.startsWith('-}}', after + 1)
    ? after + 2
    : fail('comment ends before the action');
}

/** The Go structs of the data (the VM aside): a field they lack is an error, as Go's. */
const STRUCTS = new WeakSet<object>();
const struct = <T extends object>(value: T): T => {
  STRUCTS.add(value);
  return value;
};

/** A Go interpreted string literal (JSON's escapes and Go's own: `\x`, octal, `\a`, `\v`). */
function goString(quoted: string): string {
  // Go's escapes JSON lacks, made JSON's `\uXXXX`.
  const unicode = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  const body = quoted.slice(1, -1).replace(/\\(\\|x[0-9a-fA-F]{2}|[0-7]{3}|a|v)/g, (_, e: string) => {
    if (e === '\\') return '\\\\';
    if (e === 'a') return unicode(7);
    if (e === 'v') return unicode(11);
    const byte = e.startsWith('x') ? Number.parseInt(e.slice(1), 16) : Number.parseInt(e, 8);
    // A byte past ASCII is a raw byte in Go's string, which a text here cannot hold.
    return byte < 0x80 ? unicode(byte) : fail(`unsupported byte escape in ${quoted}`);
  });
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return fail(`bad string ${quoted}`);
  }
}

type Token = {
  kind: 'string' | 'number' | 'field' | 'variable' | 'ident' | '(' | ')' | '|' | ':=' | '=' | ',';
  text: string;
  value?: Value;
  /** Whether it follows the token before with no space (a field of a parenthesized value). */
  joined: boolean;
};

function tokens(body: string): Token[] {
  const out: Token[] = [];
  const re =
    /[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+)(?![\w.])|((?:\.[A-Za-z_]\w*)+|\.(?!\d))|(\$\w*(?:\.[A-Za-z_]\w*)*)|([A-Za-z_]\w*)|(:=|[()|=,]))/y;
  let at = 0;
  while (at < body.length) {
    if (/^[ \t\r\n]*$/.test(body.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(body);
    if (!m) fail(`unexpected ${JSON.stringify(body.slice(at))}`);
    const [whole, quoted, raw, number, field, variable, ident, punct] = m as RegExpExecArray;
    const joined = !SPACE.test(whole[0] as string);
    if (quoted !== undefined) out.push({ kind: 'string', text: quoted, value: goString(quoted), joined });
    else if (raw !== undefined) out.push({ kind: 'string', text: raw, value: raw.slice(1, -1), joined });
    else if (number !== undefined) {
      // Go reads a leading zero as octal (`010` is 8, `08` no number): not read here.
      if (/^-?0\d/.test(number)) fail(`unsupported number ${number}`);
      out.push({ kind: 'number', text: number, value: Number(number), joined });
    } else if (field !== undefined) out.push({ kind: 'field', text: field, joined });
    else if (variable !== undefined) out.push({ kind: 'variable', text: variable, joined });
    else if (ident !== undefined) out.push({ kind: 'ident', text: ident, joined });
    else out.push({ kind: punct as Token['kind'], text: punct as string, joined });
    at = re.lastIndex;
  }
  return out;
}

/** An argument of a command. */
type Operand =
  | { readonly kind: 'literal'; readonly value: Value }
  /** A function named as an argument: Go's templates call it with none. */
  | { readonly kind: 'function'; readonly name: string }
  /** `.A.B` (or `.`) of dot. */
  | { readonly kind: 'field'; readonly path: string }
  | { readonly kind: 'variable'; readonly name: string; readonly path: string }
  /** `(pipeline).A.B`. */
  | { readonly kind: 'pipeline'; readonly pipeline: Pipeline; readonly path: string };
interface Command {
  readonly fn: string | undefined;
  readonly args: readonly Operand[];
}
interface Pipeline {
  /** The variables it declares (`:=`) or assigns (`=`) its value to. */
  readonly decl: readonly string[];
  readonly assign: boolean;
  readonly commands: readonly Command[];
}
interface Control {
  readonly kind: 'if' | 'with' | 'range';
  readonly pipeline: Pipeline;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[];
}
type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pipeline: Pipeline }
  | Control
  | { readonly kind: 'break' | 'continue' };

const LITERALS = new Map<string, Value>([
  ['true', true],
  ['false', false],
  ['nil', undefined],
]);

/**
 * The text's tree, checked as Go's parser checks it: functions defined, variables in scope,
 * `break` and `continue` inside a range, every control structure closed by its `{{end}}`.
 */
function parse(items: readonly Item[], funcs: Funcs): Node[] {
  let cursor = 0;
  const vars = ['$'];
  let ranges = 0;

  /** Nodes up to an `{{else}}` or `{{end}}`, and that action's tokens (none at the end of the text). */
  const list = (): [Node[], readonly Token[] | undefined] => {
    const nodes: Node[] = [];
    while (cursor < items.length) {
      const item = items[cursor++] as Item;
      if ('text' in item) {
        nodes.push({ kind: 'text', text: item.text });
        continue;
      }
      const [first, ...rest] = item.action;
      const keyword = first?.kind === 'ident' && KEYWORDS.has(first.text) ? first.text : undefined;
      if (keyword === 'else' || keyword === 'end') return [nodes, item.action];
      if (keyword === 'if' || keyword === 'with' || keyword === 'range') nodes.push(control(keyword, rest));
      else if (keyword === 'break' || keyword === 'continue') {
        if (rest.length > 0 || ranges === 0) fail(`misplaced {{${keyword}}}`);
        nodes.push({ kind: keyword });
      } else if (keyword !== undefined) fail(`unsupported {{${keyword}}}`);
      else nodes.push({ kind: 'action', pipeline: pipeline(item.action, false) });
    }
    return [nodes, undefined];
  };

  const expectEnd = (stop: readonly Token[] | undefined) => {
    if (stop?.length !== 1 || stop[0]?.text !== 'end') fail('expected {{end}}');
  };

  const control = (kind: Control['kind'], tokens: readonly Token[]): Control => {
    // Variables declared here, in the pipeline or the lists, go out of scope at the `{{end}}`.
    const scope = vars.length;
    const head = pipeline(tokens, kind === 'range');
    if (kind === 'range') ranges++;
    const [nodes, stop] = list();
    if (kind === 'range') ranges--;
    let elseList: Node[] = [];
    const [, after] = stop ?? [];
    if (stop?.[0]?.text !== 'else') expectEnd(stop);
    // `{{else if}}` (`{{else with}}`) is an `{{else}}` holding the next `if` (`with`) and its `{{end}}`.
    else if (kind !== 'range' && after?.kind === 'ident' && after.text === kind)
      elseList = [control(kind, stop.slice(2))];
    else if (after !== undefined) fail(`unexpected ${after.text} in {{else}}`);
    else {
      let end: readonly Token[] | undefined;
      [elseList, end] = list();
      expectEnd(end);
    }
    vars.length = scope;
    return { kind, pipeline: head, list: nodes, elseList };
  };

  /** An action's pipeline, its declarations first (two only in a range's), read as Go's parser reads it. */
  const pipeline = (tokens: readonly Token[], rangeHead: boolean): Pipeline => {
    let at = 0;
    const operand = (token: Token): Operand => {
      switch (token.kind) {
        case 'string':
        case 'number':
          return { kind: 'literal', value: token.value };
        case 'ident':
          return { kind: 'literal', value: LITERALS.get(token.text) };
        case 'field':
          return { kind: 'field', path: token.text };
        case 'variable': {
          const split = token.text.search(/\.|$/);
          const name = token.text.slice(0, split);
          if (!vars.includes(name)) fail(`undefined variable ${name}`);
          return { kind: 'variable', name, path: token.text.slice(split) };
        }
        case '(': {
          const inner = read(false);
          if (tokens[at++]?.kind !== ')') fail('unclosed (');
          // `(index .Devices 0).Gateway4`: a field of the parenthesized value.
          const field = tokens[at];
          const path = field?.kind === 'field' && field.joined ? field.text : '';
          if (path !== '') at++;
          return { kind: 'pipeline', pipeline: inner, path };
        }
        default:
          return fail(`unexpected ${token.text}`);
      }
    };
    const read = (rangeHead: boolean): Pipeline => {
      const decl: string[] = [];
      let assign = false;
      let declared = false;
      for (
        let token = tokens[at];
        token?.kind === 'variable' && !token.text.includes('.');
        token = tokens[at]
      ) {
        const after = tokens[at + 1]?.kind;
        if (after === ':=' || after === '=') {
          assign = after === '=';
          declared = true;
          decl.push(token.text);
          at += 2;
          break;
        }
        if (after !== ',') break;
        if (!rangeHead || decl.length > 0) fail('too many declarations');
        decl.push(token.text);
        at += 2;
      }
      // `{{range $i, .List}}`: variables named but not declared.
      if (decl.length > 0 && !declared) fail('range can only initialize variables');
      vars.push(...decl);
      const commands: Command[] = [];
      do {
        let fn: string | undefined;
        const args: Operand[] = [];
        for (let token = tokens[at]; token && token.kind !== '|' && token.kind !== ')'; token = tokens[at]) {
          at++;
          if (token.kind === 'ident' && !LITERALS.has(token.text)) {
            if (!funcs.has(token.text)) fail(`function ${JSON.stringify(token.text)} not defined`);
            if (args.length === 0 && fn === undefined) fn = token.text;
            else args.push({ kind: 'function', name: token.text });
          } else args.push(operand(token));
          // Only a parenthesized value takes a field after it.
          if (tokens[at]?.kind === 'field' && tokens[at]?.joined) fail('unexpected . after term');
        }
        if (fn === undefined && args.length === 0) fail('missing value for command');
        commands.push({ fn, args });
      } while (tokens[at]?.kind === '|' && ++at);
      return { decl, assign, commands };
    };
    const value = read(rangeHead);
    if (at !== tokens.length) fail('unexpected )');
    return value;
  };

  const [tree, stop] = list();
  if (stop) fail(`unexpected {{${stop[0]?.text}}}`);
  return tree;
}

/** What a list of nodes ends with: a `{{break}}` or `{{continue}}` of the range around it, or neither. */
type Flow = 'break' | 'continue' | undefined;

/** Executes the tree over `data`, with Go's variable stack (`$` the data). */
function run(tree: readonly Node[], data: Value, funcs: Funcs): string {
  let out = '';
  const vars: { name: string; value: Value }[] = [{ name: '$', value: data }];
  const variable = (name: string) =>
    vars.findLast((v) => v.name === name) ?? fail(`undefined variable ${name}`);
  const call = (name: string, args: readonly Thunk[]) =>
    (funcs.get(name) ?? fail(`function ${name} not defined`))(args);

  const operand = (op: Operand, dot: Value): Value => {
    switch (op.kind) {
      case 'literal':
        return op.value;
      case 'function':
        return call(op.name, []);
      case 'field':
        return fieldOf(dot, op.path);
      case 'variable':
        return fieldOf(variable(op.name).value, op.path);
      case 'pipeline':
        return fieldOf(evaluate(op.pipeline, dot), op.path);
    }
  };

  const command = ({ fn, args }: Command, dot: Value, piped: readonly Thunk[]): Value => {
    if (fn !== undefined) return call(fn, [...args.map((arg) => () => operand(arg, dot)), ...piped]);
    const [only] = args;
    if (only === undefined || args.length > 1 || piped.length > 0)
      return fail("can't give argument to non-function");
    return only.kind === 'literal' && only.value === undefined
      ? fail('nil is not a command')
      : operand(only, dot);
  };

  const evaluate = (pipeline: Pipeline, dot: Value): Value => {
    let value: Value;
    // The value of a command is the last argument of the next.
    let piped: Thunk[] = [];
    for (const cmd of pipeline.commands) {
      const result = command(cmd, dot, piped);
      piped = [() => result];
      value = result;
    }
    for (const name of pipeline.decl)
      if (pipeline.assign) variable(name).value = value;
      else vars.push({ name, value });
    return value;
  };

  const walk = (nodes: readonly Node[], dot: Value): Flow => {
    for (const node of nodes) {
      const flow = step(node, dot);
      if (flow) return flow;
    }
    return undefined;
  };

  const step = (node: Node, dot: Value): Flow => {
    switch (node.kind) {
      case 'text':
        out += node.text;
        return undefined;
      case 'action': {
        const value = evaluate(node.pipeline, dot);
        // An action that declares or assigns prints nothing.
        if (node.pipeline.decl.length === 0)
          out += value === undefined || value === null ? '<no value>' : formatted(value);
        return undefined;
      }
      case 'break':
      case 'continue':
        return node.kind;
      default: {
        const scope = vars.length;
        const value = evaluate(node.pipeline, dot);
        const flow =
          node.kind === 'range'
            ? range(node, value, dot)
            : truth(value)
              ? walk(node.list, node.kind === 'with' ? value : dot)
              : walk(node.elseList, dot);
        vars.length = scope;
        return flow;
      }
    }
  };

  const range = (node: Control, value: Value, dot: Value): Flow => {
    const entries = rangeEntries(value);
    const [first, second] = node.pipeline.decl;
    const scope = vars.length;
    for (const [key, element] of entries) {
      // One variable is the element; two are the index (key) and the element.
      if (first !== undefined) variable(first).value = second === undefined ? element : key;
      if (second !== undefined) variable(second).value = element;
      const flow = walk(node.list, element);
      vars.length = scope;
      if (flow === 'break') break;
    }
    if (entries.length > 0) return undefined;
    // A `{{break}}` in the `{{else}}` ends this range, not the one around it.
    const flow = walk(node.elseList, dot);
    return flow === 'break' ? undefined : flow;
  };

  walk(tree, data);
  return out;
}

/** A Go field path on the data: map keys and the VM's fields by their Go names (JSON's, capitalized). */
function fieldOf(data: Value, path: string): Value {
  let value = data;
  for (const name of path.split('.').slice(1)) {
    if (name === '') continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return fail(`can't evaluate field ${name}`);
    const object = value as Record<string, unknown>;
    // A map's key is read as written.
    if (isMap(object)) {
      value = Object.hasOwn(object, name) ? object[name] : undefined;
      continue;
    }
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

/** The data's Go maps (`map[string]string`): the VM's labels and annotations; its other objects are structs. */
const MAPS = new WeakSet<object>();
const isMap = (value: Value): value is Readonly<Record<string, string>> =>
  typeof value === 'object' && value !== null && MAPS.has(value);

/** Go's truth: false, 0, nil, and an empty string, list or map are false; a struct is true. */
function truth(value: Value): boolean {
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return value !== null && Boolean(value);
}

/** What a range visits: a list's indices and elements, a map's keys (sorted) and values; nothing for nil. */
function rangeEntries(value: Value): [Value, Value][] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((element, i) => [i, element]);
  if (isMap(value))
    return Object.keys(value)
      .sort()
      .map((key) => [key, value[key]]);
  return fail(`range can't iterate over ${String(value)}`);
}

/** A value as Go's fmt prints it with `%v`. */
function formatted(value: Value): string {
  if (value === undefined || value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(formatted).join(' ')}]`;
  return typeof value === 'object' ? fail('cannot print an object') : String(value);
}

/** Go's fmt.Sprint: a space between two operands when neither is a string. */
const sprint = (args: readonly Value[]): string =>
  args
    .map(
      (arg, i) =>
        (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + formatted(arg),
    )
    .join('');

/** The Go type fmt names in `%!d(string=x)`. */
const goType = (value: Value): string =>
  typeof value === 'string'
    ? 'string'
    : typeof value === 'boolean'
      ? 'bool'
      : Number.isInteger(value)
        ? 'int'
        : typeof value === 'number'
          ? 'float64'
          : fail('not a basic value');

/** Go's fmt.Sprintf for the verbs `%v %s %d %q %x %X %t %c %%`, with a width (padded on the right with `-`). */
function sprintf(format: string, args: readonly Value[]): string {
  let next = 0;
  const out = format.replace(
    /%(-?)([1-9]\d*)?([\s\S]?)/g,
    (_, left: string, width: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (verb === '') return '%!(NOVERB)';
      if (!'vsdqxXtc'.includes(verb)) fail(`unsupported verb %${verb}`);
      if (next >= args.length) return `%!${verb}(MISSING)`;
      // Go's width counts runes.
      const pad = (text: string) => {
        const fill = ' '.repeat(Math.max(0, Number(width ?? 0) - [...text].length));
        return left ? text + fill : fill + text;
      };
      return formatVerb(verb, args[next++], pad);
    },
  );
  const extra = args
    .slice(next)
    .map((arg) => (arg === undefined || arg === null ? '<nil>' : `${goType(arg)}=${formatted(arg)}`));
  return extra.length === 0 ? out : `${out}%!(EXTRA ${extra.join(', ')})`;
}

/** One operand of printf: a list element by element, a type the verb does not take as Go's `%!d(string=x)`. */
function formatVerb(verb: string, value: Value, pad: (text: string) => string): string {
  if (Array.isArray(value)) return `[${value.map((element) => formatVerb(verb, element, pad)).join(' ')}]`;
  const text = verb === 'v' ? formatted(value) : formatScalar(verb, value);
  if (text !== undefined) return pad(text);
  return value === undefined || value === null
    ? `%!${verb}(<nil>)`
    : `%!${verb}(${goType(value)}=${formatted(value)})`;
}

/** A basic value by a verb that takes its type (`%x` a string's bytes, `%q` and `%c` an integer's character). */
function formatScalar(verb: string, value: Value): string | undefined {
  if (verb === 'X') return formatScalar('x', value)?.toUpperCase();
  if (typeof value === 'boolean') return verb === 't' ? String(value) : undefined;
  if (typeof value === 'string') {
    if (verb === 's') return value;
    if (verb === 'q') return quote(value, '"');
    return verb === 'x' ? Buffer.from(value).toString('hex') : undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) return undefined;
  if (verb === 'd') return String(value);
  if (verb === 'x') return value.toString(16);
  if (verb === 'c') return rune(value);
  return verb === 'q' ? quote(rune(value), "'") : undefined;
}

/** The character of a code point, U+FFFD for one that is not, as Go's. */
const rune = (code: number): string =>
  code < 0 || code > 0x10ffff || (code >= 0xd800 && code < 0xe000) ? '\uFFFD' : String.fromCodePoint(code);

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, '0');

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
};

/** Go's strconv.Quote (QuoteRune with `'`): printable characters as they are, others escaped. */
function quote(text: string, mark: '"' | "'"): string {
  const escaped = Array.from(text, (c) => {
    if (c === mark) return `\\${c}`;
    const code = c.codePointAt(0) as number;
    const named = QUOTE_ESCAPES[c];
    if (named !== undefined || PRINTABLE.test(c)) return named ?? c;
    return code < 0x80 ? `\\x${hex(code, 2)}` : code < 0x10000 ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`;
  });
  return mark + escaped.join('') + mark;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&#39;',
  '"': '&#34;',
  '\0': '\uFFFD',
};

/** Go's template.HTMLEscapeString. */
const htmlEscape = (text: string) => Array.from(text, (c) => HTML_ESCAPES[c] ?? c).join('');

/** Go's template.JSEscapeString: quotes and backslashes escaped, `<>&=`, controls and unprintables as `\uXXXX`. */
const jsEscape = (text: string) =>
  Array.from(text, (c) => {
    if (c === '\\' || c === "'" || c === '"') return `\\${c}`;
    const code = c.codePointAt(0) as number;
    return '<>&='.includes(c) || code < 0x20 || (code >= 0x80 && !PRINTABLE.test(c))
      ? `\\u${hex(code, 4).toUpperCase()}`
      : c;
  }).join('');

/** Go's url.QueryEscape: letters, digits and `-_.~` as they are, a space as `+`, other bytes as `%XX`. */
const queryEscape = (text: string) =>
  Array.from(Buffer.from(text), (byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9\-_.~]/.test(c) ? c : c === ' ' ? '+' : `%${hex(byte, 2).toUpperCase()}`;
  }).join('');

const int = (value: Value): number =>
  Number.isInteger(value) ? (value as number) : fail(`expected an integer, not ${String(value)}`);
const str = (value: Value): string =>
  typeof value === 'string' ? value : fail(`expected a string, not ${String(value)}`);

/** A template function's argument, evaluated when the function asks (`and` and `or` stop early). */
type Thunk = () => Value;
type Func = (args: readonly Thunk[]) => Value;
type Funcs = ReadonlyMap<string, Func>;

/** A function of evaluated arguments; as Go's, `f.length` of them, or at least that many for a variadic one. */
function eager(f: (...args: Value[]) => Value, variadic = false): Func {
  return (args) =>
    (variadic ? args.length >= f.length : args.length === f.length)
      ? f(...args.map((arg) => arg()))
      : fail(`wrong number of args: want ${f.length} got ${args.length}`);
}

/** Go's `and` (`or`): the first argument that is false (true), or else the last, the rest not evaluated. */
function decide(or: boolean): Func {
  return (args) => {
    let value: Value = args.length > 0 ? undefined : fail('wrong number of args: want at least 1 got 0');
    for (const arg of args) {
      value = arg();
      if (truth(value) === or) break;
    }
    return value;
  };
}

/** Go's `eq` of two operands: nil equals only nil; other than nil, only basic values of one kind compare. */
function equal(a: Value, b: Value): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  const kind = typeof a;
  if (kind !== typeof b || !(kind === 'string' || kind === 'number' || kind === 'boolean'))
    fail('incompatible types for comparison');
  return a === b;
}

/** Go's `lt`: integers with integers, strings with strings; anything else is an error. */
function less(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  return fail('incompatible types for comparison');
}

/** An element of a list (bytes for a string) by a checked index. */
const element = (list: ArrayLike<Value>, index: number): Value =>
  index >= 0 && index < list.length ? list[index] : fail(`index out of range: ${index}`);

/** Go's x[i:j:k] bounds on a length: 0 <= i <= j <= k <= length; `k` only for a list. */
function bounds(length: number, indices: readonly Value[]): [number, number] {
  const [from = 0, to = length, max = length] = indices.map(int);
  if (indices.length > 3 || from < 0 || from > to || to > max || max > length)
    fail('slice index out of range');
  return [from, to];
}

/** html, js and urlquery escape their arguments printed as one string (nil as `<no value>`). */
const escaper = (escapeText: (text: string) => string): Func =>
  eager((...args) => escapeText(sprint(args.map((arg) => arg ?? '<no value>'))), true);

/** Go's builtins but `call` (there are no func values in the data). */
const BUILTINS = new Map<string, Func>([
  ['and', decide(false)],
  ['or', decide(true)],
  ['not', eager((value) => !truth(value))],
  [
    'len',
    eager((value) =>
      typeof value === 'string'
        ? Buffer.byteLength(value)
        : Array.isArray(value)
          ? value.length
          : isMap(value)
            ? Object.keys(value).length
            : fail(`len of ${String(value)}`),
    ),
  ],
  [
    'index',
    eager(
      (item, ...keys) =>
        keys.reduce(
          (value, key) =>
            Array.isArray(value)
              ? element(value, int(key))
              : typeof value === 'string'
                ? element(Buffer.from(value), int(key))
                : isMap(value)
                  ? // A key it lacks gives the element type's zero value, as Go's index does.
                    (value[str(key)] ?? '')
                  : fail(`can't index ${String(value)}`),
          item,
        ),
      true,
    ),
  ],
  [
    'slice',
    eager((item, ...indices) => {
      if (Array.isArray(item)) return item.slice(...bounds(item.length, indices));
      if (typeof item !== 'string' || indices.length === 3) return fail(`can't slice ${String(item)}`);
      const bytes = Buffer.from(item);
      return bytes.subarray(...bounds(bytes.length, indices)).toString();
    }, true),
  ],
  [
    'eq',
    eager(
      (a, ...others) =>
        others.length > 0 ? others.some((b) => equal(a, b)) : fail('missing argument for comparison'),
      true,
    ),
  ],
  ['ne', eager((a, b) => !equal(a, b))],
  ['lt', eager(less)],
  ['le', eager((a, b) => less(a, b) || equal(a, b))],
  ['gt', eager((a, b) => !(less(a, b) || equal(a, b)))],
  ['ge', eager((a, b) => !less(a, b))],
  ['print', eager((...args) => sprint(args), true)],
  ['println', eager((...args) => `${args.map(formatted).join(' ')}\n`, true)],
  ['printf', eager((format, ...args) => sprintf(str(format), args), true)],
  ['html', escaper(htmlEscape)],
  ['js', escaper(jsEscape)],
  ['urlquery', escaper(queryEscape)],
]);

/** Go's net.ParseCIDR: the address and prefix length, or an error. */
const cidrOf = (s: string) => parseCidr(s) ?? fail(`invalid CIDR address: ${s}`);

/**
 * vm-operator's template functions under each version's name, and Go's builtins: v1alpha1 to
 * v1alpha5's read IPv4 alone; v1alpha6's fall back to IPv6, refuse IPv6 where a netmask is meant,
 * and add the IPv4 and IPv6 functions, IsUsableIP and PrefixLength.
 */
function functions(network: TemplateNetwork): Funcs {
  const devices = network.devices;
  const device = (index: number) => {
    if (devices.length === 0) fail(NO_DEVICE);
    return devices[index] ?? fail('index out of bound');
  };
  const firstAddress = (index: number) => device(index).ipAddresses[0] ?? fail('index out of range');
  /** v1alpha6's first address of a device: IPv4, else a usable IPv6 one, else any IPv6 one. */
  const firstOf = (d: TemplateDevice) =>
    d.ipAddresses[0] ?? d.ipv6Addresses.find(isUsableIp) ?? d.ipv6Addresses[0] ?? fail(NO_DEVICE);
  const firstOfFamily = (d: TemplateDevice, family: 'IPv4' | 'IPv6') =>
    (family === 'IPv4' ? d.ipAddresses : d.ipv6Addresses)[0] ??
    fail(`no available ${family} address, check with VI admin`);
  const common: Record<string, (...args: Value[]) => Value> = {
    FirstNicMacAddr: () => device(0).macAddress,
    FormatNameservers: (count, delimiter) => {
      const all = network.nameservers;
      if (all.length === 0) fail('no available nameservers, check with VI admin');
      const n = int(count);
      return (n < 0 || n >= all.length ? all : all.slice(0, n)).join(str(delimiter));
    },
    FormatIP: (s, m) => {
      const text = str(s);
      const ip = text.includes('/') ? cidrOf(text).address : text;
      if (!isIp(ip)) fail('input IP address not valid');
      const mask = str(m);
      if (mask === '') return ip;
      if (mask.startsWith('/')) {
        cidrOf(ip + mask);
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
  // The first four bytes of the mask, an IPv6 one's too.
  const subnetMask = (cidr: Value) => ipv4Mask(cidrOf(str(cidr)).prefix);
  // Go's DefaultMask: the class of an IPv4 address, none (0 bits) for others.
  const withDefaultMask = (ip: Value) => {
    const family = ipFamily(str(ip));
    if (family === undefined) fail('input IP address not valid');
    const first = family === 4 ? Number(str(ip).split('.')[0]) : 255;
    return `${ip}/${first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 0}`;
  };
  const older: Record<string, (...args: Value[]) => Value> = {
    ...common,
    FirstIP: () => firstAddress(0),
    FirstIPFromNIC: (i) => firstAddress(int(i)),
    IPsFromNIC: (i) => device(int(i)).ipAddresses,
    SubnetMask: subnetMask,
    IP: withDefaultMask,
  };
  const v1alpha6: Record<string, (...args: Value[]) => Value> = {
    ...common,
    FirstIP: () => firstOf(device(0)),
    FirstIPFromNIC: (i) => firstOf(device(int(i))),
    IPsFromNIC: (i) => {
      const d = device(int(i));
      return d.ipAddresses.length > 0 ? d.ipAddresses : d.ipv6Addresses;
    },
    SubnetMask: (cidr) =>
      ipFamily(cidrOf(str(cidr)).address) === 4
        ? subnetMask(cidr)
        : fail(`SubnetMask only supports IPv4 CIDRs, use PrefixLength for IPv6: ${str(cidr)}`),
    IP: (ip) =>
      ipFamily(str(ip)) === 6
        ? fail(`IP only supports IPv4 addresses, IPv6 has no default netmask: ${str(ip)}`)
        : withDefaultMask(ip),
    FirstIPv4: () => firstOfFamily(device(0), 'IPv4'),
    FirstIPv6: () => firstOfFamily(device(0), 'IPv6'),
    FirstIPv4FromNIC: (i) => firstOfFamily(device(int(i)), 'IPv4'),
    FirstIPv6FromNIC: (i) => firstOfFamily(device(int(i)), 'IPv6'),
    IsUsableIP: (ip) => isUsableIp(str(ip)),
    PrefixLength: (cidr) => cidrOf(str(cidr)).prefix,
  };
  const out = new Map(BUILTINS);
  for (const version of VERSIONS)
    for (const [name, f] of Object.entries(version === 'V1alpha6' ? v1alpha6 : older))
      out.set(`${version}_${name}`, eager(f));
  return out;
}

const NO_DEVICE = 'no available network device, check with VI admin';
