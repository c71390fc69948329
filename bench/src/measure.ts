/**
 * What every benchmark shares: one run per child process (so JIT state and heap never
 * carry over from one run to the next), summary statistics, machine info, the printed
 * table and the JSON file under bench/results.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ChildOptions {
  /** Node options for this case's child, after `--expose-gc` (e.g. `--max-old-space-size=4096`). */
  readonly nodeOptions?: readonly string[];
  /** How long the child may run before it is killed (default 10 minutes). */
  readonly timeoutMs?: number;
}

/** Runs one measurement in a fresh `node --expose-gc` and returns what it printed as JSON. */
export const inChild = async <T>(
  benchmark: string,
  caseId: string,
  options: ChildOptions = {},
): Promise<T> => {
  const child = fileURLToPath(new URL('./child.js', import.meta.url));
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', ...(options.nodeOptions ?? []), child, benchmark, caseId],
    { maxBuffer: 16 * 1024 * 1024, timeout: options.timeoutMs ?? 10 * 60_000 },
  );
  const last = stdout.trim().split('\n').at(-1);
  if (!last) throw new Error(`${benchmark} ${caseId}: the child printed nothing`);
  return JSON.parse(last) as T;
};

/** Runs a full garbage collection; the child runs with --expose-gc. */
export const collectGarbage = (): void => {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run with node --expose-gc');
  // Twice: the first pass can leave objects that only a second one frees (weak refs, finalizers).
  gc();
  gc();
};

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export const summarize = (samples: readonly number[]): Summary => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, samples };
};

export interface MachineInfo {
  readonly cpus: { readonly model: string; readonly count: number };
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly totalMemoryBytes: number;
  readonly date: string;
}

export const machineInfo = (): MachineInfo => {
  const cpus = os.cpus();
  return {
    cpus: { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length },
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    totalMemoryBytes: os.totalmem(),
    date: new Date().toISOString(),
  };
};

export const describeMachine = (m: MachineInfo): string =>
  `${m.cpus.count} x ${m.cpus.model}, ${(m.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, ` +
  `node ${m.node} ${m.platform}/${m.arch}, ${m.date}`;

/** Milliseconds with the precision that reads well at their size. */
export const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB`;

/** A plain-text table: first column left-aligned, the others right-aligned. */
export const formatTable = (headers: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
};

/** Writes `bench/results/<name>.json`; returns its path. */
export const writeResults = async (name: string, data: unknown): Promise<string> => {
  const dir = new URL('../results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return fileURLToPath(file);
};
