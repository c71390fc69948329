import { describe, expect, it } from 'vitest';
import { FULL_HUB_OBJECTS } from '../full-objects.fixture.js';
import { VM_OPERATOR_KINDS } from '../kinds.js';
import {
  CONVERSION_ANNOTATION,
  fromHub,
  type KindRules,
  SPOKE_VERSIONS,
  setAnnotation,
  toHub,
  versionOf,
} from './index.js';
import { virtualMachineImageCacheRules, virtualMachineImageRules } from './kinds.js';
import { canonicalJson, dropPaths, type JsonObject } from './paths.js';
import {
  virtualMachineImageV1alpha1Rule,
  virtualMachinePublishRequestV1alpha1Rule,
} from './v1alpha1-kinds.js';
import { virtualMachineReplicaSetRules, virtualMachineRules } from './virtualmachine.js';
import { virtualMachineV1alpha1Rule } from './virtualmachine-v1alpha1.js';

function hub(kind: string): JsonObject {
  const obj = FULL_HUB_OBJECTS[kind];
  if (!obj) throw new Error(kind);
  return structuredClone(obj);
}

/** The kinds whose older versions lose fields of the hub. */
const lossy: Record<string, KindRules> = {
  VirtualMachine: { ...virtualMachineRules, v1alpha1: virtualMachineV1alpha1Rule },
  VirtualMachineImage: { ...virtualMachineImageRules, v1alpha1: virtualMachineImageV1alpha1Rule },
  ClusterVirtualMachineImage: { ...virtualMachineImageRules, v1alpha1: virtualMachineImageV1alpha1Rule },
  VirtualMachinePublishRequest: { v1alpha1: virtualMachinePublishRequestV1alpha1Rule },
  VirtualMachineReplicaSet: virtualMachineReplicaSetRules,
  VirtualMachineImageCache: virtualMachineImageCacheRules,
};

/**
 * What a version loses of the fixtures beyond its rule's `lost`: the VM's bootstrap names every
 * provider at once (no webhook would take it), and v1alpha1's one transport keeps cloud-init alone.
 */
const fixtureLosses: Record<string, Partial<Record<(typeof SPOKE_VERSIONS)[number], string[]>>> = {
  VirtualMachine: {
    v1alpha1: ['spec.bootstrap.linuxPrep', 'spec.bootstrap.sysprep', 'spec.bootstrap.vAppConfig'],
  },
};

function lostIn(kind: string, version: (typeof SPOKE_VERSIONS)[number], obj: JsonObject): JsonObject {
  const out = structuredClone(obj);
  const rules = lossy[kind]?.[version];
  dropPaths(out, [...(rules?.lost ?? []), ...(fixtureLosses[kind]?.[version] ?? [])]);
  return out;
}

describe('dropPaths', () => {
  it('drops every path in one walk: nested, in each list element, and under a dropped prefix', () => {
    const obj: JsonObject = {
      spec: {
        keep: 1,
        a: { b: 1, c: 2 },
        list: [{ name: 'x', gone: 1, kept: 2 }, { name: 'y' }, 'not an object'],
      },
      status: { d: 1 },
    };
    dropPaths(obj, ['spec.a.b', 'spec.list[].gone', 'status', 'status.d', 'spec.missing.deeper']);
    expect(obj).toEqual({
      spec: { keep: 1, a: { c: 2 }, list: [{ name: 'x', kept: 2 }, { name: 'y' }, 'not an object'] },
    });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined fields, and keeps objects already in order', () => {
    const sortedCopy = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sortedCopy)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .filter((k) => (value as JsonObject)[k] !== undefined)
                .map((k) => [k, sortedCopy((value as JsonObject)[k])]),
            )
          : value;
    const samples: unknown[] = [
      { a: 1, b: { c: 2, d: [{ e: 1, f: 2 }] } },
      { b: 1, a: { d: 2, c: 3 } },
      { a: { z: 1, y: undefined, x: [{ q: 1, p: 2 }, 3, null] }, b: undefined },
      { a: 1, b: { d: 1, c: 2 }, c: 3 },
      { 10: 'x', 9: 'y', a: { 2: 1, 1: 2 } },
      [{ b: 1, a: 2 }, undefined, 'x'],
      { a: { b: { c: [{ d: { z: 1, y: 2 } }] } }, b: 1 },
      // An own `__proto__` key is data: kept, in order or not.
      JSON.parse('{"a":{"__proto__":"x"},"b":{"z":1,"__proto__":{"y":1,"x":2}}}'),
    ];
    for (const sample of samples) expect(canonicalJson(sample)).toBe(JSON.stringify(sortedCopy(sample)));
  });
});

describe('round trips', () => {
  // v1alpha1's own kinds are served in one version: nothing to convert.
  for (const { kind, servedVersions } of VM_OPERATOR_KINDS.filter((k) => k.servedVersions.length > 1)) {
    for (const version of SPOKE_VERSIONS.filter((v) => servedVersions.includes(v))) {
      it(`${kind} hub -> ${version} -> hub`, () => {
        const original = hub(kind);
        const spoke = fromHub(original, version);
        expect(spoke.apiVersion).toBe(`vmoperator.vmware.com/${version}`);
        expect(toHub(spoke)).toEqual(lostIn(kind, version, original));
      });
      it(`${kind} ${version} -> hub -> ${version}`, () => {
        const spoke = fromHub(hub(kind), version);
        const again = fromHub(toHub(spoke), version);
        // A kind that loses fields but keeps the annotation records, the second time, the hub without them.
        const rule = lossy[kind]?.[version];
        if (rule?.preserve && rule.lost?.length)
          for (const object of [spoke, again]) setAnnotation(object, CONVERSION_ANNOTATION, undefined);
        expect(again).toEqual(spoke);
      });
    }
  }
});

describe("a stored object's annotation, made when first read", () => {
  const annotationsOf = (obj: JsonObject) =>
    (obj.metadata as { annotations: Record<string, string> }).annotations;

  it('reads, lists and serializes as the one made at once', () => {
    const stored = hub('VirtualMachine');
    const eager = fromHub(stored, 'v1alpha5');
    expect(Object.keys(annotationsOf(fromHub(stored, 'v1alpha5', true)))).toEqual(
      Object.keys(annotationsOf(eager)),
    );
    expect(JSON.stringify(fromHub(stored, 'v1alpha5', true))).toBe(JSON.stringify(eager));
    expect(fromHub(stored, 'v1alpha5', true)).toEqual(eager);
    const lazy = fromHub(stored, 'v1alpha5', true);
    expect(annotationsOf(lazy)[CONVERSION_ANNOTATION]).toBe(annotationsOf(eager)[CONVERSION_ANNOTATION]);
    // Read once, a plain value from then on.
    expect(Object.getOwnPropertyDescriptor(annotationsOf(lazy), CONVERSION_ANNOTATION)).toMatchObject({
      value: annotationsOf(eager)[CONVERSION_ANNOTATION],
      writable: true,
      enumerable: true,
    });
    expect(toHub(fromHub(stored, 'v1alpha5', true))).toEqual(toHub(eager));
  });

  it('reads the same once frozen, and refuses an assignment then as a frozen object does', () => {
    const stored = hub('VirtualMachine');
    const eager = annotationsOf(fromHub(stored, 'v1alpha5'))[CONVERSION_ANNOTATION];
    const frozen: Record<string, string> = Object.freeze(annotationsOf(fromHub(stored, 'v1alpha5', true)));
    expect(frozen[CONVERSION_ANNOTATION]).toBe(eager);
    expect(frozen[CONVERSION_ANNOTATION]).toBe(eager);
    expect(() => {
      frozen[CONVERSION_ANNOTATION] = '{}';
    }).toThrow(TypeError);
  });

  it('takes an assignment or a deletion before it is read', () => {
    const stored = hub('VirtualMachine');
    const assigned = fromHub(stored, 'v1alpha5', true);
    annotationsOf(assigned)[CONVERSION_ANNOTATION] = '{}';
    expect(annotationsOf(assigned)[CONVERSION_ANNOTATION]).toBe('{}');
    const deleted = fromHub(stored, 'v1alpha5', true);
    delete annotationsOf(deleted)[CONVERSION_ANNOTATION];
    expect(annotationsOf(deleted)).not.toHaveProperty([CONVERSION_ANNOTATION]);
    expect(JSON.stringify(deleted)).not.toContain(CONVERSION_ANNOTATION);
  });
});

describe('VirtualMachineReplicaSet', () => {
  it("converts its template's spec as a VM's: v1alpha3-4 keep CD-ROMs at spec.cdrom, newer fields go", () => {
    const set = hub('VirtualMachineReplicaSet');
    const template = (obj: JsonObject) => (obj.spec as { template: { spec: JsonObject } }).template.spec;
    const v3 = fromHub(set, 'v1alpha3');
    // The template's spec is what a v1alpha3 VM of that spec holds.
    expect(template(v3)).toEqual(fromHub({ ...hub('VirtualMachine'), spec: template(set) }, 'v1alpha3').spec);
    expect(template(v3).cdrom).toHaveLength(1);
    expect(template(v3).hardware).toBeUndefined();
    expect(template(v3).currentSnapshotName).toBeUndefined();
    expect((v3.spec as JsonObject).selector).toEqual((set.spec as JsonObject).selector);
    // What v1alpha3 lacks of the template is lost on the way back, as in vm-operator.
    const back = template(toHub(v3));
    expect(back.currentSnapshotName).toBeUndefined();
    expect(back.hardware).toEqual({ cdrom: template(v3).cdrom });
    expect(fromHub(set, 'v1alpha5').metadata).not.toHaveProperty(['annotations', CONVERSION_ANNOTATION]);
  });
});

describe('VirtualMachine renames', () => {
  it('status nodeName is host in v1alpha2-3, nodeName from v1alpha4', () => {
    const vm = hub('VirtualMachine');
    for (const v of ['v1alpha2', 'v1alpha3'] as const) {
      const status = fromHub(vm, v).status as JsonObject;
      expect(status.host).toBe((vm.status as JsonObject).nodeName);
      expect(status.nodeName).toBeUndefined();
    }
    expect((fromHub(vm, 'v1alpha4').status as JsonObject).nodeName).toBe((vm.status as JsonObject).nodeName);
  });

  it('v1alpha2 drops image, UUIDs, guestID, cloud-init instanceID and keeps them in the annotation', () => {
    const vm = hub('VirtualMachine');
    const spoke = fromHub(vm, 'v1alpha2');
    const spec = spoke.spec as JsonObject;
    for (const f of ['image', 'biosUUID', 'instanceUUID', 'guestID']) expect(spec[f]).toBeUndefined();
    expect((spec.bootstrap as { cloudInit: JsonObject }).cloudInit.instanceID).toBeUndefined();
    const ann = (spoke.metadata as { annotations: Record<string, string> }).annotations;
    expect(JSON.parse(ann[CONVERSION_ANNOTATION] ?? '{}').spec.biosUUID).toBe(
      (vm.spec as JsonObject).biosUUID,
    );
    expect(ann.a).toBe('b');
  });

  it('v1alpha2 down-converts spec.image into imageName and status.image', () => {
    const vm = {
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachine',
      metadata: { name: 'm', generation: 1 },
      spec: { image: { kind: 'VirtualMachineImage', name: 'vmi-0a0044d7c690bcbea' }, className: 'c' },
    };
    const spoke = fromHub(vm, 'v1alpha2');
    expect((spoke.spec as JsonObject).imageName).toBe('vmi-0a0044d7c690bcbea');
    expect((spoke.status as JsonObject).image).toEqual({
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachineImage',
      name: 'vmi-0a0044d7c690bcbea',
    });
    expect(toHub(spoke)).toEqual(vm);
  });

  it('a v1alpha2 client without the annotation reads back what it wrote (CAPV shape)', () => {
    const capv = {
      apiVersion: 'vmoperator.vmware.com/v1alpha2',
      kind: 'VirtualMachine',
      metadata: { name: 'm', namespace: 'ns', annotations: { 'vmoperator.vmware.com/pause-reconcile': '' } },
      spec: {
        imageName: 'ubuntu',
        className: 'best-effort-small',
        storageClass: 'sc',
        powerState: 'PoweredOn',
        powerOffMode: 'Hard',
        minHardwareVersion: 17,
        reserved: { resourcePolicyName: 'c1' },
        bootstrap: { cloudInit: { rawCloudConfig: { name: 's', key: 'user-data' } } },
        network: { interfaces: [{ name: 'eth0', network: { kind: 'Network', name: '' }, dhcp4: true }] },
        volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'pvc' } }],
      },
    };
    const h = toHub(capv);
    expect((h.metadata as { annotations: Record<string, string> }).annotations).toEqual({
      'vmoperator.vmware.com/paused': '',
    });
    expect((h.spec as JsonObject).image).toBeUndefined();
    const back = fromHub(h, 'v1alpha2');
    delete (back.metadata as { annotations: Record<string, string> }).annotations[CONVERSION_ANNOTATION];
    expect(back).toEqual(capv);
  });

  it('v1alpha3-4 keep CD-ROMs at spec.cdrom', () => {
    const vm = hub('VirtualMachine');
    const spoke = fromHub(vm, 'v1alpha4');
    const spec = spoke.spec as JsonObject;
    expect(spec.hardware).toBeUndefined();
    expect(spec.cdrom).toEqual([expect.not.objectContaining({ unitNumber: expect.anything() })]);
  });

  it("v1alpha2-4 restore the hub's controllers into a spec.hardware they have none of", () => {
    const vm = {
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', namespace: 'ns1' },
      spec: { className: 'small', hardware: { ideControllers: [{ busNumber: 0 }, { busNumber: 1 }] } },
    };
    for (const version of ['v1alpha2', 'v1alpha3', 'v1alpha4'] as const) {
      const spoke = fromHub(vm, version);
      expect((spoke.spec as JsonObject).hardware).toBeUndefined();
      expect((toHub(spoke).spec as JsonObject).hardware).toEqual(vm.spec.hardware);
    }
  });

  it('v1alpha3 reports storage as usage{total, disks, other}', () => {
    const vm = hub('VirtualMachine');
    const storage = (vm.status as { storage: JsonObject }).storage;
    const spoke = fromHub(vm, 'v1alpha3');
    expect((spoke.status as { storage: JsonObject }).storage).toEqual({
      usage: {
        total: storage.total,
        disks: (storage.requested as JsonObject).disks,
        other: (storage.usage as JsonObject).other,
      },
    });
  });

  it('false DHCP flags go down as unset and come back as false', () => {
    const vm = hub('VirtualMachine');
    const iface = (vm.spec as { network: { interfaces: JsonObject[] } }).network.interfaces[0] as JsonObject;
    iface.dhcp4 = false;
    const spoke = fromHub(vm, 'v1alpha5');
    const spokeIface = (spoke.spec as { network: { interfaces: JsonObject[] } }).network
      .interfaces[0] as JsonObject;
    expect(spokeIface.dhcp4).toBeUndefined();
    expect(toHub(spoke)).toEqual(vm);
  });

  it('classic volume statuses are hidden from v1alpha2 and restored', () => {
    const vm = hub('VirtualMachine');
    const status = vm.status as { volumes: JsonObject[] };
    status.volumes.push({ name: 'classic', type: 'Classic', attached: true });
    const spoke = fromHub(vm, 'v1alpha2');
    expect((spoke.status as { volumes: JsonObject[] }).volumes).toHaveLength(1);
    expect(toHub(spoke)).toEqual(lostIn('VirtualMachine', 'v1alpha2', vm));
    // Classic ones alone: no list at all, as Go omits an empty one.
    status.volumes = [{ name: 'classic', type: 'Classic', attached: true }];
    const classicOnly = fromHub(vm, 'v1alpha2');
    expect(classicOnly.status).not.toHaveProperty('volumes');
    expect(toHub(classicOnly)).toEqual(lostIn('VirtualMachine', 'v1alpha2', vm));
  });

  it("a group's powerOffDelay is v1alpha6's alone: kept in the annotation below it", () => {
    const group = hub('VirtualMachineGroup');
    const spoke = fromHub(group, 'v1alpha5');
    const bootOrder = (spoke.spec as { bootOrder: JsonObject[] }).bootOrder;
    expect(bootOrder[0]).toEqual({
      members: [{ name: 'name-2', kind: 'VirtualMachine' }],
      powerOnDelay: '10s',
    });
    expect(toHub(spoke)).toEqual(group);
  });

  it('image disks say capacity/size in v1alpha3-4', () => {
    const image = hub('VirtualMachineImage');
    const disk = (fromHub(image, 'v1alpha4').status as { disks: JsonObject[] }).disks[0];
    expect(disk).toHaveProperty('capacity');
    expect(disk).toHaveProperty('size');
    expect(disk).not.toHaveProperty('limit');
  });

  it('rejects unserved versions and unknown kinds', () => {
    expect(() => toHub({ apiVersion: 'vmoperator.vmware.com/v9', kind: 'VirtualMachine' })).toThrow(
      /not served/,
    );
    expect(() => toHub({ apiVersion: 'vmoperator.vmware.com/v1alpha2', kind: 'Nope' })).toThrow(
      /no conversion/,
    );
  });
});

describe('versionOf', () => {
  it("reads vm-operator's version off an apiVersion, and nothing off another group's", () => {
    expect(versionOf('vmoperator.vmware.com/v1alpha5')).toBe('v1alpha5');
    expect(versionOf('vmoperator.vmware.com/v1alpha2')).toBe('v1alpha2');
    for (const other of [
      'v1',
      'netoperator.vmware.com/v1alpha1',
      'vmoperator.vmware.com',
      'vmoperator.vmware.com/v1/x',
      7,
    ])
      expect(versionOf(other)).toBeUndefined();
  });
});
