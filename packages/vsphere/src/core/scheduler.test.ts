import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';
import { Scheduler } from './scheduler.js';

const setup = () => {
  const clock = new VirtualClock(1000);
  return { clock, scheduler: new Scheduler(clock) };
};

describe('Scheduler', () => {
  it('runs due work by due time, then in the order it was scheduled', () => {
    const { clock, scheduler } = setup();
    const ran: string[] = [];
    scheduler.schedule(() => ran.push('late'), 20);
    scheduler.schedule(() => ran.push('first'));
    scheduler.schedule(() => ran.push('soon'), 10);
    scheduler.schedule(() => ran.push('second'));
    scheduler.schedule(() => ran.push('soon too'), 10);
    expect(scheduler.runDue()).toBe(2);
    expect(ran).toEqual(['first', 'second']);
    scheduler.advanceTo(clock, 1020);
    expect(ran).toEqual(['first', 'second', 'soon', 'soon too', 'late']);
    expect(scheduler.pending).toBe(0);
    expect(scheduler.nextDue()).toBeUndefined();
  });

  it('keeps insertion order among many jobs due at once', () => {
    const { scheduler } = setup();
    const ran: number[] = [];
    for (let i = 0; i < 50; i++) scheduler.schedule(() => ran.push(i), (i * 7) % 3 === 0 ? 0 : -5);
    scheduler.runDue();
    expect(ran).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('never runs cancelled work', () => {
    const { clock, scheduler } = setup();
    const ran: string[] = [];
    const cancel = scheduler.schedule(() => ran.push('cancelled'));
    scheduler.schedule(() => ran.push('kept'));
    const cancelLater = scheduler.schedule(() => ran.push('later'), 50);
    cancel();
    cancelLater();
    expect(scheduler.nextDue()).toBe(1000);
    expect(scheduler.runDue()).toBe(1);
    expect(ran).toEqual(['kept']);
    expect(scheduler.nextDue()).toBeUndefined();
    scheduler.advanceTo(clock, 2000);
    expect(ran).toEqual(['kept']);
  });

  it('runs work that due work schedules for now in the same round, but not later work', () => {
    const { clock, scheduler } = setup();
    const ran: string[] = [];
    scheduler.schedule(() => {
      ran.push('outer');
      scheduler.schedule(() => ran.push('inner now'));
      scheduler.schedule(() => ran.push('inner later'), 5);
    });
    expect(scheduler.runDue()).toBe(2);
    expect(ran).toEqual(['outer', 'inner now']);
    expect(scheduler.nextDue()).toBe(1005);
    scheduler.advanceTo(clock, 1004);
    expect(ran).toHaveLength(2);
    scheduler.advanceTo(clock, 1005);
    expect(ran).toEqual(['outer', 'inner now', 'inner later']);
  });

  it('moves a virtual clock to each job in turn, so every job sees its own time', () => {
    const { clock, scheduler } = setup();
    const seen: [string, number][] = [];
    scheduler.schedule(() => seen.push(['b', clock.now()]), 30);
    scheduler.schedule(() => {
      seen.push(['a', clock.now()]);
      scheduler.schedule(() => seen.push(['a+5', clock.now()]), 5);
    }, 10);
    scheduler.schedule(() => seen.push(['beyond', clock.now()]), 500);
    scheduler.advanceTo(clock, 1100);
    expect(seen).toEqual([
      ['a', 1010],
      ['a+5', 1015],
      ['b', 1030],
    ]);
    expect(clock.now()).toBe(1100);
    expect(scheduler.nextDue()).toBe(1500);
  });

  it('lets work that continues asynchronously schedule from its own time when advancing by settles', async () => {
    const { clock, scheduler } = setup();
    const ran: number[] = [];
    // A job whose follow-up is scheduled only once a promise resolves, as an async reconcile's is.
    const step = () => {
      ran.push(clock.now());
      if (ran.length < 3) void Promise.resolve().then(() => scheduler.schedule(step, 100));
    };
    scheduler.schedule(step, 100);
    const settle = async () => {
      do await new Promise((resolve) => setImmediate(resolve));
      while (scheduler.runDue() > 0);
    };
    await scheduler.advanceSettling(clock, 1500, settle);
    expect(ran).toEqual([1100, 1200, 1300]);
    expect(clock.now()).toBe(1500);
    // It runs what falls due itself: a settle that does nothing still ends.
    scheduler.schedule(() => ran.push(clock.now()), 10);
    await scheduler.advanceSettling(clock, 1600, async () => {});
    expect(ran.at(-1)).toBe(1510);
    // advanceTo, synchronous, runs the first at its time and leaves the follow-up for later.
    const other = setup();
    const seen: number[] = [];
    const once = () => {
      seen.push(other.clock.now());
      if (seen.length < 2) void Promise.resolve().then(() => other.scheduler.schedule(once, 100));
    };
    other.scheduler.schedule(once, 100);
    other.scheduler.advanceTo(other.clock, 1500);
    await Promise.resolve();
    expect(seen).toEqual([1100]);
    expect(other.scheduler.nextDue()).toBe(1600);
  });

  it('treats a negative delay as now, and tells a driver about new work', () => {
    const { scheduler } = setup();
    let woken = 0;
    scheduler.setWakeup(() => woken++);
    scheduler.schedule(() => {}, -100);
    expect(scheduler.nextDue()).toBe(1000);
    expect(woken).toBe(1);
    scheduler.setWakeup(undefined);
    scheduler.schedule(() => {});
    expect(woken).toBe(1);
  });

  it('hands errors to onError and keeps running the rest', () => {
    const { scheduler } = setup();
    const errors: unknown[] = [];
    scheduler.onError = (e) => errors.push(e);
    const ran: string[] = [];
    scheduler.schedule(() => {
      throw new Error('boom');
    });
    scheduler.schedule(() => ran.push('after'));
    expect(scheduler.runDue()).toBe(2);
    expect(ran).toEqual(['after']);
    expect(errors).toEqual([new Error('boom')]);
  });
});
