/** HostSystem's properties. */
import { HOST_HARDWARE, HOST_PRODUCT } from '../inventory/defaults.js';
import { browserIdOf, type HostRecord, type VmRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { iso, type PropertyTable, type ReadContext, referrerRefs, refOf, refsOf } from './context.js';
import { configManager } from './host-config.js';
import { managementNic } from './host-network.js';

export const hostRuntime = (host: HostRecord) => ({
  _type: 'HostRuntimeInfo',
  connectionState: host.connectionState,
  powerState: host.powerState,
  standbyMode: 'none',
  inMaintenanceMode: host.inMaintenanceMode,
  inQuarantineMode: false,
  bootTime: iso(host.bootTime),
});

const hardwareSummary = (host: HostRecord) => ({
  _type: 'HostHardwareSummary',
  vendor: HOST_HARDWARE.vendor,
  model: HOST_HARDWARE.model,
  uuid: host.uuid,
  memorySize: HOST_HARDWARE.memorySize,
  cpuModel: HOST_HARDWARE.cpuModel,
  cpuMhz: HOST_HARDWARE.cpuMhz,
  numCpuPkgs: HOST_HARDWARE.numCpuPkgs,
  numCpuCores: HOST_HARDWARE.numCpuCores,
  numCpuThreads: HOST_HARDWARE.numCpuThreads,
  numNics: HOST_HARDWARE.numNics,
  numHBAs: HOST_HARDWARE.numHBAs,
});

/** CPU (MHz) and memory (MB) the running VMs on a host use, for quickStats. */
const usage = (host: HostRecord, ctx: ReadContext) => {
  let cpu = 0;
  let memory = 0;
  for (const id of ctx.store.referrers('vm', host.id)) {
    const vm = ctx.store.get(id) as VmRecord | undefined;
    if (vm?.powerState !== 'poweredOn') continue;
    cpu += 12;
    memory += vm.config.memoryMB;
  }
  return { cpu, memory };
};

export const hostSummary = (host: HostRecord, ctx: ReadContext) => {
  const used = usage(host, ctx);
  return {
    _type: 'HostListSummary',
    host: moref('HostSystem', host.id),
    hardware: hardwareSummary(host),
    runtime: hostRuntime(host),
    config: {
      _type: 'HostConfigSummary',
      name: host.name,
      port: 443,
      product: HOST_PRODUCT,
      vmotionEnabled: false,
      faultToleranceEnabled: true,
    },
    quickStats: {
      _type: 'HostListSummaryQuickStats',
      overallCpuUsage: used.cpu,
      overallMemoryUsage: used.memory,
      distributedCpuFairness: 0,
      distributedMemoryFairness: 0,
      uptime: Math.floor((ctx.clock.now() - host.bootTime) / 1000),
    },
    overallStatus: 'green',
    rebootRequired: false,
    managementServerIp: '127.0.0.1',
    maxEVCModeKey: 'intel-ivybridge',
  };
};

export const hostSystemProperties: PropertyTable<HostRecord> = {
  summary: hostSummary,
  runtime: (host) => hostRuntime(host),
  hardware: (host) => ({
    _type: 'HostHardwareInfo',
    systemInfo: {
      _type: 'HostSystemInfo',
      vendor: HOST_HARDWARE.vendor,
      model: HOST_HARDWARE.model,
      uuid: host.uuid,
    },
    cpuInfo: {
      _type: 'HostCpuInfo',
      numCpuPackages: HOST_HARDWARE.numCpuPkgs,
      numCpuCores: HOST_HARDWARE.numCpuCores,
      numCpuThreads: HOST_HARDWARE.numCpuThreads,
      hz: HOST_HARDWARE.cpuMhz * 1_000_000,
    },
    memorySize: HOST_HARDWARE.memorySize,
  }),
  config: (host) => {
    const nic = managementNic(host);
    const managing = { ...nic, key: `management.${nic.key}` };
    return {
      _type: 'HostConfigInfo',
      host: moref('HostSystem', host.id),
      product: HOST_PRODUCT,
      network: { _type: 'HostNetworkInfo', vnic: [nic] },
      // vmk0 serves management: where govmomi finds a host's address (ManagementIPs, service tickets).
      virtualNicManagerInfo: {
        _type: 'HostVirtualNicManagerInfo',
        netConfig: [
          {
            _type: 'VirtualNicManagerNetConfig',
            nicType: 'management',
            multiSelectAllowed: true,
            candidateVnic: [managing],
            selectedVnic: [managing.key],
          },
        ],
      },
    };
  },
  configManager,
  vm: (host, ctx) => referrerRefs(ctx, 'vm', host.id, 'VirtualMachine'),
  datastore: (host, ctx) => refsOf(ctx, host.datastores),
  datastoreBrowser: (host, ctx) => refOf(ctx, browserIdOf(host.id)),
  network: (host, ctx) => refsOf(ctx, host.networks),
  capability: () => ({
    _type: 'HostCapability',
    maintenanceModeSupported: true,
    rebootSupported: true,
    shutdownSupported: true,
    vmotionSupported: true,
    nfsSupported: true,
    vsanSupported: true,
  }),
};
