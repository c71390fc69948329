import { gzipSync } from 'node:zlib';
/**
 * Every prerequisite of a VirtualMachine through the controller: the exact condition and
 * reason while it is missing, nothing created in vSphere, then convergence once fixed.
 */
import { type MoRef, SAMPLE_OVF_IMAGES, type TaskRecord, type VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PAUSED_ANNOTATION } from '../../api/annotations.js';
import type { Condition, VirtualMachine, VirtualMachineSetResourcePolicy } from '../../api/types.js';
import { PROVIDER_CONFIG_MAP, VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import type { KubeObject } from '../../store/meta.js';
import {
  createSupervisorFixture,
  type SupervisorFixture,
  type SupervisorFixtureOptions,
} from '../../testing/fixture.js';
import { fromGzipBase64 } from '../../testing/guest-info.js';
import { annotateAsAdministrator } from '../../testing/virtual-machine.js';
import { imageNameOf } from '../images/names.js';
import { CONDITION, REASON } from './conditions.js';
import { type DependencyReader, globalDnsOf } from './prerequisites.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const V6 = 'vmoperator.vmware.com/v1alpha6';
const ref = (name: string) => ({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name });

const PROVIDER_CONFIG = { apiVersion: 'v1', kind: 'ConfigMap', name: PROVIDER_CONFIG_MAP };
const POLICY = {
  apiVersion: V5,
  kind: 'VirtualMachineSetResourcePolicy',
  namespace: 'ns1',
  name: 'cluster1',
};

async function setup(options: Pick<SupervisorFixtureOptions, 'capabilities'> = {}) {
  const f = await createSupervisorFixture({ namespaces: ['ns1'], ...options });
  const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const image = images.items[0]?.metadata.name as string;
  const vms = () => f.vsphere.store.countOf('VirtualMachine');
  const get = async (name: string) => (await f.kube.get(ref(name))) as unknown as VirtualMachine;
  const conditionOf = async (name: string, type: string) =>
    (await get(name)).status?.conditions?.find((c: Condition) => c.type === type);
  const create = (
    name: string,
    spec: Record<string, unknown>,
    annotations?: Record<string, string>,
    apiVersion = V5,
  ) =>
    f.kube.create({
      apiVersion,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1', ...(annotations ? { annotations } : {}) },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: image },
        storageClass: 'wcpglobal-storage-profile',
        ...spec,
      },
    });
  const recordOf = async (name: string) =>
    f.vsphere.store.get((await get(name)).status?.uniqueID as string) as VmRecord;
  /** The VM converged: created and powered on with an address. */
  const converged = async (name: string) => {
    const vm = await get(name);
    expect(vm.status?.conditions?.find((c) => c.type === CONDITION.created)?.status).toBe('True');
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect(vm.status?.network?.primaryIP4).toMatch(/^10\./);
  };
  return { ...f, image, vms, get, conditionOf, create, converged, recordOf };
}

/** A VM of the policy `cluster1` in a cluster module group, annotated as CAPV makes one. */
const inGroup = (f: Awaited<ReturnType<typeof setup>>, name: string, group: string) =>
  f.create(name, { reserved: { resourcePolicyName: 'cluster1' } }, { 'vsphere-cluster-module-group': group });

/** md1, deployed in the `workers` module of a policy of cluster modules alone. */
async function workerOfModulesAlone(f: Awaited<ReturnType<typeof setup>>): Promise<void> {
  await f.kube.create({
    ...POLICY,
    metadata: { name: 'cluster1', namespace: 'ns1' },
    spec: { clusterModuleGroups: ['workers'] },
  });
  await inGroup(f, 'md1', 'workers');
  await f.settle();
  await f.converged('md1');
}

/** A VM's cloud-init GuestInfo, decoded (each key is gzip+base64). */
function guestInfoOf(record: VmRecord): Map<string, string> {
  const out = new Map<string, string>();
  for (const { key, value } of record.config.extraConfig ?? []) {
    if (!key.startsWith('guestinfo.') || key.endsWith('.encoding')) continue;
    expect(record.config.extraConfig).toContainEqual({ key: `${key}.encoding`, value: 'gzip+base64' });
    out.set(key, fromGzipBase64(value));
  }
  return out;
}

const secret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns1' },
  stringData: data,
});

/** The Secret `ns1/<name>` with these keys set (plain text), its others kept. */
async function setSecretData(f: SupervisorFixture, name: string, data: Record<string, string>) {
  const stored = await f.kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'ns1', name });
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  await f.kube.update({ ...stored, data: { ...(stored.data as object), ...encoded } });
}

describe('VirtualMachine prerequisites', () => {
  it('waits for a missing class with ClassReady False NotFound, then converges when it appears', async () => {
    const f = await setup();
    const before = f.vms();
    await f.create('vm1', { className: 'custom' });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.classReady)).toMatchObject({
      status: 'False',
      reason: REASON.notFound,
      message: 'virtualmachineclasses.vmoperator.vmware.com "custom" not found',
    });
    expect(await f.conditionOf('vm1', CONDITION.created)).toBeUndefined();
    expect(f.vms()).toBe(before);
    // Waiting, it is reconciled again with the controller's backoff (5 ms doubling), as
    // vm-operator's failed reconcile is: none due at once, then passes 5, 15, 35, 75, 155, 315
    // and 635 ms on.
    const stats = () => f.supervisor.virtualMachines.controller.stats;
    const passes = stats().reconciles;
    await f.settle();
    expect(stats().reconciles).toBe(passes);
    await f.advance(1_000);
    expect(stats().reconciles - passes).toBe(7);
    await f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineClass',
      metadata: { name: 'custom', namespace: 'ns1' },
      spec: { hardware: { cpus: 3, memory: '3Gi' } },
    });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.classReady)).toMatchObject({ status: 'True' });
    await f.converged('vm1');
    const record = await f.recordOf('vm1');
    expect(record.config).toMatchObject({ numCPU: 3, memoryMB: 3072 });
  });

  it('waits for a missing image with ImageReady False NotFound, then converges when it appears', async () => {
    const f = await setup();
    const datastore = f.vsphere.store.ofKind('Datastore').next().value?.id as string;
    const library = f.vsphere.library.create({ name: 'later', datastore, type: 'LOCAL' });
    const item = f.vsphere.library.createItem(
      library,
      SAMPLE_OVF_IMAGES[1] as (typeof SAMPLE_OVF_IMAGES)[number],
    );
    const before = f.vms();
    await f.create('vm1', { image: { kind: 'VirtualMachineImage', name: imageNameOf(item) } });
    await f.settle();
    // vm-operator's condition carries the API server's NotFound error, as for a missing class.
    expect(await f.conditionOf('vm1', CONDITION.imageReady)).toMatchObject({
      status: 'False',
      reason: REASON.notFound,
      message: `virtualmachineimages.vmoperator.vmware.com "${imageNameOf(item)}" not found`,
    });
    expect(await f.conditionOf('vm1', CONDITION.created)).toBeUndefined();
    expect(f.vms()).toBe(before);
    f.supervisor.images.setNamespaceLibraries('ns1', [
      ...(await f.supervisor.prepareNamespace('ns1')).libraries,
      library,
    ]);
    await f.settle();
    await f.converged('vm1');
    const record = await f.recordOf('vm1');
    expect(record.config.guestId).toBe('vmwarePhoton64Guest');
  });

  it("reports an image's own reason while it is not ready, and since when an image is ready", async () => {
    const f = await setup();
    const ready = await f.kube.get({
      apiVersion: V6,
      kind: 'VirtualMachineImage',
      namespace: 'ns1',
      name: f.image,
    });
    const readySince = (ready.status as { conditions: Condition[] }).conditions.find(
      (c) => c.type === 'Ready',
    );
    await f.kube.create({
      apiVersion: V6,
      kind: 'VirtualMachineImage',
      metadata: { name: 'vmi-mine', namespace: 'ns1' },
    });
    await f.create('vm1', { image: { kind: 'VirtualMachineImage', name: 'vmi-mine' } });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.imageReady)).toMatchObject({
      status: 'False',
      reason: REASON.notReady,
      message: 'VirtualMachineImage is not ready',
    });
    const mine = await f.kube.get({
      apiVersion: V6,
      kind: 'VirtualMachineImage',
      namespace: 'ns1',
      name: 'vmi-mine',
    });
    const notReady = {
      type: 'Ready',
      status: 'False',
      reason: 'ProviderSecurityNotCompliant',
      message: 'not signed',
    };
    await f.kube.updateStatus({
      ...mine,
      status: { conditions: [{ ...notReady, lastTransitionTime: readySince?.lastTransitionTime }] },
    });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.imageReady)).toMatchObject({
      status: 'False',
      reason: 'ProviderSecurityNotCompliant',
      message: 'not signed',
    });
    await f.create('vm2', {});
    await f.settle();
    expect(await f.conditionOf('vm2', CONDITION.imageReady)).toMatchObject({
      status: 'True',
      message: `VirtualMachineImage was ready at ${readySince?.lastTransitionTime}`,
    });
  });

  it('refuses a new VM whose storage class does not exist or is not in the namespace quota', async () => {
    const f = await setup();
    const denied = (detail: string) => ({
      code: 422,
      message: expect.stringContaining(`spec.storageClass: Invalid value: "gold": ${detail}`),
    });
    await expect(f.create('vm1', { storageClass: 'gold' })).rejects.toMatchObject(
      denied('Storage policy gold does not exist'),
    );
    const prepared = await f.kube.get({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      name: 'wcpglobal-storage-profile',
    });
    await f.kube.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gold' },
      provisioner: 'csi.vsphere.vmware.com',
      parameters: prepared.parameters,
    });
    await expect(f.create('vm1', { storageClass: 'gold' })).rejects.toMatchObject(
      denied('Storage policy is not associated with the namespace ns1'),
    );
    // Any limit of the class assigns it, not only its storage.
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'gold-quota', namespace: 'ns1' },
      spec: { hard: { 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '10' } },
    });
    await f.create('vm1', { storageClass: 'gold' });
    await f.settle();
    await f.converged('vm1');
  });

  it('reports a storage class without its storage policy as vm-operator reads it', async () => {
    const f = await setup();
    await f.kube.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'bronze' },
      provisioner: 'csi.vsphere.vmware.com',
    });
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'bronze-quota', namespace: 'ns1' },
      spec: { hard: { 'bronze.storageclass.storage.k8s.io/requests.storage': '1Ti' } },
    });
    await f.create('vm1', { storageClass: 'bronze' });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.storageReady)).toMatchObject({
      status: 'False',
      reason: 'GetError',
      message: 'StorageClass "bronze" does not have "storagePolicyID" parameter',
    });
  });

  it('reports a storage class taken out of the namespace quota, and converges once it is back', async () => {
    const f = await setup();
    const quotaRef = { apiVersion: 'v1', kind: 'ResourceQuota', namespace: 'ns1', name: 'ns1-storagequota' };
    const quota = await f.kube.get(quotaRef);
    await f.create('vm1', {});
    await f.kube.delete(quotaRef);
    await f.settle();
    const out = await f.conditionOf('vm1', CONDITION.storageReady);
    expect(out).toMatchObject({ status: 'False', reason: REASON.notFound });
    expect(out?.message).toBe('StorageClass wcpglobal-storage-profile is not associated with namespace ns1');
    expect(await f.conditionOf('vm1', CONDITION.created)).toBeUndefined();
    await f.kube.create({ ...quota, metadata: { name: quotaRef.name, namespace: 'ns1' } });
    await f.settle();
    await f.converged('vm1');
  });

  it('requires a storage class, as a Supervisor’s provider config says, and converges with the namespace’s', async () => {
    const f = await setup();
    const before = f.vms();
    const config = await f.kube.get({ ...PROVIDER_CONFIG, namespace: VM_OPERATOR_NAMESPACE });
    expect(config.data).toMatchObject({ StorageClassRequired: 'true' });
    await f.create('vm1', { storageClass: '' });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.storageReady)).toMatchObject({
      status: 'False',
      reason: REASON.storageClassRequired,
      message: 'StorageClass is required but not specified',
    });
    expect(await f.conditionOf('vm1', CONDITION.created)).toBeUndefined();
    expect(f.vms()).toBe(before);
    // spec.storageClass is immutable (vm-operator's webhook), even while the VM waits for one:
    // the VM is made again with the namespace's storage class.
    const { storageClass } = await f.supervisor.prepareNamespace('ns1');
    await expect(
      f.kube.patch(ref('vm1'), { spec: { storageClass } }, { type: 'merge' }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        `spec.storageClass: Invalid value: "${storageClass}": field is immutable`,
      ),
    });
    expect((await f.get('vm1')).spec?.storageClass).toBe('');
    await f.kube.delete(ref('vm1'));
    await f.settle();
    await expect(f.kube.get(ref('vm1'))).rejects.toMatchObject({ code: 404 });
    await f.create('vm1', { storageClass });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.storageReady)).toMatchObject({ status: 'True' });
    await f.converged('vm1');
    expect(f.vms()).toBe(before + 1);
  });

  it('places a VM without a storage class on the provider config’s datastore when none is required', async () => {
    const f = await setup();
    const configRef = { ...PROVIDER_CONFIG, namespace: VM_OPERATOR_NAMESPACE };
    const configure = (data: Record<string, string>) => f.kube.patch(configRef, { data }, { type: 'merge' });
    await configure({ StorageClassRequired: 'false' });
    await f.create('vm1', { storageClass: '' });
    await f.settle();
    const storage = () => f.conditionOf('vm1', CONDITION.storageReady);
    expect(await storage()).toMatchObject({
      status: 'False',
      reason: REASON.datastoreNotFound,
      message: 'no Datastore provided in configuration',
    });
    expect(await f.conditionOf('vm1', CONDITION.created)).toBeUndefined();
    await configure({ Datastore: 'nfs-7' });
    await f.advance(60_000);
    expect(await storage()).toMatchObject({
      status: 'False',
      reason: REASON.datastoreNotFound,
      message: "datastore 'nfs-7' not found",
    });
    // An export every host mounts, which no placement would choose by itself.
    let nfs = '';
    for (const host of f.vsphere.store.ofKind('HostSystem')) {
      const system = f.vsphere.read<{ datastoreSystem: MoRef }>(host.id, 'configManager').datastoreSystem;
      const spec = {
        remoteHost: 'nfs.example.com',
        remotePath: '/vms',
        localPath: 'nfs-7',
        accessMode: 'readWrite',
      };
      nfs = f.vsphere.datastoreSystem.createNas(system, spec).value;
    }
    await f.advance(60_000);
    expect(await storage()).toMatchObject({ status: 'True' });
    await f.converged('vm1');
    expect((await f.recordOf('vm1')).datastores).toEqual([nfs]);
  });

  it('reports a missing bootstrap Secret as NotFound and a Secret without the key as vm-operator marks it again, GetError', async () => {
    const f = await setup();
    const bootstrap = { cloudInit: { rawCloudConfig: { name: 'vm1-data', key: 'cloud-config' } } };
    await f.create('vm1', { bootstrap });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.notFound,
      message: 'secrets "vm1-data" not found',
    });
    await f.kube.create(secret('vm1-data', { other: 'x' }));
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.getError,
      message: 'required key "cloud-config" not found in Secret vm1-data',
    });
    await setSecretData(f, 'vm1-data', { 'user-data': '#cloud-config\n' });
    await f.settle();
    await f.converged('vm1');
    const vm = await f.get('vm1');
    const guestInfo = guestInfoOf(await f.recordOf('vm1'));
    expect(guestInfo.get('guestinfo.userdata')).toBe('#cloud-config\n');
    // The instance is the BIOS UUID; the guest is told net-operator's address and the NIC's MAC.
    const metadata = parse(guestInfo.get('guestinfo.metadata') as string);
    expect(metadata['instance-id']).toBe(vm.spec?.biosUUID);
    expect(metadata.hostname).toBe('vm1');
    const [mac] = (await f.recordOf('vm1')).config.devices.flatMap((d) =>
      'macAddress' in d ? [d.macAddress] : [],
    );
    expect(metadata.network.ethernets.eth0).toMatchObject({
      addresses: [`${vm.status?.network?.primaryIP4}/24`],
      match: { macaddress: mac },
    });
  });

  it('reads the bootstrap again on updates: a changed Secret reaches the guest, a deleted one is reported', async () => {
    const f = await setup();
    await f.kube.create(secret('vm1-data', { 'user-data': '#cloud-config\nversion: 1\n' }));
    await f.create('vm1', {
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'vm1-data', key: 'user-data' } } },
    });
    await f.settle();
    await f.converged('vm1');
    // The hash of the bootstrap's config spec: the deployment carried its GuestInfo, so nothing
    // was left to bootstrap, as the hash of every VM that has its bootstrap says.
    const hashOf = async () =>
      (await f.kube.get(ref('vm1'))).metadata.annotations?.[
        'vmoperator.vmware.com/bootstrap-hash-configspec'
      ];
    const bootstrapped = await hashOf();
    expect(bootstrapped).toMatch(/^[0-9a-f]{16}$/);
    const secretRef = { apiVersion: 'v1', kind: 'Secret', namespace: 'ns1', name: 'vm1-data' };
    await setSecretData(f, 'vm1-data', { 'user-data': '#cloud-config\nversion: 2\n' });
    await f.settle();
    expect(guestInfoOf(await f.recordOf('vm1')).get('guestinfo.userdata')).toBe(
      '#cloud-config\nversion: 2\n',
    );
    // The changed data's spec reconfigured it, then nothing was left to bootstrap.
    expect(await hashOf()).toBe(bootstrapped);
    await f.kube.delete(secretRef);
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.notFound,
      message: 'secrets "vm1-data" not found',
    });
    // The VM runs on with the data it was given, and still powers off when asked.
    await f.converged('vm1');
    expect(guestInfoOf(await f.recordOf('vm1')).get('guestinfo.userdata')).toBe(
      '#cloud-config\nversion: 2\n',
    );
    const vm1 = await f.kube.get(ref('vm1'));
    await f.kube.update({ ...vm1, spec: { ...(vm1.spec as object), powerState: 'PoweredOff' } });
    await f.settle();
    expect((await f.recordOf('vm1')).powerState).toBe('poweredOff');
  });

  it('customizes a LinuxPrep VM before it boots: host name, net-operator’s address, the customization events', async () => {
    const f = await setup();
    const linuxPrep = { timeZone: 'Europe/Paris', hardwareClockIsUTC: true };
    await f.create('vm1', {
      bootstrap: { linuxPrep },
      network: { hostName: 'web', domainName: 'example.com' },
    });
    await f.create('vm2', { bootstrap: { linuxPrep }, powerState: 'PoweredOff' });
    await f.create('vm3', { bootstrap: { linuxPrep: { customizeAtNextPowerOn: false } } });
    await f.settle();
    await f.converged('vm1');
    const vm1 = await f.recordOf('vm1');
    const ip = (await f.get('vm1')).status?.network?.primaryIP4;
    expect(vm1.customization).toEqual({
      identity: 'linux',
      hostName: 'web',
      domain: 'example.com',
      ips: [ip],
      pending: false,
      startTime: f.vsphere.clock.now(),
      endTime: f.vsphere.clock.now(),
    });
    expect(vm1.guest.hostName).toBe('web');
    const events = f.vsphere.events.list().filter((e) => e.vm?.vm.value === vm1.id);
    expect(events.map((e) => e._type)).toContain('CustomizationSucceeded');
    // Powered off: customized at its first power-on, as its spec says then.
    expect((await f.recordOf('vm2')).customization).toBeUndefined();
    const firstBootDone = async (name: string) =>
      (await f.get(name)).metadata.annotations?.['virtualmachine.vmoperator.vmware.com/first-boot-done'];
    expect(await firstBootDone('vm2')).toBeUndefined();
    const vm2 = (await f.get('vm2')).spec;
    await f.kube.update({
      ...(await f.kube.get(ref('vm2'))),
      spec: { ...vm2, powerState: 'PoweredOn', network: { ...vm2?.network, hostName: 'later' } },
    });
    await f.settle();
    expect((await f.recordOf('vm2')).guest.hostName).toBe('later');
    expect((await f.recordOf('vm2')).customization).toMatchObject({ hostName: 'later', pending: false });
    expect(await firstBootDone('vm2')).toBe('true');
    // Turned off for this power-on: no customization.
    expect((await f.recordOf('vm3')).customization).toBeUndefined();
  });

  it('deploys a LinuxPrep VM off, then customizes and powers it on with tasks of their own, as vm-operator does', async () => {
    const f = await setup();
    await f.create('vm1', { bootstrap: { linuxPrep: {} } });
    await f.settle();
    await f.converged('vm1');
    const id = (await f.recordOf('vm1')).id;
    // Its first update's reconfigurations aside.
    const tasks = [...f.vsphere.store.ofKind<TaskRecord>('Task')].filter(
      (t) => t.entity === id && t.name !== 'ReconfigVM_Task',
    );
    expect(tasks.map((t) => t.name)).toEqual(['CustomizeVM_Task', 'PowerOnVM_Task']);
    expect(tasks.every((t) => t.state === 'success')).toBe(true);
  });

  it('customizes a Linux VM without a bootstrap with LinuxPrep, as vm-operator defaults it, and no other', async () => {
    const f = await setup();
    await f.create('linux', {});
    // A Windows guest and an empty bootstrap are not customized: each is deployed on.
    await f.create('windows', { guestID: 'windows2019srvNext_64Guest' });
    await f.create('empty', { bootstrap: {} });
    // An empty guest ID is none: the image's guest, Linux.
    await f.create('blank', { guestID: '' });
    await f.settle();
    for (const name of ['linux', 'windows', 'empty', 'blank']) await f.converged(name);
    expect((await f.recordOf('blank')).customization).toMatchObject({ identity: 'linux', hostName: 'blank' });
    const linux = await f.recordOf('linux');
    expect(linux.customization).toMatchObject({ identity: 'linux', hostName: 'linux', pending: false });
    expect(linux.guest.hostName).toBe('linux');
    const tasks = [...f.vsphere.store.ofKind<TaskRecord>('Task')].filter(
      (t) => t.entity === linux.id && t.name !== 'ReconfigVM_Task',
    );
    expect(tasks.map((t) => t.name)).toEqual(['CustomizeVM_Task', 'PowerOnVM_Task']);
    const annotations = (await f.get('linux')).metadata.annotations;
    expect(annotations).toHaveProperty(['vmoperator.vmware.com/bootstrap-hash-customspec']);
    // Marked as vm-operator marks the VMs it powered on: by their power-on, or by the deployment
    // that powered them on.
    for (const name of ['linux', 'windows', 'empty'])
      expect((await f.get(name)).metadata.annotations).toHaveProperty(
        ['virtualmachine.vmoperator.vmware.com/first-boot-done'],
        'true',
      );
    for (const name of ['windows', 'empty']) {
      expect((await f.recordOf(name)).customization).toBeUndefined();
      expect((await f.get(name)).metadata.annotations).not.toHaveProperty([
        'vmoperator.vmware.com/bootstrap-hash-customspec',
      ]);
    }
    // Customized once: a later power cycle finds the same customization made.
    await f.kube.patch(ref('linux'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    await f.kube.patch(ref('linux'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    const customizations = [...f.vsphere.store.ofKind<TaskRecord>('Task')].filter(
      (t) => t.entity === linux.id && t.name === 'CustomizeVM_Task',
    );
    expect(customizations.length).toBe(1);
    expect((await f.recordOf('linux')).powerState).toBe('poweredOn');
  });

  it('reports a customization vSphere refuses in GuestCustomization, and powers on once it is made', async () => {
    const f = await setup();
    const fault = { _type: 'CustomizationFault' };
    const removeRule = f.vsphere.interceptor.add({ method: 'CustomizeVM_Task', fault });
    await f.create('vm1', { bootstrap: { linuxPrep: {} } });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.guestCustomization)).toMatchObject({
      status: 'False',
      reason: REASON.guestCustomizationFailed,
      message: 'CustomizationFault (injected)',
    });
    expect((await f.recordOf('vm1')).powerState).toBe('poweredOff');
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1'))).toContain(
      'CustomizationFault (injected)',
    );
    // Tried again with backoff, still refused: reported in every status written meanwhile.
    const reasons: (string | undefined)[] = [];
    const unsubscribe = f.kube.subscribe(ref('vm1'), (event) => {
      const conditions = (event.object.status as VirtualMachine['status'])?.conditions;
      reasons.push(conditions?.find((c) => c.type === CONDITION.guestCustomization)?.reason);
    });
    await f.advance(60_000);
    unsubscribe();
    expect((await f.recordOf('vm1')).powerState).toBe('poweredOff');
    expect(f.vsphere.interceptor.calls).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(reasons.length ? [REASON.guestCustomizationFailed] : []));
    removeRule();
    await f.advance(600_000);
    await f.converged('vm1');
    expect((await f.recordOf('vm1')).customization).toMatchObject({ hostName: 'vm1', pending: false });
    expect(await f.conditionOf('vm1', CONDITION.guestCustomization)).toMatchObject({ status: 'True' });
  });

  it("reports a customization the guest's tools fail, with their error, until one is made again", async () => {
    const f = await setup();
    const removeRule = f.vsphere.interceptor.add({
      method: 'GuestCustomization',
      fault: { _type: 'CustomizationFault', message: 'cannot set the host name' },
    });
    await f.create('vm1', { bootstrap: { linuxPrep: {} }, network: { hostName: 'web' } });
    await f.settle();
    // Made and powered on, as vSphere took it: the VM is ready all the same.
    await f.converged('vm1');
    expect(await f.conditionOf('vm1', CONDITION.guestCustomization)).toMatchObject({
      status: 'False',
      reason: REASON.guestCustomizationFailed,
      message: 'cannot set the host name',
    });
    expect((await f.recordOf('vm1')).guest.hostName).not.toBe('web');
    // A power cycle with the same customization makes none: the tools still report the failure.
    removeRule();
    const powered = async (powerState: string) => {
      const vm = await f.kube.get(ref('vm1'));
      await f.kube.update({ ...vm, spec: { ...(vm.spec as object), powerState } });
      await f.settle();
    };
    await powered('PoweredOff');
    await powered('PoweredOn');
    expect(await f.conditionOf('vm1', CONDITION.guestCustomization)).toMatchObject({
      reason: REASON.guestCustomizationFailed,
    });
    // A changed one is made at the next power-on from off, and succeeds.
    await powered('PoweredOff');
    const vm = await f.kube.get(ref('vm1'));
    const spec = vm.spec as VirtualMachine['spec'];
    await f.kube.update({ ...vm, spec: { ...spec, network: { ...spec?.network, hostName: 'web-2' } } });
    await powered('PoweredOn');
    expect(await f.conditionOf('vm1', CONDITION.guestCustomization)).toMatchObject({ status: 'True' });
    expect((await f.recordOf('vm1')).guest.hostName).toBe('web-2');
  });

  it('takes a customization vSphere says is already pending for made, and powers the VM on', async () => {
    const f = await setup();
    f.vsphere.interceptor.add({
      method: 'CustomizeVM_Task',
      fault: { _type: 'CustomizationPending' },
      times: 1,
    });
    await f.create('vm1', { bootstrap: { linuxPrep: {} } });
    await f.settle();
    await f.converged('vm1');
    expect(
      (await f.get('vm1')).metadata.annotations?.['vmoperator.vmware.com/bootstrap-hash-customspec'],
    ).toMatch(/^[0-9a-f]{16}$/);
    expect(await f.conditionOf('vm1', CONDITION.guestCustomization)).toMatchObject({ status: 'True' });
    expect(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1')).toBeUndefined();
  });

  it('powers on without customizing a VM whose annotation bypasses it, or one already pending', async () => {
    const f = await setup();
    const bypass = { 'vmoperator.vmware.com/vsphere-customization': 'disable' };
    await f.create('vm1', { bootstrap: { linuxPrep: {} }, network: { hostName: 'web' } }, bypass);
    await f.create('vm2', { bootstrap: { linuxPrep: {} }, powerState: 'PoweredOff' });
    await f.settle();
    await f.converged('vm1');
    const vm1 = await f.recordOf('vm1');
    expect(vm1.customization).toBeUndefined();
    expect(vm1.guest.hostName).not.toBe('web');
    // Made all the same, as vm-operator records it.
    const hashOf = async (name: string) =>
      (await f.get(name)).metadata.annotations?.['vmoperator.vmware.com/bootstrap-hash-customspec'];
    expect(await hashOf('vm1')).toMatch(/^[0-9a-f]{16}$/);
    // A customization someone else left pending is the one the power-on applies.
    const vm2 = await f.recordOf('vm2');
    const theirs = f.vsphere.vm.customize(vm2.id, {
      identity: {
        _type: 'CustomizationLinuxPrep',
        hostName: { _type: 'CustomizationFixedName', name: 'theirs' },
      },
    });
    await f.settle();
    expect(theirs.outcome()).toMatchObject({ ok: true });
    const current = await f.get('vm2');
    await f.kube.update({
      ...(current as unknown as KubeObject),
      spec: { ...current.spec, powerState: 'PoweredOn' },
    });
    await f.settle();
    await f.converged('vm2');
    expect((await f.recordOf('vm2')).guest.hostName).toBe('theirs');
    const customizations = [...f.vsphere.store.ofKind<TaskRecord>('Task')].filter(
      (t) => t.entity === vm2.id && t.name === 'CustomizeVM_Task',
    );
    expect(customizations).toHaveLength(1);
    expect(await hashOf('vm2')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('customizes a Sysprep VM before it boots, with its Secrets read as vm-operator reads them', async () => {
    const f = await setup();
    const sysprep = {
      guiUnattended: { password: { name: 'win-secrets', key: 'password' } },
      userData: { fullName: 'Jane Doe', orgName: 'Example', productID: { name: 'win-secrets', key: 'key' } },
    };
    await f.create('win1', { guestID: 'windows2019srv_64Guest', bootstrap: { sysprep: { sysprep } } });
    await f.settle();
    expect(await f.conditionOf('win1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: 'NotFound',
      message: 'secrets "win-secrets" not found',
    });
    await f.kube.create(secret('win-secrets', { password: 'p4ss' }));
    await f.settle();
    expect(await f.conditionOf('win1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: 'GetError',
      message: 'no data found for key "key" for secret ns1/win-secrets',
    });
    await setSecretData(f, 'win-secrets', { key: 'AAAA' });
    await f.settle();
    await f.converged('win1');
    const record = await f.recordOf('win1');
    expect(record.customization).toMatchObject({ identity: 'windows', hostName: 'win1', pending: false });
    expect(record.guest.hostName).toBe('win1');
  });

  it("reads LinuxPrep's password and script from Secrets, with the VCD parity capability, and customizes again when they change", async () => {
    const f = await setup({ capabilities: { guestCustomizationVCDParity: true } });
    const linuxPrep = {
      password: { name: 'linux-secrets', key: 'password' },
      scriptText: { from: { name: 'linux-secrets', key: 'script' } },
      expirePasswordAfterNextLogin: true,
    };
    await f.create('vm1', { bootstrap: { linuxPrep } });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: 'NotFound',
      message: 'secrets "linux-secrets" not found',
    });
    await f.kube.create(secret('linux-secrets', { password: 'p4ss' }));
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: 'GetError',
      message: 'no data found for key "script" for secret ns1/linux-secrets',
    });
    await setSecretData(f, 'linux-secrets', { password: 'p4ss', script: 'echo one' });
    await f.settle();
    await f.converged('vm1');
    const id = (await f.recordOf('vm1')).id;
    const customizations = () =>
      [...f.vsphere.store.ofKind<TaskRecord>('Task')].filter(
        (t) => t.entity === id && t.name === 'CustomizeVM_Task',
      );
    expect(customizations()).toHaveLength(1);
    const powerCycle = async () => {
      await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
      await f.settle();
      await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
      await f.settle();
    };
    // The same customization is not made again; a new script is a new one, made by the next power-on.
    await powerCycle();
    expect(customizations()).toHaveLength(1);
    await setSecretData(f, 'linux-secrets', { password: 'p4ss', script: 'echo two' });
    await powerCycle();
    expect(customizations()).toHaveLength(2);
    // A Sysprep's script is read from its Secret the same way.
    const sysprep = {
      userData: { fullName: 'Jane Doe', orgName: 'Example' },
      scriptText: { from: { name: 'linux-secrets', key: 'win-script' } },
    };
    await f.create('win1', { guestID: 'windows2019srv_64Guest', bootstrap: { sysprep: { sysprep } } });
    await f.settle();
    expect(await f.conditionOf('win1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: 'GetError',
      message: 'no data found for key "win-script" for secret ns1/linux-secrets',
    });
    await setSecretData(f, 'linux-secrets', { 'win-script': 'echo win' });
    await f.settle();
    await f.converged('win1');
  });

  it('customizes a VM with a raw unattend XML, and reports its Secret without the key named', async () => {
    const f = await setup();
    await f.kube.create(secret('unattend', { other: '<unattend/>' }));
    await f.create('win2', {
      guestID: 'windows2019srv_64Guest',
      bootstrap: { sysprep: { rawSysprep: { name: 'unattend', key: 'xml' } } },
    });
    await f.create('win3', {
      guestID: 'windows2019srv_64Guest',
      bootstrap: {
        sysprep: { rawSysprep: { name: 'unattend', key: 'other' }, customizeAtNextPowerOn: true },
      },
    });
    await f.settle();
    expect(await f.conditionOf('win2', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: 'GetError',
      message: 'required key "xml" not found in Secret unattend',
    });
    await f.converged('win3');
    expect((await f.recordOf('win3')).customization).toMatchObject({ identity: 'windows', pending: false });
    // The latch that asked for it is set back to false, as for LinuxPrep.
    expect((await f.get('win3')).spec?.bootstrap?.sysprep?.customizeAtNextPowerOn).toBe(false);
  });

  it('customizes again at a power-on from off only when the customization changed, as its hash tells', async () => {
    const f = await setup();
    await f.create('vm1', { bootstrap: { linuxPrep: {} }, network: { hostName: 'first' } });
    await f.settle();
    await f.converged('vm1');
    const hash = async () =>
      (await f.get('vm1')).metadata.annotations?.['vmoperator.vmware.com/bootstrap-hash-customspec'];
    const made = await hash();
    expect(made).toMatch(/^[0-9a-f]{16}$/);
    const customizations = async () => {
      const id = (await f.recordOf('vm1')).id;
      return f.vsphere.events
        .list()
        .filter((e) => e._type === 'CustomizationStartedEvent' && e.vm?.vm.value === id).length;
    };
    const respec = async (change: (spec: NonNullable<VirtualMachine['spec']>) => VirtualMachine['spec']) => {
      const vm = await f.get('vm1');
      await f.kube.update({ ...(vm as unknown as KubeObject), spec: change(vm.spec ?? {}) });
      await f.settle();
    };
    expect(await customizations()).toBe(1);
    await respec((spec) => ({ ...spec, powerState: 'PoweredOff' }));
    await respec((spec) => ({ ...spec, powerState: 'PoweredOn' }));
    expect(await customizations()).toBe(1);
    await respec((spec) => ({ ...spec, powerState: 'PoweredOff' }));
    await respec((spec) => ({
      ...spec,
      powerState: 'PoweredOn',
      network: { ...spec.network, hostName: 'second' },
    }));
    expect(await customizations()).toBe(2);
    expect((await f.recordOf('vm1')).guest.hostName).toBe('second');
    expect(await hash()).not.toBe(made);
  });

  it('deploys powered off a VM whose customization cannot be made, reports why, and keeps its latch', async () => {
    const f = await setup();
    await f.kube.create(secret('unattend', { other: '<unattend/>' }));
    const rawSysprep = { name: 'unattend', key: '' };
    await f.create('win4', {
      guestID: 'windows2019srv_64Guest',
      bootstrap: { sysprep: { rawSysprep, customizeAtNextPowerOn: true } },
    });
    await f.settle();
    expect((await f.get('win4')).status?.powerState).toBe('PoweredOff');
    expect(await f.conditionOf('win4', CONDITION.created)).toMatchObject({ status: 'True' });
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/win4'))).toContain(
      'failed to create bootstrap data: no Sysprep XML data with key "unattend"',
    );
    expect((await f.get('win4')).spec?.bootstrap?.sysprep?.customizeAtNextPowerOn).toBe(true);
    // The Secret mended: customized, powered on, the latch set back to false.
    await setSecretData(f, 'unattend', { unattend: '<unattend/>' });
    await f.settle();
    await f.converged('win4');
    expect((await f.recordOf('win4')).customization).toMatchObject({ identity: 'windows', pending: false });
    expect((await f.get('win4')).spec?.bootstrap?.sysprep?.customizeAtNextPowerOn).toBe(false);
  });

  it('customizes again when customizeAtNextPowerOn asks, then sets it back to false', async () => {
    const f = await setup();
    await f.create('vm1', { bootstrap: { linuxPrep: { customizeAtNextPowerOn: true } } });
    await f.settle();
    await f.converged('vm1');
    const latch = async () => (await f.get('vm1')).spec?.bootstrap?.linuxPrep?.customizeAtNextPowerOn;
    expect(await latch()).toBe(false);
    expect((await f.recordOf('vm1')).guest.hostName).toBe('vm1');
    const respec = async (change: (spec: NonNullable<VirtualMachine['spec']>) => VirtualMachine['spec']) => {
      const vm = await f.get('vm1');
      await f.kube.update({ ...(vm as unknown as KubeObject), spec: change(vm.spec ?? {}) });
      await f.settle();
    };
    await respec((spec) => ({ ...spec, powerState: 'PoweredOff' }));
    // Powered on again as it is: no new customization.
    await respec((spec) => ({
      ...spec,
      powerState: 'PoweredOn',
      network: { ...spec.network, hostName: 'ignored' },
    }));
    expect((await f.recordOf('vm1')).guest.hostName).toBe('vm1');
    await respec((spec) => ({ ...spec, powerState: 'PoweredOff' }));
    await respec((spec) => ({
      ...spec,
      powerState: 'PoweredOn',
      network: { ...spec.network, hostName: 'again' },
      bootstrap: { linuxPrep: { customizeAtNextPowerOn: true } },
    }));
    expect((await f.recordOf('vm1')).guest.hostName).toBe('again');
    expect(await latch()).toBe(false);
  });

  it('takes the first of the key, user-data and value that holds data', async () => {
    const f = await setup();
    await f.kube.create(secret('vm1-data', { mine: '', 'user-data': '#cloud-config\nfrom: user-data\n' }));
    await f.create('vm1', {
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'vm1-data', key: 'mine' } } },
    });
    await f.settle();
    await f.converged('vm1');
    expect(guestInfoOf(await f.recordOf('vm1')).get('guestinfo.userdata')).toBe(
      '#cloud-config\nfrom: user-data\n',
    );
  });

  it('puts back GuestInfo changed in vSphere, and records the hash of nothing left to change again', async () => {
    const f = await setup();
    await f.kube.create(secret('vm1-data', { 'user-data': '#cloud-config\nversion: 1\n' }));
    await f.kube.create(secret('vm2-data', { 'user-data': '#cloud-config\nother: 1\n' }));
    for (const name of ['vm1', 'vm2'])
      await f.create(name, {
        bootstrap: { cloudInit: { rawCloudConfig: { name: `${name}-data`, key: 'user-data' } } },
      });
    await f.settle();
    await f.converged('vm1');
    const hashOf = async (name: string) =>
      (await f.kube.get(ref(name))).metadata.annotations?.['vmoperator.vmware.com/bootstrap-hash-configspec'];
    // Every VM that has its bootstrap records the hash of an empty spec.
    const bootstrapped = await hashOf('vm1');
    expect(await hashOf('vm2')).toBe(bootstrapped);
    const record = await f.recordOf('vm1');
    annotateAsAdministrator(f, 'vm1', { [PAUSED_ANNOTATION]: 'true' });
    f.vsphere.vm.reconfigure(record.id, {
      extraConfig: [{ key: 'guestinfo.userdata', value: gzipSync('changed by hand').toString('base64') }],
    });
    await f.settle();
    annotateAsAdministrator(f, 'vm1', { [PAUSED_ANNOTATION]: undefined });
    await f.settle();
    expect(guestInfoOf(await f.recordOf('vm1')).get('guestinfo.userdata')).toBe(
      '#cloud-config\nversion: 1\n',
    );
    expect(await hashOf('vm1')).toBe(bootstrapped);
  });

  it("deploys a cloud-init VM without its image's vApp options, and removes those it is given later", async () => {
    const f = await setup();
    await f.kube.create(secret('vm1-data', { 'user-data': '#cloud-config\n' }));
    await f.create('vm1', {
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'vm1-data', key: 'user-data' } } },
    });
    await f.create('vm2', {});
    await f.settle();
    await f.converged('vm1');
    // The image's ProductSection gives its VMs vApp options; cloud-init's VM has none.
    expect((await f.recordOf('vm2')).config.vAppConfig).toBeDefined();
    const record = await f.recordOf('vm1');
    expect(record.config.vAppConfig).toBeUndefined();
    // Given some while vm-operator leaves it alone, then reconciled again.
    annotateAsAdministrator(f, 'vm1', { [PAUSED_ANNOTATION]: 'true' });
    const property = { operation: 'add', info: { key: 0, id: 'role', value: 'db' } } as const;
    f.vsphere.vm.reconfigure(record.id, { vAppConfig: { property: [property] } });
    await f.settle();
    expect((await f.recordOf('vm1')).config.vAppConfig?.properties).toHaveLength(1);
    annotateAsAdministrator(f, 'vm1', { [PAUSED_ANNOTATION]: undefined });
    await f.settle();
    expect((await f.recordOf('vm1')).config.vAppConfig).toBeUndefined();
  });

  it('reads a disabled bootstrap’s Secrets all the same, and deploys without cloud-init', async () => {
    const f = await setup();
    const before = f.vms();
    const cloudInit = { rawCloudConfig: { name: 'vm1-data', key: 'user-data' } };
    // `disabled` is v1alpha6's: v1alpha5's schema does not declare it, and the store prunes it there.
    await f.create('vm1', { bootstrap: { disabled: true, cloudInit } }, undefined, V5);
    expect((await f.get('vm1')).spec?.bootstrap).not.toHaveProperty('disabled');
    await f.kube.delete(ref('vm1'));
    await f.settle();
    await f.create('vm1', { bootstrap: { disabled: true, cloudInit } }, undefined, V6);
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.notFound,
    });
    expect(f.vms()).toBe(before);
    await f.kube.create(secret('vm1-data', { 'user-data': '#cloud-config\n' }));
    await f.settle();
    await f.converged('vm1');
    expect(guestInfoOf(await f.recordOf('vm1')).size).toBe(0);
  });

  it('takes ssh-public-keys for user-data, as vm-operator does for the Secrets of v1alpha1', async () => {
    const f = await setup();
    await f.kube.create(secret('vm1-keys', { 'ssh-public-keys': 'ssh-ed25519 AAAA' }));
    await f.kube.create(secret('vm2-keys', { 'ssh-public-keys': 'ssh-ed25519 AAAA' }));
    const bootstrap = (name: string, key: string) => ({ cloudInit: { rawCloudConfig: { name, key } } });
    await f.create('vm1', { bootstrap: bootstrap('vm1-keys', 'user-data') });
    await f.create('vm2', { bootstrap: bootstrap('vm2-keys', 'cloud-config') });
    await f.settle();
    await f.converged('vm1');
    const guestInfo = guestInfoOf(await f.recordOf('vm1'));
    expect(guestInfo.has('guestinfo.userdata')).toBe(false);
    expect(parse(guestInfo.get('guestinfo.metadata') as string)['public-keys']).toBe('ssh-ed25519 AAAA');
    expect(await f.conditionOf('vm2', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.getError,
    });
  });

  it("reads a CloudConfig's Secrets as vm-operator does, then renders it as the user data", async () => {
    const f = await setup();
    const cloudConfig = {
      users: [{ name: 'alice', passwd: { name: 'pw', key: 'alice' } }],
      write_files: [{ path: '/etc/app.conf', content: { name: 'files', key: 'app' } }],
      runcmd: ['systemctl restart app'],
    };
    await f.create('vm1', { bootstrap: { cloudInit: { cloudConfig } } });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.notFound,
      message: 'secrets "pw" not found',
    });
    await f.kube.create(secret('pw', { bob: 'x' }));
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.getError,
      message: 'no data found for key "alice" for secret ns1/pw',
    });
    await setSecretData(f, 'pw', { alice: 's3cret' });
    await f.kube.create(secret('files', { app: 'port=8080\n' }));
    await f.settle();
    await f.converged('vm1');
    const userData = guestInfoOf(await f.recordOf('vm1')).get('guestinfo.userdata') as string;
    expect(userData.startsWith('## template: jinja\n#cloud-config\n\n')).toBe(true);
    expect(parse(userData)).toEqual({
      users: [{ name: 'alice', passwd: 's3cret' }],
      // With the encoding, owner and permissions the CRD schema defaults in each file.
      write_files: [
        {
          path: '/etc/app.conf',
          content: 'port=8080\n',
          encoding: 'text/plain',
          owner: 'root:root',
          permissions: '0644',
        },
      ],
      runcmd: ['systemctl restart app'],
    });
  });

  it('fails the reconcile, deploying nothing, where vm-operator’s does: an empty command, the DNS placeholder', async () => {
    const f = await setup();
    const before = f.vms();
    const controller = f.supervisor.virtualMachines.controller;
    await f.create('vm1', { bootstrap: { cloudInit: { cloudConfig: { runcmd: ['ls', ''] } } } });
    await f.settle();
    expect(controller.errorOf('ns1/vm1')).toMatchObject({ message: 'cloud config runcmd[1] is empty' });
    // The DNS is read first, as vm-operator reads it before it renders the bootstrap.
    const networkConfig = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'vmware-system-vmop' };
    const dns = await f.kube.get({ ...networkConfig, name: 'vmoperator-network-config' });
    await f.kube.update({ ...dns, data: { nameservers: '<worker_dns>' } });
    await f.create('vm2', { bootstrap: { cloudInit: {} } });
    await f.settle();
    expect(controller.errorOf('ns1/vm2')).toMatchObject({
      message:
        'no valid nameservers in vmoperator-network-config ConfigMap. It still contains <worker_dns> key',
    });
    expect(f.vms()).toBe(before);
  });

  it('refuses a user with both a hashed and a plain password, with GetError', async () => {
    const f = await setup();
    const before = f.vms();
    await f.kube.create(secret('pw', { a: 'x', b: 'y' }));
    const users = [
      { name: 'alice', passwd: { name: 'pw', key: 'a' }, hashed_passwd: { name: 'pw', key: 'b' } },
    ];
    await f.create('vm1', { bootstrap: { cloudInit: { cloudConfig: { users } } } });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.bootstrapReady)).toMatchObject({
      status: 'False',
      reason: REASON.getError,
      message: 'cloud config specified both hashed_passwd and passwd for user "alice"',
    });
    expect(f.vms()).toBe(before);
  });

  it("waits for a missing resource policy with NotFound, then deploys into the policy's child folder and pool", async () => {
    const f = await setup();
    const before = f.vms();
    await f.create('vm1', { reserved: { resourcePolicyName: 'cluster1' } });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.policyReady)).toMatchObject({
      status: 'False',
      reason: REASON.notFound,
      message: 'virtualmachinesetresourcepolicies.vmoperator.vmware.com "cluster1" not found',
    });
    expect(await f.conditionOf('vm1', CONDITION.created)).toBeUndefined();
    expect(f.vms()).toBe(before);
    await f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineSetResourcePolicy',
      metadata: { name: 'cluster1', namespace: 'ns1' },
      spec: { resourcePool: { name: 'cluster1-pool' }, folder: 'cluster1-folder' },
    });
    await f.settle();
    expect(await f.conditionOf('vm1', CONDITION.policyReady)).toMatchObject({
      status: 'True',
      reason: 'True',
    });
    await f.converged('vm1');
    expect(f.vms()).toBe(before + 1);
    // Deployed into the policy's child pool and child folder, under the namespace's own.
    const namespace = await f.supervisor.prepareNamespace('ns1');
    const policy = (await f.kube.get(POLICY)) as unknown as VirtualMachineSetResourcePolicy;
    const childPool = policy.status?.resourcePools?.[0]?.childResourcePoolMoID;
    const record = await f.recordOf('vm1');
    expect(record.pool).toBeDefined();
    expect(record.pool).toBe(childPool);
    expect(f.vsphere.store.get(record.pool as string)).toMatchObject({
      kind: 'ResourcePool',
      name: 'cluster1-pool',
      parent: namespace.pool,
    });
    expect(f.vsphere.store.get(record.parent as string)).toMatchObject({
      kind: 'Folder',
      name: 'cluster1-folder',
      parent: namespace.folder,
    });
    expect(record.powerState).toBe('poweredOn');
  });

  it('deploys a VM of a cluster module group its policy has a module for, and adds it to the module', async () => {
    const f = await setup();
    await f.kube.create({
      ...POLICY,
      metadata: { name: 'cluster1', namespace: 'ns1' },
      spec: { resourcePool: { name: 'cluster1' }, folder: 'cluster1', clusterModuleGroups: ['workers'] },
    });
    await inGroup(f, 'md1', 'workers');
    await inGroup(f, 'cp1', 'control-plane');
    await f.settle();
    await f.converged('md1');
    const laidOut = (await f.kube.get(POLICY)) as unknown as VirtualMachineSetResourcePolicy;
    const module = laidOut.status?.clustermodules?.find((m) => m.groupName === 'workers')
      ?.moduleUUID as string;
    const record = await f.recordOf('md1');
    expect(f.vsphere.clusterModules.members(module)).toEqual([record.id]);
    expect((await f.get('md1')).metadata.annotations?.['vsphere-cluster-module-group-uuid']).toBe(module);
    // As vm-operator's create: a group the policy has no module for, no deployment.
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/cp1'))).toBe(
      'Error: VirtualMachineSetResourcePolicy cluster module is not ready',
    );
    expect(await f.conditionOf('cp1', CONDITION.created)).toBeUndefined();
    // Checked once its networking and placement are done, as vm-operator's vmCreateIsReady.
    expect(await f.conditionOf('cp1', CONDITION.networkReady)).toMatchObject({ status: 'True' });
    expect(await f.conditionOf('cp1', CONDITION.placementReady)).toMatchObject({ status: 'True' });
    // A deployed VM moved to a group without a module (by an administrator: the group is not a
    // DevOps user's to change) fails its update, as vm-operator's does.
    const moved = { 'vsphere-cluster-module-group': 'db' };
    await expect(
      f.kube.patch(ref('md1'), { metadata: { annotations: moved } }, { type: 'merge' }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'metadata.annotations[vsphere-cluster-module-group]: Forbidden: modifying this annotation is not allowed for non-admin users',
      ),
    });
    annotateAsAdministrator(f, 'md1', moved);
    await f.settle();
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/md1'))).toBe(
      'Error: failed to reconcile config: updating state failed with ClusterModule "db" not found in VirtualMachineSetResourcePolicy',
    );
    // That error does not stop a power-off, as in vm-operator.
    await f.kube.patch(
      ref('md1'),
      { spec: { powerState: 'PoweredOff', powerOffMode: 'Hard' } },
      { type: 'merge' },
    );
    await f.settle();
    expect((await f.recordOf('md1')).powerState).toBe('poweredOff');
    // A group without a resource policy is refused to anyone.
    await f.create('lone', {});
    await f.settle();
    const lone = { 'vsphere-cluster-module-group': 'workers' };
    expect(() => annotateAsAdministrator(f, 'lone', lone)).toThrow(
      'metadata.annotations[vsphere-cluster-module-group]: Forbidden: cluster module assignment requires spec.reserved.resourcePolicyName to specify a VirtualMachineSetResourcePolicy',
    );
    // Destroyed, a VM leaves its module.
    await f.kube.delete(ref('md1'));
    await f.settle();
    expect(f.vsphere.clusterModules.members(module)).toEqual([]);
  });

  it('fails the update of a cluster module VM whose policy is being deleted, as vm-operator does', async () => {
    const f = await setup();
    await workerOfModulesAlone(f);
    expect(await f.conditionOf('md1', CONDITION.policyReady)).toMatchObject({ status: 'True' });
    // Its finalizer holds the policy while the VM names it; the VM's update refuses it.
    await f.kube.delete(POLICY);
    await f.settle();
    expect((await f.kube.get(POLICY)).metadata.deletionTimestamp).toBeDefined();
    expect(await f.conditionOf('md1', CONDITION.policyReady)).toMatchObject({
      status: 'False',
      reason: 'NotReady',
      message: 'VirtualMachineSetResourcePolicy is being deleted',
    });
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/md1'))).toBe(
      'Error: failed to reconcile config: updating state failed with VirtualMachineSetResourcePolicy is being deleted',
    );
    // Out of the group, the VM no longer reads its policy: the condition stays as it was last set.
    annotateAsAdministrator(f, 'md1', { 'vsphere-cluster-module-group': undefined });
    await f.settle();
    expect(f.supervisor.virtualMachines.controller.errors.get('ns1/md1')).toBeUndefined();
  });

  it('deploys a VM of a policy of cluster modules alone into the namespace, in its module', async () => {
    const f = await setup();
    await workerOfModulesAlone(f);
    const namespace = await f.supervisor.prepareNamespace('ns1');
    const record = await f.recordOf('md1');
    expect([record.pool, record.parent]).toEqual([namespace.pool, namespace.folder]);
    const policy = (await f.kube.get(POLICY)) as unknown as VirtualMachineSetResourcePolicy;
    expect(
      f.vsphere.clusterModules.members(policy.status?.clustermodules?.[0]?.moduleUUID as string),
    ).toEqual([record.id]);
  });

  it('checks every prerequisite in one pass', async () => {
    const f = await setup();
    await f.create('vm1', {
      className: 'nope',
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'nope', key: 'user-data' } } },
    });
    await f.kube.delete({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      namespace: 'ns1',
      name: 'ns1-storagequota',
    });
    await f.settle();
    const vm = await f.get('vm1');
    const failing = (vm.status?.conditions ?? []).filter((c) => c.status === 'False').map((c) => c.type);
    expect(failing.sort()).toEqual(
      [CONDITION.bootstrapReady, CONDITION.classReady, CONDITION.storageReady].sort(),
    );
  });
});

describe('the Supervisor’s DNS', () => {
  it('reads the Supervisor’s DNS from its ConfigMap, and refuses the installer’s placeholder', () => {
    const reader = (data: Record<string, string> | undefined): DependencyReader => ({
      get: <T>() => (data ? ({ data } as T) : undefined),
      list: () => [],
      notFound: () => '',
    });
    expect(
      globalDnsOf(reader({ nameservers: ' 10.1.1.1  10.1.1.2 ', searchsuffixes: 'a.local b.local' })),
    ).toEqual({
      nameservers: ['10.1.1.1', '10.1.1.2'],
      searchDomains: ['a.local', 'b.local'],
    });
    expect(globalDnsOf(reader(undefined))).toEqual({ nameservers: [], searchDomains: [] });
    expect(() => globalDnsOf(reader({ nameservers: '<worker_dns>' }))).toThrow(
      'no valid nameservers in vmoperator-network-config ConfigMap. It still contains <worker_dns> key',
    );
  });
});
