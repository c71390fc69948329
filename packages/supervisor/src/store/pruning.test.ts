import { describe, expect, it } from 'vitest';
import type { KubeObject } from './meta.js';
import { objectPruning, type Pruning, prunedObject } from './pruning.js';

const object = (rest: Record<string, unknown>): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  ...rest,
});

describe('pruning', () => {
  const declared: Pruning = {
    f: {
      apiVersion: 0,
      kind: 0,
      spec: {
        f: {
          size: 0,
          ports: { i: { f: { name: 0, port: 0 } } },
          selector: 0,
          limits: { m: { f: { max: 0 } } },
          raw: { f: { kept: { f: {} } }, u: 1 },
          empty: { f: {} },
        },
      },
    },
  };
  const node = objectPruning(declared);

  it('gives back the very object when it declares everything it holds', () => {
    const whole = object({
      spec: { size: 1, ports: [{ name: 'a', port: 1 }], selector: { any: 'x' }, limits: { a: { max: 1 } } },
    });
    expect(prunedObject(node, whole)).toBe(whole);
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
    const out = prunedObject(node, sent);
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

  it('prunes list items one by one, and keeps a value of another type for the type checks', () => {
    const out = prunedObject(
      node,
      object({ spec: { ports: [{ name: 'a', x: 1 }, 'odd', null], size: { not: 'a number' } } }),
    );
    expect(out.spec).toEqual({ ports: [{ name: 'a' }, 'odd', null], size: { not: 'a number' } });
  });

  it("keeps the top level of a kind without a schema, and holds its metadata to ObjectMeta's", () => {
    const out = prunedObject(
      objectPruning(undefined),
      object({ spec: { any: 1 }, data: 2, metadata: { name: 'w', x: 1 } }),
    );
    expect(out).toEqual(object({ spec: { any: 1 }, data: 2 }));
  });
});
