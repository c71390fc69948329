import { describe, expect, it } from 'vitest';
import { Ring } from './ring.js';

describe('Ring', () => {
  it('holds up to its capacity, dropping the oldest first', () => {
    const ring = new Ring<number>(3);
    expect(ring.push(1)).toBeUndefined();
    ring.push(2);
    ring.push(3);
    expect(ring.toArray()).toEqual([1, 2, 3]);
    expect(ring.push(4)).toBe(1);
    expect(ring.push(5)).toBe(2);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
    expect(ring.pushed).toBe(5);
    expect(ring.firstSeq).toBe(2);
  });

  it('finds items by sequence number until they fall off', () => {
    const ring = new Ring<string>(2);
    for (const s of ['a', 'b', 'c']) ring.push(s);
    expect(ring.at(0)).toBeUndefined();
    expect(ring.at(1)).toBe('b');
    expect(ring.at(2)).toBe('c');
    expect(ring.at(3)).toBeUndefined();
    expect(ring.at(-1)).toBeUndefined();
  });

  it('keeps order across many wraps', () => {
    const ring = new Ring<number>(4);
    for (let i = 0; i < 103; i++) ring.push(i);
    expect([...ring]).toEqual([99, 100, 101, 102]);
  });

  it('starts empty and refuses a capacity below one', () => {
    expect(new Ring(1).toArray()).toEqual([]);
    expect(new Ring(1).firstSeq).toBe(0);
    expect(() => new Ring(0)).toThrow(RangeError);
    expect(() => new Ring(-1)).toThrow(RangeError);
    expect(() => new Ring(Number.NaN)).toThrow(RangeError);
  });
});
