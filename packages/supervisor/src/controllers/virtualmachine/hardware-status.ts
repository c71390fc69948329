/**
 * A VM's `status.hardware` as vm-operator reads it from vSphere: its CPUs and memory with their
 * reservations (memory in MB taken as millions of bytes, as vm-operator counts it: `2048M` for
 * 2,048 MB), its disk and CD-ROM controllers with
 * the unit of each device on them, sorted by type and bus, devices by type and unit, and its
 * NVIDIA vGPUs.
 */
import { type Device, getOrInsert, isVgpu, SCSI_CONTROLLERS, type VmRecord } from '@vsim/vsphere';
import type {
  VirtualControllerStatus,
  VirtualControllerType,
  VirtualDeviceStatus,
  VirtualDeviceType,
  VirtualMachineHardwareStatus,
  VirtualMachineHardwareVGPUStatus,
} from '../../api/types.js';
import { bytesQuantity } from '../../store/quantity.js';

/** vm-operator's bytes per MB of a VM's memory (its reconcileStatusHardware). */
const MB = 1000 * 1000;

/** The type vm-operator names a disk or CD-ROM controller device by; undefined for any other device. */
export function controllerType(type: string): VirtualControllerType | undefined {
  if (type === 'VirtualIDEController') return 'IDE';
  if (SCSI_CONTROLLERS.has(type)) return 'SCSI';
  if (type === 'VirtualAHCIController' || type === 'VirtualSATAController') return 'SATA';
  if (type === 'VirtualNVMEController') return 'NVME';
  return undefined;
}

const DEVICE_TYPES: Readonly<Record<string, VirtualDeviceType>> = {
  VirtualDisk: 'Disk',
  VirtualCdrom: 'CDROM',
};

const byTypeThen =
  <T extends { type: string }>(then: (item: T) => number) =>
  (a: T, b: T) =>
    a.type < b.type ? -1 : a.type > b.type ? 1 : then(a) - then(b);

function controllersOf(vm: VmRecord): VirtualControllerStatus[] {
  const byKey = new Map<number, VirtualControllerStatus>();
  for (const device of vm.config.devices) {
    const type = controllerType(device._type);
    if (type) byKey.set(device.key, { busNumber: device.busNumber as number, type, deviceKey: device.key });
  }
  for (const device of vm.config.devices) {
    const type = DEVICE_TYPES[device._type];
    const controller = device.controllerKey === undefined ? undefined : byKey.get(device.controllerKey);
    if (!type || !controller || device.unitNumber === undefined) continue;
    controller.devices ??= [];
    controller.devices.push({ type, unitNumber: device.unitNumber });
  }
  const controllers = [...byKey.values()];
  for (const controller of controllers)
    controller.devices?.sort(byTypeThen((d: VirtualDeviceStatus) => d.unitNumber));
  return controllers.sort(byTypeThen((c: VirtualControllerStatus) => c.busNumber));
}

/** A vGPU's vMotion support as vm-operator reads it from its backing. */
function vgpuStatus(device: Device): VirtualMachineHardwareVGPUStatus {
  const backing = device.backing as {
    vgpu: string;
    migrateSupported?: boolean;
    enhancedMigrateCapability?: boolean;
  };
  const migrationType = backing.enhancedMigrateCapability
    ? 'Enhanced'
    : backing.migrateSupported
      ? 'Normal'
      : 'None';
  return { type: 'Nvidia', profile: backing.vgpu, migrationType };
}

/** One frozen status per size, controller layout and vGPUs: VMs of one class and image share it. */
const SHARED = new Map<string, VirtualMachineHardwareStatus>();
/** Past this many layouts the oldest is dropped: a long-lived process sees ever new ones. */
const MAX_SHARED = 4096;

export function hardwareStatus(vm: VmRecord): VirtualMachineHardwareStatus {
  const { numCPU, memoryMB } = vm.config;
  const cpuReservation = vm.config.cpuAllocation?.reservation ?? 0;
  const memoryReservation = vm.config.memoryAllocation?.reservation ?? 0;
  let layout = `${numCPU}/${memoryMB}/${cpuReservation}/${memoryReservation}`;
  // In device order, as vm-operator lists them.
  let vgpus: VirtualMachineHardwareVGPUStatus[] | undefined;
  for (const device of vm.config.devices)
    if (controllerType(device._type) || DEVICE_TYPES[device._type])
      layout += `/${device._type}:${device.key}:${device.busNumber}:${device.controllerKey}:${device.unitNumber}`;
    else if (isVgpu(device)) {
      const vgpu = vgpuStatus(device);
      vgpus ??= [];
      vgpus.push(vgpu);
      layout += `/${vgpu.type}:${vgpu.profile}:${vgpu.migrationType}`;
    }
  if (SHARED.size >= MAX_SHARED && !SHARED.has(layout)) SHARED.delete(SHARED.keys().next().value as string);
  return getOrInsert(SHARED, layout, () => {
    const status: VirtualMachineHardwareStatus = {};
    const controllers = controllersOf(vm);
    if (controllers.length > 0) status.controllers = controllers;
    if (numCPU > 0 || cpuReservation > 0) {
      status.cpu = {};
      if (numCPU > 0) status.cpu.total = numCPU;
      if (cpuReservation > 0) status.cpu.reservation = cpuReservation;
    }
    if (memoryMB > 0 || memoryReservation > 0) {
      status.memory = {};
      if (memoryMB > 0) status.memory.total = bytesQuantity(memoryMB * MB);
      if (memoryReservation > 0) status.memory.reservation = bytesQuantity(memoryReservation * MB);
    }
    if (vgpus) status.vGPUs = vgpus;
    return deepFreeze(status);
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value))
    if (typeof field === 'object' && field !== null) deepFreeze(field);
  return Object.freeze(value);
}
