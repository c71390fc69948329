/** Annotations of vm-operator's API that hold what it does to a VirtualMachine. */
import type { VirtualMachine } from './types.js';

/** vm-operator's own labels and annotations have this domain in their keys (its HasVMOperatorLabels). */
export const VM_OPERATOR_DOMAIN = 'vmoperator.vmware.com';

/** vm-operator leaves a VirtualMachine with this annotation alone, deletion included. */
export const PAUSED_ANNOTATION = 'vmoperator.vmware.com/paused';
/** The pause annotation's name in v1alpha1 and v1alpha2. */
export const OLD_PAUSED_ANNOTATION = 'vmoperator.vmware.com/pause-reconcile';
/**
 * Marks a VM whose v1alpha1 `vmMetadata` named a ConfigMap: its bootstrap data is read from a
 * ConfigMap of that name, where every newer version names a Secret.
 */
export const V1ALPHA1_CONFIG_MAP_TRANSPORT_ANNOTATION = 'vmoperator.vmware.com/v1a1-configmap-md-transport';
/** An image's content library, as vm-operator's image controller records it for v1alpha1's status. */
export const CONTENT_LIBRARY_REF_ANNOTATION = 'vmoperator.vmware.com/conversion-content-lib-ref';
/**
 * vm-operator's validating webhooks let through an object with this annotation, whatever its
 * value (the object a delete removes): a privileged annotation, whose guard is the Supervisor's
 * own, not modelled.
 */
export const SKIP_VALIDATION_ANNOTATION = 'vmoperator.vmware.com.protected/skip-validation';
export const skipsValidation = (
  object: { metadata?: { annotations?: Record<string, string> } } | undefined,
) => object?.metadata?.annotations?.[SKIP_VALIDATION_ANNOTATION] !== undefined;

/** Any annotation with this prefix holds the VM's deletion. */
export const DELETE_CHECK_PREFIX = 'delete.check.vmoperator.vmware.com/';
/** Any annotation with this prefix holds the VM's power-on. */
export const POWER_ON_CHECK_PREFIX = 'poweron.check.vmoperator.vmware.com/';

/** The vm-operator build a VM was made by, as its mutating webhook records it on create. */
export const CREATED_AT_BUILD_VERSION_ANNOTATION = 'vmoperator.vmware.com/created-at-build-version';
/** The storage schema version (the hub) a VM was made at, recorded beside its build. */
export const CREATED_AT_SCHEMA_VERSION_ANNOTATION = 'vmoperator.vmware.com/created-at-schema-version';
/**
 * The build the simulator records: vm-operator's version of a build of its main branch, which
 * carries no release (the simulator follows its main branch, v1alpha6 its hub).
 */
export const VM_OPERATOR_BUILD_VERSION = 'v0.0.0';

/** An instance id older VMs keep instead of `spec.bootstrap.cloudInit.instanceID`. */
export const CLOUD_INIT_INSTANCE_ID_ANNOTATION = 'vmoperator.vmware.com/cloud-init-instance-id';

/** The id VCF Automation gives a VM, handed to its guest customization with the VCD parity capability. */
export const VCFA_ID_ANNOTATION = 'vmoperator.vmware.com/vcfa-id';

/** A VM failed over to another site by a disaster recovery vendor (an administrator's mark). */
export const FAILED_OVER_VM_ANNOTATION = 'vmoperator.vmware.com/failed-over-vm';

/** vm-operator's mark of a VM it has powered on (`"true"`), set by the update that does. */
export const FIRST_BOOT_DONE_ANNOTATION = 'virtualmachine.vmoperator.vmware.com/first-boot-done';

/** The vCenter managing a VM (its `about.instanceUuid`), as vm-operator records it on every reconcile. */
export const MANAGER_ID_ANNOTATION = 'vmoperator.vmware.com/manager-id';

/** CAPV's annotation: the cluster module group (of the VM's resource policy) the VM belongs to. */
export const CLUSTER_MODULE_GROUP_ANNOTATION = 'vsphere-cluster-module-group';
/** The module the VM was added to, as vm-operator records it once it has. */
export const CLUSTER_MODULE_UUID_ANNOTATION = 'vsphere-cluster-module-group-uuid';

/** The label vm-operator and Kubernetes use for an object's zone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Who paused a VM (an administrator, its DevOps user or both), as vm-operator labels it. */
export const PAUSED_LABEL = 'vmoperator.vmware.com/paused';

/**
 * The labels by which vm-operator tells a Cluster API machine (a VKS node): it gives those the
 * global search domains, and neither snapshots nor reverts them.
 */
const CAPI_ROLE_LABELS = ['capw.vmware.com/cluster.role', 'capv.vmware.com/cluster.role'];

export const isClusterApiMachine = (object: { metadata: { labels?: Record<string, string> } }): boolean => {
  const labels = object.metadata.labels ?? {};
  return CAPI_ROLE_LABELS.some((label) => labels[label] !== undefined);
};

export const hasAnnotationWithPrefix = (vm: VirtualMachine, prefix: string): boolean =>
  Object.keys(vm.metadata.annotations ?? {}).some((key) => key.startsWith(prefix));

/**
 * Conditions other Supervisor services set on a VM through vm-operator, one annotation each
 * (`<prefix><name>: <type>;<status>;<reason>;<message>`).
 */
export const CONDITION_ANNOTATION_PREFIX = 'condition.vmoperator.vmware.com.protected/';

/** A privileged account's ask that deleting a VM leave its vSphere VM, cleaned of vm-operator's marks. */
export const SKIP_DELETE_PLATFORM_RESOURCE_ANNOTATION =
  'vmoperator.vmware.com.protected/skip-delete-platform-resource';
