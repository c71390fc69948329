/**
 * The Supervisor's object store: Kubernetes objects as plain JSON, served with the API
 * server's rules (see DESIGN.md, "Supervisor"). Its records (`ObjectRecords`) keep a
 * change feed: every write is one batch, so an object's `resourceVersion` is the version of
 * the batch that wrote it, one counter for all objects, and watches read that feed.
 *
 * Every method returns a promise except `watch`. Objects are copied in and out: callers
 * may mutate what they pass and what they get back.
 */
import { type Batch, type Change, type Clock, mapped, type Random } from '@vsim/vsphere';
import { AdmissionDenied, isKubeError, type KubeError, kubeErrors, notFoundMessage } from './errors.js';
import { GarbageCollector, type GcHost, type PropagationPolicy } from './gc.js';
import {
  type AdmissionOperation,
  type AdmitDeleteFunction,
  type AdmitFunction,
  CORE_KINDS,
  type KindDefinition,
  type KindInfo,
  KindRegistry,
  type StoreReader,
  subjectOf,
} from './kinds.js';
import {
  annotationProblems,
  clone,
  deepEqual,
  dropField,
  FOREGROUND_FINALIZER,
  finalizerProblems,
  isPlainObject,
  type KubeList,
  type KubeObject,
  labelProblems,
  merged,
  NAMESPACE_FINALIZER,
  nameProblem,
  type ObjectRef,
  ORPHAN_FINALIZER,
  parseApiVersion,
  sameFieldsBut,
  specChanged,
  timestamp,
} from './meta.js';
import { applyPatch, type PatchType } from './patch.js';
import { compareRecords, type KubeRecord, NAMESPACE_KEY, ObjectRecords, recordId } from './records.js';
import { replicasProblems, type Scale, type ScaleSubresource, scaled, scaleOf } from './scale.js';
import { blocksRules, RULES_NOT_CHECKED } from './schema-constraints.js';
import { defaultedObject, type ShapeNode, shapedObject, undeclaredFields } from './schema-shape.js';
import {
  type FieldRequirement,
  fieldsMatch,
  type LabelMatcher,
  type LabelSelector,
  labelSelectorMatcher,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';
import { ServiceAllocator } from './service-allocation.js';
import { checkStructure, constraintCauses, dropNulls, type StructurePart } from './structure.js';
import { type Watch, type WatchEvent, WatchQueue } from './watch.js';

export type { PropagationPolicy } from './gc.js';

export interface KubeStoreOptions {
  /** How many writes the history keeps for watches and continue tokens (default 1024). */
  historySize?: number;
  /** Namespaces that exist from the start (default `['default']`). */
  namespaces?: readonly string[];
  /** The range Services' cluster IPs come from (default 10.96.0.0/16). */
  serviceRange?: string;
  /**
   * The field validation of writes that name none, `direct`'s too (default `Warn`, what the API
   * server does for a client that names none, as client-go's typed clients do).
   */
  fieldValidation?: FieldValidation;
}

/**
 * What a write does with fields its kind does not declare (the API server's `fieldValidation`):
 * `Ignore` and `Warn` drop them (in process, there is no response to carry `Warn`'s warnings),
 * `Strict` refuses the object (400), as kubectl's default asks.
 */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

const FIELD_VALIDATIONS: readonly unknown[] = ['Ignore', 'Warn', 'Strict'] satisfies FieldValidation[];

/** Options of a create, an update or a status write. */
export interface WriteOptions {
  /** Default: the store's (`KubeStoreOptions.fieldValidation`). */
  fieldValidation?: FieldValidation;
}

/** What the store needs from the simulator: its clock and its seeded random source (a Model has both). */
export interface KubeStoreContext {
  readonly clock: Clock;
  readonly random: Random;
}

export interface ListOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  /** A selector string (`app=web,tier in (a,b)`) or the structured form. */
  labelSelector?: string | LabelSelector;
  /** `metadata.name=x`, `metadata.namespace!=y`, and the kind's own selectable fields. */
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  /**
   * Replays the changes after this version, then follows live ones. Unset or `'0'`: starts
   * with an ADDED event for every existing object, like a list followed by a watch.
   */
  resourceVersion?: string;
  labelSelector?: string | LabelSelector;
  fieldSelector?: string;
  /** Sends a BOOKMARK once the initial events (or the replayed history) are delivered. */
  allowWatchBookmarks?: boolean;
  /**
   * A watch list: an ADDED event for every existing object (whatever `resourceVersion`, as the
   * API server's `resourceVersionMatch: NotOlderThan`), then a BOOKMARK annotated
   * `k8s.io/initial-events-end: "true"`. Needs `allowWatchBookmarks`.
   */
  sendInitialEvents?: boolean;
}

/** What `direct` offers: synchronous reads and writes of stored objects, never to be changed. */
export interface DirectClient extends StoreReader {
  create(object: KubeObject): KubeObject;
  update(object: KubeObject): KubeObject;
  updateStatus(object: KubeObject): KubeObject;
  /** A delete in the background (see `KubeStore.delete`); the object's last state. */
  delete(ref: ObjectRef): KubeObject;
}

/** Which objects `subscribe` follows. */
export interface SubscribeOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string | LabelSelector;
}

/** A change `subscribe` reports, with the stored object. Read-only: subscribers may share it. */
export interface CacheEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
  /** The state before a MODIFIED event (controller-runtime's ObjectOld), read-only too. */
  readonly old?: KubeObject;
}

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  /**
   * `'status'` patches the status subresource: only `status` changes. `'scale'` patches the
   * Scale of a kind that has one (see `getScale`) and returns the Scale.
   */
  subresource?: 'status' | 'scale';
}

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  /** Deletes only if the object still has this uid / resourceVersion (else 409 Conflict). */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** The key of the last item of a page and the version the list was read at. */
interface ContinueToken {
  rv: number;
  namespace: string;
  name: string;
}

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
/** The kind whose writes the API server's Service storage allocates addresses and ports for. */
const SERVICE_KEY = '/Service';
/** The list `direct` returns when there is nothing: read-only, as everything it returns. */
const NO_OBJECTS: readonly KubeObject[] = Object.freeze([]);
/** The characters the API server draws generated name suffixes from. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';
/** Metadata an update cannot change. */
const SERVER_META = [
  'name',
  'namespace',
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** A webhook's error as the API server answers it: a denial is 422 with the webhook's message. */
const answerOf = (error: unknown): unknown =>
  error instanceof AdmissionDenied
    ? kubeErrors.webhookDenied(error.webhook, error.message, 422, error.message)
    : error;

/** Metadata an admission hook cannot change. */
const DELETION_META = ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const;
const PROTECTED_META = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

interface Filter {
  namespace: string | undefined;
  labels: LabelMatcher;
  fields: FieldRequirement[];
  info: KindInfo;
}

export class KubeStore {
  readonly #records: ObjectRecords;
  readonly #kinds = new KindRegistry();
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #gc: GarbageCollector;
  /** The cluster IPs and node ports the stored Services hold. */
  readonly #services: ServiceAllocator;
  /** What admission hooks and controllers read the store through: stored objects, read-only. */
  readonly #reader: StoreReader = this.#sharedReader();
  /**
   * Synchronous access for code running inside the simulator (controllers), as
   * controller-runtime's cached client serves controllers. Reads return the stored objects
   * themselves when asked in their storage version, and writes return the stored result: what
   * it returns must never be changed (copy it first, e.g. by spreading the parts you change).
   * `updateStatus` stores the status it is given as it is, so that must not change afterwards
   * either. Otherwise the rules, admission and errors are those of the asynchronous methods.
   */
  readonly direct: DirectClient = {
    ...this.#reader,
    create: (object) => {
      const { info, apiVersion } = this.#resolve(object);
      const incoming = this.#toStorage(info, object, 'create', this.#fieldValidation);
      const stored = this.#as(true, () => this.#create(info, incoming));
      return this.#shared(info, stored, apiVersion);
    },
    update: (object) => {
      const { info, apiVersion } = this.#resolve(object);
      // An update writes only the top level and the metadata of what it is given: copy those.
      const incoming = this.#inStorageVersion(info, object)
        ? merged(this.#checkedAsStored(info, object), { metadata: merged(object.metadata) })
        : this.#toStorage(info, object, 'main', this.#fieldValidation);
      return this.#shared(
        info,
        this.#as(true, () => this.#replace(info, incoming, 'main')),
        apiVersion,
      );
    },
    delete: (ref) => {
      const { info, apiVersion, last } = this.#as(true, () => this.#deleteNow(ref, {}));
      return this.#shared(info, last, apiVersion);
    },
    updateStatus: (object) => {
      const { info, apiVersion } = this.#resolve(object);
      if (!info.hasStatus) throw kubeErrors.noResource(`${info.plural}/status`);
      // A status write reads the incoming object and keeps its status: no copy needed.
      const incoming = this.#inStorageVersion(info, object)
        ? this.#checkedAsStored(info, object)
        : this.#toStorage(info, object, 'status', this.#fieldValidation);
      return this.#shared(
        info,
        this.#as(true, () => this.#replace(info, incoming, 'status')),
        apiVersion,
      );
    },
  };
  #watches = 0;
  /** Whether the write under way is `direct`'s (see AdmissionContext.privileged). */
  #asPrivileged = false;
  /**
   * Whether the schema of the version the write under way was sent in has CEL rules: the API
   * server validates a request in its version, the store in the storage version (see
   * #validateSchema), and says its rules went unchecked only where the request's had some.
   */
  #requestHasRules = false;
  readonly #fieldValidation: FieldValidation;
  /**
   * `subscribe`'s listeners by kind key, fed by one listener on the record store: a write
   * reaches the few controllers following its kind, not all of them.
   */
  readonly #subscribers = new Map<string, Set<Subscription>>();

  constructor(context: KubeStoreContext, options: KubeStoreOptions = {}) {
    this.#clock = context.clock;
    this.#random = context.random;
    this.#records = new ObjectRecords(options.historySize ?? 1024);
    this.#services = new ServiceAllocator(options.serviceRange);
    this.#fieldValidation = options.fieldValidation ?? 'Warn';
    if (!FIELD_VALIDATIONS.includes(this.#fieldValidation))
      throw new TypeError(
        `fieldValidation must be Ignore, Warn or Strict, not ${String(this.#fieldValidation)}`,
      );
    for (const kind of CORE_KINDS) this.#kinds.register(kind, true);
    const host: GcHost = {
      records: this.#records,
      commit: (before, next) => this.#commit(before, next),
      deleteRecord: (record, policy) => void this.#delete(record, policy),
      isNamespaced: (key) => this.#kinds.byKey(key)?.namespaced,
      resourceOf: (key) => {
        const info = this.#kinds.byKey(key);
        return info ? `${info.plural}.${info.group}` : key;
      },
      now: () => timestamp(this.#clock.now()),
    };
    this.#gc = new GarbageCollector(host);
    // The garbage collector hears of each commit first, before anyone else acts on it.
    this.#records.subscribe((batch) => {
      for (const { before, after } of batch.changes) this.#gc.noteWrite(before, after);
    });
    this.#records.subscribe((batch) => this.#dispatch(batch));
    for (const name of options.namespaces ?? ['default'])
      this.#create(this.#resolve({ apiVersion: 'v1', kind: 'Namespace' }).info, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
  }

  /** Serves another kind (vm-operator's, net-operator's...). */
  registerKind(definition: KindDefinition): KindInfo {
    return this.#kinds.register(definition);
  }

  /** Adds a webhook to a kind served (see KindRegistry.addWebhook): one vm-operator registers on a core kind. */
  addWebhook(group: string, kind: string, admit: AdmitFunction, admitDelete?: AdmitDeleteFunction): void {
    this.#kinds.addWebhook(group, kind, admit, admitDelete);
  }

  /** The kind served at `apiVersion`, if any. */
  kindInfo(apiVersion: string, kind: string): KindInfo | undefined {
    try {
      return this.#kinds.resolve(apiVersion, kind).info;
    } catch {
      return undefined;
    }
  }

  /** What a get of the missing object `name` of a served kind fails with: `<resource> "<name>" not found`. */
  notFoundMessage(apiVersion: string, kind: string, name: string): string {
    return notFoundMessage(subjectOf(this.#kinds.resolve(apiVersion, kind).info, name));
  }

  /** The current resourceVersion of the whole store. */
  get resourceVersion(): string {
    return String(this.#records.version);
  }

  /** Watches and subscriptions not yet ended. */
  get activeWatches(): number {
    return this.#watches;
  }

  async create<T extends KubeObject = KubeObject>(object: NoInfer<T>, options?: WriteOptions): Promise<T> {
    const { info, apiVersion } = this.#resolve(object);
    const incoming = this.#toStorage(info, object, 'create', this.#validation(options));
    const stored = this.#as(false, () => this.#create(info, incoming));
    return this.#present(info, stored, apiVersion) as T;
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    const { info, apiVersion } = this.#resolve(ref);
    const record = this.#find(info, ref);
    return this.#present(info, record.object, apiVersion) as T;
  }

  async list<T extends KubeObject = KubeObject>(options: ListOptions): Promise<KubeList<T>> {
    return this.#list(options) as KubeList<T>;
  }

  async update<T extends KubeObject = KubeObject>(object: NoInfer<T>, options?: WriteOptions): Promise<T> {
    const { info, apiVersion } = this.#resolve(object);
    const incoming = this.#toStorage(info, object, 'main', this.#validation(options));
    return this.#present(
      info,
      this.#as(false, () => this.#replace(info, incoming, 'main')),
      apiVersion,
    ) as T;
  }

  async updateStatus<T extends KubeObject = KubeObject>(
    object: NoInfer<T>,
    options?: WriteOptions,
  ): Promise<T> {
    const { info, apiVersion } = this.#resolve(object);
    if (!info.hasStatus) throw kubeErrors.noResource(`${info.plural}/status`);
    const incoming = this.#toStorage(info, object, 'status', this.#validation(options));
    return this.#present(
      info,
      this.#as(false, () => this.#replace(info, incoming, 'status')),
      apiVersion,
    ) as T;
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    options: PatchOptions,
  ): Promise<T> {
    const { info, apiVersion } = this.#resolve(ref);
    // Options may be missing from an untyped caller: no type is then a bad request, as none is.
    const { subresource, type } = (options ?? {}) as Partial<PatchOptions>;
    if (subresource === 'scale') {
      const scale = this.#scaleSubresource(info);
      const record = this.#find(info, ref);
      const patched = applyPatch(scaleOf(record.object, scale), patch, type as PatchType);
      return this.#scale(info, scale, record, patched) as unknown as T;
    }
    if (subresource !== undefined && (subresource !== 'status' || !info.hasStatus))
      throw kubeErrors.noResource(`${info.plural}/${String(subresource)}`);
    const record = this.#find(info, ref);
    const current = this.#present(info, record.object, apiVersion);
    const patched = applyPatch(current, patch, type as PatchType);
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata))
      throw kubeErrors.badRequest('the patched object is not a Kubernetes object');
    const result = patched as KubeObject;
    if (result.apiVersion !== apiVersion || result.kind !== info.kind)
      throw kubeErrors.badRequest('a patch cannot change the apiVersion or kind of an object');
    if (result.metadata.name !== record.name)
      throw kubeErrors.badRequest(
        `the name of the object (${String(result.metadata.name)}) does not match the name on the URL (${record.name})`,
      );
    if (info.namespaced && result.metadata.namespace !== record.namespace)
      throw kubeErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    const mode = subresource === 'status' ? 'status' : 'main';
    const incoming = this.#toStorage(info, result, mode, this.#validation(options));
    return this.#present(
      info,
      this.#as(false, () => this.#update(info, record, incoming, mode)),
      apiVersion,
    ) as T;
  }

  /** The Scale (autoscaling/v1) of an object whose kind has a `scale` subresource (a VirtualMachineReplicaSet). */
  async getScale(ref: ObjectRef): Promise<Scale> {
    const { info } = this.#resolve(ref);
    const scale = this.#scaleSubresource(info);
    return scaleOf(this.#find(info, ref).object, scale);
  }

  /**
   * Sets an object's desired replicas from a Scale, as `kubectl scale` does: under the Scale's
   * resourceVersion when it names one, else whatever the object's is. The kind's admission is
   * not asked (webhooks register for the resource, not its `scale`); the API server's checks
   * of the object are. Returns the new Scale.
   */
  async updateScale(ref: ObjectRef, scale: Scale): Promise<Scale> {
    const { info } = this.#resolve(ref);
    const subresource = this.#scaleSubresource(info);
    return this.#scale(info, subresource, this.#find(info, ref), scale);
  }

  /**
   * Deletes an object. It goes at once when nothing holds it; with finalizers (or the
   * Foreground/Orphan policies, which add theirs) it gets a deletionTimestamp and stays
   * until they are removed. Returns the object's last state.
   */
  async delete<T extends KubeObject = KubeObject>(ref: ObjectRef, options: DeleteOptions = {}): Promise<T> {
    const { info, apiVersion, last } = this.#deleteNow(ref, options);
    return this.#present(info, last, apiVersion) as T;
  }

  /** A delete (see `delete`), done at once: the kind, the version asked for and the object's last state. */
  #deleteNow(ref: ObjectRef, options: DeleteOptions) {
    const { info, apiVersion } = this.#resolve(ref);
    const record = this.#find(info, ref);
    const policy = options.propagationPolicy ?? 'Background';
    if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan')
      throw kubeErrors.badRequest(`propagationPolicy: Unsupported value: "${String(policy)}"`);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== record.object.metadata.uid)
      throw kubeErrors.conflict(
        subjectOf(info, record.name),
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${record.object.metadata.uid}`,
      );
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== record.object.metadata.resourceVersion)
      throw kubeErrors.conflict(
        subjectOf(info, record.name),
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${record.object.metadata.resourceVersion}`,
      );
    if (info.key === NAMESPACE_KEY && PROTECTED_NAMESPACES.has(record.name))
      throw kubeErrors.forbidden(subjectOf(info, record.name), 'this namespace may not be deleted');
    try {
      info.admitDelete?.(record.object, { privileged: this.#asPrivileged });
    } catch (error) {
      throw answerOf(error);
    }
    const last = this.#delete(record, policy);
    this.#gc.drain();
    return { info, apiVersion, last };
  }

  /**
   * Watches one kind. Errors in the options throw at once; a resourceVersion older than the
   * history yields one ERROR event (a Status with code 410, reason Expired) and ends, as
   * the API server's watch stream does. One the store has not reached yet opens a watch of the
   * changes after it, as the API server's watch cache does for a client that waits for events.
   */
  watch<T extends KubeObject = KubeObject>(options: WatchOptions): Watch<T> {
    const { info, apiVersion } = this.#resolve(options);
    const filter = this.#filter(info, options);
    const watchList = options.sendInitialEvents === true;
    if (watchList && !options.allowWatchBookmarks)
      throw kubeErrors.invalid(
        { group: 'meta.k8s.io', resource: 'listoptions', kind: 'ListOptions', name: '' },
        [
          {
            field: 'allowWatchBookmarks',
            message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true',
            reason: 'FieldValueForbidden',
          },
        ],
      );
    const from = options.resourceVersion;
    let since: number | undefined;
    if (from !== undefined && from !== '' && from !== '0') {
      if (!/^[0-9]+$/.test(from)) throw kubeErrors.badRequest(`invalid resource version: ${from}`);
      since = Number(from);
    }
    let unsubscribe: (() => void) | undefined;
    const queue = new WatchQueue<T>(() => {
      unsubscribe?.();
      unsubscribe = undefined;
      this.#watches--;
    });
    this.#watches++;
    const present = (object: KubeObject, rv?: number) => {
      const out = this.#present(info, object, apiVersion) as T;
      if (rv !== undefined) out.metadata.resourceVersion = String(rv);
      return out;
    };
    const bookmark = (initialEnd: boolean) => {
      if (!options.allowWatchBookmarks) return;
      queue.push({
        type: 'BOOKMARK',
        object: {
          apiVersion,
          kind: info.kind,
          metadata: {
            resourceVersion: this.resourceVersion,
            ...(initialEnd ? { annotations: { [INITIAL_EVENTS_END]: 'true' } } : {}),
          },
        },
      });
    };
    let seen = since ?? this.#records.version;
    const onBatch = (batch: Batch<KubeRecord>) => {
      if (batch.version <= seen) return;
      seen = batch.version;
      for (const change of batch.changes) {
        const event = this.#eventOf(change, batch.version, filter, present);
        if (event) queue.push(event);
      }
    };
    if (since === undefined || watchList) {
      for (const record of this.#matching(filter))
        queue.push({ type: 'ADDED', object: present(record.object) });
      seen = this.#records.version;
      bookmark(watchList);
    } else if (since < this.#records.version) {
      const history = this.#records.changesSince(since);
      if (!history) {
        queue.push({ type: 'ERROR', object: this.#tooOld(since).status });
        queue.finish();
        return queue;
      }
      for (const batch of history) onBatch(batch);
      bookmark(false);
    } else bookmark(false);
    unsubscribe = this.#records.subscribe(onBatch);
    return queue;
  }

  /**
   * Follows one kind synchronously: `listener` hears an ADDED event for every existing object
   * at once, then every change as it is committed, with the stored object itself (never to be
   * changed, as with `direct`). What controllers are fed from; `watch` is for clients.
   */
  subscribe(options: SubscribeOptions, listener: (event: CacheEvent) => void): () => void {
    const { info, apiVersion } = this.#resolve(options);
    const filter = this.#filter(info, options);
    const view = (object: KubeObject) => this.#shared(info, object, apiVersion);
    for (const record of this.#matching(filter)) listener({ type: 'ADDED', object: view(record.object) });
    let subscriptions = this.#subscribers.get(info.key);
    if (!subscriptions) {
      subscriptions = new Set();
      this.#subscribers.set(info.key, subscriptions);
    }
    const whole =
      options.namespace === undefined &&
      options.labelSelector === undefined &&
      apiVersion === info.storageApiVersion;
    const subscription: Subscription = whole
      ? { whole, listener }
      : {
          whole,
          hear: (change) => {
            const type = this.#eventType(change, filter);
            if (type) listener(cacheEvent(type, change, view));
          },
        };
    subscriptions.add(subscription);
    this.#watches++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#watches--;
      subscriptions.delete(subscription);
    };
  }

  /** Hands each change of a batch to the subscribers of its kind only, in the order they subscribed. */
  #dispatch(batch: Batch<KubeRecord>): void {
    for (const change of batch.changes) {
      const kind = (change.after ?? (change.before as KubeRecord)).kind;
      const subscriptions = this.#subscribers.get(kind);
      if (!subscriptions) continue;
      // Like a shared informer's: one event for all who follow every object of the kind as stored.
      let shared: CacheEvent | undefined;
      for (const subscription of subscriptions) {
        if (!subscription.whole) {
          subscription.hear(change);
          continue;
        }
        shared ??= cacheEvent(
          change.before === undefined ? 'ADDED' : change.after === undefined ? 'DELETED' : 'MODIFIED',
          change,
          stored,
        );
        subscription.listener(shared);
      }
    }
  }

  /** Hears every committed write (of any kind), after it is applied. */
  onWrite(listener: () => void): () => void {
    return this.#records.subscribe(() => listener());
  }

  // --- internals -------------------------------------------------------------------

  #sharedReader(): StoreReader {
    return {
      get: (ref) => {
        const { info } = this.#resolve(ref);
        const namespace = info.namespaced ? (ref.namespace ?? '') : '';
        const record = this.#records.get(info.key, namespace, ref.name);
        return record ? this.#shared(info, record.object, ref.apiVersion) : undefined;
      },
      list: (apiVersion, kind, namespace) => {
        const { info } = this.#kinds.resolve(apiVersion, kind);
        // Controllers list on many writes, mostly kinds with few objects: no filter to build.
        const records: KubeRecord[] = [];
        if (info.namespaced && namespace) {
          const named = this.#records.inNamespace(info.key, namespace);
          // Most such lists are empty (a namespace's services, on each write of its VMs).
          if (!named) return NO_OBJECTS;
          for (const record of named.values()) records.push(record);
        } else for (const record of this.#records.ofKind(info.key)) records.push(record);
        if (records.length > 1) records.sort(compareRecords);
        const out: KubeObject[] = new Array(records.length);
        for (let i = 0; i < records.length; i++)
          out[i] = this.#shared(info, (records[i] as KubeRecord).object, apiVersion);
        return out;
      },
    };
  }

  #inStorageVersion(info: KindInfo, object: KubeObject): boolean {
    return object.apiVersion === info.storageApiVersion;
  }

  /** The stored object itself in its storage version, else a converted copy. */
  #shared(info: KindInfo, stored: KubeObject, apiVersion: string): KubeObject {
    return stored.apiVersion === apiVersion ? stored : this.#present(info, stored, apiVersion);
  }

  #resolve(ref: { apiVersion?: unknown; kind?: unknown }): { info: KindInfo; apiVersion: string } {
    if (!isPlainObject(ref)) throw kubeErrors.badRequest('expected an object');
    const { info } = this.#kinds.resolve(ref.apiVersion, ref.kind);
    return { info, apiVersion: ref.apiVersion as string };
  }

  #find(info: KindInfo, ref: { name?: unknown; namespace?: unknown }): KubeRecord {
    if (typeof ref.name !== 'string' || ref.name === '')
      throw kubeErrors.badRequest(`resource name may not be empty`);
    const namespace = this.#namespaceOf(info, ref.namespace);
    const record = this.#records.get(info.key, namespace, ref.name);
    if (!record) throw kubeErrors.notFound(subjectOf(info, ref.name));
    return record;
  }

  #namespaceOf(info: KindInfo, namespace: unknown): string {
    if (!info.namespaced) return '';
    if (typeof namespace !== 'string' || namespace === '')
      throw kubeErrors.badRequest(`a namespace is required for ${info.plural}`);
    return namespace;
  }

  /** The object sent for a write (`write`: what the write keeps of it) in the storage version. */
  #toStorage(
    info: KindInfo,
    sent: KubeObject,
    write: StructurePart,
    validation: FieldValidation,
  ): KubeObject {
    if (!isPlainObject(sent.metadata)) throw kubeErrors.badRequest('Object has no metadata');
    const { version } = parseApiVersion(sent.apiVersion);
    const shape = info.shapes[version] as ShapeNode;
    this.#requestHasRules = shape.constraints?.rules === true;
    if (validation === 'Strict') this.#refuseUndeclared(info, version, shape, sent);
    const object = shapedObject(shape, sent);
    let nulls = checkStructure(info, object, write, true);
    if (write !== 'status' && info.constrainedAsSent?.includes(version)) {
      const refused = constraintCauses(info, object, write, undefined);
      if (refused.length > 0) throw kubeErrors.invalid(subjectOf(info, object.metadata.name), refused);
    }
    let stored = this.#converted(info, object, info.storageApiVersion, false);
    // Read back from storage, it gets the storage version's defaults too.
    if (version !== info.storageVersion)
      stored = defaultedObject(info.shapes[info.storageVersion] as ShapeNode, stored);
    // A conversion may bring back what the object sent does not show (vm-operator's annotation):
    // held to the storage version's types, as decoding it into them would be.
    if (info.convert && object.apiVersion !== info.storageApiVersion)
      try {
        nulls = checkStructure(info, stored, write) || nulls;
      } catch (error) {
        if (!isKubeError(error)) throw error;
        throw kubeErrors.conversionFailed(object.apiVersion, info.kind, error.message);
      }
    if (nulls) dropNulls(info, stored, write);
    return stored;
  }

  /**
   * Refuses an object with fields its version does not declare, in the strict decoder's words
   * (`VirtualMachine in version "v1alpha5" cannot be handled as a VirtualMachine: strict decoding
   * error: unknown field "spec.powerstate"`).
   */
  #refuseUndeclared(info: KindInfo, version: string, declared: ShapeNode, sent: KubeObject): void {
    const unknown = undeclaredFields(declared, sent);
    if (unknown.length > 0)
      throw kubeErrors.badRequest(
        `${info.kind} in version "${version}" cannot be handled as a ${info.kind}: strict decoding error: ${unknown
          .map((field) => `unknown field "${field}"`)
          .join(', ')}`,
      );
  }

  /** `direct`'s object in the storage version, taken as it is, refused under strict field validation. */
  #checkedAsStored(info: KindInfo, object: KubeObject): KubeObject {
    if (this.#fieldValidation === 'Strict')
      this.#refuseUndeclared(
        info,
        info.storageVersion,
        info.shapes[info.storageVersion] as ShapeNode,
        object,
      );
    return object;
  }

  /** The field validation a write asks for, or the store's. */
  #validation(options: WriteOptions | undefined): FieldValidation {
    const asked = options?.fieldValidation;
    if (asked === undefined) return this.#fieldValidation;
    if (!FIELD_VALIDATIONS.includes(asked))
      throw kubeErrors.badRequest(
        `fieldValidation must be one of Ignore, Warn or Strict, not ${JSON.stringify(asked)}`,
      );
    return asked;
  }

  /** A copy of a stored object (one that never changes) in `apiVersion`. */
  #present(info: KindInfo, object: KubeObject, apiVersion: string): KubeObject {
    return this.#converted(info, object, apiVersion, true);
  }

  /**
   * A copy of `object` in `apiVersion`; a kind's conversion makes a new object itself, and may
   * leave work for later on a `stored` object, which never changes.
   */
  #converted(info: KindInfo, object: KubeObject, apiVersion: string, stored: boolean): KubeObject {
    if (object.apiVersion === apiVersion || !info.convert) {
      const copy = clone(object);
      copy.apiVersion = apiVersion;
      return copy;
    }
    return info.convert(object, apiVersion, stored);
  }

  /**
   * Runs a write as a privileged account's (`direct`'s) or a user's: whoever writes, even from
   * a listener called while another's write commits.
   */
  #as<T>(privileged: boolean, write: () => T): T {
    const was = this.#asPrivileged;
    this.#asPrivileged = privileged;
    try {
      return write();
    } finally {
      this.#asPrivileged = was;
    }
  }

  #scaleSubresource(info: KindInfo): ScaleSubresource {
    if (!info.scale) throw kubeErrors.noResource(`${info.plural}/scale`);
    return info.scale;
  }

  #scale(info: KindInfo, subresource: ScaleSubresource, record: KubeRecord, body: unknown): Scale {
    const next = scaled(record.object, subresource, body);
    this.#requestHasRules = info.shapes[info.storageVersion]?.constraints?.rules === true;
    return scaleOf(
      this.#as(false, () => this.#update(info, record, next, 'scale')),
      subresource,
    );
  }

  /** Updates the object `incoming` names (in its storage version); the stored result. */
  #replace(info: KindInfo, incoming: KubeObject, mode: 'main' | 'status'): KubeObject {
    const record = this.#find(info, { name: incoming.metadata.name, namespace: incoming.metadata.namespace });
    return this.#update(info, record, incoming, mode);
  }

  /** Creates the object (taking `obj`, in its storage version, as the new state); the stored result. */
  #create(info: KindInfo, obj: KubeObject): KubeObject {
    const meta = obj.metadata;
    // The API server's storage refuses a version (one it cannot read as a number it drops), as
    // client code that creates what it read finds out.
    if (
      typeof meta.resourceVersion === 'string' &&
      /^\d+$/.test(meta.resourceVersion) &&
      Number(meta.resourceVersion) > 0
    )
      throw kubeErrors.internal('resourceVersion should not be set on objects to be created');
    for (const field of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'])
      dropField(meta, field);
    const subject = subjectOf(info, typeof meta.name === 'string' ? meta.name : undefined);
    if (info.namespaced) {
      const namespace = meta.namespace;
      if (typeof namespace !== 'string' || namespace === '')
        throw kubeErrors.invalid(subject, [
          { field: 'metadata.namespace', message: 'Required value', reason: 'FieldValueRequired' },
        ]);
      const ns = this.#records.get(NAMESPACE_KEY, '', namespace);
      if (!ns)
        throw kubeErrors.notFound({ group: '', resource: 'namespaces', kind: 'Namespace', name: namespace });
      if (ns.object.metadata.deletionTimestamp) throw kubeErrors.namespaceTerminating(subject, namespace);
    } else delete meta.namespace;
    const generated = (meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string';
    if (generated) meta.name = this.#generateName(info, meta.generateName as string, meta.namespace ?? '');
    if (typeof meta.name !== 'string' || meta.name === '')
      throw kubeErrors.invalid(subject, [
        {
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
          reason: 'FieldValueRequired',
        },
      ]);
    const name = meta.name;
    dropDuplicateOwners(meta);
    this.#validate(info, obj, name);
    meta.uid = this.#random.uuid();
    meta.creationTimestamp = timestamp(this.#clock.now());
    if (!info.builtIn) meta.generation = 1;
    else dropField(meta, 'generation');
    if (info.hasStatus) dropField(obj, 'status');
    info.defaults?.(obj);
    if (info.key === SERVICE_KEY) this.#services.allocate(obj, undefined);
    this.#checkRules(info, obj, undefined);
    if (info.key === NAMESPACE_KEY) {
      // The API server's create always requires the content's cleanup, whatever finalizers are sent.
      const spec = isPlainObject(obj.spec) ? obj.spec : {};
      const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
      if (!finalizers.includes(NAMESPACE_FINALIZER)) spec.finalizers = [...finalizers, NAMESPACE_FINALIZER];
      obj.spec = spec;
      obj.status = { phase: 'Active' };
    }
    const admitted = this.#admit(info, 'CREATE', obj, undefined);
    // Validation and admission come before storage, which finds the name taken.
    if (this.#records.get(info.key, meta.namespace ?? '', name))
      throw kubeErrors.alreadyExists(subjectOf(info, name));
    const stored = this.#write(undefined, recordId(info.key, meta.namespace ?? '', name), info, admitted);
    this.#gc.drain();
    return stored;
  }

  #generateName(info: KindInfo, prefix: string, namespace: string): string {
    // Like the API server, the prefix is cut so that the name stays valid.
    const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
    let name = base;
    for (let attempt = 0; attempt < 8; attempt++) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[this.#random.below(SUFFIX_ALPHABET.length)];
      name = base + suffix;
      if (!this.#records.get(info.key, namespace, name)) return name;
    }
    throw kubeErrors.generateNameConflict(subjectOf(info, name));
  }

  /**
   * Checks the metadata the API server validates. On an update, `stored` is the object as
   * stored: its name was checked when it was created, and a part the update keeps (the very
   * same value) was checked when it was written.
   */
  #validate(info: KindInfo, obj: KubeObject, name: string, stored?: KubeObject): void {
    const causes: { field: string; message: string; reason?: string }[] = [];
    const kept = stored?.metadata;
    // A prefix is held to the name's rules but for a trailing dash (Go's maskTrailingDash).
    const prefix = kept ? undefined : obj.metadata.generateName;
    const prefixProblem =
      typeof prefix === 'string' && prefix !== ''
        ? nameProblem(
            prefix.length > 1 && prefix.endsWith('-') ? `${prefix.slice(0, -2)}a` : prefix,
            info.names,
          )
        : undefined;
    if (prefixProblem)
      causes.push({
        field: 'metadata.generateName',
        message: `Invalid value: "${prefix}": ${prefixProblem}`,
      });
    const problem = kept ? undefined : nameProblem(name, info.names);
    if (problem) causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": ${problem}` });
    if (obj.metadata.labels !== kept?.labels)
      for (const [field, message] of labelProblems(obj.metadata.labels)) causes.push({ field, message });
    if (obj.metadata.annotations !== kept?.annotations)
      for (const [field, message] of annotationProblems(obj.metadata.annotations))
        causes.push({ field, message });
    if (obj.metadata.finalizers !== kept?.finalizers)
      for (const [field, message] of finalizerProblems(obj.metadata.finalizers))
        causes.push({ field, message });
    const owners = obj.metadata.ownerReferences;
    if (owners !== undefined && owners !== kept?.ownerReferences) {
      if (!Array.isArray(owners))
        causes.push({ field: 'metadata.ownerReferences', message: 'Invalid value: must be a list' });
      else {
        // As ValidateOwnerReferences: the path not indexed, the version read as a GroupVersion.
        for (const ref of owners) {
          const value = (f: 'apiVersion' | 'kind' | 'name' | 'uid') =>
            isPlainObject(ref) ? String(ref[f] ?? '') : '';
          const { version } = parseApiVersion(value('apiVersion'));
          const problems = [
            // A group version of more than two parts is none.
            ['apiVersion', version.includes('/') ? '' : version, 'version'],
            ['kind', value('kind'), 'kind'],
            ['name', value('name'), 'name'],
            ['uid', value('uid'), 'uid'],
          ] as const;
          for (const [f, checked, what] of problems)
            if (checked === '')
              causes.push({
                field: `metadata.ownerReferences.${f}`,
                message: `Invalid value: ${JSON.stringify(value(f))}: ${what} must not be empty`,
              });
        }
        if (owners.filter((r) => isPlainObject(r) && r.controller === true).length > 1)
          causes.push({
            field: 'metadata.ownerReferences',
            message: 'Invalid value: Only one reference can have Controller set to true',
          });
      }
    }
    if (causes.length > 0) throw kubeErrors.invalid(subjectOf(info, name), causes);
  }

  /**
   * A built-in kind's rules beyond its types (its `validate`), before its admission; a custom
   * resource's come with its schema's (see #validateSchema).
   */
  #checkRules(info: KindInfo, object: KubeObject, old: KubeObject | undefined): void {
    if (!info.builtIn) return;
    const refused = info.validate?.(object, old) ?? [];
    if (refused.length > 0)
      throw kubeErrors.invalid(subjectOf(info, object.metadata.name as string), refused);
  }

  /**
   * The API server's validation of a custom resource's object as its mutating webhooks leave it,
   * before its validating ones: its schema's constraints (those an update leaves as they were
   * aside), the scale subresource's replicas, then its CEL rules (`validate`, those the simulator
   * has), which it does not run on an object that breaks the constraints that block them, and
   * says so. A privileged write (`direct`'s: the controllers write what vm-operator's do) is held
   * to its replicas and rules alone. A built-in kind's rules are checked before its admission
   * (see #checkRules).
   */
  #validateSchema(
    info: KindInfo,
    object: KubeObject,
    write: StructurePart,
    old: KubeObject | undefined,
  ): void {
    if (info.builtIn) return;
    const causes = this.#asPrivileged ? [] : constraintCauses(info, object, write, old);
    if (info.scale) {
      const path = write === 'status' ? info.scale.statusReplicasPath : info.scale.specReplicasPath;
      for (const cause of replicasProblems(object, path)) causes.push(cause);
    }
    const blocked = causes.some(blocksRules);
    if (blocked && this.#requestHasRules) causes.push(RULES_NOT_CHECKED);
    else if (!blocked && write !== 'status' && info.validate)
      for (const cause of info.validate(object, old)) causes.push(cause);
    if (causes.length > 0) throw kubeErrors.invalid(subjectOf(info, object.metadata.name as string), causes);
  }

  /**
   * Runs the kind's admission hook on an object about to be written, the schema's validation
   * between its webhooks. What the store owns (apiVersion, kind, identity and bookkeeping
   * metadata, a status subresource) stays as it was; labels, annotations and the rest are
   * checked again after the hook.
   */
  #admit(info: KindInfo, operation: AdmissionOperation, object: KubeObject, old: KubeObject | undefined) {
    const admit = info.admit;
    const write = operation === 'CREATE' ? 'create' : 'main';
    if (!admit) {
      this.#validateSchema(info, object, write, old);
      return object;
    }
    const meta = object.metadata;
    const kept = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      status: object.status,
      meta: mapped(PROTECTED_META, (field) => meta[field]),
    };
    // The object last validated: a hook's webhooks may each ask for the same one.
    let validated: KubeObject | undefined;
    const validateSchema = (mutated: KubeObject) => {
      if (mutated === validated) return;
      validated = mutated;
      this.#validateSchema(info, mutated, write, old);
    };
    let result: KubeObject;
    try {
      result =
        admit(operation, object, old, {
          random: this.#random,
          reader: this.#reader,
          clock: this.#clock,
          privileged: this.#asPrivileged,
          validateSchema,
        }) ?? object;
      if (validated !== result) validateSchema(result);
    } catch (error) {
      throw answerOf(error);
    }
    if (!isPlainObject(result) || !isPlainObject(result.metadata))
      throw new Error(`the admission of ${info.kind} returned no object`);
    if (result !== object) result = clone(result);
    result.apiVersion = kept.apiVersion;
    result.kind = kept.kind;
    for (let i = 0; i < PROTECTED_META.length; i++) {
      const field = PROTECTED_META[i] as (typeof PROTECTED_META)[number];
      const value = kept.meta[i];
      // Set only what the hook changed: a write, even of the same value, may reshape the object.
      if (value === undefined) dropField(result.metadata, field);
      else if (result.metadata[field] !== value) result.metadata[field] = value as never;
    }
    if (info.hasStatus) {
      if (kept.status === undefined) delete result.status;
      else result.status = kept.status;
    }
    this.#validate(info, result, result.metadata.name as string, old);
    return result;
  }

  /**
   * The update rules shared by update, updateStatus, patch and the scale subresource:
   * resourceVersion and uid preconditions, the status subresource, generation, finalizers of a
   * deleting object. A `'scale'` write is a main one without admission.
   */
  #update(
    info: KindInfo,
    record: KubeRecord,
    incoming: KubeObject,
    mode: 'main' | 'status' | 'scale',
  ): KubeObject {
    const existing = record.object;
    const subject = () => subjectOf(info, record.name);
    const inMeta = incoming.metadata;
    // "0" parses as no version at all, as the API server reads it.
    const unconditional =
      inMeta.resourceVersion === undefined || inMeta.resourceVersion === '' || inMeta.resourceVersion === '0';
    // The registry names the kind by its resource here (`widgets.example.com "w" is invalid`).
    if (unconditional && !info.builtIn)
      throw kubeErrors.invalid({ ...subject(), kind: info.plural }, [
        {
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
          reason: 'FieldValueInvalid',
        },
      ]);
    if (!unconditional && inMeta.resourceVersion !== existing.metadata.resourceVersion)
      throw kubeErrors.conflict(subject());
    if (inMeta.uid !== undefined && inMeta.uid !== '' && inMeta.uid !== existing.metadata.uid)
      throw kubeErrors.conflict(
        subject(),
        `Precondition failed: UID in precondition: ${inMeta.uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    let next: KubeObject;
    if (mode === 'status') {
      // Stored objects are never changed in place, so the new state may share the old spec.
      next = merged(existing, { metadata: merged(existing.metadata) });
      if (incoming.status === undefined) dropField(next, 'status');
      else next.status = incoming.status;
      // The API server defaults whatever it decodes, a status too (a claim's phase).
      info.defaults?.(next);
      this.#validateSchema(info, next, 'status', existing);
    } else {
      next = incoming;
      const meta = next.metadata;
      const old = existing.metadata;
      // Only a deletion marks an object deleting: an update that would is refused (one that
      // changes or drops the marks of a deleting object keeps them, as below).
      for (const field of DELETION_META)
        if (old[field] === undefined && meta[field] !== undefined && meta[field] !== null)
          throw kubeErrors.invalid(subject(), [
            {
              field: `metadata.${field}`,
              message: `Invalid value: ${JSON.stringify(meta[field])}: field is immutable; may only be changed via deletion`,
            },
          ]);
      for (const field of SERVER_META) {
        if (old[field] === undefined) dropField(meta, field);
        else meta[field] = old[field] as never;
      }
      if (info.hasStatus) {
        if (existing.status === undefined) dropField(next, 'status');
        else next.status = existing.status;
      }
      dropDuplicateOwners(meta);
      this.#validate(info, next, record.name, existing);
      info.defaults?.(next);
      if (info.key === SERVICE_KEY) this.#services.allocate(next, existing);
      this.#checkRules(info, next, existing);
      if (existing.metadata.deletionTimestamp) {
        const had = new Set(existing.metadata.finalizers ?? []);
        const added = (next.metadata.finalizers ?? []).filter((f) => !had.has(f));
        if (added.length > 0)
          throw kubeErrors.invalid(subject(), [
            {
              field: 'metadata.finalizers',
              message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added
                .map((f) => JSON.stringify(f))
                .join(', ')}}`,
              reason: 'FieldValueForbidden',
            },
          ]);
      }
      if (info.key === NAMESPACE_KEY) next.spec = clone(existing.spec);
      if (mode === 'main') next = this.#admit(info, 'UPDATE', next, existing);
      // A Scale's write has no admission, but the schema's validation all the same.
      else this.#validateSchema(info, next, 'main', existing);
    }
    next.metadata.resourceVersion = existing.metadata.resourceVersion as string;
    if (!info.builtIn)
      next.metadata.generation =
        (existing.metadata.generation ?? 1) + (specChanged(existing, next, info.hasStatus) ? 1 : 0);
    else dropField(next.metadata, 'generation');
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    if (next.metadata.ownerReferences?.length === 0) delete next.metadata.ownerReferences;
    const result = this.#commit(record, next);
    this.#gc.drain();
    return result;
  }

  /** Writes a new state of a record; a deleting object left without finalizers goes. */
  #commit(record: KubeRecord, next: KubeObject): KubeObject {
    const meta = next.metadata;
    const specFinalizers = (next.spec as { finalizers?: unknown[] } | undefined)?.finalizers;
    const held =
      (meta.finalizers?.length ?? 0) > 0 ||
      (record.kind === NAMESPACE_KEY && (specFinalizers?.length ?? 0) > 0);
    if (meta.deletionTimestamp && !held) {
      this.#write(record, record.id, undefined, null);
      return next;
    }
    if (sameButVersion(next, record.object)) return record.object;
    const info = this.#kinds.byKey(record.kind) as KindInfo;
    return this.#write(record, record.id, info, next);
  }

  /** Deletes per the propagation policy; returns the last state of the object. */
  #delete(record: KubeRecord, policy: PropagationPolicy): KubeObject {
    const next = clone(record.object);
    const meta = next.metadata;
    const finalizers = (meta.finalizers ?? []).filter(
      (f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER,
    );
    const hadGc = (meta.finalizers ?? []).filter((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);
    if (record.kind !== NAMESPACE_KEY) {
      if (policy === 'Orphan') finalizers.push(ORPHAN_FINALIZER);
      else if (policy === 'Foreground') finalizers.push(FOREGROUND_FINALIZER);
      else if (meta.deletionTimestamp) finalizers.push(...hadGc);
    }
    meta.finalizers = finalizers;
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = timestamp(this.#clock.now());
      meta.deletionGracePeriodSeconds = 0;
      if (meta.generation !== undefined) meta.generation += 1;
      if (record.kind === NAMESPACE_KEY)
        next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
    }
    return this.#commit(record, next);
  }

  /** One batch per write, so the new resourceVersion is the store's next version. */
  #write(
    before: KubeRecord | undefined,
    id: string,
    info: KindInfo | undefined,
    object: KubeObject | null,
  ): KubeObject {
    const rv = this.#records.version + 1;
    // Held before anyone hears of the write (a listener may write another Service).
    if ((object === null ? before?.kind : (info as KindInfo).key) === SERVICE_KEY)
      this.#services.committed(before?.object, object ?? undefined);
    if (object === null) this.#records.remove(before as KubeRecord);
    else {
      dropEmptyMetadata(object.metadata, before?.object.metadata);
      object.metadata.resourceVersion = String(rv);
      this.#records.put({
        id,
        kind: (info as KindInfo).key,
        namespace: object.metadata.namespace ?? '',
        name: object.metadata.name as string,
        object,
      });
    }
    if (this.#records.version !== rv) throw new Error('a write must commit exactly one version');
    return object ?? (before as KubeRecord).object;
  }

  #filter(
    info: KindInfo,
    options: { namespace?: string; labelSelector?: string | LabelSelector; fieldSelector?: string },
  ): Filter {
    // What a client in this process sends may be of any type; over HTTP these are query strings.
    const { labelSelector, fieldSelector, namespace: asked } = options as Record<string, unknown>;
    if (labelSelector !== undefined && typeof labelSelector !== 'string' && !isPlainObject(labelSelector))
      throw kubeErrors.badRequest(
        `labelSelector: Invalid value: ${JSON.stringify(labelSelector)}: must be a string or a LabelSelector`,
      );
    for (const [name, value] of [
      ['fieldSelector', fieldSelector],
      ['namespace', asked],
    ] as const)
      if (value !== undefined && typeof value !== 'string')
        throw kubeErrors.badRequest(`${name}: Invalid value: ${JSON.stringify(value)}: must be a string`);
    const labels =
      options.labelSelector === undefined
        ? parseLabelSelector('')
        : typeof options.labelSelector === 'string'
          ? parseLabelSelector(options.labelSelector)
          : labelSelectorMatcher(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector ?? '');
    // A cluster-scoped kind has no namespace to select by.
    for (const f of fields)
      if (
        f.field !== 'metadata.name' &&
        (f.field !== 'metadata.namespace' || !info.namespaced) &&
        !(f.field in info.selectableFields)
      )
        throw kubeErrors.badRequest(`field label not supported: ${f.field}`);
    const namespace = info.namespaced && options.namespace ? options.namespace : undefined;
    return { namespace, labels, fields, info };
  }

  #matches(filter: Filter, record: KubeRecord): boolean {
    if (filter.namespace !== undefined && record.namespace !== filter.namespace) return false;
    if (!filter.labels.matches(record.object.metadata.labels)) return false;
    if (filter.fields.length === 0) return true;
    return fieldsMatch(filter.fields, (field) => {
      if (field === 'metadata.name') return record.name;
      if (field === 'metadata.namespace') return record.namespace;
      return filter.info.selectableFields[field]?.(record.object);
    });
  }

  #matching(filter: Filter): KubeRecord[] {
    const out: KubeRecord[] = [];
    for (const record of this.#records.ofKind(filter.info.key))
      if (this.#matches(filter, record)) out.push(record);
    return out.sort(compareRecords);
  }

  #tooOld(rv: number): KubeError {
    return kubeErrors.gone(`too old resource version: ${rv} (${this.#oldestVersion()})`);
  }

  /** The oldest version the history can still replay from. */
  #oldestVersion(): number {
    let low = 0;
    let high = this.#records.version;
    // changesSince(v) succeeds for every v from the horizon up: find the horizon.
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (this.#records.changesSince(mid)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** The records of one kind as they were at version `rv`; undefined when that history is gone. */
  #snapshot(filter: Filter, rv: number): KubeRecord[] | undefined {
    if (rv >= this.#records.version) return this.#matching(filter);
    const history = this.#records.changesSince(rv);
    if (!history) return undefined;
    const state = new Map<string, KubeRecord>();
    for (const record of this.#records.ofKind(filter.info.key)) state.set(record.id, record);
    for (let i = history.length - 1; i >= 0; i--) {
      const changes = (history[i] as Batch<KubeRecord>).changes;
      for (let j = changes.length - 1; j >= 0; j--) {
        const change = changes[j] as Change<KubeRecord>;
        const record = change.after ?? change.before;
        if (record?.kind !== filter.info.key) continue;
        if (change.before) state.set(change.id, change.before);
        else state.delete(change.id);
      }
    }
    return [...state.values()].filter((r) => this.#matches(filter, r)).sort(compareRecords);
  }

  #list(options: ListOptions): KubeList {
    const { info, apiVersion } = this.#resolve(options);
    const filter = this.#filter(info, options);
    const limit = options.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
      throw kubeErrors.badRequest(`limit: Invalid value: ${limit}: must be a non-negative integer`);
    let rv = this.#records.version;
    let items: KubeRecord[];
    if (options.continue) {
      const token = decodeContinue(options.continue);
      // A token of version 0 goes on from the latest state (the API server's inconsistent continue).
      if (token.rv > 0) rv = token.rv;
      const snapshot = this.#snapshot(filter, rv);
      if (!snapshot) throw kubeErrors.continueExpired(encodeContinue({ ...token, rv: 0 }));
      items = snapshot.filter((r) => compareRecords(r, token) > 0);
    } else items = this.#matching(filter);
    let next: string | undefined;
    let remaining: number | undefined;
    if (limit && items.length > limit) {
      const last = items[limit - 1] as KubeRecord;
      next = encodeContinue({ rv, namespace: last.namespace, name: last.name });
      if (!options.labelSelector && !options.fieldSelector) remaining = items.length - limit;
      items = items.slice(0, limit);
    }
    return {
      apiVersion,
      kind: `${info.kind}List`,
      metadata: {
        resourceVersion: String(rv),
        ...(next !== undefined ? { continue: next } : {}),
        ...(remaining !== undefined ? { remainingItemCount: remaining } : {}),
      },
      items: items.map((r) => this.#present(info, r.object, apiVersion)),
    };
  }

  #eventOf<T extends KubeObject>(
    change: Change<KubeRecord>,
    version: number,
    filter: Filter,
    present: (object: KubeObject, rv?: number) => T,
  ): WatchEvent<T> | undefined {
    const type = this.#eventType(change, filter);
    if (type === undefined) return undefined;
    return type === 'DELETED'
      ? { type, object: present((change.before as KubeRecord).object, version) }
      : { type, object: present((change.after as KubeRecord).object) };
  }

  /** What a change is to those who follow `filter`: an object entering, changing, leaving, or nothing. */
  #eventType(change: Change<KubeRecord>, filter: Filter): CacheEvent['type'] | undefined {
    const record = change.after ?? change.before;
    if (record?.kind !== filter.info.key) return undefined;
    const was = change.before !== undefined && this.#matches(filter, change.before);
    const is = change.after !== undefined && this.#matches(filter, change.after);
    if (is) return was ? 'MODIFIED' : 'ADDED';
    return was ? 'DELETED' : undefined;
  }
}

/**
 * A subscription to a kind: one that follows every object in its storage version (`whole`)
 * shares each event with the others that do; the others hear the change, with their filter
 * and version.
 */
type Subscription =
  | { readonly whole: true; readonly listener: (event: CacheEvent) => void }
  | { readonly whole: false; readonly hear: (change: Change<KubeRecord>) => void };

/** A change as the event `type` names, its objects as `view` shows them. */
function cacheEvent(
  type: CacheEvent['type'],
  change: Change<KubeRecord>,
  view: (object: KubeObject) => KubeObject,
): CacheEvent {
  const { before, after } = change;
  if (type === 'ADDED') return { type, object: view((after as KubeRecord).object) };
  if (type === 'DELETED') return { type, object: view((before as KubeRecord).object) };
  return { type, object: view((after as KubeRecord).object), old: view((before as KubeRecord).object) };
}

/** The stored object itself, as subscribers of a whole kind in its storage version see it. */
const stored = (object: KubeObject) => object;

/** Whether two states of an object are equal but for their resourceVersion (compared without copies). */
function sameButVersion(a: KubeObject, b: KubeObject): boolean {
  return (
    b.metadata !== undefined &&
    sameFieldsBut(a, b, 'metadata') &&
    sameFieldsBut(a.metadata, b.metadata, 'resourceVersion')
  );
}

/** Defaults the API server applies on every write. */

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(
    JSON.stringify({ v: 'vsim/1', rv: token.rv, ns: token.namespace, n: token.name }),
  ).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      raw.v === 'vsim/1' &&
      typeof raw.rv === 'number' &&
      typeof raw.ns === 'string' &&
      typeof raw.n === 'string'
    )
      return { rv: raw.rv, namespace: raw.ns, name: raw.n };
  } catch {
    // falls through to the error below
  }
  throw kubeErrors.badRequest('continue key is not valid: the continue token could not be decoded');
}

/** The API server drops an owner reference identical to one before it (and warns of it). */
function dropDuplicateOwners(meta: KubeObject['metadata']): void {
  const refs: unknown = meta.ownerReferences;
  if (!Array.isArray(refs) || refs.length < 2) return;
  const kept = refs.filter((ref, i) => !refs.slice(0, i).some((earlier) => deepEqual(earlier, ref)));
  if (kept.length < refs.length) meta.ownerReferences = kept;
}

/** ObjectMeta's maps and lists that Go leaves out of an object when empty (`omitempty`). */
const OMITTED_WHEN_EMPTY = [
  'labels',
  'annotations',
  'finalizers',
  'ownerReferences',
  'managedFields',
] as const;

/** Drops them; what a write keeps of the stored object (the same value) was dropped when stored. */
function dropEmptyMetadata(meta: KubeObject['metadata'], stored: KubeObject['metadata'] | undefined): void {
  for (const field of OMITTED_WHEN_EMPTY) {
    const value: unknown = meta[field];
    if (value === undefined || value === stored?.[field]) continue;
    if (Array.isArray(value) ? value.length === 0 : isPlainObject(value) && isEmptyObject(value))
      delete meta[field];
  }
}

function isEmptyObject(value: object): boolean {
  for (const _ in value) return false;
  return true;
}
