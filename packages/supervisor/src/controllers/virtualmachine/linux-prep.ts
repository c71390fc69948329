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

/** One interface's settings: DHCP, its first IPv4 address with its gateway, or none (also without IPAM). */
function adapterOf(b: InterfaceBootstrap) {
  const settings = { _type: 'CustomizationIPSettings', dnsServerList: b.nameservers };
  if (b.dhcp4) return { ...settings, ip: { _type: 'CustomizationDhcpIpGenerator' } };
  const ipv4 = b.noIpam ? undefined : b.ipConfigs.find((ip) => ip.ipv4);
  if (!ipv4) return { ...settings, ip: { _type: 'CustomizationDisableIpV4' } };
  const [address = '', prefix = '32'] = ipv4.cidr.split('/');
  return {
    ...settings,
    ip: { _type: 'CustomizationFixedIp', ipAddress: address },
    subnetMask: ipv4Mask(Number(prefix)),
    ...(ipv4.gateway ? { gateway: [ipv4.gateway] } : {}),
  };
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
    nicSettingMap: bootstraps.map((b) => ({ _type: 'CustomizationAdapterMapping', adapter: adapterOf(b) })),
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
