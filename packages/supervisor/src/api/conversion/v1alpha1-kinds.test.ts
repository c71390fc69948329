import { describe, expect, it } from 'vitest';
import { FULL_HUB_OBJECTS } from '../full-objects.fixture.js';
import {
  CONVERSION_ANNOTATION,
  convertDown,
  convertUp,
  getAnnotation,
  type SpokeRule,
  setAnnotation,
} from './engine.js';
import { dropPaths, getPath, type JsonObject } from './paths.js';
import {
  virtualMachineImageV1alpha1Rule,
  virtualMachinePublishRequestV1alpha1Rule,
  virtualMachineServiceV1alpha1Rule,
  virtualMachineSetResourcePolicyV1alpha1Rule,
} from './v1alpha1-kinds.js';

const V1ALPHA1 = 'vmoperator.vmware.com/v1alpha1';
const HUB = 'vmoperator.vmware.com/v1alpha6';
const CONTENT_LIBRARY_REF = 'vmoperator.vmware.com/conversion-content-lib-ref';
const T1 = '2024-05-01T10:00:00Z';
const T2 = '2025-05-01T10:00:00Z';

/** By kind; a class has the same shape in both versions, and no rule. */
const RULES: Record<string, SpokeRule | undefined> = {
  VirtualMachineClass: undefined,
  VirtualMachineImage: virtualMachineImageV1alpha1Rule,
  ClusterVirtualMachineImage: virtualMachineImageV1alpha1Rule,
  VirtualMachinePublishRequest: virtualMachinePublishRequestV1alpha1Rule,
  VirtualMachineService: virtualMachineServiceV1alpha1Rule,
  VirtualMachineSetResourcePolicy: virtualMachineSetResourcePolicyV1alpha1Rule,
};

function ruleOf(obj: JsonObject): SpokeRule | undefined {
  const kind = String(obj.kind);
  if (!(kind in RULES)) throw new Error(`no rule for ${kind}`);
  return RULES[kind];
}

const down = (hub: JsonObject): JsonObject => convertDown(hub, 'v1alpha1', ruleOf(hub));
const up = (spoke: JsonObject): JsonObject => convertUp(spoke, ruleOf(spoke));

function fullHub(kind: string): JsonObject {
  const obj = FULL_HUB_OBJECTS[kind];
  if (!obj) throw new Error(kind);
  return structuredClone(obj);
}

/** A v1alpha1 object read back after a trip through the hub, less the annotation the trip added. */
function readBack(spoke: JsonObject): JsonObject {
  const back = down(up(spoke));
  setAnnotation(back, CONVERSION_ANNOTATION, undefined);
  return back;
}

const spec = (obj: JsonObject) => obj.spec as JsonObject;
const status = (obj: JsonObject) => obj.status as JsonObject;
const annotations = (obj: JsonObject) =>
  (obj.metadata as { annotations?: Record<string, string> }).annotations;

describe('round trips of every field of the hub through v1alpha1', () => {
  for (const [kind, rule] of Object.entries(RULES)) {
    it(`${kind}: hub -> v1alpha1 -> hub keeps all but what vm-operator loses`, () => {
      const hub = fullHub(kind);
      const spoke = down(hub);
      expect(spoke.apiVersion).toBe(V1ALPHA1);
      const expected = structuredClone(hub);
      dropPaths(expected, rule?.lost ?? []);
      expect(up(spoke)).toEqual(expected);
    });

    it(`${kind}: v1alpha1 -> hub -> v1alpha1 reads back the same`, () => {
      const spoke = down(fullHub(kind));
      const again = down(up(spoke));
      // The second annotation records the hub without what was lost.
      if (rule?.preserve && rule.lost?.length)
        for (const object of [spoke, again]) setAnnotation(object, CONVERSION_ANNOTATION, undefined);
      expect(again).toEqual(spoke);
    });
  }

  it('objects without spec or status stay without them', () => {
    for (const kind of Object.keys(RULES)) {
      const hub = { apiVersion: HUB, kind, metadata: { name: 'n', namespace: 'ns' } };
      const spoke = down(hub);
      setAnnotation(spoke, CONVERSION_ANNOTATION, undefined);
      expect(spoke).toEqual({ ...hub, apiVersion: V1ALPHA1 });
      expect(up(down(hub))).toEqual(hub);
    }
  });
});

describe('v1alpha1 objects written by hand read back as written', () => {
  const objects: JsonObject[] = [
    {
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineClass',
      metadata: { name: 'best-effort-small', namespace: 'ns', annotations: { fizz: 'buzz' } },
      spec: {
        controllerName: 'vmoperator.vmware.com/vsphere',
        hardware: {
          cpus: 2,
          memory: '4Gi',
          devices: {
            vgpuDevices: [{ profileName: 'grid_t4-4q' }],
            dynamicDirectPathIODevices: [{ vendorID: 4318, deviceID: 7864, customLabel: 'gpu' }],
          },
          instanceStorage: { storageClass: 'local', volumes: [{ size: '10Gi' }] },
        },
        policies: {
          resources: { requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '2000m', memory: '4Gi' } },
        },
        description: 'small',
        configSpec: { _typeName: 'VirtualMachineConfigSpec', numCPUs: 2 },
        reservedProfileID: 'profile-1',
        reservedSlots: 2147483647,
      },
      status: {},
    },
    {
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineImage',
      metadata: {
        name: 'vmi-0123',
        namespace: 'ns',
        annotations: {
          fizz: 'buzz',
          'vmware-system-guest-os': 'ubuntu',
          [CONTENT_LIBRARY_REF]: JSON.stringify({
            apiGroup: 'imageregistry.vmware.com',
            kind: 'ContentLibrary',
            name: 'cl-1',
          }),
        },
      },
      spec: {
        imageID: 'item-uuid',
        providerRef: {
          apiVersion: 'imageregistry.vmware.com/v1alpha1',
          kind: 'ContentLibraryItem',
          name: 'clitem-0123',
          namespace: 'ns',
        },
        productInfo: { product: 'Ubuntu', vendor: 'Canonical', version: '22.04', fullVersion: '22.04.4' },
        osInfo: { type: 'ubuntu64Guest', version: '22.04' },
        ovfEnv: {
          hostname: { key: 'hostname', type: 'string', default: 'ubuntu' },
          'user-data': { key: 'user-data', type: 'string', default: '' },
        },
        hwVersion: 19,
      },
      status: {
        imageName: 'ubuntu-22.04',
        contentVersion: '3',
        firmware: 'efi',
        conditions: [
          { type: 'VirtualMachineImageProviderSecurityCompliance', status: 'True', lastTransitionTime: T1 },
          {
            type: 'VirtualMachineImageProviderReady',
            status: 'False',
            severity: 'Error',
            lastTransitionTime: T1,
            reason: 'VirtualMachineImageProviderNotReady',
            message: 'Provider item is not in ready condition',
          },
        ],
        contentLibraryRef: { apiGroup: 'imageregistry.vmware.com', kind: 'ContentLibrary', name: 'cl-1' },
      },
    },
    {
      apiVersion: V1ALPHA1,
      kind: 'ClusterVirtualMachineImage',
      metadata: { name: 'vmi-4567', annotations: { 'vmware-system-tkr': 'v1.30' } },
      spec: {
        imageID: 'item-uuid-2',
        providerRef: { kind: 'ClusterContentLibraryItem', name: 'clitem-4567' },
        osInfo: { type: 'windows2019srv_64Guest' },
        hwVersion: 21,
      },
      status: {
        imageName: 'windows-2019',
        contentVersion: '1',
        firmware: 'bios',
        conditions: [
          { type: 'VirtualMachineImageProviderSecurityCompliance', status: 'True', lastTransitionTime: T2 },
          { type: 'VirtualMachineImageProviderReady', status: 'True', lastTransitionTime: T2 },
          { type: 'VirtualMachineImageSynced', status: 'True', lastTransitionTime: T2 },
        ],
      },
    },
    {
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachinePublishRequest',
      metadata: { name: 'pub', namespace: 'ns' },
      spec: {
        source: { name: 'vm', apiVersion: V1ALPHA1, kind: 'VirtualMachine' },
        target: {
          item: { name: 'vm-image', description: 'published' },
          location: { name: 'cl', apiVersion: 'imageregistry.vmware.com/v1alpha1', kind: 'ContentLibrary' },
        },
        ttlSecondsAfterFinished: 300,
      },
      status: {
        sourceRef: { name: 'vm', apiVersion: V1ALPHA1, kind: 'VirtualMachine' },
        targetRef: { item: { name: 'vm-image' }, location: { name: 'cl', kind: 'ContentLibrary' } },
        startTime: T1,
        completionTime: T2,
        attempts: 1,
        lastAttemptTime: T1,
        imageName: 'vmi-89ab',
        ready: true,
        conditions: [
          { type: 'SourceValid', status: 'True', lastTransitionTime: T1, reason: 'True' },
          { type: 'Uploaded', status: 'False', lastTransitionTime: T1, reason: 'Uploading', message: 'm' },
        ],
      },
    },
    {
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineService',
      metadata: { name: 'svc', namespace: 'ns' },
      spec: {
        type: 'LoadBalancer',
        ports: [{ name: 'ssh', protocol: 'TCP', port: 22, targetPort: 2222 }],
        selector: { app: 'web' },
        loadBalancerIP: '10.0.0.5',
        loadBalancerSourceRanges: ['10.0.0.0/24'],
        clusterIp: '172.16.0.9',
        externalName: 'web.example.com',
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.5', hostname: 'lb.example.com' }] } },
    },
    {
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineSetResourcePolicy',
      metadata: { name: 'policy', namespace: 'ns' },
      spec: {
        resourcepool: {
          name: 'pool',
          reservations: { cpu: '1', memory: '1Gi' },
          limits: { cpu: '4', memory: '8Gi' },
        },
        folder: { name: 'folder' },
        clustermodules: [{ groupname: 'control-plane' }, { groupname: 'workers' }],
      },
      status: {
        resourcePools: [{ clusterMoID: 'domain-c8', childResourcePoolMoID: 'resgroup-10' }],
        clustermodules: [{ groupname: 'control-plane', moduleUUID: 'uuid-1', clusterMoID: 'domain-c8' }],
      },
    },
  ];

  for (const spoke of objects) {
    it(`${String(spoke.kind)}`, () => {
      expect(up(spoke).apiVersion).toBe(HUB);
      expect(readBack(spoke)).toEqual(spoke);
    });
  }
});

describe('VirtualMachineClass', () => {
  it('has the hub shape in v1alpha1 and keeps no annotation', () => {
    const hub = fullHub('VirtualMachineClass');
    const spoke = down(hub);
    expect(spoke.spec).toEqual(hub.spec);
    expect(getAnnotation(spoke, CONVERSION_ANNOTATION)).toBeUndefined();
    const v1alpha1 = {
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineClass',
      spec: { reservedSlots: -2147483647 },
    };
    expect(up(v1alpha1)).toEqual({ ...v1alpha1, apiVersion: HUB });
  });
});

describe('VirtualMachineImage', () => {
  it('moves the hub status into the v1alpha1 spec and renames what v1alpha1 names otherwise', () => {
    const spoke = down(fullHub('VirtualMachineImage'));
    expect(spoke.spec).toEqual({
      providerRef: { apiVersion: 'apiVersion-584', kind: 'kind-585', name: 'name-586', namespace: 'ns' },
      imageID: 'providerItemID-620',
      productInfo: {
        product: 'product-607',
        vendor: 'vendor-608',
        version: 'version-609',
        fullVersion: 'fullVersion-610',
      },
      osInfo: { type: 'type-595', version: 'version-596' },
      ovfEnv: { 'key-599': { key: 'key-599', type: 'type-600', default: 'default-601' } },
      hwVersion: 592,
    });
    expect(spoke.status).toEqual({
      imageName: 'name-588',
      contentVersion: 'providerContentVersion-619',
      firmware: 'firmware-591',
    });
    // A system property not named vmware-system* would never come back as one.
    expect(annotations(spoke)).toEqual({ a: 'b' });
    expect(getAnnotation(spoke, CONVERSION_ANNOTATION)).toBeUndefined();
  });

  it("gives v1alpha1 the provider's namespace and the system properties as annotations", () => {
    const hub: JsonObject = {
      apiVersion: HUB,
      kind: 'VirtualMachineImage',
      metadata: { name: 'test-image', namespace: 'my-namespace', annotations: { fizz: 'buzz' } },
      spec: { providerRef: { apiVersion: 'vmware.com/v1', kind: 'ImageProvider', name: 'my-image' } },
      status: {
        vmwareSystemProperties: [
          { key: 'vmware-system-foo', value: 'foo-val' },
          { key: 'vmware-system-bar', value: 'bar-val' },
        ],
      },
    };
    const spoke = down(hub);
    expect(spec(spoke).providerRef).toEqual({
      apiVersion: 'vmware.com/v1',
      kind: 'ImageProvider',
      name: 'my-image',
      namespace: 'my-namespace',
    });
    expect(annotations(spoke)).toEqual({
      fizz: 'buzz',
      'vmware-system-foo': 'foo-val',
      'vmware-system-bar': 'bar-val',
    });
    expect(up(spoke)).toEqual(hub);
  });

  it("backfills no namespace into a cluster image's provider", () => {
    const hub = fullHub('ClusterVirtualMachineImage');
    expect(spec(down(hub)).providerRef).toEqual({
      apiVersion: 'apiVersion-626',
      kind: 'kind-627',
      name: 'name-628',
    });
  });

  it('turns vmware-system annotations into system properties and leaves the others', () => {
    const spoke: JsonObject = {
      apiVersion: V1ALPHA1,
      kind: 'ClusterVirtualMachineImage',
      metadata: {
        name: 'foo',
        annotations: { 'vmware-system-foo': 'foo-val', 'vmware-system-bar': 'bar-val', fizz: 'buzz' },
      },
    };
    const hub = up(spoke);
    expect(annotations(hub)).toEqual({ fizz: 'buzz' });
    expect(status(hub).vmwareSystemProperties).toEqual([
      { key: 'vmware-system-foo', value: 'foo-val' },
      { key: 'vmware-system-bar', value: 'bar-val' },
    ]);
  });

  it("folds v1alpha1's three conditions into Ready: True as of the latest, reason True", () => {
    const hub = up({
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineImage',
      status: {
        conditions: [
          { type: 'VirtualMachineImageSynced', status: 'True', lastTransitionTime: T1 },
          { type: 'VirtualMachineImageProviderReady', status: 'True', lastTransitionTime: T2 },
          { type: 'VirtualMachineImageProviderSecurityCompliance', status: 'True', lastTransitionTime: T1 },
        ],
      },
    });
    expect(status(hub).conditions).toEqual([
      { type: 'Ready', status: 'True', lastTransitionTime: T2, reason: 'True', message: '' },
    ]);
  });

  it('folds them into Ready False with the reason and message of the one that is False', () => {
    const hub = up({
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineImage',
      status: {
        conditions: [
          { type: 'VirtualMachineImageSynced', status: 'True', lastTransitionTime: T1 },
          {
            type: 'VirtualMachineImageProviderReady',
            status: 'False',
            severity: 'Error',
            reason: 'ProviderNotReady',
            message: 'Message',
            lastTransitionTime: T2,
          },
          { type: 'VirtualMachineImageProviderSecurityCompliance', status: 'True', lastTransitionTime: T1 },
        ],
      },
    });
    expect(status(hub).conditions).toEqual([
      {
        type: 'Ready',
        status: 'False',
        lastTransitionTime: T2,
        reason: 'ProviderNotReady',
        message: 'Message',
      },
    ]);
    // The hub requires a reason: the status stands in for a missing one.
    const unexplained = up({
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineImage',
      status: { conditions: [{ type: 'VirtualMachineImageSynced', status: 'False' }] },
    });
    expect(status(unexplained).conditions).toEqual([
      { type: 'Ready', status: 'False', reason: 'False', message: '' },
    ]);
  });

  it('unfolds Ready into the three conditions, True up to the one its reason names', () => {
    const withReady = (ready: JsonObject): JsonObject => ({
      apiVersion: HUB,
      kind: 'VirtualMachineImage',
      status: { conditions: [{ type: 'Ready', lastTransitionTime: T1, message: '', ...ready }] },
    });
    const conditionsOf = (hub: JsonObject) => getPath(down(hub), 'status.conditions');
    expect(conditionsOf(withReady({ status: 'True', reason: 'True' }))).toEqual([
      { type: 'VirtualMachineImageProviderSecurityCompliance', status: 'True', lastTransitionTime: T1 },
      { type: 'VirtualMachineImageProviderReady', status: 'True', lastTransitionTime: T1 },
      { type: 'VirtualMachineImageSynced', status: 'True', lastTransitionTime: T1 },
    ]);
    expect(conditionsOf(withReady({ status: 'False', reason: 'VirtualMachineImageNotSynced' }))).toEqual([
      { type: 'VirtualMachineImageProviderSecurityCompliance', status: 'True', lastTransitionTime: T1 },
      { type: 'VirtualMachineImageProviderReady', status: 'True', lastTransitionTime: T1 },
      {
        type: 'VirtualMachineImageSynced',
        status: 'False',
        severity: 'Error',
        lastTransitionTime: T1,
        reason: 'VirtualMachineImageNotSynced',
      },
    ]);
    const notCompliant = withReady({
      status: 'False',
      reason: 'VirtualMachineImageProviderSecurityNotCompliant',
      message: 'Provider item is not security compliant',
    });
    expect(conditionsOf(notCompliant)).toEqual([
      {
        type: 'VirtualMachineImageProviderSecurityCompliance',
        status: 'False',
        severity: 'Error',
        lastTransitionTime: T1,
        reason: 'VirtualMachineImageProviderSecurityNotCompliant',
        message: 'Provider item is not security compliant',
      },
    ]);
    // What the image controller writes for a ready image comes back as it was; the
    // V1Alpha1Compatible condition has no place in v1alpha1's conditions.
    const ready = { type: 'Ready', status: 'True', lastTransitionTime: T1, reason: 'True', message: '' };
    const compatible = { ...ready, type: 'VirtualMachineImageV1Alpha1Compatible' };
    const image = {
      apiVersion: HUB,
      kind: 'VirtualMachineImage',
      status: { conditions: [ready, compatible] },
    };
    expect(status(up(down(image))).conditions).toEqual([ready]);
    // Without a Ready nothing goes down.
    expect(conditionsOf({ ...image, status: { conditions: [compatible] } })).toBeUndefined();
  });

  it("reports the library of the image controller's annotation as status.contentLibraryRef", () => {
    const ref = { apiGroup: 'foo.bar.com/v1', kind: 'FooKind', name: 'foo-ref' };
    for (const kind of ['VirtualMachineImage', 'ClusterVirtualMachineImage']) {
      const hub = { apiVersion: HUB, kind, metadata: { name: 'foo', annotations: {} } };
      expect(down(hub).status).toBeUndefined();
      setAnnotation(hub, CONTENT_LIBRARY_REF, JSON.stringify(ref));
      expect(status(down(hub)).contentLibraryRef).toEqual(ref);
      // Going up the annotation stays; the status field goes.
      const back = up(down(hub));
      expect(back.status).toBeUndefined();
      expect(getAnnotation(back, CONTENT_LIBRARY_REF)).toBe(JSON.stringify(ref));
    }
  });

  it('loses what only v1alpha1 has', () => {
    const spoke: JsonObject = {
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineImage',
      metadata: { name: 'vmi', namespace: 'ns' },
      spec: {
        type: 'OVF',
        imageSourceType: 'Content Library',
        imageID: 'id',
        providerRef: { kind: 'K', name: 'n', namespace: 'elsewhere' },
        ovfEnv: { k: { key: 'k', type: 'string', description: 'd', label: 'l' } },
      },
      status: {
        uuid: 'u',
        internalId: 'i',
        powerState: 'poweredOff',
        imageSupported: true,
        contentLibraryRef: { kind: 'ContentLibrary', name: 'cl' },
      },
    };
    const hub = up(spoke);
    expect(hub.spec).toEqual({ providerRef: { apiVersion: '', kind: 'K', name: 'n' } });
    expect(hub.status).toEqual({
      providerItemID: 'id',
      ovfProperties: [{ key: 'k', type: 'string' }],
    });
    expect(down(hub)).toEqual({
      ...spoke,
      spec: {
        imageID: 'id',
        providerRef: { kind: 'K', name: 'n', namespace: 'ns' },
        ovfEnv: { k: { key: 'k', type: 'string' } },
      },
      // Nothing of the status survives.
      status: undefined,
    });
  });
});

describe('VirtualMachinePublishRequest', () => {
  const hub: JsonObject = {
    apiVersion: HUB,
    kind: 'VirtualMachinePublishRequest',
    metadata: { name: 'pub', namespace: 'ns' },
    spec: {
      backoffLimit: 5,
      source: { name: 'my-vm', apiVersion: 'imageregistry.vmware.com/v1alpha5', kind: 'VirtualMachine' },
      target: {
        item: { name: 'my-target', description: 'some description' },
        location: { name: 'my-cl', apiVersion: 'imageregistry.vmware.com/v1alpha2', kind: 'ContentLibrary' },
      },
      ttlSecondsAfterFinished: 300,
    },
  };

  it('keeps backoffLimit, which v1alpha1 lacks, in the annotation', () => {
    const spoke = down(hub);
    expect(spec(spoke).backoffLimit).toBeUndefined();
    expect(JSON.parse(getAnnotation(spoke, CONVERSION_ANNOTATION) ?? '{}').spec.backoffLimit).toBe(5);
    expect(up(spoke)).toEqual(hub);
  });

  it("takes a v1alpha1 client's changes over the annotation", () => {
    const spoke = down(hub);
    const target = spec(spoke).target as { item: JsonObject };
    target.item.name = 'renamed';
    spec(spoke).ttlSecondsAfterFinished = 60;
    const changed = up(spoke);
    expect((spec(changed).target as { item: JsonObject }).item.name).toBe('renamed');
    expect(spec(changed).ttlSecondsAfterFinished).toBe(60);
    expect(spec(changed).backoffLimit).toBe(5);
    setAnnotation(spoke, CONVERSION_ANNOTATION, undefined);
    expect(spec(up(spoke)).backoffLimit).toBeUndefined();
  });

  it('converts conditions: no observedGeneration in v1alpha1, no severity in the hub, a reason always there', () => {
    const withConditions = (obj: JsonObject, conditions: JsonObject[]): JsonObject => ({
      ...obj,
      status: { conditions },
    });
    const spoke = down(
      withConditions(hub, [
        {
          type: 'Complete',
          status: 'True',
          observedGeneration: 3,
          lastTransitionTime: T1,
          reason: 'True',
          message: '',
        },
      ]),
    );
    expect(status(spoke).conditions).toEqual([
      { type: 'Complete', status: 'True', lastTransitionTime: T1, reason: 'True' },
    ]);
    const written = withConditions({ ...spoke, metadata: { name: 'pub', namespace: 'ns' } }, [
      { type: 'Uploaded', status: 'False', severity: 'Warning', lastTransitionTime: T1 },
      { type: 'TargetValid', status: 'True', severity: 'Info', reason: 'Valid', message: 'ok' },
    ]);
    expect(status(up(written)).conditions).toEqual([
      { type: 'Uploaded', status: 'False', lastTransitionTime: T1, reason: 'False', message: '' },
      { type: 'TargetValid', status: 'True', reason: 'Valid', message: 'ok' },
    ]);
  });
});

describe('VirtualMachineService', () => {
  const hub: JsonObject = {
    apiVersion: HUB,
    kind: 'VirtualMachineService',
    metadata: { name: 'svc', namespace: 'ns' },
    spec: {
      type: 'ClusterIP',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: 'test' },
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    },
    status: {
      loadBalancer: { ingress: [{ ip: '192.168.1.100' }] },
      conditions: [
        {
          type: 'VirtualMachineServiceServiceReady',
          status: 'True',
          lastTransitionTime: T1,
          reason: 'ServiceReady',
          message: 'Service is ready',
        },
      ],
    },
  };

  it('has the same type and ports, keeps the IP families and conditions in the annotation', () => {
    const spoke = down(hub);
    expect(spoke.spec).toEqual({
      type: 'ClusterIP',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: 'test' },
    });
    expect(spoke.status).toEqual({ loadBalancer: { ingress: [{ ip: '192.168.1.100' }] } });
    expect(up(spoke)).toEqual(hub);
  });

  it("takes a v1alpha1 client's spec over the annotation, and the status from the annotation", () => {
    const spoke = down(hub);
    spec(spoke).type = 'LoadBalancer';
    (spec(spoke).ports as JsonObject[]).push({ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 });
    status(spoke).loadBalancer = { ingress: [{ ip: '10.0.0.1' }] };
    const changed = up(spoke);
    expect(spec(changed)).toEqual({ ...spec(hub), type: 'LoadBalancer', ports: spec(spoke).ports });
    expect(changed.status).toEqual(hub.status);
    // Without the annotation the v1alpha1 status is all there is.
    setAnnotation(spoke, CONVERSION_ANNOTATION, undefined);
    expect(up(spoke).status).toEqual({ loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } });
  });
});

describe('VirtualMachineSetResourcePolicy', () => {
  it('spells the resource pool, folder and cluster modules the v1alpha1 way, with no annotation', () => {
    const spoke = down(fullHub('VirtualMachineSetResourcePolicy'));
    expect(spoke.spec).toEqual({
      resourcepool: {
        name: 'name-694',
        reservations: { cpu: '696Gi', memory: '697Gi' },
        limits: { cpu: '699Gi', memory: '700Gi' },
      },
      folder: { name: 'folder-701' },
      clustermodules: [{ groupname: 'clusterModuleGroups-703' }],
    });
    expect(spoke.status).toEqual({
      resourcePools: [{ clusterMoID: 'clusterMoID-707', childResourcePoolMoID: 'childResourcePoolMoID-708' }],
      clustermodules: [
        { groupname: 'groupName-711', moduleUUID: 'moduleUUID-712', clusterMoID: 'clusterMoID-713' },
      ],
    });
    expect(getAnnotation(spoke, CONVERSION_ANNOTATION)).toBeUndefined();
  });

  it('takes an empty folder name as no folder and a module without a group name as an empty one', () => {
    const hub = up({
      apiVersion: V1ALPHA1,
      kind: 'VirtualMachineSetResourcePolicy',
      spec: { folder: {}, clustermodules: [{}, { groupname: 'g' }] },
    });
    expect(hub.spec).toEqual({ clusterModuleGroups: ['', 'g'] });
  });
});
