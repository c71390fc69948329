import { describe, expect, it } from 'vitest';
import type { Condition } from '../../api/types.js';
import { CONDITION, isAbsent, isFalse, isTrue, withVerdicts } from './conditions.js';

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:00:05Z';

describe('withVerdicts', () => {
  it('keeps the list sorted as vm-operator does: Ready first, then by type', () => {
    const first = withVerdicts(undefined, [isTrue(CONDITION.created), isTrue(CONDITION.classReady)], T0);
    const next = withVerdicts(first, [isTrue(CONDITION.ready), isTrue(CONDITION.imageReady)], T0);
    expect(next.map((c) => c.type)).toEqual([
      'Ready',
      'VirtualMachineClassReady',
      'VirtualMachineCreated',
      'VirtualMachineImageReady',
    ]);
    // A list a client wrote in another order is sorted whole once something changes.
    const written = [2, 0, 3, 1].map((i) => ({ ...(next[i] as Condition), status: 'True' as const }));
    const sorted = withVerdicts(written, [isFalse(CONDITION.imageReady, 'NotFound', 'gone')], T1);
    expect(sorted.map((c) => c.type)).toEqual(next.map((c) => c.type));
  });

  it('moves lastTransitionTime when the status, reason or message changes, and only then', () => {
    const notFound = isFalse(CONDITION.classReady, 'NotFound', 'gone');
    const first = withVerdicts(undefined, [notFound], T0);
    expect(withVerdicts(first, [notFound], T1)).toBe(first);
    const reworded = withVerdicts(first, [isFalse(CONDITION.classReady, 'NotFound', 'still gone')], T1);
    expect(reworded[0]).toMatchObject({ message: 'still gone', lastTransitionTime: T1 });
    const reasoned = withVerdicts(first, [isFalse(CONDITION.classReady, 'Invalid', 'gone')], T1);
    expect(reasoned[0]?.lastTransitionTime).toBe(T1);
  });

  it('removes a condition whose verdict is that it is absent, and changes nothing when there is none', () => {
    const first = withVerdicts(undefined, [isTrue(CONDITION.created), isTrue(CONDITION.networkReady)], T0);
    expect(withVerdicts(first, [isAbsent(CONDITION.networkReady)], T1).map((c) => c.type)).toEqual([
      'VirtualMachineCreated',
    ]);
    expect(withVerdicts(first, [isAbsent(CONDITION.bootstrapReady)], T1)).toBe(first);
  });

  it('shares one condition per type and time between lists, whatever its status', () => {
    const shared = new Map();
    const verdicts = [isTrue(CONDITION.created), isFalse(CONDITION.ready, 'NotReady', 'waiting')];
    const a = withVerdicts(undefined, verdicts, T0, shared);
    const b = withVerdicts(undefined, verdicts, T0, shared);
    expect(b).not.toBe(a);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).toBe(a[1]);
  });
});
