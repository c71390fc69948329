/**
 * The CSI syncer's CnsNodeVMBatchAttachment controller (shared disks), as a Supervisor runs it:
 * every claim of one VM, named in `spec.volumes` with where and how its disk goes, the VM found
 * in vSphere by `spec.instanceUUID`.
 *
 * - While the attachment lives: its finalizer `cns.vmware.com`; then the disks to detach (a
 *   claim's disk on the VM that no volume names, or not where or as its volume says, but a disk
 *   attached through a CnsNodeVmAttachment, which that attachment detaches) detached, their
 *   status entries renamed `<name>:detaching` until then, and the claim released; then the
 *   volumes to attach (not on the VM, not where or as named, or without a `VolumeAttached` True
 *   entry) attached at their controller key and unit, in their disk and sharing modes, once a
 *   VirtualMachine of the attachment's name and instance UUID is in its namespace. An attached
 *   claim is marked used by the VM (`cns.vmware.com/usedby-vm-<instance UUID>`) and protected
 *   (`cns.vmware.com/pvc-protection`); released, it loses the mark, and its protection with its
 *   last user. Each volume's entry has its volume id, disk UUID and a `VolumeAttached` (or, for a
 *   detach that failed, `VolumeDetached`) condition.
 * - Once deleted (its VM's deletion deletes it): every claim's disk detached, the claims released,
 *   the finalizer removed; at once when vSphere has no such VM.
 * - Every pass ends with `Ready` True, or False (`Failed`) with what went wrong, and then is tried
 *   again after 1 s, doubling up to 5 minutes.
 */
import {
  attachedDiskId,
  type Device,
  isVimFault,
  type VmRecord,
  type VSphere,
  type VStorageObjectRecord,
} from '@vsim/vsphere';
import type { Condition } from '../../api/types.js';
import { CNS_NODE_VM_ATTACHMENT, CNS_NODE_VM_BATCH_ATTACHMENT, DETACHING_SUFFIX } from '../../cns-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import { writeFinalizer } from '../../runtime/finalizers.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, merged, timestamp, withFinalizer } from '../../store/meta.js';
import { type ConditionState, setCondition } from '../conditions.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import {
  CNS_FINALIZER,
  CNS_PVC_FINALIZER,
  type CnsNodeVmAttachment,
  diskOnVm,
  generationChangedKeys,
  isUsedByAnyVm,
  nodeVm,
  USED_BY_VM_ANNOTATION_PREFIX,
} from './attacher.js';
import { CSI_BACKOFF, type PersistentVolume, type PersistentVolumeClaim } from './provisioner.js';

export const CNS_BATCH_ATTACHMENT_CONTROLLER = 'cnsnodevmbatchattachment-controller';
export const BATCH_CONDITION = {
  ready: 'Ready',
  attached: 'VolumeAttached',
  detached: 'VolumeDetached',
} as const;

const BATCH = CNS_NODE_VM_BATCH_ATTACHMENT;
const PVC = PERSISTENT_VOLUME_CLAIM;
const PV = PERSISTENT_VOLUME;

/** Where and how a disk sits on its VM (CSI's FCDBackingDetails). */
interface DiskPlacement {
  readonly controllerKey: number;
  readonly unitNumber: number;
  readonly diskMode: string;
  readonly sharingMode: string;
}

export interface BatchVolumeSpec {
  name: string;
  persistentVolumeClaim: DiskPlacement & { claimName: string };
}

export interface BatchVolumeStatus {
  name: string;
  persistentVolumeClaim: {
    claimName: string;
    cnsVolumeId?: string;
    diskUUID?: string;
    conditions?: Condition[];
  };
}

export interface CnsNodeVMBatchAttachment extends KubeObject {
  spec?: { instanceUUID?: string; volumes?: BatchVolumeSpec[] };
  status?: { volumes?: BatchVolumeStatus[]; conditions?: Condition[] };
}

/** What the pass found wrong, as the syncer writes it into `Ready`. */
class BatchError extends Error {}

const samePlacement = (a: DiskPlacement, b: DiskPlacement) =>
  a.controllerKey === b.controllerKey &&
  a.unitNumber === b.unitNumber &&
  a.sharingMode === b.sharingMode &&
  a.diskMode === b.diskMode;

const isShared = (claim: PersistentVolumeClaim) =>
  (claim.spec?.accessModes ?? []).some((mode) => mode === 'ReadWriteMany' || mode === 'ReadOnlyMany');

/** The syncer's isConditionFailed: no conditions, or the type False. */
const attachFailed = (entry: BatchVolumeStatus) => {
  const conditions = entry.persistentVolumeClaim.conditions;
  if (!conditions) return true;
  return conditions.find((c) => c.type === BATCH_CONDITION.attached)?.status === 'False';
};

export function startCnsBatchAttachmentController(
  manager: Manager,
  deps: { kube: KubeStore; vsphere: VSphere },
): Controller {
  const { kube, vsphere } = deps;
  const now = () => timestamp(vsphere.clock.now());

  const claimOf = (namespace: string, name: string) =>
    kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined;

  /** The volume a claim is bound to (the syncer's GetVolumeIDFromPVCName). */
  const volumeIdOf = (namespace: string, claimName: string): string | undefined => {
    const volumeName = claimOf(namespace, claimName)?.spec?.volumeName;
    if (!volumeName) return undefined;
    return (kube.direct.get({ ...PV, name: volumeName }) as PersistentVolume | undefined)?.spec?.csi
      ?.volumeHandle;
  };

  /** The claim each volume id is bound to, of every PersistentVolume (GetPVCNameFromCSIVolumeID). */
  const claimsByVolumeId = () => {
    const claims = new Map<string, { namespace: string; name: string }>();
    for (const pv of kube.direct.list(PV.apiVersion, PV.kind) as PersistentVolume[]) {
      const handle = pv.spec?.csi?.volumeHandle;
      const ref = pv.spec?.claimRef;
      if (handle && ref?.name) claims.set(handle, { namespace: ref.namespace ?? '', name: ref.name });
    }
    return claims;
  };

  /** The VM's disks that are claims' volumes, by volume id, where and how each sits (listAttachedFcdsForVM). */
  const claimDisksOf = (vm: VmRecord, claims: ReadonlyMap<string, unknown>) => {
    const disks = new Map<string, DiskPlacement>();
    for (const device of (vsphere.store.get(vm.id) as VmRecord | undefined)?.config.devices ?? []) {
      const id = device._type === 'VirtualDisk' ? attachedDiskId(device) : undefined;
      if (id === undefined || !claims.has(id)) continue;
      disks.set(id, placementOf(device));
    }
    return disks;
  };

  const placementOf = (device: Device): DiskPlacement => {
    const backing = device.backing as { diskMode?: string; sharing?: string } | undefined;
    return {
      controllerKey: device.controllerKey ?? 0,
      unitNumber: device.unitNumber ?? -1,
      diskMode: backing?.diskMode ?? '',
      sharingMode: backing?.sharing ?? '',
    };
  };

  /** The claim marked used by the VM and protected (addPvcFinalizer). */
  const protectClaim = (namespace: string, claimName: string, instanceUuid: string) => {
    const claim = claimOf(namespace, claimName);
    if (!claim) throw new BatchError(`failed to find the PVC object`);
    const key = USED_BY_VM_ANNOTATION_PREFIX + instanceUuid;
    const annotated =
      claim.metadata.annotations?.[key] === undefined
        ? merged(claim, {
            metadata: merged(claim.metadata, { annotations: { ...claim.metadata.annotations, [key]: '' } }),
          })
        : claim;
    const next = withFinalizer(annotated, CNS_PVC_FINALIZER, true) ?? annotated;
    if (next !== claim) kube.direct.update(next);
  };

  /**
   * The VM's mark taken off the claim, and its protection with the last user's, unless a
   * CnsNodeVmAttachment still has it (removePvcFinalizer). A claim gone is released.
   */
  const releaseClaim = (namespace: string, claimName: string, instanceUuid: string) => {
    const claim = claimOf(namespace, claimName);
    if (!claim) return;
    const key = USED_BY_VM_ANNOTATION_PREFIX + instanceUuid;
    let current: KubeObject = claim;
    if (claim.metadata.annotations?.[key] !== undefined) {
      const { [key]: _, ...annotations } = claim.metadata.annotations;
      current = kube.direct.update(merged(claim, { metadata: merged(claim.metadata, { annotations }) }));
    }
    if (isUsedByAnyVm(current)) return;
    const legacy = kube.direct
      .list(CNS_NODE_VM_ATTACHMENT.apiVersion, CNS_NODE_VM_ATTACHMENT.kind, namespace)
      .some((a) => (a as CnsNodeVmAttachment).spec?.volumename === claimName);
    if (legacy) return;
    writeFinalizer(kube, current, CNS_PVC_FINALIZER, false);
  };

  /** A volume's entry given its outcome (updateInstanceVolumeStatus): by volume name, else by claim. */
  const recordVolume = (
    entries: BatchVolumeStatus[],
    at: { volumeName?: string; claimName: string },
    outcome: {
      volumeId?: string;
      diskUuid?: string;
      condition: string;
      error?: { reason: string; message: string };
    },
  ) => {
    const state: ConditionState = outcome.error
      ? { status: 'False', reason: outcome.error.reason, message: outcome.error.message }
      : { status: 'True' };
    const index = entries.findIndex((e) =>
      at.volumeName ? e.name === at.volumeName : e.persistentVolumeClaim.claimName === at.claimName,
    );
    if (index < 0 && !at.volumeName) return;
    const before = index < 0 ? undefined : entries[index];
    const claim = before?.persistentVolumeClaim;
    // An id or UUID learnt is kept; an outcome without one keeps the last.
    const cnsVolumeId = outcome.volumeId || claim?.cnsVolumeId;
    const diskUUID = outcome.diskUuid || claim?.diskUUID;
    const entry: BatchVolumeStatus = {
      name: before?.name ?? (at.volumeName as string),
      persistentVolumeClaim: {
        claimName: at.claimName,
        ...(cnsVolumeId ? { cnsVolumeId } : {}),
        ...(diskUUID ? { diskUUID } : {}),
        conditions: setCondition(claim?.conditions, outcome.condition, state, now()),
      },
    };
    if (index < 0) entries.push(entry);
    else entries[index] = entry;
  };

  /** Detaches each claim's disk; the claims whose detach failed. */
  const detachAll = async (
    vm: VmRecord,
    instance: CnsNodeVMBatchAttachment,
    entries: BatchVolumeStatus[],
    toDetach: ReadonlyMap<string, string>,
  ): Promise<string[]> => {
    const namespace = instance.metadata.namespace as string;
    const uuid = instance.spec?.instanceUUID ?? '';
    const failed: string[] = [];
    for (const [claimName, volumeId] of toDetach) {
      try {
        await vsphere.disks.detach(vm.id, volumeId).wait();
      } catch (fault) {
        if (!isVimFault(fault)) throw fault;
        // CNS counts a VM gone, or a disk no longer on it, as detached.
        const missing = fault.fault as { _type: string; obj?: { value?: string } };
        const gone =
          (missing._type === 'ManagedObjectNotFound' && missing.obj?.value === vm.id) ||
          (missing._type === 'NotFound' && diskUuidOn(vm, volumeId) === '');
        if (!gone) {
          const message = `failed to detach cns volume: "${volumeId}", Error: ${fault.message},`;
          recordVolume(
            entries,
            { claimName },
            { condition: BATCH_CONDITION.detached, error: { reason: 'DetachFailed', message } },
          );
          failed.push(claimName);
          continue;
        }
      }
      releaseClaim(namespace, claimName, uuid);
      dropEntriesOf(entries, claimName);
    }
    return failed;
  };

  const dropEntriesOf = (entries: BatchVolumeStatus[], claimName: string) => {
    for (let i = entries.length - 1; i >= 0; i--)
      if ((entries[i] as BatchVolumeStatus).persistentVolumeClaim.claimName === claimName)
        entries.splice(i, 1);
  };

  /** Attaches the volumes in the order of the spec (one CNS attach of them all); an error if any failed. */
  const attachAll = async (
    vm: VmRecord,
    instance: CnsNodeVMBatchAttachment,
    entries: BatchVolumeStatus[],
    toAttach: ReadonlyMap<string, string>,
  ): Promise<string | undefined> => {
    const volumes = instance.spec?.volumes ?? [];
    if (volumes.length === 0 || toAttach.size === 0) return undefined;
    const namespace = instance.metadata.namespace as string;
    const uuid = instance.spec?.instanceUUID ?? '';
    const owner = kube.direct.get({
      apiVersion: VM_OPERATOR_API_VERSION,
      kind: 'VirtualMachine',
      namespace,
      name: instance.metadata.name as string,
    });
    if ((owner?.status as { instanceUUID?: string } | undefined)?.instanceUUID !== uuid)
      throw new BatchError(`failed to find VM with instance UUID ${uuid} in namespace ${namespace}`);
    // CNS is asked once for them all, each claim found first (constructBatchAttachRequest).
    for (const volume of volumes) {
      const { claimName } = volume.persistentVolumeClaim;
      if (toAttach.has(claimName) && !claimOf(namespace, claimName))
        throw new BatchError('failed to find the PVC object');
    }
    const failed: string[] = [];
    const unprotected: string[] = [];
    for (const volume of volumes) {
      const { claimName, controllerKey, unitNumber, diskMode, sharingMode } = volume.persistentVolumeClaim;
      const volumeId = toAttach.get(claimName);
      if (volumeId === undefined) continue;
      const disk = vsphere.store.get(volumeId) as VStorageObjectRecord | undefined;
      let error: string | undefined;
      try {
        if (disk?.kind !== 'VStorageObject')
          throw new BatchError(`The object or item referred to could not be found: disk ${volumeId}.`);
        // A disk already where and as asked (a pass failed after its attach) is attached.
        const on = diskOnVm(vsphere, vm.id, volumeId);
        if (!on || !samePlacement(placementOf(on), volume.persistentVolumeClaim))
          await vsphere.disks
            .attach(vm.id, volumeId, disk.datastore, controllerKey, unitNumber, {
              diskMode,
              sharing: sharingMode,
            })
            .wait();
      } catch (fault) {
        if (!isVimFault(fault) && !(fault instanceof BatchError)) throw fault;
        error = `failed to attach cns volume: "${volumeId}" Error: ${fault.message}`;
        failed.push(volumeId);
      }
      if (error === undefined)
        try {
          protectClaim(namespace, claimName, uuid);
        } catch (problem) {
          if (!(problem instanceof BatchError)) throw problem;
          error = problem.message;
          unprotected.push(claimName);
        }
      recordVolume(
        entries,
        { volumeName: volume.name, claimName },
        error
          ? {
              volumeId,
              condition: BATCH_CONDITION.attached,
              error: { reason: 'AttachFailed', message: error },
            }
          : { volumeId, diskUuid: diskUuidOn(vm, volumeId), condition: BATCH_CONDITION.attached },
      );
    }
    // As the driver joins them: the attach's error, then each claim it could not protect.
    const problems = [
      ...(failed.length > 0 ? [`failed to attach volumes: ${failed.join(',')}`] : []),
      ...unprotected.map((claimName) => `failure during attach of PVC ${claimName}`),
    ];
    return problems.length === 0 ? undefined : problems.join('\n');
  };

  const diskUuidOn = (vm: VmRecord, volumeId: string) =>
    (diskOnVm(vsphere, vm.id, volumeId)?.backing as { uuid?: string } | undefined)?.uuid ?? '';

  /** The disks to detach, by claim (getVolumesToDetachFromInstance). */
  const disksToDetach = (
    disks: ReadonlyMap<string, DiskPlacement>,
    wanted: ReadonlyMap<string, DiskPlacement>,
    claims: ReadonlyMap<string, { namespace: string; name: string }>,
  ) => {
    const out = new Map<string, string>();
    for (const [volumeId, placement] of disks) {
      const ref = claims.get(volumeId);
      const claim = ref && claimOf(ref.namespace, ref.name);
      if (!ref || !claim)
        throw new BatchError(
          `failed to find PVC obj for PVC name ${ref?.name ?? ''} in namespace ${ref?.namespace ?? ''}`,
        );
      const spec = wanted.get(volumeId);
      if (spec && samePlacement(spec, placement)) continue;
      // Attached through a CnsNodeVmAttachment: that attachment detaches it.
      if (!isShared(claim) && !isUsedByAnyVm(claim) && claim.metadata.finalizers?.includes(CNS_PVC_FINALIZER))
        continue;
      out.set(ref.name, volumeId);
    }
    return out;
  };

  /** The volumes to attach, by claim (getVolumesToAttach). */
  const volumesToAttach = (
    instance: CnsNodeVMBatchAttachment,
    entries: readonly BatchVolumeStatus[],
    disks: ReadonlyMap<string, DiskPlacement>,
    volumeIds: ReadonlyMap<string, string>,
  ) => {
    const failedByClaim = new Map<string, boolean>();
    for (const entry of entries)
      failedByClaim.set(entry.persistentVolumeClaim.claimName, attachFailed(entry));
    const out = new Map<string, string>();
    for (const volume of instance.spec?.volumes ?? []) {
      const { claimName } = volume.persistentVolumeClaim;
      const volumeId = volumeIds.get(claimName) as string;
      const on = disks.get(volumeId);
      if (!on || !samePlacement(on, volume.persistentVolumeClaim) || failedByClaim.get(claimName) !== false)
        out.set(claimName, volumeId);
    }
    return out;
  };

  const writeStatus = (
    key: { namespace: string; name: string },
    status: CnsNodeVMBatchAttachment['status'],
  ) => {
    const latest = kube.direct.get({ ...BATCH, ...key }) as CnsNodeVMBatchAttachment | undefined;
    if (!latest || deepEqual(latest.status ?? {}, status)) return;
    kube.direct.updateStatus(merged(latest, { status }));
  };

  /** One pass; what went wrong, if anything. */
  const pass = async (
    instance: CnsNodeVMBatchAttachment,
    entries: BatchVolumeStatus[],
  ): Promise<string | undefined> => {
    const namespace = instance.metadata.namespace as string;
    const uuid = instance.spec?.instanceUUID ?? '';
    const deleting = instance.metadata.deletionTimestamp !== undefined;
    const vm = nodeVm(vsphere, uuid, true);
    if (!vm && !deleting)
      throw new BatchError(
        `virtual Machine with UUID ${uuid} on vCenter does not exist. Vm is CR is deleted or is being deleted butCnsNodeVMBatchAttachmentInstance ${instance.metadata.name} is not being deleted`,
      );
    const claims = claimsByVolumeId();
    const disks = vm ? claimDisksOf(vm, claims) : new Map<string, DiskPlacement>();
    if (deleting) {
      if (vm) {
        const all = new Map<string, string>();
        for (const volumeId of disks.keys())
          all.set((claims.get(volumeId) as { name: string }).name, volumeId);
        const failed = await detachAll(vm, instance, entries, all);
        if (failed.length > 0) return `failed to detach volumes: ${failed.join(',')}`;
      }
      releaseTracked(instance, entries);
      writeFinalizer(kube, instance, CNS_FINALIZER, false);
      return undefined;
    }
    const wanted = new Map<string, DiskPlacement>();
    const volumeIds = new Map<string, string>();
    const names = new Set<string>();
    for (const volume of instance.spec?.volumes ?? []) {
      const { claimName } = volume.persistentVolumeClaim;
      const volumeId = volumeIdOf(namespace, claimName);
      if (volumeId === undefined) throw new BatchError(`failed to find volumeID for PVC ${claimName}`);
      wanted.set(volumeId, volume.persistentVolumeClaim);
      volumeIds.set(claimName, volumeId);
      names.add(volume.name);
    }
    const toDetach = vm ? disksToDetach(disks, wanted, claims) : new Map<string, string>();
    for (const entry of entries)
      if (toDetach.has(entry.persistentVolumeClaim.claimName) && !entry.name.endsWith(DETACHING_SUFFIX))
        entry.name += DETACHING_SUFFIX;
    // Entries no volume names any more, whose disk is off the VM: their claims released.
    for (const entry of [...entries]) {
      const claimName = entry.persistentVolumeClaim.claimName;
      if (names.has(entry.name) || toDetach.has(claimName)) continue;
      releaseClaim(namespace, claimName, uuid);
      dropEntriesOf(entries, claimName);
    }
    const toAttach = volumesToAttach(instance, entries, disks, volumeIds);
    writeFinalizer(kube, instance, CNS_FINALIZER, true);
    const vmNow = vm as VmRecord;
    const failed = toDetach.size > 0 ? await detachAll(vmNow, instance, entries, toDetach) : [];
    const attachError = await attachAll(vmNow, instance, entries, toAttach);
    const problems = [
      attachError,
      failed.length > 0 ? `failed to detach volumes: ${failed.join(',')}` : undefined,
    ];
    const problem = problems.filter((p) => p !== undefined).join('\n');
    return problem === '' ? undefined : problem;
  };

  /** Every claim the attachment names or lists released (removePvcProtectionFinalizersForTrackedPVCs). */
  const releaseTracked = (instance: CnsNodeVMBatchAttachment, entries: BatchVolumeStatus[]) => {
    const tracked = new Map<string, string>();
    for (const volume of instance.spec?.volumes ?? [])
      tracked.set(volume.persistentVolumeClaim.claimName, volume.name);
    for (const entry of entries) tracked.set(entry.persistentVolumeClaim.claimName, entry.name);
    for (const [claimName, volumeName] of tracked) {
      releaseClaim(instance.metadata.namespace as string, claimName, instance.spec?.instanceUUID ?? '');
      recordVolume(entries, { volumeName, claimName }, { condition: BATCH_CONDITION.detached });
    }
  };

  const reconcile = async (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    const instance = kube.direct.get({ ...BATCH, namespace, name }) as CnsNodeVMBatchAttachment | undefined;
    if (!instance) return undefined;
    const entries = (instance.status?.volumes ?? []).map((e) => ({ ...e }));
    let problem: string | undefined;
    try {
      problem = await pass(instance, entries);
    } catch (error) {
      if (!(error instanceof BatchError)) throw error;
      problem = error.message;
    }
    const ready: ConditionState = problem
      ? { status: 'False', reason: 'Failed', message: problem }
      : { status: 'True' };
    writeStatus(
      { namespace, name },
      {
        ...(entries.length > 0 ? { volumes: entries } : {}),
        conditions: setCondition(instance.status?.conditions, BATCH_CONDITION.ready, ready, now()),
      },
    );
    return problem ? { requeue: true } : undefined;
  };

  const controller = manager.controller({ name: CNS_BATCH_ATTACHMENT_CONTROLLER, reconcile, ...CSI_BACKOFF });
  controller.watches(kube, BATCH, generationChangedKeys);
  return controller;
}
