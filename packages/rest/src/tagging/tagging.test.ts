import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const session = async () => {
  const ctx = setup();
  return { ...ctx, ...(await ctx.login()) };
};

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

const CATEGORY_URN = /^urn:vmomi:InventoryServiceCategory:[^:]+:GLOBAL$/;
const TAG_URN = /^urn:vmomi:InventoryServiceTag:[^:]+:GLOBAL$/;

describe('categories in /api', () => {
  it('creates (201 with the id), lists, reads, updates (204) and deletes (204)', async () => {
    const { send, vsphere } = await session();
    const created = await send(
      'POST',
      '/api/cis/tagging/category',
      json({
        name: 'env',
        description: 'where',
        cardinality: 'SINGLE',
        associable_types: ['VirtualMachine'],
      }),
    );
    expect(created.status).toBe(201);
    const id = created.json as string;
    expect(id).toMatch(CATEGORY_URN);
    expect((await send('GET', '/api/cis/tagging/category')).json).toEqual([id]);
    const read = await send('GET', `/api/cis/tagging/category/${encodeURIComponent(id)}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual({
      id,
      name: 'env',
      description: 'where',
      cardinality: 'SINGLE',
      associable_types: ['VirtualMachine'],
      used_by: [],
    });
    const patched = await send(
      'PATCH',
      `/api/cis/tagging/category/${id}`,
      json({ name: 'environment', cardinality: 'MULTIPLE' }),
    );
    expect(patched.status).toBe(204);
    expect(patched.body).toBe('');
    expect(vsphere.tagging.category.get(id)).toMatchObject({ name: 'environment', cardinality: 'MULTIPLE' });
    const deleted = await send('DELETE', `/api/cis/tagging/category/${id}`);
    expect(deleted.status).toBe(204);
    expect(vsphere.tagging.category.list()).toEqual([]);
  });

  it('takes a caller-chosen id', async () => {
    const { send } = await session();
    const id = 'urn:vmomi:InventoryServiceCategory:chosen:GLOBAL';
    const res = await send(
      'POST',
      '/api/cis/tagging/category',
      json({ name: 'c', description: '', cardinality: 'MULTIPLE', associable_types: [], category_id: id }),
    );
    expect(res.status).toBe(201);
    expect(res.json).toBe(id);
  });
});

describe('categories in /rest', () => {
  it('creates from create_spec, lists, reads, updates from update_spec and deletes, all 200', async () => {
    const { send, vsphere } = await session();
    const created = await send(
      'POST',
      '/rest/com/vmware/cis/tagging/category',
      json({ create_spec: { name: 'env', description: '', cardinality: 'SINGLE', associable_types: [] } }),
    );
    expect(created.status).toBe(200);
    const id = (created.json as { value: string }).value;
    expect(id).toMatch(CATEGORY_URN);
    expect((await send('GET', '/rest/com/vmware/cis/tagging/category')).json).toEqual({ value: [id] });
    const read = await send('GET', `/rest/com/vmware/cis/tagging/category/id:${id}`);
    expect(read.json).toEqual({
      value: { id, name: 'env', description: '', cardinality: 'SINGLE', associable_types: [], used_by: [] },
    });
    // govmomi sends the whole category back, id included.
    const patched = await send(
      'PATCH',
      `/rest/com/vmware/cis/tagging/category/id:${id}`,
      json({ update_spec: { id, name: 'environment', description: 'd' } }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toBe('');
    expect(vsphere.tagging.category.get(id)).toMatchObject({ name: 'environment', description: 'd' });
    const deleted = await send('DELETE', `/rest/com/vmware/cis/tagging/category/id:${id}`);
    expect(deleted.status).toBe(200);
    expect(vsphere.tagging.category.list()).toEqual([]);
  });
});

describe('category errors', () => {
  it('answers a duplicate name with 400 already_exists in both styles', async () => {
    const { send, vsphere } = await session();
    vsphere.tagging.category.create({ name: 'env', cardinality: 'SINGLE' });
    const api = await send(
      'POST',
      '/api/cis/tagging/category',
      json({ name: 'env', description: '', cardinality: 'SINGLE', associable_types: [] }),
    );
    expect(api.status).toBe(400);
    expect(api.json).toMatchObject({ error_type: 'ALREADY_EXISTS' });
    const rest = await send(
      'POST',
      '/rest/com/vmware/cis/tagging/category',
      json({ create_spec: { name: 'env', description: '', cardinality: 'MULTIPLE', associable_types: [] } }),
    );
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.already_exists',
      value: { error_type: 'ALREADY_EXISTS' },
    });
    const other = vsphere.tagging.category.create({ name: 'team', cardinality: 'MULTIPLE' });
    const rename = await send('PATCH', `/api/cis/tagging/category/${other}`, json({ name: 'env' }));
    expect(rename.status).toBe(400);
    expect(rename.json).toMatchObject({ error_type: 'ALREADY_EXISTS' });
  });

  it('needs every field of a create spec that is not optional, even empty, as vAPI does', async () => {
    const { send, vsphere } = await session();
    const full = { name: 'env', description: '', cardinality: 'SINGLE', associable_types: [] };
    for (const field of Object.keys(full)) {
      for (const value of [undefined, null]) {
        const spec = { ...full, [field]: value };
        for (const [path, body] of [
          ['/api/cis/tagging/category', spec],
          ['/rest/com/vmware/cis/tagging/category', { create_spec: spec }],
        ] as const) {
          const res = await send('POST', path, json(body));
          expect(res.status, `${path} without ${field}`).toBe(400);
          expect(JSON.stringify(res.json)).toContain(`the field '${field}'`);
        }
      }
    }
    const tag = await send('POST', '/api/cis/tagging/tag', json({ name: 'prod', category_id: 'x' }));
    expect(JSON.stringify(tag.json)).toContain("the field 'description'");
    expect(vsphere.tagging.category.list()).toEqual([]);
  });

  it('answers invalid specs with 400 invalid_argument and changes nothing', async () => {
    const { send, vsphere } = await session();
    const bad = await send(
      'POST',
      '/api/cis/tagging/category',
      json({ name: 'x', description: '', cardinality: 'SOME', associable_types: [] }),
    );
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect(JSON.stringify(bad.json)).toContain('cardinality');
    const notObject = await send('POST', '/api/cis/tagging/category', json('env'));
    expect(notObject.status).toBe(400);
    const unwrapped = await send(
      'POST',
      '/rest/com/vmware/cis/tagging/category',
      json({ name: 'x', cardinality: 'SINGLE' }),
    );
    expect(unwrapped.status).toBe(400);
    expect(unwrapped.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
    const id = vsphere.tagging.category.create({ name: 'env', cardinality: 'MULTIPLE' });
    const stricter = await send('PATCH', `/api/cis/tagging/category/${id}`, json({ cardinality: 'SINGLE' }));
    expect(stricter.status).toBe(400);
    expect(stricter.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect(vsphere.tagging.category.list()).toEqual([id]);
    expect(vsphere.tagging.category.get(id).cardinality).toBe('MULTIPLE');
  });

  it('answers bad JSON with 400 invalid_argument in both styles', async () => {
    const { send, vsphere } = await session();
    const api = await send('POST', '/api/cis/tagging/category', { body: '{"name": ' });
    expect(api.status).toBe(400);
    expect(api.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const rest = await send('POST', '/rest/com/vmware/cis/tagging/category', { body: '{create_spec}' });
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
    expect(vsphere.tagging.category.list()).toEqual([]);
  });

  it('answers unknown ids with 404 for get, update and delete', async () => {
    const { send } = await session();
    const missing = 'urn:vmomi:InventoryServiceCategory:nope:GLOBAL';
    for (const [method, body] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      const api = await send(method, `/api/cis/tagging/category/${missing}`, body ? json(body) : {});
      expect(api.status).toBe(404);
      expect(api.json).toMatchObject({ error_type: 'NOT_FOUND' });
      const rest = await send(
        method,
        `/rest/com/vmware/cis/tagging/category/id:${missing}`,
        body ? json({ update_spec: body }) : {},
      );
      expect(rest.status).toBe(404);
      expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
    }
  });

  it('wants id: before a /rest id', async () => {
    const { send, vsphere } = await session();
    const id = vsphere.tagging.category.create({ name: 'env', cardinality: 'SINGLE' });
    const res = await send('GET', `/rest/com/vmware/cis/tagging/category/${id}`);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
  });

  it('wants a session', async () => {
    const { send } = setup();
    const res = await send('GET', '/api/cis/tagging/category');
    expect(res.status).toBe(401);
    const rest = await send('GET', '/rest/com/vmware/cis/tagging/tag');
    expect(rest.status).toBe(401);
  });
});

const withCategory = async () => {
  const ctx = await session();
  const category = ctx.vsphere.tagging.category.create({ name: 'env', cardinality: 'SINGLE' });
  return { ...ctx, category };
};

describe('tags in /api', () => {
  it('creates (201 with the id), lists, reads, updates (204) and deletes (204)', async () => {
    const { send, vsphere, category } = await withCategory();
    const created = await send(
      'POST',
      '/api/cis/tagging/tag',
      json({ name: 'prod', description: 'live', category_id: category }),
    );
    expect(created.status).toBe(201);
    const id = created.json as string;
    expect(id).toMatch(TAG_URN);
    expect((await send('GET', '/api/cis/tagging/tag')).json).toEqual([id]);
    expect((await send('GET', `/api/cis/tagging/tag/${id}`)).json).toEqual({
      id,
      category_id: category,
      name: 'prod',
      description: 'live',
      used_by: [],
    });
    const patched = await send('PATCH', `/api/cis/tagging/tag/${id}`, json({ name: 'production' }));
    expect(patched.status).toBe(204);
    expect(vsphere.tagging.tag.get(id).name).toBe('production');
    expect((await send('DELETE', `/api/cis/tagging/tag/${id}`)).status).toBe(204);
    expect(vsphere.tagging.tag.list()).toEqual([]);
  });

  it('lists the tags of a category', async () => {
    const { send, vsphere, category } = await withCategory();
    const prod = vsphere.tagging.tag.create({ name: 'prod', category_id: category });
    const other = vsphere.tagging.category.create({ name: 'team', cardinality: 'MULTIPLE' });
    vsphere.tagging.tag.create({ name: 'web', category_id: other });
    const res = await send(
      'POST',
      '/api/cis/tagging/tag?action=list-tags-for-category',
      json({ category_id: category }),
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual([prod]);
  });
});

describe('tags in /rest', () => {
  it('creates from create_spec, lists, reads, updates from update_spec and deletes, all 200', async () => {
    const { send, vsphere, category } = await withCategory();
    const created = await send(
      'POST',
      '/rest/com/vmware/cis/tagging/tag',
      json({ create_spec: { name: 'prod', description: '', category_id: category } }),
    );
    expect(created.status).toBe(200);
    const id = (created.json as { value: string }).value;
    expect(id).toMatch(TAG_URN);
    expect((await send('GET', '/rest/com/vmware/cis/tagging/tag')).json).toEqual({ value: [id] });
    expect((await send('GET', `/rest/com/vmware/cis/tagging/tag/id:${id}`)).json).toEqual({
      value: { id, category_id: category, name: 'prod', description: '', used_by: [] },
    });
    const patched = await send(
      'PATCH',
      `/rest/com/vmware/cis/tagging/tag/id:${id}`,
      json({ update_spec: { id, name: 'production', description: 'd', category_id: category } }),
    );
    expect(patched.status).toBe(200);
    expect(vsphere.tagging.tag.get(id)).toMatchObject({ name: 'production', description: 'd' });
    expect((await send('DELETE', `/rest/com/vmware/cis/tagging/tag/id:${id}`)).status).toBe(200);
    expect(vsphere.tagging.tag.list()).toEqual([]);
  });

  it('lists the tags of a category on the category id (govmomi) or from the body', async () => {
    const { send, vsphere, category } = await withCategory();
    const prod = vsphere.tagging.tag.create({ name: 'prod', category_id: category });
    const dev = vsphere.tagging.tag.create({ name: 'dev', category_id: category });
    const onId = await send(
      'POST',
      `/rest/com/vmware/cis/tagging/tag/id:${category}?~action=list-tags-for-category`,
      json({ category_id: category }),
    );
    expect(onId.status).toBe(200);
    expect(onId.json).toEqual({ value: [prod, dev] });
    const inBody = await send(
      'POST',
      '/rest/com/vmware/cis/tagging/tag?~action=list-tags-for-category',
      json({ category_id: category }),
    );
    expect(inBody.json).toEqual({ value: [prod, dev] });
  });
});

describe('tag errors', () => {
  it('answers a duplicate name in the category with 400 already_exists in both styles', async () => {
    const { send, vsphere, category } = await withCategory();
    vsphere.tagging.tag.create({ name: 'prod', category_id: category });
    const api = await send(
      'POST',
      '/api/cis/tagging/tag',
      json({ name: 'prod', description: '', category_id: category }),
    );
    expect(api.status).toBe(400);
    expect(api.json).toMatchObject({ error_type: 'ALREADY_EXISTS' });
    const rest = await send(
      'POST',
      '/rest/com/vmware/cis/tagging/tag',
      json({ create_spec: { name: 'prod', description: '', category_id: category } }),
    );
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.already_exists' });
    expect(vsphere.tagging.tag.list()).toHaveLength(1);
  });

  it('answers a missing category_id with 400 and an unknown category with 404', async () => {
    const { send } = await withCategory();
    const missing = await send('POST', '/api/cis/tagging/tag', json({ name: 'prod', description: '' }));
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const unknown = 'urn:vmomi:InventoryServiceCategory:nope:GLOBAL';
    const api = await send(
      'POST',
      '/api/cis/tagging/tag',
      json({ name: 'prod', description: '', category_id: unknown }),
    );
    expect(api.status).toBe(404);
    const list = await send(
      'POST',
      '/api/cis/tagging/tag?action=list-tags-for-category',
      json({ category_id: unknown }),
    );
    expect(list.status).toBe(404);
    const rest = await send(
      'POST',
      `/rest/com/vmware/cis/tagging/tag/id:${unknown}?~action=list-tags-for-category`,
    );
    expect(rest.status).toBe(404);
    expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
    const noBody = await send('POST', '/api/cis/tagging/tag?action=list-tags-for-category');
    expect(noBody.status).toBe(400);
  });

  it('answers unknown tag ids with 404 and bad JSON with 400', async () => {
    const { send } = await withCategory();
    const missing = 'urn:vmomi:InventoryServiceTag:nope:GLOBAL';
    for (const method of ['GET', 'DELETE']) {
      expect((await send(method, `/api/cis/tagging/tag/${missing}`)).status).toBe(404);
      expect((await send(method, `/rest/com/vmware/cis/tagging/tag/id:${missing}`)).status).toBe(404);
    }
    expect((await send('PATCH', `/api/cis/tagging/tag/${missing}`, json({ name: 'x' }))).status).toBe(404);
    const bad = await send('PATCH', `/api/cis/tagging/tag/${missing}`, { body: '{' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const rest = await send('POST', '/rest/com/vmware/cis/tagging/tag', { body: 'nope' });
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
  });
});
