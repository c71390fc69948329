/**
 * Direct readers for the leaves clients poll most (`runtime.powerState`,
 * `summary.config.numCpu`, a task's `info.state`): each returns what walking the path
 * through the whole property would, without building the enclosing objects.
 * leaves.test.ts checks every one against that walk.
 */
import type { HostRecord, InventoryRecord, TaskRecord, VmRecord } from '../inventory/records.js';
import { iso, type ReadContext, refOf } from './context.js';

type Leaf<R> = (record: R, ctx: ReadContext) => unknown;

const toolsStatus = (vm: VmRecord) =>
  vm.guest.toolsRunningStatus === 'guestToolsRunning' ? 'toolsOk' : 'toolsNotRunning';

const vmRuntimeLeaves: Record<string, Leaf<VmRecord>> = {
  powerState: (vm) => vm.powerState,
  connectionState: (vm) => vm.connectionState,
  host: (vm, ctx) => refOf(ctx, vm.host),
  bootTime: (vm) => iso(vm.bootTime),
};

const vmGuestLeaves: Record<string, Leaf<VmRecord>> = {
  ipAddress: (vm) => vm.guest.ipAddress,
  hostName: (vm) => vm.guest.hostName,
  toolsRunningStatus: (vm) => vm.guest.toolsRunningStatus,
  toolsStatus,
};

const VM: Record<string, Leaf<VmRecord>> = {
  ...prefixed('runtime.', vmRuntimeLeaves),
  ...prefixed('summary.runtime.', vmRuntimeLeaves),
  ...prefixed('guest.', vmGuestLeaves),
  ...prefixed('summary.guest.', vmGuestLeaves),
  'summary.config.name': (vm) => vm.name,
  'summary.config.template': (vm) => vm.config.template,
  'summary.config.vmPathName': (vm) => vm.config.vmPathName,
  'summary.config.memorySizeMB': (vm) => vm.config.memoryMB,
  'summary.config.numCpu': (vm) => vm.config.numCPU,
  'summary.config.uuid': (vm) => vm.config.uuid,
  'summary.config.instanceUuid': (vm) => vm.config.instanceUuid,
  'summary.config.guestId': (vm) => vm.config.guestId,
  'summary.config.guestFullName': (vm) => vm.config.guestFullName,
  'config.name': (vm) => vm.name,
  'config.template': (vm) => vm.config.template,
  'config.uuid': (vm) => vm.config.uuid,
  'config.instanceUuid': (vm) => vm.config.instanceUuid,
  'config.guestId': (vm) => vm.config.guestId,
  'config.hardware.numCPU': (vm) => vm.config.numCPU,
  'config.hardware.memoryMB': (vm) => vm.config.memoryMB,
};

const hostRuntimeLeaves: Record<string, Leaf<HostRecord>> = {
  powerState: (host) => host.powerState,
  connectionState: (host) => host.connectionState,
  inMaintenanceMode: (host) => host.inMaintenanceMode,
};

const HOST: Record<string, Leaf<HostRecord>> = {
  ...prefixed('runtime.', hostRuntimeLeaves),
  ...prefixed('summary.runtime.', hostRuntimeLeaves),
  'summary.config.name': (host) => host.name,
};

const TASK: Record<string, Leaf<TaskRecord>> = {
  'info.state': (task) => task.state,
  'info.key': (task) => task.id,
  'info.name': (task) => task.name,
  'info.descriptionId': (task) => task.descriptionId,
  'info.entityName': (task) => task.entityName,
};

function prefixed<R>(prefix: string, leaves: Record<string, Leaf<R>>): Record<string, Leaf<R>> {
  return Object.fromEntries(Object.entries(leaves).map(([name, read]) => [prefix + name, read]));
}

type AnyLeaf = Leaf<InventoryRecord>;

/** Kind -> path -> reader; a Map so that a path such as `constructor` never finds a prototype member. */
export const LEAF_READERS: ReadonlyMap<string, ReadonlyMap<string, AnyLeaf>> = new Map(
  Object.entries({ VirtualMachine: VM, HostSystem: HOST, Task: TASK }).map(([kind, leaves]) => [
    kind,
    new Map(Object.entries(leaves as Record<string, AnyLeaf>)),
  ]),
);
