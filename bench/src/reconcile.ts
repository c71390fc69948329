/**
 * The reconcile benchmark: how long vm-operator's controllers take to bring N
 * VirtualMachines, created at once, to what CAPV calls ready (VirtualMachineCreated True,
 * powered on, a primaryIP4, a biosUUID), how many reconcile passes that takes, and how
 * much heap each VM holds afterwards. Every run is a fresh child process.
 */
import { createSimulator, type Simulator } from 'vsim';
import {
  type ChildOptions,
  collectGarbage,
  formatTable,
  inChild,
  kb,
  type MachineInfo,
  ms,
  type Summary,
  summarize,
  writeResults,
} from './measure.js';

interface ReconcileCase {
  readonly id: string;
  readonly label: string;
  readonly vms: number;
  readonly runs: number;
  readonly inQuick: boolean;
  /** From the first create to every VM ready. */
  readonly targetMs?: number;
  /** heapUsed after minus before, all VMs together. */
  readonly targetHeapBytes?: number;
  /** Node options and timeout of the case's child processes. */
  readonly child?: ChildOptions;
  /**
   * How each VM is bootstrapped: `disabled` (the default) not at all; `cloud-init` from a Secret
   * of its own, as CAPV's machines are; `linux-prep` as vm-operator bootstraps a Linux VM that
   * names no bootstrap, with LinuxPrep.
   */
  readonly bootstrap?: Bootstrap;
}

type Bootstrap = 'disabled' | 'cloud-init' | 'linux-prep';

const MB = 1024 * 1024;
/** Reconcile passes per second every case should reach. */
const TARGET_RECONCILES_PER_SEC = 50_000;

export const RECONCILE_CASES: readonly ReconcileCase[] = [
  { id: 'vms-1k', label: '1,000 VMs', vms: 1_000, runs: 5, inQuick: true },
  { id: 'vms-10k', label: '10,000 VMs', vms: 10_000, runs: 5, inQuick: true, targetMs: 1_000 },
  {
    id: 'vms-100k',
    label: '100,000 VMs',
    vms: 100_000,
    runs: 3,
    inQuick: false,
    targetMs: 10_000,
    targetHeapBytes: 1024 * MB,
    // V8 sizes its default heap limit from the machine's memory (4 GiB on 23.5 GiB, less on
    // smaller machines); 100,000 VMs and what is in flight while they converge come near it
    // (a run peaked at ~2.9 GB resident), so the limit is raised. The heap target is separate.
    child: { nodeOptions: ['--max-old-space-size=8192'], timeoutMs: 60 * 60_000 },
  },
  // What CAPV's machines cost on top: their cloud-init GuestInfo (metadata and user data as
  // YAML, gzip and base64). No target of its own.
  {
    id: 'vms-10k-cloud-init',
    label: '10,000 cloud-init',
    vms: 10_000,
    runs: 3,
    inQuick: false,
    bootstrap: 'cloud-init',
  },
  // What vm-operator's default bootstrap costs: a guest customization and a power-on of their own.
  {
    id: 'vms-10k-linux-prep',
    label: '10,000 LinuxPrep',
    vms: 10_000,
    runs: 3,
    inQuick: false,
    bootstrap: 'linux-prep',
  },
];

const NS = 'ns1';
const V5 = 'vmoperator.vmware.com/v1alpha5';
const V6 = 'vmoperator.vmware.com/v1alpha6';
const CLUSTER = 'c1';
const CLASS = 'best-effort-small';
/** The VirtualMachine controller's name in `sim.supervisor.stats`. */
const VM_CONTROLLER = 'virtualmachine-controller';

interface VmStatus {
  powerState?: string;
  biosUUID?: string;
  network?: { primaryIP4?: string };
  conditions?: { type: string; status: string }[];
}

/** CAPV's readiness, in its order: created, powered on, an address, a BIOS UUID. */
const capvReady = (status: VmStatus | undefined): boolean =>
  status?.conditions?.some((c) => c.type === 'VirtualMachineCreated' && c.status === 'True') === true &&
  status.powerState === 'PoweredOn' &&
  Boolean(status.network?.primaryIP4) &&
  Boolean(status.biosUUID);

const vmName = (i: number) => `${CLUSTER}-md-${i}`;
const PREFIX = `${CLUSTER}-md-`;

/** A worker's bootstrap data as CAPI's kubeadm provider writes it, ~1.5 KB, its own per machine. */
const bootstrapSecret = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: NS },
  data: {
    value: Buffer.from(
      [
        '## template: jinja',
        '#cloud-config',
        'write_files:',
        '- path: /run/kubeadm/kubeadm-join-config.yaml',
        '  owner: root:root',
        "  permissions: '0640'",
        '  content: |',
        '    apiVersion: kubeadm.k8s.io/v1beta3',
        '    kind: JoinConfiguration',
        '    discovery:',
        '      bootstrapToken:',
        '        apiServerEndpoint: 10.0.0.10:6443',
        `        caCertHashes: [sha256:${'0123456789abcdef'.repeat(4)}]`,
        `        token: ${name.slice(-6).padStart(6, 'a')}.${'0123456789abcdef'}`,
        '    nodeRegistration:',
        '      criSocket: /var/run/containerd/containerd.sock',
        '      kubeletExtraArgs:',
        '        cloud-provider: external',
        `      name: '{{ ds.meta_data.hostname }}'`,
        '- path: /run/cluster-api/placeholder',
        '  content: This placeholder file is used to create the /run/cluster-api sub directory',
        'runcmd:',
        '- kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml && echo success > /run/cluster-api/bootstrap-success.complete',
        'users:',
        '- name: capv',
        '  sudo: ALL=(ALL) NOPASSWD:ALL',
        '  ssh_authorized_keys:',
        `  - ssh-rsa ${'AAAAB3NzaC1yc2EAAAADAQABAAABAQ'.repeat(12)} capv@${name}`,
        '',
      ].join('\n'),
    ).toString('base64'),
  },
});

/** A machine's `spec.bootstrap`: none for LinuxPrep, which vm-operator makes of a Linux VM without one. */
const bootstrapOf = (name: string, bootstrap: Bootstrap) =>
  bootstrap === 'cloud-init'
    ? { bootstrap: { cloudInit: { rawCloudConfig: { name, key: 'value' } } } }
    : bootstrap === 'disabled'
      ? { bootstrap: { disabled: true } }
      : {};

/** A worker machine as CAPV writes it, reduced to what vm-operator needs, bootstrapped as asked. */
const machine = (name: string, image: string, bootstrap: Bootstrap) => ({
  apiVersion: V5,
  kind: 'VirtualMachine',
  metadata: {
    name,
    namespace: NS,
    labels: {
      'capv.vmware.com/cluster.name': CLUSTER,
      'capv.vmware.com/cluster.role': 'node',
      'capw.vmware.com/cluster.name': CLUSTER,
      'capw.vmware.com/cluster.role': 'node',
      'cluster.x-k8s.io/cluster-name': CLUSTER,
      'cluster.x-k8s.io/deployment-name': `${CLUSTER}-md-0`,
    },
  },
  spec: {
    className: CLASS,
    image: { kind: 'VirtualMachineImage', name: image },
    storageClass: 'wcpglobal-storage-profile',
    powerState: 'PoweredOn',
    ...bootstrapOf(name, bootstrap),
  },
});

/** One run, as the child process measures it. */
export interface ReconcileSample {
  readonly vms: number;
  /** From the first create call to the end of settle(), every VM ready. */
  readonly totalMs: number;
  /** Reconcile passes of every controller in that time. */
  readonly reconciles: number;
  readonly requeues: number;
  readonly errors: number;
  readonly reconcilesByController: Record<string, number>;
  /** heapUsed after minus before, each after a full garbage collection. */
  readonly heapBytes: number;
  /** Reconcile passes from a VM's create call to the write that made it CAPV-ready. */
  readonly steps: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Then every VM requeued by a change of their class, which changes nothing of theirs. */
  readonly resync: { readonly ms: number; readonly reconciles: number };
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

const caseById = (id: string): ReconcileCase => {
  const found = RECONCILE_CASES.find((c) => c.id === id);
  if (!found) throw new Error(`no reconcile case ${id}`);
  return found;
};

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: Int32Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

const ubuntuImage = async (sim: Simulator): Promise<string> => {
  const images = await sim.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: NS });
  const image = images.items.find((i) =>
    String((i.status as { name?: unknown } | undefined)?.name).startsWith('ubuntu'),
  );
  if (!image?.metadata.name) throw new Error(`no ubuntu VirtualMachineImage in ${NS}`);
  return image.metadata.name;
};

/** Fails with the first VM that is missing or not CAPV-ready, as CAPV reads it (v1alpha5). */
const checkAllReady = async (sim: Simulator, n: number, seenReady: number): Promise<void> => {
  const list = await sim.kube.list({ apiVersion: V5, kind: 'VirtualMachine', namespace: NS });
  const byName = new Map(list.items.map((vm) => [vm.metadata.name, vm]));
  for (let i = 0; i < n; i++) {
    const vm = byName.get(vmName(i));
    if (!vm) throw new Error(`VirtualMachine ${NS}/${vmName(i)} is missing after settle()`);
    if (!capvReady(vm.status as VmStatus | undefined))
      throw new Error(
        `VirtualMachine ${NS}/${vmName(i)} is not CAPV-ready after settle(); its status: ${JSON.stringify(vm.status ?? null, null, 2)}`,
      );
  }
  if (seenReady !== n)
    throw new Error(`every VM is ready, but the subscription saw only ${seenReady} of ${n} become ready`);
};

/**
 * The settled VMs reconciled once more, as when their class changes in what they do not use (an
 * annotation): the passes of the engine alone, which read, compare and write nothing. Fails
 * unless every VM had exactly one pass of its controller and none of them was written.
 */
const measureResync = async (sim: Simulator, n: number): Promise<ReconcileSample['resync']> => {
  const vmPasses = () => sim.supervisor.stats.controllers[VM_CONTROLLER]?.reconciles ?? 0;
  const ref = { apiVersion: V6, kind: 'VirtualMachineClass', namespace: NS, name: CLASS };
  const vmClass = await sim.kube.get(ref);
  const before = sim.supervisor.stats.reconciles;
  const vmPassesBefore = vmPasses();
  const start = performance.now();
  const annotations = { ...vmClass.metadata.annotations, 'bench.vsim.dev/resync': 'now' };
  const updated = await sim.kube.update({ ...vmClass, metadata: { ...vmClass.metadata, annotations } });
  await sim.settle();
  const ms = performance.now() - start;
  const passes = vmPasses() - vmPassesBefore;
  if (passes !== n) throw new Error(`resync: ${passes} VirtualMachine reconciles for ${n} VMs`);
  const classVersion = Number(updated.metadata.resourceVersion);
  const vms = await sim.kube.list({ apiVersion: V6, kind: 'VirtualMachine', namespace: NS });
  const written = vms.items.find((vm) => Number(vm.metadata.resourceVersion) > classVersion);
  if (written) throw new Error(`resync: VirtualMachine ${written.metadata.name} was written`);
  return { ms: round(ms, 3), reconciles: sim.supervisor.stats.reconciles - before };
};

/** Child side: create N VMs at once, settle, check every one is ready, weigh the heap, resync. */
export const measureReconcile = async (id: string): Promise<ReconcileSample> => {
  const c = caseById(id);
  const n = c.vms;
  const sim = await createSimulator({
    seed: 1,
    inventory: { cluster: 1, host: 10, vm: 0, standaloneHost: 0 },
    supervisor: { namespaces: [NS] },
  });
  const image = await ubuntuImage(sim);
  // The bootstrap Secrets exist before their machines, as CAPI writes them first.
  const bootstrap = c.bootstrap ?? 'disabled';
  if (bootstrap === 'cloud-init')
    for (let i = 0; i < n; i++) await sim.kube.create(bootstrapSecret(vmName(i)));
  await sim.settle();
  /** Reconcile passes from create to ready, per VM index; -1 until it is seen ready. */
  const steps = new Int32Array(n).fill(-1);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const before = sim.supervisor.stats;

  // Readiness at the write that makes a VM ready: a synchronous subscription to the store
  // (what the controllers are fed by), so the pass count is exact.
  let seenReady = 0;
  const unsubscribe = sim.kube.subscribe(
    { apiVersion: V6, kind: 'VirtualMachine', namespace: NS },
    (event) => {
      if (event.type === 'DELETED') return;
      const name = event.object.metadata.name;
      if (typeof name !== 'string' || !name.startsWith(PREFIX)) return;
      const index = Number(name.slice(PREFIX.length));
      if (!(index >= 0 && index < n) || (steps[index] as number) >= 0) return;
      if (!capvReady(event.object.status as VmStatus | undefined)) return;
      steps[index] = sim.supervisor.reconciles - before.reconciles;
      seenReady++;
    },
  );

  const start = performance.now();
  // One synchronous loop of create calls: no reconcile runs until the loop yields, so every
  // VM's count starts from the same reconcile total (`before`).
  const creates: Promise<unknown>[] = new Array(n);
  for (let i = 0; i < n; i++) creates[i] = sim.kube.create(machine(vmName(i), image, bootstrap));
  await Promise.all(creates);
  creates.length = 0;
  await sim.settle();
  const totalMs = performance.now() - start;
  unsubscribe();

  const after = sim.supervisor.stats;
  await checkAllReady(sim, n, seenReady);
  collectGarbage();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;

  const sorted = steps.slice().sort();
  const reconcilesByController: Record<string, number> = {};
  for (const [name, stats] of Object.entries(after.controllers))
    reconcilesByController[name] = stats.reconciles - (before.controllers[name]?.reconciles ?? 0);
  const sample: Omit<ReconcileSample, 'resync'> = {
    vms: n,
    totalMs: round(totalMs, 3),
    reconciles: after.reconciles - before.reconciles,
    requeues: after.requeues - before.requeues,
    errors: after.errors - before.errors,
    reconcilesByController,
    heapBytes,
    steps: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
  };
  // Read after the heap is weighed, so the simulator is still reachable when it is.
  if (sim.vsphere.store.countOf('VirtualMachine') < n)
    throw new Error(`vSphere holds fewer than ${n} VirtualMachines`);
  const resync = await measureResync(sim, n);
  await sim.close();
  return { ...sample, resync };
};

export interface ReconcileCaseResult {
  readonly id: string;
  readonly label: string;
  readonly vms: number;
  readonly runs: number;
  readonly nodeOptions: readonly string[];
  readonly totalMs: Summary;
  readonly vmsPerSec: Summary;
  readonly reconcilesPerSec: Summary;
  readonly reconcilesPerVm: Summary;
  readonly heapBytes: Summary;
  readonly heapPerVmBytes: Summary;
  readonly stepsP50: Summary;
  readonly stepsP99: Summary;
  readonly resyncPerSec: Summary;
  readonly targets: {
    readonly totalMs?: number;
    readonly heapBytes?: number;
    readonly reconcilesPerSec: number;
  };
  readonly status: {
    readonly totalMs?: 'ok' | 'OVER';
    readonly heapBytes?: 'ok' | 'OVER';
    readonly reconcilesPerSec: 'ok' | 'OVER';
  };
  readonly withinTargets: boolean;
  readonly samples: readonly ReconcileSample[];
}

const verdict = (ok: boolean): 'ok' | 'OVER' => (ok ? 'ok' : 'OVER');

const caseResult = (
  c: ReconcileCase,
  runs: number,
  samples: readonly ReconcileSample[],
): ReconcileCaseResult => {
  const per = (f: (s: ReconcileSample) => number, digits: number) =>
    summarize(samples.map((s) => round(f(s), digits)));
  const totalMs = per((s) => s.totalMs, 3);
  const reconcilesPerSec = per((s) => s.reconciles / (s.totalMs / 1000), 0);
  const heapBytes = per((s) => s.heapBytes, 0);
  const status = {
    ...(c.targetMs === undefined ? {} : { totalMs: verdict(totalMs.median <= c.targetMs) }),
    ...(c.targetHeapBytes === undefined ? {} : { heapBytes: verdict(heapBytes.median <= c.targetHeapBytes) }),
    reconcilesPerSec: verdict(reconcilesPerSec.median >= TARGET_RECONCILES_PER_SEC),
  };
  return {
    id: c.id,
    label: c.label,
    vms: c.vms,
    runs,
    nodeOptions: c.child?.nodeOptions ?? [],
    totalMs,
    vmsPerSec: per((s) => s.vms / (s.totalMs / 1000), 0),
    reconcilesPerSec,
    reconcilesPerVm: per((s) => s.reconciles / s.vms, 2),
    heapBytes,
    heapPerVmBytes: per((s) => s.heapBytes / s.vms, 1),
    stepsP50: per((s) => s.steps.p50, 0),
    stepsP99: per((s) => s.steps.p99, 0),
    resyncPerSec: per((s) => s.resync.reconciles / (s.resync.ms / 1000), 0),
    targets: {
      ...(c.targetMs === undefined ? {} : { totalMs: c.targetMs }),
      ...(c.targetHeapBytes === undefined ? {} : { heapBytes: c.targetHeapBytes }),
      reconcilesPerSec: TARGET_RECONCILES_PER_SEC,
    },
    status,
    withinTargets: Object.values(status).every((s) => s === 'ok'),
    samples,
  };
};

/** Parent side: runs every case in child processes, prints the table, writes the JSON. */
export const reconcileBenchmark = async (options: { quick: boolean; machine: MachineInfo }) => {
  const results: ReconcileCaseResult[] = [];
  for (const c of RECONCILE_CASES) {
    if (options.quick && !c.inQuick) continue;
    const runs = options.quick ? 1 : c.runs;
    const samples: ReconcileSample[] = [];
    for (let i = 0; i < runs; i++) {
      process.stderr.write(`reconcile: ${c.label}, run ${i + 1} of ${runs}\n`);
      samples.push(await inChild<ReconcileSample>('reconcile', c.id, c.child));
    }
    results.push(caseResult(c, runs, samples));
  }
  console.log(
    `\nreconcile to CAPV-ready${options.quick ? ' (quick: 1 run each of 1,000 and 10,000 VMs)' : ''}\n`,
  );
  console.log(reconcileTable(results));
  console.log(
    "\nsteps p50/p99: reconcile passes (all controllers) from a VM's create call to the write that\n" +
      'made it CAPV-ready (counted by a synchronous store subscription). resync/s: reconcile passes\n' +
      'per second once the VMs are ready and a change of their class requeues every one of them\n' +
      '(one pass each, nothing written; no target).',
  );
  const file = await writeResults(options.quick ? 'reconcile-quick' : 'reconcile', {
    benchmark: 'reconcile',
    quick: options.quick,
    machine: options.machine,
    cases: results,
  });
  console.log(`\nwrote ${file}`);
  return results;
};

const count = (v: number) => Math.round(v).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

export const reconcileTable = (results: readonly ReconcileCaseResult[]): string =>
  formatTable(
    [
      'case',
      'VMs',
      'runs',
      'ready ms',
      'min-max ms',
      'target',
      'VMs/s',
      'reconciles/s',
      'target',
      'reconciles/VM',
      'heap/VM',
      'heap',
      'target',
      'steps p50',
      'steps p99',
      'resync/s',
      'status',
    ],
    results.map((r) => [
      r.label,
      r.vms.toLocaleString('en-US'),
      String(r.runs),
      ms(r.totalMs.median),
      `${ms(r.totalMs.min)}-${ms(r.totalMs.max)}`,
      r.targets.totalMs === undefined ? '-' : `<= ${r.targets.totalMs.toLocaleString('en-US')} ms`,
      count(r.vmsPerSec.median),
      count(r.reconcilesPerSec.median),
      `>= ${r.targets.reconcilesPerSec.toLocaleString('en-US')}`,
      r.reconcilesPerVm.median.toFixed(2),
      kb(r.heapPerVmBytes.median),
      mb(r.heapBytes.median),
      r.targets.heapBytes === undefined ? '-' : `<= ${mb(r.targets.heapBytes)}`,
      count(r.stepsP50.median),
      count(r.stepsP99.median),
      count(r.resyncPerSec.median),
      r.withinTargets ? 'ok' : 'OVER',
    ]),
  );
