import { SAMPLE_OVF_IMAGES } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];

const session = async () => {
  const ctx = setup();
  const datastore = ctx.vsphere.store.ofKind('Datastore').next().value?.id as string;
  const lib = ctx.vsphere.library.create({ name: 'lib', datastore, type: 'LOCAL' });
  return { ...ctx, ...(await ctx.login()), lib };
};

describe('library items, /rest', () => {
  it('creates, lists, finds, reads, updates and deletes', async () => {
    const { send, lib, vsphere } = await session();
    const created = await send('POST', '/rest/com/vmware/content/library/item', {
      body: JSON.stringify({ create_spec: { library_id: lib, name: 'iso', description: 'd', type: 'iso' } }),
    });
    const id = (created.json as { value: string }).value;
    expect((await send('GET', `/rest/com/vmware/content/library/item?library_id=${lib}`)).json).toEqual({
      value: [id],
    });
    const found = await send('POST', '/rest/com/vmware/content/library/item?~action=find', {
      body: JSON.stringify({ spec: { name: 'iso', library_id: lib, type: 'iso' } }),
    });
    expect(found.json).toEqual({ value: [id] });
    const got = await send('GET', `/rest/com/vmware/content/library/item/id:${id}`);
    expect(got.json).toMatchObject({
      value: {
        id,
        library_id: lib,
        name: 'iso',
        description: 'd',
        type: 'iso',
        size: 0,
        version: '1',
        cached: true,
      },
    });
    await send('PATCH', `/rest/com/vmware/content/library/item/id:${id}`, {
      body: JSON.stringify({ update_spec: { name: 'iso2' } }),
    });
    expect(vsphere.library.getItem(id).name).toBe('iso2');
    expect((await send('DELETE', `/rest/com/vmware/content/library/item/id:${id}`)).status).toBe(200);
    expect((await send('GET', `/rest/com/vmware/content/library/item/id:${id}`)).status).toBe(404);
  });

  it('lists files and storage of an OVF item', async () => {
    const { send, lib, vsphere } = await session();
    const id = vsphere.library.createItem(lib, ubuntu);
    const files = await send('GET', `/rest/com/vmware/content/library/item/file?library_item_id=${id}`);
    expect((files.json as { value: { name: string; version: string }[] }).value.map((f) => f.name)).toEqual([
      `${ubuntu.name}.ovf`,
      `${ubuntu.name}-disk-0.vmdk`,
    ]);
    const one = await send('POST', `/rest/com/vmware/content/library/item/file/id:${id}?~action=get`, {
      body: JSON.stringify({ name: `${ubuntu.name}.ovf` }),
    });
    expect(one.json).toMatchObject({ value: { name: `${ubuntu.name}.ovf`, cached: true, version: '1' } });
    const storage = await send('GET', `/rest/com/vmware/content/library/item/storage?library_item_id=${id}`);
    const first = (storage.json as { value: { storage_backings: unknown; storage_uris: string[] }[] })
      .value[0];
    expect(first).toMatchObject({ storage_backing: { type: 'DATASTORE' } });
    expect(first?.storage_uris[0]).toMatch(new RegExp(`contentlib-${lib}/${id}/${ubuntu.name}\\.ovf$`));
    expect((await send('GET', '/rest/com/vmware/content/library/item/file')).status).toBe(400);
  });

  it('refuses duplicates and unknown libraries with the field; takes any type', async () => {
    const { send, lib } = await session();
    const body = JSON.stringify({ create_spec: { library_id: lib, name: 'a', type: 'file' } });
    await send('POST', '/rest/com/vmware/content/library/item', { body });
    expect((await send('POST', '/rest/com/vmware/content/library/item', { body })).json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.already_exists',
    });
    const other = await send('POST', '/rest/com/vmware/content/library/item', {
      body: JSON.stringify({ create_spec: { library_id: lib, name: 'B', type: 'vhd' } }),
    });
    expect(other.status).toBe(200);
    const found = await send('POST', '/rest/com/vmware/content/library/item?~action=find', {
      body: JSON.stringify({ spec: { name: 'b', type: 'vhd' } }),
    });
    expect(found.json).toEqual({ value: [(other.json as { value: string }).value] });
    const noLib = await send('POST', '/rest/com/vmware/content/library/item', {
      body: JSON.stringify({ create_spec: { name: 'b' } }),
    });
    expect(JSON.stringify(noLib.json)).toContain('create_spec.library_id');
    const unknown = await send('POST', '/rest/com/vmware/content/library/item', {
      body: JSON.stringify({ create_spec: { library_id: 'nope', name: 'b' } }),
    });
    expect(unknown.status).toBe(404);
    expect((await send('GET', '/rest/com/vmware/content/library/item?library_id=nope')).status).toBe(404);
    expect((await send('GET', '/rest/com/vmware/content/library/item')).status).toBe(400);
  });
});

describe('library items, /api', () => {
  it('serves items, files and storage under the item path', async () => {
    const { send, lib } = await session();
    const created = await send('POST', '/api/content/library/item', {
      body: JSON.stringify({ library_id: lib, name: 'f', type: 'file' }),
    });
    expect(created.status).toBe(201);
    const id = created.json as string;
    expect((await send('GET', `/api/content/library/item?library_id=${lib}`)).json).toEqual([id]);
    expect(
      (await send('POST', '/api/content/library/item?action=find', { body: '{"name":"f"}' })).json,
    ).toEqual([id]);
    expect((await send('GET', `/api/content/library/item/${id}`)).json).toMatchObject({ id, name: 'f' });
    expect((await send('GET', `/api/content/library/item/${id}/file`)).json).toEqual([]);
    expect((await send('GET', `/api/content/library/item/${id}/storage`)).json).toEqual([]);
    expect((await send('GET', `/api/content/library/item/${id}/file/none`)).status).toBe(404);
    expect(
      (await send('PATCH', `/api/content/library/item/${id}`, { body: '{"description":"x"}' })).status,
    ).toBe(204);
    const dup = await send('PATCH', `/api/content/library/item/${id}`, { body: '{"name":""}' });
    expect(dup.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('DELETE', `/api/content/library/item/${id}`)).status).toBe(204);
    expect((await send('DELETE', `/api/content/library/item/${id}`)).status).toBe(404);
  });
});
