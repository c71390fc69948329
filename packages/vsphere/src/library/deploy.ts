/**
 * Deploying an OVF library item as a new VM (vcenter.ovf.LibraryItem.deploy). The VM gets
 * the descriptor's hardware, guest and disks, lands on a host of the target pool's compute
 * resource (the least loaded one unless the caller names a host) and on the library's
 * datastore when that host mounts it.
 */
import { mapped } from '../core/arrays.js';
import { faults } from '../faults.js';
import { eventArguments } from '../history/arguments.js';
import { isEthernetCard, provisioningOf } from '../inventory/devices.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DatastoreRecord,
  FolderRecord,
  HostRecord,
  LibraryItemRecord,
  ManagedByInfo,
  NetworkRecord,
  OptionValue,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import { isSupportedHardwareVersion, newVmRecord, putVm, type VmSpec } from '../inventory/vm.js';
import type { Model, Ref, Task, TaskOptions, Tx } from '../model.js';
import { canRunVms, chooseHost, usableHosts } from '../objects/drs-placement.js';
import { setVmResources, type VmResourceSpec } from '../objects/resource-allocation.js';
import { freshlyBooted, vmEvents } from '../objects/vm-clone.js';
import { checkHardware, HOT_PLUG_FLAGS, knownGuest, mergeExtraConfig } from '../objects/vm-config-spec.js';
import type { CryptoSpec } from '../objects/vm-crypto.js';
import { deviceContext, devicesAndKeyAfter, type VirtualDeviceConfigSpec } from '../objects/vm-devices.js';
import { checkFreeName } from '../objects/vm-placement.js';
import { type MoRef, moref } from '../refs.js';
import { libraryItemOf, libraryOf } from './lookup.js';
import { type OvfDescriptor, vAppConfigOfOvf } from './ovf.js';

export interface DeploySpec {
  name: string;
  folder: Ref;
  pool: Ref;
  host?: Ref;
  datastore?: Ref;
  /** OVF network name -> the inventory network its NIC joins (default: the host's first). */
  networkMappings?: Readonly<Record<string, Ref>>;
  powerOn?: boolean;
  annotation?: string;
  /**
   * How the disks are provisioned (vAPI's `storage_provisioning`; default thick, as the
   * descriptors name no format): `thin`, `thick` (lazily zeroed) or `eagerZeroedThick`. Thin
   * disks may overcommit the datastore, as in vSphere; thick ones must fit in its free space.
   */
  storageProvisioning?: DiskProvisioning;
  /**
   * The storage policy of the VM's home and disks (vAPI's `storage_profile_id`; InvalidArgument on
   * it for a policy that does not exist): one with an encryption filter encrypts the disks of a VM
   * the configuration spec encrypts.
   */
  storageProfile?: string;
  /**
   * What the deployed VM gets instead of the descriptor's, as a configuration spec passed
   * with the deployment does (vm-operator sizes a VM from its class this way).
   */
  config?: DeployConfig;
}

/** vcenter.ovf.DiskProvisioningType */
export type DiskProvisioning = 'thin' | 'thick' | 'eagerZeroedThick';

/** A deployment's configuration spec; its allocations and latency sensitivity as a VirtualMachineConfigSpec's. */
export interface DeployConfig extends VmResourceSpec {
  numCPU?: number;
  /** CPUs per socket; they must divide the CPUs (InvalidArgument on `numCoresPerSocket`). */
  numCoresPerSocket?: number;
  memoryMB?: number;
  /** BIOS and instance UUIDs. */
  uuid?: string;
  instanceUuid?: string;
  /**
   * The network of each NIC (one NIC per entry, replacing the descriptor's), its fixed MAC and its
   * device type (VMXNET3 by default; InvalidArgument on `deployment_spec.nics` for one that is no NIC).
   */
  nics?: readonly { network: Ref; macAddress?: string; type?: string }[];
  extraConfig?: readonly { key: string; value: string }[];
  /** The guest OS and the virtual hardware (`vmx-NN`), over the descriptor's. */
  guestId?: string;
  version?: string;
  /** `bios` or `efi`, over the descriptor's. */
  firmware?: string;
  changeTrackingEnabled?: boolean;
  /** The hot plug flags (none by default, as the descriptors have none). */
  cpuHotAddEnabled?: boolean;
  cpuHotRemoveEnabled?: boolean;
  memoryHotAddEnabled?: boolean;
  /** The descriptor's vApp options left out, as a spec's `vAppConfigRemoved` drops a VM's. */
  vAppConfigRemoved?: boolean;
  /** The extension that manages the VM (vm-operator's VMs are the Supervisor's). */
  managedBy?: ManagedByInfo;
  /** Changes of the descriptor's devices (a VM class's vGPUs added), as a spec's `deviceChange` makes them. */
  deviceChange?: readonly VirtualDeviceConfigSpec[];
  /** The VM's CD-ROM drive left out, as a spec that removes it would. */
  withoutCdrom?: boolean;
  /** The VM encrypted as it is made (see objects/vm-crypto.ts). */
  crypto?: CryptoSpec;
}

/** The checked target of a deployment, as morefs resolved before the task runs. */
interface Target {
  item: LibraryItemRecord;
  ovf: OvfDescriptor;
  folder: FolderRecord;
  pool: ResourcePoolRecord;
  host?: HostRecord;
  datastore?: DatastoreRecord;
  networks: ReadonlyMap<string, string>;
  /** Thin disks may overcommit the datastore; thick ones are allocated, eagerly zeroed or not. */
  provisioning: DiskProvisioning;
  /** The NICs of `spec.config.nics`, resolved to network ids. */
  nics?: readonly { network: string; macAddress?: string; type?: string }[];
}

const KB = 1024;

const NO_OPTIONS: readonly OptionValue[] = [];

/**
 * The VmSpec fields a deployment's configuration spec sets (field by field: spreads of
 * conditionals cost more). Its extraConfig goes over the descriptor's.
 */
const configOverrides = (config: DeployConfig | undefined, ovf: OvfDescriptor, nics: Target['nics']) => {
  const out: Pick<
    VmSpec,
    | 'uuid'
    | 'instanceUuid'
    | 'extraConfig'
    | 'macAddresses'
    | 'nicTypes'
    | 'changeTrackingEnabled'
    | 'numCoresPerSocket'
    | 'managedBy'
    | 'cpuHotAddEnabled'
    | 'cpuHotRemoveEnabled'
    | 'memoryHotAddEnabled'
  > = {};
  if (config?.managedBy) out.managedBy = config.managedBy;
  if (config?.numCoresPerSocket !== undefined) out.numCoresPerSocket = config.numCoresPerSocket;
  if (config?.uuid !== undefined) out.uuid = config.uuid;
  if (config?.changeTrackingEnabled !== undefined) out.changeTrackingEnabled = config.changeTrackingEnabled;
  if (config?.instanceUuid !== undefined) out.instanceUuid = config.instanceUuid;
  for (const flag of HOT_PLUG_FLAGS) if (config?.[flag] !== undefined) out[flag] = config[flag];
  const extraConfig = mergeExtraConfig(ovf.extraConfig ?? NO_OPTIONS, config?.extraConfig);
  if (extraConfig.length > 0) out.extraConfig = extraConfig;
  if (nics) {
    out.macAddresses = mapped(nics, (nic) => nic.macAddress);
    if (nics.some((nic) => nic.type !== undefined)) out.nicTypes = mapped(nics, (nic) => nic.type);
  }
  return out;
};

/** The guest OS a deployed VM runs: the one its config asks for, else its descriptor's. */
const guestOf = (config: DeployConfig | undefined, ovf: OvfDescriptor) => {
  // The configuration spec is checked as a reconfiguration's is: an unknown guest id refused.
  if (config?.guestId) return knownGuest(config.guestId);
  return ovf.os ? { guestId: ovf.os.id, guestFullName: ovf.os.description } : {};
};

/**
 * The deployed VM with a configuration spec's device changes and encryption, made before it first
 * boots (the power-on its deployment asks for to come).
 */
const withDevicesAndKey = (m: Model, tx: Tx, vm: VmRecord, spec: DeployConfig) => {
  const off: VmRecord = { ...vm, powerState: 'poweredOff' };
  const { key, devices } = devicesAndKeyAfter(deviceContext(m, tx, off), off, vm.config.devices, spec);
  const config = Object.assign({}, vm.config, { devices }, key ? { keyId: key } : undefined);
  return Object.assign({}, vm, { config });
};

/** The deployed VM with a configuration spec's allocations and latency sensitivity. */
const withResources = (vm: VmRecord, config: DeployConfig | undefined): VmRecord => {
  if (!config?.cpuAllocation && !config?.memoryAllocation && !config?.latencySensitivity) return vm;
  const resourced = Object.assign({}, vm.config);
  setVmResources(resourced, config);
  return Object.assign({}, vm, { config: resourced });
};

/**
 * What a deployment posts, as vCenter words it: the VM being deployed and deployed from
 * `source` (an OVF item's name, or a template VM), then its power-on.
 */
export const deployEvents = (m: Model) => {
  const { post, poweredOn } = vmEvents(m);
  return (vmId: string, source: { name: string; vm?: MoRef }, powerOn: boolean) => {
    const vm = m.store.get(vmId) as VmRecord;
    // Every event of the deployment names the same VM, host and datacenter: found once.
    const args = eventArguments(m.store, vm);
    const host = args.host?.name ?? '';
    const dc = args.datacenter?.name ?? '';
    const extra = { template: false, srcTemplate: source };
    post(
      vm,
      'VmBeingDeployedEvent',
      `Deploying ${vm.name} on host ${host} in ${dc} from template ${source.name}`,
      extra,
      args,
    );
    post(vm, 'VmDeployedEvent', `Template ${source.name} deployed on host ${host}`, extra, args);
    if (powerOn) poweredOn(vm, false, args);
  };
};

export const deployOperations = (m: Model) => {
  /** Immediate faults: what is missing or of the wrong kind fails before any task exists. */
  const resolve = (itemId: string, spec: DeploySpec): Target => {
    const item = libraryItemOf(m.store, itemId);
    if (item.type !== 'ovf' || !item.ovf) throw faults.invalidArgument('ovf_library_item_id');
    if (spec.name.trim() === '') throw faults.invalidArgument('deployment_spec.name');
    if (spec.storageProfile !== undefined && m.store.get(spec.storageProfile)?.kind !== 'StoragePolicy')
      throw faults.invalidArgument('deployment_spec.storage_profile_id');
    const version = spec.config?.version;
    if (version !== undefined && !isSupportedHardwareVersion(version))
      throw faults.unsupportedHardwareVersion(version);
    const folder = m.lookup<FolderRecord>(spec.folder, 'Folder');
    if (!folder.childType.includes('VirtualMachine')) throw faults.invalidArgument('target.folder_id');
    const pool = m.lookup<ResourcePoolRecord>(spec.pool, 'ResourcePool', 'VirtualApp');
    if (datacenterOf(m.store, folder.id)?.id !== datacenterOf(m.store, pool.id)?.id)
      throw faults.invalidArgument('target.folder_id');
    const networks = new Map<string, string>();
    for (const [name, ref] of Object.entries(spec.networkMappings ?? {}))
      networks.set(name, m.lookup(ref, 'Network', 'DistributedVirtualPortgroup').id);
    const nics =
      spec.config?.nics &&
      mapped(spec.config.nics, (nic) => {
        if (nic.type !== undefined && !isEthernetCard({ _type: nic.type, key: 0 }))
          throw faults.invalidArgument('deployment_spec.nics');
        // Field by field: every deployment of a Supervisor VM comes this way.
        const resolved: { network: string; macAddress?: string; type?: string } = {
          network: m.lookup(nic.network, 'Network', 'DistributedVirtualPortgroup').id,
        };
        if (nic.macAddress !== undefined) resolved.macAddress = nic.macAddress;
        if (nic.type !== undefined) resolved.type = nic.type;
        return resolved;
      });
    return {
      item,
      ovf: item.ovf,
      folder,
      pool,
      networks,
      provisioning: spec.storageProvisioning ?? 'thick',
      ...(nics ? { nics } : {}),
      ...(spec.host === undefined ? {} : { host: m.lookup<HostRecord>(spec.host, 'HostSystem') }),
      ...(spec.datastore === undefined
        ? {}
        : { datastore: m.lookup<DatastoreRecord>(spec.datastore, 'Datastore') }),
    };
  };

  /** The named host if it belongs to the pool's cluster, else its least loaded usable host. */
  const placeHost = (tx: Tx, t: Target): HostRecord => {
    if (t.host) {
      const host = tx.get(t.host.id) as HostRecord | undefined;
      if (!host) throw faults.managedObjectNotFound(moref('HostSystem', t.host.id));
      if (host.parent !== t.pool.owner) throw faults.invalidArgument('target.host_id');
      if (host.inMaintenanceMode) throw faults.hostInMaintenance();
      if (!canRunVms(host)) throw faults.invalidState(`The host ${host.name} is not connected.`);
      return host;
    }
    // A deployed VM is in no group or rule yet: the least loaded host.
    const best = chooseHost(m, usableHosts(m, tx, t.pool.owner, t.datastore?.id));
    if (!best)
      throw faults.insufficientResources('No host in the resource pool can run the virtual machine.');
    return best;
  };

  /** The named datastore, else the library's backing when the host mounts it, else the host's first. */
  const placeDatastore = (tx: Tx, t: Target, host: HostRecord): DatastoreRecord => {
    const backing = (tx.get(t.item.library) as { datastore?: string } | undefined)?.datastore;
    const id =
      t.datastore?.id ?? (backing && host.datastores.includes(backing) ? backing : host.datastores[0]);
    const ds = id === undefined ? undefined : (tx.get(id) as DatastoreRecord | undefined);
    if (!ds || !host.datastores.includes(ds.id) || !ds.accessible)
      throw faults.invalidArgument('deployment_spec.default_datastore_id');
    const bytes = t.ovf.disks.reduce((sum, d) => sum + d.capacityKB * KB, 0);
    if (t.provisioning !== 'thin' && ds.used + bytes > ds.capacity)
      throw faults.insufficientResources(`Insufficient disk space on datastore '${ds.name}'.`);
    return ds;
  };

  /**
   * One inventory network per OVF network: the mapped one, else the host's network of that
   * name (a captured VM comes back on its own network), else the host's first VM network.
   */
  const placeNetworks = (tx: Tx, t: Target, host: HostRecord): string[] => {
    if (t.nics) {
      const ids = mapped(t.nics, (nic) => nic.network);
      if (ids.some((id) => !host.networks.includes(id)))
        throw faults.invalidArgument('deployment_spec.network_mappings');
      return ids;
    }
    const reachable = host.networks
      .map((id) => tx.get(id) as NetworkRecord | undefined)
      .filter((n): n is NetworkRecord => n !== undefined && !n.uplink);
    return mapped(t.ovf.networks, (name) => {
      const id = t.networks.get(name) ?? (reachable.find((n) => n.name === name) ?? reachable[0])?.id;
      if (id === undefined || !host.networks.includes(id))
        throw faults.invalidArgument('deployment_spec.network_mappings');
      return id;
    });
  };

  const postDeployed = deployEvents(m);

  return {
    /**
     * Deploys an OVF item as a new VM; the task's result is the VM's reference. `blocking`:
     * the caller waits, as vAPI's deploy call does (see `Model.task`).
     */
    deploy(itemId: string, spec: DeploySpec, options: TaskOptions = {}): Task<MoRef> {
      const t = resolve(itemId, spec);
      let itemName = t.item.name;
      return m.task(
        { method: 'DeployLibraryItem', target: t.pool.id, descriptionId: 'com.vmware.ovfs.deploy' },
        (tx) => {
          const item = libraryItemOf(tx, itemId);
          libraryOf(tx, item.library);
          itemName = item.name;
          for (const r of [t.folder, t.pool])
            if (!tx.get(r.id)) throw faults.managedObjectNotFound(moref(r.kind, r.id));
          checkFreeName(m, t.folder.id, spec.name);
          const host = placeHost(tx, t);
          const datastore = placeDatastore(tx, t, host);
          const networks = placeNetworks(tx, t, host);
          const ovf = item.ovf ?? t.ovf;
          const annotation = spec.annotation ?? ovf.annotation;
          const numCPU = spec.config?.numCPU ?? ovf.numCPUs;
          const memoryMB = spec.config?.memoryMB ?? ovf.memoryMB;
          const cores = spec.config?.numCoresPerSocket;
          if (cores !== undefined) checkHardware(numCPU, cores, memoryMB);
          const vm = newVmRecord(m, tx, {
            name: spec.name,
            folder: t.folder.id,
            pool: t.pool.id,
            host: host.id,
            datastore: datastore.id,
            networks,
            numCPU,
            memoryMB,
            ...configOverrides(spec.config, ovf, t.nics),
            disksKB: mapped(ovf.disks, (d) => d.capacityKB),
            ...provisioningOf(t.provisioning),
            version: spec.config?.version ?? ovf.hardwareVersion,
            firmware: spec.config?.firmware ?? ovf.firmware ?? 'bios',
            vAppConfig: spec.config?.vAppConfigRemoved === true ? undefined : vAppConfigOfOvf(ovf),
            withoutCdrom: spec.config?.withoutCdrom === true,
            powerState: spec.powerOn ? 'poweredOn' : 'poweredOff',
            ...guestOf(spec.config, ovf),
            ...(t.pool.kind === 'VirtualApp' ? { parentVApp: t.pool.id } : {}),
            ...(annotation === undefined ? {} : { annotation }),
            // Its home and disks under the deployment's storage policy.
            storagePolicyId: spec.storageProfile,
          });
          const config = spec.config;
          const equipped = withResources(
            config?.deviceChange?.length || config?.crypto ? withDevicesAndKey(m, tx, vm, config) : vm,
            config,
          );
          putVm(tx, freshlyBooted(m, tx, equipped));
          return moref('VirtualMachine', vm.id);
        },
        // A library item is no VM: the template argument carries its name only.
        (ref) => postDeployed(ref.value, { name: itemName }, spec.powerOn === true),
        options,
      );
    },
  };
};
