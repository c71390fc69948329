/**
 * A v1alpha1 VirtualMachine's own schema, checked on the object as written, in v1alpha1's
 * spelling: its required class and image names and its enums. The other kinds' and versions'
 * schemas are the CRDs' own (see store/schema-constraints.ts), held to the storage version's.
 */
import type { FieldCause } from '../store/errors.js';
import type { KubeObject } from '../store/meta.js';
import { required, unsupported } from './validation.js';

const V1ALPHA1_POWER_OP_MODES = ['hard', 'soft', 'trySoft'];
const V1ALPHA1_ENUMS: Readonly<Record<string, readonly string[]>> = {
  powerOffMode: V1ALPHA1_POWER_OP_MODES,
  powerState: ['poweredOn', 'poweredOff', 'suspended'],
  restartMode: V1ALPHA1_POWER_OP_MODES,
  suspendMode: V1ALPHA1_POWER_OP_MODES,
};
const V1ALPHA1_TRANSPORTS = ['ExtraConfig', 'OvfEnv', 'vAppConfig', 'CloudInit', 'Sysprep'];

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
