import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { VirtualMachine, VirtualMachineNetworkInterfaceSpec } from '../../api/types.js';
import { fromGzipBase64 } from '../../testing/guest-info.js';
import { hubVm } from '../../testing/virtual-machine.js';
import { tryDecodeBase64Gzip } from './bootstrap-data.js';
import { cloudInitGuestInfo, cloudInitMetadata, GuestInfoEncodings } from './cloud-init.js';
import type { NicAddressing } from './network.js';
import type { GlobalDns } from './prerequisites.js';

const vm = hubVm;

const pooled = (spec: VirtualMachineNetworkInterfaceSpec, ip = '10.0.0.10'): NicAddressing => ({
  spec,
  macAddress: '00:50:56:0A:0B:0C',
  status: { ipConfigs: [{ ip, ipFamily: 'IPv4', gateway: '10.0.0.1', subnetMask: '255.255.255.0' }] },
});

/** A VM's cloud-init bootstrap: the VM's DNS is then its interfaces' default. */
const CLOUD_INIT = { bootstrap: { cloudInit: {} } };
const NO_DNS: GlobalDns = { nameservers: [], searchDomains: [] };
const metadataOf = (
  v: VirtualMachine,
  nics: NicAddressing[],
  dns: () => GlobalDns = () => NO_DNS,
  keys = '',
) => parse(cloudInitMetadata(v, nics, keys, dns));

describe('cloud-init metadata', () => {
  it('names the instance and host and gives the guest net-operator’s address as netplan', () => {
    const doc = cloudInitMetadata(
      vm({ bootstrap: { cloudInit: { instanceID: 'iid-1' } } }),
      [pooled({ name: 'eth0' })],
      'ssh-ed25519 AAAA',
      () => NO_DNS,
    );
    expect(doc).toBe(
      [
        'hostname: vm1',
        'instance-id: iid-1',
        'local-hostname: vm1',
        'network:',
        '  ethernets:',
        '    eth0:',
        '      accept-ra: false',
        '      addresses:',
        '      - 10.0.0.10/24',
        '      dhcp4: false',
        '      dhcp6: false',
        '      gateway4: 10.0.0.1',
        '      match:',
        '        macaddress: 00:50:56:0a:0b:0c',
        '      nameservers: {}',
        '      set-name: eth0',
        '  version: 2',
        'public-keys: ssh-ed25519 AAAA',
        '',
      ].join('\n'),
    );
  });

  it('takes the spec’s host name, domain, addresses, gateways, routes, MTU, DNS and VLANs', () => {
    const spec: NonNullable<VirtualMachine['spec']> = {
      bootstrap: { cloudInit: { waitOnNetwork4: true } },
      network: {
        hostName: 'web',
        domainName: 'example.com',
        nameservers: ['1.1.1.1'],
        searchDomains: ['example.com'],
        vlans: [{ name: 'vlan10', id: 10, link: 'eth0' }],
      },
    };
    const doc = metadataOf(vm(spec), [
      pooled({
        name: 'eth0',
        guestDeviceName: 'ens192',
        addresses: ['192.168.5.7/24', 'fd00::7/64'],
        gateway6: 'fd00::1',
        mtu: 9000,
        routes: [
          { to: '172.16.0.0/16', via: '192.168.5.254', metric: 5 },
          { to: 'default', via: '192.168.5.1' },
        ],
      }),
      pooled({ name: 'eth1', gateway4: 'None', nameservers: ['9.9.9.9'] }, '10.0.1.20'),
      pooled({ name: 'eth2', dhcp4: true }),
    ]);
    expect(doc['instance-id']).toBe('uid-1');
    expect(doc.hostname).toBe('web.example.com');
    expect(doc['local-hostname']).toBe('web.example.com');
    expect(doc['wait-on-network']).toEqual({ ipv4: true });
    expect(doc.network.vlans).toEqual({
      vlan10: { id: 10, link: 'eth0', dhcp4: false, dhcp6: false, 'accept-ra': false },
    });
    const { eth0, eth1, eth2 } = doc.network.ethernets;
    // The spec's addresses replace the pool's; the pool's gateway stays for IPv4.
    expect(eth0).toMatchObject({
      'set-name': 'ens192',
      addresses: ['192.168.5.7/24', 'fd00::7/64'],
      gateway4: '10.0.0.1',
      gateway6: 'fd00::1',
      mtu: 9000,
      routes: [
        { to: '172.16.0.0/16', via: '192.168.5.254', metric: 5 },
        { to: 'default', via: '192.168.5.1' },
      ],
      nameservers: { addresses: ['1.1.1.1'], search: ['example.com'] },
    });
    // `None` drops the gateway; an interface's own name servers win over the VM's.
    expect(eth1.gateway4).toBeUndefined();
    expect(eth1.addresses).toEqual(['10.0.1.20/24']);
    expect(eth1.nameservers).toEqual({ addresses: ['9.9.9.9'], search: ['example.com'] });
    // DHCP: no static addresses.
    expect(eth2).toMatchObject({ dhcp4: true, dhcp6: false });
    expect(eth2.addresses).toBeUndefined();
    expect(eth2.gateway4).toBeUndefined();
  });

  it('gives static interfaces without DNS the Supervisor’s, and its search domains to Cluster API machines', () => {
    const global: GlobalDns = { nameservers: ['10.1.1.1', '10.1.1.2'], searchDomains: ['corp.local'] };
    let reads = 0;
    const dns = () => {
      reads++;
      return global;
    };
    const plain = metadataOf(vm(CLOUD_INIT), [pooled({ name: 'eth0' })], dns);
    expect(plain.network.ethernets.eth0.nameservers).toEqual({ addresses: ['10.1.1.1', '10.1.1.2'] });
    const capi = metadataOf(
      vm(CLOUD_INIT, { 'capv.vmware.com/cluster.role': 'node' }),
      [pooled({ name: 'eth0' })],
      dns,
    );
    expect(capi.network.ethernets.eth0.nameservers).toEqual({
      addresses: ['10.1.1.1', '10.1.1.2'],
      search: ['corp.local'],
    });
    expect(reads).toBe(2);
    // Nothing missing, nothing read; the VM's own DNS opts out of the global default.
    const own = vm({ ...CLOUD_INIT, network: { nameservers: ['1.1.1.1'], searchDomains: ['a.example'] } });
    expect(metadataOf(own, [pooled({ name: 'eth0' })], dns).network.ethernets.eth0.nameservers).toEqual({
      addresses: ['1.1.1.1'],
      search: ['a.example'],
    });
    const optedOut = vm({
      bootstrap: { cloudInit: { useGlobalNameserversAsDefault: false } },
      network: { nameservers: ['1.1.1.1'], searchDomains: ['a.example'] },
    });
    expect(metadataOf(optedOut, [pooled({ name: 'eth0' })], dns).network.ethernets.eth0.nameservers).toEqual({
      search: ['a.example'],
    });
    expect(reads).toBe(2);
  });

  it('follows net-operator’s assignment modes: DHCP, none, IPv6 from a pool, prefixes over masks', () => {
    const nic = (name: string, status: NicAddressing['status']): NicAddressing => ({
      spec: { name },
      macAddress: '00:50:56:00:00:0a',
      status,
    });
    const { ethernets } = metadataOf(vm({}), [
      nic('dhcp', { ipAssignmentMode: 'dhcp', ipConfigs: [{ ip: '10.0.0.9', ipFamily: 'IPv4' }] }),
      nic('none', { ipAssignmentMode: 'none' }),
      nic('v6', {
        ipAssignmentMode: 'staticpool',
        ipv6AssignmentMode: 'staticpool',
        ipConfigs: [
          { ip: '10.0.0.20', ipFamily: 'IPv4', gateway: '10.0.0.1', subnetMask: '255.255.255.0', prefix: 22 },
          { ip: 'fd00::20', ipFamily: 'IPv6', gateway: 'fd00::1', prefix: 64 },
        ],
      }),
      nic('v6dhcp', { ipv6AssignmentMode: 'dhcp' }),
    ]).network;
    expect(ethernets.dhcp).toMatchObject({ dhcp4: true, dhcp6: false, 'accept-ra': false });
    expect(ethernets.dhcp.addresses).toBeUndefined();
    expect(ethernets.none).toMatchObject({ dhcp4: false, dhcp6: false });
    expect(ethernets.none.addresses).toBeUndefined();
    expect(ethernets.v6).toMatchObject({
      addresses: ['10.0.0.20/22', 'fd00::20/64'],
      gateway4: '10.0.0.1',
      gateway6: 'fd00::1',
      dhcp6: false,
    });
    // Without an IPv4 address the pool's mode is DHCP; router advertisements follow DHCPv6.
    expect(ethernets.v6dhcp).toMatchObject({ dhcp4: true, dhcp6: true, 'accept-ra': true });
  });

  it('keeps the instance id of the annotation older VMs carry', () => {
    const old = vm({ bootstrap: { cloudInit: { instanceID: 'bios-uuid' } } });
    old.metadata.annotations = { 'vmoperator.vmware.com/cloud-init-instance-id': 'iid-datasource-none' };
    expect(metadataOf(old, [])['instance-id']).toBe('iid-datasource-none');
  });

  it('has a network of version 2 alone without interfaces', () => {
    expect(metadataOf(vm({}), []).network).toEqual({ version: 2 });
  });
});

describe('cloud-init user data', () => {
  const text = '#cloud-config\nhostname: vm1\n';
  const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64');

  it('is plain whether it came plain, base64 (even twice) or gzipped, its bytes kept', () => {
    const plain = (data: Buffer) => tryDecodeBase64Gzip(data).toString('utf8');
    expect(plain(Buffer.from(text))).toBe(text);
    expect(plain(Buffer.from(b64(text)))).toBe(text);
    expect(plain(Buffer.from(b64(b64(text))))).toBe(text);
    expect(plain(Buffer.from(b64(gzipSync(text))))).toBe(text);
    expect(plain(gzipSync(text))).toBe(text);
    // Not UTF-8: the bytes go through as they are.
    const latin1 = Buffer.from('#cloud-config\nmotd: caf\xe9\n', 'latin1');
    expect(tryDecodeBase64Gzip(latin1)).toEqual(latin1);
    // The gzip magic without a gzip header is data, as Go's reader leaves it.
    expect(tryDecodeBase64Gzip(Buffer.from([0x1f, 0x8b, 0x41, 0x42]))).toEqual(
      Buffer.from([0x1f, 0x8b, 0x41, 0x42]),
    );
    // A gzip header over a broken body fails, as vm-operator's reconcile does.
    const broken = Buffer.concat([gzipSync(text).subarray(0, 12), Buffer.from('garbage')]);
    expect(() => tryDecodeBase64Gzip(broken)).toThrow();
    const guestInfo = () =>
      cloudInitGuestInfo(vm({ bootstrap: { cloudInit: {} } }), [], { userData: broken }, () => NO_DNS);
    expect(guestInfo).toThrow(/^decoding cloud-init userdata failed: /);
  });

  it('goes to guestinfo gzipped and base64-encoded, beside the metadata', () => {
    const extraConfig = cloudInitGuestInfo(
      vm({ bootstrap: { cloudInit: { sshAuthorizedKeys: ['ssh-ed25519 A', 'ssh-ed25519 B'] } } }),
      [pooled({ name: 'eth0' })],
      // The Secret's bytes, here themselves base64.
      { userData: Buffer.from(b64(text)), sshPublicKeys: 'ssh-rsa ignored' },
      () => NO_DNS,
    );
    expect(extraConfig.map((option) => option.key)).toEqual([
      'guestinfo.metadata',
      'guestinfo.metadata.encoding',
      'guestinfo.userdata',
      'guestinfo.userdata.encoding',
    ]);
    const value = (key: string) => extraConfig.find((option) => option.key === key)?.value as string;
    const decoded = (key: string) => fromGzipBase64(value(key));
    expect(value('guestinfo.metadata.encoding')).toBe('gzip+base64');
    expect(value('guestinfo.userdata.encoding')).toBe('gzip+base64');
    expect(decoded('guestinfo.userdata')).toBe(text);
    // The spec's keys win over the Secret's.
    expect(parse(decoded('guestinfo.metadata'))['public-keys']).toBe('ssh-ed25519 A\nssh-ed25519 B');
  });

  it('leaves the user data out when there is none, and takes the Secret’s keys', () => {
    const extraConfig = cloudInitGuestInfo(
      vm({ bootstrap: { cloudInit: {} } }),
      [],
      { sshPublicKeys: 'ssh-rsa AAAA' },
      () => NO_DNS,
    );
    expect(extraConfig.map((option) => option.key)).toEqual([
      'guestinfo.metadata',
      'guestinfo.metadata.encoding',
    ]);
    const metadata = fromGzipBase64(extraConfig[0]?.value as string);
    expect(parse(metadata)['public-keys']).toBe('ssh-rsa AAAA');
  });
});

describe('GuestInfoEncodings', () => {
  it("encodes each VM's documents, the same text to the same value, a changed one anew", () => {
    const encodings = new GuestInfoEncodings();
    const vm1 = encodings.of('ns1/vm1');
    const first = vm1('metadata', 'hostname: a\n');
    expect(fromGzipBase64(first)).toBe('hostname: a\n');
    expect(encodings.of('ns1/vm1')('metadata', 'hostname: a\n')).toBe(first);
    expect(fromGzipBase64(vm1('userdata', Buffer.from('#cloud-config\n')))).toBe('#cloud-config\n');
    expect(fromGzipBase64(vm1('metadata', 'hostname: b\n'))).toBe('hostname: b\n');
    // Another VM's documents are its own; a forgotten VM starts again.
    expect(fromGzipBase64(encodings.of('ns1/vm2')('metadata', 'hostname: a\n'))).toBe('hostname: a\n');
    encodings.forget('ns1/vm1');
    expect(fromGzipBase64(encodings.of('ns1/vm1')('metadata', 'hostname: c\n'))).toBe('hostname: c\n');
  });
});
