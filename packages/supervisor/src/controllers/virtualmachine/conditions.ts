/**
 * The conditions vm-operator writes on a VirtualMachine, with its types and reasons, and
 * its rules for changing them: a condition's lastTransitionTime moves when its status,
 * reason or message does, so rewriting the same verdict is not a change; the list is kept
 * sorted, `Ready` first and the others by type.
 */
import { getOrInsert } from '@vsim/vsphere';
import type { Condition } from '../../api/types.js';

export const CONDITION = {
  classReady: 'VirtualMachineClassReady',
  imageReady: 'VirtualMachineImageReady',
  policyReady: 'VirtualMachineConditionVMSetResourcePolicyReady',
  storageReady: 'VirtualMachineStorageReady',
  bootstrapReady: 'VirtualMachineBootstrapReady',
  networkReady: 'VirtualMachineNetworkReady',
  placementReady: 'VirtualMachineConditionPlacementReady',
  created: 'VirtualMachineCreated',
  ready: 'Ready',
  // Written on every update from what vSphere reports.
  reconcileReady: 'VirtualMachineReconcileReady',
  powerStateSynced: 'VirtualMachinePowerStateSynced',
  tools: 'VirtualMachineTools',
  guestCustomization: 'GuestCustomization',
} as const;

export const REASON = {
  notFound: 'NotFound',
  notSet: 'NotSet',
  notReady: 'NotReady',
  unknownKind: 'UnknownKind',
  storageClassRequired: 'StorageClassRequired',
  requiredKeyNotFound: 'RequiredKeyNotFound',
  invalid: 'Invalid',
  /** A vSphere task that failed. */
  error: 'Error',
  synced: 'Synced',
  notSynced: 'NotSynced',
  toolsNotRunning: 'VirtualMachineToolsNotRunning',
  noGuestInfo: 'NoGuestInfo',
} as const;

/** A verdict before it is stamped with a time. */
export interface Verdict {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/** The True verdict of each type: every pass gives a few, and they never change. */
const TRUE_VERDICTS = new Map<string, Verdict>();

/** vm-operator marks a condition True with reason `True` and no message. */
export const isTrue = (type: string): Verdict =>
  getOrInsert(TRUE_VERDICTS, type, () =>
    Object.freeze({ type, status: 'True', reason: 'True', message: '' }),
  );

export const isFalse = (type: string, reason: string, message: string): Verdict => ({
  type,
  status: 'False',
  reason,
  message,
});

export const isUnknown = (type: string, reason: string, message: string): Verdict => ({
  type,
  status: 'Unknown',
  reason,
  message,
});

/**
 * The conditions with each verdict applied: replaced in place, or added, the list then
 * sorted. A condition whose verdict is unchanged is kept as it is, and so is the whole array
 * when nothing changed, so comparing the result with the old one is cheap. `shared` keeps the
 * last condition made per type: stored objects never change, so VMs share them.
 */
export function withVerdicts(
  conditions: readonly Condition[] | undefined,
  verdicts: readonly Verdict[],
  now: string,
  shared?: Map<string, Condition>,
): Condition[] {
  let out: Condition[] | undefined;
  const current = conditions ?? [];
  for (const verdict of verdicts) {
    const list = out ?? current;
    const at = list.findIndex((c) => c.type === verdict.type);
    const before = at >= 0 ? list[at] : undefined;
    if (
      before &&
      before.status === verdict.status &&
      before.reason === verdict.reason &&
      before.message === verdict.message
    )
      continue;
    out ??= [...current];
    const condition = stamped(verdict, now, shared);
    if (at >= 0) out[at] = condition;
    else out.push(condition);
  }
  if (out === undefined) return current as Condition[];
  out.sort(byPrecedence);
  // An array that grew by push keeps room for more; the status keeps it, so copy it to size.
  return out.length > current.length ? out.slice() : out;
}

/** vm-operator's order, for whoever reads the list (kubectl): `Ready` first, then by type. */
const byPrecedence = (a: Condition, b: Condition): number =>
  a.type === b.type
    ? 0
    : a.type === CONDITION.ready
      ? -1
      : b.type === CONDITION.ready
        ? 1
        : a.type < b.type
          ? -1
          : 1;

/** A verdict with its time; one stamped as the last one shared of its type was is that one. */
function stamped(verdict: Verdict, lastTransitionTime: string, shared: Map<string, Condition> | undefined) {
  const last = shared?.get(verdict.type);
  if (
    last?.status === verdict.status &&
    last.lastTransitionTime === lastTransitionTime &&
    last.reason === verdict.reason &&
    last.message === verdict.message
  )
    return last;
  // Field by field: spreading the verdict and adding a field costs several times more.
  const condition: Condition = {
    type: verdict.type,
    status: verdict.status,
    reason: verdict.reason,
    message: verdict.message,
    lastTransitionTime,
  };
  shared?.set(verdict.type, condition);
  return condition;
}

export const conditionOf = (conditions: readonly Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type);

export const isConditionTrue = (conditions: readonly Condition[] | undefined, type: string) =>
  conditionOf(conditions, type)?.status === 'True';
