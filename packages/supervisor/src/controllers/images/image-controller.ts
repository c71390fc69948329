/**
 * The image controller: vm-operator's ContentLibraryItem and ClusterContentLibraryItem
 * controllers, which make each item object of the image registry (registry.ts) a
 * VirtualMachineImage, or a ClusterVirtualMachineImage, owned by it and named from it
 * (`clitem-<id>` shows as `vmi-<id>`, names.ts): `spec.providerRef` names the item object, the
 * annotations `vmware.com/display-name` and `vmoperator.vmware.com/conversion-content-lib-ref` its
 * name and library, and the status what the item and its OVF descriptor say, `Ready` True (False
 * `VirtualMachineImageProviderNotReady` while the item object is not ready,
 * `VirtualMachineImageProviderSecurityNotCompliant` unless it is compliant), and
 * `VirtualMachineImageV1Alpha1Compatible` True when the OVF's extraConfig says so. Its finalizer on the
 * item object comes first; an item object being deleted only loses it, and its image goes with
 * it (garbage collection of what it owns).
 *
 * Which libraries are visible where is configuration: `libraries.clusterScoped` yields
 * cluster-wide objects and images, `libraries.byNamespace[ns]` namespaced ones in `ns`. Both
 * can be changed later through the returned handle (`setNamespaceLibraries`,
 * `setClusterLibraries`); the registry's controllers, started here, follow.
 *
 * The work-queue key is an item object's (`ns/name`, or `name` for a cluster-wide one). Keys come
 * from watches of the item objects and of the images (one deleted or changed by hand is put back).
 * As vm-operator's, an image reads its item's OVF descriptor again only for a new content version.
 * Nothing runs on a timer.
 */

import {
  cimOsTypeOf,
  hardwareVersionNumber,
  type LibraryItemRecord,
  type OvfDescriptor,
  type VSphere,
} from '@vsim/vsphere';
import { CONTENT_LIBRARY_REF_ANNOTATION } from '../../api/annotations.js';
import type {
  ClusterVirtualMachineImage,
  VirtualMachineImage,
  VirtualMachineImageCache,
  VirtualMachineImageDiskInfo,
  VirtualMachineImageStatus,
} from '../../api/types.js';
import {
  type ContentLibraryItem,
  IMAGE_REGISTRY_API_VERSION,
  IMAGE_REGISTRY_GROUP,
} from '../../image-registry-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  controllerOf,
  deepEqual,
  type KubeObject,
  timestamp,
  withControllerReference,
  withFinalizer,
  withLabel,
} from '../../store/meta.js';
import { isLabelValue, labelKeyProblems } from '../../store/names.js';
import { bytesQuantity } from '../../store/quantity.js';
import { type ConditionState, setCondition } from '../conditions.js';
import {
  ensureImageCache,
  hardwareOf,
  imageCacheRef,
  VMI_CACHE_LABEL,
  wakesWaiters,
} from '../image-cache/image-cache.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import type { CacheWait } from '../virtualmachine/fast-deploy.js';
import { imageNameIfItem, imageNameOf } from './names.js';
import { startContentLibraryController, startLibraryItemController } from './registry.js';

export const IMAGE_CONTROLLER_NAME = 'image-controller';

export const IMAGE_API_VERSION = 'vmoperator.vmware.com/v1alpha6';

/** vm-operator's finalizers on item objects, and those it once added (removed where found). */
const FINALIZERS = {
  ContentLibraryItem: [
    'vmoperator.vmware.com/contentlibraryitem',
    'contentlibraryitem.vmoperator.vmware.com',
  ],
  ClusterContentLibraryItem: [
    'clustercontentlibraryitem.vmoperator.vmware.com',
    'vmoperator.vmware.com/clustercontentlibraryitem',
  ],
} as const;

/** The labels vm-operator gives a synced image, from its status. */
const TYPE_LABEL = 'image.vmoperator.vmware.com/type';
const OS_LABEL_PREFIX = 'os.image.vmoperator.vmware.com/';
const CAPABILITY_LABEL_PREFIX = 'capability.image.vmoperator.vmware.com/';

/**
 * vm-operator's SyncStatusToLabels: a label per field that makes a valid label value, none for
 * the rest, and one per capability.
 */
function withStatusLabels(
  labels: Readonly<Record<string, string>> | undefined,
  status: VirtualMachineImageStatus,
): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  const set = (key: string, value: string | undefined) => {
    if (value && isLabelValue(value)) out[key] = value;
    else delete out[key];
  };
  set(TYPE_LABEL, status.type);
  set(`${OS_LABEL_PREFIX}id`, status.osInfo?.id);
  set(`${OS_LABEL_PREFIX}type`, status.osInfo?.type);
  set(`${OS_LABEL_PREFIX}version`, status.osInfo?.version);
  // A label per capability, those of capabilities it no longer has removed.
  const capabilities = new Set((status.capabilities ?? []).map((c) => `${CAPABILITY_LABEL_PREFIX}${c}`));
  for (const key of Object.keys(out))
    if (key.startsWith(CAPABILITY_LABEL_PREFIX) && !capabilities.has(key)) delete out[key];
  for (const key of capabilities) if (labelKeyProblems(key).length === 0) out[key] = 'true';
  return out;
}

/** The labels of a cluster item a cluster image repeats, empty (the services that use it, as TKG's). */
const SERVICE_TYPE_LABEL_PREFIX = 'type.services.vmware.com/';

function withServiceTypeLabels(
  labels: Readonly<Record<string, string>> | undefined,
  itemLabels: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> | undefined {
  const missing = Object.keys(itemLabels ?? {}).filter(
    (key) => key.startsWith(SERVICE_TYPE_LABEL_PREFIX) && labels?.[key] !== '',
  );
  if (missing.length === 0) return labels;
  const out: Record<string, string> = { ...labels };
  for (const key of missing) out[key] = '';
  return out;
}

/** The annotations vm-operator gives an image: its item's name, and its item's library. */
const DISPLAY_NAME_ANNOTATION = 'vmware.com/display-name';

export interface ImageLibraries {
  /** Libraries whose items become ClusterVirtualMachineImages. */
  clusterScoped?: string[];
  /** Per namespace, the libraries whose items become VirtualMachineImages there. */
  byNamespace?: Record<string, string[]>;
}

export interface ImageControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  libraries?: ImageLibraries;
  /** Where each of vm-operator's item controllers records its Events, by its name (none by default). */
  recorderFor?: RecorderFor;
  /**
   * FastDeploy: an OVF image is read from its VirtualMachineImageCache, which its sync makes (or
   * brings to the item's version) and waits for, the item object labelled with it meanwhile.
   */
  fastDeploy?: boolean;
}

export interface ImageController {
  readonly controller: Controller;
  /** The image registry's controllers of ContentLibrary and ContentLibraryItem objects (and their cluster kinds). */
  readonly contentLibraries: Controller;
  readonly libraryItems: Controller;
  /** Replaces the libraries a namespace sees (an empty list: none). */
  setNamespaceLibraries(namespace: string, libraryIds: readonly string[]): void;
  /** The libraries a namespace sees. */
  librariesOf(namespace: string): string[];
  /** Replaces the cluster-scoped libraries. */
  setClusterLibraries(libraryIds: readonly string[]): void;
  /** Stops following the vSphere store (the controllers themselves stop with their manager). */
  stop(): void;
}

type Image = VirtualMachineImage | ClusterVirtualMachineImage;

/**
 * Disks as vm-operator reads them from the OVF: their capacity as both `limit` and `requested`,
 * where they sit (the simulator's OVFs put every disk on SCSI controller 0, units 0-6 then 8 on),
 * and a label that repeats made unique with `_N`.
 */
const disksOf = (ovf: OvfDescriptor): VirtualMachineImageDiskInfo[] => {
  const used = new Map<string, number>();
  return ovf.disks.map((disk, i) => {
    const seen = used.get(disk.name);
    const suffix = seen === undefined ? 0 : seen + 1;
    const name = seen === undefined ? disk.name : `${disk.name}_${suffix}`;
    used.set(name, suffix);
    const capacity = bytesQuantity(disk.capacityKB * 1024);
    return {
      name,
      limit: capacity,
      requested: capacity,
      controllerType: 'SCSI',
      controllerBusNumber: 0,
      unitNumber: i < 7 ? i : i + 1,
    };
  });
};

/** ExtraConfig keys vm-operator reads from an image's OVF: labels for the image, v1alpha1 readiness. */
const LABELS_EXTRA_CONFIG_KEY = 'vmservice.vmi.labels';
const V1ALPHA1_EXTRA_CONFIG_KEY = 'guestinfo.vmservice.defer-cloud-init';
const V1ALPHA1_COMPATIBLE = 'VirtualMachineImageV1Alpha1Compatible';

/** `k1:v1,k2` as vm-operator splits it into labels (`k2` empty; a part with two colons skipped). */
const labelsOf = (value: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const part of value ? value.split(',') : []) {
    const [key = '', label, ...rest] = part.split(':');
    if (rest.length === 0) out[key] = label ?? '';
  }
  return out;
};

/** What vm-operator reads of a library item's OVF when it syncs an image. */
interface ImageContent {
  /** The status fields it sets from the OVF (the item object gives the rest; conditions aside). */
  readonly status: VirtualMachineImageStatus;
  /** Labels the OVF's extraConfig asks for (`vmservice.vmi.labels`). */
  readonly labels: Record<string, string>;
  /** Whether the OVF's extraConfig makes the image `VirtualMachineImageV1Alpha1Compatible`. */
  readonly v1alpha1Compatible: boolean;
}

const imageContentOf = (item: LibraryItemRecord): ImageContent => {
  const status: VirtualMachineImageStatus = {};
  const ovf = item.ovf;
  if (!ovf) return { status, labels: {}, v1alpha1Compatible: false };
  // What a ProductSection says (its product, none when it names none) replaces what the
  // image had; without one, vm-operator leaves both alone. Its properties: `vmware-system` ones
  // as they are, the others when a user may set them (a default only when not empty); both
  // lists are made anew, empty ones dropped later.
  const properties = ovf.properties ?? [];
  if (ovf.product || properties.length > 0) {
    const product = ovf.product;
    status.productInfo = product
      ? {
          product: product.name,
          vendor: product.vendor,
          version: product.version,
          fullVersion: product.fullVersion,
        }
      : {};
    status.vmwareSystemProperties = properties
      .filter((p) => p.key.startsWith('vmware-system'))
      .map((p) => (p.value ? { key: p.key, value: p.value } : { key: p.key }));
    status.ovfProperties = properties
      .filter((p) => !p.key.startsWith('vmware-system') && p.userConfigurable === true)
      .map((p) => ({ key: p.key, type: p.type, ...(p.value ? { default: p.value } : {}) }));
  }
  // The OS as vm-operator gives it: its CIM type as `id` (0: unknown), the guest id as `type`.
  if (ovf.os) status.osInfo = { id: String(cimOsTypeOf(ovf.os.id) ?? 0), type: ovf.os.id };
  status.disks = disksOf(ovf);
  if (ovf.firmware) status.firmware = ovf.firmware;
  const hardwareVersion = hardwareVersionNumber(ovf.hardwareVersion);
  if (hardwareVersion !== undefined) status.hardwareVersion = hardwareVersion;
  const extraConfig = (key: string) => ovf.extraConfig?.find((o) => o.key === key)?.value;
  return {
    status,
    labels: labelsOf(extraConfig(LABELS_EXTRA_CONFIG_KEY)),
    v1alpha1Compatible: extraConfig(V1ALPHA1_EXTRA_CONFIG_KEY) === 'ready',
  };
};

/**
 * Starts the image controller and the image registry's controllers on `manager` (they run once
 * the manager is started). See the file comment for what they do and how the visible libraries
 * are configured.
 */
export function startImageController(manager: Manager, deps: ImageControllerDeps): ImageController {
  const itemEvents = {
    ContentLibraryItem: recorderOf(deps, 'contentlibraryitem-controller'),
    ClusterContentLibraryItem: recorderOf(deps, 'clustercontentlibraryitem-controller'),
  };
  const { kube, vsphere } = deps;
  let clusterScoped = new Set(deps.libraries?.clusterScoped ?? []);
  const byNamespace = new Map<string, Set<string>>(
    Object.entries(deps.libraries?.byNamespace ?? {}).map(([ns, ids]) => [ns, new Set(ids)]),
  );
  const registryDeps = {
    kube,
    vsphere,
    visibility: {
      namespacesSeeing: (id: string) =>
        [...byNamespace].filter(([, ids]) => ids.has(id)).map(([namespace]) => namespace),
      isClusterScoped: (id: string) => clusterScoped.has(id),
    },
  };
  const contentLibraries = startContentLibraryController(manager, registryDeps);
  const libraryItems = startLibraryItemController(manager, registryDeps);

  /**
   * With FastDeploy, the item's cache made or brought to `version` (vm-operator's CreateOrPatch),
   * and why the image waits for it; undefined once it holds that version's OVF.
   */
  const cacheNotReady = (itemId: string, version: string): CacheWait | undefined => {
    const name = imageNameOf(itemId);
    const current = kube.direct.get(imageCacheRef(name)) as unknown as VirtualMachineImageCache | undefined;
    const cache = ensureImageCache(kube, name, {
      ...current?.spec,
      providerID: itemId,
      providerVersion: version,
    });
    const hardware = hardwareOf(cache);
    if (hardware?.status === 'False')
      return { name, message: `failed to get hardware: ${hardware.message}: cache not ready` };
    if (hardware?.status !== 'True' || cache.status?.ovf?.providerVersion !== version)
      return { name, message: 'cache not ready' };
    return undefined;
  };

  /**
   * The image's status: what the item object says (its name and type, even when empty), then,
   * once it is compliant and ready, its content synced from vSphere (`synced`; `labels` when it
   * was read again), else the content last synced and `Ready` False with why (`failed` when the
   * sync itself failed).
   */
  const statusOf = (
    item: ContentLibraryItem,
    old: VirtualMachineImageStatus | undefined,
  ): {
    status: VirtualMachineImageStatus;
    synced: boolean;
    /** Whether its content was synced, or tried and failed (not for an item not compliant or not ready, or already synced). */
    attempted: boolean;
    failed: boolean;
    labels?: Record<string, string>;
    /** With FastDeploy, the image's cache and why the image waits for it. */
    cacheWait?: CacheWait;
  } => {
    const itemStatus = item.status ?? {};
    const name = itemStatus.name ?? '';
    const type = itemStatus.type ?? '';
    const shown: VirtualMachineImageStatus = { ...old, name, providerItemID: item.spec?.uuid ?? '', type };
    const now = timestamp(vsphere.clock.now());
    const withReady = (state: ConditionState) => setCondition(old?.conditions, 'Ready', state, now);
    const notReady = (reason: string, message: string, failed = false) => ({
      status: { ...shown, conditions: withReady({ status: 'False', reason, message }) },
      synced: false,
      attempted: failed,
      failed,
    });
    if (itemStatus.securityCompliance !== true)
      return notReady(
        'VirtualMachineImageProviderSecurityNotCompliant',
        'Provider item is not security compliant',
      );
    if (itemStatus.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
      return notReady('VirtualMachineImageProviderNotReady', 'Provider item is not in ready condition');
    const contentVersion = itemStatus.contentVersion ?? '';
    if (deps.fastDeploy && type === 'OVF') {
      // Read from its cache's OVF, which vm-operator reads again every time: the cache first.
      const waiting = cacheNotReady(item.spec?.uuid ?? '', contentVersion);
      if (waiting)
        return { status: shown, synced: false, attempted: true, failed: false, cacheWait: waiting };
    } else if (old?.providerContentVersion === contentVersion && old.disks?.length)
      // Content of this version synced already: vm-operator reads the OVF again only for a new one.
      return {
        status: { ...shown, conditions: withReady({ status: 'True' }) },
        synced: true,
        attempted: false,
        failed: false,
      };
    const record = vsphere.store.get(item.spec?.uuid ?? '');
    if (record?.kind !== 'LibraryItem')
      return notReady(
        'VirtualMachineImageNotSynced',
        'Failed to sync to the latest content version from provider',
        true,
      );
    const content = imageContentOf(record as LibraryItemRecord);
    const compatible = content.v1alpha1Compatible
      ? setCondition(old?.conditions, V1ALPHA1_COMPATIBLE, { status: 'True' }, now)
      : old?.conditions?.filter((c) => c.type !== V1ALPHA1_COMPATIBLE);
    const status: VirtualMachineImageStatus = {
      ...shown,
      ...content.status,
      providerContentVersion: contentVersion,
      conditions: setCondition(compatible, 'Ready', { status: 'True' }, now),
    };
    if (status.ovfProperties?.length === 0) delete status.ovfProperties;
    if (status.vmwareSystemProperties?.length === 0) delete status.vmwareSystemProperties;
    return { status, synced: true, attempted: true, failed: false, labels: content.labels };
  };

  /**
   * The image as vm-operator's CreateOrPatch leaves it: owned by the item object, naming it, and,
   * once synced, labelled with its type and OS (vm-operator's SyncStatusToLabels) and with what
   * its OVF's `vmservice.vmi.labels` lists when it was read again.
   */
  const desiredMetadata = (
    item: ContentLibraryItem,
    current: Image | undefined,
    synced?: VirtualMachineImageStatus,
    extraLabels?: Record<string, string>,
  ) => {
    const annotations = { ...current?.metadata.annotations };
    if (item.status?.name) annotations[DISPLAY_NAME_ANNOTATION] = item.status.name;
    const library = item.status?.contentLibraryRef;
    if (library)
      annotations[CONTENT_LIBRARY_REF_ANNOTATION] = JSON.stringify({
        apiGroup: IMAGE_REGISTRY_GROUP,
        kind: library.kind,
        name: library.name,
      });
    const ownerReferences = withControllerReference(current, item);
    const kept = extraLabels ? { ...current?.metadata.labels, ...extraLabels } : current?.metadata.labels;
    const served = item.metadata.namespace ? kept : withServiceTypeLabels(kept, item.metadata.labels);
    const labels = synced ? withStatusLabels(served, synced) : served;
    return {
      ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences,
    };
  };

  const reconcile = async (key: string): Promise<undefined> => {
    const { namespace, name } = parseObjectKey(key);
    const kind = namespace === undefined ? 'ClusterContentLibraryItem' : 'ContentLibraryItem';
    const itemRef = {
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind,
      name,
      ...(namespace ? { namespace } : {}),
    };
    const item = kube.direct.get(itemRef) as unknown as ContentLibraryItem | undefined;
    if (!item) return undefined;
    // An object not named as the image registry names items is skipped before anything, for good.
    const imageName = imageNameIfItem(name);
    if (imageName === undefined) return undefined;
    const [finalizer, deprecated] = FINALIZERS[kind];
    const object = item as unknown as KubeObject;
    if (item.metadata.deletionTimestamp) {
      const released = withFinalizer(object, deprecated, false);
      const done = withFinalizer(released ?? object, finalizer, false) ?? released;
      if (done) await kube.update(done).catch(ignoreNotFound);
      return undefined;
    }
    // The finalizer first (the deprecated one dropped as it is added); its write brings the item object back.
    const held = withFinalizer(object, finalizer, true);
    if (held) {
      await kube.update(withFinalizer(held, deprecated, false) ?? held);
      return undefined;
    }
    const imageKind = namespace === undefined ? 'ClusterVirtualMachineImage' : 'VirtualMachineImage';
    const imageRef = {
      apiVersion: IMAGE_API_VERSION,
      kind: imageKind,
      name: imageName,
      ...(namespace ? { namespace } : {}),
    };
    const current = kube.direct.get(imageRef) as unknown as Image | undefined;
    const { status, synced, attempted, failed, labels, cacheWait } = statusOf(item, current?.status);
    // With FastDeploy, the item object names the cache it waits for, until its image is synced.
    const waitingFor = cacheWait?.name ?? (synced ? undefined : item.metadata.labels?.[VMI_CACHE_LABEL]);
    if (item.metadata.labels?.[VMI_CACHE_LABEL] !== waitingFor)
      kube.direct.update(withLabel(object, VMI_CACHE_LABEL, waitingFor));
    const metadata = desiredMetadata(item, current, attempted ? status : undefined, labels);
    const spec = { providerRef: { apiVersion: IMAGE_REGISTRY_API_VERSION, kind, name } };
    let image: KubeObject;
    if (!current) {
      image = await kube.create({
        apiVersion: IMAGE_API_VERSION,
        kind: imageKind,
        metadata: { name: imageRef.name, ...(namespace ? { namespace } : {}), ...metadata },
        spec,
      });
    } else {
      image = current as unknown as KubeObject;
      const changed =
        !deepEqual(current.spec, spec) ||
        (['labels', 'annotations', 'ownerReferences'] as const).some(
          (field) => !deepEqual(current.metadata[field], (metadata as Record<string, unknown>)[field]),
        );
      if (changed)
        image = await kube.update({ ...image, metadata: { ...image.metadata, ...metadata }, spec });
    }
    if (!deepEqual(image.status, status)) image = await kube.updateStatus({ ...image, status });
    // As vm-operator's, a failed sync is an error of the reconcile too, retried with backoff; each
    // sync it tries is recorded on the image (UpdateSuccess, UpdateFailure).
    if (!attempted) return undefined;
    const error = failed
      ? new Error(`no library item ${item.spec?.uuid ?? ''} in vSphere`)
      : cacheWait
        ? new Error(cacheWait.message)
        : undefined;
    itemEvents[kind].emit(image, 'Update', error);
    if (error) throw error;
    return undefined;
  };

  const controller = manager.controller({ name: IMAGE_CONTROLLER_NAME, reconcile });
  const keyOf = (object: KubeObject) =>
    objectKey({ namespace: object.metadata.namespace, name: object.metadata.name ?? '' });
  for (const kind of ['ContentLibraryItem', 'ClusterContentLibraryItem'])
    controller.watches(kube, { apiVersion: IMAGE_REGISTRY_API_VERSION, kind }, (object) => [keyOf(object)]);
  // An image deleted or changed by hand: its owner's key.
  const ownerOf = (object: KubeObject): string[] => {
    const owner = controllerOf(object);
    if (!owner?.kind.endsWith('ContentLibraryItem')) return [];
    return [objectKey({ namespace: object.metadata.namespace, name: owner.name })];
  };
  // A cache whose hardware is ready: the item objects that wait for it (VirtualMachineImageCacheToItemMapper).
  if (deps.fastDeploy)
    controller.watches(kube, { apiVersion: IMAGE_API_VERSION, kind: 'VirtualMachineImageCache' }, (cache) =>
      wakesWaiters(cache)
        ? ['ContentLibraryItem', 'ClusterContentLibraryItem'].flatMap((kind) =>
            kube.direct
              .list(IMAGE_REGISTRY_API_VERSION, kind)
              .filter((item) => item.metadata.labels?.[VMI_CACHE_LABEL] === cache.metadata.name)
              .map(keyOf),
          )
        : [],
    );
  controller.watches(kube, { apiVersion: IMAGE_API_VERSION, kind: 'VirtualMachineImage' }, ownerOf);
  controller.watches(kube, { apiVersion: IMAGE_API_VERSION, kind: 'ClusterVirtualMachineImage' }, ownerOf);
  const itemsOfLibrary = (libraryId: string): string[] => [
    ...vsphere.store.referrers('libraryItem', libraryId),
  ];
  const enqueueLibrary = (libraryId: string) => {
    contentLibraries.enqueue(libraryId);
    for (const id of itemsOfLibrary(libraryId)) libraryItems.enqueue(id);
  };
  for (const registry of [contentLibraries, libraryItems])
    registry.watches(kube, { apiVersion: 'v1', kind: 'Namespace' }, (object, event) => {
      const libraries = byNamespace.get(object.metadata.name ?? '');
      if (event !== 'ADDED' || !libraries) return undefined;
      return registry === contentLibraries ? [...libraries] : [...libraries].flatMap(itemsOfLibrary);
    });

  const unsubscribe = vsphere.store.subscribe((batch) => {
    for (const change of batch.changes) {
      const record = change.after ?? change.before;
      if (record?.kind === 'LibraryItem') libraryItems.enqueue(change.id);
      else if (record?.kind === 'ContentLibrary') enqueueLibrary(change.id);
    }
  });

  return {
    controller,
    contentLibraries,
    libraryItems,
    setNamespaceLibraries(namespace, libraryIds) {
      const before = byNamespace.get(namespace) ?? new Set<string>();
      const after = new Set(libraryIds);
      if (after.size === 0) byNamespace.delete(namespace);
      else byNamespace.set(namespace, after);
      for (const id of new Set([...before, ...after])) enqueueLibrary(id);
    },
    librariesOf: (namespace) => [...(byNamespace.get(namespace) ?? [])],
    setClusterLibraries(libraryIds) {
      const before = clusterScoped;
      clusterScoped = new Set(libraryIds);
      for (const id of new Set([...before, ...clusterScoped])) enqueueLibrary(id);
    },
    stop: unsubscribe,
  };
}
