import { faults, VSphere } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { createRestHandler } from '../server.js';
import { basic } from '../test-helpers.js';
import { namespaceManagementRoutes } from './routes.js';
import type {
  NamespaceInfo,
  NamespaceManagementSource,
  SupervisorClusterInfo,
  SupervisorInfo,
  VmClassInfo,
} from './source.js';

const USED = { cpu_used: 0, memory_used: 0, storage_used: 0 };

const CLUSTER: SupervisorClusterInfo = {
  cluster: 'domain-c14',
  cluster_name: 'DC0_C0',
  config_status: 'RUNNING',
  kubernetes_status: 'READY',
  api_server_cluster_endpoint: '192.168.123.2',
  api_server_management_endpoint: '10.0.0.10',
  api_servers: ['10.0.0.11'],
  network_provider: 'VSPHERE_NETWORK',
  stats: { ...USED, cpu_capacity: 6000, memory_capacity: 12288, storage_capacity: 0 },
};

const vmClass = (id: string, cpu_count: number, memory_mb: number): VmClassInfo => ({
  id,
  cpu_count,
  memory_mb,
  description: '',
  namespaces: ['ns1'],
  vms: [],
  devices: { vgpu_devices: [], dynamic_direct_path_io_devices: [] },
  config_status: 'READY',
});
const CLASSES = [vmClass('best-effort-small', 2, 4096), vmClass('guaranteed-small', 2, 4096)];

const NS1: NamespaceInfo = {
  namespace: 'ns1',
  cluster: 'domain-c14',
  description: 'first',
  config_status: 'RUNNING',
  self_service_namespace: false,
  stats: USED,
  messages: [],
  access_list: [],
  storage_specs: [{ policy: 'policy-1' }],
  vm_service_spec: { vm_classes: ['best-effort-small'], content_libraries: [] },
  resource_spec: {},
};

const SUPERVISOR: SupervisorInfo = {
  supervisor: 'domain-c14:5e1f2a3b-0c4d-4e5f-8a6b-7c8d9e0f1a2b',
  name: 'DC0_C0',
  config_status: 'RUNNING',
  kubernetes_status: 'READY',
  stats: CLUSTER.stats,
  topology: [{ zone: 'zone-a', clusters: ['domain-c14'] }],
};

/** An in-memory Supervisor that records every write it is asked for. */
const fakeSource = () => {
  const calls: [string, ...unknown[]][] = [];
  const namespaces = new Map<string, NamespaceInfo>([['ns1', NS1]]);
  const classes = new Map(CLASSES.map((c) => [c.id, c]));
  const source: NamespaceManagementSource = {
    clusters: () => [CLUSTER],
    supervisors: () => [SUPERVISOR],
    namespaces: () => [...namespaces.values()],
    namespace: (name) => namespaces.get(name),
    createNamespace: async (spec) => {
      calls.push(['create', spec]);
      if (spec.storage_specs?.some((s) => s.policy === 'unknown-policy')) {
        throw faults.invalidArgument('storage_specs.policy');
      }
      namespaces.set(spec.namespace, {
        ...NS1,
        namespace: spec.namespace,
        cluster: spec.cluster,
        description: spec.description ?? '',
        storage_specs: spec.storage_specs ?? [],
        vm_service_spec: { vm_classes: [], content_libraries: [], ...spec.vm_service_spec },
      });
    },
    updateNamespace: async (name, spec) => {
      calls.push(['update', name, spec]);
    },
    deleteNamespace: async (name) => {
      calls.push(['delete', name]);
      namespaces.delete(name);
    },
    vmClasses: () => [...classes.values()],
    createVmClass: (spec) => {
      calls.push(['createVmClass', spec]);
      classes.set(spec.id, { ...vmClass(spec.id, spec.cpu_count, spec.memory_mb), namespaces: [] });
    },
    updateVmClass: async (id, spec) => {
      calls.push(['updateVmClass', id, spec]);
    },
    deleteVmClass: async (id) => {
      calls.push(['deleteVmClass', id]);
      classes.delete(id);
    },
  };
  return { source, calls };
};

const encoder = new TextEncoder();

const setup = async () => {
  const vsphere = new VSphere({ seed: 1 });
  vsphere.scheduler.setWakeup(() => setImmediate(() => vsphere.scheduler.runDue()));
  const fake = fakeSource();
  const handler = createRestHandler(vsphere, { routes: [namespaceManagementRoutes(fake.source)] });
  const raw = async (method: string, url: string, headers: Record<string, string>, body = '') => {
    const q = url.indexOf('?');
    const res = await handler.handle({
      method,
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers,
      body: encoder.encode(body),
    });
    return { ...res, json: res.body === '' ? undefined : (JSON.parse(res.body) as unknown) };
  };
  const login = await raw('POST', '/api/session', { authorization: basic('user', 'pass') });
  const headers = { 'vmware-api-session-id': login.json as string };
  /** Sends with the session; a body that is no string goes as JSON. */
  const send = (method: string, url: string, body?: unknown) =>
    raw(
      method,
      url,
      headers,
      typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body),
    );
  return { ...fake, vsphere, raw, send };
};

const CLUSTERS = '/vcenter/namespace-management/clusters';
const SUPERVISORS = '/vcenter/namespace-management/supervisors';
const CLASSES_PATH = '/vcenter/namespace-management/virtual-machine-classes';
const INSTANCES = '/vcenter/namespaces/instances';

describe('clusters', () => {
  it('lists the Supervisor clusters and reads one, in both styles', async () => {
    const { send } = await setup();
    const summary = {
      cluster: 'domain-c14',
      cluster_name: 'DC0_C0',
      stats: CLUSTER.stats,
      config_status: 'RUNNING',
      kubernetes_status: 'READY',
    };
    expect((await send('GET', `/api${CLUSTERS}`)).json).toEqual([summary]);
    expect((await send('GET', `/rest${CLUSTERS}`)).json).toEqual({ value: [summary] });
    const info = {
      stat_summary: CLUSTER.stats,
      config_status: 'RUNNING',
      messages: [],
      kubernetes_status: 'READY',
      kubernetes_status_messages: [],
      api_server_management_endpoint: '10.0.0.10',
      api_server_cluster_endpoint: '192.168.123.2',
      api_servers: ['10.0.0.11'],
      network_provider: 'VSPHERE_NETWORK',
    };
    expect((await send('GET', `/api${CLUSTERS}/domain-c14`)).json).toEqual(info);
    expect((await send('GET', `/rest${CLUSTERS}/domain-c14`)).json).toEqual({ value: info });
  });

  it('answers 404 for a cluster without a Supervisor', async () => {
    const { send } = await setup();
    const api = await send('GET', `/api${CLUSTERS}/domain-c99`);
    expect(api.status).toBe(404);
    expect(api.json).toMatchObject({ error_type: 'NOT_FOUND' });
    const rest = await send('GET', `/rest${CLUSTERS}/domain-c99`);
    expect(rest.status).toBe(404);
    expect(rest.json).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
  });
});

describe('supervisors', () => {
  it('lists the Supervisors, reads one and its zones, in both styles; an unknown one is 404', async () => {
    const { send } = await setup();
    const info = {
      name: 'DC0_C0',
      stats: CLUSTER.stats,
      config_status: 'RUNNING',
      kubernetes_status: 'READY',
    };
    const items = { items: [{ supervisor: SUPERVISOR.supervisor, info }] };
    expect((await send('GET', `/api${SUPERVISORS}/summaries`)).json).toEqual(items);
    expect((await send('GET', `/rest${SUPERVISORS}/summaries`)).json).toEqual({ value: items });
    const id = encodeURIComponent(SUPERVISOR.supervisor);
    expect((await send('GET', `/api${SUPERVISORS}/${id}/summary`)).json).toEqual(info);
    expect((await send('GET', `/api${SUPERVISORS}/${id}/topology`)).json).toEqual([
      { zone: 'zone-a', clusters: ['domain-c14'] },
    ]);
    // Summary.FilterSpec's statuses.
    expect((await send('GET', `/api${SUPERVISORS}/summaries?config_status=RUNNING`)).json).toEqual(items);
    expect((await send('GET', `/api${SUPERVISORS}/summaries?kubernetes_status=ERROR`)).json).toEqual({
      items: [],
    });
    for (const path of ['nope/topology', 'nope/summary']) {
      const unknown = await send('GET', `/api${SUPERVISORS}/${path}`);
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ error_type: 'NOT_FOUND' });
    }
  });
});

describe('VM classes', () => {
  it('lists and reads classes in both styles; an unknown class is 404', async () => {
    const { send } = await setup();
    const small = {
      id: 'best-effort-small',
      cpu_count: 2,
      memory_mb: 4096,
      description: '',
      namespaces: ['ns1'],
      vms: [],
      devices: { vgpu_devices: [], dynamic_direct_path_io_devices: [] },
      config_status: 'READY',
      messages: [],
    };
    const list = (await send('GET', `/api${CLASSES_PATH}`)).json as { id: string }[];
    expect(list.map((c) => c.id)).toEqual(['best-effort-small', 'guaranteed-small']);
    expect(list[0]).toEqual(small);
    // `/rest` spells the IDL's names: memory_MB, dynamic_direct_path_IO_devices.
    const { memory_mb: _memory, ...rest } = small;
    const smallInRest = {
      ...rest,
      memory_MB: 4096,
      devices: { vgpu_devices: [], dynamic_direct_path_IO_devices: [] },
    };
    expect((await send('GET', `/rest${CLASSES_PATH}`)).json).toMatchObject({ value: [smallInRest, {}] });
    expect((await send('GET', `/api${CLASSES_PATH}/best-effort-small`)).json).toEqual(small);
    expect((await send('GET', `/rest${CLASSES_PATH}/best-effort-small`)).json).toEqual({
      value: smallInRest,
    });
    expect((await send('GET', `/api${CLASSES_PATH}/huge`)).status).toBe(404);
    expect((await send('GET', `/rest${CLASSES_PATH}/huge`)).status).toBe(404);
  });

  it('creates: the bare spec and 204 in /api (memory_mb, or memory_MB as govmomi sends it), {"spec"} and 200 in /rest', async () => {
    const { send, calls } = await setup();
    const devices = {
      vgpu_devices: [{ profile_name: 'grid_v100-4q' }],
      dynamic_direct_path_io_devices: [{ vendor_id: 0x10de, device_id: 0x1db4, custom_label: 'gpu' }],
    };
    const gpuLarge = {
      id: 'gpu-large',
      cpu_count: 8,
      memory_mb: 32768,
      cpu_reservation: 50,
      memory_reservation: 100,
      description: 'GPU VMs',
      devices,
      config_spec: { _typeName: 'VirtualMachineConfigSpec', numCPUs: 8 },
    };
    const api = await send('POST', `/api${CLASSES_PATH}`, gpuLarge);
    expect(api.status).toBe(204);
    const govmomi = await send('POST', `/api${CLASSES_PATH}`, { id: 'tiny', cpu_count: 1, memory_MB: 512 });
    expect(govmomi.status).toBe(204);
    const rest = await send('POST', `/rest${CLASSES_PATH}`, {
      spec: {
        id: 'wide',
        cpu_count: 16,
        memory_MB: 8192,
        memory_reservation: 100,
        devices: { dynamic_direct_path_IO_devices: [{ vendor_id: 1, device_id: 2 }] },
      },
    });
    expect(rest.status).toBe(200);
    expect(calls).toEqual([
      ['createVmClass', gpuLarge],
      ['createVmClass', { id: 'tiny', cpu_count: 1, memory_mb: 512 }],
      [
        'createVmClass',
        {
          id: 'wide',
          cpu_count: 16,
          memory_mb: 8192,
          memory_reservation: 100,
          devices: { vgpu_devices: [], dynamic_direct_path_io_devices: [{ vendor_id: 1, device_id: 2 }] },
        },
      ],
    ]);
    expect((await send('GET', `/api${CLASSES_PATH}/tiny`)).json).toMatchObject({
      id: 'tiny',
      memory_mb: 512,
    });
  });

  it('updates the fields given (PATCH) and deletes, in both styles; an unknown class is 404', async () => {
    const { send, calls } = await setup();
    expect((await send('PATCH', `/api${CLASSES_PATH}/best-effort-small`, { cpu_count: 4 })).status).toBe(204);
    const patched = await send('PATCH', `/rest${CLASSES_PATH}/guaranteed-small`, {
      spec: { memory_MB: 8192, memory_reservation: 50 },
    });
    expect(patched.status).toBe(200);
    expect((await send('DELETE', `/api${CLASSES_PATH}/best-effort-small`)).status).toBe(204);
    expect((await send('DELETE', `/rest${CLASSES_PATH}/guaranteed-small`)).status).toBe(200);
    expect(calls).toEqual([
      ['updateVmClass', 'best-effort-small', { cpu_count: 4 }],
      ['updateVmClass', 'guaranteed-small', { memory_mb: 8192, memory_reservation: 50 }],
      ['deleteVmClass', 'best-effort-small'],
      ['deleteVmClass', 'guaranteed-small'],
    ]);
    for (const method of ['PATCH', 'DELETE']) {
      const unknown = await send(method, `/api${CLASSES_PATH}/best-effort-small`, {});
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ error_type: 'NOT_FOUND' });
    }
    expect(calls).toHaveLength(4);
  });

  const ok = { id: 'custom', cpu_count: 2, memory_mb: 2048 };
  const badClasses: [string, unknown, string][] = [
    ['no id', { cpu_count: 2, memory_mb: 2048 }, 'id'],
    ['an upper-case id', { ...ok, id: 'Custom' }, 'id'],
    ['an id of 64 characters', { ...ok, id: 'a'.repeat(64) }, 'id'],
    ['no CPU count', { id: 'custom', memory_mb: 2048 }, 'cpu_count'],
    ['no CPUs', { ...ok, cpu_count: 0 }, 'cpu_count'],
    ['more CPUs than a VM may have', { ...ok, cpu_count: 769 }, 'cpu_count'],
    ['more memory than a VM may have', { ...ok, memory_mb: 24 * 1024 * 1024 + 1 }, 'memory_mb'],
    ['a fractional CPU count', { ...ok, cpu_count: 1.5 }, 'cpu_count'],
    ['no memory', { id: 'custom', cpu_count: 2 }, 'memory_mb'],
    ['memory as a string', { ...ok, memory_mb: '2048' }, 'memory_mb'],
    ['a reservation above 100%', { ...ok, cpu_reservation: 101 }, 'cpu_reservation'],
    ['a negative reservation', { ...ok, memory_reservation: -1 }, 'memory_reservation'],
    ['devices as a list', { ...ok, devices: [] }, 'devices'],
    [
      'a vGPU without profile',
      { ...ok, memory_reservation: 100, devices: { vgpu_devices: [{}] } },
      'devices.vgpu_devices.profile_name',
    ],
    [
      'a vGPU without all the memory reserved',
      { ...ok, memory_reservation: 50, devices: { vgpu_devices: [{ profile_name: 'grid_v100-4q' }] } },
      'memory_reservation',
    ],
    [
      'a device without its vendor',
      { ...ok, memory_reservation: 100, devices: { dynamic_direct_path_io_devices: [{ device_id: 1 }] } },
      'devices.dynamic_direct_path_io_devices.vendor_id',
    ],
    [
      'a vendor id beyond 16 bits',
      {
        ...ok,
        memory_reservation: 100,
        devices: { dynamic_direct_path_io_devices: [{ vendor_id: 70000, device_id: 1 }] },
      },
      'devices.dynamic_direct_path_io_devices.vendor_id',
    ],
    ['a config spec that is a string', { ...ok, config_spec: 'numCPUs=2' }, 'config_spec'],
  ];

  it.each(badClasses)('refuses %s with 400 naming the field, in both styles', async (_, spec, field) => {
    const { send, calls } = await setup();
    const api = await send('POST', `/api${CLASSES_PATH}`, spec);
    expect(api.status).toBe(400);
    expect(api.json).toMatchObject({ error_type: 'INVALID_ARGUMENT', messages: [{ args: [field] }] });
    // The same in `/rest`, under the wrapper and with its spelling of the names.
    const inRest = (text: string) =>
      text.replaceAll('memory_mb', 'memory_MB').replaceAll('_io_devices', '_IO_devices');
    const rest = await send('POST', `/rest${CLASSES_PATH}`, `{"spec":${inRest(JSON.stringify(spec))}}`);
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({ value: { messages: [{ args: [`spec.${inRest(field)}`] }] } });
    expect(calls).toEqual([]);
  });

  it('refuses an id in use with 400 already_exists, and an update with bad fields', async () => {
    const { send, calls } = await setup();
    const taken = await send('POST', `/api${CLASSES_PATH}`, { ...ok, id: 'guaranteed-small' });
    expect(taken.status).toBe(400);
    expect(taken.json).toMatchObject({ error_type: 'ALREADY_EXISTS' });
    const bad = await send('PATCH', `/api${CLASSES_PATH}/guaranteed-small`, { cpu_count: 0 });
    expect(bad.json).toMatchObject({ error_type: 'INVALID_ARGUMENT', messages: [{ args: ['cpu_count'] }] });
    expect(calls).toEqual([]);
  });
});

describe('namespaces', () => {
  it('lists summaries and reads an info, in both styles', async () => {
    const { send } = await setup();
    const summary = {
      cluster: 'domain-c14',
      namespace: 'ns1',
      description: 'first',
      config_status: 'RUNNING',
      stats: NS1.stats,
      self_service_namespace: false,
    };
    expect((await send('GET', `/api${INSTANCES}`)).json).toEqual([summary]);
    expect((await send('GET', `/rest${INSTANCES}`)).json).toEqual({ value: [summary] });
    const info = {
      cluster: 'domain-c14',
      config_status: 'RUNNING',
      messages: [],
      stats: NS1.stats,
      description: 'first',
      access_list: [],
      storage_specs: [{ policy: 'policy-1' }],
      vm_service_spec: { vm_classes: ['best-effort-small'], content_libraries: [] },
      resource_spec: {},
      self_service_namespace: false,
    };
    expect((await send('GET', `/api${INSTANCES}/ns1`)).json).toEqual(info);
    expect((await send('GET', `/rest${INSTANCES}/ns1`)).json).toEqual({ value: info });
  });

  it('creates: the bare spec and 204 in /api, {"spec"} and 200 in /rest', async () => {
    const { send, vsphere, calls } = await setup();
    const datastore = vsphere.store.ofKind('Datastore').next().value?.id as string;
    const library = vsphere.library.create({ name: 'images', datastore, type: 'LOCAL' });
    const spec = {
      namespace: 'team-a',
      cluster: 'domain-c14',
      description: 'A team',
      vm_service_spec: { vm_classes: ['best-effort-small'], content_libraries: [library] },
      storage_specs: [{ policy: 'policy-1', limit: 1024 }],
      access_list: [{ subject_type: 'USER', subject: 'alice', domain: 'vsphere.local', role: 'EDIT' }],
      networks: ['ignored'],
    };
    const api = await send('POST', `/api${INSTANCES}`, spec);
    expect(api.status).toBe(204);
    expect(api.body).toBe('');
    const { networks: _, ...expected } = spec;
    expect(calls).toEqual([['create', expected]]);
    expect((await send('GET', `/api${INSTANCES}/team-a`)).json).toMatchObject({ description: 'A team' });
    const rest = await send('POST', `/rest${INSTANCES}`, {
      spec: { namespace: 'team-b', cluster: 'domain-c14' },
    });
    expect(rest.status).toBe(200);
    expect(rest.body).toBe('');
    expect(calls[1]).toEqual(['create', { namespace: 'team-b', cluster: 'domain-c14' }]);
  });

  it('updates only the fields given (PATCH) in both styles', async () => {
    const { send, calls } = await setup();
    const api = await send('PATCH', `/api${INSTANCES}/ns1`, { description: 'renamed' });
    expect(api.status).toBe(204);
    const rest = await send('PATCH', `/rest${INSTANCES}/ns1`, {
      spec: { vm_service_spec: { vm_classes: ['guaranteed-small'] }, description: null },
    });
    expect(rest.status).toBe(200);
    expect(calls).toEqual([
      ['update', 'ns1', { description: 'renamed' }],
      ['update', 'ns1', { vm_service_spec: { vm_classes: ['guaranteed-small'] } }],
    ]);
  });

  it("reads resource_spec's CPU and memory limits (a limit left out stays, *_unset removes it), ignoring its other quotas", async () => {
    const { send, calls } = await setup();
    const limits = { cpu_limit: 4000, memory_limit: 8192, pod_count: 10 };
    expect((await send('PATCH', `/api${INSTANCES}/ns1`, { resource_spec: limits })).status).toBe(204);
    const unset = { resource_spec: { cpu_limit_unset: true, memory_limit: 1024 } };
    expect((await send('PATCH', `/api${INSTANCES}/ns1`, unset)).status).toBe(204);
    expect(calls).toEqual([
      ['update', 'ns1', { resource_spec: { cpu_limit: 4000, memory_limit: 8192 } }],
      ['update', 'ns1', { resource_spec: { cpu_limit: null, memory_limit: 1024 } }],
    ]);
    const bad = await send('PATCH', `/rest${INSTANCES}/ns1`, { spec: { resource_spec: { cpu_limit: -1 } } });
    expect(bad.json).toMatchObject({ value: { messages: [{ args: ['spec.resource_spec.cpu_limit'] }] } });
    const both = { resource_spec: { cpu_limit: 1, cpu_limit_unset: true } };
    expect((await send('PATCH', `/api${INSTANCES}/ns1`, both)).json).toMatchObject({
      messages: [{ args: ['resource_spec.cpu_limit_unset'] }],
    });
  });

  it('sets the whole configuration (PUT): what is left out is cleared', async () => {
    const { send, calls } = await setup();
    expect((await send('PUT', `/api${INSTANCES}/ns1`, { description: 'set' })).status).toBe(204);
    expect((await send('PUT', `/rest${INSTANCES}/ns1`, { spec: {} })).status).toBe(200);
    const vmService = { vm_classes: [], content_libraries: [] };
    const limits = { cpu_limit: null, memory_limit: null };
    const cleared = { access_list: [], storage_specs: [], vm_service_spec: vmService, resource_spec: limits };
    expect(calls).toEqual([
      ['update', 'ns1', { description: 'set', ...cleared }],
      ['update', 'ns1', { description: '', ...cleared }],
    ]);
  });

  it('deletes: 204 in /api, 200 in /rest', async () => {
    const { send, calls, source } = await setup();
    await source.createNamespace({ namespace: 'ns2', cluster: 'domain-c14' });
    expect((await send('DELETE', `/api${INSTANCES}/ns1`)).status).toBe(204);
    expect((await send('DELETE', `/rest${INSTANCES}/ns2`)).status).toBe(200);
    expect(calls.slice(1)).toEqual([
      ['delete', 'ns1'],
      ['delete', 'ns2'],
    ]);
    expect((await send('GET', `/api${INSTANCES}`)).json).toEqual([]);
  });

  it('answers 404 for an unknown namespace and calls nothing', async () => {
    const { send, calls } = await setup();
    for (const style of ['api', 'rest']) {
      const body = style === 'api' ? {} : { spec: {} };
      for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
        const res = await send(method, `/${style}${INSTANCES}/nope`, method === 'GET' ? undefined : body);
        expect(res.status, `${method} /${style}`).toBe(404);
      }
    }
    expect(calls).toEqual([]);
  });
});

describe('invalid input', () => {
  const ok = { namespace: 'team-a', cluster: 'domain-c14' };
  const cases: [string, unknown, string][] = [
    ['no namespace', { cluster: 'domain-c14' }, 'namespace'],
    ['a namespace of the wrong type', { ...ok, namespace: 7 }, 'namespace'],
    ['an upper-case name', { ...ok, namespace: 'Team_A' }, 'namespace'],
    ['a name ending in -', { ...ok, namespace: 'team-' }, 'namespace'],
    ['a name of 64 characters', { ...ok, namespace: 'a'.repeat(64) }, 'namespace'],
    ['no cluster', { namespace: 'team-a' }, 'cluster'],
    ['a cluster without a Supervisor', { ...ok, cluster: 'domain-c99' }, 'cluster'],
    ['a description of the wrong type', { ...ok, description: 5 }, 'description'],
    ['a vm_service_spec that is a list', { ...ok, vm_service_spec: [] }, 'vm_service_spec'],
    ['vm_classes not a list', { ...ok, vm_service_spec: { vm_classes: 'x' } }, 'vm_service_spec.vm_classes'],
    [
      'an unknown VM class',
      { ...ok, vm_service_spec: { vm_classes: ['huge'] } },
      'vm_service_spec.vm_classes',
    ],
    [
      'an unknown content library',
      { ...ok, vm_service_spec: { content_libraries: ['nope'] } },
      'vm_service_spec.content_libraries',
    ],
    ['storage_specs not a list', { ...ok, storage_specs: {} }, 'storage_specs'],
    ['a storage spec without policy', { ...ok, storage_specs: [{ limit: 1 }] }, 'storage_specs.policy'],
    ['a negative limit', { ...ok, storage_specs: [{ policy: 'p', limit: -1 }] }, 'storage_specs.limit'],
    [
      'an unknown subject type',
      { ...ok, access_list: [{ subject_type: 'ROBOT', subject: 'r', domain: 'd', role: 'EDIT' }] },
      'access_list.subject_type',
    ],
  ];

  it.each(cases)('refuses %s on create with 400 naming the field, in both styles', async (_, spec, field) => {
    const { send, calls } = await setup();
    const api = await send('POST', `/api${INSTANCES}`, spec);
    expect(api.status).toBe(400);
    expect(api.json).toMatchObject({ error_type: 'INVALID_ARGUMENT', messages: [{ args: [field] }] });
    const rest = await send('POST', `/rest${INSTANCES}`, { spec });
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({
      type: 'com.vmware.vapi.std.errors.invalid_argument',
      value: { messages: [{ args: [`spec.${field}`] }] },
    });
    expect(calls).toEqual([]);
  });

  it('refuses invalid updates before the source sees them', async () => {
    const { send, calls } = await setup();
    const bad = { vm_service_spec: { vm_classes: ['huge'] } };
    expect((await send('PATCH', `/api${INSTANCES}/ns1`, bad)).status).toBe(400);
    expect((await send('PUT', `/api${INSTANCES}/ns1`, bad)).status).toBe(400);
    expect((await send('PATCH', `/api${INSTANCES}/ns1`, [])).status).toBe(400);
    expect((await send('PATCH', `/rest${INSTANCES}/ns1`, { description: 'unwrapped' })).status).toBe(400);
    expect(calls).toEqual([]);
  });

  it('refuses a duplicate name with 400 already_exists', async () => {
    const { send, calls } = await setup();
    const res = await send('POST', `/api${INSTANCES}`, { namespace: 'ns1', cluster: 'domain-c14' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error_type: 'ALREADY_EXISTS' });
    expect(calls).toEqual([]);
  });

  it('refuses a body that is not JSON', async () => {
    const { send, calls } = await setup();
    const res = await send('POST', `/api${INSTANCES}`, '{"namespace": ');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    expect((await send('PATCH', `/rest${INSTANCES}/ns1`, 'not json')).status).toBe(400);
    expect(calls).toEqual([]);
  });

  it("answers the source's faults as vAPI errors", async () => {
    const { send } = await setup();
    const res = await send('POST', `/api${INSTANCES}`, {
      namespace: 'team-a',
      cluster: 'domain-c14',
      storage_specs: [{ policy: 'unknown-policy' }],
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });
});

describe('authentication', () => {
  it('answers 401 to every endpoint without a session, in both styles', async () => {
    const { raw, calls } = await setup();
    const endpoints: [string, string][] = [
      ['GET', CLUSTERS],
      ['GET', `${CLUSTERS}/domain-c14`],
      ['GET', CLASSES_PATH],
      ['GET', `${CLASSES_PATH}/best-effort-small`],
      ['GET', INSTANCES],
      ['POST', INSTANCES],
      ['GET', `${INSTANCES}/ns1`],
      ['PATCH', `${INSTANCES}/ns1`],
      ['PUT', `${INSTANCES}/ns1`],
      ['DELETE', `${INSTANCES}/ns1`],
    ];
    for (const style of ['api', 'rest']) {
      for (const [method, path] of endpoints) {
        const res = await raw(method, `/${style}${path}`, {}, '{}');
        expect(res.status, `${method} /${style}${path}`).toBe(401);
      }
    }
    expect(calls).toEqual([]);
  });
});
