/**
 * vm-operator's instance storage (its InstanceStorage capability): the local disks a class
 * gives its VMs (`spec.hardware.instanceStorage`), copied once into the VM's `spec.volumes` as
 * claims of their own (`instanceVolumeClaim`), made on the host placement chose and bound there
 * before the VM is deployed on that host. What the webhook, the VirtualMachine controller and the
 * volume controller share.
 */

import { AdmissionDenied } from '../store/errors.js';
import type { AdmitDeleteFunction, AdmitFunction } from '../store/kinds.js';
import { deepEqual, type KubeObject } from '../store/meta.js';
import { parseQuantity } from '../store/quantity.js';
import { skipsValidation } from './annotations.js';
import type { InstanceStorage, VirtualMachine, VirtualMachineVolume } from './types.js';
import { type FieldError, forbidden } from './validation.js';

/** A claim's name: the prefix and a UUID. */
export const INSTANCE_STORAGE_CLAIM_PREFIX = 'instance-pvc-';
/** The label of the claims vm-operator makes for instance storage. */
export const INSTANCE_STORAGE_LABEL = 'vmoperator.vmware.com/instance-storage-resource';
/** On the VM once every claim is bound on its host. */
export const INSTANCE_STORAGE_BOUND_ANNOTATION = 'vmoperator.vmware.com/instance-storage-pvcs-bound';
/** The host placement chose (its moref value), and its FQDN, the claims' selected node. */
export const INSTANCE_STORAGE_HOST_ANNOTATION = 'vmoperator.vmware.com/instance-storage-selected-node-moid';
export const INSTANCE_STORAGE_NODE_ANNOTATION = 'vmoperator.vmware.com/instance-storage-selected-node';
/** Where the CSI driver reports a claim it could not place on its node (`FAILED_...`). */
export const STORAGE_POOL_ANNOTATION = 'failure-domain.beta.vmware.com/storagepool';
export const STORAGE_POOL_FAILED_PREFIX = 'FAILED_';
/** What the CSI driver writes when the node's storage cannot take the claim. */
export const STORAGE_POOL_NOT_ENOUGH_RESOURCES = 'FAILED_PLACEMENT-NotEnoughResources';
/** How long a failed claim stays before vm-operator places the VM again (its PVPlacementFailedTTL). */
export const PLACEMENT_FAILED_TTL_MS = 5 * 60_000;

const NO_VOLUMES: readonly VirtualMachineVolume[] = [];

/**
 * A host's FQDN as vm-operator reads it from the host's DNS configuration (its host and domain
 * names, lowercased, no trailing dot), the node its claims select: a simulated host's is its name.
 */
export const hostNodeName = (hostName: string): string => hostName.replace(/\.$/, '').toLowerCase();

/** The VM's instance storage volumes, in the order of `spec.volumes`. */
export const instanceStorageVolumes = (vm: VirtualMachine): readonly VirtualMachineVolume[] =>
  vm.spec?.volumes?.some((v) => v.persistentVolumeClaim?.instanceVolumeClaim)
    ? vm.spec.volumes.filter((v) => v.persistentVolumeClaim?.instanceVolumeClaim)
    : NO_VOLUMES;

export const hasInstanceStorage = (vm: VirtualMachine): boolean => instanceStorageVolumes(vm).length > 0;

/**
 * The VM with its class's instance storage appended to its volumes, as vm-operator's create
 * copies it: once, whatever the class becomes later; undefined when there is nothing to add.
 */
export function withInstanceStorageVolumes(
  vm: VirtualMachine,
  storage: InstanceStorage | undefined,
  uuid: () => string,
): VirtualMachine | undefined {
  if (hasInstanceStorage(vm) || !storage?.volumes?.length) return undefined;
  const added = storage.volumes.map((volume): VirtualMachineVolume => {
    const name = INSTANCE_STORAGE_CLAIM_PREFIX + uuid();
    // `removable` as the API server's schema default gives it to what vm-operator's patch omits.
    return {
      name,
      persistentVolumeClaim: {
        claimName: name,
        instanceVolumeClaim: { storageClass: storage.storageClass ?? '', size: volume.size },
      },
      removable: true,
    };
  });
  return { ...vm, spec: { ...vm.spec, volumes: [...(vm.spec?.volumes ?? []), ...added] } };
}

/**
 * vm-operator's validateInstanceStorageVolumes, on create and update: only a privileged
 * account adds, changes, removes or reorders instance storage volumes.
 */
export function instanceStorageProblems(
  vm: VirtualMachine,
  old: VirtualMachine | undefined,
  privileged: boolean,
): FieldError[] {
  if (privileged) return [];
  const before = old ? instanceStorageVolumes(old) : NO_VOLUMES;
  const after = instanceStorageVolumes(vm);
  return after.length === before.length && after.every((v, i) => sameVolume(v, before[i]))
    ? []
    : [forbidden('spec.volumes', 'adding or modifying instance storage volume claim(s) is not allowed')];
}

/**
 * Two volumes alike as Go's semantic equality compares them: what is left out as what is empty,
 * sizes by their value.
 */
function sameVolume(a: VirtualMachineVolume, b: VirtualMachineVolume | undefined): boolean {
  const comparable = (v: VirtualMachineVolume) => {
    const source = v.persistentVolumeClaim;
    const claim = source?.instanceVolumeClaim;
    return {
      ...v,
      persistentVolumeClaim: {
        ...source,
        readOnly: source?.readOnly === true,
        instanceVolumeClaim: claim && {
          ...claim,
          size: parseQuantity(claim.size)?.nanos.toString() ?? claim.size,
        },
      },
    };
  };
  return b !== undefined && deepEqual(comparable(a), comparable(b));
}

/**
 * vm-operator's PersistentVolumeClaim validating webhook: only vm-operator, the Kubernetes
 * controllers and the CSI driver (privileged here) make, change or delete a claim with the
 * instance storage label, whatever its value, or give a claim that label.
 */
export const admitInstanceStorageClaim: AdmitFunction = (operation, claim, old, { privileged }) => {
  if (privileged) return undefined;
  claimDenied(
    claim,
    operation === 'CREATE'
      ? labelled(claim) && operationNotAllowed('CREATE')
      : labelled(old)
        ? operationNotAllowed('UPDATE')
        : labelled(claim) && 'adding instance storage label is not allowed',
  );
  return undefined;
};

/** The same webhook's judgement of a delete. */
export const admitInstanceStorageClaimDelete: AdmitDeleteFunction = (claim, { privileged }) => {
  if (!privileged) claimDenied(claim, labelled(claim) && operationNotAllowed('DELETE'));
};

const labelled = (object: KubeObject | undefined) =>
  object?.metadata.labels?.[INSTANCE_STORAGE_LABEL] !== undefined;

const operationNotAllowed = (operation: string) =>
  `${operation} operation on PVC with instance storage label is not allowed`;

function claimDenied(claim: KubeObject, problem: string | false): void {
  if (problem && !skipsValidation(claim))
    throw new AdmissionDenied('default.validating.persistentvolumeclaim.vmoperator.vmware.com', [
      forbidden(`metadata.labels[${INSTANCE_STORAGE_LABEL}]`, problem),
    ]);
}
