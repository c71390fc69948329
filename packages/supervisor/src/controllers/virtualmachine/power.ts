/** How vm-operator changes a VM's power state and restarts it, per its power op modes. */
import { extraConfigValue, type VmRecord } from '@vsim/vsphere';
import { FIRST_BOOT_DONE_ANNOTATION } from '../../api/annotations.js';
import type { VirtualMachine, VirtualMachinePowerOpMode } from '../../api/types.js';
import { rfc3339Nanos } from '../../api/vm-group-validation.js';
import { withAnnotation } from '../../store/meta.js';

/** Where vm-operator records in vSphere the last restart it made: nanoseconds since the epoch. */
export const LAST_RESTART_TIME_KEY = 'vmservice.lastRestartTime';

/**
 * The restart `spec.nextRestartTime` asks for now, in nanoseconds since the epoch: a time (the
 * webhook makes one of `now`) after the last restart vSphere records and not in the future, as
 * vm-operator compares them; a record that is no integer fails the pass, as it fails vm-operator's.
 */
export function dueRestart(vm: VirtualMachine, record: VmRecord, nowMs: number): bigint | undefined {
  const at = rfc3339Nanos(vm.spec?.nextRestartTime || undefined);
  if (at === undefined || at > BigInt(nowMs) * 1_000_000n) return undefined;
  const last = extraConfigValue(record.config, LAST_RESTART_TIME_KEY);
  if (last === undefined) return at;
  if (!/^[+-]?\d+$/.test(last))
    throw new Error(`${LAST_RESTART_TIME_KEY} is ${JSON.stringify(last)} and cannot be parsed as an int64`);
  return at > BigInt(last) ? at : undefined;
}

/** What a power change makes: vm-operator names a failed soft one by it. */
export type PowerChange = 'poweredOff' | 'suspended' | 'restart';

const softFailure = (change: PowerChange, error: Error): string =>
  change === 'restart'
    ? `failed to soft restart vm ${error.message}`
    : `soft set power state to ${change} failed ${error.message}`;

/**
 * A power change per vm-operator's power op mode: Hard runs the VM's task; Soft asks the guest
 * (ShutdownGuest, StandbyGuest, RebootGuest) and fails when it cannot, its error named as
 * vm-operator names it; TrySoft, the default, asks the guest and runs the task when it cannot.
 * The guest's calls return at once: the guest makes the change afterwards.
 */
export function powerOp(
  change: PowerChange,
  mode: VirtualMachinePowerOpMode | undefined,
  soft: () => void,
  hard: () => Promise<unknown>,
): Promise<unknown> {
  if (mode === 'Hard') return hard();
  try {
    soft();
    return Promise.resolve();
  } catch (error) {
    if (mode === 'Soft') return Promise.reject(new Error(softFailure(change, error as Error)));
    return hard();
  }
}

/** The VM marked as one vm-operator has powered on, as its update marks it; the same VM when it is. */
export function withFirstBootDone(vm: VirtualMachine): VirtualMachine {
  return withAnnotation(vm, FIRST_BOOT_DONE_ANNOTATION, 'true');
}
