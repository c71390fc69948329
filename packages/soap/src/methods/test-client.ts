/**
 * What the method tables' tests share: a logged-in client of createSoapHandler over a
 * seeded model, sending one method call per envelope, as a SOAP client would.
 */
import { type MoRef, VSphere } from '@vsim/vsphere';
import { createSoapHandler, SESSION_COOKIE } from '../server.js';

const encoder = new TextEncoder();

const envelope = (body: string) =>
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
  `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

export const soapClient = (version = '8.0.2.0') => {
  const vsphere = new VSphere({ seed: 1 });
  const soap = createSoapHandler(vsphere);
  const session = vsphere.sessions.login('user', 'pass');

  /** Calls `method` on `self` with the argument elements given as XML. */
  const call = async (method: string, self: MoRef, args = '') => {
    const res = await soap.handle({
      method: 'POST',
      headers: { soapaction: `urn:vim25/${version}`, cookie: `${SESSION_COOKIE}="${session.key}"` },
      body: encoder.encode(
        envelope(
          `<${method} xmlns="urn:vim25"><_this type="${self.type}">${self.value}</_this>${args}</${method}>`,
        ),
      ),
    });
    return { status: res.status, body: res.body };
  };

  /** The fault type a response carries, if it is a fault. */
  const faultOf = (body: string) => /<detail><\w+ [^>]*xsi:type="(\w+)"/.exec(body)?.[1];

  /** Calls a task method, runs the work due and answers the task's id and its outcome. */
  const task = async (method: string, self: MoRef, args = '') => {
    const res = await call(method, self, args);
    const id = /<returnval type="Task">(task-\d+)<\/returnval>/.exec(res.body)?.[1];
    if (!id) throw new Error(`no task in ${res.body}`);
    vsphere.scheduler.runDue();
    const outcome = await vsphere.waitForTask(id).then(
      (result) => ({ result, fault: undefined }),
      (error: { fault: { _type: string } }) => ({ result: undefined, fault: error.fault._type }),
    );
    return { id, ...outcome };
  };

  /** RetrievePropertiesEx of some paths of one object: the response body. */
  const retrieve = async (obj: MoRef, ...paths: string[]) =>
    (
      await call(
        'RetrievePropertiesEx',
        { type: 'PropertyCollector', value: 'propertyCollector' },
        `<specSet><propSet><type>${obj.type}</type>${paths.map((p) => `<pathSet>${p}</pathSet>`).join('')}</propSet>` +
          `<objectSet><obj type="${obj.type}">${obj.value}</obj></objectSet></specSet><options/>`,
      )
    ).body;

  return { vsphere, session, call, task, faultOf, retrieve };
};

export const ref = (type: string, value: string): MoRef => ({ type, value });
