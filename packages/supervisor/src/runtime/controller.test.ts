import { Random, Scheduler, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import {
  Controller,
  type ControllerOptions,
  LOW_PRIORITY,
  type Reconciler,
  TerminalError,
  VM_OPERATOR_REQUEUE_DELAY,
} from './controller.js';
import { objectKey, parseObjectKey } from './keys.js';
import { Manager } from './manager.js';

/** Lets watch events and promise continuations (microtasks) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const clock = new VirtualClock();
  const scheduler = new Scheduler(clock);
  const errors: unknown[] = [];
  scheduler.onError = (error) => errors.push(error);
  const advance = (ms: number) => scheduler.advanceTo(clock, clock.now() + ms);
  /** What the simulator's settle() does: rounds of runDue with the event loop in between. */
  const settle = async () => {
    for (;;) {
      const ran = scheduler.runDue();
      await flush();
      const due = scheduler.nextDue();
      if (ran === 0 && (due === undefined || due > clock.now())) return;
    }
  };
  const controller = (reconcile: Reconciler, options: Partial<ControllerOptions> = {}) => {
    const c = new Controller({ name: 'test', scheduler, reconcile, ...options });
    c.start();
    return c;
  };
  return { clock, scheduler, errors, advance, settle, controller };
}

function newStore(clock: VirtualClock): KubeStore {
  const store = new KubeStore({ clock, random: new Random(1) }, { namespaces: ['default', 'ns1'] });
  store.registerKind({
    group: 'example.com',
    versions: ['v1'],
    kind: 'Widget',
    plural: 'widgets',
    namespaced: true,
    hasStatus: true,
  });
  store.registerKind({
    group: 'example.com',
    versions: ['v1'],
    kind: 'WidgetClass',
    plural: 'widgetclasses',
    namespaced: true,
    hasStatus: false,
  });
  return store;
}

const widget = (name: string, className: string): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'ns1' },
  spec: { className },
});
const widgetClass = (name: string): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'WidgetClass',
  metadata: { name, namespace: 'ns1' },
});
const W = { apiVersion: 'example.com/v1', kind: 'Widget' };
const WC = { apiVersion: 'example.com/v1', kind: 'WidgetClass' };

describe('Controller', () => {
  it('reconciles each enqueued key once, one scheduler job per reconcile', () => {
    const { scheduler, controller } = setup();
    const seen: string[] = [];
    const c = controller((key) => {
      seen.push(key);
      return undefined;
    });
    c.enqueue('ns1/a');
    c.enqueue('ns1/b');
    c.enqueue('ns1/a');
    expect(seen).toEqual([]);
    expect(scheduler.runDue()).toBe(2);
    expect(seen).toEqual(['ns1/a', 'ns1/b']);
    expect(c.stats).toMatchObject({ reconciles: 2, requeues: 0, errors: 0, queued: 0, active: 0 });
    expect(scheduler.pending).toBe(0);
  });

  it('runs a key added during its own reconcile once more afterwards', () => {
    const { scheduler, controller } = setup();
    let runs = 0;
    let c: Controller | undefined;
    c = controller((key) => {
      runs++;
      if (runs === 1) {
        c?.enqueue(key);
        c?.enqueue(key);
      }
      return undefined;
    });
    c.enqueue('k');
    scheduler.runDue();
    expect(runs).toBe(2);
  });

  it('does not run before start, and processes keys added before start', () => {
    const { scheduler } = setup();
    const seen: string[] = [];
    const c = new Controller({ name: 'c', scheduler, reconcile: (key) => void seen.push(key) });
    c.enqueue('a');
    expect(scheduler.runDue()).toBe(0);
    c.start();
    scheduler.runDue();
    expect(seen).toEqual(['a']);
  });

  it('honours requeueAfter on the virtual clock', () => {
    const { scheduler, advance, controller } = setup();
    let runs = 0;
    const c = controller(() => {
      runs++;
      return runs < 3 ? { requeueAfter: 1000 } : undefined;
    });
    c.enqueue('k');
    scheduler.runDue();
    expect(runs).toBe(1);
    advance(999);
    expect(runs).toBe(1);
    advance(1);
    expect(runs).toBe(2);
    advance(1000);
    expect(runs).toBe(3);
    advance(60_000);
    expect(runs).toBe(3);
    expect(c.stats.requeues).toBe(2);
    expect(scheduler.pending).toBe(0);
  });

  it('records an error, backs off, then succeeds and forgets the failures', () => {
    const { scheduler, advance, controller } = setup();
    let runs = 0;
    const seen: [string, unknown][] = [];
    const c = controller(
      () => {
        runs++;
        if (runs <= 2) throw new Error(`boom ${runs}`);
        return undefined;
      },
      { onError: (key, error) => seen.push([key, error]) },
    );
    c.enqueue('ns1/k');
    scheduler.runDue();
    expect(runs).toBe(1);
    expect(c.errorOf('ns1/k')).toEqual(new Error('boom 1'));
    expect(c.queue.retries('ns1/k')).toBe(1);
    advance(4);
    expect(runs).toBe(1);
    advance(1); // 5 ms
    expect(runs).toBe(2);
    expect(c.errorOf('ns1/k')).toEqual(new Error('boom 2'));
    advance(9);
    expect(runs).toBe(2);
    advance(1); // 10 ms more
    expect(runs).toBe(3);
    expect(c.errorOf('ns1/k')).toBeUndefined();
    expect(c.errors.size).toBe(0);
    expect(c.queue.retries('ns1/k')).toBe(0);
    expect(c.stats).toMatchObject({ reconciles: 3, errors: 2, requeues: 2 });
    expect(seen.map(([key]) => key)).toEqual(['ns1/k', 'ns1/k']);
    expect(scheduler.pending).toBe(0);
  });

  it('records a terminal error without running the key again until it is enqueued', () => {
    const { scheduler, advance, controller } = setup();
    let runs = 0;
    const c = controller(() => {
      runs++;
      if (runs === 1) throw new TerminalError('waiting for a change');
      return undefined;
    });
    c.enqueue('ns1/k');
    scheduler.runDue();
    expect(c.errorOf('ns1/k')).toEqual(new TerminalError('waiting for a change'));
    expect(c.stats).toMatchObject({ reconciles: 1, errors: 1, requeues: 0 });
    advance(60_000);
    expect(runs).toBe(1);
    expect(scheduler.pending).toBe(0);
    c.enqueue('ns1/k');
    scheduler.runDue();
    expect(runs).toBe(2);
    expect(c.errorOf('ns1/k')).toBeUndefined();
  });

  it('keeps the backoff of a key whose reconcile awaits an operation, and requeues nothing', () => {
    const { scheduler, advance, controller } = setup();
    const answers: (() => ReturnType<Reconciler>)[] = [
      () => {
        throw new Error('failed');
      },
      () => ({ awaiting: true }),
      () => {
        throw new Error('failed again');
      },
    ];
    let runs = 0;
    const c = controller(() => (answers[runs++] as () => ReturnType<Reconciler>)());
    c.enqueue('ns1/k');
    scheduler.runDue();
    advance(5);
    expect(runs).toBe(2);
    expect(c.queue.retries('ns1/k')).toBe(1);
    expect(scheduler.pending).toBe(0);
    // The operation's end enqueues the key; its failure then waits 10 ms, not 5.
    c.enqueue('ns1/k');
    scheduler.runDue();
    expect(runs).toBe(3);
    expect(c.queue.retries('ns1/k')).toBe(2);
  });

  it('treats a rejected asynchronous reconcile as an error', async () => {
    const { scheduler, advance, controller } = setup();
    let runs = 0;
    const c = controller(async () => {
      runs++;
      await flush();
      if (runs === 1) throw new Error('later');
      return undefined;
    });
    c.enqueue('k');
    scheduler.runDue();
    await flush();
    await flush();
    expect(c.errorOf('k')).toEqual(new Error('later'));
    advance(5);
    await flush();
    await flush();
    expect(runs).toBe(2);
    expect(c.errorOf('k')).toBeUndefined();
    expect(c.stats).toMatchObject({ reconciles: 2, errors: 1 });
  });

  it('backs off a reconcile that always asks to requeue, so runDue ends', () => {
    const { scheduler, advance, controller } = setup();
    let runs = 0;
    const c = controller(
      () => {
        runs++;
        return { requeue: true };
      },
      { backoff: { baseDelay: 5, maxDelay: 100 } },
    );
    c.enqueue('k');
    expect(scheduler.runDue()).toBe(1);
    expect(scheduler.runDue()).toBe(0);
    // Delays 5, 10, 20, 40, 80, 100, 100, ...: due at 5, 15, 35, 75, 155, 255, 355 ...
    advance(1000);
    expect(runs).toBe(1 + 5 + 8);
    advance(1000);
    expect(runs).toBe(1 + 5 + 8 + 10);
    expect(c.stats.requeues).toBe(runs);
    expect(scheduler.pending).toBe(1);
  });

  it('runs asynchronous reconciles up to maxConcurrentReconciles at once, never one key twice', async () => {
    const { scheduler, settle, controller } = setup();
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    let c: Controller | undefined;
    c = controller(
      async (key) => {
        running++;
        peak = Math.max(peak, running);
        seen.push(key);
        if (key === 'a' && seen.length === 1) c?.enqueue('a');
        await flush();
        running--;
        return undefined;
      },
      { maxConcurrentReconciles: 3 },
    );
    for (const key of ['a', 'b', 'c', 'd', 'e']) c.enqueue(key);
    await settle();
    expect(peak).toBe(3);
    expect(seen.toSorted()).toEqual(['a', 'a', 'b', 'c', 'd', 'e']);
    expect(c.stats.reconciles).toBe(6);
    expect(scheduler.pending).toBe(0);
  });

  it('reconciles objects from a store watch and requeues dependants on events', async () => {
    const { clock, settle, controller } = setup();
    const store = newStore(clock);
    await store.create(widget('early', 'small'));
    const outcome = new Map<string, string>();
    const c = controller(async (key) => {
      const { namespace, name } = parseObjectKey(key);
      const found = await store.list({ ...W, ...(namespace ? { namespace } : {}) });
      const obj = found.items.find((item) => item.metadata.name === name);
      if (!obj) {
        outcome.set(key, 'deleted');
        return undefined;
      }
      const className = (obj.spec as { className: string }).className;
      const classes = await store.list({ ...WC, ...(namespace ? { namespace } : {}) });
      const ready = classes.items.some((item) => item.metadata.name === className);
      // Not ready: wait for the class to appear (an event), no polling.
      outcome.set(key, ready ? 'ready' : 'waiting');
      return undefined;
    });
    c.watches(store, W).watches(store, WC, async (klass) => {
      const widgets = await store.list({ ...W, namespace: klass.metadata.namespace as string });
      return widgets.items
        .filter((item) => (item.spec as { className?: string }).className === klass.metadata.name)
        .map((item) => objectKey({ name: item.metadata.name as string, namespace: item.metadata.namespace }));
    });
    await settle();
    expect(outcome.get('ns1/early')).toBe('waiting');
    await store.create(widget('late', 'small'));
    await store.create(widget('other', 'large'));
    await settle();
    expect(Object.fromEntries(outcome)).toEqual({
      'ns1/early': 'waiting',
      'ns1/late': 'waiting',
      'ns1/other': 'waiting',
    });
    const before = c.stats.reconciles;
    await store.create(widgetClass('small'));
    await settle();
    expect(outcome.get('ns1/early')).toBe('ready');
    expect(outcome.get('ns1/late')).toBe('ready');
    expect(outcome.get('ns1/other')).toBe('waiting');
    expect(c.stats.reconciles - before).toBe(2);
    await store.delete({ ...W, namespace: 'ns1', name: 'late' });
    await settle();
    expect(outcome.get('ns1/late')).toBe('deleted');
    expect(c.stats.events).toBe(5);
  });

  it("is not requeued by the events of its own writes, but by anyone else's", async () => {
    const { clock, settle, controller } = setup();
    const store = newStore(clock);
    await store.create(widget('a', 'x'));
    let runs = 0;
    const c = controller((key) => {
      runs++;
      const { namespace, name } = parseObjectKey(key);
      const current = store.direct.get({ ...W, namespace: namespace as string, name });
      // The first run labels the widget: its own write, which must not bring it back.
      if (current && !current.metadata.labels?.seen)
        c.ownWrite(key, () =>
          store.direct.update({ ...current, metadata: { ...current.metadata, labels: { seen: 'yes' } } }),
        );
      return undefined;
    });
    c.watches(store, W);
    await settle();
    expect(runs).toBe(1);
    expect((await store.get({ ...W, namespace: 'ns1', name: 'a' })).metadata.labels).toEqual({ seen: 'yes' });
    await store.patch({ ...W, namespace: 'ns1', name: 'a' }, { spec: { className: 'y' } }, { type: 'merge' });
    await settle();
    expect(runs).toBe(2);
  });

  it('with a resync period, enqueues every object of its own watches again each period, until stopped', async () => {
    const { clock, scheduler, advance, settle, controller } = setup();
    const store = newStore(clock);
    const seen: string[] = [];
    const c = controller((key) => void seen.push(key), { resyncPeriod: 60_000 });
    c.watches(store, W);
    // A mapped watch's objects come back too, mapped.
    c.watches(store, WC, () => ['ns1/from-class']);
    await store.create(widget('a', 'x'));
    await store.create(widget('b', 'x'));
    await settle();
    expect(seen).toEqual(['ns1/a', 'ns1/b']);
    seen.length = 0;
    await store.create({ ...WC, metadata: { name: 'x', namespace: 'ns1' } });
    await settle();
    expect(seen).toEqual(['ns1/from-class']);
    seen.length = 0;
    advance(59_999);
    await settle();
    expect(seen).toEqual([]);
    advance(1);
    await settle();
    // In no order to rely on: an informer's resync lists its cache as a Go map iterates.
    expect(seen.sort()).toEqual(['ns1/a', 'ns1/b', 'ns1/from-class']);
    advance(60_000);
    await settle();
    expect(seen).toHaveLength(6);
    c.stop();
    expect(scheduler.nextDue()).toBeUndefined();
  });

  it('queues by priority: what exists and what a resync brings back low, the rest by event', async () => {
    const { clock, advance, settle, controller } = setup();
    const store = newStore(clock);
    await store.create(widget('listed', 'x'));
    const seen: string[] = [];
    const priorities: Record<string, number | undefined> = {};
    const c = controller(
      (key) => {
        seen.push(key);
        priorities[key] = c.queue.priorityOf(key);
        // The urgent one comes back after a second, at the priority it was taken with.
        return key === 'ns1/urgent' && seen.length < 5 ? { requeueAfter: 1000 } : undefined;
      },
      { resyncPeriod: 60_000 },
    );
    c.watches(store, W, undefined, ({ object }) => (object.metadata.name === 'urgent' ? 10 : -1));
    c.watches(store, WC, () => ['ns1/from-class']);
    await store.create(widget('plain', 'x'));
    await store.create(widget('urgent', 'x'));
    await store.create({ ...WC, metadata: { name: 'x', namespace: 'ns1' } });
    await settle();
    expect(seen).toEqual(['ns1/urgent', 'ns1/from-class', 'ns1/plain', 'ns1/listed']);
    expect(priorities).toEqual({
      'ns1/urgent': 10,
      'ns1/from-class': 0,
      'ns1/plain': -1,
      'ns1/listed': LOW_PRIORITY,
    });
    seen.length = 0;
    advance(1000);
    await settle();
    expect(seen).toEqual(['ns1/urgent']);
    expect(priorities['ns1/urgent']).toBe(10);
    // A resync changes nothing: everything comes back low.
    advance(59_000);
    await settle();
    expect(new Set(Object.values(priorities))).toEqual(new Set([LOW_PRIORITY]));
    c.stop();
  });

  it('ends its store watches when stopped', async () => {
    const { clock, settle, controller } = setup();
    const store = newStore(clock);
    const seen: string[] = [];
    const c = controller((key) => void seen.push(key));
    c.watches(store, W);
    await store.create(widget('a', 'x'));
    await settle();
    expect(seen).toEqual(['ns1/a']);
    expect(store.activeWatches).toBe(1);
    c.stop();
    await flush();
    expect(store.activeWatches).toBe(0);
  });

  it('stops all work on stop: queued, delayed, backoff and watch events', async () => {
    const { clock, scheduler, advance, settle, controller } = setup();
    const store = newStore(clock);
    let runs = 0;
    const c = controller(() => {
      runs++;
      return { requeueAfter: 100 };
    });
    c.watches(store, W);
    await store.create(widget('a', 'x'));
    await settle();
    expect(runs).toBe(1);
    c.enqueue('b');
    c.queue.addRateLimited('c');
    c.stop();
    expect(c.state).toBe('stopped');
    await settle();
    advance(100_000);
    await store.create(widget('d', 'x'));
    await settle();
    expect(runs).toBe(1);
    expect(scheduler.pending).toBe(0);
    expect(store.activeWatches).toBe(0);
    expect(() => c.watches(store, W)).toThrow();
  });

  it('uses the opt-in requeue delay with seeded jitter', () => {
    const run = (seed: number) => {
      const { scheduler, clock, advance, controller } = setup();
      const times: number[] = [];
      const start = clock.now();
      const c = controller(
        () => {
          times.push(clock.now() - start);
          return times.length < 4 ? { requeue: true } : undefined;
        },
        { requeueDelay: VM_OPERATOR_REQUEUE_DELAY, jitter: 0.3, random: new Random(seed) },
      );
      c.enqueue('vm');
      scheduler.runDue();
      advance(60_000);
      return times;
    };
    const times = run(7);
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(10_000);
      expect(gap).toBeLessThanOrEqual(13_000);
    }
    expect(run(7)).toEqual(times);
    // A reconcile's own requeueAfter is kept exactly.
    const { scheduler, clock, advance, controller } = setup();
    const at: number[] = [];
    const c = controller(
      () => {
        at.push(clock.now());
        return at.length < 2 ? { requeueAfter: 120_000 } : undefined;
      },
      { requeueDelay: VM_OPERATOR_REQUEUE_DELAY, jitter: 0.3, random: new Random(7) },
    );
    c.enqueue('request');
    scheduler.runDue();
    advance(200_000);
    expect((at[1] as number) - (at[0] as number)).toBe(120_000);
    expect(() => setup().controller(() => undefined, { jitter: 0.1 })).toThrow(TypeError);
  });
});

describe('Manager', () => {
  it('starts and stops its controllers and sums their counters', () => {
    const { scheduler, advance } = setup();
    const manager = new Manager({ scheduler, defaults: { backoff: { baseDelay: 10 } } });
    const a = manager.controller({ name: 'a', reconcile: () => ({ requeue: true }) });
    const b = manager.controller({
      name: 'b',
      reconcile: () => {
        throw new Error('no');
      },
    });
    expect(() => manager.controller({ name: 'a', reconcile: () => undefined })).toThrow();
    a.enqueue('x');
    b.enqueue('y');
    expect(scheduler.runDue()).toBe(0);
    manager.start();
    expect(a.state).toBe('started');
    scheduler.runDue();
    advance(10);
    expect(manager.stats).toMatchObject({
      reconciles: 4,
      requeues: 4,
      errors: 2,
      controllers: { a: { reconciles: 2, errors: 0 }, b: { reconciles: 2, errors: 2 } },
    });
    expect(manager.reconciles).toBe(4);
    expect(a.reconciles).toBe(2);
    const late = manager.controller({ name: 'late', reconcile: () => undefined });
    expect(late.state).toBe('started');
    manager.stop();
    advance(10_000);
    expect(manager.stats.reconciles).toBe(4);
    expect(scheduler.pending).toBe(0);
    manager.resetStats();
    expect(manager.stats).toMatchObject({ reconciles: 0, requeues: 0, errors: 0 });
    expect(manager.reconciles).toBe(0);
    expect(manager.get('b')).toBe(b);
    expect(manager.controllers).toHaveLength(3);
  });
});
