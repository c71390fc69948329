export {
  type AllocationTarget,
  clusterCpuMhz,
  cpuMillis,
  type PoolAllocation,
  poolAllocation,
} from './allocation.js';
export {
  DEPRECATED_RESOURCE_POLICY_FINALIZER,
  policyPlacement,
  RESOURCE_POLICY_API_VERSION,
  RESOURCE_POLICY_CONTROLLER,
  RESOURCE_POLICY_FINALIZER,
  type ResourcePolicyController,
  type ResourcePolicyControllerDeps,
  startResourcePolicyController,
} from './resource-policy.js';
