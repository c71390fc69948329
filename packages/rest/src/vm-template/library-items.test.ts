import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

/** A library on the source VM's datastore; templates deploy into its pool. */
const session = async () => {
  const ctx = setup();
  const { homeDatastore: datastore, pool } = ctx.vsphere.store.get('vm-20') as VmRecord;
  const lib = ctx.vsphere.library.create({ name: 'templates', datastore, type: 'LOCAL' });
  return { ...ctx, ...(await ctx.login()), lib, datastore, pool: pool as string };
};

const BASE = '/vcenter/vm-template/library-items';

describe('VM template library items, /api', () => {
  it('captures a VM, reads the template and deploys a VM from it', async () => {
    const { send, lib, pool, datastore, vsphere } = await session();
    const created = await send('POST', `/api${BASE}`, {
      body: JSON.stringify({ source_vm: 'vm-20', name: 'golden', library: lib, description: 'base' }),
    });
    expect(created.status).toBe(201);
    const item = created.json as string;
    expect(vsphere.library.getItem(item)).toMatchObject({ type: 'vm-template', description: 'base' });

    const info = await send('GET', `/api${BASE}/${item}`);
    expect(info.status).toBe(200);
    const source = vsphere.store.get('vm-20') as VmRecord;
    expect(info.json).toMatchObject({
      guest_OS: expect.any(String),
      cpu: { count: source.config.numCPU, cores_per_socket: source.config.numCoresPerSocket },
      memory: { size_MiB: source.config.memoryMB },
      vm_home_storage: { datastore },
      vm_template: vsphere.library.getItem(item).template,
    });
    const disks = Object.values((info.json as { disks: object }).disks);
    expect(disks[0]).toMatchObject({ capacity: expect.any(Number), disk_storage: { datastore } });

    const deployed = await send('POST', `/api${BASE}/${item}?action=deploy`, {
      body: JSON.stringify({
        name: 'from-template',
        placement: { resource_pool: pool },
        powered_on: true,
        hardware_customization: { cpu_update: { num_cpus: 2 }, memory_update: { memory: 128 } },
      }),
    });
    expect(deployed.status).toBe(200);
    const vm = vsphere.store.get(deployed.json as string) as VmRecord;
    expect(vm).toMatchObject({ name: 'from-template', pool, powerState: 'poweredOn' });
    expect(vm.config).toMatchObject({ numCPU: 2, memoryMB: 128, template: false });
  });

  it('applies a saved guest customization spec named by guest_customization, or NOT_FOUND for an unknown one', async () => {
    const { send, lib, pool, vsphere } = await session();
    vsphere.customizationSpecs.create({
      info: { name: 'web', description: '', type: 'Linux' },
      spec: {
        identity: {
          _type: 'CustomizationLinuxPrep',
          hostName: { _type: 'CustomizationFixedName', name: 'web-01' },
        },
        globalIPSettings: { _type: 'CustomizationGlobalIPSettings' },
      },
    });
    const item = (
      await send('POST', `/api${BASE}`, {
        body: JSON.stringify({ source_vm: 'vm-20', name: 'golden', library: lib }),
      })
    ).json as string;
    const deploy = (name: string, spec: string) =>
      send('POST', `/api${BASE}/${item}?action=deploy`, {
        body: JSON.stringify({
          name,
          placement: { resource_pool: pool },
          powered_on: true,
          guest_customization: { name: spec },
        }),
      });
    const deployed = await deploy('web-vm', 'web');
    expect(deployed.status).toBe(200);
    const id = deployed.json as string;
    expect(vsphere.read(id, 'guest.hostName')).toBe('web-01');
    const events = vsphere.events
      .list()
      .filter((e) => e.vm?.vm.value === id)
      .map((e) => e._type);
    expect(events).toContain('CustomizationSucceeded');
    const unknown = await deploy('other-vm', 'nope');
    expect([unknown.status, unknown.json]).toMatchObject([404, { error_type: 'NOT_FOUND' }]);
    // A spec the VM cannot take (more NIC settings than the template has NICs): invalid, nothing made.
    const dhcp = { adapter: { ip: { _type: 'CustomizationDhcpIpGenerator' } } };
    vsphere.customizationSpecs.duplicate('web', 'two-nics');
    const twoNics = vsphere.customizationSpecs.get('two-nics');
    vsphere.customizationSpecs.overwrite({
      ...twoNics,
      spec: { ...twoNics.spec, nicSettingMap: [dhcp, dhcp] },
    });
    const mismatch = await deploy('other-vm', 'two-nics');
    expect([mismatch.status, mismatch.json]).toMatchObject([400, { error_type: 'INVALID_ARGUMENT' }]);
    expect([...vsphere.store.ofKind<VmRecord>('VirtualMachine')].some((r) => r.name === 'other-vm')).toBe(
      false,
    );
  });

  it('answers NOT_FOUND, INVALID_ARGUMENT and ALREADY_EXISTS as vCenter does', async () => {
    const { send, lib } = await session();
    const post = (body: object, path = BASE) => send('POST', `/api${path}`, { body: JSON.stringify(body) });
    const missingVm = await post({ source_vm: 'vm-404', name: 'x', library: lib });
    expect([missingVm.status, missingVm.json]).toMatchObject([404, { error_type: 'NOT_FOUND' }]);
    const missingLib = await post({ source_vm: 'vm-20', name: 'x', library: 'nope' });
    expect([missingLib.status, missingLib.json]).toMatchObject([404, { error_type: 'NOT_FOUND' }]);
    const noName = await post({ source_vm: 'vm-20', library: lib });
    expect([noName.status, noName.json]).toMatchObject([400, { error_type: 'INVALID_ARGUMENT' }]);
    const item = (await post({ source_vm: 'vm-20', name: 'golden', library: lib })).json as string;
    const taken = await post({ source_vm: 'vm-21', name: 'golden', library: lib });
    expect([taken.status, taken.json]).toMatchObject([400, { error_type: 'ALREADY_EXISTS' }]);
    const noPlacement = await post({ name: 'vm' }, `${BASE}/${item}?action=deploy`);
    expect([noPlacement.status, noPlacement.json]).toMatchObject([400, { error_type: 'INVALID_ARGUMENT' }]);
    const unknown = await send('GET', `/api${BASE}/nope`);
    expect([unknown.status, unknown.json]).toMatchObject([404, { error_type: 'NOT_FOUND' }]);
  });
});

describe('VM template library items, /rest', () => {
  it('takes {"spec": ...} bodies, answers {"value": ...} and deploys with ?action= or ?~action=', async () => {
    const { send, lib, pool, vsphere } = await session();
    const created = await send('POST', `/rest${BASE}`, {
      body: JSON.stringify({ spec: { source_vm: 'vm-20', name: 'golden', library: lib } }),
    });
    expect(created.status).toBe(200);
    const item = (created.json as { value: string }).value;
    const info = await send('GET', `/rest${BASE}/${item}`);
    expect(info.json).toMatchObject({
      value: { nics: [{ key: expect.any(String), value: { mac_type: 'ASSIGNED' } }] },
    });
    for (const [name, action] of [
      ['one', 'action'],
      ['two', '~action'],
    ]) {
      const deployed = await send('POST', `/rest${BASE}/${item}?${action}=deploy`, {
        body: JSON.stringify({ spec: { name, placement: { resource_pool: pool } } }),
      });
      expect(deployed.status).toBe(200);
      const vm = (deployed.json as { value: string }).value;
      expect(vsphere.store.get(vm)).toMatchObject({ name, powerState: 'poweredOff' });
    }
    const unwrapped = await send('POST', `/rest${BASE}`, {
      body: JSON.stringify({ source_vm: 'vm-20', name: 'x', library: lib }),
    });
    expect(unwrapped.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.invalid_argument' });
  });

  it('reads nothing for an item of another type', async () => {
    const { send, lib, vsphere } = await session();
    const files = vsphere.library.createItem(lib, { name: 'files', type: 'file' });
    const info = await send('GET', `/rest${BASE}/${files}`);
    expect([info.status, info.json]).toEqual([200, { value: null }]);
  });
});
