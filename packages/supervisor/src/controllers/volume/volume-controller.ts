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
import type { VirtualMachine, VirtualMachineVolumeStatus } from '../../api/types.js';
import { CNS_NODE_VM_ATTACHMENT } from '../../cns-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import type { Manager } from '../../runtime/manager.js';
import { aggregate, isKubeError } from '../../store/errors.js';
import { PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import { controllerOf, controllerReference } from '../../store/meta.js';
import type { CnsNodeVmAttachment } from '../csi/attacher.js';
import type { PersistentVolumeClaim } from '../csi/provisioner.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import { type ClaimVolume, claimVolumes } from '../virtualmachine/volumes.js';
import {
  attachmentName,
  claimReader,
  deleteLegacyAttachments,
  hardwareVersionProblem,
  hasVolumeWork,
  legacyAttachmentOf,
  legacyAttachmentsOf,
  legacyAttachmentsToDelete,
  legacyDetaching,
  managedEntries,
  ownerVmKeyOf,
  vmKeyOf,
  writeManagedEntries,
} from './entries.js';
import { instanceStorageOwnerKey, type VolumeControllerDeps, volumeVmReader } from './instance-storage.js';

export const VOLUME_CONTROLLER = 'volume-controller';

const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;
const ATTACHMENT = CNS_NODE_VM_ATTACHMENT;
const PVC = PERSISTENT_VOLUME_CLAIM;

export function startVolumeController(manager: Manager, deps: VolumeControllerDeps): Controller {
  const { kube } = deps;
  const claims = claimReader(kube);
  const vmToWorkOn = volumeVmReader(deps, VOLUME_CONTROLLER);

  const reconcile = async (key: string) => {
    const next = vmToWorkOn(key);
    if (!('vm' in next)) return next.result;
    const { vm } = next;
    if (!vm.status?.biosUUID) return undefined;
    const attachments = legacyAttachmentsOf(kube, vm);
    const orphans = legacyAttachmentsToDelete(vm, attachments);
    const errors = await deleteLegacyAttachments(kube, orphans);
    errors.push(...(await processAttachments(vm, attachments, orphans)));
    if (errors.length > 0) throw new Error(aggregate(errors));
    return undefined;
  };

  /** The managed entries as vm-operator's processAttachments makes them; the errors it met. */
  const processAttachments = async (
    vm: VirtualMachine,
    attachments: ReadonlyMap<string, CnsNodeVmAttachment>,
    orphaned: CnsNodeVmAttachment[],
  ): Promise<string[]> => {
    const existing = managedEntries(vm);
    const statuses: VirtualMachineVolumeStatus[] = [];
    const errors: string[] = [];
    let pending = false;
    let checkHardware = attachments.size === 0;
    const power = vm.status?.powerState;
    const oneAtATime = power === undefined || power === 'PoweredOff';
    let orphans = orphaned;
    for (const volume of claimVolumes(vm)) {
      const name = attachmentName(vm.metadata.name as string, volume.name);
      const attachment = legacyAttachmentOf(vm, attachments, volume);
      if (attachment) {
        if (volume.persistentVolumeClaim.claimName === attachment.spec?.volumename) {
          statuses.push(claims.legacyReportedEntry(vm, volume, attachment, existing));
          pending ||= attachment.status?.attached !== true;
          continue;
        }
        // Its claim changed: the attachment of the old one goes, and shows nothing.
        orphans = orphans.filter((o) => o !== attachment);
      }
      if (checkHardware) {
        const problem = hardwareVersionProblem(vm);
        if (problem) return [problem];
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
    statuses.push(...legacyDetaching(vm, orphans));
    writeManagedEntries(kube, controller, vm, statuses);
    return errors;
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

  /** The VM's zone given to a claim waiting for its first consumer; what stops the volume, if anything. */
  const selectNodeIfWaiting = (vm: VirtualMachine, volume: ClaimVolume): string | undefined => {
    const claimName = volume.persistentVolumeClaim.claimName;
    const claim = kube.direct.get({ ...PVC, namespace: vm.metadata.namespace as string, name: claimName }) as
      | PersistentVolumeClaim
      | undefined;
    if (!claim) return `cannot get PVC: ${kube.notFoundMessage(PVC.apiVersion, PVC.kind, claimName)}`;
    const problem = claims.selectZoneIfWaiting(vm, volume, claim);
    if (!problem) return undefined;
    if (problem.missing === 'className') return `PVC ${claimName} does not have StorageClassName set`;
    if (problem.missing === 'storageClass')
      return `cannot get StorageClass for PVC ${claimName}: ${problem.notFound}`;
    return 'VM does not have Zone set';
  };

  const controller = manager.controller({ name: VOLUME_CONTROLLER, reconcile });
  controller.watches(kube, VM, (object, _event, old) =>
    hasVolumeWork(object as unknown as VirtualMachine) ||
    hasVolumeWork(old as unknown as VirtualMachine | undefined)
      ? vmKeyOf(object)
      : undefined,
  );
  controller.watches(kube, ATTACHMENT, ownerVmKeyOf);
  // As vm-operator's watch of the claims it makes, started with the capability.
  if (deps.instanceStorage) controller.watches(kube, PVC, instanceStorageOwnerKey);
  return controller;
}
