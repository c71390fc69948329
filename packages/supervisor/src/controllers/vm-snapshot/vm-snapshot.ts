/**
 * vm-operator's VirtualMachineSnapshot controller. The VirtualMachine controller takes the
 * snapshot in vSphere (see virtualmachine/snapshots.ts); this one keeps the object's books:
 *
 * - the finalizer first, then the VM's name label and the VM as an owner (so the snapshot goes
 *   with its VM), and `status.storage.requested`: per storage class, the VM's memory for a
 *   memory snapshot, its classic disks and its claims' sizes;
 * - once the snapshot is created, the CSI driver asked to sync its volumes (annotation
 *   `csi.vsphere.volume.sync: requested`, `VirtualMachineSnapshotCSISynced` False until the
 *   driver answers `completed`), and `status.storage.used`: what its files take in vSphere;
 * - `VirtualMachineSnapshotReady` True once created and synced, else False with why;
 * - deleted: the vSphere snapshot removed (its children move up to its parent), the VM's
 *   snapshot status synced, the finalizer dropped (at once when the VM or its vSphere VM is gone).
 *
 * Its errors are vm-operator's messages, and a failed pass is retried with backoff.
 */
import type { VmRecord, VSphere } from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineStatus } from '../../api/types.js';
import { VM_NAME_FOR_SNAPSHOT_LABEL } from '../../api/vm-snapshot-validation.js';
import type { Controller, ReconcileOutcome } from '../../runtime/controller.js';
import { writeFinalizer } from '../../runtime/finalizers.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  deepEqual,
  type KubeObject,
  merged,
  timestamp,
  withFinalizer,
  withOwnerReference,
} from '../../store/meta.js';
import { bytesQuantity, sumOfQuantities } from '../../store/quantity.js';
import { type ConditionState, setCondition } from '../conditions.js';
import type { PersistentVolumeClaim } from '../csi/provisioner.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import {
  applySnapshotTree,
  findSnapshot,
  MULTIPLE_SNAPSHOTS,
  SNAPSHOT_CONDITION,
  SNAPSHOT_REASON,
  type Snapshot,
  snapshotConditionIsTrue,
  snapshotSizes,
  VM_SNAPSHOT,
  writeSnapshotChildren,
} from '../virtualmachine/snapshots.js';

export const VM_SNAPSHOT_CONTROLLER = 'virtualmachinesnapshot-controller';
export const VM_SNAPSHOT_FINALIZER = 'vmoperator.vmware.com/virtualmachinesnapshot';
/** The annotation by which vm-operator and the CSI driver hand a snapshot's volume sync over. */
export const CSI_VOLUME_SYNC_ANNOTATION = 'csi.vsphere.volume.sync';
export const CSI_SYNC_REQUESTED = 'requested';
export const CSI_SYNC_COMPLETED = 'completed';

const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;

type Status = NonNullable<Snapshot['status']>;
type Requested = NonNullable<NonNullable<Status['storage']>['requested']>;

export interface VirtualMachineSnapshotControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
}

/** vm-operator's Ready: created and synced, else what it waits for. */
function readyState(status: Status): ConditionState {
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const created = condition(SNAPSHOT_CONDITION.created);
  if (created?.status !== 'True')
    return {
      status: 'False',
      reason: SNAPSHOT_REASON.waitingForCreation,
      message: "Snapshot is not ready because it doesn't have created condition",
    };
  if (condition(SNAPSHOT_CONDITION.csiSynced)?.status !== 'True')
    return {
      status: 'False',
      reason: SNAPSHOT_REASON.waitingForCsiSync,
      message: "Snapshot is not ready because CSI volume sync hasn't been completed",
    };
  return { status: 'True' };
}

export function startVirtualMachineSnapshotController(
  manager: Manager,
  { kube, vsphere }: VirtualMachineSnapshotControllerDeps,
): Controller {
  const now = () => timestamp(vsphere.clock.now());
  /** Snapshots whose vSphere removal runs; its end requeues them. */
  const removing = new Set<string>();

  const vmOf = (snapshot: Snapshot) =>
    kube.direct.get({
      ...VM,
      namespace: snapshot.metadata.namespace as string,
      name: snapshot.spec?.vmName as string,
    }) as unknown as (VirtualMachine & KubeObject) | undefined;

  const vsphereVmOf = (vm: VirtualMachine): VmRecord | undefined => {
    const record = vsphere.store.get(vm.status?.uniqueID ?? '');
    return record?.kind === 'VirtualMachine' ? (record as VmRecord) : undefined;
  };

  const vmNotFound = (snapshot: Snapshot) => {
    const where = `${snapshot.metadata.namespace}/${snapshot.spec?.vmName}`;
    const message = kube.notFoundMessage(VM.apiVersion, VM.kind, snapshot.spec?.vmName as string);
    return new Error(`failed to get VirtualMachine ${JSON.stringify(where)}: ${message}`);
  };

  /**
   * vm-operator's requested capacity per storage class, each total in the format of the first
   * quantity added to it; an error's message when it cannot tell.
   */
  const requestedStorage = (snapshot: Snapshot, vm: VirtualMachine): Requested | string => {
    const totals = new Map<string, string[]>();
    const add = (storageClass: string, quantity: string) =>
      totals.set(storageClass, [...(totals.get(storageClass) ?? []), quantity]);
    const vmClass = vm.spec?.storageClass ?? '';
    if (snapshot.spec?.memory) {
      const memory = vm.status?.hardware?.memory?.total;
      if (!memory)
        return 'failed to calculate reserved storage capacity for snapshot since VM does not have memory usage set';
      add(vmClass, memory);
    }
    const claims = new Map((vm.spec?.volumes ?? []).map((v) => [v.name, v.persistentVolumeClaim]));
    for (const volume of vm.status?.volumes ?? []) {
      if (volume.type === 'Classic') {
        if (!volume.requested) return 'requested is not set for classic disk';
        add(vmClass, volume.requested);
        continue;
      }
      const claim = claims.get(volume.name);
      if (!claim) continue;
      if (claim.instanceVolumeClaim) {
        add(claim.instanceVolumeClaim.storageClass, claim.instanceVolumeClaim.size);
        continue;
      }
      const pvc = kube.direct.get({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: snapshot.metadata.namespace as string,
        name: claim.claimName,
      }) as unknown as PersistentVolumeClaim | undefined;
      if (!pvc)
        return `failed to get pvc ${claim.claimName} for volume ${volume.name}: ${kube.notFoundMessage('v1', 'PersistentVolumeClaim', claim.claimName)}`;
      const storageClass = pvc.spec?.storageClassName;
      if (!storageClass) return `storage class is not set for pvc ${claim.claimName}`;
      const size = pvc.spec?.resources?.requests?.storage;
      if (!size) return `requests is not set for pvc ${claim.claimName}`;
      add(storageClass, size);
    }
    return [...totals].map(([storageClass, quantities]) => ({
      storageClass,
      total: sumOfQuantities(quantities),
    }));
  };

  /** Writes the snapshot's metadata and status where they changed, with Ready worked out (but while it is deleted). */
  const save = (stored: Snapshot, next: Snapshot) => {
    let status = next.status ?? {};
    if (!next.metadata.deletionTimestamp) {
      const conditions = setCondition(status.conditions, SNAPSHOT_CONDITION.ready, readyState(status), now());
      status = merged(status, { conditions });
    }
    let current = stored;
    if (!deepEqual(stored.metadata, next.metadata)) current = kube.direct.update(next) as Snapshot;
    if (!deepEqual(stored.status ?? {}, status)) kube.direct.updateStatus(merged(current, { status }));
  };

  const reconcileNormal = (snapshot: Snapshot): { next: Snapshot; error?: Error } => {
    const finalized = withFinalizer(snapshot, VM_SNAPSHOT_FINALIZER, true);
    if (finalized) return { next: finalized };
    const vmName = snapshot.spec?.vmName;
    if (!vmName) return { next: snapshot, error: new Error('vmName is required') };
    const labels = merged(snapshot.metadata.labels ?? {}, { [VM_NAME_FOR_SNAPSHOT_LABEL]: vmName });
    let next: Snapshot = merged(snapshot, { metadata: merged(snapshot.metadata, { labels }) });
    const vm = vmOf(snapshot);
    if (!vm) return { next, error: vmNotFound(snapshot) };
    // controllerutil.SetOwnerReference: the VM as an owner, not the controller.
    const owner = { apiVersion: VM.apiVersion, kind: VM.kind, name: vmName, uid: vm.metadata.uid ?? '' };
    const ownerReferences = withOwnerReference(next.metadata.ownerReferences ?? [], owner);
    next = merged(next, { metadata: merged(next.metadata, { ownerReferences }) });
    if (!vm.status?.uniqueID) return { next, error: new Error("VM hasn't been created and has no uniqueID") };
    let status: Status = next.status ?? {};
    if (!status.storage?.requested) {
      const requested = requestedStorage(snapshot, vm);
      if (typeof requested === 'string')
        return {
          next: merged(next, { status: merged(status, { storage: status.storage ?? {} }) }),
          error: new Error(`failed to calculate requested capacity for snapshot: ${requested}`),
        };
      status = merged(status, { storage: merged(status.storage ?? {}, { requested }) });
    }
    next = merged(next, { status });
    if (!snapshotConditionIsTrue(next, SNAPSHOT_CONDITION.created)) return { next };
    const annotations = next.metadata.annotations ?? {};
    const synced = annotations[CSI_VOLUME_SYNC_ANNOTATION] === CSI_SYNC_COMPLETED;
    if (!synced)
      next = merged(next, {
        metadata: merged(next.metadata, {
          annotations: merged(annotations, { [CSI_VOLUME_SYNC_ANNOTATION]: CSI_SYNC_REQUESTED }),
        }),
      });
    const record = vsphereVmOf(vm);
    const found = record ? findSnapshot(vsphere, record, snapshot.metadata.name as string) : undefined;
    const missing = !record || !found || 'problem' in found;
    // True once the sync completed and the snapshot's size is read, as vm-operator marks it only then.
    const csiState: ConditionState =
      synced && !missing
        ? { status: 'True' }
        : {
            status: 'False',
            reason: SNAPSHOT_REASON.csiSyncInProgress,
            message: 'Sync CSI volume requested',
          };
    status = merged(status, {
      conditions: setCondition(status.conditions, SNAPSHOT_CONDITION.csiSynced, csiState, now()),
    });
    if (missing)
      return {
        next: merged(next, { status }),
        error: new Error(
          `failed to get snapshot size: failed to find snapshot ${JSON.stringify(snapshot.metadata.name)}: ${found && 'problem' in found ? found.problem : 'no vSphere VM'}`,
        ),
      };
    const used = bytesQuantity(snapshotSizes(vsphere, record).get(found.snapshot.id)?.total ?? 0);
    status = merged(status, { storage: merged(status.storage ?? {}, { used }) });
    return { next: merged(next, { status }) };
  };

  /** The VM's snapshot status as vSphere's tree now says, and its snapshots' children. */
  const syncVmSnapshotStatus = (vm: VirtualMachine & KubeObject, record: VmRecord) => {
    const status: VirtualMachineStatus = merged(vm.status ?? {});
    const children = applySnapshotTree(kube, vsphere, record, vm.metadata.namespace as string, status);
    if (!deepEqual(vm.status ?? {}, status))
      kube.direct.updateStatus(merged(vm, { status }) as unknown as KubeObject);
    writeSnapshotChildren(kube, children);
  };

  const reconcileDelete = (key: string, snapshot: Snapshot): ReconcileOutcome => {
    if (!snapshot.metadata.finalizers?.includes(VM_SNAPSHOT_FINALIZER)) return undefined;
    if (!snapshot.spec?.vmName) return undefined;
    if (removing.has(key)) return { awaiting: true };
    const release = () => {
      writeFinalizer(kube, snapshot, VM_SNAPSHOT_FINALIZER, false);
      return undefined;
    };
    const vm = vmOf(snapshot);
    const record = vm && vsphereVmOf(vm);
    if (!vm || !record) return release();
    const found = findSnapshot(vsphere, record, snapshot.metadata.name as string);
    // Gone from vSphere, it lets go; a name of several snapshots is an error to retry, as
    // vm-operator's DeleteSnapshot takes only govmomi's not-found errors for gone.
    if ('problem' in found && found.problem.endsWith(MULTIPLE_SNAPSHOTS))
      throw new Error(`failed to delete snapshot: failed to delete snapshot: ${found.problem}`);
    if ('snapshot' in found) {
      const task = vsphere.snapshot.remove(found.snapshot.id, false);
      const outcome = task.outcome();
      if (!outcome) {
        removing.add(key);
        task
          .wait()
          .catch(() => undefined)
          .finally(() => {
            removing.delete(key);
            controller.enqueue(key);
          });
        return { awaiting: true };
      }
      if (!outcome.ok)
        throw new Error(
          `failed to delete snapshot: failed to delete snapshot: ${(outcome.fault as Error).message}`,
        );
    }
    syncVmSnapshotStatus(vm, vsphere.store.get(record.id) as VmRecord);
    return release();
  };

  const reconcile = (key: string): ReconcileOutcome => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const snapshot = kube.direct.get({ ...VM_SNAPSHOT, namespace, name }) as Snapshot | undefined;
    if (!snapshot) return undefined;
    if (snapshot.metadata.deletionTimestamp) return reconcileDelete(key, snapshot);
    const { next, error } = reconcileNormal(snapshot);
    save(snapshot, next);
    if (error) throw error;
    return undefined;
  };

  const controller = manager.controller({ name: VM_SNAPSHOT_CONTROLLER, reconcile });
  controller.watches(kube, VM_SNAPSHOT);
  return controller;
}
