/**
 * The VirtualMachine and VirtualMachineGroup CRD schemas' rules beyond the types of their values,
 * as the API server applies them before the validating webhook (422 Invalid, with causes): the
 * enums of the power state, the power operations' modes, `promoteDisksMode` and a group member's
 * kind, in the schema's order, and the lowest `minHardwareVersion` (13); a
 * VirtualMachineReplicaSet's template is held to the VM's. The rules are v1alpha6's, applied to a
 * write of any version.
 */
import type { FieldCause } from '../store/errors.js';
import { isPlainObject, type KubeObject } from '../store/meta.js';
import type { VirtualMachineGroupSpec, VirtualMachineSpec } from './types.js';
import { invalid, required, unsupported } from './validation.js';

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

/** A VM's spec, at `at` in the object written, against the VM schema's rules. */
function vmSpecProblems(spec: Partial<Record<keyof VirtualMachineSpec, unknown>>, at: string): FieldCause[] {
  const problems = enumProblems(spec, ENUM_FIELDS, at);
  const version = spec.minHardwareVersion;
  const path = `${at}.minHardwareVersion`;
  if (typeof version === 'number' && version < MIN_HARDWARE_VERSION)
    problems.push(
      invalid(path, version, `${path} in body should be greater than or equal to ${MIN_HARDWARE_VERSION}`),
    );
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

/** The schema's default of a group member's kind: a VirtualMachine. */
export function vmGroupSchemaDefaults(object: KubeObject): void {
  for (const order of (object.spec as VirtualMachineGroupSpec | undefined)?.bootOrder ?? [])
    for (const member of order.members ?? []) member.kind ??= 'VirtualMachine';
}
