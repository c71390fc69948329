/**
 * A host's standard networking, as its HostNetworkSystem shows it: virtual switches, their
 * portgroups, the physical NIC `vmnic0` and the management VMkernel NIC `vmk0`. Until a client
 * changes them, the switches and portgroups are derived from the host's standard networks.
 */
import { isEthernetCard, nicNetwork } from '../inventory/devices.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DataObject,
  HostNetworkSystemRecord,
  HostRecord,
  NetworkRecord,
  PortGroupState,
  VirtualSwitchState,
  VmRecord,
} from '../inventory/records.js';
import type { PropertyTable, ReadContext } from './context.js';
import { entityProperties } from './entity.js';

const DEFAULT_VSWITCH = 'vSwitch0';
/** The portgroup of the host's management NIC, vmk0: a host-only portgroup, no Network. */
const MANAGEMENT_PORTGROUP = 'Management Network';
const MANAGEMENT_NIC = 'vmk0';
const UPLINK = 'vmnic0';
/** ESXi's switch ports are elastic: a switch reports this many whatever its spec asks. */
const SWITCH_PORTS = 1536;

export interface HostNetworking {
  readonly vswitches: readonly VirtualSwitchState[];
  readonly portgroups: readonly PortGroupState[];
}

/** The switches and portgroups of a host: those kept, or those its standard networks make. */
export const hostNetworking = (
  store: ReadContext['store'],
  system: HostNetworkSystemRecord,
): HostNetworking => {
  if (system.vswitches && system.portgroups)
    return { vswitches: system.vswitches, portgroups: system.portgroups };
  const host = store.get(system.owner) as HostRecord | undefined;
  const names = new Set<string>();
  for (const id of host?.networks ?? []) {
    const net = store.get(id);
    if (net?.kind === 'Network') names.add(net.name);
  }
  names.add(MANAGEMENT_PORTGROUP);
  return {
    vswitches: [{ name: DEFAULT_VSWITCH, numPorts: 128, mtu: 1500, nics: [UPLINK] }],
    portgroups: [...names].map((name) => ({ name, vswitch: DEFAULT_VSWITCH, vlanId: 0 })),
  };
};

/** The datacenter's standard Network of a name: what VMs on a portgroup of that name use. */
export const networkNamed = (
  store: ReadContext['store'],
  host: HostRecord,
  name: string,
): NetworkRecord | undefined => {
  const dc = datacenterOf(store, host.id)?.id;
  for (const net of store.ofKind<NetworkRecord>('Network'))
    if (net.name === name && datacenterOf(store, net.id)?.id === dc) return net;
  return undefined;
};

/** The host's Network of a name: a portgroup's, which the host is on (no datacenter-wide search). */
export const hostNetworkNamed = (
  store: ReadContext['store'],
  host: HostRecord,
  name: string,
): NetworkRecord | undefined => {
  for (const id of host.networks) {
    const net = store.get(id);
    if (net?.kind === 'Network' && net.name === name) return net as NetworkRecord;
  }
  return undefined;
};

/** The MACs of the NICs of the host's VMs that are on a network. */
const vmMacsOn = (store: ReadContext['store'], host: string, network: string): string[] => {
  const macs: string[] = [];
  for (const id of store.referrers('vm', network)) {
    const vm = store.get(id) as VmRecord | undefined;
    if (vm?.kind !== 'VirtualMachine' || vm.host !== host) continue;
    for (const d of vm.config.devices)
      if (isEthernetCard(d) && nicNetwork(d) === network) macs.push(String(d.macAddress));
  }
  return macs;
};

const switchKey = (name: string) => `key-vim.host.VirtualSwitch-${name}`;
const portgroupKey = (name: string) => `key-vim.host.PortGroup-${name}`;
const pnicKey = (device: string) => `key-vim.host.PhysicalNic-${device}`;

/** The host's NIC's MAC, from its UUID: the same host always has the same one. */
const hostMac = (host: HostRecord) => `00:0c:29:${host.uuid.slice(-6).replace(/(..)(?=.)/g, '$1:')}`;

/** The policy ESXi gives a new switch: its NICs active in order, the rest at their defaults. */
const switchPolicy = (nics: readonly string[]) => ({
  _type: 'HostNetworkPolicy',
  security: {
    _type: 'HostNetworkSecurityPolicy',
    allowPromiscuous: false,
    macChanges: true,
    forgedTransmits: true,
  },
  nicTeaming: {
    _type: 'HostNicTeamingPolicy',
    policy: 'loadbalance_srcid',
    reversePolicy: true,
    notifySwitches: true,
    rollingOrder: false,
    failureCriteria: {
      _type: 'HostNicFailureCriteria',
      checkSpeed: 'minimum',
      speed: 10,
      checkDuplex: false,
      fullDuplex: false,
      checkErrorPercent: false,
      percentage: 0,
      checkBeacon: false,
    },
    nicOrder: { _type: 'HostNicOrderPolicy', activeNic: [...nics], standbyNic: [] },
  },
  offloadPolicy: {
    _type: 'HostNetOffloadCapabilities',
    csumOffload: true,
    tcpSegmentation: true,
    zeroCopyXmit: true,
  },
  shapingPolicy: { _type: 'HostNetworkTrafficShapingPolicy', enabled: false },
});

const policyOf = (sw: VirtualSwitchState): DataObject => sw.policy ?? switchPolicy(sw.nics);

/** What a portgroup inherits from its switch, with what its own policy sets over it. */
const computedPolicy = (sw: VirtualSwitchState | undefined, pg: PortGroupState) => {
  const base: Record<string, unknown> = { ...(sw ? policyOf(sw) : { _type: 'HostNetworkPolicy' }) };
  for (const [k, v] of Object.entries(pg.policy ?? {})) if (k !== '_type' && v !== undefined) base[k] = v;
  return base;
};

const switchSpec = (sw: VirtualSwitchState) => ({
  _type: 'HostVirtualSwitchSpec',
  numPorts: sw.numPorts,
  ...(sw.nics.length > 0
    ? { bridge: { _type: 'HostVirtualSwitchBondBridge', nicDevice: [...sw.nics] } }
    : {}),
  policy: policyOf(sw),
  mtu: sw.mtu,
});

const portgroupSpec = (pg: PortGroupState) => ({
  _type: 'HostPortGroupSpec',
  name: pg.name,
  vlanId: pg.vlanId,
  vswitchName: pg.vswitch,
  policy: pg.policy ?? { _type: 'HostNetworkPolicy' },
});

const linkSpeed = { _type: 'PhysicalNicLinkInfo', speedMb: 10000, duplex: true };

const physicalNics = (host: HostRecord) => [
  {
    _type: 'PhysicalNic',
    key: pnicKey(UPLINK),
    device: UPLINK,
    pci: '0000:0b:00.0',
    driver: 'nvmxnet3',
    linkSpeed,
    validLinkSpecification: [linkSpeed],
    spec: { _type: 'PhysicalNicSpec', linkSpeed },
    wakeOnLanSupported: false,
    mac: hostMac(host),
  },
];

/** vmk0, the host's management NIC, on the given portgroup (HostConfigInfo.network has it too). */
export const managementNic = (host: HostRecord, portgroup = MANAGEMENT_PORTGROUP) => ({
  _type: 'HostVirtualNic',
  device: MANAGEMENT_NIC,
  key: `key-vim.host.VirtualNic-${MANAGEMENT_NIC}`,
  portgroup,
  spec: {
    _type: 'HostVirtualNicSpec',
    ip: { _type: 'HostIpConfig', dhcp: false, ipAddress: host.ip, subnetMask: '255.240.0.0' },
    mac: hostMac(host),
    mtu: 1500,
  },
});

/** The portgroups the management NIC holds: they cannot be removed, renamed or moved away. */
export const hasManagementNic = (pg: PortGroupState): boolean => pg.name === MANAGEMENT_PORTGROUP;

const networkInfo = (system: HostNetworkSystemRecord, ctx: ReadContext) => {
  const host = ctx.store.get(system.owner) as HostRecord | undefined;
  if (!host) return undefined;
  const { vswitches, portgroups } = hostNetworking(ctx.store, system);
  const portsOf = (pg: PortGroupState) => {
    const ports: object[] = [];
    if (hasManagementNic(pg)) ports.push({ _type: 'HostPortGroupPort', mac: [hostMac(host)], type: 'host' });
    const net = hostNetworkNamed(ctx.store, host, pg.name);
    if (net)
      for (const mac of vmMacsOn(ctx.store, host.id, net.id))
        ports.push({ _type: 'HostPortGroupPort', mac: [mac], type: 'virtualMachine' });
    return ports;
  };
  const ports = new Map(portgroups.map((pg) => [pg, portsOf(pg)] as const));
  return {
    _type: 'HostNetworkInfo',
    vswitch: vswitches.map((sw) => {
      const own = portgroups.filter((pg) => pg.vswitch === sw.name);
      const used = own.reduce((n, pg) => n + (ports.get(pg)?.length ?? 0), 0);
      return {
        _type: 'HostVirtualSwitch',
        name: sw.name,
        key: switchKey(sw.name),
        numPorts: SWITCH_PORTS,
        numPortsAvailable: SWITCH_PORTS - used,
        mtu: sw.mtu,
        portgroup: own.map((pg) => portgroupKey(pg.name)),
        pnic: sw.nics.map(pnicKey),
        spec: switchSpec(sw),
      };
    }),
    portgroup: portgroups.map((pg) => ({
      _type: 'HostPortGroup',
      key: portgroupKey(pg.name),
      port: ports.get(pg),
      vswitch: switchKey(pg.vswitch),
      computedPolicy: computedPolicy(
        vswitches.find((sw) => sw.name === pg.vswitch),
        pg,
      ),
      spec: portgroupSpec(pg),
    })),
    pnic: physicalNics(host),
    vnic: portgroups.filter(hasManagementNic).map((pg) => managementNic(host, pg.name)),
  };
};

const networkConfig = (system: HostNetworkSystemRecord, ctx: ReadContext) => {
  const host = ctx.store.get(system.owner) as HostRecord | undefined;
  if (!host) return undefined;
  const { vswitches, portgroups } = hostNetworking(ctx.store, system);
  return {
    _type: 'HostNetworkConfig',
    vswitch: vswitches.map((sw) => ({
      _type: 'HostVirtualSwitchConfig',
      name: sw.name,
      spec: switchSpec(sw),
    })),
    portgroup: portgroups.map((pg) => ({ _type: 'HostPortGroupConfig', spec: portgroupSpec(pg) })),
    pnic: physicalNics(host).map((nic) => ({
      _type: 'PhysicalNicConfig',
      device: nic.device,
      spec: nic.spec,
    })),
    vnic: portgroups.filter(hasManagementNic).map((pg) => {
      const nic = managementNic(host, pg.name);
      return { _type: 'HostVirtualNicConfig', device: nic.device, portgroup: nic.portgroup, spec: nic.spec };
    }),
  };
};

export const hostNetworkSystemProperties: PropertyTable<HostNetworkSystemRecord> = {
  networkInfo,
  networkConfig,
  capabilities: () => ({
    _type: 'HostNetCapabilities',
    canSetPhysicalNicLinkSpeed: true,
    supportsNicTeaming: true,
    nicTeamingPolicy: ['loadbalance_ip', 'loadbalance_srcmac', 'loadbalance_srcid', 'failover_explicit'],
    supportsVlan: true,
    usesServiceConsoleNic: false,
    supportsNetworkHints: true,
    vswitchConfigSupported: true,
    vnicConfigSupported: true,
    ipRouteConfigSupported: true,
    dnsConfigSupported: true,
    dhcpOnVnicSupported: true,
    ipV6Supported: true,
  }),
  offloadCapabilities: () => ({
    _type: 'HostNetOffloadCapabilities',
    csumOffload: true,
    tcpSegmentation: true,
    zeroCopyXmit: true,
  }),
  value: entityProperties.value as PropertyTable<HostNetworkSystemRecord>[string],
  availableField: entityProperties.availableField as PropertyTable<HostNetworkSystemRecord>[string],
};
