/**
 * VirtualMachine validation as vm-operator's validation webhook does it:
 * a list of field errors, messages in its words.
 */

import { isIp } from '@vsim/vsphere';
import { deepEqual } from '../store/meta.js';
import { dns1123SubdomainProblems } from '../store/names.js';
import { quantityValue } from '../store/quantity.js';
import {
  FAILED_OVER_VM_ANNOTATION,
  hasAnnotationWithPrefix,
  POWER_ON_CHECK_PREFIX,
  VM_OPERATOR_DOMAIN,
} from './annotations.js';
import {
  cdromPlacementChangesWhenPoweredOn,
  cdromPlacementProblemsOnCreate,
  cdromPlacementProblemsOnUpdate,
} from './cdrom-placement.js';
import { writeFileContent } from './cloud-config.js';
import { hostNameOf } from './host-name.js';
import { instanceStorageProblems } from './instance-storage.js';
import { activatedFeatureVersion, isUpgraded, schemaUpgradeProblems } from './schema-upgrade.js';
import type {
  CloudConfig,
  Sysprep,
  ValueOrSecretKeySelector,
  VirtualMachine,
  VirtualMachineBootstrapVAppConfigSpec,
  VirtualMachineNetworkInterfaceSpec,
  VirtualMachineVolume,
  VMAffinityTerm,
} from './types.js';
import {
  annotationProblems,
  applyPowerStateTimeProblems,
  checkAnnotationProblems,
  type MetadataRules,
  pausedLabelProblems,
  zoneProblems,
} from './vm-metadata-validation.js';
import { validateNetwork } from './vm-network-validation.js';
import { resizesByClassName, type VirtualMachineServiceCapabilities } from './vm-service-validation.js';
import { currentSnapshotNameProblems } from './vm-snapshot-validation.js';
import { controllerProblems } from './volume-placement.js';

export interface FieldError {
  field: string;
  message: string;
  /** The cause's reason in a Status: `FieldValueRequired`, `FieldValueInvalid`... */
  reason: FieldErrorReason;
}

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueNotFound'
  | 'InternalError';

const IMAGE_KINDS = ['VirtualMachineImage', 'ClusterVirtualMachineImage'];
export const IMMUTABLE = 'field is immutable';

// Field errors as Kubernetes' field package words them; every kind's webhook builds its errors with these.
export function required(field: string): FieldError {
  return { field, message: 'Required value', reason: 'FieldValueRequired' };
}

export function internalError(field: string, detail: string): FieldError {
  return { field, message: `Internal error: ${detail}`, reason: 'InternalError' };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return {
    field,
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    reason: 'FieldValueInvalid',
  };
}

export function forbidden(field: string, detail: string): FieldError {
  return { field, message: `Forbidden: ${detail}`, reason: 'FieldValueForbidden' };
}

export function unsupported(field: string, value: unknown, allowed: string[]): FieldError {
  return {
    field,
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((v) => `"${v}"`).join(', ')}`,
    reason: 'FieldValueNotSupported',
  };
}

export function notFound(field: string, value: unknown): FieldError {
  return { field, message: `Not found: ${JSON.stringify(value)}`, reason: 'FieldValueNotFound' };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { field, message: `Duplicate value: ${JSON.stringify(value)}`, reason: 'FieldValueDuplicate' };
}

/** vm-operator's validateCrypto: `spec.crypto` needs BYOK; with it, what the store says of its classes. */
function cryptoSection(
  vm: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
  found: readonly FieldError[] = [],
): readonly FieldError[] {
  const crypto = vm.spec?.crypto;
  return crypto && !capabilities.bringYourOwnEncryptionKey ? [cryptoNotEnabled(crypto), ...found] : found;
}

/** The network's rules: interface names unique, no VLANs, then vm-operator's validateNetwork. */
function networkSection(vm: VirtualMachine): FieldError[] {
  const errors: FieldError[] = [];
  const network = vm.spec?.network;
  const names = new Set<string>();
  (network?.interfaces ?? []).forEach((iface, i) => {
    if (names.has(iface.name)) errors.push(duplicate(`spec.network.interfaces[${i}].name`, iface.name));
    names.add(iface.name);
  });
  if (network?.vlans?.length) errors.push(forbidden('spec.network.vlans', notEnabled('VLAN Sub Interface')));
  errors.push(...validateNetwork(vm));
  return errors;
}

/** vm-operator's validateReadinessProbe: one action at most. */
function readinessProbeProblems(vm: VirtualMachine): FieldError[] {
  const probe = vm.spec?.readinessProbe;
  if (!probe) return [];
  const actions = [probe.tcpSocket, probe.guestHeartbeat, probe.guestInfo].filter((a) => a !== undefined);
  return actions.length > 1 ? [forbidden('spec.readinessProbe', 'only one action can be specified')] : [];
}

/** vm-operator's validateAdvanced: a boot disk of whole MiB. */
function advancedProblems(vm: VirtualMachine): FieldError[] {
  const capacity = bootDiskCapacity(vm);
  return capacity !== undefined && capacity % MIB !== 0
    ? [invalid('spec.advanced.bootDiskCapacity', capacity, 'value must be a multiple of MB')]
    : [];
}

/** vm-operator's validateComputeConfig without TelcoVMServiceAPI: none of its fields. */
function computeConfigProblems(vm: VirtualMachine): FieldError[] {
  const spec = vm.spec ?? {};
  return (['resources', 'cpuAdvanced', 'memoryAdvanced'] as const)
    .filter((field) => spec[field])
    .map((field) => forbidden(`spec.${field}`, notEnabled('VM Compute Config (via TelcoVMServiceAPI)')));
}

/** What vm-operator keeps to privileged accounts: VMs without an image or a class (imports, restores). */
const RESTRICTED_TO_PRIVILEGED = 'restricted to privileged users';

/**
 * vm-operator's image rules on create: an image of a supported kind, or, where the Supervisor
 * imports (VMImportNewNet) or restores (VMIncrementalRestore) VMs, none for a privileged account.
 */
function imageOnCreate(
  vm: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
  privileged: boolean,
): FieldError[] {
  const image = vm.spec?.image;
  if (!image && !vm.spec?.imageName && (capabilities.vmImportNewNet || capabilities.vmIncrementalRestore))
    return privileged ? [] : [forbidden('spec.image', RESTRICTED_TO_PRIVILEGED)];
  // An image name alone is the mutating webhook's to resolve into the image (resolveImageNameOnCreate).
  if (!image) return vm.spec?.imageName ? [] : [required('spec.image')];
  if (!image.kind)
    return [
      {
        field: 'spec.image.kind',
        message: `Required value: supported: ${IMAGE_KINDS.join('; ')}`,
        reason: 'FieldValueRequired',
      },
    ];
  if (!IMAGE_KINDS.includes(image.kind))
    return [invalid('spec.image.kind', image.kind, `supported: ${IMAGE_KINDS.join('; ')}`)];
  return [];
}

/** vm-operator's class rule on create: a class, but for a privileged account's import (VMImportNewNet). */
function classOnCreate(
  vm: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
  privileged: boolean,
): FieldError[] {
  if (vm.spec?.className) return [];
  if (!capabilities.vmImportNewNet) return [required('spec.className')];
  return privileged ? [] : [forbidden('spec.className', RESTRICTED_TO_PRIVILEGED)];
}

/**
 * vm-operator's image rules on update: the image stays, but where VMs are restored
 * (VMIncrementalRestore) a failed-over VM may lose it, by a privileged account's write.
 */
function imageOnUpdate(
  vm: VirtualMachine,
  old: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
  privileged: boolean,
): FieldError[] {
  const spec = vm.spec ?? {};
  const prev = old.spec ?? {};
  const failedOver = vm.metadata.annotations?.[FAILED_OVER_VM_ANNOTATION] !== undefined;
  if (capabilities.vmIncrementalRestore && failedOver && !spec.image && !spec.imageName) {
    if (privileged) return [];
    return [
      ...(deepEqual(spec.image, prev.image) ? [] : [forbidden('spec.image', RESTRICTED_TO_PRIVILEGED)]),
      ...((spec.imageName ?? '') === (prev.imageName ?? '')
        ? []
        : [forbidden('spec.imageName', RESTRICTED_TO_PRIVILEGED)]),
    ];
  }
  // Go compares strings: no image name is an empty one.
  return [
    ...immutable('spec.imageName', prev.imageName ?? '', spec.imageName ?? ''),
    ...immutable('spec.image', prev.image, spec.image),
  ];
}

/**
 * vm-operator's class rules on update: the class stays unless VMs are resized by it; then a
 * class it must name, but for a privileged account's (VMImportNewNet).
 */
function classOnUpdate(
  vm: VirtualMachine,
  old: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
  privileged: boolean,
): FieldError[] {
  const name = vm.spec?.className;
  if (name === old.spec?.className) return [];
  if (!resizesByClassName(capabilities)) return immutable('spec.className', old.spec?.className, name);
  if (name) return [];
  return capabilities.vmImportNewNet && privileged ? [] : [required('spec.className')];
}

/** vm-operator's refusal of a field whose capability the Supervisor does not have (none of these here). */
const notEnabled = (feature: string) => `the ${feature} feature is not enabled`;

/**
 * A crypto spec without the Bring Your Own Key capability, the spec shown as vm-operator's
 * apimachinery (v0.34) shows a struct's value: its JSON, in the struct's order, empty fields left out.
 */
function cryptoNotEnabled(crypto: NonNullable<VirtualMachine['spec']>['crypto'] & object): FieldError {
  const shown = JSON.stringify({
    ...(crypto.encryptionClassName ? { encryptionClassName: crypto.encryptionClassName } : {}),
    ...(crypto.useDefaultKeyProvider === undefined
      ? {}
      : { useDefaultKeyProvider: crypto.useDefaultKeyProvider }),
    ...(crypto.vTPMMode ? { vTPMMode: crypto.vTPMMode } : {}),
  });
  return {
    field: 'spec.crypto',
    message: `Invalid value: ${shown}: ${notEnabled('Bring Your Own Key (Provider)')}`,
    reason: 'FieldValueInvalid',
  };
}

const MIB = 1024 * 1024;

/** `spec.advanced.bootDiskCapacity` in bytes; undefined when it is unset or zero, as vm-operator ignores it then. */
export function bootDiskCapacity(vm: VirtualMachine): number | undefined {
  const capacity = vm.spec?.advanced?.bootDiskCapacity;
  const bytes = capacity === undefined ? undefined : quantityValue(capacity);
  return bytes || undefined;
}

/**
 * vm-operator's `validateBootOptions`: a boot order is set after create only, naming devices the
 * VM has, each once; a retry delay needs retries; secure boot needs EFI firmware.
 */
function bootOptionsProblems(vm: VirtualMachine, old?: VirtualMachine): FieldError[] {
  const options = vm.spec?.bootOptions;
  if (!options) return [];
  const errors: FieldError[] = [];
  if (options.bootOrder)
    errors.push(
      ...(old ? bootOrderProblems(vm) : [forbidden('spec.bootOptions.bootOrder', 'when creating a VM')]),
    );
  if (options.bootRetryDelay !== undefined && options.bootRetry !== 'Enabled')
    errors.push({
      ...required('spec.bootOptions.bootRetry'),
      message: 'Required value: bootRetry must be set when setting bootRetryDelay',
    });
  if (options.efiSecureBoot === 'Enabled' && options.firmware !== 'efi')
    errors.push(
      forbidden(
        'spec.bootOptions.efiSecureBoot',
        "cannot set efiSecureBoot when image firmware is not 'efi'",
      ),
    );
  return errors;
}

function bootOrderProblems(vm: VirtualMachine): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  const spec = vm.spec ?? {};
  spec.bootOptions?.bootOrder?.forEach((device, i) => {
    const path = `spec.bootOptions.bootOrder[${i}]`;
    const name = device.name ?? '';
    if ((device.type === 'Network' || device.type === 'Disk') && name === '') {
      errors.push({
        ...required(`${path}.name`),
        message: `Required value: name must not be empty when specifying a bootable device of type "${device.type}"`,
      });
      return;
    }
    if (names.has(name)) {
      errors.push(duplicate(path, name));
      return;
    }
    names.add(name);
    if (device.type === 'Network') {
      if (!spec.network)
        errors.push(
          invalid(path, device, `cannot specify network device "${name}" when vm.spec.network is empty`),
        );
      else if (!spec.network.interfaces?.some((iface) => iface.name === name))
        errors.push(
          invalid(
            path,
            device,
            `bootable network device "${name}" was not found in vm.Spec.Network.Interfaces`,
          ),
        );
    } else if (device.type === 'Disk') {
      if (!vm.status?.volumes?.some((volume) => volume.name === name))
        errors.push(
          invalid(path, device, `bootable disk device "${name}" was not found in vm.Status.Volumes`),
        );
    } else if (device.type === 'CDRom') {
      if (!spec.hardware?.cdrom?.length)
        errors.push(invalid(path, device, 'no CD-ROM device(s) defined for this VM'));
    } else errors.push(invalid(`${path}.type`, device, `unsupported bootable device type: "${device.type}"`));
  });
  return errors;
}

const NOT_WHEN_POWERED_ON = 'updates to this field is not allowed when VM power is on';

/**
 * vm-operator's `validateCdrom`: a VM with CD-ROMs names its guest (vSphere cannot tell it from a
 * disk image), and each CD-ROM an image of an image kind, no image twice.
 */
function cdromProblems(vm: VirtualMachine): FieldError[] {
  const cdroms = vm.spec?.hardware?.cdrom ?? [];
  if (cdroms.length === 0) return [];
  const errors: FieldError[] = [];
  if (!vm.spec?.guestID)
    errors.push({ ...required('spec.guestID'), message: 'Required value: when deploying a VM with CD-ROMs' });
  const images = new Set<string>();
  cdroms.forEach((cdrom, i) => {
    const path = `spec.hardware.cdrom[${i}].image`;
    if (!IMAGE_KINDS.includes(cdrom.image.kind))
      errors.push(unsupported(`${path}.kind`, cdrom.image.kind, IMAGE_KINDS));
    if (images.has(cdrom.image.name)) errors.push(duplicate(`${path}.name`, cdrom.image.name));
    images.add(cdrom.image.name);
  });
  return errors;
}

const cdromCount = (vm: VirtualMachine): number => vm.spec?.hardware?.cdrom?.length ?? 0;

/** vm-operator's `validateCdromWhenPoweredOn`: a running VM's CD-ROMs may change their connection alone. */
function cdromChangesWhenPoweredOn(vm: VirtualMachine, old: VirtualMachine): FieldError[] {
  const cdroms = vm.spec?.hardware?.cdrom ?? [];
  const before = old.spec?.hardware?.cdrom ?? [];
  if (cdroms.length !== before.length) return [forbidden('spec.hardware.cdrom', NOT_WHEN_POWERED_ON)];
  const errors: FieldError[] = [];
  const imageBefore = new Map(before.map((cdrom) => [cdrom.name, cdrom.image]));
  const names = new Set(cdroms.map((cdrom) => cdrom.name));
  for (const cdrom of before)
    if (!names.has(cdrom.name))
      errors.push(
        forbidden('spec.hardware.cdrom.name', 'removing CD-ROMs is not allowed when VM is powered on'),
      );
  cdroms.forEach((cdrom, i) => {
    const path = `spec.hardware.cdrom[${i}]`;
    if (!imageBefore.has(cdrom.name))
      errors.push(forbidden(`${path}.name`, 'adding new CD-ROMs is not allowed when VM is powered on'));
    else if (!deepEqual(cdrom.image, imageBefore.get(cdrom.name)))
      errors.push(forbidden(`${path}.image`, NOT_WHEN_POWERED_ON));
  });
  return errors;
}

/** Rules a volume is held to besides the general ones, checked with them volume by volume. */
export type VolumeRules = (volume: VirtualMachineVolume, i: number) => FieldError[];

/**
 * `spec.volumes` as vm-operator checks it, in its order: on update, no volume with `removable:
 * false` gone; then each named, uniquely, so that `<vm>-<volume>` (its claim's attachment) is a
 * DNS subdomain, each claim named once, and not read-only, then held to `rules` (VMSharedDisks').
 */
function validateVolumes(vm: VirtualMachine, old?: VirtualMachine, rules?: VolumeRules): FieldError[] {
  const errors = old ? unremovableVolumes(vm, old) : [];
  const names = new Set<string>();
  const claims = new Set<string>();
  (vm.spec?.volumes ?? []).forEach((volume, i) => {
    const path = `spec.volumes[${i}]`;
    if (!volume.name) errors.push(required(`${path}.name`));
    else if (names.has(volume.name)) errors.push(duplicate(`${path}.name`, volume.name));
    else names.add(volume.name);
    if (volume.name)
      for (const problem of dns1123SubdomainProblems(`${vm.metadata.name}-${volume.name}`, 'characters'))
        errors.push(invalid(`${path}.name`, volume.name, problem));
    const claim = volume.persistentVolumeClaim;
    if (claim) {
      const claimPath = `${path}.persistentVolumeClaim`;
      if (claim.claimName) {
        if (claims.has(claim.claimName)) errors.push(duplicate(`${claimPath}.claimName`, claim.claimName));
        claims.add(claim.claimName);
      }
      if (claim.readOnly) errors.push(unsupported(`${claimPath}.readOnly`, true, ['false']));
      if (!claim.claimName) errors.push(required(`${claimPath}.claimName`));
    }
    if (rules) errors.push(...rules(volume, i));
  });
  return errors;
}

/** A volume that says it may not be removed (`removable: false`) stays. */
function unremovableVolumes(vm: VirtualMachine, old: VirtualMachine): FieldError[] {
  const kept = new Set((vm.spec?.volumes ?? []).map((volume) => volume.name));
  const errors: FieldError[] = [];
  (old.spec?.volumes ?? []).forEach((volume, i) => {
    if (volume.removable === false && !kept.has(volume.name))
      errors.push(forbidden(`spec.volumes[${i}]`, 'cannot remove volume with removable=false'));
  });
  return errors;
}

const CLOUD_CONFIG = 'spec.bootstrap.cloudInit.cloudConfig';
const isStrings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** What the API's raw JSON fields of a CloudConfig may hold, in vm-operator's words (and its `runcmds`). */
function validateCloudConfig(config: CloudConfig): FieldError[] {
  const errors: FieldError[] = [];
  const { runcmd } = config;
  if (runcmd != null && !Array.isArray(runcmd))
    errors.push(invalid(`${CLOUD_CONFIG}.runcmds`, JSON.stringify(runcmd), 'value must be a list'));
  else
    (runcmd ?? []).forEach((command: unknown, i: number) => {
      // null reads as an empty string, as Go's JSON reads it.
      if (command !== null && typeof command !== 'string' && !isStrings(command))
        errors.push(
          invalid(
            `${CLOUD_CONFIG}.runcmds[${i}]`,
            JSON.stringify(command),
            'value must be a string or list of strings',
          ),
        );
    });
  for (const file of config.write_files ?? [])
    if (!writeFileContent(file))
      errors.push(
        invalid(
          `${CLOUD_CONFIG}.write_files[${file.path}]`,
          JSON.stringify(file.content),
          'value must be a string, multi-line string, or SecretKeySelector',
        ),
      );
  return errors;
}

function validateBootstrap(vm: VirtualMachine, vcdParity: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const bs = vm.spec?.bootstrap;
  if (!bs) return errors;
  const { cloudInit, linuxPrep, sysprep, vAppConfig } = bs;
  if (cloudInit) {
    if (linuxPrep || sysprep || vAppConfig) {
      errors.push(
        forbidden('spec.bootstrap.cloudInit', 'CloudInit may not be used with any other bootstrap provider'),
      );
    }
    if (cloudInit.cloudConfig && cloudInit.rawCloudConfig) {
      errors.push(
        invalid(
          'spec.bootstrap.cloudInit',
          'cloudInit',
          'cloudConfig and rawCloudConfig are mutually exclusive',
        ),
      );
    }
    if (cloudInit.cloudConfig) errors.push(...validateCloudConfig(cloudInit.cloudConfig));
  }
  if (linuxPrep) {
    if (cloudInit || sysprep)
      errors.push(
        forbidden(
          'spec.bootstrap.linuxPrep',
          'LinuxPrep may not be used with either CloudInit or Sysprep bootstrap providers',
        ),
      );
    // The VCD parity capability's fields: refused without it, a script from one place with it.
    if (vcdParity) errors.push(...scriptTextProblems('spec.bootstrap.linuxPrep', linuxPrep.scriptText));
    else
      for (const field of ['expirePasswordAfterNextLogin', 'password', 'scriptText'] as const)
        if (linuxPrep[field])
          errors.push(forbidden(`spec.bootstrap.linuxPrep.${field}`, VCD_PARITY_NOT_ENABLED));
  }
  if (sysprep) {
    if (cloudInit || linuxPrep) {
      errors.push(
        forbidden(
          'spec.bootstrap.sysprep',
          'Sysprep may not be used with either CloudInit or LinuxPrep bootstrap providers',
        ),
      );
    }
    if (sysprep.sysprep && sysprep.rawSysprep) {
      errors.push(
        invalid('spec.bootstrap.sysprep', 'sysPrep', 'sysprep and rawSysprep are mutually exclusive'),
      );
    } else if (!sysprep.sysprep && !sysprep.rawSysprep) {
      errors.push(
        invalid('spec.bootstrap.sysprep', 'sysPrep', 'either sysprep or rawSysprep must be provided'),
      );
    }
    if (sysprep.sysprep) errors.push(...validateInlineSysprep(vm, sysprep.sysprep, vcdParity));
  }
  if (vAppConfig) errors.push(...vAppConfigProblems(vAppConfig, cloudInit !== undefined));
  return errors;
}

/** vAppConfig alone or beside LinuxPrep or Sysprep; properties or raw ones; each a key, and a value or a Secret's. */
function vAppConfigProblems(
  vAppConfig: VirtualMachineBootstrapVAppConfigSpec,
  withCloudInit: boolean,
): FieldError[] {
  const path = 'spec.bootstrap.vAppConfig';
  const errors: FieldError[] = [];
  if (withCloudInit)
    errors.push(
      forbidden(path, 'vAppConfig may not be used in conjunction with CloudInit bootstrap provider'),
    );
  const properties = vAppConfig.properties ?? [];
  if (properties.length > 0 && vAppConfig.rawProperties)
    errors.push({
      field: path,
      message: 'Invalid value: "vAppConfig": properties and rawProperties are mutually exclusive',
      reason: 'FieldValueTypeInvalid',
    });
  for (const property of properties) {
    if (!property.key)
      errors.push(
        invalid(`${path}.properties.key`, 'key', 'key is a required field in vAppConfig Properties'),
      );
    if (property.value?.from && property.value.value !== undefined)
      errors.push(invalid(`${path}.properties.value`, 'value', 'from and value are mutually exclusive'));
  }
  return errors;
}

const VCD_PARITY_NOT_ENABLED = 'VC guest customization VCD parity capability is not enabled';

/** A script given both inline and from a Secret. */
const scriptTextProblems = (path: string, script: ValueOrSecretKeySelector | undefined): FieldError[] =>
  script?.from && script.value !== undefined
    ? [invalid(`${path}.scriptText.value`, 'value', 'from and value are mutually exclusive')]
    : [];

/** A structured Sysprep's rules: auto logon needs a count and a password; a domain join, its admin. */
function validateInlineSysprep(vm: VirtualMachine, sysprep: Sysprep, vcdParity: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const path = 'spec.bootstrap.sysprep.sysprep';
  const gui = sysprep.guiUnattended;
  if (gui?.autoLogon && !gui.autoLogonCount)
    errors.push(invalid(path, 'guiUnattended', 'autoLogon requires autoLogonCount to be specified'));
  if (gui?.autoLogon && !gui.password?.name)
    errors.push(invalid(path, 'guiUnattended', 'autoLogon requires password selector to be set'));
  const identification = sysprep.identification;
  if (identification) {
    const domainName = vm.spec?.network?.domainName ?? '';
    if (domainName && identification.joinWorkgroup)
      errors.push(
        invalid(path, 'identification', 'spec.network.domainName and joinWorkgroup are mutually exclusive'),
      );
    if (domainName && (!identification.domainAdmin || !identification.domainAdminPassword?.name))
      errors.push(
        invalid(
          path,
          'identification',
          'spec.network.domainName requires domainAdmin and domainAdminPassword selector to be set',
        ),
      );
    if (
      identification.joinWorkgroup &&
      (identification.domainAdmin || identification.domainAdminPassword || identification.domainOU)
    )
      errors.push(
        invalid(
          path,
          'identification',
          'joinWorkgroup and domainAdmin/domainAdminPassword/domainOU are mutually exclusive',
        ),
      );
  }
  // Without the VCD parity capability its fields are refused (at the sysprep bootstrap's path,
  // as vm-operator names them); with it, a script comes from one place.
  if (vcdParity) errors.push(...scriptTextProblems(path, sysprep.scriptText));
  else {
    if (sysprep.expirePasswordAfterNextLogin)
      errors.push(forbidden('spec.bootstrap.sysprep.expirePasswordAfterNextLogin', VCD_PARITY_NOT_ENABLED));
    if (sysprep.scriptText)
      errors.push(forbidden('spec.bootstrap.sysprep.scriptText', VCD_PARITY_NOT_ENABLED));
  }
  return errors;
}

/** vm-operator's host name: an IP address, or an RFC 1123 label (letters of any script and symbols too). */
const HOST_NAME =
  /^(?:[a-zA-Z0-9\p{S}\p{L}]{1,2}|[a-zA-Z0-9\p{S}\p{L}][-a-zA-Z0-9\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])$/u;
/** Its domain name: labels as host names (symbols, letters), a top-level label of ASCII only. */
const DOMAIN_NAME =
  /^(?:(?:[a-zA-Z0-9\p{S}\p{L}]{1,2}|[a-zA-Z0-9\p{S}\p{L}][-a-zA-Z0-9\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])\.)*(?:[a-zA-Z0-9]{2}|[a-zA-Z0-9][-a-zA-Z0-9]{0,61}[a-zA-Z0-9])$/u;
const isHostName = (name: string) => isIp(name) || HOST_NAME.test(name);
const RFC_1123 = 'host name must adhere to RFC-1123';

const isWindows = (vm: VirtualMachine) =>
  (vm.spec?.guestID ?? '').startsWith('win') || vm.spec?.bootstrap?.sysprep !== undefined;

/**
 * vm-operator's host and domain name rules (`ValidateHostAndDomainName`). On an update, a
 * Windows host name already over 15 characters stays allowed.
 */
function validateHostAndDomainName(vm: VirtualMachine, old?: VirtualMachine): FieldError[] {
  const network = vm.spec?.network;
  const { name, field } = hostNameOf(vm);
  if (!isHostName(name)) return [invalid(field, name, RFC_1123)];
  const domainName = network?.domainName ?? '';
  if (domainName && isIp(name))
    return [invalid(field, name, 'host name may not be IP address when domain name is non-empty')];
  if (isWindows(vm) && name.length > 15) {
    const grandfathered = old?.spec?.bootstrap?.sysprep !== undefined && hostNameOf(old).name.length > 15;
    return grandfathered ? [] : [invalid(field, name, 'host name may not exceed 15 characters for Windows')];
  }
  if (domainName && !(domainName.length <= 253 && DOMAIN_NAME.test(domainName)))
    return [invalid('spec.network.domainName', domainName, 'domain name must adhere to RFC-1123')];
  const fqdn = `${name}.${domainName}`;
  if (domainName && fqdn.length > 255)
    return [invalid('spec.network', fqdn, 'host name and domain name combined exceed 255 characters')];
  return [];
}

/** The spellings of a UUID Go's `uuid.Validate` takes: plain, braced, `urn:uuid:`, or 32 hex digits. */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID_FORMS = new RegExp(`^(?:urn:uuid:)?${UUID}$|^\\{${UUID}\\}$|^[0-9a-f]{32}$`, 'i');

const ZONE_KEY = 'topology.kubernetes.io/zone';
const HOSTNAME_KEY = 'kubernetes.io/hostname';
const OPERATOR_LABELS = 'label selector can not contain VM Operator managed labels (vmoperator.vmware.com)';

/**
 * vm-operator's checks of a VM's affinity (its validateVMAffinity, without the
 * VMAffinityDuringExecution capability): a group named, selectors of `In` expressions without its
 * own labels, and the zone as the topology, or the host name as well where DRS may act on it (a
 * preferred anti-affinity, or a required one of a privileged account).
 */
function affinityProblems(vm: VirtualMachine, privileged: boolean): FieldError[] {
  const affinity = vm.spec?.affinity;
  if (!affinity) return [];
  const errors: FieldError[] = [];
  if (!vm.spec?.groupName)
    errors.push({ ...required('spec.groupName'), message: 'Required value: when setting affinity' });
  const terms = (path: string, list: VMAffinityTerm[] | undefined, keys: string[]) =>
    list?.forEach((term, i) => {
      const at = `${path}[${i}]`;
      const selector = term.labelSelector;
      if (Object.keys(selector?.matchLabels ?? {}).some((key) => key.includes(VM_OPERATOR_DOMAIN)))
        errors.push(forbidden(`${at}.labelSelector.matchLabels`, OPERATOR_LABELS));
      selector?.matchExpressions?.forEach((expression, j) => {
        const expressionAt = `${at}.labelSelector.matchExpressions[${j}]`;
        if (expression.operator !== 'In')
          errors.push(unsupported(`${expressionAt}.operator`, expression.operator, ['In']));
        else if (expression.key.includes(VM_OPERATOR_DOMAIN))
          errors.push(forbidden(`${expressionAt}.key`, OPERATOR_LABELS));
      });
      if (!keys.includes(term.topologyKey))
        errors.push(unsupported(`${at}.topologyKey`, term.topologyKey, keys));
    });
  const zone = [ZONE_KEY];
  const zoneOrHost = [ZONE_KEY, HOSTNAME_KEY];
  const { vmAffinity, vmAntiAffinity } = affinity;
  terms(
    'spec.affinity.vmAffinity.requiredDuringSchedulingPreferredDuringExecution',
    vmAffinity?.requiredDuringSchedulingPreferredDuringExecution,
    zone,
  );
  terms(
    'spec.affinity.vmAffinity.preferredDuringSchedulingPreferredDuringExecution',
    vmAffinity?.preferredDuringSchedulingPreferredDuringExecution,
    zone,
  );
  terms(
    'spec.affinity.vmAntiAffinity.requiredDuringSchedulingPreferredDuringExecution',
    vmAntiAffinity?.requiredDuringSchedulingPreferredDuringExecution,
    privileged ? zoneOrHost : zone,
  );
  terms(
    'spec.affinity.vmAntiAffinity.preferredDuringSchedulingPreferredDuringExecution',
    vmAntiAffinity?.preferredDuringSchedulingPreferredDuringExecution,
    zoneOrHost,
  );
  return errors;
}

/**
 * What vm-operator's validating webhook reads from the store, judged by its caller (the
 * simulator's admission, which has the store), each placed where its check runs.
 */
export interface StoreFindings {
  /** Why the zone a new zone label names cannot be used, if it cannot (every zone may by default). */
  readonly zoneProblem?: (zone: string) => string | undefined;
  /** With ImmutableClasses, the class instance's problems (validateClassInstance). */
  readonly classInstance?: readonly FieldError[];
  /** The storage class's (validateStorageClass). */
  readonly storageClass?: readonly FieldError[];
  /** With BYOK, the encryption class's and the storage class's (validateCrypto). */
  readonly crypto?: readonly FieldError[];
}

/**
 * Validates a VirtualMachine being created (after defaulting), by an account `privileged` or
 * not: every check, in vm-operator's order (its ValidateCreate), so that an object with several
 * problems is refused with the same list.
 */
export function validateVirtualMachineCreate(
  vm: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities = {},
  privileged = false,
  volumeRules?: VolumeRules,
  found: StoreFindings = {},
): FieldError[] {
  const errors = zoneProblems(vm, undefined, metadataRules(privileged, found));
  errors.push(
    ...imageOnCreate(vm, capabilities, privileged),
    ...classOnCreate(vm, capabilities, privileged),
    ...(found.classInstance ?? []),
    ...(found.storageClass ?? []),
    ...cryptoSection(vm, capabilities, found.crypto),
    ...validateBootstrap(vm, capabilities.guestCustomizationVCDParity === true),
    ...networkSection(vm),
    ...validateVolumes(vm, undefined, volumeRules),
    ...instanceStorageProblems(vm, undefined, privileged),
    ...readinessProbeProblems(vm),
    ...advancedProblems(vm),
    ...computeConfigProblems(vm),
  );
  if (vm.spec?.powerState === 'Suspended')
    errors.push(invalid('spec.powerState', 'Suspended', "cannot set a new VM's power state to Suspended"));
  if (vm.spec?.nextRestartTime)
    errors.push(invalid('spec.nextRestartTime', vm.spec.nextRestartTime, 'cannot restart VM on create'));
  errors.push(
    ...annotationProblems(vm, undefined, privileged),
    ...pausedLabelProblems(vm, undefined, privileged),
    ...validateHostAndDomainName(vm),
    ...minHardwareVersionProblems(vm),
    ...cdromProblems(vm),
  );
  if (capabilities.vmSharedDisks)
    errors.push(...cdromPlacementProblemsOnCreate(vm.spec?.hardware?.cdrom ?? []));
  errors.push(
    ...checkAnnotationProblems(vm, undefined, privileged),
    ...applyPowerStateTimeProblems(vm),
    ...bootOptionsProblems(vm),
    ...currentSnapshotNameProblems(vm),
    // An affinity is the group's placement to honour: a VM with one names its group.
    ...affinityProblems(vm, privileged),
  );
  const biosUUID = vm.spec?.biosUUID;
  if (biosUUID && !UUID_FORMS.test(biosUUID))
    errors.push(invalid('spec.biosUUID', biosUUID, 'must provide a valid UUID'));
  return errors;
}

const metadataRules = (privileged: boolean, found: StoreFindings): MetadataRules => ({
  privileged,
  zoneProblem: found.zoneProblem ?? (() => undefined),
});

export function immutable(field: string, before: unknown, after: unknown): FieldError[] {
  // Compared as Go's DeepEqual does: by value, whatever the order of the keys.
  return deepEqual(before, after) ? [] : [invalid(field, after ?? '', IMMUTABLE)];
}

const BOOTSTRAP_PROVIDERS = ['cloudInit', 'linuxPrep', 'sysprep'] as const;
const BOOTSTRAP_CHANGED = 'bootstrap provider type cannot be changed';

/** A bootstrap, once set, stays, and so does each of its providers (named by the one dropped). */
function bootstrapProviderChanges(vm: VirtualMachine, old: VirtualMachine): FieldError[] {
  const before = old.spec?.bootstrap;
  if (!before) return [];
  const after = vm.spec?.bootstrap;
  if (!after) return [forbidden('spec.bootstrap', BOOTSTRAP_CHANGED)];
  const dropped = BOOTSTRAP_PROVIDERS.find((provider) => before[provider] && !after[provider]);
  return dropped ? [forbidden(`spec.bootstrap.${dropped}`, BOOTSTRAP_CHANGED)] : [];
}

/**
 * Validates an update of a VirtualMachine (with VMResize, its class may change); `volumeRules`,
 * the VMSharedDisks rules each volume of an upgraded VM is held to. Every check in vm-operator's
 * order (its ValidateUpdate); the spec's, which compare it with the stored one, only when it
 * changed (a spec kept as stored, in a write of the metadata or of the status, passed them before).
 */
export function validateVirtualMachineUpdate(
  vm: VirtualMachine,
  old: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities = {},
  privileged = false,
  volumeRules?: VolumeRules,
  found: StoreFindings = {},
): FieldError[] {
  const changed = vm.spec !== old.spec;
  // Its own account and administrators are not held to the schema upgrade's rules.
  const errors = privileged ? [] : schemaUpgradeProblems(vm, old, capabilities);
  if (changed) errors.push(...immutableFieldProblems(vm, old, capabilities, privileged, found));
  if (changed) errors.push(...powerStateProblems(vm, old, capabilities));
  errors.push(...cryptoSection(vm, capabilities, found.crypto));
  errors.push(...zoneProblems(vm, old, metadataRules(privileged, found)));
  if (changed) {
    errors.push(
      ...bootstrapProviderChanges(vm, old),
      ...validateBootstrap(vm, capabilities.guestCustomizationVCDParity === true),
      ...networkSection(vm),
    );
    // With MutableNetworks, after the network's other checks, as vm-operator's validateNetwork runs it.
    if (capabilities.mutableNetworks)
      errors.push(
        ...macAddressChanges(vm.spec?.network?.interfaces ?? [], old.spec?.network?.interfaces ?? []),
      );
    // The volumes' rules wait for the VM's schema upgrade, as vm-operator's do, and hold no
    // privileged account's write (vm-operator's own, which writes what the upgrade backfills).
    if (!privileged && isUpgraded(old, activatedFeatureVersion(capabilities)))
      errors.push(...validateVolumes(vm, old, volumeRules));
    errors.push(
      ...instanceStorageProblems(vm, old, privileged),
      ...readinessProbeProblems(vm),
      ...advancedProblems(vm),
      ...computeConfigProblems(vm),
    );
  }
  errors.push(...annotationProblems(vm, old, privileged));
  if (changed) errors.push(...minHardwareVersionProblems(vm, old));
  errors.push(...pausedLabelProblems(vm, old, privileged));
  if (changed) errors.push(...validateHostAndDomainName(vm, old), ...hardwareProblems(vm, old, capabilities));
  errors.push(...checkAnnotationProblems(vm, old, privileged), ...applyPowerStateTimeProblems(vm));
  if (changed) errors.push(...bootOptionsProblems(vm, old), ...currentSnapshotNameProblems(vm, old));
  return errors;
}

/** vm-operator's validateImmutableFields: image, class, storage class, UUIDs, policy, network, affinity. */
function immutableFieldProblems(
  vm: VirtualMachine,
  old: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
  privileged: boolean,
  found: StoreFindings,
): FieldError[] {
  const spec = vm.spec ?? {};
  const prev = old.spec ?? {};
  const errors = imageOnUpdate(vm, old, capabilities, privileged);
  errors.push(...classOnUpdate(vm, old, capabilities, privileged), ...(found.classInstance ?? []));
  errors.push(...immutable('spec.storageClass', prev.storageClass, spec.storageClass));
  if (prev.biosUUID) errors.push(...immutable('spec.biosUUID', prev.biosUUID, spec.biosUUID));
  if (prev.instanceUUID) errors.push(...immutable('spec.instanceUUID', prev.instanceUUID, spec.instanceUUID));
  errors.push(
    ...immutable(
      'spec.reserved.resourcePolicyName',
      prev.reserved?.resourcePolicyName,
      spec.reserved?.resourcePolicyName,
    ),
  );
  if (!capabilities.mutableNetworks) errors.push(...immutableNetworkProblems(vm, old));
  if (!deepEqual(spec.affinity, prev.affinity))
    errors.push(forbidden('spec.affinity', 'updating Affinity is not allowed'));
  return errors;
}

/**
 * vm-operator's validatePowerStateOnUpdate: a power state to keep, no suspending a VM that is
 * off, and while on (and not held by a check annotation), no change of what needs it off.
 */
function powerStateProblems(
  vm: VirtualMachine,
  old: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
): FieldError[] {
  const spec = vm.spec ?? {};
  const prev = old.spec ?? {};
  if (spec.powerState === undefined)
    return prev.powerState === undefined
      ? []
      : [invalid('spec.powerState', '', 'cannot set power state to empty string')];
  if (prev.powerState === 'PoweredOff' && spec.powerState === 'Suspended')
    return [invalid('spec.powerState', 'Suspended', 'cannot suspend a VM that is powered off')];
  // A VM whose power-on a check annotation holds is not on yet: it may still change.
  const on = prev.powerState === 'PoweredOn' && !hasAnnotationWithPrefix(old, POWER_ON_CHECK_PREFIX);
  if (!on || spec.powerState !== 'PoweredOn') return [];
  const errors: FieldError[] = [];
  if (spec.guestID !== prev.guestID) errors.push(forbidden('spec.guestID', NOT_WHEN_POWERED_ON));
  errors.push(...cdromChangesWhenPoweredOn(vm, old));
  // Once the VM exists in vSphere (its power state reported), its CD-ROMs stay where they are.
  if (capabilities.vmSharedDisks && old.status?.powerState && cdromCount(vm) === cdromCount(old))
    errors.push(
      ...cdromPlacementChangesWhenPoweredOn(
        spec.hardware?.cdrom ?? [],
        prev.hardware?.cdrom ?? [],
        NOT_WHEN_POWERED_ON,
      ),
    );
  if (!deepEqual(spec.bootOptions, prev.bootOptions))
    errors.push(forbidden('spec.bootOptions', NOT_WHEN_POWERED_ON));
  return errors;
}

/** vm-operator's validateHardware on update: the CD-ROMs, then an upgraded VM's controllers. */
function hardwareProblems(
  vm: VirtualMachine,
  old: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities,
): FieldError[] {
  const spec = vm.spec ?? {};
  const errors = cdromProblems(vm);
  if (capabilities.vmSharedDisks && spec.hardware?.cdrom?.length)
    errors.push(...cdromPlacementProblemsOnUpdate(spec.hardware.cdrom));
  // The controllers' rules, for a VM upgraded (as this write leaves it).
  const features = activatedFeatureVersion(capabilities);
  if (capabilities.vmSharedDisks && isUpgraded(vm, features))
    errors.push(
      ...controllerProblems(spec, old.spec ?? {}, {
        wasOn: old.spec?.powerState === 'PoweredOn',
        wasUpgraded: isUpgraded(old, features),
      }),
    );
  return errors;
}

/**
 * vm-operator's immutable network: no interface added or removed, and each keeps its name,
 * network and MAC address, but a failed-over VM's, whose disaster recovery vendor connects each
 * interface to its test or production network.
 */
function immutableNetworkProblems(vm: VirtualMachine, old: VirtualMachine): FieldError[] {
  const oldIfaces = old.spec?.network?.interfaces ?? [];
  const newIfaces = vm.spec?.network?.interfaces ?? [];
  if (oldIfaces.length !== newIfaces.length)
    return [forbidden('spec.network.interfaces', 'network interfaces cannot be added or removed')];
  if (vm.metadata.annotations?.[FAILED_OVER_VM_ANNOTATION] !== undefined) return [];
  return newIfaces.flatMap((iface, i) => {
    const was = oldIfaces[i];
    const path = `spec.network.interfaces[${i}]`;
    return [
      ...(iface.name !== was?.name ? [forbidden(`${path}.name`, IMMUTABLE)] : []),
      ...(deepEqual(iface.network, was?.network) ? [] : [forbidden(`${path}.network`, IMMUTABLE)]),
      ...immutable(`${path}.macAddr`, was?.macAddr, iface.macAddr),
    ];
  });
}

/**
 * With MutableNetworks, interfaces come and go and change networks; only an interface that
 * stays, by name and network, keeps its MAC address (vm-operator's best effort).
 */
function macAddressChanges(
  interfaces: readonly VirtualMachineNetworkInterfaceSpec[],
  before: readonly VirtualMachineNetworkInterfaceSpec[],
): FieldError[] {
  const keyOf = (iface: VirtualMachineNetworkInterfaceSpec) =>
    `${iface.name}::${iface.network?.name ?? ''}::${iface.network?.kind ?? ''}`;
  const macs = new Map(
    before.filter((iface) => iface.network).map((iface) => [keyOf(iface), iface.macAddr ?? '']),
  );
  return interfaces.flatMap((iface, i) => {
    const was = iface.network ? macs.get(keyOf(iface)) : undefined;
    return was === undefined || (iface.macAddr ?? '') === was
      ? []
      : [invalid(`spec.network.interfaces[${i}].macAddr`, iface.macAddr ?? '', IMMUTABLE)];
  });
}

/** The newest hardware version vm-operator's govmomi knows (`MaxValidHardwareVersion`, vmx-22). */
export const MAX_VALID_HARDWARE_VERSION = 22;

/**
 * vm-operator's rules for `spec.minHardwareVersion`: at most the newest version it knows; on
 * update, never lowered, and raised only when the VM is, or is to be, powered off.
 */
function minHardwareVersionProblems(vm: VirtualMachine, old?: VirtualMachine): FieldError[] {
  const path = 'spec.minHardwareVersion';
  const wanted = vm.spec?.minHardwareVersion ?? 0;
  const errors: FieldError[] = [];
  if (wanted > MAX_VALID_HARDWARE_VERSION)
    errors.push(invalid(path, wanted, `should be less than or equal to ${MAX_VALID_HARDWARE_VERSION}`));
  if (!old) return errors;
  const was = old.spec?.minHardwareVersion ?? 0;
  if (wanted < was) errors.push(invalid(path, wanted, 'cannot downgrade hardware version'));
  if (wanted > was && old.spec?.powerState !== 'PoweredOff' && vm.spec?.powerState !== 'PoweredOff')
    errors.push(invalid(path, wanted, 'cannot upgrade hardware version unless powered off'));
  return errors;
}
