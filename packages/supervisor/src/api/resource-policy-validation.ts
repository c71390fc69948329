// Skipped: nothing; the webhook reads no other object and no user, and `spec.folder` has no rule.
/**
 * VirtualMachineSetResourcePolicy validation as vm-operator's validating webhook does it:
 * reservations within their limits on create, and a spec that never changes after.
 */

import type {
  ResourcePoolSpec,
  VirtualMachineResourceSpec,
  VirtualMachineSetResourcePolicy,
  VirtualMachineSetResourcePolicySpec,
} from './types.js';
import { duplicate, type FieldError, IMMUTABLE, invalid } from './validation.js';

/* Quantities, as apimachinery's resource.Quantity parses, compares and prints them. */

type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A quantity's value in billionths (Go keeps nothing finer) and the text its `String()` gives. */
interface Quantity {
  nanos: bigint;
  text: string;
}

/** What a suffix means: a power of ten, a power of two, and the format Go prints the value back in. */
interface Suffix {
  decimal: number;
  binary: number;
  format: QuantityFormat;
}

const NANO = 1_000_000_000n;
const ZERO: Quantity = { nanos: 0n, text: '0' };
/** Go's parser's shape: sign, digits, fraction, then a suffix it reads afterwards. */
const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const SUFFIX_OF_DECIMAL_EXPONENT = new Map(
  [...DECIMAL_SUFFIXES].map(([suffix, exponent]) => [exponent, suffix]),
);
/** Binary suffixes by power of 1024. */
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
/** Larger exponents are left unparsed: no resource comes near, and the arithmetic stays small. */
const MAX_EXPONENT = 1000;
/** Go caps a binary quantity at the largest int64. */
const MAX_BINARY_NANOS = (2n ** 63n - 1n) * NANO;

function suffixOf(text: string): Suffix | undefined {
  const decimal = DECIMAL_SUFFIXES.get(text);
  if (decimal !== undefined) return { decimal, binary: 0, format: 'DecimalSI' };
  const power = BINARY_SUFFIXES.indexOf(text);
  if (power > 0) return { decimal: 0, binary: power * 10, format: 'BinarySI' };
  const exponent = /^[eE]([+-]?[0-9]+)$/.exec(text)?.[1];
  if (exponent === undefined || Math.abs(Number(exponent)) > MAX_EXPONENT) return undefined;
  return { decimal: Number(exponent), binary: 0, format: 'DecimalExponent' };
}

/**
 * Whether Go keeps the text as written rather than printing the value anew: only when its fast
 * path parsed it and the digits are already in canonical form (this keeps `+1`, or `01Mi`).
 */
function keptAsWritten(digits: string, fraction: string, suffix: Suffix): boolean {
  const shifted = digits + fraction;
  if (suffix.format === 'BinarySI') {
    const precision = 14 - digits.length - Math.trunc((suffix.binary * 3) / 10);
    return fraction === '' && precision >= 0 && Number(digits) % 8 !== 0;
  }
  const exponent = suffix.decimal - fraction.length;
  return (
    shifted.length <= 18 &&
    exponent >= -9 &&
    exponent % 3 === 0 &&
    !shifted.endsWith('000') &&
    !shifted.startsWith('0')
  );
}

/** Go's canonical form: binary when a whole number of 1Ki or more, else decimal with an exponent a multiple of 3. */
function canonical(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return '0';
  const magnitude = nanos < 0n ? -nanos : nanos;
  if (format === 'BinarySI' && magnitude >= 1024n * NANO && nanos % NANO === 0n) {
    let units = nanos / NANO;
    let power = 0;
    while (units % 1024n === 0n) {
      units /= 1024n;
      power++;
    }
    return `${units}${BINARY_SUFFIXES[power] ?? ''}`;
  }
  let mantissa = nanos;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  // Past `E` Go has no suffix and prints the digits alone.
  return `${mantissa}${SUFFIX_OF_DECIMAL_EXPONENT.get(exponent) ?? ''}`;
}

/**
 * A quantity as the webhook decodes it; absent is zero. Undefined when it does not parse, which
 * the CRD's schema would have refused before the webhook.
 */
function quantityOf(text: string | undefined): Quantity | undefined {
  if (text === undefined) return ZERO;
  const match = QUANTITY.exec(text);
  const suffix = match && suffixOf(match[4] ?? '');
  if (!match || !suffix) return undefined;
  const [, sign, whole = '', fraction = ''] = match;
  const digits = whole.replace(/^0+/, '') || '0';
  const mantissa = BigInt(digits + fraction) * 2n ** BigInt(suffix.binary);
  const shift = suffix.decimal - fraction.length + 9;
  // Go rounds anything finer than a billionth up, away from zero.
  const magnitude =
    shift >= 0 ? mantissa * 10n ** BigInt(shift) : divideRoundingUp(mantissa, 10n ** BigInt(-shift));
  const capped = suffix.format === 'BinarySI' && magnitude > MAX_BINARY_NANOS ? MAX_BINARY_NANOS : magnitude;
  const nanos = sign === '-' ? -capped : capped;
  return { nanos, text: keptAsWritten(digits, fraction, suffix) ? text : canonical(nanos, suffix.format) };
}

const divideRoundingUp = (dividend: bigint, divisor: bigint): bigint => (dividend + divisor - 1n) / divisor;

/** Go's `Value()`: whole units, rounded away from zero. */
function wholeUnits(nanos: bigint): bigint {
  const units = nanos / NANO;
  if (nanos % NANO === 0n) return units;
  return nanos > 0n ? units + 1n : units - 1n;
}

/* The webhook. */

const RESOURCES = ['cpu', 'memory'] as const;

/** A reservation above its limit; an unset (zero) reservation or limit bounds nothing. */
function reservationOverLimit(pool: ResourcePoolSpec | undefined): FieldError[] {
  return RESOURCES.flatMap((resource) => {
    const reservation = quantityOf(pool?.reservations?.[resource]);
    const limit = quantityOf(pool?.limits?.[resource]);
    if (!reservation || !limit || reservation.nanos === 0n || limit.nanos === 0n) return [];
    if (wholeUnits(reservation.nanos) <= wholeUnits(limit.nanos)) return [];
    return [
      invalid(
        `spec.resourcePool.reservations.${resource}`,
        reservation.text,
        'reservation value cannot exceed the limit value',
      ),
    ];
  });
}

/** Validates a VirtualMachineSetResourcePolicy being created. */
export function validateResourcePolicyCreate(policy: VirtualMachineSetResourcePolicy): FieldError[] {
  const spec: VirtualMachineSetResourcePolicySpec = policy.spec ?? {};
  const errors = reservationOverLimit(spec.resourcePool);
  const groups = new Set<string>();
  (spec.clusterModuleGroups ?? []).forEach((group, i) => {
    // vm-operator's path names the list again after the index.
    if (groups.has(group))
      errors.push(duplicate(`spec.clusterModuleGroups[${i}].clusterModuleGroups`, group));
    groups.add(group);
  });
  return errors;
}

/** Quantities compare by value (`1Gi` is `1024Mi`); one that does not parse, by its text. */
function sameQuantity(before: string | undefined, after: string | undefined): boolean {
  const a = quantityOf(before);
  const b = quantityOf(after);
  return a && b ? a.nanos === b.nanos : before === after;
}

function sameResourcePool(
  before: ResourcePoolSpec | undefined,
  after: ResourcePoolSpec | undefined,
): boolean {
  return (
    (before?.name ?? '') === (after?.name ?? '') &&
    RESOURCES.every(
      (resource) =>
        sameQuantity(before?.reservations?.[resource], after?.reservations?.[resource]) &&
        sameQuantity(before?.limits?.[resource], after?.limits?.[resource]),
    )
  );
}

/** The pool as Go's encoding/json writes it into the message: an empty name left out, every quantity in. */
function resourcePoolAsGoWritesIt(pool: ResourcePoolSpec | undefined): object {
  const resources = (spec: VirtualMachineResourceSpec | undefined) => ({
    cpu: quantityOf(spec?.cpu)?.text ?? spec?.cpu,
    memory: quantityOf(spec?.memory)?.text ?? spec?.memory,
  });
  return {
    ...(pool?.name ? { name: pool.name } : {}),
    reservations: resources(pool?.reservations),
    limits: resources(pool?.limits),
  };
}

/** An absent list and an empty one are the same to Go's semantic equality. */
function sameStrings(before: readonly string[] = [], after: readonly string[] = []): boolean {
  return before.length === after.length && before.every((value, i) => value === after[i]);
}

/** Validates an update of a VirtualMachineSetResourcePolicy: the whole spec is immutable, and nothing else is checked. */
export function validateResourcePolicyUpdate(
  policy: VirtualMachineSetResourcePolicy,
  old: VirtualMachineSetResourcePolicy,
): FieldError[] {
  const spec: VirtualMachineSetResourcePolicySpec = policy.spec ?? {};
  const prev: VirtualMachineSetResourcePolicySpec = old.spec ?? {};
  const errors: FieldError[] = [];
  if (!sameResourcePool(prev.resourcePool, spec.resourcePool))
    errors.push(invalid('spec.resourcePool', resourcePoolAsGoWritesIt(spec.resourcePool), IMMUTABLE));
  if ((spec.folder ?? '') !== (prev.folder ?? ''))
    errors.push(invalid('spec.folder', spec.folder ?? '', IMMUTABLE));
  if (!sameStrings(prev.clusterModuleGroups, spec.clusterModuleGroups))
    errors.push(invalid('spec.clusterModuleGroups', spec.clusterModuleGroups ?? null, IMMUTABLE));
  return errors;
}
