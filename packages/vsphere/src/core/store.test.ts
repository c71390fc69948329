import { describe, expect, it } from 'vitest';
import { type Batch, type RelationsOf, Store } from './store.js';

interface Item {
  readonly id: string;
  readonly kind: string;
  readonly owner?: string;
  readonly value?: number;
}

const relations: RelationsOf<Item> = (r) => (r.owner ? [['items', r.owner] as const] : []);
const newStore = (feedSize?: number) =>
  new Store<Item>({ relations, ...(feedSize === undefined ? {} : { feedSize }) });

describe('transactions', () => {
  it('commits one batch with one new, increasing version', () => {
    const store = newStore();
    const batches: Batch<Item>[] = [];
    store.subscribe((b) => batches.push(b));
    store.transact((tx) => {
      tx.put({ id: 'a', kind: 'Thing' });
      tx.put({ id: 'b', kind: 'Thing' });
    });
    store.transact((tx) => tx.update<Item>('a', { value: 1 }));
    expect(batches.map((b) => b.version)).toEqual([1, 2]);
    expect(store.version).toBe(2);
    expect(batches[0]?.changes.map((c) => [c.id, c.op])).toEqual([
      ['a', 'enter'],
      ['b', 'enter'],
    ]);
    expect(batches[1]?.changes).toEqual([
      {
        id: 'a',
        op: 'modify',
        before: { id: 'a', kind: 'Thing' },
        after: { id: 'a', kind: 'Thing', value: 1 },
      },
    ]);
  });

  it('applies nothing and keeps the version when the work throws', () => {
    const store = newStore();
    store.transact((tx) => tx.put({ id: 'a', kind: 'Thing', value: 1 }));
    const heard: Batch<Item>[] = [];
    store.subscribe((b) => heard.push(b));
    expect(() =>
      store.transact((tx) => {
        tx.update<Item>('a', { value: 2 });
        tx.put({ id: 'b', kind: 'Thing', owner: 'a' });
        tx.remove('a');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.get('a')).toEqual({ id: 'a', kind: 'Thing', value: 1 });
    expect(store.has('b')).toBe(false);
    expect(store.referrers('items', 'a').size).toBe(0);
    expect(store.version).toBe(1);
    expect(heard).toEqual([]);
    // The store is usable again after a failed transaction.
    store.transact((tx) => tx.put({ id: 'c', kind: 'Thing' }));
    expect(store.version).toBe(2);
  });

  it('does not commit an empty transaction', () => {
    const store = newStore();
    store.transact(() => undefined);
    store.transact((tx) => tx.remove('missing'));
    expect(store.version).toBe(0);
  });

  it('lets a transaction read its own writes and refuses nesting', () => {
    const store = newStore();
    store.transact((tx) => {
      tx.put({ id: 'a', kind: 'Thing', value: 1 });
      expect(tx.get('a')?.value).toBe(1);
      tx.remove('a');
      expect(tx.get('a')).toBeUndefined();
      expect(() => store.transact(() => 0)).toThrow('already open');
    });
    expect(store.has('a')).toBe(false);
    expect(store.version).toBe(0);
    expect(() => store.transact((tx) => tx.update('missing', {}))).toThrow('no record missing');
  });

  it('indexes records by kind', () => {
    const store = newStore();
    store.transact((tx) => {
      tx.put({ id: 'a', kind: 'Thing' });
      tx.put({ id: 'b', kind: 'Other' });
      tx.put({ id: 'c', kind: 'Thing' });
    });
    expect([...store.idsOf('Thing')]).toEqual(['a', 'c']);
    expect(store.countOf('Other')).toBe(1);
    store.transact((tx) => tx.remove('a'));
    expect([...store.ofKind('Thing')].map((r) => r.id)).toEqual(['c']);
    expect(store.size).toBe(2);
  });
});

describe('the change feed', () => {
  it('returns the batches after a version, and undefined once they fell off', () => {
    const store = newStore(2);
    for (const id of ['a', 'b', 'c']) store.transact((tx) => tx.put({ id, kind: 'Thing' }));
    expect(store.changesSince(3)).toEqual([]);
    expect(store.changesSince(2)?.map((b) => b.version)).toEqual([3]);
    expect(store.changesSince(1)?.map((b) => b.version)).toEqual([2, 3]);
    expect(store.changesSince(0)).toBeUndefined();
  });

  it('has no history after a reset, but keeps the version', () => {
    const store = newStore();
    store.transact((tx) => tx.put({ id: 'a', kind: 'Thing' }));
    store.reset([{ id: 'x', kind: 'Thing', owner: 'y' }], 7);
    expect(store.version).toBe(7);
    expect(store.changesSince(7)).toEqual([]);
    expect(store.changesSince(6)).toBeUndefined();
    expect(store.has('a')).toBe(false);
    expect([...store.referrers('items', 'y')]).toEqual(['x']);
  });
});

describe('reset', () => {
  it('leaves the content as it was when a referrer order does not fit the records', () => {
    const store = newStore();
    store.transact((tx) => {
      tx.put({ id: 'p', kind: 'Owner' });
      tx.put({ id: 'a', kind: 'Thing', owner: 'p' });
    });
    const records = [
      { id: 'q', kind: 'Owner' },
      { id: 'b', kind: 'Thing', owner: 'q' },
    ];
    expect(() => store.reset(records, 7, [['items', 'q', ['b', 'c']]])).toThrow(/referrer order/);
    expect([store.has('a'), store.has('b'), [...store.referrers('items', 'p')]]).toEqual([
      true,
      false,
      ['a'],
    ]);
    store.reset(records, 7, [['items', 'q', ['b']]]);
    expect([store.has('a'), store.version, [...store.referrers('items', 'q')]]).toEqual([false, 7, ['b']]);
  });
});

describe('back-references', () => {
  it('counts and orders referrers as they join and leave, one or many', () => {
    const store = newStore();
    const put = (id: string, owner?: string) =>
      store.transact((tx) => tx.put(owner ? { id, kind: 'Thing', owner } : { id, kind: 'Thing' }));
    put('p');
    put('a', 'p');
    expect([store.referrerCount('items', 'p'), store.firstReferrer('items', 'p')]).toEqual([1, 'a']);
    put('b', 'p');
    put('c', 'p');
    expect([...store.referrers('items', 'p')]).toEqual(['a', 'b', 'c']);
    expect(store.referrerCount('items', 'p')).toBe(3);
    store.transact((tx) => tx.remove('a'));
    expect([store.referrerCount('items', 'p'), store.firstReferrer('items', 'p')]).toEqual([2, 'b']);
    store.transact((tx) => {
      tx.remove('b');
      tx.remove('c');
    });
    expect([store.referrerCount('items', 'p'), store.firstReferrer('items', 'p')]).toEqual([0, undefined]);
    expect(store.referrers('items', 'p').size).toBe(0);
    // A referrer leaving its only target, then coming back.
    put('d', 'p');
    put('d', 'q');
    expect([store.referrerCount('items', 'p'), [...store.referrers('items', 'q')]]).toEqual([0, ['d']]);
    put('d', 'p');
    expect([...store.referrers('items', 'p')]).toEqual(['d']);
  });

  it('keeps referrers through updates and removals, and reports touched targets', () => {
    const store = newStore();
    const batches: Batch<Item>[] = [];
    store.subscribe((b) => batches.push(b));
    store.transact((tx) => {
      tx.put({ id: 'p', kind: 'Owner' });
      tx.put({ id: 'q', kind: 'Owner' });
      tx.put({ id: 'a', kind: 'Thing', owner: 'p' });
    });
    expect([...store.referrers('items', 'p')]).toEqual(['a']);
    // The new target is reported once, as an enter that names the relation.
    expect(batches[0]?.changes.find((c) => c.id === 'p')).toMatchObject({
      op: 'enter',
      referrers: ['items'],
    });

    // Updating the target keeps its referrers.
    store.transact((tx) => tx.update<Item>('p', { value: 1 }));
    expect([...store.referrers('items', 'p')]).toEqual(['a']);

    // Updating the referrer without moving it keeps the link and touches nobody.
    store.transact((tx) => tx.update<Item>('a', { value: 2 }));
    expect([...store.referrers('items', 'p')]).toEqual(['a']);
    expect(batches[2]?.changes.map((c) => c.id)).toEqual(['a']);

    // Moving it reports both targets as modified with the relation that changed.
    store.transact((tx) => tx.update<Item>('a', { owner: 'q' }));
    expect(store.referrers('items', 'p').size).toBe(0);
    expect([...store.referrers('items', 'q')]).toEqual(['a']);
    const moved = batches[3]?.changes ?? [];
    expect(moved[0]).toMatchObject({ id: 'a', op: 'modify' });
    expect(moved.slice(1).map((c) => [c.id, c.op, c.referrers])).toEqual(
      expect.arrayContaining([
        ['p', 'modify', ['items']],
        ['q', 'modify', ['items']],
      ]),
    );
    expect(moved).toHaveLength(3);
    const p = moved.find((c) => c.id === 'p');
    expect(p?.before).toBe(p?.after);

    // Removing the referrer drops the link and touches the target.
    store.transact((tx) => tx.remove('a'));
    expect(store.referrers('items', 'q').size).toBe(0);
    expect(batches[4]?.changes.map((c) => [c.id, c.op, c.referrers])).toEqual([
      ['a', 'leave', undefined],
      ['q', 'modify', ['items']],
    ]);
  });

  it('keeps a removed target its referrers, and does not report it as modified', () => {
    const store = newStore();
    store.transact((tx) => {
      tx.put({ id: 'p', kind: 'Owner' });
      tx.put({ id: 'a', kind: 'Thing', owner: 'p' });
    });
    const batches: Batch<Item>[] = [];
    store.subscribe((b) => batches.push(b));
    store.transact((tx) => tx.remove('p'));
    expect([...store.referrers('items', 'p')]).toEqual(['a']);
    store.transact((tx) => tx.remove('a'));
    expect(batches[1]?.changes.map((c) => [c.id, c.op])).toEqual([['a', 'leave']]);
    expect(store.referrers('items', 'p').size).toBe(0);
  });

  it('reports a target written after its referrer in one batch, and no target that is no record', () => {
    const store = newStore();
    const batches: Batch<Item>[] = [];
    store.subscribe((b) => batches.push(b));
    store.transact((tx) => {
      tx.put({ id: 'a', kind: 'Thing', owner: 'p' });
      tx.put({ id: 'b', kind: 'Thing', owner: 'nobody' });
      tx.put({ id: 'p', kind: 'Owner' });
    });
    expect(batches[0]?.changes.map((c) => [c.id, c.op, c.referrers])).toEqual([
      ['a', 'enter', undefined],
      ['b', 'enter', undefined],
      ['p', 'enter', ['items']],
    ]);
    expect([...store.referrers('items', 'nobody')]).toEqual(['b']);
  });

  it('skips listing relations when sameRelations says an update keeps them', () => {
    let listed = 0;
    const store = new Store<Item>({
      relations: (r) => {
        listed++;
        return relations(r);
      },
      sameRelations: (before, after) => before.owner === after.owner,
    });
    store.transact((tx) => tx.put({ id: 'a', kind: 'Thing', owner: 'p' }));
    listed = 0;
    store.transact((tx) => tx.update<Item>('a', { value: 1 }));
    expect(listed).toBe(0);
    store.transact((tx) => tx.update<Item>('a', { owner: 'q' }));
    expect([...store.referrers('items', 'q')]).toEqual(['a']);
    expect(store.referrers('items', 'p').size).toBe(0);
  });
});
