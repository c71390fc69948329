/**
 * The `scale` subresource of a custom resource, as the API server serves a CRD's: an
 * autoscaling/v1 Scale read from the replicas at the kind's paths, and a Scale written back as
 * the object's desired replicas.
 */
import { type FieldCause, kubeErrors } from './errors.js';
import { isPlainObject, type KubeObject, type ObjectMeta } from './meta.js';

/** Where a kind keeps its replicas: JSON paths as a CRD names them (`.spec.replicas`). */
export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  /** A string field with the serialized label selector of what is scaled. */
  readonly labelSelectorPath?: string;
}

/** autoscaling/v1's Scale. `spec.replicas` is left out at 0, as Go's JSON omits it. */
export interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
  };
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

const INT32_MAX = 2 ** 31 - 1;

const steps = (path: string) => path.replace(/^\./, '').split('.');

function read(object: KubeObject, path: string): unknown {
  let at: unknown = object;
  for (const step of steps(path)) {
    if (!isPlainObject(at)) return undefined;
    at = at[step];
  }
  return at;
}

/** The replicas at `path`: 0 when missing, as the API server reads them. */
const replicasAt = (object: KubeObject, path: string): number => {
  const value = read(object, path);
  return typeof value === 'number' ? value : 0;
};

/** The Scale of a stored object. */
export function scaleOf(object: KubeObject, scale: ScaleSubresource): Scale {
  const { name, namespace, uid, resourceVersion, creationTimestamp } =
    object.metadata as Required<ObjectMeta>;
  const replicas = replicasAt(object, scale.specReplicasPath);
  const selector = scale.labelSelectorPath ? read(object, scale.labelSelectorPath) : undefined;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      uid,
      resourceVersion,
      creationTimestamp,
    },
    spec: replicas === 0 ? {} : { replicas },
    status: {
      replicas: replicasAt(object, scale.statusReplicasPath),
      ...(typeof selector === 'string' && selector !== '' ? { selector } : {}),
    },
  };
}

/**
 * The object with the replicas a Scale asks for (a copy of what changes; `object` stays as it
 * was), under the Scale's resourceVersion when it names one (else the object's: no
 * precondition). A body that is no Scale, or whose replicas are no int32, is a bad request.
 */
export function scaled(object: KubeObject, scale: ScaleSubresource, body: unknown): KubeObject {
  if (!isPlainObject(body) || (body.metadata !== undefined && !isPlainObject(body.metadata)))
    throw kubeErrors.badRequest('the body of a scale request is not a Scale');
  if ((body.apiVersion ?? 'autoscaling/v1') !== 'autoscaling/v1' || (body.kind ?? 'Scale') !== 'Scale')
    throw kubeErrors.badRequest(
      `the body of a scale request is a ${String(body.kind)} of ${String(body.apiVersion)}, not a Scale of autoscaling/v1`,
    );
  const meta = (body.metadata ?? {}) as Record<string, unknown>;
  const name = meta.name ?? '';
  if (name !== '' && name !== object.metadata.name)
    throw kubeErrors.badRequest(
      `the name of the object (${String(name)}) does not match the name on the URL (${String(object.metadata.name)})`,
    );
  const namespace = meta.namespace ?? '';
  if (namespace !== '' && namespace !== object.metadata.namespace)
    throw kubeErrors.badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const spec = body.spec ?? {};
  const replicas = isPlainObject(spec) ? (spec.replicas ?? 0) : undefined;
  if (
    typeof replicas !== 'number' ||
    !Number.isInteger(replicas) ||
    replicas < -INT32_MAX - 1 ||
    replicas > INT32_MAX
  )
    throw kubeErrors.badRequest(
      `spec.replicas of a Scale is an int32, not ${JSON.stringify(isPlainObject(spec) ? spec.replicas : spec)}`,
    );
  const rv = meta.resourceVersion;
  const next = write(object, steps(scale.specReplicasPath), replicas);
  next.metadata = { ...object.metadata };
  if (typeof rv === 'string' && rv !== '') next.metadata.resourceVersion = rv;
  return next;
}

/** A copy of `object` along `path` with `value` at its end. */
function write(object: KubeObject, path: readonly string[], value: unknown): KubeObject {
  const set = (at: unknown, i: number): Record<string, unknown> => {
    const copy: Record<string, unknown> = isPlainObject(at) ? { ...at } : {};
    const step = path[i] as string;
    copy[step] = i === path.length - 1 ? value : set(copy[step], i + 1);
    return copy;
  };
  return set(object, 0) as KubeObject;
}

/** The API server's check of a kind's replicas, on every write of the part that holds them. */
export function replicasProblems(object: KubeObject, path: string): FieldCause[] {
  const value = read(object, path);
  if (value === undefined) return [];
  const invalid = (why: string): FieldCause[] => [
    { field: path, message: `Invalid value: ${JSON.stringify(value)}: ${why}` },
  ];
  if (typeof value !== 'number' || !Number.isInteger(value)) return invalid('must be an integer');
  if (value < 0) return invalid('should be a non-negative integer');
  if (value > INT32_MAX) return invalid(`should be less than or equal to ${INT32_MAX}`);
  return [];
}
