/**
 * vCenter's namespace-management endpoints over a NamespaceManagementSource (the Supervisor),
 * the same paths in both URL styles:
 *
 * - `GET /vcenter/namespace-management/clusters[/{cluster}]`: the clusters running a
 *   Supervisor (summaries, then one cluster's info; 404 for a cluster without one).
 * - `GET /vcenter/namespace-management/supervisors/summaries`, `.../supervisors/{supervisor}/summary`
 *   and `.../topology`: the Supervisors, one's summary, the zones and clusters it runs on.
 * - `/vcenter/namespaces/instances`: GET lists summaries, POST creates (`/api`: the bare
 *   CreateSpec, 204; `/rest`: `{"spec": ...}`, 200). `.../instances/{namespace}`: GET info,
 *   PATCH changes the fields given, PUT sets the whole configuration (fields left out are
 *   cleared), DELETE removes; specs wrapped as `{"spec": ...}` in `/rest`.
 * - `/vcenter/namespace-management/virtual-machine-classes`: GET lists vCenter's VM classes,
 *   POST creates one (`/api`: the bare CreateSpec, 204; `/rest`: `{"spec": ...}`, 200);
 *   `.../{vm_class}`: GET info, PATCH changes the fields given, DELETE removes it (from every
 *   namespace too). `/rest` spells two names as vCenter's IDL does, `memory_MB` and
 *   `dynamic_direct_path_IO_devices`; `/api` lowercases them, and takes `memory_MB` too, as
 *   govmomi sends it.
 *
 * Every spec is checked here before the source sees it: a missing or mistyped field, a name
 * that is no DNS-1123 label, a cluster without a Supervisor, an unknown VM class or content
 * library is 400 invalid_argument naming the field as the style spells it. Fields this facade
 * does not model (networks, creator, `resource_spec`'s quotas other than its CPU and memory
 * limits, ...) are ignored, as a newer server's fields are by an older one.
 */
import { bool, fieldName, int, invalid, isObject, type Json, obj, specOf, str } from '../content/wire.js';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import type { Reply } from '../styles.js';
import type {
  NamespaceAccess,
  NamespaceInfo,
  NamespaceManagementSource,
  NamespaceResourceChanges,
  NamespaceUpdateSpec,
  StorageSpec,
  SupervisorClusterInfo,
  SupervisorInfo,
  VmClassCreateSpec,
  VmClassDevices,
  VmClassInfo,
  VmClassUpdateSpec,
  VmServiceSpec,
} from './source.js';

// The source's types are part of this module's API: whoever implements the source needs them.
export type * from './source.js';

const CLUSTERS = '/vcenter/namespace-management/clusters';
const SUPERVISORS = '/vcenter/namespace-management/supervisors';
const VM_CLASSES = '/vcenter/namespace-management/virtual-machine-classes';
const INSTANCES = '/vcenter/namespaces/instances';
/** The name of the spec parameter of create, update and set: the `/rest` wrapper. */
const SPEC = 'spec';

/** Kubernetes' DNS-1123 label, which vCenter requires of a namespace name (and at most 63 long). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBJECT_TYPES = ['USER', 'GROUP'] as const;
const ROLES = ['OWNER', 'EDIT', 'VIEW'] as const;

/** Turns a spec field into its name on the wire (`spec.cluster` in `/rest`, `cluster` in `/api`). */
type Namer = (field: string) => string;
const namer =
  (call: Call): Namer =>
  (field) =>
    fieldName(call, SPEC, field);

const notFound = (what: string, id: string) =>
  restError('not_found', `The ${what} '${id}' does not exist.`, undefined, [id]);

const alreadyExists = (what: string, id: string) =>
  restError('already_exists', `The ${what} '${id}' already exists.`, undefined, [id]);

// ---- wire shapes -------------------------------------------------------------------------

const clusterSummary = (c: SupervisorClusterInfo) => ({
  cluster: c.cluster,
  cluster_name: c.cluster_name,
  stats: c.stats,
  config_status: c.config_status,
  kubernetes_status: c.kubernetes_status,
});

const clusterInfo = (c: SupervisorClusterInfo) => ({
  stat_summary: c.stats,
  config_status: c.config_status,
  messages: c.messages ?? [],
  kubernetes_status: c.kubernetes_status,
  kubernetes_status_messages: c.kubernetes_status_messages ?? [],
  api_server_management_endpoint: c.api_server_management_endpoint,
  api_server_cluster_endpoint: c.api_server_cluster_endpoint,
  api_servers: c.api_servers,
  network_provider: c.network_provider,
});

const supervisorSummary = (s: SupervisorInfo) => ({
  name: s.name,
  stats: s.stats,
  config_status: s.config_status,
  kubernetes_status: s.kubernetes_status,
});

const namespaceSummary = (n: NamespaceInfo) => ({
  cluster: n.cluster,
  namespace: n.namespace,
  description: n.description,
  config_status: n.config_status,
  stats: n.stats,
  self_service_namespace: n.self_service_namespace,
});

const namespaceInfo = (n: NamespaceInfo) => ({
  cluster: n.cluster,
  config_status: n.config_status,
  messages: n.messages,
  stats: n.stats,
  description: n.description,
  access_list: n.access_list,
  storage_specs: n.storage_specs,
  vm_service_spec: {
    vm_classes: n.vm_service_spec.vm_classes,
    content_libraries: n.vm_service_spec.content_libraries,
  },
  resource_spec: n.resource_spec,
  self_service_namespace: n.self_service_namespace,
});

/** The names `/rest` spells as vCenter's IDL does, where `/api` lowercases them. */
const MEMORY = { api: 'memory_mb', rest: 'memory_MB' } as const;
const DIRECT_PATH_IO_DEVICES = {
  api: 'dynamic_direct_path_io_devices',
  rest: 'dynamic_direct_path_IO_devices',
} as const;

const vmClassInfo = (call: Call, v: VmClassInfo) => {
  const style = call.style.name;
  return {
    id: v.id,
    cpu_count: v.cpu_count,
    cpu_reservation: v.cpu_reservation,
    [MEMORY[style]]: v.memory_mb,
    memory_reservation: v.memory_reservation,
    description: v.description,
    namespaces: v.namespaces,
    vms: v.vms,
    devices: {
      vgpu_devices: v.devices.vgpu_devices,
      [DIRECT_PATH_IO_DEVICES[style]]: v.devices.dynamic_direct_path_io_devices,
    },
    config_spec: v.config_spec,
    config_status: v.config_status,
    messages: v.messages ?? [],
  };
};

// ---- reading specs -----------------------------------------------------------------------

const strings = (o: Json, key: string, field: string): string[] | undefined => {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw invalid(field, 'must be a list of strings');
  }
  return v;
};

const objects = (o: Json, key: string, field: string): Json[] | undefined => {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every(isObject)) throw invalid(field, 'must be a list of objects');
  return v;
};

const oneOf = <T extends string>(o: Json, key: string, field: string, values: readonly T[]): T => {
  const v = str(o, key, field, true) as string;
  if (!(values as readonly string[]).includes(v)) throw invalid(field, `must be one of ${values.join(', ')}`);
  return v as T;
};

const storageSpecs = (o: Json, name: Namer): StorageSpec[] | undefined =>
  objects(o, 'storage_specs', name('storage_specs'))?.map((s) => {
    const policy = str(s, 'policy', name('storage_specs.policy'), true) as string;
    const limit = int(s, 'limit', name('storage_specs.limit'));
    return limit === undefined ? { policy } : { policy, limit };
  });

const accessList = (o: Json, name: Namer): NamespaceAccess[] | undefined =>
  objects(o, 'access_list', name('access_list'))?.map((a) => {
    const provider = str(a, 'identity_provider', name('access_list.identity_provider'));
    return {
      subject_type: oneOf(a, 'subject_type', name('access_list.subject_type'), SUBJECT_TYPES),
      subject: str(a, 'subject', name('access_list.subject'), true) as string,
      domain: str(a, 'domain', name('access_list.domain'), true) as string,
      role: oneOf(a, 'role', name('access_list.role'), ROLES),
      ...(provider === undefined ? {} : { identity_provider: provider }),
    };
  });

const vmServiceSpec = (o: Json, name: Namer): Partial<VmServiceSpec> | undefined => {
  const spec = obj(o, 'vm_service_spec', name('vm_service_spec'));
  if (spec === undefined) return undefined;
  const classes = strings(spec, 'vm_classes', name('vm_service_spec.vm_classes'));
  const libraries = strings(spec, 'content_libraries', name('vm_service_spec.content_libraries'));
  return {
    ...(classes === undefined ? {} : { vm_classes: classes }),
    ...(libraries === undefined ? {} : { content_libraries: libraries }),
  };
};

/**
 * ResourceQuotaOptionsV1's CPU and memory limits (its Update's `*_unset` removing one); its other
 * quotas are not modelled.
 */
const resourceSpec = (o: Json, name: Namer): NamespaceResourceChanges | undefined => {
  const spec = obj(o, 'resource_spec', name('resource_spec'));
  if (spec === undefined) return undefined;
  const limit = (key: 'cpu_limit' | 'memory_limit') => {
    const value = int(spec, key, name(`resource_spec.${key}`));
    const unset = bool(spec, `${key}_unset`, name(`resource_spec.${key}_unset`));
    if (value !== undefined && unset)
      throw invalid(name(`resource_spec.${key}_unset`), `cannot go with ${key}`);
    return unset ? { [key]: null } : value === undefined ? {} : { [key]: value };
  };
  return { ...limit('cpu_limit'), ...limit('memory_limit') };
};

/** The fields create, update and set share; those left out (or null) are absent. */
const updateSpec = (o: Json, name: Namer): NamespaceUpdateSpec => {
  const description = str(o, 'description', name('description'));
  const access = accessList(o, name);
  const storage = storageSpecs(o, name);
  const vmService = vmServiceSpec(o, name);
  const resources = resourceSpec(o, name);
  return {
    ...(description === undefined ? {} : { description }),
    ...(access === undefined ? {} : { access_list: access }),
    ...(storage === undefined ? {} : { storage_specs: storage }),
    ...(vmService === undefined ? {} : { vm_service_spec: vmService }),
    ...(resources === undefined ? {} : { resource_spec: resources }),
  };
};

/** A set (PUT) replaces the whole configuration: what it leaves out becomes empty. */
const wholeSpec = (spec: NamespaceUpdateSpec): NamespaceUpdateSpec => ({
  description: spec.description ?? '',
  access_list: spec.access_list ?? [],
  storage_specs: spec.storage_specs ?? [],
  vm_service_spec: {
    vm_classes: spec.vm_service_spec?.vm_classes ?? [],
    content_libraries: spec.vm_service_spec?.content_libraries ?? [],
  },
  // A limit left out is none.
  resource_spec: {
    cpu_limit: spec.resource_spec?.cpu_limit ?? null,
    memory_limit: spec.resource_spec?.memory_limit ?? null,
  },
});

/** Every id in `ids` must be among `known()`, asked only when there are ids to check. */
const mustExist = (ids: readonly string[], known: () => readonly string[], field: string, what: string) => {
  if (ids.length === 0) return;
  const have = new Set(known());
  const missing = ids.find((id) => !have.has(id));
  if (missing !== undefined) throw invalid(field, `names the ${what} '${missing}', which does not exist`);
};

/**
 * The VM classes and content libraries a spec names must exist. Libraries live in the
 * vSphere model, so they are looked up there.
 */
const checkReferences = (
  call: Call,
  source: NamespaceManagementSource,
  spec: NamespaceUpdateSpec,
  name: Namer,
) => {
  const vmService = spec.vm_service_spec;
  const classIds = () => source.vmClasses().map((c) => c.id);
  mustExist(vmService?.vm_classes ?? [], classIds, name('vm_service_spec.vm_classes'), 'VM class');
  const libraries = vmService?.content_libraries ?? [];
  const libraryIds = () => call.vsphere.library.list();
  mustExist(libraries, libraryIds, name('vm_service_spec.content_libraries'), 'content library');
};

/** A required field that must be a DNS-1123 label, as vCenter requires of namespace and VM class names. */
const dnsLabel = (spec: Json, key: string, field: string): string => {
  const value = str(spec, key, field, true) as string;
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw invalid(
      field,
      'must be a DNS-1123 label: at most 63 characters a-z, 0-9 and -, beginning and ending with a letter or digit',
    );
  }
  return value;
};

const clusterId = (source: NamespaceManagementSource, spec: Json, name: Namer): string => {
  const field = name('cluster');
  const cluster = str(spec, 'cluster', field, true) as string;
  if (!source.clusters().some((c) => c.cluster === cluster)) {
    throw invalid(field, `names '${cluster}', which is no cluster with a Supervisor`);
  }
  return cluster;
};

// ---- operations --------------------------------------------------------------------------

const clusterOf = (source: NamespaceManagementSource, call: Call): SupervisorClusterInfo => {
  const id = call.params.cluster ?? '';
  const cluster = source.clusters().find((c) => c.cluster === id);
  if (cluster === undefined) throw notFound('cluster with a Supervisor', id);
  return cluster;
};

/** Summary.FilterSpec: the statuses the query names, each left out matching any. */
const matchesFilter = (call: Call, s: SupervisorInfo): boolean =>
  (['config_status', 'kubernetes_status'] as const).every((field) => {
    const wanted = call.query.get(field);
    return wanted === null || wanted === s[field];
  });

const supervisorOf = (source: NamespaceManagementSource, call: Call): SupervisorInfo => {
  const id = call.params.supervisor ?? '';
  const supervisor = source.supervisors().find((s) => s.supervisor === id);
  if (supervisor === undefined) throw notFound('supervisor', id);
  return supervisor;
};

const existing = (source: NamespaceManagementSource, call: Call): NamespaceInfo => {
  const name = call.params.namespace ?? '';
  const info = source.namespace(name);
  if (info === undefined) throw notFound('namespace', name);
  return info;
};

const vmClassOf = (source: NamespaceManagementSource, call: Call): VmClassInfo => {
  const id = call.params.vm_class ?? '';
  const vmClass = source.vmClasses().find((c) => c.id === id);
  if (vmClass === undefined) throw notFound('VM class', id);
  return vmClass;
};

/** An integer from `min` to `max`, or absent (`required`: a missing one is refused). */
const bounded = (
  o: Json,
  key: string,
  field: string,
  min: number,
  max: number,
  required = false,
): number | undefined => {
  const v = int(o, key, field);
  if (v === undefined && required) throw invalid(field);
  if (v !== undefined && (v < min || v > max)) throw invalid(field, `must be from ${min} to ${max}`);
  return v;
};

/** vSphere 8's largest VM: 768 virtual CPUs, 24 TB of memory. */
const MAX_CPUS = 768;
const MAX_MEMORY_MB = 24 * 1024 * 1024;

const vmClassDevices = (call: Call, o: Json, name: Namer): VmClassDevices | undefined => {
  const devices = obj(o, 'devices', name('devices'));
  if (devices === undefined) return undefined;
  const directKey = DIRECT_PATH_IO_DEVICES[call.style.name];
  const vgpuField = name('devices.vgpu_devices');
  const directField = name(`devices.${directKey}`);
  return {
    vgpu_devices: (objects(devices, 'vgpu_devices', vgpuField) ?? []).map((d) => ({
      profile_name: str(d, 'profile_name', `${vgpuField}.profile_name`, true) as string,
    })),
    dynamic_direct_path_io_devices: (objects(devices, directKey, directField) ?? []).map((d) => {
      const label = str(d, 'custom_label', `${directField}.custom_label`);
      return {
        vendor_id: bounded(d, 'vendor_id', `${directField}.vendor_id`, 0, 0xffff, true) as number,
        device_id: bounded(d, 'device_id', `${directField}.device_id`, 0, 0xffff, true) as number,
        ...(label === undefined ? {} : { custom_label: label }),
      };
    }),
  };
};

/**
 * The fields of a VM class's create and update specs, each absent when left out (or null);
 * `current` is the class an update changes, none for a create, which needs a CPU count and
 * memory. As vCenter's docs have it, a class with vGPU or Dynamic DirectPath I/O devices
 * reserves all its memory, and an update that leaves a reservation out clears it.
 */
const vmClassFields = (call: Call, o: Json, name: Namer, current?: VmClassInfo): VmClassUpdateSpec => {
  const cpus = bounded(o, 'cpu_count', name('cpu_count'), 1, MAX_CPUS, !current);
  // govmomi sends `/api` the IDL's `memory_MB`.
  const memoryKey =
    call.style.name === 'api' && o.memory_mb === undefined && o.memory_MB !== undefined
      ? 'memory_MB'
      : MEMORY[call.style.name];
  const memory = bounded(o, memoryKey, name(memoryKey), 1, MAX_MEMORY_MB, !current);
  const cpuReservation = bounded(o, 'cpu_reservation', name('cpu_reservation'), 0, 100);
  const memoryReservation = bounded(o, 'memory_reservation', name('memory_reservation'), 0, 100);
  const description = str(o, 'description', name('description'));
  const devices = vmClassDevices(call, o, name);
  const configSpec = obj(o, 'config_spec', name('config_spec'));
  const withDevices = devices ?? current?.devices;
  if (
    withDevices &&
    withDevices.vgpu_devices.length + withDevices.dynamic_direct_path_io_devices.length > 0 &&
    memoryReservation !== 100
  )
    throw invalid(
      name('memory_reservation'),
      'must be 100 for a class with vGPU or Dynamic DirectPath I/O devices',
    );
  return {
    ...(cpus === undefined ? {} : { cpu_count: cpus }),
    ...(memory === undefined ? {} : { memory_mb: memory }),
    ...(cpuReservation === undefined ? {} : { cpu_reservation: cpuReservation }),
    ...(memoryReservation === undefined ? {} : { memory_reservation: memoryReservation }),
    ...(description === undefined ? {} : { description }),
    ...(devices === undefined ? {} : { devices }),
    ...(configSpec === undefined ? {} : { config_spec: configSpec }),
  };
};

const createVmClass =
  (source: NamespaceManagementSource) =>
  (call: Call): Reply => {
    const spec = specOf(call, SPEC);
    const name = namer(call);
    const id = dnsLabel(spec, 'id', name('id'));
    const fields = vmClassFields(call, spec, name) as Omit<VmClassCreateSpec, 'id'>;
    if (source.vmClasses().some((c) => c.id === id)) throw alreadyExists('VM class', id);
    source.createVmClass({ id, ...fields });
    return {};
  };

const updateVmClass =
  (source: NamespaceManagementSource) =>
  async (call: Call): Promise<Reply> => {
    const current = vmClassOf(source, call);
    await source.updateVmClass(current.id, vmClassFields(call, specOf(call, SPEC), namer(call), current));
    return {};
  };

const deleteVmClass =
  (source: NamespaceManagementSource) =>
  async (call: Call): Promise<Reply> => {
    await source.deleteVmClass(vmClassOf(source, call).id);
    return {};
  };

/** Everything is checked, in the order of the spec's fields, before the source is called. */
const create =
  (source: NamespaceManagementSource) =>
  async (call: Call): Promise<Reply> => {
    const spec = specOf(call, SPEC);
    const name = namer(call);
    const namespace = dnsLabel(spec, 'namespace', name('namespace'));
    const cluster = clusterId(source, spec, name);
    const rest = updateSpec(spec, name);
    checkReferences(call, source, rest, name);
    if (source.namespace(namespace) !== undefined) throw alreadyExists('namespace', namespace);
    await source.createNamespace({ ...rest, namespace, cluster });
    return {};
  };

/** PATCH (`whole` false) changes the fields given; PUT (`whole` true) sets them all. */
const update =
  (source: NamespaceManagementSource, whole: boolean) =>
  async (call: Call): Promise<Reply> => {
    const namespace = existing(source, call).namespace;
    const name = namer(call);
    const given = updateSpec(specOf(call, SPEC), name);
    checkReferences(call, source, given, name);
    await source.updateNamespace(namespace, whole ? wholeSpec(given) : given);
    return {};
  };

const remove =
  (source: NamespaceManagementSource) =>
  async (call: Call): Promise<Reply> => {
    await source.deleteNamespace(existing(source, call).namespace);
    return {};
  };

/** Every namespace-management endpoint over `source`, the same paths in both styles. */
export const namespaceManagementRoutes =
  (source: NamespaceManagementSource): RouteSet =>
  (): Route[] => [
    { method: 'GET', path: CLUSTERS, run: () => ({ value: source.clusters().map(clusterSummary) }) },
    {
      method: 'GET',
      path: `${CLUSTERS}/:cluster`,
      run: (call) => ({ value: clusterInfo(clusterOf(source, call)) }),
    },
    {
      method: 'GET',
      path: `${SUPERVISORS}/summaries`,
      run: (call) => ({
        value: {
          items: source
            .supervisors()
            .filter((s) => matchesFilter(call, s))
            .map((s) => ({ supervisor: s.supervisor, info: supervisorSummary(s) })),
        },
      }),
    },
    {
      method: 'GET',
      path: `${SUPERVISORS}/:supervisor/summary`,
      run: (call) => ({ value: supervisorSummary(supervisorOf(source, call)) }),
    },
    {
      method: 'GET',
      path: `${SUPERVISORS}/:supervisor/topology`,
      run: (call) => ({ value: supervisorOf(source, call).topology }),
    },
    { method: 'GET', path: INSTANCES, run: () => ({ value: source.namespaces().map(namespaceSummary) }) },
    { method: 'POST', path: INSTANCES, run: create(source) },
    {
      method: 'GET',
      path: `${INSTANCES}/:namespace`,
      run: (call) => ({ value: namespaceInfo(existing(source, call)) }),
    },
    { method: 'PATCH', path: `${INSTANCES}/:namespace`, run: update(source, false) },
    { method: 'PUT', path: `${INSTANCES}/:namespace`, run: update(source, true) },
    { method: 'DELETE', path: `${INSTANCES}/:namespace`, run: remove(source) },
    {
      method: 'GET',
      path: VM_CLASSES,
      run: (call) => ({ value: source.vmClasses().map((c) => vmClassInfo(call, c)) }),
    },
    { method: 'POST', path: VM_CLASSES, run: createVmClass(source) },
    {
      method: 'GET',
      path: `${VM_CLASSES}/:vm_class`,
      run: (call) => ({ value: vmClassInfo(call, vmClassOf(source, call)) }),
    },
    { method: 'PATCH', path: `${VM_CLASSES}/:vm_class`, run: updateVmClass(source) },
    { method: 'DELETE', path: `${VM_CLASSES}/:vm_class`, run: deleteVmClass(source) },
  ];
