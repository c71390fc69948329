import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import { registerTopologyKinds } from '../topology-kinds.js';
import { registerVmOperatorKinds } from '../vm-operator-kinds.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const ZONE = 'topology.kubernetes.io/zone';
const DENIED =
  'admission webhook "default.validating.virtualmachine.v1alpha6.vmoperator.vmware.com" denied the request: ';

type Metadata = { labels?: Record<string, string>; annotations?: Record<string, string> };

async function setup() {
  const kube = new KubeStore(
    { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
    { namespaces: ['ns1'] },
  );
  registerVmOperatorKinds(kube, { defaultNetwork: null });
  registerTopologyKinds(kube);
  await kube.create({
    apiVersion: 'topology.tanzu.vmware.com/v1alpha1',
    kind: 'Zone',
    metadata: { name: 'zone-a', namespace: 'ns1' },
  });
  const vm = (name: string, metadata: Metadata = {}, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: V5,
    kind: 'VirtualMachine',
    metadata: { name, namespace: 'ns1', ...metadata },
    spec: {
      className: 'best-effort-small',
      image: { kind: 'VirtualMachineImage', name: 'vmi-0a0044d7c690bcbea' },
      ...spec,
    },
  });
  const ref = (name: string) => ({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name });
  /** The refusal of a user's merge patch of the VM's metadata, or undefined when it is taken. */
  const patchRefusal = (name: string, metadata: Record<string, unknown>) =>
    kube.patch(ref(name), { metadata }, { type: 'merge' }).then(
      () => undefined,
      (error: { code: number; message: string }) => `${error.code} ${error.message}`,
    );
  /** The VM with its metadata replaced by a privileged account (`direct`). */
  const asAdministrator = (name: string, metadata: Metadata) => {
    const stored = kube.direct.get(ref(name)) as KubeObject;
    return kube.direct.update({ ...stored, metadata: { ...stored.metadata, ...metadata } });
  };
  return { kube, vm, ref, patchRefusal, asAdministrator };
}

/** What the API server says in place of the CEL rules of a v1alpha6 VM whose schema errors block them. */
const NOT_CHECKED =
  '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

describe("a VirtualMachine's metadata, as vm-operator's webhook judges it", () => {
  it('refuses a cluster module group without a resource policy to anyone', async () => {
    const t = await setup();
    const grouped = t.vm('a', { annotations: { 'vsphere-cluster-module-group': 'workers' } });
    const message = `${DENIED}metadata.annotations[vsphere-cluster-module-group]: Forbidden: cluster module assignment requires spec.reserved.resourcePolicyName to specify a VirtualMachineSetResourcePolicy`;
    await expect(t.kube.create(grouped)).rejects.toMatchObject({ code: 422, message });
    expect(() => t.kube.direct.create(grouped)).toThrow(message);
    const reserved = t.vm('a', grouped.metadata as Metadata, {
      reserved: { resourcePolicyName: 'cluster1' },
    });
    await t.kube.create(reserved);
    // Once set, the group is an administrator's to change.
    expect(await t.patchRefusal('a', { annotations: { 'vsphere-cluster-module-group': 'db' } })).toBe(
      `422 ${DENIED}metadata.annotations[vsphere-cluster-module-group]: Forbidden: modifying this annotation is not allowed for non-admin users`,
    );
    t.asAdministrator('a', { annotations: { 'vsphere-cluster-module-group': 'db' } });
    // A write that leaves the group as it is passes, whoever sends it.
    expect(await t.patchRefusal('a', { labels: { team: 'x' } })).toBeUndefined();
  });

  it('takes a zone label that names a Zone of the namespace, and keeps it once set', async () => {
    const t = await setup();
    await expect(t.kube.create(t.vm('a', { labels: { [ZONE]: 'zone-x' } }))).rejects.toMatchObject({
      code: 422,
      message: `${DENIED}metadata.labels[${ZONE}]: Invalid value: "zone-x": Zone.topology.tanzu.vmware.com "zone-x" not found`,
    });
    await t.kube.create(t.vm('a', { labels: { [ZONE]: 'zone-a' } }));
    const immutable = (value: string) =>
      `422 ${DENIED}metadata.labels[${ZONE}]: Invalid value: "${value}": field is immutable`;
    expect(await t.patchRefusal('a', { labels: { [ZONE]: 'zone-b' } })).toBe(immutable('zone-b'));
    expect(await t.patchRefusal('a', { labels: { [ZONE]: null } })).toBe(immutable(''));
    // A privileged account moves it (a restore into another zone).
    expect(t.asAdministrator('a', { labels: { [ZONE]: 'zone-b' } }).metadata.labels).toEqual({
      [ZONE]: 'zone-b',
    });
    // A VM without one gets one of the namespace's zones, as the controller's placement gives it.
    await t.kube.create(t.vm('b'));
    expect(await t.patchRefusal('b', { labels: { [ZONE]: 'zone-x' } })).toContain('"zone-x" not found');
    expect(await t.patchRefusal('b', { labels: { [ZONE]: 'zone-a' } })).toBeUndefined();
  });

  it('keeps users but privileged accounts from a Zone being deleted', async () => {
    const t = await setup();
    const zone = { apiVersion: 'topology.tanzu.vmware.com/v1alpha1', kind: 'Zone', namespace: 'ns1' };
    await t.kube.create({
      ...zone,
      metadata: { name: 'zone-b', namespace: 'ns1', finalizers: ['example.com/hold'] },
    });
    await t.kube.delete({ ...zone, name: 'zone-b' });
    await expect(t.kube.create(t.vm('a', { labels: { [ZONE]: 'zone-b' } }))).rejects.toMatchObject({
      code: 422,
      message: `${DENIED}metadata.labels[${ZONE}]: Invalid value: "zone-b": cannot use zone that is being deleted`,
    });
    // A VM labelled before its zone went keeps the label; a privileged account (CAPV's service
    // account, vm-operator's) still places VMs there.
    expect(t.kube.direct.create(t.vm('b', { labels: { [ZONE]: 'zone-b' } })).metadata.labels).toEqual({
      [ZONE]: 'zone-b',
    });
    expect(await t.patchRefusal('b', { labels: { team: 'x' } })).toBeUndefined();
  });

  it("keeps vm-operator's and administrators' annotations and the paused label from DevOps users", async () => {
    const t = await setup();
    const forbidden = (path: string, what = 'annotation') =>
      `${path}: Forbidden: modifying this ${what} is not allowed for non-admin users`;
    await expect(
      t.kube.create(
        t.vm('a', {
          annotations: {
            'vmoperator.vmware.com/cloud-init-instance-id': 'i-1',
            'mgmt.proxy.vmware.com/watermark': 'w',
          },
          labels: { 'vmoperator.vmware.com/paused': 'devops' },
        }),
      ),
    ).rejects.toMatchObject({
      code: 422,
      message: `${DENIED}${forbidden('metadata.annotations[vmoperator.vmware.com/cloud-init-instance-id]')}, ${forbidden('metadata.annotations[mgmt.proxy.vmware.com/watermark]')}, ${forbidden('metadata.labels.vmoperator.vmware.com/paused', 'label')}`,
    });
    // The creation's versions come from the webhook on create; afterwards they stay.
    await t.kube.create(
      t.vm('a', { annotations: { 'vmoperator.vmware.com/created-at-build-version': 'v1' } }),
    );
    for (const key of [
      'vmoperator.vmware.com/created-at-build-version',
      'virtualmachine.vmoperator.vmware.com/first-boot-done',
      'vmoperator.vmware.com/restored-vm',
    ])
      expect(await t.patchRefusal('a', { annotations: { [key]: 'other' } })).toBe(
        `422 ${DENIED}${forbidden(`metadata.annotations[${key}]`)}`,
      );
    expect(await t.patchRefusal('a', { labels: { 'vmoperator.vmware.com/paused': 'devops' } })).toBe(
      `422 ${DENIED}${forbidden('metadata.labels.vmoperator.vmware.com/paused', 'label')}`,
    );
    const stored = t.asAdministrator('a', {
      labels: { 'vmoperator.vmware.com/paused': 'admin' },
      annotations: { 'virtualmachine.vmoperator.vmware.com/first-boot-done': 'true' },
    });
    expect(stored.metadata.labels).toEqual({ 'vmoperator.vmware.com/paused': 'admin' });
    // Sent back as they are, they pass.
    expect(await t.patchRefusal('a', { labels: { team: 'x' } })).toBeUndefined();
  });

  it('lets a DevOps user give a new VM power-on checks, and no other check, ever', async () => {
    const t = await setup();
    const check = (kind: string, key: string, what: string) =>
      `metadata.annotations.${kind}.check.vmoperator.vmware.com/${key}: Forbidden: ${what} this annotation is restricted to privileged users`;
    await expect(
      t.kube.create(t.vm('a', { annotations: { 'delete.check.vmoperator.vmware.com/backup': 'wait' } })),
    ).rejects.toMatchObject({ code: 422, message: `${DENIED}${check('delete', 'backup', 'adding')}` });
    await t.kube.create(t.vm('a', { annotations: { 'poweron.check.vmoperator.vmware.com/app': 'wait' } }));
    expect(
      await t.patchRefusal('a', {
        annotations: {
          'poweron.check.vmoperator.vmware.com/app': 'later',
          'poweron.check.vmoperator.vmware.com/net': 'wait',
        },
      }),
    ).toBe(`422 ${DENIED}${check('poweron', 'app', 'modifying')}, ${check('poweron', 'net', 'adding')}`);
    expect(
      await t.patchRefusal('a', { annotations: { 'poweron.check.vmoperator.vmware.com/app': null } }),
    ).toBe(`422 ${DENIED}${check('poweron', 'app', 'removing')}`);
    // A privileged account holds the deletion, and the owner of a VM being deleted may let it go.
    t.asAdministrator('a', { annotations: { 'delete.check.vmoperator.vmware.com/backup': 'wait' } });
    expect(await t.patchRefusal('a', { finalizers: ['example.com/hold'] })).toBeUndefined();
    await t.kube.delete(t.ref('a'));
    expect(
      await t.patchRefusal('a', { annotations: { 'delete.check.vmoperator.vmware.com/backup': null } }),
    ).toBe(undefined);
  });

  it("judges a user's write made while a privileged one commits as a user's", async () => {
    const t = await setup();
    const writes: Promise<unknown>[] = [];
    const stop = t.kube.subscribe({ apiVersion: 'v1', kind: 'ConfigMap' }, () => {
      writes.push(t.kube.create(t.vm('b', { annotations: { 'delete.check.vmoperator.vmware.com/x': 'y' } })));
    });
    t.kube.direct.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns1' } });
    stop();
    expect(writes).toHaveLength(1);
    await expect(writes[0]).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('adding this annotation is restricted to privileged users'),
    });
  });

  it('refuses annotations that are not a map, which the conversion of a v1alpha5 write keeps as sent', async () => {
    const t = await setup();
    await expect(t.kube.create(t.vm('a', { annotations: 'x' } as never))).rejects.toMatchObject({
      code: 422,
      message:
        'VirtualMachine.vmoperator.vmware.com "a" is invalid: metadata.annotations: Invalid value: must be a map of strings',
    });
  });

  it('refuses any change of spec.affinity', async () => {
    const t = await setup();
    await t.kube.create(t.vm('a'));
    const affinity = { vmAffinity: { requiredDuringSchedulingPreferredDuringExecution: [] } };
    const refusal = await t.kube
      .patch(t.ref('a'), { spec: { affinity } }, { type: 'merge' })
      .catch((e) => e.message);
    expect(refusal).toBe(`${DENIED}spec.affinity: Forbidden: updating Affinity is not allowed`);
  });
});

describe("the VirtualMachine schema's enums and minimums", () => {
  it("are the API server's: 422 Invalid with causes, in the schema's order, before the webhook", async () => {
    const t = await setup();
    const refusal = (spec: Record<string, unknown>) =>
      t.kube.create(t.vm('a', {}, spec)).then(
        () => 'created',
        (e: { code: number; reason: string; message: string }) => `${e.code} ${e.reason} ${e.message}`,
      );
    expect(await refusal({ powerState: 'On', powerOffMode: 'Nice', promoteDisksMode: 'Never' })).toBe(
      `422 Invalid VirtualMachine.vmoperator.vmware.com "a" is invalid: [spec.powerState: Unsupported value: "On": supported values: "PoweredOff", "PoweredOn", "Suspended", spec.powerOffMode: Unsupported value: "Nice": supported values: "Hard", "Soft", "TrySoft", spec.promoteDisksMode: Unsupported value: "Never": supported values: "Online", "Offline", "Disabled"]`,
    );
    // v1alpha6's schema has CEL rules, which such causes keep from running; v1alpha5's has none.
    const v6 = { ...t.vm('b', {}, { powerState: 'On' }), apiVersion: 'vmoperator.vmware.com/v1alpha6' };
    expect(await t.kube.create(v6).catch((e: Error) => e.message)).toBe(
      `VirtualMachine.vmoperator.vmware.com "b" is invalid: [spec.powerState: Unsupported value: "On": supported values: "PoweredOff", "PoweredOn", "Suspended", ${NOT_CHECKED}]`,
    );
    expect(await refusal({ minHardwareVersion: 12 })).toBe(
      '422 Invalid VirtualMachine.vmoperator.vmware.com "a" is invalid: spec.minHardwareVersion: Invalid value: 12: spec.minHardwareVersion in body should be greater than or equal to 13',
    );
    expect(await refusal({ minHardwareVersion: 13, suspendMode: 'Hard', restartMode: 'Soft' })).toBe(
      'created',
    );
    expect(
      await t.kube
        .patch(t.ref('a'), { spec: { restartMode: 'Gentle' } }, { type: 'merge' })
        .catch((e) => e.message),
    ).toBe(
      'VirtualMachine.vmoperator.vmware.com "a" is invalid: spec.restartMode: Unsupported value: "Gentle": supported values: "Hard", "Soft", "TrySoft"',
    );
  });
});

describe('v1alpha6 fields of capabilities this Supervisor does not have', () => {
  it('are refused as vm-operator refuses them without the capability, on create and update', async () => {
    const t = await setup();
    const v6 = (name: string, spec: Record<string, unknown>) => ({
      ...t.vm(name, {}, spec),
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
    });
    const refusal = (write: Promise<unknown>) =>
      write.then(
        () => 'created',
        (e: { code: number; status: { reason: string } }) => `${e.code} ${e.status.reason}`,
      );
    const eth0 = { name: 'eth0', network: { kind: 'Network', name: 'n' } };
    expect(
      await refusal(
        t.kube.create(
          v6('a', {
            crypto: { encryptionClassName: 'keys', useDefaultKeyProvider: false },
            network: { interfaces: [eth0], vlans: [{ name: 'vlan10', id: 10, link: 'eth0' }] },
            memoryAdvanced: { hotAddEnabled: true },
          }),
        ),
      ),
    ).toBe(
      [
        '422 spec.crypto: Invalid value: {"encryptionClassName":"keys","useDefaultKeyProvider":false,"vTPMMode":"New"}: the Bring Your Own Key (Provider) feature is not enabled',
        'spec.network.vlans: Forbidden: the VLAN Sub Interface feature is not enabled',
        'spec.memoryAdvanced: Forbidden: the VM Compute Config (via TelcoVMServiceAPI) feature is not enabled',
      ].join(', '),
    );
    const made = await t.kube.create(v6('b', {}));
    expect(await refusal(t.kube.update({ ...made, spec: { ...(made.spec as object), resources: {} } }))).toBe(
      '422 spec.resources: Forbidden: the VM Compute Config (via TelcoVMServiceAPI) feature is not enabled',
    );
  });
});

describe("the VirtualMachine schema's CEL rules", () => {
  it('are run after the rest of the schema, each on the value it is on, in its own words', async () => {
    const t = await setup();
    const v6 = (spec: Record<string, unknown>) => ({
      ...t.vm('a', {}, spec),
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
    });
    const refusal = (spec: Record<string, unknown>) =>
      t.kube.create(v6(spec)).then(
        () => 'created',
        (e: { code: number; message: string }) => `${e.code} ${e.message}`,
      );
    const network = (...interfaces: Record<string, unknown>[]) => ({
      network: {
        interfaces: interfaces.map((iface, i) => ({
          name: `eth${i}`,
          network: { kind: 'Network', name: 'n' },
          ...iface,
        })),
      },
    });
    expect(
      await refusal({
        cpuAdvanced: { topology: { vnumaNodeCount: 2 } },
        ...network(
          { type: 'E1000', vmxnet3: {}, ipamModes: ['IPv4', 'IPv5'] },
          {
            vmxnet3: {
              ctxPerDev: 'PerHost',
              pnicFeatures: ['4', 'Turbo'],
              coalescingParams: 'x'.repeat(128),
            },
          },
        ),
        resources: { requests: { cpu: '500m' } },
      }),
    ).toBe(
      `422 VirtualMachine.vmoperator.vmware.com "a" is invalid: [${[
        'spec.cpuAdvanced.topology: Invalid value: "object": vnumaNodeCount requires coresPerSocket to be set to an explicit (non-zero) value',
        'spec.network.interfaces[0]: Invalid value: "object": vmxnet3 tuning fields require interface type VMXNet3',
        'spec.network.interfaces[0]: Invalid value: "object": each ipamModes entry must be IPv4 or IPv6',
        'spec.network.interfaces[1]: Invalid value: "object": no such key: type evaluating rule: vmxnet3 tuning fields require interface type VMXNet3',
        'spec.network.interfaces[1].vmxnet3: Invalid value: "object": coalescingParams must have length < 128',
        'spec.network.interfaces[1].vmxnet3.ctxPerDev: Invalid value: "string": must be PerDevice, PerVM, PerQueue, or a number (1-9)',
        'spec.network.interfaces[1].vmxnet3.pnicFeatures[1]: Invalid value: "string": must be LargeReceiveOffload, ReceiveSideScaling, or a non-empty decimal digits string for VMX pNICFeatures bitmask values (powers of two such as 1, 2, 4, 8)',
        `spec.resources.requests.cpu: Invalid value: "": CPU must be a whole number (e.g. '4' for vCPUs or '2000' for 2000 MHz). The 'm' (milli) suffix is not supported.`,
      ].join(', ')}]`,
    );
    // Nothing else wrong, nothing the schema refuses: the webhook then judges (and, without the
    // Telco capability, refuses the compute fields); a cause the schema has keeps the rules from running.
    const telco = 'Forbidden: the VM Compute Config (via TelcoVMServiceAPI) feature is not enabled';
    expect(
      await refusal({
        cpuAdvanced: { topology: { vnumaNodeCount: 2, coresPerSocket: 4 } },
        ...network({
          type: 'VMXNet3',
          vmxnet3: { ctxPerDev: '4', pnicFeatures: ['ReceiveSideScaling', '8'] },
        }),
        resources: { requests: { cpu: '2' } },
      }),
    ).toBe(
      `422 admission webhook "default.validating.virtualmachine.v1alpha6.vmoperator.vmware.com" denied the request: spec.resources: ${telco}, spec.cpuAdvanced: ${telco}`,
    );
    expect(
      await refusal(
        network({ type: 'VMXNet3', vmxnet3: { ctxPerDev: '4', pnicFeatures: ['ReceiveSideScaling', '8'] } }),
      ),
    ).toBe('created');
    await t.kube.delete(t.ref('a'));
    expect(await refusal({ powerState: 'On', resources: { requests: { cpu: '500m' } } })).toBe(
      `422 VirtualMachine.vmoperator.vmware.com "a" is invalid: [spec.powerState: Unsupported value: "On": supported values: "PoweredOff", "PoweredOn", "Suspended", ${NOT_CHECKED}]`,
    );
  });
});

describe("a VirtualMachine's boot options and advanced settings, as the schema and the webhook judge them", () => {
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'taken',
      (e: { code: number; message: string }) => `${e.code} ${e.message}`,
    );

  it("takes the schema's enums, quantity pattern and defaults, before the webhook", async () => {
    const t = await setup();
    const vm = (bootDiskCapacity: unknown) =>
      t.vm(
        'a',
        {},
        {
          bootOptions: { firmware: 'uefi', networkBootProtocol: 'IPX', bootOrder: [{ name: 'eth0' }] },
          advanced: { defaultVolumeProvisioningMode: 'Sparse', bootDiskCapacity },
        },
      );
    // A quantity the schema's pattern refuses fails first, as it fails vm-operator's decoding.
    expect(await refusal(t.kube.create(vm('20 GiB')))).toBe(
      `422 VirtualMachine.vmoperator.vmware.com "a" is invalid: spec.advanced.bootDiskCapacity: Invalid value: "20 GiB": spec.advanced.bootDiskCapacity in body should match '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'`,
    );
    expect(await refusal(t.kube.create(vm('20Gi')))).toBe(
      `422 VirtualMachine.vmoperator.vmware.com "a" is invalid: [spec.bootOptions.firmware: Unsupported value: "uefi": supported values: "bios", "efi", spec.bootOptions.networkBootProtocol: Unsupported value: "IPX": supported values: "IP4", "IP6", spec.bootOptions.bootOrder[0].type: Required value, spec.advanced.defaultVolumeProvisioningMode: Unsupported value: "Sparse": supported values: "Thin", "Thick", "ThickEagerZero"]`,
    );
    expect(await refusal(t.kube.create(t.vm('a', {}, { advanced: { bootDiskCapacity: true } })))).toBe(
      '422 VirtualMachine.vmoperator.vmware.com "a" is invalid: spec.advanced.bootDiskCapacity: Invalid value: "boolean": spec.advanced.bootDiskCapacity in body must be of type integer,string: "boolean"',
    );
    const made = await t.kube.create(
      t.vm('a', {}, { bootOptions: { firmware: 'efi' }, advanced: { bootDiskCapacity: 21474836480 } }),
    );
    expect((made.spec as Record<string, unknown>).bootOptions).toEqual({
      firmware: 'efi',
      bootRetry: 'Disabled',
      efiSecureBoot: 'Disabled',
      networkBootProtocol: 'IP4',
    });
  });

  it('refuses a boot disk capacity that is no whole number of MiB, a retry delay without retries and secure boot without EFI', async () => {
    const t = await setup();
    const spec = {
      advanced: { bootDiskCapacity: '20G' },
      bootOptions: { bootRetryDelay: '10s', efiSecureBoot: 'Enabled', firmware: 'bios' },
    };
    expect(await refusal(t.kube.create(t.vm('a', {}, spec)))).toBe(
      `422 ${DENIED}spec.advanced.bootDiskCapacity: Invalid value: 20000000000: value must be a multiple of MB, spec.bootOptions.bootRetry: Required value: bootRetry must be set when setting bootRetryDelay, spec.bootOptions.efiSecureBoot: Forbidden: cannot set efiSecureBoot when image firmware is not 'efi'`,
    );
    const fixed = {
      advanced: { bootDiskCapacity: '20Gi' },
      bootOptions: { bootRetry: 'Enabled', bootRetryDelay: '10s', efiSecureBoot: 'Enabled', firmware: 'efi' },
    };
    expect(await refusal(t.kube.create(t.vm('a', {}, fixed)))).toBe('taken');
  });

  it('fails the mutating webhook on a delay that is no duration, as Go cannot decode the VM', async () => {
    const t = await setup();
    expect(await refusal(t.kube.create(t.vm('a', {}, { bootOptions: { bootDelay: '5 seconds' } })))).toBe(
      '500 admission webhook "default.mutating.virtualmachine.v1alpha6.vmoperator.vmware.com" denied the request: time: unknown unit " seconds" in duration "5 seconds"',
    );
    expect(await refusal(t.kube.create(t.vm('a', {}, { bootOptions: { bootDelay: '1m30s' } })))).toBe(
      'taken',
    );
  });

  it('takes a boot order after create alone, naming devices the VM has, each once; not while it runs', async () => {
    const t = await setup();
    const order = (bootOrder: unknown[]) => ({ bootOptions: { bootOrder } });
    expect(
      await refusal(
        t.kube.create(t.vm('a', {}, { powerState: 'PoweredOff', ...order([{ type: 'CDRom' }]) })),
      ),
    ).toBe(`422 ${DENIED}spec.bootOptions.bootOrder: Forbidden: when creating a VM`);
    await t.kube.create(
      t.vm('a', {}, { powerState: 'PoweredOff', network: { interfaces: [{ name: 'eth0' }] } }),
    );
    const patch = (spec: Record<string, unknown>) =>
      refusal(t.kube.patch(t.ref('a'), { spec }, { type: 'merge' }));
    expect(
      await patch(
        order([
          { type: 'Network' },
          { type: 'Network', name: 'eth1' },
          { type: 'Disk', name: 'disk-1' },
          { type: 'CDRom' },
          { type: 'Network', name: 'eth0' },
          { type: 'Network', name: 'eth0' },
        ]),
      ),
    ).toBe(
      `422 ${DENIED}spec.bootOptions.bootOrder[0].name: Required value: name must not be empty when specifying a bootable device of type "Network", spec.bootOptions.bootOrder[1]: Invalid value: {"type":"Network","name":"eth1"}: bootable network device "eth1" was not found in vm.Spec.Network.Interfaces, spec.bootOptions.bootOrder[2]: Invalid value: {"type":"Disk","name":"disk-1"}: bootable disk device "disk-1" was not found in vm.Status.Volumes, spec.bootOptions.bootOrder[3]: Invalid value: {"type":"CDRom"}: no CD-ROM device(s) defined for this VM, spec.bootOptions.bootOrder[5]: Duplicate value: "eth0"`,
    );
    expect(await patch(order([{ type: 'Network', name: 'eth0' }]))).toBe('taken');
    expect(await patch({ powerState: 'PoweredOn' })).toBe('taken');
    expect(await patch({ bootOptions: { bootDelay: '5s' } })).toBe(
      `422 ${DENIED}spec.bootOptions: Forbidden: updates to this field is not allowed when VM power is on`,
    );
    // Powering off in the same write lets it through.
    expect(await patch({ powerState: 'PoweredOff', bootOptions: { bootDelay: '5s' } })).toBe('taken');
  });
});

describe("a VirtualMachine's CD-ROMs, as the schema and the webhook judge them", () => {
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'taken',
      (e: { code: number; message: string }) => `${e.code} ${e.message}`,
    );
  const iso = (name: string, image = 'vmi-0123456789abcdef0', kind = 'VirtualMachineImage') => ({
    name,
    image: { kind, name: image },
  });

  it("takes the schema's names, required image and defaults, then vm-operator's guest, kinds and one CD-ROM per image", async () => {
    const t = await setup();
    const hardware = (cdrom: unknown[]) => ({ hardware: { cdrom } });
    expect(
      await refusal(
        t.kube.create(t.vm('a', {}, hardware([{ name: 'A' }, { name: 'cd', image: { name: 'x' } }]))),
      ),
    ).toBe(
      `422 VirtualMachine.vmoperator.vmware.com "a" is invalid: [spec.hardware.cdrom[0].image: Required value, spec.hardware.cdrom[0].name: Invalid value: "A": spec.hardware.cdrom[0].name in body should match '^[a-z0-9]{2,}$']`,
    );
    expect(
      await refusal(
        t.kube.create(
          t.vm('a', {}, hardware([iso('cd1'), iso('cd2'), iso('cd3', 'other', 'ContentLibraryItem')])),
        ),
      ),
    ).toBe(
      `422 ${DENIED}spec.guestID: Required value: when deploying a VM with CD-ROMs, spec.hardware.cdrom[1].image.name: Duplicate value: "vmi-0123456789abcdef0", spec.hardware.cdrom[2].image.kind: Unsupported value: "ContentLibraryItem": supported values: "VirtualMachineImage", "ClusterVirtualMachineImage"`,
    );
    const made = await t.kube.create(
      t.vm('a', {}, { guestID: 'otherLinux64Guest', ...hardware([iso('cd1')]) }),
    );
    // With vm-operator's default controllers: both IDE buses.
    expect((made.spec as { hardware: unknown }).hardware).toEqual({
      cdrom: [{ ...iso('cd1'), connected: true, allowGuestControl: true }],
      ideControllers: [{ busNumber: 0 }, { busNumber: 1 }],
    });
  });

  it("defaults a CD-ROM image's kind, and a VM of CD-ROMs alone takes its image from the first connected one", async () => {
    const t = await setup();
    const cdrom = (name: string, image: string, connected: boolean) => ({
      name,
      image: { name: image },
      connected,
    });
    const cdroms = [
      cdrom('cd1', 'vmi-00000000000000001', false),
      cdrom('cd2', 'vmi-00000000000000002', true),
    ];
    // The image the mutating webhook resolves the VM's image name to.
    await t.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineImage',
      metadata: { name: 'vmi-00000000000000002', namespace: 'ns1' },
    });
    const { image: _, ...imageless } = t.vm('a').spec as Record<string, unknown>;
    const made = await t.kube.create({
      ...t.vm('a'),
      spec: { ...imageless, guestID: 'otherLinux64Guest', hardware: { cdrom: cdroms } },
    });
    type Spec = {
      image?: { kind: string; name: string };
      hardware: { cdrom: { image: { kind?: string } }[] };
    };
    const spec = made.spec as Spec;
    expect(spec.hardware.cdrom.map((c) => c.image.kind)).toEqual([
      'VirtualMachineImage',
      'VirtualMachineImage',
    ]);
    expect(spec.image).toEqual({ kind: 'VirtualMachineImage', name: 'vmi-00000000000000002' });
    // On update, a kind left out is the stored one's, which was a VirtualMachineImage.
    const updated = await t.kube.patch(
      t.ref('a'),
      { spec: { hardware: { cdrom: cdroms } } },
      { type: 'merge' },
    );
    expect((updated.spec as Spec).hardware.cdrom.map((c) => c.image.kind)).toEqual([
      'VirtualMachineImage',
      'VirtualMachineImage',
    ]);
  });

  it("lets a running VM change its CD-ROMs' connection alone", async () => {
    const t = await setup();
    const cdrom = [iso('cd1'), iso('cd2', 'vmi-00000000000000002')];
    await t.kube.create(t.vm('a', {}, { guestID: 'otherLinux64Guest', hardware: { cdrom } }));
    const patch = (hardware: unknown) =>
      refusal(t.kube.patch(t.ref('a'), { spec: { hardware } }, { type: 'merge' }));
    expect(await patch({ cdrom: [iso('cd1')] })).toBe(
      `422 ${DENIED}spec.hardware.cdrom: Forbidden: updates to this field is not allowed when VM power is on`,
    );
    expect(await patch({ cdrom: [iso('cd1'), iso('cd3', 'vmi-00000000000000002')] })).toBe(
      `422 ${DENIED}spec.hardware.cdrom.name: Forbidden: removing CD-ROMs is not allowed when VM is powered on, spec.hardware.cdrom[1].name: Forbidden: adding new CD-ROMs is not allowed when VM is powered on`,
    );
    expect(await patch({ cdrom: [iso('cd1', 'vmi-00000000000000003'), cdrom[1]] })).toBe(
      `422 ${DENIED}spec.hardware.cdrom[0].image: Forbidden: updates to this field is not allowed when VM power is on`,
    );
    expect(await patch({ cdrom: [{ ...cdrom[0], connected: false }, cdrom[1]] })).toBe('taken');
  });
});

describe("a VirtualMachine's controllers, as the schema holds them", () => {
  it('refuses too many, a bus out of range or given twice, an unknown type or sharing, a CD-ROM named twice', async () => {
    const t = await setup();
    const hardware = {
      ideControllers: [{ busNumber: 0 }, { busNumber: 2 }, { busNumber: 0 }],
      scsiControllers: [{ busNumber: 1, type: 'Buslogic', sharingMode: 'Shared' }, {}],
      nvmeControllers: [{ busNumber: 0, sharingMode: 'Virtual' }],
      cdrom: [
        { name: 'cd1', image: { kind: 'VirtualMachineImage', name: 'a' }, controllerType: 'USB' },
        { name: 'cd1', image: { kind: 'VirtualMachineImage', name: 'b' } },
      ],
    };
    const refusal = await t.kube.create(t.vm('a', {}, { hardware })).then(
      () => 'taken',
      (e: { code: number; message: string }) => `${e.code} ${e.message}`,
    );
    // The schema's causes in the order of the fields sent, the lists' repeated keys after them
    // (the API server checks list types after the schema).
    expect(refusal).toBe(
      '422 VirtualMachine.vmoperator.vmware.com "a" is invalid: [' +
        [
          'spec.hardware.ideControllers: Too many: 3: must have at most 2 items',
          'spec.hardware.ideControllers[1].busNumber: Invalid value: 2: spec.hardware.ideControllers[1].busNumber in body should be less than or equal to 1',
          'spec.hardware.scsiControllers[0].type: Unsupported value: "Buslogic": supported values: "ParaVirtual", "BusLogic", "LsiLogic", "LsiLogicSAS"',
          'spec.hardware.scsiControllers[0].sharingMode: Unsupported value: "Shared": supported values: "None", "Physical", "Virtual"',
          'spec.hardware.scsiControllers[1].busNumber: Required value',
          'spec.hardware.nvmeControllers[0].sharingMode: Unsupported value: "Virtual": supported values: "None", "Physical"',
          'spec.hardware.cdrom[0].controllerType: Unsupported value: "USB": supported values: "IDE", "NVME", "SCSI", "SATA"',
          'spec.hardware.ideControllers[2]: Duplicate value: map[string]interface {}{"busNumber":0}',
          'spec.hardware.cdrom[1]: Duplicate value: map[string]interface {}{"name":"cd1"}',
        ].join(', ') +
        ']',
    );
  });

  it('holds SATA, SCSI and NVMe controllers to four, on buses 0 to 3', async () => {
    const t = await setup();
    const buses = (...numbers: number[]) => numbers.map((busNumber) => ({ busNumber }));
    const hardware = {
      sataControllers: buses(0, 1, 2, 3, 4),
      scsiControllers: buses(4),
      nvmeControllers: buses(3),
    };
    const refusal = await t.kube.create(t.vm('a', {}, { hardware })).then(
      () => 'taken',
      (e: { code: number; message: string }) => `${e.code} ${e.message}`,
    );
    const beyond = (list: string, i: number) =>
      `spec.hardware.${list}[${i}].busNumber: Invalid value: 4: spec.hardware.${list}[${i}].busNumber in body should be less than or equal to 3`;
    expect(refusal).toBe(
      '422 VirtualMachine.vmoperator.vmware.com "a" is invalid: [' +
        [
          'spec.hardware.sataControllers: Too many: 5: must have at most 4 items',
          beyond('sataControllers', 4),
          beyond('scsiControllers', 0),
        ].join(', ') +
        ']',
    );
  });
});
