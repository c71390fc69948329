/**
 * The default VM classes of vSphere with Tanzu: eight sizes, each as `best-effort-<size>`
 * and as `guaranteed-<size>`, the guaranteed ones reserving their full CPU and memory.
 */

import type { VirtualMachineClass } from '../api/types.js';
import { binaryQuantity, divideRoundingUp, milliQuantity, NANO, parseQuantity } from '../store/quantity.js';

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

/** MiB as a Kubernetes quantity of bytes (`4Gi`, `1536Mi`). */
export const mebibytesQuantity = (mib: number): string => binaryQuantity(mib * 2 ** 20);

/** A CPU quantity (`2`, `500m`, `1.5`) in CPUs; undefined when it is none. */
export function cpusOf(quantity: string): number | undefined {
  const parsed = parseQuantity(quantity);
  return parsed && parsed.nanos >= 0n ? Number(parsed.nanos) / Number(NANO) : undefined;
}

/** CPUs as a Kubernetes quantity, to the thousandth (`2`, `500m`). */
export const cpusQuantity = (cpus: number): string => milliQuantity(Math.round(cpus * 1000));

const MEBIBYTE_NANOS = NANO * 2n ** 20n;

function parseMebibytes(quantity: string): number | undefined {
  const parsed = parseQuantity(quantity);
  return parsed && parsed.nanos >= 0n ? Number(divideRoundingUp(parsed.nanos, MEBIBYTE_NANOS)) : undefined;
}
