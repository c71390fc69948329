import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const session = async () => {
  const ctx = setup();
  return { ...ctx, ...(await ctx.login()) };
};

const ds = 'datastore-'; // completed per test from the store
const datastoreOf = (ctx: Awaited<ReturnType<typeof session>>) =>
  ctx.vsphere.store.ofKind('Datastore').next().value?.id as string;

const localSpec = (name: string, datastore: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: 'd',
  type: 'LOCAL',
  storage_backings: [{ type: 'DATASTORE', datastore_id: datastore }],
  ...extra,
});

describe('local libraries, /rest', () => {
  it('creates, lists, reads, finds, updates and deletes', async () => {
    const ctx = await session();
    const { send } = ctx;
    const datastore = datastoreOf(ctx);
    expect(datastore.startsWith(ds)).toBe(true);
    const body = JSON.stringify({ create_spec: localSpec('lib', datastore) });
    const created = await send('POST', '/rest/com/vmware/content/local-library', { body });
    expect(created.status).toBe(200);
    const id = (created.json as { value: string }).value;
    expect((await send('GET', '/rest/com/vmware/content/library')).json).toEqual({ value: [id] });
    expect((await send('GET', '/rest/com/vmware/content/local-library')).json).toEqual({ value: [id] });
    const got = await send('GET', `/rest/com/vmware/content/library/id:${id}`);
    expect(got.json).toMatchObject({
      value: {
        id,
        name: 'lib',
        description: 'd',
        type: 'LOCAL',
        version: '1',
        storage_backings: [{ type: 'DATASTORE', datastore_id: datastore }],
        publish_info: { published: false },
      },
    });
    const found = await send('POST', '/rest/com/vmware/content/library?~action=find', {
      body: JSON.stringify({ spec: { name: 'LIB', type: 'LOCAL' } }),
    });
    expect(found.json).toEqual({ value: [id] });
    const patched = await send('PATCH', `/rest/com/vmware/content/library/id:${id}`, {
      body: JSON.stringify({ update_spec: { description: 'new' } }),
    });
    expect(patched.status).toBe(200);
    await send('PATCH', `/rest/com/vmware/content/local-library/id:${id}`, {
      body: JSON.stringify({ update_spec: { name: 'renamed' } }),
    });
    expect(ctx.vsphere.library.get(id)).toMatchObject({ name: 'renamed', description: 'new', version: '3' });
    expect((await send('DELETE', `/rest/com/vmware/content/local-library/id:${id}`)).status).toBe(200);
    expect((await send('GET', `/rest/com/vmware/content/library/id:${id}`)).status).toBe(404);
  });

  it('refuses duplicates, bad specs with the field, unknown ids and missing id: prefixes', async () => {
    const ctx = await session();
    const { send } = ctx;
    const datastore = datastoreOf(ctx);
    const body = JSON.stringify({ create_spec: localSpec('lib', datastore) });
    await send('POST', '/rest/com/vmware/content/local-library', { body });
    const dup = await send('POST', '/rest/com/vmware/content/local-library', { body });
    expect(dup.status).toBe(400);
    expect(dup.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.already_exists' });
    const noName = await send('POST', '/rest/com/vmware/content/local-library', {
      body: JSON.stringify({ create_spec: localSpec('', datastore) }),
    });
    expect(noName.status).toBe(400);
    expect(JSON.stringify(noName.json)).toContain('create_spec.name');
    const noBacking = await send('POST', '/rest/com/vmware/content/local-library', {
      body: JSON.stringify({ create_spec: { name: 'x', type: 'LOCAL' } }),
    });
    expect(JSON.stringify(noBacking.json)).toContain('create_spec.storage_backings');
    const badDs = await send('POST', '/rest/com/vmware/content/local-library', {
      body: JSON.stringify({ create_spec: localSpec('x', 'datastore-999') }),
    });
    expect(badDs.status).toBe(400);
    const unwrapped = await send('POST', '/rest/com/vmware/content/local-library', {
      body: JSON.stringify(localSpec('x', datastore)),
    });
    expect(JSON.stringify(unwrapped.json)).toContain('create_spec');
    expect((await send('GET', '/rest/com/vmware/content/library/id:nope')).status).toBe(404);
    expect((await send('GET', '/rest/com/vmware/content/library/nope')).status).toBe(404);
    expect((await send('DELETE', '/rest/com/vmware/content/subscribed-library/id:nope')).status).toBe(404);
  });
});

describe('local libraries, /api', () => {
  it('creates with 201, answers bare bodies and 204s', async () => {
    const ctx = await session();
    const { send } = ctx;
    const datastore = datastoreOf(ctx);
    const created = await send('POST', '/api/content/local-library', {
      body: JSON.stringify(localSpec('lib', datastore, { publish_info: { published: true } })),
    });
    expect(created.status).toBe(201);
    const id = created.json as string;
    const got = await send('GET', `/api/content/local-library/${id}`, { headers: { host: 'vc.example' } });
    expect(got.json).toMatchObject({
      id,
      publish_info: { published: true, publish_url: `http://vc.example/cls/vcsp/lib/${id}/lib.json` },
    });
    expect((await send('POST', '/api/content/library?action=find', { body: '{"name":"lib"}' })).json).toEqual(
      [id],
    );
    expect(
      (await send('POST', '/api/content/library?action=find', { body: '{"type":"SUBSCRIBED"}' })).json,
    ).toEqual([]);
    const badType = await send('POST', '/api/content/library?action=find', { body: '{"type":"X"}' });
    expect(badType.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('PATCH', `/api/content/library/${id}`, { body: '{"name":"x"}' })).status).toBe(204);
    expect((await send('POST', `/api/content/local-library/${id}?action=publish`)).status).toBe(204);
    const dup = await send('POST', '/api/content/local-library', {
      body: JSON.stringify(localSpec('x', datastore)),
    });
    expect(dup.json).toMatchObject({ error_type: 'ALREADY_EXISTS' });
    const bad = await send('POST', '/api/content/local-library', { body: '{"name":"y"}' });
    expect(bad.json).toMatchObject({
      error_type: 'INVALID_ARGUMENT',
      messages: [{ args: ['storage_backings'] }],
    });
    expect((await send('DELETE', `/api/content/library/${id}`)).status).toBe(204);
    expect((await send('GET', `/api/content/library/${id}`)).status).toBe(404);
  });
});

describe('subscribed libraries', () => {
  it("syncs an on-demand library's item, in both styles; refuses a local library's and a body without force", async () => {
    const ctx = await session();
    const { send, vsphere } = ctx;
    const datastore = datastoreOf(ctx);
    const pub = vsphere.library.create({ name: 'pub', datastore, type: 'LOCAL', published: true });
    const local = vsphere.library.createItem(pub, { name: 'one', type: 'file' });
    vsphere.library.createItem(pub, { name: 'two', type: 'file' });
    const sub = vsphere.library.createSubscribed({
      name: 'sub',
      datastore,
      source: pub,
      subscriptionUrl: 'x',
      onDemand: true,
    });
    const [first, second] = vsphere.library.listItems(sub) as [string, string];
    const cached = async (id: string) =>
      ((await send('GET', `/api/content/library/item/${id}`)).json as { cached: boolean }).cached;
    expect(await cached(first)).toBe(false);
    const body = JSON.stringify({ force_sync_content: false });
    const rest = await send(
      'POST',
      `/rest/com/vmware/content/library/subscribed-item/id:${first}?~action=sync`,
      { body },
    );
    expect(rest.status).toBe(200);
    expect(await cached(first)).toBe(true);
    expect(
      (await send('POST', `/api/content/library/subscribed-item/${second}?action=sync`, { body })).status,
    ).toBe(204);
    expect(await cached(second)).toBe(true);
    const refused = await send('POST', `/api/content/library/subscribed-item/${local}?action=sync`, { body });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error_type: 'INVALID_ELEMENT_TYPE' });
    const bare = await send('POST', `/api/content/library/subscribed-item/${first}?action=sync`);
    expect(bare.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const missing = await send('POST', '/api/content/library/subscribed-item/nope?action=sync', { body });
    expect(missing.status).toBe(404);
  });

  it('subscribes to a published library by its URL and syncs its items, in both styles', async () => {
    const ctx = await session();
    const { send } = ctx;
    const datastore = datastoreOf(ctx);
    const headers = { host: 'vc.example' };
    const pub = (
      await send('POST', '/api/content/local-library', {
        body: JSON.stringify(localSpec('pub', datastore, { publish_info: { published: true } })),
      })
    ).json as string;
    await send('POST', '/api/content/library/item', {
      body: JSON.stringify({ library_id: pub, name: 'one', type: 'file' }),
    });
    const url = (
      (await send('GET', `/api/content/library/${pub}`, { headers })).json as {
        publish_info: { publish_url: string };
      }
    ).publish_info.publish_url;
    const sub = await send('POST', '/rest/com/vmware/content/subscribed-library', {
      body: JSON.stringify({
        create_spec: {
          name: 'sub',
          type: 'SUBSCRIBED',
          storage_backings: [{ type: 'DATASTORE', datastore_id: datastore }],
          subscription_info: { subscription_url: url, on_demand: true, automatic_sync_enabled: false },
        },
      }),
    });
    const subId = (sub.json as { value: string }).value;
    const read = await send('GET', `/rest/com/vmware/content/subscribed-library/id:${subId}`);
    expect(read.json).toMatchObject({
      value: {
        type: 'SUBSCRIBED',
        subscription_info: { subscription_url: url, on_demand: true, automatic_sync_enabled: false },
      },
    });
    const items = async () =>
      ((await send('GET', `/api/content/library/item?library_id=${subId}`)).json as string[]).length;
    expect(await items()).toBe(1);
    await send('POST', '/api/content/library/item', {
      body: JSON.stringify({ library_id: pub, name: 'two', type: 'file' }),
    });
    expect(
      (await send('POST', `/rest/com/vmware/content/subscribed-library/id:${subId}?~action=sync`)).status,
    ).toBe(200);
    expect(await items()).toBe(2);
    await send('POST', '/api/content/library/item', {
      body: JSON.stringify({ library_id: pub, name: 'three', type: 'file' }),
    });
    expect((await send('POST', `/api/content/subscribed-library/${subId}?action=sync`)).status).toBe(204);
    expect(await items()).toBe(3);
    expect((await send('GET', '/api/content/subscribed-library')).json).toEqual([subId]);
    const intoSub = await send('POST', '/api/content/library/item', {
      body: JSON.stringify({ library_id: subId, name: 'x', type: 'file' }),
    });
    expect(intoSub.json).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
    expect(
      (
        await send('PATCH', `/api/content/subscribed-library/${subId}`, {
          body: JSON.stringify({ subscription_info: { on_demand: false } }),
        })
      ).status,
    ).toBe(204);
    expect((await send('DELETE', `/api/content/local-library/${subId}`)).status).toBe(404);
    expect((await send('DELETE', `/api/content/subscribed-library/${subId}`)).status).toBe(204);
  });

  it('refuses URLs that name no published library', async () => {
    const ctx = await session();
    const { send } = ctx;
    const datastore = datastoreOf(ctx);
    const spec = (url: string) =>
      JSON.stringify({
        name: 's',
        storage_backings: [{ type: 'DATASTORE', datastore_id: datastore }],
        subscription_info: { subscription_url: url },
      });
    const foreign = await send('POST', '/api/content/subscribed-library', {
      body: spec('https://elsewhere/x'),
    });
    expect(foreign.json).toMatchObject({
      error_type: 'INVALID_ARGUMENT',
      messages: [{ args: ['subscription_info.subscription_url'] }],
    });
    const unknown = await send('POST', '/api/content/subscribed-library', {
      body: spec('https://vc/cls/vcsp/lib/nope/lib.json'),
    });
    expect(unknown.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const missing = await send('POST', '/api/content/subscribed-library', {
      body: JSON.stringify({ name: 's', storage_backings: [{ type: 'DATASTORE', datastore_id: datastore }] }),
    });
    expect(missing.json).toMatchObject({ messages: [{ args: ['subscription_info'] }] });
  });
});
