import { describe, expect, it } from 'vitest';
import type { KubeObject } from './meta.js';
import { defaultedObject, objectShape, type SchemaShape, shapedObject } from './schema-shape.js';

const object = (rest: Record<string, unknown>): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  ...rest,
});

/** A kind's shape: its apiVersion, kind and a spec of these fields. */
const ofSpec = (spec: Record<string, SchemaShape>): SchemaShape => ({
  f: { apiVersion: 0, kind: 0, spec: { f: spec } },
});

describe('pruning', () => {
  const node = objectShape(
    ofSpec({
      size: 0,
      ports: { i: { f: { name: 0, port: 0 } } },
      selector: 0,
      limits: { m: { f: { max: 0 } } },
      raw: { f: { kept: { f: {} } }, u: 1 },
      empty: { f: {} },
    }),
  );

  it('gives back the very object when it declares everything it holds', () => {
    const whole = object({
      spec: { size: 1, ports: [{ name: 'a', port: 1 }], selector: { any: 'x' }, limits: { a: { max: 1 } } },
    });
    expect(shapedObject(node, whole)).toBe(whole);
  });

  it('drops what is not declared, at any depth, copying only what changes', () => {
    const ports = [{ name: 'a', port: 1 }];
    const sent = object({
      extra: 1,
      metadata: { name: 'w', labels: { a: 'b' }, bogus: true, ownerReferences: [{ name: 'o', x: 1 }] },
      spec: {
        size: 1,
        typo: 2,
        ports,
        limits: { a: { max: 1, min: 0 }, b: { max: 2 } },
        raw: { anything: { goes: 1 }, kept: { inner: 1 } },
        empty: { a: 1 },
      },
    });
    const before = structuredClone(sent);
    const out = shapedObject(node, sent);
    expect(out).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', labels: { a: 'b' }, ownerReferences: [{ name: 'o' }] },
      spec: {
        size: 1,
        ports,
        limits: { a: { max: 1 }, b: { max: 2 } },
        raw: { anything: { goes: 1 }, kept: {} },
        empty: {},
      },
    });
    expect(sent).toEqual(before);
    expect((out.spec as { ports: unknown }).ports).toBe(ports);
    expect(out.metadata.labels).toBe(sent.metadata.labels);
  });

  it('keeps an own __proto__ key a key in what it copies', () => {
    const sent = object(JSON.parse('{"spec":{"limits":{"__proto__":{"max":1,"min":0}}}}'));
    const limits = (shapedObject(node, sent).spec as { limits: object }).limits;
    expect(Object.getPrototypeOf(limits)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(limits, '__proto__')?.value).toEqual({ max: 1 });
  });

  it('prunes list items one by one, and keeps a value of another type for the type checks', () => {
    const out = shapedObject(
      node,
      object({ spec: { ports: [{ name: 'a', x: 1 }, 'odd', null], size: { not: 'a number' } } }),
    );
    expect(out.spec).toEqual({ ports: [{ name: 'a' }, 'odd', null], size: { not: 'a number' } });
  });

  it("keeps the top level of a kind without a schema, and holds its metadata to ObjectMeta's", () => {
    const out = shapedObject(
      objectShape(undefined),
      object({ spec: { any: 1 }, data: 2, metadata: { name: 'w', x: 1 } }),
    );
    expect(out).toEqual(object({ spec: { any: 1 }, data: 2 }));
  });
});

describe('defaulting', () => {
  const node = objectShape(
    ofSpec({
      mode: { d: 'TrySoft' },
      probe: { f: { threshold: { d: 'green' }, period: 0 } },
      files: { i: { f: { path: 0, owner: { d: 'root:root' } } } },
      limits: { m: { f: { max: 0, unit: { d: 'Mi' } } } },
      tags: { d: ['a'] },
    }),
  );

  it('fills in what is missing, at any depth, in list items and map values, copying what changes', () => {
    const files = [{ path: '/a', owner: 'me' }];
    const sent = object({
      spec: { probe: {}, files: [...files, { path: '/b' }], limits: { cpu: { max: 1 } }, mode: null },
    });
    const before = structuredClone(sent);
    const out = defaultedObject(node, sent);
    expect(out.spec).toEqual({
      mode: 'TrySoft',
      probe: { threshold: 'green' },
      files: [
        { path: '/a', owner: 'me' },
        { path: '/b', owner: 'root:root' },
      ],
      limits: { cpu: { max: 1, unit: 'Mi' } },
      tags: ['a'],
    });
    expect(sent).toEqual(before);
    expect((out.spec as { files: unknown[] }).files[0]).toBe(files[0]);
    // Each object gets a default of its own.
    const again = defaultedObject(node, object({ spec: {} }));
    expect((again.spec as { tags: unknown }).tags).not.toBe((out.spec as { tags: unknown }).tags);
  });

  it('leaves an object it gives nothing to as it is, and an absent parent absent', () => {
    const whole = object({
      spec: { mode: 'Hard', files: [], limits: {}, tags: [] },
    });
    expect(defaultedObject(node, whole)).toBe(whole);
    expect(shapedObject(node, object({}))).toEqual(object({}));
  });
});
