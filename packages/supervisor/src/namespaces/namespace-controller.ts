/**
 * What a Supervisor does when a vSphere Namespace goes: once the Namespace object is gone
 * (its VMs deleted and their finalizers dropped first, as the store's namespace deletion
 * waits for them), the namespace's VM folder and resource pool are destroyed in vSphere,
 * its zone mapping is removed and its images stop being published. A folder or pool that
 * still holds something (a VM someone made by hand) is left alone, as destroying it would
 * take those VMs with it.
 */
import type { VSphere } from '@vsim/vsphere';
import type { ImageController } from '../controllers/images/image-controller.js';
import { contentOf } from '../controllers/resource-policy/resource-policy.js';
import type { Controller } from '../runtime/controller.js';
import { parseObjectKey } from '../runtime/keys.js';
import type { Manager } from '../runtime/manager.js';
import { ignoreNotFound } from '../store/errors.js';
import type { KubeStore } from '../store/kube-store.js';
import {
  NAMESPACE_CLUSTER_LABEL,
  NAMESPACE_FOLDER_ANNOTATION,
  NAMESPACE_POOL_ANNOTATION,
  TOPOLOGY_API_VERSION,
} from './layout.js';
import { existingNamespacePool } from './prepare.js';

export const NAMESPACE_CONTROLLER = 'supervisor-namespace';

export interface NamespaceControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  images: ImageController;
  /** The Supervisor's clusters, each a zone of that name. */
  clusters: readonly string[];
}

export function startNamespaceController(manager: Manager, deps: NamespaceControllerDeps): Controller {
  const { kube, vsphere, images, clusters } = deps;
  /** The pools (one per zone) and folder of each Supervisor namespace seen, to clean up after it. */
  const layouts = new Map<string, { pools: string[]; folder: string }>();

  const destroyIfEmpty = async (id: string, destroy: (id: string) => { wait(): Promise<void> }) => {
    if (vsphere.store.has(id) && contentOf(vsphere, id).length === 0) await destroy(id).wait();
  };

  const cleanUp = async (name: string) => {
    const layout = layouts.get(name);
    if (!layout) return;
    await destroyIfEmpty(layout.folder, (id) => vsphere.folder.destroy(id));
    for (const pool of layout.pools) await destroyIfEmpty(pool, (id) => vsphere.pool.destroy(id));
    images.setNamespaceLibraries(name, []);
    for (const zone of clusters)
      await kube
        .patch(
          { apiVersion: TOPOLOGY_API_VERSION, kind: 'AvailabilityZone', name: zone },
          { spec: { namespaces: { [name]: null } } },
          { type: 'merge' },
        )
        .catch(ignoreNotFound);
    layouts.delete(name);
  };

  const reconcile = async (key: string) => {
    const { name } = parseObjectKey(key);
    const ns = kube.direct.get({ apiVersion: 'v1', kind: 'Namespace', name });
    if (!ns) {
      await cleanUp(name);
      return undefined;
    }
    const annotations = ns.metadata.annotations ?? {};
    const pool = annotations[NAMESPACE_POOL_ANNOTATION];
    const folder = annotations[NAMESPACE_FOLDER_ANNOTATION];
    if (ns.metadata.labels?.[NAMESPACE_CLUSTER_LABEL] === clusters[0] && pool && folder) {
      // The first zone's pool is the one the annotation names; the others are found by name.
      const others = clusters.slice(1).flatMap((c) => existingNamespacePool(vsphere, c, name) ?? []);
      layouts.set(name, { pools: [pool, ...others], folder });
    }
    return undefined;
  };

  return manager
    .controller({ name: NAMESPACE_CONTROLLER, reconcile })
    .watches(kube, { apiVersion: 'v1', kind: 'Namespace' });
}
