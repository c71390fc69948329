/**
 * LinuxPrep, as vm-operator bootstraps a VM with it: a vSphere guest customization (Guest OS
 * Customization) before the power-on, with the VM's host name and domain, its time zone and
 * hardware clock, the DNS, and per interface its IPv4 address and gateway, or DHCP.
 */
import type { CustomizationSpec } from '@vsim/vsphere';
import { hostNameOf } from '../../api/host-name.js';
import { ipv4Mask } from '../../api/ip.js';
import type { VirtualMachine } from '../../api/types.js';
import { type InterfaceBootstrap, interfaceBootstrap, supervisorDns } from './guest-network.js';
import type { NicAddressing } from './network.js';
import type { GlobalDns } from './prerequisites.js';

/**
 * One interface's settings, as vm-operator's GuestOSCustomization makes them: IPv4 by DHCP, its
 * first address with its mask and gateway, or none (also without IPAM); IPv6 by DHCP, or each of
 * its addresses with its prefix and gateways.
 */
function adapterOf(b: InterfaceBootstrap) {
  const ipv4 = b.dhcp4 || b.noIpam ? undefined : b.ipConfigs.find((ip) => ip.ipv4);
  const [address = '', prefix = '32'] = ipv4?.cidr.split('/') ?? [];
  const adapter: Record<string, unknown> = {
    _type: 'CustomizationIPSettings',
    dnsServerList: b.nameservers,
    ip: b.dhcp4
      ? { _type: 'CustomizationDhcpIpGenerator' }
      : ipv4
        ? { _type: 'CustomizationFixedIp', ipAddress: address }
        : { _type: 'CustomizationDisableIpV4' },
  };
  if (ipv4) {
    adapter.subnetMask = ipv4Mask(Number(prefix));
    if (ipv4.gateway) adapter.gateway = [ipv4.gateway];
  }
  const ipv6 = b.dhcp6 || b.noIpam ? [] : b.ipConfigs.filter((ip) => !ip.ipv4);
  if (b.dhcp6 || ipv6.length > 0) {
    const gateways = ipv6.filter((ip) => ip.gateway).map((ip) => ip.gateway);
    adapter.ipV6Spec = {
      _type: 'CustomizationIPSettingsIpV6AddressSpec',
      ip: b.dhcp6
        ? [{ _type: 'CustomizationDhcpIpV6Generator' }]
        : ipv6.map((ip) => {
            const [ipAddress = '', length = '128'] = ip.cidr.split('/');
            return { _type: 'CustomizationFixedIpV6', ipAddress, subnetMask: Number(length) };
          }),
      ...(gateways.length > 0 ? { gateway: gateways } : {}),
    };
  }
  return adapter;
}

/**
 * What a guest customization (LinuxPrep or Sysprep) says of the network, as vm-operator fills
 * it in. The DNS servers are the VM's, else the Supervisor's when a static interface names none
 * (or, on a Cluster API machine, no search domain); the Supervisor's search domains do not go
 * to a guest customization.
 */
export function customizationNetwork(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
): Pick<CustomizationSpec, 'globalIPSettings' | 'nicSettingMap'> {
  const bootstraps = nics.map((nic) => interfaceBootstrap(vm, nic));
  const global = supervisorDns(vm, bootstraps, true, dns);
  return {
    globalIPSettings: {
      _type: 'CustomizationGlobalIPSettings',
      dnsSuffixList: global.searchDomains,
      dnsServerList: global.nameservers,
    },
    nicSettingMap: bootstraps.map((b) => ({
      _type: 'CustomizationAdapterMapping',
      macAddress: b.macAddress,
      adapter: adapterOf(b),
    })),
  };
}

/** The customization vm-operator's LinuxPrep asks vSphere for. */
export function linuxPrepCustomization(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
): CustomizationSpec {
  const linuxPrep = vm.spec?.bootstrap?.linuxPrep ?? {};
  return {
    identity: {
      _type: 'CustomizationLinuxPrep',
      hostName: { _type: 'CustomizationFixedName', name: hostNameOf(vm).name },
      domain: vm.spec?.network?.domainName ?? '',
      ...(linuxPrep.timeZone ? { timeZone: linuxPrep.timeZone } : {}),
      ...(linuxPrep.hardwareClockIsUTC !== undefined ? { hwClockUTC: linuxPrep.hardwareClockIsUTC } : {}),
    },
    ...customizationNetwork(vm, nics, dns),
  };
}
