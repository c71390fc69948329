import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

let sim: Simulator;
afterEach(() => sim.close());

const vm = (apiVersion: string, name: string) => ({
  apiVersion,
  kind: 'VirtualMachine',
  metadata: { name, namespace: 'default', labels: { role: 'worker' } },
  spec: {
    className: 'best-effort-small',
    imageName: 'ubuntu',
    powerState: 'PoweredOn',
    storageClass: 'fast',
  },
});

describe('sim.kube', () => {
  it('serves vm-operator kinds in every version from one stored hub object', async () => {
    sim = await createSimulator({ seed: 1 });
    const created = await sim.kube.create(vm('vmoperator.vmware.com/v1alpha2', 'w0'));
    expect(created.apiVersion).toBe('vmoperator.vmware.com/v1alpha2');
    const ref = {
      apiVersion: 'vmoperator.vmware.com/v1alpha2',
      kind: 'VirtualMachine',
      namespace: 'default',
      name: 'w0',
    };
    expect((await sim.kube.get(ref)).spec).toEqual(created.spec);
    const hub = await sim.kube.get({ ...ref, apiVersion: 'vmoperator.vmware.com/v1alpha6' });
    expect(hub.apiVersion).toBe('vmoperator.vmware.com/v1alpha6');
    expect(hub.metadata.uid).toBe(created.metadata.uid);
    const v5 = await sim.kube.get({ ...ref, apiVersion: 'vmoperator.vmware.com/v1alpha5' });
    expect(v5.spec).toMatchObject({ className: 'best-effort-small', powerState: 'PoweredOn' });
  });

  it('refuses a stale update with 409 Conflict and lists by label', async () => {
    sim = await createSimulator({ seed: 1 });
    const created = await sim.kube.create(vm('vmoperator.vmware.com/v1alpha5', 'w1'));
    const spec = created.spec as Record<string, unknown>;
    await sim.kube.update({ ...created, spec: { ...spec, powerState: 'PoweredOff' } });
    await expect(
      sim.kube.update({ ...created, spec: { ...spec, powerState: 'Suspended' } }),
    ).rejects.toMatchObject({
      code: 409,
      reason: 'Conflict',
    });
    const list = await sim.kube.list({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachine',
      labelSelector: 'role=worker',
    });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['w1']);
  });
});
