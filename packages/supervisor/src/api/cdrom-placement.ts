/**
 * Where a VM's CD-ROMs sit (`controllerType`, `controllerBusNumber`, `unitNumber` of
 * `spec.hardware.cdrom`), as vm-operator's webhooks handle them with its VMSharedDisks capability:
 * the mutating webhook places each CD-ROM left unplaced, adding the IDE or SATA controller it
 * needs to `spec.hardware`, and the validating webhook holds the placements to the controllers'
 * ranges. Without the capability vm-operator reads none of these fields.
 */
import type {
  VirtualControllerType,
  VirtualMachineCdromSpec,
  VirtualMachineHardwareSpec,
  VirtualMachineHardwareStatus,
} from './types.js';
import { duplicate, type FieldError, forbidden, invalid, required, unsupported } from './validation.js';

type CdromControllerType = Extract<VirtualControllerType, 'IDE' | 'SATA'>;

/**
 * Per controller type: how many a VM may have (bus numbers 0 to one fewer, as the VM schema also
 * bounds them), and how many devices each holds.
 */
export const CDROM_CONTROLLER_LIMITS: Readonly<
  Record<CdromControllerType, { buses: number; units: number }>
> = {
  IDE: { buses: 2, units: 2 },
  SATA: { buses: 4, units: 30 },
};
/** The controllers a CD-ROM may sit on. */
export const CDROM_CONTROLLER_TYPES: readonly CdromControllerType[] = ['IDE', 'SATA'];

const isCdromControllerType = (type: string | undefined): type is CdromControllerType =>
  type === 'IDE' || type === 'SATA';

/** A CD-ROM that names its controller and unit. */
type Placed = VirtualMachineCdromSpec & {
  controllerType: VirtualControllerType;
  controllerBusNumber: number;
  unitNumber: number;
};

const isPlaced = (cdrom: VirtualMachineCdromSpec): cdrom is Placed =>
  cdrom.controllerType !== undefined &&
  cdrom.controllerBusNumber !== undefined &&
  cdrom.unitNumber !== undefined;

const controllerId = (type: string, bus: number) => `${type}:${bus}`;

/**
 * The units taken on each IDE and SATA controller of `spec.hardware` (the spec's controllers are
 * the truth; the status adds the units its disks take, not its CD-ROMs, which the spec places).
 */
function occupiedSlots(
  hardware: VirtualMachineHardwareSpec,
  status: VirtualMachineHardwareStatus | undefined,
): Map<string, Set<number>> {
  const slots = new Map<string, Set<number>>();
  for (const c of hardware.ideControllers ?? []) slots.set(controllerId('IDE', c.busNumber), new Set());
  for (const c of hardware.sataControllers ?? []) slots.set(controllerId('SATA', c.busNumber), new Set());
  for (const controller of status?.controllers ?? []) {
    const units = slots.get(controllerId(controller.type, controller.busNumber));
    for (const device of controller.devices ?? [])
      if (units && device.type !== 'CDROM') units.add(device.unitNumber);
  }
  return slots;
}

const freeUnit = (type: CdromControllerType, taken: ReadonlySet<number>): number | undefined => {
  for (let unit = 0; unit < CDROM_CONTROLLER_LIMITS[type].units; unit++) if (!taken.has(unit)) return unit;
  return undefined;
};

/** The first bus with a free unit, else the first bus without a controller yet. */
function busWithRoom(slots: ReadonlyMap<string, Set<number>>, type: CdromControllerType): number | undefined {
  let unused: number | undefined;
  for (let bus = 0; bus < CDROM_CONTROLLER_LIMITS[type].buses; bus++) {
    const taken = slots.get(controllerId(type, bus));
    if (taken && freeUnit(type, taken) !== undefined) return bus;
    if (!taken) unused ??= bus;
  }
  return unused;
}

/**
 * vm-operator's `MutateCdromControllerOnUpdate`: CD-ROMs placed in full reserve their units
 * first; then one naming its controller alone gets that controller's first free unit, and one
 * naming nothing the first free unit of an IDE controller, else a SATA one. A controller a
 * placement needs that `spec.hardware` lacks is added to it. A CD-ROM on another controller
 * type, placed in part otherwise, or finding no room, is left as it is (the validating webhook
 * refuses it). In place; whether anything changed.
 */
export function withCdromPlacements(
  hardware: VirtualMachineHardwareSpec,
  status: VirtualMachineHardwareStatus | undefined,
): boolean {
  const cdroms = hardware.cdrom ?? [];
  const slots = occupiedSlots(hardware, status);
  let changed = false;
  const ensureController = (type: CdromControllerType, bus: number): Set<number> => {
    const id = controllerId(type, bus);
    const existing = slots.get(id);
    if (existing) return existing;
    if (type === 'IDE') hardware.ideControllers = [...(hardware.ideControllers ?? []), { busNumber: bus }];
    else hardware.sataControllers = [...(hardware.sataControllers ?? []), { busNumber: bus }];
    changed = true;
    const taken = new Set<number>();
    slots.set(id, taken);
    return taken;
  };
  const eligible = cdroms.filter(
    (c) => c.controllerType === undefined || isCdromControllerType(c.controllerType),
  );
  for (const cdrom of eligible.filter(isPlaced))
    ensureController(cdrom.controllerType as CdromControllerType, cdrom.controllerBusNumber).add(
      cdrom.unitNumber,
    );
  for (const cdrom of eligible) {
    if (isPlaced(cdrom)) continue;
    let type: CdromControllerType;
    let bus: number | undefined;
    if (cdrom.controllerType !== undefined && cdrom.controllerBusNumber !== undefined) {
      type = cdrom.controllerType as CdromControllerType;
      bus = cdrom.controllerBusNumber;
    } else if (cdrom.controllerType === undefined && cdrom.controllerBusNumber === undefined) {
      if (cdrom.unitNumber !== undefined) continue;
      type = 'IDE';
      bus = busWithRoom(slots, type);
      if (bus === undefined) {
        type = 'SATA';
        bus = busWithRoom(slots, type);
      }
      if (bus === undefined) continue;
    } else continue;
    const taken = ensureController(type, bus);
    const unit = freeUnit(type, taken);
    if (unit === undefined) continue;
    taken.add(unit);
    Object.assign(cdrom, { controllerType: type, controllerBusNumber: bus, unitNumber: unit });
    changed = true;
  }
  return changed;
}

/** vm-operator's `validateControllerTypeAndRanges`: an IDE or SATA controller, bus and unit in range. */
function rangeProblems(cdrom: Placed, path: string): FieldError[] {
  const type = cdrom.controllerType;
  if (!isCdromControllerType(type))
    return [unsupported(`${path}.controllerType`, type, [...CDROM_CONTROLLER_TYPES])];
  const { buses, units } = CDROM_CONTROLLER_LIMITS[type];
  const errors: FieldError[] = [];
  const bus = cdrom.controllerBusNumber;
  const unit = cdrom.unitNumber;
  if (bus < 0 || bus >= buses)
    errors.push(
      invalid(
        `${path}.controllerBusNumber`,
        bus,
        `${type} controllerBusNumber must be in the range of 0 to ${buses - 1}`,
      ),
    );
  if (unit < 0 || unit >= units)
    errors.push(
      invalid(`${path}.unitNumber`, unit, `${type} unitNumber must be in the range of 0 to ${units - 1}`),
    );
  return errors;
}

/**
 * vm-operator's `validateCdromControllerSpecsOnCreate`: a controller type and a bus number come
 * together (the mutating webhook places a CD-ROM that names neither); a full placement is in range.
 */
export function cdromPlacementProblemsOnCreate(cdroms: readonly VirtualMachineCdromSpec[]): FieldError[] {
  const errors: FieldError[] = [];
  cdroms.forEach((cdrom, i) => {
    const path = `spec.hardware.cdrom[${i}]`;
    const hasType = cdrom.controllerType !== undefined;
    const hasBus = cdrom.controllerBusNumber !== undefined;
    if (hasType && !hasBus)
      errors.push(
        requiredBecause(`${path}.controllerBusNumber`, 'must be set when controllerType is specified'),
      );
    else if (!hasType && hasBus)
      errors.push(
        requiredBecause(`${path}.controllerType`, 'must be set when controllerBusNumber is specified'),
      );
    if (isPlaced(cdrom)) errors.push(...rangeProblems(cdrom, path));
  });
  return errors;
}

/**
 * vm-operator's `validateCdromControllerSpecsOnUpdate`: every CD-ROM placed in full, in range,
 * and no two on the same unit of a controller.
 */
export function cdromPlacementProblemsOnUpdate(cdroms: readonly VirtualMachineCdromSpec[]): FieldError[] {
  const errors: FieldError[] = [];
  const units = new Set<string>();
  cdroms.forEach((cdrom, i) => {
    const path = `spec.hardware.cdrom[${i}]`;
    if (!isPlaced(cdrom)) {
      if (cdrom.controllerType === undefined) errors.push(required(`${path}.controllerType`));
      if (cdrom.controllerBusNumber === undefined) errors.push(required(`${path}.controllerBusNumber`));
      if (cdrom.unitNumber === undefined) errors.push(required(`${path}.unitNumber`));
      return;
    }
    errors.push(...rangeProblems(cdrom, path));
  });
  cdroms.forEach((cdrom, i) => {
    if (!isPlaced(cdrom)) return;
    const unit = `${controllerId(cdrom.controllerType, cdrom.controllerBusNumber)}:${cdrom.unitNumber}`;
    if (units.has(unit)) errors.push(duplicate(`spec.hardware.cdrom[${i}].unitNumber`, cdrom.unitNumber));
    units.add(unit);
  });
  return errors;
}

const PLACEMENT_FIELDS = ['controllerType', 'controllerBusNumber', 'unitNumber'] as const;

/** vm-operator's `validateCdromControllerSpecWhenPoweredOn`: a running VM's CD-ROMs stay where they are. */
export function cdromPlacementChangesWhenPoweredOn(
  cdroms: readonly VirtualMachineCdromSpec[],
  before: readonly VirtualMachineCdromSpec[],
  detail: string,
): FieldError[] {
  const byName = new Map(before.map((cdrom) => [cdrom.name, cdrom]));
  return cdroms.flatMap((cdrom, i) => {
    const was = byName.get(cdrom.name);
    if (!was) return [];
    return PLACEMENT_FIELDS.filter((field) => cdrom[field] !== was[field]).map((field) =>
      forbidden(`spec.hardware.cdrom[${i}].${field}`, detail),
    );
  });
}

const requiredBecause = (field: string, detail: string): FieldError => ({
  ...required(field),
  message: `Required value: ${detail}`,
});
