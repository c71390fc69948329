/**
 * The image registry's side of a Supervisor: the vSphere content libraries its images come from,
 * and their OVF and ISO items, shown as objects of `imageregistry.vmware.com` (see
 * image-registry-kinds.ts). Every library a namespace sees is a ContentLibrary there and each of
 * its items a ContentLibraryItem; a cluster-wide library is a ClusterContentLibrary with
 * ClusterContentLibraryItems. Names are the vSphere ids' (names.ts), and a label keeps the id.
 *
 * A ContentLibrary's spec holds the library's id and whether VMs may be published into it (a
 * local library: yes; a subscribed one: no); an item's, the item's id. Their status repeats
 * what vSphere says (names, types, versions, sizes, files, times), with `Ready` True.
 *
 * Two controllers, one per kind of vSphere record, keyed by its id. Keys come from the vSphere
 * store's change feed, from the image controller when which libraries are seen where changes,
 * from namespaces appearing, and from watches of the objects themselves (one deleted or changed
 * by hand is put back).
 */
import type { LibraryItemRecord, LibraryRecord, VSphere } from '@vsim/vsphere';
import { libraryFileUri } from '@vsim/vsphere';
import {
  type ContentLibraryItemStatus,
  type ContentLibraryStatus,
  IMAGE_REGISTRY_API_VERSION,
  type RegistryCondition,
} from '../../image-registry-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound, isKubeError } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, timestamp } from '../../store/meta.js';
import { contentLibraryNameOf, libraryItemNameOf } from './names.js';

export const CONTENT_LIBRARY_CONTROLLER = 'contentlibrary-controller';
export const LIBRARY_ITEM_CONTROLLER = 'contentlibraryitem-registry-controller';

/** The label that ties a ContentLibrary or ClusterContentLibrary to its vSphere library. */
export const LIBRARY_LABEL = 'vsim.io/library-id';
/** The label that ties an item's objects, and its images, to the vSphere item (its value is the item id). */
export const LIBRARY_ITEM_LABEL = 'vsim.io/library-item-id';

/** Where a library is seen: the namespaces whose images it holds, and whether cluster-wide. */
export interface LibraryVisibility {
  namespacesSeeing(libraryId: string): Iterable<string>;
  isClusterScoped(libraryId: string): boolean;
}

export interface RegistryDeps {
  kube: KubeStore;
  vsphere: VSphere;
  visibility: LibraryVisibility;
}

/** One kind of vSphere record and the two kinds of objects that show it. */
interface Mirror<R> {
  readonly controller: string;
  readonly namespacedKind: string;
  readonly clusterKind: string;
  readonly label: string;
  nameOf(id: string): string;
  /** The record, when it is one to show. */
  recordOf(id: string): R | undefined;
  libraryOf(record: R): string;
  specOf(record: R, namespaced: boolean): Record<string, unknown>;
  statusOf(record: R, namespaced: boolean, ready: RegistryCondition): Record<string, unknown>;
  /** Every record to show at start. */
  all(): Iterable<string>;
}

/** One object a record should have: its namespace, none for the cluster-wide kind. */
type Slot = string | undefined;

function startMirror<R>(manager: Manager, deps: RegistryDeps, mirror: Mirror<R>): Controller {
  const { kube, vsphere, visibility } = deps;
  const kindOf = (namespace: Slot) => (namespace === undefined ? mirror.clusterKind : mirror.namespacedKind);
  const refOf = (namespace: Slot, name: string) => ({
    apiVersion: IMAGE_REGISTRY_API_VERSION,
    kind: kindOf(namespace),
    name,
    ...(namespace !== undefined ? { namespace } : {}),
  });

  /** `Ready` True, since the last time it was not. */
  const readyAfter = (old: unknown): RegistryCondition => {
    const conditions = (old as { conditions?: RegistryCondition[] } | undefined)?.conditions;
    const ready = conditions?.find((c) => c.type === 'Ready');
    const since = ready?.status === 'True' ? ready.lastTransitionTime : undefined;
    return { type: 'Ready', status: 'True', lastTransitionTime: since ?? timestamp(vsphere.clock.now()) };
  };

  const apply = async (id: string, record: R, namespace: Slot, current: KubeObject | undefined) => {
    const name = mirror.nameOf(id);
    const spec = mirror.specOf(record, namespace !== undefined);
    const labels = { ...current?.metadata.labels, [mirror.label]: id };
    let object: KubeObject;
    if (!current) {
      const metadata = { name, labels, ...(namespace !== undefined ? { namespace } : {}) };
      try {
        const { apiVersion, kind } = refOf(namespace, name);
        object = await kube.create({ apiVersion, kind, metadata, spec });
      } catch (error) {
        // A namespace that does not exist (yet): its Namespace watch brings the record back.
        if (namespace !== undefined && isKubeError(error) && error.code === 404) return;
        throw error;
      }
    } else {
      object = current;
      if (current.metadata.labels?.[mirror.label] !== id || !deepEqual(current.spec, spec))
        object = await kube.update({ ...current, metadata: { ...current.metadata, labels }, spec });
    }
    const status = mirror.statusOf(record, namespace !== undefined, readyAfter(object.status));
    if (!deepEqual(object.status, status)) await kube.updateStatus({ ...object, status });
  };

  const reconcile = async (id: string): Promise<undefined> => {
    const record = mirror.recordOf(id);
    const wanted: Slot[] = [];
    if (record !== undefined) {
      const library = mirror.libraryOf(record);
      wanted.push(...visibility.namespacesSeeing(library));
      if (visibility.isClusterScoped(library)) wanted.push(undefined);
    }
    const name = mirror.nameOf(id);
    const existing = [mirror.namespacedKind, mirror.clusterKind]
      .flatMap((kind) => kube.direct.list(IMAGE_REGISTRY_API_VERSION, kind))
      .filter((o) => o.metadata.labels?.[mirror.label] === id || o.metadata.name === name);
    for (const namespace of wanted) {
      // An object of that name without the label (made by hand) is adopted.
      const current = existing.find(
        (o) => o.kind === kindOf(namespace) && o.metadata.namespace === namespace && o.metadata.name === name,
      );
      await apply(id, record as R, namespace, current);
    }
    for (const object of existing) {
      const { namespace } = object.metadata;
      const kept =
        wanted.includes(namespace) && object.kind === kindOf(namespace) && object.metadata.name === name;
      if (kept || object.metadata.labels?.[mirror.label] !== id) continue;
      await kube.delete(refOf(namespace, object.metadata.name ?? '')).catch(ignoreNotFound);
    }
    return undefined;
  };

  const controller = manager.controller({ name: mirror.controller, reconcile });
  for (const kind of [mirror.namespacedKind, mirror.clusterKind])
    controller.watches(kube, { apiVersion: IMAGE_REGISTRY_API_VERSION, kind }, (object) => {
      const id = object.metadata.labels?.[mirror.label];
      return id ? [id] : [];
    });
  for (const id of mirror.all()) controller.enqueue(id);
  return controller;
}

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

/** The times and the `Ready` condition every object of the registry ends its status with. */
const timesOf = (
  record: { creationTime: number; lastModifiedTime: number; lastSyncTime?: number },
  ready: RegistryCondition,
) => ({
  creationTime: timestamp(record.creationTime),
  lastModifiedTime: timestamp(record.lastModifiedTime),
  ...(record.lastSyncTime === undefined ? {} : { lastSyncTime: timestamp(record.lastSyncTime) }),
  conditions: [ready],
});

/** The ContentLibrary and ClusterContentLibrary objects of the libraries seen. */
export function startContentLibraryController(manager: Manager, deps: RegistryDeps): Controller {
  const { store } = deps.vsphere;
  return startMirror<LibraryRecord>(manager, deps, {
    controller: CONTENT_LIBRARY_CONTROLLER,
    namespacedKind: 'ContentLibrary',
    clusterKind: 'ClusterContentLibrary',
    label: LIBRARY_LABEL,
    nameOf: contentLibraryNameOf,
    recordOf(id) {
      const record = store.get(id);
      return record?.kind === 'ContentLibrary' ? (record as LibraryRecord) : undefined;
    },
    libraryOf: (library) => library.id,
    specOf: (library, namespaced) =>
      namespaced ? { uuid: library.id, writable: library.type === 'LOCAL' } : { uuid: library.id },
    statusOf(library, _namespaced, ready): ContentLibraryStatus & Record<string, unknown> {
      const subscription = library.subscription;
      return {
        name: library.name,
        ...(library.description ? { description: library.description } : {}),
        type: library.type === 'LOCAL' ? 'Local' : 'Subscribed',
        storageBacking: { type: 'Datastore', datastoreID: library.datastore },
        version: library.version,
        ...(subscription
          ? {
              subscriptionInfo: {
                URL: subscription.url,
                onDemand: subscription.onDemand,
                automaticSync: subscription.automaticSyncEnabled,
              },
            }
          : {}),
        state: 'Active',
        serverGUID: library.serverGuid,
        ...timesOf(library, ready),
      };
    },
    all: () => [...store.ofKind<LibraryRecord>('ContentLibrary')].map((library) => library.id),
  });
}

/** The items a Supervisor shows: OVF templates and ISO images, not items of other files. */
const isImageItem = (item: LibraryItemRecord): boolean => item.type === 'ovf' || item.type === 'iso';

/** The ContentLibraryItem and ClusterContentLibraryItem objects of the OVF and ISO items of the libraries seen. */
export function startLibraryItemController(manager: Manager, deps: RegistryDeps): Controller {
  const { store } = deps.vsphere;
  return startMirror<LibraryItemRecord>(manager, deps, {
    controller: LIBRARY_ITEM_CONTROLLER,
    namespacedKind: 'ContentLibraryItem',
    clusterKind: 'ClusterContentLibraryItem',
    label: LIBRARY_ITEM_LABEL,
    nameOf: libraryItemNameOf,
    recordOf(id) {
      const record = store.get(id);
      return record?.kind === 'LibraryItem' && isImageItem(record as LibraryItemRecord)
        ? (record as LibraryItemRecord)
        : undefined;
    },
    libraryOf: (item) => item.library,
    specOf: (item) => ({ uuid: item.id }),
    statusOf(item, namespaced, ready): ContentLibraryItemStatus & Record<string, unknown> {
      return {
        name: item.name,
        contentLibraryRef: {
          name: contentLibraryNameOf(item.library),
          kind: namespaced ? 'ContentLibrary' : 'ClusterContentLibrary',
        },
        ...(item.description ? { description: item.description } : {}),
        metadataVersion: item.metadataVersion,
        contentVersion: item.contentVersion,
        type: item.type === 'iso' ? 'ISO' : 'OVF',
        ...(item.sourceId ? { sourceID: item.sourceId } : {}),
        sizeInBytes: quantityOf(item.size),
        cached: item.cached,
        securityCompliance: true,
        fileInfo: item.files.map((file) => ({
          name: file.name,
          sizeInBytes: quantityOf(file.size),
          version: file.version,
          cached: file.cached,
          // Known once the file is on the library's storage: what a CD-ROM backing names.
          ...(file.cached ? { storageURI: libraryFileUri(store, item, file.name) } : {}),
        })),
        ...timesOf(item, ready),
      };
    },
    all: () => [...store.ofKind<LibraryItemRecord>('LibraryItem')].map((item) => item.id),
  });
}
