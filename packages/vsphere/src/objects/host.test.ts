import { describe, expect, it } from 'vitest';
import type { HostRecord, VmRecord } from '../inventory/records.js';
import { createFixture } from '../testing/fixture.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  const host = fixture.at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
  const vms = ['DC0_H0_VM0', 'DC0_H0_VM1'].map((name) => fixture.at<VmRecord>(`/DC0/vm/${name}`));
  return {
    ...fixture,
    host,
    vms,
    getHost: () => vsphere.store.get(host.id) as HostRecord,
    getVm: (id: string) => vsphere.store.get(id) as VmRecord,
    powerOffAll: async () => {
      for (const vm of vms) await fixture.run(vsphere.vm.powerOff(vm.id));
    },
    eventsSince: (n: number) => vsphere.events.list().slice(n),
  };
};

describe('EnterMaintenanceMode_Task and ExitMaintenanceMode_Task', () => {
  it('enters and exits maintenance mode, with vCenter events and task descriptions', async () => {
    const { vsphere, host, run, getHost, powerOffAll, eventsSince, taskInfo } = setup();
    await powerOffAll();
    const seen = vsphere.events.list().length;
    const enter = vsphere.host.enterMaintenanceMode(host.id, 0);
    expect(taskInfo(enter)).toMatchObject({
      name: 'EnterMaintenanceMode_Task',
      descriptionId: 'HostSystem.enterMaintenanceMode',
      entity: host.id,
      entityType: 'HostSystem',
    });
    await run(enter);
    expect(getHost().inMaintenanceMode).toBe(true);
    expect(vsphere.read(host.id, 'runtime.inMaintenanceMode')).toBe(true);
    expect(vsphere.read(host.id, 'summary.runtime.inMaintenanceMode')).toBe(true);
    const exit = vsphere.host.exitMaintenanceMode(host.id, 0);
    expect(taskInfo(exit).descriptionId).toBe('HostSystem.exitMaintenanceMode');
    await run(exit);
    expect(getHost().inMaintenanceMode).toBe(false);
    expect(eventsSince(seen).map((e) => [e._type, e.fullFormattedMessage])).toEqual([
      ['EnteringMaintenanceModeEvent', 'Host DC0_H0 in DC0 is entering maintenance mode'],
      ['EnteredMaintenanceModeEvent', 'Host DC0_H0 in DC0 has entered maintenance mode'],
      ['ExitMaintenanceModeEvent', 'Host DC0_H0 in DC0 has exited maintenance mode'],
    ]);
    expect(eventsSince(seen)[0]).toMatchObject({
      host: { name: 'DC0_H0', host: { type: 'HostSystem', value: host.id } },
      datacenter: { name: 'DC0' },
      computeResource: { name: 'DC0_H0' },
    });
  });

  it('fails at once with InvalidState while a VM on the host is powered on; a suspended one may stay', async () => {
    const { vsphere, host, vms, run, getHost } = setup();
    await expect(run(vsphere.host.enterMaintenanceMode(host.id))).rejects.toMatchObject({
      fault: { _type: 'InvalidState' },
      message: expect.stringContaining('DC0_H0_VM0, DC0_H0_VM1'),
    });
    expect(getHost().inMaintenanceMode).toBe(false);
    await run(vsphere.vm.powerOff((vms[0] as VmRecord).id));
    await run(vsphere.vm.suspend((vms[1] as VmRecord).id));
    await run(vsphere.host.enterMaintenanceMode(host.id));
    expect(getHost().inMaintenanceMode).toBe(true);
  });

  it('refuses to enter twice or to exit when not in maintenance (InvalidState)', async () => {
    const { vsphere, host, run, powerOffAll } = setup();
    await expect(run(vsphere.host.exitMaintenanceMode(host.id))).rejects.toMatchObject({
      fault: { _type: 'InvalidState' },
    });
    await powerOffAll();
    await run(vsphere.host.enterMaintenanceMode(host.id));
    await expect(run(vsphere.host.enterMaintenanceMode(host.id))).rejects.toMatchObject({
      fault: { _type: 'InvalidState' },
    });
  });

  it('keeps VMs from powering on there while in maintenance, and lets them once it exits', async () => {
    const { vsphere, host, vms, run, powerOffAll, getVm } = setup();
    const vm = vms[0] as VmRecord;
    await powerOffAll();
    await run(vsphere.host.enterMaintenanceMode(host.id));
    await expect(run(vsphere.vm.powerOn(vm.id))).rejects.toMatchObject({ fault: { _type: 'InvalidState' } });
    await run(vsphere.host.exitMaintenanceMode(host.id));
    await run(vsphere.vm.powerOn(vm.id));
    expect(getVm(vm.id).powerState).toBe('poweredOn');
  });

  it('counts a cluster host in maintenance out of the cluster summary', async () => {
    const { vsphere, at, run } = setup();
    const clusterHost = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    const cluster = clusterHost.parent as string;
    for (const id of vsphere.store.referrers('vm', clusterHost.id)) await run(vsphere.vm.powerOff(id));
    const before = vsphere.read<number>(cluster, 'summary.numEffectiveHosts');
    await run(vsphere.host.enterMaintenanceMode(clusterHost.id));
    expect(vsphere.read(cluster, 'summary.numEffectiveHosts')).toBe(before - 1);
  });

  it('answers ManagedObjectNotFound at once for something that is not a host', () => {
    const { vsphere, vms } = setup();
    expect(() => vsphere.host.enterMaintenanceMode((vms[0] as VmRecord).id)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });
});

describe('DisconnectHost_Task and ReconnectHost_Task', () => {
  it('disconnects a host and its VMs, and reconnects them, with vCenter events', async () => {
    const { vsphere, host, vms, run, getHost, getVm, eventsSince, taskInfo } = setup();
    const seen = vsphere.events.list().length;
    const task = vsphere.host.disconnect(host.id);
    expect(taskInfo(task).descriptionId).toBe('HostSystem.disconnect');
    await run(task);
    expect(getHost()).toMatchObject({ connectionState: 'disconnected', powerState: 'unknown' });
    expect(vsphere.read(host.id, 'runtime.connectionState')).toBe('disconnected');
    for (const vm of vms) {
      expect(getVm(vm.id).connectionState).toBe('disconnected');
      expect(vsphere.read(vm.id, 'runtime.connectionState')).toBe('disconnected');
      expect(getVm(vm.id).powerState).toBe(vm.powerState);
    }
    const reconnect = vsphere.host.reconnect(host.id);
    expect(taskInfo(reconnect).descriptionId).toBe('HostSystem.reconnect');
    await run(reconnect);
    expect(getHost()).toMatchObject({ connectionState: 'connected', powerState: 'poweredOn' });
    for (const vm of vms) expect(getVm(vm.id).connectionState).toBe('connected');
    expect(eventsSince(seen)).toMatchObject([
      {
        _type: 'HostDisconnectedEvent',
        reason: 'userRequest',
        fullFormattedMessage: 'Disconnected from DC0_H0 in DC0. Reason: The host was disconnected by a user',
      },
      { _type: 'HostConnectedEvent', fullFormattedMessage: 'Connected to DC0_H0 in DC0' },
    ]);
  });

  it('leaves a disconnected host as it is on a second disconnect, without an event', async () => {
    const { vsphere, host, run } = setup();
    await run(vsphere.host.disconnect(host.id));
    const seen = vsphere.events.list().length;
    const version = vsphere.store.version;
    await run(vsphere.host.disconnect(host.id));
    expect(vsphere.events.list().length).toBe(seen);
    // Only the task record changed.
    const changed = vsphere.store.changesSince(version)?.flatMap((b) => b.changes.map((c) => c.id)) ?? [];
    expect(changed.every((id) => id.startsWith('task-'))).toBe(true);
  });

  it('refuses maintenance mode on a disconnected host (InvalidState)', async () => {
    const { vsphere, host, run, powerOffAll } = setup();
    await powerOffAll();
    await run(vsphere.host.disconnect(host.id));
    await expect(run(vsphere.host.enterMaintenanceMode(host.id))).rejects.toMatchObject({
      fault: { _type: 'InvalidState' },
    });
  });

  it('passes the interception point: an injected fault fails the task and changes nothing', async () => {
    const { vsphere, host, run, getHost } = setup();
    vsphere.interceptor.add({ method: 'DisconnectHost_Task', times: 1, fault: { _type: 'HostConfigFault' } });
    await expect(run(vsphere.host.disconnect(host.id))).rejects.toMatchObject({
      fault: { _type: 'HostConfigFault' },
    });
    expect(getHost().connectionState).toBe('connected');
  });
});
