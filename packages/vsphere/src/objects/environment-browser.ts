/**
 * EnvironmentBrowser: what the hosts of a compute resource offer a VM, as vCenter answers
 * QueryConfigOptionDescriptor, QueryConfigOption, QueryConfigOptionEx and QueryConfigTarget.
 * Every compute resource (a cluster, a standalone host's) has one (`environmentBrowser` of the
 * compute resource and of its VMs). The hardware versions are those the simulated hosts run,
 * from vSphere 6.5's (vmx-13) to the latest, each with its release's largest VM; the guest
 * operating systems those the model names.
 */
import { faults } from '../faults.js';
import { HOST_HARDWARE } from '../inventory/defaults.js';
import { GUEST_IDS, guestFamily, guestFullName } from '../inventory/guest-os.js';
import type {
  DatastoreRecord,
  DvsRecord,
  EnvironmentBrowserRecord,
  HostRecord,
  NetworkRecord,
} from '../inventory/records.js';
import { GIB_MB, HARDWARE_VERSIONS, LATEST_HARDWARE_VERSION } from '../inventory/vm.js';
import type { Model, Ref } from '../model.js';
import { hostsOfComputeResource } from '../properties/compute.js';
import { networkSummary } from '../properties/network.js';
import { datastoreCapability, datastoreSummary } from '../properties/storage.js';
import { vmCapability } from '../properties/virtual-machine.js';
import { moref } from '../refs.js';
import { BUILTIN_DEVICES } from './vm-clone.js';

const keyOf = (version: number) => `vmx-${version}`;
const descriptionOf = (h: (typeof HARDWARE_VERSIONS)[number]) => `${h.release} virtual machine`;

/** A guest operating system as a config option describes it. */
const guestDescriptor = (id: string) => {
  const is64 = id.includes('64');
  const windows = id.startsWith('win');
  return {
    _type: 'GuestOsDescriptor',
    id,
    family: guestFamily(id),
    fullName: guestFullName(id),
    supportedMaxCPUs: 768,
    supportedMinMemMB: 4,
    supportedMaxMemMB: 24560 * GIB_MB,
    recommendedMemMB: windows ? 4096 : is64 ? 2048 : 256,
    recommendedColorDepth: 32,
    supportedDiskControllerList: [
      'ParaVirtualSCSIController',
      'VirtualLsiLogicSASController',
      'VirtualNVMEController',
    ],
    recommendedSCSIController: windows ? 'VirtualLsiLogicSASController' : 'ParaVirtualSCSIController',
    recommendedDiskController: windows ? 'VirtualLsiLogicSASController' : 'ParaVirtualSCSIController',
    supportedNumDisks: 256,
    recommendedDiskSizeMB: windows ? 90 * GIB_MB : is64 ? 16 * GIB_MB : 8 * GIB_MB,
    supportedEthernetCard: ['VirtualE1000', 'VirtualE1000e', 'VirtualVmxnet3'],
    recommendedEthernetCard: windows ? 'VirtualE1000e' : 'VirtualVmxnet3',
    supportedFirmware: ['bios', 'efi'],
    recommendedFirmware: windows || is64 ? 'efi' : 'bios',
    supportLevel: 'supported',
    supportedForCreate: true,
  };
};

/** VirtualHardwareOption of a hardware version: its CPU counts, cores per socket and memory. */
const hardwareOption = (h: (typeof HARDWARE_VERSIONS)[number]) => ({
  _type: 'VirtualHardwareOption',
  hwVersion: h.version,
  virtualDeviceOption: [],
  deviceListReadonly: false,
  numCPU: Array.from({ length: h.maxCPUs }, (_, i) => i + 1),
  numCoresPerSocket: { _type: 'IntOption', min: 1, max: h.maxCPUs, defaultValue: 1, valueIsReadonly: false },
  numCpuReadonly: false,
  memoryMB: { _type: 'LongOption', min: 4, max: h.maxMemoryMB, defaultValue: 32, valueIsReadonly: false },
});

/** QueryConfigOptionEx's spec, as far as the simulator reads it. */
export interface ConfigOptionSpec {
  readonly key?: string;
  readonly guestId?: readonly string[];
  readonly host?: Ref;
}

export const environmentBrowserOperations = (m: Model) => {
  const browserOf = (ref: Ref) => m.lookup<EnvironmentBrowserRecord>(ref, 'EnvironmentBrowser');
  /** The host asked about: one of the compute resource's (InvalidArgument otherwise). */
  const hostIn = (browser: EnvironmentBrowserRecord, host: Ref | undefined): HostRecord | undefined => {
    if (host === undefined) return undefined;
    const record = m.lookup<HostRecord>(host, 'HostSystem');
    if (record.parent !== browser.owner) throw faults.invalidArgument('host');
    return record;
  };

  /** The config option of a hardware version (the latest without a key), its guests filtered by id. */
  const configOption = (browserRef: Ref, spec: ConfigOptionSpec = {}) => {
    const browser = browserOf(browserRef);
    hostIn(browser, spec.host);
    const key = spec.key ?? LATEST_HARDWARE_VERSION;
    const hardware = HARDWARE_VERSIONS.find((h) => keyOf(h.version) === key);
    if (!hardware) throw faults.invalidArgument('key');
    // "If there is no match, the whole list is returned."
    const wanted = GUEST_IDS.filter((id) => spec.guestId?.includes(id));
    const guests = (wanted.length > 0 ? wanted : GUEST_IDS).map(guestDescriptor);
    return {
      _type: 'VirtualMachineConfigOption',
      version: key,
      description: descriptionOf(hardware),
      guestOSDescriptor: guests,
      guestOSDefaultIndex: 0,
      hardwareOptions: hardwareOption(hardware),
      capabilities: vmCapability(),
      datastore: { _type: 'DatastoreOption' },
      defaultDevice: BUILTIN_DEVICES,
      supportedMonitorType: ['release', 'debug', 'stats'],
      supportedOvfEnvironmentTransport: ['com.vmware.guestInfo', 'iso'],
      supportedOvfInstallTransport: ['com.vmware.guestInfo'],
    };
  };

  return {
    /** QueryConfigOptionDescriptor: the hardware versions the hosts run, the latest the default. */
    configOptionDescriptors(browserRef: Ref): object[] {
      const browser = browserOf(browserRef);
      const hosts = hostsOfComputeResource(m.store, browser.owner).map((h) => moref('HostSystem', h.id));
      return HARDWARE_VERSIONS.map((h) => ({
        _type: 'VirtualMachineConfigOptionDescriptor',
        key: keyOf(h.version),
        description: descriptionOf(h),
        host: hosts,
        createSupported: true,
        defaultConfigOption: keyOf(h.version) === LATEST_HARDWARE_VERSION,
        runSupported: true,
        upgradeSupported: true,
      }));
    },
    /** QueryConfigOption: `key` a hardware version (InvalidArgument for another). */
    configOption: (browser: Ref, key?: string, host?: Ref) =>
      configOption(browser, {
        ...(key === undefined ? {} : { key }),
        ...(host === undefined ? {} : { host }),
      }),
    /** QueryConfigOptionEx: as QueryConfigOption, the guests narrowed to `spec.guestId` when any matches. */
    configOptionEx: (browser: Ref, spec?: ConfigOptionSpec) => configOption(browser, spec ?? {}),
    /** QueryConfigTarget: the CPUs, datastores and networks of the hosts (or of `host`). */
    configTarget(browserRef: Ref, host?: Ref): object {
      const browser = browserOf(browserRef);
      const only = hostIn(browser, host);
      const hosts = only ? [only] : hostsOfComputeResource(m.store, browser.owner);
      const seen = new Set<string>();
      const datastore: object[] = [];
      const network: object[] = [];
      const distributedVirtualPortgroup: object[] = [];
      for (const h of hosts) {
        for (const id of h.datastores) {
          if (seen.has(id)) continue;
          seen.add(id);
          const ds = m.store.get(id) as DatastoreRecord | undefined;
          if (!ds) continue;
          datastore.push({
            _type: 'VirtualMachineDatastoreInfo',
            name: ds.name,
            datastore: datastoreSummary(ds),
            capability: datastoreCapability(),
            maxFileSize: ds.capacity,
            maxVirtualDiskCapacity: ds.capacity,
            mode: 'readWrite',
            vStorageSupport: 'vStorageUnsupported',
          });
        }
        for (const id of h.networks) {
          if (seen.has(id)) continue;
          seen.add(id);
          const net = m.store.get(id) as NetworkRecord | undefined;
          if (net?.kind === 'Network')
            network.push({
              _type: 'VirtualMachineNetworkInfo',
              name: net.name,
              network: networkSummary(net),
            });
          else if (net?.kind === 'DistributedVirtualPortgroup' && !net.uplink) {
            const dvs = m.store.get(net.dvs ?? '') as DvsRecord | undefined;
            distributedVirtualPortgroup.push({
              _type: 'DistributedVirtualPortgroupInfo',
              switchName: dvs?.name ?? '',
              switchUuid: dvs?.uuid ?? '',
              portgroupName: net.name,
              portgroupKey: net.key ?? net.id,
              portgroupType: 'earlyBinding',
              uplinkPortgroup: false,
              portgroup: moref('DistributedVirtualPortgroup', net.id),
              networkReservationSupported: false,
            });
          }
        }
      }
      return {
        _type: 'ConfigTarget',
        numCpus: HOST_HARDWARE.numCpuPkgs * hosts.length,
        numCpuCores: HOST_HARDWARE.numCpuCores * hosts.length,
        numNumaNodes: hosts.length,
        smcPresent: false,
        datastore,
        network,
        distributedVirtualPortgroup,
      };
    },
  };
};
