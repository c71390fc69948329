/**
 * Conversion rules between v1alpha1 and the hub of the vm-operator kinds other than
 * VirtualMachine, following vm-operator's api/v1alpha1/*_conversion.go. v1alpha1 spells a few
 * things its own way: a resource policy's folder is an object and its cluster modules a list of
 * objects, an image keeps most of what the hub has in its status in its spec, and conditions
 * carry a severity where the hub's carry an observedGeneration.
 */

import { clone, setField } from '../../store/meta.js';
import { CONTENT_LIBRARY_REF_ANNOTATION } from '../annotations.js';
import { getAnnotation, type SpokeRule, setAnnotation } from './engine.js';
import { getPath, isObject, type JsonObject, objectsIn } from './paths.js';

const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {});

const stringOr = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The conditions at `status.conditions` that are objects. */
const conditionsOf = (obj: JsonObject): JsonObject[] => objectsIn(getPath(obj, 'status.conditions'));

/** Copies a string field under another name, leaving out an empty one as Go's omitempty does. */
function copyString(from: JsonObject, fromKey: string, to: JsonObject, toKey: string): void {
  const value = from[fromKey];
  if (typeof value === 'string' && value !== '') to[toKey] = value;
}

/** The non-empty string fields `keys` of `from`. */
function pickStrings(from: JsonObject, keys: readonly string[]): JsonObject {
  const picked: JsonObject = {};
  for (const key of keys) copyString(from, key, picked, key);
  return picked;
}

/**
 * Sets a rebuilt spec or status when it holds something, or when the one it was made from was
 * there but empty; fields move between the two, so a source holding something may rebuild none.
 */
function setPart(obj: JsonObject, key: 'spec' | 'status', part: JsonObject, source: unknown): void {
  const emptySource = isObject(source) && Object.keys(source).length === 0;
  if (emptySource || Object.keys(part).length > 0) obj[key] = part;
  else delete obj[key];
}

function renameField(obj: JsonObject, from: string, to: string): void {
  if (obj[from] === undefined) return;
  obj[to] = obj[from];
  delete obj[from];
}

/** A metav1.Condition as v1alpha1 writes it: reason and message are omitted when empty. */
export function conditionDown(condition: JsonObject): void {
  if (condition.reason === '') delete condition.reason;
  if (condition.message === '') delete condition.message;
}

/**
 * A v1alpha1 Condition as metav1.Condition: no severity, and a reason (required there), the
 * status standing in for a missing one; the message is always written.
 */
export function conditionUp(condition: JsonObject): void {
  delete condition.severity;
  if (!condition.reason && typeof condition.status === 'string') condition.reason = condition.status;
  condition.message ??= '';
}

export const virtualMachinePublishRequestV1alpha1Rule: SpokeRule = {
  hubOnly: ['spec.backoffLimit'],
  // The annotation is kept, but only backoffLimit is taken back from it.
  lost: ['status.conditions[].observedGeneration'],
  preserve: true,
  down: (_hub, spoke) => {
    for (const condition of conditionsOf(spoke)) conditionDown(condition);
  },
  up: (_spoke, hub) => {
    for (const condition of conditionsOf(hub)) conditionUp(condition);
  },
};

export const virtualMachineServiceV1alpha1Rule: SpokeRule = {
  // status.conditions is listed to drop it going down; `up` brings back the whole status.
  hubOnly: ['spec.ipFamilies', 'spec.ipFamilyPolicy', 'status.conditions'],
  preserve: true,
  up: (_spoke, hub, restored) => {
    // vm-operator takes the status from the annotation, whatever the v1alpha1 object says.
    if (!restored) return;
    if (restored.status === undefined) delete hub.status;
    else hub.status = clone(restored.status);
  },
};

/** v1alpha1 names a cluster module's group `groupname`, the hub `groupName`. */
function renameClusterModuleGroups(obj: JsonObject, from: string, to: string): void {
  const modules = getPath(obj, 'status.clustermodules');
  if (!Array.isArray(modules)) return;
  for (const module of modules) if (isObject(module)) renameField(module, from, to);
}

export const virtualMachineSetResourcePolicyV1alpha1Rule: SpokeRule = {
  hubOnly: [],
  preserve: false,
  down: (_hub, spoke) => {
    const spec = spoke.spec;
    if (isObject(spec)) {
      renameField(spec, 'resourcePool', 'resourcepool');
      if (typeof spec.folder === 'string') spec.folder = spec.folder === '' ? {} : { name: spec.folder };
      if (Array.isArray(spec.clusterModuleGroups))
        spec.clustermodules = spec.clusterModuleGroups.map((groupname) => ({ groupname }));
      delete spec.clusterModuleGroups;
    }
    renameClusterModuleGroups(spoke, 'groupName', 'groupname');
  },
  up: (_spoke, hub) => {
    const spec = hub.spec;
    if (isObject(spec)) {
      renameField(spec, 'resourcepool', 'resourcePool');
      if (isObject(spec.folder)) {
        const name = stringOr(spec.folder.name);
        if (name === '') delete spec.folder;
        else spec.folder = name;
      }
      if (Array.isArray(spec.clustermodules))
        spec.clusterModuleGroups = spec.clustermodules.map((module) => stringOr(asObject(module).groupname));
      delete spec.clustermodules;
    }
    renameClusterModuleGroups(hub, 'groupname', 'groupName');
  },
};

const SYSTEM_PROPERTY_PREFIX = 'vmware-system';
const PRODUCT_INFO_FIELDS = ['product', 'vendor', 'version', 'fullVersion'];
// The hub's osInfo.id has no v1alpha1 counterpart.
const OS_INFO_FIELDS = ['type', 'version'];

const SECURITY_COMPLIANCE = 'VirtualMachineImageProviderSecurityCompliance';
const PROVIDER_READY = 'VirtualMachineImageProviderReady';
const SYNCED = 'VirtualMachineImageSynced';
/** The v1alpha1 image conditions the hub folds into Ready, in the order v1alpha1 lists them. */
const FOLDED_INTO_READY = [SECURITY_COMPLIANCE, PROVIDER_READY, SYNCED];
/** The hub's reasons for an image not Ready, by the v1alpha1 condition that failed. */
const FAILED_BY_READY_REASON = new Map([
  ['VirtualMachineImageProviderSecurityNotCompliant', SECURITY_COMPLIANCE],
  ['VirtualMachineImageProviderNotReady', PROVIDER_READY],
  ['VirtualMachineImageNotSynced', SYNCED],
]);

/**
 * The hub's Ready as v1alpha1's three conditions: True up to the one its reason names, that one
 * False with Ready's reason and message. Without a Ready (never so in what vm-operator and the
 * image controller write) nothing goes down, where vm-operator would report all three True.
 */
function imageConditionsDown(hubConditions: JsonObject[]): JsonObject[] {
  const ready = hubConditions.find((c) => c.type === 'Ready');
  if (!ready) return [];
  const time = ready.lastTransitionTime === undefined ? {} : { lastTransitionTime: ready.lastTransitionTime };
  const failed = FAILED_BY_READY_REASON.get(stringOr(ready.reason));
  const conditions: JsonObject[] = [];
  for (const type of FOLDED_INTO_READY) {
    if (type !== failed) {
      conditions.push({ type, status: 'True', ...time });
      continue;
    }
    const failure: JsonObject = { type, status: 'False', severity: 'Error', ...time };
    copyString(ready, 'reason', failure, 'reason');
    copyString(ready, 'message', failure, 'message');
    conditions.push(failure);
    break;
  }
  return conditions;
}

const timeOf = (condition: JsonObject): number =>
  typeof condition.lastTransitionTime === 'string' ? Date.parse(condition.lastTransitionTime) : Number.NaN;

/**
 * v1alpha1's conditions as the hub's one Ready: False as the first of the folded ones that is
 * False, else True as of the latest transition of them all.
 */
function imageConditionsUp(spokeConditions: JsonObject[]): JsonObject[] {
  if (spokeConditions.length === 0) return [];
  let latest: unknown;
  let latestTime = Number.NEGATIVE_INFINITY;
  for (const condition of spokeConditions) {
    if (FOLDED_INTO_READY.includes(stringOr(condition.type)) && condition.status === 'False') {
      const ready: JsonObject = { type: 'Ready', status: 'False' };
      if (condition.lastTransitionTime !== undefined) ready.lastTransitionTime = condition.lastTransitionTime;
      ready.reason = stringOr(condition.reason) || 'False';
      ready.message = stringOr(condition.message);
      return [ready];
    }
    const time = timeOf(condition);
    if (time > latestTime) {
      latestTime = time;
      latest = condition.lastTransitionTime;
    }
  }
  const ready: JsonObject = { type: 'Ready', status: 'True', reason: 'True', message: '' };
  if (latest !== undefined) ready.lastTransitionTime = latest;
  return [ready];
}

/** The library the image controller records in an annotation, as v1alpha1's status.contentLibraryRef. */
function contentLibraryRefOf(hub: JsonObject): JsonObject | undefined {
  const raw = getAnnotation(hub, CONTENT_LIBRARY_REF_ANNOTATION);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // vm-operator reports an unreadable annotation as an empty reference.
    return {};
  }
  return pickStrings(asObject(parsed), ['apiGroup', 'kind', 'name']);
}

/** The hub's OVF properties as v1alpha1's map of them by key. */
function ovfEnvOf(properties: unknown): JsonObject | undefined {
  if (!Array.isArray(properties)) return undefined;
  const env: JsonObject = {};
  for (const property of properties.filter(isObject)) {
    const key = stringOr(property.key);
    setField(env, key, ovfProperty(property));
  }
  return Object.keys(env).length > 0 ? env : undefined;
}

/** An OVF property with what both versions have; v1alpha1's description and label are lost going up. */
function ovfProperty(property: JsonObject): JsonObject {
  const out: JsonObject = { key: stringOr(property.key), type: stringOr(property.type) };
  if (typeof property.default === 'string') out.default = property.default;
  return out;
}

function imageDown(hub: JsonObject, spoke: JsonObject): void {
  const hubSpec = asObject(hub.spec);
  const hubStatus = asObject(hub.status);
  const spec: JsonObject = {};
  if (isObject(hubSpec.providerRef)) {
    const ref = hubSpec.providerRef;
    const providerRef: JsonObject = pickStrings(ref, ['apiVersion']);
    providerRef.kind = stringOr(ref.kind);
    providerRef.name = stringOr(ref.name);
    // A namespaced image's provider is in its namespace, which v1alpha1 spells out.
    const namespace = getPath(hub, 'metadata.namespace');
    if (
      hub.kind === 'VirtualMachineImage' &&
      providerRef.name !== '' &&
      typeof namespace === 'string' &&
      namespace !== ''
    )
      providerRef.namespace = namespace;
    spec.providerRef = providerRef;
  }
  copyString(hubStatus, 'providerItemID', spec, 'imageID');
  if (isObject(hubStatus.productInfo))
    spec.productInfo = pickStrings(hubStatus.productInfo, PRODUCT_INFO_FIELDS);
  if (isObject(hubStatus.osInfo)) spec.osInfo = pickStrings(hubStatus.osInfo, OS_INFO_FIELDS);
  const ovfEnv = ovfEnvOf(hubStatus.ovfProperties);
  if (ovfEnv) spec.ovfEnv = ovfEnv;
  if (typeof hubStatus.hardwareVersion === 'number' && hubStatus.hardwareVersion !== 0)
    spec.hwVersion = hubStatus.hardwareVersion;

  const status: JsonObject = {};
  copyString(hubStatus, 'name', status, 'imageName');
  copyString(hubStatus, 'providerContentVersion', status, 'contentVersion');
  copyString(hubStatus, 'firmware', status, 'firmware');
  const conditions = imageConditionsDown(conditionsOf(hub));
  if (conditions.length > 0) status.conditions = conditions;
  const contentLibraryRef = contentLibraryRefOf(hub);
  if (contentLibraryRef) status.contentLibraryRef = contentLibraryRef;

  setPart(spoke, 'spec', spec, hub.spec);
  setPart(spoke, 'status', status, hub.status);
  // System properties go down as annotations. Only those named vmware-system* (all that
  // vm-operator and the image controller write) come back as properties: vm-operator would put
  // down another too, to stay behind as an annotation of the hub object; it is dropped here.
  const properties = hubStatus.vmwareSystemProperties;
  if (!Array.isArray(properties)) return;
  for (const property of properties.filter(isObject)) {
    const key = stringOr(property.key);
    if (key.startsWith(SYSTEM_PROPERTY_PREFIX)) setAnnotation(spoke, key, stringOr(property.value));
  }
}

function imageUp(spoke: JsonObject, hub: JsonObject): void {
  const spokeSpec = asObject(spoke.spec);
  const spokeStatus = asObject(spoke.status);
  const spec: JsonObject = {};
  const ref = asObject(spokeSpec.providerRef);
  // The namespace goes: the hub's reference is to an object of the image's namespace.
  const providerRef = {
    apiVersion: stringOr(ref.apiVersion),
    kind: stringOr(ref.kind),
    name: stringOr(ref.name),
  };
  if (Object.values(providerRef).some((value) => value !== '')) spec.providerRef = providerRef;

  const status: JsonObject = {};
  copyString(spokeStatus, 'imageName', status, 'name');
  copyString(spokeStatus, 'firmware', status, 'firmware');
  if (typeof spokeSpec.hwVersion === 'number' && spokeSpec.hwVersion !== 0)
    status.hardwareVersion = spokeSpec.hwVersion;
  if (isObject(spokeSpec.osInfo)) status.osInfo = pickStrings(spokeSpec.osInfo, OS_INFO_FIELDS);
  if (isObject(spokeSpec.ovfEnv))
    status.ovfProperties = Object.values(spokeSpec.ovfEnv).filter(isObject).map(ovfProperty);
  const systemProperties = imageSystemPropertiesUp(hub);
  if (systemProperties.length > 0) status.vmwareSystemProperties = systemProperties;
  if (isObject(spokeSpec.productInfo))
    status.productInfo = pickStrings(spokeSpec.productInfo, PRODUCT_INFO_FIELDS);
  copyString(spokeStatus, 'contentVersion', status, 'providerContentVersion');
  copyString(spokeSpec, 'imageID', status, 'providerItemID');
  const conditions = imageConditionsUp(conditionsOf(spoke));
  if (conditions.length > 0) status.conditions = conditions;

  setPart(hub, 'spec', spec, spoke.spec);
  setPart(hub, 'status', status, spoke.status);
}

/** Moves the vmware-system* annotations of the up-converted object into system properties. */
function imageSystemPropertiesUp(hub: JsonObject): JsonObject[] {
  const annotations = getPath(hub, 'metadata.annotations');
  if (!isObject(annotations)) return [];
  const properties: JsonObject[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(SYSTEM_PROPERTY_PREFIX)) continue;
    properties.push(typeof value === 'string' && value !== '' ? { key, value } : { key });
    setAnnotation(hub, key, undefined);
  }
  return properties;
}

/**
 * VirtualMachineImage and ClusterVirtualMachineImage. vm-operator keeps no annotation for them:
 * what v1alpha1 cannot hold is lost (besides these hub paths, v1alpha1's spec.type,
 * spec.imageSourceType, its OVF properties' description and label, and status.uuid,
 * internalId, powerState and imageSupported). Conditions and system properties are rebuilt,
 * not restored: Ready from v1alpha1's three image conditions, the properties from the
 * vmware-system* annotations.
 */
export const virtualMachineImageV1alpha1Rule: SpokeRule = {
  hubOnly: [],
  lost: [
    'status.capabilities',
    'status.disks',
    'status.type',
    'status.osInfo.id',
    'status.conditions',
    'status.vmwareSystemProperties',
  ],
  preserve: false,
  down: imageDown,
  up: imageUp,
};
