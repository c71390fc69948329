import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

const vm0 = { type: 'VirtualMachine', id: 'vm-20' };
const vm1 = { type: 'VirtualMachine', id: 'vm-21' };
const host = { type: 'HostSystem', id: 'host-13' };

/** A session and tags: env (SINGLE, VMs only) with prod and dev, team (MULTIPLE) with web and db. */
const tagged = async () => {
  const ctx = setup();
  const { tagging } = ctx.vsphere;
  const env = tagging.category.create({
    name: 'env',
    cardinality: 'SINGLE',
    associable_types: ['VirtualMachine'],
  });
  const team = tagging.category.create({ name: 'team', cardinality: 'MULTIPLE' });
  return {
    ...ctx,
    ...(await ctx.login()),
    tagging,
    prod: tagging.tag.create({ name: 'prod', category_id: env }),
    dev: tagging.tag.create({ name: 'dev', category_id: env }),
    web: tagging.tag.create({ name: 'web', category_id: team }),
    db: tagging.tag.create({ name: 'db', category_id: team }),
  };
};

const API = '/api/cis/tagging/tag-association';
const REST = '/rest/com/vmware/cis/tagging/tag-association';

describe('attach, detach and list-attached-objects', () => {
  it('works in /api: 204 without a result', async () => {
    const { send, tagging, web } = await tagged();
    const attached = await send('POST', `${API}/${web}?action=attach`, json({ object_id: vm0 }));
    expect(attached.status).toBe(204);
    expect(attached.body).toBe('');
    await send('POST', `${API}/${web}?action=attach`, json({ object_id: host }));
    expect(tagging.association.listAttachedTags(vm0)).toEqual([web]);
    const listed = await send('POST', `${API}/${web}?action=list-attached-objects`);
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual([vm0, host]);
    const detached = await send('POST', `${API}/${web}?action=detach`, json({ object_id: vm0 }));
    expect(detached.status).toBe(204);
    expect(tagging.association.listAttachedObjects(web)).toEqual([host]);
  });

  it('works in /rest on id:{tag} with ~action: 200', async () => {
    const { send, tagging, prod } = await tagged();
    const attached = await send('POST', `${REST}/id:${prod}?~action=attach`, json({ object_id: vm1 }));
    expect(attached.status).toBe(200);
    expect(tagging.association.listAttachedTags(vm1)).toEqual([prod]);
    const listed = await send('POST', `${REST}/id:${prod}?~action=list-attached-objects`);
    expect(listed.json).toEqual({ value: [vm1] });
    const detached = await send('POST', `${REST}/id:${prod}?~action=detach`, json({ object_id: vm1 }));
    expect(detached.status).toBe(200);
    expect(tagging.association.listAttachedObjects(prod)).toEqual([]);
  });
});

describe('list-attached-tags and list-attachable-tags', () => {
  it('lists the tags on an object and those that could go on it, in both styles', async () => {
    const { send, tagging, prod, web, db } = await tagged();
    tagging.association.attach(prod, vm0);
    tagging.association.attach(web, vm0);
    const api = await send('POST', `${API}?action=list-attached-tags`, json({ object_id: vm0 }));
    expect(api.status).toBe(200);
    expect(api.json).toEqual([prod, web]);
    const rest = await send('POST', `${REST}?~action=list-attached-tags`, json({ object_id: vm0 }));
    expect(rest.json).toEqual({ value: [prod, web] });
    // dev is barred by the SINGLE category env, prod and web are on it already.
    const attachable = await send('POST', `${API}?action=list-attachable-tags`, json({ object_id: vm0 }));
    expect(attachable.json).toEqual([db]);
    // A host takes no env tag: env admits VMs only.
    const onHost = await send('POST', `${REST}?~action=list-attachable-tags`, json({ object_id: host }));
    expect(onHost.json).toEqual({ value: [web, db] });
  });
});

describe('batch attach and detach', () => {
  it('attaches and detaches several tags on one object, reporting the failures', async () => {
    const { send, tagging, prod, dev, web } = await tagged();
    const api = await send(
      'POST',
      `${API}?action=attach-multiple-tags-to-object`,
      json({ object_id: vm0, tag_ids: [prod, web, dev] }),
    );
    expect(api.status).toBe(200);
    const result = api.json as { success: boolean; error_messages: { default_message: string }[] };
    expect(result.success).toBe(false);
    expect(result.error_messages).toHaveLength(1);
    expect(result.error_messages[0]?.default_message).toMatch(/cardinality/);
    expect(tagging.association.listAttachedTags(vm0)).toEqual([prod, web]);
    const rest = await send(
      'POST',
      `${REST}?~action=detach-multiple-tags-from-object`,
      json({ object_id: vm0, tag_ids: [prod, web] }),
    );
    expect(rest.status).toBe(200);
    expect(rest.json).toEqual({ value: { success: true, error_messages: [] } });
    expect(tagging.association.listAttachedTags(vm0)).toEqual([]);
    const restAttach = await send(
      'POST',
      `${REST}?~action=attach-multiple-tags-to-object`,
      json({ object_id: vm1, tag_ids: [dev] }),
    );
    expect(restAttach.json).toEqual({ value: { success: true, error_messages: [] } });
    const apiDetach = await send(
      'POST',
      `${API}?action=detach-multiple-tags-from-object`,
      json({ object_id: vm1, tag_ids: [dev] }),
    );
    expect(apiDetach.json).toEqual({ success: true, error_messages: [] });
    expect(tagging.association.listAttachedTags(vm1)).toEqual([]);
  });

  it('attaches and detaches one tag on several objects, reporting the failures', async () => {
    const { send, tagging, prod, web } = await tagged();
    const api = await send(
      'POST',
      `${API}/${prod}?action=attach-tag-to-multiple-objects`,
      json({ object_ids: [vm0, host, vm1] }),
    );
    expect(api.status).toBe(200);
    const result = api.json as { success: boolean; error_messages: unknown[] };
    expect(result.success).toBe(false);
    expect(result.error_messages).toHaveLength(1);
    expect(tagging.association.listAttachedObjects(prod)).toEqual([vm0, vm1]);
    const rest = await send(
      'POST',
      `${REST}/id:${prod}?~action=detach-tag-from-multiple-objects`,
      json({ object_ids: [vm0, vm1] }),
    );
    expect(rest.json).toEqual({ value: { success: true, error_messages: [] } });
    expect(tagging.association.listAttachedObjects(prod)).toEqual([]);
    const restAttach = await send(
      'POST',
      `${REST}/id:${web}?~action=attach-tag-to-multiple-objects`,
      json({ object_ids: [vm0, host] }),
    );
    expect(restAttach.json).toEqual({ value: { success: true, error_messages: [] } });
    const apiDetach = await send(
      'POST',
      `${API}/${web}?action=detach-tag-from-multiple-objects`,
      json({ object_ids: [host] }),
    );
    expect(apiDetach.json).toEqual({ success: true, error_messages: [] });
    expect(tagging.association.listAttachedObjects(web)).toEqual([vm0]);
  });
});

describe('lists over several tags or objects', () => {
  it('lists the objects on each tag and the tags on each object, leaving unknown ones out', async () => {
    const { send, tagging, prod, web } = await tagged();
    tagging.association.attach(prod, vm0);
    tagging.association.attach(web, vm0);
    tagging.association.attach(web, host);
    const missingTag = 'urn:vmomi:InventoryServiceTag:nope:GLOBAL';
    const api = await send(
      'POST',
      `${API}?action=list-attached-objects-on-tags`,
      json({ tag_ids: [prod, web, missingTag] }),
    );
    expect(api.status).toBe(200);
    expect(api.json).toEqual([
      { tag_id: prod, object_ids: [vm0] },
      { tag_id: web, object_ids: [vm0, host] },
    ]);
    const rest = await send(
      'POST',
      `${REST}?~action=list-attached-objects-on-tags`,
      json({ tag_ids: [web] }),
    );
    expect(rest.json).toEqual({ value: [{ tag_id: web, object_ids: [vm0, host] }] });
    const gone = { type: 'VirtualMachine', id: 'vm-999' };
    const onObjects = await send(
      'POST',
      `${API}?action=list-attached-tags-on-objects`,
      json({ object_ids: [vm0, host, gone] }),
    );
    expect(onObjects.json).toEqual([
      { object_id: vm0, tag_ids: [prod, web] },
      { object_id: host, tag_ids: [web] },
    ]);
    const restObjects = await send(
      'POST',
      `${REST}?~action=list-attached-tags-on-objects`,
      json({ object_ids: [vm1] }),
    );
    expect(restObjects.json).toEqual({ value: [{ object_id: vm1, tag_ids: [] }] });
  });
});

describe('association errors', () => {
  it('refuses a second tag of a SINGLE category with 400 invalid_argument about cardinality', async () => {
    const { send, tagging, prod, dev } = await tagged();
    tagging.association.attach(prod, vm0);
    const api = await send('POST', `${API}/${dev}?action=attach`, json({ object_id: vm0 }));
    expect(api.status).toBe(400);
    expect(api.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((api.json as { messages: { default_message: string }[] }).messages[0]?.default_message).toMatch(
      /cardinality/,
    );
    const rest = await send('POST', `${REST}/id:${dev}?~action=attach`, json({ object_id: vm0 }));
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.invalid_argument',
      value: { messages: [{ default_message: expect.stringMatching(/cardinality/) }] },
    });
    expect(tagging.association.listAttachedTags(vm0)).toEqual([prod]);
  });

  it('refuses an object type the category does not admit with 400 invalid_argument', async () => {
    const { send, prod } = await tagged();
    const res = await send('POST', `${API}/${prod}?action=attach`, json({ object_id: host }));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });

  it('answers unknown tags and objects with 404', async () => {
    const { send, web } = await tagged();
    const missing = 'urn:vmomi:InventoryServiceTag:nope:GLOBAL';
    for (const action of ['attach', 'detach']) {
      const api = await send('POST', `${API}/${missing}?action=${action}`, json({ object_id: vm0 }));
      expect(api.status).toBe(404);
      expect(api.json).toMatchObject({ error_type: 'NOT_FOUND' });
      const rest = await send('POST', `${REST}/id:${missing}?~action=${action}`, json({ object_id: vm0 }));
      expect(rest.status).toBe(404);
      expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
    }
    expect((await send('POST', `${API}/${missing}?action=list-attached-objects`)).status).toBe(404);
    expect(
      (
        await send(
          'POST',
          `${API}/${missing}?action=attach-tag-to-multiple-objects`,
          json({ object_ids: [vm0] }),
        )
      ).status,
    ).toBe(404);
    const gone = { type: 'VirtualMachine', id: 'vm-999' };
    expect((await send('POST', `${API}/${web}?action=attach`, json({ object_id: gone }))).status).toBe(404);
    expect((await send('POST', `${REST}?~action=list-attached-tags`, json({ object_id: gone }))).status).toBe(
      404,
    );
    expect(
      (
        await send(
          'POST',
          `${API}?action=attach-multiple-tags-to-object`,
          json({ object_id: gone, tag_ids: [web] }),
        )
      ).status,
    ).toBe(404);
    expect((await send('POST', `${API}?action=list-attachable-tags`, json({ object_id: gone }))).status).toBe(
      404,
    );
  });

  it('answers malformed bodies and bad JSON with 400 invalid_argument', async () => {
    const { send, tagging, web } = await tagged();
    const cases: [string, unknown][] = [
      [`${API}/${web}?action=attach`, {}],
      [`${API}/${web}?action=attach`, { object_id: 'vm-20' }],
      [`${API}/${web}?action=attach-tag-to-multiple-objects`, { object_ids: vm0 }],
      [`${API}?action=attach-multiple-tags-to-object`, { object_id: vm0, tag_ids: [1] }],
      [`${API}?action=list-attached-objects-on-tags`, {}],
      [`${REST}?~action=list-attached-tags-on-objects`, { object_ids: [{ id: 'vm-20' }] }],
    ];
    for (const [url, body] of cases) {
      const res = await send('POST', url, json(body));
      expect(res.status, url).toBe(400);
    }
    const api = await send('POST', `${API}/${web}?action=attach`, { body: '{"object_id":' });
    expect(api.status).toBe(400);
    expect(api.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const rest = await send('POST', `${REST}/id:${web}?~action=attach`, { body: '{"object_id":' });
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
    expect(tagging.association.listAttachedObjects(web)).toEqual([]);
  });

  it('answers an unknown action with 400 and a /rest tag without id: with 404', async () => {
    const { send, web } = await tagged();
    const action = await send('POST', `${API}/${web}?action=tag-everything`, json({ object_id: vm0 }));
    expect(action.status).toBe(400);
    expect(action.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const bare = await send('POST', `${REST}/${web}?~action=attach`, json({ object_id: vm0 }));
    expect(bare.status).toBe(404);
  });
});
