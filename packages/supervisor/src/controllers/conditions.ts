/**
 * vm-operator's `conditions.Set` for the controllers that write a few conditions at a time (the
 * VirtualMachine controller has its own, tuned for its many writes: virtualmachine/conditions.ts):
 * a condition keeps its `lastTransitionTime` while its status, reason and message stay the same,
 * and the list is sorted with `Ready` first, then by type.
 */
import type { Condition } from '../api/types.js';

const byType = (a: Condition, b: Condition): number => {
  if (a.type === b.type) return 0;
  if (a.type === 'Ready') return -1;
  if (b.type === 'Ready') return 1;
  return a.type < b.type ? -1 : 1;
};

/** What a condition says; vm-operator marks True with reason `True` and no message. */
export type ConditionState =
  | { readonly status: 'True' }
  | { readonly status: 'False' | 'Unknown'; readonly reason: string; readonly message: string };

/** The conditions with `type` set to `state`. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
  state: ConditionState,
  now: string,
): Condition[] {
  const next =
    state.status === 'True'
      ? { type, status: 'True' as const, reason: 'True', message: '' }
      : { type, ...state };
  const before = conditions?.find((c) => c.type === type);
  const same =
    before?.status === next.status && before.reason === next.reason && before.message === next.message;
  const condition: Condition = { ...next, lastTransitionTime: same ? before.lastTransitionTime : now };
  return [...(conditions ?? []).filter((c) => c.type !== type), condition].sort(byType);
}
