/**
 * The model the operation tests work on: a seeded VSphere (vcsim's default inventory
 * unless the options say otherwise) and the steps nearly every test takes with it:
 * find a record by inventory path, run a task to its end, read what it left behind.
 */
import type { VirtualClock } from '../core/clock.js';
import { isVimFault } from '../faults.js';
import { DISK_DESCRIPTOR_BYTES } from '../inventory/devices.js';
import { datacenterOf, findByInventoryPath } from '../inventory/paths.js';
import type { DatacenterRecord, DatastoreRecord, InventoryRecord, TaskRecord } from '../inventory/records.js';
import { capturedItemId, type OvfCaptureSpec } from '../library/content-library.js';
import type { Task } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { VSphere, type VSphereOptions } from '../vsphere.js';

export const GIB = 1024 ** 3;

/** The type of the fault a call throws or a task ends with; a call that succeeds fails the test. */
export const faultOf = async (work: Promise<unknown> | (() => unknown)): Promise<string> => {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    if (isVimFault(error)) return error.fault._type;
    throw error;
  }
  throw new Error('no fault');
};

export const createFixture = (options: VSphereOptions = {}) => {
  const vsphere = new VSphere({ seed: 1, ...options });
  /** Runs the work that is due (the task's among it) and settles with the task. */
  const run = <T>(task: Task<T>): Promise<T> => {
    vsphere.scheduler.runDue();
    return task.wait();
  };
  return {
    vsphere,
    /** The record at an inventory path, e.g. `/DC0/vm/DC0_H0_VM0`; a wrong path fails the test. */
    at<R extends InventoryRecord = InventoryRecord>(path: string): R {
      const record = findByInventoryPath(vsphere.store, path);
      if (!record) throw new Error(`nothing at ${path}`);
      return record as R;
    },
    /** The reference to the object at an inventory path, as a client would hold it. */
    ref(path: string): MoRef {
      const record = findByInventoryPath(vsphere.store, path);
      if (!record) throw new Error(`nothing at ${path}`);
      return moref(record.kind, record.id);
    },
    run,
    /** Captures a VM as an OVF item, running the task: the new item's id. */
    capture: async (vm: string, spec: OvfCaptureSpec): Promise<string> =>
      capturedItemId(await run(vsphere.library.captureOvf(vm, spec))) as string,
    /** The task's record: its TaskInfo. */
    taskInfo: (task: Task<unknown>) => vsphere.store.get(task.ref.value) as TaskRecord,
    lastEvent: () => vsphere.events.list().at(-1),
    /** Bytes a datastore counts as used. */
    used: (datastore: string) => (vsphere.store.get(datastore) as DatastoreRecord).used,
    /**
     * Takes a datastore's free space down to between `free` and `free` + 1 KiB with a thick
     * standalone disk, `[ds] filler.vmdk` (in the datastore's datacenter).
     */
    leaveFree: async (datastore: string, free: number): Promise<void> => {
      const ds = vsphere.store.get(datastore) as DatastoreRecord;
      const dc = datacenterOf(vsphere.store, datastore) as DatacenterRecord;
      const capacityKb = Math.floor((ds.capacity - ds.used - DISK_DESCRIPTOR_BYTES - free) / 1024);
      const spec = {
        _type: 'FileBackedVirtualDiskSpec',
        diskType: 'preallocated',
        adapterType: 'lsiLogic',
        capacityKb,
      };
      await run(vsphere.virtualDisks.create(`[${ds.name}] filler.vmdk`, moref('Datacenter', dc.id), spec));
    },
    /** Moves the virtual clock on by `ms`, running the work that falls due on the way. */
    later: (ms: number) =>
      vsphere.scheduler.advanceTo(vsphere.clock as VirtualClock, vsphere.clock.now() + ms),
  };
};
