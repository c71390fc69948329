import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch } from './patch.js';

describe('merge patch (RFC 7386)', () => {
  // The examples of RFC 7386, appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('leaves its input alone', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('adds into arrays and at the end', () => {
    expect(
      applyJsonPatch({ a: [1, 3] }, [
        { op: 'add', path: '/a/1', value: 2 },
        { op: 'add', path: '/a/-', value: 4 },
      ]),
    ).toEqual({ a: [1, 2, 3, 4] });
  });

  it("counts negative indices from the end and reads leading zeros, as the API server's library does", () => {
    expect(
      applyJsonPatch({ a: [1, 2, 3], b: ['x'] }, [
        { op: 'remove', path: '/a/-1' },
        { op: 'replace', path: '/a/-2', value: 0 },
        { op: 'add', path: '/a/-1', value: 9 },
        { op: 'test', path: '/a/01', value: 2 },
        { op: 'copy', from: '/b/-1', path: '/a/+0' },
      ]),
    ).toEqual({ a: ['x', 0, 2, 9], b: ['x'] });
    for (const path of ['/a/-4', '/a/3', '/a/1.5', '/a/'])
      expect(() => applyJsonPatch({ a: [1, 2, 3] }, [{ op: 'remove', path }]), path).toThrow(
        expect.objectContaining({ code: 422 }),
      );
  });

  it('escapes ~ and / in pointers', () => {
    expect(
      applyJsonPatch({ 'a/b': 1, 'c~d': 2 }, [
        { op: 'replace', path: '/a~1b', value: 3 },
        { op: 'remove', path: '/c~0d' },
      ]),
    ).toEqual({ 'a/b': 3 });
  });

  it('moves and copies', () => {
    expect(
      applyJsonPatch({ a: { x: 1 }, b: {} }, [
        { op: 'move', from: '/a/x', path: '/b/y' },
        { op: 'copy', from: '/b', path: '/c' },
      ]),
    ).toEqual({ a: {}, b: { y: 1 }, c: { y: 1 } });
  });

  it('tests deeply and fails with 422', () => {
    const doc = { a: { b: [1, { c: 2 }] } };
    expect(applyJsonPatch(doc, [{ op: 'test', path: '/a/b', value: [1, { c: 2 }] }])).toEqual(doc);
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/a/b/1/c', value: 3 }])).toThrow(
      expect.objectContaining({ code: 422, reason: 'Invalid' }),
    );
  });

  // As the API server answers: an operation that does not apply is 422 with its one message and
  // no details; a patch that is not a list of operations is 400.
  const REJECTED = 'the server rejected our request due to an error in our request';
  it.each([
    [[{ op: 'remove', path: '/missing' }], 422],
    [[{ op: 'replace', path: '/missing', value: 1 }], 422],
    [[{ op: 'add', path: '/x/y', value: 1 }], 422],
    [[{ op: 'add', path: '/a/5', value: 1 }], 422],
    [[{ op: 'move', from: '/a', path: '/a/0' }], 422],
    [[{ op: 'test', path: '/a/0', value: 1 }], 422],
    [[{ op: 'frobnicate', path: '/a' }], 422],
    [[{ op: 'add', path: '/a' }], 422],
    [[{ op: 'add', path: 'a', value: 1 }], 422],
    [{ op: 'add', path: '/a', value: 1 }, 400],
    [['add'], 400],
  ])('%j fails with %i', (patch, code) => {
    expect(() => applyJsonPatch({ a: [0] }, patch)).toThrow(
      expect.objectContaining(
        code === 422
          ? { code, message: REJECTED, status: expect.objectContaining({ details: {} }) }
          : { code },
      ),
    );
  });

  it('applies all or nothing', () => {
    const doc = { a: 1 };
    expect(() =>
      applyJsonPatch(doc, [
        { op: 'replace', path: '/a', value: 2 },
        { op: 'remove', path: '/b' },
      ]),
    ).toThrow();
    expect(doc).toEqual({ a: 1 });
  });
});
