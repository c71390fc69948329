/**
 * vm-operator's hardware conditions (VMSharedDisks, its status update's reconcileHardwareCondition):
 * the spec's controllers, volumes and CD-ROMs against the VM's devices in vSphere, each kind a
 * condition of its own (True, or False with what is missing and unexpected), and
 * `VirtualMachineHardwareDeviceConfigVerified` over the three. Volumes are matched by name (a disk's
 * through its volume status), CD-ROMs by their image's file, each with its controller and unit.
 */
import type { VmRecord } from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineImageRef, VirtualMachineVolumeStatus } from '../../api/types.js';
import { CONTROLLER_LISTS } from '../../api/volume-placement.js';
import { isFalse, isTrue, type Verdict } from './conditions.js';
import { controllerType } from './hardware-status.js';
import { busOf } from './virtual-controllers.js';
import { uuidOf } from './volumes.js';

export const HARDWARE_CONDITION = {
  controllers: 'VirtualMachineHardwareControllersVerified',
  volumes: 'VirtualMachineHardwareVolumesVerified',
  cdroms: 'VirtualMachineHardwareCDROMVerified',
  deviceConfig: 'VirtualMachineHardwareDeviceConfigVerified',
} as const;

/** Each kind's reason when the spec and vSphere differ. */
const MISMATCH = {
  controllers: 'HardwareControllersMismatch',
  volumes: 'HardwareVolumesMismatch',
  cdroms: 'HardwareCDROMMismatch',
} as const;

/** vm-operator's names of controllers (`SCSI:0`) and placements (`key (SCSI:0:1)`), compared as it sorts them. */
const controllerName = (type: string, bus: number) => `${type}:${bus}`;
const placementName = (key: string, type: string, bus: number, unit: number) =>
  `${key} (${type}:${bus}:${unit})`;

interface Sortable {
  readonly name: string;
  readonly order: readonly (string | number)[];
}

const byOrder = (a: Sortable, b: Sortable) => {
  for (let i = 0; i < a.order.length; i++) {
    const x = a.order[i] as string | number;
    const y = b.order[i] as string | number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/** What one set has that the other has not, sorted, by name. */
function missingFrom(from: ReadonlyMap<string, Sortable>, other: ReadonlyMap<string, Sortable>): string[] {
  return [...from.values()]
    .filter((item) => !other.has(item.name))
    .sort(byOrder)
    .map((item) => item.name);
}

const labelled = (items: readonly string[], label: string) =>
  items.length === 0 ? undefined : `${label}: ${items.join(', ')}`;

/** The issues of one kind as vm-operator words them, a line each; '' for none. */
const issues = (...lines: (string | undefined)[]) => lines.filter((l) => l !== undefined).join('\n');

function placement(key: string, type: string, bus: number, unit: number): Sortable {
  return { name: placementName(key, type, bus, unit), order: [key, type, bus, unit] };
}

/**
 * The four verdicts for the VM, its volume statuses those of this pass; `fileOf` resolves a
 * CD-ROM's image to its file (throws when it cannot).
 */
export function hardwareVerdicts(
  vm: VirtualMachine,
  record: VmRecord,
  volumeStatuses: readonly VirtualMachineVolumeStatus[] | undefined,
  fileOf: (image: VirtualMachineImageRef) => string,
): Verdict[] {
  const devices = record.config.devices;
  const controllerOfKey = new Map<number, { type: string; bus: number }>();
  const actualControllers = new Map<string, Sortable>();
  for (const device of devices) {
    const type = controllerType(device._type);
    if (!type || !device.key) continue;
    const bus = busOf(device);
    controllerOfKey.set(device.key, { type, bus });
    actualControllers.set(controllerName(type, bus), { name: controllerName(type, bus), order: [type, bus] });
  }
  const hardware = vm.spec?.hardware;
  const expectedControllers = new Map<string, Sortable>();
  for (const [type, list] of Object.entries(CONTROLLER_LISTS))
    for (const c of hardware?.[list] ?? [])
      expectedControllers.set(controllerName(type, c.busNumber), {
        name: controllerName(type, c.busNumber),
        order: [type, c.busNumber],
      });
  const controllerIssues = issues(
    labelled(missingFrom(expectedControllers, actualControllers), 'missing controllers'),
    labelled(missingFrom(actualControllers, expectedControllers), 'unexpected controllers'),
  );

  // Disks and CD-ROMs in vSphere, each where it sits.
  const diskNames = new Map<string, string>();
  for (const volume of volumeStatuses ?? []) if (volume.diskUUID) diskNames.set(volume.diskUUID, volume.name);
  const actualVolumes = new Map<string, Sortable>();
  const actualCdroms = new Map<string, Sortable>();
  for (const device of devices) {
    const at = device.controllerKey === undefined ? undefined : controllerOfKey.get(device.controllerKey);
    if (!at || device.unitNumber === undefined) continue;
    if (device._type === 'VirtualDisk') {
      const name = diskNames.get(uuidOf(device));
      if (name === undefined) continue;
      const p = placement(name, at.type, at.bus, device.unitNumber);
      actualVolumes.set(p.name, p);
    } else if (device._type === 'VirtualCdrom') {
      const file = (device.backing as { fileName?: string } | undefined)?.fileName;
      if (!file) continue;
      const p = placement(file, at.type, at.bus, device.unitNumber);
      actualCdroms.set(p.name, p);
    }
  }

  const expectedVolumes = new Map<string, Sortable>();
  const incompleteVolumes: string[] = [];
  for (const volume of vm.spec?.volumes ?? []) {
    const { controllerType: type, controllerBusNumber: bus, unitNumber: unit } = volume;
    if (!type || bus === undefined || unit === undefined) incompleteVolumes.push(volume.name);
    else {
      const p = placement(volume.name, type, bus, unit);
      expectedVolumes.set(p.name, p);
    }
  }
  const volumeIssues = issues(
    labelled(missingFrom(expectedVolumes, actualVolumes), 'missing volumes'),
    labelled(missingFrom(actualVolumes, expectedVolumes), 'unexpected volumes'),
    labelled(incompleteVolumes, 'volumes with incomplete placement'),
  );

  const expectedCdroms = new Map<string, Sortable>();
  const incompleteCdroms: string[] = [];
  const unresolved: string[] = [];
  for (const cdrom of hardware?.cdrom ?? []) {
    const { controllerType: type, controllerBusNumber: bus, unitNumber: unit } = cdrom;
    if (!type || bus === undefined || unit === undefined) {
      incompleteCdroms.push(cdrom.name);
      continue;
    }
    let file: string;
    try {
      file = fileOf(cdrom.image);
    } catch {
      unresolved.push(cdrom.name);
      continue;
    }
    const p = placement(file, type, bus, unit);
    expectedCdroms.set(p.name, p);
  }
  const cdromIssues = issues(
    labelled(missingFrom(expectedCdroms, actualCdroms), 'missing CD-ROM devices'),
    labelled(missingFrom(actualCdroms, expectedCdroms), 'unexpected CD-ROM devices'),
    labelled(incompleteCdroms, 'CD-ROM devices with incomplete placement'),
    labelled(unresolved, 'CD-ROM devices with failed resolution'),
  );

  const verdicts: Verdict[] = [];
  const failing: string[] = [];
  const verdict = (kind: keyof typeof MISMATCH, message: string) => {
    if (message === '') return verdicts.push(isTrue(HARDWARE_CONDITION[kind]));
    failing.push(HARDWARE_CONDITION[kind]);
    return verdicts.push(isFalse(HARDWARE_CONDITION[kind], MISMATCH[kind], message));
  };
  verdict('controllers', controllerIssues);
  verdict('volumes', volumeIssues);
  verdict('cdroms', cdromIssues);
  verdicts.push(
    failing.length === 0
      ? isTrue(HARDWARE_CONDITION.deviceConfig)
      : isFalse(
          HARDWARE_CONDITION.deviceConfig,
          'HardwareDeviceConfigMismatch',
          `Hardware configuration issues detected. See ${failing.join(', ')} conditions for details.`,
        ),
  );
  return verdicts;
}
