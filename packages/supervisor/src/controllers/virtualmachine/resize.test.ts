import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { LAST_RESIZED_ANNOTATION, SAME_CLASS_RESIZE_ANNOTATION } from '../../api/resize.js';
import type { Condition, VirtualMachine } from '../../api/types.js';
import type { KubeError } from '../../store/errors.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';
const SYNCED = 'VirtualMachineClassConfigurationSynced';

async function setup(
  vmResize: boolean,
  timing: 'instant' | 'realistic' = 'instant',
  capabilities: { vmResizeCpuMemory?: boolean } = {},
) {
  const f = await createNamespaceFixture({ capabilities: { vmResize, ...capabilities }, timing });
  const classRef = (name: string) => ({
    apiVersion: HUB,
    kind: 'VirtualMachineClass',
    namespace: 'ns1',
    name,
  });
  /** A class of the namespace. */
  const createClass = (name: string, spec: Record<string, unknown>) =>
    f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachineClass',
      metadata: { name, namespace: 'ns1' },
      spec,
    });
  const vm = async () => (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
  const record = async () => f.vsphere.store.get((await vm()).status?.uniqueID ?? '') as VmRecord;
  const patch = (change: Record<string, unknown>) => f.kube.patch(f.vmRef('vm1'), change, { type: 'merge' });
  /** An edit of the small class: 4 CPUs. */
  const editSmallClass = async () => {
    const small = await f.kube.get(classRef('best-effort-small'));
    const spec = small.spec as { hardware: { cpus: number; memory: string } };
    await f.kube.update({
      ...small,
      spec: { ...spec, hardware: { ...spec.hardware, cpus: 4 } },
    } as KubeObject);
    await f.settle();
  };
  const synced = async () => {
    const c = (await vm()).status?.conditions?.find((x: Condition) => x.type === SYNCED);
    return c && `${c.status} ${c.reason}`;
  };
  return { ...f, classRef, createClass, vm, record, patch, editSmallClass, synced };
}

describe('VM resize (the VMResize capability)', () => {
  it('records the class a VM is made at, and resizes it to a new class once it is powered off', async () => {
    const f = await setup(true);
    await f.createVm('vm1');
    await f.settle();
    const small = await f.kube.get(f.classRef('best-effort-small'));
    expect(JSON.parse((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '')).toEqual({
      name: 'best-effort-small',
      uid: small.metadata.uid,
      generation: small.metadata.generation,
    });
    expect(await f.synced()).toBe('True True');

    await f.patch({ spec: { className: 'best-effort-medium' } });
    await f.settle();
    // Powered on: not resized yet, and the status still names the class it is sized to.
    expect((await f.record()).config.memoryMB).toBe(4096);
    expect((await f.vm()).status?.class?.name).toBe('best-effort-small');
    expect(await f.synced()).toBe('False ClassNameChanged');

    await f.patch({ spec: { powerState: 'PoweredOff' } });
    await f.settle();
    expect((await f.record()).config.memoryMB).toBe(8192);
    const vm = await f.vm();
    expect(JSON.parse(vm.metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '').name).toBe(
      'best-effort-medium',
    );
    expect(vm.status?.class?.name).toBe('best-effort-medium');
    expect(await f.synced()).toBe('True True');
  });

  it('waits for a class that does not exist yet, keeping the mark of the one it had', async () => {
    const f = await setup(true);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    await f.patch({ spec: { className: 'custom' } });
    await f.advance(60_000);
    expect(JSON.parse((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '').name).toBe(
      'best-effort-small',
    );
    expect((await f.record()).config.numCPU).toBe(2);
    const large = await f.kube.get(f.classRef('best-effort-large'));
    await f.kube.create({ ...large, metadata: { name: 'custom', namespace: 'ns1' } } as KubeObject);
    await f.settle();
    expect((await f.record()).config.numCPU).toBe(4);
    expect((await f.vm()).status?.class?.name).toBe('custom');
    expect(await f.synced()).toBe('True True');
  });

  it('marks a VM with its class when it is made, however long the deployment takes', async () => {
    const f = await setup(true, 'realistic');
    await f.createVm('vm1');
    await f.advance(120_000);
    const vm = await f.vm();
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect(JSON.parse(vm.metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '').name).toBe(
      'best-effort-small',
    );
    expect(vm.status?.class?.name).toBe('best-effort-small');
  });

  it('resizes for an edit of the class only with the same-class annotation', async () => {
    const f = await setup(true);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    await f.editSmallClass();
    expect((await f.record()).config.numCPU).toBe(2);
    expect(await f.synced()).toBe('False ClassUpdated');
    await f.patch({ metadata: { annotations: { [SAME_CLASS_RESIZE_ANNOTATION]: '' } } });
    await f.settle();
    expect((await f.record()).config.numCPU).toBe(4);
    expect(await f.synced()).toBe('True True');
  });

  it("without it, a VM's class stays, and an edit of its class resizes a powered-off VM", async () => {
    const f = await setup(false);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    const refused = await f.patch({ spec: { className: 'best-effort-medium' } }).catch((e: KubeError) => e);
    expect((refused as KubeError).message).toContain(
      'spec.className: Invalid value: "best-effort-medium": field is immutable',
    );
    expect((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION]).toBeUndefined();
    expect(await f.synced()).toBeUndefined();
    await f.editSmallClass();
    expect((await f.record()).config.numCPU).toBe(4);
  });

  it('marks a VM made before the capability with its old class when its class name changes', async () => {
    const f = await setup(true);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    // As a VM made before: without the annotation.
    await f.patch({ metadata: { annotations: { [LAST_RESIZED_ANNOTATION]: null } } });
    await f.settle();
    expect(await f.synced()).toBe('True True');
    await f.patch({ spec: { className: 'best-effort-large' } });
    expect(JSON.parse((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '')).toEqual({
      name: 'best-effort-small',
    });
    await f.settle();
    expect((await f.record()).config.numCPU).toBe(4);
    expect(await f.synced()).toBe('True True');
  });

  it("resizes to a new class's config spec as a whole: cores, hot plug flags, latency, extra config and allocations", async () => {
    const f = await setup(true);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    await f.createClass('tuned', {
      hardware: { cpus: 4, memory: '4Gi' },
      policies: { resources: { requests: { cpu: '1' } } },
      configSpec: {
        _typeName: 'VirtualMachineConfigSpec',
        numCoresPerSocket: 2,
        cpuHotAddEnabled: true,
        latencySensitivity: { _typeName: 'LatencySensitivity', level: 'high' },
        extraConfig: [{ _typeName: 'OptionValue', key: 'sched.mem.pin', value: 'TRUE' }],
      },
    });
    await f.patch({ spec: { className: 'tuned' } });
    await f.settle();
    const config = (await f.record()).config;
    expect(config).toMatchObject({
      numCPU: 4,
      numCoresPerSocket: 2,
      cpuHotAddEnabled: true,
      cpuHotRemoveEnabled: false,
      latencySensitivity: { level: 'high' },
      cpuAllocation: { reservation: 2294 },
    });
    expect(config.extraConfig).toContainEqual({ key: 'sched.mem.pin', value: 'TRUE' });
    // The VM's own options stay, and the provider's are left alone.
    expect(config.extraConfig).toContainEqual({ key: 'vmservice.namespacedName', value: 'ns1/vm1' });
    expect(config.extraConfig).toContainEqual({ key: 'disk.enableUUID', value: 'TRUE' });
    expect(await f.synced()).toBe('True True');
  });

  it('fails a resize to a class whose config spec does not decode, leaving the VM and its mark, until the class is fixed', async () => {
    const f = await setup(true);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    await f.createClass('broken', {
      hardware: { cpus: 4, memory: '4Gi' },
      configSpec: { extraConfig: [{ value: 'no key' }] },
    });
    await f.patch({ spec: { className: 'broken' } });
    await f.settle();
    expect((await f.record()).config.numCPU).toBe(2);
    const mark = async () =>
      JSON.parse((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '{}').name;
    expect(await mark()).toBe('best-effort-small');
    await f.kube.patch(
      f.classRef('broken'),
      { spec: { configSpec: { extraConfig: null, numCoresPerSocket: 2 } } },
      { type: 'merge' },
    );
    await f.settle();
    expect((await f.record()).config).toMatchObject({ numCPU: 4, numCoresPerSocket: 2 });
    expect(await mark()).toBe('broken');
  });

  it("adds and removes PCI passthrough devices to match a new class's, as vm-operator matches their backings", async () => {
    const f = await setup(true);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    const gpuClass = (name: string, devices: Record<string, unknown>) =>
      f.createClass(name, { hardware: { cpus: 2, memory: '4Gi', devices } });
    const t4 = { profileName: 'grid_t4-2q' };
    const a100 = { vendorID: 0x10de, deviceID: 0x20b0, customLabel: 'a100' };
    // A list keyed by profile: two vGPUs of one profile are a class's config spec's to give.
    await gpuClass('two-t4', { vgpuDevices: [t4, { profileName: 'grid_t4-4q' }] });
    await gpuClass('t4-and-a100', { vgpuDevices: [t4], dynamicDirectPathIODevices: [a100] });
    const pci = async () =>
      (await f.record()).config.devices
        .filter((d) => d._type === 'VirtualPCIPassthrough')
        .map((d) => {
          const backing = d.backing as { vgpu?: string; customLabel?: string };
          return `${d.key} ${backing.vgpu ?? backing.customLabel}`;
        });
    const mmio = async () =>
      (await f.record()).config.extraConfig
        .filter((o) => o.key.startsWith('pciPassthru.'))
        .map((o) => o.value);
    await f.patch({ spec: { className: 'two-t4' } });
    await f.settle();
    expect(await pci()).toEqual(['13000 grid_t4-2q', '13001 grid_t4-4q']);
    // The MMIO window the devices need, as a VM made with them gets it.
    expect(await mmio()).toEqual(['512', 'TRUE']);
    // One vGPU matches and stays (its key with it); the other goes, and the DirectPath device comes.
    await f.patch({ spec: { className: 't4-and-a100' } });
    await f.settle();
    expect(await pci()).toEqual(['13000 grid_t4-2q', '13002 a100']);
    expect(await f.synced()).toBe('True True');
    // A class without devices takes them all away.
    await f.patch({ spec: { className: 'best-effort-small' } });
    await f.settle();
    expect(await pci()).toEqual([]);
  });

  it('with VMResizeCPUMemory alone, resizes the CPUs, memory and allocations, not the rest of the config spec', async () => {
    const f = await setup(false, 'instant', { vmResizeCpuMemory: true });
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    await f.createClass('tuned', {
      hardware: { cpus: 4, memory: '8Gi' },
      policies: { resources: { requests: { memory: '8Gi' } } },
      configSpec: { _typeName: 'VirtualMachineConfigSpec', numCoresPerSocket: 2, cpuHotAddEnabled: true },
    });
    // The class name may change, as with VMResize; an edit of the class it had resizes nothing.
    await f.editSmallClass();
    expect((await f.record()).config.numCPU).toBe(2);
    await f.patch({ spec: { className: 'tuned' } });
    await f.settle();
    expect((await f.record()).config).toMatchObject({
      numCPU: 4,
      memoryMB: 8192,
      memoryAllocation: { reservation: 8192 },
      numCoresPerSocket: 1,
      cpuHotAddEnabled: false,
    });
    expect(JSON.parse((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '{}').name).toBe(
      'tuned',
    );
    expect(await f.synced()).toBe('True True');
  });
});

describe('a resize vSphere refuses', () => {
  it('drops its error as vm-operator does: the VM stays as it was, unmarked, until a later pass resizes it', async () => {
    const f = await setup(true);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    const refuse = f.vsphere.interceptor.add({
      method: /^ReconfigVM_Task$/,
      fault: { _type: 'SystemError', reason: 'injected' },
    });
    const errors = f.supervisor.stats.errors;
    await f.patch({ spec: { className: 'best-effort-medium' } });
    await f.settle();
    expect((await f.record()).config.memoryMB).toBe(4096);
    expect(JSON.parse((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '').name).toBe(
      'best-effort-small',
    );
    // No pass failed: nothing brings the VM back until something changes.
    expect(f.supervisor.stats.errors).toBe(errors);
    refuse();
    await f.patch({ metadata: { labels: { tier: 'web' } } });
    await f.settle();
    expect((await f.record()).config.memoryMB).toBe(8192);
    expect(JSON.parse((await f.vm()).metadata.annotations?.[LAST_RESIZED_ANNOTATION] ?? '').name).toBe(
      'best-effort-medium',
    );
  });
});
