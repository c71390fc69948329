/**
 * vm-operator's VirtualMachineSetResourcePolicy controller. A policy first gets the
 * finalizer `vmoperator.vmware.com/virtualmachinesetresourcepolicy` (and loses the
 * deprecated `virtualmachinesetresourcepolicy.vmoperator.vmware.com`); the next pass lays
 * it out in vSphere, reusing what exists:
 * - a folder `spec.folder` under the namespace's folder;
 * - under each pool of the namespace (one per zone, so one per cluster), a child pool
 *   `spec.resourcePool.name` with the policy's reservations and limits (vm-operator leaves
 *   a child pool at vSphere's defaults; here the spec is applied, and kept applied);
 * - one cluster module per group and cluster in vSphere (vAPI's `vcenter.cluster.modules`),
 *   its UUID kept in `status.clustermodules`, the only record of which group it serves (a
 *   module has no name); one gone from vSphere is made again, and those of a cluster the
 *   namespace left are deleted.
 * Status: `resourcePools[{clusterMoID, childResourcePoolMoID}]` and `clustermodules`.
 * A namespace no Supervisor prepared (no pool or folder) fails the pass, which is retried
 * with backoff, and at once when the namespace or one of its Zones changes.
 *
 * Deleting a policy sets its deletionTimestamp; the finalizer keeps it while a VM of the
 * namespace names it in `spec.reserved.resourcePolicyName` (VMs are watched, so the policy
 * goes on as soon as the last one lets go). Then its child pools and its folder are
 * destroyed, but only once empty: what still holds VMs is left alone and the policy is
 * retried when the vSphere inventory below it changes. Its cluster modules are deleted.
 * Then the finalizer goes.
 */
import {
  findChild,
  type InventoryRecord,
  isVimFault,
  type ResourcePoolRecord,
  type VSphere,
} from '@vsim/vsphere';
import type {
  ResourcePoolStatus,
  VirtualMachine,
  VirtualMachineSetResourcePolicy,
  VirtualMachineSetResourcePolicyStatus,
  VSphereClusterModuleStatus,
} from '../../api/types.js';
import {
  type NamespacePlacement,
  placementOf,
  TOPOLOGY_API_VERSION,
  type ZoneSpec,
} from '../../namespaces/layout.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject } from '../../store/meta.js';
import { configSpecOf, hasAllocation, poolAllocation } from './allocation.js';

export const RESOURCE_POLICY_CONTROLLER = 'virtualmachinesetresourcepolicy-controller';
export const RESOURCE_POLICY_FINALIZER = 'vmoperator.vmware.com/virtualmachinesetresourcepolicy';
export const DEPRECATED_RESOURCE_POLICY_FINALIZER = 'virtualmachinesetresourcepolicy.vmoperator.vmware.com';
export const RESOURCE_POLICY_API_VERSION = 'vmoperator.vmware.com/v1alpha6';

export interface ResourcePolicyControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
}

export interface ResourcePolicyController {
  readonly controller: Controller;
  /** Stops following the vSphere inventory (the controller itself stops with its manager). */
  stop(): void;
}

type Policy = VirtualMachineSetResourcePolicy & KubeObject;
type Zone = KubeObject & { spec?: ZoneSpec };

const POLICY = { apiVersion: RESOURCE_POLICY_API_VERSION, kind: 'VirtualMachineSetResourcePolicy' } as const;
const VM = { apiVersion: RESOURCE_POLICY_API_VERSION, kind: 'VirtualMachine' } as const;
const ZONE = { apiVersion: TOPOLOGY_API_VERSION, kind: 'Zone' } as const;
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;

/** The child of `parent` named `name` when it is of `kind`; an error when it is something else. */
function childOf(vsphere: VSphere, parent: string, name: string, kind: 'Folder' | 'ResourcePool') {
  const child = findChild(vsphere.store, parent, name);
  if (child && child.kind !== kind)
    throw new Error(`${kind} child "${name}" is not a ${kind} but a ${child.kind}`);
  return child;
}

/**
 * The pool and folder (moref values) a policy gives its VMs in a namespace placed at
 * `placement`: its child pool and folder, or the namespace's own where the policy names
 * none; undefined while one it names does not exist.
 */
export function policyPlacement(
  vsphere: VSphere,
  placement: NamespacePlacement,
  policy: VirtualMachineSetResourcePolicy,
): { pool: string; folder: string } | undefined {
  const named = (parent: string, name: string | undefined, kind: 'Folder' | 'ResourcePool') => {
    if (!name) return parent;
    const child = findChild(vsphere.store, parent, name);
    return child?.kind === kind ? child.id : undefined;
  };
  const pool = named(placement.pool, policy.spec?.resourcePool?.name, 'ResourcePool');
  const folder = named(placement.folder, policy.spec?.folder, 'Folder');
  return pool !== undefined && folder !== undefined ? { pool, folder } : undefined;
}

/** The module of a policy for a group on a cluster, as vm-operator finds it in the policy's status. */
export function policyModuleOf(
  policy: VirtualMachineSetResourcePolicy,
  group: string,
  cluster: string | undefined,
): string | undefined {
  return policy.status?.clustermodules?.find((m) => m.groupName === group && m.clusterMoID === cluster)
    ?.moduleUUID;
}

/** The cluster a resource pool belongs to. */
export const clusterOfPool = (vsphere: VSphere, pool: string | undefined): string | undefined =>
  (vsphere.store.get(pool ?? '') as ResourcePoolRecord | undefined)?.owner;

/** What a pool or folder still holds: its child entities, and for a pool its VMs. */
export function contentOf(vsphere: VSphere, id: string): string[] {
  const out: string[] = [];
  for (const child of vsphere.store.referrers('childEntity', id))
    if (vsphere.store.get(child)?.kind !== 'Task') out.push(child);
  for (const vm of vsphere.store.referrers('vm', id)) if (!out.includes(vm)) out.push(vm);
  return out;
}

/**
 * The policy's cluster modules, as vm-operator keeps them: one per group and cluster, made in
 * vSphere when the status names none for them, or names one vSphere no longer has. An entry
 * of an older version without a cluster is claimed when its module is on the cluster. Modules
 * of a cluster the namespace left are deleted (best effort), once the pass saw every cluster.
 */
function clusterModules(
  vsphere: VSphere,
  existing: readonly VSphereClusterModuleStatus[],
  groups: readonly string[],
  clusters: readonly string[],
  complete: boolean,
  attempt: <T>(work: () => T) => T | undefined,
): VSphereClusterModuleStatus[] {
  const modules = vsphere.clusterModules.list();
  const exists = (module: string | undefined, cluster: string) =>
    modules.some((m) => m.module === module && m.cluster === cluster);
  const out = existing.map((m) => ({ ...m }));
  for (const cluster of clusters)
    for (const groupName of groups) {
      const entry =
        out.find((m) => m.groupName === groupName && m.clusterMoID === cluster) ??
        out.find((m) => m.groupName === groupName && !m.clusterMoID && exists(m.moduleUUID, cluster));
      if (entry && exists(entry.moduleUUID, cluster)) {
        entry.clusterMoID = cluster;
        continue;
      }
      const moduleUUID = attempt(() => vsphere.clusterModules.create(cluster));
      if (moduleUUID === undefined) continue;
      if (entry) Object.assign(entry, { moduleUUID, clusterMoID: cluster });
      else out.push({ groupName, moduleUUID, clusterMoID: cluster });
    }
  if (!complete) return out;
  const left = (m: VSphereClusterModuleStatus) =>
    m.clusterMoID !== undefined && !clusters.includes(m.clusterMoID);
  for (const m of out.filter(left)) deleteModule(vsphere, m.moduleUUID);
  return out.filter((m) => !left(m));
}

/** Deletes a cluster module; one already gone is fine. */
function deleteModule(vsphere: VSphere, module: string | undefined): void {
  if (!module) return;
  try {
    vsphere.clusterModules.delete(module);
  } catch (error) {
    if (!isVimFault(error, 'NotFound')) throw error;
  }
}

const failure = (errors: readonly unknown[]): Error => {
  if (errors.length === 1 && errors[0] instanceof Error) return errors[0];
  return new Error(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
};

export function startResourcePolicyController(
  manager: Manager,
  deps: ResourcePolicyControllerDeps,
): ResourcePolicyController {
  const { kube, vsphere } = deps;
  const zonesServed = kube.kindInfo(ZONE.apiVersion, ZONE.kind) !== undefined;
  /** vSphere objects a deleting policy waits to see emptied, and the policies waiting. */
  const blocking = new Map<string, Set<string>>();

  /** Where the namespace's VMs go, and every pool of its zones. */
  const layoutOf = async (namespace: string) => {
    const ns = await kube.get({ ...NAMESPACE, name: namespace }).catch(ignoreNotFound);
    // Every zone, those being deleted too, as vm-operator's GetZones lists them: a zone's cluster
    // modules go once the zone is gone.
    const zones = zonesServed ? (await kube.list<Zone>({ ...ZONE, namespace })).items : [];
    const placement = placementOf(ns, zones);
    if (!placement) return undefined;
    const pools = new Set(zones.flatMap((z) => z.spec?.managedVMs?.poolMoIDs ?? []));
    if (pools.size === 0) pools.add(placement.pool);
    return { placement, pools: [...pools] };
  };

  const ensureFolder = (parent: string, name: string): string =>
    childOf(vsphere, parent, name, 'Folder')?.id ?? vsphere.folder.create(parent, name).value;

  const ensurePool = (parent: ResourcePoolRecord, policy: Policy): string => {
    const spec = policy.spec?.resourcePool ?? {};
    const name = spec.name as string;
    const want = poolAllocation(vsphere, parent, spec);
    const existing = childOf(vsphere, parent.id, name, 'ResourcePool') as ResourcePoolRecord | undefined;
    if (!existing) return vsphere.pool.create(parent.id, name, configSpecOf(want)).value;
    if (!hasAllocation(existing, want)) vsphere.pool.update(existing.id, undefined, configSpecOf(want));
    return existing.id;
  };

  /** Lays the policy out in vSphere and writes its status; throws what went wrong. */
  const apply = async (policy: Policy) => {
    const namespace = policy.metadata.namespace as string;
    const layout = await layoutOf(namespace);
    if (!layout)
      throw new Error(
        `cannot place VirtualMachineSetResourcePolicy ${namespace}/${policy.metadata.name}: namespace ${namespace} has no resource pool and folder`,
      );
    const errors: unknown[] = [];
    const attempt = <T>(work: () => T): T | undefined => {
      try {
        return work();
      } catch (error) {
        errors.push(error);
        return undefined;
      }
    };
    const spec = policy.spec ?? {};
    if (spec.folder) attempt(() => ensureFolder(layout.placement.folder, spec.folder as string));
    const resourcePools: ResourcePoolStatus[] = [];
    const clusters: string[] = [];
    for (const poolId of layout.pools) {
      const parent = attempt(() => vsphere.lookup<ResourcePoolRecord>(poolId, 'ResourcePool'));
      if (!parent) continue;
      if (!clusters.includes(parent.owner)) clusters.push(parent.owner);
      if (!spec.resourcePool?.name) continue;
      const child = attempt(() => ensurePool(parent, policy));
      if (child) resourcePools.push({ clusterMoID: parent.owner, childResourcePoolMoID: child });
    }
    const modules = clusterModules(
      vsphere,
      policy.status?.clustermodules ?? [],
      spec.clusterModuleGroups ?? [],
      clusters,
      errors.length === 0,
      attempt,
    );
    const { resourcePools: _p, clustermodules: _m, ...rest } = policy.status ?? {};
    const status: VirtualMachineSetResourcePolicyStatus = {
      ...rest,
      ...(resourcePools.length > 0 ? { resourcePools } : {}),
      ...(modules.length > 0 ? { clustermodules: modules } : {}),
    };
    if (!deepEqual(policy.status ?? {}, status)) await kube.updateStatus({ ...policy, status });
    if (errors.length > 0) throw failure(errors);
  };

  /** Destroys an emptied child pool or folder; names what holds it otherwise. */
  const teardown = async (key: string, child: InventoryRecord | undefined): Promise<string | undefined> => {
    if (!child) return undefined;
    const content = contentOf(vsphere, child.id);
    if (content.length > 0) {
      const waiters = blocking.get(child.id) ?? new Set<string>();
      blocking.set(child.id, waiters.add(key));
      return `${child.kind} ${child.name} (${child.id}) still holds ${content.join(', ')}`;
    }
    blocking.delete(child.id);
    const task = child.kind === 'Folder' ? vsphere.folder.destroy(child.id) : vsphere.pool.destroy(child.id);
    await task.wait();
    return undefined;
  };

  /** The delete path; resolves once the finalizer may go, throws while something holds it. */
  const release = async (key: string, policy: Policy) => {
    const namespace = policy.metadata.namespace as string;
    const name = policy.metadata.name as string;
    const vms = await kube.list<VirtualMachine & KubeObject>({ ...VM, namespace });
    const user = vms.items.find((vm) => vm.spec?.reserved?.resourcePolicyName === name);
    if (user)
      throw new Error(
        `failing VirtualMachineSetResourcePolicy deletion since VM: '${namespace}/${user.metadata.name}' is referencing it, resourcePolicyName: '${namespace}/${name}'`,
      );
    // Its modules go whatever else is left: deleting them needs no pool or folder.
    for (const module of policy.status?.clustermodules ?? []) deleteModule(vsphere, module.moduleUUID);
    const layout = await layoutOf(namespace);
    if (!layout) return;
    const held: string[] = [];
    const poolName = policy.spec?.resourcePool?.name;
    for (const poolId of poolName ? layout.pools : []) {
      const why = await teardown(key, childOf(vsphere, poolId, poolName as string, 'ResourcePool'));
      if (why) held.push(why);
    }
    const folderName = policy.spec?.folder;
    if (folderName) {
      const why = await teardown(key, childOf(vsphere, layout.placement.folder, folderName, 'Folder'));
      if (why) held.push(why);
    }
    if (held.length > 0)
      throw new Error(
        `cannot clean up VirtualMachineSetResourcePolicy ${namespace}/${name}: ${held.join('; ')}`,
      );
  };

  const unblock = (key: string) => {
    for (const [id, waiters] of blocking) if (waiters.delete(key) && waiters.size === 0) blocking.delete(id);
  };

  const setFinalizers = (policy: Policy, finalizers: string[]) =>
    kube.update({ ...policy, metadata: { ...policy.metadata, finalizers } });

  const reconcile = async (key: string) => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const policy = (await kube.get({ ...POLICY, namespace, name }).catch(ignoreNotFound)) as
      | Policy
      | undefined;
    if (!policy) {
      unblock(key);
      return undefined;
    }
    const finalizers = policy.metadata.finalizers ?? [];
    const ours = (f: string) => f === RESOURCE_POLICY_FINALIZER || f === DEPRECATED_RESOURCE_POLICY_FINALIZER;
    if (policy.metadata.deletionTimestamp) {
      if (!finalizers.some(ours)) return undefined;
      await release(key, policy);
      unblock(key);
      await setFinalizers(
        policy,
        finalizers.filter((f) => !ours(f)),
      );
      return undefined;
    }
    if (!finalizers.includes(RESOURCE_POLICY_FINALIZER)) {
      // As vm-operator: the finalizer is written alone; its own event brings the policy back.
      await setFinalizers(policy, [...finalizers.filter((f) => !ours(f)), RESOURCE_POLICY_FINALIZER]);
      return undefined;
    }
    await apply(policy);
    return undefined;
  };

  const controller = manager.controller({ name: RESOURCE_POLICY_CONTROLLER, reconcile });

  const policiesIn = async (namespace: string | undefined) => {
    if (!namespace) return [];
    const { items } = await kube.list({ ...POLICY, namespace });
    return items.map((p) => objectKey({ namespace, name: p.metadata.name as string }));
  };

  const policyOf = (vm: KubeObject | undefined) =>
    (vm as (VirtualMachine & KubeObject) | undefined)?.spec?.reserved?.resourcePolicyName;

  const toPolicies = (vm: KubeObject, event: string, old: KubeObject | undefined) => {
    const namespace = vm.metadata.namespace as string;
    // A VM letting go of a policy requeues it too: its deletion may wait for that VM.
    const before = policyOf(old);
    const after = policyOf(vm);
    // A policy cares which VMs name it (its deletion waits for none): other VM changes are not its business.
    if ((event === 'MODIFIED' && before === after) || (!before && !after)) return undefined;
    return [...new Set([before, after])]
      .filter((n) => n)
      .map((n) => objectKey({ namespace, name: n as string }));
  };

  controller.watches(kube, POLICY);
  controller.watches(kube, VM, toPolicies);
  controller.watches(kube, NAMESPACE, (ns) => policiesIn(ns.metadata.name));
  if (zonesServed) controller.watches(kube, ZONE, (zone) => policiesIn(zone.metadata.namespace));

  // A deleting policy waiting on a pool or folder is retried when what it holds leaves.
  const stop = vsphere.store.subscribe((batch) => {
    if (blocking.size === 0) return;
    for (const change of batch.changes) {
      const before = change.before as (InventoryRecord & { pool?: string }) | undefined;
      for (const id of [before?.parent, before?.pool]) {
        const waiters = id === undefined ? undefined : blocking.get(id);
        if (waiters) for (const key of waiters) controller.enqueue(key);
      }
    }
  });
  return { controller, stop };
}
