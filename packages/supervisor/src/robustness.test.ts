/**
 * Property-based robustness of what clients send: valid objects of the kinds users write, with
 * values of the wrong JSON type put anywhere in them, created, updated, patched or written as a
 * status. Every answer is the object or a Kubernetes Status error (never a TypeError of the
 * code that reads it), and the controllers that then reconcile never fail on a type. Lists and
 * watches with options of any type are answered with a List or a Status error too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKubeError } from './store/errors.js';
import type { KubeObject } from './store/meta.js';
import { createSupervisorFixture } from './testing/fixture.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const V1 = 'vmoperator.vmware.com/v1alpha1';
const REGISTRY = 'imageregistry.vmware.com/v1alpha1';
const ref = (apiVersion: string, kind: string) => ({ apiVersion, kind });

/** Valid objects, each with a little of every part its kind has. */
interface Seed {
  readonly apiVersion: string;
  readonly kind: string;
  readonly [field: string]: unknown;
}

const SEEDS = (image: string): readonly Seed[] => [
  {
    ...ref(V5, 'VirtualMachine'),
    spec: {
      className: 'best-effort-small',
      image: { kind: 'VirtualMachineImage', name: image },
      storageClass: 'wcpglobal-storage-profile',
      network: {
        hostName: 'h',
        interfaces: [
          { name: 'eth0', network: { kind: 'Network', name: 'primary' }, addresses: ['10.0.0.5/24'] },
        ],
      },
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }],
      bootstrap: { cloudInit: { cloudConfig: { users: [{ name: 'u' }], runcmd: ['ls'] } } },
      readinessProbe: { guestInfo: [{ key: 'a', value: 'b' }] },
      reserved: { resourcePolicyName: 'p' },
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          message: '',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    },
  },
  {
    ...ref(V5, 'VirtualMachine'),
    spec: {
      className: 'best-effort-small',
      imageName: image,
      bootstrap: { sysprep: { sysprep: { userData: { fullName: 'x' } } } },
      readinessProbe: { tcpSocket: { port: 22 } },
    },
  },
  {
    ...ref(V5, 'VirtualMachineService'),
    spec: {
      type: 'LoadBalancer',
      ports: [{ name: 'a', protocol: 'TCP', port: 80, targetPort: 80 }],
      selector: { a: 'b' },
      loadBalancerSourceRanges: ['10.0.0.0/8'],
    },
  },
  {
    ...ref(V5, 'VirtualMachineClass'),
    spec: { hardware: { cpus: 2, memory: '2Gi' }, policies: { resources: { requests: { cpu: '1' } } } },
  },
  {
    ...ref(V5, 'VirtualMachineSetResourcePolicy'),
    spec: { resourcePool: { name: 'rp', limits: { cpu: '2' } }, folder: 'f', clusterModuleGroups: ['g'] },
  },
  {
    ...ref(V5, 'VirtualMachinePublishRequest'),
    spec: { source: { name: 'vm', apiVersion: V5, kind: 'VirtualMachine' }, target: { item: { name: 'i' } } },
  },
  { ...ref(V5, 'VirtualMachineWebConsoleRequest'), spec: { name: 'vm', publicKey: 'k' } },
  { ...ref('v1', 'Service'), spec: { type: 'LoadBalancer', ports: [{ port: 80 }], selector: { a: 'b' } } },
  { ...ref('v1', 'PersistentVolumeClaim'), spec: { resources: { requests: { storage: '1Gi' } } } },
  // The bootstrap Secret of the VMs, written under its own name (FIXED): the VMs read it.
  {
    ...ref('v1', 'Secret'),
    data: { 'user-data': 'I2Nsb3VkLWNvbmZpZw==' },
    stringData: { 'ssh-public-keys': 'k' },
  },
  { ...ref('v1', 'ConfigMap'), data: { a: 'b' } },
  {
    ...ref(V5, 'VirtualMachine'),
    spec: {
      className: 'best-effort-small',
      imageName: image,
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'boot', key: 'user-data' } } },
    },
  },
  {
    ...ref('vmoperator.vmware.com/v1alpha2', 'VirtualMachine'),
    spec: {
      className: 'best-effort-small',
      imageName: image,
      vmMetadata: { transport: 'CloudInit', secretName: 'boot' },
      networkInterfaces: [{ networkType: 'vsphere-distributed', networkName: 'primary' }],
    },
  },
  {
    ...ref(V1, 'VirtualMachine'),
    spec: {
      className: 'best-effort-small',
      imageName: image,
      powerState: 'poweredOn',
      vmMetadata: { transport: 'CloudInit', configMapName: 'boot' },
      networkInterfaces: [{ networkType: 'vsphere-distributed', networkName: 'primary' }],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'c' } },
        { name: 'boot', vSphereVolume: { deviceKey: 2000, capacity: { 'ephemeral-storage': '40Gi' } } },
      ],
      readinessProbe: { tcpSocket: { port: 6443 } },
      advancedOptions: {
        defaultVolumeProvisioningOptions: { thinProvisioned: true },
        changeBlockTracking: true,
      },
      resourcePolicyName: 'rp',
    },
  },
  {
    ...ref(V1, 'VirtualMachineSetResourcePolicy'),
    spec: { resourcepool: { name: 'rp' }, folder: { name: 'f' }, clustermodules: [{ groupname: 'g' }] },
  },
  {
    ...ref(V1, 'VirtualMachineService'),
    spec: { type: 'LoadBalancer', ports: [{ name: 'a', protocol: 'TCP', port: 80, targetPort: 80 }] },
  },
  { ...ref(V1, 'WebConsoleRequest'), spec: { virtualMachineName: 'vm', publicKey: 'k' } },
  { ...ref('netoperator.vmware.com/v1alpha1', 'NetworkInterface'), spec: { networkName: 'primary' } },
  {
    ...ref(REGISTRY, 'ContentLibrary'),
    spec: { uuid: 'u', writable: true },
    status: {
      name: 'n',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  },
  {
    ...ref(REGISTRY, 'ContentLibraryItem'),
    spec: { uuid: 'u' },
    status: {
      name: 'n',
      type: 'OVF',
      contentVersion: '1',
      securityCompliance: true,
      contentLibraryRef: { name: 'cl', kind: 'ContentLibrary' },
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  },
];

/** Every path of a value, as lists of keys. */
const pathsOf = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
  typeof value === 'object' && value !== null
    ? [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))]
    : [prefix];

/** A copy of `value` with `replacement` at `path`. */
const replaced = (value: unknown, path: readonly (string | number)[], replacement: unknown): unknown => {
  if (path.length === 0) return replacement;
  const [key, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[key] = replaced(copy[key], rest, replacement);
  return copy;
};

/** The kinds whose objects are written under one name, that other objects name. */
const FIXED: Readonly<Record<string, string>> = { Secret: 'boot', ConfigMap: 'boot' };

const WRONG = fc.constantFrom<unknown>(null, true, 7, 1.5, 'x', [], {}, [null], { a: 1 });

describe('what clients send', () => {
  it('is answered with the object or a Status error, whatever type a field has', async () => {
    const f = await createSupervisorFixture({ namespaces: ['ns1'] });
    const images = await f.kube.list({ ...ref(V5, 'VirtualMachineImage'), namespace: 'ns1' });
    const image = images.items[0]?.metadata.name as string;
    const seeds = SEEDS(image);
    // A VM that reads the Secret every seed of it writes.
    const reader = seeds.find((s) => JSON.stringify(s).includes('rawCloudConfig')) as Seed;
    await f.kube.create({ ...reader, metadata: { name: 'reader', namespace: 'ns1' } } as KubeObject);
    const { supervisor } = f;
    const controllers = [
      supervisor.virtualMachines.controller,
      supervisor.networkInterfaces.controller,
      supervisor.images.controller,
      supervisor.images.contentLibraries,
      supervisor.images.libraryItems,
      supervisor.services.controller,
      supervisor.resourcePolicies.controller,
      supervisor.publishRequests.controller,
      supervisor.webConsoleRequests,
      supervisor.volumes,
    ];
    /** The controllers' errors that are not a reconcile's own (a type the code did not expect). */
    const readErrors = () =>
      controllers.flatMap((c) =>
        [...c.errors.values()].filter((e) => e instanceof TypeError || e instanceof RangeError),
      );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(seeds.length - 1),
        fc.array(fc.tuple(fc.nat(), WRONG), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('create', 'update', 'patch', 'status'),
        async (which, changes, op) => {
          const seed = seeds[which] as Seed;
          const name = FIXED[seed.kind] ?? `x${n++}`;
          const metadata = { name, namespace: 'ns1' };
          const paths = pathsOf(seed).filter((p) => p.length > 0 && p[0] !== 'apiVersion' && p[0] !== 'kind');
          let body: unknown = seed;
          for (const [at, value] of changes)
            body = replaced(body, paths[at % paths.length] as (string | number)[], value);
          const sent = {
            ...(body as object),
            apiVersion: seed.apiVersion,
            kind: seed.kind,
            metadata,
          } as KubeObject;
          const target = { apiVersion: seed.apiVersion, kind: seed.kind, ...metadata };
          if (FIXED[seed.kind])
            await f.kube.delete(target).catch((error: unknown) => {
              if (!isKubeError(error) || error.code !== 404) throw error;
            });
          const answer = async () => {
            if (op === 'create') return f.kube.create(sent);
            const created = await f.kube.create({ ...seed, metadata } as KubeObject);
            const current = { ...sent, metadata: created.metadata };
            if (op === 'update') return f.kube.update(current);
            if (op === 'status') return f.kube.updateStatus(current);
            const { apiVersion: _, kind: __, metadata: ___, ...patch } = sent;
            return f.kube.patch(target, patch, { type: 'merge' });
          };
          await answer().catch((error: unknown) => {
            if (!isKubeError(error) || error.code >= 500) throw error;
          });
          await f.settle();
          // Every pass after each write: a failure that a later pass mends would go unseen.
          expect(readErrors()).toEqual([]);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
    expect(f.errors).toEqual([]);
  });

  it('lists and watches with options of any type, answered with a List or a Status error', async () => {
    const f = await createSupervisorFixture({ namespaces: ['ns1'] });
    const option = fc.oneof(
      fc.constant(undefined),
      WRONG,
      fc.string({ maxLength: 8 }),
      fc.constantFrom('a=b', 'a in (b,c)', '!a', 'x=', 'a in (', 'metadata.name=x', '-1', '0'),
      fc.constantFrom({ matchLabels: { a: 5 } }, { matchExpressions: [{ key: 'a', operator: 'Foo' }] }),
    );
    const kinds = [
      ref('v1', 'Namespace'),
      ref('v1', 'ConfigMap'),
      ref(V5, 'VirtualMachine'),
      ref('vmoperator.vmware.com/v1alpha2', 'VirtualMachineImage'),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...kinds),
        fc.record({
          namespace: option,
          labelSelector: option,
          fieldSelector: option,
          limit: option,
          continue: option,
          resourceVersion: option,
        }),
        fc.boolean(),
        async (kind, options, watching) => {
          const sent = { ...kind, ...options } as never;
          try {
            if (!watching) await f.kube.list(sent);
            else await f.kube.watch(sent).return?.();
          } catch (error) {
            if (!isKubeError(error) || error.code >= 500) throw error;
          }
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});
