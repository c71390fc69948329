export {
  REPLICA_SET_REQUEUE_MS,
  replicaSetLabelValue,
  startVirtualMachineReplicaSetController,
  VM_REPLICA_SET_CONTROLLER,
  VM_REPLICA_SET_FINALIZER,
} from './vm-replicaset.js';
