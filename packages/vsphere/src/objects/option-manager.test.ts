import { describe, expect, it } from 'vitest';
import type { HostRecord } from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { saveState } from '../save.js';
import { createFixture } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

const SETTING = 'VpxSettings';

describe("vCenter's OptionManager (ServiceContent.setting)", () => {
  it('answers a setting by name, those under a name ending in a dot, or all of them', () => {
    const { vsphere } = createFixture();
    const { settings } = vsphere;
    expect(settings.query(SETTING, 'event.maxAge')).toEqual([{ key: 'event.maxAge', value: 30 }]);
    expect(settings.query(SETTING, 'event.').map((o) => o.key)).toEqual([
      'event.maxAge',
      'event.maxAgeEnabled',
    ]);
    expect(settings.query(SETTING).map((o) => o.key)).toEqual(
      vsphere.read<{ key: string }[]>(SETTING, 'setting').map((o) => o.key),
    );
    // A name without its dot is one setting's, not a prefix.
    for (const name of ['event', 'event.max', 'nothing.'])
      expect(() => settings.query(SETTING, name)).toThrow(
        expect.objectContaining({ fault: { _type: 'InvalidName', name } }),
      );
    expect(() => settings.query('vm-20', 'event.')).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
  });

  it('changes settings and adds new ones under config., all or nothing, kept in the saved state', () => {
    const { vsphere } = createFixture();
    const { settings } = vsphere;
    settings.update(SETTING, [
      { key: 'event.maxAge', value: 60 },
      { key: 'config.vsim.test', value: 'yes' },
    ]);
    expect(settings.query(SETTING, 'event.maxAge')).toEqual([{ key: 'event.maxAge', value: 60 }]);
    expect(vsphere.read<{ key: string; value: unknown }[]>(SETTING, 'setting')).toContainEqual({
      _type: 'OptionValue',
      key: 'config.vsim.test',
      value: 'yes',
    });
    const before = vsphere.store.get(SETTING);
    // A new key elsewhere than under config. is refused, and the change beside it is not made.
    expect(() =>
      settings.update(SETTING, [
        { key: 'task.maxAge', value: 1 },
        { key: 'vsim.unknown', value: 1 },
      ]),
    ).toThrow(expect.objectContaining({ fault: { _type: 'InvalidName', name: 'vsim.unknown' } }));
    expect(vsphere.store.get(SETTING)).toBe(before);
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.settings.query(SETTING, 'config.vsim.')).toEqual([
      { key: 'config.vsim.test', value: 'yes' },
    ]);
  });

  it("serves a host's advanced settings (configManager.advancedOption): a fixed set, changed but not added to", () => {
    const { vsphere, at } = createFixture();
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    const manager = vsphere.read<{ advancedOption: MoRef }>(host.id, 'configManager').advancedOption;
    // Named as the host's other managers are: the field, then the host's number.
    expect(manager).toEqual({
      type: 'OptionManager',
      value: `advancedOption-${host.id.slice('host-'.length)}`,
    });
    const { settings } = vsphere;
    expect(settings.query(manager, 'Mem.')).toEqual([{ key: 'Mem.ShareForceSalting', value: 2 }]);
    settings.update(manager, [{ key: 'UserVars.SuppressShellWarning', value: 1 }]);
    expect(settings.query(manager, 'UserVars.SuppressShellWarning')).toEqual([
      { key: 'UserVars.SuppressShellWarning', value: 1 },
    ]);
    // Another host's are its own, and vCenter's untouched.
    const other = vsphere.read<{ advancedOption: MoRef }>(
      at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1').id,
      'configManager',
    ).advancedOption;
    expect(settings.query(other, 'UserVars.SuppressShellWarning')).toEqual([
      { key: 'UserVars.SuppressShellWarning', value: 0 },
    ]);
    expect(() => settings.query(SETTING, 'UserVars.')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidName', name: 'UserVars.' } }),
    );
    // A host takes no new setting, not even under config.
    expect(() => settings.update(manager, [{ key: 'config.vsim.test', value: 'x' }])).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidName', name: 'config.vsim.test' } }),
    );
  });
});
