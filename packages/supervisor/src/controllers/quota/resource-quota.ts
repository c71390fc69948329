/**
 * The quota controller of kube-controller-manager, for what the simulator counts (see
 * store/resource-quota.ts): each ResourceQuota's status says its hard limits and what its
 * namespace's claims use of them, written again when a claim or the quota changes.
 */
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual } from '../../store/meta.js';
import { quotaStatus, RESOURCE_QUOTA } from '../../store/resource-quota.js';

export const RESOURCE_QUOTA_CONTROLLER = 'resourcequota-controller';

export function startResourceQuotaController(manager: Manager, { kube }: { kube: KubeStore }): Controller {
  const reconcile = (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    const quota = kube.direct.get({ ...RESOURCE_QUOTA, namespace, name });
    if (!quota || quota.metadata.deletionTimestamp) return undefined;
    const status = quotaStatus(quota, kube.direct);
    if (!deepEqual(status, quota.status)) kube.direct.updateStatus({ ...quota, status });
    return undefined;
  };
  const controller = manager.controller({ name: RESOURCE_QUOTA_CONTROLLER, reconcile });
  controller.watches(kube, RESOURCE_QUOTA);
  // A claim's change is its namespace's quotas'.
  controller.watches(kube, PERSISTENT_VOLUME_CLAIM, (claim) =>
    kube.direct
      .list(RESOURCE_QUOTA.apiVersion, RESOURCE_QUOTA.kind, claim.metadata.namespace)
      .map((quota) =>
        objectKey({ namespace: quota.metadata.namespace, name: quota.metadata.name as string }),
      ),
  );
  return controller;
}
