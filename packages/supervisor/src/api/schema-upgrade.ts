/**
 * vm-operator's schema upgrade (v1.10): the build, the storage schema and the features a
 * VirtualMachine's spec was last brought up to, in three annotations vm-operator's update writes
 * once the VM exists in vSphere, backfilling the spec from it on the way. Until they match, its
 * validating webhook keeps a DevOps user from editing what the upgrade backfills, and its
 * mutating webhook leaves the VMSharedDisks placements alone; no one but a privileged account
 * may give them a value of its own (removing one is anyone's, and brings the upgrade back).
 */
import { deepEqual } from '../store/meta.js';
import { VM_OPERATOR_BUILD_VERSION } from './annotations.js';
import { HUB_VERSION } from './conversion/engine.js';
import type { VirtualMachine, VirtualMachineHardwareSpec } from './types.js';
import { type FieldError, forbidden } from './validation.js';
import type { VirtualMachineServiceCapabilities } from './vm-service-validation.js';
import { CONTROLLER_LISTS } from './volume-placement.js';

export const UPGRADED_TO_BUILD_VERSION_ANNOTATION = 'vmoperator.vmware.com/upgraded-to-build-version';
export const UPGRADED_TO_SCHEMA_VERSION_ANNOTATION = 'vmoperator.vmware.com/upgraded-to-schema-version';
export const UPGRADED_TO_FEATURE_VERSION_ANNOTATION = 'vmoperator.vmware.com/upgraded-to-feature-version';
const UPGRADE_ANNOTATIONS = [
  UPGRADED_TO_BUILD_VERSION_ANNOTATION,
  UPGRADED_TO_SCHEMA_VERSION_ANNOTATION,
  UPGRADED_TO_FEATURE_VERSION_ANNOTATION,
];

/**
 * The feature bits of the feature version, in vm-operator's order (the annotation's value is their
 * sum). v1.10 knows these three; its main branch adds the Telco VM Service API's (8), a capability
 * the simulator refuses.
 */
export const FEATURE = { base: 1, vmSharedDisks: 2, allDisksArePVCs: 4 } as const;
/** Every feature v1.10 knows, which VMSharedDisks turns on: its own, and AllDisksArePVCs's backfill. */
export const SHARED_DISKS_FEATURES = FEATURE.base | FEATURE.vmSharedDisks | FEATURE.allDisksArePVCs;

/** The annotation's feature version as vm-operator parses it (a 16-bit decimal of known bits); 0 when none. */
export function parseFeatureVersion(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text)) return 0;
  const value = Number(text);
  return value > 0 && value <= 0xffff && (value & ~SHARED_DISKS_FEATURES) === 0 ? value : 0;
}

/** The features the Supervisor's capabilities turn on. */
export function activatedFeatureVersion(capabilities: VirtualMachineServiceCapabilities | undefined): number {
  if (capabilities?.vmSharedDisks) return SHARED_DISKS_FEATURES;
  return capabilities?.allDisksArePVCs ? FEATURE.base | FEATURE.allDisksArePVCs : FEATURE.base;
}

/**
 * Whether the VM is upgraded to this build, the hub and every activated feature (more features
 * are fine: a capability turned off after the upgrade does not bring it back).
 */
export function isUpgraded(vm: VirtualMachine, activated: number): boolean {
  const annotations = vm.metadata.annotations;
  if (annotations?.[UPGRADED_TO_BUILD_VERSION_ANNOTATION] !== VM_OPERATOR_BUILD_VERSION) return false;
  if (annotations[UPGRADED_TO_SCHEMA_VERSION_ANNOTATION] !== HUB_VERSION) return false;
  const features = parseFeatureVersion(annotations[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]);
  return features !== 0 && (features & activated) === activated;
}

/** The annotations of an upgrade to this build and the hub, with `features` done (as they were, if undefined). */
export function upgradedAnnotations(vm: VirtualMachine, features?: number): Record<string, string> {
  // Assigned one by one: a spread with computed keys costs every VM microseconds.
  const annotations: Record<string, string> = Object.assign({}, vm.metadata.annotations);
  annotations[UPGRADED_TO_BUILD_VERSION_ANNOTATION] = VM_OPERATOR_BUILD_VERSION;
  annotations[UPGRADED_TO_SCHEMA_VERSION_ANNOTATION] = HUB_VERSION;
  if (features !== undefined) annotations[UPGRADED_TO_FEATURE_VERSION_ANNOTATION] = String(features);
  return annotations;
}

const RESTRICTED = 'modifying this annotation is restricted to privileged users';
const NOT_UPGRADED = 'modifying this VM is not allowed until it is upgraded';

/**
 * The validating webhook's upgrade rules for a DevOps user's update: the annotations given no
 * value of the user's own, and, while the stored VM is not upgraded, what the upgrade backfills
 * left as it is (the BIOS UUID; with VMSharedDisks, the controllers).
 */
export function schemaUpgradeProblems(
  vm: VirtualMachine,
  old: VirtualMachine,
  capabilities: VirtualMachineServiceCapabilities | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const now = vm.metadata.annotations ?? {};
  const before = old.metadata.annotations ?? {};
  for (const key of UPGRADE_ANNOTATIONS) {
    const value = now[key] ?? '';
    if (value !== '' && value !== (before[key] ?? ''))
      errors.push(forbidden(`metadata.annotations[${key}]`, RESTRICTED));
  }
  if (isUpgraded(old, activatedFeatureVersion(capabilities))) return errors;
  if ((vm.spec?.biosUUID ?? '') !== (old.spec?.biosUUID ?? ''))
    errors.push(forbidden('spec.biosUUID', NOT_UPGRADED));
  if (!capabilities?.vmSharedDisks) return errors;
  const hardware: VirtualMachineHardwareSpec = vm.spec?.hardware ?? {};
  const had: VirtualMachineHardwareSpec = old.spec?.hardware ?? {};
  // Go's semantic equality: an empty list is none.
  for (const list of Object.values(CONTROLLER_LISTS))
    if (!deepEqual(hardware[list] ?? [], had[list] ?? []))
      errors.push(forbidden(`spec.hardware.${list}`, NOT_UPGRADED));
  return errors;
}
