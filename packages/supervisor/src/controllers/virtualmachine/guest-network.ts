/**
 * What a guest is told about its network, whichever bootstrap tells it (vm-operator's network
 * bootstrap): per interface its MAC, name in the guest, addresses and gateways (net-operator's
 * static pools, or the spec's), DHCP, MTU, routes and DNS; and how a guest customization
 * (LinuxPrep, Sysprep) says it.
 */

import { type CustomizationSpec, ipv4Mask, ipv4PrefixLength } from '@vsim/vsphere';
import { isClusterApiMachine } from '../../api/annotations.js';
import { hostNameOf } from '../../api/host-name.js';
import type {
  VirtualMachine,
  VirtualMachineNetworkConfigDNSStatus,
  VirtualMachineNetworkConfigInterfaceIPStatus,
  VirtualMachineNetworkConfigInterfaceStatus,
  VirtualMachineNetworkConfigStatus,
} from '../../api/types.js';
import type { TemplateNetwork } from './bootstrap-template.js';
import type { NicAddressing } from './network.js';
import type { GlobalDns } from './prerequisites.js';

/** A gateway of this value drops the one net-operator reported. */
const GATEWAY_IGNORED = 'None';

export interface IpConfig {
  cidr: string;
  ipv4: boolean;
  gateway: string;
}

/** What the guest is told about one interface (vm-operator's network bootstrap). */
export interface InterfaceBootstrap {
  name: string;
  guestDeviceName: string;
  macAddress: string;
  dhcp4: boolean;
  dhcp6: boolean;
  /** net-operator assigns no address, in either family: the guest configures its own. */
  noIpam: boolean;
  mtu: number;
  nameservers: readonly string[];
  searchDomains: readonly string[];
  routes: readonly { to: string; via: string; metric?: number | undefined }[];
  ipConfigs: IpConfig[];
}

/** The prefix lengths of the valid IPv4 masks (33 at most), parsed once: every VM's update reads one. */
const MASK_PREFIXES = new Map<string, number>();
const maskPrefix = (mask: string | undefined): number | undefined => {
  if (mask === undefined) return undefined;
  const known = MASK_PREFIXES.get(mask);
  if (known !== undefined) return known;
  const prefix = ipv4PrefixLength(mask);
  // Only a mask as written canonically is kept, so the table stays as small as its comment says.
  if (prefix !== undefined && ipv4Mask(prefix) === mask) MASK_PREFIXES.set(mask, prefix);
  return prefix;
};

const NO_ROUTES: InterfaceBootstrap['routes'] = Object.freeze([]);

/** net-operator's addresses (those of its static pools) with the VM spec's overrides on top. */
export function interfaceBootstrap(vm: VirtualMachine, nic: NicAddressing): InterfaceBootstrap {
  const { spec, status } = nic;
  const reported = status.ipConfigs ?? [];
  const v4Mode =
    status.ipAssignmentMode ||
    (reported.some((ip) => ip.ipFamily === 'IPv4' && ip.ip !== '') ? 'staticpool' : 'dhcp');
  const v6Mode = status.ipv6AssignmentMode || 'none';
  const noIpam = v4Mode === 'none' && v6Mode === 'none';
  // The static pool's addresses, in one loop: every VM's update pass reads them.
  let ipConfigs: IpConfig[] = [];
  if (!noIpam)
    for (const ip of reported) {
      const ipv4 = ip.ipFamily === 'IPv4';
      const mode = ipv4 ? v4Mode : ip.ipFamily === 'IPv6' ? v6Mode : undefined;
      if (mode !== 'staticpool') continue;
      const prefix = ip.prefix ?? (ipv4 ? maskPrefix(ip.subnetMask) : undefined) ?? (ipv4 ? 32 : 128);
      ipConfigs.push({ cidr: `${ip.ip}/${prefix}`, ipv4, gateway: ip.gateway ?? '' });
    }
  let gateway4 = spec.gateway4 ?? '';
  let gateway6 = spec.gateway6 ?? '';
  if (spec.addresses?.length) {
    // Addresses of the spec replace the pool's, whose gateways stay unless the spec names its own.
    for (const ip of ipConfigs) {
      if (ip.ipv4 && !gateway4) gateway4 = ip.gateway;
      if (!ip.ipv4 && !gateway6) gateway6 = ip.gateway;
    }
    ipConfigs = spec.addresses.map((cidr) => ({ cidr, ipv4: !cidr.includes(':'), gateway: '' }));
  }
  for (const ip of ipConfigs) {
    const gateway = ip.ipv4 ? gateway4 : gateway6;
    if (gateway) ip.gateway = gateway === GATEWAY_IGNORED ? '' : gateway;
  }
  const cloudInit = vm.spec?.bootstrap?.cloudInit;
  const network = vm.spec?.network;
  // The VM's DNS is each interface's default under cloud-init only (unless it opts out).
  const globalNameservers = cloudInit ? (cloudInit.useGlobalNameserversAsDefault ?? true) : false;
  const globalSearchDomains = cloudInit ? (cloudInit.useGlobalSearchDomainsAsDefault ?? true) : false;
  return {
    name: spec.name,
    guestDeviceName: spec.guestDeviceName || spec.name,
    macAddress: nic.macAddress.toLowerCase(),
    noIpam,
    dhcp4: spec.dhcp4 ?? (!noIpam && v4Mode === 'dhcp'),
    dhcp6: spec.dhcp6 ?? (!noIpam && v6Mode === 'dhcp'),
    mtu: spec.mtu ?? 0,
    nameservers: spec.nameservers?.length
      ? spec.nameservers
      : (globalNameservers && network?.nameservers) || [],
    searchDomains: spec.searchDomains?.length
      ? spec.searchDomains
      : (globalSearchDomains && network?.searchDomains) || [],
    routes: spec.routes?.length
      ? spec.routes.map((route) => ({ to: route.to, via: route.via, metric: route.metric }))
      : NO_ROUTES,
    ipConfigs,
  };
}

/** A VM's bootstrap as vm-operator's DNS defaults tell them apart: LinuxPrep and Sysprep are `gosc`. */
export type BootstrapKind = 'cloudInit' | 'gosc' | 'none';

/**
 * The DNS a bootstrap gives the guest, with the Supervisor's where vm-operator puts it
 * (`GetBootstrapArgs`): the VM's name servers and search domains, else the Supervisor's (not
 * its search domains to a guest customization, `gosc`); under cloud-init, also the Supervisor's
 * name servers to each static interface without its own, and its search domains to those of a
 * Cluster API machine. vm-operator decides to read them by other rules than it applies them
 * (when a static interface has no name servers while the VM names none either, or no search
 * domains while it is a Cluster API machine or, but for `gosc`, the VM names none), so a VM that
 * opts out of the VM's own name servers may still get the Supervisor's, and one that needs only
 * search domains may read a ConfigMap whose name servers then fail it: both kept. `dns` is read
 * only when needed.
 */
export function supervisorDns(
  vm: VirtualMachine,
  bootstraps: InterfaceBootstrap[],
  kind: BootstrapKind,
  dns: () => GlobalDns,
): GlobalDns {
  const gosc = kind === 'gosc';
  const network = vm.spec?.network;
  const own: GlobalDns = {
    nameservers: network?.nameservers ?? [],
    searchDomains: network?.searchDomains ?? [],
  };
  const capi = isClusterApiMachine(vm);
  const statics = bootstraps.filter((b) => !b.dhcp4 && !b.dhcp6);
  const needed = statics.some(
    (b) =>
      (own.nameservers.length === 0 && b.nameservers.length === 0) ||
      (b.searchDomains.length === 0 && (capi || (!gosc && own.searchDomains.length === 0))),
  );
  if (!needed) return own;
  const global = dns();
  if (kind === 'cloudInit')
    for (const b of statics) {
      if (b.nameservers.length === 0) b.nameservers = global.nameservers;
      if (capi && b.searchDomains.length === 0) b.searchDomains = global.searchDomains;
    }
  return {
    nameservers: own.nameservers.length ? own.nameservers : global.nameservers,
    searchDomains: gosc || own.searchDomains.length ? own.searchDomains : global.searchDomains,
  };
}

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
 * to a customization the bootstrap asks for, but do to vm-operator's default LinuxPrep, which
 * reads the VM as one without a bootstrap.
 */
export function customizationNetwork(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
): Pick<CustomizationSpec, 'globalIPSettings' | 'nicSettingMap'> {
  const bootstraps = nics.map((nic) => interfaceBootstrap(vm, nic));
  const global = supervisorDns(vm, bootstraps, bootstrapKindOf(vm), dns);
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

/**
 * The network vm-operator's bootstrap templates read: each interface's MAC address (written with
 * `-`, as Sysprep wants it), its IPv4 and IPv6 addresses and the first gateway of each family,
 * and the DNS servers the bootstrap got.
 */
export function templateNetwork(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
): TemplateNetwork {
  const bootstraps = nics.map((nic) => interfaceBootstrap(vm, nic));
  const global = supervisorDns(vm, bootstraps, bootstrapKindOf(vm), dns);
  return {
    devices: bootstraps.map((b) => {
      const ipv4 = b.ipConfigs.filter((ip) => ip.ipv4);
      const ipv6 = b.ipConfigs.filter((ip) => !ip.ipv4);
      return {
        macAddress: b.macAddress.replaceAll(':', '-'),
        ipAddresses: ipv4.map((ip) => ip.cidr),
        gateway4: ipv4.find((ip) => ip.gateway)?.gateway ?? '',
        ipv6Addresses: ipv6.map((ip) => ip.cidr),
        gateway6: ipv6.find((ip) => ip.gateway)?.gateway ?? '',
      };
    }),
    nameservers: global.nameservers,
  };
}

/** The VM's BootstrapKind. */
export function bootstrapKindOf(vm: VirtualMachine): BootstrapKind {
  const bootstrap = vm.spec?.bootstrap;
  if (bootstrap?.cloudInit) return 'cloudInit';
  return bootstrap?.linuxPrep || bootstrap?.sysprep ? 'gosc' : 'none';
}

/** The DNS part of the network config, none when every field is empty. */
function dnsStatus(fields: {
  hostName?: string;
  domainName?: string | undefined;
  nameservers: readonly string[];
  searchDomains: readonly string[];
}): VirtualMachineNetworkConfigDNSStatus | undefined {
  const out: VirtualMachineNetworkConfigDNSStatus = {};
  if (fields.hostName) out.hostName = fields.hostName;
  if (fields.domainName) out.domainName = fields.domainName;
  // The lists are shared, not copied (the Supervisor's are frozen): stored objects never change.
  if (fields.nameservers.length > 0) out.nameservers = fields.nameservers as string[];
  if (fields.searchDomains.length > 0) out.searchDomains = fields.searchDomains as string[];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** An interface's addresses, gateways (the first of each family), DHCP and DNS; none without addresses or DHCP. */
function interfaceConfig(b: InterfaceBootstrap): VirtualMachineNetworkConfigInterfaceStatus | undefined {
  const dhcp = b.dhcp4 || b.dhcp6;
  if (b.ipConfigs.length === 0 && !dhcp) return undefined;
  const ip: VirtualMachineNetworkConfigInterfaceIPStatus = {};
  const addresses: string[] = [];
  for (const config of b.ipConfigs) {
    if (config.gateway && config.ipv4 && !ip.gateway4) ip.gateway4 = config.gateway;
    else if (config.gateway && !config.ipv4 && !ip.gateway6) ip.gateway6 = config.gateway;
    if (config.cidr) addresses.push(config.cidr);
  }
  if (addresses.length > 0) ip.addresses = addresses.sort();
  if (dhcp) {
    ip.dhcp = {};
    if (b.dhcp4) ip.dhcp.ip4 = { enabled: true };
    if (b.dhcp6) ip.dhcp.ip6 = { enabled: true };
  }
  const out: VirtualMachineNetworkConfigInterfaceStatus = { name: b.name, ip };
  const dns = dnsStatus({ nameservers: b.nameservers, searchDomains: b.searchDomains });
  if (dns) out.dns = dns;
  return out;
}

/**
 * vm-operator's `status.network.config`: what the VM's bootstrap (any, or none) was told of its
 * network, for guests configured by hand. The host name (`spec.network.hostName`, else the VM's
 * name), domain name and DNS, with the Supervisor's where vm-operator puts them, and per
 * interface with addresses or DHCP its sorted addresses, first gateway of each family, DHCP and
 * DNS.
 */
export function networkConfigStatus(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
): VirtualMachineNetworkConfigStatus {
  const bootstraps = nics.map((nic) => interfaceBootstrap(vm, nic));
  const global = supervisorDns(vm, bootstraps, bootstrapKindOf(vm), dns);
  const config: VirtualMachineNetworkConfigStatus = {};
  const interfaces: VirtualMachineNetworkConfigInterfaceStatus[] = [];
  for (const b of bootstraps) {
    const iface = interfaceConfig(b);
    if (iface) interfaces.push(iface);
  }
  if (interfaces.length > 0) config.interfaces = interfaces;
  const vmDns = dnsStatus({
    hostName: hostNameOf(vm).name,
    domainName: vm.spec?.network?.domainName,
    nameservers: global.nameservers,
    searchDomains: global.searchDomains,
  });
  if (vmDns) config.dns = vmDns;
  return config;
}
