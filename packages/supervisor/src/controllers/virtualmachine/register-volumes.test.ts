import { type Device, isFirstClassDisk, type VmRecord, type VStorageObjectRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import type { VirtualMachineServiceCapabilities } from '../../api/vm-service-validation.js';
import { CNS_REGISTER_VOLUME } from '../../cns-kinds.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { conditionOf } from './conditions.js';
import { PAUSE_EXTRA_CONFIG_KEY } from './paused.js';
import {
  NO_REGISTER_ANNOTATION,
  type RegistrationDeps,
  type RegistrationError,
  registerUnmanagedVolumes,
  UNMANAGED_VOLUMES_REGISTERED,
} from './register-volumes.js';

async function setup(capabilities: VirtualMachineServiceCapabilities = {}) {
  const f = await createNamespaceFixture({ capabilities: { allDisksArePVCs: true, ...capabilities } });
  const createVm = (name: string, annotations?: Record<string, string>) =>
    f.createVm(name, { bootstrap: { disabled: true } }, undefined, annotations);
  const getVm = async (name: string) => (await f.kube.get(f.vmRef(name))) as unknown as VirtualMachine;
  const record = async (name: string) =>
    f.vsphere.store.get((await getVm(name)).status?.uniqueID ?? '') as VmRecord;
  /** Settles, and lets the CSI driver's retries (1 s, doubling) come round. */
  const converge = async () => {
    for (let i = 0; i < 8; i++) {
      await f.settle();
      await f.advance(2_000);
    }
    await f.settle();
  };
  /** A VM made without registration, its disk then moved to a policy no storage class has: that policy. */
  const unclassedVm = async (name: string) => {
    await createVm(name, { [NO_REGISTER_ANNOTATION]: '' });
    await converge();
    const policy = f.vsphere.storagePolicies.create(`unclassed-${name}`);
    const vm = await record(name);
    const disk = vm.config.devices.find((d) => d._type === 'VirtualDisk') as Device;
    const profile = [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: policy }];
    const moved = f.vsphere.vm.reconfigure(vm.id, {
      deviceChange: [{ operation: 'edit', device: disk, profile }],
    });
    await f.settle();
    await moved.wait();
    return policy;
  };
  /** The storage policy of the namespace's storage class. */
  const classPolicy = async () => {
    const ref = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: f.prepared.storageClass };
    return ((await f.kube.get(ref)) as unknown as { parameters: { storagePolicyID: string } }).parameters
      .storagePolicyID;
  };
  return {
    ...f,
    createVm,
    getVm,
    record,
    converge,
    classPolicy,
    unclassedVm,
    storageClass: f.prepared.storageClass,
  };
}

describe("AllDisksArePVCs: a VM's own disks registered as claims", () => {
  it('makes each disk a claim bound to a First Class Disk of it before the VM powers on', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.converge();
    const vm = await f.getVm('vm1');
    const volume = vm.spec?.volumes?.[0];
    const claimName = volume?.persistentVolumeClaim?.claimName as string;
    expect(claimName).toBe(volume?.name);
    expect(conditionOf(vm.status?.conditions, UNMANAGED_VOLUMES_REGISTERED)?.status).toBe('True');
    // The claim: the VM its source and owner, bound to the disk's volume.
    const claim = (await f.kube.get(f.claimRef(claimName))) as unknown as {
      metadata: { ownerReferences?: { kind: string; name: string }[]; annotations?: Record<string, string> };
      spec: { dataSourceRef?: unknown; volumeName?: string; storageClassName?: string };
      status: { phase?: string };
    };
    expect(claim.spec.dataSourceRef).toEqual({
      apiGroup: 'vmoperator.vmware.com',
      kind: 'VirtualMachine',
      name: 'vm1',
    });
    expect(claim.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'VirtualMachine', name: 'vm1' });
    expect(claim.metadata.annotations?.['cns.vmware.com.protected/disk-backing']).toBe('FlatVer2BackingInfo');
    expect(claim.spec.storageClassName).toBe(f.storageClass);
    expect(claim.status.phase).toBe('Bound');
    // In vSphere, the VM's disk is now that First Class Disk, still the VM's, gone with it.
    const record = await f.record('vm1');
    const disk = record.config.devices.find((d) => d._type === 'VirtualDisk');
    expect(disk && isFirstClassDisk(disk)).toBe(true);
    const id = (disk?.vDiskId as { id: string } | undefined)?.id ?? '';
    expect(claim.spec.volumeName).toBe(`static-pv-${id}`);
    const fcd = f.vsphere.store.get(id) as VStorageObjectRecord;
    expect(fcd.consumers).toEqual([record.id]);
    expect(fcd.keepAfterDeleteVm).toBe(false);
    // The request CNS registered is gone; the VM's entry is Managed; the VM runs.
    const requests = await f.kube.list({ ...CNS_REGISTER_VOLUME, namespace: 'ns1' });
    expect(requests.items).toEqual([]);
    expect(vm.status?.volumes?.map((v) => [v.name, v.type, v.attached])).toEqual([
      [claimName, 'Managed', true],
    ]);
    expect(vm.status?.powerState).toBe('PoweredOn');
    // Deleted, the VM takes its disk with it.
    await f.kube.delete(f.vmRef('vm1'));
    await f.converge();
    expect(f.vsphere.store.get(id)).toBeUndefined();
  });

  it("with VMSharedDisks too: a raw block claim the VM's batch attachment attaches", async () => {
    const f = await setup({ vmSharedDisks: true });
    await f.createVm('vm1');
    await f.converge();
    const vm = await f.getVm('vm1');
    const name = vm.spec?.volumes?.[0]?.name as string;
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect((await f.kube.get(f.claimRef(name))).spec).toMatchObject({ volumeMode: 'Block' });
    const [batch] = (
      await f.kube.list({
        apiVersion: 'cns.vmware.com/v1alpha1',
        kind: 'CnsNodeVMBatchAttachment',
        namespace: 'ns1',
      })
    ).items;
    expect(
      (batch?.status as { volumes?: { name: string }[] } | undefined)?.volumes?.map((v) => v.name),
    ).toEqual([name]);
    expect(vm.status?.volumes).toEqual([
      expect.objectContaining({
        name,
        type: 'Managed',
        attached: true,
        controllerType: 'SCSI',
        unitNumber: 0,
      }),
    ]);
  });

  it('keeps the VM off while CNS cannot make a volume of its disk, and goes on once it can', async () => {
    const f = await setup();
    // A quota that limits the class's claims but assigns it no storage: vm-operator takes the
    // class, CNS does not.
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', namespace: 'ns1', name: 'ns1-storagequota' };
    const storage = `${f.storageClass}.storageclass.storage.k8s.io/requests.storage`;
    const claims = `${f.storageClass}.storageclass.storage.k8s.io/persistentvolumeclaims`;
    await f.kube.patch(quota, { spec: { hard: { [storage]: null, [claims]: '100' } } }, { type: 'merge' });
    await f.createVm('vm1');
    await f.converge();
    // As CNS: the disk registered first stays a First Class Disk after the class's lookup fails,
    // so vm-operator has no disk left to register; the claim is not bound, so not attached, and
    // the VM is not powered on.
    let vm = await f.getVm('vm1');
    expect(conditionOf(vm.status?.conditions, UNMANAGED_VOLUMES_REGISTERED)?.status).toBe('True');
    expect(vm.status?.powerState).not.toBe('PoweredOn');
    const claim = await f.kube.get(f.claimRef(vm.spec?.volumes?.[0]?.name as string));
    expect((claim.status as { phase?: string }).phase).toBe('Pending');
    const requests = await f.kube.list({ ...CNS_REGISTER_VOLUME, namespace: 'ns1' });
    const policy = await f.classPolicy();
    expect(requests.items.map((r) => [r.spec, r.status])).toEqual([
      [
        expect.objectContaining({
          pvcName: vm.spec?.volumes?.[0]?.name,
          accessMode: 'ReadWriteOnce',
          volumeMode: 'Filesystem',
          backingType: 'FlatVer2BackingInfo',
          diskURLPath: expect.stringMatching(
            /^https:\/\/vsim\.local:443\/folder\/vm1\/vm1\.vmdk\?dcPath=%2FDC0&dsName=/,
          ),
        }),
        {
          registered: false,
          error: `Failed to find K8S Storageclass mapping storagepolicyId: ${policy} and assigned to namespace: ns1`,
        },
      ],
    ]);
    // The quota mended: registered at CNS's next retry (its backoff reaches minutes), the VM powered on.
    await f.kube.patch(quota, { spec: { hard: { [storage]: '1Ti' } } }, { type: 'merge' });
    await f.advance(300_000);
    await f.converge();
    vm = await f.getVm('vm1');
    expect(conditionOf(vm.status?.conditions, UNMANAGED_VOLUMES_REGISTERED)?.status).toBe('True');
    expect(vm.status?.powerState).toBe('PoweredOn');
  });

  it('takes no snapshot of a VM until its disks are registered', async () => {
    const f = await setup();
    const snapshot = (name: string) =>
      f.kube.create({
        apiVersion: 'vmoperator.vmware.com/v1alpha5',
        kind: 'VirtualMachineSnapshot',
        metadata: { name: `${name}-snap`, namespace: 'ns1' },
        spec: { vmName: name },
      });
    await f.createVm('registered');
    await f.createVm('skipped', { [NO_REGISTER_ANNOTATION]: '' });
    await f.converge();
    await snapshot('registered');
    await snapshot('skipped');
    await f.converge();
    expect((await f.getVm('registered')).status?.currentSnapshot).toEqual({
      type: 'Managed',
      name: 'registered-snap',
    });
    expect((await f.getVm('skipped')).status?.currentSnapshot).toBeUndefined();
    expect((await f.record('skipped')).snapshots).toBeUndefined();
  });

  it("puts a disk under its class's policy first, and powers a VM off whatever the registration's error", async () => {
    const f = await setup();
    // Its disk moved to a policy no storage class has, then the registration let run.
    await f.unclassedVm('vm1');
    await f.kube.patch(
      f.vmRef('vm1'),
      { metadata: { annotations: { [NO_REGISTER_ANNOTATION]: null } } },
      { type: 'merge' },
    );
    await f.converge();
    const vm = await f.getVm('vm1');
    expect(conditionOf(vm.status?.conditions, UNMANAGED_VOLUMES_REGISTERED)?.status).toBe('True');
    const classPolicy = await f.classPolicy();
    const registered = (await f.record('vm1')).config.devices.find(
      (d) => d._type === 'VirtualDisk',
    ) as Device;
    expect(registered.storagePolicyId).toBe(classPolicy);
    expect(isFirstClassDisk(registered)).toBe(true);

    // A VM whose registration fails (its volume names a claim that is not there) still powers off.
    await f.createVm('vm2', { [NO_REGISTER_ANNOTATION]: '' });
    await f.converge();
    const volumes = (await f.getVm('vm2')).spec?.volumes ?? [];
    const broken = volumes.map((v) => ({ ...v, persistentVolumeClaim: { claimName: 'missing' } }));
    await f.kube.patch(
      f.vmRef('vm2'),
      {
        metadata: { annotations: { [NO_REGISTER_ANNOTATION]: null } },
        spec: { volumes: broken, powerState: 'PoweredOff' },
      },
      { type: 'merge' },
    );
    await f.converge();
    const off = await f.getVm('vm2');
    expect(conditionOf(off.status?.conditions, UNMANAGED_VOLUMES_REGISTERED)).toMatchObject({
      status: 'False',
      reason: 'ErrConfigUpdate',
      message: 'failed to get pvc for unmanaged volumes: persistentvolumeclaims "missing" not found',
    });
    expect(off.status?.powerState).toBe('PoweredOff');
  });

  it('waits, with no reconfigure, for a disk whose class has no policy to put it under', async () => {
    const f = await setup();
    const policy = await f.unclassedVm('vm1');
    // Its volume names a claim of a class that does not exist.
    await f.createClaim('mine', '1Gi', { storageClassName: 'nosuch' });
    const volumes = ((await f.getVm('vm1')).spec?.volumes ?? []).map((v) => ({
      ...v,
      persistentVolumeClaim: { claimName: 'mine' },
    }));
    await f.kube.patch(
      f.vmRef('vm1'),
      { metadata: { annotations: { [NO_REGISTER_ANNOTATION]: null } }, spec: { volumes } },
      { type: 'merge' },
    );
    // Settling ends (vm-operator would reconfigure with an empty edit on every pass).
    await f.converge();
    expect(
      conditionOf((await f.getVm('vm1')).status?.conditions, UNMANAGED_VOLUMES_REGISTERED),
    ).toMatchObject({
      status: 'False',
      reason: 'PendingConfigUpdates',
    });
    const now = (await f.record('vm1')).config.devices.find((d) => d._type === 'VirtualDisk') as Device;
    expect([now.storagePolicyId, isFirstClassDisk(now)]).toEqual([policy, false]);
  });

  it("writes the claims' names it gave before a disk's claim failed", () => {
    const disk = (key: number, unitNumber: number, uuid: string): Device => ({
      _type: 'VirtualDisk',
      key,
      controllerKey: 1000,
      unitNumber,
      capacityInKB: 1024,
      storagePolicyId: 'p1',
      backing: { _type: 'VirtualDiskFlatVer2BackingInfo', fileName: `[ds] vm/d${key}.vmdk`, uuid },
    });
    const record = {
      config: {
        devices: [
          { _type: 'ParaVirtualSCSIController', key: 1000, busNumber: 0 },
          disk(2000, 0, 'u0'),
          disk(2001, 1, 'u1'),
        ],
      },
    } as unknown as VmRecord;
    const volume = (name: string, unitNumber: number) => ({
      name,
      controllerType: 'SCSI' as const,
      controllerBusNumber: 0,
      unitNumber,
    });
    const vm = {
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', namespace: 'ns1', uid: 'uid' },
      spec: { storageClass: 'sc', volumes: [volume('first', 0), volume('second', 1)] },
    } as unknown as VirtualMachine;
    const made: string[] = [];
    const deps = {
      store: {
        get: () => undefined,
        list: (_: string, kind: string) =>
          kind === 'StorageClass'
            ? [{ metadata: { name: 'sc' }, parameters: { storagePolicyID: 'p1' } }]
            : [],
        create: (object: { kind: string; metadata: { name?: string } }) => {
          if (object.metadata.name === 'second') throw new Error('refused');
          made.push(`${object.kind}/${object.metadata.name}`);
          return object;
        },
        update: (object: unknown) => object,
        delete: () => undefined,
      },
      diskUrl: () => 'https://vc/folder/x',
      sharedDisks: false,
    } as unknown as RegistrationDeps;
    let error: RegistrationError | undefined;
    try {
      registerUnmanagedVolumes(vm, record, deps);
    } catch (thrown) {
      error = thrown as RegistrationError;
    }
    // The first disk's claim and its registration were made before the second's claim failed.
    expect(made).toEqual(['PersistentVolumeClaim/first', 'CnsRegisterVolume/first']);
    expect(error?.verdict).toMatchObject({ status: 'False', reason: 'ErrRegistration' });
    expect(error?.spec?.volumes?.map((v) => v.persistentVolumeClaim?.claimName)).toEqual([
      'first',
      undefined,
    ]);
  });

  it('registers the disks of a VM an administrator paused', async () => {
    const f = await setup();
    await f.createVm('vm1', { [NO_REGISTER_ANNOTATION]: '' });
    await f.converge();
    const record = await f.record('vm1');
    const paused = f.vsphere.vm.reconfigure(record.id, {
      extraConfig: [{ key: PAUSE_EXTRA_CONFIG_KEY, value: 'True' }],
    });
    await f.settle();
    await paused.wait();
    await f.kube.patch(
      f.vmRef('vm1'),
      { metadata: { annotations: { [NO_REGISTER_ANNOTATION]: null } } },
      { type: 'merge' },
    );
    await f.converge();
    expect(conditionOf((await f.getVm('vm1')).status?.conditions, UNMANAGED_VOLUMES_REGISTERED)?.status).toBe(
      'True',
    );
    const disk = (await f.record('vm1')).config.devices.find((d) => d._type === 'VirtualDisk') as Device;
    expect(isFirstClassDisk(disk)).toBe(true);
  });

  it('skips it all with its annotation', async () => {
    const f = await setup();
    await f.createVm('vm2', { [NO_REGISTER_ANNOTATION]: '' });
    await f.converge();
    const vm = await f.getVm('vm2');
    expect(conditionOf(vm.status?.conditions, UNMANAGED_VOLUMES_REGISTERED)).toMatchObject({
      status: 'False',
      reason: 'NoUnmanagedVolumesRegisterAnnotation',
    });
    expect(vm.spec?.volumes?.[0]?.persistentVolumeClaim).toBeUndefined();
    expect(vm.status?.powerState).toBe('PoweredOn');
  });
});
