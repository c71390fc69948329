/**
 * Where a Supervisor namespace lives in vSphere, as a real Supervisor lays it out: a
 * resource pool and a VM folder per namespace, under a `Namespaces` pool of the
 * Supervisor's cluster and a `Namespaces` folder of its datacenter. The namespace object
 * carries both as annotations (what vm-operator reads without vSphere zones), and a Zone
 * in the namespace names them too (what it reads with zones).
 */
import type { KubeObject } from '../store/meta.js';

/** The namespace annotations naming its resource pool and VM folder (moref values). */
export const NAMESPACE_POOL_ANNOTATION = 'vmware-system-resource-pool';
export const NAMESPACE_FOLDER_ANNOTATION = 'vmware-system-vm-folder';
/** The namespace label naming the Supervisor's cluster (moref value). */
export const NAMESPACE_CLUSTER_LABEL = 'vSphereClusterID';

/** The pool and folder that hold every namespace's pool and folder. */
export const NAMESPACES_PARENT = 'Namespaces';

/** vm-operator's own namespace, with its provider ConfigMap and credential Secret. */
export const VM_OPERATOR_NAMESPACE = 'vmware-system-vmop';
export const PROVIDER_CONFIG_MAP = 'vsphere.provider.config.vmoperator.vmware.com';
export const PROVIDER_CREDENTIALS_SECRET = 'wcp-vmop-sa-vc-auth';
/** The Supervisor's DNS, when it has this ConfigMap: `nameservers` and `searchsuffixes`, each separated by spaces. */
export const NETWORK_CONFIG_MAP = 'vmoperator-network-config';

/** The storage class every prepared namespace may use, and its quota key. */
export const DEFAULT_STORAGE_CLASS = 'wcpglobal-storage-profile';
const QUOTA_KEY_PREFIX = '.storageclass.storage.k8s.io/';
const QUOTA_KEY_SUFFIX = `${QUOTA_KEY_PREFIX}requests.storage`;
export const storageQuotaKey = (storageClass: string) => `${storageClass}${QUOTA_KEY_SUFFIX}`;
/** The storage class a quota key names, or undefined for another key. */
export const storageClassOfQuotaKey = (key: string): string | undefined =>
  key.endsWith(QUOTA_KEY_SUFFIX) ? key.slice(0, -QUOTA_KEY_SUFFIX.length) : undefined;
/**
 * Whether a namespace's ResourceQuotas assign it a storage class: one of them limits something of
 * the class (any key under its prefix), as vm-operator's IsStorageClassInNamespace reads them.
 */
export function quotasAssign(quotas: readonly KubeObject[], storageClass: string): boolean {
  const prefix = `${storageClass}${QUOTA_KEY_PREFIX}`;
  return quotas.some((quota) => {
    const hard = (quota.spec as { hard?: Record<string, string> } | undefined)?.hard;
    return hard !== undefined && Object.keys(hard).some((key) => key.startsWith(prefix));
  });
}
/** The storage quota of a namespace that sets no limit. */
export const NO_STORAGE_LIMIT = '1Ei';

export const TOPOLOGY_API_VERSION = 'topology.tanzu.vmware.com/v1alpha1';

/** Where a namespace's VMs go: pool and folder moref values, and the zone's name. */
export interface NamespacePlacement {
  pool: string;
  folder: string;
  zone?: string;
  /** Chosen among several zones (none wanted): the VM's zone label is its to write once it is there. */
  chosen?: true;
}

/** Picks the zone of a VM that wants none among a namespace's several; undefined: none of them (no zone). */
export type ZoneChooser = (candidates: readonly NamespacePlacement[]) => NamespacePlacement | undefined;

/** A Zone's pools and folder: vm-operator places VMs by `managedVMs` (`namespace` is the namespace's own). */
export interface ZoneSpec {
  managedVMs?: { poolMoIDs?: string[]; folderMoID?: string };
}

const zonePlacement = (zone: KubeObject): NamespacePlacement | undefined => {
  const spec = (zone as KubeObject & { spec?: ZoneSpec }).spec?.managedVMs;
  const pool = spec?.poolMoIDs?.[0];
  return pool && spec?.folderMoID
    ? { pool, folder: spec.folderMoID, zone: zone.metadata.name as string }
    : undefined;
};

/**
 * A namespace's placement: the Zone named `wanted`; else its only Zone that names a pool and
 * folder, or with several the one `choose` picks (as vm-operator asks vCenter's DRS), by
 * default the first; else its annotations; undefined for a namespace no Supervisor prepared.
 * Zones being deleted are left out of the choice, as vm-operator leaves them out, while another
 * can take the VM (with none, vm-operator fails the placement: here the first such zone serves).
 */
export function placementOf(
  namespace: KubeObject | undefined,
  zones: readonly KubeObject[],
  wanted?: string,
  choose?: ZoneChooser,
): NamespacePlacement | undefined {
  let first: NamespacePlacement | undefined;
  let deleting: NamespacePlacement | undefined;
  // Listed only once a second zone is found: most namespaces have one.
  let candidates: NamespacePlacement[] | undefined;
  for (const zone of zones) {
    if (wanted && zone.metadata.name !== wanted) continue;
    const placement = zonePlacement(zone);
    if (!placement) continue;
    if (wanted) return placement;
    if (zone.metadata.deletionTimestamp) deleting ??= placement;
    else if (!choose) return placement;
    else if (!first) first = placement;
    else if (!candidates) candidates = [first, placement];
    else candidates.push(placement);
  }
  if (candidates) {
    const chosen = choose?.(candidates);
    if (chosen) chosen.chosen = true;
    // Held by none of them: the namespace's pool and folder, no zone.
    const { pool, folder } = first as NamespacePlacement;
    return chosen ?? { pool, folder };
  }
  if (first ?? deleting) return first ?? deleting;
  const annotations = namespace?.metadata.annotations ?? {};
  const pool = annotations[NAMESPACE_POOL_ANNOTATION];
  const folder = annotations[NAMESPACE_FOLDER_ANNOTATION];
  return pool && folder ? { pool, folder } : undefined;
}
