import type { SnapshotRecord, VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { Condition, VirtualMachine, VirtualMachineSnapshot } from '../../api/types.js';
import { VM_NAME_FOR_SNAPSHOT_LABEL } from '../../api/vm-snapshot-validation.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture, type SupervisorFixtureOptions } from '../../testing/fixture.js';
import { BACKUP_KEYS, decodedBackup } from '../virtualmachine/backup.js';
import { REVERT_CONDITION, REVERT_IN_PROGRESS_ANNOTATION } from '../virtualmachine/snapshots.js';
import { CSI_VOLUME_SYNC_ANNOTATION, VM_SNAPSHOT_FINALIZER } from './vm-snapshot.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const HUB = 'vmoperator.vmware.com/v1alpha6';

async function setup(options: SupervisorFixtureOptions = {}) {
  const f = await createNamespaceFixture(options);
  const snapshotRef = (name: string) => ({
    apiVersion: HUB,
    kind: 'VirtualMachineSnapshot',
    namespace: 'ns1',
    name,
  });
  const createSnapshot = (name: string, spec: VirtualMachineSnapshot['spec']) =>
    f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineSnapshot',
      metadata: { name, namespace: 'ns1' },
      spec,
    });
  const vm = async (name: string) => (await f.find(f.vmRef(name))) as unknown as VirtualMachine;
  const snapshot = async (name: string) =>
    (await f.find(snapshotRef(name))) as unknown as VirtualMachineSnapshot | undefined;
  const record = async (name: string) =>
    f.vsphere.store.get((await vm(name)).status?.uniqueID ?? '') as VmRecord;
  const tree = async (name: string) =>
    (await record(name)).snapshots?.roots.map((id) => f.vsphere.store.get(id) as SnapshotRecord) ?? [];
  const edit = async (ref: ReturnType<typeof f.vmRef>, change: (object: KubeObject) => KubeObject) =>
    f.kube.update(change(await f.kube.get(ref)));
  return { ...f, snapshotRef, createSnapshot, vm, snapshot, record, tree, edit };
}

const brief = (conditions: readonly Condition[] | undefined, type: string) => {
  const c = conditions?.find((x) => x.type === type);
  return c && { status: c.status, reason: c.reason, message: c.message };
};

describe('VirtualMachineSnapshot', () => {
  it('is taken in vSphere, synced by CSI and Ready; the VM names it in its status', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    await f.createSnapshot('snap-1', { vmName: 'vm1', description: 'before the upgrade', memory: true });
    await f.settle();

    const vm = await f.vm('vm1');
    const snap = await f.snapshot('snap-1');
    expect(snap?.metadata.finalizers).toEqual([VM_SNAPSHOT_FINALIZER]);
    expect(snap?.metadata.labels).toEqual({ [VM_NAME_FOR_SNAPSHOT_LABEL]: 'vm1' });
    expect(snap?.metadata.annotations?.[CSI_VOLUME_SYNC_ANNOTATION]).toBe('completed');
    expect(snap?.metadata.ownerReferences).toEqual([
      { apiVersion: HUB, kind: 'VirtualMachine', name: 'vm1', uid: vm.metadata.uid },
    ]);
    for (const type of [
      'VirtualMachineSnapshotReady',
      'VirtualMachineSnapshotCreated',
      'VirtualMachineSnapshotCSISynced',
    ])
      expect(brief(snap?.status?.conditions, type)).toEqual({ status: 'True', reason: 'True', message: '' });
    const [taken] = await f.tree('vm1');
    expect(taken).toMatchObject({ name: 'snap-1', description: 'before the upgrade', state: 'poweredOn' });
    expect(snap?.status).toMatchObject({ uniqueID: taken?.id, powerState: 'PoweredOn', quiesced: false });
    // Requested: the VM's memory as its status counts it (4,096 MB as millions of bytes) and its
    // classic disk (20 GiB), in its storage class, in the first one's format. Used: what vSphere's
    // layout lists, the state file (16 KiB), the memory (4 GiB) and the disk's descriptor and extent.
    expect(vm.status?.hardware?.memory?.total).toBe('4096M');
    expect(vm.status?.volumes?.find((v) => v.type === 'Classic')?.requested).toBe('20Gi');
    expect(snap?.status?.storage).toEqual({
      requested: [{ storageClass: f.prepared.storageClass, total: String(4096e6 + 20 * 1024 ** 3) }],
      used: String(24 * 1024 ** 3 + 16 * 1024 + 512),
    });
    expect(vm.status?.currentSnapshot).toEqual({ type: 'Managed', name: 'snap-1' });
    expect(vm.status?.rootSnapshots).toEqual([{ type: 'Managed', name: 'snap-1' }]);
    // The VM's storage counts what its snapshots take apart from its own files.
    expect(vm.status?.storage?.usage?.snapshots).toEqual({ vm: snap?.status?.storage?.used });
    // The snapshot holds the VM's resource, as vm-operator's backup writes it.
    const held = taken?.config.extraConfig.find((o) => o.key === BACKUP_KEYS.resource)?.value as string;
    expect(decodedBackup(held)?.spec?.className).toBe('best-effort-small');

    // Removed in vSphere behind its back: its size cannot be read, so it is synced no more.
    f.vsphere.snapshot.remove(taken?.id as string, false);
    await f.settle();
    await f.edit(f.snapshotRef('snap-1'), (s) => ({
      ...s,
      metadata: { ...s.metadata, labels: { ...s.metadata.labels, touched: 'yes' } },
    }));
    await f.settle();
    const gone = await f.snapshot('snap-1');
    expect(brief(gone?.status?.conditions, 'VirtualMachineSnapshotCSISynced')?.status).toBe('False');
    expect(brief(gone?.status?.conditions, 'VirtualMachineSnapshotReady')?.status).toBe('False');
  });

  it('takes snapshots one at a time, oldest first, each the child of the last; an unmanaged one is named so', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    await f.createSnapshot('a', { vmName: 'vm1' });
    await f.settle();
    await f.createSnapshot('b', { vmName: 'vm1' });
    await f.createSnapshot('c', { vmName: 'vm1' });
    await f.settle();
    const [root] = await f.tree('vm1');
    const names = (ids: readonly string[]) =>
      ids.map((id) => (f.vsphere.store.get(id) as SnapshotRecord).name);
    expect(root?.name).toBe('a');
    expect(names(root?.children ?? [])).toEqual(['b']);
    expect((await f.snapshot('a'))?.status?.children).toEqual([{ type: 'Managed', name: 'b' }]);
    expect((await f.snapshot('b'))?.status?.children).toEqual([{ type: 'Managed', name: 'c' }]);
    // One made in vCenter by hand is no object's.
    f.vsphere.snapshot.create((await f.record('vm1')).id, 'by-hand');
    await f.settle();
    expect((await f.snapshot('c'))?.status?.children).toEqual([{ type: 'Unmanaged', name: '' }]);
    expect((await f.vm('vm1')).status?.currentSnapshot).toEqual({ type: 'Unmanaged', name: '' });
  });

  it('is refused for a VKS node, waits for a VM not created yet, and goes with its VM', async () => {
    const f = await setup();
    await expect(f.createSnapshot('early', { vmName: 'vm1' })).resolves.toBeDefined();
    await f.settle();
    expect(f.supervisor.snapshots.errorOf('ns1/early')).toEqual(
      new Error(
        'failed to get VirtualMachine "ns1/vm1": virtualmachines.vmoperator.vmware.com "vm1" not found',
      ),
    );
    await f.createVm('vm1');
    await f.advance(1_000);
    expect(
      brief((await f.snapshot('early'))?.status?.conditions, 'VirtualMachineSnapshotReady')?.status,
    ).toBe('True');
    await f.kube.delete(f.vmRef('vm1'));
    await f.settle();
    expect(await f.snapshot('early')).toBeUndefined();

    await f.createVm('node', {}, { 'capv.vmware.com/cluster.role': 'node' });
    await expect(f.createSnapshot('s', { vmName: 'node' })).rejects.toThrow(
      'spec.vmName: Forbidden: snapshots are not allowed for VKS/TKG nodes',
    );
  });

  it('deleted, leaves vSphere; its children move up to its parent', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    for (const name of ['a', 'b', 'c']) {
      await f.createSnapshot(name, { vmName: 'vm1' });
      await f.settle();
    }
    await f.kube.delete(f.snapshotRef('b'));
    await f.settle();
    expect(await f.snapshot('b')).toBeUndefined();
    const [root] = await f.tree('vm1');
    expect(root?.children.map((id) => (f.vsphere.store.get(id) as SnapshotRecord).name)).toEqual(['c']);
    expect((await f.snapshot('a'))?.status?.children).toEqual([{ type: 'Managed', name: 'c' }]);
    expect((await f.vm('vm1')).status?.currentSnapshot).toEqual({ type: 'Managed', name: 'c' });
    // Its last child gone, a snapshot lists none (Go's omitempty), not an empty list.
    await f.kube.delete(f.snapshotRef('c'));
    await f.settle();
    expect((await f.snapshot('a'))?.status).not.toHaveProperty('children');
  });

  it('deleted while its name is several snapshots in vSphere, stays until one is left', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    await f.createSnapshot('s', { vmName: 'vm1' });
    await f.settle();
    // Another of the same name, taken in vSphere directly.
    const twin = f.vsphere.snapshot.create((await f.record('vm1')).id, 's');
    await f.settle();
    await f.kube.delete(f.snapshotRef('s'));
    await f.settle();
    expect((await f.snapshot('s'))?.metadata.deletionTimestamp).toBeDefined();
    expect(String(f.supervisor.snapshots.errorOf('ns1/s'))).toBe(
      'Error: failed to delete snapshot: failed to delete snapshot: "s" resolves to 2 snapshots: multiple snapshots found',
    );
    f.vsphere.snapshot.remove((await twin.wait()).value, false);
    await f.advance(60_000);
    expect(await f.snapshot('s')).toBeUndefined();
    expect(await f.tree('vm1')).toEqual([]);
  });

  it('reverts the VM: vSphere, then its spec, labels and annotations as the snapshot holds them', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    await f.createSnapshot('cold', { vmName: 'vm1' });
    await f.settle();
    await f.edit(f.vmRef('vm1'), (vm) => ({
      ...vm,
      metadata: { ...vm.metadata, labels: { ...vm.metadata.labels, later: 'yes' } },
    }));
    await f.settle();
    expect((await f.vm('vm1')).metadata.labels?.later).toBe('yes');

    await f.edit(f.vmRef('vm1'), (vm) => ({
      ...vm,
      spec: { ...(vm.spec as object), currentSnapshotName: 'cold' },
    }));
    await f.settle();
    const vm = await f.vm('vm1');
    expect(vm.spec?.currentSnapshotName).toBeUndefined();
    expect(vm.metadata.labels?.later).toBeUndefined();
    // Taken without memory: the snapshot is of a VM powered off, and so is the reverted VM.
    expect(vm.spec?.powerState).toBe('PoweredOff');
    expect(vm.status?.powerState).toBe('PoweredOff');
    expect(vm.status?.currentSnapshot).toEqual({ type: 'Managed', name: 'cold' });
    expect(vm.status?.conditions?.find((c) => c.type === REVERT_CONDITION)).toBeUndefined();
    const events = f.vsphere.events.list().map((e) => (e as { eventTypeId?: string }).eventTypeId);
    expect(events).toContain('com.vmware.vc.vm.VmStateRevertedToSnapshot');
  });

  it('holds the VM as it was when it was asked for, a change just before included', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    // The label and the snapshot in one go: the backup the snapshot holds is made first.
    await f.edit(f.vmRef('vm1'), (vm) => ({
      ...vm,
      metadata: { ...vm.metadata, labels: { ...vm.metadata.labels, tier: 'gold' } },
    }));
    await f.createSnapshot('warm', { vmName: 'vm1' });
    await f.settle();
    await f.edit(f.vmRef('vm1'), (vm) => {
      const { tier: _, ...labels } = vm.metadata.labels ?? {};
      return { ...vm, metadata: { ...vm.metadata, labels } };
    });
    await f.settle();
    await f.edit(f.vmRef('vm1'), (vm) => ({
      ...vm,
      spec: { ...(vm.spec as object), currentSnapshotName: 'warm' },
    }));
    await f.settle();
    expect((await f.vm('vm1')).metadata.labels?.tier).toBe('gold');
  });

  it('refuses to revert to what is missing or not ready, then reverts once it can', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    await f.edit(f.vmRef('vm1'), (vm) => ({
      ...vm,
      spec: { ...(vm.spec as object), currentSnapshotName: 'later' },
    }));
    await f.settle();
    expect(brief((await f.vm('vm1')).status?.conditions, REVERT_CONDITION)).toEqual({
      status: 'False',
      reason: 'VirtualMachineSnapshotRevertFailed',
      message:
        'failed to get snapshot object "later": virtualmachinesnapshots.vmoperator.vmware.com "later" not found',
    });
    // Asked for while it is not there, a snapshot is taken and the revert goes on.
    await f.createSnapshot('later', { vmName: 'vm1', memory: true });
    await f.settle();
    await f.advance(60_000);
    const vm = await f.vm('vm1');
    expect(vm.spec?.currentSnapshotName).toBeUndefined();
    expect(vm.spec?.powerState).toBe('PoweredOn');
    expect(vm.status?.currentSnapshot).toEqual({ type: 'Managed', name: 'later' });
    expect(vm.status?.conditions?.find((c) => c.type === REVERT_CONDITION)).toBeUndefined();
  });

  it('leaves a VM whose revert task failed marked as reverting, its reconciles stopped, until the mark goes', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    await f.createSnapshot('s', { vmName: 'vm1' });
    await f.settle();
    f.vsphere.interceptor.add({
      method: 'RevertToSnapshot_Task',
      fault: { _type: 'SystemError', reason: 'injected' },
    });
    await f.edit(f.vmRef('vm1'), (vm) => ({
      ...vm,
      spec: { ...(vm.spec as object), currentSnapshotName: 's' },
    }));
    await f.settle();
    let vm = await f.vm('vm1');
    expect(vm.metadata.annotations?.[REVERT_IN_PROGRESS_ANNOTATION]).toBe('');
    expect(brief(vm.status?.conditions, REVERT_CONDITION)).toEqual({
      status: 'False',
      reason: 'VirtualMachineSnapshotRevertTaskFailed',
      message: '',
    });
    // Stopped: a power-off asked for now is not made.
    f.vsphere.interceptor.clear();
    await f.edit(f.vmRef('vm1'), (v) => ({
      ...v,
      spec: { ...(v.spec as object), powerState: 'PoweredOff' },
    }));
    await f.advance(60_000);
    expect((await f.record('vm1')).powerState).toBe('poweredOn');
    // Nor does the revert asked for no more change its condition, while the mark stays.
    await f.edit(f.vmRef('vm1'), (v) => {
      const { currentSnapshotName: _, ...spec } = v.spec as { currentSnapshotName?: string };
      return { ...v, spec };
    });
    await f.advance(60_000);
    expect(brief((await f.vm('vm1')).status?.conditions, REVERT_CONDITION)?.reason).toBe(
      'VirtualMachineSnapshotRevertTaskFailed',
    );
    await f.edit(f.vmRef('vm1'), (v) => ({
      ...v,
      spec: { ...(v.spec as object), currentSnapshotName: 's' },
    }));
    // An administrator removes the mark: the revert is made (to a snapshot of a running VM
    // without memory: powered off).
    await f.edit(f.vmRef('vm1'), (v) => {
      const { [REVERT_IN_PROGRESS_ANNOTATION]: _, ...annotations } = v.metadata.annotations ?? {};
      return { ...v, metadata: { ...v.metadata, annotations } };
    });
    await f.settle();
    vm = await f.vm('vm1');
    expect(vm.spec?.currentSnapshotName).toBeUndefined();
    expect(vm.status?.currentSnapshot).toEqual({ type: 'Managed', name: 's' });
    expect((await f.record('vm1')).powerState).toBe('poweredOff');
  });

  it('with realistic timing, marks a snapshot in progress while vSphere takes it', async () => {
    const f = await setup({ timing: 'realistic' });
    await f.createVm('vm1');
    await f.advance(120_000);
    await f.createSnapshot('s', { vmName: 'vm1' });
    await f.settle();
    await f.advance(1);
    const pending = await f.snapshot('s');
    expect(brief(pending?.status?.conditions, 'VirtualMachineSnapshotReady')?.status).toBe('False');
    await f.advance(60_000);
    expect(brief((await f.snapshot('s'))?.status?.conditions, 'VirtualMachineSnapshotReady')?.status).toBe(
      'True',
    );
  });
});
