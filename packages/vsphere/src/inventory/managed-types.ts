/**
 * The managed-type hierarchy that references, the property collector and views match on: a PropertySpec
 * or TraversalSpec for `ComputeResource` applies to clusters too, one for
 * `ManagedEntity` to every entity, and a view of `Network` shows portgroups.
 */

/** Each managed type's direct supertype, as vim25 declares it. */
const SUPERTYPE: Readonly<Record<string, string>> = {
  ManagedEntity: 'ExtensibleManagedObject',
  Folder: 'ManagedEntity',
  StoragePod: 'Folder',
  Datacenter: 'ManagedEntity',
  ComputeResource: 'ManagedEntity',
  ClusterComputeResource: 'ComputeResource',
  HostSystem: 'ManagedEntity',
  ResourcePool: 'ManagedEntity',
  VirtualApp: 'ResourcePool',
  VirtualMachine: 'ManagedEntity',
  Datastore: 'ManagedEntity',
  Network: 'ManagedEntity',
  OpaqueNetwork: 'Network',
  DistributedVirtualPortgroup: 'Network',
  DistributedVirtualSwitch: 'ManagedEntity',
  VmwareDistributedVirtualSwitch: 'DistributedVirtualSwitch',
  Task: 'ExtensibleManagedObject',
  VirtualMachineSnapshot: 'ExtensibleManagedObject',
  EventHistoryCollector: 'HistoryCollector',
  TaskHistoryCollector: 'HistoryCollector',
  ManagedObjectView: 'View',
  ContainerView: 'ManagedObjectView',
  ListView: 'ManagedObjectView',
  InventoryView: 'ManagedObjectView',
};

/** True when an object of `kind` is a `type` (the type itself or a subtype). */
export const isA = (kind: string, type: string): boolean => {
  for (let k: string | undefined = kind; k !== undefined; k = SUPERTYPE[k]) if (k === type) return true;
  return false;
};

/** The managed entity types a ContainerView can be asked for. */
export const ENTITY_TYPES: readonly string[] = Object.keys(SUPERTYPE).filter((t) => isA(t, 'ManagedEntity'));

/** The types whose objects a ContainerView can be rooted at. */
export const isContainerKind = (kind: string): boolean =>
  isA(kind, 'Folder') ||
  isA(kind, 'Datacenter') ||
  isA(kind, 'ComputeResource') ||
  isA(kind, 'ResourcePool') ||
  isA(kind, 'HostSystem');
