import { describe, expect, it } from 'vitest';
import { poweredOffSession } from '../test-helpers.js';

const SERIAL = '/api/vcenter/vm/vm-20/hardware/serial';
const PARALLEL = '/api/vcenter/vm/vm-20/hardware/parallel';

const session = () => poweredOffSession('vm-20');

describe('/vcenter/vm/{vm}/hardware/serial', () => {
  it('adds ports of each backing type on the SIO controller, reads, updates and removes them', async () => {
    const { call, vsphere } = await session();
    expect((await call('GET', SERIAL)).json).toEqual([]);
    const file = await call('POST', SERIAL, {
      yield_on_poll: true,
      backing: { type: 'FILE', file: '[LocalDS_0] DC0_H0_VM0/serial.log' },
      start_connected: true,
    });
    expect(file).toMatchObject({ status: 201, json: '9000' });
    expect((await call('GET', `${SERIAL}/9000`)).json).toEqual({
      label: 'Serial port 1',
      yield_on_poll: true,
      backing: { type: 'FILE', file: '[LocalDS_0] DC0_H0_VM0/serial.log' },
      state: 'NOT_CONNECTED',
      start_connected: true,
      allow_guest_control: false,
    });
    const pipe = await call('POST', SERIAL, {
      backing: { type: 'PIPE_SERVER', pipe: '\\\\.\\pipe\\com1', no_rx_loss: true },
    });
    expect((await call('GET', `${SERIAL}/${pipe.json}`)).json).toMatchObject({
      label: 'Serial port 2',
      yield_on_poll: false,
      backing: { type: 'PIPE_SERVER', pipe: '\\\\.\\pipe\\com1', no_rx_loss: true },
    });
    const network = await call('POST', SERIAL, {
      backing: {
        type: 'NETWORK_CLIENT',
        network_location: 'telnet://console:23',
        proxy: 'telnet://vspc:13370',
      },
    });
    expect((await call('GET', `${SERIAL}/${network.json}`)).json).toMatchObject({
      backing: {
        type: 'NETWORK_CLIENT',
        network_location: 'telnet://console:23',
        proxy: 'telnet://vspc:13370',
      },
    });
    // Without a backing, vCenter detects a host device.
    const detected = await call('POST', SERIAL, {});
    expect((await call('GET', `${SERIAL}/${detected.json}`)).json).toMatchObject({
      backing: { type: 'HOST_DEVICE', auto_detect: true },
    });
    expect((await call('GET', SERIAL)).json).toEqual([
      { port: '9000' },
      { port: '9001' },
      { port: '9002' },
      { port: '9003' },
    ]);
    const devices = vsphere.read<{ key: number; controllerKey: number; unitNumber: number }[]>(
      'vm-20',
      'config.hardware.device',
    );
    expect(devices.find((d) => d.key === 9003)).toMatchObject({ controllerKey: 400, unitNumber: 3 });

    const update = await call('PATCH', `${SERIAL}/9001`, {
      yield_on_poll: true,
      backing: { type: 'HOST_DEVICE', host_device: '/dev/ttyS0' },
      allow_guest_control: true,
    });
    expect(update.status).toBe(204);
    expect((await call('GET', `${SERIAL}/9001`)).json).toEqual({
      label: 'Serial port 2',
      yield_on_poll: true,
      backing: { type: 'HOST_DEVICE', host_device: '/dev/ttyS0', auto_detect: false },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: true,
    });
    expect((await call('DELETE', `${SERIAL}/9001`)).status).toBe(204);
    const again = await call('POST', SERIAL, {
      backing: { type: 'NETWORK_SERVER', network_location: 'telnet://:9001' },
    });
    // The label of the removed port is free again.
    expect((await call('GET', `${SERIAL}/${again.json}`)).json).toMatchObject({ label: 'Serial port 2' });
    const vm = (await call('GET', '/api/vcenter/vm/vm-20')).json as { serial_ports: Record<string, unknown> };
    expect(vm.serial_ports['9000']).toMatchObject({ label: 'Serial port 1', yield_on_poll: true });
  });

  it('connects and disconnects a port of a running VM, and changes its backing only while disconnected', async () => {
    const { call, errorOf, vsphere } = await session();
    await call('POST', SERIAL, { backing: { type: 'FILE', file: '[LocalDS_0] a.log' } });
    expect(await errorOf('POST', `${SERIAL}/9000?action=connect`)).toEqual({
      status: 400,
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    await vsphere.vm.powerOn('vm-20').wait();
    expect((await call('POST', `${SERIAL}/9000?action=connect`)).status).toBe(204);
    expect((await call('GET', `${SERIAL}/9000`)).json).toMatchObject({ state: 'CONNECTED' });
    expect(await errorOf('POST', `${SERIAL}/9000?action=connect`)).toMatchObject({
      error_type: 'ALREADY_IN_DESIRED_STATE',
    });
    const moved = { backing: { type: 'FILE', file: '[LocalDS_0] b.log' } };
    expect(await errorOf('PATCH', `${SERIAL}/9000`, moved)).toMatchObject({
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    expect((await call('PATCH', `${SERIAL}/9000`, { start_connected: true })).status).toBe(204);
    expect((await call('POST', `${SERIAL}/9000?action=disconnect`)).status).toBe(204);
    expect((await call('PATCH', `${SERIAL}/9000`, moved)).status).toBe(204);
    expect((await call('GET', `${SERIAL}/9000`)).json).toMatchObject({
      backing: { file: '[LocalDS_0] b.log' },
      state: 'NOT_CONNECTED',
      start_connected: true,
    });
    // Serial ports are not hot-pluggable.
    expect(await errorOf('POST', SERIAL, {})).toEqual({
      status: 400,
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    expect(await errorOf('DELETE', `${SERIAL}/9000`)).toMatchObject({
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    expect((await call('GET', SERIAL)).json).toEqual([{ port: '9000' }]);
  });

  it('serves the /rest style: wrapped specs and results, actions in the path', async () => {
    const { call, vsphere } = await session();
    const rest = '/rest/vcenter/vm/vm-20/hardware/serial';
    const created = await call('POST', rest, { spec: { backing: { type: 'PIPE_CLIENT', pipe: 'com1' } } });
    expect(created).toMatchObject({ status: 200, json: { value: '9000' } });
    expect((await call('GET', rest)).json).toEqual({ value: [{ port: '9000' }] });
    expect((await call('PATCH', `${rest}/9000`, { spec: { allow_guest_control: true } })).status).toBe(200);
    expect((await call('GET', `${rest}/9000`)).json).toEqual({
      value: {
        label: 'Serial port 1',
        yield_on_poll: false,
        backing: { type: 'PIPE_CLIENT', pipe: 'com1', no_rx_loss: false },
        state: 'NOT_CONNECTED',
        start_connected: false,
        allow_guest_control: true,
      },
    });
    await vsphere.vm.powerOn('vm-20').wait();
    expect((await call('POST', `${rest}/9000/connect`)).status).toBe(200);
    expect((await call('POST', `${rest}/9000/disconnect`)).status).toBe(200);
    expect((await call('POST', `${rest}/9000/disconnect`)).json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.already_in_desired_state',
    });
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await call('DELETE', `${rest}/9000`)).status).toBe(200);
    expect((await call('GET', rest)).json).toEqual({ value: [] });
  });

  it('refuses bad input with invalid_argument and unknown ports or VMs with not_found, changing nothing', async () => {
    const { call, errorOf } = await session();
    await call('POST', SERIAL, { backing: { type: 'FILE', file: '[LocalDS_0] a.log' } });
    const before = (await call('GET', `${SERIAL}/9000`)).json;
    const invalid = { status: 400, error_type: 'INVALID_ARGUMENT' };
    for (const body of [
      { backing: { type: 'FLOPPY' } },
      { backing: { type: 'toString' } },
      { backing: { file: '[LocalDS_0] a.log' } },
      { backing: { type: 'FILE' } },
      { backing: { type: 'FILE', file: '[LocalDS_0] a.log', pipe: 'com1' } },
      { backing: { type: 'PIPE_SERVER' } },
      { backing: { type: 'NETWORK_SERVER', network_location: 9001 } },
      { backing: 'FILE' },
      { yield_on_poll: 'yes' },
      { start_connected: 1 },
      [],
    ]) {
      expect(await errorOf('POST', SERIAL, body)).toEqual(invalid);
      expect(await errorOf('PATCH', `${SERIAL}/9000`, body)).toEqual(invalid);
    }
    expect((await call('GET', SERIAL)).json).toEqual([{ port: '9000' }]);
    expect((await call('GET', `${SERIAL}/9000`)).json).toEqual(before);

    const notFound = { status: 404, error_type: 'NOT_FOUND' };
    expect(await errorOf('GET', `${SERIAL}/9999`)).toEqual(notFound);
    expect(await errorOf('PATCH', `${SERIAL}/9999`, {})).toEqual(notFound);
    expect(await errorOf('DELETE', `${SERIAL}/9999`)).toEqual(notFound);
    expect(await errorOf('POST', `${SERIAL}/9999?action=connect`)).toEqual(notFound);
    // A parallel port's key is no serial port.
    await call('POST', PARALLEL, {});
    expect(await errorOf('GET', `${SERIAL}/10000`)).toEqual(notFound);
    expect(await errorOf('GET', '/api/vcenter/vm/vm-999/hardware/serial')).toEqual(notFound);
    expect(await errorOf('POST', '/api/vcenter/vm/vm-999/hardware/serial', {})).toEqual(notFound);
  });

  it('refuses a 33rd port with unable_to_allocate_resource', async () => {
    const { call, errorOf } = await session();
    for (let i = 0; i < 32; i++) expect((await call('POST', SERIAL, {})).status).toBe(201);
    expect(await errorOf('POST', SERIAL, {})).toEqual({
      status: 400,
      error_type: 'UNABLE_TO_ALLOCATE_RESOURCE',
    });
    expect(((await call('GET', SERIAL)).json as unknown[]).length).toBe(32);
  });
});

describe('/vcenter/vm/{vm}/hardware/parallel', () => {
  it('adds, reads, updates, connects and removes parallel ports, in both URL styles', async () => {
    const { call, vsphere } = await session();
    const file = await call('POST', PARALLEL, {
      backing: { type: 'FILE', file: '[LocalDS_0] lpt.out' },
      start_connected: true,
    });
    expect(file).toMatchObject({ status: 201, json: '10000' });
    expect((await call('GET', `${PARALLEL}/10000`)).json).toEqual({
      label: 'Parallel port 1',
      backing: { type: 'FILE', file: '[LocalDS_0] lpt.out' },
      state: 'NOT_CONNECTED',
      start_connected: true,
      allow_guest_control: false,
    });
    const rest = '/rest/vcenter/vm/vm-20/hardware/parallel';
    const device = await call('POST', rest, {
      spec: { backing: { type: 'HOST_DEVICE', host_device: '/dev/parport0' } },
    });
    expect(device.json).toEqual({ value: '10001' });
    expect((await call('GET', `${rest}/10001`)).json).toEqual({
      value: {
        label: 'Parallel port 2',
        backing: { type: 'HOST_DEVICE', host_device: '/dev/parport0', auto_detect: false },
        state: 'NOT_CONNECTED',
        start_connected: false,
        allow_guest_control: false,
      },
    });
    expect((await call('PATCH', `${PARALLEL}/10001`, { backing: { type: 'HOST_DEVICE' } })).status).toBe(204);
    expect((await call('GET', `${PARALLEL}/10001`)).json).toMatchObject({
      backing: { type: 'HOST_DEVICE', auto_detect: true },
    });
    await vsphere.vm.powerOn('vm-20').wait();
    expect((await call('POST', `${PARALLEL}/10001?action=connect`)).status).toBe(204);
    expect((await call('POST', `${rest}/10001/disconnect`)).status).toBe(200);
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await call('DELETE', `${PARALLEL}/10000`)).status).toBe(204);
    expect((await call('GET', rest)).json).toEqual({ value: [{ port: '10001' }] });
    const vm = (await call('GET', '/api/vcenter/vm/vm-20')).json as {
      parallel_ports: Record<string, unknown>;
    };
    expect(Object.keys(vm.parallel_ports)).toEqual(['10001']);
  });

  it('refuses serial backings, a 4th port and a port of a running VM', async () => {
    const { call, errorOf, vsphere } = await session();
    expect(await errorOf('POST', PARALLEL, { backing: { type: 'PIPE_SERVER', pipe: 'lpt' } })).toEqual({
      status: 400,
      error_type: 'INVALID_ARGUMENT',
    });
    expect(
      await errorOf('POST', PARALLEL, { backing: { type: 'FILE', file: 'a', no_rx_loss: true } }),
    ).toMatchObject({
      error_type: 'INVALID_ARGUMENT',
    });
    for (let i = 0; i < 3; i++) expect((await call('POST', PARALLEL, {})).status).toBe(201);
    expect(await errorOf('POST', PARALLEL, {})).toMatchObject({ error_type: 'UNABLE_TO_ALLOCATE_RESOURCE' });
    await vsphere.vm.powerOn('vm-20').wait();
    expect(await errorOf('DELETE', `${PARALLEL}/10000`)).toMatchObject({
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    expect((await call('GET', PARALLEL)).json).toEqual([
      { port: '10000' },
      { port: '10001' },
      { port: '10002' },
    ]);
  });
});
