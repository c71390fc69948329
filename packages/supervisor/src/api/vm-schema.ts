/**
 * The VirtualMachine CRD schema's rules beyond the types of its values, as the API server
 * applies them before the validating webhook (422 Invalid, with causes): the enums of the power
 * state, the power operations' modes and `promoteDisksMode`, in the schema's order, and the
 * lowest `minHardwareVersion` (13). The rules are v1alpha6's, applied to a write of any version.
 */
import type { FieldCause } from '../store/errors.js';
import type { KubeObject } from '../store/meta.js';
import type { VirtualMachineSpec } from './types.js';
import { invalid, unsupported } from './validation.js';

const ENUMS = {
  powerState: ['PoweredOff', 'PoweredOn', 'Suspended'],
  powerOffMode: ['Hard', 'Soft', 'TrySoft'],
  suspendMode: ['Hard', 'Soft', 'TrySoft'],
  restartMode: ['Hard', 'Soft', 'TrySoft'],
  promoteDisksMode: ['Online', 'Offline', 'Disabled'],
} as const;
const ENUM_FIELDS = Object.keys(ENUMS) as (keyof typeof ENUMS)[];

const MIN_HARDWARE_VERSION = 13;

export function vmSchemaProblems(object: KubeObject): FieldCause[] {
  const spec = object.spec as Partial<Record<keyof VirtualMachineSpec, unknown>> | undefined;
  if (spec === undefined) return [];
  const problems: FieldCause[] = [];
  for (const field of ENUM_FIELDS) {
    const value = spec[field];
    const allowed: readonly string[] = ENUMS[field];
    if (value !== undefined && !allowed.includes(value as string))
      problems.push(unsupported(`spec.${field}`, value, [...allowed]));
  }
  const version = spec.minHardwareVersion;
  if (typeof version === 'number' && version < MIN_HARDWARE_VERSION)
    problems.push(
      invalid(
        'spec.minHardwareVersion',
        version,
        `spec.minHardwareVersion in body should be greater than or equal to ${MIN_HARDWARE_VERSION}`,
      ),
    );
  return problems;
}
