/**
 * The event log (EventManager's history): a bounded ring of vSphere events, each with a
 * key from one counter, the simulator's time and the acting user.
 */
import { Ring } from '../core/ring.js';
import type { MoRef } from '../refs.js';

export interface EntityEventArgument {
  readonly name: string;
  readonly [ref: string]: MoRef | string;
}

export interface VimEvent {
  readonly _type: string;
  readonly key: number;
  readonly chainId: number;
  readonly createdTime: number;
  readonly userName: string;
  readonly fullFormattedMessage: string;
  readonly datacenter?: { readonly name: string; readonly datacenter: MoRef };
  readonly computeResource?: { readonly name: string; readonly computeResource: MoRef };
  readonly host?: { readonly name: string; readonly host: MoRef };
  readonly vm?: { readonly name: string; readonly vm: MoRef };
  readonly ds?: { readonly name: string; readonly datastore: MoRef };
  readonly net?: { readonly name: string; readonly network: MoRef };
  readonly [field: string]: unknown;
}

export interface EventInput {
  readonly _type: string;
  readonly fullFormattedMessage: string;
  readonly chainId?: number;
  readonly [field: string]: unknown;
}

export class EventLog {
  #ring: Ring<VimEvent>;
  #nextKey: number;
  #listeners = new Set<(event: VimEvent) => void>();

  constructor(capacity: number, nextKey = 1) {
    this.#ring = new Ring(capacity);
    this.#nextKey = nextKey;
  }

  get nextKey(): number {
    return this.#nextKey;
  }

  /** Takes a key for an event chain (a task and the events it posts share one). */
  reserveKey(): number {
    return this.#nextKey++;
  }

  post(input: EventInput, now: number, userName: string): VimEvent {
    const key = this.#nextKey++;
    // Object.assign, then the fields: a spread followed by new fields costs ~15 times more.
    const event: Record<string, unknown> = Object.assign({}, input);
    event.key = key;
    event.chainId = input.chainId ?? key;
    event.createdTime = now;
    event.userName = userName;
    this.#ring.push(event as VimEvent);
    for (const listener of this.#listeners) listener(event as VimEvent);
    return event as VimEvent;
  }

  subscribe(listener: (event: VimEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events in the order they happened, oldest first. */
  list(): VimEvent[] {
    return this.#ring.toArray();
  }

  get capacity(): number {
    return this.#ring.capacity;
  }

  restore(events: readonly VimEvent[], nextKey: number): void {
    this.#ring = new Ring(this.#ring.capacity);
    for (const event of events) this.#ring.push(event);
    this.#nextKey = nextKey;
  }
}
