/**
 * The vSphere CSI driver's kinds that vm-operator uses to attach claims to a VM (group
 * `cns.vmware.com`, v1alpha1):
 * - CnsNodeVmAttachment, one claim: `spec.nodeuuid` (the VM's BIOS UUID) and `spec.volumename`
 *   (a PersistentVolumeClaim of its namespace); status `attached`, `metadata` (`diskUUID`,
 *   `cnsVolumeId`) and `error`;
 * - CnsNodeVMBatchAttachment (shared disks), every claim of one VM, named after it:
 *   `spec.instanceUUID` and `spec.volumes`, each a claim with its controller's device key, unit,
 *   disk mode and sharing; status a `Ready` condition and an entry per volume (`cnsVolumeId`,
 *   `diskUUID`, its `VolumeAttached` or `VolumeDetached` condition);
 * - CnsRegisterVolume, a disk of vSphere (`spec.diskURLPath`, or a First Class Disk's
 *   `spec.volumeID`) made the volume of the claim `spec.pvcName`; status `registered` and `error`.
 */
import { registerCustomResource } from './api/crd-shapes.js';
import type { KindDefinition } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';

export const CNS_GROUP = 'cns.vmware.com';
export const CNS_API_VERSION = `${CNS_GROUP}/v1alpha1`;
export const CNS_NODE_VM_ATTACHMENT = { apiVersion: CNS_API_VERSION, kind: 'CnsNodeVmAttachment' } as const;
/** What the CSI driver and vm-operator add to the name of a volume whose disk is being detached. */
export const DETACHING_SUFFIX = ':detaching';
export const CNS_NODE_VM_BATCH_ATTACHMENT = {
  apiVersion: CNS_API_VERSION,
  kind: 'CnsNodeVMBatchAttachment',
} as const;

export const CNS_REGISTER_VOLUME = { apiVersion: CNS_API_VERSION, kind: 'CnsRegisterVolume' } as const;

export const CNS_KINDS: readonly KindDefinition[] = [
  {
    group: CNS_GROUP,
    versions: ['v1alpha1'],
    kind: 'CnsNodeVmAttachment',
    plural: 'cnsnodevmattachments',
    namespaced: true,
    hasStatus: true,
    selectableFields: {
      'spec.nodeuuid': (o) => {
        const uuid = (o.spec as { nodeuuid?: unknown } | undefined)?.nodeuuid;
        return typeof uuid === 'string' ? uuid : undefined;
      },
    },
  },
  {
    group: CNS_GROUP,
    versions: ['v1alpha1'],
    kind: 'CnsNodeVMBatchAttachment',
    plural: 'cnsnodevmbatchattachments',
    namespaced: true,
    hasStatus: true,
  },
  {
    group: CNS_GROUP,
    versions: ['v1alpha1'],
    kind: 'CnsRegisterVolume',
    plural: 'cnsregistervolumes',
    namespaced: true,
    hasStatus: true,
  },
];

export const registerCnsKinds = (store: KubeStore): void => {
  for (const kind of CNS_KINDS) registerCustomResource(store, kind);
};
