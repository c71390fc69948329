/**
 * A Supervisor: vm-operator's controllers and a minimal net-operator, running on the
 * simulator's scheduler against its vCenter model and object store. `createSupervisor`
 * registers nothing in the store (the kinds are registered by whoever made the store) and
 * starts every controller; `prepareNamespace` makes a namespace ready for VMs.
 */
import {
  type ComputeResourceRecord,
  checkOptionKeys,
  datacenterOf,
  type OptionKeys,
  type VSphere,
} from '@vsim/vsphere';
import type { VirtualMachineServiceCapabilities } from './api/vm-service-validation.js';
import { SUPERVISOR_PROPERTIES } from './appplatform-kinds.js';
import {
  startClaimProtectionController,
  startCnsAttachmentController,
  startCnsBatchAttachmentController,
  startCnsRegisterVolumeController,
  startCsiProvisioner,
  startCsiResizer,
  startCsiVolumeSync,
  startPersistentVolumeController,
} from './controllers/csi/index.js';
import { startImageCacheController } from './controllers/image-cache/image-cache.js';
import { type ImageController, startImageController } from './controllers/images/image-controller.js';
import {
  type NetworkInterfaceController,
  type NetworkInterfaceControllerOptions,
  startNetworkInterfaceController,
} from './controllers/net-operator/index.js';
import {
  type PublishRequestController,
  startGroupPublishRequestController,
  startPublishRequestController,
} from './controllers/publish/index.js';
import { startResourceQuotaController } from './controllers/quota/resource-quota.js';
import type { RecorderFor } from './controllers/recorders.js';
import {
  type ResourcePolicyController,
  startResourcePolicyController,
} from './controllers/resource-policy/index.js';
import { startStoragePolicyControllers } from './controllers/storage/storage-policies.js';
import {
  startVirtualMachineController,
  type VirtualMachineController,
} from './controllers/virtualmachine/index.js';
import { startVirtualMachineClassController } from './controllers/vm-class/class-instances.js';
import { startVirtualMachineGroupController } from './controllers/vm-group/index.js';
import { startVirtualMachineReplicaSetController } from './controllers/vm-replicaset/index.js';
import {
  SUPERVISOR_API_ADDRESS,
  startVirtualMachineServiceController,
  type VirtualMachineServiceController,
  type VirtualMachineServiceControllerOptions,
} from './controllers/vm-service/index.js';
import { startVirtualMachineSnapshotController } from './controllers/vm-snapshot/index.js';
import { startVolumeBatchController, startVolumeController } from './controllers/volume/index.js';
import { PROXY_SERVICE, startWebConsoleRequestControllers } from './controllers/webconsole/index.js';
import {
  NETWORK_CONFIG_MAP,
  PROVIDER_CONFIG_MAP,
  PROVIDER_CREDENTIALS_SECRET,
  TOPOLOGY_API_VERSION,
  VM_OPERATOR_NAMESPACE,
} from './namespaces/layout.js';
import { startNamespaceController } from './namespaces/namespace-controller.js';
import {
  ensure,
  firstDatastoreOf,
  type NamespaceChanges,
  type PrepareContext,
  type PreparedNamespace,
  type PrepareNamespaceOptions,
  prepareNamespace,
  updateNamespace,
} from './namespaces/prepare.js';
import { VmClassCatalog } from './namespaces/vm-class-catalog.js';
import { type Controller, VM_OPERATOR_REQUEUE_DELAY, VM_OPERATOR_SYNC_PERIOD } from './runtime/controller.js';
import { eventRecorder } from './runtime/events.js';
import { objectKey } from './runtime/keys.js';
import { type ControllerDefaults, Manager, type ManagerStats } from './runtime/manager.js';
import type { FieldValidation, KubeStore } from './store/kube-store.js';

export interface SupervisorOptions {
  /** The vSphere cluster the Supervisor runs on: its name or moref value (default: the first cluster). */
  cluster?: string;
  /**
   * The vSphere clusters of a Supervisor on several zones, one zone each (vSphere's three-zone
   * Supervisor), by name or moref value, all in one datacenter; instead of `cluster`.
   */
  clusters?: readonly string[];
  /** Namespaces to prepare at once. */
  namespaces?: readonly string[];
  /**
   * `instant` (the default): work is due as soon as it is asked for. `realistic`:
   * vm-operator's 10 s requeues with up to 10% jitter, deployments, power operations and
   * deletions that take time, and guests that report their addresses 20 s after they boot
   * (for every VM and client of the simulator), all on its clock.
   */
  timing?: 'instant' | 'realistic';
  /** Where net-operator attaches interfaces (default: the datacenter's first portgroup). */
  network?: NetworkInterfaceControllerOptions['network'];
  /** The address ranges of load balancers and cluster IPs. */
  services?: VirtualMachineServiceControllerOptions;
  /**
   * The Supervisor's capabilities vm-operator's webhooks and controllers read, as the store that
   * serves its kinds is given them (`registerVmOperatorKinds`): WorkloadIPv6 on unless `false`,
   * the others (VMResize, VMResizeCPUMemory, VMSharedDisks, VMIncrementalRestore) off unless `true`.
   */
  capabilities?: VirtualMachineServiceCapabilities;
  /**
   * With FastDeploy, how VMs are made of an image's cached disks (vm-operator's `FAST_DEPLOY_MODE`,
   * default `linked`): `linked`, each disk a child of the cached one; `direct`, each a copy of it.
   * Anything else deploys as without FastDeploy. A VM's `vmoperator.vmware.com/fast-deploy`
   * annotation says it for that VM.
   */
  fastDeployMode?: string;
  /**
   * Records Kubernetes Events as vm-operator's controllers do (`CreateSuccess`, `UpdateSuccess`,
   * `DeleteSuccess`, their failures, ...), deduplicated and rate limited as client-go records
   * them. Off by default: each one costs the store a write.
   */
  events?: boolean;
  /**
   * The field validation of the store's writes that name none, the controllers' too (default
   * `Warn`: what a kind does not declare is dropped). `Strict` refuses such an object, as
   * kubectl's default asks: a typo in a test's objects then fails the write that makes it.
   */
  fieldValidation?: FieldValidation;
  /**
   * The Supervisor's workload DNS, what its installer writes in vm-operator's
   * `vmware-system-vmop/vmoperator-network-config` ConfigMap: the name servers of VMs whose
   * static interfaces name none (default `10.0.0.2`, outside every net-operator subnet), and
   * search domains (Cluster API machines' alone, as vm-operator hands them out; default none).
   */
  dns?: SupervisorDns;
}

export interface SupervisorDns {
  nameservers?: readonly string[];
  searchDomains?: readonly string[];
}

/** The workload DNS a Supervisor is given when its options name none. */
export const DEFAULT_NAMESERVERS: readonly string[] = ['10.0.0.2'];

export interface SupervisorDeps {
  kube: KubeStore;
  vsphere: VSphere;
}

export interface Supervisor {
  readonly kube: KubeStore;
  readonly vsphere: VSphere;
  readonly manager: Manager;
  /**
   * The cluster the Supervisor runs on (moref value) and its zone's name, the first of several;
   * undefined in an inventory without clusters, where namespaces cannot be prepared.
   */
  readonly cluster: string | undefined;
  readonly zone: string | undefined;
  /** Every cluster of the Supervisor, one zone each (a zone is named by its cluster's moref value). */
  readonly clusters: readonly string[];
  readonly images: ImageController;
  /** With FastDeploy, vm-operator's VirtualMachineImageCache controller: images' files cached where VMs go. */
  readonly imageCaches?: Controller;
  readonly networkInterfaces: NetworkInterfaceController;
  readonly virtualMachines: VirtualMachineController;
  readonly services: VirtualMachineServiceController;
  readonly resourcePolicies: ResourcePolicyController;
  readonly publishRequests: PublishRequestController;
  /** VirtualMachineWebConsoleRequests: a VM's console ticket, encrypted for the asker. */
  readonly webConsoleRequests: Controller;
  /** v1alpha1's WebConsoleRequests, the same answered by a controller of their own. */
  readonly v1alpha1WebConsoleRequests: Controller;
  /** VirtualMachineGroups: members linked and owned, power pushed in boot order, VMs placed. */
  readonly groups: Controller;
  /** VirtualMachineSnapshots' books (the VirtualMachine controller takes and reverts them). */
  readonly snapshots: Controller;
  /** VirtualMachineGroupPublishRequests: a group's VMs published, one VirtualMachinePublishRequest each. */
  readonly groupPublishRequests: Controller;
  /** VirtualMachineReplicaSets: the VMs of their template, as many as asked for. */
  readonly replicaSets: Controller;
  /**
   * vm-operator's volume controller: claims of VMs to CnsNodeVmAttachments, and their status; with
   * VMSharedDisks its volume batch controller: each VM's claims to its CnsNodeVMBatchAttachment.
   */
  readonly volumes: Controller;
  /** The vSphere CSI driver: claims provisioned as First Class Disks, and attached to VMs. */
  readonly csi: {
    readonly provisioner: Controller;
    readonly persistentVolumes: Controller;
    /** Kubernetes' pvc-protection controller: a deleted claim's `kubernetes.io/pvc-protection` off. */
    readonly claimProtection: Controller;
    readonly attachments: Controller;
    /** CnsNodeVMBatchAttachments, which the driver serves with VMSharedDisks alone. */
    readonly batchAttachments?: Controller;
    /** external-resizer: a bound claim that asks for more storage gets its disk grown. */
    readonly resizer: Controller;
    /** Answers a VirtualMachineSnapshot's request to sync its volumes. */
    readonly volumeSync: Controller;
  };
  /** vCenter's VM classes: the defaults and those made since, offered by the namespaces that name them. */
  readonly vmClasses: VmClassCatalog;
  /** Makes a namespace ready for VMs, as a vSphere admin's "create namespace" does. Idempotent. */
  prepareNamespace(name: string, options?: PrepareNamespaceOptions): Promise<PreparedNamespace>;
  /** Changes what a prepared namespace offers: exactly the classes given, its libraries, its storage. */
  updateNamespace(name: string, changes: NamespaceChanges): Promise<void>;
  /** Reconciles, requeues and errors of every controller so far. */
  readonly stats: ManagerStats;
  /** `stats.reconciles` alone, cheap enough to read on every write a test or benchmark sees. */
  readonly reconciles: number;
  stop(): void;
}

function findCluster(vsphere: VSphere, wanted: string | undefined): ComputeResourceRecord | undefined {
  for (const record of vsphere.store.ofKind<ComputeResourceRecord>('ClusterComputeResource'))
    if (wanted === undefined || record.id === wanted || record.name === wanted) return record;
  if (wanted !== undefined) throw new Error(`no cluster ${wanted}`);
  return undefined;
}

const SUPERVISOR_OPTIONS: OptionKeys<SupervisorOptions> = {
  cluster: true,
  clusters: true,
  namespaces: true,
  timing: true,
  network: true,
  services: true,
  capabilities: true,
  fastDeployMode: true,
  events: true,
  dns: true,
  fieldValidation: true,
};

/** The Supervisor's clusters (moref values): those named, else the first; each once, in one datacenter. */
function findClusters(vsphere: VSphere, options: SupervisorOptions): string[] {
  if (options.cluster !== undefined && options.clusters !== undefined)
    throw new Error('a Supervisor takes `cluster` or `clusters`, not both');
  if (options.clusters?.length === 0) throw new Error('`clusters` names no cluster');
  const found = (options.clusters ?? [options.cluster]).map((wanted) => findCluster(vsphere, wanted));
  const ids = found.flatMap((record) => (record ? [record.id] : []));
  if (new Set(ids).size !== ids.length) throw new Error('`clusters` names a cluster twice');
  const datacenters = new Set(ids.map((id) => datacenterOf(vsphere.store, id)?.id));
  if (datacenters.size > 1) throw new Error("a Supervisor's clusters are in one datacenter");
  return ids;
}

/** vm-operator's controller manager, the source its controllers' Events name. */
const VM_OPERATOR_MANAGER = 'vmware-system-vmop-controller-manager';

/** How long a guest takes to report its addresses after booting, with realistic timing. */
export const REALISTIC_GUEST_ADDRESS_DELAY = 20_000;

/** How long the vSphere tasks a Supervisor runs take, with realistic timing (a deployment includes its boot). */
export const REALISTIC_TASK_DURATIONS: Readonly<Record<string, number>> = {
  DeployLibraryItem: 15_000,
  PowerOnVM_Task: 2_000,
  PowerOffVM_Task: 2_000,
  Destroy_Task: 1_000,
  CreateSnapshot_Task: 5_000,
  RevertToSnapshot_Task: 5_000,
  RemoveSnapshot_Task: 2_000,
  // A capture copies the VM's disks into the library (vcenter.ovf.LibraryItem.create).
  'vcenter.ovf.LibraryItem.create': 90_000,
};

/**
 * Each controller runs up to 20 reconciles at once, as vm-operator's do: in memory that
 * only lets one round of the scheduler finish 20 reconciles that wait on a write.
 */
const MAX_CONCURRENT_RECONCILES = 20;

function timingDefaults(vsphere: VSphere, timing: SupervisorOptions['timing']): ControllerDefaults {
  const concurrency = { maxConcurrentReconciles: MAX_CONCURRENT_RECONCILES };
  if (timing !== 'realistic') return concurrency;
  return {
    ...concurrency,
    requeueDelay: VM_OPERATOR_REQUEUE_DELAY,
    resyncPeriod: VM_OPERATOR_SYNC_PERIOD,
    jitter: 0.1,
    random: vsphere.random,
  };
}

/** Starts a Supervisor and prepares the namespaces its options name. */
export async function createSupervisor(
  deps: SupervisorDeps,
  options: SupervisorOptions = {},
): Promise<Supervisor> {
  const supervisor = startSupervisor(deps, options);
  for (const name of options.namespaces ?? []) await supervisor.prepareNamespace(name);
  return supervisor;
}

/** Starts a Supervisor's controllers at once; `options.namespaces` is left to the caller. */
export function startSupervisor(deps: SupervisorDeps, options: SupervisorOptions = {}): Supervisor {
  const { kube, vsphere } = deps;
  checkOptionKeys(options, SUPERVISOR_OPTIONS, 'supervisor');
  const clusters = findClusters(vsphere, options);
  const cluster = clusters[0];
  if (options.timing === 'realistic') {
    vsphere.guestAddressDelayMs = REALISTIC_GUEST_ADDRESS_DELAY;
    vsphere.taskDurations = { ...vsphere.taskDurations, ...REALISTIC_TASK_DURATIONS };
  }
  const zone = cluster;
  /** The controllers' deps that record Events (when `options.events`), each recorder named by `source`. */
  const recording = (source: (component: string) => string): { recorderFor?: RecorderFor } =>
    options.events ? { recorderFor: (component) => eventRecorder(kube, vsphere, source(component)) } : {};
  /** vm-operator's controllers record as its controller manager names their recorders. */
  const vmOperatorRecording = recording(
    (controller) => `${VM_OPERATOR_NAMESPACE}/${VM_OPERATOR_MANAGER}/${controller}`,
  );
  const manager = new Manager({
    scheduler: vsphere.scheduler,
    defaults: timingDefaults(vsphere, options.timing),
  });
  const networkInterfaces = startNetworkInterfaceController(manager, {
    kube,
    vsphere,
    ...(options.network ? { options: { network: options.network } } : {}),
  });
  const fastDeploy = options.capabilities?.fastDeploy === true;
  const images = startImageController(manager, { kube, vsphere, fastDeploy, ...vmOperatorRecording });
  const imageCaches = fastDeploy ? startImageCacheController(manager, { kube, vsphere }) : undefined;
  /** Where the CSI driver makes claims' disks. */
  const claimDatastore = () => {
    if (cluster === undefined) throw new Error('the inventory has no cluster to provision volumes on');
    return firstDatastoreOf(vsphere, cluster);
  };
  const virtualMachines = startVirtualMachineController(manager, {
    kube,
    vsphere,
    claimDatastore,
    ...vmOperatorRecording,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    ...(options.fastDeployMode === undefined ? {} : { fastDeployMode: options.fastDeployMode }),
    ...(imageCaches
      ? {
          recheckImageCache: (name: string) =>
            imageCaches.enqueue(objectKey({ namespace: VM_OPERATOR_NAMESPACE, name })),
        }
      : {}),
  });
  const services = startVirtualMachineServiceController(manager, {
    kube,
    vsphere,
    ...vmOperatorRecording,
    ...(options.services ? { options: options.services } : {}),
  });
  const resourcePolicies = startResourcePolicyController(manager, { kube, vsphere });
  const publishRequests = startPublishRequestController(manager, {
    kube,
    vsphere,
    ...vmOperatorRecording,
  });
  const { webConsoleRequests, v1alpha1WebConsoleRequests } = startWebConsoleRequestControllers(manager, {
    kube,
    vsphere,
    ...vmOperatorRecording,
  });
  const groups = startVirtualMachineGroupController(manager, {
    kube,
    vsphere,
    claimDatastore,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
  });
  const snapshots = startVirtualMachineSnapshotController(manager, { kube, vsphere });
  const replicaSets = startVirtualMachineReplicaSetController(manager, {
    kube,
    clock: vsphere.clock,
    ...vmOperatorRecording,
  });
  const groupPublishRequests = startGroupPublishRequestController(manager, { kube, clock: vsphere.clock });
  const sharedDisks = options.capabilities?.vmSharedDisks === true;
  const volumeDeps = {
    kube,
    ...vmOperatorRecording,
    ...(options.capabilities?.instanceStorage
      ? { instanceStorage: { clock: vsphere.clock, random: vsphere.random } }
      : {}),
  };
  const volumes = sharedDisks
    ? startVolumeBatchController(manager, volumeDeps)
    : startVolumeController(manager, volumeDeps);
  const csiDeps = { kube, vsphere, datastore: claimDatastore };
  const csi = {
    provisioner: startCsiProvisioner(manager, csiDeps),
    persistentVolumes: startPersistentVolumeController(manager, csiDeps),
    claimProtection: startClaimProtectionController(manager, { kube }),
    attachments: startCnsAttachmentController(manager, { kube, vsphere, sharedDisks }),
    registrations: startCnsRegisterVolumeController(manager, {
      kube,
      vsphere,
      sharedDisks,
      // The syncer's Events go by its group's name.
      ...recording((component) => component),
    }),
    ...(sharedDisks
      ? { batchAttachments: startCnsBatchAttachmentController(manager, { kube, vsphere }) }
      : {}),
    resizer: startCsiResizer(manager, {
      ...csiDeps,
      // The resizer's Events go by its components' own names, outside vm-operator's manager.
      ...recording((component) => component),
    }),
    volumeSync: startCsiVolumeSync(manager, { kube }),
  };
  startResourceQuotaController(manager, { kube });
  const byok = options.capabilities?.bringYourOwnEncryptionKey === true;
  if (byok) startStoragePolicyControllers(manager, { kube, vsphere });
  if (cluster !== undefined) startNamespaceController(manager, { kube, vsphere, images, clusters });
  const immutableClasses = options.capabilities?.immutableClasses === true;
  if (immutableClasses) startVirtualMachineClassController(manager, { kube });
  const vmClasses = new VmClassCatalog(kube, { configSpecs: immutableClasses });
  manager.start();
  const context = (): PrepareContext => {
    if (cluster === undefined) throw new Error('the inventory has no cluster to run a Supervisor on');
    // What a Supervisor holds once it runs workloads, made with its first namespace.
    provideOperatorConfig(kube, vsphere, cluster, options.dns ?? {});
    provideApiServerService(kube);
    provideSupervisorProperties(kube, clusters.length);
    for (const zone of clusters)
      ensure(kube, {
        apiVersion: TOPOLOGY_API_VERSION,
        kind: 'AvailabilityZone',
        metadata: { name: zone },
        spec: { clusterComputeResourceMoIDs: [zone] },
      });
    const showLibraries = (namespace: string, ids: readonly string[]) =>
      images.setNamespaceLibraries(namespace, ids);
    return { kube, vsphere, clusters, showLibraries, vmClasses };
  };
  const supervisor: Supervisor = {
    kube,
    vsphere,
    manager,
    cluster,
    zone,
    clusters,
    images,
    ...(imageCaches ? { imageCaches } : {}),
    networkInterfaces,
    virtualMachines,
    services,
    resourcePolicies,
    publishRequests,
    webConsoleRequests,
    v1alpha1WebConsoleRequests,
    groups,
    snapshots,
    groupPublishRequests,
    replicaSets,
    volumes,
    csi,
    vmClasses,
    prepareNamespace: async (name, prepareOptions) => prepareNamespace(context(), name, prepareOptions),
    updateNamespace: async (name, changes) => updateNamespace(context(), name, changes),
    get stats() {
      return manager.stats;
    },
    get reconciles() {
      return manager.reconciles;
    },
    stop() {
      images.stop();
      virtualMachines.stop();
      resourcePolicies.stop();
      publishRequests.stop();
      manager.stop();
    },
  };
  return supervisor;
}

/**
 * The Supervisor's API server Service, whose load balancer address is where web consoles are
 * proxied: the first address of the load balancer range, which VirtualMachineServices start after.
 */
function provideApiServerService(kube: KubeStore): void {
  ensure(kube, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROXY_SERVICE.namespace } });
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { ...PROXY_SERVICE } };
  ensure(kube, {
    ...service,
    spec: { type: 'LoadBalancer', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }] },
  });
  const stored = kube.direct.get({ apiVersion: 'v1', kind: 'Service', ...PROXY_SERVICE });
  if (
    stored &&
    !(stored.status as { loadBalancer?: { ingress?: unknown } } | undefined)?.loadBalancer?.ingress
  )
    kube.direct.updateStatus({
      ...stored,
      status: { loadBalancer: { ingress: [{ ip: SUPERVISOR_API_ADDRESS }] } },
    });
}

/**
 * The Supervisor's properties its services read: its API server's address, its network provider
 * (vSphere networking, net-operator's), whether it spans several zones. No DNS name for its API
 * server, so web consoles go through the address; set `spec.apiServerDNSNames` to have them use one.
 */
function provideSupervisorProperties(kube: KubeStore, zones: number): void {
  const { namespace, name, apiVersion, kind } = SUPERVISOR_PROPERTIES;
  ensure(kube, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  ensure(kube, {
    apiVersion,
    kind,
    metadata: { name, namespace },
    spec: {
      virtualIP: SUPERVISOR_API_ADDRESS,
      networkProvider: 'vsphere-network',
      ...(zones > 1 ? { stretchedSupervisor: true } : {}),
    },
  });
}

/** vm-operator's provider and network ConfigMaps and credential Secret, in its own namespace. */
function provideOperatorConfig(kube: KubeStore, vsphere: VSphere, cluster: string, dns: SupervisorDns): void {
  const credentials = vsphere.options.credentials ?? { username: vsphere.userName, password: '' };
  ensure(kube, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: VM_OPERATOR_NAMESPACE } });
  ensure(kube, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: PROVIDER_CONFIG_MAP, namespace: VM_OPERATOR_NAMESPACE },
    data: {
      VcPNID: 'vsim.local',
      VcPort: '443',
      Datacenter: datacenterOf(vsphere.store, cluster)?.id ?? '',
      Datastore: '',
      Network: '',
      StorageClassRequired: 'true',
      UseInventoryAsContentSource: 'false',
      InsecureSkipTLSVerify: 'true',
      CAFilePath: '',
    },
  });
  const { nameservers = DEFAULT_NAMESERVERS, searchDomains = [] } = dns;
  ensure(kube, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NETWORK_CONFIG_MAP, namespace: VM_OPERATOR_NAMESPACE },
    data: {
      nameservers: nameservers.join(' '),
      ...(searchDomains.length > 0 ? { searchsuffixes: searchDomains.join(' ') } : {}),
    },
  });
  ensure(kube, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: PROVIDER_CREDENTIALS_SECRET, namespace: VM_OPERATOR_NAMESPACE },
    type: 'Opaque',
    stringData: { username: credentials.username, password: credentials.password },
  });
}
