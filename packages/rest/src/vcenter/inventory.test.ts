import { describe, expect, it } from 'vitest';
import { setup } from '../test-helpers.js';
import { guestOsOf } from './vm-info.js';

const session = async () => {
  const ctx = setup();
  return { ...ctx, ...(await ctx.login()) };
};
const ids = (json: unknown, field: string) => (json as Record<string, string>[]).map((r) => r[field]);

describe('inventory lists', () => {
  it('lists hosts, filtered by cluster, standalone and connection state', async () => {
    const { send } = await session();
    const all = await send('GET', '/api/vcenter/host');
    expect((all.json as unknown[])[0]).toEqual({
      host: 'host-13',
      name: 'DC0_H0',
      connection_state: 'CONNECTED',
      power_state: 'POWERED_ON',
    });
    expect(ids((await send('GET', '/api/vcenter/host?clusters=domain-c14')).json, 'name')).toEqual([
      'DC0_C0_H0',
      'DC0_C0_H1',
      'DC0_C0_H2',
    ]);
    expect(ids((await send('GET', '/api/vcenter/host?standalone=true')).json, 'name')).toEqual(['DC0_H0']);
    expect((await send('GET', '/api/vcenter/host?connection_states=DISCONNECTED')).json).toEqual([]);
    expect((await send('GET', '/api/vcenter/host?standalone=maybe')).status).toBe(400);
  });

  it('lists clusters, datacenters and resource pools, and reads one of each', async () => {
    const { send } = await session();
    expect((await send('GET', '/api/vcenter/cluster')).json).toEqual([
      { cluster: 'domain-c14', name: 'DC0_C0', ha_enabled: false, drs_enabled: true },
    ]);
    expect((await send('GET', '/api/vcenter/datacenter?names=DC0')).json).toEqual([
      { datacenter: 'datacenter-2', name: 'DC0' },
    ]);
    expect((await send('GET', '/api/vcenter/datacenter?names=DC9')).json).toEqual([]);
    expect((await send('GET', '/api/vcenter/datacenter/datacenter-2')).json).toMatchObject({
      name: 'DC0',
      vm_folder: 'group-v3',
      host_folder: 'group-h4',
    });
    expect((await send('GET', '/api/vcenter/cluster/domain-c14')).json).toEqual({
      name: 'DC0_C0',
      resource_pool: 'resgroup-15',
    });
    expect(
      ids((await send('GET', '/api/vcenter/resource-pool?clusters=domain-c14')).json, 'resource_pool'),
    ).toEqual(['resgroup-15']);
    expect(
      ids((await send('GET', '/api/vcenter/resource-pool?hosts=host-13')).json, 'resource_pool'),
    ).toEqual(['resgroup-12']);
    expect((await send('GET', '/api/vcenter/cluster/host-13')).status).toBe(404);
    expect((await send('GET', '/api/vcenter/datacenter/nope')).status).toBe(404);
  });

  it('lists datastores, networks and folders with their types', async () => {
    const { send } = await session();
    const [ds] = (await send('GET', '/api/vcenter/datastore')).json as Record<string, unknown>[];
    expect(ds).toMatchObject({ datastore: 'datastore-19', name: 'LocalDS_0', type: 'OTHER' });
    expect(ds?.capacity).toBeGreaterThan(ds?.free_space as number);
    expect((await send('GET', '/api/vcenter/datastore?types=VMFS')).json).toEqual([]);
    expect((await send('GET', '/api/vcenter/datastore?types=FAT32')).status).toBe(400);
    expect((await send('GET', '/api/vcenter/datastore/datastore-19')).json).toMatchObject({
      name: 'LocalDS_0',
      accessible: true,
    });
    expect(ids((await send('GET', '/api/vcenter/network?types=DISTRIBUTED_PORTGROUP')).json, 'name')).toEqual(
      ['DVS0-DVUplinks-8', 'DC0_DVPG0'],
    );
    expect((await send('GET', '/api/vcenter/network?names=VM%20Network')).json).toEqual([
      { network: 'network-7', name: 'VM Network', type: 'STANDARD_PORTGROUP' },
    ]);
    expect((await send('GET', '/api/vcenter/folder?type=VIRTUAL_MACHINE')).json).toEqual([
      { folder: 'group-v3', name: 'vm', type: 'VIRTUAL_MACHINE' },
    ]);
    expect(ids((await send('GET', '/api/vcenter/folder?parent_folders=group-d1')).json, 'folder')).toEqual(
      [],
    );
    expect(ids((await send('GET', '/api/vcenter/folder?datacenters=datacenter-2')).json, 'folder')).toEqual([
      'group-v3',
      'group-h4',
      'group-s5',
      'group-n6',
    ]);
  });

  it('answers the /rest paths wrapped, with filter.* parameters', async () => {
    const { send } = await session();
    expect((await send('GET', '/rest/vcenter/cluster?filter.names=DC0_C0')).json).toEqual({
      value: [{ cluster: 'domain-c14', name: 'DC0_C0', ha_enabled: false, drs_enabled: true }],
    });
    for (const path of ['host', 'datacenter', 'datastore', 'network', 'folder', 'resource-pool']) {
      const res = await send('GET', `/rest/vcenter/${path}`);
      expect(res.status).toBe(200);
      expect(Array.isArray((res.json as { value: unknown }).value)).toBe(true);
    }
  });
});

describe('guest OS names', () => {
  it.each([
    ['otherGuest', 'OTHER'],
    ['otherGuest64', 'OTHER_64'],
    ['ubuntu64Guest', 'UBUNTU_64'],
    ['rhel7_64Guest', 'RHEL_7_64'],
    ['otherLinux64Guest', 'OTHER_LINUX_64'],
    ['windows9Server64Guest', 'WINDOWS_9_SERVER_64'],
  ])('%s -> %s', (guestId, name) => expect(guestOsOf(guestId)).toBe(name));
});
