/**
 * The REST benchmark: `vsim serve` on a loopback port with 1,500 VMs, driven by 8 concurrent
 * clients, each with its own REST session token (`POST /api/session` with Basic auth) on its
 * own keep-alive connection, one request in flight per client.
 *
 * Workloads, each timed for a bounded window after a warm-up:
 *  (1) attach then detach one tag on the client's own VM (`/api/cis/tagging/tag-association/
 *      {tag}?action=attach|detach`); the category and the tag are created before timing;
 *  (2) `GET /api/vcenter/vm?power_states=POWERED_ON&names=<the client's VM>`, and the same
 *      list without `names` (every VM: 1,500 summaries in one answer);
 *  (3) `GET /api/content/library/item?library_id=...` over a local library of 50 items, made
 *      through the content library endpoints before timing. A server without those endpoints
 *      skips this workload and says why.
 * As for SOAP, the figure that counts is the server's CPU per request, from /proc.
 */
import os from 'node:os';
import type { Client } from 'undici';
import { formatTable, type MachineInfo, ms, writeResults } from './measure.js';
import {
  connections,
  type Durations,
  msReq,
  type Operation,
  type Recorder,
  type RunningServer,
  startVsim,
  timedWindow,
  type WindowResult,
  withServerChildren,
} from './port.js';

// ---------------------------------------------------------------------------------------
// Settings

const CLIENTS = 8;
const FULL: Durations = { warmupMs: 3_000, windowMs: 5_000 };
const QUICK: Durations = { warmupMs: 1_500, windowMs: 1_000 };

/** Three clusters of 3 hosts, no standalone host: VMs = vm per cluster's root pool x clusters. */
const INVENTORY = {
  vms: 1_500,
  flags: ['-vm', '500', '-cluster', '3', '-host', '3', '-standalone-host', '0'],
} as const;
const LIBRARY_ITEMS = 50;

const JSON_TYPE = 'application/json';
const TOKEN_HEADER = 'vmware-api-session-id';

type WorkloadId = 'tag' | 'vm-by-name' | 'vm-all' | 'library-items';

interface Workload {
  readonly id: WorkloadId;
  readonly label: string;
  /** HTTP requests per operation. */
  readonly requestsPerOp: number;
}

const WORKLOADS: readonly Workload[] = [
  {
    id: 'tag',
    label: '(1) tag attach + detach on own VM, POST /api/cis/tagging/tag-association/{tag}?action=',
    requestsPerOp: 2,
  },
  {
    id: 'vm-by-name',
    label: '(2) GET /api/vcenter/vm?power_states=POWERED_ON&names=<own VM>',
    requestsPerOp: 1,
  },
  { id: 'vm-all', label: '(2) GET /api/vcenter/vm?power_states=POWERED_ON', requestsPerOp: 1 },
  {
    id: 'library-items',
    label: `(3) GET /api/content/library/item?library_id=<library of ${LIBRARY_ITEMS} items>`,
    requestsPerOp: 1,
  },
];

// ---------------------------------------------------------------------------------------
// Requests

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** One untimed request (setup and checks); the body, when given, is sent as JSON. */
const send = async (
  client: Client,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> => {
  const res = await client.request({
    method,
    path,
    headers: body === undefined ? headers : { ...headers, 'content-type': JSON_TYPE },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.statusCode, text: await res.body.text() };
};

const expectStatus = (answer: Answer, status: number, what: string): Answer => {
  if (answer.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${answer.text.slice(0, 400)}`);
  }
  return answer;
};

/** A request that must answer `status` with JSON; returns the parsed body. */
const json = async <T>(
  client: Client,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  status: number,
  body?: unknown,
): Promise<T> => {
  const answer = expectStatus(await send(client, method, path, headers, body), status, `${method} ${path}`);
  return JSON.parse(answer.text) as T;
};

/** A REST login with Basic credentials; the token goes in every later request's header. */
const login = async (client: Client, server: RunningServer): Promise<Record<string, string>> => {
  const basic = Buffer.from(`${server.username}:${server.password}`, 'utf8').toString('base64');
  const token = await json<unknown>(client, 'POST', '/api/session', { authorization: `Basic ${basic}` }, 201);
  if (typeof token !== 'string' || token === '')
    throw new Error(`POST /api/session answered ${String(token)}`);
  return { [TOKEN_HEADER]: token };
};

interface VmSummary {
  readonly vm: string;
  readonly name: string;
  readonly power_state: string;
}

/** One client of the load: its own connection, token and VM; request bodies built once. */
interface RestClient {
  readonly client: Client;
  readonly headers: Record<string, string>;
  readonly jsonHeaders: Record<string, string>;
  readonly vm: VmSummary;
  readonly attachPath: string;
  readonly detachPath: string;
  readonly objectBody: Buffer;
  readonly byNamePath: string;
}

/** One timed request; a status other than `status` throws. The answer is read whole, not parsed. */
const timed = async (
  c: RestClient,
  method: 'GET' | 'POST',
  path: string,
  body: Buffer | undefined,
  status: number,
  rec: Recorder,
): Promise<void> => {
  const start = performance.now();
  const res = await c.client.request(
    body === undefined
      ? { method, path, headers: c.headers }
      : { method, path, headers: c.jsonHeaders, body },
  );
  if (res.statusCode !== status) {
    const text = await res.body.text();
    throw new Error(`${method} ${path}: expected ${status}, got ${res.statusCode} ${text.slice(0, 400)}`);
  }
  await res.body.arrayBuffer();
  if (rec.recording) rec.latenciesMs.push(performance.now() - start);
};

// ---------------------------------------------------------------------------------------
// Setup: what every workload needs, made through the REST API before any timing

const ALL_ON = '/api/vcenter/vm?power_states=POWERED_ON';
const association = (tag: string, action: 'attach' | 'detach' | 'list-attached-objects') =>
  `/api/cis/tagging/tag-association/${encodeURIComponent(tag)}?action=${action}`;
const itemsOf = (library: string) => `/api/content/library/item?library_id=${encodeURIComponent(library)}`;

/** The library workload's state: its library, or why it cannot run on this server. */
type Library =
  | { readonly ready: true; readonly id: string; readonly items: number }
  | { readonly ready: false; readonly reason: string };

/**
 * A local library of LIBRARY_ITEMS items on the first datastore, through `POST
 * /api/content/local-library` and `POST /api/content/library/item`. A server that does not
 * serve those paths (404) cannot run workload (3): that is reported, not worked around.
 */
const makeLibrary = async (client: Client, headers: Record<string, string>): Promise<Library> => {
  const datastores = await json<{ datastore: string }[]>(
    client,
    'GET',
    '/api/vcenter/datastore',
    headers,
    200,
  );
  const datastore = datastores[0]?.datastore;
  if (datastore === undefined) return { ready: false, reason: 'the inventory has no datastore' };
  const created = await send(client, 'POST', '/api/content/local-library', headers, {
    name: 'bench-library',
    type: 'LOCAL',
    storage_backings: [{ type: 'DATASTORE', datastore_id: datastore }],
  });
  if (created.status === 404) {
    return {
      ready: false,
      reason: `the server has no content library endpoints (POST /api/content/local-library answered 404 ${created.text.slice(0, 200)})`,
    };
  }
  const id = JSON.parse(expectStatus(created, 201, 'POST /api/content/local-library').text) as string;
  for (let i = 0; i < LIBRARY_ITEMS; i++) {
    const item = await send(client, 'POST', '/api/content/library/item', headers, {
      library_id: id,
      name: `bench-item-${String(i).padStart(2, '0')}`,
      type: 'ovf',
    });
    if (item.status === 404 && i === 0) {
      return {
        ready: false,
        reason: `the server has no library item endpoints (POST /api/content/library/item answered 404 ${item.text.slice(0, 200)})`,
      };
    }
    expectStatus(item, 201, 'POST /api/content/library/item');
  }
  const listed = await send(client, 'GET', itemsOf(id), headers);
  if (listed.status === 404) {
    return {
      ready: false,
      reason: `the server does not list library items (GET /api/content/library/item answered 404 ${listed.text.slice(0, 200)})`,
    };
  }
  const items = JSON.parse(expectStatus(listed, 200, 'GET /api/content/library/item').text) as unknown[];
  if (items.length !== LIBRARY_ITEMS)
    throw new Error(`the library lists ${items.length} items, not ${LIBRARY_ITEMS}`);
  return { ready: true, id, items: items.length };
};

interface Setup {
  readonly clients: readonly RestClient[];
  readonly tag: string;
  readonly library: Library;
  /** Bytes of one answer of each workload (the last request of an operation), from the checks. */
  readonly answerBytes: Partial<Record<WorkloadId, number>>;
  close(): Promise<void>;
}

const prepare = async (server: RunningServer): Promise<Setup> => {
  const { open, close } = connections(server.origin);
  try {
    const setup = open();
    const headers = await login(setup, server);
    const vms = await json<VmSummary[]>(setup, 'GET', ALL_ON, headers, 200);
    if (vms.length !== INVENTORY.vms) {
      throw new Error(`${ALL_ON} listed ${vms.length} VMs, expected all ${INVENTORY.vms} powered on`);
    }
    vms.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    const category = await json<string>(setup, 'POST', '/api/cis/tagging/category', headers, 201, {
      name: 'bench-category',
      description: 'benchmark',
      cardinality: 'MULTIPLE',
      associable_types: ['VirtualMachine'],
    });
    const tag = await json<string>(setup, 'POST', '/api/cis/tagging/tag', headers, 201, {
      name: 'bench-tag',
      description: 'benchmark',
      category_id: category,
    });
    const library = await makeLibrary(setup, headers);
    await setup.close();

    const clients: RestClient[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const client = open();
      const mine = await login(client, server);
      const vm = vms[i] as VmSummary;
      clients.push({
        client,
        headers: mine,
        jsonHeaders: { ...mine, 'content-type': JSON_TYPE },
        vm,
        attachPath: association(tag, 'attach'),
        detachPath: association(tag, 'detach'),
        objectBody: Buffer.from(JSON.stringify({ object_id: { type: 'VirtualMachine', id: vm.vm } })),
        byNamePath: `${ALL_ON}&names=${encodeURIComponent(vm.name)}`,
      });
    }
    const answerBytes = await check(clients, tag, library);
    return { clients, tag, library, answerBytes, close };
  } catch (error) {
    await close();
    throw error;
  }
};

/** Checks, before any timing, that each workload's requests do what they should. */
const check = async (
  clients: readonly RestClient[],
  tag: string,
  library: Library,
): Promise<Partial<Record<WorkloadId, number>>> => {
  const attached = async (c: RestClient) => {
    const objects = await json<{ type: string; id: string }[]>(
      c.client,
      'POST',
      association(tag, 'list-attached-objects'),
      c.headers,
      200,
    );
    return objects.some((o) => o.type === 'VirtualMachine' && o.id === c.vm.vm);
  };
  const bytes: Partial<Record<WorkloadId, number>> = {};
  for (const c of clients) {
    const body = JSON.parse(c.objectBody.toString()) as unknown;
    expectStatus(await send(c.client, 'POST', c.attachPath, c.headers, body), 204, 'attach');
    if (!(await attached(c))) throw new Error(`attach did not tag ${c.vm.vm}`);
    const detached = expectStatus(await send(c.client, 'POST', c.detachPath, c.headers, body), 204, 'detach');
    if (await attached(c)) throw new Error(`detach left ${c.vm.vm} tagged`);
    bytes.tag = Buffer.byteLength(detached.text);

    const one = expectStatus(await send(c.client, 'GET', c.byNamePath, c.headers), 200, c.byNamePath);
    const found = JSON.parse(one.text) as VmSummary[];
    if (found.length !== 1 || found[0]?.vm !== c.vm.vm) {
      throw new Error(`${c.byNamePath} answered ${one.text.slice(0, 400)}`);
    }
    bytes['vm-by-name'] = Buffer.byteLength(one.text);
  }
  const first = clients[0] as RestClient;
  const all = expectStatus(await send(first.client, 'GET', ALL_ON, first.headers), 200, ALL_ON);
  const listed = (JSON.parse(all.text) as unknown[]).length;
  if (listed !== INVENTORY.vms) throw new Error(`${ALL_ON} listed ${listed} VMs, not ${INVENTORY.vms}`);
  bytes['vm-all'] = Buffer.byteLength(all.text);
  if (library.ready) {
    const items = expectStatus(
      await send(first.client, 'GET', itemsOf(library.id), first.headers),
      200,
      'items',
    );
    const n = (JSON.parse(items.text) as unknown[]).length;
    if (n !== LIBRARY_ITEMS) throw new Error(`the library lists ${n} items, not ${LIBRARY_ITEMS}`);
    bytes['library-items'] = Buffer.byteLength(items.text);
  }
  return bytes;
};

const operation = (id: WorkloadId, library: Library): Operation<RestClient> => {
  switch (id) {
    case 'tag':
      return async (c, rec) => {
        await timed(c, 'POST', c.attachPath, c.objectBody, 204, rec);
        await timed(c, 'POST', c.detachPath, c.objectBody, 204, rec);
      };
    case 'vm-by-name':
      return (c, rec) => timed(c, 'GET', c.byNamePath, undefined, 200, rec);
    case 'vm-all':
      return (c, rec) => timed(c, 'GET', ALL_ON, undefined, 200, rec);
    case 'library-items': {
      if (!library.ready) throw new Error(library.reason);
      const path = itemsOf(library.id);
      return (c, rec) => timed(c, 'GET', path, undefined, 200, rec);
    }
  }
};

// ---------------------------------------------------------------------------------------
// Parent side

interface WorkloadResult {
  readonly id: WorkloadId;
  readonly label: string;
  readonly requestsPerOp: number;
  /** What one answer holds: VMs or items listed (none for the tag workload). */
  readonly listed?: number;
  readonly answerBytes?: number;
  readonly result?: WindowResult;
  readonly skipped?: string;
}

const listedBy = (id: WorkloadId, library: Library): number | undefined =>
  id === 'vm-by-name'
    ? 1
    : id === 'vm-all'
      ? INVENTORY.vms
      : id === 'library-items' && library.ready
        ? library.items
        : undefined;

export const restBenchmark = async (options: { quick: boolean; machine: MachineInfo }) => {
  const durations = options.quick ? QUICK : FULL;
  return withServerChildren(async () => {
    const loadBefore = os.loadavg();
    process.stderr.write(`rest: vsim serve ${INVENTORY.flags.join(' ')}\n`);
    const server = await startVsim(INVENTORY.flags);
    const results: WorkloadResult[] = [];
    try {
      const setup = await prepare(server);
      try {
        if (!setup.library.ready) process.stderr.write(`rest: (3) skipped: ${setup.library.reason}\n`);
        for (const w of WORKLOADS) {
          const listed = listedBy(w.id, setup.library);
          const bytes = setup.answerBytes[w.id];
          const base = {
            id: w.id,
            label: w.label,
            requestsPerOp: w.requestsPerOp,
            ...(listed === undefined ? {} : { listed }),
            ...(bytes === undefined ? {} : { answerBytes: bytes }),
          };
          if (w.id === 'library-items' && !setup.library.ready) {
            results.push({ ...base, skipped: setup.library.reason });
            continue;
          }
          process.stderr.write(`rest: ${w.label}\n`);
          const result = await timedWindow(server, setup.clients, operation(w.id, setup.library), durations);
          results.push({ ...base, result });
        }
      } finally {
        await setup.close();
      }
    } finally {
      await server.stop();
    }

    console.log(
      `\nREST over a loopback port, vsim serve ${INVENTORY.flags.join(' ')} (${INVENTORY.vms.toLocaleString('en-US')} VMs), ` +
        `${CLIENTS} clients with their own tokens, ${durations.windowMs / 1000} s per window after ` +
        `${durations.warmupMs / 1000} s of warm-up\n`,
    );
    console.log(restTable(results));
    const skipped = results.filter((r) => r.skipped !== undefined);
    if (skipped.length > 0) {
      console.log('');
      for (const r of skipped) console.log(`${r.label.slice(0, 3)} skipped: ${r.skipped}`);
    }

    const file = await writeResults(options.quick ? 'rest-quick' : 'rest', {
      benchmark: 'rest',
      quick: options.quick,
      machine: options.machine,
      loadAverage: { before: loadBefore, after: os.loadavg() },
      clients: CLIENTS,
      durations,
      inventory: { vms: INVENTORY.vms, flags: INVENTORY.flags.join(' ') },
      libraryItems: LIBRARY_ITEMS,
      workloads: results,
    });
    console.log(`\nwrote ${file}`);
    return results;
  });
};

const size = (bytes: number | undefined) =>
  bytes === undefined ? '-' : bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;

const restTable = (results: readonly WorkloadResult[]): string =>
  formatTable(
    ['workload', 'listed', 'answer', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req'],
    results.map((r) => {
      const w = r.result;
      const name = WORKLOAD_NAMES[r.id];
      const listed = r.listed === undefined ? '-' : r.listed.toLocaleString('en-US');
      if (!w) return [name, listed, size(r.answerBytes), 'skipped', '-', '-', '-', '-'];
      return [
        name,
        listed,
        size(r.answerBytes),
        w.requests.toLocaleString('en-US'),
        w.reqPerSec.toFixed(0),
        ms(w.p50Ms),
        ms(w.p99Ms),
        msReq(w.serverCpuMsPerReq),
      ];
    }),
  );

/** Short names for the table's first column. */
const WORKLOAD_NAMES: Readonly<Record<WorkloadId, string>> = {
  tag: '(1) tag attach + detach',
  'vm-by-name': '(2) VMs on, one name',
  'vm-all': '(2) VMs on, all',
  'library-items': '(3) library items',
};
