import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { Condition, VirtualMachine } from '../../api/types.js';
import { ENCRYPTION_CLASS } from '../../encryption-kinds.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { ENCRYPTION_SYNCED, notSyncedMessage } from './crypto.js';

const BYOK = { bringYourOwnEncryptionKey: true };
const DEFAULT_CLASS = { 'encryption.vmware.com/default': 'true' };

/** ns1 on an encryption storage class, vSphere's key providers as `providers` says (the first the default). */
async function encryptionFixture(providers: readonly string[] = ['kms']) {
  const f = await createNamespaceFixture(
    { capabilities: BYOK },
    { storageClass: 'secret', storageEncryption: true },
  );
  for (const id of providers)
    f.vsphere.crypto.registerKmipServer({
      clusterId: { id },
      info: { name: `${id}-1`, address: 'kms.example.com', port: 5696 },
    });
  const vm = async (name = 'vm1') => (await f.kube.get(f.vmRef(name))) as unknown as VirtualMachine;
  const record = async (name = 'vm1') => {
    const id = (await vm(name)).status?.uniqueID;
    return id ? (f.vsphere.store.get(id) as VmRecord) : undefined;
  };
  const synced = async (name = 'vm1') =>
    (await vm(name)).status?.conditions?.find((c: Condition) => c.type === ENCRYPTION_SYNCED);
  const encryptionClass = (name: string, spec: Record<string, string>, labels?: Record<string, string>) =>
    f.kube.create({
      ...ENCRYPTION_CLASS,
      metadata: { name, namespace: 'ns1', ...(labels ? { labels } : {}) },
      spec,
    });
  const diskKeys = (r: VmRecord | undefined) =>
    (r?.config.devices ?? [])
      .filter((d) => d._type === 'VirtualDisk')
      .map((d) => (d.backing as { keyId?: { keyId: string } }).keyId?.keyId);
  return { ...f, vm, record, synced, encryptionClass, diskKeys };
}

/** A default key provider, and a class whose config spec gives its VMs a virtual TPM. */
async function withTpmClass(f: Awaited<ReturnType<typeof createNamespaceFixture>>) {
  f.vsphere.crypto.registerKmsCluster({ id: 'kms' });
  await f.kube.create({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineClass',
    metadata: { name: 'with-tpm', namespace: 'ns1' },
    spec: {
      hardware: { cpus: 2, memory: '4Gi' },
      configSpec: {
        _typeName: 'VirtualMachineConfigSpec',
        deviceChange: [
          {
            _typeName: 'VirtualDeviceConfigSpec',
            operation: 'add',
            device: { _typeName: 'VirtualTPM', key: -1 },
          },
        ],
      },
    },
  });
}

describe('VM encryption (Bring Your Own Key)', () => {
  it('encrypts a VM with its EncryptionClass’s provider, its disks under the encryption storage class too', async () => {
    const f = await encryptionFixture(['kms', 'other']);
    await f.encryptionClass('gold', { keyProvider: 'other' }, DEFAULT_CLASS);
    await f.createVm('vm1');
    await f.settle();
    const record = await f.record();
    expect(record?.config.keyId).toMatchObject({ providerId: 'other' });
    expect(f.diskKeys(record)).toEqual([record?.config.keyId?.keyId]);
    const vm = await f.vm();
    expect(vm.spec?.crypto?.encryptionClassName).toBe('gold');
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect(vm.status?.crypto).toEqual({
      encrypted: ['Config', 'Disks'],
      providerID: 'other',
      keyID: record?.config.keyId?.keyId,
    });
    expect(vm.status?.volumes?.[0]?.crypto).toEqual({
      providerID: 'other',
      keyID: record?.config.keyId?.keyId,
    });
    expect(await f.synced()).toMatchObject({ status: 'True', reason: 'True' });
  });

  it('encrypts with the default key provider when the VM names no class', async () => {
    const f = await encryptionFixture();
    await f.createVm('vm1');
    await f.settle();
    expect((await f.record())?.config.keyId).toMatchObject({ providerId: 'kms' });
    expect((await f.vm()).status?.crypto?.providerID).toBe('kms');
  });

  it('fails the create while no key provider is the default, and encrypts once one is', async () => {
    const f = await encryptionFixture([]);
    await f.createVm('vm1');
    await f.settle();
    expect(await f.synced()).toMatchObject({
      status: 'False',
      reason: 'NoDefaultKeyProvider',
      message: 'vTPM and/or encrypted StorageClass require encryption',
    });
    expect((await f.vm()).status?.uniqueID).toBeUndefined();
    f.vsphere.crypto.registerKmsCluster({ id: 'nkp' }, 'nativeProvider');
    await f.advance(60_000);
    expect((await f.record())?.config.keyId).toMatchObject({ providerId: 'nkp' });
  });

  it('reports an EncryptionClass missing or naming no provider, and converges once it is right', async () => {
    const f = await encryptionFixture();
    await f.createVm('vm1', { crypto: { encryptionClassName: 'gold' } });
    await f.settle();
    expect(await f.synced()).toMatchObject({
      status: 'False',
      reason: 'EncryptionClassNotFound',
      message: 'encryptionclasses.encryption.vmware.com "gold" not found',
    });
    await f.encryptionClass('gold', { keyProvider: 'nope' });
    await f.settle();
    expect(await f.synced()).toMatchObject({
      status: 'False',
      reason: 'EncryptionClassInvalid',
      message: 'invalid key provider',
    });
    await f.kube.patch(
      { ...ENCRYPTION_CLASS, namespace: 'ns1', name: 'gold' },
      { spec: { keyProvider: 'kms', keyID: 'unknown-key' } },
      { type: 'merge' },
    );
    await f.settle();
    expect(await f.synced()).toMatchObject({ reason: 'EncryptionClassInvalid', message: 'invalid key id' });
    const key = f.vsphere.crypto.generateKey({ id: 'kms' }).keyId.keyId;
    await f.kube.patch(
      { ...ENCRYPTION_CLASS, namespace: 'ns1', name: 'gold' },
      { spec: { keyID: key } },
      { type: 'merge' },
    );
    await f.settle();
    expect((await f.record())?.config.keyId).toEqual({ keyId: key, providerId: 'kms' });
    expect(await f.synced()).toMatchObject({ status: 'True' });
  });

  it('recrypts a running VM whose class moves to another provider, its encrypted disks with it', async () => {
    const f = await encryptionFixture(['kms', 'other']);
    await f.encryptionClass('gold', { keyProvider: 'kms' });
    await f.createVm('vm1', { crypto: { encryptionClassName: 'gold' } });
    await f.settle();
    const before = (await f.record())?.config.keyId;
    await f.kube.patch(
      { ...ENCRYPTION_CLASS, namespace: 'ns1', name: 'gold' },
      { spec: { keyProvider: 'other' } },
      { type: 'merge' },
    );
    await f.settle();
    const after = await f.record();
    expect(after?.powerState).toBe('poweredOn');
    expect(after?.config.keyId?.providerId).toBe('other');
    expect(after?.config.keyId?.keyId).not.toBe(before?.keyId);
    expect(f.diskKeys(after)).toEqual([after?.config.keyId?.keyId]);
    expect((await f.vm()).status?.crypto?.providerID).toBe('other');
  });

  it('encrypts a VM only while it is off, saying so while it runs', async () => {
    const f = await encryptionFixture([]);
    // Cloning an image's virtual TPM skips the create's encryption, and no provider is the default
    // for the updates: the VM runs plain.
    await f.createVm('vm1', { crypto: { vTPMMode: 'Clone' } });
    await f.settle();
    expect((await f.record())?.powerState).toBe('poweredOn');
    expect((await f.record())?.config.keyId).toBeUndefined();
    expect(await f.synced()).toBeUndefined();
    f.vsphere.crypto.registerKmsCluster({ id: 'kms' });
    await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { tier: 'web' } } }, { type: 'merge' });
    await f.settle();
    expect(await f.synced()).toMatchObject({
      status: 'False',
      reason: 'InvalidState',
      message: 'Must be powered off when encrypting vm',
    });
    await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    const record = await f.record();
    expect(record?.config.keyId).toMatchObject({ providerId: 'kms' });
    // Its disks, deployed under the encryption storage class's policy, with it.
    expect(f.diskKeys(record)).toEqual([record?.config.keyId?.keyId]);
    expect(await f.synced()).toMatchObject({ status: 'True' });
    expect((await f.vm()).status?.crypto?.encrypted).toEqual(['Config', 'Disks']);
  });

  it('reports an update vSphere refuses in the words of its faults', async () => {
    const f = await encryptionFixture(['kms', 'other']);
    await f.encryptionClass('gold', { keyProvider: 'kms' });
    await f.createVm('vm1', { crypto: { encryptionClassName: 'gold' } });
    await f.settle();
    f.vsphere.interceptor.add({
      method: /^ReconfigVM_Task$/,
      fault: {
        _type: 'GenericVmConfigFault',
        reason: 'no key',
        faultMessage: [{ _type: 'LocalizableMessage', key: 'msg.keysafe.locator', message: 'no key' }],
      },
    });
    await f.kube.patch(
      { ...ENCRYPTION_CLASS, namespace: 'ns1', name: 'gold' },
      { spec: { keyProvider: 'other' } },
      { type: 'merge' },
    );
    await f.settle();
    expect(await f.synced()).toMatchObject({
      status: 'False',
      reason: 'ReconfigureError',
      message: 'Must specify a key that can be located when recrypting vm',
    });
  });

  it('leaves a VM of a plain storage class, naming no class, unencrypted and without the condition', async () => {
    const f = await createNamespaceFixture({ capabilities: BYOK });
    f.vsphere.crypto.registerKmsCluster({ id: 'kms' });
    await f.createVm('vm1');
    await f.settle();
    const vm = (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
    expect(vm.status?.powerState).toBe('PoweredOn');
    expect((f.vsphere.store.get(vm.status?.uniqueID as string) as VmRecord).config.keyId).toBeUndefined();
    expect(vm.status?.conditions?.some((c) => c.type === ENCRYPTION_SYNCED)).toBe(false);
    expect(vm.status?.crypto).toBeUndefined();
  });

  it('encrypts the files of a VM whose class gives it a virtual TPM, on a plain storage class', async () => {
    const f = await createNamespaceFixture({ capabilities: BYOK });
    await withTpmClass(f);
    await f.createVm('vm1', { className: 'with-tpm' });
    await f.settle();
    const vm = (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
    const record = f.vsphere.store.get(vm.status?.uniqueID as string) as VmRecord;
    expect(record.config.devices.some((d) => d._type === 'VirtualTPM')).toBe(true);
    expect(vm.status?.crypto).toEqual({
      encrypted: ['Config'],
      providerID: 'kms',
      keyID: record.config.keyId?.keyId,
      hasVTPM: true,
    });
    // The virtual TPM removed in vSphere: vm-operator never sets hasVTPM back while the VM stays encrypted.
    await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    const removed = f.vsphere.vm.reconfigure(record.id, {
      deviceChange: [{ operation: 'remove', device: { _type: 'VirtualTPM', key: 11000 } }],
    });
    await f.settle();
    await removed.wait();
    await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { tier: 'web' } } }, { type: 'merge' });
    await f.settle();
    const after = (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
    expect(
      (f.vsphere.store.get(record.id) as VmRecord).config.devices.some((d) => d._type === 'VirtualTPM'),
    ).toBe(false);
    expect(after.status?.crypto?.hasVTPM).toBe(true);
  });

  it('encrypts a VM a resize gives a virtual TPM, and says so when a resize takes it away', async () => {
    const f = await createNamespaceFixture({ capabilities: { ...BYOK, vmResize: true } });
    await withTpmClass(f);
    await f.createVm('vm1', { powerState: 'PoweredOff' });
    await f.settle();
    const vmOf = async () => (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
    const recordOf = async () => f.vsphere.store.get((await vmOf()).status?.uniqueID as string) as VmRecord;
    const tpm = async () => (await recordOf()).config.devices.some((d) => d._type === 'VirtualTPM');
    expect([await tpm(), (await recordOf()).config.keyId]).toEqual([false, undefined]);
    await f.kube.patch(f.vmRef('vm1'), { spec: { className: 'with-tpm' } }, { type: 'merge' });
    await f.settle();
    expect(await tpm()).toBe(true);
    expect((await recordOf()).config.keyId).toMatchObject({ providerId: 'kms' });
    expect((await vmOf()).status?.crypto).toMatchObject({ encrypted: ['Config'], hasVTPM: true });
    const said: string[] = [];
    const unsubscribe = f.kube.subscribe(
      { apiVersion: 'vmoperator.vmware.com/v1alpha6', kind: 'VirtualMachine', namespace: 'ns1' },
      (event) => {
        const condition = (event.object.status as VirtualMachine['status'])?.conditions?.find(
          (c) => c.type === ENCRYPTION_SYNCED,
        );
        if (condition && said.at(-1) !== condition.message) said.push(condition.message ?? '');
      },
    );
    await f.kube.patch(f.vmRef('vm1'), { spec: { className: 'best-effort-small' } }, { type: 'merge' });
    await f.settle();
    unsubscribe();
    expect(said).toContain('Must not remove vTPM when updating encrypted vm');
    expect(await tpm()).toBe(false);
    expect((await recordOf()).config.keyId).toMatchObject({ providerId: 'kms' });
    // The resize's pass says `Must not remove vTPM when updating encrypted vm`; the next, with the
    // VM encrypted and neither a virtual TPM nor an encryption storage class, says this.
    expect((await vmOf()).status?.conditions?.find((c) => c.type === ENCRYPTION_SYNCED)).toMatchObject({
      status: 'False',
      reason: 'InvalidState',
      message: 'Must use encryption storage class or have vTPM when updating encrypted vm',
    });
  });

  it('reads the faults of a paused VM’s reconfiguration too, naming no operation', async () => {
    const f = await encryptionFixture();
    await f.createVm('vm1');
    await f.settle();
    const id = (await f.record())?.id as string;
    // An administrator pauses the VM and takes its manager away: the update puts the manager back.
    const paused = f.vsphere.vm.reconfigure(id, {
      managedBy: { extensionKey: '', type: '' },
      extraConfig: [{ key: 'vmservice.virtualmachine.pause', value: 'true' }],
    });
    f.vsphere.interceptor.add({
      method: /^ReconfigVM_Task$/,
      fault: { _type: 'InvalidPowerState', requestedState: 'poweredOff', existingState: 'poweredOn' },
    });
    await f.settle();
    await paused.wait();
    await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { tier: 'web' } } }, { type: 'merge' });
    await f.settle();
    expect(await f.synced()).toMatchObject({
      status: 'False',
      reason: 'ReconfigureError',
      message: 'Must be powered off when  vm',
    });
  });

  it('drops its error in a resize while off, as vm-operator does, the condition saying it', async () => {
    const f = await createNamespaceFixture(
      { capabilities: { ...BYOK, vmResize: true } },
      { storageClass: 'secret', storageEncryption: true },
    );
    f.vsphere.crypto.registerKmsCluster({ id: 'kms' });
    await f.kube.create({
      ...ENCRYPTION_CLASS,
      metadata: { name: 'gold', namespace: 'ns1' },
      spec: { keyProvider: 'kms' },
    });
    await f.createVm('vm1', { powerState: 'PoweredOff', crypto: { encryptionClassName: 'gold' } });
    await f.settle();
    const errors = f.supervisor.stats.errors;
    await f.kube.delete({ ...ENCRYPTION_CLASS, namespace: 'ns1', name: 'gold' });
    await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { tier: 'web' } } }, { type: 'merge' });
    await f.settle();
    const vm = (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
    expect(vm.status?.conditions?.find((c) => c.type === ENCRYPTION_SYNCED)).toMatchObject({
      status: 'False',
      reason: 'EncryptionClassNotFound',
    });
    expect(f.supervisor.stats.errors).toBe(errors);
  });

  it('words its messages as vm-operator does', () => {
    expect(notSyncedMessage('encrypting', ['be powered off'])).toBe('Must be powered off when encrypting vm');
    expect(notSyncedMessage('recrypting', ['a', 'b'])).toBe('Must a and b when recrypting vm');
    expect(notSyncedMessage('', ['a', 'b', 'c'])).toBe('Must a, b, and c when  vm');
  });
});
