import { describe, expect, it } from 'vitest';
import { clone, merged, withControllerReference } from './meta.js';

describe('clone', () => {
  it('copies plain objects and arrays deeply, as structuredClone does, fields set to undefined left out', () => {
    const object = {
      metadata: { name: 'a', labels: { app: 'web' } },
      spec: { list: [1, 'two', { three: 3 }, null, undefined], absent: undefined },
    };
    const copy = clone(object);
    expect(copy).toStrictEqual({
      metadata: { name: 'a', labels: { app: 'web' } },
      spec: { list: [1, 'two', { three: 3 }, null, undefined] },
    });
    expect(copy.metadata).not.toBe(object.metadata);
    expect(copy.spec.list[2]).not.toBe(object.spec.list[2]);
  });

  it('keeps an own __proto__ key a key', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const copy = clone(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('leaves what is not plain data to structuredClone', () => {
    const when = new Date(0);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(clone({ when }).when).toStrictEqual(when);
    expect(clone({ when }).when).not.toBe(when);
    const copy = clone(cyclic);
    expect(copy.name).toBe('loop');
    expect(() => clone({ run: () => undefined })).toThrow();
  });
});

describe('merged', () => {
  it('is the spread of its parts, in their order', () => {
    const out = merged({ a: 1, b: 2 }, { b: 3, c: 4 }, { d: 5 });
    expect(out).toStrictEqual({ a: 1, b: 3, c: 4, d: 5 });
    expect(Object.keys(out)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps an own __proto__ key a key', () => {
    const status = JSON.parse('{"__proto__": {"x": 1}, "phase": "a"}') as Record<string, unknown>;
    const out = merged(status, { phase: 'b' });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'phase']);
    expect(out.phase).toBe('b');
  });
});

describe('withControllerReference', () => {
  const owner = {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineService',
    metadata: { name: 'web', uid: 'new' },
  };
  const ref = (kind: string, name: string, uid: string, apiVersion = owner.apiVersion) => ({
    apiVersion,
    kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  });
  const owned = (...ownerReferences: ReturnType<typeof ref>[]) => ({
    metadata: { name: 'web', namespace: 'ns1', ownerReferences },
  });

  it('replaces a reference to the same object, an older uid or version too, where it is', () => {
    const other = { ...ref('ConfigMap', 'c', 'x', 'v1'), controller: false };
    const stale = ref('VirtualMachineService', 'web', 'old', 'vmoperator.vmware.com/v1alpha2');
    expect(withControllerReference(owned(other, stale), owner)).toEqual([
      other,
      ref('VirtualMachineService', 'web', 'new'),
    ]);
    expect(withControllerReference(owned(), owner)).toEqual([ref('VirtualMachineService', 'web', 'new')]);
  });

  it('refuses an object another controller owns, as controller-runtime does', () => {
    expect(() => withControllerReference(owned(ref('VirtualMachineService', 'db', 'u')), owner)).toThrow(
      'Object ns1/web is already owned by another VirtualMachineService controller db',
    );
  });
});
