/**
 * vm-operator's registration of a VM's own disks as claims (AllDisksArePVCs, v1.10's
 * `unmanagedvolumes-register`), run by its update before the reconfigure, for the disks the
 * schema upgrade backfilled into `spec.volumes` (not First Class Disks, nor linked clones):
 *
 * 1. each disk under a storage policy of a storage class (its claim's class, its own policy's, else
 *    the VM's) and at least its claim's size, else edits of the disks join the update's reconfigure
 *    (`PendingConfigUpdates`);
 * 2. a claim per disk (named as its volume, the VM's `dataSourceRef` and owner, the disk's size,
 *    access and backing), its name written into the volume, and while the claim is not bound a
 *    CnsRegisterVolume of the disk's datastore URL for CNS (`PendingRegistration`: the update stops
 *    there, before any power-on);
 * 3. once every claim is bound, the registered requests deleted and the condition True.
 *
 * The `vmoperator.vmware.com/no-unmanaged-volumes-register` annotation skips it all.
 */
import {
  type Device,
  diskBytes,
  isFirstClassDisk,
  type VirtualDeviceConfigSpec,
  type VmRecord,
} from '@vsim/vsphere';
import { GROUP } from '../../api/conversion/engine.js';
import type { VirtualMachine, VirtualMachineVolume } from '../../api/types.js';
import { CNS_REGISTER_VOLUME } from '../../cns-kinds.js';
import { isKubeError } from '../../store/errors.js';
import { PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from '../../store/kinds.js';
import type { DirectClient } from '../../store/kube-store.js';
import type { KubeObject } from '../../store/meta.js';
import { bytesQuantity, quantityValue } from '../../store/quantity.js';
import { DISK_BACKING_ANNOTATION } from '../csi/register-volume.js';
import { isFalse, isTrue, type Verdict } from './conditions.js';
import { VM_OPERATOR_API_VERSION } from './prerequisites.js';
import { placementOf, targetId, uuidOf } from './volumes.js';

export const UNMANAGED_VOLUMES_REGISTERED = 'VirtualMachineUnmanagedVolumesRegistered';
export const NO_REGISTER_ANNOTATION = 'vmoperator.vmware.com/no-unmanaged-volumes-register';
export const CREATED_BY_LABEL = 'vmoperator.vmware.com/created-by';

/** What the registration reads and writes of the namespace, and how it names a disk's file. */
export interface RegistrationDeps {
  /** The store's synchronous reads and writes (its delete throws a kube error, NotFound among them). */
  readonly store: Pick<DirectClient, 'get' | 'list' | 'create' | 'update' | 'delete'>;
  /** The datastore URL of a disk file of the VM, as govmomi's `Datastore.NewURL` makes it. */
  readonly diskUrl: (datastorePath: string, record: VmRecord) => string;
  /** VMSharedDisks: claims of disks are raw blocks. */
  readonly sharedDisks: boolean;
}

/** A registration's failure: its condition, and the claims' names it gave before it failed. */
export type RegistrationError = Error & { verdict: Verdict; spec?: VirtualMachine['spec'] };

export type Registration =
  /** Nothing left: the update goes on. */
  | { readonly verdict: Verdict; readonly spec?: VirtualMachine['spec'] }
  /** Disks to edit first, with the update's reconfigure. */
  | { readonly verdict: Verdict; readonly deviceChange: readonly VirtualDeviceConfigSpec[] }
  /** Claims not bound yet: the update stops here. */
  | { readonly verdict: Verdict; readonly spec?: VirtualMachine['spec']; readonly pending: true };

interface Claim extends KubeObject {
  spec?: {
    storageClassName?: string;
    resources?: { requests?: { storage?: string } };
    dataSourceRef?: { apiGroup?: string; kind?: string; name?: string };
  };
  status?: { phase?: string };
}

const claimRef = (namespace: string, name: string) => ({ ...PERSISTENT_VOLUME_CLAIM, namespace, name });

/** The disks registration takes: the VM's own, with a UUID and a file. */
const unmanagedDisks = (record: VmRecord): Device[] =>
  record.config.devices.filter(
    (d) =>
      d._type === 'VirtualDisk' &&
      !isFirstClassDisk(d) &&
      uuidOf(d) !== '' &&
      !(d.backing as { parent?: unknown }).parent &&
      Boolean((d.backing as { fileName?: string }).fileName),
  );

/** A disk's claim's access: shared by many writers, else one node's. */
const accessModeOf = (disk: Device) =>
  (disk.backing as { sharing?: string }).sharing === 'sharingMultiWriter' ? 'ReadWriteMany' : 'ReadWriteOnce';

/** govmomi's name of a disk's backing (`FlatVer2BackingInfo`, ...), as CNS's backing type. */
const backingTypeOf = (disk: Device) =>
  String((disk.backing as { _type?: string })._type ?? '').replace(/^VirtualDisk/, '');

export function registerUnmanagedVolumes(
  vm: VirtualMachine,
  record: VmRecord,
  deps: RegistrationDeps,
): Registration {
  if (vm.metadata.annotations?.[NO_REGISTER_ANNOTATION] !== undefined)
    return { verdict: isFalse(UNMANAGED_VOLUMES_REGISTERED, 'NoUnmanagedVolumesRegisterAnnotation', '') };
  const namespace = vm.metadata.namespace as string;
  const devices = record.config.devices;
  const disks = unmanagedDisks(record);
  const volumeAt = new Map<string, VirtualMachineVolume>();
  for (const volume of vm.spec?.volumes ?? []) {
    const target = targetId(volume);
    if (target) volumeAt.set(target, volume);
  }
  const volumeOf = (disk: Device) => volumeAt.get(targetId(placementOf(devices, disk)));
  const failed = (reason: string, message: string, spec?: VirtualMachine['spec']) => {
    const error = new Error(message) as RegistrationError;
    error.verdict = isFalse(UNMANAGED_VOLUMES_REGISTERED, reason, message);
    if (spec) error.spec = spec;
    return error;
  };

  // 1. Policies and sizes.
  const classToPolicy = new Map<string, string>();
  const policyToClass = new Map<string, string>();
  for (const sc of deps.store.list(STORAGE_CLASS.apiVersion, STORAGE_CLASS.kind)) {
    const name = sc.metadata.name as string;
    if (name.endsWith('latebinding')) continue;
    const policy = (sc as { parameters?: Record<string, string> }).parameters?.storagePolicyID ?? '';
    classToPolicy.set(name, policy);
    if (policy !== '') policyToClass.set(policy, name);
  }
  const deviceChange: VirtualDeviceConfigSpec[] = [];
  const classOf = new Map<Device, string>();
  let stalled = false;
  for (const disk of disks) {
    const claimName = volumeOf(disk)?.persistentVolumeClaim?.claimName;
    let claim: Claim | undefined;
    if (claimName) {
      claim = deps.store.get(claimRef(namespace, claimName)) as Claim | undefined;
      if (!claim)
        throw failed(
          'ErrConfigUpdate',
          `failed to get pvc for unmanaged volumes: persistentvolumeclaims "${claimName}" not found`,
        );
    }
    const policy = disk.storagePolicyId as string | undefined;
    const className =
      claim?.spec?.storageClassName || (policy && policyToClass.get(policy)) || vm.spec?.storageClass || '';
    classOf.set(disk, className);
    const capacity = diskBytes(disk);
    const requested = quantityValue(claim?.spec?.resources?.requests?.storage ?? '') ?? 0;
    const grown = requested > capacity ? requested : undefined;
    const mapped = policy !== undefined && policyToClass.has(policy);
    if (mapped && grown === undefined) continue;
    const edit: Device =
      grown === undefined ? disk : { ...disk, capacityInBytes: grown, capacityInKB: grown / 1024 };
    const profileId = mapped ? undefined : classToPolicy.get(className) || undefined;
    // An edit that changes nothing (a class without a policy): vm-operator reconfigures with it on
    // every pass and never gets further; here the update waits with no reconfigure.
    if (!profileId && grown === undefined) {
      stalled = true;
      continue;
    }
    deviceChange.push({
      operation: 'edit',
      device: edit,
      ...(profileId ? { profile: [{ _type: 'VirtualMachineDefinedProfileSpec', profileId }] } : {}),
    });
  }
  if (deviceChange.length > 0 || stalled) {
    const verdict = isFalse(UNMANAGED_VOLUMES_REGISTERED, 'PendingConfigUpdates', '');
    return deviceChange.length > 0 ? { verdict, deviceChange } : { verdict, pending: true };
  }

  // 2. Claims, and their registration while unbound.
  let volumes: VirtualMachineVolume[] | undefined = vm.spec?.volumes;
  /** The spec with the claims' names given, if any was. */
  const named = () => (volumes === vm.spec?.volumes || !volumes ? undefined : { ...vm.spec, volumes });
  let pending = false;
  for (const disk of disks) {
    const volume = volumeOf(disk);
    if (!volume) continue;
    const name = volume.persistentVolumeClaim?.claimName || volume.name;
    let claim: Claim;
    try {
      claim = ensureClaim(vm, name, disk, classOf.get(disk) ?? '', deps);
      if (volume.persistentVolumeClaim?.claimName !== claim.metadata.name) {
        const named = {
          ...volume,
          persistentVolumeClaim: { ...volume.persistentVolumeClaim, claimName: name },
        };
        volumes = (volumes ?? []).map((v) => (v === volume ? named : v));
      }
      const phase = claim.status?.phase ?? '';
      if (phase === '' || phase === 'Pending') {
        ensureRequest(vm, record, claim, disk, deps);
        pending = true;
      }
    } catch (error) {
      // The claims' names given so far are written all the same, as vm-operator's patch writes them.
      throw failed('ErrRegistration', (error as Error).message, named());
    }
  }
  const spec = named();
  if (pending)
    return {
      verdict: isFalse(UNMANAGED_VOLUMES_REGISTERED, 'PendingRegistration', ''),
      pending: true,
      ...(spec ? { spec } : {}),
    };

  // 3. The requests CNS registered go (one already gone is no error).
  const problems: string[] = [];
  for (const request of deps.store.list(
    CNS_REGISTER_VOLUME.apiVersion,
    CNS_REGISTER_VOLUME.kind,
    namespace,
  )) {
    if (
      request.metadata.labels?.[CREATED_BY_LABEL] !== vm.metadata.name ||
      !(request.status as { registered?: boolean } | undefined)?.registered
    )
      continue;
    const name = request.metadata.name as string;
    try {
      deps.store.delete({ ...CNS_REGISTER_VOLUME, namespace, name });
    } catch (error) {
      if (!isKubeError(error) || error.code !== 404)
        problems.push(`failed to delete CnsRegisterVolume ${name}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw failed('ErrCleanup', problems.join('\n'));
  return { verdict: isTrue(UNMANAGED_VOLUMES_REGISTERED), ...(spec ? { spec } : {}) };
}

/**
 * A datastore file's URL as govmomi's `Datastore.NewURL` makes it for vm-operator's client:
 * `https://<vCenter>/folder/<path>?dcPath=<datacenter's inventory path>&dsName=<datastore>`.
 */
export function datastoreUrl(vcenter: string, datacenterPath: string, datastorePath: string): string {
  const [, datastore = '', path = ''] = /^\[([^\]]*)\] ?(.*)$/.exec(datastorePath) ?? [];
  const query = new URLSearchParams({ dcPath: datacenterPath, dsName: datastore });
  // Go escapes a path's `?` and `#` too.
  const escaped = encodeURI(path).replaceAll('?', '%3F').replaceAll('#', '%23');
  return `https://${vcenter}/folder/${escaped}?${query}`;
}

/** The VM as the owner vm-operator names. */
const ownerOf = (vm: VirtualMachine) => ({
  apiVersion: VM_OPERATOR_API_VERSION,
  kind: 'VirtualMachine',
  name: vm.metadata.name as string,
  uid: vm.metadata.uid as string,
});

/** The disk's claim: made if missing, else given the VM as its source and owner and the disk's backing. */
function ensureClaim(
  vm: VirtualMachine,
  name: string,
  disk: Device,
  storageClass: string,
  deps: RegistrationDeps,
): Claim {
  const namespace = vm.metadata.namespace as string;
  const owner = ownerOf(vm);
  const dataSourceRef = { apiGroup: GROUP, kind: 'VirtualMachine', name: vm.metadata.name as string };
  const backing = backingTypeOf(disk);
  const claim = deps.store.get(claimRef(namespace, name)) as Claim | undefined;
  if (!claim) {
    try {
      return deps.store.create({
        ...PERSISTENT_VOLUME_CLAIM,
        metadata: {
          name,
          namespace,
          ownerReferences: [owner],
          annotations: { [DISK_BACKING_ANNOTATION]: backing },
        },
        spec: {
          accessModes: [accessModeOf(disk)],
          dataSourceRef,
          resources: { requests: { storage: bytesQuantity(diskBytes(disk)) } },
          storageClassName: storageClass,
          volumeMode: deps.sharedDisks ? 'Block' : 'Filesystem',
        },
      }) as Claim;
    } catch (error) {
      throw new Error(
        `failed to ensure pvc ${name} for disk ${uuidOf(disk)}: failed to create pvc ${namespace}/${name}: ${(error as Error).message}`,
      );
    }
  }
  const owned = claim.metadata.ownerReferences?.some(
    (r) =>
      r.apiVersion === owner.apiVersion &&
      r.kind === owner.kind &&
      r.name === owner.name &&
      r.uid === owner.uid,
  );
  const sourced =
    claim.spec?.dataSourceRef?.apiGroup === GROUP &&
    claim.spec.dataSourceRef.kind === 'VirtualMachine' &&
    claim.spec.dataSourceRef.name === dataSourceRef.name;
  const backed = claim.metadata.annotations?.[DISK_BACKING_ANNOTATION] === backing;
  if (owned && sourced && backed) return claim;
  try {
    return deps.store.update({
      ...claim,
      metadata: {
        ...claim.metadata,
        ownerReferences: owned
          ? (claim.metadata.ownerReferences ?? [])
          : [...(claim.metadata.ownerReferences ?? []), owner],
        annotations: { ...claim.metadata.annotations, [DISK_BACKING_ANNOTATION]: backing },
      },
      spec: { ...claim.spec, dataSourceRef },
    }) as Claim;
  } catch (error) {
    throw new Error(
      `failed to ensure pvc ${name} for disk ${uuidOf(disk)}: failed to patch pvc ${namespace}/${name}: ${(error as Error).message}`,
    );
  }
}

/** The claim's CnsRegisterVolume, made if missing (never changed). */
function ensureRequest(
  vm: VirtualMachine,
  record: VmRecord,
  claim: Claim,
  disk: Device,
  deps: RegistrationDeps,
): void {
  const namespace = vm.metadata.namespace as string;
  const name = claim.metadata.name as string;
  if (deps.store.get({ ...CNS_REGISTER_VOLUME, namespace, name })) return;
  const volumeMode =
    (claim.spec as { volumeMode?: string } | undefined)?.volumeMode ??
    (deps.sharedDisks ? 'Block' : 'Filesystem');
  if (!deps.sharedDisks && volumeMode !== 'Filesystem')
    throw new Error(
      `failed to ensure CnsRegisterVolume ${name}: volume mode ${volumeMode} not supported unless VMSharedDisks is enabled`,
    );
  try {
    deps.store.create({
      ...CNS_REGISTER_VOLUME,
      metadata: {
        name,
        namespace,
        labels: { [CREATED_BY_LABEL]: vm.metadata.name as string },
        ownerReferences: [{ ...ownerOf(vm), controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        pvcName: name,
        diskURLPath: deps.diskUrl((disk.backing as { fileName: string }).fileName, record),
        volumeMode,
        accessMode: accessModeOf(disk),
        backingType: backingTypeOf(disk),
      },
    });
  } catch (error) {
    throw new Error(
      `failed to ensure CnsRegisterVolume ${name}: failed to create crv ${namespace}/${name}: ${(error as Error).message}`,
    );
  }
}
