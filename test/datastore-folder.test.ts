/** `/folder`: a datastore's files over HTTP, in process and on a port, behind a SOAP session. */
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const login = envelope(
  '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>',
);

const escapeXml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

const setup = async (options: SimulatorOptions = {}) => {
  const sim = await createSimulator({ seed: 1, ...options });
  sims.push(sim);
  const res = await sim.fetch(`${sim.url}/sdk`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', soapaction: 'urn:vim25/7.0' },
    body: login,
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const url = (path: string, query = 'dcPath=DC0&dsName=LocalDS_0') => `${sim.url}/folder/${path}?${query}`;
  const send = (method: string, path: string, body?: string | Uint8Array, query?: string) =>
    sim.fetch(url(path, query), { method, headers: { cookie }, ...(body === undefined ? {} : { body }) });
  const ds = [...sim.vsphere.store.ofKind('Datastore')][0]?.id as string;
  const used = () => sim.vsphere.read<number>(ds, 'summary.freeSpace');
  /** AcquireGenericServiceTicket for `method` (`httpGet`, ...) on `ticketUrl`: the ticket's id. */
  const ticket = async (method: string, ticketUrl: string) => {
    const res = await sim.fetch(`${sim.url}/sdk`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'urn:vim25/7.0', cookie },
      body: envelope(
        '<AcquireGenericServiceTicket xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>' +
          `<spec xsi:type="SessionManagerHttpServiceRequestSpec"><method>${method}</method><url>${escapeXml(ticketUrl)}</url></spec>` +
          '</AcquireGenericServiceTicket>',
      ),
    });
    const id = /<id>([^<]+)<\/id>/.exec(await res.text())?.[1];
    if (!id) throw new Error(`no ticket: ${res.status}`);
    return id;
  };
  return { sim, cookie, url, send, used, ticket };
};

describe('/folder', () => {
  it('stores a PUT body (201, then 200 when replaced) and gives it back on GET and HEAD', async () => {
    const { send, sim, cookie } = await setup();
    const put = await send('PUT', 'isos/boot.iso', 'bytes of an iso');
    expect(put.status).toBe(201);
    expect((await send('PUT', 'isos/boot.iso', 'new bytes')).status).toBe(200);
    const get = await send('GET', 'isos/boot.iso');
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('new bytes');
    expect(get.headers.get('content-type')).toBe('application/octet-stream');
    const head = await send('HEAD', 'isos/boot.iso');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('9');
    const folder = await send('GET', 'isos');
    expect(folder.headers.get('content-type')).toContain('text/html');
    expect(await folder.text()).toContain('>boot.iso</a>');
    // A folder whose name needs escaping links to its entries all the same.
    expect((await send('PUT', 'a%3Fb%20c/x%231', 'x')).status).toBe(201);
    const odd = await (await send('GET', 'a%3Fb%20c')).text();
    const href = /href="([^"]+)"/.exec(odd)?.[1] as string;
    expect(href).toBe('/folder/a%3Fb%20c/x%231?dcPath=DC0&amp;dsName=LocalDS_0');
    expect(
      await (await sim.fetch(`${sim.url}${href.replaceAll('&amp;', '&')}`, { headers: { cookie } })).text(),
    ).toBe('x');
    expect(
      sim.vsphere.files.download(sim.vsphere.files.datastoreAt('DC0', 'LocalDS_0').id, 'isos/boot.iso'),
    ).toMatchObject({
      folder: false,
    });
  });

  it('deletes a file with DELETE and refuses what the model makes (409)', async () => {
    const { send } = await setup();
    await send('PUT', 'a.txt', 'a');
    expect((await send('DELETE', 'a.txt')).status).toBe(204);
    expect((await send('GET', 'a.txt')).status).toBe(404);
    expect((await send('DELETE', 'a.txt')).status).toBe(404);
    expect((await send('DELETE', 'DC0_H0_VM0')).status).toBe(409);
    expect((await send('PUT', 'DC0_H0_VM0/DC0_H0_VM0.vmx', 'x')).status).toBe(409);
    expect((await send('POST', 'a.txt', 'x')).status).toBe(405);
  });

  it('answers 401 without a session, 404 for an unknown datacenter or datastore, 400 for a bad path', async () => {
    const { sim, url, send } = await setup();
    expect((await sim.fetch(url('a.txt'), { method: 'PUT', body: 'x' })).status).toBe(401);
    expect(
      (await sim.fetch(url('a.txt'), { method: 'GET', headers: { cookie: 'vmware_soap_session="nope"' } }))
        .status,
    ).toBe(401);
    expect((await send('GET', 'a.txt', undefined, 'dcPath=DC9&dsName=LocalDS_0')).status).toBe(404);
    expect((await send('PUT', 'a.txt', 'x', 'dcPath=DC0&dsName=nowhere')).status).toBe(404);
    expect((await send('PUT', 'a.txt', 'x', 'dcPath=DC0')).status).toBe(404);
    // One datacenter: dcPath may be left out.
    expect((await send('PUT', 'a.txt', 'x', 'dsName=LocalDS_0')).status).toBe(201);
    expect((await send('PUT', 'a%2F..%2Fb.txt', 'x')).status).toBe(400);
    expect((await send('GET', '%E0%A4%A')).status).toBe(400);
  });

  it('answers 413 for a body over the limit, leaving the datastore as it was', async () => {
    const { send, used } = await setup({ folder: { maxBodyBytes: 1024 } });
    const before = used();
    expect((await send('PUT', 'big.bin', new Uint8Array(1025))).status).toBe(413);
    expect((await send('GET', 'big.bin')).status).toBe(404);
    expect(used()).toBe(before);
    expect((await send('PUT', 'small.bin', new Uint8Array(1024))).status).toBe(201);
    expect(used()).toBe(before - 1024);
  });

  it('answers 507 for a body over the free space, leaving the datastore as it was', async () => {
    const { send, sim, used } = await setup();
    const ds = sim.vsphere.files.datastoreAt('DC0', 'LocalDS_0');
    const dc = { type: 'Datacenter', value: [...sim.vsphere.store.idsOf('Datacenter')][0] as string };
    // A thick disk takes all but a little over 1 KiB of the space.
    const capacityKb = Math.floor((ds.capacity - ds.used - 512 - 1024) / 1024);
    const filler = sim.vsphere.virtualDisks.create('[LocalDS_0] filler.vmdk', dc, {
      _type: 'FileBackedVirtualDiskSpec',
      diskType: 'preallocated',
      adapterType: 'lsiLogic',
      capacityKb,
    });
    await sim.settle();
    await filler.wait();
    const free = used();
    const put = await send('PUT', 'big.bin', new Uint8Array(4096));
    expect(put.status).toBe(507);
    expect(await put.text()).toContain('not enough space');
    expect((await send('GET', 'big.bin')).status).toBe(404);
    expect(used()).toBe(free);
    expect((await send('PUT', 'small.bin', new Uint8Array(512))).status).toBe(201);
  });

  it('serves a port as it serves fetch', async () => {
    const { sim, cookie } = await setup();
    const server = await sim.listen();
    const at = `${server.url}/folder/notes/a.txt?dcPath=DC0&dsName=LocalDS_0`;
    expect((await fetch(at, { method: 'PUT', headers: { cookie }, body: 'over a socket' })).status).toBe(201);
    const got = await fetch(at, { headers: { cookie } });
    expect(await got.text()).toBe('over a socket');
    expect((await fetch(at)).status).toBe(401);
  });

  it('takes a service ticket in place of the session, once, for the request it was asked for', async () => {
    const { sim, send, ticket } = await setup();
    // govmomi asks for the host's URL without dcPath; only the path and query count.
    const at = `${sim.url}/folder/iso/a.iso?dsName=LocalDS_0`;
    const withTicket = (id: string, method: string, body?: string) =>
      sim.fetch(at, {
        method,
        headers: { cookie: `vmware_cgi_ticket=${id}` },
        ...(body === undefined ? {} : { body }),
      });
    const put = await ticket('httpPut', 'https://10.0.0.1/folder/iso/a.iso?dsName=LocalDS_0');
    expect((await withTicket(put, 'PUT', 'ticketed')).status).toBe(201);
    expect((await withTicket(put, 'PUT', 'again')).status).toBe(401);
    const get = await ticket('httpGet', at);
    expect(await (await withTicket(get, 'GET')).text()).toBe('ticketed');
    // Another method or path is refused, and spends the ticket.
    const other = await ticket('httpGet', at);
    expect((await withTicket(other, 'DELETE')).status).toBe(401);
    expect((await withTicket(other, 'GET')).status).toBe(401);
    const elsewhere = await ticket('httpGet', `${sim.url}/folder/iso/b.iso?dsName=LocalDS_0`);
    expect((await withTicket(elsewhere, 'GET')).status).toBe(401);
    expect((await withTicket('nope', 'GET')).status).toBe(401);
    // Two minutes on the simulator's clock.
    const late = await ticket('httpGet', at);
    await sim.advance(2 * 60_000);
    expect((await withTicket(late, 'GET')).status).toBe(401);
    // A bad ticket is refused beside a good session cookie too.
    expect((await send('GET', 'iso/a.iso', undefined, 'dsName=LocalDS_0')).status).toBe(200);
    expect(
      (await sim.fetch(at, { headers: { cookie: `${(await setup()).cookie}; vmware_cgi_ticket=nope` } }))
        .status,
    ).toBe(401);
  });

  it("lists the datacenters at /folder and a datacenter's datastores at /folder?dcPath=", async () => {
    const { sim, cookie } = await setup({ inventory: { dc: 2, folder: 1 } });
    const get = async (at: string, method = 'GET') => {
      const res = await sim.fetch(`${sim.url}${at}`, { method, headers: { cookie } });
      const links = [...(await res.text()).matchAll(/href="([^"]+)">([^<]+)</g)].map((m) => [
        (m[1] as string).replaceAll('&amp;', '&'),
        m[2],
      ]);
      return { status: res.status, links };
    };
    expect(await get('/folder')).toEqual({
      status: 200,
      links: [
        ['/folder?dcPath=DC0', 'DC0'],
        ['/folder?dcPath=F0%2FDC1', 'F0/DC1'],
      ],
    });
    const datastores = await get('/folder?dcPath=F0%2FDC1');
    expect(datastores.links).toContainEqual(['/folder?dcPath=F0%2FDC1&dsName=LocalDS_0', 'LocalDS_0']);
    // Each link leads to the next listing, the last to the datastore's top.
    const top = await get(datastores.links[0]?.[0] as string);
    expect(top.status).toBe(200);
    expect((await get('/folder?dcPath=DC9')).status).toBe(404);
    expect((await get('/folder', 'PUT')).status).toBe(405);
  });

  it("refuses a PUT of a folder's path or of no path (400), storing nothing", async () => {
    const { send, used } = await setup();
    const before = used();
    expect((await send('PUT', 'dir/', 'x')).status).toBe(400);
    expect((await send('PUT', '', 'x')).status).toBe(400);
    expect((await send('GET', 'dir')).status).toBe(404);
    expect(used()).toBe(before);
  });
});
