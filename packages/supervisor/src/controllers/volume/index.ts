export {
  attachmentName,
  MIN_HARDWARE_VERSION_FOR_PVC,
  SELECTED_NODE_IS_ZONE_ANNOTATION,
  startVolumeController,
  VOLUME_CONTROLLER,
} from './volume-controller.js';
