import { describe, expect, it } from 'vitest';
import { formatUuid, Random, uuidV4 } from './random.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const take = (r: Random, n: number) => Array.from({ length: n }, () => r.next());

describe('Random', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    expect(take(new Random(1), 20)).toEqual(take(new Random(1), 20));
    expect(take(new Random(1), 20)).not.toEqual(take(new Random(2), 20));
  });

  it('continues the same sequence from a saved state', () => {
    const a = new Random(42);
    take(a, 7);
    const b = new Random(a.state);
    expect(take(b, 10)).toEqual(take(a, 10));
  });

  it('yields unsigned 32-bit integers, floats in [0, 1) and bounded integers', () => {
    const r = new Random(3);
    for (let i = 0; i < 1000; i++) {
      const n = r.next();
      expect(Number.isInteger(n) && n >= 0 && n < 2 ** 32).toBe(true);
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      const b = r.below(6);
      expect(Number.isInteger(b) && b >= 0 && b < 6).toBe(true);
    }
  });

  it('makes version-4-shaped, lower-case, distinct UUIDs, the same for the same seed', () => {
    const a = new Random(9);
    const uuids = Array.from({ length: 500 }, () => a.uuid());
    for (const u of uuids) expect(u).toMatch(UUID);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(new Random(9).uuid()).toBe(uuids[0]);
  });

  it('fills byte arrays of any length and makes tokens from the nanoid alphabet', () => {
    const r = new Random(5);
    expect(r.bytes(0)).toHaveLength(0);
    expect(r.bytes(7)).toHaveLength(7);
    const token = new Random(5).token();
    expect(token).toMatch(/^[0-9A-Za-z_-]{21}$/);
    expect(new Random(5).token()).toBe(token);
    expect(new Random(5).token(8)).toHaveLength(8);
  });

  it('forks a generator that takes what a UUID takes and is independent from then on', () => {
    const a = new Random(11);
    const forked = a.fork();
    const b = new Random(11);
    b.uuid();
    expect(a.state).toEqual(b.state);
    const fromFork = take(forked, 10);
    expect(take(new Random(11).fork(), 10)).toEqual(fromFork);
    // Drawing from the fork moves nothing in its parent, and the two sequences differ.
    expect(take(a, 10)).toEqual(take(b, 10));
    expect(fromFork).not.toEqual(take(new Random(11), 10));
  });
});

describe('formatUuid', () => {
  it('spells 16 bytes as 8-4-4-4-12 lower-case hex', () => {
    const bytes = Array.from({ length: 16 }, (_, i) => i * 17);
    expect(formatUuid(bytes)).toBe('00112233-4455-6677-8899-aabbccddeeff');
    expect(formatUuid(new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
  });
});

describe('uuidV4', () => {
  it('sets the version and variant bits, and keeps the rest of the bytes', () => {
    expect(uuidV4(new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(uuidV4(new Uint8Array(16))).toBe('00000000-0000-4000-8000-000000000000');
  });
});
