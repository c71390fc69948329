/**
 * Provisioning VMs: CreateVM_Task on a folder, CloneVM_Task and RelocateVM_Task (where a
 * VM may go is ./vm-placement.ts), plus what every VM operation shares: the current
 * record, the booted guest and vCenter's event wording.
 */
import { faults, type PowerState } from '../faults.js';
import { entityArgument, eventArguments } from '../history/arguments.js';
import {
  consolidated,
  diskContentId,
  diskObjectId,
  isDisk,
  isEthernetCard,
  STANDARD_DEVICES_WITHOUT_CDROM,
} from '../inventory/devices.js';
import { GUEST_OFF, runningGuest } from '../inventory/guest.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DatastoreRecord,
  Device,
  FolderRecord,
  NetworkRecord,
  VmConfig,
  VmGuest,
  VmRecord,
} from '../inventory/records.js';
import { extraConfigValue } from '../inventory/records.js';
import {
  datastorePath,
  isSupportedHardwareVersion,
  newMac,
  newVmRecord,
  putDevices,
  putVm,
  withControllers,
} from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { migrationHost } from './drs-placement.js';
import { setVmResources } from './resource-allocation.js';
import {
  applyConfigSpec,
  bootOptionsAfter,
  checkFirmware,
  checkHardware,
  knownGuest,
  setHomePolicy,
  setManagedBy,
  type VmConfigSpec,
} from './vm-config-spec.js';
import {
  applyCustomization,
  type CustomizationSpec,
  customizedGuest,
  endedCustomization,
  guestCustomization,
  postCustomizationEnded,
  postCustomizationEvents,
  withCustomizationRunning,
} from './vm-customization.js';
import {
  applyDeviceChanges,
  deviceContext,
  devicesAndKeyAfter,
  type VirtualDeviceConfigSpec,
} from './vm-devices.js';
import {
  checkFreeName,
  datastoreByName,
  freeDirectory,
  homePath,
  onDatastore,
  parseDatastorePath,
  placement,
  vmFolder,
} from './vm-placement.js';
import { vAppConfigAfter } from './vm-vapp-config.js';

/** VirtualMachineRelocateSpec: where a VM (or a clone) goes. */
export interface VmRelocateSpec {
  folder?: Ref;
  pool?: Ref;
  host?: Ref;
  datastore?: Ref;
  deviceChange?: readonly VirtualDeviceConfigSpec[];
}

/** VirtualMachineCloneSpec; `customization` is applied at the clone's first power-on. */
export interface VmCloneSpec {
  location: VmRelocateSpec;
  powerOn: boolean;
  template: boolean;
  config?: VmConfigSpec;
  customization?: CustomizationSpec;
}

/** The VM as the transaction sees it now (it may have changed since the task was queued). */
export const currentVm = (tx: Tx, id: string): VmRecord => {
  const vm = tx.get(id) as VmRecord | undefined;
  if (!vm) throw faults.managedObjectNotFound(moref('VirtualMachine', id));
  return vm;
};

/** extraConfig key (vcsim's convention) that sets the host name the guest reports. */
export const GUEST_HOST_NAME_KEY = 'SET.guest.hostName';

/** The guest of a VM that has just booted, as customized, with the host name a test may have set. */
export const bootGuest = (
  m: Model,
  tx: Tx,
  vm: Pick<VmRecord, 'name' | 'config' | 'customization'>,
): VmGuest => {
  const booted = runningGuest(m.ipam, vm, (id) => (tx.get(id) as NetworkRecord | undefined)?.name ?? '');
  const guest = customizedGuest(vm, booted);
  const hostName = extraConfigValue(vm.config, GUEST_HOST_NAME_KEY);
  return hostName ? Object.assign({}, guest, { hostName }) : guest;
};

/**
 * The VM with the customization its guest's tools end now (see endedCustomization): a failed one
 * leaves the guest as it boots without it.
 */
export const withCustomizationEnded = (m: Model, tx: Tx, vm: VmRecord): VmRecord => {
  const customization = endedCustomization(m, vm);
  if (!customization) return vm;
  const ended = Object.assign({}, vm, { customization });
  return customization.failed && vm.powerState === 'poweredOn'
    ? Object.assign(ended, { guest: bootGuest(m, tx, ended) })
    : ended;
};

/**
 * A VM that has just booted, as its guest reports it. With `model.guestAddressDelayMs` set,
 * the guest's tools run at once but its addresses come that long after the boot, on the
 * simulator's clock (unless the VM was powered off or booted again meanwhile); a customization
 * this boot applies or carries on (`customizing`: by default one a reboot interrupted) runs
 * until then, and ends with CustomizationSucceeded (or a failure, see endedCustomization);
 * without that delay, it ends at once.
 */
export const freshlyBooted = (
  m: Model,
  tx: Tx,
  vm: VmRecord,
  customizing = vm.customization?.running === true,
): VmRecord => {
  const delay = m.guestAddressDelayMs;
  const waits = delay > 0 && vm.powerState === 'poweredOn' && vm.guest.net.length > 0;
  if (!waits) return customizing ? withCustomizationEnded(m, tx, vm) : withCustomizationRunning(vm, false);
  const booted = withCustomizationRunning(vm, customizing);
  const { id, bootTime } = vm;
  m.scheduler.schedule(() => {
    // The guest reports its addresses, which ends the customization this boot runs, if any.
    let customized = false;
    const reported = m.store.transact((now) => {
      const current = now.get(id) as VmRecord | undefined;
      if (
        current?.powerState !== 'poweredOn' ||
        current.bootTime !== bootTime ||
        current.guest.ipAddress !== undefined
      )
        return undefined;
      customized = current.customization?.running === true;
      const customization = customized ? endedCustomization(m, current) : undefined;
      const ended = customization ? Object.assign({}, current, { customization }) : current;
      return putVm(now, Object.assign({}, ended, { guest: bootGuest(m, now, ended) })) as VmRecord;
    });
    if (reported && customized) postCustomizationEnded(m, reported);
  }, delay);
  const { ipAddress: _, ...guest } = booted.guest;
  return { ...booted, guest: { ...guest, net: guest.net.map((nic) => ({ ...nic, ipAddress: [] })) } };
};

/**
 * The VM copied as records are (Object.assign, its config too). A clone or a relocation is built
 * with spreads, whose results get other hidden classes as their sites warm up (decision 11):
 * stored in one shape, VMs keep the code that reads them monomorphic.
 */
const reshaped = (vm: VmRecord): VmRecord => Object.assign({}, vm, { config: Object.assign({}, vm.config) });

/** Posts VM events with vCenter's wording: `<vm> on <host> in <datacenter> is ...`. */
export const vmEvents = (m: Model) => {
  const host = (vm: VmRecord) => m.store.get(vm.host ?? '')?.name ?? '';
  const dc = (vm: VmRecord) => datacenterOf(m.store, vm.parent ?? vm.id)?.name ?? '';
  const where = (vm: VmRecord) => `${vm.name} on ${host(vm)} in ${dc(vm)}`;
  const onHost = (vm: VmRecord) => `${vm.name} on host ${host(vm)} in ${dc(vm)}`;
  const post = (
    vm: VmRecord,
    _type: string,
    message: string,
    extra: Record<string, unknown> = {},
    args: object = eventArguments(m.store, vm),
  ) => m.postEvent({ _type, fullFormattedMessage: message, ...args, ...extra });
  return {
    host,
    dc,
    where,
    onHost,
    post,
    /** The events of a VM that has just started, or resumed from suspension (`args`: its event arguments). */
    poweredOn: (vm: VmRecord, resumed = false, args: object = eventArguments(m.store, vm)) => {
      if (resumed) post(vm, 'VmResumingEvent', `${where(vm)} is resumed`, {}, args);
      else post(vm, 'VmStartingEvent', `${onHost(vm)} is starting`, {}, args);
      post(vm, 'VmPoweredOnEvent', `${where(vm)} is powered on`, {}, args);
    },
  };
};

/** What CreateVM_Task gives every VM before its spec's devices: no disk, CD-ROM or SCSI. */
export const BUILTIN_DEVICES: readonly Device[] = withControllers(
  STANDARD_DEVICES_WITHOUT_CDROM.filter((d) => d._type !== 'ParaVirtualSCSIController'),
);

const createdVm = (
  m: Model,
  tx: Tx,
  folderId: string,
  spec: VmConfigSpec,
  poolId: string,
  hostId?: string,
) => {
  const name = spec.name ?? '';
  if (name.trim() === '') throw faults.invalidVmConfig('configSpec.name');
  const vmPathName = spec.files?.vmPathName;
  if (!vmPathName) throw faults.invalidVmConfig('configSpec.files.vmPathName');
  const folder = vmFolder(tx, folderId);
  if (spec.version !== undefined && !isSupportedHardwareVersion(spec.version))
    throw faults.unsupportedHardwareVersion(spec.version);
  const parsed = parseDatastorePath(vmPathName);
  const ds = parsed && datastoreByName(m, datacenterOf(m.store, folder.id)?.id, parsed.datastore);
  if (!parsed || !ds) throw faults.invalidDatastorePath(vmPathName);
  checkFreeName(m, folder.id, name);
  const at = placement(m, tx, poolId, hostId, ds.id, { pool: 'pool', host: 'host' });
  const numCPU = spec.numCPUs ?? 1;
  const numCoresPerSocket = spec.numCoresPerSocket ?? 1;
  const memoryMB = spec.memoryMB ?? 32;
  checkHardware(numCPU, numCoresPerSocket, memoryMB);
  const guest = knownGuest(spec.guestId ?? 'otherGuest');
  const base = newVmRecord(m, tx, {
    name,
    folder: folder.id,
    pool: at.pool.id,
    host: at.host.id,
    datastore: ds.id,
    disksKB: [],
    numCPU,
    numCoresPerSocket,
    memoryMB,
    ...guest,
    ...(spec.version ? { version: spec.version } : {}),
    ...(spec.annotation ? { annotation: spec.annotation } : {}),
    ...(spec.extraConfig ? { extraConfig: spec.extraConfig.filter((o) => o.value !== '') } : {}),
    ...(at.pool.kind === 'VirtualApp' ? { parentVApp: at.pool.id } : {}),
  });
  const firmware = spec.firmware === undefined ? base.config.firmware : checkFirmware(spec.firmware);
  const config: { -readonly [K in keyof VmConfig]: VmConfig[K] } = {
    ...base.config,
    ...(spec.uuid ? { uuid: spec.uuid } : {}),
    ...(spec.instanceUuid ? { instanceUuid: spec.instanceUuid } : {}),
    cpuHotAddEnabled: spec.cpuHotAddEnabled === true,
    cpuHotRemoveEnabled: spec.cpuHotRemoveEnabled === true,
    memoryHotAddEnabled: spec.memoryHotAddEnabled === true,
    firmware,
    bootOptions: bootOptionsAfter(base.config.bootOptions, spec.bootOptions, firmware),
    changeTrackingEnabled: spec.changeTrackingEnabled === true,
    vmPathName: homePath(m, ds, parsed.path, name),
  };
  const vApp = vAppConfigAfter(undefined, spec.vAppConfig);
  if (vApp) config.vAppConfig = vApp;
  setManagedBy(config, spec.managedBy);
  setHomePolicy({ tx }, config, spec.vmProfile);
  setVmResources(config, spec);
  const vm: VmRecord = { ...base, config };
  const crypto = devicesAndKeyAfter(deviceContext(m, tx, vm), vm, BUILTIN_DEVICES, spec);
  if (crypto.key) config.keyId = crypto.key;
  return putDevices(tx, vm, crypto.devices);
};

/** CreateVM_Task: a new powered-off VM in `folder`, on `pool` (and `host`, or one chosen). */
export const createVm = (m: Model, folder: Ref, spec: VmConfigSpec, pool: Ref, host?: Ref): Task<MoRef> => {
  const target = m.lookup<FolderRecord>(folder, 'Folder');
  const poolId = m.lookup(pool).id;
  const hostId = host === undefined ? undefined : m.lookup(host).id;
  const events = vmEvents(m);
  return m.task(
    { method: 'CreateVM_Task', target: target.id, descriptionId: 'Folder.createVm' },
    (tx) => moref('VirtualMachine', createdVm(m, tx, target.id, spec, poolId, hostId).id),
    (ref) => {
      const vm = m.store.get(ref.value) as VmRecord;
      events.post(vm, 'VmBeingCreatedEvent', `Creating ${events.onHost(vm)}`, {
        configSpec: { _type: 'VirtualMachineConfigSpec', ...spec },
      });
      postUuidEvents(m, vm);
      events.post(vm, 'VmCreatedEvent', `Created virtual machine ${events.where(vm)}`);
    },
  );
};

const postUuidEvents = (m: Model, vm: VmRecord) => {
  const events = vmEvents(m);
  const { instanceUuid: id, uuid } = vm.config;
  const text = `Assign a new instance UUID (${id}) to ${vm.name}`;
  events.post(vm, 'VmInstanceUuidAssignedEvent', text, { instanceUuid: id });
  events.post(vm, 'VmUuidAssignedEvent', `Assigned new BIOS UUID (${uuid}) to ${events.where(vm)}`, { uuid });
};

/** The source's devices with new disk files on `ds` and new MACs (vCenter's, not vcsim's, rule). */
const clonedDevices = (m: Model, source: VmRecord, ds: DatastoreRecord, dir: string, name: string) => {
  let n = 0;
  return source.config.devices.map((d): Device => {
    if (isDisk(d)) {
      const uuid = m.random.uuid();
      const fileName = datastorePath(ds.name, `${dir}/${name}${n === 0 ? '' : `_${n}`}.vmdk`);
      n++;
      const backing = {
        ...consolidated(d.backing as object),
        fileName,
        datastore: moref('Datastore', ds.id),
        uuid,
      };
      // A First Class Disk's copy is a disk of the clone's own.
      const { vDiskId: _, ...disk } = d;
      return {
        ...disk,
        backing: { ...backing, contentId: diskContentId(uuid) },
        diskObjectId: diskObjectId(d.key, uuid),
      };
    }
    // A manual MAC is the user's: it is copied as it is.
    if (isEthernetCard(d) && d.addressType !== 'manual') return { ...d, macAddress: newMac(m) };
    return d;
  });
};

/** Where a clone goes, as ids (resolved by the caller). */
export interface CloneLocation {
  folder?: string;
  pool?: string;
  host?: string;
  datastore?: string;
}

/** The ids a spec names; an unknown one is ManagedObjectNotFound at once. */
const locationIds = (m: Model, spec: VmRelocateSpec, folder = spec.folder): CloneLocation => ({
  ...(folder ? { folder: m.lookup(folder, 'Folder').id } : {}),
  ...(spec.pool ? { pool: m.lookup(spec.pool).id } : {}),
  ...(spec.host ? { host: m.lookup(spec.host).id } : {}),
  ...(spec.datastore ? { datastore: m.lookup(spec.datastore).id } : {}),
});

/** The clone of `source` written in `tx`: CloneVM_Task's work, which library templates share. */
export const clonedVm = (
  m: Model,
  tx: Tx,
  source: VmRecord,
  name: string,
  spec: VmCloneSpec,
  to: CloneLocation,
): VmRecord => {
  const folder = vmFolder(tx, to.folder as string);
  if (name.trim() === '') throw faults.invalidArgument('name');
  checkFreeName(m, folder.id, name);
  if (source.config.template && !to.pool) throw faults.invalidArgument('spec.location.pool');
  if (spec.template && spec.powerOn) throw faults.invalidArgument('spec.powerOn');
  const ds = tx.get(to.datastore ?? source.homeDatastore) as DatastoreRecord | undefined;
  if (ds?.kind !== 'Datastore') throw faults.invalidArgument('spec.location.datastore');
  const names = { pool: 'spec.location.pool', host: 'spec.location.host' };
  const at = placement(m, tx, to.pool ?? source.pool, to.host, ds.id, names, source.host);
  const dir = freeDirectory(m, ds, name);
  const now = m.clock.now();
  let vm: VmRecord = {
    id: m.newId('VirtualMachine'),
    kind: 'VirtualMachine',
    name,
    parent: folder.id,
    pool: at.pool.id,
    host: at.host.id,
    ...(at.pool.kind === 'VirtualApp' ? { parentVApp: at.pool.id } : {}),
    homeDatastore: ds.id,
    datastores: [],
    networks: [],
    config: {
      ...source.config,
      uuid: m.random.uuid(),
      instanceUuid: m.random.uuid(),
      template: false,
      vmPathName: datastorePath(ds.name, `${dir}/${name}.vmx`),
      devices: clonedDevices(m, source, ds, dir, name),
      createDate: now,
      changeVersion: now,
    },
    powerState: 'poweredOff',
    connectionState: 'connected',
    guest: GUEST_OFF,
  };
  if (spec.config) {
    const { name: _ignored, ...config } = spec.config;
    vm = applyConfigSpec(deviceContext(m, tx, vm), vm, config);
  }
  if (spec.location.deviceChange?.length) {
    const devices = applyDeviceChanges(
      deviceContext(m, tx, vm),
      vm.config.devices,
      spec.location.deviceChange,
    );
    vm = { ...vm, config: { ...vm.config, devices } };
  }
  if (spec.template) {
    const { pool: _pool, ...rest } = vm;
    vm = { ...rest, config: { ...vm.config, template: true } };
  }
  if (spec.customization) vm = { ...vm, customization: guestCustomization(vm, spec.customization) };
  if (spec.powerOn) {
    const guest = bootGuest(m, tx, vm);
    vm = freshlyBooted(
      m,
      tx,
      { ...vm, powerState: 'poweredOn', bootTime: now, guest, ...applyCustomization(vm, now) },
      spec.customization !== undefined,
    );
  }
  return putVm(tx, reshaped(vm)) as VmRecord;
};

/** The events of a finished clone, as vCenter posts them (`source` as it was when it was cloned). */
export const postCloneEvents = (m: Model, source: VmRecord, clone: VmRecord, customized: boolean): void => {
  const events = vmEvents(m);
  const from = (m.store.get(source.id) as VmRecord | undefined) ?? source;
  const destHost = m.store.get(clone.host ?? '');
  events.post(
    from,
    'VmBeingClonedEvent',
    `Cloning ${events.onHost(from)} to ${clone.name} on host ${destHost?.name ?? ''}`,
    {
      destName: clone.name,
      ...entityArgument('destFolder', 'folder', m.store.get(clone.parent ?? '')),
      ...entityArgument('destHost', 'host', destHost),
    },
  );
  postUuidEvents(m, clone);
  const sourceVm = entityArgument('sourceVm', 'vm', from);
  events.post(clone, 'VmClonedEvent', `Clone of ${from.name} completed`, sourceVm);
  if (clone.powerState === 'poweredOn') events.poweredOn(clone);
  if (clone.powerState === 'poweredOn' && customized) postCustomizationEvents(m, clone);
};

/** CloneVM_Task: a copy of `vm` named `name` in `folder`; the task's result is its MoRef. */
export const cloneVm = (m: Model, vm: Ref, folder: Ref, name: string, spec: VmCloneSpec): Task<MoRef> => {
  const source = m.lookup<VmRecord>(vm, 'VirtualMachine');
  const to = locationIds(m, spec.location, folder);
  return m.task(
    { method: 'CloneVM_Task', target: source.id, descriptionId: 'VirtualMachine.clone', cancelable: true },
    (tx) => moref('VirtualMachine', clonedVm(m, tx, currentVm(tx, source.id), name, spec, to).id),
    (ref) => postCloneEvents(m, source, m.store.get(ref.value) as VmRecord, spec.customization !== undefined),
  );
};

const relocatedVm = (m: Model, tx: Tx, vm: VmRecord, to: CloneLocation, spec: VmRelocateSpec) => {
  let moved: VmRecord = vm;
  if (to.folder && to.folder !== vm.parent) {
    checkFreeName(m, vmFolder(tx, to.folder).id, vm.name);
    moved = { ...moved, parent: to.folder };
  }
  const ds = tx.get(to.datastore ?? vm.homeDatastore) as DatastoreRecord | undefined;
  if (ds?.kind !== 'Datastore') throw faults.invalidArgument('datastore');
  if (vm.config.template && to.host && !to.pool) {
    // A template has no pool to place it by: only the host it is registered on moves.
    if (tx.get(to.host)?.kind !== 'HostSystem') throw faults.invalidArgument('host');
    moved = { ...moved, host: to.host };
  } else if (to.pool || to.host) {
    const at = placement(m, tx, to.pool ?? vm.pool, to.host, ds.id, { pool: 'pool', host: 'host' }, vm.host);
    const host = migrationHost(m, tx, vm, at.host, { named: to.host !== undefined, datastore: ds.id });
    if (vm.powerState === 'poweredOn' && host.id !== vm.host && host.inMaintenanceMode)
      throw faults.hostInMaintenance();
    const { pool: _pool, parentVApp: _vApp, ...rest } = moved;
    moved = {
      ...rest,
      host: host.id,
      // A template has no resource pool, wherever it is registered.
      ...(vm.config.template ? {} : { pool: at.pool.id }),
      ...(at.pool.kind === 'VirtualApp' ? { parentVApp: at.pool.id } : {}),
    };
  }
  if (ds.id !== vm.homeDatastore) {
    const devices = moved.config.devices.map((d) =>
      isDisk(d)
        ? {
            ...d,
            backing: {
              ...consolidated(d.backing as object),
              datastore: moref('Datastore', ds.id),
              fileName: onDatastore((d.backing as { fileName: string }).fileName, ds),
            },
          }
        : d,
    );
    const vmPathName = onDatastore(moved.config.vmPathName, ds);
    moved = { ...moved, homeDatastore: ds.id, config: { ...moved.config, vmPathName, devices } };
  }
  if (spec.deviceChange?.length) {
    const devices = applyDeviceChanges(deviceContext(m, tx, moved), moved.config.devices, spec.deviceChange);
    moved = { ...moved, config: { ...moved.config, devices } };
  }
  return putVm(tx, moved === vm ? vm : reshaped(moved)) as VmRecord;
};

/** MigrateVM_Task's arguments: where the VM goes, and the power state it must be in when given. */
export interface VmMigrateSpec {
  pool?: Ref;
  host?: Ref;
  state?: PowerState;
}

/** RelocateVM_Task: moves a VM to another host, pool, datastore (its files follow) or folder. */
export const relocateVm = (m: Model, vm: Ref, spec: VmRelocateSpec): Task<void> =>
  movedVm(m, vm, spec, { method: 'RelocateVM_Task', descriptionId: 'VirtualMachine.relocate' });

/** MigrateVM_Task: a relocation to another pool or host, refused (InvalidPowerState) out of `state`. */
export const migrateVm = (m: Model, vm: Ref, { state, ...spec }: VmMigrateSpec): Task<void> =>
  movedVm(m, vm, spec, { method: 'MigrateVM_Task', descriptionId: 'VirtualMachine.migrate' }, state);

/** The task of a relocation or migration, for a VM in the power state `state` when given. */
const movedVm = (
  m: Model,
  vm: Ref,
  spec: VmRelocateSpec,
  task: { method: string; descriptionId: string },
  state?: PowerState,
): Task<void> => {
  const record = m.lookup<VmRecord>(vm, 'VirtualMachine');
  const to = locationIds(m, spec);
  const events = vmEvents(m);
  let before: VmRecord | undefined;
  return m.task(
    { ...task, target: record.id, cancelable: true },
    (tx) => {
      before = currentVm(tx, record.id);
      if (state !== undefined && before.powerState !== state)
        throw faults.invalidPowerState(state, before.powerState);
      relocatedVm(m, tx, before, to, spec);
    },
    () => {
      const was = before as VmRecord;
      const now = m.store.get(record.id) as VmRecord;
      const sourceHost = m.store.get(was.host ?? '');
      const sourceDs = m.store.get(was.homeDatastore);
      const source = {
        ...entityArgument('sourceHost', 'host', sourceHost),
        ...entityArgument('sourceDatacenter', 'datacenter', datacenterOf(m.store, was.parent ?? was.id)),
        ...entityArgument('sourceDatastore', 'datastore', sourceDs),
      };
      if (now.homeDatastore !== was.homeDatastore) {
        events.post(now, 'VmRelocatedEvent', 'Completed the relocation of the virtual machine', source);
        return;
      }
      const target = `${m.store.get(now.host ?? '')?.name ?? ''}, ${m.store.get(now.homeDatastore)?.name ?? ''}`;
      const message = `Migration of virtual machine ${now.name} from ${sourceHost?.name ?? ''}, ${sourceDs?.name ?? ''} to ${target} completed`;
      events.post(now, 'VmMigratedEvent', message, source);
    },
  );
};
