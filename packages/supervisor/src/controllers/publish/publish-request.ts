/**
 * vm-operator's VirtualMachinePublishRequest controller: captures a VirtualMachine of the
 * request's namespace as an OVF template in a content library, then waits for the
 * VirtualMachineImage the image controller makes of the new item. The order of work is
 * vm-operator's `ReconcileNormal`:
 *
 * - the finalizer first; a request that is Complete is left alone (and deleted once its
 *   `ttlSecondsAfterFinished` has passed), one that failed for good (Complete False
 *   `Fatal`) is never retried;
 * - `startTime`, `sourceRef` (`spec.source.name`, default the request's own name) and
 *   `targetRef` (item name default `<vm>-image`) are set once;
 * - the target library must exist (TargetValid False `TargetContentLibraryNotExist`);
 * - until the item is uploaded: the source VM must exist and be created in vSphere
 *   (SourceValid False `SourceVirtualMachineNotExist` / `SourceVirtualMachineNotCreated`),
 *   the library must be writable and hold no item of the target name (TargetValid False
 *   `TargetContentLibraryNotWritable` / `TargetItemAlreadyExists`, the latter not retried);
 *   then one attempt (`attempts`, `lastAttemptTime`; at most `spec.backoffLimit`, default 3,
 *   else Complete False `Fatal`) captures the VM: Uploaded True, or False `UploadFailure`
 *   and another attempt a minute later;
 * - ImageAvailable once a VirtualMachineImage of the namespace names the item as its
 *   `providerItemID` (`status.imageName`); then Complete, `ready`, `completionTime`.
 *
 * The item is tied to the request by a marker in its description until the image is
 * available (see library-provider.ts, which also says how a target location names a
 * library here). The capture is synchronous, so the item id is known at once; it is kept in
 * memory, as vCenter keeps the task vm-operator reads it from. Besides vm-operator's watch
 * on VirtualMachineImages, a request is reconciled when the VirtualMachine it names
 * changes and when content libraries or their items change, so it converges as soon as
 * what it waited for is there.
 */
import { isVimFault, type LibraryRecord, type VSphere } from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineImage, VirtualMachinePublishRequest } from '../../api/types.js';
import type { Controller, ReconcileOutcome } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { clone, deepEqual, type KubeObject, timestamp } from '../../store/meta.js';
import { isTiedTo, libraryProvider } from './library-provider.js';
import {
  PUBLISH_CONDITION as C,
  checkComplete,
  conditionOf,
  fail,
  isPending,
  isTrue,
  mark,
  type Pass,
  PUBLISH_REASON as R,
  RETRY_AFTER_MS,
  setRefs,
  sourceNameOf,
  untilRetry,
} from './request-status.js';

export const PUBLISH_REQUEST_CONTROLLER = 'virtualmachinepublishrequest-controller';
export const PUBLISH_REQUEST_FINALIZER = 'vmoperator.vmware.com/virtualmachinepublishrequest';
/** The finalizer older vm-operators added; removed wherever it is found. */
const DEPRECATED_FINALIZER = 'virtualmachinepublishrequest.vmoperator.vmware.com';

const API_VERSION = 'vmoperator.vmware.com/v1alpha6';
const REQUEST = { apiVersion: API_VERSION, kind: 'VirtualMachinePublishRequest' } as const;
/** The CRD's default of `spec.backoffLimit`. */
const DEFAULT_BACKOFF_LIMIT = 3;
/** vm-operator's requeue while the image of an uploaded item is awaited. */
const IMAGE_WAIT_MS = 10_000;

export interface PublishRequestControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
}

export interface PublishRequestController {
  readonly controller: Controller;
  /** Stops following the vSphere store (the controller itself stops with its manager). */
  stop(): void;
}

type Request = VirtualMachinePublishRequest;

/** Where a pass ends before the image is looked at, and what the reconcile answers. */
interface Stop {
  outcome: ReconcileOutcome;
}

/**
 * Starts the publish request controller on `manager` (it runs once the manager is
 * started). See the file comment for what it does.
 */
export function startPublishRequestController(
  manager: Manager,
  deps: PublishRequestControllerDeps,
): PublishRequestController {
  const { kube, vsphere } = deps;
  const libraries = libraryProvider(vsphere);
  /** Uploaded item ids by request uid: what vm-operator reads back from the capture task. */
  const uploads = new Map<string, string>();

  const save = async (pass: Pass): Promise<void> => {
    if (deepEqual(pass.request.status, pass.status)) return;
    const written = await kube.updateStatus({
      ...pass.request,
      status: pass.status,
    } as unknown as KubeObject);
    pass.request = written as unknown as Request;
  };

  /** vm-operator's checkIsSourceValid: the VM's moref value, or where the pass stops. */
  const checkSource = async (pass: Pass): Promise<string | Stop> => {
    const name = pass.status.sourceRef?.name ?? '';
    const namespace = pass.request.metadata.namespace ?? '';
    const vm = (await kube
      .get({ apiVersion: API_VERSION, kind: 'VirtualMachine', namespace, name })
      .catch(ignoreNotFound)) as unknown as VirtualMachine | undefined;
    if (!vm) {
      fail(
        pass,
        C.sourceValid,
        R.sourceNotExist,
        `virtualmachines.vmoperator.vmware.com "${name}" not found`,
      );
    } else if (!vm.status?.uniqueID) {
      fail(pass, C.sourceValid, R.sourceNotCreated, "VM hasn't been created and has no uniqueID");
    } else {
      mark(pass, C.sourceValid, { status: 'True' });
      return vm.status.uniqueID;
    }
    await save(pass);
    return { outcome: { requeue: true } };
  };

  /** vm-operator's checkIsTargetValid; an item it made on an earlier attempt counts as uploaded. */
  const checkTarget = async (pass: Pass, library: LibraryRecord): Promise<Stop | undefined> => {
    const itemName = pass.status.targetRef?.item?.name ?? '';
    const uid = pass.request.metadata.uid ?? '';
    if (library.type !== 'LOCAL') {
      fail(
        pass,
        C.targetValid,
        R.targetLibraryNotWritable,
        `target location ${library.name} is not writable`,
      );
      await save(pass);
      return { outcome: { requeue: true } };
    }
    const existing = libraries.itemNamed(library.id, itemName);
    if (existing && (pass.status.attempts ?? 0) > 0 && isTiedTo(existing, uid)) {
      mark(pass, C.targetValid, { status: 'True' });
      mark(pass, C.uploaded, { status: 'True' });
      pass.itemId = existing.id;
      return undefined;
    }
    if (existing) {
      const message = `item with name ${itemName} already exists in the content library ${library.name}`;
      fail(pass, C.targetValid, R.targetItemAlreadyExists, message);
      await save(pass);
      return { outcome: undefined };
    }
    mark(pass, C.targetValid, { status: 'True' });
    return undefined;
  };

  /** One capture attempt, counted in the status before it is made. */
  const attempt = async (pass: Pass, library: LibraryRecord, vm: string): Promise<Stop | undefined> => {
    const { spec, metadata } = pass.request;
    const attempts = pass.status.attempts ?? 0;
    const limit = spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
    if (limit !== 0 && attempts >= limit) {
      fail(pass, C.complete, R.fatal, `publish attempts limit has been reached: ${attempts}`);
      await save(pass);
      return { outcome: undefined };
    }
    pass.status.attempts = attempts + 1;
    pass.status.lastAttemptTime = pass.now;
    // Written first: a stale request fails here with a conflict and never captures twice.
    await save(pass);
    const uid = metadata.uid ?? '';
    try {
      const itemId = libraries.capture(vm, {
        libraryId: library.id,
        name: pass.status.targetRef?.item?.name ?? '',
        description: spec?.target?.item?.description ?? '',
        uid,
      });
      uploads.set(uid, itemId);
      pass.itemId = itemId;
      mark(pass, C.uploaded, { status: 'True' });
      return undefined;
    } catch (error) {
      if (!isVimFault(error)) throw error;
      fail(pass, C.uploaded, R.uploadFailure, error.message);
      await save(pass);
      return { outcome: { requeueAfter: RETRY_AFTER_MS } };
    }
  };

  /** The uploaded item: from this pass, from memory, or the item still tied to the request. */
  const uploadedItemOf = (pass: Pass): string | undefined => {
    const uid = pass.request.metadata.uid ?? '';
    const known = pass.itemId ?? uploads.get(uid);
    if (known !== undefined) return known;
    const library = pass.library;
    const item = library && libraries.itemNamed(library.id, pass.status.targetRef?.item?.name ?? '');
    return item && isTiedTo(item, uid) ? item.id : undefined;
  };

  /** vm-operator's checkIsImageAvailable: the namespace's image of the uploaded item. */
  const checkImage = async (pass: Pass): Promise<void> => {
    const status = pass.status;
    if (!isTrue(status.conditions, C.uploaded)) return;
    if (status.imageName && isTrue(status.conditions, C.imageAvailable)) return;
    const itemId = uploadedItemOf(pass);
    if (itemId !== undefined) pass.itemId = itemId;
    const namespace = pass.request.metadata.namespace ?? '';
    const images =
      itemId === undefined
        ? []
        : ((await kube.list({ apiVersion: API_VERSION, kind: 'VirtualMachineImage', namespace }))
            .items as unknown[] as VirtualMachineImage[]);
    const image = images.find((i) => i.status?.providerItemID === itemId);
    if (image) {
      status.imageName = image.metadata.name ?? '';
      mark(pass, C.imageAvailable, { status: 'True' });
    } else fail(pass, C.imageAvailable, R.imageNotFound, 'VirtualMachineImage not found');
  };

  /** Once the image is there, the item's description loses the request's prefix. */
  const releaseItem = (pass: Pass): void => {
    if (!isTrue(pass.status.conditions, C.imageAvailable)) return;
    const itemId = pass.itemId ?? uploadedItemOf(pass);
    const item = itemId === undefined ? undefined : libraries.item(itemId);
    const description = pass.request.spec?.target?.item?.description ?? '';
    if (item && item.description !== description) libraries.setDescription(item.id, description);
  };

  /** A complete request with `ttlSecondsAfterFinished` goes once that has passed. */
  const expire = async (request: Request): Promise<ReconcileOutcome> => {
    const ttl = request.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined) return undefined;
    const completed = Date.parse(request.status?.completionTime ?? '');
    const left = (Number.isNaN(completed) ? 0 : completed) + ttl * 1000 - vsphere.clock.now();
    if (ttl > 0 && left > 0) return { requeueAfter: left };
    const { name, namespace } = request.metadata;
    await kube.delete({ ...REQUEST, name: name ?? '', namespace: namespace ?? '' }).catch(ignoreNotFound);
    return undefined;
  };

  /** Captures unless the target check found the item of an earlier attempt. */
  const attemptIfNeeded = (pass: Pass, library: LibraryRecord, vm: string) =>
    isTrue(pass.status.conditions, C.uploaded) ? undefined : attempt(pass, library, vm);

  const publish = async (request: Request): Promise<ReconcileOutcome> => {
    const pass: Pass = {
      request,
      status: clone(request.status ?? {}),
      now: timestamp(vsphere.clock.now()),
    };
    pass.status.startTime ??= pass.now;
    setRefs(pass);
    const locationName = pass.status.targetRef?.location?.name;
    const library = libraries.findLibrary(locationName);
    if (!library) {
      const message = `contentlibraries.imageregistry.vmware.com "${locationName ?? ''}" not found`;
      fail(pass, C.targetValid, R.targetLibraryNotExist, message);
      await save(pass);
      return { requeue: true };
    }
    pass.library = library;
    if (!isTrue(pass.status.conditions, C.uploaded)) {
      const wait = untilRetry(pass, vsphere.clock.now());
      if (wait > 0) return { requeueAfter: wait };
      const vm = await checkSource(pass);
      if (typeof vm !== 'string') return vm.outcome;
      const stop = (await checkTarget(pass, library)) ?? (await attemptIfNeeded(pass, library, vm));
      if (stop) return stop.outcome;
    }
    await checkImage(pass);
    releaseItem(pass);
    const complete = checkComplete(pass);
    if (complete) uploads.delete(pass.request.metadata.uid ?? '');
    await save(pass);
    if (complete) return expire(pass.request);
    return { requeueAfter: isTrue(pass.status.conditions, C.uploaded) ? IMAGE_WAIT_MS : RETRY_AFTER_MS };
  };

  const writeFinalizers = (request: Request, finalizers: string[]) =>
    kube
      .update({ ...request, metadata: { ...request.metadata, finalizers } } as unknown as KubeObject)
      .catch(ignoreNotFound);

  /** A deleting request only loses its finalizers. */
  const release = async (request: Request): Promise<ReconcileOutcome> => {
    uploads.delete(request.metadata.uid ?? '');
    const finalizers = request.metadata.finalizers ?? [];
    const kept = finalizers.filter((f) => f !== PUBLISH_REQUEST_FINALIZER && f !== DEPRECATED_FINALIZER);
    if (kept.length !== finalizers.length) await writeFinalizers(request, kept);
    return undefined;
  };

  /** vm-operator returns right after adding the finalizer; the write brings the request back. */
  const hold = async (request: Request): Promise<ReconcileOutcome> => {
    const others = (request.metadata.finalizers ?? []).filter((f) => f !== DEPRECATED_FINALIZER);
    await writeFinalizers(request, [...others, PUBLISH_REQUEST_FINALIZER]);
    return undefined;
  };

  const reconcile = async (key: string): Promise<ReconcileOutcome> => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const request = (await kube.get({ ...REQUEST, namespace, name }).catch(ignoreNotFound)) as unknown as
      | Request
      | undefined;
    if (!request) return undefined;
    if (request.metadata.deletionTimestamp !== undefined) return release(request);
    if (!request.metadata.finalizers?.includes(PUBLISH_REQUEST_FINALIZER)) return hold(request);
    const complete = conditionOf(request.status?.conditions, C.complete);
    if (complete?.reason === R.fatal) return undefined;
    if (complete?.status === 'True') return expire(request);
    return publish(request);
  };

  const controller = manager.controller({ name: PUBLISH_REQUEST_CONTROLLER, reconcile });

  const requestsIn = (namespace: string | undefined): Request[] =>
    kube.direct.list(REQUEST.apiVersion, REQUEST.kind, namespace) as unknown[] as Request[];
  const keysOf = (requests: readonly Request[]) =>
    requests.map((r) => objectKey({ namespace: r.metadata.namespace, name: r.metadata.name ?? '' }));

  controller.watches(kube, REQUEST);
  // vm-operator's own watch: requests whose target item has the image's display name.
  controller.watches(kube, { apiVersion: API_VERSION, kind: 'VirtualMachineImage' }, (object) => {
    const display = (object as unknown as VirtualMachineImage).status?.name;
    if (!display) return undefined;
    const requests = requestsIn(object.metadata.namespace);
    return keysOf(requests.filter((r) => r.status?.targetRef?.item?.name === display));
  });
  controller.watches(kube, { apiVersion: API_VERSION, kind: 'VirtualMachine' }, (object) => {
    const requests = requestsIn(object.metadata.namespace);
    // Every write of every VM comes here; most namespaces have no request.
    if (requests.length === 0) return undefined;
    return keysOf(requests.filter((r) => isPending(r) && sourceNameOf(r) === object.metadata.name));
  });

  const enqueuePending = () => {
    for (const key of keysOf(requestsIn(undefined).filter(isPending))) controller.enqueue(key);
  };
  const unsubscribe = vsphere.store.subscribe((batch) => {
    for (const change of batch.changes) {
      const kind = (change.after ?? change.before)?.kind;
      if (kind === 'ContentLibrary' || kind === 'LibraryItem') return enqueuePending();
    }
  });

  return { controller, stop: unsubscribe };
}
