/**
 * EventFilterSpec and TaskFilterSpec: which events EventManager.QueryEvents and an
 * EventHistoryCollector select, and which tasks a TaskHistoryCollector selects.
 *
 * An entity filter's recursion is vSphere's: `self` matches the entity itself, `children`
 * what lies below it (a VM lies below its folders, its host and its resource pools),
 * `all` both. An event matches an entity that is any of its entity arguments; an event
 * with none (a login) belongs to the root folder.
 */
import type { Store } from '../core/store.js';
import { ROOT_FOLDER } from '../inventory/build.js';
import type { InventoryRecord, TaskRecord, TaskState } from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import type { VimEvent } from './events.js';

export type RecursionOption = 'self' | 'children' | 'all';

/** A point in time as the wire gives it (ISO text) or the TypeScript API (epoch ms). */
export type Instant = string | number;

export interface EntityFilter {
  readonly entity: MoRef | string;
  readonly recursion?: RecursionOption;
}

export interface EventFilterSpec {
  readonly entity?: EntityFilter;
  readonly time?: { readonly beginTime?: Instant; readonly endTime?: Instant };
  readonly userName?: { readonly userList?: readonly string[]; readonly systemUser?: boolean };
  readonly eventChainId?: number;
  /** Event type names (`VmPoweredOnEvent`), or an EventEx's eventTypeId. */
  readonly type?: readonly string[];
  readonly eventTypeId?: readonly string[];
  /** Severity: info, warning, error or user; events without one are `info`. */
  readonly category?: readonly string[];
  /** QueryEvents only: the newest this many. */
  readonly maxCount?: number;
  readonly [field: string]: unknown;
}

export interface TaskFilterSpec {
  readonly entity?: EntityFilter;
  readonly time?: {
    readonly timeType: 'queuedTime' | 'startedTime' | 'completedTime';
    readonly beginTime?: Instant;
    readonly endTime?: Instant;
  };
  readonly userName?: { readonly userList?: readonly string[]; readonly systemUser?: boolean };
  readonly state?: readonly TaskState[];
  readonly eventChainId?: readonly number[];
  readonly activationId?: readonly string[];
  readonly [field: string]: unknown;
}

type Inventory = Pick<Store<InventoryRecord>, 'get'>;

const idOf = (ref: MoRef | string) => (typeof ref === 'string' ? ref : ref.value);

/** Where a record hangs in the inventory: its parent, and for a VM its host and pool too. */
const uplinks = (r: InventoryRecord): string[] => {
  const out = r.parent ? [r.parent] : [];
  if (r.kind === 'VirtualMachine') {
    if (r.host) out.push(r.host);
    if (r.pool) out.push(r.pool);
  }
  if (r.kind === 'ResourcePool' || r.kind === 'VirtualApp') out.push(r.owner);
  return out;
};

/** Whether `id` lies below `ancestor` (not counting itself). */
export const liesBelow = (store: Inventory, ancestor: string, id: string): boolean => {
  const seen = new Set<string>([id]);
  const queue = [id];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const r = store.get(next);
    if (!r) continue;
    for (const up of uplinks(r)) {
      if (up === ancestor) return true;
      if (!seen.has(up)) {
        seen.add(up);
        queue.push(up);
      }
    }
  }
  return false;
};

const entityMatches = (store: Inventory, filter: EntityFilter, ids: readonly string[]): boolean => {
  const target = idOf(filter.entity);
  const recursion = filter.recursion ?? 'all';
  if (recursion !== 'children' && ids.includes(target)) return true;
  return recursion !== 'self' && ids.some((id) => id !== target && liesBelow(store, target, id));
};

const instant = (t: Instant | undefined, fallback: number): number =>
  t === undefined ? fallback : typeof t === 'number' ? t : Date.parse(t);

const within = (at: number | undefined, time: { beginTime?: Instant; endTime?: Instant }): boolean =>
  at !== undefined &&
  at >= instant(time.beginTime, Number.NEGATIVE_INFINITY) &&
  at <= instant(time.endTime, Number.POSITIVE_INFINITY);

const EVENT_ARGUMENTS = [
  ['datacenter', 'datacenter'],
  ['computeResource', 'computeResource'],
  ['host', 'host'],
  ['vm', 'vm'],
  ['ds', 'datastore'],
  ['net', 'network'],
  ['dvs', 'dvs'],
] as const;

/** The ids of an event's entity arguments; the root folder for an event that has none. */
export const eventEntities = (e: VimEvent): string[] => {
  const out: string[] = [];
  for (const [arg, field] of EVENT_ARGUMENTS) {
    const ref = (e[arg] as Record<string, MoRef> | undefined)?.[field];
    if (ref) out.push(ref.value);
  }
  return out.length > 0 ? out : [ROOT_FOLDER];
};

const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] =>
  list !== undefined && list.length > 0;

export const eventMatches = (store: Inventory, filter: EventFilterSpec, e: VimEvent): boolean => {
  if (filter.time && !within(e.createdTime, filter.time)) return false;
  const types = nonEmpty(filter.eventTypeId) ? filter.eventTypeId : filter.type;
  if (nonEmpty(types) && !types.includes(e._type) && !types.includes(String(e.eventTypeId))) return false;
  const users = filter.userName?.userList;
  if (nonEmpty(users) && !users.includes(e.userName)) return false;
  if (filter.eventChainId !== undefined && e.chainId !== filter.eventChainId) return false;
  if (nonEmpty(filter.category) && !filter.category.includes(String(e.severity ?? 'info'))) return false;
  return !filter.entity || entityMatches(store, filter.entity, eventEntities(e));
};

/** EventManager.QueryEvents: the matching events, oldest first; the newest `maxCount` if set. */
export const queryEvents = (
  ctx: { readonly store: Inventory; readonly events: { list(): VimEvent[] } },
  filter: EventFilterSpec,
): VimEvent[] => {
  const matched = ctx.events.list().filter((e) => eventMatches(ctx.store, filter, e));
  return filter.maxCount === undefined ? matched : matched.slice(-filter.maxCount);
};

const TASK_TIMES = {
  queuedTime: (t: TaskRecord) => t.queueTime,
  startedTime: (t: TaskRecord) => t.startTime,
  completedTime: (t: TaskRecord) => t.completeTime,
} as const;

/** Filters on what no task here has (alarms, scheduled tasks, parents) match nothing when set. */
const UNSUPPORTED_TASK_FILTERS = ['alarm', 'scheduledTask', 'parentTaskKey', 'rootTaskKey'];

export const taskMatches = (store: Inventory, filter: TaskFilterSpec, t: TaskRecord): boolean => {
  if (filter.time && !within(TASK_TIMES[filter.time.timeType](t), filter.time)) return false;
  const users = filter.userName?.userList;
  if (nonEmpty(users) && !users.includes(t.userName)) return false;
  if (nonEmpty(filter.state) && !filter.state.includes(t.state)) return false;
  if (nonEmpty(filter.eventChainId) && !filter.eventChainId.includes(t.eventChainId)) return false;
  if (
    nonEmpty(filter.activationId) &&
    (t.activationId === undefined || !filter.activationId.includes(t.activationId))
  )
    return false;
  for (const name of UNSUPPORTED_TASK_FILTERS) {
    const value = filter[name];
    if (value !== undefined && (!Array.isArray(value) || value.length > 0)) return false;
  }
  return !filter.entity || (t.entity !== undefined && entityMatches(store, filter.entity, [t.entity]));
};
