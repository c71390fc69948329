/**
 * Libraries: the generic service (`content/library`: list, get, find, update, delete), local
 * libraries (`content/local-library`: create, get, update, delete, publish) and subscribed
 * libraries (`content/subscribed-library`: create, get, update, delete, sync). A library
 * published here hands out `<base>/cls/vcsp/lib/<id>/lib.json`; a subscription URL of that
 * form names the source library.
 */
import type { LibraryRecord } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import {
  bool,
  fieldName,
  invalid,
  type Json,
  libraryJson,
  libraryOfUrl,
  obj,
  pathId,
  specOf,
  str,
} from './wire.js';

const TYPES = ['LOCAL', 'SUBSCRIBED'] as const;
type LibraryType = (typeof TYPES)[number];

/** The library `id`, which must be of `type` when the path names one. */
const libraryOf = (call: Call, type?: LibraryType): LibraryRecord => {
  const id = pathId(call, 'id');
  const library = call.vsphere.library.get(id);
  if (type !== undefined && library.type !== type)
    throw restError('not_found', `Cannot find the ${type.toLowerCase()} library with ID ${id}.`);
  return library;
};

/** The datastore of `storage_backings` (one DATASTORE backing). */
const datastoreOf = (call: Call, spec: Json, key: string): string => {
  const field = fieldName(call, key, 'storage_backings');
  const backings = spec.storage_backings;
  if (!Array.isArray(backings) || backings.length === 0) throw invalid(field);
  const backing = backings[0] as Json | undefined;
  if (typeof backing !== 'object' || backing === null || backing.type !== 'DATASTORE')
    throw invalid(`${field}.type`, 'must be DATASTORE');
  return str(backing, 'datastore_id', `${field}.datastore_id`, true) as string;
};

const checkType = (call: Call, spec: Json, key: string, want: LibraryType) => {
  const type = str(spec, 'type', fieldName(call, key, 'type'));
  if (type !== undefined && type !== want) throw invalid(fieldName(call, key, 'type'), `must be ${want}`);
};

const createLocal = (call: Call) => {
  const key = 'create_spec';
  const spec = specOf(call, key);
  checkType(call, spec, key, 'LOCAL');
  const name = str(spec, 'name', fieldName(call, key, 'name'), true) as string;
  const description = str(spec, 'description', fieldName(call, key, 'description'));
  const datastore = datastoreOf(call, spec, key);
  const publish = obj(spec, 'publish_info', fieldName(call, key, 'publish_info'));
  const published = publish
    ? bool(publish, 'published', fieldName(call, key, 'publish_info.published'))
    : undefined;
  const id = call.vsphere.library.create({
    name,
    datastore,
    type: 'LOCAL',
    ...(description === undefined ? {} : { description }),
    ...(published ? { published } : {}),
  });
  return { value: id, created: true };
};

const createSubscribed = (call: Call) => {
  const key = 'create_spec';
  const spec = specOf(call, key);
  checkType(call, spec, key, 'SUBSCRIBED');
  const name = str(spec, 'name', fieldName(call, key, 'name'), true) as string;
  const description = str(spec, 'description', fieldName(call, key, 'description'));
  const datastore = datastoreOf(call, spec, key);
  const infoField = fieldName(call, key, 'subscription_info');
  const info = obj(spec, 'subscription_info', infoField, true) as Json;
  const url = str(info, 'subscription_url', `${infoField}.subscription_url`, true) as string;
  const source = libraryOfUrl(url);
  if (source === undefined) throw invalid(`${infoField}.subscription_url`, 'names no library published here');
  const onDemand = bool(info, 'on_demand', `${infoField}.on_demand`);
  const automatic = bool(info, 'automatic_sync_enabled', `${infoField}.automatic_sync_enabled`);
  const id = call.vsphere.library.createSubscribed({
    name,
    datastore,
    source,
    subscriptionUrl: url,
    ...(description === undefined ? {} : { description }),
    ...(onDemand === undefined ? {} : { onDemand }),
    ...(automatic === undefined ? {} : { automaticSyncEnabled: automatic }),
  });
  return { value: id, created: true };
};

const update = (call: Call, type?: LibraryType) => {
  const library = libraryOf(call, type);
  const key = 'update_spec';
  const spec = specOf(call, key);
  const name = str(spec, 'name', fieldName(call, key, 'name'));
  const description = str(spec, 'description', fieldName(call, key, 'description'));
  const text = {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
  };
  const { library: ops } = call.vsphere;
  if (library.type === 'SUBSCRIBED') {
    const info = obj(spec, 'subscription_info', fieldName(call, key, 'subscription_info'));
    const onDemand = info
      ? bool(info, 'on_demand', fieldName(call, key, 'subscription_info.on_demand'))
      : undefined;
    const auto = info
      ? bool(info, 'automatic_sync_enabled', fieldName(call, key, 'subscription_info.automatic_sync_enabled'))
      : undefined;
    ops.updateSubscribed(library.id, {
      ...text,
      ...(onDemand === undefined ? {} : { onDemand }),
      ...(auto === undefined ? {} : { automaticSyncEnabled: auto }),
    });
    return {};
  }
  const publish = obj(spec, 'publish_info', fieldName(call, key, 'publish_info'));
  const published = publish
    ? bool(publish, 'published', fieldName(call, key, 'publish_info.published'))
    : undefined;
  ops.update(library.id, text);
  if (published !== undefined) ops.setPublished(library.id, published);
  return {};
};

const remove = (call: Call, type?: LibraryType) => {
  call.vsphere.library.delete(libraryOf(call, type).id);
  return {};
};

const find = (call: Call) => {
  const key = 'spec';
  const spec = specOf(call, key);
  const name = str(spec, 'name', fieldName(call, key, 'name'));
  const type = str(spec, 'type', fieldName(call, key, 'type'));
  if (type !== undefined && !(TYPES as readonly string[]).includes(type))
    throw invalid(fieldName(call, key, 'type'), 'must be LOCAL or SUBSCRIBED');
  const lower = name?.toLowerCase();
  const ids = call.vsphere.library
    .list()
    .map((id) => call.vsphere.library.get(id))
    .filter(
      (l) =>
        (lower === undefined || l.name.toLowerCase() === lower) && (type === undefined || l.type === type),
    )
    .map((l) => l.id);
  return { value: ids };
};

const listOf = (call: Call, type?: LibraryType) => ({
  value: call.vsphere.library
    .list()
    .filter((id) => type === undefined || call.vsphere.library.get(id).type === type),
});

export const libraryRoutes: RouteSet = (style): Route[] => {
  const base = style === 'rest' ? '/com/vmware/content' : '/content';
  const id = style === 'rest' ? ':id' : ':id';
  const action = (name: string) => ({ action: name });
  return [
    { method: 'GET', path: `${base}/library`, run: (call) => listOf(call) },
    { method: 'POST', path: `${base}/library`, ...action('find'), run: find },
    {
      method: 'GET',
      path: `${base}/library/${id}`,
      run: (call) => ({ value: libraryJson(call, libraryOf(call)) }),
    },
    { method: 'PATCH', path: `${base}/library/${id}`, run: (call) => update(call) },
    { method: 'DELETE', path: `${base}/library/${id}`, run: (call) => remove(call) },

    { method: 'GET', path: `${base}/local-library`, run: (call) => listOf(call, 'LOCAL') },
    { method: 'POST', path: `${base}/local-library`, run: createLocal },
    {
      method: 'GET',
      path: `${base}/local-library/${id}`,
      run: (call) => ({ value: libraryJson(call, libraryOf(call, 'LOCAL')) }),
    },
    { method: 'PATCH', path: `${base}/local-library/${id}`, run: (call) => update(call, 'LOCAL') },
    { method: 'DELETE', path: `${base}/local-library/${id}`, run: (call) => remove(call, 'LOCAL') },
    {
      method: 'POST',
      path: `${base}/local-library/${id}`,
      ...action('publish'),
      run: (call) => {
        call.vsphere.library.publish(libraryOf(call, 'LOCAL').id);
        return {};
      },
    },

    { method: 'GET', path: `${base}/subscribed-library`, run: (call) => listOf(call, 'SUBSCRIBED') },
    { method: 'POST', path: `${base}/subscribed-library`, run: createSubscribed },
    {
      method: 'GET',
      path: `${base}/subscribed-library/${id}`,
      run: (call) => ({ value: libraryJson(call, libraryOf(call, 'SUBSCRIBED')) }),
    },
    { method: 'PATCH', path: `${base}/subscribed-library/${id}`, run: (call) => update(call, 'SUBSCRIBED') },
    { method: 'DELETE', path: `${base}/subscribed-library/${id}`, run: (call) => remove(call, 'SUBSCRIBED') },
    {
      method: 'POST',
      path: `${base}/subscribed-library/${id}`,
      ...action('sync'),
      run: (call) => {
        call.vsphere.library.sync(libraryOf(call, 'SUBSCRIBED').id);
        return {};
      },
    },
  ];
};
