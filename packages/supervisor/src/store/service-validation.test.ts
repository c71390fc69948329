import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { KubeError } from './errors.js';
import { KubeStore } from './kube-store.js';
import type { KubeObject } from './meta.js';

type Spec = Record<string, unknown>;

const newStore = () =>
  new KubeStore({ clock: new VirtualClock(0), random: new Random(1) }, { namespaces: ['ns1'] });

const service = (spec: Spec, name = 'web'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns1' },
  spec,
});

/** The causes of a refused create, as `field: message`; the store left as it was. */
async function refusal(spec: Spec): Promise<string[]> {
  const store = newStore();
  const version = store.resourceVersion;
  const error = (await store.create(service(spec)).then(
    () => undefined,
    (e: unknown) => e,
  )) as KubeError | undefined;
  expect(error, 'refused').toBeDefined();
  expect(error?.code).toBe(422);
  expect(error?.reason).toBe('Invalid');
  expect(store.resourceVersion).toBe(version);
  return (error?.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

const http = { name: 'http', port: 80 };

describe("a Service's spec, as the API server validates it", () => {
  it('needs ports unless headless or ExternalName', async () => {
    expect(await refusal({})).toEqual(['spec.ports: Required value']);
    const store = newStore();
    await expect(store.create(service({ clusterIP: 'None' }, 'headless'))).resolves.toBeDefined();
    await expect(
      store.create(service({ type: 'ExternalName', externalName: 'db.example.com' }, 'ext')),
    ).resolves.toBeDefined();
  });

  it('checks each port: name, number, protocol and target port', async () => {
    expect(
      await refusal({
        ports: [
          { port: 80 },
          { name: 'Web', port: 0, protocol: 'HTTP', targetPort: 70_000 },
          { name: 'web', port: 81, targetPort: 'very-long-port-name' },
          { name: 'web', port: 82, targetPort: '8080' },
          { name: 'dup', port: 83, targetPort: 'a--b-' },
        ],
      }),
    ).toEqual([
      'spec.ports[0].name: Required value',
      `spec.ports[1].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[2].targetPort: Invalid value: "very-long-port-name": must be no more than 15 characters',
      'spec.ports[3].name: Duplicate value: "web"',
      'spec.ports[3].targetPort: Invalid value: "8080": must contain at least one letter (a-z)',
      'spec.ports[4].targetPort: Invalid value: "a--b-": must not contain consecutive hyphens',
      'spec.ports[4].targetPort: Invalid value: "a--b-": must not begin or end with a hyphen',
    ]);
    expect(await refusal({ ports: [{ ...http, targetPort: 'Web_1' }] })).toEqual([
      'spec.ports[0].targetPort: Invalid value: "Web_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ]);
  });

  it('refuses duplicate ports and node ports, and node ports of a ClusterIP Service', async () => {
    expect(
      await refusal({
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80, nodePort: 30100 },
          { name: 'b', port: 80, nodePort: 30100 },
        ],
      }),
    ).toEqual([
      'spec.ports[1].nodePort: Duplicate value: 30100',
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]);
    expect(await refusal({ ports: [{ ...http, nodePort: 30100 }] })).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
  });

  it('knows the types and session affinities, and bounds client IP affinity', async () => {
    expect(await refusal({ type: 'Internal', ports: [http] })).toEqual([
      'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      // Defaulted for the types that have it only.
      'spec.internalTrafficPolicy: Required value',
    ]);
    expect(await refusal({ sessionAffinity: 'Sticky', ports: [http] })).toEqual([
      'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
    ]);
    expect(
      await refusal({
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 86_401 } },
        ports: [http],
      }),
    ).toEqual([
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400',
    ]);
  });

  it('needs an external name for ExternalName, a DNS name, and no cluster IP', async () => {
    expect(await refusal({ type: 'ExternalName' })).toEqual(['spec.externalName: Required value']);
    expect(await refusal({ type: 'ExternalName', externalName: 'Db_1' })).toEqual([
      `spec.externalName: Invalid value: "Db_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
    expect(
      await refusal({
        type: 'ExternalName',
        externalName: 'db.example.com',
        clusterIP: '10.96.0.5',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
      }),
    ).toEqual([
      'spec.clusterIPs: Forbidden: may not be set for ExternalName services',
      'spec.ipFamilies: Forbidden: may not be set for ExternalName services',
      'spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services',
    ]);
  });

  it('keeps clusterIP and clusterIPs in step, each an address, None alone and never for node ports', async () => {
    expect(await refusal({ clusterIPs: ['10.96.0.5'], ports: [http] })).toEqual([
      'spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: must be empty when `clusterIP` is not specified',
    ]);
    expect(await refusal({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.6'], ports: [http] })).toEqual([
      'spec.clusterIPs: Invalid value: []string{"10.96.0.6"}: first value must match `clusterIP`',
    ]);
    expect(await refusal({ clusterIP: '10.96.0.05', ports: [http] })).toEqual([
      'spec.clusterIPs[0]: Invalid value: "10.96.0.05": must not have leading 0s',
    ]);
    expect(await refusal({ clusterIP: 'None', clusterIPs: ['None', '10.96.0.6'], ports: [http] })).toEqual([
      `spec.clusterIPs: Invalid value: []string{"None", "10.96.0.6"}: 'None' must be the first and only value`,
    ]);
    expect(await refusal({ type: 'NodePort', clusterIP: 'None', ports: [http] })).toEqual([
      'spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services',
    ]);
    expect(await refusal({ clusterIP: 'None', ports: [http], ipFamilies: ['IPv5'] })).toEqual([
      'spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"',
    ]);
    expect(await refusal({ ports: [http], ipFamilyPolicy: 'Both' })).toEqual([
      'spec.ipFamilyPolicy: Unsupported value: "Both": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"',
    ]);
  });

  it('holds traffic policies, the health check port and node port allocation to their types', async () => {
    expect(await refusal({ externalTrafficPolicy: 'Local', ports: [http] })).toEqual([
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    ]);
    expect(await refusal({ type: 'NodePort', externalTrafficPolicy: 'Nearest', ports: [http] })).toEqual([
      'spec.externalTrafficPolicy: Unsupported value: "Nearest": supported values: "Cluster", "Local"',
    ]);
    expect(await refusal({ type: 'NodePort', healthCheckNodePort: 30100, ports: [http] })).toEqual([
      "spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    ]);
    expect(await refusal({ internalTrafficPolicy: 'Node', ports: [http] })).toEqual([
      'spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"',
    ]);
    expect(await refusal({ allocateLoadBalancerNodePorts: false, ports: [http] })).toEqual([
      "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
    ]);
  });

  it("refuses a field of the wrong type before reading it (400, in Go's decoder's words)", async () => {
    const store = newStore();
    await expect(store.create(service({ ports: [{ port: '80' }] }))).rejects.toMatchObject({
      code: 400,
      message:
        'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field Service.spec of type int32',
    });
  });

  it('reports every problem of an update and keeps the stored Service', async () => {
    const store = newStore();
    const web = await store.create(service({ ports: [http] }));
    await expect(
      store.update({ ...web, spec: { ...(web.spec as Spec), type: 'Mesh', ports: [] } }),
    ).rejects.toMatchObject({
      code: 422,
      message:
        'Service "web" is invalid: [spec.ports: Required value, spec.type: Unsupported value: "Mesh": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]',
    });
    const stored = await store.get({ apiVersion: 'v1', kind: 'Service', namespace: 'ns1', name: 'web' });
    expect(stored).toEqual(web);
  });
});
