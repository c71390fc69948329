/**
 * The API server's checks of what a ConfigMap or a Secret holds: each key of its data a config
 * key (a file name where it is mounted), no key in both of a ConfigMap's maps, at most 1 MiB of
 * data in all (decoded, for base64 values), a Secret the keys of its type; and of a claim: its
 * access modes and its request of storage, above zero, and on update a spec that stays but for
 * a bound claim's requests (one that asks for less than its capacity refused).
 */
import type { FieldCause } from './errors.js';
import { deepEqual, type KubeObject } from './meta.js';
import { configKeyProblems } from './names.js';
import { parseQuantity, quantityNanos } from './quantity.js';

/** Kubernetes' MaxSecretSize, which bounds ConfigMaps too. */
const MAX_DATA_BYTES = 1024 * 1024;

/** The names and values of a map as stored; anything else is the JSON type check's to refuse. */
const entriesOf = (map: unknown): [string, string][] =>
  typeof map === 'object' && map !== null ? (Object.entries(map) as [string, string][]) : [];

const keyCauses = (map: string, key: string): FieldCause[] =>
  configKeyProblems(key).map((problem) => ({
    field: `${map}[${key}]`,
    message: `Invalid value: "${key}": ${problem}`,
  }));

/** The bytes a base64 value stands for. */
const decodedBytes = (text: string) => {
  // Line breaks are skipped, as Go's decoder skips them.
  const data = text.replace(/[\r\n]/g, '');
  return Math.floor((data.length * 3) / 4) - (data.match(/=+$/)?.[0].length ?? 0);
};

const tooLong = (field: string): FieldCause => ({
  field,
  message: `Too long: must have at most ${MAX_DATA_BYTES} bytes`,
  reason: 'FieldValueTooLong',
});

export function configMapProblems(configMap: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const binary = new Map(entriesOf(configMap.binaryData));
  let bytes = 0;
  for (const [key, value] of entriesOf(configMap.data)) {
    causes.push(...keyCauses('data', key));
    if (binary.has(key))
      causes.push({
        field: `data[${key}]`,
        message: `Invalid value: "${key}": duplicate of key present in binaryData`,
      });
    bytes += Buffer.byteLength(value);
  }
  for (const [key, value] of binary) {
    causes.push(...keyCauses('binaryData', key));
    bytes += decodedBytes(value);
  }
  // The API server names no field for the whole object's size.
  if (bytes > MAX_DATA_BYTES) causes.push(tooLong('[]'));
  return causes;
}

const required = (field: string): FieldCause => ({
  field,
  message: 'Required value',
  reason: 'FieldValueRequired',
});

/** The keys a Secret of a type must have in its data (the docker configs' JSON is not judged). */
const SECRET_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
};

export function secretProblems(secret: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const data = entriesOf(secret.data);
  let bytes = 0;
  for (const [key, value] of data) {
    causes.push(...keyCauses('data', key));
    bytes += decodedBytes(value);
  }
  if (bytes > MAX_DATA_BYTES) causes.push(tooLong('data'));
  const has = new Set(data.map(([key]) => key));
  const type = String(secret.type ?? '');
  if (type === 'kubernetes.io/service-account-token') {
    const annotations = (secret.metadata.annotations ?? {}) as Record<string, string>;
    if (!annotations['kubernetes.io/service-account.name'])
      causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  } else if (type === 'kubernetes.io/basic-auth') {
    // Either may be empty, but one of them must be there.
    if (!has.has('username') && !has.has('password'))
      causes.push(required('data[username]'), required('data[password]'));
  } else if (type === 'kubernetes.io/ssh-auth') {
    // Present and not empty.
    if (!data.some(([key, value]) => key === 'ssh-privatekey' && value !== ''))
      causes.push(required('data[ssh-privatekey]'));
  } else for (const key of SECRET_KEYS[type] ?? []) if (!has.has(key)) causes.push(required(`data[${key}]`));
  return causes;
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

/** A claim names at least one access mode, each a known one, and requests storage. */
export function claimProblems(claim: KubeObject): FieldCause[] {
  const spec = (claim.spec ?? {}) as {
    accessModes?: unknown;
    resources?: { requests?: Record<string, unknown> };
  };
  const causes: FieldCause[] = [];
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (modes.length === 0)
    causes.push({
      field: 'spec.accessModes',
      message: 'Required value: at least 1 access mode is required',
      reason: 'FieldValueRequired',
    });
  for (const mode of modes)
    if (!ACCESS_MODES.includes(mode as string))
      causes.push({
        field: 'spec.accessModes',
        message: `Unsupported value: ${JSON.stringify(mode)}: supported values: ${ACCESS_MODES.map((m) => `"${m}"`).join(', ')}`,
        reason: 'FieldValueNotSupported',
      });
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    causes.push({
      field: 'spec.accessModes',
      message: 'Forbidden: may not use ReadWriteOncePod with other access modes',
      reason: 'FieldValueForbidden',
    });
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) causes.push(required('spec.resources[storage]'));
  else {
    // A quantity: one that is none was refused as it was decoded (see structure.ts).
    const quantity = parseQuantity(String(storage));
    if (quantity && quantity.nanos <= 0n)
      causes.push({
        field: 'spec.resources[storage]',
        message: `Invalid value: "${storage}": must be greater than zero`,
      });
  }
  return causes;
}

interface ClaimSpec {
  volumeName?: string | undefined;
  volumeMode?: string;
  resources?: {
    requests?: Record<string, unknown> | undefined;
    limits?: Record<string, unknown> | undefined;
  };
  [field: string]: unknown;
}

/** Quantities by value, as the API server compares them (`1Gi` is `1024Mi`). */
const byValue = (list: Record<string, unknown> | undefined) =>
  list &&
  Object.fromEntries(
    Object.entries(list).map(([name, value]) => [name, String(quantityNanos(value) ?? value)]),
  );

/** Go's name of a spec field, as the API server's diff of two specs shows it. */
const goName = (field: string) =>
  field === 'volumeAttributesClassName'
    ? 'VolumeAttributesClassName'
    : field[0]?.toUpperCase() + field.slice(1);

/**
 * What changed between two specs, in the shape of the diff the API server appends (go-cmp's,
 * whose spacing is not stable on purpose: the first line is what clients match).
 */
const specDiff = (old: ClaimSpec, next: ClaimSpec): string => {
  const lines = ['  core.PersistentVolumeClaimSpec{'];
  for (const field of new Set([...Object.keys(old), ...Object.keys(next)]))
    if (!deepEqual(old[field], next[field])) {
      if (old[field] !== undefined) lines.push(`- \t${goName(field)}: ${JSON.stringify(old[field])},`);
      if (next[field] !== undefined) lines.push(`+ \t${goName(field)}: ${JSON.stringify(next[field])},`);
    }
  lines.push('  }');
  return lines.join('\n');
};

/**
 * An update of a claim, as ValidatePersistentVolumeClaimUpdate judges it: the spec stays, but
 * for a volume name set once and a bound claim's request of storage, which may go down no
 * further than the capacity the claim has (so a failed expansion can be taken back).
 */
export function claimUpdateProblems(next: KubeObject, old: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const nextSpec = (next.spec ?? {}) as ClaimSpec;
  const oldSpec = (old.spec ?? {}) as ClaimSpec;
  const bound = (next.status as { phase?: unknown } | undefined)?.phase === 'Bound';
  const comparable = (spec: ClaimSpec, storage: unknown): ClaimSpec => {
    const requests = { ...spec.resources?.requests };
    if (storage !== undefined) requests.storage = storage;
    return {
      ...spec,
      ...(oldSpec.volumeName ? {} : { volumeName: undefined }),
      resources: { ...spec.resources, requests: byValue(requests), limits: byValue(spec.resources?.limits) },
    };
  };
  const oldStorage = oldSpec.resources?.requests?.storage;
  if (
    !deepEqual(
      comparable(nextSpec, bound && nextSpec.resources?.requests ? oldStorage : undefined),
      comparable(oldSpec, undefined),
    )
  )
    causes.push({
      field: 'spec',
      message: `Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(oldSpec, nextSpec)}`,
      reason: 'FieldValueForbidden',
    });
  const newSize = quantityNanos(nextSpec.resources?.requests?.storage) ?? 0n;
  const capacity = quantityNanos(
    (old.status as { capacity?: { storage?: unknown } } | undefined)?.capacity?.storage,
  );
  if (newSize < (quantityNanos(oldStorage) ?? 0n) && newSize <= (capacity ?? 0n))
    causes.push({
      field: 'spec.resources.requests.storage',
      message: 'Forbidden: field can not be less than status.capacity',
      reason: 'FieldValueForbidden',
    });
  if (nextSpec.volumeMode !== oldSpec.volumeMode)
    causes.push({
      field: 'volumeMode',
      message: `Invalid value: ${JSON.stringify(nextSpec.volumeMode ?? null)}: field is immutable`,
    });
  return causes;
}
