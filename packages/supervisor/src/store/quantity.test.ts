import { describe, expect, it } from 'vitest';
import { parseQuantity, sumOfQuantities, wholeUnits } from './quantity.js';

describe('parseQuantity', () => {
  it('reads a quantity exactly, in billionths, and prints it as the API server does', () => {
    const read = (text: string) => {
      const q = parseQuantity(text);
      return q && [q.nanos, q.text];
    };
    expect(read('500m')).toEqual([500_000_000n, '500m']);
    expect(read('4Gi')).toEqual([4n * 2n ** 30n * 1_000_000_000n, '4Gi']);
    expect(read('2000m')).toEqual([2_000_000_000n, '2']);
    expect(read('1024Mi')).toEqual([2n ** 30n * 1_000_000_000n, '1Gi']);
    expect(read('1e3')).toEqual([1_000_000_000_000n, '1e3']);
    expect(read('+2')?.[1]).toBe('+2');
  });

  it('has no answer for what is no quantity, and rounds whole units away from zero', () => {
    for (const bad of ['', 'Gi', '4 GB', '4Gib', 'two']) expect(parseQuantity(bad)).toBeUndefined();
    expect(wholeUnits(1_500_000_000n)).toBe(2n);
    expect(wholeUnits(-1_500_000_000n)).toBe(-2n);
  });
});

describe('sumOfQuantities', () => {
  it("adds as apimachinery's Add into a zero quantity: in the first one's format", () => {
    expect(sumOfQuantities(['20Gi', '4Gi'])).toBe('24Gi');
    expect(sumOfQuantities(['10G', '4Gi'])).toBe('14294967296');
    expect(sumOfQuantities(['10G', '5G'])).toBe('15G');
    expect(sumOfQuantities(['1Gi', '500M'])).toBe('1573741824');
    expect(sumOfQuantities([])).toBe('0');
  });
});
