/**
 * Property-based convergence of the VirtualMachine controller: random interleavings of what
 * users do to VirtualMachines (create in v1alpha2, v1alpha5 or v1alpha6, delete, change
 * power, pause, attach and detach claims, or, in runs of their own, take, delete and revert to
 * snapshots), what a vSphere admin does to their VMs (power them, or destroy those without
 * claims or snapshots, by hand) and
 * what happens to their class (deleted, then back; its requests changed by a user in the
 * namespace or through vCenter's catalogue), with the Supervisor running in between
 * by whole or partial rounds, always end - once nothing is paused and the class is back - with
 * Kubernetes and vSphere agreeing: one vSphere VM per VirtualMachine, none left over,
 * power and addresses as vm-operator reports them, each VM with exactly the disks of its
 * claims, attached and reported (with VMSharedDisks, in runs of their own, through one batch
 * attachment per VM, each disk where its volume places it), each snapshot taken, ready and in its
 * VM's vSphere tree, no revert left asked for, and no controller left in error. Some
 * runs make vSphere tasks take time (so operations land while tasks are in flight) or fail
 * some of them while the operations run (vSphere recovers before the Supervisor must).
 */
import { findChild, type SnapshotRecord, type VmRecord } from '@vsim/vsphere';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineClass, VirtualMachineSnapshot } from './api/types.js';
import type { VirtualMachineServiceCapabilities } from './api/vm-service-validation.js';
import { CNS_NODE_VM_ATTACHMENT, CNS_NODE_VM_BATCH_ATTACHMENT } from './cns-kinds.js';
import type {
  CnsNodeVMBatchAttachment,
  CnsNodeVmAttachment,
  PersistentVolumeClaim,
} from './controllers/csi/index.js';
import { NET_OPERATOR_API_VERSION } from './controllers/net-operator/index.js';
import { controllerType } from './controllers/virtualmachine/hardware-status.js';
import {
  networkInterfaceName,
  PAUSED_ANNOTATION,
  REVERT_IN_PROGRESS_ANNOTATION,
  VM_FINALIZER,
} from './controllers/virtualmachine/index.js';
import { hasClaims } from './controllers/virtualmachine/volumes.js';
import { isKubeError } from './store/errors.js';
import type { KubeObject } from './store/meta.js';
import { createSupervisorFixture, type SupervisorFixture } from './testing/fixture.js';

const GROUP = 'vmoperator.vmware.com';
const V6 = `${GROUP}/v1alpha6`;
const VERSIONS = ['v1alpha2', 'v1alpha5', 'v1alpha6'] as const;
type Version = (typeof VERSIONS)[number];
const NAMES = ['vm-a', 'vm-b', 'vm-c', 'vm-d', 'vm-e'] as const;
const CLASS = 'best-effort-small';
const STORAGE_CLASS = 'wcpglobal-storage-profile';

type Desired = 'PoweredOn' | 'PoweredOff' | 'Suspended';
type ImageBy = 'image' | 'imageName' | 'displayName';

/** Each VM may name its own two claims, `<vm>-c0` and `<vm>-c1`, as volumes `d0` and `d1`. */
const CLAIMS = [0, 1] as const;
const claims = fc.subarray([...CLAIMS]);

type Command =
  | {
      op: 'create';
      vm: number;
      version: Version;
      by: ImageBy;
      power: 'PoweredOn' | 'PoweredOff';
      claims: number[];
      /** Customized by LinuxPrep before it boots (CustomizeVM_Task, which may fail as any task). */
      linuxPrep: boolean;
    }
  | { op: 'volumes'; vm: number; claims: number[] }
  | { op: 'delete'; vm: number }
  | { op: 'power'; vm: number; version: Version; power: Desired; mode: 'Hard' | 'Soft' | 'TrySoft' }
  | { op: 'vsphere'; vm: number; action: 'powerOn' | 'powerOff' | 'suspend' | 'destroy' }
  | { op: 'pause' | 'unpause'; vm: number }
  | { op: 'configure'; vm: number; diskGiB: 20 | 30 | 40; tracking: boolean; bootDelay: '0s' | '2s' }
  | { op: 'snapshot'; vm: number; memory: boolean }
  | { op: 'deleteSnapshot' | 'revert'; vm: number }
  | { op: 'deleteSnapshotObject'; name: string }
  | {
      op: 'reserveClass';
      cpu: ClassRequest['cpu'];
      memory: ClassRequest['memory'];
      /** A user's patch of the namespace's object, or a change of vCenter's class, written to it. */
      via: 'kube' | 'vcenter';
    }
  | { op: 'deleteClass' | 'recreateClass' | 'settle' | 'round' | 'advance' };

/** What the class may come to request, and what vSphere reserves for it (MHz of 2,294 MHz hosts, MB). */
interface ClassRequest {
  cpu: '0' | '500m' | '2';
  memory: '0' | '1Gi';
}
const RESERVED: Readonly<Record<string, number>> = { '0': 0, '500m': 1147, '2': 4588, '1Gi': 1024 };

/** How vSphere behaves while the commands run. */
interface TaskBehaviour {
  /** Extra time each vSphere task takes (ms). */
  taskDelay: 0 | 1_000;
  /** Chance that a vSphere task fails with a SystemError. */
  taskFaults: 0 | 0.25;
}

const version = fc.constantFrom(...VERSIONS);

/**
 * Commands on the VMs `vmIndex` picks: with claims, or with snapshots (weighing `snapshots`
 * against the others). Not both: a revert to a snapshot taken before a claim's disk was attached
 * detaches it in vSphere behind CNS's back, which a real Supervisor does not mend either.
 */
const commandOf = (vmIndex: fc.Arbitrary<number>, snapshots: number): fc.Arbitrary<Command> => {
  const withSnapshots = snapshots > 0;
  const claimed = withSnapshots ? fc.constant<number[]>([]) : claims;
  const commands: fc.WeightedArbitrary<Command>[] = [
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('create' as const),
        vm: vmIndex,
        version,
        by: fc.constantFrom<ImageBy>('image', 'imageName', 'displayName'),
        power: fc.constantFrom('PoweredOn' as const, 'PoweredOff' as const),
        claims: claimed,
        linuxPrep: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), vm: vmIndex }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('power' as const),
        vm: vmIndex,
        version,
        power: fc.constantFrom<Desired>('PoweredOn', 'PoweredOff', 'Suspended'),
        mode: fc.constantFrom('Hard' as const, 'Soft' as const, 'TrySoft' as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('vsphere' as const),
        vm: vmIndex,
        action: fc.constantFrom(
          'powerOn' as const,
          'powerOff' as const,
          'suspend' as const,
          'destroy' as const,
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constantFrom('pause' as const, 'unpause' as const), vm: vmIndex }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('configure' as const),
        vm: vmIndex,
        diskGiB: fc.constantFrom(20 as const, 30 as const, 40 as const),
        tracking: fc.boolean(),
        bootDelay: fc.constantFrom('0s' as const, '2s' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constantFrom('deleteClass' as const, 'recreateClass' as const) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('reserveClass' as const),
        cpu: fc.constantFrom('0' as const, '500m' as const, '2' as const),
        memory: fc.constantFrom('0' as const, '1Gi' as const),
        via: fc.constantFrom('kube' as const, 'vcenter' as const),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constantFrom('settle' as const, 'round' as const, 'advance' as const) }),
    },
  ];
  if (withSnapshots)
    commands.push(
      {
        weight: snapshots,
        arbitrary: fc.record({ op: fc.constant('snapshot' as const), vm: vmIndex, memory: fc.boolean() }),
      },
      {
        weight: snapshots,
        arbitrary: fc.record({
          op: fc.constantFrom('deleteSnapshot' as const, 'revert' as const),
          vm: vmIndex,
        }),
      },
    );
  else
    commands.push({
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('volumes' as const), vm: vmIndex, claims }),
    });
  return fc.oneof(...commands);
};

const command = commandOf(fc.nat({ max: NAMES.length - 1 }), 0);
/** On the two VMs made first, snapshots taken, deleted and reverted to more often than not. */
const snapshotCommand = commandOf(fc.nat({ max: 1 }), 8);

const taskBehaviour: fc.Arbitrary<TaskBehaviour> = fc.record({
  taskDelay: fc.constantFrom(0 as const, 1_000 as const),
  taskFaults: fc.constantFrom(0 as const, 0.25 as const),
});

interface World extends SupervisorFixture {
  /** The image's object name (`vmi-...`) and display name (`status.name`). */
  image: { object: string; display: string };
  folder: string;
  /** The class as the namespace got it, to put back after it is deleted. */
  vmClass: KubeObject;
  /** VMs an admin destroyed by hand, and VMs snapshots were asked for: never both (see run). */
  destroyed: Set<string>;
  snapshotted: Set<string>;
  /**
   * Snapshots deleted: as in vm-operator, whose delete does not wait for a take under way, the
   * vSphere snapshot of one deleted while it was taken may outlive its object (its VM then
   * reports it Unmanaged). No other vSphere snapshot may.
   */
  deletedSnapshots: Set<string>;
  /** With VMSharedDisks: claims in one batch attachment per VM, where their volumes place them. */
  sharedDisks: boolean;
  /** FastDeploy's runs: VMs made of cached disks, which they promote once they run. */
  fastDeploy: boolean;
}

const vmRef = (apiVersion: string, name: string) => ({
  apiVersion,
  kind: 'VirtualMachine',
  namespace: 'ns1',
  name,
});
const classRef = { apiVersion: V6, kind: 'VirtualMachineClass', namespace: 'ns1', name: CLASS };
const SNAPSHOT = { apiVersion: V6, kind: 'VirtualMachineSnapshot', namespace: 'ns1' } as const;

/** The VM's snapshot objects, oldest first. */
const snapshotsOf = async (w: World, name: string) =>
  ((await w.kube.list(SNAPSHOT)).items as unknown as VirtualMachineSnapshot[]).filter(
    (s) => s.spec?.vmName === name,
  );

async function setup(capabilities?: VirtualMachineServiceCapabilities): Promise<World> {
  // Strict: a field the controllers or these commands write that its CRD lacks fails the write.
  const fixture = await createSupervisorFixture({
    namespaces: ['ns1'],
    fieldValidation: 'Strict',
    ...(capabilities ? { capabilities } : {}),
  });
  const images = await fixture.kube.list({
    apiVersion: `${GROUP}/v1alpha5`,
    kind: 'VirtualMachineImage',
    namespace: 'ns1',
  });
  const ubuntu = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'));
  if (!ubuntu) throw new Error('ns1 has no ubuntu image');
  const { folder } = await fixture.supervisor.prepareNamespace('ns1');
  for (const name of NAMES)
    for (const i of CLAIMS)
      await fixture.kube.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `${name}-c${i}`, namespace: 'ns1' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: STORAGE_CLASS,
          resources: { requests: { storage: '1Gi' } },
        },
      });
  await fixture.settle();
  const { metadata, ...rest } = await fixture.kube.get(classRef);
  const vmClass = { ...rest, metadata: { name: CLASS, namespace: 'ns1', labels: metadata.labels ?? {} } };
  return {
    ...fixture,
    image: { object: ubuntu.metadata.name as string, display: (ubuntu.status as { name: string }).name },
    folder,
    vmClass: vmClass as KubeObject,
    destroyed: new Set(),
    snapshotted: new Set(),
    deletedSnapshots: new Set(),
    sharedDisks: capabilities?.vmSharedDisks === true,
    fastDeploy: capabilities?.fastDeploy === true,
  };
}

/** The new VirtualMachine as a client of that version writes it (v1alpha2 has no spec.image). */
function newVm(w: World, c: Extract<Command, { op: 'create' }>): KubeObject {
  const by = c.version === 'v1alpha2' && c.by === 'image' ? 'imageName' : c.by;
  const image =
    by === 'image'
      ? { image: { kind: 'VirtualMachineImage', name: w.image.object } }
      : { imageName: by === 'imageName' ? w.image.object : w.image.display };
  return {
    apiVersion: `${GROUP}/${c.version}`,
    kind: 'VirtualMachine',
    metadata: { name: NAMES[c.vm] as string, namespace: 'ns1' },
    spec: {
      className: CLASS,
      storageClass: STORAGE_CLASS,
      powerState: c.power,
      volumes: volumesOf(NAMES[c.vm] as string, c.claims),
      ...image,
      ...(c.linuxPrep ? { bootstrap: { linuxPrep: {} } } : {}),
    },
  };
}

const volumesOf = (vm: string, which: readonly number[]) =>
  which.map((i) => ({ name: `d${i}`, persistentVolumeClaim: { claimName: `${vm}-c${i}` } }));

/** The vSphere VM of that name in the namespace's folder, if any. */
const vsphereVmNamed = (w: World, name: string) => {
  const record = findChild(w.vsphere.store, w.folder, name);
  return record?.kind === 'VirtualMachine' ? (record as VmRecord) : undefined;
};

/** A VimFault (thrown at once, e.g. the VM is gone) is what an admin's click may get. */
const isVimFault = (error: unknown) => error instanceof Error && 'fault' in error;

/**
 * 404 and 409 are the API server's answers to racing clients, and 422 the webhook's to a power
 * change it refuses (a VM powered off is not suspended) or to a revert while another is asked
 * for; anything else is a failure.
 */
const isExpectedKubeError = (error: unknown, c: Command) =>
  isKubeError(error) &&
  (error.code === 404 ||
    error.code === 409 ||
    (error.code === 422 && (c.op === 'power' || c.op === 'revert' || c.op === 'configure')));

async function run(w: World, c: Command): Promise<void> {
  const name = 'vm' in c ? (NAMES[c.vm] as string) : '';
  switch (c.op) {
    case 'create':
      await w.kube.create(newVm(w, c));
      return;
    case 'volumes': {
      // As a user edits them: the volumes kept as they are (with what the webhook placed), the
      // claims no longer wanted taken off, the new ones added.
      const current = (await w.kube.get(vmRef(V6, name))) as unknown as VirtualMachine;
      const wanted = volumesOf(name, c.claims);
      const kept = (current.spec?.volumes ?? []).filter(
        (v) => !v.persistentVolumeClaim || wanted.some((x) => x.name === v.name),
      );
      const added = wanted.filter((x) => !kept.some((v) => v.name === x.name));
      await w.kube.patch(vmRef(V6, name), { spec: { volumes: [...kept, ...added] } }, { type: 'merge' });
      return;
    }
    case 'delete':
      await w.kube.delete(vmRef(V6, name));
      return;
    case 'power':
      await w.kube.patch(
        vmRef(`${GROUP}/${c.version}`, name),
        { spec: { powerState: c.power, powerOffMode: c.mode, suspendMode: c.mode } },
        { type: 'merge' },
      );
      return;
    case 'vsphere': {
      const record = vsphereVmNamed(w, name);
      // A VM destroyed under vm-operator is deployed again with the same BIOS UUID, and CNS never
      // looks again at an attachment it has attached: its claims would stay off the new VM, in a
      // real Supervisor too. Admins do not destroy VMs with claims here.
      if (c.action === 'destroy' && (await namesClaims(w, name))) return;
      // Nor VMs with snapshots, which go with the VM and leave their objects naming none (in a real
      // Supervisor too): a VM is either snapshotted or destroyed by hand here, whatever the order.
      if (c.action === 'destroy' && w.snapshotted.has(name)) return;
      if (c.action === 'destroy') w.destroyed.add(name);
      // The task runs with the Supervisor's next round; its fault, if any, is the admin's.
      if (record) w.vsphere.vm[c.action](record.id);
      return;
    }
    case 'configure': {
      // Its user grows the boot disk, never shrinks it (vm-operator would refuse to, for good);
      // the boot options change only while the VM is to be off (the webhook refuses it otherwise).
      const vm = (await w.find(vmRef(V6, name))) as unknown as VirtualMachine | undefined;
      const had = Number.parseInt(vm?.spec?.advanced?.bootDiskCapacity ?? '20', 10);
      const advanced = { bootDiskCapacity: `${Math.max(had, c.diskGiB)}Gi`, changeBlockTracking: c.tracking };
      await w.kube.patch(
        vmRef(V6, name),
        { spec: { advanced, bootOptions: { bootDelay: c.bootDelay } } },
        { type: 'merge' },
      );
      return;
    }
    case 'pause':
    case 'unpause':
      await w.kube.patch(
        vmRef(V6, name),
        { metadata: { annotations: { [PAUSED_ANNOTATION]: c.op === 'pause' ? 'true' : null } } },
        { type: 'merge' },
      );
      return;
    case 'snapshot':
      if (w.destroyed.has(name)) return;
      w.snapshotted.add(name);
      await w.kube.create({
        apiVersion: SNAPSHOT.apiVersion,
        kind: SNAPSHOT.kind,
        metadata: { generateName: `${name}-`, namespace: 'ns1' },
        spec: { vmName: name, memory: c.memory },
      });
      return;
    case 'deleteSnapshot': {
      const [oldest] = await snapshotsOf(w, name);
      if (!oldest) return;
      w.deletedSnapshots.add(oldest.metadata.name as string);
      await w.kube.delete({ ...SNAPSHOT, name: oldest.metadata.name as string });
      return;
    }
    case 'deleteSnapshotObject':
      await w.kube.delete({ ...SNAPSHOT, name: c.name });
      return;
    case 'revert': {
      const newest = (await snapshotsOf(w, name)).at(-1);
      if (newest)
        await w.kube.patch(
          vmRef(V6, name),
          { spec: { currentSnapshotName: newest.metadata.name } },
          { type: 'merge' },
        );
      return;
    }
    case 'deleteClass':
      await w.kube.delete(classRef);
      return;
    case 'recreateClass':
      await w.kube.create(structuredClone(w.vmClass));
      return;
    case 'reserveClass': {
      const requests = { cpu: c.cpu, memory: c.memory };
      if (c.via === 'kube')
        await w.kube.patch(classRef, { spec: { policies: { resources: { requests } } } }, { type: 'merge' });
      else {
        const { spec } = w.supervisor.vmClasses.get(CLASS) as { spec: object };
        await w.supervisor.vmClasses.update(CLASS, { ...spec, policies: { resources: { requests } } });
      }
      return;
    }
    case 'settle':
      await w.settle();
      return;
    case 'advance':
      await w.advance(400);
      return;
    case 'round':
      await w.round();
      return;
  }
}

const namesClaims = async (w: World, name: string) =>
  hasClaims((await w.find(vmRef(V6, name))) as unknown as VirtualMachine | undefined);

async function runTolerant(w: World, c: Command): Promise<void> {
  try {
    await run(w, c);
  } catch (error) {
    if (!isExpectedKubeError(error, c) && !isVimFault(error)) throw error;
  }
}

const OBSERVED = new Set(['VirtualMachineTools', 'GuestCustomization', 'VirtualMachinePowerStateSynced']);

const listVms = async (w: World) =>
  (await w.kube.list({ apiVersion: V6, kind: 'VirtualMachine', namespace: 'ns1' }))
    .items as unknown as VirtualMachine[];

/** vSphere working again, nothing paused, the class back, and time for backoffs to run out. */
async function letConverge(w: World): Promise<void> {
  w.vsphere.interceptor.clear();
  for (const vm of await listVms(w))
    if (vm.metadata.annotations?.[PAUSED_ANNOTATION] !== undefined)
      await w.kube.patch(
        vmRef(V6, vm.metadata.name as string),
        { metadata: { annotations: { [PAUSED_ANNOTATION]: null } } },
        { type: 'merge' },
      );
  await runTolerant(w, { op: 'recreateClass' });
  await w.settle();
  // A VM deleted while suspended with powerOffMode Soft waits for a guest that does not run (in
  // vm-operator too): its user lets it power off hard.
  for (const vm of await listVms(w))
    if (vm.metadata.deletionTimestamp && vm.spec?.powerOffMode === 'Soft')
      await runTolerant(w, {
        op: 'power',
        vm: NAMES.indexOf(vm.metadata.name as never),
        version: 'v1alpha6',
        power: vm.spec.powerState ?? 'PoweredOn',
        mode: 'TrySoft',
      });
  // A snapshot of a VM that was gone before vm-operator made it its VM's is its user's to delete
  // (those it did go with their VM).
  const names = new Set((await listVms(w)).map((vm) => vm.metadata.name));
  for (const s of (await w.kube.list(SNAPSHOT)).items as unknown as VirtualMachineSnapshot[])
    if (!names.has(s.spec?.vmName) && !s.metadata.ownerReferences?.length)
      await runTolerant(w, { op: 'deleteSnapshotObject', name: s.metadata.name as string });
  for (let i = 0; i < 3; i++) await w.advance(5_000);
  // A disk promotion that failed is made again once vCenter lists its task no more (10 minutes).
  if (w.fastDeploy) await w.advance(10 * 60_000);
  // A revert that still cannot be made is given up: its snapshot gone, or the VM it restores
  // refused (a suspended snapshot for a VM to stay powered off, in vm-operator too), or its task
  // failed, which leaves the VM marked as reverting until an administrator removes the mark.
  for (const vm of await listVms(w)) {
    const failing = vm.status?.conditions?.find(
      (c) =>
        c.type === 'VirtualMachineSnapshotRevertSucceeded' &&
        c.reason !== 'VirtualMachineSnapshotRevertInProgress',
    );
    if (vm.spec?.currentSnapshotName && failing)
      await w.kube.patch(
        vmRef(V6, vm.metadata.name as string),
        {
          metadata: { annotations: { [REVERT_IN_PROGRESS_ANNOTATION]: null } },
          spec: { currentSnapshotName: null },
        },
        { type: 'merge' },
      );
  }
  for (let i = 0; i < 3; i++) await w.advance(5_000);
  await w.settle();
}

const POWER: Record<VmRecord['powerState'], Desired> = {
  poweredOn: 'PoweredOn',
  poweredOff: 'PoweredOff',
  suspended: 'Suspended',
};

/**
 * The vSphere power states vm-operator leaves for a desired state: it suspends only a
 * running VM (a powered-off VM asked to suspend stays off), and it powers a suspended VM
 * off only with powerOffMode Hard or TrySoft (Soft asks the guest, which a suspended VM does
 * not run, and never falls back). Which of the two a Soft power-off ends in depends on the
 * state the VM was in when asked: both are accepted.
 */
function acceptedPower(vm: VirtualMachine): VmRecord['powerState'][] {
  switch (vm.spec?.powerState ?? 'PoweredOn') {
    case 'PoweredOn':
      return ['poweredOn'];
    case 'PoweredOff':
      return vm.spec?.powerOffMode === 'Soft' ? ['poweredOff', 'suspended'] : ['poweredOff'];
    case 'Suspended':
      return ['suspended', 'poweredOff'];
  }
}

async function assertConverged(w: World): Promise<void> {
  const vms = await listVms(w);
  const requests = ((await w.kube.get(classRef)).spec as VirtualMachineClass['spec'])?.policies?.resources
    ?.requests;
  const records = [...w.vsphere.store.ofKind<VmRecord>('VirtualMachine')];
  const inFolder = records.filter((r) => r.parent === w.folder);
  // Deleted VirtualMachines are gone, not held.
  expect(vms.filter((vm) => vm.metadata.deletionTimestamp).map((vm) => vm.metadata.name)).toEqual([]);
  for (const vm of vms) {
    const name = vm.metadata.name as string;
    const record = w.vsphere.store.get(vm.status?.uniqueID ?? '') as VmRecord | undefined;
    expect(record?.kind, `${name}: status.uniqueID names a vSphere VM`).toBe('VirtualMachine');
    if (!record) continue;
    expect(record.name).toBe(name);
    expect(record.parent).toBe(w.folder);
    expect(record.config.uuid).toBe(vm.spec?.biosUUID);
    expect(record.config.instanceUuid).toBe(vm.spec?.instanceUUID);
    expect(vm.status).toMatchObject({ biosUUID: vm.spec?.biosUUID, instanceUUID: vm.spec?.instanceUUID });
    expect(vm.metadata.finalizers).toContain(VM_FINALIZER);
    // Every prerequisite held in the end, and the VM was created: no condition is left False
    // but those that report what vSphere observes (the guest's tools and customization, and
    // whether the power state is the spec's, which must say so).
    const conditions = vm.status?.conditions ?? [];
    // With FastDeploy, a VM that does not run waits to promote its disks (online, the default).
    const running = vm.status?.powerState === 'PoweredOn';
    const waitsToPromote = (c: { type: string; reason: string }) =>
      c.type === 'VirtualMachineDiskPromotionSynced' && c.reason === 'DiskPromotionPending' && !running;
    const notTrue = conditions.filter(
      (c) => c.status !== 'True' && !OBSERVED.has(c.type) && !waitsToPromote(c),
    );
    expect(notTrue.map((c) => `${c.type} ${c.reason}`)).toEqual([]);
    if (w.fastDeploy && running) {
      expect(conditions.find((c) => c.type === 'VirtualMachineDiskPromotionSynced')?.status).toBe('True');
      const linked = record.config.devices.some(
        (d) => (d.backing as { parent?: unknown } | undefined)?.parent,
      );
      expect(linked, `${name}: a running VM's disks promoted`).toBe(false);
    }
    expect(conditions.find((c) => c.type === 'VirtualMachinePowerStateSynced')?.status).toBe(
      vm.status?.powerState === vm.spec?.powerState ? 'True' : 'False',
    );
    // A running guest's tools report its customization done (or none): no refusal is left over.
    if (record.powerState === 'poweredOn')
      expect(conditions.find((c) => c.type === 'GuestCustomization')?.status, name).toBe('True');
    expect(records.filter((r) => r.config.uuid === vm.spec?.biosUUID).map((r) => r.id)).toEqual([record.id]);
    expect(acceptedPower(vm), `${name}: ${vm.spec?.powerState} (${vm.spec?.powerOffMode})`).toContain(
      record.powerState,
    );
    expect(vm.status?.powerState).toBe(POWER[record.powerState]);
    // A VM that is off was resized to what its class reserves now.
    if (record.powerState === 'poweredOff')
      expect([
        record.config.cpuAllocation?.reservation ?? 0,
        record.config.memoryAllocation?.reservation ?? 0,
      ]).toEqual([RESERVED[requests?.cpu ?? '0'], RESERVED[requests?.memory ?? '0']]);
    const nic = await w.find({
      apiVersion: NET_OPERATOR_API_VERSION,
      kind: 'NetworkInterface',
      namespace: 'ns1',
      name: networkInterfaceName(name, '', 'eth0'),
    });
    expect(nic?.metadata.ownerReferences?.[0]?.uid, `${name}: its own NetworkInterface`).toBe(
      vm.metadata.uid,
    );
    await assertClaimsAttached(w, vm, record);
    assertConfigured(vm, record);
    if (record.powerState === 'poweredOn') {
      expect(record.guest.ipAddress).toBeTruthy();
      expect(vm.status?.network?.primaryIP4).toBe(record.guest.ipAddress);
    } else expect(vm.status?.network?.primaryIP4, `${name}: no address while not running`).toBeUndefined();
  }
  // No orphan: every vSphere VM of the namespace is the VM of exactly one object.
  const owners = new Map(vms.map((vm) => [vm.status?.uniqueID, vm.metadata.name]));
  expect(inFolder.filter((r) => !owners.has(r.id)).map((r) => r.name)).toEqual([]);
  expect(inFolder.length).toBe(vms.length);
  // Nor a NetworkInterface of a VM that is gone.
  const uids = new Set(vms.map((vm) => vm.metadata.uid));
  const nics = await w.kube.list({
    apiVersion: NET_OPERATOR_API_VERSION,
    kind: 'NetworkInterface',
    namespace: 'ns1',
  });
  expect(
    nics.items.filter((n) => !uids.has(n.metadata.ownerReferences?.[0]?.uid)).map((n) => n.metadata.name),
  ).toEqual([]);
  // Every attachment is a live VM's, every disk attached is attached through one.
  const attachments = (await w.kube.list({ ...CNS_NODE_VM_ATTACHMENT, namespace: 'ns1' }))
    .items as CnsNodeVmAttachment[];
  expect(
    attachments.filter((a) => !uids.has(a.metadata.ownerReferences?.[0]?.uid)).map((a) => a.metadata.name),
  ).toEqual([]);
  const attachedDisks = records.flatMap((r) => r.config.devices.filter((d) => d.vDiskId));
  if (w.sharedDisks) {
    // One batch attachment per live VM, named after it and owned by it; no legacy one.
    const batches = (await w.kube.list({ ...CNS_NODE_VM_BATCH_ATTACHMENT, namespace: 'ns1' }))
      .items as CnsNodeVMBatchAttachment[];
    expect(batches.map((b) => `${b.metadata.name} ${b.metadata.ownerReferences?.[0]?.uid}`).sort()).toEqual(
      vms.map((vm) => `${vm.metadata.name} ${vm.metadata.uid}`).sort(),
    );
    expect(attachments).toEqual([]);
    expect(attachedDisks.length).toBe(batches.flatMap((b) => b.spec?.volumes ?? []).length);
  } else expect(attachedDisks.length).toBe(attachments.length);
  await assertSnapshotsTaken(w, vms);
  // A key's error is cleared by its next successful reconcile, and the reconcile of an
  // object that is gone succeeds: after convergence no key, live or gone, is in error.
  expect(w.errors).toEqual([]);
  for (const controller of w.supervisor.manager.controllers)
    expect(
      [...controller.errors].map(([key, error]) => `${controller.name} ${key}: ${String(error)}`),
    ).toEqual([]);
}

/**
 * What `configure` asked is what vSphere has: Changed Block Tracking and the boot delay in any
 * power state, the boot disk grown to its capacity once the VM has been off since (at least the
 * image's 20 GiB, never more than asked).
 */
function assertConfigured(vm: VirtualMachine, record: VmRecord): void {
  const name = vm.metadata.name as string;
  // A suspended VM's update changes its boot options alone, as vm-operator's does.
  const tracking = vm.spec?.advanced?.changeBlockTracking;
  if (tracking !== undefined && record.powerState !== 'suspended')
    expect(record.config.changeTrackingEnabled, `${name}: tracking`).toBe(tracking);
  expect(vm.status?.changeBlockTracking).toBe(record.config.changeTrackingEnabled);
  if (vm.spec?.bootOptions?.bootDelay === '2s') expect(record.config.bootOptions.bootDelay).toBe(2000);
  const disk = record.config.devices.find((d) => d._type === 'VirtualDisk');
  const asked = Number.parseInt(vm.spec?.advanced?.bootDiskCapacity ?? '20', 10) * 1024 ** 3;
  const bytes = (disk?.capacityInBytes as number | undefined) ?? 0;
  expect(
    bytes >= 20 * 1024 ** 3 && bytes <= asked,
    `${name}: boot disk of ${bytes} bytes, ${asked} asked`,
  ).toBe(true);
  if (record.powerState === 'poweredOff') expect(bytes, `${name}: boot disk, off`).toBe(asked);
}

/**
 * Each VM's snapshot objects are exactly the snapshots of its vSphere VM, each ready and naming its
 * vSphere snapshot; its status names the current one; no revert is left asked for. No snapshot
 * object outlives its VM.
 */
async function assertSnapshotsTaken(w: World, vms: readonly VirtualMachine[]): Promise<void> {
  const all = (await w.kube.list(SNAPSHOT)).items as unknown as VirtualMachineSnapshot[];
  const names = new Set(vms.map((vm) => vm.metadata.name));
  expect(all.filter((s) => !names.has(s.spec?.vmName)).map((s) => s.metadata.name)).toEqual([]);
  for (const vm of vms) {
    const name = vm.metadata.name as string;
    const record = w.vsphere.store.get(vm.status?.uniqueID ?? '') as VmRecord;
    const taken = new Map<string, SnapshotRecord>();
    const walk = (ids: readonly string[]) => {
      for (const id of ids) {
        const node = w.vsphere.store.get(id) as SnapshotRecord;
        taken.set(node.name, node);
        walk(node.children);
      }
    };
    walk(record.snapshots?.roots ?? []);
    const objects = all.filter((s) => s.spec?.vmName === name);
    const managed = [...taken.keys()].filter((n) => !w.deletedSnapshots.has(n));
    expect(objects.map((s) => s.metadata.name).sort(), `${name}: its snapshots in vSphere`).toEqual(
      managed.sort(),
    );
    for (const s of objects) {
      const ready = s.status?.conditions?.find((c) => c.type === 'VirtualMachineSnapshotReady');
      expect(ready?.status, `${s.metadata.name}: ready`).toBe('True');
      expect(s.status?.uniqueID).toBe(taken.get(s.metadata.name as string)?.id);
    }
    expect(vm.spec?.currentSnapshotName, `${name}: no revert left`).toBeUndefined();
    const current = record.snapshots?.current;
    const currentName =
      current === undefined ? undefined : (w.vsphere.store.get(current) as SnapshotRecord).name;
    // One whose object went while it was taken is the VM's, unmanaged.
    const orphan = currentName !== undefined && w.deletedSnapshots.has(currentName);
    expect(vm.status?.currentSnapshot).toEqual(
      currentName === undefined
        ? undefined
        : orphan
          ? { type: 'Unmanaged', name: '' }
          : expect.objectContaining({ name: currentName }),
    );
  }
}

/** The VM has exactly the disks of its claims, each attached through its own attachment and reported. */
async function assertClaimsAttached(w: World, vm: VirtualMachine, record: VmRecord): Promise<void> {
  const name = vm.metadata.name as string;
  const volumes = (vm.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim);
  const handles: string[] = [];
  for (const volume of volumes) {
    const claim = (await w.kube.get({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: 'ns1',
      name: volume.persistentVolumeClaim?.claimName as string,
    })) as PersistentVolumeClaim;
    const pv = await w.kube.get({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      name: claim.spec?.volumeName as string,
    });
    handles.push((pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
  }
  const onVm = record.config.devices.filter((d) => d.vDiskId).map((d) => (d.vDiskId as { id: string }).id);
  expect([...onVm].sort(), `${name}: the disks of its claims`).toEqual([...handles].sort());
  if (w.sharedDisks) {
    // Each where its volume places it, and the hardware conditions agree.
    const at = (id: string) => {
      const disk = record.config.devices.find((d) => (d.vDiskId as { id: string } | undefined)?.id === id);
      const controller = record.config.devices.find((d) => d.key === disk?.controllerKey);
      return `${controllerType(controller?._type ?? '')}:${controller?.busNumber}:${disk?.unitNumber}`;
    };
    expect(handles.map(at), `${name}: its claims' places`).toEqual(
      volumes.map((v) => `${v.controllerType}:${v.controllerBusNumber}:${v.unitNumber}`),
    );
    const verified = vm.status?.conditions?.find(
      (c) => c.type === 'VirtualMachineHardwareDeviceConfigVerified',
    );
    expect(verified?.status, `${name}: ${verified?.message}`).toBe('True');
  }
  const managed = (vm.status?.volumes ?? []).filter((v) => v.type === 'Managed');
  expect(managed.map((v) => `${v.name} ${v.attached}`).sort()).toEqual(
    volumes.map((v) => `${v.name} true`).sort(),
  );
}

/**
 * The commands `commands` draws, run on a fresh Supervisor (after `prepare`) whose vSphere tasks
 * behave as drawn, always converge.
 */
const converges = (
  commands: fc.Arbitrary<Command>,
  numRuns: number,
  prepare: (w: World) => Promise<void> = async () => {},
  capabilities?: VirtualMachineServiceCapabilities,
) =>
  fc.assert(
    fc.asyncProperty(
      taskBehaviour,
      fc.array(commands, { minLength: 1, maxLength: 25 }),
      async (how, drawn) => {
        const w = await setup(capabilities);
        await prepare(w);
        const tasks = /_Task$/;
        if (how.taskDelay > 0) w.vsphere.interceptor.add({ method: tasks, delayMs: how.taskDelay });
        if (how.taskFaults > 0)
          w.vsphere.interceptor.add({
            method: tasks,
            probability: how.taskFaults,
            fault: { _type: 'SystemError', reason: 'injected' },
          });
        for (const c of drawn) await runTolerant(w, c);
        await letConverge(w);
        await assertConverged(w);
      },
    ),
    { numRuns },
  );

describe('VirtualMachines under random interleavings of operations', () => {
  it('converge to Kubernetes and vSphere agreeing', () => converges(command, 200), 60_000);

  it(
    'converge with VMSharedDisks, claims attached in batches where their volumes place them',
    () => converges(command, 100, undefined, { vmSharedDisks: true }),
    60_000,
  );

  it(
    'converge with FastDeploy, VMs made of cached disks and their disks promoted',
    () => converges(command, 100, undefined, { fastDeploy: true }),
    60_000,
  );

  it(
    'converge with snapshots taken, deleted and reverted to while they run',
    () =>
      converges(snapshotCommand, 300, async (w) => {
        for (const vm of [0, 1])
          await run(w, {
            op: 'create',
            vm,
            version: 'v1alpha6',
            by: 'image',
            power: 'PoweredOn',
            claims: [],
            linuxPrep: false,
          });
        await w.settle();
      }),
    60_000,
  );
});
