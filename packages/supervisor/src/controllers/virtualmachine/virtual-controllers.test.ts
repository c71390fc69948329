import type { Device } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachineHardwareSpec } from '../../api/types.js';
import { controllerChanges, NEW_CONTROLLER_KEY, runningControllerChanges } from './virtual-controllers.js';

const DEVICES: Device[] = [
  { _type: 'VirtualPCIController', key: 100, busNumber: 0 },
  { _type: 'VirtualIDEController', key: 200, busNumber: 0 },
  { _type: 'VirtualIDEController', key: 201, busNumber: 1 },
  { _type: 'ParaVirtualSCSIController', key: 1000, busNumber: 0, sharedBus: 'noSharing' },
  // Added without a bus sharing, as a client may: it shares nothing.
  { _type: 'VirtualNVMEController', key: 31000, busNumber: 0 },
];

const hardware = (scsiBus0Sharing: 'None' | 'Virtual'): VirtualMachineHardwareSpec => ({
  ideControllers: [{ busNumber: 0 }, { busNumber: 1 }],
  nvmeControllers: [{ busNumber: 0 }],
  scsiControllers: [
    { busNumber: 0, sharingMode: scsiBus0Sharing, type: 'ParaVirtual' },
    { busNumber: 1, sharingMode: 'Physical', type: 'ParaVirtual' },
  ],
});

const addScsiBus1 = {
  operation: 'add',
  device: {
    _type: 'ParaVirtualSCSIController',
    key: NEW_CONTROLLER_KEY,
    busNumber: 1,
    controllerKey: 100,
    sharedBus: 'physicalSharing',
  },
};

describe("vm-operator's virtual controller reconcile", () => {
  it("adds the controller the spec lists, and reads a controller's missing bus sharing as none", () => {
    expect(controllerChanges(hardware('None'), DEVICES)).toEqual([addScsiBus1]);
    expect(runningControllerChanges(hardware('None'), DEVICES)).toEqual([addScsiBus1]);
  });

  it('makes no change while the VM runs when one is an edit, and all of them while it is off', () => {
    const edit = {
      operation: 'edit',
      device: { ...(DEVICES[3] as Device), sharedBus: 'virtualSharing' },
    };
    expect(controllerChanges(hardware('Virtual'), DEVICES)).toEqual([addScsiBus1, edit]);
    expect(runningControllerChanges(hardware('Virtual'), DEVICES)).toEqual([]);
  });
});
