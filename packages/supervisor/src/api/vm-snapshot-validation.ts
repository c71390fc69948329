/**
 * VirtualMachineSnapshot admission as vm-operator's webhooks do it, and the VirtualMachine's
 * `spec.currentSnapshotName` rules. The mutating webhook labels a snapshot with its VM's name
 * when it has no such label; the validating one requires `spec.vmName` on create, the label to
 * match it, and of a VM that exists that it is no Cluster API machine (a VKS node) and that its
 * SCSI controllers share nothing; on update `memory`, `quiesce` and `vmName` stay as they were.
 */

import { deepEqual } from '../store/meta.js';
import { isClusterApiMachine } from './annotations.js';
import type { VirtualMachine, VirtualMachineSnapshot } from './types.js';
import {
  type FieldError,
  forbidden,
  IMMUTABLE,
  immutable,
  invalid,
  required,
  unsupported,
} from './validation.js';

/** The label naming a snapshot's VirtualMachine (vm-operator's VMNameForSnapshotLabel). */
export const VM_NAME_FOR_SNAPSHOT_LABEL = 'snapshot.vmoperator.vmware.com/vm-name';

/** The snapshot with its VM's name label, or undefined when it needs none (no name, or a label set). */
export function withVmNameLabel(snapshot: VirtualMachineSnapshot): VirtualMachineSnapshot | undefined {
  const vmName = snapshot.spec?.vmName;
  const labels = snapshot.metadata.labels ?? {};
  if (!vmName || VM_NAME_FOR_SNAPSHOT_LABEL in labels) return undefined;
  return {
    ...snapshot,
    metadata: { ...snapshot.metadata, labels: { ...labels, [VM_NAME_FOR_SNAPSHOT_LABEL]: vmName } },
  };
}

function labelMismatch(snapshot: VirtualMachineSnapshot): FieldError[] {
  const label = snapshot.metadata.labels?.[VM_NAME_FOR_SNAPSHOT_LABEL];
  const vmName = snapshot.spec?.vmName ?? '';
  if (label === undefined || label === vmName) return [];
  return [
    invalid(
      `metadata.labels[${VM_NAME_FOR_SNAPSHOT_LABEL}]`,
      label,
      `must match spec.vmName ${JSON.stringify(vmName)}`,
    ),
  ];
}

/** What vm-operator's webhook refuses of the VM a new snapshot names (one not found is let through). */
function vmProblems(vm: VirtualMachine | undefined): FieldError[] {
  if (!vm) return [];
  const errors: FieldError[] = [];
  if (isClusterApiMachine(vm))
    errors.push(forbidden('spec.vmName', 'snapshots are not allowed for VKS/TKG nodes'));
  for (const controller of vm.spec?.hardware?.scsiControllers ?? []) {
    const mode = controller.sharingMode ?? 'None';
    if (mode !== 'None')
      errors.push(
        unsupported(
          'spec.vmName',
          `controller type SCSIControllers bus ${controller.busNumber} is using unsupported sharingMode for snapshot: ${mode}`,
          ['None'],
        ),
      );
  }
  return errors;
}

export function validateSnapshotCreate(
  snapshot: VirtualMachineSnapshot,
  vm: VirtualMachine | undefined,
): FieldError[] {
  if (!snapshot.spec?.vmName)
    return [{ ...required('spec.vmName'), message: 'Required value: vmName must be provided' }];
  return [...labelMismatch(snapshot), ...vmProblems(vm)];
}

export function validateSnapshotUpdate(
  snapshot: VirtualMachineSnapshot,
  old: VirtualMachineSnapshot,
): FieldError[] {
  const spec = snapshot.spec ?? {};
  const prev = old.spec ?? {};
  return [
    ...immutable('spec.memory', prev.memory ?? false, spec.memory ?? false),
    // An object printed as JSON (`null` when there is none), as apimachinery prints one.
    ...(deepEqual(prev.quiesce, spec.quiesce)
      ? []
      : [invalid('spec.quiesce', spec.quiesce ?? null, IMMUTABLE)]),
    ...immutable('spec.vmName', prev.vmName ?? '', spec.vmName ?? ''),
    ...labelMismatch(snapshot),
  ];
}

/**
 * `spec.currentSnapshotName`, which asks for a revert: not on create, not blank, not another
 * while one is asked for, and never of a VKS node.
 */
export function currentSnapshotNameProblems(vm: VirtualMachine, old?: VirtualMachine): FieldError[] {
  const field = 'spec.currentSnapshotName';
  const name = vm.spec?.currentSnapshotName;
  if (!old && name) return [forbidden(field, 'creating VM with current snapshot is not allowed')];
  if (!name) return [];
  if (name.trim() === '') return [invalid(field, name, 'currentSnapshotName cannot be empty')];
  const errors: FieldError[] = [];
  const asked = old?.spec?.currentSnapshotName;
  if (asked && asked !== name) errors.push(forbidden(field, 'a snapshot revert is already in progress'));
  if (isClusterApiMachine(vm)) errors.push(forbidden(field, 'snapshot revert is not allowed for VKS nodes'));
  return errors;
}
