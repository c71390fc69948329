/**
 * The vAPI REST API with undici against `sim.dispatcher`: no port, the same requests a
 * client of a real vCenter sends.
 */
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

let sim: Simulator;
afterEach(() => sim.close());

it('logs in, lists powered-on VMs and stops one', async () => {
  sim = await createSimulator({ seed: 1 });
  const api = (
    path: string,
    init: { method?: 'GET' | 'POST' | 'DELETE'; headers?: Record<string, string> } = {},
  ) => request(`${sim.url}/api${path}`, { dispatcher: sim.dispatcher, ...init });

  const login = await api('/session', {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
  });
  expect(login.statusCode).toBe(201);
  const token = (await login.body.json()) as string;
  const session = { 'vmware-api-session-id': token };

  const list = await api('/vcenter/vm?power_states=POWERED_ON&names=DC0_H0_VM0', { headers: session });
  const vms = (await list.body.json()) as { vm: string; name: string; power_state: string }[];
  expect(vms).toEqual([expect.objectContaining({ name: 'DC0_H0_VM0', power_state: 'POWERED_ON' })]);

  const stop = await api(`/vcenter/vm/${vms[0]?.vm}/power?action=stop`, { method: 'POST', headers: session });
  expect(stop.statusCode).toBe(204);
  await stop.body.dump();
  expect(sim.vsphere.read(vms[0]?.vm as string, 'runtime.powerState')).toBe('poweredOff');

  const again = await api(`/vcenter/vm/${vms[0]?.vm}/power?action=stop`, {
    method: 'POST',
    headers: session,
  });
  expect(again.statusCode).toBe(400);
  expect(await again.body.json()).toMatchObject({ error_type: 'ALREADY_IN_DESIRED_STATE' });
});
