/**
 * `vsim inventory [vcsim flags]`: prints what a set of flags builds, as a tree of
 * names with their morefs and inventory paths.
 */

import { inventoryPath, ROOT_FOLDER, type VSphere } from '@vsim/vsphere';
import { createSimulator } from '../simulator.js';
import { parseGoFlags } from './flags.js';
import { INVENTORY_FLAGS, startingPoint } from './vcsim-flags.js';

export const inventoryTree = (vsphere: VSphere): string => {
  const lines: string[] = [];
  const walk = (id: string, depth: number) => {
    const record = vsphere.store.get(id);
    if (!record || record.kind === 'Task') return;
    const label = `${'  '.repeat(depth)}${record.name}`;
    lines.push(
      `${label.padEnd(40)} ${`${record.kind}:${id}`.padEnd(44)} ${inventoryPath(vsphere.store, id)}`,
    );
    for (const child of vsphere.store.referrers('childEntity', id)) walk(child, depth + 1);
  };
  walk(ROOT_FOLDER, 0);
  return `${lines.join('\n')}\n`;
};

export async function inventory(argv: readonly string[]): Promise<void> {
  const { values } = parseGoFlags(argv, INVENTORY_FLAGS);
  const sim = await createSimulator({
    seed: values.seed,
    ...startingPoint(values),
    about: { version: values['api-version'] },
  });
  process.stdout.write(inventoryTree(sim.vsphere));
  await sim.close();
}
