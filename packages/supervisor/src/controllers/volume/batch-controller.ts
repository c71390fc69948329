/**
 * vm-operator's volume batch controller, which a Supervisor with VMSharedDisks runs in place of
 * the volume controller: a VM's claims become the volumes of one CnsNodeVMBatchAttachment, named
 * after the VM and owned by it, each with the device key of the controller its volume names,
 * its unit, disk mode and sharing, so that the CSI driver attaches each disk where the spec
 * places it; their state becomes the VM's `Managed` entries of `status.volumes`.
 *
 * - Nothing happens before the VM has an instance UUID (the batch attachment names it) and a BIOS
 *   UUID. Then every VM has its batch attachment, without volumes when it has no claims.
 * - Claims attached through CnsNodeVmAttachments before stay with them; those attachments no
 *   volume asks for any more are deleted, as the volume controller deletes them.
 * - A volume joins the batch once its claim is bound (a claim of a `WaitForFirstConsumer` class
 *   first gets the VM's zone); one in the batch stays while its volume names the same claim.
 * - A volume whose controller the VM does not have yet (`status.hardware.controllers`) leaves the
 *   batch as it was, without a requeue: the VM's status, once the controller is there, brings the
 *   VM back. So does a volume without a controller bus, or with modes CNS does not know, until its
 *   spec is mended.
 * - The first batch with volumes needs hardware version 15 or later.
 * - A volume's entry is a placeholder until the batch's status has it, then its attached state,
 *   disk UUID and errors (from its conditions), with the claim's request and limit; one the batch
 *   has and the spec no longer names is listed as `<name>:detaching`; none is made for a volume
 *   where the VM has a Classic disk.
 * Entries are sorted by disk UUID, as vm-operator sorts them.
 */
import type {
  VirtualMachine,
  VirtualMachineVolumeStatus,
  VolumeDiskMode,
  VolumeSharingMode,
} from '../../api/types.js';
import { CNS_NODE_VM_ATTACHMENT, CNS_NODE_VM_BATCH_ATTACHMENT, DETACHING_SUFFIX } from '../../cns-kinds.js';
import { type Controller, TerminalError } from '../../runtime/controller.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import { controllerOf, controllerReference, deepEqual, merged } from '../../store/meta.js';
import type { CnsNodeVmAttachment } from '../csi/attacher.js';
import {
  BATCH_CONDITION,
  type BatchVolumeSpec,
  type BatchVolumeStatus,
  type CnsNodeVMBatchAttachment,
} from '../csi/batch-attacher.js';
import type { PersistentVolumeClaim } from '../csi/provisioner.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import {
  type ClaimVolume,
  claimVolumes,
  targetId,
  VSPHERE_DISK_MODES,
  VSPHERE_DISK_SHARING,
} from '../virtualmachine/volumes.js';
import {
  claimReader,
  deleteLegacyAttachments,
  hardwareVersionProblem,
  hasVolumeWork,
  keepingDiskFacts,
  legacyAttachmentOf,
  legacyAttachmentsOf,
  legacyAttachmentsToDelete,
  legacyDetaching,
  managedEntries,
  ownerVmKeyOf,
  sanitizeCnsError,
  vmKeyOf,
  writeManagedEntries,
} from './entries.js';
import { type VolumeControllerDeps, volumeVmReader } from './instance-storage.js';

export const VOLUME_BATCH_CONTROLLER = 'volumebatch-controller';

const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;
const BATCH = CNS_NODE_VM_BATCH_ATTACHMENT;
const PVC = PERSISTENT_VOLUME_CLAIM;

/** A problem of the pass; one that waits for the spec or the VM to change asks for no requeue. */
class VolumeError extends Error {
  constructor(
    message: string,
    readonly requeue = true,
  ) {
    super(message);
  }
}

/** How Go's `%q` prints an integer: as a quoted character (a bus number 1 is `'\x01'`). */
const goQuotedRune = (n: number): string =>
  n >= 0x20 && n < 0x7f
    ? `'${String.fromCharCode(n).replace(/['\\]/g, '\\$&')}'`
    : `'\\x${n.toString(16).padStart(2, '0')}'`;

const buildError = (message: string) => new VolumeError(`failed to build volume specs: ${message}`, false);

/** The batch's volume for a VM volume (buildVolumeSpecs), its controller's key found by type and bus. */
function batchVolumeOf(volume: ClaimVolume, controllerKeys: ReadonlyMap<string, number>): BatchVolumeSpec {
  const bus = volume.controllerBusNumber;
  if (bus === undefined)
    throw buildError(`volume ${JSON.stringify(volume.name)} is missing controller bus number`);
  const type = volume.controllerType ?? '';
  const controllerKey = controllerKeys.get(`${type}:${bus}`);
  if (controllerKey === undefined)
    throw buildError(
      `waiting for the device controller ${JSON.stringify(type)} ${goQuotedRune(bus)} to be created for volume ${JSON.stringify(volume.name)}`,
    );
  const application = volume.applicationType ?? '';
  if (application !== '' && application !== 'OracleRAC' && application !== 'MicrosoftWSFC')
    throw buildError(
      `failed to apply application type presets for volume ${volume.name}: unsupported application type: ${application}`,
    );
  // The modes the spec has (the webhook gives every volume both) win over its application's presets.
  const diskMode = VSPHERE_DISK_MODES.get(volume.diskMode as VolumeDiskMode);
  if (!diskMode)
    throw buildError(
      `failed to get CNS disk mode for volume ${volume.name}: unsupported disk mode: ${volume.diskMode ?? ''}`,
    );
  const sharingMode = VSPHERE_DISK_SHARING.get(volume.sharingMode as VolumeSharingMode);
  if (!sharingMode)
    throw buildError(
      `failed to get CNS sharing mode for volume ${volume.name}: unsupported sharing mode: ${volume.sharingMode ?? ''}`,
    );
  return {
    name: volume.name,
    persistentVolumeClaim: {
      claimName: volume.persistentVolumeClaim.claimName,
      controllerKey,
      // The webhook places every volume it gives a bus; the CRD needs a unit.
      unitNumber: volume.unitNumber as number,
      diskMode,
      sharingMode,
    },
  };
}

/** A batch entry's state as the VM's entry shows it: attached once `VolumeAttached` is True, its failures as the error. */
function entryOf(name: string, status: BatchVolumeStatus) {
  const entry: VirtualMachineVolumeStatus = { name, type: 'Managed' };
  const messages: string[] = [];
  for (const condition of status.persistentVolumeClaim.conditions ?? []) {
    const failedAttach = condition.type === BATCH_CONDITION.attached && condition.status !== 'True';
    const failedDetach = condition.type === BATCH_CONDITION.detached && condition.status === 'False';
    if (condition.type === BATCH_CONDITION.attached && condition.status === 'True') entry.attached = true;
    else if ((failedAttach || failedDetach) && condition.message)
      messages.push(sanitizeCnsError(condition.message));
  }
  if (status.persistentVolumeClaim.diskUUID) entry.diskUUID = status.persistentVolumeClaim.diskUUID;
  if (messages.length > 0) entry.error = messages.join('.');
  return entry;
}

export function startVolumeBatchController(manager: Manager, deps: VolumeControllerDeps): Controller {
  const { kube } = deps;
  const claims = claimReader(kube);
  const vmToWorkOn = volumeVmReader(deps, VOLUME_BATCH_CONTROLLER);

  const reconcile = async (key: string) => {
    const next = vmToWorkOn(key);
    if (!('vm' in next)) return next.result;
    const { vm } = next;
    const { namespace = '', name } = parseObjectKey(key);
    if (!vm.status?.instanceUUID || !vm.status.biosUUID) return undefined;
    const legacy = legacyAttachmentsOf(kube, vm);
    const orphans = legacyAttachmentsToDelete(vm, legacy, true);
    const problems: VolumeError[] = (await deleteLegacyAttachments(kube, orphans)).map(
      (m) => new VolumeError(m),
    );
    const { forBatch, forLegacy } = categorized(vm, legacy);
    const batch = kube.direct.get({ ...BATCH, namespace, name }) as CnsNodeVMBatchAttachment | undefined;
    if (batch && controllerOf(batch)?.uid !== vm.metadata.uid)
      throw new Error(
        `error getting existing CnsNodeVMBatchAttachment for VM: CnsNodeVMBatchAttachment ${name} has a different controlling owner`,
      );
    if (!batch && forBatch.length > 0) {
      const problem = hardwareVersionProblem(vm);
      if (problem) throw new Error(`hardware version validation failed: ${problem}`);
    }
    const specs = processBatch(vm, forBatch, batch, problems);
    const existing = managedEntries(vm);
    writeManagedEntries(kube, controller, vm, [
      ...batchEntries(vm, batch, specs, existing),
      ...legacyEntries(vm, legacy, orphans, forLegacy, existing),
    ]);
    if (problems.length === 0) return undefined;
    const message = problems.map((p) => p.message).join(', ');
    // As vm-operator's errOrNoRequeueErr and ResultFromError: one problem that waits for a change
    // makes the whole a terminal error, run again by the next event alone.
    if (problems.some((p) => !p.requeue)) throw new TerminalError(message);
    throw new Error(message);
  };

  /** The claim volumes for the batch, and those a legacy attachment of the same name has (categorizeVolumeSpecs). */
  const categorized = (vm: VirtualMachine, legacy: ReadonlyMap<string, CnsNodeVmAttachment>) => {
    const forBatch: ClaimVolume[] = [];
    const forLegacy: ClaimVolume[] = [];
    for (const volume of claimVolumes(vm)) {
      const attachment = legacyAttachmentOf(vm, legacy, volume);
      if (attachment) {
        forLegacy.push(volume);
        if (attachment.spec?.volumename === volume.persistentVolumeClaim.claimName) continue;
      }
      forBatch.push(volume);
    }
    return { forBatch, forLegacy };
  };

  /**
   * The batch made or patched to hold the volumes ready for it (processBatchAttachmentAndFilterVolumeSpecs);
   * the volumes it holds. A volume that cannot be built leaves the batch as it was.
   */
  const processBatch = (
    vm: VirtualMachine,
    volumes: readonly ClaimVolume[],
    batch: CnsNodeVMBatchAttachment | undefined,
    problems: VolumeError[],
  ): BatchVolumeSpec[] => {
    const inBatch = new Set(
      (batch?.spec?.volumes ?? []).map((v) => `${v.name}:${v.persistentVolumeClaim.claimName}`),
    );
    const ready: ClaimVolume[] = [];
    for (const volume of volumes) {
      const claimName = volume.persistentVolumeClaim.claimName;
      if (inBatch.has(`${volume.name}:${claimName}`)) {
        ready.push(volume);
        continue;
      }
      const claim = kube.direct.get({
        ...PVC,
        namespace: vm.metadata.namespace as string,
        name: claimName,
      }) as PersistentVolumeClaim | undefined;
      if (!claim) {
        const notFound = kube.notFoundMessage(PVC.apiVersion, PVC.kind, claimName);
        problems.push(
          new VolumeError(
            `failed to get PVC ${claimName} for volume ${volume.name}: cannot get PVC: ${notFound}`,
          ),
        );
        continue;
      }
      const waiting = claims.selectZoneIfWaiting(vm, volume, claim);
      if (waiting) {
        const reason =
          waiting.missing === 'className'
            ? 'PVC does not have StorageClassName set'
            : waiting.missing === 'storageClass'
              ? `cannot get StorageClass: ${waiting.notFound}`
              : 'VM does not have Zone set';
        problems.push(
          new VolumeError(`failed to handle PVC ${claimName} with WFFC for volume ${volume.name}: ${reason}`),
        );
        continue;
      }
      if (claim.status?.phase === 'Bound') ready.push(volume);
    }
    let specs: BatchVolumeSpec[];
    try {
      specs = buildSpecs(vm, ready);
    } catch (error) {
      if (!(error instanceof VolumeError)) throw error;
      problems.push(error);
      return batch?.spec?.volumes ?? [];
    }
    createOrPatch(vm, batch, specs);
    return specs;
  };

  /** The batch's volumes, none until the VM reports its controllers. */
  const buildSpecs = (vm: VirtualMachine, volumes: readonly ClaimVolume[]): BatchVolumeSpec[] => {
    const hardware = vm.status?.hardware;
    if (!hardware || volumes.length === 0) return [];
    const controllerKeys = new Map<string, number>();
    for (const c of hardware.controllers ?? []) controllerKeys.set(`${c.type}:${c.busNumber}`, c.deviceKey);
    return volumes.map((volume) => batchVolumeOf(volume, controllerKeys));
  };

  const createOrPatch = (
    vm: VirtualMachine,
    batch: CnsNodeVMBatchAttachment | undefined,
    volumes: BatchVolumeSpec[],
  ) => {
    // No volumes, no list (vm-operator's main branch: `omitempty`).
    const instanceUUID = vm.status?.instanceUUID as string;
    const spec = volumes.length > 0 ? { instanceUUID, volumes } : { instanceUUID };
    const owner = controllerReference({ ...VM, metadata: vm.metadata });
    if (!batch) {
      kube.direct.create({
        ...BATCH,
        metadata: {
          name: vm.metadata.name as string,
          namespace: vm.metadata.namespace as string,
          ownerReferences: [owner],
        },
        spec,
      });
      return;
    }
    if (deepEqual(batch.spec, spec)) return;
    kube.direct.update(merged(batch, { spec }));
  };

  /** The entries of the batch's volumes (getVMVolStatusesFromBatchAttachment), then of those it is detaching. */
  const batchEntries = (
    vm: VirtualMachine,
    batch: CnsNodeVMBatchAttachment | undefined,
    specs: readonly BatchVolumeSpec[],
    existing: ReadonlyMap<string, VirtualMachineVolumeStatus>,
  ): VirtualMachineVolumeStatus[] => {
    const reported = new Map((batch?.status?.volumes ?? []).map((s) => [s.name, s]));
    const controllers = new Map((vm.status?.hardware?.controllers ?? []).map((c) => [c.deviceKey, c]));
    const classicTargets = new Set(
      (vm.status?.volumes ?? []).filter((v) => v.type === 'Classic').map(targetId),
    );
    const namespace = vm.metadata.namespace as string;
    const entries: VirtualMachineVolumeStatus[] = [];
    const named = new Set<string>();
    for (const spec of specs) {
      named.add(spec.name);
      const { claimName, controllerKey, unitNumber } = spec.persistentVolumeClaim;
      const controller = controllers.get(controllerKey);
      const target = {
        controllerType: controller?.type,
        controllerBusNumber: controller?.busNumber,
        unitNumber,
      };
      if (classicTargets.has(targetId(target))) continue;
      const status = reported.get(spec.name);
      if (status && status.persistentVolumeClaim.claimName === claimName)
        entries.push(
          claims.reportedEntry(entryOf(spec.name, status), existing.get(spec.name), namespace, claimName),
        );
      else entries.push({ name: spec.name, type: 'Managed' });
    }
    // Those it is detaching keep the disk facts the VM controller gave them, or the two would
    // undo each other's writes while the detach lasts.
    const entriesByDiskUuid = new Map(
      [...existing.values()].filter((e) => e.diskUUID).map((e) => [e.diskUUID, e]),
    );
    for (const [name, status] of reported) {
      if (named.has(name)) continue;
      const detaching = name.endsWith(DETACHING_SUFFIX) ? name : `${name}${DETACHING_SUFFIX}`;
      const last = entriesByDiskUuid.get(status.persistentVolumeClaim.diskUUID) ?? existing.get(detaching);
      entries.push(keepingDiskFacts(entryOf(detaching, status), last));
    }
    return entries;
  };

  /** The entries of volumes legacy attachments have (getVMVolStatusesFromLegacyAttachments). */
  const legacyEntries = (
    vm: VirtualMachine,
    legacy: ReadonlyMap<string, CnsNodeVmAttachment>,
    orphans: readonly CnsNodeVmAttachment[],
    volumes: readonly ClaimVolume[],
    existing: ReadonlyMap<string, VirtualMachineVolumeStatus>,
  ): VirtualMachineVolumeStatus[] => {
    let detaching = orphans;
    const entries: VirtualMachineVolumeStatus[] = [];
    for (const volume of volumes) {
      const attachment = legacyAttachmentOf(vm, legacy, volume);
      if (!attachment) continue;
      const claimName = volume.persistentVolumeClaim.claimName;
      if (claimName === attachment.spec?.volumename)
        entries.push(claims.legacyReportedEntry(vm, volume, attachment, existing));
      // Its claim changed: the old claim's attachment shows nothing while it goes.
      else detaching = detaching.filter((o) => o !== attachment);
    }
    return [...entries, ...legacyDetaching(vm, detaching)];
  };

  const controller = manager.controller({ name: VOLUME_BATCH_CONTROLLER, reconcile });
  // Every VM gets its batch attachment once its UUIDs are known; after that, only VMs with claims
  // or managed entries have anything to do.
  controller.watches(kube, VM, (object, _event, old) => {
    const vm = object as unknown as VirtualMachine;
    const was = old as unknown as VirtualMachine | undefined;
    return hasVolumeWork(vm) ||
      hasVolumeWork(was) ||
      vm.status?.instanceUUID !== was?.status?.instanceUUID ||
      vm.status?.biosUUID !== was?.status?.biosUUID
      ? vmKeyOf(object)
      : undefined;
  });
  controller.watches(kube, BATCH, ownerVmKeyOf);
  // A claim bound, resized or gone: the VMs whose volumes name it.
  controller.watches(kube, PVC, (claim) => {
    const keys: string[] = [];
    for (const object of kube.direct.list(VM.apiVersion, VM.kind, claim.metadata.namespace)) {
      const vm = object as unknown as VirtualMachine;
      if (claimVolumes(vm).some((v) => v.persistentVolumeClaim.claimName === claim.metadata.name))
        keys.push(...vmKeyOf(object));
    }
    return keys.length > 0 ? keys : undefined;
  });
  // vm-operator's does not watch the legacy attachments: a detach they finish shows at the VM's
  // next change there, here at once.
  controller.watches(kube, CNS_NODE_VM_ATTACHMENT, ownerVmKeyOf);
  return controller;
}
