import { describe, expect, it } from 'vitest';
import { DEFAULT_EPOCH, VirtualClock } from '../core/clock.js';
import type { VmRecord } from '../inventory/records.js';
import { createFixture } from '../testing/fixture.js';
import type { VSphereOptions } from '../vsphere.js';
import { EventLog } from './events.js';

const setup = (options: VSphereOptions = {}) => {
  const clock = new VirtualClock();
  const fixture = createFixture({ clock, ...options });
  return { ...fixture, clock, vm: (name: string) => fixture.at<VmRecord>(`/DC0/vm/${name}`) };
};

describe('events', () => {
  it('get increasing keys, their own key as chainId, the clock time and the acting user', async () => {
    const { clock, vsphere, vm } = setup();
    vsphere.postEvent({ _type: 'GeneralEvent', message: 'one', fullFormattedMessage: 'one' });
    clock.set(DEFAULT_EPOCH + 1000);
    vsphere.userName = 'alice';
    const task = vsphere.vm.powerOff(vm('DC0_H0_VM0').id);
    vsphere.userName = 'bob';
    vsphere.scheduler.runDue();
    await task.wait();
    const events = vsphere.events.list();
    expect(events.map((e) => e._type)).toEqual(['GeneralEvent', 'VmStoppingEvent', 'VmPoweredOffEvent']);
    const keys = events.map((e) => e.key);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of events) expect(e.chainId).toBe(e.key);
    expect(events.map((e) => e.createdTime)).toEqual([
      DEFAULT_EPOCH,
      DEFAULT_EPOCH + 1000,
      DEFAULT_EPOCH + 1000,
    ]);
    // A task's events belong to the user that started it.
    expect(events.map((e) => e.userName)).toEqual(['user', 'alice', 'alice']);
    expect(vsphere.userName).toBe('bob');
  });

  it('keep a chainId they are given, and hand out keys that events never reuse', () => {
    const log = new EventLog(10);
    const chain = log.reserveKey();
    const event = log.post({ _type: 'E', fullFormattedMessage: '', chainId: chain }, 5, 'u');
    expect(event).toMatchObject({ key: chain + 1, chainId: chain, createdTime: 5, userName: 'u' });
    expect(log.nextKey).toBe(chain + 2);
  });

  it('are told to subscribers as they are posted, until they unsubscribe', () => {
    const log = new EventLog(10);
    const heard: string[] = [];
    const stop = log.subscribe((e) => heard.push(e._type));
    log.post({ _type: 'A', fullFormattedMessage: '' }, 0, 'u');
    stop();
    log.post({ _type: 'B', fullFormattedMessage: '' }, 0, 'u');
    expect(heard).toEqual(['A']);
  });

  it('are kept in a ring as large as history.events, oldest dropped first', () => {
    const { vsphere } = setup({ history: { events: 3 } });
    for (let i = 0; i < 5; i++) vsphere.postEvent({ _type: 'GeneralEvent', fullFormattedMessage: `e${i}` });
    expect(vsphere.events.capacity).toBe(3);
    expect(vsphere.events.list().map((e) => e.fullFormattedMessage)).toEqual(['e2', 'e3', 'e4']);
    expect(vsphere.events.list().map((e) => e.key)).toEqual([3, 4, 5]);
  });

  it('restore with their next key', () => {
    const log = new EventLog(2);
    const a = log.post({ _type: 'A', fullFormattedMessage: '' }, 0, 'u');
    const copy = new EventLog(2);
    copy.restore([a], log.nextKey);
    expect(copy.list()).toEqual([a]);
    expect(copy.post({ _type: 'B', fullFormattedMessage: '' }, 0, 'u').key).toBe(a.key + 1);
  });
});

describe('task history', () => {
  it('records a task from queued to its end, with times from the clock', async () => {
    const { clock, vsphere, vm } = setup();
    const target = vm('DC0_H0_VM0');
    vsphere.interceptor.add({ method: 'PowerOffVM_Task', delayMs: 500 });
    const task = vsphere.vm.powerOff(target.id);
    expect(vsphere.store.get(task.ref.value)).toMatchObject({
      kind: 'Task',
      name: 'PowerOffVM_Task',
      descriptionId: 'VirtualMachine.powerOff',
      entity: target.id,
      entityName: 'DC0_H0_VM0',
      state: 'queued',
      queueTime: DEFAULT_EPOCH,
      userName: 'user',
    });
    expect(vsphere.recentTasks).toContain(task.ref.value);
    vsphere.scheduler.runDue();
    expect(vsphere.store.get(task.ref.value)).toMatchObject({ state: 'running', startTime: DEFAULT_EPOCH });
    vsphere.scheduler.advanceTo(clock, DEFAULT_EPOCH + 500);
    await task.wait();
    expect(vsphere.store.get(task.ref.value)).toMatchObject({
      state: 'success',
      startTime: DEFAULT_EPOCH,
      completeTime: DEFAULT_EPOCH + 500,
    });
  });

  it('keeps as many tasks as history.tasks: older Task records leave the store', async () => {
    const { vsphere, vm, run } = setup({ history: { tasks: 2 } });
    const tasks = [];
    for (const name of ['DC0_H0_VM0', 'DC0_H0_VM1', 'DC0_C0_RP0_VM0']) {
      const task = vsphere.vm.powerOff(vm(name).id);
      await run(task);
      tasks.push(task.ref.value);
    }
    expect([...vsphere.recentTasks]).toEqual(tasks.slice(1));
    expect(vsphere.store.has(tasks[0] as string)).toBe(false);
    expect([...vsphere.store.idsOf('Task')]).toEqual(tasks.slice(1));
    await expect(vsphere.waitForTask(tasks[0] as string)).rejects.toMatchObject({
      fault: { _type: 'ManagedObjectNotFound' },
    });
  });

  it('never drops a task that has not finished: its work still runs and completes it', async () => {
    const { vsphere, vm, run, taskInfo } = setup({ history: { tasks: 1 } });
    const first = vsphere.vm.powerOff(vm('DC0_H0_VM0').id);
    const second = vsphere.vm.powerOff(vm('DC0_H0_VM1').id);
    expect(vsphere.store.has(first.ref.value)).toBe(true);
    vsphere.scheduler.runDue();
    await first.wait();
    await second.wait();
    expect(vm('DC0_H0_VM0').powerState).toBe('poweredOff');
    // Once finished, the older task gives way at the next task.
    const third = vsphere.vm.powerOff(vm('DC0_C0_RP0_VM0').id);
    await run(third);
    expect([...vsphere.store.idsOf('Task')]).toEqual([third.ref.value]);
    expect(taskInfo(third).state).toBe('success');
  });

  it('keeps every queued task of a burst, then retires the ones that ended first', async () => {
    const { vsphere, vm, run } = setup({ history: { tasks: 2 } });
    const vms = [...vsphere.store.ofKind('VirtualMachine')].map((r) => r.id);
    const burst = vms.map((id) => vsphere.vm.powerOff(id));
    expect(vsphere.recentTasks.size).toBe(vms.length);
    vsphere.scheduler.runDue();
    await Promise.all(burst.map((t) => t.wait()));
    const next = vsphere.vm.powerOn(vm('DC0_H0_VM0').id);
    await run(next);
    const last = burst.at(-1)?.ref.value as string;
    expect([...vsphere.recentTasks]).toEqual([last, next.ref.value]);
    expect([...vsphere.store.idsOf('Task')]).toEqual([last, next.ref.value]);
  });
});
