/** The entity arguments vSphere events carry (datacenter, compute resource, host, vm, ds). */
import type { Store } from '../core/store.js';
import { computeResourceOf, datacenterOf } from '../inventory/paths.js';
import type { HostRecord, InventoryRecord, VmRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import type { VimEvent } from './events.js';

type Inventory = Pick<Store<InventoryRecord>, 'get'>;
type Arguments = Pick<VimEvent, 'datacenter' | 'computeResource' | 'host' | 'vm' | 'ds'>;

export const eventArguments = (store: Inventory, record: InventoryRecord): Arguments => {
  const out: { -readonly [K in keyof Arguments]: Arguments[K] } = {};
  const dc = datacenterOf(store, record.id);
  if (dc) out.datacenter = { name: dc.name, datacenter: moref('Datacenter', dc.id) };
  const hostId =
    record.kind === 'VirtualMachine' ? record.host : record.kind === 'HostSystem' ? record.id : undefined;
  const host = hostId ? (store.get(hostId) as HostRecord | undefined) : undefined;
  if (host) {
    out.host = { name: host.name, host: moref('HostSystem', host.id) };
    const cr = computeResourceOf(store, host);
    if (cr) out.computeResource = { name: cr.name, computeResource: moref(cr.kind, cr.id) };
  }
  if (record.kind === 'VirtualMachine') {
    const vm = record as VmRecord;
    out.vm = { name: vm.name, vm: moref('VirtualMachine', vm.id) };
    const ds = store.get(vm.homeDatastore);
    if (ds) out.ds = { name: ds.name, datastore: moref('Datastore', ds.id) };
  }
  return out;
};

/** An entity argument of an event under its own field, e.g. `sourceHost: { name, host: MoRef }`. */
export const entityArgument = (field: string, key: string, r: InventoryRecord | undefined) =>
  r ? { [field]: { name: r.name, [key]: moref(r.kind, r.id) } } : {};
