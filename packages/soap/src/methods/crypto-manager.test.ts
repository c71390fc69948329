/** CryptoManagerKmip's methods and VM encryption over the wire. */
import { describe, expect, it } from 'vitest';
import { ref, soapClient } from './test-client.js';

const MANAGER = ref('CryptoManagerKmip', 'CryptoManager');
const VM = ref('VirtualMachine', 'vm-20');
const SERVER =
  '<server><clusterId><id>kms</id></clusterId><info><name>kms-1</name><address>kms.example.com</address><port>5696</port></info></server>';

describe('CryptoManagerKmip methods', () => {
  it('registers a provider, lists it, reports its status and generates a key', async () => {
    const client = soapClient();
    expect((await client.call('RegisterKmipServer', MANAGER, SERVER)).status).toBe(200);
    expect(await client.retrieve(MANAGER, 'enabled')).toContain('<val xsi:type="xsd:boolean">true</val>');
    const listed = await client.call('ListKmipServers', MANAGER);
    expect(listed.body).toContain(
      '<returnval><clusterId><id>kms</id></clusterId><servers><name>kms-1</name><address>kms.example.com</address><port>5696</port></servers><useAsDefault>true</useAsDefault><managementType>vCenter</managementType></returnval>',
    );
    const status = await client.task('RetrieveKmipServersStatus_Task', MANAGER);
    expect(status.result).toEqual([expect.objectContaining({ overallStatus: 'green' })]);
    const key = await client.call('GenerateKey', MANAGER);
    expect(key.body).toMatch(
      /<returnval><keyId><keyId>[0-9a-f-]{36}<\/keyId><providerId><id>kms<\/id><\/providerId><\/keyId><success>true<\/success><\/returnval>/,
    );
    const again = await client.call('RegisterKmipServer', MANAGER, SERVER);
    expect(client.faultOf(again.body)).toBe('AlreadyExists');
    const none = await client.call(
      'GetDefaultKmsCluster',
      MANAGER,
      '<entity type="Folder">group-d1</entity>',
    );
    expect(none.body).toContain(
      '<GetDefaultKmsClusterResponse xmlns="urn:vim25"></GetDefaultKmsClusterResponse>',
    );
    const global = await client.call('GetDefaultKmsCluster', MANAGER);
    expect(global.body).toContain('<returnval><id>kms</id></returnval>');
    const onVm = await client.call(
      'SetDefaultKmsCluster',
      MANAGER,
      `<entity type="VirtualMachine">${VM.value}</entity><clusterId><id>kms</id></clusterId>`,
    );
    expect(client.faultOf(onVm.body)).toBe('InvalidArgument');
  });

  it('encrypts a VM; config.keyId and ESX’s refusals with their message keys go over the wire', async () => {
    const client = soapClient();
    await client.call('RegisterKmipServer', MANAGER, SERVER);
    const encrypt =
      '<spec><crypto xsi:type="CryptoSpecEncrypt"><cryptoKeyId><keyId></keyId></cryptoKeyId></crypto></spec>';
    expect((await client.task('ReconfigVM_Task', VM, encrypt)).fault).toBe('InvalidPowerState');
    await client.task('PowerOffVM_Task', VM);
    expect((await client.task('ReconfigVM_Task', VM, encrypt)).fault).toBeUndefined();
    expect(await client.retrieve(VM, 'config.keyId')).toMatch(
      /<val xsi:type="CryptoKeyId"><keyId>[0-9a-f-]{36}<\/keyId><providerId><id>kms<\/id><\/providerId><\/val>/,
    );
    const fault = await client.task('ReconfigVM_Task', VM, encrypt);
    expect(fault.fault).toBe('InvalidVmConfig');
    const info = await client.retrieve(ref('Task', fault.id), 'info.error');
    expect(info).toContain('<key>msg.hostd.configSpec.enc.encrypted</key>');
  });
});
