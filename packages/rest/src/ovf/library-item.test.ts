import type { NetworkRecord, TaskRecord, VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';

const session = async () => {
  const ctx = setup();
  const datastore = ctx.vsphere.store.ofKind('Datastore').next().value?.id as string;
  const lib = ctx.vsphere.library.create({ name: 'lib', datastore, type: 'LOCAL' });
  const pool = (ctx.vsphere.store.get('vm-20') as VmRecord).pool as string;
  return { ...ctx, ...(await ctx.login()), lib, datastore, pool };
};

const capture = (lib: string, name: string, vm = 'vm-20') =>
  JSON.stringify({
    source: { type: 'VirtualMachine', id: vm },
    target: { library_id: lib },
    create_spec: { name, description: 'from vm' },
  });

describe('OVF library items, /rest', () => {
  it('captures a VM and deploys it back as a VM the inventory (and SOAP) sees', async () => {
    const { send, lib, pool, datastore, vsphere } = await session();
    const created = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      body: capture(lib, 'tpl'),
    });
    expect(created.status).toBe(200);
    const result = (created.json as { value: { succeeded: boolean; ovf_library_item_id: string } }).value;
    expect(result.succeeded).toBe(true);
    const item = result.ovf_library_item_id;
    expect(vsphere.library.getItem(item)).toMatchObject({ name: 'tpl', type: 'ovf', description: 'from vm' });

    const deployed = await send(
      'POST',
      `/rest/com/vmware/vcenter/ovf/library-item/id:${item}?~action=deploy`,
      {
        body: JSON.stringify({
          target: { resource_pool_id: pool },
          deployment_spec: { name: 'fromlib', accept_all_EULA: true, default_datastore_id: datastore },
        }),
      },
    );
    expect(deployed.status).toBe(200);
    const value = (
      deployed.json as { value: { succeeded: boolean; resource_id: { type: string; id: string } } }
    ).value;
    expect(value).toMatchObject({ succeeded: true, resource_id: { type: 'VirtualMachine' } });
    const vm = value.resource_id.id;
    expect(vsphere.store.get(vm)).toMatchObject({ kind: 'VirtualMachine', name: 'fromlib', pool });
    const listed = await send('GET', '/rest/vcenter/vm?filter.names=fromlib');
    expect(listed.json).toMatchObject({ value: [{ vm, name: 'fromlib', power_state: 'POWERED_OFF' }] });

    const again = await send('POST', `/rest/com/vmware/vcenter/ovf/library-item/id:${item}?~action=deploy`, {
      body: JSON.stringify({
        target: { resource_pool_id: pool },
        deployment_spec: { name: 'fromlib', accept_all_EULA: true },
      }),
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({
      value: {
        succeeded: false,
        error: {
          errors: [
            {
              '@class': 'com.vmware.vcenter.ovf.ovf_error',
              error: { '@class': 'com.vmware.vapi.std.errors.already_exists' },
            },
          ],
        },
      },
    });
  });

  it('raises unknown items, libraries and VMs, and bad bodies with the field', async () => {
    const { send, lib, pool } = await session();
    expect(
      (await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', { body: capture('nope', 't') }))
        .status,
    ).toBe(404);
    expect(
      (await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', { body: capture(lib, 't', 'vm-999') }))
        .status,
    ).toBe(404);
    const badType = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      body: JSON.stringify({
        source: { type: 'Folder', id: 'x' },
        target: { library_id: lib },
        create_spec: { name: 'x' },
      }),
    });
    expect(JSON.stringify(badType.json)).toContain('source.type');
    await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', { body: capture(lib, 'dup') });
    const dup = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      body: capture(lib, 'dup'),
    });
    expect(dup.json).toMatchObject({ value: { succeeded: false } });
    const unknown = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item/id:nope?~action=deploy', {
      body: JSON.stringify({ target: { resource_pool_id: pool }, deployment_spec: { name: 'x' } }),
    });
    expect(unknown.status).toBe(404);
    const noPool = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item/id:nope?~action=deploy', {
      body: JSON.stringify({ target: {}, deployment_spec: { name: 'x' } }),
    });
    expect(noPool.status).toBe(400);
    expect(JSON.stringify(noPool.json)).toContain('target.resource_pool_id');
    const badFlags = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      body: JSON.stringify({
        source: { type: 'VirtualMachine', id: 'vm-20' },
        target: { library_id: lib },
        create_spec: { name: 'flagged', flags: 'EXTRA_CONFIG' },
      }),
    });
    expect(badFlags.status).toBe(400);
    expect(JSON.stringify(badFlags.json)).toContain('create_spec.flags');
  });

  it("keeps the VM's extraConfig in the captured descriptor with the EXTRA_CONFIG flag", async () => {
    const { send, lib, vsphere } = await session();
    const extraConfig = [{ key: 'guestinfo.vmservice.defer-cloud-init', value: 'ready' }];
    await vsphere.vm.reconfigure('vm-20', { extraConfig }).wait();
    const created = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      body: JSON.stringify({
        source: { type: 'VirtualMachine', id: 'vm-20' },
        target: { library_id: lib },
        create_spec: { name: 'kept', flags: ['EXTRA_CONFIG'] },
      }),
    });
    const item = (created.json as { value: { ovf_library_item_id: string } }).value.ovf_library_item_id;
    expect(vsphere.library.getItem(item).ovf?.extraConfig).toEqual(extraConfig);
  });

  it('gives the task a call spawns the activation id of its vapi-ctx-actid header', async () => {
    const { send, lib, pool, vsphere } = await session();
    const created = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      body: capture(lib, 'tagged'),
      headers: { 'vapi-ctx-actid': 'pub-1' },
    });
    const item = (created.json as { value: { ovf_library_item_id: string } }).value.ovf_library_item_id;
    await send('POST', `/api/vcenter/ovf/library-item/${item}?action=deploy`, {
      body: JSON.stringify({ target: { resource_pool_id: pool }, deployment_spec: { name: 'tagged-vm' } }),
      headers: { 'vapi-ctx-actid': 'dep-1' },
    });
    const tasks = [...vsphere.store.ofKind<TaskRecord>('Task')].filter((t) => t.activationId !== undefined);
    expect(tasks.map((t) => [t.activationId, t.descriptionId, t.state])).toEqual([
      ['pub-1', 'com.vmware.ovfs.LibraryItem.capture', 'success'],
      ['dep-1', 'com.vmware.ovfs.deploy', 'success'],
    ]);
  });

  it('deploys thin disks onto a full datastore, thick ones not, and refuses an unknown provisioning', async () => {
    const { send, lib, pool, datastore, vsphere } = await session();
    const created = await send('POST', '/rest/com/vmware/vcenter/ovf/library-item', {
      body: capture(lib, 'tpl'),
    });
    const item = (created.json as { value: { ovf_library_item_id: string } }).value.ovf_library_item_id;
    vsphere.store.transact((tx) => tx.update(datastore, { capacity: 1 }));
    const deploy = (name: string, storage_provisioning: string) =>
      send('POST', `/rest/com/vmware/vcenter/ovf/library-item/id:${item}?~action=deploy`, {
        body: JSON.stringify({
          target: { resource_pool_id: pool },
          deployment_spec: { name, default_datastore_id: datastore, storage_provisioning },
        }),
      });
    const thin = (await deploy('thin', 'thin')).json as { value: { succeeded: boolean } };
    expect(thin.value.succeeded).toBe(true);
    const thick = (await deploy('thick', 'thick')).json as { value: { succeeded: boolean } };
    expect(thick.value.succeeded).toBe(false);
    const bad = await deploy('bad', 'sparse');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('deployment_spec.storage_provisioning');
  });
});

describe('OVF library items, /api', () => {
  it('captures with 201 and deploys with ?action=deploy, network mappings as a map', async () => {
    const { send, lib, pool, vsphere } = await session();
    const created = await send('POST', '/api/vcenter/ovf/library-item', { body: capture(lib, 'tpl') });
    expect(created.status).toBe(201);
    const item = (created.json as { ovf_library_item_id: string }).ovf_library_item_id;
    const network = [...vsphere.store.ofKind<NetworkRecord>('DistributedVirtualPortgroup')].find(
      (n) => !n.uplink,
    )?.id;
    const ovfNetworks = vsphere.library.getItem(item).ovf?.networks ?? [];
    const deployed = await send('POST', `/api/vcenter/ovf/library-item/${item}?action=deploy`, {
      body: JSON.stringify({
        target: { resource_pool_id: pool },
        deployment_spec: {
          name: 'api-vm',
          accept_all_EULA: true,
          network_mappings: Object.fromEntries(ovfNetworks.map((n) => [n, network])),
        },
      }),
    });
    expect(deployed.status).toBe(200);
    const vm = (deployed.json as { resource_id: { id: string } }).resource_id.id;
    expect((await send('GET', `/api/vcenter/vm/${vm}`)).json).toMatchObject({ name: 'api-vm' });
    const badPool = await send('POST', `/api/vcenter/ovf/library-item/${item}?action=deploy`, {
      body: JSON.stringify({ target: { resource_pool_id: 'resgroup-999' }, deployment_spec: { name: 'z' } }),
    });
    expect(badPool.json).toMatchObject({ succeeded: false });
    const notOvf = vsphere.library.createItem(lib, { name: 'iso', type: 'iso' });
    const refused = await send('POST', `/api/vcenter/ovf/library-item/${notOvf}?action=deploy`, {
      body: JSON.stringify({ target: { resource_pool_id: pool }, deployment_spec: {} }),
    });
    expect(refused.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });

  it('deploys the disks as storage_provisioning says: thin, lazily zeroed thick or eagerly zeroed thick', async () => {
    const { send, lib, pool, vsphere } = await session();
    const created = await send('POST', '/api/vcenter/ovf/library-item', { body: capture(lib, 'tpl') });
    const item = (created.json as { ovf_library_item_id: string }).ovf_library_item_id;
    const backings = async (storage_provisioning: string) => {
      const deployed = await send('POST', `/api/vcenter/ovf/library-item/${item}?action=deploy`, {
        body: JSON.stringify({
          target: { resource_pool_id: pool },
          deployment_spec: { name: storage_provisioning, storage_provisioning },
        }),
      });
      const vm = (deployed.json as { resource_id: { id: string } }).resource_id.id;
      const disks = (vsphere.store.get(vm) as VmRecord).config.devices.filter(
        (d) => d._type === 'VirtualDisk',
      );
      return disks.map((d) => {
        const { thinProvisioned, eagerlyScrub } = d.backing as Record<string, boolean>;
        return { thinProvisioned, eagerlyScrub };
      });
    };
    expect(await backings('thin')).toEqual([{ thinProvisioned: true, eagerlyScrub: false }]);
    expect(await backings('thick')).toEqual([{ thinProvisioned: false, eagerlyScrub: false }]);
    expect(await backings('eagerZeroedThick')).toEqual([{ thinProvisioned: false, eagerlyScrub: true }]);
  });
});
