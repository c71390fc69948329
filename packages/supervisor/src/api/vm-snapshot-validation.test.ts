import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { KubeError } from '../store/errors.js';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import { registerVmOperatorKinds } from '../vm-operator-kinds.js';
import type { VirtualMachine, VirtualMachineSnapshot } from './types.js';
import { VM_NAME_FOR_SNAPSHOT_LABEL } from './vm-snapshot-validation.js';

const V6 = 'vmoperator.vmware.com/v1alpha6';
const VALIDATING = 'default.validating.virtualmachinesnapshot.v1alpha6.vmoperator.vmware.com';
const VM_VALIDATING = 'default.validating.virtualmachine.v1alpha6.vmoperator.vmware.com';

const setup = () => {
  const kube = new KubeStore({ clock: new VirtualClock(0), random: new Random(1) }, { namespaces: ['ns1'] });
  registerVmOperatorKinds(kube, { defaultNetwork: null });
  const snapshot = (name: string, spec: VirtualMachineSnapshot['spec'], labels?: Record<string, string>) =>
    ({
      apiVersion: V6,
      kind: 'VirtualMachineSnapshot',
      metadata: { name, namespace: 'ns1', ...(labels ? { labels } : {}) },
      spec,
    }) as KubeObject;
  const vm = (name: string, labels: Record<string, string> = {}, spec: VirtualMachine['spec'] = {}) =>
    kube.create({
      apiVersion: V6,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1', labels },
      spec: { className: 'c', image: { kind: 'VirtualMachineImage', name: 'i' }, ...spec },
    }) as unknown as Promise<VirtualMachine>;
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => {
        throw new Error('the write was admitted');
      },
      (error: KubeError) => error,
    );
  return { kube, snapshot, vm, refusal };
};

describe('VirtualMachineSnapshot webhooks', () => {
  it('is served as v1alpha5 and v1alpha6 only, and labelled with its VM', async () => {
    const { kube, snapshot } = setup();
    const made = (await kube.create(snapshot('s1', { vmName: 'vm1' }))) as unknown as VirtualMachineSnapshot;
    expect(made.metadata.labels).toEqual({ [VM_NAME_FOR_SNAPSHOT_LABEL]: 'vm1' });
    const v5 = await kube.get({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachineSnapshot',
      namespace: 'ns1',
      name: 's1',
    });
    expect(v5.spec).toEqual({ vmName: 'vm1' });
    const old = await kube
      .get({
        apiVersion: 'vmoperator.vmware.com/v1alpha4',
        kind: 'VirtualMachineSnapshot',
        namespace: 'ns1',
        name: 's1',
      })
      .catch((error: KubeError) => error);
    expect((old as KubeError).code).toBe(404);
  });

  it('requires vmName and a label that matches it', async () => {
    const { kube, snapshot, refusal } = setup();
    const missing = await refusal(kube.create(snapshot('s1', {})));
    expect(missing.message).toBe(
      `admission webhook "${VALIDATING}" denied the request: spec.vmName: Required value: vmName must be provided`,
    );
    const mismatch = await refusal(
      kube.create(snapshot('s2', { vmName: 'vm1' }, { [VM_NAME_FOR_SNAPSHOT_LABEL]: 'vm2' })),
    );
    expect(mismatch.message).toContain(
      `metadata.labels[${VM_NAME_FOR_SNAPSHOT_LABEL}]: Invalid value: "vm2": must match spec.vmName "vm1"`,
    );
  });

  it('refuses a VKS node and a VM whose SCSI controller shares its bus; a missing VM passes', async () => {
    const { kube, snapshot, vm, refusal } = setup();
    await vm('node', { 'capv.vmware.com/cluster.role': 'node' });
    await vm('shared', {}, { hardware: { scsiControllers: [{ busNumber: 1, sharingMode: 'Physical' }] } });
    expect((await refusal(kube.create(snapshot('s1', { vmName: 'node' })))).message).toContain(
      'spec.vmName: Forbidden: snapshots are not allowed for VKS/TKG nodes',
    );
    expect((await refusal(kube.create(snapshot('s2', { vmName: 'shared' })))).message).toContain(
      'spec.vmName: Unsupported value: "controller type SCSIControllers bus 1 is using unsupported sharingMode for snapshot: Physical": supported values: "None"',
    );
    await expect(kube.create(snapshot('s3', { vmName: 'later' }))).resolves.toBeDefined();
  });

  it('fails the mutating webhook on a quiesce timeout that is no duration, as Go cannot decode the snapshot', async () => {
    const { kube, snapshot, refusal } = setup();
    const failed = await refusal(
      kube.create(snapshot('s1', { vmName: 'vm1', quiesce: { timeout: '10min' } })),
    );
    expect(failed.status).toMatchObject({ code: 500 });
    expect(failed.message).toBe(
      'admission webhook "default.mutating.virtualmachinesnapshot.v1alpha6.vmoperator.vmware.com" denied the request: time: unknown unit "min" in duration "10min"',
    );
    await expect(
      kube.create(snapshot('s2', { vmName: 'vm1', quiesce: { timeout: '10m' } })),
    ).resolves.toBeDefined();
  });

  it('keeps memory, quiesce and vmName as created', async () => {
    const { kube, snapshot, refusal } = setup();
    const made = await kube.create(snapshot('s1', { vmName: 'vm1', quiesce: { timeout: '10m' } }));
    const change = (spec: VirtualMachineSnapshot['spec']) => refusal(kube.update({ ...made, spec }));
    expect((await change({ vmName: 'vm1', quiesce: { timeout: '10m' }, memory: true })).message).toContain(
      'spec.memory: Invalid value: true: field is immutable',
    );
    expect((await change({ vmName: 'vm1' })).message).toContain(
      'spec.quiesce: Invalid value: null: field is immutable',
    );
    expect((await change({ vmName: 'vm2', quiesce: { timeout: '10m' } })).message).toContain(
      'spec.vmName: Invalid value: "vm2": field is immutable',
    );
    await expect(
      kube.update({
        ...made,
        spec: { vmName: 'vm1', quiesce: { timeout: '10m' }, description: 'now described' },
      }),
    ).resolves.toBeDefined();
  });
});

describe("VirtualMachine's spec.currentSnapshotName", () => {
  it('is refused on create, blank, while another revert is asked for, and for a VKS node', async () => {
    const { kube, vm, refusal } = setup();
    const created = refusal(vm('vm0', {}, { currentSnapshotName: 's1' }));
    expect((await created).message).toBe(
      `admission webhook "${VM_VALIDATING}" denied the request: spec.currentSnapshotName: Forbidden: creating VM with current snapshot is not allowed`,
    );
    const plain = await vm('vm1');
    const revert = (from: VirtualMachine, name: string) =>
      kube.update({ ...from, spec: { ...from.spec, currentSnapshotName: name } } as unknown as KubeObject);
    expect((await refusal(revert(plain, ' '))).message).toContain(
      'spec.currentSnapshotName: Invalid value: " ": currentSnapshotName cannot be empty',
    );
    const asked = (await revert(plain, 's1')) as unknown as VirtualMachine;
    expect((await refusal(revert(asked, 's2'))).message).toContain(
      'spec.currentSnapshotName: Forbidden: a snapshot revert is already in progress',
    );
    const node = await vm('node', { 'capw.vmware.com/cluster.role': 'node' });
    expect((await refusal(revert(node, 's1'))).message).toContain(
      'spec.currentSnapshotName: Forbidden: snapshot revert is not allowed for VKS nodes',
    );
  });
});
