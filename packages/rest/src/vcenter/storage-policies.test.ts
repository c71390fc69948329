import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

describe('/vcenter/storage/policies', () => {
  it('lists the policies in both URL styles, filtered by id', async () => {
    const ctx = setup();
    const { send } = await ctx.login();
    const gold = ctx.vsphere.storagePolicies.create('gold', 'replicated');
    const silver = ctx.vsphere.storagePolicies.create('silver');
    const all = [
      { policy: gold, name: 'gold', description: 'replicated' },
      { policy: silver, name: 'silver', description: '' },
    ];
    const api = await send('GET', '/api/vcenter/storage/policies');
    expect([api.status, api.json]).toEqual([200, all]);
    expect((await send('GET', `/api/vcenter/storage/policies?policies=${silver}`)).json).toEqual([all[1]]);
    const old = await send('GET', `/rest/vcenter/storage/policies?filter.policies=${gold}`);
    expect([old.status, old.json]).toEqual([200, { value: [all[0]] }]);
    expect((await send('GET', '/api/vcenter/storage/policies?policies=nope')).json).toEqual([]);
  });

  it('needs a session', async () => {
    const { send } = setup();
    expect((await send('GET', '/api/vcenter/storage/policies')).status).toBe(401);
  });
});
