/**
 * The content library's wire shapes (LibraryModel, ItemModel, File.Info, Storage.Info,
 * session models) and the readers of request bodies: a missing or mistyped field is
 * `invalid_argument` naming the field as the style spells it (`create_spec.name` in
 * `/rest`, `name` in `/api`).
 */
import type {
  LibraryFile,
  LibraryItemRecord,
  LibraryRecord,
  TransferSessionInfo,
  VSphere,
} from '@vsim/vsphere';
import { libraryFileUri } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call } from '../routes.js';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const iso = (ms: number) => new Date(ms).toISOString();

export const invalid = (field: string, why = 'is missing or not valid') =>
  restError(
    'invalid_argument',
    `The field '${field}' ${why}.`,
    'com.vmware.vapi.std.errors.invalid_argument',
    [field],
  );

/** The body's spec under `key` (`/rest`) or the bare body (`/api`), as an object. */
export const specOf = (call: Call, key: string): Json => {
  const spec = call.style.spec(call.body ?? (call.style.name === 'api' ? {} : undefined), key);
  if (!isObject(spec)) throw invalid(key, 'must be an object');
  return spec;
};

/** A field's name as the style spells it: under the wrapper in `/rest`, bare in `/api`. */
export const fieldName = (call: Call, key: string, name: string) =>
  call.style.name === 'rest' && key !== '' ? `${key}.${name}` : name;

export const str = (o: Json, name: string, field: string, required = false): string | undefined => {
  const v = o[name];
  if (v === undefined || v === null) {
    if (required) throw invalid(field);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(field, 'must be a string');
  if (required && v.trim() === '') throw invalid(field, 'must not be empty');
  return v;
};

export const bool = (o: Json, name: string, field: string): boolean | undefined => {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(field, 'must be a boolean');
  return v;
};

export const int = (o: Json, name: string, field: string): number | undefined => {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw invalid(field, 'must be a non-negative integer');
  return v;
};

export const obj = (o: Json, name: string, field: string, required = false): Json | undefined => {
  const v = o[name];
  if (v === undefined || v === null) {
    if (required) throw invalid(field);
    return undefined;
  }
  if (!isObject(v)) throw invalid(field, 'must be an object');
  return v;
};

/** A field of a plain (unwrapped) body, in both styles: `{"file_name": ...}`. */
export const bodyField = (call: Call, name: string): string => {
  const body = isObject(call.body) ? call.body : {};
  return str(body, name, name, true) as string;
};

/**
 * The id a path names: `/rest` writes it `id:<id>` (a path without that prefix names no
 * resource), `/api` bare.
 */
export const pathId = (call: Call, name: string): string => {
  const raw = call.params[name] ?? '';
  if (call.style.name === 'api') return raw;
  if (!raw.startsWith('id:') || raw.length === 3)
    throw restError(
      'not_found',
      'The requested resource does not exist.',
      'com.vmware.vapi.rest.httpNotFound',
    );
  return raw.slice(3);
};

/** `http(s)://host` of the request, for the URLs this server hands out. */
export const baseUrl = (call: Call) => {
  const proto = call.headers['x-forwarded-proto']?.split(',')[0]?.trim() || (call.secure ? 'https' : 'http');
  return `${proto}://${call.headers.host ?? 'localhost'}`;
};

/** The publish URL of a local library; a subscription URL names a library this way. */
export const publishUrl = (base: string, id: string) => `${base}/cls/vcsp/lib/${id}/lib.json`;

export const libraryOfUrl = (url: string): string | undefined =>
  /\/cls\/vcsp\/lib\/([^/?#]+)\/lib\.json(?:[?#].*)?$/.exec(url)?.[1];

export const libraryJson = (call: Call, l: LibraryRecord) => ({
  id: l.id,
  name: l.name,
  description: l.description,
  type: l.type,
  creation_time: iso(l.creationTime),
  last_modified_time: iso(l.lastModifiedTime),
  ...(l.lastSyncTime === undefined ? {} : { last_sync_time: iso(l.lastSyncTime) }),
  server_guid: l.serverGuid,
  version: l.version,
  storage_backings: [{ type: 'DATASTORE', datastore_id: l.datastore }],
  ...(l.type === 'LOCAL'
    ? {
        publish_info: {
          authentication_method: 'NONE',
          published: l.published === true,
          persist_json_enabled: false,
          ...(l.published ? { publish_url: publishUrl(baseUrl(call), l.id) } : {}),
        },
      }
    : {}),
  ...(l.subscription
    ? {
        subscription_info: {
          authentication_method: 'NONE',
          subscription_url: l.subscription.url,
          on_demand: l.subscription.onDemand,
          automatic_sync_enabled: l.subscription.automaticSyncEnabled,
        },
      }
    : {}),
  optimization_info: { optimize_remote_publishing: false },
});

export const itemJson = (i: LibraryItemRecord) => ({
  id: i.id,
  library_id: i.library,
  name: i.name,
  description: i.description,
  type: i.type,
  size: i.size,
  cached: i.cached,
  content_version: i.contentVersion,
  metadata_version: i.metadataVersion,
  version: i.version,
  creation_time: iso(i.creationTime),
  last_modified_time: iso(i.lastModifiedTime),
  ...(i.lastSyncTime === undefined ? {} : { last_sync_time: iso(i.lastSyncTime) }),
  ...(i.sourceId === undefined ? {} : { source_id: i.sourceId }),
});

export const checksumJson = (f: { checksum?: LibraryFile['checksum'] }) =>
  f.checksum ? { checksum_info: { algorithm: f.checksum.algorithm, checksum: f.checksum.checksum } } : {};

export const fileJson = (f: LibraryFile) => ({
  name: f.name,
  size: f.size,
  cached: f.cached,
  version: f.version,
  ...checksumJson(f),
});

/** Where a file of an item lies on the library's datastore. */
export const storageJson = (vsphere: VSphere, item: LibraryItemRecord, f: LibraryFile) => {
  const datastore = (vsphere.store.get(item.library) as LibraryRecord | undefined)?.datastore ?? '';
  return {
    name: f.name,
    size: f.size,
    cached: f.cached,
    version: f.version,
    ...checksumJson(f),
    storage_backing: { type: 'DATASTORE', datastore_id: datastore },
    storage_uris: [libraryFileUri(vsphere.store, item, f.name)],
  };
};

export const messageJson = (text: string, id = 'com.vmware.vdcs.cls-main.error') => ({
  id,
  default_message: text,
  args: [],
});

export const sessionJson = (s: TransferSessionInfo) => ({
  id: s.id,
  library_item_id: s.libraryItemId,
  library_item_content_version: s.libraryItemContentVersion,
  state: s.state,
  client_progress: s.clientProgress,
  expiration_time: iso(s.expirationTime),
  ...(s.errorMessage === undefined ? {} : { error_message: messageJson(s.errorMessage) }),
});
