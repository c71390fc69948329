/**
 * Putting a file on a datastore and reading it back as govc's `datastore.upload` and
 * `datastore.download` do: the `/folder` URL with the datacenter and datastore in its query,
 * behind the SOAP session's cookie. The file is then one vSphere clients see: the datastore
 * browser lists it, and FileManager moves it.
 */
import { afterEach, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

let sim: Simulator;
afterEach(() => sim.close());

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
  `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

it('uploads, downloads, lists and moves a datastore file', async () => {
  sim = await createSimulator({ seed: 1 });
  const soap = (body: string, cookie?: string) =>
    sim.fetch(`${sim.url}/sdk`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'urn:vim25/7.0', ...(cookie ? { cookie } : {}) },
      body: envelope(body),
    });
  const login = await soap(
    '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>' +
      '<userName>user</userName><password>pass</password></Login>',
  );
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const file = (path: string) => `${sim.url}/folder/${path}?dcPath=DC0&dsName=LocalDS_0`;

  // Without the session, the endpoint refuses; with it, the file is stored (and its folder made).
  expect((await sim.fetch(file('isos/boot.iso'), { method: 'PUT', body: 'bytes' })).status).toBe(401);
  const put = await sim.fetch(file('isos/boot.iso'), { method: 'PUT', headers: { cookie }, body: 'bytes' });
  expect(put.status).toBe(201);
  const got = await sim.fetch(file('isos/boot.iso'), { headers: { cookie } });
  expect(await got.text()).toBe('bytes');

  // FileManager moves it, as `govc datastore.mv` does; the old path is gone, the new one served.
  const move = await soap(
    '<MoveDatastoreFile_Task xmlns="urn:vim25"><_this type="FileManager">FileManager</_this>' +
      '<sourceName>[LocalDS_0] isos/boot.iso</sourceName><sourceDatacenter type="Datacenter">datacenter-2</sourceDatacenter>' +
      '<destinationName>[LocalDS_0] isos/kept.iso</destinationName><destinationDatacenter type="Datacenter">datacenter-2</destinationDatacenter>' +
      '</MoveDatastoreFile_Task>',
    cookie,
  );
  expect(await move.text()).toMatch(/<returnval type="Task">task-\d+<\/returnval>/);
  await sim.settle();
  expect((await sim.fetch(file('isos/boot.iso'), { headers: { cookie } })).status).toBe(404);
  expect(await (await sim.fetch(file('isos/kept.iso'), { headers: { cookie } })).text()).toBe('bytes');
});
