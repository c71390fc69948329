/**
 * The VirtualMachineService CRD schema's CEL rules on the spec (the last a transition rule, on
 * update only), which the API server runs after the rest of the schema: a rule's failure is
 * reported on `spec`, in the API server's words.
 *
 * The rules are v1alpha6's, applied to a write of any version: the older versions have no IP
 * families to judge, but for those a v1alpha5 write brings back from its conversion annotation.
 */
import type { FieldCause } from '../store/errors.js';
import type { KubeObject } from '../store/meta.js';
import type { VirtualMachineServiceSpec } from './types.js';
import { type FieldError, invalid } from './validation.js';

type Spec = Partial<VirtualMachineServiceSpec>;

/** A CEL rule of the spec: the message it fails with when `holds` is false. */
const rule = (holds: boolean, message: string): FieldError[] =>
  holds ? [] : [invalid('spec', 'object', message)];

/** `has(x)` and `size(x) > 0` for a list that may be absent. */
const familiesOf = (spec: Spec | undefined): readonly string[] => spec?.ipFamilies ?? [];

export function vmServiceSchemaProblems(object: KubeObject, old: KubeObject | undefined): FieldCause[] {
  const spec = object.spec as Spec | undefined;
  if (spec === undefined) return [];
  const families = familiesOf(spec);
  const problems: FieldCause[] = [];
  const external = spec.type === 'ExternalName';
  problems.push(
    ...rule(
      !external || (families.length === 0 && spec.ipFamilyPolicy === undefined),
      'ipFamilies and ipFamilyPolicy may not be set when type is ExternalName',
    ),
    ...rule(
      families.length < 2 || families[0] !== families[1],
      'ipFamilies must not contain duplicate entries',
    ),
    ...rule(
      families.every((f) => f === 'IPv4' || f === 'IPv6'),
      'each ipFamilies entry must be IPv4 or IPv6',
    ),
  );
  if (old !== undefined) {
    const was = familiesOf(old.spec as Spec | undefined);
    problems.push(
      ...rule(
        external || was.length === 0 || families[0] === was[0],
        'the primary IP family may not be changed or removed once set',
      ),
    );
  }
  return problems;
}
