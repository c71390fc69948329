import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createNamespaceFixture } from '../testing/fixture.js';
import { contentLibraryNameOf } from './images/names.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';

/** Each Event of the namespace about `kind`/`name`, as `<type> <reason> x<count>: <message>`. */
const eventsAbout = async (
  f: Awaited<ReturnType<typeof createNamespaceFixture>>,
  kind: string,
  name: string,
) => {
  const list = await f.kube.list({
    apiVersion: 'v1',
    kind: 'Event',
    namespace: 'ns1',
    fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
  });
  return (list.items as unknown as { type: string; reason: string; count: number; message: string }[]).map(
    (e) => `${e.type} ${e.reason} x${e.count}: ${e.message}`,
  );
};

describe("vm-operator's Events, when the Supervisor records them", () => {
  it("a VirtualMachineService's Service made, changed and deleted", async () => {
    const f = await createNamespaceFixture({ events: true });
    const service = (ports: unknown[]) => ({
      apiVersion: HUB,
      kind: 'VirtualMachineService',
      metadata: { name: 'web', namespace: 'ns1' },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports },
    });
    const port = (n: number) => ({ name: `p${n}`, protocol: 'TCP', port: n, targetPort: n });
    await f.kube.create(service([port(80)]));
    await f.settle();
    await f.kube.patch(
      { apiVersion: HUB, kind: 'VirtualMachineService', namespace: 'ns1', name: 'web' },
      { spec: { ports: [port(80), port(443)] } },
      { type: 'merge' },
    );
    await f.settle();
    await f.kube.delete({ apiVersion: HUB, kind: 'VirtualMachineService', namespace: 'ns1', name: 'web' });
    await f.settle();
    expect(await eventsAbout(f, 'VirtualMachineService', 'web')).toEqual([
      'Normal CreateK8sServiceSuccess x1: CreateK8sService success',
      'Normal UpdateK8sServiceSuccess x1: UpdateK8sService success',
      'Normal DeleteK8sServiceSuccess x1: DeleteK8sService success',
    ]);
  });

  it("a VirtualMachineReplicaSet's VMs made, adopted and deleted, and the set deleted", async () => {
    const f = await createNamespaceFixture({ events: true });
    await f.createVm('orphan', {}, { app: 'web' });
    const ref = { apiVersion: HUB, kind: 'VirtualMachineReplicaSet', namespace: 'ns1', name: 'web' };
    await f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachineReplicaSet',
      metadata: { name: 'web', namespace: 'ns1' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            className: 'best-effort-small',
            image: { kind: 'VirtualMachineImage', name: f.image },
            storageClass: f.prepared.storageClass,
          },
        },
      },
    });
    await f.settle();
    const vms = (await f.kube.list({ apiVersion: HUB, kind: 'VirtualMachine', namespace: 'ns1' })).items;
    const made = vms.map((vm) => vm.metadata.name).find((name) => name !== 'orphan');
    await f.kube.patch(ref, { spec: { replicas: 1 } }, { type: 'merge' });
    await f.settle();
    await f.kube.delete(ref);
    await f.settle();
    expect(await eventsAbout(f, 'VirtualMachineReplicaSet', 'web')).toEqual([
      'Normal SuccessfulAdopt x1: Adopted VirtualMachine "orphan"',
      `Normal SuccessfulCreate x1: Created vm "${made}"`,
      `Normal SuccessfulDelete x1: Deleted VM "${[made, 'orphan'].sort()[0]}"`,
      'Normal DeleteSuccess x1: Delete success',
    ]);
  });

  it("a web console request's ticket, and a VM it cannot find", async () => {
    const f = await createNamespaceFixture({ events: true });
    await f.createVm('vm1');
    await f.settle();
    const der = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'pkcs1', format: 'der' })
      .toString('base64');
    const publicKey = `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END PUBLIC KEY-----\n`;
    for (const [name, vm] of [
      ['console', 'vm1'],
      ['astray', 'nowhere'],
    ] as const)
      await f.kube.create({
        apiVersion: HUB,
        kind: 'VirtualMachineWebConsoleRequest',
        metadata: { name, namespace: 'ns1' },
        spec: { name: vm, publicKey },
      });
    await f.settle();
    expect(await eventsAbout(f, 'VirtualMachineWebConsoleRequest', 'console')).toEqual([
      'Normal Acquired TicketSuccess x1: Acquired Ticket success',
    ]);
    expect((await eventsAbout(f, 'VirtualMachineWebConsoleRequest', 'astray'))[0]).toMatch(
      /^Warning VirtualMachine Not Found x\d+: $/,
    );
  });

  it("a publish request's capture, and each image's sync", async () => {
    const f = await createNamespaceFixture({ events: true });
    await f.createVm('vm1');
    await f.settle();
    await f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachinePublishRequest',
      metadata: { name: 'pub', namespace: 'ns1' },
      spec: {
        source: { name: 'vm1' },
        target: { location: { name: contentLibraryNameOf(f.prepared.libraries[0] as string) } },
      },
    });
    await f.settle();
    expect(await eventsAbout(f, 'VirtualMachinePublishRequest', 'pub')).toEqual([
      'Normal PublishSuccess x1: Publish success',
    ]);
    const image = await eventsAbout(f, 'VirtualMachineImage', f.image);
    // One sync, one Event: the passes that find the image synced record none.
    expect(image).toEqual(['Normal UpdateSuccess x1: Update success']);
  });

  it("each controller's Events go by its recorder's name in vm-operator's controller manager", async () => {
    const f = await createNamespaceFixture({ events: true });
    await f.createVm('vm1', {}, { app: 'web' });
    const library = contentLibraryNameOf(f.prepared.libraries[0] as string);
    const port = { name: 'p80', protocol: 'TCP', port: 80, targetPort: 80 };
    const { storageClass } = f.prepared;
    const image = { kind: 'VirtualMachineImage', name: f.image };
    const set = { app: 'set' };
    const template = {
      metadata: { labels: set },
      spec: { className: 'best-effort-small', image, storageClass },
    };
    // One object for each controller that records Events, the publish request's image for the items'.
    const objects: [kind: string, spec: Record<string, unknown>][] = [
      ['VirtualMachineService', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [port] }],
      ['VirtualMachineReplicaSet', { replicas: 0, selector: { matchLabels: set }, template }],
      ['VirtualMachinePublishRequest', { source: { name: 'vm1' }, target: { location: { name: library } } }],
    ];
    for (const [kind, spec] of objects)
      await f.kube.create({ apiVersion: HUB, kind, metadata: { name: 'web', namespace: 'ns1' }, spec });
    await f.settle();
    await f.kube.delete({ apiVersion: HUB, kind: 'VirtualMachineReplicaSet', namespace: 'ns1', name: 'web' });
    await f.settle();
    const events = (await f.kube.list({ apiVersion: 'v1', kind: 'Event', namespace: 'ns1' }))
      .items as unknown as {
      involvedObject: { kind: string };
      source: { component: string };
    }[];
    const recorders = new Set(events.map((e) => `${e.involvedObject.kind} ${e.source.component}`));
    const manager = 'vmware-system-vmop/vmware-system-vmop-controller-manager';
    expect([...recorders].sort()).toEqual([
      `VirtualMachine ${manager}/virtualmachine-controller`,
      `VirtualMachineImage ${manager}/contentlibraryitem-controller`,
      `VirtualMachinePublishRequest ${manager}/virtualmachinepublishrequest-controller`,
      `VirtualMachineReplicaSet ${manager}/virtualmachinereplicaset-controller`,
      `VirtualMachineService ${manager}/virtualmachineservice-controller`,
    ]);
  });

  it("a create that fails on a missing class, with its condition's message", async () => {
    const f = await createNamespaceFixture({ events: true });
    await f.createVm('vm1', { className: 'nope' });
    await f.settle();
    expect(await eventsAbout(f, 'VirtualMachine', 'vm1')).toEqual([
      'Warning CreateFailure x1: virtualmachineclasses.vmoperator.vmware.com "nope" not found',
    ]);
    // Several missing: every check's error, aggregated as Go prints them (an image's as its lookup fails).
    await f.createVm('vm2', { className: 'nope', image: { kind: 'VirtualMachineImage', name: 'vmi-nope' } });
    await f.settle();
    const missingImage = 'virtualmachineimages.vmoperator.vmware.com "vmi-nope" not found';
    expect(await eventsAbout(f, 'VirtualMachine', 'vm2')).toEqual([
      `Warning CreateFailure x1: [virtualmachineclasses.vmoperator.vmware.com "nope" not found, ${missingImage}: ${missingImage}]`,
    ]);
  });

  it("a VirtualMachine's readiness as its probe comes and changes", async () => {
    const f = await createNamespaceFixture({ events: true });
    await f.createVm('vm1', { readinessProbe: { guestInfo: [{ key: 'ready', value: 'yes' }] } });
    await f.settle();
    const vm = await f.kube.get(f.vmRef('vm1'));
    const record = f.vsphere.store.get((vm.status as { uniqueID: string }).uniqueID) as { id: string };
    // The guest says it is ready.
    f.vsphere.vm.reconfigure(record.id, { extraConfig: [{ key: 'guestinfo.ready', value: 'yes' }] });
    await f.settle();
    const readiness = (await eventsAbout(f, 'VirtualMachine', 'vm1')).filter((e) => !/Success/.test(e));
    expect(readiness).toEqual([expect.stringMatching(/^Normal NotReady x1: /), 'Normal Ready x1: ']);
  });
});
