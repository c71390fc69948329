import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InventoryRecord } from '../inventory/records.js';
import type { Ref } from '../model.js';
import { VSphere } from '../vsphere.js';
import { readProperty, walkProperty } from './index.js';
import { LEAF_READERS } from './leaves.js';

const pick = (v: VSphere, kind: string, n: number): Ref => {
  const ids = [...v.store.idsOf(kind)];
  return (ids.length === 0 ? 'none' : ids[n % ids.length]) as Ref;
};

type Step = (v: VSphere, a: number, b: number) => unknown;

const STEPS: Record<string, Step> = {
  powerOn: (v, a) => v.vm.powerOn(pick(v, 'VirtualMachine', a)),
  powerOff: (v, a) => v.vm.powerOff(pick(v, 'VirtualMachine', a)),
  suspend: (v, a) => v.vm.suspend(pick(v, 'VirtualMachine', a)),
  reset: (v, a) => v.vm.reset(pick(v, 'VirtualMachine', a)),
  destroy: (v, a) => v.vm.destroy(pick(v, 'VirtualMachine', a)),
  rename: (v, a, b) => v.entity.rename(pick(v, 'VirtualMachine', a), `vm-${b % 5}`),
  reconfigure: (v, a, b) =>
    v.vm.reconfigure(pick(v, 'VirtualMachine', a), { numCPUs: 1 + (b % 4), memoryMB: 32 * (1 + (b % 3)) }),
  markAsTemplate: (v, a) => v.vm.markAsTemplate(pick(v, 'VirtualMachine', a)),
  create: (v, a, b) =>
    v.vm.create(
      pick(v, 'Folder', a),
      { name: `new-${b % 3}`, files: { vmPathName: '[LocalDS_0]' }, memoryMB: 64, numCPUs: 2 },
      pick(v, 'ResourcePool', b),
    ),
  enterMaintenance: (v, a) => v.host.enterMaintenanceMode(pick(v, 'HostSystem', a)),
  exitMaintenance: (v, a) => v.host.exitMaintenanceMode(pick(v, 'HostSystem', a)),
  disconnect: (v, a) => v.host.disconnect(pick(v, 'HostSystem', a)),
  reconnect: (v, a) => v.host.reconnect(pick(v, 'HostSystem', a)),
  runDue: (v) => v.scheduler.runDue(),
};

const step = fc.tuple(fc.constantFrom(...Object.keys(STEPS)), fc.nat(), fc.nat());

/** Runs one step; many random steps fault (a task's error is a leaf worth reading too). */
const run = async (v: VSphere, [name, a, b]: [string, number, number]) => {
  try {
    const result = (STEPS[name] as Step)(v, a, b) as { wait?: () => Promise<unknown> } | undefined;
    if (b % 3 !== 0) {
      v.scheduler.runDue();
      await result?.wait?.();
    }
  } catch (error) {
    if (!(error instanceof Error) || !('fault' in error)) throw error;
  }
};

/** Every leaf reader of every record agrees with reading the whole property and walking the path. */
const checkLeaves = (v: VSphere) => {
  let checked = 0;
  for (const record of v.store.values() as IterableIterator<InventoryRecord>) {
    for (const path of LEAF_READERS.get(record.kind)?.keys() ?? []) {
      expect(readProperty(v, record, path), `${record.kind} ${record.id} ${path}`).toStrictEqual(
        walkProperty(v, record, path),
      );
      checked++;
    }
  }
  return checked;
};

describe('leaf readers', () => {
  it('name only paths the generic walk accepts', () => {
    const v = new VSphere({ seed: 3 });
    for (const record of v.store.values() as IterableIterator<InventoryRecord>) {
      for (const path of LEAF_READERS.get(record.kind)?.keys() ?? []) {
        expect(walkProperty(v, record, path).exists, path).toBe(true);
      }
    }
  });

  it('read what the generic walk reads, on a built inventory and after random operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const v = new VSphere({ seed: 7, inventory: { pool: 1, vm: 2, app: 1, ds: 2 } });
        expect(checkLeaves(v)).toBeGreaterThan(0);
        for (const s of steps) await run(v, s);
        checkLeaves(v);
      }),
      { numRuns: 40 },
    );
  });
});
