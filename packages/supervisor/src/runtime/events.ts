/**
 * Kubernetes Events as client-go's recorder writes them for a controller: one Event per distinct
 * (object, type, reason, message), named `<object>.<hex nanoseconds>`; the same again counts up
 * the Event's `count` and `lastTimestamp`; more than 10 messages of one reason about an object
 * within 10 minutes are combined into one Event (`(combined from similar events): …`); and each
 * object's events are rate limited (a burst of 25, then one per five minutes). An Event someone
 * deleted is made again; the API server lets each go an hour after its last write. All of it on
 * the simulator's clock.
 */
import { type Clock, getOrInsert, type Scheduler } from '@vsim/vsphere';
import { ignoreNotFound, isKubeError } from '../store/errors.js';
import type { KubeStore } from '../store/kube-store.js';
import { type KubeObject, timestamp } from '../store/meta.js';

export interface EventRecorder {
  /** A `Normal` event of the object. */
  normal(object: KubeObject, reason: string, message: string): void;
  /** A `Warning` event of the object. */
  warning(object: KubeObject, reason: string, message: string): void;
  /** vm-operator's EmitEvent: `<op>Success` (unless `ignoreSuccess`), or `<op>Failure` with the error's message. */
  emit(object: KubeObject, op: string, error: unknown, ignoreSuccess?: boolean): void;
}

/** The recorder of a Supervisor that records no events (the default: they cost writes). */
export const NO_EVENTS: EventRecorder = { normal() {}, warning() {}, emit() {} };

/** client-go's spam filter: a burst of 25 events per object, then one per 300 s. */
const BURST = 25;
const REFILL_MS = 300_000;
/** client-go's caches hold this many entries each (events, similar ones, rate limits); the oldest go first. */
const CACHE_SIZE = 4096;

/** Sets a cache's entry as its newest, forgetting the oldest one past CACHE_SIZE. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}
/** client-go's aggregation: this many distinct messages of one reason within the interval are combined. */
const SIMILAR_EVENTS = 10;
const SIMILAR_INTERVAL_MS = 600_000;
const COMBINED = '(combined from similar events): ';
/** The API server's event TTL (`--event-ttl`). */
const EVENT_TTL_MS = 3_600_000;

/** An Event written: its name and its count so far. */
interface Seen {
  name: string;
  count: number;
  /** When the Event was last written: its expiry counts from there. */
  life: { last: number };
}

/**
 * The count that tells apart the Events made at one instant of the simulator's clock, one per
 * store: two recorders (components) naming theirs at the same instant must not collide, as their
 * real clocks' nanoseconds never do.
 */
const sequences = new WeakMap<KubeStore, { next: number }>();
const sequenceOf = (kube: KubeStore) => getOrInsert(sequences, kube, () => ({ next: 0 }));

export function eventRecorder(
  kube: KubeStore,
  { clock, scheduler }: { clock: Clock; scheduler: Scheduler },
  component: string,
): EventRecorder {
  const seen = new Map<string, Seen>();
  /** Per object and reason, the distinct messages seen and when the last came. */
  const similar = new Map<string, { messages: Set<string>; at: number }>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  const sequence = sequenceOf(kube);

  /** Whether the object's bucket has a token left, refilled as time went by. */
  const allowed = (objectKey: string, now: number): boolean => {
    const bucket = buckets.get(objectKey) ?? { tokens: BURST, at: now };
    const tokens = Math.min(BURST, bucket.tokens + Math.floor((now - bucket.at) / REFILL_MS));
    const at = tokens === bucket.tokens ? bucket.at : now;
    remember(buckets, objectKey, { tokens: Math.max(0, tokens - 1), at });
    return tokens >= 1;
  };

  const record = (object: KubeObject, type: 'Normal' | 'Warning', reason: string, given: string) => {
    let message = given;
    const { metadata } = object;
    const namespace = metadata.namespace || 'default';
    const objectKey = [object.kind, namespace, metadata.name, metadata.uid, object.apiVersion].join('\u0000');
    const now = clock.now();
    if (!allowed(objectKey, now)) return;
    // client-go's aggregator: past 10 distinct messages of one reason in 10 minutes, the event
    // becomes the combined one, whose key leaves its message out.
    const similarKey = [objectKey, type, reason].join('\u0000');
    const group = similar.get(similarKey);
    const messages = group && now - group.at <= SIMILAR_INTERVAL_MS ? group.messages : new Set<string>();
    messages.add(message);
    remember(similar, similarKey, { messages, at: now });
    const combined = messages.size >= SIMILAR_EVENTS;
    if (combined) message = `${COMBINED}${message}`;
    const key = combined ? similarKey : [objectKey, type, reason, message].join('\u0000');
    const stamp = timestamp(now);
    const previous = seen.get(key);
    if (previous) {
      seen.delete(key);
      const stored = kube.direct.get({ apiVersion: 'v1', kind: 'Event', namespace, name: previous.name });
      if (stored) {
        previous.count++;
        remember(seen, key, previous);
        write(() => kube.direct.update({ ...stored, message, count: previous.count, lastTimestamp: stamp }));
        previous.life.last = now;
        return;
      }
    }
    // Nanoseconds as client-go names an Event, unique among those any recorder makes at one instant.
    const nanos = BigInt(now) * 1_000_000n + BigInt(sequence.next++ % 1_000_000);
    const name = `${metadata.name}.${nanos.toString(16)}`;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        kind: object.kind,
        namespace: metadata.namespace,
        name: metadata.name,
        uid: metadata.uid,
        apiVersion: object.apiVersion,
        resourceVersion: metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    };
    remember(seen, key, { name, count: 1, life: expiring(namespace, name) });
    write(() => kube.direct.create(event));
  };

  /**
   * The Event goes an hour after its last write: one timer per Event, which moves on when it
   * finds the Event written since (a timer per write would pile up with every count). One
   * another writer changed since is left alone.
   */
  const expiring = (namespace: string, name: string) => {
    const life = { last: clock.now() };
    const check = () => {
      const left = life.last + EVENT_TTL_MS - clock.now();
      if (left > 0) {
        scheduler.schedule(check, left);
        return;
      }
      const ref = { apiVersion: 'v1', kind: 'Event', namespace, name };
      if (kube.direct.get(ref)?.lastTimestamp === timestamp(life.last))
        kube.delete(ref).catch(ignoreNotFound);
    };
    scheduler.schedule(check, EVENT_TTL_MS);
    return life;
  };

  return {
    normal: (object, reason, message) => record(object, 'Normal', reason, message),
    warning: (object, reason, message) => record(object, 'Warning', reason, message),
    emit(object, op, error, ignoreSuccess = false) {
      if (error === undefined || error === null) {
        if (!ignoreSuccess) record(object, 'Normal', `${op}Success`, `${op} success`);
      } else
        record(object, 'Warning', `${op}Failure`, error instanceof Error ? error.message : String(error));
    },
  };
}

/** An event that cannot be written (its namespace being deleted) is dropped, as client-go drops it. */
function write(make: () => void): void {
  try {
    make();
  } catch (error) {
    if (!isKubeError(error)) throw error;
  }
}
