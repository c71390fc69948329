/**
 * EventManager and TaskManager history: QueryEvents, and the history collectors
 * (CreateCollectorForEvents, CreateCollectorForTasks) with their methods
 * SetCollectorPageSize, ReadNext/ReadPrevious Events/Tasks, ResetCollector,
 * RewindCollector and DestroyCollector.
 *
 * A collector is a session-scoped record holding its filter, page size and the position
 * of its scrollable view, a key boundary: items keyed above it are what ReadNext reads
 * (oldest first), the others what ReadPrevious reads (newest first). Items are the
 * events, or the tasks of the task history, that match the filter, ordered by key
 * (event key, task number). `latestPage` derives from them on read, newest first.
 *
 * The event log and the task history live outside the collector records, so when new
 * events are posted or tasks change, the collectors they match are written (their
 * `revision` counts up) as work due at once on the scheduler, and property filters on
 * `latestPage` see a modify. This costs nothing while no collector exists. A session's
 * collectors go when it ends, with its other objects (see dropSessionObjects).
 */
import { lookupKind, sessionOwner, sessionScopedId } from '../collector/objects.js';
import type { Batch } from '../core/store.js';
import { faults } from '../faults.js';
import type { HistoryCollectorRecord, InventoryRecord, TaskRecord } from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';
import type { ReadContext } from '../properties/context.js';
import { taskInfo } from '../properties/task.js';
import { type MoRef, moref } from '../refs.js';
import type { VimEvent } from './events.js';
import {
  type EventFilterSpec,
  eventMatches,
  queryEvents,
  type TaskFilterSpec,
  taskMatches,
} from './filters.js';

/** Collectors one session may hold per manager (vCenter's maxCollector). */
export const MAX_COLLECTORS = 32;
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;

type CollectorKind = HistoryCollectorRecord['kind'];

const COLLECTOR_KINDS: CollectorKind[] = ['EventHistoryCollector', 'TaskHistoryCollector'];

const MANAGER: Record<CollectorKind, string> = {
  EventHistoryCollector: 'EventManager',
  TaskHistoryCollector: 'TaskManager',
};

const TOO_MANY: Record<CollectorKind, string> = {
  EventHistoryCollector: 'Too many event collectors to create',
  TaskHistoryCollector: 'Too many task collectors to create',
};

type Inventory = Pick<ReadContext, 'store' | 'events' | 'recentTasks'>;

interface Item {
  readonly key: number;
  readonly value: unknown;
}

const taskNumber = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));

/** The collector's items, oldest first. */
const itemsOf = (ctx: Inventory, c: HistoryCollectorRecord): Item[] => {
  if (c.kind === 'EventHistoryCollector') {
    const filter = c.filter as EventFilterSpec;
    return ctx.events
      .list()
      .filter((e) => eventMatches(ctx.store, filter, e))
      .map((e) => ({ key: e.key, value: e }));
  }
  const filter = c.filter as TaskFilterSpec;
  const out: Item[] = [];
  for (const id of ctx.recentTasks) {
    const task = ctx.store.get(id) as TaskRecord | undefined;
    if (task && taskMatches(ctx.store, filter, task))
      out.push({ key: taskNumber(id), value: taskInfo(task) });
  }
  return out;
};

/** HistoryCollector.latestPage: the newest `pageSize` items, newest first. */
export const latestPage = (ctx: Inventory, c: HistoryCollectorRecord): unknown[] =>
  c.pageSize === 0
    ? []
    : itemsOf(ctx, c)
        .slice(-c.pageSize)
        .reverse()
        .map((i) => i.value);

export const historyCollectorProperties = {
  latestPage: (c: HistoryCollectorRecord, ctx: ReadContext) => latestPage(ctx, c),
  filter: (c: HistoryCollectorRecord) => c.filter,
};

const checkCount = (maxCount: number, min: number): void => {
  if (!Number.isInteger(maxCount) || maxCount < min || maxCount > MAX_PAGE_SIZE)
    throw faults.invalidArgument('maxCount');
};

export const historyOperations = (m: Model) => {
  const lookupCollector = (ref: Ref, ...kinds: CollectorKind[]) =>
    lookupKind<HistoryCollectorRecord>(m, ref, ...(kinds.length > 0 ? kinds : COLLECTOR_KINDS));
  const watch = collectorWatch(m);

  const create = (kind: CollectorKind, filter: Readonly<Record<string, unknown>>): MoRef => {
    const entity = filter.entity as { entity: Ref; recursion?: string } | undefined;
    // A filter's entity must exist; it is kept as a reference, as the wire shows it.
    const target = entity ? m.lookup(entity.entity) : undefined;
    const _type = kind === 'EventHistoryCollector' ? 'EventFilterSpec' : 'TaskFilterSpec';
    const stored = {
      _type,
      ...filter,
      ...(entity && target
        ? {
            entity: {
              ...entity,
              entity: moref(target.kind, target.id),
              recursion: entity.recursion ?? 'all',
            },
          }
        : {}),
    };
    const method = kind === 'EventHistoryCollector' ? 'CreateCollectorForEvents' : 'CreateCollectorForTasks';
    const ref = m.call({ method, target: MANAGER[kind] }, (tx) => {
      const session = m.sessionKey;
      let held = 0;
      for (const c of m.store.ofKind<HistoryCollectorRecord>(kind)) if (c.session === session) held++;
      if (held >= MAX_COLLECTORS) throw faults.invalidState(TOO_MANY[kind]);
      const id = sessionScopedId(m);
      tx.put({
        id,
        kind,
        name: kind,
        filter: stored,
        pageSize: DEFAULT_PAGE_SIZE,
        position: 0,
        ...sessionOwner(m),
        revision: 0,
      } satisfies HistoryCollectorRecord);
      return moref(kind, id);
    });
    if (kind === 'TaskHistoryCollector') watch.start();
    return ref;
  };

  /** A call on a collector: `work` gets the record as the transaction sees it. */
  const onCollector = <T>(
    method: string,
    ref: Ref,
    kinds: CollectorKind[],
    work: (tx: Tx, c: HistoryCollectorRecord) => T,
  ): T => {
    const { id } = lookupCollector(ref, ...kinds);
    return m.call({ method, target: id }, (tx) => {
      const c = tx.get(id) as HistoryCollectorRecord | undefined;
      if (!c) throw faults.managedObjectNotFound(moref(kinds[0] ?? 'HistoryCollector', id));
      return work(tx, c);
    });
  };

  /** ReadNext*: up to `maxCount` items after the position, oldest first; the position follows. */
  const readNext = (method: string, ref: Ref, kind: CollectorKind, maxCount: number) =>
    onCollector(method, ref, [kind], (tx, c) => {
      checkCount(maxCount, 1);
      const page = itemsOf(m, c)
        .filter((i) => i.key > c.position)
        .slice(0, maxCount);
      const last = page.at(-1);
      if (last) tx.put(Object.assign({}, c, { position: last.key }));
      return page.map((i) => i.value);
    });

  /** ReadPrevious*: up to `maxCount` items before the position, newest first. */
  const readPrevious = (method: string, ref: Ref, kind: CollectorKind, maxCount: number) =>
    onCollector(method, ref, [kind], (tx, c) => {
      checkCount(maxCount, 1);
      const page = itemsOf(m, c)
        .filter((i) => i.key <= c.position)
        .slice(-maxCount)
        .reverse();
      const oldest = page.at(-1);
      if (oldest) tx.put(Object.assign({}, c, { position: oldest.key - 1 }));
      return page.map((i) => i.value);
    });

  return {
    /** EventManager.QueryEvents: the matching events, oldest first. */
    queryEvents: (filter: EventFilterSpec = {}): VimEvent[] =>
      m.call({ method: 'QueryEvents', target: 'EventManager' }, () => queryEvents(m, filter)),

    /** EventManager.CreateCollectorForEvents: InvalidState past MAX_COLLECTORS for the session. */
    createEventCollector: (filter: EventFilterSpec = {}): MoRef => create('EventHistoryCollector', filter),

    /** TaskManager.CreateCollectorForTasks. */
    createTaskCollector: (filter: TaskFilterSpec = {}): MoRef => create('TaskHistoryCollector', filter),

    /** The collector's latestPage (events or TaskInfo objects), newest first. */
    latestPage: (collector: Ref): unknown[] => latestPage(m, lookupCollector(collector)),

    /** SetCollectorPageSize: 0..1000 items in latestPage. */
    setPageSize(collector: Ref, maxCount: number): void {
      onCollector('SetCollectorPageSize', collector, [], (tx, c) => {
        checkCount(maxCount, 0);
        tx.put(Object.assign({}, c, { pageSize: maxCount }));
      });
    },

    readNextEvents: (collector: Ref, maxCount: number) =>
      readNext('ReadNextEvents', collector, 'EventHistoryCollector', maxCount) as VimEvent[],
    readPreviousEvents: (collector: Ref, maxCount: number) =>
      readPrevious('ReadPreviousEvents', collector, 'EventHistoryCollector', maxCount) as VimEvent[],
    readNextTasks: (collector: Ref, maxCount: number) =>
      readNext('ReadNextTasks', collector, 'TaskHistoryCollector', maxCount) as ReturnType<typeof taskInfo>[],
    readPreviousTasks: (collector: Ref, maxCount: number) =>
      readPrevious('ReadPreviousTasks', collector, 'TaskHistoryCollector', maxCount) as ReturnType<
        typeof taskInfo
      >[],

    /** RewindCollector: the scrollable view starts at the oldest item again. */
    rewind(collector: Ref): void {
      onCollector('RewindCollector', collector, [], (tx, c) => {
        tx.put(Object.assign({}, c, { position: 0 }));
      });
    },

    /** ResetCollector: the scrollable view ends just before the latest page. */
    reset(collector: Ref): void {
      onCollector('ResetCollector', collector, [], (tx, c) => {
        const items = itemsOf(m, c);
        const before = items[items.length - Math.min(c.pageSize, items.length) - 1];
        tx.put(Object.assign({}, c, { position: before?.key ?? 0 }));
      });
    },

    /** DestroyCollector. */
    destroy(collector: Ref): void {
      onCollector('DestroyCollector', collector, [], (tx, c) => tx.remove(c.id));
    },
  };
};

/**
 * Tells collectors of new items: events as they are posted, task changes as the store
 * commits them. The store is watched only while a task collector exists (the inventory
 * is built in bulk, which allows no listener).
 */
const collectorWatch = (m: Model) => {
  let events: VimEvent[] = [];
  let tasks: TaskRecord[] = [];
  let due = false;
  let unsubscribe: (() => void) | undefined;

  const hasCollectors = () =>
    m.store.countOf('EventHistoryCollector') > 0 || m.store.countOf('TaskHistoryCollector') > 0;

  const flush = () => {
    due = false;
    const posted = events;
    const changed = tasks;
    events = [];
    tasks = [];
    m.store.transact((tx) => {
      for (const kind of ['EventHistoryCollector', 'TaskHistoryCollector'] as const) {
        for (const c of m.store.ofKind<HistoryCollectorRecord>(kind)) {
          if (kind === 'EventHistoryCollector' ? sees(c, posted) : seesTasks(c, changed))
            tx.put(Object.assign({}, c, { revision: c.revision + 1 }));
        }
      }
    });
    if (m.store.countOf('TaskHistoryCollector') === 0) {
      unsubscribe?.();
      unsubscribe = undefined;
    }
  };

  const sees = (c: HistoryCollectorRecord, posted: readonly VimEvent[]) =>
    posted.some((e) => eventMatches(m.store, c.filter as EventFilterSpec, e));
  const seesTasks = (c: HistoryCollectorRecord, changed: readonly TaskRecord[]) =>
    changed.some((t) => taskMatches(m.store, c.filter as TaskFilterSpec, t));

  const schedule = () => {
    if (due) return;
    due = true;
    m.scheduler.schedule(flush);
  };

  const onBatch = (batch: Batch<InventoryRecord>) => {
    for (const change of batch.changes) {
      const task = change.after ?? change.before;
      if (task?.kind === 'Task') tasks.push(task);
    }
    if (tasks.length > 0) schedule();
  };

  const start = () => {
    unsubscribe ??= m.store.subscribe(onBatch);
  };

  m.events.subscribe((event) => {
    if (!hasCollectors()) return;
    // A loaded state may hold task collectors that nothing watches yet.
    if (m.store.countOf('TaskHistoryCollector') > 0) start();
    events.push(event);
    schedule();
  });

  return { start };
};

export type HistoryOperations = ReturnType<typeof historyOperations>;
