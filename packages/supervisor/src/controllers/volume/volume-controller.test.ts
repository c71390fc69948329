import {
  type DatastoreRecord,
  type Device,
  SAMPLE_OVF_IMAGES,
  type VmRecord,
  type VStorageObjectRecord,
} from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineVolume, VirtualMachineVolumeStatus } from '../../api/types.js';
import { CNS_NODE_VM_ATTACHMENT } from '../../cns-kinds.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import type { KubeObject } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import {
  CNS_FINALIZER,
  CNS_PVC_FINALIZER,
  type CnsNodeVmAttachment,
  CSI_DRIVER,
  type PersistentVolume,
  type PersistentVolumeClaim,
  SELECTED_NODE_ANNOTATION,
} from '../csi/index.js';
import { SELECTED_NODE_IS_ZONE_ANNOTATION } from './entries.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const PVC = PERSISTENT_VOLUME_CLAIM;
const PV = PERSISTENT_VOLUME;
const ATTACHMENT = CNS_NODE_VM_ATTACHMENT;

async function setup() {
  // Strict: a field the CSI driver or the volume controller writes that its kind lacks fails the write.
  const f = await createSupervisorFixture({ namespaces: ['ns1'], fieldValidation: 'Strict' });
  const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const image = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'));
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const vm = (name: string, volumes: { name: string; claim: string }[], spec: Record<string, unknown> = {}) =>
    f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1' },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: image?.metadata.name },
        storageClass: prepared.storageClass,
        volumes: volumes.map((v) => ({ name: v.name, persistentVolumeClaim: { claimName: v.claim } })),
        ...spec,
      },
    });
  const claim = (
    name: string,
    storage = '2Gi',
    storageClassName: string | undefined = prepared.storageClass,
  ) =>
    f.kube.create({
      ...PVC,
      metadata: { name, namespace: 'ns1' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage } },
        ...(storageClassName === undefined ? {} : { storageClassName }),
      },
    });
  /** A class as a Supervisor makes them, with a vSphere storage policy (the prepared class's). */
  const storageClass = async (name: string, fields: Record<string, unknown>) => {
    const preparedClass = (await f.kube.get({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      name: prepared.storageClass,
    })) as KubeObject & { parameters?: Record<string, string> };
    return f.kube.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name },
      parameters: { storagePolicyID: preparedClass.parameters?.storagePolicyID ?? '' },
      ...fields,
    });
  };
  /** The VM's spec.volumes set to these (its claims kept or dropped, or moved). */
  const setVolumes = async (name: string, volumes: VirtualMachineVolume[]) => {
    const vm = await getVm(name);
    await f.kube.update({ ...vm, spec: { ...vm.spec, volumes } } as unknown as KubeObject);
  };
  const getVm = (name: string) =>
    f.kube.get({
      apiVersion: V5,
      kind: 'VirtualMachine',
      namespace: 'ns1',
      name,
    }) as unknown as Promise<VirtualMachine>;
  const getClaim = (name: string) => f.find<PersistentVolumeClaim>({ ...PVC, namespace: 'ns1', name });
  const attachment = (name: string) => f.find<CnsNodeVmAttachment>({ ...ATTACHMENT, namespace: 'ns1', name });
  const vsphereVm = async (name: string) =>
    f.vsphere.store.get((await getVm(name)).status?.uniqueID ?? '') as VmRecord | undefined;
  const disks = () => [...f.vsphere.store.ofKind<VStorageObjectRecord>('VStorageObject')];
  const fcdDevices = (vm: VmRecord | undefined) =>
    (vm?.config.devices ?? []).filter((d: Device) => d.vDiskId);
  const managed = (vm: VirtualMachine) => (vm.status?.volumes ?? []).filter((v) => v.type === 'Managed');
  return {
    ...f,
    prepared,
    vm,
    claim,
    storageClass,
    setVolumes,
    getVm,
    getClaim,
    attachment,
    vsphereVm,
    disks,
    fcdDevices,
    managed,
  };
}

describe('claims of VMs (vm-operator volume controller, CSI driver)', () => {
  it('provisions a claim as a First Class Disk and binds it to its PersistentVolume', async () => {
    const f = await setup();
    const ds = (id: string) => (f.vsphere.store.get(id) as DatastoreRecord).used;
    await f.claim('data', '1536Mi');
    await f.settle();
    const claim = (await f.getClaim('data')) as PersistentVolumeClaim;
    const pvName = `pvc-${claim.metadata.uid}`;
    expect(claim.spec?.volumeName).toBe(pvName);
    expect(claim.status).toEqual({
      phase: 'Bound',
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '1536Mi' },
    });
    expect(claim.metadata.annotations).toMatchObject({
      'pv.kubernetes.io/bind-completed': 'yes',
      'pv.kubernetes.io/bound-by-controller': 'yes',
      'volume.kubernetes.io/storage-provisioner': CSI_DRIVER,
    });
    const volume = (await f.find<PersistentVolume>({ ...PV, name: pvName })) as PersistentVolume & {
      spec: Record<string, unknown>;
    };
    const [disk] = f.disks();
    expect(disk).toMatchObject({ name: pvName, capacityInMB: 1536, keepAfterDeleteVm: true });
    expect(volume.spec).toMatchObject({
      capacity: { storage: '1536Mi' },
      claimRef: { namespace: 'ns1', name: 'data', uid: claim.metadata.uid },
      csi: { driver: CSI_DRIVER, fsType: 'ext4', volumeHandle: disk?.id },
      persistentVolumeReclaimPolicy: 'Delete',
    });
    expect(volume.status).toEqual({ phase: 'Bound' });
    const before = ds(disk?.datastore as string);
    // The API server protects every claim; the pvc-protection controller lets a deleted one go.
    expect(claim.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    await f.kube.delete({ ...PVC, namespace: 'ns1', name: 'data' });
    expect((await f.getClaim('data'))?.metadata.deletionTimestamp).toBeDefined();
    // Deleting the claim deletes its volume and its disk.
    await f.settle();
    expect(await f.getClaim('data')).toBeUndefined();
    expect(await f.find({ ...PV, name: pvName })).toBeUndefined();
    expect(f.disks()).toEqual([]);
    expect(before - ds(disk?.datastore as string)).toBe(1536 * 1024 * 1024);

    // A block volume's has no file system type, as external-provisioner leaves it out.
    await f.kube.create({
      ...PVC,
      metadata: { name: 'raw', namespace: 'ns1' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: claim.spec?.storageClassName,
        volumeMode: 'Block',
      },
    });
    await f.settle();
    const raw = (await f.getClaim('raw')) as PersistentVolumeClaim;
    const rawVolume = (await f.find<PersistentVolume>({ ...PV, name: raw.spec?.volumeName as string })) as
      | (PersistentVolume & { spec: { csi?: Record<string, unknown>; volumeMode?: string } })
      | undefined;
    expect(rawVolume?.spec.volumeMode).toBe('Block');
    expect(rawVolume?.spec.csi).not.toHaveProperty('fsType');
  });

  it('attaches a claim before the VM powers on, and reports it as a Managed volume', async () => {
    const f = await setup();
    await f.claim('data');
    await f.vm('vm1', [{ name: 'data', claim: 'data' }]);
    await f.settle();
    const vm = await f.getVm('vm1');
    expect(vm.status?.powerState).toBe('PoweredOn');
    const att = (await f.attachment('vm1-data')) as CnsNodeVmAttachment;
    expect(att.spec).toEqual({ nodeuuid: vm.status?.biosUUID, volumename: 'data' });
    expect(att.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'VirtualMachine',
      name: 'vm1',
      controller: true,
    });
    expect(att.metadata.finalizers).toEqual([CNS_FINALIZER]);
    const [disk] = f.disks();
    expect(att.status).toEqual({
      attached: true,
      metadata: { cnsVolumeId: disk?.id, diskUUID: disk?.diskUuid },
    });
    expect((await f.getClaim('data'))?.metadata.finalizers).toContain(CNS_PVC_FINALIZER);
    const record = await f.vsphereVm('vm1');
    expect(f.fcdDevices(record)).toHaveLength(1);
    expect(f.managed(vm)).toEqual([
      {
        name: 'data',
        type: 'Managed',
        attached: true,
        diskUUID: disk?.diskUuid,
        limit: '2Gi',
        requested: '2Gi',
        // What its files take (descriptor and extent), filled in by the VM's status update once attached.
        used: String(2 * 1024 ** 3 + 512),
      },
    ]);
    // The VM's own disk stays a Classic volume, and the claim's disk is not one, nor counted in its storage.
    expect(vm.status?.volumes?.filter((v) => v.type === 'Classic')).toHaveLength(1);
    expect(vm.status?.storage?.requested).toEqual({ disks: '20Gi' });
    const uuids = (vm.status?.volumes ?? []).map((v: VirtualMachineVolumeStatus) => v.diskUUID ?? '');
    expect(uuids).toEqual([...uuids].sort());
  });

  it('creates the attachments of a VM powered off one at a time, in the order of its volumes', async () => {
    const f = await setup();
    await f.claim('a');
    await f.claim('b');
    await f.vm(
      'vm2',
      [
        { name: 'first', claim: 'b' },
        { name: 'second', claim: 'a' },
      ],
      { powerState: 'PoweredOff' },
    );
    // The first attach fails once: while it is not attached, the second is not even made.
    f.vsphere.interceptor.add({
      method: 'AttachDisk_Task',
      fault: { _type: 'SystemError', reason: 'busy' },
      times: 1,
    });
    await f.settle();
    expect((await f.attachment('vm2-first'))?.status?.attached).toBe(false);
    expect(await f.attachment('vm2-second')).toBeUndefined();
    await f.advance(1_000);
    const first = (await f.attachment('vm2-first')) as CnsNodeVmAttachment;
    const second = (await f.attachment('vm2-second')) as CnsNodeVmAttachment;
    expect(first.status?.attached && second.status?.attached).toBe(true);
    // The first attachment was made (and its disk attached) before the second.
    const devices = f.fcdDevices(await f.vsphereVm('vm2'));
    const unitOf = (volumeId: string | undefined) =>
      devices.find((d) => (d.vDiskId as { id: string }).id === volumeId)?.unitNumber;
    expect(unitOf(first.status?.metadata?.cnsVolumeId)).toBeLessThan(
      unitOf(second.status?.metadata?.cnsVolumeId) as number,
    );
    expect(Number(first.metadata.resourceVersion)).toBeLessThan(Number(second.metadata.resourceVersion));
    expect((await f.getVm('vm2')).status?.powerState).toBe('PoweredOff');
  });

  it('detaches a volume removed from the spec; a deleted VM leaves its claims and their disks', async () => {
    const f = await setup();
    await f.claim('a');
    await f.claim('b');
    await f.vm('vm3', [
      { name: 'a', claim: 'a' },
      { name: 'b', claim: 'b' },
    ]);
    await f.settle();
    // A finalizer of someone else's holds the attachment of b while it is deleted.
    const held = (await f.attachment('vm3-b')) as KubeObject;
    const finalizers = [...(held.metadata.finalizers ?? []), 'test/hold'];
    await f.kube.update({ ...held, metadata: { ...held.metadata, finalizers } });
    await f.setVolumes('vm3', (await f.getVm('vm3')).spec?.volumes?.slice(0, 1) ?? []);
    await f.settle();
    // Detached in vSphere, still there in Kubernetes: vm-operator lists it as detaching.
    expect(f.managed(await f.getVm('vm3')).map((v) => v.name)).toContain('b:detaching');
    const holding = (await f.attachment('vm3-b')) as KubeObject;
    await f.kube.update({ ...holding, metadata: { ...holding.metadata, finalizers: [] } });
    await f.settle();
    expect(await f.attachment('vm3-b')).toBeUndefined();
    expect(f.fcdDevices(await f.vsphereVm('vm3'))).toHaveLength(1);
    expect(f.managed(await f.getVm('vm3')).map((v) => v.name)).toEqual(['a']);
    expect((await f.getClaim('b'))?.metadata.finalizers ?? []).not.toContain(CNS_PVC_FINALIZER);
    // The VM deleted: its attachment goes, the claim and its disk stay.
    await f.kube.delete({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm3' });
    await f.settle();
    expect(await f.attachment('vm3-a')).toBeUndefined();
    expect((await f.getClaim('a'))?.status?.phase).toBe('Bound');
    expect((await f.getClaim('a'))?.metadata.finalizers ?? []).not.toContain(CNS_PVC_FINALIZER);
    expect(f.disks().map((d) => d.consumers)).toEqual([undefined, undefined]);
  });

  it('shows a volume as detaching while vSphere fails to detach it, then drops it', async () => {
    const f = await setup();
    await f.claim('a');
    await f.claim('b');
    await f.vm('vm7', [
      { name: 'a', claim: 'a' },
      { name: 'b', claim: 'b' },
    ]);
    await f.settle();
    f.vsphere.interceptor.add({
      method: 'DetachDisk_Task',
      fault: { _type: 'SystemError', reason: 'busy' },
      times: 3,
    });
    await f.setVolumes('vm7', (await f.getVm('vm7')).spec?.volumes?.slice(0, 1) ?? []);
    await f.settle();
    // The disk is still on the VM: its entry keeps the usage the VM's status update reports.
    expect(f.fcdDevices(await f.vsphereVm('vm7'))).toHaveLength(2);
    const detaching = f.managed(await f.getVm('vm7')).find((v) => v.name === 'b:detaching');
    expect(detaching).toMatchObject({ attached: true, used: String(2 * 1024 ** 3 + 512) });
    expect((await f.attachment('vm7-b'))?.metadata.deletionTimestamp).toBeDefined();
    // The driver retries after 1 s, 2 s, 4 s: the fourth detach succeeds.
    await f.advance(10_000);
    expect(await f.attachment('vm7-b')).toBeUndefined();
    expect(f.fcdDevices(await f.vsphereVm('vm7'))).toHaveLength(1);
    expect(f.managed(await f.getVm('vm7')).map((v) => v.name)).toEqual(['a']);
  });

  it("writes a failed attach to the attachment's status, as vm-operator cuts it, and retries", async () => {
    const f = await setup();
    await f.claim('data');
    f.vsphere.interceptor.add({
      method: 'AttachDisk_Task',
      fault: { _type: 'SystemError', reason: 'busy' },
      times: 1,
    });
    await f.vm('vm8', [{ name: 'data', claim: 'data' }]);
    await f.settle();
    const failed = await f.attachment('vm8-data');
    expect(failed?.status?.attached).toBe(false);
    expect(failed?.status?.error).toMatch(
      /^failed to attach cns volume: ".+" to node vm: ".+"\. fault: "SystemError: .*"\. opId: "task-\d+"$/,
    );
    expect(f.managed(await f.getVm('vm8'))[0]?.error).toBe('failed to attach cns volume');
    expect((await f.getVm('vm8')).status?.powerState).toBe('PoweredOff');
    await f.advance(1_000);
    expect((await f.attachment('vm8-data'))?.status?.attached).toBe(true);
    expect((await f.getVm('vm8')).status?.powerState).toBe('PoweredOn');
  });

  it('makes no VM while a claim it names is missing, and converges once it exists', async () => {
    const f = await setup();
    await f.vm('vm4', [{ name: 'data', claim: 'late' }]);
    await f.settle();
    // vm-operator's storage check reads every claim before it creates anything.
    const vm = await f.getVm('vm4');
    expect(vm.status?.uniqueID).toBeUndefined();
    expect(vm.status?.conditions?.find((c) => c.type === 'VirtualMachineStorageReady')).toMatchObject({
      status: 'False',
      reason: 'NotFound',
      message: 'persistentvolumeclaims "late" not found',
    });
    expect(await f.attachment('vm4-data')).toBeUndefined();
    await f.claim('late');
    await f.advance(60_000);
    expect((await f.getVm('vm4')).status?.powerState).toBe('PoweredOn');
    expect((await f.attachment('vm4-data'))?.status?.attached).toBe(true);
  });

  it("reports the syncer's error for an unbound claim, and the selected node for a late-binding class", async () => {
    const f = await setup();
    await f.storageClass('manual', { provisioner: 'kubernetes.io/no-provisioner' });
    await f.claim('manual-claim', '1Gi', 'manual');
    await f.vm('vm5', [{ name: 'data', claim: 'manual-claim' }]);
    await f.settle();
    expect((await f.attachment('vm5-data'))?.status).toEqual({
      attached: false,
      error:
        'PVC with name: "manual-claim" in namespace: "ns1" is not bound to a PV. PV: "", Status: "Pending"',
    });
    expect(f.managed(await f.getVm('vm5'))).toEqual([
      {
        name: 'data',
        type: 'Managed',
        error:
          'PVC with name: "manual-claim" in namespace: "ns1" is not bound to a PV. PV: "", Status: "Pending"',
        limit: '1Gi',
        requested: '1Gi',
      },
    ]);

    await f.storageClass('late', { provisioner: CSI_DRIVER, volumeBindingMode: 'WaitForFirstConsumer' });
    await f.claim('late-claim', '1Gi', 'late');
    await f.settle();
    expect((await f.getClaim('late-claim'))?.status?.phase).toBe('Pending');
    await f.vm('vm6', [{ name: 'data', claim: 'late-claim' }]);
    await f.advance(10_000);
    const claim = await f.getClaim('late-claim');
    const zone = (await f.getVm('vm6')).status?.zone;
    expect(claim?.metadata.annotations).toMatchObject({
      [SELECTED_NODE_ANNOTATION]: zone,
      [SELECTED_NODE_IS_ZONE_ANNOTATION]: 'true',
    });
    expect(claim?.status?.phase).toBe('Bound');
    expect((await f.getVm('vm6')).status?.powerState).toBe('PoweredOn');
  });

  it('attaches while the VM is off one claim at a time: none after one that is not attached', async () => {
    const f = await setup();
    await f.storageClass('manual', { provisioner: 'kubernetes.io/no-provisioner' });
    await f.claim('never-bound', '1Gi', 'manual');
    await f.claim('ready');
    await f.vm('vm9', [
      { name: 'first', claim: 'never-bound' },
      { name: 'second', claim: 'ready' },
    ]);
    await f.settle();
    expect((await f.attachment('vm9-first'))?.status?.attached).toBe(false);
    expect(await f.attachment('vm9-second')).toBeUndefined();
    expect((await f.getVm('vm9')).status?.powerState).toBe('PoweredOff');
    const error = f.supervisor.virtualMachines.controller.errors.get('ns1/vm9');
    expect(String(error)).toContain('notFound="second", notAttached="first"');
  });

  it('moves a volume to another claim: the old attachment goes, a new one attaches the new disk', async () => {
    const f = await setup();
    await f.claim('old');
    await f.claim('new');
    await f.vm('vm10', [{ name: 'data', claim: 'old' }]);
    await f.settle();
    await f.setVolumes('vm10', [{ name: 'data', persistentVolumeClaim: { claimName: 'new' } }]);
    await f.settle();
    const attachment = await f.attachment('vm10-data');
    expect(attachment?.spec?.volumename).toBe('new');
    expect(attachment?.status?.attached).toBe(true);
    const newDisk = f.disks().find((d) => d.consumers !== undefined);
    expect(newDisk?.id).toBe(attachment?.status?.metadata?.cnsVolumeId);
    expect(f.fcdDevices(await f.vsphereVm('vm10'))).toHaveLength(1);
    expect((await f.getClaim('old'))?.metadata.finalizers ?? []).not.toContain(CNS_PVC_FINALIZER);
  });

  it('keeps an attachment being deleted while its VM is gone from vSphere but not from Kubernetes', async () => {
    const f = await setup();
    await f.claim('data');
    await f.vm('vm11', [{ name: 'data', claim: 'data' }]);
    await f.settle();
    const record = (await f.vsphereVm('vm11')) as VmRecord;
    const vmRef = { apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm11' };
    await f.kube.patch(
      vmRef,
      { metadata: { annotations: { 'vmoperator.vmware.com/paused': 'true' } } },
      { type: 'merge' },
    );
    // An admin powers the VM off and destroys it; vSphere detaches the disk, which it keeps.
    f.vsphere.vm.powerOff(record.id);
    await f.settle();
    f.vsphere.vm.destroy(record.id);
    await f.settle();
    expect(f.disks()[0]?.consumers).toBeUndefined();
    await f.kube.delete({ ...ATTACHMENT, namespace: 'ns1', name: 'vm11-data' });
    await f.advance(5_000);
    // Not known to be detached: the VirtualMachine is not being deleted.
    expect((await f.attachment('vm11-data'))?.metadata.finalizers).toEqual([CNS_FINALIZER]);
    // vm-operator deploys the VM again (same BIOS UUID); the attachment goes, a new one attaches the disk there.
    await f.kube.patch(
      vmRef,
      { metadata: { annotations: { 'vmoperator.vmware.com/paused': null } } },
      { type: 'merge' },
    );
    await f.advance(60_000);
    const again = await f.attachment('vm11-data');
    expect(again?.metadata.deletionTimestamp).toBeUndefined();
    expect(again?.status?.attached).toBe(true);
    expect(f.fcdDevices(await f.vsphereVm('vm11'))).toHaveLength(1);
    expect((await f.getVm('vm11')).status?.powerState).toBe('PoweredOn');
  });

  it('replaces an attachment of its own left for an earlier BIOS UUID', async () => {
    const f = await setup();
    await f.claim('data');
    const vmRef = { apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm12' };
    const created = await f.vm('vm12', [{ name: 'data', claim: 'data' }]);
    await f.kube.patch(
      vmRef,
      { metadata: { annotations: { 'vmoperator.vmware.com/paused': 'true' } } },
      { type: 'merge' },
    );
    await f.kube.create({
      ...ATTACHMENT,
      metadata: {
        name: 'vm12-data',
        namespace: 'ns1',
        ownerReferences: [
          {
            apiVersion: V5,
            kind: 'VirtualMachine',
            name: 'vm12',
            uid: created.metadata.uid as string,
            controller: true,
          },
        ],
      },
      spec: { nodeuuid: '00000000-0000-0000-0000-000000000000', volumename: 'data' },
    });
    await f.kube.patch(
      vmRef,
      { metadata: { annotations: { 'vmoperator.vmware.com/paused': null } } },
      { type: 'merge' },
    );
    await f.advance(10_000);
    const vm = await f.getVm('vm12');
    const attachment = await f.attachment('vm12-data');
    expect(attachment?.spec?.nodeuuid).toBe(vm.status?.biosUUID);
    expect(attachment?.status?.attached).toBe(true);
    expect(vm.status?.powerState).toBe('PoweredOn');
  });

  it('leaves a volume made by hand, and keeps a retained disk after its claim', async () => {
    const f = await setup();
    await f.storageClass('retained', { provisioner: CSI_DRIVER, reclaimPolicy: 'Retain' });
    await f.claim('kept', '1Gi', 'retained');
    await f.settle();
    const [disk] = f.disks();
    // A volume someone made of that disk, bound to no claim.
    await f.kube.create({
      ...PV,
      metadata: { name: 'by-hand' },
      spec: { capacity: { storage: '1Gi' }, csi: { driver: CSI_DRIVER, volumeHandle: disk?.id } },
    });
    const claim = (await f.getClaim('kept')) as PersistentVolumeClaim;
    await f.kube.delete({ ...PVC, namespace: 'ns1', name: 'kept' });
    await f.settle();
    expect((await f.find<PersistentVolume>({ ...PV, name: 'by-hand' }))?.status).toEqual({
      phase: 'Available',
    });
    expect((await f.find<PersistentVolume>({ ...PV, name: `pvc-${claim.metadata.uid}` }))?.status).toEqual({
      phase: 'Released',
    });
    expect(f.disks().map((d) => d.id)).toEqual([disk?.id]);
  });

  it('reclaims a volume deleted by hand once its claim goes, and one whose claim went while its disk was made', async () => {
    const f = await setup();
    await f.claim('data');
    await f.settle();
    const claim = (await f.getClaim('data')) as PersistentVolumeClaim;
    const pvName = `pvc-${claim.metadata.uid}`;
    await f.kube.delete({ ...PV, name: pvName });
    await f.settle();
    // Held while its claim is bound.
    expect((await f.find({ ...PV, name: pvName }))?.metadata.deletionTimestamp).toBeDefined();
    expect(f.disks()).toHaveLength(1);
    await f.kube.delete({ ...PVC, namespace: 'ns1', name: 'data' });
    await f.settle();
    expect(await f.find({ ...PV, name: pvName })).toBeUndefined();
    expect(f.disks()).toEqual([]);

    f.vsphere.taskDurations = { ...f.vsphere.taskDurations, CreateDisk_Task: 5_000 };
    await f.claim('brief');
    await f.settle();
    await f.kube.delete({ ...PVC, namespace: 'ns1', name: 'brief' });
    await f.advance(10_000);
    expect(f.disks()).toEqual([]);
    expect((await f.kube.list({ ...PV })).items).toEqual([]);
  });

  it('provisions a claim made before its class once the class exists', async () => {
    const f = await setup();
    await f.claim('early', '1Gi', 'later');
    await f.settle();
    expect((await f.getClaim('early'))?.status?.phase).toBe('Pending');
    await f.storageClass('later', { provisioner: CSI_DRIVER });
    await f.settle();
    expect((await f.getClaim('early'))?.status?.phase).toBe('Bound');
  });

  it('attaches no claim added to a VM of hardware version below 15; one there at create raises it to 15', async () => {
    const f = await setup();
    const [image] = SAMPLE_OVF_IMAGES;
    if (!image?.ovf) throw new Error('no sample image');
    const library = f.vsphere.library.find({ name: 'vsim' })[0] as string;
    f.vsphere.library.createItem(library, {
      ...image,
      name: 'old-hardware',
      ovf: { ...image.ovf, hardwareVersion: 'vmx-13' },
    });
    await f.settle();
    const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
    const old = images.items.find((i) => (i.status as { name: string }).name === 'old-hardware');
    const oldImage = { image: { kind: 'VirtualMachineImage', name: old?.metadata.name } };
    await f.claim('data');
    await f.claim('more');
    // As vm-operator's create: a VM with claims from the start gets the version they need.
    await f.vm('vm15', [{ name: 'more', claim: 'more' }], oldImage);
    await f.vm('vm13', [], oldImage);
    await f.settle();
    expect((await f.getVm('vm15')).status?.hardwareVersion).toBe(15);
    expect((await f.attachment('vm15-more'))?.status?.attached).toBe(true);
    expect((await f.getVm('vm13')).status?.hardwareVersion).toBe(13);
    await f.setVolumes('vm13', [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    await f.settle();
    expect(await f.attachment('vm13-data')).toBeUndefined();
    expect(String(f.supervisor.volumes.errors.get('ns1/vm13'))).toContain(
      'vm has an unsupported hardware version 13 for PersistentVolumes. Minimum supported hardware version 15',
    );
  });

  it('gives up no attachment that never attached, once its claim is gone, and reports an odd node UUID', async () => {
    const f = await setup();
    await f.claim('data');
    f.vsphere.interceptor.add({ method: 'AttachDisk_Task', fault: { _type: 'SystemError', reason: 'busy' } });
    await f.vm('vm14', [{ name: 'data', claim: 'data' }]);
    await f.settle();
    expect((await f.attachment('vm14-data'))?.metadata.finalizers).toEqual([CNS_FINALIZER]);
    // Its volume dropped and its claim deleted: the attachment goes, with nothing to detach.
    await f.setVolumes('vm14', []);
    await f.kube.delete({ ...PVC, namespace: 'ns1', name: 'data' });
    await f.advance(5_000);
    expect(await f.attachment('vm14-data')).toBeUndefined();
    f.vsphere.interceptor.clear();

    const odd = (nodeuuid: unknown) =>
      f.kube.create({
        ...ATTACHMENT,
        metadata: { name: 'odd', namespace: 'ns1' },
        spec: { nodeuuid, volumename: 'data' },
      });
    // The CRD's schema holds the node's UUID to a string.
    await expect(odd(42)).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('spec.nodeuuid in body must be of type string: "integer"'),
    });
    await odd('no-such-vm');
    await f.settle();
    expect((await f.attachment('odd'))?.status).toEqual({
      attached: false,
      error: 'Failed to find the VM with UUID: "no-such-vm"',
    });
    expect(f.supervisor.csi.attachments.errors.size).toBe(0);
  });

  it('never sees a claim whose request is no quantity: the API server refuses it as it decodes it', async () => {
    const f = await setup();
    await expect(f.claim('lots', 'lots')).rejects.toMatchObject({
      code: 400,
      message:
        'PersistentVolumeClaim in version "v1" cannot be handled as a PersistentVolumeClaim: quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
    });
    await f.settle();
    expect(f.disks()).toEqual([]);
  });

  it("leaves a claim larger than vSphere's largest disk (62 TiB) Pending, its provisioning failing", async () => {
    const f = await setup();
    await f.claim('huge', '63Ti');
    await f.claim('most', '62Ti');
    await f.settle();
    expect((await f.getClaim('huge'))?.status?.phase).toBe('Pending');
    expect(String(f.supervisor.csi.provisioner.errors.get('ns1/huge'))).toBe(
      'InvalidArgument: A specified parameter was not correct: spec.capacityInMB',
    );
    expect((await f.getClaim('most'))?.status).toMatchObject({
      phase: 'Bound',
      capacity: { storage: '62Ti' },
    });
  });
});
