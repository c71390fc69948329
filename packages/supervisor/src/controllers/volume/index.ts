export { MIN_HARDWARE_VERSION_FOR_PVC } from '../virtualmachine/volumes.js';
export { startVolumeBatchController, VOLUME_BATCH_CONTROLLER } from './batch-controller.js';
export { attachmentName, SELECTED_NODE_IS_ZONE_ANNOTATION } from './entries.js';
export { startVolumeController, VOLUME_CONTROLLER } from './volume-controller.js';
