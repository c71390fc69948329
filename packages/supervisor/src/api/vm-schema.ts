/**
 * The VirtualMachine and VirtualMachineGroup CRD schemas' rules beyond the types of their values,
 * as the API server applies them before the validating webhook (422 Invalid, with causes): the
 * enums of the power state, the power operations' modes, `promoteDisksMode`, the boot options,
 * `defaultVolumeProvisioningMode` and a group member's kind, in the schema's order, the lowest
 * `minHardwareVersion` (13) and `bootDiskCapacity`'s quantity pattern; a
 * VirtualMachineReplicaSet's template is held to the VM's. The rules are v1alpha6's, applied to a
 * write of any version.
 */
import type { FieldCause } from '../store/errors.js';
import { isPlainObject, type KubeObject } from '../store/meta.js';
import { CDROM_CONTROLLER_LIMITS, CDROM_CONTROLLER_TYPES } from './cdrom-placement.js';
import type { VirtualMachineGroupSpec, VirtualMachineSpec } from './types.js';
import { invalid, required, unsupported } from './validation.js';
import { tooMany } from './vm-service-schema.js';

const ENUMS = {
  powerState: ['PoweredOff', 'PoweredOn', 'Suspended'],
  powerOffMode: ['Hard', 'Soft', 'TrySoft'],
  suspendMode: ['Hard', 'Soft', 'TrySoft'],
  restartMode: ['Hard', 'Soft', 'TrySoft'],
  promoteDisksMode: ['Online', 'Offline', 'Disabled'],
} as const;
const ENUM_FIELDS = Object.keys(ENUMS) as (keyof typeof ENUMS)[];
const GROUP_ENUM_FIELDS = ['powerState', 'powerOffMode', 'suspendMode'] as const;
const MEMBER_KINDS = ['VirtualMachine', 'VirtualMachineGroup'];

/** The values of `fields` of a spec (at `at`) outside their enums. */
function enumProblems(
  spec: Record<string, unknown>,
  fields: readonly (keyof typeof ENUMS)[],
  at = 'spec',
): FieldCause[] {
  const problems: FieldCause[] = [];
  for (const field of fields) {
    const value = spec[field];
    const allowed: readonly string[] = ENUMS[field];
    if (value !== undefined && !allowed.includes(value as string))
      problems.push(unsupported(`${at}.${field}`, value, [...allowed]));
  }
  return problems;
}

const MIN_HARDWARE_VERSION = 13;

const BOOT_OPTION_ENUMS: Readonly<Record<string, readonly string[]>> = {
  efiSecureBoot: ['Enabled', 'Disabled'],
  firmware: ['bios', 'efi'],
  networkBootProtocol: ['IP4', 'IP6'],
};
const BOOTABLE_DEVICE_TYPES = ['Disk', 'Network', 'CDRom'];
const PROVISIONING_MODES = ['Thin', 'Thick', 'ThickEagerZero'];

/** `spec.bootOptions` (an object, by its structure) against its enums and the bootable devices' required type. */
function bootOptionsProblems(options: Record<string, unknown>, at: string): FieldCause[] {
  const problems: FieldCause[] = [];
  for (const [field, allowed] of Object.entries(BOOT_OPTION_ENUMS)) {
    const value = options[field];
    if (value !== undefined && !allowed.includes(value as string))
      problems.push(unsupported(`${at}.${field}`, value, [...allowed]));
  }
  const order = options.bootOrder as { type?: unknown }[] | undefined;
  order?.forEach((device, i) => {
    const path = `${at}.bootOrder[${i}].type`;
    if (device.type === undefined) problems.push(required(path));
    else if (!BOOTABLE_DEVICE_TYPES.includes(device.type as string))
      problems.push(unsupported(path, device.type, BOOTABLE_DEVICE_TYPES));
  });
  return problems;
}

/** `spec.advanced`: the provisioning mode's enum (the boot disk's capacity is typed by the schema's shape). */
function advancedProblems(advanced: Record<string, unknown>, at: string): FieldCause[] {
  const mode = advanced.defaultVolumeProvisioningMode;
  return mode !== undefined && !PROVISIONING_MODES.includes(mode as string)
    ? [unsupported(`${at}.defaultVolumeProvisioningMode`, mode, PROVISIONING_MODES)]
    : [];
}

const CDROM_NAME = /^[a-z0-9]{2,}$/;

/** The schema of each controller list: how many (on buses 0 to one fewer), their enums. */
const CONTROLLER_LISTS: Readonly<
  Record<string, { buses: number; enums: Readonly<Record<string, readonly string[]>> }>
> = {
  ideControllers: { buses: CDROM_CONTROLLER_LIMITS.IDE.buses, enums: {} },
  nvmeControllers: { buses: 4, enums: { sharingMode: ['None', 'Physical'] } },
  sataControllers: { buses: CDROM_CONTROLLER_LIMITS.SATA.buses, enums: {} },
  scsiControllers: {
    buses: 4,
    enums: {
      sharingMode: ['None', 'Physical', 'Virtual'],
      type: ['ParaVirtual', 'BusLogic', 'LsiLogic', 'LsiLogicSAS'],
    },
  },
};

/** A list-map's key given twice, as the API server names the duplicate entry. */
const duplicateKey = (field: string, key: string, value: unknown): FieldCause => ({
  field,
  message: `Duplicate value: map[string]interface {}{${JSON.stringify(key)}:${JSON.stringify(value)}}`,
  reason: 'FieldValueDuplicate',
});

/** `spec.hardware`'s controller lists (each a list-map by bus number), against their schema. */
function controllerProblems(hardware: Record<string, unknown>, at: string): FieldCause[] {
  const problems: FieldCause[] = [];
  for (const [list, rules] of Object.entries(CONTROLLER_LISTS)) {
    const controllers = hardware[list] as Record<string, unknown>[] | undefined;
    if (!controllers) continue;
    const path = `${at}.${list}`;
    if (controllers.length > rules.buses) problems.push(tooMany(path, controllers.length, rules.buses));
    const lastBus = rules.buses - 1;
    const buses = new Set<unknown>();
    controllers.forEach((controller, i) => {
      const bus = controller.busNumber;
      const busPath = `${path}[${i}].busNumber`;
      if (bus === undefined) problems.push(required(busPath));
      else if (typeof bus === 'number' && bus < 0)
        problems.push(invalid(busPath, bus, `${busPath} in body should be greater than or equal to 0`));
      else if (typeof bus === 'number' && bus > lastBus)
        problems.push(invalid(busPath, bus, `${busPath} in body should be less than or equal to ${lastBus}`));
      if (bus !== undefined && buses.has(bus)) problems.push(duplicateKey(`${path}[${i}]`, 'busNumber', bus));
      buses.add(bus);
      for (const [field, allowed] of Object.entries(rules.enums)) {
        const value = controller[field];
        if (value !== undefined && !allowed.includes(value as string))
          problems.push(unsupported(`${path}[${i}].${field}`, value, [...allowed]));
      }
    });
  }
  return problems;
}

/** `spec.hardware.cdrom` (a list of objects, by its structure): each named by the schema's pattern, with an image of a kind and name. */
function cdromProblems(cdroms: Record<string, unknown>[], at: string): FieldCause[] {
  const problems: FieldCause[] = [];
  const names = new Set<string>();
  cdroms.forEach((cdrom, i) => {
    const path = `${at}[${i}]`;
    const { name, image, controllerType } = cdrom as {
      name?: string;
      image?: { kind?: string; name?: string };
      controllerType?: string;
    };
    if (name === undefined) problems.push(required(`${path}.name`));
    else if (!CDROM_NAME.test(name))
      problems.push(invalid(`${path}.name`, name, `${path}.name in body should match '^[a-z0-9]{2,}$'`));
    if (name !== undefined && names.has(name)) problems.push(duplicateKey(path, 'name', name));
    if (name !== undefined) names.add(name);
    if (
      controllerType !== undefined &&
      !(CDROM_CONTROLLER_TYPES as readonly string[]).includes(controllerType)
    )
      problems.push(unsupported(`${path}.controllerType`, controllerType, [...CDROM_CONTROLLER_TYPES]));
    // The image's kind is defaulted by vm-operator's mutating webhook, which runs before the
    // API server holds the object to its schema; the validating webhook refuses one left empty.
    if (image === undefined) problems.push(required(`${path}.image`));
    else if (image.name === undefined) problems.push(required(`${path}.image.name`));
  });
  return problems;
}

/** A VM's spec, at `at` in the object written, against the VM schema's rules. */
function vmSpecProblems(spec: Partial<Record<keyof VirtualMachineSpec, unknown>>, at: string): FieldCause[] {
  const problems = enumProblems(spec, ENUM_FIELDS, at);
  const version = spec.minHardwareVersion;
  const path = `${at}.minHardwareVersion`;
  if (typeof version === 'number' && version < MIN_HARDWARE_VERSION)
    problems.push(
      invalid(path, version, `${path} in body should be greater than or equal to ${MIN_HARDWARE_VERSION}`),
    );
  if (isPlainObject(spec.bootOptions))
    problems.push(...bootOptionsProblems(spec.bootOptions, `${at}.bootOptions`));
  if (isPlainObject(spec.advanced)) problems.push(...advancedProblems(spec.advanced, `${at}.advanced`));
  if (isPlainObject(spec.hardware)) {
    const cdroms = spec.hardware.cdrom as Record<string, unknown>[] | undefined;
    if (cdroms) problems.push(...cdromProblems(cdroms, `${at}.hardware.cdrom`));
    problems.push(...controllerProblems(spec.hardware, `${at}.hardware`));
  }
  return problems;
}

export function vmSchemaProblems(object: KubeObject): FieldCause[] {
  const spec = object.spec as Partial<Record<keyof VirtualMachineSpec, unknown>> | undefined;
  return spec === undefined ? [] : vmSpecProblems(spec, 'spec');
}

const V1ALPHA1_POWER_OP_MODES = ['hard', 'soft', 'trySoft'];
const V1ALPHA1_ENUMS: Readonly<Record<string, readonly string[]>> = {
  powerOffMode: V1ALPHA1_POWER_OP_MODES,
  powerState: ['poweredOn', 'poweredOff', 'suspended'],
  restartMode: V1ALPHA1_POWER_OP_MODES,
  suspendMode: V1ALPHA1_POWER_OP_MODES,
};
const V1ALPHA1_TRANSPORTS = ['ExtraConfig', 'OvfEnv', 'vAppConfig', 'CloudInit', 'Sysprep'];

/**
 * A v1alpha1 VirtualMachine's own schema, checked on the object as written: its required class
 * and image names, and its enums, in v1alpha1's spelling.
 */
export function v1alpha1VmSchemaProblems(object: KubeObject): FieldCause[] {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (spec === undefined) return [];
  const problems: FieldCause[] = [];
  for (const field of ['className', 'imageName'])
    if (spec[field] === undefined) problems.push(required(`spec.${field}`));
  for (const [field, allowed] of Object.entries(V1ALPHA1_ENUMS)) {
    const value = spec[field];
    if (value !== undefined && !allowed.includes(value as string))
      problems.push(unsupported(`spec.${field}`, value, [...allowed]));
  }
  const transport = (spec.vmMetadata as { transport?: unknown } | undefined)?.transport;
  if (transport !== undefined && !V1ALPHA1_TRANSPORTS.includes(transport as string))
    problems.push(unsupported('spec.vmMetadata.transport', transport, V1ALPHA1_TRANSPORTS));
  return problems;
}

/** A replica set's template: the VM spec its VMs are made of, held to the same rules when written. */
export function vmReplicaSetSchemaProblems(object: KubeObject): FieldCause[] {
  const template = (object.spec as { template?: { spec?: unknown } } | undefined)?.template;
  return isPlainObject(template?.spec) ? vmSpecProblems(template.spec, 'spec.template.spec') : [];
}

export function vmGroupSchemaProblems(object: KubeObject): FieldCause[] {
  const spec = object.spec as VirtualMachineGroupSpec | undefined;
  if (spec === undefined) return [];
  const problems = enumProblems(spec as Record<string, unknown>, GROUP_ENUM_FIELDS);
  spec.bootOrder?.forEach((order, i) => {
    // A list-map keyed by kind and name: a member listed twice in one boot order group is refused.
    const seen = new Set<string>();
    order.members?.forEach((member, j) => {
      const path = `spec.bootOrder[${i}].members[${j}]`;
      if (member.kind !== undefined && !MEMBER_KINDS.includes(member.kind))
        problems.push(unsupported(`${path}.kind`, member.kind, MEMBER_KINDS));
      if (member.name === undefined) problems.push(required(`${path}.name`));
      const key = `${member.kind ?? 'VirtualMachine'}\0${member.name}`;
      if (seen.has(key))
        problems.push({
          field: path,
          message: `Duplicate value: map[string]interface {}{"kind":${JSON.stringify(member.kind ?? 'VirtualMachine')}, "name":${JSON.stringify(member.name)}}`,
          reason: 'FieldValueDuplicate',
        });
      seen.add(key);
    });
  });
  return problems;
}
