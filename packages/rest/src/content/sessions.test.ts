import { createHash } from 'node:crypto';
import { ovfXml, SAMPLE_OVF_IMAGES } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const enc = (s: string) => new TextEncoder().encode(s);
const headers = { host: 'vc.example' };

const session = async () => {
  const ctx = setup();
  const datastore = ctx.vsphere.store.ofKind('Datastore').next().value?.id as string;
  const lib = ctx.vsphere.library.create({ name: 'lib', datastore, type: 'LOCAL' });
  const item = ctx.vsphere.library.createItem(lib, { name: 'tiny', type: 'ovf' });
  /** A PUT or GET on a transfer URI, as the router hands it to the transfer handler. */
  const transfer = async (method: string, uri: string, body = new Uint8Array()) => {
    const url = new URL(uri);
    return ctx.handler.transfer({ method, path: url.pathname, query: '', headers, body });
  };
  return { ...ctx, ...(await ctx.login()), lib, item, transfer };
};

describe('update sessions, /rest (govmomi flow)', () => {
  it('uploads real bytes, keeps sizes and checksums, reads the .ovf, and downloads them back', async () => {
    const { send, item, transfer, vsphere } = await session();
    const created = await send('POST', '/rest/com/vmware/content/library/item/update-session', {
      headers,
      body: JSON.stringify({ create_spec: { library_item_id: item } }),
    });
    const sid = (created.json as { value: string }).value;
    const xml = enc(ovfXml(ubuntu.ovf, 'tiny'));
    const disk = new Uint8Array(4096).map((_, i) => i % 251);
    const add = async (name: string, size: number, checksum?: string) =>
      send('POST', `/rest/com/vmware/content/library/item/updatesession/file/id:${sid}?~action=add`, {
        headers,
        body: JSON.stringify({
          file_spec: {
            name,
            source_type: 'PUSH',
            size,
            ...(checksum ? { checksum_info: { algorithm: 'SHA1', checksum } } : {}),
          },
        }),
      });
    const ovf = await add('tiny.ovf', xml.length, sha1(xml));
    expect(ovf.json).toMatchObject({
      value: {
        name: 'tiny.ovf',
        status: 'WAITING_FOR_TRANSFER',
        upload_endpoint: { uri: `http://vc.example/vsim-upload/${sid}/tiny.ovf` },
      },
    });
    const uri = (ovf.json as { value: { upload_endpoint: { uri: string } } }).value.upload_endpoint.uri;
    expect((await transfer('PUT', uri, xml)).status).toBe(200);
    const diskInfo = (await add('tiny-disk-0.vmdk', disk.length)).json as {
      value: { upload_endpoint: { uri: string } };
    };
    const incomplete = await send(
      'POST',
      `/rest/com/vmware/content/library/item/update-session/id:${sid}?~action=complete`,
    );
    expect(incomplete.json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.not_allowed_in_current_state',
    });
    expect((await transfer('PUT', diskInfo.value.upload_endpoint.uri, disk)).status).toBe(200);
    const listed = await send(
      'GET',
      `/rest/com/vmware/content/library/item/updatesession/file?update_session_id=${sid}`,
    );
    expect((listed.json as { value: { status: string }[] }).value.map((f) => f.status)).toEqual([
      'READY',
      'READY',
    ]);
    const valid = await send(
      'POST',
      `/rest/com/vmware/content/library/item/updatesession/file/id:${sid}?~action=validate`,
    );
    expect(valid.json).toEqual({ value: { has_errors: false, missing_files: [], invalid_files: [] } });
    expect(
      (await send('POST', `/rest/com/vmware/content/library/item/update-session/id:${sid}?~action=complete`))
        .status,
    ).toBe(200);
    const state = await send('GET', `/rest/com/vmware/content/library/item/update-session/id:${sid}`);
    expect(state.json).toMatchObject({
      value: { id: sid, library_item_id: item, state: 'DONE', client_progress: 100 },
    });

    const files = await send('GET', `/rest/com/vmware/content/library/item/file?library_item_id=${item}`);
    expect(files.json).toEqual({
      value: [
        {
          name: 'tiny.ovf',
          size: xml.length,
          cached: true,
          version: '1',
          checksum_info: { algorithm: 'SHA1', checksum: sha1(xml) },
        },
        {
          name: 'tiny-disk-0.vmdk',
          size: 4096,
          cached: true,
          version: '1',
          checksum_info: { algorithm: 'SHA1', checksum: sha1(disk) },
        },
      ],
    });
    expect(vsphere.library.getItem(item)).toMatchObject({
      size: xml.length + 4096,
      contentVersion: '2',
      ovf: ubuntu.ovf,
    });

    const dl = await send('POST', '/rest/com/vmware/content/library/item/download-session', {
      headers,
      body: JSON.stringify({ create_spec: { library_item_id: item } }),
    });
    const did = (dl.json as { value: string }).value;
    const prepared = await send(
      'POST',
      `/rest/com/vmware/content/library/item/downloadsession/file/id:${did}?~action=prepare`,
      {
        headers,
        body: JSON.stringify({ file_name: 'tiny-disk-0.vmdk' }),
      },
    );
    const endpoint = (prepared.json as { value: { status: string; download_endpoint: { uri: string } } })
      .value;
    expect(endpoint.status).toBe('PREPARED');
    const got = await transfer('GET', endpoint.download_endpoint.uri);
    expect(got.status).toBe(200);
    expect(Buffer.from(got.body as Uint8Array).equals(Buffer.from(disk))).toBe(true);
    const dlFiles = await send(
      'GET',
      `/rest/com/vmware/content/library/item/downloadsession/file?download_session_id=${did}`,
    );
    expect(
      (dlFiles.json as { value: { name: string; status: string; bytes_transferred: number }[] }).value,
    ).toMatchObject([
      { name: 'tiny.ovf', status: 'UNPREPARED' },
      { name: 'tiny-disk-0.vmdk', status: 'PREPARED', bytes_transferred: 4096 },
    ]);
    const viaAction = await send(
      'POST',
      `/rest/com/vmware/content/library/item/downloadsession/file/id:${did}?~action=list`,
    );
    expect((viaAction.json as { value: unknown[] }).value).toHaveLength(2);
    expect((await transfer('GET', `http://vc.example/vsim-download/${did}/tiny.ovf`)).status).toBe(400);
    expect(
      (await send('DELETE', `/rest/com/vmware/content/library/item/download-session/id:${did}`)).status,
    ).toBe(200);
  });

  it('marks a size mismatch, fails and cancels sessions, and 404s unknown ones', async () => {
    const { send, item, transfer } = await session();
    const create = async () =>
      (
        (
          await send('POST', '/rest/com/vmware/content/library/item/update-session', {
            headers,
            body: JSON.stringify({ create_spec: { library_item_id: item } }),
          })
        ).json as { value: string }
      ).value;
    const sid = await create();
    await send('POST', `/rest/com/vmware/content/library/item/updatesession/file/id:${sid}?~action=add`, {
      body: JSON.stringify({ file_spec: { name: 'a.iso', source_type: 'PUSH', size: 3 } }),
    });
    const put = await transfer('PUT', `http://vc.example/vsim-upload/${sid}/a.iso`, enc('abcd'));
    expect(put.status).toBe(400);
    await send('POST', `/rest/com/vmware/content/library/item/update-session/id:${sid}?~action=complete`);
    const state = await send('GET', `/rest/com/vmware/content/library/item/update-session/id:${sid}`);
    expect(state.json).toMatchObject({
      value: { state: 'ERROR', error_message: { default_message: expect.stringMatching(/4 bytes/) } },
    });
    const f = await create();
    // The item has an active update session: another is refused until it ends.
    const busy = await send('POST', '/rest/com/vmware/content/library/item/update-session', {
      headers,
      body: JSON.stringify({ create_spec: { library_item_id: item } }),
    });
    expect([busy.status, (busy.json as { type: string }).type]).toEqual([
      400,
      'com.vmware.vapi.std.errors.resource_busy',
    ]);
    await send('POST', `/rest/com/vmware/content/library/item/update-session/id:${f}?~action=fail`, {
      body: JSON.stringify({ client_error_message: 'gave up' }),
    });
    expect(
      (await send('GET', `/rest/com/vmware/content/library/item/update-session/id:${f}`)).json,
    ).toMatchObject({
      value: { state: 'ERROR', error_message: { default_message: 'gave up' } },
    });
    const c = await create();
    await send('POST', `/rest/com/vmware/content/library/item/update-session/id:${c}?~action=cancel`);
    const late = await send(
      'POST',
      `/rest/com/vmware/content/library/item/update-session/id:${c}?~action=cancel`,
    );
    expect(late.status).toBe(400);
    expect((await send('GET', '/rest/com/vmware/content/library/item/update-session/id:nope')).status).toBe(
      404,
    );
    const badSpec = await send(
      'POST',
      `/rest/com/vmware/content/library/item/updatesession/file/id:${c}?~action=add`,
      {
        body: JSON.stringify({ file_spec: { name: 'x', source_type: 'CARRIER_PIGEON' } }),
      },
    );
    expect(JSON.stringify(badSpec.json)).toContain('file_spec.source_type');
    const noItem = await send('POST', '/rest/com/vmware/content/library/item/update-session', {
      body: JSON.stringify({ create_spec: { library_item_id: 'nope' } }),
    });
    expect(noItem.status).toBe(404);
    expect((await transfer('PUT', 'http://vc.example/vsim-upload/nope/x', enc('x'))).status).toBe(404);
  });
});

describe('update and download sessions, /api', () => {
  it('runs the same flow with bare bodies and path ids', async () => {
    const { send, item, transfer, vsphere } = await session();
    const created = await send('POST', '/api/content/library/item/update-session', {
      headers,
      body: JSON.stringify({ library_item_id: item }),
    });
    expect(created.status).toBe(201);
    const sid = created.json as string;
    const added = await send('POST', `/api/content/library/item/update-session/${sid}/file?action=add`, {
      headers,
      body: JSON.stringify({ name: 'notes.txt', source_type: 'PUSH' }),
    });
    const uri = (added.json as { upload_endpoint: { uri: string } }).upload_endpoint.uri;
    expect((await transfer('PUT', uri, enc('hello'))).status).toBe(200);
    expect(
      (await send('GET', `/api/content/library/item/update-session/${sid}/file/notes.txt`)).json,
    ).toMatchObject({
      status: 'READY',
      bytes_transferred: 5,
    });
    expect(
      (await send('POST', `/api/content/library/item/update-session/${sid}?action=complete`)).status,
    ).toBe(204);
    expect((await send('GET', `/api/content/library/item/update-session/${sid}`)).json).toMatchObject({
      state: 'DONE',
    });
    expect(vsphere.library.getItem(item).files).toMatchObject([{ name: 'notes.txt', size: 5 }]);
    expect(
      (await send('GET', `/api/content/library/item/update-session?library_item_id=${item}`)).json,
    ).toEqual([sid]);
    expect((await send('DELETE', `/api/content/library/item/update-session/${sid}`)).status).toBe(204);

    const did = (
      await send('POST', '/api/content/library/item/download-session', {
        body: JSON.stringify({ library_item_id: item }),
      })
    ).json as string;
    const prepared = await send(
      'POST',
      `/api/content/library/item/download-session/${did}/file?action=prepare`,
      {
        headers,
        body: JSON.stringify({ file_name: 'notes.txt' }),
      },
    );
    const down = await transfer(
      'GET',
      (prepared.json as { download_endpoint: { uri: string } }).download_endpoint.uri,
    );
    expect(new TextDecoder().decode(down.body as Uint8Array)).toBe('hello');
    expect(
      (await send('GET', `/api/content/library/item/download-session/${did}/file?file_name=notes.txt`)).json,
    ).toMatchObject({
      status: 'PREPARED',
      bytes_transferred: 5,
    });
    const missing = await send(
      'POST',
      `/api/content/library/item/download-session/${did}/file?action=prepare`,
      {
        body: JSON.stringify({ file_name: 'none' }),
      },
    );
    expect(missing.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });

  it('downloads a generated descriptor of an item without uploaded bytes', async () => {
    const { send, lib, transfer, vsphere } = await session();
    const item = vsphere.library.createItem(lib, { ...ubuntu, name: 'u' });
    const did = (
      await send('POST', '/api/content/library/item/download-session', {
        body: JSON.stringify({ library_item_id: item }),
      })
    ).json as string;
    await send('POST', `/api/content/library/item/download-session/${did}/file?action=prepare`, {
      body: JSON.stringify({ file_name: 'u.ovf' }),
    });
    const got = await transfer('GET', `http://vc.example/vsim-download/${did}/u.ovf`);
    expect(new TextDecoder().decode(got.body as Uint8Array)).toBe(ovfXml(ubuntu.ovf, 'u'));
    await send('POST', `/api/content/library/item/download-session/${did}/file?action=prepare`, {
      body: JSON.stringify({ file_name: 'u-disk-0.vmdk' }),
    });
    expect((await transfer('GET', `http://vc.example/vsim-download/${did}/u-disk-0.vmdk`)).status).toBe(404);
  });
});
