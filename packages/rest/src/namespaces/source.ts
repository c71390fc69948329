/**
 * What the namespace-management endpoints read and change: the Supervisor's clusters, its
 * vSphere Namespaces and its VM classes. The Supervisor implements this interface; the REST
 * layer keeps no copy of anything and asks again on every request.
 *
 * The shapes use vCenter's JSON field names (snake_case), as the model's tagging types do,
 * so a value goes onto the wire without renaming. Read methods answer what exists now;
 * the REST layer turns an unknown id into 404 itself.
 *
 * The REST layer validates a spec before calling a write method: the namespace name is a
 * DNS-1123 label, the cluster runs a Supervisor, the VM classes exist, the content libraries
 * exist, every field has its type. A write method throws the model's VimFaults (`faults.*`
 * of `@vsim/vsphere`), which the facade's error table maps to vAPI errors:
 * `faults.alreadyExists(name)` (400 already_exists), `faults.notFound(...)` (404),
 * `faults.invalidArgument('storage_specs.policy')` (400 invalid_argument) for what only
 * the source can judge, such as an unknown storage policy.
 */

/** Clusters.ConfigStatus: how far the cluster got in applying the Supervisor configuration. */
export type ClusterConfigStatus = 'CONFIGURING' | 'REMOVING' | 'RUNNING' | 'ERROR';
/** Clusters.KubernetesStatus: the health of the Supervisor's Kubernetes control plane. */
export type KubernetesStatus = 'READY' | 'WARNING' | 'ERROR';
/** Instances.ConfigStatus: how far a namespace got in reaching its desired state. */
export type NamespaceConfigStatus = 'CONFIGURING' | 'REMOVING' | 'RUNNING' | 'ERROR';
/** VirtualMachineClasses.ConfigStatus. */
export type VmClassConfigStatus = 'READY' | 'REMOVING';
export type NetworkProvider = 'NSXT_CONTAINER_PLUGIN' | 'VSPHERE_NETWORK' | 'NSX_VPC';

/** A status message of a cluster, namespace or VM class (severity and a LocalizableMessage). */
export interface StatusMessage {
  readonly severity: 'INFO' | 'WARNING' | 'ERROR';
  readonly details?: {
    readonly id: string;
    readonly default_message: string;
    readonly args: readonly string[];
  };
}

/** Clusters.Stats: CPU in MHz, memory and storage in MiB. */
export interface ClusterStats {
  readonly cpu_used: number;
  readonly cpu_capacity: number;
  readonly memory_used: number;
  readonly memory_capacity: number;
  readonly storage_used: number;
  readonly storage_capacity: number;
}

/** A vSphere cluster that runs a Supervisor. */
export interface SupervisorClusterInfo {
  /** The ClusterComputeResource moref id (`domain-c8`). */
  readonly cluster: string;
  readonly cluster_name: string;
  readonly config_status: ClusterConfigStatus;
  readonly kubernetes_status: KubernetesStatus;
  /** The Kubernetes API server's address on the workload network (what kubeconfig names). */
  readonly api_server_cluster_endpoint: string;
  /** The floating address of the control plane on the management network. */
  readonly api_server_management_endpoint: string;
  /** The control plane VMs' management addresses. */
  readonly api_servers: readonly string[];
  readonly network_provider: NetworkProvider;
  readonly stats: ClusterStats;
  /** Absent means none. */
  readonly messages?: readonly StatusMessage[];
  readonly kubernetes_status_messages?: readonly StatusMessage[];
}

/** A Supervisor (Supervisors.Summary.Info) and the zones it runs on (Topology.Info). */
export interface SupervisorInfo {
  /** Its immutable id. */
  readonly supervisor: string;
  readonly name: string;
  readonly config_status: ClusterConfigStatus;
  readonly kubernetes_status: KubernetesStatus;
  /** Its clusters' together. */
  readonly stats: ClusterStats;
  /** Each zone (its id) with the clusters (moref ids) it holds. */
  readonly topology: readonly { readonly zone: string; readonly clusters: readonly string[] }[];
}

/** Instances.Stats: CPU in MHz, memory and storage in MiB. */
export interface NamespaceStats {
  readonly cpu_used: number;
  readonly memory_used: number;
  readonly storage_used: number;
}

/** Instances.StorageSpec: a storage policy id and, optionally, how many MiB it may use. */
export interface StorageSpec {
  readonly policy: string;
  readonly limit?: number;
}

/** Instances.VMServiceSpec: VM class ids and content library ids the namespace may use. */
export interface VmServiceSpec {
  readonly vm_classes: readonly string[];
  readonly content_libraries: readonly string[];
}

/** Instances.Access: who may do what in the namespace. */
export interface NamespaceAccess {
  readonly subject_type: 'USER' | 'GROUP';
  readonly subject: string;
  readonly domain: string;
  readonly role: 'OWNER' | 'EDIT' | 'VIEW';
  readonly identity_provider?: string;
}

/**
 * Instances' `resource_spec` (ResourceQuotaOptionsV1), the fields this facade models: the CPU
 * (MHz) and memory (MiB) the namespace's VMs may use, its pools' limits; absent means none.
 */
export interface NamespaceResourceSpec {
  readonly cpu_limit?: number;
  readonly memory_limit?: number;
}

export interface NamespaceInfo {
  /** The namespace's name, a DNS-1123 label, unique in the vCenter. */
  readonly namespace: string;
  /** The moref id of the cluster whose Supervisor hosts it. */
  readonly cluster: string;
  readonly description: string;
  readonly config_status: NamespaceConfigStatus;
  readonly self_service_namespace: boolean;
  readonly stats: NamespaceStats;
  readonly messages: readonly StatusMessage[];
  readonly access_list: readonly NamespaceAccess[];
  readonly storage_specs: readonly StorageSpec[];
  readonly vm_service_spec: VmServiceSpec;
  readonly resource_spec: NamespaceResourceSpec;
}

/**
 * What may change in a namespace. A field left out keeps its value; inside
 * `vm_service_spec`, each list given replaces the current one and a list left out stays.
 */
export interface NamespaceUpdateSpec {
  readonly description?: string;
  readonly access_list?: readonly NamespaceAccess[];
  readonly storage_specs?: readonly StorageSpec[];
  readonly vm_service_spec?: Partial<VmServiceSpec>;
  readonly resource_spec?: NamespaceResourceChanges;
}

/**
 * ResourceQuotaOptionsV1Update's CPU and memory limits: a number sets one, `null` removes it
 * (`cpu_limit_unset`), a limit left out stays.
 */
export interface NamespaceResourceChanges {
  readonly cpu_limit?: number | null;
  readonly memory_limit?: number | null;
}

/** A new namespace: its name and cluster, the rest as an update would set it (absent: empty). */
export interface NamespaceCreateSpec extends NamespaceUpdateSpec {
  readonly namespace: string;
  readonly cluster: string;
}

/** VirtualMachineClasses.VGPUDevice and DynamicDirectPathIODevice. */
export interface VmClassDevices {
  readonly vgpu_devices: readonly { readonly profile_name: string }[];
  readonly dynamic_direct_path_io_devices: readonly {
    readonly vendor_id: number;
    readonly device_id: number;
    readonly custom_label?: string;
  }[];
}

/**
 * VirtualMachineClasses.CreateSpec, read from either style's names (`memory_mb` or `memory_MB`,
 * ...). Reservations are percentages of the class's CPUs (at the slowest host's clock) and
 * memory; `config_spec` is a vim25 VirtualMachineConfigSpec in JSON, kept as given.
 */
export interface VmClassCreateSpec {
  readonly id: string;
  readonly cpu_count: number;
  readonly memory_mb: number;
  readonly cpu_reservation?: number;
  readonly memory_reservation?: number;
  readonly description?: string;
  readonly devices?: VmClassDevices;
  readonly config_spec?: Readonly<Record<string, unknown>>;
}

/**
 * VirtualMachineClasses.UpdateSpec: the fields given change, the others stay, but for the
 * reservations, which are cleared when left out (vCenter's docs: "If unset, no CPU reservation is
 * requested").
 */
export type VmClassUpdateSpec = Partial<Omit<VmClassCreateSpec, 'id'>>;

/** VirtualMachineClasses.Info: a VM class and where it is in use. */
export interface VmClassInfo {
  /** The class's name, a DNS-1123 label (`best-effort-small`). */
  readonly id: string;
  readonly cpu_count: number;
  readonly memory_mb: number;
  /** Percentages of the class's CPU and memory reserved; absent means no reservation. */
  readonly cpu_reservation?: number;
  readonly memory_reservation?: number;
  readonly description: string;
  /** The namespaces whose VM service offers the class. */
  readonly namespaces: readonly string[];
  /** The moref ids of the VMs of this class. */
  readonly vms: readonly string[];
  readonly devices: VmClassDevices;
  readonly config_spec?: Readonly<Record<string, unknown>>;
  readonly config_status: VmClassConfigStatus;
  readonly messages?: readonly StatusMessage[];
}

/** The Supervisor as the namespace-management endpoints see it. */
export interface NamespaceManagementSource {
  /** The clusters that run a Supervisor. */
  clusters(): readonly SupervisorClusterInfo[];
  /** The Supervisors (one, or none without a cluster). */
  supervisors(): readonly SupervisorInfo[];
  namespaces(): readonly NamespaceInfo[];
  namespace(name: string): NamespaceInfo | undefined;
  /** Resolves once the namespace exists (its config_status may still be CONFIGURING). */
  createNamespace(spec: NamespaceCreateSpec): Promise<void>;
  /** PATCH semantics: only the fields given change. */
  updateNamespace(name: string, spec: NamespaceUpdateSpec): Promise<void>;
  /** Resolves once the namespace is gone or REMOVING. */
  deleteNamespace(name: string): Promise<void>;
  vmClasses(): readonly VmClassInfo[];
  /** A new class; the REST layer has checked that no class has its id. */
  createVmClass(spec: VmClassCreateSpec): void;
  /** The REST layer has checked that the class exists. */
  updateVmClass(id: string, spec: VmClassUpdateSpec): Promise<void>;
  /** Removes the class from vCenter and from every namespace that offers it. */
  deleteVmClass(id: string): Promise<void>;
}
