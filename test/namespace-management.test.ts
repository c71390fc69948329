/**
 * vCenter's namespace-management endpoints as views of the Supervisor: what the REST API
 * shows is what `sim.kube` and the vSphere model hold, and what it changes, they change.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, findByInventoryPath, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const basic = `Basic ${Buffer.from('user:pass').toString('base64')}`;
const V5 = 'vmoperator.vmware.com/v1alpha5';

async function start(options: Parameters<typeof createSimulator>[0] = {}) {
  const sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] }, ...options });
  sims.push(sim);
  const login = await sim.fetch(`${sim.url}/api/session`, {
    method: 'POST',
    headers: { authorization: basic },
  });
  const token = (await login.json()) as string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await sim.fetch(`${sim.url}/api${path}`, {
      method,
      headers: { 'vmware-api-session-id': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return { sim, call };
}

type Info = {
  namespace: string;
  resource_spec: Record<string, number>;
  vm_service_spec: { vm_classes: string[]; content_libraries: string[] };
  storage_specs: unknown[];
};

describe('namespace management over the Supervisor', () => {
  it('shows the Supervisor, its namespaces and classes as sim.kube holds them', async () => {
    const { sim, call } = await start();
    const clusters = (await call('GET', '/vcenter/namespace-management/clusters')).json as {
      cluster: string;
      cluster_name: string;
    }[];
    expect(clusters).toMatchObject([
      { cluster: sim.supervisor.cluster, cluster_name: 'DC0_C0', kubernetes_status: 'READY' },
    ]);
    const ns1 = (await call('GET', '/vcenter/namespaces/instances/ns1')).json as Info;
    const kubeClasses = await sim.kube.list({
      apiVersion: V5,
      kind: 'VirtualMachineClass',
      namespace: 'ns1',
    });
    expect(ns1.vm_service_spec.vm_classes).toEqual(kubeClasses.items.map((c) => c.metadata.name));
    expect(ns1.vm_service_spec.content_libraries).toEqual(sim.vsphere.library.find({ name: 'vsim' }));
    expect(ns1.storage_specs).toHaveLength(1);
    // Its storage policy is vSphere's, named as its storage class.
    const [spec] = ns1.storage_specs as { policy: string }[];
    const policies = (await call('GET', `/vcenter/storage/policies?policies=${spec?.policy}`)).json;
    expect(policies).toEqual([{ policy: spec?.policy, name: 'wcpglobal-storage-profile', description: '' }]);

    // A namespace prepared in code shows up at once.
    await sim.supervisor.prepareNamespace('ns2', { classes: ['guaranteed-large'] });
    const names = ((await call('GET', '/vcenter/namespaces/instances')).json as Info[]).map(
      (n) => n.namespace,
    );
    expect(names).toEqual(['ns1', 'ns2']);
    const large = (
      await call('GET', '/vcenter/namespace-management/virtual-machine-classes/guaranteed-large')
    ).json;
    expect(large).toMatchObject({
      cpu_count: 4,
      memory_mb: 16384,
      cpu_reservation: 100,
      namespaces: ['ns1', 'ns2'],
    });
  });

  it('creates, changes and deletes a namespace through the Supervisor', async () => {
    const { sim, call } = await start();
    const cluster = sim.supervisor.cluster as string;
    const library = sim.vsphere.library.find({ name: 'vsim' })[0] as string;
    const created = await call('POST', '/vcenter/namespaces/instances', {
      namespace: 'team-a',
      cluster,
      description: 'team A',
      vm_service_spec: { vm_classes: ['best-effort-small'], content_libraries: [library] },
    });
    expect(created.status).toBe(204);
    await sim.settle();
    const ns = await sim.kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'team-a' });
    expect(ns.metadata.annotations).toMatchObject({ 'vsim.io/description': 'team A' });
    expect(findByInventoryPath(sim.vsphere.store, '/DC0/vm/Namespaces/team-a')?.kind).toBe('Folder');
    const images = await sim.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'team-a' });
    expect(images.items).toHaveLength(2);

    const changed = await call('PATCH', '/vcenter/namespaces/instances/team-a', {
      vm_service_spec: { vm_classes: ['best-effort-large', 'guaranteed-small'] },
    });
    expect(changed.status).toBe(204);
    const classes = await sim.kube.list({ apiVersion: V5, kind: 'VirtualMachineClass', namespace: 'team-a' });
    expect(classes.items.map((c) => c.metadata.name)).toEqual(['best-effort-large', 'guaranteed-small']);

    // A VM of a class is listed with it, by its vSphere id.
    await sim.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', namespace: 'team-a' },
      spec: {
        className: 'guaranteed-small',
        imageName: 'ubuntu-2204-kube-v1.30.0',
        storageClass: 'wcpglobal-storage-profile',
      },
    });
    await sim.settle();
    const vm = await sim.kube.get({
      apiVersion: V5,
      kind: 'VirtualMachine',
      namespace: 'team-a',
      name: 'vm1',
    });
    const small = (
      await call('GET', '/vcenter/namespace-management/virtual-machine-classes/guaranteed-small')
    ).json;
    expect(small).toMatchObject({ vms: [(vm.status as { uniqueID: string }).uniqueID] });

    expect((await call('DELETE', '/vcenter/namespaces/instances/team-a')).status).toBe(204);
    await sim.settle();
    expect((await call('GET', '/vcenter/namespaces/instances/team-a')).status).toBe(404);
    expect(findByInventoryPath(sim.vsphere.store, '/DC0/vm/Namespaces/team-a')).toBeUndefined();
    expect(sim.vsphere.store.get((vm.status as { uniqueID: string }).uniqueID)).toBeUndefined();
  });

  it("sets a namespace's CPU and memory limits on its pool, which admission control holds VMs to", async () => {
    const { sim, call } = await start({ admissionControl: true });
    const limits = { resource_spec: { cpu_limit: 5000, memory_limit: 8192 } };
    expect((await call('PATCH', '/vcenter/namespaces/instances/ns1', limits)).status).toBe(204);
    expect(((await call('GET', '/vcenter/namespaces/instances/ns1')).json as Info).resource_spec).toEqual(
      limits.resource_spec,
    );
    const pool = findByInventoryPath(sim.vsphere.store, '/DC0/host/DC0_C0/Resources/Namespaces/ns1');
    expect(sim.vsphere.read(pool?.id as string, 'config.cpuAllocation')).toMatchObject({ limit: 5000 });
    expect(sim.vsphere.read(pool?.id as string, 'runtime.cpu.maxUsage')).toBe(5000);

    // Two guaranteed-small VMs reserve 2 x 4,588 MHz: the second is more than the limit leaves.
    for (const name of ['vm1', 'vm2'])
      await sim.kube.create({
        apiVersion: V5,
        kind: 'VirtualMachine',
        metadata: { name, namespace: 'ns1' },
        spec: {
          className: 'guaranteed-small',
          imageName: 'ubuntu-2204-kube-v1.30.0',
          storageClass: 'wcpglobal-storage-profile',
        },
      });
    await sim.settle();
    const power = async (name: string) =>
      (
        (await sim.kube.get({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name })).status as {
          powerState?: string;
        }
      ).powerState;
    expect([await power('vm1'), await power('vm2')].sort()).toEqual(['PoweredOff', 'PoweredOn']);

    // A limit a PATCH leaves out stays; one it unsets goes, and the second VM powers on.
    const memoryOnly = { resource_spec: { memory_limit: 16384 } };
    expect((await call('PATCH', '/vcenter/namespaces/instances/ns1', memoryOnly)).status).toBe(204);
    expect(((await call('GET', '/vcenter/namespaces/instances/ns1')).json as Info).resource_spec).toEqual({
      cpu_limit: 5000,
      memory_limit: 16384,
    });
    const unset = { resource_spec: { cpu_limit_unset: true, memory_limit_unset: true } };
    expect((await call('PATCH', '/vcenter/namespaces/instances/ns1', unset)).status).toBe(204);
    expect(((await call('GET', '/vcenter/namespaces/instances/ns1')).json as Info).resource_spec).toEqual({});
    await sim.advance(60_000);
    expect([await power('vm1'), await power('vm2')]).toEqual(['PoweredOn', 'PoweredOn']);
  });

  it("creates, changes and deletes vCenter's VM classes, and the namespaces offering one follow", async () => {
    const { sim, call } = await start();
    const CLASSES = '/vcenter/namespace-management/virtual-machine-classes';
    const created = await call('POST', CLASSES, {
      id: 'half-reserved',
      cpu_count: 4,
      memory_mb: 3072,
      cpu_reservation: 50,
      memory_reservation: 100,
      description: 'half the CPUs reserved',
    });
    expect(created.status).toBe(204);
    expect((await call('POST', CLASSES, { id: 'half-reserved', cpu_count: 1, memory_mb: 1 })).status).toBe(
      400,
    );
    // Offered by no namespace until one names it.
    const ref = { apiVersion: V5, kind: 'VirtualMachineClass', namespace: 'ns1', name: 'half-reserved' };
    await expect(sim.kube.get(ref)).rejects.toMatchObject({ code: 404 });
    const ns1 = (await call('GET', '/vcenter/namespaces/instances/ns1')).json as Info;
    const offered = [...ns1.vm_service_spec.vm_classes, 'half-reserved'];
    expect(
      (await call('PATCH', '/vcenter/namespaces/instances/ns1', { vm_service_spec: { vm_classes: offered } }))
        .status,
    ).toBe(204);
    expect((await sim.kube.get(ref)).spec).toEqual({
      hardware: { cpus: 4, memory: '3Gi' },
      policies: { resources: { requests: { cpu: '2', memory: '3Gi' } } },
      description: 'half the CPUs reserved',
    });

    // A VM of the class gets its CPUs, memory and reservations in vSphere.
    await sim.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', namespace: 'ns1' },
      spec: {
        className: 'half-reserved',
        imageName: 'ubuntu-2204-kube-v1.30.0',
        storageClass: 'wcpglobal-storage-profile',
      },
    });
    await sim.settle();
    const vm = await sim.kube.get({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' });
    const id = (vm.status as { uniqueID: string }).uniqueID;
    expect(sim.vsphere.store.get(id)).toMatchObject({
      config: {
        numCPU: 4,
        memoryMB: 3072,
        // Two CPUs at the hosts' 2,294 MHz.
        cpuAllocation: { reservation: 4588 },
        memoryAllocation: { reservation: 3072 },
      },
    });
    expect((await call('GET', `${CLASSES}/half-reserved`)).json).toMatchObject({
      cpu_count: 4,
      memory_mb: 3072,
      cpu_reservation: 50,
      memory_reservation: 100,
      description: 'half the CPUs reserved',
      namespaces: ['ns1'],
      vms: [id],
    });

    // A change reaches every namespace's object of the class; a reservation left out is cleared,
    // as vCenter's docs have it, and what the API has no field for (the limits) stays.
    const { spec } = sim.supervisor.vmClasses.get('half-reserved') as { spec: object };
    await sim.supervisor.vmClasses.update('half-reserved', {
      ...spec,
      policies: { resources: { requests: { cpu: '2', memory: '3Gi' }, limits: { cpu: '4' } } },
    });
    const changed = { cpu_count: 2, cpu_reservation: 50, memory_reservation: 100 };
    expect((await call('PATCH', `${CLASSES}/half-reserved`, changed)).status).toBe(204);
    expect((await sim.kube.get(ref)).spec).toEqual({
      hardware: { cpus: 2, memory: '3Gi' },
      policies: { resources: { requests: { cpu: '1', memory: '3Gi' }, limits: { cpu: '4' } } },
      description: 'half the CPUs reserved',
    });
    expect((await call('PATCH', `${CLASSES}/half-reserved`, { description: 'none reserved' })).status).toBe(
      204,
    );
    expect((await call('GET', `${CLASSES}/half-reserved`)).json).toMatchObject({
      cpu_count: 2,
      memory_mb: 3072,
      description: 'none reserved',
    });
    expect((await sim.kube.get(ref)).spec).toEqual({
      hardware: { cpus: 2, memory: '3Gi' },
      policies: { resources: { limits: { cpu: '4' } } },
      description: 'none reserved',
    });

    // A deleted class leaves vCenter and every namespace; its VM stays.
    expect((await call('DELETE', `${CLASSES}/half-reserved`)).status).toBe(204);
    await expect(sim.kube.get(ref)).rejects.toMatchObject({ code: 404 });
    expect((await call('GET', `${CLASSES}/half-reserved`)).status).toBe(404);
    expect((await call('DELETE', `${CLASSES}/half-reserved`)).status).toBe(404);
    await sim.settle();
    expect(sim.vsphere.store.get(id)).toBeDefined();
    // A default class may be deleted too; new namespaces no longer offer it.
    expect((await call('DELETE', `${CLASSES}/best-effort-8xlarge`)).status).toBe(204);
    await sim.supervisor.prepareNamespace('ns2');
    const ns2 = await sim.kube.list({ apiVersion: V5, kind: 'VirtualMachineClass', namespace: 'ns2' });
    expect(ns2.items.map((c) => c.metadata.name)).not.toContain('best-effort-8xlarge');
    expect(ns2.items).toHaveLength(15);
  });

  it('lists every cluster of a Supervisor on several zones, each a cluster to create in', async () => {
    const { sim, call } = await start({
      inventory: { cluster: 2, host: 2, vm: 0, standaloneHost: 0 },
      supervisor: { clusters: ['DC0_C0', 'DC0_C1'], namespaces: ['ns1'] },
    });
    const [first, second] = sim.supervisor.clusters as [string, string];
    const clusters = (await call('GET', '/vcenter/namespace-management/clusters')).json;
    expect(clusters).toMatchObject([
      { cluster: first, cluster_name: 'DC0_C0', config_status: 'RUNNING' },
      { cluster: second, cluster_name: 'DC0_C1', config_status: 'RUNNING' },
    ]);
    const read = await call('GET', `/vcenter/namespace-management/clusters/${second}`);
    expect(read).toMatchObject({
      status: 200,
      json: { config_status: 'RUNNING', kubernetes_status: 'READY' },
    });
    expect(
      (read.json as { stat_summary: { cpu_capacity: number } }).stat_summary.cpu_capacity,
    ).toBeGreaterThan(0);

    const created = await call('POST', '/vcenter/namespaces/instances', {
      namespace: 'team-b',
      cluster: second,
    });
    expect(created.status).toBe(204);
    await sim.settle();
    // Prepared in every zone, as a zonal Supervisor's namespaces are.
    const zones = await sim.kube.list({
      apiVersion: 'topology.tanzu.vmware.com/v1alpha1',
      kind: 'Zone',
      namespace: 'team-b',
    });
    expect(zones.items.map((z) => z.metadata.name).sort()).toEqual([first, second].sort());
    const names = ((await call('GET', '/vcenter/namespaces/instances')).json as Info[]).map(
      (n) => n.namespace,
    );
    expect(names).toEqual(['ns1', 'team-b']);
    // The Supervisor: its id, and a zone per cluster; the datastore both mount counted once.
    const summaries = (await call('GET', '/vcenter/namespace-management/supervisors/summaries')).json as {
      items: { supervisor: string; info: { name: string; stats: { storage_capacity: number } } }[];
    };
    const [only] = summaries.items;
    expect(summaries.items).toHaveLength(1);
    expect(only?.supervisor).toBe(`${first}:${sim.vsphere.about.instanceUuid}`);
    expect(only?.info.name).toBe('DC0_C0');
    const perCluster = (read.json as { stat_summary: { storage_capacity: number } }).stat_summary;
    expect(only?.info.stats.storage_capacity).toBe(perCluster.storage_capacity);
    const topology = await call(
      'GET',
      `/vcenter/namespace-management/supervisors/${encodeURIComponent(only?.supervisor ?? '')}/topology`,
    );
    expect(topology.json).toEqual([
      { zone: first, clusters: [first] },
      { zone: second, clusters: [second] },
    ]);
    // Its cluster is the Supervisor's first, as every namespace's.
    expect((await call('GET', '/vcenter/namespaces/instances/team-b')).json).toMatchObject({
      cluster: first,
    });
  });

  it('refuses a storage policy no storage class carries', async () => {
    const { sim, call } = await start();
    const refused = await call('POST', '/vcenter/namespaces/instances', {
      namespace: 'team-b',
      cluster: sim.supervisor.cluster,
      storage_specs: [{ policy: 'no-such-policy' }],
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('storage_specs.policy');
    await expect(sim.kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'team-b' })).rejects.toMatchObject(
      { code: 404 },
    );
  });
});
