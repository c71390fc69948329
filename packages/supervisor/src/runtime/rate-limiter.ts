/**
 * How long a key waits before it is retried after a failure: per key, a base delay doubled
 * on each failure up to a cap, back to the base once the key is forgotten (the behaviour of
 * controller-runtime's default per-item limiter: 5 ms doubling to 1000 s).
 */

export interface RateLimiter<K> {
  /** The delay before the next retry of `key`; counts one more failure. */
  when(key: K): number;
  /** Clears the key's failures: its next retry waits the base delay again. */
  forget(key: K): void;
  /** How many failures the key has had since it was last forgotten. */
  retries(key: K): number;
}

export interface BackoffOptions {
  /** The first delay, in ms, above 0 (default 5). */
  baseDelay?: number;
  /** The longest delay, in ms (default 1,000,000: 1000 s). */
  maxDelay?: number;
}

export const DEFAULT_BASE_DELAY = 5;
export const DEFAULT_MAX_DELAY = 1_000_000;

export class ExponentialBackoff<K> implements RateLimiter<K> {
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly #failures = new Map<K, number>();

  constructor(options: BackoffOptions = {}) {
    this.baseDelay = options.baseDelay ?? DEFAULT_BASE_DELAY;
    // A zero delay would let a key that always fails run again at once, forever.
    if (!(this.baseDelay > 0)) throw new RangeError('a backoff needs a base delay above 0 ms');
    this.maxDelay = Math.max(this.baseDelay, options.maxDelay ?? DEFAULT_MAX_DELAY);
  }

  when(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // Past 2^60 the product is beyond any sensible cap (and precise arithmetic).
    if (failures > 60) return this.maxDelay;
    return Math.min(this.baseDelay * 2 ** failures, this.maxDelay);
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  retries(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}
