import { describe, expect, it } from 'vitest';
import type { HostRecord, VmRecord } from '../inventory/records.js';
import { saveState } from '../save.js';
import { createFixture } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';
import { FIRST_FIELD_KEY } from './custom-fields.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  const vm = fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0');
  const host = fixture.at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
  return {
    ...fixture,
    vm,
    host,
    fields: () => vsphere.read<{ key: number; name: string }[]>('CustomFieldsManager', 'field'),
    values: (id: string) => vsphere.read<{ key: number; value: string }[]>(id, 'customValue'),
  };
};

const named = (name: string) => expect.objectContaining({ name });

describe('AddCustomFieldDef', () => {
  it('adds string fields with keys from a counter, global or for one type', () => {
    const { vsphere, fields, lastEvent } = setup();
    const owner = vsphere.customFields.addFieldDef('owner');
    expect(owner).toEqual({
      _type: 'CustomFieldDef',
      key: FIRST_FIELD_KEY,
      name: 'owner',
      type: 'string',
      fieldDefPrivileges: {
        _type: 'PrivilegePolicyDef',
        createPrivilege: 'System.Read',
        readPrivilege: 'System.Read',
        updatePrivilege: 'System.Read',
        deletePrivilege: 'System.Read',
      },
      fieldInstancePrivileges: expect.objectContaining({ _type: 'PrivilegePolicyDef' }),
    });
    const policy = {
      createPrivilege: 'Global.ManageCustomFields',
      readPrivilege: 'System.View',
      updatePrivilege: 'Global.SetCustomField',
      deletePrivilege: 'Global.ManageCustomFields',
    };
    const rack = vsphere.customFields.addFieldDef('rack', 'HostSystem', { fieldPolicy: policy });
    expect(rack).toMatchObject({
      key: FIRST_FIELD_KEY + 1,
      managedObjectType: 'HostSystem',
      fieldInstancePrivileges: { _type: 'PrivilegePolicyDef', ...policy },
    });
    expect(fields()).toEqual([owner, rack]);
    expect(lastEvent()).toMatchObject({
      _type: 'CustomFieldDefAddedEvent',
      fieldKey: rack.key,
      name: 'rack',
      fullFormattedMessage: 'Created new custom field definition rack',
    });
  });

  it('refuses a name taken for the same type or globally (DuplicateName), but not for another type', () => {
    const { vsphere, fields } = setup();
    vsphere.customFields.addFieldDef('rack', 'HostSystem');
    const duplicate = expect.objectContaining({
      fault: {
        _type: 'DuplicateName',
        name: 'rack',
        object: { type: 'CustomFieldsManager', value: 'CustomFieldsManager' },
      },
    });
    expect(() => vsphere.customFields.addFieldDef('rack', 'HostSystem')).toThrow(duplicate);
    expect(() => vsphere.customFields.addFieldDef('rack')).toThrow(duplicate);
    vsphere.customFields.addFieldDef('rack', 'VirtualMachine');
    vsphere.customFields.addFieldDef('owner');
    expect(() => vsphere.customFields.addFieldDef('owner', 'Datastore')).toThrow(
      expect.objectContaining({ name: 'DuplicateName' }),
    );
    expect(fields().map((f) => f.name)).toEqual(['rack', 'rack', 'owner']);
  });

  it('refuses an empty name or an unknown managed type (InvalidArgument)', () => {
    const { vsphere, fields } = setup();
    expect(() => vsphere.customFields.addFieldDef('')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'name' } }),
    );
    expect(() => vsphere.customFields.addFieldDef('x', 'Toaster')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'moType' } }),
    );
    expect(fields()).toEqual([]);
  });
});

describe('SetField and setCustomValue', () => {
  it('sets values that customValue, value and availableField show, with vCenter events', () => {
    const { vsphere, vm, values, lastEvent } = setup();
    const owner = vsphere.customFields.addFieldDef('owner');
    const app = vsphere.customFields.addFieldDef('app', 'VirtualMachine');
    vsphere.customFields.addFieldDef('rack', 'HostSystem');
    vsphere.customFields.setField(vm.id, owner.key, 'alice');
    vsphere.customFields.setField(vm.id, app.key, 'web');
    const expected = [
      { _type: 'CustomFieldStringValue', key: owner.key, value: 'alice' },
      { _type: 'CustomFieldStringValue', key: app.key, value: 'web' },
    ];
    expect(values(vm.id)).toEqual(expected);
    expect(vsphere.read(vm.id, 'value')).toEqual(expected);
    expect(vsphere.read<{ name: string }[]>(vm.id, 'availableField').map((f) => f.name)).toEqual([
      'owner',
      'app',
    ]);
    expect(lastEvent()).toMatchObject({
      _type: 'CustomFieldValueChangedEvent',
      entity: { name: 'DC0_H0_VM0', entity: { type: 'VirtualMachine', value: vm.id } },
      vm: { name: 'DC0_H0_VM0' },
      fieldKey: app.key,
      name: 'app',
      value: 'web',
      fullFormattedMessage: 'Changed custom field app on DC0_H0_VM0 in DC0 to web',
    });
    vsphere.customFields.setField(vm.id, owner.key, 'bob');
    expect(values(vm.id)[0]).toMatchObject({ value: 'bob' });
    expect(lastEvent()).toMatchObject({ prevState: 'alice', value: 'bob' });
    // An empty value clears the field on the object.
    vsphere.customFields.setField(vm.id, owner.key, '');
    expect(values(vm.id)).toEqual([expected[1]]);
  });

  it('refuses an unknown key, or a field of another type (InvalidArgument)', () => {
    const { vsphere, vm, values } = setup();
    const rack = vsphere.customFields.addFieldDef('rack', 'HostSystem');
    expect(() => vsphere.customFields.setField(vm.id, 999, 'x')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'key' } }),
    );
    expect(() => vsphere.customFields.setField(vm.id, rack.key, 'x')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'entity' } }),
    );
    expect(() => vsphere.customFields.setField('vm-9999', rack.key, 'x')).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
    expect(values(vm.id)).toEqual([]);
  });

  it('sets a value by name on the object, creating a global field for a new name', () => {
    const { vsphere, vm, host, fields, values } = setup();
    const app = vsphere.customFields.addFieldDef('app', 'VirtualMachine');
    vsphere.customFields.setCustomValue(vm.id, 'app', 'db');
    expect(values(vm.id)).toEqual([{ _type: 'CustomFieldStringValue', key: app.key, value: 'db' }]);
    const before = vsphere.events.list().length;
    vsphere.customFields.setCustomValue(host.id, 'owner', 'ops');
    const owner = fields().find((f) => f.name === 'owner');
    expect(owner).toMatchObject({ key: app.key + 1 });
    expect(owner).not.toHaveProperty('managedObjectType');
    expect(values(host.id)).toEqual([{ _type: 'CustomFieldStringValue', key: app.key + 1, value: 'ops' }]);
    expect(
      vsphere.events
        .list()
        .slice(before)
        .map((e) => e._type),
    ).toEqual(['CustomFieldDefAddedEvent', 'CustomFieldValueChangedEvent']);
    // `app` is a VM field: a host cannot have it, and a global `app` would clash with it.
    expect(() => vsphere.customFields.setCustomValue(host.id, 'app', 'x')).toThrow(
      expect.objectContaining({ name: 'DuplicateName' }),
    );
  });

  it('sets values on a snapshot too (an ExtensibleManagedObject)', async () => {
    const { vsphere, vm, run } = setup();
    const snapshot = await run(vsphere.snapshot.create(vm.id, 's'));
    vsphere.customFields.setCustomValue(snapshot, 'note', 'before upgrade');
    expect(vsphere.read(snapshot, 'value')).toEqual([
      { _type: 'CustomFieldStringValue', key: FIRST_FIELD_KEY, value: 'before upgrade' },
    ]);
    expect(vsphere.read(snapshot, 'availableField')).toEqual([named('note')]);
  });

  it('writes a VM through putVm: its datastores and networks stay as they were', () => {
    const { vsphere, vm } = setup();
    const owner = vsphere.customFields.addFieldDef('owner');
    vsphere.customFields.setField(vm.id, owner.key, 'x');
    const now = vsphere.store.get(vm.id) as VmRecord;
    expect(now).toMatchObject({ datastores: vm.datastores, networks: vm.networks, config: vm.config });
  });
});

describe('RemoveCustomFieldDef and RenameCustomFieldDef', () => {
  it('removes a field and every value of it; NotFound for an unknown key', () => {
    const { vsphere, vm, host, fields, values, lastEvent } = setup();
    const owner = vsphere.customFields.addFieldDef('owner');
    const app = vsphere.customFields.addFieldDef('app');
    vsphere.customFields.setField(vm.id, owner.key, 'a');
    vsphere.customFields.setField(vm.id, app.key, 'b');
    vsphere.customFields.setField(host.id, owner.key, 'c');
    vsphere.customFields.removeFieldDef(owner.key);
    expect(fields()).toEqual([app]);
    expect(values(vm.id)).toEqual([{ _type: 'CustomFieldStringValue', key: app.key, value: 'b' }]);
    expect(values(host.id)).toEqual([]);
    expect(lastEvent()).toMatchObject({
      _type: 'CustomFieldDefRemovedEvent',
      fieldKey: owner.key,
      fullFormattedMessage: 'Removed field definition owner',
    });
    expect(() => vsphere.customFields.removeFieldDef(owner.key)).toThrow(
      expect.objectContaining({ name: 'NotFound' }),
    );
    // Keys are never reused.
    expect(vsphere.customFields.addFieldDef('owner').key).toBe(app.key + 1);
  });

  it('renames a field; DuplicateName for a taken name, NotFound for an unknown key', () => {
    const { vsphere, vm, fields, lastEvent } = setup();
    const owner = vsphere.customFields.addFieldDef('owner');
    vsphere.customFields.addFieldDef('team');
    vsphere.customFields.renameFieldDef(owner.key, 'contact');
    expect(fields().map((f) => f.name)).toEqual(['contact', 'team']);
    expect(vsphere.read<{ name: string }[]>(vm.id, 'availableField')[0]?.name).toBe('contact');
    expect(lastEvent()).toMatchObject({
      _type: 'CustomFieldDefRenamedEvent',
      name: 'owner',
      newName: 'contact',
      fullFormattedMessage: 'Renamed field owner to contact',
    });
    expect(() => vsphere.customFields.renameFieldDef(owner.key, 'team')).toThrow(
      expect.objectContaining({ name: 'DuplicateName' }),
    );
    expect(() => vsphere.customFields.renameFieldDef(7, 'x')).toThrow(
      expect.objectContaining({ name: 'NotFound' }),
    );
    expect(fields().map((f) => f.name)).toEqual(['contact', 'team']);
  });
});

describe('custom fields in the saved state', () => {
  it('survive a save and load, and the key counter goes on', () => {
    const { vsphere, vm } = setup();
    const owner = vsphere.customFields.addFieldDef('owner');
    vsphere.customFields.setField(vm.id, owner.key, 'alice');
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.read('CustomFieldsManager', 'field')).toEqual([owner]);
    expect(loaded.read(vm.id, 'customValue')).toEqual([
      { _type: 'CustomFieldStringValue', key: owner.key, value: 'alice' },
    ]);
    expect(loaded.customFields.addFieldDef('next').key).toBe(owner.key + 1);
  });
});
