/**
 * Property-based convergence of a VM's NICs with MutableNetworks: whatever interfaces a user
 * sets, moves and removes while the VM is powered on and off, once it is off and settled its
 * NICs are its interfaces' (one each, with their NetworkInterfaces' MACs and portgroups) and no
 * NetworkInterface of it is left over.
 */
import type { VmRecord } from '@vsim/vsphere';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import type { KubeObject } from '../../store/meta.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { NET_OPERATOR_API_VERSION } from '../net-operator/index.js';

const NIC = { apiVersion: NET_OPERATOR_API_VERSION, kind: 'NetworkInterface' } as const;

/** An interface: its name and its network (`''`: the namespace's default). */
const iface = fc.record({
  name: fc.constantFrom('eth0', 'eth1', 'eth2'),
  network: fc.constantFrom('', 'other'),
});
const command = fc.oneof(
  fc.record({
    op: fc.constant('interfaces' as const),
    interfaces: fc.uniqueArray(iface, { selector: (i) => i.name, maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('power' as const),
    state: fc.constantFrom('PoweredOn' as const, 'PoweredOff' as const),
  }),
  fc.record({ op: fc.constant('round' as const) }),
);

describe('MutableNetworks convergence', () => {
  it("ends with a powered-off VM's NICs those of its interfaces, and no NetworkInterface left over", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 8 }), async (commands) => {
        const f = await createNamespaceFixture({
          capabilities: { mutableNetworks: true },
          vsphere: { inventory: { pg: 2 } },
        });
        await f.kube.create({
          apiVersion: NET_OPERATOR_API_VERSION,
          kind: 'Network',
          metadata: { name: 'other', namespace: 'ns1' },
          spec: { type: 'vsphere-distributed', providerRef: { name: 'DC0_DVPG1' } },
        });
        await f.createVm('vm1', { bootstrap: { disabled: true } });
        await f.settle();
        for (const c of commands) {
          if (c.op === 'round') await f.round();
          else if (c.op === 'power')
            await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: c.state } }, { type: 'merge' });
          else
            await f.kube.patch(
              f.vmRef('vm1'),
              {
                spec: {
                  network: {
                    interfaces: c.interfaces.map((i) => ({
                      name: i.name,
                      network: { kind: 'Network', name: i.network },
                    })),
                  },
                },
              },
              { type: 'merge' },
            );
        }
        await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
        await f.settle();
        const vm = f.kube.direct.get(f.vmRef('vm1')) as unknown as VirtualMachine;
        const record = f.vsphere.store.get(vm.status?.uniqueID as string) as VmRecord;
        expect(record.powerState).toBe('poweredOff');
        const nics = f.kube.direct
          .list(NIC.apiVersion, NIC.kind, 'ns1')
          .filter((n) =>
            n.metadata.ownerReferences?.some((o) => o.uid === vm.metadata.uid),
          ) as (KubeObject & {
          status?: { macAddress?: string; networkID?: string };
        })[];
        const interfaces = vm.spec?.network?.interfaces ?? [];
        // One NetworkInterface per interface, none left over.
        expect(nics.map((n) => n.metadata.name).sort()).toEqual(
          interfaces
            .map((i) => (i.network?.name ? `vm1-${i.network.name}-${i.name}` : `vm1-${i.name}`))
            .sort(),
        );
        // One NIC per interface, with its NetworkInterface's MAC and portgroup.
        const cards = record.config.devices.filter((d) => 'macAddress' in d);
        expect(
          cards
            .map(
              (d) =>
                `${d.macAddress}@${(d.backing as { port?: { portgroupKey?: string } }).port?.portgroupKey}`,
            )
            .sort(),
        ).toEqual(nics.map((n) => `${n.status?.macAddress}@${n.status?.networkID}`).sort());
        expect(f.supervisor.virtualMachines.controller.errors.size).toBe(0);
        // Running, the guest's NICs are reported under their interfaces' names, each found by its
        // NetworkInterface's portgroup, whatever the order of the devices. (Two interfaces on one
        // network are told apart by nothing but the order, as vm-operator's VDS matching: left out.)
        await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
        await f.settle();
        const running = f.kube.direct.get(f.vmRef('vm1')) as unknown as VirtualMachine;
        const macByName = new Map(nics.map((n) => [n.metadata.name, n.status?.macAddress]));
        const nicName = (i: (typeof interfaces)[number]) =>
          i.network?.name ? `vm1-${i.network.name}-${i.name}` : `vm1-${i.name}`;
        const networks = interfaces.map((i) => i.network?.name ?? '');
        const alone = interfaces.filter(
          (i) => networks.filter((n) => n === (i.network?.name ?? '')).length === 1,
        );
        const reported = new Map(
          (running.status?.network?.interfaces ?? []).map((i) => [i.name, i.ip?.macAddr]),
        );
        expect(reported.size).toBe(interfaces.length);
        for (const i of alone) expect(reported.get(i.name)).toBe(macByName.get(nicName(i)));
      }),
      { numRuns: 25, seed: 11 },
    );
  });
});
