/**
 * `vsim serve`: vcsim's command line. Prints vcsim's first line
 * (`export GOVC_URL=... GOVC_SIM_PID=...`) so `eval "$(vsim serve ...)"` works the same,
 * then serves until SIGINT or SIGTERM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Handler } from '../http/types.js';
import { createSimulator } from '../simulator.js';
import { type FlagValues, parseGoFlags } from './flags.js';
import { SERVE_FLAGS, startingPoint } from './vcsim-flags.js';

const splitAddress = (address: string): { host: string; port: number } => {
  const colon = address.lastIndexOf(':');
  const host = colon < 0 ? address : address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = colon < 0 ? 8989 : Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid listen address ${address}`);
  return { host: host || '127.0.0.1', port };
};

/** -trace: every request and response, as text, on stderr. */
const traced =
  (handle: Handler): Handler =>
  async (req) => {
    const res = await handle(req);
    const text = (b: string | Uint8Array) => (typeof b === 'string' ? b : Buffer.from(b).toString('utf8'));
    process.stderr.write(
      `--> ${req.method} ${req.path}${req.query ? `?${req.query}` : ''}\n${text(req.body)}\n`,
    );
    process.stderr.write(`<-- ${res.status}\n${text(res.body)}\n`);
    return res;
  };

export async function serve(argv: readonly string[]): Promise<void> {
  const { values } = parseGoFlags(argv, SERVE_FLAGS);
  const { host, port } = splitAddress(values.l);
  const sim = await createSimulator({
    clock: 'real',
    seed: values.seed,
    ...startingPoint(values),
    credentials: { username: values.username, password: values.password },
    about: { version: values['api-version'] },
    admissionControl: values['admission-control'],
    supervisor: { namespaces: values.namespaces.split(',').filter((n) => n !== '') },
  });
  const tls = tlsOf(values);
  if (values.trace) {
    const inner = sim.router.handle;
    Object.defineProperty(sim.router, 'handle', { value: traced(inner) });
  }
  const server = await sim.listen({ host, port, tls });
  const url = new URL(`${server.url}/sdk`);
  url.username = encodeURIComponent(values.username);
  url.password = encodeURIComponent(values.password);
  const line = `export GOVC_URL=${url.href} GOVC_SIM_PID=${process.pid}\n`;
  if (values.E) writeFileSync(values.E, line);
  else process.stdout.write(line);
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const tlsOf = (values: FlagValues<typeof SERVE_FLAGS>): boolean | { cert: string; key: string } => {
  if (!values.tls) return false;
  if (values.tlscert === '' && values.tlskey === '') return true;
  if (values.tlscert === '' || values.tlskey === '') throw new Error('-tlscert and -tlskey go together');
  return { cert: readFileSync(values.tlscert, 'utf8'), key: readFileSync(values.tlskey, 'utf8') };
};
