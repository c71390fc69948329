/**
 * A publish request's status as vm-operator works it out: the conditions it writes (types and
 * reasons, set by vm-operator's rule, ../conditions.ts), the references it sets once, and when a
 * request is complete. A reconcile works on a `Pass`, a draft of the status that is written at
 * the end.
 */
import type { LibraryRecord } from '@vsim/vsphere';
import type {
  Condition,
  VirtualMachinePublishRequest,
  VirtualMachinePublishRequestStatus,
} from '../../api/types.js';
import type { ReconcileOutcome } from '../../runtime/controller.js';
import { setCondition } from '../conditions.js';

export const PUBLISH_CONDITION = {
  sourceValid: 'SourceValid',
  targetValid: 'TargetValid',
  uploaded: 'Uploaded',
  imageAvailable: 'ImageAvailable',
  complete: 'Complete',
} as const;

export const PUBLISH_REASON = {
  sourceNotExist: 'SourceVirtualMachineNotExist',
  sourceNotCreated: 'SourceVirtualMachineNotCreated',
  targetLibraryNotExist: 'TargetContentLibraryNotExist',
  targetLibraryNotWritable: 'TargetContentLibraryNotWritable',
  targetLibraryNotReady: 'TargetContentLibraryNotReady',
  targetItemAlreadyExists: 'TargetItemAlreadyExists',
  imageNotFound: 'VirtualMachineImageNotFound',
  uploadFailure: 'UploadFailure',
  uploadTaskNotStarted: 'NotStarted',
  uploadTaskQueued: 'Queued',
  uploading: 'Uploading',
  uploadItemIdInvalid: 'ItemIDInvalid',
  hasNotBeenUploaded: 'HasNotBeenUploaded',
  imageUnavailable: 'ImageUnavailable',
  fatal: 'Fatal',
} as const;

const C = PUBLISH_CONDITION;
const R = PUBLISH_REASON;

export const conditionOf = (conditions: readonly Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type);

export const isTrue = (conditions: readonly Condition[] | undefined, type: string): boolean =>
  conditionOf(conditions, type)?.status === 'True';

/** vm-operator's requeue while a capture is pending. */
const PENDING_WAIT_MS = 60_000;
/** vm-operator's requeue once uploaded (the image awaited) or while the upload has not started. */
const UPLOAD_WAIT_MS = 10_000;

type Request = VirtualMachinePublishRequest;

/** One reconcile's view: the request as last written and the status being worked out. */
export interface Pass {
  request: Request;
  status: VirtualMachinePublishRequestStatus;
  now: string;
  /** The vSphere library of the ContentLibrary the target location names, once found. */
  library?: LibraryRecord;
  /** The uploaded item, once known. */
  itemId?: string;
}

/** The VirtualMachine a request publishes. */
export const sourceNameOf = (request: Request): string =>
  request.status?.sourceRef?.name || request.spec?.source?.name || (request.metadata.name ?? '');

/** Neither complete nor failed for good: still worth a reconcile when something changes. */
export const isPending = (request: Request): boolean => {
  const complete = conditionOf(request.status?.conditions, C.complete);
  return complete?.status !== 'True' && complete?.reason !== R.fatal;
};

/** Sets a condition in the pass's status. */
export const mark = (
  pass: Pass,
  type: string,
  verdict: { status: 'True' } | { status: 'False'; reason: string; message: string },
) => {
  pass.status.conditions = setCondition(pass.status.conditions, type, verdict, pass.now);
};
export const fail = (pass: Pass, type: string, reason: string, message: string) =>
  mark(pass, type, { status: 'False', reason, message });

/** `sourceRef` and `targetRef`, set once from the spec with vm-operator's defaults. */
export const setRefs = (pass: Pass): void => {
  const { spec, metadata } = pass.request;
  const status = pass.status;
  status.sourceRef ??= { name: spec?.source?.name || (metadata.name ?? '') };
  const description = spec?.target?.item?.description;
  status.targetRef ??= {
    item: {
      name: spec?.target?.item?.name || `${status.sourceRef.name ?? ''}-image`,
      ...(description ? { description } : {}),
    },
    location: { ...spec?.target?.location },
  };
};

/** vm-operator's checkIsComplete: True only when uploaded and the image is available. */
export const checkComplete = (pass: Pass): boolean => {
  const conditions = pass.status.conditions;
  if (!isTrue(conditions, C.uploaded)) {
    fail(pass, C.complete, R.hasNotBeenUploaded, "item hasn't been uploaded yet");
    return false;
  }
  if (!isTrue(conditions, C.imageAvailable)) {
    fail(pass, C.complete, R.imageUnavailable, 'VirtualMachineImage is not available');
    return false;
  }
  mark(pass, C.complete, { status: 'True' });
  pass.status.ready = true;
  pass.status.completionTime = pass.now;
  return true;
};

/**
 * How long a failed attempt waits before the next one: the simulator's choice. vm-operator
 * republishes as soon as it sees the failed task, which against vCenter is at a look after the
 * task ran a while; a capture that fails at once here would retry in a loop that takes no time
 * (and `settle()` would not end with a `backoffLimit` of 0). So a failed attempt waits until a
 * minute after it, when vm-operator's requeue of a pending capture looks again.
 */
export const untilRetry = (pass: Pass, now: number): number => {
  const last = Date.parse(pass.status.lastAttemptTime ?? '');
  return Number.isNaN(last) ? 0 : last + PENDING_WAIT_MS - now;
};

/**
 * vm-operator's requeueResult: when a request not complete is looked at again. Never for a taken
 * item name or an item id it cannot read; soon once uploaded or while the upload has not started; else in a minute.
 */
export const requeueOf = (pass: Pass): ReconcileOutcome => {
  const conditions = pass.status.conditions;
  if (conditionOf(conditions, C.targetValid)?.reason === R.targetItemAlreadyExists) return undefined;
  const uploaded = conditionOf(conditions, C.uploaded);
  if (uploaded?.reason === R.uploadItemIdInvalid) return undefined;
  if (uploaded?.status === 'True' || uploaded?.reason === R.uploadTaskNotStarted)
    return { requeueAfter: UPLOAD_WAIT_MS };
  return { requeueAfter: PENDING_WAIT_MS };
};

/** The activation id of a request's capture of its `attempts`-th attempt, as vm-operator makes it. */
export const activationIdOf = (request: Request, attempts: number): string =>
  `${request.metadata.uid ?? ''}-${attempts}`;
