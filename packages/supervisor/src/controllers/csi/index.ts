export {
  CNS_ATTACHMENT_CONTROLLER,
  CNS_FINALIZER,
  CNS_PVC_FINALIZER,
  type CnsNodeVmAttachment,
  DEPRECATED_ATTACHMENT_ERROR,
  DISK_UUID_KEY,
  startCnsAttachmentController,
  USED_BY_VM_ANNOTATION_PREFIX,
  VOLUME_ID_KEY,
} from './attacher.js';
export {
  BATCH_CONDITION,
  type BatchVolumeSpec,
  type BatchVolumeStatus,
  CNS_BATCH_ATTACHMENT_CONTROLLER,
  type CnsNodeVMBatchAttachment,
  startCnsBatchAttachmentController,
} from './batch-attacher.js';
export {
  CSI_DRIVER,
  CSI_PROVISIONER_CONTROLLER,
  type CsiControllersDeps,
  PERSISTENT_VOLUME_CONTROLLER,
  type PersistentVolume,
  type PersistentVolumeClaim,
  PVC_PROTECTION_CONTROLLER,
  SELECTED_NODE_ANNOTATION,
  startClaimProtectionController,
  startCsiProvisioner,
  startPersistentVolumeController,
} from './provisioner.js';
export {
  CNS_REGISTER_VOLUME_CONTROLLER,
  type CnsRegisterVolume,
  DISK_BACKING_ANNOTATION,
  REGISTER_VOLUME_FINALIZER,
  startCnsRegisterVolumeController,
} from './register-volume.js';
export {
  CSI_RESIZER_CONTROLLER,
  NODE_EXPANSION_NOT_REQUIRED,
  RESIZER_COMPONENT,
  startCsiResizer,
} from './resizer.js';
export { CSI_VOLUME_SYNC_CONTROLLER, startCsiVolumeSync } from './volume-sync.js';
