/**
 * VM templates in content libraries (vcenter.vm_template.LibraryItems): a `vm-template` item
 * is backed by a template VM of the inventory (its `vm_template`), made by cloning a source
 * VM as a template and deployed by cloning that template, on the clone path of
 * ../objects/vm-clone.ts. Deleting the item removes its template VM.
 */
import { mapped } from '../core/arrays.js';
import { faults } from '../faults.js';
import { diskBytes, diskDatastore, isDisk, isEthernetCard } from '../inventory/devices.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  ComputeResourceRecord,
  Device,
  HostRecord,
  InventoryRecord,
  LibraryItemRecord,
  LibraryRecord,
  ResourcePoolRecord,
  VmRecord,
} from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { Model, Ref, Task, TaskOptions, Tx } from '../model.js';
import { releaseDisks } from '../objects/storage-object.js';
import { type CloneLocation, clonedVm, currentVm, postCloneEvents } from '../objects/vm-clone.js';
import { type CustomizationSpec, postCustomizationEvents } from '../objects/vm-customization.js';
import { type MoRef, moref } from '../refs.js';
import { deployEvents } from './deploy.js';
import { libraryItemOf, libraryOf } from './lookup.js';

export const VM_TEMPLATE_ITEM_TYPE = 'vm-template';

/** Where a template (or a VM deployed from one) goes; a cluster stands for its root pool. */
export interface VmTemplatePlacement {
  folder?: Ref;
  pool?: Ref;
  host?: Ref;
  cluster?: Ref;
}

export interface VmTemplateCreateSpec {
  sourceVm: Ref;
  libraryId: string;
  name: string;
  description?: string;
  /** Default: the source VM's folder, pool and host. */
  placement?: VmTemplatePlacement;
  /** The template's files and disks (`vm_home_storage`, `disk_storage`); default: the library's. */
  datastore?: Ref;
}

export interface VmTemplateDeploySpec {
  name: string;
  /** The deployed VM's annotation. */
  description?: string;
  /** A pool, host or cluster is required; the folder defaults to the datacenter's VM folder. */
  placement: VmTemplatePlacement;
  /** Default: the template's datastore. */
  datastore?: Ref;
  powerOn?: boolean;
  /** Hardware customization: the template's CPU and memory replaced. */
  numCPU?: number;
  numCoresPerSocket?: number;
  memoryMB?: number;
  /** Guest customization: applied at the VM's first boot (at once when the deployment powers it on). */
  customization?: CustomizationSpec;
}

/** LibraryItems.Info: what a template item holds, read from its template VM. */
export interface VmTemplateInfo {
  guestId: string;
  numCPU: number;
  numCoresPerSocket: number;
  memoryMB: number;
  /** The datastore of the configuration and log files. */
  datastore: string;
  disks: readonly { key: number; capacity: number; datastore: string }[];
  nics: readonly {
    key: number;
    backingType: 'STANDARD_PORTGROUP' | 'DISTRIBUTED_PORTGROUP';
    macType: string;
    network?: string;
  }[];
  /** The template VM's id. */
  template: string;
}

/** Both operations' tasks: vAPI's operation name for interception, a clone as vCenter lists it. */
const cloneTask = (operation: 'create' | 'deploy', target: string) => ({
  method: `vcenter.vm_template.LibraryItems.${operation}`,
  target,
  descriptionId: 'VirtualMachine.clone',
});

type Reader = { get(id: string): InventoryRecord | undefined };

type PutItem = (
  tx: Tx,
  library: LibraryRecord,
  spec: { name: string; description?: string; type: string },
  backing?: { template: string; size: number },
) => LibraryItemRecord;

const nicOf = (d: Device): VmTemplateInfo['nics'][number] => {
  const backing = d.backing as { network?: MoRef; port?: { portgroupKey?: string } } | undefined;
  const network = backing?.port?.portgroupKey ?? backing?.network?.value;
  return {
    key: d.key,
    backingType: backing?.port ? 'DISTRIBUTED_PORTGROUP' : 'STANDARD_PORTGROUP',
    macType: String(d.addressType ?? 'generated').toUpperCase(),
    ...(network === undefined ? {} : { network }),
  };
};

/** A template item's VM within `tx`; NotFound when the item has lost it. */
const templateVmOf = (tx: Reader, item: LibraryItemRecord): VmRecord => {
  const vm = item.template === undefined ? undefined : (tx.get(item.template) as VmRecord | undefined);
  if (!vm) throw faults.notFound(`The library item ${item.id} does not contain a virtual machine template.`);
  return vm;
};

/** Removes a template item's VM with its disks: the item is going. */
export const dropTemplateVm = (tx: Tx, item: LibraryItemRecord): void => {
  const vm = item.template === undefined ? undefined : (tx.get(item.template) as VmRecord | undefined);
  if (!vm) return;
  releaseDisks(tx, vm);
  putVm(tx, null, vm.id);
};

/** What the library's operations lend: writing an item, its name's check, its creation event. */
interface ItemWriter {
  putItem: PutItem;
  takenItemName(libraryId: string, name: string): boolean;
  postCreated(item: LibraryItemRecord): void;
}

export const vmTemplateOperations = (m: Model, items: ItemWriter) => {
  /** The ids a placement names; an unknown one is NotFound at once, a mismatch InvalidArgument. */
  const locationOf = (p: VmTemplatePlacement | undefined, datastore: Ref | undefined): CloneLocation => {
    const to: CloneLocation = {};
    if (p?.folder !== undefined) to.folder = m.lookup(p.folder, 'Folder').id;
    const host = p?.host === undefined ? undefined : m.lookup<HostRecord>(p.host, 'HostSystem');
    const cluster =
      p?.cluster === undefined
        ? undefined
        : m.lookup<ComputeResourceRecord>(p.cluster, 'ClusterComputeResource');
    const pool =
      p?.pool === undefined ? undefined : m.lookup<ResourcePoolRecord>(p.pool, 'ResourcePool', 'VirtualApp');
    if (cluster && pool && pool.owner !== cluster.id) throw faults.invalidArgument('placement.cluster');
    if (cluster && host && host.parent !== cluster.id) throw faults.invalidArgument('placement.host');
    const poolId =
      pool?.id ??
      cluster?.resourcePool ??
      (host && (m.store.get(host.parent ?? '') as ComputeResourceRecord | undefined)?.resourcePool);
    if (poolId !== undefined) to.pool = poolId;
    if (host) to.host = host.id;
    if (datastore !== undefined) to.datastore = m.lookup(datastore, 'Datastore').id;
    return to;
  };

  const templateItemOf = (tx: Reader, id: string): LibraryItemRecord => {
    const item = libraryItemOf(tx, id);
    if (item.type !== VM_TEMPLATE_ITEM_TYPE) throw faults.invalidArgument('template_library_item');
    return item;
  };

  const postDeployed = deployEvents(m);

  return {
    /**
     * vcenter.vm_template.LibraryItems.create: a new `vm-template` item whose template VM is a
     * clone of the source marked as a template, named as the item. The task's result is the
     * item's id. `blocking`: the caller waits, as vAPI's create call does (see `Model.task`).
     */
    createTemplate(spec: VmTemplateCreateSpec, options: TaskOptions = {}): Task<string> {
      const source = m.lookup<VmRecord>(spec.sourceVm, 'VirtualMachine');
      const library = libraryOf(m.store, spec.libraryId);
      if (spec.name.trim() === '') throw faults.invalidArgument('spec.name');
      const to = locationOf(spec.placement, spec.datastore ?? library.datastore);
      let item: LibraryItemRecord | undefined;
      let template: VmRecord | undefined;
      return m.task(
        cloneTask('create', source.id),
        (tx) => {
          const current = libraryOf(tx, library.id);
          if (current.type !== 'LOCAL')
            throw faults.invalidState('Items cannot be added to a subscribed library.');
          // The item's name first: the template VM takes it too.
          if (items.takenItemName(current.id, spec.name)) throw faults.alreadyExists(spec.name);
          const vm = currentVm(tx, source.id);
          const folder = to.folder ?? vm.parent ?? '';
          template = clonedVm(
            m,
            tx,
            vm,
            spec.name,
            { location: {}, powerOn: false, template: true },
            {
              ...to,
              folder,
            },
          );
          const size = template.config.devices.reduce((sum, d) => (isDisk(d) ? sum + diskBytes(d) : sum), 0);
          item = items.putItem(
            tx,
            current,
            {
              name: spec.name,
              type: VM_TEMPLATE_ITEM_TYPE,
              ...(spec.description === undefined ? {} : { description: spec.description }),
            },
            { template: template.id, size },
          );
          return item.id;
        },
        () => {
          postCloneEvents(m, source, template as VmRecord, false);
          items.postCreated(item as LibraryItemRecord);
        },
        options,
      );
    },

    /**
     * vcenter.vm_template.LibraryItems.get: the template an item holds; undefined for an item
     * of another type, as vCenter answers nothing for it.
     */
    getTemplate(itemId: string): VmTemplateInfo | undefined {
      return m.call({ method: 'vcenter.vm_template.LibraryItems.get', target: itemId }, (tx) => {
        const item = libraryItemOf(tx, itemId);
        if (item.type !== VM_TEMPLATE_ITEM_TYPE) return undefined;
        const vm = templateVmOf(tx, item);
        const devices = vm.config.devices;
        return {
          guestId: vm.config.guestId,
          numCPU: vm.config.numCPU,
          numCoresPerSocket: vm.config.numCoresPerSocket,
          memoryMB: vm.config.memoryMB,
          datastore: vm.homeDatastore,
          disks: devices.filter(isDisk).map((d) => ({
            key: d.key,
            capacity: diskBytes(d),
            datastore: diskDatastore(d) ?? vm.homeDatastore,
          })),
          nics: mapped(devices.filter(isEthernetCard), nicOf),
          template: vm.id,
        };
      });
    },

    /**
     * vcenter.vm_template.LibraryItems.deploy: a new VM cloned from the item's template,
     * with the spec's name, placement, CPU and memory; the task's result is the VM.
     */
    deployTemplate(itemId: string, spec: VmTemplateDeploySpec, options: TaskOptions = {}): Task<MoRef> {
      const item = templateItemOf(m.store, itemId);
      const template = templateVmOf(m.store, item);
      if (spec.name.trim() === '') throw faults.invalidArgument('spec.name');
      const to = locationOf(spec.placement, spec.datastore);
      if (to.pool === undefined) throw faults.invalidArgument('spec.placement');
      const folder = to.folder ?? datacenterOf(m.store, to.pool)?.vmFolder;
      if (folder === undefined) throw faults.invalidArgument('spec.placement.folder');
      const config = {
        ...(spec.numCPU === undefined ? {} : { numCPUs: spec.numCPU }),
        ...(spec.numCoresPerSocket === undefined ? {} : { numCoresPerSocket: spec.numCoresPerSocket }),
        ...(spec.memoryMB === undefined ? {} : { memoryMB: spec.memoryMB }),
        ...(spec.description === undefined ? {} : { annotation: spec.description }),
      };
      let source = template;
      return m.task(
        cloneTask('deploy', template.id),
        (tx) => {
          source = templateVmOf(tx, templateItemOf(tx, itemId));
          const powerOn = spec.powerOn === true;
          const vm = clonedVm(
            m,
            tx,
            source,
            spec.name,
            {
              location: {},
              powerOn,
              template: false,
              config,
              ...(spec.customization ? { customization: spec.customization } : {}),
            },
            {
              ...to,
              folder,
            },
          );
          return moref('VirtualMachine', vm.id);
        },
        (ref) => {
          postDeployed(
            ref.value,
            { name: source.name, vm: moref('VirtualMachine', source.id) },
            spec.powerOn === true,
          );
          // Customized at this boot: the guest's tools report it.
          if (spec.powerOn === true && spec.customization)
            postCustomizationEvents(m, m.store.get(ref.value) as VmRecord);
        },
        options,
      );
    },
  };
};
