/**
 * What the API server validates of a custom resource's values beyond their JSON types, as its
 * CRD's OpenAPI schema gives it (its CEL rules aside): enums, required fields, numeric bounds,
 * string lengths, patterns and formats, item and property counts, and the uniqueness of a set's
 * items and of a list map's keys. The causes are kube-openapi's, as the API server passes them
 * on (apiextensions-apiserver's kubeOpenAPIResultToFieldErrors): an enum's `Unsupported value`, a
 * missing field's `Required value`, `Too long`, `Too many`, the rest `Invalid value` with the
 * validator's sentence (`spec.x in body should be greater than or equal to 1`).
 */
import type { FieldCause } from './errors.js';
import { deepEqual, isPlainObject } from './meta.js';

/** A schema's constraints, by their OpenAPI names (see scripts/generate-crd-shapes.py). */
export interface SchemaConstraints {
  readonly enum?: readonly unknown[];
  readonly required?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly multipleOf?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  /** The string formats the API server checks. */
  readonly format?: 'date-time' | 'uuid' | 'byte';
  /** `x-kubernetes-list-type: set`: no item twice. */
  readonly set?: boolean;
  /** `x-kubernetes-list-type: map`: no two items with the same values of these fields. */
  readonly mapKeys?: readonly string[];
  /** Of a whole object's schema: it has CEL rules (`x-kubernetes-validations`) somewhere. */
  readonly rules?: boolean;
}

/** Constraints ready to check: the pattern compiled, the enum a set. */
export interface Constraints extends SchemaConstraints {
  readonly regex: RegExp | undefined;
  readonly allowed: ReadonlySet<unknown> | undefined;
}

export const compiled = (c: SchemaConstraints): Constraints => ({
  ...c,
  regex: c.pattern === undefined ? undefined : new RegExp(c.pattern, 'u'),
  allowed: c.enum && new Set(c.enum),
});

/** A date-time's date and time, as kube-openapi's strfmt reads them (after a `t`, any case). */
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(.\d+)?(z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * strfmt's IsDateTime: lower-cased and split at each `t`, a calendar date before the first, a
 * time of day after it (seconds at most 59; any character before a fraction).
 */
function isDateTime(text: string): boolean {
  const [date, time] = text.toLowerCase().split('t');
  const d = FULL_DATE.exec(date ?? '');
  const t = time === undefined ? null : TIME.exec(time);
  if (!d || !t) return false;
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  // Day 0 of the next month is the last of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const inRange = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth;
  return inRange && Number(t[1]) <= 23 && Number(t[2]) <= 59 && Number(t[3]) <= 59;
}

const FORMATS: Readonly<Record<NonNullable<SchemaConstraints['format']>, (text: string) => boolean>> = {
  'date-time': isDateTime,
  uuid: (text) => UUID.test(text),
  byte: (text) => BASE64.test(text),
};

/**
 * What the API server adds, in place of the CEL rules' verdicts, to an object whose schema
 * errors block them (a value missing, too long or too many, of another type or outside its enum).
 */
export const RULES_NOT_CHECKED: FieldCause = {
  field: '<nil>',
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  reason: 'FieldValueInvalid',
};
const BLOCKING_REASONS = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);
export const blocksRules = (cause: FieldCause): boolean => BLOCKING_REASONS.has(cause.reason ?? '');

/** A value as a field error shows it: a string quoted, a number or a boolean as it is, the rest as Go's `%#v`. */
const shown = (value: unknown): string =>
  value === null || typeof value !== 'object' ? (JSON.stringify(value) ?? String(value)) : goSyntax(value);

/** A list or an object as Go's `%#v` prints the JSON it decodes to (`[]interface {}{"a", 1}`). */
function goSyntax(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    const entries = Object.keys(fields)
      .filter((key) => fields[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${goSyntax(fields[key])}`);
    return `map[string]interface {}{${entries.join(', ')}}`;
  }
  return JSON.stringify(value);
}

const invalid = (at: string, value: unknown, should: string): FieldCause => ({
  field: at,
  message: `Invalid value: ${shown(value)}: ${at} in body ${should}`,
});

/**
 * Where a walk is: the fields and list indices from the top, made into a path (`spec.volumes[0]`)
 * only for a value that is reported, since almost every write has none.
 */
export type Trail = (string | number)[];

export const pathOf = (trail: Trail): string =>
  trail.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('');

/** A field's path below another's: `spec.x`, or `x` at the top. */
const fieldPath = (at: string, field: string): string => (at === '' ? field : `${at}.${field}`);

/**
 * The causes a value of the right type, at `trail`, gives, in kube-openapi's order: a string's
 * length, pattern and format, a number's multiple and bounds, a list's counts, the enum, an
 * object's property counts and required fields. A list's repeated items are `duplicates` (the API
 * server checks list types after the schema). Asked only of a value `satisfies` does not pass.
 */
export function constraintProblems(
  c: Constraints,
  value: unknown,
  trail: Trail,
  causes: FieldCause[],
  duplicates: FieldCause[],
): void {
  const at = pathOf(trail);
  if (typeof value === 'string') {
    // Lengths in characters, as Go's utf8.RuneCountInString counts them.
    const length = c.maxLength !== undefined || c.minLength !== undefined ? [...value].length : 0;
    if (c.maxLength !== undefined && length > c.maxLength)
      causes.push({
        field: at,
        message: `Too long: may not be longer than ${c.maxLength}`,
        reason: 'FieldValueTooLong',
      });
    if (c.minLength !== undefined && length < c.minLength)
      causes.push(invalid(at, value, `should be at least ${c.minLength} chars long`));
    if (c.regex && !c.regex.test(value)) causes.push(invalid(at, value, `should match '${c.pattern}'`));
    if (c.format && !FORMATS[c.format](value))
      causes.push({
        field: at,
        message: `Invalid value: ${shown(value)}: ${at} in body must be of type ${c.format}: ${shown(value)}`,
        reason: 'FieldValueTypeInvalid',
      });
  } else if (typeof value === 'number') {
    if (c.multipleOf !== undefined && value % c.multipleOf !== 0)
      causes.push(invalid(at, value, `should be a multiple of ${c.multipleOf}`));
    if (c.maximum !== undefined && (c.exclusiveMaximum ? value >= c.maximum : value > c.maximum))
      causes.push(
        invalid(at, value, `should be less than ${c.exclusiveMaximum ? '' : 'or equal to '}${c.maximum}`),
      );
    if (c.minimum !== undefined && (c.exclusiveMinimum ? value <= c.minimum : value < c.minimum))
      causes.push(
        invalid(at, value, `should be greater than ${c.exclusiveMinimum ? '' : 'or equal to '}${c.minimum}`),
      );
  } else if (Array.isArray(value)) {
    if (c.minItems !== undefined && value.length < c.minItems)
      causes.push(invalid(at, value, `should have at least ${c.minItems} items`));
    if (c.maxItems !== undefined && value.length > c.maxItems)
      causes.push(tooMany(at, value.length, c.maxItems));
    if (c.set) setDuplicates(value, at, duplicates);
    else if (c.mapKeys) mapKeyDuplicates(value, c.mapKeys, at, duplicates);
  }
  if (c.allowed && !c.allowed.has(value))
    causes.push({
      field: at,
      // Every allowed value quoted, as Go's field.NotSupported quotes them (a number's JSON too).
      message: `Unsupported value: ${shown(value)}: supported values: ${(c.enum as unknown[])
        .map((v) => JSON.stringify(typeof v === 'string' ? v : shown(v)))
        .join(', ')}`,
      reason: 'FieldValueNotSupported',
    });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const fields = value as Record<string, unknown>;
  if (c.maxProperties !== undefined || c.minProperties !== undefined) {
    const count = definedCount(fields);
    if (c.maxProperties !== undefined && count > c.maxProperties)
      causes.push(tooMany(at, count, c.maxProperties));
    if (c.minProperties !== undefined && count < c.minProperties)
      causes.push(invalid(at, value, `should have at least ${c.minProperties} properties`));
  }
  if (c.required)
    // A null field is pruned before the schema is checked: it is missing too.
    for (const field of c.required)
      if (fields[field] === undefined || fields[field] === null)
        causes.push({ field: fieldPath(at, field), message: 'Required value', reason: 'FieldValueRequired' });
}

/**
 * Whether a value breaks none of its constraints, what almost every value of a write does: the
 * same checks as `constraintProblems`, with nothing made.
 */
export function satisfies(c: Constraints, value: unknown): boolean {
  if (c.allowed && !c.allowed.has(value)) return false;
  if (typeof value === 'string') {
    // Characters, not UTF-16 units, are counted: only a string near a bound needs counting.
    const length =
      (c.maxLength !== undefined && value.length > c.maxLength) ||
      (c.minLength !== undefined && value.length < 2 * c.minLength)
        ? [...value].length
        : value.length;
    if (c.maxLength !== undefined && length > c.maxLength) return false;
    if (c.minLength !== undefined && length < c.minLength) return false;
    return !(c.regex && !c.regex.test(value)) && !(c.format && !FORMATS[c.format](value));
  }
  if (typeof value === 'number')
    return (
      (c.multipleOf === undefined || value % c.multipleOf === 0) &&
      (c.maximum === undefined || (c.exclusiveMaximum ? value < c.maximum : value <= c.maximum)) &&
      (c.minimum === undefined || (c.exclusiveMinimum ? value > c.minimum : value >= c.minimum))
    );
  if (Array.isArray(value))
    return (
      (c.minItems === undefined || value.length >= c.minItems) &&
      (c.maxItems === undefined || value.length <= c.maxItems) &&
      !(c.set && hasRepeats(value, deepEqual)) &&
      !(c.mapKeys && hasRepeats(value, sameKeysOf(c.mapKeys)))
    );
  if (typeof value !== 'object' || value === null) return true;
  const fields = value as Record<string, unknown>;
  if (c.maxProperties !== undefined || c.minProperties !== undefined) {
    const count = definedCount(fields);
    if (count > (c.maxProperties ?? count) || count < (c.minProperties ?? 0)) return false;
  }
  if (c.required)
    for (const field of c.required) if (fields[field] === undefined || fields[field] === null) return false;
  return true;
}

const tooMany = (at: string, count: number, max: number): FieldCause => ({
  field: at,
  message: `Too many: ${count}: must have at most ${max} items`,
  reason: 'FieldValueTooMany',
});

const duplicate = (at: string, index: number, shownValue: string): FieldCause => ({
  field: `${at}[${index}]`,
  message: `Duplicate value: ${shownValue}`,
  reason: 'FieldValueDuplicate',
});

/** An object's fields, those set to undefined (absent from its JSON) aside. */
function definedCount(fields: Record<string, unknown>): number {
  let count = 0;
  for (const key in fields) if (fields[key] !== undefined) count++;
  return count;
}

/** Two items a list holds to be the same: a set's equal ones, a list map's of equal keys. */
type Same = (a: unknown, b: unknown) => boolean;

/** Whether an item of a list is the same as an earlier one (lists are short: compared pairwise). */
function repeatsAt(items: readonly unknown[], i: number, same: Same): boolean {
  for (let j = 0; j < i; j++) if (same(items[j], items[i])) return true;
  return false;
}

function hasRepeats(items: readonly unknown[], same: Same): boolean {
  for (let i = 1; i < items.length; i++) if (repeatsAt(items, i, same)) return true;
  return false;
}

/** Whether two items of a list map have the same keys (a key missing from both is the same). */
export function sameKeys(a: unknown, b: unknown, keys: readonly string[]): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
  return true;
}

const sameKeysOf =
  (keys: readonly string[]): Same =>
  (a, b) =>
    sameKeys(a, b, keys);

/** A set's items seen before, each reported at its index. */
function setDuplicates(items: readonly unknown[], at: string, out: FieldCause[]): void {
  for (let i = 1; i < items.length; i++)
    if (repeatsAt(items, i, deepEqual)) out.push(duplicate(at, i, shown(items[i])));
}

/**
 * A list map's items whose keys an earlier item has, each reported at its index with its keys
 * as Go prints the map of them (`map[string]interface {}{"name":"eth0"}`, in key order).
 */
function mapKeyDuplicates(
  items: readonly unknown[],
  keys: readonly string[],
  at: string,
  out: FieldCause[],
): void {
  const same = sameKeysOf(keys);
  for (let i = 1; i < items.length; i++) {
    if (!repeatsAt(items, i, same)) continue;
    const item = items[i] as Record<string, unknown>;
    out.push(duplicate(at, i, goSyntax(Object.fromEntries(keys.map((k) => [k, item[k]])))));
  }
}
