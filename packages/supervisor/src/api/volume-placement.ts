/**
 * vm-operator's `AddControllersForVolumes` (VMSharedDisks): on an update of a VM its schema upgrade
 * has marked, each volume gets a controller type, a bus and a unit, and `spec.hardware` any
 * controller they need. Volumes placed in full go first, reserving their units; then each of the
 * others takes the bus it names, or the first controller of its type (SCSI if it names none)
 * whose sharing is the volume's (Physical for a Microsoft WSFC volume, None otherwise) with a free
 * unit, or a new controller on the lowest free bus (a ParaVirtual one for SCSI). What the spec's
 * CD-ROMs hold is taken; what vSphere has is not read. A volume that finds no room is left as it
 * is, for the validating webhook to refuse: its rules for the controllers and where volumes sit
 * are here too (controllerProblems).
 */
import { getOrInsert } from '@vsim/vsphere';
import type {
  SCSIControllerType,
  VirtualControllerSharingMode,
  VirtualControllerType,
  VirtualMachineHardwareSpec,
  VirtualMachineSpec,
  VirtualMachineVolume,
} from './types.js';
import { type FieldError, forbidden, invalid } from './validation.js';

interface Controller {
  busNumber: number;
  sharingMode?: VirtualControllerSharingMode;
  type?: SCSIControllerType;
}

/** The spec's list of each controller type. */
export const CONTROLLER_LISTS = {
  IDE: 'ideControllers',
  NVME: 'nvmeControllers',
  SATA: 'sataControllers',
  SCSI: 'scsiControllers',
} as const satisfies Record<VirtualControllerType, keyof VirtualMachineHardwareSpec>;

/** How many controllers of a type a VM may have. */
const MAX_CONTROLLERS: Readonly<Record<string, number>> = { IDE: 2, NVME: 4, SATA: 4, SCSI: 4 };

/** Units a controller has (of a SCSI one of no kind, the schema's default, ParaVirtual), SCSI's 7 its own. */
function unitsOf(type: VirtualControllerType, controller: Controller): number {
  if (type === 'IDE') return 2;
  if (type === 'NVME') return 64;
  if (type === 'SATA') return 30;
  return (controller.type ?? 'ParaVirtual') === 'ParaVirtual' ? 65 : 16;
}
const RESERVED_SCSI_UNIT = 7;

const id = (type: string, bus: number) => `${type}:${bus}`;

/** The spec's controllers by type and bus, and how many of each type. */
function controllersOf(spec: VirtualMachineSpec) {
  const controllers = new Map<string, Controller>();
  const counts = new Map<string, number>();
  for (const type of Object.keys(CONTROLLER_LISTS) as VirtualControllerType[])
    for (const controller of spec.hardware?.[CONTROLLER_LISTS[type]] ?? []) {
      controllers.set(id(type, controller.busNumber), controller);
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
  return { controllers, counts };
}

/** The units taken on each controller, the spec's CD-ROMs' to begin with. */
function unitsTaken(spec: VirtualMachineSpec): (key: string) => Set<number> {
  const occupied = new Map<string, Set<number>>();
  const taken = (key: string) => getOrInsert(occupied, key, () => new Set<number>());
  for (const cdrom of spec.hardware?.cdrom ?? [])
    if (cdrom.controllerType && cdrom.controllerBusNumber !== undefined && (cdrom.unitNumber ?? -1) >= 0)
      taken(id(cdrom.controllerType, cdrom.controllerBusNumber)).add(cdrom.unitNumber as number);
  return taken;
}

/** Places the spec's volumes, in place (the spec is the caller's copy); whether anything changed. */
export function withVolumeControllers(spec: VirtualMachineSpec): boolean {
  const volumes = spec.volumes ?? [];
  if (volumes.length === 0) return false;
  const { controllers, counts } = controllersOf(spec);
  const taken = unitsTaken(spec);
  const freeUnit = (type: VirtualControllerType, controller: Controller, units: Set<number>) => {
    for (let unit = 0; unit < unitsOf(type, controller); unit++)
      if (!units.has(unit) && !(type === 'SCSI' && unit === RESERVED_SCSI_UNIT)) return unit;
    return undefined;
  };
  /** The volume's controller: the bus it names, one with room and its sharing, or a new one. */
  const targetOf = (volume: VirtualMachineVolume) => {
    const type = volume.controllerType || 'SCSI';
    const sharing: VirtualControllerSharingMode =
      volume.applicationType === 'MicrosoftWSFC' ? 'Physical' : 'None';
    const created = (busNumber: number): Controller =>
      type === 'SCSI'
        ? { busNumber, sharingMode: sharing, type: 'ParaVirtual' }
        : type === 'NVME'
          ? { busNumber, sharingMode: sharing }
          : { busNumber };
    if (volume.controllerBusNumber !== undefined)
      return {
        type,
        controller:
          controllers.get(id(type, volume.controllerBusNumber)) ?? created(volume.controllerBusNumber),
      };
    const buses = MAX_CONTROLLERS[type] ?? 0;
    for (let bus = 0; bus < buses; bus++) {
      const controller = controllers.get(id(type, bus));
      // A sharing mode unset is the schema's default.
      const sharingOf = type === 'SCSI' || type === 'NVME' ? (controller?.sharingMode ?? 'None') : 'None';
      if (
        controller &&
        sharingOf === sharing &&
        freeUnit(type, controller, taken(id(type, bus))) !== undefined
      )
        return { type, controller };
    }
    for (let bus = 0; bus < buses; bus++)
      if (!controllers.has(id(type, bus))) return { type, controller: created(bus) };
    return undefined;
  };
  let changed = false;
  const place = (volume: VirtualMachineVolume) => {
    const target = targetOf(volume);
    if (!target) return;
    const { type, controller } = target;
    const key = id(type, controller.busNumber);
    if (!controllers.has(key)) {
      if ((counts.get(type) ?? 0) >= (MAX_CONTROLLERS[type] ?? 0)) return;
      const list = CONTROLLER_LISTS[type];
      spec.hardware = { ...spec.hardware, [list]: [...(spec.hardware?.[list] ?? []), controller] };
      controllers.set(key, controller);
      counts.set(type, (counts.get(type) ?? 0) + 1);
      changed = true;
    }
    if (!volume.controllerType) {
      volume.controllerType = type;
      changed = true;
    }
    if (volume.controllerBusNumber === undefined) {
      volume.controllerBusNumber = controller.busNumber;
      changed = true;
    }
    const units = taken(key);
    if (volume.unitNumber !== undefined) units.add(volume.unitNumber);
    else {
      const unit = freeUnit(type, controller, units);
      if (unit !== undefined) {
        units.add(unit);
        volume.unitNumber = unit;
        changed = true;
      }
    }
  };
  const placed = (v: VirtualMachineVolume) =>
    Boolean(v.controllerType) && v.controllerBusNumber !== undefined && (v.unitNumber ?? -1) >= 0;
  const explicit = volumes.filter(placed);
  const implicit = volumes.filter((v) => !placed(v));
  for (const volume of [...explicit, ...implicit]) place(volume);
  return changed;
}

const WHEN_POWERED_ON = 'updates to this field is not allowed when VM power is on';

/**
 * The validating webhook's controller rules for an upgraded VM with VMSharedDisks (vm-operator's
 * validateControllers), on update: a VM that was powered on keeps each SCSI controller's sharing
 * and kind and each NVMe controller's sharing, and takes no new SCSI controller while one of
 * physical sharing holds a volume (no fast suspend-resume then; judged once the stored VM is
 * upgraded); exactly two IDE controllers; and
 * each volume placed in full on a bus in range, of a controller the spec lists, on a unit in its
 * range and not its own, free and with room.
 */
export function controllerProblems(
  vm: VirtualMachineSpec,
  old: VirtualMachineSpec,
  { wasOn, wasUpgraded }: { readonly wasOn: boolean; readonly wasUpgraded: boolean },
): FieldError[] {
  const hardware = vm.hardware;
  if (!hardware) return [];
  const errors: FieldError[] = [];
  if (wasOn) {
    const byBus = <T extends { busNumber: number }>(list: readonly T[] | undefined) =>
      new Map((list ?? []).map((c) => [c.busNumber, c]));
    const scsiBefore = byBus(old.hardware?.scsiControllers);
    (hardware.scsiControllers ?? []).forEach((c, i) => {
      const was = scsiBefore.get(c.busNumber);
      if (!was) return;
      if (c.sharingMode !== was.sharingMode)
        errors.push(forbidden(`spec.hardware.scsiControllers[${i}].sharingMode`, WHEN_POWERED_ON));
      if (c.type !== was.type)
        errors.push(forbidden(`spec.hardware.scsiControllers[${i}].type`, WHEN_POWERED_ON));
    });
    const nvmeBefore = byBus(old.hardware?.nvmeControllers);
    (hardware.nvmeControllers ?? []).forEach((c, i) => {
      const was = nvmeBefore.get(c.busNumber);
      if (was && c.sharingMode !== was.sharingMode)
        errors.push(forbidden(`spec.hardware.nvmeControllers[${i}].sharingMode`, WHEN_POWERED_ON));
    });
    if (wasUpgraded && old.hardware && !fastSuspendResumes(old))
      (hardware.scsiControllers ?? []).forEach((c, i) => {
        if (!scsiBefore.has(c.busNumber))
          errors.push(
            forbidden(
              `spec.hardware.scsiControllers[${i}]`,
              'Hot-adding a new SCSI controller is not allowed when FSR is not supported',
            ),
          );
      });
  }
  const ide = hardware.ideControllers?.length ?? 0;
  if (ide !== MAX_CONTROLLERS.IDE)
    errors.push(
      invalid(
        'spec.hardware.ideControllers',
        `${ide} controllers`,
        `must have exactly ${MAX_CONTROLLERS.IDE} controllers`,
      ),
    );
  return errors.concat(slotProblems(vm));
}

/** Whether the VM may be suspended and resumed fast: no physically shared SCSI controller holds a volume. */
function fastSuspendResumes(spec: VirtualMachineSpec): boolean {
  const withVolumes = new Set<number>();
  for (const v of spec.volumes ?? [])
    if (v.controllerType === 'SCSI' && v.controllerBusNumber !== undefined)
      withVolumes.add(v.controllerBusNumber);
  return !(spec.hardware?.scsiControllers ?? []).some(
    (c) => c.sharingMode === 'Physical' && withVolumes.has(c.busNumber),
  );
}

/** Each volume placed in full where its controller has a unit for it. */
function slotProblems(spec: VirtualMachineSpec): FieldError[] {
  const volumes = spec.volumes ?? [];
  if (volumes.length === 0) return [];
  const { controllers } = controllersOf(spec);
  const taken = unitsTaken(spec);
  const problemOf = (volume: VirtualMachineVolume, path: string): FieldError | undefined => {
    const { controllerType: type, controllerBusNumber: bus, unitNumber: unit } = volume;
    if (!type || bus === undefined || unit === undefined) return undefined;
    const buses = MAX_CONTROLLERS[type] ?? 0;
    if (bus < 0 || bus >= buses)
      return invalid(`${path}.controllerBusNumber`, bus, `must be between 0 and ${buses - 1}`);
    const key = id(type, bus);
    const controller = controllers.get(key);
    if (!controller)
      return invalid(`${path}.controllerBusNumber`, bus, `controller ${type}:${bus} does not exist`);
    const units = unitsOf(type, controller);
    if (unit < 0 || unit >= units)
      return invalid(
        `${path}.unitNumber`,
        unit,
        `unit number must be between 0 and ${units - 1} for ${type} controller`,
      );
    if (type === 'SCSI' && unit === RESERVED_SCSI_UNIT)
      return invalid(
        `${path}.unitNumber`,
        unit,
        `unit number ${unit} is reserved for the ${type} controller itself`,
      );
    const used = taken(key);
    if (used.has(unit))
      return invalid(
        `${path}.unitNumber`,
        unit,
        `controller unit number ${type}:${bus}:${unit} is already in use`,
      );
    const full = used.size >= units;
    used.add(unit);
    return full
      ? invalid(`${path}.unitNumber`, unit, `controller ${type}:${bus} full, maxDevices: ${units}`)
      : undefined;
  };
  const errors: FieldError[] = [];
  volumes.forEach((volume, i) => {
    const problem = problemOf(volume, `spec.volumes[${i}]`);
    if (problem) errors.push(problem);
  });
  return errors;
}
