/**
 * HostSystem's operations: EnterMaintenanceMode_Task, ExitMaintenanceMode_Task,
 * DisconnectHost_Task and ReconnectHost_Task, with vCenter's host events.
 *
 * Without DRS nothing evacuates a host: vCenter's task would wait for the running VMs
 * to be moved or powered off, until its timeout. Here it fails at once with
 * InvalidState while a VM on the host is powered on (suspended and powered-off VMs
 * may stay, as they may on vCenter). A disconnected host's VMs are written as
 * `connectionState: 'disconnected'` (and back on reconnect), so filters on
 * `runtime.connectionState` see the change.
 */
import { faults } from '../faults.js';
import { eventArguments } from '../history/arguments.js';
import type { HostRecord, VmRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { current } from './entity.js';

const hostIn = (tx: Tx, id: string) => current<HostRecord>(tx, id, 'HostSystem');

const requireConnected = (host: HostRecord): void => {
  if (host.connectionState !== 'connected')
    throw faults.invalidState(`The operation is not allowed: the host is ${host.connectionState}.`);
};

/** Every VM registered on the host, as the transaction sees it. */
const vmsOn = (m: Model, tx: Tx, hostId: string): VmRecord[] => {
  const out: VmRecord[] = [];
  for (const id of m.store.referrers('vm', hostId)) {
    const vm = tx.get(id);
    if (vm?.kind === 'VirtualMachine' && vm.host === hostId) out.push(vm);
  }
  return out;
};

/** An event type, its message given `<host> in <datacenter>`, and its own fields. */
export type HostEvent = readonly [
  type: string,
  text: (where: string) => string,
  extra?: Record<string, unknown>,
];

/** Posts a host's events with vCenter's wording: `... <host> in <datacenter> ...`. */
export const postHostEvents = (m: Model, id: string, events: readonly HostEvent[]): void => {
  const host = m.store.get(id) as HostRecord;
  const args = eventArguments(m.store, host);
  const where = `${host.name} in ${args.datacenter?.name ?? ''}`;
  for (const [_type, text, extra] of events)
    m.postEvent({ _type, ...args, ...extra, fullFormattedMessage: text(where) });
};

export const hostOperations = (m: Model) => {
  const lookupHost = (host: Ref) => m.lookup<HostRecord>(host, 'HostSystem');
  const post = (id: string, events: readonly HostEvent[]) => postHostEvents(m, id, events);

  /** Marks every VM on the host connected or disconnected with it. */
  const setVmConnection = (tx: Tx, hostId: string, connectionState: VmRecord['connectionState']) => {
    for (const vm of vmsOn(m, tx, hostId))
      if (vm.connectionState !== connectionState) putVm(tx, Object.assign({}, vm, { connectionState }));
  };

  return {
    /**
     * EnterMaintenanceMode_Task: InvalidState if the host is in maintenance already, not
     * connected, or runs a powered-on VM. `timeout` and `evacuatePoweredOffVms` have
     * nothing to act on without DRS.
     */
    enterMaintenanceMode(host: Ref, _timeout = 0, _evacuatePoweredOffVms = false): Task<void> {
      const record = lookupHost(host);
      return m.task(
        {
          method: 'EnterMaintenanceMode_Task',
          target: record.id,
          descriptionId: 'HostSystem.enterMaintenanceMode',
        },
        (tx) => {
          const now = hostIn(tx, record.id);
          if (now.inMaintenanceMode) throw faults.invalidState('The host is already in maintenance mode.');
          requireConnected(now);
          const running = vmsOn(m, tx, now.id).filter((vm) => vm.powerState === 'poweredOn');
          if (running.length > 0)
            throw faults.invalidState(
              `The host cannot enter maintenance mode: ${running.length} powered-on virtual machine(s) on it (${running.map((vm) => vm.name).join(', ')}).`,
            );
          tx.put(Object.assign({}, now, { inMaintenanceMode: true }));
        },
        () =>
          post(record.id, [
            ['EnteringMaintenanceModeEvent', (where) => `Host ${where} is entering maintenance mode`],
            ['EnteredMaintenanceModeEvent', (where) => `Host ${where} has entered maintenance mode`],
          ]),
      );
    },

    /** ExitMaintenanceMode_Task: InvalidState unless the host is in maintenance mode. */
    exitMaintenanceMode(host: Ref, _timeout = 0): Task<void> {
      const record = lookupHost(host);
      return m.task(
        {
          method: 'ExitMaintenanceMode_Task',
          target: record.id,
          descriptionId: 'HostSystem.exitMaintenanceMode',
        },
        (tx) => {
          const now = hostIn(tx, record.id);
          if (!now.inMaintenanceMode) throw faults.invalidState('The host is not in maintenance mode.');
          requireConnected(now);
          tx.put(Object.assign({}, now, { inMaintenanceMode: false }));
        },
        () =>
          post(record.id, [
            ['ExitMaintenanceModeEvent', (where) => `Host ${where} has exited maintenance mode`],
          ]),
      );
    },

    /**
     * DisconnectHost_Task: the host and its VMs report `disconnected` (the host's power
     * state becomes unknown, as vCenter cannot see it). A disconnected host stays so.
     */
    disconnect(host: Ref): Task<void> {
      const record = lookupHost(host);
      let changed = false;
      return m.task(
        { method: 'DisconnectHost_Task', target: record.id, descriptionId: 'HostSystem.disconnect' },
        (tx) => {
          const now = hostIn(tx, record.id);
          changed = now.connectionState !== 'disconnected';
          if (!changed) return;
          tx.put(Object.assign({}, now, { connectionState: 'disconnected', powerState: 'unknown' }));
          setVmConnection(tx, now.id, 'disconnected');
        },
        () => {
          if (!changed) return;
          const text = (where: string) =>
            `Disconnected from ${where}. Reason: The host was disconnected by a user`;
          post(record.id, [['HostDisconnectedEvent', text, { reason: 'userRequest' }]]);
        },
      );
    },

    /** ReconnectHost_Task: the host and its VMs are connected again. The specs are accepted as given. */
    reconnect(host: Ref, _cnxSpec?: unknown, _reconnectSpec?: unknown): Task<void> {
      const record = lookupHost(host);
      return m.task(
        { method: 'ReconnectHost_Task', target: record.id, descriptionId: 'HostSystem.reconnect' },
        (tx) => {
          const now = hostIn(tx, record.id);
          tx.put(Object.assign({}, now, { connectionState: 'connected', powerState: 'poweredOn' }));
          setVmConnection(tx, now.id, 'connected');
        },
        () => post(record.id, [['HostConnectedEvent', (where) => `Connected to ${where}`]]),
      );
    },
  };
};

export type HostOperations = ReturnType<typeof hostOperations>;
