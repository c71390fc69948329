import type { VmRecord } from '@vsim/vsphere';
import { KNOWN_GUEST_IDS } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';
import { guestOsOf } from './vm-info.js';
import { guestIdOf } from './vm-lifecycle.js';

const placement = { folder: 'group-v3', cluster: 'domain-c14', datastore: 'datastore-19' };

describe('POST /vcenter/vm', () => {
  it('creates a VM through CreateVM_Task with its CPUs, memory, disks and NICs: 201 and its id', async () => {
    const { send, vsphere } = await loggedIn();
    const res = await send('POST', '/api/vcenter/vm', {
      body: JSON.stringify({
        name: 'web-1',
        guest_OS: 'RHEL_8_64',
        placement,
        hardware_version: 'VMX_17',
        boot: { type: 'EFI', delay: 2000 },
        boot_devices: [{ type: 'CDROM' }, { type: 'DISK' }],
        cpu: { count: 4, cores_per_socket: 2, hot_add_enabled: true },
        memory: { size_MiB: 2048 },
        disks: [{ new_vmdk: { capacity: 2 * 1024 ** 3 } }, { type: 'SATA', new_vmdk: {} }],
        cdroms: [{ backing: { type: 'ISO_FILE', iso_file: '[LocalDS_0] os.iso' } }],
        nics: [
          { backing: { type: 'STANDARD_PORTGROUP', network: 'network-7' }, start_connected: true },
          { type: 'E1000E', backing: { type: 'DISTRIBUTED_PORTGROUP', network: 'dvportgroup-10' } },
        ],
      }),
    });
    expect(res.status).toBe(201);
    const id = res.json as string;
    expect(id).toMatch(/^vm-\d+$/);
    const vm = vsphere.store.get(id) as VmRecord;
    expect(vm).toMatchObject({
      name: 'web-1',
      parent: 'group-v3',
      pool: 'resgroup-15',
      powerState: 'poweredOff',
    });
    expect(vm.config).toMatchObject({
      guestId: 'rhel8_64Guest',
      version: 'vmx-17',
      numCPU: 4,
      numCoresPerSocket: 2,
      memoryMB: 2048,
    });
    const tasks = [...vsphere.recentTasks].map((t) => vsphere.store.get(t)?.name);
    expect(tasks).toContain('CreateVM_Task');
    const info = (await send('GET', `/api/vcenter/vm/${id}`)).json as Record<string, Record<string, unknown>>;
    expect(info).toMatchObject({
      guest_OS: 'RHEL_8_64',
      cpu: { count: 4, hot_add_enabled: true },
      hardware: { version: 'VMX_17' },
      boot: { type: 'EFI', delay: 2000 },
      boot_devices: [{ type: 'CDROM' }, { type: 'DISK', disks: ['2000'] }],
    });
    expect(Object.values(info.disks ?? {})).toEqual([
      expect.objectContaining({ type: 'SCSI', scsi: { bus: 0, unit: 0 }, capacity: 2 * 1024 ** 3 }),
      expect.objectContaining({ type: 'SATA', sata: { bus: 0, unit: 0 }, capacity: 16 * 1024 ** 3 }),
    ]);
    expect(Object.values(info.nics ?? {})).toEqual([
      expect.objectContaining({
        type: 'VMXNET3',
        backing: expect.objectContaining({ network: 'network-7' }),
      }),
      expect.objectContaining({
        type: 'E1000E',
        backing: expect.objectContaining({ network: 'dvportgroup-10' }),
      }),
    ]);
    expect(Object.values(info.scsi_adapters ?? {})).toEqual([expect.objectContaining({ type: 'PVSCSI' })]);
    expect(Object.values(info.cdroms ?? {})).toEqual([
      expect.objectContaining({
        type: 'IDE',
        label: 'CD/DVD drive 1',
        backing: { type: 'ISO_FILE', iso_file: '[LocalDS_0] os.iso' },
      }),
    ]);
  });

  it('gives a VM without disks one new disk, and a VM without a name a generated one', async () => {
    const { send } = await loggedIn();
    const body = JSON.stringify({
      guest_OS: 'OTHER',
      placement: { ...placement, cluster: undefined, host: 'host-13' },
    });
    const first = await send('POST', '/api/vcenter/vm', { body });
    const second = await send('POST', '/api/vcenter/vm', { body });
    const names = await Promise.all(
      [first, second].map(
        async (r) => (await send('GET', `/api/vcenter/vm/${r.json}`)).json as { name: string },
      ),
    );
    expect(names.map((n) => n.name)).toEqual(['Virtual machine', 'Virtual machine (1)']);
    const disks = (await send('GET', `/api/vcenter/vm/${first.json}/hardware/disk`)).json;
    expect(disks).toEqual([{ disk: '2000' }]);
  });

  it('answers /rest with {value} for a {spec} body', async () => {
    const { send } = await loggedIn();
    const res = await send('POST', '/rest/vcenter/vm', {
      body: JSON.stringify({ spec: { name: 'old-style', guest_OS: 'UBUNTU_64', placement } }),
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ value: expect.stringMatching(/^vm-\d+$/) });
  });

  it('makes the serial and parallel ports of the spec on the SIO controller, as the port services add them', async () => {
    const { send } = await loggedIn();
    const res = await send('POST', '/api/vcenter/vm', {
      body: JSON.stringify({
        guest_OS: 'OTHER',
        placement,
        serial_ports: [
          { backing: { type: 'NETWORK_SERVER', network_location: 'telnet://:9001' }, yield_on_poll: true },
          { backing: { type: 'FILE', file: '[LocalDS_0] com2.log' }, start_connected: true },
        ],
        parallel_ports: [{ backing: { type: 'HOST_DEVICE', host_device: '/dev/lp0' } }],
      }),
    });
    expect(res.status).toBe(201);
    const info = (await send('GET', `/api/vcenter/vm/${res.json}`)).json as Record<string, unknown>;
    expect(info.serial_ports).toEqual({
      '9000': {
        label: 'Serial port 1',
        yield_on_poll: true,
        backing: { type: 'NETWORK_SERVER', network_location: 'telnet://:9001' },
        state: 'NOT_CONNECTED',
        start_connected: false,
        allow_guest_control: false,
      },
      '9001': expect.objectContaining({
        label: 'Serial port 2',
        backing: { type: 'FILE', file: '[LocalDS_0] com2.log' },
        start_connected: true,
      }),
    });
    expect(info.parallel_ports).toEqual({
      '10000': expect.objectContaining({
        label: 'Parallel port 1',
        backing: { type: 'HOST_DEVICE', host_device: '/dev/lp0', auto_detect: false },
      }),
    });
    const rest = await send('POST', '/rest/vcenter/vm', {
      body: JSON.stringify({ spec: { guest_OS: 'OTHER', placement, serial_ports: [{}] } }),
    });
    const ports = await send(
      'GET',
      `/rest/vcenter/vm/${(rest.json as { value: string }).value}/hardware/serial`,
    );
    expect(ports.json).toEqual({ value: [{ port: '9000' }] });
  });

  it("refuses bad serial and parallel ports with the port services' errors, making no VM", async () => {
    const { send, vsphere } = await loggedIn();
    const count = () => [...vsphere.store.ofKind('VirtualMachine')].length;
    const before = count();
    const create = async (spec: object) => {
      const res = await send('POST', '/api/vcenter/vm', {
        body: JSON.stringify({ guest_OS: 'OTHER', placement, ...spec }),
      });
      return {
        status: res.status,
        ...(res.json as { error_type: string; messages: { default_message: string }[] }),
      };
    };
    expect(await create({ serial_ports: [{ backing: { type: 'FILE' } }] })).toMatchObject({
      error_type: 'INVALID_ARGUMENT',
      messages: [{ default_message: "A FILE backing needs a 'file'." }],
    });
    expect(await create({ parallel_ports: [{ backing: { type: 'PIPE_SERVER', pipe: 'p' } }] })).toMatchObject(
      { error_type: 'INVALID_ARGUMENT' },
    );
    expect(
      await create({ serial_ports: [{ backing: { type: 'FILE', file: 'f', pipe: 'p' } }] }),
    ).toMatchObject({
      error_type: 'INVALID_ARGUMENT',
    });
    expect(await create({ serial_ports: ['COM1'] })).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect(await create({ serial_ports: {} })).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect(await create({ parallel_ports: [{}, {}, {}, {}] })).toMatchObject({
      status: 400,
      error_type: 'UNABLE_TO_ALLOCATE_RESOURCE',
    });
    expect(count()).toBe(before);
  });

  it('refuses a missing placement, unknown ids, an unknown guest OS and a taken name as vCenter does, making nothing', async () => {
    const { send, vsphere } = await loggedIn();
    const count = () => [...vsphere.store.ofKind('VirtualMachine')].length;
    const before = count();
    const create = (spec: object) => send('POST', '/api/vcenter/vm', { body: JSON.stringify(spec) });
    expect((await create({ guest_OS: 'OTHER' })).json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect(
      (await create({ guest_OS: 'OTHER', placement: { folder: 'group-v3', datastore: 'datastore-19' } }))
        .json,
    ).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await create({ placement })).json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const unknown = await create({
      guest_OS: 'OTHER',
      placement: { ...placement, datastore: 'datastore-999' },
    });
    expect(unknown).toMatchObject({ status: 404, json: { error_type: 'NOT_FOUND' } });
    const network = await create({
      guest_OS: 'OTHER',
      placement,
      nics: [{ backing: { type: 'STANDARD_PORTGROUP', network: 'network-999' } }],
    });
    expect(network.status).toBe(404);
    const noNic = await create({ guest_OS: 'OTHER', placement, boot_devices: [{ type: 'ETHERNET' }] });
    expect(noNic.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const wrongHost = await create({ guest_OS: 'OTHER', placement: { ...placement, host: 'host-13' } });
    expect(wrongHost.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    // A GuestOS no host knows: CreateVM_Task's InvalidArgument on configSpec.guestId.
    const guest = await create({ guest_OS: 'NOT_AN_OS_64', placement });
    expect(guest).toMatchObject({ status: 400, json: { error_type: 'INVALID_ARGUMENT' } });
    const taken = await create({ name: 'DC0_H0_VM0', guest_OS: 'OTHER', placement });
    expect(taken).toMatchObject({ status: 400, json: { error_type: 'ALREADY_EXISTS' } });
    expect(count()).toBe(before);
  });

  it("answers a cluster with no host to run the VM (vSphere's NoActiveHostInCluster) with not_allowed_in_current_state", async () => {
    const { send, vsphere } = await loggedIn();
    for (const host of vsphere.store.referrers('childEntity', placement.cluster))
      if (vsphere.store.get(host)?.kind === 'HostSystem') await vsphere.host.disconnect(host).wait();
    const created = await send('POST', '/api/vcenter/vm', {
      body: JSON.stringify({ guest_OS: 'OTHER', placement }),
    });
    expect(created).toMatchObject({ status: 400, json: { error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' } });
  });
});

describe('DELETE /vcenter/vm/{vm}', () => {
  it('destroys a powered-off VM and refuses a running one with not_allowed_in_current_state', async () => {
    const { send, vsphere } = await loggedIn();
    const running = await send('DELETE', '/api/vcenter/vm/vm-20');
    expect(running).toMatchObject({ status: 400, json: { error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' } });
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await send('DELETE', '/api/vcenter/vm/vm-20')).status).toBe(204);
    expect(vsphere.store.get('vm-20')).toBeUndefined();
    expect((await send('GET', '/api/vcenter/vm/vm-20')).status).toBe(404);
    await vsphere.vm.powerOff('vm-21').wait();
    expect(await send('DELETE', '/rest/vcenter/vm/vm-21')).toMatchObject({ status: 200, body: '' });
    expect((await send('DELETE', '/rest/vcenter/vm/vm-21')).json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.not_found',
    });
  });
});

describe('guestIdOf', () => {
  it("turns vAPI's GuestOS values into vSphere's guest ids", () => {
    expect(
      ['OTHER', 'OTHER_64', 'RHEL_8_64', 'UBUNTU_64', 'OTHER_LINUX_64', 'WINDOWS_9_64', 'DEBIAN_12_64'].map(
        guestIdOf,
      ),
    ).toEqual([
      'otherGuest',
      'otherGuest64',
      'rhel8_64Guest',
      'ubuntu64Guest',
      'otherLinux64Guest',
      'windows9_64Guest',
      'debian12_64Guest',
    ]);
    expect(['WIN_NT', 'WINDOWS_2019SRV_64'].map(guestIdOf)).toEqual(['winNTGuest', 'windows2019srv_64Guest']);
  });

  it('creates from the GuestOS a VM’s Info shows the guest id it shows it for', () => {
    for (const id of KNOWN_GUEST_IDS) {
      const created = guestIdOf(guestOsOf(id));
      expect(KNOWN_GUEST_IDS.has(created)).toBe(true);
      expect(guestOsOf(created)).toBe(guestOsOf(id));
    }
  });
});
