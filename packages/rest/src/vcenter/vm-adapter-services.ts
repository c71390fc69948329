/**
 * A VM's storage adapters (vcenter.vm.hardware.adapter.Sata, .Scsi and .Nvme): list, get, create
 * and delete, and for SCSI adapters an update of their bus sharing, each a ReconfigVM_Task device
 * change of a controller on the PCI bus (VirtualAHCIController, the SCSI controllers,
 * VirtualNVMEController). The model numbers each kind's buses, keeps at most four of a kind, adds
 * and removes them only while the VM is off, and refuses removing one with devices on it.
 */
import type { Device } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { ADAPTERS, type DeviceSlots, SCSI_TYPES } from './vm-adapters.js';
import { type DeviceKind, deviceOf, deviceRoutes } from './vm-device-routes.js';
import { nvmeAdapterInfo, SHARING, sataAdapterInfo, scsiAdapterInfo } from './vm-info.js';
import { field, reconfigureVm, specOf } from './vm-target.js';

type Spec = Record<string, unknown>;

/** The vSphere value of an enumerated field of `spec`, from `values` (vSphere -> vAPI); invalid_argument otherwise. */
const enumField = (spec: Spec, name: string, values: Readonly<Record<string, string>>, what: string) => {
  const value = field(spec, name, 'string');
  if (value === undefined) return undefined;
  const vsphere = Object.keys(values).find((key) => values[key] === value);
  if (vsphere === undefined)
    throw restError(
      'invalid_argument',
      `Invalid value '${value}' for the ${what}'s '${name}': one of ${Object.values(values).join(', ')}.`,
    );
  return vsphere;
};

/** A new adapter of `_type` at the CreateSpec's `bus` (else the first free one) and `pci_slot_number`. */
const addAdapter = (slots: DeviceSlots, spec: Spec, device: { _type: string; sharedBus?: string }) => {
  const busNumber = field(spec, 'bus', 'number');
  const pciSlotNumber = field(spec, 'pci_slot_number', 'number');
  slots.add({
    operation: 'add',
    device: {
      ...device,
      key: slots.nextKey(),
      ...(busNumber === undefined ? {} : { busNumber }),
      ...(pciSlotNumber === undefined
        ? {}
        : { slotInfo: { _type: 'VirtualDevicePciBusSlotInfo', pciSlotNumber } }),
    },
  });
};

const adapterKind = (
  name: string,
  what: string,
  is: (d: Device) => boolean,
  info: (d: Device) => object,
  changes: (spec: Spec, slots: DeviceSlots) => void,
): DeviceKind => ({
  path: `/vcenter/vm/:vm/hardware/adapter/${name}`,
  key: 'adapter',
  what,
  is,
  info,
  changes: (call, slots) => changes(specOf(call), slots),
});

const SATA = adapterKind('sata', 'SATA adapter', ADAPTERS.SATA.is, sataAdapterInfo, (spec, slots) => {
  const _type =
    enumField(spec, 'type', { VirtualAHCIController: 'AHCI' }, 'SATA adapter') ?? 'VirtualAHCIController';
  addAdapter(slots, spec, { _type });
});

/** Without a `type`, a paravirtual adapter, as vsim adds for a disk on a VM without a SCSI adapter. */
const SCSI = adapterKind('scsi', 'SCSI adapter', ADAPTERS.SCSI.is, scsiAdapterInfo, (spec, slots) => {
  const _type = enumField(spec, 'type', SCSI_TYPES, 'SCSI adapter') ?? 'ParaVirtualSCSIController';
  const sharedBus = enumField(spec, 'sharing', SHARING, 'SCSI adapter');
  addAdapter(slots, spec, { _type, ...(sharedBus === undefined ? {} : { sharedBus }) });
});

const NVME = adapterKind('nvme', 'NVMe adapter', ADAPTERS.NVME.is, nvmeAdapterInfo, (spec, slots) =>
  addAdapter(slots, spec, { _type: 'VirtualNVMEController' }),
);

/** Scsi.update: the adapter's bus sharing; without `sharing` nothing changes. */
const updateScsi = async (call: Call) => {
  const adapter = deviceOf(call, SCSI);
  const sharedBus = enumField(specOf(call), 'sharing', SHARING, 'SCSI adapter');
  if (sharedBus !== undefined)
    await reconfigureVm(call, {
      deviceChange: [{ operation: 'edit', device: { _type: adapter._type, key: adapter.key, sharedBus } }],
    });
  return {};
};

export const vmAdapterRoutes: RouteSet = (): Route[] => [
  ...deviceRoutes(SATA),
  ...deviceRoutes(SCSI),
  { method: 'PATCH', path: `${SCSI.path}/:adapter`, run: updateScsi },
  ...deviceRoutes(NVME),
];
