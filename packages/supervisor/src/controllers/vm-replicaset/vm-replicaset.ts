/**
 * vm-operator's VirtualMachineReplicaSet controller: a set keeps `spec.replicas` VirtualMachines
 * of its template, as Kubernetes' ReplicaSet keeps Pods.
 *
 * - The finalizer `virtualmachinereplicaset.vmoperator.vmware.com` first; a deleted set drops it
 *   at once, and its VMs go with it (it is their controller).
 * - The VMs of the namespace with the selector's labels (its `matchLabels`, and `In` expressions
 *   of one value: vm-operator lists VMs by a label map, and a selector that is none fails the
 *   pass) are the set's when it controls them, and orphans among them are adopted; each gets the
 *   label `vmoperator.vmware.com/replicaset-name` (the set's name, or a hash of it when it is no
 *   label value).
 * - Too few: VMs made of the template (`<set>-<random>`, its labels and that label, its
 *   annotations, its spec); a create refused is `VirtualMachinesCreated` False
 *   `VirtualMachineCreationFailed`. Too many: those being deleted go first, then by name.
 * - Status: `replicas` the VMs it has, `fullyLabeledReplicas` those with every label of the
 *   template, `readyReplicas` every VM it has (as vm-operator counts them),
 *   `observedGeneration`; `Resized` False `ScalingUp`/`ScalingDown` while the count differs, True
 *   once it is reached; `VirtualMachinesCreated` True once none is missing. Until every replica
 *   is ready the set is looked at again 15 s on.
 */

import type { Clock } from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineReplicaSet } from '../../api/types.js';
import { REPLICA_SET_NAME_LABEL } from '../../api/vm-replicaset-validation.js';
import type { Controller, ReconcileOutcome } from '../../runtime/controller.js';
import { writeFinalizer } from '../../runtime/finalizers.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  controllerOf,
  controllerReference,
  deepEqual,
  type KubeObject,
  merged,
  timestamp,
} from '../../store/meta.js';
import { isLabelValue } from '../../store/names.js';
import { labelSelectorMatcher } from '../../store/selectors.js';
import { type ConditionState, setCondition } from '../conditions.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';

export const VM_REPLICA_SET_CONTROLLER = 'virtualmachinereplicaset-controller';
export const VM_REPLICA_SET_FINALIZER = 'virtualmachinereplicaset.vmoperator.vmware.com';
/** How long a set whose replicas are not all ready waits before it is looked at again. */
export const REPLICA_SET_REQUEUE_MS = 15_000;

const SET = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineReplicaSet' } as const;
const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;

type ReplicaSet = VirtualMachineReplicaSet & KubeObject;
type Vm = VirtualMachine & KubeObject;

/** FNV-1a, 32 bits. */
const fnv32a = (text: string): Buffer => {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE(hash);
  return out;
};

/** A name as a label value, as vm-operator formats it: itself, or `hash_<FNV-1a in base64url>_z`. */
export function replicaSetLabelValue(name: string): string {
  return isLabelValue(name) ? name : `hash_${fnv32a(name).toString('base64url')}_z`;
}

/** The selector as the label map vm-operator lists VMs by (`LabelSelectorAsMap`), or why it is none. */
function selectorMap(set: ReplicaSet): Record<string, string> | string {
  const selector = set.spec?.selector ?? {};
  const map: Record<string, string> = { ...selector.matchLabels };
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator !== 'In') return `"${e.operator}" cannot be converted into the old label selector format`;
    if (e.values?.length !== 1)
      return `operator "${e.operator}" without a single value cannot be converted into the old label selector format`;
    map[e.key] = e.values[0] as string;
  }
  return map;
}

const hasLabels = (labels: Record<string, string> | undefined, wanted: Record<string, string>): boolean =>
  Object.entries(wanted).every(([key, value]) => labels?.[key] === value);

export function startVirtualMachineReplicaSetController(
  manager: Manager,
  deps: { kube: KubeStore; clock: Clock; recorderFor?: RecorderFor },
): Controller {
  const { kube, clock } = deps;
  const events = recorderOf(deps, VM_REPLICA_SET_CONTROLLER);
  const now = () => timestamp(clock.now());

  /** A new VM of the set's template. */
  const newVm = (set: ReplicaSet): KubeObject => {
    const template = set.spec?.template ?? {};
    return {
      ...VM,
      metadata: {
        generateName: `${set.metadata.name}-`,
        namespace: set.metadata.namespace as string,
        ownerReferences: [controllerReference(set)],
        labels: {
          ...template.metadata?.labels,
          [REPLICA_SET_NAME_LABEL]: replicaSetLabelValue(set.metadata.name as string),
        },
        annotations: { ...template.metadata?.annotations },
      },
      spec: structuredClone(template.spec ?? {}),
    };
  };

  /** The VMs to delete when there are `excess` too many: those being deleted first, then by name. */
  const toDelete = (vms: readonly Vm[], excess: number): Vm[] =>
    [...vms]
      .sort((a, b) => {
        const [x, y] = [a.metadata.deletionTimestamp ? 0 : 1, b.metadata.deletionTimestamp ? 0 : 1];
        if (x !== y) return x - y;
        return (a.metadata.name as string) < (b.metadata.name as string) ? -1 : 1;
      })
      .slice(0, excess);

  /** Creates or deletes VMs to the count asked for; the errors of what failed. */
  const syncReplicas = async (set: ReplicaSet, vms: readonly Vm[]): Promise<Error[]> => {
    const errors: Error[] = [];
    const want = set.spec?.replicas ?? 1;
    const object = set as unknown as KubeObject;
    for (let i = vms.length; i < want; i++)
      try {
        const vm = kube.direct.create(newVm(set));
        events.normal(object, 'SuccessfulCreate', `Created vm ${JSON.stringify(vm.metadata.name)}`);
      } catch (error) {
        events.warning(
          object,
          'FailedCreate',
          `Failed to create VirtualMachine: ${(error as Error).message}`,
        );
        errors.push(error as Error);
      }
    // Short, only created; over, only deleted.
    const excess = vms.length - want;
    for (const vm of excess > 0 ? toDelete(vms, excess) : [])
      if (!vm.metadata.deletionTimestamp) {
        const name = vm.metadata.name as string;
        try {
          await kube.delete({ ...VM, namespace: vm.metadata.namespace as string, name });
          events.normal(object, 'SuccessfulDelete', `Deleted VM ${JSON.stringify(name)}`);
        } catch (error) {
          events.warning(
            object,
            'FailedDelete',
            `Failed to delete VM ${JSON.stringify(name)}: ${(error as Error).message}`,
          );
          errors.push(error as Error);
        }
      }
    return errors;
  };

  /**
   * The status vm-operator writes for the VMs the set had when the pass began (its creates and
   * deletes show in the next pass), and the last create it could not make.
   */
  const statusOf = (set: ReplicaSet, vms: readonly Vm[], createFailure: Error | undefined) => {
    const want = set.spec?.replicas ?? 1;
    const templateLabels = set.spec?.template?.metadata?.labels ?? {};
    const before = set.status ?? {};
    const counts = {
      replicas: vms.length,
      fullyLabeledReplicas: vms.filter((vm) => hasLabels(vm.metadata.labels, templateLabels)).length,
      readyReplicas: vms.length,
    };
    const changed =
      before.replicas !== counts.replicas ||
      before.fullyLabeledReplicas !== counts.fullyLabeledReplicas ||
      before.readyReplicas !== counts.readyReplicas ||
      before.observedGeneration !== set.metadata.generation;
    let conditions = before.conditions;
    const mark = (type: string, state: ConditionState) => {
      conditions = setCondition(conditions, type, state, now());
    };
    if (createFailure)
      mark('VirtualMachinesCreated', {
        status: 'False',
        reason: 'VirtualMachineCreationFailed',
        message: createFailure.message,
      });
    if (counts.replicas < want)
      mark('Resized', {
        status: 'False',
        reason: 'ScalingUp',
        message: `Scaling up VirtualMachineReplicaSet to ${want} replicas (currentReplicas ${counts.replicas})`,
      });
    else {
      if (counts.replicas > want)
        mark('Resized', {
          status: 'False',
          reason: 'ScalingDown',
          message: `Scaling down VirtualMachineReplicaSet to ${want} replicas (currentReplicas ${counts.replicas})`,
        });
      else if (counts.readyReplicas === counts.replicas) mark('Resized', { status: 'True' });
      mark('VirtualMachinesCreated', { status: 'True' });
    }
    const status = merged(
      before,
      changed ? { ...counts, observedGeneration: set.metadata.generation ?? 0 } : {},
      conditions ? { conditions } : {},
    );
    // Go's omitempty: no count of none but the replicas, which it always writes.
    if (status.fullyLabeledReplicas === 0) delete status.fullyLabeledReplicas;
    if (status.readyReplicas === 0) delete status.readyReplicas;
    return status;
  };

  const reconcile = async (key: string): Promise<ReconcileOutcome> => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const set = kube.direct.get({ ...SET, namespace, name }) as ReplicaSet | undefined;
    if (!set) return undefined;
    // Deleted, it lets go at once: its VMs go with it (it is their controller).
    if (writeFinalizer(kube, set, VM_REPLICA_SET_FINALIZER, !set.metadata.deletionTimestamp)) {
      if (set.metadata.deletionTimestamp) events.emit(set as unknown as KubeObject, 'Delete', undefined);
      return undefined;
    }
    if (set.metadata.deletionTimestamp) return undefined;
    const labels = selectorMap(set);
    if (typeof labels === 'string')
      throw new Error(
        `failed to convert VirtualMachineReplicaSet ${JSON.stringify(name)} label selector to a map: ${labels}`,
      );
    const label = replicaSetLabelValue(name);
    const vms: Vm[] = [];
    for (const listed of kube.direct.list(VM.apiVersion, VM.kind, namespace) as Vm[]) {
      if (!hasLabels(listed.metadata.labels, labels)) continue;
      let vm = listed;
      const owner = controllerOf(vm);
      if (!owner) {
        // An orphan the selector picks is adopted (a VM being deleted too, as vm-operator does).
        vm = kube.direct.update(
          merged(vm, {
            metadata: merged(vm.metadata, {
              ownerReferences: [...(vm.metadata.ownerReferences ?? []), controllerReference(set)],
            }),
          }),
        ) as Vm;
        events.normal(
          set as unknown as KubeObject,
          'SuccessfulAdopt',
          `Adopted VirtualMachine ${JSON.stringify(vm.metadata.name)}`,
        );
      } else if (owner.uid !== set.metadata.uid) continue;
      if (vm.metadata.labels?.[REPLICA_SET_NAME_LABEL] !== label)
        vm = kube.direct.update(
          merged(vm, {
            metadata: merged(vm.metadata, {
              labels: { ...vm.metadata.labels, [REPLICA_SET_NAME_LABEL]: label },
            }),
          }),
        ) as Vm;
      vms.push(vm);
    }
    const errors = await syncReplicas(set, vms);
    const creates = (set.spec?.replicas ?? 1) - vms.length;
    const status = statusOf(set, vms, creates > 0 ? errors.at(-1) : undefined);
    if (!deepEqual(set.status ?? {}, status)) kube.direct.updateStatus(merged(set, { status }));
    if (errors.length > 0)
      throw new Error(
        `failed to sync VirtualMachineReplicaSet replicas: ${errors.map((e) => e.message).join(', ')}`,
      );
    return status.readyReplicas === (set.spec?.replicas ?? 1)
      ? undefined
      : { requeueAfter: REPLICA_SET_REQUEUE_MS };
  };

  const controller = manager.controller({ name: VM_REPLICA_SET_CONTROLLER, reconcile });
  controller.watches(kube, SET);
  // Its VMs' changes requeue their set; an orphan's, the sets whose selectors pick it.
  controller.watches(kube, VM, (object) => {
    const owner = controllerOf(object);
    const namespace = object.metadata.namespace;
    if (owner) return owner.kind === SET.kind ? [objectKey({ namespace, name: owner.name })] : undefined;
    if (!object.metadata.labels) return undefined;
    const keys: string[] = [];
    for (const set of kube.direct.list(SET.apiVersion, SET.kind, namespace) as ReplicaSet[]) {
      try {
        const selector = labelSelectorMatcher(set.spec?.selector ?? {});
        if (!selector.empty && selector.matches(object.metadata.labels))
          keys.push(objectKey({ namespace, name: set.metadata.name as string }));
      } catch {
        // A selector that is none picks no VM.
      }
    }
    return keys;
  });
  return controller;
}
