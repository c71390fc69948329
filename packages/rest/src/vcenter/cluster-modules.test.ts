import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A session, the default inventory's cluster, its two VMs and a VM of the standalone host. */
const session = async () => {
  const ctx = setup();
  const { vsphere } = ctx;
  const idOf = (kind: string, name?: string): string => {
    for (const r of vsphere.store.ofKind(kind)) if (name === undefined || r.name === name) return r.id;
    throw new Error(`no ${kind} ${name ?? ''}`);
  };
  return {
    ...ctx,
    ...(await ctx.login()),
    cluster: idOf('ClusterComputeResource'),
    host: idOf('HostSystem'),
    vm0: idOf('VirtualMachine', 'DC0_C0_RP0_VM0'),
    vm1: idOf('VirtualMachine', 'DC0_C0_RP0_VM1'),
    standaloneVm: idOf('VirtualMachine', 'DC0_H0_VM0'),
  };
};

describe('/api/vcenter/cluster/modules', () => {
  it('creates (201 with the id), lists summaries and deletes (204)', async () => {
    const { send, cluster, vsphere } = await session();
    const created = await send('POST', '/api/vcenter/cluster/modules', json({ cluster }));
    expect(created.status).toBe(201);
    const module = created.json as string;
    expect(module).toMatch(UUID);
    expect(vsphere.clusterModules.list()).toEqual([{ cluster, module }]);
    const listed = await send('GET', '/api/vcenter/cluster/modules');
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({ summaries: [{ cluster, module }] });
    const deleted = await send('DELETE', `/api/vcenter/cluster/modules/${module}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    expect((await send('GET', '/api/vcenter/cluster/modules')).json).toEqual({ summaries: [] });
  });

  it('adds and removes members all or nothing, answering {"success"}', async () => {
    const { send, cluster, vm0, vm1, standaloneVm, vsphere } = await session();
    const module = vsphere.clusterModules.create(cluster);
    const members = `/api/vcenter/cluster/modules/vm/${module}/members`;
    const added = await send('POST', `${members}?action=add`, json({ vms: [vm0, vm1] }));
    expect(added.status).toBe(200);
    expect(added.json).toEqual({ success: true });
    expect((await send('GET', members)).json).toEqual({ vms: [vm0, vm1] });
    expect((await send('POST', `${members}?action=add`, json({ vms: [vm0] }))).json).toEqual({
      success: false,
    });
    expect((await send('POST', `${members}?action=add`, json({ vms: [standaloneVm] }))).json).toEqual({
      success: false,
    });
    const removed = await send('POST', `${members}?action=remove`, json({ vms: [vm0] }));
    expect(removed.json).toEqual({ success: true });
    expect((await send('POST', `${members}?action=remove`, json({ vms: [vm0, vm1] }))).json).toEqual({
      success: false,
    });
    expect(vsphere.clusterModules.members(module)).toEqual([vm1]);
  });

  it('refuses anything but a cluster, and a spec without one, as invalid_argument (400)', async () => {
    const { send, host } = await session();
    for (const body of [{ cluster: host }, { cluster: 'domain-c999' }, {}, { cluster: 7 }, 'domain-c7']) {
      const res = await send('POST', '/api/vcenter/cluster/modules', json(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    }
    expect((await send('GET', '/api/vcenter/cluster/modules')).json).toEqual({ summaries: [] });
  });

  it('answers not_found (404) for an unknown module', async () => {
    const { send, vm0 } = await session();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const answers = [
      await send('DELETE', `/api/vcenter/cluster/modules/${unknown}`),
      await send('GET', `/api/vcenter/cluster/modules/vm/${unknown}/members`),
      await send(
        'POST',
        `/api/vcenter/cluster/modules/vm/${unknown}/members?action=add`,
        json({ vms: [vm0] }),
      ),
      await send(
        'POST',
        `/api/vcenter/cluster/modules/vm/${unknown}/members?action=remove`,
        json({ vms: [] }),
      ),
    ];
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error_type: 'NOT_FOUND' });
    }
  });

  it('refuses an unknown action (400), a missing one (404) and a VM list that is no list (400)', async () => {
    const { send, cluster, vm0, vsphere } = await session();
    const members = `/api/vcenter/cluster/modules/vm/${vsphere.clusterModules.create(cluster)}/members`;
    const unknown = await send('POST', `${members}?action=join`, json({ vms: [vm0] }));
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('POST', members, json({ vms: [vm0] }))).status).toBe(404);
    for (const body of [{ vms: vm0 }, {}, { vms: [1] }]) {
      const res = await send('POST', `${members}?action=add`, json(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    }
  });

  it('leaves GET /api/vcenter/cluster/{cluster} to the clusters', async () => {
    const { send, cluster } = await session();
    expect((await send('GET', `/api/vcenter/cluster/${cluster}`)).json).toMatchObject({ name: 'DC0_C0' });
  });

  it('needs a session (401)', async () => {
    const { send } = setup();
    expect((await send('GET', '/api/vcenter/cluster/modules')).status).toBe(401);
  });
});

describe('/rest/vcenter/cluster/modules', () => {
  it('creates from {"spec"}, lists and deletes, answering {"value"} and 200', async () => {
    const { send, cluster } = await session();
    const created = await send('POST', '/rest/vcenter/cluster/modules', json({ spec: { cluster } }));
    expect(created.status).toBe(200);
    const module = (created.json as { value: string }).value;
    expect(module).toMatch(UUID);
    expect((await send('GET', '/rest/vcenter/cluster/modules')).json).toEqual({
      value: { summaries: [{ cluster, module }] },
    });
    const deleted = await send('DELETE', `/rest/vcenter/cluster/modules/${module}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toBe('');
  });

  it('changes members with ?~action= and with govmomi\u2019s ?action=', async () => {
    const { send, cluster, vm0, vm1, vsphere } = await session();
    const members = `/rest/vcenter/cluster/modules/vm/${vsphere.clusterModules.create(cluster)}/members`;
    const added = await send('POST', `${members}?~action=add`, json({ vms: [vm0] }));
    expect(added.status).toBe(200);
    expect(added.json).toEqual({ value: { success: true } });
    expect((await send('POST', `${members}?action=add`, json({ vms: [vm1] }))).json).toEqual({
      value: { success: true },
    });
    expect((await send('POST', `${members}?action=add`, json({ vms: [vm1] }))).json).toEqual({
      value: { success: false },
    });
    expect((await send('GET', members)).json).toEqual({ value: { vms: [vm0, vm1] } });
    expect((await send('POST', `${members}?action=remove`, json({ vms: [vm0] }))).json).toEqual({
      value: { success: true },
    });
    expect((await send('POST', `${members}?~action=remove`, json({ vms: [vm1] }))).json).toEqual({
      value: { success: true },
    });
    expect((await send('GET', members)).json).toEqual({ value: { vms: [] } });
  });

  it('writes errors in the /rest body: invalid_argument, not_found, unknown actions', async () => {
    const { send, host, cluster, vm0, vsphere } = await session();
    const bad = await send('POST', '/rest/vcenter/cluster/modules', json({ spec: { cluster: host } }));
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.invalid_argument',
      value: { error_type: 'INVALID_ARGUMENT' },
    });
    const unwrapped = await send('POST', '/rest/vcenter/cluster/modules', json({ cluster }));
    expect(unwrapped.status).toBe(400);
    const missing = await send('DELETE', '/rest/vcenter/cluster/modules/none');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
    const members = `/rest/vcenter/cluster/modules/vm/${vsphere.clusterModules.create(cluster)}/members`;
    for (const query of ['?action=join', '?~action=join', '']) {
      const res = await send('POST', `${members}${query}`, json({ vms: [vm0] }));
      expect(res.status, query).toBe(400);
      expect(res.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
    }
    expect(vsphere.clusterModules.list()).toHaveLength(1);
  });
});
