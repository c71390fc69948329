import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const SESSION_MANAGER = ref('SessionManager', 'SessionManager');

const spec = (type: string, fields: string) => `<spec xsi:type="${type}">${fields}</spec>`;

describe('SessionManager.AcquireGenericServiceTicket', () => {
  it('answers a ticket for an HTTP request that the model spends once, for that request', async () => {
    const { call, vsphere, session } = soapClient();
    const url = 'https://10.0.0.1/folder/a.txt?dsName=LocalDS_0';
    const res = await call(
      'AcquireGenericServiceTicket',
      SESSION_MANAGER,
      spec(
        'SessionManagerHttpServiceRequestSpec',
        `<method>httpPut</method><url>${url.replace('&', '&amp;')}</url>`,
      ),
    );
    expect(res.status).toBe(200);
    const id = /<returnval><id>([^<]+)<\/id><\/returnval>/.exec(res.body)?.[1] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      vsphere.sessions.spendServiceTicket(id, { method: 'PUT', url: '/folder/a.txt?dsName=LocalDS_0' }),
    ).toMatchObject({ key: session.key });
  });

  it('is InvalidArgument for a method or URL that is none, NotSupported for a VMOMI request', async () => {
    const { call, faultOf } = soapClient();
    const ask = async (fields: string, type = 'SessionManagerHttpServiceRequestSpec') =>
      faultOf((await call('AcquireGenericServiceTicket', SESSION_MANAGER, spec(type, fields))).body);
    expect(await ask('<method>httpFetch</method><url>https://h/folder</url>')).toBe('InvalidArgument');
    expect(await ask('<url>/folder/a.txt</url>')).toBe('InvalidArgument');
    expect(await ask('<method>RetrieveContent</method>', 'SessionManagerVmomiServiceRequestSpec')).toBe(
      'NotSupported',
    );
  });
});
