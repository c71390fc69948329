/**
 * A Cluster API cluster as CAPV's supervisor mode wrote it before v1alpha2 (CAPV 1.x up to
 * 1.8), in vm-operator's deprecated v1alpha1: a resource policy with its cluster modules, a
 * load-balanced service, control-plane and worker VirtualMachines whose cloud-init comes
 * through `vmMetadata`, on the default network. It reaches the readiness that CAPV read from
 * v1alpha1's status (phase Created, poweredOn, a vmIp, a BIOS UUID), and newer clients read
 * the same objects in their own versions.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const NS = 'ns1';
const CLUSTER = 'c1';
const V1 = 'vmoperator.vmware.com/v1alpha1';
const V5 = 'vmoperator.vmware.com/v1alpha5';
const CP_LABELS = { 'capv.vmware.com/cluster.name': CLUSTER, 'capv.vmware.com/cluster.role': 'controlplane' };

interface V1alpha1Status {
  phase?: string;
  powerState?: string;
  vmIp?: string;
  biosUUID?: string;
  uniqueID?: string;
  host?: string;
}

type KubeObject = Parameters<Simulator['kube']['create']>[0];

/** The cloud-init user data the guest is handed, from the VM's extra config. */
function userDataOf(sim: Simulator, moref: string): string {
  const extraConfig = sim.vsphere.read(moref, 'config.extraConfig') as { key: string; value: string }[];
  const encoded = extraConfig.find((o) => o.key === 'guestinfo.userdata')?.value as string;
  return gunzipSync(Buffer.from(encoded, 'base64')).toString();
}

async function cluster() {
  // Strict: every write, CAPV's and the controllers' own, sends only fields its kind declares.
  const sim = await createSimulator({ seed: 1, supervisor: { namespaces: [NS], fieldValidation: 'Strict' } });
  sims.push(sim);
  const { kube } = sim;
  await sim.settle();
  const images = await kube.list({ apiVersion: V1, kind: 'VirtualMachineImage', namespace: NS });
  // v1alpha1's image status names the image as the library item does.
  const image = images.items.find((i) =>
    String((i.status as { imageName?: string }).imageName).startsWith('ubuntu'),
  );
  const imageName = (image?.status as { imageName?: string } | undefined)?.imageName;
  await kube.create({
    apiVersion: V1,
    kind: 'VirtualMachineSetResourcePolicy',
    metadata: { name: CLUSTER, namespace: NS },
    spec: {
      resourcepool: { name: CLUSTER },
      folder: { name: CLUSTER },
      clustermodules: [{ groupname: 'control-plane-group' }, { groupname: `${CLUSTER}-workers-0` }],
    },
  });
  await kube.create({
    apiVersion: V1,
    kind: 'VirtualMachineService',
    metadata: { name: CLUSTER, namespace: NS },
    spec: {
      type: 'LoadBalancer',
      ports: [{ name: 'apiserver', protocol: 'TCP', port: 6443, targetPort: 6443 }],
      selector: CP_LABELS,
    },
  });
  const names = [`${CLUSTER}-cp-0`, `${CLUSTER}-cp-1`, `${CLUSTER}-md-0`];
  for (const name of names) {
    const controlPlane = name.includes('-cp-');
    await kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NS },
      stringData: { 'user-data': `#cloud-config\nhostname: ${name}\n` },
    });
    const machine: KubeObject = {
      apiVersion: V1,
      kind: 'VirtualMachine',
      metadata: {
        name,
        namespace: NS,
        labels: controlPlane ? CP_LABELS : { 'capv.vmware.com/cluster.name': CLUSTER },
        annotations: {
          'vsphere-cluster-module-group': controlPlane ? 'control-plane-group' : `${CLUSTER}-workers-0`,
        },
      },
      spec: {
        imageName,
        className: 'best-effort-small',
        storageClass: 'wcpglobal-storage-profile',
        powerState: 'poweredOn',
        resourcePolicyName: CLUSTER,
        vmMetadata: { secretName: name, transport: 'CloudInit' },
        networkInterfaces: [{ networkType: 'vsphere-distributed' }],
        ...(controlPlane ? { readinessProbe: { tcpSocket: { port: 6443 } } } : {}),
      },
    };
    await kube.create(machine);
  }
  await sim.settle();
  const vm = async (name: string, apiVersion = V1) =>
    kube.get({ apiVersion, kind: 'VirtualMachine', namespace: NS, name });
  return { sim, kube, names, vm, imageName };
}

describe('a CAPV cluster in v1alpha1', () => {
  it("reaches CAPV's v1alpha1 readiness, its service an address, and reads the same in v1alpha5", async () => {
    const { sim, kube, names, vm } = await cluster();
    for (const name of names) {
      const machine = await vm(name);
      const status = machine.status as V1alpha1Status;
      expect(status.phase, name).toBe('Created');
      expect(status.powerState).toBe('poweredOn');
      expect(status.vmIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(status.biosUUID).toMatch(/^[0-9a-f-]{36}$/);
      // What v1alpha1 wrote reads back as written.
      expect(machine.spec).toMatchObject({
        powerState: 'poweredOn',
        resourcePolicyName: CLUSTER,
        vmMetadata: { secretName: name, transport: 'CloudInit' },
        networkInterfaces: [{ networkType: 'vsphere-distributed' }],
      });
      // The vSphere VM is in the policy's folder, and cloud-init has the Secret's user data.
      const record = sim.vsphere.store.get(status.uniqueID as string);
      expect(sim.vsphere.read(record?.id as string, 'name')).toBe(name);
      const parent = sim.vsphere.read(record?.id as string, 'parent') as { value: string };
      expect(sim.vsphere.read(parent.value, 'name')).toBe(CLUSTER);
      expect(userDataOf(sim, record?.id as string)).toBe(`#cloud-config\nhostname: ${name}\n`);
      // A newer client reads the same VM in its version.
      const newer = await vm(name, V5);
      expect(newer.spec).toMatchObject({
        powerState: 'PoweredOn',
        reserved: { resourcePolicyName: CLUSTER },
        bootstrap: { cloudInit: { rawCloudConfig: { name, key: 'user-data' } } },
      });
      expect((newer.status as { network?: { primaryIP4?: string } }).network?.primaryIP4).toBe(status.vmIp);
    }
    const policy = await kube.get({
      apiVersion: V1,
      kind: 'VirtualMachineSetResourcePolicy',
      namespace: NS,
      name: CLUSTER,
    });
    expect(
      (policy.status as { clustermodules?: { groupname: string }[] }).clustermodules?.map((m) => m.groupname),
    ).toEqual(['control-plane-group', `${CLUSTER}-workers-0`]);
    const service = await kube.get({
      apiVersion: V1,
      kind: 'VirtualMachineService',
      namespace: NS,
      name: CLUSTER,
    });
    expect(
      (service.status as { loadBalancer?: { ingress?: { ip: string }[] } }).loadBalancer?.ingress?.[0]?.ip,
    ).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('powers off and deletes through v1alpha1', async () => {
    const { sim, kube, vm } = await cluster();
    const name = `${CLUSTER}-md-0`;
    const machine = await vm(name);
    await kube.update({ ...machine, spec: { ...(machine.spec as object), powerState: 'poweredOff' } });
    await sim.settle();
    const off = await vm(name);
    expect((off.status as V1alpha1Status).powerState).toBe('poweredOff');
    expect((off.spec as { powerState: string }).powerState).toBe('poweredOff');
    const moref = (off.status as V1alpha1Status).uniqueID as string;
    expect(sim.vsphere.read(moref, 'runtime.powerState')).toBe('poweredOff');
    await kube.delete({ apiVersion: V1, kind: 'VirtualMachine', namespace: NS, name });
    await sim.settle();
    expect(sim.vsphere.store.get(moref)).toBeUndefined();
    await expect(vm(name)).rejects.toMatchObject({ code: 404 });
  });

  it("hands the guest a ConfigMap's data when vmMetadata names one, and an ExtraConfig Secret's", async () => {
    const { sim, kube, vm, imageName } = await cluster();
    await kube.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'plain', namespace: NS },
      data: { 'user-data': '#cloud-config\nhostname: from-config-map\n' },
    });
    await kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'extra', namespace: NS },
      stringData: { 'guestinfo.userdata': '#cloud-config\nhostname: from-extra-config\n' },
    });
    const machine = (name: string, vmMetadata: Record<string, string>): KubeObject => ({
      apiVersion: V1,
      kind: 'VirtualMachine',
      metadata: { name, namespace: NS },
      spec: {
        imageName,
        className: 'best-effort-small',
        storageClass: 'wcpglobal-storage-profile',
        powerState: 'poweredOn',
        vmMetadata,
      },
    });
    await kube.create(machine('by-config-map', { configMapName: 'plain', transport: 'CloudInit' }));
    await kube.create(machine('by-extra-config', { secretName: 'extra', transport: 'ExtraConfig' }));
    await sim.settle();
    for (const [name, hostname, vmMetadata] of [
      ['by-config-map', 'from-config-map', { configMapName: 'plain', transport: 'CloudInit' }],
      ['by-extra-config', 'from-extra-config', { secretName: 'extra', transport: 'ExtraConfig' }],
    ] as const) {
      const made = await vm(name);
      const status = made.status as V1alpha1Status;
      expect(status.phase, name).toBe('Created');
      expect(userDataOf(sim, status.uniqueID as string)).toBe(`#cloud-config\nhostname: ${hostname}\n`);
      expect((made.spec as { vmMetadata?: unknown }).vmMetadata).toEqual(vmMetadata);
    }
  });
});
