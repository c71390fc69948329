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
 * - the target location names a ContentLibrary object (imageregistry.vmware.com) of the
 *   request's namespace (TargetValid False `TargetContentLibraryNotExist`);
 * - until the item is uploaded: the source VM must exist and be created in vSphere
 *   (SourceValid False `SourceVirtualMachineNotExist` / `SourceVirtualMachineNotCreated`),
 *   the ContentLibrary must be writable and ready and its library hold no item of the target
 *   name (TargetValid False `TargetContentLibraryNotWritable` / `TargetContentLibraryNotReady`
 *   / `TargetItemAlreadyExists`, the last not retried); then one attempt (`attempts`,
 *   `lastAttemptTime`; at most `spec.backoffLimit`, default 3, else Complete False `Fatal`)
 *   starts the capture, and its pass ends there, with neither Uploaded nor Complete;
 * - the next pass reads how the capture went from its vSphere task, found by the activation id
 *   vm-operator gives it (`<uid>-<attempts>`): Uploaded True once it succeeded with an item;
 *   False `Queued` while it is queued and `Uploading` while it runs (for its duration,
 *   `taskDurations`), with Complete False `HasNotBeenUploaded`; False `ItemIDInvalid` for a result that names
 *   no item, never retried; False `UploadFailure` when it failed, and another attempt a minute
 *   after the last (`untilRetry`, the simulator's wait); False `NotStarted` while no task is known,
 *   tried again at the first look (every 10 s) once 30 s have passed since its attempt;
 * - ImageAvailable once a VirtualMachineImage of the namespace names the item as its
 *   `providerItemID` (`status.imageName`); then Complete, `ready`, `completionTime`. Until
 *   then Complete False, and another look in 10 s (a minute while an upload is pending).
 *
 * The item is tied to the request by a marker in its description until the image is
 * available (see library-provider.ts). Besides vm-operator's watch on VirtualMachineImages, and
 * its requeues (10 s once uploaded or not started, a minute while pending), a request is reconciled when
 * the VirtualMachine it names, the ContentLibrary it targets or a library's items change, so it
 * converges as soon as what it waited for is there.
 */
import { CAPTURE_DESCRIPTION_ID, capturedItemId, type LibraryRecord, type VSphere } from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineImage, VirtualMachinePublishRequest } from '../../api/types.js';
import { type ContentLibrary, IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import type { Controller, ReconcileOutcome } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { clone, deepEqual, type KubeObject, timestamp } from '../../store/meta.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import { isTiedTo, libraryProvider } from './library-provider.js';
import {
  activationIdOf,
  PUBLISH_CONDITION as C,
  checkComplete,
  conditionOf,
  fail,
  isPending,
  isTrue,
  mark,
  type Pass,
  PUBLISH_REASON as R,
  requeueOf,
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
/** vm-operator's words for a capture task whose result names no item. */
const ITEM_ID_INVALID_MESSAGE =
  'Failed to get the uploaded item ID. This error is unrecoverable. Please create a new VirtualMachinePublishRequest to retry VM publishing.';
/** How long after an attempt vm-operator waits for its task to show before it tries again. */
const TASK_START_TIMEOUT_MS = 30_000;
const CONTENT_LIBRARY = { apiVersion: IMAGE_REGISTRY_API_VERSION, kind: 'ContentLibrary' } as const;

export interface PublishRequestControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  /** Where vm-operator's Events of a publish request go, by its recorder's name (none by default). */
  recorderFor?: RecorderFor;
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
  const events = recorderOf(deps, PUBLISH_REQUEST_CONTROLLER);
  const libraries = libraryProvider(vsphere);
  /** The attempts whose end was recorded: vm-operator records each once, as its capture returns. */
  const recorded = new Set<string>();
  const recordEnd = (pass: Pass, id: string, error: string | undefined) => {
    if (recorded.has(id)) return;
    recorded.add(id);
    events.emit(pass.request as unknown as KubeObject, 'Publish', error);
  };

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

  /**
   * vm-operator's checkIsTargetValid: a writable, ready ContentLibrary whose library holds no
   * item of the target name; an item made by an earlier attempt of the request counts as uploaded.
   */
  const checkTarget = async (pass: Pass, target: ContentLibrary): Promise<Stop | undefined> => {
    const itemName = pass.status.targetRef?.item?.name ?? '';
    const uid = pass.request.metadata.uid ?? '';
    const shown = target.status?.name ?? '';
    const ready = target.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (!target.spec?.writable || !ready) {
      const [reason, problem] = target.spec?.writable
        ? [R.targetLibraryNotReady, 'ready']
        : [R.targetLibraryNotWritable, 'writable'];
      fail(pass, C.targetValid, reason, `target location ${shown} is not ${problem}`);
      await save(pass);
      return { outcome: { requeue: true } };
    }
    const library = pass.library;
    if (!library)
      throw new Error(`failed to get item "${itemName}" from library: no library ${target.spec.uuid}`);
    const existing = libraries.itemNamed(library.id, itemName);
    if (existing && (pass.status.attempts ?? 0) > 0 && isTiedTo(existing, uid)) {
      mark(pass, C.targetValid, { status: 'True' });
      mark(pass, C.uploaded, { status: 'True' });
      pass.itemId = existing.id;
      return undefined;
    }
    if (existing) {
      const message = `item with name ${itemName} already exists in the content library ${shown}`;
      fail(pass, C.targetValid, R.targetItemAlreadyExists, message);
      await save(pass);
      return { outcome: undefined };
    }
    mark(pass, C.targetValid, { status: 'True' });
    return undefined;
  };

  /**
   * One capture attempt, counted in the status before it is made; as vm-operator's, nothing else
   * is written in its pass: the next pass reads how it went from its task.
   */
  const attempt = async (pass: Pass, library: LibraryRecord, vm: string): Promise<ReconcileOutcome> => {
    const { spec, metadata } = pass.request;
    const attempts = pass.status.attempts ?? 0;
    // The store holds the schema's default (3) in every spec; with no spec, Go reads 0: no limit.
    const limit = spec?.backoffLimit ?? 0;
    if (limit !== 0 && attempts >= limit) {
      fail(pass, C.complete, R.fatal, `publish attempts limit has been reached: ${attempts}`);
      await save(pass);
      return undefined;
    }
    pass.status.attempts = attempts + 1;
    pass.status.lastAttemptTime = pass.now;
    // Written first: a stale request fails here with a conflict and never captures twice.
    await save(pass);
    libraries.capture(vm, {
      libraryId: library.id,
      name: pass.status.targetRef?.item?.name ?? '',
      description: spec?.target?.item?.description ?? '',
      uid: metadata.uid ?? '',
      activationId: activationIdOf(pass.request, attempts + 1),
    });
    return requeueOf(pass);
  };

  /**
   * vm-operator's checkPubReqStatusAndShouldRepublish: how the last attempt's task went, and
   * whether to make another attempt (`publish`), wait (an outcome) or look for the image
   * (`uploaded`).
   */
  const checkUpload = (pass: Pass): 'publish' | 'uploaded' | Stop => {
    const status = pass.status;
    const attempts = status.attempts ?? 0;
    if (attempts === 0) return 'publish';
    if (isTrue(status.conditions, C.uploaded)) return 'uploaded';
    const activationId = activationIdOf(pass.request, attempts);
    const task = libraries.captureTask(activationId);
    const pending = (reason: string, message: string): Stop => {
      fail(pass, C.uploaded, reason, message);
      checkComplete(pass);
      return { outcome: requeueOf(pass) };
    };
    if (task === undefined) {
      const last = Date.parse(status.lastAttemptTime ?? '');
      if (Number.isNaN(last) || vsphere.clock.now() - last > TASK_START_TIMEOUT_MS) return 'publish';
      return pending(R.uploadTaskNotStarted, "VM Publish task hasn't started.");
    }
    if (task.descriptionId !== CAPTURE_DESCRIPTION_ID)
      throw new Error(
        `failed to find expected task ${CAPTURE_DESCRIPTION_ID}, found ${task.descriptionId} instead`,
      );
    switch (task.state) {
      case 'queued':
        return pending(R.uploadTaskQueued, 'VM Publish task is queued.');
      case 'running':
        return pending(R.uploading, 'Uploading item to content library.');
      case 'error': {
        const message = task.error?.message || 'failed to publish source VM';
        recordEnd(pass, activationId, message);
        fail(pass, C.uploaded, R.uploadFailure, message);
        const wait = untilRetry(pass, vsphere.clock.now());
        return wait > 0 ? { outcome: { requeueAfter: wait } } : 'publish';
      }
      case 'success': {
        const itemId = capturedItemId(task.result);
        recordEnd(pass, activationId, undefined);
        if (itemId === undefined) {
          events.warning(pass.request as unknown as KubeObject, 'PublishFailure', ITEM_ID_INVALID_MESSAGE);
          return pending(R.uploadItemIdInvalid, ITEM_ID_INVALID_MESSAGE);
        }
        pass.itemId = itemId;
        mark(pass, C.uploaded, { status: 'True' });
        return 'uploaded';
      }
    }
  };

  /** The uploaded item: from this pass, from the last attempt's task, or the item still tied to the request. */
  const uploadedItemOf = (pass: Pass): string | undefined => {
    if (pass.itemId !== undefined) return pass.itemId;
    const task = libraries.captureTask(activationIdOf(pass.request, pass.status.attempts ?? 0));
    const known = capturedItemId(task?.result);
    if (known !== undefined) return known;
    const library = pass.library;
    const item = library && libraries.itemNamed(library.id, pass.status.targetRef?.item?.name ?? '');
    return item && isTiedTo(item, pass.request.metadata.uid ?? '') ? item.id : undefined;
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

  /** vm-operator's getTargetLibrary: the ContentLibrary of the request's namespace its location names. */
  const targetOf = (pass: Pass): ContentLibrary | undefined => {
    const name = pass.status.targetRef?.location?.name;
    if (!name) return undefined;
    const namespace = pass.request.metadata.namespace ?? '';
    return kube.direct.get({ ...CONTENT_LIBRARY, namespace, name }) as unknown as ContentLibrary | undefined;
  };

  /** vm-operator's publishVirtualMachine: the source and target checked, then an attempt. */
  const publishVm = async (pass: Pass, target: ContentLibrary): Promise<ReconcileOutcome> => {
    const vm = await checkSource(pass);
    if (typeof vm !== 'string') return vm.outcome;
    const stop = await checkTarget(pass, target);
    if (stop) return stop.outcome;
    if (isTrue(pass.status.conditions, C.uploaded)) {
      await save(pass);
      return requeueOf(pass);
    }
    return attempt(pass, pass.library as LibraryRecord, vm);
  };

  const publish = async (request: Request): Promise<ReconcileOutcome> => {
    const pass: Pass = {
      request,
      status: clone(request.status ?? {}),
      now: timestamp(vsphere.clock.now()),
    };
    pass.status.startTime ??= pass.now;
    setRefs(pass);
    const target = targetOf(pass);
    if (!target) {
      const name = pass.status.targetRef?.location?.name ?? '';
      const message = `contentlibraries.imageregistry.vmware.com "${name}" not found`;
      fail(pass, C.targetValid, R.targetLibraryNotExist, message);
      await save(pass);
      return { requeue: true };
    }
    const library = libraries.library(target.spec?.uuid ?? '');
    if (library) pass.library = library;
    const upload = checkUpload(pass);
    if (upload === 'publish') return publishVm(pass, target);
    if (upload !== 'uploaded') {
      await save(pass);
      return upload.outcome;
    }
    await checkImage(pass);
    releaseItem(pass);
    const complete = checkComplete(pass);
    await save(pass);
    return complete ? expire(pass.request) : requeueOf(pass);
  };

  // As vm-operator's own account, which the webhook lets change a group request's own requests.
  const writeFinalizers = async (request: Request, finalizers: string[]) => {
    try {
      kube.direct.update({
        ...request,
        metadata: { ...request.metadata, finalizers },
      } as unknown as KubeObject);
    } catch (error) {
      ignoreNotFound(error);
    }
  };

  /** A deleting request only loses its finalizers. */
  const release = async (request: Request): Promise<ReconcileOutcome> => {
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

  controller.watches(kube, CONTENT_LIBRARY, (object) => {
    const requests = requestsIn(object.metadata.namespace).filter(isPending);
    return keysOf(requests.filter((r) => r.status?.targetRef?.location?.name === object.metadata.name));
  });

  const enqueuePending = () => {
    for (const key of keysOf(requestsIn(undefined).filter(isPending))) controller.enqueue(key);
  };
  const unsubscribe = vsphere.store.subscribe((batch) => {
    for (const change of batch.changes)
      if ((change.after ?? change.before)?.kind === 'LibraryItem') return enqueuePending();
  });

  return { controller, stop: unsubscribe };
}
