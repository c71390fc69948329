import { LATEST_HARDWARE_VERSION, type VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';
import { vmxVersion } from './vm-hardware.js';

const session = async () => {
  const ctx = await loggedIn();
  const patch = (url: string, body: object) => ctx.send('PATCH', url, { body: JSON.stringify(body) });
  return { ...ctx, patch };
};

const LATEST = vmxVersion(LATEST_HARDWARE_VERSION);

describe('/vcenter/vm/{vm}/hardware', () => {
  it('reads the version and schedules an upgrade by policy, refusing a version under NEVER or not newer', async () => {
    const { send, patch, vsphere } = await session();
    const version = (vsphere.store.get('vm-20') as VmRecord).config.version;
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware')).json).toEqual({
      version: vmxVersion(version),
      upgrade_policy: 'NEVER',
      upgrade_status: 'NONE',
    });
    expect((await patch('/api/vcenter/vm/vm-20/hardware', { upgrade_policy: 'ALWAYS' })).status).toBe(204);
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware')).json).toEqual({
      version: vmxVersion(version),
      upgrade_policy: 'ALWAYS',
      upgrade_version: LATEST,
      upgrade_status: 'PENDING',
    });
    for (const body of [
      { upgrade_policy: 'NEVER', upgrade_version: LATEST },
      { upgrade_version: vmxVersion(version) },
      { upgrade_policy: 'SOMETIMES' },
      { upgrade_version: 'vmx-21' },
    ]) {
      expect((await patch('/api/vcenter/vm/vm-20/hardware', body)).json).toMatchObject({
        error_type: 'INVALID_ARGUMENT',
      });
    }
    expect((await patch('/api/vcenter/vm/vm-20/hardware', { upgrade_policy: 'NEVER' })).status).toBe(204);
    expect((await send('GET', '/rest/vcenter/vm/vm-20/hardware')).json).toEqual({
      value: { version: vmxVersion(version), upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
    });
  });

  it('upgrades a powered-off VM now, refusing a running one and one at that version already', async () => {
    const { send, vsphere } = await session();
    const upgrade = (vm: string, version: string) =>
      send('POST', `/api/vcenter/vm/${vm}/hardware?action=upgrade`, { body: JSON.stringify({ version }) });
    expect((await upgrade('vm-20', LATEST)).json).toMatchObject({
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await upgrade('vm-20', 'VMX_10')).json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await upgrade('vm-20', LATEST)).status).toBe(204);
    expect((vsphere.store.get('vm-20') as VmRecord).config.version).toBe(LATEST_HARDWARE_VERSION);
    expect((await upgrade('vm-20', LATEST)).json).toMatchObject({ error_type: 'ALREADY_IN_DESIRED_STATE' });
    await vsphere.vm.powerOff('vm-21').wait();
    expect((await send('POST', '/rest/vcenter/vm/vm-21/hardware/action/upgrade')).status).toBe(200);
    expect((vsphere.store.get('vm-21') as VmRecord).config.version).toBe(LATEST_HARDWARE_VERSION);
  });
});

describe('/vcenter/vm/{vm}/hardware/cpu and /memory', () => {
  it('reads and changes CPUs and memory through ReconfigVM_Task', async () => {
    const { send, patch, vsphere } = await session();
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/cpu')).json).toEqual({
      count: 1,
      cores_per_socket: 1,
      hot_add_enabled: false,
      hot_remove_enabled: false,
    });
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/memory')).json).toEqual({
      size_MiB: 32,
      hot_add_enabled: false,
    });
    await vsphere.vm.powerOff('vm-20').wait();
    const cpu = { count: 4, cores_per_socket: 2, hot_add_enabled: true, hot_remove_enabled: true };
    expect((await patch('/api/vcenter/vm/vm-20/hardware/cpu', cpu)).status).toBe(204);
    expect((await patch('/api/vcenter/vm/vm-20/hardware/memory', { size_MiB: 4096 })).status).toBe(204);
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/cpu')).json).toEqual(cpu);
    expect((await send('GET', '/rest/vcenter/vm/vm-20/hardware/memory')).json).toEqual({
      value: { size_MiB: 4096, hot_add_enabled: false },
    });
    const tasks = [...vsphere.recentTasks].map((t) => vsphere.store.get(t)?.name);
    expect(tasks.filter((t) => t === 'ReconfigVM_Task')).toHaveLength(2);
    const rest = await send('PATCH', '/rest/vcenter/vm/vm-20/hardware/memory', {
      body: JSON.stringify({ spec: { hot_add_enabled: true } }),
    });
    expect(rest).toMatchObject({ status: 200, body: '' });
    expect((vsphere.store.get('vm-20') as VmRecord).config.memoryHotAddEnabled).toBe(true);
  });

  it('refuses changes a running VM cannot take unless hot add allows them, and bad values', async () => {
    const { patch, vsphere } = await session();
    const refused = async (url: string, body: object, error_type = 'NOT_ALLOWED_IN_CURRENT_STATE') =>
      expect((await patch(url, body)).json).toMatchObject({ error_type });
    await refused('/api/vcenter/vm/vm-20/hardware/cpu', { count: 2 });
    await refused('/api/vcenter/vm/vm-20/hardware/cpu', { hot_add_enabled: true });
    await refused('/api/vcenter/vm/vm-20/hardware/memory', { size_MiB: 64 });
    await refused('/api/vcenter/vm/vm-20/hardware/cpu', { count: 'two' }, 'INVALID_ARGUMENT');
    await vsphere.vm.powerOff('vm-20').wait();
    await refused(
      '/api/vcenter/vm/vm-20/hardware/cpu',
      { count: 3, cores_per_socket: 2 },
      'INVALID_ARGUMENT',
    );
    await patch('/api/vcenter/vm/vm-20/hardware/cpu', { hot_add_enabled: true });
    await patch('/api/vcenter/vm/vm-20/hardware/memory', { hot_add_enabled: true });
    await vsphere.vm.powerOn('vm-20').wait();
    expect((await patch('/api/vcenter/vm/vm-20/hardware/cpu', { count: 2 })).status).toBe(204);
    expect((await patch('/api/vcenter/vm/vm-20/hardware/memory', { size_MiB: 256 })).status).toBe(204);
    await refused('/api/vcenter/vm/vm-20/hardware/cpu', { count: 1 });
    await refused('/api/vcenter/vm/vm-20/hardware/memory', { size_MiB: 128 });
    expect((vsphere.store.get('vm-20') as VmRecord).config).toMatchObject({ numCPU: 2, memoryMB: 256 });
  });
});

describe('/vcenter/vm/{vm}/hardware/memory hot add', () => {
  it('gives a running VM with hot add its increment and limit, and holds a hot add to them', async () => {
    const { send, patch, vsphere } = await session();
    const MEMORY = '/api/vcenter/vm/vm-20/hardware/memory';
    await vsphere.vm.powerOff('vm-20').wait();
    await patch(MEMORY, { hot_add_enabled: true, size_MiB: 1024 });
    expect((await send('GET', MEMORY)).json).toEqual({ size_MiB: 1024, hot_add_enabled: true });
    await vsphere.vm.powerOn('vm-20').wait();
    const hotAdd = {
      size_MiB: 1024,
      hot_add_enabled: true,
      hot_add_increment_size_MiB: 128,
      hot_add_limit_MiB: 16384,
    };
    expect((await send('GET', MEMORY)).json).toEqual(hotAdd);
    expect((await send('GET', '/rest/vcenter/vm/vm-20/hardware/memory')).json).toEqual({ value: hotAdd });
    for (const size_MiB of [1100, 16512, 'big'])
      expect((await patch(MEMORY, { size_MiB })).json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const grown = await send('PATCH', '/rest/vcenter/vm/vm-20/hardware/memory', {
      body: JSON.stringify({ spec: { size_MiB: 16384 } }),
    });
    expect(grown.status).toBe(200);
    expect((await send('GET', '/api/vcenter/vm/vm-20')).json).toMatchObject({
      memory: { ...hotAdd, size_MiB: 16384 },
    });
  });

  it("caps the limit at the largest VM of the VM's hardware version", async () => {
    const { send, patch, vsphere } = await session();
    const MEMORY = '/api/vcenter/vm/vm-20/hardware/memory';
    await vsphere.vm.powerOff('vm-20').wait();
    await vsphere.vm.reconfigure('vm-20', { version: 'vmx-17' }).wait();
    await patch(MEMORY, { hot_add_enabled: true, size_MiB: 512 * 1024 });
    await vsphere.vm.powerOn('vm-20').wait();
    expect((await send('GET', MEMORY)).json).toMatchObject({ hot_add_limit_MiB: 6128 * 1024 });
  });
});

describe('/vcenter/vm/{vm}/hardware/boot', () => {
  it('reads and changes the firmware and boot options, the firmware only while off', async () => {
    const { send, patch, vsphere } = await session();
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/boot')).json).toEqual({
      type: 'BIOS',
      delay: 0,
      retry: false,
      retry_delay: 10000,
      enter_setup_mode: false,
    });
    expect((await patch('/api/vcenter/vm/vm-20/hardware/boot', { delay: 3000, retry: true })).status).toBe(
      204,
    );
    expect((await patch('/api/vcenter/vm/vm-20/hardware/boot', { type: 'EFI' })).json).toMatchObject({
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    expect((await patch('/api/vcenter/vm/vm-20/hardware/boot', { type: 'UEFI' })).json).toMatchObject({
      error_type: 'INVALID_ARGUMENT',
    });
    await vsphere.vm.powerOff('vm-20').wait();
    const rest = await send('PATCH', '/rest/vcenter/vm/vm-20/hardware/boot', {
      body: JSON.stringify({ spec: { type: 'EFI', network_protocol: 'IPV6' } }),
    });
    expect(rest.status).toBe(200);
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/boot')).json).toEqual({
      type: 'EFI',
      network_protocol: 'IPV6',
      delay: 3000,
      retry: true,
      retry_delay: 10000,
      enter_setup_mode: false,
    });
    expect(vsphere.read('vm-20', 'config.firmware')).toBe('efi');
  });
});
