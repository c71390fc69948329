/** The vm-operator kinds the supervisor serves, as the store registers them. */

import type { ScaleSubresource } from '../store/scale.js';
import { GROUP, HUB_VERSION, type ServedVersion, SPOKE_VERSIONS } from './conversion/engine.js';

export interface VmOperatorKind {
  readonly group: typeof GROUP;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly hasStatus: boolean;
  readonly storageVersion: ServedVersion;
  readonly servedVersions: readonly ServedVersion[];
  /** Its `scale` subresource, where its CRD has one. */
  readonly scale?: ScaleSubresource;
}

const SERVED: readonly ServedVersion[] = [...SPOKE_VERSIONS, HUB_VERSION];

function kind(
  name: string,
  plural: string,
  shortNames: string[],
  namespaced: boolean,
  since: ServedVersion = 'v1alpha2',
): VmOperatorKind {
  return {
    group: GROUP,
    kind: name,
    plural,
    singular: name.toLowerCase(),
    shortNames,
    namespaced,
    hasStatus: true,
    storageVersion: HUB_VERSION,
    servedVersions: SERVED.slice(SERVED.indexOf(since)),
  };
}

/**
 * A kind vm-operator still serves in v1alpha1 alone: one a newer kind replaced
 * (WebConsoleRequest), or one deprecated whose objects nothing reconciles any more.
 */
function v1alpha1Kind(
  name: string,
  plural: string,
  shortNames: string[],
  { namespaced, hasStatus }: { namespaced: boolean; hasStatus: boolean },
): VmOperatorKind {
  return {
    ...kind(name, plural, shortNames, namespaced),
    hasStatus,
    storageVersion: 'v1alpha1',
    servedVersions: ['v1alpha1'],
  };
}

export const VM_OPERATOR_KINDS: readonly VmOperatorKind[] = [
  kind('VirtualMachine', 'virtualmachines', ['vm'], true, 'v1alpha1'),
  kind('VirtualMachineClass', 'virtualmachineclasses', ['vmclass'], true, 'v1alpha1'),
  // Served with ImmutableClasses alone (see registerVmOperatorKinds).
  kind('VirtualMachineClassInstance', 'virtualmachineclassinstances', ['vmclassinstance'], true, 'v1alpha4'),
  kind('VirtualMachineImage', 'virtualmachineimages', ['vmi', 'vmimage'], true, 'v1alpha1'),
  // Served with FastDeploy alone (see registerVmOperatorKinds).
  kind(
    'VirtualMachineImageCache',
    'virtualmachineimagecaches',
    ['vmic', 'vmicache', 'vmimagecache'],
    true,
    'v1alpha3',
  ),
  kind(
    'ClusterVirtualMachineImage',
    'clustervirtualmachineimages',
    ['cvmi', 'cvmimage', 'clustervmi', 'clustervmimage'],
    false,
    'v1alpha1',
  ),
  kind('VirtualMachineService', 'virtualmachineservices', ['vmservice'], true, 'v1alpha1'),
  kind('VirtualMachineSetResourcePolicy', 'virtualmachinesetresourcepolicies', [], true, 'v1alpha1'),
  kind('VirtualMachinePublishRequest', 'virtualmachinepublishrequests', ['vmpub'], true, 'v1alpha1'),
  kind('VirtualMachineWebConsoleRequest', 'virtualmachinewebconsolerequests', [], true),
  kind('VirtualMachineGroup', 'virtualmachinegroups', ['vmg'], true),
  kind('VirtualMachineSnapshot', 'virtualmachinesnapshots', ['vmsnapshot'], true, 'v1alpha5'),
  kind(
    'VirtualMachineGroupPublishRequest',
    'virtualmachinegrouppublishrequests',
    ['vmgpub'],
    true,
    'v1alpha5',
  ),
  {
    ...kind(
      'VirtualMachineReplicaSet',
      'virtualmachinereplicasets',
      ['vmrs', 'vmreplicaset'],
      true,
      'v1alpha3',
    ),
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  },
  v1alpha1Kind('WebConsoleRequest', 'webconsolerequests', [], { namespaced: true, hasStatus: true }),
  v1alpha1Kind('VirtualMachineClassBinding', 'virtualmachineclassbindings', ['vmclassbinding'], {
    namespaced: true,
    hasStatus: false,
  }),
  v1alpha1Kind('ContentSource', 'contentsources', [], { namespaced: false, hasStatus: false }),
  v1alpha1Kind('ContentSourceBinding', 'contentsourcebindings', [], { namespaced: true, hasStatus: false }),
  v1alpha1Kind('ContentLibraryProvider', 'contentlibraryproviders', [], {
    namespaced: false,
    hasStatus: false,
  }),
];
