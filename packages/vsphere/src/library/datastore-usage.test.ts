import { describe, expect, it } from 'vitest';
import type { DatastoreRecord, LibraryItemRecord } from '../inventory/records.js';
import { createFixture } from '../testing/fixture.js';
import { SAMPLE_OVF_IMAGES } from './ovf.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
const bytesOf = (item: LibraryItemRecord) => item.files.reduce((sum, f) => sum + f.size, 0);

describe("a library's files on its datastore", () => {
  it('take room as they are cached, uploaded, synced and dropped', () => {
    const { vsphere, at } = createFixture();
    const { library } = vsphere;
    const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0').id;
    const used = () => (vsphere.store.get(ds) as DatastoreRecord).used;
    const free = () => vsphere.read<number>(ds, 'summary.freeSpace');
    const empty = used();

    const source = library.create({ name: 'pub', datastore: ds, type: 'LOCAL', published: true });
    const item = library.createItem(source, ubuntu);
    const itemBytes = bytesOf(library.getItem(item));
    expect(itemBytes).toBeGreaterThan(0);
    expect(used()).toBe(empty + itemBytes);
    expect(free()).toBe(at<DatastoreRecord>('/DC0/datastore/LocalDS_0').capacity - used());

    // An upload replaces a file: the difference is charged.
    const session = library.createUpdateSession(item);
    const [first] = library.getItem(item).files;
    const bytes = new TextEncoder().encode('a smaller file');
    library.addUpdateFile(session, { name: first?.name as string, sourceType: 'PUSH' });
    library.receiveUpdateFile(session, first?.name as string, { bytes, sha1: '' });
    library.completeUpdateSession(session);
    const uploaded = bytesOf(library.getItem(item));
    expect(uploaded).toBe(itemBytes - (first?.size as number) + bytes.length);
    expect(used()).toBe(empty + uploaded);

    // An on-demand subscription holds no files until an item is synced.
    const sub = library.createSubscribed({
      name: 'sub',
      datastore: ds,
      source,
      subscriptionUrl: 'x',
      onDemand: true,
    });
    expect(used()).toBe(empty + uploaded);
    const copy = library.listItems(sub)[0] as string;
    library.syncItem(copy);
    expect(used()).toBe(empty + 2 * uploaded);

    // The library goes with its items, and their files with them.
    library.delete(sub);
    expect(used()).toBe(empty + uploaded);
    library.deleteItem(item);
    expect(used()).toBe(empty);
  });
});
