/**
 * A library's files take room on its datastore, as any file there does: whatever operation
 * caches, changes or drops an item's files (an upload, a sync, an eviction, a deletion) charges
 * the difference to the library's datastore in its own transaction.
 */

import type { InventoryRecord, LibraryItemRecord, LibraryRecord } from '../inventory/records.js';
import { chargeDatastore } from '../inventory/vm.js';
import type { Model, Tx } from '../model.js';

/** Bytes an item's cached files take. */
const cachedBytes = (item: LibraryItemRecord | undefined): number => {
  let bytes = 0;
  for (const file of item?.files ?? []) if (file.cached) bytes += file.size;
  return bytes;
};

const asItem = (record: InventoryRecord | null | undefined) =>
  record?.kind === 'LibraryItem' ? record : undefined;

export const chargeLibraryFiles =
  (m: Model) =>
  (tx: Tx): void => {
    const charges: [item: LibraryItemRecord, bytes: number][] = [];
    for (const [id, written] of tx.writes) {
      // Most writes are of other kinds: only a removal needs a look at what it removes.
      if (written !== null && written.kind !== 'LibraryItem') continue;
      const after = asItem(written);
      const before = asItem(m.store.get(id));
      if (!after && !before) continue;
      const bytes = cachedBytes(after) - cachedBytes(before);
      if (bytes !== 0) charges.push([(after ?? before) as LibraryItemRecord, bytes]);
    }
    // Charged once the writes are read: a charge is a write of its own.
    for (const [item, bytes] of charges) {
      // The library may go in the same transaction as its items: it is still stored until then.
      const library = (tx.get(item.library) ?? m.store.get(item.library)) as LibraryRecord | undefined;
      if (library) chargeDatastore(tx, library.datastore, bytes);
    }
  };
