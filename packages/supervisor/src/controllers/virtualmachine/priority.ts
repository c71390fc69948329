/**
 * The priorities vm-operator's VirtualMachine controller queues its VMs with (its priority
 * queue, on by default): what a VM waits for decides how soon it is reconciled, so a VM being
 * made, powered or deleted goes before the routine passes of settled ones.
 */
import { parseGoInteger } from '../../api/go-strconv.js';
import type { VirtualMachine } from '../../api/types.js';
import type { EventPriority } from '../../runtime/controller.js';
import type { KubeObject } from '../../store/meta.js';
import { CONDITION, isConditionTrue } from './conditions.js';

/** A privileged account's priority for the VM, an integer, overriding its state's. */
export const RECONCILE_PRIORITY_ANNOTATION = 'vmoperator.vmware.com.protected/reconcile-priority';

/** The priorities of a VM's states, highest first (vm-operator's PriorityVirtualMachine*). */
export const VM_PRIORITY = {
  creating: 100,
  powerStateChange: 99,
  waitingForIP: 98,
  deleting: 97,
  waitingForDiskPromotion: 96,
} as const;

/** The priority of a settled VM, by the event that queued it (vm-operator's Priority*). */
export const EVENT_PRIORITY = { generic: 1, update: 2, delete: 3, create: 4 } as const;

/** vm-operator's GetVirtualMachineReconcilePriority: the first state the VM is in, else `byDefault`. */
export function vmReconcilePriority(vm: VirtualMachine, byDefault: number): number {
  const asked = vm.metadata.annotations?.[RECONCILE_PRIORITY_ANNOTATION];
  const override = asked ? parseGoInteger(asked, true, 64) : undefined;
  if (override !== undefined) return Number(override);
  const status = vm.status;
  if (vm.metadata.deletionTimestamp) return VM_PRIORITY.deleting;
  if (!isConditionTrue(status?.conditions, CONDITION.created)) return VM_PRIORITY.creating;
  if (status?.powerState !== vm.spec?.powerState) return VM_PRIORITY.powerStateChange;
  // The first state that holds decides, as Go's switch does: a powered-on VM is never judged by
  // its disk promotion.
  if (status?.powerState === 'PoweredOn') {
    const network = vm.spec?.network;
    const addressed = status.network?.primaryIP4 || status.network?.primaryIP6;
    return network && !network.disabled && !addressed ? VM_PRIORITY.waitingForIP : byDefault;
  }
  // Only vm-operator's disk promotion, which runs with FastDeploy, writes the condition: without
  // it, as here, vm-operator ranks every settled powered-off VM as waiting for a promotion.
  if (
    vm.spec?.promoteDisksMode !== 'Disabled' &&
    !isConditionTrue(status?.conditions, CONDITION.diskPromotionSynced)
  )
    return VM_PRIORITY.waitingForDiskPromotion;
  return byDefault;
}

/** The priority a VM's own event queues it with: its state's, else its event's. */
export const vmEventPriority: EventPriority = ({ type, object }) =>
  vmReconcilePriority(
    object as unknown as VirtualMachine,
    type === 'ADDED'
      ? EVENT_PRIORITY.create
      : type === 'DELETED'
        ? EVENT_PRIORITY.delete
        : EVENT_PRIORITY.update,
  );

/** The priority of a stored VM's state, else `byDefault` (also when the VM is gone). */
export const vmPriorityOf = (vm: KubeObject | undefined, byDefault: number): number =>
  vm ? vmReconcilePriority(vm as unknown as VirtualMachine, byDefault) : byDefault;
