import { describe, expect, it } from 'vitest';
import type { DatacenterRecord, VmRecord } from '../inventory/records.js';
import { createFixture } from '../testing/fixture.js';
import { type CustomizationSpec, customizationStatus } from './vm-customization.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  const vm = fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0');
  return {
    ...fixture,
    vm,
    dc: fixture.at<DatacenterRecord>('/DC0'),
    get: (id: string) => vsphere.store.get(id) as VmRecord,
    eventTypes: (from: number) =>
      vsphere.events
        .list()
        .slice(from)
        .map((e) => e._type),
  };
};

const linux = (name: string, ip?: string): CustomizationSpec => ({
  identity: {
    _type: 'CustomizationLinuxPrep',
    hostName: { _type: 'CustomizationFixedName', name },
    domain: 'example.com',
  },
  globalIPSettings: { _type: 'CustomizationGlobalIPSettings' },
  nicSettingMap: [
    {
      adapter: {
        ip: ip ? { _type: 'CustomizationFixedIp', ipAddress: ip } : { _type: 'CustomizationDhcpIpGenerator' },
        subnetMask: '255.255.255.0',
        gateway: ['10.20.0.1'],
      },
    },
  ],
});

describe('CustomizeVM_Task', () => {
  it('is applied at the next power-on: host name and fixed address, then the customization events', async () => {
    const { vsphere, vm, run, get, eventTypes, taskInfo } = setup();
    // A running guest that was never customized reports its tools idle.
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_IDLE');
    await run(vsphere.vm.powerOff(vm.id));
    const task = vsphere.vm.customize(vm.id, linux('web-01', '10.20.0.15'));
    expect(taskInfo(task)).toMatchObject({
      name: 'CustomizeVM_Task',
      descriptionId: 'VirtualMachine.customize',
    });
    await run(task);
    expect(get(vm.id).customization).toEqual({
      identity: 'linux',
      hostName: 'web-01',
      domain: 'example.com',
      ips: ['10.20.0.15'],
      pending: true,
    });
    expect(get(vm.id).guest.hostName).toBeUndefined();
    // Tools that do not run report nothing.
    expect(customizationStatus(get(vm.id))).toBeUndefined();
    const from = vsphere.events.list().length;
    await run(vsphere.vm.powerOn(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_SUCCEEDED');
    expect(vsphere.read(vm.id, 'guest.hostName')).toBe('web-01');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe('10.20.0.15');
    expect(vsphere.read(vm.id, 'guest.net')).toMatchObject([{ ipAddress: ['10.20.0.15'] }]);
    expect(vsphere.read(vm.id, 'summary.guest.ipAddress')).toBe('10.20.0.15');
    expect(get(vm.id).customization?.pending).toBe(false);
    expect(eventTypes(from)).toEqual([
      'VmStartingEvent',
      'VmPoweredOnEvent',
      'CustomizationStartedEvent',
      'CustomizationSucceeded',
    ]);
    expect(vsphere.events.list().at(-1)).toMatchObject({
      vm: { name: 'DC0_H0_VM0' },
      logLocation: '/var/log/vmware-imc/toolsDeployPkg.log',
      fullFormattedMessage:
        'Customization of VM DC0_H0_VM0 succeeded. Customization log located at /var/log/vmware-imc/toolsDeployPkg.log in the guest OS.',
    });
  });

  it('runs while the guest boots, with guestAddressDelayMs: succeeded once the guest reports its address', async () => {
    const { vsphere, vm, run, get, eventTypes, later } = setup();
    vsphere.guestAddressDelayMs = 5000;
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('web-01', '10.20.0.15')));
    const from = vsphere.events.list().length;
    await run(vsphere.vm.powerOn(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_RUNNING');
    expect(eventTypes(from)).toEqual(['VmStartingEvent', 'VmPoweredOnEvent', 'CustomizationStartedEvent']);
    later(4999);
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_RUNNING');
    later(1);
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_SUCCEEDED');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe('10.20.0.15');
    expect(eventTypes(from).slice(-1)).toEqual(['CustomizationSucceeded']);
    // A later boot customizes nothing: nothing runs.
    await run(vsphere.vm.reset(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_SUCCEEDED');
  });

  it('carries a running customization on through a reset, and ends it when a suspended guest resumes', async () => {
    const { vsphere, vm, run, get, eventTypes, later } = setup();
    vsphere.guestAddressDelayMs = 5000;
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('web-01', '10.20.0.15')));
    await run(vsphere.vm.powerOn(vm.id));
    later(3000);
    await run(vsphere.vm.reset(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_RUNNING');
    later(5000);
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_SUCCEEDED');
    // Again, suspended while it runs: the resumed guest reports at once, and the customization ends.
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('web-02', '10.20.0.16')));
    await run(vsphere.vm.powerOn(vm.id));
    await run(vsphere.vm.suspend(vm.id));
    later(10_000);
    const from = vsphere.events.list().length;
    await run(vsphere.vm.powerOn(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_SUCCEEDED');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe('10.20.0.16');
    expect(eventTypes(from).slice(-1)).toEqual(['CustomizationSucceeded']);
  });

  it('keeps the customized identity across power cycles, posting its events only once', async () => {
    const { vsphere, vm, run, eventTypes } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('db-01', '10.20.0.16')));
    await run(vsphere.vm.powerOn(vm.id));
    await run(vsphere.vm.reset(vm.id));
    await run(vsphere.vm.powerOff(vm.id));
    const from = vsphere.events.list().length;
    await run(vsphere.vm.powerOn(vm.id));
    expect(vsphere.read(vm.id, 'guest.hostName')).toBe('db-01');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe('10.20.0.16');
    expect(eventTypes(from)).toEqual(['VmStartingEvent', 'VmPoweredOnEvent']);
  });

  it('leaves a DHCP NIC on its leased address and names a Windows guest by its computer name', async () => {
    const { vsphere, vm, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const spec: CustomizationSpec = {
      identity: {
        _type: 'CustomizationSysprep',
        userData: { computerName: { _type: 'CustomizationVirtualMachineName' } },
      },
      nicSettingMap: [{ adapter: { ip: { _type: 'CustomizationDhcpIpGenerator' } } }],
    };
    await run(vsphere.vm.customize(vm.id, spec));
    await run(vsphere.vm.powerOn(vm.id));
    expect(vsphere.read(vm.id, 'guest.hostName')).toBe('DC0-H0-VM0');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe(vm.guest.ipAddress);
    expect(vsphere.events.list().at(-1)?.logLocation).toBe('C:\\Windows\\Temp\\vmware-imc\\guestcust.log');
  });

  it('fails in the guest where the interception point fails GuestCustomization: the guest boots as it was', async () => {
    const { vsphere, vm, run, get, eventTypes } = setup();
    const leased = vm.guest.ipAddress;
    vsphere.interceptor.add({
      method: 'GuestCustomization',
      target: vm.id,
      times: 1,
      fault: { _type: 'CustomizationFault', message: 'cannot write /etc/hostname' },
    });
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('web-01', '10.20.0.15')));
    const from = vsphere.events.list().length;
    const bootedAt = vsphere.clock.now();
    await run(vsphere.vm.powerOn(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_FAILED');
    expect(get(vm.id).customization).toMatchObject({
      pending: false,
      failed: true,
      errorMsg: 'cannot write /etc/hostname',
      startTime: bootedAt,
      endTime: bootedAt,
    });
    expect(vsphere.read(vm.id, 'guest.hostName')).not.toBe('web-01');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe(leased);
    expect(eventTypes(from)).toEqual([
      'VmStartingEvent',
      'VmPoweredOnEvent',
      'CustomizationStartedEvent',
      'CustomizationUnknownFailure',
    ]);
    expect(vsphere.events.list().at(-1)).toMatchObject({
      vm: { name: 'DC0_H0_VM0' },
      logLocation: '/var/log/vmware-imc/toolsDeployPkg.log',
      fullFormattedMessage:
        'An error occurred while customizing VM DC0_H0_VM0. For details reference the log file /var/log/vmware-imc/toolsDeployPkg.log in the guest OS.',
    });
    // A failed customization stays so through later boots, and a new one may be set.
    await run(vsphere.vm.reset(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_FAILED');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe(leased);
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('web-01', '10.20.0.15')));
    await run(vsphere.vm.powerOn(vm.id));
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_SUCCEEDED');
    expect(get(vm.id).customization).not.toHaveProperty('failed');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe('10.20.0.15');
  });

  it('fails at its end with guestAddressDelayMs, the guest then reporting its leased address; no message without one', async () => {
    const { vsphere, vm, run, get, eventTypes, later } = setup();
    vsphere.guestAddressDelayMs = 5000;
    const leased = vm.guest.ipAddress;
    vsphere.interceptor.add({ method: 'GuestCustomization', fault: { _type: 'CustomizationFault' } });
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('web-01', '10.20.0.15')));
    const from = vsphere.events.list().length;
    await run(vsphere.vm.powerOn(vm.id));
    const bootedAt = vsphere.clock.now();
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_RUNNING');
    later(5000);
    expect(customizationStatus(get(vm.id))).toBe('TOOLSDEPLOYPKG_FAILED');
    expect(get(vm.id).customization).toMatchObject({ startTime: bootedAt, endTime: bootedAt + 5000 });
    expect(get(vm.id).customization).not.toHaveProperty('errorMsg');
    expect(vsphere.read(vm.id, 'guest.ipAddress')).toBe(leased);
    expect(eventTypes(from).slice(-1)).toEqual(['CustomizationUnknownFailure']);
  });

  it('shows a pending customization in config.tools, and refuses a second one (CustomizationPending)', async () => {
    const { vsphere, vm, run, get } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    expect(vsphere.read(vm.id, 'config.tools.pendingCustomization')).toBeUndefined();
    // A value set by hand gives way to the pending package's while there is one.
    const key = 'tools.deployPkg.fileName';
    await run(vsphere.vm.reconfigure(vm.id, { extraConfig: [{ key, value: 'by-hand' }] }));
    await run(vsphere.vm.customize(vm.id, linux('web-01', '10.20.0.15')));
    const pending = vsphere.read(vm.id, 'config.tools.pendingCustomization');
    expect(pending).toMatch(/^imcf-[0-9a-f]{8}$/);
    const deployPkg = () =>
      (vsphere.read(vm.id, 'config.extraConfig') as { key: string; value: string }[])
        .filter((o) => o.key === key)
        .map((o) => o.value);
    expect(deployPkg()).toEqual([pending]);
    await expect(run(vsphere.vm.customize(vm.id, linux('web-02', '10.20.0.16')))).rejects.toMatchObject({
      fault: { _type: 'CustomizationPending' },
    });
    expect(get(vm.id).customization?.hostName).toBe('web-01');
    await run(vsphere.vm.powerOn(vm.id));
    expect(vsphere.read(vm.id, 'config.tools.pendingCustomization')).toBeUndefined();
    expect(deployPkg()).toEqual(['by-hand']);
    expect(vsphere.read(vm.id, 'guest.hostName')).toBe('web-01');
    // Once applied, the VM takes another.
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.customize(vm.id, linux('web-02', '10.20.0.16')));
    expect(get(vm.id).customization?.hostName).toBe('web-02');
  });

  it('refuses a VM that is not powered off (InvalidPowerState) and changes nothing', async () => {
    const { vsphere, vm, run, get } = setup();
    await expect(run(vsphere.vm.customize(vm.id, linux('x')))).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState', requestedState: 'poweredOff', existingState: 'poweredOn' },
    });
    expect(get(vm.id).customization).toBeUndefined();
  });

  it('refuses more NIC settings than NICs (NicSettingMismatch), bad names and addresses (InvalidArgument)', async () => {
    const { vsphere, vm, run, get } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const two = {
      ...linux('x'),
      nicSettingMap: [...(linux('x').nicSettingMap ?? []), ...(linux('x').nicSettingMap ?? [])],
    };
    await expect(run(vsphere.vm.customize(vm.id, two))).rejects.toMatchObject({
      fault: { _type: 'NicSettingMismatch', numberOfNicsInSpec: 2, numberOfNicsInVM: 1 },
    });
    await expect(run(vsphere.vm.customize(vm.id, linux('not_a host')))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'spec.identity.hostName' },
    });
    await expect(run(vsphere.vm.customize(vm.id, linux('ok', '10.0.0.256')))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'spec.nicSettingMap.adapter.ip.ipAddress' },
    });
    const noIdentity = { identity: { _type: 'CustomizationIdentitySettings' } };
    await expect(run(vsphere.vm.customize(vm.id, noIdentity))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'spec.identity' },
    });
    expect(get(vm.id).customization).toBeUndefined();
  });
});

describe("CloneVM_Task's spec.customization", () => {
  it('customizes a clone powered on by the clone: its guest reports the new identity', async () => {
    const { vsphere, vm, dc, run, get, eventTypes } = setup();
    const from = vsphere.events.list().length;
    const spec = {
      location: {},
      powerOn: true,
      template: false,
      customization: linux('clone-01', '10.20.0.40'),
    };
    const ref = await run(vsphere.vm.clone(vm.id, dc.vmFolder, 'clone', spec));
    expect(vsphere.read(ref, 'guest.hostName')).toBe('clone-01');
    expect(vsphere.read(ref, 'guest.ipAddress')).toBe('10.20.0.40');
    expect(get(ref.value).customization?.pending).toBe(false);
    expect(eventTypes(from).slice(-4)).toEqual([
      'VmStartingEvent',
      'VmPoweredOnEvent',
      'CustomizationStartedEvent',
      'CustomizationSucceeded',
    ]);
  });

  it('keeps it pending on a clone left off, until its first power-on', async () => {
    const { vsphere, vm, dc, run, get } = setup();
    const spec = {
      location: {},
      powerOn: false,
      template: false,
      customization: linux('later', '10.20.0.41'),
    };
    const ref = await run(vsphere.vm.clone(vm.id, dc.vmFolder, 'off', spec));
    expect(get(ref.value).customization?.pending).toBe(true);
    await run(vsphere.vm.powerOn(ref.value));
    expect(vsphere.read(ref, 'guest.ipAddress')).toBe('10.20.0.41');
    expect(get(ref.value).customization?.pending).toBe(false);
  });

  it('fails the clone on a bad customization, creating nothing', async () => {
    const { vsphere, vm, dc, run, at } = setup();
    const spec = { location: {}, powerOn: true, template: false, customization: linux('-bad-') };
    await expect(run(vsphere.vm.clone(vm.id, dc.vmFolder, 'bad', spec))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument' },
    });
    expect(() => at('/DC0/vm/bad')).toThrow();
  });
});
