/**
 * What the API server's Service storage does to a Service before it validates it: it keeps the
 * values it allocated that an update leaves out, drops those a new type no longer needs, settles
 * the IP families (the simulated cluster is IPv4 single-stack), and allocates a cluster IP from
 * the service range and node ports from 30000-32767, or refuses the ones asked for.
 *
 * What is allocated is what the stored Services hold: the store reports each committed write of
 * a Service (`committed`), so a write that is refused holds nothing, a deleted Service (or one
 * that no longer needs an address or port) gives it back, and the allocations are whatever the
 * stored objects say. Dynamic allocations take the lowest free value above the band the API
 * server keeps for values asked for by name, then that band: the same writes get the same values.
 */
import { ipProblems, parseIpv4 } from '@vsim/vsphere';
import { AddressRange } from './address-range.js';
import { type FieldCause, kubeErrors } from './errors.js';
import { deepEqual, isPlainObject, type KubeObject } from './meta.js';

type Fields = Record<string, unknown>;

/** The cluster IP range a Supervisor's Services get addresses from. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';

/** kube-apiserver's default `--service-node-port-range`. */
export const NODE_PORT_LOW = 30_000;
export const NODE_PORT_HIGH = 32_767;

/**
 * The size of the band at the bottom of a range kept for values asked for by name: the range's
 * size over `step`, at least 16 and at most `max`; none for a range of fewer than 16.
 */
const staticBand = (size: number, step: number, max: number): number =>
  size < 16 ? 0 : Math.min(Math.max(16, Math.floor(size / step)), max);

/** The first address dynamic cluster IPs take: above the static band (a sixteenth, 16 to 256 addresses). */
function dynamicStart(cidr: string): string | undefined {
  const [base, bits] = cidr.split('/');
  const octets = parseIpv4(base ?? '', 'strict');
  const prefix = Number(bits);
  if (!octets || !Number.isInteger(prefix)) return undefined;
  const size = 2 ** (32 - prefix);
  const network = octets.reduce((value, octet) => value * 256 + octet, 0);
  const offset = staticBand(size, 16, 256);
  // A range all band: dynamic addresses start at its first host, as they then fall back to it.
  if (offset === 0 || offset >= size - 1) return undefined;
  const first = network - (network % size) + offset;
  return [first >>> 24, (first >>> 16) & 0xff, (first >>> 8) & 0xff, first & 0xff].join('.');
}

/** Where dynamic node ports start: above a band of a 32nd of the range, 16 to 128 ports. */
const NODE_PORT_FIRST = NODE_PORT_LOW + staticBand(NODE_PORT_HIGH - NODE_PORT_LOW + 1, 32, 128);

const NODE_PORT_RANGE = `${NODE_PORT_LOW}-${NODE_PORT_HIGH}`;

const fieldsOf = (value: unknown): Fields => (isPlainObject(value) ? value : {});

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const needsClusterIp = (spec: Fields) => spec.type !== 'ExternalName';
const needsNodePorts = (spec: Fields) => spec.type === 'NodePort' || spec.type === 'LoadBalancer';
/** A load balancer that sends traffic to local endpoints only is health checked on a node port. */
export const needsHealthCheck = (spec: Fields) =>
  spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
const isHeadless = (spec: Fields) => stringList(spec.clusterIPs)[0] === 'None';
const selectorless = (spec: Fields) => Object.keys(fieldsOf(spec.selector)).length === 0;

/** A port's node port as given: 0 when it has none. */
const nodePortOf = (port: unknown): number => {
  const value = fieldsOf(port).nodePort;
  return typeof value === 'number' ? value : 0;
};

const portsOf = (spec: Fields): unknown[] => (Array.isArray(spec.ports) ? spec.ports : []);

/** The node ports a Service holds: its ports' and its health check's. */
function heldNodePorts(spec: Fields): number[] {
  const out: number[] = [];
  if (needsNodePorts(spec))
    for (const port of portsOf(spec)) if (nodePortOf(port) !== 0) out.push(nodePortOf(port));
  if (
    needsHealthCheck(spec) &&
    typeof spec.healthCheckNodePort === 'number' &&
    spec.healthCheckNodePort !== 0
  )
    out.push(spec.healthCheckNodePort);
  return out;
}

/** The cluster IP a Service holds, if any (not headless, not ExternalName). */
function heldClusterIp(spec: Fields): string | undefined {
  if (!needsClusterIp(spec)) return undefined;
  const ip = stringList(spec.clusterIPs)[0];
  return ip && ip !== 'None' ? ip : undefined;
}

const withoutNodePort = (port: unknown): unknown => {
  if (!isPlainObject(port) || !('nodePort' in port)) return port;
  const { nodePort: _dropped, ...rest } = port;
  return rest;
};

/**
 * What an update leaves out of what the Service was given: its cluster IPs, its ports' node
 * ports (found by port name, unless another port took that node port) and its health check port,
 * as long as its type still needs them.
 */
function keepAllocated(spec: Fields, old: Fields): void {
  if (needsClusterIp(old) && needsClusterIp(spec)) {
    if ((spec.clusterIP === undefined || spec.clusterIP === '') && old.clusterIP !== undefined)
      spec.clusterIP = old.clusterIP;
    if (stringList(spec.clusterIPs).length === 0 && stringList(old.clusterIPs).length > 0)
      spec.clusterIPs = old.clusterIPs;
  }
  if (needsNodePorts(old) && needsNodePorts(spec)) {
    const byName = new Map<unknown, number>();
    for (const port of portsOf(old)) byName.set(fieldsOf(port).name ?? '', nodePortOf(port));
    const used = new Set(portsOf(spec).map(nodePortOf));
    spec.ports = portsOf(spec).map((port) => {
      if (!isPlainObject(port) || nodePortOf(port) !== 0) return port;
      const kept = byName.get(port.name ?? '') ?? 0;
      return kept !== 0 && !used.has(kept) ? { ...port, nodePort: kept } : port;
    });
  }
  if (needsHealthCheck(old) && needsHealthCheck(spec) && !spec.healthCheckNodePort && old.healthCheckNodePort)
    spec.healthCheckNodePort = old.healthCheckNodePort;
}

/**
 * `clusterIPs` follows `clusterIP` when a client sets only the singular field (an older client):
 * on create, and on an update that changes `clusterIP` alone.
 */
function syncClusterIps(spec: Fields, old: Fields | undefined): void {
  const ip = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
  if (!old) {
    if (ip !== '' && stringList(spec.clusterIPs).length === 0) spec.clusterIPs = [ip];
    return;
  }
  const sameIps = deepEqual(spec.clusterIPs, old.clusterIPs);
  if (ip === old.clusterIP || !sameIps) return;
  if (ip === '') delete spec.clusterIPs;
  else spec.clusterIPs = [ip];
}

/** What a new type no longer needs is dropped, when the update left it as it was. */
function dropUnneeded(spec: Fields, old: Fields): void {
  if (needsClusterIp(old) && !needsClusterIp(spec)) {
    if (spec.clusterIP === old.clusterIP && deepEqual(spec.clusterIPs, old.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (deepEqual(spec.ipFamilies, old.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === old.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  const oldPorts = portsOf(old).map(nodePortOf);
  if (needsNodePorts(old) && !needsNodePorts(spec) && deepEqual(portsOf(spec).map(nodePortOf), oldPorts))
    spec.ports = portsOf(spec).map(withoutNodePort);
  if (
    needsHealthCheck(old) &&
    !needsHealthCheck(spec) &&
    spec.healthCheckNodePort === old.healthCheckNodePort
  )
    delete spec.healthCheckNodePort;
  if (
    old.type === 'LoadBalancer' &&
    spec.type !== 'LoadBalancer' &&
    spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts
  )
    delete spec.allocateLoadBalancerNodePorts;
  if (
    old.externalTrafficPolicy !== undefined &&
    !externallyAccessible(spec) &&
    spec.externalTrafficPolicy === old.externalTrafficPolicy
  )
    delete spec.externalTrafficPolicy;
}

/** Reached from outside the cluster: through node ports, a load balancer or external IPs. */
export const externallyAccessible = (spec: Fields): boolean =>
  spec.type === 'LoadBalancer' ||
  spec.type === 'NodePort' ||
  (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);

export class ServiceAllocator {
  readonly #ips: AddressRange;
  /** Node ports by the uid of the Service that holds them. */
  readonly #ports = new Map<number, string>();

  constructor(cidr: string = DEFAULT_SERVICE_CIDR) {
    const first = dynamicStart(cidr);
    this.#ips = new AddressRange(first === undefined ? { cidr } : { cidr, first });
  }

  /**
   * Prepares a Service about to be written (its spec a copy the store owns, its nested objects
   * maybe the caller's: replaced, never changed): what the update left out, what the type no
   * longer needs, the IP families, the cluster IP and node ports. Throws the API server's
   * refusal of an address or a port it cannot give; nothing is held until the write commits.
   */
  allocate(service: KubeObject, old: KubeObject | undefined): void {
    const spec = service.spec as Fields;
    const before = old ? fieldsOf(old.spec) : undefined;
    const uid = service.metadata.uid as string;
    const name = service.metadata.name as string;
    if (before) keepAllocated(spec, before);
    syncClusterIps(spec, before);
    if (before) dropUnneeded(spec, before);
    if (!needsClusterIp(spec)) return;
    settleFamilies(spec, before, name);
    // Once a Service has an address (or is headless) it keeps it: validation refuses a change.
    if (!before || !needsClusterIp(before)) this.#allocateClusterIp(spec, uid, name);
    this.#allocateNodePorts(spec, uid, name);
  }

  /** Records what a committed write of a Service holds, and gives back what it held and no longer does. */
  committed(before: KubeObject | undefined, after: KubeObject | undefined): void {
    const uid = (after ?? before)?.metadata.uid as string;
    if (before) {
      const spec = fieldsOf(before.spec);
      const ip = heldClusterIp(spec);
      if (ip !== undefined && this.#ips.holderOf(ip) === uid) this.#ips.release(uid);
      for (const port of heldNodePorts(spec)) if (this.#ports.get(port) === uid) this.#ports.delete(port);
    }
    if (after) {
      const spec = fieldsOf(after.spec);
      const ip = heldClusterIp(spec);
      if (ip !== undefined) this.#ips.claim(uid, ip);
      for (const port of heldNodePorts(spec)) this.#ports.set(port, uid);
    }
  }

  #allocateClusterIp(spec: Fields, uid: string, name: string): void {
    const wanted = stringList(spec.clusterIPs)[0];
    if (wanted === 'None') return;
    if (wanted === undefined || wanted === '') {
      const ip = this.#ips.free();
      if (ip === undefined) throw kubeErrors.internal('failed to allocate a serviceIP: range is full');
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    // An address that is none is validation's to refuse.
    if (ipProblems(wanted).length > 0) return;
    const holder = this.#ips.holderOf(wanted);
    if (!this.#ips.contains(wanted)) throw clusterIpRefused(name, wanted, 'outside', this.#ips.cidr);
    if (holder !== undefined && holder !== uid) throw clusterIpRefused(name, wanted, 'taken', this.#ips.cidr);
  }

  /**
   * Node ports for each port of a NodePort or LoadBalancer Service (a load balancer's only when
   * it allocates them, though the ones asked for are kept), ports of one number sharing theirs;
   * and a health check port for a load balancer of local traffic.
   */
  #allocateNodePorts(spec: Fields, uid: string, name: string): void {
    const askedHealthCheck =
      needsHealthCheck(spec) && typeof spec.healthCheckNodePort === 'number' ? spec.healthCheckNodePort : 0;
    const taking = new Set<number>();
    // What the Service asks for is kept from its dynamic ports, which would otherwise come first.
    const asked = new Set([...portsOf(spec).map(nodePortOf), askedHealthCheck]);
    const free = (port: number) => !this.#ports.has(port) && !taking.has(port) && !asked.has(port);
    const next = () => {
      for (let port = NODE_PORT_FIRST; port <= NODE_PORT_HIGH; port++) if (free(port)) return port;
      for (let port = NODE_PORT_LOW; port < NODE_PORT_FIRST; port++) if (free(port)) return port;
      return undefined;
    };
    /** Why a port asked for cannot be had, if it cannot. */
    const refusal = (port: number) => {
      if (port < NODE_PORT_LOW || port > NODE_PORT_HIGH)
        return `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE}`;
      const holder = this.#ports.get(port);
      return holder !== undefined && holder !== uid ? 'provided port is already allocated' : undefined;
    };
    if (needsNodePorts(spec)) {
      const allocates = spec.type !== 'LoadBalancer' || spec.allocateLoadBalancerNodePorts !== false;
      const ports = portsOf(spec);
      // A node port asked for by one port is the one of every port of its number.
      const byNumber = new Map<unknown, number>();
      for (const port of ports)
        if (nodePortOf(port) !== 0 && !byNumber.has(fieldsOf(port).port))
          byNumber.set(fieldsOf(port).port, nodePortOf(port));
      spec.ports = ports.map((port, i) => {
        if (!isPlainObject(port)) return port;
        const wanted = nodePortOf(port);
        if (wanted !== 0) {
          const why = taking.has(wanted) ? undefined : refusal(wanted);
          if (why !== undefined)
            throw kubeErrors.invalid(serviceSubject(name), [
              { field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${wanted}: ${why}` },
            ]);
          taking.add(wanted);
          return port;
        }
        if (!allocates) return port;
        let nodePort = byNumber.get(port.port);
        if (nodePort === undefined) {
          nodePort = next();
          if (nodePort === undefined)
            throw kubeErrors.internal('failed to allocate a nodePort: range is full');
          byNumber.set(port.port, nodePort);
        }
        taking.add(nodePort);
        return { ...port, nodePort };
      });
    }
    if (!needsHealthCheck(spec)) return;
    if (askedHealthCheck !== 0) {
      const why = taking.has(askedHealthCheck)
        ? 'provided port is already allocated'
        : refusal(askedHealthCheck);
      if (why !== undefined)
        throw kubeErrors.internal(
          `failed to allocate requested HealthCheck NodePort ${askedHealthCheck}: ${why}`,
        );
      return;
    }
    const port = next();
    if (port === undefined)
      throw kubeErrors.internal('failed to allocate a HealthCheck NodePort 0: range is full');
    spec.healthCheckNodePort = port;
  }
}

const serviceSubject = (name: string) => ({ group: '', resource: 'services', kind: 'Service', name });

/** The API server's refusal of a cluster IP it cannot give. */
function clusterIpRefused(name: string, ip: string, why: 'outside' | 'taken', cidr: string) {
  const reason =
    why === 'taken'
      ? 'provided IP is already allocated'
      : `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`;
  return kubeErrors.invalid(serviceSubject(name), [
    {
      field: 'spec.clusterIPs',
      message: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: ${reason}`,
    },
  ]);
}

/**
 * The IP families and family policy, as the API server settles them on a single-stack IPv4
 * cluster: the policy kept from before, else `SingleStack` (`RequireDualStack` for a headless
 * Service without a selector), the families `IPv4`. An IPv6 family is refused, and so is
 * requiring dual stack for a Service that gets a cluster IP.
 */
function settleFamilies(spec: Fields, old: Fields | undefined, name: string): void {
  const headlessAlone = isHeadless(spec) && selectorless(spec);
  if (spec.ipFamilyPolicy === undefined)
    spec.ipFamilyPolicy = old?.ipFamilyPolicy ?? (headlessAlone ? 'RequireDualStack' : 'SingleStack');
  const unconfigured: FieldCause[] = stringList(spec.ipFamilies).flatMap((family, i) =>
    family === 'IPv6'
      ? [{ field: `spec.ipFamilies[${i}]`, message: 'Invalid value: "IPv6": not configured on this cluster' }]
      : [],
  );
  if (unconfigured.length > 0) throw kubeErrors.invalid(serviceSubject(name), unconfigured);
  if (spec.ipFamilyPolicy === 'RequireDualStack' && !headlessAlone)
    throw kubeErrors.invalid(serviceSubject(name), [
      {
        field: 'spec.ipFamilyPolicy',
        message: 'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
      },
    ]);
  if (stringList(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
}
