import { describe, expect, it } from 'vitest';
import { mapped } from './arrays.js';

describe('mapped', () => {
  it('maps like Array.prototype.map, index included', () => {
    const list = ['a', 'b', 'c'];
    expect(mapped(list, (item, i) => `${item}${i}`)).toEqual(list.map((item, i) => `${item}${i}`));
  });

  it('makes a new list, an empty one for an empty list', () => {
    const list = [1, 2];
    const out = mapped(list, (n) => n);
    expect(out).not.toBe(list);
    expect(out).toEqual([1, 2]);
    expect(mapped([], (n: number) => n)).toEqual([]);
  });
});
