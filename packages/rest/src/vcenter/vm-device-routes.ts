/**
 * What the hardware services of one kind of device (disk, cdrom, ethernet) share: the list of
 * `{<kind>: key}`, the Info of one device by its key (not_found otherwise), a create that runs
 * its device changes with ReconfigVM_Task and answers the new device's key (201 in `/api`), and a
 * delete that removes the device.
 */
import type { Device, VirtualDeviceConfigSpec } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route } from '../routes.js';
import { type DeviceSlots, deviceSlots } from './vm-adapters.js';
import { defined } from './vm-info.js';
import { field, reconfigureVm, targetVm } from './vm-target.js';

export interface DeviceKind {
  /** The path of the service, `/vcenter/vm/:vm/hardware/<kind>`. */
  readonly path: string;
  /** The field a list entry names the device by, and the path parameter. */
  readonly key: string;
  /** What a message calls one device. */
  readonly what: string;
  readonly is: (d: Device) => boolean;
  /** The device's Info; `controller` is the adapter it sits on. */
  readonly info: (d: Device, controller: Device | undefined) => object;
  /** Adds the device changes the call's create spec makes to `slots`, on the VM's `devices`. */
  readonly changes: (call: Call, slots: DeviceSlots, devices: readonly Device[]) => void;
}

/** A new CD-ROM or floppy drive where `at` says, labelled, connected at power-on as `spec` says. */
export const newDrive = (
  spec: Record<string, unknown>,
  device: { _type: string; key: number; label: string; backing: object },
  at: { controllerKey: number; unitNumber?: number },
): VirtualDeviceConfigSpec => ({
  operation: 'add',
  device: {
    _type: device._type,
    key: device.key,
    ...at,
    deviceInfo: { label: device.label, summary: device.label },
    backing: device.backing,
    connectable: {
      startConnected: field(spec, 'start_connected', 'boolean') ?? false,
      allowGuestControl: field(spec, 'allow_guest_control', 'boolean') ?? false,
      connected: false,
    },
  },
});

export const devicesOf = (call: Call, kind: DeviceKind) => targetVm(call).config.devices.filter(kind.is);

/** The device the call's path names, by its device key; not_found otherwise. */
export const deviceOf = (call: Call, kind: DeviceKind): Device => {
  const key = call.params[kind.key] ?? '';
  const device = devicesOf(call, kind).find((d) => String(d.key) === key);
  if (!device)
    throw restError(
      'not_found',
      `${kind.what} '${key}' of virtual machine '${call.params.vm ?? ''}' does not exist.`,
    );
  return device;
};

const create = async (call: Call, kind: DeviceKind) => {
  const devices = targetVm(call).config.devices;
  const before = new Set(devices.map((d) => d.key));
  const slots = deviceSlots(devices);
  kind.changes(call, slots, devices);
  await reconfigureVm(call, { deviceChange: slots.changes });
  const added = devicesOf(call, kind).find((d) => !before.has(d.key));
  return { value: String(added?.key), created: true };
};

/** The list, get, create and delete routes of one kind of device. */
export const deviceRoutes = (kind: DeviceKind): Route[] => [
  {
    method: 'GET',
    path: kind.path,
    run: (call) => ({ value: devicesOf(call, kind).map((d) => ({ [kind.key]: String(d.key) })) }),
  },
  { method: 'POST', path: kind.path, run: (call) => create(call, kind) },
  {
    method: 'GET',
    path: `${kind.path}/:${kind.key}`,
    run: (call) => {
      const device = deviceOf(call, kind);
      const controller = targetVm(call).config.devices.find((d) => d.key === device.controllerKey);
      return { value: defined(kind.info(device, controller)) };
    },
  },
  {
    method: 'DELETE',
    path: `${kind.path}/:${kind.key}`,
    run: async (call) => {
      await reconfigureVm(call, { deviceChange: [{ operation: 'remove', device: deviceOf(call, kind) }] });
      return {};
    },
  },
];
