/**
 * The stored shape of each managed object. Records are immutable and compact: what
 * clients read (summary, back-references such as host.vm) is derived on read by the
 * property tables in ../properties, never stored twice. Times are epoch milliseconds.
 */

import type { StoredRecord } from '../core/store.js';
import { flat } from '../core/strings.js';
import type { PowerState } from '../faults.js';
import type { ClusterServiceConfig, ComputeResourceConfig } from './cluster-config.js';

export type ManagedType =
  | 'Folder'
  | 'Datacenter'
  | 'ComputeResource'
  | 'ClusterComputeResource'
  | 'HostSystem'
  | 'ResourcePool'
  | 'VirtualApp'
  | 'Datastore'
  | 'StoragePod'
  | 'Network'
  | 'VmwareDistributedVirtualSwitch'
  | 'DistributedVirtualPortgroup'
  | 'VirtualMachine'
  | 'VirtualMachineSnapshot'
  | 'HostDatastoreBrowser'
  | 'EnvironmentBrowser'
  | HostManagerKind
  | 'Task';

/** A vSphere data object: `_type` is its xsi:type. */
export interface DataObject {
  readonly _type: string;
}

interface Base<K extends string> extends StoredRecord {
  readonly kind: K;
  readonly name: string;
  /** Id of the parent entity (folder, datacenter, compute resource, pool). */
  readonly parent?: string;
  /** Values of custom fields set on this object (see objects/custom-fields.ts). */
  readonly customValue?: readonly CustomFieldValue[];
}

/** A custom field's value on an object (CustomFieldStringValue): the field's key and the text. */
export interface CustomFieldValue {
  readonly key: number;
  readonly value: string;
}

export interface FolderRecord extends Base<'Folder'> {
  readonly childType: readonly string[];
}

export interface DatacenterRecord extends Base<'Datacenter'> {
  readonly vmFolder: string;
  readonly hostFolder: string;
  readonly datastoreFolder: string;
  readonly networkFolder: string;
}

export interface ComputeResourceRecord extends Base<'ComputeResource' | 'ClusterComputeResource'> {
  readonly resourcePool: string;
  /** A cluster's DRS and HA configuration; absent for a standalone host's compute resource. */
  readonly drs?: ClusterServiceConfig;
  readonly das?: ClusterServiceConfig;
  /** What ReconfigureComputeResource_Task set beyond them (groups, rules, overrides, swap placement). */
  readonly config?: ComputeResourceConfig;
}

export interface HostRecord extends Base<'HostSystem'> {
  readonly uuid: string;
  readonly ip: string;
  readonly datastores: readonly string[];
  readonly networks: readonly string[];
  readonly connectionState: 'connected' | 'disconnected' | 'notResponding';
  readonly powerState: 'poweredOn' | 'poweredOff' | 'standBy' | 'unknown';
  readonly inMaintenanceMode: boolean;
  readonly bootTime: number;
}

export type SharesLevel = 'low' | 'normal' | 'high' | 'custom';

/** vSphere's SharesInfo: a level, and the count it stands for. */
export interface SharesInfo {
  readonly level: SharesLevel;
  readonly shares: number;
}

/** A pool's ResourceAllocationInfo. */
export interface Allocation {
  readonly reservation: number;
  readonly expandableReservation: boolean;
  readonly limit: number;
  readonly shares: SharesInfo;
}

/**
 * A VM's ResourceAllocationInfo (MHz or MB); its shares' count is kept for a custom level
 * alone, the others' following the VM's size.
 */
export interface VmAllocation {
  readonly reservation: number;
  readonly limit: number;
  readonly shares: { readonly level: SharesLevel; readonly shares?: number };
}

/** vSphere's LatencySensitivity of a VM: `sensitivity` with the (deprecated) custom level alone. */
export interface LatencySensitivity {
  readonly level: 'low' | 'normal' | 'medium' | 'high' | 'custom';
  readonly sensitivity?: number;
}

export interface ResourcePoolRecord extends Base<'ResourcePool' | 'VirtualApp'> {
  /** The compute resource that owns this pool tree. */
  readonly owner: string;
  readonly cpuAllocation: Allocation;
  readonly memoryAllocation: Allocation;
  /** vApps only: the folder they show in. */
  readonly parentFolder?: string;
}

export interface DatastoreRecord extends Base<'Datastore'> {
  readonly url: string;
  readonly type: string;
  readonly capacity: number;
  /** Bytes held by the disks on it; freeSpace = capacity - used. */
  readonly used: number;
  readonly accessible: boolean;
  readonly maintenanceMode: 'normal' | 'enteringMaintenance' | 'inMaintenance';
  /** An NFS datastore's volume (HostDatastoreSystem.CreateNasDatastore). */
  readonly nas?: NasVolume;
  /** A local datastore's folder on its host (HostDatastoreSystem.CreateLocalDatastore). */
  readonly localPath?: string;
}

/** What a HostNasVolumeSpec mounted: the export and how hosts mount it. */
export interface NasVolume {
  readonly remoteHost: string;
  readonly remotePath: string;
  /** HostMountMode: `readWrite` or `readOnly`. */
  readonly accessMode: string;
  readonly userName?: string;
}

export interface StoragePodRecord extends Base<'StoragePod'> {}

export interface NetworkRecord extends Base<'Network' | 'DistributedVirtualPortgroup'> {
  /** Portgroups: the key clients put in a backing, and their switch. */
  readonly key?: string;
  readonly dvs?: string;
  readonly uplink?: boolean;
  readonly numPorts?: number;
}

export interface DvsRecord extends Base<'VmwareDistributedVirtualSwitch'> {
  readonly uuid: string;
  readonly hosts: readonly string[];
}

export interface Device extends DataObject {
  readonly key: number;
  readonly deviceInfo?: { readonly label: string; readonly summary: string };
  readonly controllerKey?: number;
  readonly unitNumber?: number;
  readonly [field: string]: unknown;
}

export interface OptionValue {
  readonly key: string;
  readonly value: string;
}

/** The extension that manages a VM (`config.managedBy`), as vSphere Client shows it. */
export interface ManagedByInfo {
  readonly extensionKey: string;
  readonly type: string;
}

/** ScheduledHardwareUpgradeInfo: a hardware upgrade a VM waits to run at a power cycle. */
export interface ScheduledHardwareUpgrade {
  /** `never`, `onSoftPowerOff` or `always`. */
  readonly upgradePolicy: string;
  /** `vmx-NN`; absent: the latest the hosts run. */
  readonly versionKey?: string;
  /** `none`, `pending`, `success` or `failed`. */
  readonly scheduledHardwareUpgradeStatus: string;
}

/** VirtualMachineBootOptionsBootableDevice: a CD-ROM, a floppy, or a disk or NIC by device key. */
export interface BootableDevice {
  readonly _type: string;
  readonly deviceKey?: number;
}

/** VirtualMachineBootOptions: how the VM's firmware boots. */
export interface VmBootOptions {
  readonly bootDelay: number;
  /** The next boot enters setup; the VM clears it as it boots. */
  readonly enterBIOSSetup: boolean;
  readonly bootRetryEnabled: boolean;
  readonly bootRetryDelay: number;
  /** The firmware checks the signatures of what it boots (EFI firmware only). */
  readonly efiSecureBootEnabled: boolean;
  /** `ipv4` or `ipv6`. */
  readonly networkBootProtocol: string;
  /** The devices tried first, in order; empty: the firmware's own order. */
  readonly bootOrder: readonly BootableDevice[];
}

/** A vApp property of a VM (vim25 VAppPropertyInfo). */
export interface VAppProperty {
  /** Unique within the VM. */
  readonly key: number;
  /** The OVF property's `ovf:key`. */
  readonly id: string;
  /** `string`, `boolean`, `int`, `password`, `string(..64)`, ... */
  readonly type: string;
  readonly category?: string;
  readonly label?: string;
  readonly description?: string;
  readonly userConfigurable?: boolean;
  /** The OVF's `ovf:value`. */
  readonly defaultValue?: string;
  /** What was set: '' until set, as vCenter reports it. */
  readonly value?: string;
}

/** The part of a VM's vApp configuration (vim25 VmConfigInfo) the model keeps. */
export interface VmVAppConfig {
  readonly properties: readonly VAppProperty[];
  /** How the guest gets its OVF environment (`com.vmware.guestInfo`, `iso`); unset, none. */
  readonly ovfEnvironmentTransport?: readonly string[];
}

/** A key by its id and its provider's (vim25 CryptoKeyId). */
export interface CryptoKeyRef {
  readonly keyId: string;
  readonly providerId: string;
}

export interface VmConfig {
  readonly uuid: string;
  readonly instanceUuid: string;
  readonly guestId: string;
  readonly guestFullName: string;
  readonly version: string;
  readonly template: boolean;
  readonly numCPU: number;
  readonly numCoresPerSocket: number;
  readonly memoryMB: number;
  /** CPUs may be added, or removed, while the VM runs; memory may be added. */
  readonly cpuHotAddEnabled: boolean;
  readonly cpuHotRemoveEnabled: boolean;
  readonly memoryHotAddEnabled: boolean;
  /** What the VM reserves, may use and shares of CPU (MHz) and memory (MB); vSphere's defaults when absent. */
  readonly cpuAllocation?: VmAllocation;
  readonly memoryAllocation?: VmAllocation;
  /** Its latency sensitivity; `normal` when absent. */
  readonly latencySensitivity?: LatencySensitivity;
  readonly scheduledHardwareUpgrade: ScheduledHardwareUpgrade;
  /** `bios` or `efi`. */
  readonly firmware: string;
  readonly bootOptions: VmBootOptions;
  /** Changed Block Tracking of the VM's disks, what backup software reads. */
  readonly changeTrackingEnabled: boolean;
  /** The storage policy of the VM's home (its configuration files), when it has one. */
  readonly homeStoragePolicyId?: string;
  readonly devices: readonly Device[];
  readonly extraConfig: readonly OptionValue[];
  /** The vApp options; none for a VM without them. */
  readonly vAppConfig?: VmVAppConfig;
  readonly vmPathName: string;
  readonly annotation: string;
  /** The key its configuration files are encrypted with (`config.keyId`); none for a VM not encrypted. */
  readonly keyId?: CryptoKeyRef;
  /** The extension managing the VM; none for most. */
  readonly managedBy?: ManagedByInfo;
  readonly createDate: number;
  readonly changeVersion: number;
}

export interface GuestNic {
  readonly network: string;
  readonly macAddress: string;
  readonly ipAddress: readonly string[];
  readonly deviceConfigId: number;
  readonly connected: boolean;
}

export interface VmGuest {
  readonly toolsRunningStatus: 'guestToolsRunning' | 'guestToolsNotRunning' | 'guestToolsExecutingScripts';
  readonly ipAddress?: string;
  readonly hostName?: string;
  readonly net: readonly GuestNic[];
}

/** The value of a key of a VM's extra config; undefined without it. */
export const extraConfigValue = (config: Pick<VmConfig, 'extraConfig'>, key: string): string | undefined =>
  config.extraConfig.find((option) => option.key === key)?.value;

export interface VmRecord extends Base<'VirtualMachine'> {
  readonly pool?: string;
  readonly host?: string;
  readonly parentVApp?: string;
  /** The datastore holding the VM's home folder (its .vmx). */
  readonly homeDatastore: string;
  /** Derived on write from the home and the disks: see putVm. */
  readonly datastores: readonly string[];
  /** Derived on write from the NICs: see putVm. */
  readonly networks: readonly string[];
  readonly config: VmConfig;
  readonly powerState: PowerState;
  readonly connectionState: 'connected' | 'disconnected' | 'orphaned' | 'inaccessible' | 'invalid';
  readonly bootTime?: number;
  /** The memory a running VM booted with, kept once a hot add grows it: its hot add limit follows it. */
  readonly bootMemoryMB?: number;
  readonly guest: VmGuest;
  /** The snapshot tree (see objects/snapshot.ts); absent until the first snapshot. */
  readonly snapshots?: VmSnapshots;
  /** The guest identity a customization gave it (see objects/vm-customization.ts). */
  readonly customization?: GuestCustomization;
}

/** A VM's snapshots: the roots in creation order, the current one, the last tree id handed out. */
export interface VmSnapshots {
  readonly roots: readonly string[];
  readonly current?: string;
  readonly lastId: number;
}

/** What a guest customization makes the guest report, from the next power-on on. */
export interface GuestCustomization {
  readonly identity: 'linux' | 'windows';
  readonly hostName?: string;
  readonly domain?: string;
  /** Per NIC in device order: a fixed address, or null where the NIC uses DHCP. */
  readonly ips: readonly (string | null)[];
  /** True until the next power-on applies it (and posts the customization events). */
  readonly pending: boolean;
  /** True while the guest's tools run it, from the boot that applied it until the guest reports its addresses. */
  readonly running?: boolean;
  /** When the boot that applied it started it, and when the guest's tools ended it (epoch ms). */
  readonly startTime?: number;
  readonly endTime?: number;
  /** Set when the guest's tools failed it, with what they report (GuestInfo.customizationInfo.errorMsg). */
  readonly failed?: boolean;
  readonly errorMsg?: string;
}

/** A VirtualMachineSnapshot: the config and power state it captured, and its place in the tree. */
export interface SnapshotRecord extends Base<'VirtualMachineSnapshot'> {
  readonly vm: string;
  readonly description: string;
  readonly parentSnapshot?: string;
  readonly children: readonly string[];
  /** VirtualMachineSnapshotTree.id: counts up per VM. */
  readonly snapshotId: number;
  readonly createTime: number;
  /** The power state a revert returns the VM to. */
  readonly state: PowerState;
  readonly quiesced: boolean;
  readonly config: VmConfig;
}

/** An EventHistoryCollector or TaskHistoryCollector (see history/collectors.ts). */
export interface HistoryCollectorRecord extends StoredRecord {
  readonly kind: 'EventHistoryCollector' | 'TaskHistoryCollector';
  readonly name: string;
  readonly parent?: string;
  /** The EventFilterSpec or TaskFilterSpec as the client sent it. */
  readonly filter: Readonly<Record<string, unknown>>;
  readonly pageSize: number;
  /** The scrollable view's position: items keyed above it are next, the rest previous. */
  readonly position: number;
  /** The session that created it; its collectors go when it logs out. */
  readonly session?: string;
  /** Counts the times new items arrived, so property filters re-read latestPage. */
  readonly revision: number;
}

export type TaskState = 'queued' | 'running' | 'success' | 'error';

export interface TaskRecord extends Base<'Task'> {
  readonly descriptionId: string;
  readonly entity?: string;
  /** Kept so a task still names its entity's type after the entity is gone. */
  readonly entityType?: string;
  readonly entityName?: string;
  readonly state: TaskState;
  readonly cancelable: boolean;
  readonly cancelled: boolean;
  readonly queueTime: number;
  readonly startTime?: number;
  readonly completeTime?: number;
  readonly result?: unknown;
  readonly error?: import('../faults.js').Fault & { readonly message?: string };
  readonly userName: string;
  readonly eventChainId: number;
  readonly activationId?: string;
}

/** A file of a library item, as the content library lists it. */
export interface LibraryFile {
  readonly name: string;
  readonly size: number;
  readonly version: string;
  readonly cached: boolean;
  /** The checksum of the bytes uploaded for the file (absent for generated files). */
  readonly checksum?: LibraryFileChecksum;
}

export interface LibraryFileChecksum {
  readonly algorithm: 'SHA1' | 'MD5' | 'SHA256' | 'SHA512';
  /** Lower-case hex digits. */
  readonly checksum: string;
}

/** Where a subscribed library takes its items from: a published local library. */
export interface LibrarySubscription {
  /** The published library the subscription URL names. */
  readonly source: string;
  readonly url: string;
  readonly onDemand: boolean;
  readonly automaticSyncEnabled: boolean;
}

/** A local content library (a vAPI object, not a managed object): its id is a UUID. */
export interface LibraryRecord extends Base<'ContentLibrary'> {
  readonly description: string;
  readonly type: 'LOCAL' | 'SUBSCRIBED';
  /** The storage backing: the datastore that holds the library's files. */
  readonly datastore: string;
  readonly serverGuid: string;
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  /** Counts up on every change of the library's own fields, as a decimal string. */
  readonly version: string;
  /** A local library others may subscribe to. */
  readonly published?: boolean;
  /** A subscribed library's source. */
  readonly subscription?: LibrarySubscription;
  readonly lastSyncTime?: number;
}

/** An item of a content library (an OVF template, an ISO image or plain files). */
export interface LibraryItemRecord extends Base<'LibraryItem'> {
  readonly library: string;
  readonly description: string;
  /**
   * `ovf` (a template VMs deploy from), `vm-template` (a template VM of the inventory) and
   * `iso` are known; any other type is an item of files.
   */
  readonly type: string;
  /** What an OVF item's descriptor says about the VM it deploys. */
  readonly ovf?: import('../library/ovf.js').OvfDescriptor;
  /** The template VM a `vm-template` item holds (its `vm_template`). */
  readonly template?: string;
  readonly files: readonly LibraryFile[];
  /** Bytes of all the item's files. */
  readonly size: number;
  readonly cached: boolean;
  readonly contentVersion: string;
  readonly metadataVersion: string;
  readonly version: string;
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  /** The item of the published library a subscribed library's item copies. */
  readonly sourceId?: string;
  readonly lastSyncTime?: number;
}

/** A tag category (a vAPI object, see ../tagging): id `urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL`. */
export interface TagCategoryRecord extends Base<'TagCategory'> {
  readonly description: string;
  readonly cardinality: 'SINGLE' | 'MULTIPLE';
  /** The object types its tags may be attached to; empty admits every type. */
  readonly associableTypes: readonly string[];
}

/** A tag of a category: id `urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL`. */
export interface TagRecord extends Base<'Tag'> {
  readonly category: string;
  readonly description: string;
}

/** A tag attached to an object; the id joins the two, so a second attach finds the first. */
export interface TagAttachmentRecord extends StoredRecord {
  readonly kind: 'TagAttachment';
  readonly name: string;
  readonly parent?: string;
  readonly tag: string;
  readonly object: string;
  /** The object's managed type, as the vAPI's DynamicID names it. */
  readonly objectType: string;
}

export type InventoryRecord =
  | FolderRecord
  | DatacenterRecord
  | ComputeResourceRecord
  | HostRecord
  | ResourcePoolRecord
  | DatastoreRecord
  | StoragePodRecord
  | NetworkRecord
  | DvsRecord
  | VmRecord
  | TaskRecord
  | LibraryRecord
  | LibraryItemRecord
  | ServiceObjectRecord
  | ContainerViewRecord
  | ListViewRecord
  | PropertyFilterRecord
  | SnapshotRecord
  | HistoryCollectorRecord
  | TagCategoryRecord
  | TagRecord
  | TagAttachmentRecord
  | VStorageObjectRecord
  | DatastoreFileRecord
  | ClusterModuleRecord
  | StoragePolicyRecord
  | BrowserRecord
  | HostManagerRecord
  | HostNetworkSystemRecord
  | HostServiceSystemRecord
  | HostDateTimeSystemRecord
  | HostFirewallSystemRecord
  | HostOptionManagerRecord;

/**
 * The browsers objects get when they are made, one each, with ids derived from their owner's:
 * a datastore's or a host's HostDatastoreBrowser (vCenter's `datastoreBrowser-datastore-11`), a
 * compute resource's EnvironmentBrowser (`envbrowser-domain-c7`).
 */
const BROWSER_ID_PREFIXES = {
  HostDatastoreBrowser: 'datastoreBrowser-',
  EnvironmentBrowser: 'envbrowser-',
} as const;

export type BrowserKind = keyof typeof BROWSER_ID_PREFIXES;
export const BROWSER_KINDS = Object.keys(BROWSER_ID_PREFIXES) as BrowserKind[];

/** An object made and removed with its owner, named after its kind: a browser, a host's manager. */
interface OwnedRecord<K extends string> extends StoredRecord {
  readonly kind: K;
  readonly name: K;
  readonly parent?: undefined;
  /**
   * A browser's datastore or host (whose datastores it browses) or compute resource (whose hosts
   * it describes); a manager's host.
   */
  readonly owner: string;
}

export type BrowserRecord<K extends BrowserKind = BrowserKind> = OwnedRecord<K>;

export type DatastoreBrowserRecord = BrowserRecord<'HostDatastoreBrowser'>;
export type EnvironmentBrowserRecord = BrowserRecord<'EnvironmentBrowser'>;

/** The id of `owner`'s browser of a kind. */
export const browserIdFor = (kind: BrowserKind, owner: string): string =>
  `${BROWSER_ID_PREFIXES[kind]}${owner}`;

/** The HostDatastoreBrowser of a datastore or a host. */
export const browserIdOf = (owner: string): string => browserIdFor('HostDatastoreBrowser', owner);

/** The EnvironmentBrowser of a compute resource. */
export const environmentBrowserIdOf = (owner: string): string => browserIdFor('EnvironmentBrowser', owner);

/** The browser of a kind an object gets when it is made. */
export const browserRecord = <K extends BrowserKind>(kind: K, owner: string): BrowserRecord<K> => ({
  id: browserIdFor(kind, owner),
  kind,
  name: kind,
  owner,
});

/**
 * The managers a host's `configManager` names, one each, made with the host: each kind's field
 * of HostConfigManager, which is also its id's prefix, as vCenter's ids go (host-21's
 * HostDatastoreSystem is `datastoreSystem-21`).
 */
export const HOST_MANAGER_FIELDS = {
  HostDatastoreSystem: 'datastoreSystem',
  HostNetworkSystem: 'networkSystem',
  HostServiceSystem: 'serviceSystem',
  HostDateTimeSystem: 'dateTimeSystem',
  HostFirewallSystem: 'firewallSystem',
  OptionManager: 'advancedOption',
} as const;

export type HostManagerKind = keyof typeof HOST_MANAGER_FIELDS;
export const HOST_MANAGER_KINDS = Object.keys(HOST_MANAGER_FIELDS) as HostManagerKind[];

export type HostManagerRecord<K extends HostManagerKind = HostManagerKind> = OwnedRecord<K>;

/** A standard virtual switch of a host, as HostNetworkSystem keeps it. */
export interface VirtualSwitchState {
  readonly name: string;
  /** HostVirtualSwitchSpec.numPorts, as asked. */
  readonly numPorts: number;
  readonly mtu: number;
  /** The physical NICs it bridges (`vmnic0`). */
  readonly nics: readonly string[];
  /** HostNetworkPolicy as the client sent it; the host's default when absent. */
  readonly policy?: DataObject;
}

/** A portgroup of a standard switch: VMs on it see the datacenter's Network of that name. */
export interface PortGroupState {
  readonly name: string;
  readonly vswitch: string;
  readonly vlanId: number;
  /** HostNetworkPolicy as the client sent it: what it overrides of its switch's. */
  readonly policy?: DataObject;
}

/**
 * A host's HostNetworkSystem. Its switches and portgroups are derived from the host's standard
 * networks (one `vSwitch0`) until a client changes them; from then on they are kept here.
 */
export interface HostNetworkSystemRecord extends HostManagerRecord<'HostNetworkSystem'> {
  readonly vswitches?: readonly VirtualSwitchState[];
  readonly portgroups?: readonly PortGroupState[];
}

/** A host service's state where a client changed it (HostServiceSystem). */
export interface HostServiceState {
  readonly key: string;
  readonly running: boolean;
  /** HostServicePolicy: `on`, `automatic` or `off`. */
  readonly policy: string;
}

export interface HostServiceSystemRecord extends HostManagerRecord<'HostServiceSystem'> {
  /** Only the services a client changed; the others are as the host boots them. */
  readonly services?: readonly HostServiceState[];
}

/**
 * A host's HostDateTimeSystem: what UpdateDateTime and UpdateDateTimeConfig changed; a host
 * no client changed keeps the simulator's time, in UTC, with no NTP servers.
 */
export interface HostDateTimeSystemRecord extends HostManagerRecord<'HostDateTimeSystem'> {
  /** Milliseconds the host's clock is ahead of the simulator's (UpdateDateTime), so it advances with it. */
  readonly clockOffset?: number;
  /** HostNtpConfig.server as the host keeps it. */
  readonly ntpServers?: readonly string[];
  /** HostNtpConfig.configFile, when a client sent one. */
  readonly ntpConfigFile?: readonly string[];
}

/** A firewall ruleset's state where a client changed it (HostFirewallSystem). */
export interface FirewallRulesetState {
  readonly key: string;
  readonly enabled: boolean;
  /** HostFirewallRulesetIpList as UpdateRuleset set it; all addresses until then. */
  readonly allowedHosts?: DataObject;
}

export interface HostFirewallSystemRecord extends HostManagerRecord<'HostFirewallSystem'> {
  /** Only the rulesets a client changed; the others are as the host boots them. */
  readonly rulesets?: readonly FirewallRulesetState[];
  /** HostFirewallDefaultPolicy where a client changed it: both directions blocked until then. */
  readonly defaultPolicy?: { readonly incomingBlocked: boolean; readonly outgoingBlocked: boolean };
}

/** A host's advanced settings (`configManager.advancedOption`): the ones a client changed. */
export interface HostOptionManagerRecord extends HostManagerRecord<'OptionManager'> {
  readonly options?: readonly OptionSetting[];
}

/** The id of a host's manager of a kind. */
export const hostManagerIdOf = (kind: HostManagerKind, host: string): string =>
  `${HOST_MANAGER_FIELDS[kind]}-${host.startsWith('host-') ? host.slice('host-'.length) : host}`;

/** The manager of a kind a host gets when it is made. */
export const hostManagerRecord = <K extends HostManagerKind>(
  kind: K,
  host: string,
): HostManagerRecord<K> => ({
  id: hostManagerIdOf(kind, host),
  kind,
  name: kind,
  owner: host,
});

/**
 * A First Class Disk (VStorageObjectManager): a virtual disk with an identity of its own, kept
 * apart from any VM. Its id is a UUID; its file lies in `fcd/` on its datastore, whose space it
 * takes whether or not a VM has it attached.
 */
export interface VStorageObjectRecord extends StoredRecord {
  readonly kind: 'VStorageObject';
  readonly name: string;
  /** Outside the inventory tree. */
  readonly parent?: undefined;
  readonly datastore: string;
  /** `[datastore] fcd/<hex>.vmdk` */
  readonly filePath: string;
  readonly capacityInMB: number;
  readonly createTime: number;
  /** Whether the disk outlives a VM destroyed with it attached (CNS sets it). */
  readonly keepAfterDeleteVm: boolean;
  /** Control flags `disableRelocation` and `enableChangedBlockTracking` set, as the disk shows them. */
  readonly relocationDisabled?: boolean;
  readonly changedBlockTrackingEnabled?: boolean;
  readonly backingObjectId: string;
  readonly provisioningType?: string;
  /** The UUID of its virtual disk file: what a VM that has it attached shows as the disk's UUID. */
  readonly diskUuid: string;
  /** The storage policy it is under: a VM's disk registered keeps its own. */
  readonly storagePolicyId?: string;
  /** The VMs it is attached to: one, or several that share it (multi-writer, or a shared SCSI bus). */
  readonly consumers?: readonly string[];
}

/**
 * A file or folder a client put on a datastore (FileManager, HTTP `/folder`), beside those the
 * model's objects make (see objects/datastore-files.ts). Its id joins its datastore and its
 * path, so a path names one record; its bytes are kept as base64 and take space on the datastore.
 */
/** The id of the DatastoreFile record at `path` on `ds`, derived as the browsers' ids are. */
export const datastoreFileId = (ds: string, path: string): string => `dsfile:${ds}:${path}`;

export interface DatastoreFileRecord extends StoredRecord {
  readonly kind: 'DatastoreFile';
  /** Its path on the datastore, `dir/file`, without the datastore's name. */
  readonly name: string;
  /** Outside the inventory tree. */
  readonly parent?: undefined;
  readonly datastore: string;
  readonly folder: boolean;
  /** A file's bytes, base64; none for a folder. */
  readonly content?: string;
  /** A file's bytes; 0 for a folder. */
  readonly size: number;
  readonly modified: number;
  /**
   * A virtual disk's descriptor (VirtualDiskManager): what the disk is. Its extent,
   * `<name>-flat.vmdk` beside it, is a record of its own whose size is the disk's capacity.
   */
  readonly disk?: VirtualDiskFacts;
  /**
   * A configuration file UnregisterVM left (`name.vmx`): the VM as RegisterVM_Task brings it back.
   * Its `content` is the same configuration as `.vmx` text, what a client reads or copies.
   */
  readonly vm?: VmConfigFile;
}

/** What an unregistered VM's configuration file holds: its name and its configuration. */
export interface VmConfigFile {
  /** `displayName`: the name a registration gives the VM when the call names none. */
  readonly displayName: string;
  readonly config: VmConfig;
}

/** A standalone virtual disk, as its descriptor tells of it. */
export interface VirtualDiskFacts {
  readonly capacityKb: number;
  /** VirtualDiskType: `thin`, `preallocated`, `eagerZeroedThick` or `thick`. */
  readonly diskType: string;
  /** VirtualDiskAdapterType: `ide`, `busLogic` or `lsiLogic`. */
  readonly adapterType: string;
  /** Canonical form (`6000c29a-...`); QueryVirtualDiskUuid shows it as the descriptor's ddb.uuid. */
  readonly uuid: string;
}

/**
 * A cluster module (vAPI's vcenter.cluster.modules, see objects/cluster-module.ts): VMs of one
 * cluster that DRS keeps apart, vm-operator's anti-affinity groups. Not a managed object: its
 * id is a UUID.
 */
export interface ClusterModuleRecord extends StoredRecord {
  readonly kind: 'ClusterModule';
  /** Its id: a module has no name of its own. */
  readonly name: string;
  /** Outside the inventory tree. */
  readonly parent?: undefined;
  readonly cluster: string;
  /** Ids of the member VMs, in the order they joined. */
  readonly members: readonly string[];
}

/** A VM storage policy (vcenter.storage.policies, see objects/storage-policy.ts); its id is a UUID. */
export interface StoragePolicyRecord extends StoredRecord {
  readonly kind: 'StoragePolicy';
  readonly name: string;
  /** Outside the inventory tree. */
  readonly parent?: undefined;
  readonly description: string;
  /** What it requires of the storage it places objects on (none when absent). */
  readonly rules?: StoragePolicyRules;
}

/** A storage policy's rules, the capabilities of its requirements that the model knows. */
export interface StoragePolicyRules {
  /**
   * vSAN's object space reservation (capability `VSAN.proportionalCapacity`): the percentage
   * of each object's size reserved when it is provisioned, 0 (thin) to 100 (thick).
   */
  readonly proportionalCapacity?: number;
  /** An encryption IO filter: what is placed under the policy is encrypted. */
  readonly encryption?: boolean;
}

/** A ContainerView: what it shows (`view`) is derived on read from the tree under `container`. */
export interface ContainerViewRecord extends StoredRecord {
  readonly kind: 'ContainerView';
  readonly name: string;
  readonly parent?: string;
  /** The session that made it (none outside a session): it goes when the session ends. */
  readonly session?: string;
  readonly container: string;
  readonly type: readonly string[];
  readonly recursive: boolean;
}

/** A ListView: the ids it lists; objects that no longer exist drop out of `view` on read. */
export interface ListViewRecord extends StoredRecord {
  readonly kind: 'ListView';
  readonly name: string;
  readonly parent?: string;
  /** The session that made it (none outside a session): it goes when the session ends. */
  readonly session?: string;
  readonly objects: readonly string[];
}

/** A PropertyFilter of a property collector; its spec is kept as the client sent it. */
export interface PropertyFilterRecord extends StoredRecord {
  readonly kind: 'PropertyFilter';
  readonly name: string;
  readonly parent?: string;
  readonly collector: string;
  /** The session that made it (none outside a session): it goes when the session ends. */
  readonly session?: string;
  readonly spec: import('../collector/spec.js').PropertyFilterSpec;
  readonly partialUpdates: boolean;
}

/** ServiceInstance and the managers ServiceContent points to: fixed ids, no parent. */
export interface ServiceObjectRecord extends StoredRecord {
  readonly kind: import('./service.js').ServiceObjectType;
  readonly name: string;
  readonly parent?: string;
  /** The session that made a PropertyCollector (CreatePropertyCollector): it goes when the session ends. */
  readonly session?: string;
  /** An OptionManager's settings clients changed or added (UpdateOptions), over its defaults. */
  readonly options?: readonly OptionSetting[];
  /** The CustomizationSpecManager's specs (see objects/customization-specs.ts). */
  readonly customizationSpecs?: readonly import('../objects/customization-specs.js').CustomizationSpecItem[];
}

/** An OptionManager's setting: a key and its value, of the type it was given. */
export interface OptionSetting {
  readonly key: string;
  readonly value: unknown;
}

/** The key under which a child is indexed by its parent and name. */
export const childNameKey = (parent: string, name: string): string => flat(`${parent}\u0000${name}`);

/** The relation from a VM's instance UUID, in lower case, to the VM. */
export const INSTANCE_UUID = 'instanceUuid';

/** The relations the store keeps reverse indexes for, named after the back-reference. */
export const relations = (r: InventoryRecord): (readonly [string, string])[] => {
  const out: (readonly [string, string])[] = [];
  if (r.parent) {
    out.push(['childEntity', r.parent]);
    // Names are found by parent and name at once: a folder of 100,000 VMs is not scanned per create.
    if (r.kind !== 'Task') out.push(['childNamed', childNameKey(r.parent, r.name)]);
  }
  switch (r.kind) {
    case 'VirtualMachine':
      // SearchIndex finds a VM by instance UUID at once (vm-operator looks its VMs up so).
      out.push([INSTANCE_UUID, r.config.instanceUuid.toLowerCase()]);
      if (r.host) out.push(['vm', r.host]);
      if (r.pool) out.push(['vm', r.pool]);
      for (const ds of r.datastores) out.push(['vm', ds]);
      for (const net of r.networks) out.push(['vm', net]);
      break;
    case 'HostSystem':
      for (const ds of r.datastores) out.push(['host', ds]);
      for (const net of r.networks) out.push(['host', net]);
      break;
    case 'DistributedVirtualPortgroup':
      if (r.dvs) out.push(['portgroup', r.dvs]);
      break;
    case 'VmwareDistributedVirtualSwitch':
      for (const host of r.hosts) out.push(['dvsHost', host]);
      break;
    case 'LibraryItem':
      out.push(['libraryItem', r.library]);
      break;
    case 'PropertyFilter':
      out.push(['filter', r.collector]);
      break;
    case 'Tag':
      out.push(['tag', r.category]);
      break;
    case 'TagAttachment':
      out.push(['objectAttachment', r.tag]);
      out.push(['tagAttachment', r.object]);
      break;
    case 'DatastoreFile':
      out.push(['datastoreFile', r.datastore]);
      break;
    case 'ClusterModule':
      // One relation for both ends: cluster and VM ids never collide.
      out.push(['clusterModule', r.cluster]);
      for (const vm of r.members) out.push(['clusterModule', vm]);
      break;
  }
  return out;
};

/**
 * Whether two states of a record have the same relations, judged by the very fields
 * `relations` reads (lists by identity). Most writes keep them all (a VM powered on, a
 * datastore's usage): the store then computes no relations at all.
 */
export const sameRelations = (a: InventoryRecord, b: InventoryRecord): boolean => {
  if (a.kind !== b.kind || a.parent !== b.parent || a.name !== b.name) return false;
  switch (a.kind) {
    case 'VirtualMachine': {
      const vm = b as VmRecord;
      return (
        a.config.instanceUuid === vm.config.instanceUuid &&
        a.host === vm.host &&
        a.pool === vm.pool &&
        a.datastores === vm.datastores &&
        a.networks === vm.networks
      );
    }
    case 'HostSystem': {
      const host = b as HostRecord;
      return a.datastores === host.datastores && a.networks === host.networks;
    }
    case 'DistributedVirtualPortgroup':
      return a.dvs === (b as NetworkRecord).dvs;
    case 'VmwareDistributedVirtualSwitch':
      return a.hosts === (b as DvsRecord).hosts;
    case 'LibraryItem':
      return a.library === (b as LibraryItemRecord).library;
    case 'PropertyFilter':
      return a.collector === (b as PropertyFilterRecord).collector;
    case 'Tag':
      return a.category === (b as TagRecord).category;
    case 'TagAttachment': {
      const attachment = b as TagAttachmentRecord;
      return a.tag === attachment.tag && a.object === attachment.object;
    }
    case 'DatastoreFile':
      return a.datastore === (b as DatastoreFileRecord).datastore;
    case 'ClusterModule': {
      const module = b as ClusterModuleRecord;
      return a.cluster === module.cluster && a.members === module.members;
    }
    default:
      return true;
  }
};
