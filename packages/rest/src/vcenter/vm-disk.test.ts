import type { DatastoreRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { loggedIn } from '../test-helpers.js';

const GIB = 1024 ** 3;

const session = async () => {
  const ctx = await loggedIn();
  const post = (url: string, body: object) => ctx.send('POST', url, { body: JSON.stringify(body) });
  return { ...ctx, post };
};

describe('/vcenter/vm/{vm}/hardware/disk', () => {
  it('lists and reads disks by device key', async () => {
    const { send } = await session();
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/disk')).json).toEqual([{ disk: '2000' }]);
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/disk/2000')).json).toMatchObject({
      label: 'Hard disk 1',
      type: 'SCSI',
      scsi: { bus: 0, unit: 0 },
      backing: { type: 'VMDK_FILE', vmdk_file: expect.stringContaining('.vmdk') },
    });
    expect((await send('GET', '/rest/vcenter/vm/vm-20/hardware/disk')).json).toEqual({
      value: [{ disk: '2000' }],
    });
    const missing = await send('GET', '/api/vcenter/vm/vm-20/hardware/disk/2999');
    expect(missing).toMatchObject({ status: 404, json: { error_type: 'NOT_FOUND' } });
  });

  it('adds a new VMDK of the capacity asked for, at the address asked for, taking its space', async () => {
    const { post, send, vsphere } = await session();
    const ds = () => vsphere.store.get('datastore-19') as DatastoreRecord;
    const free = vsphere.read<number>('datastore-19', 'summary.freeSpace');
    const res = await post('/api/vcenter/vm/vm-20/hardware/disk', {
      new_vmdk: { name: 'data', capacity: 2 * GIB },
      scsi: { bus: 0, unit: 3 },
    });
    expect(res).toMatchObject({ status: 201, json: '2001' });
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/disk/2001')).json).toMatchObject({
      scsi: { bus: 0, unit: 3 },
      capacity: 2 * GIB,
      backing: { vmdk_file: expect.stringMatching(/^\[LocalDS_0\] .*\/data\.vmdk$/) },
    });
    expect(vsphere.read<number>(ds().id, 'summary.freeSpace')).toBeLessThan(free);
    // The SATA adapter the disk needs is added with it, which only a VM that is off takes.
    await vsphere.vm.powerOff('vm-20').wait();
    const sata = await post('/api/vcenter/vm/vm-20/hardware/disk', {
      type: 'SATA',
      new_vmdk: { capacity: GIB },
    });
    const info = (await send('GET', `/api/vcenter/vm/vm-20/hardware/disk/${sata.json}`)).json;
    expect(info).toMatchObject({ type: 'SATA', sata: { bus: 0, unit: 0 }, capacity: GIB });
    const rest = await send('POST', '/rest/vcenter/vm/vm-20/hardware/disk', {
      body: JSON.stringify({ spec: { new_vmdk: { capacity: GIB } } }),
    });
    expect(rest.json).toEqual({ value: expect.stringMatching(/^20\d\d$/) });
    const tasks = [...vsphere.recentTasks].map((t) => vsphere.store.get(t)?.name);
    expect(tasks.filter((t) => t === 'ReconfigVM_Task')).toHaveLength(3);
  });

  it('refuses a spec with both or neither backing, or a taken address', async () => {
    const { post } = await session();
    for (const spec of [
      {},
      { backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_0] x.vmdk' }, new_vmdk: {} },
      { new_vmdk: {}, scsi: { bus: 0, unit: 0 } },
      { type: 'FLOPPY', new_vmdk: {} },
    ]) {
      expect((await post('/api/vcenter/vm/vm-20/hardware/disk', spec)).json).toMatchObject({
        error_type: 'INVALID_ARGUMENT',
      });
    }
  });

  it('detaches a disk, leaving its VMDK on the datastore', async () => {
    const { send, post } = await session();
    const info = (await send('GET', '/api/vcenter/vm/vm-20/hardware/disk/2000')).json;
    const file = (info as { backing: { vmdk_file: string } }).backing.vmdk_file;
    expect((await send('DELETE', '/api/vcenter/vm/vm-20/hardware/disk/2000')).status).toBe(204);
    expect((await send('GET', '/api/vcenter/vm/vm-20/hardware/disk')).json).toEqual([]);
    const again = await post('/api/vcenter/vm/vm-20/hardware/disk', {
      backing: { type: 'VMDK_FILE', vmdk_file: file },
    });
    expect(again.status).toBe(201);
    expect((await send('GET', `/api/vcenter/vm/vm-20/hardware/disk/${again.json}`)).json).toMatchObject({
      backing: { vmdk_file: file },
    });
  });
  it('points a disk at another VMDK file while the VM is off, in both URL styles', async () => {
    const { send, post, vsphere } = await session();
    const DISKS = '/api/vcenter/vm/vm-20/hardware/disk';
    const fileOf = async (disk: string) =>
      ((await send('GET', `${DISKS}/${disk}`)).json as { backing: { vmdk_file: string } }).backing.vmdk_file;
    const patch = (url: string, body: object) => send('PATCH', url, { body: JSON.stringify(body) });
    const backing = (vmdk_file: string) => ({ backing: { type: 'VMDK_FILE', vmdk_file } });
    const first = await fileOf('2000');
    const added = await post(DISKS, { new_vmdk: { name: 'data', capacity: 2 * GIB } });
    const data = await fileOf(added.json as string);
    await send('DELETE', `${DISKS}/${added.json}`);
    expect((await patch(`${DISKS}/2000`, backing(data))).json).toMatchObject({
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
    });
    await vsphere.vm.powerOff('vm-20').wait();
    expect((await patch(`${DISKS}/2000`, backing(data))).status).toBe(204);
    expect((await send('GET', `${DISKS}/2000`)).json).toMatchObject({
      backing: { vmdk_file: data },
      capacity: 2 * GIB,
    });
    const rest = await patch('/rest/vcenter/vm/vm-20/hardware/disk/2000', { spec: backing(first) });
    expect(rest.status).toBe(200);
    expect(await fileOf('2000')).toBe(first);
    for (const [body, error_type] of [
      [backing('[LocalDS_0] nothing/here.vmdk'), 'NOT_FOUND'],
      [backing('[NoSuchDS] data.vmdk'), 'INVALID_ARGUMENT'],
      [{ backing: { type: 'VMDK_FILE' } }, 'INVALID_ARGUMENT'],
      [{ backing: { type: 'DISK', vmdk_file: data } }, 'INVALID_ARGUMENT'],
    ] as const)
      expect((await patch(`${DISKS}/2000`, body)).json).toMatchObject({ error_type });
    expect((await patch(`${DISKS}/2999`, backing(data))).status).toBe(404);
  });
  it("puts a new VMDK under the storage policy it names, which the VM's storage policy shows", async () => {
    const { send, post, vsphere } = await session();
    const gold = vsphere.storagePolicies.create('gold');
    const added = await post('/api/vcenter/vm/vm-20/hardware/disk', {
      new_vmdk: { capacity: GIB, storage_policy: { policy: gold } },
    });
    expect(added.status).toBe(201);
    expect((await send('GET', `/api/vcenter/vm/vm-20/hardware/disk/${added.json}`)).json).not.toHaveProperty(
      'storage_policy',
    );
    expect((await send('GET', '/api/vcenter/vm/vm-20/storage/policy')).json).toEqual({
      disks: { [added.json as string]: gold },
    });
    expect((await send('GET', '/rest/vcenter/vm/vm-20/storage/policy')).json).toEqual({
      value: { disks: [{ key: added.json, value: gold }] },
    });
    const wrapped = await send('POST', '/rest/vcenter/vm/vm-20/hardware/disk', {
      body: JSON.stringify({ spec: { new_vmdk: { capacity: GIB, storage_policy: { policy: 'nope' } } } }),
    });
    expect(wrapped.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
    for (const storage_policy of [{ policy: 'nope' }, {}, 'gold'])
      expect(
        (await post('/api/vcenter/vm/vm-20/hardware/disk', { new_vmdk: { capacity: GIB, storage_policy } }))
          .json,
      ).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('GET', '/api/vcenter/vm/vm-99/storage/policy')).status).toBe(404);
  });
  it("changes the policies of the VM's home and disks, the default one clearing them", async () => {
    const { send, vsphere } = await session();
    const gold = vsphere.storagePolicies.create('gold');
    const patch = (url: string, body: object) => send('PATCH', url, { body: JSON.stringify(body) });
    const specified = { type: 'USE_SPECIFIED_POLICY', policy: gold };
    expect(
      (
        await patch('/api/vcenter/vm/vm-20/storage/policy', {
          vm_home: specified,
          disks: { 2000: specified },
        })
      ).status,
    ).toBe(204);
    expect((await send('GET', '/api/vcenter/vm/vm-20/storage/policy')).json).toEqual({
      vm_home: gold,
      disks: { 2000: gold },
    });
    // A SOAP client sees the same: the VM's home policy is a configuration change.
    expect(vsphere.store.get('vm-20')).toMatchObject({ config: { homeStoragePolicyId: gold } });
    const cleared = await patch('/rest/vcenter/vm/vm-20/storage/policy', {
      spec: { disks: [{ key: '2000', value: { type: 'USE_DEFAULT_POLICY' } }] },
    });
    expect(cleared.status).toBe(200);
    expect((await send('GET', '/api/vcenter/vm/vm-20/storage/policy')).json).toEqual({
      vm_home: gold,
      disks: {},
    });
    for (const [body, error_type] of [
      [{ vm_home: { type: 'USE_SPECIFIED_POLICY', policy: 'nope' } }, 'INVALID_ARGUMENT'],
      [{ vm_home: { type: 'USE_SPECIFIED_POLICY' } }, 'INVALID_ARGUMENT'],
      [{ disks: { 2000: { type: 'SOMETHING' } } }, 'INVALID_ARGUMENT'],
      [{ disks: { 2000: 'gold' } }, 'INVALID_ARGUMENT'],
      [{ disks: [] }, 'INVALID_ARGUMENT'],
      [{ disks: { 2999: specified } }, 'NOT_FOUND'],
    ] as const)
      expect((await patch('/api/vcenter/vm/vm-20/storage/policy', body)).json).toMatchObject({ error_type });
    // Nothing of a refused update was made.
    expect((await send('GET', '/api/vcenter/vm/vm-20/storage/policy')).json).toEqual({
      vm_home: gold,
      disks: {},
    });
  });
});
