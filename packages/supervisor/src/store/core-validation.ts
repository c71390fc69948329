/**
 * The API server's checks of what a ConfigMap or a Secret holds: each key of its data a config
 * key (a file name where it is mounted), no key in both of a ConfigMap's maps, at most 1 MiB of
 * data in all (decoded, for base64 values), a Secret the keys of its type; and of a claim: its
 * access modes and its request of storage, above zero.
 */
import type { FieldCause } from './errors.js';
import type { KubeObject } from './meta.js';
import { configKeyProblems } from './names.js';
import { parseQuantity } from './quantity.js';

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
