/**
 * The seeded random source behind every id and every random choice in the model.
 * sfc32: small state (so it saves and loads), fast, and good enough for ids.
 */
import { customRandom } from 'nanoid';

const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Where each byte's two digits go in a UUID's 36 characters; the rest are dashes. */
const UUID_DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const uuidCodes: number[] = new Array(36).fill('-'.charCodeAt(0));
const uuidBytes = new Uint8Array(16);

/**
 * The text of a UUID's 16 bytes (8-4-4-4-12, lower case) as one flat string. Joined from
 * pieces, V8 would keep it as a rope of some twenty strings, ~480 bytes where this is 56,
 * for as long as the object holding it lives.
 */
export function formatUuid(bytes: ArrayLike<number>): string {
  for (let i = 0; i < 16; i++) {
    const byte = bytes[i] as number;
    const at = UUID_DIGITS_AT[i] as number;
    uuidCodes[at] = HEX_DIGITS[byte >> 4] as number;
    uuidCodes[at + 1] = HEX_DIGITS[byte & 0x0f] as number;
  }
  return String.fromCharCode.apply(null, uuidCodes);
}

/** A version-4 UUID of 16 random bytes: their version and variant bits set (in place), spelled. */
export function uuidV4(bytes: Uint8Array): string {
  bytes[6] = 0x40 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  return formatUuid(bytes);
}

/** Puts a 32-bit word into `bytes` at `at`, most significant byte first. */
const putWord = (bytes: Uint8Array, at: number, word: number) => {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
};

export type RandomState = readonly [number, number, number, number];

export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number | RandomState) {
    if (typeof seed === 'number') {
      // splitmix32 spreads a small seed over the whole state.
      let s = seed >>> 0;
      const mix = () => {
        s = (s + 0x9e3779b9) >>> 0;
        let z = s;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
        return (z ^ (z >>> 16)) >>> 0;
      };
      [this.#a, this.#b, this.#c, this.#d] = [mix(), mix(), mix(), mix()];
    } else {
      [this.#a, this.#b, this.#c, this.#d] = seed;
    }
  }

  get state(): RandomState {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  /** Puts the generator where a saved state left it (in place: sessions and rules share it). */
  set state(value: RandomState) {
    [this.#a, this.#b, this.#c, this.#d] = value;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.next();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (j * 8)) & 0xff;
    }
    return out;
  }

  /** A version-4-shaped UUID, lower case, as vSphere prints them. */
  uuid(): string {
    putWord(uuidBytes, 0, this.next());
    putWord(uuidBytes, 4, this.next());
    putWord(uuidBytes, 8, this.next());
    putWord(uuidBytes, 12, this.next());
    return uuidV4(uuidBytes);
  }

  /**
   * A generator of its own, seeded from four draws of this one (what a UUID takes): what is
   * drawn from either afterwards never depends on how much the other was used.
   */
  fork(): Random {
    const forked = new Random([this.next(), this.next(), this.next(), this.next()]);
    // The first outputs from a raw state are poorly mixed: a dozen are skipped.
    for (let i = 0; i < 12; i++) forked.next();
    return forked;
  }

  /** A nanoid-alphabet id (session keys, tokens). */
  token(size = 21): string {
    return customRandom('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', size, (n) =>
      this.bytes(n),
    )();
  }
}
