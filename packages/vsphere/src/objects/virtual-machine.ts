/**
 * VirtualMachine's operations, with vSphere's method names in the calls they make.
 * Each one passes the interception point; task methods return a Task whose work runs
 * on the scheduler as one transaction.
 */
import { faults } from '../faults.js';
import { eventArguments } from '../history/arguments.js';
import { GUEST_OFF, runningGuest } from '../inventory/guest.js';
import type { HostRecord, NetworkRecord, VmRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';

/** The VM as the transaction sees it now (it may have changed since the task was queued). */
export const currentVm = (tx: Tx, id: string): VmRecord => {
  const vm = tx.get(id) as VmRecord | undefined;
  if (!vm) throw faults.managedObjectNotFound({ type: 'VirtualMachine', value: id });
  return vm;
};

const networkName = (tx: Tx) => (id: string) => (tx.get(id) as NetworkRecord | undefined)?.name ?? '';

export const virtualMachineOperations = (m: Model) => {
  const post = (vm: VmRecord, _type: string, message: string, extra: Record<string, unknown> = {}) =>
    m.postEvent({ _type, fullFormattedMessage: message, ...eventArguments(m.store, vm), ...extra });

  return {
    /** PowerOnVM_Task. A template cannot run (InvalidState at once, as vCenter answers). */
    powerOn(vm: Ref, host?: Ref): Task<void> {
      const record = m.lookup<VmRecord>(vm, 'VirtualMachine');
      if (record.config.template) throw faults.invalidState('The operation is not allowed on a template.');
      const hostId = host === undefined ? undefined : m.lookup<HostRecord>(host, 'HostSystem').id;
      return m.task(
        { method: 'PowerOnVM_Task', target: record.id, descriptionId: 'VirtualMachine.powerOn' },
        (tx) => {
          const current = currentVm(tx, record.id);
          if (current.powerState === 'poweredOn') throw faults.invalidPowerState('poweredOn', 'poweredOn');
          const onHost = (tx.get(hostId ?? current.host ?? '') as HostRecord | undefined) ?? undefined;
          if (onHost?.inMaintenanceMode) throw faults.hostInMaintenance();
          const on: VmRecord = {
            ...current,
            ...(onHost ? { host: onHost.id } : {}),
            powerState: 'poweredOn',
            bootTime: m.clock.now(),
            guest: runningGuest(m.ipam, current, networkName(tx)),
          };
          putVm(tx, on);
        },
        () => {
          const vmNow = m.store.get(record.id) as VmRecord;
          const on = `${vmNow.name} on ${m.store.get(vmNow.host ?? '')?.name ?? ''}`;
          post(vmNow, 'VmStartingEvent', `${on} is starting`);
          post(vmNow, 'VmPoweredOnEvent', `${on} is powered on`);
        },
      );
    },

    /** PowerOffVM_Task: hard power off, from on or suspended. */
    powerOff(vm: Ref): Task<void> {
      const record = m.lookup<VmRecord>(vm, 'VirtualMachine');
      return m.task(
        { method: 'PowerOffVM_Task', target: record.id, descriptionId: 'VirtualMachine.powerOff' },
        (tx) => {
          const current = currentVm(tx, record.id);
          if (current.powerState === 'poweredOff') throw faults.invalidPowerState('poweredOff', 'poweredOff');
          const { bootTime: _, ...rest } = current;
          putVm(tx, { ...rest, powerState: 'poweredOff', guest: GUEST_OFF });
        },
        () => {
          const vmNow = m.store.get(record.id) as VmRecord;
          const on = `${vmNow.name} on ${m.store.get(vmNow.host ?? '')?.name ?? ''}`;
          post(vmNow, 'VmStoppingEvent', `${on} is stopping`);
          post(vmNow, 'VmPoweredOffEvent', `${on} is powered off`);
        },
      );
    },
  };
};

export type VirtualMachineOperations = ReturnType<typeof virtualMachineOperations>;
