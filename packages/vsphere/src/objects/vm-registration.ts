/**
 * A VM's files apart from the VM: UnregisterVM leaves its configuration file (a DatastoreFile
 * record holding the VM's configuration, and its `.vmx` text) and its disks (standalone disks) on
 * the datastore; Folder.RegisterVM_Task makes a VM of such a file, or of a `.vmx` a client put
 * there, and the VM takes the files back as its own.
 */
import { fromBase64, toBase64 } from '../core/strings.js';
import { faults } from '../faults.js';
import { DEVICE_KEY_BASE, isDisk, virtualDisk } from '../inventory/devices.js';
import { GUEST_OFF } from '../inventory/guest.js';
import { guestFullName } from '../inventory/guest-os.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DatastoreFileRecord,
  DatastoreRecord,
  FolderRecord,
  HostRecord,
  VmConfig,
  VmRecord,
} from '../inventory/records.js';
import {
  DEFAULT_BOOT_OPTIONS,
  datastorePath,
  isSupportedHardwareVersion,
  NO_SCHEDULED_UPGRADE,
  putVm,
  VM_DEFAULTS,
  withControllers,
} from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { datastoreFileAccess, type Located, label } from './datastore-file-access.js';
import { objectFilesOn } from './datastore-files.js';
import { BUILTIN_DEVICES, currentVm, vmEvents } from './vm-clone.js';
import { checkHardware, nextChangeVersion } from './vm-config-spec.js';
import {
  applyDeviceChanges,
  type DeviceContext,
  deviceContext,
  keepDiskFiles,
  reclaimDisk,
  SCSI_CONTROLLERS,
  type VirtualDeviceConfigSpec,
} from './vm-devices.js';
import { checkFreeName, datastoreByName, parseDatastorePath, placement, vmFolder } from './vm-placement.js';
import { diskPathOf, parseVmx, type VmxFacts, vmConfigFile, vmxBytes } from './vmx.js';

/**
 * What UnregisterVM leaves of a VM being removed in `tx`: its configuration file, which a
 * registration reads back, and each disk as a standalone disk of its capacity, type and UUID.
 * The space its disks took is the files' from now on. A First Class Disk is detached and stays
 * one, apart from the file; the snapshots go with the VM (the disks are as the VM last had them).
 */
export const keepVmFiles = (m: Model, tx: Tx, vm: VmRecord): void => {
  const ds = tx.get(vm.homeDatastore) as DatastoreRecord | undefined;
  const path = parseDatastorePath(vm.config.vmPathName)?.path;
  if (!ds || !path) return;
  const ctx = deviceContext(m, tx, vm);
  for (const d of vm.config.devices) if (isDisk(d)) keepDiskFiles(ctx, vm.config.devices, d);
  const file = vmConfigFile(vm);
  const bytes = vmxBytes(file);
  const files = datastoreFileAccess(m);
  const at = { ds, path };
  files.ensureFoldersAbove(tx, at, objectFilesOn(m, ds.id), true);
  files.putRecord(tx, at, { folder: false, size: bytes.byteLength, content: toBase64(bytes), vm: file });
};

/** RegisterVM_Task's arguments, the references looked up. */
interface Registration {
  readonly folder: string;
  readonly path: string;
  readonly name: string | undefined;
  readonly asTemplate: boolean;
  readonly pool: string | undefined;
  readonly host: string | undefined;
}

/** A configuration from a .vmx's text: its devices made as CreateVM_Task makes them, its disks taken back. */
const configOfVmx = (m: Model, ctx: DeviceContext, vmx: VmxFacts): VmConfig => {
  const guestId = vmx.guestId ?? VM_DEFAULTS.guestId;
  const version = vmx.version ?? VM_DEFAULTS.version;
  if (!isSupportedHardwareVersion(version)) throw faults.unsupportedHardwareVersion(version);
  const numCPU = vmx.numCPU ?? VM_DEFAULTS.numCPU;
  const numCoresPerSocket = vmx.numCoresPerSocket ?? VM_DEFAULTS.numCoresPerSocket;
  const memoryMB = vmx.memoryMB ?? VM_DEFAULTS.memoryMB;
  checkHardware(numCPU, numCoresPerSocket, memoryMB);
  const controllers = vmx.scsiControllers.map(
    (c): VirtualDeviceConfigSpec => ({
      operation: 'add',
      device: { _type: c.type, key: -1 - c.bus, busNumber: c.bus },
    }),
  );
  const nics = vmx.nics.map(
    (nic, n): VirtualDeviceConfigSpec => ({
      operation: 'add',
      device: {
        _type: nic.type,
        key: -100 - n,
        backing: nic.portgroupKey
          ? { port: { portgroupKey: nic.portgroupKey } }
          : { deviceName: nic.networkName },
        ...(nic.mac ? { addressType: 'manual', macAddress: nic.mac } : {}),
      },
    }),
  );
  const devices = applyDeviceChanges(ctx, BUILTIN_DEVICES, [...controllers, ...nics]);
  const disks = vmx.disks.map((disk, i) => {
    const fileName = diskPathOf(disk.fileName, ctx.vmPathName);
    const controller = devices.find((d) => SCSI_CONTROLLERS.has(d._type) && d.busNumber === disk.bus);
    const named = parseDatastorePath(fileName);
    const ds = named && datastoreByName(m, ctx.datacenter, named.datastore);
    if (!controller || !ds) throw faults.fileNotFound(fileName);
    // The standalone disk at the file says what the disk is: reclaimDisk fills it in.
    const placeholder = virtualDisk({
      key: DEVICE_KEY_BASE.disk + i,
      controllerKey: controller.key,
      unitNumber: disk.unit,
      capacityInKB: 0,
      fileName: datastorePath(ds.name, named.path),
      datastore: moref('Datastore', ds.id),
      uuid: '',
    });
    return reclaimDisk(ctx, placeholder);
  });
  const now = m.clock.now();
  return {
    uuid: vmx.uuid ?? m.random.uuid(),
    instanceUuid: vmx.instanceUuid ?? m.random.uuid(),
    guestId,
    guestFullName: guestFullName(guestId),
    version,
    template: false,
    numCPU,
    numCoresPerSocket,
    memoryMB,
    cpuHotAddEnabled: false,
    cpuHotRemoveEnabled: false,
    memoryHotAddEnabled: false,
    scheduledHardwareUpgrade: NO_SCHEDULED_UPGRADE,
    firmware: 'bios',
    bootOptions: DEFAULT_BOOT_OPTIONS,
    changeTrackingEnabled: false,
    devices: withControllers([...devices, ...disks]),
    extraConfig: [],
    vmPathName: ctx.vmPathName,
    annotation: vmx.annotation ?? '',
    createDate: now,
    changeVersion: now,
  };
};

/**
 * The name RegisterVM_Task gives the VM: the call's (an empty one is none, as clients send it),
 * else the file's displayName, else its folder's.
 */
const nameOf = (asked: string | undefined, file: string | undefined, path: string): string =>
  asked || (file ?? path.split('/').slice(-2, -1)[0] ?? path);

/** A configuration file a VM is made of: one UnregisterVM left, or a `.vmx` a client put there. */
interface ConfigFile {
  readonly at: Located;
  readonly record: DatastoreFileRecord;
  /** The configuration UnregisterVM saved, or the facts of a `.vmx` a client put there. */
  readonly content: { readonly saved: VmConfig } | { readonly vmx: VmxFacts };
  readonly displayName: string | undefined;
}

/** AlreadyExists when a VM other than `except` has the configuration file at `at`. */
const checkUnregistered = (m: Model, tx: Tx, at: Located, except?: string): void => {
  const vmPathName = label(at);
  for (const id of m.store.referrers('vm', at.ds.id))
    if (id !== except && (tx.get(id) as VmRecord | undefined)?.config.vmPathName === vmPathName)
      throw faults.alreadyExists(id);
};

/**
 * The configuration file at `at`: `missing` when nothing is there (each method names its own
 * fault), InvalidFormat for a file that is no `.vmx`.
 */
const readConfigFile = (m: Model, tx: Tx, at: Located, missing: (file: string) => Error): ConfigFile => {
  const vmPathName = label(at);
  const record = datastoreFileAccess(m).recordAt(tx, at.ds.id, at.path);
  if (!record || record.folder) throw missing(vmPathName);
  if (record.vm)
    return { at, record, content: { saved: record.vm.config }, displayName: record.vm.displayName };
  const vmx = parseVmx(new TextDecoder().decode(fromBase64(record.content ?? '')));
  if (!vmx) throw faults.invalidFormat(vmPathName);
  return { at, record, content: { vmx }, displayName: vmx.displayName };
};

/** The configuration a file holds, its disks taken back: the file is the VM's from now on, as its disks are. */
const takeConfig = (m: Model, ctx: DeviceContext, file: ConfigFile): VmConfig => {
  const { content } = file;
  const config =
    'vmx' in content
      ? configOfVmx(m, ctx, content.vmx)
      : Object.assign({}, content.saved, {
          devices: content.saved.devices.map((d) => (isDisk(d) ? reclaimDisk(ctx, d) : d)),
        });
  datastoreFileAccess(m).removeRecords(ctx.tx, file.at.ds.id, [file.record]);
  return config;
};

const registeredVm = (m: Model, tx: Tx, r: Registration): VmRecord => {
  const folder = vmFolder(tx, r.folder);
  if (r.asTemplate && !r.host) throw faults.invalidArgument('host');
  if (r.asTemplate && r.pool) throw faults.invalidArgument('pool');
  if (!r.asTemplate && !r.pool) throw faults.invalidArgument('pool');
  const dc = datacenterOf(m.store, folder.id);
  const at = datastoreFileAccess(m).locate(r.path, dc);
  const vmPathName = label(at);
  checkUnregistered(m, tx, at);
  // The reference: NotFound when the configuration file is not found.
  const file = readConfigFile(m, tx, at, (path) => faults.notFound(`The file ${path} was not found.`));
  const name = nameOf(r.name, file.displayName, at.path);
  if (name.trim() === '') throw faults.invalidName(name);
  checkFreeName(m, folder.id, name);
  let host: HostRecord;
  let pool: string | undefined;
  let vApp: string | undefined;
  if (r.asTemplate) {
    const found = tx.get(r.host as string);
    if (found?.kind !== 'HostSystem') throw faults.invalidArgument('host');
    host = found;
  } else {
    const placed = placement(m, tx, r.pool, r.host, at.ds.id, { pool: 'pool', host: 'host' });
    host = placed.host;
    pool = placed.pool.id;
    if (placed.pool.kind === 'VirtualApp') vApp = placed.pool.id;
  }
  const ctx: DeviceContext = {
    model: m,
    tx,
    vmPathName,
    homeDatastore: at.ds.id,
    host: host.id,
    datacenter: dc?.id,
    // A VM is registered powered off.
    powerState: 'poweredOff',
    vmKey: undefined,
  };
  const config = takeConfig(m, ctx, file);
  const vm: VmRecord = {
    id: m.newId('VirtualMachine'),
    kind: 'VirtualMachine',
    name,
    parent: folder.id,
    ...(pool ? { pool } : {}),
    host: host.id,
    ...(vApp ? { parentVApp: vApp } : {}),
    homeDatastore: at.ds.id,
    datastores: [],
    networks: [],
    config: Object.assign({}, config, { template: r.asTemplate, vmPathName, changeVersion: m.clock.now() }),
    powerState: 'poweredOff',
    connectionState: 'connected',
    guest: GUEST_OFF,
  };
  return putVm(tx, vm) as VmRecord;
};

/** RegisterVM_Task's arguments, as a client sends them. */
export interface VmRegisterArgs {
  /** The configuration file's datastore path (in the folder's datacenter). */
  readonly path: string;
  readonly name?: string;
  readonly asTemplate: boolean;
  readonly pool?: Ref;
  readonly host?: Ref;
}

/** Folder.RegisterVM_Task: a VM from the configuration file at `path`; the task's result is its MoRef. */
export const registerVm = (m: Model, folder: Ref, args: VmRegisterArgs): Task<MoRef> => {
  const target = m.lookup<FolderRecord>(folder, 'Folder');
  const registration: Registration = {
    folder: target.id,
    path: args.path,
    name: args.name,
    asTemplate: args.asTemplate,
    pool: args.pool === undefined ? undefined : m.lookup(args.pool).id,
    host: args.host === undefined ? undefined : m.lookup(args.host).id,
  };
  const events = vmEvents(m);
  return m.task(
    { method: 'RegisterVM_Task', target: target.id, descriptionId: 'Folder.registerVm' },
    (tx) => moref('VirtualMachine', registeredVm(m, tx, registration).id),
    (ref) => {
      const vm = m.store.get(ref.value) as VmRecord;
      events.post(vm, 'VmRegisteredEvent', `Registered ${events.where(vm)}`);
    },
  );
};

/**
 * The VM reloaded from the configuration file at `path`, as an unregistration and a registration
 * from that path would leave it, keeping its reference, name, place and events: its own files are
 * left as UnregisterVM leaves them (its snapshots go), and it takes the file's configuration and
 * disks. Its own configuration file is what the VM already is: no change.
 */
const reloadedVm = (m: Model, tx: Tx, id: string, path: string): VmRecord => {
  // Destroyed while the task waited: ManagedObjectNotFound, as for any task on a VM gone.
  const vm = currentVm(tx, id);
  if (vm.powerState !== 'poweredOff') throw faults.invalidPowerState('poweredOff', vm.powerState);
  const dc = datacenterOf(m.store, vm.id);
  const at = datastoreFileAccess(m).locate(path, dc);
  const vmPathName = label(at);
  if (vmPathName === vm.config.vmPathName) return vm;
  checkUnregistered(m, tx, at, vm.id);
  const file = readConfigFile(m, tx, at, (missing) => faults.fileNotFound(missing));
  putVm(tx, null, vm.id);
  keepVmFiles(m, tx, vm);
  const ctx: DeviceContext = {
    model: m,
    tx,
    vmPathName,
    homeDatastore: at.ds.id,
    host: vm.host,
    datacenter: dc?.id,
    powerState: 'poweredOff',
    vmKey: vm.config.keyId,
  };
  const config = takeConfig(m, ctx, file);
  const { snapshots: _gone, ...kept } = vm;
  const reloaded: VmRecord = Object.assign({}, kept, {
    homeDatastore: at.ds.id,
    config: Object.assign({}, config, {
      template: vm.config.template,
      vmPathName,
      changeVersion: nextChangeVersion(m, vm.config),
    }),
  });
  return putVm(tx, reloaded) as VmRecord;
};

/** VirtualMachine.reloadVirtualMachineFromPath_Task: the VM takes the configuration of the file at `path`. */
export const reloadVmFromPath = (m: Model, vm: Ref, path: string): Task<void> => {
  const target = m.lookup<VmRecord>(vm, 'VirtualMachine');
  const events = vmEvents(m);
  return m.task(
    {
      method: 'reloadVirtualMachineFromPath_Task',
      target: target.id,
      descriptionId: 'VirtualMachine.reloadFromPath',
    },
    (tx) => {
      reloadedVm(m, tx, target.id, path);
    },
    () => {
      const now = m.store.get(target.id) as VmRecord;
      const configPath = now.config.vmPathName;
      events.post(now, 'VmReloadFromPathEvent', `${events.where(now)} is reloaded from ${configPath}`, {
        configPath,
      });
    },
  );
};
