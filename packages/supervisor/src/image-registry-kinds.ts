/**
 * The image registry's content libraries and their items (group `imageregistry.vmware.com`,
 * v1alpha1), as a Supervisor's image registry operator keeps them: in each namespace a
 * ContentLibrary for every vSphere content library the namespace's images come from and a
 * ContentLibraryItem for each of its OVF and ISO items; a ClusterContentLibrary and
 * ClusterContentLibraryItems for every cluster-wide library. vm-operator makes an item's
 * VirtualMachineImage (or ClusterVirtualMachineImage) from its object, and a publish request's
 * target location names a ContentLibrary of its namespace. Kept by the controllers of
 * controllers/images.
 */
import { registerCustomResource } from './api/crd-shapes.js';
import type { KindDefinition } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';
import type { ObjectMeta } from './store/meta.js';

export const IMAGE_REGISTRY_GROUP = 'imageregistry.vmware.com';
export const IMAGE_REGISTRY_API_VERSION = `${IMAGE_REGISTRY_GROUP}/v1alpha1`;

export const IMAGE_REGISTRY_KINDS: readonly KindDefinition[] = [
  {
    group: IMAGE_REGISTRY_GROUP,
    versions: ['v1alpha1'],
    kind: 'ContentLibrary',
    plural: 'contentlibraries',
    namespaced: true,
    hasStatus: true,
  },
  {
    group: IMAGE_REGISTRY_GROUP,
    versions: ['v1alpha1'],
    kind: 'ClusterContentLibrary',
    plural: 'clustercontentlibraries',
    namespaced: false,
    hasStatus: true,
  },
  {
    group: IMAGE_REGISTRY_GROUP,
    versions: ['v1alpha1'],
    kind: 'ContentLibraryItem',
    plural: 'contentlibraryitems',
    namespaced: true,
    hasStatus: true,
  },
  {
    group: IMAGE_REGISTRY_GROUP,
    versions: ['v1alpha1'],
    kind: 'ClusterContentLibraryItem',
    plural: 'clustercontentlibraryitems',
    namespaced: false,
    hasStatus: true,
  },
];

export const registerImageRegistryKinds = (store: KubeStore): void => {
  for (const kind of IMAGE_REGISTRY_KINDS) registerCustomResource(store, kind);
};

/** The image registry's condition: a reason and a message only when there is something to say. */
export interface RegistryCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  severity?: 'Error' | 'Warning' | 'Info' | '';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ContentLibrarySpec {
  /** The vSphere content library's id. */
  uuid: string;
  /** Whether items may be added through the Supervisor (a ContentLibrary's only). */
  writable?: boolean;
  allowImport?: boolean;
}

export interface ContentLibraryStatus {
  /** The vSphere content library's name. */
  name?: string;
  description?: string;
  type?: 'Local' | 'Subscribed';
  storageBacking?: { type: 'Datastore' | 'Other'; datastoreID?: string };
  version?: string;
  subscriptionInfo?: { URL: string; onDemand: boolean; automaticSync: boolean };
  state?: 'Active' | 'InMaintenance';
  serverGUID?: string;
  creationTime?: string;
  lastModifiedTime?: string;
  lastSyncTime?: string;
  conditions?: RegistryCondition[];
}

/** A ContentLibrary or a ClusterContentLibrary. */
export interface ContentLibrary {
  apiVersion: string;
  kind: 'ContentLibrary' | 'ClusterContentLibrary';
  metadata: ObjectMeta;
  spec?: ContentLibrarySpec;
  status?: ContentLibraryStatus;
}

export interface ContentLibraryItemStatus {
  /** The vSphere item's name. */
  name?: string;
  /** The ContentLibrary (or ClusterContentLibrary) of the item's library. */
  contentLibraryRef?: { name: string; kind: 'ContentLibrary' | 'ClusterContentLibrary' };
  description?: string;
  metadataVersion?: string;
  contentVersion?: string;
  type?: 'OVF' | 'ISO';
  /** The published item a subscribed library's item copies. */
  sourceID?: string;
  /** A quantity: the bytes of the item's files. */
  sizeInBytes?: string;
  cached?: boolean;
  securityCompliance?: boolean;
  fileInfo?: { name: string; sizeInBytes: string; version: string; cached: boolean; storageURI?: string }[];
  creationTime?: string;
  lastModifiedTime?: string;
  conditions?: RegistryCondition[];
}

/** A ContentLibraryItem or a ClusterContentLibraryItem. */
export interface ContentLibraryItem {
  apiVersion: string;
  kind: 'ContentLibraryItem' | 'ClusterContentLibraryItem';
  metadata: ObjectMeta;
  /** The vSphere item's id. */
  spec?: { uuid: string };
  status?: ContentLibraryItemStatus;
}
