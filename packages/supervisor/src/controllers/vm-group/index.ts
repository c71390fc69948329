export {
  groupLinkedVerdict,
  groupPlacementOf,
  listsMember,
  MEMBER_CONDITION,
} from './membership.js';
export {
  startVirtualMachineGroupController,
  type VirtualMachineGroupControllerDeps,
  VM_GROUP_CONTROLLER,
  VM_GROUP_FINALIZER,
} from './vm-group.js';
