/**
 * Drives the model's scheduler from the event loop: work due now runs on the next
 * turn (so a client polling a task over SOAP sees it finish without anyone calling
 * settle), and with a real clock, delayed work runs on a timer.
 */
import type { Scheduler } from '@vsim/vsphere';

export class SchedulerDriver {
  readonly #scheduler: Scheduler;
  #pumpQueued = false;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #stopped = false;

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
    scheduler.setWakeup(() => this.#wake());
    this.#wake();
  }

  /** Runs due work, yielding to the event loop between rounds, until none is due. */
  async settle(): Promise<void> {
    for (;;) {
      const ran = this.#scheduler.runDue();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (ran === 0 && !this.#dueNow()) return;
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#scheduler.setWakeup(undefined);
    if (this.#timer) clearTimeout(this.#timer);
  }

  #dueNow(): boolean {
    const due = this.#scheduler.nextDue();
    return due !== undefined && due <= this.#scheduler.clock.now();
  }

  #wake(): void {
    if (this.#stopped) return;
    if (this.#dueNow()) {
      if (this.#pumpQueued) return;
      this.#pumpQueued = true;
      setImmediate(() => {
        this.#pumpQueued = false;
        if (this.#stopped) return;
        this.#scheduler.runDue();
        this.#wake();
      });
      return;
    }
    this.#armTimer();
  }

  /** Only a real clock gets timers; a virtual one moves with advance(). */
  #armTimer(): void {
    const due = this.#scheduler.nextDue();
    if (due === undefined || this.#scheduler.clock.virtual || due >= this.#timerDue) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerDue = Number.POSITIVE_INFINITY;
        this.#wake();
      },
      Math.max(0, due - this.#scheduler.clock.now()),
    );
    this.#timer.unref();
  }
}
