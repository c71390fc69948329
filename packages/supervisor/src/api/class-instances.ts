/**
 * vm-operator's immutable VM classes (its ImmutableClasses capability): each configuration of a
 * VirtualMachineClass is kept as a VirtualMachineClassInstance the class owns, the one of its
 * current configuration labelled active. A VM names the instance it is of in `spec.class`: the
 * mutating webhook fills in the active instance of its `spec.className` (or the class of the
 * instance it names), and the validating webhook holds it to an active instance of that class.
 */
import type { StoreReader } from '../store/kinds.js';
import type { KubeObject } from '../store/meta.js';
import { GROUP, HUB_VERSION } from './conversion/engine.js';
import type { VirtualMachine } from './types.js';
import { type FieldError, invalid } from './validation.js';

export const VM_CLASS_INSTANCE = {
  apiVersion: `${GROUP}/${HUB_VERSION}`,
  kind: 'VirtualMachineClassInstance',
} as const;

/** The label of a class's active instance (its value says nothing). */
export const CLASS_INSTANCE_ACTIVE_LABEL = `${GROUP}/active`;
/** The hash of the class's configuration an instance keeps. */
export const CLASS_HASH_ANNOTATION = `${GROUP}/vmclass-hash`;

const isActive = (instance: KubeObject) =>
  instance.metadata.labels?.[CLASS_INSTANCE_ACTIVE_LABEL] !== undefined;
const classOwnerOf = (instance: KubeObject) =>
  instance.metadata.ownerReferences?.find((owner) => owner.kind === 'VirtualMachineClass');

/**
 * vm-operator's ResolveClassAndClassName, in place: a VM of a class without an instance gets the
 * class's active instance (none while there is none); one of an instance without a class gets
 * the instance's class. Whether it changed; an error (vm-operator's denial) for an instance
 * without a name, one that does not exist or one that is not active.
 */
export function resolveClassAndClassName(vm: VirtualMachine, reader: StoreReader): boolean {
  const spec = vm.spec ?? {};
  const className = spec.className ?? '';
  const instance = spec.class;
  if (className === '' && !instance) return false;
  if (instance && !instance.name) throw new Error('empty class instance name');
  if (className !== '' && instance) return false;
  const namespace = vm.metadata.namespace ?? '';
  if (className !== '') {
    for (const candidate of reader.list(VM_CLASS_INSTANCE.apiVersion, VM_CLASS_INSTANCE.kind, namespace)) {
      if (!isActive(candidate)) continue;
      if (
        !candidate.metadata.ownerReferences?.some(
          (o) => o.name === className && o.kind === 'VirtualMachineClass',
        )
      )
        continue;
      spec.class = {
        apiVersion: candidate.apiVersion,
        kind: candidate.kind,
        name: candidate.metadata.name as string,
      };
      vm.spec = spec;
      return true;
    }
    return false;
  }
  const name = instance?.name as string;
  const found = reader.get({ ...VM_CLASS_INSTANCE, namespace, name });
  if (!found) throw new Error(`virtualmachineclassinstances.${GROUP} "${name}" not found`);
  if (!isActive(found)) throw new Error('must specify a VirtualMachineClassInstance that is active');
  const owner = classOwnerOf(found);
  if (!owner) return false;
  spec.className = owner.name;
  vm.spec = spec;
  return true;
}

/**
 * vm-operator's validateClassInstance: the instance `spec.class` names exists, is active and is
 * one of the class `spec.className` names. Nothing to check for a VM naming no instance.
 */
export function classInstanceProblems(vm: VirtualMachine, reader: StoreReader): FieldError[] {
  const instance = vm.spec?.class;
  if (!instance) return [];
  const path = 'spec.class.name';
  const found = reader.get({
    ...VM_CLASS_INSTANCE,
    namespace: vm.metadata.namespace ?? '',
    name: instance.name,
  });
  if (!found)
    return [
      invalid(path, instance.name, 'must specify a valid reference to a VirtualMachineClassInstance object'),
    ];
  if (!isActive(found))
    return [
      invalid(
        path,
        instance.name,
        'must specify a reference to a VirtualMachineClassInstance object that is active',
      ),
    ];
  const ownedByClass = found.metadata.ownerReferences?.some(
    (owner) => owner.kind === 'VirtualMachineClass' && owner.name === vm.spec?.className,
  );
  return ownedByClass
    ? []
    : [
        invalid(
          path,
          instance.name,
          'VirtualMachineClassInstance must be an instance of the VM Class specified by spec.class',
        ),
      ];
}
