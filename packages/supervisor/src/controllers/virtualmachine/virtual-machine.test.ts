import { createHash } from 'node:crypto';
import { SAMPLE_OVF_IMAGES, type TaskRecord, type VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { PAUSED_ANNOTATION, PAUSED_LABEL, ZONE_LABEL } from '../../api/annotations.js';
import type { Condition, VirtualMachine } from '../../api/types.js';
import { controllerReference, type KubeObject } from '../../store/meta.js';
import { REALISTIC_GUEST_ADDRESS_DELAY, REALISTIC_TASK_DURATIONS } from '../../supervisor.js';
import {
  createSupervisorFixture,
  type SupervisorFixture,
  type SupervisorFixtureOptions,
} from '../../testing/fixture.js';
import { annotateAsAdministrator } from '../../testing/virtual-machine.js';
import { imageNameOf } from '../images/names.js';
import { NET_OPERATOR_API_VERSION } from '../net-operator/index.js';
import { CONDITION, REASON } from './conditions.js';
import { PAUSE_EXTRA_CONFIG_KEY } from './paused.js';
import { GUEST_BOOTSTRAP_CONDITION_KEY } from './status.js';
import { VM_FINALIZER } from './virtual-machine.js';
import { xxHash64 } from './xxhash64.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const ref = (name: string, namespace = 'ns1') => ({
  apiVersion: V5,
  kind: 'VirtualMachine',
  namespace,
  name,
});

async function setup(
  options: Pick<SupervisorFixtureOptions, 'timing' | 'events' | 'capabilities' | 'vsphere'> = {},
) {
  const fixture = await createSupervisorFixture({ namespaces: ['ns1'], ...options });
  const images = await fixture.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const ubuntu = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'));
  if (!ubuntu) throw new Error('no ubuntu image');
  const prepared = await fixture.supervisor.prepareNamespace('ns1');
  return { ...fixture, image: ubuntu.metadata.name as string, prepared };
}

type Fixture = Awaited<ReturnType<typeof setup>>;

const newVm = (f: Fixture, name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: V5,
  kind: 'VirtualMachine',
  metadata: { name, namespace: 'ns1' },
  spec: {
    className: 'best-effort-small',
    image: { kind: 'VirtualMachineImage', name: f.image },
    storageClass: f.prepared.storageClass,
    ...spec,
  },
});

/** A VM nothing customizes: vm-operator customizes a Linux VM without a bootstrap with LinuxPrep. */
const UNCUSTOMIZED = { bootstrap: { disabled: true } };

const NIC = { apiVersion: NET_OPERATOR_API_VERSION, kind: 'NetworkInterface' };
const NIC_SPEC = { networkName: '', type: 'vmxnet3' };

/** A NetworkInterface of the name that a ConfigMap controls: no VM may take it. */
async function nicHeldByConfigMap(f: SupervisorFixture, name: string) {
  const holder = await f.kube.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'holder', namespace: 'ns1' },
  });
  const heldBy = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: 'holder',
    uid: holder.metadata.uid as string,
    controller: true,
  };
  return f.kube.create({
    ...NIC,
    metadata: { name, namespace: 'ns1', ownerReferences: [heldBy] },
    spec: NIC_SPEC,
  });
}

/** A NetworkInterface another VM controls. */
const nicHeldByVm = (f: SupervisorFixture, name: string, vm: VirtualMachine) =>
  f.kube.create({
    ...NIC,
    metadata: { name, namespace: 'ns1', ownerReferences: [controllerReference(vm as unknown as KubeObject)] },
    spec: NIC_SPEC,
  });

const getVm = (f: SupervisorFixture, name: string) =>
  f.kube.get(ref(name)) as unknown as Promise<VirtualMachine>;

const condition = (vm: VirtualMachine, type: string) =>
  (vm.status?.conditions ?? []).find((c: Condition) => c.type === type);

/** A class of the namespace `ns1`. */
const createClass = (f: SupervisorFixture, name: string, spec: Record<string, unknown>) =>
  f.kube.create({ apiVersion: V5, kind: 'VirtualMachineClass', metadata: { name, namespace: 'ns1' }, spec });

const vsphereVm = (f: SupervisorFixture, vm: VirtualMachine) =>
  f.vsphere.store.get(vm.status?.uniqueID ?? '') as VmRecord | undefined;

/** Sets annotations as an administrator, then settles. */
async function setAnnotations(
  f: SupervisorFixture,
  name: string,
  annotations: Record<string, string | undefined>,
) {
  annotateAsAdministrator(f, name, annotations);
  await f.settle();
}

/** Reconfigures a vSphere VM as someone does in vCenter, and settles what follows. */
async function reconfigureInVsphere(
  f: SupervisorFixture,
  id: string,
  spec: Parameters<SupervisorFixture['vsphere']['vm']['reconfigure']>[1],
) {
  const task = f.vsphere.vm.reconfigure(id, spec);
  await f.settle();
  await task.wait();
  await f.settle();
}

/** Sets (an empty value: removes) a key of a vSphere VM's extra config, as its guest or an administrator does. */
const setExtraConfig = (f: SupervisorFixture, id: string, key: string, value: string) =>
  reconfigureInVsphere(f, id, { extraConfig: [{ key, value }] });

/** Whether a reconfiguration is a backup's alone (its extra config keys vm-operator's backup's). */
const backupOnly = (event: { configSpec?: { extraConfig?: { key: string }[] } }) =>
  event.configSpec?.extraConfig?.every((o) => o.key.startsWith('vmservice.virtualmachine.')) === true &&
  Object.keys(event.configSpec).filter((k) => k !== '_type').length === 1;

/** The reconfigurations of a VM (all VMs without a name) but its backups. */
const configReconfigures = (f: SupervisorFixture, name?: string) =>
  f.vsphere.events
    .list()
    .filter(
      (e) =>
        e._type === 'VmReconfiguredEvent' &&
        (name === undefined || e.vm?.name === name) &&
        !backupOnly(e as Parameters<typeof backupOnly>[0]),
    ).length;

describe('the VirtualMachine controller', () => {
  it('places a VM in the zone its creator labelled it with, and keeps the label', async () => {
    const f = await setup();
    const { pool, folder } = f.prepared;
    await f.kube.create({
      apiVersion: 'topology.tanzu.vmware.com/v1alpha1',
      kind: 'Zone',
      metadata: { name: 'zone-b', namespace: 'ns1' },
      spec: {
        availabilityZoneReference: { apiVersion: 'topology.tanzu.vmware.com/v1alpha1', name: 'zone-b' },
        managedVMs: { poolMoIDs: [pool], folderMoID: folder },
      },
    });
    const labelled = newVm(f, 'vm1');
    labelled.metadata.labels = { [ZONE_LABEL]: 'zone-b' };
    await f.kube.create(labelled);
    await f.kube.create(newVm(f, 'vm2'));
    await f.settle();
    const [vm1, vm2] = [await getVm(f, 'vm1'), await getVm(f, 'vm2')];
    expect([vm1.metadata.labels?.[ZONE_LABEL], vm1.status?.zone]).toEqual(['zone-b', 'zone-b']);
    expect(condition(vm1, CONDITION.created)).toMatchObject({ status: 'True' });
    // One without a label gets the namespace's first zone.
    expect([vm2.metadata.labels?.[ZONE_LABEL], vm2.status?.zone]).toEqual([f.prepared.zone, f.prepared.zone]);
  });

  it('creates, powers on and reports a VM as CAPV waits for it', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const vm = await getVm(f, 'vm1');
    expect(vm.metadata.finalizers).toEqual([VM_FINALIZER]);
    expect(vm.metadata.labels?.[ZONE_LABEL]).toBe(f.prepared.zone);
    // Marked with its vCenter, as vm-operator marks every VM it reconciles.
    expect(vm.metadata.annotations?.['vmoperator.vmware.com/manager-id']).toBe(f.vsphere.about.instanceUuid);
    for (const type of [
      CONDITION.classReady,
      CONDITION.imageReady,
      CONDITION.storageReady,
      CONDITION.networkReady,
      CONDITION.placementReady,
      CONDITION.created,
    ])
      expect(condition(vm, type)).toMatchObject({ status: 'True', reason: 'True' });
    // No bootstrap, no condition of it (vm-operator deletes it).
    expect(condition(vm, CONDITION.bootstrapReady)).toBeUndefined();
    expect(vm.status).toMatchObject({ powerState: 'PoweredOn', zone: f.prepared.zone, hardwareVersion: 19 });
    const record = vsphereVm(f, vm);
    expect(record).toBeDefined();
    expect(record?.parent).toBe(f.prepared.folder);
    expect(record?.pool).toBe(f.prepared.pool);
    expect(record?.config).toMatchObject({
      numCPU: 2,
      memoryMB: 4096,
      uuid: vm.spec?.biosUUID,
      instanceUuid: vm.spec?.instanceUUID,
    });
    expect(vm.status?.biosUUID).toBe(vm.spec?.biosUUID);
    // Deployed under its storage class's policy, as vm-operator's deployment names it.
    const storageClass = await f.kube.get({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      name: f.prepared.storageClass,
    });
    expect(record?.config.homeStoragePolicyId).toBe(
      (storageClass as { parameters?: Record<string, string> }).parameters?.storagePolicyID,
    );
    expect(vm.status?.nodeName).toBe(f.vsphere.store.get(record?.host ?? '')?.name);
    // When vSphere created it, as vm-operator's provider status says, the same on later passes.
    const created = new Date(record?.config.createDate ?? 0).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(vm.status?.provider).toEqual({ creationTimestamp: created });
    await f.advance(60_000);
    await f.kube.patch(ref('vm1'), { metadata: { labels: { touched: 'yes' } } }, { type: 'merge' });
    await f.settle();
    expect((await getVm(f, 'vm1')).status?.provider).toEqual({ creationTimestamp: created });
    const nic = await f.kube.get({
      apiVersion: NET_OPERATOR_API_VERSION,
      kind: 'NetworkInterface',
      namespace: 'ns1',
      name: 'vm1-eth0',
    });
    // Labelled as vm-operator finds them; the default network is net-operator's to name.
    expect(nic.metadata.labels).toEqual({
      'vmoperator.vmware.com/vm-name': 'vm1',
      'vmoperator.vmware.com/vm-interface-name': 'eth0',
    });
    expect(nic.spec).toEqual({ type: 'vmxnet3' });
    const nicStatus = nic.status as { ipConfigs: { ip: string }[]; macAddress: string };
    expect(vm.status?.network?.primaryIP4).toBe(nicStatus.ipConfigs[0]?.ip);
    expect(vm.status?.network?.interfaces?.[0]).toMatchObject({
      name: 'eth0',
      ip: { macAddr: nicStatus.macAddress },
    });
    expect(record?.guest.ipAddress).toBe(nicStatus.ipConfigs[0]?.ip);
  });

  it("reports the VM's disk as an attached Classic volume, named and sized as vm-operator does", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const vm = await getVm(f, 'vm1');
    // The node images have one disk of 20 GiB; its files (descriptor and extent) hold 512 B more.
    const disks = (vsphereVm(f, vm)?.config.devices ?? []).filter((d) => d._type === 'VirtualDisk');
    expect(disks).toHaveLength(1);
    const uuid = (disks[0]?.backing as { uuid?: string } | undefined)?.uuid as string;
    expect(vm.status?.volumes).toEqual([
      {
        name: `disk-${xxHash64(Buffer.from(uuid)).slice(0, 8)}`,
        type: 'Classic',
        attached: true,
        diskUUID: uuid,
        limit: '20Gi',
        requested: '20Gi',
        used: '21474836992',
      },
    ]);
    // Its storage: the disk's request and usage, the configuration file (2 KiB), their total.
    expect(vm.status?.storage).toEqual({
      requested: { disks: '20Gi' },
      usage: { disks: '21474836992', other: '2Ki' },
      total: String(20 * 1024 ** 3 + 2048),
    });
  });

  it('shares, frozen, the parts of their state that VMs of one class, image and network have alike', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.kube.create(newVm(f, 'vm2'));
    await f.settle();
    // As stored (the hub version): what `direct` reads and the store keeps.
    const stored = (name: string) =>
      f.kube.direct.get({
        ...ref(name),
        apiVersion: 'vmoperator.vmware.com/v1alpha6',
      }) as unknown as VirtualMachine;
    const [a, b] = [stored('vm1'), stored('vm2')];
    expect(a.status?.class).toEqual({
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachineClass',
      name: 'best-effort-small',
    });
    expect(a.status?.class).toBe(b.status?.class);
    expect(a.status?.guest).toBe(b.status?.guest);
    expect(a.status?.storage).toBe(b.status?.storage);
    expect(a.spec?.network).toEqual({ interfaces: [{ name: 'eth0', network: expect.any(Object) }] });
    expect(a.spec?.network).toBe(b.spec?.network);
    const nicOf = (vm: VirtualMachine) => vsphereVm(f, vm)?.config.devices.find((d) => 'macAddress' in d);
    expect(nicOf(a)?.macAddress).not.toBe(nicOf(b)?.macAddress);
    expect(nicOf(a)?.backing).toBe(nicOf(b)?.backing);
    for (const part of [a.status?.class, a.status?.guest, nicOf(a)?.backing])
      expect(Object.isFrozen(part)).toBe(true);
  });

  it("deploys with vm-operator's blocking create, falling through to the update in the same pass", async () => {
    const f = await setup();
    const controller = f.supervisor.manager.get('virtualmachine-controller');
    const passes = controller?.stats.reconciles ?? 0;
    const writes: string[] = [];
    const stop = f.kube.subscribe({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1' }, (event) => {
      const status = event.object.status as VirtualMachine['status'];
      writes.push(
        `${event.type} ${condition({ status } as VirtualMachine, CONDITION.created)?.status ?? '-'}`,
      );
    });
    await f.kube.create(newVm(f, 'vm1', UNCUSTOMIZED));
    await f.settle();
    stop();
    // One pass adds the finalizer and makes the NetworkInterface, and reports nothing while
    // net-operator has not filled it in; the next deploys and reports the deployed VM in one
    // status write, upgrades its schema in one write more, then backs it up; the third, after
    // the backup's reconfiguration, finds it current.
    expect((controller?.stats.reconciles ?? 0) - passes).toBe(3);
    expect(writes).toEqual(['ADDED -', 'MODIFIED -', 'MODIFIED True', 'MODIFIED True']);
    const vm = await getVm(f, 'vm1');
    expect(vm.metadata.annotations).toMatchObject({
      'vmoperator.vmware.com/upgraded-to-build-version': 'v0.0.0',
      'vmoperator.vmware.com/upgraded-to-schema-version': 'v1alpha6',
      'vmoperator.vmware.com/upgraded-to-feature-version': '1',
    });
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect(vm.status?.network?.primaryIP4).toMatch(/^10\./);
  });

  it('adopts a NetworkInterface nobody controls, owns one another kind controls, and waits out one of another VM', async () => {
    const f = await setup();
    await f.kube.create({ ...NIC, metadata: { name: 'vm1-eth0', namespace: 'ns1' }, spec: NIC_SPEC });
    await nicHeldByConfigMap(f, 'vm2-eth0');
    await f.kube.create(newVm(f, 'vm1'));
    await f.kube.create(newVm(f, 'vm2'));
    await f.settle();
    const vm1 = await getVm(f, 'vm1');
    expect(vm1.status?.powerState).toBe('PoweredOn');
    const nicOf = (name: string) => f.kube.get({ ...NIC, namespace: 'ns1', name });
    const adopted = await nicOf('vm1-eth0');
    expect(adopted.metadata.labels).toMatchObject({ 'vmoperator.vmware.com/vm-name': 'vm1' });
    const owner = (vm: VirtualMachine, controller: boolean) =>
      expect.objectContaining({
        kind: 'VirtualMachine',
        name: vm.metadata.name,
        uid: vm.metadata.uid,
        controller,
      });
    expect(adopted.metadata.ownerReferences).toEqual([owner(vm1, true)]);
    // As vm-operator, an owner of one another kind controls, and it goes on with it.
    const vm2 = await getVm(f, 'vm2');
    expect(vm2.status?.powerState).toBe('PoweredOn');
    expect((await nicOf('vm2-eth0')).metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ConfigMap', controller: true }),
      // controller-runtime's SetOwnerReference's: neither controller nor blocking deletion.
      {
        apiVersion: 'vmoperator.vmware.com/v1alpha6',
        kind: 'VirtualMachine',
        name: 'vm2',
        uid: vm2.metadata.uid,
      },
    ]);
    // Another VM's is none of its own: retried with backoff until it is gone.
    await nicHeldByVm(f, 'vm3-eth0', vm1);
    await f.kube.create(newVm(f, 'vm3'));
    await f.settle();
    expect(condition(await getVm(f, 'vm3'), CONDITION.networkReady)).toMatchObject({
      status: 'False',
      message: 'network interface "eth0" error: network interface CR vm3-eth0 is already owned by VM vm1',
    });
    await f.kube.delete({ ...NIC, namespace: 'ns1', name: 'vm3-eth0' });
    await f.advance(60_000);
    expect((await getVm(f, 'vm3')).status?.powerState).toBe('PoweredOn');
  });

  it('drops NetworkReady once networking is disabled, and reports an interface the API server refuses', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm0', UNCUSTOMIZED));
    await f.settle();
    await nicHeldByVm(f, 'vm1-eth0', await getVm(f, 'vm0'));
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    expect(condition(await getVm(f, 'vm1'), CONDITION.networkReady)).toMatchObject({ status: 'False' });
    await f.kube.patch(ref('vm1'), { spec: { network: { disabled: true } } }, { type: 'merge' });
    await f.advance(60_000);
    const vm1 = await getVm(f, 'vm1');
    expect(vm1.status?.powerState).toBe('PoweredOn');
    expect(condition(vm1, CONDITION.networkReady)).toBeUndefined();

    // A name too long for the label vm-operator puts on its interfaces: the write is refused.
    const long = 'w'.repeat(70);
    await f.kube.create(newVm(f, long, { network: { hostName: 'short' } }));
    await f.settle();
    expect(condition(await getVm(f, long), CONDITION.networkReady)).toMatchObject({
      status: 'False',
      reason: 'NotReady',
      message: expect.stringContaining('metadata.labels: Invalid value'),
    });
  });

  it('reports an interface net-operator finds no Network for, and comes up once there is one', async () => {
    const f = await setup();
    await f.kube.create(
      newVm(f, 'vm1', { network: { interfaces: [{ name: 'eth0', network: { name: 'other' } }] } }),
    );
    await f.settle();
    expect(condition(await getVm(f, 'vm1'), CONDITION.networkReady)).toMatchObject({
      status: 'False',
      message:
        'network interface "eth0" error: network interface is not ready: NetworkNotFound - Network ns1/other not found',
    });
    expect((await getVm(f, 'vm1')).status?.uniqueID).toBeUndefined();
    await f.kube.create({
      apiVersion: NET_OPERATOR_API_VERSION,
      kind: 'Network',
      metadata: { name: 'other', namespace: 'ns1' },
      spec: { type: 'vsphere-distributed' },
    });
    await f.settle();
    const vm = await getVm(f, 'vm1');
    expect(condition(vm, CONDITION.networkReady)).toMatchObject({ status: 'True' });
    expect(vm.status?.powerState).toBe('PoweredOn');
  });

  it('reports an interface being deleted, and makes its own once that one is gone', async () => {
    const f = await setup();
    await f.kube.create({
      ...NIC,
      metadata: { name: 'vm1-eth0', namespace: 'ns1', finalizers: ['example.com/hold'] },
      spec: { networkName: '', type: 'vmxnet3' },
    });
    await f.kube.delete({ ...NIC, namespace: 'ns1', name: 'vm1-eth0' });
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    expect(condition(await getVm(f, 'vm1'), CONDITION.networkReady)).toMatchObject({
      status: 'False',
      message: 'network interface "eth0" error: network interface is not ready yet',
    });
    await f.kube.patch(
      { ...NIC, namespace: 'ns1', name: 'vm1-eth0' },
      { metadata: { finalizers: null } },
      { type: 'merge' },
    );
    await f.settle();
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
  });

  it('marks a VM another vCenter managed with its own again', async () => {
    const f = await setup();
    const managerId = { 'vmoperator.vmware.com/manager-id': 'another-vcenter' };
    await f.kube.create({
      ...newVm(f, 'vm1'),
      metadata: { name: 'vm1', namespace: 'ns1', annotations: managerId },
    });
    await f.settle();
    const vm = await getVm(f, 'vm1');
    expect(vm.metadata.annotations?.['vmoperator.vmware.com/manager-id']).toBe(f.vsphere.about.instanceUuid);
    expect(vm.status?.powerState).toBe('PoweredOn');
  });

  it('leaves a paused VM alone', async () => {
    const f = await setup();
    const vm = newVm(f, 'vm1');
    vm.metadata.annotations = { [PAUSED_ANNOTATION]: '' };
    await f.kube.create(vm);
    await f.settle();
    const got = await getVm(f, 'vm1');
    expect(got.metadata.finalizers).toBeUndefined();
    expect(got.status).toBeUndefined();
  });

  it('neither configures, powers nor deletes a VM an administrator paused in vSphere, and says so', async () => {
    const f = await setup({ events: true });
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const id = vsphereVm(f, await getVm(f, 'vm1'))?.id as string;
    const pause = (value: string) => setExtraConfig(f, id, PAUSE_EXTRA_CONFIG_KEY, value);
    await pause('Yes');
    let vm = await getVm(f, 'vm1');
    expect(vm.metadata.labels?.[PAUSED_LABEL]).toBe('admin');
    expect(condition(vm, CONDITION.reconcileReady)).toMatchObject({
      status: 'False',
      reason: 'VirtualMachineReconcilePaused',
      message: 'Virtual Machine reconciliation paused by Admin',
    });
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    expect(f.vsphere.store.get(id)).toMatchObject({ powerState: 'poweredOn' });
    // The status still follows vSphere.
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
    await f.kube.delete(ref('vm1'));
    await f.settle();
    vm = await getVm(f, 'vm1');
    expect(vm.metadata.finalizers).toContain('vmoperator.vmware.com/virtualmachine');
    expect(f.vsphere.store.get(id)).toMatchObject({ powerState: 'poweredOn' });
    const failures = f.kube.direct
      .list('v1', 'Event', 'ns1')
      .filter((e) => (e as { reason?: string }).reason === 'DeleteFailure');
    expect(failures.map((e) => (e as { message?: string }).message)).toEqual([
      "failed to delete vm: failed to delete this VM because extraConfig Key 'vmservice.virtualmachine.pause' is set by admin",
    ]);
    // Unpaused (the key removed), the delete goes on: powered off, destroyed, the object gone.
    await pause('');
    expect(f.vsphere.store.get(id)).toBeUndefined();
    await expect(getVm(f, 'vm1')).rejects.toMatchObject({ code: 404 });
  });

  it('lets an administrator unpause a VM in vSphere: unlabelled, ready, and driven again', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const id = vsphereVm(f, await getVm(f, 'vm1'))?.id as string;
    const setKey = (value: string) => setExtraConfig(f, id, PAUSE_EXTRA_CONFIG_KEY, value);
    await setKey('TRUE');
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    await setKey('false');
    const vm = await getVm(f, 'vm1');
    expect(vm.metadata.labels?.[PAUSED_LABEL]).toBeUndefined();
    expect(condition(vm, CONDITION.reconcileReady)).toMatchObject({ status: 'True' });
    expect(f.vsphere.store.get(id)).toMatchObject({ powerState: 'poweredOff' });
  });

  it('keeps the vSphere VM of a deleted VM a privileged account asks to keep, without what vm-operator put there', async () => {
    const f = await setup({ events: true });
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const id = vsphereVm(f, await getVm(f, 'vm1'))?.id as string;
    // A key of the guest's own, beside vm-operator's (any case).
    await setExtraConfig(f, id, 'GuestInfo.app', 'x');
    await setExtraConfig(f, id, 'tools.keep', 'yes');
    const ours = /^(guestinfo|vmservice)\./i;
    const before = f.vsphere.store.get(id) as VmRecord;
    expect(before.config.managedBy).toMatchObject({ extensionKey: 'com.vmware.vcenter.wcp' });
    expect(before.config.extraConfig.filter((o) => ours.test(o.key)).length).toBeGreaterThan(1);
    await setAnnotations(f, 'vm1', { 'vmoperator.vmware.com.protected/skip-delete-platform-resource': '' });
    await f.kube.delete(ref('vm1'));
    await f.settle();
    await expect(getVm(f, 'vm1')).rejects.toMatchObject({ code: 404 });
    const kept = f.vsphere.store.get(id) as VmRecord;
    expect(kept.powerState).toBe('poweredOn');
    expect(kept.config.managedBy).toBeUndefined();
    expect(kept.config.extraConfig.map((o) => o.key)).not.toContainEqual(
      expect.stringMatching(/^(guestinfo|vmservice)\./i),
    );
    expect(kept.config.extraConfig).toContainEqual({ key: 'tools.keep', value: 'yes' });
    // Nothing deleted, no Delete event.
    const reasons = f.kube.direct.list('v1', 'Event', 'ns1').map((e) => (e as { reason?: string }).reason);
    expect(reasons).toContain('CreateSuccess');
    expect(reasons.filter((r) => r?.startsWith('Delete'))).toEqual([]);
  });

  it('takes back by its instance UUID the vSphere VM that a deleted VM kept, deploying none', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1', UNCUSTOMIZED));
    await f.settle();
    const first = await getVm(f, 'vm1');
    const id = first.status?.uniqueID as string;
    await setAnnotations(f, 'vm1', { 'vmoperator.vmware.com.protected/skip-delete-platform-resource': '' });
    await f.kube.delete(ref('vm1'));
    await f.settle();
    expect((f.vsphere.store.get(id) as VmRecord).config.managedBy).toBeUndefined();
    const count = f.vsphere.store.countOf('VirtualMachine');
    // Made again, as a restore makes it: its spec (the instance UUID a privileged account's to give).
    f.kube.direct.create(newVm(f, 'vm1', { ...UNCUSTOMIZED, instanceUUID: first.spec?.instanceUUID }));
    await f.settle();
    const again = await getVm(f, 'vm1');
    expect(again.status?.uniqueID).toBe(id);
    expect(condition(again, CONDITION.created)).toMatchObject({ status: 'True' });
    expect(again.status?.powerState).toBe('PoweredOn');
    expect(f.vsphere.store.countOf('VirtualMachine')).toBe(count);
    // vm-operator's update puts back what the kept VM lost.
    expect((f.vsphere.store.get(id) as VmRecord).config.managedBy).toMatchObject({
      extensionKey: 'com.vmware.vcenter.wcp',
    });
    // Its deletion deletes the VM it found.
    await f.kube.delete(ref('vm1'));
    await f.settle();
    expect(f.vsphere.store.get(id)).toBeUndefined();
  });

  it('finds a VM by the resource UID older releases made its instance UUID, and fails on two VMs of one UUID', async () => {
    const f = await setup({ events: true });
    await f.kube.create(newVm(f, 'vm1', UNCUSTOMIZED));
    await f.settle();
    const vm1 = await getVm(f, 'vm1');
    const source = vsphereVm(f, vm1) as VmRecord;
    const twin = async (name: string, instanceUuid: string) => {
      const task = f.vsphere.vm.clone(source.id, source.parent as string, name, {
        location: {},
        config: { instanceUuid },
        powerOn: false,
        template: false,
      });
      await f.settle();
      return (await task.wait()).value;
    };
    // A VM of an older release: its instance UUID is the resource's UID, which vm-operator looks for last.
    const vm2 = f.kube.direct.create(newVm(f, 'vm2', UNCUSTOMIZED));
    const older = await twin('older', vm2.metadata.uid as string);
    await f.settle();
    expect((await getVm(f, 'vm2')).status?.uniqueID).toBe(older);
    // Two VMs of the UUID a new resource names: neither is taken, none is deployed.
    const shared = '4214bd5b-0000-4000-8000-00000000c0de';
    await twin('a', shared);
    await twin('b', shared);
    const before = f.vsphere.store.countOf('VirtualMachine');
    f.kube.direct.create(newVm(f, 'vm3', { ...UNCUSTOMIZED, instanceUUID: shared }));
    await f.settle();
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/vm3'))).toContain(
      `found multiple VMs for instance UUID "${shared}" (2)`,
    );
    expect((await getVm(f, 'vm3')).status?.uniqueID).toBeUndefined();
    expect(f.vsphere.store.countOf('VirtualMachine')).toBe(before);
    const warnings = f.kube.direct
      .list('v1', 'Event', 'ns1')
      .filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'vm3')
      .map((e) => [(e as { reason?: string }).reason, (e as { message?: string }).message]);
    expect(warnings).toEqual([
      ['ReconcileNormalFailure', `found multiple VMs for instance UUID "${shared}" (2)`],
    ]);
    // Its deletion fails the same way, and the VMs stay.
    await f.kube.delete(ref('vm3'));
    await f.settle();
    expect(await f.find(ref('vm3'))).toBeDefined();
    expect(f.vsphere.store.countOf('VirtualMachine')).toBe(before);
  });

  it('imports a vSphere VM without a class or an image (VMImportNewNet), sized as it is', async () => {
    const f = await setup({ capabilities: { vmImportNewNet: true } });
    // Made in vSphere, in the namespace's pool and folder, as an import leaves it.
    const spec = { name: 'legacy', files: { vmPathName: '[LocalDS_0]' }, memoryMB: 3072, numCPUs: 3 };
    const task = f.vsphere.vm.create(
      f.prepared.folder,
      { ...spec, guestId: 'ubuntu64Guest' },
      f.prepared.pool,
    );
    await f.settle();
    const id = (await task.wait()).value;
    const legacy = f.vsphere.store.get(id) as VmRecord;
    const imported = (name: string, instanceUUID?: string): KubeObject => ({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1', annotations: { 'vmoperator.vmware.com/imported-vm': '' } },
      spec: { storageClass: f.prepared.storageClass, powerState: 'PoweredOn', ...UNCUSTOMIZED, instanceUUID },
    });
    // A DevOps user may not import.
    await expect(f.kube.create(imported('legacy'))).rejects.toMatchObject({ code: 422 });
    f.kube.direct.create(imported('legacy', legacy.config.instanceUuid));
    await f.settle();
    const vm = await getVm(f, 'legacy');
    expect(vm.status?.uniqueID).toBe(id);
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect(vm.status?.class).toBeUndefined();
    expect(condition(vm, CONDITION.classReady)).toBeUndefined();
    expect(condition(vm, CONDITION.imageReady)).toBeUndefined();
    const after = f.vsphere.store.get(id) as VmRecord;
    expect(after.config).toMatchObject({ numCPU: 3, memoryMB: 3072 });
    expect(after.config.managedBy).toMatchObject({ extensionKey: 'com.vmware.vcenter.wcp' });
    // One to import that is not in vSphere: no class can be made of it, and it has no image.
    f.kube.direct.create(imported('ghost'));
    await f.settle();
    const ghost = await getVm(f, 'ghost');
    expect(ghost.status?.uniqueID).toBeUndefined();
    expect(condition(ghost, CONDITION.classReady)).toBeUndefined();
    expect(condition(ghost, CONDITION.imageReady)).toMatchObject({
      status: 'False',
      reason: 'NotSet',
      message: '',
    });
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/ghost'))).toBe(
      'Error: [cannot synthesize class from nil ConfigInfo, NotSet]',
    );
  });

  it('deletes the vSphere VM and then lets the object go', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const moref = (await getVm(f, 'vm1')).status?.uniqueID as string;
    await f.kube.delete(ref('vm1'));
    await f.settle();
    expect(f.vsphere.store.get(moref)).toBeUndefined();
    expect(await f.find(ref('vm1'))).toBeUndefined();
    expect(
      await f.find({
        apiVersion: NET_OPERATOR_API_VERSION,
        kind: 'NetworkInterface',
        namespace: 'ns1',
        name: 'vm1-eth0',
      }),
    ).toBeUndefined();
  });

  it('drives power per powerOffMode and suspendMode, and follows the guest', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const patch = (spec: Record<string, unknown>) => f.kube.patch(ref('vm1'), { spec }, { type: 'merge' });
    await patch({ powerState: 'PoweredOff', powerOffMode: 'Hard' });
    await f.settle();
    let vm = await getVm(f, 'vm1');
    expect(vm.status?.powerState).toBe('PoweredOff');
    // What the guest reported goes with its power; what it was told stays.
    expect(Object.keys(vm.status?.network ?? {})).toEqual(['config']);
    expect(vsphereVm(f, vm)?.powerState).toBe('poweredOff');
    await patch({ powerState: 'PoweredOn' });
    await f.settle();
    await patch({ powerState: 'Suspended' });
    await f.settle();
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('Suspended');
    await patch({ powerState: 'PoweredOn' });
    await f.settle();
    // TrySoft with tools running: the guest shuts down.
    await patch({ powerState: 'PoweredOff', powerOffMode: 'TrySoft' });
    await f.settle();
    vm = await getVm(f, 'vm1');
    expect(vm.status?.powerState).toBe('PoweredOff');
    const kinds = f.vsphere.events.list().map((e) => e._type);
    expect(kinds).toContain('VmGuestShutdownEvent');
    expect(kinds).toContain('VmSuspendedEvent');
  });

  it('suspends per suspendMode, and a Soft change only asks the guest, as vm-operator does', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const patch = (spec: Record<string, unknown>) => f.kube.patch(ref('vm1'), { spec }, { type: 'merge' });
    const events = () => f.vsphere.events.list().map((e) => e._type);
    const count = (type: string) => events().filter((t) => t === type).length;
    const power = async () => vsphereVm(f, await getVm(f, 'vm1'))?.powerState;
    // Soft: StandbyGuest, and the guest suspends the VM; no SuspendVM_Task.
    await patch({ powerState: 'Suspended', suspendMode: 'Soft' });
    await f.settle();
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('Suspended');
    expect([count('VmGuestStandbyEvent'), count('VmSuspendingEvent')]).toEqual([1, 0]);
    // Soft power-off of a suspended VM: no guest to ask, no fallback, so vm-operator does nothing.
    await patch({ powerState: 'PoweredOff', powerOffMode: 'Soft' });
    await f.settle();
    expect(await power()).toBe('suspended');
    const controller = f.supervisor.virtualMachines.controller;
    expect(controller.errors.has('ns1/vm1')).toBe(false);
    // TrySoft powers it off hard.
    await patch({ powerOffMode: 'TrySoft' });
    await f.settle();
    expect(await power()).toBe('poweredOff');
    // Soft, of a running VM whose guest cannot shut down: the reconcile fails as vm-operator's does.
    await patch({ powerState: 'PoweredOn' });
    await f.settle();
    f.vsphere.interceptor.add({ method: 'ShutdownGuest', times: 1, fault: { _type: 'ToolsUnavailable' } });
    await patch({ powerState: 'PoweredOff', powerOffMode: 'Soft' });
    await f.settle();
    expect(await power()).toBe('poweredOn');
    expect(String(controller.errors.get('ns1/vm1'))).toContain('soft set power state to poweredOff failed');
    await patch({ powerOffMode: 'Hard' });
    await f.settle();
    expect(await power()).toBe('poweredOff');
    expect(controller.errors.has('ns1/vm1')).toBe(false);
    // Hard: SuspendVM_Task, the guest not asked.
    await patch({ powerState: 'PoweredOn' });
    await f.settle();
    await patch({ powerState: 'Suspended', suspendMode: 'Hard' });
    await f.settle();
    expect(await power()).toBe('suspended');
    expect([count('VmGuestStandbyEvent'), count('VmSuspendingEvent')]).toEqual([1, 1]);
  });

  it('deletes as vm-operator does: powered off per powerOffMode, then destroyed', async () => {
    const f = await setup();
    const events = () => f.vsphere.events.list().map((e) => e._type);
    const count = (type: string) => events().filter((t) => t === type).length;
    const controller = f.supervisor.virtualMachines.controller;
    const gone = (name: string) =>
      f.kube.get(ref(name)).then(
        () => false,
        (error: { code?: number }) => error.code === 404,
      );
    for (const [name, spec] of [
      ['try', {}],
      ['hard', { powerOffMode: 'Hard' }],
      ['soft', { powerOffMode: 'Soft', suspendMode: 'Hard' }],
    ] as const)
      await f.kube.create(newVm(f, name, spec));
    await f.settle();
    const stopping = () => [count('VmGuestShutdownEvent'), count('VmStoppingEvent')];
    // TrySoft, the default: the guest shuts down; no PowerOffVM_Task.
    await f.kube.delete(ref('try'));
    await f.settle();
    expect(stopping()).toEqual([1, 0]);
    expect(await gone('try')).toBe(true);
    // Hard: PowerOffVM_Task.
    await f.kube.delete(ref('hard'));
    await f.settle();
    expect(stopping()).toEqual([1, 1]);
    expect(await gone('hard')).toBe(true);
    // Soft, of a suspended VM: no guest to shut down, so the delete fails and the VM stays.
    await f.kube.patch(ref('soft'), { spec: { powerState: 'Suspended' } }, { type: 'merge' });
    await f.settle();
    const soft = await getVm(f, 'soft');
    await f.kube.delete(ref('soft'));
    await f.settle();
    expect(String(controller.errors.get('ns1/soft'))).toContain('soft set power state to poweredOff failed');
    expect(vsphereVm(f, soft)?.powerState).toBe('suspended');
    expect((await getVm(f, 'soft')).metadata.finalizers).toContain(VM_FINALIZER);
    await f.kube.patch(ref('soft'), { spec: { powerOffMode: 'TrySoft' } }, { type: 'merge' });
    await f.settle();
    expect(await gone('soft')).toBe(true);
    expect(vsphereVm(f, soft)).toBeUndefined();
  });

  it('retries a power change that keeps failing ever later, as vm-operator backs off its failing reconcile', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    f.vsphere.interceptor.add({ method: 'PowerOffVM_Task', fault: { _type: 'SystemError', reason: 'busy' } });
    const stats = () => f.supervisor.virtualMachines.controller.stats;
    const before = stats().reconciles;
    await f.kube.patch(
      ref('vm1'),
      { spec: { powerState: 'PoweredOff', powerOffMode: 'Hard' } },
      { type: 'merge' },
    );
    await f.advance(60_000);
    // Two passes an attempt (one starts it, one reports its fault), the waits doubling from 5 ms:
    // some fourteen attempts in a minute, not one every few milliseconds.
    const passes = stats().reconciles - before;
    expect(passes).toBeGreaterThan(20);
    expect(passes).toBeLessThan(40);
    expect(vsphereVm(f, await getVm(f, 'vm1'))?.powerState).toBe('poweredOn');
  });

  it('records a restart once made, so one that failed is tried again', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    f.vsphere.interceptor.add({ method: 'RebootGuest', times: 1, fault: { _type: 'ToolsUnavailable' } });
    const reboots = () => f.vsphere.events.list().filter((e) => e._type === 'VmGuestRebootEvent').length;
    await f.kube.patch(
      ref('vm1'),
      { spec: { restartMode: 'Soft', nextRestartTime: 'now' } },
      { type: 'merge' },
    );
    await f.settle();
    let vm = await getVm(f, 'vm1');
    expect([reboots(), vm.status?.lastRestartTime]).toEqual([0, undefined]);
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1'))).toContain(
      'failed to soft restart vm',
    );
    await f.advance(1_000);
    vm = await getVm(f, 'vm1');
    expect(reboots()).toBe(1);
    expect(vm.status?.lastRestartTime).toBe(vm.spec?.nextRestartTime);
  });

  it('powers a VM back on when someone powers it off in vSphere', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const record = vsphereVm(f, await getVm(f, 'vm1'));
    const off = f.vsphere.vm.powerOff(record?.id as string);
    await f.settle();
    await off.wait();
    await f.settle();
    expect(vsphereVm(f, await getVm(f, 'vm1'))?.powerState).toBe('poweredOn');
  });

  it("reports the guest bootstrap's own report in GuestBootstrap, as vm-operator reads it", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const id = vsphereVm(f, await getVm(f, 'vm1'))?.id as string;
    const bootstrap = async () => condition(await getVm(f, 'vm1'), CONDITION.guestBootstrap);
    expect(await bootstrap()).toBeUndefined();
    const report = async (value: string | null) => {
      await setExtraConfig(f, id, GUEST_BOOTSTRAP_CONDITION_KEY, value ?? '');
      return bootstrap();
    };
    expect(await report('false, BootstrapFailed, kubeadm init failed, exit 1')).toMatchObject({
      status: 'False',
      reason: 'BootstrapFailed',
      message: 'kubeadm init failed, exit 1',
    });
    expect(await report('TRUE')).toMatchObject({ status: 'True', reason: 'True', message: '' });
    expect(await report('1,Done')).toMatchObject({ status: 'True', reason: 'Done', message: '' });
    // Not one of Go's true spellings: false.
    expect(await report('yes, Unsure')).toMatchObject({ status: 'False', reason: 'Unsure', message: '' });
    // No reason: vm-operator's FalseCondition gives its status as one.
    expect(await report('false')).toMatchObject({ status: 'False', reason: 'False', message: '' });
    // An empty value removes the key from vSphere's extra config, and the condition with it.
    expect(await report(null)).toBeUndefined();
  });

  it("sets the conditions other services ask for in annotations, as vm-operator's status update does", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const annotate = async (annotations: Record<string, string>) => {
      await setAnnotations(f, 'vm1', annotations);
      return getVm(f, 'vm1');
    };
    const prefix = 'condition.vmoperator.vmware.com.protected/';
    const vm = await annotate({
      [`${prefix}backup`]: 'BackupReady;False;InProgress;backup is running;ignored',
      [`${prefix}dr`]: 'Replicated;True;Whatever;ignored too',
      [`${prefix}probe`]: 'Probed;maybe;Checking',
      [`${prefix}bare`]: 'Bare',
      [`${prefix}none`]: ';False;NoType',
      // The type vm-operator's own status update sets again after these.
      [`${prefix}power`]: `${CONDITION.powerStateSynced};False;Faked;not so`,
    });
    expect(condition(vm, 'BackupReady')).toMatchObject({
      status: 'False',
      reason: 'InProgress',
      message: 'backup is running',
    });
    expect(condition(vm, 'Replicated')).toMatchObject({ status: 'True', reason: 'True', message: '' });
    expect(condition(vm, 'Probed')).toMatchObject({ status: 'Unknown', reason: 'Checking', message: '' });
    // A type alone: Unknown, its status its reason.
    expect(condition(vm, 'Bare')).toMatchObject({ status: 'Unknown', reason: 'Unknown', message: '' });
    expect(condition(vm, CONDITION.powerStateSynced)).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(vm.status?.conditions?.some((c) => c.reason === 'NoType')).toBe(false);
    const later = await annotate({ [`${prefix}backup`]: 'BackupReady;True' });
    expect(condition(later, 'BackupReady')).toMatchObject({ status: 'True', reason: 'True' });
  });

  it("mirrors the management proxy's annotations into extra config, on or off, and removes them with them", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const id = vsphereVm(f, await getVm(f, 'vm1'))?.id as string;
    const annotate = (annotations: Record<string, string | undefined>) =>
      setAnnotations(f, 'vm1', annotations);
    const mirrored = () =>
      f.vsphere
        .read<{ key: string; value: string }[]>(id, 'config.extraConfig')
        .filter((o) => o.key.includes('mgmt.proxy'))
        .map((o) => `${o.key}=${o.value}`);
    await annotate({ 'mgmt.proxy.vmware.com/watermark': 'wm-1', 'mgmt.proxy.vmware.com/allowlist': 'a,b' });
    expect(mirrored()).toEqual([
      'com.vmware.mgmt.proxy.watermark=wm-1',
      'guestinfo.com.vmware.mgmt.proxy.allowlist/=a,b',
    ]);
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    await annotate({
      'mgmt.proxy.vmware.com/watermark': 'wm-2',
      'mgmt.proxy.vmware.com/allowlist': undefined,
    });
    expect(mirrored()).toEqual(['com.vmware.mgmt.proxy.watermark=wm-2']);
  });

  it('holds power-on while a poweron.check annotation is present', async () => {
    const f = await setup();
    const vm = newVm(f, 'vm1');
    vm.metadata.annotations = { 'poweron.check.vmoperator.vmware.com/tests': 'wait' };
    await f.kube.create(vm);
    await f.settle();
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOff');
    // A DevOps user may give a new VM the check, and only a privileged account take it away.
    const released = { metadata: { annotations: { 'poweron.check.vmoperator.vmware.com/tests': null } } };
    await expect(f.kube.patch(ref('vm1'), released, { type: 'merge' })).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'metadata.annotations.poweron.check.vmoperator.vmware.com/tests: Forbidden: removing this annotation is restricted to privileged users',
      ),
    });
    const held = await getVm(f, 'vm1');
    f.kube.direct.update({
      ...held,
      metadata: { ...held.metadata, annotations: {} },
    } as unknown as KubeObject);
    await f.settle();
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
  });

  it('keeps a deleted VM while a delete.check annotation is present', async () => {
    const f = await setup();
    const vm = newVm(f, 'vm1');
    vm.metadata.annotations = { 'delete.check.vmoperator.vmware.com/tests': 'wait' };
    await expect(f.kube.create(vm)).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'metadata.annotations.delete.check.vmoperator.vmware.com/tests: Forbidden: adding this annotation is restricted to privileged users',
      ),
    });
    f.kube.direct.create(vm);
    await f.settle();
    await f.kube.delete(ref('vm1'));
    await f.settle();
    const held = await getVm(f, 'vm1');
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(vsphereVm(f, held)).toBeDefined();
    // An object being deleted takes any update: its owner lets it go.
    await f.kube.patch(
      ref('vm1'),
      { metadata: { annotations: { 'delete.check.vmoperator.vmware.com/tests': null } } },
      { type: 'merge' },
    );
    await f.settle();
    expect(await f.find(ref('vm1'))).toBeUndefined();
    expect(vsphereVm(f, held)).toBeUndefined();
  });

  it("creates the VM with spec.bootOptions.firmware, else the image's firmware", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'image-firmware'));
    await f.kube.create(newVm(f, 'bios', { bootOptions: { firmware: 'bios' } }));
    await f.settle();
    expect(vsphereVm(f, await getVm(f, 'image-firmware'))?.config.firmware).toBe('efi');
    expect(vsphereVm(f, await getVm(f, 'bios'))?.config.firmware).toBe('bios');
  });

  it('raises the hardware to spec.minHardwareVersion and sets spec.guestID, at create and while off', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'old', { minHardwareVersion: 17 }));
    await f.kube.create(newVm(f, 'new', { minHardwareVersion: 20, guestID: 'centos64Guest' }));
    // vmx-22 passes the webhook, but the simulated hosts run vmx-21 at most: the deployment fails.
    await f.kube.create(newVm(f, 'esx9', { minHardwareVersion: 22 }));
    await f.settle();
    const esx9 = await getVm(f, 'esx9');
    expect(condition(esx9, CONDITION.created)).toMatchObject({
      status: 'False',
      reason: 'Error',
      message: "The hardware version 'vmx-22' is not supported.",
    });
    expect(esx9.status?.uniqueID).toBeUndefined();
    // A minimum: the image's vmx-19 stays when it is higher.
    const old = await getVm(f, 'old');
    expect(old.status?.hardwareVersion).toBe(19);
    let created = await getVm(f, 'new');
    expect(created.status?.hardwareVersion).toBe(20);
    expect(vsphereVm(f, created)?.config).toMatchObject({ version: 'vmx-20', guestId: 'centos64Guest' });
    expect(created.status?.guest?.guestID).toBe('centos64Guest');
    // vm-operator's webhook raises it only with the VM powered off, and never past vmx-22.
    const patch = (spec: Record<string, unknown>) => f.kube.patch(ref('new'), { spec }, { type: 'merge' });
    const refusal = (spec: Record<string, unknown>) =>
      patch(spec).then(
        () => '',
        (e: Error) => e.message,
      );
    expect(await refusal({ minHardwareVersion: 21 })).toContain(
      'spec.minHardwareVersion: Invalid value: 21: cannot upgrade hardware version unless powered off',
    );
    expect(await refusal({ minHardwareVersion: 23, powerState: 'PoweredOff' })).toContain(
      'spec.minHardwareVersion: Invalid value: 23: should be less than or equal to 22',
    );
    expect(await refusal({ minHardwareVersion: 19 })).toContain('cannot downgrade hardware version');
    const upgrades = () => f.vsphere.events.list().filter((e) => e._type === 'VmUpgradeCompleteEvent').length;
    expect(upgrades()).toBe(0);
    // Powered off: UpgradeVM_Task, then the new guest ID through a reconfiguration.
    await patch({ minHardwareVersion: 21, powerState: 'PoweredOff' });
    await f.settle();
    await patch({ guestID: 'ubuntu64Guest' });
    await f.settle();
    created = await getVm(f, 'new');
    expect(vsphereVm(f, created)?.config).toMatchObject({ version: 'vmx-21', guestId: 'ubuntu64Guest' });
    expect(created.status).toMatchObject({ hardwareVersion: 21, guest: { guestID: 'ubuntu64Guest' } });
    expect(upgrades()).toBe(1);
  });

  it('grows the boot disk to spec.advanced.bootDiskCapacity before the first boot and while off, and never shrinks it', async () => {
    const f = await setup();
    const GIB = 1024 ** 3;
    const advanced = (bootDiskCapacity: string) => ({ advanced: { bootDiskCapacity } });
    await f.kube.create(newVm(f, 'big', advanced('40Gi')));
    await f.kube.create(newVm(f, 'same', advanced('20Gi')));
    await f.kube.create(newVm(f, 'small', advanced('10Gi')));
    await f.settle();
    const bootDisk = async (name: string) =>
      vsphereVm(f, await getVm(f, name))?.config.devices.find((d) => d._type === 'VirtualDisk');
    const reconfigured = (name: string) => configReconfigures(f, name);
    // Deployed powered off, grown by the first update, then powered on.
    expect(await bootDisk('big')).toMatchObject({ capacityInBytes: 40 * GIB });
    expect((await getVm(f, 'big')).status?.powerState).toBe('PoweredOn');
    expect(reconfigured('big')).toBe(1);
    // The image's own size: deployed and powered on at once, nothing to change.
    expect((await getVm(f, 'same')).status?.powerState).toBe('PoweredOn');
    expect(reconfigured('same')).toBe(0);
    // Smaller than the image's: the update fails and the VM stays off until the spec is mended.
    const controller = f.supervisor.virtualMachines.controller;
    expect(String(controller.errors.get('ns1/small'))).toContain(
      `cannot shrink boot disk from ${20 * GIB} bytes to ${10 * GIB} bytes`,
    );
    expect((await getVm(f, 'small')).status?.powerState).toBe('PoweredOff');
    await f.kube.patch(ref('small'), { spec: advanced('30Gi') }, { type: 'merge' });
    await f.settle();
    expect(await bootDisk('small')).toMatchObject({ capacityInBytes: 30 * GIB });
    expect((await getVm(f, 'small')).status?.powerState).toBe('PoweredOn');
    // A running VM's disk is resized once it is off.
    await f.kube.patch(ref('big'), { spec: advanced('50Gi') }, { type: 'merge' });
    await f.settle();
    expect(await bootDisk('big')).toMatchObject({ capacityInBytes: 40 * GIB });
    await f.kube.patch(ref('big'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    expect(await bootDisk('big')).toMatchObject({ capacityInBytes: 50 * GIB });
    // vm-operator keeps the volume's limit and request; its usage follows the disk.
    expect((await getVm(f, 'big')).status?.volumes?.[0]).toMatchObject({
      limit: '20Gi',
      used: String(50 * GIB + 512),
    });
  });

  it('provisions the disks as spec.advanced.defaultVolumeProvisioningMode says, thin by default', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'thin'));
    await f.kube.create(newVm(f, 'thick', { advanced: { defaultVolumeProvisioningMode: 'Thick' } }));
    await f.settle();
    const backing = async (name: string) =>
      vsphereVm(f, await getVm(f, name))?.config.devices.find((d) => d._type === 'VirtualDisk')?.backing;
    expect(await backing('thin')).toMatchObject({ thinProvisioned: true });
    expect(await backing('thick')).toMatchObject({ thinProvisioned: false });
  });

  it('turns Changed Block Tracking on at create and on or off while on or off; the status follows vSphere', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'plain'));
    await f.kube.create(newVm(f, 'tracked', { advanced: { changeBlockTracking: true } }));
    await f.settle();
    expect((await getVm(f, 'plain')).status?.changeBlockTracking).toBe(false);
    const tracked = await getVm(f, 'tracked');
    expect(tracked.status).toMatchObject({ changeBlockTracking: true, powerState: 'PoweredOn' });
    // In the create's own configuration: no reconfiguration after it but the backups.
    expect(configReconfigures(f)).toBe(0);
    await f.kube.patch(
      ref('tracked'),
      { spec: { advanced: { changeBlockTracking: false } } },
      { type: 'merge' },
    );
    await f.settle();
    expect(vsphereVm(f, tracked)?.config.changeTrackingEnabled).toBe(false);
    expect((await getVm(f, 'tracked')).status?.changeBlockTracking).toBe(false);
    // Turned on in vSphere behind its back, it is turned off again; a VM that leaves it unset is left alone.
    for (const name of ['tracked', 'plain']) {
      const record = vsphereVm(f, await getVm(f, name)) as VmRecord;
      f.vsphere.vm.reconfigure(record.id, { changeTrackingEnabled: true });
    }
    await f.settle();
    expect((await getVm(f, 'tracked')).status?.changeBlockTracking).toBe(false);
    expect((await getVm(f, 'plain')).status?.changeBlockTracking).toBe(true);
  });

  it('applies spec.bootOptions before the first boot and on every update, a boot order by volume and interface', async () => {
    const f = await setup();
    const options = {
      bootDelay: '5s',
      bootRetry: 'Enabled',
      bootRetryDelay: '1m30s',
      networkBootProtocol: 'IP6',
    };
    await f.kube.create(newVm(f, 'boot', { bootOptions: options }));
    await f.kube.create(newVm(f, 'secure', { bootOptions: { firmware: 'efi', efiSecureBoot: 'Enabled' } }));
    await f.kube.create(newVm(f, 'defaults', { bootOptions: { firmware: 'efi' } }));
    await f.settle();
    const bootOptionsOf = async (name: string) => vsphereVm(f, await getVm(f, name))?.config.bootOptions;
    const reconfigured = (name: string) => configReconfigures(f, name);
    expect(await bootOptionsOf('boot')).toMatchObject({
      bootDelay: 5000,
      bootRetryEnabled: true,
      bootRetryDelay: 90_000,
      networkBootProtocol: 'ipv6',
      efiSecureBootEnabled: false,
    });
    expect((await getVm(f, 'boot')).status?.powerState).toBe('PoweredOn');
    expect(await bootOptionsOf('secure')).toMatchObject({ efiSecureBootEnabled: true });
    // The schema's defaults are vSphere's: nothing to reconfigure.
    expect(reconfigured('defaults')).toBe(0);
    // Changed in vSphere while it runs, the VM's options are set back as the spec has them.
    const boot = vsphereVm(f, await getVm(f, 'boot')) as VmRecord;
    f.vsphere.vm.reconfigure(boot.id, { bootOptions: { bootDelay: 0, networkBootProtocol: 'ipv4' } });
    await f.settle();
    expect(await bootOptionsOf('boot')).toMatchObject({ bootDelay: 5000, networkBootProtocol: 'ipv6' });
    // A boot order, set while off, names the disk by its volume and the NIC by its interface.
    const volume = (await getVm(f, 'boot')).status?.volumes?.[0]?.name as string;
    const bootOrder = [
      { type: 'Network', name: 'eth0' },
      { type: 'Disk', name: volume },
    ];
    await f.kube.patch(
      ref('boot'),
      { spec: { powerState: 'PoweredOff', bootOptions: { ...options, bootOrder } } },
      { type: 'merge' },
    );
    await f.settle();
    const devices = vsphereVm(f, await getVm(f, 'boot'))?.config.devices ?? [];
    const keyOf = (type: string) => devices.find((d) => d._type === type)?.key;
    expect((await bootOptionsOf('boot'))?.bootOrder).toEqual([
      { _type: 'VirtualMachineBootOptionsBootableEthernetDevice', deviceKey: keyOf('VirtualVmxnet3') },
      { _type: 'VirtualMachineBootOptionsBootableDiskDevice', deviceKey: keyOf('VirtualDisk') },
    ]);
  });

  describe('CD-ROMs', () => {
    /** An ISO item in the namespace's library, its file uploaded; the name of its image once settled. */
    async function isoImage(f: Fixture, name: string): Promise<string> {
      const { library } = f.vsphere;
      const item = library.createItem(f.prepared.libraries[0] as string, { name, type: 'iso' });
      const session = library.createUpdateSession(item);
      const bytes = new TextEncoder().encode(`${name} contents`);
      library.addUpdateFile(session, { name: `${name}.iso`, sourceType: 'PUSH', size: bytes.length });
      const sha1 = createHash('sha1').update(bytes).digest('hex');
      library.receiveUpdateFile(session, `${name}.iso`, { bytes, sha1 });
      library.completeUpdateSession(session);
      await f.settle();
      const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
      const image = images.items.find((i) => (i.status as { name?: string }).name === name);
      if (!image) throw new Error(`no image of ${name}`);
      return image.metadata.name as string;
    }
    const cdromsOf = async (f: Fixture, name: string) =>
      (vsphereVm(f, await getVm(f, name))?.config.devices ?? [])
        .filter((d) => d._type === 'VirtualCdrom')
        .map((d) => ({ file: (d.backing as { fileName?: string }).fileName, ...(d.connectable as object) }));
    const cdrom = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
      name,
      image: { kind: 'VirtualMachineImage', name: image },
      ...extra,
    });

    it("powers a VM going off off whatever its configuration's error, which then fails the pass", async () => {
      const f = await setup();
      const photon = await isoImage(f, 'photon-5');
      await f.kube.create(newVm(f, 'vm1'));
      await f.settle();
      // A CD-ROM the running VM has not got, asked for as it goes off: its connection cannot be
      // set while it runs. The power-off takes time, so the pass that starts it can be seen.
      f.vsphere.interceptor.add({ method: 'PowerOffVM_Task', delayMs: 5_000 });
      await f.kube.patch(
        ref('vm1'),
        {
          spec: {
            powerState: 'PoweredOff',
            powerOffMode: 'Hard',
            guestID: 'vmwarePhoton64Guest',
            hardware: { cdrom: [cdrom('cd', photon)] },
          },
        },
        { type: 'merge' },
      );
      await f.settle();
      expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1'))).toContain(
        'no CD-ROM is found for image ref',
      );
      expect(vsphereVm(f, await getVm(f, 'vm1'))?.powerState).toBe('poweredOn');
      // Off, the VM gets its CD-ROM.
      await f.advance(5_000);
      expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOff');
      expect((await cdromsOf(f, 'vm1')).map((c) => c.file)).toEqual([
        expect.stringMatching(/photon-5\.iso$/),
      ]);
      expect(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1')).toBeUndefined();
    });

    it('makes the VM of an ISO image empty and gives it its CD-ROM before its first boot', async () => {
      const f = await setup();
      const photon = await isoImage(f, 'photon-5');
      const image = (await f.kube.get({
        apiVersion: V5,
        kind: 'VirtualMachineImage',
        namespace: 'ns1',
        name: photon,
      })) as unknown as { spec: { providerRef: { name: string } } };
      const item = await f.kube.get({
        apiVersion: 'imageregistry.vmware.com/v1alpha1',
        kind: 'ContentLibraryItem',
        namespace: 'ns1',
        name: image.spec.providerRef.name,
      });
      const file = (item.status as { fileInfo: { storageURI: string }[] }).fileInfo[0]?.storageURI;
      expect(file).toMatch(/^ds:\/\/\/vmfs\/volumes\/.+\/photon-5\.iso$/);
      await f.kube.create(
        newVm(f, 'installer', {
          // A class that reserves: CreateVM_Task's spec carries it as a deployment's does.
          className: 'guaranteed-small',
          image: { kind: 'VirtualMachineImage', name: photon },
          guestID: 'vmwarePhoton64Guest',
          hardware: { cdrom: [cdrom('cdrom1', photon)] },
        }),
      );
      await f.settle();
      const vm = await getVm(f, 'installer');
      expect(vm.status).toMatchObject({ powerState: 'PoweredOn' });
      expect(condition(vm, CONDITION.created)?.status).toBe('True');
      const record = vsphereVm(f, vm) as VmRecord;
      // CreateVM_Task, not a deployment: no disk, the class's size, the NIC net-operator made.
      expect(record.config.devices.some((d) => d._type === 'VirtualDisk')).toBe(false);
      expect(record.config).toMatchObject({
        guestId: 'vmwarePhoton64Guest',
        numCPU: 2,
        memoryMB: 4096,
        annotation: 'Virtual Machine managed by the vSphere Virtual Machine service',
        managedBy: { extensionKey: 'com.vmware.vcenter.wcp', type: 'VirtualMachine' },
        cpuAllocation: { reservation: 4588 },
        memoryAllocation: { reservation: 4096 },
      });
      expect(record.config.extraConfig).toContainEqual({
        key: 'vmservice.namespacedName',
        value: 'ns1/installer',
      });
      expect(record.guest.ipAddress).toBe(vm.status?.network?.primaryIP4);
      const types = f.vsphere.events
        .list()
        .filter((e) => e.vm?.name === 'installer')
        .map((e) => e._type);
      expect(types).toEqual([
        'VmBeingCreatedEvent',
        'VmInstanceUuidAssignedEvent',
        'VmUuidAssignedEvent',
        'VmCreatedEvent',
        // Its backup, then its CD-ROM, as vm-operator backs a VM up before it configures it.
        'VmReconfiguredEvent',
        'VmReconfiguredEvent',
        'VmStartingEvent',
        'VmPoweredOnEvent',
        // Its backup again: the power-on marked it (first-boot-done).
        'VmReconfiguredEvent',
      ]);
      // Added while off, connected as the VM powered on.
      expect(await cdromsOf(f, 'installer')).toEqual([
        { file, startConnected: true, connected: true, allowGuestControl: true },
      ]);
      expect(vm.status?.volumes).toBeUndefined();
    });

    it("follows the spec's connection while the VM runs, and its CD-ROMs while it is off", async () => {
      const f = await setup();
      const photon = await isoImage(f, 'photon-5');
      const tools = await isoImage(f, 'tools');
      const spec = (cdroms: unknown[], extra: Record<string, unknown> = {}) => ({
        spec: { guestID: 'ubuntu64Guest', hardware: { cdrom: cdroms }, ...extra },
      });
      // An OVF VM with CD-ROMs: its own remote CD-ROM goes, the ISO's comes, before it boots.
      await f.kube.create(newVm(f, 'vm1', spec([cdrom('cdrom1', photon)]).spec));
      await f.settle();
      const files = async () => (await cdromsOf(f, 'vm1')).map((c) => c.file);
      expect(await files()).toEqual([expect.stringMatching(/photon-5\.iso$/)]);
      const patch = (body: unknown) =>
        f.kube.patch(ref('vm1'), body as Record<string, unknown>, { type: 'merge' });
      await patch(spec([cdrom('cdrom1', photon, { connected: false })]));
      await f.settle();
      expect(await cdromsOf(f, 'vm1')).toMatchObject([{ startConnected: false, connected: false }]);
      await patch(spec([cdrom('cdrom1', photon, { connected: true })]));
      await f.settle();
      expect(await cdromsOf(f, 'vm1')).toMatchObject([{ startConnected: true, connected: true }]);
      // Off, the CD-ROMs follow the spec: one added, one removed.
      await patch(spec([cdrom('cdrom2', tools)], { powerState: 'PoweredOff' }));
      await f.settle();
      expect(await files()).toEqual([expect.stringMatching(/tools\.iso$/)]);
      expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOff');
    });

    it('puts CD-ROMs on the free IDE slots, then on a SATA controller it adds', async () => {
      const f = await setup();
      const images: string[] = [];
      for (const name of ['iso1', 'iso2', 'iso3', 'iso4', 'iso5']) images.push(await isoImage(f, name));
      await f.kube.create(
        newVm(f, 'many', {
          image: { kind: 'VirtualMachineImage', name: images[0] },
          guestID: 'otherLinux64Guest',
          hardware: { cdrom: images.map((image, i) => cdrom(`cdrom${i}`, image)) },
        }),
      );
      await f.settle();
      const devices = vsphereVm(f, await getVm(f, 'many'))?.config.devices ?? [];
      const controllerOf = (d: { controllerKey?: number }) =>
        devices.find((c) => c.key === d.controllerKey)?._type;
      const placed = devices.filter((d) => d._type === 'VirtualCdrom').map(controllerOf);
      expect(placed).toEqual([
        'VirtualIDEController',
        'VirtualIDEController',
        'VirtualIDEController',
        'VirtualIDEController',
        'VirtualAHCIController',
      ]);
      expect((await getVm(f, 'many')).status?.powerState).toBe('PoweredOn');
    });

    describe('with VMSharedDisks', () => {
      /** Each CD-ROM's file, controller (type and bus) and unit, as vSphere has them. */
      const placedCdroms = async (f: Fixture, name: string) => {
        const devices = vsphereVm(f, await getVm(f, name))?.config.devices ?? [];
        return devices
          .filter((d) => d._type === 'VirtualCdrom')
          .map((d) => {
            const controller = devices.find((c) => c.key === d.controllerKey);
            const file = (d.backing as { fileName: string }).fileName.replace(/^.*\//, '');
            return `${file} ${controller?._type} ${controller?.busNumber}:${d.unitNumber}`;
          });
      };

      /** `vm1`, of the ISO image `image`, with these CD-ROMs. */
      const createIsoVm = (
        f: Fixture,
        image: string,
        cdroms: unknown[],
        spec: Record<string, unknown> = {},
      ) =>
        f.kube.create(
          newVm(f, 'vm1', {
            image: { kind: 'VirtualMachineImage', name: image },
            guestID: 'otherLinux64Guest',
            hardware: { cdrom: cdroms },
            ...spec,
          }),
        );

      it('places CD-ROMs where the spec or the webhook says, adding the SATA controller named', async () => {
        const f = await setup({ capabilities: { vmSharedDisks: true } });
        const photon = await isoImage(f, 'photon-5');
        const tools = await isoImage(f, 'tools');
        const drivers = await isoImage(f, 'drivers');
        await createIsoVm(f, photon, [
          cdrom('cdrom1', photon),
          cdrom('cdrom2', tools, { controllerType: 'SATA', controllerBusNumber: 1, unitNumber: 5 }),
          cdrom('cdrom3', drivers, { controllerType: 'IDE', controllerBusNumber: 1 }),
        ]);
        const hardware = (await getVm(f, 'vm1')).spec?.hardware;
        expect(hardware?.cdrom?.map((c) => [c.controllerType, c.controllerBusNumber, c.unitNumber])).toEqual([
          ['IDE', 0, 0],
          ['SATA', 1, 5],
          ['IDE', 1, 0],
        ]);
        expect(hardware?.sataControllers).toEqual([{ busNumber: 1 }]);
        await f.settle();
        expect(await placedCdroms(f, 'vm1')).toEqual([
          'photon-5.iso VirtualIDEController 0:0',
          'tools.iso VirtualAHCIController 1:5',
          'drivers.iso VirtualIDEController 1:0',
        ]);
        expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
        // Running, a CD-ROM stays where it is; off, one moved is removed and added at its new place.
        const moved = structuredClone(hardware);
        const first = moved?.cdrom?.[0];
        if (!first) throw new Error('vm1 has no CD-ROM in its spec');
        first.unitNumber = 1;
        const patch = (spec: Record<string, unknown>) =>
          f.kube.patch(ref('vm1'), { spec: { hardware: moved, ...spec } }, { type: 'merge' });
        await expect(patch({})).rejects.toMatchObject({
          code: 422,
          message: expect.stringContaining('spec.hardware.cdrom[0].unitNumber: Forbidden'),
        });
        await patch({ powerState: 'PoweredOff' });
        await f.settle();
        expect(await placedCdroms(f, 'vm1')).toEqual([
          'tools.iso VirtualAHCIController 1:5',
          'drivers.iso VirtualIDEController 1:0',
          'photon-5.iso VirtualIDEController 0:1',
        ]);
      });

      it('fails the update while a CD-ROM would move onto a unit another still holds', async () => {
        const f = await setup({ capabilities: { vmSharedDisks: true } });
        const photon = await isoImage(f, 'photon-5');
        const tools = await isoImage(f, 'tools');
        await createIsoVm(f, photon, [cdrom('cdrom1', photon), cdrom('cdrom2', tools)], {
          powerState: 'PoweredOff',
        });
        await f.settle();
        expect(await placedCdroms(f, 'vm1')).toEqual([
          'photon-5.iso VirtualIDEController 0:0',
          'tools.iso VirtualIDEController 0:1',
        ]);
        const hardware = structuredClone((await getVm(f, 'vm1')).spec?.hardware);
        const [first, second] = hardware?.cdrom ?? [];
        if (!first || !second) throw new Error('vm1 has not its two CD-ROMs in its spec');
        first.unitNumber = 1;
        second.unitNumber = 0;
        await f.kube.patch(ref('vm1'), { spec: { hardware } }, { type: 'merge' });
        await f.settle();
        const controller = f.supervisor.virtualMachines.controller;
        expect(String(controller.errors.get('ns1/vm1'))).toContain(
          'found a CD-ROM spec with a used unitNumber',
        );
      });
    });

    it('fails the update while a CD-ROM names an image that is no ISO, and goes on once it names one', async () => {
      const f = await setup();
      const photon = await isoImage(f, 'photon-5');
      await f.kube.create(
        newVm(f, 'vm1', { guestID: 'ubuntu64Guest', hardware: { cdrom: [cdrom('cdrom1', f.image)] } }),
      );
      await f.settle();
      const controller = f.supervisor.virtualMachines.controller;
      expect(String(controller.errors.get('ns1/vm1'))).toContain(`image type "OVF" is not ISO`);
      expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOff');
      // The spec says on: the webhook takes a change of the image only with the VM to be off.
      const hardware = { cdrom: [cdrom('cdrom1', photon)] };
      await f.kube.patch(ref('vm1'), { spec: { hardware, powerState: 'PoweredOff' } }, { type: 'merge' });
      await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
      await f.settle();
      expect(controller.errors.has('ns1/vm1')).toBe(false);
      expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
    });
  });

  it("records vm-operator's Events when asked: a create, its updates counted in one Event, a delete", async () => {
    const f = await setup({ events: true });
    await f.kube.create(newVm(f, 'vm1', UNCUSTOMIZED));
    await f.settle();
    const vm = await getVm(f, 'vm1');
    const eventsOf = async () =>
      (
        await f.kube.list({
          apiVersion: 'v1',
          kind: 'Event',
          namespace: 'ns1',
          fieldSelector: `involvedObject.name=vm1,involvedObject.uid=${vm.metadata.uid}`,
        })
      ).items as unknown as {
        reason: string;
        type: string;
        count: number;
        message: string;
        source: object;
      }[];
    const summary = async () =>
      (await eventsOf()).map((e) => `${e.type} ${e.reason} x${e.count}: ${e.message}`);
    // The create's update, and the one after its backup.
    expect(await summary()).toEqual([
      'Normal CreateSuccess x1: Create success',
      'Normal UpdateSuccess x2: Update success',
    ]);
    expect((await eventsOf())[0]?.source).toEqual({
      component: 'vmware-system-vmop/vmware-system-vmop-controller-manager/virtualmachine-controller',
    });
    // Each update pass counts up the same Event.
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    const updates = (await eventsOf()).find((e) => e.reason === 'UpdateSuccess');
    expect(updates?.count).toBeGreaterThan(1);
    await f.kube.delete(ref('vm1'));
    await f.settle();
    expect(await summary()).toContain('Normal DeleteSuccess x1: Delete success');
  });

  it('records no Events by default', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    expect((await f.kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' })).items).toEqual([]);
  });

  it('resizes a powered-off VM when its class changes', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1', { powerState: 'PoweredOff' }));
    await f.settle();
    await f.kube.patch(
      { apiVersion: V5, kind: 'VirtualMachineClass', namespace: 'ns1', name: 'best-effort-small' },
      { spec: { hardware: { cpus: 4, memory: '16Gi' } } },
      { type: 'merge' },
    );
    await f.settle();
    expect(vsphereVm(f, await getVm(f, 'vm1'))?.config).toMatchObject({ numCPU: 4, memoryMB: 16384 });
    expect((await getVm(f, 'vm1')).status?.hardware).toMatchObject({
      cpu: { total: 4 },
      memory: { total: '16384M' },
    });
  });

  it('reports the hardware vSphere observes: CPUs, memory, and the disk and CD-ROM controllers with their devices', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    // The image's CD-ROM is gone: vm-operator's update removes those the spec does not name.
    expect((await getVm(f, 'vm1')).status?.hardware).toEqual({
      controllers: [
        { busNumber: 0, type: 'IDE', deviceKey: 200 },
        { busNumber: 1, type: 'IDE', deviceKey: 201 },
        { busNumber: 0, type: 'SCSI', deviceKey: 1000, devices: [{ type: 'Disk', unitNumber: 0 }] },
      ],
      cpu: { total: 2 },
      memory: { total: '4096M' },
    });
  });

  it("deploys a VM as vm-operator's create config spec has it: annotated, managed by the Supervisor, its extra config", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const config = vsphereVm(f, await getVm(f, 'vm1'))?.config;
    expect(config?.annotation).toBe('Virtual Machine managed by the vSphere Virtual Machine service');
    expect(config?.managedBy).toEqual({ extensionKey: 'com.vmware.vcenter.wcp', type: 'VirtualMachine' });
    // Then its backup, by its first update.
    expect(config?.extraConfig.map((o) => o.key)).toEqual([
      'vmservice.namespacedName',
      'disk.enableUUID',
      'vmware.tools.gosc.ignoretoolscheck',
      'vmservice.virtualmachine.resource.yaml',
    ]);
    expect(config?.extraConfig.slice(0, 3).map((o) => o.value)).toEqual(['ns1/vm1', 'TRUE', 'TRUE']);
    // The same over SOAP, as vSphere Client and govc read it.
    const vmId = (await getVm(f, 'vm1')).status?.uniqueID as string;
    expect(f.vsphere.read(vmId, 'summary.config.managedBy')).toMatchObject({
      extensionKey: 'com.vmware.vcenter.wcp',
    });
  });

  it("gives a VM its class's vGPUs and Dynamic DirectPath I/O devices, reported in status.hardware", async () => {
    const f = await setup();
    const devices = {
      vgpuDevices: [{ profileName: 'grid_t4-2q' }],
      dynamicDirectPathIODevices: [{ vendorID: 0x10de, deviceID: 0x1eb8, customLabel: 't4' }],
    };
    await createClass(f, 'gpu-small', { hardware: { cpus: 2, memory: '4Gi', devices } });
    await f.kube.create(newVm(f, 'gpu', { className: 'gpu-small' }));
    await f.kube.create({
      ...newVm(f, 'no-mmio', { className: 'gpu-small' }),
      metadata: {
        name: 'no-mmio',
        namespace: 'ns1',
        annotations: { 'vmoperator.vmware.com/pci-passthru-64bit-mmio-size': '0' },
      },
    });
    await f.settle();
    const gpu = await getVm(f, 'gpu');
    expect(gpu.status?.powerState).toBe('PoweredOn');
    const record = vsphereVm(f, gpu) as VmRecord;
    const passthrough = record.config.devices.filter((d) => d._type === 'VirtualPCIPassthrough');
    expect(passthrough.map((d) => [d.key, d.deviceInfo?.label, d.backing])).toEqual([
      [13000, 'PCI device 0', { _type: 'VirtualPCIPassthroughVmiopBackingInfo', vgpu: 'grid_t4-2q' }],
      [
        13001,
        'PCI device 1',
        {
          _type: 'VirtualPCIPassthroughDynamicBackingInfo',
          allowedDevice: [
            { _type: 'VirtualPCIPassthroughAllowedDevice', vendorId: 0x10de, deviceId: 0x1eb8 },
          ],
          customLabel: 't4',
        },
      ],
    ]);
    // The image's vmx-19 is above what PCI passthrough needs (vmx-17).
    expect(record.config.version).toBe('vmx-19');
    expect(record.config.extraConfig).toEqual(
      expect.arrayContaining([
        { key: 'pciPassthru.64bitMMIOSizeGB', value: '512' },
        { key: 'pciPassthru.use64bitMMIO', value: 'TRUE' },
      ]),
    );
    expect(gpu.status?.hardware?.vGPUs).toEqual([
      { type: 'Nvidia', profile: 'grid_t4-2q', migrationType: 'None' },
    ]);
    const noMmio = vsphereVm(f, await getVm(f, 'no-mmio')) as VmRecord;
    expect(noMmio.config.extraConfig.map((o) => o.key)).not.toContain('pciPassthru.use64bitMMIO');
  });

  it("deploys from a class's config spec: its devices, extra config, annotation, hardware version and topology", async () => {
    const f = await setup();
    const configSpec = {
      _typeName: 'VirtualMachineConfigSpec',
      annotation: 'AI workloads',
      version: 'vmx-20',
      numCoresPerSocket: 2,
      // Sanitized away, as vm-operator's class config specs are: identities, files, disks, NICs.
      uuid: '00000000-0000-0000-0000-000000000001',
      guestId: 'windows9_64Guest',
      extraConfig: [
        { _typeName: 'OptionValue', key: 'disk.enableUUID', value: { _typeName: 'string', _value: 'FALSE' } },
        {
          _typeName: 'OptionValue',
          key: 'sched.cpu.latencySensitivity',
          value: { _typeName: 'string', _value: 'high' },
        },
        {
          _typeName: 'OptionValue',
          key: 'maintenance.vm.evacuation.poweroff',
          value: { _typeName: 'string', _value: 'TRUE' },
        },
      ],
      deviceChange: [
        {
          _typeName: 'VirtualDeviceConfigSpec',
          operation: 'add',
          device: {
            _typeName: 'VirtualPCIPassthrough',
            key: -42,
            backing: {
              _typeName: 'VirtualPCIPassthroughVmiopBackingInfo',
              vgpu: 'grid_a100-8c',
              migrateSupported: true,
            },
          },
        },
        {
          _typeName: 'VirtualDeviceConfigSpec',
          operation: 'add',
          device: { _typeName: 'VirtualE1000e', key: -43 },
        },
        // A NIC more than the VM has interfaces: left out.
        {
          _typeName: 'VirtualDeviceConfigSpec',
          operation: 'add',
          device: { _typeName: 'VirtualVmxnet2', key: -45 },
        },
        {
          _typeName: 'VirtualDeviceConfigSpec',
          operation: 'add',
          fileOperation: 'create',
          device: { _typeName: 'VirtualDisk', key: -44, capacityInKB: 1024 },
        },
      ],
    };
    // Its CPUs and memory go over the config spec's.
    await createClass(f, 'a100', {
      hardware: { cpus: 4, memory: '8Gi' },
      configSpec: { ...configSpec, numCPUs: 8 },
    });
    await f.kube.create(newVm(f, 'ai', { ...UNCUSTOMIZED, className: 'a100' }));
    await f.settle();
    const ai = await getVm(f, 'ai');
    const config = (vsphereVm(f, ai) as VmRecord).config;
    expect(config).toMatchObject({
      annotation: 'AI workloads',
      version: 'vmx-20',
      numCPU: 4,
      numCoresPerSocket: 2,
      memoryMB: 8192,
      guestId: 'ubuntu64Guest',
    });
    expect(config.uuid).not.toBe(configSpec.uuid);
    // The class's `disk.enableUUID`, deployed, then the provider's again: the update that powers the
    // VM on puts it back first, as vm-operator's does (no VMResize).
    expect(config.extraConfig.slice(0, 3)).toEqual([
      { key: 'disk.enableUUID', value: 'TRUE' },
      { key: 'sched.cpu.latencySensitivity', value: 'high' },
      { key: 'vmservice.namespacedName', value: 'ns1/ai' },
    ]);
    expect(config.extraConfig.map((o) => o.key)).not.toContain('maintenance.vm.evacuation.poweroff');
    expect(config.devices.filter((d) => d._type === 'VirtualDisk')).toHaveLength(1);
    // The class's NIC gives the VM's interface its type; the VM has no other NIC.
    const nics = config.devices.filter((d) => 'macAddress' in d);
    expect(nics.map((d) => d._type)).toEqual(['VirtualE1000e']);
    expect(nics[0]?.macAddress).toBe(ai.status?.network?.interfaces?.[0]?.ip?.macAddr);
    expect(ai.status?.hardware?.vGPUs).toEqual([
      { type: 'Nvidia', profile: 'grid_a100-8c', migrationType: 'Normal' },
    ]);
    expect(ai.status?.hardwareVersion).toBe(20);
  });

  it("reserves a guaranteed class's CPU (in MHz of the slowest host) and memory, and follows a class that changes them", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1', { className: 'guaranteed-small', powerState: 'PoweredOff' }));
    await f.settle();
    const config = async () => (vsphereVm(f, await getVm(f, 'vm1')) as VmRecord).config;
    // 2 CPUs of the hosts' 2,294 MHz, 4Gi; normal shares and no limit, as vm-operator's create config spec.
    expect(await config()).toMatchObject({
      cpuAllocation: { reservation: 4588, limit: -1, shares: { level: 'normal' } },
      memoryAllocation: { reservation: 4096, limit: -1, shares: { level: 'normal' } },
    });
    expect((await getVm(f, 'vm1')).status?.hardware).toMatchObject({
      cpu: { total: 2, reservation: 4588 },
      memory: { total: '4096M', reservation: '4096M' },
    });
    await f.kube.patch(
      { apiVersion: V5, kind: 'VirtualMachineClass', namespace: 'ns1', name: 'guaranteed-small' },
      {
        spec: { policies: { resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1' } } } },
      },
      { type: 'merge' },
    );
    await f.settle();
    expect(await config()).toMatchObject({
      cpuAllocation: { reservation: 1147, limit: 2294 },
      memoryAllocation: { reservation: 1024, limit: -1 },
    });
    expect((await getVm(f, 'vm1')).status?.hardware?.memory?.reservation).toBe('1024M');
    // A best-effort VM reserves nothing: vSphere's defaults, which its record keeps none of.
    await f.kube.create(newVm(f, 'vm2'));
    await f.settle();
    const vm2 = await getVm(f, 'vm2');
    expect((vsphereVm(f, vm2) as VmRecord).config.cpuAllocation).toBeUndefined();
    expect(vm2.status?.hardware?.cpu).toEqual({ total: 2 });
  });

  it("puts back what someone changed of vm-operator's in vSphere: its manager and name always, its annotation and extra config while off", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1', UNCUSTOMIZED));
    await f.settle();
    const id = (await getVm(f, 'vm1')).status?.uniqueID as string;
    const config = () => (f.vsphere.store.get(id) as VmRecord).config;
    const extra = (key: string) => config().extraConfig.find((o) => o.key === key)?.value;
    await reconfigureInVsphere(f, id, {
      managedBy: { extensionKey: '', type: '' },
      annotation: '',
      extraConfig: [
        { key: 'vmservice.namespacedName', value: '' },
        { key: 'disk.enableUUID', value: 'FALSE' },
      ],
    });
    // Running: the Supervisor manages it again. Not under its name: vm-operator's update replaces
    // the extra config it asks for with the provider's (UpdateConfigSpecExtraConfig).
    expect(config().managedBy).toEqual({ extensionKey: 'com.vmware.vcenter.wcp', type: 'VirtualMachine' });
    expect(extra('vmservice.namespacedName')).toBeUndefined();
    expect(config().annotation).toBe('');
    expect(extra('disk.enableUUID')).toBe('FALSE');
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    // Off: vm-operator's annotation and the provider's extra config.
    expect(config().annotation).toBe('Virtual Machine managed by the vSphere Virtual Machine service');
    expect(extra('disk.enableUUID')).toBe('TRUE');
    expect(extra('vmware.tools.gosc.ignoretoolscheck')).toBe('TRUE');
    // Paused by an administrator: its manager and name alone, whatever else changed.
    await reconfigureInVsphere(f, id, {
      managedBy: { extensionKey: '', type: '' },
      annotation: '',
      extraConfig: [{ key: 'vmservice.virtualmachine.pause', value: 'true' }],
    });
    expect(config().managedBy).toEqual({ extensionKey: 'com.vmware.vcenter.wcp', type: 'VirtualMachine' });
    expect(extra('vmservice.namespacedName')).toBe('ns1/vm1');
    expect(config().annotation).toBe('');
  });

  it("puts back the NICs of a powered-off VM: its interfaces' found by MAC and network, the others removed", async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1', { ...UNCUSTOMIZED, powerState: 'PoweredOff' }));
    await f.settle();
    const id = (await getVm(f, 'vm1')).status?.uniqueID as string;
    const cards = () => (f.vsphere.store.get(id) as VmRecord).config.devices.filter((d) => 'macAddress' in d);
    const [nic] = cards();
    if (!nic) throw new Error('no NIC');
    // Someone removes the VM's NIC and adds another on the same network.
    await reconfigureInVsphere(f, id, {
      deviceChange: [
        { operation: 'remove', device: nic },
        { operation: 'add', device: { _type: 'VirtualE1000', key: -1, backing: nic.backing } },
      ],
    });
    // The next update while off (a label's change brings it) puts back the interface's own.
    await f.kube.patch(ref('vm1'), { metadata: { labels: { team: 'web' } } }, { type: 'merge' });
    await f.settle();
    expect(cards().map((d) => [d._type, d.macAddress, d.backing])).toEqual([
      ['VirtualVmxnet3', nic.macAddress, nic.backing],
    ]);
    // An interface not ready fails the update, as vm-operator's wait for it does: its NIC stays.
    const primary = {
      apiVersion: 'netoperator.vmware.com/v1alpha1',
      kind: 'Network',
      namespace: 'ns1',
      name: 'primary',
    };
    const saved = await f.kube.get(primary);
    await f.kube.delete(primary);
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    expect(cards()).toHaveLength(1);
    expect((f.vsphere.store.get(id) as VmRecord).powerState).toBe('poweredOff');
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1'))).toContain(
      'failed to reconcile network interfaces: network interface "eth0" error: network interface is not ready: NetworkNotFound',
    );
    const { resourceVersion: _, uid: __, creationTimestamp: ___, ...metadata } = saved.metadata;
    await f.kube.create({ ...saved, metadata });
    await f.advance(60_000);
    expect((await getVm(f, 'vm1')).status?.network?.primaryIP4).toMatch(/^10\./);
  });

  /** A Supervisor with a second portgroup, the Network `other` on it. */
  async function withOtherNetwork(options: Parameters<typeof setup>[0] = {}) {
    const f = await setup({ vsphere: { inventory: { pg: 2 } }, ...options });
    await f.kube.create({
      apiVersion: NET_OPERATOR_API_VERSION,
      kind: 'Network',
      metadata: { name: 'other', namespace: 'ns1' },
      spec: { type: 'vsphere-distributed', providerRef: { name: 'DC0_DVPG1' } },
    });
    const nicObject = (name: string) =>
      f.kube.direct.get({ ...NIC, namespace: 'ns1', name }) as
        | (KubeObject & { status?: { macAddress?: string; networkID?: string } })
        | undefined;
    const cardsOf = (id: string) =>
      (f.vsphere.store.get(id) as VmRecord).config.devices.filter((d) => 'macAddress' in d);
    return { ...f, nicObject, cardsOf };
  }
  const interfacesOn = (...networks: [string, string][]) => ({
    spec: {
      network: {
        interfaces: networks.map(([name, network]) => ({
          name,
          network: { kind: 'Network', name: network },
        })),
      },
    },
  });
  const failOver = (f: SupervisorFixture, name: string) => {
    const stored = f.kube.direct.get(ref(name)) as KubeObject;
    f.kube.direct.update({
      ...stored,
      metadata: {
        ...stored.metadata,
        annotations: { ...stored.metadata.annotations, 'vmoperator.vmware.com/failed-over-vm': '' },
      },
    });
  };

  it("moves a failed-over VM's interface to another network: its own NetworkInterface, a new NIC while off", async () => {
    const f = await withOtherNetwork();
    await f.kube.create(newVm(f, 'vm1', UNCUSTOMIZED));
    await f.settle();
    const id = (await getVm(f, 'vm1')).status?.uniqueID as string;
    const [before] = f.cardsOf(id);
    const moved = interfacesOn(['eth0', 'other']);
    // Only a failed-over VM's interfaces may change networks (an administrator's mark).
    await expect(f.kube.patch(ref('vm1'), moved, { type: 'merge' })).rejects.toMatchObject({ code: 422 });
    failOver(f, 'vm1');
    // Suspended, the VM's update is its resume alone: no NetworkInterface made.
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'Suspended' } }, { type: 'merge' });
    await f.settle();
    await f.kube.patch(ref('vm1'), moved, { type: 'merge' });
    await f.settle();
    expect(f.nicObject('vm1-other-eth0')).toBeUndefined();
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    // Running, the VM gets the interface's NetworkInterface and keeps its NIC.
    const made = f.nicObject('vm1-other-eth0');
    const portgroups = [...f.vsphere.store.idsOf('DistributedVirtualPortgroup')].map((pg) =>
      f.vsphere.store.get(pg),
    );
    expect(made?.status?.networkID).toBe(portgroups.find((pg) => pg?.name === 'DC0_DVPG1')?.id);
    expect(f.cardsOf(id)).toEqual([before]);
    // Off, its update replaces the NIC by one on the new network; the old NetworkInterface stays
    // (vm-operator deletes orphans with MutableNetworks alone).
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    const [after, ...more] = f.cardsOf(id);
    expect(more).toEqual([]);
    expect(after?.key).not.toBe(before?.key);
    expect([after?._type, after?.macAddress, after?.backing]).toMatchObject([
      'VirtualVmxnet3',
      made?.status?.macAddress,
      { port: { portgroupKey: made?.status?.networkID } },
    ]);
    expect(f.nicObject('vm1-eth0')).toBeDefined();
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    const vm = await getVm(f, 'vm1');
    expect(vm.status?.network?.primaryIP4).toMatch(/^10\./);
    expect(vm.status?.network?.interfaces?.[0]?.ip?.macAddr).toBe(made?.status?.macAddress);
  });

  it('adds, moves and removes the NICs of a powered-off VM with MutableNetworks, deleting the orphans', async () => {
    const f = await withOtherNetwork({ capabilities: { mutableNetworks: true } });
    await f.kube.create(newVm(f, 'vm1', { ...UNCUSTOMIZED, powerState: 'PoweredOff' }));
    await f.settle();
    const id = (await getVm(f, 'vm1')).status?.uniqueID as string;
    const [eth0] = f.cardsOf(id);
    // A second interface: its NetworkInterface and a NIC of its own.
    // (The namespace's default network, which net-operator picks for no name, is eth0's.)
    await f.kube.patch(ref('vm1'), interfacesOn(['eth0', ''], ['eth1', 'other']), { type: 'merge' });
    await f.settle();
    const eth1Nic = f.nicObject('vm1-other-eth1');
    expect(f.cardsOf(id).map((d) => [d.key, d.macAddress])).toEqual([
      [eth0?.key, eth0?.macAddress],
      [expect.any(Number), eth1Nic?.status?.macAddress],
    ]);
    // eth0 moved to the other network: its NIC edited in place (its key and type kept), the
    // orphaned NetworkInterface deleted once the reconfiguration is made.
    await f.kube.patch(ref('vm1'), interfacesOn(['eth0', 'other'], ['eth1', 'other']), { type: 'merge' });
    await f.settle();
    const moved = f.nicObject('vm1-other-eth0');
    const cards = f.cardsOf(id);
    expect(cards.map((d) => [d.key, d._type, d.macAddress])).toEqual([
      [eth0?.key, eth0?._type, moved?.status?.macAddress],
      [expect.any(Number), 'VirtualVmxnet3', eth1Nic?.status?.macAddress],
    ]);
    expect(cards[0]?.backing).toMatchObject({ port: { portgroupKey: moved?.status?.networkID } });
    expect(f.nicObject('vm1-eth0')).toBeUndefined();
    // eth1 removed: its NIC and its NetworkInterface go.
    await f.kube.patch(ref('vm1'), interfacesOn(['eth0', 'other']), { type: 'merge' });
    await f.settle();
    expect(f.cardsOf(id).map((d) => d.key)).toEqual([eth0?.key]);
    expect(f.nicObject('vm1-other-eth1')).toBeUndefined();
    // Running, an interface added gets its NetworkInterface; its NIC waits for the VM to be off.
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    await f.kube.patch(ref('vm1'), interfacesOn(['eth0', 'other'], ['eth1', 'primary']), { type: 'merge' });
    await f.settle();
    expect(f.nicObject('vm1-primary-eth1')?.status?.macAddress).toBeDefined();
    expect(f.cardsOf(id)).toHaveLength(1);
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    expect(f.cardsOf(id)).toHaveLength(2);
    // Networking disabled: the NICs go, the NetworkInterfaces stay (vm-operator lists no orphans).
    await f.kube.patch(ref('vm1'), { spec: { network: { disabled: true } } }, { type: 'merge' });
    await f.settle();
    expect(f.cardsOf(id)).toEqual([]);
    expect([f.nicObject('vm1-other-eth0'), f.nicObject('vm1-primary-eth1')]).not.toContain(undefined);
  });

  it("changes NICs in a resize with MutableNetworks while the VM stays off, not in VMResize's way on", async () => {
    const f = await withOtherNetwork({ capabilities: { mutableNetworks: true, vmResize: true } });
    await f.kube.create(newVm(f, 'vm1', { ...UNCUSTOMIZED, powerState: 'PoweredOff' }));
    await f.settle();
    const id = (await getVm(f, 'vm1')).status?.uniqueID as string;
    await f.kube.patch(ref('vm1'), interfacesOn(['eth0', ''], ['eth1', 'other']), { type: 'merge' });
    await f.settle();
    expect(f.cardsOf(id)).toHaveLength(2);
    // vm-operator's update of a VM powering on, with VMResize, changes no NIC: the new interface
    // waits for the VM to be off again.
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    await f.kube.patch(ref('vm1'), interfacesOn(['eth0', ''], ['eth1', 'other'], ['eth2', 'other']), {
      type: 'merge',
    });
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    expect(f.nicObject('vm1-other-eth2')?.status?.macAddress).toBeDefined();
    expect(f.cardsOf(id)).toHaveLength(2);
  });

  it("leaves a powered-off VM's configuration to its resize, with VMResize", async () => {
    const f = await setup({ capabilities: { vmResize: true } });
    await f.kube.create(newVm(f, 'vm1', { ...UNCUSTOMIZED, powerState: 'PoweredOff' }));
    await f.settle();
    const id = (await getVm(f, 'vm1')).status?.uniqueID as string;
    await reconfigureInVsphere(f, id, {
      annotation: '',
      extraConfig: [
        { key: 'disk.enableUUID', value: 'FALSE' },
        { key: 'vmservice.namespacedName', value: 'x/y' },
      ],
    });
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.settle();
    const config = (f.vsphere.store.get(id) as VmRecord).config;
    expect(config.annotation).toBe('');
    expect(config.extraConfig.find((o) => o.key === 'disk.enableUUID')?.value).toBe('FALSE');
    // The resize puts the VM's name back (OverwriteAlwaysResizeConfigSpec).
    expect(config.extraConfig.find((o) => o.key === 'vmservice.namespacedName')?.value).toBe('ns1/vm1');
    expect(config.managedBy).toEqual({ extensionKey: 'com.vmware.vcenter.wcp', type: 'VirtualMachine' });
  });

  it('under admission control, deploys a VM that reserves nothing on at once, in as many passes as without', async () => {
    const passes = async (admissionControl: boolean) => {
      const f = await setup({ vsphere: { admissionControl } });
      const before = f.supervisor.stats.controllers['virtualmachine-controller']?.reconciles ?? 0;
      await f.kube.create(newVm(f, 'vm1', { ...UNCUSTOMIZED, powerState: 'PoweredOn' }));
      await f.settle();
      const vm = await getVm(f, 'vm1');
      expect(vm.status?.powerState).toBe('PoweredOn');
      // Powered on by its deployment: no power-on task of its own.
      const id = vm.status?.uniqueID;
      const tasks = [...f.vsphere.store.ofKind<TaskRecord>('Task')].filter((t) => t.entity === id);
      expect(tasks.map((t) => t.name)).not.toContain('PowerOnVM_Task');
      return (f.supervisor.stats.controllers['virtualmachine-controller']?.reconciles ?? 0) - before;
    };
    expect(await passes(true)).toBe(await passes(false));
  });

  it('under admission control, creates a VM whose reservation the cluster cannot hold, off, and powers it on once its class asks less', async () => {
    const f = await setup({ vsphere: { admissionControl: true } });
    // 32 CPUs at 2,294 MHz: more than the cluster's three hosts have.
    await f.kube.create(newVm(f, 'vm1', { className: 'guaranteed-8xlarge', powerState: 'PoweredOn' }));
    await f.settle();
    let vm = await getVm(f, 'vm1');
    expect(condition(vm, 'VirtualMachineCreated')?.status).toBe('True');
    expect(vm.status?.powerState).toBe('PoweredOff');
    expect(condition(vm, 'VirtualMachinePowerStateSynced')).toMatchObject({ status: 'False' });
    const errors = f.supervisor.stats.errors;
    await f.advance(60_000);
    expect(f.supervisor.stats.errors).toBeGreaterThan(errors);

    const spec = f.supervisor.vmClasses.get('guaranteed-8xlarge')?.spec;
    await f.supervisor.vmClasses.update('guaranteed-8xlarge', {
      ...spec,
      policies: { resources: { requests: { cpu: '2', memory: '4Gi' } } },
    });
    await f.advance(60_000);
    vm = await getVm(f, 'vm1');
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect((vsphereVm(f, vm) as VmRecord).config.cpuAllocation?.reservation).toBe(4588);
  });

  it("deploys with its class's config spec allocations, latency sensitivity and hot plug flags, the class's requests over them", async () => {
    const f = await setup();
    const configSpec = {
      _typeName: 'VirtualMachineConfigSpec',
      cpuHotAddEnabled: true,
      memoryHotAddEnabled: true,
      // Under an image's own firmware, as vm-operator's create config spec puts it.
      firmware: 'bios',
      cpuAllocation: { _typeName: 'ResourceAllocationInfo', limit: 3000 },
      memoryAllocation: {
        _typeName: 'ResourceAllocationInfo',
        reservation: 512,
        shares: { _typeName: 'SharesInfo', level: 'custom', shares: 2048 },
      },
      latencySensitivity: { _typeName: 'LatencySensitivity', level: 'high' },
    };
    await createClass(f, 'tuned', {
      hardware: { cpus: 2, memory: '2Gi' },
      policies: { resources: { requests: { memory: '2Gi' } } },
      configSpec,
    });
    await f.kube.create(newVm(f, 'vm1', { className: 'tuned' }));
    await f.settle();
    const config = (vsphereVm(f, await getVm(f, 'vm1')) as VmRecord).config;
    expect(config).toMatchObject({
      // The config spec's, vSphere's defaults where it sets nothing.
      cpuAllocation: { reservation: 0, limit: 3000, shares: { level: 'normal' } },
      // The class's request replaces the config spec's memory allocation whole.
      memoryAllocation: { reservation: 2048, limit: -1, shares: { level: 'normal' } },
      latencySensitivity: { level: 'high' },
      cpuHotAddEnabled: true,
      cpuHotRemoveEnabled: false,
      memoryHotAddEnabled: true,
      firmware: 'efi',
    });
    // An image whose OVF names no firmware takes the class's.
    const { firmware: _none, ...ovf } = (SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number]).ovf;
    const item = f.vsphere.library.createItem(f.prepared.libraries[0] as string, {
      name: 'no-firmware',
      type: 'ovf',
      ovf,
    });
    await createClass(f, 'efi', { hardware: { cpus: 2, memory: '2Gi' }, configSpec: { firmware: 'efi' } });
    await f.settle();
    await f.kube.create(
      newVm(f, 'vm2', { className: 'efi', image: { kind: 'VirtualMachineImage', name: imageNameOf(item) } }),
    );
    await f.settle();
    expect((vsphereVm(f, await getVm(f, 'vm2')) as VmRecord).config.firmware).toBe('efi');
  });

  it("leaves a VM whose class's config spec does not decode uncreated, and creates it once the class is fixed", async () => {
    const f = await setup({ events: true });
    const classRef = { apiVersion: V5, kind: 'VirtualMachineClass', namespace: 'ns1', name: 'broken' };
    await createClass(f, 'broken', {
      hardware: { cpus: 2, memory: '4Gi' },
      configSpec: { _typeName: 'VirtualMachineConfigSpec', deviceChange: [{ operation: 'add' }] },
    });
    await f.kube.create(newVm(f, 'vm1', { className: 'broken' }));
    await f.settle();
    const vm = await getVm(f, 'vm1');
    expect(vm.status?.uniqueID).toBeUndefined();
    expect(condition(vm, CONDITION.classReady)?.status).toBe('True');
    const controller = f.supervisor.virtualMachines.controller;
    expect(String(controller.errors.get('ns1/vm1'))).toContain('spec.configSpec.deviceChange[0]: no device');
    const events = await f.kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' });
    expect(events.items.map((e) => (e as unknown as { reason: string }).reason)).toContain('CreateFailure');
    await f.kube.patch(classRef, { spec: { configSpec: { deviceChange: null } } }, { type: 'merge' });
    await f.settle();
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
    expect(controller.errors.has('ns1/vm1')).toBe(false);
  });

  it('reads the class again on every update: gone, the VM is not powered on, and is again once it is back', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const classRef = {
      apiVersion: V5,
      kind: 'VirtualMachineClass',
      namespace: 'ns1',
      name: 'best-effort-small',
    };
    const vmClass = await f.kube.get(classRef);
    await f.kube.delete(classRef);
    await f.settle();
    const classReady = async () => {
      const c = condition(await getVm(f, 'vm1'), CONDITION.classReady);
      return c && [c.status, c.reason, c.message];
    };
    const missing = 'virtualmachineclasses.vmoperator.vmware.com "best-effort-small" not found';
    expect(await classReady()).toEqual(['False', 'NotFound', missing]);
    const controller = f.supervisor.virtualMachines.controller;
    expect(String(controller.errors.get('ns1/vm1'))).toBe(
      `Error: failed to reconcile config: updating state failed with ${missing}`,
    );
    // A power-off from on still runs; a power-on waits for the class.
    await f.kube.patch(
      ref('vm1'),
      { spec: { powerState: 'PoweredOff', powerOffMode: 'Hard' } },
      { type: 'merge' },
    );
    await f.settle();
    expect(vsphereVm(f, await getVm(f, 'vm1'))?.powerState).toBe('poweredOff');
    // Powered off and to stay so, its update is a resize, which goes on without the class.
    expect(await classReady()).toEqual(['False', 'NotFound', missing]);
    expect(controller.errors.has('ns1/vm1')).toBe(false);
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    await f.advance(60_000);
    expect(vsphereVm(f, await getVm(f, 'vm1'))?.powerState).toBe('poweredOff');
    expect(String(controller.errors.get('ns1/vm1'))).toContain(missing);
    const { resourceVersion: _, uid: __, creationTimestamp: ___, ...metadata } = vmClass.metadata;
    await f.kube.create({ ...vmClass, metadata });
    await f.settle();
    expect(await classReady()).toEqual(['True', 'True', '']);
    expect(vsphereVm(f, await getVm(f, 'vm1'))?.powerState).toBe('poweredOn');
    expect(controller.errors.has('ns1/vm1')).toBe(false);
  });

  it("reports whether the guest's primary address is among its interfaces' once it reports them", async () => {
    const f = await setup({ timing: 'realistic' });
    await f.kube.create(newVm(f, 'vm1', UNCUSTOMIZED));
    const synced = async () => {
      const c = condition(await getVm(f, 'vm1'), CONDITION.guestNetworkConfigSynced);
      return c && [c.status, c.reason, c.message];
    };
    await f.advance(16_000);
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
    expect(await synced()).toEqual(['False', 'NotSynced', 'Neither IPv4 nor IPv6 address reported by guest']);
    await f.advance(60_000);
    const ip = (await getVm(f, 'vm1')).status?.network?.primaryIP4;
    expect(ip).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(await synced()).toEqual(['True', 'Synced', `IPv4="${ip}", IPv6=""`]);
    // An IPv6 primary address is the status's primaryIP6.
    f.vsphere.vm.setGuestIp((await getVm(f, 'vm1')).status?.uniqueID as string, 'fd00::5');
    await f.advance(10_000);
    expect((await getVm(f, 'vm1')).status?.network).toMatchObject({
      primaryIP6: 'fd00::5',
      interfaces: [{ name: 'eth0', ip: { addresses: [{ address: 'fd00::5', state: 'preferred' }] } }],
    });
    expect((await getVm(f, 'vm1')).status?.network).not.toHaveProperty('primaryIP4');
    expect(await synced()).toEqual(['True', 'Synced', 'IPv4="", IPv6="fd00::5"']);
    // An address valid on the guest alone (link-local, loopback) is no primary one.
    const uniqueID = (await getVm(f, 'vm1')).status?.uniqueID as string;
    f.vsphere.vm.setGuestIp(uniqueID, 'fe80::5');
    await f.advance(10_000);
    expect((await getVm(f, 'vm1')).status?.network).not.toHaveProperty('primaryIP6');
    expect(await synced()).toEqual(['False', 'NotSynced', 'Neither IPv4 nor IPv6 address reported by guest']);
    f.vsphere.vm.setGuestIp(uniqueID, 'fd00::5');
    await f.advance(10_000);
    expect(await synced()).toEqual(['True', 'Synced', 'IPv4="", IPv6="fd00::5"']);
    // Powered off, the guest reports nothing: the condition stays as it was.
    await f.kube.patch(
      ref('vm1'),
      { spec: { powerState: 'PoweredOff', powerOffMode: 'Hard' } },
      { type: 'merge' },
    );
    await f.advance(60_000);
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOff');
    expect(await synced()).toEqual(['True', 'Synced', 'IPv4="", IPv6="fd00::5"']);
  });

  it('reports what vSphere observes: reconcile, power state against the spec, tools, customization', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const observed = async () => {
      const vm = await getVm(f, 'vm1');
      return [
        CONDITION.reconcileReady,
        CONDITION.powerStateSynced,
        CONDITION.tools,
        CONDITION.guestCustomization,
      ].map((type) => {
        const c = condition(vm, type);
        return `${type} ${c?.status} ${c?.reason} ${c?.message}`;
      });
    };
    expect(await observed()).toEqual([
      'VirtualMachineReconcileReady True True ',
      'VirtualMachinePowerStateSynced True Synced PoweredOn',
      'VirtualMachineTools True True ',
      // Its tools run and report no customization under way.
      'GuestCustomization True True ',
    ]);
    // Sorted as vm-operator keeps them.
    const types = (await getVm(f, 'vm1')).status?.conditions?.map((c) => c.type) ?? [];
    expect(types).toEqual([...types].sort());
    await f.kube.patch(
      ref('vm1'),
      { spec: { powerState: 'PoweredOff', powerOffMode: 'Hard' } },
      { type: 'merge' },
    );
    await f.settle();
    expect((await observed()).slice(1)).toEqual([
      'VirtualMachinePowerStateSynced True Synced PoweredOff',
      'VirtualMachineTools False VirtualMachineToolsNotRunning VMware Tools is not running',
      'GuestCustomization Unknown NoGuestInfo ',
    ]);
  });

  it('restarts only a VM that is to stay powered on, and records only a restart that happened', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    await f.advance(1_000);
    await f.kube.patch(
      ref('vm1'),
      { spec: { nextRestartTime: 'now', powerState: 'Suspended' } },
      { type: 'merge' },
    );
    await f.settle();
    const vm = await getVm(f, 'vm1');
    expect(vm.status?.powerState).toBe('Suspended');
    expect(vm.status?.lastRestartTime).toBeUndefined();
    const restarts = f.vsphere.events
      .list()
      .filter((e) => e._type === 'VmGuestRebootEvent' || e._type === 'VmResettingEvent');
    expect(restarts).toEqual([]);
  });

  it('deploys a VM without networking, with no NetworkReady condition', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1', { network: { disabled: true } }));
    await f.settle();
    const vm = await getVm(f, 'vm1');
    expect(condition(vm, CONDITION.created)).toMatchObject({ status: 'True' });
    expect(condition(vm, CONDITION.networkReady)).toBeUndefined();
    expect(vsphereVm(f, vm)?.networks).toEqual([]);
    // The guest reports no interface: none listed (Go's omitempty), no address.
    expect(vm.status?.network).not.toHaveProperty('interfaces');
    expect(vm.status?.network?.primaryIP4).toBeUndefined();
  });

  it('restarts the VM each time nextRestartTime is set to now: by its guest, or reset when Hard', async () => {
    const f = await setup();
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const count = (type: string) => f.vsphere.events.list().filter((e) => e._type === type).length;
    const restart = async () => {
      await f.kube.patch(ref('vm1'), { spec: { nextRestartTime: 'now' } }, { type: 'merge' });
      await f.settle();
      return (await getVm(f, 'vm1')).status?.lastRestartTime;
    };
    await f.advance(1_500);
    // The status's time is a metav1.Time, to the second; vSphere keeps the nanoseconds.
    expect(await restart()).toBe('2025-01-01T00:00:01Z');
    const id = vsphereVm(f, await getVm(f, 'vm1'))?.id as string;
    const recorded = () =>
      f.vsphere
        .read<{ key: string; value: string }[]>(id, 'config.extraConfig')
        .find((o) => o.key === 'vmservice.lastRestartTime')?.value;
    expect(recorded()).toBe(String(BigInt(Date.parse('2025-01-01T00:00:01.5Z')) * 1_000_000n));
    expect([count('VmGuestRebootEvent'), count('VmResettingEvent')]).toEqual([1, 0]);
    // Nothing else restarts it again: a later write, or `now` at the same instant.
    await f.kube.patch(ref('vm1'), { metadata: { labels: { touched: 'yes' } } }, { type: 'merge' });
    await f.settle();
    expect(await restart()).toBe('2025-01-01T00:00:01Z');
    expect(count('VmGuestRebootEvent')).toBe(1);
    await f.kube.patch(ref('vm1'), { spec: { restartMode: 'Hard' } }, { type: 'merge' });
    await f.advance(1_000);
    expect(await restart()).toBe('2025-01-01T00:00:02Z');
    expect([count('VmGuestRebootEvent'), count('VmResettingEvent')]).toEqual([1, 1]);
    expect((await getVm(f, 'vm1')).status?.powerState).toBe('PoweredOn');
  });

  describe('readiness probes, as vm-operator judges them', () => {
    const ready = async (f: Fixture, name: string) => {
      const c = condition(await getVm(f, name), CONDITION.ready);
      return c && [c.status, c.reason, c.message];
    };
    const power = async (f: Fixture, name: string, powerState: string) => {
      await f.kube.patch(ref(name), { spec: { powerState } }, { type: 'merge' });
      await f.settle();
    };

    it('TCP: not before the guest is powered on with an address, and never on a named port', async () => {
      const f = await setup();
      await f.kube.create(
        newVm(f, 'vm1', { readinessProbe: { tcpSocket: { port: 6443 } }, powerState: 'PoweredOff' }),
      );
      await f.kube.create(newVm(f, 'named', { readinessProbe: { tcpSocket: { port: 'https' } } }));
      await f.settle();
      expect(await ready(f, 'vm1')).toEqual(['False', 'NotReady', 'virtual machine is not powered on']);
      const uid = (await getVm(f, 'named')).metadata.uid;
      expect(await ready(f, 'named')).toEqual(['False', 'NotReady', `no suitable port for manifest: ${uid}`]);
      await power(f, 'vm1', 'PoweredOn');
      expect(await ready(f, 'vm1')).toEqual(['True', 'True', '']);
    });

    it('TCP: names the VM when its guest has no address yet', async () => {
      const f = await setup({ timing: 'realistic' });
      await f.kube.create(
        newVm(f, 'vm1', { ...UNCUSTOMIZED, readinessProbe: { tcpSocket: { port: 6443 } } }),
      );
      await f.advance(16_000);
      const vm = await getVm(f, 'vm1');
      expect(vm.status?.powerState).toBe('PoweredOn');
      // An interface without addresses has no list of them.
      expect(vm.status?.network?.interfaces?.[0]?.ip).toEqual({ macAddr: '00:50:56:00:00:00' });
      expect(await ready(f, 'vm1')).toEqual(['False', 'NotReady', "VM ns1/vm1 doesn't have an IP assigned"]);
    });

    it('heartbeat: the guest at or above the threshold, green unless told', async () => {
      const f = await setup();
      await f.kube.create(
        newVm(f, 'vm1', { readinessProbe: { guestHeartbeat: {} }, powerState: 'PoweredOff' }),
      );
      await f.settle();
      const vm = await getVm(f, 'vm1');
      expect(vm.spec?.readinessProbe?.guestHeartbeat).toEqual({ thresholdStatus: 'green' });
      expect(await ready(f, 'vm1')).toEqual([
        'False',
        'NotReady',
        'heartbeat status "gray" is below threshold',
      ]);
      await power(f, 'vm1', 'PoweredOn');
      expect(await ready(f, 'vm1')).toEqual(['True', 'True', '']);
      // The schema's default on every write, a patch too.
      await f.kube.create(newVm(f, 'vm2'));
      await f.kube.patch(ref('vm2'), { spec: { readinessProbe: { guestHeartbeat: {} } } }, { type: 'merge' });
      expect((await getVm(f, 'vm2')).spec?.readinessProbe?.guestHeartbeat).toEqual({
        thresholdStatus: 'green',
      });
    });

    it('GuestInfo: every key set in the VM, each matching its expression, as the guest writes them', async () => {
      const f = await setup();
      const guestInfo = [
        { key: 'boot' },
        { key: 'role', value: '^control' },
        { key: 'any', value: '(' },
        { key: 'mode', value: '(?i)^ready$' },
      ];
      await f.kube.create(newVm(f, 'vm1', { readinessProbe: { guestInfo } }));
      await f.settle();
      expect(await ready(f, 'vm1')).toEqual(['False', 'NotReady', '']);
      const id = (await getVm(f, 'vm1')).status?.uniqueID as string;
      const signal = async (extraConfig: { key: string; value: string }[]) => {
        const task = f.vsphere.vm.reconfigure(id, { extraConfig });
        await f.settle();
        await task.wait();
      };
      await signal([
        { key: 'guestinfo.boot', value: 'done' },
        { key: 'guestinfo.role', value: 'worker' },
        { key: 'guestinfo.any', value: 'x' },
        { key: 'guestinfo.mode', value: 'pending' },
      ]);
      expect(await ready(f, 'vm1')).toEqual(['False', 'NotReady', '']);
      // A value expression that does not compile matches anything; Go's flag groups are flags.
      await signal([{ key: 'guestinfo.role', value: 'control-plane' }]);
      expect(await ready(f, 'vm1')).toEqual(['False', 'NotReady', '']);
      await signal([{ key: 'guestinfo.mode', value: 'READY' }]);
      expect(await ready(f, 'vm1')).toEqual(['True', 'True', '']);
    });
  });

  it('reports a failed deployment on VirtualMachineCreated and retries until it succeeds', async () => {
    const f = await setup();
    f.vsphere.interceptor.add({
      method: 'DeployLibraryItem',
      fault: { _type: 'InsufficientResourcesFault' },
      times: 1,
    });
    await f.kube.create(newVm(f, 'vm1'));
    await f.settle();
    const failed = condition(await getVm(f, 'vm1'), CONDITION.created);
    expect(failed).toMatchObject({ status: 'False', reason: 'Error' });
    // As govmomi returns a deployment vAPI reports failed.
    expect(failed?.message).toMatch(/^deploy error: .*InsufficientResourcesFault/);
    // The retry waits for the backoff, on the simulator's clock.
    await f.advance(1000);
    const vm = await getVm(f, 'vm1');
    expect(condition(vm, CONDITION.created)).toMatchObject({ status: 'True' });
    expect(vm.status?.powerState).toBe('PoweredOn');
  });

  /** A Supervisor with realistic timing and a VM `vm1` of the spec given, created. */
  const realisticVm = async (spec: Record<string, unknown> = {}) => {
    const f = await createSupervisorFixture({ namespaces: ['ns1'], timing: 'realistic' });
    const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
    const image = images.items[0]?.metadata.name as string;
    await f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', namespace: 'ns1' },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: image },
        storageClass: 'wcpglobal-storage-profile',
        ...spec,
      },
    });
    return f;
  };

  it("with realistic timing, waits for the deployment and the guest address on vm-operator's 10 s requeues", async () => {
    const f = await realisticVm(UNCUSTOMIZED);
    await f.settle();
    expect(condition(await getVm(f, 'vm1'), CONDITION.created)).toBeUndefined();
    const passes = f.supervisor.manager.get('virtualmachine-controller')?.stats.reconciles ?? 0;
    // The deployment (with its boot) takes 15 s; the guest's address comes 20 s after the boot.
    await f.advance(REALISTIC_TASK_DURATIONS.DeployLibraryItem as number);
    let vm = await getVm(f, 'vm1');
    expect(condition(vm, CONDITION.created)).toMatchObject({ status: 'True' });
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect(vm.status?.network?.primaryIP4).toBeUndefined();
    // Marked as powered on by vm-operator: by the deployment that took its time.
    expect(vm.metadata.annotations?.['virtualmachine.vmoperator.vmware.com/first-boot-done']).toBe('true');
    await f.advance(REALISTIC_GUEST_ADDRESS_DELAY);
    vm = await getVm(f, 'vm1');
    expect(vm.status?.network?.primaryIP4).toMatch(/^10\./);
    // Requeued about every 10 s while waiting, not in a loop.
    const more = (f.supervisor.manager.get('virtualmachine-controller')?.stats.reconciles ?? 0) - passes;
    expect(more).toBeGreaterThanOrEqual(2);
    expect(more).toBeLessThanOrEqual(7);
  });

  it("with realistic timing, reconciles a settled VM again on vm-operator's 30 min resync, writing nothing", async () => {
    const f = await realisticVm();
    await f.advance(60_000);
    const settled = await getVm(f, 'vm1');
    expect(settled.status?.network?.primaryIP4).toMatch(/^10\./);
    const passes = () => f.supervisor.manager.get('virtualmachine-controller')?.stats.reconciles ?? 0;
    const before = passes();
    await f.advance(28 * 60_000);
    expect(passes()).toBe(before);
    // The period, lengthened by up to 10% jitter, from the controller's start.
    await f.advance(5 * 60_000);
    expect(passes()).toBe(before + 1);
    expect((await getVm(f, 'vm1')).metadata.resourceVersion).toBe(settled.metadata.resourceVersion);
  });

  it('with realistic timing, deploys at most 16 VMs at once, as vm-operator caps its creates', async () => {
    const f = await realisticVm();
    const { className, image, storageClass } = (await getVm(f, 'vm1')).spec ?? {};
    for (let i = 2; i <= 20; i++)
      await f.kube.create({
        apiVersion: V5,
        kind: 'VirtualMachine',
        metadata: { name: `vm${i}`, namespace: 'ns1' },
        spec: { className, image, storageClass },
      });
    await f.settle();
    const deploying = () =>
      [...f.vsphere.store.ofKind<TaskRecord>('Task')].filter(
        (t) => t.name === 'DeployLibraryItem' && (t.state === 'queued' || t.state === 'running'),
      ).length;
    const created = async () =>
      (await f.kube.list({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1' })).items.filter(
        (vm) => condition(vm as unknown as VirtualMachine, CONDITION.created)?.status === 'True',
      ).length;
    expect(deploying()).toBe(16);
    // The four left over are not even checked yet: no conditions until their create starts.
    const waiting = (
      await f.kube.list({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1' })
    ).items.filter((vm) => (vm.status as VirtualMachine['status'])?.conditions === undefined);
    expect(waiting).toHaveLength(4);
    await f.advance(REALISTIC_TASK_DURATIONS.DeployLibraryItem as number);
    expect(await created()).toBe(16);
    // Back ~10 s after they were turned away, they find room once the first ones are done.
    await f.advance(3 * (REALISTIC_TASK_DURATIONS.DeployLibraryItem as number));
    expect(await created()).toBe(20);
  });

  it('with realistic timing, reports a LinuxPrep customization running until the guest reports its address', async () => {
    const f = await realisticVm({ bootstrap: { linuxPrep: {} } });
    // Deployed off (15 s), then customized and powered on (2 s) by its update, on ~10 s requeues.
    const powerOn = REALISTIC_TASK_DURATIONS.PowerOnVM_Task as number;
    await f.advance((REALISTIC_TASK_DURATIONS.DeployLibraryItem as number) + 3 * powerOn + 10_000);
    let vm = await getVm(f, 'vm1');
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect(vm.status?.network?.primaryIP4).toBeUndefined();
    expect(condition(vm, CONDITION.guestCustomization)).toMatchObject({
      status: 'False',
      reason: REASON.guestCustomizationRunning,
    });
    await f.advance(REALISTIC_GUEST_ADDRESS_DELAY);
    vm = await getVm(f, 'vm1');
    expect(vm.status?.network?.primaryIP4).toMatch(/^10\./);
    expect(condition(vm, CONDITION.guestCustomization)).toMatchObject({ status: 'True' });
  });
});
