/**
 * The property tables of every managed type, and reading a property by path. This is
 * what the property collector and the facades read; nothing here is stored.
 */
import type { InventoryRecord } from '../inventory/records.js';
import { computeResourceProperties, resourcePoolProperties } from './compute.js';
import type { PropertyTable, ReadContext } from './context.js';
import { entityProperties } from './entity.js';
import { datacenterProperties, folderProperties } from './folder.js';
import { hostSystemProperties } from './host.js';
import { dvsProperties, networkProperties, portgroupProperties } from './network.js';
import { SERVICE_PROPERTIES } from './service.js';
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
  VirtualMachine: entity(virtualMachineProperties as AnyTable),
  Task: taskProperties as AnyTable,
  ...(SERVICE_PROPERTIES as Record<string, AnyTable>),
};

/** The names of the properties a managed type has (top level). */
export const propertyNames = (kind: string): string[] => Object.keys(TABLES[kind] ?? {});

export interface PropertyValue {
  /** False when the path names no property of this type (InvalidProperty on the wire). */
  readonly exists: boolean;
  /** Undefined when the property exists but is unset. */
  readonly value: unknown;
}

const MISSING: PropertyValue = { exists: false, value: undefined };

/** Reads a dotted path (`summary.runtime.powerState`) of a record's properties. */
export const readProperty = (ctx: ReadContext, record: InventoryRecord, path: string): PropertyValue => {
  const dot = path.indexOf('.');
  const top = dot < 0 ? path : path.slice(0, dot);
  const reader = TABLES[record.kind]?.[top] as ((r: InventoryRecord, c: ReadContext) => unknown) | undefined;
  if (!reader) return MISSING;
  let value = reader(record, ctx);
  if (dot < 0) return { exists: true, value };
  for (const step of path.slice(dot + 1).split('.')) {
    if (value === undefined || value === null || typeof value !== 'object')
      return { exists: true, value: undefined };
    value = (value as Record<string, unknown>)[step];
  }
  return { exists: true, value };
};
