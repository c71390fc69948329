/**
 * The REST facade as a client sees it through the simulator: both URL styles mounted on
 * the router, tokens in the header or the cookie, power actions that finish before the
 * answer, and SOAP and REST sessions side by side.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const basic = `Basic ${Buffer.from('user:pass').toString('base64')}`;

const start = async () => {
  const sim = await createSimulator({ seed: 1 });
  sims.push(sim);
  return sim;
};

describe('REST over the simulator', () => {
  it('serves the /api style: session, list, power, errors', async () => {
    const sim = await start();
    const login = await sim.fetch(`${sim.url}/api/session`, {
      method: 'POST',
      headers: { authorization: basic },
    });
    expect(login.status).toBe(201);
    expect(login.headers.get('content-type')).toBe('application/json');
    const token = (await login.json()) as string;
    const headers = { 'vmware-api-session-id': token };

    const list = await sim.fetch(`${sim.url}/api/vcenter/vm?names=DC0_H0_VM0&names=DC0_H0_VM1`, { headers });
    expect(((await list.json()) as { name: string }[]).map((v) => v.name)).toEqual([
      'DC0_H0_VM0',
      'DC0_H0_VM1',
    ]);

    const stop = await sim.fetch(`${sim.url}/api/vcenter/vm/vm-20/power?action=stop`, {
      method: 'POST',
      headers,
    });
    expect(stop.status).toBe(204);
    expect(sim.vsphere.read('vm-20', 'runtime.powerState')).toBe('poweredOff');
    const again = await sim.fetch(`${sim.url}/api/vcenter/vm/vm-20/power?action=stop`, {
      method: 'POST',
      headers,
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error_type: 'ALREADY_IN_DESIRED_STATE' });

    const missing = await sim.fetch(`${sim.url}/api/vcenter/vm/vm-404`, { headers });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      error_type: 'NOT_FOUND',
      messages: [{ default_message: expect.any(String) }],
    });

    const bye = await sim.fetch(`${sim.url}/api/session`, { method: 'DELETE', headers });
    expect(bye.status).toBe(204);
    expect((await sim.fetch(`${sim.url}/api/vcenter/vm`, { headers })).status).toBe(401);
  });

  it('serves the /rest style with the session cookie it sets', async () => {
    const sim = await start();
    const login = await sim.fetch(`${sim.url}/rest/com/vmware/cis/session`, {
      method: 'POST',
      headers: { authorization: basic },
    });
    expect(login.status).toBe(200);
    const { value: token } = (await login.json()) as { value: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toBe(`vmware-api-session-id=${token}`);

    const session = await sim.fetch(`${sim.url}/rest/com/vmware/cis/session?~action=get`, {
      method: 'POST',
      headers: { cookie },
    });
    expect(await session.json()).toMatchObject({ value: { user: 'user' } });

    const hosts = await sim.fetch(`${sim.url}/rest/vcenter/host?filter.names=DC0_H0`, {
      headers: { cookie },
    });
    expect(await hosts.json()).toEqual({
      value: [{ host: 'host-13', name: 'DC0_H0', connection_state: 'CONNECTED', power_state: 'POWERED_ON' }],
    });
    const suspend = await sim.fetch(`${sim.url}/rest/vcenter/vm/vm-22/power/suspend`, {
      method: 'POST',
      headers: { cookie },
    });
    expect(suspend.status).toBe(200);
    expect(await suspend.text()).toBe('');
    expect(sim.vsphere.read('vm-22', 'runtime.powerState')).toBe('suspended');

    const bad = await sim.fetch(`${sim.url}/rest/vcenter/vm/vm-22/power/start`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
    expect(sim.vsphere.read('vm-22', 'runtime.powerState')).toBe('suspended');

    const out = await sim.fetch(`${sim.url}/rest/com/vmware/cis/session`, {
      method: 'DELETE',
      headers: { cookie },
    });
    expect(out.status).toBe(200);
    const after = await sim.fetch(`${sim.url}/rest/vcenter/vm`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ type: 'com.vmware.vapi.std.errors.unauthenticated' });
  });

  it('keeps REST and SOAP sessions apart, and makes a REST session from a SOAP one', async () => {
    const sim = await start();
    const soap = await sim.fetch(`${sim.url}/sdk`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'urn:vim25/7.0' },
      body: '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login></soapenv:Body></soapenv:Envelope>',
    });
    expect(soap.status).toBe(200);
    const soapCookie = (soap.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const soapKey = soapCookie.split('=')[1]?.replaceAll('"', '') as string;

    const asToken = await sim.fetch(`${sim.url}/api/vcenter/vm`, {
      headers: { 'vmware-api-session-id': soapKey },
    });
    expect(asToken.status).toBe(401);

    const byToken = await sim.fetch(`${sim.url}/rest/com/vmware/cis/session`, {
      method: 'POST',
      headers: { cookie: soapCookie, 'vmware-use-header-authn': 'true' },
    });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('set-cookie')).toBeNull();
    const { value: token } = (await byToken.json()) as { value: string };
    const vms = await sim.fetch(`${sim.url}/api/vcenter/vm`, { headers: { 'vmware-api-session-id': token } });
    expect(vms.status).toBe(200);
    expect(await vms.json()).toHaveLength(4);
  });
});
