/**
 * net-operator's kinds (group `netoperator.vmware.com`, v1alpha1), the network provider of
 * a Supervisor on vSphere Distributed Switches: Network, a network a namespace may attach
 * to, and NetworkInterface, one VM interface's request for a port and its IP settings
 * (status: `conditions`, `ipConfigs`, `macAddress`, `externalID`, `networkID`).
 * Served as plain objects; nothing reconciles them here.
 */
import { registerCustomResource } from './api/crd-shapes.js';
import type { KindDefinition } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';

export const NET_OPERATOR_GROUP = 'netoperator.vmware.com';

export const NET_OPERATOR_KINDS: readonly KindDefinition[] = [
  {
    group: NET_OPERATOR_GROUP,
    versions: ['v1alpha1'],
    kind: 'Network',
    plural: 'networks',
    namespaced: true,
    hasStatus: true,
  },
  {
    group: NET_OPERATOR_GROUP,
    versions: ['v1alpha1'],
    kind: 'NetworkInterface',
    plural: 'networkinterfaces',
    namespaced: true,
    hasStatus: true,
  },
];

export const registerNetOperatorKinds = (store: KubeStore): void => {
  for (const kind of NET_OPERATOR_KINDS) registerCustomResource(store, kind);
};
