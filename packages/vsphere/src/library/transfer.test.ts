import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFixture } from '../testing/fixture.js';
import { ovfXml, SAMPLE_OVF_IMAGES } from './ovf.js';
import { MAX_TRANSFER_SESSIONS, TRANSFER_SESSION_TIMEOUT_MS } from './transfer.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
const bytes = (s: string) => new TextEncoder().encode(s);
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const received = (s: string) => ({ bytes: bytes(s), sha1: sha1(bytes(s)) });

const setup = () => {
  const fixture = createFixture();
  const ds = fixture.at('/DC0/datastore/LocalDS_0');
  const { library } = fixture.vsphere;
  const lib = library.create({ name: 'images', datastore: ds.id, type: 'LOCAL' });
  const item = library.createItem(lib, { name: 'tiny', type: 'ovf' });
  return { ...fixture, library, lib, item };
};

describe('update sessions', () => {
  it('puts uploaded files on the item with sizes, checksums and versions', () => {
    const { library, item } = setup();
    const s = library.createUpdateSession(item);
    expect(library.getUpdateSession(s)).toMatchObject({
      state: 'ACTIVE',
      libraryItemId: item,
      clientProgress: 0,
    });
    const xml = ovfXml(ubuntu.ovf, 'tiny');
    library.addUpdateFile(s, { name: 'tiny.ovf', sourceType: 'PUSH', size: bytes(xml).length });
    library.addUpdateFile(s, { name: 'tiny-disk-0.vmdk', sourceType: 'PUSH' });
    expect(() => library.completeUpdateSession(s)).toThrow(/has not been uploaded/);
    expect(library.receiveUpdateFile(s, 'tiny.ovf', received(xml))).toMatchObject({ status: 'READY' });
    library.receiveUpdateFile(s, 'tiny-disk-0.vmdk', received('disk'));
    expect(library.validateUpdateSession(s)).toEqual({
      hasErrors: false,
      missingFiles: [],
      invalidFiles: [],
    });
    library.completeUpdateSession(s);
    expect(library.getUpdateSession(s)).toMatchObject({ state: 'DONE', clientProgress: 100 });
    const record = library.getItem(item);
    expect(record.files).toEqual([
      {
        name: 'tiny.ovf',
        size: bytes(xml).length,
        version: '1',
        cached: true,
        checksum: { algorithm: 'SHA1', checksum: sha1(bytes(xml)) },
      },
      {
        name: 'tiny-disk-0.vmdk',
        size: 4,
        version: '1',
        cached: true,
        checksum: { algorithm: 'SHA1', checksum: sha1(bytes('disk')) },
      },
    ]);
    expect(record).toMatchObject({ size: bytes(xml).length + 4, contentVersion: '2', ovf: ubuntu.ovf });

    const again = library.createUpdateSession(item);
    library.addUpdateFile(again, { name: 'tiny-disk-0.vmdk', sourceType: 'PUSH' });
    library.receiveUpdateFile(again, 'tiny-disk-0.vmdk', received('bigger disk'));
    library.completeUpdateSession(again);
    expect(library.getItem(item).files[1]).toMatchObject({ size: 11, version: '2' });
  });

  it('keeps the descriptor when an .ovf does not read', () => {
    const { library, lib } = setup();
    const item = library.createItem(lib, { ...ubuntu, name: 'u' });
    const s = library.createUpdateSession(item);
    library.addUpdateFile(s, { name: 'u.ovf', sourceType: 'PUSH' });
    library.receiveUpdateFile(s, 'u.ovf', received('garbage'));
    library.completeUpdateSession(s);
    expect(library.getItem(item).ovf).toEqual(ubuntu.ovf);
  });

  it('ends in ERROR on a size or checksum other than announced, leaving the item', () => {
    const { library, item } = setup();
    const s = library.createUpdateSession(item);
    library.addUpdateFile(s, { name: 'a', sourceType: 'PUSH', size: 3 });
    expect(library.receiveUpdateFile(s, 'a', received('abcd'))).toMatchObject({ status: 'ERROR' });
    library.completeUpdateSession(s);
    expect(library.getUpdateSession(s)).toMatchObject({
      state: 'ERROR',
      errorMessage: expect.stringMatching(/4 bytes/),
    });
    expect(library.getItem(item).files).toEqual([]);
    const t = library.createUpdateSession(item);
    library.addUpdateFile(t, {
      name: 'a',
      sourceType: 'PUSH',
      checksum: { algorithm: 'SHA1', checksum: '00' },
    });
    expect(library.receiveUpdateFile(t, 'a', received('x'))).toMatchObject({ status: 'ERROR' });
    expect(library.validateUpdateSession(t).invalidFiles).toHaveLength(1);
  });

  it('refuses bad specs, duplicates, unknown sessions and finished ones', () => {
    const { library, item } = setup();
    expect(() => library.createUpdateSession('nope')).toThrow(/Cannot find the library item/);
    const s = library.createUpdateSession(item);
    expect(() => library.addUpdateFile(s, { name: '', sourceType: 'PUSH' })).toThrow(/file_spec.name/);
    expect(() => library.addUpdateFile(s, { name: 'a', sourceType: 'PULL' })).toThrow(/PUSH/);
    library.addUpdateFile(s, { name: 'a', sourceType: 'PUSH' });
    expect(() => library.addUpdateFile(s, { name: 'a', sourceType: 'PUSH' })).toThrow();
    library.removeUpdateFile(s, 'a');
    expect(library.listUpdateFiles(s)).toEqual([]);
    library.cancelUpdateSession(s);
    expect(library.getUpdateSession(s).state).toBe('CANCELED');
    expect(() => library.addUpdateFile(s, { name: 'b', sourceType: 'PUSH' })).toThrow(/CANCELED/);
    const f = library.createUpdateSession(item);
    library.failUpdateSession(f, 'client gave up');
    expect(library.getUpdateSession(f)).toMatchObject({ state: 'ERROR', errorMessage: 'client gave up' });
    library.deleteUpdateSession(f);
    expect(() => library.getUpdateSession(f)).toThrow(/Cannot find the update session/);
    expect(library.listUpdateSessions(item)).toEqual([s]);
  });

  it('expires idle sessions and bounds how many it remembers', async () => {
    const { library, item, vsphere } = setup();
    const s = library.createUpdateSession(item);
    (vsphere.clock as unknown as { advance(ms: number): void }).advance?.(TRANSFER_SESSION_TIMEOUT_MS + 1);
    if (vsphere.clock.now() > library.getUpdateSession(s).expirationTime)
      expect(library.getUpdateSession(s).state).toBe('ERROR');
    // An item has one active update session at a time: each is ended before the next.
    if (library.getUpdateSession(s).state === 'ACTIVE') library.cancelUpdateSession(s);
    for (let i = 0; i < MAX_TRANSFER_SESSIONS + 5; i++)
      library.cancelUpdateSession(library.createUpdateSession(item));
    expect(library.listUpdateSessions().length).toBe(MAX_TRANSFER_SESSIONS);
  });

  it('opens one update session at a time per item', () => {
    const { library, item } = setup();
    const s = library.createUpdateSession(item);
    expect(() => library.createUpdateSession(item)).toThrow(
      expect.objectContaining({ fault: { _type: 'ResourceBusy' }, message: expect.stringContaining(s) }),
    );
    library.cancelUpdateSession(s);
    const t = library.createUpdateSession(item);
    library.completeUpdateSession(t);
    expect(library.getUpdateSession(library.createUpdateSession(item)).state).toBe('ACTIVE');
  });
});

describe('download sessions', () => {
  it('prepares the item files and counts transfers', () => {
    const { library, lib } = setup();
    const item = library.createItem(lib, { ...ubuntu, name: 'u' });
    const s = library.createDownloadSession(item);
    expect(library.listDownloadFiles(s).map((f) => [f.name, f.status])).toEqual([
      ['u.ovf', 'UNPREPARED'],
      ['u-disk-0.vmdk', 'UNPREPARED'],
    ]);
    expect(() => library.downloadedFile(s, 'u.ovf', 1)).toThrow(/not been prepared/);
    expect(library.prepareDownloadFile(s, 'u.ovf')).toMatchObject({ status: 'PREPARED' });
    library.downloadedFile(s, 'u.ovf', 10);
    expect(library.getDownloadFile(s, 'u.ovf').bytesTransferred).toBe(10);
    expect(() => library.prepareDownloadFile(s, 'missing')).toThrow(/file_name/);
    library.cancelDownloadSession(s);
    expect(library.getDownloadSession(s).state).toBe('CANCELED');
    library.deleteDownloadSession(s);
    expect(() => library.getDownloadSession(s)).toThrow(/download session/);
  });
});
