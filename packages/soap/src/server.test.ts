/**
 * The endpoint under bad input: random bytes and well-formed envelopes that are wrong in
 * random ways never escape as exceptions and never change the inventory.
 */
import { VSphere } from '@vsim/vsphere';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSoapHandler, SESSION_COOKIE } from './server.js';

const encoder = new TextEncoder();

const setup = () => {
  const vsphere = new VSphere({ seed: 1 });
  const soap = createSoapHandler(vsphere);
  const key = vsphere.sessions.login('user', 'pass').key;
  const send = (body: string | Uint8Array, version = '7.0') =>
    soap.handle({
      method: 'POST',
      headers: { soapaction: `urn:vim25/${version}`, cookie: `${SESSION_COOKIE}="${key}"` },
      body: typeof body === 'string' ? encoder.encode(body) : body,
    });
  return { vsphere, send };
};

const envelope = (body: string) =>
  `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const RECONFIGURE = (spec: string) =>
  `<ReconfigVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-20</_this><spec>${spec}</spec></ReconfigVM_Task>`;

/** Ways to get a ReconfigVM_Task spec wrong, each of which vCenter refuses before running anything. */
const wrongSpec = fc.oneof(
  fc.string().map((s) => `<numCPUs>${s.replaceAll('<', '')}x</numCPUs>`),
  fc.integer({ min: 2 ** 31, max: 2 ** 40 }).map((n) => `<memoryMB>${n}</memoryMB><numCPUs>${n}</numCPUs>`),
  fc.stringMatching(/^[a-z][a-zA-Z]{0,12}$/).map((name) => `<${name}Nope>1</${name}Nope>`),
  fc
    .constantFrom('NoSuchType', 'VirtualDisk', 'ManagedObjectReference')
    .map((t) => `<files xsi:type="${t}"><vmPathName>x</vmPathName></files>`),
  fc.constant('<deviceChange><operation>add</operation></deviceChange>'),
  fc.constant(
    '<deviceChange><operation>explode</operation><device xsi:type="VirtualDisk"><key>1</key></device></deviceChange>',
  ),
  fc.constant('<numCPUs>1</numCPUs><numCPUs>2</numCPUs>'),
);

describe('bad input', () => {
  it('random bytes get a fault and change nothing', async () => {
    const { vsphere, send } = setup();
    const version = vsphere.store.version;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const res = await send(bytes);
        expect(res.status).toBe(500);
        expect(res.body).toContain('<faultcode>ServerFaultCode</faultcode>');
      }),
      { numRuns: 200 },
    );
    expect(vsphere.store.version).toBe(version);
  });

  it('refuses a body over 8 MiB with InvalidRequest before parsing it', async () => {
    const { vsphere, send } = setup();
    const version = vsphere.store.version;
    const padding = `<!--${'x'.repeat(8 * 1024 * 1024)}-->`;
    const res = await send(envelope(`${padding}${RECONFIGURE('<numCPUs>4</numCPUs>')}`));
    expect(res.status).toBe(500);
    expect(res.body).toContain('xsi:type="InvalidRequest"');
    expect(res.body).toContain('The request body exceeds 8388608 bytes.');
    vsphere.scheduler.runDue();
    expect(vsphere.store.version).toBe(version);
  });

  it('well-formed but wrong envelopes get InvalidRequest and change nothing', async () => {
    const { vsphere, send } = setup();
    const version = vsphere.store.version;
    await fc.assert(
      fc.asyncProperty(wrongSpec, async (spec) => {
        const res = await send(envelope(RECONFIGURE(spec)));
        expect(res.status).toBe(500);
        expect(res.body).toContain('xsi:type="InvalidRequest"');
      }),
      { numRuns: 150 },
    );
    vsphere.scheduler.runDue();
    expect(vsphere.store.version).toBe(version);
  });

  it('random method names and targets get MethodNotFound or ManagedObjectNotFound', async () => {
    const { vsphere, send } = setup();
    const version = vsphere.store.version;
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Z][A-Za-z_]{0,20}$/),
        fc.constantFrom('vm-20', 'vm-99999', 'group-d1', 'SessionManager'),
        async (method, target) => {
          const res = await send(
            envelope(
              `<${method} xmlns="urn:vim25"><_this type="VirtualMachine">${target}</_this></${method}>`,
            ),
          );
          expect(res.status).toBe(500);
          expect(res.body).toMatch(/xsi:type="(MethodNotFound|ManagedObjectNotFound|InvalidRequest)"/);
        },
      ),
      { numRuns: 150 },
    );
    expect(vsphere.store.version).toBe(version);
  });

  it('a reference of another type than its object names nothing: ManagedObjectNotFound', async () => {
    const { vsphere, send } = setup();
    const version = vsphere.store.version;
    for (const type of ['Datacenter', 'HostSystem', 'Folder']) {
      const res = await send(
        envelope(`<PowerOffVM_Task xmlns="urn:vim25"><_this type="${type}">vm-20</_this></PowerOffVM_Task>`),
      );
      expect(res.body).toContain('xsi:type="ManagedObjectNotFound"');
      expect(res.body).toContain(`<obj type="${type}">vm-20</obj>`);
    }
    // A supertype names the object, as a ManagedEntity reference does.
    const renamed = await send(
      envelope(
        `<Rename_Task xmlns="urn:vim25"><_this type="ManagedEntity">vm-20</_this><newName>renamed</newName></Rename_Task>`,
      ),
    );
    expect(renamed.status).toBe(200);
    vsphere.scheduler.runDue();
    expect(vsphere.store.get('vm-20')?.name).toBe('renamed');
    expect(vsphere.store.version).toBeGreaterThan(version);
  });

  it("another session's view names nothing: ManagedObjectNotFound", async () => {
    const { vsphere, send } = setup();
    const other = vsphere.sessions.login('user', 'pass').key;
    vsphere.sessionKey = other;
    const view = vsphere.views.createContainerView('group-d1', ['VirtualMachine'], true);
    vsphere.sessionKey = undefined;
    const destroy = envelope(
      `<DestroyView xmlns="urn:vim25"><_this type="ContainerView">${view.value}</_this></DestroyView>`,
    );
    expect((await send(destroy)).body).toContain('xsi:type="ManagedObjectNotFound"');
    expect(vsphere.store.has(view.value)).toBe(true);
    const own = await createSoapHandler(vsphere).handle({
      method: 'POST',
      headers: { soapaction: 'urn:vim25/7.0', cookie: `${SESSION_COOKIE}="${other}"` },
      body: encoder.encode(destroy),
    });
    expect(own.status).toBe(200);
    expect(vsphere.store.has(view.value)).toBe(false);
  });

  it("lends no session's identity past its call, though its wait is pending", async () => {
    const { vsphere } = setup();
    const soap = createSoapHandler(vsphere);
    const as = (key: string, body: string) =>
      soap.handle({
        method: 'POST',
        headers: { soapaction: 'urn:vim25/7.0', cookie: `${SESSION_COOKIE}="${key}"` },
        body: encoder.encode(envelope(body)),
      });
    const filter = `<CreateFilter xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><spec><propSet><type>VirtualMachine</type><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="VirtualMachine">vm-20</obj></objectSet></spec><partialUpdates>false</partialUpdates></CreateFilter>`;
    const wait = (version: string) =>
      `<WaitForUpdatesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><version>${version}</version></WaitForUpdatesEx>`;
    const versionOf = (body: string) => /<version>([^<]*)<\/version>/.exec(body)?.[1] ?? '';
    const [a, b] = [0, 1].map(() => vsphere.sessions.login('user', 'pass').key) as [string, string];
    for (const key of [a, b]) await as(key, filter);
    const [va, vb] = [versionOf((await as(a, wait(''))).body), versionOf((await as(b, wait(''))).body)];
    const pendingA = as(a, wait(va));
    const pendingB = as(b, wait(vb));
    expect(vsphere.sessionKey).toBeUndefined();
    // An in-process operation while both wait is no session's.
    const view = vsphere.views.createContainerView('group-d1', ['VirtualMachine'], true);
    expect((vsphere.store.get(view.value) as { session?: string }).session).toBeUndefined();
    vsphere.vm.powerOff('vm-20');
    vsphere.scheduler.runDue();
    const answers = await Promise.all([pendingA, pendingB]);
    expect(answers.map((r) => r.body)).toEqual([
      expect.stringContaining('poweredOff'),
      expect.stringContaining('poweredOff'),
    ]);
    expect(vsphere.sessionKey).toBeUndefined();
  });

  it('concurrent power-ons of one VM: one wins, the rest end in InvalidPowerState', async () => {
    const { vsphere, send } = setup();
    vsphere.vm.powerOff('vm-20');
    vsphere.scheduler.runDue();
    const call = envelope(
      '<PowerOnVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-20</_this></PowerOnVM_Task>',
    );
    const responses = await Promise.all(Array.from({ length: 8 }, () => send(call)));
    const tasks = responses.map((r) => /<returnval type="Task">(task-\d+)</.exec(r.body)?.[1] as string);
    vsphere.scheduler.runDue();
    const outcomes = await Promise.allSettled(tasks.map((t) => vsphere.waitForTask(t)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect((o as PromiseRejectedResult).reason.fault._type).toBe('InvalidPowerState');
    }
  });
});
