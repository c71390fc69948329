/**
 * Hub (v1alpha6, the storage version) types of the vm-operator kinds the
 * supervisor serves. One declaration per API struct, JSON field names as on
 * the wire, enums as string unions; the size mirrors the API itself.
 */

import type { ObjectMeta } from '../store/meta.js';

export type { ObjectMeta };

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** An object of a kind: apiVersion, kind, metadata, spec and (mostly) status. */
export interface KubeObject<K extends string, S, St> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec?: S;
  status?: St;
}

export type VirtualMachine = KubeObject<'VirtualMachine', VirtualMachineSpec, VirtualMachineStatus>;
export type VirtualMachineClass = KubeObject<
  'VirtualMachineClass',
  VirtualMachineClassSpec,
  VirtualMachineClassStatus
>;
export type VirtualMachineImage = KubeObject<
  'VirtualMachineImage',
  VirtualMachineImageSpec,
  VirtualMachineImageStatus
>;
export type ClusterVirtualMachineImage = KubeObject<
  'ClusterVirtualMachineImage',
  VirtualMachineImageSpec,
  VirtualMachineImageStatus
>;
/** FastDeploy's cache of an image's files and OVF (vm-operator's own namespace, named as the image). */
export type VirtualMachineImageCache = KubeObject<
  'VirtualMachineImageCache',
  VirtualMachineImageCacheSpec,
  VirtualMachineImageCacheStatus
>;
export type VirtualMachineService = KubeObject<
  'VirtualMachineService',
  VirtualMachineServiceSpec,
  VirtualMachineServiceStatus
>;
export type VirtualMachineSetResourcePolicy = KubeObject<
  'VirtualMachineSetResourcePolicy',
  VirtualMachineSetResourcePolicySpec,
  VirtualMachineSetResourcePolicyStatus
>;
export type VirtualMachinePublishRequest = KubeObject<
  'VirtualMachinePublishRequest',
  VirtualMachinePublishRequestSpec,
  VirtualMachinePublishRequestStatus
>;
export type VirtualMachineWebConsoleRequest = KubeObject<
  'VirtualMachineWebConsoleRequest',
  VirtualMachineWebConsoleRequestSpec,
  VirtualMachineWebConsoleRequestStatus
>;

export type VirtualMachineGroup = KubeObject<
  'VirtualMachineGroup',
  VirtualMachineGroupSpec,
  VirtualMachineGroupStatus
>;

export type VirtualMachineGroupPublishRequest = KubeObject<
  'VirtualMachineGroupPublishRequest',
  VirtualMachineGroupPublishRequestSpec,
  VirtualMachineGroupPublishRequestStatus
>;

export interface VirtualMachineGroupPublishRequestSpec {
  /** The VirtualMachineGroup (default: the request's name). */
  source?: string;
  /** Its VMs to publish (default: every VM of the group, nested groups' too). */
  virtualMachines?: string[];
  /** The ContentLibrary (default: the namespace's one labelled `imageregistry.vmware.com/default`). */
  target?: string;
  ttlSecondsAfterFinished?: number;
}
export interface VirtualMachineGroupPublishRequestStatus {
  source?: string;
  target?: string;
  completionTime?: string;
  startTime?: string;
  images?: VirtualMachineGroupPublishRequestImageStatus[];
  conditions?: Condition[];
}
export interface VirtualMachineGroupPublishRequestImageStatus {
  source: string;
  publishRequestName: string;
  imageName?: string;
  conditions?: Condition[];
}

export type VirtualMachineReplicaSet = KubeObject<
  'VirtualMachineReplicaSet',
  VirtualMachineReplicaSetSpec,
  VirtualMachineReplicaSetStatus
>;

export interface VirtualMachineReplicaSetSpec {
  /** How many VMs (default 1). */
  replicas?: number;
  deletePolicy?: string;
  /** The VMs the set counts: their labels match it (and the template's labels must). */
  selector?: LabelSelector;
  /** What each VM is made of: its labels and annotations, and its spec. */
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: VirtualMachineSpec;
  };
}
export interface VirtualMachineReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

export type VirtualMachineSnapshot = KubeObject<
  'VirtualMachineSnapshot',
  VirtualMachineSnapshotSpec,
  VirtualMachineSnapshotStatus
>;

export interface VirtualMachineSnapshotSpec {
  /** Whether the snapshot holds the running VM's memory (a revert then finds it powered on). */
  memory?: boolean;
  /** Quiesce the guest's file systems, within `timeout` (a Go duration, 5 to 240 minutes). */
  quiesce?: { timeout?: string };
  description?: string;
  /** The VirtualMachine of the namespace to snapshot. */
  vmName?: string;
}
export interface VirtualMachineSnapshotStatus {
  powerState?: VirtualMachinePowerState;
  quiesced?: boolean;
  /** The vSphere snapshot's moref value. */
  uniqueID?: string;
  children?: VirtualMachineSnapshotReference[];
  conditions?: Condition[];
  storage?: VirtualMachineSnapshotStorageStatus;
}
export interface VirtualMachineSnapshotStorageStatus {
  /** Quantity: what the snapshot's files take, but for FCDs. */
  used?: string;
  requested?: { storageClass: string; total: string }[];
}

/** A member of a group: a VirtualMachine (the default kind) or a VirtualMachineGroup. */
export interface GroupMember {
  name: string;
  kind?: 'VirtualMachine' | 'VirtualMachineGroup';
}
export interface VirtualMachineGroupBootOrderGroup {
  members?: GroupMember[];
  /** A metav1.Duration (`30s`, `1m30s`): how long after the previous boot order group this one powers on. */
  powerOnDelay?: string;
  powerOffDelay?: string;
}
export interface VirtualMachineGroupSpec {
  /** The group this group is a member of. */
  groupName?: string;
  bootOrder?: VirtualMachineGroupBootOrderGroup[];
  powerState?: VirtualMachinePowerState;
  /** `now` asks for the group's power state to be applied again; the webhook writes the time. */
  nextForcePowerStateSyncTime?: string;
  powerOffMode?: VirtualMachinePowerOpMode;
  suspendMode?: VirtualMachinePowerOpMode;
}
export interface VirtualMachineGroupPlacementDatastoreStatus {
  name: string;
  id?: string;
  url?: string;
  supportedDiskFormats?: string[];
  diskKey?: number;
  topLevelDirectoryCreateSupported?: boolean;
}
export interface VirtualMachinePlacementStatus {
  zoneID?: string;
  node?: string;
  pool?: string;
  datastores?: VirtualMachineGroupPlacementDatastoreStatus[];
}
export interface VirtualMachineGroupMemberStatus {
  name: string;
  kind: 'VirtualMachine' | 'VirtualMachineGroup';
  uid?: string;
  placement?: VirtualMachinePlacementStatus;
  powerState?: VirtualMachinePowerState;
  conditions?: Condition[];
}
export interface VirtualMachineGroupStatus {
  members?: VirtualMachineGroupMemberStatus[];
  lastUpdatedPowerStateTime?: string;
  conditions?: Condition[];
}

export interface VirtualMachineWebConsoleRequestSpec {
  /** The VirtualMachine of the namespace whose console is asked for. */
  name: string;
  /** A PEM `PUBLIC KEY` block of an RSA key in PKCS #1, which the response is encrypted with. */
  publicKey: string;
}
export interface VirtualMachineWebConsoleRequestStatus {
  /** The console's URL (`wss://<host>:<port>/ticket/<ticket>`), RSA-OAEP-SHA512 encrypted, in base64. */
  response?: string;
  expiryTime?: string;
  proxyAddr?: string;
}

export interface VirtualMachineClassSpec {
  controllerName?: string;
  hardware?: VirtualMachineClassHardware;
  policies?: VirtualMachineClassPolicies;
  description?: string;
  configSpec?: unknown;
  reservedProfileID?: string;
  reservedSlots?: number;
}
export interface VirtualMachineClassHardware {
  cpus?: number;
  memory?: string;
  devices?: VirtualDevices;
  instanceStorage?: InstanceStorage;
}
export interface InstanceStorage {
  storageClass?: string;
  volumes?: InstanceStorageVolume[];
}
export interface InstanceStorageVolume {
  size: string;
}
export interface VirtualDevices {
  vgpuDevices?: VGPUDevice[];
  dynamicDirectPathIODevices?: DynamicDirectPathIODevice[];
}
export interface DynamicDirectPathIODevice {
  vendorID: number;
  deviceID: number;
  customLabel?: string;
}
export interface VGPUDevice {
  profileName: string;
}
export interface VirtualMachineClassPolicies {
  resources?: VirtualMachineClassResources;
}
export interface VirtualMachineClassResources {
  requests?: VirtualMachineResourceSpec;
  limits?: VirtualMachineResourceSpec;
}
export type VirtualMachineClassStatus = Record<string, never>;
export interface VirtualMachineImageCacheLocationSpec {
  datacenterID: string;
  datastoreID: string;
  profileID: string;
}

export interface VirtualMachineImageCacheSpec {
  /** The library item's id, or a VM's moref value (`vm-…`) for an image of a VM. */
  providerID: string;
  /** The item's content version (an OVF item needs one). */
  providerVersion?: string;
  /** Where the image's files are to be cached: a datastore of a datacenter, under a storage policy. */
  locations?: VirtualMachineImageCacheLocationSpec[];
}

export interface VirtualMachineImageCacheFileStatus {
  /** The cached file's datastore path (or a First Class Disk's id). */
  id: string;
  type: 'Disk' | 'Other';
  diskType?: 'Classic' | 'Managed';
  /** The file's name in the image. */
  name?: string;
}

export interface VirtualMachineImageCacheLocationStatus extends VirtualMachineImageCacheLocationSpec {
  files?: VirtualMachineImageCacheFileStatus[];
  conditions?: Condition[];
}

export interface VirtualMachineImageCacheStatus {
  /** The ConfigMap holding the image's OVF envelope, and the content version it is of. */
  ovf?: { configMapName: string; providerVersion: string };
  locations?: VirtualMachineImageCacheLocationStatus[];
  conditions?: Condition[];
}

export interface VirtualMachineImageSpec {
  providerRef?: LocalObjectRef;
}
export interface LocalObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}
export interface VirtualMachineImageStatus {
  name?: string;
  capabilities?: string[];
  firmware?: string;
  hardwareVersion?: number;
  osInfo?: VirtualMachineImageOSInfo;
  ovfProperties?: OVFProperty[];
  vmwareSystemProperties?: KeyValuePair[];
  productInfo?: VirtualMachineImageProductInfo;
  disks?: VirtualMachineImageDiskInfo[];
  providerContentVersion?: string;
  providerItemID?: string;
  conditions?: Condition[];
  type?: string;
}
export interface KeyValuePair {
  key: string;
  value?: string;
}
export interface OVFProperty {
  key: string;
  type: string;
  default?: string;
}
export interface VirtualMachineImageDiskInfo {
  name: string;
  limit?: string;
  requested?: string;
  controllerType?: VirtualControllerType;
  controllerBusNumber?: number;
  unitNumber?: number;
}
export type VirtualControllerType = 'IDE' | 'NVME' | 'SCSI' | 'SATA';
export interface VirtualMachineImageOSInfo {
  id?: string;
  type?: string;
  version?: string;
}
export interface VirtualMachineImageProductInfo {
  product?: string;
  vendor?: string;
  version?: string;
  fullVersion?: string;
}
export interface VirtualMachinePublishRequestSpec {
  source?: VirtualMachinePublishRequestSource;
  target?: VirtualMachinePublishRequestTarget;
  ttlSecondsAfterFinished?: number;
  backoffLimit?: number;
}
export interface VirtualMachinePublishRequestSource {
  name?: string;
  apiVersion?: string;
  kind?: string;
}
export interface VirtualMachinePublishRequestStatus {
  sourceRef?: VirtualMachinePublishRequestSource;
  targetRef?: VirtualMachinePublishRequestTarget;
  completionTime?: string;
  startTime?: string;
  attempts?: number;
  lastAttemptTime?: string;
  imageName?: string;
  ready?: boolean;
  conditions?: Condition[];
}
export interface VirtualMachinePublishRequestTarget {
  item?: VirtualMachinePublishRequestTargetItem;
  location?: VirtualMachinePublishRequestTargetLocation;
}
export interface VirtualMachinePublishRequestTargetItem {
  name?: string;
  description?: string;
}
export interface VirtualMachinePublishRequestTargetLocation {
  name?: string;
  apiVersion?: string;
  kind?: string;
}
export interface VirtualMachineResourceSpec {
  cpu?: string;
  memory?: string;
}
export interface VirtualMachineServiceSpec {
  type: VirtualMachineServiceType;
  ports?: VirtualMachineServicePort[];
  selector?: Record<string, string>;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  clusterIp?: string;
  externalName?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
}
export interface VirtualMachineServicePort {
  name: string;
  protocol: string;
  port: number;
  targetPort: number;
}
export interface VirtualMachineServiceStatus {
  loadBalancer?: LoadBalancerStatus;
  conditions?: Condition[];
}
export interface LoadBalancerStatus {
  ingress?: LoadBalancerIngress[];
}
export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}
export type VirtualMachineServiceType = 'ClusterIP' | 'LoadBalancer' | 'ExternalName';
export interface VirtualMachineSetResourcePolicySpec {
  resourcePool?: ResourcePoolSpec;
  folder?: string;
  clusterModuleGroups?: string[];
}
export interface ResourcePoolSpec {
  name?: string;
  reservations?: VirtualMachineResourceSpec;
  limits?: VirtualMachineResourceSpec;
}
export interface VirtualMachineSetResourcePolicyStatus {
  resourcePools?: ResourcePoolStatus[];
  clustermodules?: VSphereClusterModuleStatus[];
}
export interface ResourcePoolStatus {
  clusterMoID: string;
  childResourcePoolMoID: string;
}
export interface VSphereClusterModuleStatus {
  groupName: string;
  moduleUUID: string;
  clusterMoID: string;
}
export interface VirtualMachineSpec {
  image?: VirtualMachineImageRef;
  imageName?: string;
  className?: string;
  class?: LocalObjectRef;
  affinity?: AffinitySpec;
  crypto?: VirtualMachineCryptoSpec;
  storageClass?: string;
  volumeAttributesClassName?: string;
  bootstrap?: VirtualMachineBootstrapSpec;
  network?: VirtualMachineNetworkSpec;
  powerState?: VirtualMachinePowerState;
  powerOffMode?: VirtualMachinePowerOpMode;
  suspendMode?: VirtualMachinePowerOpMode;
  nextRestartTime?: string;
  restartMode?: VirtualMachinePowerOpMode;
  volumes?: VirtualMachineVolume[];
  readinessProbe?: VirtualMachineReadinessProbeSpec;
  advanced?: VirtualMachineAdvancedSpec;
  reserved?: VirtualMachineReservedSpec;
  minHardwareVersion?: number;
  instanceUUID?: string;
  biosUUID?: string;
  guestID?: string;
  promoteDisksMode?: VirtualMachinePromoteDisksMode;
  bootOptions?: VirtualMachineBootOptions;
  currentSnapshotName?: string;
  groupName?: string;
  hardware?: VirtualMachineHardwareSpec;
  policies?: PolicySpec[];
  resources?: VirtualMachineResourcesSpec;
  cpuAdvanced?: VirtualMachineCPUAdvancedSpec;
  memoryAdvanced?: VirtualMachineMemoryAdvancedSpec;
}
export interface AffinitySpec {
  vmAffinity?: VMAffinitySpec;
  vmAntiAffinity?: VMAntiAffinitySpec;
}
export type PolicySpec = LocalObjectRef;
export interface VMAffinitySpec {
  requiredDuringSchedulingPreferredDuringExecution?: VMAffinityTerm[];
  preferredDuringSchedulingPreferredDuringExecution?: VMAffinityTerm[];
}
export interface VMAffinityTerm {
  labelSelector?: LabelSelector;
  topologyKey: string;
}
export interface VMAntiAffinitySpec {
  requiredDuringSchedulingPreferredDuringExecution?: VMAffinityTerm[];
  preferredDuringSchedulingPreferredDuringExecution?: VMAffinityTerm[];
}
export interface VirtualMachineAdvancedSpec {
  bootDiskCapacity?: string;
  defaultVolumeProvisioningMode?: VolumeProvisioningMode;
  changeBlockTracking?: boolean;
  preferHtEnabled?: boolean;
  hugePages1GEnabled?: boolean;
  timeTrackerLowLatencyEnabled?: boolean;
  cpuAffinityExclusiveNoStatsEnabled?: boolean;
  vmxSwapEnabled?: boolean;
  pnumaNodeAffinity?: number[];
  extraConfig?: KeyValuePair[];
}
export interface VirtualMachineBootOptions {
  firmware?: VirtualMachineBootOptionsFirmwareType;
  bootDelay?: string;
  bootOrder?: VirtualMachineBootOptionsBootableDevice[];
  bootRetry?: VirtualMachineBootOptionsBootRetry;
  bootRetryDelay?: string;
  efiSecureBoot?: VirtualMachineBootOptionsEFISecureBoot;
  networkBootProtocol?: VirtualMachineBootOptionsNetworkBootProtocol;
}
export type VirtualMachineBootOptionsBootRetry = 'Enabled' | 'Disabled';
export interface VirtualMachineBootOptionsBootableDevice {
  type: VirtualMachineBootOptionsBootableDeviceType;
  name?: string;
}
export type VirtualMachineBootOptionsBootableDeviceType = 'Disk' | 'Network' | 'CDRom';
export type VirtualMachineBootOptionsEFISecureBoot = 'Enabled' | 'Disabled';
export type VirtualMachineBootOptionsFirmwareType = 'bios' | 'efi';
export type VirtualMachineBootOptionsNetworkBootProtocol = 'IP4' | 'IP6';
export interface VirtualMachineBootstrapSpec {
  cloudInit?: VirtualMachineBootstrapCloudInitSpec;
  linuxPrep?: VirtualMachineBootstrapLinuxPrepSpec;
  sysprep?: VirtualMachineBootstrapSysprepSpec;
  vAppConfig?: VirtualMachineBootstrapVAppConfigSpec;
  disabled?: boolean;
}
export interface VirtualMachineBootstrapCloudInitSpec {
  instanceID?: string;
  cloudConfig?: CloudConfig;
  rawCloudConfig?: SecretKeySelector;
  sshAuthorizedKeys?: string[];
  useGlobalNameserversAsDefault?: boolean;
  useGlobalSearchDomainsAsDefault?: boolean;
  waitOnNetwork4?: boolean;
  waitOnNetwork6?: boolean;
}
export interface CloudConfig {
  timezone?: string;
  defaultUserEnabled?: boolean;
  users?: User[];
  runcmd?: unknown;
  write_files?: WriteFile[];
  ssh_pwauth?: boolean;
}
export interface SecretKeySelector {
  name: string;
  key: string;
}
export interface User {
  create_groups?: boolean;
  expiredate?: string;
  gecos?: string;
  groups?: string[];
  hashed_passwd?: SecretKeySelector;
  homedir?: string;
  inactive?: number;
  lock_passwd?: boolean;
  name: string;
  no_create_home?: boolean;
  no_log_init?: boolean;
  no_user_group?: boolean;
  passwd?: SecretKeySelector;
  primary_group?: string;
  selinux_user?: string;
  shell?: string;
  snapuser?: string;
  ssh_authorized_keys?: string[];
  ssh_import_id?: string[];
  ssh_redirect_user?: boolean;
  sudo?: string;
  system?: boolean;
  uid?: number;
}
export interface VirtualMachineBootstrapLinuxPrepSpec {
  hardwareClockIsUTC?: boolean;
  timeZone?: string;
  expirePasswordAfterNextLogin?: boolean;
  password?: PasswordSecretKeySelector;
  scriptText?: ValueOrSecretKeySelector;
  customizeAtNextPowerOn?: boolean;
}
export interface PasswordSecretKeySelector {
  name: string;
  key: string;
}
export interface ValueOrSecretKeySelector {
  from?: SecretKeySelector;
  value?: string;
}
export interface VirtualMachineBootstrapSysprepSpec {
  sysprep?: Sysprep;
  rawSysprep?: SecretKeySelector;
  customizeAtNextPowerOn?: boolean;
}
export interface Sysprep {
  guiRunOnce?: GUIRunOnce;
  guiUnattended?: GUIUnattended;
  identification?: Identification;
  licenseFilePrintData?: LicenseFilePrintData;
  userData: UserData;
  expirePasswordAfterNextLogin?: boolean;
  scriptText?: ValueOrSecretKeySelector;
}
export interface GUIRunOnce {
  commands?: string[];
}
export interface GUIUnattended {
  autoLogon?: boolean;
  autoLogonCount?: number;
  password?: PasswordSecretKeySelector;
  timeZone?: number;
}
export interface Identification {
  domainAdmin?: string;
  domainAdminPassword?: DomainPasswordSecretKeySelector;
  domainOU?: string;
  joinWorkgroup?: string;
}
export interface DomainPasswordSecretKeySelector {
  name: string;
  key: string;
}
export interface LicenseFilePrintData {
  autoMode: CustomizationLicenseDataMode;
  autoUsers?: number;
}
export type CustomizationLicenseDataMode = 'perSeat' | 'perServer';
export interface UserData {
  fullName: string;
  orgName: string;
  productID?: ProductIDSecretKeySelector;
}
export interface ProductIDSecretKeySelector {
  name: string;
  key: string;
}
export interface VirtualMachineBootstrapVAppConfigSpec {
  properties?: KeyValueOrSecretKeySelectorPair[];
  rawProperties?: string;
}
export interface KeyValueOrSecretKeySelectorPair {
  key: string;
  value?: ValueOrSecretKeySelector;
}
export interface VirtualMachineCPUAdvancedSpec {
  latencySensitivity?: VirtualMachineLatencySensitivityLevel;
  topology?: VirtualMachineCPUTopologySpec;
  hotAddEnabled?: boolean;
  iommuEnabled?: boolean;
  nestedHardwareVirtualizationEnabled?: boolean;
  performanceCountersEnabled?: boolean;
}
export interface VirtualMachineCPUTopologySpec {
  coresPerSocket?: number;
  vnumaNodeCount?: number;
}
export interface VirtualMachineCryptoSpec {
  encryptionClassName?: string;
  useDefaultKeyProvider?: boolean;
  vTPMMode?: VirtualMachineCryptoVTPMMode;
}
export type VirtualMachineCryptoVTPMMode = 'Clone' | 'New';
export interface VirtualMachineHardwareSpec {
  cdrom?: VirtualMachineCdromSpec[];
  ideControllers?: IDEControllerSpec[];
  nvmeControllers?: NVMEControllerSpec[];
  sataControllers?: SATAControllerSpec[];
  scsiControllers?: SCSIControllerSpec[];
}
export interface IDEControllerSpec {
  busNumber: number;
}
export interface NVMEControllerSpec {
  busNumber: number;
  sharingMode?: VirtualControllerSharingMode;
}
export interface SATAControllerSpec {
  busNumber: number;
}
export interface SCSIControllerSpec {
  busNumber: number;
  sharingMode?: VirtualControllerSharingMode;
  type?: SCSIControllerType;
}
export type SCSIControllerType = 'ParaVirtual' | 'BusLogic' | 'LsiLogic' | 'LsiLogicSAS';
export type VirtualControllerSharingMode = 'None' | 'Physical' | 'Virtual';
export interface VirtualMachineCdromSpec {
  name: string;
  image: VirtualMachineImageRef;
  controllerBusNumber?: number;
  controllerType?: VirtualControllerType;
  unitNumber?: number;
  connected?: boolean;
  allowGuestControl?: boolean;
}
export interface VirtualMachineImageRef {
  kind: string;
  name: string;
}
export type VirtualMachineLatencySensitivityLevel = 'Normal' | 'High' | 'HighWithHyperthreading';
export interface VirtualMachineMemoryAdvancedSpec {
  hotAddEnabled?: boolean;
  reservationLockedToMax?: boolean;
}
export interface VirtualMachineNetworkSpec {
  hostName?: string;
  domainName?: string;
  disabled?: boolean;
  nameservers?: string[];
  searchDomains?: string[];
  interfaces?: VirtualMachineNetworkInterfaceSpec[];
  vlans?: VirtualMachineNetworkVLANSpec[];
}
export interface VirtualMachineNetworkInterfaceSpec {
  name: string;
  network?: PartialObjectRef;
  guestDeviceName?: string;
  macAddr?: string;
  addresses?: string[];
  dhcp4?: boolean;
  dhcp6?: boolean;
  gateway4?: string;
  gateway6?: string;
  mtu?: number;
  nameservers?: string[];
  routes?: VirtualMachineNetworkRouteSpec[];
  searchDomains?: string[];
  type?: VirtualMachineNetworkInterfaceType;
  vnumaNodeID?: number;
  vmxnet3?: VirtualMachineNetworkInterfaceVMXNet3Spec;
  advancedProperties?: KeyValuePair[];
  ipamModes?: string[];
}
export interface PartialObjectRef {
  apiVersion?: string;
  kind?: string;
  name: string;
}
export type VirtualMachineNetworkInterfaceType =
  | 'VMXNet3'
  | 'SRIOV'
  | 'E1000'
  | 'E1000e'
  | 'VMXNet2'
  | 'PCNet32';
export interface VirtualMachineNetworkInterfaceVMXNet3Spec {
  uptv2Enabled?: boolean;
  ctxPerDev?: TxContextThreadingMode;
  rssOffloadEnabled?: boolean;
  udpRssEnabled?: UDPRSSMode;
  pnicFeatures?: PNICQueueFeature[];
  coalescingScheme?: CoalescingScheme;
  coalescingParams?: string;
}
export type CoalescingScheme = 'Disabled' | 'Adapt' | 'Static' | 'RateBasedCoalescing';
export type PNICQueueFeature = 'LargeReceiveOffload' | 'ReceiveSideScaling';
export type TxContextThreadingMode = 'PerDevice' | 'PerVM' | 'PerQueue';
export type UDPRSSMode = boolean;
export interface VirtualMachineNetworkRouteSpec {
  to: string;
  via: string;
  metric?: number;
}
export interface VirtualMachineNetworkVLANSpec {
  name: string;
  id: number;
  link: string;
}
export type VirtualMachinePowerOpMode = 'Hard' | 'Soft' | 'TrySoft';
export type VirtualMachinePowerState = 'PoweredOff' | 'PoweredOn' | 'Suspended';
export type VirtualMachinePromoteDisksMode = 'Disabled' | 'Online' | 'Offline';
export interface VirtualMachineReadinessProbeSpec {
  tcpSocket?: TCPSocketAction;
  guestHeartbeat?: GuestHeartbeatAction;
  guestInfo?: GuestInfoAction[];
  timeoutSeconds?: number;
  periodSeconds?: number;
}
export interface GuestHeartbeatAction {
  thresholdStatus?: GuestHeartbeatStatus;
}
export type GuestHeartbeatStatus = 'gray' | 'red' | 'yellow' | 'green';
export interface GuestInfoAction {
  key: string;
  value?: string;
}
export interface TCPSocketAction {
  port: number | string;
  host?: string;
}
export interface VirtualMachineReservedSpec {
  resourcePolicyName?: string;
}
export interface VirtualMachineResourcesSpec {
  size?: VirtualMachineResourceQuantity;
  requests?: VirtualMachineResourceQuantity;
  limits?: VirtualMachineResourceQuantity;
}
export interface VirtualMachineResourceQuantity {
  cpu?: string;
  memory?: string;
}
export interface VirtualMachineStatus {
  class?: LocalObjectRef;
  nodeName?: string;
  powerState?: VirtualMachinePowerState;
  conditions?: Condition[];
  crypto?: VirtualMachineCryptoStatus;
  network?: VirtualMachineNetworkStatus;
  uniqueID?: string;
  biosUUID?: string;
  instanceUUID?: string;
  volumes?: VirtualMachineVolumeStatus[];
  changeBlockTracking?: boolean;
  zone?: string;
  lastRestartTime?: string;
  hardwareVersion?: number;
  storage?: VirtualMachineStorageStatus;
  provider?: VirtualMachineProviderStatus;
  currentSnapshot?: VirtualMachineSnapshotReference;
  rootSnapshots?: VirtualMachineSnapshotReference[];
  guest?: VirtualMachineGuestStatus;
  hardware?: VirtualMachineHardwareStatus;
  policies?: PolicyStatus[];
  extraConfig?: KeyValuePair[];
}
export interface PolicyStatus extends LocalObjectRef {
  generation: number;
}
export interface VirtualMachineCryptoStatus {
  encrypted?: VirtualMachineEncryptionType[];
  providerID?: string;
  keyID?: string;
  hasVTPM?: boolean;
}
export type VirtualMachineEncryptionType = 'Config' | 'Disks';
export interface VirtualMachineGuestStatus {
  guestID?: string;
  guestFullName?: string;
}
export interface VirtualMachineHardwareStatus {
  controllers?: VirtualControllerStatus[];
  cpu?: VirtualMachineCPUAllocationStatus;
  memory?: VirtualMachineMemoryAllocationStatus;
  vGPUs?: VirtualMachineHardwareVGPUStatus[];
}
export interface VirtualControllerStatus {
  busNumber: number;
  type: VirtualControllerType;
  deviceKey: number;
  devices?: VirtualDeviceStatus[];
}
export interface VirtualDeviceStatus {
  type: VirtualDeviceType;
  unitNumber: number;
}
export type VirtualDeviceType = 'CDROM' | 'Disk';
export interface VirtualMachineCPUAllocationStatus {
  total?: number;
  reservation?: number;
  limit?: number;
  coresPerSocket?: number;
  simultaneousThreads?: number;
  latencySensitivity?: string;
  hotAddEnabled?: boolean;
  iommuEnabled?: boolean;
  nestedHardwareVirtualizationEnabled?: boolean;
  performanceCountersEnabled?: boolean;
  vnuma?: VirtualMachineVNUMATopologyStatus;
}
export interface VirtualMachineHardwareVGPUStatus {
  type?: VirtualMachineVGPUType;
  profile?: string;
  migrationType?: VirtualMachineVGPUMigrationType;
}
export interface VirtualMachineMemoryAllocationStatus {
  total?: string;
  reservation?: string;
  limit?: string;
  reservationLockedToMax?: boolean;
  hotAddEnabled?: boolean;
}
export interface VirtualMachineNetworkStatus {
  config?: VirtualMachineNetworkConfigStatus;
  hostName?: string;
  interfaces?: VirtualMachineNetworkInterfaceStatus[];
  ipStacks?: VirtualMachineNetworkIPStackStatus[];
  primaryIP4?: string;
  primaryIP6?: string;
}
export interface VirtualMachineNetworkConfigStatus {
  interfaces?: VirtualMachineNetworkConfigInterfaceStatus[];
  dns?: VirtualMachineNetworkConfigDNSStatus;
}
export interface VirtualMachineNetworkConfigDNSStatus {
  hostName?: string;
  domainName?: string;
  nameservers?: string[];
  searchDomains?: string[];
}
export interface VirtualMachineNetworkConfigInterfaceStatus {
  name?: string;
  ip?: VirtualMachineNetworkConfigInterfaceIPStatus;
  dns?: VirtualMachineNetworkConfigDNSStatus;
}
export interface VirtualMachineNetworkConfigInterfaceIPStatus {
  dhcp?: VirtualMachineNetworkConfigDHCPStatus;
  addresses?: string[];
  gateway4?: string;
  gateway6?: string;
}
export interface VirtualMachineNetworkConfigDHCPStatus {
  ip4?: VirtualMachineNetworkConfigDHCPOptionsStatus;
  ip6?: VirtualMachineNetworkConfigDHCPOptionsStatus;
}
export interface VirtualMachineNetworkConfigDHCPOptionsStatus {
  enabled?: boolean;
}
export interface VirtualMachineNetworkIPStackStatus {
  dhcp?: VirtualMachineNetworkDHCPStatus;
  dns?: VirtualMachineNetworkDNSStatus;
  ipRoutes?: VirtualMachineNetworkIPRouteStatus[];
  kernelConfig?: KeyValuePair[];
}
export interface VirtualMachineNetworkDHCPStatus {
  ip4?: VirtualMachineNetworkDHCPOptionsStatus;
  ip6?: VirtualMachineNetworkDHCPOptionsStatus;
}
export interface VirtualMachineNetworkDHCPOptionsStatus {
  config?: KeyValuePair[];
  enabled?: boolean;
}
export interface VirtualMachineNetworkDNSStatus {
  dhcp?: boolean;
  hostName?: string;
  domainName?: string;
  nameservers?: string[];
  searchDomains?: string[];
}
export interface VirtualMachineNetworkIPRouteStatus {
  gateway?: VirtualMachineNetworkIPRouteGatewayStatus;
  networkAddress?: string;
}
export interface VirtualMachineNetworkIPRouteGatewayStatus {
  device?: string;
  address?: string;
}
export interface VirtualMachineNetworkInterfaceStatus {
  name?: string;
  deviceKey?: number;
  ip?: VirtualMachineNetworkInterfaceIPStatus;
  dns?: VirtualMachineNetworkDNSStatus;
  vnumaNodeID?: number;
  vmxnet3?: VirtualMachineNetworkInterfaceVMXNet3Status;
}
export interface VirtualMachineNetworkInterfaceIPStatus {
  autoConfigurationEnabled?: boolean;
  dhcp?: VirtualMachineNetworkDHCPStatus;
  addresses?: VirtualMachineNetworkInterfaceIPAddrStatus[];
  macAddr?: string;
}
export interface VirtualMachineNetworkInterfaceIPAddrStatus {
  address?: string;
  lifetime?: string;
  origin?: string;
  state?: string;
}
export interface VirtualMachineNetworkInterfaceVMXNet3Status {
  uptv2Enabled?: boolean;
  uptv2Active?: boolean;
  uptv2InactiveReasonVm?: string[];
  uptv2InactiveReasonOther?: string[];
}
export interface VirtualMachineProviderStatus {
  creationTimestamp?: string;
}
export interface VirtualMachineSnapshotReference {
  type: VirtualMachineSnapshotReferenceType;
  name: string;
}
export type VirtualMachineSnapshotReferenceType = 'Managed' | 'Unmanaged';
export interface VirtualMachineStorageStatus {
  total?: string;
  requested?: VirtualMachineStorageStatusRequested;
  usage?: VirtualMachineStorageStatusUsed;
}
export interface VirtualMachineStorageStatusRequested {
  disks?: string;
}
export interface VirtualMachineStorageStatusUsed {
  disks?: string;
  snapshots?: VirtualMachineStorageStatusUsedSnapshotDetails;
  other?: string;
}
export interface VirtualMachineStorageStatusUsedSnapshotDetails {
  vm?: string;
  volume?: string;
}
export type VirtualMachineVGPUMigrationType = 'None' | 'Normal' | 'Enhanced';
export type VirtualMachineVGPUType = 'Nvidia';
export interface VirtualMachineVNUMATopologyStatus {
  coresPerNumaNode?: number;
  autoCoresPerNumaNode?: boolean;
}
export interface VirtualMachineVolume {
  name: string;
  persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
  removable?: boolean;
  applicationType?: VolumeApplicationType;
  controllerBusNumber?: number;
  controllerType?: VirtualControllerType;
  diskMode?: VolumeDiskMode;
  sharingMode?: VolumeSharingMode;
  unitNumber?: number;
}
export interface VirtualMachineVolumeSource {
  persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
}
export interface PersistentVolumeClaimVolumeSource {
  claimName: string;
  readOnly?: boolean;
  instanceVolumeClaim?: InstanceVolumeClaimVolumeSource;
}
export interface InstanceVolumeClaimVolumeSource {
  storageClass: string;
  size: string;
}
export interface VirtualMachineVolumeStatus {
  name: string;
  controllerBusNumber?: number;
  controllerType?: VirtualControllerType;
  unitNumber?: number;
  type: VolumeType;
  diskMode?: VolumeDiskMode;
  sharingMode?: VolumeSharingMode;
  crypto?: VirtualMachineVolumeCryptoStatus;
  limit?: string;
  requested?: string;
  used?: string;
  attached?: boolean;
  diskUUID?: string;
  error?: string;
}
export interface VirtualMachineVolumeCryptoStatus {
  providerID?: string;
  keyID?: string;
}
export type VolumeApplicationType = 'OracleRAC' | 'MicrosoftWSFC';
export type VolumeDiskMode =
  | 'IndependentNonPersistent'
  | 'IndependentPersistent'
  | 'NonPersistent'
  | 'Persistent';
export type VolumeProvisioningMode = 'Thin' | 'Thick' | 'ThickEagerZero';
export type VolumeSharingMode = 'MultiWriter' | 'None';
export type VolumeType = 'Classic' | 'Managed';
export interface WriteFile {
  append?: boolean;
  content?: unknown;
  defer?: boolean;
  encoding?: WriteFileEncoding;
  owner?: string;
  path: string;
  permissions?: string;
}
export type WriteFileEncoding =
  | 'b64'
  | 'base64'
  | 'gz'
  | 'gzip'
  | 'gz+b64'
  | 'gz+base64'
  | 'gzip+b64'
  | 'gzip+base64'
  | 'text/plain';
