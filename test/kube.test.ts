import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from 'vsim';

let sim: Simulator;
afterEach(() => sim.close());

/** A Supervisor whose `default` namespace has images, so VMs may name one. */
const SUPERVISOR = { namespaces: ['default'] };
const IMAGE = 'ubuntu-2204-kube-v1.30.0';

const vm = (apiVersion: string, name: string) => ({
  apiVersion,
  kind: 'VirtualMachine',
  metadata: { name, namespace: 'default', labels: { role: 'worker' } },
  spec: {
    className: 'best-effort-small',
    imageName: IMAGE,
    powerState: 'PoweredOn',
    storageClass: 'wcpglobal-storage-profile',
  },
});

describe('sim.kube', () => {
  it('serves vm-operator kinds in every version from one stored hub object', async () => {
    sim = await createSimulator({ seed: 1, supervisor: SUPERVISOR });
    const created = await sim.kube.create(vm('vmoperator.vmware.com/v1alpha2', 'w0'));
    expect(created.apiVersion).toBe('vmoperator.vmware.com/v1alpha2');
    const ref = {
      apiVersion: 'vmoperator.vmware.com/v1alpha2',
      kind: 'VirtualMachine',
      namespace: 'default',
      name: 'w0',
    };
    expect((await sim.kube.get(ref)).spec).toEqual(created.spec);
    const hub = await sim.kube.get({ ...ref, apiVersion: 'vmoperator.vmware.com/v1alpha6' });
    expect(hub.apiVersion).toBe('vmoperator.vmware.com/v1alpha6');
    expect(hub.metadata.uid).toBe(created.metadata.uid);
    const v5 = await sim.kube.get({ ...ref, apiVersion: 'vmoperator.vmware.com/v1alpha5' });
    expect(v5.spec).toMatchObject({ className: 'best-effort-small', powerState: 'PoweredOn' });
  });

  it('refuses a stale update with 409 Conflict and lists by label', async () => {
    sim = await createSimulator({ seed: 1, supervisor: SUPERVISOR });
    const created = await sim.kube.create(vm('vmoperator.vmware.com/v1alpha5', 'w1'));
    const spec = created.spec as Record<string, unknown>;
    await sim.kube.update({ ...created, spec: { ...spec, powerState: 'PoweredOff' } });
    await expect(
      sim.kube.update({ ...created, spec: { ...spec, powerState: 'Suspended' } }),
    ).rejects.toMatchObject({
      code: 409,
      reason: 'Conflict',
    });
    const list = await sim.kube.list({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachine',
      labelSelector: 'role=worker',
    });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['w1']);
  });
});

describe('sim.kube admission of VirtualMachines', () => {
  const ref = (name: string, apiVersion = 'vmoperator.vmware.com/v1alpha5') => ({
    apiVersion,
    kind: 'VirtualMachine',
    namespace: 'default',
    name,
  });

  it('refuses a VM without className with 422 naming spec.className', async () => {
    sim = await createSimulator({ seed: 1, supervisor: SUPERVISOR });
    const { className: _, ...spec } = vm('vmoperator.vmware.com/v1alpha2', 'x').spec;
    const error = await sim.kube
      .create({ ...vm('vmoperator.vmware.com/v1alpha2', 'x'), spec })
      .catch((e: unknown) => e);
    // As the API server passes on vm-operator's denial: the field errors are the Status's reason.
    expect(error).toMatchObject({
      code: 422,
      reason: 'spec.className: Required value',
      message:
        'admission webhook "default.validating.virtualmachine.v1alpha6.vmoperator.vmware.com" denied the request: spec.className: Required value',
    });
    const list = await sim.kube.list({
      apiVersion: 'vmoperator.vmware.com/v1alpha2',
      kind: 'VirtualMachine',
    });
    expect(list.items).toEqual([]);
  });

  it('defaults a new VM as vm-operator does, reproducibly for a seed', async () => {
    const createOne = async (on: Simulator) => {
      const created = await on.kube.create({
        ...vm('vmoperator.vmware.com/v1alpha2', 'd0'),
        spec: {
          className: 'best-effort-small',
          imageName: IMAGE,
          bootstrap: { cloudInit: { rawCloudConfig: { name: 'd0-data', key: 'user-data' } } },
        },
      });
      return { created, v5: await on.kube.get(ref('d0')) };
    };
    sim = await createSimulator({ seed: 7, supervisor: SUPERVISOR });
    const { created, v5 } = await createOne(sim);
    const spec = v5.spec as Record<string, unknown> & {
      biosUUID: string;
      bootstrap: { cloudInit: { instanceID: string } };
    };
    expect(spec).toMatchObject({
      powerState: 'PoweredOn',
      powerOffMode: 'TrySoft',
      network: {
        interfaces: [
          {
            name: 'eth0',
            network: { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network', name: '' },
          },
        ],
      },
    });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(spec.biosUUID).toMatch(uuid);
    expect(spec.instanceUUID).toMatch(uuid);
    expect(spec.instanceUUID).not.toBe(spec.biosUUID);
    expect(spec.bootstrap.cloudInit.instanceID).toBe(spec.biosUUID);
    // v1alpha2 has no biosUUID: the caller's own version shows the rest of the defaults.
    expect(created.spec).toMatchObject({ powerState: 'PoweredOn', powerOffMode: 'TrySoft' });
    expect((created.spec as Record<string, unknown>).biosUUID).toBeUndefined();
    // imageName is resolved to the image's object.
    expect(spec.image).toEqual({
      kind: 'VirtualMachineImage',
      name: expect.stringMatching(/^vmi-[0-9a-f]{17}$/),
    });
    const twin = await createSimulator({ seed: 7, supervisor: SUPERVISOR });
    try {
      expect((await createOne(twin)).v5.spec).toEqual(v5.spec);
    } finally {
      await twin.close();
    }
  });

  it('keeps what the caller set and adds no cloud-init instanceID without cloud-init', async () => {
    sim = await createSimulator({ seed: 1, supervisor: SUPERVISOR });
    await sim.kube.create({
      ...vm('vmoperator.vmware.com/v1alpha5', 'k0'),
      spec: {
        className: 'best-effort-small',
        imageName: IMAGE,
        powerState: 'PoweredOff',
        powerOffMode: 'Hard',
        biosUUID: '11111111-2222-4333-8444-555555555555',
        network: { interfaces: [{ name: 'nic0', network: { kind: 'Network', name: 'primary' } }] },
      },
    });
    const spec = (await sim.kube.get(ref('k0'))).spec as Record<string, unknown>;
    expect(spec).toMatchObject({
      powerState: 'PoweredOff',
      powerOffMode: 'Hard',
      biosUUID: '11111111-2222-4333-8444-555555555555',
      network: { interfaces: [{ name: 'nic0', network: { kind: 'Network', name: 'primary' } }] },
    });
    expect(spec.bootstrap).toBeUndefined();
  });

  it('refuses an update or patch changing className, and accepts a power change', async () => {
    sim = await createSimulator({ seed: 1, supervisor: SUPERVISOR });
    const created = await sim.kube.create(vm('vmoperator.vmware.com/v1alpha2', 'u0'));
    const spec = created.spec as Record<string, unknown>;
    const fields = 'spec.className: Invalid value: "best-effort-large": field is immutable';
    const denied = {
      code: 422,
      reason: fields,
      message: `admission webhook "default.validating.virtualmachine.v1alpha6.vmoperator.vmware.com" denied the request: ${fields}`,
    };
    await expect(
      sim.kube.update({ ...created, spec: { ...spec, className: 'best-effort-large' } }),
    ).rejects.toMatchObject(denied);
    await expect(
      sim.kube.patch(
        ref('u0', 'vmoperator.vmware.com/v1alpha5'),
        { spec: { className: 'best-effort-large' } },
        { type: 'merge' },
      ),
    ).rejects.toMatchObject(denied);
    const updated = await sim.kube.update({ ...created, spec: { ...spec, powerState: 'PoweredOff' } });
    expect(updated.spec).toMatchObject({ className: 'best-effort-small', powerState: 'PoweredOff' });
    expect(updated.metadata.generation).toBe(2);
    // Status is the controllers' business: no admission.
    const status = await sim.kube.updateStatus({ ...updated, status: { powerState: 'PoweredOff' } });
    // v1alpha2 has no spec.image: it shows the resolved image in status.image.
    expect(status.status).toEqual({
      powerState: 'PoweredOff',
      image: {
        apiVersion: 'vmoperator.vmware.com/v1alpha6',
        kind: 'VirtualMachineImage',
        name: expect.stringMatching(/^vmi-/),
      },
    });
    // Through the direct client too, where a write that keeps the stored spec is not judged again.
    const stored = sim.kube.direct.get({ ...ref('u0'), apiVersion: 'vmoperator.vmware.com/v1alpha6' });
    if (!stored) throw new Error('u0 is not stored');
    const storedSpec = stored.spec as Record<string, unknown>;
    expect(() =>
      sim?.kube.direct.update({ ...stored, spec: { ...storedSpec, className: 'best-effort-large' } }),
    ).toThrow(denied.message);
    const relabelled = sim.kube.direct.update({
      ...stored,
      metadata: { ...stored.metadata, labels: { ...stored.metadata.labels, tier: 'web' } },
    });
    expect(relabelled.spec).toBe(stored.spec);
    expect(relabelled.metadata.labels).toMatchObject({ tier: 'web' });
  });
});

describe('sim.kube topology and net-operator kinds', () => {
  it('creates, lists and watches AvailabilityZones, Zones, Networks and NetworkInterfaces', async () => {
    sim = await createSimulator({ seed: 1 });
    const AZ = { apiVersion: 'topology.tanzu.vmware.com/v1alpha1', kind: 'AvailabilityZone' };
    const ZONE = { apiVersion: 'topology.tanzu.vmware.com/v1alpha1', kind: 'Zone' };
    const NET = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network' };
    const NIC = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'NetworkInterface' };
    const watches = [AZ, ZONE, NET, NIC].map((k) =>
      sim.kube.watch({ ...k, resourceVersion: sim.kube.resourceVersion }),
    );

    const az = await sim.kube.create({
      ...AZ,
      // A cluster-scoped kind drops the namespace.
      metadata: { name: 'domain-c8', namespace: 'default' },
      spec: {
        clusterComputeResourceMoIDs: ['domain-c8'],
        namespaces: { default: { poolMoIDs: ['resgroup-10'], folderMoId: 'group-v11' } },
      },
    });
    expect(az.metadata.namespace).toBeUndefined();
    await sim.kube.create({
      ...ZONE,
      metadata: { name: 'domain-c8', namespace: 'default' },
      spec: {
        managedVMs: { poolMoIDs: ['resgroup-10'], folderMoID: 'group-v11' },
        availabilityZoneReference: { apiVersion: 'topology.tanzu.vmware.com/v1alpha1', name: 'domain-c8' },
      },
    });
    await sim.kube.create({
      ...NET,
      metadata: { name: 'primary', namespace: 'default' },
      spec: {
        type: 'vsphere-distributed',
        providerRef: {
          apiGroup: 'netoperator.vmware.com',
          kind: 'VSphereDistributedNetwork',
          name: 'primary',
        },
      },
    });
    const nic = await sim.kube.create({
      ...NIC,
      metadata: { name: 'vm0-primary-eth0', namespace: 'default' },
      spec: { networkName: 'primary', type: 'vmxnet3' },
      status: { ignored: true },
    });
    expect(nic.status).toBeUndefined();
    const ready = await sim.kube.updateStatus({
      ...nic,
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        ipConfigs: [{ ip: '10.0.1.10', ipFamily: 'IPv4', gateway: '10.0.1.1', subnetMask: '255.255.255.0' }],
        macAddress: '00:50:56:00:00:01',
        networkID: 'dvportgroup-12',
      },
    });
    expect(ready.metadata.generation).toBe(1);

    const names = async (k: { apiVersion: string; kind: string }) =>
      (await sim.kube.list({ ...k, namespace: 'default' })).items.map((i) => i.metadata.name);
    expect(await names(AZ)).toEqual(['domain-c8']);
    expect(await names(ZONE)).toEqual(['domain-c8']);
    expect(await names(NET)).toEqual(['primary']);
    expect(await names(NIC)).toEqual(['vm0-primary-eth0']);

    const seen: string[] = [];
    for (const [i, w] of watches.entries()) {
      const count = i === 3 ? 2 : 1;
      for (let n = 0; n < count; n++) {
        const r = await w.next();
        if (!r.done)
          seen.push(
            `${r.value.type} ${r.value.object.kind} ${String((r.value.object.metadata as { name?: string }).name)}`,
          );
      }
      w.stop();
    }
    expect(seen).toEqual([
      'ADDED AvailabilityZone domain-c8',
      'ADDED Zone domain-c8',
      'ADDED Network primary',
      'ADDED NetworkInterface vm0-primary-eth0',
      'MODIFIED NetworkInterface vm0-primary-eth0',
    ]);
  });
});

describe('the Supervisor behind sim.kube', () => {
  it('starts with the first write: an interface created before anyone asked for it is reconciled', async () => {
    sim = await createSimulator({ seed: 1 });
    const NET = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network' };
    const NIC = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'NetworkInterface' };
    await sim.kube.create({ ...NET, metadata: { name: 'primary', namespace: 'default' }, spec: {} });
    await sim.kube.create({
      ...NIC,
      metadata: { name: 'nic0', namespace: 'default' },
      spec: { networkName: 'primary' },
    });
    await sim.settle();
    const nic = await sim.kube.get({ ...NIC, namespace: 'default', name: 'nic0' });
    expect(nic.status).toMatchObject({
      conditions: [{ type: 'Ready', status: 'True' }],
      ipConfigs: [{ ip: '10.0.1.10' }],
    });
  });
});

describe('Supervisor options', () => {
  it('start the Supervisor at once, so an unknown cluster fails createSimulator', async () => {
    await expect(createSimulator({ seed: 1, supervisor: { cluster: 'nope' } })).rejects.toThrow(
      'no cluster nope',
    );
    sim = await createSimulator({ seed: 1, supervisor: { cluster: 'DC0_C0' } });
    expect(sim.supervisor.cluster).toMatch(/^domain-c\d+$/);
  });

  it("give sim.kube's webhooks the Supervisor's capabilities", async () => {
    const service = {
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachineService',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'ClusterIP', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 443 }] },
    };
    sim = await createSimulator({ seed: 1, supervisor: { capabilities: { workloadIPv6: false } } });
    await expect(
      sim.kube.create({ ...service, spec: { ...service.spec, ipFamilyPolicy: 'SingleStack' } }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining('the WorkloadIPv6 feature is not enabled'),
    });
    await sim.close();
    sim = await createSimulator({ seed: 1 });
    const created = await sim.kube.create({
      ...service,
      spec: { ...service.spec, ipFamilyPolicy: 'SingleStack' },
    });
    expect(created.spec).toMatchObject({ ipFamilyPolicy: 'SingleStack' });
  });
});
