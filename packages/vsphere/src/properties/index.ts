/**
 * The property tables of every managed type, and reading a property by path. This is
 * what the property collector and the facades read; nothing here is stored. Paths are
 * dotted, with keyed steps into arrays of keyed data objects:
 * `config.hardware.device[4000].deviceInfo.label`, `config.extraConfig["guestinfo.x"]`.
 */
import { DEFAULT_COLLECTOR } from '../collector/collectors.js';
import { containerViewProperties, listViewProperties, viewList } from '../collector/view-contents.js';
import { faults, VimFault } from '../faults.js';
import { historyCollectorProperties } from '../history/collectors.js';
import type { InventoryRecord, PropertyFilterRecord } from '../inventory/records.js';
import { computeResourceProperties, resourcePoolProperties } from './compute.js';
import { type PropertyTable, type ReadContext, referrerRefs } from './context.js';
import { datastoreBrowserProperties, environmentBrowserProperties } from './datastore-browser.js';
import { entityProperties } from './entity.js';
import { datacenterProperties, folderProperties } from './folder.js';
import { hostSystemProperties } from './host.js';
import {
  hostDatastoreSystemProperties,
  hostDateTimeSystemProperties,
  hostFirewallSystemProperties,
  hostServiceSystemProperties,
} from './host-config.js';
import { hostNetworkSystemProperties } from './host-network.js';
import { LEAF_READERS } from './leaves.js';
import { dvsProperties, networkProperties, portgroupProperties } from './network.js';
import { SERVICE_PROPERTIES } from './service.js';
import { snapshotProperties, vmSnapshotProperties } from './snapshot.js';
import { datastoreProperties, storagePodProperties } from './storage.js';
import { taskProperties } from './task.js';
import { virtualMachineProperties } from './virtual-machine.js';

type AnyTable = PropertyTable<never>;

const entity = (table: AnyTable): AnyTable => ({ ...(entityProperties as AnyTable), ...table });

const TABLES: Readonly<Record<string, AnyTable>> = {
  Folder: entity(folderProperties as AnyTable),
  Datacenter: entity(datacenterProperties as AnyTable),
  ComputeResource: entity(computeResourceProperties as AnyTable),
  ClusterComputeResource: entity(computeResourceProperties as AnyTable),
  HostSystem: entity(hostSystemProperties as AnyTable),
  ResourcePool: entity(resourcePoolProperties as AnyTable),
  VirtualApp: entity(resourcePoolProperties as AnyTable),
  Datastore: entity(datastoreProperties as AnyTable),
  StoragePod: entity(storagePodProperties as AnyTable),
  Network: entity(networkProperties as AnyTable),
  DistributedVirtualPortgroup: entity(portgroupProperties as AnyTable),
  VmwareDistributedVirtualSwitch: entity(dvsProperties as AnyTable),
  VirtualMachine: entity({ ...virtualMachineProperties, ...vmSnapshotProperties } as AnyTable),
  VirtualMachineSnapshot: snapshotProperties as AnyTable,
  EventHistoryCollector: historyCollectorProperties as AnyTable,
  TaskHistoryCollector: historyCollectorProperties as AnyTable,
  HistoryCollector: { filter: historyCollectorProperties.filter } as AnyTable,
  Task: taskProperties as AnyTable,
  HostDatastoreBrowser: datastoreBrowserProperties as AnyTable,
  EnvironmentBrowser: environmentBrowserProperties as AnyTable,
  HostDatastoreSystem: hostDatastoreSystemProperties as AnyTable,
  HostNetworkSystem: hostNetworkSystemProperties as AnyTable,
  HostServiceSystem: hostServiceSystemProperties as AnyTable,
  HostDateTimeSystem: hostDateTimeSystemProperties as AnyTable,
  HostFirewallSystem: hostFirewallSystemProperties as AnyTable,
  ...(SERVICE_PROPERTIES as Record<string, AnyTable>),
  PropertyCollector: {
    ...(SERVICE_PROPERTIES.PropertyCollector as AnyTable),
    // The default collector's filters are per session: the caller sees its own.
    filter: (r: InventoryRecord, ctx: ReadContext) =>
      referrerRefs(ctx, 'filter', r.id, 'PropertyFilter').filter(
        (ref) =>
          r.id !== DEFAULT_COLLECTOR ||
          (ctx.store.get(ref.value) as PropertyFilterRecord).session === ctx.sessionKey,
      ),
  } as AnyTable,
  ViewManager: {
    ...(SERVICE_PROPERTIES.ViewManager as AnyTable),
    viewList: (_: InventoryRecord, ctx: ReadContext) => viewList(ctx.store, ctx.sessionKey),
  } as AnyTable,
  PropertyFilter: {
    spec: (f: PropertyFilterRecord) => f.spec,
    partialUpdates: (f: PropertyFilterRecord) => f.partialUpdates,
  } as AnyTable,
  ContainerView: containerViewProperties as AnyTable,
  ListView: listViewProperties as AnyTable,
  // Abstract types: what a PropertySpec or TraversalSpec naming them may ask for.
  ExtensibleManagedObject: {
    value: entityProperties.value,
    availableField: entityProperties.availableField,
  } as AnyTable,
  ManagedEntity: entityProperties as AnyTable,
  DistributedVirtualSwitch: entity(dvsProperties as AnyTable),
  OpaqueNetwork: entity(networkProperties as AnyTable),
  View: {},
  ManagedObjectView: { view: listViewProperties.view } as AnyTable,
};

/** The names of the properties a managed type has (top level). */
export const propertyNames = (kind: string): string[] => Object.keys(TABLES[kind] ?? {});

/** True when `type` is a managed type whose properties are known here. */
export const hasPropertyTable = (type: string): boolean => Object.hasOwn(TABLES, type);

export interface PropertyValue {
  /** False when the path names no property of this type (InvalidProperty on the wire). */
  readonly exists: boolean;
  /** Undefined when the property exists but is unset. */
  readonly value: unknown;
  /** Why a property that exists could not be read (a MissingProperty on the wire). */
  readonly fault?: VimFault;
}

const MISSING: PropertyValue = { exists: false, value: undefined };
const UNSET: PropertyValue = { exists: true, value: undefined };

/** One step after the top-level name: a field, or the element of an array with that `key`. */
type Step = string | { readonly key: string | number };

interface PropertyPath {
  readonly top: string;
  readonly steps: readonly Step[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const INTEGER = /-?\d+/y;

/** Reads `[4000]` or `["guest.x"]` at `at`; returns the key and where parsing goes on. */
const parseKey = (path: string, at: number): [key: string | number, next: number] | undefined => {
  if (path[at] === '"') {
    let key = '';
    for (let i = at + 1; i < path.length; i++) {
      const c = path[i] as string;
      if (c === '"') return path[i + 1] === ']' ? [key, i + 2] : undefined;
      if (c === '\\') i++;
      key += path[i] ?? '';
    }
    return undefined;
  }
  INTEGER.lastIndex = at;
  const digits = INTEGER.exec(path)?.[0];
  if (digits === undefined || path[at + digits.length] !== ']') return undefined;
  return [Number(digits), at + digits.length + 1];
};

const parsePath = (path: string): PropertyPath | undefined => {
  const steps: Step[] = [];
  let at = 0;
  for (;;) {
    NAME.lastIndex = at;
    const name = NAME.exec(path)?.[0];
    if (name === undefined) return undefined;
    steps.push(name);
    at += name.length;
    while (path[at] === '[') {
      const key = parseKey(path, at + 1);
      if (!key) return undefined;
      steps.push({ key: key[0] });
      at = key[1];
    }
    if (at === path.length) break;
    if (path[at] !== '.') return undefined;
    at++;
  }
  const [top, ...rest] = steps;
  return { top: top as string, steps: rest };
};

/** Clients send the same few paths over and over; a bounded cache spares re-parsing them. */
const parsed = new Map<string, PropertyPath | null>();

const pathOf = (path: string): PropertyPath | undefined => {
  let p = parsed.get(path);
  if (p === undefined) {
    if (parsed.size >= 4096) parsed.clear();
    p = parsePath(path) ?? null;
    parsed.set(path, p);
  }
  return p ?? undefined;
};

type Reader = (r: InventoryRecord, c: ReadContext) => unknown;

const readerOf = (type: string, top: string): Reader | undefined => {
  const table = TABLES[type];
  return table && Object.hasOwn(table, top) ? (table[top] as Reader) : undefined;
};

/** True when `path` is well formed and its first name is a property of `type`. */
export const isPropertyPath = (type: string, path: string): boolean => {
  const p = pathOf(path);
  return p !== undefined && readerOf(type, p.top) !== undefined;
};

const notReadable = (path: string): PropertyValue => ({
  exists: true,
  value: undefined,
  fault: faults.invalidProperty(path),
});

/** Reads a path (`summary.runtime.powerState`, `config.hardware.device[4000]`) of a record. */
export const readProperty = (ctx: ReadContext, record: InventoryRecord, path: string): PropertyValue => {
  const leaf = LEAF_READERS.get(record.kind)?.get(path);
  if (leaf) return { exists: true, value: leaf(record, ctx) };
  return walkProperty(ctx, record, path);
};

/** readProperty without the leaf shortcuts: builds the top-level property and walks the path. */
export const walkProperty = (ctx: ReadContext, record: InventoryRecord, path: string): PropertyValue => {
  const p = pathOf(path);
  const reader = p && readerOf(record.kind, p.top);
  if (!p || !reader) return MISSING;
  let value: unknown;
  try {
    value = reader(record, ctx);
  } catch (error) {
    if (error instanceof VimFault) return { exists: true, value: undefined, fault: error };
    throw error;
  }
  for (const step of p.steps) {
    if (value === undefined || value === null) return UNSET;
    if (typeof step === 'string') {
      // Arrays and scalars have no fields; keyed steps pick array elements.
      if (typeof value !== 'object' || Array.isArray(value)) return notReadable(path);
      value = Object.hasOwn(value, step) ? (value as Record<string, unknown>)[step] : undefined;
    } else {
      if (!Array.isArray(value)) return notReadable(path);
      value = value.find((item) => (item as { key?: unknown } | null)?.key === step.key);
    }
  }
  return { exists: true, value };
};
