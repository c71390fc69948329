/**
 * OptionManager: vCenter's advanced settings (ServiceContent.setting) and a host's
 * (`configManager.advancedOption`), as govc's `option.ls`, `option.set`, `host.option.ls` and
 * `host.option.set` use them. QueryOptions answers one setting by its name, or every setting
 * under a name ending in `.` (all of them without a name); UpdateOptions changes settings, and
 * adds new ones to vCenter's under `config.` alone (a host has a fixed set).
 */
import { faults } from '../faults.js';
import type { HostOptionManagerRecord, OptionSetting, ServiceObjectRecord } from '../inventory/records.js';
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

/**
 * A few of the settings an ESXi host reports, with its defaults (the ones scripts most often
 * read or set): what the simulated hosts have.
 */
const HOST_SETTINGS: readonly OptionSetting[] = [
  { key: 'Annotations.WelcomeMessage', value: '' },
  { key: 'Config.HostAgent.log.level', value: 'info' },
  { key: 'Config.HostAgent.plugins.solo.enableMob', value: false },
  { key: 'Mem.ShareForceSalting', value: 2 },
  { key: 'Net.BlockGuestBPDU', value: 0 },
  { key: 'Syslog.global.logHost', value: '' },
  { key: 'UserVars.ESXiShellTimeOut', value: 0 },
  { key: 'UserVars.SuppressShellWarning', value: 0 },
];

/** vCenter's OptionManager, or a host's. */
export type OptionManagerRecord = ServiceObjectRecord | HostOptionManagerRecord;

const isHostManager = (manager: OptionManagerRecord): manager is HostOptionManagerRecord =>
  'owner' in manager;

/** A manager's settings: its defaults, with what clients changed over them and added after them. */
export const settingsOf = (instanceUuid: string, manager: OptionManagerRecord): OptionSetting[] => {
  const changed = new Map((manager.options ?? []).map((o) => [o.key, o]));
  const defaults = isHostManager(manager) ? HOST_SETTINGS : defaultSettings(instanceUuid);
  const out = defaults.map((o) => changed.get(o.key) ?? o);
  for (const option of manager.options ?? []) if (!out.some((o) => o.key === option.key)) out.push(option);
  return out;
};

/** Keys a client may add: vCenter takes new settings under `config.` alone. */
const NEW_KEY_PREFIX = 'config.';

export const optionManagerOperations = (m: Model) => {
  const managerOf = (ref: Ref): OptionManagerRecord => {
    const id = typeof ref === 'string' ? ref : ref.value;
    const record = m.store.get(id);
    if (record?.kind !== 'OptionManager') throw faults.managedObjectNotFound(moref('OptionManager', id));
    return record as OptionManagerRecord;
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
     * UpdateOptions: the settings changed, and new ones under `config.` added to vCenter's, all or
     * nothing; InvalidName for any other new key, or an empty one.
     */
    update(manager: Ref, changes: readonly OptionSetting[]): void {
      const { id } = managerOf(manager);
      m.call({ method: 'UpdateOptions', target: id }, (tx) => {
        const self = tx.get(id) as OptionManagerRecord;
        const known = new Set(settingsOf(m.about.instanceUuid, self).map((o) => o.key));
        const addable = (key: string) => !isHostManager(self) && key.startsWith(NEW_KEY_PREFIX);
        const options = new Map((self.options ?? []).map((o) => [o.key, o]));
        for (const { key, value } of changes) {
          if (typeof key !== 'string' || key === '' || (!known.has(key) && !addable(key)))
            throw faults.invalidName(String(key));
          options.set(key, { key, value });
        }
        tx.put({ ...self, options: [...options.values()] });
      });
    },
  };
};

export type OptionManagerOperations = ReturnType<typeof optionManagerOperations>;
