import { describe, expect, it } from 'vitest';
import type { VirtualMachineSpec, VirtualMachineVolume } from './types.js';
import { withVolumeControllers } from './volume-placement.js';

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
