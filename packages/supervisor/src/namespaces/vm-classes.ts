/**
 * The default VM classes of vSphere with Tanzu: eight sizes, each as `best-effort-<size>`
 * and as `guaranteed-<size>`, the guaranteed ones reserving their full CPU and memory.
 */
import type { VirtualMachineClass } from '../api/types.js';

const SIZES: readonly (readonly [size: string, cpus: number, memoryGi: number])[] = [
  ['xsmall', 2, 2],
  ['small', 2, 4],
  ['medium', 2, 8],
  ['large', 4, 16],
  ['xlarge', 4, 32],
  ['2xlarge', 8, 64],
  ['4xlarge', 16, 128],
  ['8xlarge', 32, 128],
];

const classOf = (name: string, cpus: number, memory: string, guaranteed: boolean) => ({
  name,
  spec: {
    hardware: { cpus, memory },
    ...(guaranteed ? { policies: { resources: { requests: { cpu: String(cpus), memory } } } } : {}),
  } satisfies VirtualMachineClass['spec'],
});

/** Name and spec of each default class, best-effort ones first. */
export const DEFAULT_VM_CLASSES = Object.freeze([
  ...SIZES.map(([size, cpus, gi]) => classOf(`best-effort-${size}`, cpus, `${gi}Gi`, false)),
  ...SIZES.map(([size, cpus, gi]) => classOf(`guaranteed-${size}`, cpus, `${gi}Gi`, true)),
]);

export const DEFAULT_VM_CLASS_NAMES: readonly string[] = DEFAULT_VM_CLASSES.map((c) => c.name);

/** A Kubernetes quantity of bytes (`4Gi`, `512Mi`, `2G`, plain bytes) in MiB, rounded up; memory or storage. */
export function mebibytesOf(quantity: string): number | undefined {
  // Read on every reconcile of every VM, from the few quantities the classes spell.
  let known = mebibytes.get(quantity);
  if (known === undefined && !mebibytes.has(quantity)) {
    known = parseMebibytes(quantity);
    if (mebibytes.size >= 256) mebibytes.clear();
    mebibytes.set(quantity, known);
  }
  return known;
}

const mebibytes = new Map<string, number | undefined>();

const QUANTITY_SCALE: Readonly<Record<string, number>> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

function parseMebibytes(quantity: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * (QUANTITY_SCALE[match[2] ?? ''] ?? 1);
  return Math.ceil(bytes / 2 ** 20);
}
