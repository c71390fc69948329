/**
 * Conversion rules of the vm-operator kinds other than VirtualMachine,
 * following the api/v1alpha{2,3,4,5}/*_conversion.go files.
 */

import type { KindRules, SpokeRule } from './engine.js';
import { getPath, isObject, type JsonObject } from './paths.js';

/** v1alpha3-4 image disks say capacity/size where the hub says limit/requested. */
function renameDisks(obj: JsonObject, renames: Record<string, string>): void {
  const disks = getPath(obj, 'status.disks');
  if (!Array.isArray(disks)) return;
  for (const disk of disks) {
    if (!isObject(disk)) continue;
    for (const [from, to] of Object.entries(renames)) {
      if (disk[from] === undefined) continue;
      disk[to] = disk[from];
      delete disk[from];
    }
  }
}

// vm-operator keeps no annotation for images: what a spoke cannot hold is lost.
const imageDisksRenamed: SpokeRule = {
  hubOnly: [],
  lost: ['name', 'controllerType', 'controllerBusNumber', 'unitNumber'].map((f) => `status.disks[].${f}`),
  preserve: false,
  down: (_hub, spoke) => renameDisks(spoke, { limit: 'capacity', requested: 'size' }),
  up: (_spoke, hub) => renameDisks(hub, { capacity: 'limit', size: 'requested' }),
};

export const virtualMachineImageRules: KindRules = {
  v1alpha4: imageDisksRenamed,
  v1alpha3: imageDisksRenamed,
  v1alpha2: { hubOnly: [], lost: ['status.disks', 'status.type'], preserve: false },
};

const serviceIPFamilies: SpokeRule = {
  hubOnly: ['spec.ipFamilies', 'spec.ipFamilyPolicy', 'status.conditions'],
  preserve: true,
};

export const virtualMachineServiceRules: KindRules = {
  v1alpha5: serviceIPFamilies,
  v1alpha4: serviceIPFamilies,
  v1alpha3: serviceIPFamilies,
  v1alpha2: serviceIPFamilies,
};

// v1alpha6 added a boot order group's powerOffDelay; the spokes keep it in the annotation.
const groupPowerOffDelay: SpokeRule = { hubOnly: ['spec.bootOrder[].powerOffDelay'], preserve: true };

export const virtualMachineGroupRules: KindRules = {
  v1alpha5: groupPowerOffDelay,
  v1alpha4: groupPowerOffDelay,
  v1alpha3: groupPowerOffDelay,
  v1alpha2: groupPowerOffDelay,
};

const publishBackoffLimit: SpokeRule = { hubOnly: ['spec.backoffLimit'], preserve: true };

export const virtualMachinePublishRequestRules: KindRules = {
  v1alpha4: publishBackoffLimit,
  v1alpha3: publishBackoffLimit,
  v1alpha2: publishBackoffLimit,
};

// v1alpha6 added the original name of a cached file; vm-operator's conversions drop it going down.
const imageCacheFileName: SpokeRule = {
  hubOnly: [],
  lost: ['status.locations[].files[].name'],
  preserve: false,
};

export const virtualMachineImageCacheRules: KindRules = {
  v1alpha5: imageCacheFileName,
  v1alpha4: imageCacheFileName,
  v1alpha3: imageCacheFileName,
};
