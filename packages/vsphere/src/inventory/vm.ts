/**
 * The one place a VM record is written. `putVm` derives the VM's datastore and network
 * lists from its devices and charges each datastore for the disks on it, so
 * back-references and free space stay consistent whatever operation wrote the VM.
 */
import { mapped } from '../core/arrays.js';
import { getOrInsert } from '../core/maps.js';
import { flat } from '../core/strings.js';
import { faults, type PowerState } from '../faults.js';
import type { Model, Tx } from '../model.js';
import { moref } from '../refs.js';
import { followAttachments, isFirstClassDisk } from './attachments.js';
import {
  DEVICE_KEY_BASE,
  diskBytes,
  diskDatastore,
  ethernetBacking,
  ethernetCard,
  generatedMac,
  isDisk,
  isEthernetCard,
  type NicBacking,
  nicNetwork,
  STANDARD_DEVICES,
  STANDARD_DEVICES_WITHOUT_CDROM,
  virtualDisk,
} from './devices.js';
import { GUEST_OFF, runningGuest } from './guest.js';
import type {
  DatastoreRecord,
  Device,
  DvsRecord,
  ManagedByInfo,
  NetworkRecord,
  OptionValue,
  SnapshotRecord,
  VmConfig,
  VmRecord,
  VmVAppConfig,
} from './records.js';

/** What a test or an operation says about a new VM; everything else gets vcsim's defaults. */
export interface VmSpec {
  name: string;
  folder: string;
  pool?: string;
  host?: string;
  datastore: string;
  networks?: readonly string[];
  numCPU?: number;
  numCoresPerSocket?: number;
  memoryMB?: number;
  guestId?: string;
  guestFullName?: string;
  version?: string;
  /** Disk sizes in KB; one entry per disk on the first SCSI controller. */
  disksKB?: readonly number[];
  /** Whether the disks are thin (the default) or thick provisioned. */
  thinProvisioned?: boolean;
  /** Whether thick disks are zeroed when made (eagerly zeroed thick). */
  eagerlyScrub?: boolean;
  /** The storage policy the VM's home and disks are made under. */
  storagePolicyId?: string | undefined;
  template?: boolean;
  powerState?: PowerState;
  annotation?: string;
  managedBy?: ManagedByInfo;
  extraConfig?: readonly { key: string; value: string }[];
  /** The vApp options (a deployed OVF's); none when absent. */
  vAppConfig?: VmVAppConfig | undefined;
  parentVApp?: string;
  /** The NIC device type, e.g. `VirtualVmxnet3` (the default) or `VirtualE1000`. */
  nicType?: string;
  /** Per NIC, its device type over `nicType`. */
  nicTypes?: readonly (string | undefined)[];
  /** Made without the standard CD-ROM drive. */
  withoutCdrom?: boolean;
  /** Fixed MACs per NIC (set manually, as a Supervisor's network provider does); generated otherwise. */
  macAddresses?: readonly (string | undefined)[];
  /** The BIOS UUID (`config.uuid`) and instance UUID; random when absent. */
  uuid?: string;
  instanceUuid?: string;
  /** `bios` (the default) or `efi`. */
  firmware?: string;
  changeTrackingEnabled?: boolean;
  /** CPUs may be added (or removed), memory added, while it runs; none by default. */
  cpuHotAddEnabled?: boolean;
  cpuHotRemoveEnabled?: boolean;
  memoryHotAddEnabled?: boolean;
}

/** The newest virtual hardware the simulated hosts run (vSphere 8.0 U2's), and the datacenters' default. */
export const LATEST_HARDWARE_VERSION = 'vmx-21';

/** Memory a running VM adds comes in steps of 128 MB (`hotPlugMemoryIncrementSize`), as ESX reports it. */
export const HOT_PLUG_MEMORY_INCREMENT_MB = 128;

/** `vmx-19` → 19; undefined for a text that names no hardware version. */
export const hardwareVersionNumber = (version: string | undefined): number | undefined => {
  if (version === undefined) return undefined;
  // Read on every status sync of every VM: a match's array each time is garbage.
  if (!HARDWARE_VERSION.test(version)) return undefined;
  let number = 0;
  for (let i = 4; i < version.length; i++) number = number * 10 + version.charCodeAt(i) - 48;
  return number;
};
const HARDWARE_VERSION = /^vmx-\d+$/;

/** A hardware version the simulated hosts run: `vmx-NN` up to the latest. */
export const isSupportedHardwareVersion = (version: string): boolean =>
  (hardwareVersionNumber(version) ?? Number.POSITIVE_INFINITY) <=
  (hardwareVersionNumber(LATEST_HARDWARE_VERSION) as number);

export const GIB_MB = 1024;

/**
 * The hardware versions the hosts run: the release that brought each, and its largest VM (VMware's
 * "Hardware Features Available with Virtual Machine Compatibility Settings").
 */
export const HARDWARE_VERSIONS: readonly {
  version: number;
  release: string;
  maxCPUs: number;
  maxMemoryMB: number;
}[] = [
  { version: 13, release: 'ESXi 6.5', maxCPUs: 128, maxMemoryMB: 6128 * GIB_MB },
  { version: 14, release: 'ESXi 6.7', maxCPUs: 128, maxMemoryMB: 6128 * GIB_MB },
  { version: 15, release: 'ESXi 6.7 U2', maxCPUs: 256, maxMemoryMB: 6128 * GIB_MB },
  { version: 17, release: 'ESXi 7.0', maxCPUs: 256, maxMemoryMB: 6128 * GIB_MB },
  { version: 18, release: 'ESXi 7.0 U1', maxCPUs: 768, maxMemoryMB: 24560 * GIB_MB },
  { version: 19, release: 'ESXi 7.0 U2', maxCPUs: 768, maxMemoryMB: 24560 * GIB_MB },
  { version: 20, release: 'ESXi 8.0', maxCPUs: 768, maxMemoryMB: 24560 * GIB_MB },
  { version: 21, release: 'ESXi 8.0 U2', maxCPUs: 768, maxMemoryMB: 24560 * GIB_MB },
].filter((h) => h.version <= (hardwareVersionNumber(LATEST_HARDWARE_VERSION) as number));

/**
 * The most memory a running VM may grow to (`hotPlugMemoryLimit`): 16 times what it booted with,
 * ESX's default (VMware KB 2020846), at most its hardware version's largest VM; while off, what it
 * would boot with. A version older than the hosts' table keeps the 16 times.
 */
export const hotPlugMemoryLimitMB = (vm: VmRecord): number => {
  const version = hardwareVersionNumber(vm.config.version);
  const maxMemoryMB = HARDWARE_VERSIONS.find((h) => h.version === version)?.maxMemoryMB;
  return Math.min(16 * (vm.bootMemoryMB ?? vm.config.memoryMB), maxMemoryMB ?? Number.POSITIVE_INFINITY);
};

/** vSphere's boot options of a new VM. */
export const DEFAULT_BOOT_OPTIONS = Object.freeze({
  bootDelay: 0,
  enterBIOSSetup: false,
  bootRetryEnabled: false,
  bootRetryDelay: 10000,
  efiSecureBootEnabled: false,
  networkBootProtocol: 'ipv4',
  bootOrder: Object.freeze([]),
});

/** A VM with no hardware upgrade scheduled. */
export const NO_SCHEDULED_UPGRADE = Object.freeze({
  upgradePolicy: 'never',
  scheduledHardwareUpgradeStatus: 'none',
});

export const VM_DEFAULTS = {
  numCPU: 1,
  numCoresPerSocket: 1,
  memoryMB: 32,
  guestId: 'otherGuest',
  guestFullName: 'Other (32-bit)',
  version: 'vmx-13',
  diskKB: 1024,
} as const;

/** The datastore name in brackets, as vSphere paths start: `[LocalDS_0] vm/vm.vmx`. */
export const datastorePath = (datastoreName: string, path: string) => flat(`[${datastoreName}] ${path}`);

/** One frozen NicBacking per network record (records never change): its NICs share their backing. */
const nicBackings = new WeakMap<NetworkRecord, NicBacking>();

export const nicBacking = (tx: Pick<Tx, 'get'>, networkId: string): NicBacking => {
  const net = tx.get(networkId) as NetworkRecord | undefined;
  if (!net) throw new Error(`no network ${networkId}`);
  return getOrInsert(nicBackings, net, () => {
    const dvs =
      net.kind === 'DistributedVirtualPortgroup' && net.dvs ? (tx.get(net.dvs) as DvsRecord) : undefined;
    return Object.freeze(
      dvs
        ? {
            kind: 'portgroup' as const,
            network: Object.freeze(moref(net.kind, net.id)),
            portgroupKey: net.key ?? net.id,
            switchUuid: dvs.uuid,
          }
        : { kind: 'network' as const, network: Object.freeze(moref('Network', net.id)), name: net.name },
    );
  });
};

/** The backing of a NIC on the network (a standard network or a distributed portgroup), as the model makes it. */
export const networkBacking = (tx: Pick<Tx, 'get'>, networkId: string): object =>
  ethernetBacking(nicBacking(tx, networkId));

/** Whether a NIC's backing is on the network: a distributed portgroup by its switch and key, a standard network by its reference. */
export function isBackingOn(backing: unknown, tx: Pick<Tx, 'get'>, networkId: string): boolean {
  const on = nicBacking(tx, networkId);
  const b = backing as {
    port?: { portgroupKey?: string; switchUuid?: string };
    network?: { value?: string };
  };
  return on.kind === 'portgroup'
    ? b?.port?.portgroupKey === on.portgroupKey && b.port.switchUuid === on.switchUuid
    : b?.network?.value === on.network.value;
}

export const newMac = (model: Model): string => generatedMac(model.random.next());

/** Builds a new VM record from a spec (not yet stored: see putVm). */
export const newVmRecord = (model: Model, tx: Tx, spec: VmSpec): VmRecord => {
  const id = model.newId('VirtualMachine');
  const ds = tx.get(spec.datastore) as DatastoreRecord;
  const dsRef = moref('Datastore', ds.id);
  const disks = mapped(spec.disksKB ?? [VM_DEFAULTS.diskKB], (capacityInKB, i) =>
    virtualDisk({
      key: DEVICE_KEY_BASE.disk + i,
      controllerKey: DEVICE_KEY_BASE.scsiController,
      unitNumber: i < 7 ? i : i + 1,
      capacityInKB,
      fileName: datastorePath(ds.name, `${spec.name}/${spec.name}${i === 0 ? '' : `_${i}`}.vmdk`),
      datastore: dsRef,
      uuid: model.random.uuid(),
      thinProvisioned: spec.thinProvisioned ?? true,
      eagerlyScrub: spec.eagerlyScrub === true,
      storagePolicyId: spec.storagePolicyId,
    }),
  );
  const nics = mapped(spec.networks ?? [], (net, i) => {
    const fixed = spec.macAddresses?.[i];
    const nic = ethernetCard(
      DEVICE_KEY_BASE.ethernet + i,
      fixed ?? newMac(model),
      nicBacking(tx, net),
      spec.nicTypes?.[i] ?? spec.nicType,
    );
    return fixed === undefined ? nic : Object.assign({}, nic, { addressType: 'manual' });
  });
  const devices = withControllers([
    ...(spec.withoutCdrom === true ? STANDARD_DEVICES_WITHOUT_CDROM : STANDARD_DEVICES),
    ...disks,
    ...nics,
  ]);
  const now = model.clock.now();
  const config: { -readonly [K in keyof VmConfig]: VmConfig[K] } = {
    uuid: spec.uuid ?? model.random.uuid(),
    instanceUuid: spec.instanceUuid ?? model.random.uuid(),
    guestId: spec.guestId ?? VM_DEFAULTS.guestId,
    guestFullName: spec.guestFullName ?? VM_DEFAULTS.guestFullName,
    version: spec.version ?? VM_DEFAULTS.version,
    template: spec.template ?? false,
    numCPU: spec.numCPU ?? VM_DEFAULTS.numCPU,
    numCoresPerSocket: spec.numCoresPerSocket ?? VM_DEFAULTS.numCoresPerSocket,
    memoryMB: spec.memoryMB ?? VM_DEFAULTS.memoryMB,
    cpuHotAddEnabled: spec.cpuHotAddEnabled ?? false,
    cpuHotRemoveEnabled: spec.cpuHotRemoveEnabled ?? false,
    memoryHotAddEnabled: spec.memoryHotAddEnabled ?? false,
    scheduledHardwareUpgrade: NO_SCHEDULED_UPGRADE,
    firmware: spec.firmware ?? 'bios',
    bootOptions: DEFAULT_BOOT_OPTIONS,
    changeTrackingEnabled: spec.changeTrackingEnabled ?? false,
    devices,
    extraConfig: spec.extraConfig ?? NO_OPTIONS,
    vmPathName: datastorePath(ds.name, `${spec.name}/${spec.name}.vmx`),
    annotation: spec.annotation ?? '',
    createDate: now,
    changeVersion: now,
  };
  if (spec.storagePolicyId) config.homeStoragePolicyId = spec.storagePolicyId;
  if (spec.vAppConfig) config.vAppConfig = spec.vAppConfig;
  if (spec.managedBy) config.managedBy = spec.managedBy;
  const on = spec.powerState === 'poweredOn' && !config.template;
  return {
    id,
    kind: 'VirtualMachine',
    name: spec.name,
    parent: spec.folder,
    ...(spec.pool ? { pool: spec.pool } : {}),
    ...(spec.host ? { host: spec.host } : {}),
    ...(spec.parentVApp ? { parentVApp: spec.parentVApp } : {}),
    homeDatastore: ds.id,
    datastores: datastoresOf(config, ds.id),
    networks: networksOf(config),
    config,
    powerState: on ? 'poweredOn' : 'poweredOff',
    connectionState: 'connected',
    ...(on ? { bootTime: now } : {}),
    guest: on
      ? runningGuest(model.ipam, { name: spec.name, config }, (net) => (tx.get(net) as NetworkRecord).name)
      : GUEST_OFF,
  };
};

/**
 * Controllers list the keys of the devices on them; recompute those lists so that
 * adding or removing a device never leaves a controller pointing at nothing.
 */
export const withControllers = (devices: readonly Device[]): Device[] =>
  mapped(devices, (d) => (Array.isArray(d.device) ? withAttached(d, devices) : d));

/** A controller listing the devices on it: itself when its list is right, else a shared variant. */
const withAttached = (controller: Device, devices: readonly Device[]): Device => {
  const was = controller.device as readonly number[];
  let count = 0;
  let same = true;
  for (const d of devices)
    if (d.controllerKey === controller.key) {
      if (was[count] !== d.key) same = false;
      count++;
    }
  if (same && count === was.length) return controller;
  const now = new Array<number>(count);
  let i = 0;
  for (const d of devices) if (d.controllerKey === controller.key) now[i++] = d.key;
  return controllerVariant(controller, now);
};

/**
 * Frozen controllers with another device list, a few per controller: VMs of one layout (every
 * VM deployed from one image) share theirs rather than each holding copies.
 */
const controllerVariants = new WeakMap<Device, Device[]>();
const VARIANTS_PER_CONTROLLER = 8;

const controllerVariant = (controller: Device, keys: number[]): Device => {
  const variants = getOrInsert(controllerVariants, controller, () => []);
  const known = variants.find((v) => sameKeys(v.device as readonly number[], keys));
  if (known) return known;
  const variant = Object.freeze({ ...controller, device: Object.freeze(keys) });
  if (variants.length < VARIANTS_PER_CONTROLLER) variants.push(variant);
  return variant;
};

const sameKeys = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((k, i) => k === b[i]);

const NO_OPTIONS: readonly OptionValue[] = Object.freeze([]);

/**
 * The list with `item` added unless it is there, as a copy of its size: records keep it, and a
 * list grown by push (or `[...list, item]`) keeps room for 17 items. A VM has a few disks and
 * NICs: no set is needed.
 */
const withDistinct = (list: readonly string[], item: string): readonly string[] =>
  list.includes(item) ? list : list.concat(item);

const NO_NETWORKS: readonly string[] = Object.freeze([]);

const datastoresOf = (config: VmConfig, home: string): readonly string[] => {
  let out: readonly string[] = [home];
  for (const d of config.devices) {
    const ds = isDisk(d) ? diskDatastore(d) : undefined;
    if (ds) out = withDistinct(out, ds);
  }
  return out;
};

const networksOf = (config: VmConfig): readonly string[] => {
  let out = NO_NETWORKS;
  for (const d of config.devices) {
    const net = isEthernetCard(d) ? nicNetwork(d) : undefined;
    if (net) out = withDistinct(out, net);
  }
  return out;
};

const bytesByDatastore = (vm: VmRecord | undefined): Map<string, number> => {
  const out = new Map<string, number>();
  if (!vm) return out;
  for (const d of vm.config.devices) {
    const ds = isDisk(d) && !isFirstClassDisk(d) ? diskDatastore(d) : undefined;
    if (ds) out.set(ds, (out.get(ds) ?? 0) + diskBytes(d));
  }
  return out;
};

/** Writes a VM (or removes it, with `null`), keeping derived lists and datastore usage. */
export const putVm = (tx: Tx, vm: VmRecord | null, id?: string): VmRecord | null => {
  const previous = tx.get(vm?.id ?? (id as string)) as VmRecord | undefined;
  let stored: VmRecord | null = null;
  if (vm) {
    const datastores = datastoresOf(vm.config, vm.homeDatastore);
    const networks = networksOf(vm.config);
    const sameDatastores = sameList(datastores, vm.datastores) ?? sameList(datastores, previous?.datastores);
    const sameNetworks = sameList(networks, vm.networks) ?? sameList(networks, previous?.networks);
    // Copies by Object.assign (here and below): a spread and a field more gives each state a
    // hidden class of its own.
    stored = tx.put(
      sameDatastores === vm.datastores && sameNetworks === vm.networks
        ? vm
        : Object.assign({}, vm, {
            datastores: sameDatastores ?? datastores,
            networks: sameNetworks ?? networks,
          }),
    ) as VmRecord;
  } else if (previous) {
    tx.remove(previous.id);
    // A VM's snapshots go with it.
    dropSnapshots(tx, previous.snapshots?.roots ?? []);
  }
  if (previous?.config.devices === stored?.config.devices) return stored;
  followAttachments(tx, previous, stored);
  const delta = bytesByDatastore(stored ?? undefined);
  for (const [ds, bytes] of bytesByDatastore(previous)) delta.set(ds, (delta.get(ds) ?? 0) - bytes);
  for (const [ds, bytes] of delta) if (bytes !== 0) chargeDatastore(tx, ds, bytes);
  return stored;
};

/** Writes a VM with a new device list. */
export const putDevices = (tx: Tx, vm: VmRecord, devices: readonly Device[]): VmRecord =>
  putVm(tx, Object.assign({}, vm, { config: Object.assign({}, vm.config, { devices }) })) as VmRecord;

/**
 * A write that allocates `bytes` more on a datastore needs that much free space: NoDiskSpace,
 * naming the file written, otherwise. A thin disk allocates nothing when made, grown or moved
 * (though its capacity counts in `used`, as with every disk), so its writes are not checked.
 */
export const checkFreeSpace = (tx: Tx, datastore: string, bytes: number, file: string): void => {
  const ds = tx.get(datastore) as DatastoreRecord | undefined;
  if (ds && bytes > 0 && ds.used + bytes > ds.capacity) throw faults.noDiskSpace(file, ds.name);
};

/** Bytes more (or, negative, fewer) that a datastore's files take. */
export const chargeDatastore = (tx: Tx, datastore: string, bytes: number): void => {
  const record = tx.get(datastore) as DatastoreRecord | undefined;
  if (record) tx.update<DatastoreRecord>(datastore, { used: record.used + bytes });
};

/** Every snapshot of a VM's tree, parents before their children. */
export function* snapshotRecordsOf(tx: Pick<Tx, 'get'>, vm: VmRecord): Generator<SnapshotRecord> {
  const pending = [...(vm.snapshots?.roots ?? [])];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    const snapshot = tx.get(id) as SnapshotRecord | undefined;
    if (!snapshot) continue;
    pending.push(...snapshot.children);
    yield snapshot;
  }
}

/** Removes snapshots and all their descendants. */
export const dropSnapshots = (tx: Tx, ids: readonly string[]): void => {
  for (const id of ids) {
    const snapshot = tx.get(id) as SnapshotRecord | undefined;
    tx.remove(id);
    if (snapshot) dropSnapshots(tx, snapshot.children);
  }
};

const sameList = (a: readonly string[], b: readonly string[] | undefined): readonly string[] | undefined =>
  b && a.length === b.length && a.every((x, i) => x === b[i]) ? b : undefined;
