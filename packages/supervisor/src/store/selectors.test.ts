import { describe, expect, it } from 'vitest';
import { labelSelectorMatcher, parseFieldSelector, parseLabelSelector } from './selectors.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/role': 'x', replicas: '3' };

  it.each([
    ['', true],
    ['app=web', true],
    ['app = web', true],
    ['app==db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['example.com/role=x', true],
    ['app in (db,web)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier=back', false],
    ['app=', false],
    ['replicas>2', true],
    ['replicas>3', false],
    ['replicas<4', true],
    ['replicas < -1', false],
    ['app>0', false],
    ['missing<9', false],
    // `()` is the empty value: a label set to "", or not.
    ['app in ()', false],
    ['app notin ()', true],
    ['missing notin ( )', true],
  ])('%j matches: %s', (selector, expected) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(expected);
  });

  it.each(['app in web', 'app in (web', '=web', 'app=web,', 'app=a b', 'app=-x', 'replicas>x', 'replicas<'])(
    'refuses %j with 400',
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(
        expect.objectContaining({ code: 400, reason: 'BadRequest' }),
      );
    },
  );

  it('reads `()` as the empty value', () => {
    expect(parseLabelSelector('mark in ()').matches({ mark: '' })).toBe(true);
    expect(parseLabelSelector('mark in (),x=1').matches({ mark: '', x: '1' })).toBe(true);
  });

  it('turns the structured form into requirements', () => {
    const m = labelSelectorMatcher({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['back'] },
        { key: 'gone', operator: 'DoesNotExist' },
      ],
    });
    expect(m.matches({ app: 'web', tier: 'front' })).toBe(true);
    expect(m.matches({ app: 'web', tier: 'back' })).toBe(false);
    expect(m.matches(undefined)).toBe(false);
    expect(labelSelectorMatcher({}).matches(undefined)).toBe(true);
  });
});

describe('field selectors', () => {
  it('parses =, == and != with escapes', () => {
    expect(parseFieldSelector('metadata.name=a,metadata.namespace!=b, metadata.name==c\\,d')).toEqual([
      { field: 'metadata.name', op: '=', value: 'a' },
      { field: 'metadata.namespace', op: '!=', value: 'b' },
      { field: 'metadata.name', op: '=', value: 'c,d' },
    ]);
    expect(parseFieldSelector('')).toEqual([]);
    expect(() => parseFieldSelector('metadata.name')).toThrow(expect.objectContaining({ code: 400 }));
  });
});
