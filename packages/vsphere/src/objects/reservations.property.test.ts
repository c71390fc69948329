/**
 * Property-based test of admission control: random sequences of operations on a cluster's pool
 * tree (pools made, changed, moved and destroyed; VMs given reservations, moved, powered on and
 * off, cloned running) never leave a pool holding more than it may, and an operation refused
 * for want of room changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVimFault } from '../faults.js';
import type { ResourcePoolRecord, VmRecord } from '../inventory/records.js';
import { serializeState } from '../save.js';
import { VSphere } from '../vsphere.js';
import { boundsOf, storeReader, takenFrom } from './reservations.js';

/** Pools and VMs of the one cluster, picked by index so that shrinking stays meaningful. */
const poolsOf = (v: VSphere) =>
  [...v.store.ofKind<ResourcePoolRecord>('ResourcePool')].filter((p) => p.owner === clusterOf(v));
const vmsOf = (v: VSphere) =>
  [...v.store.ofKind<VmRecord>('VirtualMachine')].filter(
    (vm) => vm.pool !== undefined && poolsOf(v).some((p) => p.id === vm.pool),
  );
const clusterOf = (v: VSphere) => [...v.store.ofKind('ClusterComputeResource')][0]?.id;
const nth = <T>(items: readonly T[], n: number): T | undefined => items[n % Math.max(1, items.length)];

type Step = (v: VSphere, a: number, b: number) => unknown;

/** Reservations of up to about a host's CPU or memory each: a few fill the one host's cluster. */
const cpu = (b: number) => (b % 6) * 900;
const memory = (b: number) => (b % 5) * 1024;

const STEPS: Record<string, Step> = {
  createPool: (v, a, b) => {
    const parent = nth(poolsOf(v), a);
    return (
      parent &&
      v.pool.create(parent.id, `p${b % 6}`, {
        cpuAllocation: { reservation: cpu(b), expandableReservation: b % 2 === 0 },
        memoryAllocation: { reservation: memory(b >> 1), expandableReservation: b % 3 !== 0 },
      })
    );
  },
  updatePool: (v, a, b) => {
    const pool = nth(poolsOf(v), a);
    return (
      pool &&
      v.pool.update(pool.id, undefined, {
        cpuAllocation: {
          reservation: cpu(b),
          expandableReservation: b % 2 === 1,
          limit: b % 7 === 0 ? 2000 : -1,
        },
        memoryAllocation: { reservation: memory(b >> 2), expandableReservation: b % 5 !== 0 },
      })
    );
  },
  movePool: (v, a, b) => {
    const [into, pool] = [nth(poolsOf(v), a), nth(poolsOf(v), b)];
    return into && pool && v.pool.moveInto(into.id, [pool.id]);
  },
  destroyPool: (v, a) => {
    const pool = nth(poolsOf(v), a);
    return pool && v.pool.destroy(pool.id);
  },
  reserve: (v, a, b) => {
    const vm = nth(vmsOf(v), a);
    return (
      vm &&
      v.vm.reconfigure(vm.id, {
        cpuAllocation: { reservation: cpu(b) },
        memoryAllocation: { reservation: Math.min(memory(b), vm.config.memoryMB) },
      })
    );
  },
  moveVm: (v, a, b) => {
    const [into, vm] = [nth(poolsOf(v), a), nth(vmsOf(v), b)];
    return into && vm && v.pool.moveInto(into.id, [vm.id]);
  },
  powerOn: (v, a) => {
    const vm = nth(vmsOf(v), a);
    return vm && v.vm.powerOn(vm.id);
  },
  powerOff: (v, a) => {
    const vm = nth(vmsOf(v), a);
    return vm && v.vm.powerOff(vm.id);
  },
  cloneRunning: (v, a, b) => {
    const vm = nth(vmsOf(v), a);
    const folder = vm && (v.store.get(vm.id) as VmRecord).parent;
    return (
      vm &&
      folder &&
      v.vm.clone(vm.id, folder, `clone-${b % 3}`, { location: {}, powerOn: true, template: false })
    );
  },
};

const step = fc.tuple(fc.constantFrom(...Object.keys(STEPS)), fc.nat({ max: 7 }), fc.nat({ max: 63 }));

/** Runs a step; a fault is a refusal, reported so that the state can be compared. */
const run = async (v: VSphere, [name, a, b]: [string, number, number]): Promise<string | undefined> => {
  try {
    const result = (STEPS[name] as Step)(v, a, b) as { wait?: () => Promise<unknown> } | undefined;
    v.scheduler.runDue();
    await result?.wait?.();
    return undefined;
  } catch (error) {
    if (!isVimFault(error)) throw error;
    return error.fault._type;
  }
};

/** Every pool holds no more than its ceiling: a fixed reservation or a limit; the root, the capacity. */
const checkCeilings = (v: VSphere) => {
  const reader = storeReader(v);
  for (const pool of poolsOf(v))
    for (const resource of ['cpu', 'memory'] as const) {
      const { reservation, limit, expandable } = boundsOf(reader, pool, resource);
      const used = takenFrom(reader, pool, resource).used;
      if (!expandable) expect(used, `${pool.name} ${resource}`).toBeLessThanOrEqual(reservation);
      if (limit >= 0) expect(used, `${pool.name} ${resource} limit`).toBeLessThanOrEqual(limit);
    }
};

/** The state without what every operation changes (tasks, events, the clock's marks). */
const inventoryOf = (v: VSphere) => {
  const out: unknown[] = [];
  for (const kind of ['ResourcePool', 'VirtualMachine']) for (const r of v.store.ofKind(kind)) out.push(r);
  return JSON.stringify(out);
};

describe('admission control, property-based', () => {
  it('never leaves a pool over its ceiling, and a refused operation changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const v = new VSphere({ seed: 1, admissionControl: true, inventory: { host: 1, vm: 3, pool: 1 } });
        for (const s of steps) {
          const before = inventoryOf(v);
          const refused = await run(v, s);
          if (refused === 'InsufficientCpuResourcesFault' || refused === 'InsufficientMemoryResourcesFault')
            expect(inventoryOf(v)).toBe(before);
          checkCeilings(v);
        }
        // The state saves and loads as any other.
        expect(() => serializeState(v)).not.toThrow();
      }),
      { numRuns: 100 },
    );
  });
});
