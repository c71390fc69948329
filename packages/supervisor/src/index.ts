export * from './api/index.js';
export {
  APPPLATFORM_GROUP,
  APPPLATFORM_KINDS,
  registerAppPlatformKinds,
  SUPERVISOR_PROPERTIES,
} from './appplatform-kinds.js';
export { CNS_API_VERSION, CNS_GROUP, CNS_KINDS, registerCnsKinds } from './cns-kinds.js';
export * from './controllers/csi/index.js';
export {
  IMAGE_CONTROLLER_NAME,
  type ImageController,
  type ImageControllerDeps,
  type ImageLibraries,
  startImageController,
} from './controllers/images/image-controller.js';
export { contentLibraryNameOf, imageNameOf, libraryItemNameOf } from './controllers/images/names.js';
export {
  CONTENT_LIBRARY_CONTROLLER,
  LIBRARY_ITEM_CONTROLLER,
  LIBRARY_ITEM_LABEL,
  LIBRARY_LABEL,
} from './controllers/images/registry.js';
export * from './controllers/net-operator/index.js';
export * from './controllers/publish/index.js';
export * from './controllers/resource-policy/index.js';
export * from './controllers/virtualmachine/index.js';
export * from './controllers/vm-replicaset/index.js';
export * from './controllers/vm-service/index.js';
export * from './controllers/vm-snapshot/index.js';
export * from './controllers/volume/index.js';
export * from './controllers/webconsole/index.js';
export {
  type ContentLibrary,
  type ContentLibraryItem,
  type ContentLibraryItemStatus,
  type ContentLibrarySpec,
  type ContentLibraryStatus,
  IMAGE_REGISTRY_API_VERSION,
  IMAGE_REGISTRY_GROUP,
  IMAGE_REGISTRY_KINDS,
  type RegistryCondition,
  registerImageRegistryKinds,
} from './image-registry-kinds.js';
export * from './namespaces/layout.js';
export {
  DEFAULT_LIBRARY_NAME,
  DEFAULT_NETWORK_NAME,
  type NamespaceChanges,
  type PreparedNamespace,
  type PrepareNamespaceOptions,
} from './namespaces/prepare.js';
export { VmClassCatalog, type VmClassDefinition } from './namespaces/vm-class-catalog.js';
export {
  cpusOf,
  cpusQuantity,
  DEFAULT_VM_CLASS_NAMES,
  DEFAULT_VM_CLASSES,
  mebibytesOf,
  mebibytesQuantity,
} from './namespaces/vm-classes.js';
export { NET_OPERATOR_GROUP, NET_OPERATOR_KINDS, registerNetOperatorKinds } from './net-operator-kinds.js';
export * from './runtime/index.js';
export {
  AdmissionDenied,
  type FieldCause,
  ignoreNotFound,
  isKubeError,
  KubeError,
  kubeErrors,
  type Status,
  type StatusDetails,
  type StatusReason,
} from './store/errors.js';
export {
  type AdmissionContext,
  type AdmissionOperation,
  type AdmitFunction,
  apiVersionOf,
  CORE_KINDS,
  type KindDefinition,
  type KindInfo,
  type StoreReader,
} from './store/kinds.js';
export {
  type DeleteOptions,
  type FieldValidation,
  KubeStore,
  type KubeStoreContext,
  type KubeStoreOptions,
  type ListOptions,
  type PatchOptions,
  type PropagationPolicy,
  type WatchOptions,
  type WriteOptions,
} from './store/kube-store.js';
export {
  FOREGROUND_FINALIZER,
  type KubeList,
  type KubeObject,
  type ListMeta,
  NAMESPACE_FINALIZER,
  type ObjectMeta,
  type ObjectRef,
  ORPHAN_FINALIZER,
  type OwnerReference,
  parseApiVersion,
} from './store/meta.js';
export { applyJsonPatch, applyMergePatch, type JsonPatchOperation, type PatchType } from './store/patch.js';
export type { Scale, ScaleSubresource } from './store/scale.js';
export type { SchemaShape } from './store/schema-shape.js';
export {
  type LabelMatcher,
  type LabelSelector,
  labelSelectorMatcher,
  parseFieldSelector,
  parseLabelSelector,
} from './store/selectors.js';
export type { BookmarkObject, Watch, WatchEvent, WatchEventType } from './store/watch.js';
export {
  createSupervisor,
  REALISTIC_GUEST_ADDRESS_DELAY,
  REALISTIC_TASK_DURATIONS,
  type Supervisor,
  type SupervisorDeps,
  type SupervisorOptions,
  startSupervisor,
} from './supervisor.js';
export { registerTopologyKinds, TOPOLOGY_GROUP, TOPOLOGY_KINDS } from './topology-kinds.js';
export {
  DEFAULT_VM_NETWORK,
  registerVmOperatorKinds,
  type VmOperatorKindsOptions,
  webhookName,
} from './vm-operator-kinds.js';
