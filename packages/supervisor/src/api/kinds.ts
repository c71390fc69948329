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
  readonly storageVersion: typeof HUB_VERSION;
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

export const VM_OPERATOR_KINDS: readonly VmOperatorKind[] = [
  kind('VirtualMachine', 'virtualmachines', ['vm'], true),
  kind('VirtualMachineClass', 'virtualmachineclasses', ['vmclass'], true),
  kind('VirtualMachineImage', 'virtualmachineimages', ['vmi', 'vmimage'], true),
  kind(
    'ClusterVirtualMachineImage',
    'clustervirtualmachineimages',
    ['cvmi', 'cvmimage', 'clustervmi', 'clustervmimage'],
    false,
  ),
  kind('VirtualMachineService', 'virtualmachineservices', ['vmservice'], true),
  kind('VirtualMachineSetResourcePolicy', 'virtualmachinesetresourcepolicies', [], true),
  kind('VirtualMachinePublishRequest', 'virtualmachinepublishrequests', ['vmpub'], true),
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
];
