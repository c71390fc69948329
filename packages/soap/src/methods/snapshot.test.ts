/** Snapshot methods over the wire: envelopes in, the model's snapshots and vim25 XML out. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const VM = ref('VirtualMachine', 'vm-20');

const create = (name: string, memory = false) =>
  `<name>${name}</name><description>about ${name}</description><memory>${memory}</memory><quiesce>false</quiesce>`;

/** The snapshot a CreateSnapshot_Task made. */
const created = async (client: ReturnType<typeof soapClient>, name: string, memory = false) => {
  const { result } = await client.task('CreateSnapshot_Task', VM, create(name, memory));
  return result as { type: string; value: string };
};

describe('snapshot methods', () => {
  it('creates a snapshot: the task result, the VM snapshot and rootSnapshot properties', async () => {
    const client = soapClient();
    const { id, result } = await client.task('CreateSnapshot_Task', VM, create('base'));
    expect(result).toEqual({
      type: 'VirtualMachineSnapshot',
      value: expect.stringMatching(/^snapshot-\d+$/),
    });
    const snapshot = (result as { value: string }).value;
    const info = await client.retrieve(ref('Task', id), 'info');
    expect(info).toContain(
      `<result xsi:type="ManagedObjectReference" type="VirtualMachineSnapshot">${snapshot}</result>`,
    );
    expect(info).toContain('<descriptionId>VirtualMachine.createSnapshot</descriptionId>');
    const body = await client.retrieve(VM, 'snapshot', 'rootSnapshot');
    expect(body).toContain('<val xsi:type="VirtualMachineSnapshotInfo">');
    expect(body).toContain(`<currentSnapshot type="VirtualMachineSnapshot">${snapshot}</currentSnapshot>`);
    expect(body).toMatch(
      new RegExp(
        `<rootSnapshotList><snapshot type="VirtualMachineSnapshot">${snapshot}</snapshot><vm type="VirtualMachine">vm-20</vm><name>base</name><description>about base</description><id>1</id><createTime>[^<]+</createTime><state>poweredOff</state><quiesced>false</quiesced>`,
      ),
    );
    expect(body).toContain(
      `<val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="VirtualMachineSnapshot">${snapshot}</ManagedObjectReference></val>`,
    );
  });

  it("reads a snapshot's config, vm and childSnapshot", async () => {
    const client = soapClient();
    const parent = await created(client, 'parent');
    const child = await created(client, 'child');
    const body = await client.retrieve(parent, 'config.hardware.numCPU', 'vm', 'childSnapshot');
    expect(body).toContain('<name>config.hardware.numCPU</name><val xsi:type="xsd:int">1</val>');
    expect(body).toContain('<val xsi:type="ManagedObjectReference" type="VirtualMachine">vm-20</val>');
    expect(body).toContain(
      `<ManagedObjectReference type="VirtualMachineSnapshot">${child.value}</ManagedObjectReference>`,
    );
  });

  it('reverts to a snapshot and to the current one', async () => {
    const client = soapClient();
    const warm = await created(client, 'warm', true);
    await client.task('PowerOffVM_Task', VM);
    const revert = await client.task(
      'RevertToSnapshot_Task',
      warm,
      '<suppressPowerOn>false</suppressPowerOn>',
    );
    expect(revert.fault).toBeUndefined();
    expect(client.vsphere.read(VM, 'runtime.powerState')).toBe('poweredOn');
    await client.task('PowerOffVM_Task', VM);
    await client.task('RevertToCurrentSnapshot_Task', VM);
    expect(client.vsphere.read(VM, 'runtime.powerState')).toBe('poweredOn');
    const events = await client.call(
      'QueryEvents',
      ref('EventManager', 'EventManager'),
      '<filter><eventTypeId>com.vmware.vc.vm.VmStateRevertedToSnapshot</eventTypeId></filter>',
    );
    expect(events.body.match(/<returnval xsi:type="EventEx">/g)).toHaveLength(2);
    expect(events.body).toContain(
      '<arguments><key>snapshotName</key><value xsi:type="xsd:string">warm</value></arguments>',
    );
  });

  it('renames, removes one snapshot and then all of them', async () => {
    const client = soapClient();
    const a = await created(client, 'a');
    const b = await created(client, 'b');
    const renamed = await client.call(
      'RenameSnapshot',
      b,
      '<name>bee</name><description>second</description>',
    );
    expect(renamed.status).toBe(200);
    expect(client.vsphere.read(b, 'config.name')).toBe('DC0_H0_VM0');
    expect(await client.retrieve(VM, 'snapshot')).toContain(
      '<name>bee</name><description>second</description>',
    );
    expect(
      (await client.task('RemoveSnapshot_Task', a, '<removeChildren>false</removeChildren>')).fault,
    ).toBeUndefined();
    expect(client.vsphere.read(VM, 'rootSnapshot')).toEqual([b]);
    await client.task('RemoveAllSnapshots_Task', VM, '<consolidate>true</consolidate>');
    const body = await client.retrieve(VM, 'snapshot', 'rootSnapshot');
    expect(body).not.toContain('VirtualMachineSnapshotInfo');
    expect(body).toContain('<name>rootSnapshot</name><val xsi:type="ArrayOfManagedObjectReference"></val>');
  });

  it('answers the faults vCenter sends', async () => {
    const client = soapClient();
    const gone = await client.call('RevertToSnapshot_Task', ref('VirtualMachineSnapshot', 'snapshot-999'));
    expect(gone.status).toBe(500);
    expect(client.faultOf(gone.body)).toBe('ManagedObjectNotFound');
    expect(
      client.faultOf((await client.call('CreateSnapshot_Task', ref('Folder', 'group-d1'), create('x'))).body),
    ).toBe('MethodNotFound');
    expect((await client.task('RevertToCurrentSnapshot_Task', VM)).fault).toBe('NotFound');
    await client.task('PowerOffVM_Task', VM);
    await client.call('MarkAsTemplate', VM);
    expect((await client.task('CreateSnapshot_Task', VM, create('t'))).fault).toBe('NotSupported');
  });
});
