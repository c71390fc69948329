/**
 * Preparing a namespace as a Supervisor does when a vSphere admin creates one: its pool
 * and folder in vSphere, the Namespace object pointing at them, a Zone, the VM classes
 * it may use, a storage class in its quota, its default network and the content library
 * its images come from. Preparing is idempotent: what exists is kept, so preparing twice
 * (or after a restart from a saved state) changes nothing.
 */
import {
  type ComputeResourceRecord,
  datacenterOf,
  findChild,
  type InventoryRecord,
  type ResourcePoolRecord,
  SAMPLE_OVF_IMAGES,
  type VSphere,
} from '@vsim/vsphere';
import { HUB_VERSION } from '../api/index.js';
import { DEFAULT_NETWORK_LABEL, NET_OPERATOR_API_VERSION } from '../controllers/net-operator/index.js';
import { isKubeError } from '../store/errors.js';
import type { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import {
  DEFAULT_STORAGE_CLASS,
  NAMESPACE_CLUSTER_LABEL,
  NAMESPACE_FOLDER_ANNOTATION,
  NAMESPACE_POOL_ANNOTATION,
  NAMESPACES_PARENT,
  NO_STORAGE_LIMIT,
  storageQuotaKey,
  TOPOLOGY_API_VERSION,
} from './layout.js';
import type { VmClassCatalog } from './vm-class-catalog.js';

const VM_OPERATOR_API_VERSION = `vmoperator.vmware.com/${HUB_VERSION}`;

/** The name of the namespace's default net-operator Network. */
export const DEFAULT_NETWORK_NAME = 'primary';
/**
 * The labels of the namespace's default Network: net-operator's, and the one CAPV's net-operator
 * network provider finds it by (`capv.vmware.com/is-default-network`, and its `capw.` form).
 */
const DEFAULT_NETWORK_LABELS = {
  [DEFAULT_NETWORK_LABEL]: 'true',
  'capv.vmware.com/is-default-network': 'true',
  'capw.vmware.com/is-default-network': 'true',
};

/** The content library a Supervisor's namespaces take their images from unless told otherwise. */
export const DEFAULT_LIBRARY_NAME = 'vsim';

export interface PrepareNamespaceOptions {
  /** VM classes the namespace may use (default: every class of vCenter's catalogue). */
  classes?: readonly string[];
  /** Content library ids whose items become the namespace's images (default: the Supervisor's library). */
  libraries?: readonly string[];
  /** The storage class the namespace's quota names (default `wcpglobal-storage-profile`). */
  storageClass?: string;
  /**
   * Whether the storage class's vSphere policy, when vSphere has none of its name yet, is made
   * with an encryption filter: an encryption storage class (default: not).
   */
  storageEncryption?: boolean;
  /** The namespace's storage limit, a Kubernetes quantity (default: none, `1Ei`). */
  storageLimit?: string;
  /**
   * The CPU (MHz) and memory (MiB) its VMs may use: its pools' limits, as vCenter sets them
   * (default: none; preparing again keeps them unless given, `null` removing one).
   */
  cpuLimitMhz?: number | null;
  memoryLimitMiB?: number | null;
  /** Labels the Namespace object gets besides the Supervisor's own. */
  labels?: Readonly<Record<string, string>>;
}

/** A zone of a prepared namespace: its name, its cluster and the namespace's pool there. */
export interface PreparedZone {
  name: string;
  cluster: string;
  pool: string;
}

/** What a prepared namespace is made of (vSphere ids are moref values). */
export interface PreparedNamespace {
  name: string;
  /** The first zone's cluster, pool and name (the Namespace object's annotations name that pool). */
  cluster: string;
  pool: string;
  folder: string;
  zone: string;
  /** Every zone, one per cluster of the Supervisor. */
  zones: PreparedZone[];
  storageClass: string;
  libraries: string[];
  classes: string[];
  network: string;
}

/** What preparing needs from the Supervisor. */
export interface PrepareContext {
  kube: KubeStore;
  vsphere: VSphere;
  /** The Supervisor's clusters (moref values), each a zone of that name: at least one. */
  clusters: readonly string[];
  /** Makes the items of these libraries the namespace's images. */
  showLibraries(namespace: string, libraryIds: readonly string[]): void;
  /** vCenter's VM classes, which namespaces offer. */
  vmClasses: VmClassCatalog;
}

/** Creates the object, or leaves the one that exists. */
export function ensure(kube: KubeStore, object: KubeObject): void {
  try {
    kube.direct.create(object);
  } catch (error) {
    if (!(isKubeError(error) && error.reason === 'AlreadyExists')) throw error;
  }
}

/** The child of `parent` named `name`, made by `make` when missing. */
function child(vsphere: VSphere, parent: string, name: string, make: () => { value: string }): string {
  return findChild(vsphere.store, parent, name)?.id ?? make().value;
}

/** The namespace's pool in a cluster, made when missing. */
function namespacePool(vsphere: VSphere, cluster: string, name: string): string {
  const compute = vsphere.lookup<ComputeResourceRecord>(cluster, 'ClusterComputeResource');
  const poolsParent = child(vsphere, compute.resourcePool, NAMESPACES_PARENT, () =>
    vsphere.pool.create(compute.resourcePool, NAMESPACES_PARENT),
  );
  return child(vsphere, poolsParent, name, () => vsphere.pool.create(poolsParent, name));
}

/** The namespace's pool in a cluster, if it has one. */
export function existingNamespacePool(vsphere: VSphere, cluster: string, name: string): string | undefined {
  const compute = vsphere.store.get(cluster) as ComputeResourceRecord | undefined;
  const poolsParent = compute && findChild(vsphere.store, compute.resourcePool, NAMESPACES_PARENT);
  return poolsParent ? findChild(vsphere.store, poolsParent.id, name)?.id : undefined;
}

/**
 * A namespace's CPU and memory limits, set on its pool in every zone, as vCenter turns the
 * namespace's `cpu_limit` and `memory_limit` into the limits of the pool it made for it.
 */
function limitPools(
  vsphere: VSphere,
  pools: readonly string[],
  { cpuLimitMhz, memoryLimitMiB }: Pick<NamespaceChanges, 'cpuLimitMhz' | 'memoryLimitMiB'>,
): void {
  const spec = {
    ...(cpuLimitMhz === undefined ? {} : { cpuAllocation: { limit: cpuLimitMhz ?? -1 } }),
    ...(memoryLimitMiB === undefined ? {} : { memoryAllocation: { limit: memoryLimitMiB ?? -1 } }),
  };
  if (Object.keys(spec).length === 0) return;
  const changed: ResourcePoolRecord[] = [];
  try {
    for (const pool of pools) {
      const now = vsphere.store.get(pool) as ResourcePoolRecord;
      const cpu = spec.cpuAllocation?.limit ?? now.cpuAllocation.limit;
      const memory = spec.memoryAllocation?.limit ?? now.memoryAllocation.limit;
      if (cpu === now.cpuAllocation.limit && memory === now.memoryAllocation.limit) continue;
      vsphere.pool.update(pool, undefined, spec);
      changed.push(now);
    }
  } catch (error) {
    // Admission control refused a zone's (a pool holding more): the zones before get theirs back.
    for (const was of changed)
      vsphere.pool.update(was.id, undefined, {
        cpuAllocation: { limit: was.cpuAllocation.limit },
        memoryAllocation: { limit: was.memoryAllocation.limit },
      });
    throw error;
  }
}

/** The namespace's VM folder in the datacenter of a cluster, made when missing. */
function namespaceFolder(vsphere: VSphere, cluster: string, name: string): string {
  const dc = datacenterOf(vsphere.store, cluster);
  if (!dc) throw new Error(`cluster ${cluster} is in no datacenter`);
  const foldersParent = child(vsphere, dc.vmFolder, NAMESPACES_PARENT, () =>
    vsphere.folder.create(dc.vmFolder, NAMESPACES_PARENT),
  );
  return child(vsphere, foldersParent, name, () => vsphere.folder.create(foldersParent, name));
}

/** The Supervisor's own content library, with its two node images, made when missing. */
export function defaultLibrary(vsphere: VSphere, cluster: string): string {
  const existing = vsphere.library.find({ name: DEFAULT_LIBRARY_NAME })[0];
  if (existing !== undefined) return existing;
  const datastore = firstDatastoreOf(vsphere, cluster);
  const id = vsphere.library.create({
    name: DEFAULT_LIBRARY_NAME,
    description: 'Images for the Supervisor namespaces',
    datastore,
    type: 'LOCAL',
  });
  for (const image of SAMPLE_OVF_IMAGES) vsphere.library.createItem(id, image);
  return id;
}

/** The datastore of the cluster's first host: where the Supervisor's libraries and volumes go. */
export function firstDatastoreOf(vsphere: VSphere, cluster: string): string {
  for (const id of vsphere.store.referrers('childEntity', cluster)) {
    const host = vsphere.store.get(id) as (InventoryRecord & { datastores?: string[] }) | undefined;
    const datastore = host?.kind === 'HostSystem' ? host.datastores?.[0] : undefined;
    if (datastore !== undefined) return datastore;
  }
  throw new Error(`no host of cluster ${cluster} mounts a datastore`);
}

/** The VM storage policy behind a storage class, as a Supervisor names them: made when vSphere has none of its name. */
const storagePolicyOf = (vsphere: VSphere, storageClass: string, encryption: boolean): string =>
  vsphere.storagePolicies.find(storageClass) ??
  vsphere.storagePolicies.create(storageClass, '', encryption ? { encryption } : undefined);

export async function prepareNamespace(
  ctx: PrepareContext,
  name: string,
  options: PrepareNamespaceOptions = {},
): Promise<PreparedNamespace> {
  const { kube, vsphere, clusters } = ctx;
  const cluster = clusters[0] as string;
  // One folder for the namespace, one pool in each zone's cluster (a zone is named by its cluster).
  const folder = namespaceFolder(vsphere, cluster, name);
  const zones = clusters.map((c) => ({ name: c, cluster: c, pool: namespacePool(vsphere, c, name) }));
  const { pool, name: zone } = zones[0] as PreparedZone;
  const storageClass = options.storageClass ?? DEFAULT_STORAGE_CLASS;
  const libraries = [...(options.libraries ?? [defaultLibrary(vsphere, cluster)])];
  const classes = options.classes ? [...options.classes] : ctx.vmClasses.list().map((c) => c.name);
  await ensureNamespace(kube, name, { pool, folder, cluster, labels: options.labels ?? {} });
  ensure(kube, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: storageClass },
    provisioner: 'csi.vsphere.vmware.com',
    parameters: {
      storagePolicyID: storagePolicyOf(vsphere, storageClass, options.storageEncryption === true),
    },
    // As the Supervisor makes a namespace's storage classes: claims may grow, bound at once.
    allowVolumeExpansion: true,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  });
  ensure(kube, {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: `${name}-storagequota`, namespace: name },
    spec: { hard: { [storageQuotaKey(storageClass)]: options.storageLimit ?? NO_STORAGE_LIMIT } },
  });
  for (const z of zones) {
    await kube.patch(
      { apiVersion: TOPOLOGY_API_VERSION, kind: 'AvailabilityZone', name: z.name },
      { spec: { namespaces: { [name]: { poolMoIDs: [z.pool], folderMoId: folder } } } },
      { type: 'merge' },
    );
    ensure(kube, {
      apiVersion: TOPOLOGY_API_VERSION,
      kind: 'Zone',
      metadata: { name: z.name, namespace: name },
      spec: {
        // The namespace's own pool and folder, which its VMs share.
        namespace: { poolMoIDs: [z.pool], folderMoID: folder },
        managedVMs: { poolMoIDs: [z.pool], folderMoID: folder },
        availabilityZoneReference: { apiVersion: TOPOLOGY_API_VERSION, name: z.name },
      },
    });
  }
  for (const className of classes) ensureClass(ctx, name, className);
  // Given, not defaulted: preparing again keeps the limits an update set.
  limitPools(
    vsphere,
    zones.map((z) => z.pool),
    options,
  );
  ensure(kube, {
    apiVersion: NET_OPERATOR_API_VERSION,
    kind: 'Network',
    metadata: { name: DEFAULT_NETWORK_NAME, namespace: name, labels: DEFAULT_NETWORK_LABELS },
    spec: { type: 'vsphere-distributed' },
  });
  ctx.showLibraries(name, libraries);
  return {
    name,
    cluster,
    pool,
    folder,
    zone,
    zones,
    storageClass,
    libraries,
    classes,
    network: DEFAULT_NETWORK_NAME,
  };
}

/** The spec of a class by name: vCenter's class, else one some namespace has. */
function classSpecOf({ kube, vmClasses }: PrepareContext, className: string): unknown {
  const known = vmClasses.get(className)?.spec;
  if (known) return known;
  return kube.direct
    .list(VM_OPERATOR_API_VERSION, 'VirtualMachineClass')
    .find((c) => c.metadata.name === className)?.spec;
}

function ensureClass(ctx: PrepareContext, namespace: string, className: string): void {
  const spec = classSpecOf(ctx, className);
  if (spec === undefined) throw new Error(`no VM class ${className}`);
  ensure(ctx.kube, {
    apiVersion: VM_OPERATOR_API_VERSION,
    kind: 'VirtualMachineClass',
    metadata: { name: className, namespace },
    spec,
  });
}

/** Changes what a prepared namespace offers: the classes given and no others, its libraries, its storage. */
export interface NamespaceChanges {
  classes?: readonly string[];
  libraries?: readonly string[];
  storageClass?: string;
  /** A Kubernetes quantity; `1Ei` (the default) means no limit. */
  storageLimit?: string;
  /** The pools' CPU (MHz) and memory (MiB) limits; `null` removes one. */
  cpuLimitMhz?: number | null;
  memoryLimitMiB?: number | null;
}

export async function updateNamespace(
  ctx: PrepareContext,
  name: string,
  changes: NamespaceChanges,
): Promise<void> {
  const { kube } = ctx;
  // The limits first: admission control may refuse them, and then nothing has changed.
  const pools = ctx.clusters.flatMap((cluster) => existingNamespacePool(ctx.vsphere, cluster, name) ?? []);
  limitPools(ctx.vsphere, pools, changes);
  if (changes.classes) {
    const wanted = new Set(changes.classes);
    for (const className of wanted) ensureClass(ctx, name, className);
    for (const existing of kube.direct.list(VM_OPERATOR_API_VERSION, 'VirtualMachineClass', name))
      if (!wanted.has(existing.metadata.name as string))
        await kube.delete({
          apiVersion: VM_OPERATOR_API_VERSION,
          kind: 'VirtualMachineClass',
          namespace: name,
          name: existing.metadata.name as string,
        });
  }
  if (changes.libraries) ctx.showLibraries(name, changes.libraries);
  if (changes.storageClass !== undefined || changes.storageLimit !== undefined) {
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', namespace: name, name: `${name}-storagequota` };
    const storageClass = changes.storageClass ?? DEFAULT_STORAGE_CLASS;
    const hard = { [storageQuotaKey(storageClass)]: changes.storageLimit ?? NO_STORAGE_LIMIT };
    await kube.patch(quota, [{ op: 'replace', path: '/spec/hard', value: hard }], { type: 'json' });
  }
}

interface NamespaceLayout {
  pool: string;
  folder: string;
  cluster: string;
  labels: Readonly<Record<string, string>>;
}

/** The Namespace object, made or brought to point at the layout. */
async function ensureNamespace(kube: KubeStore, name: string, layout: NamespaceLayout): Promise<void> {
  const metadata = {
    name,
    labels: { ...layout.labels, [NAMESPACE_CLUSTER_LABEL]: layout.cluster },
    annotations: { [NAMESPACE_POOL_ANNOTATION]: layout.pool, [NAMESPACE_FOLDER_ANNOTATION]: layout.folder },
  };
  try {
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata });
  } catch (error) {
    if (!(isKubeError(error) && error.reason === 'AlreadyExists')) throw error;
    const { labels, annotations } = metadata;
    await kube.patch(
      { apiVersion: 'v1', kind: 'Namespace', name },
      { metadata: { labels, annotations } },
      { type: 'merge' },
    );
  }
}
