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
 * - The order is the syncer's: the disk is registered first, and undone (CNS's unregistration)
 *   only where the syncer cleans up: a disk without a policy, a claim of no or another class, a
 *   claim bound to another volume; after the other failures it stays a First Class Disk.
 * - Done: the claim the request's controlling owner, `status.registered` (a request registered
 *   goes 12 hours after it was made, the syncer's clean-up; vm-operator deletes its own at once).
 *   Events `CnsRegisterVolumeFailed` and `CnsRegisterVolumeSucceeded`. A request deleted before
 *   that waits for nothing (the finalizer `cns.vmware.com/register-volume` comes off); its volume,
 *   if made and not bound, goes too, and the disk it registered is unregistered.
 */
import { isVimFault, type VSphere, type VStorageObjectRecord } from '@vsim/vsphere';
import { GROUP } from '../../api/conversion/engine.js';
import { CNS_GROUP, CNS_REGISTER_VOLUME } from '../../cns-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  controllerReference,
  type KubeObject,
  merged,
  withAnnotation,
  withFinalizer,
} from '../../store/meta.js';
import { binaryQuantity, parseQuantity, wholeUnits } from '../../store/quantity.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import { generationChangedKeys } from './attacher.js';
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
/** `CnsRegisterVolumesCleanupIntervalInMin`'s default: 720 minutes. */
const REGISTERED_TTL_MS = 720 * 60_000;

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

export function startCnsRegisterVolumeController(
  manager: Manager,
  deps: { kube: KubeStore; vsphere: VSphere; sharedDisks?: boolean; recorderFor?: RecorderFor },
): Controller {
  const { kube, vsphere, sharedDisks = false } = deps;
  const events = recorderOf(deps, CNS_GROUP);

  const claimOf = (namespace: string, name: string) =>
    kube.direct.get({ ...PVC, namespace, name }) as ClaimWithSource | undefined;
  /** Whether vm-operator made the claim of a VM's disk (CNS takes no other data source). */
  const ofVm = (claim: ClaimWithSource | undefined) => {
    const source = claim?.spec?.dataSourceRef;
    return source?.apiGroup === GROUP && source?.kind === 'VirtualMachine';
  };

  /** validateCnsRegisterVolumeSpec and isBlockVolumeRegisterRequest. */
  const checkSpec = (spec: NonNullable<CnsRegisterVolume['spec']>) => {
    const { volumeID, diskURLPath, accessMode = '', volumeMode = '' } = spec;
    if (volumeID && diskURLPath)
      throw new RegisterError('VolumeID and DiskURLPath cannot be specified together');
    if (diskURLPath && accessMode !== '' && accessMode !== 'ReadWriteOnce') {
      if (!sharedDisks)
        throw new RegisterError(`DiskURLPath cannot be used with accessMode: "${accessMode}"`);
      if (accessMode === 'ReadWriteMany' && volumeMode === 'Filesystem')
        throw new RegisterError(
          'DiskURLPath cannot be used with accessMode: ReadWriteMany and volumeMode: Filesystem',
        );
    }
    if (volumeID && accessMode === '')
      throw new RegisterError('AccessMode cannot be empty when volumeID is specified');
    if (volumeID)
      for (const pv of kube.direct.list(PV.apiVersion, PV.kind) as PersistentVolume[])
        if (pv.spec?.csi?.volumeHandle === volumeID && pv.metadata.name !== `${STATIC_PV_PREFIX}${volumeID}`)
          throw new RegisterError(
            `PV: "${pv.metadata.name}" with the volume ID: "${volumeID}" is already present. Can not create multiple PV with same volume Id.`,
          );
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
      // A disk registered already is the volume, as CNS answers a registration made again.
      const registered = fault.fault._type === 'AlreadyExists' ? vsphere.disks.registeredAt(path) : undefined;
      if (!registered) throw new RegisterError(`failed to create CNS volume. Error: ${fault.message}`);
      id = registered.config.id.id;
    }
    return vsphere.store.get(id) as VStorageObjectRecord;
  };

  /** The class of the disk's policy, binding at once, that a quota of the namespace assigns. */
  const storageClassOf = (namespace: string, policy: string): string => {
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

  /** The PV's size: a claim with a data source's request, which must be the disk's size (in MiB, or one more). */
  const capacityOf = (claim: ClaimWithSource | undefined, disk: VStorageObjectRecord): string => {
    if (!claim?.spec?.dataSourceRef) return binaryQuantity(disk.capacityInMB * Number(MIB));
    const name = `${claim.metadata.namespace}/${claim.metadata.name}`;
    const requested = claim.spec.resources?.requests?.storage;
    const parsed = requested === undefined ? undefined : parseQuantity(String(requested));
    if (!parsed)
      throw new RegisterError(`PVC ${name} has no storage request and DataSourceRef is not supported`);
    const mb = (wholeUnits(parsed.nanos) + MIB - 1n) / MIB;
    if (mb !== BigInt(disk.capacityInMB) && mb !== BigInt(disk.capacityInMB) + 1n)
      throw new RegisterError(`PVC ${name} size is not matching with backend FCD size`);
    return String(requested);
  };

  /** checkExistingPVCDataSourceRef: a claim without a data source, or vm-operator's, may be the volume's. */
  const checkSource = (claim: ClaimWithSource) => {
    const source = claim.spec?.dataSourceRef;
    if (!source || ofVm(claim)) return;
    const { namespace, name } = claim.metadata;
    throw new RegisterError(
      `Failed to check existing PVC ${namespace}/${name} with DataSourceRef: existing PVC ${name} in namespace ${namespace} has unsupported DataSourceRef for CNSRegisterVolume. APIGroup: ${source.apiGroup ?? ''}, Kind: ${source.kind ?? ''} is not supported. Supported types: [{apiGroup:${GROUP} kind:VirtualMachine}]`,
    );
  };

  /**
   * The volume mode a claim with a data source gives a request that names none (written into it);
   * a different one is an error.
   */
  const inheritVolumeMode = (request: CnsRegisterVolume, claim: ClaimWithSource): CnsRegisterVolume => {
    const mode = claim.spec?.volumeMode;
    if (!claim.spec?.dataSourceRef || !mode) return request;
    const asked = request.spec?.volumeMode ?? '';
    if (asked === '')
      return kube.direct.update(merged(request, { spec: merged(request.spec ?? {}, { volumeMode: mode }) }));
    if (asked !== mode)
      throw new RegisterError(
        `VolumeMode mismatch: existing PVC ${claim.metadata.name} in namespace ${claim.metadata.namespace} has volumeMode ${mode}, but CnsRegisterVolume specifies volumeMode ${asked}`,
      );
    return request;
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
    if (volume?.removable !== false) return;
    if (disk.keepAfterDeleteVm)
      vsphere.disks.clearControlFlags(disk.id, disk.datastore, ['keepAfterDeleteVm']);
    if (claim.metadata.annotations?.[PROTECTION_CLEARED_ANNOTATION] !== 'true')
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

  /**
   * The syncer's reconcile of a request, in its order: the disk registered first (a failure of
   * the checks that follow undoing it only where the syncer's cleanup does: a disk without a
   * policy, a claim of another class or bound elsewhere), then its class, the claim, the volume.
   */
  const register = async (given: CnsRegisterVolume) => {
    let request = given;
    const spec = request.spec ?? {};
    const namespace = request.metadata.namespace as string;
    const pvcName = spec.pvcName ?? '';
    checkSpec(spec);
    const disk = volumeOf(spec);
    const pvName = `${STATIC_PV_PREFIX}${disk.id}`;
    const volumes = kube.direct.list(PV.apiVersion, PV.kind) as PersistentVolume[];
    for (const pv of volumes)
      if (spec.diskURLPath && pv.spec?.csi?.volumeHandle === disk.id && pv.metadata.name !== pvName)
        throw new RegisterError(
          `PV: "${pv.metadata.name}" with the volume ID: "${disk.id}" for volume path: "${spec.diskURLPath}"is already present. Can not create multiple PV with same disk.`,
        );
    // CnsUnregisterVolume of a disk the request registered; a First Class Disk named is kept.
    const undo = (error: RegisterError) => {
      if (spec.diskURLPath) vsphere.disks.unregister(disk.id);
      return error;
    };
    if (!disk.storagePolicyId)
      throw undo(new RegisterError("Volume in the spec doesn't have storage policy associated with it"));
    const storageClass = storageClassOf(namespace, disk.storagePolicyId);
    let claim = claimOf(namespace, pvcName);
    if (claim) {
      checkSource(claim);
      request = inheritVolumeMode(request, claim);
      if (ofVm(claim)) unprotect(claim, disk);
      const className = claim.spec?.storageClassName;
      if (className === undefined)
        throw undo(
          new RegisterError(
            `PVC ${pvcName} has no storage class specified, but requires storage class ${storageClass}`,
          ),
        );
      if (className !== storageClass)
        throw undo(
          new RegisterError(
            `PVC ${pvcName} has storage class ${className}, but volume maps to storage class ${storageClass}`,
          ),
        );
    }
    const capacity = capacityOf(claim, disk);
    const volumeMode = request.spec?.volumeMode || 'Filesystem';
    const accessMode = spec.accessMode || 'ReadWriteOnce';
    const existing = kube.direct.get({ ...PV, name: pvName }) as PersistentVolume | undefined;
    if (!existing)
      kube.direct.create(
        volumeFor({ namespace, name: request.metadata.name as string, pvcName, pvName }, disk.id, {
          capacity,
          accessMode,
          volumeMode,
          storageClass,
        }),
      );
    else if (existing.status?.phase === 'Bound' && existing.spec?.claimRef?.name !== pvcName)
      throw new RegisterError('Duplicate Request');
    if (claim?.status?.phase === 'Bound' && claim.spec?.volumeName !== pvName) {
      const error = undo(
        new RegisterError(
          `Another PVC: ${pvcName} already exists in namespace: ${namespace} which is Bound to a different PV`,
        ),
      );
      kube.direct.delete({ ...PV, name: pvName });
      throw error;
    }
    const made = !claim;
    if (!claim)
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
    // The PV controller binds the claim to the volume bound ahead to it; a volume saved by an
    // earlier pass and still unbound is the syncer's error after its wait.
    if (claim.status?.phase !== 'Bound') {
      if (existing) throw new RegisterError(`PVC: ${pvcName} is not bound`);
      return { requeue: true };
    }
    if (
      sharedDisks &&
      !made &&
      spec.backingType &&
      claim.metadata.annotations?.[DISK_BACKING_ANNOTATION] !== spec.backingType
    )
      kube.direct.update(withAnnotation(claim, DISK_BACKING_ANNOTATION, spec.backingType));
    const latest = kube.direct.get(requestRef(request)) as CnsRegisterVolume;
    const owned = kube.direct.update(
      merged(latest, {
        metadata: merged(latest.metadata, {
          ownerReferences: [controllerReference(claim)],
        }),
      }),
    ) as CnsRegisterVolume;
    writeStatus(owned, { registered: true, error: '' });
    events.normal(
      owned,
      'CnsRegisterVolumeSucceeded',
      `Successfully registered the volume on namespace: ${namespace}`,
    );
    return expiring(owned);
  };

  /** A registered request's syncer clean-up, once it is 12 hours old (the syncer's default). */
  const expiring = (request: CnsRegisterVolume) => {
    const age =
      vsphere.clock.now() - (Date.parse(request.metadata.creationTimestamp ?? '') || vsphere.clock.now());
    if (age < REGISTERED_TTL_MS) return { requeueAfter: REGISTERED_TTL_MS - age };
    kube.direct.delete(requestRef(request));
    return undefined;
  };

  /** A request deleted: its volume, if made and not bound, goes; then its finalizer. */
  const unregister = async (request: CnsRegisterVolume) => {
    if (!request.metadata.finalizers?.includes(REGISTER_VOLUME_FINALIZER)) return undefined;
    const namespace = request.metadata.namespace as string;
    const claim = claimOf(namespace, request.spec?.pvcName ?? '');
    if (!request.status?.registered && claim?.status?.phase !== 'Bound' && request.spec?.diskURLPath)
      for (const pv of kube.direct.list(PV.apiVersion, PV.kind) as PersistentVolume[]) {
        const labels = pv.metadata.labels ?? {};
        if (
          labels[REQUEST_NAMESPACE_LABEL] === namespace &&
          labels[REQUEST_NAME_LABEL] === request.metadata.name &&
          pv.status?.phase !== 'Bound'
        ) {
          // Kept from reclaiming (Retain), deleted, and its disk unregistered.
          kube.direct.update(
            merged(pv, { spec: merged(pv.spec ?? {}, { persistentVolumeReclaimPolicy: 'Retain' }) }),
          );
          await kube.delete({ ...PV, name: pv.metadata.name as string });
          const id = pv.spec?.csi?.volumeHandle ?? '';
          if ((vsphere.store.get(id) as VStorageObjectRecord | undefined)?.kind === 'VStorageObject')
            vsphere.disks.unregister(id);
        }
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
    if (request.status?.registered) return expiring(request);
    const protectedRequest = withFinalizer(request, REGISTER_VOLUME_FINALIZER, true);
    if (protectedRequest) request = kube.direct.update(protectedRequest) as CnsRegisterVolume;
    try {
      return await register(request);
    } catch (error) {
      if (!(error instanceof RegisterError)) throw error;
      writeStatus(request, { registered: false, error: error.message });
      events.warning(request, 'CnsRegisterVolumeFailed', error.message);
      return { requeue: true };
    }
  };

  const controller = manager.controller({ name: CNS_REGISTER_VOLUME_CONTROLLER, reconcile, ...CSI_BACKOFF });
  controller.watches(kube, CNS_REGISTER_VOLUME, generationChangedKeys);
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
