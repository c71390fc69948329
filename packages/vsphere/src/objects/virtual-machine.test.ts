import { describe, expect, it } from 'vitest';
import type { VirtualClock } from '../core/clock.js';
import type { DatastoreRecord, HostRecord, VmRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import { createFixture, GIB } from '../testing/fixture.js';
import type { VSphere } from '../vsphere.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  return {
    ...fixture,
    vm: fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0'),
    get: (id: string) => vsphere.store.get(id) as VmRecord,
    eventTypes: () => vsphere.events.list().map((e) => e._type),
    lastEvents: (n: number) => vsphere.events.list().slice(-n),
  };
};

/** A running VM whose guest has no tools running, as a freshly installed OS reports. */
const withoutTools = (vsphere: VSphere, id: string) =>
  vsphere.store.transact((tx) => {
    const vm = tx.get(id) as VmRecord;
    putVm(tx, { ...vm, guest: { ...vm.guest, toolsRunningStatus: 'guestToolsNotRunning' } });
  });

const powerFault = (requestedState: string | undefined, existingState: string) => ({
  fault: { _type: 'InvalidPowerState', requestedState, existingState },
});

describe('power operations', () => {
  it("takes as long as taskDurations says, on the simulator's clock", async () => {
    const { vsphere, vm, get, taskInfo } = setup();
    vsphere.taskDurations = { PowerOffVM_Task: 2000 };
    const off = vsphere.vm.powerOff(vm.id);
    expect(taskInfo(off).state).toBe('queued');
    const started = vsphere.clock.now();
    vsphere.scheduler.runDue();
    expect(taskInfo(off)).toMatchObject({ state: 'running', startTime: started });
    vsphere.scheduler.advanceTo(vsphere.clock as VirtualClock, started + 1999);
    expect(get(vm.id).powerState).toBe('poweredOn');
    vsphere.scheduler.advanceTo(vsphere.clock as VirtualClock, started + 2000);
    await off.wait();
    expect(get(vm.id).powerState).toBe('poweredOff');
    expect(taskInfo(off)).toMatchObject({
      state: 'success',
      startTime: started,
      completeTime: started + 2000,
    });
  });

  it("reports a booted guest's addresses after guestAddressDelayMs, unless it went off or booted again", async () => {
    const { vsphere, vm, run, get } = setup();
    vsphere.guestAddressDelayMs = 5000;
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.powerOn(vm.id));
    expect(get(vm.id).guest.toolsRunningStatus).toBe('guestToolsRunning');
    expect(get(vm.id).guest.ipAddress).toBeUndefined();
    expect(get(vm.id).guest.net.map((n) => n.ipAddress)).toEqual([[]]);
    vsphere.scheduler.advanceTo(vsphere.clock as VirtualClock, vsphere.clock.now() + 4999);
    expect(get(vm.id).guest.ipAddress).toBeUndefined();
    // A reset boots again: the address comes 5 s after the new boot, not the old one.
    await run(vsphere.vm.reset(vm.id));
    vsphere.scheduler.advanceTo(vsphere.clock as VirtualClock, vsphere.clock.now() + 1);
    expect(get(vm.id).guest.ipAddress).toBeUndefined();
    vsphere.scheduler.advanceTo(vsphere.clock as VirtualClock, vsphere.clock.now() + 5000);
    expect(get(vm.id).guest.ipAddress).toBe(vm.guest.ipAddress);
    expect(get(vm.id).guest.net[0]?.ipAddress).toEqual([vm.guest.ipAddress]);
    // Powered off before the guest reports: it never does.
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.powerOn(vm.id));
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.scheduler.advanceTo(vsphere.clock as VirtualClock, vsphere.clock.now() + 10_000);
    expect(get(vm.id).guest.ipAddress).toBeUndefined();
  });

  it('powers a VM off and on again through tasks', async () => {
    const { vsphere, vm, taskInfo } = setup();
    expect(vm.powerState).toBe('poweredOn');
    const off = vsphere.vm.powerOff(vm.id);
    expect(taskInfo(off).state).toBe('queued');
    vsphere.scheduler.runDue();
    await off.wait();
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOff');
    expect((vsphere.store.get(vm.id) as VmRecord).guest.ipAddress).toBeUndefined();
    const on = vsphere.vm.powerOn(vm.id);
    vsphere.scheduler.runDue();
    await on.wait();
    const now = vsphere.store.get(vm.id) as VmRecord;
    expect(now.powerState).toBe('poweredOn');
    expect(now.guest.ipAddress).toBe(vm.guest.ipAddress);
  });

  it('connects file-backed CD-ROMs and serial ports that start connected as the VM powers on, and disconnects them as it stops', async () => {
    const { vsphere, vm, get, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const iso = (fileName: string, startConnected: boolean) => ({
      operation: 'add' as const,
      device: {
        _type: 'VirtualCdrom',
        key: -1,
        backing: { _type: 'VirtualCdromIsoBackingInfo', fileName },
        connectable: { startConnected, connected: false, allowGuestControl: true },
      },
    });
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [iso('[LocalDS_0] a.iso', true)] }));
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [iso('[LocalDS_0] b.iso', false)] }));
    const serial = {
      _type: 'VirtualSerialPort',
      key: -2,
      yieldOnPoll: true,
      backing: { _type: 'VirtualSerialPortFileBackingInfo', fileName: '[LocalDS_0] console.log' },
      connectable: { startConnected: true, connected: false, allowGuestControl: false },
    };
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'add', device: serial }] }));
    const serialConnected = () => {
      const port = get(vm.id).config.devices.find((d) => d._type === 'VirtualSerialPort');
      return (port?.connectable as { connected?: boolean } | undefined)?.connected;
    };
    const connected = () =>
      get(vm.id)
        .config.devices.filter((d) => d._type === 'VirtualCdrom')
        .map((d) => [
          (d.backing as { fileName?: string }).fileName,
          (d.connectable as { connected: boolean }).connected,
        ]);
    await run(vsphere.vm.powerOn(vm.id));
    // The VM's remote CD-ROM, which needs a client, stays as it was.
    expect(connected()).toEqual([
      [undefined, false],
      ['[LocalDS_0] a.iso', true],
      ['[LocalDS_0] b.iso', false],
    ]);
    expect(serialConnected()).toBe(true);
    await run(vsphere.vm.powerOff(vm.id));
    expect(connected().map(([, on]) => on)).toEqual([false, false, false]);
    expect(serialConnected()).toBe(false);
  });

  it('ends a power-on of a running VM in InvalidPowerState', async () => {
    const { vsphere, vm, taskInfo } = setup();
    const task = vsphere.vm.powerOn(vm.id);
    vsphere.scheduler.runDue();
    await expect(task.wait()).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState', requestedState: 'poweredOn', existingState: 'poweredOn' },
    });
    expect(taskInfo(task).error?._type).toBe('InvalidPowerState');
  });

  it('lets the first of two queued power-ons win and fails the second', async () => {
    const { vsphere, vm, get, run, eventTypes } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const first = vsphere.vm.powerOn(vm.id);
    const second = vsphere.vm.powerOn(vm.id);
    vsphere.scheduler.runDue();
    await first.wait();
    await expect(second.wait()).rejects.toMatchObject(powerFault('poweredOn', 'poweredOn'));
    expect(get(vm.id).powerState).toBe('poweredOn');
    expect(eventTypes().filter((t) => t === 'VmPoweredOnEvent')).toHaveLength(1);
  });

  it('words power events as vCenter does', async () => {
    const { vsphere, vm, run, lastEvents } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    expect(lastEvents(2).map((e) => e.fullFormattedMessage)).toEqual([
      'DC0_H0_VM0 on host DC0_H0 in DC0 is stopping',
      'DC0_H0_VM0 on DC0_H0 in DC0 is powered off',
    ]);
    expect(lastEvents(1)[0]).toMatchObject({ vm: { name: 'DC0_H0_VM0' }, host: { name: 'DC0_H0' } });
  });

  it('suspends a running VM, and a power-on resumes it with its boot time', async () => {
    const { vsphere, vm, get, run, later, lastEvents } = setup();
    later(5000);
    await run(vsphere.vm.suspend(vm.id));
    expect(get(vm.id)).toMatchObject({ powerState: 'suspended', bootTime: vm.bootTime });
    expect(get(vm.id).guest.toolsRunningStatus).toBe('guestToolsNotRunning');
    expect(lastEvents(2).map((e) => e._type)).toEqual(['VmSuspendingEvent', 'VmSuspendedEvent']);
    await run(vsphere.vm.powerOn(vm.id));
    expect(get(vm.id)).toMatchObject({ powerState: 'poweredOn', bootTime: vm.bootTime });
    expect(get(vm.id).guest.ipAddress).toBe(vm.guest.ipAddress);
    expect(lastEvents(2).map((e) => e._type)).toEqual(['VmResumingEvent', 'VmPoweredOnEvent']);
  });

  it('refuses to suspend a suspended or powered-off VM', async () => {
    const { vsphere, vm, run } = setup();
    await run(vsphere.vm.suspend(vm.id));
    await expect(run(vsphere.vm.suspend(vm.id))).rejects.toMatchObject(powerFault('suspended', 'suspended'));
    await run(vsphere.vm.powerOff(vm.id));
    await expect(run(vsphere.vm.suspend(vm.id))).rejects.toMatchObject(powerFault('poweredOn', 'poweredOff'));
  });

  it('resets a running VM with a new boot time and refuses one that is off or suspended', async () => {
    const { vsphere, vm, get, run, later, lastEvents } = setup();
    later(60_000);
    await run(vsphere.vm.reset(vm.id));
    expect(get(vm.id).powerState).toBe('poweredOn');
    expect(get(vm.id).bootTime).toBe(vsphere.clock.now());
    expect(get(vm.id).bootTime).not.toBe(vm.bootTime);
    expect(lastEvents(1)[0]).toMatchObject({
      _type: 'VmResettingEvent',
      fullFormattedMessage: 'DC0_H0_VM0 on DC0_H0 in DC0 is reset',
    });
    await run(vsphere.vm.suspend(vm.id));
    await expect(run(vsphere.vm.reset(vm.id))).rejects.toMatchObject(powerFault('poweredOn', 'suspended'));
    await run(vsphere.vm.powerOff(vm.id));
    await expect(run(vsphere.vm.reset(vm.id))).rejects.toMatchObject(powerFault('poweredOff', 'poweredOff'));
  });

  it('refuses power changes while the host is disconnected (InvalidHostConnectionState), and allows them after reconnect', async () => {
    const { vsphere, vm, get, run, at, eventTypes } = setup();
    const host = at<HostRecord>('/DC0/host/DC0_H0/DC0_H0').id;
    const seen = eventTypes().length;
    await run(vsphere.host.disconnect(host));
    const invalidState = {
      fault: { _type: 'InvalidHostConnectionState', host: { type: 'HostSystem', value: host } },
    };
    await expect(run(vsphere.vm.powerOff(vm.id))).rejects.toMatchObject(invalidState);
    await expect(run(vsphere.vm.suspend(vm.id))).rejects.toMatchObject(invalidState);
    await expect(run(vsphere.vm.reset(vm.id))).rejects.toMatchObject(invalidState);
    expect(get(vm.id).powerState).toBe('poweredOn');
    expect(eventTypes().slice(seen)).toEqual(['HostDisconnectedEvent']);
    await run(vsphere.host.reconnect(host));
    await run(vsphere.vm.powerOff(vm.id));
    expect(get(vm.id).powerState).toBe('poweredOff');
  });
});

describe('console tickets', () => {
  it("gives a running VM's console ticket on its host, a new one each time; refuses a VM off or an odd type", async () => {
    const { vsphere, vm, run, lastEvents } = setup();
    const ticket = vsphere.vm.acquireTicket(vm.id, 'webmks');
    expect(ticket).toEqual({
      _type: 'VirtualMachineTicket',
      ticket: expect.stringMatching(/^[0-9A-Za-z_-]{32}$/),
      cfgFile: vm.config.vmPathName,
      host: 'DC0_H0',
      port: 443,
    });
    expect(vsphere.vm.acquireTicket(vm.id, 'mks').ticket).not.toBe(ticket.ticket);
    expect(lastEvents(1).map((e) => [e._type, e.ticketType, e.fullFormattedMessage])).toEqual([
      [
        'VmAcquiredTicketEvent',
        'mks',
        'A ticket for DC0_H0_VM0 of type mks on DC0_H0 in DC0 has been acquired',
      ],
    ]);
    expect(() => vsphere.vm.acquireTicket(vm.id, 'console')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'ticketType' } }),
    );
    await run(vsphere.vm.powerOff(vm.id));
    expect(() => vsphere.vm.acquireTicket(vm.id, 'webmks')).toThrow(
      expect.objectContaining(powerFault('poweredOn', 'poweredOff')),
    );
  });
});

describe('virtual hardware upgrade', () => {
  it('raises a powered-off VM to the version asked, or to the latest, with its events', async () => {
    const { vsphere, vm, get, run, lastEvents } = setup();
    await expect(run(vsphere.vm.upgrade(vm.id, 'vmx-19'))).rejects.toMatchObject(
      powerFault('poweredOff', 'poweredOn'),
    );
    await run(vsphere.vm.powerOff(vm.id));
    const before = get(vm.id).config.changeVersion;
    await run(vsphere.vm.upgrade(vm.id, 'vmx-19'));
    expect(get(vm.id).config).toMatchObject({ version: 'vmx-19' });
    expect(get(vm.id).config.changeVersion).not.toBe(before);
    expect(lastEvents(2).map((e) => [e._type, e.version])).toEqual([
      ['VmUpgradingEvent', 'vmx-19'],
      ['VmUpgradeCompleteEvent', 'vmx-19'],
    ]);
    await expect(run(vsphere.vm.upgrade(vm.id, 'vmx-17'))).rejects.toMatchObject({ name: 'AlreadyUpgraded' });
    await run(vsphere.vm.upgrade(vm.id));
    expect(get(vm.id).config.version).toBe('vmx-21');
    for (const version of ['nineteen', 'vmx-22'])
      expect(() => vsphere.vm.upgrade(vm.id, version), version).toThrow(
        expect.objectContaining({
          fault: { _type: 'NotSupported' },
          message: `The hardware version '${version}' is not supported.`,
        }),
      );
  });
});

describe('guest operations', () => {
  it('shuts the guest down after the call returns: shutdown event, then powered off', () => {
    const { vsphere, vm, get, lastEvents } = setup();
    expect(vsphere.vm.shutdownGuest(vm.id)).toBeUndefined();
    expect(get(vm.id).powerState).toBe('poweredOn');
    vsphere.scheduler.runDue();
    expect(get(vm.id).powerState).toBe('poweredOff');
    expect(get(vm.id).bootTime).toBeUndefined();
    expect(lastEvents(2).map((e) => [e._type, e.fullFormattedMessage])).toEqual([
      ['VmGuestShutdownEvent', 'Guest OS shut down for DC0_H0_VM0 on DC0_H0 in DC0'],
      ['VmPoweredOffEvent', 'DC0_H0_VM0 on DC0_H0 in DC0 is powered off'],
    ]);
  });

  it('refuses a guest shutdown of a VM that is off or has no tools running', async () => {
    const { vsphere, vm, at, get, run } = setup();
    withoutTools(vsphere, vm.id);
    expect(() => vsphere.vm.shutdownGuest(vm.id)).toThrow(
      expect.objectContaining({ name: 'ToolsUnavailable' }),
    );
    expect(get(vm.id).powerState).toBe('poweredOn');
    const other = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    await run(vsphere.vm.powerOff(other.id));
    expect(() => vsphere.vm.shutdownGuest(other.id)).toThrow(
      expect.objectContaining(powerFault('poweredOn', 'poweredOff')),
    );
  });

  it('puts the guest on standby after the call returns: standby event, then suspended', async () => {
    const { vsphere, vm, get, run, lastEvents } = setup();
    expect(vsphere.vm.standbyGuest(vm.id)).toBeUndefined();
    expect(get(vm.id).powerState).toBe('poweredOn');
    vsphere.scheduler.runDue();
    expect(get(vm.id)).toMatchObject({
      powerState: 'suspended',
      guest: { toolsRunningStatus: 'guestToolsNotRunning' },
    });
    expect(lastEvents(2).map((e) => [e._type, e.fullFormattedMessage])).toEqual([
      ['VmGuestStandbyEvent', 'Guest OS standby for DC0_H0_VM0 on DC0_H0 in DC0'],
      ['VmSuspendedEvent', 'DC0_H0_VM0 on DC0_H0 in DC0 is suspended'],
    ]);
    // A suspended guest is not asked again; a powered-on one without tools cannot be.
    expect(() => vsphere.vm.standbyGuest(vm.id)).toThrow(
      expect.objectContaining(powerFault('poweredOn', 'suspended')),
    );
    await run(vsphere.vm.powerOn(vm.id));
    withoutTools(vsphere, vm.id);
    expect(() => vsphere.vm.standbyGuest(vm.id)).toThrow(
      expect.objectContaining({ name: 'ToolsUnavailable' }),
    );
    expect(get(vm.id).powerState).toBe('poweredOn');
  });

  it('reboots the guest: still on, with a new boot time', async () => {
    const { vsphere, vm, get, run, later, lastEvents } = setup();
    later(1000);
    vsphere.vm.rebootGuest(vm.id);
    expect(get(vm.id)).toMatchObject({ powerState: 'poweredOn', bootTime: vsphere.clock.now() });
    expect(lastEvents(1)[0]?.fullFormattedMessage).toBe('Guest OS reboot for DC0_H0_VM0 on DC0_H0 in DC0');
    await run(vsphere.vm.powerOff(vm.id));
    expect(() => vsphere.vm.rebootGuest(vm.id)).toThrow(
      expect.objectContaining(powerFault('poweredOn', 'poweredOff')),
    );
  });

  it('refuses a guest reboot without tools', () => {
    const { vsphere, vm, get } = setup();
    withoutTools(vsphere, vm.id);
    expect(() => vsphere.vm.rebootGuest(vm.id)).toThrow(
      expect.objectContaining({ name: 'ToolsUnavailable' }),
    );
    expect(get(vm.id).bootTime).toBe(vm.bootTime);
  });

  it('pins a guest address: reported at once while running, and after a power cycle', async () => {
    const { vsphere, vm, get, run } = setup();
    vsphere.vm.setGuestIp(vm.id, '192.168.10.20');
    expect(get(vm.id).guest.ipAddress).toBe('192.168.10.20');
    expect(get(vm.id).guest.net[0]?.ipAddress).toEqual(['192.168.10.20']);
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.powerOn(vm.id));
    expect(get(vm.id).guest.ipAddress).toBe('192.168.10.20');
    expect(() => vsphere.vm.setGuestIp(vm.id, '10.0.0.9', 3)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'nicIndex' } }),
    );
  });

  it('sets the host name the guest reports, now and from every later boot', async () => {
    const { vsphere, vm, at, get, run } = setup();
    vsphere.vm.setGuest(vm.id, { hostName: 'web-1' });
    expect(get(vm.id).guest.hostName).toBe('web-1');
    await run(vsphere.vm.reset(vm.id));
    expect(get(vm.id).guest.hostName).toBe('web-1');
    const off = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    await run(vsphere.vm.powerOff(off.id));
    vsphere.vm.setGuest(off.id, { hostName: 'db-1' });
    expect(get(off.id).guest.hostName).toBeUndefined();
    await run(vsphere.vm.powerOn(off.id));
    expect(get(off.id).guest.hostName).toBe('db-1');
  });

  it('passes guest calls through the interception point', () => {
    const { vsphere, vm, get } = setup();
    vsphere.interceptor.add({ method: 'ShutdownGuest', times: 1, fault: { _type: 'TaskInProgress' } });
    expect(() => vsphere.vm.shutdownGuest(vm.id)).toThrow(
      expect.objectContaining({ name: 'TaskInProgress' }),
    );
    vsphere.scheduler.runDue();
    expect(get(vm.id).powerState).toBe('poweredOn');
  });
});

describe('Destroy_Task and UnregisterVM', () => {
  it('destroys a powered-off VM: gone from its host, pool and datastore, disks freed', async () => {
    const { vsphere, vm, get, run, lastEvents, taskInfo, used } = setup();
    const ds = vsphere.store.get(vm.homeDatastore) as DatastoreRecord;
    await run(vsphere.vm.powerOff(vm.id));
    const task = vsphere.vm.destroy(vm.id);
    expect(taskInfo(task).descriptionId).toBe('VirtualMachine.destroy');
    await run(task);
    expect(vsphere.store.get(vm.id)).toBeUndefined();
    for (const id of [vm.host, vm.pool, ds.id, vm.parent] as string[]) {
      expect(vsphere.store.referrers(id === vm.parent ? 'childEntity' : 'vm', id).has(vm.id)).toBe(false);
    }
    expect(used(ds.id)).toBe(ds.used - 10 * GIB);
    expect(lastEvents(1)[0]).toMatchObject({
      _type: 'VmRemovedEvent',
      fullFormattedMessage: 'Removed DC0_H0_VM0 on DC0_H0 from DC0',
      vm: { name: 'DC0_H0_VM0' },
      datacenter: { name: 'DC0' },
    });
    expect(() => get(vm.id).name).toThrow();
  });

  it('ends the destroy of a running VM in InvalidPowerState and keeps it', async () => {
    const { vsphere, vm, get, run } = setup();
    await expect(run(vsphere.vm.destroy(vm.id))).rejects.toMatchObject(powerFault('poweredOff', 'poweredOn'));
    expect(get(vm.id).powerState).toBe('poweredOn');
  });

  it('unregisters a suspended VM but refuses a running one', async () => {
    const { vsphere, vm, at, run, lastEvent } = setup();
    expect(() => vsphere.vm.unregister(vm.id)).toThrow(
      expect.objectContaining(powerFault('poweredOff', 'poweredOn')),
    );
    await run(vsphere.vm.suspend(vm.id));
    vsphere.vm.unregister(vm.id);
    expect(vsphere.store.get(vm.id)).toBeUndefined();
    expect(vsphere.store.referrers('vm', at<HostRecord>('/DC0/host/DC0_H0/DC0_H0').id).has(vm.id)).toBe(
      false,
    );
    expect(lastEvent()?._type).toBe('VmRemovedEvent');
  });
});

describe('templates', () => {
  it('marks a powered-off VM as a template: no pool, cannot power on', async () => {
    const { vsphere, vm, get, run } = setup();
    expect(() => vsphere.vm.markAsTemplate(vm.id)).toThrow(
      expect.objectContaining(powerFault('poweredOff', 'poweredOn')),
    );
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.vm.markAsTemplate(vm.id);
    expect(get(vm.id).config.template).toBe(true);
    expect(get(vm.id).pool).toBeUndefined();
    expect(vsphere.store.referrers('vm', vm.pool as string).has(vm.id)).toBe(false);
    expect(vsphere.store.referrers('vm', vm.host as string).has(vm.id)).toBe(true);
    expect(() => vsphere.vm.markAsTemplate(vm.id)).toThrow(expect.objectContaining({ name: 'NotSupported' }));
    expect(() => vsphere.vm.powerOn(vm.id)).toThrow(expect.objectContaining({ name: 'InvalidState' }));
  });

  it('turns a template back into a VM in a pool, checking pool and host', async () => {
    const { vsphere, vm, at, get, run } = setup();
    expect(() => vsphere.vm.markAsVirtualMachine(vm.id, vm.pool as string)).toThrow(
      expect.objectContaining({ name: 'NotSupported' }),
    );
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.vm.markAsTemplate(vm.id);
    const clusterHost = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    expect(() => vsphere.vm.markAsVirtualMachine(vm.id, vm.host as string)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'pool' } }),
    );
    expect(() => vsphere.vm.markAsVirtualMachine(vm.id, vm.pool as string, clusterHost.id)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'host' } }),
    );
    expect(get(vm.id).config.template).toBe(true);
    vsphere.vm.markAsVirtualMachine(vm.id, vm.pool as string);
    expect(get(vm.id)).toMatchObject({ pool: vm.pool, host: vm.host, config: { template: false } });
    expect(vsphere.store.referrers('vm', vm.pool as string).has(vm.id)).toBe(true);
  });
});

describe('the interception point', () => {
  it('makes one operation fail with a chosen fault and leaves the VM as it was', async () => {
    const { vsphere, vm } = setup();
    vsphere.interceptor.add({
      method: 'PowerOffVM_Task',
      target: vm.id,
      times: 1,
      fault: { _type: 'InsufficientResourcesFault' },
    });
    const failed = vsphere.vm.powerOff(vm.id);
    vsphere.scheduler.runDue();
    await expect(failed.wait()).rejects.toMatchObject({ fault: { _type: 'InsufficientResourcesFault' } });
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOn');
    const retried = vsphere.vm.powerOff(vm.id);
    vsphere.scheduler.runDue();
    await retried.wait();
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOff');
  });
});
