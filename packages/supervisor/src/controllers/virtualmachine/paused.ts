/**
 * A VM an administrator paused in vSphere: vm-operator labels it, reports it in
 * `VirtualMachineReconcileReady`, and neither configures, powers nor deletes it while the key
 * is set (its status is still synced).
 */
import { extraConfigValue, type VmRecord } from '@vsim/vsphere';
import { PAUSED_LABEL } from '../../api/annotations.js';
import type { VirtualMachine } from '../../api/types.js';
import { CONDITION, isFalse, isTrue, type Verdict } from './conditions.js';

export const PAUSE_EXTRA_CONFIG_KEY = 'vmservice.virtualmachine.pause';

/** What govmomi's OptionValueList.IsTrue takes for true, compared without case. */
const TRUE_OPTION_VALUES = new Set(['', '1', 'on', 't', 'true', 'y', 'yes']);

export function pausedByAdmin(record: VmRecord): boolean {
  const value = extraConfigValue(record.config, PAUSE_EXTRA_CONFIG_KEY);
  return value !== undefined && TRUE_OPTION_VALUES.has(value.toLowerCase());
}

export const PAUSED_BY_ADMIN_ERROR = `failed to delete this VM because extraConfig Key '${PAUSE_EXTRA_CONFIG_KEY}' is set by admin`;

/** The VM with its paused label as vm-operator's update leaves it (`admin`, or none), if that changes it. */
export function withPausedLabel(vm: VirtualMachine, byAdmin: boolean): VirtualMachine | undefined {
  const wanted = byAdmin ? 'admin' : undefined;
  if (vm.metadata.labels?.[PAUSED_LABEL] === wanted) return undefined;
  const { [PAUSED_LABEL]: _, ...others } = vm.metadata.labels ?? {};
  const labels = wanted === undefined ? others : { ...others, [PAUSED_LABEL]: wanted };
  return { ...vm, metadata: { ...vm.metadata, labels } };
}

const PAUSED_BY = new Map([
  ['devops', 'DevOps'],
  ['admin', 'Admin'],
  ['both', 'Admin, DevOps'],
]);

/** `VirtualMachineReconcileReady` as vm-operator's MarkReconciliationCondition reads the paused label. */
export function reconcileReadyVerdict(vm: VirtualMachine): Verdict {
  const by = PAUSED_BY.get(vm.metadata.labels?.[PAUSED_LABEL] ?? '');
  return by === undefined
    ? isTrue(CONDITION.reconcileReady)
    : isFalse(
        CONDITION.reconcileReady,
        'VirtualMachineReconcilePaused',
        `Virtual Machine reconciliation paused by ${by}`,
      );
}
