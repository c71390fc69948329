/**
 * HostServiceSystem's StartService, StopService, RestartService and UpdateServicePolicy over the
 * services a host runs (ESXi Shell, SSH, NTP, ...), and HostDateTimeSystem's QueryDateTime: a
 * host's clock is the simulator's.
 */
import { faults } from '../faults.js';
import type { HostManagerRecord, HostServiceState, HostServiceSystemRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { hostDateTime, serviceState } from '../properties/host-config.js';
import { current } from './entity.js';

const POLICIES = ['on', 'automatic', 'off'];

export const hostServiceSystemOperations = (m: Model) => {
  /** Sets what `change` makes of a service's state; NotFound for a service the host does not run. */
  const update = (
    method: string,
    system: Ref,
    id: string,
    change: (s: HostServiceState) => HostServiceState,
  ) => {
    const record = m.lookup<HostServiceSystemRecord>(system, 'HostServiceSystem');
    m.call({ method, target: record.id }, (tx) => {
      const self = current<HostServiceSystemRecord>(tx, record.id, 'HostServiceSystem');
      const state = serviceState(self, id);
      if (!state) throw faults.notFound(`The host has no service '${id}'.`);
      const services = [...(self.services ?? []).filter((s) => s.key !== id), change(state)];
      tx.put(Object.assign({}, self, { services }));
    });
  };

  return {
    start(system: Ref, id: string): void {
      update('StartService', system, id, (s) => ({ ...s, running: true }));
    },
    stop(system: Ref, id: string): void {
      update('StopService', system, id, (s) => ({ ...s, running: false }));
    },
    restart(system: Ref, id: string): void {
      update('RestartService', system, id, (s) => ({ ...s, running: true }));
    },
    /** UpdateServicePolicy: `on`, `automatic` or `off` (InvalidArgument otherwise); what runs keeps running. */
    updatePolicy(system: Ref, id: string, policy: string): void {
      if (!POLICIES.includes(policy)) throw faults.invalidArgument('policy');
      update('UpdateServicePolicy', system, id, (s) => ({ ...s, policy }));
    },
    /** QueryDateTime: the host's clock, the simulator's. */
    queryDateTime(system: Ref): string {
      m.lookup<HostManagerRecord>(system, 'HostDateTimeSystem');
      return hostDateTime(m);
    },
  };
};

export type HostServiceSystemOperations = ReturnType<typeof hostServiceSystemOperations>;
