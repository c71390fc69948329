/**
 * vm-operator's VM resize (its VMResize capability): the class a VM was last sized to is kept in
 * the annotation `vmoperator.vmware.com/last-resized-vm-class` (its name, uid and generation, as
 * JSON). A VM needs a resize when its `spec.className` names another class, or, with the
 * `vmoperator.vmware.com/same-vm-class-resize` annotation, when its class changed since.
 */
import { deepEqual } from '../store/meta.js';
import type { VirtualMachine, VirtualMachineClass } from './types.js';

export const LAST_RESIZED_ANNOTATION = 'vmoperator.vmware.com/last-resized-vm-class';
export const SAME_CLASS_RESIZE_ANNOTATION = 'vmoperator.vmware.com/same-vm-class-resize';
/** With ImmutableClasses, the class instance a VM was last sized to (its name, as JSON). */
export const LAST_RESIZED_INSTANCE_ANNOTATION = 'vmoperator.vmware.com/last-resized-vm-class-instance';

export interface LastResized {
  name: string;
  uid?: string | undefined;
  generation?: number | undefined;
}

/** The annotation's value for a class (Go's JSON of the struct: empty uid and generation left out). */
export function lastResizedValue(last: LastResized): string {
  return JSON.stringify({
    name: last.name,
    ...(last.uid ? { uid: last.uid } : {}),
    ...(last.generation ? { generation: last.generation } : {}),
  });
}

/** What the annotation says; undefined without it, or when it is no JSON object. */
export function lastResizedOf(vm: VirtualMachine): LastResized | undefined {
  const raw = vm.metadata.annotations?.[LAST_RESIZED_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as LastResized;
    return typeof parsed === 'object' && parsed !== null ? { ...parsed, name: parsed.name ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** vm-operator's ResizeNeeded. */
export function resizeNeeded(vm: VirtualMachine, vmClass: VirtualMachineClass): boolean {
  const last = lastResizedOf(vm);
  const sameClass = vm.metadata.annotations?.[SAME_CLASS_RESIZE_ANNOTATION] !== undefined;
  if (!last) return sameClass;
  if (vm.spec?.className !== last.name) return true;
  return sameClass && !(vmClass.metadata.uid === last.uid && vmClass.metadata.generation === last.generation);
}

/**
 * The mutating webhook's part: a VM whose `className` changes, without the annotation yet (one
 * made before the capability), gets it naming the class it had; undefined when nothing changes.
 */
export function withResizeMark(
  vm: VirtualMachine,
  old: VirtualMachine,
  immutableClasses = false,
): VirtualMachine | undefined {
  const before = old.spec?.className;
  if (vm.spec?.className === before) {
    // With ImmutableClasses, a change of class instance is one too (vm-operator's check goes on
    // when either names none).
    const instance = vm.spec?.class?.name;
    if (!immutableClasses || (instance !== undefined && instance === old.spec?.class?.name)) return undefined;
  }
  const annotations = { ...vm.metadata.annotations };
  if (lastResizedOf(vm) === undefined)
    annotations[LAST_RESIZED_ANNOTATION] = lastResizedValue({ name: before ?? '' });
  if (immutableClasses && annotations[LAST_RESIZED_INSTANCE_ANNOTATION] === undefined)
    annotations[LAST_RESIZED_INSTANCE_ANNOTATION] = lastResizedValue({ name: old.spec?.class?.name ?? '' });
  return deepEqual(annotations, vm.metadata.annotations)
    ? undefined
    : { ...vm, metadata: { ...vm.metadata, annotations } };
}
