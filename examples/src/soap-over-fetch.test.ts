/**
 * Talking vim25 SOAP to the simulator with nothing but fetch: log in, keep the session
 * cookie, start a task. This is what pyvmomi and govmomi do on the wire.
 */
import { afterEach, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

let sim: Simulator;
afterEach(() => sim.close());

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
  `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

it('logs in and powers a VM off over SOAP, in-process', async () => {
  sim = await createSimulator({ seed: 1 });
  const call = (body: string, cookie?: string) =>
    sim.fetch(`${sim.url}/sdk`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'urn:vim25/7.0', ...(cookie ? { cookie } : {}) },
      body: envelope(body),
    });

  const login = await call(
    '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>' +
      '<userName>user</userName><password>pass</password></Login>',
  );
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  expect(cookie).toMatch(/^vmware_soap_session=/);

  const task = await call(
    '<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-20</_this></PowerOffVM_Task>',
    cookie,
  );
  expect(await task.text()).toMatch(/<returnval type="Task">task-\d+<\/returnval>/);
  await sim.settle();
  expect(sim.vsphere.read('vm-20', 'runtime.powerState')).toBe('poweredOff');
});
