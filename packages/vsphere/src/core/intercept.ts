/**
 * The one interception point every model operation passes through, whichever facade or
 * controller calls it. Tests hang rules here to make an operation fail with a chosen
 * fault or (for tasks) take time on the simulator's clock.
 */
import type { Fault } from '../faults.js';
import type { Random } from './random.js';

export interface Call {
  /** vSphere's method name, e.g. `PowerOnVM_Task`. */
  readonly method: string;
  /** Id (moref value) of the object the method is called on. */
  readonly target?: string;
}

export interface InterceptRule {
  method?: string | RegExp;
  target?: string;
  /** Applies this many times, then retires. */
  times?: number;
  /** Chance in [0, 1] that a matching call is affected, drawn from the seeded generator. */
  probability?: number;
  fault?: Fault | ((call: Call) => Fault);
  /** Extra time a task takes before it completes, on the simulator's clock. */
  delayMs?: number;
}

export interface Interception {
  fault?: Fault;
  delayMs: number;
}

const NONE: Interception = { delayMs: 0 };

export class Interceptor {
  #rules: InterceptRule[] = [];
  readonly #random: Random;
  /** How many calls passed through; tests read it to assert that something was invoked. */
  #calls = 0;

  constructor(random: Random) {
    this.#random = random;
  }

  get calls(): number {
    return this.#calls;
  }

  /** Adds a rule; the returned function removes it. */
  add(rule: InterceptRule): () => void {
    const own = { ...rule };
    this.#rules.push(own);
    return () => {
      this.#rules = this.#rules.filter((r) => r !== own);
    };
  }

  clear(): void {
    this.#rules = [];
  }

  intercept(call: Call): Interception {
    this.#calls++;
    if (this.#rules.length === 0) return NONE;
    let result = NONE;
    for (const rule of this.#rules) {
      if (!matches(rule, call)) continue;
      if (rule.probability !== undefined && this.#random.float() >= rule.probability) continue;
      if (rule.times !== undefined && --rule.times <= 0) this.#rules = this.#rules.filter((r) => r !== rule);
      const fault = typeof rule.fault === 'function' ? rule.fault(call) : rule.fault;
      result = {
        delayMs: result.delayMs + (rule.delayMs ?? 0),
        ...(fault ? { fault } : result.fault ? { fault: result.fault } : {}),
      };
    }
    return result;
  }
}

const matches = (rule: InterceptRule, call: Call): boolean =>
  (rule.method === undefined ||
    (typeof rule.method === 'string' ? rule.method === call.method : rule.method.test(call.method))) &&
  (rule.target === undefined || rule.target === call.target);
