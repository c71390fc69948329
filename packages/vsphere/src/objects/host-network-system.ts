/**
 * HostNetworkSystem: a host's standard switches and portgroups (AddVirtualSwitch,
 * RemoveVirtualSwitch, AddPortGroup, RemovePortGroup, UpdatePortGroup), as govc's
 * `host.vswitch.*` and `host.portgroup.*` call them.
 *
 * A portgroup is what VMs see as a Network: as vCenter does, the datacenter's standard Network
 * of the portgroup's name (made with the first host's portgroup of that name) lists the host,
 * and goes when no host has such a portgroup and no VM uses it. A portgroup in use (a VM of the
 * host on its Network, or the management NIC on it) cannot be removed or renamed: ResourceInUse.
 */
import { faults } from '../faults.js';
import { putNetwork } from '../inventory/build.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DataObject,
  HostNetworkSystemRecord,
  HostRecord,
  PortGroupState,
  VirtualSwitchState,
  VmRecord,
} from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';
import {
  type HostNetworking,
  hasManagementNic,
  hostNetworking,
  hostNetworkNamed,
  networkNamed,
} from '../properties/host-network.js';
import { callOn, current } from './entity.js';

/** HostVirtualSwitchSpec, as far as the simulator reads it. */
export interface VirtualSwitchSpec {
  readonly numPorts?: number;
  readonly bridge?: { readonly nicDevice?: readonly string[] };
  readonly policy?: DataObject;
  readonly mtu?: number;
}

/** HostPortGroupSpec. */
export interface PortGroupSpec {
  readonly name: string;
  readonly vlanId: number;
  readonly vswitchName: string;
  readonly policy?: DataObject;
}

/** ESXi's limits: a switch's name, its ports, its MTU, a VLAN id (4095 trunks all VLANs). */
const MAX_SWITCH_NAME = 32;
const PORTS = { min: 8, max: 4088 };
const MTU = { min: 1280, max: 9000 };
const MAX_VLAN = 4095;
/** The host's physical NICs (HOST_HARDWARE.numNics). */
const PHYSICAL_NICS = ['vmnic0'];

const portgroupOf = (spec: PortGroupSpec): PortGroupState => ({
  name: spec.name,
  vswitch: spec.vswitchName,
  vlanId: spec.vlanId,
  ...(spec.policy ? { policy: spec.policy } : {}),
});

export const hostNetworkSystemOperations = (m: Model) => {
  /** One change of a host's networking, in one transaction: `work` returns the new switches and portgroups. */
  const change = (
    method: string,
    system: Ref,
    work: (tx: Tx, host: HostRecord, now: HostNetworking) => HostNetworking,
  ): void => {
    callOn<HostNetworkSystemRecord>(m, method, system, 'HostNetworkSystem', (tx, self) => {
      const host = current<HostRecord>(tx, self.owner, 'HostSystem');
      const next = work(tx, host, hostNetworking(m.store, self));
      tx.put(Object.assign({}, self, { vswitches: next.vswitches, portgroups: next.portgroups }));
    });
  };

  /** Whether the management NIC or a VM of the host is on the portgroup. */
  const inUse = (tx: Tx, host: HostRecord, pg: PortGroupState): boolean => {
    if (hasManagementNic(pg)) return true;
    const net = hostNetworkNamed(m.store, host, pg.name);
    if (!net) return false;
    for (const id of m.store.referrers('vm', net.id))
      if ((tx.get(id) as VmRecord | undefined)?.host === host.id) return true;
    return false;
  };

  /** The host joins the datacenter's Network of the portgroup's name, made if there is none. */
  const joinNetwork = (tx: Tx, host: HostRecord, name: string): void => {
    let net = networkNamed(m.store, host, name)?.id;
    if (!net) {
      const dc = datacenterOf(m.store, host.id);
      if (!dc) throw faults.hostConfigFault(`The host ${host.name} is in no datacenter.`);
      net = putNetwork(m, tx, dc.networkFolder, name);
    }
    const now = tx.get(host.id) as HostRecord;
    if (!now.networks.includes(net)) tx.put(Object.assign({}, now, { networks: [...now.networks, net] }));
  };

  /** The host leaves the Network of the portgroup's name; a Network no host and no VM has goes. */
  const leaveNetwork = (tx: Tx, host: HostRecord, name: string): void => {
    const net = hostNetworkNamed(m.store, host, name);
    if (!net) return;
    const now = tx.get(host.id) as HostRecord;
    tx.put(Object.assign({}, now, { networks: now.networks.filter((n) => n !== net.id) }));
    const hosts = [...m.store.referrers('host', net.id)].filter((h) => h !== host.id);
    if (hosts.length === 0 && m.store.referrers('vm', net.id).size === 0) tx.remove(net.id);
  };

  const checkVlan = (spec: PortGroupSpec) => {
    if (!spec.name) throw faults.invalidArgument('portgrp.name');
    if (!Number.isInteger(spec.vlanId) || spec.vlanId < 0 || spec.vlanId > MAX_VLAN)
      throw faults.invalidArgument('portgrp.vlanId');
  };

  const switchNamed = (now: HostNetworking, name: string): VirtualSwitchState => {
    const sw = now.vswitches.find((s) => s.name === name);
    if (!sw) throw faults.notFound(`The virtual switch '${name}' does not exist on the host.`);
    return sw;
  };

  const portgroupNamed = (now: HostNetworking, name: string): PortGroupState => {
    const pg = now.portgroups.find((p) => p.name === name);
    if (!pg) throw faults.notFound(`The portgroup '${name}' does not exist on the host.`);
    return pg;
  };

  return {
    /**
     * AddVirtualSwitch: AlreadyExists for a name the host has; ResourceInUse for a physical NIC
     * another switch bridges, HostConfigFault for one the host does not have.
     */
    addVirtualSwitch(system: Ref, vswitchName: string, spec?: VirtualSwitchSpec): void {
      change('AddVirtualSwitch', system, (_tx, _host, now) => {
        if (!vswitchName || vswitchName.length > MAX_SWITCH_NAME) throw faults.invalidArgument('vswitchName');
        if (now.vswitches.some((s) => s.name === vswitchName)) throw faults.alreadyExists(vswitchName);
        const numPorts = spec?.numPorts ?? 128;
        const mtu = spec?.mtu ?? 1500;
        if (!Number.isInteger(numPorts) || numPorts < PORTS.min || numPorts > PORTS.max)
          throw faults.invalidArgument('spec.numPorts');
        if (!Number.isInteger(mtu) || mtu < MTU.min || mtu > MTU.max)
          throw faults.invalidArgument('spec.mtu');
        const nics = [...(spec?.bridge?.nicDevice ?? [])];
        for (const nic of nics) {
          if (!PHYSICAL_NICS.includes(nic))
            throw faults.hostConfigFault(`The host has no physical NIC '${nic}'.`);
          if (now.vswitches.some((s) => s.nics.includes(nic))) throw faults.resourceInUse('PhysicalNic', nic);
        }
        const sw: VirtualSwitchState = {
          name: vswitchName,
          numPorts,
          mtu,
          nics,
          ...(spec?.policy ? { policy: spec.policy } : {}),
        };
        return { vswitches: [...now.vswitches, sw], portgroups: now.portgroups };
      });
    },

    /** RemoveVirtualSwitch: its portgroups go with it; ResourceInUse while one of them is in use. */
    removeVirtualSwitch(system: Ref, vswitchName: string): void {
      change('RemoveVirtualSwitch', system, (tx, host, now) => {
        switchNamed(now, vswitchName);
        const own = now.portgroups.filter((pg) => pg.vswitch === vswitchName);
        for (const pg of own)
          if (inUse(tx, host, pg)) throw faults.resourceInUse('VirtualSwitch', vswitchName);
        for (const pg of own) leaveNetwork(tx, host, pg.name);
        return {
          vswitches: now.vswitches.filter((s) => s.name !== vswitchName),
          portgroups: now.portgroups.filter((pg) => pg.vswitch !== vswitchName),
        };
      });
    },

    /** AddPortGroup: NotFound for a switch the host does not have, AlreadyExists for a name it has. */
    addPortGroup(system: Ref, spec: PortGroupSpec): void {
      change('AddPortGroup', system, (tx, host, now) => {
        checkVlan(spec);
        switchNamed(now, spec.vswitchName);
        if (now.portgroups.some((pg) => pg.name === spec.name)) throw faults.alreadyExists(spec.name);
        joinNetwork(tx, host, spec.name);
        return { vswitches: now.vswitches, portgroups: [...now.portgroups, portgroupOf(spec)] };
      });
    },

    /** RemovePortGroup: NotFound for a name the host does not have; ResourceInUse while in use. */
    removePortGroup(system: Ref, pgName: string): void {
      change('RemovePortGroup', system, (tx, host, now) => {
        const pg = portgroupNamed(now, pgName);
        if (inUse(tx, host, pg)) throw faults.resourceInUse('Portgroup', pgName);
        leaveNetwork(tx, host, pgName);
        return { vswitches: now.vswitches, portgroups: now.portgroups.filter((p) => p !== pg) };
      });
    },

    /**
     * UpdatePortGroup: the portgroup takes the spec (its VLAN, switch, policy, name). NotFound for
     * a portgroup or switch the host does not have, AlreadyExists for a new name it has,
     * ResourceInUse for renaming one in use.
     */
    updatePortGroup(system: Ref, pgName: string, spec: PortGroupSpec): void {
      change('UpdatePortGroup', system, (tx, host, now) => {
        const pg = portgroupNamed(now, pgName);
        checkVlan(spec);
        switchNamed(now, spec.vswitchName);
        if (spec.name !== pgName) {
          if (now.portgroups.some((p) => p.name === spec.name)) throw faults.alreadyExists(spec.name);
          if (inUse(tx, host, pg)) throw faults.resourceInUse('Portgroup', pgName);
          leaveNetwork(tx, host, pgName);
          joinNetwork(tx, host, spec.name);
        }
        const next = portgroupOf(spec);
        return { vswitches: now.vswitches, portgroups: now.portgroups.map((p) => (p === pg ? next : p)) };
      });
    },
  };
};

export type HostNetworkSystemOperations = ReturnType<typeof hostNetworkSystemOperations>;
