import { describe, expect, it } from 'vitest';
import { findByInventoryPath } from '../inventory/paths.js';
import type { HostRecord, ResourcePoolRecord, VmRecord } from '../inventory/records.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import type { VSphereOptions } from '../vsphere.js';

const MB = 1024 * 1024;
const CLUSTER = '/DC0/host/DC0_C0';
const ROOT = `${CLUSTER}/Resources`;
const VM = '/DC0/vm/DC0_C0_RP0_VM0';
/** The default cluster's three hosts: 2 cores at 2,294 MHz and 4,095.5 MB each. */
const CPU_CAPACITY = 3 * 2 * 2294;
const MEMORY_CAPACITY = Math.floor((3 * 4294430720) / MB);

const setup = (options: VSphereOptions = {}) => {
  const fixture = createFixture(options);
  const { vsphere, at, run } = fixture;
  const root = at<ResourcePoolRecord>(ROOT);
  const vm = at<VmRecord>(VM);
  /** Gives the VM reservations (while off, so that nothing counts them yet). */
  const reserve = async (id: string, cpu: number, memory = 0) => {
    await run(vsphere.vm.powerOff(id)).catch(() => undefined);
    await run(
      vsphere.vm.reconfigure(id, {
        cpuAllocation: { reservation: cpu },
        memoryAllocation: { reservation: memory },
      }),
    );
  };
  const usage = (pool: string) =>
    vsphere.read<{ cpu: Record<string, number>; memory: Record<string, number> }>(pool, 'runtime');
  const child = (name: string, cpu: { reservation: number; expandableReservation: boolean }) =>
    vsphere.pool.create(root.id, name, { cpuAllocation: cpu }).value;
  return { ...fixture, root, vm, reserve, usage, child };
};

describe('reservations in a pool tree', () => {
  it("gives the root pool its cluster's capacity and counts what running VMs reserve", async () => {
    const { vsphere, root, vm, reserve, usage, run, at } = setup();
    expect(vsphere.read(root.id, 'config.cpuAllocation')).toMatchObject({
      reservation: CPU_CAPACITY,
      limit: CPU_CAPACITY,
      expandableReservation: false,
    });
    expect(vsphere.read(root.id, 'config.memoryAllocation')).toMatchObject({ reservation: MEMORY_CAPACITY });
    await reserve(vm.id, 1000, 512);
    // Off, it reserves nothing.
    expect(usage(root.id).cpu).toMatchObject({ reservationUsed: 0, unreservedForVm: CPU_CAPACITY });
    await run(vsphere.vm.powerOn(vm.id));
    expect(usage(root.id)).toEqual({
      _type: 'ResourcePoolRuntimeInfo',
      cpu: {
        _type: 'ResourcePoolResourceUsage',
        reservationUsed: 1000,
        reservationUsedForVm: 1000,
        unreservedForPool: CPU_CAPACITY - 1000,
        unreservedForVm: CPU_CAPACITY - 1000,
        overallUsage: 0,
        maxUsage: CPU_CAPACITY,
      },
      memory: {
        _type: 'ResourcePoolResourceUsage',
        reservationUsed: 512 * MB,
        reservationUsedForVm: 512 * MB,
        unreservedForPool: (MEMORY_CAPACITY - 512) * MB,
        unreservedForVm: (MEMORY_CAPACITY - 512) * MB,
        overallUsage: 0,
        maxUsage: MEMORY_CAPACITY * MB,
      },
      overallStatus: 'green',
    });
    expect(vsphere.read(at(CLUSTER).id, 'summary.usageSummary')).toMatchObject({
      cpuReservationMhz: 1000,
      memReservationMB: 512,
    });
  });

  it('takes a fixed pool reservation from its parent, and an expandable pool borrows beyond its own', async () => {
    const { vsphere, root, vm, reserve, usage, child, run } = setup();
    const fixed = child('fixed', { reservation: 2000, expandableReservation: false });
    const growing = child('growing', { reservation: 500, expandableReservation: true });
    expect(usage(root.id).cpu).toMatchObject({ reservationUsed: 2500, reservationUsedForVm: 0 });
    expect(usage(fixed).cpu).toMatchObject({
      reservationUsed: 0,
      unreservedForVm: 2000,
      maxUsage: CPU_CAPACITY,
    });
    // An expandable pool's room is its own and what its parent has left.
    expect(usage(growing).cpu).toMatchObject({ unreservedForVm: 500 + CPU_CAPACITY - 2500 });

    await reserve(vm.id, 1200);
    vsphere.pool.moveInto(growing, [vm.id]);
    await run(vsphere.vm.powerOn(vm.id));
    expect(usage(growing).cpu).toMatchObject({ reservationUsed: 1200, reservationUsedForVm: 1200 });
    // The growing pool takes 1,200 from the root: its 500, and 700 borrowed.
    expect(usage(root.id).cpu).toMatchObject({
      reservationUsed: 3200,
      reservationUsedForVm: 1200,
      unreservedForVm: CPU_CAPACITY - 3200,
    });
  });

  it('lets a pool hold more than it may while admission control is off (the default)', async () => {
    const { vsphere, vm, reserve, run } = setup();
    await reserve(vm.id, CPU_CAPACITY + 1);
    await run(vsphere.vm.powerOn(vm.id));
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOn');
  });
});

describe('admission control (admissionControl: true)', () => {
  const admitting = () => setup({ admissionControl: true });

  it('refuses a power-on beyond the CPU or memory left, naming the room and the request', async () => {
    const { vsphere, vm, reserve, run } = admitting();
    await reserve(vm.id, CPU_CAPACITY + 1);
    const refused = run(vsphere.vm.powerOn(vm.id));
    await expect(refused).rejects.toMatchObject({
      fault: {
        _type: 'InsufficientCpuResourcesFault',
        unreserved: CPU_CAPACITY,
        requested: CPU_CAPACITY + 1,
      },
      message: 'The available CPU resources in the parent resource pool are insufficient for the operation.',
    });
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOff');

    await reserve(vm.id, 0, MEMORY_CAPACITY + 1);
    await expect(run(vsphere.vm.powerOn(vm.id))).rejects.toMatchObject({
      fault: {
        _type: 'InsufficientMemoryResourcesFault',
        unreserved: MEMORY_CAPACITY * MB,
        requested: (MEMORY_CAPACITY + 1) * MB,
      },
    });
    await reserve(vm.id, CPU_CAPACITY, MEMORY_CAPACITY);
    await run(vsphere.vm.powerOn(vm.id));
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOn');
  });

  it("holds a VM in a fixed pool to the pool's reservation, and lets one in an expandable pool borrow", async () => {
    const { vsphere, vm, reserve, child, run, at } = admitting();
    const fixed = child('fixed', { reservation: 1000, expandableReservation: false });
    const growing = child('growing', { reservation: 0, expandableReservation: true });
    await reserve(vm.id, 1500);
    vsphere.pool.moveInto(fixed, [vm.id]);
    expect(await faultOf(run(vsphere.vm.powerOn(vm.id)))).toBe('InsufficientCpuResourcesFault');
    vsphere.pool.moveInto(growing, [vm.id]);
    await run(vsphere.vm.powerOn(vm.id));

    // Running, it moves into the fixed pool no more, and reserves no more than is left.
    expect(await faultOf(() => vsphere.pool.moveInto(fixed, [vm.id]))).toBe('InsufficientCpuResourcesFault');
    const over = { cpuAllocation: { reservation: CPU_CAPACITY } };
    expect(await faultOf(run(vsphere.vm.reconfigure(vm.id, over)))).toBe('InsufficientCpuResourcesFault');
    expect((vsphere.store.get(vm.id) as VmRecord).config.cpuAllocation?.reservation).toBe(1500);

    // A second VM finds what the first left.
    const other = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM1');
    await reserve(other.id, CPU_CAPACITY - 1000 - 1500);
    await run(vsphere.vm.powerOn(other.id));
    expect((vsphere.store.get(other.id) as VmRecord).powerState).toBe('poweredOn');
  });

  it("refuses a pool's reservation beyond its parent's room, made or changed", async () => {
    const { vsphere, root, child } = admitting();
    const fixed = child('fixed', { reservation: CPU_CAPACITY - 100, expandableReservation: false });
    expect(
      await faultOf(() =>
        vsphere.pool.create(root.id, 'more', {
          cpuAllocation: { reservation: 200, expandableReservation: false },
        }),
      ),
    ).toBe('InsufficientCpuResourcesFault');
    expect(findByInventoryPath(vsphere.store, `${ROOT}/more`)).toBeUndefined();
    expect(
      await faultOf(() =>
        vsphere.pool.update(fixed, undefined, { cpuAllocation: { reservation: CPU_CAPACITY + 1 } }),
      ),
    ).toBe('InsufficientCpuResourcesFault');
    expect((vsphere.store.get(fixed) as ResourcePoolRecord).cpuAllocation.reservation).toBe(
      CPU_CAPACITY - 100,
    );
    vsphere.pool.update(fixed, undefined, { cpuAllocation: { reservation: CPU_CAPACITY } });
  });

  it('refuses a pool moved under a fixed pool without room, and a ceiling lowered below what a pool holds', async () => {
    const { vsphere, vm, reserve, child, run } = admitting();
    const small = child('small', { reservation: 0, expandableReservation: false });
    const big = child('big', { reservation: 1000, expandableReservation: false });
    const fault = await faultOf(() => vsphere.pool.moveInto(small, [big]));
    expect(fault).toBe('InsufficientCpuResourcesFault');
    expect((vsphere.store.get(big) as ResourcePoolRecord).parent).not.toBe(small);

    await reserve(vm.id, 800);
    vsphere.pool.moveInto(big, [vm.id]);
    await run(vsphere.vm.powerOn(vm.id));
    const lower = () => vsphere.pool.update(big, undefined, { cpuAllocation: { reservation: 100 } });
    expect(lower).toThrow(
      expect.objectContaining({
        fault: { _type: 'InsufficientCpuResourcesFault', unreserved: 100, requested: 800 },
      }),
    );
    const growing = () =>
      vsphere.pool.update(small, undefined, { cpuAllocation: { expandableReservation: true } });
    growing();
    vsphere.pool.moveInto(small, [vm.id]);
    // A pool that borrows may not stop borrowing while it holds more than its own.
    expect(
      await faultOf(() =>
        vsphere.pool.update(small, undefined, { cpuAllocation: { expandableReservation: false } }),
      ),
    ).toBe('InsufficientCpuResourcesFault');
    expect((vsphere.store.get(big) as ResourcePoolRecord).cpuAllocation.reservation).toBe(1000);
  });

  it('lets what gives back through when a pool holds too much (a host gone into maintenance)', async () => {
    const { vsphere, vm, reserve, run, at } = admitting();
    await reserve(vm.id, CPU_CAPACITY);
    await run(vsphere.vm.powerOn(vm.id));
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H2');
    await run(vsphere.host.enterMaintenanceMode(host.id));
    const other = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM1');
    // Over its capacity now: a VM that reserves nothing more still powers on, one that gives back powers off.
    await run(vsphere.vm.powerOff(other.id));
    await run(vsphere.vm.powerOn(other.id));
    await run(vsphere.vm.powerOff(vm.id));
    expect((vsphere.store.get(vm.id) as VmRecord).powerState).toBe('poweredOff');
  });
});
