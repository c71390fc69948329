/**
 * The zone of a VM that names none, in a namespace of several zones (a Supervisor on several
 * clusters). vm-operator asks vCenter's DRS (`PlaceVmsXCluster` across the zones' pools), which
 * puts the VM where there is the most room: here, the zone whose cluster runs the fewest VMs,
 * counting those on their way there, ties by the zones' order. Once deployed, a VM's zone is the
 * one that holds its pool.
 */
import type { InventoryRecord, VSphere } from '@vsim/vsphere';
import type { NamespacePlacement, ZoneChooser } from './layout.js';

/** VMs on the hosts of the cluster that owns `pool`. */
function clusterLoad(vsphere: VSphere, pool: string): number {
  const owner = (vsphere.store.get(pool) as (InventoryRecord & { owner?: string }) | undefined)?.owner;
  let vms = 0;
  if (owner)
    for (const id of vsphere.store.referrers('childEntity', owner))
      if (vsphere.store.get(id)?.kind === 'HostSystem') vms += vsphere.store.referrerCount('vm', id);
  return vms;
}

/**
 * DRS's choice for a new VM; `pending` counts the VMs of a zone being deployed there. `fits`,
 * under vCenter's admission control, keeps the zones whose pool has room for the VM's
 * reservations, unless none has (the VM then goes where it will not power on).
 */
export const leastLoadedZone =
  (vsphere: VSphere, pending: (zone: string) => number, fits?: (pool: string) => boolean): ZoneChooser =>
  (candidates) => {
    let best: NamespacePlacement | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    const roomy = fits ? candidates.filter((c) => fits(c.pool)) : candidates;
    for (const candidate of roomy.length > 0 ? roomy : candidates) {
      const load = clusterLoad(vsphere, candidate.pool) + pending(candidate.zone as string);
      if (load < bestLoad) [best, bestLoad] = [candidate, load];
    }
    return best;
  };

/** The zone of a deployed VM: the one whose pool holds its pool (a resource policy's child pool is below it). */
export const zoneHolding =
  (vsphere: VSphere, pool: string | undefined): ZoneChooser =>
  (candidates) => {
    for (let id = pool; id !== undefined; ) {
      const found = candidates.find((c) => c.pool === id);
      if (found) return found;
      const record = vsphere.store.get(id);
      id = record?.kind === 'ResourcePool' ? record.parent : undefined;
    }
    return undefined;
  };
