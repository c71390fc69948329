/**
 * Label and field selectors, with the API server's syntax: `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1` for labels; `path=value`, `path!=value` for fields.
 */
import { kubeErrors } from './errors.js';
import { isPlainObject } from './meta.js';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: readonly string[] }
  | { key: string; op: 'exists' | 'notexists' }
  /** The label's value, an integer, is above (`gt`) or below (`lt`) this one. */
  | { key: string; op: 'gt' | 'lt'; value: number };

const INTEGER = /^[-+]?[0-9]+$/;

/** The structured form objects use (`spec.selector` of a Service, a Deployment...). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

export type Labels = Readonly<Record<string, string>> | undefined;

export class LabelMatcher {
  readonly requirements: readonly LabelRequirement[];

  constructor(requirements: readonly LabelRequirement[]) {
    this.requirements = requirements;
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    for (const r of this.requirements) {
      const has = labels !== undefined && Object.hasOwn(labels, r.key);
      const value = has ? labels[r.key] : undefined;
      switch (r.op) {
        case 'exists':
          if (!has) return false;
          break;
        case 'notexists':
          if (has) return false;
          break;
        case 'in':
          if (!has || !r.values.includes(value as string)) return false;
          break;
        case 'notin':
          if (has && r.values.includes(value as string)) return false;
          break;
        case 'gt':
        case 'lt': {
          if (!has || !INTEGER.test(value as string)) return false;
          const n = Number(value);
          if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
          break;
        }
      }
    }
    return true;
  }
}

const badLabelSelector = (selector: string, why: string) =>
  kubeErrors.badRequest(`unable to parse requirement: ${why} (selector "${selector}")`);

const WORD = /[A-Za-z0-9_./-]/;

/** The selector that selects everything, shared. */
let everything: LabelMatcher | undefined;

/** Parses a label selector string; an empty string selects everything. */
export function parseLabelSelector(selector: string): LabelMatcher {
  if (selector === '') {
    everything ??= parseSelector('');
    return everything;
  }
  return parseSelector(selector);
}

function parseSelector(selector: string): LabelMatcher {
  const out: LabelRequirement[] = [];
  let i = 0;
  const n = selector.length;
  const skip = () => {
    while (i < n && /\s/.test(selector[i] as string)) i++;
  };
  const word = (): string => {
    skip();
    const start = i;
    while (i < n && WORD.test(selector[i] as string)) i++;
    return selector.slice(start, i);
  };
  const checkValue = (v: string) => {
    if (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))
      throw badLabelSelector(selector, `invalid label value: "${v}"`);
  };
  skip();
  if (i >= n) return new LabelMatcher([]);
  for (;;) {
    skip();
    let negate = false;
    if (selector[i] === '!') {
      negate = true;
      i++;
    }
    const key = word();
    if (!key) throw badLabelSelector(selector, 'found no key');
    if (
      !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(
        key,
      )
    )
      throw badLabelSelector(selector, `invalid label key "${key}"`);
    skip();
    if (negate) {
      out.push({ key, op: 'notexists' });
    } else if (i >= n || selector[i] === ',') {
      out.push({ key, op: 'exists' });
    } else if (selector.startsWith('!=', i)) {
      i += 2;
      const v = word();
      checkValue(v);
      out.push({ key, op: 'notin', values: [v] });
    } else if (selector.startsWith('==', i) || selector[i] === '=') {
      i += selector.startsWith('==', i) ? 2 : 1;
      const v = word();
      checkValue(v);
      out.push({ key, op: 'in', values: [v] });
    } else if (selector[i] === '>' || selector[i] === '<') {
      const op = selector[i] === '>' ? 'gt' : 'lt';
      i++;
      const v = word();
      if (!INTEGER.test(v) || !Number.isSafeInteger(Number(v)))
        throw badLabelSelector(selector, `for 'Gt', 'Lt' operators, the value must be an integer: "${v}"`);
      out.push({ key, op, value: Number(v) });
    } else {
      const op = word();
      if (op !== 'in' && op !== 'notin')
        throw badLabelSelector(
          selector,
          `found '${op || selector[i]}', expected: in, notin, =, ==, !=, gt, lt`,
        );
      skip();
      if (selector[i] !== '(') throw badLabelSelector(selector, "found no '(' after in/notin");
      i++;
      skip();
      // `()` is the set of the empty value, as apimachinery's parser reads it.
      const values: string[] = [];
      for (;;) {
        const v = word();
        checkValue(v);
        values.push(v);
        skip();
        if (selector[i] === ',') {
          i++;
          continue;
        }
        if (selector[i] === ')') {
          i++;
          break;
        }
        throw badLabelSelector(selector, "found no ')' to close the set");
      }
      out.push({ key, op, values });
    }
    skip();
    if (i >= n) break;
    if (selector[i] !== ',') throw badLabelSelector(selector, `found '${selector[i]}', expected: ','`);
    i++;
  }
  return new LabelMatcher(out);
}

/** The structured selector as a matcher; `{}` selects everything. */
export function labelSelectorMatcher(selector: LabelSelector): LabelMatcher {
  const out: LabelRequirement[] = [];
  const { matchLabels = {}, matchExpressions = [] } = selector;
  if (!isPlainObject(matchLabels) || Object.values(matchLabels).some((v) => typeof v !== 'string'))
    throw kubeErrors.badRequest('matchLabels: Invalid value: must be a map of strings');
  if (
    !Array.isArray(matchExpressions) ||
    matchExpressions.some(
      (e) =>
        !isPlainObject(e) ||
        typeof e.key !== 'string' ||
        (e.values !== undefined && (!Array.isArray(e.values) || e.values.some((v) => typeof v !== 'string'))),
    )
  )
    throw kubeErrors.badRequest(
      'matchExpressions: Invalid value: must be a list of requirements with a key and values',
    );
  for (const [key, value] of Object.entries(matchLabels)) out.push({ key, op: 'in', values: [value] });
  for (const e of matchExpressions) {
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (!e.values?.length)
          throw kubeErrors.badRequest(`values: Required value: for 'In', 'NotIn' operators`);
        out.push({ key: e.key, op: e.operator === 'In' ? 'in' : 'notin', values: e.values });
        break;
      case 'Exists':
        out.push({ key: e.key, op: 'exists' });
        break;
      case 'DoesNotExist':
        out.push({ key: e.key, op: 'notexists' });
        break;
      default:
        throw kubeErrors.badRequest(`"${String(e.operator)}" is not a valid label selector operator`);
    }
  }
  return new LabelMatcher(out);
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Splits on an unescaped separator; `\,`, `\=`, `\\` escape. */
function splitEscaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const unescapeValue = (v: string) => v.replace(/\\(.)/g, '$1');

/** Parses a field selector; fields are checked against the kind's selectable fields later. */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  if (selector.trim() === '') return [];
  return splitEscaped(selector, ',').map((part) => {
    const m = /^([^!=]+)(==|!=|=)(.*)$/s.exec(part.trim());
    if (!m) throw kubeErrors.badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    return { field: field.trim(), op: op === '!=' ? '!=' : '=', value: unescapeValue(value) };
  });
}

export function fieldsMatch(
  requirements: readonly FieldRequirement[],
  read: (field: string) => string | undefined,
) {
  for (const r of requirements) {
    const v = read(r.field) ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
