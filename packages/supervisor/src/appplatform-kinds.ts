/**
 * The Supervisor's properties (group `appplatform.vmware.com`, v1alpha1): the namespaced
 * SupervisorProperties a Supervisor keeps as `vmware-system-supervisor-services/supervisor-env-props`
 * for its services. vm-operator reads its `spec.apiServerDNSNames` for a web console's proxy
 * address. Served as plain objects; nothing reconciles them.
 */
import { registerCustomResource } from './api/crd-shapes.js';
import type { KindDefinition } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';

export const APPPLATFORM_GROUP = 'appplatform.vmware.com';

/** The Supervisor's own properties object. */
export const SUPERVISOR_PROPERTIES = {
  apiVersion: `${APPPLATFORM_GROUP}/v1alpha1`,
  kind: 'SupervisorProperties',
  namespace: 'vmware-system-supervisor-services',
  name: 'supervisor-env-props',
} as const;

export const APPPLATFORM_KINDS: readonly KindDefinition[] = [
  {
    group: APPPLATFORM_GROUP,
    versions: ['v1alpha1'],
    kind: 'SupervisorProperties',
    plural: 'supervisorproperties',
    namespaced: true,
    hasStatus: false,
  },
];

export const registerAppPlatformKinds = (store: KubeStore): void => {
  for (const kind of APPPLATFORM_KINDS) registerCustomResource(store, kind);
};
