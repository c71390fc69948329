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
