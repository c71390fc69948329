/** How vm-operator changes a VM's power state and restarts it, per its power op modes. */
import type { VirtualMachine, VirtualMachinePowerOpMode } from '../../api/types.js';

/**
 * Whether `spec.nextRestartTime` asks for a restart now: a time (the webhook makes one of `now`)
 * after the last restart and not in the future, as vm-operator compares them.
 */
export function restartDue(vm: VirtualMachine, nowMs: number): boolean {
  const next = vm.spec?.nextRestartTime;
  const at = next ? Date.parse(next) : Number.NaN;
  if (!(at <= nowMs)) return false;
  const last = Date.parse(vm.status?.lastRestartTime ?? '');
  return Number.isNaN(last) || at > last;
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
