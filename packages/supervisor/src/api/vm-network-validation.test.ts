import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from './types.js';
import { validateNetwork } from './vm-network-validation.js';

const NETWORK = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network', name: 'primary' };

const vm = (spec: VirtualMachine['spec']): VirtualMachine =>
  ({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachine',
    metadata: { name: 'web', namespace: 'ns1' },
    spec,
  }) as VirtualMachine;

const problems = (spec: VirtualMachine['spec']) =>
  validateNetwork(vm(spec)).map((e) => `${e.field}: ${e.message}`);

describe("spec.network, as vm-operator's webhook checks it with net-operator's networks", () => {
  it('takes addresses in CIDR form with the gateway of their family, and DHCP without either', () => {
    const iface = {
      name: 'eth0',
      network: NETWORK,
      addresses: ['192.168.1.10/24', '2001:db8::10/64'],
      gateway4: '192.168.1.1',
      gateway6: '2001:db8::1',
      nameservers: ['8.8.8.8', '2001:4860:4860::8888'],
    };
    expect(problems({ network: { interfaces: [iface] }, bootstrap: { cloudInit: {} } })).toEqual([]);
    expect(
      problems({
        network: { interfaces: [{ name: 'eth0', network: NETWORK, dhcp4: true, gateway6: 'None' }] },
      }),
    ).toEqual([]);
    expect(
      problems({
        network: {
          interfaces: [
            {
              name: 'eth0',
              network: NETWORK,
              addresses: ['192.168.1.10', '10.0.0.1/24'],
              gateway4: '10.0.0.300',
              gateway6: '2001:db8::1',
              dhcp4: true,
            },
          ],
        },
      }),
    ).toEqual([
      'spec.network.interfaces[0].addresses[0]: Invalid value: "192.168.1.10": invalid CIDR address: 192.168.1.10',
      'spec.network.interfaces[0].gateway4: Invalid value: "10.0.0.300": must be a valid IPv4 address',
      'spec.network.interfaces[0].dhcp4: Invalid value: "10.0.0.1/24": dhcp4 cannot be used with IPv4 addresses in addresses field',
      'spec.network.interfaces[0].gateway4: Invalid value: "10.0.0.300": gateway4 is mutually exclusive with dhcp4',
      'spec.network.interfaces[0].gateway6: Invalid value: "2001:db8::1": gateway6 must have an IPv6 address in the addresses field',
    ]);
  });

  it("names only net-operator's Networks, and no MAC address, which only a VPC takes", () => {
    const with_ = (network: object, more: object = {}) =>
      problems({ network: { interfaces: [{ name: 'eth0', network: network as never, ...more }] } });
    expect(with_({ ...NETWORK, apiVersion: 'vmware.com/v1alpha1', kind: 'VirtualNetwork' })).toEqual([
      'spec.network.interfaces[0].network.apiVersion: Unsupported value: "vmware.com/v1alpha1": supported values: "netoperator.vmware.com/v1alpha1"',
    ]);
    expect(with_({ ...NETWORK, kind: 'Subnet' })).toEqual([
      'spec.network.interfaces[0].network.kind: Unsupported value: "Subnet": supported values: "Network"',
    ]);
    expect(with_(NETWORK, { macAddr: '00:50:56:aa:bb:cc' })).toEqual([
      'spec.network.interfaces[0].macAddr: Invalid value: "00:50:56:aa:bb:cc": macAddr is available only with the following network providers: crd.nsx.vmware.com',
    ]);
    // A name the schema requires, missing: the interface's name ends in a dash.
    expect(problems({ network: { interfaces: [{ network: NETWORK } as never] } })).toEqual([
      expect.stringMatching(
        /^spec\.network\.interfaces\[0\]\.name: Invalid value: "web-primary-": is the resulting network interface name: a lowercase RFC 1123 subdomain/,
      ),
    ]);
    expect(with_({ ...NETWORK, name: 'Primary_Net' })).toEqual([
      `spec.network.interfaces[0].name: Invalid value: "web-Primary_Net-eth0": is the resulting network interface name: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
  });

  it('takes routes to a CIDR or default via an address of the same family, with CloudInit', () => {
    const routes = [
      { to: 'default', via: '192.168.1.1' },
      { to: '10.0.0.0/8', via: '192.168.1.1' },
      { to: '10.0.0.0', via: 'gateway' },
      { to: '2001:db8::/32', via: '192.168.1.1' },
    ];
    expect(
      problems({
        network: { interfaces: [{ name: 'eth0', network: NETWORK, routes }] },
        bootstrap: { cloudInit: {} },
      }),
    ).toEqual([
      'spec.network.interfaces[0].routes[2].to: Invalid value: "10.0.0.0": invalid CIDR address: 10.0.0.0',
      'spec.network.interfaces[0].routes[2].via: Invalid value: "gateway": must be an IPv4 or IPv6 address',
      'spec.network.interfaces[0].routes[3]: Invalid value: "": cannot mix IP address families',
    ]);
  });

  it('lets each bootstrap provider hand the guest only what it can', () => {
    const network = {
      nameservers: ['8.8.8.8', 'dns.example'],
      searchDomains: ['example.com'],
      interfaces: [
        {
          name: 'eth0',
          network: NETWORK,
          guestDeviceName: 'ens192',
          mtu: 9000,
          routes: [{ to: 'default', via: '192.168.1.1' }],
          nameservers: ['8.8.4.4'],
          searchDomains: ['corp.example.com'],
        },
      ],
    };
    expect(problems({ network })).toEqual([
      'spec.network.nameservers: Invalid value: "8.8.8.8,dns.example": nameservers is available only with the following bootstrap providers: LinuxPrep and Sysprep',
      'spec.network.searchDomains: Invalid value: "example.com": searchDomains is available only with the following bootstrap providers: LinuxPrep and Sysprep',
      'spec.network.nameservers[1]: Invalid value: "dns.example": must be an IPv4 or IPv6 address',
      'spec.network.interfaces[0].guestDeviceName: Invalid value: "ens192": guestDeviceName is available only with the following bootstrap providers: CloudInit',
      'spec.network.interfaces[0].mtu: Invalid value: 9000: mtu is available only with the following bootstrap providers: CloudInit',
      'spec.network.interfaces[0].routes: Invalid value: "routes": routes is available only with the following bootstrap providers: CloudInit',
      'spec.network.interfaces[0].nameservers: Invalid value: "8.8.4.4": nameservers is available only with the following bootstrap providers: CloudInit and Sysprep',
      'spec.network.interfaces[0].searchDomains: Invalid value: "corp.example.com": searchDomains is available only with the following bootstrap providers: CloudInit',
    ]);
    const cloudInit = (defaults: boolean) => ({
      cloudInit: { useGlobalNameserversAsDefault: defaults, useGlobalSearchDomainsAsDefault: defaults },
    });
    expect(problems({ network, bootstrap: cloudInit(true) })).toEqual([
      'spec.network.nameservers[1]: Invalid value: "dns.example": must be an IPv4 or IPv6 address',
    ]);
    expect(problems({ network, bootstrap: cloudInit(false) }).slice(0, 2)).toEqual([
      'spec.network.nameservers: Invalid value: "8.8.8.8,dns.example": nameservers is available only for CloudInit when UseGlobalNameserversAsDefault is true',
      'spec.network.searchDomains: Invalid value: "example.com": searchDomains is available only for CloudInit when UseGlobalSearchDomainsAsDefault is true',
    ]);
  });
});
