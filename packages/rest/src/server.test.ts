/**
 * The endpoint under bad input: malformed JSON, unknown paths and actions, random bytes
 * and random paths never escape as exceptions and never change the inventory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from './test-helpers.js';

describe('bad input', () => {
  it('answers malformed JSON with 400 invalid_argument in each style, changing nothing', async () => {
    const { login, vsphere } = setup();
    const { send } = await login();
    const version = vsphere.store.version;
    const a = await send('POST', '/api/vcenter/vm/vm-20/power?action=stop', { body: '{"oops' });
    expect(a.status).toBe(400);
    expect(a.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const r = await send('POST', '/rest/vcenter/vm/vm-20/power/stop', { body: '[1,' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
    expect(vsphere.store.version).toBe(version);
    expect(vsphere.store.get('vm-20')).toMatchObject({ powerState: 'poweredOn' });
  });

  it('answers unknown paths with 404 and unknown actions with 400', async () => {
    const { login } = setup();
    const { send } = await login();
    const missing = await send('GET', '/api/vcenter/nothing');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error_type: 'NOT_FOUND' });
    const restMissing = await send('GET', '/rest/vcenter/nothing');
    expect(restMissing.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
    const action = await send('POST', '/api/vcenter/vm/vm-20/power?action=explode');
    expect(action.status).toBe(400);
    expect(action.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('DELETE', '/api/vcenter/vm')).status).toBe(404);
  });

  it('refuses bodies over the size limit', async () => {
    const { login } = setup();
    const { send } = await login();
    const res = await send('POST', '/api/vcenter/vm/vm-20/power?action=stop', {
      body: `"${'x'.repeat(9 * 1024 * 1024)}"`,
    });
    expect(res.status).toBe(400);
  });

  it('never throws on random methods, paths, queries and bodies', async () => {
    const { login, vsphere } = setup();
    const { send } = await login();
    const version = vsphere.store.version;
    const segment = fc.oneof(
      fc.constantFrom(
        'api',
        'rest',
        'vcenter',
        'vm',
        'vm-20',
        'power',
        'session',
        'host',
        '%',
        '%E0%A4%A',
        '',
      ),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'DELETE', 'PATCH', 'PUT', 'HEAD'),
        fc.array(segment, { maxLength: 6 }),
        fc.string({ maxLength: 30 }),
        fc.uint8Array({ maxLength: 64 }),
        async (method, parts, query, body) => {
          const prefix = parts[0] === 'rest' ? '' : '/api';
          const res = await send(method, `${prefix}/${parts.join('/')}?${query}`, { body });
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(600);
        },
      ),
      { numRuns: 300 },
    );
    expect(vsphere.store.version).toBe(version);
  });
});
