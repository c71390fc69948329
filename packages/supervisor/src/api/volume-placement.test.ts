import { describe, expect, it } from 'vitest';
import type { VirtualMachineSpec, VirtualMachineVolume } from './types.js';
import { controllerProblems, withVolumeControllers } from './volume-placement.js';

const claim = (name: string, extra: Partial<VirtualMachineVolume> = {}): VirtualMachineVolume => ({
  name,
  persistentVolumeClaim: { claimName: name },
  ...extra,
});
const placements = (spec: VirtualMachineSpec) =>
  (spec.volumes ?? []).map((v) => `${v.name} ${v.controllerType}:${v.controllerBusNumber}:${v.unitNumber}`);

describe("vm-operator's AddControllersForVolumes", () => {
  it('puts a volume on the first SCSI controller of its sharing with a free unit, skipping unit 7', () => {
    const spec: VirtualMachineSpec = {
      hardware: { scsiControllers: [{ busNumber: 0, sharingMode: 'None', type: 'ParaVirtual' }] },
      volumes: [
        ...Array.from({ length: 7 }, (_, i) =>
          claim(`d${i}`, { controllerType: 'SCSI', controllerBusNumber: 0, unitNumber: i }),
        ),
        claim('data'),
      ],
    };
    expect(withVolumeControllers(spec)).toBe(true);
    expect(placements(spec).at(-1)).toBe('data SCSI:0:8');
    expect(spec.hardware?.scsiControllers).toHaveLength(1);
  });

  it('reserves the units of volumes placed in full before placing the others, whatever their order', () => {
    const spec: VirtualMachineSpec = {
      hardware: { scsiControllers: [{ busNumber: 0, sharingMode: 'None', type: 'ParaVirtual' }] },
      volumes: [claim('a'), claim('b', { controllerType: 'SCSI', controllerBusNumber: 0, unitNumber: 0 })],
    };
    withVolumeControllers(spec);
    expect(placements(spec)).toEqual(['a SCSI:0:1', 'b SCSI:0:0']);
  });

  it('adds a ParaVirtual controller on the lowest free bus for a sharing no controller has', () => {
    const spec: VirtualMachineSpec = {
      hardware: { scsiControllers: [{ busNumber: 0, sharingMode: 'None', type: 'ParaVirtual' }] },
      volumes: [claim('quorum', { applicationType: 'MicrosoftWSFC' })],
    };
    expect(withVolumeControllers(spec)).toBe(true);
    expect(spec.hardware?.scsiControllers).toEqual([
      { busNumber: 0, sharingMode: 'None', type: 'ParaVirtual' },
      { busNumber: 1, sharingMode: 'Physical', type: 'ParaVirtual' },
    ]);
    expect(placements(spec)).toEqual(['quorum SCSI:1:0']);
  });

  it('takes the bus a volume names, made if missing, and the units CD-ROMs hold', () => {
    const spec: VirtualMachineSpec = {
      hardware: {
        cdrom: [
          {
            name: 'cd',
            image: { kind: 'VirtualMachineImage', name: 'iso' },
            controllerType: 'SATA',
            controllerBusNumber: 2,
            unitNumber: 0,
          },
        ],
      },
      volumes: [
        claim('fast', { controllerType: 'NVME' }),
        claim('slow', { controllerType: 'SATA', controllerBusNumber: 2 }),
      ],
    };
    withVolumeControllers(spec);
    expect(spec.hardware?.nvmeControllers).toEqual([{ busNumber: 0, sharingMode: 'None' }]);
    expect(spec.hardware?.sataControllers).toEqual([{ busNumber: 2 }]);
    expect(placements(spec)).toEqual(['fast NVME:0:0', 'slow SATA:2:1']);
  });

  it("reads a controller's unset sharing and kind as the schema's defaults, an empty type as SCSI", () => {
    const spec: VirtualMachineSpec = {
      hardware: { nvmeControllers: [{ busNumber: 0 }], scsiControllers: [{ busNumber: 0 }] },
      volumes: [claim('fast', { controllerType: 'NVME' }), claim('data', { controllerType: '' as never })],
    };
    withVolumeControllers(spec);
    expect(placements(spec)).toEqual(['fast NVME:0:0', 'data SCSI:0:0']);
    expect(spec.hardware).toEqual({
      nvmeControllers: [{ busNumber: 0 }],
      scsiControllers: [{ busNumber: 0 }],
    });
  });

  it('leaves a volume that finds no room as it is, and changes nothing placed already', () => {
    const full: VirtualMachineSpec = {
      hardware: {
        ideControllers: [{ busNumber: 0 }, { busNumber: 1 }],
      },
      volumes: [
        claim('a', { controllerType: 'IDE', controllerBusNumber: 0, unitNumber: 0 }),
        claim('b', { controllerType: 'IDE', controllerBusNumber: 0, unitNumber: 1 }),
        claim('c', { controllerType: 'IDE', controllerBusNumber: 1, unitNumber: 0 }),
        claim('d', { controllerType: 'IDE', controllerBusNumber: 1, unitNumber: 1 }),
      ],
    };
    expect(withVolumeControllers(full)).toBe(false);
    full.volumes?.push(claim('e', { controllerType: 'IDE' }));
    expect(withVolumeControllers(full)).toBe(false);
    expect(full.volumes?.at(-1)).toEqual(claim('e', { controllerType: 'IDE' }));
  });
});

describe("vm-operator's controller rules for an upgraded VM", () => {
  const ide = [{ busNumber: 0 }, { busNumber: 1 }];
  const pvscsi = { busNumber: 0, sharingMode: 'None' as const, type: 'ParaVirtual' as const };
  const messages = (
    spec: VirtualMachineSpec,
    old: VirtualMachineSpec = spec,
    wasOn = false,
    wasUpgraded = true,
  ) => controllerProblems(spec, old, { wasOn, wasUpgraded }).map((e) => `${e.field}: ${e.message}`);
  const at = (name: string, type: 'SCSI' | 'SATA', bus: number, unit: number) =>
    claim(name, { controllerType: type, controllerBusNumber: bus, unitNumber: unit });

  it('wants two IDE controllers and each volume where its controller has a unit for it', () => {
    const spec: VirtualMachineSpec = {
      hardware: { ideControllers: [{ busNumber: 0 }], scsiControllers: [pvscsi] },
      volumes: [
        at('a', 'SCSI', 4, 0),
        at('b', 'SATA', 0, 0),
        at('c', 'SCSI', 0, 65),
        at('d', 'SCSI', 0, 7),
        at('e', 'SCSI', 0, 1),
        at('f', 'SCSI', 0, 1),
        claim('g', { controllerType: 'SCSI' }),
      ],
    };
    expect(messages(spec)).toEqual([
      'spec.hardware.ideControllers: Invalid value: "1 controllers": must have exactly 2 controllers',
      'spec.volumes[0].controllerBusNumber: Invalid value: 4: must be between 0 and 3',
      'spec.volumes[1].controllerBusNumber: Invalid value: 0: controller SATA:0 does not exist',
      'spec.volumes[2].unitNumber: Invalid value: 65: unit number must be between 0 and 64 for SCSI controller',
      'spec.volumes[3].unitNumber: Invalid value: 7: unit number 7 is reserved for the SCSI controller itself',
      'spec.volumes[5].unitNumber: Invalid value: 1: controller unit number SCSI:0:1 is already in use',
    ]);
  });

  it("keeps a running VM's controllers' sharing and kind, and no new SCSI controller while a shared one holds a volume", () => {
    const shared = { busNumber: 1, sharingMode: 'Physical' as const, type: 'ParaVirtual' as const };
    const old: VirtualMachineSpec = {
      hardware: { ideControllers: ide, scsiControllers: [pvscsi, shared] },
      volumes: [at('quorum', 'SCSI', 1, 0)],
    };
    const changed: VirtualMachineSpec = {
      ...old,
      hardware: {
        ideControllers: ide,
        scsiControllers: [
          { ...pvscsi, type: 'LsiLogic' },
          shared,
          { busNumber: 2, sharingMode: 'None', type: 'ParaVirtual' },
        ],
      },
    };
    expect(messages(changed, old, true)).toEqual([
      'spec.hardware.scsiControllers[0].type: Forbidden: updates to this field is not allowed when VM power is on',
      'spec.hardware.scsiControllers[2]: Forbidden: Hot-adding a new SCSI controller is not allowed when FSR is not supported',
    ]);
    // Not yet upgraded when it was stored, its SCSI controllers may be added.
    expect(messages(changed, old, true, false)).toEqual([
      'spec.hardware.scsiControllers[0].type: Forbidden: updates to this field is not allowed when VM power is on',
    ]);
    // Powered off, or with nothing on the shared controller, all of it may change.
    expect(messages(changed, old, false)).toEqual([]);
    expect(messages({ ...changed, volumes: [] }, { ...old, volumes: [] }, true)).toEqual([
      'spec.hardware.scsiControllers[0].type: Forbidden: updates to this field is not allowed when VM power is on',
    ]);
  });
});
