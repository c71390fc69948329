import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const PATH = '/api/vcenter/crypto-manager/kms/providers';

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

describe('/vcenter/crypto-manager/kms/providers', () => {
  it('creates, lists, reads, updates and deletes native key providers', async () => {
    const ctx = setup();
    const { send } = await ctx.login();
    const created = await send('POST', PATH, json({ provider: 'nkp', constraints: { tpm_required: true } }));
    expect(created.status).toBe(204);
    expect((await send('GET', PATH)).json).toEqual([{ provider: 'nkp', type: 'NATIVE', health: 'OK' }]);
    const info = await send('GET', `${PATH}/nkp`);
    expect(info.json).toEqual({
      health: 'OK',
      details: [],
      constraints: { tpm_required: true },
      type: 'NATIVE',
      native_info: { key_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    // The SOAP side's provider, the first registered and so the default.
    expect(ctx.vsphere.crypto.listKmipServers()).toEqual([
      expect.objectContaining({ managementType: 'nativeProvider', useAsDefault: true }),
    ]);
    expect((await send('PATCH', `${PATH}/nkp`, json({ constraints: { tpm_required: false } }))).status).toBe(
      204,
    );
    expect(((await send('GET', `${PATH}/nkp`)).json as { constraints: unknown }).constraints).toEqual({
      tpm_required: false,
    });
    expect((await send('POST', PATH, json({ provider: 'nkp' }))).status).toBe(400);
    expect((await send('DELETE', `${PATH}/nkp`)).status).toBe(204);
    expect((await send('GET', `${PATH}/nkp`)).status).toBe(404);
    expect((await send('DELETE', `${PATH}/nkp`)).status).toBe(404);
    // Gone, it is not found by an update either, one that changes nothing too.
    expect((await send('PATCH', `${PATH}/nkp`, json({}))).status).toBe(404);
  });

  it('leaves the other kinds of provider to SOAP', async () => {
    const ctx = setup();
    const { send } = await ctx.login();
    ctx.vsphere.crypto.registerKmsCluster({ id: 'ta' });
    expect((await send('GET', PATH)).json).toEqual([]);
    expect((await send('GET', `${PATH}/ta`)).status).toBe(404);
    const refused = await send('DELETE', `${PATH}/ta`);
    expect([refused.status, (refused.json as { error_type: string }).error_type]).toEqual([
      400,
      'UNSUPPORTED',
    ]);
    expect((await send('POST', PATH, json({}))).status).toBe(400);
    expect((await send('GET', '/rest/vcenter/crypto-manager/kms/providers')).status).toBe(404);
  });
});
