import { describe, expect, it } from 'vitest';
import type { InventoryRecord, VmRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import { readProperty } from '../properties/index.js';
import type { MoRef } from '../refs.js';
import { createFixture } from '../testing/fixture.js';
import type { ObjectContent } from './results.js';
import type { PropertyFilterSpec } from './spec.js';

const setup = () => {
  const { vsphere, ref } = createFixture();
  return { vsphere, pc: vsphere.collector.get(), ref };
};

const oneObject = (obj: MoRef, type: string, pathSet: string[]): PropertyFilterSpec => ({
  objectSet: [{ obj }],
  propSet: [{ type, pathSet }],
});

const props = (content: ObjectContent | undefined) =>
  Object.fromEntries((content?.propSet ?? []).map((p) => [p.name, p.val]));

describe('property paths with keyed steps', () => {
  it('reads keyed steps into arrays of keyed data objects', () => {
    const { vsphere, pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    const id = vsphere.store.transact((tx) => {
      const base = vsphere.store.get(vm.value) as VmRecord;
      const withConfig = {
        ...base,
        config: { ...base.config, extraConfig: [{ key: 'guestinfo.x', value: 'hello' }] },
      };
      putVm(tx, withConfig);
      return base.id;
    });
    const [content] = pc.retrieveProperties([
      oneObject(ref('/DC0/vm/DC0_H0_VM0'), 'VirtualMachine', [
        'config.hardware.device[4000]',
        'config.hardware.device[4000].deviceInfo.label',
        'config.extraConfig["guestinfo.x"]',
        'config.extraConfig["guestinfo.x"].value',
        'config.hardware.device[99999]',
        'config.extraConfig["guestinfo.none"].value',
      ]),
    ]);
    const values = props(content);
    expect(values['config.hardware.device[4000]']).toMatchObject({ key: 4000 });
    expect(values['config.hardware.device[4000].deviceInfo.label']).toBe('Network adapter 1');
    expect(values['config.extraConfig["guestinfo.x"]']).toEqual({
      _type: 'OptionValue',
      key: 'guestinfo.x',
      value: 'hello',
    });
    expect(values['config.extraConfig["guestinfo.x"].value']).toBe('hello');
    expect(Object.keys(values)).toHaveLength(4);
    const record = vsphere.store.get(id) as InventoryRecord;
    expect(readProperty(vsphere, record, 'config.hardware.device[4000].key')).toEqual({
      exists: true,
      value: 4000,
    });
    expect(readProperty(vsphere, record, 'config.hardware.device["4000"]')).toEqual({
      exists: true,
      value: undefined,
    });
    expect(readProperty(vsphere, record, 'config.noSuch[1]').value).toBeUndefined();
    expect(readProperty(vsphere, record, 'name[1]').fault?.fault._type).toBe('InvalidProperty');
    expect(readProperty(vsphere, record, 'constructor').exists).toBe(false);
  });

  it('keeps plain dotted paths as they were', () => {
    const { vsphere, ref } = setup();
    const vm = vsphere.store.get(ref('/DC0/vm/DC0_H0_VM0').value) as InventoryRecord;
    expect(readProperty(vsphere, vm, 'summary.runtime.powerState')).toEqual({
      exists: true,
      value: 'poweredOn',
    });
    expect(readProperty(vsphere, vm, 'summary.runtime.noSuchField')).toEqual({
      exists: true,
      value: undefined,
    });
    expect(readProperty(vsphere, vm, 'noSuchProperty')).toEqual({ exists: false, value: undefined });
    expect(readProperty(vsphere, vm, 'summary..runtime').exists).toBe(false);
  });
});
