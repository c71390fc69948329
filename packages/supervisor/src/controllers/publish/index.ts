export {
  GROUP_PUBLISH_REQUEST_CONTROLLER,
  GROUP_PUBLISH_REQUEST_FINALIZER,
  startGroupPublishRequestController,
} from './group-publish-request.js';
export { itemDescriptionPrefix } from './library-provider.js';
export {
  PUBLISH_REQUEST_CONTROLLER,
  PUBLISH_REQUEST_FINALIZER,
  type PublishRequestController,
  type PublishRequestControllerDeps,
  startPublishRequestController,
} from './publish-request.js';
export { PUBLISH_CONDITION, PUBLISH_REASON } from './request-status.js';
