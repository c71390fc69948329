/**
 * VM.create and VM.delete: `POST /vcenter/vm` with a CreateSpec (`{"spec": ...}` in `/rest`)
 * makes the VM with the model's CreateVM_Task (its disks, CD-ROMs, floppies, NICs and serial and
 * parallel ports as the hardware endpoints add them) and answers its id.
 * `DELETE /vcenter/vm/{vm}` destroys it with Destroy_Task (a running VM is
 * not_allowed_in_current_state).
 *
 * The placement is checked as vCenter documents it: `folder` and `datastore` are required, and
 * one of `resource_pool`, `host`, `cluster` (a host or cluster alone places the VM in its root
 * pool). Unknown ids are not_found, a taken name already_exists (the model's DuplicateName).
 */
import {
  type BootableDevice,
  type ComputeResourceRecord,
  type Device,
  type HostRecord,
  type InventoryRecord,
  KNOWN_GUEST_IDS,
  type VmConfigSpec,
  type VSphere,
} from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { lookupOf } from './filters.js';
import { deviceSlots } from './vm-adapters.js';
import { cdromChanges } from './vm-cdrom.js';
import { diskChanges } from './vm-disk.js';
import { nicDevice } from './vm-ethernet.js';
import { floppyChanges } from './vm-floppy.js';
import { bootSpec, hardwareVersion } from './vm-hardware.js';
import { BOOTABLE_TYPES, guestOsOf, NIC_TYPES } from './vm-info.js';
import { parallelPortChanges, serialPortChanges } from './vm-serial-parallel.js';
import { field, isObject, specOf, targetVm } from './vm-target.js';

/** The IDE and SIO controllers every new VM has, at the keys vSphere gives them. */
const NEW_VM_ADAPTERS: readonly Device[] = [
  { _type: 'VirtualIDEController', key: 200, busNumber: 0 },
  { _type: 'VirtualIDEController', key: 201, busNumber: 1 },
  { _type: 'VirtualSIOController', key: 400, busNumber: 0 },
];

/** The name a VM gets when the spec has none: vCenter generates one; vsim's is `Virtual machine (n)`. */
const DEFAULT_NAME = 'Virtual machine';

/** Each guest id the hosts know, by the GuestOS value a VM's Info shows for it (the first of a name). */
let knownByGuestOs: Map<string, string> | undefined;

/**
 * vAPI's GuestOS as vSphere's guestId: the known id a VM's Info shows as that value (so a GET's
 * value creates the same guest), else spelled out (`RHEL_7_64` -> `rhel7_64Guest`), which the
 * model refuses when no host knows it.
 */
export const guestIdOf = (guestOs: string): string => {
  if (!knownByGuestOs) {
    knownByGuestOs = new Map();
    for (const id of KNOWN_GUEST_IDS)
      if (!knownByGuestOs.has(guestOsOf(id))) knownByGuestOs.set(guestOsOf(id), id);
  }
  const known = knownByGuestOs.get(guestOs);
  if (known) return known;
  const [first = '', ...rest] = guestOs.toLowerCase().split('_');
  let id = first;
  for (const part of rest) {
    if (/^\d/.test(part)) id += /\d$/.test(id) ? `_${part}` : part;
    else id += `${part.charAt(0).toUpperCase()}${part.slice(1)}`;
  }
  return `${id}Guest`;
};

const lookup = <R extends InventoryRecord>(
  vsphere: VSphere,
  id: string | undefined,
  kinds: string[],
  what: string,
) => lookupOf<R>(vsphere, id, kinds, what, `com.vmware.api.vcenter.${kinds[0]?.toLowerCase()}.not_found`);

interface Placement {
  folder: string;
  pool: string;
  host?: string;
  datastore: string;
}

const placementOf = (vsphere: VSphere, spec: Record<string, unknown>): Placement => {
  const p = field(spec, 'placement', 'object');
  const required = (name: string) => {
    const id = p ? field(p, name, 'string') : undefined;
    if (id === undefined) throw restError('invalid_argument', `The field 'placement.${name}' is required.`);
    return id;
  };
  const folder = lookup(vsphere, required('folder'), ['Folder'], 'Folder');
  const datastore = lookup(vsphere, required('datastore'), ['Datastore'], 'Datastore');
  const poolId = p && field(p, 'resource_pool', 'string');
  const hostId = p && field(p, 'host', 'string');
  const clusterId = p && field(p, 'cluster', 'string');
  const host = hostId === undefined ? undefined : lookup<HostRecord>(vsphere, hostId, ['HostSystem'], 'Host');
  const cluster =
    clusterId === undefined
      ? undefined
      : lookup<ComputeResourceRecord>(vsphere, clusterId, ['ClusterComputeResource'], 'Cluster');
  if (host && cluster && host.parent !== cluster.id)
    throw restError('invalid_argument', `Host '${host.id}' is not in cluster '${cluster.id}'.`);
  const owner =
    cluster ?? (host && (vsphere.store.get(host.parent ?? '') as ComputeResourceRecord | undefined));
  const pool =
    poolId !== undefined
      ? lookup(vsphere, poolId, ['ResourcePool', 'VirtualApp'], 'Resource pool').id
      : owner?.resourcePool;
  if (pool === undefined)
    throw restError(
      'invalid_argument',
      "One of 'placement.resource_pool', 'host' and 'cluster' is required.",
    );
  return { folder: folder.id, pool, ...(host ? { host: host.id } : {}), datastore: datastore.id };
};

/** The spec's name, or the first free `Virtual machine`, `Virtual machine (1)`, ... in the folder. */
const nameIn = (vsphere: VSphere, folder: string, name: string | undefined): string => {
  if (name !== undefined) return name;
  const taken = new Set<string>();
  for (const vm of vsphere.store.ofKind('VirtualMachine')) if (vm.parent === folder) taken.add(vm.name);
  let candidate = DEFAULT_NAME;
  for (let n = 1; taken.has(candidate); n++) candidate = `${DEFAULT_NAME} (${n})`;
  return candidate;
};

const listOf = (spec: Record<string, unknown>, name: string): unknown[] | undefined => {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw restError('invalid_argument', `The field '${name}' must be a list.`);
  return value;
};

/** The keys vSphere gives a new VM's first disk and first NIC. */
const FIRST_KEYS: Readonly<Record<string, number>> = { DISK: 2000, ETHERNET: 4000 };

/**
 * A CreateSpec's `boot_devices` (types only) as a boot order: a DISK or ETHERNET entry is the
 * VM's first disk or NIC, which it must have.
 */
const bootOrderOf = (entries: readonly unknown[], devices: readonly Device[]): BootableDevice[] =>
  entries.map((entry) => {
    const type = isObject(entry) ? String(entry.type) : '';
    const _type = BOOTABLE_TYPES[type];
    if (_type === undefined) throw restError('invalid_argument', `Invalid boot device type '${type}'.`);
    const deviceKey = FIRST_KEYS[type];
    if (deviceKey === undefined) return { _type };
    const has =
      type === 'DISK'
        ? devices.some((d) => d._type === 'VirtualDisk')
        : devices.some((d) => d._type in NIC_TYPES);
    if (!has) throw restError('invalid_argument', `The virtual machine has no ${type} device to boot from.`);
    return { _type, deviceKey };
  });

/** VM.CreateSpec as CreateVM_Task's VirtualMachineConfigSpec. */
const configSpecOf = (vsphere: VSphere, spec: Record<string, unknown>, at: Placement): VmConfigSpec => {
  const guestOs = field(spec, 'guest_OS', 'string') ?? field(spec, 'guest_os', 'string');
  if (guestOs === undefined || !/^[A-Z][A-Z0-9_]*$/.test(guestOs))
    throw restError('invalid_argument', "The field 'guest_OS' is required and must be a GuestOS value.");
  const cpu = field(spec, 'cpu', 'object') ?? {};
  const boot = field(spec, 'boot', 'object');
  const memory = field(spec, 'memory', 'object') ?? {};
  const version = spec.hardware_version ?? undefined;
  const datastoreName = vsphere.store.get(at.datastore)?.name ?? '';
  const slots = deviceSlots(NEW_VM_ADAPTERS);
  // No `disks`: one new disk, as vCenter makes a blank disk of the guest's size.
  diskChanges(slots, listOf(spec, 'disks') ?? [{ new_vmdk: {} }], undefined);
  cdromChanges(slots, listOf(spec, 'cdroms') ?? []);
  floppyChanges(slots, NEW_VM_ADAPTERS, listOf(spec, 'floppies') ?? []);
  serialPortChanges(slots, NEW_VM_ADAPTERS, listOf(spec, 'serial_ports') ?? []);
  parallelPortChanges(slots, NEW_VM_ADAPTERS, listOf(spec, 'parallel_ports') ?? []);
  for (const nic of listOf(spec, 'nics') ?? [])
    slots.add({ operation: 'add', device: nicDevice(vsphere, nic, slots.nextKey(), false) });
  const bootOrder = bootOrderOf(
    listOf(spec, 'boot_devices') ?? [],
    slots.changes.map((c) => c.device),
  );
  const bootSettings = boot === undefined ? {} : bootSpec(boot);
  const bootOptions = {
    ...bootSettings.bootOptions,
    ...(bootOrder.length === 0 ? {} : { bootOrder }),
  };
  const count = field(cpu, 'count', 'number');
  const cores = field(cpu, 'cores_per_socket', 'number');
  const size = field(memory, 'size_MiB', 'number') ?? field(memory, 'size_mib', 'number');
  return {
    name: nameIn(vsphere, at.folder, field(spec, 'name', 'string')),
    guestId: guestIdOf(guestOs),
    files: { vmPathName: `[${datastoreName}]` },
    ...(version === undefined ? {} : { version: hardwareVersion(version, 'hardware_version') }),
    ...(count === undefined ? {} : { numCPUs: count }),
    ...(cores === undefined ? {} : { numCoresPerSocket: cores }),
    ...(size === undefined ? {} : { memoryMB: size }),
    cpuHotAddEnabled: field(cpu, 'hot_add_enabled', 'boolean') ?? false,
    cpuHotRemoveEnabled: field(cpu, 'hot_remove_enabled', 'boolean') ?? false,
    memoryHotAddEnabled: field(memory, 'hot_add_enabled', 'boolean') ?? false,
    ...(bootSettings.firmware === undefined ? {} : { firmware: bootSettings.firmware }),
    ...(Object.keys(bootOptions).length === 0 ? {} : { bootOptions }),
    deviceChange: slots.changes,
  };
};

const createVm = async (call: Call) => {
  const spec = specOf(call);
  const at = placementOf(call.vsphere, spec);
  const config = configSpecOf(call.vsphere, spec, at);
  const ref = await call.vsphere.vm.create(at.folder, config, at.pool, at.host).wait();
  return { value: ref.value, created: true };
};

const deleteVm = async (call: Call) => {
  await call.vsphere.vm.destroy(targetVm(call).id).wait();
  return {};
};

export const vmLifecycleRoutes: RouteSet = (): Route[] => [
  { method: 'POST', path: '/vcenter/vm', run: createVm },
  { method: 'DELETE', path: '/vcenter/vm/:vm', run: deleteVm },
];
