/**
 * A VM's virtual disks (vcenter.vm.hardware.disk): list, get, create, update (another file) and
 * delete, each a ReconfigVM_Task device change. `diskChanges` also serves VM creation: a
 * Disk.CreateSpec on an adapter of its type (see vm-adapters.ts) with either a new VMDK
 * (`new_vmdk.capacity` bytes, under the storage policy it names) or an existing one
 * (`backing.vmdk_file`). The disks' policies are read at `/vcenter/vm/{vm}/storage/policy`.
 */
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import type { DeviceSlots } from './vm-adapters.js';
import { type DeviceKind, deviceByKey, deviceOf, deviceRoutes, devicesOf } from './vm-device-routes.js';
import { diskInfo } from './vm-info.js';
import { field, isObject, reconfigureVm, specOf, targetVm } from './vm-target.js';

const GIB = 1024 ** 3;
/** A new VMDK without a capacity: vCenter takes the guest's recommended size; vsim takes 16 GiB. */
const DEFAULT_CAPACITY = 16 * GIB;

/** `[ds] dir/vm.vmx` -> `[ds] dir/`: where a named new VMDK goes. */
const vmDirectory = (vmPathName: string) => vmPathName.slice(0, vmPathName.lastIndexOf('/') + 1);

/** Disk.BackingSpec's file: the only backing type is VMDK_FILE, and it names the file. */
const vmdkFile = (backing: Record<string, unknown>): string => {
  const file = field(backing, 'vmdk_file', 'string');
  if (field(backing, 'type', 'string') !== 'VMDK_FILE' || file === undefined)
    throw restError('invalid_argument', "A disk backing must be of type VMDK_FILE with a 'vmdk_file'.");
  return file;
};

/** A new VMDK's `storage_policy` as the profile the disk goes under (the model refuses an unknown one). */
const storagePolicyOf = (vmdk: Record<string, unknown>) => {
  const spec = field(vmdk, 'storage_policy', 'object');
  if (spec === undefined) return {};
  const policy = field(spec, 'policy', 'string');
  if (policy === undefined)
    throw restError('invalid_argument', "A disk's 'storage_policy' needs a 'policy'.");
  return { profile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: policy }] };
};

/**
 * Where a new disk's file comes from: a new VMDK (created) or an existing one. A new VMDK's name
 * needs the VM's folder (`vmPathName`); without it (a VM being created) it is named after the VM.
 */
const diskBacking = (spec: Record<string, unknown>, vmPathName: string | undefined) => {
  const backing = field(spec, 'backing', 'object');
  const vmdk = field(spec, 'new_vmdk', 'object');
  if ((backing === undefined) === (vmdk === undefined))
    throw restError('invalid_argument', "Exactly one of 'backing' and 'new_vmdk' must be set for a disk.");
  if (backing) return { device: { backing: { fileName: vmdkFile(backing) } } };
  const name = field(vmdk as Record<string, unknown>, 'name', 'string');
  const capacity = field(vmdk as Record<string, unknown>, 'capacity', 'number') ?? DEFAULT_CAPACITY;
  return {
    fileOperation: 'create' as const,
    ...storagePolicyOf(vmdk as Record<string, unknown>),
    device: {
      capacityInBytes: capacity,
      backing:
        name === undefined || vmPathName === undefined
          ? {}
          : { fileName: `${vmDirectory(vmPathName)}${name}.vmdk` },
    },
  };
};

/** The device changes that add `specs` (Disk.CreateSpec) to a VM of `devices`, with its adapters. */
export const diskChanges = (
  slots: DeviceSlots,
  specs: readonly unknown[],
  vmPathName: string | undefined,
): void => {
  for (const raw of specs) {
    if (!isObject(raw)) throw restError('invalid_argument', 'A disk spec must be an object.');
    const at = slots.place(raw, ['SCSI', 'SATA', 'NVME', 'IDE'], 'SCSI');
    const { device, ...operation } = diskBacking(raw, vmPathName);
    slots.add({
      operation: 'add',
      ...operation,
      device: { _type: 'VirtualDisk', key: slots.nextKey(), ...at, ...device },
    });
  }
};

/** Disk.delete detaches the disk: its VMDK stays on the datastore, as vCenter leaves it. */
const DISK: DeviceKind = {
  path: '/vcenter/vm/:vm/hardware/disk',
  key: 'disk',
  what: 'Virtual disk',
  is: (d) => d._type === 'VirtualDisk',
  info: diskInfo,
  changes: (call, slots) => diskChanges(slots, [specOf(call)], targetVm(call).config.vmPathName),
};

/**
 * Disk.update: the disk takes another file, a standalone disk, while the VM is off; the model's
 * refusals are not_found (no disk there) and not_allowed_in_current_state (the VM is not off).
 */
const updateDisk = async (call: Call) => {
  const disk = deviceOf(call, DISK);
  const backing = field(specOf(call), 'backing', 'object');
  if (backing === undefined) return {};
  const edit = { _type: disk._type, key: disk.key, backing: { fileName: vmdkFile(backing) } };
  await reconfigureVm(call, { deviceChange: [{ operation: 'edit', device: edit }] });
  return {};
};

/**
 * vcenter.vm.storage.Policy.get: the policy of the VM's home and those of its disks that have one,
 * by disk key (`vm_home` unset for a home without one).
 */
const storagePolicyInfo = (call: Call) => {
  const home = targetVm(call).config.homeStoragePolicyId;
  const disks = devicesOf(call, DISK).filter((d) => typeof d.storagePolicyId === 'string');
  return {
    value: {
      ...(home === undefined ? {} : { vm_home: home }),
      disks: call.style.map(disks.map((d) => [d.key, d.storagePolicyId] as const)),
    },
  };
};

/**
 * A Policy.UpdateSpec's VmHomePolicySpec or DiskPolicySpec as vSphere's profile: the policy it
 * specifies (USE_SPECIFIED_POLICY), or the default one (USE_DEFAULT_POLICY).
 */
const profileOf = (spec: unknown, what: string) => {
  if (!isObject(spec))
    throw restError('invalid_argument', `The storage policy of ${what} must be an object.`);
  const type = field(spec, 'type', 'string');
  if (type === 'USE_DEFAULT_POLICY') return [{ _type: 'VirtualMachineDefaultProfileSpec' }];
  const policy = field(spec, 'policy', 'string');
  if (type !== 'USE_SPECIFIED_POLICY' || policy === undefined)
    throw restError(
      'invalid_argument',
      `The storage policy of ${what} needs a 'type' of USE_DEFAULT_POLICY or USE_SPECIFIED_POLICY, the latter with a 'policy'.`,
    );
  return [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: policy }];
};

/** vcenter.vm.storage.Policy.update: the home's and the named disks' policies, in one reconfiguration. */
const updateStoragePolicy = async (call: Call) => {
  const spec = specOf(call);
  const home = field(spec, 'vm_home', 'object');
  const disks = devicesOf(call, DISK);
  const deviceChange = (spec.disks === undefined ? [] : call.style.entries(spec.disks, 'disks')).map(
    ([key, policy]) => {
      const disk = deviceByKey(call, DISK, disks, key);
      return {
        operation: 'edit' as const,
        device: { _type: disk._type, key: disk.key },
        profile: profileOf(policy, `disk '${key}'`),
      };
    },
  );
  await reconfigureVm(call, {
    ...(home === undefined ? {} : { vmProfile: profileOf(home, "the VM's home") }),
    deviceChange,
  });
  return {};
};

export const vmDiskRoutes: RouteSet = (): Route[] => [
  ...deviceRoutes(DISK),
  { method: 'PATCH', path: `${DISK.path}/:${DISK.key}`, run: updateDisk },
  { method: 'GET', path: '/vcenter/vm/:vm/storage/policy', run: storagePolicyInfo },
  { method: 'PATCH', path: '/vcenter/vm/:vm/storage/policy', run: updateStoragePolicy },
];
