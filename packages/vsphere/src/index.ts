export {
  DEFAULT_COLLECTOR,
  type PropertyCollectorOperations,
  propertyCollectorOperations,
} from './collector/collectors.js';
export { ownedByAnother } from './collector/objects.js';
export {
  PropertyCollector,
  type RetrieveOptions,
  type Sleep,
  type WaitOptions,
} from './collector/property-collector.js';
export type * from './collector/results.js';
export type {
  AnySelectionSpec,
  ObjectSpec,
  PropertyFilterSpec,
  PropertySpec,
  SelectionSpec,
  TraversalSpec,
} from './collector/spec.js';
export type { ViewOperations } from './collector/views.js';
export {
  cidrFamily,
  type IpSyntax,
  ipFamily,
  ipProblems,
  ipv4Mask,
  ipv4PrefixLength,
  isCidr,
  isIp,
  isIpv4,
  isIpv6,
  isUsableIp,
  parseCidr,
  parseIpv4,
} from './core/addresses.js';
export { mapped } from './core/arrays.js';
export { type Clock, DEFAULT_EPOCH, RealClock, VirtualClock } from './core/clock.js';
export type { Call, InterceptRule } from './core/intercept.js';
export { getOrInsert } from './core/maps.js';
export { checkOptionKeys, type OptionKeys } from './core/options.js';
export { Random, uuidV4 } from './core/random.js';
export { Ring } from './core/ring.js';
export { type Cancel, Scheduler } from './core/scheduler.js';
export {
  type Batch,
  batchesSince,
  type Change,
  Store,
  type StoredRecord,
  Transaction,
} from './core/store.js';
export { flat } from './core/strings.js';
export { type Fault, faults, isVimFault, type PowerState, VimFault } from './faults.js';
export {
  DEFAULT_PAGE_SIZE,
  type HistoryOperations,
  MAX_COLLECTORS,
  MAX_PAGE_SIZE,
} from './history/collectors.js';
export type { VimEvent } from './history/events.js';
export {
  type EventFilterSpec,
  eventMatches,
  queryEvents,
  type RecursionOption,
  type TaskFilterSpec,
  taskMatches,
} from './history/filters.js';
export { attachedDevice, attachedDiskId, isFirstClassDisk } from './inventory/attachments.js';
export { buildInventory, ROOT_FOLDER } from './inventory/build.js';
export {
  diskBytes,
  diskFileBytes,
  isDisk,
  isEthernetCard,
  isPciPassthrough,
  isVgpu,
} from './inventory/devices.js';
export { guestFamily, KNOWN_GUEST_IDS } from './inventory/guest-os.js';
export {
  datacenterOf,
  findByInventoryPath,
  findChild,
  inventoryPath,
  vmsWithInstanceUuid,
} from './inventory/paths.js';
export type * from './inventory/records.js';
export { extraConfigValue } from './inventory/records.js';
export type * from './inventory/tree.js';
export { VCSIM_DEFAULTS, type VcsimFlags, vcsimTree } from './inventory/vcsim.js';
export {
  DEFAULT_BOOT_OPTIONS,
  HOT_PLUG_MEMORY_INCREMENT_MB,
  hardwareVersionNumber,
  hotPlugMemoryLimitMB,
  isBackingOn,
  LATEST_HARDWARE_VERSION,
  networkBacking,
  snapshotRecordsOf,
} from './inventory/vm.js';
export type {
  ContentLibraryOperations,
  LibraryCreateSpec,
  LibraryItemCreateSpec,
  LibraryItemFilter,
  LibraryItemType,
  LibraryItemUpdateSpec,
  LibraryUpdateSpec,
  OvfCaptureSpec,
} from './library/content-library.js';
export { CAPTURE_DESCRIPTION_ID, capturedItemId } from './library/content-library.js';
export type { DeployConfig, DeploySpec, DiskProvisioning } from './library/deploy.js';
export { libraryFileUri, libraryItemDirectory } from './library/lookup.js';
export type {
  OvfDescriptor,
  OvfDisk,
  OvfOperatingSystem,
  OvfProduct,
  OvfProperty,
  SampleOvfImage,
} from './library/ovf.js';
export { cimOsTypeOf, ovfEnvelope, ovfXml, SAMPLE_OVF_IMAGES, vAppConfigOfOvf } from './library/ovf.js';
export { readOvfDescriptor } from './library/ovf-read.js';
export type { SubscribedLibraryCreateSpec, SubscribedLibraryUpdateSpec } from './library/subscribed.js';
export type {
  DownloadFileInfo,
  DownloadFileStatus,
  ReceivedFile,
  TransferSessionInfo,
  TransferSessionState,
  UpdateFileInfo,
  UpdateFileSpec,
  UpdateFileStatus,
  UpdateValidation,
} from './library/transfer.js';
export type {
  VmTemplateCreateSpec,
  VmTemplateDeploySpec,
  VmTemplateInfo,
  VmTemplatePlacement,
} from './library/vm-template.js';
export {
  Model,
  type ModelOptions,
  type Ref,
  type RemovalHook,
  type Task,
  type TaskOptions,
  type TaskOutcome,
  type WriteHook,
} from './model.js';
export type { ClusterModuleOperations, ClusterModuleSummary } from './objects/cluster-module.js';
export type { ComputeResourceConfigSpec, ComputeResourceOperations } from './objects/compute-resource.js';
export type { CryptoManagerOperations, KeyProvider } from './objects/crypto-manager.js';
export type { CustomFieldOperations, FieldPolicies } from './objects/custom-fields.js';
export type { CustomizationSpecInfo, CustomizationSpecItem } from './objects/customization-specs.js';
export { canRunVms } from './objects/drs-placement.js';
export type { EntityOperations } from './objects/entity.js';
export type { DatastoreItem, FileManagerOperations } from './objects/file-manager.js';
export type { FolderOperations } from './objects/folder.js';
export type { HostOperations } from './objects/host.js';
export type { HostDatastoreSystemOperations, NasVolumeSpec } from './objects/host-datastore-system.js';
export type {
  HostDateTimeConfig,
  HostDateTimeSystemOperations,
} from './objects/host-date-time-system.js';
export type { HostFirewallSystemOperations, RulesetIpList } from './objects/host-firewall-system.js';
export type {
  HostNetworkSystemOperations,
  PortGroupSpec,
  VirtualSwitchSpec,
} from './objects/host-network-system.js';
export type { HostServiceSystemOperations } from './objects/host-service-system.js';
export type { OptionManagerOperations } from './objects/option-manager.js';
export { type PoolUsage, poolUsage } from './objects/reservations.js';
export type {
  LatencySensitivitySpec,
  ResourceAllocationSpec,
  ResourceConfigSpec,
  SharesLevel,
  SharesSpec,
  VmResourceSpec,
} from './objects/resource-allocation.js';
export { DEFAULT_VM_ALLOCATION, isDefaultAllocation } from './objects/resource-allocation.js';
export type { ResourcePoolOperations } from './objects/resource-pool.js';
export type { RevertOptions, SnapshotOperations, SnapshotOptions } from './objects/snapshot.js';
export type { DiskId, DiskModes, VslmCreateSpec } from './objects/storage-object.js';
export type { StoragePolicyOperations, StoragePolicySummary } from './objects/storage-policy.js';
export type { VirtualDiskManagerOperations, VirtualDiskSpec } from './objects/virtual-disk-manager.js';
export type {
  CustomizationSpec,
  VirtualDeviceConfigSpec,
  VmCloneSpec,
  VmConfigSpec,
  VmMigrateSpec,
  VmRelocateSpec,
} from './objects/virtual-machine.js';
export { HOT_PLUG_FLAGS } from './objects/vm-config-spec.js';
export { diskKeyOf, snapshotsBranch, VIRTUAL_TPM } from './objects/vm-crypto.js';
export {
  customizationState,
  customizationStatus,
  pendingCustomizationOf,
} from './objects/vm-customization.js';
export { controllerWithRoom, MAX_STORAGE_CONTROLLERS, SCSI_CONTROLLERS } from './objects/vm-devices.js';
export { parseDatastorePath } from './objects/vm-placement.js';
export type { VAppPropertySpec, VmVAppConfigSpec } from './objects/vm-vapp-config.js';
export { type PropertyValue, propertyNames, readProperty } from './properties/index.js';
export { CONFIG_FILE_BYTES } from './properties/virtual-machine.js';
export { type MoRef, moref } from './refs.js';
export { loadState, parseState, type SavedState, saveState, serializeState } from './save.js';
export type { SearchOperations } from './search/search-index.js';
export type { SessionEventSink } from './sessions/sessions.js';
export { type Credentials, DEFAULT_CREDENTIALS, type UserSession } from './sessions/sessions.js';
export type {
  AssociationOperations,
  BatchResult,
  LocalizableMessage,
  ObjectToTags,
  TagToObjects,
} from './tagging/associations.js';
export type { Cardinality, CategoryModel, DynamicId, ObjectRef, TagModel } from './tagging/lookup.js';
export type {
  CategoryCreateSpec,
  CategoryOperations,
  CategoryUpdateSpec,
  TagCreateSpec,
  TaggingOperations,
  TagOperations,
  TagUpdateSpec,
} from './tagging/tagging.js';
export { VSphere, type VSphereOptions } from './vsphere.js';
