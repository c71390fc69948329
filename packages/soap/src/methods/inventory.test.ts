/** The inventory's methods over the wire: a VM reloaded from a configuration file, a VM folder unregistered and destroyed. */
import type { DatacenterRecord, Device, VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const VM0 = 'DC0_H0_VM0';
const VM1 = 'DC0_H0_VM1';

describe('inventory methods over the wire', () => {
  const setup = () => {
    const client = soapClient();
    const { vsphere } = client;
    const vmNamed = (name: string) =>
      [...vsphere.store.ofKind<VmRecord>('VirtualMachine')].find((vm) => vm.name === name) as VmRecord;
    const powerOff = (name: string) =>
      client.task('PowerOffVM_Task', ref('VirtualMachine', vmNamed(name).id));
    return { ...client, vmNamed, powerOff };
  };

  it('reloads a powered-off VM from a .vmx, with the faults', async () => {
    const { vsphere, task, vmNamed, powerOff } = setup();
    await powerOff(VM1);
    const dc = [...vsphere.store.ofKind('Datacenter')][0]?.id as string;
    const copy = vsphere.files.copy(`[LocalDS_0] ${VM0}`, dc, '[LocalDS_0] copy', dc);
    vsphere.scheduler.runDue();
    await copy.wait();
    const reload = (name: string, path: string) =>
      task(
        'reloadVirtualMachineFromPath_Task',
        ref('VirtualMachine', vmNamed(name).id),
        `<configurationPath>${path}</configurationPath>`,
      );
    expect((await reload(VM1, `[LocalDS_0] copy/${VM0}.vmx`)).fault).toBeUndefined();
    expect(vmNamed(VM1).config.uuid).toBe(vmNamed(VM0).config.uuid);
    expect((await reload(VM0, `[LocalDS_0] copy/${VM0}.vmx`)).fault).toBe('InvalidPowerState');
    expect((await reload(VM1, '[LocalDS_0] none/none.vmx')).fault).toBe('FileNotFound');
    expect((await reload(VM1, `[LocalDS_0] ${VM0}/${VM0}.vmx`)).fault).toBe('AlreadyExists');
  });

  it('unregisters and destroys a VM folder, refusing a folder of no VMs', async () => {
    const { vsphere, task, call, vmNamed, powerOff } = setup();
    await powerOff(VM0);
    const dc = [...vsphere.store.ofKind<DatacenterRecord>('Datacenter')][0];
    const created = await call('CreateFolder', ref('Folder', dc?.vmFolder as string), '<name>gone</name>');
    const folder = /<returnval type="Folder">([^<]+)</.exec(created.body)?.[1] as string;
    await task(
      'MoveIntoFolder_Task',
      ref('Folder', folder),
      `<list type="VirtualMachine">${vmNamed(VM0).id}</list>`,
    );
    expect((await task('UnregisterAndDestroy_Task', ref('Folder', folder))).fault).toBeUndefined();
    expect(vmNamed(VM0)).toBeUndefined();
    expect(vsphere.store.get(folder)).toBeUndefined();
    expect(
      vsphere.files.download([...vsphere.store.ofKind('Datastore')][0]?.id as string, `${VM0}/${VM0}.vmx`),
    ).toMatchObject({ folder: false });
    expect((await task('UnregisterAndDestroy_Task', ref('Folder', dc?.hostFolder as string))).fault).toBe(
      'NotSupported',
    );
  });

  it('edits vApp properties by ReconfigVM_Task and serves them as VmConfigInfo, unset for a VM without', async () => {
    const { task, retrieve, vmNamed } = setup();
    const vm = ref('VirtualMachine', vmNamed(VM0).id);
    expect(await retrieve(vm, 'config.vAppConfig')).not.toContain('<name>config.vAppConfig</name>');
    const property = (operation: string, inner: string) =>
      `<property><operation>${operation}</operation>${inner}</property>`;
    const reconfigure = (...properties: string[]) =>
      task('ReconfigVM_Task', vm, `<spec><vAppConfig>${properties.join('')}</vAppConfig></spec>`);
    const added = await reconfigure(
      property('add', '<info><key>0</key><id>role</id><type>string</type></info>'),
      property('add', '<info><key>1</key><id>tier</id><type>string</type></info>'),
    );
    expect(added.fault).toBeUndefined();
    const edited = await reconfigure(
      property('edit', '<info><key>0</key><value>db</value></info>'),
      property('remove', '<removeKey xsi:type="xsd:int">1</removeKey>'),
    );
    expect(edited.fault).toBeUndefined();
    expect(await retrieve(vm, 'config.vAppConfig')).toContain(
      '<val xsi:type="VmConfigInfo"><property><key>0</key><id>role</id><type>string</type><value>db</value></property>',
    );
    expect((await reconfigure(property('edit', '<info><key>5</key><value>x</value></info>'))).fault).toBe(
      'InvalidArgument',
    );
  });

  it("registers a VM's disk as a First Class Disk by its URL, and sets and clears its control flags", async () => {
    const { vsphere, call, faultOf, vmNamed } = setup();
    const manager = ref('VcenterVStorageObjectManager', 'VStorageObjectManager');
    const disk = vmNamed(VM0).config.devices.find((d) => d._type === 'VirtualDisk') as Device;
    const fileName = (disk.backing as { fileName: string }).fileName;
    const url = `https://127.0.0.1/folder/${fileName.replace(/^\[[^\]]*\] /, '')}?dcPath=DC0&amp;dsName=LocalDS_0`;
    const registered = await call('RegisterDisk', manager, `<path>${url}</path><name>data</name>`);
    expect(registered.body).toContain('<returnval><config><id><id>');
    expect(registered.body).toContain(`<filePath>${fileName}</filePath>`);
    const id = /<returnval><config><id><id>([^<]+)</.exec(registered.body)?.[1] as string;
    expect(faultOf((await call('RegisterDisk', manager, `<path>${url}</path>`)).body)).toBe('AlreadyExists');
    expect(faultOf((await call('RegisterDisk', manager, '<path>[LocalDS_0] x.vmdk</path>')).body)).toBe(
      'InvalidArgument',
    );
    const ds = [...vsphere.store.ofKind('Datastore')].find((d) => d.name === 'LocalDS_0')?.id as string;
    const flags = (method: string, ...names: string[]) =>
      call(
        method,
        manager,
        `<id><id>${id}</id></id><datastore type="Datastore">${ds}</datastore>` +
          names.map((n) => `<controlFlags>${n}</controlFlags>`).join(''),
      );
    await flags('SetVStorageObjectControlFlags', 'disableRelocation', 'enableChangedBlockTracking');
    await flags('ClearVStorageObjectControlFlags', 'keepAfterDeleteVm');
    expect(vsphere.disks.retrieve(id, ds).config).toMatchObject({
      name: 'data',
      keepAfterDeleteVm: false,
      relocationDisabled: true,
      changedBlockTrackingEnabled: true,
    });
    expect(faultOf((await flags('SetVStorageObjectControlFlags', 'other')).body)).toBe('InvalidArgument');
  });
});
