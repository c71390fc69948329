/**
 * The scheduler every task and controller runs on. Pure: it never arms a timer itself.
 * Work is due at an instant of the simulator's clock; `runDue()` runs what is due now,
 * `advanceTo()` moves a virtual clock and runs what falls due on the way. A driver
 * outside the model (package vsim) wakes it up on real timers when it must.
 */
import type { Clock, VirtualClock } from './clock.js';

interface Job {
  due: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

export type Cancel = () => void;

export class Scheduler {
  readonly clock: Clock;
  #heap: Job[] = [];
  #seq = 0;
  #wake: (() => void) | undefined;
  /** Where errors thrown by jobs go; a job never takes the scheduler down. */
  onError: (error: unknown) => void = () => {};

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** A driver registers here to hear that new work was scheduled. */
  setWakeup(wake: (() => void) | undefined): void {
    this.#wake = wake;
  }

  schedule(run: () => void, delayMs = 0): Cancel {
    const job: Job = {
      due: this.clock.now() + Math.max(0, delayMs),
      seq: this.#seq++,
      run,
      cancelled: false,
    };
    this.#push(job);
    this.#wake?.();
    return () => {
      job.cancelled = true;
    };
  }

  /** When the earliest pending job falls due, or undefined when none is pending. */
  nextDue(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.due;
  }

  get pending(): number {
    return this.#heap.length;
  }

  /** Runs every job due now, including jobs they schedule for now. Returns how many ran. */
  runDue(): number {
    let ran = 0;
    const now = this.clock.now();
    for (let job = this.#peek(); job && job.due <= now; job = this.#peek()) {
      this.#pop();
      ran++;
      try {
        job.run();
      } catch (error) {
        this.onError(error);
      }
    }
    return ran;
  }

  /** Moves a virtual clock to `to`, running each job at its own due time on the way. */
  advanceTo(clock: VirtualClock, to: number): void {
    for (let due = this.nextDue(); due !== undefined && due <= to; due = this.nextDue()) {
      if (due > clock.now()) clock.set(due);
      this.runDue();
    }
    if (to > clock.now()) clock.set(to);
    this.runDue();
  }

  /**
   * advanceTo, with `settle` let run at each due time: what the asynchronous work that falls due
   * there schedules once it resumes (a reconcile that awaits a task, then backs off for 1 s)
   * runs at its own time, before the clock moves on.
   */
  async advanceSettling(clock: VirtualClock, to: number, settle: () => Promise<void>): Promise<void> {
    await settle();
    for (let due = this.nextDue(); due !== undefined && due <= to; due = this.nextDue()) {
      if (due > clock.now()) clock.set(due);
      this.runDue();
      await settle();
    }
    if (to > clock.now()) clock.set(to);
    this.runDue();
    await settle();
  }

  #peek(): Job | undefined {
    this.#dropCancelled();
    return this.#heap[0];
  }

  #dropCancelled(): void {
    while (this.#heap[0]?.cancelled) this.#pop();
  }

  #before(a: Job, b: Job): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #push(job: Job): void {
    const heap = this.#heap;
    heap.push(job);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(job, heap[parent] as Job)) break;
      heap[i] = heap[parent] as Job;
      i = parent;
    }
    heap[i] = job;
  }

  #pop(): Job | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < heap.length && this.#before(heap[l] as Job, best)) {
          m = l;
          best = heap[l] as Job;
        }
        if (r < heap.length && this.#before(heap[r] as Job, best)) m = r;
        if (m === i) break;
        heap[i] = heap[m] as Job;
        i = m;
      }
      heap[i] = last;
    }
    return top;
  }
}
