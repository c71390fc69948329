/**
 * Cluster modules (the vAPI services vcenter.cluster.modules and
 * vcenter.cluster.modules.vm.members): sets of VMs of one cluster that DRS keeps on different
 * hosts, which vm-operator makes for a VirtualMachineSetResourcePolicy's anti-affinity groups.
 * A module is a record of the model's store with a UUID id, so it saves, loads and reaches the
 * change feed like a managed object; each operation passes the interception point under its
 * vAPI service and operation name (`vcenter.cluster.modules.create`,
 * `vcenter.cluster.modules.vm.members.add`).
 *
 * Membership changes are all or nothing, in the order the VMs are listed: adding answers false
 * and changes nothing when a VM is no VM of the module's cluster (its host is not one of the
 * cluster's) or is a member already, a VM listed twice included; removing answers false and
 * changes nothing when a VM is not a member. A removed VM leaves its modules, and a removed
 * cluster takes its modules with it (see leaveClusterModules).
 */
import { faults } from '../faults.js';
import type { ClusterModuleRecord } from '../inventory/records.js';
import type { Model, Tx } from '../model.js';

/** The store relation (see inventory/records.ts) from a module to its cluster and its members. */
const CLUSTER_MODULE = 'clusterModule';

/** vcenter.cluster.modules.Summary */
export interface ClusterModuleSummary {
  cluster: string;
  module: string;
}

const moduleOf = (tx: Tx, id: unknown): ClusterModuleRecord => {
  if (typeof id !== 'string') throw faults.invalidArgument('module');
  const record = tx.get(id);
  if (record?.kind !== 'ClusterModule') throw faults.notFound(`The cluster module ${id} does not exist.`);
  return record;
};

const vmIdsOf = (vms: unknown): readonly string[] => {
  if (!Array.isArray(vms) || !vms.every((vm) => typeof vm === 'string')) throw faults.invalidArgument('vms');
  return vms;
};

/** A VM runs in a cluster when its host is one of the cluster's. */
const isVmOf = (tx: Tx, vmId: string, cluster: string): boolean => {
  const vm = tx.get(vmId);
  return vm?.kind === 'VirtualMachine' && vm.host !== undefined && tx.get(vm.host)?.parent === cluster;
};

const withMembers = (tx: Tx, module: ClusterModuleRecord, members: Iterable<string>) =>
  tx.put(Object.assign({}, module, { members: [...members] }));

export const clusterModuleOperations = (m: Model) => {
  const call = <T>(operation: string, target: unknown, work: (tx: Tx) => T): T =>
    m.call(
      { method: `vcenter.cluster.modules.${operation}`, ...(typeof target === 'string' ? { target } : {}) },
      work,
    );

  return {
    /** vcenter.cluster.modules.create: a module on a cluster; anything else is InvalidArgument. Returns its id. */
    create(cluster: string): string {
      return call('create', cluster, (tx) => {
        if (typeof cluster !== 'string' || tx.get(cluster)?.kind !== 'ClusterComputeResource')
          throw faults.invalidArgument('cluster');
        const id = m.random.uuid();
        const record: ClusterModuleRecord = { id, kind: 'ClusterModule', name: id, cluster, members: [] };
        return tx.put(record).id;
      });
    },

    /** vcenter.cluster.modules.list: every module, oldest first. */
    list(): ClusterModuleSummary[] {
      return call('list', undefined, () =>
        [...m.store.ofKind<ClusterModuleRecord>('ClusterModule')].map((r) => ({
          cluster: r.cluster,
          module: r.id,
        })),
      );
    },

    /** vcenter.cluster.modules.delete: NotFound for an unknown id. */
    delete(module: string): void {
      call('delete', module, (tx) => {
        tx.remove(moduleOf(tx, module).id);
      });
    },

    /** vcenter.cluster.modules.vm.members.get: the member VMs, in the order they joined. */
    members(module: string): string[] {
      return call('vm.members.get', module, (tx) => [...moduleOf(tx, module).members]);
    },

    /** vcenter.cluster.modules.vm.members.add: true when every VM joined; false, and none did, otherwise. */
    addMembers(module: string, vms: readonly string[]): boolean {
      return call('vm.members.add', module, (tx) => {
        const current = moduleOf(tx, module);
        const members = new Set(current.members);
        for (const vm of vmIdsOf(vms)) {
          if (members.has(vm) || !isVmOf(tx, vm, current.cluster)) return false;
          members.add(vm);
        }
        if (members.size > current.members.length) withMembers(tx, current, members);
        return true;
      });
    },

    /** vcenter.cluster.modules.vm.members.remove: true when every VM left; false, and none did, otherwise. */
    removeMembers(module: string, vms: readonly string[]): boolean {
      return call('vm.members.remove', module, (tx) => {
        const current = moduleOf(tx, module);
        const members = new Set(current.members);
        for (const vm of vmIdsOf(vms)) if (!members.delete(vm)) return false;
        if (members.size < current.members.length) withMembers(tx, current, members);
        return true;
      });
    },
  };
};

export type ClusterModuleOperations = ReturnType<typeof clusterModuleOperations>;

/**
 * A removal hook (Model.onRemove): whatever operation removes a VM, it leaves the modules it
 * was in; a removed cluster's modules go with it, in the same transaction.
 */
export const leaveClusterModules =
  (m: Model) =>
  (tx: Tx, removed: readonly string[]): void => {
    for (const id of removed) {
      for (const moduleId of m.store.referrers(CLUSTER_MODULE, id)) {
        const module = tx.get(moduleId) as ClusterModuleRecord | undefined;
        // Gone already when its cluster went in this transaction too.
        if (!module) continue;
        const left = module.members.filter((vm) => vm !== id);
        if (module.cluster === id) tx.remove(module.id);
        else withMembers(tx, module, left);
      }
    }
  };
