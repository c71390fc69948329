import { describe, expect, it } from 'vitest';
import { FULL_HUB_OBJECTS } from '../full-objects.fixture.js';
import {
  CONVERSION_ANNOTATION,
  ConversionError,
  convertDown,
  convertUp,
  getAnnotation,
  setAnnotation,
} from './engine.js';
import { dropPaths, getPath, type JsonObject } from './paths.js';
import { virtualMachineV1alpha1Rule as rule } from './virtualmachine-v1alpha1.js';

const HUB_API_VERSION = 'vmoperator.vmware.com/v1alpha6';
const V1ALPHA1_API_VERSION = 'vmoperator.vmware.com/v1alpha1';
const T1 = '2024-01-01T00:00:00Z';
const T2 = '2025-01-01T00:00:00Z';
const BOOT_DISK_DEVICE_KEY = 2000;

const down = (hub: JsonObject): JsonObject => convertDown(hub, 'v1alpha1', rule);
const up = (spoke: JsonObject): JsonObject => convertUp(spoke, rule);

function fullHub(): JsonObject {
  return structuredClone(FULL_HUB_OBJECTS.VirtualMachine as JsonObject);
}

/** The fixture with one bootstrap provider, as vm-operator's webhook allows (the fixture sets all). */
function validFullHub(): JsonObject {
  const hub = fullHub();
  dropPaths(hub, ['spec.bootstrap.linuxPrep', 'spec.bootstrap.sysprep', 'spec.bootstrap.vAppConfig']);
  return hub;
}

function hubVM(spec: JsonObject, status?: JsonObject, metadata: JsonObject = {}): JsonObject {
  return {
    apiVersion: HUB_API_VERSION,
    kind: 'VirtualMachine',
    metadata: { name: 'vm', namespace: 'ns', ...metadata },
    spec,
    ...(status && { status }),
  };
}

function v1alpha1VM(spec: JsonObject, status?: JsonObject, metadata: JsonObject = {}): JsonObject {
  return { ...hubVM(spec, status, metadata), apiVersion: V1ALPHA1_API_VERSION };
}

function withoutAnnotation(obj: JsonObject): JsonObject {
  const copy = structuredClone(obj);
  setAnnotation(copy, CONVERSION_ANNOTATION, undefined);
  return copy;
}

function without(obj: JsonObject, paths: string[]): JsonObject {
  const copy = structuredClone(obj);
  dropPaths(copy, paths);
  return copy;
}

const spec = (obj: JsonObject): JsonObject => obj.spec as JsonObject;
const status = (obj: JsonObject): JsonObject => obj.status as JsonObject;
const conditionsOf = (obj: JsonObject): JsonObject[] => getPath(obj, 'status.conditions') as JsonObject[];
const annotations = (obj: JsonObject): Record<string, string> | undefined =>
  getPath(obj, 'metadata.annotations') as Record<string, string> | undefined;

/** A v1alpha1 VM with every v1alpha1 field set. */
function richV1alpha1(): JsonObject {
  return v1alpha1VM(
    {
      imageName: 'ubuntu-22.04',
      className: 'best-effort-small',
      powerState: 'poweredOn',
      powerOffMode: 'soft',
      suspendMode: 'trySoft',
      nextRestartTime: 'now',
      restartMode: 'hard',
      ports: [{ port: 22, ip: '10.0.0.2', name: 'ssh', protocol: 'TCP' }],
      vmMetadata: { configMapName: 'guest-data', transport: 'OvfEnv' },
      storageClass: 'wcp-policy',
      networkInterfaces: [
        {
          networkType: 'vsphere-distributed',
          networkName: 'primary',
          providerRef: {
            apiGroup: 'netoperator.vmware.com',
            kind: 'NetworkInterface',
            name: 'nic-0',
            apiVersion: 'v1alpha1',
          },
          ethernetCardType: 'vmxnet3',
        },
        { networkType: 'nsx-t', networkName: 'segment' },
        { networkType: 'nsx-t-subnet', networkName: 'subnet' },
        { networkType: 'nsx-t-subnetset' },
      ],
      resourcePolicyName: 'tkg-policy',
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data-pvc', readOnly: true } },
        {
          name: 'scratch',
          persistentVolumeClaim: {
            claimName: 'scratch-pvc',
            instanceVolumeClaim: { storageClass: 'instance', size: '64Gi' },
          },
        },
        {
          name: 'boot',
          vSphereVolume: { capacity: { 'ephemeral-storage': '40Gi' }, deviceKey: BOOT_DISK_DEVICE_KEY },
        },
      ],
      readinessProbe: {
        tcpSocket: { port: 6443, host: '10.1.1.10' },
        guestHeartbeat: { thresholdStatus: 'green' },
        timeoutSeconds: 10,
        periodSeconds: 5,
      },
      advancedOptions: {
        defaultVolumeProvisioningOptions: { thinProvisioned: true },
        changeBlockTracking: false,
      },
      minHardwareVersion: 17,
    },
    {
      host: 'esx-01',
      hostName: 'web-0',
      powerState: 'poweredOn',
      phase: 'Created',
      conditions: [
        {
          type: 'GuestCustomization',
          status: 'False',
          severity: 'Info',
          lastTransitionTime: T1,
          reason: 'GuestCustomizationPending',
          message: 'pending',
        },
        { type: 'VirtualMachinePrereqReady', status: 'True', lastTransitionTime: T2 },
      ],
      vmIp: '192.168.1.10',
      uniqueID: 'vm-42',
      biosUUID: 'bios-uuid',
      instanceUUID: 'instance-uuid',
      volumes: [{ name: 'data', attached: true, diskUUID: 'disk-uuid', error: '' }],
      changeBlockTracking: false,
      networkInterfaces: [
        { connected: false, macAddress: '00:50:56:00:00:01', ipAddresses: ['192.168.1.10/24', 'fe80::1/64'] },
      ],
      zone: 'zone-a',
      lastRestartTime: T1,
      hardwareVersion: 19,
    },
    {
      generation: 3,
      labels: { app: 'web' },
      annotations: { 'vmoperator.vmware.com/pause-reconcile': 'true', note: 'kept' },
    },
  );
}

describe('hub -> v1alpha1 -> hub', () => {
  it('brings the full hub VM back but for spec.class and the bootstrap providers v1alpha1 did not keep', () => {
    // The fixture's bootstrap has cloud-init beside linuxPrep, sysprep and vAppConfig (which
    // vm-operator's webhook refuses): v1alpha1 keeps cloud-init, and only it comes back.
    const expected = without(fullHub(), [
      'spec.class',
      'spec.bootstrap.linuxPrep',
      'spec.bootstrap.sysprep',
      'spec.bootstrap.vAppConfig',
    ]);
    expect(up(down(fullHub()))).toEqual(expected);
    expect(rule.lost).toEqual(['spec.class']);
  });

  it('brings the full hub VM back, spec.class aside, with each bootstrap vm-operator allows', () => {
    const cloudInit = getPath(fullHub(), 'spec.bootstrap.cloudInit') as JsonObject;
    const linuxPrep = getPath(fullHub(), 'spec.bootstrap.linuxPrep') as JsonObject;
    const sysprep = getPath(fullHub(), 'spec.bootstrap.sysprep') as JsonObject;
    const vAppConfig = getPath(fullHub(), 'spec.bootstrap.vAppConfig') as JsonObject;
    const bootstraps: JsonObject[] = [
      { cloudInit, disabled: true },
      { cloudInit: { rawCloudConfig: { name: 'ci', key: 'guestinfo.userdata' } } },
      { cloudInit: { instanceID: 'iid' } },
      { cloudInit: { sshAuthorizedKeys: ['ssh-ed25519 AAAA'] } },
      { linuxPrep },
      { linuxPrep, vAppConfig },
      { sysprep },
      { sysprep, vAppConfig },
      { vAppConfig },
      { disabled: true },
    ];
    for (const bootstrap of bootstraps) {
      const hub = fullHub();
      spec(hub).bootstrap = bootstrap;
      expect(up(down(hub))).toEqual(without(hub, ['spec.class']));
    }
  });

  it('loses an empty bootstrap, as vm-operator does', () => {
    const hub = hubVM({ className: 'c', bootstrap: {} });
    expect(spec(down(hub)).vmMetadata).toBeUndefined();
    expect(up(down(hub))).toEqual(hubVM({ className: 'c' }));
  });

  it('loses the configMap annotation that names no bootstrap object, and its value', () => {
    const annotation = 'vmoperator.vmware.com/v1a1-configmap-md-transport';
    const named = hubVM(
      { bootstrap: { cloudInit: { rawCloudConfig: { name: 'md', key: 'user-data' } } } },
      undefined,
      { annotations: { [annotation]: 'yes' } },
    );
    expect(spec(down(named)).vmMetadata).toEqual({ transport: 'CloudInit', configMapName: 'md' });
    expect(annotations(down(named))?.[annotation]).toBeUndefined();
    expect(annotations(up(down(named)))?.[annotation]).toBe('true');
    const unnamed = hubVM({ bootstrap: { linuxPrep: {} } }, undefined, { annotations: { [annotation]: '' } });
    expect(annotations(up(down(unnamed)))).toBeUndefined();
  });

  it('keeps only what v1alpha1 can show in its own fields, the rest in the annotation', () => {
    const spoke = down(fullHub());
    const saved = JSON.parse(getAnnotation(spoke, CONVERSION_ANNOTATION) ?? '{}');
    expect(saved).toEqual(without(fullHub(), ['metadata']));
    expect(spoke.metadata).toEqual({
      ...(fullHub().metadata as JsonObject),
      annotations: { a: 'b', [CONVERSION_ANNOTATION]: expect.any(String) },
    });
  });
});

describe('v1alpha1 -> hub -> v1alpha1', () => {
  it('reads back what a v1alpha1 client wrote, but for what vm-operator loses', () => {
    const written = richV1alpha1();
    const expected = richV1alpha1();
    const expectedSpec = spec(expected);
    delete expectedSpec.ports;
    expectedSpec.networkInterfaces = [
      { networkType: 'vsphere-distributed', networkName: 'primary' },
      ...(expectedSpec.networkInterfaces as JsonObject[]).slice(1),
    ];
    // The boot disk's vSphere volume keeps its name and comes back as a volume of its own.
    expectedSpec.volumes = [
      ...(expectedSpec.volumes as JsonObject[]).slice(0, 2),
      { name: 'boot' },
      {
        name: 'vmoperator-vm-boot-disk',
        vSphereVolume: { capacity: { 'ephemeral-storage': '40Gi' }, deviceKey: BOOT_DISK_DEVICE_KEY },
      },
    ];
    const expectedStatus = status(expected);
    expectedStatus.phase = 'Unknown';
    expectedStatus.networkInterfaces = [
      { connected: true, macAddress: '00:50:56:00:00:01', ipAddresses: ['192.168.1.10/24', 'fe80::1/64'] },
    ];
    const derived = (type: string) => ({ type, status: 'True', lastTransitionTime: T2, reason: 'True' });
    expectedStatus.conditions = [
      {
        type: 'GuestCustomization',
        status: 'False',
        lastTransitionTime: T1,
        reason: 'GuestCustomizationPending',
        message: 'pending',
      },
      derived('VirtualMachineClassReady'),
      derived('VirtualMachineImageReady'),
      derived('VirtualMachineConditionVMSetResourcePolicyReady'),
      derived('VirtualMachineBootstrapReady'),
      { type: 'VirtualMachinePrereqReady', status: 'True', lastTransitionTime: T2 },
    ];
    expect(withoutAnnotation(down(up(written)))).toEqual(expected);
  });

  it('goes up field by field as vm-operator converts it', () => {
    const hub = up(richV1alpha1());
    expect(hub.apiVersion).toBe(HUB_API_VERSION);
    expect(hub.metadata).toEqual({
      name: 'vm',
      namespace: 'ns',
      generation: 3,
      labels: { app: 'web' },
      annotations: {
        'vmoperator.vmware.com/paused': 'true',
        note: 'kept',
        'vmoperator.vmware.com/v1a1-configmap-md-transport': 'true',
      },
    });
    expect(hub.spec).toEqual({
      imageName: 'ubuntu-22.04',
      image: { name: 'ubuntu-22.04' },
      className: 'best-effort-small',
      storageClass: 'wcp-policy',
      nextRestartTime: 'now',
      minHardwareVersion: 17,
      powerState: 'PoweredOn',
      powerOffMode: 'Soft',
      suspendMode: 'TrySoft',
      restartMode: 'Hard',
      bootstrap: { linuxPrep: { hardwareClockIsUTC: true }, vAppConfig: { rawProperties: 'guest-data' } },
      network: {
        interfaces: [
          {
            name: 'eth0',
            network: { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network', name: 'primary' },
          },
          {
            name: 'eth1',
            network: { apiVersion: 'vmware.com/v1alpha1', kind: 'VirtualNetwork', name: 'segment' },
          },
          {
            name: 'eth2',
            network: { apiVersion: 'crd.nsx.vmware.com/v1alpha1', kind: 'Subnet', name: 'subnet' },
          },
          {
            name: 'eth3',
            network: { apiVersion: 'crd.nsx.vmware.com/v1alpha1', kind: 'SubnetSet', name: '' },
          },
        ],
      },
      readinessProbe: {
        tcpSocket: { port: 6443, host: '10.1.1.10' },
        guestHeartbeat: { thresholdStatus: 'green' },
        timeoutSeconds: 10,
        periodSeconds: 5,
      },
      advanced: {
        bootDiskCapacity: '40Gi',
        defaultVolumeProvisioningMode: 'Thin',
        changeBlockTracking: false,
      },
      reserved: { resourcePolicyName: 'tkg-policy' },
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data-pvc', readOnly: true } },
        {
          name: 'scratch',
          persistentVolumeClaim: {
            claimName: 'scratch-pvc',
            instanceVolumeClaim: { storageClass: 'instance', size: '64Gi' },
          },
        },
        { name: 'boot' },
      ],
    });
    const derived = (type: string) => ({ type, status: 'True', lastTransitionTime: T2, reason: 'True' });
    expect(hub.status).toEqual({
      nodeName: 'esx-01',
      powerState: 'PoweredOn',
      conditions: [
        {
          type: 'GuestCustomization',
          status: 'False',
          lastTransitionTime: T1,
          reason: 'GuestCustomizationPending',
          message: 'pending',
        },
        derived('VirtualMachineClassReady'),
        derived('VirtualMachineImageReady'),
        derived('VirtualMachineConditionVMSetResourcePolicyReady'),
        derived('VirtualMachineBootstrapReady'),
      ],
      network: {
        hostName: 'web-0',
        primaryIP4: '192.168.1.10',
        interfaces: [
          {
            ip: {
              macAddr: '00:50:56:00:00:01',
              addresses: [{ address: '192.168.1.10/24' }, { address: 'fe80::1/64' }],
            },
          },
        ],
      },
      uniqueID: 'vm-42',
      biosUUID: 'bios-uuid',
      instanceUUID: 'instance-uuid',
      volumes: [{ name: 'data', attached: true, diskUUID: 'disk-uuid', error: '', type: 'Managed' }],
      changeBlockTracking: false,
      zone: 'zone-a',
      lastRestartTime: T1,
      hardwareVersion: 19,
    });
  });

  it('once stored as the hub, goes down and up again unchanged, both ways, once its name-only volume is gone', () => {
    const hub = up(richV1alpha1());
    // The boot vSphere volume went up as a name alone: placed on no controller, the annotation drops it.
    const stored = structuredClone(hub);
    spec(stored).volumes = (spec(hub).volumes as JsonObject[]).filter((volume) => volume.name !== 'boot');
    expect(up(down(hub))).toEqual(stored);
    const spoke = down(stored);
    expect(up(spoke)).toEqual(stored);
    expect(down(up(spoke))).toEqual(spoke);
  });

  it('reads back the full hub VM in v1alpha1, the annotation aside (it records what came back)', () => {
    const spoke = down(fullHub());
    const again = down(up(spoke));
    expect(withoutAnnotation(again)).toEqual(withoutAnnotation(spoke));
    const saved = JSON.parse(getAnnotation(again, CONVERSION_ANNOTATION) ?? '{}');
    expect(saved).toEqual(
      without(fullHub(), [
        'metadata',
        'spec.class',
        'spec.bootstrap.linuxPrep',
        'spec.bootstrap.sysprep',
        'spec.bootstrap.vAppConfig',
      ]),
    );
  });

  it("reads back vm-operator's own spoke-hub-spoke cases", () => {
    const unknownPhase = { phase: 'Unknown' };
    const cases: JsonObject[] = [
      // A TKG control plane node.
      v1alpha1VM(
        {
          className: 'best-effort-small',
          imageName: 'vmi-d5973af773e94c1d8',
          networkInterfaces: [{ networkName: 'primary', networkType: 'vsphere-distributed' }],
          powerOffMode: 'hard',
          powerState: 'poweredOn',
          readinessProbe: { tcpSocket: { port: 6443, host: '10.1.1.10' } },
          resourcePolicyName: 'tkg1',
          restartMode: 'hard',
          storageClass: 'wcpglobal-storage-profile',
          suspendMode: 'hard',
          vmMetadata: { secretName: 'tkg1-pg4ct-mvqgx', transport: 'CloudInit' },
          volumes: [{ name: 'my-volume', persistentVolumeClaim: { claimName: 'my-claim' } }],
        },
        unknownPhase,
      ),
      v1alpha1VM({ className: 'c', imageName: 'i', networkInterfaces: [{}] }, unknownPhase),
      v1alpha1VM({ vmMetadata: { transport: 'ExtraConfig', secretName: 'my-secret' } }, unknownPhase),
      v1alpha1VM({ vmMetadata: { transport: 'CloudInit', configMapName: 'my-configMap' } }, unknownPhase),
    ];
    for (const written of cases) expect(withoutAnnotation(down(up(written)))).toEqual(written);
  });
});

describe('the mapping, as vm-operator converts', () => {
  it('takes the full hub VM down to these v1alpha1 fields', () => {
    const spoke = down(fullHub());
    expect(spoke.apiVersion).toBe(V1ALPHA1_API_VERSION);
    expect(spoke.spec).toEqual({
      imageName: 'imageName-5',
      className: 'className-6',
      storageClass: 'storageClass-34',
      nextRestartTime: 'nextRestartTime-214',
      minHardwareVersion: 261,
      powerState: 'suspended',
      powerOffMode: 'trySoft',
      suspendMode: 'trySoft',
      restartMode: 'trySoft',
      vmMetadata: { transport: 'CloudInit', secretName: 'name-86' },
      networkInterfaces: [{ networkName: 'name-169' }],
      resourcePolicyName: 'resourcePolicyName-260',
      volumes: [
        {
          name: 'name-218',
          persistentVolumeClaim: {
            claimName: 'claim-221',
            readOnly: true,
            instanceVolumeClaim: { storageClass: 'storageClass-223', size: '224Gi' },
          },
        },
        {
          name: 'vmoperator-vm-boot-disk',
          vSphereVolume: { capacity: { 'ephemeral-storage': '245Gi' }, deviceKey: BOOT_DISK_DEVICE_KEY },
        },
      ],
      readinessProbe: {
        tcpSocket: { port: 234, host: 'host-235' },
        guestHeartbeat: { thresholdStatus: 'green' },
        timeoutSeconds: 242,
        periodSeconds: 243,
      },
      advancedOptions: { changeBlockTracking: true, defaultVolumeProvisioningOptions: { eagerZeroed: true } },
    });
    expect(spoke.status).toEqual({
      host: 'nodeName-339',
      hostName: 'hostName-378',
      powerState: 'suspended',
      phase: 'Unknown',
      conditions: [{ type: 'T342', status: 'True', lastTransitionTime: T1, reason: 'R', message: 'm' }],
      vmIp: 'primaryIP4-454',
      networkInterfaces: [{ connected: true, macAddress: 'macAddr-404', ipAddresses: ['address-400'] }],
      uniqueID: 'uniqueID-456',
      biosUUID: 'biosUUID-457',
      instanceUUID: 'instanceUUID-458',
      volumes: [{ name: 'name-461', attached: true, diskUUID: 'diskUUID-475', error: 'error-476' }],
      changeBlockTracking: true,
      zone: 'zone-478',
      lastRestartTime: T1,
      hardwareVersion: 480,
    });
  });

  it('reports the phase from the Created condition, and gives every status one', () => {
    const created = (conditionStatus: string) =>
      hubVM({}, { conditions: [{ type: 'VirtualMachineCreated', status: conditionStatus, reason: 'R' }] });
    expect(status(down(created('True'))).phase).toBe('Created');
    expect(status(down(created('False'))).phase).toBe('Creating');
    expect(down(hubVM({})).status).toEqual({ phase: 'Unknown' });
    expect(up(v1alpha1VM({}, { phase: 'Created' })).status).toBeUndefined();
  });

  it('puts a v1alpha1 vmIp in the hub field of its family', () => {
    const hubNetwork = (vmIp: string) => getPath(up(v1alpha1VM({}, { vmIp })), 'status.network');
    expect(hubNetwork('192.168.1.11')).toEqual({ primaryIP4: '192.168.1.11' });
    expect(hubNetwork('fd00::11')).toEqual({ primaryIP6: 'fd00::11' });
    expect(hubNetwork('::ffff:192.168.1.11')).toEqual({ primaryIP4: '::ffff:192.168.1.11' });
    const ip6Only = hubVM({}, { network: { primaryIP6: 'fd00::11' } });
    expect(status(down(ip6Only)).vmIp).toBe('fd00::11');
  });

  it('gives a v1alpha1 condition without reason its status as one, and drops its severity', () => {
    const spoke = v1alpha1VM(
      {},
      { conditions: [{ type: 'Ready', status: 'False', severity: 'Warning', lastTransitionTime: T1 }] },
    );
    expect(conditionsOf(up(spoke))).toEqual([
      { type: 'Ready', status: 'False', lastTransitionTime: T1, reason: 'False', message: '' },
    ]);
  });

  describe('PrereqReady going down', () => {
    const ready = (type: string, lastTransitionTime: string) => ({
      type,
      status: 'True',
      lastTransitionTime,
      reason: 'True',
    });
    const classReady = ready('VirtualMachineClassReady', '2001-01-01T00:00:00Z');
    const imageReady = ready('VirtualMachineImageReady', '2002-01-01T00:00:00Z');
    const prereqOf = (conditions: JsonObject[]) =>
      conditionsOf(down(hubVM({}, { conditions }))).find((c) => c.type === 'VirtualMachinePrereqReady');

    it('is true, at the image condition time, once the class and image are ready', () => {
      expect(prereqOf([classReady, imageReady])).toEqual({
        type: 'VirtualMachinePrereqReady',
        status: 'True',
        lastTransitionTime: imageReady.lastTransitionTime,
      });
      const all = [
        classReady,
        imageReady,
        ready('VirtualMachineConditionVMSetResourcePolicyReady', '2003-01-01T00:00:00Z'),
        ready('VirtualMachineBootstrapReady', '2004-01-01T00:00:00Z'),
      ];
      expect(conditionsOf(down(hubVM({}, { conditions: all })))).toHaveLength(5);
    });

    it('waits for a policy or bootstrap that is not ready, without saying false', () => {
      const bootstrapNotReady = { ...ready('VirtualMachineBootstrapReady', T1), status: 'False' };
      expect(prereqOf([classReady, imageReady, bootstrapNotReady])).toBeUndefined();
    });

    it('is false with the reason and message of the class, then the image, not ready', () => {
      const classNotReady = { ...classReady, status: 'False', message: 'foobar' };
      expect(prereqOf([classNotReady])).toEqual({
        type: 'VirtualMachinePrereqReady',
        status: 'False',
        severity: 'Error',
        reason: 'VirtualMachineClassNotFound',
        message: 'foobar',
        lastTransitionTime: classReady.lastTransitionTime,
      });
      const imageNotReady = { ...imageReady, status: 'False', message: 'foobar' };
      expect(prereqOf([classReady, imageNotReady])).toMatchObject({
        status: 'False',
        reason: 'VirtualMachineImageNotFound',
        lastTransitionTime: imageReady.lastTransitionTime,
      });
    });

    it('rewrites a PrereqReady the hub has in place', () => {
      const stale = {
        type: 'VirtualMachinePrereqReady',
        status: 'False',
        reason: 'stale',
        lastTransitionTime: T1,
      };
      const conditions = conditionsOf(down(hubVM({}, { conditions: [stale, classReady, imageReady] })));
      expect(conditions).toEqual([
        { type: 'VirtualMachinePrereqReady', status: 'True', lastTransitionTime: T1 },
        classReady,
        imageReady,
      ]);
    });
  });

  describe('PrereqReady going up, with no annotation', () => {
    const prereq = (conditionStatus: string, reason?: string): JsonObject => ({
      type: 'VirtualMachinePrereqReady',
      status: conditionStatus,
      lastTransitionTime: T1,
      ...(reason && { reason, severity: 'Error' }),
    });
    const withPolicyAndMetadata = {
      resourcePolicyName: 'p',
      vmMetadata: { transport: 'CloudInit', secretName: 's' },
    };
    const hubConditions = (v1alpha1Spec: JsonObject, condition: JsonObject) =>
      conditionsOf(up(v1alpha1VM(v1alpha1Spec, { conditions: [condition] }))).map((c) => [
        c.type,
        c.status,
        c.reason,
        c.lastTransitionTime,
      ]);

    it('becomes ready class, image, policy and bootstrap conditions, the last two where the spec has them', () => {
      expect(hubConditions(withPolicyAndMetadata, prereq('True'))).toEqual([
        ['VirtualMachineClassReady', 'True', 'True', T1],
        ['VirtualMachineImageReady', 'True', 'True', T1],
        ['VirtualMachineConditionVMSetResourcePolicyReady', 'True', 'True', T1],
        ['VirtualMachineBootstrapReady', 'True', 'True', T1],
      ]);
      expect(hubConditions({}, prereq('True'))).toHaveLength(2);
    });

    it('tells from a false reason how far the check got; the rest is unknown', () => {
      expect(hubConditions(withPolicyAndMetadata, prereq('False', 'VirtualMachineClassNotFound'))).toEqual([
        ['VirtualMachineClassReady', 'False', 'VirtualMachineClassNotFound', T1],
        ['VirtualMachineImageReady', 'Unknown', 'Unknown', T1],
        ['VirtualMachineConditionVMSetResourcePolicyReady', 'Unknown', 'Unknown', T1],
        ['VirtualMachineBootstrapReady', 'Unknown', 'Unknown', T1],
      ]);
      expect(hubConditions({}, prereq('False', 'VirtualMachineClassBindingNotFound'))[0]?.[2]).toBe(
        'VirtualMachineClassBindingNotFound',
      );
      for (const reason of [
        'VirtualMachineImageNotFound',
        'VirtualMachineImageNotReady',
        'ContentSourceBindingNotFound',
        'ContentLibraryProviderNotFound',
      ])
        expect(hubConditions({}, prereq('False', reason))).toEqual([
          ['VirtualMachineClassReady', 'True', 'True', T1],
          ['VirtualMachineImageReady', 'False', reason, T1],
        ]);
    });

    it('is only dropped beside the hub conditions it stands for', () => {
      const spoke = v1alpha1VM(withPolicyAndMetadata, {
        conditions: [
          { type: 'VirtualMachineClassReady', status: 'False', lastTransitionTime: T1, reason: 'False' },
          prereq('True'),
        ],
      });
      expect(conditionsOf(up(spoke))).toEqual([
        {
          type: 'VirtualMachineClassReady',
          status: 'False',
          lastTransitionTime: T1,
          reason: 'False',
          message: '',
        },
      ]);
    });
  });

  it('names interfaces eth0, eth1, ... and maps a networkType to the network it refers to', () => {
    const hub = up(
      v1alpha1VM({
        networkInterfaces: [
          { networkType: 'vsphere-distributed' },
          { networkName: 'n', networkType: 'other' },
          {},
        ],
      }),
    );
    expect(getPath(hub, 'spec.network')).toEqual({
      interfaces: [
        {
          name: 'eth0',
          network: { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network', name: '' },
        },
        { name: 'eth1', network: { name: 'n' } },
        { name: 'eth2' },
      ],
    });
    expect(spec(down(hub)).networkInterfaces).toEqual([
      { networkType: 'vsphere-distributed' },
      { networkName: 'n' },
      {},
    ]);
    expect(getPath(up(v1alpha1VM({ networkInterfaces: [] })), 'spec.network')).toBeUndefined();
  });

  it('keeps a hub network without interfaces (disabled, say) in the annotation alone', () => {
    const hub = hubVM({ network: { disabled: true, hostName: 'h' } });
    expect(spec(down(hub)).networkInterfaces).toBeUndefined();
    expect(up(down(hub))).toEqual(hub);
  });

  it('maps each vmMetadata transport to a bootstrap provider and back', () => {
    const cases: [JsonObject, JsonObject][] = [
      [
        { transport: 'ExtraConfig', secretName: 's' },
        { cloudInit: { rawCloudConfig: { name: 's', key: 'guestinfo.userdata' } } },
      ],
      [
        { transport: 'CloudInit', secretName: 's' },
        { cloudInit: { rawCloudConfig: { name: 's', key: 'user-data' } } },
      ],
      [
        { transport: 'Sysprep', secretName: 's' },
        { sysprep: { rawSysprep: { name: 's', key: 'unattend' } } },
      ],
      [
        { transport: 'OvfEnv', secretName: 's' },
        { linuxPrep: { hardwareClockIsUTC: true }, vAppConfig: { rawProperties: 's' } },
      ],
      [{ transport: 'vAppConfig', secretName: 's' }, { vAppConfig: { rawProperties: 's' } }],
      [{ transport: 'CloudInit' }, { cloudInit: {} }],
      [{ transport: 'Sysprep' }, { sysprep: {} }],
    ];
    for (const [vmMetadata, bootstrap] of cases) {
      const hub = up(v1alpha1VM({ vmMetadata }));
      expect(getPath(hub, 'spec.bootstrap')).toEqual(bootstrap);
      expect(spec(down(hub)).vmMetadata).toEqual(vmMetadata);
    }
    // What does not survive: a vmMetadata without transport, an unnamed ExtraConfig one.
    const noTransport = up(v1alpha1VM({ vmMetadata: { secretName: 's' } }));
    expect(getPath(noTransport, 'spec.bootstrap')).toEqual({});
    expect(spec(down(noTransport)).vmMetadata).toBeUndefined();
    const unnamed = up(v1alpha1VM({ vmMetadata: { transport: 'ExtraConfig' } }));
    expect(spec(down(unnamed)).vmMetadata).toEqual({ transport: 'CloudInit' });
  });

  it('names the hub bootstrap object in secretName, or configMapName under the annotation', () => {
    const hub = up(v1alpha1VM({ vmMetadata: { transport: 'CloudInit', configMapName: 'cm' } }));
    expect(annotations(hub)).toEqual({ 'vmoperator.vmware.com/v1a1-configmap-md-transport': 'true' });
    expect(getPath(hub, 'spec.bootstrap.cloudInit.rawCloudConfig')).toEqual({ name: 'cm', key: 'user-data' });
    const bothNames = up(
      v1alpha1VM({ vmMetadata: { transport: 'Sysprep', configMapName: 'cm', secretName: 's' } }),
    );
    expect(getPath(bothNames, 'spec.bootstrap.sysprep.rawSysprep.name')).toBe('s');
    const secret = hubVM({ bootstrap: { sysprep: { rawSysprep: { name: 's', key: 'k' } } } });
    expect(spec(down(secret)).vmMetadata).toEqual({ transport: 'Sysprep', secretName: 's' });
  });

  it('takes a probe that sets nothing for none, and keeps guestInfo in the annotation', () => {
    expect(getPath(up(v1alpha1VM({ readinessProbe: {} })), 'spec.readinessProbe')).toBeUndefined();
    expect(spec(down(hubVM({ readinessProbe: {} }))).readinessProbe).toBeUndefined();
    const guestInfoOnly = hubVM({ readinessProbe: { guestInfo: [{ key: 'k', value: 'v' }] } });
    expect(spec(down(guestInfoOnly)).readinessProbe).toEqual({});
    expect(up(down(guestInfoOnly))).toEqual(guestInfoOnly);
    expect(up(down(hubVM({ readinessProbe: {} })))).toEqual(hubVM({ readinessProbe: {} }));
  });

  it('maps the default volume provisioning options to a mode and back', () => {
    const modeOf = (options: JsonObject) =>
      getPath(
        up(v1alpha1VM({ advancedOptions: { defaultVolumeProvisioningOptions: options } })),
        'spec.advanced',
      );
    expect(modeOf({ thinProvisioned: true })).toEqual({ defaultVolumeProvisioningMode: 'Thin' });
    expect(modeOf({ thinProvisioned: false, eagerZeroed: true })).toEqual({
      defaultVolumeProvisioningMode: 'Thick',
    });
    expect(modeOf({ eagerZeroed: true })).toEqual({ defaultVolumeProvisioningMode: 'ThickEagerZero' });
    expect(modeOf({ eagerZeroed: false })).toEqual({});
    const optionsOf = (mode: string) =>
      spec(down(hubVM({ advanced: { defaultVolumeProvisioningMode: mode } }))).advancedOptions;
    expect(optionsOf('Thin')).toEqual({ defaultVolumeProvisioningOptions: { thinProvisioned: true } });
    expect(optionsOf('Thick')).toEqual({ defaultVolumeProvisioningOptions: { thinProvisioned: false } });
    expect(optionsOf('ThickEagerZero')).toEqual({ defaultVolumeProvisioningOptions: { eagerZeroed: true } });
    expect(spec(down(hubVM({ advanced: { vmxSwapEnabled: true } }))).advancedOptions).toBeUndefined();
  });

  it('sizes the boot disk from the first vSphere volume of device key 2000', () => {
    const capacityOf = (volumes: JsonObject[]) => getPath(up(v1alpha1VM({ volumes })), 'spec.advanced');
    const vSphereVolume = (name: string, deviceKey: number, capacity: JsonObject = {}) => ({
      name,
      vSphereVolume: { capacity, deviceKey },
    });
    expect(
      capacityOf([
        vSphereVolume('other', 2001, { 'ephemeral-storage': '1Gi' }),
        vSphereVolume('boot', BOOT_DISK_DEVICE_KEY, { 'ephemeral-storage': '2Gi', storage: '3Gi' }),
      ]),
    ).toEqual({ bootDiskCapacity: '2Gi' });
    // Go's lookup of a missing capacity gives a zero quantity, not none.
    expect(capacityOf([vSphereVolume('boot', BOOT_DISK_DEVICE_KEY)])).toEqual({ bootDiskCapacity: '0' });
    expect(capacityOf([vSphereVolume('other', 2001)])).toBeUndefined();
  });

  it('gives spec.image from imageName only to an object already stored', () => {
    expect(getPath(up(v1alpha1VM({ imageName: 'vmi-123' })), 'spec.image')).toBeUndefined();
    const stored = up(v1alpha1VM({ imageName: 'vmi-123' }, undefined, { generation: 1 }));
    expect(spec(stored).image).toEqual({ name: 'vmi-123' });
    expect(spec(stored).imageName).toBe('vmi-123');
  });

  it('names the image by spec.image when imageName is unset, and restores the hub as it was', () => {
    const hub = hubVM({ image: { kind: 'VirtualMachineImage', name: 'vmi-123' } }, undefined, {
      generation: 2,
    });
    expect(spec(down(hub)).imageName).toBe('vmi-123');
    expect(up(down(hub))).toEqual(hub);
  });

  it('renames the pause annotation both ways and never shows v1alpha1 the configMap one', () => {
    const hub = hubVM({}, undefined, {
      annotations: {
        'vmoperator.vmware.com/paused': 'true',
        'vmoperator.vmware.com/v1a1-configmap-md-transport': 'true',
      },
    });
    const spoke = down(hub);
    expect(withoutAnnotation(spoke).metadata).toEqual({
      name: 'vm',
      namespace: 'ns',
      annotations: { 'vmoperator.vmware.com/pause-reconcile': 'true' },
    });
    expect(annotations(up(spoke))).toEqual({ 'vmoperator.vmware.com/paused': 'true' });
  });

  it('hides Classic volume statuses from v1alpha1; the hub status comes back whole', () => {
    const hub = hubVM(
      {},
      {
        volumes: [
          { name: 'vol1', type: 'Managed' },
          { name: 'vol2', type: 'Classic' },
        ],
      },
    );
    expect(status(down(hub)).volumes).toEqual([{ name: 'vol1' }]);
    expect(up(down(hub))).toEqual(hub);
    expect(status(up(v1alpha1VM({}, { volumes: [{ name: 'vol1' }] }))).volumes).toEqual([
      { name: 'vol1', type: 'Managed' },
    ]);
  });
});

describe('restoring from the annotation', () => {
  const stored = (): JsonObject => down(validFullHub());

  it("keeps a v1alpha1 client's change to the fields vm-operator converts", () => {
    const spoke = stored();
    const changed = spec(spoke);
    changed.className = 'guaranteed-large';
    changed.powerState = 'poweredOff';
    changed.resourcePolicyName = 'other-policy';
    changed.minHardwareVersion = 19;
    changed.vmMetadata = { transport: 'CloudInit', secretName: 'renamed' };
    changed.readinessProbe = { guestHeartbeat: { thresholdStatus: 'yellow' } };
    changed.advancedOptions = {
      changeBlockTracking: false,
      defaultVolumeProvisioningOptions: { eagerZeroed: true },
    };
    const [claim, bootDisk] = changed.volumes as JsonObject[];
    changed.volumes = [
      { ...claim, name: 'name-218' },
      {
        ...bootDisk,
        vSphereVolume: { capacity: { 'ephemeral-storage': '300Gi' }, deviceKey: BOOT_DISK_DEVICE_KEY },
      },
      { name: 'added', persistentVolumeClaim: { claimName: 'new-pvc' } },
    ];
    const hub = spec(up(spoke));
    expect(hub.className).toBe('guaranteed-large');
    expect(hub.powerState).toBe('PoweredOff');
    expect(hub.reserved).toEqual({ resourcePolicyName: 'other-policy' });
    expect(hub.minHardwareVersion).toBe(19);
    // The client's object name, under the saved key and with the saved cloud-init settings.
    expect(getPath(hub, 'bootstrap.cloudInit.rawCloudConfig')).toEqual({ name: 'renamed', key: 'key-87' });
    expect(getPath(hub, 'bootstrap.cloudInit.sshAuthorizedKeys')).toEqual(['sshAuthorizedKeys-89']);
    // Only guestInfo comes back into the probe.
    expect(hub.readinessProbe).toEqual({
      guestHeartbeat: { thresholdStatus: 'yellow' },
      guestInfo: [{ key: 'key-240', value: 'value-241' }],
    });
    expect(getPath(hub, 'advanced.changeBlockTracking')).toBe(false);
    expect(getPath(hub, 'advanced.bootDiskCapacity')).toBe('300Gi');
    expect((hub.volumes as JsonObject[]).map((volume) => volume.name)).toEqual(['name-218', 'added']);
    expect((hub.volumes as JsonObject[])[0]).toMatchObject({ controllerType: 'SATA', unitNumber: 231 });
  });

  it("keeps a v1alpha1 client's removals: a volume, the interfaces, the bootstrap", () => {
    const spoke = stored();
    const changed = spec(spoke);
    changed.volumes = (changed.volumes as JsonObject[]).slice(1);
    delete changed.networkInterfaces;
    delete changed.vmMetadata;
    const hub = spec(up(spoke));
    expect(hub.volumes).toBeUndefined();
    expect(getPath(hub, 'network.interfaces')).toBeUndefined();
    expect(getPath(hub, 'network.hostName')).toBe('hostName-157');
    // The saved bootstrap had no linuxPrep: only disabled and cloud-init's instance ID come back.
    expect(hub.bootstrap).toEqual({ disabled: true, cloudInit: { instanceID: 'instanceID-38' } });
  });

  it('brings back over a client change what vm-operator brings back: image, interfaces, provisioning mode, status', () => {
    const spoke = stored();
    const changed = spec(spoke);
    changed.imageName = 'another-image';
    changed.networkInterfaces = [{ networkType: 'nsx-t', networkName: 'elsewhere' }];
    changed.advancedOptions = { defaultVolumeProvisioningOptions: { thinProvisioned: true } };
    status(spoke).powerState = 'poweredOn';
    const hub = up(spoke);
    const saved = validFullHub();
    expect(spec(hub).imageName).toBe(spec(saved).imageName);
    expect(getPath(hub, 'spec.network.interfaces')).toEqual(getPath(saved, 'spec.network.interfaces'));
    expect(getPath(hub, 'spec.advanced.defaultVolumeProvisioningMode')).toBe('ThickEagerZero');
    expect(hub.status).toEqual(saved.status);
  });

  it('fails the conversion of an object whose annotation is no JSON object, as vm-operator does', () => {
    const spoke = stored();
    setAnnotation(spoke, CONVERSION_ANNOTATION, '{"spec": {"biosUUID": ');
    expect(() => up(spoke)).toThrow(ConversionError);
    setAnnotation(spoke, CONVERSION_ANNOTATION, '"a string"');
    expect(() => up(spoke)).toThrow('annotation holds no object');
  });
});
