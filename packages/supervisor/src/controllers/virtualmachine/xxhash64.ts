/**
 * xxHash64 with seed 0, per the algorithm's published specification, on 32-bit halves: a
 * 64-bit word is (hi, lo), and each step leaves its result in `r` (a typed array, so the halves
 * are never boxed). BigInt arithmetic gives the same digests ten times slower, and every VM's
 * disk is named by one.
 */

const r = new Uint32Array(2);
/** The four accumulators of a long input, (hi, lo) each. */
const v = new Uint32Array(8);
const hi = () => r[0] as number;
const lo = () => r[1] as number;

const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  r[1] = lo;
  r[0] = ah + bh + (lo > 0xffffffff ? 1 : 0);
}

/** The low 64 bits of a product, by 16-bit limbs (each partial product stays exact in a double). */
function multiply(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16;
  const a32 = ah & 0xffff;
  const a16 = al >>> 16;
  const a00 = al & 0xffff;
  const b48 = bh >>> 16;
  const b32 = bh & 0xffff;
  const b16 = bl >>> 16;
  const b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 = (c48 + a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48) & 0xffff;
  r[0] = (c48 << 16) | c32;
  r[1] = (c16 << 16) | c00;
}

/** Rotates left by 1 to 31 bits. */
function rotate(h: number, l: number, bits: number): void {
  r[0] = (h << bits) | (l >>> (32 - bits));
  r[1] = (l << bits) | (h >>> (32 - bits));
}

/** The rotations that fold the four accumulators into one. */
const CONVERGE = [1, 7, 12, 18];

/** A lane mixed into an accumulator: (acc + lane * P2) rotated by 31, times P1. */
function mix(ah: number, al: number, lh: number, ll: number): void {
  multiply(lh, ll, P2H, P2L);
  add(ah, al, hi(), lo());
  rotate(hi(), lo(), 31);
  multiply(hi(), lo(), P1H, P1L);
}

/** The digest of `data` (its first `length` bytes) as 16 hex digits. */
export function xxHash64(data: Uint8Array, length = data.length): string {
  /** The little-endian 32-bit word at a byte offset. */
  const word = (at: number) =>
    ((data[at] as number) |
      ((data[at + 1] as number) << 8) |
      ((data[at + 2] as number) << 16) |
      ((data[at + 3] as number) << 24)) >>>
    0;
  let at = 0;
  let h: number;
  let l: number;
  if (length >= 32) {
    // Four accumulators, (hi, lo) each: P1 + P2, P2, 0, and 0 - P1 (the seed is 0).
    add(P1H, P1L, P2H, P2L);
    v[0] = hi();
    v[1] = lo();
    v[2] = P2H;
    v[3] = P2L;
    v[4] = 0;
    v[5] = 0;
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    v[6] = hi();
    v[7] = lo();
    for (; at + 32 <= length; at += 32)
      for (let i = 0; i < 8; i += 2) {
        const offset = at + 4 * i;
        mix(v[i] as number, v[i + 1] as number, word(offset + 4), word(offset));
        v[i] = hi();
        v[i + 1] = lo();
      }
    h = 0;
    l = 0;
    for (let i = 0; i < 8; i += 2) {
      rotate(v[i] as number, v[i + 1] as number, CONVERGE[i >> 1] as number);
      add(h, l, hi(), lo());
      h = hi();
      l = lo();
    }
    for (let i = 0; i < 8; i += 2) {
      mix(0, 0, v[i] as number, v[i + 1] as number);
      multiply((h ^ hi()) >>> 0, (l ^ lo()) >>> 0, P1H, P1L);
      add(hi(), lo(), P4H, P4L);
      h = hi();
      l = lo();
    }
  } else {
    h = P5H;
    l = P5L;
  }
  add(h, l, 0, length);
  h = hi();
  l = lo();
  for (; at + 8 <= length; at += 8) {
    mix(0, 0, word(at + 4), word(at));
    rotate((h ^ hi()) >>> 0, (l ^ lo()) >>> 0, 27);
    multiply(hi(), lo(), P1H, P1L);
    add(hi(), lo(), P4H, P4L);
    h = hi();
    l = lo();
  }
  if (at + 4 <= length) {
    multiply(0, word(at), P1H, P1L);
    rotate((h ^ hi()) >>> 0, (l ^ lo()) >>> 0, 23);
    multiply(hi(), lo(), P2H, P2L);
    add(hi(), lo(), P3H, P3L);
    h = hi();
    l = lo();
    at += 4;
  }
  for (; at < length; at++) {
    multiply(0, data[at] as number, P5H, P5L);
    rotate((h ^ hi()) >>> 0, (l ^ lo()) >>> 0, 11);
    multiply(hi(), lo(), P1H, P1L);
    h = hi();
    l = lo();
  }
  // The avalanche: xor-shifts by 33, 29 and 32 around two multiplications.
  l = (l ^ (h >>> 1)) >>> 0;
  multiply(h, l, P2H, P2L);
  h = hi();
  l = (lo() ^ ((lo() >>> 29) | (hi() << 3))) >>> 0;
  h = (h ^ (h >>> 29)) >>> 0;
  multiply(h, l, P3H, P3L);
  h = hi();
  l = (lo() ^ hi()) >>> 0;
  return h.toString(16).padStart(8, '0') + l.toString(16).padStart(8, '0');
}
