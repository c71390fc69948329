/**
 * Kubernetes quantities (`500m`, `4Gi`, `1e3`) as apimachinery's resource.Quantity parses,
 * compares and prints them: exact, in billionths of a unit.
 */

type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A quantity's value in billionths (Go keeps nothing finer) and the text its `String()` gives. */
export interface Quantity {
  nanos: bigint;
  text: string;
}

/** What a suffix means: a power of ten, a power of two, and the format Go prints the value back in. */
interface Suffix {
  decimal: number;
  binary: number;
  format: QuantityFormat;
}

export const NANO = 1_000_000_000n;
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

/** A quantity, as the API server reads one; undefined when it is none. */
export function parseQuantity(text: string): Quantity | undefined {
  const match = QUANTITY.exec(text);
  const suffix = match && suffixOf(match[4] ?? '');
  if (!match || !suffix) return undefined;
  const [, sign, whole = '', fraction = ''] = match;
  // A number needs a digit: `Gi` alone, or nothing at all, is none.
  if (whole === '' && fraction === '') return undefined;
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

/** The value (in billionths) a quantity field holds, written as a string or a number; undefined when it holds none. */
export const quantityNanos = (value: unknown): bigint | undefined =>
  value === undefined ? undefined : parseQuantity(String(value))?.nanos;

export const divideRoundingUp = (dividend: bigint, divisor: bigint): bigint =>
  (dividend + divisor - 1n) / divisor;

/**
 * Quantities added up as apimachinery's `Add` leaves them in a zero quantity: the sum, printed
 * in the format of the first one added (a quantity that is none counts as zero).
 */
export function sumOfQuantities(texts: readonly string[]): string {
  let nanos = 0n;
  let format: QuantityFormat | undefined;
  for (const text of texts) {
    const quantity = parseQuantity(text);
    if (!quantity) continue;
    nanos += quantity.nanos;
    format ??= suffixOf(QUANTITY.exec(text)?.[4] ?? '')?.format;
  }
  return canonical(nanos, format ?? 'BinarySI');
}

/** Go's `Value()`: whole units, rounded away from zero. */
export function wholeUnits(nanos: bigint): bigint {
  const units = nanos / NANO;
  if (nanos % NANO === 0n) return units;
  return nanos > 0n ? units + 1n : units - 1n;
}

/** A quantity's `Value()` as a number (a quantity field may be written as an integer); undefined when it is none. */
export function quantityValue(quantity: string | number): number | undefined {
  const parsed = parseQuantity(String(quantity));
  return parsed && Number(wholeUnits(parsed.nanos));
}

/**
 * A count of bytes as vm-operator writes one (`BytesToResource`): binary (`10Gi`) when it is a
 * multiple of 1024 whose quotients divide by 1024 until one is at most 1024, else decimal (`1k`).
 */
export function bytesQuantity(bytes: number): string {
  return canonical(BigInt(bytes) * NANO, isBinaryBytes(bytes) ? 'BinarySI' : 'DecimalSI');
}

/** A count of bytes as `resource.NewQuantity(bytes, BinarySI)` prints it (`1536Mi`): a PV's capacity. */
export function binaryQuantity(bytes: number): string {
  return canonical(BigInt(bytes) * NANO, 'BinarySI');
}

/** Thousandths of a unit as `resource.NewMilliQuantity(millis, DecimalSI)` prints them (`2`, `500m`): CPUs. */
export function milliQuantity(millis: number): string {
  return canonical(BigInt(millis) * 1_000_000n, 'DecimalSI');
}

function isBinaryBytes(bytes: number): boolean {
  if (bytes === 0) return true;
  if (bytes % 1024 !== 0) return false;
  for (let rest = bytes / 1024; rest > 1024; rest /= 1024) if (rest % 1024 !== 0) return false;
  return true;
}
