/**
 * The Supervisor's vSphere CSI driver, for block volumes, as a claim's user sees it: with the
 * Kubernetes PV controller and external-provisioner's parts it needs.
 *
 * A claim without a volume is `Pending`, as the PV controller marks it. One whose StorageClass
 * names the driver (`csi.vsphere.vmware.com`) gets a First Class Disk of its requested size
 * (rounded up to MiB) on the Supervisor's datastore, under the class's storage policy, named as its
 * PersistentVolume `pvc-<claim uid>`, kept after a VM destroyed with it attached, as CNS keeps
 * its disks. The PersistentVolume (`spec.csi` with the disk's id as `volumeHandle`) and the
 * claim are bound both ways, with the annotations the PV controller writes. A class with
 * `volumeBindingMode: WaitForFirstConsumer` waits for the claim's
 * `volume.kubernetes.io/selected-node` annotation (vm-operator sets the VM's zone); a claim made
 * before its class is provisioned once the class exists.
 *
 * Reclaiming: once the claim it was bound to is gone, a provisioned volume with
 * `persistentVolumeReclaimPolicy: Delete` (what a class without `reclaimPolicy` gives it)
 * deletes its disk, then itself, waiting while a VM still has the disk attached. Any other
 * volume is `Released` and keeps its disk; one bound to no claim is `Available`. A volume
 * deleted by hand waits for its claim to go (`kubernetes.io/pv-protection`), then is reclaimed
 * the same way.
 */
import {
  canRunVms,
  getOrInsert,
  type HostRecord,
  type VSphere,
  type VStorageObjectRecord,
} from '@vsim/vsphere';
import {
  hostNodeName,
  INSTANCE_STORAGE_LABEL,
  STORAGE_POOL_ANNOTATION,
  STORAGE_POOL_FAILED_PREFIX,
  STORAGE_POOL_NOT_ENOUGH_RESOURCES,
} from '../../api/instance-storage.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import {
  PERSISTENT_VOLUME,
  PERSISTENT_VOLUME_CLAIM,
  PVC_PROTECTION_FINALIZER,
  STORAGE_CLASS,
} from '../../store/kinds.js';
import type { KubeStore } from '../../store/kube-store.js';
import { type KubeObject, merged, withAnnotation, withFinalizer } from '../../store/meta.js';
import { binaryQuantity, parseQuantity, wholeUnits } from '../../store/quantity.js';

export const CSI_DRIVER = 'csi.vsphere.vmware.com';
export const CSI_PROVISIONER_CONTROLLER = 'csi-provisioner';
export const PERSISTENT_VOLUME_CONTROLLER = 'persistentvolume-controller';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';

const PVC = PERSISTENT_VOLUME_CLAIM;
const PV = PERSISTENT_VOLUME;
/** What holds a volume: while its claim is bound (the API server's), until its disk is deleted (external-provisioner's). */
const PV_FINALIZERS = ['kubernetes.io/pv-protection', 'external-provisioner.volume.kubernetes.io/finalizer'];
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

const MIB = 1024 * 1024;
/** What the driver gives a claim that requests no size. */

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    volumeMode?: string;
    resources?: { requests?: { storage?: string }; limits?: { storage?: string } };
    dataSourceRef?: { apiGroup?: string; kind?: string; name?: string };
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: { storage?: string } };
}

export interface PersistentVolume extends KubeObject {
  spec?: {
    claimRef?: { apiVersion?: string; kind?: string; namespace?: string; name?: string; uid?: string };
    accessModes?: string[];
    capacity?: { storage?: string };
    volumeMode?: string;
    storageClassName?: string;
    csi?: { driver?: string; volumeHandle?: string };
    persistentVolumeReclaimPolicy?: string;
  };
  status?: { phase?: string };
}

interface StorageClass extends KubeObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
}

const PROVISIONER_ANNOTATIONS = {
  'volume.beta.kubernetes.io/storage-provisioner': CSI_DRIVER,
  'volume.kubernetes.io/storage-provisioner': CSI_DRIVER,
};

/**
 * The claim bound to its volume, as the PV controller binds it: its annotations, volume name and
 * status. A claim that named no volume is marked bound by the controller, and, `provisioned`
 * (one the controller asked the driver for), with the driver's name.
 */
function bindClaim(
  kube: KubeStore,
  claim: PersistentVolumeClaim,
  pvName: string,
  accessModes: string[],
  capacity: string,
  provisioned = true,
): void {
  const byController = claim.spec?.volumeName !== pvName;
  const annotations = merged(claim.metadata.annotations ?? {}, {
    'pv.kubernetes.io/bind-completed': 'yes',
    ...(byController ? { 'pv.kubernetes.io/bound-by-controller': 'yes' } : {}),
    ...(provisioned ? PROVISIONER_ANNOTATIONS : {}),
  });
  const bound = kube.direct.update(
    merged(claim, {
      metadata: merged(claim.metadata, { annotations }),
      spec: merged(claim.spec ?? {}, { volumeName: pvName }),
    }),
  );
  kube.direct.updateStatus(
    merged(bound, { status: { phase: 'Bound', accessModes, capacity: { storage: capacity } } }),
  );
}

export interface CsiControllersDeps {
  kube: KubeStore;
  vsphere: VSphere;
  /** The datastore (moref value) new disks go to: the Supervisor cluster's. */
  datastore: () => string;
}

/**
 * The claim's disk size in MiB, rounded up, as the driver asks CNS for it; undefined without a
 * positive quantity, which the store refuses to any writer but the store's own code.
 */
const capacityInMB = (claim: PersistentVolumeClaim): number | undefined => {
  const requested = parseQuantity(String(claim.spec?.resources?.requests?.storage));
  if (!requested || requested.nanos <= 0n) return undefined;
  return Number((wholeUnits(requested.nanos) + BigInt(MIB) - 1n) / BigInt(MIB));
};

/**
 * The CSI driver's backoff, whatever the Supervisor's timing: 1 s doubling up to 5 minutes, as
 * the syncer retries (the PV controller's retries are kept the same).
 */
export const CSI_BACKOFF = { backoff: { baseDelay: 1_000, maxDelay: 300_000 }, requeueDelay: 0 } as const;

/** The PersistentVolume external-provisioner saves for a claim and the disk made for it. */
function volumeFor(
  claim: PersistentVolumeClaim,
  storageClass: StorageClass,
  disk: string,
  volume: { name: string; capacity: string; accessModes: string[]; identity: string },
): KubeObject {
  return {
    ...PV,
    metadata: { name: volume.name, annotations: { [PROVISIONED_BY]: CSI_DRIVER }, finalizers: PV_FINALIZERS },
    spec: {
      accessModes: volume.accessModes,
      capacity: { storage: volume.capacity },
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: claim.metadata.namespace,
        name: claim.metadata.name,
        uid: claim.metadata.uid,
        resourceVersion: claim.metadata.resourceVersion,
      },
      csi: {
        driver: CSI_DRIVER,
        // A file system's type for a file system volume alone, as external-provisioner sets it.
        ...((claim.spec?.volumeMode ?? 'Filesystem') === 'Filesystem' ? { fsType: 'ext4' } : {}),
        volumeHandle: disk,
        volumeAttributes: {
          'storage.kubernetes.io/csiProvisionerIdentity': volume.identity,
          type: 'vSphere CNS Block Volume',
        },
      },
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: claim.spec?.storageClassName,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
    },
  };
}

export function startCsiProvisioner(manager: Manager, deps: CsiControllersDeps): Controller {
  const { kube, vsphere } = deps;
  const startedAt = vsphere.clock.now();
  /** external-provisioner's identity: its start time, a random number, the driver; drawn when first needed. */
  let identity: string | undefined;
  const identityOf = () => {
    identity ??= `${startedAt}-${vsphere.random.below(10_000)}-${CSI_DRIVER}`;
    return identity;
  };
  /** Disks made whose volume is not saved yet, by volume name: a retry after a failed save reuses its disk. */
  const unsaved = new Map<string, string>();

  const reconcile = async (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    let claim = kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined;
    if (!claim || claim.metadata.deletionTimestamp || claim.status?.phase === 'Bound') return undefined;
    if (claim.spec?.volumeName) return undefined;
    // The PV controller's part: a claim with no volume is Pending.
    if (claim.status?.phase !== 'Pending')
      claim = kube.direct.updateStatus(
        merged(claim, { status: merged(claim.status ?? {}, { phase: 'Pending' }) }),
      ) as PersistentVolumeClaim;
    const className = claim.spec?.storageClassName;
    const storageClass =
      className === undefined
        ? undefined
        : (kube.direct.get({ ...STORAGE_CLASS, name: className }) as StorageClass | undefined);
    if (storageClass?.provisioner !== CSI_DRIVER) return undefined;
    // A VM's disk made a claim (vm-operator's, with AllDisksArePVCs) is a volume CNS registers.
    if (claim.spec?.dataSourceRef?.kind === 'VirtualMachine') return undefined;
    if (
      storageClass.volumeBindingMode === 'WaitForFirstConsumer' &&
      !claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION]
    )
      return undefined;
    if (claim.metadata.labels?.[INSTANCE_STORAGE_LABEL] === 'true' && !placedOnNode(claim)) return undefined;
    const uid = claim.metadata.uid as string;
    const pvName = `pvc-${uid}`;
    const sizeMB = capacityInMB(claim);
    if (sizeMB === undefined) return undefined;
    const capacity = binaryQuantity(sizeMB * MIB);
    const accessModes = claim.spec?.accessModes ?? ['ReadWriteOnce'];
    if (!kube.direct.get({ ...PV, name: pvName })) {
      const policy = storageClass.parameters?.storagePolicyID;
      let disk = unsaved.get(pvName);
      if (disk === undefined) {
        const created = await vsphere.disks
          .create({
            name: pvName,
            capacityInMB: sizeMB,
            keepAfterDeleteVm: true,
            backingSpec: { datastore: deps.datastore() },
            // Under its class's storage policy, as CNS makes it.
            ...(policy
              ? { profile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: policy }] }
              : {}),
          })
          .wait();
        disk = created.config.id.id;
        unsaved.set(pvName, disk);
      }
      // Saved even if the claim went while its disk was made, as external-provisioner saves it:
      // the claim gone, the volume is reclaimed, and its disk deleted.
      const volume = kube.direct.create(
        volumeFor(claim, storageClass, disk, { name: pvName, capacity, accessModes, identity: identityOf() }),
      );
      unsaved.delete(pvName);
      kube.direct.updateStatus(merged(volume, { status: { phase: 'Bound' } }));
    }
    // The claim may have been deleted, or replaced by another of its name, while its disk was made.
    claim = kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined;
    if (!claim || claim.metadata.uid !== uid || claim.spec?.volumeName) return undefined;
    bindClaim(kube, claim, pvName, accessModes, capacity);
    return undefined;
  };

  /**
   * Whether an instance storage claim can be made on its selected node: a host (by its FQDN, a
   * simulated host's name) that runs VMs now and mounts the disks' datastore. One that cannot is
   * marked failed, as the driver's placement marks it, and vm-operator places its VM again.
   */
  const placedOnNode = (claim: PersistentVolumeClaim): boolean => {
    const annotations = claim.metadata.annotations ?? {};
    if (annotations[STORAGE_POOL_ANNOTATION]?.startsWith(STORAGE_POOL_FAILED_PREFIX)) return false;
    const node = annotations[SELECTED_NODE_ANNOTATION];
    const datastore = deps.datastore();
    for (const host of vsphere.store.ofKind<HostRecord>('HostSystem'))
      if (hostNodeName(host.name) === node && canRunVms(host) && host.datastores.includes(datastore))
        return true;
    kube.direct.update(withAnnotation(claim, STORAGE_POOL_ANNOTATION, STORAGE_POOL_NOT_ENOUGH_RESOURCES));
    return false;
  };

  const controller = manager.controller({ name: CSI_PROVISIONER_CONTROLLER, reconcile });
  controller.watches(kube, PVC);
  // A class made after its claims: they are provisioned now.
  controller.watches(kube, STORAGE_CLASS, (storageClass) => {
    const keys: string[] = [];
    for (const claim of kube.direct.list(PVC.apiVersion, PVC.kind) as PersistentVolumeClaim[])
      if (claim.spec?.storageClassName === storageClass.metadata.name && !claim.spec?.volumeName)
        keys.push(objectKey({ namespace: claim.metadata.namespace, name: claim.metadata.name as string }));
    return keys;
  });
  return controller;
}

/**
 * Whether a volume satisfies a claim, as the PV controller matches one bound ahead to it: its
 * size at least the request, the same volume mode, every mode of access the claim asks for, and,
 * for a claim that names the volume, the same class.
 */
function satisfies(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const size = parseQuantity(String(volume.spec?.capacity?.storage ?? ''))?.nanos ?? 0n;
  const requested = parseQuantity(String(claim.spec?.resources?.requests?.storage ?? '0'))?.nanos ?? 0n;
  const modes = volume.spec?.accessModes ?? [];
  return (
    size >= requested &&
    (volume.spec?.volumeMode ?? 'Filesystem') === (claim.spec?.volumeMode ?? 'Filesystem') &&
    (claim.spec?.accessModes ?? []).every((mode) => modes.includes(mode)) &&
    (!claim.spec?.volumeName || (volume.spec?.storageClassName ?? '') === (claim.spec.storageClassName ?? ''))
  );
}

/** The PV controller's phases and reclaiming of volumes (see the module comment). */
export function startPersistentVolumeController(manager: Manager, deps: CsiControllersDeps): Controller {
  const { kube, vsphere } = deps;

  const setPhase = (volume: PersistentVolume, phase: string) => {
    if (volume.status?.phase !== phase) kube.direct.updateStatus(merged(volume, { status: { phase } }));
  };

  /** Our finalizers off: a deleted volume goes. */
  const release = (name: string) => {
    const volume = kube.direct.get({ ...PV, name });
    let released = volume;
    for (const finalizer of PV_FINALIZERS)
      released = (released && withFinalizer(released, finalizer, false)) ?? released;
    if (released && released !== volume) kube.direct.update(released);
  };

  const reconcile = async (name: string) => {
    const volume = kube.direct.get({ ...PV, name }) as PersistentVolume | undefined;
    if (!volume) return undefined;
    const deleting = volume.metadata.deletionTimestamp !== undefined;
    const ref = volume.spec?.claimRef;
    if (ref && !ref.uid && !deleting) return bindAhead(volume, ref);
    if (!ref?.uid) {
      if (deleting) release(name);
      else setPhase(volume, 'Available');
      return undefined;
    }
    const claim = kube.direct.get({ ...PVC, namespace: ref.namespace ?? '', name: ref.name ?? '' });
    // Bound: nothing to reclaim, and a deleted volume waits for its claim to go.
    if (claim?.metadata.uid === ref.uid) return undefined;
    const ours = volume.metadata.annotations?.[PROVISIONED_BY] === CSI_DRIVER;
    if (ours && (volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain') === 'Delete') {
      const id = volume.spec?.csi?.volumeHandle ?? '';
      const disk = vsphere.store.get(id) as VStorageObjectRecord | undefined;
      if (disk?.kind === 'VStorageObject') {
        // CNS deletes no disk a VM still has: retried until it is detached.
        if (disk.consumers) return { requeue: true };
        await vsphere.disks.delete(id, disk.datastore).wait();
      }
      if (!deleting) await kube.delete({ ...PV, name });
      release(name);
      return undefined;
    }
    if (deleting) release(name);
    else setPhase(volume, 'Released');
    return undefined;
  };

  /**
   * A volume bound ahead to a claim (its `claimRef` without a UID, as CNS saves a registered
   * disk's): bound to that claim once it exists and is bound to no other volume, both ways.
   */
  const bindAhead = (volume: PersistentVolume, ref: NonNullable<PersistentVolume['spec']>['claimRef']) => {
    const claim = kube.direct.get({ ...PVC, namespace: ref?.namespace ?? '', name: ref?.name ?? '' }) as
      | PersistentVolumeClaim
      | undefined;
    const name = volume.metadata.name as string;
    // Not bound while its claim is missing, going, another volume's, or not satisfied by it.
    if (
      !claim ||
      claim.metadata.deletionTimestamp ||
      (claim.spec?.volumeName ?? name) !== name ||
      !satisfies(volume, claim)
    ) {
      setPhase(volume, 'Available');
      return undefined;
    }
    const claimRef = {
      ...ref,
      uid: claim.metadata.uid,
      resourceVersion: claim.metadata.resourceVersion,
    };
    const bound = kube.direct.update(merged(volume, { spec: merged(volume.spec ?? {}, { claimRef }) }));
    setPhase(bound as PersistentVolume, 'Bound');
    // A claim naming no volume was first one to provision, for a class of the driver.
    const className = claim.spec?.storageClassName;
    const storageClass = className ? kube.direct.get({ ...STORAGE_CLASS, name: className }) : undefined;
    const provisioned =
      !claim.spec?.volumeName && (storageClass as StorageClass | undefined)?.provisioner === CSI_DRIVER;
    const { accessModes = [], capacity } = volume.spec ?? {};
    bindClaim(kube, claim, name, accessModes, capacity?.storage ?? '', provisioned);
    return undefined;
  };

  /** The volumes bound ahead to each claim (by its key) and not bound yet: a new claim finds them without a listing. */
  const aheadByClaim = new Map<string, Set<string>>();
  const claimAheadOf = (volume: KubeObject | undefined): string | undefined => {
    const ref = (volume as PersistentVolume | undefined)?.spec?.claimRef;
    return ref && !ref.uid ? objectKey({ namespace: ref.namespace, name: ref.name ?? '' }) : undefined;
  };
  /** The index following a volume's event (a watch hears every volume there is as ADDED first). */
  const followAhead = (volume: KubeObject, event: string, old: KubeObject | undefined) => {
    const name = volume.metadata.name as string;
    // A deleted volume's event carries its last state, and no old one.
    const before = claimAheadOf(event === 'DELETED' ? volume : old);
    const after = event === 'DELETED' ? undefined : claimAheadOf(volume);
    if (before === after) return;
    if (before !== undefined) {
      const names = aheadByClaim.get(before);
      names?.delete(name);
      if (names?.size === 0) aheadByClaim.delete(before);
    }
    if (after !== undefined) getOrInsert(aheadByClaim, after, () => new Set<string>()).add(name);
  };

  const controller = manager.controller({ name: PERSISTENT_VOLUME_CONTROLLER, reconcile, ...CSI_BACKOFF });
  controller.watches(kube, PV, (object, event, old) => {
    followAhead(object, event, old);
    return [object.metadata.name as string];
  });
  // A claim gone (or replaced) sends its volume to be reclaimed; a new one, a volume bound ahead to it.
  controller.watches(kube, PVC, (object, event) => {
    const volumeName = (object as PersistentVolumeClaim).spec?.volumeName;
    if (event === 'DELETED') return volumeName ? [volumeName] : undefined;
    const ahead =
      event === 'ADDED' ? aheadByClaim.get(objectKey(object.metadata as { name: string })) : undefined;
    return ahead ? [...ahead] : undefined;
  });
  return controller;
}

export const PVC_PROTECTION_CONTROLLER = 'pvc-protection-controller';

/**
 * Kubernetes' pvc-protection controller: a deleted claim keeps its `kubernetes.io/pvc-protection`
 * finalizer while a Pod uses it. No Pods run here, so it goes at once (CNS holds a claim a VM
 * has attached with a finalizer of its own).
 */
export function startClaimProtectionController(
  manager: Manager,
  deps: Pick<CsiControllersDeps, 'kube'>,
): Controller {
  const { kube } = deps;
  const reconcile = async (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    const claim = kube.direct.get({ ...PVC, namespace, name });
    const released =
      claim?.metadata.deletionTimestamp && withFinalizer(claim, PVC_PROTECTION_FINALIZER, false);
    if (released) kube.direct.update(released);
    return undefined;
  };
  const controller = manager.controller({ name: PVC_PROTECTION_CONTROLLER, reconcile });
  controller.watches(kube, PVC);
  return controller;
}
