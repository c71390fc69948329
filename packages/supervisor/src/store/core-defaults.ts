/**
 * What the API server fills in on every write of a core kind's object, as its defaulting
 * functions do (`SetDefaults_*` of `core/v1`), and as a read of the stored object shows it.
 * Each sets a field only where it is unset, so a second pass changes nothing. Nested objects
 * may be the caller's (a controller's direct write): they are replaced, never changed in place.
 */
import { isPlainObject, type KubeObject } from './meta.js';
import { externallyAccessible } from './service-allocation.js';

type Fields = Record<string, unknown>;

const fieldsOf = (value: unknown): Fields => (isPlainObject(value) ? value : {});

/** The spec, copied for changes. */
const specOf = (object: KubeObject): Fields => ({ ...fieldsOf(object.spec) });

/** The status, copied for changes. */
const statusOf = (object: KubeObject): Fields => ({ ...fieldsOf(object.status) });

/** Unset as Go reads a string: absent or empty. */
const unset = (value: unknown) => value === undefined || value === '';

/** The phase an object starts in until a controller moves it on. */
const startingPhase = (object: KubeObject, phase: string): void => {
  if (!unset(fieldsOf(object.status).phase)) return;
  object.status = { ...statusOf(object), phase };
};

/** A claim's volume is a file system unless it asks for a block device. */
export const claimDefaults = (claim: KubeObject): void => {
  if (fieldsOf(claim.spec).volumeMode === undefined)
    claim.spec = { ...specOf(claim), volumeMode: 'Filesystem' };
  startingPhase(claim, 'Pending');
};

/** A volume is kept once released (`Retain`) unless it says otherwise, and is a file system. */
export const volumeDefaults = (volume: KubeObject): void => {
  const spec = fieldsOf(volume.spec);
  if (unset(spec.persistentVolumeReclaimPolicy) || spec.volumeMode === undefined)
    volume.spec = {
      ...spec,
      persistentVolumeReclaimPolicy: unset(spec.persistentVolumeReclaimPolicy)
        ? 'Retain'
        : spec.persistentVolumeReclaimPolicy,
      volumeMode: spec.volumeMode ?? 'Filesystem',
    };
  startingPhase(volume, 'Pending');
};

/** A port's protocol is TCP unless given. */
const withProtocol = (port: unknown): unknown =>
  isPlainObject(port) && (port.protocol === undefined || port.protocol === '')
    ? { ...port, protocol: 'TCP' }
    : port;

/** Endpoints' ports speak TCP unless they say otherwise. */
export const endpointsDefaults = (endpoints: KubeObject): void => {
  if (!Array.isArray(endpoints.subsets)) return;
  endpoints.subsets = endpoints.subsets.map((subset: unknown) =>
    isPlainObject(subset) && Array.isArray(subset.ports)
      ? { ...subset, ports: subset.ports.map(withProtocol) }
      : subset,
  );
};

/** Three hours of client IP affinity unless given. */
const CLIENT_IP_AFFINITY_SECONDS = 10_800;

/** A Service port: TCP, and the target port its own port unless given (0 and "" are unset). */
const servicePort = (port: unknown): unknown => {
  if (!isPlainObject(port)) return port;
  const out = withProtocol(port) as Fields;
  const target = out.targetPort;
  return target === undefined || target === 0 || target === '' ? { ...out, targetPort: out.port } : out;
};

/** The types whose traffic kube-proxy routes inside the cluster. */
const PROXIED_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'];

/**
 * A Service's type (ClusterIP), session affinity, ports, traffic policies and load balancer
 * node ports, and its status's load balancer (shown empty until one is given; each address
 * given a VIP mode).
 */
export const serviceDefaults = (service: KubeObject): void => {
  const spec = specOf(service);
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  else if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = fieldsOf(fieldsOf(spec.sessionAffinityConfig).clientIP);
    if (clientIP.timeoutSeconds === undefined)
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: CLIENT_IP_AFFINITY_SECONDS } };
  }
  spec.type ||= 'ClusterIP';
  if (Array.isArray(spec.ports)) spec.ports = spec.ports.map(servicePort);
  if (externallyAccessible(spec)) spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.internalTrafficPolicy === undefined && PROXIED_TYPES.includes(spec.type as string))
    spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  service.spec = spec;
  const status = statusOf(service);
  const loadBalancer = fieldsOf(status.loadBalancer);
  status.loadBalancer =
    spec.type === 'LoadBalancer' && Array.isArray(loadBalancer.ingress)
      ? {
          ...loadBalancer,
          ingress: loadBalancer.ingress.map((ingress: unknown) =>
            isPlainObject(ingress) && ingress.ip && ingress.ipMode === undefined
              ? { ...ingress, ipMode: 'VIP' }
              : ingress,
          ),
        }
      : loadBalancer;
  service.status = status;
};

/** The label the API server gives every Namespace, its name, set again by every update. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export const namespaceDefaults = (ns: KubeObject): void => {
  const { labels, name } = ns.metadata;
  // A new map: the one given may be the caller's.
  if (labels?.[NAMESPACE_NAME_LABEL] !== name)
    ns.metadata.labels = { ...labels, [NAMESPACE_NAME_LABEL]: name as string };
};

/** `stringData` written into `data` as base64, and the type `Opaque` unless given. */
export const secretDefaults = (secret: KubeObject): void => {
  if (isPlainObject(secret.stringData)) {
    const data = { ...(isPlainObject(secret.data) ? secret.data : {}) };
    for (const [k, v] of Object.entries(secret.stringData))
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    secret.data = data;
    delete secret.stringData;
  }
  if (secret.type === undefined) secret.type = 'Opaque';
};

/** A StorageClass's reclaim policy and binding mode: its checks of an update compare them. */
export const storageClassDefaults = (storageClass: KubeObject): void => {
  storageClass.reclaimPolicy ??= 'Delete';
  storageClass.volumeBindingMode ??= 'Immediate';
};
