import { describe, expect, it } from 'vitest';
import { DEFAULT_EPOCH } from '../core/clock.js';
import { ROOT_FOLDER } from '../inventory/build.js';
import type { HistoryCollectorRecord, HostRecord, VmRecord } from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { createFixture } from '../testing/fixture.js';
import { DEFAULT_PAGE_SIZE, MAX_COLLECTORS } from './collectors.js';
import type { VimEvent } from './events.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  const vm = fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0');
  return {
    ...fixture,
    vm,
    /** Posts `n` general events with messages `e0`, `e1`, ... */
    post: (n: number, prefix = 'e') => {
      for (let i = 0; i < n; i++)
        vsphere.postEvent({ _type: 'GeneralEvent', fullFormattedMessage: `${prefix}${i}` });
    },
    messages: (events: readonly unknown[]) => events.map((e) => (e as VimEvent).fullFormattedMessage),
    page: (ref: MoRef) => vsphere.read<VimEvent[]>(ref, 'latestPage'),
  };
};

const onlyGeneral = { eventTypeId: ['GeneralEvent'] };

describe('QueryEvents', () => {
  it('filters by entity with self, children and all recursion', async () => {
    const { vsphere, vm, at, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const host = at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
    const byVm = vsphere.history.queryEvents({ entity: { entity: vm.id, recursion: 'self' } });
    expect(byVm.map((e) => e._type)).toEqual(['VmStoppingEvent', 'VmPoweredOffEvent']);
    // The VM's events name its host too: `self` on the host finds them.
    expect(vsphere.history.queryEvents({ entity: { entity: host.id, recursion: 'self' } })).toHaveLength(2);
    const dc = at('/DC0');
    expect(vsphere.history.queryEvents({ entity: { entity: dc.id, recursion: 'children' } })).toHaveLength(2);
    const folder = at('/DC0/vm');
    expect(vsphere.history.queryEvents({ entity: { entity: folder.id, recursion: 'self' } })).toHaveLength(0);
    expect(vsphere.history.queryEvents({ entity: { entity: folder.id, recursion: 'all' } })).toHaveLength(2);
  });

  it('gives events without an entity to the root folder', () => {
    const { vsphere, post } = setup();
    post(2);
    const self = { entity: { entity: ROOT_FOLDER, recursion: 'self' as const } };
    expect(vsphere.history.queryEvents(self)).toHaveLength(2);
  });

  it('filters by type, user, chain, time and category, and keeps the newest maxCount', async () => {
    const { vsphere, vm, run, later, post, messages } = setup();
    post(3);
    later(1000);
    vsphere.userName = 'alice';
    await run(vsphere.vm.powerOff(vm.id));
    const [stopping] = vsphere.history.queryEvents({ type: ['VmStoppingEvent'] });
    expect(stopping?.userName).toBe('alice');
    expect(vsphere.history.queryEvents({ userName: { userList: ['alice'] } })).toHaveLength(2);
    expect(vsphere.history.queryEvents({ eventChainId: stopping?.chainId as number })).toEqual([stopping]);
    const since = new Date(DEFAULT_EPOCH + 500).toISOString();
    expect(vsphere.history.queryEvents({ time: { beginTime: since } })).toHaveLength(2);
    expect(vsphere.history.queryEvents({ time: { endTime: DEFAULT_EPOCH } })).toHaveLength(3);
    expect(vsphere.history.queryEvents({ category: ['warning'] })).toHaveLength(0);
    expect(messages(vsphere.history.queryEvents({ ...onlyGeneral, maxCount: 2 }))).toEqual(['e1', 'e2']);
  });

  it('passes the interception point', () => {
    const { vsphere } = setup();
    vsphere.interceptor.add({ method: 'QueryEvents', times: 1, fault: { _type: 'NotImplemented' } });
    expect(() => vsphere.history.queryEvents({})).toThrow(
      expect.objectContaining({ name: 'NotImplemented' }),
    );
  });
});

describe('EventHistoryCollector', () => {
  it('shows the newest events matching its filter as latestPage, newest first', () => {
    const { vsphere, post, messages, page } = setup();
    post(12);
    const ref = vsphere.history.createEventCollector(onlyGeneral);
    expect(ref.type).toBe('EventHistoryCollector');
    expect(ref.value).toMatch(/^session\[/);
    expect(messages(page(ref))).toEqual(['e11', 'e10', 'e9', 'e8', 'e7', 'e6', 'e5', 'e4', 'e3', 'e2']);
    expect(page(ref)).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(vsphere.read(ref, 'filter')).toEqual({ _type: 'EventFilterSpec', ...onlyGeneral });
    vsphere.history.setPageSize(ref, 3);
    expect(messages(vsphere.history.latestPage(ref))).toEqual(['e11', 'e10', 'e9']);
    vsphere.history.setPageSize(ref, 0);
    expect(page(ref)).toEqual([]);
  });

  it('reads forward from the oldest item, and back from just before the latest page after a reset', () => {
    const { vsphere, post, messages } = setup();
    post(7);
    const ref = vsphere.history.createEventCollector(onlyGeneral);
    vsphere.history.setPageSize(ref, 2);
    expect(messages(vsphere.history.readNextEvents(ref, 3))).toEqual(['e0', 'e1', 'e2']);
    expect(messages(vsphere.history.readNextEvents(ref, 3))).toEqual(['e3', 'e4', 'e5']);
    expect(messages(vsphere.history.readPreviousEvents(ref, 2))).toEqual(['e5', 'e4']);
    expect(messages(vsphere.history.readNextEvents(ref, 10))).toEqual(['e4', 'e5', 'e6']);
    expect(vsphere.history.readNextEvents(ref, 10)).toEqual([]);
    vsphere.history.reset(ref);
    // Everything before the latest page (e5, e6), newest first.
    expect(messages(vsphere.history.readPreviousEvents(ref, 3))).toEqual(['e4', 'e3', 'e2']);
    expect(messages(vsphere.history.readPreviousEvents(ref, 3))).toEqual(['e1', 'e0']);
    expect(vsphere.history.readPreviousEvents(ref, 3)).toEqual([]);
    vsphere.history.rewind(ref);
    expect(messages(vsphere.history.readNextEvents(ref, 1))).toEqual(['e0']);
  });

  it('refuses read counts and page sizes outside 1..1000 and 0..1000 (InvalidArgument)', () => {
    const { vsphere } = setup();
    const ref = vsphere.history.createEventCollector({});
    const bad = expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'maxCount' } });
    expect(() => vsphere.history.readNextEvents(ref, 0)).toThrow(bad);
    expect(() => vsphere.history.readPreviousEvents(ref, 1001)).toThrow(bad);
    expect(() => vsphere.history.setPageSize(ref, -1)).toThrow(bad);
    expect(() => vsphere.history.setPageSize(ref, 1001)).toThrow(bad);
    expect((vsphere.store.get(ref.value) as HistoryCollectorRecord).pageSize).toBe(DEFAULT_PAGE_SIZE);
  });

  it('allows a session MAX_COLLECTORS collectors (InvalidState beyond), counted per session', () => {
    const { vsphere } = setup();
    const alice = vsphere.sessions.login('user', 'pass').key;
    vsphere.sessionKey = alice;
    for (let i = 0; i < MAX_COLLECTORS; i++) vsphere.history.createEventCollector({});
    expect(() => vsphere.history.createEventCollector({})).toThrow(
      expect.objectContaining({ name: 'InvalidState', message: 'Too many event collectors to create' }),
    );
    // Task collectors are counted apart, and so is another session.
    vsphere.history.createTaskCollector({});
    vsphere.sessionKey = vsphere.sessions.login('user', 'pass').key;
    vsphere.history.createEventCollector({});
    expect(vsphere.store.countOf('EventHistoryCollector')).toBe(MAX_COLLECTORS + 1);
  });

  it("is destroyed by DestroyCollector, and with its session's logout", () => {
    const { vsphere } = setup();
    const ref = vsphere.history.createEventCollector({});
    vsphere.history.destroy(ref);
    expect(() => vsphere.history.readNextEvents(ref, 1)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
    const session = vsphere.sessions.login('user', 'pass').key;
    vsphere.sessionKey = session;
    const mine = vsphere.history.createEventCollector({});
    const task = vsphere.history.createTaskCollector({});
    vsphere.sessionKey = undefined;
    const other = vsphere.history.createEventCollector({});
    vsphere.sessions.logout(session);
    vsphere.scheduler.runDue();
    expect(vsphere.store.has(mine.value)).toBe(false);
    expect(vsphere.store.has(task.value)).toBe(false);
    expect(vsphere.store.has(other.value)).toBe(true);
  });

  it('refuses a filter on an entity that does not exist (ManagedObjectNotFound)', () => {
    const { vsphere } = setup();
    expect(() =>
      vsphere.history.createEventCollector({ entity: { entity: 'vm-9999', recursion: 'self' } }),
    ).toThrow(expect.objectContaining({ name: 'ManagedObjectNotFound' }));
    expect(vsphere.store.countOf('EventHistoryCollector')).toBe(0);
  });

  it('keeps the filter entity as a reference', () => {
    const { vsphere, vm } = setup();
    const ref = vsphere.history.createEventCollector({ entity: { entity: vm.id, recursion: 'self' } });
    expect(vsphere.read(ref, 'filter.entity')).toEqual({
      entity: { type: 'VirtualMachine', value: vm.id },
      recursion: 'self',
    });
  });

  it('tells a property filter on latestPage of a new matching event, and only of a matching one', async () => {
    const { vsphere, vm, run, post, messages } = setup();
    const ref = vsphere.history.createEventCollector({ entity: { entity: vm.id, recursion: 'self' } });
    const collector = vsphere.collector.get();
    collector.createFilter(
      { objectSet: [{ obj: ref }], propSet: [{ type: 'EventHistoryCollector', pathSet: ['latestPage'] }] },
      false,
    );
    const first = await collector.waitForUpdates('', { maxWaitSeconds: 0 });
    post(1);
    vsphere.scheduler.runDue();
    expect(await collector.waitForUpdates(first?.version, { maxWaitSeconds: 0 })).toBeUndefined();
    await run(vsphere.vm.powerOff(vm.id));
    const next = await collector.waitForUpdates(first?.version, { maxWaitSeconds: 0 });
    const change = next?.filterSet[0]?.objectSet[0]?.changeSet[0];
    expect(change?.name).toBe('latestPage');
    expect(messages(change?.val as VimEvent[])).toEqual([
      'DC0_H0_VM0 on DC0_H0 in DC0 is powered off',
      'DC0_H0_VM0 on host DC0_H0 in DC0 is stopping',
    ]);
  });
});

describe('TaskHistoryCollector', () => {
  it('shows the matching tasks as TaskInfo, newest first, and reads them forward and back', async () => {
    const { vsphere, vm, at, run } = setup();
    const other = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    const tasks = [vsphere.vm.powerOff(vm.id), vsphere.vm.powerOff(other.id), vsphere.vm.powerOn(vm.id)];
    for (const t of tasks) await run(t);
    const ref = vsphere.history.createTaskCollector({ entity: { entity: vm.id, recursion: 'self' } });
    const page = vsphere.read<{ _type: string; key: string; state: string }[]>(ref, 'latestPage');
    expect(page.map((t) => t.key)).toEqual([tasks[2]?.ref.value, tasks[0]?.ref.value]);
    expect(page[0]).toMatchObject({ _type: 'TaskInfo', state: 'success', name: 'PowerOnVM_Task' });
    expect(vsphere.history.readNextTasks(ref, 5).map((t) => t.key)).toEqual([
      tasks[0]?.ref.value,
      tasks[2]?.ref.value,
    ]);
    vsphere.history.setPageSize(ref, 1);
    vsphere.history.reset(ref);
    expect(vsphere.history.readPreviousTasks(ref, 5).map((t) => t.key)).toEqual([tasks[0]?.ref.value]);
    const failed = vsphere.history.createTaskCollector({ state: ['error'] });
    expect(vsphere.history.latestPage(failed)).toEqual([]);
  });

  it('filters by activation id, the id a vAPI caller gave the task its call spawned', async () => {
    const { vsphere, vm, run } = setup();
    const call = { method: 'Rename_Task', descriptionId: 'VirtualMachine.rename', target: vm.id };
    const tagged = vsphere.task(call, () => 'a', undefined, { activationId: 'pub-1' });
    await run(tagged);
    await run(vsphere.task(call, () => 'b'));
    const ref = vsphere.history.createTaskCollector({ activationId: ['pub-1'] });
    const page = vsphere.history.latestPage(ref) as { key: string; activationId?: string }[];
    expect(page.map((t) => [t.key, t.activationId])).toEqual([[tagged.ref.value, 'pub-1']]);
    for (const activationId of [['pub-2'], ['']])
      expect(vsphere.history.latestPage(vsphere.history.createTaskCollector({ activationId }))).toEqual([]);
    expect(
      vsphere.history.latestPage(vsphere.history.createTaskCollector({ activationId: [] })),
    ).toHaveLength(2);
  });

  it('tells a property filter on latestPage as its tasks run', async () => {
    const { vsphere, vm } = setup();
    const ref = vsphere.history.createTaskCollector({ entity: { entity: vm.id, recursion: 'self' } });
    const collector = vsphere.collector.get();
    collector.createFilter(
      { objectSet: [{ obj: ref }], propSet: [{ type: 'TaskHistoryCollector', pathSet: ['latestPage'] }] },
      false,
    );
    const first = await collector.waitForUpdates('', { maxWaitSeconds: 0 });
    const task = vsphere.vm.powerOff(vm.id);
    vsphere.scheduler.runDue();
    await task.wait();
    const next = await collector.waitForUpdates(first?.version, { maxWaitSeconds: 0 });
    const val = next?.filterSet[0]?.objectSet[0]?.changeSet[0]?.val as { key: string; state: string }[];
    expect(val).toEqual([expect.objectContaining({ key: task.ref.value, state: 'success' })]);
  });
});
