/**
 * Property-based tests: random sequences of operations (most of which fail with a fault
 * somewhere along the way) never break the model's invariants, and never break
 * save -> load -> save.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachedDiskId } from './inventory/attachments.js';
import { diskBytes, diskDatastore, isDisk } from './inventory/devices.js';
import { vmsWithInstanceUuid } from './inventory/paths.js';
import {
  childNameKey,
  type DatastoreRecord,
  INSTANCE_UUID,
  type InventoryRecord,
  relations,
  type VmRecord,
  type VStorageObjectRecord,
} from './inventory/records.js';
import { parseState, serializeState } from './save.js';
import { VSphere } from './vsphere.js';

const ofKind = (v: VSphere, kind: string) => [...v.store.idsOf(kind)];

/** A step that needs an object of a kind none is left of (every VM destroyed, say): skipped. */
class NothingToPick extends Error {}

/** Picks the n-th id of a kind (modulo), so shrinking stays meaningful as ids come and go. */
const pick = (v: VSphere, kind: string, n: number): string => {
  const ids = ofKind(v, kind);
  if (ids.length === 0) throw new NothingToPick(kind);
  return ids[n % ids.length] as string;
};

type Step = (v: VSphere, a: number, b: number) => unknown;

const GB = 1024 * 1024;

const STEPS: Record<string, Step> = {
  powerOn: (v, a) => v.vm.powerOn(pick(v, 'VirtualMachine', a)),
  powerOff: (v, a) => v.vm.powerOff(pick(v, 'VirtualMachine', a)),
  suspend: (v, a) => v.vm.suspend(pick(v, 'VirtualMachine', a)),
  reset: (v, a) => v.vm.reset(pick(v, 'VirtualMachine', a)),
  destroy: (v, a) => v.vm.destroy(pick(v, 'VirtualMachine', a)),
  addDisk: (v, a, b) =>
    v.vm.reconfigure(pick(v, 'VirtualMachine', a), {
      deviceChange: [
        {
          operation: 'add',
          fileOperation: 'create',
          device: { _type: 'VirtualDisk', key: -1, controllerKey: 1000, capacityInKB: (1 + (b % 4)) * GB },
        },
      ],
    }),
  rename: (v, a, b) => v.entity.rename(pick(v, 'VirtualMachine', a), `vm-name-${b % 5}`),
  createFolder: (v, a, b) => v.folder.create(pick(v, 'Folder', a), `folder-${b % 4}`),
  moveIntoFolder: (v, a, b) => v.folder.moveInto(pick(v, 'Folder', a), [pick(v, 'VirtualMachine', b)]),
  createPool: (v, a, b) => v.pool.create(pick(v, 'ResourcePool', a), `pool-${b % 4}`),
  destroyPool: (v, a) => v.pool.destroy(pick(v, 'ResourcePool', a)),
  moveIntoPool: (v, a, b) => v.pool.moveInto(pick(v, 'ResourcePool', a), [pick(v, 'VirtualMachine', b)]),
  destroyFolder: (v, a) => v.folder.destroy(pick(v, 'Folder', a)),
  clone: (v, a, b) =>
    v.vm.clone(pick(v, 'VirtualMachine', a), pick(v, 'Folder', b), `clone-${b % 3}`, {
      location: { datastore: pick(v, 'Datastore', b) },
      powerOn: b % 2 === 0,
      template: false,
    }),
  create: (v, a, b) =>
    v.vm.create(
      pick(v, 'Folder', a),
      { name: `new-${b % 3}`, files: { vmPathName: `[LocalDS_${b % 2}]` }, memoryMB: 64, numCPUs: 1 },
      pick(v, 'ResourcePool', b),
    ),
  relocate: (v, a, b) =>
    v.vm.relocate(pick(v, 'VirtualMachine', a), {
      host: pick(v, 'HostSystem', b),
      datastore: pick(v, 'Datastore', b >> 1),
    }),
  markAsTemplate: (v, a) => v.vm.markAsTemplate(pick(v, 'VirtualMachine', a)),
  createDisk: (v, a, b) =>
    v.disks.create({
      name: `fcd-${b % 3}`,
      capacityInMB: 1 + (b % 4) * 1024,
      keepAfterDeleteVm: b % 2 === 0,
      backingSpec: { datastore: pick(v, 'Datastore', a) },
    }),
  deleteDisk: (v, a) => {
    const id = pick(v, 'VStorageObject', a);
    return v.disks.delete(id, (v.store.get(id) as VStorageObjectRecord).datastore);
  },
  attachDisk: (v, a, b) => {
    const id = pick(v, 'VStorageObject', b);
    const disk = v.store.get(id) as VStorageObjectRecord;
    return v.disks.attach(pick(v, 'VirtualMachine', a), id, disk.datastore);
  },
  detachDisk: (v, a, b) => v.disks.detach(pick(v, 'VirtualMachine', a), pick(v, 'VStorageObject', b)),
  snapshot: (v, a) => v.snapshot.create(pick(v, 'VirtualMachine', a), 'snap'),
  revert: (v, a) => v.snapshot.revertToCurrent(pick(v, 'VirtualMachine', a)),
  // Reservations, limits and shares, some of them unusable (a limit below the reservation, a
  // custom level without its count): those are refused.
  allocate: (v, a, b) => {
    const levels = ['low', 'normal', 'high', 'custom'] as const;
    const level = levels[b % 4] as (typeof levels)[number];
    return v.vm.reconfigure(pick(v, 'VirtualMachine', a), {
      cpuAllocation: { reservation: (b % 3) * 500, limit: b % 5 === 0 ? -1 : (b % 4) * 400 },
      memoryAllocation: { shares: b % 7 === 0 ? { level: 'custom' } : { level, shares: b % 100 } },
      latencySensitivity: { level: b % 2 === 0 ? 'high' : 'normal' },
    });
  },
};

const step = fc.tuple(fc.constantFrom(...Object.keys(STEPS)), fc.nat(), fc.nat());
/** The steps that move First Class Disks, and those that change the VMs they are on. */
const diskStep = fc.tuple(
  fc.constantFrom(
    'createDisk',
    'deleteDisk',
    'attachDisk',
    'detachDisk',
    'snapshot',
    'revert',
    'powerOff',
    'destroy',
    'clone',
  ),
  // Few VMs and disks to pick from, so that steps meet on the same ones.
  fc.nat({ max: 1 }),
  fc.nat({ max: 1 }),
);

/** Runs one step; faults (sync or task) are the expected outcome of many random steps. */
const run = async (v: VSphere, [name, a, b]: [string, number, number]) => {
  try {
    const result = (STEPS[name] as Step)(v, a, b) as { wait?: () => Promise<unknown> } | undefined;
    v.scheduler.runDue();
    await result?.wait?.();
  } catch (error) {
    if (error instanceof NothingToPick) return;
    if (!(error instanceof Error) || !('fault' in error)) throw error;
  }
};

const checkInvariants = (v: VSphere) => {
  // Every forward reference is in the reverse index, and every reverse entry is a forward one.
  const expected = new Map<string, [relation: string, target: string, ids: Set<string>]>();
  for (const r of v.store.values() as IterableIterator<InventoryRecord>) {
    for (const [relation, target] of relations(r)) {
      // A child's name index points at its parent and name, a VM's instance UUID at the UUID;
      // every other relation at a record.
      if (relation === INSTANCE_UUID) {
        // Found by its instance UUID, in any case.
        const uuid = (r as VmRecord).config.instanceUuid.toUpperCase();
        expect(vmsWithInstanceUuid(v.store, uuid)).toContain(r);
      } else {
        const object = relation === 'childNamed' ? (r.parent ?? '') : target;
        if (relation === 'childNamed') expect(target).toBe(childNameKey(object, r.name));
        expect(v.store.has(object), `${r.id} -> ${relation} -> missing ${object}`).toBe(true);
      }
      const key = JSON.stringify([relation, target]);
      const entry = expected.get(key) ?? [relation, target, new Set<string>()];
      entry[2].add(r.id);
      expected.set(key, entry);
    }
  }
  for (const [relation, target, ids] of expected.values())
    expect([...v.store.referrers(relation, target)].sort()).toEqual([...ids].sort());
  // A datastore's usage is the sum of the disks on it; a VM's lists follow its devices.
  const used = new Map<string, number>();
  for (const vm of v.store.ofKind<VmRecord>('VirtualMachine')) {
    for (const d of vm.config.devices) {
      if (!isDisk(d)) continue;
      const ds = diskDatastore(d) as string;
      if (attachedDiskId(d) === undefined) used.set(ds, (used.get(ds) ?? 0) + diskBytes(d));
      expect(vm.datastores).toContain(ds);
    }
    expect(v.store.get(vm.parent as string)?.kind).toBe('Folder');
    // Allocations are kept only when usable, and only when they are not vSphere's defaults.
    for (const a of [vm.config.cpuAllocation, vm.config.memoryAllocation]) {
      if (!a) continue;
      expect(a.reservation).toBeGreaterThanOrEqual(0);
      if (a.limit !== -1) expect(a.limit).toBeGreaterThanOrEqual(a.reservation);
      expect(a.shares.level === 'custom').toBe(a.shares.shares !== undefined);
      expect(a.reservation === 0 && a.limit === -1 && a.shares.level === 'normal').toBe(false);
    }
  }
  // A First Class Disk takes its own space, attached or not, and is on its consumers alone.
  const onVms = new Map<string, string[]>();
  for (const vm of v.store.ofKind<VmRecord>('VirtualMachine'))
    for (const d of vm.config.devices) {
      const id = attachedDiskId(d);
      if (id !== undefined) onVms.set(id, [...(onVms.get(id) ?? []), vm.id]);
    }
  for (const disk of v.store.ofKind<VStorageObjectRecord>('VStorageObject')) {
    used.set(disk.datastore, (used.get(disk.datastore) ?? 0) + disk.capacityInMB * 1024 * 1024);
    expect([...(onVms.get(disk.id) ?? [])].sort(), `disk ${disk.id}`).toEqual(
      [...(disk.consumers ?? [])].sort(),
    );
    onVms.delete(disk.id);
  }
  expect([...onVms.keys()], 'devices of disks that are gone').toEqual([]);
  for (const ds of v.store.ofKind<DatastoreRecord>('Datastore')) expect(ds.used).toBe(used.get(ds.id) ?? 0);
};

describe('random sequences of operations', () => {
  it('keep back-references and datastore usage consistent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const v = new VSphere({ seed: 11, inventory: { pool: 1, vm: 2, app: 1, ds: 2 } });
        for (const s of steps) await run(v, s);
        checkInvariants(v);
      }),
      { numRuns: 60 },
    );
  });

  it('keep each First Class Disk on its consumer alone, and its space counted once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(diskStep, { maxLength: 30 }), async (steps) => {
        const v = new VSphere({ seed: 12, inventory: { cluster: 0, vm: 2, ds: 2 } });
        for (const s of steps) await run(v, s);
        checkInvariants(v);
      }),
      { numRuns: 100 },
    );
  });

  it('save -> load -> save gives identical files, and the loaded model continues identically', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 25 }),
        fc.array(step, { maxLength: 10 }),
        async (before, after) => {
          const v = new VSphere({ seed: 5 });
          for (const s of before) await run(v, s);
          const saved = serializeState(v);
          const loaded = new VSphere({ state: parseState(saved) });
          expect(serializeState(loaded)).toBe(saved);
          for (const s of after) {
            await run(v, s);
            await run(loaded, s);
          }
          expect(serializeState(loaded)).toBe(serializeState(v));
        },
      ),
      { numRuns: 40 },
    );
  });
});
