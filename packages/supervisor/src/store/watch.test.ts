import { describe, expect, it } from 'vitest';
import type { KubeObject } from './meta.js';
import { WatchQueue } from './watch.js';

const obj = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

describe('watch queue', () => {
  it('hands queued events out in order, then waits for the next one', async () => {
    const q = new WatchQueue();
    q.push({ type: 'ADDED', object: obj('a') });
    q.push({ type: 'ADDED', object: obj('b') });
    expect((await q.next()).value?.object.metadata.name).toBe('a');
    expect((await q.next()).value?.object.metadata.name).toBe('b');
    const pending = q.next();
    q.push({ type: 'MODIFIED', object: obj('c') });
    expect((await pending).value).toEqual({ type: 'MODIFIED', object: obj('c') });
  });

  it('finish delivers what is queued, then ends and calls onStop once', async () => {
    let stops = 0;
    const q = new WatchQueue(() => stops++);
    q.push({ type: 'ADDED', object: obj('a') });
    q.finish();
    expect((await q.next()).done).toBe(false);
    expect((await q.next()).done).toBe(true);
    q.stop();
    expect(stops).toBe(1);
  });

  it('stop ends a waiting consumer and drops later events', async () => {
    let stops = 0;
    const q = new WatchQueue(() => stops++);
    const waiting = q.next();
    q.stop();
    expect((await waiting).done).toBe(true);
    q.push({ type: 'ADDED', object: obj('a') });
    expect(q.pending).toBe(0);
    expect(stops).toBe(1);
  });

  it('return() ends a for-await loop', async () => {
    const q = new WatchQueue();
    for (const n of ['a', 'b', 'c']) q.push({ type: 'ADDED', object: obj(n) });
    const seen: string[] = [];
    for await (const e of q) {
      seen.push((e.object as KubeObject).metadata.name as string);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['a', 'b']);
    expect(q.done).toBe(true);
  });
});
