/**
 * vm-operator's backup of a VM into its extra config (its reconcileBackupState, without the
 * incremental restore capability), what backup vendors read to restore a VM with its Supervisor
 * resources, and what a snapshot holds for a revert: the VM's resource, the Secrets and
 * ConfigMaps its bootstrap reads, and the disks of its claims, each gzipped and base64-encoded.
 * Resources are written as JSON, which YAML readers (vm-operator's among them) read as YAML. A
 * VM of a CAPI cluster (a VKS node: CAPV's or CAPW's role label) is not backed up, unless
 * annotated to be.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Device, extraConfigValue, type OptionValue, type VmRecord } from '@vsim/vsphere';
import { isClusterApiMachine, ZONE_LABEL } from '../../api/annotations.js';
import { writeFileContent } from '../../api/cloud-config.js';
import { goIntegerError } from '../../api/go-strconv.js';
import type { VirtualMachine } from '../../api/types.js';
import type { KubeObject } from '../../store/meta.js';
import type { DependencyReader } from './prerequisites.js';

/** The extra config keys of a backup. */
export const BACKUP_KEYS = {
  resource: 'vmservice.virtualmachine.resource.yaml',
  additionalResources: 'vmservice.virtualmachine.additional.resources.yaml',
  pvcDiskData: 'vmservice.virtualmachine.pvc.disk.data',
  /** With incremental restores: the version of the last backup, the VM annotated with it too. */
  backupVersion: 'vmservice.virtualmachine.backupVersion',
} as const;

/** The backup version the VM was last backed up as (with incremental restores). */
export const BACKUP_VERSION_ANNOTATION = 'vmoperator.vmware.com/backup-version';
export const BACKUP_CONDITION = 'VirtualMachineBackupUpToDate';
export const BACKUP_REASON = {
  paused: 'VirtualMachineBackupPaused',
  failed: 'VirtualMachineBackupFailed',
} as const;

/**
 * vm-operator's canPerformBackup: with a backup version in both the VM's annotation and its
 * extra config, a backup goes on while they are equal or the annotation is the older; a newer
 * annotation is a restore under way (`paused`). A version that is no integer fails the backup.
 */
export function backupBlocked(
  vm: VirtualMachine,
  record: VmRecord,
): { reason: string; message: string } | undefined {
  const annotation = vm.metadata.annotations?.[BACKUP_VERSION_ANNOTATION];
  const held = extraConfigValue(record.config, BACKUP_KEYS.backupVersion);
  if (!annotation || !held || annotation === held) return undefined;
  for (const text of [held, annotation]) {
    const problem = goIntegerError(text, true, 64);
    if (problem)
      return {
        reason: BACKUP_REASON.failed,
        message: `Failed to backup VM. err: strconv.ParseInt: parsing ${JSON.stringify(text)}: ${problem}`,
      };
  }
  return BigInt(annotation) > BigInt(held)
    ? { reason: BACKUP_REASON.paused, message: 'A restore was detected' }
    : undefined;
}

/** Backs up a VM of a CAPI cluster, which is not by default. */
export const FORCE_ENABLE_BACKUP_ANNOTATION = 'vmoperator.vmware.com/force-enable-backup';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Whether vm-operator backs the VM up: any but a CAPI cluster's node, unless annotated. */
export const backedUp = (vm: VirtualMachine): boolean =>
  !isClusterApiMachine(vm) || vm.metadata.annotations?.[FORCE_ENABLE_BACKUP_ANNOTATION] !== undefined;

const gzipBase64 = (text: string) => gzipSync(text).toString('base64');

/** A resource as backed up: no last-applied configuration, zone label or managed fields. */
function trimmed<T extends KubeObject | VirtualMachine>(object: T): T {
  const { managedFields: _, ...metadata } = object.metadata as T['metadata'] & { managedFields?: unknown };
  const { [LAST_APPLIED_ANNOTATION]: __, ...annotations }: Record<string, string> =
    metadata.annotations ?? {};
  const { [ZONE_LABEL]: ___, ...labels }: Record<string, string> = metadata.labels ?? {};
  return { ...object, metadata: { ...metadata, labels, annotations } };
}

/** The backup a VM's configuration holds in its extra config, as written; undefined without one. */
export const heldBackup = (config: VmRecord['config']): string | undefined =>
  extraConfigValue(config, BACKUP_KEYS.resource);

/** The VM's resource as vm-operator's backup keeps it: no status (an empty one), its metadata trimmed. */
export function encodedBackup(vm: VirtualMachine): string {
  const { apiVersion, kind, metadata } = trimmed(vm);
  return gzipBase64(JSON.stringify({ apiVersion, kind, metadata, spec: vm.spec ?? {}, status: {} }));
}

/** A backup's resource; undefined when it is none (vm-operator also reads it ungzipped). */
export function decodedBackup(encoded: string): VirtualMachine | undefined {
  let text = encoded;
  try {
    text = gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8');
  } catch {
    // Kept as written.
  }
  try {
    const resource = JSON.parse(text) as VirtualMachine;
    return typeof resource === 'object' && resource !== null && typeof resource.metadata === 'object'
      ? resource
      : undefined;
  } catch {
    return undefined;
  }
}

const sameMap = (a: Readonly<Record<string, string>> = {}, b: Readonly<Record<string, string>> = {}) => {
  if (a === b) return true;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

/** Whether a backup is of the VM as it is: as vm-operator compares them, its generation, labels and annotations. */
const sameResource = (backup: VirtualMachine | undefined, vm: VirtualMachine): boolean => {
  const { metadata } = trimmed(vm);
  return (
    backup !== undefined &&
    backup.metadata.generation === metadata.generation &&
    sameMap(backup.metadata.labels, metadata.labels) &&
    sameMap(backup.metadata.annotations, metadata.annotations)
  );
};

/** A claim's disk as vm-operator lists it (its PVCDiskData). */
export interface ClaimDisk {
  readonly claim: KubeObject;
  readonly disk: Device;
}

const BACKED_UP_KINDS: ReadonlySet<string> = new Set(['Secret', 'ConfigMap']);

/**
 * A reader that records the Secrets and ConfigMaps read through it, in the order first read:
 * what a bootstrap's check reads is what its backup keeps.
 */
export function recordingReader(read: DependencyReader): { reader: DependencyReader; read: KubeObject[] } {
  const found = new Map<string, KubeObject>();
  const reader: DependencyReader = {
    ...read,
    get<T>(apiVersion: string, kind: string, namespace: string | undefined, name: string) {
      const object = read.get<KubeObject>(apiVersion, kind, namespace, name);
      if (object && BACKED_UP_KINDS.has(kind)) found.set(object.metadata.uid as string, object);
      return object as T | undefined;
    },
  };
  return {
    reader,
    get read() {
      return [...found.values()];
    },
  };
}

/**
 * The Secrets (a raw bootstrap's, or its ConfigMap of the name) the VM's bootstrap names, each
 * once, as vm-operator's backup gathers them: each must exist, whatever its keys hold; undefined
 * when one does not (vm-operator's backup then fails).
 */
export function bootstrapResources(read: DependencyReader, vm: VirtualMachine): KubeObject[] | undefined {
  const bootstrap = vm.spec?.bootstrap;
  if (!bootstrap) return [];
  /** Each name with whether a ConfigMap of it stands in for a missing Secret. */
  const named: [name: string | undefined, configMap: boolean][] = [];
  const { cloudInit, sysprep, linuxPrep, vAppConfig } = bootstrap;
  if (cloudInit?.cloudConfig) {
    for (const user of cloudInit.cloudConfig.users ?? [])
      named.push([user.hashed_passwd?.name, false], [user.passwd?.name, false]);
    for (const file of cloudInit.cloudConfig.write_files ?? []) {
      const content = writeFileContent(file);
      if (content && 'secret' in content) named.push([content.secret.name, false]);
    }
  } else if (cloudInit?.rawCloudConfig) named.push([cloudInit.rawCloudConfig.name, true]);
  else if (!cloudInit && sysprep?.sysprep) {
    const from = sysprep.sysprep;
    named.push(
      [from.userData?.productID?.name, false],
      [from.guiUnattended?.password?.name, false],
      [from.identification?.domainAdminPassword?.name, false],
      [from.scriptText?.from?.name, false],
    );
  } else if (!cloudInit && sysprep?.rawSysprep) named.push([sysprep.rawSysprep.name, true]);
  else if (!cloudInit && !sysprep && linuxPrep)
    named.push([linuxPrep.password?.name, false], [linuxPrep.scriptText?.from?.name, false]);
  for (const property of vAppConfig?.properties ?? []) named.push([property.value?.from?.name, false]);
  if (!vAppConfig?.properties && vAppConfig?.rawProperties) named.push([vAppConfig.rawProperties, true]);
  const found = new Map<string, KubeObject>();
  const namespace = vm.metadata.namespace;
  for (const [name, configMap] of named) {
    if (!name) continue;
    const object =
      read.get<KubeObject>('v1', 'Secret', namespace, name) ??
      (configMap ? read.get<KubeObject>('v1', 'ConfigMap', namespace, name) : undefined);
    if (!object) return undefined;
    found.set(object.metadata.uid as string, object);
  }
  return [...found.values()];
}

/** The VM's disks its claims' volumes are attached as, in device order. */
export function claimDisks(read: DependencyReader, vm: VirtualMachine, record: VmRecord): ClaimDisk[] {
  const claims = new Map<string, string>();
  for (const volume of vm.spec?.volumes ?? [])
    if (volume.persistentVolumeClaim) claims.set(volume.name, volume.persistentVolumeClaim.claimName);
  if (claims.size === 0) return [];
  const byDisk = new Map<string, string>();
  for (const volume of vm.status?.volumes ?? []) {
    const claim = volume.type === 'Managed' && volume.diskUUID ? claims.get(volume.name) : undefined;
    if (claim !== undefined) byDisk.set(volume.diskUUID as string, claim);
  }
  const out: ClaimDisk[] = [];
  for (const disk of record.config.devices) {
    const backing = disk.backing as { _type?: string; uuid?: string } | undefined;
    if (disk._type !== 'VirtualDisk' || backing?._type !== 'VirtualDiskFlatVer2BackingInfo') continue;
    const name = backing.uuid === undefined ? undefined : byDisk.get(backing.uuid);
    const claim =
      name === undefined
        ? undefined
        : read.get<KubeObject>('v1', 'PersistentVolumeClaim', vm.metadata.namespace, name);
    if (claim) out.push({ claim, disk });
  }
  return out;
}

/**
 * The backups of each VM as last written, so that a pass need not decode one to know it is up
 * to date: the value written and what it was made from (the VM's resource, the resources'
 * versions, the disks' JSON).
 */
export class Backups {
  /** The resource backed up (trimmed) and the value written. */
  readonly #resources = new Map<string, { made: VirtualMachine; value: string }>();
  readonly #additional = new Map<string, { versions: string; value: string }>();
  readonly #disks = new Map<string, { json: string; value: string }>();

  /**
   * The extra config a backup of the VM changes, none when it is up to date. `additional`: the
   * Secrets and ConfigMaps its bootstrap reads; `disks`: its claims' disks; `version`, with
   * incremental restores: the version a backup made now is (the backup then holds the VM
   * annotated with it, as the VM will be once it is made).
   */
  changes(
    key: string,
    vm: VirtualMachine,
    record: VmRecord,
    additional: readonly KubeObject[],
    disks: readonly ClaimDisk[],
    version?: string,
  ): OptionValue[] {
    const held = (name: string) => extraConfigValue(record.config, name);
    const out: OptionValue[] = [];
    const resources = this.#additionalValue(key, additional, held(BACKUP_KEYS.additionalResources));
    if (resources !== undefined) out.push({ key: BACKUP_KEYS.additionalResources, value: resources });
    const diskData = this.#disksValue(key, disks, held(BACKUP_KEYS.pvcDiskData));
    if (diskData !== undefined) out.push({ key: BACKUP_KEYS.pvcDiskData, value: diskData });
    const current = this.#resourceIsCurrent(key, vm, held(BACKUP_KEYS.resource));
    if (version === undefined) {
      if (!current) out.push(this.#resource(key, vm));
      return out;
    }
    // With incremental restores, any change is a new backup version, the VM annotated with it.
    if (!vm.metadata.annotations?.[BACKUP_VERSION_ANNOTATION] || out.length > 0 || !current) {
      const annotations = { ...vm.metadata.annotations, [BACKUP_VERSION_ANNOTATION]: version };
      const versioned = { ...vm, metadata: { ...vm.metadata, annotations } };
      out.push({ key: BACKUP_KEYS.backupVersion, value: version }, this.#resource(key, versioned));
    }
    return out;
  }

  /** Whether the backup held is of the VM as it is: one of another generation, other labels or annotations is not. */
  #resourceIsCurrent(key: string, vm: VirtualMachine, held: string | undefined): boolean {
    const last = this.#resources.get(key);
    return (
      held !== undefined &&
      (last?.value === held ? sameResource(last.made, vm) : sameResource(decodedBackup(held), vm))
    );
  }

  /** The VM's resource backed up. */
  #resource(key: string, vm: VirtualMachine): OptionValue {
    const value = encodedBackup(vm);
    this.#resources.set(key, { made: trimmed(vm), value });
    return { key: BACKUP_KEYS.resource, value };
  }

  /** The bootstrap's resources, `---` between them, while any's resource version differs from its backup's. */
  #additionalValue(
    key: string,
    objects: readonly KubeObject[],
    held: string | undefined,
  ): string | undefined {
    if (objects.length === 0) return undefined;
    const versions = objects.map((o) => `${o.metadata.uid}=${o.metadata.resourceVersion}`).join(',');
    const last = this.#additional.get(key);
    if (last && last.value === held && last.versions === versions) return undefined;
    const value = gzipBase64(objects.map((o) => JSON.stringify(trimmed(o))).join('\n---\n'));
    this.#additional.set(key, { versions, value });
    return value === held ? undefined : value;
  }

  /** The claims' disks as JSON (Go's field names), when it differs from the backup's; none removes it. */
  #disksValue(key: string, disks: readonly ClaimDisk[], held: string | undefined): string | undefined {
    if (disks.length === 0) {
      this.#disks.delete(key);
      return held ? '' : undefined;
    }
    const json = JSON.stringify(
      disks.map(({ claim, disk }) => {
        const backing = disk.backing as { fileName: string; uuid: string };
        return {
          FileName: backing.fileName,
          PVCName: claim.metadata.name,
          AccessModes: (claim.spec as { accessModes?: string[] } | undefined)?.accessModes ?? [],
          UUID: backing.uuid,
        };
      }),
    );
    const last = this.#disks.get(key);
    const value = last?.json === json ? last.value : gzipBase64(json);
    this.#disks.set(key, { json, value });
    return value === held ? undefined : value;
  }

  /** Forgets a VM that is gone. */
  forget(key: string): void {
    this.#resources.delete(key);
    this.#additional.delete(key);
    this.#disks.delete(key);
  }
}
