/** CustomizeVM_Task and a clone's customization over the wire. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const VM = ref('VirtualMachine', 'vm-20');

const spec = (name: string, ip: string) =>
  '<identity xsi:type="CustomizationLinuxPrep">' +
  `<hostName xsi:type="CustomizationFixedName"><name>${name}</name></hostName><domain>example.com</domain>` +
  '</identity><globalIPSettings/>' +
  `<nicSettingMap><adapter><ip xsi:type="CustomizationFixedIp"><ipAddress>${ip}</ipAddress></ip>` +
  '<subnetMask>255.255.255.0</subnetMask></adapter></nicSettingMap>';

/** The events of the given types, as QueryEvents answers them. */
const queryEvents = (client: ReturnType<typeof soapClient>, ...types: string[]) =>
  client.call(
    'QueryEvents',
    ref('EventManager', 'EventManager'),
    `<filter>${types.map((t) => `<eventTypeId>${t}</eventTypeId>`).join('')}</filter>`,
  );

describe('guest customization', () => {
  it('customizes a powered-off VM; the guest reports the identity after its next power-on', async () => {
    const client = soapClient();
    expect(
      (await client.task('CustomizeVM_Task', VM, `<spec>${spec('web-01', '10.1.2.3')}</spec>`)).fault,
    ).toBe('InvalidPowerState');
    await client.task('PowerOffVM_Task', VM);
    const customize = await client.task('CustomizeVM_Task', VM, `<spec>${spec('web-01', '10.1.2.3')}</spec>`);
    expect(customize.fault).toBeUndefined();
    await client.task('PowerOnVM_Task', VM);
    const body = await client.retrieve(VM, 'guest.hostName', 'guest.ipAddress');
    expect(body).toContain('<val xsi:type="xsd:string">web-01</val>');
    expect(body).toContain('<val xsi:type="xsd:string">10.1.2.3</val>');
    const events = await queryEvents(client, 'CustomizationStartedEvent', 'CustomizationSucceeded');
    expect(events.body).toContain('<returnval xsi:type="CustomizationStartedEvent">');
    expect(events.body).toContain('<logLocation>/var/log/vmware-imc/toolsDeployPkg.log</logLocation>');
  });

  it("posts CustomizationUnknownFailure where the guest's tools fail it (a fault on GuestCustomization)", async () => {
    const client = soapClient();
    client.vsphere.interceptor.add({ method: 'GuestCustomization', fault: { _type: 'CustomizationFault' } });
    await client.task('PowerOffVM_Task', VM);
    await client.task('CustomizeVM_Task', VM, `<spec>${spec('web-01', '10.1.2.3')}</spec>`);
    await client.task('PowerOnVM_Task', VM);
    expect(await client.retrieve(VM, 'guest.hostName')).not.toContain('web-01');
    const events = await queryEvents(client, 'CustomizationFailed', 'CustomizationUnknownFailure');
    expect(events.body).toContain('<returnval xsi:type="CustomizationUnknownFailure">');
    expect(events.body).toContain('<logLocation>/var/log/vmware-imc/toolsDeployPkg.log</logLocation>');
  });

  it("applies CloneVM_Task's spec.customization to a clone it powers on", async () => {
    const client = soapClient();
    const folder = client.vsphere.store.get(VM.value)?.parent as string;
    const { result } = await client.task(
      'CloneVM_Task',
      VM,
      `<folder type="Folder">${folder}</folder><name>customized</name>` +
        `<spec><location/><template>false</template><customization>${spec('clone-01', '10.1.2.4')}</customization><powerOn>true</powerOn></spec>`,
    );
    const clone = result as { type: string; value: string };
    expect(client.vsphere.read(clone, 'guest.hostName')).toBe('clone-01');
    expect(client.vsphere.read(clone, 'guest.ipAddress')).toBe('10.1.2.4');
  });
});

describe('CustomizationSpecManager', () => {
  const MANAGER = ref('CustomizationSpecManager', 'CustomizationSpecManager');
  const item = (name: string, host: string, changeVersion?: string) =>
    `<item><info><name>${name}</name><description>web</description><type>Linux</type>` +
    `${changeVersion ? `<changeVersion>${changeVersion}</changeVersion>` : ''}</info>` +
    `<spec>${spec(host, '10.1.2.3')}</spec></item>`;

  it('saves a spec by name and answers it as it was given, its info stamped', async () => {
    const client = soapClient();
    const exists = async (name: string) =>
      (await client.call('DoesCustomizationSpecExist', MANAGER, `<name>${name}</name>`)).body;
    expect(await exists('web')).toContain('<returnval>false</returnval>');
    expect((await client.call('CreateCustomizationSpec', MANAGER, item('web', 'web-01'))).status).toBe(200);
    expect(await exists('web')).toContain('<returnval>true</returnval>');
    const got = (await client.call('GetCustomizationSpec', MANAGER, '<name>web</name>')).body;
    expect(got).toContain('<changeVersion>1</changeVersion>');
    expect(got).toContain('<identity xsi:type="CustomizationLinuxPrep">');
    expect(got).toContain('<hostName xsi:type="CustomizationFixedName"><name>web-01</name></hostName>');
    expect(await client.retrieve(MANAGER, 'info')).toContain('<name>web</name>');
    const taken = await client.call('CreateCustomizationSpec', MANAGER, item('web', 'web-02'));
    expect(client.faultOf(taken.body)).toBe('AlreadyExists');
    const stale = await client.call('OverwriteCustomizationSpec', MANAGER, item('web', 'web-02', '0'));
    expect(client.faultOf(stale.body)).toBe('ConcurrentAccess');
    expect(
      (await client.call('OverwriteCustomizationSpec', MANAGER, item('web', 'web-02', '1'))).status,
    ).toBe(200);
    await client.call('RenameCustomizationSpec', MANAGER, '<name>web</name><newName>db</newName>');
    await client.call('DuplicateCustomizationSpec', MANAGER, '<name>db</name><newName>db-2</newName>');
    await client.call('DeleteCustomizationSpec', MANAGER, '<name>db</name>');
    expect(client.vsphere.customizationSpecs.list().map((i) => i.name)).toEqual(['db-2']);
    const missing = await client.call('GetCustomizationSpec', MANAGER, '<name>db</name>');
    expect(client.faultOf(missing.body)).toBe('NotFound');
  });
});
