/**
 * A VM's configuration file as `.vmx` text, `key = "value"` lines: what UnregisterVM writes for
 * clients to read and copy, and what RegisterVM_Task reads from a file a client put there. Only
 * the keys the model maps are read (name, hardware, guest, UUIDs, annotation, SCSI disks, NICs);
 * others, extraConfig's among them, are ignored.
 */

import { isFirstClassDisk } from '../inventory/attachments.js';
import { diskDatastore, isDisk, isEthernetCard } from '../inventory/devices.js';
import { GUEST_IDS } from '../inventory/guest-os.js';
import type { VmConfigFile, VmRecord } from '../inventory/records.js';
import { hardwareVersionNumber, withControllers } from '../inventory/vm.js';
import { canonicalUuid, ddbUuid } from './virtual-disk-manager.js';
import { SCSI_CONTROLLERS } from './vm-devices.js';
import { parseDatastorePath } from './vm-placement.js';

/** `scsiN.virtualDev` of each SCSI controller type. */
const SCSI_DEVS: Record<string, string> = {
  ParaVirtualSCSIController: 'pvscsi',
  VirtualLsiLogicController: 'lsilogic',
  VirtualLsiLogicSASController: 'lsisas1068',
  VirtualBusLogicController: 'buslogic',
};

/** `ethernetN.virtualDev` of each NIC type. */
const NIC_DEVS: Record<string, string> = {
  VirtualVmxnet3: 'vmxnet3',
  VirtualVmxnet2: 'vmxnet2',
  VirtualE1000: 'e1000',
  VirtualE1000e: 'e1000e',
  VirtualPCNet32: 'vlance',
};

const typeOf = (table: Record<string, string>, dev: string | undefined) =>
  Object.keys(table).find((type) => table[type] === dev?.toLowerCase());

/** A guest id as a .vmx's guestOS names it: `ubuntu64Guest` is `ubuntu-64`, `otherGuest` `other`. */
const vmxGuestOs = (guestId: string): string =>
  guestId.replace(/Guest/, '').replace(/_?64$/, '-64').toLowerCase();

/** The guest id a .vmx's guestOS names: one the model knows, else the value as it is. */
const guestIdOf = (guestOs: string): string =>
  GUEST_IDS.find((id) => vmxGuestOs(id) === guestOs.toLowerCase()) ?? guestOs;

/** A value's `"`, `|` and control characters as `|XX`, the .vmx's escapes. */
const escaped = (value: string) => {
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || c === '"' || c === '|' ? `|${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
};

const unescaped = (value: string) =>
  value.replace(/\|([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** A disk's file as the .vmx names it: by its name alone beside the .vmx, else as a datastore path. */
const diskFileName = (fileName: string, home: string) => {
  const dir = home.slice(0, home.lastIndexOf('/') + 1);
  const rest = dir !== '' && fileName.startsWith(dir) ? fileName.slice(dir.length) : undefined;
  return rest && !rest.includes('/') ? rest : fileName;
};

/**
 * A VM's configuration file: its name and configuration, without the First Class Disks it has
 * attached (files of their own, which stay apart from the VM's).
 */
export const vmConfigFile = (vm: VmRecord): VmConfigFile => ({
  displayName: vm.name,
  config: Object.assign({}, vm.config, {
    devices: withControllers(vm.config.devices.filter((d) => !isFirstClassDisk(d))),
  }),
});

/** The .vmx text of a VM's configuration file, as bytes. */
export const vmxBytes = (file: VmConfigFile): Uint8Array => new TextEncoder().encode(renderVmx(file));

/** The .vmx text of a VM's configuration. */
export const renderVmx = ({ displayName, config }: VmConfigFile): string => {
  const lines: [string, string][] = [
    ['.encoding', 'UTF-8'],
    ['config.version', '8'],
    ['virtualHW.version', String(hardwareVersionNumber(config.version) ?? '')],
    ['displayName', displayName],
    ['numvcpus', String(config.numCPU)],
    ['cpuid.coresPerSocket', String(config.numCoresPerSocket)],
    ['memsize', String(config.memoryMB)],
    ['guestOS', vmxGuestOs(config.guestId)],
    ['uuid.bios', ddbUuid(config.uuid)],
    ['vc.uuid', ddbUuid(config.instanceUuid)],
    ['annotation', config.annotation],
  ];
  const byKey = new Map(config.devices.map((d) => [d.key, d]));
  for (const d of config.devices) {
    if (SCSI_CONTROLLERS.has(d._type)) {
      lines.push(
        [`scsi${d.busNumber}.present`, 'TRUE'],
        [`scsi${d.busNumber}.virtualDev`, SCSI_DEVS[d._type] ?? ''],
      );
      continue;
    }
    const controller = byKey.get(d.controllerKey ?? -1);
    if (isDisk(d) && controller && SCSI_CONTROLLERS.has(controller._type) && diskDatastore(d)) {
      const at = `scsi${controller.busNumber}:${d.unitNumber}`;
      const fileName = (d.backing as { fileName: string }).fileName;
      lines.push([`${at}.present`, 'TRUE'], [`${at}.fileName`, diskFileName(fileName, config.vmPathName)]);
    }
  }
  config.devices.filter(isEthernetCard).forEach((d, n) => {
    const backing = d.backing as { deviceName?: string; port?: { portgroupKey?: string } };
    const manual = d.addressType === 'manual';
    lines.push([`ethernet${n}.present`, 'TRUE'], [`ethernet${n}.virtualDev`, NIC_DEVS[d._type] ?? 'vmxnet3']);
    if (backing.port?.portgroupKey) lines.push([`ethernet${n}.dvs.portgroupId`, backing.port.portgroupKey]);
    else lines.push([`ethernet${n}.networkName`, backing.deviceName ?? '']);
    lines.push(
      [`ethernet${n}.addressType`, manual ? 'static' : 'vpx'],
      [manual ? `ethernet${n}.address` : `ethernet${n}.generatedAddress`, d.macAddress as string],
    );
  });
  for (const option of config.extraConfig) lines.push([option.key, String(option.value)]);
  return lines.map(([key, value]) => `${key} = "${escaped(value)}"\n`).join('');
};

/** What a .vmx tells of a VM, as far as the model maps it. */
export interface VmxFacts {
  readonly displayName?: string;
  readonly numCPU?: number;
  readonly numCoresPerSocket?: number;
  readonly memoryMB?: number;
  readonly guestId?: string;
  /** `vmx-NN`. */
  readonly version?: string;
  readonly uuid?: string;
  readonly instanceUuid?: string;
  readonly annotation?: string;
  readonly scsiControllers: readonly { readonly bus: number; readonly type: string }[];
  /** `fileName` as the .vmx writes it: beside the .vmx, a datastore path or a /vmfs/volumes path. */
  readonly disks: readonly { readonly bus: number; readonly unit: number; readonly fileName: string }[];
  readonly nics: readonly {
    readonly type: string;
    readonly networkName?: string;
    readonly portgroupKey?: string;
    /** A static address (`addressType = "static"`); a generated one is generated again. */
    readonly mac?: string;
  }[];
}

const LINE = /^([A-Za-z0-9_.:-]+)\s*=\s*"(.*)"\s*$/;

const count = (value: string | undefined) => {
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/** The .vmx's facts; undefined for a text that is no .vmx (a line that is no `key = "value"`, or no line). */
export const parseVmx = (text: string): VmxFacts | undefined => {
  const keys = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) return undefined;
    keys.set((match[1] as string).toLowerCase(), unescaped(match[2] as string));
  }
  if (keys.size === 0) return undefined;
  const on = (prefix: string) => keys.get(`${prefix}.present`)?.toLowerCase() === 'true';
  const scsiControllers: { bus: number; type: string }[] = [];
  const disks: { bus: number; unit: number; fileName: string }[] = [];
  const nics: VmxFacts['nics'][number][] = [];
  for (const key of keys.keys()) {
    const controller = /^scsi(\d)\.present$/.exec(key);
    const type =
      controller &&
      on(`scsi${controller[1]}`) &&
      typeOf(SCSI_DEVS, keys.get(`scsi${controller[1]}.virtualdev`));
    if (controller && type) scsiControllers.push({ bus: Number(controller[1]), type });
    const disk = /^scsi(\d):(\d+)\.filename$/.exec(key);
    const prefix = disk && `scsi${disk[1]}:${disk[2]}`;
    if (disk && prefix && on(prefix) && !keys.get(`${prefix}.devicetype`)?.includes('cdrom'))
      disks.push({ bus: Number(disk[1]), unit: Number(disk[2]), fileName: keys.get(key) as string });
    const nic = /^ethernet(\d+)\.present$/.exec(key);
    if (nic && on(`ethernet${nic[1]}`)) {
      const at = `ethernet${nic[1]}`;
      const staticMac = keys.get(`${at}.addresstype`)?.toLowerCase() === 'static';
      const mac = staticMac ? keys.get(`${at}.address`) : undefined;
      const networkName = keys.get(`${at}.networkname`);
      const portgroupKey = keys.get(`${at}.dvs.portgroupid`);
      nics.push({
        type: typeOf(NIC_DEVS, keys.get(`${at}.virtualdev`)) ?? 'VirtualVmxnet3',
        ...(networkName === undefined ? {} : { networkName }),
        ...(portgroupKey === undefined ? {} : { portgroupKey }),
        ...(mac ? { mac } : {}),
      });
    }
  }
  const hardware = count(keys.get('virtualhw.version'));
  const uuid = canonicalUuid(keys.get('uuid.bios'));
  const instanceUuid = canonicalUuid(keys.get('vc.uuid'));
  const numCPU = count(keys.get('numvcpus'));
  const numCoresPerSocket = count(keys.get('cpuid.corespersocket'));
  const memoryMB = count(keys.get('memsize'));
  const guestOs = keys.get('guestos');
  const displayName = keys.get('displayname');
  const annotation = keys.get('annotation');
  return {
    ...(displayName === undefined ? {} : { displayName }),
    ...(numCPU === undefined ? {} : { numCPU }),
    ...(numCoresPerSocket === undefined ? {} : { numCoresPerSocket }),
    ...(memoryMB === undefined ? {} : { memoryMB }),
    ...(guestOs ? { guestId: guestIdOf(guestOs) } : {}),
    ...(hardware === undefined ? {} : { version: `vmx-${hardware}` }),
    ...(uuid ? { uuid } : {}),
    ...(instanceUuid ? { instanceUuid } : {}),
    ...(annotation === undefined ? {} : { annotation }),
    scsiControllers,
    disks,
    nics,
  };
};

/** The datastore path a .vmx's disk file names, the .vmx being at `home` (`[ds] dir/name.vmx`). */
export const diskPathOf = (fileName: string, home: string): string => {
  if (parseDatastorePath(fileName)) return fileName;
  const volume = /^\/vmfs\/volumes\/([^/]+)\/(.+)$/.exec(fileName);
  if (volume) return `[${volume[1]}] ${volume[2]}`;
  return `${home.slice(0, home.lastIndexOf('/') + 1)}${fileName}`;
};
