/**
 * The Supervisor's vSphere CSI driver, for block volumes, as a claim's user sees it: with the
 * Kubernetes PV controller and external-provisioner's parts it needs.
 *
 * A claim without a volume is `Pending`, as the PV controller marks it. One whose StorageClass names the driver (`csi.vsphere.vmware.com`) gets a
 * First Class Disk of its requested size (rounded up to MiB; 10 GiB when it requests none) on
 * the Supervisor's datastore, named as its PersistentVolume `pvc-<claim uid>`, kept after a VM
 * destroyed with it attached, as CNS keeps its disks. The PersistentVolume (`spec.csi` with the
 * disk's id as `volumeHandle`) and the claim are bound both ways, with the annotations the PV
 * controller writes. A class with `volumeBindingMode: WaitForFirstConsumer` waits for the
 * claim's `volume.kubernetes.io/selected-node` annotation (vm-operator sets the VM's zone).
 *
 * Reclaiming: once its claim is gone, a volume with `persistentVolumeReclaimPolicy: Delete` (the
 * default) deletes its disk, then itself; waiting while a VM still has the disk attached. One
 * with `Retain` is `Released` and keeps its disk.
 */
import type { VSphere, VStorageObjectRecord } from '@vsim/vsphere';
import { binaryQuantity, parseQuantity, wholeUnits } from '../../api/quantity.js';
import type { Controller } from '../../runtime/controller.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import type { KubeStore } from '../../store/kube-store.js';
import { type KubeObject, merged } from '../../store/meta.js';

export const CSI_DRIVER = 'csi.vsphere.vmware.com';
export const CSI_PROVISIONER_CONTROLLER = 'csi-provisioner';
export const PERSISTENT_VOLUME_CONTROLLER = 'persistentvolume-controller';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';

const PVC = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' } as const;
const PV = { apiVersion: 'v1', kind: 'PersistentVolume' } as const;
const STORAGE_CLASS = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' } as const;

const MIB = 1024 * 1024;
/** What the driver gives a claim that requests no size. */
const DEFAULT_CAPACITY_MB = 10 * 1024;

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    volumeMode?: string;
    resources?: { requests?: { storage?: string }; limits?: { storage?: string } };
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: { storage?: string } };
}

export interface PersistentVolume extends KubeObject {
  spec?: {
    claimRef?: { namespace?: string; name?: string; uid?: string };
    csi?: { driver?: string; volumeHandle?: string };
    persistentVolumeReclaimPolicy?: string;
  };
  status?: { phase?: string };
}

interface StorageClass extends KubeObject {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
}

export interface CsiControllersDeps {
  kube: KubeStore;
  vsphere: VSphere;
  /** The datastore (moref value) new disks go to: the Supervisor cluster's. */
  datastore: () => string;
}

/** The claim's disk size in MiB, rounded up, as the driver asks CNS for it. */
const capacityInMB = (claim: PersistentVolumeClaim): number => {
  const requested = parseQuantity(claim.spec?.resources?.requests?.storage ?? '');
  if (!requested || requested.nanos <= 0n) return DEFAULT_CAPACITY_MB;
  return Number((wholeUnits(requested.nanos) + BigInt(MIB) - 1n) / BigInt(MIB));
};

/** A disk of the Supervisor by its name: a claim's, once made. */
const diskNamed = (vsphere: VSphere, name: string): VStorageObjectRecord | undefined => {
  for (const disk of vsphere.store.ofKind<VStorageObjectRecord>('VStorageObject'))
    if (disk.name === name) return disk;
  return undefined;
};

export function startCsiProvisioner(manager: Manager, deps: CsiControllersDeps): Controller {
  const { kube, vsphere } = deps;
  const startedAt = vsphere.clock.now();
  /** external-provisioner's identity: its start time, a random number, the driver; drawn when first needed. */
  let identity: string | undefined;
  const identityOf = () => {
    identity ??= `${startedAt}-${vsphere.random.below(10_000)}-${CSI_DRIVER}`;
    return identity;
  };

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
    if (
      storageClass.volumeBindingMode === 'WaitForFirstConsumer' &&
      !claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION]
    )
      return undefined;
    const pvName = `pvc-${claim.metadata.uid}`;
    const sizeMB = capacityInMB(claim);
    const disk =
      diskNamed(vsphere, pvName)?.id ??
      (
        await vsphere.disks
          .create({
            name: pvName,
            capacityInMB: sizeMB,
            keepAfterDeleteVm: true,
            backingSpec: { datastore: deps.datastore() },
          })
          .wait()
      ).config.id.id;
    // The claim as it is once its disk exists.
    claim = kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined;
    if (!claim || claim.spec?.volumeName) return undefined;
    const capacity = binaryQuantity(sizeMB * MIB);
    const accessModes = claim.spec?.accessModes ?? ['ReadWriteOnce'];
    if (!kube.direct.get({ ...PV, name: pvName })) {
      const volume = kube.direct.create({
        ...PV,
        metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': CSI_DRIVER } },
        spec: {
          accessModes,
          capacity: { storage: capacity },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace,
            name,
            uid: claim.metadata.uid,
            resourceVersion: claim.metadata.resourceVersion,
          },
          csi: {
            driver: CSI_DRIVER,
            fsType: 'ext4',
            volumeHandle: disk,
            volumeAttributes: {
              'storage.kubernetes.io/csiProvisionerIdentity': identityOf(),
              type: 'vSphere CNS Block Volume',
            },
          },
          persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
          storageClassName: className,
          volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        },
      });
      kube.direct.updateStatus(merged(volume, { status: { phase: 'Bound' } }));
    }
    const annotations = merged(claim.metadata.annotations ?? {}, {
      'pv.kubernetes.io/bind-completed': 'yes',
      'pv.kubernetes.io/bound-by-controller': 'yes',
      'volume.beta.kubernetes.io/storage-provisioner': CSI_DRIVER,
      'volume.kubernetes.io/storage-provisioner': CSI_DRIVER,
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
    return undefined;
  };

  const controller = manager.controller({ name: CSI_PROVISIONER_CONTROLLER, reconcile });
  controller.watches(kube, PVC);
  return controller;
}

/**
 * The PV controller's reclaiming: a volume whose claim is gone is deleted with its disk, or
 * released (see the module comment).
 */
export function startPersistentVolumeController(manager: Manager, deps: CsiControllersDeps): Controller {
  const { kube, vsphere } = deps;

  const reconcile = async (name: string) => {
    const volume = kube.direct.get({ ...PV, name }) as PersistentVolume | undefined;
    if (!volume || volume.spec?.csi?.driver !== CSI_DRIVER) return undefined;
    const ref = volume.spec.claimRef;
    const claim =
      ref?.name === undefined
        ? undefined
        : (kube.direct.get({ ...PVC, namespace: ref.namespace ?? '', name: ref.name }) as
            | PersistentVolumeClaim
            | undefined);
    if (claim && claim.metadata.uid === ref?.uid) return undefined;
    if (volume.spec.persistentVolumeReclaimPolicy === 'Retain') {
      if (volume.status?.phase !== 'Released')
        kube.direct.updateStatus(merged(volume, { status: { phase: 'Released' } }));
      return undefined;
    }
    const id = volume.spec.csi.volumeHandle ?? '';
    const disk = vsphere.store.get(id) as VStorageObjectRecord | undefined;
    if (disk?.kind === 'VStorageObject') {
      // CNS deletes no disk a VM still has: retried until it is detached.
      if (disk.consumer) return { requeue: true };
      await vsphere.disks.delete(id, disk.datastore).wait();
    }
    await kube.delete({ ...PV, name });
    return undefined;
  };

  const controller = manager.controller({
    name: PERSISTENT_VOLUME_CONTROLLER,
    reconcile,
    backoff: { baseDelay: 1_000, maxDelay: 300_000 },
  });
  controller.watches(kube, PV, (object) => [object.metadata.name as string]);
  // A claim gone (or replaced) sends its volume to be reclaimed.
  controller.watches(kube, PVC, (object, event) => {
    const volumeName = (object as PersistentVolumeClaim).spec?.volumeName;
    return event === 'DELETED' && volumeName ? [volumeName] : undefined;
  });
  return controller;
}
