import { describe, expect, it } from 'vitest';
import { hubVm } from '../../testing/virtual-machine.js';
import { customizingProviderOf } from './customization.js';
import { linuxPrepCustomization } from './linux-prep.js';
import type { NicAddressing } from './network.js';

const vm = hubVm;

const nic = (name: string, status: NicAddressing['status']): NicAddressing => ({
  spec: { name },
  macAddress: '00:50:56:00:00:01',
  status,
});
const pooled = nic('eth0', {
  ipConfigs: [{ ip: '10.0.0.20', ipFamily: 'IPv4', gateway: '10.0.0.1', subnetMask: '255.255.252.0' }],
});

describe('LinuxPrep', () => {
  it("adds the password, its expiry, the script and VCF Automation's id with the VCD parity capability", () => {
    const linuxPrep = { expirePasswordAfterNextLogin: true, password: { name: 'creds', key: 'pw' } };
    const parity = vm({ bootstrap: { linuxPrep } });
    parity.metadata.annotations = { 'vmoperator.vmware.com/vcfa-id': 'vcfa-42' };
    const secrets = { linuxPrep: { password: 's3cret', scriptText: '#!/bin/sh\necho hello' } };
    const noDns = () => ({ nameservers: [], searchDomains: [] });
    expect(linuxPrepCustomization(parity, [pooled], noDns, secrets).identity).toEqual({
      _type: 'CustomizationLinuxPrep',
      hostName: { _type: 'CustomizationFixedName', name: 'vm1' },
      domain: '',
      password: { _type: 'CustomizationPassword', value: 's3cret', plainText: true },
      resetPassword: true,
      scriptText: '#!/bin/sh\necho hello',
      extraConfig: [{ _type: 'OptionValue', key: 'vcfaVmHashKey', value: 'vcfa-42' }],
    });
    // Without the capability, none of them.
    expect(linuxPrepCustomization(parity, [pooled], noDns).identity).toEqual({
      _type: 'CustomizationLinuxPrep',
      hostName: { _type: 'CustomizationFixedName', name: 'vm1' },
      domain: '',
    });
    // vm-operator's default LinuxPrep of a VM without a bootstrap gets the id too.
    const bare = vm({});
    bare.metadata.annotations = { 'vmoperator.vmware.com/vcfa-id': 'vcfa-7' };
    expect(linuxPrepCustomization(bare, [pooled], noDns, {}).identity).toEqual({
      _type: 'CustomizationLinuxPrep',
      hostName: { _type: 'CustomizationFixedName', name: 'vm1' },
      domain: '',
      hwClockUTC: true,
      extraConfig: [{ _type: 'OptionValue', key: 'vcfaVmHashKey', value: 'vcfa-7' }],
    });
  });

  it('asks for the host name, time zone, hardware clock and each interface’s address, mask and gateway, or DHCP', () => {
    const linuxPrep = { timeZone: 'Europe/Paris', hardwareClockIsUTC: true };
    const spec = linuxPrepCustomization(
      vm({ bootstrap: { linuxPrep }, network: { nameservers: ['1.1.1.1'], searchDomains: ['example.com'] } }),
      [pooled, nic('eth1', { ipAssignmentMode: 'dhcp' }), nic('eth2', { ipAssignmentMode: 'none' })],
      () => {
        throw new Error('the VM names its own DNS: nothing to read');
      },
    );
    expect(spec).toEqual({
      identity: {
        _type: 'CustomizationLinuxPrep',
        hostName: { _type: 'CustomizationFixedName', name: 'vm1' },
        domain: '',
        timeZone: 'Europe/Paris',
        hwClockUTC: true,
      },
      globalIPSettings: {
        _type: 'CustomizationGlobalIPSettings',
        dnsSuffixList: ['example.com'],
        dnsServerList: ['1.1.1.1'],
      },
      nicSettingMap: [
        {
          _type: 'CustomizationAdapterMapping',
          macAddress: '00:50:56:00:00:01',
          adapter: {
            _type: 'CustomizationIPSettings',
            dnsServerList: [],
            ip: { _type: 'CustomizationFixedIp', ipAddress: '10.0.0.20' },
            subnetMask: '255.255.252.0',
            gateway: ['10.0.0.1'],
          },
        },
        {
          _type: 'CustomizationAdapterMapping',
          macAddress: '00:50:56:00:00:01',
          adapter: {
            _type: 'CustomizationIPSettings',
            dnsServerList: [],
            ip: { _type: 'CustomizationDhcpIpGenerator' },
          },
        },
        {
          _type: 'CustomizationAdapterMapping',
          macAddress: '00:50:56:00:00:01',
          adapter: {
            _type: 'CustomizationIPSettings',
            dnsServerList: [],
            ip: { _type: 'CustomizationDisableIpV4' },
          },
        },
      ],
    });
  });

  it('asks for IPv6 by DHCP, or each address with its prefix and gateway', () => {
    const dual = nic('eth0', {
      ipv6AssignmentMode: 'staticpool',
      ipConfigs: [
        { ip: '10.0.0.20', ipFamily: 'IPv4', gateway: '10.0.0.1', subnetMask: '255.255.255.0' },
        { ip: 'fd00::20', ipFamily: 'IPv6', gateway: 'fd00::1', prefix: 64 },
      ],
    });
    const dns = () => ({ nameservers: [], searchDomains: [] });
    const [fixed] =
      linuxPrepCustomization(vm({ bootstrap: { linuxPrep: {} } }), [dual], dns).nicSettingMap ?? [];
    expect(fixed?.adapter).toMatchObject({
      ip: { _type: 'CustomizationFixedIp', ipAddress: '10.0.0.20' },
      ipV6Spec: {
        _type: 'CustomizationIPSettingsIpV6AddressSpec',
        ip: [{ _type: 'CustomizationFixedIpV6', ipAddress: 'fd00::20', subnetMask: 64 }],
        gateway: ['fd00::1'],
      },
    });
    const auto = nic('eth0', { ipAssignmentMode: 'dhcp', ipv6AssignmentMode: 'dhcp' });
    const [dhcp] =
      linuxPrepCustomization(vm({ bootstrap: { linuxPrep: {} } }), [auto], dns).nicSettingMap ?? [];
    expect(dhcp?.adapter).toEqual({
      _type: 'CustomizationIPSettings',
      dnsServerList: [],
      ip: { _type: 'CustomizationDhcpIpGenerator' },
      ipV6Spec: {
        _type: 'CustomizationIPSettingsIpV6AddressSpec',
        ip: [{ _type: 'CustomizationDhcpIpV6Generator' }],
      },
    });
  });

  it('gives an interface without IPAM no address, whatever addresses the spec names', () => {
    const spec = linuxPrepCustomization(
      vm({ bootstrap: { linuxPrep: {} }, network: { nameservers: ['1.1.1.1'] } }),
      [{ ...nic('eth0', { ipAssignmentMode: 'none' }), spec: { name: 'eth0', addresses: ['10.9.9.9/24'] } }],
      () => ({ nameservers: [], searchDomains: [] }),
    );
    expect(spec.nicSettingMap?.[0]?.adapter.ip).toEqual({ _type: 'CustomizationDisableIpV4' });
  });

  it('takes the Supervisor’s name servers when the VM names none, and never its search domains', () => {
    const dns = () => ({ nameservers: ['10.1.1.1'], searchDomains: ['corp.local'] });
    const spec = linuxPrepCustomization(vm({ bootstrap: { linuxPrep: {} } }), [pooled], dns);
    expect(spec.globalIPSettings).toEqual({
      _type: 'CustomizationGlobalIPSettings',
      dnsSuffixList: [],
      dnsServerList: ['10.1.1.1'],
    });
  });

  it('is left out when disabled or turned off for the next power-on', () => {
    const linux = () => 'ubuntu64Guest';
    expect(customizingProviderOf(vm({ bootstrap: { linuxPrep: {} } }), linux)).toBe('linuxPrep');
    expect(
      customizingProviderOf(vm({ bootstrap: { disabled: true, linuxPrep: {} } }), linux),
    ).toBeUndefined();
    expect(
      customizingProviderOf(vm({ bootstrap: { linuxPrep: { customizeAtNextPowerOn: false } } }), linux),
    ).toBeUndefined();
    expect(customizingProviderOf(vm({ bootstrap: { cloudInit: {} } }), linux)).toBeUndefined();
  });

  it('is the default of a Linux guest without a bootstrap or CD-ROMs, its hardware clock in UTC', () => {
    expect(customizingProviderOf(vm({}), () => 'ubuntu64Guest')).toBe('linuxPrep');
    expect(customizingProviderOf(vm({}), () => 'otherGuest64')).toBeUndefined();
    expect(customizingProviderOf(vm({}), () => 'windows2019srvNext_64Guest')).toBeUndefined();
    const withCdrom = vm({
      hardware: { cdrom: [{ name: 'cdrom1', image: { kind: 'VirtualMachineImage', name: 'iso' } }] },
    });
    expect(customizingProviderOf(withCdrom, () => 'ubuntu64Guest')).toBeUndefined();
    // An empty bootstrap is one: nothing customizes, as in vm-operator.
    expect(customizingProviderOf(vm({ bootstrap: {} }), () => 'ubuntu64Guest')).toBeUndefined();
    const dns = () => ({ nameservers: ['10.1.1.1'], searchDomains: ['corp.local'] });
    const spec = linuxPrepCustomization(vm({}), [pooled], dns);
    expect(spec.identity).toMatchObject({ hwClockUTC: true });
    // vm-operator reads the VM as one without a bootstrap: the Supervisor's search domains too.
    expect(spec.globalIPSettings).toEqual({
      _type: 'CustomizationGlobalIPSettings',
      dnsSuffixList: ['corp.local'],
      dnsServerList: ['10.1.1.1'],
    });
  });
});
