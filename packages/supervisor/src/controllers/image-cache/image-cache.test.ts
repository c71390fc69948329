import { datacenterOf, type LibraryItemRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { Condition, VirtualMachineImage, VirtualMachineImageCache } from '../../api/types.js';
import { IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import { VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { libraryItemNameOf, sha1Sum17 } from '../images/names.js';
import { VM_OPERATOR_API_VERSION } from '../virtualmachine/prerequisites.js';
import {
  cacheDirectory,
  cachedFileName,
  IMAGE_CACHE_CONDITION,
  imageCacheRef,
  newImageCache,
  OVF_CONTENT_VERSION_KEY,
  OVF_VALUE_KEY,
  VMI_CACHE_LABEL,
} from './image-cache.js';

const conditionOf = (conditions: readonly Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type);

async function setup() {
  const f = await createNamespaceFixture({ capabilities: { fastDeploy: true }, events: true });
  const image = (await f.kube.get({
    apiVersion: VM_OPERATOR_API_VERSION,
    kind: 'VirtualMachineImage',
    namespace: 'ns1',
    name: f.image,
  })) as unknown as VirtualMachineImage;
  const itemId = image.status?.providerItemID as string;
  const item = f.vsphere.store.get(itemId) as LibraryItemRecord;
  const cache = () => f.kube.direct.get(imageCacheRef(f.image)) as unknown as VirtualMachineImageCache;
  const library = f.vsphere.store.get(item.library) as { datastore: string };
  const datastore = f.vsphere.store.get(library.datastore) as { id: string; name: string };
  const datacenter = datacenterOf(f.vsphere.store, datastore.id)?.id as string;
  const storageClass = f.kube.direct.get({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    name: f.prepared.storageClass,
  }) as KubeObject & { parameters: { storagePolicyID: string } };
  const policy = storageClass.parameters.storagePolicyID;
  const addLocation = async (location: { datacenterID: string; datastoreID: string; profileID: string }) => {
    const current = cache() as unknown as KubeObject & VirtualMachineImageCache;
    f.kube.direct.update({
      ...current,
      spec: { ...current.spec, locations: [...(current.spec?.locations ?? []), location] },
    } as KubeObject);
    await f.settle();
  };
  return { ...f, image, itemId, item, cache, datastore, datacenter, policy, addLocation };
}

describe("vm-operator's VirtualMachineImageCache controller (FastDeploy)", () => {
  it("caches an image's OVF in a ConfigMap of its own, which the image is synced from", async () => {
    const { kube, image, itemId, item, cache } = await setup();
    const made = cache();
    expect(made.metadata.namespace).toBe(VM_OPERATOR_NAMESPACE);
    expect(made.spec).toEqual({ providerID: itemId, providerVersion: item.contentVersion });
    expect(made.status?.ovf).toEqual({
      configMapName: made.metadata.name,
      providerVersion: item.contentVersion,
    });
    expect(conditionOf(made.status?.conditions, IMAGE_CACHE_CONDITION.hardwareReady)?.status).toBe('True');
    expect(conditionOf(made.status?.conditions, 'Ready')?.status).toBe('True');
    const configMap = kube.direct.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: VM_OPERATOR_NAMESPACE,
      name: made.metadata.name as string,
    }) as KubeObject & { data: Record<string, string> };
    expect(configMap.data[OVF_CONTENT_VERSION_KEY]).toBe(item.contentVersion);
    // The envelope as govmomi marshals it, in YAML.
    expect(configMap.data[OVF_VALUE_KEY]).toContain(`osType: ${item.ovf?.os?.id}`);
    expect(configMap.data[OVF_VALUE_KEY]).toMatch(/^diskSection:\n/);
    expect(configMap.metadata.ownerReferences).toMatchObject([
      { kind: 'VirtualMachineImageCache', name: made.metadata.name, controller: true },
    ]);
    // The image waited for its cache (its sync failed, as vm-operator's does), then synced.
    const events = await kube.list({
      apiVersion: 'v1',
      kind: 'Event',
      namespace: 'ns1',
      fieldSelector: `involvedObject.kind=VirtualMachineImage,involvedObject.name=${image.metadata.name}`,
    });
    const reasons = (events.items as unknown as { reason: string; message: string }[]).map((e) => [
      e.reason,
      e.message,
    ]);
    expect(reasons.sort()).toEqual([
      ['UpdateFailure', 'cache not ready'],
      ['UpdateSuccess', 'Update success'],
    ]);
    // The image synced, and its item object no longer waiting.
    expect(conditionOf(image.status?.conditions, 'Ready')?.status).toBe('True');
    expect(image.status?.disks?.length).toBe(item.ovf?.disks.length);
    const itemObject = kube.direct.get({
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ContentLibraryItem',
      namespace: 'ns1',
      name: libraryItemNameOf(itemId),
    });
    expect(itemObject?.metadata.labels?.[VMI_CACHE_LABEL]).toBeUndefined();
  });

  it("copies the image's disks into each location's folder, thin, once", async () => {
    const { vsphere, item, cache, datastore, datacenter, policy, addLocation } = await setup();
    await addLocation({ datacenterID: datacenter, datastoreID: datastore.id, profileID: policy });
    const status = cache().status;
    const dir = cacheDirectory(datastore.name, cache().metadata.name as string, policy, item.contentVersion);
    expect(dir).toBe(
      `[${datastore.name}] ${cache().metadata.name}-${sha1Sum17(policy)}-${sha1Sum17(item.contentVersion)}`,
    );
    const vmdk = item.files.find((f) => f.name.endsWith('.vmdk'))?.name as string;
    const id = `${dir}/${cachedFileName(vmdk)}`;
    expect(status?.locations).toMatchObject([
      {
        datacenterID: datacenter,
        datastoreID: datastore.id,
        profileID: policy,
        files: [{ id, type: 'Disk', diskType: 'Classic', name: vmdk }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    ]);
    for (const type of [IMAGE_CACHE_CONDITION.providerReady, IMAGE_CACHE_CONDITION.filesReady, 'Ready'])
      expect(conditionOf(status?.conditions, type)?.status).toBe('True');
    const uuid = vsphere.virtualDisks.queryUuid(id, datacenter);
    // A second location on the same datastore under another policy: a folder of its own.
    const other = vsphere.storagePolicies.create('other');
    await addLocation({ datacenterID: datacenter, datastoreID: datastore.id, profileID: other });
    expect(cache().status?.locations?.map((l) => l.files?.[0]?.id)).toEqual([
      id,
      `${cacheDirectory(datastore.name, cache().metadata.name as string, other, item.contentVersion)}/${cachedFileName(vmdk)}`,
    ]);
    // The first location's file was there already: the same disk.
    expect(vsphere.virtualDisks.queryUuid(id, datacenter)).toBe(uuid);
  });

  it('fails a location that names no datastore, with the count of what completed', async () => {
    const { cache, datacenter, policy, addLocation } = await setup();
    await addLocation({ datacenterID: datacenter, datastoreID: 'datastore-404', profileID: policy });
    const files = conditionOf(cache().status?.conditions, IMAGE_CACHE_CONDITION.filesReady);
    expect(files).toMatchObject({
      status: 'False',
      reason: 'Failed',
      message: 'invalid datastore ID: datastore-404',
    });
    expect(conditionOf(cache().status?.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Failed',
      message: '2 of 3 completed',
    });
  });

  it('removes locations without a policy, and refuses a cache of an item without a version for good', async () => {
    const { kube, cache, datastore, datacenter, addLocation, settle } = await setup();
    await addLocation({ datacenterID: datacenter, datastoreID: datastore.id, profileID: '' });
    expect(cache().spec?.locations).toEqual([]);
    const stray = kube.direct.create(
      newImageCache('vmi-0123456789abcdef0', { providerID: 'a-library-item' }),
    );
    await settle();
    const refused = kube.direct.get(
      imageCacheRef(stray.metadata.name as string),
    ) as unknown as VirtualMachineImageCache;
    expect(conditionOf(refused.status?.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Failed',
      message: 'spec.providerVersion is empty',
    });
  });
  it("fails every step of a cache of an item that is not there, with vm-operator's words", async () => {
    const { kube, datastore, datacenter, policy, settle } = await setup();
    const name = 'vmi-0123456789abcdef1';
    kube.direct.create(
      newImageCache(name, {
        providerID: 'gone',
        providerVersion: '1',
        locations: [{ datacenterID: datacenter, datastoreID: datastore.id, profileID: policy }],
      }),
    );
    await settle();
    const failed = kube.direct.get(imageCacheRef(name)) as unknown as VirtualMachineImageCache;
    const missing = 'Cannot find the library item with ID gone.';
    expect(failed.status?.conditions?.map((c) => [c.type, c.status, c.message])).toEqual([
      ['Ready', 'False', '0 of 3 completed'],
      [IMAGE_CACHE_CONDITION.filesReady, 'False', `failed to list library item storage: ${missing}`],
      [
        IMAGE_CACHE_CONDITION.hardwareReady,
        'False',
        `failed to create or patch ovf configmap: failed to retrieve ovf envelope: ${missing}`,
      ],
      [
        IMAGE_CACHE_CONDITION.providerReady,
        'False',
        `failed to get library item: failed to find image: gone: ${missing}`,
      ],
    ]);
  });
});
