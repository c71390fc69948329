/**
 * A VM's CD-ROM drives (vcenter.vm.hardware.cdrom): list, get, create and delete, each a
 * ReconfigVM_Task device change. `cdromChanges` also serves VM creation: a Cdrom.CreateSpec on
 * an IDE (the default) or SATA adapter, backed by an ISO file, a host device or the client's.
 */
import { restError } from '../errors.js';
import type { Route, RouteSet } from '../routes.js';
import type { DeviceSlots } from './vm-adapters.js';
import { type DeviceKind, deviceRoutes, newDrive } from './vm-device-routes.js';
import { cdromInfo } from './vm-info.js';
import { field, isObject, specOf } from './vm-target.js';

/** Cdrom.BackingSpec as vSphere's backing of a VirtualCdrom. */
const cdromBacking = (spec: Record<string, unknown>) => {
  const backing = field(spec, 'backing', 'object') ?? {};
  const type = field(backing, 'type', 'string');
  if (type === 'ISO_FILE') {
    const file = field(backing, 'iso_file', 'string');
    if (file === undefined) throw restError('invalid_argument', "An ISO_FILE backing needs an 'iso_file'.");
    return { _type: 'VirtualCdromIsoBackingInfo', fileName: file };
  }
  if (type === 'HOST_DEVICE')
    return {
      _type: 'VirtualCdromAtapiBackingInfo',
      deviceName: field(backing, 'host_device', 'string') ?? '',
    };
  if (type === 'CLIENT_DEVICE') {
    const access = field(backing, 'device_access_type', 'string') ?? 'EMULATION';
    const _type =
      access === 'PASSTHRU'
        ? 'VirtualCdromRemotePassthroughBackingInfo'
        : 'VirtualCdromRemoteAtapiBackingInfo';
    return { _type, deviceName: '', exclusive: false };
  }
  throw restError(
    'invalid_argument',
    "A CD-ROM needs a 'backing' of type ISO_FILE, HOST_DEVICE or CLIENT_DEVICE.",
  );
};

/** Adds the drives of `specs` (Cdrom.CreateSpec) to `slots`. */
export const cdromChanges = (slots: DeviceSlots, specs: readonly unknown[]) => {
  for (const raw of specs) {
    if (!isObject(raw)) throw restError('invalid_argument', 'A CD-ROM spec must be an object.');
    const at = slots.place(raw, ['IDE', 'SATA'], 'IDE');
    slots.add(newDrive(raw, { _type: 'VirtualCdrom', key: slots.nextKey(), backing: cdromBacking(raw) }, at));
  }
};

const CDROM: DeviceKind = {
  path: '/vcenter/vm/:vm/hardware/cdrom',
  key: 'cdrom',
  what: 'CD-ROM',
  is: (d) => d._type === 'VirtualCdrom',
  info: cdromInfo,
  changes: (call, slots) => cdromChanges(slots, [specOf(call)]),
};

export const vmCdromRoutes: RouteSet = (): Route[] => deviceRoutes(CDROM);
