/**
 * A VM's serial and parallel ports (vcenter.vm.hardware.serial and .parallel): list, get, create,
 * update, delete, connect and disconnect, each a ReconfigVM_Task device change on the VM's SIO
 * controller. The model adds and removes ports only while the VM is off, at most 32 serial and
 * 3 parallel ones. `serialPortChanges` and `parallelPortChanges` also serve VM creation.
 */
import type { Device } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import type { DeviceSlots } from './vm-adapters.js';
import {
  connectableAfter,
  connectionRoutes,
  type DeviceKind,
  deviceOf,
  deviceRoutes,
  newDrive,
} from './vm-device-routes.js';
import { parallelInfo, serialInfo } from './vm-info.js';
import { field, isObject, reconfigureVm, specOf } from './vm-target.js';

type Spec = Record<string, unknown>;

/** One type of BackingSpec: the fields it takes (`required` among them) and the backing it makes. */
interface BackingType {
  readonly fields: readonly string[];
  readonly required?: string;
  readonly backing: (spec: Spec) => object;
}

/** Every field of a BackingSpec, with its JSON type. */
const BACKING_FIELDS: Readonly<Record<string, 'string' | 'boolean'>> = {
  file: 'string',
  host_device: 'string',
  pipe: 'string',
  no_rx_loss: 'boolean',
  network_location: 'string',
  proxy: 'string',
};

const fileBacking = (_type: string): BackingType => ({
  fields: ['file'],
  required: 'file',
  backing: (b) => ({ _type, fileName: b.file }),
});

/** A host device; without one named, whichever suits, as vCenter detects it. */
const hostDeviceBacking = (_type: string): BackingType => ({
  fields: ['host_device'],
  backing: (b) => ({ _type, deviceName: b.host_device ?? '', useAutoDetect: b.host_device === undefined }),
});

const pipeBacking = (endpoint: 'server' | 'client'): BackingType => ({
  fields: ['pipe', 'no_rx_loss'],
  required: 'pipe',
  backing: (b) => ({
    _type: 'VirtualSerialPortPipeBackingInfo',
    pipeName: b.pipe,
    endpoint,
    noRxLoss: b.no_rx_loss === true,
  }),
});

const networkBacking = (direction: 'server' | 'client'): BackingType => ({
  fields: ['network_location', 'proxy'],
  required: 'network_location',
  backing: (b) => ({
    _type: 'VirtualSerialPortURIBackingInfo',
    serviceURI: b.network_location,
    direction,
    ...(b.proxy === undefined ? {} : { proxyURI: b.proxy }),
  }),
});

interface Port {
  readonly kind: DeviceKind;
  readonly _type: string;
  readonly backings: Readonly<Record<string, BackingType>>;
  /** Serial ports alone have `yield_on_poll`. */
  readonly yields: boolean;
}

/**
 * A BackingSpec as the port's vSphere backing: a known `type`, its required field, and no field
 * of another type. No spec at all is a host device vCenter detects.
 */
const backingOf = (port: Port, spec: Spec | undefined): object => {
  const what = port.kind.what.toLowerCase();
  const hostDevice = port.backings.HOST_DEVICE as BackingType;
  if (spec === undefined) return hostDevice.backing({});
  const type = field(spec, 'type', 'string');
  // Own keys alone: a type such as `toString` names no backing.
  const backing = type !== undefined && Object.hasOwn(port.backings, type) ? port.backings[type] : undefined;
  if (type === undefined || backing === undefined)
    throw restError(
      'invalid_argument',
      `A ${what} needs a 'backing' of type ${Object.keys(port.backings).join(', ')}.`,
    );
  for (const [name, json] of Object.entries(BACKING_FIELDS)) {
    if (field(spec, name, json) !== undefined && !backing.fields.includes(name))
      throw restError('invalid_argument', `A ${type} backing of a ${what} takes no '${name}'.`);
  }
  if (backing.required !== undefined && spec[backing.required] == null)
    throw restError('invalid_argument', `A ${type} backing needs a '${backing.required}'.`);
  return backing.backing(spec);
};

const yieldOnPollOf = (port: Port, spec: Spec) => {
  const yieldOnPoll = port.yields ? field(spec, 'yield_on_poll', 'boolean') : undefined;
  return yieldOnPoll === undefined ? {} : { yieldOnPoll };
};

/**
 * Adds the ports of `specs` (Serial or Parallel CreateSpecs) on the SIO controller among
 * `devices`: the Port.create service and a VM's CreateSpec alike.
 */
const portChanges = (
  port: Port,
  slots: DeviceSlots,
  devices: readonly Device[],
  specs: readonly unknown[],
) => {
  const what = port.kind.what.toLowerCase();
  const sio = devices.find((d) => d._type === 'VirtualSIOController');
  for (const spec of specs) {
    if (!isObject(spec)) throw restError('invalid_argument', `A ${what} spec must be an object.`);
    if (!sio) throw restError('invalid_argument', `The virtual machine has no SIO controller for a ${what}.`);
    const device = {
      _type: port._type,
      key: slots.nextKey(),
      backing: backingOf(port, field(spec, 'backing', 'object')),
      ...(port.yields ? { yieldOnPoll: false } : {}),
      ...yieldOnPollOf(port, spec),
    };
    slots.add(newDrive(spec, device, { controllerKey: sio.key }));
  }
};

/**
 * Port.update: its backing (not while it is connected to a running VM, which the model refuses),
 * `yield_on_poll` and how it connects at power-on; what the spec leaves out stays.
 */
const updatePort = async (port: Port, call: Call) => {
  const device = deviceOf(call, port.kind);
  const spec = specOf(call);
  const backingSpec = field(spec, 'backing', 'object');
  const edited: Device = {
    _type: device._type,
    key: device.key,
    ...(backingSpec === undefined ? {} : { backing: backingOf(port, backingSpec) }),
    ...yieldOnPollOf(port, spec),
    connectable: connectableAfter(device, spec),
  };
  await reconfigureVm(call, { deviceChange: [{ operation: 'edit', device: edited }] });
  return {};
};

/** A port type with the DeviceKind of its service, `/vcenter/vm/{vm}/hardware/<name>/{port}`. */
const portType = (
  name: string,
  what: string,
  type: Omit<Port, 'kind'> & { info: (d: Device) => object },
): Port => {
  const { info, ...rest } = type;
  const port: Port = {
    ...rest,
    kind: {
      path: `/vcenter/vm/:vm/hardware/${name}`,
      key: 'port',
      what,
      is: (d) => d._type === type._type,
      info,
      changes: (call, slots, devices) => portChanges(port, slots, devices, [specOf(call)]),
    },
  };
  return port;
};

const SERIAL = portType('serial', 'Serial port', {
  _type: 'VirtualSerialPort',
  info: serialInfo,
  backings: {
    FILE: fileBacking('VirtualSerialPortFileBackingInfo'),
    HOST_DEVICE: hostDeviceBacking('VirtualSerialPortDeviceBackingInfo'),
    PIPE_SERVER: pipeBacking('server'),
    PIPE_CLIENT: pipeBacking('client'),
    NETWORK_SERVER: networkBacking('server'),
    NETWORK_CLIENT: networkBacking('client'),
  },
  yields: true,
});

const PARALLEL = portType('parallel', 'Parallel port', {
  _type: 'VirtualParallelPort',
  info: parallelInfo,
  backings: {
    FILE: fileBacking('VirtualParallelPortFileBackingInfo'),
    HOST_DEVICE: hostDeviceBacking('VirtualParallelPortDeviceBackingInfo'),
  },
  yields: false,
});

/** The serial ports of a VM's CreateSpec (`serial_ports`). */
export const serialPortChanges = (
  slots: DeviceSlots,
  devices: readonly Device[],
  specs: readonly unknown[],
) => portChanges(SERIAL, slots, devices, specs);

/** The parallel ports of a VM's CreateSpec (`parallel_ports`). */
export const parallelPortChanges = (
  slots: DeviceSlots,
  devices: readonly Device[],
  specs: readonly unknown[],
) => portChanges(PARALLEL, slots, devices, specs);

export const vmSerialParallelRoutes: RouteSet = (style): Route[] =>
  [SERIAL, PARALLEL].flatMap((port) => [
    ...deviceRoutes(port.kind),
    { method: 'PATCH', path: `${port.kind.path}/:port`, run: (call: Call) => updatePort(port, call) },
    ...connectionRoutes(port.kind, style),
  ]);
