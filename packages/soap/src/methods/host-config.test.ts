/** A host's configManager over the wire: the references to its managers and their methods. */

import type { MoRef } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const HOST = ref('HostSystem', 'host-16');

const managerOf = async (client: ReturnType<typeof soapClient>, type: string) => {
  const body = await client.retrieve(HOST, 'configManager');
  const value = new RegExp(`type="${type}">([^<]+)<`).exec(body)?.[1];
  if (!value) throw new Error(`no ${type} in ${body}`);
  return ref(type, value);
};

/** The fault a call answers with, if it fails. */
const failure = async (client: ReturnType<typeof soapClient>, method: string, self: MoRef, args: string) =>
  client.faultOf((await client.call(method, self, args)).body);

const NFS =
  '<spec><remoteHost>nfs.example.com</remoteHost><remotePath>/exports/iso</remotePath>' +
  '<localPath>nfs-iso</localPath><accessMode>readWrite</accessMode><type>NFS</type></spec>';

describe('HostConfigManager over the wire', () => {
  it('names the managers the simulator has, as vCenter ids them', async () => {
    const client = soapClient();
    const body = await client.retrieve(HOST, 'configManager');
    expect(body).toContain('<val xsi:type="HostConfigManager">');
    expect(body).toContain(
      '<datastoreSystem type="HostDatastoreSystem">datastoreSystem-16</datastoreSystem>',
    );
    expect(body).toContain('<networkSystem type="HostNetworkSystem">networkSystem-16</networkSystem>');
    expect(body).toContain('<serviceSystem type="HostServiceSystem">serviceSystem-16</serviceSystem>');
    expect(body).not.toContain('storageSystem');
  });

  it('creates an NFS datastore with CreateNasDatastore and removes it with RemoveDatastore', async () => {
    const client = soapClient();
    const system = await managerOf(client, 'HostDatastoreSystem');
    const created = await client.call('CreateNasDatastore', system, NFS);
    const ds = /<returnval type="Datastore">([^<]+)</.exec(created.body)?.[1] as string;
    expect(ds).toMatch(/^datastore-\d+$/);
    expect(await client.retrieve(ref('Datastore', ds), 'info')).toContain(
      '<remoteHost>nfs.example.com</remoteHost><remotePath>/exports/iso</remotePath>',
    );
    expect(await client.retrieve(system, 'datastore')).toContain(`>${ds}<`);
    const again = await client.call('CreateNasDatastore', system, NFS);
    expect(client.faultOf(again.body)).toBe('AlreadyExists');
    const removed = await client.call(
      'RemoveDatastore',
      system,
      `<datastore type="Datastore">${ds}</datastore>`,
    );
    expect(removed.status).toBe(200);
    const gone = await client.call(
      'RemoveDatastore',
      system,
      `<datastore type="Datastore">${ds}</datastore>`,
    );
    expect(client.faultOf(gone.body)).toBe('ManagedObjectNotFound');
    const inUse = await client.call(
      'RemoveDatastore',
      system,
      '<datastore type="Datastore">datastore-19</datastore>',
    );
    expect(client.faultOf(inUse.body)).toBe('ResourceInUse');
  });

  it('adds and removes a switch and a portgroup, seen in networkInfo', async () => {
    const client = soapClient();
    const system = await managerOf(client, 'HostNetworkSystem');
    const add = await client.call(
      'AddVirtualSwitch',
      system,
      '<vswitchName>vSwitch1</vswitchName><spec><numPorts>64</numPorts></spec>',
    );
    expect(add.status).toBe(200);
    const pg =
      '<portgrp><name>pg-a</name><vlanId>7</vlanId><vswitchName>vSwitch1</vswitchName><policy/></portgrp>';
    expect((await client.call('AddPortGroup', system, pg)).status).toBe(200);
    const info = await client.retrieve(system, 'networkInfo');
    expect(info).toContain('<vswitch><name>vSwitch1</name><key>key-vim.host.VirtualSwitch-vSwitch1</key>');
    expect(info).toContain('<spec><name>pg-a</name><vlanId>7</vlanId><vswitchName>vSwitch1</vswitchName>');
    expect(client.faultOf((await client.call('AddPortGroup', system, pg)).body)).toBe('AlreadyExists');
    const busy = await client.call('RemovePortGroup', system, '<pgName>Management Network</pgName>');
    expect(client.faultOf(busy.body)).toBe('ResourceInUse');
    expect((await client.call('RemovePortGroup', system, '<pgName>pg-a</pgName>')).status).toBe(200);
    expect(
      (await client.call('RemoveVirtualSwitch', system, '<vswitchName>vSwitch1</vswitchName>')).status,
    ).toBe(200);
    const none = await client.call('RemoveVirtualSwitch', system, '<vswitchName>vSwitch1</vswitchName>');
    expect(client.faultOf(none.body)).toBe('NotFound');
  });

  it('starts a service, and answers QueryDateTime with the clock', async () => {
    const client = soapClient();
    const services = await managerOf(client, 'HostServiceSystem');
    expect((await client.call('StartService', services, '<id>TSM-SSH</id>')).status).toBe(200);
    expect(await client.retrieve(services, 'serviceInfo')).toMatch(
      /<key>TSM-SSH<\/key><label>SSH<\/label>.*?<running>true<\/running>/,
    );
    const clock = await managerOf(client, 'HostDateTimeSystem');
    const time = await client.call('QueryDateTime', clock);
    expect(time.body).toContain(
      `<returnval>${new Date(client.vsphere.clock.now()).toISOString()}</returnval>`,
    );
  });

  it('sets the host clock with UpdateDateTime and its NTP servers with UpdateDateTimeConfig', async () => {
    const client = soapClient();
    const clock = await managerOf(client, 'HostDateTimeSystem');
    const set = await client.call('UpdateDateTime', clock, '<dateTime>2030-01-02T03:04:05Z</dateTime>');
    expect(set.status).toBe(200);
    expect((await client.call('QueryDateTime', clock)).body).toContain(
      '<returnval>2030-01-02T03:04:05.000Z</returnval>',
    );
    const config = await client.call(
      'UpdateDateTimeConfig',
      clock,
      '<config><timeZone>UTC</timeZone><ntpConfig><server>0.pool.ntp.org</server>' +
        '<server>1.pool.ntp.org</server></ntpConfig></config>',
    );
    expect(config.status).toBe(200);
    expect(await client.retrieve(clock, 'dateTimeInfo')).toContain(
      '<ntpConfig><server>0.pool.ntp.org</server><server>1.pool.ntp.org</server></ntpConfig>',
    );
    expect(
      await failure(client, 'UpdateDateTimeConfig', clock, '<config><timeZone>PST8PDT</timeZone></config>'),
    ).toBe('HostConfigFault');
    expect((await client.call('QueryAvailableTimeZones', clock)).body).toMatch(
      /<returnval><key>UTC<\/key><name>UTC<\/name><description>UTC<\/description><gmtOffset>0<\/gmtOffset><\/returnval>/,
    );
  });

  it('opens and closes firewall rulesets, seen in firewallInfo', async () => {
    const client = soapClient();
    const firewall = await managerOf(client, 'HostFirewallSystem');
    const ntp = async () =>
      /<key>ntpClient<\/key>.*?<enabled>(\w+)<\/enabled>/.exec(
        await client.retrieve(firewall, 'firewallInfo'),
      )?.[1];
    expect(await ntp()).toBe('false');
    expect((await client.call('EnableRuleset', firewall, '<id>ntpClient</id>')).status).toBe(200);
    expect(await ntp()).toBe('true');
    expect((await client.call('DisableRuleset', firewall, '<id>ntpClient</id>')).status).toBe(200);
    expect(await ntp()).toBe('false');
    expect(await failure(client, 'EnableRuleset', firewall, '<id>nope</id>')).toBe('NotFound');
    const limited = await client.call(
      'UpdateRuleset',
      firewall,
      '<id>sshServer</id><spec><allowedHosts><ipAddress>10.0.0.5</ipAddress>' +
        '<ipNetwork><network>192.168.0.0</network><prefixLength>16</prefixLength></ipNetwork>' +
        '<allIp>false</allIp></allowedHosts></spec>',
    );
    expect(limited.status).toBe(200);
    expect(await client.retrieve(firewall, 'firewallInfo')).toContain(
      '<allowedHosts><ipAddress>10.0.0.5</ipAddress><ipNetwork><network>192.168.0.0</network>' +
        '<prefixLength>16</prefixLength></ipNetwork><allIp>false</allIp></allowedHosts>',
    );
    const bad = '<allowedHosts><ipAddress>10.0.0.300</ipAddress><allIp>false</allIp></allowedHosts>';
    expect(await failure(client, 'UpdateRuleset', firewall, `<id>sshServer</id><spec>${bad}</spec>`)).toBe(
      'InvalidArgument',
    );
    const policy = await client.call(
      'UpdateDefaultPolicy',
      firewall,
      '<defaultPolicy><outgoingBlocked>false</outgoingBlocked></defaultPolicy>',
    );
    expect(policy.status).toBe(200);
    expect(await client.retrieve(firewall, 'firewallInfo')).toContain(
      '<defaultPolicy><incomingBlocked>true</incomingBlocked><outgoingBlocked>false</outgoingBlocked></defaultPolicy>',
    );
    expect((await client.call('RefreshFirewall', firewall)).status).toBe(200);
  });
});
