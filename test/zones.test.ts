/**
 * A Supervisor on three clusters, one vSphere zone each: namespaces prepared in every zone, VMs
 * without a zone label spread by DRS's choice (the least loaded cluster, counting deployments on
 * their way), VMs with one placed where it says, resource policies' child pools in every zone,
 * and a namespace's deletion cleaning every zone.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const NS = 'ns1';
const V5 = 'vmoperator.vmware.com/v1alpha5';
const TOPOLOGY = 'topology.tanzu.vmware.com/v1alpha1';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const CLUSTERS = ['DC0_C0', 'DC0_C1', 'DC0_C2'];

type KubeObject = Parameters<Simulator['kube']['create']>[0];
type VmStatus = { zone?: string; uniqueID?: string; powerState?: string; network?: { primaryIP4?: string } };
type ZoneEntity = { poolMoIDs: string[]; folderMoID: string };
type ZoneObject = KubeObject & { spec: { namespace: ZoneEntity; managedVMs: ZoneEntity } };

async function zonalSupervisor(
  options: {
    timing?: 'realistic';
    capabilities?: { instanceStorage?: boolean; vmPlacementPolicies?: boolean };
  } = {},
  admissionControl = false,
) {
  const sim = await createSimulator({
    seed: 1,
    admissionControl,
    inventory: { cluster: 3, host: 2, vm: 0, standaloneHost: 0 },
    supervisor: { clusters: CLUSTERS, namespaces: [NS], ...options },
  });
  sims.push(sim);
  return sim;
}

const vm = (name: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: V5,
  kind: 'VirtualMachine',
  metadata: { name, namespace: NS, labels },
  spec: {
    className: 'best-effort-small',
    imageName: 'ubuntu-2204-kube-v1.30.0',
    storageClass: 'wcpglobal-storage-profile',
    ...spec,
  },
});

const getVm = (sim: Simulator, name: string) =>
  sim.kube.get({ apiVersion: V5, kind: 'VirtualMachine', namespace: NS, name });

/** The cluster a vSphere VM runs in, read from its pool and from its host: both must agree. */
function clusterOfVm(sim: Simulator, id: string): string {
  const record = sim.vsphere.store.get(id) as { pool?: string; host?: string } | undefined;
  const pool = sim.vsphere.store.get(record?.pool ?? '') as { owner?: string } | undefined;
  const host = sim.vsphere.store.get(record?.host ?? '') as { parent?: string } | undefined;
  expect(host?.parent).toBe(pool?.owner);
  return pool?.owner as string;
}

/** Each VM's zone: its label, its status and the cluster vSphere runs it in, which must all agree. */
async function zonesOf(sim: Simulator, names: readonly string[]): Promise<string[]> {
  const zones: string[] = [];
  for (const name of names) {
    const object = await getVm(sim, name);
    const status = object.status as VmStatus;
    expect(status.powerState).toBe('PoweredOn');
    const zone = object.metadata.labels?.[ZONE_LABEL] as string;
    expect(status.zone).toBe(zone);
    expect(clusterOfVm(sim, status.uniqueID as string)).toBe(zone);
    zones.push(zone);
  }
  return zones;
}

/** A rejection handler that lets the API server's answer `reason` pass and throws any other error. */
const unless = (reason: string) => (error: unknown) => {
  if ((error as { reason?: unknown }).reason !== reason) throw error;
};

const countBy = (values: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.values()].sort();
};

describe('a Supervisor on three zones', () => {
  it('prepares a namespace in every zone: a pool per cluster, one folder, a Zone and its AvailabilityZone each', async () => {
    const sim = await zonalSupervisor();
    const clusterIds = sim.supervisor.clusters;
    expect(clusterIds).toHaveLength(3);
    expect(sim.supervisor.cluster).toBe(clusterIds[0]);
    const names = clusterIds.map((id) => (sim.vsphere.store.get(id) as { name: string }).name);
    expect(names).toEqual(CLUSTERS);

    const zones = (await sim.kube.list({ apiVersion: TOPOLOGY, kind: 'Zone', namespace: NS }))
      .items as ZoneObject[];
    expect(zones.map((z) => z.metadata.name).sort()).toEqual([...clusterIds].sort());
    const folders = new Set(zones.map((z) => z.spec.namespace.folderMoID));
    expect(folders.size).toBe(1);
    for (const zone of zones) {
      // The namespace's VMs (`managedVMs`, where vm-operator places them) share its pool and folder.
      expect(zone.spec.managedVMs).toEqual(zone.spec.namespace);
      const [pool] = zone.spec.namespace.poolMoIDs;
      const record = sim.vsphere.store.get(pool as string) as { kind: string; name: string; owner: string };
      expect([record.kind, record.name, record.owner]).toEqual(['ResourcePool', NS, zone.metadata.name]);
      const az = await sim.kube.get({
        apiVersion: TOPOLOGY,
        kind: 'AvailabilityZone',
        name: zone.metadata.name as string,
      });
      expect(
        (az.spec as { namespaces: Record<string, { poolMoIDs: string[] }> }).namespaces[NS]?.poolMoIDs,
      ).toEqual([pool]);
    }
  });

  it('spreads VMs that name no zone over the least loaded clusters, each labelled with its zone', async () => {
    const sim = await zonalSupervisor();
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const name of names) await sim.kube.create(vm(name));
    await sim.settle();
    expect(countBy(await zonesOf(sim, names))).toEqual([2, 2, 2]);
  });

  it("places VMs with instance storage in zones taken at random, each on its zone's host with its claims", async () => {
    const sim = await zonalSupervisor({ capabilities: { instanceStorage: true } });
    await sim.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineClass',
      metadata: { name: 'local-disks', namespace: NS },
      spec: {
        hardware: {
          cpus: 2,
          memory: '4Gi',
          instanceStorage: { storageClass: 'wcpglobal-storage-profile', volumes: [{ size: '8Gi' }] },
        },
      },
    });
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    for (const name of names)
      await sim.kube.create(vm(name, {}, { className: 'local-disks', bootstrap: { disabled: true } }));
    await sim.settle();
    const zones = await zonesOf(sim, names);
    for (const name of names) {
      const object = await getVm(sim, name);
      const host = object.metadata.annotations?.['vmoperator.vmware.com/instance-storage-selected-node-moid'];
      const record = sim.vsphere.store.get((object.status as VmStatus).uniqueID as string) as {
        host?: string;
      };
      expect(record.host).toBe(host);
    }
    expect(new Set(zones).size).toBeGreaterThan(1);
  });

  it('places a VM with a zone label in that zone, and counts it for the next one', async () => {
    const sim = await zonalSupervisor();
    const [, second] = sim.supervisor.clusters as [string, string, string];
    await sim.kube.create(vm('pinned', { [ZONE_LABEL]: second }));
    await sim.settle();
    expect(await zonesOf(sim, ['pinned'])).toEqual([second]);
    for (const name of ['x', 'y']) await sim.kube.create(vm(name));
    await sim.settle();
    const zones = await zonesOf(sim, ['x', 'y']);
    expect(zones).not.toContain(second);
    expect(new Set(zones).size).toBe(2);
  });

  it('places a VM where its reservations fit under admission control, as DRS does', async () => {
    const sim = await zonalSupervisor({}, true);
    const [first, second] = sim.supervisor.clusters as [string, string, string];
    // The first zone, the least loaded by the zones' order, keeps one host of two: 4,095 MB,
    // less than a guaranteed-small VM reserves.
    const [host] = [...sim.vsphere.store.referrers('childEntity', first)].filter(
      (id) => sim.vsphere.store.get(id)?.kind === 'HostSystem',
    );
    await sim.vsphere.host.enterMaintenanceMode(host as string).wait();
    await sim.kube.create(vm('reserved', {}, { className: 'guaranteed-small' }));
    await sim.kube.create(vm('best-effort'));
    await sim.settle();
    expect(await zonesOf(sim, ['reserved', 'best-effort'])).toEqual([second, first]);
  });

  it("gives every zone its limit back when admission control refuses one zone's", async () => {
    const sim = await zonalSupervisor({}, true);
    const [, second] = sim.supervisor.clusters as [string, string, string];
    await sim.kube.create(vm('reserved', { [ZONE_LABEL]: second }, { className: 'guaranteed-small' }));
    await sim.settle();
    expect(await zonesOf(sim, ['reserved'])).toEqual([second]);
    const zones = (await sim.kube.list({ apiVersion: TOPOLOGY, kind: 'Zone', namespace: NS }))
      .items as ZoneObject[];
    const limits = () =>
      zones.map(
        (z) =>
          (
            sim.vsphere.store.get(z.spec.namespace.poolMoIDs[0] as string) as {
              cpuAllocation: { limit: number };
            }
          ).cpuAllocation.limit,
      );
    // 1,000 MHz is room enough in the first zone, not in the second, whose VM reserves 4,588.
    await expect(sim.supervisor.updateNamespace(NS, { cpuLimitMhz: 1000 })).rejects.toMatchObject({
      fault: { _type: 'InsufficientCpuResourcesFault' },
    });
    expect(limits()).toEqual([-1, -1, -1]);
  });

  it('counts deployments still on their way when VMs are created together under realistic timings', async () => {
    const sim = await zonalSupervisor({ timing: 'realistic' });
    const names = ['r1', 'r2', 'r3'];
    await Promise.all(names.map((name) => sim.kube.create(vm(name, {}, { powerState: 'PoweredOn' }))));
    const ready = async () =>
      (await Promise.all(names.map((n) => getVm(sim, n)))).every(
        (o) => (o.status as VmStatus | undefined)?.network?.primaryIP4,
      );
    // Deployments take 15 s and guests 20 s more to report their addresses: well within 5 minutes.
    for (let i = 0; i < 30 && !(await ready()); i++) await sim.advance(10_000);
    expect(countBy(await zonesOf(sim, names))).toEqual([1, 1, 1]);
  });

  it("places a group's VMs together in the least loaded zone", async () => {
    const sim = await zonalSupervisor();
    await sim.kube.create(vm('first'));
    await sim.settle();
    const [busiest] = await zonesOf(sim, ['first']);
    const members = ['g1', 'g2'];
    await sim.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineGroup',
      metadata: { name: 'group', namespace: NS },
      spec: { powerState: 'PoweredOn', bootOrder: [{ members: members.map((name) => ({ name })) }] },
    });
    for (const name of members) await sim.kube.create(vm(name, {}, { groupName: 'group' }));
    await sim.settle();
    const zones = await zonesOf(sim, members);
    expect(new Set(zones).size).toBe(1);
    expect(zones[0]).not.toBe(busiest);
  });

  it("places a group's VMs by their zone affinity and anti-affinity with VMPlacementPolicies", async () => {
    const sim = await zonalSupervisor({ capabilities: { vmPlacementPolicies: true } });
    const zoneTerm = (labels: Record<string, string>) => [
      { labelSelector: { matchLabels: labels }, topologyKey: ZONE_LABEL },
    ];
    const group = (name: string, members: readonly string[]) =>
      sim.kube.create({
        apiVersion: V5,
        kind: 'VirtualMachineGroup',
        metadata: { name, namespace: NS },
        spec: { powerState: 'PoweredOn', bootOrder: [{ members: members.map((m) => ({ name: m })) }] },
      });
    // A database, deployed in the last zone, as its label says.
    const zones = await sim.kube.list({ apiVersion: TOPOLOGY, kind: 'Zone', namespace: NS });
    const last = zones.items.at(-1)?.metadata.name as string;
    await sim.kube.create(vm('db', { tier: 'db', [ZONE_LABEL]: last }));
    await sim.settle();
    // Three web servers apart from each other, each with the database's zone where it can.
    const web = ['web-0', 'web-1', 'web-2'];
    await group('web', web);
    const spread = {
      vmAntiAffinity: { requiredDuringSchedulingPreferredDuringExecution: zoneTerm({ tier: 'web' }) },
    };
    for (const name of web)
      await sim.kube.create(vm(name, { tier: 'web' }, { groupName: 'web', affinity: spread }));
    // A cache that must be beside the database.
    await group('cache', ['cache']);
    const near = {
      vmAffinity: { requiredDuringSchedulingPreferredDuringExecution: zoneTerm({ tier: 'db' }) },
    };
    await sim.kube.create(vm('cache', {}, { groupName: 'cache', affinity: near }));
    await sim.settle();
    expect(new Set(await zonesOf(sim, web)).size).toBe(3);
    expect(await zonesOf(sim, ['cache'])).toEqual([last]);
    // A fourth web server has no zone left: DRS faults the group's placement.
    await group('more', ['web-3']);
    await sim.kube.create(vm('web-3', { tier: 'web' }, { groupName: 'more', affinity: spread }));
    await sim.settle();
    const { status } = await sim.kube.get({
      apiVersion: V5,
      kind: 'VirtualMachineGroup',
      namespace: NS,
      name: 'more',
    });
    const placed = (status as { members: { conditions: { type: string; reason: string }[] }[] }).members[0];
    expect(placed?.conditions.find((c) => c.type === 'PlacementReady')?.reason).toBe('PendingPlacement');
    expect(((await getVm(sim, 'web-3')).status as VmStatus | undefined)?.uniqueID).toBeUndefined();
    expect(String(sim.supervisor.groups.errors.get(`${NS}/more`))).toMatch(
      /^Error: failed to reconcile group placement: faults: \[(ResourcePool resgroup-\d+ faults: the zone affinity of VMs web-3 cannot be satisfied ?){3}\]$/,
    );
  });

  it("lays a resource policy's child pool out in every zone, and a VM naming it runs in its zone's", async () => {
    const sim = await zonalSupervisor();
    await sim.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineSetResourcePolicy',
      metadata: { name: 'policy', namespace: NS },
      spec: { resourcePool: { name: 'workers' }, folder: 'workers' },
    });
    await sim.settle();
    const policy = await sim.kube.get({
      apiVersion: V5,
      kind: 'VirtualMachineSetResourcePolicy',
      namespace: NS,
      name: 'policy',
    });
    const pools = (
      policy.status as { resourcePools: { clusterMoID: string; childResourcePoolMoID: string }[] }
    ).resourcePools;
    expect(pools.map((p) => p.clusterMoID).sort()).toEqual([...sim.supervisor.clusters].sort());
    for (const name of ['p1', 'p2'])
      await sim.kube.create(vm(name, {}, { reserved: { resourcePolicyName: 'policy' } }));
    await sim.settle();
    const zones = await zonesOf(sim, ['p1', 'p2']);
    for (const [i, name] of ['p1', 'p2'].entries()) {
      const id = ((await getVm(sim, name)).status as VmStatus).uniqueID as string;
      const pool = (sim.vsphere.store.get(id) as { pool: string }).pool;
      expect(pools.find((p) => p.clusterMoID === zones[i])?.childResourcePoolMoID).toBe(pool);
    }
  });

  it("keeps a zone's cluster modules while the zone is being deleted, and deletes them once it is gone", async () => {
    const sim = await zonalSupervisor();
    await sim.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineSetResourcePolicy',
      metadata: { name: 'policy', namespace: NS },
      spec: { resourcePool: { name: 'workers' }, clusterModuleGroups: ['workers'] },
    });
    await sim.settle();
    const ref = { apiVersion: V5, kind: 'VirtualMachineSetResourcePolicy', namespace: NS, name: 'policy' };
    type PolicyStatus = { clustermodules: { clusterMoID: string; moduleUUID: string }[] };
    const modules = async () => ((await sim.kube.get(ref)).status as PolicyStatus).clustermodules;
    expect((await modules()).map((m) => m.clusterMoID).sort()).toEqual([...sim.supervisor.clusters].sort());
    const second = sim.supervisor.clusters[1] as string;
    const zone = { apiVersion: TOPOLOGY, kind: 'Zone', namespace: NS, name: second };
    const cluster = (await modules()).find((m) => m.clusterMoID === second);
    if (!cluster) throw new Error(`no module in ${second}`);
    // Held by a finalizer, as the Supervisor's own controllers hold a zone they still clean up.
    const held = await sim.kube.get(zone);
    await sim.kube.update({ ...held, metadata: { ...held.metadata, finalizers: ['test.vsim.dev/hold'] } });
    await sim.kube.delete(zone);
    await sim.settle();
    expect((await modules()).map((m) => m.moduleUUID)).toContain(cluster.moduleUUID);
    const deleting = await sim.kube.get(zone);
    await sim.kube.update({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] } });
    await sim.settle();
    expect((await modules()).map((m) => m.moduleUUID)).not.toContain(cluster.moduleUUID);
  });

  it('keeps the zone chosen for a VM that waits for its cluster module, as the placement labels it', async () => {
    const sim = await zonalSupervisor();
    await sim.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineSetResourcePolicy',
      metadata: { name: 'policy', namespace: NS },
      spec: { resourcePool: { name: 'workers' }, folder: 'workers', clusterModuleGroups: ['workers'] },
    });
    await sim.settle();
    const waiting = vm('w1', {}, { reserved: { resourcePolicyName: 'policy' } });
    await sim.kube.create({
      ...waiting,
      metadata: { ...waiting.metadata, annotations: { 'vsphere-cluster-module-group': 'db' } },
    });
    await sim.settle();
    const zone = (await getVm(sim, 'w1')).metadata.labels?.[ZONE_LABEL];
    expect(zone).toBeDefined();
    // Its retries, with other VMs placed meanwhile, keep it.
    for (const name of ['a', 'b', 'c']) await sim.kube.create(vm(name));
    await sim.advance(60_000);
    expect((await getVm(sim, 'w1')).metadata.labels?.[ZONE_LABEL]).toBe(zone);
    expect(((await getVm(sim, 'w1')).status as VmStatus | undefined)?.uniqueID).toBeUndefined();
  });

  it("attaches a claim's disk to a VM in another zone than the first", async () => {
    const sim = await zonalSupervisor();
    const third = sim.supervisor.clusters[2] as string;
    await sim.kube.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: NS },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'wcpglobal-storage-profile',
        resources: { requests: { storage: '1Gi' } },
      },
    });
    await sim.kube.create(
      vm(
        'stateful',
        { [ZONE_LABEL]: third },
        { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] },
      ),
    );
    await sim.settle();
    expect(await zonesOf(sim, ['stateful'])).toEqual([third]);
    const status = (await getVm(sim, 'stateful')).status as {
      volumes?: { name: string; attached?: boolean }[];
    };
    expect(status.volumes).toContainEqual(expect.objectContaining({ name: 'data', attached: true }));
  });

  it('cleans every zone up when the namespace is deleted', async () => {
    const sim = await zonalSupervisor();
    const zones = (await sim.kube.list({ apiVersion: TOPOLOGY, kind: 'Zone', namespace: NS }))
      .items as ZoneObject[];
    const pools = zones.map((z) => z.spec.namespace.poolMoIDs[0] as string);
    await sim.kube.create(vm('doomed'));
    await sim.settle();
    await sim.kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: NS });
    await sim.settle();
    for (const pool of pools) expect(sim.vsphere.store.has(pool)).toBe(false);
    for (const id of sim.supervisor.clusters) {
      const az = await sim.kube.get({ apiVersion: TOPOLOGY, kind: 'AvailabilityZone', name: id });
      expect((az.spec as { namespaces?: Record<string, unknown> }).namespaces?.[NS]).toBeUndefined();
    }
  });

  it('keeps every VM in the zone it is labelled with, whatever the interleaving of creates, deletes and time', async () => {
    const NAMES = ['v0', 'v1', 'v2', 'v3', 'v4'];
    const command = fc.oneof(
      fc.record({
        op: fc.constant('create' as const),
        vm: fc.nat(NAMES.length - 1),
        zone: fc.option(fc.nat(2), { nil: undefined }),
      }),
      fc.record({ op: fc.constant('delete' as const), vm: fc.nat(NAMES.length - 1) }),
      fc.record({ op: fc.constantFrom('settle' as const, 'advance' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(command, { maxLength: 12 }), async (realistic, commands) => {
        const sim = await zonalSupervisor(realistic ? { timing: 'realistic' } : {});
        const zones = sim.supervisor.clusters;
        for (const c of commands) {
          const name = 'vm' in c ? (NAMES[c.vm] as string) : '';
          if (c.op === 'create') {
            const labels = c.zone === undefined ? {} : { [ZONE_LABEL]: zones[c.zone] as string };
            await sim.kube.create(vm(name, labels)).catch(unless('AlreadyExists'));
          } else if (c.op === 'delete')
            await sim.kube
              .delete({ apiVersion: V5, kind: 'VirtualMachine', namespace: NS, name })
              .catch(unless('NotFound'));
          else if (c.op === 'settle') await sim.settle();
          else await sim.advance(5_000);
        }
        // Long enough for every deployment, deletion and guest address under realistic timings.
        for (let i = 0; i < 12; i++) await sim.advance(10_000);
        const left = (await sim.kube.list({ apiVersion: V5, kind: 'VirtualMachine', namespace: NS })).items;
        await zonesOf(
          sim,
          left.map((o) => o.metadata.name as string),
        );
        const pools = new Set(
          (
            (await sim.kube.list({ apiVersion: TOPOLOGY, kind: 'Zone', namespace: NS })).items as ZoneObject[]
          ).map((z) => z.spec.namespace.poolMoIDs[0]),
        );
        const inVsphere = [...sim.vsphere.store.ofKind('VirtualMachine')].filter((r) =>
          pools.has((r as { pool?: string }).pool),
        );
        expect(inVsphere).toHaveLength(left.length);
        await sim.close();
        sims.splice(sims.indexOf(sim), 1);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses clusters it cannot run on', async () => {
    const inventory = { dc: 2, cluster: 2, host: 1, vm: 0, standaloneHost: 0 };
    const start = (supervisor: Record<string, unknown>) =>
      createSimulator({ seed: 1, inventory, supervisor });
    await expect(start({ cluster: 'DC0_C0', clusters: ['DC0_C1'] })).rejects.toThrow('not both');
    await expect(start({ clusters: [] })).rejects.toThrow('names no cluster');
    await expect(start({ clusters: ['DC0_C0', 'DC0_C0'] })).rejects.toThrow('twice');
    await expect(start({ clusters: ['DC0_C0', 'nowhere'] })).rejects.toThrow('no cluster nowhere');
    await expect(start({ clusters: ['DC0_C0', 'DC1_C0'] })).rejects.toThrow('one datacenter');
  });
});
