/**
 * The core `v1` Service and Endpoints a VirtualMachineService owns, shaped as
 * vm-operator's VirtualMachineService controller writes them: same name and namespace,
 * the VirtualMachineService as controlling owner, its labels and annotations merged over
 * what the Service has, its type, ports (target ports as given), external name, load
 * balancer IP and source ranges; no selector, since vm-operator writes the Endpoints
 * itself. With the cluster IP it gives, and the IP families, session affinity and traffic
 * policies the API server would fill in, so that it compares with the stored Service as is.
 */
import type { Condition, VirtualMachineService, VirtualMachineServicePort } from '../../api/types.js';
import { kubeErrors } from '../../store/errors.js';
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

const subject = (resource: string, kind: string, name: string) => ({ group: '', resource, kind, name });

/** Labels and annotations: the VirtualMachineService's over the Service's, managed annotations dropped when unset. */
export function serviceMeta(vmService: VirtualMachineService, existing: Service | undefined) {
  const own = vmService.metadata.annotations ?? {};
  const annotations: Record<string, string> = { ...existing?.metadata.annotations, ...own };
  for (const key of [EXTERNAL_TRAFFIC_POLICY_ANNOTATION, HEALTH_CHECK_NODE_PORT_ANNOTATION])
    if (!(key in own)) delete annotations[key];
  const labels: Record<string, string> = { ...existing?.metadata.labels, ...vmService.metadata.labels };
  return { labels, annotations };
}

/**
 * The IP families of the Service, as the API server settles them. The simulated cluster is IPv4
 * single-stack: a VirtualMachineService listing IPv6, or requiring dual stack for a Service that
 * gets a cluster IP, gets the API server's refusal; preferring dual stack yields IPv4 alone. A
 * headless Service without a selector (as every one made here is) requires dual stack unless it
 * says otherwise, as the API server defaults it.
 */
export function ipFamiliesOf(vmService: VirtualMachineService): { families: string[]; policy: string } {
  const name = vmService.metadata.name ?? '';
  const headless = vmService.spec?.clusterIp === 'None';
  const policy = vmService.spec?.ipFamilyPolicy ?? (headless ? 'RequireDualStack' : 'SingleStack');
  const unconfigured = (vmService.spec?.ipFamilies ?? []).flatMap((family, i) =>
    family === 'IPv6'
      ? [{ field: `spec.ipFamilies[${i}]`, message: 'Invalid value: "IPv6": not configured on this cluster' }]
      : [],
  );
  if (unconfigured.length > 0) throw kubeErrors.invalid(subject('services', 'Service', name), unconfigured);
  if (policy === 'RequireDualStack' && !headless)
    throw kubeErrors.invalid(subject('services', 'Service', name), [
      {
        field: 'spec.ipFamilyPolicy',
        message: 'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
      },
    ]);
  return { families: ['IPv4'], policy };
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
 * VirtualMachineService over what the Service has (what other writers set stays), then what the
 * API server's allocator gives (`clusterIP` and `clusterIPs`, the IP families) and drops for a
 * type that has none. `clusterIP` is what the cluster IP range gave (or `None`), unset for
 * ExternalName.
 */
export function serviceSpec(
  vmService: VirtualMachineService,
  annotations: Readonly<Record<string, string>>,
  existing: ServiceSpec | undefined,
  clusterIP: string | undefined,
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
  if (type === 'LoadBalancer') {
    const policyAnnotation = annotations[EXTERNAL_TRAFFIC_POLICY_ANNOTATION];
    out.externalTrafficPolicy =
      policyAnnotation === 'Local' || policyAnnotation === 'Cluster' ? policyAnnotation : 'Cluster';
  } else delete out.externalTrafficPolicy;
  if (type === 'ExternalName') {
    for (const key of [
      'clusterIP',
      'clusterIPs',
      'ipFamilies',
      'ipFamilyPolicy',
      'internalTrafficPolicy',
    ] as const)
      delete out[key];
    return out;
  }
  if (clusterIP !== undefined) {
    out.clusterIP = clusterIP;
    out.clusterIPs = [clusterIP];
  }
  // The families the VirtualMachineService asks for, else those the allocator gave.
  const { families, policy } = ipFamiliesOf(vmService);
  const asked = Boolean(spec?.ipFamilies?.length || spec?.ipFamilyPolicy);
  out.ipFamilies = asked || !out.ipFamilies?.length ? families : out.ipFamilies;
  out.ipFamilyPolicy = asked || !out.ipFamilyPolicy ? policy : out.ipFamilyPolicy;
  return out;
}

/** The API server's refusal of a cluster IP it cannot give. */
export function clusterIpRefused(name: string, ip: string, why: 'outside' | 'taken', cidr: string) {
  const reason =
    why === 'taken'
      ? 'provided IP is already allocated'
      : `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`;
  return kubeErrors.invalid(subject('services', 'Service', name), [
    {
      field: 'spec.clusterIPs',
      message: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: ${reason}`,
    },
  ]);
}
