import { describe, expect, it } from 'vitest';
import type { MoRef } from '../refs.js';
import { createFixture } from '../testing/fixture.js';
import { propertyNames, readProperty } from './index.js';

describe('properties of the default inventory', () => {
  const { vsphere, at } = createFixture();

  it('reads a VM as clients do', () => {
    const vm = at('/DC0/vm/DC0_C0_RP0_VM0');
    expect(vsphere.read(vm.id, 'name')).toBe('DC0_C0_RP0_VM0');
    expect(vsphere.read(vm.id, 'summary.runtime.powerState')).toBe('poweredOn');
    expect(vsphere.read(vm.id, 'config.hardware.numCPU')).toBe(1);
    expect(vsphere.read(vm.id, 'config.hardware.memoryMB')).toBe(32);
    expect(vsphere.read(vm.id, 'config.guestId')).toBe('otherGuest');
    expect(vsphere.read(vm.id, 'config.files.vmPathName')).toBe(
      '[LocalDS_0] DC0_C0_RP0_VM0/DC0_C0_RP0_VM0.vmx',
    );
    expect(vsphere.read(vm.id, 'guest.toolsRunningStatus')).toBe('guestToolsRunning');
    expect(vsphere.read<string>(vm.id, 'guest.ipAddress')).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(vsphere.read(vm.id, 'summary.config.numVirtualDisks')).toBe(1);
    expect(vsphere.read<MoRef[]>(vm.id, 'network').map((r) => vsphere.store.get(r.value)?.name)).toEqual([
      'DC0_DVPG0',
    ]);
    const devices = vsphere.read<{ key: number; _type: string }[]>(vm.id, 'config.hardware.device');
    expect(devices.map((d) => d.key)).toEqual(
      expect.arrayContaining([100, 200, 201, 300, 400, 500, 600, 700, 1000, 2000, 3000, 4000, 12000]),
    );
  });

  it("lists a VM's files in layoutEx: its configuration, and each disk's descriptor and extent, chained", () => {
    const vm = at('/DC0/vm/DC0_C0_RP0_VM0');
    const disk = vsphere
      .read<{ _type: string; key: number; capacityInBytes: number }[]>(vm.id, 'config.hardware.device')
      .find((d) => d._type === 'VirtualDisk');
    const layout = vsphere.read<{ file: object[]; disk: object[] }>(vm.id, 'layoutEx');
    const dir = '[LocalDS_0] DC0_C0_RP0_VM0/DC0_C0_RP0_VM0';
    expect(layout.file.map((f) => Object.values(f).slice(1))).toEqual([
      [0, `${dir}.vmx`, 'config', 2048, 2048, true],
      [1, `${dir}.vmdk`, 'diskDescriptor', 512, 512, true],
      [2, `${dir}-flat.vmdk`, 'diskExtent', disk?.capacityInBytes, disk?.capacityInBytes, true],
    ]);
    expect(layout.disk).toEqual([
      {
        _type: 'VirtualMachineFileLayoutExDiskLayout',
        key: disk?.key,
        chain: [{ _type: 'VirtualMachineFileLayoutExDiskUnit', fileKey: [1, 2] }],
      },
    ]);
  });

  it("lists a VM's snapshots in layoutEx: state file, memory of a running one, and the disks they chain to", async () => {
    const { vsphere, at, run } = createFixture();
    const vm = at('/DC0/vm/DC0_C0_RP0_VM0');
    const first = await run(vsphere.snapshot.create(vm.id, 'cold'));
    const second = await run(vsphere.snapshot.create(vm.id, 'warm', { memory: true }));
    type Layout = {
      file: { key: number; name: string; type: string; size: number }[];
      disk: { key: number; chain: { fileKey: number[] }[] }[];
      snapshot: {
        key: MoRef;
        dataKey: number;
        memoryKey: number;
        disk: { key: number; chain: { fileKey: number[] }[] }[];
      }[];
    };
    const layout = vsphere.read<Layout>(vm.id, 'layoutEx');
    const dir = '[LocalDS_0] DC0_C0_RP0_VM0/DC0_C0_RP0_VM0';
    expect(layout.file.slice(3).map((f) => [f.key, f.name, f.type, f.size])).toEqual([
      [3, `${dir}-Snapshot1.vmsn`, 'snapshotData', 16 * 1024],
      [4, `${dir}-Snapshot2.vmsn`, 'snapshotData', 16 * 1024],
      [5, `${dir}-Snapshot2.vmem`, 'snapshotMemory', 32 * 1024 * 1024],
    ]);
    expect(layout.snapshot.map((s) => [s.key.value, s.dataKey, s.memoryKey])).toEqual([
      [first.value, 3, -1],
      [second.value, 4, 5],
    ]);
    // Each disk's files are listed once, the VM's and its snapshots' chains pointing at them.
    for (const s of layout.snapshot) expect(s.disk).toEqual(layout.disk);
  });

  it('derives back-references from the reverse indexes', () => {
    const host = at('/DC0/host/DC0_H0/DC0_H0');
    const vms = vsphere.read<MoRef[]>(host.id, 'vm').map((r) => vsphere.store.get(r.value)?.name);
    expect(vms).toEqual(['DC0_H0_VM0', 'DC0_H0_VM1']);
    const ds = at('/DC0/datastore/LocalDS_0');
    expect(vsphere.read<MoRef[]>(ds.id, 'vm')).toHaveLength(4);
    expect(vsphere.read<unknown[]>(ds.id, 'host')).toHaveLength(4);
    expect(vsphere.read<number>(ds.id, 'summary.freeSpace')).toBe(4 * 1024 ** 4 - 4 * 10 * 1024 ** 3);
    const cluster = at('/DC0/host/DC0_C0');
    expect(vsphere.read(cluster.id, 'summary.numHosts')).toBe(3);
    expect(vsphere.read<MoRef>(cluster.id, 'resourcePool').type).toBe('ResourcePool');
  });

  it('tells unknown properties from unset ones', () => {
    const vm = at('/DC0/vm/DC0_H0_VM0');
    expect(readProperty(vsphere, vm, 'noSuchProperty').exists).toBe(false);
    expect(readProperty(vsphere, vm, 'parentVApp')).toEqual({ exists: true, value: undefined });
    expect(() => vsphere.read(vm.id, 'noSuchProperty')).toThrow(
      expect.objectContaining({ name: 'InvalidProperty' }),
    );
    expect(propertyNames('VirtualMachine')).toEqual(
      expect.arrayContaining(['name', 'config', 'runtime', 'guest', 'summary']),
    );
  });
});

describe('ServiceInstance and its managers', () => {
  const { vsphere } = createFixture({ about: { version: '7.0.3' } });

  it('serves ServiceContent with vCenter about info and the managers it points to', () => {
    const content = vsphere.read<Record<string, MoRef & Record<string, unknown>>>(
      'ServiceInstance',
      'content',
    );
    expect(content.rootFolder).toEqual({ type: 'Folder', value: 'group-d1' });
    expect(content.propertyCollector).toEqual({ type: 'PropertyCollector', value: 'propertyCollector' });
    expect(content.sessionManager).toEqual({ type: 'SessionManager', value: 'SessionManager' });
    expect(content.about).toMatchObject({
      apiType: 'VirtualCenter',
      version: '7.0.3',
      apiVersion: '7.0.3.0',
      productLineId: 'vpx',
    });
    for (const [name, ref] of Object.entries(content)) {
      if (name === 'about' || name === '_type') continue;
      expect(vsphere.store.get(ref.value)?.kind, name).toBe(ref.type);
    }
  });

  it('lists sessions and recent tasks', () => {
    const session = vsphere.sessions.login('user', 'pass');
    expect(vsphere.read<{ key: string }[]>('SessionManager', 'sessionList').map((s) => s.key)).toContain(
      session.key,
    );
    // Each authenticated call counts.
    for (let i = 0; i < 3; i++) vsphere.sessions.authenticate(session.key);
    vsphere.sessionKey = session.key;
    expect(vsphere.read('SessionManager', 'currentSession')).toMatchObject({
      key: session.key,
      callCount: 3,
    });
    vsphere.sessionKey = undefined;
    const task = vsphere.vm.powerOff('vm-20');
    expect(vsphere.read<MoRef[]>('TaskManager', 'recentTask')).toContainEqual(task.ref);
  });
});
