/**
 * vm-operator's vApp bootstrap end to end: an appliance image whose OVF has user-configurable
 * properties, a VirtualMachine that sets them (values and a Secret's keys), and the vSphere VM's
 * vApp properties as a vSphere client reads them, before its first boot and after a Secret changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, SAMPLE_OVF_IMAGES, type Simulator } from 'vsim';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const NS = 'ns1';
const V5 = 'vmoperator.vmware.com/v1alpha5';
const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
const APPLIANCE = 'appliance';

type Property = { id: string; value?: string };
type Status = {
  powerState?: string;
  uniqueID?: string;
  conditions?: { type: string; status: string; reason: string }[];
};

/** A Supervisor whose library also has an appliance with vApp properties, made an image. */
async function withAppliance(): Promise<Simulator> {
  const sim = await createSimulator({ seed: 1, supervisor: { namespaces: [NS] } });
  sims.push(sim);
  const [library] = sim.vsphere.library.find({ name: 'vsim' });
  sim.vsphere.library.createItem(library as string, {
    ...ubuntu,
    name: APPLIANCE,
    ovf: {
      ...ubuntu.ovf,
      properties: [
        { key: 'hostname', type: 'string', userConfigurable: true },
        { key: 'admin-password', type: 'password', userConfigurable: true },
        { key: 'ssh-enabled', type: 'boolean', value: 'False', userConfigurable: true },
        { key: 'vendor-build', type: 'string', value: '42' },
      ],
    },
  });
  await sim.settle();
  return sim;
}

const appliance = (name: string, vAppConfig: Record<string, unknown>) => ({
  apiVersion: V5,
  kind: 'VirtualMachine',
  metadata: { name, namespace: NS },
  spec: {
    className: 'best-effort-small',
    imageName: APPLIANCE,
    storageClass: 'wcpglobal-storage-profile',
    bootstrap: { vAppConfig },
  },
});

const secret = (name: string, stringData: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: NS },
  stringData,
});

const vmRef = (name: string) => ({ apiVersion: V5, kind: 'VirtualMachine', namespace: NS, name });

/** The types of the events vSphere posted for a VM, in order. */
function eventsOf(sim: Simulator, id: string): string[] {
  const events = sim.vsphere.events.list() as { _type: string; vm?: { vm?: { value: string } } }[];
  return events.filter((e) => e.vm?.vm?.value === id).map((e) => e._type);
}

/** Whether vSphere reconfigured the VM before it first powered it on. */
function reconfiguredBeforeBoot(sim: Simulator, id: string): boolean {
  const events = eventsOf(sim, id);
  const reconfigured = events.indexOf('VmReconfiguredEvent');
  return reconfigured >= 0 && reconfigured < events.indexOf('VmPoweredOnEvent');
}

/** The vApp properties of the VM's vSphere VM, by id, as a vSphere client reads them. */
async function vAppOf(sim: Simulator, name: string): Promise<Record<string, string | undefined>> {
  const id = ((await sim.kube.get(vmRef(name))).status as Status).uniqueID as string;
  const properties = sim.vsphere.read<{ property?: Property[] }>(id, 'config.vAppConfig').property ?? [];
  return Object.fromEntries(properties.map((p) => [p.id, p.value]));
}

describe("vm-operator's vApp bootstrap", () => {
  it('sets the properties before the first boot, from values and a Secret, and again when the Secret changes', async () => {
    const sim = await withAppliance();
    await sim.kube.create(secret('creds', { password: 'first' }));
    await sim.kube.create(
      appliance('app1', {
        properties: [
          { key: 'hostname', value: { value: 'app1.example' } },
          { key: 'admin-password', value: { from: { name: 'creds', key: 'password' } } },
          { key: 'ssh-enabled', value: { value: 'true' } },
          { key: 'vendor-build', value: { value: 'not user-configurable' } },
        ],
      }),
    );
    await sim.settle();
    const status = (await sim.kube.get(vmRef('app1'))).status as Status;
    expect(status.powerState).toBe('PoweredOn');
    expect(status.conditions).toContainEqual(
      expect.objectContaining({ type: 'VirtualMachineBootstrapReady', status: 'True' }),
    );
    expect(reconfiguredBeforeBoot(sim, status.uniqueID as string)).toBe(true);
    expect(await vAppOf(sim, 'app1')).toEqual({
      hostname: 'app1.example',
      'admin-password': 'first',
      'ssh-enabled': 'True',
      'vendor-build': '',
    });
    // The guest reads them through GuestInfo.
    const transport = sim.vsphere.read<{ ovfEnvironmentTransport?: string[] }>(
      status.uniqueID as string,
      'config.vAppConfig',
    ).ovfEnvironmentTransport;
    expect(transport).toEqual(['com.vmware.guestInfo']);

    await sim.kube.patch(
      { apiVersion: 'v1', kind: 'Secret', namespace: NS, name: 'creds' },
      { stringData: { password: 'second' } },
      { type: 'merge' },
    );
    await sim.settle();
    expect((await vAppOf(sim, 'app1'))['admin-password']).toBe('second');
  });

  it('goes beside LinuxPrep: the properties set and the guest customized before the first boot', async () => {
    const sim = await withAppliance();
    const vm = appliance('app5', { properties: [{ key: 'hostname', value: { value: 'app5.example' } }] });
    await sim.kube.create({
      ...vm,
      spec: { ...vm.spec, bootstrap: { ...vm.spec.bootstrap, linuxPrep: { hardwareClockIsUTC: true } } },
    });
    await sim.settle();
    const object = await sim.kube.get(vmRef('app5'));
    expect((object.status as Status).powerState).toBe('PoweredOn');
    expect(object.metadata.annotations?.['vmoperator.vmware.com/bootstrap-hash-customspec']).toBeDefined();
    expect(reconfiguredBeforeBoot(sim, (object.status as Status).uniqueID as string)).toBe(true);
    expect((await vAppOf(sim, 'app5')).hostname).toBe('app5.example');
    // Beside LinuxPrep the properties go with the customization, at a power-on from off alone.
    await sim.kube.patch(
      vmRef('app5'),
      {
        spec: {
          bootstrap: { vAppConfig: { properties: [{ key: 'hostname', value: { value: 'renamed' } }] } },
        },
      },
      { type: 'merge' },
    );
    await sim.settle();
    expect((await vAppOf(sim, 'app5')).hostname).toBe('app5.example');
  });

  it('takes every key of a rawProperties Secret, and waits for it with BootstrapReady False', async () => {
    const sim = await withAppliance();
    await sim.kube.create(appliance('app2', { rawProperties: 'app2-props' }));
    await sim.settle();
    expect(((await sim.kube.get(vmRef('app2'))).status as Status).conditions).toContainEqual(
      expect.objectContaining({ type: 'VirtualMachineBootstrapReady', status: 'False', reason: 'NotFound' }),
    );
    // A value is rendered as vm-operator's templates, over the VM's network.
    await sim.kube.create(
      secret('app2-props', {
        hostname: 'node-{{ V1alpha2_FormatIP V1alpha2_FirstIP "" }}',
        unknown: 'ignored',
      }),
    );
    await sim.settle();
    const ip = ((await sim.kube.get(vmRef('app2'))).status as { network?: { primaryIP4?: string } }).network
      ?.primaryIP4;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await vAppOf(sim, 'app2')).hostname).toBe(`node-${ip}`);
  });

  it('names a key missing from a property’s Secret', async () => {
    const sim = await withAppliance();
    await sim.kube.create(secret('creds', { other: 'x' }));
    await sim.kube.create(
      appliance('app3', {
        properties: [{ key: 'admin-password', value: { from: { name: 'creds', key: 'password' } } }],
      }),
    );
    await sim.settle();
    // vm-operator's getSecretData marks it RequiredKeyNotFound, and its caller marks the error again.
    expect(((await sim.kube.get(vmRef('app3'))).status as Status).conditions).toContainEqual(
      expect.objectContaining({
        type: 'VirtualMachineBootstrapReady',
        status: 'False',
        reason: 'GetError',
        message: 'required key "password" not found in Secret creds',
      }),
    );
  });

  it("fails the update of a value its property's type refuses, and the VM stays off until it is fixed", async () => {
    const sim = await withAppliance();
    const [library] = sim.vsphere.library.find({ name: 'vsim' });
    sim.vsphere.library.createItem(library as string, {
      ...ubuntu,
      name: 'counted',
      ovf: { ...ubuntu.ovf, properties: [{ key: 'replicas', type: 'int(1..9)', userConfigurable: true }] },
    });
    await sim.settle();
    const vm = appliance('app4', { properties: [{ key: 'replicas', value: { value: '12' } }] });
    await sim.kube.create({ ...vm, spec: { ...vm.spec, imageName: 'counted' } });
    await sim.settle();
    expect(String(sim.supervisor.virtualMachines.controller.errors.get(`${NS}/app4`))).toContain(
      'failed to parse prop="replicas", type=int(1..9) due to size: val=12, min=1, max=9',
    );
    expect(((await sim.kube.get(vmRef('app4'))).status as Status).powerState).toBe('PoweredOff');
    await sim.kube.patch(
      vmRef('app4'),
      { spec: { bootstrap: { vAppConfig: { properties: [{ key: 'replicas', value: { value: '3' } }] } } } },
      { type: 'merge' },
    );
    await sim.settle();
    expect(((await sim.kube.get(vmRef('app4'))).status as Status).powerState).toBe('PoweredOn');
    expect((await vAppOf(sim, 'app4')).replicas).toBe('3');
  });
});
