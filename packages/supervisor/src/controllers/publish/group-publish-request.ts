/**
 * vm-operator's VirtualMachineGroupPublishRequest controller: a group's VMs published as images,
 * one VirtualMachinePublishRequest each (see publish-request.ts).
 *
 * - The finalizer `vmoperator.vmware.com/virtualmachinegrouppublishrequest` first; deleted, the
 *   request deletes its publish requests, then drops it.
 * - A spec without its source, target or VMs (its webhook fills them on create) is left alone.
 * - `status.startTime` once; a publish request per VM not yet asked for (`<request>-<random>`,
 *   controlled by the group request and labelled with its uid, item `<request>-<vm>`);
 *   `status.images` per VM, by name: its publish request, image and conditions; `Complete` True
 *   with `completionTime` once every one is ready, else False `VirtualMachinePublishRequestsPending`.
 * - Complete, a request with `ttlSecondsAfterFinished` deletes itself that long after it completed.
 */

import type { Clock } from '@vsim/vsphere';
import { PUBLISH_MANAGED_BY_LABEL } from '../../api/group-publish-request-validation.js';
import type {
  VirtualMachineGroupPublishRequest,
  VirtualMachineGroupPublishRequestImageStatus,
  VirtualMachinePublishRequest,
} from '../../api/types.js';
import { IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import type { Controller, ReconcileOutcome } from '../../runtime/controller.js';
import { writeFinalizer } from '../../runtime/finalizers.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  controllerOf,
  controllerReference,
  deepEqual,
  type KubeObject,
  merged,
  timestamp,
} from '../../store/meta.js';
import { setCondition } from '../conditions.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';

export const GROUP_PUBLISH_REQUEST_CONTROLLER = 'virtualmachinegrouppublishrequest-controller';
export const GROUP_PUBLISH_REQUEST_FINALIZER = 'vmoperator.vmware.com/virtualmachinegrouppublishrequest';
const REQUEST = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineGroupPublishRequest' } as const;
const PUBLISH = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachinePublishRequest' } as const;

type GroupRequest = VirtualMachineGroupPublishRequest & KubeObject;
type Publish = VirtualMachinePublishRequest & KubeObject;

export function startGroupPublishRequestController(
  manager: Manager,
  { kube, clock }: { kube: KubeStore; clock: Clock },
): Controller {
  const now = () => timestamp(clock.now());

  /** The publish requests the group request made, by their VM. */
  const publishRequestsOf = (request: GroupRequest): Map<string, Publish> => {
    const out = new Map<string, Publish>();
    const all = kube.direct.list(PUBLISH.apiVersion, PUBLISH.kind, request.metadata.namespace) as Publish[];
    for (const publish of all)
      if (
        publish.metadata.labels?.[PUBLISH_MANAGED_BY_LABEL] === request.metadata.uid &&
        controllerOf(publish)?.uid === request.metadata.uid
      )
        out.set(publish.spec?.source?.name ?? '', publish);
    return out;
  };

  const newPublishRequest = (request: GroupRequest, vm: string): KubeObject => ({
    ...PUBLISH,
    metadata: {
      generateName: `${request.metadata.name}-`,
      namespace: request.metadata.namespace as string,
      ownerReferences: [controllerReference(request)],
      labels: { [PUBLISH_MANAGED_BY_LABEL]: request.metadata.uid ?? '' },
    },
    spec: {
      source: { name: vm, kind: 'VirtualMachine', apiVersion: VM_OPERATOR_API_VERSION },
      target: {
        location: {
          name: request.spec?.target ?? '',
          kind: 'ContentLibrary',
          apiVersion: IMAGE_REGISTRY_API_VERSION,
        },
        item: { name: `${request.metadata.name}-${vm}` },
      },
    },
  });

  /** The request's status for the publish requests it had when its pass began (by their VM). */
  const statusOf = (
    request: GroupRequest,
    existing: ReadonlyMap<string, Publish>,
  ): NonNullable<GroupRequest['status']> => {
    const images: VirtualMachineGroupPublishRequestImageStatus[] = [...existing]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([source, publish]) => ({
        source,
        publishRequestName: publish.metadata.name as string,
        ...(publish.status?.imageName ? { imageName: publish.status.imageName } : {}),
        ...(publish.status?.conditions ? { conditions: publish.status.conditions } : {}),
      }));
    const desired = request.spec?.virtualMachines ?? [];
    const done = [...existing].filter(([, publish]) => publish.status?.ready).map(([vm]) => vm);
    const complete = done.length === new Set(desired).size && desired.every((vm) => done.includes(vm));
    const status = request.status ?? {};
    const conditions = setCondition(
      status.conditions,
      'Complete',
      complete
        ? { status: 'True' }
        : {
            status: 'False',
            reason: 'VirtualMachinePublishRequestsPending',
            message: `waiting ${existing.size - done.length} more vm publish requests to be completed`,
          },
      now(),
    );
    return merged(
      status,
      { startTime: status.startTime ?? now(), images, conditions },
      complete ? { completionTime: now() } : {},
    );
  };

  const reconcile = async (key: string): Promise<ReconcileOutcome> => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const request = kube.direct.get({ ...REQUEST, namespace, name }) as GroupRequest | undefined;
    if (!request) return undefined;
    if (request.metadata.deletionTimestamp) {
      if (!request.metadata.finalizers?.includes(GROUP_PUBLISH_REQUEST_FINALIZER)) return undefined;
      for (const publish of publishRequestsOf(request).values())
        await kube
          .delete({ ...PUBLISH, namespace, name: publish.metadata.name as string })
          .catch(ignoreNotFound);
      writeFinalizer(kube, request, GROUP_PUBLISH_REQUEST_FINALIZER, false);
      return undefined;
    }
    if (writeFinalizer(kube, request, GROUP_PUBLISH_REQUEST_FINALIZER, true)) return undefined;
    const status = request.status ?? {};
    if (status.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) {
      const ttl = request.spec?.ttlSecondsAfterFinished;
      if (ttl === undefined) return undefined;
      const expiry = Date.parse(status.completionTime ?? '') + ttl * 1000;
      if (clock.now() < expiry) return { requeueAfter: expiry - clock.now() };
      await kube.delete({ ...REQUEST, namespace, name }).catch(ignoreNotFound);
      return undefined;
    }
    // A spec its webhook did not fill (the store's own writes pass no webhook) is not worked on.
    // vm-operator marks it Complete False with a sentence for a reason, which the schema's
    // pattern for reasons refuses: the condition is never stored, and the request stays as it is.
    const spec = request.spec;
    if (!spec?.source || !spec.target || !spec.virtualMachines?.length) return undefined;
    const existing = publishRequestsOf(request);
    for (const vm of spec.virtualMachines)
      if (!existing.has(vm)) kube.direct.create(newPublishRequest(request, vm));
    const next = statusOf(request, existing);
    if (!deepEqual(status, next)) kube.direct.updateStatus(merged(request, { status: next }));
    return undefined;
  };

  const controller = manager.controller({ name: GROUP_PUBLISH_REQUEST_CONTROLLER, reconcile });
  controller.watches(kube, REQUEST);
  // Its publish requests' changes requeue it.
  controller.watches(kube, PUBLISH, (object) => {
    const owner = controllerOf(object);
    return owner?.kind === REQUEST.kind
      ? [objectKey({ namespace: object.metadata.namespace, name: owner.name })]
      : undefined;
  });
  return controller;
}
