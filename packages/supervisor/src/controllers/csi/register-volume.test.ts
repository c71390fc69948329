import { type Device, isFirstClassDisk, type VmRecord, type VStorageObjectRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { CNS_REGISTER_VOLUME } from '../../cns-kinds.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { datastoreUrl } from '../virtualmachine/register-volumes.js';
import type { CnsRegisterVolume } from './register-volume.js';

const requestRef = (name: string) => ({ ...CNS_REGISTER_VOLUME, namespace: 'ns1', name });

/** A Supervisor, and the disk of an inventory VM (DC0_H0_VM0) that a user imports. */
async function setup() {
  const f = await createNamespaceFixture({ events: true });
  const vm = [...f.vsphere.store.ofKind<VmRecord>('VirtualMachine')].find(
    (v) => v.name === 'DC0_H0_VM0',
  ) as VmRecord;
  const diskOf = () =>
    (f.vsphere.store.get(vm.id) as VmRecord).config.devices.find((d) => d._type === 'VirtualDisk') as Device;
  const fileName = (diskOf().backing as { fileName: string }).fileName;
  const url = datastoreUrl('vsim.local:443', '/DC0', fileName);
  const storageClass = (await f.kube.get({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    name: f.prepared.storageClass,
  })) as unknown as { parameters: { storagePolicyID: string } };
  /** The disk put under the namespace's storage class's policy, as CNS needs one. */
  const underPolicy = async () => {
    const task = f.vsphere.vm.reconfigure(vm.id, {
      deviceChange: [
        {
          operation: 'edit',
          device: diskOf(),
          profile: [
            { _type: 'VirtualMachineDefinedProfileSpec', profileId: storageClass.parameters.storagePolicyID },
          ],
        },
      ],
    });
    await f.settle();
    await task.wait();
  };
  const request = (name: string, spec: CnsRegisterVolume['spec']) =>
    f.kube.create({ ...CNS_REGISTER_VOLUME, metadata: { name, namespace: 'ns1' }, spec });
  const read = async (name: string) => (await f.kube.get(requestRef(name))) as CnsRegisterVolume;
  /** A request's Events: type, reason, message and source. */
  const eventsOf = async (name: string) =>
    (await f.kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' })).items
      .filter((e) => (e.involvedObject as { name: string }).name === name)
      .map((e) => [e.type, e.reason, e.message, (e.source as { component: string }).component]);
  return { ...f, vm, diskOf, url, underPolicy, request, read, eventsOf };
}

describe("the CSI driver's CnsRegisterVolume", () => {
  it("makes a VM's disk the volume of a new claim, bound, the request owned by it", async () => {
    const f = await setup();
    await f.underPolicy();
    await f.request('imported', { pvcName: 'imported', diskURLPath: f.url });
    await f.settle();
    const request = await f.read('imported');
    expect(request.status).toEqual({ registered: true, error: '' });
    const disk = f.diskOf();
    expect(isFirstClassDisk(disk)).toBe(true);
    const id = (disk.vDiskId as { id: string }).id;
    const claim = (await f.kube.get(f.claimRef('imported'))) as unknown as {
      metadata: { uid: string };
      spec: Record<string, unknown>;
      status: { phase: string };
    };
    expect(claim.spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
      storageClassName: f.prepared.storageClass,
      volumeName: `static-pv-${id}`,
    });
    expect(claim.status.phase).toBe('Bound');
    expect(request.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'PersistentVolumeClaim',
        name: 'imported',
        uid: claim.metadata.uid,
        controller: true,
      }),
    ]);
    const pv = await f.kube.get({ apiVersion: 'v1', kind: 'PersistentVolume', name: `static-pv-${id}` });
    expect(pv.metadata.labels).toEqual({
      'cns.vmware.com/created-by': 'cnsregistervolume',
      'cns.vmware.com/cnsregistervolume-namespace': 'ns1',
      'cns.vmware.com/cnsregistervolume-name': 'imported',
    });
    expect(pv.spec).toMatchObject({
      csi: { driver: 'csi.vsphere.vmware.com', volumeHandle: id, fsType: 'ext4' },
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { name: 'imported', uid: claim.metadata.uid },
    });
    expect(await f.eventsOf('imported')).toEqual([
      [
        'Normal',
        'CnsRegisterVolumeSucceeded',
        'Successfully registered the volume on namespace: ns1',
        'cns.vmware.com',
      ],
    ]);
    // The syncer's clean-up of registered requests, 12 hours after they were made.
    await f.advance(720 * 60_000 - 1);
    await f.settle();
    expect((await f.kube.list({ ...CNS_REGISTER_VOLUME, namespace: 'ns1' })).items).toHaveLength(1);
    await f.advance(1);
    await f.settle();
    expect((await f.kube.list({ ...CNS_REGISTER_VOLUME, namespace: 'ns1' })).items).toEqual([]);
    expect((await f.kube.get(f.claimRef('imported'))).status).toMatchObject({ phase: 'Bound' });
  });

  it('undoes the registration where the syncer cleans up, and keeps it where it does not', async () => {
    const f = await setup();
    // No storage policy: the disk is registered, then unregistered.
    await f.request('no-policy', { pvcName: 'no-policy', diskURLPath: f.url });
    await f.settle();
    expect((await f.read('no-policy')).status).toEqual({
      registered: false,
      error: "Volume in the spec doesn't have storage policy associated with it",
    });
    expect(isFirstClassDisk(f.diskOf())).toBe(false);
    expect(await f.eventsOf('no-policy')).toEqual([
      [
        'Warning',
        'CnsRegisterVolumeFailed',
        "Volume in the spec doesn't have storage policy associated with it",
        'cns.vmware.com',
      ],
    ]);
    await f.kube.delete(requestRef('no-policy'));
    await f.settle();
    // A claim of another class: unregistered again.
    await f.underPolicy();
    await f.createClaim('other', '1Gi', { storageClassName: 'other' });
    await f.request('other', { pvcName: 'other', diskURLPath: f.url });
    await f.settle();
    expect((await f.read('other')).status?.error).toBe(
      `PVC other has storage class other, but volume maps to storage class ${f.prepared.storageClass}`,
    );
    expect(isFirstClassDisk(f.diskOf())).toBe(false);
    // Both ways of naming a disk at once.
    await f.request('both', { pvcName: 'both', diskURLPath: f.url, volumeID: 'x' });
    await f.settle();
    expect((await f.read('both')).status?.error).toBe(
      'VolumeID and DiskURLPath cannot be specified together',
    );
  });

  it('makes a First Class Disk the volume of a claim by its id', async () => {
    const f = await setup();
    const policy = (
      (await f.kube.get({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        name: f.prepared.storageClass,
      })) as unknown as { parameters: { storagePolicyID: string } }
    ).parameters.storagePolicyID;
    const ds = f.vsphere.store.get(f.vm.homeDatastore) as { id: string };
    const created = f.vsphere.disks.create({
      name: 'fcd',
      capacityInMB: 1024,
      backingSpec: { datastore: ds.id },
      profile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: policy }],
    });
    await f.settle();
    const id = (await created.wait()).config.id.id;
    await f.request('by-id', { pvcName: 'by-id', volumeID: id, accessMode: 'ReadWriteOnce' });
    await f.settle();
    expect((await f.read('by-id')).status).toEqual({ registered: true, error: '' });
    expect((await f.kube.get(f.claimRef('by-id'))).spec).toMatchObject({ volumeName: `static-pv-${id}` });
    // The disk named again for another claim: its volume is bound to the first.
    await f.request('again', { pvcName: 'again', volumeID: id, accessMode: 'ReadWriteOnce' });
    await f.settle();
    expect((await f.read('again')).status?.error).toBe('Duplicate Request');
  });

  it('unregisters the disk of a request deleted before its claim is bound', async () => {
    const f = await setup();
    await f.underPolicy();
    // A claim of a VM (which no provisioner makes) asking for more access than the volume gives:
    // the volume is saved, never bound.
    await f.createVm('owner');
    await f.settle();
    const capacityKb = f.diskOf().capacityInKB as number;
    await f.createClaim('shared', `${capacityKb / 1024}Mi`, {
      accessModes: ['ReadWriteMany'],
      storageClassName: f.prepared.storageClass,
      dataSourceRef: { apiGroup: 'vmoperator.vmware.com', kind: 'VirtualMachine', name: 'owner' },
    });
    await f.request('shared', { pvcName: 'shared', diskURLPath: f.url });
    await f.settle();
    await f.advance(2_000);
    await f.settle();
    expect((await f.read('shared')).status?.error).toBe('PVC: shared is not bound');
    const id = (f.diskOf().vDiskId as { id: string }).id;
    expect(
      await f.kube.get({ apiVersion: 'v1', kind: 'PersistentVolume', name: `static-pv-${id}` }),
    ).toMatchObject({
      status: { phase: 'Available' },
    });
    await f.kube.delete(requestRef('shared'));
    await f.settle();
    expect(await f.kube.list({ ...CNS_REGISTER_VOLUME, namespace: 'ns1' })).toMatchObject({ items: [] });
    expect(f.vsphere.store.get(id) as VStorageObjectRecord | undefined).toBeUndefined();
    expect(isFirstClassDisk(f.diskOf())).toBe(false);
  });

  it('binds a volume bound ahead to a claim made after it, once the claim is one it satisfies', async () => {
    const f = await setup();
    const volume = (name: string, claim: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        accessModes: ['ReadWriteOnce'],
        capacity: { storage: '2Gi' },
        claimRef: { namespace: 'ns1', name: claim },
        csi: { driver: 'csi.vsphere.vmware.com', volumeHandle: name },
        persistentVolumeReclaimPolicy: 'Retain',
      },
    });
    const later = (name: string, storage: string) => f.createClaim(name, storage, { storageClassName: '' });
    await f.kube.create(volume('pv-fits', 'fits'));
    await f.kube.create(volume('pv-small', 'too-big'));
    await f.settle();
    await later('fits', '1Gi');
    await later('too-big', '4Gi');
    await f.settle();
    expect((await f.kube.get(f.claimRef('fits'))).spec).toMatchObject({ volumeName: 'pv-fits' });
    expect((await f.kube.get(f.claimRef('fits'))).status).toMatchObject({ phase: 'Bound' });
    expect((await f.kube.get(f.claimRef('too-big'))).status).toMatchObject({ phase: 'Pending' });
    const pv = await f.kube.get({ apiVersion: 'v1', kind: 'PersistentVolume', name: 'pv-small' });
    expect(pv.status).toMatchObject({ phase: 'Available' });
    // A volume deleted before its claim came sends the PV controller nothing when it comes.
    await f.kube.create(volume('pv-gone', 'gone'));
    await f.settle();
    await f.kube.delete({ apiVersion: 'v1', kind: 'PersistentVolume', name: 'pv-gone' });
    await f.settle();
    const passes = f.supervisor.csi.persistentVolumes.reconciles;
    await later('gone', '1Gi');
    await f.settle();
    expect(f.supervisor.csi.persistentVolumes.reconciles).toBe(passes);
  });
});
