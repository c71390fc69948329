/**
 * VirtualMachinePublishRequest validation as vm-operator's validating webhook does it: on
 * create, a source that is a VirtualMachine of vm-operator's group and a named target location
 * that is a ContentLibrary of the image registry's group; on update, a source and target that
 * never change, even once the request is complete. On both, the storage quota check's
 * annotations are the administrators' (the simulator's callers are not privileged). And, before
 * those, the `vmoperator.vmware.com/virtualmachinepublishrequest-managed-by` label of a
 * VirtualMachineGroupPublishRequest's own requests, which the webhook refuses with 403 and a
 * message rather than field errors.
 */

import { deepEqual } from '../store/meta.js';
import { GROUP } from './conversion/engine.js';
import { PUBLISH_MANAGED_BY_LABEL } from './group-publish-request-validation.js';
import type {
  VirtualMachinePublishRequest,
  VirtualMachinePublishRequestSpec,
  VirtualMachinePublishRequestTarget,
  VirtualMachinePublishRequestTargetLocation,
} from './types.js';
import {
  type FieldError,
  forbidden,
  IMMUTABLE,
  internalError,
  invalid,
  required,
  unsupported,
} from './validation.js';

const IMAGE_REGISTRY_GROUP = 'imageregistry.vmware.com';
const SOURCE_KIND = 'VirtualMachine';
const LOCATION_KIND = 'ContentLibrary';

/** The CRD schema's defaults, which the API server fills into a source or location given without them. */
const SOURCE_DEFAULTS = { apiVersion: `${GROUP}/v1alpha1`, kind: SOURCE_KIND };
const LOCATION_DEFAULTS = { apiVersion: `${IMAGE_REGISTRY_GROUP}/v1alpha1`, kind: LOCATION_KIND };

/** A reference with the schema's defaults where it has no apiVersion or kind; itself when it lacks neither. */
const withRefDefaults = <T extends { apiVersion?: string; kind?: string }>(
  ref: T,
  defaults: { apiVersion: string; kind: string },
): T =>
  ref.apiVersion !== undefined && ref.kind !== undefined
    ? ref
    : { ...ref, apiVersion: ref.apiVersion ?? defaults.apiVersion, kind: ref.kind ?? defaults.kind };

/** The storage quota check's annotations, which only administrators may add, change or remove. */
export const ASYNC_QUOTA_ANNOTATIONS = [
  'vmware-system-vcfa-storage-quota',
  'vcfa.storage.quota.check.vmware.com/requested-capacity',
  'vcfa.storage.quota.check.vmware.com/status',
  'vcfa.storage.quota.check.vmware.com/message',
] as const;
const NOT_FOR_NON_ADMINS = 'modifying this annotation is not allowed for non-admin users';

/* The spec as the webhook decodes it: Go structs, an absent string the empty one. */

interface GoSource {
  name: string;
  apiVersion: string;
  kind: string;
}
type GoLocation = GoSource;
interface GoTarget {
  item: { name: string; description: string };
  location: GoLocation;
}

/** A reference as Go decodes it: an absent string the empty one. */
const goRef = (ref: { name?: string; apiVersion?: string; kind?: string } | undefined): GoSource => ({
  name: ref?.name ?? '',
  apiVersion: ref?.apiVersion ?? '',
  kind: ref?.kind ?? '',
});

/**
 * The source and the location as the webhook reads them: with the schema's defaults inside one
 * that is there (not in one left out), as the API server fills them before any webhook.
 */
const sourceOf = (spec: VirtualMachinePublishRequestSpec | undefined): GoSource =>
  goRef(spec?.source && withRefDefaults(spec.source, SOURCE_DEFAULTS));

const locationOf = (location: VirtualMachinePublishRequestTargetLocation | undefined): GoLocation =>
  goRef(location && withRefDefaults(location, LOCATION_DEFAULTS));

function targetOf(spec: VirtualMachinePublishRequestSpec | undefined): GoTarget {
  const target: VirtualMachinePublishRequestTarget | undefined = spec?.target ?? undefined;
  return {
    item: { name: target?.item?.name ?? '', description: target?.item?.description ?? '' },
    location: locationOf(target?.location ?? undefined),
  };
}

/** A struct as Go's encoding/json writes it into a message: empty strings left out (`omitempty`). */
function withoutEmpty<T extends object>(struct: T): Partial<T> {
  return Object.fromEntries(Object.entries(struct).filter(([, value]) => value !== '')) as Partial<T>;
}

/** The target as Go writes it: its item and location are structs, which `omitempty` keeps even when empty. */
const targetAsGoWritesIt = (target: GoTarget): object => ({
  item: withoutEmpty(target.item),
  location: withoutEmpty(target.location),
});

/** The group of an apiVersion as apimachinery's ParseGroupVersion reads it: none for a bare version. */
function groupOf(apiVersion: string): string | undefined {
  const slashes = apiVersion.split('/').length - 1;
  if (slashes === 0) return '';
  if (slashes === 1) return apiVersion.slice(0, apiVersion.indexOf('/'));
  return undefined;
}

/** An apiVersion, when given, of the expected group. */
function apiVersionProblems(field: string, apiVersion: string, expected: string): FieldError[] {
  if (apiVersion === '') return [];
  const group = groupOf(apiVersion);
  if (group === undefined) return [internalError(field, `unexpected GroupVersion string: ${apiVersion}`)];
  if (group === expected) return [];
  return [
    invalid(
      field,
      apiVersion,
      `apiVersion ${JSON.stringify(group)} does not match the expected group: ${expected}`,
    ),
  ];
}

/** The source, when it says so, is a VirtualMachine of vm-operator's group. */
function validateSource(source: GoSource): FieldError[] {
  const errors = apiVersionProblems('spec.source.apiVersion', source.apiVersion, GROUP);
  if (source.kind !== '' && source.kind !== SOURCE_KIND)
    errors.push(unsupported('spec.source.kind', source.kind, [SOURCE_KIND, '']));
  return errors;
}

/**
 * The target location is named and a ContentLibrary of the image registry's group. Its kind is
 * checked even when empty (vm-operator's list of supported values names "" all the same): the
 * schema's default leaves it empty only for a request without a location.
 */
function validateTargetLocation(location: GoLocation): FieldError[] {
  const path = 'spec.target.location';
  const errors: FieldError[] = [];
  if (location.name === '') errors.push(required(`${path}.name`));
  errors.push(...apiVersionProblems(`${path}.apiVersion`, location.apiVersion, IMAGE_REGISTRY_GROUP));
  if (location.kind !== LOCATION_KIND)
    errors.push(unsupported(`${path}.kind`, location.kind, [LOCATION_KIND, '']));
  return errors;
}

/** The quota annotations as they were (none on create): an absent one and an empty one are the same. */
function quotaAnnotationChanges(
  request: VirtualMachinePublishRequest,
  old: VirtualMachinePublishRequest | undefined,
): FieldError[] {
  const after = request.metadata.annotations ?? {};
  const before = old?.metadata.annotations ?? {};
  return ASYNC_QUOTA_ANNOTATIONS.filter((key) => (after[key] ?? '') !== (before[key] ?? '')).map((key) =>
    forbidden(`metadata.annotations[${key}]`, NOT_FOR_NON_ADMINS),
  );
}

/** Validates a VirtualMachinePublishRequest being created. */
export function validatePublishRequestCreate(request: VirtualMachinePublishRequest): FieldError[] {
  return [
    ...validateSource(sourceOf(request.spec)),
    ...validateTargetLocation(targetOf(request.spec).location),
    ...quotaAnnotationChanges(request, undefined),
  ];
}

/**
 * Validates an update of a VirtualMachinePublishRequest: source and target are immutable, lest
 * one request publish several images, and nothing else of the spec is checked again.
 */
export function validatePublishRequestUpdate(
  request: VirtualMachinePublishRequest,
  old: VirtualMachinePublishRequest,
): FieldError[] {
  const errors: FieldError[] = [];
  const source = sourceOf(request.spec);
  if (!deepEqual(source, sourceOf(old.spec)))
    errors.push(invalid('spec.source', withoutEmpty(source), IMMUTABLE));
  const target = targetOf(request.spec);
  if (!deepEqual(target, targetOf(old.spec)))
    errors.push(invalid('spec.target', targetAsGoWritesIt(target), IMMUTABLE));
  return [...errors, ...quotaAnnotationChanges(request, old)];
}

const NOT_OWNED = `cannot add the "${PUBLISH_MANAGED_BY_LABEL}" label without a VirtualMachineGroupPublishRequest owner reference`;

/**
 * Why a new request may not carry the managed-by label, if it may not (whoever makes it): the
 * label names a VirtualMachineGroupPublishRequest that owns the request, by its uid.
 */
export function managedByProblemOnCreate(request: VirtualMachinePublishRequest): string | undefined {
  const labels = request.metadata.labels;
  if (!labels || !(PUBLISH_MANAGED_BY_LABEL in labels)) return undefined;
  const owned = (request.metadata.ownerReferences ?? []).some(
    (ref) => ref.kind === 'VirtualMachineGroupPublishRequest' && ref.uid === labels[PUBLISH_MANAGED_BY_LABEL],
  );
  return owned ? undefined : NOT_OWNED;
}

/**
 * Why a user (not a privileged account) may not make this update, if they may not: a group
 * request's own requests are its alone, and the label is given only as a request is made.
 */
export function managedByProblemOnUpdate(
  request: VirtualMachinePublishRequest,
  old: VirtualMachinePublishRequest,
): string | undefined {
  if (old.metadata.labels && PUBLISH_MANAGED_BY_LABEL in old.metadata.labels)
    return 'cannot update VirtualMachineGroupPublishRequest owned VirtualMachinePublishRequest';
  if (request.metadata.labels && PUBLISH_MANAGED_BY_LABEL in request.metadata.labels) return NOT_OWNED;
  return undefined;
}
