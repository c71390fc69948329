/**
 * HostServiceSystem's StartService, StopService, RestartService and UpdateServicePolicy over the
 * services a host runs (ESXi Shell, SSH, NTP, ...).
 */
import { withKeyed } from '../core/arrays.js';
import { faults } from '../faults.js';
import type { HostServiceState, HostServiceSystemRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { serviceState } from '../properties/host-config.js';
import { callOn } from './entity.js';

const POLICIES = ['on', 'automatic', 'off'];

export const hostServiceSystemOperations = (m: Model) => {
  /** Sets what `change` makes of a service's state; NotFound for a service the host does not run. */
  const update = (
    method: string,
    system: Ref,
    id: string,
    change: (s: HostServiceState) => HostServiceState,
  ) => {
    callOn<HostServiceSystemRecord>(m, method, system, 'HostServiceSystem', (tx, self) => {
      const state = serviceState(self, id);
      if (!state) throw faults.notFound(`The host has no service '${id}'.`);
      tx.put(Object.assign({}, self, { services: withKeyed(self.services, change(state)) }));
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
  };
};

export type HostServiceSystemOperations = ReturnType<typeof hostServiceSystemOperations>;
