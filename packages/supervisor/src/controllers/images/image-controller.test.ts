import {
  findByInventoryPath,
  type LibraryItemRecord,
  SAMPLE_OVF_IMAGES,
  Scheduler,
  VirtualClock,
  VSphere,
} from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { ClusterVirtualMachineImage, VirtualMachineImage } from '../../api/types.js';
import {
  type ContentLibrary,
  type ContentLibraryItem,
  IMAGE_REGISTRY_API_VERSION,
  registerImageRegistryKinds,
} from '../../image-registry-kinds.js';
import { Manager } from '../../runtime/manager.js';
import { KubeStore } from '../../store/kube-store.js';
import type { KubeObject } from '../../store/meta.js';
import { registerVmOperatorKinds } from '../../vm-operator-kinds.js';
import { IMAGE_API_VERSION, type ImageLibraries, startImageController } from './image-controller.js';
import { contentLibraryNameOf, imageNameOf, libraryItemNameOf } from './names.js';
import { LIBRARY_ITEM_LABEL, quantityOf } from './registry.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
const photon = SAMPLE_OVF_IMAGES[1] as (typeof SAMPLE_OVF_IMAGES)[number];

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(libraries: (ids: { lib: string; other: string }) => ImageLibraries) {
  const clock = new VirtualClock();
  const scheduler = new Scheduler(clock);
  const errors: unknown[] = [];
  scheduler.onError = (error) => errors.push(error);
  const vsphere = new VSphere({ clock, seed: 1 });
  const kube = new KubeStore(vsphere, { namespaces: ['default', 'ns1', 'ns2'] });
  registerVmOperatorKinds(kube);
  registerImageRegistryKinds(kube);
  const ds = findByInventoryPath(vsphere.store, '/DC0/datastore/LocalDS_0');
  if (!ds) throw new Error('no datastore');
  const lib = vsphere.library.create({ name: 'images', datastore: ds.id, type: 'LOCAL' });
  const other = vsphere.library.create({ name: 'other', datastore: ds.id, type: 'LOCAL' });
  const manager = new Manager({ scheduler });
  const images = startImageController(manager, {
    kube,
    vsphere,
    libraries: libraries({ lib, other }),
  });
  manager.start();
  const settle = async () => {
    for (;;) {
      await flush();
      const ran = scheduler.runDue();
      await flush();
      const due = scheduler.nextDue();
      if (ran === 0 && (due === undefined || due > clock.now())) return;
    }
  };
  const namespaced = async (namespace?: string) =>
    (
      await kube.list({
        apiVersion: IMAGE_API_VERSION,
        kind: 'VirtualMachineImage',
        ...(namespace !== undefined ? { namespace } : {}),
      })
    ).items as unknown[] as VirtualMachineImage[];
  const cluster = async () =>
    (
      await kube.list({
        apiVersion: IMAGE_API_VERSION,
        kind: 'ClusterVirtualMachineImage',
      })
    ).items as unknown[] as ClusterVirtualMachineImage[];
  return { clock, vsphere, kube, lib, other, manager, images, settle, namespaced, cluster, errors };
}

describe('image names', () => {
  it('is vmi- and 17 hex digits of the SHA-1 of the item id without dashes', () => {
    expect(imageNameOf('e1968c25-dd84-4506-8dc7-9beacb6b688e')).toBe('vmi-0a0044d7c690bcbea');
  });

  it('writes byte counts as binary quantities', () => {
    expect(quantityOf(20 * 1024 ** 3)).toBe('20Gi');
    expect(quantityOf(671_088_640)).toBe('640Mi');
    expect(quantityOf(1000)).toBe('1000');
    expect(quantityOf(0)).toBe('0');
  });
});

describe('image controller', () => {
  it('makes images of OVF and ISO items only, not of items of files', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const ovf = t.vsphere.library.createItem(t.lib, ubuntu);
    const iso = t.vsphere.library.createItem(t.lib, { name: 'tools', type: 'iso' });
    for (const type of ['file', 'txt', 'vm-template'])
      t.vsphere.library.createItem(t.lib, { name: type, type });
    await t.settle();
    const images = await t.namespaced();
    expect(images.map((i) => [i.metadata.name, i.status?.type]).sort()).toEqual(
      [
        [imageNameOf(ovf), 'OVF'],
        [imageNameOf(iso), 'ISO'],
      ].sort(),
    );
  });

  it('makes an image of a library item with its status', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const item = t.vsphere.library.createItem(t.lib, ubuntu);
    await t.settle();
    const images = await t.namespaced();
    expect(images).toHaveLength(1);
    const image = images[0] as VirtualMachineImage;
    const itemObject = (await t.kube.get({
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ContentLibraryItem',
      namespace: 'ns1',
      name: libraryItemNameOf(item),
    })) as unknown as ContentLibraryItem;
    expect(image.metadata).toMatchObject({
      name: imageNameOf(item),
      namespace: 'ns1',
      labels: {
        'image.vmoperator.vmware.com/type': 'OVF',
        'os.image.vmoperator.vmware.com/id': '94',
        'os.image.vmoperator.vmware.com/type': 'ubuntu64Guest',
      },
      annotations: {
        'vmware.com/display-name': 'ubuntu-2204-kube-v1.30.0',
        'vmoperator.vmware.com/conversion-content-lib-ref': JSON.stringify({
          apiGroup: 'imageregistry.vmware.com',
          kind: 'ContentLibrary',
          name: contentLibraryNameOf(t.lib),
        }),
      },
      ownerReferences: [
        {
          apiVersion: IMAGE_REGISTRY_API_VERSION,
          kind: 'ContentLibraryItem',
          name: libraryItemNameOf(item),
          uid: itemObject.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(image.spec).toEqual({
      providerRef: {
        apiVersion: 'imageregistry.vmware.com/v1alpha1',
        kind: 'ContentLibraryItem',
        name: libraryItemNameOf(item),
      },
    });
    expect(image.status).toEqual({
      name: 'ubuntu-2204-kube-v1.30.0',
      providerItemID: item,
      providerContentVersion: '1',
      type: 'OVF',
      productInfo: {
        product: 'ubuntu-2204-kube-v1.30.0',
        vendor: 'VMware Inc.',
        version: 'v1.30.0+vmware.1',
        fullVersion: 'v1.30.0+vmware.1-tkg.1',
      },
      osInfo: { id: '94', type: 'ubuntu64Guest' },
      disks: [
        {
          name: 'Hard disk 1',
          limit: '20Gi',
          requested: '20Gi',
          controllerType: 'SCSI',
          controllerBusNumber: 0,
          unitNumber: 0,
        },
      ],
      firmware: 'efi',
      hardwareVersion: 19,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'True',
          message: '',
          lastTransitionTime: expect.any(String),
        },
      ],
    });
    expect(t.errors).toEqual([]);
    expect(t.images.controller.errors.size).toBe(0);
  });

  it('names repeated disk labels apart, as vm-operator does', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const disk = { name: 'Hard disk', capacityKB: 1024 };
    // Sizes as vm-operator's BytesToResource writes them: binary only for N x 1024^k, N < 1024.
    const odd = [1536 * 1024, 3000].map((capacityKB) => ({ name: 'Data', capacityKB }));
    const ovf = { ...ubuntu.ovf, disks: [disk, disk, ...odd] };
    t.vsphere.library.createItem(t.lib, { ...ubuntu, name: 'three-disks', ovf });
    await t.settle();
    const [image] = await t.namespaced('ns1');
    expect(image?.status?.disks?.map((d) => [d.name, d.unitNumber, d.limit, d.requested])).toEqual([
      ['Hard disk', 0, '1Mi', '1Mi'],
      ['Hard disk_1', 1, '1Mi', '1Mi'],
      ['Data', 2, '1610612736', '1610612736'],
      ['Data_1', 3, '3072k', '3072k'],
    ]);
  });

  it("reads the OVF's properties, v1alpha1 readiness and labels from its extraConfig", async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const ovf = {
      ...ubuntu.ovf,
      properties: [
        { key: 'vmware-system.guest.kubernetes.distribution.image.version', type: 'string', value: '{}' },
        { key: 'vmware-system.empty', type: 'string' },
        { key: 'user-data', type: 'string', userConfigurable: true },
        { key: 'hostname', type: 'string', value: 'node', userConfigurable: true },
        { key: 'fixed', type: 'string', value: 'x' },
      ],
      extraConfig: [
        { key: 'guestinfo.vmservice.defer-cloud-init', value: 'ready' },
        { key: 'vmservice.vmi.labels', value: 'team:a,gpu,bad:x:y' },
      ],
    };
    const item = t.vsphere.library.createItem(t.lib, { ...ubuntu, name: 'with-properties', ovf });
    await t.settle();
    const [image] = await t.namespaced('ns1');
    expect(image?.status?.vmwareSystemProperties).toEqual([
      { key: 'vmware-system.guest.kubernetes.distribution.image.version', value: '{}' },
      { key: 'vmware-system.empty' },
    ]);
    expect(image?.status?.ovfProperties).toEqual([
      { key: 'user-data', type: 'string' },
      { key: 'hostname', type: 'string', default: 'node' },
    ]);
    expect(image?.status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'True'],
      ['VirtualMachineImageV1Alpha1Compatible', 'True'],
    ]);
    expect(image?.metadata.labels).toMatchObject({ team: 'a', gpu: '' });
    expect(Object.keys(image?.metadata.labels ?? {})).not.toContain('bad');

    // A new content version without them: the lists and the condition go, the labels stay.
    const record = t.vsphere.library.getItem(item);
    t.vsphere.store.transact((tx) =>
      tx.put({ ...record, contentVersion: '2', ovf: { ...ovf, properties: [], extraConfig: [] } }),
    );
    await t.settle();
    const [updated] = await t.namespaced('ns1');
    expect(updated?.status?.ovfProperties).toBeUndefined();
    expect(updated?.status?.vmwareSystemProperties).toBeUndefined();
    expect(updated?.status?.conditions?.map((c) => c.type)).toEqual(['Ready']);
    expect(updated?.metadata.labels).toMatchObject({ team: 'a', gpu: '' });

    // A ProductSection of properties alone: no product any more.
    const { product: _product, ...productless } = ovf;
    const properties = [{ key: 'user-data', type: 'string', userConfigurable: true }];
    t.vsphere.store.transact((tx) =>
      tx.put({ ...record, contentVersion: '3', ovf: { ...productless, properties } }),
    );
    await t.settle();
    const [third] = await t.namespaced('ns1');
    expect(third?.status?.productInfo).toEqual({});
    expect(third?.status?.ovfProperties).toEqual([{ key: 'user-data', type: 'string' }]);
  });

  it('fails the image write of an OVF whose vmservice.vmi.labels makes an invalid label, as on a Supervisor', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const extraConfig = [{ key: 'vmservice.vmi.labels', value: 'team:a,' }];
    t.vsphere.library.createItem(t.lib, {
      ...ubuntu,
      name: 'bad-labels',
      ovf: { ...ubuntu.ovf, extraConfig },
    });
    await t.settle();
    // The image made before its item object was ready stays as it was: its patch is refused.
    const [image] = await t.namespaced('ns1');
    expect(image).toBeDefined();
    expect(image?.metadata.labels?.team).toBeUndefined();
    expect(image?.status?.disks).toBeUndefined();
    const [error] = [...t.images.controller.errors.values()];
    expect(String(error)).toContain('metadata.labels: Invalid value: ""');
  });

  it('follows a renamed item and a changed descriptor', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const item = t.vsphere.library.createItem(t.lib, ubuntu);
    await t.settle();
    t.vsphere.library.updateItem(item, { name: 'renamed' });
    await t.settle();
    expect((await t.namespaced('ns1'))[0]?.status?.name).toBe('renamed');

    const record = t.vsphere.library.getItem(item);
    const put = (contentVersion: string) =>
      t.vsphere.store.transact((tx) =>
        tx.put({
          ...record,
          contentVersion,
          ovf: { ...(record.ovf ?? ubuntu.ovf), firmware: 'bios', hardwareVersion: 'vmx-21' },
        } as LibraryItemRecord),
      );
    // As vm-operator's, the image reads the descriptor again only for a new content version.
    put(record.contentVersion);
    await t.settle();
    expect((await t.namespaced('ns1'))[0]?.status).toMatchObject({ firmware: 'efi', hardwareVersion: 19 });
    put('2');
    await t.settle();
    const [image] = await t.namespaced('ns1');
    expect(image?.metadata.name).toBe(imageNameOf(item));
    expect(image?.status).toMatchObject({ name: 'renamed', firmware: 'bios', hardwareVersion: 21 });
  });

  it('deletes the image of a deleted item', async () => {
    const t = setup(({ lib }) => ({ clusterScoped: [lib], byNamespace: { ns1: [lib] } }));
    const a = t.vsphere.library.createItem(t.lib, ubuntu);
    const b = t.vsphere.library.createItem(t.lib, photon);
    await t.settle();
    expect((await t.namespaced()).map((i) => i.metadata.name).sort()).toEqual(
      [imageNameOf(a), imageNameOf(b)].sort(),
    );
    t.vsphere.library.deleteItem(a);
    await t.settle();
    expect((await t.namespaced()).map((i) => i.metadata.name)).toEqual([imageNameOf(b)]);
    expect((await t.cluster()).map((i) => i.metadata.name)).toEqual([imageNameOf(b)]);
  });

  it('makes cluster images of cluster-scoped libraries and namespaced ones where configured', async () => {
    const t = setup(({ lib, other }) => ({
      clusterScoped: [other],
      byNamespace: { ns1: [lib], ns2: [lib, other] },
    }));
    const inLib = t.vsphere.library.createItem(t.lib, ubuntu);
    const inOther = t.vsphere.library.createItem(t.other, photon);
    await t.settle();
    const cluster = await t.cluster();
    expect(cluster.map((i) => [i.metadata.name, i.metadata.namespace, i.spec?.providerRef?.kind])).toEqual([
      [imageNameOf(inOther), undefined, 'ClusterContentLibraryItem'],
    ]);
    expect(cluster[0]?.status?.name).toBe('photon-5-kube-v1.30.0');
    expect((await t.namespaced('ns1')).map((i) => i.metadata.name)).toEqual([imageNameOf(inLib)]);
    expect((await t.namespaced('ns2')).map((i) => i.metadata.name).sort()).toEqual(
      [imageNameOf(inLib), imageNameOf(inOther)].sort(),
    );
    expect(await t.namespaced('default')).toEqual([]);
  });

  it("labels a cluster image with its item's service types, and drops capability labels at each sync", async () => {
    const t = setup(({ other }) => ({ clusterScoped: [other] }));
    const id = t.vsphere.library.createItem(t.other, photon);
    await t.settle();
    const itemRef = {
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ClusterContentLibraryItem',
      name: libraryItemNameOf(id),
    };
    const item = await t.kube.get(itemRef);
    await t.kube.update({
      ...item,
      metadata: {
        ...item.metadata,
        labels: { ...item.metadata.labels, 'type.services.vmware.com/tkg': 'true' },
      },
    });
    await t.settle();
    const [image] = await t.cluster();
    expect(image?.metadata.labels?.['type.services.vmware.com/tkg']).toBe('');
    // A capability label written by hand stays until the next sync, which writes the image's own.
    const capability = 'capability.image.vmoperator.vmware.com/gpu';
    const labelled = image as unknown as KubeObject;
    await t.kube.update({
      ...labelled,
      metadata: { ...labelled.metadata, labels: { ...labelled.metadata.labels, [capability]: 'true' } },
    });
    await t.settle();
    expect((await t.cluster())[0]?.metadata.labels?.[capability]).toBe('true');
    const record = t.vsphere.library.getItem(id);
    t.vsphere.store.transact((tx) => tx.put({ ...record, contentVersion: '2' }));
    await t.settle();
    expect((await t.cluster())[0]?.metadata.labels).not.toHaveProperty(capability);
  });

  it('follows changes of the configuration and deleted libraries', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const item = t.vsphere.library.createItem(t.lib, ubuntu);
    await t.settle();
    t.images.setNamespaceLibraries('ns1', []);
    t.images.setNamespaceLibraries('default', [t.lib]);
    t.images.setClusterLibraries([t.lib]);
    await t.settle();
    expect((await t.namespaced()).map((i) => [i.metadata.namespace, i.metadata.name])).toEqual([
      ['default', imageNameOf(item)],
    ]);
    expect(await t.cluster()).toHaveLength(1);
    t.vsphere.library.delete(t.lib);
    await t.settle();
    expect(await t.namespaced()).toEqual([]);
    expect(await t.cluster()).toEqual([]);
  });

  it('puts back an image deleted by hand', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const item = t.vsphere.library.createItem(t.lib, ubuntu);
    await t.settle();
    await t.kube.delete({
      apiVersion: IMAGE_API_VERSION,
      kind: 'VirtualMachineImage',
      namespace: 'ns1',
      name: imageNameOf(item),
    });
    await t.settle();
    expect((await t.namespaced('ns1')).map((i) => i.metadata.name)).toEqual([imageNameOf(item)]);
  });
});

describe('content library objects', () => {
  const libraries = async (t: ReturnType<typeof setup>, kind: ContentLibrary['kind']) =>
    (await t.kube.list({ apiVersion: IMAGE_REGISTRY_API_VERSION, kind }))
      .items as unknown[] as ContentLibrary[];
  const placed = (objects: ContentLibrary[]) => objects.map((o) => [o.metadata.namespace, o.metadata.name]);

  it('names a ContentLibrary cl- and 17 hex digits of the SHA-1 of the library id without dashes', () => {
    expect(contentLibraryNameOf('e1968c25-dd84-4506-8dc7-9beacb6b688e')).toBe('cl-0a0044d7c690bcbea');
  });

  it('shows each library where its images are, with its spec and status', async () => {
    const t = setup(({ lib, other }) => ({ clusterScoped: [other], byNamespace: { ns1: [lib] } }));
    await t.settle();
    const [namespaced] = await libraries(t, 'ContentLibrary');
    const record = t.vsphere.library.get(t.lib);
    expect(namespaced?.metadata).toMatchObject({
      name: contentLibraryNameOf(t.lib),
      namespace: 'ns1',
      labels: { 'vsim.io/library-id': t.lib },
    });
    // With the CRD schema's defaults.
    expect(namespaced?.spec).toEqual({
      uuid: t.lib,
      writable: true,
      allowImport: false,
      resourceNamingStrategy: 'FROM_ITEM_ID',
    });
    expect(namespaced?.status).toEqual({
      name: 'images',
      type: 'Local',
      storageBacking: { type: 'Datastore', datastoreID: record.datastore },
      version: record.version,
      state: 'Active',
      serverGUID: record.serverGuid,
      creationTime: expect.any(String),
      lastModifiedTime: expect.any(String),
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: expect.any(String) }],
    });
    const cluster = await libraries(t, 'ClusterContentLibrary');
    expect(placed(cluster)).toEqual([[undefined, contentLibraryNameOf(t.other)]]);
    expect(cluster[0]?.spec).toEqual({ uuid: t.other, resourceNamingStrategy: 'FROM_ITEM_ID' });
    expect(t.images.contentLibraries.errors.size).toBe(0);
  });

  it('follows a library shown elsewhere, renamed, put back by hand, or deleted', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    await t.settle();
    const name = contentLibraryNameOf(t.lib);
    t.images.setNamespaceLibraries('ns1', []);
    t.images.setNamespaceLibraries('ns2', [t.lib]);
    await t.settle();
    expect(placed(await libraries(t, 'ContentLibrary'))).toEqual([['ns2', name]]);
    t.vsphere.library.update(t.lib, { name: 'renamed' });
    await t.settle();
    expect((await libraries(t, 'ContentLibrary'))[0]?.status?.name).toBe('renamed');
    await t.kube.delete({
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ContentLibrary',
      namespace: 'ns2',
      name,
    });
    await t.settle();
    expect(placed(await libraries(t, 'ContentLibrary'))).toEqual([['ns2', name]]);
    t.vsphere.library.delete(t.lib);
    await t.settle();
    expect(await libraries(t, 'ContentLibrary')).toEqual([]);
  });

  it('shows a subscribed library as not writable, with its subscription', async () => {
    const t = setup(() => ({}));
    const ds = t.vsphere.library.get(t.lib).datastore;
    const source = t.vsphere.library.create({ name: 'pub', datastore: ds, type: 'LOCAL', published: true });
    const sub = t.vsphere.library.createSubscribed({
      name: 'sub',
      datastore: ds,
      source,
      subscriptionUrl: 'https://vc/lib.json',
    });
    t.images.setNamespaceLibraries('ns1', [sub]);
    await t.settle();
    const [object] = await libraries(t, 'ContentLibrary');
    expect(object?.spec).toEqual({
      uuid: sub,
      writable: false,
      allowImport: false,
      resourceNamingStrategy: 'FROM_ITEM_ID',
    });
    expect(object?.status).toMatchObject({
      type: 'Subscribed',
      subscriptionInfo: { URL: 'https://vc/lib.json', onDemand: true, automaticSync: true },
      lastSyncTime: expect.any(String),
    });
  });
});

describe('content library item objects', () => {
  const itemObjects = async (t: ReturnType<typeof setup>, kind: ContentLibraryItem['kind']) =>
    (await t.kube.list({ apiVersion: IMAGE_REGISTRY_API_VERSION, kind }))
      .items as unknown[] as ContentLibraryItem[];

  it('shows each OVF and ISO item where its library is seen, held by the image controller', async () => {
    const t = setup(({ lib }) => ({ clusterScoped: [lib], byNamespace: { ns1: [lib] } }));
    const item = t.vsphere.library.createItem(t.lib, ubuntu);
    t.vsphere.library.createItem(t.lib, { name: 'notes', type: 'file' });
    await t.settle();
    const record = t.vsphere.library.getItem(item);
    // Each file's place on the library's datastore, as a CD-ROM backing names an ISO file.
    const { datastore } = t.vsphere.store.get(t.lib) as { datastore: string };
    const { url } = t.vsphere.store.get(datastore) as { url: string };
    const [object] = await itemObjects(t, 'ContentLibraryItem');
    expect(object?.metadata).toMatchObject({
      name: libraryItemNameOf(item),
      namespace: 'ns1',
      labels: { [LIBRARY_ITEM_LABEL]: item },
      finalizers: ['vmoperator.vmware.com/contentlibraryitem'],
    });
    expect(object?.spec).toEqual({ uuid: item });
    expect(object?.status).toEqual({
      name: 'ubuntu-2204-kube-v1.30.0',
      contentLibraryRef: { name: contentLibraryNameOf(t.lib), kind: 'ContentLibrary' },
      description: 'Ubuntu 22.04 node image for Kubernetes v1.30.0',
      metadataVersion: record.metadataVersion,
      contentVersion: record.contentVersion,
      type: 'OVF',
      sizeInBytes: quantityOf(record.size),
      cached: record.cached,
      securityCompliance: true,
      fileInfo: record.files.map((f) => ({
        name: f.name,
        sizeInBytes: quantityOf(f.size),
        version: f.version,
        cached: f.cached,
        storageURI: `${url}contentlib-${t.lib}/${item}/${f.name}`,
      })),
      creationTime: expect.any(String),
      lastModifiedTime: expect.any(String),
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: expect.any(String) }],
    });
    const [cluster] = await itemObjects(t, 'ClusterContentLibraryItem');
    expect(cluster?.metadata.finalizers).toEqual(['clustercontentlibraryitem.vmoperator.vmware.com']);
    expect(cluster?.status?.contentLibraryRef).toEqual({
      name: contentLibraryNameOf(t.lib),
      kind: 'ClusterContentLibrary',
    });
    expect((await t.cluster())[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'ClusterContentLibraryItem',
      uid: cluster?.metadata.uid,
    });
    expect(t.images.libraryItems.errors.size).toBe(0);
  });

  it('lets an item object go once deleted, and its image with it', async () => {
    const t = setup(({ lib }) => ({ byNamespace: { ns1: [lib] } }));
    const item = t.vsphere.library.createItem(t.lib, ubuntu);
    await t.settle();
    await t.kube.delete({
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ContentLibraryItem',
      namespace: 'ns1',
      name: libraryItemNameOf(item),
    });
    // The registry shows the item again: a new object, a new image owned by it.
    await t.settle();
    const [object] = await itemObjects(t, 'ContentLibraryItem');
    const [image] = await t.namespaced('ns1');
    expect(image?.metadata.ownerReferences?.map((o) => o.uid)).toEqual([object?.metadata.uid]);
    t.vsphere.library.deleteItem(item);
    await t.settle();
    expect(await itemObjects(t, 'ContentLibraryItem')).toEqual([]);
    expect(await t.namespaced('ns1')).toEqual([]);
    expect(t.errors).toEqual([]);
  });

  it("judges an item object by its readiness and compliance, as vm-operator's controller does", async () => {
    const t = setup(() => ({}));
    const item = t.vsphere.library.createItem(t.lib, ubuntu);
    const made = await t.kube.create({
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ContentLibraryItem',
      metadata: { name: 'clitem-handmade', namespace: 'ns1' },
      spec: { uuid: item },
    });
    const setStatus = async (status: object) => {
      const current = await t.kube.get({
        apiVersion: IMAGE_REGISTRY_API_VERSION,
        kind: 'ContentLibraryItem',
        namespace: 'ns1',
        name: made.metadata.name ?? '',
      });
      await t.kube.updateStatus({ ...current, status });
      await t.settle();
    };
    const image = async () => (await t.namespaced('ns1')).find((i) => i.metadata.name === 'vmi-handmade');
    const ready = async () => (await image())?.status;
    const typeLabel = async () => (await image())?.metadata.labels?.['image.vmoperator.vmware.com/type'];
    await setStatus({
      name: 'golden',
      type: 'OVF',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    });
    expect(await ready()).toMatchObject({
      name: 'golden',
      providerItemID: item,
      type: 'OVF',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'VirtualMachineImageProviderSecurityNotCompliant',
          message: 'Provider item is not security compliant',
        },
      ],
    });
    // Its status goes to labels only as a sync is tried.
    expect(await typeLabel()).toBeUndefined();
    await setStatus({
      name: 'golden',
      securityCompliance: true,
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    });
    expect((await ready())?.conditions?.[0]).toMatchObject({
      reason: 'VirtualMachineImageProviderNotReady',
      message: 'Provider item is not in ready condition',
    });
    await setStatus({
      name: 'golden',
      securityCompliance: true,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    });
    // The name is the item object's; the content, vSphere's item's.
    expect(await ready()).toMatchObject({
      name: 'golden',
      productInfo: { product: 'ubuntu-2204-kube-v1.30.0' },
      firmware: 'efi',
      conditions: [{ type: 'Ready', status: 'True' }],
    });

    // An item vSphere no longer has: the next sync fails, and says so.
    t.vsphere.library.deleteItem(item);
    await setStatus({
      name: 'golden',
      type: 'ISO',
      contentVersion: '2',
      securityCompliance: true,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    });
    expect((await ready())?.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'VirtualMachineImageNotSynced',
      message: 'Failed to sync to the latest content version from provider',
    });
    expect((await ready())?.firmware).toBe('efi');
    // A sync tried and failed labels the image with its status all the same.
    expect(await typeLabel()).toBe('ISO');

    await t.kube.create({
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ContentLibraryItem',
      metadata: { name: 'misnamed', namespace: 'ns1' },
      spec: { uuid: item },
    });
    await t.settle();
    // Skipped for good, as vm-operator skips a name it cannot turn into an image's: no finalizer,
    // no image, no error to retry.
    const misnamed = await t.kube.get({
      apiVersion: IMAGE_REGISTRY_API_VERSION,
      kind: 'ContentLibraryItem',
      namespace: 'ns1',
      name: 'misnamed',
    });
    expect(misnamed.metadata.finalizers).toBeUndefined();
    expect(t.images.controller.errors.has('ns1/misnamed')).toBe(false);
    expect((await t.namespaced('ns1')).map((i) => i.metadata.name)).not.toContain('vmi-misnamed');
  });
});
