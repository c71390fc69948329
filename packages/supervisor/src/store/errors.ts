/**
 * Errors as the Kubernetes API server reports them: a `Status` object with a reason and an
 * HTTP code. A `KubeError` carries that Status and repeats `code` and `reason` on itself.
 */

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'Forbidden'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'InternalError';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  retryAfterSeconds?: number;
  causes?: { reason?: string; message?: string; field?: string }[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  /** ListMeta: an expired list's `continue` carries on from the latest state. */
  metadata: { continue?: string; resourceVersion?: string };
  status: 'Failure' | 'Success';
  message: string;
  /** One of the API server's reasons, or the one a webhook gave (vm-operator's: its field errors). */
  reason: StatusReason | (string & {});
  details?: StatusDetails;
  code: number;
}

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Gone: 410,
  Expired: 410,
  Forbidden: 403,
  BadRequest: 400,
  MethodNotAllowed: 405,
  RequestEntityTooLarge: 413,
  InternalError: 500,
};

export class KubeError extends Error {
  readonly status: Status;
  readonly code: number;
  readonly reason: Status['reason'];

  constructor(status: Status) {
    super(status.message);
    this.name = 'KubeError';
    this.status = status;
    this.code = status.code;
    this.reason = status.reason;
  }
}

export function isKubeError(error: unknown): error is KubeError {
  return error instanceof KubeError;
}

/** For `.catch()` of a read: a 404 means absent (undefined); any other error goes on. */
export const ignoreNotFound = (error: unknown): undefined => {
  if (isKubeError(error) && error.code === 404) return undefined;
  throw error;
};

/** What an error is about: a kind in a group (the API server names the plural resource). */
export interface Subject {
  group: string;
  /** The plural resource name, as in `configmaps "x" not found`. */
  resource: string;
  kind: string;
  name?: string;
}

/** One field's problem, as in a Status's `details.causes`. */
export interface FieldCause {
  field: string;
  message: string;
  /** `FieldValueInvalid` (the default), `FieldValueRequired`, `FieldValueNotSupported`... */
  reason?: string;
}

/**
 * Thrown by a kind's admission hook to refuse a write; the store answers 422 naming the
 * webhook, its field errors as the reason, as the API server passes on vm-operator's denial.
 */
export class AdmissionDenied extends Error {
  readonly webhook: string;
  readonly causes: readonly FieldCause[];

  constructor(webhook: string, causes: readonly FieldCause[]) {
    super(causes.map((c) => `${c.field}: ${c.message}`).join(', '));
    this.name = 'AdmissionDenied';
    this.webhook = webhook;
    this.causes = causes;
  }
}

const qualified = (s: Subject) => (s.group ? `${s.resource}.${s.group}` : s.resource);

/** Errors as Go's aggregate prints them: each message once, one alone, several in brackets. */
export const aggregate = (messages: readonly string[]): string => {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
};

function failure(
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
  metadata: Status['metadata'] = {},
): KubeError {
  return new KubeError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata,
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code: CODES[reason],
  });
}

function detailsOf(s: Subject): StatusDetails {
  return { ...(s.name !== undefined ? { name: s.name } : {}), group: s.group, kind: s.resource };
}

/** The API server's words for an object it does not have, e.g. `configmaps "x" not found`. */
export const notFoundMessage = (s: Subject): string => `${qualified(s)} "${s.name ?? ''}" not found`;

export const kubeErrors = {
  notFound: (s: Subject) => failure('NotFound', notFoundMessage(s), detailsOf(s)),
  /** A kind or version the server does not serve. */
  noResource: (what: string) =>
    failure('NotFound', `the server could not find the requested resource (${what})`, {}),
  alreadyExists: (s: Subject) =>
    failure('AlreadyExists', `${qualified(s)} "${s.name ?? ''}" already exists`, detailsOf(s)),
  /** Every name generateName drew is taken: the last one drawn, and a second to retry in. */
  generateNameConflict: (s: Subject) =>
    failure(
      'AlreadyExists',
      `${qualified(s)} "${s.name ?? ''}" already exists, the server was not able to generate a unique name for the object`,
      { ...detailsOf(s), retryAfterSeconds: 1 },
    ),
  conflict: (
    s: Subject,
    why = 'the object has been modified; please apply your changes to the latest version and try again',
  ) =>
    failure(
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(s)} "${s.name ?? ''}": ${why}`,
      detailsOf(s),
    ),
  invalid: (s: Subject, causes: readonly FieldCause[]) =>
    failure(
      'Invalid',
      `${s.kind}${s.group ? `.${s.group}` : ''} "${s.name ?? ''}" is invalid: ${aggregate(
        causes.map((c) => `${c.field}: ${c.message}`),
      )}`,
      {
        ...(s.name !== undefined ? { name: s.name } : {}),
        group: s.group,
        kind: s.kind,
        causes: causes.map((c) => ({
          reason: c.reason ?? 'FieldValueInvalid',
          message: c.message,
          field: c.field,
        })),
      },
    ),
  /**
   * A webhook's denial as the API server passes one on: the message naming the webhook, the
   * webhook's own reason and code. vm-operator's validating webhooks answer 422 with their field
   * errors joined as the reason (not `Invalid`, and without details); its mutating ones 403
   * Forbidden.
   */
  webhookDenied: (webhook: string, message: string, code: number, reason: string): KubeError =>
    new KubeError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `admission webhook "${webhook}" denied the request: ${message}`,
      reason,
      code,
    }),
  /** An unprocessable request that is not about one field (a failed JSON patch test). */
  unprocessable: (message: string) => failure('Invalid', message, {}),
  forbidden: (s: Subject, why: string, causes?: StatusDetails['causes']) =>
    failure('Forbidden', `${qualified(s)} "${s.name ?? ''}" is forbidden: ${why}`, {
      ...detailsOf(s),
      ...(causes ? { causes } : {}),
    }),
  /** NamespaceLifecycle's refusal, with the cause clients test for (`NamespaceTerminating`). */
  namespaceTerminating: (s: Subject, namespace: string) =>
    kubeErrors.forbidden(
      s,
      `unable to create new content in namespace ${namespace} because it is being terminated`,
      [
        {
          reason: 'NamespaceTerminating',
          message: `namespace ${namespace} is being terminated`,
          field: 'metadata.namespace',
        },
      ],
    ),
  badRequest: (message: string) => failure('BadRequest', message),
  gone: (message: string) => failure('Expired', message),
  /** A list's continue token too old to go on with consistently, and one to go on from the latest state. */
  continueExpired: (next: string) =>
    failure(
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      undefined,
      { continue: next },
    ),
  methodNotAllowed: (message: string) => failure('MethodNotAllowed', message),
  tooLarge: (message: string) => failure('RequestEntityTooLarge', `Request entity too large: ${message}`),
  /** What the API server answers for an error its storage raises, as etcd's store does. */
  internal: (cause: string) =>
    failure('InternalError', `Internal error occurred: ${cause}`, { causes: [{ message: cause }] }),
  /** A write whose conversion to the storage version failed, as the API server reports its conversion webhook's failure. */
  conversionFailed: (apiVersion: string, kind: string, why: string) =>
    kubeErrors.internal(`conversion webhook for ${apiVersion}, Kind=${kind} failed: ${why}`),
};
