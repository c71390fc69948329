import { describe, expect, it } from 'vitest';
import { findByInventoryPath } from '../inventory/paths.js';
import type { TaskRecord, VmRecord } from '../inventory/records.js';
import { VSphere } from '../vsphere.js';

const setup = () => {
  const vsphere = new VSphere({ seed: 1 });
  const vm = findByInventoryPath(vsphere.store, '/DC0/vm/DC0_H0_VM0') as VmRecord;
  return { vsphere, vm };
};

describe('power operations', () => {
  it('powers a VM off and on again through tasks', async () => {
    const { vsphere, vm } = setup();
    expect(vm.powerState).toBe('poweredOn');
    const off = vsphere.vm.powerOff(vm.id);
    expect((vsphere.store.get(off.ref.value) as TaskRecord).state).toBe('queued');
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

  it('ends a power-on of a running VM in InvalidPowerState', async () => {
    const { vsphere, vm } = setup();
    const task = vsphere.vm.powerOn(vm.id);
    vsphere.scheduler.runDue();
    await expect(task.wait()).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState', requestedState: 'poweredOn', existingState: 'poweredOn' },
    });
    expect((vsphere.store.get(task.ref.value) as TaskRecord).error?._type).toBe('InvalidPowerState');
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
