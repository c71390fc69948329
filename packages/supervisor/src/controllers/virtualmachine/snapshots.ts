/**
 * What vm-operator's VirtualMachine controller does with VirtualMachineSnapshots (its VMSnapshots
 * feature): the status of a VM's snapshot tree, the revert `spec.currentSnapshotName` asks for,
 * and the snapshots it takes, one at a time, oldest first.
 *
 * - Status: `status.currentSnapshot` and `status.rootSnapshots` name the VirtualMachineSnapshot
 *   of each vSphere snapshot (one without is `Unmanaged`), and each managed snapshot's
 *   `status.children` its children's.
 * - Take: a snapshot owned by its VM and not yet `VirtualMachineSnapshotCreated` is marked in
 *   progress, then made in vSphere (named as the object, with its description, memory and
 *   quiesce), and its status records the vSphere snapshot's id and power state. The snapshot
 *   holds the VM's resource as its backup (./backup.ts) keeps it in its extra config, current
 *   on every pass of a VM that is no VKS node, for a revert.
 * - Revert: of a ready snapshot of a VM that is no VKS node, the vSphere revert, then the VM's
 *   spec, labels and annotations as the snapshot holds them, `spec.powerState` the snapshot's,
 *   `spec.currentSnapshotName` cleared and the status emptied. What stops it is a
 *   `VirtualMachineSnapshotRevertSucceeded` condition False with its reason.
 */
import type { SnapshotRecord, VmRecord, VSphere } from '@vsim/vsphere';
import { isClusterApiMachine } from '../../api/annotations.js';
import type {
  VirtualMachine,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotReference,
  VirtualMachineStatus,
} from '../../api/types.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, merged } from '../../store/meta.js';
import { setCondition } from '../conditions.js';
import { decodedBackup, heldBackup } from './backup.js';
import { isFalse, type Verdict } from './conditions.js';
import { VM_OPERATOR_API_VERSION } from './prerequisites.js';
import { POWER_STATE } from './status.js';

export const VM_SNAPSHOT = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineSnapshot' } as const;

export const SNAPSHOT_CONDITION = {
  ready: 'VirtualMachineSnapshotReady',
  created: 'VirtualMachineSnapshotCreated',
  csiSynced: 'VirtualMachineSnapshotCSISynced',
} as const;

export const SNAPSHOT_REASON = {
  creationInProgress: 'VirtualMachineSnapshotCreationInProgress',
  creationFailed: 'VirtualMachineSnapshotCreationFailed',
  waitingForCreation: 'VirtualMachineSnapshotWaitingForCreation',
  waitingForCsiSync: 'VirtualMachineSnapshotWaitingForCSISync',
  csiSyncInProgress: 'VirtualMachineSnapshotCSISyncInProgress',
} as const;

/** The VM's condition of a revert: absent once one succeeded (its status is emptied), False while one cannot. */
export const REVERT_CONDITION = 'VirtualMachineSnapshotRevertSucceeded';
export const REVERT_REASON = {
  inProgress: 'VirtualMachineSnapshotRevertInProgress',
  taskFailed: 'VirtualMachineSnapshotRevertTaskFailed',
  invalidManifest: 'VirtualMachineSnapshotRevertFailedInvalidVMManifest',
  skipped: 'VirtualMachineSnapshotRevertSkipped',
  failed: 'VirtualMachineSnapshotRevertFailed',
} as const;

export const REVERT_IN_PROGRESS_ANNOTATION = 'vmoperator.vmware.com/snapshot-revert-in-progress';

export type Snapshot = VirtualMachineSnapshot & KubeObject;

const UNMANAGED: VirtualMachineSnapshotReference = Object.freeze({ type: 'Unmanaged', name: '' });
const managed = (name: string): VirtualMachineSnapshotReference => ({ type: 'Managed', name });

export const snapshotConditionIsTrue = (snapshot: VirtualMachineSnapshot, type: string): boolean =>
  snapshot.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true;

/** The VirtualMachineSnapshots naming a VM, oldest first (names break ties). */
export function snapshotsOfVm(kube: KubeStore, namespace: string, vmName: string): Snapshot[] {
  const all = kube.direct.list(VM_SNAPSHOT.apiVersion, VM_SNAPSHOT.kind, namespace) as Snapshot[];
  return all
    .filter((s) => s.spec?.vmName === vmName)
    .sort((a, b) => {
      const [x, y] = [a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? ''];
      if (x !== y) return x < y ? -1 : 1;
      return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
    });
}

/**
 * A vSphere snapshot of the VM by name, moref value or path from a root (`a/b`), as vm-operator's
 * FindSnapshot finds one; else why not, in its words.
 */
export function findSnapshot(
  vsphere: VSphere,
  record: VmRecord,
  name: string,
): { snapshot: SnapshotRecord } | { problem: string } {
  const roots = record.snapshots?.roots ?? [];
  if (roots.length === 0) return { problem: 'no snapshots for this VM' };
  const found: SnapshotRecord[] = [];
  const walk = (ids: readonly string[], parent: string) => {
    for (const id of ids) {
      const s = vsphere.store.get(id) as SnapshotRecord | undefined;
      if (!s) continue;
      const path = parent ? `${parent}/${s.name}` : s.name;
      if (s.name === name || s.id === name || (parent !== '' && path === name)) found.push(s);
      walk(s.children, path);
    }
  };
  walk(roots, '');
  const [first] = found;
  if (found.length === 1 && first) return { snapshot: first };
  if (found.length === 0)
    return { problem: `snapshot ${JSON.stringify(name)} not found: snapshot not found` };
  return { problem: `${JSON.stringify(name)} resolves to ${found.length} snapshots: ${MULTIPLE_SNAPSHOTS}` };
}

/** The end of findSnapshot's problem with a name several snapshots have. */
export const MULTIPLE_SNAPSHOTS = 'multiple snapshots found';

/**
 * The VM's snapshot status fields, set on `status` (a new object of the pass): `currentSnapshot`
 * and `rootSnapshots` as vSphere's tree and the namespace's snapshots say (a current snapshot
 * being deleted leaves the field as it was), and the children each managed snapshot should list.
 */
export function applySnapshotTree(
  kube: KubeStore,
  vsphere: VSphere,
  record: VmRecord,
  namespace: string,
  status: VirtualMachineStatus,
): Map<Snapshot, VirtualMachineSnapshotReference[]> {
  const children = new Map<Snapshot, VirtualMachineSnapshotReference[]>();
  const tree = record.snapshots;
  if (!tree || tree.roots.length === 0) {
    delete status.currentSnapshot;
    delete status.rootSnapshots;
    return children;
  }
  const objectOf = (name: string) =>
    kube.direct.get({ ...VM_SNAPSHOT, namespace, name }) as Snapshot | undefined;
  // A snapshot without its object is unmanaged, and so is what is under it.
  const refOf = (id: string): VirtualMachineSnapshotReference | undefined => {
    const node = vsphere.store.get(id) as SnapshotRecord | undefined;
    const object = node && objectOf(node.name);
    if (!node || !object) return undefined;
    children.set(
      object,
      node.children.map((child) => refOf(child) ?? UNMANAGED),
    );
    return managed(object.metadata.name as string);
  };
  status.rootSnapshots = tree.roots.map((id) => refOf(id) ?? UNMANAGED);
  const current =
    tree.current === undefined ? undefined : (vsphere.store.get(tree.current) as SnapshotRecord);
  const object = current && objectOf(current.name);
  if (!current) delete status.currentSnapshot;
  else if (!object) status.currentSnapshot = UNMANAGED;
  else if (!object.metadata.deletionTimestamp)
    status.currentSnapshot = managed(object.metadata.name as string);
  return children;
}

/**
 * What each of a VM's snapshots takes, by its id, as vm-operator's GetSnapshotSize reads
 * `layoutEx`: its state file, its memory, and the files of the last link of each disk's chain,
 * FCDs' apart.
 */
export function snapshotSizes(
  vsphere: VSphere,
  record: VmRecord,
): Map<string, { total: number; fcd: number }> {
  type Layout = {
    file: { key: number; size: number }[];
    snapshot?: {
      key: { value: string };
      dataKey: number;
      memoryKey: number;
      disk: { key: number; chain: { fileKey: number[] }[] }[];
    }[];
  };
  const layout = vsphere.read<Layout>(record.id, 'layoutEx');
  const sizes = new Map(layout.file.map((f) => [f.key, f.size]));
  const fcds = new Set<number>();
  for (const device of record.config.devices) if (device.vDiskId) fcds.add(device.key);
  const out = new Map<string, { total: number; fcd: number }>();
  for (const entry of layout.snapshot ?? []) {
    let total =
      (sizes.get(entry.dataKey) ?? 0) + (entry.memoryKey === -1 ? 0 : (sizes.get(entry.memoryKey) ?? 0));
    let fcd = 0;
    for (const disk of entry.disk) {
      let bytes = 0;
      for (const key of disk.chain.at(-1)?.fileKey ?? []) bytes += sizes.get(key) ?? 0;
      if (fcds.has(disk.key)) fcd += bytes;
      else total += bytes;
    }
    out.set(entry.key.value, { total, fcd });
  }
  return out;
}

/** Writes each managed snapshot's children where they differ (in any order) from what it lists. */
export function writeSnapshotChildren(
  kube: KubeStore,
  children: ReadonlyMap<Snapshot, VirtualMachineSnapshotReference[]>,
): void {
  const key = (ref: VirtualMachineSnapshotReference) => `${ref.type}/${ref.name}`;
  for (const [snapshot, refs] of children) {
    const had = (snapshot.status?.children ?? []).map(key).sort();
    if (deepEqual(had, refs.map(key).sort())) continue;
    // Go's omitempty: no children, no list.
    const { children: _, ...rest } = snapshot.status ?? {};
    const status = refs.length > 0 ? merged(rest, { children: refs }) : rest;
    kube.direct.updateStatus(merged(snapshot, { status }));
  }
}

/** What a VM's pass needs to take and revert snapshots. */
export interface SnapshotDeps {
  kube: KubeStore;
  vsphere: VSphere;
  /** Runs a vSphere task of the VM; its end requeues the VM. */
  track(key: string, work: Promise<unknown>): void;
  now(): string;
}

/**
 * The revert a VM asks for (`spec.currentSnapshotName`), checked before its status is written:
 * the verdict its condition gets, the error its pass ends with, and the vSphere snapshot to
 * revert to when nothing stops it.
 */
export function revertCheck(
  deps: SnapshotDeps,
  vm: VirtualMachine,
  record: VmRecord,
): { verdict?: Verdict; error?: Error; snapshot?: SnapshotRecord; object?: Snapshot } {
  const name = vm.spec?.currentSnapshotName;
  if (!name) return {};
  if (isClusterApiMachine(vm))
    return {
      verdict: isFalse(REVERT_CONDITION, REVERT_REASON.skipped, 'Skipping snapshot revert for VKS node'),
    };
  const failed = (reason: string, message: string) => ({
    verdict: isFalse(REVERT_CONDITION, reason, message),
    error: new Error(message),
  });
  const namespace = vm.metadata.namespace as string;
  const object = deps.kube.direct.get({ ...VM_SNAPSHOT, namespace, name }) as Snapshot | undefined;
  if (!object)
    return failed(
      REVERT_REASON.failed,
      `failed to get snapshot object ${JSON.stringify(name)}: ${deps.kube.notFoundMessage(VM_SNAPSHOT.apiVersion, VM_SNAPSHOT.kind, name)}`,
    );
  if (!snapshotConditionIsTrue(object, SNAPSHOT_CONDITION.ready))
    return failed(REVERT_REASON.skipped, `skipping revert for not-ready snapshot ${JSON.stringify(name)}`);
  const found = findSnapshot(deps.vsphere, record, name);
  if ('problem' in found)
    return failed(
      REVERT_REASON.failed,
      `failed to find vSphere snapshot ${JSON.stringify(name)}: ${found.problem}`,
    );
  return { snapshot: found.snapshot, object };
}

/**
 * The VM as a revert to `snapshot` leaves it: spec, labels and annotations from the backup the
 * snapshot holds, the snapshot's power state, no revert asked for, an empty status.
 */
export function revertedVm(
  vm: VirtualMachine,
  snapshot: SnapshotRecord,
): VirtualMachine | { problem: string } {
  const encoded = heldBackup(snapshot.config);
  if (typeof encoded !== 'string' || encoded === '') return { problem: 'no VM YAML in snapshot config' };
  const backup = decodedBackup(encoded);
  if (!backup)
    return {
      problem:
        'failed to unmarshal and convert VM from snapshot: the VM YAML in the snapshot is no VirtualMachine',
    };
  const { currentSnapshotName: _, ...spec } = backup.spec ?? {};
  const { [REVERT_IN_PROGRESS_ANNOTATION]: __, ...annotations } = backup.metadata.annotations ?? {};
  const metadata = merged(vm.metadata, { annotations, labels: { ...backup.metadata.labels } });
  return merged(vm, { metadata, spec: { ...spec, powerState: POWER_STATE[snapshot.state] }, status: {} });
}

/**
 * The next snapshot of the VM to take, as vm-operator's reconcile takes them: the oldest not yet
 * created, once the VM owns it; none while one is being deleted, nor for a VKS node. Whether
 * others wait after it.
 */
export function nextSnapshot(
  kube: KubeStore,
  vm: VirtualMachine,
): { snapshot: Snapshot; more: boolean } | undefined {
  if (isClusterApiMachine(vm)) return undefined;
  const pending = snapshotsOfVm(kube, vm.metadata.namespace as string, vm.metadata.name as string).filter(
    (s) => !snapshotConditionIsTrue(s, SNAPSHOT_CONDITION.created),
  );
  const [first] = pending;
  if (!first || first.metadata.deletionTimestamp) return undefined;
  if (!first.metadata.ownerReferences?.some((ref) => ref.uid === vm.metadata.uid)) return undefined;
  const waiting = pending.filter((s) => !s.metadata.deletionTimestamp).length - 1;
  return { snapshot: first, more: waiting > 0 };
}

/** Writes a snapshot's Created condition (and what else its status gains). */
export function markSnapshot(
  deps: SnapshotDeps,
  snapshot: Snapshot,
  created: Parameters<typeof setCondition>[2],
  fields: Partial<NonNullable<VirtualMachineSnapshot['status']>> = {},
): Snapshot {
  const stored =
    (deps.kube.direct.get({
      ...VM_SNAPSHOT,
      namespace: snapshot.metadata.namespace as string,
      name: snapshot.metadata.name as string,
    }) as Snapshot | undefined) ?? snapshot;
  const conditions = setCondition(stored.status?.conditions, SNAPSHOT_CONDITION.created, created, deps.now());
  return deps.kube.direct.updateStatus(
    merged(stored, { status: merged(stored.status ?? {}, fields, { conditions }) }),
  ) as Snapshot;
}

/**
 * Takes the snapshot in vSphere (or finds it taken) and records it in its status: its vSphere id,
 * whether it was quiesced, the power state it holds, Created True; a fault, Created False.
 */
export function takeSnapshot(deps: SnapshotDeps, key: string, record: VmRecord, snapshot: Snapshot): void {
  const name = snapshot.metadata.name as string;
  const done = (taken: SnapshotRecord) =>
    markSnapshot(
      deps,
      snapshot,
      { status: 'True' },
      {
        uniqueID: taken.id,
        quiesced: snapshot.spec?.quiesce !== undefined,
        powerState: POWER_STATE[taken.state],
      },
    );
  // Marked failed, then the VM's pass fails and comes back to take it again.
  const failedWith = (fault: unknown): never => {
    const message = `failed to create snapshot for VM: failed to create snapshot: ${(fault as Error).message ?? String(fault)}`;
    markSnapshot(deps, snapshot, { status: 'False', reason: SNAPSHOT_REASON.creationFailed, message });
    throw new Error(`failed to create snapshot ${JSON.stringify(name)}: ${message}`);
  };
  const found = findSnapshot(deps.vsphere, record, name);
  if ('snapshot' in found) {
    done(found.snapshot);
    return;
  }
  if (found.problem.endsWith('multiple snapshots found')) failedWith(new Error(found.problem));
  const task = deps.vsphere.snapshot.create(record.id, name, {
    description: snapshot.spec?.description ?? '',
    memory: snapshot.spec?.memory ?? false,
    quiesce: snapshot.spec?.quiesce !== undefined,
  });
  const takenOf = (ref: { value: string }) => deps.vsphere.store.get(ref.value) as SnapshotRecord;
  const outcome = task.outcome();
  if (outcome) {
    if (outcome.ok) done(takenOf(outcome.result));
    else failedWith(outcome.fault);
    return;
  }
  deps.track(
    key,
    task.wait().then((ref) => done(takenOf(ref)), failedWith),
  );
}
