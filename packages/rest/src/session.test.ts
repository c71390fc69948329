import { describe, expect, it } from 'vitest';
import { basic, setup } from './test-helpers.js';

describe('/api/session', () => {
  it('logs in with Basic auth: 201 and the token as a bare JSON string', async () => {
    const { send } = setup();
    const res = await send('POST', '/api/session', { headers: { authorization: basic('user', 'pass') } });
    expect(res.status).toBe(201);
    expect(res.json).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses wrong or missing credentials with 401 unauthenticated', async () => {
    const { send } = setup();
    for (const headers of [{ authorization: basic('user', 'nope') }, {}, { authorization: 'Basic !!!' }]) {
      const res = await send('POST', '/api/session', { headers });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ error_type: 'UNAUTHENTICATED' });
    }
  });

  it('reads and ends the session', async () => {
    const { send, login, vsphere } = setup();
    const { token, send: authed } = await login();
    const info = await authed('GET', '/api/session');
    expect(info.status).toBe(200);
    expect(info.json).toEqual({
      user: 'user',
      created_time: new Date(vsphere.clock.now()).toISOString(),
      last_accessed_time: new Date(vsphere.clock.now()).toISOString(),
    });
    expect((await authed('DELETE', '/api/session')).status).toBe(204);
    const after = await send('GET', '/api/session', { headers: { 'vmware-api-session-id': token } });
    expect(after.status).toBe(401);
  });

  it('is a model session of its own: a SOAP key is no token, and it expires when idle', async () => {
    const { send, login, vsphere } = setup({ seed: 1, sessionIdleTimeoutMs: 1000 });
    const soapKey = vsphere.sessions.login('user', 'pass').key;
    expect(
      (await send('GET', '/api/vcenter/vm', { headers: { 'vmware-api-session-id': soapKey } })).status,
    ).toBe(401);
    const { send: authed } = await login();
    expect((await authed('GET', '/api/vcenter/vm')).status).toBe(200);
    (vsphere.clock as import('@vsim/vsphere').VirtualClock).set(vsphere.clock.now() + 5000);
    expect((await authed('GET', '/api/vcenter/vm')).status).toBe(401);
  });

  it('turns a live SOAP session into a REST one (govmomi LoginByToken)', async () => {
    const { send, vsphere } = setup();
    const soapKey = vsphere.sessions.login('user', 'pass').key;
    const res = await send('POST', '/rest/com/vmware/cis/session', {
      headers: { cookie: `vmware_soap_session="${soapKey}"`, 'vmware-use-header-authn': 'true' },
    });
    expect(res.status).toBe(200);
    const token = (res.json as { value: string }).value;
    expect(res.headers['set-cookie']).toBeUndefined();
    const list = await send('GET', '/rest/vcenter/vm', { headers: { 'vmware-api-session-id': token } });
    expect(list.status).toBe(200);
    vsphere.sessions.logout(soapKey);
    expect(
      (await send('GET', '/rest/vcenter/vm', { headers: { 'vmware-api-session-id': token } })).status,
    ).toBe(200);
    const dead = await send('POST', '/rest/com/vmware/cis/session', {
      headers: { cookie: `vmware_soap_session="${soapKey}"` },
    });
    expect(dead.status).toBe(401);
  });
});

describe('/rest/com/vmware/cis/session', () => {
  it('logs in with {value: token} and the vmware-api-session-id cookie', async () => {
    const { send } = setup();
    const res = await send('POST', '/rest/com/vmware/cis/session', {
      headers: { authorization: basic('user', 'pass') },
    });
    expect(res.status).toBe(200);
    const token = (res.json as { value: string }).value;
    expect(res.headers['set-cookie']).toBe(`vmware-api-session-id=${token}; Path=/rest; HttpOnly`);
    const viaCookie = await send('POST', '/rest/com/vmware/cis/session?~action=get', {
      headers: { cookie: `vmware-api-session-id=${token}` },
    });
    expect(viaCookie.status).toBe(200);
    expect((viaCookie.json as { value: { user: string } }).value.user).toBe('user');
    const out = await send('DELETE', '/rest/com/vmware/cis/session', {
      headers: { 'vmware-api-session-id': token },
    });
    expect(out).toMatchObject({ status: 200, body: '' });
    const gone = await send('POST', '/rest/com/vmware/cis/session?~action=get', {
      headers: { 'vmware-api-session-id': token },
    });
    expect(gone.status).toBe(401);
    expect(gone.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.unauthenticated' });
  });

  it('answers 401 in each style without a valid session', async () => {
    const { send } = setup();
    const a = await send('GET', '/api/vcenter/vm', { headers: { 'vmware-api-session-id': 'nope' } });
    expect(a.status).toBe(401);
    expect(a.json).toMatchObject({ error_type: 'UNAUTHENTICATED', messages: [{ id: expect.any(String) }] });
    const r = await send('GET', '/rest/vcenter/vm');
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.unauthenticated',
      value: { messages: [{}] },
    });
  });
});
