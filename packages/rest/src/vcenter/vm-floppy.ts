/**
 * A VM's floppy drives (vcenter.vm.hardware.floppy): list, get, create and delete, each a
 * ReconfigVM_Task device change on the VM's SIO controller. `floppyChanges` also serves VM
 * creation: a Floppy.CreateSpec backed by an image file, a host device or the client's.
 */
import type { Device } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Route, RouteSet } from '../routes.js';
import type { DeviceSlots } from './vm-adapters.js';
import { type DeviceKind, deviceRoutes, newDrive } from './vm-device-routes.js';
import { floppyInfo } from './vm-info.js';
import { field, isObject, specOf } from './vm-target.js';

/** Floppy.BackingSpec as vSphere's backing of a VirtualFloppy. */
const floppyBacking = (spec: Record<string, unknown>) => {
  const backing = field(spec, 'backing', 'object') ?? {};
  const type = field(backing, 'type', 'string');
  if (type === 'IMAGE_FILE') {
    const file = field(backing, 'image_file', 'string');
    if (file === undefined)
      throw restError('invalid_argument', "An IMAGE_FILE backing needs an 'image_file'.");
    return { _type: 'VirtualFloppyImageBackingInfo', fileName: file };
  }
  if (type === 'HOST_DEVICE')
    return {
      _type: 'VirtualFloppyDeviceBackingInfo',
      deviceName: field(backing, 'host_device', 'string') ?? '',
    };
  if (type === 'CLIENT_DEVICE') return { _type: 'VirtualFloppyRemoteDeviceBackingInfo', deviceName: '' };
  throw restError(
    'invalid_argument',
    "A floppy needs a 'backing' of type IMAGE_FILE, HOST_DEVICE or CLIENT_DEVICE.",
  );
};

/** Adds the drives of `specs` (Floppy.CreateSpec) on the SIO controller among `devices`. */
export const floppyChanges = (slots: DeviceSlots, devices: readonly Device[], specs: readonly unknown[]) => {
  const sio = devices.find((d) => d._type === 'VirtualSIOController');
  for (const raw of specs) {
    if (!isObject(raw)) throw restError('invalid_argument', 'A floppy spec must be an object.');
    if (!sio)
      throw restError('invalid_argument', 'The virtual machine has no SIO controller for a floppy drive.');
    const backing = floppyBacking(raw);
    slots.add(
      newDrive(raw, { _type: 'VirtualFloppy', key: slots.nextKey(), backing }, { controllerKey: sio.key }),
    );
  }
};

const FLOPPY: DeviceKind = {
  path: '/vcenter/vm/:vm/hardware/floppy',
  key: 'floppy',
  what: 'Floppy drive',
  is: (d) => d._type === 'VirtualFloppy',
  info: floppyInfo,
  changes: (call, slots, devices) => floppyChanges(slots, devices, [specOf(call)]),
};

export const vmFloppyRoutes: RouteSet = (): Route[] => deviceRoutes(FLOPPY);
