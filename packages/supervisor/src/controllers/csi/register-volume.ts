/**
 * The CSI syncer's CnsRegisterVolume controller, as a Supervisor runs it: a disk already in
 * vSphere made the volume of a claim of the namespace.
 *
 * - The request: `spec.diskURLPath` (a disk file's datastore URL, which CNS registers as a First
 *   Class Disk, a VM's disk staying on it) or `spec.volumeID` (a First Class Disk), not both;
 *   `spec.pvcName`, `accessMode` and `volumeMode`. What is wrong, or fails, is written to
 *   `status.error` with the syncer's words, and tried again after 1 s, doubling up to 5 minutes.
 * - The volume: the storage class is the one whose `storagePolicyID` is the disk's policy, binding
 *   at once, which a quota of the namespace assigns; the PersistentVolume `static-pv-<volume id>`
 *   (reclaimed by deletion) is bound ahead to the claim, which is made if missing (a claim that
 *   vm-operator made of a VM's disk, its `dataSourceRef` the VM, is checked instead: its class,
 *   size and volume mode); the PV controller binds them. A VM's disk its volume says is not
 *   removable goes with the VM (CNS clears the disk's `keepAfterDeleteVm`).
 * - Done: the claim the request's controlling owner, `status.registered`. A request deleted before
 *   that waits for nothing (the finalizer `cns.vmware.com/register-volume` comes off); its volume,
 *   if made and not bound, goes too (the disk stays registered).
 */
import { isVimFault, type VmRecord, type VSphere, type VStorageObjectRecord } from '@vsim/vsphere';
import { CNS_REGISTER_VOLUME } from '../../cns-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { type KubeObject, merged, withAnnotation, withFinalizer } from '../../store/meta.js';
import { binaryQuantity, parseQuantity, wholeUnits } from '../../store/quantity.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import { CSI_BACKOFF, CSI_DRIVER, type PersistentVolume, type PersistentVolumeClaim } from './provisioner.js';

export const CNS_REGISTER_VOLUME_CONTROLLER = 'cnsregistervolume-controller';
export const REGISTER_VOLUME_FINALIZER = 'cns.vmware.com/register-volume';
/** The claim annotation of how the disk is backed, which the request's `spec.backingType` gives. */
export const DISK_BACKING_ANNOTATION = 'cns.vmware.com.protected/disk-backing';
const PROTECTION_CLEARED_ANNOTATION = 'cns.vmware.com/vm-delete-protection-cleared';
const CREATED_BY_LABEL = 'cns.vmware.com/created-by';
const REQUEST_NAMESPACE_LABEL = 'cns.vmware.com/cnsregistervolume-namespace';
const REQUEST_NAME_LABEL = 'cns.vmware.com/cnsregistervolume-name';
const STATIC_PV_PREFIX = 'static-pv-';

const PVC = PERSISTENT_VOLUME_CLAIM;
const PV = PERSISTENT_VOLUME;
const MIB = 1024n * 1024n;

export interface CnsRegisterVolume extends KubeObject {
  spec?: {
    pvcName?: string;
    volumeID?: string;
    diskURLPath?: string;
    accessMode?: string;
    volumeMode?: string;
    backingType?: string;
  };
  status?: { registered?: boolean; error?: string };
}

interface ClaimWithSource extends PersistentVolumeClaim {
  spec?: PersistentVolumeClaim['spec'] & {
    dataSourceRef?: { apiGroup?: string; kind?: string; name?: string };
  };
}

/** A step that failed, with what the syncer writes to `status.error`. */
class RegisterError extends Error {}

const VM_GROUP = VM_OPERATOR_API_VERSION.split('/')[0];

export function startCnsRegisterVolumeController(
  manager: Manager,
  deps: { kube: KubeStore; vsphere: VSphere; sharedDisks?: boolean },
): Controller {
  const { kube, vsphere, sharedDisks = false } = deps;

  const claimOf = (namespace: string, name: string) =>
    kube.direct.get({ ...PVC, namespace, name }) as ClaimWithSource | undefined;
  /** Whether vm-operator made the claim of a VM's disk (CNS takes no other data source). */
  const ofVm = (claim: ClaimWithSource | undefined) => {
    const source = claim?.spec?.dataSourceRef;
    return source?.apiGroup === VM_GROUP && source?.kind === 'VirtualMachine';
  };

  /** validateCnsRegisterVolumeSpec and isBlockVolumeRegisterRequest. */
  const checkSpec = (spec: NonNullable<CnsRegisterVolume['spec']>) => {
    const { volumeID, diskURLPath, accessMode = '', volumeMode = '' } = spec;
    if (volumeID && diskURLPath)
      throw new RegisterError('VolumeID and DiskURLPath cannot be specified together');
    if (diskURLPath && accessMode !== '' && accessMode !== 'ReadWriteOnce') {
      if (!sharedDisks)
        throw new RegisterError(`DiskURLPath cannot be used with accessMode: "${accessMode}"`);
      if (accessMode === 'ReadWriteMany' && volumeMode !== 'Block')
        throw new RegisterError(
          'DiskURLPath cannot be used with accessMode: ReadWriteMany and volumeMode: Filesystem',
        );
    }
    if (volumeID && accessMode === '')
      throw new RegisterError('AccessMode cannot be empty when volumeID is specified');
    const block =
      accessMode === 'ReadWriteOnce' ||
      (sharedDisks && accessMode === 'ReadWriteMany' && volumeMode === 'Block') ||
      (accessMode === '' && diskURLPath);
    if (!block)
      throw new RegisterError(`AccessMode: ${accessMode} is not supported with volumemode ${volumeMode}`);
  };

  /** The First Class Disk of the request: the disk file registered (once: a second time finds it), or the one named. */
  const volumeOf = (spec: NonNullable<CnsRegisterVolume['spec']>): VStorageObjectRecord => {
    if (spec.volumeID) {
      const disk = vsphere.store.get(spec.volumeID) as VStorageObjectRecord | undefined;
      if (disk?.kind !== 'VStorageObject') throw new RegisterError(`CNS Volume: ${spec.volumeID} not found`);
      return disk;
    }
    const path = spec.diskURLPath ?? '';
    let id: string;
    try {
      id = vsphere.disks.register(path, `${STATIC_PV_PREFIX}${vsphere.random.uuid()}`).config.id.id;
    } catch (fault) {
      if (!isVimFault(fault)) throw fault;
      const registered = fault.fault._type === 'AlreadyExists' ? registeredAt(path) : undefined;
      if (!registered) throw new RegisterError(`failed to create CNS volume. Error: ${fault.message}`);
      id = registered;
    }
    return vsphere.store.get(id) as VStorageObjectRecord;
  };

  /** The First Class Disk already registered of a disk URL's file. */
  const registeredAt = (url: string): string | undefined => {
    const file = datastorePathOf(url);
    for (const disk of vsphere.store.ofKind<VStorageObjectRecord>('VStorageObject'))
      if (disk.filePath === file) return disk.id;
    return undefined;
  };

  /**
   * The policy and size of the disk a request names (a First Class Disk's, or a VM's disk's); what
   * CNS checks of them after its registration, which it undoes when they fail, is checked first.
   */
  const diskFacts = (spec: NonNullable<CnsRegisterVolume['spec']>) => {
    if (spec.volumeID) return volumeOf(spec);
    const file = datastorePathOf(spec.diskURLPath ?? '');
    for (const disk of vsphere.store.ofKind<VStorageObjectRecord>('VStorageObject'))
      if (disk.filePath === file) return disk;
    for (const vm of vsphere.store.ofKind<VmRecord>('VirtualMachine'))
      for (const d of vm.config.devices)
        if ((d.backing as { fileName?: string } | undefined)?.fileName === file)
          return {
            storagePolicyId: d.storagePolicyId as string | undefined,
            capacityInMB: Math.ceil((d.capacityInKB as number) / 1024),
          };
    return undefined;
  };

  /** The class of the disk's policy, binding at once, that a quota of the namespace assigns. */
  const storageClassOf = (
    namespace: string,
    disk: { readonly storagePolicyId?: string | undefined },
  ): string => {
    const policy = disk.storagePolicyId;
    if (!policy) throw new RegisterError("Volume in the spec doesn't have storage policy associated with it");
    let found: string | undefined;
    for (const sc of kube.direct.list(STORAGE_CLASS.apiVersion, STORAGE_CLASS.kind)) {
      const parameters = (sc as { parameters?: Record<string, string> }).parameters ?? {};
      const id = Object.entries(parameters).find(([key]) => key.toLowerCase() === 'storagepolicyid')?.[1];
      const binding = (sc as { volumeBindingMode?: string }).volumeBindingMode;
      if (id === policy && binding !== 'WaitForFirstConsumer') found = sc.metadata.name as string;
    }
    const quotaKey = `${found}.storageclass.storage.k8s.io/requests.storage`;
    const assigned =
      found !== undefined &&
      kube.direct
        .list('v1', 'ResourceQuota', namespace)
        .some(
          (q) => (q as { spec?: { hard?: Record<string, string> } }).spec?.hard?.[quotaKey] !== undefined,
        );
    if (!assigned)
      throw new RegisterError(
        `Failed to find K8S Storageclass mapping storagepolicyId: ${policy} and assigned to namespace: ${namespace}`,
      );
    return found as string;
  };

  /** The PV's size: a VM's claim's request, which must be the disk's size (rounded up to MiB, or one more). */
  const capacityOf = (
    claim: ClaimWithSource | undefined,
    disk: Pick<VStorageObjectRecord, 'capacityInMB'>,
  ): string => {
    if (!ofVm(claim)) return binaryQuantity(disk.capacityInMB * Number(MIB));
    const name = `${claim?.metadata.namespace}/${claim?.metadata.name}`;
    const requested = claim?.spec?.resources?.requests?.storage;
    const parsed = requested === undefined ? undefined : parseQuantity(String(requested));
    if (!parsed)
      throw new RegisterError(`PVC ${name} has no storage request and DataSourceRef is not supported`);
    const mb = (wholeUnits(parsed.nanos) + MIB - 1n) / MIB;
    if (mb !== BigInt(disk.capacityInMB) && mb !== BigInt(disk.capacityInMB) + 1n)
      throw new RegisterError(`PVC ${name} size is not matching with backend FCD size`);
    return String(requested);
  };

  /** The claim's own checks before its volume is made (its class, its volume mode, its binding). */
  const checkClaim = (
    request: CnsRegisterVolume,
    claim: ClaimWithSource,
    storageClass: string,
    pvName: string,
  ) => {
    const name = claim.metadata.name as string;
    const namespace = claim.metadata.namespace as string;
    const source = claim.spec?.dataSourceRef;
    if (source && !ofVm(claim))
      throw new RegisterError(
        `Failed to check existing PVC ${namespace}/${name} with DataSourceRef: existing PVC has unsupported DataSourceRef for CNSRegisterVolume`,
      );
    const mode = claim.spec?.volumeMode;
    const asked = request.spec?.volumeMode ?? '';
    if (source && mode && asked !== '' && asked !== mode)
      throw new RegisterError(
        `VolumeMode mismatch: existing PVC ${name} in namespace ${namespace} has volumeMode ${mode}, but CnsRegisterVolume specifies volumeMode ${asked}`,
      );
    const className = claim.spec?.storageClassName;
    if (!className)
      throw new RegisterError(
        `PVC ${name} has no storage class specified, but requires storage class ${storageClass}`,
      );
    if (className !== storageClass)
      throw new RegisterError(
        `PVC ${name} has storage class ${className}, but volume maps to storage class ${storageClass}`,
      );
    if (claim.status?.phase === 'Bound' && claim.spec?.volumeName !== pvName)
      throw new RegisterError(
        `Another PVC: ${name} already exists in namespace: ${namespace} which is Bound to a different PV`,
      );
  };

  /** vm-operator's volume of a VM's disk that is not removable: the disk goes with the VM. */
  const unprotect = (claim: ClaimWithSource, disk: VStorageObjectRecord) => {
    const namespace = claim.metadata.namespace as string;
    const vmName = claim.spec?.dataSourceRef?.name ?? '';
    const vm = kube.direct.get({
      apiVersion: VM_OPERATOR_API_VERSION,
      kind: 'VirtualMachine',
      namespace,
      name: vmName,
    });
    if (!vm)
      throw new RegisterError(
        `failed to get VirtualMachine ${namespace}/${vmName} referenced by PVC DataSourceRef: virtualmachines.vmoperator.vmware.com "${vmName}" not found`,
      );
    const volumes = (
      vm.spec as { volumes?: { removable?: boolean; persistentVolumeClaim?: { claimName?: string } }[] }
    )?.volumes;
    const volume = volumes?.find((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name);
    if (volume?.removable !== false || claim.metadata.annotations?.[PROTECTION_CLEARED_ANNOTATION] === 'true')
      return;
    if (disk.keepAfterDeleteVm)
      vsphere.disks.clearControlFlags(disk.id, disk.datastore, ['keepAfterDeleteVm']);
    kube.direct.update(withAnnotation(claim, PROTECTION_CLEARED_ANNOTATION, 'true'));
  };

  const writeStatus = (request: CnsRegisterVolume, status: CnsRegisterVolume['status']) => {
    const latest = kube.direct.get(requestRef(request)) as CnsRegisterVolume | undefined;
    if (
      !latest ||
      (latest.status?.registered === status?.registered && latest.status?.error === status?.error)
    )
      return;
    kube.direct.updateStatus(merged(latest, { status }));
  };

  const register = async (request: CnsRegisterVolume) => {
    const spec = request.spec ?? {};
    const namespace = request.metadata.namespace as string;
    const pvcName = spec.pvcName ?? '';
    checkSpec(spec);
    let claim = claimOf(namespace, pvcName);
    const facts = diskFacts(spec);
    const storageClass = facts ? storageClassOf(namespace, facts) : '';
    const capacity = facts ? capacityOf(claim, facts) : '';
    const disk = volumeOf(spec);
    const pvName = `${STATIC_PV_PREFIX}${disk.id}`;
    if (spec.diskURLPath)
      for (const pv of kube.direct.list(PV.apiVersion, PV.kind) as PersistentVolume[])
        if (pv.spec?.csi?.volumeHandle === disk.id && pv.metadata.name !== pvName)
          throw new RegisterError(
            `PV: "${pv.metadata.name}" with the volume ID: "${disk.id}" for volume path: "${spec.diskURLPath}"is already present. Can not create multiple PV with same disk.`,
          );
    if (claim && ofVm(claim)) unprotect(claim, disk);
    if (claim) checkClaim(request, claim, storageClass, pvName);
    const volumeMode = spec.volumeMode || (ofVm(claim) ? claim?.spec?.volumeMode : undefined) || 'Filesystem';
    const accessMode = spec.accessMode || 'ReadWriteOnce';
    const existing = kube.direct.get({ ...PV, name: pvName }) as PersistentVolume | undefined;
    if (existing?.status?.phase === 'Bound' && existing.spec?.claimRef?.name !== pvcName)
      throw new RegisterError('Duplicate Request');
    if (!existing)
      kube.direct.create(
        volumeFor({ namespace, name: request.metadata.name as string, pvcName, pvName }, disk.id, {
          capacity,
          accessMode,
          volumeMode,
          storageClass,
        }),
      );
    if (!claim) {
      claim = kube.direct.create({
        ...PVC,
        metadata: {
          name: pvcName,
          namespace,
          ...(spec.backingType ? { annotations: { [DISK_BACKING_ANNOTATION]: spec.backingType } } : {}),
        },
        spec: {
          accessModes: [accessMode],
          resources: { requests: { storage: `${disk.capacityInMB}Mi` } },
          storageClassName: storageClass,
          volumeName: pvName,
          ...(sharedDisks ? { volumeMode } : {}),
        },
      }) as ClaimWithSource;
    }
    // The PV controller binds the claim to the volume bound ahead to it: done once it has.
    if (claim.status?.phase !== 'Bound') return { requeue: true };
    const annotated =
      sharedDisks &&
      spec.backingType &&
      claim.metadata.annotations?.[DISK_BACKING_ANNOTATION] !== spec.backingType;
    if (annotated)
      kube.direct.update(withAnnotation(claim, DISK_BACKING_ANNOTATION, spec.backingType as string));
    const latest = kube.direct.get(requestRef(request)) as CnsRegisterVolume;
    const owned = kube.direct.update(
      merged(latest, {
        metadata: merged(latest.metadata, {
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              name: pvcName,
              uid: claim.metadata.uid as string,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        }),
      }),
    ) as CnsRegisterVolume;
    writeStatus(owned, { registered: true, error: '' });
    return undefined;
  };

  /** A request deleted: its volume, if made and not bound, goes; then its finalizer. */
  const unregister = async (request: CnsRegisterVolume) => {
    if (!request.metadata.finalizers?.includes(REGISTER_VOLUME_FINALIZER)) return undefined;
    const namespace = request.metadata.namespace as string;
    const claim = claimOf(namespace, request.spec?.pvcName ?? '');
    if (!request.status?.registered && claim?.status?.phase !== 'Bound')
      for (const pv of kube.direct.list(PV.apiVersion, PV.kind) as PersistentVolume[]) {
        const labels = pv.metadata.labels ?? {};
        if (
          labels[REQUEST_NAMESPACE_LABEL] === namespace &&
          labels[REQUEST_NAME_LABEL] === request.metadata.name &&
          pv.status?.phase !== 'Bound'
        )
          await kube.delete({ ...PV, name: pv.metadata.name as string });
      }
    const released = withFinalizer(request, REGISTER_VOLUME_FINALIZER, false);
    if (released) kube.direct.update(released);
    return undefined;
  };

  const reconcile = async (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    let request = kube.direct.get({ ...CNS_REGISTER_VOLUME, namespace, name }) as
      | CnsRegisterVolume
      | undefined;
    if (!request) return undefined;
    if (request.metadata.deletionTimestamp) return unregister(request);
    if (request.status?.registered) return undefined;
    const protectedRequest = withFinalizer(request, REGISTER_VOLUME_FINALIZER, true);
    if (protectedRequest) request = kube.direct.update(protectedRequest) as CnsRegisterVolume;
    try {
      return await register(request);
    } catch (error) {
      if (!(error instanceof RegisterError)) throw error;
      writeStatus(request, { registered: false, error: error.message });
      return { requeue: true };
    }
  };

  const controller = manager.controller({ name: CNS_REGISTER_VOLUME_CONTROLLER, reconcile, ...CSI_BACKOFF });
  controller.watches(kube, CNS_REGISTER_VOLUME, changedRequestKeys);
  // The claim bound by the PV controller: its request goes on.
  controller.watches(kube, PVC, (claim) => {
    const volume = (claim as PersistentVolumeClaim).spec?.volumeName ?? '';
    if (!volume.startsWith(STATIC_PV_PREFIX) || (claim as PersistentVolumeClaim).status?.phase !== 'Bound')
      return undefined;
    const pv = kube.direct.get({ ...PV, name: volume });
    const requestName = pv?.metadata.labels?.[REQUEST_NAME_LABEL];
    return requestName ? [objectKey({ namespace: claim.metadata.namespace, name: requestName })] : undefined;
  });
  return controller;
}

const requestRef = (request: CnsRegisterVolume) => ({
  ...CNS_REGISTER_VOLUME,
  namespace: request.metadata.namespace as string,
  name: request.metadata.name as string,
});

/** The syncer's generation-changed predicate: its own writes of finalizers and status bring nothing back. */
const changedRequestKeys = (object: KubeObject, event: string, old: KubeObject | undefined) =>
  event !== 'MODIFIED' ||
  object.metadata.generation !== old?.metadata.generation ||
  (object.metadata.deletionTimestamp !== undefined && old?.metadata.deletionTimestamp === undefined)
    ? [objectKey({ namespace: object.metadata.namespace, name: object.metadata.name as string })]
    : undefined;

/** `[<datastore>] <path>` of a datastore URL (`.../folder/<path>?dcPath=...&dsName=<datastore>`). */
function datastorePathOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const path = decodeURIComponent(parsed.pathname.replace(/^\/folder\//, ''));
    return `[${parsed.searchParams.get('dsName') ?? ''}] ${path}`;
  } catch {
    return undefined;
  }
}

/** The PersistentVolume the syncer saves for a registered disk, bound ahead to its claim. */
function volumeFor(
  request: { namespace: string; name: string; pvcName: string; pvName: string },
  volumeId: string,
  volume: { capacity: string; accessMode: string; volumeMode: string; storageClass: string },
): KubeObject {
  return {
    ...PV,
    metadata: {
      name: request.pvName,
      labels: {
        [CREATED_BY_LABEL]: 'cnsregistervolume',
        [REQUEST_NAMESPACE_LABEL]: request.namespace,
        [REQUEST_NAME_LABEL]: request.name,
      },
      annotations: { 'pv.kubernetes.io/provisioned-by': CSI_DRIVER },
    },
    spec: {
      accessModes: [volume.accessMode],
      capacity: { storage: volume.capacity },
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: request.namespace,
        name: request.pvcName,
      },
      csi: {
        driver: CSI_DRIVER,
        volumeHandle: volumeId,
        readOnly: false,
        ...(volume.volumeMode === 'Filesystem' ? { fsType: 'ext4' } : {}),
      },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: volume.storageClass,
      volumeMode: volume.volumeMode,
    },
  };
}
