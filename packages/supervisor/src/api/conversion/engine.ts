/**
 * Hub-and-spoke conversion driven by per-version rules, the way vm-operator's
 * conversion webhook works: going down, the fields a spoke version lacks are
 * dropped and the whole hub object (metadata aside) is kept in the
 * `vmoperator.vmware.com/conversion` annotation; going up, those fields are
 * put back from it, so a client of any version reads back what it wrote.
 */

import { clone } from '../../store/meta.js';
import { canonicalJson, dropPaths, isObject, type JsonObject, restorePath } from './paths.js';

export const GROUP = 'vmoperator.vmware.com';
const GROUP_PREFIX = `${GROUP}/`;
export const HUB_VERSION = 'v1alpha6';
export const SPOKE_VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4', 'v1alpha5'] as const;
export type SpokeVersion = (typeof SPOKE_VERSIONS)[number];
export type ServedVersion = SpokeVersion | typeof HUB_VERSION;

/** A conversion that cannot be made: the API server answers the write with its conversion webhook's failure. */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
}

/** vm-operator's annotation holding the hub object a spoke was converted from. */
export const CONVERSION_ANNOTATION = 'vmoperator.vmware.com/conversion';

export interface SpokeRule {
  /** Hub paths absent from this version: dropped going down, restored going up. */
  readonly hubOnly: readonly string[];
  /** Paths restored going up only when the up-converted object has no value there. */
  readonly restoreIfAbsent?: readonly string[];
  /** Hub paths dropped going down and never restored (vm-operator loses them too). */
  readonly lost?: readonly string[];
  /** Whether down-conversion records the hub object in the annotation. */
  readonly preserve: boolean;
  /** Renames and reshapes from the (untouched) hub into the spoke copy. */
  readonly down?: (hub: JsonObject, spoke: JsonObject) => void;
  /** Renames and reshapes into the hub copy; `restored` is the annotation's hub object. */
  readonly up?: (spoke: JsonObject, hub: JsonObject, restored: JsonObject | undefined) => void;
}

/** Rules per spoke version; a version without rules has the hub's shape. */
export type KindRules = Partial<Record<SpokeVersion, SpokeRule>>;

/** One string per served version, so the objects of a version share it. */
const API_VERSIONS: Readonly<Record<string, string>> = Object.fromEntries(
  [...SPOKE_VERSIONS, HUB_VERSION].map((version) => [version, `${GROUP}/${version}`]),
);

export function apiVersionOf(version: ServedVersion): string {
  return API_VERSIONS[version] ?? `${GROUP}/${version}`;
}

/** The version part of an apiVersion of this group, or undefined for another group. */
export function versionOf(apiVersion: unknown): string | undefined {
  // Asked on every conversion: a prefix test, not a split into a new array.
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith(GROUP_PREFIX)) return undefined;
  const version = apiVersion.slice(GROUP_PREFIX.length);
  return version.includes('/') ? undefined : version;
}

function annotationsOf(obj: JsonObject): Record<string, string> | undefined {
  const metadata = obj.metadata;
  if (!isObject(metadata) || !isObject(metadata.annotations)) return undefined;
  return metadata.annotations as Record<string, string>;
}

/** Sets or (with undefined) removes an annotation, dropping an emptied map. */
export function setAnnotation(obj: JsonObject, key: string, value: string | undefined): void {
  let metadata = obj.metadata;
  if (!isObject(metadata)) {
    if (value === undefined) return;
    metadata = {};
    obj.metadata = metadata;
  }
  const meta = metadata as JsonObject;
  // Annotations that are not a map are left for the store to refuse.
  if (meta.annotations !== undefined && !isObject(meta.annotations)) return;
  const annotations = isObject(meta.annotations) ? (meta.annotations as Record<string, string>) : {};
  if (value === undefined) delete annotations[key];
  else annotations[key] = value;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  else delete meta.annotations;
}

/**
 * Sets an annotation whose value is made when first read: an enumerable property, read, listed
 * and serialized as any other, that becomes a plain value once read or assigned. (Node's
 * inspector shows it as a getter until then.) Made once: on an object frozen meanwhile, which
 * keeps the accessor, each read answers the value made.
 */
function setLazyAnnotation(obj: JsonObject, key: string, value: () => string): void {
  // Made in place first, so it takes the place a plain value would among the others.
  setAnnotation(obj, key, '');
  const annotations = annotationsOf(obj);
  if (!annotations) return;
  let make: (() => string) | undefined = value;
  let made = '';
  // Reflect's answers false where a frozen object (immer freezes what it makes) refuses the change.
  const settle = (target: object, settled: string) =>
    Reflect.defineProperty(target, key, {
      value: settled,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  Object.defineProperty(annotations, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (make) {
        made = make();
        // What it was made from need not stay reachable.
        make = undefined;
      }
      settle(this, made);
      return made;
    },
    set(assigned: string) {
      if (!settle(this, assigned))
        throw new TypeError(`Cannot assign to read only property '${key}' of object`);
    },
  });
}

export function getAnnotation(obj: JsonObject, key: string): string | undefined {
  return annotationsOf(obj)?.[key];
}

/**
 * The hub object as `version`. `stored` says the hub is a stored object, which never changes:
 * its annotation is then written when first read (most readers of a create's or a list's
 * answer never read it, and it is the whole object as JSON), a data property from then on.
 */
export function convertDown(
  hub: JsonObject,
  version: SpokeVersion,
  rule: SpokeRule | undefined,
  stored = false,
): JsonObject {
  const spoke = clone(hub);
  spoke.apiVersion = apiVersionOf(version);
  setAnnotation(spoke, CONVERSION_ANNOTATION, undefined);
  if (!rule) return spoke;
  dropPaths(spoke, rule.hubOnly);
  if (rule.lost) dropPaths(spoke, rule.lost);
  rule.down?.(hub, spoke);
  if (rule.preserve && stored) setLazyAnnotation(spoke, CONVERSION_ANNOTATION, () => preserved(hub));
  else if (rule.preserve) setAnnotation(spoke, CONVERSION_ANNOTATION, preserved(hub));
  return spoke;
}

/**
 * The annotation of a hub object. Not cached per object: a cache would hold ~2 KB per stored
 * VM for as long as the VM stays unchanged, for reads that rarely repeat.
 */
function preserved(hub: JsonObject): string {
  const { metadata: _metadata, ...data } = hub;
  return canonicalJson(data);
}

export function convertUp(spoke: JsonObject, rule: SpokeRule | undefined): JsonObject {
  const hub = clone(spoke);
  hub.apiVersion = apiVersionOf(HUB_VERSION);
  const raw = getAnnotation(hub, CONVERSION_ANNOTATION);
  setAnnotation(hub, CONVERSION_ANNOTATION, undefined);
  if (!rule) return hub;
  const restored = raw === undefined ? undefined : parseRestored(raw);
  rule.up?.(spoke, hub, restored);
  if (restored) {
    for (const path of rule.hubOnly) restorePath(hub, restored, path);
    for (const path of rule.restoreIfAbsent ?? []) restorePath(hub, restored, path, true);
  }
  return hub;
}

/** The annotation's hub object; one that is not an object's JSON fails the conversion, as in vm-operator. */
function parseRestored(raw: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConversionError(
      `the ${CONVERSION_ANNOTATION} annotation is not JSON: ${(error as Error).message}`,
    );
  }
  if (!isObject(parsed))
    throw new ConversionError(`the ${CONVERSION_ANNOTATION} annotation holds no object: ${raw.slice(0, 64)}`);
  return parsed;
}
