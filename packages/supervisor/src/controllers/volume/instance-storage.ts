/**
 * vm-operator's ReconcileInstanceStoragePVCs, which both volume controllers run first for a VM
 * with instance storage (with the InstanceStorage capability), on every pass:
 * - each volume's claim, found by name, counts when the VM controls it and it is not being
 *   deleted; one whose selected node is not the VM's host (the host placement chose, see the VM
 *   controller's instance-storage.ts) is stale and deleted;
 * - a claim the CSI driver could not place on its node (`failure-domain.beta.vmware.com/storagepool:
 *   FAILED_...`), once it is 5 minutes old, sends the VM back to placement: the host's annotations
 *   are taken off the VM and the failed claims deleted;
 * - once the VM has a host, the claims missing are made (labelled, on the host as their selected
 *   node, the VM their controller), and when all are bound the VM is annotated so, which lets its
 *   deployment go on.
 * Until then the pass comes back after 10 to 20 seconds, and at once when a claim changes.
 */
import type { Clock, Random } from '@vsim/vsphere';
import {
  INSTANCE_STORAGE_BOUND_ANNOTATION,
  INSTANCE_STORAGE_HOST_ANNOTATION,
  INSTANCE_STORAGE_LABEL,
  INSTANCE_STORAGE_NODE_ANNOTATION,
  instanceStorageVolumes,
  PLACEMENT_FAILED_TTL_MS,
  STORAGE_POOL_ANNOTATION,
  STORAGE_POOL_FAILED_PREFIX,
} from '../../api/instance-storage.js';
import type { VirtualMachine } from '../../api/types.js';
import { parseRfc3339 } from '../../api/vm-group-validation.js';
import { ENCRYPTION_CLASS_NAME_ANNOTATION } from '../../encryption-kinds.js';
import type { ReconcileResult } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import { parseObjectKey } from '../../runtime/keys.js';
import { aggregate, isKubeError } from '../../store/errors.js';
import { PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { controllerOf, controllerReference, type KubeObject, merged } from '../../store/meta.js';
import { type PersistentVolumeClaim, SELECTED_NODE_ANNOTATION } from '../csi/provisioner.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import { isPaused, ownerVmKeyOf } from './entries.js';

const PVC = PERSISTENT_VOLUME_CLAIM;
const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;
/** vm-operator's requeue while claims are not bound: its seed, and the jitter's largest factor. */
const UNBOUND_REQUEUE_MS = 10_000;
const UNBOUND_JITTER = 1.0;

export interface InstanceStorageDeps {
  readonly clock: Clock;
  readonly random: Random;
}

export interface VolumeControllerDeps {
  readonly kube: KubeStore;
  readonly recorderFor?: RecorderFor;
  /** With the InstanceStorage capability: the clock of failed claims' age, the random source of requeues. */
  readonly instanceStorage?: InstanceStorageDeps;
}

/**
 * What the pass found: the VM as it now is, whether its claims are ready for its attachments,
 * and when to look again if they are not (none once the VM was marked bound, as vm-operator's).
 */
interface InstanceStorageOutcome {
  readonly vm: VirtualMachine;
  readonly ready: boolean;
  readonly requeueAfter?: number;
}

function instanceStorageReconciler(kube: KubeStore, deps: InstanceStorageDeps, events: EventRecorder) {
  const { clock, random } = deps;

  const failed = (claim: PersistentVolumeClaim): boolean =>
    (claim.metadata.annotations?.[STORAGE_POOL_ANNOTATION] ?? '').startsWith(STORAGE_POOL_FAILED_PREFIX) &&
    clock.now() - (parseRfc3339(claim.metadata.creationTimestamp) ?? clock.now()) >= PLACEMENT_FAILED_TTL_MS;

  const deleteClaims = (namespace: string, names: readonly string[], errors: string[]) => {
    for (const name of names)
      try {
        kube.direct.delete({ ...PVC, namespace, name });
      } catch (error) {
        if (!isKubeError(error)) throw error;
        if (error.code !== 404) errors.push(error.message);
      }
  };

  const writeAnnotations = (vm: VirtualMachine, annotations: Record<string, string>): VirtualMachine =>
    kube.direct.update(
      merged(vm, { metadata: merged(vm.metadata, { annotations }) }) as unknown as KubeObject,
    ) as unknown as VirtualMachine;

  const createClaim = (
    vm: VirtualMachine,
    name: string,
    storageClass: string,
    size: string,
    node: string,
  ) => {
    const encryptionClass = vm.spec?.crypto?.encryptionClassName;
    try {
      kube.direct.create({
        ...PVC,
        metadata: {
          name,
          namespace: vm.metadata.namespace as string,
          labels: { [INSTANCE_STORAGE_LABEL]: 'true' },
          annotations: {
            [SELECTED_NODE_ANNOTATION]: node,
            ...(encryptionClass ? { [ENCRYPTION_CLASS_NAME_ANNOTATION]: encryptionClass } : {}),
          },
          ownerReferences: [controllerReference({ ...VM, metadata: vm.metadata })],
        },
        spec: {
          storageClassName: storageClass,
          resources: { requests: { storage: size } },
          accessModes: ['ReadWriteOnce'],
        },
      });
      return undefined;
    } catch (error) {
      if (!isKubeError(error)) throw error;
      // A namespace out of quota is told on the VM.
      if (error.code === 403 && /insufficient quota|exceeded quota/.test(error.message))
        events.emit(vm as unknown as KubeObject, 'Create', error, true);
      return error.message;
    }
  };

  return (vm: VirtualMachine): InstanceStorageOutcome => {
    const volumes = instanceStorageVolumes(vm);
    if (volumes.length === 0) return { vm, ready: true };
    const namespace = vm.metadata.namespace as string;
    const node = vm.metadata.annotations?.[INSTANCE_STORAGE_NODE_ANNOTATION] ?? '';
    const existing = new Set<string>();
    const stale: string[] = [];
    const failures: string[] = [];
    let bound = 0;
    for (const volume of volumes) {
      const name = volume.persistentVolumeClaim?.claimName as string;
      const claim = kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined;
      // One being deleted is left to go (a claim of a placement before), and made again.
      if (!claim || claim.metadata.deletionTimestamp) continue;
      if (controllerOf(claim)?.uid !== vm.metadata.uid) continue;
      existing.add(name);
      const selected = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
      if (selected === undefined || selected !== node) stale.push(name);
      else if (failed(claim)) failures.push(name);
      else if (claim.status?.phase === 'Bound') bound++;
    }
    const errors: string[] = [];
    let current = vm;
    if (failures.length > 0) {
      // Placed again: the VM controller chooses a host anew.
      const annotations = { ...vm.metadata.annotations };
      delete annotations[INSTANCE_STORAGE_HOST_ANNOTATION];
      delete annotations[INSTANCE_STORAGE_NODE_ANNOTATION];
      current = writeAnnotations(vm, annotations);
      deleteClaims(namespace, failures, errors);
    } else {
      deleteClaims(namespace, stale, errors);
      if (node !== '')
        for (const volume of volumes) {
          const claim = volume.persistentVolumeClaim;
          if (!claim?.instanceVolumeClaim || existing.has(volume.name)) continue;
          const problem = createClaim(
            vm,
            claim.claimName,
            claim.instanceVolumeClaim.storageClass,
            claim.instanceVolumeClaim.size,
            node,
          );
          if (problem) errors.push(problem);
        }
      if (
        bound === volumes.length &&
        current.metadata.annotations?.[INSTANCE_STORAGE_BOUND_ANNOTATION] !== 'true'
      )
        current = writeAnnotations(current, {
          ...current.metadata.annotations,
          [INSTANCE_STORAGE_BOUND_ANNOTATION]: 'true',
        });
    }
    if (errors.length > 0) throw new Error(aggregate(errors));
    if (bound === volumes.length && failures.length === 0) return { vm: current, ready: true };
    if (current.metadata.annotations?.[INSTANCE_STORAGE_BOUND_ANNOTATION] !== undefined)
      return { vm: current, ready: false };
    const requeueAfter =
      UNBOUND_REQUEUE_MS + Math.floor(UNBOUND_REQUEUE_MS * UNBOUND_JITTER * random.float());
    return { vm: current, ready: false, requeueAfter };
  };
}

/**
 * The VM a volume controller's pass of `key` works on, or the pass's result without one: none
 * for a VM gone, paused or being deleted (its attachments go with it, as the garbage collector
 * deletes what it owns), and, with instance storage, a wait while its claims are not bound.
 */
export function volumeVmReader(deps: VolumeControllerDeps, component: string) {
  const { kube } = deps;
  const instanceStorage =
    deps.instanceStorage &&
    instanceStorageReconciler(kube, deps.instanceStorage, recorderOf(deps, component));
  return (key: string): { vm: VirtualMachine } | { result: ReconcileResult | undefined } => {
    const { namespace = '', name } = parseObjectKey(key);
    const vm = kube.direct.get({ ...VM, namespace, name }) as unknown as VirtualMachine | undefined;
    if (!vm || isPaused(vm) || vm.metadata.deletionTimestamp) return { result: undefined };
    // Its instance storage's claims first: the VM is deployed once they are bound.
    if (!instanceStorage) return { vm };
    const outcome = instanceStorage(vm);
    if (outcome.ready) return { vm: outcome.vm };
    return {
      result: outcome.requeueAfter === undefined ? undefined : { requeueAfter: outcome.requeueAfter },
    };
  };
}

/** The VM a claim of instance storage belongs to (its controller), to wake when the claim changes. */
export const instanceStorageOwnerKey = (claim: KubeObject): string[] | undefined =>
  claim.metadata.labels?.[INSTANCE_STORAGE_LABEL] === 'true' ? ownerVmKeyOf(claim) : undefined;
