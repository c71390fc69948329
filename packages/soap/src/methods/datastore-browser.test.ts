/** HostDatastoreBrowser over the wire: the browser references and the searches' results. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const VM = 'DC0_H0_VM0';

describe('HostDatastoreBrowser over the wire', () => {
  const browserOf = async (client: ReturnType<typeof soapClient>) => {
    const ds = ref('Datastore', [...client.vsphere.store.ofKind('Datastore')][0]?.id as string);
    const body = await client.retrieve(ds, 'browser');
    const value = /<val xsi:type="ManagedObjectReference" type="HostDatastoreBrowser">([^<]+)</.exec(
      body,
    )?.[1];
    if (!value) throw new Error(`no browser in ${body}`);
    return ref('HostDatastoreBrowser', value);
  };

  it('answers SearchDatastore_Task with typed FileInfo in HostDatastoreBrowserSearchResults', async () => {
    const client = soapClient();
    const browser = await browserOf(client);
    expect(await client.retrieve(browser, 'supportedType')).toContain(
      '<FileQuery xsi:type="VmDiskFileQuery"></FileQuery>',
    );
    const { id, fault } = await client.task(
      'SearchDatastore_Task',
      browser,
      `<datastorePath>[LocalDS_0] ${VM}</datastorePath><searchSpec><details><fileType>true</fileType><fileSize>true</fileSize>` +
        '<modification>false</modification><fileOwner>false</fileOwner></details><matchPattern>*.vmx</matchPattern></searchSpec>',
    );
    expect(fault).toBeUndefined();
    const info = await client.retrieve(ref('Task', id), 'info.result');
    expect(info).toContain('<val xsi:type="HostDatastoreBrowserSearchResults">');
    expect(info).toContain(`<folderPath>[LocalDS_0] ${VM}/</folderPath>`);
    expect(info).toContain(
      `<file xsi:type="VmConfigFileInfo"><path>${VM}.vmx</path><fileSize>2048</fileSize></file>`,
    );
  });

  it('answers SearchDatastoreSubFolders_Task with one result per folder', async () => {
    const client = soapClient();
    const browser = await browserOf(client);
    const { id } = await client.task(
      'SearchDatastoreSubFolders_Task',
      browser,
      '<datastorePath>[LocalDS_0]</datastorePath><searchSpec><query xsi:type="VmDiskFileQuery"/></searchSpec>',
    );
    const info = await client.retrieve(ref('Task', id), 'info.result');
    expect(info).toContain('<val xsi:type="ArrayOfHostDatastoreBrowserSearchResults">');
    expect(info.match(/<HostDatastoreBrowserSearchResults>/g)).toHaveLength(5);
    expect(info).toContain(`<file xsi:type="VmDiskFileInfo"><path>${VM}.vmdk</path></file>`);
  });

  it('ends the task in FileNotFound for a folder that is not there', async () => {
    const client = soapClient();
    const { fault } = await client.task(
      'SearchDatastore_Task',
      await browserOf(client),
      '<datastorePath>[LocalDS_0] missing</datastorePath>',
    );
    expect(fault).toBe('FileNotFound');
  });
});
