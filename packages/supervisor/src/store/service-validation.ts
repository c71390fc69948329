/**
 * The API server's checks of a Service's spec (its `ValidateService` and, on an update, that the
 * cluster IP stays), in its words: run on what the Service's storage made of the write (see
 * service-allocation.ts), so allocated values are there to check.
 */
import { ipProblems } from '@vsim/vsphere';
import type { FieldCause } from './errors.js';
import { isPlainObject, type KubeObject } from './meta.js';
import { dns1123LabelProblems, dns1123SubdomainProblems } from './names.js';
import { externallyAccessible, needsHealthCheck } from './service-allocation.js';

type Fields = Record<string, unknown>;

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
/** The longest client IP affinity, a day. */
const MAX_AFFINITY_SECONDS = 86_400;

const fieldsOf = (value: unknown): Fields => (isPlainObject(value) ? value : {});

/** A value as Go's `%q` or `%v` prints it in a field error. */
const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** A list of strings as Go's `%#v` prints it. */
const goStrings = (values: readonly unknown[]): string =>
  values.length === 0 ? '[]string(nil)' : `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;

const invalid = (field: string, value: unknown, detail: string): FieldCause => ({
  field,
  message: `Invalid value: ${shown(value)}: ${detail}`,
});
const required = (field: string, detail = ''): FieldCause => ({
  field,
  message: detail ? `Required value: ${detail}` : 'Required value',
  reason: 'FieldValueRequired',
});
const forbidden = (field: string, detail: string): FieldCause => ({
  field,
  message: `Forbidden: ${detail}`,
  reason: 'FieldValueForbidden',
});
const duplicate = (field: string, value: string): FieldCause => ({
  field,
  message: `Duplicate value: ${value}`,
  reason: 'FieldValueDuplicate',
});
const unsupported = (field: string, value: unknown, supported: readonly string[]): FieldCause => ({
  field,
  message: `Unsupported value: ${shown(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  reason: 'FieldValueNotSupported',
});

/** A required value that is one of `supported`. */
function oneOf(field: string, value: unknown, supported: readonly string[]): FieldCause[] {
  if (value === undefined || value === '') return [required(field)];
  return supported.includes(value as string) ? [] : [unsupported(field, value, supported)];
}

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const isPortNumber = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;

/** An IANA service name, as a named target port must be. */
function portNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 15) problems.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name))
    problems.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) problems.push('must contain at least one letter (a-z)');
  if (name.includes('--')) problems.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) problems.push('must not begin or end with a hyphen');
  return problems;
}

/** A port as Go's `%#v` prints the key of a duplicate (its protocol and number). */
const portKey = (protocol: unknown, port: unknown) =>
  `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol ?? '')}, AppProtocol:(*string)(nil), Port:${Number(port ?? 0)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;

function portProblems(spec: Fields): FieldCause[] {
  const causes: FieldCause[] = [];
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  const names = new Set<string>();
  const numbers = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((item, i) => {
    const at = `spec.ports[${i}]`;
    const port = fieldsOf(item);
    const name = typeof port.name === 'string' ? port.name : '';
    if (ports.length > 1 && name === '') causes.push(required(`${at}.name`));
    else if (name !== '') {
      for (const problem of dns1123LabelProblems(name)) causes.push(invalid(`${at}.name`, name, problem));
      if (names.has(name)) causes.push(duplicate(`${at}.name`, JSON.stringify(name)));
      names.add(name);
    }
    if (!isPortNumber(port.port ?? 0)) causes.push(invalid(`${at}.port`, port.port ?? 0, PORT_RANGE));
    causes.push(...oneOf(`${at}.protocol`, port.protocol, PROTOCOLS));
    const target = port.targetPort;
    if (typeof target === 'string')
      for (const problem of portNameProblems(target))
        causes.push(invalid(`${at}.targetPort`, target, problem));
    else if (!isPortNumber(target)) causes.push(invalid(`${at}.targetPort`, target, PORT_RANGE));
    const nodePort = typeof port.nodePort === 'number' ? port.nodePort : 0;
    if (nodePort !== 0) {
      if (spec.type === 'ClusterIP')
        causes.push(forbidden(`${at}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      const key = `${String(port.protocol)}/${nodePort}`;
      if (nodePorts.has(key)) causes.push(duplicate(`${at}.nodePort`, String(nodePort)));
      nodePorts.add(key);
    }
    const key = `${String(port.protocol)}/${String(port.port)}`;
    if (numbers.has(key)) causes.push(duplicate(at, portKey(port.protocol, port.port)));
    numbers.add(key);
  });
  return causes;
}

/** `clusterIP`, `clusterIPs` and the IP families agree, each address an address. */
function clusterIpProblems(spec: Fields): FieldCause[] {
  const causes: FieldCause[] = [];
  const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as unknown[]) : [];
  const ip = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
  // The storage fills clusterIPs from clusterIP: only a different first value is left to refuse.
  if (ip !== '') {
    if (ips[0] !== ip)
      causes.push({
        field: 'spec.clusterIPs',
        message: `Invalid value: ${goStrings(ips)}: first value must match \`clusterIP\``,
      });
  } else if (ips.length > 0)
    causes.push({
      field: 'spec.clusterIPs',
      message: `Invalid value: ${goStrings(ips)}: must be empty when \`clusterIP\` is not specified`,
    });
  ips.forEach((value, i) => {
    if (i === 0 && value === 'None') {
      if (ips.length > 1)
        causes.push({
          field: 'spec.clusterIPs',
          message: `Invalid value: ${goStrings(ips)}: 'None' must be the first and only value`,
        });
      return;
    }
    for (const problem of ipProblems(String(value)))
      causes.push(invalid(`spec.clusterIPs[${i}]`, value, problem));
  });
  if (ips.length > 2)
    causes.push({
      field: 'spec.clusterIPs',
      message: `Invalid value: ${goStrings(ips)}: may only hold up to 2 values`,
    });
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
  const seen = new Set<unknown>();
  families.forEach((family, i) => {
    if (!IP_FAMILIES.includes(family as string))
      causes.push(unsupported(`spec.ipFamilies[${i}]`, family, IP_FAMILIES));
    if (seen.has(family)) causes.push(duplicate(`spec.ipFamilies[${i}]`, shown(family)));
    seen.add(family);
  });
  if (spec.ipFamilyPolicy !== undefined && !FAMILY_POLICIES.includes(spec.ipFamilyPolicy as string))
    causes.push(unsupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, FAMILY_POLICIES));
  return causes;
}

/** What a Service's type asks of its cluster IP and external name. */
function typeProblems(spec: Fields): FieldCause[] {
  const headless = Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None';
  if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && headless)
    return [invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`)];
  if (spec.type !== 'ExternalName') return [];
  const causes: FieldCause[] = [];
  if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0)
    causes.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
  if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0)
    causes.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
  if (spec.ipFamilyPolicy !== undefined)
    causes.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
  // A CNAME may end with a dot, to say it is fully qualified.
  const name = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : '';
  if (name === '') causes.push(required('spec.externalName'));
  else
    for (const problem of dns1123SubdomainProblems(name, 'characters'))
      causes.push(invalid('spec.externalName', name, problem));
  return causes;
}

/** Session affinity, and how long a client IP keeps its endpoint. */
function affinityProblems(spec: Fields): FieldCause[] {
  const causes = oneOf('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES);
  if (spec.sessionAffinity === 'ClientIP') {
    const seconds = fieldsOf(fieldsOf(spec.sessionAffinityConfig).clientIP).timeoutSeconds;
    if (!Number.isInteger(seconds) || (seconds as number) <= 0 || (seconds as number) > MAX_AFFINITY_SECONDS)
      causes.push(
        invalid(
          'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
          seconds ?? 0,
          `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`,
        ),
      );
  }
  return causes;
}

/** Traffic policies, the health check port and the load balancer's node port switch. */
function trafficProblems(spec: Fields): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!externallyAccessible(spec)) {
    if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== '')
      causes.push(
        invalid(
          'spec.externalTrafficPolicy',
          spec.externalTrafficPolicy,
          'may only be set for externally-accessible services',
        ),
      );
  } else causes.push(...oneOf('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  // One it needs was allocated, or refused, before validation.
  const healthCheck = spec.healthCheckNodePort ?? 0;
  if (!needsHealthCheck(spec) && healthCheck !== 0)
    causes.push(
      invalid(
        'spec.healthCheckNodePort',
        healthCheck,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  if (spec.type !== 'ExternalName')
    causes.push(...oneOf('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  else if (
    spec.internalTrafficPolicy !== undefined &&
    !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy as string)
  )
    causes.push(unsupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined)
    causes.push(required('spec.allocateLoadBalancerNodePorts'));
  else if (spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== undefined)
    causes.push(
      forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"),
    );
  return causes;
}

/** A cluster IP, once given, stays while the Service has one (headless stays headless). */
function clusterIpUpdateProblems(spec: Fields, old: Fields): FieldCause[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return [];
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  const was = Array.isArray(old.clusterIPs) ? old.clusterIPs : [];
  if (was[0] === 'None' && ips[0] === 'None') return [];
  if (ips.length === 0 && was.length > 0)
    return [
      {
        field: 'spec.clusterIPs[0]',
        message: `Invalid value: ${goStrings(ips)}: primary clusterIP can not be unset`,
      },
    ];
  if (was.length > 0 && ips[0] !== was[0])
    return [
      { field: 'spec.clusterIPs[0]', message: `Invalid value: ${goStrings(ips)}: may not change once set` },
    ];
  return [];
}

/** The API server's objections to a Service about to be stored, `old` the stored one on an update. */
export function serviceProblems(next: KubeObject, old: KubeObject | undefined): FieldCause[] {
  const spec = fieldsOf(next.spec);
  const headless = Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None';
  const causes: FieldCause[] = [];
  if (old) causes.push(...clusterIpUpdateProblems(spec, fieldsOf(old.spec)));
  if ((!Array.isArray(spec.ports) || spec.ports.length === 0) && !headless && spec.type !== 'ExternalName')
    causes.push(required('spec.ports'));
  causes.push(...typeProblems(spec), ...portProblems(spec), ...affinityProblems(spec));
  if (spec.type !== 'ExternalName') causes.push(...clusterIpProblems(spec));
  causes.push(...oneOf('spec.type', spec.type, SERVICE_TYPES), ...trafficProblems(spec));
  return causes;
}
