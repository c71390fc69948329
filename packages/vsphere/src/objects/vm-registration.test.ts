import { describe, expect, it } from 'vitest';
import type {
  DatacenterRecord,
  DatastoreRecord,
  Device,
  FolderRecord,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import type { Task } from '../model.js';
import type { MoRef } from '../refs.js';
import { saveState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';
import type { DatastoreItem } from './file-manager.js';
import { reloadVmFromPath, type VmRegisterArgs } from './vm-registration.js';

const VM = 'DC0_H0_VM0';
const VMX = `[LocalDS_0] ${VM}/${VM}.vmx`;
const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (item: DatastoreItem) => (item.folder ? '' : new TextDecoder().decode(item.bytes));
const isDisk = (d: { _type: string }) => d._type === 'VirtualDisk';

const setup = (vsphere?: VSphere) => {
  const fixture = createFixture({ inventory: { ds: 1 }, seed: 1 });
  const v = vsphere ?? fixture.vsphere;
  const { at } = fixture;
  const run = <T>(task: Task<T>): Promise<T> => {
    v.scheduler.runDue();
    return task.wait();
  };
  const dc = at<DatacenterRecord>('/DC0');
  const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const folder = at<FolderRecord>('/DC0/vm');
  const pool = at<ResourcePoolRecord>('/DC0/host/DC0_H0/Resources');
  const host = at('/DC0/host/DC0_H0/DC0_H0');
  const vm = at<VmRecord>(`/DC0/vm/${VM}`);
  const browser = v.read<MoRef>(ds.id, 'browser');
  const names = async (path: string) =>
    ((await run(v.datastoreBrowser.search(browser, path))) as { file: { path: string }[] }).file.map(
      (f) => f.path,
    );
  const get = (id: string) => v.store.get(id) as VmRecord;
  const used = () => (v.store.get(ds.id) as DatastoreRecord).used;
  /** The VM powered off: the record it is then. */
  const poweredOff = async () => {
    await run(v.vm.powerOff(vm.id));
    return get(vm.id);
  };
  const register = (
    path = VMX,
    options: Omit<VmRegisterArgs, 'path' | 'asTemplate'> & { asTemplate?: boolean } = { pool: pool.id },
  ) => v.vm.register(folder.id, { path, asTemplate: false, ...options });
  /** What a refused registration must leave alone: the VMs, the files put there, the space they take. */
  const state = () => ({
    vms: [...v.store.ofKind<VmRecord>('VirtualMachine')].map((r) => r.id),
    records: [...v.store.ofKind('DatastoreFile')],
    used: used(),
  });
  const failsWith = async (task: () => Task<unknown>) => {
    const before = state();
    const fault = await faultOf(() => run(task()));
    expect(state()).toEqual(before);
    return fault;
  };
  const read = (path: string) => textOf(v.files.download(ds.id, path));
  return {
    ...fixture,
    run,
    vsphere: v,
    dc,
    ds,
    folder,
    pool,
    host,
    vm,
    names,
    get,
    used,
    poweredOff,
    register,
    failsWith,
    read,
  };
};

describe('UnregisterVM', () => {
  it("leaves the VM's configuration file and its disks on the datastore, their space with them", async () => {
    const { vsphere, dc, vm, names, used, poweredOff, read } = setup();
    const was = await poweredOff();
    const before = used();
    vsphere.vm.unregister(vm.id);
    expect(vsphere.store.get(vm.id)).toBeUndefined();
    expect(await names(`[LocalDS_0] ${VM}`)).toEqual([`${VM}-flat.vmdk`, `${VM}.vmdk`, `${VM}.vmx`]);
    const text = read(`${VM}/${VM}.vmx`);
    expect(text).toContain(`displayName = "${VM}"`);
    expect(text).toContain(`scsi0:0.fileName = "${VM}.vmdk"`);
    // The disks' space is the files' now; the descriptors and the .vmx add their own bytes.
    const disks = was.config.devices.filter(isDisk);
    expect(used() - before).toBe(disks.length * 512 + bytesOf(text).byteLength);
    const uuid = ((disks[0] as Device).backing as { uuid: string }).uuid;
    const ddb = vsphere.virtualDisks.queryUuid(`[LocalDS_0] ${VM}/${VM}.vmdk`, dc.id);
    expect(ddb.replace(/[\s-]/g, '')).toBe(uuid.replaceAll('-', ''));
  });

  it('lets the snapshots go: the registered VM has none, its disks as the VM last had them', async () => {
    const { vsphere, vm, poweredOff, register, run, get } = setup();
    await poweredOff();
    await run(vsphere.snapshot.create(vm.id, 's1'));
    const was = get(vm.id);
    vsphere.vm.unregister(vm.id);
    expect([...vsphere.store.ofKind('VirtualMachineSnapshot')]).toEqual([]);
    const ref = await run(register());
    expect(get(ref.value).snapshots).toBeUndefined();
    expect(get(ref.value).config.devices).toEqual(was.config.devices);
  });

  it('keeps what it left across a save and a load, and the loaded model registers it', async () => {
    const { vsphere, vm, poweredOff } = setup();
    const was = await poweredOff();
    vsphere.vm.unregister(vm.id);
    const loaded = setup(new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) }));
    const ref = await loaded.run(loaded.register());
    expect(loaded.get(ref.value).config).toMatchObject({
      uuid: was.config.uuid,
      instanceUuid: was.config.instanceUuid,
      devices: was.config.devices,
    });
  });
});

describe('Folder.RegisterVM_Task', () => {
  it('brings an unregistered VM back: a new id, its UUIDs, devices and disks, counted once', async () => {
    const { vsphere, vm, folder, used, poweredOff, register, run, taskInfo, lastEvent, get, names } = setup();
    const was = await poweredOff();
    const before = used();
    vsphere.vm.unregister(vm.id);
    const task = register();
    const ref = await run(task);
    expect(ref.value).not.toBe(was.id);
    expect(taskInfo(task)).toMatchObject({
      entity: folder.id,
      descriptionId: 'Folder.registerVm',
      state: 'success',
    });
    const now = get(ref.value);
    expect(now).toMatchObject({ name: VM, parent: folder.id, pool: was.pool, powerState: 'poweredOff' });
    expect(now.config).toMatchObject({
      uuid: was.config.uuid,
      instanceUuid: was.config.instanceUuid,
      devices: was.config.devices,
      vmPathName: VMX,
      template: false,
    });
    // The files are the VM's again: no record is left but its folder's, and the space is as it was.
    expect([...vsphere.store.ofKind('DatastoreFile')].map((r) => r.name)).toEqual([VM]);
    expect(used()).toBe(before);
    expect(await names(`[LocalDS_0] ${VM}`)).toEqual([`${VM}-flat.vmdk`, `${VM}.vmdk`, `${VM}.vmx`]);
    expect(lastEvent()).toMatchObject({
      _type: 'VmRegisteredEvent',
      vm: { vm: { value: ref.value } },
      fullFormattedMessage: `Registered ${VM} on DC0_H0 in DC0`,
    });
    await run(vsphere.vm.powerOn(ref.value));
    expect(get(ref.value).powerState).toBe('poweredOn');
  });

  it('registers a template on a host, with no pool; a disk grown meanwhile comes back grown', async () => {
    const { vsphere, dc, vm, host, poweredOff, register, run, get } = setup();
    const was = await poweredOff();
    vsphere.vm.unregister(vm.id);
    const disk = `[LocalDS_0] ${VM}/${VM}.vmdk`;
    const grown = (was.config.devices.find(isDisk)?.capacityInKB as number) + 1024;
    await run(vsphere.virtualDisks.extend(disk, dc.id, grown));
    const ref = await run(register(VMX, { name: 'tmpl', asTemplate: true, host: host.id }));
    const now = get(ref.value);
    expect(now).toMatchObject({ name: 'tmpl', host: host.id, config: { template: true } });
    expect(now.pool).toBeUndefined();
    expect(now.config.devices.find(isDisk)?.capacityInKB).toBe(grown);
  });

  it('refuses bad arguments, a registered or missing file, a taken name and a missing disk, changing nothing', async () => {
    const { vsphere, dc, ds, vm, at, host, pool, poweredOff, register, failsWith, run } = setup();
    expect(await failsWith(() => register())).toBe('AlreadyExists');
    await poweredOff();
    vsphere.vm.unregister(vm.id);
    expect(await failsWith(() => register(VMX, { asTemplate: true }))).toBe('InvalidArgument');
    expect(await failsWith(() => register(VMX, { asTemplate: true, host: host.id, pool: pool.id }))).toBe(
      'InvalidArgument',
    );
    expect(await failsWith(() => register(VMX, {}))).toBe('InvalidArgument');
    expect(await failsWith(() => register(`[LocalDS_0] nowhere/x.vmx`))).toBe('NotFound');
    expect(await failsWith(() => register(`[LocalDS_0] ${VM}`))).toBe('NotFound');
    expect(await failsWith(() => register('[nowhere] x.vmx'))).toBe('InvalidDatastore');
    expect(await failsWith(() => register(VMX, { name: 'DC0_H0_VM1', pool: pool.id }))).toBe('DuplicateName');
    const hostFolder = at<FolderRecord>('/DC0/host');
    expect(
      await failsWith(() =>
        vsphere.vm.register(hostFolder.id, { path: VMX, asTemplate: false, pool: pool.id }),
      ),
    ).toBe('NotSupported');
    vsphere.files.upload(ds.id, 'junk/junk.vmx', bytesOf('\u0000\u0001 not a configuration'));
    expect(await failsWith(() => register('[LocalDS_0] junk/junk.vmx'))).toBe('InvalidFormat');
    await run(vsphere.virtualDisks.delete(`[LocalDS_0] ${VM}/${VM}.vmdk`, dc.id));
    expect(await failsWith(() => register())).toBe('FileNotFound');
  });

  it('registers a copy of an unregistered VM from its .vmx text, taking the copied disks', async () => {
    const { vsphere, dc, vm, poweredOff, register, run, get, read } = setup();
    const was = await poweredOff();
    vsphere.vm.unregister(vm.id);
    await run(vsphere.files.copy(`[LocalDS_0] ${VM}`, dc.id, '[LocalDS_0] copy', dc.id));
    expect(read(`copy/${VM}.vmx`)).toBe(read(`${VM}/${VM}.vmx`));
    const ref = await run(register(`[LocalDS_0] copy/${VM}.vmx`, { name: 'copy', pool: was.pool as string }));
    const now = get(ref.value);
    expect(now.config).toMatchObject({
      uuid: was.config.uuid,
      instanceUuid: was.config.instanceUuid,
      numCPU: was.config.numCPU,
      memoryMB: was.config.memoryMB,
      guestId: was.config.guestId,
      version: was.config.version,
    });
    const disks = now.config.devices.filter(isDisk);
    expect(disks.map((d) => (d.backing as { fileName: string }).fileName)).toEqual([
      `[LocalDS_0] copy/${VM}.vmdk`,
    ]);
    expect(disks.map((d) => d.capacityInKB)).toEqual(
      was.config.devices.filter(isDisk).map((d) => d.capacityInKB),
    );
    expect(now.networks).toEqual(was.networks);
  });

  it('registers a .vmx a client uploaded, reading its core keys and ignoring the others', async () => {
    const { vsphere, dc, ds, at, register, run, get } = setup();
    const spec = {
      _type: 'FileBackedVirtualDiskSpec',
      diskType: 'thin',
      adapterType: 'lsiLogic',
      capacityKb: 2048,
    };
    vsphere.files.makeDirectory('[LocalDS_0] up', dc.id);
    await run(vsphere.virtualDisks.create('[LocalDS_0] up/data.vmdk', dc.id, spec));
    const network = at('/DC0/network/VM Network');
    const vmx = [
      '# made by hand',
      '.encoding = "UTF-8"',
      'displayName = "uploaded"',
      'numvcpus = "2"',
      'memsize = "64"',
      'guestOS = "ubuntu-64"',
      'virtualHW.version = "15"',
      'uuid.bios = "42 1c 7b 6f 8e 2d 4a 3b-9c 1d 2e 3f 4a 5b 6c 7d"',
      'vc.uuid = "50 1c 7b 6f 8e 2d 4a 3b-9c 1d 2e 3f 4a 5b 6c 7e"',
      'annotation = "line one|0Aline two"',
      'scsi0.present = "TRUE"',
      'scsi0.virtualDev = "pvscsi"',
      'scsi0:0.present = "TRUE"',
      'scsi0:0.fileName = "data.vmdk"',
      'ethernet0.present = "TRUE"',
      'ethernet0.virtualDev = "e1000"',
      `ethernet0.networkName = "${network.name}"`,
      'ethernet0.addressType = "static"',
      'ethernet0.address = "00:50:56:00:00:01"',
      'tools.syncTime = "FALSE"',
    ].join('\n');
    vsphere.files.upload(ds.id, 'up/up.vmx', bytesOf(vmx));
    const ref = await run(register('[LocalDS_0] up/up.vmx'));
    const now = get(ref.value);
    expect(now.name).toBe('uploaded');
    expect(now.config).toMatchObject({
      numCPU: 2,
      memoryMB: 64,
      guestId: 'ubuntu64Guest',
      version: 'vmx-15',
      uuid: '421c7b6f-8e2d-4a3b-9c1d-2e3f4a5b6c7d',
      instanceUuid: '501c7b6f-8e2d-4a3b-9c1d-2e3f4a5b6c7e',
      annotation: 'line one\nline two',
      extraConfig: [],
    });
    const disk = now.config.devices.find(isDisk);
    const controller = now.config.devices.find((d) => d.key === disk?.controllerKey);
    expect(controller?._type).toBe('ParaVirtualSCSIController');
    expect(disk).toMatchObject({ capacityInKB: 2048, backing: { fileName: '[LocalDS_0] up/data.vmdk' } });
    const nic = now.config.devices.find((d) => d._type === 'VirtualE1000');
    expect(nic).toMatchObject({ macAddress: '00:50:56:00:00:01', addressType: 'manual' });
    expect(now.networks).toEqual([network.id]);
    expect([...vsphere.store.ofKind('DatastoreFile')].map((r) => r.name)).toEqual(['up']);
  });
});

describe('a VM folder copied with FileManager', () => {
  it("registers as a VM of its own: the .vmx's text, the copied disks taken", async () => {
    const { vsphere, run, dc, register, used, get, vm, pool } = setup();
    await run(vsphere.files.copy(`[LocalDS_0] ${VM}`, dc.id, '[LocalDS_0] copy', dc.id));
    const before = used();
    const ref = await run(register(`[LocalDS_0] copy/${VM}.vmx`, { pool: pool.id, name: 'copy' }));
    const copied = get(ref.value);
    const source = get(vm.id);
    expect(copied.name).toBe('copy');
    expect(
      copied.config.devices.filter(isDisk).map((d) => (d.backing as { fileName: string }).fileName),
    ).toEqual([`[LocalDS_0] copy/${VM}.vmdk`]);
    expect(copied.config.devices.filter(isDisk).map((d) => d.capacityInKB)).toEqual(
      source.config.devices.filter(isDisk).map((d) => d.capacityInKB),
    );
    // The copied disk is the VM's now: its descriptor and the .vmx no longer count apart.
    expect(used()).toBeLessThan(before);
  });
});

describe('VirtualMachine.reloadVirtualMachineFromPath_Task', () => {
  const VM1 = 'DC0_H0_VM1';

  /** VM1 powered off, and a copy of VM0's folder (its .vmx as text, its disk standalone) to reload it from. */
  const withCopy = async () => {
    const fixture = setup();
    const { vsphere, dc, at, run } = fixture;
    const target = at<VmRecord>(`/DC0/vm/${VM1}`);
    await run(vsphere.vm.powerOff(target.id));
    await run(vsphere.files.copy(`[LocalDS_0] ${VM}`, dc.id, '[LocalDS_0] copy', dc.id));
    const reload = (path: string) => reloadVmFromPath(vsphere, target.id, path);
    return { ...fixture, target, reload };
  };

  it("takes the file's configuration and disks, keeping its reference, name and place; its own files stay", async () => {
    const { vsphere, dc, vm, target, reload, run, get, names, taskInfo, lastEvent } = await withCopy();
    const source = get(vm.id);
    const was = get(target.id);
    const task = reload(`[LocalDS_0] copy/${VM}.vmx`);
    await run(task);
    expect(taskInfo(task)).toMatchObject({
      entity: target.id,
      name: 'reloadVirtualMachineFromPath_Task',
      descriptionId: 'VirtualMachine.reloadFromPath',
      state: 'success',
    });
    const now = get(target.id);
    expect(now).toMatchObject({ name: VM1, parent: was.parent, pool: was.pool, powerState: 'poweredOff' });
    expect(now.config).toMatchObject({
      uuid: source.config.uuid,
      instanceUuid: source.config.instanceUuid,
      vmPathName: `[LocalDS_0] copy/${VM}.vmx`,
    });
    expect(
      now.config.devices.filter(isDisk).map((d) => (d.backing as { fileName: string }).fileName),
    ).toEqual([`[LocalDS_0] copy/${VM}.vmdk`]);
    // Its former files are left as UnregisterVM leaves them: a .vmx and a standalone disk.
    expect(await names(`[LocalDS_0] ${VM1}`)).toEqual([`${VM1}-flat.vmdk`, `${VM1}.vmdk`, `${VM1}.vmx`]);
    const oldDisk = was.config.devices.find(isDisk)?.backing as { uuid: string };
    const ddb = vsphere.virtualDisks.queryUuid(`[LocalDS_0] ${VM1}/${VM1}.vmdk`, dc.id);
    expect(ddb.replace(/[\s-]/g, '')).toBe(oldDisk.uuid.replaceAll('-', ''));
    expect(lastEvent()).toMatchObject({
      _type: 'VmReloadFromPathEvent',
      vm: { vm: { value: target.id } },
      configPath: `[LocalDS_0] copy/${VM}.vmx`,
    });
  });

  it('is one modification of the VM to watchers: its id and its place among its host and datastore VMs kept', async () => {
    const { vsphere, target, reload, run } = await withCopy();
    const links = () =>
      [target.host as string, target.homeDatastore].map((id) => [...vsphere.store.referrers('vm', id)]);
    const before = links();
    const version = vsphere.store.version;
    await run(reload(`[LocalDS_0] copy/${VM}.vmx`));
    const changes = (vsphere.store.changesSince(version) ?? []).flatMap((batch) => batch.changes);
    expect(changes.filter((c) => c.id === target.id).map((c) => c.op)).toEqual(['modify']);
    expect(links()).toEqual(before);
  });

  it('leaves a VM reloaded from its own file as it is; its snapshots go with another file', async () => {
    const { vsphere, target, reload, run, get } = await withCopy();
    await run(vsphere.snapshot.create(target.id, 's1'));
    const was = get(target.id);
    await run(reload(was.config.vmPathName));
    expect(get(target.id)).toEqual(was);
    await run(reload(`[LocalDS_0] copy/${VM}.vmx`));
    expect(get(target.id).snapshots).toBeUndefined();
    expect([...vsphere.store.ofKind('VirtualMachineSnapshot')]).toEqual([]);
  });

  it('refuses a running VM, a missing file, a registered one, a file that is no .vmx and bad hardware, changing nothing', async () => {
    const { vsphere, ds, vm, target, reload, failsWith } = await withCopy();
    expect(await failsWith(() => reloadVmFromPath(vsphere, vm.id, `[LocalDS_0] copy/${VM}.vmx`))).toBe(
      'InvalidPowerState',
    );
    expect(await failsWith(() => reload('[LocalDS_0] copy/none.vmx'))).toBe('FileNotFound');
    expect(await failsWith(() => reload('[LocalDS_0] copy'))).toBe('FileNotFound');
    expect(await failsWith(() => reload(VMX))).toBe('AlreadyExists');
    expect(await failsWith(() => reload('[nowhere] x.vmx'))).toBe('InvalidDatastore');
    expect(await failsWith(() => reload('nowhere.vmx'))).toBe('InvalidDatastorePath');
    vsphere.files.upload(ds.id, 'junk/junk.vmx', bytesOf('\u0000\u0001 not a configuration'));
    expect(await failsWith(() => reload('[LocalDS_0] junk/junk.vmx'))).toBe('InvalidFormat');
    vsphere.files.upload(ds.id, 'odd/odd.vmx', bytesOf('numvcpus = "3"\ncpuid.coresPerSocket = "2"\n'));
    expect(await failsWith(() => reload('[LocalDS_0] odd/odd.vmx'))).toBe('InvalidArgument');
    expect(vsphere.store.get(target.id)).toBeDefined();
  });

  it('ends in ManagedObjectNotFound for a VM destroyed while its reload was queued', async () => {
    const { vsphere, target, reload, run } = await withCopy();
    // Both queued: the destroy runs first.
    const destroyed = vsphere.vm.destroy(target.id);
    const task = reload(`[LocalDS_0] copy/${VM}.vmx`);
    await run(destroyed);
    await expect(run(task)).rejects.toMatchObject({ fault: { _type: 'ManagedObjectNotFound' } });
  });
});
