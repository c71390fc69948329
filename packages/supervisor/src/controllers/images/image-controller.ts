/**
 * The image controller: every content library item a namespace (or the whole cluster) may
 * use shows up as a VirtualMachineImage (or ClusterVirtualMachineImage), as vm-operator's
 * content library provider publishes them. An image is named `vmi-` + the first 17 hex
 * digits of the SHA-1 of the item id without dashes, and its status repeats what the item
 * and its OVF descriptor say.
 *
 * Which libraries are visible where is configuration: `libraries.clusterScoped` yields
 * ClusterVirtualMachineImages, `libraries.byNamespace[ns]` yields VirtualMachineImages in
 * `ns`. Both can be changed later through the returned handle (`setNamespaceLibraries`,
 * `setClusterLibraries`), which reconciles the affected items.
 *
 * The work-queue key is a library item id. Keys come from the vSphere store's change feed
 * (items and libraries entering, changing or leaving), from watches of the images
 * themselves (an image deleted or changed by hand is put back, an orphan is removed) and
 * from namespaces appearing. Nothing runs on a timer.
 */
import { createHash } from 'node:crypto';
import {
  hardwareVersionNumber,
  type InventoryRecord,
  type LibraryItemRecord,
  type OvfDescriptor,
  type VSphere,
} from '@vsim/vsphere';
import type {
  ClusterVirtualMachineImage,
  Condition,
  VirtualMachineImage,
  VirtualMachineImageDiskInfo,
  VirtualMachineImageSpec,
  VirtualMachineImageStatus,
} from '../../api/types.js';
import { IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound, isKubeError } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, timestamp } from '../../store/meta.js';
import { startContentLibraryController } from './content-libraries.js';

export const IMAGE_CONTROLLER_NAME = 'image-controller';

export const IMAGE_API_VERSION = 'vmoperator.vmware.com/v1alpha6';

/** The label that ties an image to the library item it shows (its value is the item id). */
export const LIBRARY_ITEM_LABEL = 'vsim.io/library-item-id';

/** The name of the image of a library item: `vmi-` + 17 hex digits of SHA-1(id without dashes). */
export const imageNameOf = (itemId: string): string =>
  `vmi-${createHash('sha1').update(itemId.replaceAll('-', '')).digest('hex').slice(0, 17)}`;

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
}

export interface ImageController {
  readonly controller: Controller;
  /** The controller of the libraries' ContentLibrary and ClusterContentLibrary objects. */
  readonly contentLibraries: Controller;
  /** Replaces the libraries a namespace sees (an empty list: none). */
  setNamespaceLibraries(namespace: string, libraryIds: readonly string[]): void;
  /** The libraries a namespace sees. */
  librariesOf(namespace: string): string[];
  /** Replaces the cluster-scoped libraries. */
  setClusterLibraries(libraryIds: readonly string[]): void;
  /** Stops following the vSphere store (the controller itself stops with its manager). */
  stop(): void;
}

type Image = VirtualMachineImage | ClusterVirtualMachineImage;
type ImageKind = Image['kind'];

interface Desired {
  kind: ImageKind;
  namespace: string | undefined;
  spec: VirtualMachineImageSpec;
  status: VirtualMachineImageStatus;
}

const isItem = (r: InventoryRecord | undefined): r is LibraryItemRecord => r?.kind === 'LibraryItem';

/** Bytes as a Kubernetes quantity: the largest binary suffix that divides them exactly. */
export const quantityOf = (bytes: number): string => {
  const suffixes = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let value = bytes;
  let suffix = '';
  for (const next of suffixes) {
    if (value === 0 || value % 1024 !== 0) break;
    value /= 1024;
    suffix = next;
  }
  return `${value}${suffix}`;
};

/** Disks: capacity from the descriptor (`limit`), bytes of the item's disk file (`requested`). */
const disksOf = (item: LibraryItemRecord, ovf: OvfDescriptor): VirtualMachineImageDiskInfo[] => {
  const files = item.files.filter((f) => f.name.endsWith('.vmdk'));
  return ovf.disks.map((disk, i) => {
    const file = files[i];
    return {
      name: disk.name,
      limit: quantityOf(disk.capacityKB * 1024),
      ...(file ? { requested: quantityOf(file.size) } : {}),
    };
  });
};

/** The status an image of `item` has (conditions aside). */
export const imageStatusOf = (item: LibraryItemRecord): VirtualMachineImageStatus => {
  const status: VirtualMachineImageStatus = {
    name: item.name,
    providerItemID: item.id,
    providerContentVersion: item.contentVersion,
    type: item.type === 'iso' ? 'ISO' : 'OVF',
  };
  const ovf = item.ovf;
  if (!ovf) return status;
  if (ovf.product)
    status.productInfo = {
      product: ovf.product.name,
      vendor: ovf.product.vendor,
      version: ovf.product.version,
      fullVersion: ovf.product.fullVersion,
    };
  if (ovf.os) status.osInfo = { id: ovf.os.id, type: ovf.os.id };
  status.disks = disksOf(item, ovf);
  status.firmware = ovf.firmware;
  const hardwareVersion = hardwareVersionNumber(ovf.hardwareVersion);
  if (hardwareVersion !== undefined) status.hardwareVersion = hardwareVersion;
  return status;
};

/**
 * Starts the image controller on `manager` (it runs once the manager is started). See the
 * file comment for what it does and how the visible libraries are configured.
 */
export function startImageController(manager: Manager, deps: ImageControllerDeps): ImageController {
  const { kube, vsphere } = deps;
  let clusterScoped = new Set(deps.libraries?.clusterScoped ?? []);
  const byNamespace = new Map<string, Set<string>>(
    Object.entries(deps.libraries?.byNamespace ?? {}).map(([ns, ids]) => [ns, new Set(ids)]),
  );

  const itemsOfLibrary = (libraryId: string): string[] => {
    const out: string[] = [];
    for (const item of vsphere.store.ofKind<LibraryItemRecord>('LibraryItem'))
      if (item.library === libraryId) out.push(item.id);
    return out;
  };

  const desiredOf = (item: LibraryItemRecord): Desired[] => {
    if (item.type !== 'ovf' && item.type !== 'iso') return [];
    const status = imageStatusOf(item);
    const ref = (kind: string) => ({
      providerRef: { apiVersion: IMAGE_REGISTRY_API_VERSION, kind, name: item.id },
    });
    const out: Desired[] = [];
    if (clusterScoped.has(item.library))
      out.push({
        kind: 'ClusterVirtualMachineImage',
        namespace: undefined,
        spec: ref('ClusterContentLibraryItem'),
        status,
      });
    for (const [namespace, libraries] of byNamespace)
      if (libraries.has(item.library))
        out.push({ kind: 'VirtualMachineImage', namespace, spec: ref('ContentLibraryItem'), status });
    return out;
  };

  const existingOf = async (itemId: string): Promise<Image[]> => {
    const labelSelector = { matchLabels: { [LIBRARY_ITEM_LABEL]: itemId } };
    const [cluster, namespaced] = await Promise.all([
      kube.list({
        apiVersion: IMAGE_API_VERSION,
        kind: 'ClusterVirtualMachineImage',
        labelSelector,
      }),
      kube.list({
        apiVersion: IMAGE_API_VERSION,
        kind: 'VirtualMachineImage',
        labelSelector,
      }),
    ]);
    return [...cluster.items, ...namespaced.items] as unknown[] as Image[];
  };

  const readyCondition = (old: Condition[] | undefined): Condition => {
    const previous = old?.find((c) => c.type === 'Ready');
    const keep = previous?.status === 'True';
    return {
      type: 'Ready',
      status: 'True',
      lastTransitionTime: keep && previous ? previous.lastTransitionTime : timestamp(vsphere.clock.now()),
      reason: 'True',
      message: '',
    };
  };

  const apply = async (itemId: string, want: Desired, current: Image | undefined): Promise<void> => {
    const name = imageNameOf(itemId);
    let image: KubeObject;
    if (!current) {
      const object: KubeObject = {
        apiVersion: IMAGE_API_VERSION,
        kind: want.kind,
        metadata: {
          name,
          ...(want.namespace !== undefined ? { namespace: want.namespace } : {}),
          labels: { [LIBRARY_ITEM_LABEL]: itemId },
        },
        spec: want.spec,
      };
      try {
        image = await kube.create(object);
      } catch (error) {
        // A namespace that does not exist (yet): its Namespace watch brings the item back.
        if (want.namespace !== undefined && isKubeError(error) && error.code === 404) return;
        throw error;
      }
    } else {
      image = current as unknown as KubeObject;
      if (image.metadata.labels?.[LIBRARY_ITEM_LABEL] !== itemId || !deepEqual(image.spec, want.spec)) {
        image.metadata.labels = { ...image.metadata.labels, [LIBRARY_ITEM_LABEL]: itemId };
        image.spec = want.spec;
        image = await kube.update(image);
      }
    }
    const old = image.status as VirtualMachineImageStatus | undefined;
    const status: VirtualMachineImageStatus = {
      ...want.status,
      conditions: [readyCondition(old?.conditions)],
    };
    if (deepEqual(old, status)) return;
    image.status = status;
    await kube.updateStatus(image);
  };

  const reconcile = async (itemId: string): Promise<undefined> => {
    const record = vsphere.store.get(itemId);
    const wanted = isItem(record) ? desiredOf(record) : [];
    const existing = await existingOf(itemId);
    const name = imageNameOf(itemId);
    const slot = (kind: string, namespace: string | undefined) => `${kind}/${namespace ?? ''}`;
    const bySlot = new Map<string, Image>();
    for (const image of existing) {
      const namespace = image.metadata.namespace;
      if (image.metadata.name === name) bySlot.set(slot(image.kind, namespace), image);
      else
        await kube
          .delete({
            apiVersion: IMAGE_API_VERSION,
            kind: image.kind,
            name: image.metadata.name ?? '',
            ...(namespace ? { namespace } : {}),
          })
          .catch(ignoreNotFound);
    }
    const keep = new Set<string>();
    for (const want of wanted) {
      const key = slot(want.kind, want.namespace);
      keep.add(key);
      let current = bySlot.get(key);
      if (!current)
        // An image of that name not carrying the label (e.g. made by hand): adopt it.
        current = (await kube
          .get({
            apiVersion: IMAGE_API_VERSION,
            kind: want.kind,
            name,
            ...(want.namespace !== undefined ? { namespace: want.namespace } : {}),
          })
          .catch(ignoreNotFound)) as Image | undefined;
      await apply(itemId, want, current);
    }
    for (const [key, image] of bySlot) {
      if (keep.has(key)) continue;
      const namespace = image.metadata.namespace;
      await kube
        .delete({
          apiVersion: IMAGE_API_VERSION,
          kind: image.kind,
          name,
          ...(namespace ? { namespace } : {}),
        })
        .catch(ignoreNotFound);
    }
    return undefined;
  };

  const controller = manager.controller({ name: IMAGE_CONTROLLER_NAME, reconcile });

  const itemOfImage = (object: KubeObject): string[] => {
    const id = object.metadata.labels?.[LIBRARY_ITEM_LABEL];
    return id ? [id] : [];
  };
  controller.watches(kube, { apiVersion: IMAGE_API_VERSION, kind: 'VirtualMachineImage' }, itemOfImage);
  controller.watches(
    kube,
    { apiVersion: IMAGE_API_VERSION, kind: 'ClusterVirtualMachineImage' },
    itemOfImage,
  );
  controller.watches(kube, { apiVersion: 'v1', kind: 'Namespace' }, (object, event) => {
    const libraries = byNamespace.get(object.metadata.name ?? '');
    if (event !== 'ADDED' || !libraries) return undefined;
    return [...libraries].flatMap(itemsOfLibrary);
  });

  const contentLibraries = startContentLibraryController(manager, {
    kube,
    vsphere,
    visibility: {
      namespacesSeeing: (id) =>
        [...byNamespace].filter(([, ids]) => ids.has(id)).map(([namespace]) => namespace),
      isClusterScoped: (id) => clusterScoped.has(id),
    },
  });
  contentLibraries.watches(kube, { apiVersion: 'v1', kind: 'Namespace' }, (object, event) => {
    const libraries = byNamespace.get(object.metadata.name ?? '');
    return event === 'ADDED' && libraries ? [...libraries] : undefined;
  });

  for (const item of vsphere.store.ofKind<LibraryItemRecord>('LibraryItem')) controller.enqueue(item.id);

  const unsubscribe = vsphere.store.subscribe((batch) => {
    for (const change of batch.changes) {
      const record = change.after ?? change.before;
      if (record?.kind === 'LibraryItem') controller.enqueue(change.id);
      else if (record?.kind === 'ContentLibrary') {
        contentLibraries.enqueue(change.id);
        for (const id of itemsOfLibrary(change.id)) controller.enqueue(id);
      }
    }
  });

  const enqueueLibraries = (libraries: Iterable<string>) => {
    for (const library of new Set(libraries)) {
      contentLibraries.enqueue(library);
      for (const id of itemsOfLibrary(library)) controller.enqueue(id);
    }
  };

  return {
    controller,
    contentLibraries,
    setNamespaceLibraries(namespace, libraryIds) {
      const before = byNamespace.get(namespace) ?? new Set<string>();
      const after = new Set(libraryIds);
      if (after.size === 0) byNamespace.delete(namespace);
      else byNamespace.set(namespace, after);
      enqueueLibraries([...before, ...after]);
    },
    librariesOf: (namespace) => [...(byNamespace.get(namespace) ?? [])],
    setClusterLibraries(libraryIds) {
      const before = clusterScoped;
      clusterScoped = new Set(libraryIds);
      enqueueLibraries([...before, ...clusterScoped]);
    },
    stop: unsubscribe,
  };
}
