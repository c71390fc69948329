import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineService } from '../../api/types.js';
import type { KubeObject } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import type { EndpointSubset } from './endpoints.js';
import { EXTERNAL_TRAFFIC_POLICY_ANNOTATION, type Service } from './service.js';
import {
  DEPRECATED_VM_SERVICE_FINALIZER,
  LOAD_BALANCER_CONDITION,
  SERVICE_READY_CONDITION,
  type VirtualMachineServiceControllerOptions,
  VM_SERVICE_FINALIZER,
} from './virtual-machine-service.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';
const NS = 'ns1';

async function setup(options?: VirtualMachineServiceControllerOptions) {
  // Strict: a field the controller writes to a Service or its Endpoints that their types lack fails the write.
  const f = await createSupervisorFixture({
    namespaces: [NS],
    fieldValidation: 'Strict',
    ...(options ? { services: options } : {}),
  });
  const started = f.supervisor.services;
  await f.settle();
  const ref = (kind: string, name: string) => ({
    apiVersion: kind === 'Service' || kind === 'Endpoints' ? 'v1' : HUB,
    kind,
    namespace: NS,
    name,
  });
  const service = (name: string) => f.find<Service>(ref('Service', name));
  const endpoints = (name: string) =>
    f.find<KubeObject & { subsets?: EndpointSubset[] }>(ref('Endpoints', name));
  const vmService = async (name: string) =>
    (await f.find(ref('VirtualMachineService', name))) as unknown as VirtualMachineService | undefined;
  const createService = (
    name: string,
    spec: Record<string, unknown>,
    metadata: Record<string, unknown> = {},
  ) =>
    f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachineService',
      metadata: { name, namespace: NS, ...metadata },
      spec,
    });
  const createVm = (name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}) =>
    f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachine',
      metadata: { name, namespace: NS, labels },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: 'vmi-any' },
        ...spec,
      },
    });
  const setVmStatus = async (name: string, status: Record<string, unknown>) => {
    const vm = await f.kube.get(ref('VirtualMachine', name));
    await f.kube.updateStatus({ ...vm, status: { ...(vm.status as object), ...status } });
  };
  const setIp = (name: string, ip: string) => setVmStatus(name, { network: { primaryIP4: ip } });
  const remove = (kind: string, name: string) => f.kube.delete(ref(kind, name));
  /** How many Services hold a cluster IP (the store gives each its own). */
  const clusterIps = async () =>
    (await f.kube.list<Service>({ apiVersion: 'v1', kind: 'Service', namespace: NS })).items.filter(
      (s) => s.spec?.clusterIP && s.spec.clusterIP !== 'None',
    ).length;
  return {
    ...f,
    ...started,
    ref,
    service,
    endpoints,
    vmService,
    createService,
    createVm,
    setVmStatus,
    setIp,
    remove,
    clusterIps,
  };
}

const lb = (selector: Record<string, string> = { app: 'web' }, extra: Record<string, unknown> = {}) => ({
  type: 'LoadBalancer',
  ports: [{ name: 'apiserver', protocol: 'TCP', port: 6443, targetPort: 6443 }],
  selector,
  ...extra,
});

/** A ClusterIP service: ports it must have, as vm-operator's webhook requires them. */
const clusterIp = (extra: Record<string, unknown> = {}) => ({
  type: 'ClusterIP',
  ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
  ...extra,
});

const readyOf = (s: VirtualMachineService | undefined) =>
  s?.status?.conditions?.find((c) => c.type === SERVICE_READY_CONDITION);

/** The simulated load balancer's word on a Service's address. */
const addressOf = (s: Service | undefined) =>
  s?.status?.conditions?.find((c) => c.type === LOAD_BALANCER_CONDITION);

const targets = (addresses: EndpointSubset['addresses']) =>
  (addresses ?? []).map((a) => [a.ip, a.targetRef.name]);

describe('the VirtualMachineService controller', () => {
  it('makes an owned Service with a VIP, Endpoints of the selected VMs, and reports the ingress', async () => {
    const f = await setup();
    await f.createVm('cp-0', { app: 'web' });
    await f.createVm('cp-1', { app: 'web' });
    await f.createVm('no-ip', { app: 'web' });
    await f.createVm('other', { app: 'db' });
    await f.setIp('cp-1', '192.168.1.11');
    await f.setIp('cp-0', '192.168.1.10');
    await f.setIp('other', '192.168.1.12');
    await f.createService('web', lb(), { labels: { team: 'a' }, annotations: { note: 'x' } });
    await f.settle();

    const owner = await f.vmService('web');
    expect(owner?.metadata.finalizers).toEqual([VM_SERVICE_FINALIZER]);
    const service = await f.service('web');
    expect(service?.metadata.ownerReferences).toEqual([
      {
        apiVersion: HUB,
        kind: 'VirtualMachineService',
        name: 'web',
        uid: owner?.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(service?.metadata.labels).toEqual({ team: 'a' });
    expect(service?.metadata.annotations).toEqual({ note: 'x' });
    expect(service?.spec).toEqual({
      type: 'LoadBalancer',
      ports: [{ name: 'apiserver', protocol: 'TCP', port: 6443, targetPort: 6443 }],
      clusterIP: '10.96.1.1',
      clusterIPs: ['10.96.1.1'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      allocateLoadBalancerNodePorts: false,
      externalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
    });
    expect(service?.spec).not.toHaveProperty('selector');
    expect(service?.status?.loadBalancer).toEqual({ ingress: [{ ip: '192.168.240.2', ipMode: 'VIP' }] });
    expect(service?.status?.conditions).toMatchObject([
      { type: LOAD_BALANCER_CONDITION, status: 'True', reason: 'True' },
    ]);
    expect(owner?.status?.loadBalancer).toEqual({ ingress: [{ ip: '192.168.240.2' }] });
    // The load balancer writes no Ready, as most of a Supervisor's do not.
    expect(readyOf(owner)).toMatchObject({ status: 'Unknown', reason: 'ServiceReadyNotPresent' });

    const eps = await f.endpoints('web');
    expect(eps?.metadata.ownerReferences).toEqual(service?.metadata.ownerReferences);
    expect(eps?.metadata.labels).toEqual({ team: 'a' });
    expect(eps?.subsets).toHaveLength(1);
    const [subset] = eps?.subsets ?? [];
    expect(targets(subset?.addresses)).toEqual([
      ['192.168.1.10', 'cp-0'],
      ['192.168.1.11', 'cp-1'],
    ]);
    const vm = (await f.kube.get(f.ref('VirtualMachine', 'cp-0'))) as unknown as VirtualMachine;
    expect(subset?.addresses?.[0]?.targetRef).toEqual({
      apiVersion: HUB,
      kind: 'VirtualMachine',
      namespace: NS,
      name: 'cp-0',
      uid: vm.metadata.uid,
    });
    expect(subset?.notReadyAddresses).toBeUndefined();
    expect(subset?.ports).toEqual([{ name: 'apiserver', port: 6443, protocol: 'TCP' }]);
    expect(f.supervisor.manager.get('virtualmachineservice-controller')?.errors.size).toBe(0);
  });

  it('writes only the Service fields vm-operator owns, leaving what other writers set', async () => {
    const f = await setup();
    await f.createService('web', lb());
    await f.settle();
    const service = (await f.service('web')) as Service;
    await f.kube.update({
      ...service,
      spec: { ...service.spec, sessionAffinity: 'ClientIP', loadBalancerClass: 'example.com/lb' },
    });
    const vmService = await f.kube.get(f.ref('VirtualMachineService', 'web'));
    await f.kube.update({
      ...vmService,
      spec: { ...(vmService.spec as object), loadBalancerSourceRanges: ['10.0.0.0/8'] },
    });
    await f.settle();
    expect((await f.service('web'))?.spec).toMatchObject({
      sessionAffinity: 'ClientIP',
      loadBalancerClass: 'example.com/lb',
      loadBalancerSourceRanges: ['10.0.0.0/8'],
      clusterIP: service.spec?.clusterIP,
    });
  });

  it("mirrors a Ready the Service's load balancer writes, its time moved by a new reason or message", async () => {
    const f = await setup();
    await f.createService('web', lb());
    await f.settle();
    const setReady = async (message: string, status = 'False') => {
      const service = (await f.service('web')) as Service;
      const others = (service.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      const ready = {
        type: 'Ready',
        status,
        reason: 'Pending',
        message,
        lastTransitionTime: '2025-01-01T00:00:00Z',
      };
      await f.kube.updateStatus({
        ...service,
        status: { ...service.status, conditions: [...others, ready] },
      });
      await f.settle();
      return readyOf(await f.vmService('web'));
    };
    const first = await setReady('queued');
    expect(first).toMatchObject({ status: 'False', reason: 'Pending', message: 'queued' });
    await f.advance(5_000);
    const second = await setReady('programming');
    expect(second).toMatchObject({ status: 'False', reason: 'Pending', message: 'programming' });
    expect(second?.lastTransitionTime).not.toBe(first?.lastTransitionTime);
    // Ready True: vm-operator marks it True with reason True and no message of its own.
    expect(await setReady('programmed', 'True')).toMatchObject({
      status: 'True',
      reason: 'True',
      message: '',
    });
    // The load balancer's own condition stays beside it.
    expect(addressOf(await f.service('web'))).toMatchObject({ status: 'True' });
  });

  it('follows VMs: a new IP joins, a relabelled or deleted VM leaves, probes decide readiness', async () => {
    const f = await setup();
    await f.createService('web', lb());
    await f.createVm('a', { app: 'web' });
    await f.settle();
    expect((await f.endpoints('web'))?.subsets).toBeUndefined();

    await f.setIp('a', '192.168.1.20');
    await f.settle();
    expect(targets((await f.endpoints('web'))?.subsets?.[0]?.addresses)).toEqual([['192.168.1.20', 'a']]);

    // Relabelled: its old labels map it to the service, which drops it.
    const vm = await f.kube.get(f.ref('VirtualMachine', 'a'));
    await f.kube.update({
      ...vm,
      metadata: { ...vm.metadata, labels: { ...vm.metadata.labels, app: 'db' } },
    });
    await f.settle();
    expect((await f.endpoints('web'))?.subsets).toBeUndefined();

    // A VM with a probe: not ready by its condition, then ready.
    await f.createVm('b', { app: 'web' }, { readinessProbe: { tcpSocket: { port: 6443 } } });
    await f.setVmStatus('b', { network: { primaryIP4: '192.168.1.21' } });
    await f.settle();
    // No verdict yet and not listed before: not ready.
    expect(targets((await f.endpoints('web'))?.subsets?.[0]?.notReadyAddresses)).toEqual([
      ['192.168.1.21', 'b'],
    ]);
    const condition = (status: 'True' | 'False') => ({
      type: 'Ready',
      status,
      reason: status,
      message: '',
      lastTransitionTime: '2020-01-01T00:00:00Z',
    });
    await f.setVmStatus('b', { conditions: [condition('False')] });
    await f.settle();
    let subset = (await f.endpoints('web'))?.subsets?.[0];
    expect(subset?.addresses).toBeUndefined();
    expect(targets(subset?.notReadyAddresses)).toEqual([['192.168.1.21', 'b']]);
    await f.setVmStatus('b', { conditions: [condition('True')] });
    await f.settle();
    subset = (await f.endpoints('web'))?.subsets?.[0];
    expect(targets(subset?.addresses)).toEqual([['192.168.1.21', 'b']]);

    // With no condition any more, it stays as ready as it was.
    await f.setVmStatus('b', { conditions: [] });
    await f.settle();
    expect(targets((await f.endpoints('web'))?.subsets?.[0]?.addresses)).toEqual([['192.168.1.21', 'b']]);

    await f.remove('VirtualMachine', 'b');
    await f.settle();
    expect((await f.endpoints('web'))?.subsets).toBeUndefined();
  });

  it('gives ClusterIP services a cluster IP and no ingress, and honours headless and ExternalName', async () => {
    const f = await setup();
    await f.createService('plain', clusterIp({ selector: { app: 'x' } }));
    await f.createService('named', clusterIp({ clusterIp: '10.96.0.42' }));
    await f.createService('headless', { type: 'ClusterIP', clusterIp: 'None', selector: { app: 'x' } });
    await f.createService('ext', { type: 'ExternalName', externalName: 'db.example.com' });
    await f.settle();

    const plain = await f.service('plain');
    expect(plain?.spec).toMatchObject({
      type: 'ClusterIP',
      clusterIP: '10.96.1.1',
      clusterIPs: ['10.96.1.1'],
    });
    expect(plain?.spec).not.toHaveProperty('allocateLoadBalancerNodePorts');
    expect(plain?.status).toEqual({ loadBalancer: {} });
    const owner = await f.vmService('plain');
    expect(owner?.status?.loadBalancer).toEqual({});
    expect(readyOf(owner)).toMatchObject({
      status: 'Unknown',
      reason: 'ServiceReadyNotPresent',
      message: 'Underlying Service does not have Ready condition',
    });
    expect((await f.service('named'))?.spec?.clusterIP).toBe('10.96.0.42');
    expect((await f.service('headless'))?.spec).toMatchObject({
      clusterIP: 'None',
      // The API server's default for a headless Service without a selector.
      ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv4'],
    });
    const ext = await f.service('ext');
    expect(ext?.spec).toEqual({
      type: 'ExternalName',
      externalName: 'db.example.com',
      sessionAffinity: 'None',
    });
    // Selectorless: no Endpoints, as vm-operator leaves them to whoever made the service.
    expect(await f.endpoints('named')).toBeUndefined();
    expect(await f.endpoints('plain')).toBeDefined();
    expect(await f.clusterIps()).toBe(2);
  });

  it('refuses a cluster IP in use or out of range, and converges once it is free', async () => {
    const f = await setup();
    const controller = f.controller;
    await f.createService('first', clusterIp({ clusterIp: '10.96.0.42' }));
    await f.createService('second', clusterIp({ clusterIp: '10.96.0.42' }));
    await f.createService('outside', clusterIp({ clusterIp: '10.97.0.1' }));
    await f.settle();
    expect(await f.service('second')).toBeUndefined();
    expect(controller.errorOf('ns1/second')).toMatchObject({
      reason: 'Invalid',
      message: expect.stringContaining('failed to allocate IP 10.96.0.42: provided IP is already allocated'),
    });
    expect(controller.errorOf('ns1/outside')).toMatchObject({
      message: expect.stringContaining('is not in the valid range. The range of valid IPs is 10.96.0.0/16'),
    });

    await f.remove('VirtualMachineService', 'first');
    await f.settle();
    expect(await f.service('first')).toBeUndefined();
    await f.advance(1000);
    expect((await f.service('second'))?.spec?.clusterIP).toBe('10.96.0.42');
    expect(controller.errorOf('ns1/second')).toBeUndefined();
  });

  it('hands out VIPs in order, reuses freed ones, and is the same on every run', async () => {
    const run = async () => {
      const f = await setup();
      for (const name of ['a', 'b', 'c']) await f.createService(name, lb());
      await f.settle();
      const before = await Promise.all(
        ['a', 'b', 'c'].map(async (n) => [
          (await f.service(n))?.status?.loadBalancer,
          (await f.service(n))?.spec?.clusterIP,
        ]),
      );
      await f.remove('VirtualMachineService', 'a');
      await f.settle();
      expect(await f.service('a')).toBeUndefined();
      expect(await f.endpoints('a')).toBeUndefined();
      // Two services' VIPs and the Supervisor API server's own.
      expect(f.loadBalancerAddresses.size).toBe(3);
      expect(f.loadBalancerAddresses.holderOf('192.168.240.2')).toBeUndefined();
      await f.createService('d', lb());
      await f.settle();
      return { before, d: (await f.service('d'))?.status?.loadBalancer?.ingress };
    };
    const first = await run();
    // Cluster IPs after 10.96.1.0, the Supervisor API server's own Service's.
    expect(first.before).toEqual([
      [{ ingress: [{ ip: '192.168.240.2', ipMode: 'VIP' }] }, '10.96.1.1'],
      [{ ingress: [{ ip: '192.168.240.3', ipMode: 'VIP' }] }, '10.96.1.2'],
      [{ ingress: [{ ip: '192.168.240.4', ipMode: 'VIP' }] }, '10.96.1.3'],
    ]);
    expect(first.d).toEqual([{ ip: '192.168.240.2', ipMode: 'VIP' }]);
    expect(await run()).toEqual(first);
  });

  it('gives loadBalancerIP when free, reports why not otherwise, and converges once it is', async () => {
    const f = await setup();
    await f.createService('owner', lb({ app: 'a' }, { loadBalancerIP: '192.168.240.77' }));
    await f.createService('rival', lb({ app: 'a' }, { loadBalancerIP: '192.168.240.77' }));
    await f.createService('far', lb({ app: 'a' }, { loadBalancerIP: '10.0.0.1' }));
    // The Supervisor API server's address is its own.
    await f.createService('api', lb({ app: 'a' }, { loadBalancerIP: '192.168.240.1' }));
    await f.settle();
    expect(addressOf(await f.service('api'))).toMatchObject({
      status: 'False',
      message: 'loadBalancerIP 192.168.240.1 is in use by another service',
    });
    expect((await f.service('owner'))?.status?.loadBalancer).toEqual({
      ingress: [{ ip: '192.168.240.77', ipMode: 'VIP' }],
    });
    expect((await f.service('owner'))?.spec?.loadBalancerIP).toBe('192.168.240.77');
    const rival = await f.vmService('rival');
    expect(rival?.status?.loadBalancer).toEqual({});
    expect(addressOf(await f.service('rival'))).toMatchObject({
      status: 'False',
      reason: 'LoadBalancerIPUnavailable',
      message: 'loadBalancerIP 192.168.240.77 is in use by another service',
    });
    expect(addressOf(await f.service('far'))).toMatchObject({
      status: 'False',
      message: "loadBalancerIP 10.0.0.1 is not in the load balancer's range 192.168.240.0/24",
    });

    await f.remove('VirtualMachineService', 'owner');
    await f.settle();
    const won = await f.vmService('rival');
    expect(won?.status?.loadBalancer).toEqual({ ingress: [{ ip: '192.168.240.77' }] });
    expect(addressOf(await f.service('rival'))).toMatchObject({ status: 'True' });
  });

  it('waits for an address when the range is full', async () => {
    const f = await setup({ loadBalancerRange: { cidr: '10.10.0.0/30' } });
    for (const name of ['a', 'b', 'c']) await f.createService(name, lb());
    await f.settle();
    expect(addressOf(await f.service('c'))).toMatchObject({
      status: 'False',
      reason: 'NoAddressAvailable',
      message: 'no free address in 10.10.0.0/30',
    });
    await f.remove('VirtualMachineService', 'a');
    await f.settle();
    expect((await f.vmService('c'))?.status?.loadBalancer).toEqual({ ingress: [{ ip: '10.10.0.1' }] });
  });

  it('keeps the type, as the webhook does, and gives the VIP back with the service', async () => {
    const f = await setup();
    await f.createService('web', lb());
    await f.settle();
    // The service's VIP and the Supervisor API server's own.
    expect(f.loadBalancerAddresses.size).toBe(2);
    await expect(
      f.kube.patch(f.ref('VirtualMachineService', 'web'), { spec: { type: 'ClusterIP' } }, { type: 'merge' }),
    ).rejects.toMatchObject({
      code: 422,
      message:
        'admission webhook "default.validating.virtualmachineservice.v1alpha6.vmoperator.vmware.com" denied the request: spec.type: Forbidden: field is immutable',
    });
    await f.remove('VirtualMachineService', 'web');
    await f.settle();
    expect(f.loadBalancerAddresses.size).toBe(1);
    expect(await f.clusterIps()).toBe(0);
  });

  it('puts back a Service or Endpoints removed by hand, with the same addresses', async () => {
    const f = await setup();
    await f.createService('web', lb());
    await f.createVm('a', { app: 'web' });
    await f.setIp('a', '192.168.1.5');
    await f.settle();
    const before = await f.service('web');
    await f.remove('Service', 'web');
    await f.remove('Endpoints', 'web');
    await f.settle();
    const after = await f.service('web');
    expect(after?.metadata.uid).not.toBe(before?.metadata.uid);
    expect(after?.spec).toEqual(before?.spec);
    expect(after?.status?.loadBalancer).toEqual(before?.status?.loadBalancer);
    expect(targets((await f.endpoints('web'))?.subsets?.[0]?.addresses)).toEqual([['192.168.1.5', 'a']]);
  });

  it('leaves owned objects to the garbage collector when the finalizer is gone', async () => {
    const f = await setup();
    await f.createService('web', lb());
    await f.settle();
    f.controller.stop();
    const owner = await f.kube.get(f.ref('VirtualMachineService', 'web'));
    await f.kube.update({ ...owner, metadata: { ...owner.metadata, finalizers: [] } });
    await f.remove('VirtualMachineService', 'web');
    expect(await f.service('web')).toBeUndefined();
    expect(await f.endpoints('web')).toBeUndefined();
  });

  it('refuses a Service another controller owns, and converges once it is gone', async () => {
    const f = await setup();
    const other = await f.kube.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'd', namespace: NS },
    });
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: NS,
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'd',
            uid: other.metadata.uid as string,
            controller: true,
          },
        ],
      },
      spec: { type: 'ClusterIP', ports: [{ port: 80 }] },
    });
    await f.createService('web', lb());
    await f.settle();
    expect(f.controller.errorOf('ns1/web')).toMatchObject({
      message: 'Object ns1/web is already owned by another ConfigMap controller d',
    });
    await f.remove('Service', 'web');
    await f.settle();
    expect((await f.service('web'))?.status?.loadBalancer?.ingress).toEqual([
      { ip: '192.168.240.2', ipMode: 'VIP' },
    ]);
    expect(f.controller.errorOf('ns1/web')).toBeUndefined();
  });

  it('swaps the deprecated finalizer, merges labels and annotations, and refuses IPv6 first', async () => {
    const f = await setup();
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: NS,
        labels: { kept: 'yes' },
        annotations: { [EXTERNAL_TRAFFIC_POLICY_ANNOTATION]: 'Local' },
      },
      spec: { type: 'ClusterIP', ports: [{ port: 80 }] },
    });
    await f.createService('web', lb(), {
      finalizers: [DEPRECATED_VM_SERVICE_FINALIZER],
      labels: { app: 'web' },
    });
    await f.createService('v6', lb({ app: 'x' }, { ipFamilies: ['IPv6'] }));
    await f.createService('dual', lb({ app: 'x' }, { ipFamilies: ['IPv4', 'IPv6'] }));
    await f.settle();
    expect((await f.vmService('web'))?.metadata.finalizers).toEqual([VM_SERVICE_FINALIZER]);
    const service = await f.service('web');
    expect(service?.metadata.labels).toEqual({ kept: 'yes', app: 'web' });
    // The traffic policy annotation is vm-operator's own: dropped when the owner has none (and
    // with it the empty map).
    expect(service?.metadata.annotations).toBeUndefined();
    expect(service?.spec?.externalTrafficPolicy).toBe('Cluster');
    expect(await f.clusterIps()).toBe(1);
    expect(f.controller.errorOf('ns1/v6')).toMatchObject({
      reason: 'Invalid',
      message:
        'Service "v6" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster',
    });
    expect(f.controller.errorOf('ns1/dual')).toMatchObject({
      message:
        'Service "dual" is invalid: spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster',
    });
    await f.kube.patch(
      f.ref('VirtualMachineService', 'web'),
      { metadata: { annotations: { [EXTERNAL_TRAFFIC_POLICY_ANNOTATION]: 'Local' } } },
      { type: 'merge' },
    );
    await f.settle();
    expect((await f.service('web'))?.spec?.externalTrafficPolicy).toBe('Local');
    // On a ClusterIP service the annotation's policy is set all the same, and the API server refuses it.
    await f.createService('internal', clusterIp(), {
      annotations: { [EXTERNAL_TRAFFIC_POLICY_ANNOTATION]: 'Local' },
    });
    await f.settle();
    expect(await f.service('internal')).toBeUndefined();
    expect((f.controller.errorOf('ns1/internal') as Error | undefined)?.message).toMatch(
      /spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services/,
    );
  });
});
