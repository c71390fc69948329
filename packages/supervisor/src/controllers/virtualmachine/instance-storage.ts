/**
 * The VirtualMachine controller's part of instance storage (see api/instance-storage.ts), as
 * vm-operator's create does it with the InstanceStorage capability:
 * - the class's instance storage is copied into `spec.volumes` first, and that pass ends there
 *   (its error `added instance storage volumes`, the storage condition left as it was);
 * - once the network is ready, placement picks a host (DRS's recommendation for the VM's pool),
 *   kept in the VM's annotations with its FQDN, the claims' selected node, and the zone label;
 *   later passes keep that host while the VM has its zone (a failed claim makes the volume
 *   controller take the annotations off, and the VM is placed again);
 * - the VM is deployed on that host once the volume controller has marked every claim bound,
 *   and until then each pass fails with `instance storage PVCs are not bound yet`.
 */
import type { VSphere } from '@vsim/vsphere';
import { ZONE_LABEL } from '../../api/annotations.js';
import {
  hostNodeName,
  INSTANCE_STORAGE_HOST_ANNOTATION,
  INSTANCE_STORAGE_NODE_ANNOTATION,
} from '../../api/instance-storage.js';
import type { VirtualMachine } from '../../api/types.js';
import { merged } from '../../store/meta.js';

export const ADDED_INSTANCE_STORAGE = 'added instance storage volumes';
export const INSTANCE_STORAGE_NOT_BOUND = 'instance storage PVCs are not bound yet';

/** The host an instance storage VM goes to, with the VM marked with it when its marks changed. */
export type InstanceStorageHost = { host: string; marked?: VirtualMachine } | { problem: string };

/**
 * The VM's host: the one its group's placement names (none is vm-operator's error), else the one
 * its annotations name while it has its zone, else the one DRS recommends for `pool`; `zone`, the
 * zone it is placed in, labelled with the host's marks when it has none.
 */
export function instanceStorageHost(
  vsphere: VSphere,
  vm: VirtualMachine,
  pool: string,
  zone: string | undefined,
  datastore: string | undefined,
  /** A group's placement of the VM: the host it names is the VM's. */
  byGroup?: { readonly node: string | undefined },
): InstanceStorageHost {
  const annotations = vm.metadata.annotations ?? {};
  const labels = vm.metadata.labels ?? {};
  if (byGroup && !byGroup.node)
    return { problem: 'placement result missing host required for instance storage' };
  // As vm-operator's placement, which keeps the host only when the zone is known too.
  const kept = labels[ZONE_LABEL] ? annotations[INSTANCE_STORAGE_HOST_ANNOTATION] : undefined;
  const id = byGroup?.node || kept || vsphere.computeResource.recommendHost(pool, datastore);
  // Hosts out of service, or without the claims' datastore, get no recommendation.
  if (id === undefined) return { problem: 'PlaceVM failed: no placement recommendations' };
  const host = vsphere.store.get(id);
  if (host?.kind !== 'HostSystem')
    return {
      problem: `failed to get HostNetworkSystem for hostMoID ${id}: ServerFaultCode: The object 'vim.HostSystem:${id}' has already been deleted or has not been completely created`,
    };
  const fqdn = hostNodeName(host.name);
  const labelled = zone !== undefined && !labels[ZONE_LABEL];
  if (
    annotations[INSTANCE_STORAGE_HOST_ANNOTATION] === id &&
    annotations[INSTANCE_STORAGE_NODE_ANNOTATION] === fqdn &&
    !labelled
  )
    return { host: id };
  const metadata = merged(vm.metadata, {
    annotations: merged(annotations, {
      [INSTANCE_STORAGE_HOST_ANNOTATION]: id,
      [INSTANCE_STORAGE_NODE_ANNOTATION]: fqdn,
    }),
  });
  if (labelled) metadata.labels = merged(labels, { [ZONE_LABEL]: zone });
  return { host: id, marked: merged(vm, { metadata }) };
}
