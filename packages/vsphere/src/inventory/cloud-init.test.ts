import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { VmRecord } from '../inventory/records.js';
import { createFixture } from '../testing/fixture.js';
import { cloudInitIdentity } from './cloud-init.js';

/** vm-operator's metadata, as its cloud-init bootstrap writes it. */
const VM_OPERATOR = [
  'hostname: web.example.com',
  'instance-id: iid-1',
  'local-hostname: web.example.com',
  'network:',
  '  ethernets:',
  '    eth0:',
  '      accept-ra: false',
  '      addresses:',
  '      - 10.0.1.100/24',
  '      - fd00::7/64',
  '      dhcp4: false',
  '      dhcp6: false',
  '      gateway4: 10.0.1.1',
  '      match:',
  '        macaddress: 00:50:56:0A:0B:0C',
  '      nameservers: {}',
  '      set-name: eth0',
  '    eth1:',
  '      addresses:',
  '      - 10.0.2.5/24',
  '      dhcp4: true',
  '      match:',
  '        macaddress: 00:50:56:0a:0b:0d',
  '  version: 2',
  'public-keys: ssh-ed25519 AAAA',
  '',
].join('\n');

/** Cluster API's vSphere provider's, quoted, with a comment. */
const CAPV = [
  '# cloud-init metadata',
  'instance-id: "m-0"',
  "local-hostname: 'm-0'",
  'wait-on-network:',
  '  ipv4: true',
  'network:',
  '  version: 2',
  '  ethernets:',
  '    id0:',
  '      match:',
  '        macaddress: "00:50:56:a5:00:01"',
  '      set-name: "eth0"',
  '      dhcp4: false',
  '      addresses:',
  '        - "192.168.6.20/24"',
  '      nameservers:',
  '        addresses: [8.8.8.8, 8.8.4.4]',
].join('\n');

const config = (metadata: string, encoding?: string) => ({
  extraConfig: [
    { key: 'guestinfo.metadata', value: metadata },
    ...(encoding === undefined ? [] : [{ key: 'guestinfo.metadata.encoding', value: encoding }]),
  ],
});

describe("the guest's cloud-init metadata", () => {
  it("gives the host name's first label and the static addresses by MAC, none for DHCP's family", () => {
    const encoded = gzipSync(VM_OPERATOR).toString('base64');
    expect(cloudInitIdentity(config(encoded, 'gzip+base64'))).toEqual({
      hostName: 'web',
      addresses: new Map([['00:50:56:0a:0b:0c', ['10.0.1.100', 'fd00::7']]]),
    });
    expect(cloudInitIdentity(config(CAPV))).toEqual({
      hostName: 'm-0',
      addresses: new Map([['00:50:56:a5:00:01', ['192.168.6.20']]]),
    });
    const json = JSON.stringify({ 'local-hostname': 'j', network: { version: 2, ethernets: {} } });
    expect(cloudInitIdentity(config(Buffer.from(json).toString('base64'), 'base64'))).toEqual({
      hostName: 'j',
      addresses: new Map(),
    });
  });

  it('reads flow collections, quoted scalars with `#`, YAML 1.1 booleans and keys of any name', () => {
    const flowStyle = [
      'local-hostname: "h#1.example" # the name',
      // A key of any name is the document's own: nothing here is read through it.
      '__proto__: {local-hostname: not-this-one}',
      'network:',
      '  version: 2',
      '  ethernets:',
      "    eth0: {match: {macaddress: '00:50:56:00:00:01'}, addresses: [10.0.0.9/24, 'fd00::9/64'], dhcp4: yes}",
      '    eth1:',
      '      match: {macaddress: "00:50:56:00:00:02"}',
      '      dhcp4: off',
      '      addresses: [not-an-ip/24, 10.0.0.10/24]',
    ].join('\n');
    expect(cloudInitIdentity(config(flowStyle))).toEqual({
      hostName: 'h#1',
      addresses: new Map([
        // DHCP on eth0 gives its IPv4 address; off on eth1 keeps its one address of the two.
        ['00:50:56:00:00:01', ['fd00::9']],
        ['00:50:56:00:00:02', ['10.0.0.10']],
      ]),
    });
    const inherited = ['__proto__: {local-hostname: inherited}', 'instance-id: i-1'].join('\n');
    expect(cloudInitIdentity(config(inherited))).toEqual({ addresses: new Map() });
  });

  it('is none without metadata, or with what the guest cannot read', () => {
    expect(cloudInitIdentity({ extraConfig: [] })).toBeUndefined();
    expect(cloudInitIdentity(config('not gzip', 'gzip+base64'))).toBeUndefined();
    expect(cloudInitIdentity(config('a: b', 'rot13'))).toBeUndefined();
    expect(cloudInitIdentity(config('{"unfinished": '))).toBeUndefined();
    expect(cloudInitIdentity(config('a: b\n  - c'))).toBeUndefined();
    expect(cloudInitIdentity(config('- a\n- b'))).toBeUndefined();
    // Unterminated quotes and flow collections, and text after a quoted scalar.
    for (const broken of ["local-hostname: 'x", 'local-hostname: "x', 'a: [b, c', 'a: {b: c', 'a: "b" c'])
      expect(cloudInitIdentity(config(broken))).toBeUndefined();
    // A version of any other type is no netplan the guest reads, and never fails its boot.
    const odd = JSON.stringify({ 'local-hostname': 'x', network: { version: { toString: 1 } } });
    expect(cloudInitIdentity(config(odd))).toEqual({ hostName: 'x', addresses: new Map() });
  });

  it("sets what a booting guest reports: its addresses and host name, the lease's without", async () => {
    const { vsphere, run, at } = createFixture();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const mac = vm.config.devices.find((d) => d.macAddress)?.macAddress as string;
    const metadata = `local-hostname: db-1.example.com\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        macaddress: ${mac}\n      addresses:\n      - 10.9.8.7/24\n`;
    await run(vsphere.vm.powerOff(vm.id));
    await run(
      vsphere.vm.reconfigure(vm.id, {
        extraConfig: [
          { key: 'guestinfo.metadata', value: gzipSync(metadata).toString('base64') },
          { key: 'guestinfo.metadata.encoding', value: 'gzip+base64' },
        ],
      }),
    );
    await run(vsphere.vm.powerOn(vm.id));
    const guest = (vsphere.store.get(vm.id) as VmRecord).guest;
    expect(guest).toMatchObject({ hostName: 'db-1', ipAddress: '10.9.8.7' });
    expect(guest.net[0]?.ipAddress).toEqual(['10.9.8.7']);
    // Without the metadata, the guest takes its lease and the VM's name again.
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.reconfigure(vm.id, { extraConfig: [{ key: 'guestinfo.metadata', value: '' }] }));
    await run(vsphere.vm.powerOn(vm.id));
    const plain = (vsphere.store.get(vm.id) as VmRecord).guest;
    expect(plain.hostName).toBe(vm.name);
    expect(plain.ipAddress).not.toBe('10.9.8.7');
  });
});
