/**
 * A work queue of keys with the semantics controllers expect: a key is queued at most
 * once however often it is added; a key being processed that is added again is processed
 * once more after `done()`, never by two workers at once; delayed adds wait on the
 * simulator's clock (the model's Scheduler, no timers of its own); failed keys come back
 * after a per-key exponential backoff until `forget()`.
 */
import type { Cancel, Scheduler } from '@vsim/vsphere';
import { ExponentialBackoff, type RateLimiter } from './rate-limiter.js';

export interface WorkQueueOptions<K> {
  /** Delays for `addRateLimited` (default: 5 ms doubling to 1000 s per key). */
  rateLimiter?: RateLimiter<K>;
}

interface Waiting {
  due: number;
  cancel: Cancel;
}

export class WorkQueue<K> {
  readonly scheduler: Scheduler;
  readonly rateLimiter: RateLimiter<K>;
  /** Keys ready to be taken, in order; `#head` skips the ones taken. */
  #ready: K[] = [];
  #head = 0;
  /** Keys that need processing: the ready ones and the ones re-added while processing. */
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  /** Delayed adds not yet due, one per key (the earliest wins). */
  readonly #waiting = new Map<K, Waiting>();
  #shuttingDown = false;
  #listener: (() => void) | undefined;

  constructor(scheduler: Scheduler, options: WorkQueueOptions<K> = {}) {
    this.scheduler = scheduler;
    this.rateLimiter = options.rateLimiter ?? new ExponentialBackoff<K>();
  }

  /** Called whenever a key becomes ready (the controller schedules a worker). */
  onReady(listener: (() => void) | undefined): void {
    this.#listener = listener;
  }

  /** Keys ready to be taken. */
  get length(): number {
    return this.#ready.length - this.#head;
  }

  /** Keys being processed (taken and not yet `done`). */
  get processing(): number {
    return this.#processing.size;
  }

  /** Delayed adds not yet due. */
  get waiting(): number {
    return this.#waiting.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Queues a key unless it is already queued; a key being processed is queued again after `done`. */
  add(key: K): void {
    if (this.#shuttingDown) return;
    // One lookup, not has() then add(): the set holds every key of a burst.
    const queued = this.#dirty.size;
    if (this.#dirty.add(key).size === queued) return;
    if (this.#processing.has(key)) return;
    this.#ready.push(key);
    this.#listener?.();
  }

  /**
   * Adds the key once `delayMs` have passed on the simulator's clock. A key already waiting
   * keeps the earlier of its two due times.
   */
  addAfter(key: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const due = this.scheduler.clock.now() + delayMs;
    const current = this.#waiting.get(key);
    if (current) {
      if (current.due <= due) return;
      current.cancel();
    }
    const cancel = this.scheduler.schedule(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.#waiting.set(key, { due, cancel });
  }

  /** Adds the key after its backoff delay (which grows with each call until `forget`). Returns the delay. */
  addRateLimited(key: K): number {
    if (this.#shuttingDown) return 0;
    const delay = this.rateLimiter.when(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** Failures counted for the key since it was last forgotten. */
  retries(key: K): number {
    return this.rateLimiter.retries(key);
  }

  /** Takes the next ready key (it is now processing until `done`), or undefined when none is ready. */
  get(): K | undefined {
    if (this.#head >= this.#ready.length) return undefined;
    const key = this.#ready[this.#head] as K;
    this.#ready[this.#head++] = undefined as K;
    if (this.#head === this.#ready.length) {
      this.#ready = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }

  /** Marks a key's processing finished; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    if (!this.#processing.delete(key)) return;
    if (this.#dirty.has(key) && !this.#shuttingDown) {
      this.#ready.push(key);
      this.#listener?.();
    }
  }

  /** Stops the queue for good: queued and delayed keys are dropped, later adds ignored. */
  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const waiting of this.#waiting.values()) waiting.cancel();
    this.#waiting.clear();
    this.#ready = [];
    this.#head = 0;
    this.#dirty.clear();
    this.#listener = undefined;
  }
}
