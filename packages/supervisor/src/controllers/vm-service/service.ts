/**
 * The core `v1` Service and Endpoints a VirtualMachineService owns, shaped as
 * vm-operator's VirtualMachineService controller writes them: same name and namespace,
 * the VirtualMachineService as controlling owner, its labels and annotations merged over
 * what the Service has, its type, ports (target ports as given), external name, load
 * balancer IP and source ranges, the cluster IP and IP families it asks for; no selector,
 * since vm-operator writes the Endpoints itself. What the API server fills in and allocates
 * (cluster IP, IP families, node ports) is the store's: the spec is written over the stored
 * one, so that it compares with it as is.
 */
import type { Condition, VirtualMachineService, VirtualMachineServicePort } from '../../api/types.js';
import type { KubeObject } from '../../store/meta.js';
import type { EndpointSubset } from './endpoints.js';

export const VM_SERVICE_API_VERSION = 'vmoperator.vmware.com/v1alpha6';

/** Annotations vm-operator turns into Service fields, and removes when the VirtualMachineService drops them. */
export const EXTERNAL_TRAFFIC_POLICY_ANNOTATION =
  'virtualmachineservice.vmoperator.vmware.com/service.externalTrafficPolicy';
export const HEALTH_CHECK_NODE_PORT_ANNOTATION =
  'virtualmachineservice.vmoperator.vmware.com/service.healthCheckNodePort';

export interface ServicePort {
  name: string;
  protocol: string;
  port: number;
  targetPort: number;
}

export interface ServiceSpec {
  type: string;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  sessionAffinity?: string;
}

/** A Service's load balancer address; `ipMode` is `VIP` unless the load balancer says `Proxy`. */
export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
  conditions?: Condition[];
}

export type Service = KubeObject & { spec?: ServiceSpec; status?: ServiceStatus };
export type Endpoints = KubeObject & { subsets?: EndpointSubset[] };

/** Labels and annotations: the VirtualMachineService's over the Service's, managed annotations dropped when unset. */
export function serviceMeta(vmService: VirtualMachineService, existing: Service | undefined) {
  const own = vmService.metadata.annotations ?? {};
  const annotations: Record<string, string> = { ...existing?.metadata.annotations, ...own };
  for (const key of [EXTERNAL_TRAFFIC_POLICY_ANNOTATION, HEALTH_CHECK_NODE_PORT_ANNOTATION])
    if (!(key in own)) delete annotations[key];
  const labels: Record<string, string> = { ...existing?.metadata.labels, ...vmService.metadata.labels };
  return { labels, annotations };
}

/** A port as vm-operator writes it (no node ports: the simulated load balancer needs none). */
const portOf = (p: VirtualMachineServicePort): ServicePort => ({
  name: p.name,
  protocol: p.protocol,
  port: p.port,
  targetPort: p.targetPort,
});

/** Sets a field, or drops it when the value is empty, as Go's `omitempty` writes it. */
function setOrDrop<K extends keyof ServiceSpec>(
  spec: ServiceSpec,
  key: K,
  value: ServiceSpec[K] | undefined,
): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete spec[key];
  else spec[key] = value;
}

/**
 * The Service's spec as vm-operator's CreateOrPatch leaves it: the fields it owns set from the
 * VirtualMachineService over what the Service has (what other writers and the API server set
 * stays). The cluster IP asked for goes to a Service that has none yet (it cannot change once
 * given); the IP families and family policy asked for are passed on.
 */
export function serviceSpec(
  vmService: VirtualMachineService,
  annotations: Readonly<Record<string, string>>,
  existing: ServiceSpec | undefined,
): ServiceSpec {
  const spec = vmService.spec;
  const type = spec?.type ?? 'ClusterIP';
  const out: ServiceSpec = { ...existing, type };
  setOrDrop(out, 'externalName', spec?.externalName);
  setOrDrop(out, 'loadBalancerIP', spec?.loadBalancerIP);
  setOrDrop(
    out,
    'loadBalancerSourceRanges',
    spec?.loadBalancerSourceRanges && [...spec.loadBalancerSourceRanges],
  );
  setOrDrop(out, 'allocateLoadBalancerNodePorts', type === 'LoadBalancer' ? false : undefined);
  setOrDrop(out, 'ports', spec?.ports?.map(portOf));
  // Kubernetes' default for a load balancer, then the annotation's, whatever the type (the API
  // server refuses it on a ClusterIP Service, and the reconcile fails, as vm-operator's does).
  if (type === 'LoadBalancer') out.externalTrafficPolicy = 'Cluster';
  const policyAnnotation = annotations[EXTERNAL_TRAFFIC_POLICY_ANNOTATION];
  if (policyAnnotation === 'Local' || policyAnnotation === 'Cluster')
    out.externalTrafficPolicy = policyAnnotation;
  if (spec?.clusterIp && !out.clusterIP) out.clusterIP = spec.clusterIp;
  if (spec?.ipFamilies?.length) out.ipFamilies = [...spec.ipFamilies];
  if (spec?.ipFamilyPolicy) out.ipFamilyPolicy = spec.ipFamilyPolicy;
  return out;
}
