/**
 * `GET /vcenter/vm/{vm}`: the VM's Info in vAPI's shape, read from the model's
 * `config` property (devices keyed by their device key, as vCenter keys them).
 */
import type { Device, VmConfig, VmRecord, VSphere } from '@vsim/vsphere';
import type { Style } from '../styles.js';
import { ADAPTERS, type Bus, SCSI_TYPES } from './vm-adapters.js';
import { bootInfo, cpuInfo, hardwareInfo, memoryInfo } from './vm-hardware.js';

type Obj = Readonly<Record<string, unknown>>;

interface VmConfigView {
  name: string;
  guestId: string;
  uuid: string;
  instanceUuid: string;
  hardware: { device: readonly Device[] };
}

/** vSphere's guestId as vAPI's GuestOS value: `rhel7_64Guest` -> `RHEL_7_64`, `otherGuest` -> `OTHER`. */
export const guestOsOf = (guestId: string): string =>
  guestId
    .replace(/Guest/, '')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/([a-zA-Z])(\d)/g, '$1_$2')
    .replace(/_+/g, '_')
    .toUpperCase();

export const POWER_STATES = {
  poweredOn: 'POWERED_ON',
  poweredOff: 'POWERED_OFF',
  suspended: 'SUSPENDED',
} as const;

export const NIC_TYPES: Readonly<Record<string, string>> = {
  VirtualVmxnet3: 'VMXNET3',
  VirtualVmxnet2: 'VMXNET2',
  VirtualE1000: 'E1000',
  VirtualE1000e: 'E1000E',
  VirtualPCNet32: 'PCNET32',
  VirtualSriovEthernetCard: 'VMXNET3',
};
/** vSphere's sharedBus of a SCSI controller as vAPI's Scsi.Sharing. */
export const SHARING: Readonly<Record<string, string>> = {
  noSharing: 'NONE',
  virtualSharing: 'VIRTUAL',
  physicalSharing: 'PHYSICAL',
};

const label = (d: Device) => d.deviceInfo?.label ?? '';

/** Where the device sits on the PCI bus, once it has a slot. */
const pciSlotNumber = (d: Device) => (d.slotInfo as { pciSlotNumber?: number } | undefined)?.pciSlotNumber;

const connection = (d: Device) => {
  const c = d.connectable as
    | { connected?: boolean; startConnected?: boolean; allowGuestControl?: boolean }
    | undefined;
  return {
    state: c?.connected ? 'CONNECTED' : 'NOT_CONNECTED',
    start_connected: c?.startConnected ?? false,
    allow_guest_control: c?.allowGuestControl ?? false,
  };
};

const BUSES: readonly Bus[] = ['IDE', 'SATA', 'NVME'];

/** Where a device sits on its controller, in the field vAPI names after the bus (SCSI for any other). */
const address = (d: Device, controller: Device | undefined) => {
  const type = BUSES.find((bus) => controller !== undefined && ADAPTERS[bus].is(controller)) ?? 'SCSI';
  if (type === 'IDE')
    return { type, ide: { primary: controller?.busNumber === 0, master: d.unitNumber === 0 } };
  return { type, [type.toLowerCase()]: { bus: controller?.busNumber ?? 0, unit: d.unitNumber ?? 0 } };
};

/** Disk.Info. */
export const diskInfo = (d: Device, controller: Device | undefined) => {
  const backing = d.backing as Obj | undefined;
  return {
    label: label(d),
    ...address(d, controller),
    backing: { type: 'VMDK_FILE', vmdk_file: backing?.fileName },
    capacity:
      (d.capacityInBytes as number | undefined) ?? ((d.capacityInKB as number | undefined) ?? 0) * 1024,
  };
};

/** Ethernet.Info. */
export const nicInfo = (d: Device) => {
  const backing = d.backing as { network?: { value: string }; deviceName?: string; port?: Obj } | undefined;
  const port = backing?.port as { portgroupKey?: string; switchUuid?: string; portKey?: string } | undefined;
  return {
    label: label(d),
    type: NIC_TYPES[d._type] ?? 'VMXNET3',
    // Unset for any type but VMXNET3, the only one with UPT compatibility.
    upt_compatibility_enabled: d._type === 'VirtualVmxnet3' ? d.uptCompatibilityEnabled === true : undefined,
    mac_type: String(d.addressType ?? 'generated').toUpperCase(),
    mac_address: d.macAddress,
    pci_slot_number: pciSlotNumber(d),
    wake_on_lan_enabled: d.wakeOnLanEnabled === true,
    backing: port
      ? {
          type: 'DISTRIBUTED_PORTGROUP',
          network: port.portgroupKey,
          distributed_switch_uuid: port.switchUuid,
          ...(port.portKey ? { distributed_port: port.portKey } : {}),
        }
      : { type: 'STANDARD_PORTGROUP', network: backing?.network?.value, network_name: backing?.deviceName },
    ...connection(d),
  };
};

/** Cdrom.Info. */
export const cdromInfo = (d: Device, controller: Device | undefined) => {
  const backing = d.backing as { _type?: string; fileName?: string; deviceName?: string } | undefined;
  const kind = backing?._type ?? '';
  const cdBacking = kind.includes('Iso')
    ? { type: 'ISO_FILE', iso_file: backing?.fileName }
    : kind.includes('Remote')
      ? { type: 'CLIENT_DEVICE', device_access_type: kind.includes('Passthrough') ? 'PASSTHRU' : 'EMULATION' }
      : { type: 'HOST_DEVICE', host_device: backing?.deviceName, auto_detect: false };
  const { type, ...where } = address(d, controller);
  return { type, label: label(d), ...where, backing: cdBacking, ...connection(d) };
};

/** Floppy.Info. */
export const floppyInfo = (d: Device) => {
  const backing = d.backing as { _type?: string; fileName?: string; deviceName?: string } | undefined;
  const kind = backing?._type ?? '';
  return {
    label: label(d),
    backing: kind.includes('Image')
      ? { type: 'IMAGE_FILE', image_file: backing?.fileName }
      : kind.includes('Remote')
        ? { type: 'CLIENT_DEVICE' }
        : { type: 'HOST_DEVICE', host_device: backing?.deviceName, auto_detect: false },
    ...connection(d),
  };
};

interface PortBackingInfo {
  _type?: string;
  fileName?: string;
  deviceName?: string;
  useAutoDetect?: boolean;
  pipeName?: string;
  endpoint?: string;
  noRxLoss?: boolean;
  serviceURI?: string;
  direction?: string;
  proxyURI?: string;
}

/** A serial or parallel port's backing as its BackingInfo. */
const portBacking = (d: Device) => {
  const b = (d.backing ?? {}) as PortBackingInfo;
  const kind = b._type ?? '';
  if (kind.endsWith('FileBackingInfo')) return { type: 'FILE', file: b.fileName };
  if (kind.endsWith('PipeBackingInfo'))
    return {
      type: `PIPE_${String(b.endpoint).toUpperCase()}`,
      pipe: b.pipeName,
      no_rx_loss: b.noRxLoss === true,
    };
  if (kind.endsWith('URIBackingInfo'))
    return {
      type: `NETWORK_${String(b.direction).toUpperCase()}`,
      network_location: b.serviceURI,
      proxy: b.proxyURI,
    };
  return {
    type: 'HOST_DEVICE',
    host_device: b.deviceName || undefined,
    auto_detect: b.useAutoDetect === true,
  };
};

/** Serial.Info. */
export const serialInfo = (d: Device) => ({
  label: label(d),
  yield_on_poll: d.yieldOnPoll === true,
  backing: portBacking(d),
  ...connection(d),
});

/** Parallel.Info. */
export const parallelInfo = (d: Device) => ({ label: label(d), backing: portBacking(d), ...connection(d) });

/** Sata.Info. */
export const sataAdapterInfo = (d: Device) => ({
  label: label(d),
  type: 'AHCI',
  bus: d.busNumber ?? 0,
  pci_slot_number: pciSlotNumber(d),
});

/** Scsi.Info: `scsi.unit` is the unit the controller keeps for itself. */
export const scsiAdapterInfo = (d: Device) => ({
  label: label(d),
  type: SCSI_TYPES[d._type],
  scsi: { bus: d.busNumber ?? 0, unit: d.scsiCtlrUnitNumber ?? 7 },
  pci_slot_number: pciSlotNumber(d),
  sharing: SHARING[String(d.sharedBus ?? 'noSharing')] ?? 'NONE',
});

/** Nvme.Info. */
export const nvmeAdapterInfo = (d: Device) => ({
  label: label(d),
  bus: d.busNumber ?? 0,
  pci_slot_number: pciSlotNumber(d),
});

const BOOTABLE = 'VirtualMachineBootOptionsBootable';
/** vAPI's boot device types as vSphere's bootable device types. */
export const BOOTABLE_TYPES: Readonly<Record<string, string>> = {
  CDROM: `${BOOTABLE}CdromDevice`,
  DISK: `${BOOTABLE}DiskDevice`,
  ETHERNET: `${BOOTABLE}EthernetDevice`,
  FLOPPY: `${BOOTABLE}FloppyDevice`,
};
const TYPE_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(BOOTABLE_TYPES).map(([k, v]) => [v, k]),
);

interface Entry {
  type: string;
  nic?: string;
  disks?: string[];
}

/** The boot order as Device.Entry values. */
export const bootDevices = (config: VmConfig): Entry[] => {
  const entries: Entry[] = [];
  for (const device of config.bootOptions.bootOrder) {
    const type = TYPE_OF[device._type];
    if (type === undefined) continue;
    const key = String(device.deviceKey);
    const last = entries.at(-1);
    if (type === 'DISK' && last?.type === 'DISK') last.disks?.push(key);
    else if (type === 'DISK') entries.push({ type, disks: [key] });
    else entries.push(type === 'ETHERNET' ? { type, nic: key } : { type });
  }
  return entries;
};

/** JSON leaves out what is undefined, as vAPI leaves out unset optional fields. */
export const defined = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

export const vmInfo = (vsphere: VSphere, id: string, style: Style): unknown => {
  const config = vsphere.read<VmConfigView>(id, 'config');
  const record = vsphere.store.get(id) as VmRecord;
  const devices = config.hardware.device;
  const byKey = new Map(devices.map((d) => [d.key, d]));
  const controllerOf = (d: Device) =>
    d.controllerKey === undefined ? undefined : byKey.get(d.controllerKey);
  const of = (test: (d: Device) => boolean, shape: (d: Device) => unknown) =>
    style.map(devices.filter(test).map((d) => [d.key, shape(d)] as const));
  return defined({
    name: config.name,
    power_state: POWER_STATES[record.powerState],
    guest_OS: guestOsOf(config.guestId),
    identity: { name: config.name, bios_uuid: config.uuid, instance_uuid: config.instanceUuid },
    hardware: hardwareInfo(record.config),
    boot: bootInfo(record.config),
    boot_devices: bootDevices(record.config),
    cpu: cpuInfo(record.config),
    memory: memoryInfo(record),
    disks: of(
      (d) => d._type === 'VirtualDisk',
      (d) => diskInfo(d, controllerOf(d)),
    ),
    nics: of((d) => d._type in NIC_TYPES, nicInfo),
    cdroms: of(
      (d) => d._type === 'VirtualCdrom',
      (d) => cdromInfo(d, controllerOf(d)),
    ),
    floppies: of((d) => d._type === 'VirtualFloppy', floppyInfo),
    parallel_ports: of((d) => d._type === 'VirtualParallelPort', parallelInfo),
    serial_ports: of((d) => d._type === 'VirtualSerialPort', serialInfo),
    sata_adapters: of(ADAPTERS.SATA.is, sataAdapterInfo),
    scsi_adapters: of(ADAPTERS.SCSI.is, scsiAdapterInfo),
    nvme_adapters: of(ADAPTERS.NVME.is, nvmeAdapterInfo),
    instant_clone_frozen: false,
  });
};
