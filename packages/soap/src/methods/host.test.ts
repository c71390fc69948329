/** HostSystem maintenance and connection methods over the wire. */
import type { HostRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

/** Host DC0_H0 and the VMs on it. */
const hostOf = (client: ReturnType<typeof soapClient>) => {
  const vm = client.vsphere.store.get('vm-20') as { host: string };
  const host = client.vsphere.store.get(vm.host) as HostRecord;
  const vms = [...client.vsphere.store.referrers('vm', host.id)].map((id) => ref('VirtualMachine', id));
  return { host: ref('HostSystem', host.id), vms };
};

describe('host methods', () => {
  it('enters maintenance mode once no VM on the host runs, and exits it', async () => {
    const client = soapClient();
    const { host, vms } = hostOf(client);
    const refused = await client.task('EnterMaintenanceMode_Task', host, '<timeout>0</timeout>');
    expect(refused.fault).toBe('InvalidState');
    for (const vm of vms) await client.task('PowerOffVM_Task', vm);
    const enter = await client.task(
      'EnterMaintenanceMode_Task',
      host,
      '<timeout>0</timeout><evacuatePoweredOffVms>false</evacuatePoweredOffVms>',
    );
    expect(enter.fault).toBeUndefined();
    expect(await client.retrieve(host, 'runtime.inMaintenanceMode')).toContain(
      '<val xsi:type="xsd:boolean">true</val>',
    );
    expect((await client.task('PowerOnVM_Task', vms[0] ?? host)).fault).toBe('InvalidState');
    const info = await client.retrieve(ref('Task', enter.id), 'info.descriptionId');
    expect(info).toContain('HostSystem.enterMaintenanceMode');
    expect(
      (await client.task('ExitMaintenanceMode_Task', host, '<timeout>0</timeout>')).fault,
    ).toBeUndefined();
    expect(client.vsphere.read(host, 'runtime.inMaintenanceMode')).toBe(false);
    expect((await client.task('ExitMaintenanceMode_Task', host, '<timeout>0</timeout>')).fault).toBe(
      'InvalidState',
    );
  });

  it('disconnects and reconnects a host; its VMs follow', async () => {
    const client = soapClient();
    const { host, vms } = hostOf(client);
    expect((await client.task('DisconnectHost_Task', host)).fault).toBeUndefined();
    expect(await client.retrieve(host, 'runtime.connectionState')).toContain(
      '<val xsi:type="HostSystemConnectionState">disconnected</val>',
    );
    expect(await client.retrieve(vms[0] ?? host, 'runtime.connectionState')).toContain(
      '<val xsi:type="VirtualMachineConnectionState">disconnected</val>',
    );
    const reconnect = await client.task(
      'ReconnectHost_Task',
      host,
      '<cnxSpec><force>false</force></cnxSpec><reconnectSpec><syncState>true</syncState></reconnectSpec>',
    );
    expect(reconnect.fault).toBeUndefined();
    expect(client.vsphere.read(vms[0] ?? host, 'runtime.connectionState')).toBe('connected');
    const events = await client.call(
      'QueryEvents',
      ref('EventManager', 'EventManager'),
      `<filter><entity><entity type="HostSystem">${host.value}</entity><recursion>self</recursion></entity></filter>`,
    );
    expect(events.body).toContain('<returnval xsi:type="HostDisconnectedEvent">');
    expect(events.body).toContain('<reason>userRequest</reason>');
    expect(events.body).toContain('<returnval xsi:type="HostConnectedEvent">');
  });

  it('names vmk0 as the management NIC in config.virtualNicManagerInfo, with the host address', async () => {
    const client = soapClient();
    const { host } = hostOf(client);
    const body = await client.retrieve(host, 'config.virtualNicManagerInfo.netConfig');
    const ip = (client.vsphere.store.get(host.value) as HostRecord).ip;
    expect(body).toContain('<nicType>management</nicType>');
    expect(body).toContain(`<ipAddress>${ip}</ipAddress>`);
    expect(body).toContain('<selectedVnic>management.key-vim.host.VirtualNic-vmk0</selectedVnic>');
  });

  it('answers MethodNotFound for a host method called on a VM', async () => {
    const client = soapClient();
    const res = await client.call('DisconnectHost_Task', ref('VirtualMachine', 'vm-20'));
    expect(client.faultOf(res.body)).toBe('MethodNotFound');
  });
});
