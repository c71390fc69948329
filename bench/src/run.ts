/**
 * Runs every benchmark: `node dist/run.js [--quick]`. Quick mode takes one run of each
 * case and skips the slowest, for everyday use; the full run is what the README records.
 */
import { inventoryBenchmark } from './inventory.js';
import { describeMachine, machineInfo } from './measure.js';
import { soapBenchmark } from './soap.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--quick');
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown.join(' ')}; usage: node dist/run.js [--quick]`);
  process.exit(2);
}
const quick = args.includes('--quick');
const machine = machineInfo();
console.log(`vsim benchmarks${quick ? ' (quick)' : ''}: ${describeMachine(machine)}`);
await inventoryBenchmark({ quick, machine });
await soapBenchmark({ quick, machine });
