import { describe, expect, it } from 'vitest';
import { parseDuration, undecodableDuration } from './duration.js';

/** What Go's time.ParseDuration answers for each (its value in milliseconds, or its error). */
const GO: ReadonlyArray<[string, number | string]> = [
  ['0', 0],
  ['+0', 0],
  ['1.5h', 5_400_000],
  ['.5m', 30_000],
  ['5.s', 5000],
  ['1h2m3.5s', 3_723_500],
  ['-1.5h', -5_400_000],
  ['3µs', 0],
  ['2562047h', 9_223_369_200_000],
  ['9223372036854775807ns', 9_223_372_036_854],
  ['5 seconds', 'time: unknown unit " seconds" in duration "5 seconds"'],
  ['10min', 'time: unknown unit "min" in duration "10min"'],
  ['1e3s', 'time: unknown unit "e" in duration "1e3s"'],
  ['10', 'time: missing unit in duration "10"'],
  ['1..5s', 'time: missing unit in duration "1..5s"'],
  ['bogus', 'time: invalid duration "bogus"'],
  ['', 'time: invalid duration ""'],
  ['-', 'time: invalid duration "-"'],
  ['.s', 'time: invalid duration ".s"'],
  ['2562048h', 'time: invalid duration "2562048h"'],
  ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  // Fractions in float64, truncated, and the int64 bounds, as Go answers them.
  ['0.57m', 34_200],
  ['0.333333333333333333333h', 1_200_000],
  ['1.9999999999999999999999999999s', 2000],
  ['1.00000000000000000000000001h', 3_600_000],
  ['0.9223372036854775809000001s', 922],
  ['-9223372036854775808ns', -9_223_372_036_854],
  ['-2562047h47m16.854775808s', -9_223_372_036_854],
  ['2562047h47m16.854775808s', 'time: invalid duration "2562047h47m16.854775808s"'],
];

describe("metav1.Duration, as Go's time.ParseDuration reads it", () => {
  it.each(GO)('%j', (text, answer) => {
    if (typeof answer === 'number') {
      expect(parseDuration(text)).toBe(answer);
      expect(undecodableDuration([text])).toBeUndefined();
    } else {
      expect(parseDuration(text)).toBeUndefined();
      expect(undecodableDuration([text])).toBe(answer);
    }
  });

  it('names the first of several that is none, and skips what is no string', () => {
    expect(undecodableDuration([undefined, 5, '1s', '2x', '3y'])).toBe(
      'time: unknown unit "x" in duration "2x"',
    );
  });
});
