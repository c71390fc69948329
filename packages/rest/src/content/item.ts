/**
 * Library items (`content/library/item`: create, list by library, find, get, update, delete),
 * their files (`.../item/file`) and where those lie (`.../item/storage`); a subscribed library's
 * item synced (`content/library/subscribed-item`).
 */
import type { LibraryItemRecord, LibraryItemType } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { fieldName, fileJson, invalid, itemJson, pathId, specOf, storageJson, str } from './wire.js';

const itemOf = (call: Call, id: string): LibraryItemRecord => call.vsphere.library.getItem(id);

/** Any type: vCenter treats one it does not know as an item of files. */
const itemType = (value: string | undefined): LibraryItemType | undefined =>
  value === undefined || value === '' ? undefined : value;

const create = (call: Call) => {
  const key = 'create_spec';
  const spec = specOf(call, key);
  const libraryId = str(spec, 'library_id', fieldName(call, key, 'library_id'), true) as string;
  const name = str(spec, 'name', fieldName(call, key, 'name'), true) as string;
  const description = str(spec, 'description', fieldName(call, key, 'description'));
  const type = itemType(str(spec, 'type', fieldName(call, key, 'type'))) ?? 'file';
  const id = call.vsphere.library.createItem(libraryId, {
    name,
    type,
    ...(description === undefined ? {} : { description }),
  });
  return { value: id, created: true };
};

const list = (call: Call) => {
  const library = call.query.get('library_id');
  if (!library) throw invalid('library_id');
  return { value: call.vsphere.library.listItems(library) };
};

const find = (call: Call) => {
  const key = 'spec';
  const spec = specOf(call, key);
  const name = str(spec, 'name', fieldName(call, key, 'name'));
  const libraryId = str(spec, 'library_id', fieldName(call, key, 'library_id'));
  const type = itemType(str(spec, 'type', fieldName(call, key, 'type')));
  const sourceId = str(spec, 'source_id', fieldName(call, key, 'source_id'));
  if (libraryId !== undefined) call.vsphere.library.get(libraryId);
  const ids = call.vsphere.library
    .findItems({
      ...(name === undefined ? {} : { name }),
      ...(libraryId === undefined ? {} : { libraryId }),
      ...(type === undefined ? {} : { type }),
    })
    .filter((id) => sourceId === undefined || itemOf(call, id).sourceId === sourceId);
  return { value: ids };
};

const update = (call: Call) => {
  const id = itemOf(call, pathId(call, 'id')).id;
  const key = 'update_spec';
  const spec = specOf(call, key);
  const name = str(spec, 'name', fieldName(call, key, 'name'));
  const description = str(spec, 'description', fieldName(call, key, 'description'));
  call.vsphere.library.updateItem(id, {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
  });
  return {};
};

/** `/rest` names the item in the query (`library_item_id`) or as `id:`; `/api` in the path. */
const fileItem = (call: Call) => {
  if (call.style.name === 'api') return itemOf(call, pathId(call, 'id'));
  if (call.params.id !== undefined) return itemOf(call, pathId(call, 'id'));
  const id = call.query.get('library_item_id');
  if (!id) throw invalid('library_item_id');
  return itemOf(call, id);
};

const oneFile = <T extends { name: string }>(item: LibraryItemRecord, files: T[], name: string): T => {
  const file = files.find((f) => f.name === name);
  if (!file) throw restError('not_found', `Cannot find the file ${name} in library item ${item.id}.`);
  return file;
};

const files = (call: Call, name?: string) => {
  const item = fileItem(call);
  const all = item.files.map(fileJson);
  return { value: name === undefined ? all : oneFile(item, all, name) };
};

const storage = (call: Call, name?: string) => {
  const item = fileItem(call);
  const all = item.files.map((f) => storageJson(call.vsphere, item, f));
  return { value: name === undefined ? all : [oneFile(item, all, name)] };
};

/** Get, update and delete of one item: the same in both styles under their own base path. */
const oneItemRoutes = (base: string): Route[] => [
  {
    method: 'GET',
    path: `${base}/:id`,
    run: (call) => ({ value: itemJson(itemOf(call, pathId(call, 'id'))) }),
  },
  { method: 'PATCH', path: `${base}/:id`, run: update },
  {
    method: 'DELETE',
    path: `${base}/:id`,
    run: (call) => {
      call.vsphere.library.deleteItem(itemOf(call, pathId(call, 'id')).id);
      return {};
    },
  },
];

/**
 * content.library.SubscribedItem.sync: an item of a subscribed library held with its files
 * (`force_sync_content`: again, though held); `invalid_element_type` for an item of another library.
 */
const syncItem = (call: Call) => {
  const item = itemOf(call, pathId(call, 'id'));
  if (call.vsphere.library.get(item.library).type !== 'SUBSCRIBED')
    throw restError(
      'invalid_element_type',
      `The library item ${item.id} is not a member of a subscribed library.`,
    );
  const force = (call.body as { force_sync_content?: unknown } | undefined)?.force_sync_content;
  if (typeof force !== 'boolean') throw invalid('force_sync_content');
  call.vsphere.library.syncItem(item.id, force);
  return {};
};

export const itemRoutes: RouteSet = (style): Route[] => {
  if (style === 'rest') {
    const base = '/com/vmware/content/library/item';
    return [
      { method: 'POST', path: base, run: create },
      { method: 'GET', path: base, run: list },
      { method: 'POST', path: base, action: 'find', run: find },
      { method: 'GET', path: `${base}/file`, run: (call) => files(call) },
      {
        method: 'POST',
        path: `${base}/file/:id`,
        action: 'get',
        run: (call) => {
          const body = call.body as { name?: unknown } | undefined;
          if (typeof body?.name !== 'string') throw invalid('name');
          return files(call, body.name);
        },
      },
      { method: 'GET', path: `${base}/storage`, run: (call) => storage(call) },
      {
        method: 'POST',
        path: `${base}/storage/:id`,
        action: 'get',
        run: (call) => {
          const body = call.body as { file_name?: unknown } | undefined;
          if (typeof body?.file_name !== 'string') throw invalid('file_name');
          return storage(call, body.file_name);
        },
      },
      ...oneItemRoutes(base),
      {
        method: 'POST',
        path: '/com/vmware/content/library/subscribed-item/:id',
        action: 'sync',
        run: syncItem,
      },
    ];
  }
  const base = '/content/library/item';
  const named = (call: Call, key: string) => call.query.get(key) ?? undefined;
  return [
    { method: 'POST', path: base, run: create },
    { method: 'GET', path: base, run: list },
    { method: 'POST', path: base, action: 'find', run: find },
    ...oneItemRoutes(base),
    { method: 'GET', path: `${base}/:id/file`, run: (call) => files(call, named(call, 'name')) },
    { method: 'GET', path: `${base}/:id/file/:name`, run: (call) => files(call, call.params.name) },
    { method: 'GET', path: `${base}/:id/storage`, run: (call) => storage(call, named(call, 'file_name')) },
    { method: 'POST', path: '/content/library/subscribed-item/:id', action: 'sync', run: syncItem },
  ];
};
