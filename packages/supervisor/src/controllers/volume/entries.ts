/**
 * What vm-operator's two volume controllers (one CnsNodeVmAttachment per claim, or one
 * CnsNodeVMBatchAttachment per VM with VMSharedDisks) share: the `Managed` entries of
 * `status.volumes` and the claims' sizes in them, the legacy attachments and their entries, and
 * the zone a claim of a `WaitForFirstConsumer` class is given.
 */
import { PAUSED_ANNOTATION, PAUSED_LABEL, ZONE_LABEL } from '../../api/annotations.js';
import type { VirtualMachine, VirtualMachineVolumeStatus } from '../../api/types.js';
import { CNS_NODE_VM_ATTACHMENT, DETACHING_SUFFIX } from '../../cns-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey } from '../../runtime/keys.js';
import { isKubeError } from '../../store/errors.js';
import { PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { controllerOf, deepEqual, type KubeObject, merged } from '../../store/meta.js';
import { parseQuantity } from '../../store/quantity.js';
import { type CnsNodeVmAttachment, DEPRECATED_ATTACHMENT_ERROR, DISK_UUID_KEY } from '../csi/attacher.js';
import { type PersistentVolumeClaim, SELECTED_NODE_ANNOTATION } from '../csi/provisioner.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import {
  byDiskUuid,
  type ClaimVolume,
  claimVolumes,
  hasClaims,
  MIN_HARDWARE_VERSION_FOR_PVC,
} from '../virtualmachine/volumes.js';

/** What vm-operator adds beside the selected node, for CNS to read it as a zone. */
export const SELECTED_NODE_IS_ZONE_ANNOTATION = 'cns.vmware.com/selected-node-is-zone';

const PVC = PERSISTENT_VOLUME_CLAIM;
const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;

/** vm-operator's CNSAttachmentNameForVolume. */
export const attachmentName = (vm: string, volume: string): string => `${vm}-${volume}`;

/** vm-operator's SanitizeCNSErrorMessage: a CNS fault's text up to its first colon. */
export const sanitizeCnsError = (message: string): string =>
  message.includes('opId:') ? message.slice(0, message.indexOf(':')) : message;

/** Whether a volume controller has anything to do for a VM: claims, or managed entries to clear. */
export const hasVolumeWork = (vm: VirtualMachine | undefined): boolean => {
  if (hasClaims(vm)) return true;
  // Every write of every VM asks: a loop, no list made.
  for (const volume of vm?.status?.volumes ?? NO_VOLUMES) if (volume.type !== 'Classic') return true;
  return false;
};

const NO_VOLUMES: readonly VirtualMachineVolumeStatus[] = [];

/** What the VirtualMachine controller writes in a managed entry from the VM's disk. */
const FILLED_BY_VM_CONTROLLER = [
  'used',
  'crypto',
  'controllerBusNumber',
  'controllerType',
  'unitNumber',
  'diskMode',
  'sharingMode',
] as const;

/**
 * An entry rebuilt from its attachment, with the usage, encryption and (with VMSharedDisks)
 * placement its last one had: the VM controller fills those in while the disk is on the VM,
 * and an entry rebuilt without them would have the two controllers undo each other's writes
 * forever.
 */
export function keepingDiskFacts(
  entry: VirtualMachineVolumeStatus,
  last: VirtualMachineVolumeStatus | undefined,
): VirtualMachineVolumeStatus {
  if (!last) return entry;
  const kept: Partial<VirtualMachineVolumeStatus> = {};
  for (const field of FILLED_BY_VM_CONTROLLER)
    if (last[field] !== undefined) Object.assign(kept, { [field]: last[field] });
  return merged(entry, kept);
}

/** The VM's managed entries by name. */
export function managedEntries(vm: VirtualMachine): Map<string, VirtualMachineVolumeStatus> {
  const entries = new Map<string, VirtualMachineVolumeStatus>();
  for (const volume of vm.status?.volumes ?? [])
    if (volume.type !== 'Classic') entries.set(volume.name, volume);
  return entries;
}

/** A legacy attachment's state as the VM's entry shows it. */
export function legacyEntryOf(name: string, attachment: CnsNodeVmAttachment): VirtualMachineVolumeStatus {
  const entry: VirtualMachineVolumeStatus = { name, type: 'Managed' };
  if (attachment.status?.attached) entry.attached = true;
  const diskUuid = attachment.status?.metadata?.[DISK_UUID_KEY];
  if (diskUuid) entry.diskUUID = diskUuid;
  const error = sanitizeCnsError(attachment.status?.error ?? '');
  if (error) entry.error = error;
  return entry;
}

/** The VM's legacy attachments (`spec.nodeuuid` its BIOS UUID), by name. */
export function legacyAttachmentsOf(kube: KubeStore, vm: VirtualMachine): Map<string, CnsNodeVmAttachment> {
  const attachments = new Map<string, CnsNodeVmAttachment>();
  const biosUuid = vm.status?.biosUUID;
  if (!biosUuid) return attachments;
  const namespace = vm.metadata.namespace as string;
  for (const item of kube.direct.list(
    CNS_NODE_VM_ATTACHMENT.apiVersion,
    CNS_NODE_VM_ATTACHMENT.kind,
    namespace,
  ))
    if ((item as CnsNodeVmAttachment).spec?.nodeuuid === biosUuid)
      attachments.set(item.metadata.name as string, item as CnsNodeVmAttachment);
  return attachments;
}

/** The legacy attachment of a volume, if it has one. */
export const legacyAttachmentOf = (
  vm: VirtualMachine,
  legacy: ReadonlyMap<string, CnsNodeVmAttachment>,
  volume: ClaimVolume,
): CnsNodeVmAttachment | undefined => legacy.get(attachmentName(vm.metadata.name as string, volume.name));

/**
 * The legacy attachments no volume asks for any more, or that name another claim than their
 * volume does; with `deprecated`, also those the CSI driver refused to attach once batch
 * attachments were on (vm-operator's main branch), so that their volumes join the batch.
 */
export function legacyAttachmentsToDelete(
  vm: VirtualMachine,
  attachments: ReadonlyMap<string, CnsNodeVmAttachment>,
  deprecated = false,
): CnsNodeVmAttachment[] {
  const expected = new Map<string, string>();
  for (const volume of claimVolumes(vm))
    expected.set(
      attachmentName(vm.metadata.name as string, volume.name),
      volume.persistentVolumeClaim.claimName,
    );
  return [...attachments.values()].filter(
    (a) =>
      expected.get(a.metadata.name as string) !== a.spec?.volumename ||
      (deprecated && !a.status?.attached && a.status?.error === DEPRECATED_ATTACHMENT_ERROR),
  );
}

/** Entries of legacy attachments no volume asks for, still detaching, as vm-operator keeps showing them. */
export function legacyDetaching(
  vm: VirtualMachine,
  orphans: readonly CnsNodeVmAttachment[],
): VirtualMachineVolumeStatus[] {
  const byUuid = new Map<string, CnsNodeVmAttachment>();
  for (const orphan of orphans) {
    const uuid = orphan.status?.metadata?.[DISK_UUID_KEY];
    if (uuid) byUuid.set(uuid, orphan);
  }
  const out: VirtualMachineVolumeStatus[] = [];
  for (const volume of vm.status?.volumes ?? []) {
    const orphan = volume.diskUUID === undefined ? undefined : byUuid.get(volume.diskUUID);
    if (!orphan) continue;
    const name = volume.name.endsWith(DETACHING_SUFFIX) ? volume.name : `${volume.name}${DETACHING_SUFFIX}`;
    out.push(keepingDiskFacts(legacyEntryOf(name, orphan), volume));
  }
  return out;
}

/** Why a claim waiting for its first consumer cannot be given the VM's zone. */
export type ZoneSelectionProblem =
  | { readonly missing: 'className' }
  | { readonly missing: 'storageClass'; readonly notFound: string }
  | { readonly missing: 'zone' };

/** The claims' reads both controllers make. */
export function claimReader(kube: KubeStore) {
  /**
   * An attachment's entry as the VM shows it: with the disk facts its last entry had, the claim's
   * requested size as its request, and its limit (else the request) as its limit.
   */
  const reportedEntry = (
    entry: VirtualMachineVolumeStatus,
    last: VirtualMachineVolumeStatus | undefined,
    namespace: string,
    claimName: string,
  ): VirtualMachineVolumeStatus => {
    const claim = kube.direct.get({ ...PVC, namespace, name: claimName }) as
      | PersistentVolumeClaim
      | undefined;
    const requested = claim?.spec?.resources?.requests?.storage;
    const limit = claim?.spec?.resources?.limits?.storage ?? requested;
    const out = { ...keepingDiskFacts(entry, last) };
    if (requested !== undefined) out.requested = parseQuantity(requested)?.text ?? requested;
    if (limit !== undefined) out.limit = parseQuantity(limit)?.text ?? limit;
    return out;
  };

  /**
   * A claim of a `WaitForFirstConsumer` class, unbound and without a selected node, annotated
   * with the VM's zone; what stops that, if anything.
   */
  const selectZoneIfWaiting = (
    vm: VirtualMachine,
    volume: ClaimVolume,
    claim: PersistentVolumeClaim,
  ): ZoneSelectionProblem | undefined => {
    if (volume.persistentVolumeClaim.instanceVolumeClaim) return undefined;
    if (claim.status?.phase === 'Bound') return undefined;
    if (claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION]) return undefined;
    const className = claim.spec?.storageClassName;
    if (className === undefined) return { missing: 'className' };
    if (className === '') return undefined;
    const storageClass = kube.direct.get({ ...STORAGE_CLASS, name: className }) as
      | (KubeObject & { volumeBindingMode?: string })
      | undefined;
    if (!storageClass)
      return {
        missing: 'storageClass',
        notFound: kube.notFoundMessage(STORAGE_CLASS.apiVersion, STORAGE_CLASS.kind, className),
      };
    if (storageClass.volumeBindingMode !== 'WaitForFirstConsumer') return undefined;
    const zone = vm.status?.zone || vm.metadata.labels?.[ZONE_LABEL];
    if (!zone) return { missing: 'zone' };
    const annotations = merged(claim.metadata.annotations ?? {}, {
      [SELECTED_NODE_IS_ZONE_ANNOTATION]: 'true',
      [SELECTED_NODE_ANNOTATION]: zone,
    });
    kube.direct.update(merged(claim, { metadata: merged(claim.metadata, { annotations }) }));
    return undefined;
  };

  /** The entry of a volume whose claim a legacy attachment has. */
  const legacyReportedEntry = (
    vm: VirtualMachine,
    volume: ClaimVolume,
    attachment: CnsNodeVmAttachment,
    existing: ReadonlyMap<string, VirtualMachineVolumeStatus>,
  ) =>
    reportedEntry(
      legacyEntryOf(volume.name, attachment),
      existing.get(volume.name),
      vm.metadata.namespace as string,
      volume.persistentVolumeClaim.claimName,
    );

  return { reportedEntry, legacyReportedEntry, selectZoneIfWaiting };
}

export const isPaused = (vm: VirtualMachine) =>
  vm.metadata.annotations?.[PAUSED_ANNOTATION] !== undefined ||
  // A pause under way (the label's removal requeues the VM).
  vm.metadata.labels?.[PAUSED_LABEL] !== undefined;

/** vm-operator's check before a VM's first attachment: hardware version 15 or later. */
export const hardwareVersionProblem = (vm: VirtualMachine): string | undefined => {
  const version = vm.status?.hardwareVersion;
  return version !== undefined && version > 0 && version < MIN_HARDWARE_VERSION_FOR_PVC
    ? `vm has an unsupported hardware version ${version} for PersistentVolumes. Minimum supported hardware version ${MIN_HARDWARE_VERSION_FOR_PVC}`
    : undefined;
};

/** Deletes the legacy attachments not being deleted yet; the errors met (one gone already is none). */
export const deleteLegacyAttachments = async (kube: KubeStore, orphans: readonly CnsNodeVmAttachment[]) => {
  const errors: string[] = [];
  for (const orphan of orphans) {
    if (orphan.metadata.deletionTimestamp) continue;
    await kube
      .delete({
        ...CNS_NODE_VM_ATTACHMENT,
        namespace: orphan.metadata.namespace as string,
        name: orphan.metadata.name as string,
      })
      .catch((error: unknown) => {
        if (!isKubeError(error) || error.code !== 404) errors.push(String((error as Error).message));
      });
  }
  return errors;
};

/**
 * The VM's managed entries replaced by `managed`, beside the Classic entries of the VM as it is
 * now (the VM controller may have written them meanwhile), sorted as vm-operator sorts them.
 */
export const writeManagedEntries = (
  kube: KubeStore,
  controller: Controller,
  vm: VirtualMachine,
  managed: readonly VirtualMachineVolumeStatus[],
) => {
  const namespace = vm.metadata.namespace as string;
  const name = vm.metadata.name as string;
  const latest = kube.direct.get({ ...VM, namespace, name }) as unknown as VirtualMachine | undefined;
  const volumes = (latest?.status?.volumes ?? []).filter((v) => v.type === 'Classic').concat(managed);
  volumes.sort(byDiskUuid);
  if (latest && !deepEqual(latest.status?.volumes ?? [], volumes))
    controller.ownWrite(objectKey({ namespace, name }), () =>
      kube.direct.updateStatus(merged(latest, { status: merged(latest.status ?? {}, { volumes }) }) as never),
    );
};

/** The work queue's key of a VM. */
export const vmKeyOf = (vm: KubeObject): string[] => [
  objectKey({ namespace: vm.metadata.namespace, name: vm.metadata.name as string }),
];

/** The key of the VM that controls an attachment, if a VM does. */
export const ownerVmKeyOf = (attachment: KubeObject): string[] | undefined => {
  const owner = controllerOf(attachment);
  return owner?.kind === VM.kind
    ? [objectKey({ namespace: attachment.metadata.namespace, name: owner.name })]
    : undefined;
};
