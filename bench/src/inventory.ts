/**
 * The inventory benchmark: how long createSimulator takes to build an inventory from
 * vcsim's flags, and how much heap each VM costs, for vcsim's default inventory (cold:
 * the first build in a process; warm: a build after several others) and for 10,000 and
 * 100,000 VMs. Every run is a fresh child process.
 */
import { createSimulator, type VcsimFlags } from 'vsim';
import {
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

interface InventoryCase {
  readonly id: string;
  readonly label: string;
  /** vcsim's flags; vcsim's default inventory when absent. */
  readonly inventory?: Partial<VcsimFlags>;
  /** Builds before the timed one, in the same process. */
  readonly warmups: number;
  readonly runs: number;
  readonly inQuick: boolean;
  readonly targetMs: number;
  /** Heap per VM means something only where VMs outweigh the fixed cost of a simulator. */
  readonly targetHeapPerVmBytes?: number;
}

const KB = 1024;
const large = (vm: number) => ({ cluster: 1, host: 10, vm, standaloneHost: 0 });

export const INVENTORY_CASES: readonly InventoryCase[] = [
  { id: 'default-cold', label: 'default (cold)', warmups: 0, runs: 5, inQuick: true, targetMs: 5 },
  { id: 'default-warm', label: 'default (warm)', warmups: 20, runs: 5, inQuick: true, targetMs: 5 },
  {
    id: 'vms-10k',
    label: '10,000 VMs',
    inventory: large(10_000),
    warmups: 0,
    runs: 5,
    inQuick: true,
    targetMs: 300,
    targetHeapPerVmBytes: 4 * KB,
  },
  {
    id: 'vms-100k',
    label: '100,000 VMs',
    inventory: large(100_000),
    warmups: 0,
    runs: 3,
    inQuick: false,
    targetMs: 3000,
    targetHeapPerVmBytes: 4 * KB,
  },
];

/** One run, as the child process measures it. */
export interface InventorySample {
  readonly buildMs: number;
  readonly vms: number;
  readonly heapBytes: number;
  readonly heapPerVmBytes: number;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

const caseById = (id: string): InventoryCase => {
  const found = INVENTORY_CASES.find((c) => c.id === id);
  if (!found) throw new Error(`no inventory case ${id}`);
  return found;
};

const build = (c: InventoryCase) =>
  createSimulator({ seed: 1, ...(c.inventory ? { inventory: c.inventory } : {}) });

/** Child side: warm up if the case says so, then time one build and weigh its heap. */
export const measureInventory = async (id: string): Promise<InventorySample> => {
  const c = caseById(id);
  for (let i = 0; i < c.warmups; i++) await (await build(c)).close();
  // Let closed simulators release what they hold before the heap is weighed.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  const sim = await build(c);
  const buildMs = performance.now() - start;
  collectGarbage();
  const heapBytes = process.memoryUsage().heapUsed - before;
  // Read after the heap is weighed, so the simulator is still reachable when it is.
  const vms = sim.vsphere.store.countOf('VirtualMachine');
  await sim.close();
  return {
    buildMs: round(buildMs, 3),
    vms,
    heapBytes,
    heapPerVmBytes: vms > 0 ? round(heapBytes / vms, 1) : 0,
  };
};

export interface InventoryCaseResult {
  readonly id: string;
  readonly label: string;
  readonly inventory: Partial<VcsimFlags> | 'vcsim default';
  readonly warmups: number;
  readonly vms: number;
  readonly runs: number;
  readonly buildMs: Summary;
  readonly heapPerVmBytes: Summary;
  readonly targets: { readonly buildMs: number; readonly heapPerVmBytes?: number };
  readonly withinTargets: boolean;
}

const withinTargets = (c: InventoryCase, time: Summary, heap: Summary) =>
  time.median <= c.targetMs &&
  (c.targetHeapPerVmBytes === undefined || heap.median <= c.targetHeapPerVmBytes);

/** Parent side: runs every case in child processes, prints the table, writes the JSON. */
export const inventoryBenchmark = async (options: { quick: boolean; machine: MachineInfo }) => {
  const results: InventoryCaseResult[] = [];
  for (const c of INVENTORY_CASES) {
    if (options.quick && !c.inQuick) continue;
    const runs = options.quick ? 1 : c.runs;
    const samples: InventorySample[] = [];
    for (let i = 0; i < runs; i++) {
      process.stderr.write(`inventory: ${c.label}, run ${i + 1} of ${runs}\n`);
      samples.push(await inChild<InventorySample>('inventory', c.id));
    }
    const buildMs = summarize(samples.map((s) => s.buildMs));
    const heapPerVmBytes = summarize(samples.map((s) => s.heapPerVmBytes));
    results.push({
      id: c.id,
      label: c.label,
      inventory: c.inventory ?? 'vcsim default',
      warmups: c.warmups,
      vms: samples[0]?.vms ?? 0,
      runs,
      buildMs,
      heapPerVmBytes,
      targets: {
        buildMs: c.targetMs,
        ...(c.targetHeapPerVmBytes === undefined ? {} : { heapPerVmBytes: c.targetHeapPerVmBytes }),
      },
      withinTargets: withinTargets(c, buildMs, heapPerVmBytes),
    });
  }
  console.log(`\ninventory build${options.quick ? ' (quick: 1 run each, no 100,000 VMs)' : ''}\n`);
  console.log(inventoryTable(results));
  const file = await writeResults(options.quick ? 'inventory-quick' : 'inventory', {
    benchmark: 'inventory',
    quick: options.quick,
    machine: options.machine,
    cases: results,
  });
  console.log(`\nwrote ${file}`);
  return results;
};

export const inventoryTable = (results: readonly InventoryCaseResult[]): string =>
  formatTable(
    ['case', 'VMs', 'runs', 'build ms', 'min-max ms', 'target', 'heap/VM', 'target', 'status'],
    results.map((r) => [
      r.label,
      r.vms.toLocaleString('en-US'),
      String(r.runs),
      ms(r.buildMs.median),
      `${ms(r.buildMs.min)}-${ms(r.buildMs.max)}`,
      `<= ${r.targets.buildMs.toLocaleString('en-US')} ms`,
      kb(r.heapPerVmBytes.median),
      r.targets.heapPerVmBytes === undefined ? '-' : `<= ${kb(r.targets.heapPerVmBytes)}`,
      r.withinTargets ? 'ok' : 'OVER',
    ]),
  );
