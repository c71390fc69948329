/**
 * The VirtualMachineService CRD schema's rules beyond the types of its values, as the API server
 * applies them before the validating webhook: `spec.type` and each port's fields required, the
 * `ipFamilyPolicy` enum, at most two `ipFamilies`, and the schema's CEL rules on the spec (the
 * last a transition rule, on update only). A rule's failure is reported on `spec`, in the API
 * server's words; as the API server, no rule runs when one of the others failed.
 *
 * The rules are v1alpha6's, applied to a write of any version: the older versions have no IP
 * families to judge, but for those a v1alpha5 write brings back from its conversion annotation.
 */
import type { FieldCause } from '../store/errors.js';
import type { KubeObject } from '../store/meta.js';
import type { VirtualMachineServiceSpec } from './types.js';
import { type FieldError, invalid, required, unsupported } from './validation.js';

const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
const MAX_IP_FAMILIES = 2;
const PORT_FIELDS = ['name', 'protocol', 'port', 'targetPort'] as const;

type Spec = Partial<VirtualMachineServiceSpec>;

export const tooMany = (field: string, count: number, max: number): FieldCause => ({
  field,
  message: `Too many: ${count}: must have at most ${max} items`,
  reason: 'FieldValueTooMany',
});

/** What the API server adds, in place of the CEL rules' verdicts, to an object already invalid. */
const RULES_NOT_CHECKED: FieldCause = {
  field: '<nil>',
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  reason: 'FieldValueInvalid',
};

/** A CEL rule of the spec: the message it fails with when `holds` is false. */
const rule = (holds: boolean, message: string): FieldError[] =>
  holds ? [] : [invalid('spec', 'object', message)];

/** `has(x)` and `size(x) > 0` for a list that may be absent. */
const familiesOf = (spec: Spec | undefined): readonly string[] => spec?.ipFamilies ?? [];

export function vmServiceSchemaProblems(object: KubeObject, old: KubeObject | undefined): FieldCause[] {
  const spec = object.spec as Spec | undefined;
  if (spec === undefined) return [];
  const problems: FieldCause[] = [];
  if (spec.type === undefined) problems.push(required('spec.type'));
  (spec.ports ?? []).forEach((port, i) => {
    for (const field of PORT_FIELDS)
      if (port[field] === undefined) problems.push(required(`spec.ports[${i}].${field}`));
  });
  const families = familiesOf(spec);
  if (families.length > MAX_IP_FAMILIES)
    problems.push(tooMany('spec.ipFamilies', families.length, MAX_IP_FAMILIES));
  if (spec.ipFamilyPolicy !== undefined && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy))
    problems.push(unsupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  if (problems.length > 0) return [...problems, RULES_NOT_CHECKED];
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
