/** What vm-operator's create and update make of a VM's hardware: its size, version and guest. */
import type { VmConfigSpec, VmRecord } from '@vsim/vsphere';
import type { VirtualMachine } from '../../api/types.js';
import { hasClaims, MIN_HARDWARE_VERSION_FOR_PVC } from './volumes.js';

/** The size a VM's class gives it. */
export interface ClassSize {
  numCPU?: number;
  memoryMB?: number;
}

/**
 * The hardware version a VM is created with, when its image's is too low: `spec.minHardwareVersion`,
 * or the version claims need when the VM has some at create, as vm-operator's create config
 * spec raises it. `minHardwareVersion` is a minimum: an image of a later version keeps its own.
 */
export function createHardwareVersion(vm: VirtualMachine, imageVersion: () => number): string | undefined {
  const wanted = Math.max(vm.spec?.minHardwareVersion ?? 0, hasClaims(vm) ? MIN_HARDWARE_VERSION_FOR_PVC : 0);
  return wanted > 0 && wanted > imageVersion() ? `vmx-${wanted}` : undefined;
}

/** The reconfiguration a powered-off VM needs for its class's size and `spec.guestID`, if any. */
export function reconfiguration(
  vm: VirtualMachine,
  record: VmRecord,
  size: ClassSize,
): VmConfigSpec | undefined {
  const spec: { -readonly [K in keyof VmConfigSpec]: VmConfigSpec[K] } = {};
  if (size.numCPU !== undefined && size.numCPU !== record.config.numCPU) spec.numCPUs = size.numCPU;
  if (size.memoryMB !== undefined && size.memoryMB !== record.config.memoryMB) spec.memoryMB = size.memoryMB;
  // vm-operator's UpdateConfigSpecGuestID: the guest ID asked for, when it differs.
  const guestId = vm.spec?.guestID;
  if (guestId && guestId !== record.config.guestId) spec.guestId = guestId;
  return Object.keys(spec).length > 0 ? spec : undefined;
}
