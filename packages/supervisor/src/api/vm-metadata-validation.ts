/**
 * What vm-operator's validating webhook holds a VirtualMachine's labels and annotations to, on
 * create and on every update (a write of the metadata alone too): a cluster module group needs
 * a resource policy; the zone label names a zone of the namespace and, once set, stays; and
 * what vm-operator, an administrator or another Supervisor service owns is a privileged
 * account's to add, change or remove (the cloud-init instance id, the first boot, a restored,
 * failed-over or imported VM, the management proxy's settings, the creation's versions, the
 * cluster module group once set, the paused label, and the checks that hold a power-on, which
 * a DevOps user may only give a new VM, or a deletion). Each is a step of vm-operator's webhook,
 * which validation.ts runs in its order among the spec's.
 *
 * Not here: a zone being deleted, which vm-operator refuses to new VMs but for CAPV's service
 * account (the simulator does not know its callers' names).
 */

import {
  CLOUD_INIT_INSTANCE_ID_ANNOTATION,
  CLUSTER_MODULE_GROUP_ANNOTATION,
  CREATED_AT_BUILD_VERSION_ANNOTATION,
  CREATED_AT_SCHEMA_VERSION_ANNOTATION,
  DELETE_CHECK_PREFIX,
  FAILED_OVER_VM_ANNOTATION,
  FIRST_BOOT_DONE_ANNOTATION,
  PAUSED_LABEL,
  POWER_ON_CHECK_PREFIX,
  ZONE_LABEL,
} from './annotations.js';
import type { VirtualMachine } from './types.js';
import { type FieldError, forbidden, IMMUTABLE, invalid } from './validation.js';
import { APPLY_POWER_STATE_TIME, parseRfc3339 } from './vm-group-validation.js';

/** Annotations only a privileged account may set or change, on create and update alike. */
const ADMIN_ANNOTATIONS = [
  CLOUD_INIT_INSTANCE_ID_ANNOTATION,
  FIRST_BOOT_DONE_ANNOTATION,
  'vmoperator.vmware.com/restored-vm',
  FAILED_OVER_VM_ANNOTATION,
  'vmoperator.vmware.com/imported-vm',
  'mgmt.proxy.vmware.com/watermark',
  'mgmt.proxy.vmware.com/allowlist',
];
/** vm-operator's mutating webhook sets these on create: afterwards, only privileged accounts change them. */
const CREATION_ANNOTATIONS = [CREATED_AT_BUILD_VERSION_ANNOTATION, CREATED_AT_SCHEMA_VERSION_ANNOTATION];

const NOT_FOR_NON_ADMINS = 'modifying this annotation is not allowed for non-admin users';
const LABEL_NOT_FOR_NON_ADMINS = 'modifying this label is not allowed for non-admin users';
const NEEDS_POLICY =
  'cluster module assignment requires spec.reserved.resourcePolicyName to specify a VirtualMachineSetResourcePolicy';

export interface MetadataRules {
  /** Whether the caller is a privileged account (vm-operator's own, an administrator). */
  readonly privileged: boolean;
  /** Why the zone a new zone label names cannot be used (it does not exist), if it cannot. */
  readonly zoneProblem: (zone: string) => string | undefined;
}

/**
 * vm-operator's validateAnnotation on a VM being created (`old` undefined) or updated: a cluster
 * module group needs a resource policy; what vm-operator or an administrator owns is a
 * privileged account's to change.
 */
export function annotationProblems(
  vm: VirtualMachine,
  old: VirtualMachine | undefined,
  privileged: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  const annotations = vm.metadata.annotations ?? {};
  const group = annotations[CLUSTER_MODULE_GROUP_ANNOTATION];
  if (group && !vm.spec?.reserved?.resourcePolicyName)
    errors.push(forbidden(annotationPath(CLUSTER_MODULE_GROUP_ANNOTATION), NEEDS_POLICY));
  if (privileged) return errors;
  const before = old?.metadata.annotations ?? {};
  const changed = (key: string) => (annotations[key] ?? '') !== (before[key] ?? '');
  const restricted = old ? [...ADMIN_ANNOTATIONS, ...CREATION_ANNOTATIONS] : ADMIN_ANNOTATIONS;
  for (const key of restricted)
    if (changed(key)) errors.push(forbidden(annotationPath(key), NOT_FOR_NON_ADMINS));
  if (old && changed(CLUSTER_MODULE_GROUP_ANNOTATION))
    errors.push(forbidden(annotationPath(CLUSTER_MODULE_GROUP_ANNOTATION), NOT_FOR_NON_ADMINS));
  return errors;
}

/** vm-operator's validateLabel: the paused label is an administrator's. */
export function pausedLabelProblems(
  vm: VirtualMachine,
  old: VirtualMachine | undefined,
  privileged: boolean,
): FieldError[] {
  return !privileged &&
    (vm.metadata.labels?.[PAUSED_LABEL] ?? '') !== (old?.metadata.labels?.[PAUSED_LABEL] ?? '')
    ? [forbidden(`metadata.labels.${PAUSED_LABEL}`, LABEL_NOT_FOR_NON_ADMINS)]
    : [];
}

/** vm-operator's validateChecks: the power-on and delete checks a DevOps user may not change. */
export function checkAnnotationProblems(
  vm: VirtualMachine,
  old: VirtualMachine | undefined,
  privileged: boolean,
): FieldError[] {
  if (privileged) return [];
  const annotations = vm.metadata.annotations ?? {};
  const before = old && (old.metadata.annotations ?? {});
  return [
    ...checkProblems(annotations, before, POWER_ON_CHECK_PREFIX, true),
    ...checkProblems(annotations, before, DELETE_CHECK_PREFIX, false),
  ];
}

/** vm-operator's validateNextPowerStateChangeTimeFormat: the time a VM's group applies its power state. */
export function applyPowerStateTimeProblems(vm: VirtualMachine): FieldError[] {
  // Go's RFC3339Nano, whoever writes it.
  const applyAt = vm.metadata.annotations?.[APPLY_POWER_STATE_TIME];
  return applyAt !== undefined && parseRfc3339(applyAt) === undefined
    ? [invalid(annotationPath(APPLY_POWER_STATE_TIME), applyAt, 'must be formatted as RFC3339Nano')]
    : [];
}

const annotationPath = (key: string) => `metadata.annotations[${key}]`;

/**
 * vm-operator's validateAvailabilityZone: the zone label, once set, a privileged account's alone
 * to change; new, a zone of the namespace.
 */
export function zoneProblems(
  vm: VirtualMachine,
  old: VirtualMachine | undefined,
  rules: MetadataRules,
): FieldError[] {
  const path = `metadata.labels[${ZONE_LABEL}]`;
  const zone = vm.metadata.labels?.[ZONE_LABEL] ?? '';
  const was = old?.metadata.labels?.[ZONE_LABEL] ?? '';
  if (was !== '') return rules.privileged || zone === was ? [] : [invalid(path, zone, IMMUTABLE)];
  const problem = zone === '' ? undefined : rules.zoneProblem(zone);
  return problem === undefined ? [] : [invalid(path, zone, problem)];
}

const NO_KEYS: readonly string[] = Object.freeze([]);

/** The keys with the prefix, sorted; no list made for the many maps without one. */
export function keysWithPrefix(
  map: Readonly<Record<string, string>> | undefined,
  prefix: string,
): readonly string[] {
  let keys: string[] | undefined;
  for (const key in map) {
    if (!key.startsWith(prefix)) continue;
    keys ??= [];
    keys.push(key);
  }
  return keys ? keys.sort() : NO_KEYS;
}

/**
 * The check annotations of one kind (`poweron.check...`, `delete.check...`): a DevOps user may
 * give a new VM power-on checks, and otherwise add, change or remove none.
 */
function checkProblems(
  annotations: Readonly<Record<string, string>>,
  before: Readonly<Record<string, string>> | undefined,
  prefix: string,
  mayAddOnCreate: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  const path = (key: string) => `metadata.annotations.${key}`;
  for (const key of keysWithPrefix(before, prefix))
    if (!(key in annotations))
      errors.push(forbidden(path(key), 'removing this annotation is restricted to privileged users'));
  for (const key of keysWithPrefix(annotations, prefix)) {
    if (!before) {
      if (!mayAddOnCreate)
        errors.push(forbidden(path(key), 'adding this annotation is restricted to privileged users'));
    } else if (!(key in before))
      errors.push(forbidden(path(key), 'adding this annotation is restricted to privileged users'));
    else if (before[key] !== annotations[key])
      errors.push(forbidden(path(key), 'modifying this annotation is restricted to privileged users'));
  }
  return errors;
}
