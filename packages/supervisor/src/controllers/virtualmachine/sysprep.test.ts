import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hubVm } from '../../testing/virtual-machine.js';
import { customizingProviderOf } from './customization.js';
import type { NicAddressing } from './network.js';
import { sysprepCustomization } from './sysprep.js';

const vm = hubVm;
const dhcp: NicAddressing = {
  spec: { name: 'eth0' },
  macAddress: '00:50:56:00:00:01',
  status: { ipAssignmentMode: 'dhcp' },
};
const noDns = () => ({ nameservers: [], searchDomains: [] });
const userData = { fullName: 'Jane Doe', orgName: 'Example' };

describe('Sysprep', () => {
  it('asks for the computer name, the unattended settings and the identification, with the Secrets’ values', () => {
    const sysprep = {
      guiUnattended: { autoLogon: true, autoLogonCount: 2, timeZone: 4, password: { name: 's', key: 'pw' } },
      userData: { ...userData, productID: { name: 's', key: 'key' } },
      guiRunOnce: { commands: ['echo hi'] },
      identification: {
        domainAdmin: 'admin',
        domainOU: 'OU=VMs',
        domainAdminPassword: { name: 's', key: 'dpw' },
      },
      licenseFilePrintData: { autoMode: 'perServer' as const, autoUsers: 5 },
    };
    const spec = sysprepCustomization(
      vm({ bootstrap: { sysprep: { sysprep } }, network: { hostName: 'win1', domainName: 'corp.example' } }),
      [dhcp],
      noDns,
      { sysprep: { password: 'secret', productID: 'AAAA-BBBB', domainPassword: 'dsecret' } },
    );
    expect(spec.identity).toEqual({
      _type: 'CustomizationSysprep',
      guiUnattended: {
        _type: 'CustomizationGuiUnattended',
        timeZone: 4,
        autoLogon: true,
        autoLogonCount: 2,
        password: { _type: 'CustomizationPassword', value: 'secret', plainText: true },
      },
      userData: {
        _type: 'CustomizationUserData',
        fullName: 'Jane Doe',
        orgName: 'Example',
        computerName: { _type: 'CustomizationFixedName', name: 'win1' },
        productId: 'AAAA-BBBB',
      },
      guiRunOnce: { _type: 'CustomizationGuiRunOnce', commandList: ['echo hi'] },
      identification: {
        _type: 'CustomizationIdentification',
        joinDomain: 'corp.example',
        domainAdmin: 'admin',
        domainOU: 'OU=VMs',
        domainAdminPassword: { _type: 'CustomizationPassword', value: 'dsecret', plainText: true },
      },
      licenseFilePrintData: {
        _type: 'CustomizationLicenseFilePrintData',
        autoMode: 'perServer',
        autoUsers: 5,
      },
    });
    expect(spec.nicSettingMap?.[0]?.adapter.ip).toEqual({ _type: 'CustomizationDhcpIpGenerator' });
  });

  it('defaults the time zone to UTC without guiUnattended, and joins no domain without identification', () => {
    const spec = sysprepCustomization(
      vm({ bootstrap: { sysprep: { sysprep: { userData } } }, network: { domainName: 'corp.example' } }),
      [dhcp],
      noDns,
      { sysprep: { password: 'unused' } },
    );
    expect(spec.identity).toMatchObject({
      guiUnattended: { timeZone: 85, autoLogon: false, autoLogonCount: 0 },
      userData: { productId: '', computerName: { name: 'vm1' } },
      identification: { _type: 'CustomizationIdentification' },
    });
    expect((spec.identity.guiUnattended as object) ?? {}).not.toHaveProperty('password');
    expect(spec.identity.identification).toEqual({ _type: 'CustomizationIdentification' });
  });

  it("adds the script, the password expiry and VCF Automation's id with the VCD parity capability alone", () => {
    const parity = vm({
      bootstrap: { sysprep: { sysprep: { userData, expirePasswordAfterNextLogin: true } } },
    });
    parity.metadata.annotations = { 'vmoperator.vmware.com/vcfa-id': 'vcfa-42' };
    const secrets = { sysprep: { scriptText: 'echo hello' } };
    expect(sysprepCustomization(parity, [dhcp], noDns, secrets, true).identity).toMatchObject({
      scriptText: 'echo hello',
      resetPassword: true,
      extraConfig: [{ _type: 'OptionValue', key: 'vcfaVmHashKey', value: 'vcfa-42' }],
    });
    const without = sysprepCustomization(parity, [dhcp], noDns, secrets).identity;
    for (const field of ['scriptText', 'resetPassword', 'extraConfig'])
      expect(without).not.toHaveProperty(field);
  });

  it('hands a raw unattend XML over as it is, once base64 and gzip are undone', () => {
    const xml = '<?xml version="1.0"?><unattend/>';
    const raw = (key?: string) =>
      vm({ bootstrap: { sysprep: { rawSysprep: { name: 's', key: key ?? '' } } } });
    const gzipped = Buffer.from(gzipSync(xml).toString('base64'));
    expect(
      sysprepCustomization(raw(), [dhcp], noDns, { rawSysprep: { unattend: gzipped } }).identity,
    ).toEqual({
      _type: 'CustomizationSysprepText',
      value: xml,
    });
    expect(() =>
      sysprepCustomization(raw('xml'), [dhcp], noDns, { rawSysprep: { unattend: gzipped } }),
    ).toThrow('no Sysprep XML data with key "xml"');
  });

  it("renders a raw unattend XML as vm-operator's templates, over the VM's network", () => {
    const staticNic: NicAddressing = {
      spec: { name: 'eth0' },
      macAddress: '00:50:56:00:00:07',
      status: { ipConfigs: [{ ip: '192.168.1.20', prefix: 24, gateway: '192.168.1.1', ipFamily: 'IPv4' }] },
    };
    const xml =
      '<ip>{{ V1alpha2_FormatIP V1alpha2_FirstIP "" }}</ip><mac>{{ V1alpha2_FirstNicMacAddr }}</mac>';
    const spec = sysprepCustomization(
      vm({ bootstrap: { sysprep: { rawSysprep: { name: 's', key: 'unattend' } } } }),
      [staticNic],
      noDns,
      { rawSysprep: { unattend: Buffer.from(xml) } },
    );
    expect(spec.identity).toEqual({
      _type: 'CustomizationSysprepText',
      value: '<ip>192.168.1.20</ip><mac>00-50-56-00-00-07</mac>',
    });
  });

  it('is the guest customization of a Sysprep VM, and left out when turned off for the next power-on', () => {
    expect(
      customizingProviderOf(
        vm({ bootstrap: { sysprep: { sysprep: { userData } } } }),
        () => 'windows2019srvNext_64Guest',
      ),
    ).toBe('sysprep');
    expect(
      customizingProviderOf(
        vm({ bootstrap: { sysprep: { customizeAtNextPowerOn: false } } }),
        () => 'windows2019srvNext_64Guest',
      ),
    ).toBeUndefined();
  });
});
