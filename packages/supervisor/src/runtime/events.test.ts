import { Random, Scheduler, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import { eventRecorder } from './events.js';

const setup = async () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const kube = new KubeStore({ clock, random: new Random(1) }, { namespaces: ['ns1'] });
  const scheduler = new Scheduler(clock);
  const recorder = eventRecorder(kube, { clock, scheduler }, 'ns/manager/thing-controller');
  const object = await kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm', namespace: 'ns1' },
  });
  const events = async () =>
    (await kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' })).items as (KubeObject & {
      reason: string;
      count: number;
      message: string;
      type: string;
      lastTimestamp: string;
    })[];
  return { clock, scheduler, kube, recorder, object, events };
};

describe('the event recorder', () => {
  it('writes an Event about an object as client-go does, and counts the same one again', async () => {
    const { clock, recorder, object, events } = await setup();
    recorder.normal(object, 'Synced', 'all good');
    const [first] = await events();
    expect(first).toMatchObject({
      metadata: { namespace: 'ns1', name: expect.stringMatching(/^cm\.[0-9a-f]+$/) },
      involvedObject: {
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'cm',
        uid: object.metadata.uid,
        apiVersion: 'v1',
        resourceVersion: object.metadata.resourceVersion,
      },
      reason: 'Synced',
      message: 'all good',
      type: 'Normal',
      count: 1,
      source: { component: 'ns/manager/thing-controller' },
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
    });
    clock.set(clock.now() + 5_000);
    recorder.normal(object, 'Synced', 'all good');
    recorder.emit(object, 'Update', new Error('it broke'));
    recorder.emit(object, 'Update', undefined, true);
    const all = await events();
    expect(all.map((e) => `${e.type} ${e.reason} x${e.count} ${e.lastTimestamp}: ${e.message}`)).toEqual([
      'Normal Synced x2 2026-01-01T00:00:05Z: all good',
      'Warning UpdateFailure x1 2026-01-01T00:00:05Z: it broke',
    ]);
  });

  it('makes an Event someone deleted again, and allows an object a burst of 25, then one per five minutes', async () => {
    const { clock, kube, recorder, object, events } = await setup();
    recorder.normal(object, 'Synced', 'again');
    const [first] = await events();
    await kube.delete({
      apiVersion: 'v1',
      kind: 'Event',
      namespace: 'ns1',
      name: first?.metadata.name as string,
    });
    recorder.normal(object, 'Synced', 'again');
    expect((await events()).map((e) => e.count)).toEqual([1]);
    // Of distinct reasons, so that none is combined with another.
    for (let i = 0; i < 30; i++) recorder.normal(object, `Step${i}`, 'a step');
    // Two of the burst went to the first Event; 23 steps were written, the rest dropped.
    expect((await events()).filter((e) => e.reason.startsWith('Step'))).toHaveLength(23);
    clock.set(clock.now() + 299_000);
    recorder.normal(object, 'Late', 'late');
    expect((await events()).some((e) => e.message === 'late')).toBe(false);
    clock.set(clock.now() + 1_000);
    recorder.normal(object, 'Later', 'later');
    recorder.normal(object, 'TooSoon', 'too soon');
    const messages = (await events()).map((e) => e.message);
    expect(messages).toContain('later');
    expect(messages).not.toContain('too soon');
  });

  it('combines more than ten messages of one reason within ten minutes into one Event', async () => {
    const { clock, recorder, object, events } = await setup();
    for (let i = 1; i <= 12; i++) recorder.warning(object, 'Failed', `attempt ${i}`);
    const summary = (await events()).map((e) => `x${e.count}: ${e.message}`);
    expect(summary.slice(0, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `x1: attempt ${i}`));
    expect(summary.slice(9)).toEqual(['x3: (combined from similar events): attempt 12']);
    // Ten minutes later a message of that reason stands alone again.
    clock.set(clock.now() + 600_001);
    recorder.warning(object, 'Failed', 'attempt 13');
    expect((await events()).at(-1)?.message).toBe('attempt 13');
  });

  it('lets an Event go an hour after its last write, as the API server does', async () => {
    const { clock, scheduler, recorder, object, events } = await setup();
    recorder.normal(object, 'Synced', 'once');
    recorder.normal(object, 'Other', 'kept alive');
    clock.set(clock.now() + 1_800_000);
    recorder.normal(object, 'Other', 'kept alive');
    scheduler.advanceTo(clock, clock.now() + 1_800_000);
    expect((await events()).map((e) => `${e.reason} x${e.count}`)).toEqual(['Other x2']);
    scheduler.advanceTo(clock, clock.now() + 1_800_000);
    expect(await events()).toEqual([]);
  });

  it('keeps one expiry per Event however often it is counted again', async () => {
    const { clock, scheduler, recorder, object, events } = await setup();
    recorder.normal(object, 'Synced', 'again');
    const pending = scheduler.pending;
    for (let i = 0; i < 20; i++) {
      clock.set(clock.now() + 1_000);
      recorder.normal(object, 'Synced', 'again');
    }
    expect(scheduler.pending).toBe(pending);
    expect((await events()).map((e) => `${e.reason} x${e.count}`)).toEqual(['Synced x21']);
  });
});
