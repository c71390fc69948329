/**
 * `spec.network` as vm-operator's validating webhook checks it, on create and update, for a
 * Supervisor whose network provider is the vSphere Distributed Switch (net-operator's Networks):
 * the nameservers addresses; each interface's network a net-operator Network, its
 * NetworkInterface's name (`<vm>-<network>-<interface>`) a DNS subdomain, no MAC address of its
 * own (a VPC's alone), addresses in CIDR form with the gateway and DHCP of their family, routes
 * to a CIDR (or `default`) via an address of the same family; and what each bootstrap provider
 * can hand the guest (the VM's nameservers and search domains LinuxPrep's, Sysprep's or
 * CloudInit's when it takes them as defaults; an interface's device name, MTU, routes and search
 * domains CloudInit's, its nameservers CloudInit's or Sysprep's).
 */
import { cidrFamily, flat, ipFamily, isIp } from '@vsim/vsphere';
import { dns1123SubdomainProblems } from '../store/names.js';
import type { VirtualMachine, VirtualMachineNetworkInterfaceSpec } from './types.js';
import { type FieldError, invalid, unsupported } from './validation.js';

const NET_OPERATOR_GROUP = 'netoperator.vmware.com';
const NET_OPERATOR_API_VERSION = `${NET_OPERATOR_GROUP}/v1alpha1`;
/** The one network provider that takes a MAC address of the user's: NSX's VPC. */
const VPC_GROUP = 'crd.nsx.vmware.com';
const NOT_AN_ADDRESS = 'must be an IPv4 or IPv6 address';

/** vm-operator's name of the NetworkInterface of a VM's interface: `<vm>-<network>-<interface>`, or `<vm>-<interface>`. */
export const networkInterfaceName = (vm: string, network: string, iface: string): string =>
  flat(network === '' ? `${vm}-${iface}` : `${vm}-${network}-${iface}`);

type Bootstrap = NonNullable<NonNullable<VirtualMachine['spec']>['bootstrap']>;

export function validateNetwork(vm: VirtualMachine): FieldError[] {
  const network = vm.spec?.network;
  if (!network) return [];
  const bootstrap: Bootstrap = vm.spec?.bootstrap ?? {};
  const errors = [
    ...globalProblems(
      'nameservers',
      network.nameservers ?? [],
      bootstrap.cloudInit?.useGlobalNameserversAsDefault,
      bootstrap,
    ),
    ...globalProblems(
      'searchDomains',
      network.searchDomains ?? [],
      bootstrap.cloudInit?.useGlobalSearchDomainsAsDefault,
      bootstrap,
    ),
  ];
  (network.nameservers ?? []).forEach((server, i) => {
    if (!isIp(server)) errors.push(invalid(`spec.network.nameservers[${i}]`, server, NOT_AN_ADDRESS));
  });
  (network.interfaces ?? []).forEach((iface, i) => {
    const path = `spec.network.interfaces[${i}]`;
    errors.push(
      ...interfaceProblems(path, iface, vm.metadata.name as string),
      ...withBootstrap(path, iface, bootstrap),
    );
  });
  return errors;
}

/** The VM's nameservers or search domains: LinuxPrep's, Sysprep's, or CloudInit's when it takes them as defaults. */
function globalProblems(
  field: 'nameservers' | 'searchDomains',
  values: readonly string[],
  cloudInitDefaults: boolean | undefined,
  bootstrap: Bootstrap,
): FieldError[] {
  if (values.length === 0) return [];
  const path = `spec.network.${field}`;
  if (bootstrap.cloudInit) {
    if (cloudInitDefaults !== false) return [];
    const flag =
      field === 'nameservers' ? 'UseGlobalNameserversAsDefault' : 'UseGlobalSearchDomainsAsDefault';
    return [invalid(path, values.join(','), `${field} is available only for CloudInit when ${flag} is true`)];
  }
  if (bootstrap.linuxPrep || bootstrap.sysprep) return [];
  return [
    invalid(
      path,
      values.join(','),
      `${field} is available only with the following bootstrap providers: LinuxPrep and Sysprep`,
    ),
  ];
}

function interfaceProblems(
  path: string,
  iface: VirtualMachineNetworkInterfaceSpec,
  vmName: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const { apiVersion = '', kind = '', name: networkName = '' } = iface.network ?? {};
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group !== '' && kind !== '') {
    if (group !== NET_OPERATOR_GROUP)
      errors.push(unsupported(`${path}.network.apiVersion`, apiVersion, [NET_OPERATOR_API_VERSION]));
    else if (kind !== 'Network') errors.push(unsupported(`${path}.network.kind`, kind, ['Network']));
  }
  const nicName = networkInterfaceName(vmName, networkName, iface.name ?? '');
  for (const problem of dns1123SubdomainProblems(nicName, 'characters'))
    errors.push(invalid(`${path}.name`, nicName, `is the resulting network interface name: ${problem}`));
  if (iface.macAddr && group !== VPC_GROUP)
    errors.push(
      invalid(
        `${path}.macAddr`,
        iface.macAddr,
        `macAddr is available only with the following network providers: ${VPC_GROUP}`,
      ),
    );
  const byFamily: Record<4 | 6, string[]> = { 4: [], 6: [] };
  (iface.addresses ?? []).forEach((cidr, i) => {
    const family = cidrFamily(cidr);
    if (family === undefined)
      errors.push(invalid(`${path}.addresses[${i}]`, cidr, `invalid CIDR address: ${cidr}`));
    else byFamily[family].push(cidr);
  });
  for (const family of [4, 6] as const) {
    const gateway = family === 4 ? iface.gateway4 : iface.gateway6;
    const dhcp = family === 4 ? iface.dhcp4 : iface.dhcp6;
    const addresses = byFamily[family];
    if (gateway && gateway !== 'None') {
      if (addresses.length === 0)
        errors.push(
          invalid(
            `${path}.gateway${family}`,
            gateway,
            `gateway${family} must have an IPv${family} address in the addresses field`,
          ),
        );
      if (ipFamily(gateway) !== family)
        errors.push(invalid(`${path}.gateway${family}`, gateway, `must be a valid IPv${family} address`));
    }
    if (dhcp) {
      if (addresses.length > 0)
        errors.push(
          invalid(
            `${path}.dhcp${family}`,
            addresses.join(','),
            `dhcp${family} cannot be used with IPv${family} addresses in addresses field`,
          ),
        );
      if (gateway)
        errors.push(
          invalid(
            `${path}.gateway${family}`,
            gateway,
            `gateway${family} is mutually exclusive with dhcp${family}`,
          ),
        );
    }
  }
  (iface.nameservers ?? []).forEach((server, i) => {
    if (!isIp(server)) errors.push(invalid(`${path}.nameservers[${i}]`, server, NOT_AN_ADDRESS));
  });
  (iface.routes ?? []).forEach((route, i) => {
    const at = `${path}.routes[${i}]`;
    let to: 4 | 6 | undefined;
    if (route.to !== 'default') {
      to = cidrFamily(route.to);
      if (to === undefined) errors.push(invalid(`${at}.to`, route.to, `invalid CIDR address: ${route.to}`));
    }
    const via = ipFamily(route.via);
    if (via === undefined) errors.push(invalid(`${at}.via`, route.via, NOT_AN_ADDRESS));
    if (to !== undefined && to !== (via ?? 6)) errors.push(invalid(at, '', 'cannot mix IP address families'));
  });
  return errors;
}

/** What of an interface only some bootstrap providers hand the guest. */
function withBootstrap(
  path: string,
  iface: VirtualMachineNetworkInterfaceSpec,
  bootstrap: Bootstrap,
): FieldError[] {
  const errors: FieldError[] = [];
  const cloudInitOnly = (field: string, value: unknown) =>
    invalid(
      `${path}.${field}`,
      value,
      `${field} is available only with the following bootstrap providers: CloudInit`,
    );
  if (!bootstrap.cloudInit) {
    if (iface.guestDeviceName) errors.push(cloudInitOnly('guestDeviceName', iface.guestDeviceName));
    if (iface.mtu !== undefined) errors.push(cloudInitOnly('mtu', iface.mtu));
    if ((iface.routes ?? []).length > 0) errors.push(cloudInitOnly('routes', 'routes'));
  }
  const nameservers = iface.nameservers ?? [];
  if (nameservers.length > 0 && !bootstrap.cloudInit && !bootstrap.sysprep)
    errors.push(
      invalid(
        `${path}.nameservers`,
        nameservers.join(','),
        'nameservers is available only with the following bootstrap providers: CloudInit and Sysprep',
      ),
    );
  const searchDomains = iface.searchDomains ?? [];
  if (searchDomains.length > 0 && !bootstrap.cloudInit)
    errors.push(cloudInitOnly('searchDomains', searchDomains.join(',')));
  return errors;
}
