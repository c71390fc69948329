/**
 * Runs the benchmarks: `node dist/run.js [--quick] [inventory|soap|rest|reconcile ...]`, every one of
 * them when none is named. Quick mode takes one run of each case and skips the slowest, for
 * everyday use; the full run is what the README records.
 */
import { inventoryBenchmark } from './inventory.js';
import { describeMachine, machineInfo } from './measure.js';
import { reconcileBenchmark } from './reconcile.js';
import { restBenchmark } from './rest.js';
import { soapBenchmark } from './soap.js';

const BENCHMARKS = {
  inventory: inventoryBenchmark,
  soap: soapBenchmark,
  rest: restBenchmark,
  reconcile: reconcileBenchmark,
} as const;
type Name = keyof typeof BENCHMARKS;
const isName = (a: string): a is Name => Object.hasOwn(BENCHMARKS, a);

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--quick' && !isName(a));
if (unknown.length > 0) {
  console.error(
    `unknown argument ${unknown.join(' ')}; usage: node dist/run.js [--quick] [${Object.keys(BENCHMARKS).join('|')} ...]`,
  );
  process.exit(2);
}
const quick = args.includes('--quick');
const named = args.filter(isName);
const chosen = (Object.keys(BENCHMARKS) as Name[]).filter((n) => named.length === 0 || named.includes(n));
const machine = machineInfo();
console.log(`vsim benchmarks${quick ? ' (quick)' : ''}: ${describeMachine(machine)}`);
for (const name of chosen) await BENCHMARKS[name]({ quick, machine });
