/**
 * VirtualMachine's operations, with vSphere's method names in the calls they make.
 * Each one passes the interception point; task methods return a Task whose work runs
 * on the scheduler as one transaction. Provisioning (create, clone, relocate) lives in
 * vm-clone.ts, placement in vm-placement.ts, config specs in vm-config-spec.ts and their
 * device changes in vm-devices.ts.
 */
import { faults } from '../faults.js';
import { eventArguments } from '../history/arguments.js';
import { consolidated, isDisk, isEthernetCard } from '../inventory/devices.js';
import { GUEST_OFF } from '../inventory/guest.js';
import type {
  Device,
  HostRecord,
  OptionValue,
  ScheduledHardwareUpgrade,
  VmRecord,
} from '../inventory/records.js';
import {
  hardwareVersionNumber,
  isSupportedHardwareVersion,
  LATEST_HARDWARE_VERSION,
  putVm,
} from '../inventory/vm.js';
import type { Model, Ref, Task, TaskOptions, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { powerOnHost } from './drs-placement.js';
import { releaseDisks } from './storage-object.js';
import {
  bootGuest,
  cloneVm,
  createVm,
  currentVm,
  freshlyBooted,
  GUEST_HOST_NAME_KEY,
  migrateVm,
  relocateVm,
  type VmCloneSpec,
  type VmMigrateSpec,
  type VmRelocateSpec,
  vmEvents,
  withCustomizationEnded,
} from './vm-clone.js';
import { applyConfigSpec, mergeExtraConfig, nextChangeVersion, type VmConfigSpec } from './vm-config-spec.js';
import {
  applyCustomization,
  type CustomizationSpec,
  customizeVm,
  postCustomizationEnded,
  postCustomizationEvents,
  setCustomization,
} from './vm-customization.js';
import { deviceContext } from './vm-devices.js';
import { placement } from './vm-placement.js';
import { keepVmFiles, registerVm, reloadVmFromPath, type VmRegisterArgs } from './vm-registration.js';

export { currentVm, type VmCloneSpec, type VmMigrateSpec, type VmRelocateSpec } from './vm-clone.js';
export type { VmConfigSpec } from './vm-config-spec.js';
export type { CustomizationSpec } from './vm-customization.js';
export type { VirtualDeviceConfigSpec } from './vm-devices.js';
export type { VmRegisterArgs } from './vm-registration.js';

const running = (vm: VmRecord) =>
  vm.powerState === 'poweredOn' && vm.guest.toolsRunningStatus === 'guestToolsRunning';

/** VirtualMachineTicket: what AcquireTicket answers. */
export interface VmTicket {
  readonly _type: 'VirtualMachineTicket';
  readonly ticket: string;
  readonly cfgFile: string;
  readonly host?: string;
  readonly port?: number;
}

/** vSphere's VirtualMachineTicketType values. */
const TICKET_TYPES: readonly string[] = [
  'mks',
  'device',
  'guestControl',
  'dnd',
  'webmks',
  'guestIntegrity',
  'webRemoteDevice',
];

/** What a guest operation needs: a running VM (InvalidPowerState) with tools (ToolsUnavailable). */
const requireTools = (vm: VmRecord): void => {
  if (vm.powerState !== 'poweredOn') throw faults.invalidPowerState('poweredOn', vm.powerState);
  if (vm.guest.toolsRunningStatus !== 'guestToolsRunning') throw faults.toolsUnavailable();
};

/** UnregisterVM and Destroy_Task refuse a running VM; a suspended one may go. */
const requireNotRunning = (vm: VmRecord): void => {
  if (vm.powerState === 'poweredOn') throw faults.invalidPowerState('poweredOff', 'poweredOn');
};

// VM states are copied with Object.assign, not a spread: a spread's copies get another hidden
// class each time its site warms up, and the code reading VMs goes megamorphic.

/**
 * The VM powered off: no boot time or boot memory, a guest that reports nothing, the devices its host
 * connected disconnected.
 */
const poweredOff = (vm: VmRecord): VmRecord => {
  const { bootTime: _, bootMemoryMB: _memory, ...rest } = withMediaConnected(vm, false);
  return Object.assign(rest, { powerState: 'poweredOff', guest: GUEST_OFF } as const);
};

/**
 * What the host connects itself, without a client: a CD-ROM of an ISO file, a floppy of an image
 * file, a serial or parallel port.
 */
const hostConnects = (d: Device) => {
  if (d._type === 'VirtualSerialPort' || d._type === 'VirtualParallelPort') return true;
  const backing = (d.backing as { _type?: string } | undefined)?._type;
  return backing === 'VirtualCdromIsoBackingInfo' || backing === 'VirtualFloppyImageBackingInfo';
};

/**
 * The VM's devices the host connects (see hostConnects) connected as vSphere connects them at
 * power-on (those with `startConnected`), or disconnected at power-off; the same VM when none changes.
 */
const withMediaConnected = (vm: VmRecord, on: boolean): VmRecord => {
  const connection = (d: Device) =>
    d.connectable as { connected?: boolean; startConnected?: boolean } | undefined;
  const changes = (d: Device) =>
    hostConnects(d) && (connection(d)?.connected === true) !== (on && connection(d)?.startConnected === true);
  if (!vm.config.devices.some(changes)) return vm;
  const devices = vm.config.devices.map((d) =>
    changes(d) ? Object.assign({}, d, { connectable: { ...connection(d), connected: on } }) : d,
  );
  return Object.assign({}, vm, { config: Object.assign({}, vm.config, { devices }) });
};

/**
 * The VM with the hardware upgrade scheduled for `moment` run, when one is: its version raised
 * (the scheduled one, else the latest), the schedule done (`success`, or `failed` when the VM is
 * there already) and back to `never`, as a one-time upgrade.
 */
const upgradedAt = (m: Model, vm: VmRecord, moment: 'powerOn' | 'guestShutdown'): VmRecord => {
  // States saved before upgrades could be scheduled have no schedule.
  const scheduled = vm.config.scheduledHardwareUpgrade as ScheduledHardwareUpgrade | undefined;
  const due = moment === 'powerOn' ? 'always' : 'onSoftPowerOff';
  if (scheduled?.upgradePolicy !== due) return vm;
  const version = scheduled.versionKey ?? LATEST_HARDWARE_VERSION;
  const newer = (hardwareVersionNumber(version) ?? 0) > (hardwareVersionNumber(vm.config.version) ?? 0);
  const config = Object.assign({}, vm.config, {
    version: newer ? version : vm.config.version,
    scheduledHardwareUpgrade: {
      upgradePolicy: 'never',
      scheduledHardwareUpgradeStatus: newer ? 'success' : 'failed',
    },
    changeVersion: nextChangeVersion(m, vm.config),
  });
  return Object.assign({}, vm, { config });
};

/** The VM as it boots: a boot into setup happens once, and the flag is cleared, as vSphere does. */
const booted = (vm: VmRecord): VmRecord =>
  vm.config.bootOptions?.enterBIOSSetup
    ? Object.assign({}, vm, {
        config: Object.assign({}, vm.config, {
          bootOptions: Object.assign({}, vm.config.bootOptions, { enterBIOSSetup: false }),
        }),
      })
    : vm;

/** The VM suspended: its guest stops reporting. */
const suspended = (vm: VmRecord): VmRecord =>
  Object.assign({}, vm, { powerState: 'suspended', guest: GUEST_OFF } as const);

/** The running VM booted again now: a new boot time and a freshly booted guest. */
const rebooted = (m: Model, tx: Tx, vm: VmRecord): VmRecord =>
  freshlyBooted(
    m,
    tx,
    Object.assign({}, booted(vm), { bootTime: m.clock.now(), guest: bootGuest(m, tx, vm) }),
  );

/** The options the guest reads (`guestinfo.*`, its host name), as one text to compare. */
const guestInfoOf = (options: readonly OptionValue[]): string =>
  options
    .filter((o) => o.key.startsWith('guestinfo.') || o.key === GUEST_HOST_NAME_KEY)
    .map((o) => `${o.key}=${o.value}`)
    .join('\n');

/** A running VM's guest after its NICs changed: same leases, same host name. */
const refreshGuest = (tx: Tx, m: Model, vm: VmRecord): VmRecord => {
  if (!running(vm)) return vm;
  const guest = bootGuest(m, tx, vm);
  const hostName = vm.guest.hostName;
  const pinned = vm.config.extraConfig.some((o) => o.key === GUEST_HOST_NAME_KEY);
  return Object.assign({}, vm, {
    guest: hostName && !pinned ? Object.assign({}, guest, { hostName }) : guest,
  });
};

export const virtualMachineOperations = (m: Model) => {
  const events = vmEvents(m);
  const lookupVm = (vm: Ref) => m.lookup<VmRecord>(vm, 'VirtualMachine');
  const stored = (id: string) => m.store.get(id) as VmRecord;

  /** The event of a VM becoming powered off or suspended, by its new state. */
  const postPowerChanged = (now: VmRecord) =>
    now.powerState === 'suspended'
      ? events.post(now, 'VmSuspendedEvent', `${events.where(now)} is suspended`)
      : events.post(now, 'VmPoweredOffEvent', `${events.where(now)} is powered off`);

  /**
   * A guest operation that changes the power state (ShutdownGuest, StandbyGuest): it returns at
   * once, after its event, as vSphere's does; the guest makes the change as scheduled work, if
   * the VM is still running by then.
   */
  const guestPowerChange = (
    record: VmRecord,
    method: string,
    eventType: string,
    eventText: string,
    next: (current: VmRecord) => VmRecord,
  ): void => {
    m.call({ method, target: record.id }, (tx) => requireTools(currentVm(tx, record.id)));
    const vmNow = stored(record.id);
    events.post(vmNow, eventType, `${eventText} ${events.where(vmNow)}`);
    m.scheduler.schedule(() => {
      const changed = m.store.transact((tx) => {
        const current = tx.get(record.id) as VmRecord | undefined;
        if (current?.powerState !== 'poweredOn') return undefined;
        return putVm(tx, next(current));
      });
      if (changed) postPowerChanged(changed);
    });
  };

  /**
   * A power-state task: `next` checks the VM as the task finds it and gives its new
   * record; `announce` posts vCenter's events once the change is stored.
   */
  const powerTask = (
    record: VmRecord,
    call: { method: string; descriptionId: string },
    next: (tx: Tx, current: VmRecord) => VmRecord,
    announce: (now: VmRecord) => void,
  ): Task<void> =>
    m.task(
      { ...call, target: record.id },
      (tx) => {
        const current = currentVm(tx, record.id);
        // vCenter cannot reach a VM whose host is disconnected, so it refuses to change its power.
        if (current.connectionState !== 'connected')
          throw faults.invalidHostConnectionState(
            current.host ? moref('HostSystem', current.host) : undefined,
          );
        putVm(tx, next(tx, current));
      },
      () => announce(stored(record.id)),
    );

  /**
   * Removes a VM record; its disks leave the datastores' usage with it (see putVm), and the First
   * Class Disks attached to it are detached.
   */
  const remove = (tx: Tx, id: string) => {
    const vm = currentVm(tx, id);
    requireNotRunning(vm);
    const args = eventArguments(m.store, vm);
    putVm(tx, null, id);
    return () => {
      const text = `Removed ${vm.name} on ${events.host(vm)} from ${events.dc(vm)}`;
      events.post(vm, 'VmRemovedEvent', text, {}, args);
    };
  };

  return {
    /** PowerOnVM_Task; resumes a suspended VM. A template cannot run (InvalidState at once). */
    powerOn(vm: Ref, host?: Ref): Task<void> {
      const record = lookupVm(vm);
      if (record.config.template) throw faults.invalidState('The operation is not allowed on a template.');
      const hostId = host === undefined ? undefined : m.lookup<HostRecord>(host, 'HostSystem').id;
      let resumed = false;
      let customized = false;
      let wasRunning = false;
      return powerTask(
        record,
        { method: 'PowerOnVM_Task', descriptionId: 'VirtualMachine.powerOn' },
        (tx, current) => {
          if (current.powerState === 'poweredOn') throw faults.invalidPowerState('poweredOn', 'poweredOn');
          const onHost = powerOnHost(m, tx, current, hostId);
          if (onHost?.inMaintenanceMode) throw faults.hostInMaintenance();
          resumed = current.powerState === 'suspended';
          customized = current.customization?.pending === true;
          // A customization a power-off or a suspend interrupted carries on at this boot; a
          // resumed guest reports its addresses at once, which ends it.
          wasRunning = current.customization?.running === true;
          const on: VmRecord = Object.assign(
            {},
            // A suspended VM resumes as it was: its hardware cannot change.
            resumed ? current : withMediaConnected(booted(upgradedAt(m, current, 'powerOn')), true),
            onHost ? { host: onHost.id } : {},
            {
              powerState: 'poweredOn',
              // A resumed guest carries on from the boot it was suspended in.
              bootTime: resumed ? (current.bootTime ?? m.clock.now()) : m.clock.now(),
              guest: bootGuest(m, tx, current),
            } as const,
            applyCustomization(current, m.clock.now()),
          );
          if (!resumed) return freshlyBooted(m, tx, on, customized || wasRunning);
          return wasRunning ? withCustomizationEnded(m, tx, on) : on;
        },
        (now) => {
          events.poweredOn(now, resumed);
          if (customized) postCustomizationEvents(m, now);
          else if (resumed && wasRunning) postCustomizationEnded(m, now);
        },
      );
    },

    /** PowerOffVM_Task: hard power off, from on or suspended. */
    powerOff(vm: Ref): Task<void> {
      return powerTask(
        lookupVm(vm),
        { method: 'PowerOffVM_Task', descriptionId: 'VirtualMachine.powerOff' },
        (_, current) => {
          if (current.powerState === 'poweredOff') throw faults.invalidPowerState('poweredOff', 'poweredOff');
          return poweredOff(current);
        },
        (now) => {
          events.post(now, 'VmStoppingEvent', `${events.onHost(now)} is stopping`);
          events.post(now, 'VmPoweredOffEvent', `${events.where(now)} is powered off`);
        },
      );
    },

    /** SuspendVM_Task: only a running VM suspends; its guest stops reporting. */
    suspend(vm: Ref): Task<void> {
      return powerTask(
        lookupVm(vm),
        { method: 'SuspendVM_Task', descriptionId: 'VirtualMachine.suspend' },
        (_, current) => {
          if (current.powerState === 'suspended') throw faults.invalidPowerState('suspended', 'suspended');
          if (current.powerState === 'poweredOff') throw faults.invalidPowerState('poweredOn', 'poweredOff');
          return suspended(current);
        },
        (now) => {
          events.post(now, 'VmSuspendingEvent', `${events.where(now)} is being suspended`);
          events.post(now, 'VmSuspendedEvent', `${events.where(now)} is suspended`);
        },
      );
    },

    /** ResetVM_Task: a running VM boots again (new bootTime); vCenter resets only running VMs. */
    reset(vm: Ref): Task<void> {
      return powerTask(
        lookupVm(vm),
        { method: 'ResetVM_Task', descriptionId: 'VirtualMachine.reset' },
        (tx, current) => {
          if (current.powerState === 'poweredOff') throw faults.invalidPowerState('poweredOff', 'poweredOff');
          if (current.powerState === 'suspended') throw faults.invalidPowerState('poweredOn', 'suspended');
          return rebooted(m, tx, current);
        },
        (now) => events.post(now, 'VmResettingEvent', `${events.where(now)} is reset`),
      );
    },

    /**
     * ShutdownGuest: returns at once; the guest powers the VM off as scheduled work, and a hardware
     * upgrade scheduled for a clean shutdown runs then.
     */
    shutdownGuest(vm: Ref): void {
      guestPowerChange(
        lookupVm(vm),
        'ShutdownGuest',
        'VmGuestShutdownEvent',
        'Guest OS shut down for',
        (current) => upgradedAt(m, poweredOff(current), 'guestShutdown'),
      );
    },

    /** StandbyGuest: returns at once; the guest goes to standby, suspending the VM, as scheduled work. */
    standbyGuest(vm: Ref): void {
      guestPowerChange(
        lookupVm(vm),
        'StandbyGuest',
        'VmGuestStandbyEvent',
        'Guest OS standby for',
        suspended,
      );
    },

    /** RebootGuest: the guest restarts; the VM stays on with a new bootTime. */
    rebootGuest(vm: Ref): void {
      const record = lookupVm(vm);
      const now = m.call({ method: 'RebootGuest', target: record.id }, (tx) => {
        const current = currentVm(tx, record.id);
        requireTools(current);
        return putVm(tx, rebooted(m, tx, current)) as VmRecord;
      });
      events.post(now, 'VmGuestRebootEvent', `Guest OS reboot for ${events.where(now)}`);
    },

    /** CreateVM_Task on a folder. */
    create: (folder: Ref, config: VmConfigSpec, pool: Ref, host?: Ref): Task<MoRef> =>
      createVm(m, folder, config, pool, host),

    /** CloneVM_Task. */
    clone: (vm: Ref, folder: Ref, name: string, spec: VmCloneSpec): Task<MoRef> =>
      cloneVm(m, vm, folder, name, spec),

    /** RelocateVM_Task. */
    relocate: (vm: Ref, spec: VmRelocateSpec): Task<void> => relocateVm(m, vm, spec),

    /** MigrateVM_Task. */
    migrate: (vm: Ref, spec: VmMigrateSpec): Task<void> => migrateVm(m, vm, spec),

    /**
     * CustomizeVM_Task: applied at the next power-on (see vm-customization.ts). `blocking`: the
     * caller waits (see `Model.task`).
     */
    customize: (vm: Ref, spec: CustomizationSpec, options?: TaskOptions): Task<void> =>
      customizeVm(m, vm, spec, options),
    /** vcenter.vm.guest.Customization.set (see setCustomization). */
    setCustomization: (vm: Ref, spec: CustomizationSpec | undefined): void => setCustomization(m, vm, spec),

    /** ReconfigVM_Task, in any power state. */
    reconfigure(vm: Ref, spec: VmConfigSpec): Task<void> {
      const record = lookupVm(vm);
      return m.task(
        { method: 'ReconfigVM_Task', target: record.id, descriptionId: 'VirtualMachine.reconfigure' },
        (tx) => {
          const current = currentVm(tx, record.id);
          const next = applyConfigSpec(deviceContext(m, tx, current), current, spec);
          // The guest sees its devices and what it reads of its extra config, not the rest.
          const changed =
            next.config.devices !== current.config.devices ||
            guestInfoOf(next.config.extraConfig) !== guestInfoOf(current.config.extraConfig);
          putVm(tx, changed ? refreshGuest(tx, m, next) : next);
        },
        () => {
          const now = stored(record.id);
          events.post(now, 'VmReconfiguredEvent', `Reconfigured ${events.where(now)}`, {
            configSpec: { _type: 'VirtualMachineConfigSpec', ...spec },
          });
        },
      );
    },

    /**
     * AcquireTicket: a one-time ticket to a running VM's console (or another of vSphere's ticket
     * types), served by its host on port 443; the ticket text is drawn from the seeded random.
     */
    acquireTicket(vm: Ref, ticketType: string): VmTicket {
      const record = lookupVm(vm);
      const ticket = m.call({ method: 'AcquireTicket', target: record.id }, (tx): VmTicket => {
        if (!TICKET_TYPES.includes(ticketType)) throw faults.invalidArgument('ticketType');
        const current = currentVm(tx, record.id);
        if (current.powerState !== 'poweredOn')
          throw faults.invalidPowerState('poweredOn', current.powerState);
        const host = tx.get(current.host ?? '') as HostRecord | undefined;
        return {
          _type: 'VirtualMachineTicket',
          ticket: m.random.token(32),
          cfgFile: current.config.vmPathName,
          ...(host ? { host: host.name, port: 443 } : {}),
        };
      });
      const now = stored(record.id);
      events.post(
        now,
        'VmAcquiredTicketEvent',
        `A ticket for ${now.name} of type ${ticketType} on ${events.host(now)} in ${events.dc(now)} has been acquired`,
        { ticketType },
      );
      return ticket;
    },

    /**
     * UpgradeVM_Task: a powered-off VM's virtual hardware raised to `version` (`vmx-NN`), or to
     * the latest the simulated hosts run; AlreadyUpgraded when it is there already.
     */
    upgrade(vm: Ref, version = LATEST_HARDWARE_VERSION): Task<void> {
      const record = lookupVm(vm);
      if (!isSupportedHardwareVersion(version)) throw faults.unsupportedHardwareVersion(version);
      const target = hardwareVersionNumber(version) as number;
      return m.task(
        {
          method: 'UpgradeVM_Task',
          target: record.id,
          descriptionId: 'VirtualMachine.upgradeVirtualHardware',
        },
        (tx) => {
          const current = currentVm(tx, record.id);
          if (current.powerState !== 'poweredOff')
            throw faults.invalidPowerState('poweredOff', current.powerState);
          if ((hardwareVersionNumber(current.config.version) ?? 0) >= target) throw faults.alreadyUpgraded();
          const config = Object.assign({}, current.config, {
            version,
            changeVersion: nextChangeVersion(m, current.config),
          });
          putVm(tx, Object.assign({}, current, { config }));
        },
        () => {
          const now = stored(record.id);
          events.post(
            now,
            'VmUpgradingEvent',
            `Upgrading virtual machine compatibility of ${events.where(now)} to ${version}`,
            { version },
          );
          events.post(now, 'VmUpgradeCompleteEvent', `Virtual machine compatibility upgraded to ${version}`, {
            version,
          });
        },
      );
    },

    /**
     * PromoteDisks_Task: the VM's child disks (all, or those `disks` names by key) no longer read
     * their parents, running or not: their data is their own (`unlink`) or a copy of the chain is
     * (without it), which the model keeps alike, the backing's `parent` gone. InvalidArgument on
     * `disks` for a key that is no disk of the VM.
     */
    promoteDisks(vm: Ref, unlink: boolean, disks?: readonly { key: number }[]): Task<void> {
      const record = lookupVm(vm);
      if (typeof unlink !== 'boolean') throw faults.invalidArgument('unlink');
      const keys = disks?.length ? new Set(disks.map((d) => d.key)) : undefined;
      return m.task(
        { method: 'PromoteDisks_Task', target: record.id, descriptionId: 'VirtualMachine.promoteDisks' },
        (tx) => {
          const current = currentVm(tx, record.id);
          const { devices } = current.config;
          for (const key of keys ?? [])
            if (!devices.some((d) => d.key === key && isDisk(d))) throw faults.invalidArgument('disks');
          const promoted = devices.map((d) => {
            if (!isDisk(d) || (keys && !keys.has(d.key))) return d;
            const backing = consolidated(d.backing as object);
            return backing === d.backing ? d : { ...d, backing };
          });
          if (promoted.every((d, i) => d === devices[i])) return;
          const config = {
            ...current.config,
            devices: promoted,
            changeVersion: nextChangeVersion(m, current.config),
          };
          putVm(tx, { ...current, config });
        },
      );
    },

    /** Destroy_Task: the VM and its disks go; a running VM is refused. */
    destroy(vm: Ref): Task<void> {
      const record = lookupVm(vm);
      let posted: (() => void) | undefined;
      return m.task(
        { method: 'Destroy_Task', target: record.id, descriptionId: 'VirtualMachine.destroy' },
        (tx) => {
          releaseDisks(tx, currentVm(tx, record.id));
          posted = remove(tx, record.id);
        },
        () => posted?.(),
      );
    },

    /**
     * UnregisterVM: vCenter forgets the VM and leaves its files on the datastore, its
     * configuration file and its disks (see vm-registration.ts), which a registration takes back.
     */
    unregister(vm: Ref): void {
      const record = lookupVm(vm);
      m.call({ method: 'UnregisterVM', target: record.id }, (tx) => {
        const current = currentVm(tx, record.id);
        const posted = remove(tx, record.id);
        keepVmFiles(m, tx, current);
        return posted;
      })();
    },

    /** RegisterVM_Task on a folder: a VM of the configuration file at `args.path`. */
    register: (folder: Ref, args: VmRegisterArgs): Task<MoRef> => registerVm(m, folder, args),

    /** reloadVirtualMachineFromPath_Task: the VM takes the configuration of a `.vmx` (see vm-registration.ts). */
    reloadFromPath: (vm: Ref, path: string): Task<void> => reloadVmFromPath(m, vm, path),

    /** MarkAsTemplate: a powered-off VM becomes a template, which has no resource pool. */
    markAsTemplate(vm: Ref): void {
      const record = lookupVm(vm);
      m.call({ method: 'MarkAsTemplate', target: record.id }, (tx) => {
        const current = currentVm(tx, record.id);
        if (current.config.template) throw faults.notSupported('The virtual machine is already a template.');
        if (current.powerState !== 'poweredOff')
          throw faults.invalidPowerState('poweredOff', current.powerState);
        const { pool: _pool, parentVApp: _vApp, ...rest } = current;
        const config = {
          ...current.config,
          template: true,
          changeVersion: nextChangeVersion(m, current.config),
        };
        putVm(tx, Object.assign({}, rest, { config }));
      });
    },

    /** MarkAsVirtualMachine: a template becomes a VM again, in `pool` (and on `host`). */
    markAsVirtualMachine(vm: Ref, pool: Ref, host?: Ref): void {
      const record = lookupVm(vm);
      const poolId = m.lookup(pool).id;
      const hostId = host === undefined ? undefined : m.lookup(host).id;
      m.call({ method: 'MarkAsVirtualMachine', target: record.id }, (tx) => {
        const current = currentVm(tx, record.id);
        if (!current.config.template) throw faults.notSupported('The virtual machine is not a template.');
        if (current.powerState !== 'poweredOff')
          throw faults.invalidPowerState('poweredOff', current.powerState);
        const names = { pool: 'pool', host: 'host' };
        const at = placement(m, tx, poolId, hostId, current.homeDatastore, names, current.host);
        const config = {
          ...current.config,
          template: false,
          changeVersion: nextChangeVersion(m, current.config),
        };
        putVm(tx, {
          ...current,
          pool: at.pool.id,
          host: at.host.id,
          ...(at.pool.kind === 'VirtualApp' ? { parentVApp: at.pool.id } : {}),
          config,
        });
      });
    },

    /** Pins the address the guest reports on a NIC; a running guest reports it at once. */
    setGuestIp(vm: Ref, ip: string, nicIndex = 0): void {
      const record = lookupVm(vm);
      m.call({ method: 'SetGuestIp', target: record.id }, (tx) => {
        const current = currentVm(tx, record.id);
        const nic = current.config.devices.filter(isEthernetCard)[nicIndex];
        if (!nic) throw faults.invalidArgument('nicIndex');
        if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(ip) && !ip.includes(':')) throw faults.invalidArgument('ip');
        m.ipam.pin(nic.macAddress as string, ip);
        if (!running(current)) return;
        const net = current.guest.net.map((n) =>
          n.deviceConfigId === nic.key ? { ...n, ipAddress: [ip] } : n,
        );
        const ipAddress = net[0]?.ipAddress[0];
        putVm(
          tx,
          Object.assign({}, current, {
            guest: Object.assign({}, current.guest, ipAddress ? { net, ipAddress } : { net }),
          }),
        );
      });
    },

    /** Sets what the guest reports (its host name), now if it runs and from every boot on. */
    setGuest(vm: Ref, guest: { hostName?: string }): void {
      const record = lookupVm(vm);
      m.call({ method: 'SetGuest', target: record.id }, (tx) => {
        const current = currentVm(tx, record.id);
        if (guest.hostName === undefined) return;
        const extraConfig = mergeExtraConfig(current.config.extraConfig, [
          { key: GUEST_HOST_NAME_KEY, value: guest.hostName },
        ]);
        const hostName = guest.hostName === '' ? current.name : guest.hostName;
        putVm(tx, {
          ...current,
          config: { ...current.config, extraConfig },
          ...(running(current) ? { guest: { ...current.guest, hostName } } : {}),
        });
      });
    },
  };
};

export type VirtualMachineOperations = ReturnType<typeof virtualMachineOperations>;
