/**
 * vm-operator's VirtualMachine controller, in vm-operator's order of work:
 * - a paused VM (`vmoperator.vmware.com/paused`) is left alone, deletion included;
 * - a deleted VM is powered off and destroyed in vSphere, then its finalizer goes (not
 *   while a `delete.check.vmoperator.vmware.com/*` annotation is present);
 * - the finalizer (and the zone label) come first;
 * - create path: every prerequisite checked in one pass, each with its condition (see
 *   prerequisites.ts), NetworkInterfaces made and awaited (nothing is reported until
 *   net-operator has reported on them, as vm-operator's create did when it waited for them
 *   inline), then the image's library item
 *   deployed into the namespace's (or the resource policy's) pool and folder, sized by
 *   the class, with the VM's UUIDs, NICs and cloud-init user data. A deployment that
 *   takes no time runs at once and goes on to the update path in the same pass
 *   (vm-operator's blocking create ends its pass, and its status write brings the VM back);
 *   one that takes time (realistic timing, a delay at the interception point) is waited
 *   for, as its non-blocking create is;
 * - update path: status read back from vSphere, a resize when the class changed (while
 *   powered off), then power driven to `spec.powerState` per powerOffMode/suspendMode
 *   (no power-on while a `poweron.check.vmoperator.vmware.com/*` annotation is present),
 *   restarts per `spec.nextRestartTime`.
 * Other vSphere work runs as tasks; while one runs the VM waits, and its end requeues the VM.
 * Every object a reconcile reads is remembered, so a change to it (a class appearing, a
 * Secret fixed) requeues exactly the VMs that read it; a change to a NetworkInterface
 * requeues the VM that owns it, and vSphere changes to a VM (powered off by hand, a new
 * guest IP) requeue it too.
 */

import {
  type Batch,
  customizationStatus,
  type DatacenterRecord,
  type DeployConfig,
  type Device,
  datacenterOf,
  extraConfigValue,
  findChild,
  getOrInsert,
  HOT_PLUG_FLAGS,
  hardwareVersionNumber,
  type InventoryRecord,
  inventoryPath,
  isBackingOn,
  isDefaultAllocation,
  isEthernetCard,
  isVimFault,
  type LibraryItemRecord,
  type LibraryRecord,
  type MoRef,
  mapped,
  type NetworkRecord,
  networkBacking,
  type OvfDescriptor,
  pendingCustomizationOf,
  poolUsage,
  type ResourcePoolRecord,
  type SnapshotRecord,
  snapshotRecordsOf,
  type Task,
  type TaskRecord,
  VIRTUAL_TPM,
  type VirtualDeviceConfigSpec,
  type VmConfigSpec,
  type VmRecord,
  type VSphere,
  vAppConfigOfOvf,
} from '@vsim/vsphere';
import {
  CLUSTER_MODULE_GROUP_ANNOTATION,
  CLUSTER_MODULE_UUID_ANNOTATION,
  DELETE_CHECK_PREFIX,
  hasAnnotationWithPrefix,
  MANAGER_ID_ANNOTATION,
  PAUSED_ANNOTATION,
  POWER_ON_CHECK_PREFIX,
  SKIP_DELETE_PLATFORM_RESOURCE_ANNOTATION,
  ZONE_LABEL,
} from '../../api/annotations.js';
import { versionOf } from '../../api/conversion/index.js';
import { randomUUID } from '../../api/defaults.js';
import {
  hasInstanceStorage,
  INSTANCE_STORAGE_BOUND_ANNOTATION,
  withInstanceStorageVolumes,
} from '../../api/instance-storage.js';
import {
  LAST_RESIZED_ANNOTATION,
  lastResizedOf,
  lastResizedValue,
  resizeNeeded,
  SAME_CLASS_RESIZE_ANNOTATION,
} from '../../api/resize.js';
import { activatedFeatureVersion } from '../../api/schema-upgrade.js';
import type {
  Condition,
  LocalObjectRef,
  VirtualMachine,
  VirtualMachineClass,
  VirtualMachineGroup,
  VirtualMachineImageCache,
  VirtualMachineImageCacheLocationSpec,
  VirtualMachineNetworkConfigStatus,
  VirtualMachinePowerOpMode,
  VirtualMachineSetResourcePolicy,
} from '../../api/types.js';
import { APPLY_POWER_STATE_TIME, parseRfc3339 } from '../../api/vm-group-validation.js';
import {
  resizesByClassName,
  type VirtualMachineServiceCapabilities,
} from '../../api/vm-service-validation.js';
import { CNS_REGISTER_VOLUME } from '../../cns-kinds.js';
import {
  ENCRYPTION_CLASS,
  isEncryptedPolicy,
  isEncryptedStorageClass,
  storagePolicyIdOf,
} from '../../encryption-kinds.js';
import { IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import {
  type NamespacePlacement,
  placementOf,
  TOPOLOGY_API_VERSION,
  type ZoneChooser,
} from '../../namespaces/layout.js';
import { firstDatastoreOf } from '../../namespaces/prepare.js';
import { leastLoadedZone, zoneHolding } from '../../namespaces/zone-choice.js';
import type {
  Controller,
  EventPriority,
  ReconcileOutcome,
  ReconcileResult,
} from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { DEFAULT_PRIORITY } from '../../runtime/work-queue.js';
import { aggregate, isKubeError } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  controllerOf,
  deepEqual,
  type KubeObject,
  merged,
  timestamp,
  withAnnotation,
  withLabel,
} from '../../store/meta.js';
import { quantityValue } from '../../store/quantity.js';
import { ByName } from '../../store/records.js';
import type { PersistentVolumeClaim } from '../csi/provisioner.js';
import {
  ensureImageCache,
  extensionOf,
  fileThere,
  imageCacheRef,
  isDiskFile,
  isNvramFile,
  thinCopy,
  VMI_CACHE_LABEL,
  VMI_CACHE_LOCATION_ANNOTATION,
  wakesWaiters,
} from '../image-cache/image-cache.js';
import { imageNameOf } from '../images/names.js';
import { NET_OPERATOR_API_VERSION } from '../net-operator/index.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import { clusterCpuMhz } from '../resource-policy/allocation.js';
import { clusterOfPool, policyModuleOf, policyPlacement } from '../resource-policy/resource-policy.js';
import { groupLinkedVerdict, groupPlacementOf, MEMBER_CONDITION } from '../vm-group/membership.js';
import {
  BACKUP_CONDITION,
  BACKUP_KEYS,
  BACKUP_REASON,
  BACKUP_VERSION_ANNOTATION,
  Backups,
  backedUp,
  backupBlocked,
  bootstrapResources,
  claimDisks,
  recordingReader,
} from './backup.js';
import { renderTemplate } from './bootstrap-template.js';
import { cdromSources, NO_CDROM_SOURCES } from './cdrom.js';
import {
  BOOTSTRAP_CONFIG_HASH_ANNOTATION,
  BOOTSTRAPPED,
  type CloudInitConfigSpec,
  cloudInitGuestInfo,
  cloudInitOf,
  GuestInfoEncodings,
} from './cloud-init.js';
import {
  CONDITION,
  conditionOf,
  isAbsent,
  isConditionTrue,
  isFalse,
  isTrue,
  isUnknown,
  REASON,
  type Verdict,
  withVerdicts,
} from './conditions.js';
import {
  type ClassAllocations,
  type ClassConfig,
  ClassConfigSpecError,
  classAllocations,
  classConfigOf,
  createExtraConfig,
  overridesProviderExtraConfig,
  resizeExtraConfig,
  VM_SERVICE_ANNOTATION,
  VM_SERVICE_MANAGED_BY,
  vmServiceCleanup,
} from './create-config.js';
import {
  type CryptoInputs,
  type CryptoPlan,
  planCreate,
  planUpdate,
  reconfigureVerdict,
  withCryptoChanges,
} from './crypto.js';
import {
  CUSTOMIZATION_HASH_ANNOTATION,
  type CustomizingProvider,
  customizationBypassed,
  customizationHash,
  customizationNeeded,
  customizingProviderOf,
  guestCustomization,
} from './customization.js';
import {
  type CacheWait,
  cacheReadyFor,
  createMode,
  DEFAULT_FAST_DEPLOY_MODE,
  DISK_PROMOTION_SYNCED,
  type DiskClaim,
  type FastDeployMode,
  fastDeployModeOf,
  hardwareWait,
  IMAGE_CACHE_READY,
  imageDiskChanges,
  imageDiskUnit,
  KEEP_DISKS_EXTRA_CONFIG_KEY,
  keepDisksValue,
  locationOutcome,
  type PromotionTask,
  promotionPlan,
  withLocation,
} from './fast-deploy.js';
import { findVsphereVm, providerConfig } from './find-vm.js';
import { networkConfigStatus, templateNetwork } from './guest-network.js';
import {
  type ClassSize,
  createHardwareVersion,
  guestIdAfterReconfigure,
  guestIdOnUpdate,
  pausedReconfiguration,
  reconfiguration,
  reconfiguredBeforeFirstBoot,
  runningReconfiguration,
  suspendedReconfiguration,
} from './hardware.js';
import { hardwareVerdicts } from './hardware-verified.js';
import {
  ADDED_INSTANCE_STORAGE,
  INSTANCE_STORAGE_NOT_BOUND,
  instanceStorageHost,
} from './instance-storage.js';
import { locationVerdict } from './location.js';
import {
  interfaceNetworkID,
  type NicAddressing,
  type NicWrites,
  NO_ORPHANS,
  type OrphanedInterface,
  orphanedInterfaces,
  type PlannedNic,
  planNetwork,
  readAddressing,
} from './network.js';
import { PAUSED_BY_ADMIN_ERROR, pausedByAdmin, withPausedLabel } from './paused.js';
import { dueRestart, LAST_RESTART_TIME_KEY, powerOp, withFirstBootDone } from './power.js';
import {
  type BootstrapSecretData,
  checkBootstrap,
  checkClass,
  checkPolicy,
  checkPrerequisites,
  classlessCreateErrors,
  createErrors,
  type DependencyReader,
  globalDnsOf,
  NO_DNS,
  type Resolved,
  VM_OPERATOR_API_VERSION,
} from './prerequisites.js';
import { EVENT_PRIORITY, vmEventPriority, vmPriorityOf } from './priority.js';
import { provisioningOf } from './provisioning.js';
import { readinessVerdict } from './readiness.js';
import {
  datastoreUrl,
  NO_REGISTER_ANNOTATION,
  type Registration,
  type RegistrationDeps,
  type RegistrationError,
  registerUnmanagedVolumes,
  UNMANAGED_VOLUMES_REGISTERED,
} from './register-volumes.js';
import { schemaUpgradeOf, UNMANAGED_VOLUMES_BACKFILLED, withUpgrade } from './schema-upgrade.js';
import {
  applySnapshotTree,
  markSnapshot,
  nextSnapshot,
  REVERT_CONDITION,
  REVERT_IN_PROGRESS_ANNOTATION,
  REVERT_REASON,
  revertCheck,
  revertedVm,
  SNAPSHOT_REASON,
  type Snapshot,
  type SnapshotDeps,
  takeSnapshot,
  VM_SNAPSHOT,
  writeSnapshotChildren,
} from './snapshots.js';
import {
  addAnnotatedVerdicts,
  addObservedVerdicts,
  type InterfaceNames,
  NO_INTERFACE_NAMES,
  statusFromVsphere,
} from './status.js';
import { vAppEdits } from './vapp-config.js';
import { hasClaims, pendingVolumes } from './volumes.js';

export const VIRTUAL_MACHINE_CONTROLLER = 'virtualmachine-controller';
export const VM_FINALIZER = 'vmoperator.vmware.com/virtualmachine';

export interface VirtualMachineControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  /**
   * With `vmResize` (or `vmResizeCpuMemory`), a VM is resized when its class name changes, not
   * when its class is edited.
   */
  capabilities?: VirtualMachineServiceCapabilities;
  /** Where vm-operator's Events of a VM go, by its recorder's name (none by default). */
  recorderFor?: RecorderFor;
  /**
   * The datastore the CSI driver makes claims' disks on: with instance storage, a VM's host is
   * one that mounts it (any usable host of its cluster without it).
   */
  claimDatastore?: () => string;
  /** With FastDeploy, how VMs are made of cached disks (`direct` or `linked`, the default; see fast-deploy.ts). */
  fastDeployMode?: string;
  /** With FastDeploy, asks the image cache controller to look at a cache again (a cached file gone). */
  recheckImageCache?: (name: string) => void;
}

export interface VirtualMachineController {
  readonly controller: Controller;
  /** Stops following vSphere (the controller itself stops with its manager). */
  stop(): void;
}

const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;
const GROUP = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineGroup' } as const;
const CLASS = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineClass' } as const;
const NIC_REF = { apiVersion: NET_OPERATOR_API_VERSION, kind: 'NetworkInterface' } as const;

/** The kinds a VM's reconcile may read, watched to requeue the VMs that read them. */
const DEPENDENCY_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineClass' },
  { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineImage' },
  { apiVersion: VM_OPERATOR_API_VERSION, kind: 'ClusterVirtualMachineImage' },
  { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineSetResourcePolicy' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'ResourceQuota' },
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' },
  // A volume's claim, which the storage check reads.
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: TOPOLOGY_API_VERSION, kind: 'Zone' },
  { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineGroup' },
  // A CD-ROM's file is its image's item's.
  { apiVersion: IMAGE_REGISTRY_API_VERSION, kind: 'ContentLibraryItem' },
  { apiVersion: IMAGE_REGISTRY_API_VERSION, kind: 'ClusterContentLibraryItem' },
];

/**
 * vm-operator's cap on creates at once (MaxCreateVMsOnProvider, 80% of the Supervisor's 20
 * reconcile workers), and the delay after which a VM over it comes back (CreateVMRequeueDelay).
 * Only deployments that take time (realistic timing, a delay at the interception point) count.
 */
const MAX_CONCURRENT_CREATES = 16;
const CREATE_REQUEUE_DELAY = 10_000;
/** How long vCenter lists a VM's finished task among its recent ones (a failed promotion's fault). */
const PROMOTION_FAULT_KEPT_MS = 10 * 60_000;
/** The description of vSphere's PromoteDisks_Task. */
const PROMOTE_DISKS = 'VirtualMachine.promoteDisks';
/** The extra config key of a VM's NVRAM file. */
const NVRAM_KEY = 'nvram';

/** A VM naming no group has no GroupLinked condition (one it had goes). */
const NOT_GROUPED = isAbsent(MEMBER_CONDITION.groupLinked);
/** A VM without a class has no class configuration condition (VMResize). */
const NO_CLASS_SYNC = isAbsent(CONDITION.classConfigurationSynced);
/** A VM asking for no revert has no revert condition (one a failed revert left goes). */
const NO_REVERT = isAbsent(REVERT_CONDITION);

/** What a pass with a vSphere operation of the VM in flight answers: the operation decides. */
const AWAITING: ReconcileResult = Object.freeze({ awaiting: true });

/** An error of vm-operator's update of a VM, as its reconcile reports it. */
const updateFailed = (why: string): Error =>
  new Error(`failed to reconcile config: updating state failed with ${why}`);

/**
 * A reconfiguration with another reconciler's edits of devices, if there are any: an edit of a
 * device the reconfiguration already changes joins that change (its profiles added, a larger
 * capacity taken), as vm-operator's reconcilers share one config spec.
 */
function withDeviceChanges(
  spec: VmConfigSpec | undefined,
  edits: readonly VirtualDeviceConfigSpec[],
): VmConfigSpec | undefined {
  if (edits.length === 0) return spec;
  const changes = [...(spec?.deviceChange ?? [])];
  for (const edit of edits) {
    const i = changes.findIndex((c) => c.device.key === edit.device.key);
    const had = changes[i];
    if (!had) {
      changes.push(edit);
      continue;
    }
    const capacity = edit.device.capacityInBytes as number | undefined;
    const grows =
      capacity !== undefined && capacity > ((had.device.capacityInBytes as number | undefined) ?? 0);
    changes[i] = {
      ...had,
      device: grows
        ? { ...had.device, capacityInBytes: capacity, capacityInKB: capacity / 1024 }
        : had.device,
      ...(edit.profile ? { profile: [...(had.profile ?? []), ...edit.profile] } : {}),
    };
  }
  return { ...spec, deviceChange: changes };
}

/** What a reconfiguration cannot do (a boot disk to shrink, say) fails the update. */
function configurationError<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    throw updateFailed((error as Error).message);
  }
}

/**
 * What the update of a VM going off carries, as vm-operator's powers it off whatever its
 * configuration's error: the reconfiguration that failed (not made again), and the configuration
 * error met, which fails the pass once the power-off has started.
 */
interface WayOff {
  readonly failedSpec?: VmConfigSpec | undefined;
  configError?: unknown;
}

/** The hub types are typed objects; the store takes any Kubernetes object. */
const asKube = (object: VirtualMachine): KubeObject => object as unknown as KubeObject;

/** An object VMs read (by kind, namespace and name, `*` for a list) and the VMs whose last reconcile read it. */
interface Dependency {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /**
   * The VMs whose last reconcile read it: one key, or a set once several do. Many objects
   * are one VM's own (its bootstrap Secret): no set for those.
   */
  vms: string | Set<string> | undefined;
}

const addReader = (dep: Dependency, key: string) => {
  if (dep.vms === undefined) dep.vms = key;
  else if (typeof dep.vms !== 'string') dep.vms.add(key);
  else if (dep.vms !== key) dep.vms = new Set([dep.vms, key]);
};

/** Drops a reader of the dependency; true when none is left. */
const dropReader = (dep: Dependency, key: string): boolean => {
  if (dep.vms === key) dep.vms = undefined;
  else if (typeof dep.vms === 'object') {
    dep.vms.delete(key);
    if (dep.vms.size === 0) dep.vms = undefined;
  }
  return dep.vms === undefined;
};

const NO_READERS: readonly string[] = [];

const readersOf = (dep: Dependency | undefined): Iterable<string> =>
  dep?.vms === undefined ? NO_READERS : typeof dep.vms === 'string' ? [dep.vms] : dep.vms;

/**
 * A VM of a group (`spec.groupName`): whether it is linked to the group, and whether it may be
 * deployed (its group placed it, in `zone`, or its zone label or deployment places it).
 */
interface Grouping {
  readonly linked: Verdict;
  readonly placed: boolean;
  readonly zone: string | undefined;
  /** Where the group's placement puts the VM, when it does (no zone label): its host, if DRS named one. */
  readonly byGroup?: { readonly node: string | undefined };
}

/** What the create path an update falls through from found: its verdicts, and the class's size and bootstrap's Secrets it read. */
interface Fallthrough {
  readonly verdicts: readonly Verdict[];
  readonly resolved: Resolved;
  readonly nics: readonly NicAddressing[];
}

export function startVirtualMachineController(
  manager: Manager,
  deps: VirtualMachineControllerDeps,
): VirtualMachineController {
  const { kube, vsphere } = deps;
  const vmResize = resizesByClassName(deps.capabilities);
  const sharedDisks = deps.capabilities?.vmSharedDisks === true;
  /** The features the schema upgrade brings every VM up to. */
  const activatedFeatures = activatedFeatureVersion(deps.capabilities);
  /** VMResize's resize takes the class's config spec as a whole; VMResizeCPUMemory's its size alone. */
  const wholeResize = deps.capabilities?.vmResize === true;
  const mutableNetworks = deps.capabilities?.mutableNetworks === true;
  const vcdParity = deps.capabilities?.guestCustomizationVCDParity === true;
  const instanceStorage = deps.capabilities?.instanceStorage === true;
  const byok = deps.capabilities?.bringYourOwnEncryptionKey === true;
  const allDisksArePVCs = deps.capabilities?.allDisksArePVCs === true;
  const fastDeploy = deps.capabilities?.fastDeploy === true;
  const fastDeployMode = deps.fastDeployMode ?? DEFAULT_FAST_DEPLOY_MODE;
  /** Whether a VM's storage class is an encryption one, read through its reconcile's reader. */
  const encryptedStorageClass = (read: DependencyReader, vm: VirtualMachine) =>
    isEncryptedStorageClass(read.get, vm.spec?.storageClass);
  /** What the crypto reconciler needs to know of a VM and the spec it makes. */
  const cryptoInputs = (encrypted: boolean, changes: readonly VirtualDeviceConfigSpec[]): CryptoInputs => ({
    encryptedStorageClass: encrypted,
    addsTpm: changes.some((c) => c.operation === 'add' && c.device._type === VIRTUAL_TPM),
    removesTpm: changes.some((c) => c.operation === 'remove' && c.device._type === VIRTUAL_TPM),
  });
  /**
   * Which of vm-operator's configurations a powered-off VM that is to be `want` gets: its resize
   * with VMResize, and with VMResizeCPUMemory while it stays off; else its update, which puts the
   * provider's extra config, vm-operator's annotation and the VM's NICs back.
   */
  const offUpdateKind = (want: string): 'update' | 'resize' =>
    !wholeResize && (!vmResize || want === 'PoweredOn') ? 'update' : 'resize';
  const events = recorderOf(deps, VIRTUAL_MACHINE_CONTROLLER);
  /**
   * What the VMs read, and the reverse. The same dependency object for every read of an
   * object: a reconcile compares what it read with what the last one read by identity.
   */
  const dependents = new ByName<Dependency>();
  const dependenciesOf = new Map<string, readonly Dependency[]>();

  const dependencyOf = (kind: string, namespace: string | undefined, name: string) =>
    dependents.get(kind, namespace ?? '', name);

  /** The dependency, made (without VMs) on its first read. */
  const dependency = (kind: string, namespace: string | undefined, name: string): Dependency => {
    let found = dependencyOf(kind, namespace, name);
    if (!found) {
      found = { kind, namespace: namespace ?? '', name, vms: undefined };
      dependents.set(kind, found.namespace, name, found);
    }
    return found;
  };

  /** Drops a dependency no VM reads any more (a VM's own Secrets would otherwise pile up). */
  const drop = (dep: Dependency) => dependents.delete(dep.kind, dep.namespace, dep.name);
  /** VMs with a vSphere task running; its end requeues them. */
  const busy = new Set<string>();
  /** The last task's fault per VM, reported by the next reconcile. */
  const failures = new Map<string, unknown>();
  /** vSphere VM per VM key once deployed, and back. */
  const deployed = new Map<string, string>();
  /** Deployments under way, of those that take time (see MAX_CONCURRENT_CREATES). */
  let creating = 0;
  /** Per VM, the customization vSphere last refused (GuestCustomizationFailed), until one is made. */
  const refusedCustomizations = new Map<string, Verdict>();
  /** Per VM, the resize while off vSphere last refused, whose error was dropped (see drive). */
  const droppedResizes = new Map<string, VmConfigSpec>();
  /** VMs a create placed from their group's placement: their zone label is theirs from then on. */
  const groupPlaced = new Set<string>();
  const byMoref = new Map<string, string>();
  /** Conditions the VMs share (see withVerdicts). */
  const sharedConditions = new Map<string, Condition>();
  let slowestCpuMhz: number | undefined;
  /**
   * vm-operator's minimum CPU frequency, which sizes a class's CPU requests in MHz: of the slowest
   * host of the clusters of the Supervisor's availability zones, found once there is one (0
   * until then, as vm-operator's, which looks again each time while it has none).
   */
  const cpuMhz = (): number => {
    if (slowestCpuMhz !== undefined) return slowestCpuMhz;
    let slowest = 0;
    for (const zone of kube.direct.list(TOPOLOGY_API_VERSION, 'AvailabilityZone')) {
      const spec = zone.spec as {
        clusterComputeResourceMoIDs?: string[];
        clusterComputeResourceMoId?: string;
      };
      const clusters = spec?.clusterComputeResourceMoIDs?.length
        ? spec.clusterComputeResourceMoIDs
        : [spec?.clusterComputeResourceMoId ?? ''];
      for (const cluster of clusters) {
        const mhz = clusterCpuMhz(vsphere, cluster) ?? 0;
        if (slowest === 0 || (mhz > 0 && mhz < slowest)) slowest = mhz;
      }
    }
    if (slowest > 0) slowestCpuMhz = slowest;
    return slowest;
  };
  /** What each version of a class reserves, worked out once. */
  const allocationsByClass = new WeakMap<object, ClassAllocations>();
  /** The allocations of a VM's class; none for a class whose config spec does not decode. */
  const allocationsOf = (vmClass: VirtualMachineClass): ClassAllocations | undefined => {
    const spec = vmClass.spec ?? vmClass;
    let allocations = allocationsByClass.get(spec);
    if (allocations) return allocations;
    // Kept unless a CPU request was sized without a clock (before any zone has a host).
    let clockless = false;
    const clock = () => {
      const mhz = cpuMhz();
      if (mhz === 0) clockless = true;
      return mhz;
    };
    try {
      allocations = classAllocations(vmClass, classConfigOf(vmClass), clock);
    } catch (error) {
      if (error instanceof ClassConfigSpecError) return undefined;
      throw error;
    }
    if (!clockless) allocationsByClass.set(spec, allocations);
    return allocations;
  };
  /** The status's class reference: one frozen object per class, shared by its VMs. */
  const classRefs = new Map<string, LocalObjectRef>();
  const classRef = (name: string): LocalObjectRef =>
    getOrInsert(classRefs, name, () =>
      Object.freeze({ apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineClass', name }),
    );

  const remember = (key: string, deps: readonly Dependency[]) => {
    const before = dependenciesOf.get(key) ?? [];
    // Most reconciles of a VM read what the last one read: nothing to re-index then.
    if (before.length === deps.length && before.every((dep, i) => dep === deps[i])) return;
    // Only what changed moves: the sets of a namespace's shared dependencies hold every VM.
    for (const old of before) {
      if (deps.includes(old)) continue;
      if (dropReader(old, key)) drop(old);
    }
    for (const dep of deps) if (!before.includes(dep)) addReader(dep, key);
    // Kept until the VM reads something else: copied to its size (one grown by push has room for 17).
    if (deps.length > 0) dependenciesOf.set(key, deps.slice());
    else dependenciesOf.delete(key);
  };

  /**
   * The priority each VM not yet made was last reconciled at: where vm-operator's pass would
   * leave a requeue carrying it (a missing class, a NetworkInterface not ready), the simulator
   * waits for the event that changes that, which then queues the VM at this priority.
   */
  const parked = new Map<string, number>();

  const forget = (key: string) => {
    parked.delete(key);
    remember(key, []);
    const id = deployed.get(key);
    if (id !== undefined) byMoref.delete(id);
    deployed.delete(key);
    failures.delete(key);
    backups.forget(key);
    failedBackups.delete(key);
    guestInfoEncodings.forget(key);
    refusedCustomizations.delete(key);
    droppedResizes.delete(key);
    groupPlaced.delete(key);
    promotions.delete(key);
  };

  /** Made once: a reconcile's reader only points at it. */
  const notFound = (apiVersion: string, kind: string, name: string) =>
    kube.notFoundMessage(apiVersion, kind, name);

  const backups = new Backups();
  const guestInfoEncodings = new GuestInfoEncodings();
  /** The state of a VM whose backup's reconfiguration failed last: not tried again until it changes. */
  const failedBackups = new Map<string, string>();
  const incrementalRestore = deps.capabilities?.vmIncrementalRestore === true;
  /** With VMImportNewNet, a VM without a class is an import, of its vSphere VM's size. */
  const synthesizesClass = (vm: VirtualMachine) =>
    deps.capabilities?.vmImportNewNet === true && !vm.spec?.className;

  /**
   * vm-operator's backup of the VM (see ./backup.ts), after its status and before its
   * configuration: the extra config it changes is reconfigured, and the pass ends there. A
   * backup that cannot be made (a bootstrap's Secret missing, a reconfiguration vSphere refused,
   * a restore under way) lets the pass go on, as vm-operator's reconcile goes on past the
   * backup's error. `resources`: the bootstrap's Secrets and ConfigMaps, undefined for a VM that
   * is not backed up, whose backup is held, or whose bootstrap misses one. With incremental
   * restores, a backup is a version: the VM is annotated with it once it is made.
   */
  const backingUp = (
    key: string,
    vm: VirtualMachine,
    record: VmRecord,
    read: DependencyReader,
    resources: readonly KubeObject[] | undefined,
  ): boolean => {
    if (!resources) return false;
    if (failedBackups.get(key) === stateOf(vm, record)) return false;
    const version = incrementalRestore ? nextBackupVersion(record) : undefined;
    const changes = backups.changes(key, vm, record, resources, claimDisks(read, vm, record), version);
    if (changes.length === 0) return false;
    failedBackups.delete(key);
    // Not through `reconfigure`: a backup's reconfiguration says nothing of the guest ID.
    const task = vsphere.vm.reconfigure(record.id, { extraConfig: changes });
    track(
      key,
      task.wait().then(
        () => {
          if (version !== undefined) backedUpAs(key, version);
        },
        (fault: unknown) => {
          const now = storedVm(key);
          if (!now) return;
          const after = incrementalRestore
            ? writeVerdicts(now, [
                isFalse(
                  BACKUP_CONDITION,
                  BACKUP_REASON.failed,
                  `Failed to backup VM. err: ${(fault as Error).message ?? String(fault)}`,
                ),
              ])
            : now;
          failedBackups.set(key, stateOf(after, vsphere.store.get(record.id) as VmRecord));
        },
      ),
    );
    return true;
  };

  /** What a failed backup was tried against: the VM's and its configuration's versions. */
  const stateOf = (vm: VirtualMachine, record: VmRecord) =>
    `${vm.metadata.resourceVersion}/${record?.config.changeVersion}`;

  /** A new backup version: the clock's milliseconds, past the last one. */
  const nextBackupVersion = (record: VmRecord): string => {
    const held = Number(extraConfigValue(record.config, BACKUP_KEYS.backupVersion));
    const now = vsphere.clock.now();
    return String(Number.isSafeInteger(held) && held >= now ? held + 1 : now);
  };

  /** The VM annotated with the backup version just made, and its condition True. */
  const backedUpAs = (key: string, version: string) => {
    const vm = storedVm(key);
    if (!vm) return;
    const annotated = write(asKube(withAnnotation(vm, BACKUP_VERSION_ANNOTATION, version)), 'main');
    // vm-operator's True condition with a message: its reason stays `True`.
    const upToDate: Verdict = {
      type: BACKUP_CONDITION,
      status: 'True',
      reason: 'True',
      message: `Backup version: ${version}`,
    };
    writeVerdicts(annotated, [upToDate]);
  };

  const readerFor = (deps: Dependency[]): DependencyReader => ({
    get(apiVersion, kind, namespace, name) {
      deps.push(dependency(kind, namespace, name));
      const ref =
        namespace === undefined ? { apiVersion, kind, name } : { apiVersion, kind, name, namespace };
      return kube.direct.get(ref) as never;
    },
    list(apiVersion, kind, namespace) {
      deps.push(dependency(kind, namespace, '*'));
      return kube.direct.list(apiVersion, kind, namespace) as never;
    },
    notFound,
  });

  /** Runs a vSphere task for a VM; it is requeued when the task ends, its fault kept. */
  const track = (key: string, work: Promise<unknown>) => {
    busy.add(key);
    work
      .then(
        () => failures.delete(key),
        (error: unknown) => failures.set(key, error),
      )
      .finally(() => {
        busy.delete(key);
        requeueFromVsphere(key);
      });
  };

  /** The VM's vSphere VM: the one it was deployed as, else as vm-operator finds one (see findVsphereVm). */
  const vsphereVmOf = (key: string, vm: VirtualMachine): VmRecord | undefined => {
    const id = deployed.get(key);
    const known = id === undefined ? undefined : vsphere.store.get(id);
    if (known?.kind === 'VirtualMachine') return known as VmRecord;
    const found = findVsphereVm(kube, vsphere, vm);
    if (found) noteDeployed(key, found.id);
    return found;
  };

  /**
   * The VM's vSphere VM; a lookup that fails is the pass's error, recorded as vm-operator records
   * an error of no create or update (`ReconcileNormalFailure`) or of a delete (`DeleteFailure`).
   */
  const lookedUp = (key: string, vm: VirtualMachine, op: 'ReconcileNormal' | 'Delete') => {
    try {
      return vsphereVmOf(key, vm);
    } catch (error) {
      // vm-operator adds its finalizer and its vCenter's mark before it looks.
      events.emit(asKube(op === 'Delete' ? vm : withFinalizer(vm, undefined, undefined)), op, error, true);
      throw error;
    }
  };

  /** Writes the VM through the store, as its reconcile's own write (see Controller.ownWrite). */
  const write = (vm: KubeObject, mode: 'main' | 'status') =>
    controller.ownWrite(
      objectKey({ namespace: vm.metadata.namespace, name: vm.metadata.name as string }),
      () => (mode === 'status' ? kube.direct.updateStatus(vm) : kube.direct.update(vm)),
    ) as unknown as VirtualMachine;

  /**
   * A write of a pass that fails after it (see failCreate), whose event, as vm-operator's patch's,
   * brings the VM back at once to go on from what it wrote.
   */
  const writeAndRequeue = (vm: VirtualMachine) => kube.direct.update(asKube(vm)) as unknown as VirtualMachine;

  const writeStatus = (vm: VirtualMachine, status: NonNullable<VirtualMachine['status']>) => {
    if (deepEqual(vm.status, status)) return vm;
    return write(asKube(merged(vm, { status })), 'status');
  };

  const now = () => timestamp(vsphere.clock.now());
  const snapshotDeps: SnapshotDeps = { kube, vsphere, track: (key, work) => track(key, work), now };

  /** The fault of the VM's last task, taken: it is reported once. */
  const takeFailure = (key: string): unknown => {
    const fault = failures.get(key);
    failures.delete(key);
    return fault;
  };

  /** A condition False for a task's fault: the reason (`Error`) and the fault's message, as vm-operator's `MarkError`. */
  const faultedVerdict = (type: string, fault: unknown, reason: string = REASON.error): Verdict =>
    isFalse(type, reason, (fault as Error).message ?? String(fault));

  const faultVerdict = (key: string, type: string): Verdict | undefined => {
    const fault = takeFailure(key);
    return fault === undefined ? undefined : faultedVerdict(type, fault);
  };

  /** The VM's conditions with the verdicts applied, written as its status. */
  const writeVerdicts = (vm: VirtualMachine, verdicts: readonly Verdict[]) =>
    writeStatus(vm, {
      ...vm.status,
      conditions: withVerdicts(vm.status?.conditions, verdicts, now(), sharedConditions),
    });

  /** How long until the power state a group pushed to the VM applies; undefined when none is pushed. */
  const untilPushedPower = (vm: VirtualMachine): number | undefined => {
    const at = vm.metadata.annotations?.[APPLY_POWER_STATE_TIME];
    return at === undefined ? undefined : (parseRfc3339(at) ?? 0) - vsphere.clock.now();
  };

  /** Remembers the vSphere VM of a VM, both ways; its id. */
  const noteDeployed = (key: string, id: string) => {
    parked.delete(key);
    deployed.set(key, id);
    byMoref.set(id, key);
    return id;
  };

  // --- delete path ---------------------------------------------------------------

  /** Powers the VM off per a power op mode (see `powerOp`), tracked as the key's operation. */
  const powerOff = (key: string, record: VmRecord, mode: VirtualMachinePowerOpMode | undefined) =>
    track(
      key,
      powerOp(
        'poweredOff',
        mode,
        () => vsphere.vm.shutdownGuest(record.id),
        () => vsphere.vm.powerOff(record.id).wait(),
      ),
    );

  const deleteRefused = new Error(`failed to delete vm: ${PAUSED_BY_ADMIN_ERROR}`);
  const deletePath = (key: string, vm: VirtualMachine) => {
    if (hasAnnotationWithPrefix(vm, DELETE_CHECK_PREFIX)) return undefined;
    if (busy.has(key)) return AWAITING;
    const fault = takeFailure(key);
    if (fault !== undefined) {
      events.emit(asKube(vm), 'Delete', fault);
      throw fault;
    }
    const record = lookedUp(key, vm, 'Delete');
    // Kept in vSphere when a privileged account asks, without what vm-operator put there (and
    // with no Delete event: vm-operator records deletions alone).
    const kept = vm.metadata.annotations?.[SKIP_DELETE_PLATFORM_RESOURCE_ANNOTATION] !== undefined;
    if (kept) {
      const cleanup = record && vmServiceCleanup(record);
      if (cleanup) {
        track(key, vsphere.vm.reconfigure(record.id, cleanup).wait());
        return undefined;
      }
    } else if (record && pausedByAdmin(record)) {
      // Paused by an administrator: kept, labelled, until the key goes (vSphere's change requeues it).
      const labelled = withPausedLabel(vm, true);
      events.emit(asKube(labelled ? write(asKube(labelled), 'main') : vm), 'Delete', deleteRefused);
      return undefined;
    } else if (record?.powerState === 'poweredOn' || record?.powerState === 'suspended') {
      // Powered off per `powerOffMode`, as vm-operator's delete does (a suspended guest cannot
      // shut down: Soft fails, TrySoft powers off).
      powerOff(key, record, vm.spec?.powerOffMode);
      return undefined;
    } else if (record) {
      track(key, vsphere.vm.destroy(record.id).wait());
      return undefined;
    }
    const finalizers = (vm.metadata.finalizers ?? []).filter((f) => f !== VM_FINALIZER);
    forget(key);
    if (finalizers.length !== (vm.metadata.finalizers ?? []).length) {
      if (!kept) events.emit(asKube(vm), 'Delete', undefined);
      write(asKube({ ...vm, metadata: { ...vm.metadata, finalizers } }), 'main');
    }
    return undefined;
  };

  // --- create path ---------------------------------------------------------------

  /** vm-operator's CreateFailure for missing prerequisites: every check's error, aggregated. */
  const missingPrerequisite = (vm: VirtualMachine, verdicts: readonly Verdict[]) => {
    const errors = createErrors(verdicts);
    if (errors.length > 0) events.emit(asKube(vm), 'Create', aggregate(errors));
  };

  /** A create that fails on storage once its prerequisites are met: the storage verdict replaced. */
  const failStorage = (vm: VirtualMachine, verdicts: readonly Verdict[], storage: Verdict) => {
    const withStorage = verdicts.map((v) => (v.type === CONDITION.storageReady ? storage : v));
    writeVerdicts(vm, withStorage);
    missingPrerequisite(vm, withStorage);
    return { requeue: true };
  };

  /**
   * A create that fails with these errors (Go's aggregate of them): the verdicts written, a
   * CreateFailure, and the pass failed, coming back with its backoff.
   */
  const failCreate = (vm: VirtualMachine, verdicts: readonly Verdict[], errors: readonly string[]): never => {
    writeVerdicts(vm, verdicts);
    const error = new Error(aggregate(errors));
    events.emit(asKube(vm), 'Create', error);
    throw error;
  };

  /** The provider config's datastore, found as govmomi's finder finds a name: in the datacenter's datastore folder. */
  const configuredDatastore = ({ name, datacenter }: { name: string; datacenter: string }) => {
    if (name === '') return { problem: 'no Datastore provided in configuration' };
    const folder = (vsphere.store.get(datacenter) as DatacenterRecord | undefined)?.datastoreFolder;
    const found = folder === undefined ? undefined : findChild(vsphere.store, folder, name);
    return found?.kind === 'Datastore' ? { id: found.id } : { problem: `datastore '${name}' not found` };
  };

  // --- FastDeploy (see fast-deploy.ts) ------------------------------------------------

  /**
   * The promotion of each VM started last: running, or how it ended, read as vm-operator reads
   * the VM's recent tasks (a success once, a fault while vCenter lists it, 10 minutes).
   */
  const promotions = new Map<string, PromotionTask & { readonly until?: number }>();

  /**
   * vm-operator's disk promotion for one pass: its conditions written, and a promotion of the
   * VM's child disks started when it is time (true: the pass ends there).
   */
  const promoteDisks = (
    key: string,
    vm: VirtualMachine,
    record: VmRecord,
  ): { readonly vm: VirtualMachine; readonly started: boolean } => {
    const last = promotions.get(key);
    const expired = last !== undefined && !last.running && (last.until ?? 0) <= vsphere.clock.now();
    if (last && !last.running && (expired || last.error === undefined)) promotions.delete(key);
    const inSnapshots = new Set<string>();
    for (const snapshot of snapshotRecordsOf(vsphere.store, record))
      for (const d of snapshot.config.devices)
        if (d._type === 'VirtualDisk') inSnapshots.add((d.backing as { fileName: string }).fileName);
    const customization = customizationStatus(record);
    const customizing =
      customization === 'TOOLSDEPLOYPKG_PENDING' || customization === 'TOOLSDEPLOYPKG_RUNNING';
    // Its other tasks as vCenter lists them among its recent ones.
    const busyWithTasks = vsphere
      .read<MoRef[]>(record.id, 'recentTask')
      .some(
        (ref) => (vsphere.store.get(ref.value) as TaskRecord | undefined)?.descriptionId !== PROMOTE_DISKS,
      );
    const judged = last && (last.running || last.error === undefined || !expired) ? last : undefined;
    // A failed promotion judged: back when vCenter lists its task no more, to promote again.
    if (judged?.running === false && judged.error !== undefined)
      controller.queue.addAfter(key, (judged.until ?? 0) - vsphere.clock.now());
    const plan = promotionPlan(vm, record, inSnapshots, judged, busyWithTasks, customizing);
    const written = plan.verdicts.length > 0 ? writeVerdicts(vm, plan.verdicts) : vm;
    if (!plan.promote) return { vm: written, started: false };
    promotions.set(key, { running: true });
    const task = vsphere.vm.promoteDisks(
      record.id,
      true,
      mapped(plan.promote, (d) => ({ key: d.key })),
    );
    track(
      key,
      task.wait().then(
        () => promotions.set(key, { running: false }),
        (fault: unknown) =>
          promotions.set(key, {
            running: false,
            error: (fault as Error).message ?? String(fault),
            until: vsphere.clock.now() + PROMOTION_FAULT_KEPT_MS,
          }),
      ),
    );
    return { vm: written, started: true };
  };

  /** A VM's FastDeploy mode; none without the capability or with instance storage, as vm-operator turns it off. */
  const fastDeployModeFor = (vm: VirtualMachine) =>
    fastDeploy ? fastDeployModeOf(vm, fastDeployMode, instanceStorage && hasInstanceStorage(vm)) : undefined;

  /** Whether FastDeploy applies to a VM. */
  const usesFastDeploy = (vm: VirtualMachine) => fastDeployModeFor(vm) !== undefined;

  /**
   * The reconcilers first in vm-operator's reconfigure: with FastDeploy the disk promotion, with
   * AllDisksArePVCs the registration of the VM's disks. `stop`: the pass ends there (a promotion
   * started, a claim not bound yet); else the VM as written and the disk edits to join the
   * reconfigure.
   */
  const firstReconcilers = (
    key: string,
    vm: VirtualMachine,
    record: VmRecord,
  ):
    | { readonly stop: 'promote' | 'register' }
    | { readonly vm: VirtualMachine; readonly edits: readonly VirtualDeviceConfigSpec[] } => {
    const promotion = usesFastDeploy(vm) ? promoteDisks(key, vm, record) : undefined;
    if (promotion?.started) return { stop: 'promote' };
    const promoted = promotion?.vm ?? vm;
    const registering = allDisksArePVCs ? registerVolumes(key, promoted, record) : undefined;
    if (registering?.pending) return { stop: 'register' };
    return { vm: registering?.vm ?? promoted, edits: registering?.edits ?? NO_DEVICE_CHANGES };
  };

  /** Whether a VM's snapshots may be taken: its disks promoted, or it never promotes (FastDeploy alone). */
  const disksPromoted = (vm: VirtualMachine) =>
    !usesFastDeploy(vm) ||
    vm.spec?.promoteDisksMode === 'Disabled' ||
    isConditionTrue(vm.status?.conditions, DISK_PROMOTION_SYNCED);

  const imageCacheOf = (name: string) =>
    kube.direct.get(imageCacheRef(name)) as unknown as VirtualMachineImageCache | undefined;

  /** The image's cache with a location added, as vm-operator's create CreateOrPatches it. */
  const cacheWithLocation = (
    name: string,
    itemId: string,
    version: string,
    location: VirtualMachineImageCacheLocationSpec,
  ): VirtualMachineImageCache =>
    ensureImageCache(kube, name, withLocation(imageCacheOf(name), itemId, version, location));

  /**
   * Where a fast deploy puts the VM, as placement recommends a datastore: the provider config's,
   * else its image's library's when the pool's cluster mounts it, else the cluster's first.
   */
  const fastDeployDatastore = (pool: string, configured: string | undefined, itemId: string): string => {
    if (configured) return configured;
    const cluster = clusterOfPool(vsphere, pool) as string;
    const library = (vsphere.store.get(itemId) as LibraryItemRecord).library;
    const backing = (vsphere.store.get(library) as LibraryRecord | undefined)?.datastore;
    const mounted = (id: string) =>
      [...vsphere.store.referrers('childEntity', cluster)].some((host) =>
        ((vsphere.store.get(host) as { datastores?: string[] } | undefined)?.datastores ?? []).includes(id),
      );
    return backing && mounted(backing) ? backing : firstDatastoreOf(vsphere, cluster);
  };

  /**
   * The claims the VM's volumes place on its image's disks (SCSI bus 0, the disk's unit), as
   * vm-operator's create reads them with AllDisksArePVCs: each its storage class's policy and its
   * request; `errors` when a claim names no class, or its class no policy.
   */
  const imageDiskClaims = (
    read: DependencyReader,
    vm: VirtualMachine,
    disks: number,
  ): (DiskClaim | undefined)[] | { errors: string[] } => {
    const namespace = vm.metadata.namespace as string;
    const errors: string[] = [];
    const claims = Array.from({ length: disks }, (_, i): DiskClaim | undefined => {
      const volume = vm.spec?.volumes?.find(
        (v) =>
          v.controllerType === 'SCSI' &&
          (v.controllerBusNumber ?? 0) === 0 &&
          v.unitNumber === imageDiskUnit(i),
      );
      const claimName = volume?.persistentVolumeClaim?.claimName;
      if (!claimName) return undefined;
      const key = `${namespace}/${claimName}`;
      // The storage check found the claim, its class and the class's policy before any create.
      const claim = read.get<PersistentVolumeClaim>('v1', 'PersistentVolumeClaim', namespace, claimName);
      const className = claim?.spec?.storageClassName;
      if (className === undefined) {
        errors.push(`pvc ${key} has no storage class`);
        return undefined;
      }
      const storageClass = read.get<KubeObject & { parameters?: Record<string, string> }>(
        'storage.k8s.io/v1',
        'StorageClass',
        undefined,
        className,
      );
      const policy = storagePolicyIdOf(storageClass);
      if (!policy) {
        errors.push(`failed to find policy for storage class "${className}"`);
        return undefined;
      }
      const requested = claim?.spec?.resources?.requests?.storage;
      const capacityKB = Math.trunc((requested === undefined ? 0 : (quantityValue(requested) ?? 0)) / 1024);
      return { capacityKB, policy };
    });
    return errors.length > 0 ? { errors } : claims;
  };

  /** The VM without the marks of a wait for its image's cache, written if it had them. */
  const unmarkedForCache = (vm: VirtualMachine): VirtualMachine => {
    const annotations = vm.metadata.annotations;
    if (
      vm.metadata.labels?.[VMI_CACHE_LABEL] === undefined &&
      annotations?.[VMI_CACHE_LOCATION_ANNOTATION] === undefined
    )
      return vm;
    const { [VMI_CACHE_LOCATION_ANNOTATION]: _, ...kept } = annotations ?? {};
    const unlabelled = withLabel(vm, VMI_CACHE_LABEL, undefined);
    return writeAndRequeue(
      merged(unlabelled, { metadata: merged(unlabelled.metadata, { annotations: kept }) }),
    );
  };

  /**
   * A VM that waits for its image's cache (vm-operator's WatchVMICacheIfNotReady): labelled with
   * the cache (annotated with the location it waits for), `VirtualMachineConditionImageCacheReady`
   * False with the create's other verdicts; the cache's change brings it back, nothing else.
   */
  const waitForCache = (vm: VirtualMachine, verdicts: readonly Verdict[], wait: CacheWait) => {
    const labelled = withLabel(vm, VMI_CACHE_LABEL, wait.name);
    const marked = wait.location
      ? withAnnotation(labelled, VMI_CACHE_LOCATION_ANNOTATION, wait.location)
      : labelled;
    const written = marked === vm ? vm : writeAndRequeue(marked);
    writeVerdicts(written, [...verdicts, isFalse(IMAGE_CACHE_READY, REASON.notReady, wait.message)]);
    return undefined;
  };

  /**
   * vm-operator's fast deploy: the VM's folder (`[<datastore>] <uid>`) made, the cached disks
   * copied there (`direct`), then CreateVM_Task of its config spec with its image's disks, the
   * folder deleted when it fails. The create's task once the copies are done.
   */
  const fastDeployed = (
    vm: VirtualMachine,
    itemId: string,
    config: DeployConfig,
    annotation: string,
    target: { pool: string; folder: string },
    host: string | undefined,
    how: {
      mode: FastDeployMode;
      files: readonly string[];
      datastore: string;
      thin: boolean;
      storagePolicyId: string | undefined;
      claims: readonly (DiskClaim | undefined)[];
    },
  ): Pick<Task<MoRef>, 'outcome' | 'wait'> => {
    const datacenter = datacenterOf(vsphere.store, how.datastore)?.id;
    const dir = `[${vsphere.store.get(how.datastore)?.name}] ${vm.metadata.uid}`;
    const disks = how.files.filter(isDiskFile);
    const others = how.files.filter((path) => !isDiskFile(path));
    const ovf = imageOvf(itemId);
    const image: ImageParts = {
      ovf,
      disks: imageDiskChanges(
        mapped(ovf?.disks ?? [], (d) => d.capacityKB),
        disks,
        dir,
        how.mode,
        how.thin,
        how.storagePolicyId,
        how.claims,
      ) as NonNullable<VmConfigSpec['deviceChange']>,
      extraConfig: [
        ...(how.mode === 'linked' && disks.length > 0
          ? [{ key: KEEP_DISKS_EXTRA_CONFIG_KEY, value: keepDisksValue(disks) }]
          : []),
        // The image's NVRAM names the VM's copy of it.
        ...(ovf?.extraConfig?.some((o) => o.key === NVRAM_KEY) && others.some(isNvramFile)
          ? [{ key: NVRAM_KEY, value: `${vm.metadata.name}.nvram` }]
          : []),
      ],
      storagePolicyId: how.storagePolicyId,
    };
    const spec = createVmSpec(vsphere, vm, config, `${dir}/${vm.metadata.name}.vmx`, annotation, image);
    vsphere.files.makeDirectory(dir, datacenter, true);
    // The image's other files (an NVRAM) copied as the VM's own, in either mode; its disks in `direct`.
    const copies = [
      ...others.map((path) =>
        vsphere.files.copy(
          path,
          datacenter,
          `${dir}/${vm.metadata.name}${extensionOf(path)}`,
          datacenter,
          false,
        ),
      ),
      ...(how.mode === 'direct'
        ? disks.map((path, i) =>
            vsphere.virtualDisks.copy(
              path,
              datacenter,
              `${dir}/disk-${i}.vmdk`,
              datacenter,
              thinCopy(how.storagePolicyId),
            ),
          )
        : []),
    ];
    const made = async (): Promise<MoRef> => {
      try {
        // Every copy ended (those left when one fails too), then the create.
        const ended = await Promise.allSettled(copies.map((copy) => copy.wait()));
        const failed = ended.find((result) => result.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
        return await vsphere.vm.create(target.folder, spec, target.pool, host).wait();
      } catch (error) {
        // The folder goes with what is in it, as vm-operator's deferred clean-up deletes it.
        await vsphere.files
          .delete(dir, datacenter)
          .wait()
          .catch(() => undefined);
        throw error;
      }
    };
    // CreateVM_Task does not block: the create is tracked as one that takes time.
    return { outcome: () => undefined, wait: made };
  };

  const createPath = (
    key: string,
    vm: VirtualMachine,
    read: DependencyReader,
    placement: NamespacePlacement | undefined,
    grouping: Grouping | undefined,
  ) => {
    // As vm-operator, no more creates at once than its cap: the VM comes back later, unchecked.
    if (creating >= MAX_CONCURRENT_CREATES) return { requeueAfter: CREATE_REQUEUE_DELAY };
    const prerequisites = checkPrerequisites(read, vm);
    const verdicts = [...prerequisites.verdicts];
    // A VM to import without a class takes its vSphere VM's, which one still to make has not: the
    // create fails with the other prerequisites' errors, its ClassReady left as it was.
    if (synthesizesClass(vm)) {
      const judged = verdicts.filter((v) => v.type !== CONDITION.classReady);
      return failCreate(vm, judged, classlessCreateErrors(verdicts));
    }
    if (instanceStorage) {
      const storage = prerequisites.resolved.vmClass?.spec?.hardware?.instanceStorage;
      const added = withInstanceStorageVolumes(vm, storage, () => randomUUID(() => vsphere.random.float()));
      // As vm-operator's create, which returns before judging the storage, with the other
      // prerequisites' errors.
      if (added) {
        const judged = verdicts.filter((v) => v.type !== CONDITION.storageReady);
        return failCreate(writeAndRequeue(added), judged, [
          ...judged.filter((v) => v.status === 'False').map((v) => v.message),
          ADDED_INSTANCE_STORAGE,
        ]);
      }
    }
    if (grouping && !grouping.placed) {
      // As vm-operator's create, once the prerequisites are met: a VM not linked to its group
      // fails, and one its group has not placed yet waits (the group's status requeues it).
      if (!prerequisites.ready) {
        writeVerdicts(vm, verdicts);
        missingPrerequisite(vm, verdicts);
        return { requeue: true };
      }
      const linked = grouping.linked.status === 'True';
      verdicts.push(
        grouping.linked,
        isFalse(
          CONDITION.placementReady,
          REASON.notReady,
          linked ? 'VM Group placement is not ready' : 'VM is not linked to its group',
        ),
      );
      writeVerdicts(vm, verdicts);
      return linked ? undefined : { requeue: true };
    }
    if (grouping && prerequisites.ready) verdicts.push(grouping.linked);
    let target: { pool: string; folder: string } | undefined;
    if (!placement)
      verdicts.push(
        isFalse(
          CONDITION.placementReady,
          REASON.notFound,
          `namespace ${vm.metadata.namespace} has no resource pool and folder`,
        ),
      );
    else if (prerequisites.ready) {
      const policy = prerequisites.resolved.policy;
      target = policy ? policyPlacement(vsphere, placement, policy) : placement;
      verdicts.push(
        target
          ? isTrue(CONDITION.placementReady)
          : isFalse(
              CONDITION.placementReady,
              REASON.notReady,
              'the resource policy has no pool and folder yet',
            ),
      );
    }
    // As vm-operator's create, before its networking: the datastore the provider config names for
    // a VM without a storage class, and the disks' provisioning, which a storage policy vSphere
    // does not have fails.
    const configured = prerequisites.resolved.configuredDatastore;
    const datastore = target && configured ? configuredDatastore(configured) : undefined;
    if (datastore?.problem !== undefined)
      return failStorage(
        vm,
        verdicts,
        isFalse(CONDITION.storageReady, REASON.datastoreNotFound, datastore.problem),
      );
    const provisioning = target
      ? provisioningOf(vm, prerequisites.resolved.storagePolicyId, vsphere)
      : 'thin';
    if (typeof provisioning !== 'string')
      return failStorage(
        vm,
        verdicts,
        isFalse(CONDITION.storageReady, REASON.getError, provisioning.problem),
      );
    const failed = faultVerdict(key, CONDITION.created);
    if (failed) {
      verdicts.push(failed);
      events.emit(asKube(vm), 'Create', failed.message);
    }
    const network = target ? planNetwork(kube, vm, nicWrites(key)) : undefined;
    if (network) verdicts.push(network.verdict);
    if (failed || !target || !network || network.verdict.status === 'False') {
      // Like vm-operator's create when it waited for net-operator inline: nothing to report
      // yet, and the interfaces' first status requeues the VM (their owner).
      if (!failed && network?.pending) return undefined;
      writeVerdicts(vm, verdicts);
      if (!prerequisites.ready) missingPrerequisite(vm, verdicts);
      // What is missing is watched, but vm-operator's reconcile also fails and comes back with
      // its backoff: so does this one, for what no watch sees (a pool gone from vSphere).
      return failed || !target || network?.retry ? { requeue: true } : undefined;
    }
    // The class's config spec, read once the networking is done and before placement, as
    // vm-operator's vmCreateGenConfigSpec reads it: a bad one fails the create unplaced.
    let classConfig: ClassConfig;
    try {
      classConfig = classConfigOf(prerequisites.resolved.vmClass);
    } catch (error) {
      if (!(error instanceof ClassConfigSpecError)) throw error;
      return failCreate(
        vm,
        verdicts.filter((v) => v.type !== CONDITION.placementReady),
        [error.message],
      );
    }
    // With FastDeploy, the config spec is made of an OVF image's cache, which must hold its OVF of
    // the image's version (unplaced yet, as vm-operator's create reports it).
    const { itemId = '', imageVersion = '', imageType = '' } = prerequisites.resolved;
    const item = vsphere.store.get(itemId) as LibraryItemRecord | undefined;
    const mode = fastDeployModeFor(vm);
    const cacheName = mode ? imageNameOf(itemId) : '';
    const unplaced = () => verdicts.filter((v) => v.type !== CONDITION.placementReady);
    if (mode && imageType.toLowerCase() === 'ovf') {
      if (imageVersion === '') return failCreate(vm, unplaced(), ['empty image provider content version']);
      const wait = hardwareWait(cacheName, imageCacheOf(cacheName), imageVersion);
      if (wait) return waitForCache(vm, unplaced(), wait);
    }
    // The crypto reconciler runs as the config spec is made, after the class's.
    const crypto = byok
      ? planCreate(
          read,
          vsphere,
          vm,
          // The storage class's policy, which the prerequisites read.
          cryptoInputs(
            isEncryptedPolicy(read.get, prerequisites.resolved.storagePolicyId),
            classConfig.deviceChange,
          ),
        )
      : undefined;
    if (crypto?.error)
      return failCreate(
        vm,
        [...verdicts.filter((v) => v.type !== CONDITION.placementReady), crypto.verdict as Verdict],
        [crypto.error],
      );
    if (crypto?.verdict) verdicts.push(crypto.verdict);
    // On the host the group's placement names, as vm-operator creates a VM its group placed. Its
    // zone label is the placement's from now on: a later create is placed as a labelled VM.
    let host = grouping?.byGroup?.node;
    if (grouping?.byGroup) groupPlaced.add(key);
    const storageOnHost = instanceStorage && hasInstanceStorage(vm);
    if (storageOnHost) {
      const chosen = instanceStorageHost(
        vsphere,
        vm,
        target.pool,
        placement?.zone,
        deps.claimDatastore?.(),
        grouping?.byGroup,
      );
      if ('problem' in chosen) {
        const failed = isFalse(CONDITION.placementReady, REASON.notReady, chosen.problem);
        return failCreate(
          vm,
          verdicts.map((v) => (v.type === CONDITION.placementReady ? failed : v)),
          [chosen.problem],
        );
      }
      if (chosen.marked) vm = writeAndRequeue(chosen.marked);
      host = chosen.host;
    }
    // With FastDeploy, the files of the image cached where the VM goes, once placed.
    let cached:
      | {
          readonly files: readonly string[];
          readonly datastore: string;
          readonly claims: readonly (DiskClaim | undefined)[];
        }
      | undefined;
    if (mode) {
      const onDatastore = fastDeployDatastore(target.pool, datastore?.id, itemId);
      const location = {
        datacenterID: datacenterOf(vsphere.store, onDatastore)?.id ?? '',
        datastoreID: onDatastore,
        profileID: prerequisites.resolved.storagePolicyId ?? '',
      };
      const outcome = locationOutcome(
        cacheName,
        cacheWithLocation(cacheName, itemId, imageVersion, location),
        location,
        (path) => fileThere(vsphere, path, location.datacenterID),
        () => deps.recheckImageCache?.(cacheName),
      );
      if ('wait' in outcome) return waitForCache(vm, verdicts, outcome.wait);
      if ('failed' in outcome) return failCreate(vm, verdicts, [outcome.failed]);
      verdicts.push(outcome.verdict);
      // With AllDisksArePVCs, the claims the VM's volumes place on its image's disks size them.
      const claims = allDisksArePVCs ? imageDiskClaims(read, vm, imageOvf(itemId)?.disks.length ?? 0) : [];
      if ('errors' in claims) return failCreate(vm, verdicts, claims.errors);
      cached = { files: outcome.files, datastore: onDatastore, claims };
      // Waiting no more: unmarked, as vm-operator's patch at the end of the pass leaves it (a
      // wait and a go in one pass write nothing).
      vm = unmarkedForCache(vm);
    }
    // As vm-operator's create once its networking and placement are done (vmCreateIsReady): a VM
    // of a cluster module group waits for its policy's module, one with instance storage for its
    // claims to be bound.
    const group = vm.metadata.annotations?.[CLUSTER_MODULE_GROUP_ANNOTATION];
    const policy = prerequisites.resolved.policy;
    if (group && policy && !policyModuleOf(policy, group, clusterOfPool(vsphere, target.pool)))
      // Placed, it keeps the zone chosen among several, as vm-operator's placement labels it
      // (with FastDeploy, once made).
      return failCreate(
        placement?.chosen && !mode ? withFinalizer(vm, placement.zone, undefined) : vm,
        verdicts,
        ['VirtualMachineSetResourcePolicy cluster module is not ready'],
      );
    if (storageOnHost && vm.metadata.annotations?.[INSTANCE_STORAGE_BOUND_ANNOTATION] === undefined)
      return failCreate(vm, verdicts, [INSTANCE_STORAGE_NOT_BOUND]);
    const { resolved } = prerequisites;
    const iso = item?.type === 'iso';
    // A VM with claims powers on once their disks are attached, one whose first update
    // reconfigures it (an ISO VM, made empty, always) after that update, one its bootstrap
    // customizes (LinuxPrep, Sysprep) once its update has customized it, with CustomizeVM_Task
    // as vm-operator does (see drive).
    const poweringOn =
      (vm.spec?.powerState ?? 'PoweredOn') === 'PoweredOn' &&
      // With AllDisksArePVCs, its disks are registered as claims by its update first.
      !(allDisksArePVCs && vm.metadata.annotations?.[NO_REGISTER_ANNOTATION] === undefined) &&
      // A group's power-on pushed for later (its boot order's delay) waits for its time.
      !((untilPushedPower(vm) ?? 0) > 0) &&
      !hasAnnotationWithPrefix(vm, POWER_ON_CHECK_PREFIX) &&
      !hasClaims(vm) &&
      !iso &&
      !customizingProviderOf(vm, () => deployedGuestId(vm, itemId)) &&
      !reconfiguredBeforeFirstBoot(vm, () => imageBootDiskBytes(itemId));
    const allocations = resolved.vmClass && allocationsOf(resolved.vmClass);
    if (allocations) resolved.allocations = allocations;
    // Deployed on at once where nothing can refuse the power-on: a VM that reserves something,
    // under admission control, is powered on by its update, as vm-operator does, so that a
    // refused power-on leaves it created, off.
    const refusable = vsphere.options.admissionControl === true && reservesAny(allocations);
    // One whose class changed the provider's extra config is deployed off too: the update that
    // powers it on puts the provider's back first.
    const reconfigured = offUpdateKind('PoweredOn') === 'update' && overridesProviderExtraConfig(classConfig);
    // Made by CreateVM_Task (FastDeploy), a VM is powered on by its update, as vm-operator's is.
    const powerOn = poweringOn && !refusable && !reconfigured && !cached;
    // A deployment vSphere refuses at once (a hardware version its hosts do not run) is reported
    // as one that failed, as vm-operator's create reports any error.
    const guestInfo = cloudInitOf(vm) ? guestInfoOf(key, vm, network.nics, resolved, read) : undefined;
    const config = deployConfig(
      vm,
      resolved,
      classConfig,
      () => imageOvf(itemId),
      mapped(network.nics, (nic, i) => {
        const type = classConfig.nicTypes[i];
        const deployed = { network: portgroupOf(vsphere, nic.networkID), macAddress: nic.macAddress };
        return type === undefined ? deployed : { ...deployed, type };
      }),
      guestInfo,
    );
    if (crypto?.crypto) config.crypto = crypto.crypto;
    const annotation = classConfig.annotation ?? VM_SERVICE_ANNOTATION;
    let task: Pick<Task<MoRef>, 'outcome' | 'wait'>;
    try {
      task = cached
        ? fastDeployed(vm, itemId, config, annotation, target, host, {
            // vm-operator's fast deploy copies the disks of a VM it could not promote online.
            mode: createMode(
              mode as FastDeployMode,
              byok && isEncryptedPolicy(read.get, resolved.storagePolicyId),
              classConfig.deviceChange,
            ),
            ...cached,
            thin: provisioning === 'thin',
            storagePolicyId: resolved.storagePolicyId,
          })
        : iso
          ? // vm-operator's create from an ISO image: an empty VM of the same configuration.
            vsphere.vm.create(
              target.folder,
              createVmSpec(vsphere, vm, config, isoHome(itemId), annotation),
              target.pool,
              host,
            )
          : vsphere.library.deploy(
              itemId,
              {
                name: vm.metadata.name as string,
                folder: target.folder,
                pool: target.pool,
                ...(host === undefined ? {} : { host }),
                ...(datastore?.id === undefined ? {} : { datastore: datastore.id }),
                annotation,
                // vm-operator's images deploy thin unless the VM or its storage policy asks
                // otherwise, so a namespace of many VMs overcommits its datastore.
                storageProvisioning: provisioning,
                // The storage class's policy, as vm-operator deploys (under an encryption one, the
                // disks of an encrypted VM are encrypted).
                ...(resolved.storagePolicyId ? { storageProfile: resolved.storagePolicyId } : {}),
                // Deployed and powered on in one task: what vm-operator's create then power-on leaves.
                powerOn,
                config,
              },
              // vm-operator's blocking create: a deployment that takes no time has ended on return.
              { blocking: true },
            );
    } catch (error) {
      if (!isVimFault(error)) throw error;
      events.emit(asKube(vm), 'Create', error);
      writeVerdicts(vm, [...verdicts, faultedVerdict(CONDITION.created, error)]);
      return { requeue: true };
    }
    // A library deployment vAPI reports failed is govmomi's `deploy error`.
    const deployFault = (fault: unknown) => (cached || iso ? fault : deployError(fault));
    const ended = task.outcome();
    if (ended === undefined) {
      // A deploy that takes time: vm-operator's non-blocking create, which requeues the VM when it
      // ends (a failure is reported by the pass it requeues, see faultVerdict).
      writeVerdicts(vm, verdicts);
      const zone = placement?.zone;
      if (zone !== undefined) deploying.set(zone, (deploying.get(zone) ?? 0) + 1);
      creating++;
      track(
        key,
        task
          .wait()
          .catch((fault: unknown) => {
            throw deployFault(fault);
          })
          .then((ref) => {
            events.emit(asKube(vm), 'Create', undefined);
            const id = noteDeployed(key, ref.value);
            if (powerOn) markFirstBootDone(key);
            return id;
          })
          .finally(() => {
            if (zone !== undefined) deploying.set(zone, (deploying.get(zone) ?? 1) - 1);
            creating--;
          }),
      );
      return undefined;
    }
    if (!ended.ok) {
      const fault = deployFault(ended.fault);
      events.emit(asKube(vm), 'Create', fault);
      writeVerdicts(vm, [...verdicts, faultedVerdict(CONDITION.created, fault)]);
      return { requeue: true };
    }
    events.emit(asKube(vm), 'Create', undefined);
    // The same state as vm-operator's blocking create and the update its status write brings, in one pass.
    const record = vsphere.store.get(noteDeployed(key, ended.result.value)) as VmRecord;
    // A zone DRS chose is the VM's label from now on.
    const deployedVm = placement?.chosen ? withFinalizer(vm, placement.zone, undefined) : vm;
    return updatePath(key, deployedVm, record, read, placement, grouping, {
      verdicts,
      resolved,
      nics: network.nics,
    });
  };

  /**
   * A customization made: its hash kept in the VM's annotation, and `customizeAtNextPowerOn:
   * true` set back to false, as vm-operator does once the customization succeeded.
   */
  const recordCustomizationMade = (
    vm: VirtualMachine,
    provider: CustomizingProvider,
    hash: string,
  ): VirtualMachine => {
    const bootstrap = vm.spec?.bootstrap;
    const spec = bootstrap?.[provider];
    const latched = spec?.customizeAtNextPowerOn === true;
    if (!latched && vm.metadata.annotations?.[CUSTOMIZATION_HASH_ANNOTATION] === hash) return vm;
    const next = merged(withAnnotation(vm, CUSTOMIZATION_HASH_ANNOTATION, hash));
    if (latched)
      next.spec = {
        ...vm.spec,
        bootstrap: { ...bootstrap, [provider]: { ...spec, customizeAtNextPowerOn: false } },
      };
    return write(asKube(next), 'main');
  };

  // --- update path ---------------------------------------------------------------

  /** The faults of reconfigurations, which do not keep a VM from going off, with the spec that failed. */
  const reconfigureFaults = new WeakMap<object, VmConfigSpec>();

  /**
   * ReconfigVM_Task of an update; its end writes GuestIDReconfigured, as vm-operator's reconfigure
   * does, and, given `cryptoOperation` (what the crypto reconciler made of the spec), a failure's
   * VirtualMachineEncryptionSynced.
   */
  const reconfigure = (
    key: string,
    record: VmRecord,
    spec: VmConfigSpec,
    cryptoOperation?: string,
  ): Promise<void> => {
    const ended = (fault: unknown) => {
      const vm = storedVm(key);
      const guestId = vm && guestIdAfterReconfigure(vm, spec, fault);
      // As vm-operator's crypto reconciler reads a failed update's faults.
      const crypto =
        cryptoOperation !== undefined && fault ? reconfigureVerdict(fault, cryptoOperation) : undefined;
      const verdicts = [guestId, crypto].filter((v): v is Verdict => v !== undefined);
      if (!vm || verdicts.length === 0) return;
      try {
        writeVerdicts(vm, verdicts);
      } catch (error) {
        // The store refused the write (the VM changed meanwhile): the reconfigure's own outcome
        // stands, and the VM's next pass, which reconfigures it again, reports it.
        if (!isKubeError(error)) throw error;
      }
    };
    return vsphere.vm
      .reconfigure(record.id, spec)
      .wait()
      .then(
        () => ended(undefined),
        (fault: unknown) => {
          ended(fault);
          if (typeof fault === 'object' && fault !== null) reconfigureFaults.set(fault, spec);
          throw fault;
        },
      );
  };

  /**
   * The VM's `status.network.config`, as vm-operator's update makes it from its bootstrap's
   * arguments (`addressing`: its interfaces, undefined while they cannot be read); the one it
   * had while its interfaces or the Supervisor's DNS cannot be read (`dnsError`: why not, which
   * fails vm-operator's bootstrap and so its update). The same object when nothing changed.
   */
  const networkConfigOf = (
    vm: VirtualMachine,
    addressing: readonly NicAddressing[] | undefined,
    read: DependencyReader,
  ): { config: VirtualMachineNetworkConfigStatus | undefined; dnsError?: Error } => {
    const previous = vm.status?.network?.config;
    if (!addressing) return { config: previous };
    let dnsError: Error | undefined;
    const config = networkConfigStatus(vm, addressing, () => {
      try {
        return globalDnsOf(read);
      } catch (error) {
        dnsError = error as Error;
        return NO_DNS;
      }
    });
    if (dnsError) return { config: previous, dnsError };
    return { config: previous && deepEqual(previous, config) ? previous : config };
  };

  /**
   * A reconfiguration with the vApp properties the bootstrap hands over, on a VM powered on or
   * off (see vAppEdits), their templates rendered over the VM's network.
   */
  const withVAppEdits = (
    spec: VmConfigSpec | undefined,
    vm: VirtualMachine,
    record: VmRecord,
    read: DependencyReader,
    secrets: BootstrapSecretData,
  ): VmConfigSpec | undefined => {
    if (!secrets.vApp) return spec;
    const network = () => templateNetwork(vm, readAddressing(kube, vm) ?? [], () => globalDnsOf(read));
    const vApp = vAppEdits(vm, record, secrets.vApp, (text) => renderTemplate(text, network, vm));
    return vApp ? { ...spec, vAppConfig: vApp } : spec;
  };

  /** What the registration of a VM's disks reads and writes (see register-volumes.ts). */
  const registrationDeps: RegistrationDeps = {
    store: kube.direct,
    diskUrl: (path, record) => {
      // The provider's vCenter (its address and port), the VM's datacenter by its inventory path.
      const config = providerConfig(kube);
      const dc = datacenterOf(vsphere.store, record.homeDatastore);
      const vcenter = `${config?.VcPNID ?? ''}:${config?.VcPort ?? '443'}`;
      return datastoreUrl(vcenter, dc ? inventoryPath(vsphere.store, dc.id) : '', path);
    },
    sharedDisks,
  };

  /**
   * With AllDisksArePVCs, the VM's own disks registered as claims (see register-volumes.ts): its
   * condition written, the claims' names into its volumes; the VM as written, the disks' edits for
   * the reconfigure, and whether a claim is still pending (the update stops). Its error the update's.
   */
  const registerVolumes = (key: string, vm: VirtualMachine, record: VmRecord) => {
    let registration: Registration;
    try {
      registration = registerUnmanagedVolumes(vm, record, registrationDeps);
    } catch (error) {
      const { verdict, spec } = error as Partial<RegistrationError>;
      if (!verdict) throw error;
      writeVerdicts(spec ? write(asKube(merged(vm, { spec })), 'main') : vm, [verdict]);
      throw updateFailed((error as Error).message);
    }
    const spec = 'spec' in registration ? registration.spec : undefined;
    const named = spec ? write(asKube(merged(vm, { spec })), 'main') : vm;
    writeVerdicts(named, [registration.verdict]);
    return {
      vm: storedVm(key) ?? named,
      edits: 'deviceChange' in registration ? registration.deviceChange : NO_DEVICE_CHANGES,
      pending: 'pending' in registration,
    };
  };

  /** Whether the VM's own disks are backfilled and registered as claims, as AllDisksArePVCs has them before a snapshot. */
  const disksRegistered = (key: string) => {
    if (!allDisksArePVCs) return true;
    const conditions = storedVm(key)?.status?.conditions;
    return (
      isConditionTrue(conditions, UNMANAGED_VOLUMES_BACKFILLED) &&
      isConditionTrue(conditions, UNMANAGED_VOLUMES_REGISTERED)
    );
  };

  /**
   * Starts the hardware, power or size change, or the restart, the VM needs, if any: which one.
   * As vm-operator's update, a powered-off VM is upgraded to `spec.minHardwareVersion`, then
   * reconfigured to its class's size and `spec.guestID`, before it powers on. A power state its
   * group pushed with a time to apply it waits for that time (how long: the number returned);
   * once it has come, the time is dropped and the power state applied.
   */
  const drive = (
    key: string,
    vm: VirtualMachine,
    record: VmRecord,
    size: ClassSize,
    read: DependencyReader,
    secrets: BootstrapSecretData,
    resized?: () => void,
    onTheWayOff: WayOff = {},
    crypto?: (changes: readonly VirtualDeviceConfigSpec[]) => CryptoPlan,
    bootstrapError?: Error,
  ): 'promote' | 'upgrade' | 'resize' | 'network' | 'register' | 'power' | 'restart' | number | undefined => {
    /**
     * What the crypto reconciler makes of the spec (its error thrown, or, `dropping` it as a resize
     * while off does, the spec left without crypto), as it sees the spec's virtual TPM.
     */
    let cryptoOperation: string | undefined;
    const encrypting = (spec: VmConfigSpec | undefined, dropping = false) => {
      if (!crypto) return spec;
      const changes = spec?.deviceChange ?? NO_DEVICE_CHANGES;
      const tpm = changes.some((c) => c.device._type === VIRTUAL_TPM);
      const plan = crypto(tpm ? changes : NO_DEVICE_CHANGES);
      cryptoOperation = plan.operation;
      // A virtual TPM the spec adds or removes is judged here alone: what the checks say is written now.
      if (tpm && plan.verdict?.status === 'False') writeVerdicts(vm, [plan.verdict]);
      return dropping && plan.error !== undefined ? spec : withCryptoChanges(spec, plan);
    };
    const state = record.powerState;
    const want = vm.spec?.powerState ?? 'PoweredOn';
    const pushedIn = untilPushedPower(vm);
    // Only a VM with CD-ROMs in its spec has files to look for (with VMSharedDisks, controllers
    // to place too).
    const cdroms =
      vm.spec?.hardware?.cdrom?.length || sharedDisks
        ? cdromSources(read, vm.metadata.namespace as string, sharedDisks)
        : NO_CDROM_SOURCES;
    // With AllDisksArePVCs, as vm-operator's reconfigure, the VM's disks are registered as claims
    // first (after its hardware version and interfaces): a claim not bound yet stops the update,
    // before any power change; disks to edit join the reconfigure.
    if (state === 'poweredOff') {
      const minimum = vm.spec?.minHardwareVersion ?? 0;
      if (minimum > (hardwareVersionNumber(record.config.version) ?? 0)) {
        track(key, vsphere.vm.upgrade(record.id, `vmx-${minimum}`).wait());
        return 'upgrade';
      }
      const network = planNetwork(kube, vm, nicWrites(key));
      if (network.pending) return 'network';
      if (network.problem) throw updateFailed(`failed to reconcile network interfaces: ${network.problem}`);
      const first = firstReconcilers(key, vm, record);
      if ('stop' in first) return first.stop;
      vm = first.vm;
      const kind = offUpdateKind(want);
      // With MutableNetworks, a powered-off VM's NetworkInterfaces none of its interfaces names
      // any more (vm-operator's orphans): their NICs changed in place, and they go once the VM is.
      const orphans = mutableNetworks ? orphanedInterfaces(kube, vm) : NO_ORPHANS;
      // As vm-operator: its NICs with every update, and a resize's with MutableNetworks while off.
      const nics =
        kind === 'update' || (mutableNetworks && want !== 'PoweredOn')
          ? configurationError(() => nicChanges(network.nics, orphans, record))
          : NO_DEVICE_CHANGES;
      const resizing = kind === 'resize';
      const spec = configurationError(() =>
        withDeviceChanges(
          encrypting(
            withVAppEdits(reconfiguration(vm, record, size, cdroms, kind, nics), vm, record, read, secrets),
            resizing,
          ),
          first.edits,
        ),
      );
      // As vm-operator's resize while off, which drops its reconfigure's error (and so its crypto
      // reconciler's): the pass that follows a refused one goes on as if nothing were to change, the
      // VM not marked resized; the next pass tries again.
      const dropped = resizing && spec !== undefined && deepEqual(spec, droppedResizes.get(key));
      droppedResizes.delete(key);
      if (spec && !dropped) {
        const made = reconfigure(key, record, spec, resizing ? undefined : cryptoOperation);
        track(
          key,
          made.then(resized, (fault: unknown) => {
            if (!resizing) throw fault;
            droppedResizes.set(key, spec);
          }),
        );
        return 'resize';
      }
      if (!dropped) resized?.();
      // As vm-operator, once nothing is left to reconfigure (its reconfigure ends the pass).
      deleteOrphans(vm.metadata.namespace as string, orphans);
    } else {
      // As vm-operator's update of a powered-on or suspended VM, before any power change: a
      // running VM's interfaces made and waited for, their NICs left as they are.
      const network = state === 'poweredOn' ? planNetwork(kube, vm, nicWrites(key)) : undefined;
      if (network?.pending && want !== 'PoweredOff') return 'network';
      let spec: VmConfigSpec | undefined;
      try {
        if (network?.problem)
          throw updateFailed(`failed to reconcile network interfaces: ${network.problem}`);
        const first = firstReconcilers(key, vm, record);
        if ('stop' in first) return first.stop;
        vm = first.vm;
        spec = configurationError(() =>
          withDeviceChanges(
            encrypting(
              state === 'poweredOn'
                ? withVAppEdits(runningReconfiguration(vm, record, cdroms), vm, record, read, secrets)
                : suspendedReconfiguration(vm, record),
            ),
            first.edits,
          ),
        );
      } catch (error) {
        // As vm-operator, a VM going off is powered off whatever its configuration's error, which
        // then fails the pass.
        if (want !== 'PoweredOff') throw error;
        onTheWayOff.configError = error;
      }
      // The reconfiguration that failed is not tried again on the way off (a mended one is).
      if (spec && !deepEqual(spec, onTheWayOff.failedSpec)) {
        track(key, reconfigure(key, record, spec, cryptoOperation));
        return 'resize';
      }
    }
    // As vm-operator, whose bootstrap reads the Supervisor's DNS once the reconfiguration is made:
    // a placeholder there fails the update before any power change but a power-off.
    if (bootstrapError && want !== 'PoweredOff') throw updateFailed(bootstrapError.message);
    if (pushedIn !== undefined && (want === 'PoweredOn' || want === 'PoweredOff')) {
      if (pushedIn > 0) return pushedIn;
      const { [APPLY_POWER_STATE_TIME]: _, ...annotations } = vm.metadata.annotations ?? {};
      vm = write(asKube(merged(vm, { metadata: merged(vm.metadata, { annotations }) })), 'main');
    }
    if (want === 'PoweredOn' && state !== 'poweredOn') {
      if (hasAnnotationWithPrefix(vm, POWER_ON_CHECK_PREFIX)) return undefined;
      // As vm-operator, no power-on while a claim's disk is not attached yet.
      const pending = pendingVolumes(vm);
      if (pending) throw updateFailed(pending);
      // A LinuxPrep or Sysprep VM is customized before it powers on from off, as its spec says
      // now: when its latch asks, or when the customization differs from the last one made.
      const provider =
        state === 'poweredOff' ? customizingProviderOf(vm, () => record.config.guestId) : undefined;
      const nics = provider && readAddressing(kube, vm);
      // As vm-operator, no customization, and so no power-on, without its interfaces' addresses.
      if (provider && !nics) throw updateFailed('network interface is not ready yet');
      if (provider && nics) {
        const customization = guestCustomization(
          vm,
          provider,
          nics,
          () => globalDnsOf(read),
          secrets,
          vcdParity,
        );
        const hash = customizationHash(customization);
        // As vm-operator, the guest is not customized when the VM's annotation bypasses it, or
        // while a customization is pending (the power-on applies that one): made all the same.
        const needed = customizationNeeded(vm, provider, hash);
        const skipped = customizationBypassed(vm) || pendingCustomizationOf(record) !== undefined;
        if (needed && skipped) {
          refusedCustomizations.delete(key);
          vm = recordCustomizationMade(vm, provider, hash);
        } else if (needed) {
          // A customization vSphere refuses is the condition's, and the pass's error; one already
          // pending is none.
          const made = () => {
            refusedCustomizations.delete(key);
            const current = storedVm(key);
            if (current) recordCustomizationMade(current, provider, hash);
          };
          const failed = (fault: unknown) => {
            if (isVimFault(fault) && fault.fault._type === 'CustomizationPending') return made();
            const verdict = faultedVerdict(
              CONDITION.guestCustomization,
              fault,
              REASON.guestCustomizationFailed,
            );
            // Reported now, and by every status write until a customization is made.
            refusedCustomizations.set(key, verdict);
            const current = storedVm(key);
            try {
              if (current) writeVerdicts(current, [verdict]);
            } catch (error) {
              // The VM changed meanwhile: its next pass writes the refusal.
              if (!isKubeError(error)) throw error;
            }
            throw fault;
          };
          // vm-operator waits for its CustomizeVM_Task and ends its pass, the next powering the VM
          // on: a customization that ends at once is followed by the power-on in this pass. Either
          // task's end requeues the VM, so what the customization changes does not (see busy).
          busy.add(key);
          let task: ReturnType<VSphere['vm']['customize']>;
          try {
            task = vsphere.vm.customize(record.id, customization, { blocking: true });
          } finally {
            busy.delete(key);
          }
          if (task.outcome()?.ok) made();
          else {
            track(key, task.wait().then(made, failed));
            return 'power';
          }
        }
      }
      track(
        key,
        vsphere.vm
          .powerOn(record.id)
          .wait()
          .then(() => markFirstBootDone(key)),
      );
      return 'power';
    }
    // As vm-operator, a suspended VM is powered off only when the mode may act hard: Soft would
    // ask a guest that is not running, so nothing is done.
    const powerOffMode = vm.spec?.powerOffMode;
    if (
      want === 'PoweredOff' &&
      (state === 'poweredOn' || (state === 'suspended' && powerOffMode !== 'Soft'))
    ) {
      powerOff(key, record, powerOffMode);
      return 'power';
    }
    if (want === 'Suspended' && state === 'poweredOn') {
      track(
        key,
        powerOp(
          'suspended',
          vm.spec?.suspendMode,
          () => vsphere.vm.standbyGuest(record.id),
          () => vsphere.vm.suspend(record.id).wait(),
        ),
      );
      return 'power';
    }
    // As vm-operator, a VM restarts only when it is to stay powered on.
    const restart =
      want === 'PoweredOn' && state === 'poweredOn' ? dueRestart(vm, record, vsphere.clock.now()) : undefined;
    if (restart !== undefined) {
      // As vm-operator, the restart is recorded once made, in vSphere's extra config (one that
      // failed is tried again), then in the status (to the second, as a metav1.Time).
      const recorded = () =>
        vsphere.vm
          .reconfigure(record.id, { extraConfig: [{ key: LAST_RESTART_TIME_KEY, value: String(restart) }] })
          .wait();
      const restarted = () => {
        const current = storedVm(key);
        const lastRestartTime = timestamp(Number(restart / 1_000_000n));
        if (current) writeStatus(current, merged(current.status ?? {}, { lastRestartTime }));
      };
      track(
        key,
        powerOp(
          'restart',
          vm.spec?.restartMode,
          () => vsphere.vm.rebootGuest(record.id),
          () => vsphere.vm.reset(record.id).wait(),
        )
          .then(recorded)
          .then(restarted),
      );
      return 'restart';
    }
    return undefined;
  };

  /** A cloud-init VM's bootstrap config spec and its hash; undefined for another VM, or one without its interfaces' addresses. */
  const cloudInitBootstrap = (
    key: string,
    vm: VirtualMachine,
    record: VmRecord,
    read: DependencyReader,
    resolved: Resolved,
    nics: readonly NicAddressing[] | undefined,
  ) => {
    if (!cloudInitOf(vm) || !nics) return undefined;
    const has = new Map(record.config.extraConfig.map((option) => [option.key, option.value]));
    const spec: CloudInitConfigSpec = {
      extraConfig: guestInfoOf(key, vm, nics, resolved, read).filter(
        (option) => has.get(option.key) !== option.value,
      ),
      vAppConfigRemoved: record.config.vAppConfig !== undefined,
    };
    return { spec, hash: guestInfoEncodings.hashOf(key, spec) };
  };

  /** A cloud-init VM's GuestInfo, its documents encoded once while they stay the same. */
  const guestInfoOf = (
    key: string,
    vm: VirtualMachine,
    nics: readonly NicAddressing[],
    resolved: Resolved,
    read: DependencyReader,
  ) =>
    cloudInitGuestInfo(
      vm,
      nics,
      resolved.bootstrapData ?? {},
      () => globalDnsOf(read),
      guestInfoEncodings.of(key),
    );

  /** The VM with the hash of the bootstrap config spec it was reconfigured with, as vm-operator records it. */
  const withBootstrapHash = (vm: VirtualMachine, hash: string): VirtualMachine =>
    withAnnotation(vm, BOOTSTRAP_CONFIG_HASH_ANNOTATION, hash);

  /**
   * A cloud-init VM's bootstrap, as vm-operator's DoBootstrap makes it on every update: a config
   * spec (the GuestInfo that differs, its vApp options removed) whose hash is not the one the VM
   * records reconfigures the VM, and the hash is recorded once that succeeded; an empty spec's is
   * recorded without a call to vSphere. Either ends the pass, whose write brings the VM back:
   * whether it did.
   */
  const guestInfoChanged = (
    key: string,
    vm: VirtualMachine,
    record: VmRecord,
    bootstrap: ReturnType<typeof cloudInitBootstrap>,
  ): boolean => {
    if (!bootstrap || vm.metadata.annotations?.[BOOTSTRAP_CONFIG_HASH_ANNOTATION] === bootstrap.hash)
      return false;
    const { extraConfig, vAppConfigRemoved } = bootstrap.spec;
    if (extraConfig.length === 0 && !vAppConfigRemoved) {
      writeAndRequeue(withBootstrapHash(vm, bootstrap.hash));
      return true;
    }
    track(
      key,
      reconfigure(key, record, { extraConfig: [...extraConfig], vAppConfigRemoved }).then(() => {
        const current = storedVm(key);
        const recorded = current && withBootstrapHash(current, bootstrap.hash);
        if (recorded && recorded !== current) write(asKube(recorded), 'main');
      }),
    );
    return true;
  };

  /**
   * vm-operator's reconcileClusterModule: a VM of a cluster module group (CAPV's annotation)
   * joins its resource policy's module on its cluster, once; the module's UUID, kept in an
   * annotation, says it has. No policy (none named, missing, being deleted: `policyVerdict`
   * says which), or a group the policy has no module for, fails the update.
   */
  const joinClusterModule = (
    vm: VirtualMachine,
    record: VmRecord,
    group: string,
    policy: VirtualMachineSetResourcePolicy | undefined,
    policyVerdict: Verdict | undefined,
  ): VirtualMachine => {
    if (!policy)
      throw updateFailed(policyVerdict?.message || 'cannot set cluster module without resource policy');
    const module = policyModuleOf(policy, group, clusterOfPool(vsphere, record.pool));
    if (!module) throw updateFailed(`ClusterModule "${group}" not found in VirtualMachineSetResourcePolicy`);
    if (vm.metadata.annotations?.[CLUSTER_MODULE_UUID_ANNOTATION] === module) return vm;
    if (!vsphere.clusterModules.members(module).includes(record.id))
      vsphere.clusterModules.addMembers(module, [record.id]);
    return write(asKube(withAnnotation(vm, CLUSTER_MODULE_UUID_ANNOTATION, module)), 'main');
  };

  /** With VMResize: the VM's class (name, uid and generation) recorded as the one it was resized to. */
  const recordResized = (vm: VirtualMachine): VirtualMachine => {
    const value = classMark(vm);
    if (value === undefined || vm.metadata.annotations?.[LAST_RESIZED_ANNOTATION] === value) return vm;
    return write(asKube(withAnnotation(vm, LAST_RESIZED_ANNOTATION, value)), 'main');
  };

  /** With VMResize: the last-resized mark of the VM's class; undefined while the class does not exist. */
  const classMark = (vm: VirtualMachine): string | undefined => {
    const name = vm.spec?.className ?? '';
    const vmClass = kube.direct.get({ ...CLASS, namespace: vm.metadata.namespace as string, name });
    return vmClass
      ? lastResizedValue({ name, uid: vmClass.metadata.uid, generation: vmClass.metadata.generation })
      : undefined;
  };

  /** With VMResize: whether the VM's class says it is sized as it should be (vm-operator's ClassConfigurationSynced). */
  const classSyncedVerdict = (vm: VirtualMachine, vmClass: VirtualMachineClass | undefined): Verdict => {
    const className = vm.spec?.className;
    if (!className) return NO_CLASS_SYNC;
    const last = lastResizedOf(vm);
    if (!last?.name)
      return vm.metadata.annotations?.[SAME_CLASS_RESIZE_ANNOTATION] !== undefined
        ? isFalse(CONDITION.classConfigurationSynced, 'SameClassResize', '')
        : isTrue(CONDITION.classConfigurationSynced);
    if (className !== last.name) return isFalse(CONDITION.classConfigurationSynced, 'ClassNameChanged', '');
    if (!vmClass) return isUnknown(CONDITION.classConfigurationSynced, 'ClassNotFound', '');
    return vmClass.metadata.uid === last.uid && vmClass.metadata.generation === last.generation
      ? isTrue(CONDITION.classConfigurationSynced)
      : isFalse(CONDITION.classConfigurationSynced, 'ClassUpdated', '');
  };

  /** The VM as stored now, for work that ends after its pass (a task's end). */
  const storedVm = (key: string) =>
    kube.direct.get({ ...VM, ...parseObjectKey(key) }) as unknown as VirtualMachine | undefined;

  /** vm-operator's mark of a VM it powered on, once the power-on has ended. */
  const markFirstBootDone = (key: string) => {
    const current = storedVm(key);
    const marked = current && withFirstBootDone(current);
    if (marked && marked !== current) write(asKube(marked), 'main');
  };

  /** The hardware version of a library item's OVF; 0 when it names none. */
  const imageOvf = (itemId: string) => (vsphere.store.get(itemId) as LibraryItemRecord | undefined)?.ovf;
  /**
   * vm-operator's ReconcileNetworkInterfaces by the update of a powered-off VM: each interface's
   * NIC found by its MAC address and network; else one an orphaned NetworkInterface of that
   * interface had (MutableNetworks) edited in place, keeping its device type; else one added
   * (VMXNET3). The NICs nothing claims removed, removals first.
   */
  const nicChanges = (
    nics: readonly PlannedNic[],
    orphans: readonly OrphanedInterface[],
    record: VmRecord,
  ): readonly VirtualDeviceConfigSpec[] => {
    const unclaimed = record.config.devices.filter(isEthernetCard);
    const changes: VirtualDeviceConfigSpec[] = [];
    /** The network net-operator's id names, where vSphere has it. */
    const networkOf = (id: string) => {
      const network = portgroupOf(vsphere, id);
      return vsphere.store.get(network) ? network : undefined;
    };
    const claim = (matches: (card: Device) => boolean) => {
      const at = unclaimed.findIndex(matches);
      return at >= 0 ? unclaimed.splice(at, 1)[0] : undefined;
    };
    for (const nic of nics) {
      const network = networkOf(nic.networkID);
      if (!network)
        throw new Error(`failed to reconcile network interfaces: network ${nic.networkID} not found`);
      const mac = nic.macAddress.toLowerCase();
      if (
        claim(
          (card) =>
            String(card.macAddress).toLowerCase() === mac &&
            isBackingOn(card.backing, vsphere.store, network),
        )
      )
        continue;
      const device = {
        addressType: 'manual',
        macAddress: nic.macAddress,
        backing: networkBacking(vsphere.store, network),
      };
      const orphaned = orphanCardOf(nic.spec.name, orphans, claim, networkOf);
      changes.push(
        orphaned
          ? { operation: 'edit', device: { ...orphaned, ...device } }
          : { operation: 'add', device: { _type: 'VirtualVmxnet3', key: -100 - changes.length, ...device } },
      );
    }
    if (unclaimed.length === 0 && changes.length === 0) return NO_DEVICE_CHANGES;
    return [...unclaimed.map((device) => ({ operation: 'remove' as const, device })), ...changes];
  };
  /**
   * vm-operator's MapEthernetDevicesToSpecIdx: the name of the spec's interface a NIC is, by its
   * device key. Without MutableNetworks, the NICs in device order are the interfaces in order;
   * with it, each interface's NIC is the first on its NetworkInterface's portgroup (with the MAC
   * address the interface names, if it names one), each NIC taken once.
   */
  const interfaceNamesByKey = (vm: VirtualMachine, record: VmRecord): InterfaceNames => {
    const interfaces = vm.spec?.network?.interfaces ?? [];
    if (interfaces.length === 0) return NO_INTERFACE_NAMES;
    const devices = record.config.devices;
    if (!mutableNetworks)
      // Read as the status asks, without a table: a VM has a NIC or two.
      return (key) => {
        let nth = 0;
        for (const device of devices) {
          if (!isEthernetCard(device)) continue;
          if (device.key === key) return interfaces[nth]?.name;
          nth++;
        }
        return undefined;
      };
    const cards = devices.filter(isEthernetCard);
    const names = new Map<number, string>();
    for (const iface of interfaces) {
      const networkID = interfaceNetworkID(kube, vm, iface);
      if (!networkID) continue;
      const network = portgroupOf(vsphere, networkID);
      const mac = iface.macAddr?.toLowerCase();
      const at = cards.findIndex(
        (card) =>
          (!mac || String(card.macAddress).toLowerCase() === mac) &&
          isBackingOn(card.backing, vsphere.store, network),
      );
      if (at >= 0) names.set((cards.splice(at, 1)[0] as Device).key, iface.name);
    }
    return (key) => names.get(key);
  };
  /**
   * The NIC an orphaned NetworkInterface of the interface had: those labelled with its name
   * first, then those whose name ends with it; the NIC on the orphan's portgroup, whatever its MAC.
   */
  const orphanCardOf = (
    iface: string,
    orphans: readonly OrphanedInterface[],
    claim: (matches: (card: Device) => boolean) => Device | undefined,
    networkOf: (id: string) => string | undefined,
  ): Device | undefined => {
    const candidates = [
      ...orphans.filter((orphan) => orphan.iface === iface),
      ...orphans.filter((orphan) => orphan.iface === undefined && orphan.name.endsWith(`-${iface}`)),
    ];
    for (const orphan of candidates) {
      // A portgroup vSphere no longer has matches no NIC.
      const network = orphan.networkID ? networkOf(orphan.networkID) : undefined;
      const card = network && claim((c) => isBackingOn(c.backing, vsphere.store, network));
      if (card) return card;
    }
    return undefined;
  };
  /**
   * The orphans a powered-off VM's update has done with, deleted as vm-operator deletes them: an
   * error it logs and goes on from (the next update lists the orphan again).
   */
  const deleteOrphans = (namespace: string, orphans: readonly OrphanedInterface[]) => {
    for (const orphan of orphans)
      void kube.delete({ ...NIC_REF, namespace, name: orphan.name }).catch(() => {});
  };
  /** The reconcile's own writes of the VM's NetworkInterfaces. */
  const nicWrites = (key: string): NicWrites => ({
    create: (nic) => controller.ownWrite(key, () => kube.direct.create(nic)),
    update: (nic) => controller.ownWrite(key, () => kube.direct.update(nic)),
  });
  /** The guest a VM deploys with: its spec's, else its image's (vSphere's `otherGuest` for none). */
  const deployedGuestId = (vm: VirtualMachine, itemId: string): string =>
    vm.spec?.guestID || imageOvf(itemId)?.os?.id || 'otherGuest';
  const imageBootDiskBytes = (itemId: string): number => (imageOvf(itemId)?.disks[0]?.capacityKB ?? 0) * 1024;
  /** Where an ISO VM's files go: its image's library's datastore, where a deployment puts an OVF's. */
  const isoHome = (itemId: string): string => {
    const item = vsphere.store.get(itemId) as LibraryItemRecord;
    const datastore = (vsphere.store.get(item.library) as LibraryRecord | undefined)?.datastore;
    return `[${(datastore && vsphere.store.get(datastore)?.name) ?? ''}]`;
  };

  /**
   * Reverts the VM to a vSphere snapshot, then restores what the snapshot holds of it (see
   * revertedVm). Written without `ownWrite`: the restored VM's event brings it back, and that pass
   * fills its emptied status. The VM is marked as reverting (`snapshot-revert-in-progress`) while
   * the task runs. As in vm-operator, a task that fails, or a snapshot without the VM's resource,
   * leaves the mark: the VM's reconciles stop there until an administrator removes it. A
   * restored VM the webhook refuses (which vm-operator's write of it would fail on, and try the
   * revert again) is unmarked, reported and tried again.
   */
  const startRevert = (key: string, vm: VirtualMachine, snapshot: SnapshotRecord): ReconcileOutcome => {
    const task = vsphere.snapshot.revert(snapshot.id);
    const failed = (reason: string, message: string, error: Error, keepMark: boolean): never => {
      const current = storedVm(key);
      if (current)
        writeVerdicts(withRevertMark(current, keepMark), [isFalse(REVERT_CONDITION, reason, message)]);
      throw error;
    };
    const restore = () => {
      const current = storedVm(key);
      if (!current) return;
      const restored = revertedVm(current, snapshot);
      const why = (problem: string) => `failed to restore vm spec and metadata from snapshot: ${problem}`;
      if ('problem' in restored) {
        const message = why(restored.problem);
        return failed(REVERT_REASON.invalidManifest, message, new Error(message), true);
      }
      let updated: KubeObject;
      try {
        updated = kube.direct.update(asKube(restored));
      } catch (error) {
        if (!isKubeError(error)) throw error;
        const message = why(error.message);
        return failed(REVERT_REASON.failed, message, new Error(message), false);
      }
      kube.direct.updateStatus(merged(updated, { status: {} }));
    };
    // vm-operator's message is what the task's fault says under its revert keys, which the
    // model's faults do not carry: the condition's message is empty, the pass's error says why.
    const taskFailed = (fault: unknown) =>
      failed(
        REVERT_REASON.taskFailed,
        '',
        new Error(
          `failed to revert snapshot ${JSON.stringify(snapshot.name)}: ${(fault as Error).message ?? String(fault)}`,
        ),
        true,
      );
    const outcome = task.outcome();
    if (outcome) {
      if (!outcome.ok) return taskFailed(outcome.fault);
      restore();
      return undefined;
    }
    const marked = withRevertMark(vm, true);
    writeVerdicts(marked, [
      isFalse(REVERT_CONDITION, REVERT_REASON.inProgress, 'snapshot revert in progress'),
    ]);
    track(key, task.wait().then(restore, taskFailed));
    return undefined;
  };

  /** The VM with (or without) the mark of a revert in progress. */
  const withRevertMark = (vm: VirtualMachine, present: boolean): VirtualMachine => {
    if ((vm.metadata.annotations?.[REVERT_IN_PROGRESS_ANNOTATION] !== undefined) === present) return vm;
    const { [REVERT_IN_PROGRESS_ANNOTATION]: _, ...others } = vm.metadata.annotations ?? {};
    const annotations = present ? { ...others, [REVERT_IN_PROGRESS_ANNOTATION]: '' } : others;
    return write(asKube(merged(vm, { metadata: merged(vm.metadata, { annotations }) })), 'main');
  };

  /**
   * Takes the VM's next snapshot, marked in progress, then made; its backup, current since the
   * pass's backup step, is what the snapshot holds for a revert. More waiting requeue the VM.
   */
  const snapshotNext = (
    key: string,
    record: VmRecord,
    snapshot: Snapshot,
    more: boolean,
  ): ReconcileOutcome => {
    const marked = markSnapshot(snapshotDeps, snapshot, {
      status: 'False',
      reason: SNAPSHOT_REASON.creationInProgress,
      message: 'snapshot in progress',
    });
    takeSnapshot(snapshotDeps, key, record, marked);
    return more ? { requeue: true } : undefined;
  };

  const updatePath = (
    key: string,
    stored: VirtualMachine,
    record: VmRecord,
    read: DependencyReader,
    placement: NamespacePlacement | undefined,
    grouping: Grouping | undefined,
    fallthrough?: Fallthrough,
  ) => {
    const zone = placement?.zone;
    // The fault of the VM's last task fails the pass. As vm-operator, a VM going off is powered
    // off whatever its reconfiguration's fault: that one fails the pass once the power-off starts,
    // and stays for the next pass until then.
    const pending = failures.get(key);
    const goingOff =
      pending !== undefined &&
      reconfigureFaults.has(pending as object) &&
      record.powerState === 'poweredOn' &&
      stored.spec?.powerState === 'PoweredOff';
    if (pending !== undefined && !goingOff) {
      failures.delete(key);
      throw pending;
    }
    // The paused label first, which the status reads.
    const paused = pausedByAdmin(record);
    const labelled = withPausedLabel(stored, paused);
    const vm = labelled ? write(asKube(labelled), 'main') : stored;
    // A suspended VM's update is its resume alone: what its guest was told stays as it was.
    // Otherwise its interfaces are read once, for its network config and its GuestInfo.
    const suspended = record.powerState === 'suspended';
    const nics = suspended ? undefined : (fallthrough?.nics ?? readAddressing(kube, vm));
    const { config: networkConfig, dnsError } = suspended
      ? { config: vm.status?.network?.config, dnsError: undefined }
      : networkConfigOf(vm, nics, read);
    const from = statusFromVsphere(
      vsphere,
      record,
      interfaceNamesByKey(vm, record),
      zone,
      vm.status,
      networkConfig,
      sharedDisks || allDisksArePVCs,
      vm.spec?.volumes,
      allDisksArePVCs,
      vm.spec?.bootstrap?.cloudInit !== undefined,
    );
    const verdicts: Verdict[] = fallthrough ? fallthrough.verdicts.slice() : [];
    // The class and the bootstrap are read again on every update, as vm-operator does (the
    // deploy just did), but for a suspended VM, whose update is its resume alone.
    const rereads = !fallthrough && record.powerState !== 'suspended';
    const size: Resolved = fallthrough?.resolved ?? {};
    // A VM imported without a class is sized as it is: its class is its vSphere VM's own.
    const classVerdict = fallthrough || synthesizesClass(vm) ? undefined : checkClass(read, vm, size);
    const allocations = !fallthrough && size.vmClass && allocationsOf(size.vmClass);
    if (allocations) size.allocations = allocations;
    if (rereads && classVerdict) verdicts.push(classVerdict);
    // An update reads the resource policy only for a cluster module; the deploy just did.
    const group =
      record.powerState === 'suspended'
        ? undefined
        : vm.metadata.annotations?.[CLUSTER_MODULE_GROUP_ANNOTATION];
    const reread: Resolved = {};
    const policyVerdict = group && rereads ? checkPolicy(read, vm, reread, false) : undefined;
    if (policyVerdict) verdicts.push(policyVerdict);
    const bootstrap: Resolved = {};
    // What the bootstrap's check reads is what a backup keeps: recorded when there is one to make.
    const recording = rereads && vm.spec?.bootstrap && backedUp(vm) ? recordingReader(read) : undefined;
    const bootstrapVerdict = rereads ? checkBootstrap(recording?.reader ?? read, vm, bootstrap) : undefined;
    if (bootstrapVerdict) verdicts.push(bootstrapVerdict);
    verdicts.push(isTrue(CONDITION.created));
    addAnnotatedVerdicts(verdicts, vm);
    // As vm-operator's status update: the group link, or none without a group.
    if (!fallthrough) verdicts.push(grouping?.linked ?? NOT_GROUPED);
    addObservedVerdicts(verdicts, vm, record, from.network);
    // A refused customization stands over what the guest's tools report (nothing, while off),
    // until the VM runs.
    const refused = refusedCustomizations.get(key);
    if (refused && record.powerState !== 'poweredOff') refusedCustomizations.delete(key);
    else if (refused) {
      const observed = verdicts.findIndex((v) => v.type === CONDITION.guestCustomization);
      if (observed >= 0) verdicts[observed] = refused;
    }
    const probe = vm.spec?.readinessProbe;
    if (probe) {
      const ready = readinessVerdict(vsphere, vm, record, probe);
      verdicts.push(ready);
      // vm-operator records the probe's result as it comes or changes: Ready, or why not.
      if (conditionOf(vm.status?.conditions, 'Ready')?.status !== ready.status)
        events.normal(
          asKube(vm),
          ready.status === 'True' ? 'Ready' : ready.reason,
          ready.status === 'True' ? '' : ready.message,
        );
    }
    const location = locationVerdict(vsphere.store, record, placement);
    if (location) verdicts.push(location);
    // With VMSharedDisks, the spec's controllers, volumes and CD-ROMs checked against vSphere's.
    if (sharedDisks)
      verdicts.push(
        ...hardwareVerdicts(
          vm,
          record,
          from.volumes,
          cdromSources(read, vm.metadata.namespace as string, true).fileOf,
        ),
      );
    // What the schema upgrade does, written after the status as vm-operator's runs after it, its
    // condition in the status (the upgrade's outcome: this pass ends it).
    const upgrade = schemaUpgradeOf(vm, record, activatedFeatures, vsphere.random);
    if (upgrade.verdict) verdicts.push(upgrade.verdict);
    // A VM marked as reverting is left as it is, its revert's condition too, until the mark goes
    // (vm-operator's snapshot reconcile returns first).
    const reverting = vm.metadata.annotations?.[REVERT_IN_PROGRESS_ANNOTATION] !== undefined;
    const revert =
      !reverting && vm.spec?.currentSnapshotName ? revertCheck(snapshotDeps, vm, record) : undefined;
    const guestId = guestIdOnUpdate(vm, record);
    if (guestId) verdicts.push(guestId);
    if (revert?.verdict) verdicts.push(revert.verdict);
    else if (!revert && !reverting && vm.status?.conditions?.some((c) => c.type === REVERT_CONDITION))
      verdicts.push(NO_REVERT);
    // With incremental restores, a backup that cannot go on says why in this pass's status.
    const backupHold = incrementalRestore && backedUp(vm) ? backupBlocked(vm, record) : undefined;
    if (backupHold) verdicts.push(isFalse(BACKUP_CONDITION, backupHold.reason, backupHold.message));
    // With VMResize, the class the VM names, read once for its condition and its resize.
    const vmClass = vmResize
      ? read.get<VirtualMachineClass>(
          CLASS.apiVersion,
          CLASS.kind,
          vm.metadata.namespace,
          vm.spec?.className ?? '',
        )
      : undefined;
    if (vmResize) verdicts.push(classSyncedVerdict(vm, vmClass));
    // With Bring Your Own Key, the crypto reconciler's plan: its condition and status now, its
    // changes in the reconfiguration below (vm-operator's reconcile patches its status at the end).
    // The plan without device changes is the status's; drive asks again only for a spec with a
    // virtual TPM's change, which the checks judge.
    const encrypted = byok && encryptedStorageClass(read, vm);
    const crypto = byok
      ? planUpdate(read, vsphere, vm, record, cryptoInputs(encrypted, NO_DEVICE_CHANGES), paused)
      : undefined;
    const cryptoOf =
      crypto &&
      ((changes: readonly VirtualDeviceConfigSpec[]) =>
        changes === NO_DEVICE_CHANGES
          ? crypto
          : planUpdate(read, vsphere, vm, record, cryptoInputs(encrypted, changes), paused));
    if (crypto?.verdict) verdicts.push(crypto.verdict);
    // With VMResize the status names the class the VM was last sized to (none yet: as it was).
    const className = vmResize ? lastResizedOf(vm)?.name || vm.status?.class?.name : vm.spec?.className;
    const status: NonNullable<VirtualMachine['status']> = merged(
      withoutVolatile(vm.status),
      from,
      className ? { class: classRef(className) } : {},
      { conditions: withVerdicts(vm.status?.conditions, verdicts, now(), sharedConditions) },
    );
    if (!vm.spec?.className) delete status.class;
    if (crypto?.status === null) delete status.crypto;
    else if (crypto?.status) status.crypto = crypto.status;
    const children =
      record.snapshots || status.currentSnapshot || status.rootSnapshots
        ? applySnapshotTree(kube, vsphere, record, vm.metadata.namespace as string, status)
        : undefined;
    let written = writeStatus(vm, status);
    if (children) writeSnapshotChildren(kube, children);
    // Moved out of its place: left as it is until vSphere reports it back (which requeues it).
    if (location?.status === 'False') return undefined;
    // The schema upgrade, in one write: vm-operator ends a pass after each of its two writes, and
    // the next, which each write brings at once, goes on.
    const upgraded = upgrade.changes ? withUpgrade(written, upgrade.changes) : written;
    // A deployment that powered the VM on is marked as vm-operator's update that powers it on marks it.
    const booted = fallthrough && record.powerState === 'poweredOn' ? withFirstBootDone(upgraded) : upgraded;
    // A deployment that carried a cloud-init bootstrap's GuestInfo leaves nothing to bootstrap:
    // the VM records that spec's hash in the same write.
    const annotated =
      fallthrough && cloudInitOf(vm) && record.config.vAppConfig === undefined
        ? withBootstrapHash(booted, guestInfoEncodings.hashOf(key, BOOTSTRAPPED))
        : booted;
    if (annotated !== written) written = write(asKube(annotated), 'main');
    // The bootstrap's resources a backup keeps (read again when this pass did not read them); none
    // for a VM not backed up or whose backup is held.
    const resources =
      backupHold || !backedUp(vm)
        ? undefined
        : recording && bootstrapVerdict?.status !== 'False'
          ? recording.read
          : // A key missing or empty stops the bootstrap, not the backup: its Secrets exist.
            bootstrapResources(read, vm);
    if (backingUp(key, written, record, read, resources)) return undefined;
    // As vm-operator: a revert marked in progress stops the update; one that can start runs first.
    if (vm.metadata.annotations?.[REVERT_IN_PROGRESS_ANNOTATION] !== undefined) return undefined;
    if (revert?.snapshot) return startRevert(key, written, revert.snapshot);
    // Paused by an administrator: neither configured nor powered (vm-operator's ErrIsPaused), but
    // for its manager and name.
    if (paused) {
      // Its disks promoted, and with AllDisksArePVCs registered, all the same, as vm-operator's
      // reconfigure does.
      const first = firstReconcilers(key, written, record);
      if ('stop' in first) return undefined;
      const spec = withDeviceChanges(pausedReconfiguration(first.vm, record), first.edits);
      // With Bring Your Own Key, its failure read as any update's (the crypto reconciler did nothing).
      if (spec) track(key, reconfigure(key, record, spec, crypto?.operation));
      return undefined;
    }
    // As vm-operator, an error of the VM's configuration stops the update but for a power-off
    // from on, which still runs.
    const poweringOff = record.powerState === 'poweredOn' && vm.spec?.powerState === 'PoweredOff';
    // A class or a bootstrap that cannot be read stops the update, as vm-operator's reconcile
    // error does: a missing class an error of the reconcile, but for a VM that stays powered
    // off, whose update is a resize that goes on without it.
    const resizing = record.powerState === 'poweredOff' && vm.spec?.powerState !== 'PoweredOn';
    if (rereads && classVerdict?.status === 'False' && !poweringOff && !resizing)
      throw updateFailed(classVerdict.message);
    if (bootstrapVerdict?.status === 'False') {
      if (!poweringOff) return undefined;
    } else if (
      bootstrapVerdict &&
      guestInfoChanged(key, written, record, cloudInitBootstrap(key, written, record, read, bootstrap, nics))
    )
      return undefined;
    // No module for a suspended VM, as vm-operator's update of one is its resume alone.
    let member = written;
    let moduleError: unknown;
    if (group)
      try {
        const policy = fallthrough ? fallthrough.resolved.policy : reread.policy;
        member = joinClusterModule(written, record, group, policy, policyVerdict);
      } catch (error) {
        moduleError = error;
      }
    if (moduleError !== undefined && !poweringOff) throw moduleError;
    // With VMResize the class sizes a powered-off VM only when a resize is needed, then is recorded.
    // (Only with the class found: while it is missing the VM keeps the mark of the one it had.)
    const resize = vmClass ? resizeNeeded(member, vmClass) : false;
    const onTheWayOff: WayOff = goingOff ? { failedSpec: reconfigureFaults.get(pending as object) } : {};
    const started = drive(
      key,
      member,
      record,
      resize && wholeResize
        ? resizedTo(member, size, vmClass as VirtualMachineClass)
        : vmResize && !resize
          ? {}
          : size,
      read,
      (fallthrough?.resolved ?? bootstrap).bootstrapData ?? {},
      resize
        ? () => {
            const current = storedVm(key);
            if (current) recordResized(current);
          }
        : undefined,
      onTheWayOff,
      cryptoOf,
      dnsError,
    );
    if (goingOff) {
      failures.delete(key);
      throw pending;
    }
    if (onTheWayOff.configError !== undefined) throw onTheWayOff.configError;
    if (moduleError !== undefined) throw moduleError;
    if (upgrade.error) throw upgrade.error;
    if (typeof started === 'number') return { requeueAfter: started };
    if (started) return undefined;
    // As vm-operator, a revert that cannot be made fails the pass once its snapshots are taken;
    // with FastDeploy, none is taken until the VM's disks are promoted (unless it never promotes);
    // with AllDisksArePVCs, until they are registered (vSphere registers no disk with a
    // snapshot's delta).
    const next = disksRegistered(key) && disksPromoted(member) ? nextSnapshot(kube, member) : undefined;
    const taking = next && snapshotNext(key, record, next.snapshot, next.more);
    if (revert?.error) throw revert.error;
    if (next) return taking;
    const waitingForIp =
      record.powerState === 'poweredOn' &&
      (vm.spec?.network?.interfaces?.length ?? 0) > 0 &&
      !record.guest.ipAddress;
    return waitingForIp ? { requeue: true } : undefined;
  };

  // --- reconcile -----------------------------------------------------------------

  const reconcile = (key: string) => {
    const { namespace, name } = parseObjectKey(key);
    const ref =
      namespace === undefined
        ? { apiVersion: VM.apiVersion, kind: VM.kind, name }
        : { apiVersion: VM.apiVersion, kind: VM.kind, name, namespace };
    const vm = kube.direct.get(ref) as unknown as VirtualMachine | undefined;
    if (!vm) {
      forget(key);
      return undefined;
    }
    if (vm.metadata.annotations?.[PAUSED_ANNOTATION] !== undefined) return undefined;
    if (vm.metadata.deletionTimestamp) return awaitingOr(key, deletePath(key, vm));
    if (busy.has(key)) return AWAITING;
    // With FastDeploy, a VM waiting for its image's cache goes on once that is ready (vm-operator's
    // isVMICacheReady; its create unmarks it); until then the cache's change alone brings it back.
    const waitingFor = usesFastDeploy(vm) ? vm.metadata.labels?.[VMI_CACHE_LABEL] : undefined;
    if (waitingFor !== undefined && !cacheReadyFor(vm, imageCacheOf(waitingFor))) return undefined;
    const deps: Dependency[] = [];
    const read = readerFor(deps);
    try {
      const record = lookedUp(key, vm, 'ReconcileNormal');
      const grouping = vm.spec?.groupName ? groupingOf(key, read, vm, record !== undefined) : undefined;
      // A VM its group has not placed yet has no zone: not the namespace's first either.
      const placement =
        grouping && !grouping.placed
          ? undefined
          : placementFor(read, vm, vm.metadata.labels?.[ZONE_LABEL] ?? grouping?.zone, record);
      // A zone chosen among several is labelled once the VM is there (see createPath), as
      // vm-operator labels a VM in the create that places it.
      const zone = record || !placement?.chosen ? placement?.zone : undefined;
      // With VMResize, a VM is marked with its class before it is made, as vm-operator's create marks it.
      const unmarked =
        vmResize && !record && vm.metadata.annotations?.[LAST_RESIZED_ANNOTATION] === undefined;
      const current = withFinalizer(vm, zone, unmarked ? classMark(vm) : undefined);
      const outcome = record
        ? updatePath(key, current, record, read, placement, grouping)
        : createPath(key, current, read, placement, grouping);
      if (!deployed.has(key)) parked.set(key, controller.queue.priorityOf(key) ?? DEFAULT_PRIORITY);
      // vm-operator records every update of a VM it finds: this pass's, or the one a blocking
      // create falls through to (the VM then known to be deployed).
      if (deployed.has(key)) events.emit(asKube(vm), 'Update', undefined);
      return awaitingOr(key, outcome);
    } catch (error) {
      if (deployed.has(key)) events.emit(asKube(vm), 'Update', error);
      throw error;
    } finally {
      remember(key, deps);
    }
  };

  /**
   * The group a VM names, as its reconcile sees it. Read as a dependency until the VM is
   * deployed (the group's placement requeues it), plainly afterwards (as vm-operator, a group's
   * later changes do not requeue its deployed VMs).
   */
  const groupingOf = (
    key: string,
    read: DependencyReader,
    vm: VirtualMachine,
    deployed: boolean,
  ): Grouping => {
    const namespace = vm.metadata.namespace as string;
    const name = vm.spec?.groupName as string;
    const group = (
      deployed
        ? kube.direct.get({ ...GROUP, namespace, name })
        : read.get(GROUP.apiVersion, GROUP.kind, namespace, name)
    ) as VirtualMachineGroup | undefined;
    const linked = groupLinkedVerdict('VirtualMachine', vm, group);
    if (deployed) return { linked, placed: true, zone: undefined };
    // A VM not linked is not placed, whatever its zone label says.
    if (linked.status !== 'True') return { linked, placed: false, zone: undefined };
    const placement = groupPlacementOf(group, vm);
    const label = vm.metadata.labels?.[ZONE_LABEL];
    // A zone label places the VM outside its group, but the one written with the finalizer from
    // its group's placement until a create is placed (vm-operator labels the VM only then).
    if (label && (label !== placement?.zoneID || groupPlaced.has(key)))
      return { linked, placed: true, zone: undefined };
    if (!placement) return { linked, placed: false, zone: undefined };
    return { linked, placed: true, zone: placement.zoneID, byGroup: { node: placement.node } };
  };

  /** A pass that left a vSphere operation in flight awaits it: its end requeues the VM (see track). */
  const awaitingOr = (key: string, outcome: ReconcileOutcome): ReconcileOutcome =>
    outcome === undefined && busy.has(key) ? AWAITING : outcome;

  /** VMs being deployed into each zone, which DRS counts where they go. */
  const deploying = new Map<string, number>();
  const pending = (zone: string) => deploying.get(zone) ?? 0;
  const chooseForNew = leastLoadedZone(vsphere, pending);

  /**
   * vm-operator's choice for a VM with instance storage, which asks each zone's cluster for a host
   * (PlaceVm) and takes one of the recommendations at random; the first zone when none has one
   * (see instanceStorageHost).
   */
  const chooseForInstanceStorage: ZoneChooser = (candidates) => {
    const datastore = deps.claimDatastore?.();
    const recommended = candidates.filter(
      (c) => vsphere.computeResource.recommendHost(c.pool, datastore) !== undefined,
    );
    return recommended.length > 0 ? recommended[vsphere.random.below(recommended.length)] : candidates[0];
  };

  /**
   * DRS's choice for a new VM: under vCenter's admission control, among the zones whose pool
   * has room for its class's reservations (MHz, MB), as DRS places only where it may power on.
   */
  const chooserFor = (read: DependencyReader, vm: VirtualMachine) => {
    if (instanceStorage && hasInstanceStorage(vm)) return chooseForInstanceStorage;
    if (!vsphere.options.admissionControl || !vm.spec?.className) return chooseForNew;
    const vmClass = read.get<VirtualMachineClass>(
      VM_OPERATOR_API_VERSION,
      'VirtualMachineClass',
      vm.metadata.namespace,
      vm.spec.className,
    );
    const allocations = vmClass && allocationsOf(vmClass);
    if (!reservesAny(allocations)) return chooseForNew;
    const cpu = allocations?.cpu.reservation ?? 0;
    const memory = allocations?.memory.reservation ?? 0;
    return leastLoadedZone(vsphere, pending, (id) => {
      const pool = vsphere.store.get(id) as ResourcePoolRecord | undefined;
      return (
        pool?.kind === 'ResourcePool' &&
        poolUsage(vsphere.store, pool, 'cpu').unreserved >= cpu &&
        poolUsage(vsphere.store, pool, 'memory').unreserved >= memory
      );
    });
  };

  /**
   * Where the VM goes: the zone its label names (it was placed there, or its creator chose it),
   * else the namespace's only one; of several, the one DRS picks for a new VM, or the one that
   * holds a deployed VM's pool.
   */
  const placementFor = (
    read: DependencyReader,
    vm: VirtualMachine,
    zone: string | undefined,
    record?: VmRecord,
  ) =>
    placementOf(
      read.get('v1', 'Namespace', undefined, vm.metadata.namespace as string),
      read.list(TOPOLOGY_API_VERSION, 'Zone', vm.metadata.namespace as string),
      zone,
      zone !== undefined ? undefined : record ? zoneHolding(vsphere, record.pool) : chooserFor(read, vm),
    );

  /** The finalizer, and the zone label once the zone is chosen (a label set stays), in one write. */
  const withFinalizer = (vm: VirtualMachine, zone: string | undefined, resizeMark: string | undefined) => {
    const finalizers = vm.metadata.finalizers ?? [];
    const labels = vm.metadata.labels ?? {};
    const annotations = vm.metadata.annotations ?? {};
    const needsZone = zone !== undefined && !labels[ZONE_LABEL];
    // The vCenter managing the VM, as vm-operator reads it from its ServiceContent.
    const managerId = vsphere.about.instanceUuid;
    const needsManager = annotations[MANAGER_ID_ANNOTATION] !== managerId;
    if (finalizers.includes(VM_FINALIZER) && !needsZone && !needsManager && resizeMark === undefined)
      return vm;
    const metadata = merged(vm.metadata, {
      finalizers: finalizers.includes(VM_FINALIZER) ? finalizers : finalizers.concat(VM_FINALIZER),
    });
    if (needsZone) metadata.labels = merged(labels, { [ZONE_LABEL]: zone });
    // vm-operator marks the VM with its vCenter before it creates or updates it.
    if (needsManager || resizeMark !== undefined)
      metadata.annotations = merged(
        annotations,
        resizeMark === undefined
          ? { [MANAGER_ID_ANNOTATION]: managerId }
          : { [MANAGER_ID_ANNOTATION]: managerId, [LAST_RESIZED_ANNOTATION]: resizeMark },
      );
    return write(asKube(merged(vm, { metadata })), 'main');
  };

  const controller = manager.controller({ name: VIRTUAL_MACHINE_CONTROLLER, reconcile });
  controller.watches(kube, VM, undefined, vmEventPriority);
  // With FastDeploy, a cache whose hardware is ready: the VMs that wait for it
  // (VirtualMachineImageCacheToItemMapper).
  if (fastDeploy)
    controller.watches(kube, { apiVersion: VM.apiVersion, kind: 'VirtualMachineImageCache' }, (cache) =>
      wakesWaiters(cache)
        ? kube.direct
            .list(VM.apiVersion, VM.kind)
            .filter((vm) => vm.metadata.labels?.[VMI_CACHE_LABEL] === cache.metadata.name)
            .map((vm) => objectKey({ namespace: vm.metadata.namespace, name: vm.metadata.name ?? '' }))
        : [],
    );
  const vmOfKey = (key: string) => kube.direct.get({ ...VM, ...parseObjectKey(key) });
  /** A VM queued by what vSphere reports of it, as vm-operator's asynchronous signals queue it. */
  const requeueFromVsphere = (key: string) =>
    controller.enqueue(key, vmPriorityOf(vmOfKey(key), EVENT_PRIORITY.generic));
  /** A VM another object's event wakes: at the priority it waits with (see parked), else the default. */
  const wokenPriority: EventPriority = (_event, key) => parked.get(key) ?? DEFAULT_PRIORITY;
  // With Bring Your Own Key, an EncryptionClass too: its change is that of the VMs that read it
  // (vm-operator's EncryptionClassToVirtualMachineMapper maps it to those that name it).
  for (const target of byok ? [...DEPENDENCY_KINDS, ENCRYPTION_CLASS] : DEPENDENCY_KINDS)
    controller.watches(
      kube,
      target,
      (object) => [
        ...readersOf(dependencyOf(target.kind, object.metadata.namespace, object.metadata.name as string)),
        ...readersOf(dependencyOf(target.kind, object.metadata.namespace, '*')),
      ],
      wokenPriority,
    );
  // A VM's NetworkInterfaces are its own (see network.ts): their changes requeue their owner.
  controller.watches(
    kube,
    { apiVersion: NET_OPERATOR_API_VERSION, kind: 'NetworkInterface' },
    (nic) => {
      const owner = controllerOf(nic);
      // vm-operator's VirtualMachine, of any served version; not another group's kind of that name.
      return owner?.kind === VM.kind && versionOf(owner.apiVersion) !== undefined
        ? [objectKey({ namespace: nic.metadata.namespace, name: owner.name })]
        : undefined;
    },
    wokenPriority,
  );
  // As vm-operator: a group's change requeues the VMs it has linked that do not say so yet, or
  // are not placed (a deployed VM reads its group without following it).
  controller.watches(
    kube,
    GROUP,
    (object) => {
      const group = object as unknown as VirtualMachineGroup;
      const namespace = object.metadata.namespace as string;
      const keys: string[] = [];
      for (const member of group.status?.members ?? []) {
        if (
          member.kind !== 'VirtualMachine' ||
          !isConditionTrue(member.conditions, MEMBER_CONDITION.groupLinked)
        )
          continue;
        const vm = kube.direct.get({ ...VM, namespace, name: member.name }) as unknown as
          | VirtualMachine
          | undefined;
        if (!vm || vm.spec?.groupName !== object.metadata.name) continue;
        const conditions = vm.status?.conditions;
        if (
          !isConditionTrue(conditions, MEMBER_CONDITION.groupLinked) ||
          !isConditionTrue(conditions, CONDITION.placementReady)
        )
          keys.push(objectKey({ namespace, name: member.name }));
      }
      return keys;
    },
    wokenPriority,
  );
  // With AllDisksArePVCs, as vm-operator: a CnsRegisterVolume's change requeues the VMs that own it.
  if (allDisksArePVCs)
    controller.watches(
      kube,
      CNS_REGISTER_VOLUME,
      // The owners it had too, as controller-runtime maps an update's old object and its new.
      (object, _event, old) =>
        [...(old?.metadata.ownerReferences ?? []), ...(object.metadata.ownerReferences ?? [])]
          .filter((owner) => owner.kind === VM.kind)
          .map((owner) => objectKey({ namespace: object.metadata.namespace, name: owner.name })),
      wokenPriority,
    );
  // As vm-operator: a snapshot's change requeues the VM it names.
  controller.watches(
    kube,
    VM_SNAPSHOT,
    (object) => {
      const vmName = (object as unknown as Snapshot).spec?.vmName;
      return vmName ? [objectKey({ namespace: object.metadata.namespace, name: vmName })] : undefined;
    },
    wokenPriority,
  );
  const unsubscribe = vsphere.store.subscribe((batch: Batch<InventoryRecord>) => {
    for (const change of batch.changes) {
      // A deployment's batch also writes its task, datastore, folder, host, pool and networks.
      if ((change.after ?? change.before)?.kind !== 'VirtualMachine') continue;
      const key = byMoref.get(change.id);
      // While a task of the VM runs, its end requeues the VM: the changes it makes do not.
      if (key !== undefined && !busy.has(key)) requeueFromVsphere(key);
    }
  });
  return { controller, stop: unsubscribe };
}

/** Whether a class's allocations reserve any CPU or memory: what admission control may refuse. */
const reservesAny = (allocations: ClassAllocations | undefined): boolean =>
  (allocations?.cpu.reservation ?? 0) > 0 || (allocations?.memory.reservation ?? 0) > 0;

/**
 * With VMResize, what a VM is resized to: its class's size and config spec as a whole (vm-operator's
 * CreateResizeConfigSpec). A config spec that does not decode fails the pass (ClassConfigSpecError),
 * as it fails vm-operator's resize, and the VM is not marked resized.
 */
function resizedTo(vm: VirtualMachine, size: Resolved, vmClass: VirtualMachineClass): ClassSize {
  const config = classConfigOf(vmClass);
  return { ...size, resizeTo: { config, extraConfig: resizeExtraConfig(vm, vmClass, config) } };
}

/**
 * The configuration a VM deploys with: its class's size, its UUIDs, its NICs, its cloud-init
 * GuestInfo. Set field by field: a literal of conditional spreads is several times slower.
 */
function deployConfig(
  vm: VirtualMachine,
  resolved: Resolved,
  classConfig: ClassConfig,
  image: () => OvfDescriptor | undefined,
  nics: NonNullable<DeployConfig['nics']>,
  cloudInitGuestInfo: DeployConfig['extraConfig'],
): DeployConfig {
  const config: DeployConfig = { managedBy: VM_SERVICE_MANAGED_BY };
  if (resolved.numCPU !== undefined) config.numCPU = resolved.numCPU;
  if (classConfig.numCoresPerSocket !== undefined) config.numCoresPerSocket = classConfig.numCoresPerSocket;
  if (resolved.memoryMB !== undefined) config.memoryMB = resolved.memoryMB;
  // vSphere's defaults (every VM of a class that reserves nothing) go without saying.
  const allocations = resolved.allocations;
  if (allocations && !isDefaultAllocation(allocations.cpu)) config.cpuAllocation = allocations.cpu;
  if (allocations && !isDefaultAllocation(allocations.memory)) config.memoryAllocation = allocations.memory;
  if (classConfig.latencySensitivity) config.latencySensitivity = classConfig.latencySensitivity;
  if (vm.spec?.biosUUID) config.uuid = vm.spec.biosUUID;
  if (vm.spec?.instanceUUID) config.instanceUuid = vm.spec.instanceUUID;
  if (vm.spec?.guestID) config.guestId = vm.spec.guestID;
  for (const flag of HOT_PLUG_FLAGS) if (classConfig[flag] !== undefined) config[flag] = classConfig[flag];
  // vm-operator's create config spec: the spec's firmware over the image's, the class's without either.
  const firmware = vm.spec?.bootOptions?.firmware;
  if (firmware === 'bios' || firmware === 'efi') config.firmware = firmware;
  else if (classConfig.firmware && !image()?.firmware) config.firmware = classConfig.firmware;
  const tracking = vm.spec?.advanced?.changeBlockTracking;
  if (tracking !== undefined) config.changeTrackingEnabled = tracking;
  const version = createHardwareVersion(
    vm,
    () => hardwareVersionNumber(image()?.hardwareVersion) ?? 0,
    classConfig,
  );
  if (version !== undefined) config.version = version;
  config.nics = nics;
  if (classConfig.deviceChange.length > 0) config.deviceChange = classConfig.deviceChange;
  const extraConfig = createExtraConfig(vm, resolved.vmClass, classConfig);
  // A cloud-init VM is deployed without its image's vApp options, as vm-operator's bootstrap
  // removes them before the first boot; its GuestInfo goes over the create's extra config.
  if (cloudInitGuestInfo) {
    extraConfig.push(...cloudInitGuestInfo);
    config.vAppConfigRemoved = true;
  }
  config.extraConfig = extraConfig;
  // vm-operator's first update removes the CD-ROMs no spec entry names from a VM with
  // `spec.hardware` (every VM created with its default IDE controllers): it is deployed without.
  if (vm.spec?.hardware) config.withoutCdrom = true;
  return config;
}

/** What a VM made of an image's cached disks (FastDeploy) takes of the image. */
interface ImageParts {
  readonly ovf: OvfDescriptor | undefined;
  /** Its disks (and their controller), as fast-deploy.ts makes them. */
  readonly disks: NonNullable<VmConfigSpec['deviceChange']>;
  /** Extra config of its own (a linked VM's `vmprov.keepDisks`). */
  readonly extraConfig: readonly { key: string; value: string }[];
  readonly storagePolicyId: string | undefined;
}

/**
 * CreateVM_Task's spec of a VM vm-operator creates rather than deploys (an ISO VM, or one of an
 * image's cached disks): the configuration a deployment would give it, its NICs (of its class's
 * types, else VMXNET3; net-operator's MACs) and its class's devices; and, of an image, what its
 * OVF gives where the VM and its class give nothing (guest, hardware version, firmware, extra
 * config, vApp options, as vm-operator's create config spec takes them), its disks and its policy.
 */
function createVmSpec(
  vsphere: VSphere,
  vm: VirtualMachine,
  config: DeployConfig,
  home: string,
  annotation: string,
  image?: ImageParts,
): VmConfigSpec {
  const spec: { -readonly [K in keyof VmConfigSpec]: VmConfigSpec[K] } = {
    name: vm.metadata.name as string,
    files: { vmPathName: home },
    annotation,
  };
  if (config.numCPU !== undefined) spec.numCPUs = config.numCPU;
  for (const field of SPEC_FIELDS_OF_A_DEPLOYMENT)
    if (config[field] !== undefined) (spec as Record<string, unknown>)[field] = config[field];
  const nics = (config.nics ?? []).map((nic, i): VirtualDeviceConfigSpec => {
    const id = typeof nic.network === 'string' ? nic.network : nic.network.value;
    return {
      operation: 'add',
      device: {
        _type: nic.type ?? 'VirtualVmxnet3',
        key: -100 - i,
        backing: { network: { type: vsphere.store.get(id)?.kind ?? 'Network', value: id } },
        ...(nic.macAddress ? { addressType: 'manual', macAddress: nic.macAddress } : {}),
      },
    };
  });
  spec.deviceChange = [...nics, ...(config.deviceChange ?? []), ...(image?.disks ?? [])];
  if (!image) return spec;
  const { ovf } = image;
  spec.guestId ??= ovf?.os?.id ?? 'otherGuest';
  if (ovf) spec.version ??= ovf.hardwareVersion;
  if (ovf?.firmware) spec.firmware ??= ovf.firmware;
  const own = new Set([...(config.extraConfig ?? []), ...image.extraConfig].map((o) => o.key));
  spec.extraConfig = [
    ...(ovf?.extraConfig ?? []).filter((o) => !own.has(o.key)),
    ...(config.extraConfig ?? []),
    ...image.extraConfig,
  ];
  const vApp = ovf && !config.vAppConfigRemoved ? vAppConfigOfOvf(ovf) : undefined;
  // vm-operator's create takes the image's vApp options whole, its expression and IP properties as strings.
  if (vApp)
    spec.vAppConfig = {
      property: vApp.properties.map((info) => ({
        operation: 'add',
        info: /^(expression|ip(:.*)?)$/.test(info.type) ? { ...info, type: 'string' } : info,
      })),
      ...(vApp.ovfEnvironmentTransport ? { ovfEnvironmentTransport: vApp.ovfEnvironmentTransport } : {}),
    };
  if (image.storagePolicyId)
    spec.vmProfile = [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: image.storagePolicyId }];
  if (config.crypto) spec.crypto = config.crypto;
  return spec;
}

/** What a deployment's configuration and a VirtualMachineConfigSpec name alike (CPUs are `numCPUs` in the latter). */
const SPEC_FIELDS_OF_A_DEPLOYMENT = [
  'managedBy',
  'numCoresPerSocket',
  'memoryMB',
  'guestId',
  'uuid',
  'instanceUuid',
  'firmware',
  'version',
  'changeTrackingEnabled',
  ...HOT_PLUG_FLAGS,
  'cpuAllocation',
  'memoryAllocation',
  'latencySensitivity',
  'extraConfig',
] as const satisfies readonly (keyof DeployConfig & keyof VmConfigSpec)[];

/**
 * Status fields only vSphere decides: dropped before they are read back, so a powered-off VM
 * has no IP and a VM without disks no volumes.
 */
function withoutVolatile(status: VirtualMachine['status']): NonNullable<VirtualMachine['status']> {
  if (!status) return {};
  const { network: _, volumes: __, ...rest } = status;
  return rest;
}

/** govmomi's error for a library deployment vAPI reports failed: its message behind `deploy error: `. */
const deployError = (fault: unknown): Error =>
  new Error(`deploy error: ${fault instanceof Error ? fault.message : String(fault)}`);

const NO_DEVICE_CHANGES: readonly VirtualDeviceConfigSpec[] = Object.freeze([]);

/** The portgroup (or network) whose key or moref value net-operator reported. */
function portgroupOf(vsphere: VSphere, networkID: string): string {
  if (vsphere.store.get(networkID)) return networkID;
  for (const record of vsphere.store.ofKind<NetworkRecord>('DistributedVirtualPortgroup'))
    if (record.key === networkID) return record.id;
  return networkID;
}
