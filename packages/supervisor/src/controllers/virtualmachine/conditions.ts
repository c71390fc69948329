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
  classConfigurationSynced: 'VirtualMachineClassConfigurationSynced',
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
  // What the guest's bootstrap reports in its extra config, as the guest wrote it.
  guestBootstrap: 'GuestBootstrap',
  guestNetworkConfigSynced: 'VirtualMachineGuestNetworkConfigSynced',
  // Written after a reconfigure that asked for a guest ID vSphere refused.
  guestIdReconfigured: 'GuestIDReconfigured',
  // Where the VM is in vCenter's inventory (see location.ts).
  locationValid: 'VirtualMachineLocationValid',
  // Disk promotion's, which vm-operator writes with FastDeploy alone: read by the priorities.
  diskPromotionSynced: 'VirtualMachineDiskPromotionSynced',
} as const;

export const REASON = {
  notFound: 'NotFound',
  notSet: 'NotSet',
  notReady: 'NotReady',
  unknownKind: 'UnknownKind',
  storageClassRequired: 'StorageClassRequired',
  datastoreNotFound: 'DatastoreNotFound',
  requiredKeyNotFound: 'RequiredKeyNotFound',
  invalid: 'Invalid',
  /** A bootstrap Secret vm-operator could not read: a key without data, or a user with both passwords. */
  getError: 'GetError',
  /** A vSphere task that failed. */
  error: 'Error',
  synced: 'Synced',
  notSynced: 'NotSynced',
  toolsNotRunning: 'VirtualMachineToolsNotRunning',
  noGuestInfo: 'NoGuestInfo',
  guestCustomizationRunning: 'GuestCustomizationRunning',
  guestCustomizationFailed: 'GuestCustomizationFailed',
} as const;

/** A verdict before it is stamped with a time. */
interface ConditionVerdict {
  readonly type: string;
  readonly status: Condition['status'];
  readonly reason: string;
  readonly message: string;
}

/** A verdict that removes the condition. */
interface AbsentVerdict {
  readonly type: string;
  readonly status: 'Absent';
  readonly reason: '';
  readonly message: '';
}

export type Verdict = ConditionVerdict | AbsentVerdict;

/** The True verdict of each type: every pass gives a few, and they never change. */
const TRUE_VERDICTS = new Map<string, Verdict>();

/** vm-operator marks a condition True with reason `True` and no message. */
export const isTrue = (type: string): Verdict =>
  getOrInsert(TRUE_VERDICTS, type, () =>
    Object.freeze({ type, status: 'True', reason: 'True', message: '' }),
  );

const ABSENT_VERDICTS = new Map<string, Verdict>();

/** No condition of the type, as vm-operator deletes one that has no subject (no bootstrap, no network). */
export const isAbsent = (type: string): Verdict =>
  getOrInsert(ABSENT_VERDICTS, type, () =>
    Object.freeze({ type, status: 'Absent', reason: '', message: '' }),
  );

/** vm-operator's FalseCondition: a condition without a reason gets its status as one. */
export const isFalse = (type: string, reason: string, message: string): Verdict => ({
  type,
  status: 'False',
  reason: reason || 'False',
  message,
});

/** vm-operator's UnknownCondition: a condition without a reason gets its status as one. */
export const isUnknown = (type: string, reason: string, message: string): Verdict => ({
  type,
  status: 'Unknown',
  reason: reason || 'Unknown',
  message,
});

/**
 * The conditions with each verdict applied: replaced in place, added in its place in the
 * order, or removed. A condition whose verdict is unchanged is kept as it is, and so is the whole array
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
  const current = conditions ?? NO_CONDITIONS;
  for (const verdict of verdicts) {
    const list = out ?? current;
    const at = indexOfType(list, verdict.type);
    if (verdict.status === 'Absent') {
      if (at >= 0) {
        out ??= current.slice();
        out.splice(at, 1);
      }
      continue;
    }
    const before = at >= 0 ? list[at] : undefined;
    if (
      before &&
      before.status === verdict.status &&
      before.reason === verdict.reason &&
      before.message === verdict.message
    )
      continue;
    out ??= current.slice();
    const condition = stamped(verdict, now, shared);
    if (at >= 0) out[at] = condition;
    else out.splice(placeOf(out, verdict.type), 0, condition);
  }
  if (out === undefined) return current as Condition[];
  // A list written in another order (by a client) is sorted whole, as vm-operator does.
  if (!inOrder(out)) out.sort((a, b) => (precedes(a.type, b.type) ? -1 : precedes(b.type, a.type) ? 1 : 0));
  // An array that grew keeps room for more; the status keeps it, so copy it to size.
  return out.length > current.length ? out.slice() : out;
}

const NO_CONDITIONS: readonly Condition[] = Object.freeze([]);

function indexOfType(list: readonly Condition[], type: string): number {
  for (let i = 0; i < list.length; i++) if ((list[i] as Condition).type === type) return i;
  return -1;
}

/** vm-operator's order, for whoever reads the list (kubectl): `Ready` first, then by type. */
const precedes = (a: string, b: string): boolean =>
  a !== b && b !== CONDITION.ready && (a === CONDITION.ready || a < b);

/** Where a condition of the type goes in a list in order. */
function placeOf(list: readonly Condition[], type: string): number {
  let i = 0;
  while (i < list.length && precedes((list[i] as Condition).type, type)) i++;
  return i;
}

function inOrder(list: readonly Condition[]): boolean {
  for (let i = 1; i < list.length; i++)
    if (precedes((list[i] as Condition).type, (list[i - 1] as Condition).type)) return false;
  return true;
}

/** A verdict with its time; one stamped as the last one shared of its type was is that one. */
function stamped(
  verdict: ConditionVerdict,
  lastTransitionTime: string,
  shared: Map<string, Condition> | undefined,
) {
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
