import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const envelope = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const client = async () => {
  const sim = await createSimulator({ seed: 1 });
  sims.push(sim);
  let cookie = '';
  const call = async (body: string, version = '7.0') => {
    const res = await sim.fetch(`${sim.url}/sdk`, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml',
        soapaction: `urn:vim25/${version}`,
        ...(cookie ? { cookie } : {}),
      },
      body: envelope(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0] as string;
    return { status: res.status, text: await res.text() };
  };
  return { sim, call };
};

const login =
  '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>';

describe('the vim25 endpoint', () => {
  it('serves RetrieveServiceContent without a session', async () => {
    const { call } = await client();
    const { status, text } = await call(
      '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>',
    );
    expect(status).toBe(200);
    expect(text).toContain('<rootFolder type="Folder">group-d1</rootFolder>');
    expect(text).toContain('<apiType>VirtualCenter</apiType>');
  });

  it('refuses calls without a session with NotAuthenticated', async () => {
    const { call } = await client();
    const { status, text } = await call(
      '<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-20</_this></PowerOffVM_Task>',
    );
    expect(status).toBe(500);
    expect(text).toContain('<faultcode>ServerFaultCode</faultcode>');
    expect(text).toContain('xsi:type="NotAuthenticated"');
  });

  it('logs in, runs a task and reports InvalidLogin for bad credentials', async () => {
    const { sim, call } = await client();
    const bad = await call(login.replace('>pass<', '>nope<'));
    expect(bad.text).toContain('xsi:type="InvalidLogin"');
    const ok = await call(login);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<userName>user</userName>');
    const task = await call(
      '<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-20</_this></PowerOffVM_Task>',
    );
    expect(task.text).toMatch(/<returnval type="Task">task-\d+<\/returnval>/);
    await sim.settle();
    expect(sim.vsphere.read('vm-20', 'runtime.powerState')).toBe('poweredOff');
  });

  it('answers malformed XML, DOCTYPEs, unknown methods and objects with faults', async () => {
    const { call } = await client();
    await call(login);
    expect(
      (await call('<Nope xmlns="urn:vim25"><_this type="Folder">group-d1</_this></Nope>')).text,
    ).toContain('xsi:type="MethodNotFound"');
    expect(
      (
        await call(
          '<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-999</_this></PowerOffVM_Task>',
        )
      ).text,
    ).toContain('xsi:type="ManagedObjectNotFound"');
    expect(
      (
        await call(
          '<PowerOffVM_Task xmlns="urn:vim25"><_this type="Folder">group-d1</_this></PowerOffVM_Task>',
        )
      ).text,
    ).toContain('xsi:type="MethodNotFound"');
    expect(
      (await call('<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-20</_this>')).text,
    ).toContain('xsi:type="InvalidRequest"');
    const doctype = await call('<!DOCTYPE x [<!ENTITY a "b">]><x/>');
    expect(doctype.text).toContain('xsi:type="InvalidRequest"');
  });

  it('answers a property path with a name the schema lacks below the top level with InvalidProperty', async () => {
    const { call } = await client();
    await call(login);
    const retrieve = (path: string) =>
      `<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><pathSet>${path}</pathSet></propSet><objectSet><obj type="VirtualMachine">vm-20</obj></objectSet></specSet><options/></RetrievePropertiesEx>`;
    const bad = await call(retrieve('config.noSuchThing'), '6.7');
    expect(bad.status).toBe(500);
    expect(bad.text).toContain('xsi:type="InvalidProperty"');
    expect(bad.text).toContain('<name>config.noSuchThing</name>');
    const good = await call(retrieve('config.hardware.numCPU'), '6.7');
    expect(good.text).toContain('<name>config.hardware.numCPU</name><val xsi:type="xsd:int">1</val>');
    // A client newer than the schema may know names it lacks: the model decides (unset here).
    expect((await call(retrieve('config.noSuchThing'), '8.0.3.0')).status).toBe(200);
  });
});
