/**
 * The vSphere model: the store of managed objects plus everything an operation needs
 * (clock, scheduler, seeded ids, interception, events, sessions). Operations live in one
 * file per managed object type and reach the state only through `call` and `task`.
 */
import { dropSessionObjects } from './collector/objects.js';
import { type Clock, VirtualClock } from './core/clock.js';
import { type Call, Interceptor } from './core/intercept.js';
import { Random } from './core/random.js';
import { Scheduler } from './core/scheduler.js';
import { Store, type Transaction } from './core/store.js';
import { type Fault, faults, VimFault } from './faults.js';
import { type EventInput, EventLog } from './history/events.js';
import { GuestIpam } from './inventory/guest.js';
import { isA } from './inventory/managed-types.js';
import type { InventoryRecord, ManagedType, TaskRecord } from './inventory/records.js';
import { relations, sameRelations } from './inventory/records.js';
import { type MoRef, moref } from './refs.js';
import { type Credentials, DEFAULT_CREDENTIALS, Sessions } from './sessions/sessions.js';

export interface AboutOptions {
  /** The vCenter's instance UUID; drawn from the seed when absent. */
  instanceUuid?: string;
  /** vCenter version reported in AboutInfo, e.g. `8.0.3`. */
  version?: string;
  build?: string;
}

export interface ModelOptions {
  /** Fixes every id and every random choice. */
  seed?: number;
  clock?: Clock;
  about?: AboutOptions;
  credentials?: Credentials;
  /** Idle time after which a session expires (vCenter's default: 30 minutes). */
  sessionIdleTimeoutMs?: number;
  history?: { events?: number; tasks?: number; changes?: number };
  /**
   * vCenter's admission control of reservations: an operation that leaves a resource pool
   * holding more than it may (a power-on, a larger reservation, a pool's reservation or limit, a
   * move) fails with InsufficientCpuResourcesFault or InsufficientMemoryResourcesFault. Off by
   * default, so that no capacity stops a test; each write that moves a reservation then counts
   * its pool tree (see objects/reservations.ts).
   */
  admissionControl?: boolean;
}

export type Ref = MoRef | string;
export type Tx = Transaction<InventoryRecord>;

/** Counter prefixes of vCenter's moref ids; one counter serves them all. */
const ID_PREFIX: Record<string, string> = {
  Folder: 'group-',
  Datacenter: 'datacenter-',
  ComputeResource: 'domain-s',
  ClusterComputeResource: 'domain-c',
  HostSystem: 'host-',
  ResourcePool: 'resgroup-',
  VirtualApp: 'resgroup-v',
  Datastore: 'datastore-',
  StoragePod: 'group-p',
  Network: 'network-',
  VmwareDistributedVirtualSwitch: 'dvs-',
  DistributedVirtualPortgroup: 'dvportgroup-',
  VirtualMachine: 'vm-',
  VirtualMachineSnapshot: 'snapshot-',
  Task: 'task-',
};

/** The folder-kind letter of vCenter's folder ids (`group-v7` holds VMs). */
export type FolderFlavor = 'd' | 'v' | 'h' | 's' | 'n';

export interface TaskCall extends Call {
  /** TaskInfo.descriptionId, e.g. `VirtualMachine.powerOn`. */
  readonly descriptionId: string;
  readonly target: string;
  /** TaskInfo.cancelable: whether CancelTask may stop it (vCenter's clones and relocations). */
  readonly cancelable?: boolean;
}

/** Work that follows removals in the same transaction; `removed` are the removed ids. */
export type RemovalHook = (tx: Tx, removed: readonly string[]) => void;

/** Work that follows writes in the same transaction; it reads what was written or removed in `tx.writes`. */
export type WriteHook = (tx: Tx) => void;

/** A running or finished task as the TypeScript API hands it out. */
export interface Task<T = unknown> {
  readonly ref: MoRef;
  /** Resolves with the task's result once it succeeds; rejects with its VimFault. */
  wait(): Promise<T>;
  /**
   * How the task ended; undefined while it is queued or running, and once it has retired
   * from the history. A blocking task that takes no time has ended on return (see
   * `Model.task`).
   */
  outcome(): TaskOutcome<T> | undefined;
}

/**
 * How a task runs: `blocking`, when its caller waits for it (see `Model.task`);
 * `activationId`, the id its caller gave it to find it by (vAPI's `vapi-ctx-actid` header).
 */
export interface TaskOptions {
  readonly blocking?: boolean;
  readonly activationId?: string;
}

/** What a task's work threw, as the fault its task ends with. */
const asVimFault = (error: unknown): VimFault =>
  error instanceof VimFault
    ? error
    : faults.custom({ _type: 'SystemError', reason: String(error) }, String(error));

/** How a task ended. */
export type TaskOutcome<T> =
  | { readonly ok: true; readonly result: T }
  | { readonly ok: false; readonly fault: VimFault };

export class Model {
  readonly store: Store<InventoryRecord>;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly interceptor: Interceptor;
  readonly events: EventLog;
  readonly sessions: Sessions;
  /** The addresses guests report, per network. */
  readonly ipam = new GuestIpam();
  /**
   * How long a booted guest takes to report its addresses (ms on the simulator's clock);
   * 0, the default, reports them with the boot.
   */
  guestAddressDelayMs = 0;
  /**
   * How long tasks of a method take (ms on the simulator's clock, by vSphere method name,
   * e.g. `PowerOnVM_Task`), on top of any delay an interception rule adds. Empty: at once.
   */
  taskDurations: Partial<Record<string, number>> = {};
  readonly about: Required<AboutOptions>;
  readonly options: ModelOptions;
  /** The user that operations are attributed to (tasks, events); the facades set it per call. */
  userName: string;
  /** The caller's session key, for SessionManager.currentSession; set per call like userName. */
  sessionKey: string | undefined;
  #counter = 0;
  /** Tasks kept, oldest first, and those of them that ended, in the order they ended. */
  #recentTasks = new Set<string>();
  #endedTasks: string[] = [];
  #endedHead = 0;
  readonly #taskCapacity: number;
  readonly #waiters = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }[]>();
  readonly #removalHooks: RemovalHook[] = [];
  readonly #writeHooks: WriteHook[] = [];

  constructor(options: ModelOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? new VirtualClock();
    this.random = new Random(options.seed ?? 0);
    this.scheduler = new Scheduler(this.clock);
    this.store = new Store({ relations, sameRelations, feedSize: options.history?.changes ?? 4096 });
    this.interceptor = new Interceptor(this.random);
    this.events = new EventLog(options.history?.events ?? 1000);
    this.#taskCapacity = options.history?.tasks ?? 1000;
    const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
    this.userName = credentials.username;
    this.sessions = new Sessions({
      credentials,
      idleTimeoutMs: options.sessionIdleTimeoutMs ?? 30 * 60_000,
      random: this.random,
      now: () => this.clock.now(),
      onEvent: (event, userName) => this.events.post(event, this.clock.now(), userName ?? this.userName),
    });
    // What a session made for itself goes when it ends, after the call that ended it.
    this.sessions.onEnd((key) => this.scheduler.schedule(() => dropSessionObjects(this, key)));
    this.about = {
      version: options.about?.version ?? '8.0.3',
      build: options.about?.build ?? '24322831',
      instanceUuid: options.about?.instanceUuid ?? this.random.uuid(),
    };
  }

  /** The next moref value for a new object of `kind` (vCenter's shapes, one counter). */
  newId(kind: ManagedType, flavor?: FolderFlavor): string {
    const n = ++this.#counter;
    if (kind === 'Folder') return `group-${flavor ?? 'v'}${n}`;
    return `${ID_PREFIX[kind]}${n}`;
  }

  get idCounter(): number {
    return this.#counter;
  }

  set idCounter(value: number) {
    this.#counter = value;
  }

  get recentTasks(): ReadonlySet<string> {
    return this.#recentTasks;
  }

  ref(id: string): MoRef {
    const record = this.store.get(id);
    if (!record) throw new Error(`no object ${id}`);
    return moref(record.kind, id);
  }

  /** The record behind a reference, checked for its kind; ManagedObjectNotFound otherwise. */
  lookup<R extends InventoryRecord = InventoryRecord>(ref: Ref, ...kinds: ManagedType[]): R {
    const id = typeof ref === 'string' ? ref : ref.value;
    const record = this.store.get(id);
    if (!record || (kinds.length > 0 && !kinds.includes(record.kind as ManagedType))) {
      const type = typeof ref === 'string' ? (record?.kind ?? kinds[0] ?? 'ManagedEntity') : ref.type;
      throw faults.managedObjectNotFound(moref(type, id));
    }
    if (typeof ref !== 'string' && !isA(record.kind, ref.type)) {
      throw faults.managedObjectNotFound(moref(ref.type, id));
    }
    return record as R;
  }

  /**
   * Runs `work` as a caller: the operations it makes are the user's (tasks, events) and its
   * session's (what a session owns). Only its synchronous part: what it leaves pending (a wait)
   * resumes as whoever runs then, so a caller that awaits never lends its identity to the next.
   */
  runAs<T>(
    caller: { readonly userName?: string | undefined; readonly sessionKey: string | undefined },
    work: () => T,
  ): T {
    const previous = { userName: this.userName, sessionKey: this.sessionKey };
    if (caller.userName !== undefined) this.userName = caller.userName;
    this.sessionKey = caller.sessionKey;
    try {
      return work();
    } finally {
      this.userName = previous.userName;
      this.sessionKey = previous.sessionKey;
    }
  }

  /** A synchronous operation: passes the interception point, then runs as one transaction. */
  call<T>(call: Call, work: (tx: Tx) => T): T {
    const { fault } = this.interceptor.intercept(call);
    if (fault) throw faults.custom(fault);
    return this.store.transact((tx) => this.#followingRemovals(tx, work));
  }

  /**
   * Registers work that runs in the transaction of every operation that removed records,
   * whichever operation it was: what belongs to a removed object (its tag attachments)
   * goes with it, all or nothing.
   */
  onRemove(hook: RemovalHook): void {
    this.#removalHooks.push(hook);
  }

  /**
   * Registers work that runs in the transaction of every operation that wrote records, after the
   * removal hooks: what follows an object wherever an operation puts it (a VM that leaves its
   * cluster leaves the cluster's groups).
   */
  onWrite(hook: WriteHook): void {
    this.#writeHooks.push(hook);
  }

  #followingRemovals<T>(tx: Tx, work: (tx: Tx) => T): T {
    const result = work(tx);
    if (this.#removalHooks.length > 0) {
      const removed: string[] = [];
      for (const [id, after] of tx.writes) if (after === null) removed.push(id);
      if (removed.length > 0) for (const hook of this.#removalHooks) hook(tx, removed);
    }
    for (const hook of this.#writeHooks) hook(tx);
    return result;
  }

  postEvent(event: EventInput): void {
    this.events.post(event, this.clock.now(), this.userName);
  }

  /**
   * A vSphere task: the Task object exists at once (queued); the work runs on the
   * scheduler as one transaction that also completes the task, or ends it in error
   * with the fault it threw. Nothing of a failed task's work is applied. A task with a
   * duration (or a delay) is `running` from the scheduler's next turn until its work runs.
   *
   * A `blocking` task is one its caller waits for, as a blocking vAPI call (a content
   * library deployment) does: when it takes no time, it runs at once, and the Task object
   * enters the history ended, in the transaction of its work (alone, in error, when that
   * fails). One with a duration or a delay runs on the scheduler as any other.
   */
  task<T>(
    call: TaskCall,
    work: (tx: Tx) => T,
    after?: (result: T) => void,
    options: TaskOptions = {},
  ): Task<T> {
    const target = this.lookup(call.target);
    const { fault, delayMs } = this.interceptor.intercept(call);
    const duration = delayMs + (this.taskDurations[call.method] ?? 0);
    const id = this.newId('Task');
    const userName = this.userName;
    const queued: { -readonly [K in keyof TaskRecord]: TaskRecord[K] } = {
      id,
      kind: 'Task',
      name: call.method,
      descriptionId: call.descriptionId,
      entity: target.id,
      entityType: target.kind,
      entityName: target.name,
      state: 'queued',
      cancelable: call.cancelable === true,
      cancelled: false,
      queueTime: this.clock.now(),
      userName,
      eventChainId: this.events.reserveKey(),
    };
    if (options.activationId !== undefined) queued.activationId = options.activationId;
    if (options.blocking && duration === 0) this.#runTask(id, fault, work, after, queued);
    else {
      this.store.transact((tx) => {
        tx.put(queued);
        this.#retireOldTasks(tx, id);
      });
      const run = () => {
        const previousUser = this.userName;
        this.userName = userName;
        try {
          this.#runTask(id, fault, work, after);
        } finally {
          this.userName = previousUser;
        }
      };
      this.scheduler.schedule(() => {
        // A task cancelled while queued (CancelTask) has ended already: its work never runs.
        if (this.#taskRecord(id)?.state !== 'queued') return;
        if (duration === 0) return run();
        // One that takes time is running meanwhile, as vCenter's are: started now, ended with its work.
        this.store.transact((tx) =>
          tx.update<TaskRecord>(id, { state: 'running', startTime: this.clock.now() }),
        );
        this.scheduler.schedule(() => {
          if (this.#taskRecord(id)?.state === 'running') run();
        }, duration);
      }, 0);
    }
    return {
      ref: moref('Task', id),
      wait: () => this.waitForTask<T>(id),
      outcome: () => this.#outcomeOf<T>(id),
    };
  }

  #taskRecord(id: string): TaskRecord | undefined {
    return this.store.get(id) as TaskRecord | undefined;
  }

  /** How a task ended, read from its record; undefined while it runs, or once it is gone. */
  #outcomeOf<T>(id: string): TaskOutcome<T> | undefined {
    const record = this.#taskRecord(id);
    if (record?.state === 'success') return { ok: true, result: record.result as T };
    if (record?.state !== 'error') return undefined;
    const { message, ...fault } = record.error ?? { _type: 'SystemError' };
    return { ok: false, fault: faults.custom(fault, message) };
  }

  /**
   * Runs a task's work, and ends the task in the same transaction; in error, alone, when the
   * work fails. A blocking task (`queued` given) enters the history there, as it ends.
   */
  #runTask<T>(
    id: string,
    fault: Fault | undefined,
    work: (tx: Tx) => T,
    after?: (r: T) => void,
    queued?: TaskRecord,
  ) {
    // A task that ran for a while started before its work.
    const startTime = (queued ? undefined : this.#taskRecord(id)?.startTime) ?? this.clock.now();
    const end = (tx: Tx, ended: Partial<TaskRecord>) => {
      if (!queued) {
        tx.update<TaskRecord>(id, ended);
        return;
      }
      tx.put(Object.assign({}, queued, ended));
      // After the work, which may throw: retiring changes more than the transaction.
      this.#retireOldTasks(tx, id);
    };
    try {
      if (fault) throw faults.custom(fault);
      const result = this.store.transact((tx) => {
        const r = this.#followingRemovals(tx, work);
        end(tx, this.#succeeded(startTime, r));
        return r;
      });
      after?.(result);
      this.#settle(id, (w) => w.resolve(result));
    } catch (error) {
      const vimFault = asVimFault(error);
      if (queued || this.store.has(id))
        this.store.transact((tx) => end(tx, this.#failed(startTime, vimFault)));
      this.#settle(id, (w) => w.reject(vimFault));
    }
  }

  #succeeded(startTime: number, result: unknown): Partial<TaskRecord> {
    const ended: { -readonly [K in keyof TaskRecord]?: TaskRecord[K] } = {
      state: 'success',
      startTime,
      completeTime: this.clock.now(),
    };
    if (result !== undefined) ended.result = result;
    return ended;
  }

  #failed(startTime: number, fault: VimFault): Partial<TaskRecord> {
    return {
      state: 'error',
      startTime,
      completeTime: this.clock.now(),
      error: { ...fault.fault, message: fault.message },
    };
  }

  /** Resolves when the task succeeds, rejects with its fault; works for finished tasks too. */
  waitForTask<T>(id: string): Promise<T> {
    const record = this.store.get(id) as TaskRecord | undefined;
    if (!record) return Promise.reject(faults.managedObjectNotFound(moref('Task', id)));
    const outcome = this.#outcomeOf<T>(id);
    if (outcome) return outcome.ok ? Promise.resolve(outcome.result) : Promise.reject(outcome.fault);
    return new Promise<T>((resolve, reject) => {
      const waiters = this.#waiters.get(id) ?? [];
      waiters.push({ resolve: resolve as (v: unknown) => void, reject });
      this.#waiters.set(id, waiters);
    });
  }

  /** A task ended: it may retire from now on, and its waiters hear how it ended. */
  #settle(id: string, notify: (w: { resolve: (v: unknown) => void; reject: (e: unknown) => void }) => void) {
    this.#endedTasks.push(id);
    const waiters = this.#waiters.get(id);
    if (!waiters) return;
    this.#waiters.delete(id);
    for (const w of waiters) notify(w);
  }

  /**
   * Keeps the task history bounded: past capacity, the tasks that ended first go. A queued
   * or running task stays until it ends, as its work still has to complete it. Constant time
   * per task however many are queued.
   */
  #retireOldTasks(tx: Tx, newId: string): void {
    this.#recentTasks.add(newId);
    while (this.#recentTasks.size > this.#taskCapacity && this.#endedHead < this.#endedTasks.length) {
      const id = this.#endedTasks[this.#endedHead++] as string;
      if (this.#recentTasks.delete(id)) tx.remove(id);
    }
    if (this.#endedHead > 1024 && this.#endedHead * 2 > this.#endedTasks.length) {
      this.#endedTasks = this.#endedTasks.slice(this.#endedHead);
      this.#endedHead = 0;
    }
  }

  /**
   * Task.CancelTask: a queued or running task ends at once in RequestCanceled and its work
   * never runs (a task's work runs at its end, in one transaction); a finished one is
   * InvalidState, one that is not cancelable NotSupported.
   */
  cancelTask(task: Ref): void {
    const { id } = this.lookup<TaskRecord>(task, 'Task');
    this.call({ method: 'CancelTask', target: id }, (tx) => {
      const record = tx.get(id) as TaskRecord;
      if (record.state !== 'queued' && record.state !== 'running')
        throw faults.invalidState(`The task cannot be canceled: it is ${record.state}.`);
      if (!record.cancelable) throw faults.notSupported(`The task ${record.name} cannot be canceled.`);
      const canceled = faults.requestCanceled();
      tx.update<TaskRecord>(id, {
        state: 'error',
        cancelled: true,
        completeTime: this.clock.now(),
        error: { ...canceled.fault, message: canceled.message },
      });
    });
    this.#settle(id, (w) => w.reject(faults.requestCanceled()));
  }

  restoreTasks(ids: readonly string[]): void {
    this.#recentTasks = new Set(ids);
    this.#endedTasks = ids.filter((id) => {
      const state = this.#taskRecord(id)?.state;
      return state === 'success' || state === 'error';
    });
    this.#endedHead = 0;
  }
}
