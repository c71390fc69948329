/**
 * vm-operator's storage controllers (with the Bring Your Own Key capability): the StorageClass
 * controller keeps a StoragePolicy object in vm-operator's namespace for each storage class's
 * vSphere policy (`pol-` and its id's digits, owned by every class that names it, as Kubernetes'
 * garbage collector then removes it), and the StoragePolicy controller writes what vSphere says of
 * the policy into its status: whether it encrypts (an encryption filter), how it provisions disks
 * (vSAN's object space reservation, 0 thin and 100 thick), the datastores it may place on (every
 * datastore: the model's policies constrain none) and the storage class names its profile gives.
 * A policy vSphere does not have, or a reservation between, leaves the status as it was and comes
 * back with the backoff.
 */
import type { DatastoreRecord, VSphere } from '@vsim/vsphere';
import { STORAGE_POLICY, storagePolicyIdOf, storagePolicyObjectName } from '../../encryption-kinds.js';
import { VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import type { Controller } from '../../runtime/controller.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { STORAGE_CLASS } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, withOwnerReference } from '../../store/meta.js';

export const STORAGE_CLASS_CONTROLLER = 'storageclass-controller';
export const STORAGE_POLICY_CONTROLLER = 'storagepolicy-controller';

interface StoragePolicyStatus {
  datastores?: { id: { objectID: string }; type: 'VMFS' | 'VSAN' }[];
  diskProvisioningMode?: string;
  storageClasses?: string[];
  encrypted?: boolean;
}

/** The name PBM gives a profile in Kubernetes: lower case, runs of other characters a dash. */
const k8sCompliantName = (name: string) => name.toLowerCase().replace(/[^a-z0-9.]+/g, '-');

/** What vSphere says of a storage policy, as vm-operator's GetStoragePolicyStatus reads it. */
function policyStatus(vsphere: VSphere, id: string): StoragePolicyStatus {
  const rules = vsphere.storagePolicies.rulesOf(id);
  const name = vsphere.storagePolicies.list().find((p) => p.policy === id)?.name;
  if (!rules || name === undefined) throw new Error(`failed to find profile "${id}"`);
  const status: StoragePolicyStatus = {};
  const reserved = rules.proportionalCapacity;
  if (reserved !== undefined) {
    if (reserved !== 0 && reserved !== 100)
      throw new Error(`unexpected value for proportionalCapacity ${reserved}`);
    status.diskProvisioningMode = reserved === 0 ? 'Thin' : 'Thick';
  }
  const datastores = [...vsphere.store.ofKind<DatastoreRecord>('Datastore')]
    .map((ds) => ({
      id: { objectID: ds.id },
      type:
        ds.type === 'vsan' || ds.type === 'vsanD' || ds.type === 'VVOL'
          ? ('VSAN' as const)
          : ('VMFS' as const),
    }))
    .sort((a, b) => (a.id.objectID < b.id.objectID ? -1 : a.id.objectID > b.id.objectID ? 1 : 0));
  if (datastores.length === 0)
    throw new Error(`failed to query datastore types for policy "${id}": object references is empty`);
  status.datastores = datastores;
  const compliant = k8sCompliantName(name);
  status.storageClasses = [compliant, `${compliant}-latebinding`];
  if (rules.encryption) status.encrypted = true;
  return status;
}

export function startStoragePolicyControllers(
  manager: Manager,
  { kube, vsphere }: { kube: KubeStore; vsphere: VSphere },
): { storageClasses: Controller; storagePolicies: Controller } {
  const storageClasses = manager.controller({
    name: STORAGE_CLASS_CONTROLLER,
    reconcile: (key) => {
      const storageClass = kube.direct.get({ ...STORAGE_CLASS, name: parseObjectKey(key).name });
      if (!storageClass || storageClass.metadata.deletionTimestamp) return undefined;
      // vm-operator logs a class without a policy and leaves it.
      const id = storagePolicyIdOf(storageClass);
      if (id === undefined) return undefined;
      const name = storagePolicyObjectName(id);
      if (name === undefined) throw new Error(`invalid profile ID "${id}"`);
      const owner = {
        apiVersion: STORAGE_CLASS.apiVersion,
        kind: STORAGE_CLASS.kind,
        name: storageClass.metadata.name as string,
        uid: storageClass.metadata.uid as string,
      };
      const ref = { ...STORAGE_POLICY, namespace: VM_OPERATOR_NAMESPACE, name };
      const existing = kube.direct.get(ref);
      if (!existing) {
        kube.direct.create({
          ...STORAGE_POLICY,
          metadata: { name, namespace: VM_OPERATOR_NAMESPACE, ownerReferences: [owner] },
          spec: { id },
        });
        return undefined;
      }
      // As vm-operator's create-or-patch: the id set again, the class's reference put in place of
      // one to a class of the same name (controller-runtime's SetOwnerReference).
      const owners = existing.metadata.ownerReferences ?? [];
      const ownerReferences = withOwnerReference(owners, owner);
      const spec = existing.spec as { id?: string } | undefined;
      if (spec?.id !== id || !deepEqual(ownerReferences, owners))
        kube.direct.update({
          ...existing,
          metadata: { ...existing.metadata, ownerReferences },
          spec: { ...spec, id },
        });
      return undefined;
    },
  });
  storageClasses.watches(kube, STORAGE_CLASS);

  const storagePolicies = manager.controller({
    name: STORAGE_POLICY_CONTROLLER,
    reconcile: (key) => {
      const { namespace = '', name } = parseObjectKey(key);
      const policy = kube.direct.get({ ...STORAGE_POLICY, namespace, name }) as
        | (KubeObject & { spec?: { id?: string } })
        | undefined;
      if (!policy || policy.metadata.deletionTimestamp) return undefined;
      const id = policy.spec?.id;
      if (!id) throw new Error('profileID is empty');
      const status = policyStatus(vsphere, id);
      if (!deepEqual(status, policy.status)) kube.direct.updateStatus({ ...policy, status });
      return undefined;
    },
  });
  storagePolicies.watches(kube, STORAGE_POLICY);
  return { storageClasses, storagePolicies };
}
