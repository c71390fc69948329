/** metav1.Duration, as Go's `time.ParseDuration` reads it when vm-operator's webhooks decode an object. */

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** An int64's magnitude bound: the most negative Duration, one past the largest. */
const LIMIT_NS = 2n ** 63n;

/** The digits after a point as Go's leadingFraction keeps them: those before the first that
 * would overflow, and their scale. */
function leadingFraction(digits: string): { f: bigint; scale: number } {
  let f = 0n;
  let scale = 1;
  for (const digit of digits) {
    const next = f * 10n + BigInt(digit);
    if (f > (LIMIT_NS - 1n) / 10n || next > LIMIT_NS) break;
    f = next;
    scale *= 10;
  }
  return { f, scale };
}

/** Go's time.ParseDuration: the duration in milliseconds, or its error's message. */
function parsed(text: string): { ms: number } | { error: string } {
  const quoted = JSON.stringify(text);
  const invalid = { error: `time: invalid duration ${quoted}` };
  let rest = text;
  const negative = rest.startsWith('-');
  if (negative || rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return { ms: 0 };
  if (rest === '') return invalid;
  let ns = 0n;
  while (rest !== '') {
    const [digits, whole = '', fraction] = /^(\d*)(?:\.(\d*))?/.exec(rest) as RegExpExecArray;
    // The next character must be a digit or a point, with a digit on either side of it.
    if (whole === '' && !fraction) return invalid;
    rest = rest.slice(digits.length);
    const unit = (/^[^\d.]*/.exec(rest) as RegExpExecArray)[0];
    if (unit === '') return { error: `time: missing unit in duration ${quoted}` };
    rest = rest.slice(unit.length);
    const scale = UNIT_NS[unit];
    if (scale === undefined)
      return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}` };
    let v = BigInt(whole || '0');
    if (v > LIMIT_NS / scale) return invalid;
    v *= scale;
    if (fraction) {
      // In float64, as Go computes it, so that the nanoseconds truncate where Go's do.
      const { f, scale: divisor } = leadingFraction(fraction);
      v += BigInt(Math.trunc(Number(f) * (Number(scale) / divisor)));
    }
    ns += v;
    if (ns > LIMIT_NS) return invalid;
  }
  if (!negative && ns === LIMIT_NS) return invalid;
  const ms = Number(ns / 1_000_000n);
  return { ms: negative ? -ms : ms };
}

/** A metav1.Duration (`1m30s`, `1.5h`, `0`) in milliseconds; undefined when it is none. */
export function parseDuration(text: string): number | undefined {
  const result = parsed(text);
  return 'ms' in result ? result.ms : undefined;
}

/** The first of an object's durations that is none, as Go's decoding of it says (the webhook then fails). */
export function undecodableDuration(durations: Iterable<unknown>): string | undefined {
  for (const duration of durations) {
    if (typeof duration !== 'string') continue;
    const result = parsed(duration);
    if ('error' in result) return result.error;
  }
  return undefined;
}
