/**
 * A new VM's volumes as vm-operator's webhooks handle them with its VMSharedDisks capability:
 * the mutating webhook's disk and sharing modes by application type (SetPVCVolumeDefaults), and
 * the validating webhook's rules for them, their claims' access modes and the controllers they
 * name. On update the mutating webhook sets the same modes (and places the volumes, see
 * volume-placement.ts) once the VM's schema is upgraded, and the validating webhook holds a DevOps
 * user's update of such a VM to the rules below. Its rules for encrypted
 * claims are left out: no storage class here encrypts. The volumes are attached where and as
 * they say, in one CnsNodeVMBatchAttachment per VM (controllers/volume/batch-controller.ts).
 */

import { deepEqual } from '../store/meta.js';
import type {
  VirtualControllerSharingMode,
  VirtualMachine,
  VirtualMachineVolume,
  VolumeApplicationType,
  VolumeDiskMode,
  VolumeSharingMode,
} from './types.js';
import { type FieldError, IMMUTABLE, invalid, required, type VolumeRules } from './validation.js';

type Modes = { diskMode: VolumeDiskMode; sharingMode: VolumeSharingMode };

/** The modes a volume of each application type is given when it names none, and any other volume. */
const VOLUME_DEFAULTS: Readonly<Record<VolumeApplicationType, Modes>> = {
  OracleRAC: { diskMode: 'IndependentPersistent', sharingMode: 'MultiWriter' },
  MicrosoftWSFC: { diskMode: 'IndependentPersistent', sharingMode: 'None' },
};
const OTHER_VOLUME: Modes = { diskMode: 'Persistent', sharingMode: 'None' };

/** SetPVCVolumeDefaults: each volume's empty disk and sharing modes, in place. */
export function withVolumeDefaults(vm: VirtualMachine): void {
  for (const volume of vm.spec?.volumes ?? []) {
    // A type the schema does not know gets the others' modes here, and is refused by the schema.
    const defaults = (volume.applicationType && VOLUME_DEFAULTS[volume.applicationType]) || OTHER_VOLUME;
    volume.diskMode ||= defaults.diskMode;
    volume.sharingMode ||= defaults.sharingMode;
  }
}

/** What a claim tells the rules: whether it may be read and written by many nodes. */
/**
 * What a VM's claim allows: many nodes reading and writing it, and (with Bring Your Own Key) its
 * storage class an encryption one; undefined for a claim not found.
 */
export type ClaimAccess = (claimName: string) => { readWriteMany: boolean; encrypted: boolean } | undefined;

/** A volume's fields that stay as they are once it is in the spec. */
const IMMUTABLE_FIELDS = [
  'applicationType',
  'controllerBusNumber',
  'controllerType',
  'diskMode',
  'sharingMode',
  'unitNumber',
] as const;
/** Go's missing pointers print as this. */
const NUMBER_FIELDS: ReadonlySet<string> = new Set(['controllerBusNumber', 'unitNumber']);

/**
 * The validating webhook's rules for the volumes of a new VM or, on update (`old`), of an
 * upgraded one (claims not found are not judged), for one volume after another, as vm-operator's
 * validateVolume checks each: a volume's fields kept, its application's modes and controller, its
 * sharing against its claim's access (on update, only for a volume or hardware that changed), its
 * placement whole (on update, always).
 */
export function sharedVolumeRules(
  vm: VirtualMachine,
  claimAccess: ClaimAccess,
  old?: VirtualMachine,
): VolumeRules {
  // Volumes are matched by name; one without is new.
  const before = new Map(
    (old?.spec?.volumes ?? []).filter((v) => v.name).map((volume) => [volume.name, volume]),
  );
  const hardwareChanged = old !== undefined && !deepEqual(vm.spec?.hardware, old.spec?.hardware);
  return (volume, i) => {
    const errors: FieldError[] = [];
    const path = `spec.volumes[${i}]`;
    const was = before.get(volume.name);
    if (was)
      for (const field of IMMUTABLE_FIELDS)
        if (volume[field] !== was[field])
          errors.push(
            invalid(`${path}.${field}`, volume[field] ?? (NUMBER_FIELDS.has(field) ? 'null' : ''), IMMUTABLE),
          );
    errors.push(...applicationProblems(vm, volume, path));
    const claimName = volume.persistentVolumeClaim?.claimName;
    const access = claimName ? claimAccess(claimName) : undefined;
    if (access && (!was || hardwareChanged || !deepEqual(was, volume)))
      errors.push(...sharingProblems(vm, volume, path, access));
    // A placement names its controller's type and bus together; an upgraded VM's, its unit too.
    if (old && volume.unitNumber === undefined) errors.push(required(`${path}.unitNumber`));
    if (
      (old || volume.unitNumber !== undefined || volume.controllerBusNumber !== undefined) &&
      !volume.controllerType
    )
      errors.push(required(`${path}.controllerType`));
    if (
      (old || volume.unitNumber !== undefined || volume.controllerType) &&
      volume.controllerBusNumber === undefined
    )
      errors.push(required(`${path}.controllerBusNumber`));
    return errors;
  };
}

function applicationProblems(vm: VirtualMachine, volume: VirtualMachineVolume, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const { applicationType, diskMode = '', sharingMode = '' } = volume;
  if (applicationType === 'OracleRAC' && sharingMode !== 'MultiWriter')
    errors.push(
      invalid(`${path}.sharingMode`, sharingMode, 'SharingMode must be MultiWriter for OracleRAC volumes'),
    );
  if (applicationType !== undefined && diskMode !== 'IndependentPersistent')
    errors.push(
      invalid(
        `${path}.diskMode`,
        diskMode,
        `DiskMode must be IndependentPersistent for ${applicationType} volumes`,
      ),
    );
  if (applicationType === 'MicrosoftWSFC') {
    const sharing = specControllerSharing(vm, volume);
    if (sharing !== undefined && sharing !== 'Physical')
      errors.push(
        invalid(
          `${path}.applicationType`,
          applicationType,
          'Controller sharing mode must be Physical for a MicrosoftWSFC volume',
        ),
      );
  }
  return errors;
}

/**
 * An encrypted claim's volume shared by neither itself nor its controller; a shared application's
 * volume and controller agreeing with its claim's access modes.
 */
function sharingProblems(
  vm: VirtualMachine,
  volume: VirtualMachineVolume,
  path: string,
  { readWriteMany, encrypted }: { readWriteMany: boolean; encrypted: boolean },
): FieldError[] {
  const errors: FieldError[] = [];
  const volumeShared = volume.sharingMode === 'MultiWriter';
  const controllerSharing =
    specControllerSharing(vm, volume) ?? (volume.applicationType === 'MicrosoftWSFC' ? 'Physical' : 'None');
  const controllerShared = volume.controllerType === 'SCSI' && controllerSharing !== 'None';
  if (encrypted && volumeShared)
    errors.push(
      invalid(
        `${path}.sharingMode`,
        volume.sharingMode,
        'MultiWriter disk sharing is not supported for encrypted volumes',
      ),
    );
  if (encrypted && controllerShared)
    errors.push(
      invalid(
        `${path}.controllerBusNumber`,
        `SCSI:${volume.controllerBusNumber}`,
        `Controller with sharing mode ${controllerSharing} is not supported for encrypted volumes`,
      ),
    );
  if (volume.applicationType === undefined) return errors;
  if (!readWriteMany) {
    if (volumeShared)
      errors.push(
        invalid(
          `${path}.sharingMode`,
          volume.sharingMode,
          'MultiWriter sharing mode is not allowed for ReadWriteOnce volume',
        ),
      );
    // vm-operator reads the bus here without checking it is set (its webhook would fail): skipped.
    if (controllerShared && volume.controllerBusNumber !== undefined)
      errors.push(
        invalid(
          `${path}.controllerBusNumber`,
          `SCSI:${volume.controllerBusNumber}`,
          `Controller with sharing mode ${controllerSharing} is not allowed for ReadWriteOnce volume`,
        ),
      );
  } else if (!volumeShared && volume.controllerType && !controllerShared)
    errors.push(
      invalid(
        `${path}.sharingMode`,
        volume.sharingMode ?? '',
        'ReadWriteMany PVC must have a shared volume or controller',
      ),
    );
  return errors;
}

/** The sharing mode of the spec's controller the volume names (None for SATA and IDE), if there is one. */
function specControllerSharing(
  vm: VirtualMachine,
  volume: VirtualMachineVolume,
): VirtualControllerSharingMode | undefined {
  const { controllerType, controllerBusNumber } = volume;
  if (!controllerType || controllerBusNumber === undefined) return undefined;
  const hardware = vm.spec?.hardware;
  const onBus = <T extends { busNumber: number }>(list: readonly T[] | undefined) =>
    list?.find((c) => c.busNumber === controllerBusNumber);
  if (controllerType === 'SCSI') {
    const controller = onBus(hardware?.scsiControllers);
    return controller && (controller.sharingMode ?? 'None');
  }
  if (controllerType === 'NVME') {
    const controller = onBus(hardware?.nvmeControllers);
    return controller && (controller.sharingMode ?? 'None');
  }
  const controller = onBus(controllerType === 'SATA' ? hardware?.sataControllers : hardware?.ideControllers);
  return controller && 'None';
}
