import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';

const CDROMS = '/api/vcenter/vm/vm-20/hardware/cdrom';

describe('/vcenter/vm/{vm}/hardware/cdrom', () => {
  it('lists, adds on the free IDE slot or a SATA adapter, reads and removes CD-ROM drives', async () => {
    const { send, vsphere } = await loggedIn();
    expect((await send('GET', CDROMS)).json).toEqual([{ cdrom: '3000' }]);
    const iso = await send('POST', CDROMS, {
      body: JSON.stringify({
        backing: { type: 'ISO_FILE', iso_file: '[LocalDS_0] iso/os.iso' },
        start_connected: true,
      }),
    });
    expect(iso).toMatchObject({ status: 201, json: '3001' });
    expect((await send('GET', `${CDROMS}/3001`)).json).toMatchObject({
      type: 'IDE',
      ide: { primary: true, master: false },
      label: 'CD/DVD drive 2',
      backing: { type: 'ISO_FILE', iso_file: '[LocalDS_0] iso/os.iso' },
      start_connected: true,
    });
    // The SATA adapter the drive needs is added with it, which only a VM that is off takes.
    await vsphere.vm.powerOff('vm-20').wait();
    const sata = await send('POST', CDROMS, {
      body: JSON.stringify({
        type: 'SATA',
        backing: { type: 'CLIENT_DEVICE', device_access_type: 'PASSTHRU' },
      }),
    });
    expect((await send('GET', `${CDROMS}/${sata.json}`)).json).toMatchObject({
      type: 'SATA',
      sata: { bus: 0, unit: 0 },
      backing: { type: 'CLIENT_DEVICE', device_access_type: 'PASSTHRU' },
    });
    const bad = await send('POST', CDROMS, {
      body: JSON.stringify({ type: 'SCSI', backing: { type: 'ISO_FILE' } }),
    });
    expect(bad.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('DELETE', `${CDROMS}/3001`)).status).toBe(204);
    expect((await send('GET', `/rest/vcenter/vm/vm-20/hardware/cdrom`)).json).toEqual({
      value: [{ cdrom: '3000' }, { cdrom: String(sata.json) }],
    });
  });
});
