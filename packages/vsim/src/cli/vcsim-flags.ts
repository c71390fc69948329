/** vcsim's command-line flags, as `vsim serve` and `vsim inventory` take them. */
import { readFileSync } from 'node:fs';
import { parseState, type SavedState, VCSIM_DEFAULTS, type VcsimFlags } from '@vsim/vsphere';
import type { FlagSpecs, FlagValues } from './flags.js';

export const INVENTORY_FLAGS = {
  dc: { type: 'int', default: VCSIM_DEFAULTS.dc, usage: 'Number of datacenters' },
  cluster: { type: 'int', default: VCSIM_DEFAULTS.cluster, usage: 'Number of clusters' },
  host: { type: 'int', default: VCSIM_DEFAULTS.host, usage: 'Number of hosts per cluster' },
  'standalone-host': {
    type: 'int',
    default: VCSIM_DEFAULTS.standaloneHost,
    usage: 'Number of standalone hosts',
  },
  vm: { type: 'int', default: VCSIM_DEFAULTS.vm, usage: 'Number of virtual machines per resource pool' },
  pool: { type: 'int', default: VCSIM_DEFAULTS.pool, usage: 'Number of resource pools per compute resource' },
  app: { type: 'int', default: VCSIM_DEFAULTS.app, usage: 'Number of virtual apps per compute resource' },
  ds: { type: 'int', default: VCSIM_DEFAULTS.ds, usage: 'Number of local datastores' },
  pod: { type: 'int', default: VCSIM_DEFAULTS.pod, usage: 'Number of storage pods per datacenter' },
  pg: { type: 'int', default: VCSIM_DEFAULTS.pg, usage: 'Number of port groups' },
  folder: { type: 'int', default: VCSIM_DEFAULTS.folder, usage: 'Number of folders' },
  seed: { type: 'int', default: 0, usage: 'Seed of every generated id (same seed, same inventory)' },
  'api-version': { type: 'string', default: '8.0.3', usage: 'vCenter version to report in AboutInfo' },
  load: {
    type: 'string',
    default: '',
    usage: 'Start from a state file saved by vsim (JSON) instead of building an inventory',
  },
} as const satisfies FlagSpecs;

export const SERVE_FLAGS = {
  ...INVENTORY_FLAGS,
  l: { type: 'string', default: '127.0.0.1:8989', usage: 'Listen address for vcsim' },
  username: { type: 'string', default: 'user', usage: 'Login username' },
  password: { type: 'string', default: 'pass', usage: 'Login password' },
  tls: { type: 'bool', default: true, usage: 'Enable TLS' },
  tlscert: { type: 'string', default: '', usage: 'Path to TLS certificate file' },
  tlskey: { type: 'string', default: '', usage: 'Path to TLS key file' },
  trace: { type: 'bool', default: false, usage: 'Trace requests and responses to stderr' },
  E: { type: 'string', default: '', usage: 'Write the GOVC_URL export line to this file instead of stdout' },
  namespaces: {
    type: 'string',
    default: '',
    usage: 'Supervisor namespaces to prepare, comma-separated (vsim only)',
  },
  'admission-control': {
    type: 'bool',
    default: false,
    usage: "Refuse what resource pools' reservations cannot hold, as vCenter does (vsim only)",
  },
} as const satisfies FlagSpecs;

/** What to start from: a saved state (-load) or the inventory the counting flags describe. */
export const startingPoint = (
  v: FlagValues<typeof INVENTORY_FLAGS>,
): { state: SavedState } | { inventory: VcsimFlags } =>
  v.load ? { state: parseState(readFileSync(v.load, 'utf8')) } : { inventory: inventoryOf(v) };

const inventoryOf = (v: FlagValues<typeof INVENTORY_FLAGS>): VcsimFlags => ({
  dc: v.dc,
  cluster: v.cluster,
  host: v.host,
  standaloneHost: v['standalone-host'],
  vm: v.vm,
  pool: v.pool,
  app: v.app,
  ds: v.ds,
  pod: v.pod,
  pg: v.pg,
  folder: v.folder,
});
