export { MIN_HARDWARE_VERSION_FOR_PVC } from '../virtualmachine/volumes.js';
export {
  attachmentName,
  SELECTED_NODE_IS_ZONE_ANNOTATION,
  startVolumeController,
  VOLUME_CONTROLLER,
} from './volume-controller.js';
