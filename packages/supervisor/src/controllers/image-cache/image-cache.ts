/**
 * vm-operator's VirtualMachineImageCache controller (FastDeploy): an image's OVF and files kept
 * where its VMs are deployed from, in vm-operator's own namespace, named as the image
 * (`vmi-<sum of the item's id>`).
 *
 * - The OVF (an item's; an image of a VM, `vm-…`, has none to read): a ConfigMap of the cache's
 *   name it controls, the envelope as YAML under `value` (govmomi's JSON names, keys sorted, as
 *   `sigs.k8s.io/yaml` writes it; `null` for an item of no OVF) and `contentVersion`, read again
 *   for a new version alone; `status.ovf`. `VirtualMachineImageCacheHardwareReady`.
 * - With locations: the item synced if its library does not hold it
 *   (`VirtualMachineImageCacheProviderReady`); its disks (and NVRAM files) copied, one location
 *   after the other, into `[<datastore>] <cache>-<sum of the policy>-<sum of the version>` on each
 *   location's datastore, each file named by the sum of its name, its extension kept: a thin
 *   `CopyVirtualDisk_Task` of the item's disk where the library keeps it, the folder made first
 *   (`MakeDirectory`, its parents too), a file there already taken as cached. Each location's
 *   files and `Ready`; `VirtualMachineImageCacheFilesReady` sums them up.
 * - `Ready` sums up the others (`<n> of <m> completed` while one is False). Failures are written
 *   with reason `Failed` and their error and not retried: the cache's next change, or a VM that
 *   finds its files gone, brings it back. A cache without a provider id, or an OVF item's without
 *   a version, is refused for good (`Ready` False).
 * - Locations without a policy are removed first, in a write of their own.
 */
import {
  type DatastoreRecord,
  datacenterOf,
  isVimFault,
  type LibraryItemRecord,
  type LibraryRecord,
  libraryItemDirectory,
  ovfEnvelope,
  parseDatastorePath,
  type VmRecord,
  type VSphere,
} from '@vsim/vsphere';
import type {
  Condition,
  VirtualMachineImageCache,
  VirtualMachineImageCacheFileStatus,
  VirtualMachineImageCacheLocationSpec,
  VirtualMachineImageCacheLocationStatus,
  VirtualMachineImageCacheStatus,
} from '../../api/types.js';
import { VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import { type Controller, TerminalError } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, timestamp, withControllerReference } from '../../store/meta.js';
import { type ConditionState, setCondition } from '../conditions.js';
import { sha1Sum17 } from '../images/names.js';
import { conditionOf } from '../virtualmachine/conditions.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import { toYaml, type YamlValue } from '../virtualmachine/yaml.js';

export const IMAGE_CACHE_CONTROLLER = 'virtualmachineimagecache-controller';

export const IMAGE_CACHE_CONDITION = {
  hardwareReady: 'VirtualMachineImageCacheHardwareReady',
  providerReady: 'VirtualMachineImageCacheProviderReady',
  filesReady: 'VirtualMachineImageCacheFilesReady',
} as const;

/** The label of an object waiting for a cache (an image's item object, a VM): the cache's name. */
export const VMI_CACHE_LABEL = 'vmicache.vmoperator.vmware.com/name';
/** A VM's annotation of the location whose files it waits for: `<datacenter>,<datastore>`. */
export const VMI_CACHE_LOCATION_ANNOTATION = 'vmicache.vmoperator.vmware.com/location';

/** The ConfigMap keys of the OVF: the envelope as YAML, and the content version it is of. */
export const OVF_VALUE_KEY = 'value';
export const OVF_CONTENT_VERSION_KEY = 'contentVersion';

const FAILED = 'Failed';

/** A new cache of the image named `name`, in vm-operator's namespace. */
export const newImageCache = (
  name: string,
  spec: NonNullable<VirtualMachineImageCache['spec']>,
): KubeObject => ({
  apiVersion: VM_OPERATOR_API_VERSION,
  kind: 'VirtualMachineImageCache',
  metadata: { name, namespace: VM_OPERATOR_NAMESPACE },
  spec,
});

/** A cache's `VirtualMachineImageCacheHardwareReady` condition, if it has one. */
export const hardwareOf = (cache: VirtualMachineImageCache | undefined): Condition | undefined =>
  conditionOf(cache?.status?.conditions, IMAGE_CACHE_CONDITION.hardwareReady);

/**
 * Whether a cache's change wakes what waits for it (vm-operator's
 * VirtualMachineImageCacheToItemMapper): its hardware ready, and it not being deleted.
 */
export const wakesWaiters = (cache: KubeObject): boolean =>
  !cache.metadata.deletionTimestamp &&
  hardwareOf(cache as unknown as VirtualMachineImageCache)?.status === 'True';

/** The image's cache with `spec`, as vm-operator's CreateOrPatch leaves it: made, changed, or as it was. */
export const ensureImageCache = (
  kube: KubeStore,
  name: string,
  spec: NonNullable<VirtualMachineImageCache['spec']>,
): VirtualMachineImageCache => {
  const current = kube.direct.get(imageCacheRef(name)) as unknown as VirtualMachineImageCache | undefined;
  if (current && deepEqual(current.spec, spec)) return current;
  return (current
    ? kube.direct.update({ ...(current as unknown as KubeObject), spec })
    : kube.direct.create(newImageCache(name, spec))) as unknown as VirtualMachineImageCache;
};

/** A cache's reference: vm-operator's namespace, the image's name. */
export const imageCacheRef = (name: string) => ({
  apiVersion: VM_OPERATOR_API_VERSION,
  kind: 'VirtualMachineImageCache',
  namespace: VM_OPERATOR_NAMESPACE,
  name,
});

/** A file of the image to cache: its datastore path, in the datacenter it is read from. */
interface SourceFile {
  readonly path: string;
  readonly datacenter: string;
}

/** The folder a location caches an image's files in (vm-operator's GetCacheDirectory). */
export const cacheDirectory = (
  datastoreName: string,
  cacheName: string,
  profileID: string,
  version: string,
) =>
  `[${datastoreName}] ${cacheName}-${sha1Sum17(profileID)}${version === '' ? '' : `-${sha1Sum17(version)}`}`;

/** The last part of a path (a datastore path's file name). */
export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
/** A file name's extension, its dot included (none: empty). */
export const extensionOf = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot);
};

/** A cached file's name: the sum of its name without its extension, the extension kept. */
export const cachedFileName = (name: string) => {
  const ext = extensionOf(name);
  return `${sha1Sum17(name.slice(0, name.length - ext.length))}${ext}`;
};

/**
 * How vm-operator copies a cached disk (CopyVirtualDisk_Task's `destSpec`): thin, on LSI Logic,
 * under a storage policy (none given: the copy's default).
 */
export const thinCopy = (profileId: string | undefined) => ({
  _type: 'FileBackedVirtualDiskSpec',
  diskType: 'thin',
  adapterType: 'lsiLogic',
  capacityKb: 0,
  ...(profileId ? { profile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId }] } : {}),
});

/** The model's words for an item that is not there, as content library's lookups say them. */
const missingItem = (id: string) => `Cannot find the library item with ID ${id}.`;

/**
 * Whether a file is at a datastore path (`[ds] dir/file`) of a datacenter: vm-operator's HEAD of
 * its `/folder` URL before it copies one, or makes a VM of cached files.
 */
export const fileThere = (vsphere: VSphere, path: string, datacenter: string): boolean => {
  const named = parseDatastorePath(path);
  const datastore =
    named &&
    [...vsphere.store.ofKind<DatastoreRecord>('Datastore')].find(
      (ds) => ds.name === named.datastore && datacenterOf(vsphere.store, ds.id)?.id === datacenter,
    );
  if (!named || !datastore) return false;
  try {
    return !vsphere.files.download(datastore.id, named.path).folder;
  } catch (error) {
    if (isVimFault(error)) return false;
    throw error;
  }
};

/** Whether a file is a disk (a `.vmdk`, in any case), as vm-operator tells a cached file's type. */
export const isDiskFile = (path: string): boolean => extensionOf(path).toLowerCase() === '.vmdk';

/** Whether a file is a VM's NVRAM (a `.nvram`, in any case). */
export const isNvramFile = (path: string): boolean => extensionOf(path).toLowerCase() === '.nvram';

/** The files of an image the cache holds: its disks and its NVRAM. */
const isCachedKind = (name: string) => isDiskFile(name) || isNvramFile(name);

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Why a step failed, wrapped as vm-operator's `fmt.Errorf` wraps it. */
class StepError extends Error {}

/**
 * The sum of conditions as one, with vm-operator's step counter: False as the first False one
 * (its reason, `<true ones> of <all> completed`, each without a condition counted too), else True
 * when one is, else Unknown when one is; undefined (left as it is) when there are none.
 */
const summed = (conditions: readonly (Condition | undefined)[]): ConditionState | undefined => {
  const done = conditions.filter((c) => c?.status === 'True').length;
  const failed = conditions.find((c) => c?.status === 'False');
  if (failed)
    return { status: 'False', reason: failed.reason, message: `${done} of ${conditions.length} completed` };
  if (done > 0) return { status: 'True' };
  const unknown = conditions.find((c) => c?.status === 'Unknown');
  return unknown ? { status: 'Unknown', reason: unknown.reason, message: unknown.message } : undefined;
};

export interface ImageCacheControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
}

export function startImageCacheController(manager: Manager, deps: ImageCacheControllerDeps): Controller {
  const { kube, vsphere } = deps;
  const now = () => timestamp(vsphere.clock.now());

  /** The ConfigMap of the OVF, made or brought to the cache's version; the status's `ovf`. */
  const reconcileOvf = (cache: VirtualMachineImageCache) => {
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: cache.metadata.namespace as string,
      name: cache.metadata.name as string,
    };
    const current = kube.direct.get(ref);
    const version = cache.spec?.providerVersion ?? '';
    const data = (current?.data ?? {}) as Record<string, string>;
    const ownerReferences = withControllerReference(current, cache);
    const fresh = (data[OVF_VALUE_KEY] ?? '') !== '' && data[OVF_CONTENT_VERSION_KEY] === version;
    let value = data[OVF_VALUE_KEY] ?? '';
    if (!fresh) {
      const item = vsphere.store.get(cache.spec?.providerID ?? '') as LibraryItemRecord | undefined;
      if (item?.kind !== 'LibraryItem')
        throw new StepError(
          `failed to create or patch ovf configmap: failed to retrieve ovf envelope: ${missingItem(cache.spec?.providerID ?? '')}`,
        );
      // An item of no OVF (an ISO) has no envelope: Go's YAML of a nil one.
      value = item.ovf ? toYaml(ovfEnvelope(item.ovf, item.name) as Record<string, YamlValue>) : 'null\n';
    }
    const next = { [OVF_CONTENT_VERSION_KEY]: version, [OVF_VALUE_KEY]: value };
    if (!current)
      kube.direct.create({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace, ownerReferences },
        data: next,
      });
    else if (!fresh || !deepEqual(current.metadata.ownerReferences, ownerReferences))
      kube.direct.update({
        ...current,
        metadata: { ...current.metadata, ownerReferences },
        data: { ...data, ...next },
      });
    return { configMapName: ref.name as string, providerVersion: version };
  };

  /** The item, synced when its library does not hold its files (a subscribed library's). */
  const reconcileItem = async (providerID: string) => {
    const item = vsphere.store.get(providerID) as LibraryItemRecord | undefined;
    if (item?.kind !== 'LibraryItem')
      throw new StepError(
        `failed to get library item: failed to find image: ${providerID}: ${missingItem(providerID)}`,
      );
    if (item.cached) return;
    try {
      await vsphere.library.syncItem(providerID, true);
    } catch (error) {
      throw new StepError(`failed to sync library item: ${errorMessage(error)}`);
    }
  };

  /** What the cache copies: an item's disks where its library keeps them, or a VM's disks. */
  const sourceFiles = (providerID: string, isOvf: boolean): SourceFile[] => {
    if (!isOvf) {
      const vm = vsphere.store.get(providerID) as VmRecord | undefined;
      if (vm?.kind !== 'VirtualMachine') throw new StepError(`failed to get VM ${providerID}`);
      const datacenter = datacenterOf(vsphere.store, vm.id)?.id ?? '';
      return vm.config.devices.flatMap((d) => {
        const fileName = (d.backing as { fileName?: string } | undefined)?.fileName;
        return d._type === 'VirtualDisk' && fileName ? [{ path: fileName, datacenter }] : [];
      });
    }
    const item = vsphere.store.get(providerID) as LibraryItemRecord | undefined;
    if (item?.kind !== 'LibraryItem')
      throw new StepError(`failed to list library item storage: ${missingItem(providerID)}`);
    const library = vsphere.store.get(item.library) as LibraryRecord | undefined;
    const datastore = vsphere.store.get(library?.datastore ?? '');
    const datacenter = datacenterOf(vsphere.store, datastore?.id ?? '')?.id ?? '';
    return item.files
      .filter((f) => isCachedKind(f.name))
      .map((f) => ({ path: `[${datastore?.name}] ${libraryItemDirectory(item)}/${f.name}`, datacenter }));
  };

  /** One file copied into `dir`, unless it is there already: its cached path. */
  const copyFile = async (
    source: SourceFile,
    dir: string,
    datacenter: string,
    profileID: string,
  ): Promise<string> => {
    const name = baseName(source.path);
    const ext = extensionOf(name);
    const isDisk = isDiskFile(name);
    const path = `${dir}/${cachedFileName(name)}`;
    if (fileThere(vsphere, path, datacenter)) return path;
    try {
      vsphere.files.makeDirectory(dir, datacenter, true);
    } catch (error) {
      throw new StepError(`failed to create folder "${dir}": ${errorMessage(error)}`);
    }
    let task: { wait(): Promise<unknown> };
    try {
      task = isDisk
        ? vsphere.virtualDisks.copy(source.path, source.datacenter, path, datacenter, thinCopy(profileID))
        : vsphere.files.copy(source.path, source.datacenter, path, datacenter, false);
    } catch (error) {
      throw new StepError(`failed to call copy ${ext}: ${errorMessage(error)}`);
    }
    try {
      await task.wait();
    } catch (error) {
      throw new StepError(`failed to wait for copy ${ext}: ${errorMessage(error)}`);
    }
    return path;
  };

  /** A location's files cached, or why not, as its status says. */
  const reconcileLocation = async (
    cache: VirtualMachineImageCache,
    spec: VirtualMachineImageCacheLocationSpec,
    old: VirtualMachineImageCacheLocationStatus | undefined,
    sources: readonly SourceFile[],
  ): Promise<VirtualMachineImageCacheLocationStatus> => {
    const at = { datacenterID: spec.datacenterID, datastoreID: spec.datastoreID, profileID: spec.profileID };
    const datastore = vsphere.store.get(spec.datastoreID) as { name: string };
    const dir = cacheDirectory(
      datastore.name,
      cache.metadata.name as string,
      spec.profileID,
      cache.spec?.providerVersion ?? '',
    );
    try {
      const files: VirtualMachineImageCacheFileStatus[] = [];
      for (const source of sources) {
        const id = await copyFile(source, dir, spec.datacenterID, spec.profileID);
        const name = baseName(source.path);
        files.push(
          isDiskFile(id) ? { id, type: 'Disk', diskType: 'Classic', name } : { id, type: 'Other', name },
        );
      }
      return {
        ...old,
        ...at,
        files,
        conditions: setCondition(old?.conditions, 'Ready', { status: 'True' }, now()),
      };
    } catch (error) {
      if (!(error instanceof StepError)) throw error;
      const failed = {
        status: 'False',
        reason: FAILED,
        message: `failed to cache storage items: ${error.message}`,
      } as const;
      return { ...old, ...at, conditions: setCondition(old?.conditions, 'Ready', failed, now()) };
    }
  };

  /** Every location's files; a destination that is no datacenter or datastore fails them all. */
  const reconcileFiles = async (cache: VirtualMachineImageCache, isOvf: boolean) => {
    const sources = sourceFiles(cache.spec?.providerID ?? '', isOvf);
    const specs = cache.spec?.locations ?? [];
    for (const spec of specs)
      if (vsphere.store.get(spec.datacenterID)?.kind !== 'Datacenter')
        throw new StepError(`invalid datacenter ID: ${spec.datacenterID}`);
    for (const spec of specs)
      if (vsphere.store.get(spec.datastoreID)?.kind !== 'Datastore')
        throw new StepError(`invalid datastore ID: ${spec.datastoreID}`);
    const locations = [...(cache.status?.locations ?? [])];
    for (const spec of specs) {
      const at = locations.findIndex((l) => sameLocation(l, spec));
      const next = await reconcileLocation(cache, spec, locations[at], sources);
      if (at < 0) locations.push(next);
      else locations[at] = next;
    }
    return locations;
  };

  const reconcile = async (key: string) => {
    const { namespace, name } = parseObjectKey(key);
    const ref = { ...imageCacheRef(name), namespace: namespace ?? VM_OPERATOR_NAMESPACE };
    const cache = kube.direct.get(ref) as unknown as VirtualMachineImageCache | undefined;
    if (!cache || cache.metadata.deletionTimestamp) return undefined;
    const object = cache as unknown as KubeObject;
    // Locations without a policy go first, in a write of their own, which brings the cache back.
    const hasProfile = (l: { profileID?: string }) => (l.profileID ?? '') !== '';
    const specLocations = cache.spec?.locations ?? [];
    if (!specLocations.every(hasProfile)) {
      kube.direct.update({ ...object, spec: { ...cache.spec, locations: specLocations.filter(hasProfile) } });
      return undefined;
    }
    const statusLocations = cache.status?.locations ?? [];
    if (!statusLocations.every(hasProfile)) {
      kube.direct.updateStatus({
        ...object,
        status: { ...cache.status, locations: statusLocations.filter(hasProfile) },
      });
      return undefined;
    }
    const status: VirtualMachineImageCacheStatus = { ...cache.status };
    const write = () => {
      if (!deepEqual(cache.status ?? {}, status))
        kube.direct.updateStatus({ ...object, status } as KubeObject);
    };
    const mark = (type: string, outcome: unknown) => {
      const state =
        outcome instanceof Error
          ? ({ status: 'False', reason: FAILED, message: outcome.message } as const)
          : ({ status: 'True' } as const);
      status.conditions = setCondition(status.conditions, type, state, now());
    };
    const providerID = cache.spec?.providerID ?? '';
    const isOvf = !providerID.startsWith('vm-');
    const refused =
      providerID === ''
        ? 'spec.providerID is empty'
        : isOvf && (cache.spec?.providerVersion ?? '') === ''
          ? 'spec.providerVersion is empty'
          : undefined;
    if (refused) {
      mark('Ready', new Error(refused));
      write();
      throw new TerminalError(refused);
    }
    const step = async (work: () => unknown): Promise<unknown> => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof StepError) return error;
        throw error;
      }
    };
    const ovf = isOvf ? await step(() => reconcileOvf(cache)) : undefined;
    if (ovf && !(ovf instanceof Error))
      status.ovf = ovf as NonNullable<VirtualMachineImageCacheStatus['ovf']>;
    mark(IMAGE_CACHE_CONDITION.hardwareReady, ovf);
    if (specLocations.length > 0) {
      mark(
        IMAGE_CACHE_CONDITION.providerReady,
        isOvf ? await step(() => reconcileItem(providerID)) : undefined,
      );
      const locations = await step(() => reconcileFiles(cache, isOvf));
      if (locations instanceof Error) mark(IMAGE_CACHE_CONDITION.filesReady, locations);
      else {
        status.locations = locations as VirtualMachineImageCacheLocationStatus[];
        const files = summed(status.locations.map((l) => l.conditions?.find((c) => c.type === 'Ready')));
        if (files)
          status.conditions = setCondition(status.conditions, IMAGE_CACHE_CONDITION.filesReady, files, now());
      }
    }
    const ready = summed((status.conditions ?? []).filter((c) => c.type !== 'Ready'));
    if (ready) status.conditions = setCondition(status.conditions, 'Ready', ready, now());
    write();
    return undefined;
  };

  const controller = manager.controller({ name: IMAGE_CACHE_CONTROLLER, reconcile });
  controller.watches(
    kube,
    { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineImageCache' },
    (object) => [objectKey({ namespace: object.metadata.namespace, name: object.metadata.name ?? '' })],
  );
  return controller;
}

/** Whether two locations are one: its datacenter, datastore and policy. */
export const sameLocation = (
  a: VirtualMachineImageCacheLocationSpec,
  b: VirtualMachineImageCacheLocationSpec,
) => a.datacenterID === b.datacenterID && a.datastoreID === b.datastoreID && a.profileID === b.profileID;
