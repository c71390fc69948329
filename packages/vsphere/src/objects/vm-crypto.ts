/**
 * VM encryption, as a VirtualMachineConfigSpec's `crypto` and its device changes' `backing.crypto`
 * make it (CreateVM_Task, ReconfigVM_Task, CloneVM_Task): the configuration's key (`config.keyId`)
 * and each disk's (`backing.keyId`), and the virtual TPM, which needs an encrypted VM.
 *
 * ESX's rules kept here, each refusal under its message catalogue key as ESX raises it (what
 * vm-operator matches on): encrypting (CryptoSpecEncrypt), decrypting and a deep recrypt only
 * while the VM is off and has no snapshots, a shallow recrypt in any power state with a chain of
 * snapshots that does not branch; a key named by its provider (one generated when its id is empty),
 * or the default provider's when none is named (the VM's cluster's or host folder's, then the
 * global one); a disk encrypted only on an encrypted VM, and the disks under a storage policy with
 * an encryption filter encrypted with the VM; a virtual TPM (key 11000, one per VM, vmx-14 and
 * later, added or removed while off) encrypting a VM that is not with the default provider's key,
 * and keeping it from being decrypted.
 */
import { faults } from '../faults.js';
import { isDisk } from '../inventory/devices.js';
import type { CryptoKeyRef, Device, StoragePolicyRecord, VmRecord } from '../inventory/records.js';
import { hardwareVersionNumber, snapshotRecordsOf } from '../inventory/vm.js';
import type { Model, Tx } from '../model.js';
import {
  type CryptoKeyId,
  cryptoKeyId,
  defaultProvider,
  heldKey,
  newKey,
  providersIn,
} from './crypto-manager.js';
import type { DeviceContext, VirtualDeviceConfigSpec } from './vm-devices.js';

/** CryptoSpec and its kinds on the wire. */
export interface CryptoSpec {
  readonly _type?: string;
  /** CryptoSpecEncrypt's and CryptoSpecRegister's key. */
  readonly cryptoKeyId?: CryptoKeyId;
  /** A recrypt's new key. */
  readonly newKeyId?: CryptoKeyId;
}

/** The virtual TPM's device key, whatever a spec asks. */
const TPM_KEY = 11000;
/** The virtual TPM's device type. */
export const VIRTUAL_TPM = 'VirtualTPM';
/** The first hardware version with a virtual TPM. */
const TPM_HARDWARE_VERSION = 14;

const ENCRYPT = 'CryptoSpecEncrypt';
const DECRYPT = 'CryptoSpecDecrypt';
const SHALLOW = 'CryptoSpecShallowRecrypt';
const DEEP = 'CryptoSpecDeepRecrypt';
const KEEPING: readonly (string | undefined)[] = [undefined, 'CryptoSpecNoOp', 'CryptoSpecRegister'];

const vmFault = (key: string, message: string) => faults.vmConfigFault('InvalidVmConfig', key, message);
const notEncrypted = () =>
  vmFault('msg.hostd.configSpec.enc.notEncrypted', 'The virtual machine is not encrypted.');

/** What a change of the VM's encryption needs: the VM off and without snapshots. */
const checkOffWithoutSnapshots = (vm: VmRecord): void => {
  if (vm.powerState !== 'poweredOff') throw faults.invalidPowerState('poweredOff', vm.powerState);
  if (vm.snapshots?.current !== undefined)
    throw vmFault(
      'msg.hostd.configSpec.enc.snapshots',
      'The encryption of a virtual machine with snapshots cannot change.',
    );
};

/** Whether a VM's snapshot tree branches (a shallow recrypt needs one chain). */
export const snapshotsBranch = (tx: Pick<Tx, 'get'>, vm: VmRecord): boolean => {
  if ((vm.snapshots?.roots.length ?? 0) > 1) return true;
  for (const snapshot of snapshotRecordsOf(tx, vm)) if (snapshot.children.length > 1) return true;
  return false;
};

/** A key that cannot be found: its provider is not registered, or does not hold it. */
const keyNotFound = (keyId: string) =>
  faults.vmConfigFault(
    'GenericVmConfigFault',
    'msg.keysafe.locator',
    `The key '${keyId}' cannot be located.`,
  );

/**
 * The key a spec names: a provider's key (a new one when its id is empty), or, without a provider,
 * a held key of that id or a new one of the default provider for `entity` (InvalidVmConfig on
 * `configSpec.crypto` without a default).
 */
export const resolveKey = (
  m: Model,
  tx: Tx,
  id: CryptoKeyId | undefined,
  entity: string | undefined,
): CryptoKeyRef => {
  const keyId = id?.keyId ?? '';
  const providerId = id?.providerId?.id;
  if (providerId) {
    if (!providersIn(tx).some((p) => p.id === providerId)) throw keyNotFound(keyId || providerId);
    if (keyId === '') return newKey(m, tx, providerId);
    if (!heldKey(tx, keyId, providerId)) throw keyNotFound(keyId);
    return { keyId, providerId };
  }
  if (keyId !== '') {
    const holder = providersIn(tx).find((p) => heldKey(tx, keyId, p.id));
    if (!holder) throw keyNotFound(keyId);
    return { keyId, providerId: holder.id };
  }
  const provider = defaultProvider(tx, entity, true);
  if (!provider) throw faults.invalidVmConfig('configSpec.crypto');
  return newKey(m, tx, provider.id);
};

/** The parent of the VM's host (its cluster), where a default provider for the VM is looked up. */
const providerEntity = (tx: Tx, host: string | undefined): string | undefined =>
  host === undefined ? undefined : (tx.get(host)?.parent ?? host);

const isTpm = (vm: VmRecord, change: VirtualDeviceConfigSpec): boolean =>
  change.device._type === VIRTUAL_TPM || (change.operation !== 'add' && change.device.key === tpmOf(vm)?.key);

const tpmOf = (vm: Pick<VmRecord, 'config'>): Device | undefined =>
  vm.config.devices.find((d) => d._type === VIRTUAL_TPM);

/**
 * The virtual TPM's changes checked (added or removed while off, one at most, vmx-14 and later)
 * and its new device made: key 11000, an endorsement key's signing request and certificate.
 */
const tpmChanges = (
  m: Model,
  vm: VmRecord,
  changes: readonly VirtualDeviceConfigSpec[],
): readonly VirtualDeviceConfigSpec[] => {
  let count = tpmOf(vm) ? 1 : 0;
  return changes.map((change, i) => {
    if (!isTpm(vm, change) || change.operation === 'edit') return change;
    if (vm.powerState !== 'poweredOff') throw faults.invalidPowerState('poweredOff', vm.powerState);
    if (change.operation === 'remove') {
      if (change.device.key !== tpmOf(vm)?.key)
        throw faults.invalidDeviceSpec('virtualDeviceSpec.device.key', i);
      count--;
      return change;
    }
    if (++count > 1)
      throw faults.tooManyDevices(
        'virtualDeviceSpec.device',
        'A virtual machine can have at most 1 virtual TPM.',
      );
    if ((hardwareVersionNumber(vm.config.version) ?? 0) < TPM_HARDWARE_VERSION)
      throw faults.vmConfigFault(
        'GenericVmConfigFault',
        undefined,
        `A virtual TPM needs hardware version vmx-${TPM_HARDWARE_VERSION} or later.`,
      );
    const certificate = Buffer.from(m.random.token(48)).toString('base64');
    const device: Device = {
      _type: VIRTUAL_TPM,
      key: TPM_KEY,
      deviceInfo: { label: 'Virtual TPM', summary: 'Virtual TPM' },
      endorsementKeyCertificateSigningRequest: [certificate],
      endorsementKeyCertificate: [certificate],
    };
    return { ...change, device };
  });
};

export interface VmCrypto {
  /** The configuration's key after the spec; none for a VM not encrypted. */
  readonly key: CryptoKeyRef | undefined;
  /** The device changes, a new virtual TPM's made. */
  readonly deviceChange: readonly VirtualDeviceConfigSpec[];
}

/**
 * What a spec does to a VM's encryption: its configuration's key after it (checked and resolved,
 * keys generated), and its device changes with a new virtual TPM's device.
 */
export const vmCryptoAfter = (
  m: Model,
  tx: Tx,
  vm: VmRecord,
  spec: { readonly crypto?: CryptoSpec; readonly deviceChange?: readonly VirtualDeviceConfigSpec[] },
): VmCrypto => {
  const deviceChange = spec.deviceChange?.length ? tpmChanges(m, vm, spec.deviceChange) : [];
  const current = vm.config.keyId;
  const type = spec.crypto?._type;
  const entity = providerEntity(tx, vm.host);
  let key = current;
  if (type === ENCRYPT) {
    checkOffWithoutSnapshots(vm);
    if (current)
      throw vmFault('msg.hostd.configSpec.enc.encrypted', 'The virtual machine is already encrypted.');
    key = resolveKey(m, tx, spec.crypto?.cryptoKeyId, entity);
  } else if (type === DECRYPT || type === DEEP) {
    checkOffWithoutSnapshots(vm);
    if (!current) throw notEncrypted();
    key = type === DEEP ? resolveKey(m, tx, spec.crypto?.newKeyId, entity) : undefined;
  } else if (type === SHALLOW) {
    if (!current) throw notEncrypted();
    if (snapshotsBranch(tx, vm))
      throw vmFault(
        'msg.hostd.deviceSpec.enc.diskChain',
        'A shallow recrypt needs snapshots in a single chain.',
      );
    key = resolveKey(m, tx, spec.crypto?.newKeyId, entity);
  } else if (!KEEPING.includes(type)) throw faults.invalidArgument('configSpec.crypto');
  const tpm = deviceChange.some((c) => c.operation === 'add' && c.device._type === VIRTUAL_TPM)
    ? 'added'
    : tpmOf(vm) && !deviceChange.some((c) => c.operation === 'remove' && isTpm(vm, c))
      ? 'kept'
      : undefined;
  if (tpm && !key) {
    // vCenter encrypts the files of a VM that gains a virtual TPM with the default provider's key.
    if (tpm === 'kept' || !defaultProvider(tx, entity, true))
      throw faults.vmConfigFault(
        'GenericVmConfigFault',
        tpm === 'kept' ? 'msg.vigor.enc.required.vtpm' : 'msg.vtpm.add.notEncrypted',
        tpm === 'kept'
          ? 'A virtual machine with a virtual TPM must stay encrypted.'
          : 'A virtual TPM needs an encrypted virtual machine, and no key provider is the default.',
      );
    key = resolveKey(m, tx, undefined, entity);
  }
  return { key, deviceChange };
};

/** The key of a disk's backing; none for a disk not encrypted. */
export const diskKeyOf = (disk: Device): CryptoKeyRef | undefined => {
  const id = (disk.backing as { keyId?: CryptoKeyId } | undefined)?.keyId;
  return id?.keyId ? { keyId: id.keyId, providerId: id.providerId?.id ?? '' } : undefined;
};

const withDiskKey = (disk: Device, key: CryptoKeyRef | undefined): Device => {
  const { keyId: _, ...backing } = disk.backing as { keyId?: unknown };
  return { ...disk, backing: key ? { ...backing, keyId: cryptoKeyId(key) } : backing };
};

/** Whether a disk sits under a storage policy with an encryption filter. */
const underEncryptionPolicy = (tx: Tx, disk: Device): boolean => {
  const policy = disk.storagePolicyId as string | undefined;
  return (
    policy !== undefined && (tx.get(policy) as StoragePolicyRecord | undefined)?.rules?.encryption === true
  );
};

/**
 * A device added or edited with a spec's `backing.crypto`: a disk encrypted (on an encrypted VM
 * alone), decrypted or given a new key; any other device refuses it.
 */
export const deviceCrypto = (
  ctx: DeviceContext,
  device: Device,
  was: Device | undefined,
  crypto: CryptoSpec | undefined,
  i: number,
): Device => {
  const type = crypto?._type;
  if (KEEPING.includes(type)) return device;
  const spec = (
    key: string,
    message: string,
    kind: 'InvalidDeviceSpec' | 'InvalidDeviceOperation' = 'InvalidDeviceSpec',
  ) =>
    faults.vmConfigFault(kind, key, message, {
      property: 'virtualDeviceSpec.backing.crypto',
      deviceIndex: i,
    });
  if (!isDisk(device)) throw spec('msg.hostd.deviceSpec.enc.notDisk', 'Only disks can be encrypted.');
  if ((device.backing as { _type?: string })._type === 'VirtualDiskRawDiskMappingVer1BackingInfo')
    throw spec('msg.hostd.deviceSpec.enc.notFile', 'A raw disk mapping cannot be encrypted.');
  const current = was && diskKeyOf(was);
  const entity = providerEntity(ctx.tx, ctx.host);
  if (type === ENCRYPT) {
    if (!ctx.vmKey)
      throw spec(
        'msg.hostd.configSpec.enc.mismatch',
        'An encrypted disk needs an encrypted virtual machine.',
      );
    if (current)
      throw spec(
        'msg.hostd.deviceSpec.enc.encrypted',
        'The disk is already encrypted.',
        'InvalidDeviceOperation',
      );
    return withDiskKey(device, diskKeyFor(ctx, crypto?.cryptoKeyId, entity));
  }
  if (type !== DECRYPT && type !== SHALLOW && type !== DEEP)
    throw faults.invalidArgument('virtualDeviceSpec.backing.crypto');
  if (!current)
    throw spec(
      'msg.hostd.deviceSpec.enc.notEncrypted',
      'The disk is not encrypted.',
      'InvalidDeviceOperation',
    );
  return withDiskKey(device, type === DECRYPT ? undefined : diskKeyFor(ctx, crypto?.newKeyId, entity));
};

/**
 * The key a disk's spec names: the VM's own (new) key when it names no key of another provider,
 * as one spec's key left to vSphere is one key for the VM and its disks; else the key it names.
 */
const diskKeyFor = (ctx: DeviceContext, id: CryptoKeyId | undefined, entity: string | undefined) => {
  const provider = id?.providerId?.id;
  const vmKey = ctx.vmKey;
  return vmKey && !id?.keyId && (!provider || provider === vmKey.providerId)
    ? vmKey
    : resolveKey(ctx.model, ctx.tx, id, entity);
};

/**
 * The disks after a spec, the VM's key known: those under an encryption policy encrypted with it;
 * InvalidVmConfig when a VM without a key keeps an encrypted disk.
 */
export const disksWithVmKey = (
  tx: Tx,
  key: CryptoKeyRef | undefined,
  devices: readonly Device[],
): readonly Device[] => {
  let out: Device[] | undefined;
  devices.forEach((d, i) => {
    if (!isDisk(d)) return;
    const diskKey = diskKeyOf(d);
    if (!key && diskKey)
      throw vmFault(
        'msg.hostd.configSpec.enc.mismatch',
        'The virtual machine and its disks must be encrypted together.',
      );
    if (key && !diskKey && underEncryptionPolicy(tx, d)) {
      out ??= [...devices];
      out[i] = withDiskKey(d, key);
    }
  });
  return out ?? devices;
};
