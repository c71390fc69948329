/**
 * vm-operator's schema upgrade of a VirtualMachine (ReconcileSchemaUpgrade, v1.10), run by its
 * update once the VM exists in vSphere, after the status: the upgrade annotations, and for each
 * activated feature not done yet what it backfills into the spec from vSphere. The base feature
 * backfills the BIOS and instance UUIDs, which every VM here has from its create's defaults, and
 * the cloud-init instance id of a VM given cloud-init later. AllDisksArePVCs (which VMSharedDisks brings)
 * adds the VM's own disks to `spec.volumes` as unmanaged volumes, VMSharedDisks its controllers
 * to `spec.hardware`, in that order.
 */
import { type Device, isFirstClassDisk, type Random, type VmRecord } from '@vsim/vsphere';
import { CLOUD_INIT_INSTANCE_ID_ANNOTATION } from '../../api/annotations.js';
import { randomUUID } from '../../api/defaults.js';
import {
  FEATURE,
  isUpgraded,
  parseFeatureVersion,
  UPGRADED_TO_FEATURE_VERSION_ANNOTATION,
  upgradedAnnotations,
} from '../../api/schema-upgrade.js';
import type {
  VirtualControllerSharingMode,
  VirtualMachine,
  VirtualMachineHardwareSpec,
  VirtualMachineSpec,
  VirtualMachineVolume,
  VolumeDiskMode,
} from '../../api/types.js';
import { isFalse, isTrue, type Verdict } from './conditions.js';
import { BUS_SHARING, SCSI_DEVICE_TYPES } from './virtual-controllers.js';
import { placementOf, pvcName, targetId, uuidOf } from './volumes.js';

/** The condition of the unmanaged volumes' backfill, which AllDisksArePVCs reports. */
export const UNMANAGED_VOLUMES_BACKFILLED = 'VirtualMachineUnmanagedVolumesBackfilled';

export interface SchemaUpgrade {
  /** The annotations the upgrade writes, if it writes, and the spec if it changes it. */
  readonly changes?: { readonly annotations: Record<string, string>; readonly spec?: VirtualMachineSpec };
  /** The backfill's condition, with AllDisksArePVCs. */
  readonly verdict?: Verdict;
  /** Why the upgrade stopped short of its features (the update goes on, then fails). */
  readonly error?: Error;
}

const NOTHING: SchemaUpgrade = Object.freeze({});

/** What the upgrade does to the VM in this pass (nothing but its condition once it is upgraded). */
export function schemaUpgradeOf(
  vm: VirtualMachine,
  record: VmRecord,
  activated: number,
  random: Random,
): SchemaUpgrade {
  const backfills = (activated & FEATURE.allDisksArePVCs) !== 0;
  if (isUpgraded(vm, activated))
    return backfills ? { verdict: isTrue(UNMANAGED_VOLUMES_BACKFILLED) } : NOTHING;
  const devices = record.config.devices;
  let features = parseFeatureVersion(vm.metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]);
  // What the features change: the spec (undefined while it is the VM's) and the annotations.
  let spec: VirtualMachineSpec | undefined;
  const annotations = upgradedAnnotations(vm);
  if (!(features & FEATURE.base)) {
    const instanceId = cloudInitInstanceId(vm);
    if (instanceId) {
      spec = instanceId.spec;
      if (instanceId.fromAnnotation) delete annotations[CLOUD_INIT_INSTANCE_ID_ANNOTATION];
    }
    features |= FEATURE.base;
  }
  let verdict: Verdict | undefined;
  if (backfills && !(features & FEATURE.allDisksArePVCs)) {
    const backfill = unmanagedVolumes(vm, devices, random);
    if (typeof backfill === 'string')
      // vm-operator fails the upgrade here: what the base did is written, not the feature version.
      return {
        changes: spec ? { annotations, spec } : { annotations },
        verdict: isFalse(UNMANAGED_VOLUMES_BACKFILLED, 'Failed', backfill),
        error: new Error(`unexpected unmanaged disk backfill error: ${backfill}`),
      };
    const base = spec ?? vm.spec;
    if (backfill.length > 0) spec = { ...base, volumes: [...(base?.volumes ?? []), ...backfill] };
    features |= FEATURE.allDisksArePVCs;
    verdict = isTrue(UNMANAGED_VOLUMES_BACKFILLED);
  }
  if (activated & FEATURE.vmSharedDisks && !(features & FEATURE.vmSharedDisks)) {
    const base = spec ?? vm.spec;
    spec = { ...base, hardware: withControllersOf(devices, base?.hardware) };
    features |= FEATURE.vmSharedDisks;
  }
  annotations[UPGRADED_TO_FEATURE_VERSION_ANNOTATION] = String(features);
  const changes = spec ? { annotations, spec } : { annotations };
  return verdict ? { changes, verdict } : { changes };
}

/**
 * The base feature's backfill of a cloud-init VM without an instance id (one given cloud-init
 * after its create): the id an older VM kept in its annotation (which then goes), else its
 * object's UID, as vm-operator's BootStrapCloudInitInstanceID decides.
 */
function cloudInitInstanceId(vm: VirtualMachine) {
  const cloudInit = vm.spec?.bootstrap?.cloudInit;
  if (!cloudInit || cloudInit.instanceID) return undefined;
  const uid = vm.metadata.uid ?? '';
  const kept = vm.metadata.annotations?.[CLOUD_INIT_INSTANCE_ID_ANNOTATION];
  const fromAnnotation = kept !== undefined && kept !== '' && kept !== uid;
  const instanceID = fromAnnotation ? kept : uid;
  const spec = { ...vm.spec, bootstrap: { ...vm.spec?.bootstrap, cloudInit: { ...cloudInit, instanceID } } };
  return { spec, fromAnnotation };
}

/**
 * `written` (the VM as last stored) with the upgrade's annotations and spec; its own spec when the
 * upgrade keeps it, so that the write is one of metadata alone.
 */
export const withUpgrade = (
  written: VirtualMachine,
  { annotations, spec }: NonNullable<SchemaUpgrade['changes']>,
): VirtualMachine => {
  const upgraded = { ...written, metadata: { ...written.metadata, annotations } };
  if (spec) upgraded.spec = spec;
  return upgraded;
};

const DEFAULT_DISK_MODE: VolumeDiskMode = 'Persistent';

/**
 * The VM's own disks (not First Class Disks, with a UUID and a file) that no volume of the spec
 * names by its controller, bus and unit, as new unmanaged volumes (named as vm-operator names
 * a claim it makes of a disk, never removable, their modes from vSphere); or why not.
 */
function unmanagedVolumes(
  vm: VirtualMachine,
  devices: readonly Device[],
  random: Random,
): VirtualMachineVolume[] | string {
  const targets = new Set<string>();
  for (const volume of vm.spec?.volumes ?? []) {
    const target = targetId(volume);
    if (target) targets.add(target);
  }
  const added: VirtualMachineVolume[] = [];
  const problems: string[] = [];
  for (const disk of devices) {
    const backing = disk.backing as { fileName?: string; diskMode?: string; sharing?: string } | undefined;
    if (disk._type !== 'VirtualDisk' || isFirstClassDisk(disk) || !uuidOf(disk) || !backing?.fileName)
      continue;
    const placement = placementOf(devices, disk);
    if (targets.has(targetId(placement))) continue;
    const name = pvcName(
      vm.metadata.name as string,
      randomUUID(() => random.float()),
    );
    const diskMode = backing.diskMode ? placement.diskMode : DEFAULT_DISK_MODE;
    const { sharingMode } = placement;
    if (!diskMode) problems.push(`unsupported disk mode: ${backing.diskMode} for volume: ${name}`);
    if (!sharingMode) problems.push(`unsupported sharing mode: ${backing.sharing} for volume: ${name}`);
    if (!diskMode || !sharingMode) continue;
    added.push({
      name,
      controllerBusNumber: placement.controllerBusNumber ?? 0,
      ...(placement.controllerType ? { controllerType: placement.controllerType } : {}),
      ...(placement.unitNumber === undefined ? {} : { unitNumber: placement.unitNumber }),
      removable: false,
      diskMode,
      sharingMode,
    });
  }
  return problems.length > 0 ? `failed to backfill unmanaged volumes: ${problems.join('. ')}` : added;
}

/** The spec's SCSI kind of each SCSI device type, and its sharing of each bus sharing. */
const SCSI_TYPES = inverse(SCSI_DEVICE_TYPES);
const SHARING = inverse(BUS_SHARING);
/** NVMe controllers have no virtual sharing. */
const NVME_SHARING: Readonly<Record<string, VirtualControllerSharingMode>> = {
  noSharing: 'None',
  physicalSharing: 'Physical',
};

/**
 * The hardware spec with every disk and CD-ROM controller of the vSphere VM that it does not
 * list (by type and bus) added, in device order: IDE, NVMe (its sharing), SATA (AHCI) and SCSI
 * (its kind and sharing).
 */
function withControllersOf(
  devices: readonly Device[],
  hardware: VirtualMachineHardwareSpec | undefined,
): VirtualMachineHardwareSpec {
  const out: VirtualMachineHardwareSpec = { ...hardware };
  const add = <K extends 'ideControllers' | 'nvmeControllers' | 'sataControllers' | 'scsiControllers'>(
    list: K,
    controller: NonNullable<VirtualMachineHardwareSpec[K]>[number],
  ) => {
    const listed = out[list] ?? [];
    if (listed.some((c) => c.busNumber === controller.busNumber)) return;
    out[list] = [...listed, controller] as VirtualMachineHardwareSpec[K];
  };
  // A sharing vm-operator does not map is left empty, which the schema defaults to None.
  for (const device of devices) {
    const busNumber = device.busNumber as number;
    const sharedBus = String(device.sharedBus);
    if (device._type === 'VirtualIDEController') add('ideControllers', { busNumber });
    else if (device._type === 'VirtualAHCIController') add('sataControllers', { busNumber });
    else if (device._type === 'VirtualNVMEController')
      add('nvmeControllers', { busNumber, sharingMode: NVME_SHARING[sharedBus] ?? 'None' });
    else {
      const type = SCSI_TYPES[device._type];
      if (type) add('scsiControllers', { busNumber, sharingMode: SHARING[sharedBus] ?? 'None', type });
    }
  }
  return out;
}

/** A map's values to its keys. */
function inverse<K extends string, V extends string>(
  map: Readonly<Record<K, V>>,
): Readonly<Record<string, K>> {
  const out: Record<string, K> = {};
  for (const key of Object.keys(map) as K[]) out[map[key]] = key;
  return out;
}
