/**
 * A vCenter inside a unit test: build an inventory, drive VMs through the typed API, read
 * what a client would read. No port, no sleeps.
 */
import { afterEach, expect, it } from 'vitest';
import { createSimulator, findByInventoryPath, type Simulator } from 'vsim';

let sim: Simulator;
afterEach(() => sim.close());

it('powers a VM off and reads its state the way a client does', async () => {
  sim = await createSimulator({ seed: 1, inventory: { cluster: 1, host: 2, vm: 3, standaloneHost: 0 } });
  const vm = findByInventoryPath(sim.vsphere.store, '/DC0/vm/DC0_C0_RP0_VM0');
  if (!vm) throw new Error('the default names are vcsim names');

  expect(sim.vsphere.read(vm.id, 'summary.runtime.powerState')).toBe('poweredOn');
  expect(sim.vsphere.read(vm.id, 'guest.ipAddress')).toMatch(/^10\./);

  await sim.vsphere.vm.powerOff(vm.id).wait();
  expect(sim.vsphere.read(vm.id, 'runtime.powerState')).toBe('poweredOff');
  expect(sim.vsphere.read(vm.id, 'guest.ipAddress')).toBeUndefined();
});

it('makes one operation fail with the fault a test chooses', async () => {
  sim = await createSimulator({ seed: 1 });
  sim.vsphere.interceptor.add({
    method: 'PowerOffVM_Task',
    times: 1,
    fault: { _type: 'InsufficientResourcesFault' },
  });
  await expect(sim.vsphere.vm.powerOff('vm-20').wait()).rejects.toMatchObject({
    fault: { _type: 'InsufficientResourcesFault' },
  });
  await sim.vsphere.vm.powerOff('vm-20').wait();
});

it('makes a task take time on the virtual clock', async () => {
  sim = await createSimulator({ seed: 1 });
  sim.vsphere.interceptor.add({ method: 'PowerOffVM_Task', delayMs: 30_000 });
  sim.vsphere.vm.powerOff('vm-20');
  await sim.settle();
  expect(sim.vsphere.read('vm-20', 'runtime.powerState')).toBe('poweredOn');
  await sim.advance(30_000);
  expect(sim.vsphere.read('vm-20', 'runtime.powerState')).toBe('poweredOff');
});
