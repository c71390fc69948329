import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';

describe('GET /vcenter/vm/{vm}/guest/identity', () => {
  it('reports what the tools report, and 503 while they are not running', async () => {
    const { send, vsphere } = await loggedIn();
    const res = await send('GET', '/api/vcenter/vm/vm-20/guest/identity');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: 'OTHER',
      family: expect.any(String),
      full_name: { default_message: expect.any(String), args: [] },
      host_name: 'DC0_H0_VM0',
      ip_address: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
    });
    await vsphere.vm.powerOff('vm-20').wait();
    const off = await send('GET', '/api/vcenter/vm/vm-20/guest/identity');
    expect(off.status).toBe(503);
    expect(off.json).toMatchObject({ error_type: 'SERVICE_UNAVAILABLE' });
  });
});

describe('/vcenter/vm/{vm}/guest/power', () => {
  it('reads the guest power state and whether soft operations are ready', async () => {
    const { send, vsphere } = await loggedIn();
    expect((await send('GET', '/api/vcenter/vm/vm-20/guest/power')).json).toEqual({
      state: 'RUNNING',
      operations_ready: true,
    });
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await send('GET', '/rest/vcenter/vm/vm-20/guest/power')).json).toEqual({
      value: { state: 'NOT_RUNNING', operations_ready: false },
    });
  });

  it('shuts the guest down, reboots it and puts it in standby, answering at once', async () => {
    const { send, vsphere } = await loggedIn();
    expect((await send('POST', '/api/vcenter/vm/vm-21/guest/power?action=reboot')).status).toBe(204);
    expect(vsphere.read('vm-21', 'runtime.powerState')).toBe('poweredOn');
    expect((await send('POST', '/api/vcenter/vm/vm-20/guest/power?action=shutdown')).status).toBe(204);
    await new Promise((resolve) => setImmediate(resolve));
    expect(vsphere.read('vm-20', 'runtime.powerState')).toBe('poweredOff');
    const off = await send('POST', '/api/vcenter/vm/vm-20/guest/power?action=shutdown');
    expect(off).toMatchObject({ status: 400, json: { error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' } });
    // The older style spells these actions `?action=` as well as `?~action=`.
    expect((await send('POST', '/rest/vcenter/vm/vm-21/guest/power?action=standby')).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(vsphere.read('vm-21', 'runtime.powerState')).toBe('suspended');
  });

  it('answers service_unavailable when the tools are unavailable', async () => {
    const { send, vsphere } = await loggedIn();
    vsphere.interceptor.add({ method: 'ShutdownGuest', times: 1, fault: { _type: 'ToolsUnavailable' } });
    const res = await send('POST', '/api/vcenter/vm/vm-20/guest/power?action=shutdown');
    expect(res).toMatchObject({ status: 503, json: { error_type: 'SERVICE_UNAVAILABLE' } });
  });
});

describe('GET /vcenter/vm/{vm}/guest/networking/interfaces', () => {
  it("lists the guest's NICs with their addresses, and 503 while the tools do not run", async () => {
    const { send, vsphere } = await loggedIn();
    const res = await send('GET', '/api/vcenter/vm/vm-20/guest/networking/interfaces');
    expect(res.json).toEqual([
      {
        nic: '4000',
        mac_address: expect.stringMatching(/^00:50:56:/),
        ip: {
          ip_addresses: [
            {
              ip_address: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
              prefix_length: 16,
              state: 'PREFERRED',
            },
          ],
        },
      },
    ]);
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await send('GET', '/api/vcenter/vm/vm-20/guest/networking/interfaces')).status).toBe(503);
  });
});

describe('/vcenter/vm/{vm}/guest/customization', () => {
  it('sets a saved spec for the next boot over a pending one, clears it, and reports where it is', async () => {
    const { send, vsphere } = await loggedIn();
    const spec = (host: string) => ({
      identity: {
        _type: 'CustomizationLinuxPrep',
        hostName: { _type: 'CustomizationFixedName', name: host },
      },
      globalIPSettings: { _type: 'CustomizationGlobalIPSettings' },
    });
    vsphere.customizationSpecs.create({
      info: { name: 'web', description: '', type: 'Linux' },
      spec: spec('web-01'),
    });
    vsphere.customizationSpecs.create({
      info: { name: 'db', description: '', type: 'Linux' },
      spec: spec('db-01'),
    });
    const status = async () => (await send('GET', '/api/vcenter/vm/vm-20/guest/customization')).json;
    const put = (body: object, path = '/api/vcenter/vm/vm-20/guest/customization') =>
      send('PUT', path, { body: JSON.stringify(body) });
    expect(await status()).toEqual({ status: 'IDLE' });
    // A running VM takes none.
    const running = await put({ name: 'web' });
    expect([running.status, running.json]).toMatchObject([
      400,
      { error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' },
    ]);
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await put({ name: 'web' })).status).toBe(204);
    expect(await status()).toEqual({ status: 'PENDING' });
    // Over the pending one (CustomizeVM_Task would refuse), in the /rest style too.
    expect((await put({ spec: { name: 'db' } }, '/rest/vcenter/vm/vm-20/guest/customization')).status).toBe(
      200,
    );
    const missing = await put({ name: 'nope' });
    expect([missing.status, missing.json]).toMatchObject([404, { error_type: 'NOT_FOUND' }]);
    const inline = await put({ spec: spec('x') });
    expect([inline.status, inline.json]).toMatchObject([400, { error_type: 'INVALID_ARGUMENT' }]);
    const bootedAt = new Date(vsphere.clock.now()).toISOString();
    await vsphere.vm.powerOn('vm-20').wait();
    expect(vsphere.read('vm-20', 'guest.hostName')).toBe('db-01');
    expect(await status()).toEqual({ status: 'SUCCEEDED', start_time: bootedAt, end_time: bootedAt });
    // Set, then cleared by a spec without a name: the next boot customizes nothing.
    await vsphere.vm.powerOff('vm-20').wait();
    await put({ name: 'web' });
    expect((await put({})).status).toBe(204);
    expect(await status()).toEqual({ status: 'IDLE' });
    // One the guest's tools fail (a rule at the interception point): FAILED, with their error.
    vsphere.interceptor.add({
      method: 'GuestCustomization',
      fault: { _type: 'CustomizationFault', message: 'cannot write /etc/hostname' },
    });
    await put({ name: 'web' });
    await vsphere.vm.powerOn('vm-20').wait();
    expect(await status()).toEqual({
      status: 'FAILED',
      error: 'cannot write /etc/hostname',
      start_time: bootedAt,
      end_time: bootedAt,
    });
  });
});
