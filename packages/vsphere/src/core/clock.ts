/**
 * The simulator's clock. Model code reads time only from here, never from Date.now(),
 * so a virtual clock makes every answer reproducible.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  readonly virtual: boolean;
}

/** The instant a virtual clock starts at unless told otherwise. */
export const DEFAULT_EPOCH = Date.UTC(2025, 0, 1, 0, 0, 0);

export class VirtualClock implements Clock {
  readonly virtual = true;
  #now: number;

  constructor(start: number = DEFAULT_EPOCH) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward; only the scheduler should call this, so due work runs in order. */
  set(to: number): void {
    if (to < this.#now) throw new RangeError('a virtual clock never goes back');
    this.#now = to;
  }
}

export class RealClock implements Clock {
  readonly virtual = false;
  now(): number {
    return Date.now();
  }
}
