/**
 * vm-operator's crypto reconciler (pkg/vmconfig/crypto, with the Bring Your Own Key capability):
 * what a VM's create and updates do to its encryption, and `VirtualMachineEncryptionSynced`.
 *
 * A VM is encrypted with its EncryptionClass's provider and key (vSphere generates one when the
 * class names none), or with vSphere's default provider when it names no class and needs
 * encryption (an encryption storage class, a virtual TPM); an encrypted VM whose class or default
 * provider changed is recrypted (shallowly, its encrypted disks with it). vm-operator only
 * encrypts and recrypts: it never decrypts. Its rules and words kept: a create that needs a key it
 * cannot have fails; a VM that is not off or has snapshots is not encrypted, one whose snapshots
 * branch not recrypted, and the condition says why (`Must be powered off when encrypting vm`); an
 * encrypting or recrypting update leaves the status for its next pass; a VM not encrypted has no
 * `status.crypto` and no condition. Its checks of device changes are left out: the simulator's
 * updates carry none that encrypt.
 */
import type {
  CryptoKeyRef,
  Device,
  VirtualDeviceConfigSpec,
  VmConfigSpec,
  VmRecord,
  VSphere,
} from '@vsim/vsphere';
import { diskKeyOf, snapshotsBranch, VIRTUAL_TPM } from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineCryptoStatus } from '../../api/types.js';
import { ENCRYPTION_CLASS, type EncryptionClass } from '../../encryption-kinds.js';
import { isAbsent, isFalse, isTrue, type Verdict } from './conditions.js';
import type { DependencyReader } from './prerequisites.js';

export const ENCRYPTION_SYNCED = 'VirtualMachineEncryptionSynced';

/** vm-operator's reasons, a bit each, joined by `And` in this order when several are set. */
const REASONS = [
  'InternalError',
  'EncryptionClassNotFound',
  'EncryptionClassInvalid',
  'NoDefaultKeyProvider',
  'InvalidState',
  'InvalidChanges',
  'ReconfigureError',
] as const;
type Reason = (typeof REASONS)[number];

const reasonOf = (reasons: ReadonlySet<Reason>): string => REASONS.filter((r) => reasons.has(r)).join('And');

/** vm-operator's SprintfStateNotSynced: `Must a, b, and c when <op> vm`. */
export const notSyncedMessage = (operation: string, messages: readonly string[]): string => {
  const list =
    messages.length <= 2
      ? messages.join(' and ')
      : `${messages.slice(0, -1).join(', ')}, and ${messages[messages.length - 1]}`;
  return `Must ${list} when ${operation} vm`;
};

/** A key to encrypt with: its provider, and its id (empty: vSphere generates one). */
interface Key {
  readonly provider: string;
  readonly id: string;
}

export interface CryptoInputs {
  /** The VM's storage class is an encryption one. */
  readonly encryptedStorageClass: boolean;
  /** The spec adds a virtual TPM, or removes the VM's. */
  readonly addsTpm: boolean;
  readonly removesTpm: boolean;
}

export interface CryptoPlan {
  /** What the create's or update's config spec gets. */
  readonly crypto?: VmConfigSpec['crypto'];
  /** A recrypt's edits of the VM's encrypted disks. */
  readonly diskChanges?: readonly VirtualDeviceConfigSpec[];
  /** The condition's verdict; none leaves it as it is. */
  readonly verdict?: Verdict;
  /** `status.crypto`: null removes it; undefined leaves it. */
  readonly status?: VirtualMachineCryptoStatus | null;
  /** The pass fails with this error, after its verdict. */
  readonly error?: string;
  /** What the pass does (`encrypting`, `recrypting`, `updating encrypted`, or nothing): what OnResult's message names. */
  readonly operation: string;
}

const NOTHING: CryptoPlan = Object.freeze({ operation: '' });

const failed = (reason: Reason, message: string): CryptoPlan => ({
  verdict: isFalse(ENCRYPTION_SYNCED, reason, message),
  error: message,
  operation: '',
});

/**
 * The key the VM's EncryptionClass names, its provider registered in vSphere and its key one the
 * provider holds (a native provider's not asked): or why not, failing the pass.
 */
function classKey(read: DependencyReader, vsphere: VSphere, vm: VirtualMachine): Key | CryptoPlan {
  const name = vm.spec?.crypto?.encryptionClassName as string;
  const found = read.get<EncryptionClass>(
    ENCRYPTION_CLASS.apiVersion,
    ENCRYPTION_CLASS.kind,
    vm.metadata.namespace,
    name,
  );
  if (!found)
    return failed(
      'EncryptionClassNotFound',
      read.notFound(ENCRYPTION_CLASS.apiVersion, ENCRYPTION_CLASS.kind, name),
    );
  const provider = found.spec?.keyProvider ?? '';
  const id = found.spec?.keyID ?? '';
  const registered = vsphere.crypto.listKmipServers().find((c) => c.clusterId.id === provider);
  if (!registered) return failed('EncryptionClassInvalid', 'invalid key provider');
  if (registered.managementType !== 'nativeProvider' && id !== '') {
    const [status] = vsphere.crypto.queryCryptoKeyStatus([{ keyId: id, providerId: { id: provider } }], 0x01);
    if (!status?.keyAvailable && status?.reason !== 'KeyStateNotActiveOrEnabled')
      return failed('EncryptionClassInvalid', 'invalid key id');
  }
  return { provider, id };
}

/** vSphere's default provider (GetDefaultKmsCluster, whose error means none). */
function defaultProvider(vsphere: VSphere): string | undefined {
  try {
    return vsphere.crypto.getDefaultKmsCluster(undefined, true)?.id || undefined;
  } catch {
    return undefined;
  }
}

const encryptSpec = (key: Key) => ({
  _type: 'CryptoSpecEncrypt',
  cryptoKeyId: { keyId: key.id, providerId: { id: key.provider } },
});

/** The create's crypto (vm-operator's reconcileCreate), skipped for a VM cloning its image's virtual TPM. */
export function planCreate(
  read: DependencyReader,
  vsphere: VSphere,
  vm: VirtualMachine,
  inputs: CryptoInputs,
): CryptoPlan {
  if (vm.spec?.crypto?.vTPMMode === 'Clone') return NOTHING;
  const needed = inputs.addsTpm || inputs.encryptedStorageClass;
  if (vm.spec?.crypto?.encryptionClassName) {
    const key = classKey(read, vsphere, vm);
    if ('operation' in key) return key;
    if (!needed) return failed('InvalidState', 'must use encrypted StorageClass or have vTPM');
    return { crypto: encryptSpec(key), operation: 'encrypting' };
  }
  // The create reads no useDefaultKeyProvider: with no class, the default provider it is.
  const provider = defaultProvider(vsphere);
  if (!provider)
    return needed
      ? failed('NoDefaultKeyProvider', 'vTPM and/or encrypted StorageClass require encryption')
      : NOTHING;
  return needed ? { crypto: encryptSpec({ provider, id: '' }), operation: 'encrypting' } : NOTHING;
}

/** Whether the VM has a virtual TPM. */
export const hasTpm = (record: VmRecord) => record.config.devices.some((d) => d._type === VIRTUAL_TPM);

/** Whether a disk's backing has a key. */
const hasKey = (disk: Device): boolean => diskKeyOf(disk) !== undefined;
const ENCRYPTABLE_BACKINGS: readonly string[] = [
  'VirtualDiskFlatVer2BackingInfo',
  'VirtualDiskSeSparseBackingInfo',
  'VirtualDiskSparseVer2BackingInfo',
];
/** The VM's own encrypted disks (no First Class Disk): those a recrypt rekeys. */
const encryptedDisks = (record: VmRecord): Device[] =>
  record.config.devices.filter(
    (d) =>
      d._type === 'VirtualDisk' &&
      d.vDiskId === undefined &&
      ENCRYPTABLE_BACKINGS.includes((d.backing as { _type?: string })._type ?? '') &&
      hasKey(d),
  );

/** The storage class and virtual TPM checks every operation makes. */
function storageAndTpmProblems(record: VmRecord, inputs: CryptoInputs, reasons: Set<Reason>, out: string[]) {
  if (inputs.removesTpm) {
    reasons.add('InvalidChanges');
    out.push('not remove vTPM');
  }
  if (!hasTpm(record) && !inputs.addsTpm && !inputs.encryptedStorageClass) {
    reasons.add('InvalidState');
    out.push('use encryption storage class or have vTPM');
  }
}

/** vm-operator's doOp: the operation when its checks pass, else the condition saying why. */
const checked = (
  operation: string,
  reasons: ReadonlySet<Reason>,
  problems: readonly string[],
  done: () => CryptoPlan,
): CryptoPlan =>
  problems.length === 0
    ? done()
    : {
        verdict: isFalse(ENCRYPTION_SYNCED, reasonOf(reasons), notSyncedMessage(operation, problems)),
        operation: '',
      };

function encrypting(record: VmRecord, key: Key, inputs: CryptoInputs): CryptoPlan {
  const reasons = new Set<Reason>();
  const problems: string[] = [];
  storageAndTpmProblems(record, inputs, reasons, problems);
  if (record.powerState !== 'poweredOff') {
    reasons.add('InvalidState');
    problems.push('be powered off');
  }
  if (record.snapshots?.current !== undefined) {
    reasons.add('InvalidState');
    problems.push('not have snapshots');
  }
  return checked('encrypting', reasons, problems, () => ({
    crypto: encryptSpec(key),
    operation: 'encrypting',
  }));
}

function recrypting(vsphere: VSphere, record: VmRecord, key: Key, inputs: CryptoInputs): CryptoPlan {
  const reasons = new Set<Reason>();
  const problems: string[] = [];
  storageAndTpmProblems(record, inputs, reasons, problems);
  // vm-operator's hasSnapshotTree, as the model's shallow recrypt judges it.
  if (snapshotsBranch(vsphere.store, record)) {
    reasons.add('InvalidState');
    problems.push('not have snapshot tree');
  }
  return checked('recrypting', reasons, problems, () => {
    const crypto = {
      _type: 'CryptoSpecShallowRecrypt',
      newKeyId: { keyId: key.id, providerId: { id: key.provider } },
    };
    const diskChanges = encryptedDisks(record).map(
      (device): VirtualDeviceConfigSpec => ({ operation: 'edit', device, backing: { crypto } }),
    );
    return { crypto, diskChanges, operation: 'recrypting' };
  });
}

/**
 * What vSphere says of an encrypted VM's encryption: `Disks` for any encrypted disk (a claim's
 * too), and the virtual TPM it has or had (vm-operator never sets `hasVTPM` back).
 */
const cryptoStatusOf = (
  record: VmRecord,
  key: CryptoKeyRef,
  previous: VirtualMachineCryptoStatus | undefined,
): VirtualMachineCryptoStatus => ({
  encrypted: record.config.devices.some((d) => d._type === 'VirtualDisk' && hasKey(d))
    ? ['Config', 'Disks']
    : ['Config'],
  providerID: key.providerId,
  keyID: key.keyId,
  ...(hasTpm(record) || previous?.hasVTPM ? { hasVTPM: true } : {}),
});

/**
 * vm-operator's updateStatus: a VM not encrypted has no `status.crypto` and no condition; an
 * encrypted one reports its key, and its condition is True (with `validated`, unless the checks of
 * an encrypted VM's update find something).
 */
function statusPlan(
  vm: VirtualMachine,
  record: VmRecord,
  inputs: CryptoInputs,
  validated: boolean,
): CryptoPlan {
  const key = record.config.keyId;
  if (!key) return { status: null, verdict: isAbsent(ENCRYPTION_SYNCED), operation: '' };
  const status = cryptoStatusOf(record, key, vm.status?.crypto);
  if (!validated) return { status, verdict: isTrue(ENCRYPTION_SYNCED), operation: '' };
  const reasons = new Set<Reason>();
  const problems: string[] = [];
  storageAndTpmProblems(record, inputs, reasons, problems);
  const plan = checked('updating encrypted', reasons, problems, () => ({
    verdict: isTrue(ENCRYPTION_SYNCED),
    operation: 'updating encrypted',
  }));
  return { ...plan, status };
}

/**
 * An update's crypto (vm-operator's reconcileUpdate): by the VM's EncryptionClass, else (unless
 * `useDefaultKeyProvider` is false) by the default provider; a paused VM's, or one with a task
 * running, is its status alone.
 */
export function planUpdate(
  read: DependencyReader,
  vsphere: VSphere,
  vm: VirtualMachine,
  record: VmRecord,
  inputs: CryptoInputs,
  paused: boolean,
): CryptoPlan {
  if (paused) return statusPlan(vm, record, inputs, false);
  const current = record.config.keyId;
  if (vm.spec?.crypto?.encryptionClassName) {
    const key = classKey(read, vsphere, vm);
    if ('operation' in key) return key;
    if (!current) return encrypting(record, key, inputs);
    if (current.providerId !== key.provider || (key.id !== '' && key.id !== current.keyId))
      return recrypting(vsphere, record, key, inputs);
    return statusPlan(vm, record, inputs, true);
  }
  if (vm.spec?.crypto?.useDefaultKeyProvider === false) return statusPlan(vm, record, inputs, true);
  const provider = defaultProvider(vsphere);
  if (!current) {
    const needed = hasTpm(record) || inputs.addsTpm || inputs.encryptedStorageClass;
    return provider && needed
      ? encrypting(record, { provider, id: '' }, inputs)
      : statusPlan(vm, record, inputs, true);
  }
  if (!provider) return failed('NoDefaultKeyProvider', 'no default key provider');
  if (current.providerId !== provider) return recrypting(vsphere, record, { provider, id: '' }, inputs);
  return statusPlan(vm, record, inputs, true);
}

/**
 * The spec with a plan's crypto: its config spec's, and its disks' edits merged into the spec's
 * (an edit of the same disk takes the backing; a disk the spec adds or removes is left alone).
 * Throws the plan's error, which fails the update.
 */
export function withCryptoChanges(
  spec: VmConfigSpec | undefined,
  plan: CryptoPlan,
): VmConfigSpec | undefined {
  if (plan.error !== undefined) throw new Error(plan.error);
  if (!plan.crypto) return spec;
  const changes = [...(spec?.deviceChange ?? [])];
  for (const edit of plan.diskChanges ?? []) {
    const at = changes.findIndex((c) => c.device.key === edit.device.key);
    if (at < 0) changes.push(edit);
    else if (changes[at]?.operation === 'edit')
      changes[at] = { ...(changes[at] as VirtualDeviceConfigSpec), backing: edit.backing as object };
  }
  return { ...spec, crypto: plan.crypto, ...(changes.length > 0 ? { deviceChange: changes } : {}) };
}

/** vm-operator's OnResult: what a failed update's faults say the VM must do, by their message keys. */
const MESSAGE_OF_KEY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  GenericVmConfigFault: {
    'msg.vigor.enc.keyNotFound': 'specify a valid key',
    'msg.keysafe.locator': 'specify a key that can be located',
    'msg.vtpm.add.notEncrypted': 'add vTPM',
    'msg.vigor.enc.required.vtpm': 'have vTPM',
  },
  NotSupported: { 'msg.disk.policyChangeFailure': 'not have encryption IO filter' },
  InvalidArgument: { 'config.extraConfig["dataFileKey"]': 'not set secret key' },
  InvalidDeviceSpec: {
    'msg.hostd.deviceSpec.enc.badPolicy': 'have encryption IO filter',
    'msg.hostd.deviceSpec.enc.notDisk': 'not apply only to disk',
    'msg.hostd.deviceSpec.enc.sharedBacking': 'not have disk with shared backing',
    'msg.hostd.deviceSpec.enc.notFile': 'not have raw disk mapping',
    'msg.hostd.configSpec.enc.mismatch': 'not add encrypted disk',
    'msg.hostd.deviceSpec.add.noencrypt': 'not add plain disk',
  },
  InvalidVmConfig: {
    'msg.hostd.configSpec.enc.snapshots': 'not have snapshots',
    'msg.hostd.deviceSpec.enc.diskChain': 'not have only disk snapshots',
    'msg.hostd.configSpec.enc.notEncrypted': 'not be encrypted',
    'msg.hostd.configSpec.enc.encrypted': 'be encrypted',
    'msg.hostd.configSpec.enc.mismatch': 'have vm and disks with different encryption states',
  },
};
const MESSAGE_OF_SYSTEM_ERROR: Readonly<Record<string, string>> = {
  'Error creating disk Key locator': 'specify a valid key',
  'Key locator error': 'specify a key that can be located',
  'Key required for encryption.bundle.': 'not specify encryption bundle',
};

interface WireFault {
  readonly _type: string;
  readonly faultMessage?: readonly { key: string }[];
  readonly faultCause?: { fault?: WireFault; localizedMessage?: string };
  readonly existingState?: string;
  readonly reason?: string;
}

/** The messages of a fault and its causes. */
function faultMessages(fault: WireFault, localized: string | undefined, out: string[]): void {
  const keys = (fault.faultMessage ?? []).map((m) => m.key);
  if (fault._type === 'InvalidDeviceOperation')
    for (const key of keys)
      out.push(
        key === 'msg.hostd.deviceSpec.enc.encrypted'
          ? 'not specify encrypted disk'
          : key === 'msg.hostd.deviceSpec.enc.notEncrypted'
            ? 'not specify decrypted disk'
            : 'not add/remove device sans crypto spec',
      );
  else if (fault._type === 'SystemError') {
    const message = MESSAGE_OF_SYSTEM_ERROR[localized ?? fault.reason ?? ''];
    if (message) out.push(message);
  } else if (fault._type === 'InvalidPowerState') {
    if (fault.existingState !== 'poweredOff') out.push('be powered off');
  } else
    for (const key of keys) {
      const message = MESSAGE_OF_KEY[fault._type]?.[key];
      if (message) out.push(message);
    }
  const cause = fault.faultCause;
  if (cause?.fault) faultMessages(cause.fault, cause.localizedMessage, out);
}

/** A failed update's verdict (vm-operator's OnResult), when its faults say something. */
export function reconfigureVerdict(error: unknown, operation: string): Verdict | undefined {
  const fault = (error as { fault?: WireFault } | undefined)?.fault;
  if (!fault?._type) return undefined;
  const messages: string[] = [];
  faultMessages(fault, (error as Error).message, messages);
  return messages.length > 0
    ? isFalse(ENCRYPTION_SYNCED, 'ReconfigureError', notSyncedMessage(operation, messages))
    : undefined;
}
