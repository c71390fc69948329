import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { hardwareStatus } from './hardware-status.js';

const vmWith = (devices: object[], numCPU = 4, memoryMB = 1536) =>
  ({ config: { numCPU, memoryMB, devices } }) as unknown as VmRecord;

describe('status.hardware', () => {
  it('lists the controllers by type and bus, each with its disks and CD-ROMs by type and unit', () => {
    const status = hardwareStatus(
      vmWith([
        { _type: 'VirtualNVMEController', key: 31000, busNumber: 0 },
        { _type: 'VirtualLsiLogicSASController', key: 1001, busNumber: 1 },
        { _type: 'ParaVirtualSCSIController', key: 1000, busNumber: 0 },
        { _type: 'VirtualAHCIController', key: 15000, busNumber: 0 },
        { _type: 'VirtualDisk', key: 2001, controllerKey: 1000, unitNumber: 3 },
        { _type: 'VirtualCdrom', key: 16000, controllerKey: 15000, unitNumber: 1 },
        { _type: 'VirtualDisk', key: 2000, controllerKey: 1000, unitNumber: 0 },
        { _type: 'VirtualDisk', key: 16001, controllerKey: 15000, unitNumber: 0 },
        { _type: 'VirtualDisk', key: 2002, controllerKey: 31000, unitNumber: 2 },
        { _type: 'VirtualVmxnet3', key: 4000, controllerKey: 100, unitNumber: 7 },
      ]),
    );
    expect(status).toEqual({
      controllers: [
        { type: 'NVME', busNumber: 0, deviceKey: 31000, devices: [{ type: 'Disk', unitNumber: 2 }] },
        {
          type: 'SATA',
          busNumber: 0,
          deviceKey: 15000,
          devices: [
            { type: 'CDROM', unitNumber: 1 },
            { type: 'Disk', unitNumber: 0 },
          ],
        },
        {
          type: 'SCSI',
          busNumber: 0,
          deviceKey: 1000,
          devices: [
            { type: 'Disk', unitNumber: 0 },
            { type: 'Disk', unitNumber: 3 },
          ],
        },
        { type: 'SCSI', busNumber: 1, deviceKey: 1001 },
      ],
      cpu: { total: 4 },
      // vm-operator's millions of bytes per MB, as its BytesToResource writes them.
      memory: { total: '1536M' },
    });
    expect(Object.isFrozen(status.controllers?.[0]?.devices)).toBe(true);
  });

  it('is one object for VMs of one size and layout', () => {
    const layout = () => [
      { _type: 'VirtualIDEController', key: 200, busNumber: 0 },
      { _type: 'VirtualCdrom', key: 3000, controllerKey: 200, unitNumber: 0 },
    ];
    expect(hardwareStatus(vmWith(layout(), 2, 4096))).toBe(hardwareStatus(vmWith(layout(), 2, 4096)));
    expect(hardwareStatus(vmWith(layout(), 2, 4096))).not.toBe(hardwareStatus(vmWith(layout(), 2, 8192)));
    expect(hardwareStatus(vmWith([], 1, 0))).toEqual({ cpu: { total: 1 } });
  });

  it('reports the CPU reservation in MHz and the memory reservation as vm-operator counts MB', () => {
    const vm = vmWith([], 2, 2048);
    const reserved = {
      ...vm,
      config: {
        ...vm.config,
        cpuAllocation: { reservation: 1000, limit: -1, shares: { level: 'normal' } },
        memoryAllocation: { reservation: 1024, limit: -1, shares: { level: 'normal' } },
      },
    } as VmRecord;
    expect(hardwareStatus(reserved)).toEqual({
      cpu: { total: 2, reservation: 1000 },
      memory: { total: '2048M', reservation: '1024M' },
    });
    expect(hardwareStatus(vm)).toEqual({ cpu: { total: 2 }, memory: { total: '2048M' } });
  });
});
