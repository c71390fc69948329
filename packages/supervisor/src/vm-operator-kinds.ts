/**
 * Registers vm-operator's kinds in a store: every served version (v1alpha2..v1alpha6)
 * stored as the v1alpha6 hub, converted both ways on the way in and out.
 */
import { convertTo, isServedVersion, VM_OPERATOR_KINDS } from './api/index.js';
import { parseApiVersion } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';
import type { KubeObject } from './store/meta.js';

export const registerVmOperatorKinds = (store: KubeStore): void => {
  for (const k of VM_OPERATOR_KINDS) {
    store.registerKind({
      group: k.group,
      versions: k.servedVersions,
      storageVersion: k.storageVersion,
      kind: k.kind,
      plural: k.plural,
      namespaced: k.namespaced,
      hasStatus: k.hasStatus,
      convert: (object, apiVersion) => {
        const { version } = parseApiVersion(apiVersion);
        if (!isServedVersion(version)) throw new Error(`${apiVersion} is not served for ${k.kind}`);
        return convertTo(object, version) as KubeObject;
      },
    });
  }
};
