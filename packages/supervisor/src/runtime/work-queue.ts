/**
 * A work queue of keys with the semantics of controller-runtime's priority queue, which
 * vm-operator's manager uses: a key is queued at most once however often it is added, with
 * the highest priority it was added with (first in, first out among equals); a key being
 * processed that is added again is processed once more after `done()`, never by two workers
 * at once; a delayed add waits on the simulator's clock (the model's Scheduler, no timers of
 * its own), and an add that needs the key sooner replaces it; failed keys come back after a
 * per-key exponential backoff until `forget()`.
 */
import type { Cancel, Scheduler } from '@vsim/vsphere';
import { ExponentialBackoff, type RateLimiter } from './rate-limiter.js';

export interface WorkQueueOptions<K> {
  /** Delays for `addRateLimited` (default: 5 ms doubling to 1000 s per key). */
  rateLimiter?: RateLimiter<K>;
}

/** controller-runtime's priority of an add that names none. */
export const DEFAULT_PRIORITY = 0;

/** A key's one entry while it is queued, ready or delayed. */
interface Item<K> {
  readonly key: K;
  priority: number;
  /** Whether it sits in the ready list of its priority (not delayed, not being processed). */
  ready: boolean;
  /** While delayed: when it is due, and the scheduler job that makes it ready then. */
  due: number;
  cancel: Cancel | undefined;
}

/** The ready items of one priority, oldest first; `head` skips the ones taken or moved. */
interface Level<K> {
  readonly priority: number;
  items: Item<K>[];
  head: number;
}

export class WorkQueue<K> {
  readonly scheduler: Scheduler;
  readonly rateLimiter: RateLimiter<K>;
  /** Every queued key's entry: ready, delayed, or added again while it is processed. */
  readonly #items = new Map<K, Item<K>>();
  /** The ready lists, highest priority first. */
  #levels: Level<K>[] = [];
  #ready = 0;
  #delayed = 0;
  /** Keys taken and not yet `done`, with the priority each was taken with. */
  readonly #processing = new Map<K, number>();
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
    return this.#ready;
  }

  /** Keys being processed (taken and not yet `done`). */
  get processing(): number {
    return this.#processing.size;
  }

  /** Delayed adds not yet due. */
  get waiting(): number {
    return this.#delayed;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Queues a key now, or raises the priority of its entry; a delayed key becomes ready. A key
   * being processed is queued again after `done`.
   */
  add(key: K, priority = DEFAULT_PRIORITY): void {
    if (this.#shuttingDown) return;
    const item = this.#items.get(key);
    if (!item) {
      const added: Item<K> = { key, priority, ready: false, due: 0, cancel: undefined };
      this.#items.set(key, added);
      this.#release(added);
      return;
    }
    if (item.cancel) {
      this.#undelay(item);
      item.priority = Math.max(item.priority, priority);
      this.#release(item);
      return;
    }
    this.#raise(item, priority);
  }

  /**
   * Adds the key once `delayMs` have passed on the simulator's clock. A key already delayed
   * keeps the earlier of its two due times, a ready one stays ready; either keeps the higher
   * of the two priorities.
   */
  addAfter(key: K, delayMs: number, priority = DEFAULT_PRIORITY): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key, priority);
      return;
    }
    const due = this.scheduler.clock.now() + delayMs;
    let item = this.#items.get(key);
    if (!item) {
      item = { key, priority, ready: false, due: 0, cancel: undefined };
      this.#items.set(key, item);
    } else if (!item.cancel) {
      this.#raise(item, priority);
      return;
    } else {
      item.priority = Math.max(item.priority, priority);
      if (item.due <= due) return;
      this.#undelay(item);
    }
    const delayed = item;
    delayed.due = due;
    delayed.cancel = this.scheduler.schedule(() => {
      delayed.cancel = undefined;
      this.#delayed--;
      this.#release(delayed);
    }, delayMs);
    this.#delayed++;
  }

  /** Adds the key after its backoff delay (which grows with each call until `forget`). Returns the delay. */
  addRateLimited(key: K, priority = DEFAULT_PRIORITY): number {
    if (this.#shuttingDown) return 0;
    const delay = this.rateLimiter.when(key);
    this.addAfter(key, delay, priority);
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

  /**
   * Takes the ready key of the highest priority that was ready first (it is now processing
   * until `done`), or undefined when none is ready.
   */
  get(): K | undefined {
    while (this.#levels.length > 0) {
      const level = this.#levels[0] as Level<K>;
      const { items } = level;
      while (level.head < items.length) {
        const item = items[level.head] as Item<K>;
        items[level.head++] = undefined as never;
        // An entry left behind by a raised priority or a key taken and queued anew.
        if (!item.ready || item.priority !== level.priority || this.#items.get(item.key) !== item) continue;
        if (level.head > 1024 && level.head * 2 > items.length) {
          level.items = items.slice(level.head);
          level.head = 0;
        }
        item.ready = false;
        this.#ready--;
        this.#items.delete(item.key);
        this.#processing.set(item.key, item.priority);
        return item.key;
      }
      this.#levels.shift();
    }
    return undefined;
  }

  /** The priority a key being processed was taken with (what a requeue of it keeps). */
  priorityOf(key: K): number | undefined {
    return this.#processing.get(key);
  }

  /** Marks a key's processing finished; if it was added meanwhile (and is not delayed), it is queued again. */
  done(key: K): void {
    if (!this.#processing.delete(key)) return;
    const item = this.#items.get(key);
    if (item && !item.cancel) this.#release(item);
  }

  /** Stops the queue for good: queued and delayed keys are dropped, later adds ignored. */
  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const item of this.#items.values()) item.cancel?.();
    this.#items.clear();
    this.#levels = [];
    this.#ready = 0;
    this.#delayed = 0;
    this.#listener = undefined;
  }

  /** Makes a queued item ready, unless its key is being processed (then `done` does). */
  #release(item: Item<K>): void {
    if (this.#processing.has(item.key)) return;
    this.#enlist(item);
    this.#listener?.();
  }

  /** A ready or processing key's entry at a higher priority: last among the ready of that priority. */
  #raise(item: Item<K>, priority: number): void {
    if (priority <= item.priority) return;
    item.priority = priority;
    if (item.ready) this.#enlist(item);
  }

  /** Cancels a delayed item's wait. */
  #undelay(item: Item<K>): void {
    item.cancel?.();
    item.cancel = undefined;
    this.#delayed--;
  }

  /** Appends the item to the ready list of its priority (made when it is the first of it). */
  #enlist(item: Item<K>): void {
    if (!item.ready) {
      item.ready = true;
      this.#ready++;
    }
    const levels = this.#levels;
    let at = 0;
    while (at < levels.length && (levels[at] as Level<K>).priority > item.priority) at++;
    let level = levels[at];
    if (level?.priority !== item.priority) {
      level = { priority: item.priority, items: [], head: 0 };
      levels.splice(at, 0, level);
    }
    level.items.push(item);
  }
}
