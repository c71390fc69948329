export { DELETE_CHECK_PREFIX, PAUSED_ANNOTATION, POWER_ON_CHECK_PREFIX } from '../../api/annotations.js';
export { networkInterfaceName } from '../../api/vm-network-validation.js';
export { BACKUP_KEYS, FORCE_ENABLE_BACKUP_ANNOTATION } from './backup.js';
export { CONDITION, REASON } from './conditions.js';
export {
  REVERT_CONDITION,
  REVERT_IN_PROGRESS_ANNOTATION,
  REVERT_REASON,
  SNAPSHOT_CONDITION,
  SNAPSHOT_REASON,
} from './snapshots.js';
export {
  startVirtualMachineController,
  VIRTUAL_MACHINE_CONTROLLER,
  type VirtualMachineController,
  type VirtualMachineControllerDeps,
  VM_FINALIZER,
} from './virtual-machine.js';
