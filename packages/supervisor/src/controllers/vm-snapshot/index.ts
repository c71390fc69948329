export {
  CSI_SYNC_COMPLETED,
  CSI_SYNC_REQUESTED,
  CSI_VOLUME_SYNC_ANNOTATION,
  startVirtualMachineSnapshotController,
  type VirtualMachineSnapshotControllerDeps,
  VM_SNAPSHOT_CONTROLLER,
  VM_SNAPSHOT_FINALIZER,
} from './vm-snapshot.js';
