/** Network, DistributedVirtualPortgroup and VmwareDistributedVirtualSwitch properties. */
import type { DvsRecord, NetworkRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { type PropertyTable, referrerRefs, refOf } from './context.js';

export const networkSummary = (net: NetworkRecord) => ({
  _type: 'NetworkSummary',
  network: moref(net.kind, net.id),
  name: net.name,
  accessible: true,
  ipPoolName: '',
});

export const networkProperties: PropertyTable<NetworkRecord> = {
  summary: networkSummary,
  host: (net, ctx) => referrerRefs(ctx, 'host', net.id, 'HostSystem'),
  vm: (net, ctx) => referrerRefs(ctx, 'vm', net.id, 'VirtualMachine'),
};

export const portgroupProperties: PropertyTable<NetworkRecord> = {
  ...networkProperties,
  key: (pg) => pg.key ?? pg.id,
  config: (pg, ctx) => ({
    _type: 'DVPortgroupConfigInfo',
    key: pg.key ?? pg.id,
    name: pg.name,
    numPorts: pg.numPorts ?? 0,
    distributedVirtualSwitch: refOf(ctx, pg.dvs),
    type: 'earlyBinding',
    autoExpand: true,
    uplink: pg.uplink ?? false,
    description: '',
    defaultPortConfig: {
      _type: 'VMwareDVSPortSetting',
      vlan: { _type: 'VmwareDistributedVirtualSwitchVlanIdSpec', inherited: false, vlanId: 0 },
    },
  }),
  portKeys: () => [],
};

export const dvsProperties: PropertyTable<DvsRecord> = {
  uuid: (dvs) => dvs.uuid,
  portgroup: (dvs, ctx) => referrerRefs(ctx, 'portgroup', dvs.id, 'DistributedVirtualPortgroup'),
  summary: (dvs, ctx) => ({
    _type: 'DVSSummary',
    name: dvs.name,
    uuid: dvs.uuid,
    numPorts: 0,
    productInfo: {
      _type: 'DistributedVirtualSwitchProductSpec',
      name: 'DVS',
      vendor: 'VMware, Inc.',
      version: '8.0.0',
    },
    hostMember: dvs.hosts.map((h) => moref('HostSystem', h)),
    vm: [],
    host: dvs.hosts.map((h) => moref('HostSystem', h)),
    portgroupName: referrerRefs(ctx, 'portgroup', dvs.id).map((r) => ctx.store.get(r.value)?.name ?? ''),
    description: '',
    numHosts: dvs.hosts.length,
  }),
  config: (dvs, ctx) => ({
    _type: 'VMwareDVSConfigInfo',
    uuid: dvs.uuid,
    name: dvs.name,
    numStandalonePorts: 0,
    numPorts: 0,
    maxPorts: 2147483647,
    uplinkPortgroup: referrerRefs(ctx, 'portgroup', dvs.id).filter(
      (r) => (ctx.store.get(r.value) as NetworkRecord).uplink,
    ),
    host: dvs.hosts.map((h) => ({
      _type: 'DistributedVirtualSwitchHostMember',
      config: {
        _type: 'DistributedVirtualSwitchHostMemberConfigInfo',
        host: moref('HostSystem', h),
        maxProxySwitchPorts: 512,
      },
      status: 'up',
    })),
    productInfo: {
      _type: 'DistributedVirtualSwitchProductSpec',
      name: 'DVS',
      vendor: 'VMware, Inc.',
      version: '8.0.0',
    },
    configVersion: '1',
  }),
};
