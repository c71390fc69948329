import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import { NETWORK_CONFIG_MAP, VM_OPERATOR_NAMESPACE } from '../../namespaces/layout.js';
import { createSupervisorFixture, type SupervisorFixture } from '../../testing/fixture.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const V2 = 'vmoperator.vmware.com/v1alpha2';
const ref = (name: string, apiVersion = V5) => ({
  apiVersion,
  kind: 'VirtualMachine',
  namespace: 'ns1',
  name,
});

async function setup(dns?: { nameservers: string; searchsuffixes: string }) {
  const f = await createSupervisorFixture({ namespaces: ['ns1'] });
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const image = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'));
  if (dns) {
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: VM_OPERATOR_NAMESPACE,
      name: NETWORK_CONFIG_MAP,
    };
    await f.kube.update({ ...(await f.kube.get(ref)), data: dns });
  }
  const create = async (
    name: string,
    spec: Record<string, unknown> = {},
    labels?: Record<string, string>,
  ) => {
    await f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1', ...(labels ? { labels } : {}) },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: image?.metadata.name },
        storageClass: prepared.storageClass,
        ...spec,
      },
    });
    await f.settle();
    return get(f, name);
  };
  return { ...f, create };
}

const get = async (f: SupervisorFixture, name: string, apiVersion = V5) =>
  (await f.kube.get(ref(name, apiVersion))) as unknown as VirtualMachine;

/** The address and gateway net-operator gave the VM's first interface. */
const poolAddress = (vm: VirtualMachine) => {
  const ip = vm.status?.network?.primaryIP4 as string;
  return { cidr: `${ip}/24`, gateway: ip.replace(/\.\d+$/, '.1') };
};

const SUPERVISOR_DNS = { nameservers: '10.10.10.10 10.10.10.11', searchsuffixes: 'corp.example lab.example' };
const CAPV_LABELS = { 'capv.vmware.com/cluster.role': 'node' };

describe('status.network.config', () => {
  it('tells a VM without a bootstrap its host name, the Supervisor’s DNS and its interface’s address', async () => {
    const f = await setup(SUPERVISOR_DNS);
    const vm = await f.create('vm1');
    const { cidr, gateway } = poolAddress(vm);
    expect(vm.status?.network?.config).toEqual({
      dns: {
        hostName: 'vm1',
        nameservers: ['10.10.10.10', '10.10.10.11'],
        searchDomains: ['corp.example', 'lab.example'],
      },
      interfaces: [{ name: 'eth0', ip: { addresses: [cidr], gateway4: gateway } }],
    });
  });

  it('has the Supervisor’s workload DNS its installer configured: `10.0.0.2` unless the options name one', async () => {
    const f = await setup();
    const vm = await f.create('vm1', { bootstrap: { cloudInit: {} } });
    expect(vm.status?.network?.config?.interfaces?.[0]?.dns).toEqual({ nameservers: ['10.0.0.2'] });
    const g = await createSupervisorFixture({
      namespaces: ['ns1'],
      dns: { nameservers: ['192.0.2.53'], searchDomains: ['corp.example'] },
    });
    const networkConfig = { apiVersion: 'v1', kind: 'ConfigMap', namespace: VM_OPERATOR_NAMESPACE };
    expect((await g.kube.get({ ...networkConfig, name: NETWORK_CONFIG_MAP })).data).toEqual({
      nameservers: '192.0.2.53',
      searchsuffixes: 'corp.example',
    });
  });

  it('gives a cloud-init VM’s static interfaces the Supervisor’s name servers, and a Cluster API machine’s its search domains', async () => {
    const f = await setup(SUPERVISOR_DNS);
    const plain = await f.create('vm1', { bootstrap: { cloudInit: {} } });
    expect(plain.status?.network?.config?.interfaces?.[0]?.dns).toEqual({
      nameservers: ['10.10.10.10', '10.10.10.11'],
    });
    const machine = await f.create('vm2', { bootstrap: { cloudInit: {} } }, CAPV_LABELS);
    expect(machine.status?.network?.config?.interfaces?.[0]?.dns).toEqual({
      nameservers: ['10.10.10.10', '10.10.10.11'],
      searchDomains: ['corp.example', 'lab.example'],
    });
  });

  it('keeps the Supervisor’s search domains from a guest customization', async () => {
    const f = await setup(SUPERVISOR_DNS);
    const vm = await f.create('vm1', { bootstrap: { linuxPrep: { hardwareClockIsUTC: true } } });
    expect(vm.status?.network?.config?.dns).toEqual({
      hostName: 'vm1',
      nameservers: ['10.10.10.10', '10.10.10.11'],
    });
  });

  it('takes the spec’s host name, domain, DNS, addresses (sorted) and DHCP', async () => {
    const f = await setup(SUPERVISOR_DNS);
    const vm = await f.create('vm1', {
      // The VM's own DNS needs a guest customization (the webhook's rule).
      bootstrap: { linuxPrep: { hardwareClockIsUTC: true } },
      network: {
        hostName: 'web',
        domainName: 'example.com',
        nameservers: ['1.1.1.1'],
        searchDomains: ['example.com'],
        interfaces: [
          { name: 'eth0', addresses: ['192.168.5.9/24', '192.168.5.7/24'], gateway4: '192.168.5.1' },
          { name: 'eth1', dhcp4: true },
        ],
      },
    });
    expect(vm.status?.network?.config).toEqual({
      dns: {
        hostName: 'web',
        domainName: 'example.com',
        nameservers: ['1.1.1.1'],
        searchDomains: ['example.com'],
      },
      interfaces: [
        { name: 'eth0', ip: { addresses: ['192.168.5.7/24', '192.168.5.9/24'], gateway4: '192.168.5.1' } },
        // DHCP asked of an interface net-operator gave an address from its pool: both told.
        {
          name: 'eth1',
          ip: {
            addresses: [expect.stringMatching(/^10\.0\.\d+\.\d+\/24$/)],
            gateway4: expect.stringMatching(/^10\.0\.\d+\.1$/),
            dhcp: { ip4: { enabled: true } },
          },
        },
      ],
    });
    // v1alpha2 has no domain name there.
    expect((await get(f, 'vm1', V2)).status?.network?.config?.dns).toEqual({
      hostName: 'web',
      nameservers: ['1.1.1.1'],
      searchDomains: ['example.com'],
    });
  });

  it('has a cloud-init guest report the host name and static addresses its metadata gives it', async () => {
    const f = await setup();
    const vm = await f.create('vm1', {
      bootstrap: { cloudInit: { cloudConfig: {} } },
      network: {
        hostName: 'web',
        domainName: 'example.com',
        interfaces: [
          { name: 'eth0', addresses: ['192.168.5.7/24'], gateway4: '192.168.5.1' },
          { name: 'eth1', dhcp4: true },
        ],
      },
    });
    const network = vm.status?.network;
    expect(network?.hostName).toBe('web');
    expect(network?.primaryIP4).toBe('192.168.5.7');
    // Each address as the guest reports it, vSphere keeping its prefix apart.
    expect(network?.interfaces?.[0]?.ip?.addresses).toEqual([{ address: '192.168.5.7', state: 'preferred' }]);
    // DHCP: the address the network's pool gave it, as without metadata.
    expect(network?.interfaces?.[1]?.ip?.addresses?.[0]?.address).toMatch(/^10\.0\.\d+\.\d+$/);

    // The local addresses cloud-init's datasource publishes are the primary ones, when usable.
    const id = vm.status?.uniqueID as string;
    const publish = async (extraConfig: { key: string; value: string }[]) => {
      f.vsphere.vm.reconfigure(id, { extraConfig });
      await f.settle();
      await f.kube.patch(
        ref('vm1'),
        { metadata: { annotations: { touched: String(extraConfig.length) } } },
        { type: 'merge' },
      );
      await f.settle();
      return (await get(f, 'vm1')).status?.network;
    };
    expect(
      await publish([
        { key: 'guestinfo.local-ipv4', value: '192.168.5.8' },
        { key: 'guestinfo.local-ipv6', value: 'fd00::8' },
      ]),
    ).toMatchObject({ primaryIP4: '192.168.5.8', primaryIP6: 'fd00::8' });
    expect(
      await publish([
        { key: 'guestinfo.local-ipv4', value: '127.0.0.1' },
        { key: 'guestinfo.local-ipv6', value: 'fe80::8' },
      ]),
    ).toMatchObject({ primaryIP4: '192.168.5.7' });
    expect((await get(f, 'vm1')).status?.network).not.toHaveProperty('primaryIP6');
  });

  it('stays when the VM powers off, and follows a changed DNS at the next update', async () => {
    const f = await setup(SUPERVISOR_DNS);
    const on = await f.create('vm1');
    const told = on.status?.network?.config;
    await f.kube.patch(ref('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    const off = await get(f, 'vm1');
    expect(off.status?.powerState).toBe('PoweredOff');
    expect(off.status?.network).toEqual({ config: told });
    await f.kube.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: VM_OPERATOR_NAMESPACE, name: NETWORK_CONFIG_MAP },
      { data: { nameservers: '10.20.0.2' } },
      { type: 'merge' },
    );
    await f.settle();
    expect((await get(f, 'vm1')).status?.network?.config?.dns?.nameservers).toEqual(['10.20.0.2']);
  });

  it('keeps what it had while the Supervisor’s DNS still holds the installer’s placeholder, its update failing', async () => {
    const f = await setup(SUPERVISOR_DNS);
    const vm = await f.create('vm1');
    const told = vm.status?.network?.config;
    const dnsConfig = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: VM_OPERATOR_NAMESPACE,
      name: NETWORK_CONFIG_MAP,
    };
    await f.kube.patch(dnsConfig, { data: { nameservers: '<worker_dns>' } }, { type: 'merge' });
    await f.settle();
    const after = await get(f, 'vm1');
    expect(after.status?.network?.config).toEqual(told);
    expect(after.status?.powerState).toBe('PoweredOn');
    // As vm-operator's, whose bootstrap reads the DNS: the update fails, and a power change waits.
    expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1'))).toBe(
      'Error: failed to reconcile config: updating state failed with no valid nameservers in vmoperator-network-config ConfigMap. It still contains <worker_dns> key',
    );
    const vmRef = { apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' };
    await f.kube.patch(vmRef, { spec: { powerState: 'Suspended' } }, { type: 'merge' });
    await f.settle();
    expect((await get(f, 'vm1')).status?.powerState).toBe('PoweredOn');
    await f.kube.patch(dnsConfig, { data: { nameservers: '10.20.0.2' } }, { type: 'merge' });
    await f.settle();
    expect((await get(f, 'vm1')).status?.powerState).toBe('Suspended');
  });
});
