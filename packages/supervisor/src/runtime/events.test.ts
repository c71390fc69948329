import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import { eventRecorder } from './events.js';

const setup = async () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const kube = new KubeStore({ clock, random: new Random(1) }, { namespaces: ['ns1'] });
  const recorder = eventRecorder(kube, clock, 'ns/manager/thing-controller');
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
  return { clock, kube, recorder, object, events };
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
    for (let i = 0; i < 30; i++) recorder.normal(object, 'Step', `step ${i}`);
    // Two of the burst went to the first Event; 23 steps were written, the rest dropped.
    expect((await events()).filter((e) => e.reason === 'Step')).toHaveLength(23);
    clock.set(clock.now() + 299_000);
    recorder.normal(object, 'Step', 'late');
    expect((await events()).some((e) => e.message === 'late')).toBe(false);
    clock.set(clock.now() + 1_000);
    recorder.normal(object, 'Step', 'later');
    recorder.normal(object, 'Step', 'too soon');
    const messages = (await events()).map((e) => e.message);
    expect(messages).toContain('later');
    expect(messages).not.toContain('too soon');
  });
});
