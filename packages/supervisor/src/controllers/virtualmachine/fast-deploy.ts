/**
 * vm-operator's FastDeploy, as its VM provider makes a VM of an image's cached files
 * (`vmlifecycle/create_fastdeploy.go`) and its reconcile waits for them:
 *
 * - The mode: the VM's `vmoperator.vmware.com/fast-deploy` annotation, else the Supervisor's
 *   (`linked` by default), `direct` or `linked` in any case; anything else, or a VM with instance
 *   storage, is deployed as without FastDeploy.
 * - The wait: an OVF image's cache must hold its OVF of the image's version (its hardware), then
 *   the location of the VM's datastore and storage policy, which the VM adds to the cache, its
 *   files. Meanwhile the VM is labelled with the cache (and annotated with the location it waits
 *   for) and `VirtualMachineConditionImageCacheReady` is False `NotReady`; the cache's change
 *   brings it back, nothing else: its next pass goes on once what it waits for is there.
 * - The VM: made by CreateVM_Task in `[<datastore>] <uid>/`, its image's disks on their SCSI
 *   controller, `disk-<n>.vmdk`, children of the cached disks (`linked`, their base names kept in
 *   the `vmprov.keepDisks` extra config) or copies of them (`direct`, CopyVirtualDisk_Task first).
 * - Disk promotion (`spec.promoteDisksMode`, `Online` by default): a linked VM's disks made its
 *   own by PromoteDisks_Task once it runs (`Offline`: once it is off; `Disabled`: never), with
 *   `VirtualMachineDiskPromotionSynced` and `VirtualMachineDiskPromotionStarted`.
 */
import type { Device, VmConfigSpec, VmRecord } from '@vsim/vsphere';
import type {
  VirtualMachine,
  VirtualMachineImageCache,
  VirtualMachineImageCacheLocationSpec,
} from '../../api/types.js';
import {
  baseName,
  hardwareOf,
  sameLocation,
  VMI_CACHE_LOCATION_ANNOTATION,
} from '../image-cache/image-cache.js';
import { conditionOf, isAbsent, isFalse, isTrue, type Verdict } from './conditions.js';

export const FAST_DEPLOY_ANNOTATION = 'vmoperator.vmware.com/fast-deploy';
export const KEEP_DISKS_EXTRA_CONFIG_KEY = 'vmprov.keepDisks';
export const IMAGE_CACHE_READY = 'VirtualMachineConditionImageCacheReady';
export const DISK_PROMOTION_SYNCED = 'VirtualMachineDiskPromotionSynced';
export const DISK_PROMOTION_STARTED = 'VirtualMachineDiskPromotionStarted';
/** vm-operator's default `FAST_DEPLOY_MODE`. */
export const DEFAULT_FAST_DEPLOY_MODE = 'linked';

export type FastDeployMode = 'direct' | 'linked';

/**
 * The mode a VM is made with, as vm-operator's reconcile decides it for each VM; undefined: it
 * is deployed as without FastDeploy.
 */
export function fastDeployModeOf(
  vm: VirtualMachine,
  supervisorMode: string,
  instanceStorage: boolean,
): FastDeployMode | undefined {
  if (instanceStorage) return undefined;
  const mode = (vm.metadata.annotations?.[FAST_DEPLOY_ANNOTATION] || supervisorMode).toLowerCase();
  return mode === 'direct' || mode === 'linked' ? mode : undefined;
}

/** What a VM waits for: its condition's message, the cache, and the location (`<dc>,<ds>`) if any. */
export interface CacheWait {
  readonly message: string;
  readonly name: string;
  readonly location?: string;
}

/** The cache's hardware (its OVF of `version`), or what the VM waits for. */
export function hardwareWait(
  name: string,
  cache: VirtualMachineImageCache | undefined,
  version: string,
): CacheWait | undefined {
  const hardware = hardwareOf(cache);
  if (!cache || hardware?.status === 'False') return { message: 'cache not ready', name };
  if (hardware?.status !== 'True' || cache.status?.ovf?.providerVersion !== version)
    return { message: 'hardware not ready', name };
  return undefined;
}

/** The cache's spec with a location added (vm-operator's AddLocation: each once). */
export function withLocation(
  cache: VirtualMachineImageCache | undefined,
  itemId: string,
  version: string,
  location: VirtualMachineImageCacheLocationSpec,
): NonNullable<VirtualMachineImageCache['spec']> {
  const locations = cache?.spec?.locations ?? [];
  const there = locations.some((l) => sameLocation(l, location));
  return {
    ...cache?.spec,
    providerID: itemId,
    providerVersion: version,
    locations: there ? locations : [...locations, location],
  };
}

/** The files of a location once its cache holds them, its failure, or what the VM waits for. */
type LocationOutcome =
  | { readonly files: readonly string[]; readonly verdict: Verdict }
  | { readonly failed: string }
  | { readonly wait: CacheWait };

/**
 * Where a location's files are: its `Ready` True and every file there (one gone: the cache is
 * asked to look again, `missing`, and the VM waits), False (the create's error), else the wait.
 */
export function locationOutcome(
  name: string,
  cache: VirtualMachineImageCache,
  location: VirtualMachineImageCacheLocationSpec,
  there: (path: string) => boolean,
  missing: () => void,
): LocationOutcome {
  const status = cache.status?.locations?.find((l) => sameLocation(l, location));
  const ready = conditionOf(status?.conditions, 'Ready');
  if (ready?.status === 'False') return { failed: `failed to cache files: ${ready.message}` };
  if (ready?.status === 'True' && status) {
    const files = (status.files ?? []).map((f) => f.id);
    if (files.every(there)) {
      const message = `VirtualMachineImageCache location ${location.datacenterID}:${location.datastoreID} was ready at ${ready.lastTransitionTime}`;
      return { files, verdict: { type: IMAGE_CACHE_READY, status: 'True', reason: 'True', message } };
    }
    missing();
  }
  return {
    wait: {
      message: 'cached files not ready',
      name,
      location: `${location.datacenterID},${location.datastoreID}`,
    },
  };
}

/**
 * Whether a VM labelled as waiting for `cache` may go on (vm-operator's isVMICacheReady): its
 * hardware ready, and the location it waits for, if any, ready too (by datacenter and datastore).
 */
export function cacheReadyFor(vm: VirtualMachine, cache: VirtualMachineImageCache | undefined): boolean {
  if (hardwareOf(cache)?.status !== 'True') return false;
  const location = vm.metadata.annotations?.[VMI_CACHE_LOCATION_ANNOTATION];
  if (!location) return true;
  const [dc, ds, ...rest] = location.split(',');
  const status =
    rest.length === 0
      ? cache?.status?.locations?.find((l) => l.datacenterID === dc && l.datastoreID === ds)
      : undefined;
  return conditionOf(status?.conditions, 'Ready')?.status === 'True';
}

/**
 * The device changes of an image's disks on their SCSI controller (the simulator's OVFs put them
 * on bus 0, units 0-6 then 8 on): `disk-<n>.vmdk` in the VM's folder, a child of the cached disk
 * (`linked`) or the copy made there (`direct`), under the VM's storage policy.
 */
export function imageDiskChanges(
  capacitiesKB: readonly number[],
  cached: readonly string[],
  dir: string,
  mode: FastDeployMode,
  thin: boolean,
  policy: string | undefined,
  claims: readonly (DiskClaim | undefined)[] = [],
): VmConfigSpec['deviceChange'] {
  const controller = -300;
  const profileOf = (id: string | undefined) =>
    id === undefined ? undefined : [{ _type: 'VirtualMachineDefinedProfileSpec', profileId: id }];
  const disks = capacitiesKB.map((imageKB, i) => {
    // A claim the VM's volumes place on the disk gives it its policy, and its size if larger.
    const claim = claims[i];
    const capacityInKB = Math.max(imageKB, claim?.capacityKB ?? 0);
    const profile = profileOf(claim?.policy ?? policy);
    const fileName = `${dir}/disk-${i}.vmdk`;
    const parent = cached[i];
    const backing =
      mode === 'linked' && parent !== undefined
        ? {
            _type: 'VirtualDiskFlatVer2BackingInfo',
            fileName,
            diskMode: 'persistent',
            thinProvisioned: true,
            parent: { _type: 'VirtualDiskFlatVer2BackingInfo', fileName: parent, diskMode: 'persistent' },
          }
        : {
            _type: 'VirtualDiskFlatVer2BackingInfo',
            fileName,
            diskMode: 'persistent',
            thinProvisioned: thin,
          };
    const device: Device = {
      _type: 'VirtualDisk',
      key: controller - 1 - i,
      controllerKey: controller,
      unitNumber: imageDiskUnit(i),
      capacityInKB,
      backing,
    };
    // A copy is there already; a child, or a disk the cache has none for, is made.
    const copied = mode === 'direct' && parent !== undefined;
    return {
      operation: 'add' as const,
      ...(copied ? {} : { fileOperation: 'create' as const }),
      device,
      ...(profile ? { profile } : {}),
    };
  });
  if (disks.length === 0) return [];
  return [
    {
      operation: 'add',
      device: { _type: 'ParaVirtualSCSIController', key: controller, busNumber: 0, sharedBus: 'noSharing' },
    },
    ...disks,
  ];
}

/** What a claim the VM's volumes place on an image's disk asks of it (with AllDisksArePVCs). */
export interface DiskClaim {
  readonly capacityKB: number;
  readonly policy: string;
}

/** The unit of each image disk on its SCSI controller, bus 0 (as the simulator's OVFs place them). */
export const imageDiskUnit = (i: number): number => (i < 7 ? i : i + 1);

/** The extra config a linked VM keeps its parents with: their base names, comma-joined. */
export const keepDisksValue = (cached: readonly string[]): string => cached.map(baseName).join(',');

/** PCI passthrough backings a linked VM cannot have while it promotes its disks online. */
const OFFLINE_ONLY_BACKINGS: ReadonlySet<string> = new Set([
  'VirtualPCIPassthroughDeviceBackingInfo',
  'VirtualPCIPassthroughDynamicBackingInfo',
]);

/**
 * The mode a VM is made with after all (vm-operator's fast deploy): `direct` for a VM under an
 * encryption policy, or with a DirectPath I/O device (online promotion not supported); else its own.
 */
export const createMode = (
  mode: FastDeployMode,
  encrypted: boolean,
  deviceChange: readonly { readonly device: Device }[],
): FastDeployMode =>
  encrypted ||
  deviceChange.some(
    (c) =>
      c.device._type === 'VirtualPCIPassthrough' &&
      OFFLINE_ONLY_BACKINGS.has((c.device.backing as { _type?: string } | undefined)?._type ?? ''),
  )
    ? 'direct'
    : mode;

/** A disk of the VM that is a child of another (a linked VM's), not a First Class Disk's. */
const isChildDisk = (d: Device): boolean =>
  d._type === 'VirtualDisk' &&
  (d as { vDiskId?: unknown }).vDiskId === undefined &&
  (d.backing as { parent?: unknown } | undefined)?.parent !== undefined;

/** What the disk promotion does in a pass: its verdicts, and the disks it promotes now, if any. */
interface PromotionPlan {
  readonly verdicts: readonly Verdict[];
  readonly promote?: readonly Device[];
}

/** The state of the last promotion the controller started for the VM: running, done, or its fault. */
export type PromotionTask = { readonly running: true } | { readonly running: false; readonly error?: string };

/**
 * vm-operator's disk promotion reconciler (`vmconfig/diskpromo`) for one pass: the task it
 * started last judged first, then the mode, the child disks (those of `inSnapshots`' files left
 * out), the VM's other tasks, its snapshot, power state and customization.
 */
export function promotionPlan(
  vm: VirtualMachine,
  record: VmRecord,
  inSnapshots: ReadonlySet<string>,
  last: PromotionTask | undefined,
  otherTasks: boolean,
  customizing: boolean,
): PromotionPlan {
  if (last?.running) return { verdicts: [running()] };
  if (last && last.error !== undefined)
    return { verdicts: [isFalse(DISK_PROMOTION_SYNCED, 'DiskPromotionTaskError', last.error)] };
  if (last) return { verdicts: [isTrue(DISK_PROMOTION_SYNCED)] };
  const mode = vm.spec?.promoteDisksMode ?? 'Online';
  if (mode === 'Disabled') return { verdicts: [isAbsent(DISK_PROMOTION_SYNCED)] };
  const candidates = record.config.devices.filter(
    (d) => isChildDisk(d) && !inSnapshots.has((d.backing as { fileName: string }).fileName),
  );
  const synced = vm.status?.conditions?.find((c) => c.type === DISK_PROMOTION_SYNCED);
  if (candidates.length === 0)
    return !synced || synced.reason === 'DiskPromotionRunning'
      ? { verdicts: [isTrue(DISK_PROMOTION_SYNCED)] }
      : { verdicts: [] };
  const pending = (message: string) => ({
    verdicts: [isFalse(DISK_PROMOTION_SYNCED, 'DiskPromotionPending', message)],
  });
  if (otherTasks) return pending('Cannot promote disks when VM has running task');
  if (mode === 'Online') {
    if (record.snapshots?.current) return pending('Cannot online promote disks when VM has snapshot');
    if (record.powerState !== 'poweredOn') return pending('Pending VM powered on');
    if (customizing) return pending('Pending guest customization');
  } else if (record.powerState !== 'poweredOff') return pending('Pending VM powered off');
  return { verdicts: [isTrue(DISK_PROMOTION_STARTED), running()], promote: candidates };
}

const running = () => isFalse(DISK_PROMOTION_SYNCED, 'DiskPromotionRunning', 'Promotion is running');
