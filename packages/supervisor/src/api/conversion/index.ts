/**
 * Entry points of the conversion between served versions: `toHub` brings an
 * object of any served version to v1alpha6, `fromHub` takes a hub object to
 * the version a client asked for.
 */

import { clone } from '../../store/meta.js';
import {
  apiVersionOf,
  ConversionError,
  convertDown,
  convertUp,
  HUB_VERSION,
  type KindRules,
  type ServedVersion,
  SPOKE_VERSIONS,
  type SpokeVersion,
  versionOf,
} from './engine.js';
import {
  virtualMachineGroupRules,
  virtualMachineImageCacheRules,
  virtualMachineImageRules,
  virtualMachinePublishRequestRules,
  virtualMachineServiceRules,
} from './kinds.js';
import { isObject, type JsonObject } from './paths.js';
import {
  virtualMachineImageV1alpha1Rule,
  virtualMachinePublishRequestV1alpha1Rule,
  virtualMachineServiceV1alpha1Rule,
  virtualMachineSetResourcePolicyV1alpha1Rule,
} from './v1alpha1-kinds.js';
import { virtualMachineReplicaSetRules, virtualMachineRules } from './virtualmachine.js';
import { virtualMachineV1alpha1Rule } from './virtualmachine-v1alpha1.js';

export * from './engine.js';
export type { JsonObject } from './paths.js';

const RULES: Record<string, KindRules> = {
  VirtualMachine: { ...virtualMachineRules, v1alpha1: virtualMachineV1alpha1Rule },
  VirtualMachineImage: { ...virtualMachineImageRules, v1alpha1: virtualMachineImageV1alpha1Rule },
  ClusterVirtualMachineImage: { ...virtualMachineImageRules, v1alpha1: virtualMachineImageV1alpha1Rule },
  VirtualMachineService: { ...virtualMachineServiceRules, v1alpha1: virtualMachineServiceV1alpha1Rule },
  VirtualMachinePublishRequest: {
    ...virtualMachinePublishRequestRules,
    v1alpha1: virtualMachinePublishRequestV1alpha1Rule,
  },
  // The same shape in every served version; vm-operator keeps no annotation for it.
  VirtualMachineClass: {},
  VirtualMachineClassInstance: {},
  VirtualMachineSetResourcePolicy: { v1alpha1: virtualMachineSetResourcePolicyV1alpha1Rule },
  // The same shape in every served version.
  VirtualMachineWebConsoleRequest: {},
  VirtualMachineSnapshot: {},
  VirtualMachineGroupPublishRequest: {},
  VirtualMachineReplicaSet: virtualMachineReplicaSetRules,
  VirtualMachineGroup: virtualMachineGroupRules,
  VirtualMachineImageCache: virtualMachineImageCacheRules,
};

export function isServedVersion(version: string): version is ServedVersion {
  return version === HUB_VERSION || (SPOKE_VERSIONS as readonly string[]).includes(version);
}

function rulesFor(obj: JsonObject): KindRules {
  const kind = obj.kind;
  const rules = typeof kind === 'string' ? RULES[kind] : undefined;
  if (!rules) throw new ConversionError(`no conversion for kind ${String(kind)}`);
  return rules;
}

function servedVersionOf(obj: JsonObject): ServedVersion {
  const version = versionOf(obj.apiVersion);
  if (version === undefined || !isServedVersion(version)) {
    throw new ConversionError(`apiVersion ${String(obj.apiVersion)} is not served`);
  }
  return version;
}

/** Converts an object of any served version to the hub version (a new object). */
export function toHub<T extends object>(obj: T): JsonObject {
  const json = obj as unknown as JsonObject;
  if (!isObject(json)) throw new ConversionError('not an object');
  const version = servedVersionOf(json);
  const rules = rulesFor(json);
  if (version === HUB_VERSION) return clone(json);
  return convertUp(json, rules[version as SpokeVersion]);
}

/**
 * Converts a hub object to `version` (a new object); `stored`, a stored object (which never
 * changes), lets the conversion annotation be made when it is first read.
 */
export function fromHub<T extends object>(obj: T, version: ServedVersion, stored = false): JsonObject {
  const json = obj as unknown as JsonObject;
  if (servedVersionOf(json) !== HUB_VERSION)
    throw new ConversionError('fromHub takes a hub (v1alpha6) object');
  const rules = rulesFor(json);
  if (version === HUB_VERSION) return clone(json);
  return convertDown(json, version, rules[version], stored);
}

/** Converts between any two served versions through the hub; `stored` as fromHub's. */
export function convertTo<T extends object>(obj: T, version: ServedVersion, stored = false): JsonObject {
  const json = obj as unknown as JsonObject;
  // A hub object goes down as it is: fromHub copies (and never changes its argument).
  if (version !== HUB_VERSION && isObject(json) && versionOf(json.apiVersion) === HUB_VERSION)
    return fromHub(json, version, stored);
  const hub = toHub(obj);
  return version === HUB_VERSION ? hub : fromHub(hub, version);
}

export { apiVersionOf };
