import { Scheduler, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

function setup(queueOptions: ConstructorParameters<typeof WorkQueue<string>>[1] = {}) {
  const clock = new VirtualClock();
  const scheduler = new Scheduler(clock);
  const queue = new WorkQueue<string>(scheduler, queueOptions);
  const advance = (ms: number) => scheduler.advanceTo(clock, clock.now() + ms);
  const drain = () => {
    const out: string[] = [];
    for (let key = queue.get(); key !== undefined; key = queue.get()) {
      out.push(key);
      queue.done(key);
    }
    return out;
  };
  return { clock, scheduler, queue, advance, drain };
}

describe('WorkQueue', () => {
  it('queues a key once however often it is added, in order of first add', () => {
    const { queue, drain } = setup();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.length).toBe(2);
    expect(drain()).toEqual(['a', 'b']);
    expect(queue.get()).toBeUndefined();
  });

  it('processes a key re-added while processing once more, after done', () => {
    const { queue } = setup();
    queue.add('a');
    expect(queue.get()).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.length).toBe(0);
    expect(queue.get()).toBeUndefined();
    queue.done('a');
    expect(queue.length).toBe(1);
    expect(queue.get()).toBe('a');
    queue.done('a');
    expect(queue.length).toBe(0);
  });

  it('tells its listener when a key becomes ready', () => {
    const { queue } = setup();
    let ready = 0;
    queue.onReady(() => ready++);
    queue.add('a');
    queue.add('a');
    expect(ready).toBe(1);
    queue.get();
    queue.add('a');
    expect(ready).toBe(1);
    queue.done('a');
    expect(ready).toBe(2);
  });

  it('adds a key after a delay on the simulator clock, the earliest due time winning', () => {
    const { queue, scheduler, advance, drain } = setup();
    queue.addAfter('a', 100);
    queue.addAfter('a', 300);
    queue.addAfter('b', 200);
    queue.addAfter('b', 50);
    expect(queue.waiting).toBe(2);
    scheduler.runDue();
    expect(queue.length).toBe(0);
    advance(49);
    expect(queue.length).toBe(0);
    advance(1);
    expect(drain()).toEqual(['b']);
    advance(49);
    expect(queue.length).toBe(0);
    advance(1);
    expect(drain()).toEqual(['a']);
    advance(10_000);
    expect(queue.length).toBe(0);
    expect(queue.waiting).toBe(0);
    expect(scheduler.pending).toBe(0);
  });

  it('adds at once when the delay is not positive', () => {
    const { queue } = setup();
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    expect(queue.length).toBe(2);
  });

  it('backs a key off exponentially, per key, until forgotten', () => {
    const { queue, advance, drain } = setup();
    expect([1, 2, 3, 4].map(() => queue.addRateLimited('a'))).toEqual([5, 10, 20, 40]);
    expect(queue.addRateLimited('b')).toBe(5);
    expect(queue.retries('a')).toBe(4);
    advance(5);
    expect(drain()).toEqual(['a', 'b']);
    queue.forget('a');
    expect(queue.retries('a')).toBe(0);
    expect(queue.addRateLimited('a')).toBe(5);
  });

  it('caps the backoff', () => {
    const { queue } = setup({ rateLimiter: new ExponentialBackoff({ baseDelay: 5, maxDelay: 50 }) });
    const delays = Array.from({ length: 7 }, () => queue.addRateLimited('a'));
    expect(delays).toEqual([5, 10, 20, 40, 50, 50, 50]);
    const big = new ExponentialBackoff<string>();
    const last = Array.from({ length: 200 }, () => big.when('k')).at(-1);
    expect(last).toBe(1_000_000);
    expect(() => new ExponentialBackoff({ baseDelay: 0 })).toThrow(RangeError);
  });

  it('hands out the highest priority first, first in first out among equals', () => {
    const { queue, drain } = setup();
    queue.add('low', -100);
    queue.add('a');
    queue.add('high', 100);
    queue.add('b');
    queue.add('higher', 101);
    expect(queue.length).toBe(5);
    expect(drain()).toEqual(['higher', 'high', 'a', 'b', 'low']);
  });

  it('keeps the higher of two priorities, a raised key last among its new equals', () => {
    const { queue, drain } = setup();
    queue.add('a', 5);
    queue.add('b');
    queue.add('c', 5);
    queue.add('b', 5);
    queue.add('a', 1);
    expect(queue.length).toBe(3);
    expect(drain()).toEqual(['a', 'c', 'b']);
  });

  it('makes a delayed key ready at once when added, its wait dropped', () => {
    const { queue, scheduler, advance, drain } = setup();
    queue.addAfter('a', 100, 7);
    queue.add('b', 5);
    queue.add('a');
    expect(queue.waiting).toBe(0);
    expect(scheduler.nextDue()).toBeUndefined();
    expect(drain()).toEqual(['a', 'b']);
    advance(100);
    expect(queue.length).toBe(0);
  });

  it('keeps a ready key ready when it is added with a delay, at the higher priority', () => {
    const { queue, advance, drain } = setup();
    queue.add('a');
    queue.add('b', 3);
    queue.addAfter('a', 100, 9);
    expect(queue.waiting).toBe(0);
    expect(drain()).toEqual(['a', 'b']);
    advance(100);
    expect(queue.length).toBe(0);
  });

  it('orders a delayed key by when it became ready', () => {
    const { queue, advance, drain } = setup();
    queue.addAfter('late', 10);
    queue.add('first');
    advance(10);
    queue.add('after');
    expect(drain()).toEqual(['first', 'late', 'after']);
  });

  it('tells the priority a key was taken with, and queues a key added while processing at its own', () => {
    const { queue, drain } = setup();
    queue.add('a', 42);
    expect(queue.get()).toBe('a');
    expect(queue.priorityOf('a')).toBe(42);
    queue.add('a', -1);
    queue.add('b');
    queue.done('a');
    expect(queue.priorityOf('a')).toBeUndefined();
    expect(drain()).toEqual(['b', 'a']);
  });

  it('keeps a key delayed while it was processing delayed after done', () => {
    const { queue, advance, drain } = setup();
    queue.add('a');
    expect(queue.get()).toBe('a');
    queue.addAfter('a', 50);
    queue.done('a');
    expect(queue.length).toBe(0);
    expect(queue.waiting).toBe(1);
    advance(50);
    expect(drain()).toEqual(['a']);
  });

  it('drops everything and ignores adds after shutdown', () => {
    const { queue, scheduler, advance } = setup();
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 100);
    expect(queue.get()).toBe('a');
    queue.shutdown();
    expect(queue.shuttingDown).toBe(true);
    expect(queue.length).toBe(0);
    expect(scheduler.nextDue()).toBeUndefined();
    queue.add('d');
    queue.addAfter('e', 10);
    queue.addRateLimited('f');
    queue.add('a');
    queue.done('a');
    advance(1000);
    expect(queue.get()).toBeUndefined();
    expect(queue.processing).toBe(0);
  });
});
