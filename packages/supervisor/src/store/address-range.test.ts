import { describe, expect, it } from 'vitest';
import { AddressRange } from './address-range.js';

describe('AddressRange', () => {
  it('leases the lowest free address from its first one, claims and adopts exact ones', () => {
    const range = new AddressRange({ cidr: '10.0.0.9/29', first: '10.0.0.11' });
    expect(range.cidr).toBe('10.0.0.8/29');
    expect(range.lease('a')).toBe('10.0.0.11');
    expect(range.lease('a')).toBe('10.0.0.11');
    expect(range.claim('b', '10.0.0.9')).toEqual({ ip: '10.0.0.9' });
    expect(range.claim('c', '10.0.0.9')).toEqual({ refused: 'taken' });
    expect(range.claim('c', '10.0.0.15')).toEqual({ refused: 'outside' });
    expect(range.adopt('c', '10.0.0.14')).toBe('10.0.0.14');
    expect(range.adopt('d', '10.0.0.14')).toBe('10.0.0.12');
    expect(range.lease('e')).toBe('10.0.0.13');
    expect(range.lease('f')).toBe('10.0.0.10');
    expect(range.lease('g')).toBeUndefined();
    expect(range.release('a')).toBe('10.0.0.11');
    expect(range.lease('g')).toBe('10.0.0.11');
    expect(() => new AddressRange({ cidr: '10.0.0.0/31' })).toThrow(RangeError);
    expect(() => new AddressRange({ cidr: '10.0.0.0/24', first: '10.0.1.1' })).toThrow(RangeError);
  });
});
