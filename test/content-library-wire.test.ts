/**
 * The content library over the simulator's router: an upload endpoint handed out by an
 * update session takes a real PUT, the item's files reflect the bytes, and a deployed
 * library item is a VM that SOAP clients see too.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const basic = `Basic ${Buffer.from('user:pass').toString('base64')}`;

describe('content library over the simulator', () => {
  it('uploads through the router and deploys a VM the inventory holds', async () => {
    const sim = await createSimulator({ seed: 1 });
    sims.push(sim);
    const login = await sim.fetch(`${sim.url}/rest/com/vmware/cis/session`, {
      method: 'POST',
      headers: { authorization: basic, 'vmware-use-header-authn': 'true' },
    });
    const token = ((await login.json()) as { value: string }).value;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await sim.fetch(`${sim.url}${path}`, {
        method,
        headers: { 'vmware-api-session-id': token, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        json: (text === '' ? { value: undefined } : JSON.parse(text)) as { value: never },
      };
    };
    const datastore = sim.vsphere.store.ofKind('Datastore').next().value?.id as string;
    const lib = (
      await call('POST', '/rest/com/vmware/content/local-library', {
        create_spec: {
          name: 'lib',
          type: 'LOCAL',
          storage_backings: [{ type: 'DATASTORE', datastore_id: datastore }],
        },
      })
    ).json.value as string;
    const item = (
      await call('POST', '/rest/com/vmware/content/library/item', {
        create_spec: { library_id: lib, name: 'blob', type: 'file' },
      })
    ).json.value as string;
    const session = (
      await call('POST', '/rest/com/vmware/content/library/item/update-session', {
        create_spec: { library_item_id: item },
      })
    ).json.value as string;
    const added = await call(
      'POST',
      `/rest/com/vmware/content/library/item/updatesession/file/id:${session}?~action=add`,
      {
        file_spec: { name: 'data.bin', source_type: 'PUSH', size: 3 },
      },
    );
    const uri = (added.json.value as { upload_endpoint: { uri: string } }).upload_endpoint.uri;
    expect(uri.startsWith(`${sim.url}/vsim-upload/`)).toBe(true);
    const put = await sim.fetch(uri, { method: 'PUT', body: new Uint8Array([1, 2, 3]) });
    expect(put.status).toBe(200);
    await call('POST', `/rest/com/vmware/content/library/item/update-session/id:${session}?~action=complete`);
    const files = await call('GET', `/rest/com/vmware/content/library/item/file?library_item_id=${item}`);
    expect(files.json.value).toEqual([
      {
        name: 'data.bin',
        size: 3,
        cached: true,
        version: '1',
        checksum_info: {
          algorithm: 'SHA1',
          checksum: createHash('sha1')
            .update(new Uint8Array([1, 2, 3]))
            .digest('hex'),
        },
      },
    ]);

    const tpl = await call('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      source: { type: 'VirtualMachine', id: 'vm-20' },
      target: { library_id: lib },
      create_spec: { name: 'tpl' },
    });
    const tplId = (tpl.json.value as { ovf_library_item_id: string }).ovf_library_item_id;
    const pool = (sim.vsphere.store.get('vm-20') as { pool?: string }).pool as string;
    const deployed = await call(
      'POST',
      `/rest/com/vmware/vcenter/ovf/library-item/id:${tplId}?~action=deploy`,
      {
        target: { resource_pool_id: pool },
        deployment_spec: { name: 'deployed', accept_all_EULA: true },
      },
    );
    const vm = (deployed.json.value as { resource_id: { id: string } }).resource_id.id;
    const soap = await sim.fetch(`${sim.url}/sdk`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'urn:vim25/8.0' },
      body: `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>`,
    });
    expect(soap.status).toBe(200);
    expect(sim.vsphere.store.get(vm)).toMatchObject({ kind: 'VirtualMachine', name: 'deployed' });
  });
});
