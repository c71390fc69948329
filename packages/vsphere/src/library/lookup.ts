/**
 * Finding libraries and items by id. They are vAPI objects, not managed objects, so a
 * miss is vAPI's not_found (a NotFound fault), never ManagedObjectNotFound.
 */

import { faults } from '../faults.js';
import type { InventoryRecord, LibraryItemRecord, LibraryRecord } from '../inventory/records.js';

type Reader = { get(id: string): InventoryRecord | undefined };

export const libraryOf = (store: Reader, id: string): LibraryRecord => {
  const r = store.get(id);
  if (r?.kind !== 'ContentLibrary') throw faults.notFound(`Cannot find the library with ID ${id}.`);
  return r;
};

export const libraryItemOf = (store: Reader, id: string): LibraryItemRecord => {
  const r = store.get(id);
  if (r?.kind !== 'LibraryItem') throw faults.notFound(`Cannot find the library item with ID ${id}.`);
  return r;
};

/** The folder of an item's files on its library's datastore: `contentlib-<library>/<item>`. */
export const libraryItemDirectory = (item: Pick<LibraryItemRecord, 'library' | 'id'>): string =>
  `contentlib-${item.library}/${item.id}`;

/**
 * Where a file of an item lies: a URL on the library's datastore (`ds:///vmfs/volumes/<uuid>/`),
 * as vCenter reports it and a CD-ROM backing may name it.
 */
export const libraryFileUri = (store: Reader, item: LibraryItemRecord, fileName: string): string => {
  const datastore = (store.get(item.library) as LibraryRecord | undefined)?.datastore ?? '';
  const url = (store.get(datastore) as { url?: string } | undefined)?.url ?? `ds:///${datastore}/`;
  return `${url.endsWith('/') ? url : `${url}/`}${libraryItemDirectory(item)}/${fileName}`;
};

/** vAPI versions are decimal counters carried as strings. */
export const nextVersion = (version: string): string => String(Number(version) + 1);
