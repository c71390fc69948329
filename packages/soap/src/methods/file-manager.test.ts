/** FileManager over the wire: its four methods, their tasks, and their faults as vCenter sends them. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const FILE_MANAGER = ref('FileManager', 'FileManager');

describe('FileManager over the wire', () => {
  const setup = () => {
    const client = soapClient();
    const dc = [...client.vsphere.store.ofKind('Datacenter')][0]?.id;
    const mkdir = (name: string, extra = '') =>
      client.call(
        'MakeDirectory',
        FILE_MANAGER,
        `<name>${name}</name><datacenter type="Datacenter">${dc}</datacenter>${extra}`,
      );
    const transfer = (method: string, from: string, to: string, force = false) =>
      client.task(
        method,
        FILE_MANAGER,
        `<sourceName>${from}</sourceName><sourceDatacenter type="Datacenter">${dc}</sourceDatacenter>` +
          `<destinationName>${to}</destinationName><destinationDatacenter type="Datacenter">${dc}</destinationDatacenter>` +
          `<force>${force}</force>`,
      );
    return { ...client, dc, mkdir, transfer };
  };

  it('is in ServiceContent and answers MakeDirectory, with its faults', async () => {
    const { call, faultOf, mkdir, vsphere } = setup();
    const content = await call('RetrieveServiceContent', ref('ServiceInstance', 'ServiceInstance'));
    expect(content.body).toContain('<fileManager type="FileManager">FileManager</fileManager>');
    expect(await mkdir('[LocalDS_0] isos')).toMatchObject({ status: 200 });
    expect(
      vsphere.files.download([...vsphere.store.ofKind('Datastore')][0]?.id as string, 'isos'),
    ).toMatchObject({
      folder: true,
    });
    const again = await mkdir('[LocalDS_0] isos');
    expect(again.status).toBe(500);
    expect(faultOf(again.body)).toBe('FileAlreadyExists');
    expect(again.body).toContain('<file>[LocalDS_0] isos</file>');
    expect(faultOf((await mkdir('[LocalDS_0] a/b')).body)).toBe('FileNotFound');
    expect(
      (await mkdir('[LocalDS_0] a/b', '<createParentDirectories>true</createParentDirectories>')).status,
    ).toBe(200);
    expect(faultOf((await mkdir('[nowhere] x')).body)).toBe('InvalidDatastore');
    const badPath = await mkdir('nowhere');
    expect(faultOf(badPath.body)).toBe('InvalidDatastorePath');
    // Its datastore, a reference, is left out: the path names none.
    expect(badPath.body).toContain('<datastorePath>nowhere</datastorePath>');
    expect(badPath.body).not.toMatch(/<datastore[ >]/);
    const noDc = await call('MakeDirectory', FILE_MANAGER, '<name>[LocalDS_0] x</name>');
    expect(faultOf(noDc.body)).toBe('InvalidArgument');
    expect(noDc.body).toContain('<invalidProperty>datacenter</invalidProperty>');
  });

  it('deletes, moves and copies in tasks that end with the faults', async () => {
    const { task, mkdir, transfer, dc, vsphere } = setup();
    await mkdir('[LocalDS_0] a');
    expect(
      (await transfer('CopyDatastoreFile_Task', '[LocalDS_0] a', '[LocalDS_0] b')).fault,
    ).toBeUndefined();
    expect((await transfer('MoveDatastoreFile_Task', '[LocalDS_0] a', '[LocalDS_0] b')).fault).toBe(
      'FileAlreadyExists',
    );
    expect(
      (await transfer('MoveDatastoreFile_Task', '[LocalDS_0] a', '[LocalDS_0] b', true)).fault,
    ).toBeUndefined();
    expect((await transfer('MoveDatastoreFile_Task', '[LocalDS_0] DC0_H0_VM0', '[LocalDS_0] c')).fault).toBe(
      'FileLocked',
    );
    const remove = (name: string) =>
      task(
        'DeleteDatastoreFile_Task',
        FILE_MANAGER,
        `<name>${name}</name><datacenter type="Datacenter">${dc}</datacenter>`,
      );
    expect((await remove('[LocalDS_0] DC0_H0_VM0')).fault).toBe('CannotDeleteFile');
    const done = await remove('[LocalDS_0] b');
    expect(done.fault).toBeUndefined();
    expect((await remove('[LocalDS_0] b')).fault).toBe('FileNotFound');
    expect(vsphere.store.get(done.id)).toMatchObject({
      name: 'DeleteDatastoreFile_Task',
      entityType: 'Datastore',
    });
  });
});
