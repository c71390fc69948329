/**
 * The controllers of one Supervisor: started and stopped together, with their counters
 * summed for benchmarks. Controllers made through `controller()` share the manager's
 * scheduler and default options (e.g. the opt-in realistic timings).
 */
import type { Scheduler } from '@vsim/vsphere';
import { Controller, type ControllerOptions, type ControllerStats } from './controller.js';

/** Options every controller of the manager gets unless it sets its own. */
export type ControllerDefaults = Partial<Omit<ControllerOptions, 'name' | 'scheduler' | 'reconcile'>>;

export interface ManagerOptions {
  scheduler: Scheduler;
  defaults?: ControllerDefaults;
}

export interface ManagerStats {
  reconciles: number;
  requeues: number;
  errors: number;
  events: number;
  controllers: Record<string, ControllerStats>;
}

export class Manager {
  readonly scheduler: Scheduler;
  readonly defaults: ControllerDefaults;
  readonly #controllers = new Map<string, Controller>();
  #started = false;
  #stopped = false;

  constructor(options: ManagerOptions) {
    this.scheduler = options.scheduler;
    this.defaults = options.defaults ?? {};
  }

  get started(): boolean {
    return this.#started && !this.#stopped;
  }

  get controllers(): readonly Controller[] {
    return [...this.#controllers.values()];
  }

  get(name: string): Controller | undefined {
    return this.#controllers.get(name);
  }

  /** Makes a controller on the manager's scheduler with its defaults, and adds it. */
  controller(options: Omit<ControllerOptions, 'scheduler'> & { scheduler?: Scheduler }): Controller {
    return this.add(new Controller({ ...this.defaults, scheduler: this.scheduler, ...options }));
  }

  /** Adds a controller (names are unique); it starts at once if the manager runs. */
  add(controller: Controller): Controller {
    if (this.#stopped) throw new Error('the manager is stopped');
    if (this.#controllers.has(controller.name))
      throw new Error(`a controller named ${controller.name} already exists`);
    this.#controllers.set(controller.name, controller);
    if (this.#started) controller.start();
    return controller;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    for (const controller of this.#controllers.values()) controller.start();
  }

  /** Stops every controller for good. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const controller of this.#controllers.values()) controller.stop();
  }

  /** Reconcile passes of every controller so far, counted without making a snapshot. */
  get reconciles(): number {
    let total = 0;
    for (const controller of this.#controllers.values()) total += controller.reconciles;
    return total;
  }

  get stats(): ManagerStats {
    const out: ManagerStats = { reconciles: 0, requeues: 0, errors: 0, events: 0, controllers: {} };
    for (const [name, controller] of this.#controllers) {
      const stats = controller.stats;
      out.reconciles += stats.reconciles;
      out.requeues += stats.requeues;
      out.errors += stats.errors;
      out.events += stats.events;
      out.controllers[name] = stats;
    }
    return out;
  }

  resetStats(): void {
    for (const controller of this.#controllers.values()) controller.resetStats();
  }
}
