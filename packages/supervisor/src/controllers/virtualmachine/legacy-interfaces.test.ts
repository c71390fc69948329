import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { NET_OPERATOR_API_VERSION } from '../net-operator/index.js';

const NIC = { apiVersion: NET_OPERATOR_API_VERSION, kind: 'NetworkInterface' } as const;

describe("a VM's NetworkInterfaces of vm-operator's v1alpha1 names", () => {
  it('keeps an interface named `<network>-<vm>`, as vm-operator looks for it first, and makes none beside it', async () => {
    const f = await createNamespaceFixture();
    // A VM of vm-operator's v1alpha1 days: its interface named after its network and itself.
    await f.kube.create({
      ...NIC,
      metadata: { name: 'primary-vm1', namespace: 'ns1' },
      spec: { networkName: 'primary', type: 'vmxnet3' },
    });
    await f.settle();
    await f.createVm('vm1', {
      network: { interfaces: [{ name: 'eth0', network: { kind: 'Network', name: 'primary' } }] },
    });
    await f.settle();
    const vm = (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
    expect(vm.status?.network?.primaryIP4).toBeTruthy();
    const nics = (await f.kube.list({ ...NIC, namespace: 'ns1' })).items;
    expect(nics.map((n) => n.metadata.name)).toEqual(['primary-vm1']);
    expect(nics[0]?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'VirtualMachine',
        name: 'vm1',
        uid: vm.metadata.uid,
        controller: true,
      }),
    ]);
    // A VM of today gets the name vm-operator gives new interfaces.
    await f.createVm('vm2', {
      network: { interfaces: [{ name: 'eth0', network: { kind: 'Network', name: 'primary' } }] },
    });
    await f.settle();
    expect((await f.kube.list({ ...NIC, namespace: 'ns1' })).items.map((n) => n.metadata.name)).toEqual([
      'primary-vm1',
      'vm2-primary-eth0',
    ]);
  });
});
