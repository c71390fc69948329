/**
 * What a VirtualMachine needs before vm-operator creates it, checked in one pass as
 * vm-operator does: its class, its image (a content library item), its resource policy,
 * its bootstrap Secret and its storage class (in the namespace's quota). Each check gives
 * its condition; the VM is created only when all of them hold. Every object a check reads
 * is recorded as a dependency, so the VM is reconciled again when that object changes.
 */
import { getOrInsert } from '@vsim/vsphere';
import { V1ALPHA1_CONFIG_MAP_TRANSPORT_ANNOTATION } from '../../api/annotations.js';
import { writeFileContent } from '../../api/cloud-config.js';
import type {
  CloudConfig,
  SecretKeySelector,
  ValueOrSecretKeySelector,
  VirtualMachine,
  VirtualMachineBootstrapLinuxPrepSpec,
  VirtualMachineBootstrapSpec,
  VirtualMachineBootstrapSysprepSpec,
  VirtualMachineBootstrapVAppConfigSpec,
  VirtualMachineClass,
  VirtualMachineImage,
  VirtualMachineSetResourcePolicy,
} from '../../api/types.js';
import {
  NETWORK_CONFIG_MAP,
  PROVIDER_CONFIG_MAP,
  quotasAssign,
  VM_OPERATOR_NAMESPACE,
} from '../../namespaces/layout.js';
import { mebibytesOf } from '../../namespaces/vm-classes.js';
import type { KubeObject } from '../../store/meta.js';
import { CONDITION, conditionOf, isAbsent, isFalse, isTrue, REASON, type Verdict } from './conditions.js';
import type { ClassAllocations } from './create-config.js';
import type { VAppSecrets } from './vapp-config.js';

export const VM_OPERATOR_API_VERSION = 'vmoperator.vmware.com/v1alpha6';

/** Reads stored objects (read-only) for a reconcile, recording each as a dependency of the VM. */
export interface DependencyReader {
  get<T = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): T | undefined;
  list<T = KubeObject>(apiVersion: string, kind: string, namespace: string): T[];
  /** The API server's message for an object it does not have, which vm-operator's conditions carry. */
  notFound(apiVersion: string, kind: string, name: string): string;
}

/** What the checks found, for the create path. */
export interface Resolved {
  numCPU?: number;
  memoryMB?: number;
  /** The CPU and memory allocations its class gives it (see classAllocations). */
  allocations?: ClassAllocations;
  className?: string;
  /** The class, whose config spec a create reads. */
  vmClass?: VirtualMachineClass;
  itemId?: string;
  /** Its image's content version and type (`OVF`, `ISO`), as its status says them. */
  imageVersion?: string;
  imageType?: string;
  policy?: VirtualMachineSetResourcePolicy;
  /** The storage policy the VM's storage class names (its `storagePolicyID` parameter), if any. */
  storagePolicyId?: string;
  /**
   * Where a VM without a storage class goes when the provider config requires none (vm-operator's
   * standalone testing): the config's `Datastore`, by name, in its `Datacenter`.
   */
  configuredDatastore?: { name: string; datacenter: string };
  /** What the cloud-init bootstrap read from its Secrets. */
  bootstrapData?: BootstrapSecretData;
}

/**
 * What a bootstrap reads from Secrets, decoded: cloud-init's raw user data (bytes) and SSH keys,
 * or a structured CloudConfig's; a structured Sysprep's, or a raw Sysprep Secret's data.
 */
export interface BootstrapSecretData {
  userData?: Buffer | undefined;
  sshPublicKeys?: string | undefined;
  cloudConfig?: CloudConfigSecrets;
  sysprep?: SysprepSecrets;
  linuxPrep?: LinuxPrepSecrets;
  rawSysprep?: Readonly<Record<string, Buffer>>;
  /** What a vApp bootstrap (beside any other) read. */
  vApp?: VAppSecrets;
}

/** What a structured Sysprep takes from Secrets (its script, from one or inline). */
export interface SysprepSecrets {
  productID?: string;
  password?: string;
  domainPassword?: string;
  scriptText?: string;
}

/** What a LinuxPrep takes from Secrets (its script, from one or inline). */
export interface LinuxPrepSecrets {
  password?: string;
  scriptText?: string;
}

/**
 * What a structured CloudConfig takes from Secrets: each user's password by name, each file's
 * content by path (as vm-operator keys them).
 */
export interface CloudConfigSecrets {
  users: ReadonlyMap<string, { hashedPasswd?: string; passwd?: string }>;
  writeFiles: ReadonlyMap<string, string>;
}

/** The Supervisor's DNS (vm-operator's `vmoperator-network-config` ConfigMap). */
export interface GlobalDns {
  nameservers: readonly string[];
  searchDomains: readonly string[];
}

export interface Prerequisites {
  verdicts: Verdict[];
  ready: boolean;
  resolved: Resolved;
}

const IMAGE_KINDS = new Set(['VirtualMachineImage', 'ClusterVirtualMachineImage']);

/** The VM's class, its size into `out` (the create reads it, and every update again). */
export function checkClass(read: DependencyReader, vm: VirtualMachine, out: Resolved): Verdict {
  // A VM without a class (past the webhook) looks for the class of no name, as vm-operator's does.
  const name = vm.spec?.className ?? '';
  const vmClass = read.get<VirtualMachineClass>(
    VM_OPERATOR_API_VERSION,
    'VirtualMachineClass',
    vm.metadata.namespace,
    name,
  );
  if (!vmClass)
    return isFalse(
      CONDITION.classReady,
      REASON.notFound,
      read.notFound(VM_OPERATOR_API_VERSION, 'VirtualMachineClass', name),
    );
  const hardware = vmClass.spec?.hardware;
  const memory = hardware?.memory === undefined ? undefined : mebibytesOf(hardware.memory);
  if (hardware?.memory !== undefined && memory === undefined)
    return isFalse(CONDITION.classReady, REASON.invalid, `invalid memory quantity ${hardware.memory}`);
  out.className = name;
  out.vmClass = vmClass;
  if (hardware?.cpus !== undefined) out.numCPU = hardware.cpus;
  if (memory !== undefined) out.memoryMB = memory;
  return isTrue(CONDITION.classReady);
}

function checkImage(read: DependencyReader, vm: VirtualMachine, out: Resolved): Verdict {
  const ref = vm.spec?.image;
  if (!ref?.name) return isFalse(CONDITION.imageReady, REASON.notSet, '');
  const kind = ref.kind ?? 'VirtualMachineImage';
  if (!IMAGE_KINDS.has(kind)) return isFalse(CONDITION.imageReady, REASON.unknownKind, kind);
  const namespace = kind === 'VirtualMachineImage' ? vm.metadata.namespace : undefined;
  const image = read.get<VirtualMachineImage>(VM_OPERATOR_API_VERSION, kind, namespace, ref.name);
  if (!image)
    return isFalse(
      CONDITION.imageReady,
      REASON.notFound,
      read.notFound(VM_OPERATOR_API_VERSION, kind, ref.name),
    );
  const itemId = image.status?.providerItemID;
  const ready = conditionOf(image.status?.conditions, 'Ready');
  // The image's own reason and message when it says why it is not ready.
  if (ready && ready.status !== 'True' && ready.reason)
    return isFalse(CONDITION.imageReady, ready.reason, ready.message ?? '');
  if (ready?.status !== 'True' || !itemId)
    return isFalse(CONDITION.imageReady, REASON.notReady, 'VirtualMachineImage is not ready');
  out.itemId = itemId;
  out.imageVersion = image.status?.providerContentVersion ?? '';
  out.imageType = image.status?.type ?? '';
  return imageReadySince(ready.lastTransitionTime ?? '');
}

/** vm-operator's error for a class it would make of a vSphere VM that does not exist yet. */
const NO_CLASS_TO_SYNTHESIZE = 'cannot synthesize class from nil ConfigInfo';

/**
 * The errors of a create's prerequisites for a VM to import without a class (VMImportNewNet), as
 * vm-operator aggregates them: its class, made of its vSphere VM, cannot be made of one that does
 * not exist yet; then the others', ClassReady aside.
 */
export function classlessCreateErrors(verdicts: readonly Verdict[]): string[] {
  return [NO_CLASS_TO_SYNTHESIZE, ...createErrors(verdicts.filter((v) => v.type !== CONDITION.classReady))];
}

/**
 * The errors of a create's failing prerequisites, as vm-operator's vmCreateGetPrereqs collects
 * them: each check's error, which for an image is its lookup's, not its condition's message.
 */
export function createErrors(verdicts: readonly Verdict[]): string[] {
  return verdicts
    .filter((v) => v.status === 'False')
    .map((v) => (v.type === CONDITION.imageReady ? imageError(v) : v.message || v.reason));
}

/** The error vm-operator's image lookup returns with an ImageReady verdict that is False. */
export function imageError(verdict: Verdict): string {
  switch (verdict.reason) {
    case REASON.notSet:
      return REASON.notSet;
    case REASON.unknownKind:
      return `${REASON.unknownKind}: ${verdict.message}`;
    case REASON.notFound:
      // Its message and the lookup's error, which are the same.
      return `${verdict.message}: ${verdict.message}`;
    default:
      return 'VirtualMachineImage is not ready';
  }
}

/** The last ImageReady True made, and its time: VMs of images ready at that time share it. */
let imageReady: { time: string; verdict: Verdict } | undefined;
/** ImageReady True says since when the image is ready. */
const imageReadySince = (time: string): Verdict => {
  if (imageReady?.time !== time) {
    const message = `VirtualMachineImage was ready at ${time}`;
    const verdict = Object.freeze({ type: CONDITION.imageReady, status: 'True', reason: 'True', message });
    imageReady = { time, verdict };
  }
  return imageReady.verdict;
};

/** A resource policy of the VM's namespace, read as a dependency of the VM. */
const readPolicy = (read: DependencyReader, vm: VirtualMachine, name: string) =>
  read.get<VirtualMachineSetResourcePolicy>(
    VM_OPERATOR_API_VERSION,
    'VirtualMachineSetResourcePolicy',
    vm.metadata.namespace,
    name,
  );

/**
 * vm-operator's GetVMSetResourcePolicy: the VM's resource policy, refused while it is being
 * deleted. The create also waits for the policy's child pools (`forCreate`), which the policy's
 * own controller makes; an update, which only joins a cluster module, does not.
 */
export function checkPolicy(
  read: DependencyReader,
  vm: VirtualMachine,
  out: Resolved,
  forCreate = true,
): Verdict {
  const name = vm.spec?.reserved?.resourcePolicyName;
  if (!name) return isAbsent(CONDITION.policyReady);
  const policy = readPolicy(read, vm, name);
  if (!policy)
    return isFalse(
      CONDITION.policyReady,
      REASON.notFound,
      read.notFound(VM_OPERATOR_API_VERSION, 'VirtualMachineSetResourcePolicy', name),
    );
  if (policy.metadata.deletionTimestamp)
    return isFalse(
      CONDITION.policyReady,
      REASON.notReady,
      'VirtualMachineSetResourcePolicy is being deleted',
    );
  if (forCreate && policy.spec?.resourcePool?.name && !policy.status?.resourcePools?.length)
    return isFalse(
      CONDITION.policyReady,
      REASON.notReady,
      `VirtualMachineSetResourcePolicy ${name} is not ready`,
    );
  out.policy = policy;
  return isTrue(CONDITION.policyReady);
}

/**
 * The user data of a cloud-init Secret (the named key, else `user-data`, else `value`: the first
 * not empty) and its SSH keys; undefined when it has none of these keys. `ssh-public-keys` stands
 * in for `user-data` (what vm-operator keeps for v1alpha1's Secrets): the Secret is then good,
 * with no user data.
 */
function bootstrapDataOf(secret: WithData, key: string): BootstrapSecretData | undefined {
  const data = secret.data ?? {};
  const sshKeys = data['ssh-public-keys'];
  const sshPublicKeys = sshKeys === undefined ? undefined : decoded(sshKeys).toString('utf8');
  const candidates = [key, 'user-data', 'value'];
  // The Secret needs one of the keys; the user data is the first that is not empty.
  if (!candidates.some((candidate) => data[candidate] !== undefined))
    return key === 'user-data' && sshPublicKeys !== undefined ? { sshPublicKeys } : undefined;
  const userData = candidates.map((candidate) => data[candidate]).find((value) => value);
  return { userData: userData === undefined ? undefined : decoded(userData), sshPublicKeys };
}

/** An object with string data: a ConfigMap's as it is, a Secret's base64. */
type WithData = KubeObject & { data?: Record<string, string> };
/** A Secret's value as bytes. */
const decoded = (value: string) => Buffer.from(value, 'base64');

/**
 * The bootstrap's condition, its Secrets read into `out` (the update path checks it again): the
 * provider's, then a vApp bootstrap's (which goes beside LinuxPrep or Sysprep), as vm-operator
 * reads them.
 */
export function checkBootstrap(read: DependencyReader, vm: VirtualMachine, out: Resolved): Verdict {
  const bootstrap = vm.spec?.bootstrap;
  // No bootstrap, no condition: vm-operator deletes it.
  if (!bootstrap) return isAbsent(CONDITION.bootstrapReady);
  const verdict = checkProviderBootstrap(read, vm, bootstrap, out);
  return verdict.status === 'True' && bootstrap.vAppConfig
    ? checkVAppSecrets(read, vm, bootstrap.vAppConfig, out)
    : verdict;
}

/**
 * A vApp bootstrap's Secrets: every key of the `rawProperties` one, else each Secret a property
 * takes its value from (its key required; a key missing from a Secret read before is named as
 * vm-operator names it).
 */
function checkVAppSecrets(
  read: DependencyReader,
  vm: VirtualMachine,
  spec: VirtualMachineBootstrapVAppConfigSpec,
  out: Resolved,
): Verdict {
  const decodedData = (secret: WithData) => {
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = decoded(value).toString('utf8');
    return data;
  };
  let vApp: VAppSecrets;
  if (spec.rawProperties) {
    const secret = rawSecret(read, vm, { name: spec.rawProperties, key: '' });
    if (isVerdict(secret)) return secret;
    vApp = { raw: decodedData(secret) };
  } else {
    const from = new Map<string, Record<string, string>>();
    for (const property of spec.properties ?? []) {
      const selector = property.value?.from;
      if (!selector) continue;
      const known = from.get(selector.name);
      if (known) {
        if (selector.key && known[selector.key] === undefined)
          return isFalse(
            CONDITION.bootstrapReady,
            REASON.requiredKeyNotFound,
            `required key ${JSON.stringify(selector.key)} not found in vApp Properties Secret ${selector.name}`,
          );
        continue;
      }
      const secret = rawSecret(read, vm, selector);
      if (isVerdict(secret)) return secret;
      if (selector.key && secret.data?.[selector.key] === undefined) return missingKey(selector);
      from.set(selector.name, decodedData(secret));
    }
    vApp = { from };
  }
  out.bootstrapData = { ...out.bootstrapData, vApp };
  return isTrue(CONDITION.bootstrapReady);
}

/** The condition of the bootstrap provider's Secrets (cloud-init's, Sysprep's), read into `out`. */
function checkProviderBootstrap(
  read: DependencyReader,
  vm: VirtualMachine,
  bootstrap: VirtualMachineBootstrapSpec,
  out: Resolved,
): Verdict {
  // Its Secrets are read even while disabled, as vm-operator reads them.
  const cooked = bootstrap.cloudInit?.cloudConfig;
  if (cooked) return checkCloudConfig(read, vm, cooked, out);
  if (!bootstrap.cloudInit && bootstrap.sysprep) return checkSysprep(read, vm, bootstrap.sysprep, out);
  if (!bootstrap.cloudInit && bootstrap.linuxPrep) return checkLinuxPrep(read, vm, bootstrap.linuxPrep, out);
  const selector = bootstrap.cloudInit?.rawCloudConfig;
  if (!selector) return isTrue(CONDITION.bootstrapReady);
  const secret = rawSecret(read, vm, selector);
  if (isVerdict(secret)) return secret;
  const found = bootstrapDataOf(secret, selector.key);
  if (!found) return missingKey(selector);
  out.bootstrapData = found;
  return isTrue(CONDITION.bootstrapReady);
}

/**
 * The Secret a bootstrap names (a raw one's, or one of a structured one's keys), or NotFound; a
 * ConfigMap of that name for a VM whose v1alpha1 `vmMetadata` named one, as vm-operator reads it.
 */
function rawSecret(
  read: DependencyReader,
  vm: VirtualMachine,
  selector: SecretKeySelector,
): WithData | Verdict {
  const fromConfigMap = vm.metadata.annotations?.[V1ALPHA1_CONFIG_MAP_TRANSPORT_ANNOTATION] !== undefined;
  const kind = fromConfigMap ? 'ConfigMap' : 'Secret';
  const found = read.get<WithData>('v1', kind, vm.metadata.namespace, selector.name);
  if (!found)
    return isFalse(CONDITION.bootstrapReady, REASON.notFound, read.notFound('v1', kind, selector.name));
  if (!fromConfigMap) return found;
  // A ConfigMap's data is text where a Secret's is base64: encoded, both are read alike.
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(found.data ?? {}))
    data[key] = Buffer.from(value).toString('base64');
  return { ...found, data };
}

const isVerdict = (value: WithData | Verdict): value is Verdict => !('metadata' in value);

/**
 * A raw bootstrap's Secret without the key it names: vm-operator's getSecretData marks it
 * RequiredKeyNotFound, and its caller marks the error again as a GetError.
 */
const missingKey = (selector: SecretKeySelector): Verdict =>
  isFalse(
    CONDITION.bootstrapReady,
    REASON.getError,
    `required key ${JSON.stringify(selector.key)} not found in Secret ${selector.name}`,
  );

/**
 * A reader of the Secrets a structured bootstrap names (a CloudConfig's, a Sysprep's), as
 * vm-operator reads them: a Secret's key, decoded, or why it cannot be read (a missing Secret is
 * NotFound, a missing or empty key a GetError).
 */
const secretReader =
  (read: DependencyReader, vm: VirtualMachine) =>
  (selector: SecretKeySelector): string | Verdict => {
    const secret = rawSecret(read, vm, selector);
    if (isVerdict(secret)) return secret;
    const data = secret.data?.[selector.key];
    if (!data)
      return isFalse(
        CONDITION.bootstrapReady,
        REASON.getError,
        `no data found for key ${JSON.stringify(selector.key ?? '')} for secret ${vm.metadata.namespace}/${selector.name}`,
      );
    return decoded(data).toString('utf8');
  };

/** The Secrets a structured CloudConfig names: users' passwords, files' contents. */
function checkCloudConfig(
  read: DependencyReader,
  vm: VirtualMachine,
  config: CloudConfig,
  out: Resolved,
): Verdict {
  const secretValue = secretReader(read, vm);
  const users = new Map<string, { hashedPasswd?: string; passwd?: string }>();
  for (const user of config.users ?? []) {
    if (user.hashed_passwd && user.passwd)
      return isFalse(
        CONDITION.bootstrapReady,
        REASON.getError,
        `cloud config specified both hashed_passwd and passwd for user ${JSON.stringify(user.name)}`,
      );
    const selector = user.hashed_passwd ?? user.passwd;
    if (!selector) continue;
    const value = secretValue(selector);
    if (typeof value !== 'string') return value;
    users.set(user.name, user.hashed_passwd ? { hashedPasswd: value } : { passwd: value });
  }
  const writeFiles = new Map<string, string>();
  for (const file of config.write_files ?? []) {
    const where = writeFileContent(file);
    if (!where || !('secret' in where)) continue;
    const value = secretValue(where.secret);
    if (typeof value !== 'string') return value;
    writeFiles.set(file.path, value);
  }
  out.bootstrapData = { cloudConfig: { users, writeFiles } };
  return isTrue(CONDITION.bootstrapReady);
}

/**
 * A Sysprep's Secrets: a structured one's product key and passwords, or a raw one's Secret (its
 * key, when named, must be there: RequiredKeyNotFound otherwise).
 */
function checkSysprep(
  read: DependencyReader,
  vm: VirtualMachine,
  spec: VirtualMachineBootstrapSysprepSpec,
  out: Resolved,
): Verdict {
  if (spec.sysprep) {
    const secretValue = secretReader(read, vm);
    const sysprep: SysprepSecrets = {};
    const selectors: [keyof SysprepSecrets, SecretKeySelector | undefined][] = [
      ['productID', spec.sysprep.userData?.productID],
      ['password', spec.sysprep.guiUnattended?.password],
      ['domainPassword', spec.sysprep.identification?.domainAdminPassword],
    ];
    for (const [field, selector] of selectors) {
      if (!selector?.name) continue;
      const value = secretValue(selector);
      if (typeof value !== 'string') return value;
      sysprep[field] = value;
    }
    const script = scriptOf(secretValue, spec.sysprep.scriptText);
    if (typeof script === 'object') return script;
    if (script !== undefined) sysprep.scriptText = script;
    out.bootstrapData = { sysprep };
    return isTrue(CONDITION.bootstrapReady);
  }
  const selector = spec.rawSysprep;
  if (!selector) return isTrue(CONDITION.bootstrapReady);
  const secret = rawSecret(read, vm, selector);
  if (isVerdict(secret)) return secret;
  if (selector.key && secret.data?.[selector.key] === undefined) return missingKey(selector);
  const rawSysprep: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) rawSysprep[key] = decoded(value);
  out.bootstrapData = { rawSysprep };
  return isTrue(CONDITION.bootstrapReady);
}

/** A LinuxPrep's Secrets: its password and its script (vm-operator's GetLinuxPrepSecretData). */
function checkLinuxPrep(
  read: DependencyReader,
  vm: VirtualMachine,
  spec: VirtualMachineBootstrapLinuxPrepSpec,
  out: Resolved,
): Verdict {
  const secretValue = secretReader(read, vm);
  const linuxPrep: LinuxPrepSecrets = {};
  if (spec.password?.name) {
    const value = secretValue(spec.password);
    if (typeof value !== 'string') return value;
    linuxPrep.password = value;
  }
  const script = scriptOf(secretValue, spec.scriptText);
  if (typeof script === 'object') return script;
  if (script !== undefined) linuxPrep.scriptText = script;
  if (linuxPrep.password !== undefined || linuxPrep.scriptText !== undefined)
    out.bootstrapData = { linuxPrep };
  return isTrue(CONDITION.bootstrapReady);
}

/** A script from a Secret (none for a Secret without a name), or inline; undefined for none. */
function scriptOf(
  secretValue: (selector: SecretKeySelector) => string | Verdict,
  script: ValueOrSecretKeySelector | undefined,
): string | Verdict | undefined {
  if (!script) return undefined;
  if (script.from) return script.from.name ? secretValue(script.from) : '';
  return script.value ?? '';
}

/**
 * The storage verdict as vm-operator's GetVMStorageData reads it: every claim the VM's volumes
 * name, each of which must exist; then the VM's storage class, then the classes of its volumes
 * (an instance storage volume's, a claim's), each of which must exist with its policy.
 */
function checkStorage(read: DependencyReader, vm: VirtualMachine, out: Resolved): Verdict {
  const classes: string[] = [];
  for (const volume of vm.spec?.volumes ?? []) {
    const claim = volume.persistentVolumeClaim;
    if (!claim) continue;
    if (claim.instanceVolumeClaim) {
      if (claim.instanceVolumeClaim.storageClass) classes.push(claim.instanceVolumeClaim.storageClass);
      continue;
    }
    const found = read.get<ClaimSpec>('v1', 'PersistentVolumeClaim', vm.metadata.namespace, claim.claimName);
    if (!found)
      return isFalse(
        CONDITION.storageReady,
        REASON.notFound,
        read.notFound('v1', 'PersistentVolumeClaim', claim.claimName),
      );
    if (found.spec?.storageClassName) classes.push(found.spec.storageClassName);
  }
  const verdict = checkStorageClass(read, vm, out);
  if (verdict.status !== 'True') return verdict;
  for (const name of classes) {
    const storageClass = read.get<StorageClass>('storage.k8s.io/v1', 'StorageClass', undefined, name);
    if (!storageClass)
      return isFalse(
        CONDITION.storageReady,
        REASON.notFound,
        read.notFound('storage.k8s.io/v1', 'StorageClass', name),
      );
    if (!storageClass.parameters?.storagePolicyID) return missingPolicy(name);
  }
  return verdict;
}

interface StorageClass {
  parameters?: Record<string, string>;
}

interface ClaimSpec {
  spec?: { storageClassName?: string };
}

/** vm-operator's GetStoragePolicyID of a class without its policy: the storage check's error. */
const missingPolicy = (name: string) =>
  isFalse(
    CONDITION.storageReady,
    REASON.getError,
    `StorageClass "${name}" does not have "storagePolicyID" parameter`,
  );

function checkStorageClass(read: DependencyReader, vm: VirtualMachine, out: Resolved): Verdict {
  const name = vm.spec?.storageClass;
  const namespace = vm.metadata.namespace as string;
  if (!name) {
    const config = read.get<WithData>(`v1`, 'ConfigMap', VM_OPERATOR_NAMESPACE, PROVIDER_CONFIG_MAP);
    if (config?.data?.StorageClassRequired === 'true')
      return isFalse(
        CONDITION.storageReady,
        REASON.storageClassRequired,
        'StorageClass is required but not specified',
      );
    out.configuredDatastore = {
      name: config?.data?.Datastore ?? '',
      datacenter: config?.data?.Datacenter ?? '',
    };
    return isTrue(CONDITION.storageReady);
  }
  const storageClass = read.get<StorageClass>('storage.k8s.io/v1', 'StorageClass', undefined, name);
  const policyId = storageClass?.parameters?.storagePolicyID;
  if (policyId) out.storagePolicyId = policyId;
  if (!storageClass)
    return isFalse(
      CONDITION.storageReady,
      REASON.notFound,
      read.notFound('storage.k8s.io/v1', 'StorageClass', name),
    );
  if (!policyId) return missingPolicy(name);
  return quotasAssign(read.list('v1', 'ResourceQuota', namespace), name)
    ? isTrue(CONDITION.storageReady)
    : isFalse(
        CONDITION.storageReady,
        REASON.notFound,
        `StorageClass ${name} is not associated with namespace ${namespace}`,
      );
}

/**
 * Every prerequisite, each with its verdict; `ready` when all are True. A group's placement of a
 * VM checks them without the bootstrap (`bootstrap` false), as vm-operator's
 * vmGroupGetVMCreatePrereqs does.
 */
export function checkPrerequisites(
  read: DependencyReader,
  vm: VirtualMachine,
  bootstrap = true,
): Prerequisites {
  const resolved: Resolved = {};
  const verdicts = [
    checkClass(read, vm, resolved),
    checkImage(read, vm, resolved),
    checkPolicy(read, vm, resolved),
    bootstrap ? checkBootstrap(read, vm, resolved) : undefined,
    checkStorage(read, vm, resolved),
  ].filter((v): v is Verdict => v !== undefined);
  return { verdicts, ready: verdicts.every((v) => v.status === 'True' || v.status === 'Absent'), resolved };
}

/**
 * The Supervisor's DNS as its ConfigMap says; none without it. A ConfigMap still holding the
 * installer's `<worker_dns>` placeholder fails the reconcile, as it does vm-operator's.
 */
export function globalDnsOf(read: DependencyReader): GlobalDns {
  const config = read.get<WithData>('v1', 'ConfigMap', VM_OPERATOR_NAMESPACE, NETWORK_CONFIG_MAP);
  if (!config) return NO_DNS;
  const dns = getOrInsert(dnsOfConfigMaps, config, () => {
    const words = (text: string | undefined) => Object.freeze(text?.split(/\s+/).filter(Boolean) ?? []);
    return Object.freeze({
      nameservers: words(config.data?.nameservers),
      searchDomains: words(config.data?.searchsuffixes),
    });
  });
  if (dns.nameservers.length === 1 && dns.nameservers[0] === '<worker_dns>')
    throw new Error(
      `no valid nameservers in ${NETWORK_CONFIG_MAP} ConfigMap. It still contains <worker_dns> key`,
    );
  return dns;
}

/** No DNS of the Supervisor's: no ConfigMap, or one that could not be read. */
export const NO_DNS: GlobalDns = Object.freeze({
  nameservers: Object.freeze([]),
  searchDomains: Object.freeze([]),
});
/** The DNS of each version of the ConfigMap, read once: every VM's update reads it. */
const dnsOfConfigMaps = new WeakMap<WithData, GlobalDns>();
