import type { DatastoreRecord, VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import { storageQuotaKey } from '../../namespaces/layout.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { CONDITION } from './conditions.js';

/**
 * A namespace with storage classes on vSAN policies that reserve all, none or half of an
 * object's space, and one whose policy vSphere does not have.
 */
async function setup() {
  const f = await createNamespaceFixture();
  const classes: Record<string, string> = {
    'vsan-thick': f.vsphere.storagePolicies.create('vsan-thick', '', { proportionalCapacity: 100 }),
    'vsan-thin': f.vsphere.storagePolicies.create('vsan-thin', '', { proportionalCapacity: 0 }),
    'vsan-half': f.vsphere.storagePolicies.create('vsan-half', '', { proportionalCapacity: 50 }),
    unknown: '4d3c2b1a-0000-4000-8000-000000000000',
  };
  for (const [name, storagePolicyID] of Object.entries(classes))
    await f.kube.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name },
      provisioner: 'csi.vsphere.vmware.com',
      parameters: { storagePolicyID },
    });
  await f.kube.create({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'vsan', namespace: 'ns1' },
    spec: { hard: Object.fromEntries(Object.keys(classes).map((name) => [storageQuotaKey(name), '1Ei'])) },
  });
  const vm = async (name: string) => (await f.kube.get(f.vmRef(name))) as unknown as VirtualMachine;
  /** The provisioning of the deployed VM's disks, as its backings say. */
  const disks = async (name: string) => {
    const record = f.vsphere.store.get((await vm(name)).status?.uniqueID ?? '') as VmRecord | undefined;
    return record?.config.devices
      .filter((d) => d._type === 'VirtualDisk')
      .map((d) => {
        const { thinProvisioned, eagerlyScrub } = d.backing as {
          thinProvisioned: boolean;
          eagerlyScrub: boolean;
        };
        return thinProvisioned ? 'thin' : eagerlyScrub ? 'eagerZeroedThick' : 'thick';
      });
  };
  return { ...f, vm, disks };
}

const mode = (defaultVolumeProvisioningMode: string) => ({ advanced: { defaultVolumeProvisioningMode } });

describe("a VM's disk provisioning", () => {
  it('is the one spec.advanced.defaultVolumeProvisioningMode names, over the policy', async () => {
    const f = await setup();
    await f.createVm('thin', { storageClass: 'vsan-thick', ...mode('Thin') });
    await f.createVm('thick', mode('Thick'));
    await f.createVm('eager', { storageClass: 'vsan-thin', ...mode('ThickEagerZero') });
    await f.settle();
    expect([await f.disks('thin'), await f.disks('thick'), await f.disks('eager')]).toEqual([
      ['thin'],
      ['thick'],
      ['eagerZeroedThick'],
    ]);
  });

  it("is else thick when the storage class's policy reserves all of an object's space, thin otherwise", async () => {
    const f = await setup();
    for (const storageClass of ['vsan-thick', 'vsan-thin', 'vsan-half'])
      await f.createVm(storageClass, { storageClass });
    await f.createVm('default');
    await f.settle();
    expect(await f.disks('vsan-thick')).toEqual(['thick']);
    // No reservation, a partial one, one without rules: thin.
    for (const name of ['vsan-thin', 'vsan-half', 'default']) expect(await f.disks(name)).toEqual(['thin']);
  });

  it('fails the create of a VM whose storage class names a policy vSphere does not have', async () => {
    const f = await setup();
    await f.createVm('vm1', { storageClass: 'unknown' });
    await f.settle();
    const vm = await f.vm('vm1');
    expect(vm.status?.uniqueID).toBeUndefined();
    expect(vm.status?.conditions?.find((c) => c.type === CONDITION.storageReady)).toMatchObject({
      status: 'False',
      reason: 'GetError',
      message:
        'failed to get storage profiles for ID: 4d3c2b1a-0000-4000-8000-000000000000: ServerFaultCode: A specified parameter was not correct: profileId',
    });
    // A mode of its own needs no policy, as vm-operator then asks none; its deployment names the
    // class's policy all the same, which vSphere refuses.
    await f.createVm('vm2', { storageClass: 'unknown', ...mode('Thick') });
    await f.settle();
    const vm2 = await f.vm('vm2');
    expect(vm2.status?.conditions?.find((c) => c.type === CONDITION.storageReady)?.status).toBe('True');
    expect(vm2.status?.conditions?.find((c) => c.type === CONDITION.created)).toMatchObject({
      status: 'False',
      message: 'A specified parameter was not correct: deployment_spec.storage_profile_id',
    });
  });

  it("fails the create of a thick VM the datastore cannot hold, as vSphere's deploy does", async () => {
    const f = await setup();
    for (const ds of f.vsphere.store.ofKind<DatastoreRecord>('Datastore'))
      f.vsphere.store.transact((tx) => tx.put({ ...ds, capacity: ds.used + 1024 }));
    await f.createVm('thin');
    await f.createVm('thick', { storageClass: 'vsan-thick' });
    await f.settle();
    expect(await f.disks('thin')).toEqual(['thin']);
    const thick = await f.vm('thick');
    expect(thick.status?.uniqueID).toBeUndefined();
    expect(thick.status?.conditions?.find((c) => c.type === CONDITION.created)).toMatchObject({
      status: 'False',
      message: expect.stringContaining('Insufficient disk space'),
    });
  });
});
