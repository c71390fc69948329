import { describe, expect, it } from 'vitest';
import { isDisk, nicNetwork } from '../inventory/devices.js';
import type {
  DatastoreRecord,
  Device,
  HostRecord,
  InventoryRecord,
  NetworkRecord,
  VmRecord,
} from '../inventory/records.js';
import type { Task } from '../model.js';
import type { MoRef } from '../refs.js';
import { createFixture, GIB } from '../testing/fixture.js';
import type { VSphere, VSphereOptions } from '../vsphere.js';
import type { DeployConfig, DeploySpec } from './deploy.js';
import { descriptorOfVm, SAMPLE_OVF_IMAGES } from './ovf.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];

const vmsNamed = (vsphere: VSphere, name: string) =>
  [...vsphere.store.ofKind<VmRecord>('VirtualMachine')].filter((v) => v.name === name);

/** What a failed deployment must leave as it was. */
const snapshot = (vsphere: VSphere) => ({
  vms: vsphere.store.countOf('VirtualMachine'),
  used: [...vsphere.store.ofKind<DatastoreRecord>('Datastore')].map((d) => d.used),
  hostVms: [...vsphere.store.ofKind<HostRecord>('HostSystem')].map(
    (h) => vsphere.store.referrers('vm', h.id).size,
  ),
});

type Snapshot = ReturnType<typeof snapshot>;

const setup = (options: VSphereOptions = {}) => {
  const fixture = createFixture(options);
  const { vsphere, at } = fixture;
  const datastore = at<DatastoreRecord>('/DC0/datastore/LocalDS_0').id;
  const lib = vsphere.library.create({ name: 'images', datastore, type: 'LOCAL' });
  const item = vsphere.library.createItem(lib, ubuntu);
  // Read once the item's files are on it.
  const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const folder = at('/DC0/vm').id;
  const cluster = at<InventoryRecord & { resourcePool: string }>('/DC0/host/DC0_C0');
  const target: DeploySpec = { name: 'node-0', folder, pool: cluster.resourcePool };
  /** The task ends in `fault` and leaves the inventory as it was `before`. */
  const failsWith = async (task: Task<MoRef>, fault: Record<string, unknown>, before: Snapshot) => {
    await expect(fixture.run(task)).rejects.toMatchObject({ fault: expect.objectContaining(fault) });
    expect(fixture.taskInfo(task).error?._type).toBe(fault._type);
    expect(snapshot(vsphere)).toEqual(before);
  };
  return { ...fixture, ds, lib, item, folder, pool: cluster.resourcePool, target, failsWith };
};

describe('deploying an OVF item', () => {
  it("gives the VM the firmware its deployment asks for, over the descriptor's", async () => {
    const { vsphere, item, target, run } = setup();
    const ref = await run(vsphere.library.deploy(item, { ...target, config: { firmware: 'bios' } }));
    expect((vsphere.store.get(ref.value) as VmRecord).config.firmware).toBe('bios');
  });

  it('creates the VM the descriptor describes on the least loaded host of the pool', async () => {
    const { vsphere, at, ds, item, folder, pool, target, run } = setup();
    const used = ds.used;
    const task = vsphere.library.deploy(item, target);
    const ref = await run(task);
    const vm = vsphere.store.get(ref.value) as VmRecord;
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H2');
    expect(ref).toEqual({ type: 'VirtualMachine', value: vm.id });
    expect(vm).toMatchObject({
      name: 'node-0',
      parent: folder,
      pool,
      host: host.id,
      powerState: 'poweredOff',
    });
    expect(vm.config).toMatchObject({
      numCPU: 2,
      memoryMB: 4096,
      guestId: 'ubuntu64Guest',
      guestFullName: 'Ubuntu Linux (64-bit)',
      version: 'vmx-19',
      firmware: 'efi',
    });
    // An OVF export of the VM says its firmware again.
    expect(descriptorOfVm(vm, (id) => id).firmware).toBe('efi');
    expect(vm.config.devices.filter(isDisk).map((d) => d.capacityInKB)).toEqual([20 * 1024 * 1024]);
    expect(vsphere.store.referrers('childEntity', folder).has(vm.id)).toBe(true);
    expect(vsphere.store.referrers('vm', host.id).has(vm.id)).toBe(true);
    expect(vsphere.store.referrers('vm', pool).has(vm.id)).toBe(true);
    expect(vsphere.store.referrers('vm', ds.id).has(vm.id)).toBe(true);
    expect((vsphere.store.get(ds.id) as DatastoreRecord).used).toBe(used + 20 * GIB);
    const network = vsphere.store.get(vm.networks[0] as string) as NetworkRecord;
    expect(network.name).toBe('VM Network');
    expect(vsphere.store.referrers('vm', network.id).has(vm.id)).toBe(true);
  });

  it('records the task and posts the deploy events', async () => {
    const { vsphere, at, item, pool, target, run } = setup();
    const task = vsphere.library.deploy(item, target);
    const ref = await run(task);
    expect(vsphere.store.get(task.ref.value)).toMatchObject({
      name: 'DeployLibraryItem',
      descriptionId: 'com.vmware.ovfs.deploy',
      entity: pool,
      state: 'success',
      result: ref,
    });
    const events = vsphere.events.list().filter((e) => e.vm?.vm.value === ref.value);
    expect(events.map((e) => e._type)).toEqual(['VmBeingDeployedEvent', 'VmDeployedEvent']);
    expect(events[0]).toMatchObject({
      fullFormattedMessage: `Deploying node-0 on host DC0_C0_H2 in DC0 from template ${ubuntu.name}`,
      srcTemplate: { name: ubuntu.name },
      host: { name: 'DC0_C0_H2' },
      computeResource: { name: 'DC0_C0' },
      datacenter: { name: 'DC0' },
      ds: { name: 'LocalDS_0' },
    });
    expect(events[1]?.fullFormattedMessage).toBe(`Template ${ubuntu.name} deployed on host DC0_C0_H2`);
    expect(at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H2').id).toBe(events[0]?.host?.host.value);
  });

  it('powers the VM on with a running guest when asked', async () => {
    const { vsphere, item, target, run } = setup();
    const ref = await run(vsphere.library.deploy(item, { ...target, powerOn: true, annotation: 'k8s' }));
    const vm = vsphere.store.get(ref.value) as VmRecord;
    expect(vm.powerState).toBe('poweredOn');
    expect(vm.bootTime).toBe(vsphere.clock.now());
    expect(vm.guest).toMatchObject({ toolsRunningStatus: 'guestToolsRunning', hostName: 'node-0' });
    expect(vm.guest.ipAddress).toMatch(/^10\./);
    expect(vm.config.annotation).toBe('k8s');
    const types = vsphere.events.list().filter((e) => e.vm?.vm.value === ref.value);
    expect(types.map((e) => e._type)).toEqual([
      'VmBeingDeployedEvent',
      'VmDeployedEvent',
      'VmStartingEvent',
      'VmPoweredOnEvent',
    ]);
  });

  it('joins the mapped networks and uses the named host', async () => {
    const { vsphere, at, item, target, run } = setup();
    const pg = at<NetworkRecord>('/DC0/network/DC0_DVPG0');
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    const spec = {
      ...target,
      host: host.id,
      networkMappings: { 'VM Network': { type: pg.kind, value: pg.id } },
    };
    const ref = await run(vsphere.library.deploy(item, spec));
    const vm = vsphere.store.get(ref.value) as VmRecord;
    expect(vm.host).toBe(host.id);
    expect(vm.networks).toEqual([pg.id]);
    expect(vm.config.devices.map(nicNetwork).filter(Boolean)).toEqual([pg.id]);
    expect(vsphere.store.referrers('vm', pg.id).has(vm.id)).toBe(true);
  });

  it('takes sizes, UUIDs, NICs with fixed MACs and extra config from a configuration spec', async () => {
    const { vsphere, at, item, target, run } = setup();
    const pg = at<NetworkRecord>('/DC0/network/DC0_DVPG0');
    const uuid = '4215a7a9-1b1c-4f4e-9c1d-5e2a3b4c5d6e';
    const instanceUuid = '5015a7a9-1b1c-4f4e-9c1d-5e2a3b4c5d6e';
    const ref = await run(
      vsphere.library.deploy(item, {
        ...target,
        config: {
          numCPU: 4,
          memoryMB: 16384,
          uuid,
          instanceUuid,
          nics: [{ network: pg.id, macAddress: '00:50:56:00:00:07' }, { network: pg.id }],
          extraConfig: [{ key: 'guestinfo.userdata', value: 'e30=' }],
        },
      }),
    );
    const vm = vsphere.store.get(ref.value) as VmRecord;
    expect(vm.config).toMatchObject({ numCPU: 4, memoryMB: 16384, uuid, instanceUuid });
    expect(vm.config.extraConfig).toEqual([{ key: 'guestinfo.userdata', value: 'e30=' }]);
    const nics = vm.config.devices.filter((d) => nicNetwork(d) !== undefined);
    expect(nics.map(nicNetwork)).toEqual([pg.id, pg.id]);
    expect(nics[0]).toMatchObject({ macAddress: '00:50:56:00:00:07', addressType: 'manual' });
    expect(nics[1]).toMatchObject({ addressType: 'assigned' });
    expect(nics[1]?.macAddress).toMatch(/^00:50:56:/);
  });

  it("gives each NIC its configuration spec's device type and CPUs per socket", async () => {
    const { vsphere, at, item, target, run } = setup();
    const pg = at<NetworkRecord>('/DC0/network/DC0_DVPG0');
    const nics = [
      { network: pg.id, type: 'VirtualE1000e', macAddress: '00:50:56:00:00:09' },
      { network: pg.id },
    ];
    const ref = await run(
      vsphere.library.deploy(item, { ...target, config: { numCPU: 4, numCoresPerSocket: 2, nics } }),
    );
    const vm = vsphere.store.get(ref.value) as VmRecord;
    expect(vm.config.numCoresPerSocket).toBe(2);
    const deployed = vm.config.devices.filter((d) => nicNetwork(d) !== undefined);
    expect(deployed.map((d) => d._type)).toEqual(['VirtualE1000e', 'VirtualVmxnet3']);
    expect(deployed[0]).toMatchObject({ macAddress: '00:50:56:00:00:09', addressType: 'manual' });
    expect(() =>
      vsphere.library.deploy(item, {
        ...target,
        name: 'x',
        config: { nics: [{ network: pg.id, type: 'VirtualDisk' }] },
      }),
    ).toThrow(
      expect.objectContaining({
        fault: expect.objectContaining({ invalidProperty: 'deployment_spec.nics' }),
      }),
    );
    await expect(
      run(
        vsphere.library.deploy(item, { ...target, name: 'y', config: { numCPU: 3, numCoresPerSocket: 2 } }),
      ),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidArgument', invalidProperty: 'numCoresPerSocket' } });
  });

  it('leaves the CD-ROM drive or the vApp options out when its configuration spec says so', async () => {
    const { vsphere, item, target, run } = setup();
    const deployed = async (name: string, config: DeployConfig) =>
      vsphere.store.get(
        (await run(vsphere.library.deploy(item, { ...target, name, config }))).value,
      ) as VmRecord;
    const cdromsOf = (vm: VmRecord) => vm.config.devices.filter((d) => d._type === 'VirtualCdrom');
    const ideOf = (vm: VmRecord) => vm.config.devices.find((d) => d.key === 200)?.device;
    const plain = await deployed('plain', {});
    expect(cdromsOf(plain)).toHaveLength(1);
    expect(ideOf(plain)).toEqual([3000]);
    expect(plain.config.vAppConfig).toBeDefined();
    const bare = await deployed('bare', { withoutCdrom: true, vAppConfigRemoved: true });
    expect(cdromsOf(bare)).toEqual([]);
    expect(ideOf(bare)).toEqual([]);
    expect(bare.config.vAppConfig).toBeUndefined();
  });

  it("adds its configuration spec's devices and managing extension before the VM boots", async () => {
    const { vsphere, item, target, run } = setup();
    const managedBy = { extensionKey: 'com.vmware.vcenter.wcp', type: 'VirtualMachine' };
    const vgpu = {
      operation: 'add' as const,
      device: {
        _type: 'VirtualPCIPassthrough',
        key: -200,
        backing: { _type: 'VirtualPCIPassthroughVmiopBackingInfo', vgpu: 'grid_t4-2q' },
      },
    };
    const ref = await run(
      vsphere.library.deploy(item, {
        ...target,
        name: 'gpu',
        powerOn: true,
        config: { managedBy, deviceChange: [vgpu] },
      }),
    );
    const vm = vsphere.store.get(ref.value) as VmRecord;
    expect(vm.powerState).toBe('poweredOn');
    expect(vm.config.managedBy).toEqual(managedBy);
    expect(vm.config.devices.find((d) => d._type === 'VirtualPCIPassthrough')).toMatchObject({
      key: 13000,
      controllerKey: 100,
      deviceInfo: { label: 'PCI device 0' },
    });
    // A device the spec cannot add fails the deployment, leaving no VM behind.
    const broken = {
      ...vgpu,
      device: { ...vgpu.device, backing: { _type: 'VirtualPCIPassthroughVmiopBackingInfo' } },
    };
    await expect(
      run(vsphere.library.deploy(item, { ...target, name: 'broken', config: { deviceChange: [broken] } })),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidDeviceSpec' } });
    expect([...vsphere.store.ofKind<VmRecord>('VirtualMachine')].some((v) => v.name === 'broken')).toBe(
      false,
    );
  });

  it("reserves what its configuration spec's allocations say, refusing an unusable one", async () => {
    const { vsphere, item, target, run } = setup();
    const memoryAllocation = { reservation: 2048, limit: -1, shares: { level: 'normal' as const } };
    const ref = await run(
      vsphere.library.deploy(item, {
        ...target,
        name: 'guaranteed',
        config: {
          cpuAllocation: { reservation: 4588 },
          memoryAllocation,
          latencySensitivity: { level: 'high' },
        },
      }),
    );
    expect(vsphere.read(ref.value, 'summary.config')).toMatchObject({
      cpuReservation: 4588,
      memoryReservation: 2048,
    });
    expect(vsphere.read(ref.value, 'config.latencySensitivity.level')).toBe('high');
    await expect(
      run(vsphere.library.deploy(item, { ...target, name: 'bad', config: { cpuAllocation: { limit: -2 } } })),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidArgument', invalidProperty: 'spec.cpuAllocation' } });
    expect([...vsphere.store.ofKind<VmRecord>('VirtualMachine')].some((v) => v.name === 'bad')).toBe(false);
  });

  it("puts the configuration spec's extra config over the descriptor's", async () => {
    const { vsphere, lib, target, run } = setup();
    const item = vsphere.library.createItem(lib, {
      ...ubuntu,
      name: 'with-extra-config',
      ovf: {
        ...ubuntu.ovf,
        extraConfig: [
          { key: 'guestinfo.vmservice.defer-cloud-init', value: 'ready' },
          { key: 'guestinfo.userdata', value: 'old' },
        ],
      },
    });
    const plain = await run(vsphere.library.deploy(item, target));
    expect((vsphere.store.get(plain.value) as VmRecord).config.extraConfig).toEqual([
      { key: 'guestinfo.vmservice.defer-cloud-init', value: 'ready' },
      { key: 'guestinfo.userdata', value: 'old' },
    ]);
    const extraConfig = [
      { key: 'guestinfo.userdata', value: 'new' },
      { key: 'guestinfo.metadata', value: 'e30=' },
    ];
    const ref = await run(
      vsphere.library.deploy(item, { ...target, name: 'node-1', config: { extraConfig } }),
    );
    expect((vsphere.store.get(ref.value) as VmRecord).config.extraConfig).toEqual([
      { key: 'guestinfo.vmservice.defer-cloud-init', value: 'ready' },
      { key: 'guestinfo.userdata', value: 'new' },
      { key: 'guestinfo.metadata', value: 'e30=' },
    ]);
  });

  it("prefers the library's datastore, else the host's first one", async () => {
    const { vsphere, at, folder, pool, run } = setup({ inventory: { ds: 2 } });
    const ds1 = at<DatastoreRecord>('/DC0/datastore/LocalDS_1');
    const lib = vsphere.library.create({ name: 'on-ds1', datastore: ds1.id, type: 'LOCAL' });
    const item = vsphere.library.createItem(lib, ubuntu);
    const first = await run(vsphere.library.deploy(item, { name: 'a', folder, pool }));
    expect((vsphere.store.get(first.value) as VmRecord).homeDatastore).toBe(ds1.id);
    // A host that does not mount the library's datastore falls back to its first one.
    const h0 = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    vsphere.store.transact((tx) => tx.put({ ...h0, datastores: h0.datastores.filter((d) => d !== ds1.id) }));
    const second = await run(vsphere.library.deploy(item, { name: 'b', folder, pool, host: h0.id }));
    expect((vsphere.store.get(second.value) as VmRecord).homeDatastore).toBe(h0.datastores[0]);
  });

  it('deploys what captureOvf captured', async () => {
    const { vsphere, at, lib, target, run, capture } = setup();
    const source = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const item = await capture(source.id, { libraryId: lib, name: 'golden' });
    const ref = await run(vsphere.library.deploy(item, target));
    const vm = vsphere.store.get(ref.value) as VmRecord;
    expect(vm.config).toMatchObject({ numCPU: 1, memoryMB: 32, guestId: 'otherGuest', version: 'vmx-13' });
    expect(vm.config.devices.filter(isDisk).map((d) => d.capacityInKB)).toEqual([10 * 1024 * 1024]);
    expect(vm.networks).toEqual(source.networks);
    expect(vm.config.extraConfig).toEqual([]);
  });

  it("captures the VM's vApp properties with their defaults, and deploys them", async () => {
    const { vsphere, at, lib, target, run, capture } = setup();
    const source = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const property = { operation: 'add' as const, info: { key: 0, id: 'admin-password', type: 'password' } };
    await run(
      vsphere.vm.reconfigure(source.id, {
        vAppConfig: {
          property: [
            {
              ...property,
              info: { ...property.info, defaultValue: '', userConfigurable: true, label: 'Password' },
            },
            { operation: 'add', info: { key: 1, id: 'build', type: 'string', defaultValue: '42' } },
          ],
        },
      }),
    );
    await run(
      vsphere.vm.reconfigure(source.id, {
        vAppConfig: { property: [{ operation: 'edit', info: { key: 0, value: 's3cret' } }] },
      }),
    );
    const item = await capture(source.id, { libraryId: lib, name: 'appliance' });
    expect(vsphere.library.getItem(item).ovf?.properties).toEqual([
      { key: 'admin-password', type: 'password', value: '', userConfigurable: true, label: 'Password' },
      { key: 'build', type: 'string', value: '42' },
    ]);
    const ref = await run(vsphere.library.deploy(item, target));
    const deployed = (vsphere.store.get(ref.value) as VmRecord).config.vAppConfig?.properties;
    expect(deployed?.map((p) => [p.id, p.defaultValue, p.value])).toEqual([
      ['admin-password', '', ''],
      ['build', '42', ''],
    ]);
  });

  it("captures the VM's extraConfig with the EXTRA_CONFIG flag, and deploys it", async () => {
    const { vsphere, at, lib, target, run, capture } = setup();
    const source = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const extraConfig = [{ key: 'guestinfo.vmservice.defer-cloud-init', value: 'ready' }];
    await run(vsphere.vm.reconfigure(source.id, { extraConfig }));
    const without = await capture(source.id, { libraryId: lib, name: 'plain' });
    const item = await capture(source.id, {
      libraryId: lib,
      name: 'kept',
      flags: ['EXTRA_CONFIG'],
    });
    expect(vsphere.library.getItem(without).ovf?.extraConfig).toBeUndefined();
    expect(vsphere.library.getItem(item).ovf?.extraConfig).toEqual(extraConfig);
    const ref = await run(vsphere.library.deploy(item, target));
    expect((vsphere.store.get(ref.value) as VmRecord).config.extraConfig).toEqual(extraConfig);
  });
});

describe('deployment failures', () => {
  it('refuses an unknown item, a non-OVF item and an unknown folder at once', () => {
    const { vsphere, lib, item, target } = setup();
    const before = snapshot(vsphere);
    const tasks = vsphere.store.countOf('Task');
    expect(() => vsphere.library.deploy('nope', target)).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
    const iso = vsphere.library.createItem(lib, { name: 'x.iso', type: 'iso' });
    expect(() => vsphere.library.deploy(iso, target)).toThrow(
      expect.objectContaining({
        fault: { _type: 'InvalidArgument', invalidProperty: 'ovf_library_item_id' },
      }),
    );
    expect(() => vsphere.library.deploy(item, { ...target, folder: 'group-v999' })).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    expect(() => vsphere.library.deploy(item, { ...target, name: '' })).toThrow(
      expect.objectContaining({
        fault: { _type: 'InvalidArgument', invalidProperty: 'deployment_spec.name' },
      }),
    );
    expect(vsphere.store.countOf('Task')).toBe(tasks);
    expect(snapshot(vsphere)).toEqual(before);
  });

  it('ends in DuplicateName when the folder holds the name', async () => {
    const { vsphere, at, item, target, failsWith, taskInfo } = setup();
    const taken = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const before = snapshot(vsphere);
    const task = vsphere.library.deploy(item, { ...target, name: 'DC0_H0_VM0' });
    await failsWith(task, { _type: 'DuplicateName', name: 'DC0_H0_VM0' }, before);
    expect(taskInfo(task).error).toMatchObject({
      object: { type: 'VirtualMachine', value: taken.id },
    });
    expect(vmsNamed(vsphere, 'DC0_H0_VM0')).toHaveLength(1);
  });

  it("ends in InvalidArgument for a host outside the pool's compute resource", async () => {
    const { vsphere, at, item, target, failsWith } = setup();
    const before = snapshot(vsphere);
    const host = at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
    const task = vsphere.library.deploy(item, { ...target, host: host.id });
    await failsWith(task, { _type: 'InvalidArgument', invalidProperty: 'target.host_id' }, before);
  });

  it('ends in InvalidState for a host in maintenance mode', async () => {
    const { vsphere, at, item, target, failsWith } = setup();
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1');
    vsphere.store.transact((tx) => tx.put({ ...host, inMaintenanceMode: true }));
    const before = snapshot(vsphere);
    await failsWith(
      vsphere.library.deploy(item, { ...target, host: host.id }),
      { _type: 'InvalidState' },
      before,
    );
  });

  it.each([
    ['a mapped network', (pg: string) => ({ networkMappings: { 'VM Network': pg } })],
    ['a configured NIC', (pg: string) => ({ config: { nics: [{ network: pg }] } })],
  ])('ends in InvalidArgument for %s on a network the host does not reach', async (_, onNetwork) => {
    const { vsphere, at, item, target, failsWith } = setup();
    const pg = at<NetworkRecord>('/DC0/network/DC0_DVPG0');
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H2');
    vsphere.store.transact((tx) => tx.put({ ...host, networks: host.networks.filter((n) => n !== pg.id) }));
    const before = snapshot(vsphere);
    const task = vsphere.library.deploy(item, { ...target, host: host.id, ...onNetwork(pg.id) });
    await failsWith(
      task,
      { _type: 'InvalidArgument', invalidProperty: 'deployment_spec.network_mappings' },
      before,
    );
  });

  it.each([undefined, 'thick', 'eagerZeroedThick'] as const)(
    'ends in InsufficientResourcesFault when the datastore cannot hold %s disks',
    async (storageProvisioning) => {
      const { vsphere, ds, item, target, failsWith } = setup();
      vsphere.store.transact((tx) => tx.put({ ...ds, capacity: ds.used + GIB }));
      const before = snapshot(vsphere);
      const task = vsphere.library.deploy(item, {
        ...target,
        ...(storageProvisioning && { storageProvisioning }),
      });
      await failsWith(task, { _type: 'InsufficientResourcesFault' }, before);
    },
  );

  it('overcommits the datastore with thin disks, as thin provisioning allows', async () => {
    const { vsphere, ds, item, target, run } = setup();
    vsphere.store.transact((tx) => tx.put({ ...ds, capacity: ds.used + GIB }));
    const ref = await run(vsphere.library.deploy(item, { ...target, storageProvisioning: 'thin' }));
    const vm = vsphere.store.get(ref.value) as VmRecord;
    const disks = vm.config.devices.filter(isDisk);
    expect(disks.map((d) => (d.backing as { thinProvisioned: boolean }).thinProvisioned)).toEqual([true]);
    const after = vsphere.store.get(ds.id) as DatastoreRecord;
    expect(after.used).toBeGreaterThan(after.capacity);
  });

  it.each([
    [undefined, { thinProvisioned: false, eagerlyScrub: false }],
    ['thick', { thinProvisioned: false, eagerlyScrub: false }],
    ['eagerZeroedThick', { thinProvisioned: false, eagerlyScrub: true }],
    ['thin', { thinProvisioned: true, eagerlyScrub: false }],
  ] as const)(
    'gives %s disks their backing and charges the datastore their capacity',
    async (storageProvisioning, backing) => {
      const { vsphere, ds, item, target, run } = setup();
      const ref = await run(
        vsphere.library.deploy(item, { ...target, ...(storageProvisioning && { storageProvisioning }) }),
      );
      // What SOAP clients read: the hardware's disks.
      const disks = vsphere.read<Device[]>(ref.value, 'config.hardware.device').filter(isDisk);
      expect(disks.map((d) => d.backing)).toEqual([expect.objectContaining(backing)]);
      const capacity = disks.reduce((sum, d) => sum + (d.capacityInBytes as number), 0);
      expect((vsphere.store.get(ds.id) as DatastoreRecord).used).toBe(ds.used + capacity);
    },
  );

  it('refuses a folder that holds no VMs or sits in another datacenter at once', () => {
    const { vsphere, at, item, target } = setup({ inventory: { dc: 2 } });
    const invalid = expect.objectContaining({
      fault: { _type: 'InvalidArgument', invalidProperty: 'target.folder_id' },
    });
    expect(() => vsphere.library.deploy(item, { ...target, folder: at('/DC0/host').id })).toThrow(invalid);
    expect(() => vsphere.library.deploy(item, { ...target, folder: at('/DC1/vm').id })).toThrow(invalid);
  });

  it('ends in InvalidArgument for a datastore the host does not mount', async () => {
    const { vsphere, at, item, target, failsWith } = setup({ inventory: { ds: 2 } });
    const ds1 = at<DatastoreRecord>('/DC0/datastore/LocalDS_1');
    const h0 = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    vsphere.store.transact((tx) => tx.put({ ...h0, datastores: h0.datastores.filter((d) => d !== ds1.id) }));
    const before = snapshot(vsphere);
    const task = vsphere.library.deploy(item, { ...target, host: h0.id, datastore: ds1.id });
    const fault = { _type: 'InvalidArgument', invalidProperty: 'deployment_spec.default_datastore_id' };
    await failsWith(task, fault, before);
  });

  it('ends in InvalidArgument for a guest id in its configuration spec that no host knows', async () => {
    const { vsphere, item, target, failsWith } = setup();
    const before = snapshot(vsphere);
    const task = vsphere.library.deploy(item, { ...target, config: { guestId: 'beos64Guest' } });
    await failsWith(task, { _type: 'InvalidArgument', invalidProperty: 'configSpec.guestId' }, before);
  });

  it('ends in InvalidState for a disconnected host', async () => {
    const { vsphere, at, item, target, failsWith } = setup();
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1');
    vsphere.store.transact((tx) => tx.put({ ...host, connectionState: 'disconnected' }));
    const before = snapshot(vsphere);
    const task = vsphere.library.deploy(item, { ...target, host: host.id });
    await failsWith(task, { _type: 'InvalidState' }, before);
  });

  it('ends in InsufficientResourcesFault when no host of the pool can take the VM', async () => {
    const { vsphere, item, target, failsWith } = setup();
    vsphere.store.transact((tx) => {
      for (const h of vsphere.store.ofKind<HostRecord>('HostSystem'))
        tx.put({ ...h, inMaintenanceMode: true });
    });
    const before = snapshot(vsphere);
    await failsWith(vsphere.library.deploy(item, target), { _type: 'InsufficientResourcesFault' }, before);
  });

  it('ends in NotFound when the item is deleted before the task runs', async () => {
    const { vsphere, item, target, failsWith } = setup();
    const task = vsphere.library.deploy(item, target);
    vsphere.library.deleteItem(item);
    const before = snapshot(vsphere);
    await failsWith(task, { _type: 'NotFound' }, before);
  });

  it('leaves the inventory unchanged under an injected fault', async () => {
    const { vsphere, item, target, failsWith } = setup();
    vsphere.interceptor.add({
      method: 'DeployLibraryItem',
      times: 1,
      fault: { _type: 'InsufficientResourcesFault' },
    });
    const before = snapshot(vsphere);
    await failsWith(vsphere.library.deploy(item, target), { _type: 'InsufficientResourcesFault' }, before);
    expect(vmsNamed(vsphere, 'node-0')).toEqual([]);
    expect(vsphere.events.list().filter((e) => e._type === 'VmDeployedEvent')).toEqual([]);
  });
});
