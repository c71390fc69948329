import { describe, expect, it } from 'vitest';
import { withCdromPlacements } from './cdrom-placement.js';
import type { VirtualMachine, VirtualMachineCdromSpec, VirtualMachineHardwareSpec } from './types.js';
import { validateVirtualMachineCreate, validateVirtualMachineUpdate } from './validation.js';

const cdrom = (name: string, placement: Partial<VirtualMachineCdromSpec> = {}): VirtualMachineCdromSpec => ({
  name,
  image: { kind: 'VirtualMachineImage', name: `vmi-${name}` },
  ...placement,
});
const placement = (c: VirtualMachineCdromSpec) => [c.controllerType, c.controllerBusNumber, c.unitNumber];
const SHARED = { vmSharedDisks: true };

describe('CD-ROM placement by the mutating webhook', () => {
  it('reserves full placements first, then fills IDE units before adding a SATA controller', () => {
    const hardware: VirtualMachineHardwareSpec = {
      ideControllers: [{ busNumber: 0 }],
      cdrom: [
        cdrom('a'),
        cdrom('b', { controllerType: 'IDE', controllerBusNumber: 0, unitNumber: 0 }),
        cdrom('c'),
        cdrom('d'),
        cdrom('e'),
        cdrom('f', { controllerType: 'SATA', controllerBusNumber: 2 }),
      ],
    };
    expect(withCdromPlacements(hardware, undefined)).toBe(true);
    expect(hardware.cdrom?.map(placement)).toEqual([
      ['IDE', 0, 1],
      ['IDE', 0, 0],
      ['IDE', 1, 0],
      ['IDE', 1, 1],
      ['SATA', 0, 0],
      ['SATA', 2, 0],
    ]);
    expect(hardware.ideControllers).toEqual([{ busNumber: 0 }, { busNumber: 1 }]);
    expect(hardware.sataControllers).toEqual([{ busNumber: 0 }, { busNumber: 2 }]);
    // Placed: nothing more to do.
    expect(withCdromPlacements(hardware, undefined)).toBe(false);
  });

  it("skips the units the status shows a disk on, and leaves other controllers' and partial placements", () => {
    const hardware: VirtualMachineHardwareSpec = {
      ideControllers: [{ busNumber: 0 }],
      cdrom: [
        cdrom('a'),
        cdrom('b', { controllerType: 'SCSI', controllerBusNumber: 0 }),
        cdrom('c', { unitNumber: 1 }),
      ],
    };
    const status = {
      controllers: [
        {
          type: 'IDE' as const,
          busNumber: 0,
          deviceKey: 200,
          devices: [{ type: 'Disk' as const, unitNumber: 0 }],
        },
      ],
    };
    withCdromPlacements(hardware, status);
    expect(hardware.cdrom?.map(placement)).toEqual([
      ['IDE', 0, 1],
      ['SCSI', 0, undefined],
      [undefined, undefined, 1],
    ]);
  });
});

describe('CD-ROM placement checked by the validating webhook (VMSharedDisks)', () => {
  const vm = (cdroms: VirtualMachineCdromSpec[], powerState = 'PoweredOff'): VirtualMachine =>
    ({
      metadata: { name: 'm', namespace: 'ns1' },
      spec: {
        className: 'c',
        imageName: 'vmi-a',
        guestID: 'otherLinux64Guest',
        powerState,
        hardware: { cdrom: cdroms },
      },
      status: { powerState: 'PoweredOn' },
    }) as VirtualMachine;
  const messages = (errors: { field: string; message: string }[]) =>
    errors.map((e) => `${e.field}: ${e.message}`);

  it('on create, wants a controller type and a bus number together, and a full placement in range', () => {
    const errors = validateVirtualMachineCreate(
      vm([
        cdrom('a', { controllerType: 'IDE' }),
        cdrom('b', { controllerBusNumber: 0 }),
        cdrom('c', { controllerType: 'IDE', controllerBusNumber: 2, unitNumber: 2 }),
        cdrom('d', { controllerType: 'SATA', controllerBusNumber: 3, unitNumber: 29 }),
      ]),
      SHARED,
    );
    expect(messages(errors)).toEqual([
      'spec.hardware.cdrom[0].controllerBusNumber: Required value: must be set when controllerType is specified',
      'spec.hardware.cdrom[1].controllerType: Required value: must be set when controllerBusNumber is specified',
      'spec.hardware.cdrom[2].controllerBusNumber: Invalid value: 2: IDE controllerBusNumber must be in the range of 0 to 1',
      'spec.hardware.cdrom[2].unitNumber: Invalid value: 2: IDE unitNumber must be in the range of 0 to 1',
    ]);
    // Without the capability, vm-operator reads none of these fields.
    expect(validateVirtualMachineCreate(vm([cdrom('a', { controllerType: 'IDE' })]))).toEqual([]);
  });

  it('on update, wants every CD-ROM placed, each on a unit of its own', () => {
    const old = vm([]);
    const placed = { controllerType: 'SATA' as const, controllerBusNumber: 0, unitNumber: 30 };
    const errors = validateVirtualMachineUpdate(
      vm([
        cdrom('a'),
        cdrom('b', placed),
        cdrom('c', { ...placed, unitNumber: 3 }),
        cdrom('d', { ...placed, unitNumber: 3 }),
      ]),
      old,
      SHARED,
    );
    expect(messages(errors)).toEqual([
      'spec.hardware.cdrom[0].controllerType: Required value',
      'spec.hardware.cdrom[0].controllerBusNumber: Required value',
      'spec.hardware.cdrom[0].unitNumber: Required value',
      'spec.hardware.cdrom[1].unitNumber: Invalid value: 30: SATA unitNumber must be in the range of 0 to 29',
      'spec.hardware.cdrom[3].unitNumber: Duplicate value: 3',
    ]);
  });

  it("keeps a running VM's CD-ROMs where they are", () => {
    const at = (unitNumber: number) =>
      cdrom('a', { controllerType: 'IDE', controllerBusNumber: 0, unitNumber });
    const errors = validateVirtualMachineUpdate(vm([at(1)], 'PoweredOn'), vm([at(0)], 'PoweredOn'), SHARED);
    expect(messages(errors)).toEqual([
      'spec.hardware.cdrom[0].unitNumber: Forbidden: updates to this field is not allowed when VM power is on',
    ]);
    expect(validateVirtualMachineUpdate(vm([at(1)], 'PoweredOff'), vm([at(0)], 'PoweredOn'), SHARED)).toEqual(
      [],
    );
  });
});
