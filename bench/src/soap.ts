/**
 * The SOAP benchmark: `vsim serve` on a loopback port, driven by 8 concurrent sessions
 * (each logged in with its own cookie, each on its own keep-alive connection), and the
 * same requests against govmomi's vcsim when Go and Debian's govmomi are installed.
 *
 * Client and server share the machine's cores, so throughput says as much about the
 * client as about the server. The figure that counts is the server's own CPU time per
 * request, read from /proc/<pid>/stat before and after each timed window.
 *
 * Workloads, each timed for a bounded window after a warm-up:
 *  (a) RetrievePropertiesEx of name, runtime.powerState and summary.config.numCpu of one VM;
 *  (b) name and runtime.powerState of every VM through a ContainerView (one per session),
 *      at 9 VMs and at 1,000 VMs;
 *  (c) PowerOffVM_Task and wait, then PowerOnVM_Task and wait (waits poll the task's
 *      info.state with RetrievePropertiesEx), each session on its own VM.
 * For (a), a child process also splits vsim's time with the code the server runs:
 * `router.handle` with a PlainRequest, and the model's retrievePropertiesEx on its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from 'undici';
import { createSimulator, type Handler, type PlainRequest, type VcsimFlags } from 'vsim';
import { formatTable, inChild, type MachineInfo, ms, writeResults } from './measure.js';
import {
  connections,
  type Durations,
  govcUrlLine,
  msReq,
  type Operation,
  type Recorder,
  type RunningServer,
  round,
  type ServerKind,
  startServer,
  startVsim,
  timedWindow,
  type WindowResult,
  WORK,
  withServerChildren,
} from './port.js';

// ---------------------------------------------------------------------------------------
// Settings

const SESSIONS = 8;
/** A task wait gives up after this many polls or this long. */
const MAX_POLLS = 10_000;
const MAX_WAIT_MS = 30_000;

const FULL: Durations = { warmupMs: 3_000, windowMs: 5_000 };
const QUICK: Durations = { warmupMs: 1_500, windowMs: 1_000 };

/** One inventory, as flags for both servers (vcsim-bench takes the same names) and as createSimulator's option. */
interface Inventory {
  readonly id: string;
  readonly vms: number;
  readonly flags: readonly string[];
  readonly inventory: Partial<VcsimFlags>;
}

/** One cluster of 3 hosts, no standalone host: VMs = vm per cluster's root pool x clusters. */
const SMALL: Inventory = {
  id: '9-vms',
  vms: 9,
  flags: ['-vm', '9', '-cluster', '1', '-host', '3', '-standalone-host', '0'],
  inventory: { vm: 9, cluster: 1, host: 3, standaloneHost: 0 },
};
const LARGE: Inventory = {
  id: '1000-vms',
  vms: 1_000,
  flags: ['-vm', '500', '-cluster', '2', '-host', '3', '-standalone-host', '0'],
  inventory: { vm: 500, cluster: 2, host: 3, standaloneHost: 0 },
};

type WorkloadId = 'retrieve' | 'view-9' | 'view-1000' | 'power';

interface Workload {
  readonly id: WorkloadId;
  readonly label: string;
  readonly inventory: Inventory;
  /** The most vsim's server CPU per request may be, as a share of vcsim's. */
  readonly targetRatio: number;
  readonly inQuick: boolean;
}

const WORKLOADS: readonly Workload[] = [
  {
    id: 'retrieve',
    label: '(a) RetrievePropertiesEx: name, runtime.powerState, summary.config.numCpu of one VM',
    inventory: SMALL,
    targetRatio: 1,
    inQuick: true,
  },
  {
    id: 'view-9',
    label: '(b) ContainerView: name + runtime.powerState of all VMs, 9 VMs',
    inventory: SMALL,
    targetRatio: 0.5,
    inQuick: true,
  },
  {
    id: 'view-1000',
    label: '(b) ContainerView: name + runtime.powerState of all VMs, 1,000 VMs',
    inventory: LARGE,
    targetRatio: 0.5,
    inQuick: false,
  },
  {
    id: 'power',
    label: '(c) PowerOffVM_Task + wait, PowerOnVM_Task + wait (waits poll info.state)',
    inventory: SMALL,
    targetRatio: 0.5,
    inQuick: true,
  },
];

const GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi';

// ---------------------------------------------------------------------------------------
// SOAP envelopes and answers (plain strings: built once, read with indexOf and small regexes)

const escapeXml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
  `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const ref = (tag: string, type: string, value: string) =>
  `<${tag} type="${type}">${escapeXml(value)}</${tag}>`;

const method = (name: string, self: string, selfType: string, args = '') =>
  envelope(`<${name} xmlns="urn:vim25">${ref('_this', selfType, self)}${args}</${name}>`);

const paths = (type: string, names: readonly string[]) =>
  `<propSet><type>${type}</type>${names.map((n) => `<pathSet>${n}</pathSet>`).join('')}</propSet>`;

const retrieveEx = (collector: string, spec: string) =>
  method(
    'RetrievePropertiesEx',
    collector,
    'PropertyCollector',
    `<specSet>${spec}</specSet><options></options>`,
  );

const soap = {
  serviceContent: () => method('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'),
  currentTime: () => method('CurrentTime', 'ServiceInstance', 'ServiceInstance'),
  login: (sessionManager: string, user: string, password: string) =>
    method(
      'Login',
      sessionManager,
      'SessionManager',
      `<userName>${escapeXml(user)}</userName><password>${escapeXml(password)}</password>`,
    ),
  containerView: (viewManager: string, rootFolder: string) =>
    method(
      'CreateContainerView',
      viewManager,
      'ViewManager',
      `${ref('container', 'Folder', rootFolder)}<type>VirtualMachine</type><recursive>true</recursive>`,
    ),
  /** Workload (a). */
  retrieveVm: (collector: string, vm: string) =>
    retrieveEx(
      collector,
      paths('VirtualMachine', ['name', 'runtime.powerState', 'summary.config.numCpu']) +
        `<objectSet>${ref('obj', 'VirtualMachine', vm)}<skip>false</skip></objectSet>`,
    ),
  /** Workload (b), and how VMs are found before the workloads start. */
  retrieveView: (collector: string, view: string) =>
    retrieveEx(
      collector,
      paths('VirtualMachine', ['name', 'runtime.powerState']) +
        `<objectSet>${ref('obj', 'ContainerView', view)}<skip>true</skip>` +
        '<selectSet xsi:type="TraversalSpec"><name>traverseEntities</name><type>ContainerView</type>' +
        '<path>view</path><skip>false</skip></selectSet></objectSet>',
    ),
  continueRetrieve: (collector: string, token: string) =>
    method(
      'ContinueRetrievePropertiesEx',
      collector,
      'PropertyCollector',
      `<token>${escapeXml(token)}</token>`,
    ),
  taskState: (collector: string, task: string) =>
    retrieveEx(
      collector,
      `${paths('Task', ['info.state'])}<objectSet>${ref('obj', 'Task', task)}</objectSet>`,
    ),
  powerOff: (vm: string) => method('PowerOffVM_Task', vm, 'VirtualMachine'),
  powerOn: (vm: string) => method('PowerOnVM_Task', vm, 'VirtualMachine'),
};

/** The text of the first `<tag ...>text</tag>`. */
const textOf = (xml: string, tag: string): string | undefined =>
  new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml)?.[1];

const required = (xml: string, tag: string): string => {
  const text = textOf(xml, tag);
  if (text === undefined) throw new Error(`no <${tag}> in the answer: ${xml.slice(0, 400)}`);
  return text;
};

const countOf = (xml: string, needle: string): number => {
  let n = 0;
  for (let i = xml.indexOf(needle); i !== -1; i = xml.indexOf(needle, i + needle.length)) n++;
  return n;
};

const TASK_STATE = /TaskInfoState">(\w+)</;
const TASK_REF = /<returnval type="Task">([^<]+)<\/returnval>/;

// ---------------------------------------------------------------------------------------
// Transports: a port (undici, keep-alive) or the router's handler in this process

interface Reply {
  readonly status: number;
  readonly setCookie: string | undefined;
  readonly text: string;
}

type Send = (body: Uint8Array, headers: Record<string, string>) => Promise<Reply>;

const firstCookie = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.split(';')[0];

const portSend =
  (client: Client, path: string): Send =>
  async (body, headers) => {
    const res = await client.request({ method: 'POST', path, headers, body });
    const text = await res.body.text();
    return { status: res.statusCode, setCookie: firstCookie(res.headers['set-cookie']), text };
  };

const decoder = new TextDecoder();

const handlerSend =
  (handle: Handler, path: string): Send =>
  async (body, headers) => {
    const res = await handle({ method: 'POST', path, query: '', headers, body });
    const text = typeof res.body === 'string' ? res.body : decoder.decode(res.body);
    return { status: res.status, setCookie: firstCookie(res.headers['set-cookie']), text };
  };

const bytes = (xml: string): Buffer => Buffer.from(xml, 'utf8');

/** One logged-in (or not yet) SOAP session over a transport. */
class SoapSession {
  readonly headers: Record<string, string>;

  constructor(
    readonly send: Send,
    soapAction: string | undefined,
  ) {
    this.headers = { 'content-type': 'text/xml; charset=utf-8' };
    if (soapAction) this.headers.soapaction = `"${soapAction}"`;
  }

  /** Sends one request; a fault or any status but 200 throws. */
  async call(xml: string): Promise<string> {
    const reply = await this.send(bytes(xml), this.headers);
    if (reply.setCookie) this.headers.cookie = reply.setCookie;
    if (reply.status !== 200) {
      throw new Error(
        `SOAP ${reply.status}: ${textOf(reply.text, 'faultstring') ?? reply.text.slice(0, 400)}`,
      );
    }
    return reply.text;
  }
}

interface Endpoint {
  readonly rootFolder: string;
  readonly propertyCollector: string;
  readonly viewManager: string;
  readonly sessionManager: string;
  readonly apiVersion: string;
  readonly soapAction: string;
}

const discover = async (send: Send): Promise<Endpoint> => {
  const content = await new SoapSession(send, undefined).call(soap.serviceContent());
  const apiVersion = required(content, 'apiVersion');
  return {
    rootFolder: required(content, 'rootFolder'),
    propertyCollector: required(content, 'propertyCollector'),
    viewManager: required(content, 'viewManager'),
    sessionManager: required(content, 'sessionManager'),
    apiVersion,
    // The client speaks the server's own version, as a client that negotiates does.
    soapAction: `urn:vim25/${apiVersion}`,
  };
};

const login = async (send: Send, at: Endpoint, user: string, password: string): Promise<SoapSession> => {
  const session = new SoapSession(send, at.soapAction);
  await session.call(soap.login(at.sessionManager, user, password));
  if (!session.headers.cookie) throw new Error('Login answered without a session cookie');
  return session;
};

interface VmInfo {
  readonly moref: string;
  readonly name: string;
}

/** Every page of a RetrievePropertiesEx (ContinueRetrievePropertiesEx while a token comes back). */
const retrieveAll = async (session: SoapSession, at: Endpoint, first: string): Promise<string[]> => {
  const pages = [await session.call(first)];
  for (let token = textOf(pages[0] ?? '', 'token'); token; ) {
    if (pages.length > 10_000) throw new Error('too many pages');
    const page = await session.call(soap.continueRetrieve(at.propertyCollector, token));
    pages.push(page);
    token = textOf(page, 'token');
  }
  return pages;
};

/** The VMs a container view of the root folder shows, sorted by name (morefs differ between servers). */
const listVms = async (session: SoapSession, at: Endpoint, view: string): Promise<VmInfo[]> => {
  const vms: VmInfo[] = [];
  for (const page of await retrieveAll(session, at, soap.retrieveView(at.propertyCollector, view))) {
    for (const object of page.split('<objects>').slice(1)) {
      const moref = required(object, 'obj');
      const name = /<name>name<\/name><val[^>]*>([^<]*)<\/val>/.exec(object)?.[1];
      if (name === undefined) throw new Error(`no name for ${moref}`);
      vms.push({ moref, name });
    }
  }
  return vms.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
};

const createView = async (session: SoapSession, at: Endpoint): Promise<string> =>
  required(await session.call(soap.containerView(at.viewManager, at.rootFolder)), 'returnval');

// ---------------------------------------------------------------------------------------
// Server processes

const startVcsim = (binary: string, inventory: Inventory): Promise<RunningServer> =>
  startServer('vcsim', binary, inventory.flags, govcUrlLine);

// ---------------------------------------------------------------------------------------
// vcsim: govmomi's simulator built from Debian's package, when Go and the package are there

interface VcsimBuild {
  readonly available: boolean;
  readonly reason?: string;
  readonly binary?: string;
  readonly go?: string;
  readonly govmomi?: string;
}

const buildVcsim = (): VcsimBuild => {
  let go: string;
  try {
    go = execFileSync('go', ['version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    return { available: false, reason: '`go` is not on PATH' };
  }
  if (!existsSync(GOVMOMI))
    return { available: false, reason: `${GOVMOMI} is missing (golang-github-vmware-govmomi-dev)` };
  let govmomi = 'unknown';
  try {
    // `dpkg-query -W PACKAGE` prints the name and the version, separated by a tab.
    const line = execFileSync('dpkg-query', ['-W', 'golang-github-vmware-govmomi-dev'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    govmomi = line.trim().split('\t')[1] ?? govmomi;
  } catch {
    // Not a Debian package manager: the version stays unknown.
  }
  const binary = `${WORK}vcsim-bench`;
  const gopath = fileURLToPath(new URL('../vcsim/', import.meta.url));
  try {
    execFileSync('go', ['build', '-o', binary, 'vcsim-bench'], {
      cwd: gopath,
      env: {
        ...process.env,
        GOPATH: `/usr/share/gocode:${gopath}`,
        GO111MODULE: 'off',
        GOCACHE: `${WORK}go-cache`,
        GOFLAGS: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10 * 60_000,
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { available: false, reason: `go build failed: ${stderr || String(error)}`, go, govmomi };
  }
  return { available: true, binary, go, govmomi };
};

// ---------------------------------------------------------------------------------------
// Load

/** One session of the load: its own connection, cookie and, for (b), its own container view. */
interface LoadSession {
  readonly client: Client;
  readonly path: string;
  readonly soap: SoapSession;
  readonly view: string;
  readonly vm: VmInfo;
}

/** One timed HTTP request on a session's connection; any status but 200 throws. */
const post = async (s: LoadSession, body: Uint8Array, rec: Recorder, wantText: boolean): Promise<string> => {
  const start = performance.now();
  const res = await s.client.request({ method: 'POST', path: s.path, headers: s.soap.headers, body });
  let text = '';
  if (wantText || res.statusCode !== 200) text = await res.body.text();
  else await res.body.arrayBuffer();
  const took = performance.now() - start;
  if (res.statusCode !== 200) {
    throw new Error(`SOAP ${res.statusCode}: ${textOf(text, 'faultstring') ?? text.slice(0, 400)}`);
  }
  if (rec.recording) rec.latenciesMs.push(took);
  return text;
};

const waitForTask = async (s: LoadSession, at: Endpoint, submitted: string, rec: Recorder): Promise<void> => {
  const task = TASK_REF.exec(submitted)?.[1];
  if (!task) throw new Error(`no task in the answer: ${submitted.slice(0, 400)}`);
  const poll = bytes(soap.taskState(at.propertyCollector, task));
  const giveUp = performance.now() + MAX_WAIT_MS;
  for (let i = 0; i < MAX_POLLS && performance.now() < giveUp; i++) {
    const state = TASK_STATE.exec(await post(s, poll, rec, true))?.[1];
    if (state === 'success') return;
    if (state === 'error') throw new Error(`task ${task} failed`);
    if (state !== 'queued' && state !== 'running') throw new Error(`task ${task}: unexpected state ${state}`);
  }
  throw new Error(`task ${task} did not finish`);
};

/** The operations of each workload; envelopes are built once per session (a task poll once per task). */
const operations = (id: WorkloadId, at: Endpoint, sessions: readonly LoadSession[], target: VmInfo) => {
  const bodies = new Map<LoadSession, { a: Buffer; b: Buffer; off: Buffer; on: Buffer }>();
  for (const s of sessions) {
    bodies.set(s, {
      a: bytes(soap.retrieveVm(at.propertyCollector, target.moref)),
      b: bytes(soap.retrieveView(at.propertyCollector, s.view)),
      off: bytes(soap.powerOff(s.vm.moref)),
      on: bytes(soap.powerOn(s.vm.moref)),
    });
  }
  const of = (s: LoadSession) => bodies.get(s) as { a: Buffer; b: Buffer; off: Buffer; on: Buffer };
  const ops: Record<WorkloadId, Operation<LoadSession>> = {
    retrieve: async (s, rec) => {
      await post(s, of(s).a, rec, false);
    },
    'view-9': async (s, rec) => {
      await post(s, of(s).b, rec, false);
    },
    'view-1000': async (s, rec) => {
      await post(s, of(s).b, rec, false);
    },
    power: async (s, rec) => {
      await waitForTask(s, at, await post(s, of(s).off, rec, true), rec);
      await waitForTask(s, at, await post(s, of(s).on, rec, true), rec);
    },
  };
  return ops[id];
};

/** Checks, before any timing, that each workload's request gets the answer it should. */
const checkAnswers = async (at: Endpoint, sessions: readonly LoadSession[], target: VmInfo, vms: number) => {
  const first = sessions[0] as LoadSession;
  const one = await first.soap.call(soap.retrieveVm(at.propertyCollector, target.moref));
  if (countOf(one, '<propSet>') !== 3 || one.includes('<missingSet>')) {
    throw new Error(`(a) did not answer three properties: ${one.slice(0, 600)}`);
  }
  for (const s of sessions) {
    const all = await s.soap.call(soap.retrieveView(at.propertyCollector, s.view));
    if (all.includes('<token>')) throw new Error('(b) answered in pages; the workload expects one answer');
    if (countOf(all, '<objects>') !== vms) {
      throw new Error(`(b) answered ${countOf(all, '<objects>')} objects, expected ${vms}`);
    }
  }
};

/** Logs in SESSIONS sessions on their own connections, each with its own container view and VM. */
const openSessions = async (server: RunningServer) => {
  const { open: newClient, close } = connections(server.origin);
  try {
    const setup = newClient();
    const at = await discover(portSend(setup, server.path));
    const first = await login(portSend(setup, server.path), at, server.username, server.password);
    const vms = await listVms(first, at, await createView(first, at));
    if (vms.length < SESSIONS) throw new Error(`${server.kind}: ${vms.length} VMs, need ${SESSIONS}`);
    const sessions: LoadSession[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const client = newClient();
      const session = await login(portSend(client, server.path), at, server.username, server.password);
      sessions.push({
        client,
        path: server.path,
        soap: session,
        view: await createView(session, at),
        vm: vms[i] as VmInfo,
      });
    }
    await setup.close();
    return { at, vms, sessions, close };
  } catch (error) {
    await close();
    throw error;
  }
};

/** (c) starts from powered-on VMs: vcsim's and vsim's models power them on, but say so. */
const powerOnAll = async (at: Endpoint, sessions: readonly LoadSession[]) => {
  const rec: Recorder = { latenciesMs: [], recording: false };
  for (const s of sessions) {
    const now = await s.soap.call(soap.retrieveVm(at.propertyCollector, s.vm.moref));
    if (!now.includes('>poweredOn<')) {
      await waitForTask(s, at, await post(s, bytes(soap.powerOn(s.vm.moref)), rec, true), rec);
    }
  }
};

// ---------------------------------------------------------------------------------------
// Where vsim's time goes for (a): measured in a child process with the code the server runs

interface Loop {
  readonly calls: number;
  readonly cpuMsPerCall: number;
  readonly wallMsPerCall: number;
}

export interface InProcessSample {
  /** router.handle with the (a) request as a PlainRequest: decode, session, dispatch, model, encode. */
  readonly handler: Loop;
  /** PropertyCollector.retrievePropertiesEx with the same spec, called on the model directly. */
  readonly model: Loop;
  /** router.handle with CurrentTime: the handler's cost for a call whose method does almost nothing. */
  readonly currentTime: Loop;
  /** The (a) request and CurrentTime without a session cookie: each is decoded, then answered with NotAuthenticated. */
  readonly noSession: Loop;
  readonly currentTimeNoSession: Loop;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

/** Calls `fn` back to back for a warm-up, then for `windowMs`; CPU is the whole process's (GC included). */
const timeLoop = async (fn: () => unknown, d: Durations): Promise<Loop> => {
  const run = async (durationMs: number) => {
    const deadline = performance.now() + durationMs;
    let calls = 0;
    while (calls < 10_000_000 && performance.now() < deadline) {
      for (let i = 0; i < 64; i++) await fn();
      calls += 64;
    }
    return calls;
  };
  await run(d.warmupMs);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const calls = await run(d.windowMs);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    calls,
    cpuMsPerCall: round((used.user + used.system) / 1000 / calls, 5),
    wallMsPerCall: round(wall / calls, 5),
  };
};

/** Child side (`soap breakdown` or `soap breakdown-quick`). */
export const measureSoapInProcess = async (caseId: string): Promise<InProcessSample> => {
  const d =
    caseId === 'breakdown-quick'
      ? { warmupMs: 1_000, windowMs: 1_000 }
      : { warmupMs: 3_000, windowMs: 3_000 };
  const sim = await createSimulator({ seed: 1, clock: 'real', inventory: SMALL.inventory });
  try {
    const handle = sim.router.handle;
    const send = handlerSend(handle, '/sdk');
    const at = await discover(send);
    const session = await login(send, at, 'user', 'pass');
    const [target] = await listVms(session, at, await createView(session, at));
    if (!target) throw new Error('no VM');
    const body = bytes(soap.retrieveVm(at.propertyCollector, target.moref));
    const request: PlainRequest = { method: 'POST', path: '/sdk', query: '', headers: session.headers, body };
    const once = await handle(request);
    if (once.status !== 200 || countOf(String(once.body), '<propSet>') !== 3) {
      throw new Error(`unexpected answer: ${String(once.body).slice(0, 400)}`);
    }
    const handler = await timeLoop(() => handle(request), d);

    const collector = sim.vsphere.collector.get(at.propertyCollector);
    const spec = {
      propSet: [{ type: 'VirtualMachine', pathSet: ['name', 'runtime.powerState', 'summary.config.numCpu'] }],
      objectSet: [{ obj: { type: 'VirtualMachine', value: target.moref }, skip: false }],
    };
    if (collector.retrievePropertiesEx([spec], {})?.objects[0]?.propSet.length !== 3) {
      throw new Error('the model did not answer three properties');
    }
    const model = await timeLoop(() => collector.retrievePropertiesEx([spec], {}), d);

    const time: PlainRequest = { ...request, body: bytes(soap.currentTime()) };
    const currentTime = await timeLoop(() => handle(time), d);

    const { cookie: _, ...anonymous } = session.headers;
    const noSession: PlainRequest = { ...request, headers: anonymous };
    const timeNoSession: PlainRequest = { ...time, headers: anonymous };
    for (const r of [noSession, timeNoSession]) {
      const answer = await handle(r);
      if (answer.status !== 500 || !String(answer.body).includes('NotAuthenticated')) {
        throw new Error(`expected NotAuthenticated: ${String(answer.body).slice(0, 400)}`);
      }
    }
    return {
      handler,
      model,
      currentTime,
      noSession: await timeLoop(() => handle(noSession), d),
      currentTimeNoSession: await timeLoop(() => handle(timeNoSession), d),
      requestBytes: body.byteLength,
      responseBytes: Buffer.byteLength(String(once.body)),
    };
  } finally {
    await sim.close();
  }
};

// ---------------------------------------------------------------------------------------
// Parent side

interface WorkloadResult {
  readonly id: WorkloadId;
  readonly label: string;
  readonly vms: number;
  readonly results: Partial<Record<ServerKind, WindowResult>>;
  /** vsim / vcsim server CPU per request (and per operation: a power cycle for (c)). */
  readonly ratio?: number;
  readonly ratioPerOp?: number;
  readonly targetRatio: number;
  readonly withinTarget?: boolean;
}

/** Runs every workload of one inventory against one server; the server is stopped at the end. */
const runServer = async (
  server: RunningServer,
  workloads: readonly Workload[],
  durations: Durations,
  out: Map<WorkloadId, Partial<Record<ServerKind, WindowResult>>>,
) => {
  try {
    const { at, vms, sessions, close } = await openSessions(server);
    try {
      const target = vms[0] as VmInfo;
      await checkAnswers(at, sessions, target, vms.length);
      for (const w of workloads) {
        if (w.id === 'power') await powerOnAll(at, sessions);
        process.stderr.write(`soap: ${server.kind}, ${w.label}\n`);
        const result = await timedWindow(server, sessions, operations(w.id, at, sessions, target), durations);
        out.set(w.id, { ...out.get(w.id), [server.kind]: result });
      }
    } finally {
      await close();
    }
  } finally {
    await server.stop();
  }
};

export const soapBenchmark = async (options: { quick: boolean; machine: MachineInfo }) => {
  const durations = options.quick ? QUICK : FULL;
  const workloads = WORKLOADS.filter((w) => !options.quick || w.inQuick);
  return withServerChildren(async () => {
    process.stderr.write('soap: building vcsim-bench\n');
    const vcsim = buildVcsim();
    if (!vcsim.available) process.stderr.write(`soap: vcsim skipped: ${vcsim.reason}\n`);

    const out = new Map<WorkloadId, Partial<Record<ServerKind, WindowResult>>>();
    for (const inventory of [SMALL, LARGE]) {
      const these = workloads.filter((w) => w.inventory === inventory);
      if (these.length === 0) continue;
      await runServer(await startVsim(inventory.flags), these, durations, out);
      if (vcsim.binary) await runServer(await startVcsim(vcsim.binary, inventory), these, durations, out);
    }

    process.stderr.write('soap: where the time goes, in process\n');
    const inProcess = await inChild<InProcessSample>('soap', options.quick ? 'breakdown-quick' : 'breakdown');

    const results: WorkloadResult[] = workloads.map((w) => {
      const r = out.get(w.id) ?? {};
      const ratio =
        r.vsim && r.vcsim ? round(r.vsim.serverCpuMsPerReq / r.vcsim.serverCpuMsPerReq, 3) : undefined;
      const ratioPerOp =
        r.vsim && r.vcsim ? round(r.vsim.serverCpuMsPerOp / r.vcsim.serverCpuMsPerOp, 3) : undefined;
      return {
        id: w.id,
        label: w.label,
        vms: w.inventory.vms,
        results: r,
        ...(ratio === undefined ? {} : { ratio, withinTarget: ratio <= w.targetRatio }),
        ...(ratioPerOp === undefined || w.id !== 'power' ? {} : { ratioPerOp }),
        targetRatio: w.targetRatio,
      };
    });
    const breakdown = breakdownOf(results, inProcess);

    console.log(
      `\nSOAP over a loopback port, ${SESSIONS} sessions, ${durations.windowMs / 1000} s per window after ` +
        `${durations.warmupMs / 1000} s of warm-up${options.quick ? ' (quick: no 1,000-VM case)' : ''}; ` +
        `vcsim: ${vcsim.available ? `govmomi ${vcsim.govmomi}, ${vcsim.go}` : `skipped (${vcsim.reason})`}`,
    );
    for (const r of results) {
      console.log(`\n${r.label}\n`);
      console.log(workloadTable(r));
    }
    console.log('\nwhere vsim spends its time on (a), per request\n');
    console.log(breakdownTable(breakdown));

    const file = await writeResults(options.quick ? 'soap-quick' : 'soap', {
      benchmark: 'soap',
      quick: options.quick,
      machine: options.machine,
      sessions: SESSIONS,
      durations,
      inventories: {
        [SMALL.id]: { vms: SMALL.vms, flags: SMALL.flags.join(' ') },
        ...(options.quick ? {} : { [LARGE.id]: { vms: LARGE.vms, flags: LARGE.flags.join(' ') } }),
      },
      vcsim: { available: vcsim.available, reason: vcsim.reason, govmomi: vcsim.govmomi, go: vcsim.go },
      workloads: results,
      breakdown,
    });
    console.log(`\nwrote ${file}`);
    return results;
  });
};

interface Breakdown {
  readonly overPortServerCpuMs?: number;
  readonly inProcess: InProcessSample;
  /** Handler total minus the model: decode, session check, dispatch, typing of values, encode. */
  readonly handlerMinusModelMs: number;
  /**
   * Decoding the (a) envelope, beyond what decoding CurrentTime's minimal one costs: the (a)
   * request minus CurrentTime, both without a session (decode, then the same fault).
   */
  readonly decodeBeyondMinimalMs: number;
  /** Over the port minus the handler in process: HTTP, sockets, event loop, and GC under load. */
  readonly outsideHandlerMs?: number;
}

const breakdownOf = (results: readonly WorkloadResult[], p: InProcessSample): Breakdown => {
  const port = results.find((r) => r.id === 'retrieve')?.results.vsim?.serverCpuMsPerReq;
  return {
    ...(port === undefined ? {} : { overPortServerCpuMs: port }),
    inProcess: p,
    handlerMinusModelMs: round(p.handler.cpuMsPerCall - p.model.cpuMsPerCall, 5),
    decodeBeyondMinimalMs: round(p.noSession.cpuMsPerCall - p.currentTimeNoSession.cpuMsPerCall, 5),
    ...(port === undefined ? {} : { outsideHandlerMs: round(port - p.handler.cpuMsPerCall, 5) }),
  };
};

const ratioText = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2));

const workloadTable = (r: WorkloadResult): string => {
  const power = r.id === 'power';
  const headers = [
    'server',
    'VMs',
    'requests',
    'req/s',
    'p50 ms',
    'p99 ms',
    'server CPU ms/req',
    'vsim/vcsim',
  ];
  if (power) headers.push('cycles/s', 'req/cycle', 'server CPU ms/cycle', 'vsim/vcsim');
  headers.push('target', 'status');
  const rows = (['vsim', 'vcsim'] as const).flatMap((kind) => {
    const w = r.results[kind];
    if (!w) return [];
    const mine = kind === 'vsim';
    const row = [
      kind,
      r.vms.toLocaleString('en-US'),
      w.requests.toLocaleString('en-US'),
      w.reqPerSec.toFixed(0),
      ms(w.p50Ms),
      ms(w.p99Ms),
      msReq(w.serverCpuMsPerReq),
      mine ? ratioText(r.ratio) : '',
    ];
    if (power) {
      row.push(
        w.opsPerSec.toFixed(0),
        (w.requests / w.operations).toFixed(1),
        msReq(w.serverCpuMsPerOp),
        mine ? ratioText(r.ratioPerOp) : '',
      );
    }
    row.push(
      mine ? `<= ${r.targetRatio.toFixed(2)} x vcsim` : '',
      mine ? (r.withinTarget === undefined ? 'no vcsim' : r.withinTarget ? 'ok' : 'OVER') : '',
    );
    return [row];
  });
  return formatTable(headers, rows);
};

const breakdownTable = (b: Breakdown): string => {
  const p = b.inProcess;
  const share = (v: number | undefined) =>
    v === undefined || b.overPortServerCpuMs === undefined
      ? '-'
      : `${((v / b.overPortServerCpuMs) * 100).toFixed(0)}%`;
  const rows: [string, number | undefined][] = [
    ['whole server, over the port [1]', b.overPortServerCpuMs],
    ['  SOAP handler, router.handle [2]', p.handler.cpuMsPerCall],
    ['    model: retrievePropertiesEx [3]', p.model.cpuMsPerCall],
    ['    decode, session, dispatch, encode [2]-[3]', b.handlerMinusModelMs],
    ['      of which decoding (a) beyond a minimal envelope [4]', b.decodeBeyondMinimalMs],
    ['      for scale: a whole CurrentTime call [5]', p.currentTime.cpuMsPerCall],
    ['  HTTP, sockets, event loop, GC [1]-[2]', b.outsideHandlerMs],
  ];
  const calls = (l: Loop) => l.calls.toLocaleString('en-US');
  return [
    formatTable(
      ['part', 'CPU ms/req', 'share'],
      rows.map(([part, v]) => [part, msReq(v), share(v)]),
    ),
    '',
    "[1] vsim serve's CPU from /proc during (a), 8 sessions over the port, divided by its requests",
    `[2] process CPU of ${calls(p.handler)} back-to-back calls of router.handle with the (a) request as a PlainRequest, in a child process`,
    `[3] process CPU of ${calls(p.model)} calls of the model's PropertyCollector.retrievePropertiesEx with the same spec`,
    '[4] the (a) request minus CurrentTime, both through router.handle without a session cookie: each is decoded,',
    '    then answered with the same NotAuthenticated fault (decodeRequest is not exported, so not timed alone)',
    `[5] ${calls(p.currentTime)} calls of router.handle with CurrentTime: decode, session, dispatch, encode of a call that does almost nothing`,
  ].join('\n');
};
