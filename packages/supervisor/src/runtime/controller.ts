/**
 * A controller: a named reconcile function fed by one work queue, running on the model's
 * Scheduler. Each reconcile is one scheduler job, so `runDue()` (and the simulator's
 * `settle()`) runs every reconcile that is due and then returns: work asked for later
 * (`requeueAfter`, backoff after an error or a bare `requeue`) waits on the simulator's
 * clock. A reconcile that requeues itself immediately forever backs off (5 ms, 10 ms, ...)
 * instead of spinning.
 *
 * Watches feed the queue from KubeStore subscriptions: an event enqueues its keys
 * synchronously, inside the write that caused it, so the work is due before the writer's
 * `await` resumes. Asynchronous reconciles (and asynchronous `mapToKeys`) queue their
 * follow-up work when their promise settles: the simulator's `settle()` yields to the
 * event loop between rounds of `runDue()` to let them, and code that drives the Scheduler
 * by hand must do the same (e.g. `await new Promise((r) => setImmediate(r))`).
 */
import type { Cancel, Random, Scheduler } from '@vsim/vsphere';
import type { CacheEvent, KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import type { LabelSelector } from '../store/selectors.js';
import { objectKey } from './keys.js';
import { type BackoffOptions, ExponentialBackoff, type RateLimiter } from './rate-limiter.js';
import { DEFAULT_PRIORITY, WorkQueue } from './work-queue.js';

/** vm-operator's requeue delay while a VM is not created yet or powered on without an IP. */
export const VM_OPERATOR_REQUEUE_DELAY = 10_000;
/** vm-operator's SyncPeriod: how often its caches bring every object back to its controllers. */
export const VM_OPERATOR_SYNC_PERIOD = 30 * 60_000;

/**
 * What a reconcile asks for. Nothing (or `{}`): done, the key's backoff is reset.
 * `requeueAfter` (ms, > 0): run again after that long on the simulator's clock, backoff
 * reset. `requeue: true`: run again after the key's backoff (or after `requeueDelay` when
 * the controller has one). `awaiting: true`: an operation it started decides, and its end
 * enqueues the key: nothing is requeued and the backoff stays, so an operation that keeps
 * failing is retried ever later, as vm-operator's failing reconcile is. A thrown error (or
 * rejected promise) counts as an error and requeues with backoff, but a TerminalError.
 */
/**
 * controller-runtime's TerminalError: a reconcile that throws one has failed (its key is in
 * `errors`, it counts as an error) but is not run again until an event enqueues its key.
 */
export class TerminalError extends Error {}

export interface ReconcileResult {
  requeue?: boolean;
  requeueAfter?: number;
  awaiting?: boolean;
}

export type ReconcileOutcome = ReconcileResult | undefined;

export type Reconciler = (key: string) => ReconcileOutcome | Promise<ReconcileOutcome>;

export interface ControllerOptions {
  name: string;
  scheduler: Scheduler;
  reconcile: Reconciler;
  /** Reconciles in progress at once; matters only for asynchronous reconciles (default 1). */
  maxConcurrentReconciles?: number;
  /** Backoff for errors and bare requeues (default: 5 ms doubling to 1000 s per key). */
  backoff?: BackoffOptions;
  /** Replaces `backoff` with another limiter. */
  rateLimiter?: RateLimiter<string>;
  /**
   * Opt-in realistic timing: a bare `{requeue: true}` waits this long (ms) instead of the
   * backoff, as vm-operator's controllers return a fixed requeue delay
   * (`VM_OPERATOR_REQUEUE_DELAY`). Errors still back off.
   */
  requeueDelay?: number;
  /**
   * Opt-in: `requeueDelay` is lengthened by a random fraction up to this (e.g. 0.1 for up to
   * +10%), drawn from `random`; a reconcile's own `requeueAfter` is kept, as controller-runtime
   * keeps a RequeueAfter. Default 0.
   */
  jitter?: number;
  /** The seeded random source jitter draws from (required when `jitter > 0`). */
  random?: Random;
  /**
   * Opt-in: every this long (ms, lengthened by `jitter`), every object each watch follows comes
   * back as a MODIFIED event with itself as the state before, as a controller-runtime cache's
   * resync brings it back (vm-operator's SyncPeriod, 30 min). Watches with a label selector are
   * left out.
   */
  resyncPeriod?: number;
  /** Hears every reconcile error (also counted and kept per key), and failures of `mapToKeys` (as `map <Kind>`). */
  onError?: (key: string, error: unknown) => void;
}

/**
 * controller-runtime's LowPriority: what an event enqueues when it brings nothing new, the
 * initial listing of a watch and a resync (the same resourceVersion before and after).
 */
export const LOW_PRIORITY = -100;

/**
 * The priority a watch's event enqueues a key with, when it is not one of LOW_PRIORITY's (as
 * vm-operator's handler of VirtualMachines computes one from the VM's state). Without one,
 * DEFAULT_PRIORITY.
 */
export type EventPriority = (event: CacheEvent, key: string) => number;

/** Which objects a watch follows. */
export interface WatchTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string | LabelSelector;
}

export type WatchEventKind = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Maps a watched object to the keys to reconcile; by default its own `namespace/name`. A
 * MODIFIED event also gives the state before. It may answer asynchronously (e.g. after a
 * `store.list`); its keys are enqueued when it does.
 */
export type MapToKeys = (
  object: KubeObject,
  event: WatchEventKind,
  old: KubeObject | undefined,
) => Iterable<string> | undefined | Promise<Iterable<string> | undefined>;

export interface ControllerStats {
  /** Reconciles finished (successfully or not). */
  reconciles: number;
  /** Requeues asked for: by result (`requeue`, `requeueAfter`) or after an error. */
  requeues: number;
  errors: number;
  /** Keys ready, keys being reconciled, delayed keys not yet due. */
  queued: number;
  active: number;
  waiting: number;
  /** Watch events received. */
  events: number;
}

export type ControllerState = 'new' | 'started' | 'stopped';

/** An event on its way to the keys it names. */
interface Delivery {
  source: Source;
  event: CacheEvent;
  /** Whether it brings nothing new (LOW_PRIORITY's). */
  low: boolean;
}

interface Source {
  store: KubeStore;
  target: WatchTarget;
  map: MapToKeys | undefined;
  priority: EventPriority | undefined;
  unsubscribe: (() => void) | undefined;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly #scheduler: Scheduler;
  readonly #reconcile: Reconciler;
  readonly #maxConcurrent: number;
  readonly #requeueDelay: number | undefined;
  readonly #jitter: number;
  readonly #random: Random | undefined;
  readonly #onError: ((key: string, error: unknown) => void) | undefined;
  readonly #sources: Source[] = [];
  readonly #errors = new Map<string, unknown>();
  /** Worker jobs scheduled and not yet run. */
  readonly #jobs = new Set<Cancel>();
  readonly #resyncPeriod: number | undefined;
  #resync: Cancel | undefined;
  /** Worker jobs scheduled plus reconciles in progress. */
  #workers = 0;
  #state: ControllerState = 'new';
  /** The key whose reconcile is writing now (see ownWrite). */
  #writing: string | undefined;
  /** Whether a watch being opened is listing what exists (its events are LOW_PRIORITY's). */
  #listing = false;
  #reconciles = 0;
  #requeues = 0;
  #errorCount = 0;
  #events = 0;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#scheduler = options.scheduler;
    this.#reconcile = options.reconcile;
    this.#maxConcurrent = Math.max(1, Math.floor(options.maxConcurrentReconciles ?? 1));
    this.#requeueDelay = options.requeueDelay;
    this.#jitter = Math.max(0, options.jitter ?? 0);
    this.#random = options.random;
    this.#onError = options.onError;
    this.#resyncPeriod = options.resyncPeriod;
    if (this.#jitter > 0 && !this.#random)
      throw new TypeError(`controller ${this.name}: jitter needs a seeded random source`);
    this.queue = new WorkQueue<string>(this.#scheduler, {
      rateLimiter: options.rateLimiter ?? new ExponentialBackoff<string>(options.backoff),
    });
    this.queue.onReady(() => this.#pump());
  }

  get state(): ControllerState {
    return this.#state;
  }

  /**
   * Follows a kind in a store: every ADDED, MODIFIED or DELETED object enqueues its key, or
   * the keys `mapToKeys` gives (e.g. the VMs naming a class when the class appears), with
   * the event's priority (LOW_PRIORITY, or `priority`'s, or DEFAULT_PRIORITY). It starts at
   * `start()` (at once if started) with an ADDED event for each existing object.
   * `mapToKeys` and `priority` see the stored object: they must not change it.
   */
  watches(store: KubeStore, target: WatchTarget, mapToKeys?: MapToKeys, priority?: EventPriority): this {
    if (this.#state === 'stopped') throw new Error(`controller ${this.name} is stopped`);
    const source: Source = { store, target, map: mapToKeys, priority, unsubscribe: undefined };
    if (this.#state === 'started') this.#open(source);
    this.#sources.push(source);
    return this;
  }

  /** Starts the watches and the workers. Keys added before start are processed now. */
  start(): void {
    if (this.#state !== 'new') return;
    this.#state = 'started';
    for (const source of this.#sources) this.#open(source);
    this.#scheduleResync();
    this.#pump();
  }

  /** Stops for good: watches end, queued and delayed work is dropped, reconciles in progress finish. */
  stop(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    for (const source of this.#sources) {
      source.unsubscribe?.();
      source.unsubscribe = undefined;
    }
    this.#resync?.();
    for (const cancel of this.#jobs) cancel();
    this.#workers -= this.#jobs.size;
    this.#jobs.clear();
    this.queue.shutdown();
  }

  /** Enqueues a key (deduplicated while queued, at the higher of its priorities). */
  enqueue(key: string, priority = DEFAULT_PRIORITY): void {
    this.queue.add(key, priority);
  }

  /**
   * Runs a write the reconcile of `key` makes. The store reports a write inside it, and its
   * event brings nothing new to the reconcile that made it, so it does not requeue `key`.
   */
  ownWrite<T>(key: string, write: () => T): T {
    const outer = this.#writing;
    this.#writing = key;
    try {
      return write();
    } finally {
      this.#writing = outer;
    }
  }

  /** The error of the key's last reconcile, if it failed (cleared by a successful one). */
  errorOf(key: string): unknown {
    return this.#errors.get(key);
  }

  /** Keys whose last reconcile failed, with their errors. */
  get errors(): ReadonlyMap<string, unknown> {
    return this.#errors;
  }

  /** Reconcile passes so far: `stats.reconciles` without making the snapshot. */
  get reconciles(): number {
    return this.#reconciles;
  }

  get stats(): ControllerStats {
    return {
      reconciles: this.#reconciles,
      requeues: this.#requeues,
      errors: this.#errorCount,
      queued: this.queue.length,
      active: this.queue.processing,
      waiting: this.queue.waiting,
      events: this.#events,
    };
  }

  resetStats(): void {
    this.#reconciles = 0;
    this.#requeues = 0;
    this.#errorCount = 0;
    this.#events = 0;
  }

  // --- workers ---------------------------------------------------------------------

  /** Schedules one worker job per ready key, up to the concurrency limit. */
  #pump(): void {
    if (this.#state !== 'started') return;
    while (this.#workers < this.#maxConcurrent && this.queue.length > this.#jobs.size) {
      this.#workers++;
      const cancel: Cancel = this.#scheduler.schedule(() => {
        this.#jobs.delete(cancel);
        this.#work();
      });
      this.#jobs.add(cancel);
    }
  }

  #work(): void {
    const key = this.queue.get();
    if (key === undefined) {
      this.#workers--;
      return;
    }
    let outcome: ReconcileOutcome | Promise<ReconcileOutcome>;
    try {
      outcome = this.#reconcile(key);
    } catch (error) {
      this.#finish(key, undefined, error, true);
      return;
    }
    if (isPromiseLike(outcome))
      outcome.then(
        (result) => this.#finish(key, result, undefined, false),
        (error: unknown) => this.#finish(key, undefined, error, true),
      );
    else this.#finish(key, outcome, undefined, false);
  }

  /** Ends a reconcile; a requeue keeps the priority the key was taken with, as controller-runtime's. */
  #finish(key: string, result: ReconcileOutcome, error: unknown, failed: boolean): void {
    this.#reconciles++;
    const priority = this.queue.priorityOf(key);
    if (failed) {
      this.#errorCount++;
      this.#errors.set(key, error);
      this.#onError?.(key, error);
      if (error instanceof TerminalError) this.queue.forget(key);
      else {
        this.#requeues++;
        this.queue.addRateLimited(key, priority);
      }
    } else {
      this.#errors.delete(key);
      const after = result?.requeueAfter;
      if (after !== undefined && after > 0) {
        this.#requeues++;
        this.queue.forget(key);
        this.queue.addAfter(key, after, priority);
      } else if (result?.requeue) {
        this.#requeues++;
        if (this.#requeueDelay !== undefined && this.#requeueDelay > 0) {
          this.queue.forget(key);
          this.queue.addAfter(key, this.#jittered(this.#requeueDelay), priority);
        } else this.queue.addRateLimited(key, priority);
      } else if (!result?.awaiting) this.queue.forget(key);
    }
    this.queue.done(key);
    this.#workers--;
    this.#pump();
  }

  #scheduleResync(): void {
    const period = this.#resyncPeriod;
    if (period === undefined || period <= 0) return;
    this.#resync = this.#scheduler.schedule(() => {
      for (const source of this.#sources) {
        const { store, target } = source;
        if (target.labelSelector !== undefined) continue;
        for (const object of store.direct.list(target.apiVersion, target.kind, target.namespace))
          this.#enqueueFor(source, { type: 'MODIFIED', object, old: object });
      }
      this.#scheduleResync();
    }, this.#jittered(period));
  }

  #jittered(delay: number): number {
    if (this.#jitter === 0 || !this.#random) return delay;
    return delay + Math.floor(delay * this.#jitter * this.#random.float());
  }

  // --- watches ---------------------------------------------------------------------

  #open(source: Source): void {
    const { store, target } = source;
    // The subscription's first events list what exists: LOW_PRIORITY's.
    this.#listing = true;
    try {
      source.unsubscribe = store.subscribe(
        {
          apiVersion: target.apiVersion,
          kind: target.kind,
          ...(target.namespace !== undefined ? { namespace: target.namespace } : {}),
          ...(target.labelSelector !== undefined ? { labelSelector: target.labelSelector } : {}),
        },
        (event) => {
          this.#events++;
          this.#enqueueFor(source, event);
        },
      );
    } finally {
      this.#listing = false;
    }
  }

  #enqueueFor(source: Source, event: CacheEvent): void {
    const { object, type, old } = event;
    const low = this.#listing || old?.metadata.resourceVersion === object.metadata.resourceVersion;
    const delivery: Delivery = { source, event, low };
    if (!source.map) {
      const name = object.metadata.name;
      if (typeof name !== 'string') return;
      this.#add(objectKey({ name, namespace: object.metadata.namespace }), delivery);
      return;
    }
    let keys: Iterable<string> | undefined | Promise<Iterable<string> | undefined>;
    try {
      keys = source.map(object, type, old);
    } catch (error) {
      this.#mapFailed(source, error);
      return;
    }
    if (isPromiseLike<Iterable<string> | undefined>(keys))
      keys.then(
        (later) => this.#addAll(later, delivery),
        (error: unknown) => this.#mapFailed(source, error),
      );
    else this.#addAll(keys, delivery);
  }

  #mapFailed(source: Source, error: unknown): void {
    this.#onError?.(`map ${source.target.kind}`, error);
  }

  #addAll(keys: Iterable<string> | undefined, delivery: Delivery): void {
    if (keys) for (const key of keys) this.#add(key, delivery);
  }

  /** A key an event asks for, unless the event is of that key's own write (see ownWrite). */
  #add(key: string, { source, event, low }: Delivery): void {
    if (key === this.#writing) return;
    this.queue.add(key, low ? LOW_PRIORITY : (source.priority?.(event, key) ?? DEFAULT_PRIORITY));
  }
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
