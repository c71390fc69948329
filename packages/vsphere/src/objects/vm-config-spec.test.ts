import { describe, expect, it } from 'vitest';
import { findByInventoryPath } from '../inventory/paths.js';
import type { Device, DvsRecord, InventoryRecord, NetworkRecord, VmRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { createFixture, GIB } from '../testing/fixture.js';
import { canonicalUuid } from './virtual-disk-manager.js';
import type { VmConfigSpec } from './vm-config-spec.js';
import type { VirtualDeviceConfigSpec } from './vm-devices.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere, at, run } = fixture;
  const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
  const get = (id = vm.id) => vsphere.store.get(id) as VmRecord;
  const device = (key: number, id = vm.id) => get(id).config.devices.find((d) => d.key === key);
  const reconfigure = (spec: VmConfigSpec, id = vm.id) => run(vsphere.vm.reconfigure(id, spec));
  const change = (...deviceChange: VirtualDeviceConfigSpec[]) => reconfigure({ deviceChange });
  return { ...fixture, vm, get, device, used: () => fixture.used(vm.homeDatastore), reconfigure, change };
};

const disk = (key: number, capacityInKB: number, extra: Partial<Device> = {}): Device => ({
  _type: 'VirtualDisk',
  key,
  capacityInKB,
  ...extra,
});

const serialPort = (key: number): Device => ({
  _type: 'VirtualSerialPort',
  key,
  yieldOnPoll: true,
  backing: { _type: 'VirtualSerialPortFileBackingInfo', fileName: '[LocalDS_0] serial.log' },
});

const controller = (_type: string, key: number, extra: Partial<Device> = {}): VirtualDeviceConfigSpec => ({
  operation: 'add',
  device: { _type, key, ...extra },
});

/** An added device whose file the operation creates (a new disk). */
const create = (d: Device): VirtualDeviceConfigSpec => ({
  operation: 'add',
  fileOperation: 'create',
  device: d,
});

const deviceFault = (property: string, deviceIndex: number, _type = 'InvalidDeviceSpec') => ({
  fault: { _type, property, deviceIndex },
});

describe('ReconfigVM_Task: hardware and settings', () => {
  it('changes CPUs, memory, annotation and guest, bumping changeVersion and posting the event', async () => {
    const { vsphere, vm, get, reconfigure, taskInfo, lastEvent, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const task = vsphere.vm.reconfigure(vm.id, {
      numCPUs: 4,
      numCoresPerSocket: 2,
      memoryMB: 2048,
      annotation: 'web tier',
      guestId: 'ubuntu64Guest',
    });
    expect(taskInfo(task).descriptionId).toBe('VirtualMachine.reconfigure');
    vsphere.scheduler.runDue();
    await task.wait();
    expect(get().config).toMatchObject({
      numCPU: 4,
      numCoresPerSocket: 2,
      memoryMB: 2048,
      annotation: 'web tier',
      guestId: 'ubuntu64Guest',
      guestFullName: 'Ubuntu Linux (64-bit)',
    });
    expect(get().config.changeVersion).toBeGreaterThan(vm.config.changeVersion);
    const version = get().config.changeVersion;
    await reconfigure({ annotation: 'again' });
    expect(get().config.changeVersion).toBeGreaterThan(version);
    expect(lastEvent()).toMatchObject({
      _type: 'VmReconfiguredEvent',
      fullFormattedMessage: 'Reconfigured DC0_H0_VM0 on DC0_H0 in DC0',
      configSpec: { annotation: 'again' },
    });
  });

  it("refreshes a running VM's guest for what it reads of the extra config alone", async () => {
    const { vm, get, reconfigure } = setup();
    expect(get().powerState).toBe('poweredOn');
    const guest = get().guest;
    await reconfigure({ extraConfig: [{ key: 'vmservice.virtualmachine.resource.yaml', value: 'e30=' }] });
    expect(get().guest).toBe(guest);
    await reconfigure({ extraConfig: [{ key: 'SET.guest.hostName', value: 'web-1' }] });
    expect(get().guest.hostName).toBe('web-1');
    expect(vm.guest.hostName).not.toBe('web-1');
  });

  it('sets and clears the extension managing the VM, read in its config and summary', async () => {
    const { vsphere, vm, get, reconfigure } = setup();
    expect(vsphere.read(vm.id, 'config.managedBy')).toBeUndefined();
    const managedBy = { extensionKey: 'com.vmware.vcenter.wcp', type: 'VirtualMachine' };
    await reconfigure({ managedBy });
    expect(get().config.managedBy).toEqual(managedBy);
    expect(vsphere.read(vm.id, 'config.managedBy')).toEqual({ _type: 'ManagedByInfo', ...managedBy });
    expect(vsphere.read(vm.id, 'summary.config.managedBy')).toEqual({ _type: 'ManagedByInfo', ...managedBy });
    const config = get().config;
    await expect(reconfigure({ managedBy: { extensionKey: 'x', type: '' } })).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'managedBy.type' },
    });
    expect(get().config).toBe(config);
    await reconfigure({ managedBy: { extensionKey: '', type: '' } });
    expect(get().config.managedBy).toBeUndefined();
    expect(vsphere.read(vm.id, 'summary.config.managedBy')).toBeUndefined();
  });

  it('changes CPUs and memory of a running VM only as its hot plug flags allow', async () => {
    const { vsphere, vm, get, reconfigure, run } = setup();
    expect(get().powerState).toBe('poweredOn');
    const hotPlug = { cpuHotAddEnabled: true, cpuHotRemoveEnabled: false, memoryHotAddEnabled: true };
    const refused: [VmConfigSpec, string][] = [
      [{ numCPUs: 2 }, 'CpuHotPlugNotSupported'],
      [{ memoryMB: 64 }, 'MemoryHotPlugNotSupported'],
      [hotPlug, 'InvalidPowerState'],
      [{ numCPUs: 2, numCoresPerSocket: 2 }, 'InvalidPowerState'],
    ];
    for (const [spec, _type] of refused)
      await expect(reconfigure(spec)).rejects.toMatchObject({ fault: { _type } });
    await run(vsphere.vm.powerOff(vm.id));
    await reconfigure(hotPlug);
    await run(vsphere.vm.powerOn(vm.id));
    await reconfigure({ numCPUs: 2, memoryMB: 256 });
    expect(get().config).toMatchObject({ numCPU: 2, memoryMB: 256, ...hotPlug });
    expect(vsphere.read(vm.id, 'config.cpuHotAddEnabled')).toBe(true);
    await expect(reconfigure({ numCPUs: 1 })).rejects.toMatchObject({
      fault: { _type: 'CpuHotPlugNotSupported' },
    });
    await expect(reconfigure({ memoryMB: 32 })).rejects.toMatchObject({
      fault: { _type: 'MemoryHotPlugNotSupported' },
    });
    await run(vsphere.vm.suspend(vm.id));
    await expect(reconfigure({ numCPUs: 4 })).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState', existingState: 'suspended' },
    });
  });

  it('hot adds memory in 128 MB steps up to 16 times the boot memory, which holds until power-off', async () => {
    const { vsphere, vm, get, reconfigure, run } = setup();
    expect(vsphere.read(vm.id, 'config.hotPlugMemoryLimit')).toBeUndefined();
    await run(vsphere.vm.powerOff(vm.id));
    await reconfigure({ memoryHotAddEnabled: true, memoryMB: 256 });
    expect(vsphere.read(vm.id, 'config')).toMatchObject({
      hotPlugMemoryIncrementSize: 128,
      hotPlugMemoryLimit: 4096,
    });
    await run(vsphere.vm.powerOn(vm.id));
    for (const memoryMB of [300, 4224, 320])
      await expect(reconfigure({ memoryMB })).rejects.toMatchObject({
        fault: { _type: 'InvalidArgument', invalidProperty: 'memoryMB' },
      });
    await reconfigure({ memoryMB: 2048 });
    await reconfigure({ memoryMB: 4096 });
    expect(get().config.memoryMB).toBe(4096);
    expect(vsphere.read(vm.id, 'config.hotPlugMemoryLimit')).toBe(4096);
    await run(vsphere.vm.powerOff(vm.id));
    expect(vsphere.read(vm.id, 'config.hotPlugMemoryLimit')).toBe(65536);
  });

  it("caps the hot add limit at the largest VM of the VM's hardware version", async () => {
    const { vsphere, vm, reconfigure, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const bootMemoryMB = 512 * 1024;
    await reconfigure({ memoryHotAddEnabled: true, memoryMB: bootMemoryMB, version: 'vmx-17' });
    expect(vsphere.read(vm.id, 'config.hotPlugMemoryLimit')).toBe(6128 * 1024);
    await run(vsphere.vm.upgrade(vm.id, 'vmx-19'));
    expect(vsphere.read(vm.id, 'config.hotPlugMemoryLimit')).toBe(16 * bootMemoryMB);
    await reconfigure({ memoryMB: 4 * bootMemoryMB });
    expect(vsphere.read(vm.id, 'config.hotPlugMemoryLimit')).toBe(24560 * 1024);
  });

  it("sets a VM's CPU and memory allocations and latency sensitivity, read in its config, summary and pool", async () => {
    const { vsphere, vm, get, reconfigure, run } = setup();
    const read = (path: string) => vsphere.read(vm.id, path);
    // vSphere's defaults: nothing reserved, no limit, normal shares for the VM's size.
    expect(read('config.cpuAllocation')).toEqual({
      _type: 'ResourceAllocationInfo',
      reservation: 0,
      expandableReservation: false,
      limit: -1,
      shares: { _type: 'SharesInfo', level: 'normal', shares: 1000 },
    });
    expect(read('config.memoryAllocation.shares')).toEqual({
      _type: 'SharesInfo',
      level: 'normal',
      shares: 320,
    });
    expect(read('config.latencySensitivity')).toEqual({ _type: 'LatencySensitivity', level: 'normal' });
    // A running VM's allocations change; its CPUs while off.
    await reconfigure({ memoryAllocation: { reservation: 16 } });
    expect(read('config.memoryAllocation.reservation')).toBe(16);
    await run(vsphere.vm.powerOff(vm.id));
    await reconfigure({
      numCPUs: 2,
      cpuAllocation: { reservation: 1000, limit: 4000, shares: { level: 'high' } },
      memoryAllocation: { reservation: 32, shares: { level: 'custom', shares: 777 } },
      latencySensitivity: { level: 'high' },
    });
    expect(read('config.cpuAllocation')).toMatchObject({
      reservation: 1000,
      limit: 4000,
      shares: { level: 'high', shares: 4000 },
    });
    expect(read('config.memoryAllocation')).toMatchObject({
      reservation: 32,
      limit: -1,
      shares: { level: 'custom', shares: 777 },
    });
    expect(read('config.latencySensitivity')).toEqual({ _type: 'LatencySensitivity', level: 'high' });
    expect(read('summary.config.cpuReservation')).toBe(1000);
    expect(read('summary.config.memoryReservation')).toBe(32);
    expect(read('resourceConfig')).toMatchObject({
      _type: 'ResourceConfigSpec',
      entity: moref('VirtualMachine', vm.id),
      cpuAllocation: { reservation: 1000 },
      memoryAllocation: { reservation: 32 },
    });
    const child = vsphere.pool.create(vm.pool as string, 'child');
    const children = vsphere.read(vm.pool as string, 'childConfiguration') as { entity: { value: string } }[];
    expect(children.find((c) => c.entity.value === vm.id)).toMatchObject({
      cpuAllocation: { reservation: 1000 },
    });
    // A child pool's, as its own `config` has it.
    expect(children.find((c) => c.entity.value === child.value)).toEqual(vsphere.read(child.value, 'config'));
    // Unset fields keep theirs; defaults again leave the record without them.
    await reconfigure({ cpuAllocation: { limit: -1 } });
    expect(read('config.cpuAllocation')).toMatchObject({ reservation: 1000, limit: -1 });
    await reconfigure({
      cpuAllocation: { reservation: 0, shares: { level: 'normal' } },
      memoryAllocation: { reservation: 0, shares: { level: 'normal' } },
      latencySensitivity: { level: 'normal' },
    });
    expect(get().config).not.toHaveProperty('cpuAllocation');
    expect(get().config).not.toHaveProperty('memoryAllocation');
    expect(get().config).not.toHaveProperty('latencySensitivity');
  });

  it('refuses an unusable allocation or latency sensitivity with InvalidArgument, changing nothing', async () => {
    const { vm, get, reconfigure } = setup();
    const before = get();
    const refused = (property: string) => ({
      fault: { _type: 'InvalidArgument', invalidProperty: property },
    });
    await expect(reconfigure({ cpuAllocation: { reservation: -1 } })).rejects.toMatchObject(
      refused('spec.cpuAllocation'),
    );
    await expect(reconfigure({ memoryAllocation: { reservation: 64, limit: 32 } })).rejects.toMatchObject(
      refused('spec.memoryAllocation'),
    );
    await expect(reconfigure({ cpuAllocation: { shares: { level: 'custom' } } })).rejects.toMatchObject(
      refused('spec.cpuAllocation'),
    );
    await expect(reconfigure({ cpuAllocation: { overheadLimit: 10 } })).rejects.toMatchObject(
      refused('spec.cpuAllocation'),
    );
    await expect(
      reconfigure({ cpuAllocation: { reservation: 10 }, latencySensitivity: { level: 'extreme' } }),
    ).rejects.toMatchObject(refused('spec.latencySensitivity'));
    expect(get(vm.id)).toBe(before);
  });

  it('creates and clones a VM with the allocations of its spec; a template may not change them', async () => {
    const { vsphere, vm, get, run, reconfigure } = setup();
    const cpuAllocation = { reservation: 500, shares: { level: 'low' as const } };
    const spec = { name: 'reserved', files: { vmPathName: '[LocalDS_0]' }, cpuAllocation };
    const ref = await run(vsphere.vm.create(vm.parent as string, spec, vm.pool as string));
    expect(get(ref.value).config.cpuAllocation).toEqual({
      reservation: 500,
      limit: -1,
      shares: { level: 'low' },
    });
    const clone = await run(
      vsphere.vm.clone(ref.value, vm.parent as string, 'copy', {
        location: {},
        powerOn: false,
        template: false,
      }),
    );
    expect(vsphere.read(clone.value, 'config.cpuAllocation.shares')).toEqual({
      _type: 'SharesInfo',
      level: 'low',
      shares: 500,
    });
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.vm.markAsTemplate(vm.id);
    await expect(reconfigure({ cpuAllocation: { reservation: 1 } })).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    expect(vsphere.read(vm.id, 'resourceConfig')).toBeUndefined();
  });

  it('creates a VM with the hot plug flags its CreateVM_Task spec sets', async () => {
    const { vsphere, vm, get, run } = setup();
    const flags = { cpuHotAddEnabled: true, cpuHotRemoveEnabled: false, memoryHotAddEnabled: true };
    const spec = { name: 'hot', files: { vmPathName: '[LocalDS_0]' }, ...flags };
    const ref = await run(vsphere.vm.create(vm.parent as string, spec, vm.pool as string));
    expect(get(ref.value).config).toMatchObject(flags);
  });

  it('changes the firmware only while off and merges boot options; a boot clears enterBIOSSetup', async () => {
    const { vsphere, vm, get, reconfigure, run } = setup();
    await expect(reconfigure({ firmware: 'efi' })).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState' },
    });
    await reconfigure({ bootOptions: { bootDelay: 5000, enterBIOSSetup: true } });
    expect(vsphere.read(vm.id, 'config.bootOptions')).toMatchObject({
      bootDelay: 5000,
      enterBIOSSetup: true,
      bootRetryDelay: 10000,
    });
    const bootOrder = [{ _type: 'VirtualMachineBootOptionsBootableDiskDevice', deviceKey: 2000 }];
    await reconfigure({ bootOptions: { bootOrder } });
    expect(vsphere.read(vm.id, 'config.bootOptions.bootOrder')).toEqual(bootOrder);
    vsphere.vm.rebootGuest(vm.id);
    expect(get().config.bootOptions).toMatchObject({ bootDelay: 5000, enterBIOSSetup: false });
    await run(vsphere.vm.powerOff(vm.id));
    await expect(reconfigure({ firmware: 'uefi' })).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument' },
    });
    await reconfigure({ firmware: 'efi' });
    expect(vsphere.read(vm.id, 'config.firmware')).toBe('efi');
    const spec = {
      name: 'efi',
      files: { vmPathName: '[LocalDS_0]' },
      firmware: 'efi',
      bootOptions: { bootRetryEnabled: true },
    };
    const ref = await run(vsphere.vm.create(vm.parent as string, spec, vm.pool as string));
    expect(get(ref.value).config).toMatchObject({
      firmware: 'efi',
      bootOptions: { bootRetryEnabled: true, bootDelay: 0 },
    });
  });

  it('turns secure boot on for EFI firmware alone (InvalidVmConfig otherwise), also in a create', async () => {
    const { vsphere, vm, get, reconfigure, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    expect(vsphere.read(vm.id, 'config.bootOptions.efiSecureBootEnabled')).toBe(false);
    await expect(reconfigure({ bootOptions: { efiSecureBootEnabled: true } })).rejects.toMatchObject({
      fault: { _type: 'InvalidVmConfig', property: 'msg.hostd.configSpec.efi' },
    });
    expect(get().config.bootOptions.efiSecureBootEnabled).toBe(false);
    // The firmware of the same spec counts.
    await reconfigure({ firmware: 'efi', bootOptions: { efiSecureBootEnabled: true } });
    expect(vsphere.read(vm.id, 'config.bootOptions.efiSecureBootEnabled')).toBe(true);
    const spec = { name: 'secure', files: { vmPathName: '[LocalDS_0]' } };
    const secure = { bootOptions: { efiSecureBootEnabled: true } };
    await expect(
      run(vsphere.vm.create(vm.parent as string, { ...spec, ...secure }, vm.pool as string)),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidVmConfig' } });
    const ref = await run(
      vsphere.vm.create(vm.parent as string, { ...spec, ...secure, firmware: 'efi' }, vm.pool as string),
    );
    expect(get(ref.value).config.bootOptions.efiSecureBootEnabled).toBe(true);
  });

  it('turns Changed Block Tracking on and off, in a create too; a template may not', async () => {
    const { vsphere, vm, reconfigure, run } = setup();
    expect(vsphere.read(vm.id, 'config.changeTrackingEnabled')).toBe(false);
    expect(vsphere.read(vm.id, 'capability.changeTrackingSupported')).toBe(true);
    await reconfigure({ changeTrackingEnabled: true });
    expect(vsphere.read(vm.id, 'config.changeTrackingEnabled')).toBe(true);
    await reconfigure({ annotation: 'kept' });
    expect(vsphere.read(vm.id, 'config.changeTrackingEnabled')).toBe(true);
    await reconfigure({ changeTrackingEnabled: false });
    expect(vsphere.read(vm.id, 'config.changeTrackingEnabled')).toBe(false);
    const spec = { name: 'ctk', files: { vmPathName: '[LocalDS_0]' }, changeTrackingEnabled: true };
    const ref = await run(vsphere.vm.create(vm.parent as string, spec, vm.pool as string));
    expect(vsphere.read(ref.value, 'config.changeTrackingEnabled')).toBe(true);
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.vm.markAsTemplate(vm.id);
    await expect(reconfigure({ changeTrackingEnabled: true })).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
  });

  it('schedules a hardware upgrade: pending under a policy, none again under never', async () => {
    const { vsphere, vm, reconfigure } = setup();
    await reconfigure({ scheduledHardwareUpgradeInfo: { upgradePolicy: 'always', versionKey: 'vmx-19' } });
    expect(vsphere.read(vm.id, 'config.scheduledHardwareUpgradeInfo')).toEqual({
      _type: 'ScheduledHardwareUpgradeInfo',
      upgradePolicy: 'always',
      versionKey: 'vmx-19',
      scheduledHardwareUpgradeStatus: 'pending',
    });
    await expect(
      reconfigure({ scheduledHardwareUpgradeInfo: { upgradePolicy: 'sometimes' } }),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidArgument' } });
    await reconfigure({ scheduledHardwareUpgradeInfo: { upgradePolicy: 'never' } });
    expect(vsphere.read(vm.id, 'config.scheduledHardwareUpgradeInfo')).toMatchObject({
      upgradePolicy: 'never',
      scheduledHardwareUpgradeStatus: 'none',
    });
  });

  it('runs a scheduled upgrade at the next power-on (always) or clean guest shutdown (onSoftPowerOff)', async () => {
    const { vsphere, vm, get, reconfigure, run } = setup();
    await reconfigure({ scheduledHardwareUpgradeInfo: { upgradePolicy: 'always', versionKey: 'vmx-19' } });
    await run(vsphere.vm.powerOff(vm.id));
    expect(get().config.version).toBe(vm.config.version);
    await run(vsphere.vm.powerOn(vm.id));
    expect(get().config).toMatchObject({
      version: 'vmx-19',
      scheduledHardwareUpgrade: { upgradePolicy: 'never', scheduledHardwareUpgradeStatus: 'success' },
    });
    await reconfigure({
      scheduledHardwareUpgradeInfo: { upgradePolicy: 'onSoftPowerOff', versionKey: 'vmx-20' },
    });
    vsphere.vm.shutdownGuest(vm.id);
    vsphere.scheduler.runDue();
    expect(get()).toMatchObject({ powerState: 'poweredOff', config: { version: 'vmx-20' } });
  });

  it('refuses CPUs that are not a multiple of the cores per socket, and memory of 0', async () => {
    const { get, vm, reconfigure } = setup();
    await expect(reconfigure({ numCPUs: 3, numCoresPerSocket: 2 })).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'numCoresPerSocket' },
    });
    await expect(reconfigure({ memoryMB: 0, annotation: 'x' })).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'memoryMB' },
    });
    expect(get().config).toBe(vm.config);
  });

  it('refuses a guest id the host does not know with InvalidArgument on configSpec.guestId, in a create and a clone too', async () => {
    const { vsphere, vm, get, reconfigure, run } = setup();
    const refused = { fault: { _type: 'InvalidArgument', invalidProperty: 'configSpec.guestId' } };
    await expect(reconfigure({ guestId: 'invalid-guest-id', annotation: 'x' })).rejects.toMatchObject(
      refused,
    );
    expect(get().config).toBe(vm.config);
    const spec = { name: 'guest', files: { vmPathName: '[LocalDS_0]' } };
    await expect(
      run(vsphere.vm.create(vm.parent as string, { ...spec, guestId: 'ubuntu' }, vm.pool as string)),
    ).rejects.toMatchObject(refused);
    const clone = { location: {}, powerOn: false, template: false, config: { guestId: 'Ubuntu64Guest' } };
    await expect(run(vsphere.vm.clone(vm.id, vm.parent as string, 'copy', clone))).rejects.toMatchObject(
      refused,
    );
    // vim25's enum, the ids vSphere 8.0 added to it, and the ids the model names.
    for (const guestId of [
      'crxPod1Guest',
      'otherGuest64',
      'rockylinux_64Guest',
      'windows12_64Guest',
      'windows11_64Guest',
    ]) {
      await reconfigure({ guestId });
      expect(get().config.guestId).toBe(guestId);
    }
    const ref = await run(
      vsphere.vm.create(vm.parent as string, { ...spec, guestId: 'rhel9_64Guest' }, vm.pool as string),
    );
    expect(get(ref.value).config).toMatchObject({
      guestId: 'rhel9_64Guest',
      guestFullName: 'Red Hat Enterprise Linux 9 (64-bit)',
    });
  });

  it('renames a VM, but not onto the name of another entity in its folder', async () => {
    const { get, reconfigure } = setup();
    await reconfigure({ name: 'renamed' });
    expect(get().name).toBe('renamed');
    await expect(reconfigure({ name: 'DC0_H0_VM1' })).rejects.toMatchObject({
      fault: { _type: 'DuplicateName', name: 'DC0_H0_VM1' },
    });
    expect(get().name).toBe('renamed');
  });

  it('sets extraConfig keys and removes a key given an empty value', async () => {
    const { get, reconfigure } = setup();
    await reconfigure({
      extraConfig: [
        { key: 'guestinfo.a', value: '1' },
        { key: 'guestinfo.b', value: '2' },
      ],
    });
    await reconfigure({
      extraConfig: [
        { key: 'guestinfo.a', value: '' },
        { key: 'guestinfo.b', value: '3' },
      ],
    });
    expect(get().config.extraConfig).toEqual([{ key: 'guestinfo.b', value: '3' }]);
  });

  it('lets a template change only its name and annotation', async () => {
    const { vsphere, vm, get, run, reconfigure } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    vsphere.vm.markAsTemplate(vm.id);
    await reconfigure({ name: 'golden', annotation: 'base image' });
    expect(get()).toMatchObject({ name: 'golden', config: { annotation: 'base image' } });
    await expect(reconfigure({ numCPUs: 2 })).rejects.toMatchObject({ fault: { _type: 'NotSupported' } });
    expect(get().config.numCPU).toBe(1);
  });
});

describe('ReconfigVM_Task: device changes', () => {
  it('adds a disk: next key of the disk range, first free unit, a new file charged to the datastore', async () => {
    const { device, used, change } = setup();
    const before = used();
    await change(create(disk(-1, 2 * 1024 * 1024)));
    expect(device(2001)).toMatchObject({
      controllerKey: 1000,
      unitNumber: 1,
      capacityInKB: 2 * 1024 * 1024,
      backing: {
        fileName: '[LocalDS_0] DC0_H0_VM0/DC0_H0_VM0_1.vmdk',
        datastore: { value: expect.any(String) },
      },
    });
    expect(device(1000)?.device).toEqual([2000, 2001]);
    expect(used()).toBe(before + 2 * GIB);
  });

  it('adds a SCSI controller and a disk on it, rewriting the temporary controller key', async () => {
    const { vsphere, vm, device, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    await change(
      { operation: 'add', device: { _type: 'ParaVirtualSCSIController', key: -100 } },
      create(disk(-101, 1024, { controllerKey: -100 })),
    );
    expect(device(1001)).toMatchObject({ busNumber: 1, controllerKey: 100, unitNumber: 4, device: [2001] });
    expect(device(2001)).toMatchObject({ controllerKey: 1001, unitNumber: 0 });
    expect(device(100)?.device).toContain(1001);
  });

  it('skips the SCSI controller unit 7 and refuses a unit that is taken', async () => {
    const { device, change } = setup();
    const adds = [1, 2, 3, 4, 5, 6, 7].map((i) => create(disk(-i, 1024)));
    await change(...adds);
    expect(device(2007)?.unitNumber).toBe(8);
    await expect(
      change(create(disk(-1, 1024, { controllerKey: 1000, unitNumber: 7 }))),
    ).rejects.toMatchObject(deviceFault('virtualDeviceSpec.device.unitNumber', 0));
    await expect(
      change(
        { operation: 'add', device: { _type: 'VirtualCdrom', key: -5 } },
        create(disk(-1, 1024, { controllerKey: 1000, unitNumber: 0 })),
      ),
    ).rejects.toMatchObject(deviceFault('virtualDeviceSpec.device.unitNumber', 1));
  });

  it('grows a disk and refuses to shrink it with InvalidDeviceOperation', async () => {
    const { device, used, change } = setup();
    const before = used();
    await change({
      operation: 'edit',
      device: { ...(device(2000) as Device), capacityInKB: 20 * 1024 * 1024 },
    });
    expect(device(2000)).toMatchObject({ capacityInKB: 20 * 1024 * 1024, capacityInBytes: 20 * GIB });
    expect(device(2000)?.deviceInfo?.summary).toBe('20,971,520 KB');
    expect(used()).toBe(before + 10 * GIB);
    await expect(
      change({ operation: 'edit', device: disk(2000, 1024 * 1024, { capacityInBytes: GIB }) }),
    ).rejects.toMatchObject({
      fault: {
        _type: 'InvalidDeviceOperation',
        property: 'virtualDeviceSpec.device.capacityInKB',
        deviceIndex: 0,
      },
    });
    expect(used()).toBe(before + 10 * GIB);
  });

  it('refuses to edit or remove a device key the VM does not have', async () => {
    const { change } = setup();
    await expect(change({ operation: 'edit', device: disk(2999, 1024) })).rejects.toMatchObject(
      deviceFault('virtualDeviceSpec.device.key', 0),
    );
    await expect(
      change(create(disk(-1, 1024)), { operation: 'remove', device: disk(2999, 1024) }),
    ).rejects.toMatchObject(deviceFault('virtualDeviceSpec.device.key', 1));
  });

  it('removes a disk: the datastore gets its space back and the controller forgets it', async () => {
    const { device, used, change } = setup();
    const before = used();
    await change({ operation: 'remove', fileOperation: 'destroy', device: device(2000) as Device });
    expect(device(2000)).toBeUndefined();
    expect(device(1000)?.device).toEqual([]);
    expect(used()).toBe(before - 10 * GIB);
  });

  it('points a disk of a VM that is off at a standalone disk, whose files it takes, leaving its own', async () => {
    const { vsphere, at, vm, device, change, run, used } = setup();
    const dc = at<InventoryRecord>('/DC0');
    vsphere.files.makeDirectory('[LocalDS_0] disks', dc.id);
    const disk = { _type: 'FileBackedVirtualDiskSpec', diskType: 'preallocated', adapterType: 'lsiLogic' };
    await run(
      vsphere.virtualDisks.create('[LocalDS_0] disks/data.vmdk', dc.id, { ...disk, capacityKb: 4096 }),
    );
    // QueryVirtualDiskUuid answers a descriptor's `ddb.uuid` form of the backing's UUID.
    const uuidOf = (file: string) => canonicalUuid(vsphere.virtualDisks.queryUuid(file, dc.id));
    const uuid = uuidOf('[LocalDS_0] disks/data.vmdk');
    const old = device(2000) as Device;
    const oldFile = (old.backing as { fileName: string }).fileName;
    const rebacked = {
      ...old,
      backing: { ...(old.backing as object), fileName: '[LocalDS_0] disks/data.vmdk' },
    };
    await expect(change({ operation: 'edit', device: rebacked })).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState', existingState: 'poweredOn' },
    });
    await run(vsphere.vm.powerOff(vm.id));
    const before = used();
    await change({ operation: 'edit', device: rebacked });
    expect(device(2000)).toMatchObject({
      key: 2000,
      controllerKey: old.controllerKey,
      unitNumber: old.unitNumber,
      capacityInKB: 4096,
      backing: { fileName: '[LocalDS_0] disks/data.vmdk', uuid, thinProvisioned: false },
    });
    expect(used()).toBe(before);
    expect(uuidOf(oldFile)).toBe((old.backing as { uuid: string }).uuid);
    const missing = { ...rebacked, backing: { fileName: '[LocalDS_0] disks/none.vmdk' } };
    await expect(change({ operation: 'edit', device: missing })).rejects.toMatchObject({
      fault: { _type: 'FileNotFound' },
    });
  });

  it('keeps the storage policy a new disk names, and refuses one that does not exist', async () => {
    const { vsphere, device, change } = setup();
    const gold = vsphere.storagePolicies.create('gold');
    const profile = (profileId: string) => [{ _type: 'VirtualMachineDefinedProfileSpec', profileId }];
    await change({ ...create(disk(-1, 1024)), profile: profile(gold) });
    expect(device(2001)).toMatchObject({ storagePolicyId: gold });
    await expect(
      change({ ...create(disk(-1, 1024)), profile: profile('no-such-policy') }),
    ).rejects.toMatchObject(deviceFault('virtualDeviceSpec.profile', 0));
    // An existing disk changes its policy, or goes back to the default one (none of the simulator's).
    const silver = vsphere.storagePolicies.create('silver');
    const edit = { operation: 'edit' as const, device: { _type: 'VirtualDisk', key: 2001 } };
    await change({ ...edit, profile: profile(silver) });
    expect(device(2001)).toMatchObject({ storagePolicyId: silver, capacityInKB: 1024 });
    await change({ ...edit, profile: [{ _type: 'VirtualMachineDefaultProfileSpec' }] });
    expect(device(2001)).not.toHaveProperty('storagePolicyId');
  });

  it("keeps the storage policy of the VM's home its vmProfile names, and the default one clears it", async () => {
    const { vsphere, get, reconfigure } = setup();
    const gold = vsphere.storagePolicies.create('gold');
    await reconfigure({ vmProfile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: gold }] });
    expect(get().config.homeStoragePolicyId).toBe(gold);
    await expect(
      reconfigure({ vmProfile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: 'nope' }] }),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidArgument', invalidProperty: 'vmProfile' } });
    expect(get().config.homeStoragePolicyId).toBe(gold);
    await reconfigure({ vmProfile: [{ _type: 'VirtualMachineDefaultProfileSpec' }] });
    expect(get().config).not.toHaveProperty('homeStoragePolicyId');
  });

  it("creates a VM with its home under the vmProfile's policy, refusing an unknown one as a reconfigure does", async () => {
    const { vsphere, vm, get, run } = setup();
    const gold = vsphere.storagePolicies.create('gold');
    const create = (name: string, profileId: string) =>
      run(
        vsphere.vm.create(
          vm.parent as string,
          {
            name,
            files: { vmPathName: '[LocalDS_0]' },
            vmProfile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId }],
          },
          vm.pool as string,
        ),
      );
    const ref = await create('gold-home', gold);
    expect(get(ref.value).config.homeStoragePolicyId).toBe(gold);
    await expect(create('no-home', 'nope')).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'vmProfile' },
    });
    expect(findByInventoryPath(vsphere.store, '/DC0/vm/no-home')).toBeUndefined();
  });

  it('refuses to remove a controller that still has devices on it', async () => {
    const { vsphere, vm, device, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    await expect(change({ operation: 'remove', device: device(1000) as Device })).rejects.toMatchObject(
      deviceFault('virtualDeviceSpec.device', 0),
    );
  });

  it('adds a NIC on a standard network with a generated MAC; the VM and its guest follow', async () => {
    const { vsphere, at, vm, get, device, change } = setup();
    const network = at<InventoryRecord>('/DC0/network/VM Network');
    await change({
      operation: 'add',
      device: { _type: 'VirtualVmxnet3', key: -1, backing: { network: moref('Network', network.id) } },
    });
    const nic = device(4001);
    expect(nic).toMatchObject({
      controllerKey: 100,
      unitNumber: 8,
      addressType: 'assigned',
      backing: { _type: 'VirtualEthernetCardNetworkBackingInfo', deviceName: 'VM Network' },
    });
    expect(nic?.macAddress).toMatch(/^00:50:56:/);
    expect(nic?.macAddress).not.toBe(device(4000)?.macAddress);
    expect(get().networks).toContain(network.id);
    expect(vsphere.store.referrers('vm', network.id).has(vm.id)).toBe(true);
    expect(get().guest.net.map((n) => n.deviceConfigId)).toEqual([4000, 4001]);
  });

  it('keeps a manual MAC and plugs a NIC into a distributed portgroup', async () => {
    const { vsphere, at, vm, get, device, change } = setup();
    const pg = at<InventoryRecord>('/DC0/network/DC0_DVPG0');
    const existing = device(4000)?.backing as { port: { switchUuid: string } };
    await change({
      operation: 'add',
      device: {
        _type: 'VirtualE1000e',
        key: 0,
        addressType: 'manual',
        macAddress: '00:50:56:3f:00:01',
        backing: { port: { switchUuid: existing.port.switchUuid, portgroupKey: pg.id } },
      },
    });
    expect(device(4001)).toMatchObject({ addressType: 'manual', macAddress: '00:50:56:3f:00:01' });
    expect(get().networks).toEqual([pg.id]);
    expect(vsphere.store.referrers('vm', pg.id).has(vm.id)).toBe(true);
  });

  it('moves a NIC to another network and drops the VM from the old one', async () => {
    const { vsphere, at, vm, get, device, change } = setup();
    const pg = at<InventoryRecord>('/DC0/network/DC0_DVPG0');
    const network = at<InventoryRecord>('/DC0/network/VM Network');
    const mac = device(4000)?.macAddress;
    await change({
      operation: 'edit',
      device: { ...(device(4000) as Device), backing: { network: moref('Network', network.id) } },
    });
    expect(get().networks).toEqual([network.id]);
    expect(vsphere.store.referrers('vm', pg.id).has(vm.id)).toBe(false);
    expect(device(4000)?.macAddress).toBe(mac);
    await change({ operation: 'remove', device: device(4000) as Device });
    expect(get().networks).toEqual([]);
    expect(get().guest.net).toEqual([]);
  });

  it('refuses a NIC on a network that does not exist', async () => {
    const { change } = setup();
    await expect(
      change({
        operation: 'add',
        device: { _type: 'VirtualVmxnet3', key: -1, backing: { deviceName: 'nope' } },
      }),
    ).rejects.toMatchObject(deviceFault('virtualDeviceSpec.device.backing', 0));
  });

  it("sets a NIC's wake-on-LAN and UPT flags; UPT on anything but VMXNET3 is InvalidDeviceSpec", async () => {
    const { vsphere, at, vm, device, change } = setup();
    const network = moref('Network', at<InventoryRecord>('/DC0/network/VM Network').id);
    await change({
      operation: 'add',
      device: { _type: 'VirtualVmxnet3', key: -1, backing: { network }, wakeOnLanEnabled: false },
    });
    expect(device(4001)).toMatchObject({ wakeOnLanEnabled: false, uptCompatibilityEnabled: true });
    await change({
      operation: 'edit',
      device: { _type: 'VirtualVmxnet3', key: 4001, uptCompatibilityEnabled: false },
    });
    const read = vsphere.read<{ hardware: { device: Device[] } }>(vm.id, 'config');
    expect(read.hardware.device.find((d) => d.key === 4001)).toMatchObject({
      wakeOnLanEnabled: false,
      uptCompatibilityEnabled: false,
    });
    await change({ operation: 'add', device: { _type: 'VirtualE1000e', key: -1, backing: { network } } });
    expect(device(4002)).not.toHaveProperty('uptCompatibilityEnabled');
    await expect(
      change({
        operation: 'edit',
        device: { _type: 'VirtualE1000e', key: 4002, uptCompatibilityEnabled: true },
      }),
    ).rejects.toMatchObject(deviceFault('virtualDeviceSpec.device.uptCompatibilityEnabled', 0));
    await expect(
      change({
        operation: 'add',
        device: { _type: 'VirtualE1000', key: -1, backing: { network }, uptCompatibilityEnabled: false },
      }),
    ).rejects.toMatchObject(deviceFault('virtualDeviceSpec.device.uptCompatibilityEnabled', 0));
  });

  it('adds serial and parallel ports on the SIO controller, each type numbering its own units', async () => {
    const { vsphere, vm, device, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    await change(
      { operation: 'add', device: { _type: 'VirtualFloppy', key: -1 } },
      { operation: 'add', device: serialPort(-2) },
      { operation: 'add', device: serialPort(-3) },
      { operation: 'add', device: { _type: 'VirtualParallelPort', key: -4 } },
    );
    expect(device(8000)).toMatchObject({ controllerKey: 400, unitNumber: 0 });
    expect(device(9000)).toMatchObject({ controllerKey: 400, unitNumber: 0, yieldOnPoll: true });
    expect(device(9001)).toMatchObject({ controllerKey: 400, unitNumber: 1 });
    expect(device(10000)).toMatchObject({ controllerKey: 400, unitNumber: 0 });
    expect(device(400)?.device).toEqual([8000, 9000, 9001, 10000]);
  });

  it("labels a new drive or port as vCenter does, taking a removed one's number again", async () => {
    const { vsphere, vm, device, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const label = (key: number) => device(key)?.deviceInfo?.label;
    await change(
      { operation: 'add', device: { _type: 'VirtualCdrom', key: -1 } },
      { operation: 'add', device: serialPort(-2) },
      { operation: 'add', device: serialPort(-3) },
      { operation: 'add', device: { _type: 'VirtualParallelPort', key: -4 } },
      { operation: 'add', device: { _type: 'VirtualFloppy', key: -5 } },
    );
    // The VM came with CD/DVD drive 1 (key 3000).
    expect([label(3000), label(3001), label(9000), label(9001), label(10000), label(8000)]).toEqual([
      'CD/DVD drive 1',
      'CD/DVD drive 2',
      'Serial port 1',
      'Serial port 2',
      'Parallel port 1',
      'Floppy drive 1',
    ]);
    await change({ operation: 'remove', device: { _type: 'VirtualSerialPort', key: 9000 } });
    await change({ operation: 'add', device: serialPort(-1) });
    expect(label(9000)).toBe('Serial port 1');
  });

  it('adds vGPUs and Dynamic DirectPath I/O devices on the PCI controller while the VM is off', async () => {
    const { vsphere, vm, get, device, change, run } = setup();
    const vgpu = (key: number, profile: string): VirtualDeviceConfigSpec => ({
      operation: 'add',
      device: {
        _type: 'VirtualPCIPassthrough',
        key,
        backing: { _type: 'VirtualPCIPassthroughVmiopBackingInfo', vgpu: profile },
      },
    });
    const dynamic: VirtualDeviceConfigSpec = {
      operation: 'add',
      device: {
        _type: 'VirtualPCIPassthrough',
        key: -3,
        backing: {
          _type: 'VirtualPCIPassthroughDynamicBackingInfo',
          allowedDevice: [
            { _type: 'VirtualPCIPassthroughAllowedDevice', vendorId: 0x10de, deviceId: 0x20b0 },
          ],
          customLabel: 'a100',
        },
      },
    };
    await expect(change(vgpu(-1, 'grid_a100-4c'))).rejects.toMatchObject({
      fault: { _type: 'DeviceHotPlugNotSupported', deviceIndex: 0 },
    });
    await run(vsphere.vm.powerOff(vm.id));
    await change(vgpu(-1, 'grid_a100-4c'), vgpu(-2, 'grid_a100-8c'), dynamic);
    expect(device(13000)).toMatchObject({
      controllerKey: 100,
      deviceInfo: { label: 'PCI device 0', summary: 'NVIDIA GRID vGPU grid_a100-4c' },
    });
    expect(device(13001)?.deviceInfo?.label).toBe('PCI device 1');
    expect(device(13002)).toMatchObject({
      controllerKey: 100,
      deviceInfo: { label: 'PCI device 2' },
      backing: { customLabel: 'a100' },
    });
    expect(device(100)?.device).toEqual(expect.arrayContaining([13000, 13001, 13002]));
    expect(vsphere.read(vm.id, 'summary.config.numVmiopBackings')).toBe(2);
    await run(vsphere.vm.powerOn(vm.id));
    await expect(
      change({ operation: 'remove', device: { _type: 'VirtualPCIPassthrough', key: 13000 } }),
    ).rejects.toMatchObject({ fault: { _type: 'DeviceHotPlugNotSupported' } });
    expect(get().config.devices.filter((d) => d._type === 'VirtualPCIPassthrough')).toHaveLength(3);
  });

  it('refuses a PCI passthrough device without a vGPU profile or an allowed device (InvalidDeviceSpec)', async () => {
    const { vsphere, vm, get, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const config = get().config;
    const passthrough = (backing: unknown): VirtualDeviceConfigSpec => ({
      operation: 'add',
      device: { _type: 'VirtualPCIPassthrough', key: -1, backing },
    });
    const refused: [unknown, string][] = [
      [undefined, 'virtualDeviceSpec.device.backing'],
      [{ _type: 'VirtualPCIPassthroughVmiopBackingInfo', vgpu: '' }, 'virtualDeviceSpec.device.backing.vgpu'],
      [
        { _type: 'VirtualPCIPassthroughDynamicBackingInfo', allowedDevice: [] },
        'virtualDeviceSpec.device.backing.allowedDevice',
      ],
    ];
    for (const [backing, property] of refused)
      await expect(change(passthrough(backing))).rejects.toMatchObject(deviceFault(property, 0));
    expect(get().config).toBe(config);
  });

  it('adds and removes serial and parallel ports only while the VM is off (DeviceHotPlugNotSupported)', async () => {
    const { vsphere, vm, get, device, change, run } = setup();
    const notHotPluggable = { fault: { _type: 'DeviceHotPlugNotSupported', deviceIndex: 0 } };
    await expect(change({ operation: 'add', device: serialPort(-1) })).rejects.toMatchObject(notHotPluggable);
    await run(vsphere.vm.powerOff(vm.id));
    await change({ operation: 'add', device: serialPort(-1) });
    await run(vsphere.vm.powerOn(vm.id));
    const config = get().config;
    await expect(change({ operation: 'remove', device: { _type: '', key: 9000 } })).rejects.toMatchObject(
      notHotPluggable,
    );
    expect(get().config).toBe(config);
    // Its settings may change while the VM runs.
    await change({ operation: 'edit', device: { ...(device(9000) as Device), yieldOnPoll: false } });
    expect(device(9000)?.yieldOnPoll).toBe(false);
  });

  it("changes a port's backing only while it is disconnected or the VM is off (InvalidPowerState)", async () => {
    const { vsphere, vm, get, device, change, run } = setup();
    const connectable = { startConnected: true, connected: false, allowGuestControl: false };
    const lpt = (fileName: string) => ({ _type: 'VirtualParallelPortFileBackingInfo', fileName });
    await run(vsphere.vm.powerOff(vm.id));
    await change(
      { operation: 'add', device: { ...serialPort(-1), connectable } },
      {
        operation: 'add',
        device: { _type: 'VirtualParallelPort', key: -2, backing: lpt('[LocalDS_0] a.lpt'), connectable },
      },
    );
    await run(vsphere.vm.powerOn(vm.id));
    const serial = device(9000) as Device;
    expect(serial.connectable).toMatchObject({ connected: true });
    const console = { _type: 'VirtualSerialPortFileBackingInfo', fileName: '[LocalDS_0] console.log' };
    const config = get().config;
    const refused = { fault: { _type: 'InvalidPowerState', existingState: 'poweredOn' } };
    await expect(
      change({ operation: 'edit', device: { ...serial, backing: console } }),
    ).rejects.toMatchObject(refused);
    const parallel = { ...(device(10000) as Device), backing: lpt('[LocalDS_0] b.lpt') };
    await expect(change({ operation: 'edit', device: parallel })).rejects.toMatchObject(refused);
    expect(get().config).toBe(config);
    // The device as read, its backing unchanged, edits as before.
    await change({ operation: 'edit', device: { ...serial, yieldOnPoll: false } });
    const disconnected = { ...connectable, connected: false };
    await change({ operation: 'edit', device: { ...(device(9000) as Device), connectable: disconnected } });
    await change({ operation: 'edit', device: { _type: 'VirtualSerialPort', key: 9000, backing: console } });
    expect(device(9000)).toMatchObject({ backing: console, yieldOnPoll: false });
    await run(vsphere.vm.powerOff(vm.id));
    await change({ operation: 'edit', device: parallel });
    expect(device(10000)?.backing).toEqual(parallel.backing);
  });

  it('refuses a 33rd serial port and a 4th parallel port with TooManyDevices', async () => {
    const { vsphere, vm, get, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const serial = Array.from({ length: 32 }, (_, i) => ({
      operation: 'add' as const,
      device: serialPort(-1 - i),
    }));
    await change(...serial);
    const parallel = [1, 2, 3].map((i) => ({
      operation: 'add' as const,
      device: { _type: 'VirtualParallelPort', key: -i },
    }));
    await change(...parallel);
    const config = get().config;
    const tooMany = { fault: { _type: 'TooManyDevices' } };
    await expect(change({ operation: 'add', device: serialPort(-1) })).rejects.toMatchObject(tooMany);
    await expect(change(parallel[0] as VirtualDeviceConfigSpec)).rejects.toMatchObject(tooMany);
    expect(get().config).toBe(config);
  });

  it('adds SATA, NVMe and SCSI controllers on the PCI bus, each kind taking its first free bus', async () => {
    const { vsphere, vm, device, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    await change(
      controller('VirtualAHCIController', -1),
      controller('VirtualAHCIController', -2, { busNumber: 2 }),
      controller('VirtualNVMEController', -3, {
        slotInfo: { _type: 'VirtualDevicePciBusSlotInfo', pciSlotNumber: 256 },
      }),
      controller('VirtualLsiLogicSASController', -4, { sharedBus: 'virtualSharing' }),
    );
    expect(device(15000)).toMatchObject({
      busNumber: 0,
      controllerKey: 100,
      device: [],
      deviceInfo: { label: 'SATA controller 0' },
    });
    expect(device(15001)).toMatchObject({ busNumber: 2, deviceInfo: { label: 'SATA controller 2' } });
    expect(device(31000)).toMatchObject({
      busNumber: 0,
      deviceInfo: { label: 'NVME controller 0' },
      slotInfo: { pciSlotNumber: 256 },
    });
    // SCSI's types share their buses: bus 0 is the PVSCSI controller's.
    expect(device(1001)).toMatchObject({
      busNumber: 1,
      sharedBus: 'virtualSharing',
      scsiCtlrUnitNumber: 7,
      deviceInfo: { label: 'SCSI controller 1' },
    });
    expect(device(100)?.device).toEqual(expect.arrayContaining([15000, 15001, 31000, 1001]));
  });

  it('refuses a bus taken or out of range (InvalidDeviceSpec) and a fifth controller of a kind (TooManyDevices)', async () => {
    const { vsphere, vm, get, change, run } = setup();
    await run(vsphere.vm.powerOff(vm.id));
    const busFault = (index: number) => deviceFault('virtualDeviceSpec.device.busNumber', index);
    await expect(change(controller('VirtualBusLogicController', -1, { busNumber: 0 }))).rejects.toMatchObject(
      busFault(0),
    );
    await expect(
      change(
        controller('VirtualNVMEController', -1),
        controller('VirtualNVMEController', -2, { busNumber: 0 }),
      ),
    ).rejects.toMatchObject(busFault(1));
    for (const busNumber of [4, -1, 1.5])
      await expect(change(controller('VirtualAHCIController', -1, { busNumber }))).rejects.toMatchObject(
        busFault(0),
      );
    await change(...[1, 2, 3].map((n) => controller('ParaVirtualSCSIController', -n)));
    await change(...[1, 2, 3, 4].map((n) => controller('VirtualAHCIController', -n)));
    const config = get().config;
    const tooMany = { fault: { _type: 'TooManyDevices' } };
    await expect(change(controller('VirtualLsiLogicController', -1))).rejects.toMatchObject(tooMany);
    await expect(change(controller('VirtualAHCIController', -1))).rejects.toMatchObject(tooMany);
    expect(get().config).toBe(config);
  });

  it('adds and removes SATA and NVMe controllers only while the VM is off (DeviceHotPlugNotSupported), SCSI ones at any time', async () => {
    const { vsphere, vm, get, device, change, run } = setup();
    const notHotPluggable = { fault: { _type: 'DeviceHotPlugNotSupported', deviceIndex: 0 } };
    await expect(change(controller('VirtualNVMEController', -1))).rejects.toMatchObject(notHotPluggable);
    await run(vsphere.vm.powerOff(vm.id));
    await change(controller('VirtualNVMEController', -1));
    await run(vsphere.vm.powerOn(vm.id));
    const config = get().config;
    await expect(change({ operation: 'remove', device: device(31000) as Device })).rejects.toMatchObject(
      notHotPluggable,
    );
    expect(get().config).toBe(config);
    // A running VM's SCSI controller may change its sharing.
    await change({
      operation: 'edit',
      device: { ...(device(1000) as Device), sharedBus: 'physicalSharing' },
    });
    expect(device(1000)?.sharedBus).toBe('physicalSharing');
    // A SCSI controller comes and goes while it runs.
    await change(controller('ParaVirtualSCSIController', -1));
    const hotAdded = get().config.devices.find(
      (d) => d._type === 'ParaVirtualSCSIController' && d.key !== 1000,
    );
    expect(hotAdded?.busNumber).toBe(1);
    await change({ operation: 'remove', device: hotAdded as Device });
    expect(device(hotAdded?.key as number)).toBeUndefined();
    // A suspended VM takes none.
    await run(vsphere.vm.suspend(vm.id));
    await expect(change(controller('ParaVirtualSCSIController', -1))).rejects.toMatchObject(notHotPluggable);
    await run(vsphere.vm.powerOn(vm.id));
    await run(vsphere.vm.powerOff(vm.id));
    await change({ operation: 'remove', device: device(31000) as Device });
    expect(device(31000)).toBeUndefined();
  });

  it('changes nothing when one device change of several fails', async () => {
    const { get, vm, used, change } = setup();
    const before = used();
    await expect(
      change(create(disk(-1, 1024 * 1024)), { operation: 'edit', device: disk(2999, 1024) }),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidDeviceSpec' } });
    expect(get().config).toBe(vm.config);
    expect(used()).toBe(before);
  });
});

describe('ReconfigVM_Task: the fault for each bad device change', () => {
  it('answers each bad entry with its fault, naming the entry', async () => {
    const { vsphere, at, vm, get, change } = setup();
    const host = at<InventoryRecord>('/DC0/host/DC0_H0/DC0_H0');
    const pg = at<NetworkRecord>('/DC0/network/DC0_DVPG0');
    const switchUuid = (vsphere.store.get(pg.dvs as string) as DvsRecord).uuid;
    const nic = (backing: object, extra: Partial<Device> = {}): VirtualDeviceConfigSpec => ({
      operation: 'add',
      device: { _type: 'VirtualVmxnet3', key: -1, backing, ...extra },
    });
    const cases: [VirtualDeviceConfigSpec[], Record<string, unknown>][] = [
      [
        [create(disk(-1, 1024, { controllerKey: 999 }))],
        deviceFault('virtualDeviceSpec.device.controllerKey', 0),
      ],
      [
        [create(disk(-1, 1024, { controllerKey: 2000 }))],
        deviceFault('virtualDeviceSpec.device.controllerKey', 0),
      ],
      [
        [create(disk(-1, 0, { capacityInKB: undefined }))],
        deviceFault('virtualDeviceSpec.device.capacityInKB', 0),
      ],
      [
        [{ operation: 'add', device: disk(-1, 1024) }],
        deviceFault('virtualDeviceSpec.device.backing.fileName', 0),
      ],
      [
        [create(disk(-1, 1024, { backing: { fileName: '[LocalDS_0] DC0_H0_VM0/DC0_H0_VM0.vmdk' } }))],
        deviceFault('virtualDeviceSpec.device.backing.fileName', 0),
      ],
      [
        [create(disk(-1, 1024, { backing: { fileName: '[Nope] x/x.vmdk' } }))],
        { fault: { _type: 'InvalidDatastorePath', datastorePath: '[Nope] x/x.vmdk' } },
      ],
      [
        [create(disk(-1, 1024, { backing: { datastore: moref('Datastore', host.id) } }))],
        deviceFault('virtualDeviceSpec.device.backing.datastore', 0),
      ],
      [
        [nic({ deviceName: 'VM Network' }, { addressType: 'manual' })],
        deviceFault('virtualDeviceSpec.device.macAddress', 0),
      ],
      [
        [nic({ port: { switchUuid, portgroupKey: 'nope' } })],
        deviceFault('virtualDeviceSpec.device.backing.port.portgroupKey', 0),
      ],
      [[nic({ port: { switchUuid: 'other', portgroupKey: pg.id } })], { fault: { _type: 'NotFound' } }],
      [
        [nic({ network: moref('Network', host.id) })],
        deviceFault('virtualDeviceSpec.device.backing.network', 0),
      ],
      [
        [{ operation: 'edit', device: { _type: 'VirtualCdrom', key: 2000 } }],
        deviceFault('virtualDeviceSpec.device', 0),
      ],
      [
        [{ operation: 'frob', device: disk(2000, 1024) } as unknown as VirtualDeviceConfigSpec],
        deviceFault('virtualDeviceSpec.operation', 0),
      ],
      [[{ operation: 'add', device: { key: -1 } as Device }], deviceFault('virtualDeviceSpec.device', 0)],
    ];
    for (const [changes, fault] of cases) await expect(change(...changes)).rejects.toMatchObject(fault);
    expect(get().config).toBe(vm.config);
    // A portgroup of a switch the VM's host has not joined is refused.
    vsphere.store.transact((tx) => {
      const dvs = tx.get(pg.dvs as string) as DvsRecord;
      tx.put({ ...dvs, hosts: dvs.hosts.filter((h) => h !== host.id) });
    });
    await expect(change(nic({ port: { switchUuid, portgroupKey: pg.id } }))).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'spec.deviceChange.device.port.switchUuid' },
    });
  });

  it('refuses an empty name and a CPU count below one', async () => {
    const { reconfigure } = setup();
    await expect(reconfigure({ name: ' ' })).rejects.toMatchObject({
      fault: { _type: 'InvalidVmConfig', property: 'configSpec.name' },
    });
    await expect(reconfigure({ numCPUs: 0 })).rejects.toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'numCPUs' },
    });
  });
});
