import { Random, VirtualClock } from '@vsim/vsphere';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CRD_SHAPES } from '../generated/crd-shapes.js';
import type { KindInfo } from '../store/kinds.js';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import { objectShape, shapedObject, undeclaredFields } from '../store/schema-shape.js';
import { checkStructure, constraintCauses } from '../store/structure.js';
import type { SupervisorOptions } from '../supervisor.js';
import { createSupervisorFixture } from '../testing/fixture.js';
import { registerVmOperatorKinds } from '../vm-operator-kinds.js';
import { convertTo } from './conversion/index.js';
import type { JsonObject } from './conversion/paths.js';
import { FULL_HUB_OBJECTS } from './full-objects.fixture.js';
import { VM_OPERATOR_KINDS } from './kinds.js';

const V1 = 'vmoperator.vmware.com/v1alpha1';
const V2 = 'vmoperator.vmware.com/v1alpha2';
const V5 = 'vmoperator.vmware.com/v1alpha5';

async function setup(options: SupervisorOptions = {}) {
  const f = await createSupervisorFixture({ namespaces: ['ns1'], ...options });
  const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const image = images.items[0]?.metadata.name as string;
  const vm = (apiVersion: string, name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion,
    kind: 'VirtualMachine',
    metadata: { name, namespace: 'ns1' },
    spec: {
      className: 'best-effort-small',
      imageName: image,
      storageClass: 'wcpglobal-storage-profile',
      ...spec,
    },
  });
  return { ...f, vm };
}

describe("the Supervisor's custom resources, pruned as their CRDs declare", () => {
  it('drops what the version sent does not declare, wherever it is, and keeps the rest', async () => {
    const f = await setup();
    const sent = f.vm(V5, 'vm1', {
      powerstate: 'PoweredOff',
      network: { interfaces: [{ name: 'eth0', bogus: 1 }] },
    });
    sent.metadata.labels = { app: 'web' };
    (sent.metadata as Record<string, unknown>).colour = 'blue';
    (sent as Record<string, unknown>).extra = { a: 1 };
    const before = structuredClone(sent);
    const created = await f.kube.create(sent);
    expect(sent).toEqual(before);
    expect(created).not.toHaveProperty('extra');
    expect(created.metadata).not.toHaveProperty('colour');
    expect(created.metadata.labels).toEqual({ app: 'web' });
    expect(created.spec).not.toHaveProperty('powerstate');
    expect(created.spec).toMatchObject({ powerState: 'PoweredOn' });
    const [eth0] = (created.spec as { network: { interfaces: Record<string, unknown>[] } }).network
      .interfaces;
    expect(eth0).toMatchObject({ name: 'eth0' });
    expect(eth0).not.toHaveProperty('bogus');
  });

  it('refuses them all, named, under strict field validation, the controllers going on as before', async () => {
    const f = await setup({ fieldValidation: 'Strict' });
    const sent = f.vm(V5, 'vm1', {
      powerstate: 'PoweredOff',
      network: { interfaces: [{ name: 'eth0', bogus: 1 }] },
    });
    (sent.metadata as Record<string, unknown>).colour = 'blue';
    await expect(f.kube.create(sent)).rejects.toMatchObject({
      code: 400,
      message:
        'VirtualMachine in version "v1alpha5" cannot be handled as a VirtualMachine: strict decoding error: unknown field "metadata.colour", unknown field "spec.powerstate", unknown field "spec.network.interfaces[0].bogus"',
    });
    await f.kube.create(f.vm(V5, 'vm1', {}));
    await f.settle();
    const vm = await f.kube.get({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' });
    expect(vm.status).toMatchObject({ powerState: 'PoweredOn' });
  });

  it("fills in the schema's defaults of the version sent, then the storage version's", async () => {
    const f = await setup();
    const hubOf = (name: string) =>
      f.kube.get({
        apiVersion: 'vmoperator.vmware.com/v1alpha6',
        kind: 'VirtualMachine',
        namespace: 'ns1',
        name,
      });
    const v5 = await f.kube.create(
      f.vm(V5, 'vm1', {
        bootstrap: { cloudInit: { cloudConfig: { write_files: [{ path: '/a', content: 'x' }] } } },
      }),
    );
    // The webhooks see the defaults: an empty crypto spec is one that asks for encryption.
    await expect(f.kube.create(f.vm(V5, 'vm4', { crypto: {} }))).rejects.toThrow(
      'spec.crypto: Invalid value: {"useDefaultKeyProvider":true,"vTPMMode":"New"}: the Bring Your Own Key (Provider) feature is not enabled',
    );
    expect(v5.spec).toMatchObject({
      powerOffMode: 'TrySoft',
      promoteDisksMode: 'Online',
      bootstrap: {
        cloudInit: {
          cloudConfig: {
            write_files: [{ path: '/a', encoding: 'text/plain', owner: 'root:root', permissions: '0644' }],
          },
        },
      },
    });
    // v1alpha1's schema defaults its modes to hard, which the hub keeps as Hard.
    await f.kube.create({
      ...f.vm(V1, 'vm2', {}),
      spec: { imageName: (v5.spec as { imageName: string }).imageName, className: 'best-effort-small' },
    });
    expect((await hubOf('vm2')).spec).toMatchObject({
      powerOffMode: 'Hard',
      suspendMode: 'Hard',
      restartMode: 'Hard',
    });
    // v1alpha2 has no promoteDisksMode: the storage version's default fills it in.
    await f.kube.create(f.vm(V2, 'vm3', {}));
    expect((await hubOf('vm3')).spec).toMatchObject({ powerOffMode: 'TrySoft', promoteDisksMode: 'Online' });
  });

  it("drops a later version's field sent in an earlier one, before it is converted", async () => {
    const f = await setup();
    // `spec.bootstrap.disabled` is v1alpha6's: in v1alpha2 it is unknown, not kept in the annotation.
    const created = await f.kube.create(
      f.vm(V2, 'vm1', {
        bootstrap: { disabled: true, cloudInit: { rawCloudConfig: { name: 's', key: 'k' } } },
      }),
    );
    const hub = await f.kube.get({
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachine',
      namespace: 'ns1',
      name: 'vm1',
    });
    expect((hub.spec as { bootstrap: object }).bootstrap).not.toHaveProperty('disabled');
    expect((created.spec as { bootstrap: object }).bootstrap).not.toHaveProperty('disabled');
  });

  it('prunes updates, patches and status writes alike', async () => {
    const f = await setup();
    const created = await f.kube.create(f.vm(V5, 'vm1', {}));
    const updated = await f.kube.update({ ...created, spec: { ...(created.spec as object), typo: 1 } });
    expect(updated.spec).not.toHaveProperty('typo');
    const patched = await f.kube.patch(
      { apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' },
      { spec: { typo: 2 }, metadata: { labels: { a: 'b' } } },
      { type: 'merge' },
    );
    expect(patched.spec).not.toHaveProperty('typo');
    expect(patched.metadata.labels).toEqual({ a: 'b' });
    const status = await f.kube.updateStatus({ ...patched, status: { powerState: 'PoweredOff', odd: 1 } });
    expect(status.status).toEqual({ powerState: 'PoweredOff' });
  });

  it("keeps whatever a field that preserves unknown fields holds (a class's configSpec)", async () => {
    const f = await setup();
    const configSpec = { _typeName: 'VirtualMachineConfigSpec', numCPUs: 2, anything: { at: ['all'] } };
    const created = await f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineClass',
      metadata: { name: 'custom', namespace: 'ns1' },
      spec: { hardware: { cpus: 2, memory: '4Gi', gpus: 1 }, configSpec },
    });
    expect((created.spec as { configSpec: unknown }).configSpec).toEqual(configSpec);
    expect((created.spec as { hardware: unknown }).hardware).toEqual({ cpus: 2, memory: '4Gi' });
  });

  it("holds a built-in kind's top level to its Go type's fields", async () => {
    const f = await setup();
    const created = await f.kube.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns1' },
      data: { a: 'b' },
      spec: { not: 'a ConfigMap field' },
    });
    expect(created).toEqual(expect.objectContaining({ data: { a: 'b' } }));
    expect(created).not.toHaveProperty('spec');
  });

  it("holds a built-in kind's spec to its Go type's fields, at any depth", async () => {
    const f = await setup();
    const claim = (spec: Record<string, unknown>) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'ns1' },
      spec: { accessModes: ['ReadWriteOnce'], ...spec },
    });
    const sloppy = claim({
      storageClassname: 'wcpglobal-storage-profile',
      resources: { requests: { storage: '1Gi' }, request: { storage: '2Gi' } },
    });
    await expect(f.kube.create(sloppy, { fieldValidation: 'Strict' })).rejects.toMatchObject({
      code: 400,
      message:
        'PersistentVolumeClaim in version "v1" cannot be handled as a PersistentVolumeClaim: strict decoding error: unknown field "spec.storageClassname", unknown field "spec.resources.request"',
    });
    const created = await f.kube.create(sloppy);
    expect(created.spec).not.toHaveProperty('storageClassname');
    expect((created.spec as { resources: unknown }).resources).toEqual({ requests: { storage: '1Gi' } });
  });
});

describe("the simulator's vm-operator types and vm-operator's CRDs", () => {
  it('agree: every field of every kind, in every served version, is one its CRD declares, of its type', () => {
    const store = new KubeStore({ clock: new VirtualClock(0), random: new Random(1) });
    // Every kind and field served, those of ImmutableClasses and FastDeploy too.
    registerVmOperatorKinds(store, { capabilities: { immutableClasses: true, fastDeploy: true } });
    const undeclared: string[] = [];
    for (const k of VM_OPERATOR_KINDS) {
      const full = FULL_HUB_OBJECTS[k.kind];
      if (!full) continue;
      for (const version of k.servedVersions) {
        const shape = CRD_SHAPES[`${k.group}/${k.kind}`]?.[version];
        if (!shape) {
          undeclared.push(`${k.kind} ${version}: no CRD`);
          continue;
        }
        const object = convertTo(full, version);
        for (const field of undeclaredFields(objectShape(shape), object))
          undeclared.push(`${k.kind} ${version}: ${field}`);
        // And of the type the CRD gives it, in what a write of the spec and of the status keep.
        const info = store.kindInfo(`${k.group}/${version}`, k.kind) as KindInfo;
        for (const write of ['create', 'status'] as const)
          try {
            checkStructure(info, object as unknown as KubeObject, write);
          } catch (error) {
            undeclared.push(`${k.kind} ${version}: ${(error as Error).message}`);
          }
      }
    }
    expect(undeclared).toEqual([]);
  });
});

describe("what the Supervisor's controllers write", () => {
  it("is within its CRDs' constraints, as the API server would hold their writes to them", async () => {
    const f = await setup();
    const V6 = 'vmoperator.vmware.com/v1alpha6';
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'boot', namespace: 'ns1' },
      stringData: { value: '#cloud-config\nruncmd: [ls]\n' },
    });
    await f.kube.create({
      apiVersion: V6,
      kind: 'VirtualMachineSetResourcePolicy',
      metadata: { name: 'c1', namespace: 'ns1' },
      spec: { resourcePool: { name: 'c1' }, folder: 'c1', clusterModuleGroups: ['cp'] },
    });
    for (const name of ['cp-0', 'md-0'])
      await f.kube.create(
        f.vm(V5, name, {
          reserved: { resourcePolicyName: 'c1' },
          bootstrap: { cloudInit: { rawCloudConfig: { name: 'boot', key: 'value' } } },
          readinessProbe: { guestHeartbeat: { thresholdStatus: 'green' } },
        }),
      );
    await f.kube.create({
      apiVersion: V6,
      kind: 'VirtualMachineService',
      metadata: { name: 'api', namespace: 'ns1' },
      spec: {
        type: 'LoadBalancer',
        selector: {},
        ports: [{ name: 'https', protocol: 'TCP', port: 6443, targetPort: 6443 }],
      },
    });
    await f.settle();
    const broken: string[] = [];
    let checked = 0;
    for (const [key, versions] of Object.entries(CRD_SHAPES)) {
      const [group, kind] = key.split('/') as [string, string];
      const info = Object.keys(versions)
        .map((version) => f.kube.kindInfo(`${group}/${version}`, kind))
        .find((found) => found !== undefined);
      if (!info) continue;
      const stored = f.kube.direct.list(info.storageApiVersion, kind);
      for (const object of stored)
        for (const write of ['create', 'status'] as const) {
          checked++;
          for (const cause of constraintCauses(info, object, write, undefined))
            broken.push(`${kind} ${object.metadata.name}: ${cause.field}: ${cause.message}`);
        }
    }
    expect(checked).toBeGreaterThan(40);
    expect(broken).toEqual([]);
  });
});

describe('pruning and defaulting, for any object', () => {
  /** A VirtualMachine of every field, in v1alpha5, with fields no schema has put anywhere in it. */
  const full = convertTo(FULL_HUB_OBJECTS.VirtualMachine as JsonObject, 'v1alpha5');
  const node = objectShape(CRD_SHAPES['vmoperator.vmware.com/VirtualMachine']?.v1alpha5);
  /** Every object and list in `value`, by path from the top. */
  const containers = (value: unknown, out: unknown[] = []): unknown[] => {
    if (value !== null && typeof value === 'object') {
      out.push(value);
      for (const v of Object.values(value)) containers(v, out);
    }
    return out;
  };
  const sloppy = fc
    .array(fc.tuple(fc.nat(), fc.constantFrom('zz', 'bogus', '__proto__', 'name0'), fc.jsonValue()), {
      maxLength: 6,
    })
    .map((additions) => {
      const object = structuredClone(full);
      const places = containers(object).filter((c) => !Array.isArray(c)) as Record<string, unknown>[];
      for (const [at, key, value] of additions) {
        const place = places[at % places.length] as Record<string, unknown>;
        Object.defineProperty(place, key, { value, writable: true, enumerable: true, configurable: true });
      }
      return object as unknown as KubeObject;
    });

  it('leaves nothing undeclared, keeps the sent object as it was, and changes nothing a second time', () => {
    fc.assert(
      fc.property(sloppy, (sent) => {
        const before = structuredClone(sent);
        const shaped = shapedObject(node, sent);
        expect(undeclaredFields(node, shaped)).toEqual([]);
        expect(sent).toEqual(before);
        expect(shapedObject(node, shaped)).toBe(shaped);
        // What is declared is kept as it was sent.
        expect(shaped.spec).toMatchObject(full.spec as object);
      }),
      { seed: 15, numRuns: 200 },
    );
  });
});
