import { describe, expect, it } from 'vitest';
import type { Condition, VirtualMachine, VirtualMachineReplicaSet } from '../../api/types.js';
import { REPLICA_SET_NAME_LABEL } from '../../api/vm-replicaset-validation.js';
import type { KubeError } from '../../store/errors.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { replicaSetLabelValue, VM_REPLICA_SET_FINALIZER } from './vm-replicaset.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';
const VALIDATING = 'default.validating.virtualmachinereplicaset.v1alpha6.vmoperator.vmware.com';

async function setup() {
  const f = await createNamespaceFixture();
  const setRef = (name: string) => ({
    apiVersion: HUB,
    kind: 'VirtualMachineReplicaSet',
    namespace: 'ns1',
    name,
  });
  const template = {
    metadata: { labels: { app: 'web', tier: 'front' }, annotations: { note: 'from the template' } },
    spec: {
      className: 'best-effort-small',
      image: { kind: 'VirtualMachineImage', name: f.image },
      storageClass: f.prepared.storageClass,
    },
  };
  const createSet = (
    name: string,
    spec: Partial<NonNullable<VirtualMachineReplicaSet['spec']>> = {},
    apiVersion = HUB,
  ) =>
    f.kube.create({
      apiVersion,
      kind: 'VirtualMachineReplicaSet',
      metadata: { name, namespace: 'ns1' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template, ...spec },
    });
  const set = async (name: string) =>
    (await f.find(setRef(name))) as unknown as VirtualMachineReplicaSet | undefined;
  const vms = async () =>
    (
      (await f.kube.list({ apiVersion: HUB, kind: 'VirtualMachine', namespace: 'ns1' }))
        .items as unknown as VirtualMachine[]
    )
      .filter((vm) => !vm.metadata.deletionTimestamp)
      .map((vm) => vm);
  const scale = async (name: string, replicas: number) =>
    f.kube.patch(setRef(name), { spec: { replicas } }, { type: 'merge' });
  return { ...f, setRef, template, createSet, set, vms, scale };
}

const brief = (conditions: readonly Condition[] | undefined, type: string) => {
  const c = conditions?.find((x) => x.type === type);
  return c && { status: c.status, reason: c.reason, message: c.message };
};

describe('VirtualMachineReplicaSet', () => {
  it('makes its replicas of the template, owns them, and reports them', async () => {
    const f = await setup();
    await f.createSet('web');
    await f.settle();
    const set = await f.set('web');
    const vms = await f.vms();
    expect(set?.metadata.finalizers).toEqual([VM_REPLICA_SET_FINALIZER]);
    expect(vms).toHaveLength(3);
    for (const vm of vms) {
      expect(vm.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(vm.metadata.labels).toMatchObject({
        app: 'web',
        tier: 'front',
        [REPLICA_SET_NAME_LABEL]: 'web',
      });
      expect(vm.metadata.annotations?.note).toBe('from the template');
      expect(vm.metadata.ownerReferences).toEqual([
        {
          apiVersion: HUB,
          kind: 'VirtualMachineReplicaSet',
          name: 'web',
          uid: set?.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      // Each is a VM as any other: deployed and powered on.
      expect(vm.status?.powerState).toBe('PoweredOn');
    }
    expect(set?.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      observedGeneration: set?.metadata.generation,
    });
    expect(brief(set?.status?.conditions, 'Resized')).toEqual({
      status: 'True',
      reason: 'True',
      message: '',
    });
    expect(brief(set?.status?.conditions, 'VirtualMachinesCreated')?.status).toBe('True');
  });

  it('scales down (by name) and up, through its spec or its scale subresource; deleted, takes its VMs with it', async () => {
    const f = await setup();
    await f.createSet('web');
    await f.settle();
    const names = (await f.vms()).map((vm) => vm.metadata.name as string).sort();
    await f.scale('web', 1);
    await f.settle();
    expect((await f.vms()).map((vm) => vm.metadata.name)).toEqual([names[2]]);
    expect((await f.set('web'))?.status?.replicas).toBe(1);
    // As `kubectl scale` does it, in any served version.
    const v5 = { ...f.setRef('web'), apiVersion: 'vmoperator.vmware.com/v1alpha5' };
    const scale = await f.kube.getScale(v5);
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 1 } });
    await f.kube.updateScale(v5, { ...scale, spec: { replicas: 2 } });
    await f.settle();
    expect(await f.vms()).toHaveLength(2);
    expect((await f.kube.getScale(v5)).status.replicas).toBe(2);
    // Scaling up only adds, and a replica deleted by hand is only replaced: the others stay.
    const two = (await f.vms()).map((vm) => vm.metadata.name as string);
    await f.scale('web', 4);
    await f.settle();
    const four = (await f.vms()).map((vm) => vm.metadata.name as string);
    expect(four).toHaveLength(4);
    expect(four).toEqual(expect.arrayContaining(two));
    await f.kube.delete({ ...f.setRef('web'), kind: 'VirtualMachine', name: two[0] as string });
    await f.settle();
    const replaced = (await f.vms()).map((vm) => vm.metadata.name as string);
    expect(replaced).toHaveLength(4);
    expect(replaced).toEqual(expect.arrayContaining(four.filter((name) => name !== two[0])));
    await f.scale('web', 2);
    await f.settle();
    const records = () =>
      [...f.vsphere.store.ofKind('VirtualMachine')].filter((r) => r.name.startsWith('web-'));
    expect(records()).toHaveLength(2);
    await f.kube.delete(f.setRef('web'));
    await f.settle();
    expect(await f.set('web')).toBeUndefined();
    expect(await f.vms()).toEqual([]);
    expect(records()).toEqual([]);
  });

  it('writes no count of none but its replicas, as Go leaves empty fields out', async () => {
    const f = await setup();
    await f.createSet('web', { replicas: 0 });
    await f.settle();
    const status = (await f.set('web'))?.status;
    expect(status).toMatchObject({ replicas: 0 });
    expect(status).not.toHaveProperty('readyReplicas');
    expect(status).not.toHaveProperty('fullyLabeledReplicas');
  });

  it("adopts an orphan its selector picks, and leaves another's VM alone", async () => {
    const f = await setup();
    await f.createVm('orphan', {}, { app: 'web' });
    await f.createSet('other', {
      selector: { matchLabels: { app: 'other' } },
      replicas: 1,
      template: {
        ...f.template,
        metadata: { labels: { app: 'other' } },
      },
    });
    await f.settle();
    await f.createSet('web', { replicas: 2 });
    await f.settle();
    const vms = await f.vms();
    const orphan = vms.find((vm) => vm.metadata.name === 'orphan');
    expect(orphan?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'VirtualMachineReplicaSet',
      name: 'web',
    });
    expect(orphan?.metadata.labels?.[REPLICA_SET_NAME_LABEL]).toBe('web');
    expect(vms.filter((vm) => vm.metadata.labels?.[REPLICA_SET_NAME_LABEL] === 'web')).toHaveLength(2);
    // The orphan lacks the template's `tier` label: it counts, but not as fully labeled.
    expect((await f.set('web'))?.status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 1 });
    expect(vms.filter((vm) => vm.metadata.labels?.[REPLICA_SET_NAME_LABEL] === 'other')).toHaveLength(1);
  });

  it('reports a replica it cannot create', async () => {
    const f = await setup();
    await f.createSet('web', { template: { ...f.template, spec: { ...f.template.spec, className: '' } } });
    await f.settle();
    const set = await f.set('web');
    expect(brief(set?.status?.conditions, 'VirtualMachinesCreated')).toEqual({
      status: 'False',
      reason: 'VirtualMachineCreationFailed',
      message: expect.stringContaining('spec.className: Required value'),
    });
    expect(brief(set?.status?.conditions, 'Resized')).toEqual({
      status: 'False',
      reason: 'ScalingUp',
      message: 'Scaling up VirtualMachineReplicaSet to 3 replicas (currentReplicas 0)',
    });
    expect(String(f.supervisor.replicaSets.errorOf('ns1/web'))).toContain(
      'failed to sync VirtualMachineReplicaSet replicas',
    );
  });

  it('labels with a hash a name that is no label value', () => {
    expect(replicaSetLabelValue('web')).toBe('web');
    const long = `web-${'a'.repeat(70)}`;
    expect(replicaSetLabelValue(long)).toMatch(/^hash_[A-Za-z0-9_-]{6}_z$/);
    expect(replicaSetLabelValue(long)).toBe(replicaSetLabelValue(long));
  });
});

describe('VirtualMachineReplicaSet webhooks and versions', () => {
  it('needs a selector that picks the template (none picks nothing), defaults one replica, and is served from v1alpha3', async () => {
    const f = await setup();
    const refused = (write: Promise<unknown>) =>
      write.then(
        () => undefined,
        (error: KubeError) => error,
      );
    const mismatch = await refused(f.createSet('a', { selector: { matchLabels: { app: 'db' } } }));
    expect(mismatch?.message).toBe(
      `admission webhook "${VALIDATING}" denied the request: spec.template.metadata.labels: Invalid value: {"app":"web","tier":"front"}: must match spec.selector "app=db"`,
    );
    const none = await refused(
      f.kube.create({
        apiVersion: HUB,
        kind: 'VirtualMachineReplicaSet',
        metadata: { name: 'b', namespace: 'ns1' },
        spec: { template: f.template },
      } as KubeObject),
    );
    expect(none?.message).toBe(
      `admission webhook "${VALIDATING}" denied the request: spec.template.metadata.labels: Invalid value: {"app":"web","tier":"front"}: must match spec.selector ""`,
    );
    const made = (await f.kube.create({
      apiVersion: 'vmoperator.vmware.com/v1alpha3',
      kind: 'VirtualMachineReplicaSet',
      metadata: { name: 'c', namespace: 'ns1' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: f.template },
    })) as unknown as VirtualMachineReplicaSet;
    expect(made.spec?.replicas).toBe(1);
    expect(made.apiVersion).toBe('vmoperator.vmware.com/v1alpha3');
    const v2 = await refused(f.createSet('d', {}, 'vmoperator.vmware.com/v1alpha2'));
    expect(v2?.code).toBe(404);
  });

  it("holds its template to the VM schema's rules when it is written, before its webhook", async () => {
    const f = await setup();
    const template = (spec: Record<string, unknown>) => ({
      ...f.template,
      spec: { ...f.template.spec, ...spec },
    });
    const error = await f
      .createSet('e', { template: template({ powerState: 'On', minHardwareVersion: 11 }) })
      .then(
        () => undefined,
        (e: KubeError) => e,
      );
    expect(error?.code).toBe(422);
    expect(error?.message).toBe(
      'VirtualMachineReplicaSet.vmoperator.vmware.com "e" is invalid: [spec.template.spec.powerState: Unsupported value: "On": supported values: "PoweredOff", "PoweredOn", "Suspended", spec.template.spec.minHardwareVersion: Invalid value: 11: spec.template.spec.minHardwareVersion in body should be greater than or equal to 13, <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    );
    expect(await f.set('e')).toBeUndefined();
    // Its replicas are checked beside the schema, whatever else is wrong.
    const negative = await f.createSet('n', { replicas: -1, template: template({ powerState: 'On' }) }).then(
      () => undefined,
      (e: KubeError) => e.status.details?.causes?.map((c) => c.field),
    );
    expect(negative).toEqual(['spec.template.spec.powerState', '.spec.replicas', '<nil>']);
    // And to its CEL rules, once nothing else is wrong.
    const milli = await f
      .createSet('m', { template: template({ resources: { limits: { cpu: '100m' } } }) })
      .then(
        () => undefined,
        (e: KubeError) => e.message,
      );
    expect(milli).toBe(
      `VirtualMachineReplicaSet.vmoperator.vmware.com "m" is invalid: spec.template.spec.resources.limits.cpu: Invalid value: "": CPU must be a whole number (e.g. '4' for vCPUs or '2000' for 2000 MHz). The 'm' (milli) suffix is not supported.`,
    );
    await f.createSet('f', { template: template({ powerState: 'PoweredOff', minHardwareVersion: 13 }) });
    expect((await f.set('f'))?.spec?.template?.spec?.powerState).toBe('PoweredOff');
  });
});
