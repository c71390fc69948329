/**
 * The stored shape of a compute resource's configuration as ReconfigureComputeResource_Task
 * changes it (see objects/compute-resource.ts): a cluster's DRS and HA settings, its VM and
 * host groups, its rules and its per-VM overrides, and every compute resource's swap placement.
 * Ids, not references: the property table writes the references clients read.
 */

/** The fields of a ClusterDrsConfigInfo or ClusterDasConfigInfo as set, wire-shaped, without `_type`. */
export interface ClusterServiceConfig {
  readonly enabled?: boolean;
  readonly [field: string]: unknown;
}

/** A ClusterVmGroup (`members` are VM ids) or a ClusterHostGroup (host ids). */
export interface ClusterGroup {
  readonly type: 'ClusterVmGroup' | 'ClusterHostGroup';
  readonly name: string;
  readonly members: readonly string[];
}

/** The rule types a cluster keeps, by their wire type. */
export type ClusterRuleType =
  | 'ClusterAffinityRuleSpec'
  | 'ClusterAntiAffinityRuleSpec'
  | 'ClusterVmHostRuleInfo'
  | 'ClusterDependencyRuleInfo';

/** A ClusterRuleInfo: vCenter's `key` and `ruleUuid`, and the fields of its type. */
export interface ClusterRule {
  readonly type: ClusterRuleType;
  readonly key: number;
  readonly ruleUuid: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly mandatory: boolean;
  readonly userCreated: boolean;
  /** Affinity and anti-affinity rules: VM ids. */
  readonly vms?: readonly string[];
  readonly vmGroupName?: string;
  readonly affineHostGroupName?: string;
  readonly antiAffineHostGroupName?: string;
  /** Dependency rules: the VM group `vmGroup` depends on. */
  readonly vmGroup?: string;
  readonly dependsOnVmGroup?: string;
}

/** A per-VM override (ClusterDrsVmConfigInfo, ClusterDasVmConfigInfo): the VM's id and the fields set. */
export interface ClusterVmOverride {
  readonly vm: string;
  readonly fields: { readonly [field: string]: unknown };
}

/** What ReconfigureComputeResource_Task keeps beside a compute resource's `drs` and `das`. */
export interface ComputeResourceConfig {
  readonly vmSwapPlacement?: string;
  readonly groups?: readonly ClusterGroup[];
  readonly rules?: readonly ClusterRule[];
  /** The last rule key handed out: keys go up per cluster and are never reused. */
  readonly lastRuleKey?: number;
  readonly drsVmConfig?: readonly ClusterVmOverride[];
  readonly dasVmConfig?: readonly ClusterVmOverride[];
}
