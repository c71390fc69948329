/**
 * The CSI syncer's CnsNodeVmAttachment controller, as a Supervisor runs it: it attaches the
 * disk of the claim `spec.volumename` to the VM whose BIOS UUID is `spec.nodeuuid`.
 *
 * - Attach: the VM (by BIOS UUID), then the claim, bound, and its volume; a failure is written
 *   to `status.error` with the syncer's words and retried after 1 s, doubling up to 5 minutes.
 *   Then the finalizer `cns.vmware.com`, the disk attached (AttachDisk_Task) to a ParaVirtual
 *   SCSI controller (one added to a VM that has none with room), `status.attached`
 *   with `metadata.diskUUID` and `metadata.cnsVolumeId`, and the claim's finalizer
 *   `cns.vmware.com/pvc-protection`, which keeps it while a VM has its disk (or a batch
 *   attachment marks it used).
 * - With shared disks (batch attachments), an attachment not attached yet is not attached:
 *   `status.error` asks the user to detach the claim and attach it again.
 * - Detach, once the attachment is deleted (its VM's deletion deletes it): the disk detached if
 *   the VM still has it, then both finalizers removed. A VM gone from vSphere counts as detached
 *   unless a VirtualMachine of that BIOS UUID still exists and is not being deleted.
 */
import {
  attachedDevice,
  controllerWithRoom,
  type Device,
  isVimFault,
  MAX_STORAGE_CONTROLLERS,
  SCSI_CONTROLLERS,
  type VmRecord,
  type VSphere,
  type VStorageObjectRecord,
} from '@vsim/vsphere';
import { CNS_NODE_VM_ATTACHMENT } from '../../cns-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, merged, withFinalizer } from '../../store/meta.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import { CSI_BACKOFF, type PersistentVolume, type PersistentVolumeClaim } from './provisioner.js';

const PVSCSI: ReadonlySet<string> = new Set(['ParaVirtualSCSIController']);

export const CNS_ATTACHMENT_CONTROLLER = 'cnsnodevmattachment-controller';
/** What the driver writes on an attachment it no longer attaches, once batch attachments are on. */
export const DEPRECATED_ATTACHMENT_ERROR =
  'CnsNodeVMAttachment CR is deprecated. Please detach this PVC from the VM and then reattach it.';
/** A claim's mark of each VM it is attached to through a batch attachment, by instance UUID. */
export const USED_BY_VM_ANNOTATION_PREFIX = 'cns.vmware.com/usedby-vm-';
export const CNS_FINALIZER = 'cns.vmware.com';
export const CNS_PVC_FINALIZER = 'cns.vmware.com/pvc-protection';
/** The keys of `status.metadata`. */
export const DISK_UUID_KEY = 'diskUUID';
export const VOLUME_ID_KEY = 'cnsVolumeId';

const ATTACHMENT = CNS_NODE_VM_ATTACHMENT;
const PVC = PERSISTENT_VOLUME_CLAIM;
const PV = PERSISTENT_VOLUME;

export interface CnsNodeVmAttachment extends KubeObject {
  spec?: { nodeuuid?: string; volumename?: string };
  status?: { attached?: boolean; metadata?: Record<string, string>; error?: string };
}

/** Whether a VM's batch attachment marks the claim used. */
export const isUsedByAnyVm = (claim: KubeObject): boolean =>
  Object.keys(claim.metadata.annotations ?? {}).some((key) => key.startsWith(USED_BY_VM_ANNOTATION_PREFIX));

/** A step that failed, with what the syncer writes to `status.error`. */
class AttachError extends Error {}

/** The BIOS UUID an attachment names; anything but a string names none. */
const nodeUuidOf = (attachment: CnsNodeVmAttachment): string => {
  const uuid = attachment.spec?.nodeuuid;
  return typeof uuid === 'string' ? uuid : '';
};

export function startCnsAttachmentController(
  manager: Manager,
  deps: { kube: KubeStore; vsphere: VSphere; sharedDisks?: boolean },
): Controller {
  const { kube, vsphere, sharedDisks = false } = deps;

  const vmByBiosUuid = (uuid: string) => nodeVm(vsphere, uuid, false);

  /** The claim's volume, through its bound PersistentVolume, as the syncer's getVolumeID finds it. */
  const volumeIdOf = (namespace: string, claimName: string): string => {
    const claim = kube.direct.get({ ...PVC, namespace, name: claimName }) as
      | PersistentVolumeClaim
      | undefined;
    if (!claim) throw new AttachError(`PersistentVolumeClaim "${claimName}" not found`);
    const volumeName = claim.spec?.volumeName ?? '';
    const phase = claim.status?.phase ?? '';
    if (volumeName === '' || phase !== 'Bound')
      throw new AttachError(
        `PVC with name: "${claimName}" in namespace: "${namespace}" is not bound to a PV. PV: "${volumeName}", Status: "${phase}"`,
      );
    const volume = kube.direct.get({ ...PV, name: volumeName }) as PersistentVolume | undefined;
    const handle = volume?.spec?.csi?.volumeHandle;
    if (!handle) throw new AttachError(`PersistentVolume "${volumeName}" not found`);
    return handle;
  };

  const setFinalizer = (object: KubeObject, finalizer: string, present: boolean): KubeObject => {
    const changed = withFinalizer(object, finalizer, present);
    return changed ? kube.direct.update(changed) : object;
  };

  /**
   * The claim's finalizer, set or removed, if the claim is there; kept while a VM's batch
   * attachment marks the claim used.
   */
  const protectClaim = (attachment: CnsNodeVmAttachment, present: boolean) => {
    const claim = kube.direct.get({
      ...PVC,
      namespace: attachment.metadata.namespace as string,
      name: attachment.spec?.volumename ?? '',
    });
    if (claim && (present || !isUsedByAnyVm(claim))) setFinalizer(claim, CNS_PVC_FINALIZER, present);
  };

  const writeStatus = (attachment: CnsNodeVmAttachment, status: CnsNodeVmAttachment['status']) => {
    if (deepEqual(attachment.status, status)) return;
    kube.direct.updateStatus(merged(attachment, { status }));
  };

  const attach = async (attachment: CnsNodeVmAttachment) => {
    const namespace = attachment.metadata.namespace as string;
    const uuid = nodeUuidOf(attachment);
    try {
      const vm = vmByBiosUuid(uuid);
      if (!vm) throw new AttachError(`Failed to find the VM with UUID: "${uuid}"`);
      const volumeId = volumeIdOf(namespace, attachment.spec?.volumename ?? '');
      const current = setFinalizer(attachment, CNS_FINALIZER, true) as CnsNodeVmAttachment;
      const diskUuid = await attachDisk(vm, volumeId);
      writeStatus(current, {
        attached: true,
        metadata: { [VOLUME_ID_KEY]: volumeId, [DISK_UUID_KEY]: diskUuid },
      });
      protectClaim(current, true);
      return undefined;
    } catch (error) {
      if (!(error instanceof AttachError)) throw error;
      const latest = kube.direct.get({ ...ATTACHMENT, namespace, name: attachment.metadata.name as string });
      if (latest) writeStatus(latest as CnsNodeVmAttachment, { attached: false, error: error.message });
      return { requeue: true };
    }
  };

  /** Attaches the disk (already attached counts, as CNS finds it on the VM); the disk's UUID on the VM. */
  const attachDisk = async (vm: VmRecord, volumeId: string): Promise<string> => {
    if (!onVm(vm.id, volumeId)) {
      const failed = (fault: { _type: string }, message: string, opId: string) =>
        new AttachError(
          `failed to attach cns volume: "${volumeId}" to node vm: "${describe(vm)}". fault: "${fault._type}: ${message}". opId: "${opId}"`,
        );
      const disk = vsphere.store.get(volumeId) as VStorageObjectRecord | undefined;
      if (disk?.kind !== 'VStorageObject')
        throw failed(
          { _type: 'NotFound' },
          `The object or item referred to could not be found: disk ${volumeId}.`,
          '',
        );
      let task = pvscsiControllerTask(vm);
      try {
        await task?.wait();
        const controller = controllerWithRoom(currentDevices(vm.id), PVSCSI);
        task = vsphere.disks.attach(vm.id, volumeId, disk.datastore, controller?.key);
        await task.wait();
      } catch (fault) {
        if (!isVimFault(fault) || !task) throw fault;
        throw failed(fault.fault, fault.message, task.ref.value);
      }
    }
    const device = onVm(vm.id, volumeId);
    return ((device?.backing as { uuid?: string } | undefined)?.uuid ?? '') as string;
  };

  const currentDevices = (vmId: string) =>
    (vsphere.store.get(vmId) as VmRecord | undefined)?.config.devices ?? [];
  const onVm = (vmId: string, volumeId: string) => diskOnVm(vsphere, vmId, volumeId);

  /**
   * CNS attaches to ParaVirtual SCSI controllers alone: without one that has room, it adds one
   * (vSphere picks the bus, and takes it while the VM runs too), below its four SCSI buses; else
   * the attach finds what it can.
   */
  const pvscsiControllerTask = (vm: VmRecord) => {
    const current = vsphere.store.get(vm.id) as VmRecord | undefined;
    if (!current || current.powerState === 'suspended') return undefined;
    const devices = current.config.devices;
    if (controllerWithRoom(devices, PVSCSI)) return undefined;
    if (devices.filter((d) => SCSI_CONTROLLERS.has(d._type)).length >= MAX_STORAGE_CONTROLLERS)
      return undefined;
    const controller = { _type: 'ParaVirtualSCSIController', key: -1, sharedBus: 'noSharing' };
    return vsphere.vm.reconfigure(vm.id, { deviceChange: [{ operation: 'add', device: controller }] });
  };

  const describe = (vm: VmRecord) => `VirtualMachine:${vm.id} [UUID: ${vm.config.uuid}]`;

  const detach = async (attachment: CnsNodeVmAttachment) => {
    if (!attachment.metadata.finalizers?.includes(CNS_FINALIZER)) return undefined;
    const namespace = attachment.metadata.namespace as string;
    const uuid = nodeUuidOf(attachment);
    const vm = vmByBiosUuid(uuid);
    if (vm) {
      const volumeId = attachedVolumeOf(attachment);
      if (volumeId !== undefined && onVm(vm.id, volumeId)) await vsphere.disks.detach(vm.id, volumeId).wait();
    } else if (vmObjectLives(namespace, uuid)) {
      // vSphere has no such VM, yet its VirtualMachine is not going: not known to be detached.
      return { requeue: true };
    }
    protectClaim(attachment, false);
    const latest = kube.direct.get({ ...ATTACHMENT, namespace, name: attachment.metadata.name as string });
    if (latest) setFinalizer(latest, CNS_FINALIZER, false);
    return undefined;
  };

  /**
   * The volume an attachment attached: the one its status names, else its claim's. A claim gone
   * or unbound, of an attachment that never attached, attached nothing: undefined.
   */
  const attachedVolumeOf = (attachment: CnsNodeVmAttachment): string | undefined => {
    const recorded = attachment.status?.metadata?.[VOLUME_ID_KEY];
    if (recorded) return recorded;
    try {
      return volumeIdOf(attachment.metadata.namespace as string, attachment.spec?.volumename ?? '');
    } catch (error) {
      if (error instanceof AttachError && !attachment.status?.attached) return undefined;
      throw error;
    }
  };

  const vmObjectLives = (namespace: string, biosUuid: string) =>
    kube.direct
      .list(VM_OPERATOR_API_VERSION, 'VirtualMachine', namespace)
      .some(
        (vm) =>
          (vm.status as { biosUUID?: string } | undefined)?.biosUUID === biosUuid &&
          !vm.metadata.deletionTimestamp,
      );

  const reconcile = async (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    const attachment = kube.direct.get({ ...ATTACHMENT, namespace, name }) as CnsNodeVmAttachment | undefined;
    if (!attachment) return undefined;
    if (attachment.metadata.deletionTimestamp) return detach(attachment);
    if (attachment.status?.attached) {
      protectClaim(attachment, true);
      return undefined;
    }
    // With shared disks, attaches go through batch attachments alone: the user is told to
    // detach the claim and attach it again, which the batch then does.
    if (sharedDisks) {
      writeStatus(attachment, { attached: false, error: DEPRECATED_ATTACHMENT_ERROR });
      return undefined;
    }
    return attach(attachment);
  };

  const controller = manager.controller({ name: CNS_ATTACHMENT_CONTROLLER, reconcile, ...CSI_BACKOFF });
  controller.watches(kube, ATTACHMENT, generationChangedKeys);
  return controller;
}

/**
 * The syncer's watches of its own kinds (a generation-changed predicate, a deletion mark counting
 * as a change): an object's key, but for its own writes of finalizers and status, which bring it
 * back no sooner than its backoff says.
 */
export const generationChangedKeys = (
  object: KubeObject,
  event: string,
  old: KubeObject | undefined,
): string[] | undefined =>
  event !== 'MODIFIED' ||
  object.metadata.generation !== old?.metadata.generation ||
  (object.metadata.deletionTimestamp !== undefined && old?.metadata.deletionTimestamp === undefined)
    ? [objectKey({ namespace: object.metadata.namespace, name: object.metadata.name as string })]
    : undefined;

/** The node VM of a BIOS UUID, or (`instance`) of an instance UUID, as CNS finds it in vSphere. */
export function nodeVm(vsphere: VSphere, uuid: string, instance: boolean): VmRecord | undefined {
  const wanted = uuid.trim().toLowerCase();
  if (wanted === '') return undefined;
  const ref = vsphere.search.findByUuid(undefined, wanted, true, instance);
  return ref ? (vsphere.store.get(ref.value) as VmRecord) : undefined;
}

/** The device a First Class Disk is on the VM as it is now, if the VM has it. */
export const diskOnVm = (vsphere: VSphere, vmId: string, volumeId: string): Device | undefined =>
  attachedDevice(vsphere.store.get(vmId) as VmRecord | undefined, volumeId);
