import { describe, expect, it } from 'vitest';
import { ENCRYPTION_CLASS, STORAGE_POLICY, storagePolicyObjectName } from '../../encryption-kinds.js';
import { VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';

const BYOK = { bringYourOwnEncryptionKey: true };

const policyObjectOf = (f: Awaited<ReturnType<typeof createNamespaceFixture>>, storageClass: string) => {
  const sc = f.kube.direct.get({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: storageClass });
  const id = (sc as unknown as { parameters: { storagePolicyID: string } }).parameters.storagePolicyID;
  return f.kube.direct.get({
    ...STORAGE_POLICY,
    namespace: VM_OPERATOR_NAMESPACE,
    name: storagePolicyObjectName(id) as string,
  });
};

describe('storage policies (Bring Your Own Key)', () => {
  it('names a policy object after its id', () => {
    expect(storagePolicyObjectName('B0B48647-DD96-4E24-8EF0-F5BA458D4D2D')).toBe(
      'pol-b0b48647-8ef0f5ba458d4d2d',
    );
    expect(storagePolicyObjectName('gold')).toBeUndefined();
  });

  it('keeps an object of each storage class’s policy, its status from vSphere', async () => {
    const f = await createNamespaceFixture(
      { capabilities: BYOK },
      { storageClass: 'secret', storageEncryption: true },
    );
    const sc = f.kube.direct.get({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'secret' });
    const policy = policyObjectOf(f, 'secret');
    expect(policy?.metadata.ownerReferences).toEqual([
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'secret', uid: sc?.metadata.uid },
    ]);
    expect(policy?.status).toEqual({
      datastores: expect.arrayContaining([{ id: { objectID: expect.any(String) }, type: 'VMFS' }]),
      storageClasses: ['secret', 'secret-latebinding'],
      encrypted: true,
    });
    // A class of a vSAN policy reserving it all provisions thick; one that encrypts nothing says nothing of it.
    const thick = f.vsphere.storagePolicies.create('Gold Thick', '', { proportionalCapacity: 100 });
    await f.kube.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gold-thick' },
      provisioner: 'csi.vsphere.vmware.com',
      parameters: { storagePolicyID: thick },
    });
    await f.settle();
    expect(policyObjectOf(f, 'gold-thick')?.status).toMatchObject({
      diskProvisioningMode: 'Thick',
      storageClasses: ['gold-thick', 'gold-thick-latebinding'],
    });
    expect(policyObjectOf(f, 'gold-thick')?.status).not.toHaveProperty('encrypted');
    // An id changed by hand is set back, as vm-operator's create-or-patch sets it.
    const object = policyObjectOf(f, 'gold-thick') as KubeObject;
    await f.kube.update({ ...object, spec: { id: 'changed' } });
    await f.kube.patch(
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'gold-thick' },
      { metadata: { labels: { poke: 'yes' } } },
      { type: 'merge' },
    );
    await f.settle();
    expect(policyObjectOf(f, 'gold-thick')?.spec).toEqual({ id: thick });
    // The class gone, the garbage collector takes its policy's object.
    await f.kube.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'gold-thick' });
    await f.settle();
    expect(
      f.kube.direct.get({
        ...STORAGE_POLICY,
        namespace: VM_OPERATOR_NAMESPACE,
        name: storagePolicyObjectName(thick) as string,
      }),
    ).toBeUndefined();
  });

  it('serves EncryptionClass and StoragePolicy with the capability alone', async () => {
    const off = await createNamespaceFixture();
    await expect(
      off.kube.create({
        ...ENCRYPTION_CLASS,
        metadata: { name: 'k', namespace: 'ns1' },
        spec: { keyProvider: 'kms' },
      }),
    ).rejects.toMatchObject({ code: 404 });
    const policy = { ...STORAGE_POLICY, metadata: { name: 'p', namespace: 'ns1' }, spec: { id: 'x' } };
    await expect(off.kube.create(policy)).rejects.toMatchObject({ code: 404 });
    const on = await createNamespaceFixture({ capabilities: BYOK });
    await expect(
      on.kube.create({ ...ENCRYPTION_CLASS, metadata: { name: 'k', namespace: 'ns1' }, spec: {} }),
    ).rejects.toMatchObject({ code: 422 });
    expect((await on.kube.create(policy)).spec).toEqual({ id: 'x' });
  });
});

describe('the VirtualMachine webhooks with Bring Your Own Key', () => {
  const setup = async () => {
    const f = await createNamespaceFixture(
      { capabilities: BYOK },
      { storageClass: 'secret', storageEncryption: true },
    );
    const encryptionClass = (name: string, labels?: Record<string, string>) =>
      f.kube.create({
        ...ENCRYPTION_CLASS,
        metadata: { name, namespace: 'ns1', ...(labels ? { labels } : {}) },
        spec: { keyProvider: 'kms' },
      });
    return { ...f, encryptionClass };
  };
  const DEFAULT = { 'encryption.vmware.com/default': 'true' };

  it('gives a VM of an encryption storage class the namespace’s default EncryptionClass', async () => {
    const f = await setup();
    await f.encryptionClass('plain');
    await f.encryptionClass('chosen', DEFAULT);
    const vm = await f.createVm('vm-1');
    expect((vm.spec as { crypto?: unknown }).crypto).toEqual({
      encryptionClassName: 'chosen',
      useDefaultKeyProvider: true,
      vTPMMode: 'New',
    });
    // A class the VM names stays.
    const named = await f.createVm('vm-2', { crypto: { encryptionClassName: 'plain' } });
    expect((named.spec as { crypto: { encryptionClassName: string } }).crypto.encryptionClassName).toBe(
      'plain',
    );
    // Two defaults: the mutating webhook refuses the VM.
    await f.encryptionClass('other', DEFAULT);
    await expect(f.createVm('vm-3')).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining(
        'multiple EncryptionClass resources have the label "encryption.vmware.com/default": "true"',
      ),
    });
  });

  it('refuses an EncryptionClass on a VM whose storage class encrypts nothing', async () => {
    const f = await setup();
    await f.supervisor.updateNamespace('ns1', { storageClass: 'wcpglobal-storage-profile' });
    await f.settle();
    await expect(
      f.createVm('vm-1', { storageClass: 'wcpglobal-storage-profile', crypto: { encryptionClassName: 'x' } }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'spec.crypto.encryptionClassName: Invalid value: "x": requires spec.storageClass specify an encryption storage class',
      ),
    });
    // Without the capability, any crypto spec is refused.
    const off = await createNamespaceFixture();
    await expect(off.createVm('vm-1', { crypto: { encryptionClassName: 'x' } })).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('the Bring Your Own Key (Provider) feature is not enabled'),
    });
  });

  it('refuses a shared volume on an encryption storage class (with VMSharedDisks)', async () => {
    const f = await createNamespaceFixture(
      { capabilities: { ...BYOK, vmSharedDisks: true } },
      { storageClass: 'secret', storageEncryption: true },
    );
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'ns1' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'secret',
        resources: { requests: { storage: '1Gi' } },
      },
    });
    await expect(
      f.createVm('vm-1', {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' }, sharingMode: 'MultiWriter' }],
      }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'spec.volumes[0].sharingMode: Invalid value: "MultiWriter": MultiWriter disk sharing is not supported for encrypted volumes',
      ),
    });
  });
});
