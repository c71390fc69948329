/**
 * The Supervisor's zone topology (group `topology.tanzu.vmware.com`, v1alpha1): the
 * cluster-scoped AvailabilityZone, mapping namespaces to a vSphere cluster's pools and
 * folders, and the namespaced Zone, one per zone a namespace may place workloads in.
 * Served as plain objects; nothing reconciles them.
 */
import { registerCustomResource } from './api/crd-shapes.js';
import type { KindDefinition } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';

export const TOPOLOGY_GROUP = 'topology.tanzu.vmware.com';

export const TOPOLOGY_KINDS: readonly KindDefinition[] = [
  {
    group: TOPOLOGY_GROUP,
    versions: ['v1alpha1'],
    kind: 'AvailabilityZone',
    plural: 'availabilityzones',
    namespaced: false,
    hasStatus: true,
  },
  {
    group: TOPOLOGY_GROUP,
    versions: ['v1alpha1'],
    kind: 'Zone',
    plural: 'zones',
    namespaced: true,
    hasStatus: true,
  },
];

export const registerTopologyKinds = (store: KubeStore): void => {
  for (const kind of TOPOLOGY_KINDS) registerCustomResource(store, kind);
};
