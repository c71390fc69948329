import type { HostRecord, VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { PAUSED_ANNOTATION } from '../../api/annotations.js';
import {
  INSTANCE_STORAGE_BOUND_ANNOTATION,
  INSTANCE_STORAGE_HOST_ANNOTATION,
  INSTANCE_STORAGE_LABEL,
  INSTANCE_STORAGE_NODE_ANNOTATION,
  STORAGE_POOL_ANNOTATION,
} from '../../api/instance-storage.js';
import type { Condition, VirtualMachine } from '../../api/types.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { fillHost } from '../../testing/virtual-machine.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';

async function instanceStorageFixture(storageClass?: string, vmSharedDisks = false, timing?: 'realistic') {
  const f = await createNamespaceFixture({
    capabilities: { instanceStorage: true, vmSharedDisks },
    events: true,
    ...(timing ? { timing } : {}),
  });
  await f.kube.create({
    apiVersion: HUB,
    kind: 'VirtualMachineClass',
    metadata: { name: 'local-disks', namespace: 'ns1' },
    spec: {
      hardware: {
        cpus: 2,
        memory: '4Gi',
        instanceStorage: {
          storageClass: storageClass ?? f.prepared.storageClass,
          volumes: [{ size: '10Gi' }, { size: '20Gi' }],
        },
      },
    },
  });
  const vm = async () => (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
  const claims = async () =>
    (await f.kube.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ns1' })).items;
  const condition = async (type: string) => {
    const c = (await vm()).status?.conditions?.find((x: Condition) => x.type === type);
    return c && `${c.status} ${c.reason} ${c.message}`;
  };
  const warnings = async () =>
    (await f.kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' })).items
      .filter((e) => e.reason === 'CreateFailure')
      .map((e) => e.message);
  return { ...f, vm, claims, condition, warnings };
}

describe('instance storage (the InstanceStorage capability)', () => {
  it("copies the class's instance storage into the VM, binds its claims on the host placement chose and deploys it there", async () => {
    const f = await instanceStorageFixture();
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    await f.settle();
    const vm = await f.vm();
    const volumes = vm.spec?.volumes ?? [];
    expect(volumes.map((v) => v.persistentVolumeClaim?.instanceVolumeClaim)).toEqual([
      { storageClass: f.prepared.storageClass, size: '10Gi' },
      { storageClass: f.prepared.storageClass, size: '20Gi' },
    ]);
    for (const volume of volumes) {
      expect(volume.name).toMatch(
        /^instance-pvc-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(volume.persistentVolumeClaim?.claimName).toBe(volume.name);
    }
    const annotations = vm.metadata.annotations ?? {};
    const host = f.vsphere.store.get(annotations[INSTANCE_STORAGE_HOST_ANNOTATION] ?? '') as HostRecord;
    expect(host.kind).toBe('HostSystem');
    expect(annotations[INSTANCE_STORAGE_NODE_ANNOTATION]).toBe(host.name.toLowerCase());
    expect(annotations[INSTANCE_STORAGE_BOUND_ANNOTATION]).toBe('true');

    const claims = await f.claims();
    expect(claims.map((c) => c.metadata.name).sort()).toEqual(volumes.map((v) => v.name).sort());
    for (const claim of claims) {
      expect(claim.metadata.labels).toEqual({ [INSTANCE_STORAGE_LABEL]: 'true' });
      expect(claim.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBe(
        host.name.toLowerCase(),
      );
      expect(claim.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'VirtualMachine',
          name: 'vm1',
          uid: vm.metadata.uid,
          controller: true,
        }),
      ]);
      expect(claim.spec).toMatchObject({
        storageClassName: f.prepared.storageClass,
        accessModes: ['ReadWriteOnce'],
      });
      expect((claim.status as { phase?: string }).phase).toBe('Bound');
    }

    const record = f.vsphere.store.get(vm.status?.uniqueID ?? '') as VmRecord;
    expect(record.host).toBe(host.id);
    expect(record.powerState).toBe('poweredOn');
    expect(vm.status?.volumes?.map((v) => [v.name, v.attached, v.type])).toEqual(
      expect.arrayContaining(volumes.map((v) => [v.name, true, 'Managed'])),
    );
    expect(await f.condition('VirtualMachineConditionPlacementReady')).toBe('True True ');
    // The passes before: the volumes added, then the claims waited for.
    expect(await f.warnings()).toEqual(
      expect.arrayContaining(['added instance storage volumes', 'instance storage PVCs are not bound yet']),
    );
  });

  it("takes the host of its group's placement, and fails without one, as vm-operator does", async () => {
    const f = await instanceStorageFixture();
    const group = (name: string) =>
      f.kube.create({
        apiVersion: HUB,
        kind: 'VirtualMachineGroup',
        metadata: { name, namespace: 'ns1' },
        spec: { powerState: 'PoweredOn', bootOrder: [{ members: [{ name: 'vm1' }] }] },
      });
    await group('g');
    // Held (paused) once placed, while the host its group names fills up.
    const spec = { className: 'local-disks', bootstrap: { disabled: true }, groupName: 'g' };
    await f.createVm('vm1', spec, undefined, { [PAUSED_ANNOTATION]: '' });
    await f.settle();
    const g = await f.kube.get({ apiVersion: HUB, kind: 'VirtualMachineGroup', namespace: 'ns1', name: 'g' });
    const node = (g.status as { members: { placement?: { node?: string } }[] }).members[0]?.placement
      ?.node as string;
    await fillHost(f, f.prepared, node, 3);
    const held = await f.kube.get(f.vmRef('vm1'));
    const { [PAUSED_ANNOTATION]: _paused, ...annotations } = held.metadata.annotations ?? {};
    await f.kube.update({ ...held, metadata: { ...held.metadata, annotations } });
    await f.settle();
    const vm = await f.vm();
    expect(vm.metadata.annotations?.[INSTANCE_STORAGE_HOST_ANNOTATION]).toBe(node);
    expect((f.vsphere.store.get(vm.status?.uniqueID ?? '') as VmRecord).host).toBe(node);
    // No host to name (every host of the cluster in maintenance): the group places the VM without one.
    await f.kube.delete(f.vmRef('vm1'));
    await f.settle();
    const hosts = [...f.vsphere.store.ofKind<HostRecord>('HostSystem')].filter(
      (h) => h.parent === f.prepared.cluster,
    );
    for (const host of hosts) {
      for (const id of f.vsphere.store.referrers('vm', host.id)) f.vsphere.vm.powerOff(id);
      await f.settle();
      f.vsphere.host.enterMaintenanceMode(host.id, 0);
      await f.settle();
      expect(f.vsphere.store.get(host.id)).toMatchObject({ inMaintenanceMode: true });
    }
    await group('g2');
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true }, groupName: 'g2' });
    await f.settle();
    expect(await f.condition('VirtualMachineConditionPlacementReady')).toBe(
      'False NotReady placement result missing host required for instance storage',
    );
    expect((await f.vm()).status?.uniqueID).toBeUndefined();
  });

  it("converges under vm-operator's timings: the volume controller's requeues, tasks that take time", async () => {
    const f = await instanceStorageFixture(undefined, false, 'realistic');
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    for (let i = 0; i < 30 && (await f.vm()).status?.powerState !== 'PoweredOn'; i++) await f.advance(10_000);
    const vm = await f.vm();
    expect(vm.status?.powerState).toBe('PoweredOn');
    const record = f.vsphere.store.get(vm.status?.uniqueID ?? '') as VmRecord;
    expect(record.host).toBe(vm.metadata.annotations?.[INSTANCE_STORAGE_HOST_ANNOTATION]);
    expect(vm.status?.volumes?.filter((v) => v.type === 'Managed' && v.attached)).toHaveLength(2);
  });

  it('attaches the claims in the batch attachment with VMSharedDisks', async () => {
    const f = await instanceStorageFixture(undefined, true);
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    await f.settle();
    const vm = await f.vm();
    expect(vm.metadata.annotations?.[INSTANCE_STORAGE_BOUND_ANNOTATION]).toBe('true');
    expect(vm.status?.powerState).toBe('PoweredOn');
    const names = (vm.spec?.volumes ?? [])
      .filter((v) => v.persistentVolumeClaim?.instanceVolumeClaim)
      .map((v) => v.name);
    expect(names).toHaveLength(2);
    expect(vm.status?.volumes?.filter((v) => names.includes(v.name) && v.attached)).toHaveLength(2);
    const batch = await f.kube.get({
      apiVersion: 'cns.vmware.com/v1alpha1',
      kind: 'CnsNodeVMBatchAttachment',
      namespace: 'ns1',
      name: 'vm1',
    });
    expect((batch.spec as { volumes: { name: string }[] }).volumes.map((v) => v.name).sort()).toEqual(
      names.sort(),
    );
  });

  it('keeps the instance storage a VM got when its class changes, and a class without any gives none', async () => {
    const f = await instanceStorageFixture();
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    await f.createVm('vm2', { bootstrap: { disabled: true } });
    await f.settle();
    const before = (await f.vm()).spec?.volumes;
    const cls = await f.kube.get({
      apiVersion: HUB,
      kind: 'VirtualMachineClass',
      namespace: 'ns1',
      name: 'local-disks',
    });
    await f.kube.update({
      ...cls,
      spec: { hardware: { cpus: 2, memory: '4Gi', instanceStorage: { volumes: [{ size: '1Gi' }] } } },
    } as KubeObject);
    await f.settle();
    expect((await f.vm()).spec?.volumes).toEqual(before);
    const plain = (await f.kube.get(f.vmRef('vm2'))) as unknown as VirtualMachine;
    expect(plain.spec?.volumes ?? []).toEqual([]);
    expect(plain.metadata.annotations?.[INSTANCE_STORAGE_HOST_ANNOTATION]).toBeUndefined();
  });

  it('reports a missing instance storage class on StorageReady, and goes on once it exists', async () => {
    const f = await instanceStorageFixture('local-nvme');
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    await f.settle();
    expect(await f.condition('VirtualMachineStorageReady')).toBe(
      'False NotFound storageclasses.storage.k8s.io "local-nvme" not found',
    );
    expect((await f.vm()).status?.uniqueID).toBeUndefined();
    const existing = await f.kube.get({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      name: f.prepared.storageClass,
    });
    await f.kube.create({
      ...existing,
      metadata: {
        name: 'local-nvme',
        ...(existing.metadata.labels ? { labels: existing.metadata.labels } : {}),
      },
    } as KubeObject);
    await f.advance(60_000);
    const vm = await f.vm();
    expect(await f.condition('VirtualMachineStorageReady')).toBe('True True ');
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect((await f.claims()).map((c) => (c.spec as { storageClassName?: string }).storageClassName)).toEqual(
      ['local-nvme', 'local-nvme'],
    );
  });

  it("places the VM again when the CSI driver fails its claims on the host's node, once they are 5 minutes old", async () => {
    const f = await instanceStorageFixture();
    const hosts = [...f.vsphere.store.ofKind<HostRecord>('HostSystem')].filter(
      (h) => h.parent === f.prepared.cluster,
    );
    const down = hosts[0] as HostRecord;
    for (const id of f.vsphere.store.referrers('vm', down.id)) f.vsphere.vm.powerOff(id);
    await f.settle();
    f.vsphere.host.enterMaintenanceMode(down.id, 0);
    await f.settle();
    expect(f.vsphere.store.get(down.id)).toMatchObject({ inMaintenanceMode: true });
    // The host given as if placement had chosen it before the host went down.
    await f.kube.create({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachine',
      metadata: {
        name: 'vm1',
        namespace: 'ns1',
        labels: { 'topology.kubernetes.io/zone': f.prepared.zone },
        annotations: {
          [INSTANCE_STORAGE_HOST_ANNOTATION]: down.id,
          [INSTANCE_STORAGE_NODE_ANNOTATION]: down.name.toLowerCase(),
        },
      },
      spec: {
        className: 'local-disks',
        image: { kind: 'VirtualMachineImage', name: f.image },
        storageClass: f.prepared.storageClass,
        bootstrap: { disabled: true },
      },
    });
    await f.settle();
    const failed = await f.claims();
    expect(failed.map((c) => c.metadata.annotations?.[STORAGE_POOL_ANNOTATION])).toEqual([
      'FAILED_PLACEMENT-NotEnoughResources',
      'FAILED_PLACEMENT-NotEnoughResources',
    ]);
    expect((await f.vm()).status?.uniqueID).toBeUndefined();

    await f.advance(6 * 60_000);
    const vm = await f.vm();
    const host = vm.metadata.annotations?.[INSTANCE_STORAGE_HOST_ANNOTATION];
    expect(host).not.toBe(down.id);
    const record = f.vsphere.store.get(vm.status?.uniqueID ?? '') as VmRecord;
    expect(record.host).toBe(host);
    expect(vm.status?.powerState).toBe('PoweredOn');
    const claims = await f.claims();
    expect(claims.map((c) => c.metadata.uid)).not.toEqual(
      expect.arrayContaining(failed.map((c) => c.metadata.uid)),
    );
    expect(claims.map((c) => c.metadata.annotations?.['volume.kubernetes.io/selected-node'])).toEqual([
      vm.metadata.annotations?.[INSTANCE_STORAGE_NODE_ANNOTATION],
      vm.metadata.annotations?.[INSTANCE_STORAGE_NODE_ANNOTATION],
    ]);
  });

  it('lets no user add, change or remove instance storage volumes', async () => {
    const f = await instanceStorageFixture();
    const volume = {
      name: 'mine',
      persistentVolumeClaim: {
        claimName: 'mine',
        instanceVolumeClaim: { storageClass: f.prepared.storageClass, size: '1Gi' },
      },
    };
    const refused =
      'admission webhook "default.validating.virtualmachine.v1alpha6.vmoperator.vmware.com" denied the request: spec.volumes: Forbidden: adding or modifying instance storage volume claim(s) is not allowed';
    await expect(
      f.createVm('vm0', { className: 'local-disks', bootstrap: { disabled: true }, volumes: [volume] }),
    ).rejects.toMatchObject({ code: 422, message: refused });

    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    await f.settle();
    // Alike as Go's semantic equality compares: the same sizes in other units, readOnly false said.
    const same = ((await f.vm()).spec?.volumes ?? []).map((v) => ({
      ...v,
      persistentVolumeClaim: {
        ...v.persistentVolumeClaim,
        readOnly: false,
        instanceVolumeClaim: {
          ...v.persistentVolumeClaim?.instanceVolumeClaim,
          size: v.persistentVolumeClaim?.instanceVolumeClaim?.size === '10Gi' ? '10240Mi' : '20480Mi',
        },
      },
    }));
    await f.kube.patch(f.vmRef('vm1'), { spec: { volumes: same } }, { type: 'merge' });
    await expect(
      f.kube.patch(f.vmRef('vm1'), { spec: { volumes: [] } }, { type: 'merge' }),
    ).rejects.toMatchObject({
      code: 422,
      message: refused,
    });
  });

  it("keeps users off instance storage claims, as vm-operator's claim webhook does", async () => {
    const f = await instanceStorageFixture();
    const claim = (name: string, labels?: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'ns1', ...(labels ? { labels } : {}) },
      spec: {
        storageClassName: f.prepared.storageClass,
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
    });
    const denied = (problem: string) =>
      `admission webhook "default.validating.persistentvolumeclaim.vmoperator.vmware.com" denied the request: metadata.labels[${INSTANCE_STORAGE_LABEL}]: Forbidden: ${problem}`;
    await expect(f.kube.create(claim('mine', { [INSTANCE_STORAGE_LABEL]: 'false' }))).rejects.toMatchObject({
      code: 422,
      message: denied('CREATE operation on PVC with instance storage label is not allowed'),
    });
    await f.kube.create(claim('plain'));
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ns1' };
    await expect(
      f.kube.patch(
        { ...ref, name: 'plain' },
        { metadata: { labels: { [INSTANCE_STORAGE_LABEL]: 'true' } } },
        { type: 'merge' },
      ),
    ).rejects.toMatchObject({ code: 422, message: denied('adding instance storage label is not allowed') });
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    await f.settle();
    const name = (await f.vm()).spec?.volumes?.[0]?.name as string;
    await expect(
      f.kube.patch({ ...ref, name }, { metadata: { annotations: { mine: 'yes' } } }, { type: 'merge' }),
    ).rejects.toMatchObject({
      code: 422,
      message: denied('UPDATE operation on PVC with instance storage label is not allowed'),
    });
    await expect(f.kube.delete({ ...ref, name })).rejects.toMatchObject({
      code: 422,
      message: denied('DELETE operation on PVC with instance storage label is not allowed'),
    });
    expect((await f.claims()).every((c) => c.metadata.deletionTimestamp === undefined)).toBe(true);
    await f.kube.delete({ ...ref, name: 'plain' });
  });

  it('tells the VM when its namespace has no quota left for its claims, and goes on once it has', async () => {
    const f = await instanceStorageFixture();
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'no-claims', namespace: 'ns1' },
      spec: { hard: { persistentvolumeclaims: '0' } },
    };
    await f.kube.create(quota);
    await f.settle();
    await f.createVm('vm1', { className: 'local-disks', bootstrap: { disabled: true } });
    await f.settle();
    expect(await f.claims()).toEqual([]);
    expect(await f.warnings()).toContainEqual(expect.stringMatching(/exceeded quota: no-claims/));
    await f.kube.delete({ apiVersion: 'v1', kind: 'ResourceQuota', namespace: 'ns1', name: 'no-claims' });
    await f.advance(20_000);
    expect((await f.vm()).status?.powerState).toBe('PoweredOn');
  });
});
