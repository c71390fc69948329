import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';

const session = async () => {
  const ctx = await loggedIn();
  const post = (url: string, body?: object) =>
    ctx.send('POST', url, body === undefined ? {} : { body: JSON.stringify(body) });
  return { ...ctx, post };
};

const NICS = '/api/vcenter/vm/vm-20/hardware/ethernet';

describe('/vcenter/vm/{vm}/hardware/ethernet', () => {
  it('lists and reads adapters by device key', async () => {
    const { send } = await session();
    expect((await send('GET', NICS)).json).toEqual([{ nic: '4000' }]);
    expect((await send('GET', `${NICS}/4000`)).json).toMatchObject({
      type: 'E1000',
      backing: { type: 'DISTRIBUTED_PORTGROUP' },
      state: 'CONNECTED',
    });
    expect((await send('GET', `${NICS}/4999`)).status).toBe(404);
  });

  it('adds adapters on a standard or distributed portgroup, with a manual MAC when asked', async () => {
    const { post, send, vsphere } = await session();
    const standard = await post(NICS, {
      type: 'E1000',
      backing: { type: 'STANDARD_PORTGROUP', network: 'network-7' },
      start_connected: true,
    });
    expect(standard).toMatchObject({ status: 201, json: '4001' });
    expect((await send('GET', `${NICS}/4001`)).json).toMatchObject({
      type: 'E1000',
      backing: { type: 'STANDARD_PORTGROUP', network: 'network-7', network_name: 'VM Network' },
      start_connected: true,
      state: 'CONNECTED',
      mac_address: expect.stringMatching(/^00:50:56:/),
    });
    const manual = await post(NICS, {
      backing: { type: 'DISTRIBUTED_PORTGROUP', network: 'dvportgroup-10' },
      mac_type: 'MANUAL',
      mac_address: '00:50:56:aa:bb:cc',
    });
    expect((await send('GET', `${NICS}/${manual.json}`)).json).toMatchObject({
      mac_type: 'MANUAL',
      mac_address: '00:50:56:aa:bb:cc',
      backing: { type: 'DISTRIBUTED_PORTGROUP', network: 'dvportgroup-10' },
      state: 'NOT_CONNECTED',
    });
    expect((vsphere.store.get('vm-20') as VmRecord).networks).toContain('network-7');
    const rest = await send('POST', '/rest/vcenter/vm/vm-20/hardware/ethernet', {
      body: JSON.stringify({ spec: { backing: { type: 'STANDARD_PORTGROUP', network: 'network-7' } } }),
    });
    expect(rest.json).toEqual({ value: '4003' });
  });

  it('moves an adapter to another network and sets its MAC and power-on connection', async () => {
    const { send, vsphere } = await session();
    const patch = (body: object) => send('PATCH', `${NICS}/4000`, { body: JSON.stringify(body) });
    const res = await patch({
      backing: { type: 'STANDARD_PORTGROUP', network: 'network-7' },
      mac_type: 'MANUAL',
      mac_address: '00:50:56:01:02:03',
      start_connected: false,
    });
    expect(res.status).toBe(204);
    expect((await send('GET', `${NICS}/4000`)).json).toMatchObject({
      type: 'E1000',
      backing: { type: 'STANDARD_PORTGROUP', network: 'network-7' },
      mac_type: 'MANUAL',
      mac_address: '00:50:56:01:02:03',
      start_connected: false,
    });
    expect((vsphere.store.get('vm-20') as VmRecord).networks).toEqual(['network-7']);
    expect((await patch({ backing: { type: 'DISTRIBUTED_PORTGROUP', network: 'network-7' } })).status).toBe(
      404,
    );
    expect((await patch({ mac_type: 'MANUAL' })).json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });

  it('refuses an unknown network, a backing of the wrong type and a MANUAL MAC without an address', async () => {
    const { post } = await session();
    expect(
      (await post(NICS, { backing: { type: 'STANDARD_PORTGROUP', network: 'network-99' } })).status,
    ).toBe(404);
    for (const spec of [
      { backing: { type: 'STANDARD_PORTGROUP', network: 'dvportgroup-10' } },
      { backing: { type: 'OPAQUE_NETWORK', network: 'network-7' } },
      { backing: { type: 'STANDARD_PORTGROUP', network: 'network-7' }, mac_type: 'MANUAL' },
      {},
    ]) {
      const res = await post(NICS, spec);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(['INVALID_ARGUMENT', 'NOT_FOUND']).toContain((res.json as { error_type: string }).error_type);
    }
  });

  it('keeps wake-on-LAN and UPT compatibility, UPT on VMXNET3 alone', async () => {
    const { post, send, vsphere } = await session();
    const backing = { type: 'STANDARD_PORTGROUP', network: 'network-7' };
    const vmxnet3 = await post(NICS, { backing, wake_on_lan_enabled: true });
    expect((await send('GET', `${NICS}/${vmxnet3.json}`)).json).toMatchObject({
      type: 'VMXNET3',
      wake_on_lan_enabled: true,
      upt_compatibility_enabled: false,
    });
    const patch = await send('PATCH', `${NICS}/${vmxnet3.json}`, {
      body: JSON.stringify({ wake_on_lan_enabled: false, upt_compatibility_enabled: true }),
    });
    expect(patch.status).toBe(204);
    const nic = (vsphere.store.get('vm-20') as VmRecord).config.devices.find(
      (d) => String(d.key) === vmxnet3.json,
    );
    expect(nic).toMatchObject({ wakeOnLanEnabled: false, uptCompatibilityEnabled: true });
    const rest = await send('GET', `/rest/vcenter/vm/vm-20/hardware/ethernet/${vmxnet3.json}`);
    expect(rest.json).toMatchObject({
      value: { wake_on_lan_enabled: false, upt_compatibility_enabled: true },
    });
    const e1000 = await send('GET', `${NICS}/4000`);
    expect(e1000.json).toMatchObject({ type: 'E1000', wake_on_lan_enabled: true });
    expect(e1000.json).not.toHaveProperty('upt_compatibility_enabled');
    for (const res of [
      await post(NICS, { type: 'E1000E', backing, upt_compatibility_enabled: true }),
      await send('PATCH', `${NICS}/4000`, { body: JSON.stringify({ upt_compatibility_enabled: false }) }),
      await post(NICS, { backing, wake_on_lan_enabled: 'yes' }),
    ])
      expect(res).toMatchObject({ status: 400, json: { error_type: 'INVALID_ARGUMENT' } });
    const wrapped = await send('PATCH', '/rest/vcenter/vm/vm-20/hardware/ethernet/4000', {
      body: JSON.stringify({ spec: { upt_compatibility_enabled: true } }),
    });
    expect(wrapped.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
  });

  it("disconnects and connects a running VM's adapter, and removes it", async () => {
    const { post, send, vsphere } = await session();
    expect((await post(`${NICS}/4000?action=disconnect`)).status).toBe(204);
    expect((await send('GET', `${NICS}/4000`)).json).toMatchObject({ state: 'NOT_CONNECTED' });
    expect((await post(`${NICS}/4000?action=disconnect`)).json).toMatchObject({
      error_type: 'ALREADY_IN_DESIRED_STATE',
    });
    expect((await send('POST', '/rest/vcenter/vm/vm-20/hardware/ethernet/4000/connect')).status).toBe(200);
    expect((await send('GET', `${NICS}/4000`)).json).toMatchObject({ state: 'CONNECTED' });
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await post(`${NICS}/4000?action=disconnect`)).json).toMatchObject({
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    expect((await send('DELETE', `${NICS}/4000`)).status).toBe(204);
    expect((await send('GET', NICS)).json).toEqual([]);
  });
});
