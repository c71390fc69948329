/**
 * A VM's virtual Ethernet adapters (vcenter.vm.hardware.ethernet): list, get, create, update,
 * delete, connect and disconnect, each a ReconfigVM_Task device change. `nicDevice` also serves VM
 * creation: an Ethernet.CreateSpec on a standard or distributed portgroup, its MAC generated
 * unless `mac_type` is MANUAL.
 */
import type { Device, VSphere } from '@vsim/vsphere';
import { moref } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { lookupOf } from './filters.js';
import {
  connectableAfter,
  connectionRoutes,
  type DeviceKind,
  deviceOf,
  deviceRoutes,
} from './vm-device-routes.js';
import { NIC_TYPES, nicInfo } from './vm-info.js';
import { field, isObject, reconfigureVm, specOf, targetVm } from './vm-target.js';

/** vAPI's adapter types as vSphere's device types (VMXNET3 unless the spec says). */
const NIC_CLASSES: Readonly<Record<string, string>> = {
  VMXNET3: 'VirtualVmxnet3',
  VMXNET2: 'VirtualVmxnet2',
  E1000: 'VirtualE1000',
  E1000E: 'VirtualE1000e',
  PCNET32: 'VirtualPCNet32',
};

/** The backing types vsim has networks for, and the kind of network each names. */
const BACKINGS: Readonly<Record<string, string>> = {
  STANDARD_PORTGROUP: 'Network',
  DISTRIBUTED_PORTGROUP: 'DistributedVirtualPortgroup',
};

/** Ethernet.BackingSpec as a NIC's backing on the network it names (not_found for an unknown one). */
const networkBacking = (vsphere: VSphere, backing: Record<string, unknown> | undefined) => {
  const kind = BACKINGS[String(backing?.type)];
  if (!backing || kind === undefined)
    throw restError(
      'invalid_argument',
      "An Ethernet adapter needs a 'backing' of type STANDARD_PORTGROUP or DISTRIBUTED_PORTGROUP.",
    );
  const id = field(backing, 'network', 'string');
  const network = lookupOf(vsphere, id, [kind], 'Network', 'com.vmware.api.vcenter.network.not_found');
  return { network: moref(kind, network.id) };
};

/** The MAC fields of a spec: a MANUAL `mac_type` with its `mac_address`, and only it. */
const macOf = (spec: Record<string, unknown>) => {
  const macType = field(spec, 'mac_type', 'string');
  const mac = field(spec, 'mac_address', 'string');
  if (
    (macType !== undefined && !['GENERATED', 'ASSIGNED', 'MANUAL'].includes(macType)) ||
    (macType === 'MANUAL') !== (mac !== undefined)
  )
    throw restError('invalid_argument', "A MANUAL 'mac_type' needs a 'mac_address', and only it.");
  return macType === 'MANUAL' ? { addressType: 'manual', macAddress: mac } : {};
};

/**
 * The wake-on-LAN and UPT flags a spec sets. UPT compatibility is a VMXNET3 adapter's alone: naming
 * it for another type is invalid_argument (the model's refusal).
 */
const nicFlags = (
  spec: Record<string, unknown>,
): { wakeOnLanEnabled?: boolean; uptCompatibilityEnabled?: boolean } => {
  const wakeOnLan = field(spec, 'wake_on_lan_enabled', 'boolean');
  const upt = field(spec, 'upt_compatibility_enabled', 'boolean');
  return {
    ...(wakeOnLan === undefined ? {} : { wakeOnLanEnabled: wakeOnLan }),
    ...(upt === undefined ? {} : { uptCompatibilityEnabled: upt }),
  };
};

/** An Ethernet.CreateSpec as the device a ReconfigVM_Task or CreateVM_Task adds. */
export const nicDevice = (vsphere: VSphere, spec: unknown, key: number, poweredOn: boolean): Device => {
  if (!isObject(spec)) throw restError('invalid_argument', 'An Ethernet adapter spec must be an object.');
  const type = field(spec, 'type', 'string') ?? 'VMXNET3';
  const _type = NIC_CLASSES[type];
  if (_type === undefined)
    throw restError('invalid_argument', `Invalid value '${type}' for the adapter's 'type'.`);
  const backing = networkBacking(vsphere, field(spec, 'backing', 'object'));
  const mac = macOf(spec);
  const startConnected = field(spec, 'start_connected', 'boolean') ?? false;
  const { wakeOnLanEnabled = false, uptCompatibilityEnabled } = nicFlags(spec);
  // Both flags are false unless set, as vAPI defaults them; only VMXNET3 has a UPT flag to default.
  const upt = uptCompatibilityEnabled !== undefined || _type === 'VirtualVmxnet3';
  return {
    _type,
    key,
    backing,
    ...mac,
    wakeOnLanEnabled,
    ...(upt ? { uptCompatibilityEnabled: uptCompatibilityEnabled ?? false } : {}),
    connectable: {
      startConnected,
      allowGuestControl: field(spec, 'allow_guest_control', 'boolean') ?? false,
      // A new adapter of a running VM connects at once when it would at power-on.
      connected: startConnected && poweredOn,
    },
  };
};

const NIC: DeviceKind = {
  path: '/vcenter/vm/:vm/hardware/ethernet',
  key: 'nic',
  what: 'Ethernet adapter',
  is: (d) => d._type in NIC_TYPES,
  info: nicInfo,
  changes: (call, slots) =>
    slots.add({
      operation: 'add',
      device: nicDevice(
        call.vsphere,
        specOf(call),
        slots.nextKey(),
        targetVm(call).powerState === 'poweredOn',
      ),
    }),
};

/**
 * Ethernet.update: another network, a manual MAC, the wake-on-LAN and UPT flags, and how the adapter
 * connects at power-on. The adapter's type and the other fields stay as they are.
 */
const updateNic = async (call: Call) => {
  const nic = deviceOf(call, NIC);
  const spec = specOf(call);
  const backing = field(spec, 'backing', 'object');
  const device: Device = {
    _type: nic._type,
    key: nic.key,
    ...(backing === undefined ? {} : { backing: networkBacking(call.vsphere, backing) }),
    ...macOf(spec),
    ...nicFlags(spec),
    connectable: connectableAfter(nic, spec),
  };
  await reconfigureVm(call, { deviceChange: [{ operation: 'edit', device }] });
  return {};
};

export const vmEthernetRoutes: RouteSet = (style): Route[] => [
  ...deviceRoutes(NIC),
  { method: 'PATCH', path: `${NIC.path}/:nic`, run: updateNic },
  ...connectionRoutes(NIC, style),
];
