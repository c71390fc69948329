import { describe, expect, it } from 'vitest';
import type { DatastoreRecord, InventoryRecord, VmRecord } from '../inventory/records.js';
import { createFixture } from '../testing/fixture.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere, at } = fixture;
  const ds = at<DatastoreRecord>('/DC0/datastore/LocalDS_0');
  const lib = vsphere.library.create({ name: 'templates', datastore: ds.id, type: 'LOCAL' });
  const source = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
  const cluster = at<InventoryRecord & { resourcePool: string }>('/DC0/host/DC0_C0');
  const capture = (name = 'golden') =>
    fixture.run(vsphere.library.createTemplate({ sourceVm: source.id, libraryId: lib, name }));
  const events = (type: string) => vsphere.events.list().filter((e) => e._type === type);
  return { ...fixture, ds, lib, source, cluster, capture, events };
};

const vm = (f: ReturnType<typeof setup>, id: string) => f.vsphere.store.get(id) as VmRecord;

describe('VM template library items', () => {
  it('captures a VM as a template VM beside it, on the library datastore, backing a vm-template item', async () => {
    const f = setup();
    const itemId = await f.capture();
    const item = f.vsphere.library.getItem(itemId);
    expect(item).toMatchObject({ type: 'vm-template', name: 'golden', library: f.lib });
    const template = vm(f, item.template as string);
    expect(template).toMatchObject({ name: 'golden', parent: f.source.parent, homeDatastore: f.ds.id });
    expect(template.config.template).toBe(true);
    expect(template.pool).toBeUndefined();
    expect(template.config.uuid).not.toBe(f.source.config.uuid);
    expect(item.size).toBeGreaterThan(0);
    expect(f.events('VmClonedEvent').length).toBeGreaterThan(0);
  });

  it('reads the template: guest, CPU, memory, disks and NICs', async () => {
    const f = setup();
    const itemId = await f.capture();
    const info = f.vsphere.library.getTemplate(itemId);
    const template = vm(f, f.vsphere.library.getItem(itemId).template as string);
    expect(info).toMatchObject({
      guestId: f.source.config.guestId,
      numCPU: f.source.config.numCPU,
      memoryMB: f.source.config.memoryMB,
      datastore: f.ds.id,
      template: template.id,
    });
    expect(info?.disks.length).toBe(template.config.devices.filter((d) => d._type === 'VirtualDisk').length);
    expect(info?.disks[0]).toMatchObject({ datastore: f.ds.id });
    expect(info?.nics[0]).toMatchObject({ backingType: 'DISTRIBUTED_PORTGROUP', macType: 'ASSIGNED' });
    const other = f.vsphere.library.createItem(f.lib, { name: 'files', type: 'file' });
    expect(f.vsphere.library.getTemplate(other)).toBeUndefined();
  });

  it('deploys the template as a VM with its own name, placement, power and hardware', async () => {
    const f = setup();
    const itemId = await f.capture();
    const ref = await f.run(
      f.vsphere.library.deployTemplate(itemId, {
        name: 'from-template',
        placement: { cluster: f.cluster.id },
        powerOn: true,
        numCPU: 2,
        memoryMB: 64,
        description: 'deployed',
      }),
    );
    const deployed = vm(f, ref.value);
    expect(deployed).toMatchObject({
      name: 'from-template',
      pool: f.cluster.resourcePool,
      parent: f.at('/DC0/vm').id,
      powerState: 'poweredOn',
    });
    expect(deployed.config).toMatchObject({
      template: false,
      numCPU: 2,
      memoryMB: 64,
      annotation: 'deployed',
    });
    expect(f.events('VmDeployedEvent').at(-1)).toMatchObject({ srcTemplate: { name: 'golden' } });
  });

  it('refuses what vCenter refuses', async () => {
    const f = setup();
    const itemId = await f.capture();
    await expect(f.capture()).rejects.toMatchObject({ fault: { _type: 'AlreadyExists' } });
    expect(() =>
      f.vsphere.library.createTemplate({ sourceVm: 'vm-missing', libraryId: f.lib, name: 'x' }),
    ).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'ManagedObjectNotFound' }) }),
    );
    expect(() =>
      f.vsphere.library.createTemplate({ sourceVm: f.source.id, libraryId: 'nope', name: 'x' }),
    ).toThrow(expect.objectContaining({ fault: expect.objectContaining({ _type: 'NotFound' }) }));
    expect(() => f.vsphere.library.deployTemplate(itemId, { name: 'x', placement: {} })).toThrow(
      expect.objectContaining({ fault: expect.objectContaining({ _type: 'InvalidArgument' }) }),
    );
    const other = f.vsphere.library.createItem(f.lib, { name: 'files', type: 'file' });
    expect(() =>
      f.vsphere.library.deployTemplate(other, { name: 'x', placement: { cluster: f.cluster.id } }),
    ).toThrow(expect.objectContaining({ fault: expect.objectContaining({ _type: 'InvalidArgument' }) }));
  });

  it('removes the template VM with its item, and with its library', async () => {
    const f = setup();
    const first = f.vsphere.library.getItem(await f.capture('one')).template as string;
    f.vsphere.library.deleteItem(f.vsphere.library.findItems({ name: 'one' })[0] as string);
    expect(f.vsphere.store.get(first)).toBeUndefined();
    const second = f.vsphere.library.getItem(await f.capture('two')).template as string;
    f.vsphere.library.delete(f.lib);
    expect(f.vsphere.store.get(second)).toBeUndefined();
  });

  it("leaves a subscribed library's copy without the publisher's template VM", async () => {
    const f = setup();
    const { library } = f.vsphere;
    const published = library.create({ name: 'pub', datastore: f.ds.id, type: 'LOCAL', published: true });
    const template = library.getItem(
      await f.run(library.createTemplate({ sourceVm: f.source.id, libraryId: published, name: 'golden' })),
    ).template as string;
    const sub = library.createSubscribed({
      name: 'sub',
      datastore: f.ds.id,
      source: published,
      subscriptionUrl: 'x',
    });
    const [copy] = library.listItems(sub).map((id) => library.getItem(id));
    expect(copy?.type).toBe('vm-template');
    expect(copy?.template).toBeUndefined();
    library.delete(sub);
    expect(f.vsphere.store.get(template)).toBeDefined();
  });
});
