/**
 * Watches: an async iterable of events fed synchronously by the store. Events queue up
 * without bound (never dropped) until the consumer takes them; ending the iteration
 * (`break`, `return()`) or calling `stop()` unsubscribes and frees the queue.
 */
import type { Status } from './errors.js';
import type { KubeObject } from './meta.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: BookmarkObject }
  | { type: 'ERROR'; object: Status };

/** A bookmark carries only the kind and the resourceVersion the watch has reached. */
export interface BookmarkObject {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; annotations?: Record<string, string> };
}

export interface Watch<T extends KubeObject = KubeObject> extends AsyncIterableIterator<WatchEvent<T>> {
  /** Ends the watch: queued events are discarded and the iteration finishes. */
  stop(): void;
  /** Events queued and not yet taken. */
  readonly pending: number;
}

export class WatchQueue<T extends KubeObject = KubeObject> implements Watch<T> {
  #queue: WatchEvent<T>[] = [];
  #head = 0;
  #waiting: ((r: IteratorResult<WatchEvent<T>>) => void) | undefined;
  #done = false;
  /** Set by finish(): ends once the queue is empty. */
  #closing = false;
  #onStop: (() => void) | undefined;

  constructor(onStop?: () => void) {
    this.#onStop = onStop;
  }

  get pending(): number {
    return this.#queue.length - this.#head;
  }

  get done(): boolean {
    return this.#done;
  }

  push(event: WatchEvent<T>): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting({ value: event, done: false });
    } else this.#queue.push(event);
  }

  /** Ends the stream after the events already queued (an ERROR event is the last one). */
  finish(): void {
    const onStop = this.#onStop;
    this.#onStop = undefined;
    onStop?.();
    this.#closing = true;
    if (this.pending === 0) this.#close();
  }

  #close(): void {
    this.#done = true;
    this.#queue = [];
    this.#head = 0;
    const onStop = this.#onStop;
    this.#onStop = undefined;
    onStop?.();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  stop(): void {
    if (!this.#done) this.#close();
  }

  next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head] as WatchEvent<T>;
      this.#queue[this.#head++] = undefined as unknown as WatchEvent<T>;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (this.#closing && this.pending === 0) this.#close();
      return Promise.resolve({ value, done: false });
    }
    if (this.#done || this.#closing) {
      this.#close();
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.#waiting) return Promise.reject(new Error('a watch is read by one consumer at a time'));
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<WatchEvent<T>>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
