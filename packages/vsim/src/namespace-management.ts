/**
 * vCenter's namespace-management API as a view of the Supervisor: clusters, namespaces and
 * VM classes are read from the Supervisor's object store and vSphere model on every call,
 * and changes go through the Supervisor (prepareNamespace, updateNamespace, deleting the
 * Namespace object), so the REST facade never holds a copy of its own.
 *
 * Where vCenter keeps what Kubernetes has no field for (a namespace's description and access
 * list), it is kept as annotations of the Namespace object.
 */
import type {
  ClusterStats,
  NamespaceAccess,
  NamespaceInfo,
  NamespaceManagementSource,
  NamespaceResourceChanges,
  NamespaceResourceSpec,
  NamespaceUpdateSpec,
  StorageSpec,
  SupervisorClusterInfo,
  SupervisorInfo,
  VmClassCreateSpec,
  VmClassInfo,
} from '@vsim/rest';
import {
  cpusOf,
  cpusQuantity,
  type KubeObject,
  type KubeStore,
  mebibytesOf,
  mebibytesQuantity,
  NAMESPACE_CLUSTER_LABEL,
  NAMESPACE_POOL_ANNOTATION,
  NO_STORAGE_LIMIT,
  SUPERVISOR_API_ADDRESS,
  type Supervisor,
  storageClassOfQuotaKey,
  type VirtualMachineClassSpec,
} from '@vsim/supervisor';
import { faults, type ResourcePoolRecord, type VmRecord, type VSphere } from '@vsim/vsphere';

const DESCRIPTION_ANNOTATION = 'vsim.io/description';
const ACCESS_ANNOTATION = 'vsim.io/access-list';
const VM_OPERATOR = 'vmoperator.vmware.com/v1alpha6';
const STORAGE_CLASS = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' } as const;
/** The Supervisor's control plane: a floating address on the management network and three VMs. */
const MANAGEMENT_ENDPOINT = '10.192.0.10';
const API_SERVERS = ['10.192.0.11', '10.192.0.12', '10.192.0.13'];
const MB = 1024 * 1024;

/** `kube` is asked for at each request: a REST client that never lists namespaces never makes the store. */
export function namespaceManagement(
  kube: () => KubeStore,
  supervisor: () => Supervisor,
  vsphere: VSphere,
): NamespaceManagementSource {
  const namespaceObjects = () =>
    kube()
      .direct.list('v1', 'Namespace')
      .filter((ns) => ns.metadata.labels?.[NAMESPACE_CLUSTER_LABEL] === supervisor().cluster);

  const storageClasses = () => kube().direct.list(STORAGE_CLASS.apiVersion, STORAGE_CLASS.kind);
  const policyOf = (storageClass: string) =>
    (
      storageClasses().find((c) => c.metadata.name === storageClass)?.parameters as {
        storagePolicyID?: string;
      }
    )?.storagePolicyID ?? storageClass;
  const storageClassOf = (policy: string) => {
    const found = storageClasses().find(
      (c) =>
        (c.parameters as { storagePolicyID?: string } | undefined)?.storagePolicyID === policy ||
        c.metadata.name === policy,
    );
    if (!found) throw faults.invalidArgument('storage_specs.policy');
    return found.metadata.name as string;
  };

  const storageSpecsOf = (name: string): StorageSpec[] =>
    kube()
      .direct.list('v1', 'ResourceQuota', name)
      .flatMap((quota) =>
        Object.entries((quota.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {}).flatMap(
          ([key, limit]) => {
            const storageClass = storageClassOfQuotaKey(key);
            if (storageClass === undefined) return [];
            const policy = policyOf(storageClass);
            const mb = limit === NO_STORAGE_LIMIT ? undefined : mebibytesOf(limit);
            return [mb === undefined ? { policy } : { policy, limit: mb }];
          },
        ),
      );

  const vmsOf = (namespace?: string) =>
    kube().direct.list(VM_OPERATOR, 'VirtualMachine', namespace) as (KubeObject & {
      spec?: { className?: string };
      status?: { uniqueID?: string };
    })[];

  const info = (ns: KubeObject): NamespaceInfo => {
    const name = ns.metadata.name as string;
    const annotations = ns.metadata.annotations ?? {};
    const vms = vmsOf(name).flatMap((vm) => {
      const record = vm.status?.uniqueID ? vsphere.store.get(vm.status.uniqueID) : undefined;
      return record?.kind === 'VirtualMachine' ? [record as VmRecord] : [];
    });
    return {
      namespace: name,
      cluster: supervisor().cluster as string,
      description: annotations[DESCRIPTION_ANNOTATION] ?? '',
      config_status: ns.metadata.deletionTimestamp ? 'REMOVING' : 'RUNNING',
      self_service_namespace: false,
      stats: {
        cpu_used: 0,
        memory_used: vms
          .filter((v) => v.powerState === 'poweredOn')
          .reduce((sum, v) => sum + v.config.memoryMB, 0),
        storage_used: 0,
      },
      messages: [],
      access_list: JSON.parse(annotations[ACCESS_ANNOTATION] ?? '[]') as NamespaceAccess[],
      storage_specs: storageSpecsOf(name),
      vm_service_spec: {
        vm_classes: kube()
          .direct.list(VM_OPERATOR, 'VirtualMachineClass', name)
          .map((c) => c.metadata.name as string),
        content_libraries: supervisor().images.librariesOf(name),
      },
      resource_spec: limitsOf(annotations[NAMESPACE_POOL_ANNOTATION]),
    };
  };

  /** The namespace's CPU and memory limits: its pool's (the first zone's; every zone's alike). */
  const limitsOf = (pool: string | undefined): NamespaceResourceSpec => {
    const record =
      pool === undefined ? undefined : (vsphere.store.get(pool) as ResourcePoolRecord | undefined);
    if (record?.kind !== 'ResourcePool') return {};
    const { cpuAllocation: cpu, memoryAllocation: memory } = record;
    return {
      ...(cpu.limit >= 0 ? { cpu_limit: cpu.limit } : {}),
      ...(memory.limit >= 0 ? { memory_limit: memory.limit } : {}),
    };
  };

  /** A spec's `resource_spec` as the Supervisor's limits: a limit left out stays, `null` removes it. */
  const limitChanges = (resources: NamespaceResourceChanges | undefined) => ({
    ...(resources?.cpu_limit === undefined ? {} : { cpuLimitMhz: resources.cpu_limit }),
    ...(resources?.memory_limit === undefined ? {} : { memoryLimitMiB: resources.memory_limit }),
  });

  const annotate = async (name: string, spec: NamespaceUpdateSpec) => {
    const annotations: Record<string, string> = {};
    if (spec.description !== undefined) annotations[DESCRIPTION_ANNOTATION] = spec.description;
    if (spec.access_list !== undefined) annotations[ACCESS_ANNOTATION] = JSON.stringify(spec.access_list);
    if (Object.keys(annotations).length > 0)
      await kube().patch(
        { apiVersion: 'v1', kind: 'Namespace', name },
        { metadata: { annotations } },
        { type: 'merge' },
      );
  };

  const storageChanges = (specs: readonly StorageSpec[] | undefined) => {
    const first = specs?.[0];
    if (specs === undefined) return {};
    if (!first) return { storageLimit: NO_STORAGE_LIMIT };
    return {
      storageClass: storageClassOf(first.policy),
      storageLimit: first.limit === undefined ? NO_STORAGE_LIMIT : `${first.limit}Mi`,
    };
  };

  /** What clusters hold: CPU and memory summed, the storage of the datastores they mount (each once). */
  const statsOf = (clusters: readonly string[]): ClusterStats => {
    let cpu = 0;
    let memory = 0;
    const datastores = new Set<string>();
    for (const cluster of clusters) {
      const summary = vsphere.read<{ totalCpu: number; totalMemory: number }>(cluster, 'summary');
      cpu += summary.totalCpu;
      memory += summary.totalMemory;
      for (const ds of vsphere.read<{ value: string }[]>(cluster, 'datastore')) datastores.add(ds.value);
    }
    let storage = 0;
    for (const ds of datastores) storage += vsphere.read<number>(ds, 'summary.capacity');
    return {
      cpu_used: 0,
      cpu_capacity: cpu,
      memory_used: 0,
      memory_capacity: Math.floor(memory / MB),
      storage_used: 0,
      storage_capacity: Math.floor(storage / MB),
    };
  };

  /**
   * One of the Supervisor's clusters: with several zones, each is listed and each is a valid id
   * for the calls that take a cluster, as vCenter lists a zonal Supervisor's.
   */
  const clusterInfo = (cluster: string): SupervisorClusterInfo => ({
    cluster,
    cluster_name: vsphere.lookup(cluster).name,
    config_status: 'RUNNING',
    kubernetes_status: 'READY',
    api_server_cluster_endpoint: SUPERVISOR_API_ADDRESS,
    api_server_management_endpoint: MANAGEMENT_ENDPOINT,
    api_servers: API_SERVERS,
    network_provider: 'VSPHERE_NETWORK',
    stats: statsOf([cluster]),
  });

  /**
   * The Supervisor: its id as vCenter makes one (its first cluster's and the vCenter's), the
   * first cluster's name, what its clusters hold, a zone per cluster (named by it).
   */
  const supervisors = (): SupervisorInfo[] => {
    const { cluster, clusters } = supervisor();
    if (cluster === undefined) return [];
    return [
      {
        supervisor: `${cluster}:${vsphere.about.instanceUuid}`,
        name: vsphere.lookup(cluster).name,
        config_status: 'RUNNING',
        kubernetes_status: 'READY',
        stats: statsOf(clusters),
        topology: clusters.map((c) => ({ zone: c, clusters: [c] })),
      },
    ];
  };

  return {
    clusters: () => supervisor().clusters.map(clusterInfo),
    supervisors,
    namespaces: () => namespaceObjects().map(info),
    namespace(name) {
      const ns = namespaceObjects().find((n) => n.metadata.name === name);
      return ns && info(ns);
    },
    async createNamespace(spec) {
      const storage = storageChanges(spec.storage_specs);
      await supervisor().prepareNamespace(spec.namespace, {
        classes: spec.vm_service_spec?.vm_classes ?? [],
        libraries: spec.vm_service_spec?.content_libraries ?? [],
        ...storage,
        ...limitChanges(spec.resource_spec),
      });
      await annotate(spec.namespace, spec);
    },
    async updateNamespace(name, spec) {
      await supervisor().updateNamespace(name, {
        ...(spec.vm_service_spec?.vm_classes ? { classes: spec.vm_service_spec.vm_classes } : {}),
        ...(spec.vm_service_spec?.content_libraries
          ? { libraries: spec.vm_service_spec.content_libraries }
          : {}),
        ...storageChanges(spec.storage_specs),
        ...limitChanges(spec.resource_spec),
      });
      await annotate(name, spec);
    },
    async deleteNamespace(name) {
      await kube().delete({ apiVersion: 'v1', kind: 'Namespace', name });
    },
    vmClasses(): VmClassInfo[] {
      const objects = kube().direct.list(VM_OPERATOR, 'VirtualMachineClass');
      const vms = vmsOf();
      return supervisor()
        .vmClasses.list()
        .map(({ name: id, spec }) => ({
          id,
          ...restFieldsOf(spec),
          namespaces: objects
            .filter((c) => c.metadata.name === id)
            .map((c) => c.metadata.namespace as string),
          vms: vms
            .filter((vm) => vm.spec?.className === id && vm.status?.uniqueID)
            .map((vm) => vm.status?.uniqueID as string),
          config_status: 'READY',
        }));
    },
    createVmClass({ id, ...fields }) {
      supervisor().vmClasses.create({ name: id, spec: classSpecOf(fields) });
    },
    async updateVmClass(id, changes) {
      // Merged into the class as it is when its change runs, after any change before it.
      await supervisor().vmClasses.update(id, (current) => {
        const { cpu_reservation: _cpu, memory_reservation: _memory, ...kept } = restFieldsOf(current);
        return withUnmodelled(current, classSpecOf({ ...kept, ...changes }));
      });
    },
    deleteVmClass: (id) => supervisor().vmClasses.delete(id),
  };
}

type VmClassFields = Omit<VmClassCreateSpec, 'id'>;

/**
 * A class as vCenter's API shows it: its reservations as percentages of its CPUs and memory,
 * what its VirtualMachineClass spec requests (a class requesting none reserves nothing).
 */
function restFieldsOf(
  spec: VirtualMachineClassSpec,
): VmClassFields & Required<Pick<VmClassFields, 'description' | 'devices'>> {
  const cpus = spec.hardware?.cpus ?? 0;
  const memory = mebibytesOf(spec.hardware?.memory ?? '0') ?? 0;
  const requests = spec.policies?.resources?.requests;
  const percent = (requested: number | undefined, of: number) =>
    requested === undefined || of === 0 ? undefined : Math.min(100, Math.round((requested / of) * 100));
  const cpuReservation = percent(requests?.cpu === undefined ? undefined : cpusOf(requests.cpu), cpus);
  const memoryReservation = percent(
    requests?.memory === undefined ? undefined : mebibytesOf(requests.memory),
    memory,
  );
  const devices = spec.hardware?.devices;
  return {
    cpu_count: cpus,
    memory_mb: memory,
    ...(cpuReservation ? { cpu_reservation: cpuReservation } : {}),
    ...(memoryReservation ? { memory_reservation: memoryReservation } : {}),
    description: spec.description ?? '',
    devices: {
      vgpu_devices: (devices?.vgpuDevices ?? []).map((d) => ({ profile_name: d.profileName })),
      dynamic_direct_path_io_devices: (devices?.dynamicDirectPathIODevices ?? []).map((d) => ({
        vendor_id: d.vendorID,
        device_id: d.deviceID,
        ...(d.customLabel === undefined ? {} : { custom_label: d.customLabel }),
      })),
    },
    ...(spec.configSpec ? { config_spec: spec.configSpec as Record<string, unknown> } : {}),
  };
}

/** `next` (what vCenter's API describes) with what of `current` that API has no field for: limits, instance storage, ... */
function withUnmodelled(
  current: VirtualMachineClassSpec,
  next: VirtualMachineClassSpec,
): VirtualMachineClassSpec {
  const { hardware, policies, description: _description, configSpec: _configSpec, ...others } = current;
  const { cpus: _cpus, memory: _memory, devices: _devices, ...otherHardware } = hardware ?? {};
  const limits = policies?.resources?.limits;
  const requests = next.policies?.resources?.requests;
  const { policies: _policies, ...described } = next;
  return {
    ...others,
    ...described,
    hardware: { ...otherHardware, ...next.hardware },
    ...(limits || requests
      ? { policies: { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } } }
      : {}),
  };
}

/** The VirtualMachineClass spec of a class vCenter's API describes: reservations become requests. */
function classSpecOf(fields: VmClassFields): VirtualMachineClassSpec {
  const requests = {
    ...(fields.cpu_reservation
      ? { cpu: cpusQuantity((fields.cpu_count * fields.cpu_reservation) / 100) }
      : {}),
    ...(fields.memory_reservation
      ? { memory: mebibytesQuantity(Math.round((fields.memory_mb * fields.memory_reservation) / 100)) }
      : {}),
  };
  const vgpus = fields.devices?.vgpu_devices ?? [];
  const directPath = fields.devices?.dynamic_direct_path_io_devices ?? [];
  const devices = {
    ...(vgpus.length > 0 ? { vgpuDevices: vgpus.map((d) => ({ profileName: d.profile_name })) } : {}),
    ...(directPath.length > 0
      ? {
          dynamicDirectPathIODevices: directPath.map((d) => ({
            vendorID: d.vendor_id,
            deviceID: d.device_id,
            ...(d.custom_label === undefined ? {} : { customLabel: d.custom_label }),
          })),
        }
      : {}),
  };
  return {
    hardware: {
      cpus: fields.cpu_count,
      memory: mebibytesQuantity(fields.memory_mb),
      ...(Object.keys(devices).length > 0 ? { devices } : {}),
    },
    ...(Object.keys(requests).length > 0 ? { policies: { resources: { requests } } } : {}),
    ...(fields.description ? { description: fields.description } : {}),
    ...(fields.config_spec ? { configSpec: fields.config_spec } : {}),
  };
}
