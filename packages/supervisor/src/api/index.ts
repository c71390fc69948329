/** vm-operator's API as the supervisor serves it: hub types, kinds, conversion, defaulting, validation. */

export * from './class-instances.js';
export * from './conversion/index.js';
export * from './defaults.js';
export { parseDuration, undecodableDuration } from './duration.js';
export {
  DEFAULT_PUBLISH_LIBRARY_LABEL,
  type GroupPublishReader,
  groupPublishRequestDefaults,
  groupVms,
  PUBLISH_MANAGED_BY_LABEL,
  validateGroupPublishRequestCreate,
  validateGroupPublishRequestUpdate,
} from './group-publish-request-validation.js';
export * from './kinds.js';
export {
  managedByProblemOnCreate,
  managedByProblemOnUpdate,
  validatePublishRequestCreate,
  validatePublishRequestUpdate,
} from './publish-request-validation.js';
export {
  LAST_RESIZED_ANNOTATION,
  LAST_RESIZED_INSTANCE_ANNOTATION,
  type LastResized,
  lastResizedOf,
  lastResizedValue,
  resizeNeeded,
  SAME_CLASS_RESIZE_ANNOTATION,
  withResizeMark,
} from './resize.js';
export { validateResourcePolicyCreate, validateResourcePolicyUpdate } from './resource-policy-validation.js';
export type * from './types.js';
export * from './validation.js';
export {
  validateVirtualMachineClassCreate,
  validateVirtualMachineClassUpdate,
} from './vm-class-validation.js';
export {
  APPLY_POWER_STATE_TIME,
  badDuration,
  GROUP_KIND,
  groupPowerStateMutation,
  LAST_UPDATED_POWER_STATE_TIME,
  parseRfc3339,
  rfc3339Nano,
  validateVirtualMachineGroup,
  withoutStaleApplyTime,
  withoutStaleGroupOwner,
} from './vm-group-validation.js';
export {
  REPLICA_SET_NAME_LABEL,
  selectorOf,
  selectorString,
  validateReplicaSet,
} from './vm-replicaset-validation.js';
export {
  type VirtualMachineServiceCapabilities,
  validateVirtualMachineServiceCreate,
  validateVirtualMachineServiceUpdate,
} from './vm-service-validation.js';
export {
  currentSnapshotNameProblems,
  VM_NAME_FOR_SNAPSHOT_LABEL,
  validateSnapshotCreate,
  validateSnapshotUpdate,
  withVmNameLabel,
} from './vm-snapshot-validation.js';
export {
  type ConsoleRequest,
  type ConsoleRequestVmName,
  rsaPublicKeyOf,
  VM_WEB_CONSOLE_REQUEST_VM_NAME,
  validateWebConsoleRequestCreate,
  validateWebConsoleRequestUpdate,
  WEB_CONSOLE_REQUEST_VM_NAME,
  WEB_CONSOLE_UUID_LABEL,
} from './webconsole-request-validation.js';
