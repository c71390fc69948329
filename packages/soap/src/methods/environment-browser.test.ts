/** EnvironmentBrowser over the wire: the references to it and its queries' answers. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const VM = ref('VirtualMachine', 'vm-20');

const browserOf = async (client: ReturnType<typeof soapClient>) => {
  const body = await client.retrieve(VM, 'environmentBrowser');
  const value = /<val xsi:type="ManagedObjectReference" type="EnvironmentBrowser">([^<]+)</.exec(body)?.[1];
  if (!value) throw new Error(`no environment browser in ${body}`);
  return ref('EnvironmentBrowser', value);
};

describe('EnvironmentBrowser over the wire', () => {
  it("answers QueryConfigOptionDescriptor with the hosts' hardware versions, the latest the default", async () => {
    const client = soapClient();
    const res = await client.call('QueryConfigOptionDescriptor', await browserOf(client));
    expect(res.status).toBe(200);
    expect(res.body).toContain(
      '<returnval><key>vmx-13</key><description>ESXi 6.5 virtual machine</description><host type="HostSystem">',
    );
    expect(res.body).toMatch(
      /<key>vmx-21<\/key><description>ESXi 8\.0 U2 virtual machine<\/description>.*?<defaultConfigOption>true<\/defaultConfigOption>/,
    );
  });

  it('answers QueryConfigOption for a version, and QueryConfigOptionEx for some guests', async () => {
    const client = soapClient();
    const browser = await browserOf(client);
    const option = await client.call('QueryConfigOption', browser, '<key>vmx-19</key>');
    expect(option.body).toContain(
      '<version>vmx-19</version><description>ESXi 7.0 U2 virtual machine</description>',
    );
    expect(option.body).toContain('<hwVersion>19</hwVersion>');
    expect(option.body).toContain(
      '<guestOSDescriptor><id>ubuntu64Guest</id><family>linuxGuest</family><fullName>Ubuntu Linux (64-bit)</fullName>',
    );
    const ex = await client.call(
      'QueryConfigOptionEx',
      browser,
      '<spec><guestId>windows11_64Guest</guestId></spec>',
    );
    expect(ex.body.match(/<guestOSDescriptor>/g)).toHaveLength(1);
    expect(ex.body).toContain('<recommendedEthernetCard>VirtualE1000e</recommendedEthernetCard>');
    const unknown = await client.call('QueryConfigOption', browser, '<key>vmx-99</key>');
    expect(client.faultOf(unknown.body)).toBe('InvalidArgument');
  });

  it("answers QueryConfigTarget with the hosts' CPUs, datastores and networks", async () => {
    const client = soapClient();
    const target = await client.call('QueryConfigTarget', await browserOf(client));
    expect(target.body).toContain('<numCpus>');
    expect(target.body).toContain('<datastore><name>LocalDS_0</name><datastore><datastore type="Datastore">');
    expect(target.body).toContain('<network><name>VM Network</name>');
  });
});
