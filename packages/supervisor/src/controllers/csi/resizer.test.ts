import type { VmRecord, VStorageObjectRecord } from '@vsim/vsphere';
import { attachedDiskId } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from '../../store/kinds.js';
import type { KubeObject } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import type { PersistentVolume, PersistentVolumeClaim } from './provisioner.js';
import { NODE_EXPANSION_NOT_REQUIRED } from './resizer.js';

const PVC = PERSISTENT_VOLUME_CLAIM;
const PV = PERSISTENT_VOLUME;

interface ResizedClaim extends PersistentVolumeClaim {
  status?: PersistentVolumeClaim['status'] & {
    conditions?: { type: string; status: string; message?: string }[];
    allocatedResources?: Record<string, string>;
    allocatedResourceStatuses?: Record<string, string>;
  };
}

async function setup(volumeMode = 'Block') {
  const f = await createSupervisorFixture({ namespaces: ['ns1'], events: true });
  const prepared = await f.supervisor.prepareNamespace('ns1');
  // A Supervisor's classes allow expansion, the prepared one too.
  const storageClass = await f.kube.get({ ...STORAGE_CLASS, name: prepared.storageClass });
  expect(storageClass.allowVolumeExpansion).toBe(true);
  await f.kube.create({
    ...PVC,
    metadata: { name: 'data', namespace: 'ns1' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      volumeMode,
      storageClassName: prepared.storageClass,
      resources: { requests: { storage: '2Gi' } },
    },
  });
  await f.settle();
  const claim = async () =>
    (await f.find<ResizedClaim>({ ...PVC, namespace: 'ns1', name: 'data' })) as ResizedClaim;
  const volume = async () =>
    (await f.find<PersistentVolume>({
      ...PV,
      name: (await claim()).spec?.volumeName ?? '',
    })) as PersistentVolume & { spec: { capacity: { storage: string } } };
  const disk = async () =>
    f.vsphere.store.get((await volume()).spec?.csi?.volumeHandle ?? '') as VStorageObjectRecord;
  const request = async (storage: string) => {
    const current = await claim();
    await f.kube.update({
      ...current,
      spec: { ...current.spec, resources: { requests: { storage } } },
    } as KubeObject);
  };
  const events = async () =>
    (await f.kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' })).items
      .filter((e) => (e.involvedObject as { kind: string }).kind === 'PersistentVolumeClaim')
      .map((e) => `${e.type} ${e.reason} ${(e.source as { component: string }).component}: ${e.message}`);
  /** The claim asks for more; the disk and the volume have grown to it. */
  const grow = async (storage: string, sizeMB: number) => {
    await request(storage);
    await f.settle();
    expect((await disk()).capacityInMB).toBe(sizeMB);
    expect((await volume()).spec.capacity.storage).toBe(storage);
    return claim();
  };
  return { ...f, claim, volume, disk, request, grow, events };
}

describe('the CSI resizer (external-resizer, ControllerExpandVolume)', () => {
  it('grows a raw block volume: the disk, the volume, then the claim, its resize finished', async () => {
    const f = await setup('Block');
    const before = await f.claim();
    expect(before.status?.capacity?.storage).toBe('2Gi');
    const claim = await f.grow('3500Mi', 3500);
    expect(claim.status).toEqual({
      phase: 'Bound',
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '3500Mi' },
      allocatedResources: { storage: '3500Mi' },
    });
    expect(claim.metadata.annotations?.[NODE_EXPANSION_NOT_REQUIRED]).toBe('true');
    // kube-controller-manager's expand controller leaves the volume to the driver's resizer, at
    // the same instant: the two Events are told apart all the same.
    expect(await f.events()).toEqual([
      'Normal ExternalExpanding volume_expand: waiting for an external controller to expand this PVC',
      'Normal Resizing external-resizer csi.vsphere.vmware.com: External resizer is resizing volume ' +
        claim.spec?.volumeName,
      'Normal VolumeResizeSuccessful external-resizer csi.vsphere.vmware.com: Resize volume succeeded',
    ]);
    // Nothing more to do: the claim has what it asks for.
    const settled = await f.claim();
    await f.advance(600_000);
    expect(await f.claim()).toEqual(settled);
  });

  it('grows a disk attached to a VM, online, and the VM sees the larger disk', async () => {
    const f = await setup('Block');
    const vm = [...f.vsphere.store.ofKind<VmRecord>('VirtualMachine')][0] as VmRecord;
    const disk = await f.disk();
    const attach = f.vsphere.disks.attach(vm.id, disk.id, disk.datastore);
    await f.settle();
    await attach.wait();
    await f.request('4Gi');
    await f.settle();
    const device = (f.vsphere.store.get(vm.id) as VmRecord).config.devices.find(
      (d) => attachedDiskId(d) === disk.id,
    );
    expect(device).toMatchObject({ capacityInKB: 4 * 1024 * 1024 });
    expect((await f.claim()).status?.capacity?.storage).toBe('4Gi');
  });

  it('leaves a file system volume to a node expansion that never comes, as on a Supervisor', async () => {
    const f = await setup('Filesystem');
    const claim = await f.grow('4Gi', 4096);
    expect(claim.status).toMatchObject({
      capacity: { storage: '2Gi' },
      allocatedResources: { storage: '4Gi' },
      allocatedResourceStatuses: { storage: 'NodeResizePending' },
    });
    expect(claim.status?.conditions?.map((c) => [c.type, c.status, c.message])).toEqual([
      ['Resizing', 'True', undefined],
      [
        'FileSystemResizePending',
        'True',
        'Waiting for user to (re-)start a pod to finish file system resize of volume on node.',
      ],
    ]);
    expect(claim.metadata.annotations?.[NODE_EXPANSION_NOT_REQUIRED]).toBeUndefined();
    expect((await f.events()).at(-1)).toBe(
      'Normal FileSystemResizeRequired external-resizer csi.vsphere.vmware.com: Require file system resize of volume on node',
    );
    // A further growth waits for that expansion, as external-resizer waits.
    await f.request('6Gi');
    await f.advance(600_000);
    expect((await f.disk()).capacityInMB).toBe(4096);
  });

  it('marks a disk that cannot grow ControllerResizeError, retries with backoff, and takes a lowered request', async () => {
    const f = await setup('Block');
    const id = (await f.disk()).id;
    // Past 62 TiB, vSphere's largest disk: ExtendDisk_Task's InvalidArgument.
    await f.request('63Ti');
    await f.settle();
    const failed = await f.claim();
    expect((await f.disk()).capacityInMB).toBe(2048);
    expect((await f.volume()).spec.capacity.storage).toBe('2Gi');
    expect(failed.status).toMatchObject({
      capacity: { storage: '2Gi' },
      allocatedResources: { storage: '63Ti' },
      allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' },
    });
    const error = failed.status?.conditions?.find((c) => c.type === 'ControllerResizeError');
    expect(failed.status?.conditions?.map((c) => c.type)).toEqual(['Resizing', 'ControllerResizeError']);
    expect(error?.message).toMatch(
      new RegExp(
        `^failed to expand pvc with rpc error: code = Internal desc = failed to expand volume: "${id}" to size: 66060288 err InvalidArgument: `,
      ),
    );
    const key = 'ns1/data';
    expect(String(f.supervisor.csi.resizer.errors.get(key))).toContain(
      `resize volume "${failed.spec?.volumeName}" by resizer "csi.vsphere.vmware.com" failed: rpc error: code = Internal`,
    );
    // Retried after 1 s, doubling: no sooner.
    const attempts = () => f.supervisor.csi.resizer.stats.reconciles;
    const before = attempts();
    await f.advance(100);
    expect(attempts()).toBe(before);
    await f.advance(10_000);
    expect(attempts()).toBeGreaterThan(before);
    expect((await f.claim()).status?.conditions?.map((c) => c.type)).toEqual([
      'Resizing',
      'ControllerResizeError',
    ]);
    // Asking for less, still above the capacity, is what the next retry grows the disk to.
    await f.request('3Gi');
    await f.advance(300_000);
    expect((await f.disk()).capacityInMB).toBe(3072);
    const recovered = await f.claim();
    expect(recovered.status).toMatchObject({
      capacity: { storage: '3Gi' },
      allocatedResources: { storage: '3Gi' },
    });
    expect(recovered.status?.conditions).toBeUndefined();
    expect(recovered.status?.allocatedResourceStatuses).toBeUndefined();
    expect(f.supervisor.csi.resizer.errors.has(key)).toBe(false);
  });
});
