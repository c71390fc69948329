import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { AdmissionDenied, KubeError, type Status } from './errors.js';
import type { AdmissionOperation, KindDefinition } from './kinds.js';
import { type CacheEvent, KubeStore, type KubeStoreOptions } from './kube-store.js';
import type { KubeObject } from './meta.js';
import type { Watch, WatchEvent } from './watch.js';

const clock = () => new VirtualClock(Date.UTC(2025, 0, 1, 12, 0, 0, 500));

function newStore(options: KubeStoreOptions = {}): KubeStore {
  const store = new KubeStore(
    { clock: clock(), random: new Random(1) },
    { namespaces: ['default', 'ns1'], ...options },
  );
  store.registerKind({
    group: 'example.com',
    versions: ['v1', 'v1beta1'],
    kind: 'Widget',
    plural: 'widgets',
    namespaced: true,
    hasStatus: true,
  });
  return store;
}

const cm = (
  name: string,
  data: Record<string, string> = {},
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns1', ...extra },
  data,
});

const widget = (
  name: string,
  spec: Record<string, unknown> = {},
  meta: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'ns1', ...meta },
  spec,
});

const ref = (o: KubeObject) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name as string,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

/** A namespaced custom resource of example.com, served at v1, with a status subresource. */
const exampleKind = (kind: string): KindDefinition => ({
  group: 'example.com',
  versions: ['v1'],
  kind,
  plural: `${kind.toLowerCase()}s`,
  namespaced: true,
  hasStatus: true,
});

/** A custom resource without a status subresource. */
const GADGETS: KindDefinition = {
  group: 'example.com',
  versions: ['v1'],
  kind: 'Gadget',
  plural: 'gadgets',
  namespaced: true,
  hasStatus: false,
};

const W = { apiVersion: 'example.com/v1', kind: 'Widget' };
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };

async function take(watch: Watch, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  while (out.length < n) {
    const r = await watch.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

const summary = (events: WatchEvent[]) =>
  events.map(
    (e) =>
      `${e.type} ${'name' in e.object.metadata ? e.object.metadata.name : ''}@${
        'resourceVersion' in e.object.metadata ? e.object.metadata.resourceVersion : ''
      }`,
  );

async function exists(store: KubeStore, r: Parameters<KubeStore['get']>[0]): Promise<boolean> {
  try {
    await store.get(r);
    return true;
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return false;
    throw e;
  }
}

describe('create', () => {
  it('fills in uid, creationTimestamp, resourceVersion, and generation for a custom resource', async () => {
    const store = newStore();
    const created = await store.create(cm('a', { k: 'v' }));
    expect(created.metadata).toMatchObject({
      name: 'a',
      namespace: 'ns1',
      creationTimestamp: '2025-01-01T12:00:00Z',
    });
    expect(created.metadata.uid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(created.metadata.resourceVersion).toBe(store.resourceVersion);
    const second = await store.create(cm('b'));
    expect(Number(second.metadata.resourceVersion)).toBe(Number(created.metadata.resourceVersion) + 1);
    // A built-in kind served here has no generation, whatever the caller sends; a custom one starts at 1.
    expect(created.metadata.generation).toBeUndefined();
    expect((await store.create(cm('g', {}, { generation: 7 }))).metadata.generation).toBeUndefined();
    expect((await store.create(widget('w'))).metadata.generation).toBe(1);
  });

  it('is deterministic for a seed', async () => {
    const a = await newStore().create(cm('x'));
    const b = await newStore().create(cm('x'));
    expect(a).toEqual(b);
  });

  it('refuses a name that exists (409 AlreadyExists)', async () => {
    const store = newStore();
    await store.create(cm('a'));
    await expect(store.create(cm('a'))).rejects.toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'configmaps "a" already exists',
      status: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        details: { name: 'a', kind: 'configmaps' },
      },
    });
  });

  it('refuses a resourceVersion on create (500), as the storage of the API server does', async () => {
    const store = newStore();
    const read = await store.create(cm('a'));
    await store.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns1', name: 'a' });
    await expect(store.create(read)).rejects.toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: 'Internal error occurred: resourceVersion should not be set on objects to be created',
    });
    // One it cannot read as a number is dropped, and "0" is none.
    expect((await store.create(cm('b', {}, { resourceVersion: '0' }))).metadata.name).toBe('b');
    expect((await store.create(cm('c', {}, { resourceVersion: 'x1' }))).metadata.name).toBe('c');
  });

  it('generates a name from generateName with a 5-character suffix', async () => {
    const store = newStore();
    const a = await store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'web-', namespace: 'ns1' },
    });
    const b = await store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'web-', namespace: 'ns1' },
    });
    expect(a.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(b.metadata.name).not.toBe(a.metadata.name);
    expect(a.metadata.generateName).toBe('web-');
    // A prefix that breaks the name's rules is reported as such, beside the name drawn from it.
    const refused = await store
      .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'Web_', namespace: 'ns1' } })
      .catch((e: KubeError) => e);
    expect(refused).toMatchObject({ code: 422 });
    expect((refused as KubeError).status.details?.causes?.map((c) => c.field)).toEqual([
      'metadata.generateName',
      'metadata.name',
    ]);
    expect((refused as KubeError).message).toContain(
      'metadata.generateName: Invalid value: "Web_": a lowercase RFC 1123 subdomain',
    );
  });

  it('answers a generateName whose every draw is taken with 409 and the last name drawn', async () => {
    /** A source that always draws the first suffix character. */
    class Stuck extends Random {
      override below(): number {
        return 0;
      }
    }
    const store = new KubeStore({ clock: clock(), random: new Stuck(1) }, { namespaces: ['ns1'] });
    const generated = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'web-', namespace: 'ns1' },
    };
    expect((await store.create(generated)).metadata.name).toBe('web-bbbbb');
    await expect(store.create(generated)).rejects.toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message:
        'configmaps "web-bbbbb" already exists, the server was not able to generate a unique name for the object',
      status: { details: { name: 'web-bbbbb', kind: 'configmaps', retryAfterSeconds: 1 } },
    });
  });

  it('needs an existing namespace for namespaced kinds', async () => {
    const store = newStore();
    await expect(
      store.create({ ...cm('a'), metadata: { name: 'a', namespace: 'nope' } }),
    ).rejects.toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'namespaces "nope" not found',
    });
  });

  it('validates names and labels (422 Invalid)', async () => {
    const store = newStore();
    await expect(store.create(cm('Bad_Name'))).rejects.toMatchObject({ code: 422, reason: 'Invalid' });
    await expect(store.create(cm('ok', {}, { labels: { app: 'not ok!' } }))).rejects.toMatchObject({
      code: 422,
      status: {
        details: {
          causes: [
            {
              field: 'metadata.labels',
              message: `Invalid value: "not ok!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
            },
          ],
        },
      },
    });
    await expect(store.create(cm('ok', {}, { labels: { ['a'.repeat(64)]: 'v' } }))).rejects.toMatchObject({
      message: expect.stringContaining('name part must be no more than 63 bytes'),
    });
    await expect(
      store.create(cm('ok', {}, { labels: { [`${'a'.repeat(254)}/k`]: 'v' } })),
    ).rejects.toMatchObject({
      message: expect.stringContaining('prefix part must be no more than 253 bytes'),
    });
    await expect(store.create(cm('ok', {}, { labels: { 'x/y/z': 'v' } }))).rejects.toMatchObject({
      message: expect.stringContaining(
        `metadata.labels: Invalid value: "x/y/z": a valid label key must consist of`,
      ),
    });
    await expect(
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns1' } }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('name or generateName is required'),
    });
    // Several errors are listed as Go's aggregate prints them, in brackets.
    const both = await store.create(cm('Bad_Name', {}, { labels: { app: '-' } })).catch((e: KubeError) => e);
    expect((both as KubeError).message).toMatch(
      /^ConfigMap "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": .*, metadata\.labels: Invalid value: "-": .*\]$/,
    );
  });

  it('validates annotations and finalizers as the API server does (422 Invalid)', async () => {
    const store = newStore();
    const refusal = (metadata: Record<string, unknown>) =>
      store.create(cm('ok', {}, metadata as never)).then(
        () => 'created',
        (e: KubeError) => `${e.code} ${e.message}`,
      );
    const invalid = (what: string) => `422 ConfigMap "ok" is invalid: ${what}`;
    expect(await refusal({ annotations: 'x' })).toBe(
      invalid('metadata.annotations: Invalid value: must be a map of strings'),
    );
    expect(await refusal({ annotations: { a: 1 } })).toBe(
      invalid('metadata.annotations: Invalid value: 1: must be a string'),
    );
    expect(await refusal({ annotations: { 'a b': 'x' } })).toMatch(
      /^422 ConfigMap "ok" is invalid: metadata\.annotations: Invalid value: "a b": name part must consist of alphanumeric characters/,
    );
    // Keys are qualified names whatever their case; a label key may not have capitals in its prefix.
    expect(await refusal({ annotations: { 'Example.COM/Note': 'x' } })).toBe('created');
    await store.delete({ ...CM, namespace: 'ns1', name: 'ok' });
    expect(await refusal({ annotations: { a: 'x'.repeat(256 * 1024) } })).toBe(
      invalid('metadata.annotations: Too long: must have at most 262144 bytes'),
    );
    expect(await refusal({ finalizers: ['Not A Finalizer!'] })).toMatch(
      /^422 ConfigMap "ok" is invalid: metadata\.finalizers: Invalid value: "Not A Finalizer!": name part must consist of/,
    );
    expect(await refusal({ finalizers: 'x' })).toBe(
      invalid('metadata.finalizers: Invalid value: must be a list of names'),
    );
    expect(await refusal({ finalizers: ['orphan', 'foregroundDeletion'] })).toBe(
      invalid(
        'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
      ),
    );
    expect(await refusal({ finalizers: ['example.com/hold', 'kubernetes'] })).toBe('created');
  });

  it('validates owner references as the API server does (422 Invalid, the path not indexed)', async () => {
    const store = newStore();
    const refusal = (ownerReferences: unknown[]) =>
      store.create(cm('owned', {}, { ownerReferences } as never)).then(
        () => 'created',
        (e: KubeError) => `${e.code} ${e.message}`,
      );
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'u-1' };
    expect(await refusal([{ ...owner, apiVersion: 'a/b/c', name: '' }])).toBe(
      '422 ConfigMap "owned" is invalid: [metadata.ownerReferences.apiVersion: Invalid value: "a/b/c": version must not be empty, metadata.ownerReferences.name: Invalid value: "": name must not be empty]',
    );
    expect(await refusal([{ ...owner, apiVersion: 'example.com/', uid: undefined }])).toBe(
      '422 ConfigMap "owned" is invalid: [metadata.ownerReferences.apiVersion: Invalid value: "example.com/": version must not be empty, metadata.ownerReferences.uid: Invalid value: "": uid must not be empty]',
    );
    expect(
      await refusal([
        { ...owner, controller: true },
        { ...owner, uid: 'u-2', controller: true },
      ]),
    ).toMatch(
      /^422 ConfigMap "owned" is invalid: metadata\.ownerReferences: Invalid value: Only one reference can have Controller set to true/,
    );
    expect(await refusal([owner])).toBe('created');
    // One identical to another is dropped; one that differs in any field is kept.
    const a = await store.create(cm('a'));
    const held = { ...owner, uid: a.metadata.uid as string };
    const other = { ...held, blockOwnerDeletion: true };
    const twice = await store.create(cm('twice', {}, { ownerReferences: [held, { ...held }, other] }));
    expect(twice.metadata.ownerReferences).toEqual([held, other]);
    const again = await store.update({
      ...twice,
      metadata: { ...twice.metadata, ownerReferences: [held, held] },
    });
    expect(again.metadata.ownerReferences).toEqual([held]);
  });

  it('validates on update the metadata a write changes, beside what it keeps as stored', () => {
    const store = newStore();
    const stored = store.direct.create(cm('a', {}, { labels: { app: 'ok' }, annotations: { x: 'y' } }));
    const write = (metadata: Partial<KubeObject['metadata']>) => () =>
      store.direct.update({ ...stored, metadata: { ...stored.metadata, ...metadata } });
    expect(write({ labels: { app: 'not ok!' } })).toThrow(expect.objectContaining({ code: 422 }));
    expect(write({ annotations: { x: 1 as unknown as string } })).toThrow(
      expect.objectContaining({ code: 422, message: expect.stringContaining('metadata.annotations') }),
    );
    expect(write({ finalizers: [''] })).toThrow(expect.objectContaining({ code: 422 }));
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: '' };
    expect(write({ ownerReferences: [owner] })).toThrow(
      /ownerReferences\.uid: Invalid value: "": uid must not be empty/,
    );
    expect(store.direct.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns1', name: 'a' })).toBe(
      stored,
    );
    // The stored labels and annotations, kept by reference, beside a new finalizer.
    const next = write({ finalizers: ['example.com/hold'] })();
    expect(next.metadata).toMatchObject({ labels: { app: 'ok' }, finalizers: ['example.com/hold'] });
  });

  it('drops the namespace of cluster-scoped kinds and starts namespaces Active', async () => {
    const store = newStore();
    const ns = await store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ns2', namespace: 'x' },
    });
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    // Whatever finalizers a create sends, the content's cleanup is one.
    for (const [finalizers, stored] of [
      [[], ['kubernetes']],
      [['example.com/x'], ['example.com/x', 'kubernetes']],
      [
        ['kubernetes', 'example.com/x'],
        ['kubernetes', 'example.com/x'],
      ],
    ]) {
      const name = `with-${(finalizers as string[]).length}-${(stored as string[])[0]?.length}`;
      const created = await store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
        spec: { finalizers },
      });
      expect(created.spec).toEqual({ finalizers: stored });
    }
    // Every Namespace is labelled with its name, again by an update that drops it.
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'ns2' });
    const updated = await store.update({ ...ns, metadata: { ...ns.metadata, labels: { team: 'a' } } });
    expect(updated.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'ns2' });
    const selected = await store.list({
      apiVersion: 'v1',
      kind: 'Namespace',
      labelSelector: 'kubernetes.io/metadata.name=ns2',
    });
    expect(selected.items.map((n) => n.metadata.name)).toEqual(['ns2']);
  });

  it('stores no empty labels, annotations, finalizers or owner references, as Go omits them', async () => {
    const store = newStore();
    const created = await store.create(
      cm('empty', {}, { labels: {}, annotations: {}, finalizers: [], ownerReferences: [] }),
    );
    expect(Object.keys(created.metadata).sort()).toEqual([
      'creationTimestamp',
      'name',
      'namespace',
      'resourceVersion',
      'uid',
    ]);
    const labelled = await store.update({
      ...created,
      metadata: { ...created.metadata, labels: { a: '1' } },
    });
    const patched = await store.patch(
      ref(labelled),
      { metadata: { labels: { a: null } } },
      { type: 'merge' },
    );
    expect(patched.metadata).not.toHaveProperty('labels');
    expect((await store.get(ref(patched))).metadata).not.toHaveProperty('labels');
  });

  it('ignores status on create for kinds with a status subresource', async () => {
    const store = newStore();
    const w = await store.create({ ...widget('w'), status: { ready: true } });
    expect(w.status).toBeUndefined();
  });

  it('answers an unknown kind with 404 NotFound', async () => {
    const store = newStore();
    await expect(
      store.create({ apiVersion: 'v9', kind: 'Nope', metadata: { name: 'a' } }),
    ).rejects.toMatchObject({
      code: 404,
      reason: 'NotFound',
    });
  });

  it('turns Secret stringData into base64 data', async () => {
    const store = newStore();
    const s = await store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns1' },
      stringData: { password: 'hunter2' },
    });
    expect(s.data).toEqual({ password: 'aHVudGVyMg==' });
    expect(s.type).toBe('Opaque');
    expect(s.stringData).toBeUndefined();
  });
});

describe("the API server's defaults of core kinds", () => {
  const SVC = { apiVersion: 'v1', kind: 'Service' };
  const service = (name: string, spec: Record<string, unknown>): KubeObject => ({
    ...SVC,
    metadata: { name, namespace: 'ns1' },
    spec,
  });

  it('gives a Service its type, session affinity, port protocols and target ports, and traffic policy', async () => {
    const store = newStore();
    const ports = [
      { name: 'http', port: 80 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' },
    ];
    const sent = service('web', { ports });
    const s = await store.create(sent);
    expect(s.spec).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      // What the Service's storage allocates (see the Services' tests).
      clusterIP: '10.96.1.0',
      clusterIPs: ['10.96.1.0'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' },
      ],
    });
    expect(s.status).toEqual({ loadBalancer: {} });
    // The caller's object is left as it was.
    expect(sent.spec).toEqual({ ports });
    expect(ports[0]).toEqual({ name: 'http', port: 80 });
    // Written again as read, nothing changes: no new resourceVersion.
    expect((await store.update(s)).metadata.resourceVersion).toBe(s.metadata.resourceVersion);
  });

  it('gives a LoadBalancer Service allocateLoadBalancerNodePorts and external traffic policy, and its addresses the VIP mode', async () => {
    const store = newStore();
    const s = await store.create(
      service('lb', { type: 'LoadBalancer', ports: [{ port: 443, targetPort: 0 }] }),
    );
    expect(s.spec).toMatchObject({
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      allocateLoadBalancerNodePorts: true,
      ports: [{ port: 443, protocol: 'TCP', targetPort: 443 }],
    });
    const ingress = [
      { ip: '192.168.1.10' },
      { hostname: 'lb.example.com' },
      { ip: '192.168.1.11', ipMode: 'Proxy' },
    ];
    const written = await store.updateStatus({ ...s, status: { loadBalancer: { ingress } } });
    expect(written.status).toEqual({
      loadBalancer: {
        ingress: [
          { ip: '192.168.1.10', ipMode: 'VIP' },
          { hostname: 'lb.example.com' },
          { ip: '192.168.1.11', ipMode: 'Proxy' },
        ],
      },
    });
    expect(ingress[0]).toEqual({ ip: '192.168.1.10' });
    // What the caller sets stays.
    const chosen = await store.create(
      service('local', {
        type: 'NodePort',
        ports: [{ port: 80 }],
        externalTrafficPolicy: 'Local',
        internalTrafficPolicy: 'Local',
      }),
    );
    expect(chosen.spec).toMatchObject({ externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' });
    expect(chosen.spec).not.toHaveProperty('allocateLoadBalancerNodePorts');
  });

  it('gives client IP affinity three hours unless told, drops an affinity config without affinity, and ExternalName no policy', async () => {
    const store = newStore();
    const ports = [{ port: 80 }];
    const sticky = await store.create(service('sticky', { ports, sessionAffinity: 'ClientIP' }));
    expect(sticky.spec).toMatchObject({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 10_800 } } });
    const told = await store.create(
      service('told', {
        ports,
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      }),
    );
    expect(told.spec).toMatchObject({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    const none = await store.create(
      service('none', { ports, sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    );
    expect(none.spec).not.toHaveProperty('sessionAffinityConfig');
    const external = await store.create(
      service('ext', { type: 'ExternalName', externalName: 'db.example.com' }),
    );
    expect(external.spec).toEqual({
      type: 'ExternalName',
      externalName: 'db.example.com',
      sessionAffinity: 'None',
    });
    const exposed = await store.create(service('exposed', { ports, externalIPs: ['203.0.113.5'] }));
    expect(exposed.spec).toMatchObject({ type: 'ClusterIP', externalTrafficPolicy: 'Cluster' });
  });

  it('starts claims and volumes Pending, as file systems, volumes retained', async () => {
    const store = newStore();
    const PVC = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
    const claim = await store.create({
      ...PVC,
      metadata: { name: 'data', namespace: 'ns1' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    expect(claim.spec).toMatchObject({ volumeMode: 'Filesystem' });
    expect(claim.status).toEqual({ phase: 'Pending' });
    const bound = await store.updateStatus({ ...claim, status: { phase: 'Bound' } });
    expect(bound.status).toEqual({ phase: 'Bound' });
    // A status written without a phase reads back Pending, as the API server decodes it.
    expect((await store.updateStatus({ ...bound, status: { capacity: { storage: '1Gi' } } })).status).toEqual(
      {
        capacity: { storage: '1Gi' },
        phase: 'Pending',
      },
    );
    // An empty phase is unset, as Go reads a string.
    const latest = await store.get(ref(claim));
    expect((await store.updateStatus({ ...latest, status: { phase: '' } })).status).toEqual({
      phase: 'Pending',
    });
    const raw = {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      volumeMode: 'Block',
    };
    const block = await store.create({ ...PVC, metadata: { name: 'raw', namespace: 'ns1' }, spec: raw });
    expect(block.spec).toEqual(raw);
    // A claim names its access modes and requests storage.
    await expect(
      store.create({
        ...PVC,
        metadata: { name: 'bare', namespace: 'ns1' },
        spec: { accessModes: ['ReadWriteSometimes'] },
      }),
    ).rejects.toMatchObject({
      code: 422,
      message:
        'PersistentVolumeClaim "bare" is invalid: [spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod", spec.resources[storage]: Required value]',
    });
    await expect(
      store.create({ ...PVC, metadata: { name: 'bare', namespace: 'ns1' } }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        'spec.accessModes: Required value: at least 1 access mode is required',
      ),
    });
    const claimed = (accessModes: string[], storage: string) =>
      store
        .create({
          ...PVC,
          metadata: { name: 'c', namespace: 'ns1' },
          spec: { accessModes, resources: { requests: { storage } } },
        })
        .then(
          () => 'created',
          (e: KubeError) => e.message,
        );
    expect(await claimed(['ReadWriteOnce'], '0')).toBe(
      'PersistentVolumeClaim "c" is invalid: spec.resources[storage]: Invalid value: "0": must be greater than zero',
    );
    expect(await claimed(['ReadWriteOnce'], '-1Gi')).toContain('"-1Gi": must be greater than zero');
    expect(await claimed(['ReadWriteOncePod', 'ReadOnlyMany'], '1Gi')).toBe(
      'PersistentVolumeClaim "c" is invalid: spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
    );
    expect(await claimed(['ReadWriteOncePod'], '1Gi')).toBe('created');
    const volume = await store.create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-1' },
      spec: { capacity: { storage: '1Gi' } },
    });
    expect(volume.spec).toEqual({
      capacity: { storage: '1Gi' },
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
    });
    expect(volume.status).toEqual({ phase: 'Pending' });
  });

  it('gives Endpoints ports TCP unless they say otherwise', async () => {
    const store = newStore();
    const e = await store.create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'ns1' },
      subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }],
    });
    expect(e.subsets).toEqual([
      {
        addresses: [{ ip: '10.0.0.1' }],
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
    ]);
  });
});

describe('fields a kind does not declare', () => {
  /** A kind whose schema declares a size, named ports and a status. */
  function gizmoStore(options: KubeStoreOptions = {}) {
    const store = newStore(options);
    store.registerKind({
      ...exampleKind('Gizmo'),
      shapes: {
        v1: {
          f: {
            apiVersion: 0,
            kind: 0,
            spec: { f: { size: 0, ports: { i: { f: { name: 0 } } } } },
            status: { f: { ready: 0 } },
          },
        },
      },
    });
    return store;
  }
  const gizmo = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'example.com/v1',
    kind: 'Gizmo',
    metadata: { name: 'g', namespace: 'ns1', ...meta },
    spec,
  });
  const G = { apiVersion: 'example.com/v1', kind: 'Gizmo', namespace: 'ns1', name: 'g' };
  const sloppy = () =>
    gizmo({ size: 1, typo: 2, ports: [{ name: 'a' }, { name: 'b', x: 1 }] }, { colour: 'blue' });
  const refusal = (fields: string[]) => ({
    code: 400,
    reason: 'BadRequest',
    message: `Gizmo in version "v1" cannot be handled as a Gizmo: strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(', ')}`,
  });

  it('drops them by default, and when a write asks to ignore or warn', async () => {
    const store = gizmoStore();
    expect((await store.create(sloppy())).spec).toEqual({ size: 1, ports: [{ name: 'a' }, { name: 'b' }] });
    for (const fieldValidation of ['Ignore', 'Warn'] as const) {
      const current = await store.get(G);
      const updated = await store.update({ ...current, spec: { size: 2, odd: 1 } }, { fieldValidation });
      expect(updated.spec).toEqual({ size: 2 });
    }
  });

  it('refuses them, every one named, when a write asks for strict validation, and writes nothing', async () => {
    const store = gizmoStore();
    const rv = store.resourceVersion;
    await expect(store.create(sloppy(), { fieldValidation: 'Strict' })).rejects.toMatchObject(
      refusal(['metadata.colour', 'spec.typo', 'spec.ports[1].x']),
    );
    expect(store.resourceVersion).toBe(rv);
    const created = await store.create(gizmo({ size: 1 }), { fieldValidation: 'Strict' });
    await expect(
      store.update({ ...created, spec: { size: 2, odd: 1 } }, { fieldValidation: 'Strict' }),
    ).rejects.toMatchObject(refusal(['spec.odd']));
    await expect(
      store.updateStatus({ ...created, status: { ready: true, odd: 1 } }, { fieldValidation: 'Strict' }),
    ).rejects.toMatchObject(refusal(['status.odd']));
    await expect(
      store.patch(G, { spec: { odd: 1 } }, { type: 'merge', fieldValidation: 'Strict' }),
    ).rejects.toMatchObject(refusal(['spec.odd']));
    expect((await store.get(G)).metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    await expect(store.create(gizmo({}), { fieldValidation: 'strict' as never })).rejects.toMatchObject({
      code: 400,
      message: 'fieldValidation must be one of Ignore, Warn or Strict, not "strict"',
    });
  });

  it("applies the store's own to writes that name none, direct's too", async () => {
    const store = gizmoStore({ fieldValidation: 'Strict' });
    await expect(store.create(sloppy())).rejects.toMatchObject(
      refusal(['metadata.colour', 'spec.typo', 'spec.ports[1].x']),
    );
    expect(() => store.direct.create(gizmo({ typo: 1 }))).toThrow(/unknown field "spec.typo"/);
    const stored = store.direct.create(gizmo({ size: 1 }));
    expect(() => store.direct.update({ ...stored, spec: { typo: 1 } })).toThrow(/unknown field "spec.typo"/);
    expect(() => store.direct.updateStatus({ ...stored, status: { odd: 1 } })).toThrow(
      /unknown field "status.odd"/,
    );
    expect((await store.update({ ...stored, spec: { odd: 1 } }, { fieldValidation: 'Ignore' })).spec).toEqual(
      {},
    );
    expect(() => newStore({ fieldValidation: 'Loose' as never })).toThrow(TypeError);
  });
});

describe('the JSON types of a schema', () => {
  const G = { apiVersion: 'example.com/v1', kind: 'Gadget' };
  const typed = () => {
    const store = newStore();
    store.registerKind({
      ...exampleKind('Gadget'),
      structure: {
        'spec.parts': 'array',
        'spec.parts[]': 'object',
        'spec.parts[].name': 'string',
        'spec.size': 'integer',
        'spec.labels': 'object',
        'spec.labels.*': 'string',
      },
    });
    return store;
  };
  const gadget = (spec: unknown, status?: unknown): KubeObject => ({
    ...G,
    metadata: { name: 'g', namespace: 'ns1' },
    spec: spec as Record<string, unknown>,
    ...(status === undefined ? {} : { status: status as Record<string, unknown> }),
  });

  it("refuses a custom resource's value of the wrong type (422), in the schema's words, and stores nothing", async () => {
    const store = typed();
    const refused = (spec: unknown) =>
      store.create(gadget(spec)).then(
        () => undefined,
        (e: KubeError) => e,
      );
    const error = await refused(7);
    expect(error).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(error?.message).toBe(
      'Gadget.example.com "g" is invalid: spec: Invalid value: "integer": spec in body must be of type object: "integer"',
    );
    expect((await refused({ parts: 'wheel', size: 1.5 }))?.message).toBe(
      'Gadget.example.com "g" is invalid: [spec.parts: Invalid value: "string": spec.parts in body must be of type array: "string", spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"]',
    );
    expect((await refused({ parts: [{ name: 3 }, null] }))?.status.details?.causes).toEqual([
      expect.objectContaining({ field: 'spec.parts[0].name' }),
      expect.objectContaining({ field: 'spec.parts[1]', message: expect.stringContaining('"null"') }),
    ]);
    expect((await refused({ labels: { a: 'b', c: false } }))?.status.details?.causes).toEqual([
      expect.objectContaining({ field: 'spec.labels.c', message: expect.stringContaining('"boolean"') }),
    ]);
    expect(await exists(store, { ...G, namespace: 'ns1', name: 'g' })).toBe(false);
  });

  it('checks only what a write keeps: not the status a spec write drops, not the spec a status write ignores', async () => {
    const store = typed();
    const g = await store.create(gadget({ size: 1 }, 'ignored'));
    expect(g.status).toBeUndefined();
    const written = await store.updateStatus({ ...g, spec: { size: 'big' }, status: { ready: true } });
    expect([written.spec, written.status]).toEqual([{ size: 1 }, { ready: true }]);
    const updated = await store.update({ ...written, spec: { size: 2 }, status: 'ignored' as never });
    expect([updated.spec, updated.status]).toEqual([{ size: 2 }, { ready: true }]);
  });

  it('drops the null fields of a custom resource, not the caller’s', async () => {
    const store = typed();
    const sent = gadget({ parts: null, size: 2, labels: { a: 'b' } });
    const g = await store.create(sent);
    expect(g.spec).toEqual({ size: 2, labels: { a: 'b' } });
    expect(sent.spec).toEqual({ parts: null, size: 2, labels: { a: 'b' } });
    const written = await store.updateStatus({ ...g, status: { ready: true } });
    expect(written.status).toEqual({ ready: true });
    await expect(store.updateStatus({ ...written, status: 'ready' as never })).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('status in body must be of type object: "string"'),
    });
    expect((await store.update({ ...written, spec: null as never })).spec).toBeUndefined();
  });

  it("refuses a built-in kind's field of the wrong type (400), in Go's decoder's words", async () => {
    const store = newStore();
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns1' } };
    await expect(store.create({ ...service, spec: 'ClusterIP' as never })).rejects.toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message:
        'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec',
    });
    // A Secret's and a ConfigMap's maps are Go maps of bytes and strings.
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns1' } };
    await expect(store.create({ ...secret, data: { key: 5 } as never })).rejects.toMatchObject({
      code: 400,
      message:
        'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.data of type []uint8',
    });
    await expect(store.create({ ...secret, stringData: 'x' as never })).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining(
        'cannot unmarshal string into Go struct field Secret.stringData of type map[string]string',
      ),
    });
    await expect(store.create({ ...cm('c'), data: { a: ['b'] } as never })).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining(
        'cannot unmarshal array into Go struct field ConfigMap.data of type string',
      ),
    });
    // A field the Go type does not have is dropped by decoding, whatever its type.
    expect(await store.create({ ...cm('c'), spec: 'x' as never })).not.toHaveProperty('spec');
  });

  it("refuses bytes that are not base64 (400), where Go's decoder finds them corrupt", async () => {
    const store = newStore();
    const secret = (name: string, value: string) =>
      store
        .create({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace: 'ns1' },
          data: { k: value },
        })
        .then(
          () => 'created',
          (e: KubeError) => `${e.code} ${e.message}`,
        );
    const corrupt = (at: number) =>
      `400 Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`;
    // Plain text where base64 belongs: the last group cut short, or a character outside the alphabet.
    expect(await secret('a', 'plaintext')).toBe(corrupt(8));
    expect(await secret('b', 'not base64!!')).toBe(corrupt(3));
    expect(await secret('c', 'YQ=')).toBe(corrupt(3));
    expect(await secret('d', 'YQ==YQ==')).toBe(corrupt(4));
    expect(await secret('e', '=YQ=')).toBe(corrupt(0));
    for (const [name, ok] of [
      ['f', 'YQ=='],
      ['g', 'YWI='],
      ['h', 'YWJj'],
      ['i', 'YW\nJj\n'],
      ['j', ''],
    ])
      expect(await secret(name as string, ok as string)).toBe('created');
    await expect(store.create({ ...cm('m'), binaryData: { bin: 'a b' } } as never)).rejects.toMatchObject({
      code: 400,
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 1',
    });
  });

  it("validates a ConfigMap's and a Secret's keys and sizes (422), as the API server does", async () => {
    const store = newStore();
    const refusal = (object: KubeObject) =>
      store.create(object).then(
        () => 'created',
        (e: KubeError) => `${e.code} ${e.message}`,
      );
    expect(
      await refusal({ ...cm('a'), data: { 'a/b': 'x', '..x': 'y' }, binaryData: { '..x': 'eQ==' } } as never),
    ).toBe(
      `422 ConfigMap "a" is invalid: [data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+'), data[..x]: Invalid value: "..x": must not start with '..', data[..x]: Invalid value: "..x": duplicate of key present in binaryData, binaryData[..x]: Invalid value: "..x": must not start with '..']`,
    );
    const mib = 1024 * 1024;
    expect(await refusal({ ...cm('b'), data: { big: 'x'.repeat(mib + 1) } } as never)).toBe(
      '422 ConfigMap "b" is invalid: []: Too long: must have at most 1048576 bytes',
    );
    expect(await refusal({ ...cm('c'), data: { big: 'x'.repeat(mib) } } as never)).toBe('created');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns1' } };
    // A Secret's size is what its base64 stands for: 1 MiB and 3 bytes here.
    const over = Buffer.alloc(mib + 3).toString('base64');
    expect(await refusal({ ...secret, data: { big: over, 'a b': '' } } as never)).toBe(
      `422 Secret "s" is invalid: [data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+'), data: Too long: must have at most 1048576 bytes]`,
    );
    // Wrapped at 76 columns, as base64 tools write it: the line breaks are no data.
    const wrapped = (
      Buffer.alloc(mib)
        .toString('base64')
        .match(/.{1,76}/g) as string[]
    ).join('\n');
    expect(await refusal({ ...secret, data: { big: wrapped } } as never)).toBe('created');
  });

  it('holds a Secret of a type to the keys its type needs (422 Required)', async () => {
    const store = newStore();
    let n = 0;
    const refusal = (type: string, data: Record<string, string>, annotations?: Record<string, string>) =>
      store
        .create({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `s${++n}`, namespace: 'ns1', ...(annotations ? { annotations } : {}) },
          type,
          data,
        })
        .then(
          () => 'created',
          (e: KubeError) => e.message.replace(/^Secret "s\d+" is invalid: /, ''),
        );
    expect(await refusal('kubernetes.io/tls', { 'tls.crt': '' })).toBe('data[tls.key]: Required value');
    expect(await refusal('kubernetes.io/tls', { 'tls.crt': '', 'tls.key': '' })).toBe('created');
    expect(await refusal('kubernetes.io/basic-auth', {})).toBe(
      '[data[username]: Required value, data[password]: Required value]',
    );
    expect(await refusal('kubernetes.io/basic-auth', { password: '' })).toBe('created');
    expect(await refusal('kubernetes.io/ssh-auth', { 'ssh-privatekey': '' })).toBe(
      'data[ssh-privatekey]: Required value',
    );
    expect(await refusal('kubernetes.io/dockerconfigjson', {})).toBe(
      'data[.dockerconfigjson]: Required value',
    );
    expect(await refusal('kubernetes.io/service-account-token', {})).toBe(
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    );
    expect(
      await refusal(
        'kubernetes.io/service-account-token',
        {},
        { 'kubernetes.io/service-account.name': 'sa' },
      ),
    ).toBe('created');
    expect(await refusal('example.com/custom', {})).toBe('created');
  });

  it('names a Service as an RFC 1035 label', async () => {
    const store = newStore();
    const service = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'ns1' },
      spec: { ports: [{ port: 80 }] },
    });
    await expect(store.create(service('a.b'))).rejects.toMatchObject({
      code: 422,
      message: `Service "a.b" is invalid: metadata.name: Invalid value: "a.b": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    });
    await expect(store.create(service('1web'))).rejects.toMatchObject({ code: 422 });
    await expect(store.create(service('web-1'))).resolves.toMatchObject({ metadata: { name: 'web-1' } });
  });
});

describe('fields set to undefined', () => {
  // In process, `{ mode: cond ? 'Fast' : undefined }` is how a test leaves a field out: its JSON
  // would not carry it, so neither does the store.
  function typedStore() {
    const store = newStore({ fieldValidation: 'Strict' });
    store.registerKind({
      ...exampleKind('Doohickey'),
      shapes: {
        v1: {
          f: {
            apiVersion: { t: 's' },
            kind: { t: 's' },
            spec: { f: { size: { t: 'i' }, mode: { t: 's', d: 'Auto' } }, t: 'o' },
            status: { f: { ready: { t: 'b' } }, t: 'o' },
          },
          t: 'o',
        },
      },
    });
    return store;
  }
  const W = { apiVersion: 'example.com/v1', kind: 'Doohickey', namespace: 'ns1', name: 'w' };

  it('are absent: not type-checked, not unknown under strict validation, defaulted, not stored', async () => {
    const store = typedStore();
    const created = await store.create({
      apiVersion: W.apiVersion,
      kind: W.kind,
      metadata: { name: 'w', namespace: 'ns1', labels: undefined as never },
      spec: { size: undefined, mode: undefined, typo: undefined },
    });
    expect(Object.entries(created.spec as object)).toEqual([['mode', 'Auto']]);
    expect('labels' in created.metadata).toBe(false);
    const status = await store.updateStatus({ ...created, status: { ready: undefined } });
    expect(Object.keys(status.status as object)).toEqual([]);
    expect(Object.entries((await store.get(W)).spec as object)).toEqual([['mode', 'Auto']]);
  });

  it('leave a value of the wrong type beside them refused', async () => {
    const store = typedStore();
    await expect(
      store.create({
        apiVersion: W.apiVersion,
        kind: W.kind,
        metadata: { name: 'w', namespace: 'ns1' },
        spec: { size: 'big', mode: undefined },
      }),
    ).rejects.toMatchObject({ code: 422, reason: 'Invalid' });
  });
});

describe("a custom resource's schema constraints", () => {
  /**
   * A kind whose schema requires a mode (which its mutating webhook defaults), bounds its size,
   * patterns its name, has a CEL rule (the size at most its max) and a validating webhook
   * that refuses the size 13; its status has an enum.
   */
  function contraptionStore() {
    const store = newStore();
    const webhook: string[] = [];
    store.registerKind({
      ...exampleKind('Contraption'),
      shapes: {
        v1: {
          f: {
            apiVersion: { t: 's' },
            kind: { t: 's' },
            spec: {
              f: {
                size: { t: 'i', c: { minimum: 0, maximum: 100 } },
                max: { t: 'i' },
                mode: { t: 's', c: { enum: ['Auto', 'Manual'] } },
                label: { t: 's', c: { pattern: '^[a-z]+$' } },
                nics: {
                  i: { f: { name: { t: 's' }, mtu: { t: 'i', c: { maximum: 9000 } } }, t: 'o' },
                  t: 'a',
                  c: { mapKeys: ['name'] },
                },
                tags: { i: { t: 's', c: { maxLength: 3 } }, t: 'a' },
              },
              t: 'o',
              c: { required: ['mode'] },
            },
            status: { f: { phase: { t: 's', c: { enum: ['Ready', 'Failed'] } } }, t: 'o' },
          },
          t: 'o',
          c: { rules: true },
        },
      },
      admit: (_operation, object, _old, { validateSchema }) => {
        const spec = object.spec as { mode?: string; size?: number };
        const mutated = spec.mode ? object : { ...object, spec: { ...spec, mode: 'Auto' } };
        validateSchema(mutated);
        webhook.push(String(spec.size));
        if (spec.size === 13)
          throw new AdmissionDenied('contraption.example.com', [{ field: 'spec.size', message: 'unlucky' }]);
        return mutated;
      },
      validate: (object) => {
        const { size = 0, max = Number.POSITIVE_INFINITY } = object.spec as { size?: number; max?: number };
        return size > max
          ? [{ field: 'spec', message: 'Invalid value: "object": size must be at most max' }]
          : [];
      },
    });
    const contraption = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Contraption',
      metadata: { name: 'c', namespace: 'ns1' },
      spec,
    });
    return { store, webhook, contraption };
  }
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => 'written',
      (e: KubeError) => `${e.code} ${e.message}`,
    );
  const NOT_CHECKED =
    '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
  const C = { apiVersion: 'example.com/v1', kind: 'Contraption', namespace: 'ns1', name: 'c' };

  it('hold the object as its mutating webhook leaves it, before its validating webhook, writing nothing', async () => {
    const { store, webhook, contraption } = contraptionStore();
    const rv = store.resourceVersion;
    // The mode is required, but the mutating webhook fills it in.
    expect(await refusal(store.create(contraption({ size: 101, mode: 'Fast' })))).toBe(
      `422 Contraption.example.com "c" is invalid: [spec.size: Invalid value: 101: spec.size in body should be less than or equal to 100, spec.mode: Unsupported value: "Fast": supported values: "Auto", "Manual", ${NOT_CHECKED}]`,
    );
    expect(webhook).toEqual([]);
    expect(store.resourceVersion).toBe(rv);
    // The CEL rules run when nothing blocks them; the webhook after them.
    expect(await refusal(store.create(contraption({ size: 5, max: 4, label: 'X' })))).toBe(
      `422 Contraption.example.com "c" is invalid: [spec.label: Invalid value: "X": spec.label in body should match '^[a-z]+$', spec: Invalid value: "object": size must be at most max]`,
    );
    expect(await refusal(store.create(contraption({ size: 13 })))).toBe(
      '422 admission webhook "contraption.example.com" denied the request: spec.size: unlucky',
    );
    expect((await store.create(contraption({ size: 1 }))).spec).toEqual({ size: 1, mode: 'Auto' });
  });

  it('hold a status write, and a patch, to theirs', async () => {
    const { store, contraption } = contraptionStore();
    const c = await store.create(contraption({ size: 1 }));
    expect(await refusal(store.updateStatus({ ...c, status: { phase: 'Gone' } }))).toBe(
      `422 Contraption.example.com "c" is invalid: [status.phase: Unsupported value: "Gone": supported values: "Ready", "Failed", ${NOT_CHECKED}]`,
    );
    expect(await refusal(store.patch(C, { spec: { size: -1 } }, { type: 'merge' }))).toBe(
      '422 Contraption.example.com "c" is invalid: spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0',
    );
  });

  it("take a privileged write's object as it is, and let an update leave a value as it was (ratcheting)", async () => {
    const { store, contraption } = contraptionStore();
    const c = store.direct.create(contraption({ size: 500, label: 'NOT' }));
    expect(c.spec).toEqual({ size: 500, label: 'NOT', mode: 'Auto' });
    // A user's update of something else passes; a change of an invalid value to another fails.
    const updated = await store.update({ ...c, metadata: { ...c.metadata, labels: { a: 'b' } } });
    expect(updated.metadata.labels).toEqual({ a: 'b' });
    expect(
      await refusal(store.update({ ...updated, spec: { ...(updated.spec as object), size: 400 } })),
    ).toBe(
      '422 Contraption.example.com "c" is invalid: spec.size: Invalid value: 400: spec.size in body should be less than or equal to 100',
    );
    expect(
      (await store.update({ ...updated, spec: { ...(updated.spec as object), size: 50 } })).spec,
    ).toMatchObject({
      size: 50,
      label: 'NOT',
    });
  });

  it("pair a list map's items by their keys, and an atomic list's not at all, as the API server's ratcheting does", async () => {
    const { store, contraption } = contraptionStore();
    const big = { name: 'a', mtu: 99999 };
    store.direct.create(contraption({ nics: [big, { name: 'b' }], tags: ['long!'] }));
    const write = (spec: Record<string, unknown>) =>
      refusal(store.update({ ...(store.direct.get(C) as KubeObject), spec: { mode: 'Auto', ...spec } }));
    // The same items in another order, or after a new one, are the items they were.
    expect(await write({ nics: [{ name: 'b' }, big], tags: ['long!'] })).toBe('written');
    expect(await write({ nics: [{ name: 'z' }, { name: 'b' }, big], tags: ['long!'] })).toBe('written');
    expect(await write({ nics: [{ name: 'b' }, { ...big, mtu: 99998 }], tags: ['long!'] })).toBe(
      '422 Contraption.example.com "c" is invalid: spec.nics[1].mtu: Invalid value: 99998: spec.nics[1].mtu in body should be less than or equal to 9000',
    );
    // A changed atomic list's items are all new.
    expect(await write({ nics: [big], tags: ['long!', 'ok'] })).toBe(
      `422 Contraption.example.com "c" is invalid: [spec.tags[0]: Too long: may not be longer than 3, ${NOT_CHECKED}]`,
    );
    expect((store.direct.get(C) as KubeObject).spec).toMatchObject({ tags: ['long!'] });
  });

  it("hold an update to its lists' keys only where the stored object kept to them", async () => {
    const { store, contraption } = contraptionStore();
    const twice = [{ name: 'a' }, { name: 'a' }];
    store.direct.create(contraption({ nics: twice }));
    const write = (nics: unknown[]) =>
      refusal(store.update({ ...(store.direct.get(C) as KubeObject), spec: { mode: 'Auto', nics } }));
    // Stored with a key twice, it may keep it, or have another twice.
    expect(await write([...twice, { name: 'b' }, { name: 'b' }])).toBe('written');
    expect(await write([{ name: 'c' }])).toBe('written');
    expect(await write([{ name: 'c' }, { name: 'c' }])).toBe(
      '422 Contraption.example.com "c" is invalid: spec.nics[1]: Duplicate value: map[string]interface {}{"name":"c"}',
    );
  });
});

describe('copies', () => {
  it('never aliases the caller’s objects', async () => {
    const store = newStore();
    const input = cm('a', { k: 'v' });
    const created = await store.create(input);
    (input.data as Record<string, string>).k = 'changed by caller';
    (created.data as Record<string, string>).k = 'changed too';
    const got = await store.get(ref(created));
    expect(got.data).toEqual({ k: 'v' });
    (got.data as Record<string, string>).k = 'again';
    expect((await store.get(ref(created))).data).toEqual({ k: 'v' });
  });
});

describe('update', () => {
  it('rejects a stale resourceVersion with 409 Conflict', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1' }));
    await store.update({ ...a, data: { k: '2' } });
    const err = await store.update({ ...a, data: { k: '3' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('accepts an update without resourceVersion (unconditional) of a built-in kind only', async () => {
    const store = newStore();
    await store.create(cm('a', { k: '1' }));
    const u = await store.update(cm('a', { k: '2' }));
    expect(u.data).toEqual({ k: '2' });
    const unconditional = await store.update(cm('a', { k: '3' }, { resourceVersion: '0' }));
    expect(unconditional.data).toEqual({ k: '3' });
    // A custom resource's update names the version it replaces, its status update too.
    const created = await store.create(widget('w', { size: 1 }));
    const rv = store.resourceVersion;
    // "0" is no version either.
    const unnamed = { ...created, metadata: { ...created.metadata, resourceVersion: '' } };
    const zero = { ...created, metadata: { ...created.metadata, resourceVersion: '0' } };
    for (const write of [
      () => store.update(unnamed),
      () => store.update(zero),
      () => store.updateStatus({ ...unnamed, status: { ok: 1 } }),
    ])
      await expect(write()).rejects.toMatchObject({
        code: 422,
        reason: 'Invalid',
        message:
          'widgets.example.com "w" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
        status: { details: { kind: 'widgets', group: 'example.com' } },
      });
    expect(store.resourceVersion).toBe(rv);
    expect((await store.update({ ...created, spec: { size: 2 } })).spec).toEqual({ size: 2 });
  });

  it('answers 404 for a missing object', async () => {
    await expect(newStore().update(cm('nope'))).rejects.toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('bumps generation only when the spec changes', async () => {
    const store = newStore();
    let w = await store.create(widget('w', { size: 1 }));
    w = await store.update({ ...w, metadata: { ...w.metadata, labels: { a: 'b' } } });
    expect(w.metadata.generation).toBe(1);
    w = await store.update({ ...w, spec: { size: 2 } });
    expect(w.metadata.generation).toBe(2);
    w = await store.updateStatus({ ...w, status: { ready: true } });
    expect(w.metadata.generation).toBe(2);
  });

  it('keeps the resourceVersion of a no-op update', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1' }));
    const b = await store.update(a);
    expect(b.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
  });

  it('keeps uid and creationTimestamp whatever the caller sends', async () => {
    const store = newStore();
    const a = await store.create(cm('a'));
    const b = await store.update({
      ...a,
      metadata: { ...a.metadata, creationTimestamp: '2000-01-01T00:00:00Z' },
    });
    expect(b.metadata.creationTimestamp).toBe(a.metadata.creationTimestamp);
    await expect(store.update({ ...b, metadata: { ...b.metadata, uid: 'other' } })).rejects.toMatchObject({
      code: 409,
    });
  });

  it('keeps what built-in kinds make immutable (422): immutable ConfigMaps and Secrets, StorageClasses', async () => {
    const store = newStore();
    const rv = () => Number(store.resourceVersion);
    const locked = await store.create({ ...cm('locked', { k: '1' }), immutable: true });
    const before = rv();
    await expect(store.update({ ...locked, data: { k: '2' }, immutable: false })).rejects.toMatchObject({
      code: 422,
      message:
        'ConfigMap "locked" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set]',
    });
    expect(rv()).toBe(before);
    // Its labels may still change, and a ConfigMap that is not immutable changes at will.
    const relabelled = await store.update({
      ...locked,
      metadata: { ...locked.metadata, labels: { a: 'b' } },
    });
    expect(relabelled.data).toEqual({ k: '1' });
    const open = await store.create(cm('open', { k: '1' }));
    expect((await store.update({ ...open, data: { k: '2' } })).data).toEqual({ k: '2' });
    const secret = await store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns1' },
      type: 'Opaque',
    });
    await expect(store.update({ ...secret, type: 'kubernetes.io/tls' })).rejects.toMatchObject({
      message:
        'Secret "s" is invalid: [type: Invalid value: "kubernetes.io/tls": field is immutable, data[tls.crt]: Required value, data[tls.key]: Required value]',
    });
    const sc = await store.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fast' },
      provisioner: 'csi.vsphere.vmware.com',
      parameters: { storagePolicyID: 'p1' },
    });
    // Defaulted as the API server does, so an update that leaves the defaults out changes nothing kept.
    expect([sc.reclaimPolicy, sc.volumeBindingMode]).toEqual(['Delete', 'Immediate']);
    const { reclaimPolicy: _, volumeBindingMode: __, ...omitted } = sc;
    const spelled = await store.update({
      ...omitted,
      metadata: { ...sc.metadata, labels: { tier: 'fast' } },
    });
    expect(spelled.reclaimPolicy).toBe('Delete');
    const explicit = { ...spelled, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' };
    expect((await store.update(explicit)).volumeBindingMode).toBe('Immediate');
    expect(spelled.metadata.labels).toEqual({ tier: 'fast' });
    const changed = rv();
    await expect(store.update({ ...spelled, provisioner: 'other', parameters: {} })).rejects.toMatchObject({
      code: 422,
      message:
        'StorageClass.storage.k8s.io "fast" is invalid: [parameters: Forbidden: updates to parameters are forbidden., provisioner: Forbidden: updates to provisioner are forbidden.]',
    });
    expect(rv()).toBe(changed);
  });

  it('refuses to mark an object deleting (422): only a deletion does', async () => {
    const store = newStore();
    const a = await store.create(cm('a'));
    const rv = store.resourceVersion;
    for (const [field, value] of [
      ['deletionTimestamp', '2025-01-01T12:00:00Z'],
      ['deletionGracePeriodSeconds', 0],
    ] as const) {
      const marked = { ...a, metadata: { ...a.metadata, [field]: value } };
      await expect(store.update(marked)).rejects.toMatchObject({
        code: 422,
        message: `ConfigMap "a" is invalid: metadata.${field}: Invalid value: ${JSON.stringify(value)}: field is immutable; may only be changed via deletion`,
      });
      await expect(
        store.patch(ref(a), { metadata: { [field]: value } }, { type: 'merge' }),
      ).rejects.toMatchObject({ code: 422 });
    }
    expect(store.resourceVersion).toBe(rv);
  });
});

describe('status subresource', () => {
  it('update ignores status; updateStatus ignores everything else', async () => {
    const store = newStore();
    const w = await store.create(widget('w', { size: 1 }));
    const u = await store.update({ ...w, spec: { size: 2 }, status: { ready: true } });
    expect(u.status).toBeUndefined();
    expect(u.spec).toEqual({ size: 2 });
    const s = await store.updateStatus({
      ...u,
      spec: { size: 3 },
      metadata: { ...u.metadata, labels: { x: 'y' } },
      status: { ready: true },
    });
    expect(s.status).toEqual({ ready: true });
    expect(s.spec).toEqual({ size: 2 });
    expect(s.metadata.labels).toBeUndefined();
    await expect(store.updateStatus({ ...u, status: { ready: false } })).rejects.toMatchObject({ code: 409 });
  });

  it('treats status as ordinary content for kinds without the subresource', async () => {
    const store = newStore();
    store.registerKind(GADGETS);
    const gadget = {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'a', namespace: 'ns1' },
    };
    const a = await store.create({ ...gadget, status: { x: 1 } });
    expect(a.status).toEqual({ x: 1 });
    expect((await store.update({ ...a, status: { x: 2 } })).status).toEqual({ x: 2 });
    await expect(store.updateStatus(a)).rejects.toMatchObject({ code: 404 });
  });

  it('patch leaves status alone unless the status subresource is named', async () => {
    const store = newStore();
    const w = await store.create(widget('w', { size: 1 }));
    const p = await store.patch(ref(w), { spec: { size: 5 }, status: { ready: true } }, { type: 'merge' });
    expect(p.spec).toEqual({ size: 5 });
    expect(p.status).toBeUndefined();
    const s = await store.patch(
      ref(w),
      { spec: { size: 9 }, status: { ready: true } },
      { type: 'merge', subresource: 'status' },
    );
    expect(s.status).toEqual({ ready: true });
    expect(s.spec).toEqual({ size: 5 });
  });
});

describe('scale subresource', () => {
  function scalingStore() {
    const store = newStore();
    const admitted: AdmissionOperation[] = [];
    store.registerKind({
      ...exampleKind('Crowd'),
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
      admit: (operation) => {
        admitted.push(operation);
        return undefined;
      },
    });
    const crowd = (name: string, replicas?: number): KubeObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Crowd',
      metadata: { name, namespace: 'ns1' },
      spec: replicas === undefined ? {} : { replicas },
    });
    const at = (name: string) => ({ apiVersion: 'example.com/v1', kind: 'Crowd', namespace: 'ns1', name });
    return { store, admitted, crowd, at };
  }

  it('reads a Scale from the replicas at the kind’s paths', async () => {
    const { store, crowd, at } = scalingStore();
    const c = await store.create(crowd('c', 3));
    expect(await store.getScale(at('c'))).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name: 'c',
        namespace: 'ns1',
        uid: c.metadata.uid,
        resourceVersion: c.metadata.resourceVersion,
        creationTimestamp: c.metadata.creationTimestamp,
      },
      spec: { replicas: 3 },
      status: { replicas: 0 },
    });
    await store.updateStatus({ ...c, status: { replicas: 2, selector: 'app=web' } });
    expect((await store.getScale(at('c'))).status).toEqual({ replicas: 2, selector: 'app=web' });
    await store.create(crowd('none'));
    // Zero (or nothing) is left out, as Go's JSON omits it.
    expect((await store.getScale(at('none'))).spec).toEqual({});
  });

  it('sets the desired replicas without the kind’s admission, under the Scale’s version when it names one', async () => {
    const { store, admitted, crowd, at } = scalingStore();
    const c = await store.create(crowd('c', 3));
    admitted.length = 0;
    const scale = await store.getScale(at('c'));
    const scaled = await store.updateScale(at('c'), { ...scale, spec: { replicas: 5 } });
    expect(scaled.spec).toEqual({ replicas: 5 });
    expect(scaled.metadata.resourceVersion).not.toBe(c.metadata.resourceVersion);
    const stored = await store.get(at('c'));
    expect(stored.spec).toEqual({ replicas: 5 });
    expect(stored.metadata.generation).toBe(2);
    expect(admitted).toEqual([]);
    // The Scale read before is stale now; one without a version is not checked.
    await expect(store.updateScale(at('c'), { ...scale, spec: { replicas: 1 } })).rejects.toMatchObject({
      code: 409,
      reason: 'Conflict',
    });
    const { resourceVersion: _, ...unversioned } = scale.metadata;
    const latest = await store.updateScale(at('c'), { ...scale, metadata: unversioned as never, spec: {} });
    expect(latest.spec).toEqual({});
    expect((await store.get(at('c'))).spec).toEqual({ replicas: 0 });
  });

  it('patches a Scale and returns it', async () => {
    const { store, crowd, at } = scalingStore();
    await store.create(crowd('c', 1));
    const merged = await store.patch(
      at('c'),
      { spec: { replicas: 4 } },
      { type: 'merge', subresource: 'scale' },
    );
    expect(merged).toMatchObject({ kind: 'Scale', spec: { replicas: 4 } });
    const json = await store.patch(at('c'), [{ op: 'replace', path: '/spec/replicas', value: 2 }], {
      type: 'json',
      subresource: 'scale',
    });
    expect(json.spec).toEqual({ replicas: 2 });
    expect((await store.get(at('c'))).spec).toEqual({ replicas: 2 });
  });

  it('refuses what the API server refuses, and writes nothing', async () => {
    const { store, crowd, at } = scalingStore();
    const c = await store.create(crowd('c', 3));
    const scale = await store.getScale(at('c'));
    const refusal = async (write: Promise<unknown>) => {
      const error = await write.then(
        () => undefined,
        (e: unknown) => e as KubeError,
      );
      return error && { code: error.code, message: error.message };
    };
    expect(await refusal(store.updateScale(at('c'), { ...scale, spec: { replicas: -1 } }))).toEqual({
      code: 422,
      message:
        'Crowd.example.com "c" is invalid: .spec.replicas: Invalid value: -1: should be a non-negative integer',
    });
    expect(
      await refusal(store.updateScale(at('c'), { ...scale, metadata: { ...scale.metadata, name: 'd' } })),
    ).toEqual({ code: 400, message: 'the name of the object (d) does not match the name on the URL (c)' });
    expect(await refusal(store.updateScale(at('c'), { ...scale, spec: { replicas: 1.5 } }))).toMatchObject({
      code: 400,
    });
    expect(await refusal(store.updateScale(at('c'), { ...c, spec: { replicas: 1 } } as never))).toMatchObject(
      { code: 400 },
    );
    // The checks of the replicas hold on every write of the part that keeps them.
    expect(await refusal(store.update({ ...c, spec: { replicas: -2 } }))).toMatchObject({ code: 422 });
    expect(await refusal(store.updateStatus({ ...c, status: { replicas: -2 } }))).toEqual({
      code: 422,
      message:
        'Crowd.example.com "c" is invalid: .status.replicas: Invalid value: -2: should be a non-negative integer',
    });
    expect((await store.get(at('c'))).metadata.resourceVersion).toBe(c.metadata.resourceVersion);
    // A kind without the subresource has none to read or write.
    const w = await store.create(widget('w'));
    for (const write of [
      store.getScale(ref(w)),
      store.updateScale(ref(w), scale),
      store.patch(ref(w), { spec: { replicas: 1 } }, { type: 'merge', subresource: 'scale' }),
    ])
      expect(await refusal(write)).toMatchObject({ code: 404 });
  });
});

describe('versions', () => {
  it('serves a kind in each of its versions', async () => {
    const store = newStore();
    await store.create(widget('w'));
    const beta = await store.get({
      apiVersion: 'example.com/v1beta1',
      kind: 'Widget',
      namespace: 'ns1',
      name: 'w',
    });
    expect(beta.apiVersion).toBe('example.com/v1beta1');
    await expect(
      store.get({ apiVersion: 'example.com/v2', kind: 'Widget', namespace: 'ns1', name: 'w' }),
    ).rejects.toMatchObject({
      code: 404,
    });
  });
  it('converts through the conversion hook of a kind, both ways', async () => {
    const store = newStore();
    store.registerKind({
      group: 'example.com',
      versions: ['v2', 'v1'],
      storageVersion: 'v2',
      kind: 'Gadget',
      plural: 'gadgets',
      namespaced: true,
      hasStatus: false,
      convert: (o, apiVersion) => {
        const spec = (o.spec ?? {}) as Record<string, unknown>;
        if (apiVersion === 'example.com/v1') return { ...o, apiVersion, spec: { oldName: spec.newName } };
        return { ...o, apiVersion, spec: { newName: spec.oldName } };
      },
    });
    const made = await store.create({
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g', namespace: 'ns1' },
      spec: { oldName: 'x' },
    });
    expect(made.spec).toEqual({ oldName: 'x' });
    const hub = await store.get({
      apiVersion: 'example.com/v2',
      kind: 'Gadget',
      namespace: 'ns1',
      name: 'g',
    });
    expect(hub.spec).toEqual({ newName: 'x' });
    expect(() => store.registerKind(GADGETS)).toThrow();
  });
});

describe('admission', () => {
  /** A kind whose admission defaults spec.size, refuses spec.size 0 and a change of spec.color. */
  function admittingStore() {
    const store = newStore();
    const calls: { op: AdmissionOperation; apiVersion: string; old?: unknown }[] = [];
    store.registerKind({
      group: 'example.com',
      versions: ['v2', 'v1'],
      storageVersion: 'v2',
      kind: 'Gizmo',
      plural: 'gizmos',
      namespaced: true,
      hasStatus: true,
      admit: (op, object, old, { random }) => {
        calls.push({ op, apiVersion: object.apiVersion, ...(old ? { old: old.spec } : {}) });
        const spec = (object.spec ?? {}) as Record<string, unknown>;
        if (spec.size === 0)
          throw new AdmissionDenied('gizmo.example.com', [
            { field: 'spec.size', message: 'Invalid value: 0: must be positive' },
            { field: 'spec.owner', message: 'Required value', reason: 'FieldValueRequired' },
          ]);
        if (op === 'UPDATE' && (old?.spec as Record<string, unknown> | undefined)?.color !== spec.color)
          throw new AdmissionDenied('gizmo.example.com', [
            { field: 'spec.color', message: 'Invalid value: "x": field is immutable' },
          ]);
        if (op === 'CREATE') {
          // A replacement object: what the store owns is put back.
          return {
            ...object,
            apiVersion: 'example.com/v1',
            metadata: { ...object.metadata, uid: 'forged', labels: { admitted: 'yes' } },
            spec: { ...spec, size: spec.size ?? 1, serial: random.below(1000) },
            status: { forged: true },
          };
        }
        spec.touched = true;
        return undefined;
      },
    });
    const gizmo = (name: string, spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Gizmo',
      metadata: { name, namespace: 'ns1' },
      spec,
    });
    return { store, calls, gizmo };
  }

  it('runs on create, update and patch with the storage version, never on status', async () => {
    const { store, calls, gizmo } = admittingStore();
    const created = await store.create(gizmo('g', { color: 'red' }));
    expect(created.apiVersion).toBe('example.com/v1');
    expect(created.spec).toMatchObject({ color: 'red', size: 1 });
    expect(created.metadata.uid).not.toBe('forged');
    expect(created.metadata.labels).toEqual({ admitted: 'yes' });
    expect(created.status).toBeUndefined();
    const updated = await store.update({ ...created, spec: { ...(created.spec as object), size: 3 } });
    expect(updated.spec).toMatchObject({ size: 3, touched: true });
    await store.patch(ref(created), { spec: { size: 4 } }, { type: 'merge' });
    await store.updateStatus({ ...(await store.get(ref(created))), status: { ok: 1 } });
    await store.patch(ref(created), { status: { ok: 2 } }, { type: 'merge', subresource: 'status' });
    expect(calls.map((c) => `${c.op} ${c.apiVersion}`)).toEqual([
      'CREATE example.com/v2',
      'UPDATE example.com/v2',
      'UPDATE example.com/v2',
    ]);
    expect(calls[1]?.old).toMatchObject({ color: 'red', size: 1 });
  });

  it("answers a denial as the API server passes on vm-operator's: 422, the field errors as its reason", async () => {
    const { store, gizmo } = admittingStore();
    const error = await store.create(gizmo('g', { size: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    const fields = 'spec.size: Invalid value: 0: must be positive, spec.owner: Required value';
    expect((error as KubeError).status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `admission webhook "gizmo.example.com" denied the request: ${fields}`,
      reason: fields,
      code: 422,
    });
    expect(
      await exists(store, { apiVersion: 'example.com/v1', kind: 'Gizmo', namespace: 'ns1', name: 'g' }),
    ).toBe(false);
    const created = await store.create(gizmo('g', { color: 'red' }));
    const rv = store.resourceVersion;
    await expect(
      store.patch(ref(created), { spec: { color: 'blue' } }, { type: 'merge' }),
    ).rejects.toMatchObject({ code: 422, reason: expect.stringMatching(/^spec\.color: /) });
    expect(store.resourceVersion).toBe(rv);
  });
});

describe('admission reads', () => {
  it('gives the hook copies of stored objects in the asked version', async () => {
    const store = newStore();
    const seen: unknown[] = [];
    store.registerKind({
      ...GADGETS,
      admit: (_op, object, _old, { reader }) => {
        const widgets = reader.list('example.com/v1beta1', 'Widget', 'ns1');
        seen.push(widgets.map((w) => `${w.apiVersion} ${w.metadata.name}`));
        seen.push(reader.list('example.com/v1', 'Widget').map((w) => w.metadata.namespace));
        const own = reader.get({ ...ref(object), apiVersion: 'example.com/v1' });
        seen.push(own?.metadata.name ?? 'absent');
        const first = widgets[0];
        if (first) (first.spec as Record<string, unknown>).size = 99;
        return undefined;
      },
    });
    await store.create(widget('w2', { size: 2 }));
    await store.create(widget('w1', { size: 1 }));
    await store.create({ ...widget('w3'), metadata: { name: 'w3', namespace: 'default' } });
    await store.create({
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g', namespace: 'ns1' },
    });
    expect(seen).toEqual([
      ['example.com/v1beta1 w1', 'example.com/v1beta1 w2'],
      ['default', 'ns1', 'ns1'],
      'absent',
    ]);
    expect((await store.get({ ...W, namespace: 'ns1', name: 'w1' })).spec).toEqual({ size: 1 });
  });
});

describe('patch', () => {
  it('applies a merge patch (null removes)', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1', drop: 'x' }, { labels: { app: 'web' } }));
    const p = await store.patch(
      ref(a),
      { data: { k: '2', drop: null }, metadata: { labels: { tier: 'front' } } },
      { type: 'merge' },
    );
    expect(p.data).toEqual({ k: '2' });
    expect(p.metadata.labels).toEqual({ app: 'web', tier: 'front' });
  });

  it('applies a JSON patch', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1' }));
    const p = await store.patch(
      ref(a),
      [
        { op: 'test', path: '/data/k', value: '1' },
        { op: 'add', path: '/data/n', value: '2' },
        { op: 'copy', from: '/data/n', path: '/data/c' },
        { op: 'move', from: '/data/k', path: '/data/m' },
        { op: 'replace', path: '/data/n', value: '3' },
        { op: 'remove', path: '/data/c' },
      ],
      { type: 'json' },
    );
    expect(p.data).toEqual({ n: '3', m: '1' });
  });

  it('answers a failed JSON patch test with 422 Invalid and changes nothing', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1' }));
    await expect(
      store.patch(
        ref(a),
        [
          { op: 'replace', path: '/data/k', value: '2' },
          { op: 'test', path: '/data/k', value: '1' },
        ],
        { type: 'json' },
      ),
    ).rejects.toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
    });
    expect((await store.get(ref(a))).metadata.resourceVersion).toBe(a.metadata.resourceVersion);
  });

  it('uses a resourceVersion in the patch as a precondition', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1' }));
    await store.patch(ref(a), { data: { k: '2' } }, { type: 'merge' });
    await expect(
      store.patch(
        ref(a),
        { metadata: { resourceVersion: a.metadata.resourceVersion }, data: { k: '3' } },
        { type: 'merge' },
      ),
    ).rejects.toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('refuses a subresource the kind does not have (404), and a patch without its type (400)', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1' }));
    for (const subresource of ['scale', 'status'])
      await expect(
        store.patch(ref(a), { data: { k: '2' } }, { type: 'merge', subresource } as never),
      ).rejects.toMatchObject({
        code: 404,
        message: `the server could not find the requested resource (configmaps/${subresource})`,
      });
    for (const options of [undefined, null, {}])
      await expect(store.patch(ref(a), { data: { k: '2' } }, options as never)).rejects.toMatchObject({
        code: 400,
        message: 'unsupported patch type undefined',
      });
    expect((await store.get(ref(a))).metadata.resourceVersion).toBe(a.metadata.resourceVersion);
  });

  it('applies at most 10,000 operations of a JSON patch (413 beyond)', async () => {
    const store = newStore();
    const a = await store.create(cm('a', { k: '1' }));
    const tests = (n: number) =>
      Array.from({ length: n }, () => ({ op: 'test', path: '/data/k', value: '1' }));
    await expect(store.patch(ref(a), tests(10_001), { type: 'json' })).rejects.toMatchObject({
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
    await expect(store.patch(ref(a), tests(10_000), { type: 'json' })).resolves.toMatchObject({
      data: { k: '1' },
    });
  });

  it('refuses to rename through a patch (400 BadRequest)', async () => {
    const store = newStore();
    const a = await store.create(cm('a'));
    await expect(store.patch(ref(a), { metadata: { name: 'b' } }, { type: 'merge' })).rejects.toMatchObject({
      code: 400,
      reason: 'BadRequest',
    });
  });
});

describe('finalizers and deletionTimestamp', () => {
  it('keeps an object with finalizers, marked for deletion, until the last one goes', async () => {
    const store = newStore();
    const a = await store.create(cm('a', {}, { finalizers: ['example.com/hold', 'example.com/other'] }));
    const deleting = await store.delete(ref(a));
    expect(deleting.metadata.deletionTimestamp).toBe('2025-01-01T12:00:00Z');
    expect(deleting.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(deleting.metadata.generation).toBeUndefined();
    // A custom resource's deletion counts in its generation.
    const w = await store.create(widget('w', {}, { finalizers: ['example.com/hold'] }));
    expect((await store.delete(ref(w))).metadata.generation).toBe(2);
    const got = await store.get(ref(a));
    expect(got.metadata.deletionTimestamp).toBeDefined();
    const one = await store.patch(ref(a), [{ op: 'remove', path: '/metadata/finalizers/0' }], {
      type: 'json',
    });
    expect(one.metadata.finalizers).toEqual(['example.com/other']);
    await store.update({ ...one, metadata: { ...one.metadata, finalizers: [] } });
    expect(await exists(store, ref(a))).toBe(false);
  });

  it('refuses new finalizers once deleting (422)', async () => {
    const store = newStore();
    const a = await store.create(cm('a', {}, { finalizers: ['example.com/hold'] }));
    const d = await store.delete(ref(a));
    await expect(
      store.update({
        ...d,
        metadata: { ...d.metadata, finalizers: ['example.com/hold', 'example.com/new'] },
      }),
    ).rejects.toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: expect.stringContaining('no new finalizers can be added if the object is being deleted'),
    });
  });

  it('deletes at once without finalizers; a second delete is 404', async () => {
    const store = newStore();
    const a = await store.create(cm('a'));
    await store.delete(ref(a));
    await expect(store.delete(ref(a))).rejects.toMatchObject({ code: 404 });
  });

  it('checks delete preconditions', async () => {
    const store = newStore();
    const a = await store.create(cm('a'));
    await expect(store.delete(ref(a), { preconditions: { uid: 'other' } })).rejects.toMatchObject({
      code: 409,
    });
  });
});

describe('garbage collection', () => {
  async function family(store: KubeStore, block = true) {
    const owner = await store.create(widget('owner'));
    const ownerRef = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      name: 'owner',
      uid: owner.metadata.uid as string,
      controller: true,
      blockOwnerDeletion: block,
    };
    const child = await store.create(cm('child', {}, { ownerReferences: [ownerRef] }));
    return { owner, child, ownerRef };
  }

  it('Background: the owner goes, then its dependents', async () => {
    const store = newStore();
    const { owner, child } = await family(store);
    await store.delete(ref(owner), { propagationPolicy: 'Background' });
    expect(await exists(store, ref(owner))).toBe(false);
    expect(await exists(store, ref(child))).toBe(false);
  });

  it('Background is the default and keeps a dependent that has another owner', async () => {
    const store = newStore();
    const { owner, ownerRef } = await family(store);
    const other = await store.create(widget('other'));
    const shared = await store.create(
      cm(
        'shared',
        {},
        {
          ownerReferences: [
            { ...ownerRef },
            { ...ownerRef, name: 'other', uid: other.metadata.uid as string, controller: false },
          ],
        },
      ),
    );
    await store.delete(ref(owner));
    const left = await store.get(ref(shared));
    expect(left.metadata.ownerReferences?.map((r) => r.name)).toEqual(['other']);
  });

  it('Foreground: the owner waits for its blocking dependents', async () => {
    const store = newStore();
    const { owner, ownerRef } = await family(store);
    // A blocking dependent with its own finalizer keeps the owner around.
    const held = await store.create(
      cm('held', {}, { ownerReferences: [ownerRef], finalizers: ['example.com/hold'] }),
    );
    await store.delete(ref(owner), { propagationPolicy: 'Foreground' });
    const waiting = await store.get(ref(owner));
    expect(waiting.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(waiting.metadata.deletionTimestamp).toBeDefined();
    expect(await exists(store, { ...CM, namespace: 'ns1', name: 'child' })).toBe(false);
    const h = await store.get(ref(held));
    expect(h.metadata.deletionTimestamp).toBeDefined();
    await store.patch(ref(held), { metadata: { finalizers: null } }, { type: 'merge' });
    expect(await exists(store, ref(held))).toBe(false);
    expect(await exists(store, ref(owner))).toBe(false);
  });

  it('Foreground does not wait for dependents without blockOwnerDeletion', async () => {
    const store = newStore();
    const { owner, ownerRef } = await family(store, false);
    await store.create(cm('held', {}, { ownerReferences: [ownerRef], finalizers: ['example.com/hold'] }));
    await store.delete(ref(owner), { propagationPolicy: 'Foreground' });
    expect(await exists(store, ref(owner))).toBe(false);
    expect(
      (await store.get({ ...CM, namespace: 'ns1', name: 'held' })).metadata.deletionTimestamp,
    ).toBeDefined();
  });

  it('Orphan: dependents stay and lose their ownerReferences', async () => {
    const store = newStore();
    const { owner, child } = await family(store);
    const w = store.watch({ ...W, namespace: 'ns1', resourceVersion: store.resourceVersion });
    await store.delete(ref(owner), { propagationPolicy: 'Orphan' });
    expect(await exists(store, ref(owner))).toBe(false);
    const left = await store.get(ref(child));
    expect(left.metadata.ownerReferences).toBeUndefined();
    // The owner went through the orphan finalizer.
    const events = await take(w, 2);
    expect(events.map((e) => [e.type, (e.object as KubeObject).metadata.finalizers])).toEqual([
      ['MODIFIED', ['orphan']],
      ['DELETED', ['orphan']],
    ]);
    expect(w.pending).toBe(0);
    w.stop();
  });

  it('deletes a dependent whose owner never existed', async () => {
    const store = newStore();
    await store.create(
      cm(
        'stray',
        {},
        {
          ownerReferences: [
            { apiVersion: 'example.com/v1', kind: 'Widget', name: 'ghost', uid: 'no-such-uid' },
          ],
        },
      ),
    );
    expect(await exists(store, { ...CM, namespace: 'ns1', name: 'stray' })).toBe(false);
  });

  it('finds an owner by group, kind and name, and holds to it only while the uid is the same', async () => {
    const store = newStore();
    store.registerKind(GADGETS);
    const { owner, ownerRef } = await family(store);
    // Another served version of the owner's group names the same owner.
    const kept = await store.create(
      cm('kept', {}, { ownerReferences: [{ ...ownerRef, apiVersion: 'example.com/v1beta1' }] }),
    );
    expect(await exists(store, ref(kept))).toBe(true);
    // The right uid under another kind, or another object's name, is no owner.
    for (const [name, change] of [
      ['kind', { kind: 'Gadget' }],
      ['name', { name: 'someone-else' }],
    ] as const) {
      await store.create(cm(`by-${name}`, {}, { ownerReferences: [{ ...ownerRef, ...change }] }));
      expect(await exists(store, { ...CM, namespace: 'ns1', name: `by-${name}` })).toBe(false);
    }
    // An owner deleted and made again under its name has a new uid: its dependents go.
    await store.delete(ref(owner), { propagationPolicy: 'Orphan' });
    await store.create(widget('owner'));
    await store.create(cm('late', {}, { ownerReferences: [ownerRef] }));
    expect(await exists(store, { ...CM, namespace: 'ns1', name: 'late' })).toBe(false);
  });

  it('leaves as it is an object with an owner it cannot look up: a kind not served, a namespaced owner of a cluster-scoped object', async () => {
    const store = newStore();
    const { ownerRef } = await family(store);
    const unserved = {
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1',
      kind: 'VSphereMachine',
      name: 'm1',
      uid: 'some-uid',
    };
    const ghost = { ...ownerRef, name: 'ghost', uid: 'no-such-uid' };
    const kept = await store.create(cm('bootstrap', {}, { ownerReferences: [ghost, unserved] }));
    expect((await store.get(ref(kept))).metadata.ownerReferences).toEqual([ghost, unserved]);
    const namespace = await store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'child-ns', ownerReferences: [{ ...ownerRef, uid: 'no-such-uid' }] },
    });
    expect(await exists(store, ref(namespace))).toBe(true);
    // Once the kind is served, the collector finds the owner gone.
    store.registerKind({
      ...GADGETS,
      group: 'infrastructure.cluster.x-k8s.io',
      kind: 'VSphereMachine',
      plural: 'vspheremachines',
      versions: ['v1beta1'],
    });
    await store.update({ ...(await store.get(ref(kept))), data: { touched: 'yes' } });
    expect(await exists(store, ref(kept))).toBe(false);
  });

  it('lets a Foreground owner go when a blocking reference to its uid does not find it', async () => {
    const store = newStore();
    const owner = await store.create(cm('o'));
    // The right uid, but the dependent is in another namespace: its reference finds no owner.
    const stray = await store.create(
      cm(
        'd',
        {},
        {
          namespace: 'default',
          finalizers: ['example.com/hold'],
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'o',
              uid: owner.metadata.uid as string,
              blockOwnerDeletion: true,
            },
          ],
        },
      ),
    );
    expect((await store.get(ref(stray))).metadata.deletionTimestamp).toBeDefined();
    await store.delete(ref(owner), { propagationPolicy: 'Foreground' });
    expect(await exists(store, ref(owner))).toBe(false);
    await store.patch(ref(stray), { metadata: { finalizers: null } }, { type: 'merge' });
    expect(await exists(store, ref(stray))).toBe(false);
  });

  it('chains: a dependent’s dependents go too', async () => {
    const store = newStore();
    const { owner, child } = await family(store);
    await store.create(
      cm(
        'grandchild',
        {},
        {
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'child', uid: child.metadata.uid as string },
          ],
        },
      ),
    );
    await store.delete(ref(owner), { propagationPolicy: 'Foreground' });
    expect((await store.list({ ...CM, namespace: 'ns1' })).items).toEqual([]);
  });
});

describe('namespaces', () => {
  it('deleting a namespace deletes everything in it, then the namespace', async () => {
    const store = newStore();
    await store.create(cm('a'));
    await store.create(widget('w'));
    await store.create({ ...cm('b'), metadata: { name: 'b', namespace: 'default' } });
    await store.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' });
    expect(await exists(store, { apiVersion: 'v1', kind: 'Namespace', name: 'ns1' })).toBe(false);
    expect((await store.list({ ...CM })).items.map((i) => i.metadata.name)).toEqual(['b']);
    expect((await store.list({ ...W })).items).toEqual([]);
  });

  it('a terminating namespace waits for finalizers and refuses new content (403)', async () => {
    const store = newStore();
    await store.create(cm('held', {}, { finalizers: ['example.com/hold'] }));
    await store.create(widget('kept', {}, { finalizers: ['example.com/hold', 'example.com/other'] }));
    await store.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'ns1' });
    const nsRef = { apiVersion: 'v1', kind: 'Namespace', name: 'ns1' };
    const ns = await store.get(nsRef);
    const at = ns.metadata.deletionTimestamp;
    const reported = (
      ns.status as {
        conditions: {
          type: string;
          status: string;
          reason: string;
          message: string;
          lastTransitionTime: string;
        }[];
      }
    ).conditions;
    expect(ns.status).toMatchObject({ phase: 'Terminating' });
    expect(reported.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
      ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain'],
      ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain'],
    ]);
    expect(reported.slice(3).map((c) => c.message)).toEqual([
      'Some resources are remaining: configmaps. has 1 resource instances, widgets.example.com has 1 resource instances',
      'Some content in the namespace has finalizers remaining: example.com/hold in 2 resource instances, example.com/other in 1 resource instances',
    ]);
    expect(reported.every((c) => c.lastTransitionTime === at)).toBe(true);
    // A finalizer gone is reported at once.
    await store.patch(
      { ...W, namespace: 'ns1', name: 'kept' },
      { metadata: { finalizers: null } },
      { type: 'merge' },
    );
    const after = (await store.get(nsRef)).status as { conditions: { message: string }[] };
    expect(after.conditions[3]?.message).toBe(
      'Some resources are remaining: configmaps. has 1 resource instances',
    );
    expect(after.conditions[4]?.message).toBe(
      'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    );
    await expect(store.create(cm('late'))).rejects.toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message:
        'configmaps "late" is forbidden: unable to create new content in namespace ns1 because it is being terminated',
      status: {
        details: {
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: 'namespace ns1 is being terminated',
              field: 'metadata.namespace',
            },
          ],
        },
      },
    });
    await store.patch(
      { ...CM, namespace: 'ns1', name: 'held' },
      { metadata: { finalizers: [] } },
      { type: 'merge' },
    );
    expect(await exists(store, { apiVersion: 'v1', kind: 'Namespace', name: 'ns1' })).toBe(false);
  });

  it('refuses to delete the default namespace', async () => {
    await expect(
      newStore().delete({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }),
    ).rejects.toMatchObject({
      code: 403,
    });
  });
});

describe('list', () => {
  async function seeded() {
    const store = newStore();
    await store.create(cm('c', {}, { labels: { app: 'web', tier: 'front' } }));
    await store.create(cm('a', {}, { labels: { app: 'web', tier: 'back' } }));
    await store.create(cm('b', {}, { labels: { app: 'db' } }));
    await store.create({ ...cm('a'), metadata: { name: 'a', namespace: 'default', labels: { app: 'web' } } });
    return store;
  }
  const names = (l: { items: KubeObject[] }) =>
    l.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);

  it('answers options of the wrong type with 400, lists and watches alike', async () => {
    const store = await seeded();
    const refused = (options: Record<string, unknown>) =>
      store.list({ ...CM, namespace: 'ns1', ...options } as never).then(
        () => undefined,
        (e: KubeError) => [e.code, e.message],
      );
    expect(await refused({ labelSelector: null })).toEqual([
      400,
      'labelSelector: Invalid value: null: must be a string or a LabelSelector',
    ]);
    expect(await refused({ fieldSelector: 5 })).toEqual([
      400,
      'fieldSelector: Invalid value: 5: must be a string',
    ]);
    expect(await refused({ labelSelector: { matchLabels: { app: 5 } } })).toEqual([
      400,
      'matchLabels: Invalid value: must be a map of strings',
    ]);
    expect(
      (
        await refused({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [1] }] } })
      )?.[0],
    ).toBe(400);
    expect(() => store.watch({ ...CM, namespace: 7 } as never)).toThrow(
      expect.objectContaining({ code: 400, message: 'namespace: Invalid value: 7: must be a string' }),
    );
  });

  it('returns a List sorted by namespace and name', async () => {
    const store = await seeded();
    const list = await store.list(CM);
    expect(list.kind).toBe('ConfigMapList');
    expect(list.apiVersion).toBe('v1');
    expect(list.metadata.resourceVersion).toBe(store.resourceVersion);
    expect(names(list)).toEqual(['default/a', 'ns1/a', 'ns1/b', 'ns1/c']);
    expect(names(await store.list({ ...CM, namespace: 'ns1' }))).toEqual(['ns1/a', 'ns1/b', 'ns1/c']);
  });

  it.each([
    ['app=web', ['default/a', 'ns1/a', 'ns1/c']],
    ['app==web,tier=front', ['ns1/c']],
    ['app!=web', ['ns1/b']],
    ['tier', ['ns1/a', 'ns1/c']],
    ['!tier', ['default/a', 'ns1/b']],
    ['tier in (front, back)', ['ns1/a', 'ns1/c']],
    ['tier notin (front)', ['default/a', 'ns1/a', 'ns1/b']],
    ['app in (db),!tier', ['ns1/b']],
  ])('label selector %s', async (selector, expected) => {
    const store = await seeded();
    expect(names(await store.list({ ...CM, labelSelector: selector }))).toEqual(expected);
  });

  it('takes the structured label selector too', async () => {
    const store = await seeded();
    const list = await store.list({
      ...CM,
      labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
    });
    expect(names(list)).toEqual(['ns1/a', 'ns1/c']);
  });

  it.each([
    ['metadata.name=a', ['default/a', 'ns1/a']],
    ['metadata.name==b', ['ns1/b']],
    ['metadata.namespace!=ns1', ['default/a']],
    ['metadata.name!=a,metadata.namespace=ns1', ['ns1/b', 'ns1/c']],
  ])('field selector %s', async (selector, expected) => {
    const store = await seeded();
    expect(names(await store.list({ ...CM, fieldSelector: selector }))).toEqual(expected);
  });

  it('refuses bad selectors with 400', async () => {
    const store = await seeded();
    await expect(store.list({ ...CM, fieldSelector: 'spec.x=1' })).rejects.toMatchObject({
      code: 400,
      message: 'field label not supported: spec.x',
    });
    await expect(store.list({ ...CM, labelSelector: 'a in b' })).rejects.toMatchObject({ code: 400 });
    // A cluster-scoped kind has no namespace to select by; its name it has.
    const namespaces = { apiVersion: 'v1', kind: 'Namespace' };
    await expect(
      store.list({ ...namespaces, fieldSelector: 'metadata.namespace=ns1' }),
    ).rejects.toMatchObject({
      code: 400,
      message: 'field label not supported: metadata.namespace',
    });
    const named = await store.list({ ...namespaces, fieldSelector: 'metadata.name=ns1' });
    expect(named.items.map((ns) => ns.metadata.name)).toEqual(['ns1']);
  });

  it('pages with limit and continue at one consistent version', async () => {
    const store = await seeded();
    const first = await store.list({ ...CM, limit: 2 });
    expect(names(first)).toEqual(['default/a', 'ns1/a']);
    expect(first.metadata.remainingItemCount).toBe(2);
    const token = first.metadata.continue as string;
    // Changes after the first page do not show in the next ones.
    await store.create(cm('aa'));
    await store.delete({ ...CM, namespace: 'ns1', name: 'c' });
    const second = await store.list({ ...CM, limit: 2, continue: token });
    expect(names(second)).toEqual(['ns1/b', 'ns1/c']);
    expect(second.metadata.continue).toBeUndefined();
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('answers a continue token older than the history with 410 Expired, and one to go on from the latest state', async () => {
    const store = newStore({ historySize: 4 });
    for (const n of ['a', 'b', 'c']) await store.create(cm(n));
    const first = await store.list({ ...CM, limit: 1 });
    for (let i = 0; i < 5; i++) await store.create(cm(`x${i}`));
    const expired = await store.list({ ...CM, limit: 1, continue: first.metadata.continue as string }).then(
      () => undefined,
      (error: { status: Status }) => error.status,
    );
    expect(expired).toMatchObject({
      code: 410,
      reason: 'Expired',
      metadata: { continue: expect.any(String) },
    });
    await store.delete({ ...CM, namespace: 'ns1', name: 'c' });
    const rest = await store.list({ ...CM, continue: expired?.metadata.continue as string });
    // What follows the token's name as it is now: `c` is gone.
    expect(rest.items.map((i) => i.metadata.name)).toEqual(['b', 'x0', 'x1', 'x2', 'x3', 'x4']);
    expect(rest.metadata.resourceVersion).toBe(store.resourceVersion);
    await expect(store.list({ ...CM, continue: 'garbage' })).rejects.toMatchObject({ code: 400 });
  });
});

describe('watch', () => {
  it('starts with ADDED for existing objects, then follows changes in order', async () => {
    const store = newStore();
    await store.create(cm('b'));
    await store.create(cm('a'));
    const w = store.watch({ ...CM, namespace: 'ns1' });
    const a = await store.get({ ...CM, namespace: 'ns1', name: 'a' });
    await store.update({ ...a, data: { k: 'v' } });
    await store.delete({ ...CM, namespace: 'ns1', name: 'b' });
    const events = await take(w, 4);
    expect(events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`)).toEqual([
      'ADDED a',
      'ADDED b',
      'MODIFIED a',
      'DELETED b',
    ]);
    const rvs = events.slice(2).map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[1]).toBe(Number(store.resourceVersion));
    expect(rvs[0]).toBeLessThan(rvs[1] as number);
    w.stop();
  });

  it('replays from a resourceVersion, then goes live', async () => {
    const store = newStore();
    const a = await store.create(cm('a'));
    const from = a.metadata.resourceVersion as string;
    await store.create(cm('b'));
    await store.patch(ref(a), { data: { k: '1' } }, { type: 'merge' });
    const w = store.watch({ ...CM, resourceVersion: from });
    await store.create(cm('c'));
    expect(summary(await take(w, 3)).map((s) => s.split('@')[0])).toEqual([
      'ADDED b',
      'MODIFIED a',
      'ADDED c',
    ]);
    w.stop();
  });

  it('opens a watch from a resourceVersion the store has not reached, with the changes after it', async () => {
    const store = newStore();
    const ahead = Number(store.resourceVersion) + 2;
    const w = store.watch({ ...CM, namespace: 'ns1', resourceVersion: String(ahead) });
    await store.create(cm('a'));
    await store.create(cm('b'));
    await store.create(cm('c'));
    expect(summary(await take(w, 1))).toEqual([`ADDED c@${ahead + 1}`]);
    w.stop();
  });

  it('resumes after the last event seen without loss or repeats', async () => {
    const store = newStore();
    const w1 = store.watch({ ...CM, namespace: 'ns1', resourceVersion: store.resourceVersion });
    await store.create(cm('a'));
    await store.create(cm('b'));
    const seen = await take(w1, 1);
    w1.stop();
    await store.create(cm('c'));
    const last = seen[0]?.object.metadata.resourceVersion as string;
    const w2 = store.watch({ ...CM, namespace: 'ns1', resourceVersion: last });
    expect(summary(await take(w2, 2)).map((s) => s.split('@')[0])).toEqual(['ADDED b', 'ADDED c']);
    w2.stop();
  });

  it('sends ERROR 410 Expired for a version older than the history', async () => {
    const store = newStore({ historySize: 3 });
    for (let i = 0; i < 6; i++) await store.create(cm(`c${i}`));
    const w = store.watch({ ...CM, resourceVersion: '1' });
    const events = await take(w, 2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ERROR',
      object: {
        kind: 'Status',
        code: 410,
        reason: 'Expired',
        message: expect.stringContaining('too old resource version: 1'),
      },
    });
    expect((await w.next()).done).toBe(true);
    expect(store.activeWatches).toBe(0);
  });

  it('follows selectors: objects entering and leaving them are ADDED and DELETED', async () => {
    const store = newStore();
    const a = await store.create(cm('a', {}, { labels: { app: 'web' } }));
    const w = store.watch({ ...CM, labelSelector: 'app=web', resourceVersion: store.resourceVersion });
    await store.create(cm('b', {}, { labels: { app: 'db' } }));
    const moved = await store.patch(ref(a), { metadata: { labels: { app: 'db' } } }, { type: 'merge' });
    await store.patch(ref(a), { metadata: { labels: { app: 'web' } } }, { type: 'merge' });
    const events = await take(w, 2);
    expect(
      events.map(
        (e) => `${e.type} ${(e.object as KubeObject).metadata.name}@${e.object.metadata.resourceVersion}`,
      ),
    ).toEqual([`DELETED a@${moved.metadata.resourceVersion}`, `ADDED a@${store.resourceVersion}`]);
    w.stop();
  });

  it('sends bookmarks when allowed, the end of the initial events marked for a watch list alone', async () => {
    const store = newStore();
    const a = await store.create(cm('a'));
    const bookmark = (annotations?: Record<string, string>) => ({
      type: 'BOOKMARK',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { resourceVersion: store.resourceVersion, ...(annotations ? { annotations } : {}) },
      },
    });
    const plain = store.watch({ ...CM, allowWatchBookmarks: true });
    expect((await take(plain, 2))[1]).toEqual(bookmark());
    plain.stop();
    // A watch list sends the objects as they are now, whatever version it names.
    await store.create(cm('b'));
    const list = store.watch({
      ...CM,
      resourceVersion: a.metadata.resourceVersion as string,
      allowWatchBookmarks: true,
      sendInitialEvents: true,
    });
    const events = await take(list, 3);
    expect(events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`)).toEqual([
      'ADDED a',
      'ADDED b',
      'BOOKMARK ',
    ]);
    expect(events[2]).toEqual(bookmark({ 'k8s.io/initial-events-end': 'true' }));
    await store.create(cm('c'));
    expect((await take(list, 1))[0]?.type).toBe('ADDED');
    expect(list.pending).toBe(0);
    list.stop();
    expect(() => store.watch({ ...CM, sendInitialEvents: true })).toThrow(
      expect.objectContaining({
        code: 422,
        message:
          'ListOptions.meta.k8s.io "" is invalid: allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true',
      }),
    );
  });

  it('stops and frees the subscription when the iteration ends', async () => {
    const store = newStore();
    await store.create(cm('a'));
    await store.create(cm('b'));
    const w = store.watch(CM);
    let count = 0;
    for await (const _ of w) {
      count++;
      break;
    }
    expect(count).toBe(1);
    expect(store.activeWatches).toBe(0);
    await store.create(cm('c'));
    expect(w.pending).toBe(0);
    expect((await w.next()).done).toBe(true);
  });

  it('reports deletions by garbage collection with their own resourceVersions', async () => {
    const store = newStore();
    const owner = await store.create(widget('o'));
    await store.create(
      cm(
        'd',
        {},
        {
          ownerReferences: [
            { apiVersion: 'example.com/v1', kind: 'Widget', name: 'o', uid: owner.metadata.uid as string },
          ],
        },
      ),
    );
    const w = store.watch({ ...CM, resourceVersion: store.resourceVersion });
    const before = Number(store.resourceVersion);
    await store.delete(ref(owner));
    const [event] = await take(w, 1);
    expect(event?.type).toBe('DELETED');
    expect(Number(event?.object.metadata.resourceVersion)).toBe(before + 2);
    w.stop();
  });

  it('never drops events queued before the consumer reads', async () => {
    const store = newStore();
    const w = store.watch({ ...CM, resourceVersion: store.resourceVersion });
    for (let i = 0; i < 200; i++) await store.create(cm(`c${i}`));
    expect(w.pending).toBe(200);
    const events = await take(w, 200);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(new Set(rvs).size).toBe(200);
    w.stop();
  });
});

describe('subscribe', () => {
  it('hears every change of its kind at once, with the state before a MODIFIED', async () => {
    const store = newStore();
    await store.create(cm('a', { v: '1' }));
    const heard: { type: string; data: unknown; old: unknown }[] = [];
    const stop = store.subscribe({ ...CM, namespace: 'ns1' }, (event) =>
      heard.push({ type: event.type, data: event.object.data, old: event.old?.data }),
    );
    const a = await store.get(ref(cm('a')));
    await store.update({ ...a, data: { v: '2' } });
    await store.create(cm('b'));
    await store.delete(ref(cm('a')));
    await store.create(widget('w'));
    stop();
    await store.create(cm('c'));
    expect(heard).toEqual([
      { type: 'ADDED', data: { v: '1' }, old: undefined },
      { type: 'MODIFIED', data: { v: '2' }, old: { v: '1' } },
      { type: 'ADDED', data: {}, old: undefined },
      { type: 'DELETED', data: { v: '2' }, old: undefined },
    ]);
  });

  it('hands those who follow the whole kind as stored one event, the same as a filtered one sees', async () => {
    const store = newStore();
    const whole: CacheEvent[][] = [[], []];
    const inNs1: CacheEvent[] = [];
    const stops = [
      store.subscribe(CM, (event) => whole[0]?.push(event)),
      store.subscribe(CM, (event) => whole[1]?.push(event)),
      store.subscribe({ ...CM, namespace: 'ns1' }, (event) => inNs1.push(event)),
    ];
    await store.create(cm('a', { v: '1' }));
    const a = await store.get(ref(cm('a')));
    await store.update({ ...a, data: { v: '2' } });
    await store.delete(ref(cm('a')));
    stops[1]?.();
    await store.create(cm('b'));
    for (const stop of stops) stop();
    await store.create(cm('c'));
    const seen = (events: CacheEvent[]) => events.map((e) => [e.type, e.object.data, e.old?.data]);
    expect(seen(whole[0] ?? [])).toEqual([
      ['ADDED', { v: '1' }, undefined],
      ['MODIFIED', { v: '2' }, { v: '1' }],
      ['DELETED', { v: '2' }, undefined],
      ['ADDED', {}, undefined],
    ]);
    expect(seen(inNs1)).toEqual(seen(whole[0] ?? []));
    // The same event object, for the two that follow everything, until one stops.
    expect(whole[1]).toHaveLength(3);
    for (const [i, event] of (whole[1] ?? []).entries()) expect(event).toBe(whole[0]?.[i]);
  });

  it('hears in the order of subscription, once per subscription, the same function too', async () => {
    const store = newStore();
    const heard: string[] = [];
    const whole = (event: CacheEvent) => heard.push(`whole ${event.object.metadata.name}`);
    const stops = [
      store.subscribe({ ...CM, namespace: 'ns1' }, (event) =>
        heard.push(`ns1 ${event.object.metadata.name}`),
      ),
      store.subscribe(CM, whole),
      store.subscribe(CM, whole),
    ];
    await store.create(cm('a'));
    stops[1]?.();
    await store.create(cm('b'));
    expect(heard).toEqual(['ns1 a', 'whole a', 'whole a', 'ns1 b', 'whole b']);
  });

  it('leaves no trace of a write refused inside a listener', async () => {
    const store = newStore();
    const refused: unknown[] = [];
    const stop = store.subscribe(CM, (event) => {
      if (event.object.metadata.name !== 'a') return;
      try {
        store.direct.create(cm('inner'));
      } catch (error) {
        refused.push(error);
      }
    });
    await store.create(cm('a'));
    stop();
    expect(refused).toEqual([expect.objectContaining({ message: 'a transaction is already open' })]);
    expect(store.direct.get(ref(cm('inner')))).toBeUndefined();
    expect((await store.list(CM)).items.map((o) => o.metadata.name)).toEqual(['a']);
    await expect(store.create(cm('inner'))).resolves.toMatchObject({ metadata: { name: 'inner' } });
  });

  it('keeps a refused update or delete from a listener out of reads, and a listener that throws in', async () => {
    const store = newStore();
    const kept = store.direct.create(cm('kept', { v: '1' }));
    const refused: unknown[] = [];
    let deleting: Promise<unknown> | undefined;
    const stop = store.subscribe(CM, (event) => {
      if (event.object.metadata.name !== 'trigger') return;
      try {
        store.direct.update({ ...kept, data: { v: '2' } });
      } catch (error) {
        refused.push(error);
      }
      deleting = store.delete(ref(kept));
    });
    await store.create(cm('trigger'));
    stop();
    expect(refused).toEqual([expect.objectContaining({ message: 'a transaction is already open' })]);
    await expect(deleting).rejects.toThrow('a transaction is already open');
    expect(store.direct.get(ref(kept))).toBe(kept);
    // A listener that throws does so after the commit: the object is stored and found.
    const stopThrowing = store.subscribe(CM, (event) => {
      if (event.object.metadata.name === 'after') throw new Error('listener failed');
    });
    expect(() => store.direct.create(cm('after'))).toThrow('listener failed');
    stopThrowing();
    expect(store.direct.get(ref(cm('after')))).toMatchObject({ metadata: { name: 'after' } });
    await expect(store.create(cm('after'))).rejects.toMatchObject({ code: 409 });
  });
});
