/**
 * Guest customization: CustomizeVM_Task, and a clone's `spec.customization`. The
 * CustomizationSpec is turned into what the guest will report (host name, fixed
 * addresses per NIC) and kept on the VM record as pending; the next power-on applies
 * it (the guest then reports them on every boot) and posts CustomizationStartedEvent
 * and CustomizationSucceeded, as the guest's tools do on vCenter.
 *
 * The guest's tools end a customization by passing the interception point as
 * `GuestCustomization` on the VM: a rule with a fault makes it fail in the guest
 * (TOOLSDEPLOYPKG_FAILED, CustomizationUnknownFailure, the fault's `message` as the error the
 * tools report), and the guest then boots as it would without it.
 *
 * The guest reports the short host name (LinuxPrep's `hostName`, Sysprep's
 * `computerName`); the domain is kept but not appended. A fixed name must be a valid
 * host name; one taken from the VM's name has its other characters turned into `-`. NIC settings apply to NICs in
 * device order, or to the NIC with the given MAC; more settings than NICs is
 * NicSettingMismatch, fewer leaves the rest on DHCP.
 */
import { isIpv4 } from '../core/addresses.js';
import { faults } from '../faults.js';
import { eventArguments } from '../history/arguments.js';
import { isEthernetCard } from '../inventory/devices.js';
import type { GuestCustomization, VmGuest, VmRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { Model, Ref, Task, TaskOptions, Tx } from '../model.js';
import { moref } from '../refs.js';

/** CustomizationName and its subtypes: how the guest's name is chosen. */
export interface CustomizationName {
  readonly _type?: string;
  readonly name?: string;
  readonly base?: string;
}

export interface CustomizationSpec {
  readonly identity: {
    readonly _type: string;
    /** CustomizationLinuxPrep */
    readonly hostName?: CustomizationName;
    readonly domain?: string;
    /** CustomizationSysprep */
    readonly userData?: { readonly computerName?: CustomizationName };
    readonly [field: string]: unknown;
  };
  readonly globalIPSettings?: unknown;
  readonly nicSettingMap?: readonly {
    readonly macAddress?: string;
    readonly adapter: {
      readonly ip?: { readonly _type: string; readonly ipAddress?: string };
      readonly subnetMask?: string;
      readonly gateway?: readonly string[];
      readonly [field: string]: unknown;
    };
  }[];
  readonly [field: string]: unknown;
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The name a CustomizationName gives a VM; undefined keeps the guest's own. */
const chosenName = (name: CustomizationName | undefined, vm: Pick<VmRecord, 'id' | 'name'>, path: string) => {
  let chosen: string | undefined;
  switch (name?._type) {
    case 'CustomizationFixedName':
      chosen = name.name ?? '';
      break;
    case 'CustomizationVirtualMachineName':
      return asHostName(vm.name);
    case 'CustomizationPrefixName':
      // vCenter appends a number that makes the name unique; the VM's own number is.
      return asHostName(`${name.base ?? ''}-${vm.id.slice(vm.id.lastIndexOf('-') + 1)}`);
    default:
      return undefined;
  }
  if (!HOST_NAME.test(chosen)) throw faults.invalidArgument(path);
  return chosen;
};

/** A name derived from the VM's made fit for a host name: other characters become `-`. */
const asHostName = (name: string): string =>
  name
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63) || 'localhost';

/**
 * What a spec makes a VM's guest report, checked against the VM (pending until the
 * next power-on). Bad names and addresses are InvalidArgument naming the spec field.
 */
export const guestCustomization = (
  vm: Pick<VmRecord, 'id' | 'name' | 'config'>,
  spec: CustomizationSpec,
): GuestCustomization => {
  const identity = spec.identity;
  const windows =
    identity?._type === 'CustomizationSysprep' || identity?._type === 'CustomizationSysprepText';
  if (!identity || (!windows && identity._type !== 'CustomizationLinuxPrep'))
    throw faults.invalidArgument('spec.identity');
  const hostName = windows
    ? chosenName(identity.userData?.computerName, vm, 'spec.identity.userData.computerName')
    : chosenName(identity.hostName, vm, 'spec.identity.hostName');
  const nics = vm.config.devices.filter(isEthernetCard);
  const settings = spec.nicSettingMap ?? [];
  if (settings.length > nics.length) throw faults.nicSettingMismatch(settings.length, nics.length);
  const ips: (string | null)[] = nics.map(() => null);
  settings.forEach((setting, i) => {
    const at = setting.macAddress ? nics.findIndex((n) => n.macAddress === setting.macAddress) : i;
    if (at < 0) throw faults.invalidArgument('spec.nicSettingMap.macAddress');
    const ip = setting.adapter.ip;
    if (ip?._type !== 'CustomizationFixedIp') return;
    if (!isIpv4(ip.ipAddress ?? '')) throw faults.invalidArgument('spec.nicSettingMap.adapter.ip.ipAddress');
    ips[at] = ip.ipAddress as string;
  });
  return {
    identity: windows ? 'windows' : 'linux',
    ...(hostName === undefined ? {} : { hostName }),
    ...(typeof identity.domain === 'string' ? { domain: identity.domain } : {}),
    ips,
    pending: true,
  };
};

/** The booted guest as a customization left it: its host name and fixed addresses (none if it failed). */
export const customizedGuest = (vm: Pick<VmRecord, 'customization'>, guest: VmGuest): VmGuest => {
  const c = vm.customization;
  if (!c || c.failed) return guest;
  const net = guest.net.map((n, i) => {
    const ip = c.ips[i];
    return ip ? { ...n, ipAddress: [ip] } : n;
  });
  const ipAddress = net[0]?.ipAddress[0];
  const { ipAddress: _, ...rest } = guest;
  return {
    ...rest,
    net,
    ...(ipAddress ? { ipAddress } : {}),
    ...(c.hostName ? { hostName: c.hostName } : {}),
  };
};

/**
 * Where the VM's customization is (vcenter.vm.guest.Customization's status): none, one waiting for
 * the next boot, one the guest runs, or one it ended.
 */
export const customizationState = (vm: VmRecord): 'IDLE' | 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' => {
  const c = vm.customization;
  if (!c) return 'IDLE';
  if (c.pending) return 'PENDING';
  if (c.running) return 'RUNNING';
  return c.failed ? 'FAILED' : 'SUCCEEDED';
};

/**
 * What the guest's tools report of its customization (vSphere's GuestInfo.customizationInfo,
 * which the vim25 tables, ending at 7.0, cannot serve): nothing while they do not run (a pending
 * one waits for a boot, while they do not), else `TOOLSDEPLOYPKG_<state>`.
 */
export const customizationStatus = (vm: VmRecord): string | undefined =>
  vm.guest.toolsRunningStatus === 'guestToolsNotRunning'
    ? undefined
    : `TOOLSDEPLOYPKG_${customizationState(vm)}`;

/** The VM with its customization running, or not; the same record when that is already so. */
export const withCustomizationRunning = (vm: VmRecord, running: boolean): VmRecord => {
  const c = vm.customization;
  if (!c || (c.running === true) === running) return vm;
  const { running: _, ...rest } = c;
  return Object.assign({}, vm, { customization: running ? { ...rest, running } : rest });
};

/**
 * The package a pending customization waits in until the VM boots, a file name of vCenter's
 * `imcf-` form (the VM's `config.tools.pendingCustomization`); undefined when none is pending.
 */
export const pendingCustomizationOf = (vm: VmRecord): string | undefined =>
  vm.customization?.pending ? `imcf-${vm.config.instanceUuid.replace(/-/g, '').slice(0, 8)}` : undefined;

/** A boot applies a pending customization: the VM's customization is no longer pending, and starts `now`. */
export const applyCustomization = (vm: Pick<VmRecord, 'customization'>, now: number): Partial<VmRecord> =>
  vm.customization?.pending ? { customization: { ...vm.customization, pending: false, startTime: now } } : {};

/**
 * A customization the guest's tools end now: done, or failed where the interception point fails
 * `GuestCustomization` on the VM (the fault's `message`, if any, is the error they report).
 */
export const endedCustomization = (m: Model, vm: VmRecord): GuestCustomization | undefined => {
  const c = vm.customization;
  if (!c) return undefined;
  const { fault } = m.interceptor.intercept({ method: 'GuestCustomization', target: vm.id });
  const { running: _, ...ended } = c;
  if (!fault) return { ...ended, endTime: m.clock.now() };
  const message = typeof fault.message === 'string' && fault.message !== '' ? fault.message : undefined;
  return { ...ended, endTime: m.clock.now(), failed: true, ...(message ? { errorMsg: message } : {}) };
};

const customizationLog = (vm: VmRecord) =>
  vm.customization?.identity === 'windows'
    ? 'C:\\Windows\\Temp\\vmware-imc\\guestcust.log'
    : '/var/log/vmware-imc/toolsDeployPkg.log';

/** The event the guest's tools post when its customization ends, as it ended. */
export const postCustomizationEnded = (m: Model, vm: VmRecord): void => {
  const log = customizationLog(vm);
  const failed = vm.customization?.failed === true;
  m.postEvent({
    _type: failed ? 'CustomizationUnknownFailure' : 'CustomizationSucceeded',
    ...eventArguments(m.store, vm),
    logLocation: log,
    fullFormattedMessage: failed
      ? `An error occurred while customizing VM ${vm.name}. For details reference the log file ${log} in the guest OS.`
      : `Customization of VM ${vm.name} succeeded. Customization log located at ${log} in the guest OS.`,
  });
};

/**
 * The events the guest's tools post when they customize it at boot: its start, and its end
 * unless it still runs (see freshlyBooted).
 */
export const postCustomizationEvents = (m: Model, vm: VmRecord): void => {
  const log = customizationLog(vm);
  m.postEvent({
    _type: 'CustomizationStartedEvent',
    ...eventArguments(m.store, vm),
    logLocation: log,
    fullFormattedMessage: `Started customization of VM ${vm.name}. Customization log located at ${log} in the guest OS.`,
  });
  if (!vm.customization?.running) postCustomizationEnded(m, vm);
};

/**
 * vcenter.vm.guest.Customization.set: a powered-off VM (InvalidPowerState) customized at its next
 * boot as `spec` says, over any customization pending (where CustomizeVM_Task refuses), or its
 * pending one cleared without a spec; at once, with no task.
 */
export const setCustomization = (m: Model, vm: Ref, spec: CustomizationSpec | undefined): void => {
  const record = m.lookup<VmRecord>(vm, 'VirtualMachine');
  m.call({ method: 'vcenter.vm.guest.Customization.set', target: record.id }, (tx) => {
    const now = customizable(tx, record.id);
    if (spec) putVm(tx, Object.assign({}, now, { customization: guestCustomization(now, spec) }));
    else if (now.customization?.pending) {
      const { customization: _, ...cleared } = now;
      putVm(tx, cleared as VmRecord);
    }
  });
};

/** The VM as it is, if it can be customized: it exists, is no template, and is powered off. */
const customizable = (tx: Tx, id: string): VmRecord => {
  const now = tx.get(id) as VmRecord | undefined;
  if (!now) throw faults.managedObjectNotFound(moref('VirtualMachine', id));
  if (now.config.template) throw faults.notSupported('A template cannot be customized.');
  if (now.powerState !== 'poweredOff') throw faults.invalidPowerState('poweredOff', now.powerState);
  return now;
};

/**
 * CustomizeVM_Task: only a powered-off VM (InvalidPowerState) without a customization pending
 * (CustomizationPending, as vCenter refuses a second one); applied at its next power-on.
 */
export const customizeVm = (
  m: Model,
  vm: Ref,
  spec: CustomizationSpec,
  options?: TaskOptions,
): Task<void> => {
  const record = m.lookup<VmRecord>(vm, 'VirtualMachine');
  return m.task(
    { method: 'CustomizeVM_Task', target: record.id, descriptionId: 'VirtualMachine.customize' },
    (tx) => {
      const now = customizable(tx, record.id);
      if (now.customization?.pending) throw faults.customizationPending();
      putVm(tx, Object.assign({}, now, { customization: guestCustomization(now, spec) }));
    },
    undefined,
    options,
  );
};
