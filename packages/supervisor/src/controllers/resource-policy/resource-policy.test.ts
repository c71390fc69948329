import { findByInventoryPath, findChild, type ResourcePoolRecord, type Task } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachineSetResourcePolicy } from '../../api/types.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import { cpuMillis } from './allocation.js';
import {
  DEPRECATED_RESOURCE_POLICY_FINALIZER,
  policyPlacement,
  RESOURCE_POLICY_FINALIZER,
} from './resource-policy.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';

async function setup(namespaces: string[] = ['ns1']) {
  const f = await createSupervisorFixture({ namespaces });
  const started = f.supervisor.resourcePolicies;
  await f.settle();
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const ref = (name: string, namespace = 'ns1') => ({
    apiVersion: HUB,
    kind: 'VirtualMachineSetResourcePolicy',
    namespace,
    name,
  });
  const policy = async (name: string, namespace = 'ns1') =>
    (await f.find(ref(name, namespace))) as unknown as VirtualMachineSetResourcePolicy | undefined;
  const create = (name: string, spec: Record<string, unknown>, namespace = 'ns1', finalizers?: string[]) =>
    f.kube.create({
      ...ref(name, namespace),
      metadata: { name, namespace, ...(finalizers ? { finalizers } : {}) },
      spec,
    });
  const createVm = (name: string, policyName: string) =>
    f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1' },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: 'vmi-any' },
        reserved: { resourcePolicyName: policyName },
      },
    });
  const child = (parent: string, name: string) => findChild(f.vsphere.store, parent, name);
  const run = async <T>(task: Task<T>) => {
    await f.settle();
    return task.wait();
  };
  const errorOf = (name: string, namespace = 'ns1') => started.controller.errorOf(`${namespace}/${name}`);
  return { ...f, ...started, prepared, ref, policy, create, createVm, child, run, errorOf };
}

const clusterSpec = (name = 'cluster-a') => ({
  resourcePool: {
    name,
    reservations: { cpu: '1', memory: '1Gi' },
    limits: { cpu: '2500m', memory: '2Gi' },
  },
  folder: name,
  clusterModuleGroups: ['control-plane-group', `${name}-workers-0`],
});

describe('the VirtualMachineSetResourcePolicy controller', () => {
  it('adds its finalizer, makes the child pool and folder, and reports them with cluster modules', async () => {
    const f = await setup();
    await f.create('cluster-a', clusterSpec());
    await f.settle();

    const policy = await f.policy('cluster-a');
    expect(policy?.metadata.finalizers).toEqual([RESOURCE_POLICY_FINALIZER]);
    const pool = f.child(f.prepared.pool, 'cluster-a') as ResourcePoolRecord | undefined;
    const folder = f.child(f.prepared.folder, 'cluster-a');
    expect(pool?.kind).toBe('ResourcePool');
    expect(folder?.kind).toBe('Folder');
    // 1 and 2.5 cores at the hosts' 2294 MHz; memory in MB.
    expect(pool?.cpuAllocation).toMatchObject({ reservation: 2294, limit: 5735 });
    expect(pool?.memoryAllocation).toMatchObject({ reservation: 1024, limit: 2048 });
    expect(policy?.status?.resourcePools).toEqual([
      { clusterMoID: f.prepared.cluster, childResourcePoolMoID: pool?.id },
    ]);
    const modules = policy?.status?.clustermodules ?? [];
    expect(modules.map((m) => [m.groupName, m.clusterMoID])).toEqual([
      ['control-plane-group', f.prepared.cluster],
      ['cluster-a-workers-0', f.prepared.cluster],
    ]);
    // Each a module in vSphere, on the namespace's cluster.
    expect(f.vsphere.clusterModules.list()).toEqual(
      modules.map((m) => ({ cluster: f.prepared.cluster, module: m.moduleUUID })),
    );
    expect(modules[0]?.moduleUUID).not.toBe(modules[1]?.moduleUUID);
    expect(policyPlacement(f.vsphere, f.prepared, policy as VirtualMachineSetResourcePolicy)).toEqual({
      pool: pool?.id,
      folder: folder?.id,
    });
    expect(f.controller.errors.size).toBe(0);

    // Another pass changes nothing: the same pool, folder and module UUIDs.
    const version = policy?.metadata.resourceVersion;
    f.controller.enqueue('ns1/cluster-a');
    await f.settle();
    expect((await f.policy('cluster-a'))?.metadata.resourceVersion).toBe(version);
  });

  it('is the same on every run', async () => {
    const run = async () => {
      const f = await setup();
      await f.create('cluster-a', clusterSpec());
      await f.settle();
      return (await f.policy('cluster-a'))?.status;
    };
    expect(await run()).toEqual(await run());
  });

  it('reuses an existing pool and folder, sets the pool to the spec, and names the namespace itself when unset', async () => {
    const f = await setup();
    const pool = f.vsphere.pool.create(f.prepared.pool, 'cluster-a').value;
    const folder = f.vsphere.folder.create(f.prepared.folder, 'cluster-a').value;
    await f.create('cluster-a', clusterSpec());
    await f.settle();
    const record = () => f.vsphere.store.get(pool) as ResourcePoolRecord;
    expect(record().memoryAllocation.reservation).toBe(1024);
    expect((await f.policy('cluster-a'))?.status?.resourcePools?.[0]?.childResourcePoolMoID).toBe(pool);
    expect(f.child(f.prepared.folder, 'cluster-a')?.id).toBe(folder);

    // The pool's spec stays as it was made, as vm-operator's webhook keeps it.
    await expect(
      f.kube.patch(
        f.ref('cluster-a'),
        { spec: { resourcePool: { reservations: null, limits: null } } },
        { type: 'merge' },
      ),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('spec.resourcePool: Invalid value'),
    });
    expect(record().memoryAllocation.reservation).toBe(1024);

    await f.create('bare', { clusterModuleGroups: ['g'] });
    await f.settle();
    const bare = await f.policy('bare');
    expect(bare?.status?.resourcePools).toBeUndefined();
    expect(bare?.status?.clustermodules).toMatchObject([{ groupName: 'g', clusterMoID: f.prepared.cluster }]);
    expect(policyPlacement(f.vsphere, f.prepared, bare as VirtualMachineSetResourcePolicy)).toEqual({
      pool: f.prepared.pool,
      folder: f.prepared.folder,
    });
    expect(
      policyPlacement(f.vsphere, f.prepared, {
        ...(bare as VirtualMachineSetResourcePolicy),
        spec: { folder: 'nope' },
      }),
    ).toBeUndefined();
  });

  it('claims a cluster module recorded without its cluster, and swaps the deprecated finalizer', async () => {
    const f = await setup();
    await f.create('old', { clusterModuleGroups: ['g'] }, 'ns1', [DEPRECATED_RESOURCE_POLICY_FINALIZER]);
    await f.settle();
    const policy = await f.kube.get(f.ref('old'));
    expect(policy.metadata.finalizers).toEqual([RESOURCE_POLICY_FINALIZER]);
    const made = (await f.policy('old'))?.status?.clustermodules?.[0]?.moduleUUID as string;
    const older = f.vsphere.clusterModules.create(f.prepared.cluster);
    await f.kube.updateStatus({
      ...policy,
      status: { clustermodules: [{ groupName: 'g', moduleUUID: older, clusterMoID: '' }] },
    });
    await f.settle();
    expect((await f.policy('old'))?.status?.clustermodules).toEqual([
      { groupName: 'g', moduleUUID: older, clusterMoID: f.prepared.cluster },
    ]);
    // The module it had made is no longer in its status: vm-operator would not know of it either.
    expect(f.vsphere.clusterModules.list().map((m) => m.module)).toEqual([made, older]);
  });

  it('makes a cluster module again when vSphere no longer has it, and deletes them with the policy', async () => {
    const f = await setup();
    await f.create('cluster-a', clusterSpec());
    await f.settle();
    const uuids = async () =>
      ((await f.policy('cluster-a'))?.status?.clustermodules ?? []).map((m) => m.moduleUUID);
    const [first, second] = await uuids();
    f.vsphere.clusterModules.delete(first as string);
    f.controller.enqueue('ns1/cluster-a');
    await f.settle();
    const [again, kept] = await uuids();
    expect(again).not.toBe(first);
    expect(kept).toBe(second);
    expect(f.vsphere.clusterModules.list().map((m) => m.module)).toEqual([second, again]);
    await f.kube.delete(f.ref('cluster-a'));
    await f.settle();
    expect(await f.policy('cluster-a')).toBeUndefined();
    expect(f.vsphere.clusterModules.list()).toEqual([]);
  });

  it('waits with backoff for a namespace no Supervisor prepared, and converges once it is', async () => {
    const f = await setup();
    await f.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns2' } });
    await f.create('cluster-b', clusterSpec('cluster-b'), 'ns2');
    await f.settle();
    expect((await f.policy('cluster-b', 'ns2'))?.metadata.finalizers).toEqual([RESOURCE_POLICY_FINALIZER]);
    expect(f.errorOf('cluster-b', 'ns2')).toMatchObject({
      message:
        'cannot place VirtualMachineSetResourcePolicy ns2/cluster-b: namespace ns2 has no resource pool and folder',
    });
    const prepared = await f.supervisor.prepareNamespace('ns2');
    await f.settle();
    expect(f.errorOf('cluster-b', 'ns2')).toBeUndefined();
    expect((await f.policy('cluster-b', 'ns2'))?.status?.resourcePools).toEqual([
      { clusterMoID: prepared.cluster, childResourcePoolMoID: f.child(prepared.pool, 'cluster-b')?.id },
    ]);
  });

  it('reports a vSphere fault, an unusable quantity or a clashing name, and converges once fixed', async () => {
    const f = await setup();
    f.vsphere.interceptor.add({ method: 'CreateResourcePool', times: 1, fault: { _type: 'SystemError' } });
    await f.create('cluster-a', { ...clusterSpec(), clusterModuleGroups: [] });
    await f.settle();
    expect(f.errorOf('cluster-a')).toMatchObject({ fault: { _type: 'SystemError' } });
    expect(f.child(f.prepared.folder, 'cluster-a')?.kind).toBe('Folder');
    expect((await f.policy('cluster-a'))?.status?.resourcePools).toBeUndefined();
    await f.advance(1000);
    expect(f.errorOf('cluster-a')).toBeUndefined();
    expect((await f.policy('cluster-a'))?.status?.resourcePools).toHaveLength(1);

    // What is no quantity the schema refuses; a negative one the controller cannot reserve.
    await expect(
      f.create('bad', { resourcePool: { name: 'bad', reservations: { cpu: 'lots' } } }),
    ).rejects.toMatchObject({ code: 422 });
    await f.create('bad', { resourcePool: { name: 'bad', reservations: { cpu: '-1' } } });
    await f.settle();
    expect(f.errorOf('bad')).toMatchObject({
      message: 'spec.resourcePool.reservations.cpu: invalid quantity "-1"',
    });
    expect(f.child(f.prepared.pool, 'bad')).toBeUndefined();
    // Its spec being immutable, it is made again.
    await f.kube.delete(f.ref('bad'));
    await f.settle();
    await f.create('bad', { resourcePool: { name: 'bad', reservations: { cpu: '500m' } } });
    await f.settle();
    expect((f.child(f.prepared.pool, 'bad') as ResourcePoolRecord).cpuAllocation.reservation).toBe(1147);

    // A VM named like the folder the policy wants.
    const vm = findByInventoryPath(f.vsphere.store, '/DC0/vm/DC0_C0_RP0_VM0');
    await f.run(f.vsphere.folder.moveInto(f.prepared.folder, [vm?.id as string]));
    await f.run(f.vsphere.entity.rename(vm?.id as string, 'clash'));
    await f.create('clash', { folder: 'clash' });
    await f.settle();
    expect(f.errorOf('clash')).toMatchObject({
      message: 'Folder child "clash" is not a Folder but a VirtualMachine',
    });
  });

  it('keeps a deleted policy while a VM names it, then removes its pool and folder', async () => {
    const f = await setup();
    await f.create('cluster-a', clusterSpec());
    await f.createVm('vm-1', 'cluster-a');
    await f.settle();
    const pool = f.child(f.prepared.pool, 'cluster-a')?.id as string;
    const folder = f.child(f.prepared.folder, 'cluster-a')?.id as string;

    await f.kube.delete(f.ref('cluster-a'));
    await f.settle();
    const held = await f.policy('cluster-a');
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.finalizers).toEqual([RESOURCE_POLICY_FINALIZER]);
    expect(f.errorOf('cluster-a')).toMatchObject({
      message:
        "failing VirtualMachineSetResourcePolicy deletion since VM: 'ns1/vm-1' is referencing it, resourcePolicyName: 'ns1/cluster-a'",
    });
    expect(f.vsphere.store.get(pool)).toBeDefined();

    await f.kube.delete({ apiVersion: HUB, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm-1' });
    await f.settle();
    expect(await f.policy('cluster-a')).toBeUndefined();
    expect(f.vsphere.store.get(pool)).toBeUndefined();
    expect(f.vsphere.store.get(folder)).toBeUndefined();
    expect(f.vsphere.events.list().map((e) => e._type)).toContain('ResourcePoolDestroyedEvent');
  });

  it('leaves a pool and folder that still hold VMs, and finishes once they are empty', async () => {
    const f = await setup();
    await f.create('cluster-a', clusterSpec());
    await f.settle();
    const pool = f.child(f.prepared.pool, 'cluster-a')?.id as string;
    const folder = f.child(f.prepared.folder, 'cluster-a')?.id as string;
    const vm = findByInventoryPath(f.vsphere.store, '/DC0/vm/DC0_C0_RP0_VM0')?.id as string;
    const home = f.vsphere.lookup(vm);
    const homePool = (home as { pool?: string }).pool as string;
    f.vsphere.pool.moveInto(pool, [vm]);
    await f.run(f.vsphere.folder.moveInto(folder, [vm]));

    await f.kube.delete(f.ref('cluster-a'));
    await f.settle();
    expect((await f.policy('cluster-a'))?.metadata.deletionTimestamp).toBeDefined();
    expect(f.errorOf('cluster-a')).toMatchObject({
      message: `cannot clean up VirtualMachineSetResourcePolicy ns1/cluster-a: ResourcePool cluster-a (${pool}) still holds ${vm}; Folder cluster-a (${folder}) still holds ${vm}`,
    });
    expect(f.vsphere.lookup(vm)).toMatchObject({ pool, parent: folder });

    // The VM leaves the pool: the pool goes; then the folder: the policy goes.
    f.vsphere.pool.moveInto(homePool, [vm]);
    await f.settle();
    expect(f.vsphere.store.get(pool)).toBeUndefined();
    expect(await f.policy('cluster-a')).toBeDefined();
    await f.run(f.vsphere.folder.moveInto(home.parent as string, [vm]));
    await f.settle();
    expect(f.vsphere.store.get(folder)).toBeUndefined();
    expect(await f.policy('cluster-a')).toBeUndefined();
  });

  it('retries a failed destroy, and drops the finalizer at once without a placement', async () => {
    const f = await setup();
    await f.create('cluster-a', clusterSpec());
    await f.settle();
    const pool = f.child(f.prepared.pool, 'cluster-a')?.id as string;
    f.vsphere.interceptor.add({
      method: 'Destroy_Task',
      target: pool,
      times: 1,
      fault: { _type: 'TaskInProgress' },
    });
    await f.kube.delete(f.ref('cluster-a'));
    await f.settle();
    expect(f.errorOf('cluster-a')).toMatchObject({ fault: { _type: 'TaskInProgress' } });
    expect(await f.policy('cluster-a')).toBeDefined();
    await f.advance(1000);
    expect(await f.policy('cluster-a')).toBeUndefined();
    expect(f.vsphere.store.get(pool)).toBeUndefined();

    await f.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } });
    await f.create('p', { folder: 'x' }, 'bare');
    await f.settle();
    await f.kube.delete(f.ref('p', 'bare'));
    await f.settle();
    expect(await f.policy('p', 'bare')).toBeUndefined();
  });

  it('deletes its cluster modules with it even once its namespace has no placement', async () => {
    const f = await setup();
    await f.create('modules', { clusterModuleGroups: ['a', 'b'] });
    await f.settle();
    expect(f.vsphere.clusterModules.list()).toHaveLength(2);
    // The namespace loses its pool and folder (and its Zone): the policy has nowhere to be.
    await f.kube.patch(
      { apiVersion: 'v1', kind: 'Namespace', name: 'ns1' },
      { metadata: { annotations: { 'vmware-system-resource-pool': null, 'vmware-system-vm-folder': null } } },
      { type: 'merge' },
    );
    for (const zone of (
      await f.kube.list({ apiVersion: 'topology.tanzu.vmware.com/v1alpha1', kind: 'Zone', namespace: 'ns1' })
    ).items)
      await f.kube.delete({
        apiVersion: 'topology.tanzu.vmware.com/v1alpha1',
        kind: 'Zone',
        namespace: 'ns1',
        name: zone.metadata.name as string,
      });
    await f.kube.delete(f.ref('modules'));
    await f.settle();
    expect(await f.policy('modules')).toBeUndefined();
    expect(f.vsphere.clusterModules.list()).toEqual([]);
  });
});

describe('cpuMillis', () => {
  it('reads cores and millicores', () => {
    expect(cpuMillis('2')).toBe(2000);
    expect(cpuMillis('500m')).toBe(500);
    expect(cpuMillis('1.5')).toBe(1500);
    expect(cpuMillis('1k')).toBe(1_000_000);
    expect(cpuMillis('two')).toBeUndefined();
  });
});
