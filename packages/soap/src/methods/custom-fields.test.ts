/** CustomFieldsManager methods and setCustomValue over the wire. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const MANAGER = ref('CustomFieldsManager', 'CustomFieldsManager');
const VM = ref('VirtualMachine', 'vm-20');

describe('custom field methods', () => {
  it('adds a field definition and answers it as a CustomFieldDef', async () => {
    const client = soapClient();
    const res = await client.call(
      'AddCustomFieldDef',
      MANAGER,
      '<name>owner</name><moType>VirtualMachine</moType>',
    );
    expect(res.status).toBe(200);
    expect(res.body).toContain(
      '<returnval><key>101</key><name>owner</name><type>string</type><managedObjectType>VirtualMachine</managedObjectType><fieldDefPrivileges><createPrivilege>System.Read</createPrivilege>',
    );
    expect(await client.retrieve(MANAGER, 'field')).toContain(
      '<val xsi:type="ArrayOfCustomFieldDef"><CustomFieldDef>',
    );
    const again = await client.call('AddCustomFieldDef', MANAGER, '<name>owner</name>');
    expect(client.faultOf(again.body)).toBe('DuplicateName');
    expect(again.body).toContain(
      '<name>owner</name><object type="CustomFieldsManager">CustomFieldsManager</object>',
    );
  });

  it('sets values with SetField and setCustomValue; the object shows customValue, value and availableField', async () => {
    const client = soapClient();
    await client.call('AddCustomFieldDef', MANAGER, '<name>owner</name>');
    const set = await client.call(
      'SetField',
      MANAGER,
      '<entity type="VirtualMachine">vm-20</entity><key>101</key><value>alice</value>',
    );
    expect(set.status).toBe(200);
    expect((await client.call('setCustomValue', VM, '<key>app</key><value>web</value>')).status).toBe(200);
    const body = await client.retrieve(VM, 'customValue', 'value', 'availableField');
    expect(body).toContain(
      '<val xsi:type="ArrayOfCustomFieldValue"><CustomFieldValue xsi:type="CustomFieldStringValue"><key>101</key><value>alice</value></CustomFieldValue><CustomFieldValue xsi:type="CustomFieldStringValue"><key>102</key><value>web</value></CustomFieldValue></val>',
    );
    expect(body.match(/<name>(owner|app)<\/name>/g)).toEqual(['<name>owner</name>', '<name>app</name>']);
    const unknown = await client.call(
      'SetField',
      MANAGER,
      '<entity type="VirtualMachine">vm-20</entity><key>999</key><value>x</value>',
    );
    expect(client.faultOf(unknown.body)).toBe('InvalidArgument');
  });

  it('renames and removes definitions; an unknown key is NotFound', async () => {
    const client = soapClient();
    await client.call('AddCustomFieldDef', MANAGER, '<name>owner</name>');
    await client.call('setCustomValue', VM, '<key>owner</key><value>alice</value>');
    expect(
      (await client.call('RenameCustomFieldDef', MANAGER, '<key>101</key><name>contact</name>')).status,
    ).toBe(200);
    expect(await client.retrieve(MANAGER, 'field')).toContain('<name>contact</name>');
    expect((await client.call('RemoveCustomFieldDef', MANAGER, '<key>101</key>')).status).toBe(200);
    expect(client.vsphere.read(VM, 'customValue')).toEqual([]);
    const gone = await client.call('RemoveCustomFieldDef', MANAGER, '<key>101</key>');
    expect(client.faultOf(gone.body)).toBe('NotFound');
  });
});
