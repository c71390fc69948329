/** VirtualMachine's properties, derived from its record. */
import { diskBytes, diskFileBytes, diskFiles, isDisk, isEthernetCard, isVgpu } from '../inventory/devices.js';
import { guestFamily } from '../inventory/guest-os.js';
import {
  type DatastoreFileRecord,
  datastoreFileId,
  environmentBrowserIdOf,
  type HostRecord,
  type LatencySensitivity,
  type SnapshotRecord,
  type VmAllocation,
  type VmConfig,
  type VmRecord,
  type VmVAppConfig,
} from '../inventory/records.js';
import { HOT_PLUG_MEMORY_INCREMENT_MB, hotPlugMemoryLimitMB } from '../inventory/vm.js';
import { cryptoKeyId } from '../objects/crypto-manager.js';
import { DEFAULT_VM_ALLOCATION, type Resource, vmShares } from '../objects/resource-allocation.js';
import { pendingCustomizationOf } from '../objects/vm-customization.js';
import { parseDatastorePath } from '../objects/vm-placement.js';
import { type MoRef, moref } from '../refs.js';
import { defined, iso, type PropertyTable, type ReadContext, refOf, refsOf } from './context.js';

/** A VM's ResourceAllocationInfo: its shares' count follows its CPUs (or MB of memory) unless custom. */
const allocationInfo = (a: VmAllocation | undefined, resource: Resource, units: number) => {
  const { reservation, limit, shares } = a ?? DEFAULT_VM_ALLOCATION;
  return {
    _type: 'ResourceAllocationInfo',
    reservation,
    expandableReservation: false,
    limit,
    shares: { _type: 'SharesInfo', ...vmShares(shares, resource, units) },
  };
};

const cpuAllocation = (c: VmConfig) => allocationInfo(c.cpuAllocation, 'cpu', c.numCPU);
const memoryAllocation = (c: VmConfig) => allocationInfo(c.memoryAllocation, 'memory', c.memoryMB);

/** The VM's allocations as its pool's `childConfiguration` and its own `resourceConfig` list them. */
export const vmResourceConfig = (vm: VmRecord) => ({
  _type: 'ResourceConfigSpec',
  entity: moref('VirtualMachine', vm.id),
  changeVersion: iso(vm.config.changeVersion),
  lastModified: iso(vm.config.changeVersion),
  cpuAllocation: cpuAllocation(vm.config),
  memoryAllocation: memoryAllocation(vm.config),
});

/** The extension managing the VM, as `config.managedBy` and `summary.config.managedBy` show it; none for most. */
const managedByOf = (c: VmConfig) =>
  c.managedBy ? { managedBy: { _type: 'ManagedByInfo', ...c.managedBy } } : {};

const NORMAL_LATENCY: LatencySensitivity = Object.freeze({ level: 'normal' });

/** `[ds] dir/file.vmx` -> `[ds] dir`: where vSphere keeps a VM's other files. */
const vmDirectory = (vmPathName: string) =>
  vmPathName.slice(0, Math.max(vmPathName.lastIndexOf('/'), vmPathName.indexOf(']') + 1));

const DEPLOY_PACKAGE_KEY = 'tools.deployPkg.fileName';

const extraConfig = (vm: VmRecord) => {
  // A customization waiting for the next boot is named here too (over any value set by hand),
  // where vm-operator looks for it.
  const pending = pendingCustomizationOf(vm);
  const options = [];
  for (const o of vm.config.extraConfig)
    if (!pending || o.key !== DEPLOY_PACKAGE_KEY)
      options.push({ _type: 'OptionValue', key: o.key, value: o.value });
  if (pending) options.push({ _type: 'OptionValue', key: DEPLOY_PACKAGE_KEY, value: pending });
  return options;
};

/** VmConfigInfo: the vApp properties the model keeps, the rest as a VM with vApp options and no products has it. */
const vAppConfigInfo = (vApp: VmVAppConfig) => ({
  _type: 'VmConfigInfo',
  property: vApp.properties.map((p) => ({ _type: 'VAppPropertyInfo', ...p })),
  ...(vApp.ovfEnvironmentTransport?.length
    ? { ovfEnvironmentTransport: [...vApp.ovfEnvironmentTransport] }
    : {}),
  ipAssignment: { _type: 'VAppIPAssignmentInfo' },
  installBootRequired: false,
  installBootStopDelay: 0,
});

export const vmConfig = (vm: VmRecord) => {
  const c = vm.config;
  const dir = vmDirectory(c.vmPathName);
  return {
    _type: 'VirtualMachineConfigInfo',
    changeVersion: iso(c.changeVersion),
    modified: iso(c.changeVersion),
    name: vm.name,
    guestFullName: c.guestFullName,
    version: c.version,
    uuid: c.uuid,
    createDate: iso(c.createDate),
    instanceUuid: c.instanceUuid,
    template: c.template,
    guestId: c.guestId,
    alternateGuestName: '',
    annotation: c.annotation,
    files: {
      _type: 'VirtualMachineFileInfo',
      vmPathName: c.vmPathName,
      snapshotDirectory: dir,
      suspendDirectory: dir,
      logDirectory: dir,
    },
    tools: defined({
      _type: 'ToolsConfigInfo',
      toolsVersion: 12352,
      afterPowerOn: true,
      afterResume: true,
      beforeGuestStandby: true,
      beforeGuestShutdown: true,
      toolsUpgradePolicy: 'manual',
      pendingCustomization: pendingCustomizationOf(vm),
      syncTimeWithHost: false,
    }),
    flags: {
      _type: 'VirtualMachineFlagInfo',
      enableLogging: true,
      useToe: false,
      runWithDebugInfo: false,
      monitorType: 'release',
      htSharing: 'any',
      snapshotDisabled: false,
      snapshotLocked: false,
      diskUuidEnabled: false,
      virtualMmuUsage: 'automatic',
      snapshotPowerOffBehavior: 'powerOff',
    },
    defaultPowerOps: {
      _type: 'VirtualMachineDefaultPowerOpInfo',
      powerOffType: 'soft',
      suspendType: 'hard',
      resetType: 'soft',
      defaultPowerOffType: 'soft',
      defaultSuspendType: 'hard',
      defaultResetType: 'soft',
      standbyAction: 'checkpoint',
    },
    hardware: {
      _type: 'VirtualHardware',
      numCPU: c.numCPU,
      numCoresPerSocket: c.numCoresPerSocket,
      memoryMB: c.memoryMB,
      virtualICH7MPresent: false,
      virtualSMCPresent: false,
      device: c.devices,
    },
    cpuAllocation: cpuAllocation(c),
    memoryAllocation: memoryAllocation(c),
    latencySensitivity: { _type: 'LatencySensitivity', ...(c.latencySensitivity ?? NORMAL_LATENCY) },
    memoryHotAddEnabled: c.memoryHotAddEnabled,
    // Set only with memory hot add enabled, as vSphere reports them.
    ...(c.memoryHotAddEnabled
      ? {
          hotPlugMemoryLimit: hotPlugMemoryLimitMB(vm),
          hotPlugMemoryIncrementSize: HOT_PLUG_MEMORY_INCREMENT_MB,
        }
      : {}),
    cpuHotAddEnabled: c.cpuHotAddEnabled,
    cpuHotRemoveEnabled: c.cpuHotRemoveEnabled,
    extraConfig: extraConfig(vm),
    swapPlacement: 'inherit',
    firmware: c.firmware,
    scheduledHardwareUpgradeInfo: {
      _type: 'ScheduledHardwareUpgradeInfo',
      ...c.scheduledHardwareUpgrade,
    },
    bootOptions: { _type: 'VirtualMachineBootOptions', ...c.bootOptions },
    // Unset for a VM without vApp options, as vCenter leaves it.
    ...(c.vAppConfig ? { vAppConfig: vAppConfigInfo(c.vAppConfig) } : {}),
    changeTrackingEnabled: c.changeTrackingEnabled,
    ...managedByOf(c),
    ...(c.keyId ? { keyId: cryptoKeyId(c.keyId) } : {}),
  };
};

export const vmRuntime = (vm: VmRecord, ctx: ReadContext) =>
  defined({
    _type: 'VirtualMachineRuntimeInfo',
    device: [],
    host: refOf(ctx, vm.host),
    connectionState: vm.connectionState,
    powerState: vm.powerState,
    faultToleranceState: 'notConfigured',
    toolsInstallerMounted: false,
    bootTime: iso(vm.bootTime),
    suspendInterval: 0,
    maxCpuUsage: vm.powerState === 'poweredOn' ? 2294 * vm.config.numCPU : undefined,
    maxMemoryUsage: vm.powerState === 'poweredOn' ? vm.config.memoryMB : undefined,
    numMksConnections: 0,
    recordReplayState: 'inactive',
    consolidationNeeded: false,
    onlineStandby: false,
    paused: false,
    snapshotInBackground: false,
    instantCloneFrozen: false,
    // The host holds the key of an encrypted VM's files.
    cryptoState: vm.config.keyId ? 'unlocked' : undefined,
  });

const toolsStatus = (vm: VmRecord) =>
  vm.guest.toolsRunningStatus === 'guestToolsRunning' ? 'toolsOk' : 'toolsNotRunning';

export const vmGuest = (vm: VmRecord) =>
  defined({
    _type: 'GuestInfo',
    toolsStatus: toolsStatus(vm),
    toolsVersionStatus: 'guestToolsCurrent',
    toolsVersionStatus2: 'guestToolsCurrent',
    toolsRunningStatus: vm.guest.toolsRunningStatus,
    toolsVersion: '12352',
    guestId: vm.guest.toolsRunningStatus === 'guestToolsRunning' ? vm.config.guestId : undefined,
    guestFamily:
      vm.guest.toolsRunningStatus === 'guestToolsRunning' ? guestFamily(vm.config.guestId) : undefined,
    guestFullName: vm.guest.toolsRunningStatus === 'guestToolsRunning' ? vm.config.guestFullName : undefined,
    hostName: vm.guest.hostName,
    ipAddress: vm.guest.ipAddress,
    net: vm.guest.net.map((n) => ({
      _type: 'GuestNicInfo',
      network: n.network,
      ipAddress: n.ipAddress,
      macAddress: n.macAddress,
      connected: n.connected,
      deviceConfigId: n.deviceConfigId,
      ipConfig: {
        _type: 'NetIpConfigInfo',
        ipAddress: n.ipAddress.map((ip) => ({
          _type: 'NetIpConfigInfoIpAddress',
          ipAddress: ip,
          prefixLength: 16,
          state: 'preferred',
        })),
      },
    })),
    guestState: vm.powerState === 'poweredOn' ? 'running' : 'notRunning',
    appHeartbeatStatus: 'appStatusGray',
    guestKernelCrashed: false,
    appState: 'none',
    guestOperationsReady: vm.guest.toolsRunningStatus === 'guestToolsRunning',
    interactiveGuestOperationsReady: false,
    guestStateChangeSupported: true,
    hwVersion: vm.config.version,
  });

/** A VM's configuration file (its .vmx): in `layoutEx`, the only file of a VM that is no disk's. */
export const CONFIG_FILE_BYTES = 2048;

/** The VM's devices counted, and the bytes its files take (as `layoutEx` lists them). */
const diskTotals = (vm: VmRecord) => {
  let bytes = CONFIG_FILE_BYTES;
  let disks = 0;
  let nics = 0;
  let vgpus = 0;
  for (const d of vm.config.devices) {
    if (isDisk(d)) {
      bytes += diskFileBytes(d);
      disks++;
    } else if (isEthernetCard(d)) nics++;
    else if (isVgpu(d)) vgpus++;
  }
  return { bytes, disks, nics, vgpus };
};

export const vmStorage = (vm: VmRecord, ctx: ReadContext) => {
  const { bytes } = diskTotals(vm);
  return {
    _type: 'VirtualMachineStorageInfo',
    perDatastoreUsage: vm.datastores.map((id) => ({
      _type: 'VirtualMachineUsageOnDatastore',
      datastore: moref('Datastore', id),
      committed: id === vm.homeDatastore ? bytes : 0,
      uncommitted: 0,
      unshared: id === vm.homeDatastore ? bytes : 0,
    })),
    timestamp: iso(ctx.clock.now()),
  };
};

export const vmSummary = (vm: VmRecord, ctx: ReadContext) => {
  const { bytes, disks, nics, vgpus } = diskTotals(vm);
  const on = vm.powerState === 'poweredOn';
  return {
    _type: 'VirtualMachineSummary',
    vm: moref('VirtualMachine', vm.id),
    runtime: vmRuntime(vm, ctx),
    guest: defined({
      _type: 'VirtualMachineGuestSummary',
      guestId: on ? vm.config.guestId : undefined,
      guestFullName: on ? vm.config.guestFullName : undefined,
      toolsStatus: toolsStatus(vm),
      toolsVersionStatus: 'guestToolsCurrent',
      toolsVersionStatus2: 'guestToolsCurrent',
      toolsRunningStatus: vm.guest.toolsRunningStatus,
      hostName: vm.guest.hostName,
      ipAddress: vm.guest.ipAddress,
      hwVersion: vm.config.version,
    }),
    config: {
      _type: 'VirtualMachineConfigSummary',
      name: vm.name,
      template: vm.config.template,
      vmPathName: vm.config.vmPathName,
      memorySizeMB: vm.config.memoryMB,
      cpuReservation: vm.config.cpuAllocation?.reservation ?? 0,
      memoryReservation: vm.config.memoryAllocation?.reservation ?? 0,
      numCpu: vm.config.numCPU,
      numEthernetCards: nics,
      numVirtualDisks: disks,
      uuid: vm.config.uuid,
      instanceUuid: vm.config.instanceUuid,
      guestId: vm.config.guestId,
      guestFullName: vm.config.guestFullName,
      annotation: vm.config.annotation,
      installBootRequired: false,
      ...managedByOf(vm.config),
      numVmiopBackings: vgpus,
      hwVersion: vm.config.version,
      tpmPresent: vm.config.devices.some((d) => d._type === 'VirtualTPM'),
    },
    storage: {
      _type: 'VirtualMachineStorageSummary',
      committed: bytes,
      uncommitted: 0,
      unshared: bytes,
      timestamp: iso(ctx.clock.now()),
    },
    quickStats: defined({
      _type: 'VirtualMachineQuickStats',
      overallCpuUsage: on ? 12 : 0,
      overallCpuDemand: on ? 12 : 0,
      guestMemoryUsage: on ? Math.round(vm.config.memoryMB / 10) : 0,
      hostMemoryUsage: on ? vm.config.memoryMB : 0,
      guestHeartbeatStatus: on ? 'green' : 'gray',
      distributedCpuEntitlement: 0,
      distributedMemoryEntitlement: 0,
      staticCpuEntitlement: 0,
      staticMemoryEntitlement: 0,
      privateMemory: 0,
      sharedMemory: 0,
      swappedMemory: 0,
      balloonedMemory: 0,
      consumedOverheadMemory: 0,
      compressedMemory: 0,
      uptimeSeconds: on && vm.bootTime !== undefined ? Math.floor((ctx.clock.now() - vm.bootTime) / 1000) : 0,
    }),
    overallStatus: 'green',
  };
};

/**
 * The VM's files: its configuration, and per disk a descriptor and an extent, chained in
 * `disk`, as vCenter lists them. File keys are 0 for the configuration, then two per disk.
 */
/** What a snapshot's state file (its .vmsn) takes. */
export const SNAPSHOT_DATA_BYTES = 16 * 1024;

const vmLayoutEx = (vm: VmRecord, ctx: ReadContext) => {
  const file: object[] = [layoutFile(0, vm.config.vmPathName, 'config', CONFIG_FILE_BYTES)];
  /** A disk's file keys (descriptor, extent) by its backing's file name, each disk listed once. */
  const diskFileKeys = new Map<string, number[]>();
  const unitOf = (fileName: string, bytes: number) => {
    let keys = diskFileKeys.get(fileName);
    if (!keys) {
      const { descriptor, extent } = diskFiles(fileName, bytes);
      keys = [file.length, file.length + 1];
      file.push(
        layoutFile(file.length, descriptor.name, 'diskDescriptor', descriptor.size),
        layoutFile(file.length + 1, extent.name, 'diskExtent', extent.size),
      );
      diskFileKeys.set(fileName, keys);
    }
    return { _type: 'VirtualMachineFileLayoutExDiskUnit', fileKey: keys };
  };
  const disksOf = (devices: VmRecord['config']['devices']) => {
    const disk: object[] = [];
    for (const d of devices) {
      if (!isDisk(d)) continue;
      const backing = d.backing as { fileName: string; parent?: { fileName: string; datastore: MoRef } };
      const unit = unitOf(backing.fileName, diskBytes(d));
      // A child disk's chain starts at its parent, the standalone disk it reads.
      const parent = backing.parent;
      const chain = parent ? [unitOf(parent.fileName, parentBytes(ctx, parent)), unit] : [unit];
      disk.push({ _type: 'VirtualMachineFileLayoutExDiskLayout', key: d.key, chain });
    }
    return disk;
  };
  const disk = disksOf(vm.config.devices);
  // A snapshot's state file, its memory (of a running or suspended VM it holds) and its disks'
  // chain: the disks as it found them (no delta disks here, so their base files).
  const snapshot: object[] = [];
  const base = vm.config.vmPathName.replace(/\.vmx$/, '');
  const addSnapshot = (id: string) => {
    const s = ctx.store.get(id) as SnapshotRecord | undefined;
    if (!s) return;
    const name = `${base}-Snapshot${s.snapshotId}`;
    const dataKey = file.length;
    file.push(layoutFile(dataKey, `${name}.vmsn`, 'snapshotData', SNAPSHOT_DATA_BYTES));
    let memoryKey = -1;
    if (s.state !== 'poweredOff') {
      memoryKey = file.length;
      file.push(layoutFile(memoryKey, `${name}.vmem`, 'snapshotMemory', s.config.memoryMB * 1024 * 1024));
    }
    snapshot.push({
      _type: 'VirtualMachineFileLayoutExSnapshotLayout',
      key: moref('VirtualMachineSnapshot', s.id),
      dataKey,
      memoryKey,
      disk: disksOf(s.config.devices),
    });
    for (const child of s.children) addSnapshot(child);
  };
  for (const root of vm.snapshots?.roots ?? []) addSnapshot(root);
  return {
    _type: 'VirtualMachineFileLayoutEx',
    file,
    disk,
    ...(snapshot.length > 0 ? { snapshot } : {}),
    timestamp: iso(ctx.clock.now()),
  };
};

/** The capacity of a child disk's parent, as its descriptor tells it. */
const parentBytes = (ctx: ReadContext, parent: { fileName: string; datastore: MoRef }): number => {
  const path = parseDatastorePath(parent.fileName)?.path ?? '';
  const record = ctx.store.get(datastoreFileId(parent.datastore.value, path)) as
    | DatastoreFileRecord
    | undefined;
  return (record?.disk?.capacityKb ?? 0) * 1024;
};

const layoutFile = (key: number, name: string, type: string, size: number) => ({
  _type: 'VirtualMachineFileLayoutExFileInfo',
  key,
  name,
  type,
  size,
  uniqueSize: size,
  accessible: true,
});

/** What the model's VMs can do: a VM's `capability`, and an EnvironmentBrowser's config option's. */
export const vmCapability = () => ({
  _type: 'VirtualMachineCapability',
  snapshotOperationsSupported: true,
  multipleSnapshotsSupported: true,
  snapshotConfigSupported: true,
  poweredOffSnapshotsSupported: true,
  memorySnapshotsSupported: true,
  revertToSnapshotSupported: true,
  quiescedSnapshotsSupported: true,
  disableSnapshotsSupported: false,
  lockSnapshotsSupported: false,
  consolePreferencesSupported: false,
  cpuFeatureMaskSupported: true,
  s1AcpiManagementSupported: true,
  settingScreenResolutionSupported: true,
  toolsAutoUpdateSupported: false,
  vmNpivWwnSupported: true,
  npivWwnOnNonRdmVmSupported: true,
  swapPlacementSupported: true,
  toolsSyncTimeSupported: true,
  virtualMmuUsageSupported: true,
  diskSharesSupported: true,
  bootOptionsSupported: true,
  changeTrackingSupported: true,
  settingVideoRamSizeSupported: true,
});

export const virtualMachineProperties: PropertyTable<VmRecord> = {
  config: (vm) => vmConfig(vm),
  runtime: vmRuntime,
  guest: (vm) => vmGuest(vm),
  guestHeartbeatStatus: (vm) => (vm.powerState === 'poweredOn' ? 'green' : 'gray'),
  summary: vmSummary,
  storage: vmStorage,
  resourcePool: (vm, ctx) => (vm.config.template ? undefined : refOf(ctx, vm.pool)),
  resourceConfig: (vm) => (vm.config.template ? undefined : vmResourceConfig(vm)),
  parentVApp: (vm, ctx) => refOf(ctx, vm.parentVApp),
  datastore: (vm, ctx) => refsOf(ctx, vm.datastores),
  network: (vm, ctx) => refsOf(ctx, vm.networks),
  layoutEx: (vm, ctx) => vmLayoutEx(vm, ctx),
  // The EnvironmentBrowser of the compute resource the VM's host is part of.
  environmentBrowser: (vm, ctx) => {
    const computeResource = (ctx.store.get(vm.host ?? '') as HostRecord | undefined)?.parent;
    return computeResource === undefined ? undefined : refOf(ctx, environmentBrowserIdOf(computeResource));
  },
  capability: () => vmCapability(),
};
