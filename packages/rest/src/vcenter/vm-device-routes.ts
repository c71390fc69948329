/**
 * What the hardware services of one kind of device (disk, cdrom, ethernet) share: the list of
 * `{<kind>: key}`, the Info of one device by its key (not_found otherwise), a create that runs
 * its device changes with ReconfigVM_Task and answers the new device's key (201 in `/api`), a
 * delete that removes the device, and the connect and disconnect actions of connectable ones.
 */
import type { Device, VirtualDeviceConfigSpec } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route } from '../routes.js';
import type { StyleName } from '../styles.js';
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

/**
 * A new CD-ROM, floppy drive or serial or parallel port where `at` says, connected at power-on as
 * `spec` says; vSphere labels it.
 */
export const newDrive = (
  spec: Record<string, unknown>,
  device: { _type: string; key: number; backing: object; yieldOnPoll?: boolean },
  at: { controllerKey: number; unitNumber?: number },
): VirtualDeviceConfigSpec => ({
  operation: 'add',
  device: {
    ...device,
    ...at,
    connectable: {
      startConnected: field(spec, 'start_connected', 'boolean') ?? false,
      allowGuestControl: field(spec, 'allow_guest_control', 'boolean') ?? false,
      connected: false,
    },
  },
});

export const devicesOf = (call: Call, kind: DeviceKind) => targetVm(call).config.devices.filter(kind.is);

/** The device the call's path names, by its device key; not_found otherwise. */
export const deviceOf = (call: Call, kind: DeviceKind): Device =>
  deviceByKey(call, kind, devicesOf(call, kind), call.params[kind.key] ?? '');

/** The device of this key among `devices`, or not_found in vCenter's words. */
export const deviceByKey = (
  call: Call,
  kind: DeviceKind,
  devices: readonly Device[],
  key: string,
): Device => {
  const device = devices.find((d) => String(d.key) === key);
  if (!device)
    throw restError(
      'not_found',
      `${kind.what} '${key}' of virtual machine '${call.params.vm ?? ''}' does not exist.`,
    );
  return device;
};

/** The device's connection after an UpdateSpec's `start_connected` and `allow_guest_control`. */
export const connectableAfter = (device: Device, spec: Record<string, unknown>) => {
  const startConnected = field(spec, 'start_connected', 'boolean');
  const guestControl = field(spec, 'allow_guest_control', 'boolean');
  return {
    ...(device.connectable as object | undefined),
    ...(startConnected === undefined ? {} : { startConnected }),
    ...(guestControl === undefined ? {} : { allowGuestControl: guestControl }),
  };
};

/**
 * Connect and disconnect: only a running VM's devices connect, as vCenter's; one in the state
 * asked for already is already_in_desired_state.
 */
const setConnected = async (call: Call, kind: DeviceKind, connected: boolean) => {
  const device = deviceOf(call, kind);
  if (targetVm(call).powerState !== 'poweredOn')
    throw restError('not_allowed_in_current_state', 'The virtual machine is not powered on.');
  const connectable = device.connectable as { connected?: boolean } | undefined;
  if ((connectable?.connected === true) === connected)
    throw restError(
      'already_in_desired_state',
      `${kind.what} '${device.key}' is already ${connected ? 'connected' : 'disconnected'}.`,
    );
  const edit: VirtualDeviceConfigSpec = {
    operation: 'edit',
    device: { _type: device._type, key: device.key, connectable: { ...connectable, connected } },
  };
  await reconfigureVm(call, { deviceChange: [edit] });
  return {};
};

/** The connect and disconnect actions: `?action=connect` in `/api`, `POST .../{key}/connect` in `/rest`. */
export const connectionRoutes = (kind: DeviceKind, style: StyleName): Route[] =>
  (['connect', 'disconnect'] as const).map((action): Route => {
    const run = (call: Call) => setConnected(call, kind, action === 'connect');
    const path = `${kind.path}/:${kind.key}`;
    return style === 'api'
      ? { method: 'POST', path, action, run }
      : { method: 'POST', path: `${path}/${action}`, run };
  });

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
