import { datacenterOf, type VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import { PROVIDER_CONFIG_MAP, VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import type { KubeObject } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import { findVsphereVm } from './find-vm.js';

const UUID = '42000000-0000-4000-8000-0000000000aa';

describe("finding a VirtualMachine's vSphere VM", () => {
  it("looks in the provider config's datacenter alone", async () => {
    const f = await createSupervisorFixture({ namespaces: ['ns1'], vsphere: { inventory: { dc: 2 } } });
    const vms = [...f.vsphere.store.ofKind<VmRecord>('VirtualMachine')];
    const dcOf = (vm: VmRecord) => datacenterOf(f.vsphere.store, vm.id)?.id as string;
    const config = f.kube.direct.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: VM_OPERATOR_NAMESPACE,
      name: PROVIDER_CONFIG_MAP,
    }) as unknown as KubeObject & { data: Record<string, string> };
    const supervisorDc = config.data.Datacenter;
    const inside = vms.find((vm) => dcOf(vm) === supervisorDc) as VmRecord;
    const outside = vms.find((vm) => dcOf(vm) !== supervisorDc) as VmRecord;
    // One VM of the UUID in each datacenter.
    for (const vm of [inside, outside]) {
      const task = f.vsphere.vm.reconfigure(vm.id, { instanceUuid: UUID });
      await f.settle();
      await task.wait();
    }
    const resource = {
      metadata: { name: 'vm', namespace: 'ns1', uid: 'u-1' },
      spec: { instanceUUID: UUID },
    } as VirtualMachine;
    expect(findVsphereVm(f.kube, f.vsphere, resource)?.id).toBe(inside.id);
    // A provider config that names no datacenter: every one is looked in.
    f.kube.direct.update({ ...config, data: { ...config.data, Datacenter: '' } });
    expect(() => findVsphereVm(f.kube, f.vsphere, resource)).toThrow(
      `found multiple VMs for instance UUID "${UUID}" (2)`,
    );
  });
});
