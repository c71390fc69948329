/**
 * A VM's boot order (vcenter.vm.hardware.boot.device): `GET` reads the model's
 * `bootOptions.bootOrder` as vAPI's entries (consecutive disks in one DISK entry), `PUT` with
 * `{"devices": [...]}` sets it with ReconfigVM_Task. An entry naming no disk or NIC of the VM is
 * invalid_argument; an empty list leaves the order to the firmware.
 */
import type { BootableDevice, VmConfig } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { BOOTABLE_TYPES, bootDevices, NIC_TYPES } from './vm-info.js';
import { isObject, reconfigureVm, targetVm } from './vm-target.js';

/** One Device.Entry as the bootable devices it names, each checked against the VM's devices. */
const bootable = (config: VmConfig, entry: unknown): BootableDevice[] => {
  const type = isObject(entry) ? String(entry.type) : '';
  const _type = BOOTABLE_TYPES[type];
  if (_type === undefined) throw restError('invalid_argument', `Invalid boot device type '${type}'.`);
  const entryOf = entry as Record<string, unknown>;
  const keyOf = (value: unknown, isKind: (t: string) => boolean) => {
    const device = config.devices.find((d) => String(d.key) === String(value) && isKind(d._type));
    if (!device)
      throw restError('invalid_argument', `The virtual machine has no ${type} device '${String(value)}'.`);
    return { _type, deviceKey: device.key };
  };
  if (type === 'ETHERNET') return [keyOf(entryOf.nic, (t) => t in NIC_TYPES)];
  if (type === 'DISK') {
    const disks = entryOf.disks;
    if (!Array.isArray(disks) || disks.length === 0)
      throw restError('invalid_argument', "A DISK boot device needs its 'disks'.");
    return disks.map((disk) => keyOf(disk, (t) => t === 'VirtualDisk'));
  }
  return [{ _type }];
};

const setBootDevices = async (call: Call) => {
  const devices = isObject(call.body) ? call.body.devices : undefined;
  if (!Array.isArray(devices))
    throw restError('invalid_argument', "The request body needs a 'devices' list.");
  const config = targetVm(call).config;
  await reconfigureVm(call, {
    bootOptions: { bootOrder: devices.flatMap((entry) => bootable(config, entry)) },
  });
  return {};
};

export const vmBootDeviceRoutes: RouteSet = (): Route[] => [
  {
    method: 'GET',
    path: '/vcenter/vm/:vm/hardware/boot/device',
    run: (call) => ({ value: bootDevices(targetVm(call).config) }),
  },
  { method: 'PUT', path: '/vcenter/vm/:vm/hardware/boot/device', run: setBootDevices },
];
