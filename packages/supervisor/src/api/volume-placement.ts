/**
 * vm-operator's `AddControllersForVolumes` (VMSharedDisks): on an update of a VM its schema upgrade
 * has marked, each volume gets a controller type, a bus and a unit, and `spec.hardware` any
 * controller they need. Volumes placed in full go first, reserving their units; then each of the
 * others takes the bus it names, or the first controller of its type (SCSI if it names none)
 * whose sharing is the volume's (Physical for a Microsoft WSFC volume, None otherwise) with a free
 * unit, or a new controller on the lowest free bus (a ParaVirtual one for SCSI). What the spec's
 * CD-ROMs hold is taken; what vSphere has is not read. A volume that finds no room is left as it
 * is, for the validating webhook to refuse.
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

interface Controller {
  busNumber: number;
  sharingMode?: VirtualControllerSharingMode;
  type?: SCSIControllerType;
}

const LISTS = {
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

/** Places the spec's volumes, in place (the spec is the caller's copy); whether anything changed. */
export function withVolumeControllers(spec: VirtualMachineSpec): boolean {
  const volumes = spec.volumes ?? [];
  if (volumes.length === 0) return false;
  const controllers = new Map<string, Controller>();
  const counts = new Map<string, number>();
  for (const type of Object.keys(LISTS) as VirtualControllerType[])
    for (const controller of spec.hardware?.[LISTS[type]] ?? []) {
      controllers.set(id(type, controller.busNumber), controller);
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
  const occupied = new Map<string, Set<number>>();
  const taken = (key: string) => getOrInsert(occupied, key, () => new Set<number>());
  for (const cdrom of spec.hardware?.cdrom ?? [])
    if (cdrom.controllerType && cdrom.controllerBusNumber !== undefined && (cdrom.unitNumber ?? -1) >= 0)
      taken(id(cdrom.controllerType, cdrom.controllerBusNumber)).add(cdrom.unitNumber as number);
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
      const list = LISTS[type];
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
