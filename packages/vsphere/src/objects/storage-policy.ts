/**
 * VM storage policies (vcenter.storage.policies): the profiles of vCenter's policy service
 * that provisioning names by id. The model keeps those made through it, each a record with a
 * UUID id, a name no other policy has, and a description; a Supervisor makes one for each
 * storage class it prepares, whose `storagePolicyID` names it.
 */
import { faults } from '../faults.js';
import type { StoragePolicyRecord } from '../inventory/records.js';
import type { Model } from '../model.js';

/** vcenter.storage.policies.Summary */
export interface StoragePolicySummary {
  policy: string;
  name: string;
  description: string;
}

const summaryOf = (r: StoragePolicyRecord): StoragePolicySummary => ({
  policy: r.id,
  name: r.name,
  description: r.description,
});

export const storagePolicyOperations = (m: Model) => {
  const all = () => m.store.ofKind<StoragePolicyRecord>('StoragePolicy');
  return {
    /** A new policy; its name must be a text no other policy has (AlreadyExists). Returns its id. */
    create(name: string, description = ''): string {
      return m.call({ method: 'vcenter.storage.policies.create' }, (tx) => {
        if (typeof name !== 'string' || name.trim() === '') throw faults.invalidArgument('name');
        if (typeof description !== 'string') throw faults.invalidArgument('description');
        for (const r of all()) if (r.name === name) throw faults.alreadyExists(name);
        const id = m.random.uuid();
        const record: StoragePolicyRecord = { id, kind: 'StoragePolicy', name, description };
        return tx.put(record).id;
      });
    },

    /** vcenter.storage.policies.list: every policy, oldest first. */
    list(): StoragePolicySummary[] {
      return m.call({ method: 'vcenter.storage.policies.list' }, () => [...all()].map(summaryOf));
    },

    /** The id of the policy of this name, if any. */
    find(name: string): string | undefined {
      for (const r of all()) if (r.name === name) return r.id;
      return undefined;
    },
  };
};

export type StoragePolicyOperations = ReturnType<typeof storagePolicyOperations>;
