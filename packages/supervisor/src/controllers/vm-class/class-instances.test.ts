import { describe, expect, it } from 'vitest';
import { LAST_RESIZED_ANNOTATION, LAST_RESIZED_INSTANCE_ANNOTATION } from '../../api/resize.js';
import type { VirtualMachine } from '../../api/types.js';
import { DEFAULT_VM_CLASS_NAMES } from '../../namespaces/vm-classes.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { VM_CLASS_CONTROLLER } from './class-instances.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';
const INSTANCE = { apiVersion: HUB, kind: 'VirtualMachineClassInstance' } as const;
const ACTIVE = 'vmoperator.vmware.com/active';

async function setup(capabilities = { immutableClasses: true, vmResize: true }) {
  const f = await createNamespaceFixture({ capabilities });
  const instancesOf = (vmClass: string) =>
    f.kube.direct
      .list(INSTANCE.apiVersion, INSTANCE.kind, 'ns1')
      .filter((i) => i.metadata.ownerReferences?.some((o) => o.name === vmClass));
  const activeOf = (vmClass: string) =>
    instancesOf(vmClass).find((i) => i.metadata.labels?.[ACTIVE] !== undefined)?.metadata.name;
  const getVm = (name: string) => f.kube.direct.get(f.vmRef(name)) as unknown as VirtualMachine;
  return { ...f, instancesOf, activeOf, getVm };
}

describe('VirtualMachineClassInstances (ImmutableClasses)', () => {
  it("keeps each class's configuration as an active instance the class controls", async () => {
    const f = await setup();
    const [instance, ...more] = f.instancesOf('best-effort-small');
    expect(more).toEqual([]);
    const vmClass = f.kube.direct.get({
      apiVersion: HUB,
      kind: 'VirtualMachineClass',
      namespace: 'ns1',
      name: 'best-effort-small',
    });
    const hash = instance?.metadata.annotations?.['vmoperator.vmware.com/vmclass-hash'];
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(instance?.metadata.name).toBe(`best-effort-small-${hash}`);
    expect(instance?.metadata.labels).toEqual({ [ACTIVE]: '' });
    expect(instance?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'VirtualMachineClass',
        name: 'best-effort-small',
        uid: vmClass?.metadata.uid,
        controller: true,
      }),
    ]);
    expect(instance?.spec).toEqual(vmClass?.spec);
    // The default classes carry a config spec of their size, which the hash is of.
    expect((vmClass?.spec as { configSpec?: unknown } | undefined)?.configSpec).toEqual({
      _typeName: 'VirtualMachineConfigSpec',
      numCPUs: 2,
      memoryMB: 4096,
    });
    // A change of the class is a new active instance; the one before stays, inactive.
    await f.supervisor.vmClasses.update('best-effort-small', (spec) => ({
      ...spec,
      configSpec: { _typeName: 'VirtualMachineConfigSpec', numCPUs: 2, memoryMB: 6144 },
    }));
    await f.settle();
    const instances = f.instancesOf('best-effort-small');
    expect(instances).toHaveLength(2);
    expect(f.activeOf('best-effort-small')).not.toBe(instance?.metadata.name);
    expect(
      instances.find((i) => i.metadata.name === instance?.metadata.name)?.metadata.labels,
    ).toBeUndefined();
    // Its first configuration back: the first instance active again, the second not.
    await f.supervisor.vmClasses.update('best-effort-small', (spec) => ({
      ...spec,
      configSpec: { _typeName: 'VirtualMachineConfigSpec', numCPUs: 2, memoryMB: 4096 },
    }));
    await f.settle();
    expect(f.activeOf('best-effort-small')).toBe(instance?.metadata.name);
    expect(
      f.instancesOf('best-effort-small').filter((i) => i.metadata.labels?.[ACTIVE] !== undefined),
    ).toHaveLength(1);
    // A class removed from the namespace takes its instances with it.
    await f.supervisor.updateNamespace('ns1', { classes: ['best-effort-medium'] });
    await f.settle();
    expect(f.instancesOf('best-effort-small')).toEqual([]);
    expect(f.activeOf('best-effort-medium')).toBeDefined();
  });

  it('refuses an update naming no instance, an inactive one or none that exists, and takes another of its class', async () => {
    const f = await setup();
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    const named = (name: string) => ({ spec: { class: { apiVersion: HUB, kind: INSTANCE.kind, name } } });
    await expect(f.kube.patch(f.vmRef('vm1'), named(''), { type: 'merge' })).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining('empty class instance name'),
    });
    const first = f.activeOf('best-effort-small') as string;
    await f.supervisor.vmClasses.update('best-effort-small', (spec) => ({
      ...spec,
      configSpec: { _typeName: 'VirtualMachineConfigSpec', numCPUs: 2, memoryMB: 2048 },
    }));
    await f.settle();
    const second = f.activeOf('best-effort-small') as string;
    // With className kept, the webhook checks no instance: any is taken (vm-operator's too).
    await f.kube.patch(f.vmRef('vm1'), named(second), { type: 'merge' });
    expect(f.getVm('vm1').spec?.class?.name).toBe(second);
    await f.kube.patch(f.vmRef('vm1'), named(first), { type: 'merge' });
    expect(f.getVm('vm1').spec?.class?.name).toBe(first);
    // A class name changed with an instance of another class, or an inactive one, is refused.
    const resized = (name: string) => ({
      spec: { className: 'best-effort-medium', class: { apiVersion: HUB, kind: INSTANCE.kind, name } },
    });
    await expect(f.kube.patch(f.vmRef('vm1'), resized(second), { type: 'merge' })).rejects.toMatchObject({
      code: 422,
    });
    await expect(f.kube.patch(f.vmRef('vm1'), resized('none'), { type: 'merge' })).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'must specify a valid reference to a VirtualMachineClassInstance object',
      ),
    });
    await f.kube.patch(f.vmRef('vm1'), resized(f.activeOf('best-effort-medium') as string), {
      type: 'merge',
    });
    expect(f.getVm('vm1').spec?.className).toBe('best-effort-medium');
  });

  it("names a new VM's class instance, and holds a VM to an active instance of its class", async () => {
    const f = await setup();
    await f.createVm('vm1');
    const active = f.activeOf('best-effort-small') as string;
    expect(f.getVm('vm1').spec?.class).toEqual({
      apiVersion: HUB,
      kind: 'VirtualMachineClassInstance',
      name: active,
    });
    // An instance alone: its class filled in.
    const { className: _, ...byInstance } = {
      className: '',
      class: { apiVersion: HUB, kind: INSTANCE.kind, name: active },
    };
    await f.createVm('vm2', { className: undefined, ...byInstance });
    expect(f.getVm('vm2').spec?.className).toBe('best-effort-small');
    await f.settle();
    expect(f.getVm('vm1').status?.powerState).toBe('PoweredOn');
    // Another class's instance, one that is no more active, one that does not exist.
    const other = f.activeOf('best-effort-medium') as string;
    await expect(
      f.createVm('vm3', { class: { apiVersion: HUB, kind: INSTANCE.kind, name: other } }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        `spec.class.name: Invalid value: "${other}": VirtualMachineClassInstance must be an instance of the VM Class specified by spec.class`,
      ),
    });
    // A description is no part of the configuration: the same instance, its spec rewritten.
    await f.supervisor.vmClasses.update('best-effort-small', (spec) => ({ ...spec, description: 'changed' }));
    await f.settle();
    expect(f.activeOf('best-effort-small')).toBe(active);
    expect(f.instancesOf('best-effort-small')[0]?.spec).toMatchObject({ description: 'changed' });
    await f.supervisor.vmClasses.update('best-effort-small', (spec) => ({
      ...spec,
      configSpec: { _typeName: 'VirtualMachineConfigSpec', numCPUs: 3, memoryMB: 4096 },
    }));
    await f.settle();
    await expect(
      f.createVm('vm4', {
        className: undefined,
        class: { apiVersion: HUB, kind: INSTANCE.kind, name: active },
      }),
    ).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining('must specify a VirtualMachineClassInstance that is active'),
    });
    await expect(
      f.createVm('vm5', { class: { apiVersion: HUB, kind: INSTANCE.kind, name: active } }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'must specify a reference to a VirtualMachineClassInstance object that is active',
      ),
    });
    await expect(
      f.createVm('vm6', {
        className: undefined,
        class: { apiVersion: HUB, kind: INSTANCE.kind, name: 'none' },
      }),
    ).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining('virtualmachineclassinstances.vmoperator.vmware.com "none" not found'),
    });
  });

  it("keeps a resize's new instance only when the webhook patches the VM for something else, as vm-operator's", async () => {
    const f = await setup();
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.createVm('vm2', { powerState: 'PoweredOff' });
    await f.settle();
    const before = f.getVm('vm1').spec?.class?.name;
    const resize = { spec: { className: 'best-effort-medium', class: null } };
    // The class resized from is marked at create: the webhook patches nothing, and its
    // resolution of the new class's instance is lost with the instance mark.
    await f.kube.patch(f.vmRef('vm1'), resize, { type: 'merge' });
    expect(f.getVm('vm1').spec?.class).toBeUndefined();
    expect(f.getVm('vm1').metadata.annotations?.[LAST_RESIZED_INSTANCE_ANNOTATION]).toBeUndefined();
    // A VM made before the capability has no mark: the webhook marks it, and keeps the rest.
    const stored = f.kube.direct.get(f.vmRef('vm2')) as KubeObject;
    const { [LAST_RESIZED_ANNOTATION]: _, ...annotations } = stored.metadata.annotations ?? {};
    f.kube.direct.update({ ...stored, metadata: { ...stored.metadata, annotations } });
    await f.kube.patch(f.vmRef('vm2'), resize, { type: 'merge' });
    const vm = f.getVm('vm2');
    expect(vm.spec?.class?.name).toBe(f.activeOf('best-effort-medium'));
    expect(vm.metadata.annotations?.[LAST_RESIZED_INSTANCE_ANNOTATION]).toBe(
      JSON.stringify({ name: before }),
    );
    // Naming the old class's instance with the new class is refused.
    await expect(
      f.kube.patch(
        f.vmRef('vm1'),
        {
          spec: {
            className: 'best-effort-large',
            class: { apiVersion: HUB, kind: INSTANCE.kind, name: before },
          },
        },
        { type: 'merge' },
      ),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('must be an instance of the VM Class specified by spec.class'),
    });
  });

  it("gives vCenter's new classes a config spec that follows their size", async () => {
    const f = await setup();
    f.supervisor.vmClasses.create({ name: 'custom', spec: { hardware: { cpus: 1, memory: '1Gi' } } });
    await f.supervisor.updateNamespace('ns1', { classes: [...DEFAULT_VM_CLASS_NAMES, 'custom'] });
    await f.settle();
    const first = f.activeOf('custom');
    expect(first).toBeDefined();
    await f.supervisor.vmClasses.update('custom', (spec) => ({
      ...spec,
      hardware: { cpus: 2, memory: '1Gi' },
    }));
    await f.settle();
    const vmClass = f.kube.direct.get({
      apiVersion: HUB,
      kind: 'VirtualMachineClass',
      namespace: 'ns1',
      name: 'custom',
    });
    expect((vmClass?.spec as { configSpec?: unknown } | undefined)?.configSpec).toEqual({
      _typeName: 'VirtualMachineConfigSpec',
      numCPUs: 2,
      memoryMB: 1024,
    });
    expect(f.activeOf('custom')).not.toBe(first);
  });

  it("fails a class without a config spec, as vm-operator's controller does", async () => {
    const f = await setup();
    await f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachineClass',
      metadata: { name: 'bare', namespace: 'ns1' },
      spec: { hardware: { cpus: 1, memory: '1Gi' } },
    } as KubeObject);
    await f.settle();
    expect(f.instancesOf('bare')).toEqual([]);
    const controller = f.supervisor.manager.controllers.find((c) => c.name === VM_CLASS_CONTROLLER);
    expect(String(controller?.errors.get('ns1/bare'))).toContain('bare configSpec is nil');
  });

  it('serves no instances without the capability, and leaves `spec.class` unread', async () => {
    const f = await setup({ immutableClasses: false, vmResize: false });
    await expect(f.kube.list({ ...INSTANCE, namespace: 'ns1' })).rejects.toMatchObject({ code: 404 });
    // As on a Supervisor upgraded to v1.10, whose CRD keeps the field (a fresh install's has none).
    const anything = { apiVersion: HUB, kind: INSTANCE.kind, name: 'anything' };
    await f.createVm('vm1', { class: anything });
    await f.settle();
    expect(f.getVm('vm1').spec?.class).toEqual(anything);
    expect(f.getVm('vm1').status?.powerState).toBe('PoweredOn');
  });
});
