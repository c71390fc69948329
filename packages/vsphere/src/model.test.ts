import { describe, expect, it } from 'vitest';
import type { Batch } from './core/store.js';
import { faults } from './faults.js';
import type { InventoryRecord, VmRecord } from './inventory/records.js';
import type { Tx } from './model.js';
import { createFixture } from './testing/fixture.js';
import type { VSphere } from './vsphere.js';

const setup = () => {
  const fixture = createFixture();
  return { ...fixture, vm: fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0') };
};

describe('Task.CancelTask', () => {
  const cloneOf = (vsphere: VSphere, vm: VmRecord, name: string) =>
    vsphere.vm.clone(vm.id, (vsphere.store.get(vm.parent as string) as InventoryRecord).id, name, {
      location: {},
      powerOn: false,
      template: false,
    });
  const named = (vsphere: VSphere, name: string) =>
    [...vsphere.store.ofKind('VirtualMachine')].filter((r) => r.name === name);

  it('cancels a queued clone: RequestCanceled, cancelled, its work never runs', async () => {
    const { vsphere, vm, taskInfo, later } = setup();
    vsphere.interceptor.add({ method: 'CloneVM_Task', delayMs: 1000 });
    const task = cloneOf(vsphere, vm, 'copy');
    const waiting = task.wait();
    expect(taskInfo(task)).toMatchObject({ state: 'queued', cancelable: true });
    vsphere.cancelTask(task.ref);
    await expect(waiting).rejects.toMatchObject({ fault: { _type: 'RequestCanceled' } });
    expect(taskInfo(task)).toMatchObject({
      state: 'error',
      cancelled: true,
      completeTime: vsphere.clock.now(),
      error: { _type: 'RequestCanceled', message: 'The task was canceled by a user.' },
    });
    expect(vsphere.read(task.ref, 'info.error.fault._type')).toBe('RequestCanceled');
    const events = vsphere.events.list().length;
    later(1000);
    expect(named(vsphere, 'copy')).toEqual([]);
    expect(taskInfo(task).state).toBe('error');
    expect(vsphere.events.list().length).toBe(events);
    await expect(task.wait()).rejects.toMatchObject({ fault: { _type: 'RequestCanceled' } });
  });

  it('cancels a running relocation: it ends then, and its work never runs', async () => {
    const { vsphere, vm, taskInfo, later, at } = setup();
    const host = at<InventoryRecord>('/DC0/host/DC0_C0/DC0_C0_H1');
    vsphere.taskDurations = { RelocateVM_Task: 2000 };
    const task = vsphere.vm.relocate(vm.id, { host: host.id });
    later(500);
    expect(taskInfo(task).state).toBe('running');
    vsphere.cancelTask(task.ref);
    await expect(task.wait()).rejects.toMatchObject({ fault: { _type: 'RequestCanceled' } });
    later(2000);
    expect(taskInfo(task)).toMatchObject({
      state: 'error',
      cancelled: true,
      completeTime: vsphere.clock.now() - 2000,
    });
    expect((vsphere.store.get(vm.id) as VmRecord).host).toBe(vm.host);
  });

  it('refuses a task that is not cancelable (NotSupported), which goes on', async () => {
    const { vsphere, vm, taskInfo, later } = setup();
    vsphere.interceptor.add({ method: 'PowerOffVM_Task', delayMs: 1000 });
    const task = vsphere.vm.powerOff(vm.id);
    expect(taskInfo(task).cancelable).toBe(false);
    expect(() => vsphere.cancelTask(task.ref)).toThrow(
      expect.objectContaining({
        name: 'NotSupported',
        message: 'The task PowerOffVM_Task cannot be canceled.',
      }),
    );
    expect(taskInfo(task)).toMatchObject({ state: 'queued', cancelled: false });
    later(1000);
    expect(taskInfo(task).state).toBe('success');
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOff');
  });

  it('refuses a finished task (InvalidState), leaving it as it ended', async () => {
    const { vsphere, vm, run, taskInfo } = setup();
    const task = cloneOf(vsphere, vm, 'copy');
    await run(task);
    expect(() => vsphere.cancelTask(task.ref)).toThrow(expect.objectContaining({ name: 'InvalidState' }));
    expect(taskInfo(task)).toMatchObject({ state: 'success', cancelled: false });
    const failed = cloneOf(vsphere, vm, 'copy');
    await expect(run(failed)).rejects.toMatchObject({ fault: { _type: 'DuplicateName' } });
    expect(() => vsphere.cancelTask(failed.ref.value)).toThrow(
      expect.objectContaining({ name: 'InvalidState' }),
    );
    expect(() => vsphere.cancelTask('task-99999')).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });

  it('passes the interception point', () => {
    const { vsphere, vm, taskInfo } = setup();
    vsphere.interceptor.add({ method: 'CloneVM_Task', delayMs: 1000 });
    vsphere.interceptor.add({ method: 'CancelTask', times: 1, fault: { _type: 'NotFound' } });
    const task = cloneOf(vsphere, vm, 'copy');
    expect(() => vsphere.cancelTask(task.ref)).toThrow(expect.objectContaining({ name: 'NotFound' }));
    expect(taskInfo(task).state).toBe('queued');
  });
});

describe('Task.outcome', () => {
  it('is nothing while the task is queued, then how it ended', () => {
    const { vsphere, vm, later } = setup();
    const task = vsphere.vm.powerOff(vm.id);
    expect(task.outcome()).toBeUndefined();
    later(0);
    expect(task.outcome()).toEqual({ ok: true, result: undefined });
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOff');
  });

  it('is the fault a task ended in, with nothing of the work applied', () => {
    const { vsphere, vm, later } = setup();
    vsphere.interceptor.add({ method: 'PowerOffVM_Task', times: 1, fault: { _type: 'NotSupported' } });
    const task = vsphere.vm.powerOff(vm.id);
    later(0);
    expect(task.outcome()).toMatchObject({ ok: false, fault: { fault: { _type: 'NotSupported' } } });
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOn');
    const invalid = vsphere.vm.powerOn(vm.id);
    later(0);
    expect(invalid.outcome()).toMatchObject({ ok: false, fault: { fault: { _type: 'InvalidPowerState' } } });
  });

  it('waits for the clock with a task that takes time, and tells a cancelled one', () => {
    const { vsphere, vm, later } = setup();
    vsphere.interceptor.add({ method: 'PowerOffVM_Task', times: 1, delayMs: 500 });
    const slow = vsphere.vm.powerOff(vm.id);
    later(499);
    expect(slow.outcome()).toBeUndefined();
    later(1);
    expect(slow.outcome()).toEqual({ ok: true, result: undefined });
    const cancelled = vsphere.vm.relocate(vm.id, {});
    vsphere.cancelTask(cancelled.ref);
    expect(cancelled.outcome()).toMatchObject({ ok: false, fault: { fault: { _type: 'RequestCanceled' } } });
  });
});

describe('blocking tasks', () => {
  /** Work that renames the VM, then fails when told to. */
  const rename =
    (id: string, name: string, fail = false) =>
    (tx: Tx) => {
      tx.put({ ...(tx.get(id) as VmRecord), name });
      if (fail) throw faults.invalidArgument('name');
      return name;
    };
  const call = (target: string) => ({ method: 'Rename_Task', descriptionId: 'x', target });
  const listen = (vsphere: VSphere) => {
    const batches: Batch<InventoryRecord>[] = [];
    vsphere.store.subscribe((b) => batches.push(b));
    return batches;
  };

  it('records a task that takes no time as it ends, in the batch of its work', async () => {
    const { vsphere, vm, taskInfo } = setup();
    const batches = listen(vsphere);
    const heard: string[] = [];
    const task = vsphere.task(call(vm.id), rename(vm.id, 'renamed'), (r) => heard.push(r), {
      blocking: true,
    });
    expect(batches).toHaveLength(1);
    expect(batches[0]?.changes.map((c) => [c.id, c.op])).toEqual(
      expect.arrayContaining([
        [vm.id, 'modify'],
        [task.ref.value, 'enter'],
      ]),
    );
    expect(taskInfo(task)).toMatchObject({ state: 'success', result: 'renamed' });
    expect(heard).toEqual(['renamed']);
    expect(task.outcome()).toEqual({ ok: true, result: 'renamed' });
    await expect(task.wait()).resolves.toBe('renamed');
  });

  it('records a failed one alone, in error, with nothing of its work applied', async () => {
    const { vsphere, vm, taskInfo } = setup();
    const batches = listen(vsphere);
    const task = vsphere.task(call(vm.id), rename(vm.id, 'renamed', true), undefined, { blocking: true });
    expect(batches.map((b) => b.changes.map((c) => c.id))).toEqual([[task.ref.value]]);
    expect(taskInfo(task)).toMatchObject({ state: 'error', error: { _type: 'InvalidArgument' } });
    expect((vsphere.store.get(vm.id) as VmRecord).name).toBe(vm.name);
    expect(task.outcome()).toMatchObject({ ok: false, fault: { fault: { _type: 'InvalidArgument' } } });
    await expect(task.wait()).rejects.toMatchObject({ fault: { _type: 'InvalidArgument' } });
  });

  it('ends one in the fault set at the interception point, its work not run', () => {
    const { vsphere, vm, taskInfo } = setup();
    vsphere.interceptor.add({ method: 'Rename_Task', times: 1, fault: { _type: 'NotSupported' } });
    const task = vsphere.task(call(vm.id), rename(vm.id, 'renamed'), undefined, { blocking: true });
    expect(taskInfo(task)).toMatchObject({ state: 'error', error: { _type: 'NotSupported' } });
    expect((vsphere.store.get(vm.id) as VmRecord).name).toBe(vm.name);
  });

  it('leaves one with a delay to the clock, queued as any other', () => {
    const { vsphere, vm, taskInfo, later } = setup();
    vsphere.interceptor.add({ method: 'Rename_Task', times: 1, delayMs: 500 });
    const task = vsphere.task(call(vm.id), rename(vm.id, 'slow'), undefined, { blocking: true });
    expect(taskInfo(task).state).toBe('queued');
    expect(task.outcome()).toBeUndefined();
    later(500);
    expect(taskInfo(task)).toMatchObject({ state: 'success', result: 'slow' });
  });
});
