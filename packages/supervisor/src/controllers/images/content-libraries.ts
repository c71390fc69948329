/**
 * The content library controller: the image registry's view of the vSphere content libraries
 * a Supervisor's images come from. Every library a namespace sees is a ContentLibrary there,
 * every cluster-wide one a ClusterContentLibrary, named `cl-` + the first 17 hex digits of the
 * SHA-1 of the library id without dashes (the shape of a Supervisor's names; the image
 * controller names images alike). Its spec holds the library's id and, for a ContentLibrary,
 * whether VMs may be published into it (a local library: yes; a subscribed one: no); its status
 * repeats the library's name, type, storage, version and times, with `Ready` True.
 *
 * The work-queue key is a library id. Keys come from the vSphere store's change feed, from the
 * image controller when which libraries are seen where changes, from namespaces appearing, and
 * from watches of the objects themselves (one deleted or changed by hand is put back).
 */
import { createHash } from 'node:crypto';
import type { LibraryRecord, VSphere } from '@vsim/vsphere';
import {
  type ContentLibrary,
  type ContentLibraryStatus,
  IMAGE_REGISTRY_API_VERSION,
  type RegistryCondition,
} from '../../image-registry-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound, isKubeError } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, timestamp } from '../../store/meta.js';

export const CONTENT_LIBRARY_CONTROLLER = 'contentlibrary-controller';

/** The label that ties a ContentLibrary or ClusterContentLibrary to its vSphere library. */
export const LIBRARY_LABEL = 'vsim.io/library-id';

type Kind = ContentLibrary['kind'];
const KINDS: readonly Kind[] = ['ContentLibrary', 'ClusterContentLibrary'];

/** The name of a library's objects: `cl-` + 17 hex digits of SHA-1(id without dashes). */
export const contentLibraryNameOf = (libraryId: string): string =>
  `cl-${createHash('sha1').update(libraryId.replaceAll('-', '')).digest('hex').slice(0, 17)}`;

/** Where a library is seen: the namespaces whose images it holds, and whether cluster-wide. */
export interface LibraryVisibility {
  namespacesSeeing(libraryId: string): Iterable<string>;
  isClusterScoped(libraryId: string): boolean;
}

export interface ContentLibraryControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  visibility: LibraryVisibility;
}

/** One object a library should have: its kind and namespace (none for a ClusterContentLibrary). */
interface Slot {
  kind: Kind;
  namespace: string | undefined;
}

const refOf = (kind: Kind, name: string, namespace: string | undefined) => ({
  apiVersion: IMAGE_REGISTRY_API_VERSION,
  kind,
  name,
  ...(namespace !== undefined ? { namespace } : {}),
});

/**
 * Starts the content library controller on `manager`. The image controller owns what is seen
 * where and enqueues a library whenever that changes.
 */
export function startContentLibraryController(
  manager: Manager,
  deps: ContentLibraryControllerDeps,
): Controller {
  const { kube, vsphere, visibility } = deps;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : timestamp(ms));

  const statusOf = (library: LibraryRecord, old: ContentLibraryStatus | undefined): ContentLibraryStatus => {
    const ready = old?.conditions?.find((c) => c.type === 'Ready');
    const condition: RegistryCondition = {
      type: 'Ready',
      status: 'True',
      lastTransitionTime:
        ready?.status === 'True' && ready.lastTransitionTime
          ? ready.lastTransitionTime
          : timestamp(vsphere.clock.now()),
    };
    const subscription = library.subscription;
    const lastSyncTime = iso(library.lastSyncTime);
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
      creationTime: timestamp(library.creationTime),
      lastModifiedTime: timestamp(library.lastModifiedTime),
      ...(lastSyncTime ? { lastSyncTime } : {}),
      conditions: [condition],
    };
  };

  const specOf = (library: LibraryRecord, kind: Kind) =>
    kind === 'ContentLibrary'
      ? { uuid: library.id, writable: library.type === 'LOCAL' }
      : { uuid: library.id };

  const apply = async (library: LibraryRecord, slot: Slot, current: ContentLibrary | undefined) => {
    const name = contentLibraryNameOf(library.id);
    const spec = specOf(library, slot.kind);
    const labels = { ...current?.metadata.labels, [LIBRARY_LABEL]: library.id };
    let object: KubeObject;
    if (!current) {
      try {
        object = await kube.create({
          ...refOf(slot.kind, name, undefined),
          metadata: { name, labels, ...(slot.namespace !== undefined ? { namespace: slot.namespace } : {}) },
          spec,
        });
      } catch (error) {
        // A namespace that does not exist (yet): its Namespace watch brings the library back.
        if (slot.namespace !== undefined && isKubeError(error) && error.code === 404) return;
        throw error;
      }
    } else {
      object = current as unknown as KubeObject;
      if (current.metadata.labels?.[LIBRARY_LABEL] !== library.id || !deepEqual(current.spec, spec))
        object = await kube.update({ ...object, metadata: { ...object.metadata, labels }, spec });
    }
    const old = object.status as ContentLibraryStatus | undefined;
    const status = statusOf(library, old);
    if (!deepEqual(old, status)) await kube.updateStatus({ ...object, status });
  };

  const reconcile = async (libraryId: string): Promise<undefined> => {
    const record = vsphere.store.get(libraryId);
    const library = record?.kind === 'ContentLibrary' ? (record as LibraryRecord) : undefined;
    const wanted: Slot[] = [];
    if (library) {
      for (const namespace of visibility.namespacesSeeing(libraryId))
        wanted.push({ kind: 'ContentLibrary', namespace });
      if (visibility.isClusterScoped(libraryId))
        wanted.push({ kind: 'ClusterContentLibrary', namespace: undefined });
    }
    const name = contentLibraryNameOf(libraryId);
    const existing = KINDS.flatMap(
      (kind) => kube.direct.list(IMAGE_REGISTRY_API_VERSION, kind) as unknown[] as ContentLibrary[],
    ).filter((o) => o.metadata.labels?.[LIBRARY_LABEL] === libraryId || o.metadata.name === name);
    const slotOf = (kind: Kind, namespace: string | undefined) => `${kind}/${namespace ?? ''}`;
    const kept = new Set<string>();
    for (const slot of wanted) {
      kept.add(slotOf(slot.kind, slot.namespace));
      const current = existing.find(
        (o) => o.kind === slot.kind && o.metadata.namespace === slot.namespace && o.metadata.name === name,
      );
      await apply(library as LibraryRecord, slot, current);
    }
    for (const object of existing) {
      const { namespace } = object.metadata;
      if (kept.has(slotOf(object.kind, namespace)) && object.metadata.name === name) continue;
      if (object.metadata.labels?.[LIBRARY_LABEL] !== libraryId) continue;
      await kube.delete(refOf(object.kind, object.metadata.name ?? '', namespace)).catch(ignoreNotFound);
    }
    return undefined;
  };

  const controller = manager.controller({ name: CONTENT_LIBRARY_CONTROLLER, reconcile });
  for (const kind of KINDS)
    controller.watches(kube, { apiVersion: IMAGE_REGISTRY_API_VERSION, kind }, (object) => {
      const id =
        object.metadata.labels?.[LIBRARY_LABEL] ?? (object.spec as { uuid?: unknown } | undefined)?.uuid;
      return typeof id === 'string' ? [id] : [];
    });
  for (const library of vsphere.store.ofKind<LibraryRecord>('ContentLibrary')) controller.enqueue(library.id);
  return controller;
}
