import { describe, expect, it } from 'vitest';
import { createFixture } from '../testing/fixture.js';
import type { Sleep } from './property-collector.js';

const setup = () => {
  const { vsphere, ref } = createFixture();
  const pc = vsphere.collector.get();
  const vm = ref('/DC0/vm/DC0_H0_VM0');
  const filter = pc.createFilter(
    { objectSet: [{ obj: vm }], propSet: [{ type: 'VirtualMachine', pathSet: ['runtime.powerState'] }] },
    false,
  );
  return { vsphere, pc, vm, filter };
};

/** A sleep the test ends by hand: no real time passes in these tests. */
const manualSleep = () => {
  const asked: number[] = [];
  const signals: AbortSignal[] = [];
  let wake = () => {};
  const sleep: Sleep = (ms, signal) => {
    asked.push(ms);
    signals.push(signal);
    return new Promise<void>((resolve) => {
      wake = resolve;
    });
  };
  return { sleep, asked, signals, wake: () => wake() };
};

/** Lets pending promise callbacks and microtasks run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WaitForUpdatesEx', () => {
  it('answers the first call at once with everything', async () => {
    const { pc, vm, filter } = setup();
    const set = await pc.waitForUpdates('', {}, manualSleep().sleep);
    expect(set?.filterSet).toEqual([
      {
        filter,
        objectSet: [
          {
            kind: 'enter',
            obj: vm,
            changeSet: [{ name: 'runtime.powerState', op: 'assign', val: 'poweredOn' }],
            missingSet: [],
          },
        ],
        missingSet: [],
      },
    ]);
  });

  it('resolves a pending wait as soon as a power operation commits', async () => {
    const { vsphere, pc, vm, filter } = setup();
    const v1 = (await pc.waitForUpdates('', {}))?.version;
    const { sleep, asked, signals } = manualSleep();
    let settled = false;
    const pending = pc.waitForUpdates(v1, { maxWaitSeconds: 60 }, sleep).finally(() => {
      settled = true;
    });
    expect(asked).toEqual([60_000]);
    const task = vsphere.vm.powerOff(vm);
    await flush();
    // The queued task's commit changes nothing the filter asks for: still waiting.
    expect(settled).toBe(false);
    vsphere.scheduler.runDue();
    const set = await pending;
    expect(Number(set?.version)).toBeGreaterThan(Number(v1));
    expect(set?.filterSet).toEqual([
      {
        filter,
        objectSet: [
          {
            kind: 'modify',
            obj: vm,
            changeSet: [{ name: 'runtime.powerState', op: 'assign', val: 'poweredOff' }],
            missingSet: [],
          },
        ],
        missingSet: [],
      },
    ]);
    await task.wait();
    // The caller's timer is told it is no longer needed.
    expect(signals[0]?.aborted).toBe(true);
  });

  it('returns nothing when the wait ends first, which is not a fault', async () => {
    const { vsphere, pc, vm } = setup();
    const v1 = pc.checkForUpdates()?.version;
    const { sleep, asked, wake } = manualSleep();
    const pending = pc.waitForUpdates(v1, { maxWaitSeconds: 1.5 }, sleep);
    expect(asked).toEqual([1500]);
    wake();
    expect(await pending).toBeUndefined();
    // The version stays good: a later change is reported against it.
    const task = vsphere.vm.powerOff(vm);
    vsphere.scheduler.runDue();
    await task.wait();
    expect((await pc.waitForUpdates(v1, { maxWaitSeconds: 0 }))?.filterSet[0]?.objectSet[0]?.kind).toBe(
      'modify',
    );
  });

  it('polls once with maxWaitSeconds=0', async () => {
    const { pc } = setup();
    const v1 = pc.checkForUpdates()?.version;
    const { sleep, asked } = manualSleep();
    expect(await pc.waitForUpdates(v1, { maxWaitSeconds: 0 }, sleep)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('rejects a pending wait with RequestCanceled on CancelWaitForUpdates', async () => {
    const { pc } = setup();
    const v1 = pc.checkForUpdates()?.version;
    const pending = pc.waitForUpdates(v1, {});
    pc.cancelWaitForUpdates();
    await expect(pending).rejects.toMatchObject({ fault: { _type: 'RequestCanceled' } });
    // Nothing pending: canceling again is harmless.
    pc.cancelWaitForUpdates();
  });

  it('cancels an older wait when a newer one starts, and waits when the collector goes', async () => {
    const { vsphere } = setup();
    const created = vsphere.collector.create();
    const pc = vsphere.collector.get(created);
    const v1 = pc.checkForUpdates()?.version;
    const older = pc.waitForUpdates(v1, {});
    const newer = pc.waitForUpdates(v1, {});
    await expect(older).rejects.toMatchObject({ fault: { _type: 'RequestCanceled' } });
    vsphere.collector.destroy(created);
    await expect(newer).rejects.toMatchObject({ fault: { _type: 'RequestCanceled' } });
  });

  it('rejects a version the collector did not issue', async () => {
    const { pc } = setup();
    await expect(pc.waitForUpdates('42', {})).rejects.toMatchObject({
      fault: { _type: 'InvalidCollectorVersion' },
    });
  });
});

describe('the default collector, per session', () => {
  /** Runs `work` as the session `key` makes its calls, as the facades run each call. */
  const as = <T>(vsphere: ReturnType<typeof createFixture>['vsphere'], key: string, work: () => T): T =>
    vsphere.runAs({ sessionKey: key }, work);

  it("keeps each session's filters, versions and waits its own, and drops them when it ends", async () => {
    const { vsphere, ref } = createFixture();
    const a = vsphere.sessions.login('user', 'pass').key;
    const b = vsphere.sessions.login('user', 'pass').key;
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    const spec = { objectSet: [{ obj: vm }], propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }] };
    const filterA = as(vsphere, a, () => vsphere.collector.get().createFilter(spec));
    const read = (key: string) =>
      as(vsphere, key, () => vsphere.read('propertyCollector', 'filter') as { value: string }[]);
    expect(read(a)).toEqual([filterA]);
    expect(read(b)).toEqual([]);
    // B's first wait reports nothing of A's filter, and does not cancel A's pending wait.
    const v1 = (await as(vsphere, a, () => vsphere.collector.get().waitForUpdates('', {})))?.version;
    const { sleep, wake } = manualSleep();
    const pendingA = as(vsphere, a, () =>
      vsphere.collector.get().waitForUpdates(v1, { maxWaitSeconds: 60 }, sleep),
    );
    const first = await as(vsphere, b, () => vsphere.collector.get().waitForUpdates('', {}));
    expect(first?.filterSet).toEqual([]);
    expect(() => as(vsphere, b, () => vsphere.collector.destroyFilter(filterA))).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    wake();
    await expect(pendingA).resolves.toBeUndefined();
    // A's filters end with its session, after the call that ended it.
    vsphere.sessions.logout(a);
    vsphere.scheduler.runDue();
    expect(vsphere.store.has(filterA.value)).toBe(false);
  });

  it("reads a pending wait's properties as its own session, whoever's call runs when it polls", async () => {
    const { vsphere, ref } = createFixture();
    const a = vsphere.sessions.login('user', 'pass').key;
    const b = vsphere.sessions.login('user', 'pass').key;
    const collector = { type: 'PropertyCollector', value: 'propertyCollector' };
    const own = as(vsphere, a, () =>
      vsphere.collector.get().createFilter({
        objectSet: [{ obj: collector }],
        propSet: [{ type: 'PropertyCollector', pathSet: ['filter'] }],
      }),
    );
    const first = await as(vsphere, a, () => vsphere.collector.get().waitForUpdates('', {}));
    expect(first?.filterSet[0]?.objectSet[0]?.changeSet).toEqual([
      { name: 'filter', op: 'assign', val: [own] },
    ]);
    const { sleep, wake } = manualSleep();
    const pending = as(vsphere, a, () =>
      vsphere.collector.get().waitForUpdates(first?.version, { maxWaitSeconds: 60 }, sleep),
    );
    // B makes a filter of its own; A's wait polls once B's call is over, outside any call.
    as(vsphere, b, () =>
      vsphere.collector.get().createFilter({
        objectSet: [{ obj: ref('/DC0/vm/DC0_H0_VM0') }],
        propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }],
      }),
    );
    await flush();
    wake();
    // A's `filter` property did not change: A's wait ends with nothing to report.
    await expect(pending).resolves.toBeUndefined();
  });

  it("shows no session another's views, in the view list or as an object to read", () => {
    const { vsphere, ref } = createFixture();
    const [a, b] = [0, 1].map(() => vsphere.sessions.login('user', 'pass').key) as [string, string];
    const view = as(vsphere, a, () =>
      vsphere.views.createContainerView(ref('/').value, ['VirtualMachine'], true),
    );
    const viewList = (key: string) =>
      as(vsphere, key, () =>
        vsphere.read<{ value: string }[]>('ViewManager', 'viewList').map((v) => v.value),
      );
    expect([viewList(a), viewList(b)]).toEqual([[view.value], []]);
    const read = () =>
      vsphere.collector
        .get()
        .retrieveProperties([
          { objectSet: [{ obj: view }], propSet: [{ type: 'ContainerView', pathSet: ['view'] }] },
        ]);
    expect(as(vsphere, a, read)).toHaveLength(1);
    expect(() => as(vsphere, b, read)).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    // In process, outside any session, every view is there.
    expect(vsphere.read<unknown[]>('ViewManager', 'viewList')).toHaveLength(1);
  });

  it('drops the views and collectors a session made when it ends, not those of others', () => {
    const { vsphere, ref } = createFixture();
    const make = (key: string) =>
      as(vsphere, key, () => {
        const collector = vsphere.collector.create();
        const spec = {
          objectSet: [{ obj: ref('/DC0/vm/DC0_H0_VM0') }],
          propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }],
        };
        return [
          vsphere.views.createContainerView(ref('/').value, ['VirtualMachine'], true),
          vsphere.views.createListView([ref('/DC0')]),
          collector,
          vsphere.collector.get(collector).createFilter(spec),
          vsphere.history.createEventCollector(),
          vsphere.history.createTaskCollector(),
        ].map((r) => r.value);
      });
    const a = vsphere.sessions.login('user', 'pass').key;
    const b = vsphere.sessions.login('user', 'pass').key;
    const mine = make(a);
    const theirs = make(b);
    vsphere.sessions.logout(a);
    vsphere.scheduler.runDue();
    expect(mine.filter((id) => vsphere.store.has(id))).toEqual([]);
    expect(theirs.every((id) => vsphere.store.has(id))).toBe(true);
    // A session terminated loses them too.
    vsphere.sessions.terminate([b], a);
    vsphere.scheduler.runDue();
    expect(theirs.filter((id) => vsphere.store.has(id))).toEqual([]);
  });
});
