/**
 * createSimulator(): a vCenter in this process. One router serves every transport
 * (in-process fetch, an undici dispatcher, HTTP/1.1 on a port); the model's scheduler
 * is driven here, the only place that arms real timers.
 */

import { createRestHandler, namespaceManagementRoutes } from '@vsim/rest';
import { createSoapHandler, type SoapOptions } from '@vsim/soap';
import {
  KubeStore,
  registerAppPlatformKinds,
  registerCnsKinds,
  registerImageRegistryKinds,
  registerNetOperatorKinds,
  registerTopologyKinds,
  registerVmOperatorKinds,
  type Supervisor,
  type SupervisorOptions,
  startSupervisor,
} from '@vsim/supervisor';
import {
  type Clock,
  checkOptionKeys,
  type OptionKeys,
  RealClock,
  VirtualClock,
  VSphere,
  type VSphereOptions,
} from '@vsim/vsphere';
import type { Dispatcher } from 'undici';
import { aboutRoute } from './about.js';
import { datastoreFolderRoute } from './datastore-folder.js';
import { loopbackCertificate } from './http/certs.js';
import { createDispatcher } from './http/dispatcher.js';
import { createFetch, type FetchFunction } from './http/fetch.js';
import { DEFAULT_MAX_BODY_BYTES, type NodeServer, serveNode } from './http/node-http.js';
import { Router } from './http/router.js';
import { namespaceManagement } from './namespace-management.js';
import { SchedulerDriver } from './scheduler-driver.js';

export interface SimulatorOptions extends Omit<VSphereOptions, 'clock'> {
  /**
   * `virtual` (the default in-process): time moves only with advance(), so the same seed
   * and calls give the same answers. `real`: wall-clock time, as `vsim serve` uses.
   */
  clock?: 'virtual' | 'real' | Clock;
  /** Where a virtual clock starts, in epoch milliseconds. */
  startTime?: number;
  /** Base URL that in-process clients (sim.fetch, sim.dispatcher) address. */
  url?: string;
  /** The SOAP (vim25) endpoint's limits. */
  soap?: Pick<SoapOptions, 'maxBodyBytes'>;
  /** The datastore file endpoint's (`/folder`) limits: uploads above `maxBodyBytes` (32 MiB) get 413. */
  folder?: { maxBodyBytes?: number };
  /** The Supervisor: its cluster, namespaces to prepare at once, its timing. */
  supervisor?: SupervisorOptions;
}

export interface ListenOptions {
  host?: string;
  port?: number;
  /** HTTPS with the shipped loopback certificate (true), your own PEM pair, or plain HTTP (false, the default). */
  tls?: boolean | { cert: string; key: string };
  maxBodyBytes?: number;
}

export interface Simulator {
  readonly url: string;
  readonly vsphere: VSphere;
  /** The Supervisor's object store: Kubernetes objects with API-server semantics. */
  readonly kube: KubeStore;
  /** vm-operator and net-operator, reconciling what `kube` holds into `vsphere`. */
  readonly supervisor: Supervisor;
  readonly fetch: FetchFunction;
  readonly dispatcher: Dispatcher;
  /** The router behind every transport; facades add their routes here. */
  readonly router: Router;
  listen(options?: ListenOptions): Promise<NodeServer>;
  /** Runs everything due now until nothing due is left. Always ends. */
  settle(): Promise<void>;
  /** Moves a virtual clock forward, running what falls due on the way, then settles. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_URL = 'http://vsim.local';

const clockOf = (options: SimulatorOptions): Clock => {
  if (typeof options.clock === 'object') return options.clock;
  return options.clock === 'real' ? new RealClock() : new VirtualClock(options.startTime);
};

const SIMULATOR_OPTIONS: OptionKeys<SimulatorOptions> = {
  seed: true,
  clock: true,
  startTime: true,
  url: true,
  about: true,
  credentials: true,
  sessionIdleTimeoutMs: true,
  history: true,
  admissionControl: true,
  inventory: true,
  state: true,
  soap: true,
  folder: true,
  supervisor: true,
};
const SOAP_OPTIONS: OptionKeys<NonNullable<SimulatorOptions['soap']>> = { maxBodyBytes: true };
const FOLDER_OPTIONS: OptionKeys<NonNullable<SimulatorOptions['folder']>> = { maxBodyBytes: true };

export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  checkOptionKeys(options, SIMULATOR_OPTIONS, 'createSimulator');
  if (options.soap) checkOptionKeys(options.soap, SOAP_OPTIONS, 'soap');
  if (options.folder) checkOptionKeys(options.folder, FOLDER_OPTIONS, 'folder');
  const {
    clock: _,
    startTime: __,
    url = DEFAULT_URL,
    soap: ___,
    supervisor: ____,
    folder: _____,
    ...modelOptions
  } = options;
  const clock = clockOf(options);
  const vsphere = new VSphere({ ...modelOptions, clock });
  const router = new Router();
  router.add('GET', '/about', aboutRoute(vsphere));
  const soap = createSoapHandler(vsphere, options.soap);
  router.add('POST', '/sdk', (req) => soap.handle(req));
  router.add('GET', '/sdk/vimServiceVersions.xml', () => soap.versions());
  router.add(
    '*',
    '/folder/*',
    datastoreFolderRoute(vsphere, { maxBodyBytes: options.folder?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }),
  );
  // The object store is made with its first use, and the Supervisor starts with its first
  // write (or its own first use, or its namespaces option): a simulator used only as a vCenter
  // pays for neither. The store draws its ids from a stream of its own, forked now, so that
  // when it is made moves no vSphere id.
  const kubeRandom = vsphere.random.fork();
  let kubeStore: KubeStore | undefined;
  let stopListening = () => {};
  const kube = (): KubeStore => {
    if (kubeStore) return kubeStore;
    const fieldValidation = options.supervisor?.fieldValidation;
    const store = new KubeStore({ clock, random: kubeRandom }, fieldValidation ? { fieldValidation } : {});
    const capabilities = options.supervisor?.capabilities;
    registerVmOperatorKinds(store, capabilities ? { capabilities } : {});
    registerNetOperatorKinds(store);
    registerTopologyKinds(store);
    registerImageRegistryKinds(store);
    registerCnsKinds(store);
    registerAppPlatformKinds(store);
    stopListening = store.onWrite(() => {
      stopListening();
      supervisor();
    });
    kubeStore = store;
    return store;
  };
  let started: Supervisor | undefined;
  const supervisor = () => {
    started ??= startSupervisor({ kube: kube(), vsphere }, options.supervisor);
    return started;
  };
  // Options for the Supervisor start it at once, so that a wrong one (an unknown cluster) fails here.
  if (options.supervisor) {
    const configured = supervisor();
    for (const name of options.supervisor.namespaces ?? []) await configured.prepareNamespace(name);
  }
  // The REST facade is built with its first request: its route tables are a good part of
  // the start of a simulator that only speaks SOAP or runs in process.
  let restHandler: ReturnType<typeof createRestHandler> | undefined;
  const rest = () => {
    restHandler ??= createRestHandler(vsphere, {
      routes: [namespaceManagementRoutes(namespaceManagement(kube, supervisor, vsphere))],
    });
    return restHandler;
  };
  router.mount('/api', (req) => rest().handle(req));
  router.mount('/rest', (req) => rest().handle(req));
  router.mount('/vsim-upload', (req) => rest().transfer(req));
  router.mount('/vsim-download', (req) => rest().transfer(req));
  const handle = router.handle;
  const driver = new SchedulerDriver(vsphere.scheduler);
  const servers = new Set<NodeServer>();
  // An undici Agent behind it: made when a client first asks for it.
  let dispatcher: Dispatcher | undefined;

  const settle = () => driver.settle();
  // The namespaces prepared set the controllers to work; a new vCenter alone has nothing due.
  if (started) await settle();

  return {
    url,
    vsphere,
    get kube() {
      return kube();
    },
    get supervisor() {
      return supervisor();
    },
    router,
    fetch: createFetch(handle, url),
    get dispatcher() {
      dispatcher ??= createDispatcher(handle, url);
      return dispatcher;
    },
    async listen(listenOptions: ListenOptions = {}) {
      const { tls = false, ...rest } = listenOptions;
      const server = await serveNode(handle, {
        ...rest,
        tls: tls === true ? loopbackCertificate() : tls,
      });
      servers.add(server);
      return {
        ...server,
        close: async () => {
          servers.delete(server);
          await server.close();
        },
      };
    },
    settle,
    async advance(ms: number) {
      if (!(clock instanceof VirtualClock)) throw new Error('advance() needs the virtual clock');
      if (!(ms >= 0)) throw new RangeError('advance() takes a non-negative number of milliseconds');
      await vsphere.scheduler.advanceSettling(clock, clock.now() + ms, settle);
    },
    async close() {
      stopListening();
      started?.stop();
      driver.stop();
      await Promise.all([...servers].map((s) => s.close()));
      servers.clear();
      await dispatcher?.close();
    },
  };
}
