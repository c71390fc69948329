/**
 * OptionManager: vCenter's advanced settings (ServiceContent.setting), as govc's `option.ls` and
 * `option.set` use them. QueryOptions answers one setting by its name, or every setting under a
 * name ending in `.` (all of them without a name); UpdateOptions changes settings, and adds new
 * ones under `config.` alone, as vCenter does.
 */
import { faults } from '../faults.js';
import type { OptionSetting, ServiceObjectRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { moref } from '../refs.js';

/** The settings vCenter reports before any is changed. */
export const defaultSettings = (instanceUuid: string): readonly OptionSetting[] => [
  { key: 'VirtualCenter.InstanceName', value: instanceUuid },
  { key: 'VirtualCenter.FQDN', value: 'vcenter.vsim.local' },
  { key: 'event.maxAge', value: 30 },
  { key: 'event.maxAgeEnabled', value: true },
  { key: 'task.maxAge', value: 30 },
  { key: 'task.maxAgeEnabled', value: true },
  { key: 'config.vpxd.sso.default.admin', value: 'Administrator@vsphere.local' },
];

/** A manager's settings: its defaults, with what clients changed over them and added after them. */
export const settingsOf = (instanceUuid: string, manager: ServiceObjectRecord): OptionSetting[] => {
  const changed = new Map((manager.options ?? []).map((o) => [o.key, o]));
  const out = defaultSettings(instanceUuid).map((o) => changed.get(o.key) ?? o);
  for (const option of manager.options ?? []) if (!out.some((o) => o.key === option.key)) out.push(option);
  return out;
};

/** Keys a client may add: vCenter takes new settings under `config.` alone. */
const NEW_KEY_PREFIX = 'config.';

export const optionManagerOperations = (m: Model) => {
  const managerOf = (ref: Ref): ServiceObjectRecord => {
    const id = typeof ref === 'string' ? ref : ref.value;
    const record = m.store.get(id);
    if (record?.kind !== 'OptionManager') throw faults.managedObjectNotFound(moref('OptionManager', id));
    return record as ServiceObjectRecord;
  };
  return {
    /** QueryOptions: the setting `name`, those under a `name.`, or all; InvalidName when none is. */
    query(manager: Ref, name?: string): OptionSetting[] {
      const all = settingsOf(m.about.instanceUuid, managerOf(manager));
      if (!name) return all;
      const found = name.endsWith('.')
        ? all.filter((o) => o.key.startsWith(name))
        : all.filter((o) => o.key === name);
      if (found.length === 0) throw faults.invalidName(name);
      return found;
    },

    /**
     * UpdateOptions: the settings changed, and new ones under `config.` added, all or nothing;
     * InvalidName for a new key elsewhere or an empty one.
     */
    update(manager: Ref, changes: readonly OptionSetting[]): void {
      const { id } = managerOf(manager);
      m.call({ method: 'UpdateOptions', target: id }, (tx) => {
        const self = tx.get(id) as ServiceObjectRecord;
        const known = new Set(settingsOf(m.about.instanceUuid, self).map((o) => o.key));
        const options = new Map((self.options ?? []).map((o) => [o.key, o]));
        for (const { key, value } of changes) {
          if (typeof key !== 'string' || key === '' || (!known.has(key) && !key.startsWith(NEW_KEY_PREFIX)))
            throw faults.invalidName(String(key));
          options.set(key, { key, value });
        }
        tx.put({ ...self, options: [...options.values()] });
      });
    },
  };
};

export type OptionManagerOperations = ReturnType<typeof optionManagerOperations>;
