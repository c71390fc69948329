/**
 * The image registry's content libraries (group `imageregistry.vmware.com`, v1alpha1), as a
 * Supervisor's image registry operator keeps them: in each namespace a ContentLibrary for every
 * vSphere content library the namespace's images come from, and a ClusterContentLibrary for every
 * cluster-wide one. vm-operator reads them where it needs a library: a publish request's target
 * location names a ContentLibrary of its namespace. The image controller keeps them
 * (controllers/images/content-libraries.ts).
 */
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
];

export const registerImageRegistryKinds = (store: KubeStore): void => {
  for (const kind of IMAGE_REGISTRY_KINDS) store.registerKind(kind);
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
