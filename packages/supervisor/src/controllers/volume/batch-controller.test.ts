import type { Device, VmRecord, VStorageObjectRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { PAUSED_ANNOTATION } from '../../api/annotations.js';
import type { VirtualMachine, VirtualMachineVolume } from '../../api/types.js';
import { CNS_NODE_VM_ATTACHMENT, CNS_NODE_VM_BATCH_ATTACHMENT } from '../../cns-kinds.js';
import { PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import type { KubeObject } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import { annotateAsAdministrator } from '../../testing/virtual-machine.js';
import {
  CNS_FINALIZER,
  CNS_PVC_FINALIZER,
  type CnsNodeVMBatchAttachment,
  type CnsNodeVmAttachment,
  DEPRECATED_ATTACHMENT_ERROR,
  type PersistentVolumeClaim,
  USED_BY_VM_ANNOTATION_PREFIX,
} from '../csi/index.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const PVC = PERSISTENT_VOLUME_CLAIM;
const BATCH = CNS_NODE_VM_BATCH_ATTACHMENT;

async function setup() {
  // Strict: a field the CSI driver or vm-operator writes that its kind lacks fails the write.
  const f = await createSupervisorFixture({
    namespaces: ['ns1'],
    fieldValidation: 'Strict',
    capabilities: { vmSharedDisks: true },
  });
  const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const image = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'));
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const ref = (name: string) => ({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name });
  const vm = (name: string, volumes: VirtualMachineVolume[] = [], spec: Record<string, unknown> = {}) =>
    f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1' },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: image?.metadata.name },
        storageClass: prepared.storageClass,
        ...(volumes.length > 0 ? { volumes } : {}),
        ...spec,
      },
    });
  const claim = (name: string, accessModes = ['ReadWriteOnce']) =>
    f.kube.create({
      ...PVC,
      metadata: { name, namespace: 'ns1' },
      spec: {
        accessModes,
        resources: { requests: { storage: '1Gi' } },
        storageClassName: prepared.storageClass,
      },
    });
  const getVm = async (name: string) => (await f.kube.get(ref(name))) as unknown as VirtualMachine;
  const patch = (name: string, body: Record<string, unknown>) =>
    f.kube.patch(ref(name), body, { type: 'merge' });
  /** The VM's spec.volumes with these claims' volumes in place of the ones it had. */
  const setClaims = async (name: string, volumes: VirtualMachineVolume[]) => {
    const current = await getVm(name);
    const own = (current.spec?.volumes ?? []).filter(
      (v) => !v.persistentVolumeClaim || v.persistentVolumeClaim.claimName.startsWith(name),
    );
    await f.kube.update({
      ...current,
      spec: { ...current.spec, volumes: [...own, ...volumes] },
    } as unknown as KubeObject);
  };
  const batch = (name: string) => f.find<CnsNodeVMBatchAttachment>({ ...BATCH, namespace: 'ns1', name });
  const getClaim = (name: string) => f.find<PersistentVolumeClaim>({ ...PVC, namespace: 'ns1', name });
  const record = async (name: string) =>
    f.vsphere.store.get((await getVm(name)).status?.uniqueID ?? '') as VmRecord;
  const diskOf = (claimName: string) =>
    [...f.vsphere.store.ofKind<VStorageObjectRecord>('VStorageObject')].find((d) =>
      d.name.endsWith((getClaimUid.get(claimName) as string) ?? '-'),
    );
  const getClaimUid = new Map<string, string>();
  const rememberClaim = async (name: string) =>
    getClaimUid.set(name, (await getClaim(name))?.metadata.uid as string);
  /** Where the VM has the claim's disk: its controller's type and bus, its unit and modes. */
  const placementOf = async (vmName: string, claimName: string) => {
    const devices = (await record(vmName)).config.devices;
    const disk = diskOf(claimName);
    const device = devices.find((d) => (d.vDiskId as { id?: string } | undefined)?.id === disk?.id);
    if (!device) return undefined;
    const controller = devices.find((d) => d.key === device.controllerKey) as Device;
    const backing = device.backing as { diskMode: string; sharing: string };
    return {
      controller: `${controller._type}:${controller.busNumber}`,
      unit: device.unitNumber,
      diskMode: backing.diskMode,
      sharing: backing.sharing,
    };
  };
  const conditions = async (name: string) =>
    Object.fromEntries(
      ((await getVm(name)).status?.conditions ?? [])
        .filter((c) => c.type.startsWith('VirtualMachineHardware'))
        .map((c) => [c.type.replace('VirtualMachineHardware', ''), c.status === 'True' ? 'True' : c.message]),
    );
  return {
    ...f,
    vm,
    claim,
    getVm,
    patch,
    setClaims,
    batch,
    getClaim,
    record,
    placementOf,
    rememberClaim,
    conditions,
  };
}

describe("vm-operator's volume batch controller and the CSI driver's batch attachments (VMSharedDisks)", () => {
  it('gives every VM a batch attachment named after it, owned by it, naming its instance UUID', async () => {
    const f = await setup();
    await f.vm('bare');
    await f.settle();
    const vm = await f.getVm('bare');
    const batch = (await f.batch('bare')) as CnsNodeVMBatchAttachment;
    expect(batch.spec).toEqual({ instanceUUID: vm.status?.instanceUUID });
    expect(batch.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'VirtualMachine',
      name: 'bare',
      controller: true,
    });
    expect(batch.metadata.finalizers).toEqual([CNS_FINALIZER]);
    expect(batch.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'True' }),
    ]);
    // No legacy attachment is made.
    expect(await f.kube.list({ ...CNS_NODE_VM_ATTACHMENT, namespace: 'ns1' })).toMatchObject({ items: [] });
  });

  it('attaches each claim where its volume is placed, in its modes, before the VM powers on', async () => {
    const f = await setup();
    await f.claim('data');
    await f.claim('logs');
    await f.settle();
    await f.rememberClaim('data');
    await f.rememberClaim('logs');
    await f.vm('vm1', [
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'logs', persistentVolumeClaim: { claimName: 'logs' }, diskMode: 'IndependentPersistent' },
    ]);
    await f.settle();
    const vm = await f.getVm('vm1');
    expect(vm.status?.powerState).toBe('PoweredOn');
    // The webhook placed both claims on the first SCSI controller, after the image's disk.
    const placed = (vm.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim);
    expect(placed.map((v) => [v.name, v.controllerType, v.controllerBusNumber, v.unitNumber])).toEqual([
      ['data', 'SCSI', 0, 1],
      ['logs', 'SCSI', 0, 2],
    ]);
    const scsi0 = vm.status?.hardware?.controllers?.find((c) => c.type === 'SCSI' && c.busNumber === 0);
    const batch = (await f.batch('vm1')) as CnsNodeVMBatchAttachment;
    expect(batch.spec?.volumes).toEqual([
      {
        name: 'data',
        persistentVolumeClaim: {
          claimName: 'data',
          controllerKey: scsi0?.deviceKey,
          unitNumber: 1,
          diskMode: 'persistent',
          sharingMode: 'sharingNone',
        },
      },
      {
        name: 'logs',
        persistentVolumeClaim: {
          claimName: 'logs',
          controllerKey: scsi0?.deviceKey,
          unitNumber: 2,
          diskMode: 'independent_persistent',
          sharingMode: 'sharingNone',
        },
      },
    ]);
    expect(await f.placementOf('vm1', 'data')).toMatchObject({
      unit: 1,
      diskMode: 'persistent',
      sharing: 'sharingNone',
    });
    expect(await f.placementOf('vm1', 'logs')).toMatchObject({ unit: 2, diskMode: 'independent_persistent' });
    const entries = batch.status?.volumes ?? [];
    expect(
      entries.map((e) => [e.name, e.persistentVolumeClaim.conditions?.map((c) => `${c.type}=${c.status}`)]),
    ).toEqual([
      ['data', ['VolumeAttached=True']],
      ['logs', ['VolumeAttached=True']],
    ]);
    const managed = (vm.status?.volumes ?? []).filter((v) => v.type === 'Managed');
    expect(
      managed.map((v) => [
        v.name,
        v.attached,
        v.controllerType,
        v.controllerBusNumber,
        v.unitNumber,
        v.diskMode,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['data', true, 'SCSI', 0, 1, 'Persistent'],
        ['logs', true, 'SCSI', 0, 2, 'IndependentPersistent'],
      ]),
    );
    expect(managed.find((v) => v.name === 'data')).toMatchObject({ requested: '1Gi', limit: '1Gi' });
    // Each claim is marked used by the VM and protected while it is.
    const claim = (await f.getClaim('data')) as PersistentVolumeClaim;
    expect(claim.metadata.annotations).toHaveProperty(
      `${USED_BY_VM_ANNOTATION_PREFIX}${vm.status?.instanceUUID}`,
      '',
    );
    expect(claim.metadata.finalizers).toContain(CNS_PVC_FINALIZER);
    // The disks sit where the spec says: the hardware conditions agree.
    expect(await f.conditions('vm1')).toEqual({
      CDROMVerified: 'True',
      ControllersVerified: 'True',
      DeviceConfigVerified: 'True',
      VolumesVerified: 'True',
    });
  });

  it('attaches a volume on its own controller, added to the running VM; a volume taken off is detached and its claim let go', async () => {
    const f = await setup();
    await f.claim('data');
    // A shared disk's claim: WSFC and Oracle RAC volumes take ReadWriteMany claims alone.
    await f.claim('quorum', ['ReadWriteMany']);
    await f.settle();
    await f.rememberClaim('data');
    await f.rememberClaim('quorum');
    await f.vm('vm1', [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    await f.settle();
    // A Microsoft WSFC volume goes on a controller of its own (physical bus sharing), which the
    // running VM gets at once (vSphere adds SCSI controllers to running VMs): the disk goes on it.
    const quorum = {
      name: 'quorum',
      persistentVolumeClaim: { claimName: 'quorum' },
      applicationType: 'MicrosoftWSFC',
    };
    const data = (await f.getVm('vm1')).spec?.volumes?.find((v) => v.name === 'data') as VirtualMachineVolume;
    await f.setClaims('vm1', [data, quorum as VirtualMachineVolume]);
    await f.settle();
    expect((await f.getVm('vm1')).status?.powerState).toBe('PoweredOn');
    expect(await f.placementOf('vm1', 'quorum')).toEqual({
      controller: 'ParaVirtualSCSIController:1',
      unit: 0,
      diskMode: 'independent_persistent',
      sharing: 'sharingNone',
    });
    expect((await f.getVm('vm1')).status?.volumes?.find((v) => v.name === 'quorum')).toMatchObject({
      attached: true,
    });
    expect(Object.values(await f.conditions('vm1'))).toEqual(['True', 'True', 'True', 'True']);
    // Taken off the spec: detached, its entry gone, its claim no longer marked nor protected.
    await f.setClaims('vm1', [data]);
    await f.settle();
    expect(await f.placementOf('vm1', 'quorum')).toBeUndefined();
    expect((await f.batch('vm1'))?.status?.volumes?.map((v) => v.name)).toEqual(['data']);
    expect((await f.getVm('vm1')).status?.volumes?.map((v) => v.name)).not.toContain('quorum');
    const released = (await f.getClaim('quorum')) as PersistentVolumeClaim;
    expect(
      Object.keys(released.metadata.annotations ?? {}).some((k) =>
        k.startsWith(USED_BY_VM_ANNOTATION_PREFIX),
      ),
    ).toBe(false);
    expect(released.metadata.finalizers ?? []).not.toContain(CNS_PVC_FINALIZER);
  });

  it("shares an Oracle RAC volume's disk between the VMs that name its claim, multi-writer", async () => {
    const f = await setup();
    await f.claim('rac', ['ReadWriteMany']);
    await f.settle();
    await f.rememberClaim('rac');
    const rac = { name: 'rac', persistentVolumeClaim: { claimName: 'rac' }, applicationType: 'OracleRAC' };
    await f.vm('node1', [rac as VirtualMachineVolume]);
    await f.vm('node2', [rac as VirtualMachineVolume]);
    await f.settle();
    for (const node of ['node1', 'node2']) {
      expect(await f.placementOf(node, 'rac')).toMatchObject({
        diskMode: 'independent_persistent',
        sharing: 'sharingMultiWriter',
      });
      expect((await f.getVm(node)).status?.volumes?.find((v) => v.name === 'rac')).toMatchObject({
        attached: true,
        sharingMode: 'MultiWriter',
      });
    }
    const uuids = await Promise.all(
      ['node1', 'node2'].map(async (n) => (await f.getVm(n)).status?.instanceUUID),
    );
    const marks = () =>
      f
        .getClaim('rac')
        .then((c) =>
          Object.keys(c?.metadata.annotations ?? {}).filter((k) =>
            k.startsWith(USED_BY_VM_ANNOTATION_PREFIX),
          ),
        );
    expect((await marks()).sort()).toEqual(uuids.map((u) => `${USED_BY_VM_ANNOTATION_PREFIX}${u}`).sort());
    // One node gone: the disk stays on the other, and the claim protected for it.
    await f.kube.delete({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'node1' });
    await f.settle();
    expect(await f.placementOf('node2', 'rac')).toMatchObject({ sharing: 'sharingMultiWriter' });
    expect(await marks()).toEqual([`${USED_BY_VM_ANNOTATION_PREFIX}${uuids[1]}`]);
    expect((await f.getClaim('rac'))?.metadata.finalizers).toContain(CNS_PVC_FINALIZER);
  });

  it('lists a volume being detached as such, with the detach that failed, and lets it go once detached', async () => {
    const f = await setup();
    await f.claim('data');
    await f.claim('logs');
    await f.settle();
    await f.rememberClaim('logs');
    const data = { name: 'data', persistentVolumeClaim: { claimName: 'data' } };
    await f.vm('vm1', [data, { name: 'logs', persistentVolumeClaim: { claimName: 'logs' } }]);
    await f.settle();
    const removeFault = f.vsphere.interceptor.add({
      method: 'DetachDisk_Task',
      fault: { _type: 'SystemError', reason: 'injected' },
    });
    const kept = (await f.getVm('vm1')).spec?.volumes?.find((v) => v.name === 'data') as VirtualMachineVolume;
    await f.setClaims('vm1', [kept]);
    // Settling ends: the two controllers do not undo each other's writes of the entry.
    await f.settle();
    const entry = (await f.getVm('vm1')).status?.volumes?.find((v) => v.name === 'logs:detaching');
    expect(entry).toMatchObject({
      type: 'Managed',
      attached: true,
      controllerType: 'SCSI',
      unitNumber: 2,
      error: expect.stringMatching(/^failed to detach cns volume: "[^"]+", Error: .+,$/),
    });
    const ready = (await f.batch('vm1'))?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'Failed' });
    removeFault();
    // The driver tries again after its backoff: detached, the entry goes.
    await f.advance(10_000);
    expect(await f.placementOf('vm1', 'logs')).toBeUndefined();
    expect((await f.getVm('vm1')).status?.volumes?.map((v) => v.name)).not.toContain('logs:detaching');
  });

  it('attaches a claim bound after its volume was added, once it is bound', async () => {
    const f = await setup();
    await f.vm('vm1');
    await f.settle();
    // The disk takes time to make: the claim is Pending when the volume is added.
    const removeDelay = f.vsphere.interceptor.add({ method: 'CreateDisk_Task', delayMs: 5_000 });
    await f.claim('late');
    await f.setClaims('vm1', [{ name: 'late', persistentVolumeClaim: { claimName: 'late' } }]);
    await f.settle();
    expect((await f.getClaim('late'))?.status?.phase).toBe('Pending');
    expect((await f.batch('vm1'))?.spec?.volumes).toBeUndefined();
    removeDelay();
    await f.advance(5_000);
    await f.rememberClaim('late');
    expect((await f.batch('vm1'))?.spec?.volumes?.map((v) => v.name)).toEqual(['late']);
    expect(await f.placementOf('vm1', 'late')).toMatchObject({ unit: 1 });
  });

  it('refuses a CnsNodeVmAttachment once batch attachments are on; vm-operator deletes it and attaches the claim in the batch', async () => {
    const f = await setup();
    await f.claim('data');
    await f.settle();
    await f.rememberClaim('data');
    await f.vm('vm1');
    await f.settle();
    const vm = await f.getVm('vm1');
    // vm-operator paused for the VM, a legacy attachment of a volume added to it, as an older
    // Supervisor made them: the driver no longer attaches it.
    annotateAsAdministrator(f, 'vm1', { [PAUSED_ANNOTATION]: '' });
    const data = { name: 'data', persistentVolumeClaim: { claimName: 'data' } };
    await f.setClaims('vm1', [data]);
    await f.kube.create({
      ...CNS_NODE_VM_ATTACHMENT,
      metadata: {
        name: 'vm1-data',
        namespace: 'ns1',
        ownerReferences: [
          {
            apiVersion: V5,
            kind: 'VirtualMachine',
            name: 'vm1',
            uid: vm.metadata.uid as string,
            controller: true,
          },
        ],
      },
      spec: { nodeuuid: vm.status?.biosUUID, volumename: 'data' },
    });
    await f.settle();
    const legacyRef = { ...CNS_NODE_VM_ATTACHMENT, namespace: 'ns1', name: 'vm1-data' };
    expect((await f.find<CnsNodeVmAttachment>(legacyRef))?.status).toEqual({
      attached: false,
      error: DEPRECATED_ATTACHMENT_ERROR,
    });
    expect(await f.placementOf('vm1', 'data')).toBeUndefined();
    // Unpaused, vm-operator deletes it, and the claim joins the batch.
    annotateAsAdministrator(f, 'vm1', { [PAUSED_ANNOTATION]: undefined });
    await f.settle();
    expect(await f.find(legacyRef)).toBeUndefined();
    expect((await f.batch('vm1'))?.spec?.volumes?.map((v) => v.name)).toEqual(['data']);
    expect(await f.placementOf('vm1', 'data')).toMatchObject({ unit: 1 });
  });

  it("deletes a VM's batch attachment with it: its disks detached and kept, its claims let go", async () => {
    const f = await setup();
    await f.claim('data');
    await f.settle();
    await f.rememberClaim('data');
    await f.vm('vm1', [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    await f.settle();
    expect((await f.getClaim('data'))?.metadata.finalizers).toContain(CNS_PVC_FINALIZER);
    await f.kube.delete({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' });
    await f.settle();
    expect(await f.batch('vm1')).toBeUndefined();
    const claim = (await f.getClaim('data')) as PersistentVolumeClaim;
    expect(claim.metadata.finalizers ?? []).not.toContain(CNS_PVC_FINALIZER);
    expect(
      Object.keys(claim.metadata.annotations ?? {}).some((k) => k.startsWith(USED_BY_VM_ANNOTATION_PREFIX)),
    ).toBe(false);
    // CNS keeps a claim's disk after its VM.
    expect([...f.vsphere.store.ofKind<VStorageObjectRecord>('VStorageObject')]).toHaveLength(1);
  });

  it('lets a deleted namespace go with its VMs, their batch attachments and claims', async () => {
    const f = await setup();
    await f.claim('data');
    await f.settle();
    await f.vm('vm1', [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    await f.vm('vm2');
    await f.settle();
    expect((await f.kube.list({ ...BATCH, namespace: 'ns1' })).items).toHaveLength(2);
    await f.kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' });
    await f.settle();
    expect(await f.find({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' })).toBeUndefined();
    expect([...f.vsphere.store.ofKind('VirtualMachine')].filter((vm) => vm.name.startsWith('vm'))).toEqual(
      [],
    );
  });

  it('reports a batch attachment whose VM vSphere does not have, and tries again', async () => {
    const f = await setup();
    await f.vm('vm1');
    await f.settle();
    const batch = (await f.batch('vm1')) as CnsNodeVMBatchAttachment;
    const bogus = {
      ...batch,
      metadata: { ...batch.metadata, name: 'other' },
      spec: { instanceUUID: 'no-such-uuid', volumes: [] },
    };
    const { resourceVersion: _, uid: __, creationTimestamp: ___, ...metadata } = bogus.metadata;
    await f.kube.create({ ...bogus, metadata: { ...metadata, ownerReferences: [] } } as KubeObject);
    await f.settle();
    const ready = (await f.batch('other'))?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'Failed',
      message:
        'virtual Machine with UUID no-such-uuid on vCenter does not exist. Vm is CR is deleted or is being deleted butCnsNodeVMBatchAttachmentInstance other is not being deleted',
    });
    expect(f.supervisor.stats.controllers['cnsnodevmbatchattachment-controller']?.requeues).toBeGreaterThan(
      0,
    );
  });
});
