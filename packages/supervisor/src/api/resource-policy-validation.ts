/**
 * VirtualMachineSetResourcePolicy validation as vm-operator's validating webhook does it:
 * reservations within their limits on create, and a spec that never changes after.
 */

import { deepEqual } from '../store/meta.js';
import { parseQuantity, type Quantity, wholeUnits } from '../store/quantity.js';
import type {
  ResourcePoolSpec,
  VirtualMachineResourceSpec,
  VirtualMachineSetResourcePolicy,
  VirtualMachineSetResourcePolicySpec,
} from './types.js';
import { duplicate, type FieldError, IMMUTABLE, invalid } from './validation.js';

const ZERO: Quantity = { nanos: 0n, text: '0' };

/**
 * A quantity as the webhook decodes it; absent is zero. Undefined when it does not parse, which
 * the CRD's schema would have refused before the webhook.
 */
const quantityOf = (text: string | undefined): Quantity | undefined =>
  text === undefined ? ZERO : parseQuantity(text);

/* The webhook. */

const RESOURCES = ['cpu', 'memory'] as const;

/** A reservation above its limit; an unset (zero) reservation or limit bounds nothing. */
function reservationOverLimit(pool: ResourcePoolSpec | undefined): FieldError[] {
  return RESOURCES.flatMap((resource) => {
    const reservation = quantityOf(pool?.reservations?.[resource]);
    const limit = quantityOf(pool?.limits?.[resource]);
    if (!reservation || !limit || reservation.nanos === 0n || limit.nanos === 0n) return [];
    if (wholeUnits(reservation.nanos) <= wholeUnits(limit.nanos)) return [];
    return [
      invalid(
        `spec.resourcePool.reservations.${resource}`,
        reservation.text,
        'reservation value cannot exceed the limit value',
      ),
    ];
  });
}

/** Validates a VirtualMachineSetResourcePolicy being created. */
export function validateResourcePolicyCreate(policy: VirtualMachineSetResourcePolicy): FieldError[] {
  const spec: VirtualMachineSetResourcePolicySpec = policy.spec ?? {};
  const errors = reservationOverLimit(spec.resourcePool);
  const groups = new Set<string>();
  (spec.clusterModuleGroups ?? []).forEach((group, i) => {
    // vm-operator's path names the list again after the index.
    if (groups.has(group))
      errors.push(duplicate(`spec.clusterModuleGroups[${i}].clusterModuleGroups`, group));
    groups.add(group);
  });
  return errors;
}

/** Quantities compare by value (`1Gi` is `1024Mi`); one that does not parse, by its text. */
function sameQuantity(before: string | undefined, after: string | undefined): boolean {
  const a = quantityOf(before);
  const b = quantityOf(after);
  return a && b ? a.nanos === b.nanos : before === after;
}

function sameResourcePool(
  before: ResourcePoolSpec | undefined,
  after: ResourcePoolSpec | undefined,
): boolean {
  return (
    (before?.name ?? '') === (after?.name ?? '') &&
    RESOURCES.every(
      (resource) =>
        sameQuantity(before?.reservations?.[resource], after?.reservations?.[resource]) &&
        sameQuantity(before?.limits?.[resource], after?.limits?.[resource]),
    )
  );
}

/** The pool as Go's encoding/json writes it into the message: an empty name left out, every quantity in. */
function resourcePoolAsGoWritesIt(pool: ResourcePoolSpec | undefined): object {
  const resources = (spec: VirtualMachineResourceSpec | undefined) => ({
    cpu: quantityOf(spec?.cpu)?.text ?? spec?.cpu,
    memory: quantityOf(spec?.memory)?.text ?? spec?.memory,
  });
  return {
    ...(pool?.name ? { name: pool.name } : {}),
    reservations: resources(pool?.reservations),
    limits: resources(pool?.limits),
  };
}

/** Validates an update of a VirtualMachineSetResourcePolicy: the whole spec is immutable, and nothing else is checked. */
export function validateResourcePolicyUpdate(
  policy: VirtualMachineSetResourcePolicy,
  old: VirtualMachineSetResourcePolicy,
): FieldError[] {
  const spec: VirtualMachineSetResourcePolicySpec = policy.spec ?? {};
  const prev: VirtualMachineSetResourcePolicySpec = old.spec ?? {};
  const errors: FieldError[] = [];
  if (!sameResourcePool(prev.resourcePool, spec.resourcePool))
    errors.push(invalid('spec.resourcePool', resourcePoolAsGoWritesIt(spec.resourcePool), IMMUTABLE));
  if ((spec.folder ?? '') !== (prev.folder ?? ''))
    errors.push(invalid('spec.folder', spec.folder ?? '', IMMUTABLE));
  // An absent list and an empty one are the same to Go's semantic equality.
  if (!deepEqual(prev.clusterModuleGroups ?? [], spec.clusterModuleGroups ?? []))
    errors.push(invalid('spec.clusterModuleGroups', spec.clusterModuleGroups ?? null, IMMUTABLE));
  return errors;
}
