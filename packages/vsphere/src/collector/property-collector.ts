/**
 * A PropertyCollector: retrieving properties (with paging tokens), filters, and the
 * updates since a version.
 *
 * Waiting without timers: the model never starts a timer, so `waitForUpdates` takes
 * the caller's real-time sleep, `wait(ms, signal)` (in the SOAP facade a setTimeout
 * promise, cleared when `signal` aborts). It answers at once when something changed
 * since the version; otherwise it subscribes to store commits and resolves with the
 * first updates a commit brings (checks run in a microtask, so the commits of one
 * operation are seen together). When `wait(maxWaitSeconds * 1000)` settles first it
 * resolves undefined: a timeout is not a fault. maxWaitSeconds=0 polls once; without
 * it (or without `wait`) it waits until a change or a cancel. CancelWaitForUpdates, a
 * newer wait on the same collector, and destroying the collector make a pending wait
 * reject with RequestCanceled.
 *
 * Versions are decimal strings counting up per collector. The latest one gets the
 * changes since; an older one this collector issued gets everything again (as
 * `enter`), what a client that lost an answer needs; any other is
 * InvalidCollectorVersion.
 */
import { faults } from '../faults.js';
import type { PropertyFilterRecord } from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { FilterState, summarize } from './filter-state.js';
import { lookupKind, sessionOwner, sessionScopedId } from './objects.js';
import type { ObjectContent, PropertyFilterUpdate, RetrieveResult, UpdateSet } from './results.js';
import { retrieveContents, rootRecord } from './select.js';
import { compileSpec, type PropertyFilterSpec } from './spec.js';

export interface RetrieveOptions {
  readonly maxObjects?: number;
}

export interface WaitOptions {
  /** 0 polls once; unset or negative waits until a change or a cancel. */
  readonly maxWaitSeconds?: number;
  readonly maxObjectUpdates?: number;
}

/**
 * The caller's real-time sleep; the model itself never starts a timer. `signal` aborts
 * once the wait ended otherwise, so the caller can clear its timer.
 */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Continue tokens kept per collector; the oldest is dropped beyond this. */
const MAX_TOKENS = 256;

/** Splits updates after `max` object updates (a filter's missingSet travels with its first part). */
const splitUpdates = (updates: PropertyFilterUpdate[], max: number) => {
  const page: PropertyFilterUpdate[] = [];
  const rest: PropertyFilterUpdate[] = [];
  let room = max;
  for (const u of updates) {
    if (room >= u.objectSet.length) {
      page.push(u);
      room -= u.objectSet.length;
    } else if (room > 0) {
      page.push({ ...u, objectSet: u.objectSet.slice(0, room) });
      rest.push({ ...u, objectSet: u.objectSet.slice(room), missingSet: [] });
      room = 0;
    } else rest.push(u);
  }
  return { page, rest };
};

export class PropertyCollector {
  readonly ref: MoRef;
  readonly #m: Model;
  readonly #states = new Map<string, FilterState>();
  #issued = 0;
  #storeVersion: number;
  #pending: PropertyFilterUpdate[] = [];
  readonly #tokens = new Map<string, { rest: ObjectContent[]; maxObjects: number }>();
  #tokenCount = 0;
  #cancelWait: (() => void) | undefined;

  /**
   * The session whose view of the default collector this is: vCenter keeps its filters and
   * versions per session. Undefined for a collector CreatePropertyCollector made.
   */
  readonly #scope: { readonly session: string | undefined } | undefined;

  constructor(m: Model, id: string, scope?: { readonly session: string | undefined }) {
    this.#m = m;
    this.ref = moref('PropertyCollector', id);
    this.#storeVersion = m.store.version;
    this.#scope = scope;
  }

  /** The ids of this collector's filters (of its session's, for the default one). */
  *#filterIds(): IterableIterator<string> {
    for (const id of this.#m.store.referrers('filter', this.id))
      if (this.#owns(this.#m.store.get(id) as PropertyFilterRecord)) yield id;
  }

  #owns(record: PropertyFilterRecord): boolean {
    return (
      record.collector === this.id && (this.#scope === undefined || record.session === this.#scope.session)
    );
  }

  get id(): string {
    return this.ref.value;
  }

  /** Passes the interception point; a destroyed collector is ManagedObjectNotFound. */
  #call<T>(method: string, work: (tx: Tx) => T, target = this.id): T {
    return this.#m.call({ method, target }, (tx) => {
      lookupKind(this.#m, this.ref, 'PropertyCollector');
      return work(tx);
    });
  }

  /** RetrieveProperties: every matched object with its requested properties. */
  retrieveProperties(specSet: readonly PropertyFilterSpec[]): ObjectContent[] {
    return this.#call('RetrieveProperties', () =>
      retrieveContents(this.#m, (specSet ?? []).map(compileSpec)),
    );
  }

  /** RetrievePropertiesEx: undefined when nothing matched; a `token` when more remain. */
  retrievePropertiesEx(
    specSet: readonly PropertyFilterSpec[],
    options: RetrieveOptions = {},
  ): RetrieveResult | undefined {
    return this.#call('RetrievePropertiesEx', () => {
      const objects = retrieveContents(this.#m, (specSet ?? []).map(compileSpec));
      return objects.length === 0 ? undefined : this.#page(objects, options.maxObjects ?? 0);
    });
  }

  continueRetrievePropertiesEx(token: string): RetrieveResult {
    return this.#call('ContinueRetrievePropertiesEx', () => {
      const held = this.#takeToken(token);
      return this.#page(held.rest, held.maxObjects);
    });
  }

  cancelRetrievePropertiesEx(token: string): void {
    this.#call('CancelRetrievePropertiesEx', () => this.#takeToken(token));
  }

  #takeToken(token: string) {
    const held = this.#tokens.get(token);
    if (!held) throw faults.invalidProperty('token');
    this.#tokens.delete(token);
    return held;
  }

  #page(objects: ObjectContent[], maxObjects: number): RetrieveResult {
    if (maxObjects <= 0 || objects.length <= maxObjects) return { objects };
    const token = String(++this.#tokenCount);
    this.#tokens.set(token, { rest: objects.slice(maxObjects), maxObjects });
    if (this.#tokens.size > MAX_TOKENS) this.#tokens.delete(this.#tokens.keys().next().value as string);
    return { token, objects: objects.slice(0, maxObjects) };
  }

  /** The collector's `filter` property. */
  get filters(): MoRef[] {
    return [...this.#filterIds()].map((id) => moref('PropertyFilter', id));
  }

  /** CreateFilter: the spec's objects must exist unless reportMissingObjectsInResults. */
  createFilter(spec: PropertyFilterSpec, partialUpdates = false): MoRef {
    return this.#call('CreateFilter', (tx) => {
      const compiled = compileSpec(spec);
      if (!compiled.reportMissingObjectsInResults) {
        for (const o of compiled.objectSet)
          if (!rootRecord(this.#m, o.obj)) throw faults.managedObjectNotFound(o.obj);
      }
      const id = sessionScopedId(this.#m);
      tx.put({
        id,
        kind: 'PropertyFilter',
        name: 'PropertyFilter',
        collector: this.id,
        ...sessionOwner(this.#m),
        spec,
        partialUpdates,
      });
      const ref = moref('PropertyFilter', id);
      this.#states.set(id, new FilterState(ref, compiled, partialUpdates));
      return ref;
    });
  }

  /** DestroyPropertyFilter of one of this collector's filters. */
  destroyFilter(filter: Ref): void {
    const id = typeof filter === 'string' ? filter : filter.value;
    this.#call(
      'DestroyPropertyFilter',
      (tx) => {
        const record = lookupKind<PropertyFilterRecord>(this.#m, filter, 'PropertyFilter');
        if (!this.#owns(record)) throw faults.managedObjectNotFound(moref('PropertyFilter', id));
        tx.remove(id);
      },
      id,
    );
    this.#forget(id);
  }

  #forget(filterId: string): void {
    this.#states.delete(filterId);
    this.#pending = this.#pending.filter((u) => u.filter.value !== filterId);
  }

  /** The state of a filter; filters that came from a loaded state start unsynced. */
  #state(record: PropertyFilterRecord): FilterState {
    let state = this.#states.get(record.id);
    if (!state) {
      state = new FilterState(
        moref('PropertyFilter', record.id),
        compileSpec(record.spec),
        record.partialUpdates,
      );
      this.#states.set(record.id, state);
    }
    return state;
  }

  /** CheckForUpdates: the updates since `version` at once, or undefined when there are none. */
  checkForUpdates(version?: string, options: { maxObjectUpdates?: number } = {}): UpdateSet | undefined {
    return this.#call('CheckForUpdates', () => this.#collect(version, options.maxObjectUpdates));
  }

  /** WaitForUpdatesEx; see the module header for how waiting works without timers. */
  async waitForUpdates(
    version: string | undefined,
    options: WaitOptions = {},
    wait?: Sleep,
  ): Promise<UpdateSet | undefined> {
    const max = options.maxObjectUpdates;
    const now = this.#call('WaitForUpdatesEx', () => this.#collect(version, max));
    if (now || options.maxWaitSeconds === 0) return now;
    this.#cancelWait?.();
    return this.#nextUpdates(version, max, options.maxWaitSeconds, wait);
  }

  /** The first updates a commit brings; undefined when `wait` ends first. */
  #nextUpdates(version: string | undefined, max?: number, seconds?: number, wait?: Sleep) {
    return new Promise<UpdateSet | undefined>((resolve, reject) => {
      // Aborted once the wait is over, whichever way: it also tells the caller's timer.
      const over = new AbortController();
      let scheduled = false;
      const end = (settle: () => void) => {
        if (over.signal.aborted) return;
        over.abort();
        unsubscribe();
        if (this.#cancelWait === cancel) this.#cancelWait = undefined;
        settle();
      };
      const cancel = () => end(() => reject(faults.requestCanceled()));
      // A poll runs after the call that started the wait ended, maybe during another session's
      // call: it reads as the session that waits (its `filter`, its `currentSession`...).
      const waiter = { sessionKey: this.#m.sessionKey };
      const poll = () => {
        scheduled = false;
        try {
          const updates = over.signal.aborted
            ? undefined
            : this.#m.runAs(waiter, () => this.#collect(version, max));
          if (updates) end(() => resolve(updates));
        } catch (error) {
          end(() => reject(error));
        }
      };
      const unsubscribe = this.#m.store.subscribe(() => {
        if (scheduled || over.signal.aborted) return;
        scheduled = true;
        queueMicrotask(poll);
      });
      this.#cancelWait = cancel;
      if (wait && seconds !== undefined && seconds > 0) {
        wait(seconds * 1000, over.signal).then(
          () => end(() => resolve(undefined)),
          (error: unknown) => end(() => reject(error)),
        );
      }
    });
  }

  /** CancelWaitForUpdates: a pending wait rejects with RequestCanceled. */
  cancelWaitForUpdates(): void {
    this.#call('CancelWaitForUpdates', () => this.#cancelWait?.());
  }

  /** Ends pending waits and forgets every filter's state (the collector was destroyed). */
  dispose(): void {
    this.#cancelWait?.();
    this.#states.clear();
    this.#pending = [];
    this.#tokens.clear();
  }

  #versionNumber(version: string | undefined): number {
    if (version === undefined || version === '') return 0;
    const n = /^[1-9]\d{0,15}$/.test(version) ? Number(version) : Number.NaN;
    if (!(n <= this.#issued)) throw faults.invalidCollectorVersion();
    return n;
  }

  #collect(version: string | undefined, max: number | undefined): UpdateSet | undefined {
    const from = this.#versionNumber(version);
    if (from < this.#issued || from === 0) {
      for (const state of this.#states.values()) state.reset();
      this.#pending = [];
    } else if (this.#pending.length > 0) {
      return this.#issue(this.#pending, max);
    }
    const updates = this.#updates();
    if (updates.length === 0 && from !== 0) return undefined;
    return this.#issue(updates, max);
  }

  #updates(): PropertyFilterUpdate[] {
    const store = this.#m.store;
    // A loaded state can put the store behind what this collector saw: rescan then.
    const batches = this.#storeVersion <= store.version ? store.changesSince(this.#storeVersion) : undefined;
    const summary = batches && summarize(store, batches);
    this.#storeVersion = store.version;
    const out: PropertyFilterUpdate[] = [];
    for (const id of this.#filterIds()) {
      const update = this.#state(store.get(id) as PropertyFilterRecord).update(this.#m, summary);
      if (update) out.push(update);
    }
    return out;
  }

  #issue(updates: PropertyFilterUpdate[], max: number | undefined): UpdateSet {
    const version = String(++this.#issued);
    if (max === undefined || max <= 0) {
      this.#pending = [];
      return { version, filterSet: updates, truncated: false };
    }
    const { page, rest } = splitUpdates(updates, max);
    this.#pending = rest;
    return { version, filterSet: page, truncated: rest.length > 0 };
  }
}
