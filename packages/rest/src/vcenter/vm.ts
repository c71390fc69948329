/**
 * Virtual machines: the list (`GET /vcenter/vm` with its FilterSpec), the Info
 * (`GET /vcenter/vm/{vm}`) and power (`GET .../power`; actions `?action=start|stop|reset|suspend`
 * in `/api`, `POST .../power/start` in `/rest`), then the routes of the VM's other services:
 * create and delete (vm-lifecycle.ts), hardware (vm-hardware.ts, vm-boot-devices.ts, vm-disk.ts,
 * vm-cdrom.ts, vm-floppy.ts, vm-ethernet.ts, vm-serial-parallel.ts, vm-adapter-services.ts) and
 * guest (vm-guest.ts). Power actions run the model's tasks and answer once they finish, as
 * vCenter's do.
 */
import { isVimFault, type Task, type VmRecord, type VSphere } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { clusterOfHost, datacenterOf, type FilterSpec, has, listMatching } from './filters.js';
import { vmAdapterRoutes } from './vm-adapter-services.js';
import { vmBootDeviceRoutes } from './vm-boot-devices.js';
import { vmCdromRoutes } from './vm-cdrom.js';
import { vmDiskRoutes } from './vm-disk.js';
import { vmEthernetRoutes } from './vm-ethernet.js';
import { vmFloppyRoutes } from './vm-floppy.js';
import { vmGuestRoutes } from './vm-guest.js';
import { vmHardwareRoutes } from './vm-hardware.js';
import { POWER_STATES, vmInfo } from './vm-info.js';
import { vmLifecycleRoutes } from './vm-lifecycle.js';
import { vmSerialParallelRoutes } from './vm-serial-parallel.js';
import { lookupVm } from './vm-target.js';

/** vCenter lists at most this many VMs; more matches are `unable_to_allocate_resource`. */
export const MAX_VMS = 4000;

const vmFilter = (vsphere: VSphere): FilterSpec<VmRecord> => ({
  vms: { match: (vm, v) => v.has(vm.id) },
  names: { match: (vm, v) => v.has(vm.name) },
  folders: { match: (vm, v) => has(v, vm.parent) },
  datacenters: { match: (vm, v) => has(v, datacenterOf(vsphere, vm.parent ?? vm.id)) },
  hosts: { match: (vm, v) => has(v, vm.host) },
  clusters: { match: (vm, v) => has(v, clusterOfHost(vsphere, vm.host)) },
  resource_pools: { match: (vm, v) => has(v, vm.pool) },
  power_states: {
    match: (vm, v) => v.has(POWER_STATES[vm.powerState]),
    allowed: Object.values(POWER_STATES),
  },
});

const vmSummary = (vm: VmRecord) => ({
  vm: vm.id,
  name: vm.name,
  power_state: POWER_STATES[vm.powerState],
  cpu_count: vm.config.numCPU,
  memory_size_MiB: vm.config.memoryMB,
});

type PowerAction = 'start' | 'stop' | 'reset' | 'suspend';

const POWER_OPS: Readonly<Record<PowerAction, (vsphere: VSphere, id: string) => Task<void>>> = {
  start: (vsphere, id) => vsphere.vm.powerOn(id),
  stop: (vsphere, id) => vsphere.vm.powerOff(id),
  reset: (vsphere, id) => vsphere.vm.reset(id),
  suspend: (vsphere, id) => vsphere.vm.suspend(id),
};

const power = async (call: Call, action: PowerAction) => {
  const vm = lookupVm(call.vsphere, call.params.vm);
  try {
    await POWER_OPS[action](call.vsphere, vm.id).wait();
  } catch (error) {
    // Reset has no desired state: a VM that is off or suspended is simply in the wrong one.
    if (action === 'reset' && isVimFault(error, 'InvalidPowerState')) {
      throw restError('not_allowed_in_current_state', error.message, 'vim.fault.InvalidPowerState');
    }
    throw error;
  }
  return {};
};

const powerInfo = (call: Call) => {
  const state = POWER_STATES[lookupVm(call.vsphere, call.params.vm).powerState];
  return { value: state === 'POWERED_OFF' ? { state, clean_power_off: true } : { state } };
};

const ACTIONS: readonly PowerAction[] = ['start', 'stop', 'reset', 'suspend'];

export const vmRoutes: RouteSet = (style): Route[] => [
  {
    method: 'GET',
    path: '/vcenter/vm',
    run: (call) => ({
      value: listMatching(
        call,
        call.vsphere.store.ofKind<VmRecord>('VirtualMachine'),
        vmFilter(call.vsphere),
        vmSummary,
        MAX_VMS,
        'virtual machines',
      ),
    }),
  },
  {
    method: 'GET',
    path: '/vcenter/vm/:vm',
    run: (call) => ({ value: vmInfo(call.vsphere, lookupVm(call.vsphere, call.params.vm).id, call.style) }),
  },
  { method: 'GET', path: '/vcenter/vm/:vm/power', run: powerInfo },
  ...ACTIONS.map(
    (action): Route =>
      style === 'api'
        ? { method: 'POST', path: '/vcenter/vm/:vm/power', action, run: (call) => power(call, action) }
        : { method: 'POST', path: `/vcenter/vm/:vm/power/${action}`, run: (call) => power(call, action) },
  ),
  ...vmLifecycleRoutes(style),
  ...vmHardwareRoutes(style),
  ...vmBootDeviceRoutes(style),
  ...vmDiskRoutes(style),
  ...vmCdromRoutes(style),
  ...vmFloppyRoutes(style),
  ...vmEthernetRoutes(style),
  ...vmSerialParallelRoutes(style),
  ...vmAdapterRoutes(style),
  ...vmGuestRoutes(style),
];
