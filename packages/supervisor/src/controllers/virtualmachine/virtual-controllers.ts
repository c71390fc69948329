/**
 * vm-operator's virtual controller reconcile (VMSharedDisks): the device changes that make a VM's
 * disk and CD-ROM controllers those `spec.hardware` lists, by type and bus, type after type (IDE,
 * NVMe, SATA, SCSI), each type's removals first, then its additions, then its edits; while the VM
 * runs, its additions and removals alone, and only when no edit is due. A controller
 * the spec lacks is removed (vSphere refuses while devices sit on it); one it lists that the VM
 * lacks is added; an NVMe or SCSI controller of another sharing gets the spec's; a SCSI controller
 * of another kind is replaced. Unset sharing and kinds are the schema's defaults (None,
 * ParaVirtual), and a controller in vSphere without a bus sharing shares nothing; an NVMe
 * controller of a sharing it cannot have (Virtual) is left out.
 */
import { type Device, SCSI_CONTROLLERS, type VirtualDeviceConfigSpec } from '@vsim/vsphere';
import type {
  SCSIControllerType,
  VirtualControllerSharingMode,
  VirtualControllerType,
  VirtualMachineHardwareSpec,
} from '../../api/types.js';

/** The key of a controller a reconfiguration adds (the next ones count down), until vSphere gives it its own. */
export const NEW_CONTROLLER_KEY = -300;

/** The device type of each SCSI kind the spec names. */
export const SCSI_DEVICE_TYPES: Readonly<Record<SCSIControllerType, string>> = {
  ParaVirtual: 'ParaVirtualSCSIController',
  BusLogic: 'VirtualBusLogicController',
  LsiLogic: 'VirtualLsiLogicController',
  LsiLogicSAS: 'VirtualLsiLogicSASController',
};
/** vSphere's bus sharing of each controller sharing the spec names. */
export const BUS_SHARING: Readonly<Record<VirtualControllerSharingMode, string>> = {
  None: 'noSharing',
  Physical: 'physicalSharing',
  Virtual: 'virtualSharing',
};

interface Wanted {
  readonly deviceType: string;
  /** The controller's bus sharing, for NVMe and SCSI. */
  readonly sharedBus?: string;
}

/** The device type a controller of the spec's type is. */
function typeOfDevice(device: Device): VirtualControllerType | undefined {
  if (device._type === 'VirtualIDEController') return 'IDE';
  if (device._type === 'VirtualNVMEController') return 'NVME';
  if (device._type === 'VirtualAHCIController') return 'SATA';
  return SCSI_CONTROLLERS.has(device._type) ? 'SCSI' : undefined;
}

/** What the spec wants of each type's controllers, by bus. */
function wantedByType(
  hardware: VirtualMachineHardwareSpec,
): Record<VirtualControllerType, Map<number, Wanted>> {
  const sharing = (mode: VirtualControllerSharingMode | undefined) => BUS_SHARING[mode ?? 'None'];
  const nvme = new Map<number, Wanted>();
  for (const c of hardware.nvmeControllers ?? [])
    if ((c.sharingMode ?? 'None') !== 'Virtual')
      nvme.set(c.busNumber, { deviceType: 'VirtualNVMEController', sharedBus: sharing(c.sharingMode) });
  return {
    IDE: new Map(
      (hardware.ideControllers ?? []).map((c) => [c.busNumber, { deviceType: 'VirtualIDEController' }]),
    ),
    NVME: nvme,
    SATA: new Map(
      (hardware.sataControllers ?? []).map((c) => [c.busNumber, { deviceType: 'VirtualAHCIController' }]),
    ),
    SCSI: new Map(
      (hardware.scsiControllers ?? []).map((c) => [
        c.busNumber,
        { deviceType: SCSI_DEVICE_TYPES[c.type ?? 'ParaVirtual'], sharedBus: sharing(c.sharingMode) },
      ]),
    ),
  };
}

/** A controller's bus, 0 when the device names none (as Go reads a missing number). */
export const busOf = (device: Device): number =>
  typeof device.busNumber === 'number' ? device.busNumber : 0;

const ORDER: readonly VirtualControllerType[] = ['IDE', 'NVME', 'SATA', 'SCSI'];

/** The changes that make the VM's controllers the spec's; none when they are. */
export function controllerChanges(
  hardware: VirtualMachineHardwareSpec,
  devices: readonly Device[],
): VirtualDeviceConfigSpec[] {
  const wanted = wantedByType(hardware);
  const pci = devices.find((d) => d._type === 'VirtualPCIController')?.key;
  let nextKey = NEW_CONTROLLER_KEY;
  const changes: VirtualDeviceConfigSpec[] = [];
  for (const type of ORDER) {
    const existing = new Map<number, Device>();
    for (const device of devices) if (typeOfDevice(device) === type) existing.set(busOf(device), device);
    const removals: Device[] = [];
    const additions: [number, Wanted][] = [];
    const edits: Device[] = [];
    for (const [bus, want] of wanted[type]) if (!existing.has(bus)) additions.push([bus, want]);
    for (const [bus, device] of existing) {
      const want = wanted[type].get(bus);
      if (!want) removals.push(device);
      else if (device._type !== want.deviceType) {
        removals.push(device);
        additions.push([bus, want]);
      } else if (want.sharedBus !== undefined && (device.sharedBus ?? 'noSharing') !== want.sharedBus)
        edits.push({ ...device, sharedBus: want.sharedBus });
    }
    for (const device of removals)
      changes.push({ operation: 'remove', device: { _type: device._type, key: device.key } });
    for (const [busNumber, want] of additions) {
      const device: Device = {
        _type: want.deviceType,
        key: nextKey--,
        busNumber,
        ...(pci === undefined ? {} : { controllerKey: pci }),
        ...(want.sharedBus === undefined ? {} : { sharedBus: want.sharedBus }),
      };
      changes.push({ operation: 'add', device });
    }
    for (const device of edits) changes.push({ operation: 'edit', device });
  }
  return changes;
}

/**
 * The controller changes made while the VM runs: vm-operator adds and removes controllers then,
 * and makes none of a pass's changes when one is an edit (a sharing changes only while it is off).
 */
export function runningControllerChanges(
  hardware: VirtualMachineHardwareSpec,
  devices: readonly Device[],
): VirtualDeviceConfigSpec[] {
  const changes = controllerChanges(hardware, devices);
  return changes.some((c) => c.operation === 'edit') ? [] : changes;
}
