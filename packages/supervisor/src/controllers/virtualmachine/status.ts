/**
 * A VirtualMachine's status as vm-operator reads it back from vSphere: power state, the
 * ids from the VM's configuration, where it runs, its guest's addresses per interface.
 */
import {
  customizationStatus,
  extraConfigValue,
  getOrInsert,
  hardwareVersionNumber,
  isIp,
  mapped,
  type VmRecord,
  type VSphere,
} from '@vsim/vsphere';
import { CONDITION_ANNOTATION_PREFIX } from '../../api/annotations.js';
import { isGoTrue } from '../../api/go-strconv.js';
import type {
  VirtualMachine,
  VirtualMachineGuestStatus,
  VirtualMachineNetworkConfigStatus,
  VirtualMachineNetworkInterfaceIPStatus,
  VirtualMachineNetworkInterfaceStatus,
  VirtualMachinePowerState,
  VirtualMachineProviderStatus,
  VirtualMachineStatus,
  VirtualMachineVolume,
  VirtualMachineVolumeStatus,
} from '../../api/types.js';
import { keysWithPrefix } from '../../api/vm-metadata-validation.js';
import { timestamp } from '../../store/meta.js';
import { CONDITION, isAbsent, isFalse, isTrue, isUnknown, REASON, type Verdict } from './conditions.js';
import { hasTpm } from './crypto.js';
import { hardwareStatus } from './hardware-status.js';
import { reconcileReadyVerdict } from './paused.js';
import { snapshotSizes } from './snapshots.js';
import { classicVolumes, storageStatus } from './volumes.js';

export const POWER_STATE: Readonly<Record<VmRecord['powerState'], VirtualMachinePowerState>> = {
  poweredOn: 'PoweredOn',
  poweredOff: 'PoweredOff',
  suspended: 'Suspended',
};

/** The name of the spec's interface a NIC is, by its device key; undefined for a NIC of none. */
export type InterfaceNames = (deviceKey: number) => string | undefined;

export const NO_INTERFACE_NAMES: InterfaceNames = () => undefined;

/** Whether an address the guest reports is an IPv6 one. */
const isIPv6 = (address: string) => address.includes(':');

/**
 * Whether an address is valid on the guest alone (unspecified, link-local or loopback), which
 * vm-operator takes as no primary one; private ones are primary ones.
 */
const isGuestLocal = (address: string): boolean => {
  if (!isIPv6(address))
    return (
      address === '0.0.0.0' ||
      address.startsWith('127.') ||
      address.startsWith('169.254.') ||
      address.startsWith('224.0.0.')
    );
  const lower = address.toLowerCase();
  return lower === '::' || lower === '::1' || /^fe[89ab]/.test(lower) || /^ff[0-9a-f]2:/.test(lower);
};

/** An address someone wrote (the guest's extra config) that makes a primary one. */
const isPrimaryCandidate = (address: string | undefined): address is string =>
  address !== undefined && isIp(address) && !isGuestLocal(address);

/** Where cloud-init's VMware datasource publishes the guest's own addresses. */
const CLOUD_INIT_LOCAL_IPV4 = 'guestinfo.local-ipv4';
const CLOUD_INIT_LOCAL_IPV6 = 'guestinfo.local-ipv6';

interface PrimaryAddresses {
  readonly ip4: string;
  readonly ip6: string;
}

const NO_PRIMARY: PrimaryAddresses = Object.freeze({ ip4: '', ip6: '' });

/**
 * A running guest's primary addresses as vm-operator takes them: the one its tools report, if
 * it is no local one; for a cloud-init guest, the local addresses its datasource published first.
 */
function primaryAddresses(record: VmRecord, cloudInit: boolean): PrimaryAddresses {
  const reported = record.guest.ipAddress;
  let ip4 = '';
  let ip6 = '';
  // The model's guest reports addresses it checked when they were given.
  if (reported !== undefined && !isGuestLocal(reported)) {
    if (isIPv6(reported)) ip6 = reported;
    else ip4 = reported;
  }
  if (cloudInit) {
    const local4 = extraConfigValue(record.config, CLOUD_INIT_LOCAL_IPV4);
    if (isPrimaryCandidate(local4) && !isIPv6(local4)) ip4 = local4;
    const local6 = extraConfigValue(record.config, CLOUD_INIT_LOCAL_IPV6);
    if (isPrimaryCandidate(local6) && isIPv6(local6)) ip6 = local6;
  }
  return ip4 === '' && ip6 === '' ? NO_PRIMARY : { ip4, ip6 };
}

const guests = new Map<string, VirtualMachineGuestStatus>();
/**
 * The status's guest part: one frozen object per guest OS, shared by every VM that runs it
 * (stored objects never change), as vSphere's device descriptions are.
 */
const guestStatus = (guestID: string, guestFullName: string): VirtualMachineGuestStatus =>
  getOrInsert(guests, `${guestID}\u0000${guestFullName}`, () => Object.freeze({ guestID, guestFullName }));

/**
 * The guest's NICs, each named as the spec's interface its device is (`names`, by device key; a
 * NIC of none is named nothing), its addresses as the guest reports them (vSphere keeps the
 * prefix apart).
 */
function interfacesOf(vm: VmRecord, names: InterfaceNames): VirtualMachineNetworkInterfaceStatus[] {
  return mapped(vm.guest.net, (guestNic) => {
    const ip: VirtualMachineNetworkInterfaceIPStatus = { macAddr: guestNic.macAddress };
    // None reported, no list.
    if (guestNic.ipAddress.length > 0)
      ip.addresses = mapped(guestNic.ipAddress, (address) => ({ address, state: PREFERRED }));
    const name = names(guestNic.deviceConfigId);
    return name === undefined
      ? { deviceKey: guestNic.deviceConfigId, ip }
      : { name, deviceKey: guestNic.deviceConfigId, ip };
  });
}

const PREFERRED = 'preferred';

/**
 * What vm-operator reports of the platform's own view of the VM: when vSphere created it (its
 * `config.createDate`), set once and kept.
 */
function providerStatus(
  vm: VmRecord,
  previous: VirtualMachineProviderStatus | undefined,
): VirtualMachineProviderStatus {
  if (previous?.creationTimestamp) return previous;
  return { creationTimestamp: timestamp(vm.config.createDate) };
}

/** What all the VM's snapshots take: theirs, and their FCDs'. */
function snapshotUsage(vsphere: VSphere, vm: VmRecord): { vm: number; volume: number } {
  const usage = { vm: 0, volume: 0 };
  for (const { total, fcd } of snapshotSizes(vsphere, vm).values()) {
    usage.vm += total;
    usage.volume += fcd;
  }
  return usage;
}

/** The status fields vSphere decides (conditions and class aside). */
export function statusFromVsphere(
  vsphere: VSphere,
  vm: VmRecord,
  interfaceNames: InterfaceNames,
  zone: string | undefined,
  previous: VirtualMachineStatus | undefined,
  networkConfig: VirtualMachineNetworkConfigStatus | undefined,
  volumePlacement = false,
  specVolumes?: readonly VirtualMachineVolume[],
  registered = false,
  cloudInit = false,
): VirtualMachineStatus {
  const on = vm.powerState === 'poweredOn';
  const host = vm.host === undefined ? undefined : vsphere.store.get(vm.host)?.name;
  const hardwareVersion = hardwareVersionNumber(vm.config.version);
  // Field by field, in this order: a literal of conditional spreads costs several objects.
  const status: VirtualMachineStatus = {
    uniqueID: vm.id,
    biosUUID: vm.config.uuid,
    instanceUUID: vm.config.instanceUuid,
    powerState: POWER_STATE[vm.powerState],
  };
  status.provider = providerStatus(vm, previous?.provider);
  if (host !== undefined) status.nodeName = host;
  if (zone !== undefined) status.zone = zone;
  if (hardwareVersion !== undefined) status.hardwareVersion = hardwareVersion;
  status.guest = guestStatus(vm.config.guestId, vm.config.guestFullName);
  const volumes = classicVolumes(
    vm.config.devices,
    previous?.volumes,
    volumePlacement,
    specVolumes,
    registered,
  );
  if (volumes.length > 0) status.volumes = volumes as VirtualMachineVolumeStatus[];
  // vm-operator's status notes a virtual TPM (one the model gives an encrypted VM alone).
  if (vm.config.keyId && hasTpm(vm)) status.crypto = { ...previous?.crypto, hasVTPM: true };
  status.changeBlockTracking = vm.config.changeTrackingEnabled;
  status.storage = storageStatus(
    volumes,
    vm.snapshots?.roots.length ? snapshotUsage(vsphere, vm) : undefined,
  );
  status.hardware = hardwareStatus(vm);
  if (on) {
    const network: NonNullable<VirtualMachineStatus['network']> = {};
    if (networkConfig) network.config = networkConfig;
    const { ip4, ip6 } = primaryAddresses(vm, cloudInit);
    if (ip4) network.primaryIP4 = ip4;
    if (ip6) network.primaryIP6 = ip6;
    if (vm.guest.hostName) network.hostName = vm.guest.hostName;
    // None reported, none listed (Go's omitempty).
    const interfaces = interfacesOf(vm, interfaceNames);
    if (interfaces.length > 0) network.interfaces = interfaces;
    status.network = network;
  } else if (networkConfig) {
    // What the guest reports goes with its power; what it was told stays.
    status.network = { config: networkConfig };
  }
  return status;
}

const SYNCED = new Map<string, Verdict>();
const TOOLS_NOT_RUNNING = Object.freeze(
  isFalse(CONDITION.tools, REASON.toolsNotRunning, 'VMware Tools is not running'),
);
// The guest's tools report no customization while they do not run: vm-operator then knows nothing of it.
const NO_CUSTOMIZATION_INFO = Object.freeze(isUnknown(CONDITION.guestCustomization, REASON.noGuestInfo, ''));
// Idle, or done: vm-operator's MarkCustomizationInfoCondition reads either as True.
const CUSTOMIZED = Object.freeze(isTrue(CONDITION.guestCustomization));
const CUSTOMIZING = Object.freeze(
  isFalse(CONDITION.guestCustomization, REASON.guestCustomizationRunning, ''),
);

/**
 * The guest's customization as vm-operator reads what its tools report: the model's
 * customizations are never pending where the tools run (they are applied at boot); one the tools
 * failed is reported with their error.
 */
const customizationVerdict = (record: VmRecord): Verdict => {
  const status = customizationStatus(record);
  if (status === undefined) return NO_CUSTOMIZATION_INFO;
  if (status === 'TOOLSDEPLOYPKG_RUNNING') return CUSTOMIZING;
  if (status !== 'TOOLSDEPLOYPKG_FAILED') return CUSTOMIZED;
  return isFalse(
    CONDITION.guestCustomization,
    REASON.guestCustomizationFailed,
    record.customization?.errorMsg || 'vSphere VM Customization failed due to an unknown error.',
  );
};

/**
 * The conditions annotations ask for, as vm-operator's reconcileStatusAnno2Conditions sets them
 * before its other status checks: True takes no reason or message, any status but True and False
 * is Unknown, one without a type is none. Where two ask for one type, the last key in order wins
 * (vm-operator's map order is random).
 */
export function addAnnotatedVerdicts(out: Verdict[], vm: VirtualMachine): void {
  const annotations = vm.metadata.annotations;
  if (!annotations) return;
  for (const key of keysWithPrefix(annotations, CONDITION_ANNOTATION_PREFIX)) {
    const [type = '', status, reason = '', message = ''] = (annotations[key] as string).split(';');
    if (type === '') continue;
    if (status === 'True') out.push(isTrue(type));
    else out.push((status === 'False' ? isFalse : isUnknown)(type, reason, message));
  }
}

/** Where a guest's bootstrap reports how it went: `<bool>[, <reason>[, <message>]]`. */
export const GUEST_BOOTSTRAP_CONDITION_KEY = 'guestinfo.vmservice.bootstrap.condition';
const NO_GUEST_BOOTSTRAP = isAbsent(CONDITION.guestBootstrap);

/** The guest bootstrap's report as vm-operator's MarkBootstrapCondition reads it; no report, no condition. */
function guestBootstrapVerdict(record: VmRecord): Verdict {
  const report = extraConfigValue(record.config, GUEST_BOOTSTRAP_CONDITION_KEY);
  if (report === undefined) return NO_GUEST_BOOTSTRAP;
  const [status = '', reason = '', ...message] = report.split(',');
  const [type, why, what] = [CONDITION.guestBootstrap, reason.trim(), message.join(',').trim()];
  if (!isGoTrue(status.trim())) return isFalse(type, why, what);
  return why === '' && what === ''
    ? isTrue(type)
    : { type, status: 'True', reason: why || 'True', message: what };
}

const NO_GUEST_ADDRESS = Object.freeze(
  isFalse(
    CONDITION.guestNetworkConfigSynced,
    REASON.notSynced,
    'Neither IPv4 nor IPv6 address reported by guest',
  ),
);

/**
 * The network the guest reports, as vm-operator judges it: synced once it reports a primary
 * address (the model's guest lists it on its first interface, as vm-operator wants it in the
 * per-interface data too); nothing while it reports no network, the condition then left as it was.
 */
function guestNetworkVerdict(
  record: VmRecord,
  network: VirtualMachineStatus['network'] | undefined,
): Verdict | undefined {
  const { ipAddress, net } = record.guest;
  if (record.powerState !== 'poweredOn' || (ipAddress === undefined && net.length === 0)) return undefined;
  const ip4 = network?.primaryIP4 ?? '';
  const ip6 = network?.primaryIP6 ?? '';
  if (ip4 === '' && ip6 === '') return NO_GUEST_ADDRESS;
  return {
    type: CONDITION.guestNetworkConfigSynced,
    status: 'True',
    reason: REASON.synced,
    message: `IPv4="${ip4}", IPv6="${ip6}"`,
  };
}

/**
 * Adds the conditions vm-operator writes on every update from what vSphere reports: the
 * reconcile ready, the power state against the spec's, VMware Tools, the guest's customization
 * and network (the primary addresses `statusFromVsphere` took, its `network`).
 */
export function addObservedVerdicts(
  out: Verdict[],
  vm: VirtualMachine,
  record: VmRecord,
  network: VirtualMachineStatus['network'] | undefined,
): void {
  const want = vm.spec?.powerState ?? '';
  const is = POWER_STATE[record.powerState];
  out.push(
    reconcileReadyVerdict(vm),
    want === is
      ? getOrInsert(SYNCED, want, () =>
          Object.freeze({
            type: CONDITION.powerStateSynced,
            status: 'True',
            reason: REASON.synced,
            message: want,
          }),
        )
      : isFalse(
          CONDITION.powerStateSynced,
          REASON.notSynced,
          `spec.powerState=${want} != status.powerState=${is}`,
        ),
    // The model's guest always reports its tools: running (or running scripts), or not.
    record.guest.toolsRunningStatus === 'guestToolsNotRunning' ? TOOLS_NOT_RUNNING : isTrue(CONDITION.tools),
    customizationVerdict(record),
    guestBootstrapVerdict(record),
  );
  const guestNetwork = guestNetworkVerdict(record, network);
  if (guestNetwork) out.push(guestNetwork);
}
