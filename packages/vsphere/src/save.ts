/**
 * Saving the whole model to plain JSON and loading it back without loss: the records
 * and the store version, the id counter, the seeded generator, a virtual clock's time,
 * the guest address leases, the event log, the sessions, the task history and the
 * about info. A model loaded from a save continues exactly as the saved one would:
 * the same calls give the same ids, UUIDs, times and answers.
 */
import { sessionObjects } from './collector/objects.js';
import { VirtualClock } from './core/clock.js';
import { getOrInsert } from './core/maps.js';
import type { RandomState } from './core/random.js';
import type { ReferrerOrder } from './core/store.js';
import type { VimEvent } from './history/events.js';
import type { IpamState } from './inventory/guest.js';
import { type InventoryRecord, relations, type TaskRecord } from './inventory/records.js';
import type { Model } from './model.js';
import type { UserSession } from './sessions/sessions.js';

export const STATE_FORMAT = 'vsim-state';
export const STATE_VERSION = 1;

export interface SavedState {
  readonly format: typeof STATE_FORMAT;
  readonly version: typeof STATE_VERSION;
  /** AboutInfo as the model reports it (version, build, instance UUID). */
  readonly about: Readonly<Record<string, string>>;
  /** The model's time when saved; loading restores it only into a virtual clock. */
  readonly clock: { readonly virtual: boolean; readonly now: number };
  readonly random: RandomState;
  /** vCenter's one moref counter: the next object gets `idCounter + 1`. */
  readonly idCounter: number;
  readonly store: {
    readonly version: number;
    /** Every record, in the store's insertion order. */
    readonly records: readonly InventoryRecord[];
    /** Only the referrer sets whose order differs from the records' order. */
    readonly referrerOrder: readonly ReferrerOrder[];
  };
  readonly recentTasks: readonly string[];
  readonly events: { readonly nextKey: number; readonly items: readonly VimEvent[] };
  readonly sessions: readonly UserSession[];
  readonly ipam: IpamState;
}

/** The whole state of `model` as plain data. Refused while a task is still to run. */
export const saveState = (model: Model): SavedState => {
  const inFlight = [...model.store.ofKind<TaskRecord>('Task')].filter(
    (t) => t.state === 'queued' || t.state === 'running',
  );
  if (inFlight.length > 0) {
    const ids = inFlight.map((t) => t.id).join(', ');
    throw new Error(`cannot save while tasks are queued or running (${ids}); run the scheduler first`);
  }
  // First: reading the sessions ends the idle ones.
  const sessions = model.sessions.list();
  const live = new Set(sessions.map((session) => session.key));
  // What a session that is not saved made for itself is not saved either (its removal may be due).
  const left = sessionObjects(model, (session) => !live.has(session));
  const records = [...model.store.values()].filter((record) => !left.has(record.id));
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    about: { ...model.about },
    clock: { virtual: model.clock.virtual, now: model.clock.now() },
    random: model.random.state,
    idCounter: model.idCounter,
    store: {
      version: model.store.version,
      records,
      referrerOrder: reorderedReferrers(model, records),
    },
    recentTasks: [...model.recentTasks],
    events: { nextKey: model.events.nextKey, items: model.events.list() },
    sessions,
    ipam: model.ipam.state,
  };
};

/**
 * Referrer sets list ids in the order they joined. Rebuilt from the records they would
 * follow the records' order, which differs once an object moved (it joined its new
 * folder or host last); those sets are saved with their order.
 */
const reorderedReferrers = (model: Model, records: readonly InventoryRecord[]): ReferrerOrder[] => {
  const natural = new Map<string, { relation: string; target: string; ids: string[] }>();
  for (const record of records) {
    for (const [relation, target] of relations(record)) {
      const entry = getOrInsert(natural, `${relation}\u0000${target}`, () => ({ relation, target, ids: [] }));
      if (entry.ids[entry.ids.length - 1] !== record.id) entry.ids.push(record.id);
    }
  }
  const out: ReferrerOrder[] = [];
  const kept = new Set(records.map((record) => record.id));
  for (const { relation, target, ids } of natural.values()) {
    const actual = [...model.store.referrers(relation, target)].filter((id) => kept.has(id));
    let i = 0;
    let same = actual.length === ids.length;
    for (const id of actual) if (!same || id !== ids[i++]) same = false;
    if (!same) out.push([relation, target, actual]);
  }
  return out;
};

/**
 * Restores a saved state into a freshly constructed model (whatever inventory it was
 * built with is replaced). A state that fails the checks changes nothing.
 */
export const loadState = (model: Model, state: SavedState): void => {
  assertSavedState(state);
  if (model.scheduler.nextDue() !== undefined)
    throw new Error('load a saved state into a freshly constructed model: this one has work scheduled');
  const clock = model.clock;
  if (clock instanceof VirtualClock && clock.now() > state.clock.now) {
    throw new Error(
      `the saved state's time (${iso(state.clock.now)}) is before the model's virtual clock ` +
        `(${iso(clock.now())}); construct the model with a clock that starts no later than the saved time`,
    );
  }
  model.store.reset(state.store.records, state.store.version, state.store.referrerOrder);
  if (clock instanceof VirtualClock) clock.set(state.clock.now);
  model.random.state = state.random;
  model.idCounter = state.idCounter;
  model.restoreTasks(state.recentTasks);
  model.events.restore(state.events.items, state.events.nextKey);
  model.sessions.restore(state.sessions);
  model.ipam.restore(state.ipam);
  // In place: the facades hold the model's about object.
  Object.assign(model.about, state.about);
};

/** The saved state as indented JSON text; saving a loaded model again gives the same text. */
export const serializeState = (model: Model): string => `${JSON.stringify(saveState(model), null, 1)}\n`;

/** Reads a saved state from JSON text, checking that it is one this version of vsim reads. */
export const parseState = (text: string): SavedState => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not a vsim state file: ${(error as Error).message}`);
  }
  assertSavedState(value);
  return value;
};

const iso = (ms: number) => new Date(ms).toISOString();

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks the header, then the shape of each part, so a bad file fails here and not mid-load. */
export function assertSavedState(value: unknown): asserts value is SavedState {
  if (!isObject(value) || value.format !== STATE_FORMAT)
    throw new Error(`not a vsim state file: expected format '${STATE_FORMAT}'`);
  if (value.version !== STATE_VERSION)
    throw new Error(
      `unsupported vsim state version ${JSON.stringify(value.version)}: this vsim reads version ${STATE_VERSION}`,
    );
  const { about, clock, random, store, events, ipam } = value;
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  need(isObject(about) && Object.values(about).every((v) => typeof v === 'string'), 'about');
  need(isObject(clock) && typeof clock.virtual === 'boolean' && isNumber(clock.now), 'clock');
  need(Array.isArray(random) && random.length === 4 && random.every(isNumber), 'random');
  need(isNumber(value.idCounter), 'idCounter');
  need(
    isObject(store) &&
      isNumber(store.version) &&
      Array.isArray(store.records) &&
      store.records.every((r) => isObject(r) && typeof r.id === 'string' && typeof r.kind === 'string') &&
      Array.isArray(store.referrerOrder),
    'store',
  );
  need(Array.isArray(value.recentTasks), 'recentTasks');
  need(isObject(events) && isNumber(events.nextKey) && Array.isArray(events.items), 'events');
  need(Array.isArray(value.sessions), 'sessions');
  need(
    isObject(ipam) && Array.isArray(ipam.subnets) && Array.isArray(ipam.next) && Array.isArray(ipam.leases),
    'ipam',
  );
  if (problems.length > 0) throw new Error(`malformed vsim state: bad ${problems.join(', ')}`);
}
