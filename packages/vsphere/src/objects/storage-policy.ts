/**
 * VM storage policies (vcenter.storage.policies): the profiles of vCenter's policy service
 * that provisioning names by id. The model keeps those made through it, each a record with a
 * UUID id, a name no other policy has, a description and the rules it was made with (vSAN's
 * object space reservation, which vm-operator reads to provision a VM's disks, and an encryption
 * IO filter, under which VMs' files and disks are encrypted); a Supervisor
 * makes one for each storage class it prepares, whose `storagePolicyID` names it.
 */
import { faults } from '../faults.js';
import type { StoragePolicyRecord, StoragePolicyRules } from '../inventory/records.js';
import type { Model } from '../model.js';

/** vcenter.storage.policies.Summary */
export interface StoragePolicySummary {
  policy: string;
  name: string;
  description: string;
}

const NO_RULES: StoragePolicyRules = Object.freeze({});

/** A percentage of an object's size. */
const isPercent = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100;

const summaryOf = (r: StoragePolicyRecord): StoragePolicySummary => ({
  policy: r.id,
  name: r.name,
  description: r.description,
});

export const storagePolicyOperations = (m: Model) => {
  const all = () => m.store.ofKind<StoragePolicyRecord>('StoragePolicy');
  return {
    /**
     * A new policy; its name must be a text no other policy has (AlreadyExists). Its rules
     * (none by default) are kept as given. Returns its id.
     */
    create(name: string, description = '', rules: StoragePolicyRules = NO_RULES): string {
      return m.call({ method: 'vcenter.storage.policies.create' }, (tx) => {
        if (typeof name !== 'string' || name.trim() === '') throw faults.invalidArgument('name');
        if (typeof description !== 'string') throw faults.invalidArgument('description');
        const { proportionalCapacity, encryption } = rules;
        if (proportionalCapacity !== undefined && !isPercent(proportionalCapacity))
          throw faults.invalidArgument('rules.proportionalCapacity');
        if (encryption !== undefined && typeof encryption !== 'boolean')
          throw faults.invalidArgument('rules.encryption');
        for (const r of all()) if (r.name === name) throw faults.alreadyExists(name);
        const id = m.random.uuid();
        const kept: { -readonly [K in keyof StoragePolicyRules]: StoragePolicyRules[K] } = {};
        if (proportionalCapacity !== undefined) kept.proportionalCapacity = proportionalCapacity;
        if (encryption) kept.encryption = true;
        const record: StoragePolicyRecord = Object.assign(
          { id, kind: 'StoragePolicy' as const, name, description },
          Object.keys(kept).length === 0 ? undefined : { rules: Object.freeze(kept) },
        );
        return tx.put(record).id;
      });
    },

    /** vcenter.storage.policies.list: every policy, oldest first. */
    list(): StoragePolicySummary[] {
      return m.call({ method: 'vcenter.storage.policies.list' }, () => [...all()].map(summaryOf));
    },

    /**
     * The rules of the policy of this id, undefined for an id no policy has (the policy
     * service's PbmRetrieveContent answers InvalidArgument on `profileId` for one). The stored
     * rules themselves (a lookup, for every deployment).
     */
    rulesOf(id: string): StoragePolicyRules | undefined {
      const record = m.store.get(id) as StoragePolicyRecord | undefined;
      return record?.kind === 'StoragePolicy' ? (record.rules ?? NO_RULES) : undefined;
    },

    /** The id of the policy of this name, if any. */
    find(name: string): string | undefined {
      for (const r of all()) if (r.name === name) return r.id;
      return undefined;
    },
  };
};

export type StoragePolicyOperations = ReturnType<typeof storagePolicyOperations>;
