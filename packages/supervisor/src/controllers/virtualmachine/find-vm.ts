/**
 * How vm-operator finds the vSphere VM of a VirtualMachine it knows nothing of yet (its
 * GetVirtualMachine): by the managed object id in `status.uniqueID`, else by `spec.instanceUUID`,
 * else by the resource's own UID (older releases made it the instance UUID), each looked up in
 * the datacenter of the provider config. A VM found so is the resource's: an import, a restore,
 * or a resource made again for a VM kept in vSphere is updated, not deployed a second time.
 */
import { type VmRecord, type VSphere, vmsWithInstanceUuid } from '@vsim/vsphere';
import type { VirtualMachine } from '../../api/types.js';
import { PROVIDER_CONFIG_MAP, VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import type { KubeStore } from '../../store/kube-store.js';

/** The VM's vSphere VM, undefined when there is none. Fails as vm-operator does when several VMs have the UUID. */
export function findVsphereVm(kube: KubeStore, vsphere: VSphere, vm: VirtualMachine): VmRecord | undefined {
  const id = vm.status?.uniqueID;
  const byId = id ? vsphere.store.get(id) : undefined;
  if (byId?.kind === 'VirtualMachine') return byId as VmRecord;
  // (vm-operator fails on a VM with neither an id nor an instance UUID: the create webhook gives
  // every VM the latter, which stays.)
  const instanceUUID = vm.spec?.instanceUUID;
  const byInstance = instanceUUID ? byInstanceUuid(kube, vsphere, instanceUUID) : undefined;
  if (byInstance) return byInstance;
  const uid = vm.metadata.uid;
  return uid && uid !== instanceUUID ? byInstanceUuid(kube, vsphere, uid) : undefined;
}

/** SearchIndex's FindAllByUuid of VMs by instance UUID, in the provider config's datacenter. */
function byInstanceUuid(kube: KubeStore, vsphere: VSphere, uuid: string): VmRecord | undefined {
  const found = vmsWithInstanceUuid(vsphere.store, uuid, () => providerDatacenter(kube, vsphere));
  if (found.length > 1) throw new Error(`found multiple VMs for instance UUID "${uuid}" (${found.length})`);
  return found[0];
}

/** vm-operator's provider config (its vCenter, datacenter, ...), as the store has it. */
export const providerConfig = (kube: KubeStore): Record<string, string> | undefined =>
  (
    kube.direct.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: VM_OPERATOR_NAMESPACE,
      name: PROVIDER_CONFIG_MAP,
    }) as { data?: Record<string, string> } | undefined
  )?.data;

/** The provider config's datacenter (a managed object id), when it names one. */
function providerDatacenter(kube: KubeStore, vsphere: VSphere): string | undefined {
  const id = providerConfig(kube)?.Datacenter;
  return id && vsphere.store.get(id)?.kind === 'Datacenter' ? id : undefined;
}
