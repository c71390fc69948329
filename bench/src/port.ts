/**
 * What the benchmarks over a port share: server child processes (started on loopback,
 * found through their GOVC_URL line, always killed on the way out), the server's CPU time
 * from /proc, keep-alive connections, and bounded load windows driven by concurrent
 * sessions, with their latencies and the server's CPU per request.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';

// ---------------------------------------------------------------------------------------
// Settings

/** No session issues more operations than this in one window, however fast the server. */
export const MAX_OPS_PER_SESSION = 200_000;
/** Starting a server (vcsim builds 1,000 VMs in a few seconds). */
const START_TIMEOUT_MS = 120_000;
export const REQUEST_TIMEOUT_MS = 60_000;

export interface Durations {
  readonly warmupMs: number;
  readonly windowMs: number;
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Scratch files (git ignores bench/.work). */
export const WORK = fileURLToPath(new URL('../.work/', import.meta.url));
const VSIM_CLI = `${ROOT}packages/vsim/dist/cli.js`;

export const round = (v: number, digits: number) => Number(v.toFixed(digits));

// ---------------------------------------------------------------------------------------
// Server processes

export type ServerKind = 'vsim' | 'vcsim';

export interface RunningServer {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly origin: string;
  readonly path: string;
  readonly username: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** Every server child still alive; killed on the way out whatever happens. */
const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
};

const GOVC_URL = /export GOVC_URL=(\S+) GOVC_SIM_PID=(\d+)/;

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      children.delete(child);
      resolve();
      return;
    }
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      children.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });

/**
 * Runs `fn` with the server children it starts guarded: they are stopped when it ends,
 * also when it throws, and killed when the process exits or is interrupted.
 */
export const withServerChildren = async <T>(fn: () => Promise<T>): Promise<T> => {
  mkdirSync(WORK, { recursive: true });
  const onSignal = (signal: NodeJS.Signals) => {
    killChildren();
    process.kill(process.pid, signal);
  };
  process.on('exit', killChildren);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    await Promise.all([...children].map(stopChild));
    process.off('exit', killChildren);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
};

/** Starts a server and waits for its GOVC_URL line, which `readLine` finds (a file or its stdout). */
export const startServer = async (
  kind: ServerKind,
  command: string,
  args: readonly string[],
  readLine: (stdout: string) => string | undefined,
): Promise<RunningServer> => {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout = (stdout + s).slice(-16_384);
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-16_384);
  });
  const fail = async (why: string): Promise<never> => {
    await stopChild(child);
    throw new Error(`${kind} did not start: ${why}\n${stderr.trim()}`);
  };
  const deadline = performance.now() + START_TIMEOUT_MS;
  let line: string | undefined;
  while (!line) {
    if (child.exitCode !== null || child.signalCode !== null)
      return fail(`exited (${child.exitCode ?? child.signalCode})`);
    if (performance.now() > deadline) return fail(`no GOVC_URL line within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    line = readLine(stdout);
  }
  const match = GOVC_URL.exec(line);
  if (!match?.[1] || child.pid === undefined) return fail(`unexpected line ${line}`);
  const url = new URL(match[1]);
  if (url.hostname !== '127.0.0.1') return fail(`not on loopback: ${url.host}`);
  return {
    kind,
    pid: child.pid,
    origin: url.origin,
    path: url.pathname,
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    stop: () => stopChild(child),
  };
};

/** Reads a server's GOVC_URL export line from its output. */
export const govcUrlLine = (output: string): string | undefined =>
  output.split('\n').find((l) => GOVC_URL.test(l));

let envFiles = 0;

/** `vsim serve -tls=false -l 127.0.0.1:0 -E <file> <flags>`: plain HTTP on a free loopback port. */
export const startVsim = async (flags: readonly string[]): Promise<RunningServer> => {
  mkdirSync(WORK, { recursive: true });
  const file = `${WORK}vsim-${process.pid}-${++envFiles}.env`;
  rmSync(file, { force: true });
  const args = [VSIM_CLI, 'serve', '-tls=false', '-l', '127.0.0.1:0', '-E', file, ...flags];
  try {
    return await startServer('vsim', process.execPath, args, () =>
      existsSync(file) ? govcUrlLine(readFileSync(file, 'utf8')) : undefined,
    );
  } finally {
    rmSync(file, { force: true });
  }
};

// ---------------------------------------------------------------------------------------
// Server CPU from the OS

let clockTicks: number | undefined;
const ticksPerSecond = (): number => {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
};

/** utime + stime of a process (all its threads), in milliseconds. */
export const processCpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which ends with the last ')': state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
};

// ---------------------------------------------------------------------------------------
// Connections

/** Keep-alive connections to one server, one request in flight each; `close` closes them all. */
export const connections = (origin: string) => {
  const clients: Client[] = [];
  const open = () => {
    const client = new Client(origin, {
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    clients.push(client);
    return client;
  };
  const close = async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  };
  return { open, close };
};

// ---------------------------------------------------------------------------------------
// Load windows

export interface Recorder {
  latenciesMs: number[];
  /** Whether this operation's requests are counted (false during the warm-up). */
  recording: boolean;
}

/** One operation of a workload on one session: any number of HTTP requests, each recorded. */
export type Operation<S> = (s: S, rec: Recorder) => Promise<void>;

export interface WindowResult {
  readonly requests: number;
  readonly operations: number;
  readonly elapsedMs: number;
  readonly reqPerSec: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMs: number;
  readonly serverCpuMsPerReq: number;
  readonly serverCpuMsPerOp: number;
  /** The benchmark process's own CPU (the client) per request, for context. */
  readonly clientCpuMsPerReq: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number);

/** Runs `op` on every session until `durationMs` passes (or the per-session cap); each loop stops by itself. */
const drive = async <S>(sessions: readonly S[], op: Operation<S>, rec: Recorder, durationMs: number) => {
  const deadline = performance.now() + durationMs;
  let failure: unknown;
  let operations = 0;
  const loop = async (s: S) => {
    try {
      for (let n = 0; n < MAX_OPS_PER_SESSION && failure === undefined && performance.now() < deadline; n++) {
        await op(s, rec);
        operations++;
      }
    } catch (error) {
      failure ??= error;
    }
  };
  await Promise.all(sessions.map(loop));
  if (failure !== undefined) throw failure;
  return operations;
};

/** A warm-up, then a timed window with the server's CPU read from /proc before and after. */
export const timedWindow = async <S>(
  server: Pick<RunningServer, 'pid'>,
  sessions: readonly S[],
  op: Operation<S>,
  durations: Durations,
): Promise<WindowResult> => {
  await drive(sessions, op, { latenciesMs: [], recording: false }, durations.warmupMs);
  const rec: Recorder = { latenciesMs: [], recording: true };
  const cpuBefore = processCpuMs(server.pid);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const operations = await drive(sessions, op, rec, durations.windowMs);
  const elapsedMs = performance.now() - start;
  const serverCpuMs = processCpuMs(server.pid) - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  const requests = rec.latenciesMs.length;
  const sorted = rec.latenciesMs.sort((a, b) => a - b);
  return {
    requests,
    operations,
    elapsedMs: round(elapsedMs, 1),
    reqPerSec: round((requests * 1000) / elapsedMs, 1),
    opsPerSec: round((operations * 1000) / elapsedMs, 1),
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    serverCpuMs: round(serverCpuMs, 1),
    serverCpuMsPerReq: round(serverCpuMs / requests, 4),
    serverCpuMsPerOp: round(serverCpuMs / operations, 4),
    clientCpuMsPerReq: round((client.user + client.system) / 1000 / requests, 4),
  };
};

/** CPU milliseconds per request with three decimals; `-` when unknown. */
export const msReq = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3));
