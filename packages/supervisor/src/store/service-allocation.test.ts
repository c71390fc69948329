import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { KubeStore, type KubeStoreOptions } from './kube-store.js';
import type { KubeObject } from './meta.js';

type Spec = Record<string, unknown>;
type Service = KubeObject & { spec: Spec };

const newStore = (options: KubeStoreOptions = {}) =>
  new KubeStore({ clock: new VirtualClock(0), random: new Random(1) }, { namespaces: ['ns1'], ...options });

const service = (name: string, spec: Spec): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns1' },
  spec,
});

const ref = (name: string) => ({ apiVersion: 'v1', kind: 'Service', namespace: 'ns1', name });
const http = [{ name: 'http', port: 80 }];

async function make(store: KubeStore, name: string, spec: Spec): Promise<Service> {
  return store.create<Service>(service(name, { ports: http, ...spec }) as Service);
}

const nodePorts = (s: Service) => (s.spec.ports as { nodePort?: number }[]).map((p) => p.nodePort);

describe("a Service's cluster IP", () => {
  it('comes from the service range, lowest free first above the band kept for addresses asked for', async () => {
    const store = newStore();
    const a = await make(store, 'a', {});
    const b = await make(store, 'b', { type: 'NodePort' });
    expect(a.spec).toMatchObject({
      clusterIP: '10.96.1.0',
      clusterIPs: ['10.96.1.0'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    });
    expect(b.spec.clusterIP).toBe('10.96.1.1');
    // Given back with the Service, and the next one takes it.
    await store.delete(ref('a'));
    expect((await make(store, 'c', {})).spec.clusterIP).toBe('10.96.1.0');
    // A second write keeps it, whether it names it or not.
    const { clusterIP: _ip, clusterIPs: _ips, ...bare } = b.spec;
    const rewritten = (await store.update({ ...b, spec: bare })) as Service;
    expect(rewritten.spec.clusterIP).toBe('10.96.1.1');
    expect(rewritten.metadata.resourceVersion).toBe(b.metadata.resourceVersion);
  });

  it('is the one asked for, when in range and free, set in clusterIPs from clusterIP', async () => {
    const store = newStore({ serviceRange: '10.100.0.0/24' });
    const asked = await make(store, 'asked', { clusterIP: '10.100.0.10' });
    expect(asked.spec).toMatchObject({ clusterIP: '10.100.0.10', clusterIPs: ['10.100.0.10'] });
    // A /24 keeps 16 addresses for those asked for by name.
    expect((await make(store, 'next', {})).spec.clusterIP).toBe('10.100.0.16');
    const version = store.resourceVersion;
    await expect(make(store, 'taken', { clusterIP: '10.100.0.10' })).rejects.toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'Service "taken" is invalid: spec.clusterIPs: Invalid value: []string{"10.100.0.10"}: failed to allocate IP 10.100.0.10: provided IP is already allocated',
      status: { details: { causes: [{ field: 'spec.clusterIPs', reason: 'FieldValueInvalid' }] } },
    });
    await expect(make(store, 'outside', { clusterIP: '10.96.0.1' })).rejects.toMatchObject({
      message:
        'Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: the provided IP (10.96.0.1) is not in the valid range. The range of valid IPs is 10.100.0.0/24',
    });
    // Refusals hold nothing.
    expect(store.resourceVersion).toBe(version);
    expect((await make(store, 'after', {})).spec.clusterIP).toBe('10.100.0.17');
    await store.delete(ref('asked'));
    expect((await make(store, 'taken', { clusterIP: '10.100.0.10' })).spec.clusterIP).toBe('10.100.0.10');
  });

  it('says when the range is full, and a refused write leaves what it would have taken', async () => {
    const store = newStore({ serviceRange: '10.1.0.0/30' });
    await make(store, 'a', {});
    await make(store, 'b', {});
    await expect(make(store, 'c', {})).rejects.toMatchObject({
      code: 500,
      message: 'Internal error occurred: failed to allocate a serviceIP: range is full',
    });
    await store.delete(ref('a'));
    // Refused by validation after its address was picked: the address stays free.
    await expect(make(store, 'bad', { sessionAffinity: 'Sometimes' })).rejects.toMatchObject({ code: 422 });
    expect((await make(store, 'c', {})).spec.clusterIP).toBe('10.1.0.1');
  });

  it('is None for a headless Service, none for ExternalName, and given back on becoming ExternalName', async () => {
    const store = newStore();
    const headless = await make(store, 'headless', { clusterIP: 'None', ports: [] });
    expect(headless.spec).toMatchObject({
      clusterIP: 'None',
      clusterIPs: ['None'],
      // Headless without a selector: the API server's default policy.
      ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv4'],
    });
    const selected = await make(store, 'selected', { clusterIP: 'None', selector: { app: 'a' } });
    expect(selected.spec.ipFamilyPolicy).toBe('SingleStack');
    const external = await make(store, 'ext', { type: 'ExternalName', externalName: 'db.example.com.' });
    expect(external.spec).not.toHaveProperty('clusterIP');
    expect(external.spec).not.toHaveProperty('ipFamilies');
    const web = await make(store, 'web', {});
    expect(web.spec.clusterIP).toBe('10.96.1.0');
    // Left as they were, the type's addresses and families go with it.
    const moved = (await store.update({
      ...web,
      spec: { ...web.spec, type: 'ExternalName', externalName: 'web.example.com' },
    })) as Service;
    expect(moved.spec).not.toHaveProperty('clusterIP');
    expect(moved.spec).not.toHaveProperty('clusterIPs');
    expect(moved.spec).not.toHaveProperty('ipFamilyPolicy');
    expect((await make(store, 'next', {})).spec.clusterIP).toBe('10.96.1.0');
    // Back from ExternalName: a new address.
    const back = (await store.update({ ...moved, spec: { ...moved.spec, type: 'ClusterIP' } })) as Service;
    expect(back.spec.clusterIP).toBe('10.96.1.1');
  });

  it('cannot change once given, nor be unset', async () => {
    const store = newStore();
    const web = await make(store, 'web', {});
    await expect(
      store.update({ ...web, spec: { ...web.spec, clusterIP: '10.96.1.9', clusterIPs: ['10.96.1.9'] } }),
    ).rejects.toMatchObject({
      message:
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.1.9"}: may not change once set',
    });
    // clusterIP alone changed: clusterIPs follows it, and is refused the same.
    await expect(store.update({ ...web, spec: { ...web.spec, clusterIP: 'None' } })).rejects.toMatchObject({
      message:
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set',
    });
    expect((await store.get<Service>(ref('web'))).spec.clusterIP).toBe('10.96.1.0');
  });

  it('refuses IP families this single-stack cluster has not, and dual stack for an addressed Service', async () => {
    const store = newStore();
    await expect(make(store, 'v6', { ipFamilies: ['IPv6'] })).rejects.toMatchObject({
      message:
        'Service "v6" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster',
    });
    await expect(make(store, 'dual', { ipFamilyPolicy: 'RequireDualStack' })).rejects.toMatchObject({
      message:
        'Service "dual" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    });
    expect((await make(store, 'prefer', { ipFamilyPolicy: 'PreferDualStack' })).spec).toMatchObject({
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'PreferDualStack',
    });
  });
});

describe("a Service's node ports", () => {
  it('are given to NodePort and LoadBalancer Services in order above the kept band, one per port number', async () => {
    const store = newStore();
    const two = [
      { name: 'http', port: 80 },
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ];
    const np = await make(store, 'np', { type: 'NodePort', ports: two });
    expect(nodePorts(np)).toEqual([30086, 30087, 30087]);
    const lb = await make(store, 'lb', { type: 'LoadBalancer' });
    expect(nodePorts(lb)).toEqual([30088]);
    expect(lb.spec).not.toHaveProperty('healthCheckNodePort');
    const none = await make(store, 'none', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
    expect(nodePorts(none)).toEqual([undefined]);
    // One asked for is kept even so.
    const asked = await make(store, 'asked', {
      type: 'LoadBalancer',
      allocateLoadBalancerNodePorts: false,
      ports: [{ name: 'http', port: 80, nodePort: 30000 }],
    });
    expect(nodePorts(asked)).toEqual([30000]);
    expect(nodePorts(await make(store, 'plain', {}))).toEqual([undefined]);
    // A dynamic port passes over one a later port asks for.
    const mixed = await make(store, 'mixed', {
      type: 'NodePort',
      ports: [
        { name: 'a', port: 80 },
        { name: 'b', port: 81, nodePort: 30089 },
      ],
    });
    expect(nodePorts(mixed)).toEqual([30090, 30089]);
    // Given back with the Service.
    await store.delete(ref('np'));
    expect(nodePorts(await make(store, 'again', { type: 'NodePort' }))).toEqual([30086]);
  });

  it('keep theirs across updates that leave them out, and go when the type no longer needs them', async () => {
    const store = newStore();
    const np = await make(store, 'np', { type: 'NodePort' });
    const bare = { ...np, spec: { ...np.spec, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
    expect(nodePorts((await store.update(bare)) as Service)).toEqual([30086]);
    const plain = (await store.update({
      ...np,
      spec: { ...np.spec, type: 'ClusterIP', externalTrafficPolicy: 'Cluster' },
    })) as Service;
    expect(nodePorts(plain)).toEqual([undefined]);
    expect(plain.spec).not.toHaveProperty('externalTrafficPolicy');
    expect(nodePorts(await make(store, 'next', { type: 'NodePort' }))).toEqual([30086]);
  });

  it('refuses one out of range or taken, holding nothing', async () => {
    const store = newStore();
    await make(store, 'a', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30500 }] });
    const version = store.resourceVersion;
    await expect(
      make(store, 'b', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30500 }] }),
    ).rejects.toMatchObject({
      code: 422,
      message:
        'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30500: provided port is already allocated',
    });
    await expect(
      make(store, 'c', {
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 81, nodePort: 8080 },
        ],
      }),
    ).rejects.toMatchObject({
      message:
        'Service "c" is invalid: spec.ports[1].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    });
    expect(store.resourceVersion).toBe(version);
    // Neither the cluster IP nor the port the refused writes picked is held.
    const d = await make(store, 'd', { type: 'NodePort' });
    expect(d.spec.clusterIP).toBe('10.96.1.1');
    expect(nodePorts(d)).toEqual([30086]);
  });

  it('gives a load balancer of local traffic a health check port, and takes it back', async () => {
    const store = newStore();
    const local = await make(store, 'local', {
      type: 'LoadBalancer',
      allocateLoadBalancerNodePorts: false,
      externalTrafficPolicy: 'Local',
    });
    expect(local.spec.healthCheckNodePort).toBe(30086);
    await expect(
      make(store, 'rival', {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 30086,
      }),
    ).rejects.toMatchObject({
      code: 500,
      message:
        'Internal error occurred: failed to allocate requested HealthCheck NodePort 30086: provided port is already allocated',
    });
    const cluster = (await store.update({
      ...local,
      spec: { ...local.spec, externalTrafficPolicy: 'Cluster' },
    })) as Service;
    expect(cluster.spec).not.toHaveProperty('healthCheckNodePort');
    const rival = await make(store, 'rival', {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 30086,
    });
    expect(rival.spec.healthCheckNodePort).toBe(30086);
    // Its port's node port is the next one: the one asked for is kept for its health check.
    expect(nodePorts(rival)).toEqual([30087]);
  });
});
