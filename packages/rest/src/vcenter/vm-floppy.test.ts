import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';

const FLOPPIES = '/api/vcenter/vm/vm-20/hardware/floppy';

describe('/vcenter/vm/{vm}/hardware/floppy', () => {
  it('adds floppy drives on the SIO controller, reads and removes them', async () => {
    const { send, vsphere } = await loggedIn();
    expect((await send('GET', FLOPPIES)).json).toEqual([]);
    const image = await send('POST', FLOPPIES, {
      body: JSON.stringify({ backing: { type: 'IMAGE_FILE', image_file: '[LocalDS_0] boot.flp' } }),
    });
    expect(image).toMatchObject({ status: 201, json: '8000' });
    expect((await send('GET', `${FLOPPIES}/8000`)).json).toEqual({
      label: 'Floppy drive 1',
      backing: { type: 'IMAGE_FILE', image_file: '[LocalDS_0] boot.flp' },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: false,
    });
    const device = vsphere.read<{ key: number; controllerKey: number }[]>('vm-20', 'config.hardware.device');
    expect(device.find((d) => d.key === 8000)?.controllerKey).toBe(400);
    const rest = await send('POST', '/rest/vcenter/vm/vm-20/hardware/floppy', {
      body: JSON.stringify({ spec: { backing: { type: 'CLIENT_DEVICE' } } }),
    });
    expect(rest.json).toEqual({ value: '8001' });
    const bad = await send('POST', FLOPPIES, { body: JSON.stringify({ backing: { type: 'ISO_FILE' } }) });
    expect(bad.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('DELETE', `${FLOPPIES}/8000`)).status).toBe(204);
    expect((await send('GET', FLOPPIES)).json).toEqual([{ floppy: '8001' }]);
    // A new drive takes the first label no drive has: the deleted one's.
    const again = await send('POST', FLOPPIES, {
      body: JSON.stringify({ backing: { type: 'CLIENT_DEVICE' } }),
    });
    const labels = await Promise.all(
      ['8001', again.json as string].map(
        async (key) => ((await send('GET', `${FLOPPIES}/${key}`)).json as { label: string }).label,
      ),
    );
    expect(labels).toEqual(['Floppy drive 2', 'Floppy drive 1']);
  });

  it('gives a new VM the floppy drives of its CreateSpec', async () => {
    const { send } = await loggedIn();
    const res = await send('POST', '/api/vcenter/vm', {
      body: JSON.stringify({
        guest_OS: 'OTHER',
        placement: { folder: 'group-v3', host: 'host-13', datastore: 'datastore-19' },
        floppies: [{ backing: { type: 'HOST_DEVICE', host_device: '/dev/fd0' } }],
      }),
    });
    const info = (await send('GET', `/api/vcenter/vm/${res.json}`)).json as {
      floppies: Record<string, unknown>;
    };
    expect(Object.values(info.floppies)).toEqual([
      expect.objectContaining({
        label: 'Floppy drive 1',
        backing: expect.objectContaining({ host_device: '/dev/fd0' }),
      }),
    ]);
  });
});
