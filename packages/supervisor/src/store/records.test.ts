import { describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference } from './meta.js';
import { type KubeRecord, ObjectRecords, recordId } from './records.js';

const owner = (uid: string): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid });

const record = (namespace: string, name: string, ownerReferences?: OwnerReference[]): KubeRecord => {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(ownerReferences ? { ownerReferences } : {}) },
  };
  return { id: recordId('/ConfigMap', namespace, name), kind: '/ConfigMap', namespace, name, object };
};

describe('ObjectRecords', () => {
  it('finds records by name, id, kind and namespace', () => {
    const records = new ObjectRecords(16);
    const a = record('ns1', 'a');
    const b = record('ns2', 'b');
    records.put(a);
    records.put(b);
    expect(records.get('/ConfigMap', 'ns1', 'a')).toBe(a);
    expect(records.byId(b.id)).toBe(b);
    expect([...records.ofKind('/ConfigMap')]).toEqual([a, b]);
    expect(records.idsInNamespace('ns2')).toEqual([b.id]);
    records.remove(a);
    expect(records.get('/ConfigMap', 'ns1', 'a')).toBeUndefined();
    expect(records.idsInNamespace('ns1')).toEqual([]);
    expect(records.version).toBe(3);
  });

  it('keeps the dependents of each owner as owner references come and go', () => {
    const records = new ObjectRecords(16);
    const first = record('ns1', 'd', [owner('u1')]);
    records.put(first);
    expect([...records.dependentsOf('u1')]).toEqual([first.id]);
    // A write that keeps the list keeps the entry; one that changes it moves it.
    records.put({ ...first, object: { ...first.object } });
    expect([...records.dependentsOf('u1')]).toEqual([first.id]);
    const moved = record('ns1', 'd', [owner('u2')]);
    records.put(moved);
    expect(records.dependentsOf('u1').size).toBe(0);
    expect([...records.dependentsOf('u2')]).toEqual([moved.id]);
    const second = record('ns1', 'e', [owner('u2')]);
    records.put(second);
    expect([...records.dependentsOf('u2')]).toEqual([moved.id, second.id]);
    records.remove(moved);
    expect([...records.dependentsOf('u2')]).toEqual([second.id]);
    records.remove(second);
    expect(records.dependentsOf('u2').size).toBe(0);
  });

  it('feeds one batch per write, and refuses a write from a listener', () => {
    const records = new ObjectRecords(2);
    const seen: string[] = [];
    const refused: unknown[] = [];
    records.subscribe(({ version, changes }) => {
      seen.push(`${version} ${changes.map((c) => `${c.op} ${c.id.split('\u0000')[2]}`).join()}`);
      try {
        records.put(record('ns1', 'inner'));
      } catch (error) {
        refused.push(error);
      }
    });
    const a = record('ns1', 'a');
    records.put(a);
    records.put(a); // the same state: nothing to commit
    records.put(record('ns1', 'a'));
    records.remove(a);
    expect(seen).toEqual(['1 enter a', '2 modify a', '3 leave a']);
    expect(refused).toHaveLength(3);
    expect(records.get('/ConfigMap', 'ns1', 'inner')).toBeUndefined();
    expect(records.changesSince(1)?.map((b) => b.version)).toEqual([2, 3]);
    // Two batches are kept: the first fell off.
    expect(records.changesSince(0)).toBeUndefined();
    expect(records.changesSince(3)).toEqual([]);
  });
});
