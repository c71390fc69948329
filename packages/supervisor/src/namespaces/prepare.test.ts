import {
  type DatastoreRecord,
  findByInventoryPath,
  type ResourcePoolRecord,
  VirtualClock,
  type VmRecord,
} from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { IMAGE_API_VERSION } from '../controllers/images/image-controller.js';
import { createSupervisorFixture } from '../testing/fixture.js';
import {
  NAMESPACE_FOLDER_ANNOTATION,
  NAMESPACE_POOL_ANNOTATION,
  PROVIDER_CONFIG_MAP,
  PROVIDER_CREDENTIALS_SECRET,
  placementOf,
  storageQuotaKey,
  VM_OPERATOR_NAMESPACE,
} from './layout.js';
import { DEFAULT_VM_CLASS_NAMES } from './vm-classes.js';

const list = async (
  kube: import('../store/kube-store.js').KubeStore,
  apiVersion: string,
  kind: string,
  namespace?: string,
) => (await kube.list({ apiVersion, kind, ...(namespace ? { namespace } : {}) })).items;

describe('prepareNamespace', () => {
  it('lays the namespace out in vSphere and points the Namespace object at it', async () => {
    const { vsphere, kube, supervisor } = await createSupervisorFixture();
    const prepared = await supervisor.prepareNamespace('ns1');
    const pool = findByInventoryPath(vsphere.store, '/DC0/host/DC0_C0/Resources/Namespaces/ns1');
    const folder = findByInventoryPath(vsphere.store, '/DC0/vm/Namespaces/ns1');
    expect(pool?.kind).toBe('ResourcePool');
    expect(folder?.kind).toBe('Folder');
    expect(prepared).toMatchObject({
      name: 'ns1',
      pool: pool?.id,
      folder: folder?.id,
      cluster: supervisor.cluster,
    });
    const ns = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' });
    expect(ns.metadata.annotations).toEqual({
      [NAMESPACE_POOL_ANNOTATION]: pool?.id,
      [NAMESPACE_FOLDER_ANNOTATION]: folder?.id,
    });
    const zones = await list(kube, 'topology.tanzu.vmware.com/v1alpha1', 'Zone', 'ns1');
    expect(placementOf(ns, zones)).toEqual({ pool: pool?.id, folder: folder?.id, zone: supervisor.zone });
    expect(placementOf(ns, [])).toEqual({ pool: pool?.id, folder: folder?.id });
    const az = await kube.get({
      apiVersion: 'topology.tanzu.vmware.com/v1alpha1',
      kind: 'AvailabilityZone',
      name: prepared.zone,
    });
    expect(az.spec).toEqual({
      clusterComputeResourceMoIDs: [supervisor.cluster],
      namespaces: { ns1: { poolMoIDs: [pool?.id], folderMoId: folder?.id } },
    });
  });

  it('gives the namespace the default classes, a storage class in its quota, a default network and images', async () => {
    const { kube, supervisor, settle } = await createSupervisorFixture();
    const prepared = await supervisor.prepareNamespace('ns1');
    await settle();
    const classes = await list(kube, 'vmoperator.vmware.com/v1alpha5', 'VirtualMachineClass', 'ns1');
    expect(classes.map((c) => c.metadata.name)).toEqual([...DEFAULT_VM_CLASS_NAMES].sort());
    expect(classes.find((c) => c.metadata.name === 'guaranteed-small')?.spec).toEqual({
      hardware: { cpus: 2, memory: '4Gi' },
      policies: { resources: { requests: { cpu: '2', memory: '4Gi' } } },
    });
    const quota = await kube.get({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      namespace: 'ns1',
      name: 'ns1-storagequota',
    });
    expect(Object.keys((quota.spec as { hard: object }).hard)).toEqual([
      storageQuotaKey(prepared.storageClass),
    ]);
    await expect(
      kube.get({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: prepared.storageClass }),
    ).resolves.toMatchObject({
      provisioner: 'csi.vsphere.vmware.com',
      allowVolumeExpansion: true,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    });
    const networks = await list(kube, 'netoperator.vmware.com/v1alpha1', 'Network', 'ns1');
    expect(networks.map((n) => n.metadata.name)).toEqual(['primary']);
    const images = await list(kube, IMAGE_API_VERSION, 'VirtualMachineImage', 'ns1');
    expect(images.map((i) => (i.status as { name: string }).name).sort()).toEqual([
      'photon-5-kube-v1.30.0',
      'ubuntu-2204-kube-v1.30.0',
    ]);
    expect(
      images.every(
        (i) =>
          (i.status as { productInfo?: object; osInfo?: object }).productInfo &&
          (i.status as { osInfo?: object }).osInfo,
      ),
    ).toBe(true);
  });

  it("provides vm-operator's ConfigMap and credential Secret with the first namespace", async () => {
    const { kube, vsphere, supervisor } = await createSupervisorFixture();
    // A Supervisor without namespaces writes nothing.
    expect(kube.resourceVersion).toBe(String(kube.direct.list('v1', 'Namespace').length));
    await supervisor.prepareNamespace('ns1');
    const config = await kube.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: VM_OPERATOR_NAMESPACE,
      name: PROVIDER_CONFIG_MAP,
    });
    expect(config.data).toMatchObject({
      Datacenter: findByInventoryPath(vsphere.store, '/DC0')?.id,
      InsecureSkipTLSVerify: 'true',
    });
    const secret = await kube.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: VM_OPERATOR_NAMESPACE,
      name: PROVIDER_CREDENTIALS_SECRET,
    });
    expect(Object.keys(secret.data as object).sort()).toEqual(['password', 'username']);
  });

  it('is idempotent, and several namespaces share the library but not pool or folder', async () => {
    const { vsphere, kube, supervisor } = await createSupervisorFixture({ namespaces: ['ns1'] });
    const version = vsphere.store.version;
    const rv = kube.resourceVersion;
    const again = await supervisor.prepareNamespace('ns1');
    expect(vsphere.store.version).toBe(version);
    expect(kube.resourceVersion).toBe(rv);
    const other = await supervisor.prepareNamespace('ns2');
    expect(other.libraries).toEqual(again.libraries);
    expect(other.pool).not.toBe(again.pool);
    expect(other.folder).not.toBe(again.folder);
    expect(vsphere.library.list()).toHaveLength(1);
  });

  it("limits nothing by default: VMs past the network's first /24 and its datastore's capacity all run", async () => {
    const { vsphere, kube, supervisor, settle } = await createSupervisorFixture();
    const prepared = await supervisor.prepareNamespace('ns1');
    await settle();
    const images = await list(kube, IMAGE_API_VERSION, 'VirtualMachineImage', 'ns1');
    const count = 300;
    for (let i = 0; i < count; i++)
      await kube.create({
        apiVersion: IMAGE_API_VERSION,
        kind: 'VirtualMachine',
        metadata: { name: `vm-${i}`, namespace: 'ns1' },
        spec: {
          className: 'best-effort-small',
          image: { kind: 'VirtualMachineImage', name: images[0]?.metadata.name },
          storageClass: prepared.storageClass,
        },
      });
    await settle();
    const vms = (await list(kube, IMAGE_API_VERSION, 'VirtualMachine', 'ns1')) as {
      status?: { powerState?: string; network?: { primaryIP4?: string }; uniqueID?: string };
    }[];
    expect(vms.filter((vm) => vm.status?.powerState === 'PoweredOn')).toHaveLength(count);
    // More addresses than a /24 holds: net-operator took another subnet.
    const subnets = new Set(
      vms.map((vm) => vm.status?.network?.primaryIP4?.split('.').slice(0, 3).join('.')),
    );
    expect(subnets.size).toBeGreaterThan(1);
    // More taken than the datastore holds: thin disks overcommit it, and no deployment fails.
    const record = vsphere.store.get(vms[0]?.status?.uniqueID as string) as VmRecord;
    const ds = vsphere.store.get(record.datastores[0] as string) as DatastoreRecord;
    expect(ds.used).toBeGreaterThan(ds.capacity);
  });

  it('honours a chosen class list, storage class and limit', async () => {
    const { kube, supervisor } = await createSupervisorFixture();
    await supervisor.prepareNamespace('ns1', {
      classes: ['best-effort-small'],
      storageClass: 'gold',
      storageLimit: '100Gi',
    });
    const classes = await list(kube, 'vmoperator.vmware.com/v1alpha5', 'VirtualMachineClass', 'ns1');
    expect(classes.map((c) => c.metadata.name)).toEqual(['best-effort-small']);
    const quota = () =>
      kube.get({ apiVersion: 'v1', kind: 'ResourceQuota', namespace: 'ns1', name: 'ns1-storagequota' });
    expect((await quota()).spec).toEqual({ hard: { [storageQuotaKey('gold')]: '100Gi' } });
    // A change of storage class replaces the quota's limits; classes not named go.
    await supervisor.updateNamespace('ns1', { storageClass: 'silver', classes: ['guaranteed-small'] });
    expect((await quota()).spec).toEqual({ hard: { [storageQuotaKey('silver')]: '1Ei' } });
    const after = await list(kube, 'vmoperator.vmware.com/v1alpha5', 'VirtualMachineClass', 'ns1');
    expect(after.map((c) => c.metadata.name)).toEqual(['guaranteed-small']);
  });

  it("sets CPU and memory limits on the namespace's pool, kept by preparing again, removed by null", async () => {
    const { vsphere, supervisor } = await createSupervisorFixture();
    const { pool } = await supervisor.prepareNamespace('ns1', { cpuLimitMhz: 3000, memoryLimitMiB: 2048 });
    const limits = () => {
      const record = vsphere.store.get(pool) as ResourcePoolRecord;
      return [record.cpuAllocation.limit, record.memoryAllocation.limit];
    };
    expect(limits()).toEqual([3000, 2048]);
    await supervisor.prepareNamespace('ns1');
    expect(limits()).toEqual([3000, 2048]);
    await supervisor.updateNamespace('ns1', { cpuLimitMhz: null });
    expect(limits()).toEqual([-1, 2048]);
    await supervisor.updateNamespace('ns1', { memoryLimitMiB: 4096, classes: ['best-effort-small'] });
    expect(limits()).toEqual([-1, 4096]);
  });

  it('runs on a chosen cluster and refuses an unknown one', async () => {
    const clock = new VirtualClock();
    const { supervisor, vsphere } = await createSupervisorFixture({ cluster: 'DC0_C0', vsphere: { clock } });
    expect(supervisor.cluster).toBe(findByInventoryPath(vsphere.store, '/DC0/host/DC0_C0')?.id);
    await expect(createSupervisorFixture({ cluster: 'nope' })).rejects.toThrow('no cluster nope');
  });

  it('cleans vSphere up once a namespace and its VMs are gone', async () => {
    const { vsphere, kube, supervisor, settle, find } = await createSupervisorFixture({
      namespaces: ['ns1', 'ns2'],
    });
    const prepared = await supervisor.prepareNamespace('ns1');
    const [image] = (await list(kube, 'vmoperator.vmware.com/v1alpha5', 'VirtualMachineImage', 'ns1')).map(
      (i) => i.metadata.name,
    );
    await kube.create({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', namespace: 'ns1' },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: image },
        storageClass: prepared.storageClass,
      },
    });
    await settle();
    const vms = vsphere.store.countOf('VirtualMachine');
    await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' });
    await settle();
    expect(await find({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' })).toBeUndefined();
    expect(vsphere.store.countOf('VirtualMachine')).toBe(vms - 1);
    expect(vsphere.store.get(prepared.pool)).toBeUndefined();
    expect(vsphere.store.get(prepared.folder)).toBeUndefined();
    const az = await kube.get({
      apiVersion: 'topology.tanzu.vmware.com/v1alpha1',
      kind: 'AvailabilityZone',
      name: prepared.zone,
    });
    expect(Object.keys((az.spec as { namespaces: object }).namespaces)).toEqual(['ns2']);
    expect(findByInventoryPath(vsphere.store, '/DC0/vm/Namespaces/ns2')).toBeDefined();
  });
});
