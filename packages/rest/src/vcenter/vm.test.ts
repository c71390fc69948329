import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const session = async (options?: Parameters<typeof setup>[0]) => {
  const ctx = setup(options);
  return { ...ctx, ...(await ctx.login()) };
};

describe('GET /vcenter/vm', () => {
  it('lists summaries with vSphere field names', async () => {
    const { send } = await session();
    const res = await send('GET', '/api/vcenter/vm');
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(4);
    expect((res.json as unknown[])[0]).toEqual({
      vm: 'vm-20',
      name: 'DC0_H0_VM0',
      power_state: 'POWERED_ON',
      cpu_count: 1,
      memory_size_MiB: 32,
    });
  });

  it('filters by repeated keys, all fields combined', async () => {
    const { send, vsphere } = await session();
    const names = await send('GET', '/api/vcenter/vm?names=DC0_H0_VM0&names=DC0_C0_RP0_VM1');
    expect((names.json as { name: string }[]).map((v) => v.name)).toEqual(['DC0_H0_VM0', 'DC0_C0_RP0_VM1']);
    const cluster = vsphere.store.ofKind('ClusterComputeResource').next().value?.id as string;
    const inCluster = await send('GET', `/api/vcenter/vm?clusters=${cluster}`);
    expect((inCluster.json as { name: string }[]).map((v) => v.name)).toEqual([
      'DC0_C0_RP0_VM0',
      'DC0_C0_RP0_VM1',
    ]);
    const both = await send('GET', `/api/vcenter/vm?clusters=${cluster}&names=DC0_H0_VM0`);
    expect(both.json).toEqual([]);
    const vm = vsphere.store.get('vm-20');
    const byPlace = await send(
      'GET',
      `/api/vcenter/vm?folders=${vm?.parent}&datacenters=datacenter-2&hosts=host-13&resource_pools=resgroup-12&vms=vm-20&vms=vm-22`,
    );
    expect((byPlace.json as { vm: string }[]).map((v) => v.vm)).toEqual(['vm-20']);
  });

  it('filters by power state and refuses unknown ones', async () => {
    const { send, vsphere } = await session();
    await vsphere.vm.powerOff('vm-21').wait();
    const off = await send('GET', '/api/vcenter/vm?power_states=POWERED_OFF');
    expect((off.json as { vm: string }[]).map((v) => v.vm)).toEqual(['vm-21']);
    const bad = await send('GET', '/api/vcenter/vm?power_states=ON');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });

  it('answers /rest with {value} and filter.* parameters', async () => {
    const { send } = await session();
    const res = await send('GET', '/rest/vcenter/vm?filter.names.1=DC0_H0_VM1');
    expect(res.json).toEqual({
      value: [
        { vm: 'vm-21', name: 'DC0_H0_VM1', power_state: 'POWERED_ON', cpu_count: 1, memory_size_MiB: 32 },
      ],
    });
  });

  it('refuses more than 4,000 matches with unable_to_allocate_resource', async () => {
    const { send } = await session({
      seed: 1,
      inventory: { cluster: 0, standaloneHost: 1, vm: 4001, pg: 0 },
    });
    const res = await send('GET', '/api/vcenter/vm');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error_type: 'UNABLE_TO_ALLOCATE_RESOURCE' });
    const narrowed = await send('GET', '/api/vcenter/vm?names=DC0_H0_VM7');
    expect(narrowed.json).toHaveLength(1);
  });
});

describe('GET /vcenter/vm/{vm}', () => {
  it('reads the VM info with its devices keyed by device key', async () => {
    const { send } = await session();
    const res = await send('GET', '/api/vcenter/vm/vm-20');
    expect(res.status).toBe(200);
    const info = res.json as Record<string, Record<string, unknown>>;
    expect(info).toMatchObject({
      name: 'DC0_H0_VM0',
      power_state: 'POWERED_ON',
      guest_OS: 'OTHER',
      cpu: { count: 1, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false },
      memory: { size_MiB: 32, hot_add_enabled: false },
      hardware: { upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
      boot: { type: 'BIOS' },
    });
    expect(info.hardware?.version).toMatch(/^VMX_\d+$/);
    expect(info.disks?.['2000']).toMatchObject({
      label: 'Hard disk 1',
      type: 'SCSI',
      scsi: { bus: 0, unit: 0 },
    });
    expect(info.disks?.['2000']).toMatchObject({
      backing: { type: 'VMDK_FILE', vmdk_file: expect.stringContaining('.vmdk') },
    });
    expect(info.nics?.['4000']).toMatchObject({
      backing: { type: 'DISTRIBUTED_PORTGROUP' },
      state: 'CONNECTED',
    });
    expect(info.cdroms?.['3000']).toMatchObject({ type: 'IDE', ide: { primary: true, master: true } });
    expect(info.scsi_adapters?.['1000']).toMatchObject({ type: 'PVSCSI', scsi: { bus: 0, unit: 7 } });
  });

  it('writes maps as key/value lists in /rest', async () => {
    const { send } = await session();
    const res = await send('GET', '/rest/vcenter/vm/vm-20');
    const info = (res.json as { value: { disks: { key: string; value: unknown }[] } }).value;
    expect(info.disks).toEqual([{ key: '2000', value: expect.objectContaining({ label: 'Hard disk 1' }) }]);
  });

  it('answers 404 for unknown ids and ids of other kinds', async () => {
    const { send } = await session();
    for (const id of ['vm-999', 'host-13', '%E0%A4%A']) {
      const res = await send('GET', `/api/vcenter/vm/${id}`);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error_type: 'NOT_FOUND' });
    }
    expect((await send('GET', '/rest/vcenter/vm/vm-999/power')).json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.not_found',
    });
  });
});

describe('power', () => {
  it('runs start/stop/suspend/reset through the model: 204, then 400 already_in_desired_state', async () => {
    const { send, vsphere } = await session();
    const stop = await send('POST', '/api/vcenter/vm/vm-20/power?action=stop');
    expect(stop).toMatchObject({ status: 204, body: '' });
    expect(vsphere.read('vm-20', 'runtime.powerState')).toBe('poweredOff');
    expect((await send('GET', '/api/vcenter/vm/vm-20/power')).json).toEqual({
      state: 'POWERED_OFF',
      clean_power_off: true,
    });
    const again = await send('POST', '/api/vcenter/vm/vm-20/power?action=stop');
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({ error_type: 'ALREADY_IN_DESIRED_STATE' });
    const suspendOff = await send('POST', '/api/vcenter/vm/vm-20/power?action=suspend');
    expect(suspendOff.json).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
    const resetOff = await send('POST', '/api/vcenter/vm/vm-20/power?action=reset');
    expect(resetOff.json).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
    expect((await send('POST', '/api/vcenter/vm/vm-20/power?action=start')).status).toBe(204);
    expect((await send('POST', '/api/vcenter/vm/vm-20/power?action=start')).json).toMatchObject({
      error_type: 'ALREADY_IN_DESIRED_STATE',
    });
    expect((await send('POST', '/api/vcenter/vm/vm-20/power?action=reset')).status).toBe(204);
    expect((await send('POST', '/api/vcenter/vm/vm-20/power?action=suspend')).status).toBe(204);
    expect((await send('GET', '/api/vcenter/vm/vm-20/power')).json).toEqual({ state: 'SUSPENDED' });
    const tasks = [...vsphere.recentTasks].map((id) => vsphere.store.get(id)?.name);
    expect(tasks).toContain('PowerOffVM_Task');
    expect(tasks).toContain('SuspendVM_Task');
  });

  it('refuses a start that admission control refuses with unable_to_allocate_resource', async () => {
    const { send, vsphere } = await session({ seed: 1, admissionControl: true });
    const vm = 'vm-20';
    expect((await send('POST', `/api/vcenter/vm/${vm}/power?action=stop`)).status).toBe(204);
    const reconfigure = vsphere.vm.reconfigure(vm, { cpuAllocation: { reservation: 1_000_000 } });
    vsphere.scheduler.runDue();
    await reconfigure.wait();
    const refused = await send('POST', `/api/vcenter/vm/${vm}/power?action=start`);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error_type: 'UNABLE_TO_ALLOCATE_RESOURCE' });
    expect((await send('GET', `/api/vcenter/vm/${vm}/power`)).json).toMatchObject({ state: 'POWERED_OFF' });
  });

  it('answers /rest power actions with 200 and no value', async () => {
    const { send, vsphere } = await session();
    const res = await send('POST', '/rest/vcenter/vm/vm-21/power/stop');
    expect(res).toMatchObject({ status: 200, body: '' });
    expect(vsphere.read('vm-21', 'runtime.powerState')).toBe('poweredOff');
    expect((await send('GET', '/rest/vcenter/vm/vm-21/power')).json).toEqual({
      value: { state: 'POWERED_OFF', clean_power_off: true },
    });
    const again = await send('POST', '/rest/vcenter/vm/vm-21/power/stop');
    expect(again.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.already_in_desired_state' });
  });
});
