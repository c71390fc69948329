/**
 * One measurement in its own process: `node --expose-gc dist/child.js <benchmark> <case>`
 * prints the sample as one JSON line.
 */
import { measureInventory } from './inventory.js';

const measures: Record<string, (caseId: string) => Promise<unknown>> = {
  inventory: measureInventory,
  // Loaded on demand, so an inventory run loads no HTTP client.
  soap: async (caseId) => (await import('./soap.js')).measureSoapInProcess(caseId),
  reconcile: async (caseId) => (await import('./reconcile.js')).measureReconcile(caseId),
};

const [benchmark = '', caseId = ''] = process.argv.slice(2);
const measure = measures[benchmark];
if (!measure) {
  console.error(`unknown benchmark '${benchmark}' (known: ${Object.keys(measures).join(', ')})`);
  process.exit(2);
}
const sample = await measure(caseId);
console.log(JSON.stringify(sample));
