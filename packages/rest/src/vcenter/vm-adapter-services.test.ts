import { describe, expect, it } from 'vitest';
import { poweredOffSession } from '../test-helpers.js';

const ADAPTERS = '/api/vcenter/vm/vm-20/hardware/adapter';
const REST_ADAPTERS = '/rest/vcenter/vm/vm-20/hardware/adapter';

/** A session on a simulator whose vm-20 is off, as adding an adapter needs. */
const session = async () => {
  const ctx = await poweredOffSession('vm-20');
  return { ...ctx, devices: () => ctx.vsphere.read<unknown[]>('vm-20', 'config.hardware.device') };
};

const invalid = { status: 400, error_type: 'INVALID_ARGUMENT' };
const notFound = { status: 404, error_type: 'NOT_FOUND' };

describe('/vcenter/vm/{vm}/hardware/adapter/sata', () => {
  it('adds AHCI adapters on the first free bus or the one asked for, reads, lists and removes them', async () => {
    const { call } = await session();
    const SATA = `${ADAPTERS}/sata`;
    expect((await call('GET', SATA)).json).toEqual([]);
    expect(await call('POST', SATA, {})).toMatchObject({ status: 201, json: '15000' });
    expect((await call('GET', `${SATA}/15000`)).json).toEqual({
      label: 'SATA controller 0',
      type: 'AHCI',
      bus: 0,
    });
    expect(await call('POST', SATA, { type: 'AHCI', bus: 2, pci_slot_number: 34 })).toMatchObject({
      json: '15001',
    });
    expect((await call('GET', `${SATA}/15001`)).json).toEqual({
      label: 'SATA controller 2',
      type: 'AHCI',
      bus: 2,
      pci_slot_number: 34,
    });
    expect((await call('GET', SATA)).json).toEqual([{ adapter: '15000' }, { adapter: '15001' }]);
    expect((await call('DELETE', `${SATA}/15000`)).status).toBe(204);
    expect((await call('GET', SATA)).json).toEqual([{ adapter: '15001' }]);
  });

  it('serves the /rest style: wrapped specs and results', async () => {
    const { call } = await session();
    const SATA = `${REST_ADAPTERS}/sata`;
    expect(await call('POST', SATA, { spec: { bus: 1 } })).toMatchObject({
      status: 200,
      json: { value: '15000' },
    });
    expect((await call('GET', SATA)).json).toEqual({ value: [{ adapter: '15000' }] });
    expect((await call('GET', `${SATA}/15000`)).json).toEqual({
      value: { label: 'SATA controller 1', type: 'AHCI', bus: 1 },
    });
    expect((await call('DELETE', `${SATA}/15000`)).status).toBe(200);
    expect((await call('GET', SATA)).json).toEqual({ value: [] });
  });
});

describe('/vcenter/vm/{vm}/hardware/adapter/scsi', () => {
  it('reads the VM’s own adapter, adds one of each type, changes its sharing and removes it', async () => {
    const { call } = await session();
    const SCSI = `${ADAPTERS}/scsi`;
    expect((await call('GET', SCSI)).json).toEqual([{ adapter: '1000' }]);
    expect((await call('GET', `${SCSI}/1000`)).json).toEqual({
      label: 'SCSI controller 0',
      type: 'PVSCSI',
      scsi: { bus: 0, unit: 7 },
      sharing: 'NONE',
    });
    const sas = await call('POST', SCSI, { type: 'LSILOGICSAS', sharing: 'VIRTUAL', pci_slot_number: 160 });
    expect(sas).toMatchObject({ status: 201, json: '1001' });
    expect((await call('GET', `${SCSI}/1001`)).json).toEqual({
      label: 'SCSI controller 1',
      type: 'LSILOGICSAS',
      scsi: { bus: 1, unit: 7 },
      pci_slot_number: 160,
      sharing: 'VIRTUAL',
    });
    const types = [];
    for (const type of ['BUSLOGIC', 'LSILOGIC']) {
      const key = (await call('POST', SCSI, { type })).json as string;
      types.push((await call('GET', `${SCSI}/${key}`)).json);
    }
    expect(types).toEqual([
      expect.objectContaining({ type: 'BUSLOGIC', scsi: { bus: 2, unit: 7 }, sharing: 'NONE' }),
      expect.objectContaining({ type: 'LSILOGIC', scsi: { bus: 3, unit: 7 } }),
    ]);
    expect((await call('PATCH', `${SCSI}/1001`, { sharing: 'PHYSICAL' })).status).toBe(204);
    expect((await call('GET', `${SCSI}/1001`)).json).toMatchObject({ sharing: 'PHYSICAL' });
    expect((await call('PATCH', `${SCSI}/1001`, {})).status).toBe(204);
    expect((await call('GET', `${SCSI}/1001`)).json).toMatchObject({ sharing: 'PHYSICAL' });
    expect((await call('DELETE', `${SCSI}/1001`)).status).toBe(204);
    expect((await call('GET', SCSI)).json).toEqual([
      { adapter: '1000' },
      { adapter: '1002' },
      { adapter: '1003' },
    ]);
  });

  it('serves the /rest style, and a new adapter without a type is paravirtual', async () => {
    const { call } = await session();
    const SCSI = `${REST_ADAPTERS}/scsi`;
    expect((await call('POST', SCSI, { spec: {} })).json).toEqual({ value: '1001' });
    expect((await call('GET', `${SCSI}/1001`)).json).toMatchObject({ value: { type: 'PVSCSI' } });
    expect((await call('PATCH', `${SCSI}/1001`, { spec: { sharing: 'VIRTUAL' } })).status).toBe(200);
    expect((await call('GET', SCSI)).json).toEqual({ value: [{ adapter: '1000' }, { adapter: '1001' }] });
    expect((await call('GET', `${SCSI}/1001`)).json).toMatchObject({ value: { sharing: 'VIRTUAL' } });
  });
});

describe('/vcenter/vm/{vm}/hardware/adapter/nvme', () => {
  it('adds, reads, lists and removes NVMe adapters in both styles', async () => {
    const { call } = await session();
    const NVME = `${ADAPTERS}/nvme`;
    expect((await call('POST', NVME, { bus: 3, pci_slot_number: 256 })).json).toBe('31000');
    expect((await call('GET', `${NVME}/31000`)).json).toEqual({
      label: 'NVME controller 3',
      bus: 3,
      pci_slot_number: 256,
    });
    expect((await call('POST', `${REST_ADAPTERS}/nvme`, { spec: {} })).json).toEqual({ value: '31001' });
    expect((await call('GET', `${REST_ADAPTERS}/nvme/31001`)).json).toEqual({
      value: { label: 'NVME controller 0', bus: 0 },
    });
    expect((await call('GET', NVME)).json).toEqual([{ adapter: '31000' }, { adapter: '31001' }]);
    expect((await call('DELETE', `${NVME}/31000`)).status).toBe(204);
    expect((await call('DELETE', `${REST_ADAPTERS}/nvme/31001`)).status).toBe(200);
    expect((await call('GET', NVME)).json).toEqual([]);
  });
});

describe('the adapters of the VM Info', () => {
  it('are the Info the adapter services give, keyed by adapter', async () => {
    const { call } = await session();
    await call('POST', `${ADAPTERS}/sata`, { pci_slot_number: 33 });
    await call('POST', `${ADAPTERS}/nvme`, {});
    const info = (await call('GET', '/api/vcenter/vm/vm-20')).json as Record<string, unknown>;
    expect(info.sata_adapters).toEqual({ '15000': (await call('GET', `${ADAPTERS}/sata/15000`)).json });
    expect(info.scsi_adapters).toEqual({ '1000': (await call('GET', `${ADAPTERS}/scsi/1000`)).json });
    expect(info.nvme_adapters).toEqual({ '31000': (await call('GET', `${ADAPTERS}/nvme/31000`)).json });
  });
});

describe('the adapter services refuse', () => {
  it('fields of the wrong type and unknown type or sharing values, adding nothing', async () => {
    const { errorOf, devices } = await session();
    const before = devices();
    const bad: [string, object][] = [
      ['sata', { bus: 'one' }],
      ['sata', { pci_slot_number: '33' }],
      ['sata', { type: 'IDE' }],
      ['sata', { type: 1 }],
      ['scsi', { type: 'SAS' }],
      ['scsi', { sharing: 'ALL' }],
      ['scsi', { sharing: true }],
      ['nvme', { bus: [] }],
    ];
    for (const [kind, body] of bad)
      expect(await errorOf('POST', `${ADAPTERS}/${kind}`, body)).toEqual(invalid);
    expect(await errorOf('POST', `${ADAPTERS}/nvme`, 'one')).toEqual(invalid);
    expect(await errorOf('PATCH', `${ADAPTERS}/scsi/1000`, { sharing: 'SHARED' })).toEqual(invalid);
    expect(devices()).toEqual(before);
  });

  it('an unknown adapter or VM, and an adapter of another kind, with not_found', async () => {
    const { errorOf, call } = await session();
    expect(await errorOf('GET', `${ADAPTERS}/sata/15000`)).toEqual(notFound);
    expect(await errorOf('GET', `${ADAPTERS}/sata/1000`)).toEqual(notFound);
    expect(await errorOf('PATCH', `${ADAPTERS}/scsi/1999`, { sharing: 'NONE' })).toEqual(notFound);
    expect(await errorOf('DELETE', `${ADAPTERS}/nvme/31000`)).toEqual(notFound);
    expect(await errorOf('GET', '/api/vcenter/vm/vm-999/hardware/adapter/scsi')).toEqual(notFound);
    expect(await errorOf('POST', '/api/vcenter/vm/vm-999/hardware/adapter/nvme', {})).toEqual(notFound);
    expect((await call('GET', `${REST_ADAPTERS}/scsi/2000`)).json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.not_found',
    });
  });

  it('a bus taken or out of range, and a fifth adapter of a kind', async () => {
    const { errorOf, call } = await session();
    expect(await errorOf('POST', `${ADAPTERS}/scsi`, { type: 'LSILOGIC', bus: 0 })).toEqual(invalid);
    expect(await errorOf('POST', `${ADAPTERS}/sata`, { bus: 4 })).toEqual(invalid);
    expect(await errorOf('POST', `${ADAPTERS}/nvme`, { bus: -1 })).toEqual(invalid);
    for (const bus of [0, 1, 2, 3]) await call('POST', `${ADAPTERS}/nvme`, { bus });
    expect(await errorOf('POST', `${ADAPTERS}/nvme`, { bus: 1 })).toEqual({
      status: 400,
      error_type: 'UNABLE_TO_ALLOCATE_RESOURCE',
    });
    for (const bus of [1, 2, 3]) await call('POST', `${ADAPTERS}/scsi`, { bus });
    expect(await errorOf('POST', `${ADAPTERS}/scsi`, {})).toEqual({
      status: 400,
      error_type: 'UNABLE_TO_ALLOCATE_RESOURCE',
    });
  });

  it('removing an adapter that devices sit on', async () => {
    const { errorOf, call } = await session();
    expect(await errorOf('DELETE', `${ADAPTERS}/scsi/1000`)).toEqual(invalid);
    await call('POST', '/api/vcenter/vm/vm-20/hardware/disk', { type: 'NVME', new_vmdk: {} });
    const [nvme] = (await call('GET', `${ADAPTERS}/nvme`)).json as { adapter: string }[];
    expect(await errorOf('DELETE', `${ADAPTERS}/nvme/${nvme?.adapter}`)).toEqual(invalid);
    expect((await call('GET', `${ADAPTERS}/scsi`)).json).toEqual([{ adapter: '1000' }]);
  });

  it('adding or removing a SATA or NVMe adapter while the VM runs, where a SCSI one may come, go and change its sharing', async () => {
    const { errorOf, call, vsphere, devices } = await session();
    await call('POST', `${ADAPTERS}/sata`, {});
    await vsphere.vm.powerOn('vm-20').wait();
    const before = devices();
    const notNow = { status: 400, error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' };
    expect(await errorOf('POST', `${ADAPTERS}/nvme`, {})).toEqual(notNow);
    expect(await errorOf('DELETE', `${ADAPTERS}/sata/15000`)).toEqual(notNow);
    expect(devices()).toEqual(before);
    expect(await call('POST', `${ADAPTERS}/scsi`, {})).toMatchObject({ status: 201, json: '1001' });
    expect((await call('PATCH', `${ADAPTERS}/scsi/1000`, { sharing: 'VIRTUAL' })).status).toBe(204);
    expect((await call('DELETE', `${ADAPTERS}/scsi/1001`)).status).toBe(204);
    expect(devices()).toHaveLength(before.length);
  });
});
