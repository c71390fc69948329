import { describe, expect, it } from 'vitest';
import type { Condition, VirtualMachine } from '../../api/types.js';
import { createNamespaceFixture } from '../../testing/fixture.js';

describe("a class's config spec in the create", () => {
  it('fails the create before placement when it cannot be read, as vm-operator reads it before placing', async () => {
    const f = await createNamespaceFixture({ events: true });
    await f.kube.create({
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachineClass',
      metadata: { name: 'bad', namespace: 'ns1' },
      spec: {
        hardware: { cpus: 2, memory: '4Gi' },
        configSpec: { _typeName: 'VirtualMachineConfigSpec', deviceChange: { operation: 'add' } },
      },
    });
    await f.createVm('vm1', { className: 'bad', bootstrap: { disabled: true } });
    await f.settle();
    const vm = (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
    const types = (vm.status?.conditions ?? []).map((c: Condition) => `${c.type} ${c.status}`);
    expect(types).toContain('VirtualMachineNetworkReady True');
    expect(types.some((t) => t.startsWith('VirtualMachineConditionPlacementReady'))).toBe(false);
    expect(vm.status?.uniqueID).toBeUndefined();
    const events = (await f.kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' })).items;
    expect(events.map((e) => e.message)).toContain('spec.configSpec.deviceChange: not a list');
  });
});
