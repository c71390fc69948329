/**
 * Where a new disk or CD-ROM goes: an adapter of the bus its spec names (`type`, else the bus of
 * the address field it sets, else a default), at that address (`scsi`/`sata`/`nvme` `{bus,
 * unit}`, `ide` `{primary, master}`) or the first free unit, which the model picks. A SCSI, SATA
 * or NVMe adapter the VM lacks is added in the same reconfiguration; IDE adapters every VM has.
 */
import { type Device, SCSI_CONTROLLERS, type VirtualDeviceConfigSpec } from '@vsim/vsphere';
import { restError } from '../errors.js';
import { field } from './vm-target.js';

export type Bus = 'IDE' | 'SCSI' | 'SATA' | 'NVME';

/** vSphere's SCSI controller types as vAPI's Scsi.Type. */
export const SCSI_TYPES: Readonly<Record<string, string>> = {
  ParaVirtualSCSIController: 'PVSCSI',
  VirtualLsiLogicController: 'LSILOGIC',
  VirtualLsiLogicSASController: 'LSILOGICSAS',
  VirtualBusLogicController: 'BUSLOGIC',
};

/**
 * Each bus's adapters (the one test of whether a device is an adapter of that bus), and the adapter
 * added when the VM has none on the bus asked for.
 */
export const ADAPTERS: Readonly<Record<Bus, { is: (d: Device) => boolean; added?: string }>> = {
  IDE: { is: (d) => d._type === 'VirtualIDEController' },
  SCSI: { is: (d) => SCSI_CONTROLLERS.has(d._type), added: 'ParaVirtualSCSIController' },
  SATA: { is: (d) => d._type === 'VirtualAHCIController', added: 'VirtualAHCIController' },
  NVME: { is: (d) => d._type === 'VirtualNVMEController', added: 'VirtualNVMEController' },
};

const IDE_UNITS = 2;

/** New devices of one reconfiguration: their temporary keys, slots and the adapters they need. */
export const deviceSlots = (devices: readonly Device[]) => {
  const changes: VirtualDeviceConfigSpec[] = [];
  const all = [...devices];
  let temporaryKey = -100;
  const nextKey = () => temporaryKey--;
  const add = (change: VirtualDeviceConfigSpec) => {
    all.push(change.device);
    changes.push(change);
  };
  const adapterOn = (bus: Bus, busNumber: number): Device => {
    const found = all.find((d) => ADAPTERS[bus].is(d) && (d.busNumber ?? 0) === busNumber);
    const added = ADAPTERS[bus].added;
    if (found) return found;
    if (added === undefined)
      throw restError('invalid_argument', `The virtual machine has no ${bus} adapter ${busNumber}.`);
    const adapter: Device = { _type: added, key: nextKey(), busNumber };
    add({ operation: 'add', device: adapter });
    return adapter;
  };
  const freeIde = () =>
    all.find((c) => ADAPTERS.IDE.is(c) && all.filter((d) => d.controllerKey === c.key).length < IDE_UNITS);

  /** The adapter key and unit (unset: the first free) of a device of `spec`, on one of `buses`. */
  const place = (spec: Record<string, unknown>, buses: readonly Bus[], fallback: Bus) => {
    const named = field(spec, 'type', 'string') ?? buses.find((b) => spec[b.toLowerCase()] !== undefined);
    const bus = buses.find((b) => b === (named ?? fallback));
    if (bus === undefined)
      throw restError('invalid_argument', `Invalid value '${named}' for the device's 'type'.`);
    const at = field(spec, bus.toLowerCase(), 'object');
    if (bus === 'IDE') {
      const controller = at ? adapterOn('IDE', at.primary === false ? 1 : 0) : freeIde();
      if (!controller)
        throw restError('invalid_argument', 'The IDE adapters of the virtual machine are full.');
      return { controllerKey: controller.key, ...(at ? { unitNumber: at.master === false ? 1 : 0 } : {}) };
    }
    const unitNumber = at ? field(at, 'unit', 'number') : undefined;
    const controller =
      bus === 'SCSI' && !at
        ? (all.find(ADAPTERS.SCSI.is) ?? adapterOn('SCSI', 0))
        : adapterOn(bus, at ? (field(at, 'bus', 'number') ?? 0) : 0);
    return { controllerKey: controller.key, ...(unitNumber === undefined ? {} : { unitNumber }) };
  };

  return { changes, nextKey, add, place };
};

export type DeviceSlots = ReturnType<typeof deviceSlots>;
