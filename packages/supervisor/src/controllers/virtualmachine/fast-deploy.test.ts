import { createHash } from 'node:crypto';
import {
  type Device,
  datacenterOf,
  extraConfigValue,
  type LibraryItemRecord,
  type TaskRecord,
  type VmRecord,
} from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineImage, VirtualMachineImageCache } from '../../api/types.js';
import { createNamespaceFixture, type SupervisorFixtureOptions } from '../../testing/fixture.js';
import { imageCacheRef, VMI_CACHE_LABEL, VMI_CACHE_LOCATION_ANNOTATION } from '../image-cache/image-cache.js';
import { conditionOf } from './conditions.js';
import {
  createMode,
  DISK_PROMOTION_STARTED,
  DISK_PROMOTION_SYNCED,
  FAST_DEPLOY_ANNOTATION,
  IMAGE_CACHE_READY,
  KEEP_DISKS_EXTRA_CONFIG_KEY,
} from './fast-deploy.js';

async function setup(options: SupervisorFixtureOptions = {}) {
  const f = await createNamespaceFixture({ capabilities: { fastDeploy: true }, ...options });
  const createVm = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) =>
    f.createVm(name, { bootstrap: { disabled: true }, ...spec }, undefined, annotations);
  const getVm = async (name: string) => (await f.kube.get(f.vmRef(name))) as unknown as VirtualMachine;
  const record = async (name: string) =>
    f.vsphere.store.get((await getVm(name)).status?.uniqueID ?? '') as VmRecord;
  const diskOf = (vm: VmRecord) => vm.config.devices.find((d) => d._type === 'VirtualDisk') as Device;
  const cache = () => f.kube.direct.get(imageCacheRef(f.image)) as unknown as VirtualMachineImageCache;
  const cachedDisk = () => cache().status?.locations?.[0]?.files?.[0]?.id as string;
  const image = (await f.kube.get({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineImage',
    namespace: 'ns1',
    name: f.image,
  })) as unknown as VirtualMachineImage;
  const item = f.vsphere.store.get(image.status?.providerItemID as string) as LibraryItemRecord;
  const library = f.vsphere.store.get(item.library) as { datastore: string };
  const datacenter = datacenterOf(f.vsphere.store, library.datastore)?.id;
  return { ...f, createVm, getVm, record, diskOf, cache, cachedDisk, item, datacenter, library };
}

describe("vm-operator's FastDeploy", () => {
  it('makes a VM of its linked clone of the cached disk, then promotes its disk once it runs', async () => {
    const { createVm, getVm, record, diskOf, cachedDisk, item, settle, vsphere } = await setup();
    await createVm('vm1');
    await settle();
    const vm = await getVm('vm1');
    const made = await record('vm1');
    expect(vm.status?.powerState).toBe('PoweredOn');
    // Made by CreateVM_Task in a folder named by its uid, its disk a child of the cached one,
    // which it keeps; the guest and hardware its image's.
    expect(made.config.vmPathName).toBe(
      `[${cachedDisk().slice(1, cachedDisk().indexOf(']'))}] ${vm.metadata.uid}/vm1.vmx`,
    );
    expect(made.config.guestId).toBe(item.ovf?.os?.id);
    expect(extraConfigValue(made.config, KEEP_DISKS_EXTRA_CONFIG_KEY)).toBe(
      cachedDisk().slice(cachedDisk().lastIndexOf('/') + 1),
    );
    expect(diskOf(made).capacityInKB).toBe(item.ovf?.disks[0]?.capacityKB);
    expect((diskOf(made).backing as { fileName: string }).fileName).toMatch(/\/disk-0\.vmdk$/);
    // Promoted once it ran: its disk its own, the cached one there still.
    expect(diskOf(made).backing).not.toHaveProperty('parent');
    expect(conditionOf(vm.status?.conditions, DISK_PROMOTION_SYNCED)?.status).toBe('True');
    expect(conditionOf(vm.status?.conditions, DISK_PROMOTION_STARTED)?.status).toBe('True');
    const promoted = [...vsphere.store.ofKind<TaskRecord>('Task')]
      .filter((t) => t.descriptionId === 'VirtualMachine.promoteDisks')
      .map((t) => t.entity);
    expect(promoted).toEqual([made.id]);
    const ready = conditionOf(vm.status?.conditions, IMAGE_CACHE_READY);
    expect(ready?.status).toBe('True');
    expect(ready?.message).toMatch(
      /^VirtualMachineImageCache location datacenter-\d+:datastore-\d+ was ready at \d{4}-/,
    );
    expect(vm.metadata.labels?.[VMI_CACHE_LABEL]).toBeUndefined();
    expect(vm.metadata.annotations?.[VMI_CACHE_LOCATION_ANNOTATION]).toBeUndefined();
  });

  it('waits for the location its VM adds to the cache, labelled and annotated, the condition False', async () => {
    const { createVm, getVm, round, settle, image } = await setup();
    await createVm('vm1');
    let waiting: VirtualMachine | undefined;
    for (let i = 0; i < 50 && !waiting; i++) {
      await round();
      const vm = await getVm('vm1');
      if (vm.metadata.annotations?.[VMI_CACHE_LOCATION_ANNOTATION]) waiting = vm;
    }
    expect(waiting?.metadata.labels?.[VMI_CACHE_LABEL]).toBe(image);
    expect(waiting?.metadata.annotations?.[VMI_CACHE_LOCATION_ANNOTATION]).toMatch(
      /^datacenter-\d+,datastore-\d+$/,
    );
    expect(conditionOf(waiting?.status?.conditions, IMAGE_CACHE_READY)).toMatchObject({
      status: 'False',
      reason: 'NotReady',
      message: 'cached files not ready',
    });
    await settle();
    expect((await getVm('vm1')).status?.powerState).toBe('PoweredOn');
  });

  it("copies the cached disk for a VM in direct mode, the Supervisor's or the VM's own", async () => {
    const { createVm, record, diskOf, cachedDisk, settle, vsphere, datacenter } = await setup({
      fastDeployMode: 'direct',
    });
    await createVm('vm1');
    await createVm('vm2', {}, { [FAST_DEPLOY_ANNOTATION]: 'linked' });
    await settle();
    const direct = await record('vm1');
    expect(diskOf(direct).backing).not.toHaveProperty('parent');
    expect(extraConfigValue(direct.config, KEEP_DISKS_EXTRA_CONFIG_KEY)).toBeUndefined();
    const copy = (diskOf(direct).backing as { fileName: string }).fileName;
    expect(vsphere.virtualDisks.queryUuid(copy, datacenter)).not.toBe(
      vsphere.virtualDisks.queryUuid(cachedDisk(), datacenter),
    );
    expect(extraConfigValue((await record('vm2')).config, KEEP_DISKS_EXTRA_CONFIG_KEY)).toBeDefined();
  });

  it('reports a promotion vSphere fails, and promotes again once vCenter lists the task no more', async () => {
    const { createVm, getVm, record, diskOf, settle, advance, vsphere } = await setup();
    const remove = vsphere.interceptor.add({
      method: 'PromoteDisks_Task',
      fault: { _type: 'SystemError', reason: 'injected' },
    });
    await createVm('vm1');
    await settle();
    expect(conditionOf((await getVm('vm1')).status?.conditions, DISK_PROMOTION_SYNCED)).toMatchObject({
      status: 'False',
      reason: 'DiskPromotionTaskError',
    });
    remove();
    await advance(5 * 60_000);
    expect(diskOf(await record('vm1')).backing).toHaveProperty('parent');
    await advance(5 * 60_000);
    expect(diskOf(await record('vm1')).backing).not.toHaveProperty('parent');
    expect(conditionOf((await getVm('vm1')).status?.conditions, DISK_PROMOTION_SYNCED)?.status).toBe('True');
  });

  it('leaves a linked disk alone when promotion is disabled; promotes it online once the VM runs, offline while off', async () => {
    const { createVm, getVm, record, diskOf, settle, kube, vmRef } = await setup();
    await createVm('disabled', { promoteDisksMode: 'Disabled' });
    await createVm('online', { powerState: 'PoweredOff' });
    // Made off, its first update promotes it before it powers it on.
    await createVm('offline', { promoteDisksMode: 'Offline' });
    await settle();
    expect(diskOf(await record('disabled')).backing).toHaveProperty('parent');
    expect(conditionOf((await getVm('disabled')).status?.conditions, DISK_PROMOTION_SYNCED)).toBeUndefined();
    expect(diskOf(await record('offline')).backing).not.toHaveProperty('parent');
    expect((await record('offline')).powerState).toBe('poweredOn');
    expect(diskOf(await record('online')).backing).toHaveProperty('parent');
    expect(conditionOf((await getVm('online')).status?.conditions, DISK_PROMOTION_SYNCED)).toMatchObject({
      status: 'False',
      reason: 'DiskPromotionPending',
      message: 'Pending VM powered on',
    });
    await kube.patch(vmRef('online'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await settle();
    expect(diskOf(await record('online')).backing).not.toHaveProperty('parent');
    expect(conditionOf((await getVm('online')).status?.conditions, DISK_PROMOTION_SYNCED)?.status).toBe(
      'True',
    );
  });

  it('has the cache copy a cached disk that went again, its VM waiting for the cache to change', async () => {
    const { createVm, getVm, cachedDisk, settle, vsphere, datacenter, image } = await setup({
      fastDeployMode: 'direct',
    });
    await createVm('vm1');
    await settle();
    const gone = cachedDisk();
    vsphere.virtualDisks.delete(gone, datacenter);
    await settle();
    expect(() => vsphere.virtualDisks.queryUuid(gone, datacenter)).toThrow();
    await createVm('vm2');
    await settle();
    // Copied again; the cache's status says what it said, so the VM waits for its next change.
    expect(vsphere.virtualDisks.queryUuid(gone, datacenter)).toBeTruthy();
    const waiting = await getVm('vm2');
    expect(waiting.metadata.labels?.[VMI_CACHE_LABEL]).toBe(image);
    expect(conditionOf(waiting.status?.conditions, IMAGE_CACHE_READY)?.message).toBe(
      'cached files not ready',
    );
  });

  it("deletes the VM's folder when its create fails, and makes it on a later try", async () => {
    const { createVm, getVm, settle, advance, vsphere, library } = await setup();
    const remove = vsphere.interceptor.add({ method: 'CreateVM_Task', fault: { _type: 'InvalidState' } });
    await createVm('vm1');
    await settle();
    const uid = (await getVm('vm1')).metadata.uid as string;
    expect(conditionOf((await getVm('vm1')).status?.conditions, 'VirtualMachineCreated')).toMatchObject({
      status: 'False',
      message: expect.stringContaining('InvalidState'),
    });
    expect(() => vsphere.files.download(library.datastore, uid)).toThrow();
    remove();
    for (let i = 0; i < 10; i++) await advance(60_000);
    expect((await getVm('vm1')).status?.powerState).toBe('PoweredOn');
    expect(vsphere.files.download(library.datastore, uid).folder).toBe(true);
  });

  it('deploys a VM as without FastDeploy when its mode is none of them: no cache, no promotion', async () => {
    const { createVm, getVm, record, diskOf, settle, vsphere } = await setup();
    await createVm('classic', {}, { [FAST_DEPLOY_ANNOTATION]: 'none' });
    await settle();
    const vm = await getVm('classic');
    expect(diskOf(await record('classic')).backing).not.toHaveProperty('parent');
    expect(conditionOf(vm.status?.conditions, DISK_PROMOTION_SYNCED)).toBeUndefined();
    expect(conditionOf(vm.status?.conditions, IMAGE_CACHE_READY)).toBeUndefined();
    const deployed = [...vsphere.store.ofKind<TaskRecord>('Task')].filter(
      (t) => t.descriptionId === 'com.vmware.ovfs.deploy',
    );
    expect(deployed).toHaveLength(1);
  });

  it('promotes and registers the disks of a VM with AllDisksArePVCs, without a conflict', async () => {
    const { createVm, getVm, record, diskOf, settle, supervisor } = await setup({
      capabilities: { fastDeploy: true, allDisksArePVCs: true },
    });
    await createVm('vm1');
    await settle();
    expect(supervisor.virtualMachines.controller.errors.get('ns1/vm1')).toBeUndefined();
    expect(diskOf(await record('vm1')).backing).not.toHaveProperty('parent');
    expect((await getVm('vm1')).status?.powerState).toBe('PoweredOn');
  });
});

describe("FastDeploy's ISO VMs", () => {
  it('makes an ISO VM in its own folder, its CD-ROM backed by the image, waiting for no disk', async () => {
    const f = await setup();
    const { library } = f.vsphere;
    const item = library.createItem(f.item.library, { name: 'photon-5', type: 'iso' });
    const session = library.createUpdateSession(item);
    const bytes = new TextEncoder().encode('an ISO 9660 image');
    library.addUpdateFile(session, { name: 'photon-5.iso', sourceType: 'PUSH', size: bytes.length });
    library.receiveUpdateFile(session, 'photon-5.iso', {
      bytes,
      sha1: createHash('sha1').update(bytes).digest('hex'),
    });
    library.completeUpdateSession(session);
    await f.settle();
    const images = await f.kube.list({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachineImage',
      namespace: 'ns1',
    });
    const iso = images.items.find((i) => (i.status as { name?: string }).name === 'photon-5')?.metadata.name;
    await f.createVm('installer', {
      image: undefined,
      guestID: 'vmwarePhoton64Guest',
      hardware: { cdrom: [{ name: 'cdrom1', image: { kind: 'VirtualMachineImage', name: iso } }] },
    });
    await f.settle();
    const vm = await f.getVm('installer');
    expect(vm.status?.powerState).toBe('PoweredOn');
    const made = await f.record('installer');
    expect(made.config.vmPathName).toBe(
      `[${f.vsphere.store.get(f.library.datastore)?.name}] ${vm.metadata.uid}/installer.vmx`,
    );
    const cdrom = made.config.devices.find((d) => d._type === 'VirtualCdrom');
    expect((cdrom?.backing as { fileName?: string } | undefined)?.fileName).toMatch(/photon-5\.iso$/);
    expect(conditionOf(vm.status?.conditions, IMAGE_CACHE_READY)?.status).toBe('True');
  });
});

describe('FastDeploy with realistic timing', () => {
  it('makes, powers on and promotes a VM whose tasks take time, in both modes', async () => {
    const f = await setup({ timing: 'realistic' });
    await f.createVm('linked');
    await f.createVm('direct', {}, { [FAST_DEPLOY_ANNOTATION]: 'direct' });
    for (let i = 0; i < 12; i++) await f.advance(10_000);
    for (const name of ['linked', 'direct']) {
      const vm = await f.getVm(name);
      expect(vm.status?.powerState).toBe('PoweredOn');
      expect(conditionOf(vm.status?.conditions, DISK_PROMOTION_SYNCED)?.status).toBe('True');
      expect(f.diskOf(await f.record(name)).backing).not.toHaveProperty('parent');
    }
  });
});

describe("FastDeploy's create with AllDisksArePVCs", () => {
  it("sizes an image's disk by the claim a volume places on it, under its class's policy", async () => {
    const f = await setup({ capabilities: { fastDeploy: true, allDisksArePVCs: true } });
    const storageClass = f.kube.direct.get({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      name: f.prepared.storageClass,
    }) as unknown as { parameters: { storagePolicyID: string } };
    // A claim of the VM's disk, its data the VM's, as vm-operator's hydration of a VM's disks asks.
    await f.createClaim('boot', '30Gi', {
      storageClassName: f.prepared.storageClass,
      dataSourceRef: { apiGroup: 'vmoperator.vmware.com', kind: 'VirtualMachine', name: 'vm1' },
    });
    const volume = {
      name: 'boot',
      persistentVolumeClaim: { claimName: 'boot' },
      controllerType: 'SCSI',
      controllerBusNumber: 0,
      unitNumber: 0,
    };
    await f.createVm('vm1', { volumes: [volume] });
    await f.createVm('vm2', { volumes: [{ ...volume, persistentVolumeClaim: { claimName: 'missing' } }] });
    await f.settle();
    const disk = f.diskOf(await f.record('vm1'));
    expect(disk.capacityInKB).toBe(30 * 1024 * 1024);
    expect((disk as { storagePolicyId?: string }).storagePolicyId).toBe(
      storageClass.parameters.storagePolicyID,
    );
    // A claim that does not exist fails the storage check first, before any create spec is made.
    const vm2 = f.kube.direct.get({ ...f.vmRef('vm2') }) as unknown as VirtualMachine;
    expect(vm2.status?.conditions?.find((c) => c.type === 'VirtualMachineStorageReady')).toMatchObject({
      status: 'False',
      reason: 'NotFound',
      message: 'persistentvolumeclaims "missing" not found',
    });
  });
});

describe('createMode', () => {
  const dynamic = {
    device: {
      _type: 'VirtualPCIPassthrough',
      key: -1,
      backing: { _type: 'VirtualPCIPassthroughDynamicBackingInfo' },
    },
  };
  const vgpu = {
    device: {
      _type: 'VirtualPCIPassthrough',
      key: -1,
      backing: { _type: 'VirtualPCIPassthroughVmiopBackingInfo' },
    },
  };
  it('copies the disks of a VM under an encryption policy or with DirectPath I/O, as vm-operator does', () => {
    expect(createMode('linked', false, [vgpu])).toBe('linked');
    expect(createMode('linked', false, [dynamic])).toBe('direct');
    expect(createMode('linked', true, [])).toBe('direct');
    expect(createMode('direct', false, [])).toBe('direct');
  });
});
