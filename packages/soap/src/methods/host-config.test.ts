/** A host's configManager over the wire: the references to its managers and their methods. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const HOST = ref('HostSystem', 'host-16');

const managerOf = async (client: ReturnType<typeof soapClient>, type: string) => {
  const body = await client.retrieve(HOST, 'configManager');
  const value = new RegExp(`type="${type}">([^<]+)<`).exec(body)?.[1];
  if (!value) throw new Error(`no ${type} in ${body}`);
  return ref(type, value);
};

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
});
