/**
 * VirtualMachineClass validation as vm-operator's validating webhook does it: on create, a
 * request of CPU or memory no larger than its limit; an update is not checked at all.
 */

import { parseQuantity, type Quantity, wholeUnits } from '../store/quantity.js';
import type { VirtualMachineClass, VirtualMachineResourceSpec } from './types.js';
import { type FieldError, invalid } from './validation.js';

const ZERO: Quantity = { nanos: 0n, text: '0' };

/**
 * A quantity as the webhook decodes it; absent is zero. Undefined when it does not parse, which
 * the CRD's schema would have refused before the webhook.
 */
const quantityOf = (value: string | number | undefined): Quantity | undefined =>
  value === undefined || value === null ? ZERO : parseQuantity(String(value));

const RESOURCES: readonly (readonly [keyof VirtualMachineResourceSpec, string])[] = [
  ['cpu', 'CPU request must not be larger than the CPU limit'],
  ['memory', 'memory request must not be larger than the memory limit'],
];

/** Validates a VirtualMachineClass being created: a zero (or unset) request or limit bounds nothing. */
export function validateVirtualMachineClassCreate(vmClass: VirtualMachineClass): FieldError[] {
  const resources = vmClass.spec?.policies?.resources;
  return RESOURCES.flatMap(([resource, detail]) => {
    const request = quantityOf(resources?.requests?.[resource]);
    const limit = quantityOf(resources?.limits?.[resource]);
    if (!request || !limit || request.nanos === 0n || limit.nanos === 0n) return [];
    // Compared as Go's Value() reads them: whole units, rounded up.
    if (wholeUnits(request.nanos) <= wholeUnits(limit.nanos)) return [];
    return [invalid(`spec.policies.resources.requests.${resource}`, request.text, detail)];
  });
}

/** Validates an update of a VirtualMachineClass: vm-operator's webhook lets every one through. */
export function validateVirtualMachineClassUpdate(
  _vmClass: VirtualMachineClass,
  _old: VirtualMachineClass,
): FieldError[] {
  return [];
}
