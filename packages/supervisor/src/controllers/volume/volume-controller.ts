/**
 * vm-operator's volume controller: a VM's claims (`spec.volumes[].persistentVolumeClaim`)
 * become CnsNodeVmAttachments, which the CSI driver acts on, and their state becomes the VM's
 * `Managed` entries of `status.volumes`.
 *
 * - Nothing happens before the VM has a BIOS UUID (its deployment), which an attachment names.
 * - The attachments of the VM (by `spec.nodeuuid`) that no volume asks for any more, or that
 *   name another claim than their volume now does, are deleted.
 * - Each volume's attachment, `<vm>-<volume>`, owned by the VM, is made when missing. While the
 *   VM is off (or not deployed), one at a time in the order of `spec.volumes`, so a guest's
 *   first boot finds its disks in that order. Its status entry is a placeholder until the
 *   attachment reports: then `attached`, `diskUUID` and `error` (cut at its first colon when it
 *   carries an `opId:`), with the claim's request and limit.
 * - A volume whose claim waits for its first consumer (a `WaitForFirstConsumer` class) gets the
 *   claim annotated with the VM's zone as its selected node.
 * - An attachment no volume asks for, still being detached, stays listed as `<name>:detaching`.
 * - Its first attachment needs hardware version 15 or later.
 * Entries are sorted by disk UUID (placeholders first), as vm-operator sorts them; the VM
 * controller keeps them and fills in each attached disk's usage.
 */
import { PAUSED_ANNOTATION, PAUSED_LABEL, ZONE_LABEL } from '../../api/annotations.js';
import type { VirtualMachine, VirtualMachineVolumeStatus } from '../../api/types.js';
import { CNS_NODE_VM_ATTACHMENT } from '../../cns-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { isKubeError } from '../../store/errors.js';
import { PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { controllerOf, controllerReference, deepEqual, type KubeObject, merged } from '../../store/meta.js';
import { parseQuantity } from '../../store/quantity.js';
import { type CnsNodeVmAttachment, DISK_UUID_KEY } from '../csi/attacher.js';
import { type PersistentVolumeClaim, SELECTED_NODE_ANNOTATION } from '../csi/provisioner.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';

import {
  byDiskUuid,
  type ClaimVolume,
  claimVolumes,
  hasClaims,
  MIN_HARDWARE_VERSION_FOR_PVC,
} from '../virtualmachine/volumes.js';

export const VOLUME_CONTROLLER = 'volume-controller';
/** What vm-operator adds beside the selected node, for CNS to read it as a zone. */
export const SELECTED_NODE_IS_ZONE_ANNOTATION = 'cns.vmware.com/selected-node-is-zone';

const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;
const ATTACHMENT = CNS_NODE_VM_ATTACHMENT;
const PVC = PERSISTENT_VOLUME_CLAIM;

/** vm-operator's CNSAttachmentNameForVolume. */
export const attachmentName = (vm: string, volume: string): string => `${vm}-${volume}`;

/** vm-operator's SanitizeCNSErrorMessage: a CNS fault's text up to its first colon. */
const sanitizeCnsError = (message: string): string =>
  message.includes('opId:') ? message.slice(0, message.indexOf(':')) : message;

/** Whether the volume controller has anything to do for a VM: claims, or managed entries to clear. */
const hasVolumeWork = (vm: VirtualMachine | undefined): boolean => {
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

export function startVolumeController(manager: Manager, deps: { kube: KubeStore }): Controller {
  const { kube } = deps;
  const notFound = (kind: { apiVersion: string; kind: string }, name: string) =>
    kube.notFoundMessage(kind.apiVersion, kind.kind, name);

  const reconcile = async (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    const vm = kube.direct.get({ ...VM, namespace, name }) as unknown as VirtualMachine | undefined;
    if (!vm || vm.metadata.annotations?.[PAUSED_ANNOTATION] !== undefined) return undefined;
    // A pause under way (the label's removal requeues the VM).
    if (vm.metadata.labels?.[PAUSED_LABEL] !== undefined) return undefined;
    // Its attachments go with it, as the garbage collector deletes what it owns.
    if (vm.metadata.deletionTimestamp) return undefined;
    const biosUuid = vm.status?.biosUUID;
    if (!biosUuid) return undefined;
    const attachments = new Map<string, CnsNodeVmAttachment>();
    for (const item of kube.direct.list(ATTACHMENT.apiVersion, ATTACHMENT.kind, namespace))
      if ((item as CnsNodeVmAttachment).spec?.nodeuuid === biosUuid)
        attachments.set(item.metadata.name as string, item as CnsNodeVmAttachment);
    const orphans = attachmentsToDelete(vm, attachments);
    const errors: string[] = [];
    for (const orphan of orphans) {
      if (orphan.metadata.deletionTimestamp) continue;
      await kube
        .delete({ ...ATTACHMENT, namespace, name: orphan.metadata.name as string })
        .catch((error: unknown) => {
          if (!isKubeError(error) || error.code !== 404) errors.push(String((error as Error).message));
        });
    }
    errors.push(...(await processAttachments(vm, attachments, orphans)));
    if (errors.length > 0) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
    return undefined;
  };

  const attachmentsToDelete = (
    vm: VirtualMachine,
    attachments: ReadonlyMap<string, CnsNodeVmAttachment>,
  ): CnsNodeVmAttachment[] => {
    const expected = new Map<string, string>();
    for (const volume of claimVolumes(vm))
      expected.set(
        attachmentName(vm.metadata.name as string, volume.name),
        volume.persistentVolumeClaim.claimName,
      );
    return [...attachments.values()].filter(
      (a) => expected.get(a.metadata.name as string) !== a.spec?.volumename,
    );
  };

  /** The managed entries as vm-operator's processAttachments makes them; the errors it met. */
  const processAttachments = async (
    vm: VirtualMachine,
    attachments: ReadonlyMap<string, CnsNodeVmAttachment>,
    orphaned: CnsNodeVmAttachment[],
  ): Promise<string[]> => {
    const namespace = vm.metadata.namespace as string;
    const existing = new Map<string, VirtualMachineVolumeStatus>();
    for (const volume of vm.status?.volumes ?? [])
      if (volume.type !== 'Classic') existing.set(volume.name, volume);
    const statuses: VirtualMachineVolumeStatus[] = [];
    const errors: string[] = [];
    let pending = false;
    let checkHardware = attachments.size === 0;
    const power = vm.status?.powerState;
    const oneAtATime = power === undefined || power === 'PoweredOff';
    let orphans = orphaned;
    for (const volume of claimVolumes(vm)) {
      const name = attachmentName(vm.metadata.name as string, volume.name);
      const attachment = attachments.get(name);
      if (attachment) {
        if (volume.persistentVolumeClaim.claimName === attachment.spec?.volumename) {
          const kept = existing.get(volume.name);
          statuses.push(
            withClaimSize(
              keepingDiskFacts(entryOf(volume.name, attachment), kept),
              namespace,
              volume.persistentVolumeClaim.claimName,
            ),
          );
          pending ||= attachment.status?.attached !== true;
          continue;
        }
        // Its claim changed: the attachment of the old one goes, and shows nothing.
        orphans = orphans.filter((o) => o !== attachment);
      }
      if (checkHardware) {
        const version = vm.status?.hardwareVersion;
        if (version !== undefined && version > 0 && version < MIN_HARDWARE_VERSION_FOR_PVC)
          return [
            `vm has an unsupported hardware version ${version} for PersistentVolumes. Minimum supported hardware version ${MIN_HARDWARE_VERSION_FOR_PVC}`,
          ];
        checkHardware = false;
      }
      const waiting = selectNodeIfWaiting(vm, volume);
      if (waiting) {
        errors.push(waiting);
        pending = true;
        continue;
      }
      if (oneAtATime && pending) continue;
      pending = true;
      const created = await createAttachment(vm, name, volume.persistentVolumeClaim.claimName);
      if (created) errors.push(`cannot create CnsNodeVmAttachment: ${created}`);
      else statuses.push({ name: volume.name, type: 'Managed' });
    }
    statuses.push(...detaching(vm, orphans));
    // The VM as it is now: the VM controller may have written its Classic entries meanwhile.
    const key = objectKey({ namespace, name: vm.metadata.name as string });
    const latest = kube.direct.get({ ...VM, namespace, name: vm.metadata.name as string }) as unknown as
      | VirtualMachine
      | undefined;
    const volumes = (latest?.status?.volumes ?? []).filter((v) => v.type === 'Classic').concat(statuses);
    volumes.sort(byDiskUuid);
    if (latest && !deepEqual(latest.status?.volumes ?? [], volumes))
      controller.ownWrite(key, () =>
        kube.direct.updateStatus(
          merged(latest, { status: merged(latest.status ?? {}, { volumes }) }) as never,
        ),
      );
    return errors;
  };

  /**
   * An entry rebuilt from its attachment, with the usage, encryption and (with VMSharedDisks)
   * placement its last one had: the VM controller fills those in while the disk is on the VM,
   * and an entry rebuilt without them would have the two controllers undo each other's writes
   * forever.
   */
  const keepingDiskFacts = (
    entry: VirtualMachineVolumeStatus,
    last: VirtualMachineVolumeStatus | undefined,
  ): VirtualMachineVolumeStatus => {
    if (!last) return entry;
    const kept: Partial<VirtualMachineVolumeStatus> = {};
    for (const field of FILLED_BY_VM_CONTROLLER)
      if (last[field] !== undefined) Object.assign(kept, { [field]: last[field] });
    return merged(entry, kept);
  };

  /** An attachment's state as the VM's entry shows it. */
  const entryOf = (name: string, attachment: CnsNodeVmAttachment): VirtualMachineVolumeStatus => {
    const entry: VirtualMachineVolumeStatus = { name, type: 'Managed' };
    if (attachment.status?.attached) entry.attached = true;
    const diskUuid = attachment.status?.metadata?.[DISK_UUID_KEY];
    if (diskUuid) entry.diskUUID = diskUuid;
    const error = sanitizeCnsError(attachment.status?.error ?? '');
    if (error) entry.error = error;
    return entry;
  };

  /** The claim's requested size as the entry's request, and its limit (else the request) as its limit. */
  const withClaimSize = (
    entry: VirtualMachineVolumeStatus,
    namespace: string,
    claimName: string,
  ): VirtualMachineVolumeStatus => {
    const claim = kube.direct.get({ ...PVC, namespace, name: claimName }) as
      | PersistentVolumeClaim
      | undefined;
    const requested = claim?.spec?.resources?.requests?.storage;
    const limit = claim?.spec?.resources?.limits?.storage ?? requested;
    const out = { ...entry };
    if (requested !== undefined) out.requested = parseQuantity(requested)?.text ?? requested;
    if (limit !== undefined) out.limit = parseQuantity(limit)?.text ?? limit;
    return out;
  };

  /** The attachment of a volume, owned by its VM; what went wrong, if anything. */
  const createAttachment = async (
    vm: VirtualMachine,
    name: string,
    claimName: string,
  ): Promise<string | undefined> => {
    const namespace = vm.metadata.namespace as string;
    try {
      kube.direct.create({
        ...ATTACHMENT,
        metadata: {
          name,
          namespace,
          ownerReferences: [controllerReference({ ...VM, metadata: vm.metadata })],
        },
        spec: { nodeuuid: vm.status?.biosUUID, volumename: claimName },
      });
      return undefined;
    } catch (error) {
      if (!isKubeError(error) || error.code !== 409) throw error;
      const found = kube.direct.get({ ...ATTACHMENT, namespace, name });
      if (!found)
        return `stale client cache for CnsNodeVmAttachment ${name} that now does not exist. Force re-reconcile`;
      if (controllerOf(found)?.uid !== vm.metadata.uid)
        return `the CnsNodeVmAttachment ${name} has a different controlling owner`;
      const nodeUuid = (found as CnsNodeVmAttachment).spec?.nodeuuid;
      if (nodeUuid !== vm.status?.biosUUID) {
        // Ours, for the VM's vSphere VM before this one: deleted, so that CNS detaches it there.
        await kube.delete({ ...ATTACHMENT, namespace, name }).catch(() => undefined);
        return `deleted stale CnsNodeVmAttachment ${name} with old NodeUUID: ${nodeUuid}`;
      }
      return `stale client cache for expected CnsNodeVmAttachment ${name}. Force re-reconcile`;
    }
  };

  /**
   * A claim of a `WaitForFirstConsumer` class gets the VM's zone as its selected node; what
   * stops the volume, if anything.
   */
  const selectNodeIfWaiting = (vm: VirtualMachine, volume: ClaimVolume): string | undefined => {
    if (volume.persistentVolumeClaim.instanceVolumeClaim) return undefined;
    const namespace = vm.metadata.namespace as string;
    const claimName = volume.persistentVolumeClaim.claimName;
    const claim = kube.direct.get({ ...PVC, namespace, name: claimName }) as
      | PersistentVolumeClaim
      | undefined;
    if (!claim) return `cannot get PVC: ${notFound(PVC, claimName)}`;
    if (claim.status?.phase === 'Bound') return undefined;
    if (claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION]) return undefined;
    const className = claim.spec?.storageClassName;
    if (className === undefined) return `PVC ${claimName} does not have StorageClassName set`;
    if (className === '') return undefined;
    const storageClass = kube.direct.get({ ...STORAGE_CLASS, name: className }) as
      | (KubeObject & { volumeBindingMode?: string })
      | undefined;
    if (!storageClass)
      return `cannot get StorageClass for PVC ${claimName}: ${notFound(STORAGE_CLASS, className)}`;
    if (storageClass.volumeBindingMode !== 'WaitForFirstConsumer') return undefined;
    const zone = vm.status?.zone || vm.metadata.labels?.[ZONE_LABEL];
    if (!zone) return 'VM does not have Zone set';
    const annotations = merged(claim.metadata.annotations ?? {}, {
      [SELECTED_NODE_IS_ZONE_ANNOTATION]: 'true',
      [SELECTED_NODE_ANNOTATION]: zone,
    });
    kube.direct.update(merged(claim, { metadata: merged(claim.metadata, { annotations }) }));
    return undefined;
  };

  /** Entries of attachments no volume asks for, still detaching, as vm-operator keeps showing them. */
  const detaching = (
    vm: VirtualMachine,
    orphans: readonly CnsNodeVmAttachment[],
  ): VirtualMachineVolumeStatus[] => {
    const byUuid = new Map<string, CnsNodeVmAttachment>();
    for (const orphan of orphans) {
      const uuid = orphan.status?.metadata?.[DISK_UUID_KEY];
      if (uuid) byUuid.set(uuid, orphan);
    }
    const out: VirtualMachineVolumeStatus[] = [];
    for (const volume of vm.status?.volumes ?? []) {
      const orphan = volume.diskUUID === undefined ? undefined : byUuid.get(volume.diskUUID);
      if (!orphan) continue;
      const name = volume.name.endsWith(':detaching') ? volume.name : `${volume.name}:detaching`;
      out.push(keepingDiskFacts(entryOf(name, orphan), volume));
    }
    return out;
  };

  const controller = manager.controller({ name: VOLUME_CONTROLLER, reconcile });
  // Only VMs with claims, or managed entries left from them, have anything to do here.
  controller.watches(kube, VM, (object, _event, old) =>
    hasVolumeWork(object as unknown as VirtualMachine) ||
    hasVolumeWork(old as unknown as VirtualMachine | undefined)
      ? [objectKey({ namespace: object.metadata.namespace, name: object.metadata.name as string })]
      : undefined,
  );
  controller.watches(kube, ATTACHMENT, (attachment) => {
    const owner = controllerOf(attachment);
    return owner?.kind === VM.kind
      ? [objectKey({ namespace: attachment.metadata.namespace, name: owner.name })]
      : undefined;
  });
  return controller;
}
