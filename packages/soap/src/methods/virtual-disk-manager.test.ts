/** VirtualDiskManager over the wire: its methods, their tasks' results, and their faults as vCenter sends them. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const MANAGER = ref('VirtualDiskManager', 'virtualDiskManager');

describe('VirtualDiskManager over the wire', () => {
  const setup = () => {
    const client = soapClient();
    const dc = [...client.vsphere.store.ofKind('Datacenter')][0]?.id;
    const datacenter = (field = 'datacenter') => `<${field} type="Datacenter">${dc}</${field}>`;
    const create = (name: string, capacityKb = 1024) =>
      client.task(
        'CreateVirtualDisk_Task',
        MANAGER,
        `<name>${name}</name>${datacenter()}<spec xsi:type="FileBackedVirtualDiskSpec">` +
          `<diskType>thin</diskType><adapterType>lsiLogic</adapterType><capacityKb>${capacityKb}</capacityKb></spec>`,
      );
    const onDisk = (method: string, name: string, extra = '') =>
      client.task(method, MANAGER, `<name>${name}</name>${datacenter()}${extra}`);
    const transfer = (method: string, from: string, to: string, extra = '') =>
      client.task(
        method,
        MANAGER,
        `<sourceName>${from}</sourceName>${datacenter('sourceDatacenter')}<destName>${to}</destName>${extra}`,
      );
    return { ...client, datacenter, create, onDisk, transfer };
  };

  it('is in ServiceContent; creates a disk whose task answers its path', async () => {
    const { call, create, vsphere } = setup();
    const content = await call('RetrieveServiceContent', ref('ServiceInstance', 'ServiceInstance'));
    expect(content.body).toContain(
      '<virtualDiskManager type="VirtualDiskManager">virtualDiskManager</virtualDiskManager>',
    );
    const made = await create('[LocalDS_0] a.vmdk', 2048);
    expect(made).toMatchObject({ fault: undefined, result: '[LocalDS_0] a.vmdk' });
    expect(vsphere.store.get(made.id)).toMatchObject({
      name: 'CreateVirtualDisk_Task',
      entityType: 'Datastore',
    });
    const info = await call(
      'RetrievePropertiesEx',
      ref('PropertyCollector', 'propertyCollector'),
      `<specSet><propSet><type>Task</type><pathSet>info.result</pathSet></propSet>` +
        `<objectSet><obj type="Task">${made.id}</obj></objectSet></specSet><options/>`,
    );
    expect(info.body).toContain('<val xsi:type="xsd:string">[LocalDS_0] a.vmdk</val>');
    expect((await create('[LocalDS_0] a.vmdk')).fault).toBe('FileAlreadyExists');
  });

  it('queries and sets UUIDs, copies, moves, extends and deletes, with the faults', async () => {
    const { call, faultOf, datacenter, create, onDisk, transfer } = setup();
    await create('[LocalDS_0] a.vmdk');
    const query = (name: string) =>
      call('QueryVirtualDiskUuid', MANAGER, `<name>${name}</name>${datacenter()}`);
    expect((await query('[LocalDS_0] a.vmdk')).body).toMatch(
      /<returnval>[0-9a-f]{2}( [0-9a-f]{2}){7}-[0-9a-f]{2}( [0-9a-f]{2}){7}<\/returnval>/,
    );
    const uuid = '60 00 c2 9a 01 02 03 04-05 06 07 08 09 0a 0b 0c';
    const set = await call(
      'SetVirtualDiskUuid',
      MANAGER,
      `<name>[LocalDS_0] a.vmdk</name>${datacenter()}<uuid>${uuid}</uuid>`,
    );
    expect(set.status).toBe(200);
    expect((await query('[LocalDS_0] a.vmdk')).body).toContain(`<returnval>${uuid}</returnval>`);
    expect(faultOf((await query('[LocalDS_0] none.vmdk')).body)).toBe('FileNotFound');
    expect(await transfer('CopyVirtualDisk_Task', '[LocalDS_0] a.vmdk', '[LocalDS_0] b.vmdk')).toMatchObject({
      fault: undefined,
      result: '[LocalDS_0] b.vmdk',
    });
    const copyAgain = '<force>true</force>';
    expect(
      (await transfer('CopyVirtualDisk_Task', '[LocalDS_0] a.vmdk', '[LocalDS_0] b.vmdk', copyAgain)).fault,
    ).toBe('FileAlreadyExists');
    expect((await transfer('MoveVirtualDisk_Task', '[LocalDS_0] a.vmdk', '[LocalDS_0] b.vmdk')).fault).toBe(
      'FileAlreadyExists',
    );
    expect(
      (
        await transfer(
          'MoveVirtualDisk_Task',
          '[LocalDS_0] a.vmdk',
          '[LocalDS_0] b.vmdk',
          '<force>true</force>',
        )
      ).fault,
    ).toBeUndefined();
    expect((await query('[LocalDS_0] b.vmdk')).body).toContain(`<returnval>${uuid}</returnval>`);
    const vmDisk = '[LocalDS_0] DC0_H0_VM0/DC0_H0_VM0.vmdk';
    expect((await transfer('MoveVirtualDisk_Task', vmDisk, '[LocalDS_0] c.vmdk')).fault).toBe('FileLocked');
    expect(
      (await onDisk('ExtendVirtualDisk_Task', '[LocalDS_0] b.vmdk', '<newCapacityKb>4096</newCapacityKb>'))
        .fault,
    ).toBeUndefined();
    expect(
      (await onDisk('ExtendVirtualDisk_Task', '[LocalDS_0] b.vmdk', '<newCapacityKb>10</newCapacityKb>'))
        .fault,
    ).toBe('InvalidArgument');
    expect((await onDisk('InflateVirtualDisk_Task', '[LocalDS_0] b.vmdk')).fault).toBeUndefined();
    expect((await onDisk('DeleteVirtualDisk_Task', vmDisk)).fault).toBe('FileLocked');
    expect((await onDisk('DeleteVirtualDisk_Task', '[LocalDS_0] b.vmdk')).fault).toBeUndefined();
    expect((await onDisk('DeleteVirtualDisk_Task', '[LocalDS_0] b.vmdk')).fault).toBe('FileNotFound');
    const noDc = await call('QueryVirtualDiskUuid', MANAGER, '<name>[LocalDS_0] a.vmdk</name>');
    expect(faultOf(noDc.body)).toBe('InvalidArgument');
  });

  it('answers geometry and fragmentation, defragments and shrinks, with the faults', async () => {
    const { call, faultOf, datacenter, create, onDisk } = setup();
    await create('[LocalDS_0] g.vmdk', 10 * 1024 * 1024);
    const geometry = await call(
      'QueryVirtualDiskGeometry',
      MANAGER,
      `<name>[LocalDS_0] g.vmdk</name>${datacenter()}`,
    );
    expect(geometry.body).toContain(
      '<returnval><cylinder>1305</cylinder><head>255</head><sector>63</sector></returnval>',
    );
    const fragmentation = (name: string) =>
      call('QueryVirtualDiskFragmentation', MANAGER, `<name>${name}</name>${datacenter()}`);
    expect((await fragmentation('[LocalDS_0] g.vmdk')).body).toContain('<returnval>0</returnval>');
    expect(faultOf((await fragmentation('[LocalDS_0] none.vmdk')).body)).toBe('FileNotFound');
    expect(faultOf((await fragmentation('[nowhere] g.vmdk')).body)).toBe('InvalidDatastore');
    expect((await onDisk('DefragmentVirtualDisk_Task', '[LocalDS_0] g.vmdk')).fault).toBeUndefined();
    expect(
      (await onDisk('ShrinkVirtualDisk_Task', '[LocalDS_0] g.vmdk', '<copy>false</copy>')).fault,
    ).toBeUndefined();
    const vmDisk = '[LocalDS_0] DC0_H0_VM0/DC0_H0_VM0.vmdk';
    expect((await onDisk('ShrinkVirtualDisk_Task', vmDisk)).fault).toBe('FileLocked');
    expect((await onDisk('DefragmentVirtualDisk_Task', '[LocalDS_0] none.vmdk')).fault).toBe('FileNotFound');
  });
});
