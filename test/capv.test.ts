/**
 * A Cluster API cluster as CAPV's supervisor mode writes it, end to end through the public
 * API: a resource policy, a load-balanced API server service, 3 control-plane and 5 worker
 * VirtualMachines with cloud-init Secrets, in v1alpha2 (vSphere 8) and v1alpha5 (CAPV's
 * default). The vSphere side is checked through the SOAP facade, as a vSphere client sees it.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const CLUSTER = 'c1';
const NS = 'ns1';
const CP_LABELS = {
  'capv.vmware.com/cluster.name': CLUSTER,
  'capv.vmware.com/cluster.role': 'controlplane',
  'capw.vmware.com/cluster.name': CLUSTER,
  'capw.vmware.com/cluster.role': 'controlplane',
};

type KubeObject = Parameters<Simulator['kube']['create']>[0];
type Status = {
  powerState?: string;
  biosUUID?: string;
  uniqueID?: string;
  network?: { primaryIP4?: string };
  conditions?: { type: string; status: string }[];
};

/** CAPV's readiness checks, in its order: created, powered on, an address, a BIOS UUID. */
const CAPV_STEPS = [
  (status: Status) =>
    status.conditions?.some((c) => c.type === 'VirtualMachineCreated' && c.status === 'True') === true,
  (status: Status) => status.powerState === 'PoweredOn',
  (status: Status) => Boolean(status.network?.primaryIP4),
  (status: Status) => Boolean(status.biosUUID),
] as const;
const [CREATED, POWERED_ON, IP, BIOS_UUID] = [0, 1, 2, 3] as const;

/** Which of CAPV's checks a status passes, in CAPV's order. */
const capvSteps = (status: Status | undefined) => CAPV_STEPS.map((step) => step(status ?? {}));
/** How far CAPV gets: the number of its checks passed before the first that fails. */
const capvProgress = (steps: readonly boolean[]) => {
  const failing = steps.indexOf(false);
  return failing < 0 ? steps.length : failing;
};
const capvReady = (status: Status | undefined) => capvProgress(capvSteps(status)) === CAPV_STEPS.length;

const envelope = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

/** A logged-in SOAP client of the simulator, reading one property of one object. */
async function soapClient(sim: Simulator) {
  let cookie = '';
  const call = async (body: string) => {
    const res = await sim.fetch(`${sim.url}/sdk`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'urn:vim25/8.0.3.0', ...(cookie ? { cookie } : {}) },
      body: envelope(body),
    });
    cookie = res.headers.get('set-cookie')?.split(';')[0] ?? cookie;
    return res.text();
  };
  await call(
    '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>',
  );
  return {
    async findByUuid(uuid: string): Promise<string | undefined> {
      const text = await call(
        `<FindByUuid xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this><uuid>${uuid}</uuid><vmSearch>true</vmSearch></FindByUuid>`,
      );
      return /<returnval type="VirtualMachine">([^<]+)<\/returnval>/.exec(text)?.[1];
    },
    async property(type: string, id: string, path: string): Promise<string> {
      return call(
        `<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>${type}</type><pathSet>${path}</pathSet></propSet><objectSet><obj type="${type}">${id}</obj></objectSet></specSet></RetrieveProperties>`,
      );
    },
  };
}

/**
 * The cluster, as CAPV writes it, then settled. With `realistic`, vm-operator's timing (see
 * docs/supervisor.md); `watch` is called before anything is written.
 */
async function scenario(
  version: 'v1alpha2' | 'v1alpha5',
  options: {
    realistic?: boolean;
    watch?: (sim: Simulator, apiVersion: string) => void;
    /** The workers placed by a VirtualMachineGroup named after the cluster (CAPV's node auto-placement). */
    grouped?: boolean;
  } = {},
) {
  const sim = await createSimulator({
    seed: 1,
    // Strict: every write, CAPV's and the controllers' own, sends only fields its kind declares.
    supervisor: {
      namespaces: [NS],
      fieldValidation: 'Strict',
      ...(options.realistic ? { timing: 'realistic' as const } : {}),
    },
  });
  sims.push(sim);
  const apiVersion = `vmoperator.vmware.com/${version}`;
  options.watch?.(sim, apiVersion);
  const { kube } = sim;
  const images = await kube.list({ apiVersion, kind: 'VirtualMachineImage', namespace: NS });
  const image = images.items.find((i) => String((i.status as { name?: string }).name).startsWith('ubuntu'));
  const imageName = (image?.status as { name?: string } | undefined)?.name;
  // CAPV's net-operator provider: the namespace's one Network labelled as CAPV's default.
  const networks = await kube.list({
    apiVersion: 'netoperator.vmware.com/v1alpha1',
    kind: 'Network',
    namespace: NS,
    labelSelector: 'capv.vmware.com/is-default-network=true',
  });
  expect(networks.items).toHaveLength(1);
  const network = networks.items[0]?.metadata.name;

  await kube.create({
    apiVersion,
    kind: 'VirtualMachineSetResourcePolicy',
    metadata: { name: CLUSTER, namespace: NS },
    spec: {
      resourcePool: { name: CLUSTER },
      folder: CLUSTER,
      clusterModuleGroups: ['control-plane-group', `${CLUSTER}-workers-0`],
    },
  });
  await kube.create({
    apiVersion,
    kind: 'VirtualMachineService',
    metadata: { name: CLUSTER, namespace: NS },
    spec: {
      type: 'LoadBalancer',
      ports: [{ name: 'apiserver', protocol: 'TCP', port: 6443, targetPort: 6443 }],
      selector: CP_LABELS,
    },
  });
  const machine = (name: string, role: 'controlplane' | 'node'): KubeObject => ({
    apiVersion,
    kind: 'VirtualMachine',
    metadata: {
      name,
      namespace: NS,
      labels: {
        'capv.vmware.com/cluster.name': CLUSTER,
        'capv.vmware.com/cluster.role': role,
        'capw.vmware.com/cluster.name': CLUSTER,
        'capw.vmware.com/cluster.role': role,
        'cluster.x-k8s.io/cluster-name': CLUSTER,
        ...(role === 'node' ? { 'cluster.x-k8s.io/deployment-name': `${CLUSTER}-md-0` } : {}),
      },
      annotations: {
        'vsphere-tag': role === 'controlplane' ? 'CtrlVmVmAATag' : 'WorkerVmVmAATag',
        'vsphere-cluster-module-group':
          role === 'controlplane' ? 'control-plane-group' : `${CLUSTER}-workers-0`,
      },
    },
    spec: {
      imageName,
      className: 'best-effort-small',
      storageClass: 'wcpglobal-storage-profile',
      powerState: 'PoweredOn',
      powerOffMode: 'Hard',
      minHardwareVersion: 19,
      reserved: { resourcePolicyName: CLUSTER },
      bootstrap: { cloudInit: { rawCloudConfig: { name, key: 'user-data' } } },
      network: {
        interfaces: [
          {
            name: 'eth0',
            network: { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network', name: network },
          },
        ],
      },
      ...(role === 'controlplane' ? { readinessProbe: { tcpSocket: { port: 6443 } } } : {}),
      ...(options.grouped && role === 'node' ? { groupName: CLUSTER } : {}),
    },
  });
  const names = [
    ...[0, 1, 2].map((i) => `${CLUSTER}-cp-${i}`),
    ...[0, 1, 2, 3, 4].map((i) => `${CLUSTER}-md-${i}`),
  ];
  if (options.grouped)
    await kube.create({
      apiVersion,
      kind: 'VirtualMachineGroup',
      metadata: { name: CLUSTER, namespace: NS },
      spec: {
        powerState: 'PoweredOn',
        bootOrder: [{ members: names.filter((n) => n.includes('-md-')).map((name) => ({ name })) }],
      },
    });
  for (const name of names) {
    // CAPI's bootstrap Secrets carry the data under `value`: vm-operator falls back to it.
    await kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NS },
      stringData: { value: `#cloud-config\nhostname: ${name}\n` },
    });
    await kube.create(machine(name, name.includes('-cp-') ? 'controlplane' : 'node'));
  }
  await sim.settle();
  const vm = async (name: string) =>
    (await kube.get({ apiVersion, kind: 'VirtualMachine', namespace: NS, name })) as KubeObject & {
      status?: Status;
    };
  return { sim, kube, apiVersion, names, vm };
}

describe.each(['v1alpha2', 'v1alpha5'] as const)('a CAPV cluster in %s', (version) => {
  it('reaches readiness, gets its endpoint, scales down and goes with its namespace', async () => {
    const { sim, kube, apiVersion, names, vm } = await scenario(version);
    const soap = await soapClient(sim);

    for (const name of names) {
      const { status } = await vm(name);
      expect(capvReady(status), `${name} is CAPV-ready`).toBe(true);
      // providerID = vsphere://<biosUUID>: the UUID finds the VM in vSphere.
      const found = await soap.findByUuid(status?.biosUUID as string);
      expect(found).toBe(status?.uniqueID);
      const parent = await soap.property('VirtualMachine', found as string, 'parent');
      const folderName = await soap.property(
        'Folder',
        /type="Folder">([^<]+)</.exec(parent)?.[1] as string,
        'name',
      );
      expect(folderName).toContain(`<val xsi:type="xsd:string">${CLUSTER}</val>`);
      // The bootstrap Secret reached the guest, as vm-operator hands cloud-init its data.
      const userData = await soap.property(
        'VirtualMachine',
        found as string,
        'config.extraConfig["guestinfo.userdata"]',
      );
      const encoded = /<value xsi:type="xsd:string">([^<]+)</.exec(userData)?.[1] as string;
      expect(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8')).toBe(
        `#cloud-config\nhostname: ${name}\n`,
      );
    }

    // Each VM joined its group's cluster module (vm-operator's anti-affinity), and says so.
    const laidOut = await kube.get({
      apiVersion,
      kind: 'VirtualMachineSetResourcePolicy',
      namespace: NS,
      name: CLUSTER,
    });
    const modules = (laidOut.status as { clustermodules?: { groupName: string; moduleUUID: string }[] })
      .clustermodules;
    const moduleOf = (group: string) => modules?.find((m) => m.groupName === group)?.moduleUUID as string;
    const membersOf = async (group: string) =>
      Promise.all(
        names
          .filter((n) => (n.includes('-cp-') ? 'control-plane-group' : `${CLUSTER}-workers-0`) === group)
          .map(async (n) => (await vm(n)).status?.uniqueID),
      );
    for (const group of ['control-plane-group', `${CLUSTER}-workers-0`]) {
      expect(sim.vsphere.clusterModules.members(moduleOf(group)).sort()).toEqual(
        (await membersOf(group)).sort(),
      );
    }
    const cp0 = await vm(names[0] as string);
    expect(cp0.metadata.annotations?.['vsphere-cluster-module-group-uuid']).toBe(
      moduleOf('control-plane-group'),
    );

    const service = await kube.get({
      apiVersion,
      kind: 'VirtualMachineService',
      namespace: NS,
      name: CLUSTER,
    });
    const ingress = (service.status as { loadBalancer?: { ingress?: { ip: string }[] } }).loadBalancer
      ?.ingress?.[0]?.ip;
    expect(ingress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const endpoints = await kube.get({ apiVersion: 'v1', kind: 'Endpoints', namespace: NS, name: CLUSTER });
    const addresses = (endpoints.subsets as { addresses: { ip: string }[] }[])[0]?.addresses
      .map((a) => a.ip)
      .sort();
    const cpIps = await Promise.all(
      names.filter((n) => n.includes('-cp-')).map(async (n) => (await vm(n)).status?.network?.primaryIP4),
    );
    expect(addresses).toEqual(cpIps.sort());

    // Scaling down deletes the VMs in vSphere.
    const gone = [names[6], names[7]] as string[];
    const morefs = await Promise.all(gone.map(async (n) => (await vm(n)).status?.uniqueID as string));
    for (const name of gone) await kube.delete({ apiVersion, kind: 'VirtualMachine', namespace: NS, name });
    await sim.settle();
    for (const moref of morefs) expect(sim.vsphere.store.get(moref)).toBeUndefined();

    // A deleted policy stays while VMs name it.
    await kube.delete({ apiVersion, kind: 'VirtualMachineSetResourcePolicy', namespace: NS, name: CLUSTER });
    await sim.settle();
    const policy = await kube.get({
      apiVersion,
      kind: 'VirtualMachineSetResourcePolicy',
      namespace: NS,
      name: CLUSTER,
    });
    expect(policy.metadata.deletionTimestamp).toBeDefined();

    // Deleting the namespace cleans up everything, in Kubernetes and in vSphere.
    const all = await Promise.all(
      names.slice(0, 6).map(async (n) => (await vm(n)).status?.uniqueID as string),
    );
    await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: NS });
    await sim.settle();
    for (const moref of all) expect(sim.vsphere.store.get(moref)).toBeUndefined();
    await expect(kube.get({ apiVersion: 'v1', kind: 'Namespace', name: NS })).rejects.toMatchObject({
      code: 404,
    });
    expect(sim.vsphere.store.countOf('VirtualMachine')).toBe(4);
  });
});

describe.each(['v1alpha2', 'v1alpha5'] as const)(
  'a CAPV cluster in %s whose workers a group places',
  (version) => {
    it("places the workers through the group, in the policy's pool, and takes them with it", async () => {
      const { sim, kube, apiVersion, names, vm } = await scenario(version, { grouped: true });
      const soap = await soapClient(sim);
      const groupRef = { apiVersion, kind: 'VirtualMachineGroup', namespace: NS, name: CLUSTER };
      type GroupStatus = {
        conditions?: { type: string; status: string }[];
        members?: { name: string; uid?: string; placement?: { zoneID?: string; pool?: string } }[];
      };
      const group = await kube.get(groupRef);
      const status = group.status as GroupStatus;
      expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      const zone = sim.supervisor?.zone as string;
      const workers = names.filter((n) => n.includes('-md-'));
      for (const name of names)
        expect(capvReady((await vm(name)).status), `${name} is CAPV-ready`).toBe(true);
      for (const name of workers) {
        const worker = await vm(name);
        const placed = status.members?.find((m) => m.name === name);
        expect(placed?.uid).toBe(worker.metadata.uid);
        expect(placed?.placement?.zoneID).toBe(zone);
        expect(worker.metadata.labels?.['topology.kubernetes.io/zone']).toBe(zone);
        // The group placed it in the resource policy's child pool, where vSphere has it.
        const pool = await soap.property('VirtualMachine', worker.status?.uniqueID as string, 'resourcePool');
        expect(pool).toContain(`>${placed?.placement?.pool}</val>`);
        const poolName = await soap.property('ResourcePool', placed?.placement?.pool as string, 'name');
        expect(poolName).toContain(`<val xsi:type="xsd:string">${CLUSTER}</val>`);
        expect(worker.metadata.ownerReferences?.map((r) => r.kind)).toEqual(['VirtualMachineGroup']);
      }
      const morefs = await Promise.all(workers.map(async (n) => (await vm(n)).status?.uniqueID as string));
      await kube.delete(groupRef);
      await sim.settle();
      for (const moref of morefs) expect(sim.vsphere.store.get(moref)).toBeUndefined();
      expect(capvReady((await vm(names[0] as string)).status)).toBe(true);
    });
  },
);

describe.each(['v1alpha2', 'v1alpha5'] as const)('a CAPV cluster in %s, with realistic timing', (version) => {
  it("brings every machine through CAPV's readiness checks in CAPV's order", async () => {
    /** What one write left of a VM: its resourceVersion, when (on the clock), the checks it passes. */
    type Seen = { rv: number; at: number; steps: boolean[]; biosUUID: string | undefined };
    const history = new Map<string, Seen[]>();
    let stop = () => {};
    let start = 0;
    const { sim, names, vm } = await scenario(version, {
      realistic: true,
      watch: (s, apiVersion) => {
        start = s.vsphere.clock.now();
        // Synchronous: each write of a VM is heard as it is committed, with the clock's time then.
        stop = s.kube.subscribe({ apiVersion, kind: 'VirtualMachine', namespace: NS }, (event) => {
          if (event.type === 'DELETED') return;
          const name = event.object.metadata.name as string;
          const status = event.object.status as Status | undefined;
          const seen = history.get(name) ?? [];
          history.set(name, seen);
          seen.push({
            rv: Number(event.object.metadata.resourceVersion),
            at: s.vsphere.clock.now() - start,
            steps: capvSteps(status),
            biosUUID: status?.biosUUID,
          });
        });
      },
    });
    const latest = (name: string) => history.get(name)?.at(-1);
    const allReady = () => names.every((n) => latest(n)?.steps.every(Boolean) === true);
    // Settled, nothing is created yet: the deployments take time.
    expect(names.every((n) => latest(n)?.steps[CREATED] === false)).toBe(true);
    const deploy = sim.vsphere.taskDurations.DeployLibraryItem as number;
    const addressDelay = sim.vsphere.guestAddressDelayMs;
    expect(deploy).toBeGreaterThan(0);
    expect(addressDelay).toBeGreaterThan(0);
    // Forward in 5 s steps, for at most 2 minutes of the simulator's clock.
    while (!allReady() && sim.vsphere.clock.now() - start < 120_000) await sim.advance(5_000);
    stop();
    expect(allReady(), 'every machine CAPV-ready within 2 minutes').toBe(true);

    for (const name of names) {
      const seen = history.get(name) ?? [];
      const { status } = await vm(name);
      expect(capvReady(status), `${name} is CAPV-ready`).toBe(true);
      // CAPV never goes back: the first of its checks that fails only moves on, write after write.
      const progress = seen.map((s) => capvProgress(s.steps));
      expect(progress, `${name}: CAPV's progress per write`).toEqual([...progress].sort((a, b) => a - b));
      // No power without the VM created, no address without power, in any write.
      for (const { steps } of seen) {
        if (steps[POWERED_ON]) expect(steps[CREATED], `${name}: PoweredOn, not created`).toBe(true);
        if (steps[IP]) expect(steps[POWERED_ON], `${name}: an address, not PoweredOn`).toBe(true);
      }
      const first = (step: number) => seen.find((s) => s.steps[step]) as Seen;
      const [created, poweredOn, ip, bios] = [CREATED, POWERED_ON, IP, BIOS_UUID].map(first) as Seen[];
      // The deployment includes the boot (docs/supervisor.md): Created and PoweredOn come in
      // the same write, once the deployment's time has passed.
      expect(poweredOn?.rv).toBe(created?.rv);
      expect(created?.at).toBeGreaterThanOrEqual(deploy);
      // The guest reports its address later, in a write of its own.
      expect(ip?.rv).toBeGreaterThan(poweredOn?.rv as number);
      expect((ip?.at as number) - (poweredOn?.at as number)).toBeGreaterThanOrEqual(addressDelay);
      // CAPV checks the BIOS UUID last, but it is read from the VM's config (as vm-operator reads
      // it) into the first status that says the VM is created: it is there before the address,
      // and never is what CAPV waits for. No later order is claimed for it; it never changes.
      expect(bios?.rv).toBe(created?.rv);
      expect(new Set(seen.map((s) => s.biosUUID).filter(Boolean))).toEqual(new Set([status?.biosUUID]));
    }
  });
});
