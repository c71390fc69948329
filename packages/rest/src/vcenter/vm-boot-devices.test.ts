import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';

const DEVICES = '/api/vcenter/vm/vm-20/hardware/boot/device';

describe('/vcenter/vm/{vm}/hardware/boot/device', () => {
  it("sets the boot order from the VM's devices, disks of one entry in a row, and reads it back", async () => {
    const { send, vsphere } = await loggedIn();
    expect((await send('GET', DEVICES)).json).toEqual([]);
    await send('POST', '/api/vcenter/vm/vm-20/hardware/disk', { body: JSON.stringify({ new_vmdk: {} }) });
    const order = [
      { type: 'ETHERNET', nic: '4000' },
      { type: 'DISK', disks: ['2001', '2000'] },
      { type: 'CDROM' },
    ];
    const res = await send('PUT', DEVICES, { body: JSON.stringify({ devices: order }) });
    expect(res.status).toBe(204);
    expect((await send('GET', DEVICES)).json).toEqual(order);
    expect(vsphere.read('vm-20', 'config.bootOptions.bootOrder')).toEqual([
      { _type: 'VirtualMachineBootOptionsBootableEthernetDevice', deviceKey: 4000 },
      { _type: 'VirtualMachineBootOptionsBootableDiskDevice', deviceKey: 2001 },
      { _type: 'VirtualMachineBootOptionsBootableDiskDevice', deviceKey: 2000 },
      { _type: 'VirtualMachineBootOptionsBootableCdromDevice' },
    ]);
    const info = (await send('GET', '/rest/vcenter/vm/vm-20')).json as { value: { boot_devices: unknown } };
    expect(info.value.boot_devices).toEqual(order);
    expect(
      (await send('PUT', '/rest/vcenter/vm/vm-20/hardware/boot/device', { body: '{"devices":[]}' })).status,
    ).toBe(200);
    expect((await send('GET', DEVICES)).json).toEqual([]);
  });

  it('refuses entries that name no device of the VM, or no type it knows', async () => {
    const { send } = await loggedIn();
    for (const devices of [
      [{ type: 'ETHERNET', nic: '4999' }],
      [{ type: 'ETHERNET', nic: '2000' }],
      [{ type: 'DISK' }],
      [{ type: 'USB' }],
    ]) {
      const res = await send('PUT', DEVICES, { body: JSON.stringify({ devices }) });
      expect(res.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    }
  });
});
