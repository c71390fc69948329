/**
 * VirtualMachineReplicaSet admission as vm-operator's webhooks do it: on create and update the
 * selector must parse and select the template's labels (a set without one selects nothing), and
 * the template's labels and annotations must be valid; `spec.replicas` defaults to 1.
 */
import { isKubeError } from '../store/errors.js';
import { annotationProblems, labelProblems } from '../store/meta.js';
import { LabelMatcher, labelSelectorMatcher } from '../store/selectors.js';
import type { VirtualMachineReplicaSet } from './types.js';
import { type FieldError, invalid } from './validation.js';

/** The label vm-operator gives a replica set's VMs: the set's name (see replicaSetLabelValue). */
export const REPLICA_SET_NAME_LABEL = 'vmoperator.vmware.com/replicaset-name';

/** A selector as Go's labels.Selector prints it: its requirements sorted by key. */
export function selectorString(matcher: LabelMatcher): string {
  const words = matcher.requirements.map((r) => {
    switch (r.op) {
      case 'exists':
        return r.key;
      case 'notexists':
        return `!${r.key}`;
      case 'in':
      case 'notin':
        return r.values.length === 1 && r.op === 'in'
          ? `${r.key}=${r.values[0]}`
          : `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
      default:
        return `${r.key}${r.op === 'gt' ? '>' : '<'}${r.value}`;
    }
  });
  return words.sort().join(',');
}

/** What a set without a selector has: a selector of nothing (its requirements print as ""). */
const NOTHING = new LabelMatcher([]);

/** The set's selector as a matcher, or why it is none. */
export function selectorOf(set: VirtualMachineReplicaSet): LabelMatcher | { problem: string } {
  try {
    return labelSelectorMatcher(set.spec?.selector ?? {});
  } catch (error) {
    if (!isKubeError(error)) throw error;
    return { problem: error.message };
  }
}

export function validateReplicaSet(set: VirtualMachineReplicaSet): FieldError[] {
  const errors: FieldError[] = [];
  const labels = set.spec?.template?.metadata?.labels;
  // Go's selector of no selector selects nothing, and prints as nothing.
  const selector = set.spec?.selector ? selectorOf(set) : NOTHING;
  if ('problem' in selector)
    errors.push(invalid('spec.selector', set.spec?.selector ?? null, selector.problem));
  else if (selector === NOTHING || !selector.matches(labels))
    errors.push(
      invalid(
        'spec.template.metadata.labels',
        labels ?? null,
        `must match spec.selector ${JSON.stringify(selectorString(selector))}`,
      ),
    );
  const metadata = set.spec?.template?.metadata;
  for (const [field, message] of [
    ...labelProblems(metadata?.labels),
    ...annotationProblems(metadata?.annotations),
  ])
    errors.push({ field: `spec.template.${field}`, message, reason: 'FieldValueInvalid' });
  return errors;
}
