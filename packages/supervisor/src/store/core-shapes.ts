/**
 * The fields of the built-in kinds' Go types (core/v1 and storage/v1, as Kubernetes 1.32 has
 * them): decoding an object into them drops any other field, and strict field validation refuses
 * it (see schema-shape.ts). A PersistentVolume's spec, with its many volume sources, is kept whole.
 * Their types are checked as Go's decoder checks them (structure.ts), not here.
 */
import type { SchemaShape } from './schema-shape.js';

/** An object of these fields, each kept whole. */
const fields = (...names: string[]): SchemaShape => ({
  f: Object.fromEntries(names.map((name) => [name, 0])),
});

const listOf = (item: SchemaShape): SchemaShape => ({ i: item });

/** An object's fields, by name, and its apiVersion and kind: a kind's top level in v1. */
const topLevel = (shape: Record<string, SchemaShape>): Readonly<Record<string, SchemaShape>> => ({
  v1: { f: { apiVersion: 0, kind: 0, ...shape } },
});

const LABEL_SELECTOR: SchemaShape = {
  f: { matchLabels: 0, matchExpressions: listOf(fields('key', 'operator', 'values')) },
};

const OBJECT_REFERENCE = fields(
  'kind',
  'namespace',
  'name',
  'uid',
  'apiVersion',
  'resourceVersion',
  'fieldPath',
);

const ENDPOINT_ADDRESS: SchemaShape = { f: { ip: 0, hostname: 0, nodeName: 0, targetRef: OBJECT_REFERENCE } };

export const CORE_SHAPES = {
  Namespace: topLevel({
    spec: fields('finalizers'),
    status: {
      f: {
        phase: 0,
        conditions: listOf(fields('type', 'status', 'lastTransitionTime', 'reason', 'message')),
      },
    },
  }),
  ConfigMap: topLevel({ data: 0, binaryData: 0, immutable: 0 }),
  Secret: topLevel({ data: 0, stringData: 0, type: 0, immutable: 0 }),
  Service: topLevel({
    spec: {
      f: {
        ports: listOf(fields('name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort')),
        selector: 0,
        clusterIP: 0,
        clusterIPs: 0,
        type: 0,
        externalIPs: 0,
        sessionAffinity: 0,
        loadBalancerIP: 0,
        loadBalancerSourceRanges: 0,
        externalName: 0,
        externalTrafficPolicy: 0,
        healthCheckNodePort: 0,
        publishNotReadyAddresses: 0,
        sessionAffinityConfig: { f: { clientIP: fields('timeoutSeconds') } },
        ipFamilies: 0,
        ipFamilyPolicy: 0,
        allocateLoadBalancerNodePorts: 0,
        loadBalancerClass: 0,
        internalTrafficPolicy: 0,
        trafficDistribution: 0,
      },
    },
    status: {
      f: {
        loadBalancer: {
          f: {
            ingress: listOf({
              f: { ip: 0, hostname: 0, ipMode: 0, ports: listOf(fields('port', 'protocol', 'error')) },
            }),
          },
        },
        conditions: listOf(
          fields('type', 'status', 'observedGeneration', 'lastTransitionTime', 'reason', 'message'),
        ),
      },
    },
  }),
  Endpoints: topLevel({
    subsets: listOf({
      f: {
        addresses: listOf(ENDPOINT_ADDRESS),
        notReadyAddresses: listOf(ENDPOINT_ADDRESS),
        ports: listOf(fields('name', 'port', 'protocol', 'appProtocol')),
      },
    }),
  }),
  PersistentVolumeClaim: topLevel({
    spec: {
      f: {
        accessModes: 0,
        selector: LABEL_SELECTOR,
        resources: fields('limits', 'requests'),
        volumeName: 0,
        storageClassName: 0,
        volumeMode: 0,
        dataSource: fields('apiGroup', 'kind', 'name'),
        dataSourceRef: fields('apiGroup', 'kind', 'name', 'namespace'),
        volumeAttributesClassName: 0,
      },
    },
    status: {
      f: {
        phase: 0,
        accessModes: 0,
        capacity: 0,
        conditions: listOf(
          fields('type', 'status', 'lastProbeTime', 'lastTransitionTime', 'reason', 'message'),
        ),
        allocatedResources: 0,
        allocatedResourceStatuses: 0,
        currentVolumeAttributesClassName: 0,
        modifyVolumeStatus: fields('targetVolumeAttributesClassName', 'status'),
      },
    },
  }),
  PersistentVolume: topLevel({
    spec: 0,
    status: fields('phase', 'message', 'reason', 'lastPhaseTransitionTime'),
  }),
  ResourceQuota: topLevel({
    spec: {
      f: {
        hard: 0,
        scopes: 0,
        scopeSelector: { f: { matchExpressions: listOf(fields('scopeName', 'operator', 'values')) } },
      },
    },
    status: fields('hard', 'used'),
  }),
  Event: topLevel({
    involvedObject: OBJECT_REFERENCE,
    reason: 0,
    message: 0,
    source: fields('component', 'host'),
    firstTimestamp: 0,
    lastTimestamp: 0,
    count: 0,
    type: 0,
    eventTime: 0,
    series: fields('count', 'lastObservedTime'),
    action: 0,
    related: OBJECT_REFERENCE,
    reportingComponent: 0,
    reportingInstance: 0,
  }),
  StorageClass: topLevel({
    provisioner: 0,
    parameters: 0,
    reclaimPolicy: 0,
    mountOptions: 0,
    allowVolumeExpansion: 0,
    volumeBindingMode: 0,
    allowedTopologies: listOf({ f: { matchLabelExpressions: listOf(fields('key', 'values')) } }),
  }),
} as const satisfies Record<string, Readonly<Record<string, SchemaShape>>>;
