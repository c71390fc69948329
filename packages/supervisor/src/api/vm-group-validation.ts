/**
 * VirtualMachineGroup admission as vm-operator's webhooks do it. The mutating one keeps the
 * group's power-state bookkeeping: `spec.nextForcePowerStateSyncTime` may only be set to `now`
 * (which it turns into the time), a power change or a forced sync stamps the
 * last-updated-power-state annotation with the time (the controller applies a power state once
 * per stamp) and drops an apply-power-state time a parent group left, and a member leaving a
 * group loses its owner reference to it. The validating one refuses a non-privileged change of
 * the stamp alone, a stamp that is no RFC 3339 time, a power state emptied once set, a member
 * listed twice, a group in itself, and `powerOffDelay` (vm-operator's TelcoVMServiceAPI
 * capability, off on a Supervisor by default).
 */
import type { OwnerReference } from '../store/meta.js';
import { undecodableDuration } from './duration.js';
import type { VirtualMachine, VirtualMachineGroup } from './types.js';
import { duplicate, type FieldError, forbidden, invalid } from './validation.js';

/** When the group's power state last changed (or was forced): set by the mutating webhook. */
export const LAST_UPDATED_POWER_STATE_TIME = 'vmoperator.vmware.com.protected/last-updated-power-state-time';
/** When a member is to apply the power state its parent group pushed down (boot order delays). */
export const APPLY_POWER_STATE_TIME = 'vmoperator.vmware.com.protected/apply-power-state-time';

export const GROUP_KIND = 'VirtualMachineGroup';

/** Go's RFC3339Nano of a UTC time: the fraction's trailing zeros dropped, none when it is zero. */
export const rfc3339Nano = (ms: number): string => new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');

/**
 * The time to stamp a power change with: now, or, when the clock has not moved past the last
 * stamp (a simulator's clock stands still between steps), a nanosecond after it, so each change
 * has a stamp of its own.
 */
export function nextStamp(previous: string | undefined, nowMs: number): string {
  const now = BigInt(nowMs) * 1_000_000n;
  const last = previous === undefined ? undefined : rfc3339Nanos(previous);
  const at = last === undefined || now > last ? now : last + 1n;
  const seconds = at / 1_000_000_000n;
  const fraction = (at % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}${fraction ? `.${fraction}` : ''}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * The time an RFC 3339 text names, in nanoseconds since the epoch, as Go's
 * `time.Parse(time.RFC3339Nano, ...)` reads it (a `,` or `.` before any number of fraction digits,
 * every field in its range); undefined when it names none.
 */
export function rfc3339Nanos(text: string | undefined): bigint | undefined {
  const m = text === undefined ? null : RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth =
    new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    return undefined;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  const seconds = Date.parse(`${m.slice(1, 4).join('-')}T${m.slice(4, 7).join(':')}${m[8]}`);
  return BigInt(seconds) * 1_000_000n + BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
}

/** The time an RFC 3339 text names, in milliseconds (see rfc3339Nanos); undefined when it names none. */
export function parseRfc3339(text: string | undefined): number | undefined {
  const nanos = rfc3339Nanos(text);
  return nanos === undefined ? undefined : Number(nanos / 1_000_000n);
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** The first boot order delay that is no duration, as Go's decoding of the group names it. */
export const badDuration = (group: VirtualMachineGroup): string | undefined =>
  undecodableDuration(
    group.spec?.bootOrder?.flatMap((order) => [order.powerOnDelay, order.powerOffDelay]) ?? [],
  );

const withAnnotations = <T extends { metadata: { annotations?: Record<string, string> } }>(
  object: T,
  annotations: Record<string, string>,
): T => ({ ...object, metadata: { ...object.metadata, annotations } });

/**
 * The mutating webhook's power-state bookkeeping: the group to store, or a problem (a sync time
 * other than `now`), which vm-operator denies with its field error.
 */
export function groupPowerStateMutation(
  group: VirtualMachineGroup,
  old: VirtualMachineGroup | undefined,
  nowMs: number,
): { group: VirtualMachineGroup } | { problem: string } {
  const now = nextStamp(old?.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME], nowMs);
  const oldSync = old?.spec?.nextForcePowerStateSyncTime ?? '';
  const newSync = group.spec?.nextForcePowerStateSyncTime ?? '';
  let out = group;
  let forced = false;
  if (newSync === '') {
    if (oldSync !== '') out = { ...out, spec: { ...out.spec, nextForcePowerStateSyncTime: oldSync } };
  } else if (newSync.toLowerCase() === 'now') {
    out = { ...out, spec: { ...out.spec, nextForcePowerStateSyncTime: now } };
    forced = true;
  } else if (newSync !== oldSync) {
    return {
      problem: `spec.nextForcePowerStateSyncTime: Invalid value: ${JSON.stringify(newSync)}: may only be set to "now"`,
    };
  }
  const stamp = forced || (group.spec?.powerState ?? '') !== (old?.spec?.powerState ?? '');
  if (!stamp) return { group: out };
  const annotations: Record<string, string> = {
    ...out.metadata.annotations,
    [LAST_UPDATED_POWER_STATE_TIME]: now,
  };
  // A time a parent pushed with this very write stays; an older one is stale now.
  const pushed =
    (annotations[APPLY_POWER_STATE_TIME] ?? '') !==
    (old?.metadata.annotations?.[APPLY_POWER_STATE_TIME] ?? '');
  if (!pushed) delete annotations[APPLY_POWER_STATE_TIME];
  return { group: withAnnotations(out, annotations) };
}

/**
 * A VM or group whose `spec.groupName` changed or went loses its owner reference to the group it
 * left (the mutating webhooks of both kinds); undefined when there is none to drop.
 */
export function withoutStaleGroupOwner<T extends VirtualMachine | VirtualMachineGroup>(
  object: T,
  old: T,
): T | undefined {
  const left = old.spec?.groupName ?? '';
  if (left === '' || left === (object.spec?.groupName ?? '')) return undefined;
  const refs = (object.metadata.ownerReferences ?? []) as OwnerReference[];
  const kept = refs.filter((ref) => !(ref.kind === GROUP_KIND && ref.name === left));
  if (kept.length === refs.length) return undefined;
  return { ...object, metadata: { ...object.metadata, ownerReferences: kept } };
}

/**
 * A VM whose power state is set directly (not pushed by its group with a new apply time) loses
 * the stale apply time, so the change applies at once (vm-operator's VM mutating webhook).
 */
export function withoutStaleApplyTime(vm: VirtualMachine, old: VirtualMachine): VirtualMachine | undefined {
  const annotations = vm.metadata.annotations;
  const time = annotations?.[APPLY_POWER_STATE_TIME];
  if (time === undefined || time !== old.metadata.annotations?.[APPLY_POWER_STATE_TIME]) return undefined;
  if ((vm.spec?.powerState ?? '') === (old.spec?.powerState ?? '')) return undefined;
  const { [APPLY_POWER_STATE_TIME]: _, ...rest } = annotations ?? {};
  return withAnnotations(vm, rest);
}

const NOT_FOR_NON_ADMINS = 'modifying this annotation is not allowed for non-admin users';
const SELF_REFERENCE = 'group cannot have itself as a member or group name';

export function validateVirtualMachineGroup(
  group: VirtualMachineGroup,
  old: VirtualMachineGroup | undefined,
  privileged: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  const stampPath = `metadata.annotations[${LAST_UPDATED_POWER_STATE_TIME}]`;
  const stamp = group.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME] ?? '';
  const spec = group.spec ?? {};
  if (!privileged) {
    const stampChanged = stamp !== (old?.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME] ?? '');
    const powerChanged = (spec.powerState ?? '') !== (old?.spec?.powerState ?? '');
    const syncChanged =
      (spec.nextForcePowerStateSyncTime ?? '') !== (old?.spec?.nextForcePowerStateSyncTime ?? '');
    if (stampChanged && !powerChanged && !syncChanged) errors.push(forbidden(stampPath, NOT_FOR_NON_ADMINS));
  }
  if (stamp !== '' && parseRfc3339(stamp) === undefined)
    errors.push(invalid(stampPath, stamp, 'time must be in RFC3339Nano format'));
  if (old?.spec?.powerState && !spec.powerState)
    errors.push(forbidden('spec.powerState', "cannot set powerState to empty once it's been set"));
  const seen = new Set<string>();
  (spec.bootOrder ?? []).forEach((order, i) => {
    (order.members ?? []).forEach((member, j) => {
      const key = `${member.kind ?? ''}/${member.name}`;
      const path = `spec.bootOrder[${i}].members[${j}]`;
      if (seen.has(key)) errors.push(duplicate(path, key));
      else seen.add(key);
      if (member.kind === GROUP_KIND && member.name === group.metadata.name)
        errors.push(invalid(path, key, SELF_REFERENCE));
    });
  });
  if (spec.groupName && spec.groupName === group.metadata.name)
    errors.push(invalid('spec.groupName', spec.groupName, SELF_REFERENCE));
  (spec.bootOrder ?? []).forEach((order, i) => {
    if (order.powerOffDelay !== undefined)
      errors.push(
        forbidden(`spec.bootOrder[${i}].powerOffDelay`, 'specifying powerOffDelay is not supported'),
      );
  });
  return errors;
}
