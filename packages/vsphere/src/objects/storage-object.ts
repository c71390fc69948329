/**
 * First Class Disks: VcenterVStorageObjectManager's CreateDisk_Task, RegisterDisk,
 * RetrieveVStorageObject, ListVStorageObject, DeleteVStorageObject_Task and its control flags,
 * and VirtualMachine's AttachDisk_Task and DetachDisk_Task. A disk is a record of its own (see
 * VStorageObjectRecord) whose file takes space on its datastore from its creation (or
 * registration) to its deletion; attached, it is one of the VM's VirtualDisks, with the disk's
 * `vDiskId` and file UUID. A VM destroyed with disks attached takes with it those not marked
 * `keepAfterDeleteVm`; the others stay, detached.
 */
import { faults, isVimFault } from '../faults.js';
import { attachedDevice, attachedDiskId, isSharedDisk } from '../inventory/attachments.js';
import {
  diskContentId,
  diskFactsOf,
  isDisk,
  isDiskCapacity,
  storageObjectDiskType,
} from '../inventory/devices.js';
import { datacenterOf } from '../inventory/paths.js';
import type {
  DatastoreRecord,
  Device,
  VirtualDiskFacts,
  VmRecord,
  VStorageObjectRecord,
} from '../inventory/records.js';
import {
  chargeDatastore,
  checkFreeSpace,
  datastorePath,
  putDevices,
  snapshotRecordsOf,
} from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { iso } from '../properties/context.js';
import { moref } from '../refs.js';
import { datastoreFileAccess, type Located, label } from './datastore-file-access.js';
import { extentOf, splitPath } from './datastore-files.js';
import { currentVm } from './vm-clone.js';
import {
  applyDeviceChanges,
  attachController,
  deviceContext,
  storagePolicyOf,
  type VirtualMachineProfileSpec,
} from './vm-devices.js';

/** VslmCreateSpec, as CreateDisk_Task takes it. */
export interface VslmCreateSpec {
  readonly name: string;
  readonly capacityInMB: number;
  readonly keepAfterDeleteVm?: boolean;
  /** The storage policy the disk goes under (InvalidArgument for one that does not exist). */
  readonly profile?: readonly VirtualMachineProfileSpec[];
  readonly backingSpec: {
    readonly _type?: string;
    readonly datastore: Ref;
    /** Where on the datastore the file goes; `fcd/<id>.vmdk` when absent. */
    readonly path?: string;
    readonly provisioningType?: string;
  };
}

/**
 * How an attached disk is opened, which AttachDisk_Task does not take and CNS's attach does: its
 * backing's disk mode (`persistent` by default) and sharing (`sharingNone` by default).
 */
export interface DiskModes {
  readonly diskMode?: string;
  readonly sharing?: string;
}

/** vim25's ID: how the API names a disk. */
export type DiskId = string | { readonly id: string };

/** The disk's id; InvalidArgument for anything else, as the vim25 decoder refuses a missing one. */
const idOf = (id: DiskId | undefined): string => {
  const value = typeof id === 'string' ? id : id?.id;
  if (typeof value !== 'string' || value === '') throw faults.invalidArgument('diskId');
  return value;
};

const MB = 1024 * 1024;
const MANAGER = 'VcenterVStorageObjectManager';

/** vim25's VslmVStorageObjectControlFlag, each with the record's field it sets. */
const CONTROL_FLAGS = {
  keepAfterDeleteVm: 'keepAfterDeleteVm',
  disableRelocation: 'relocationDisabled',
  enableChangedBlockTracking: 'changedBlockTrackingEnabled',
} as const;

/** The fields a list of control flags sets; InvalidArgument for anything but a known flag. */
const controlFlagFields = (flags: unknown) => {
  const list: unknown[] = flags === undefined ? [] : Array.isArray(flags) ? flags : [flags];
  return list.map((flag) => {
    if (typeof flag !== 'string' || !Object.hasOwn(CONTROL_FLAGS, flag))
      throw faults.invalidArgument('controlFlags');
    return CONTROL_FLAGS[flag as keyof typeof CONTROL_FLAGS];
  });
};

/** The provisioning type a disk of that VirtualDiskType is made with. */
const provisioningTypeOf = (diskType: string): string =>
  diskType === 'thin' || diskType === 'eagerZeroedThick' ? diskType : 'lazyZeroedThick';

/** The disk as the API shows it: VStorageObject. */
const vStorageObject = (m: Model, disk: VStorageObjectRecord) => {
  const consumers = (disk.consumers ?? []).flatMap((id) => {
    const vm = m.store.get(id) as VmRecord | undefined;
    return vm ? [{ _type: 'ID', id: vm.config.uuid }] : [];
  });
  return {
    _type: 'VStorageObject',
    config: {
      _type: 'VStorageObjectConfigInfo',
      id: { _type: 'ID', id: disk.id },
      name: disk.name,
      createTime: iso(disk.createTime),
      keepAfterDeleteVm: disk.keepAfterDeleteVm,
      relocationDisabled: disk.relocationDisabled ?? false,
      nativeSnapshotSupported: false,
      changedBlockTrackingEnabled: disk.changedBlockTrackingEnabled ?? false,
      backing: {
        _type: 'BaseConfigInfoDiskFileBackingInfo',
        datastore: moref('Datastore', disk.datastore),
        filePath: disk.filePath,
        backingObjectId: disk.backingObjectId,
        ...(disk.provisioningType ? { provisioningType: disk.provisioningType } : {}),
      },
      capacityInMB: disk.capacityInMB,
      consumptionType: ['disk'],
      ...(consumers.length > 0 ? { consumerId: consumers } : {}),
    },
  };
};

/** The disk with that id on that datastore, read from the store or a transaction; NotFound otherwise, as vCenter answers. */
const diskOn = (
  reader: { get(id: string): unknown },
  id: DiskId | undefined,
  datastore?: string,
): VStorageObjectRecord => {
  const wanted = idOf(id);
  const disk = reader.get(wanted) as VStorageObjectRecord | undefined;
  if (disk?.kind !== 'VStorageObject' || (datastore !== undefined && disk.datastore !== datastore))
    throw faults.notFound(`The object or item referred to could not be found: disk ${wanted}.`);
  return disk;
};

/** Whether every VM that has the disk, `vm` as it would be among them, opens it to be shared. */
const sharedByAll = (tx: Tx, disk: VStorageObjectRecord, vm: VmRecord): boolean =>
  [vm.id, ...(disk.consumers ?? [])].every((id) => {
    const holder = id === vm.id ? vm : (tx.get(id) as VmRecord | undefined);
    const device = attachedDevice(holder, disk.id);
    return holder !== undefined && device !== undefined && isSharedDisk(holder, device);
  });

/** Deletes a disk and its file: the space it took is free again. */
const dropDisk = (tx: Tx, disk: VStorageObjectRecord) => {
  tx.remove(disk.id);
  chargeDatastore(tx, disk.datastore, -disk.capacityInMB * MB);
};

/**
 * A destroyed VM's attached disks not kept after it go with it, but those other VMs share; putVm
 * detaches the others.
 */
export const releaseDisks = (tx: Tx, vm: VmRecord): void => {
  for (const d of vm.config.devices) {
    const id = attachedDiskId(d);
    const disk = id === undefined ? undefined : (tx.get(id) as VStorageObjectRecord | undefined);
    if (disk && !disk.keepAfterDeleteVm && !disk.consumers?.some((c) => c !== vm.id)) dropDisk(tx, disk);
  }
};

export const storageObjectOperations = (m: Model) => {
  /** The datastore or VM an argument names: InvalidArgument when it names none. */
  const datastoreOf = (ref: Ref | undefined) => {
    if (!ref) throw faults.invalidArgument('datastore');
    return m.lookup<DatastoreRecord>(ref, 'Datastore');
  };
  const vmOf = (ref: Ref | undefined) => {
    if (!ref) throw faults.invalidArgument('vm');
    return m.lookup<VmRecord>(ref, 'VirtualMachine');
  };
  const files = datastoreFileAccess(m);

  /**
   * The file a `/folder` URL names, as Datastore.NewURL makes one: InvalidArgument for anything
   * else, InvalidDatastore when no datastore has its `dsName` in the datacenter at its `dcPath`.
   */
  const fileAtUrl = (path: unknown): Located => {
    if (typeof path !== 'string' || !/^https?:\/\//i.test(path)) throw faults.invalidArgument('path');
    try {
      return files.locate(path, undefined);
    } catch (error) {
      throw isVimFault(error, 'InvalidDatastorePath') ? faults.invalidArgument('path') : error;
    }
  };

  /** The VMs whose disk device's file is `filePath` on `ds`, with the device. */
  const vmDisksAt = (tx: Tx, ds: string, filePath: string) => {
    const out: { vm: VmRecord; device: Device }[] = [];
    for (const id of m.store.referrers('vm', ds)) {
      const vm = tx.get(id) as VmRecord | undefined;
      const device = vm?.config.devices.find(
        (d) => isDisk(d) && (d.backing as { fileName?: string }).fileName === filePath,
      );
      if (vm && device) out.push({ vm, device });
    }
    return out;
  };

  /** The First Class Disk whose file is `filePath`, if one is. */
  const diskAtFile = (filePath: string): VStorageObjectRecord | undefined => {
    for (const disk of m.store.ofKind<VStorageObjectRecord>('VStorageObject'))
      if (disk.filePath === filePath) return disk;
    return undefined;
  };

  /** Sets (or clears) control flags of a disk: one transaction. */
  const flagDisk = (method: string, id: DiskId, datastore: Ref, controlFlags: unknown, value: boolean) => {
    const ds = datastoreOf(datastore);
    const fields = controlFlagFields(controlFlags);
    m.call({ method, target: ds.id }, (tx) => {
      const disk = diskOn(tx, id, ds.id);
      tx.update<VStorageObjectRecord>(disk.id, Object.fromEntries(fields.map((field) => [field, value])));
    });
  };

  return {
    /** CreateDisk_Task: a new disk with its file on the spec's datastore. */
    create(spec: VslmCreateSpec): Task<ReturnType<typeof vStorageObject>> {
      if (typeof spec?.name !== 'string' || spec.name === '') throw faults.invalidArgument('spec.name');
      if (!isDiskCapacity(spec.capacityInMB, 1024)) throw faults.invalidArgument('spec.capacityInMB');
      if (!spec.backingSpec?.datastore) throw faults.invalidArgument('spec.backingSpec.datastore');
      const ds = datastoreOf(spec.backingSpec.datastore);
      // A manager is no ManagedEntity: the task's entity is the datastore.
      const call = { method: 'CreateDisk_Task', target: ds.id, descriptionId: `${MANAGER}.createDisk` };
      return m.task(call, (tx) => {
        const policy = storagePolicyOf({ tx }, spec.profile, 'spec.profile');
        const id = m.random.uuid();
        const path = spec.backingSpec.path ?? `fcd/${id.replaceAll('-', '')}.vmdk`;
        const filePath = datastorePath(ds.name, path);
        // A path of one's own may also name a VM's disk file.
        if (
          diskAtFile(filePath) ||
          (spec.backingSpec.path !== undefined && vmDisksAt(tx, ds.id, filePath).length > 0)
        )
          throw faults.fileAlreadyExists(filePath);
        const disk: VStorageObjectRecord = {
          id,
          kind: 'VStorageObject',
          name: spec.name,
          datastore: ds.id,
          filePath,
          capacityInMB: spec.capacityInMB,
          createTime: m.clock.now(),
          // The default of vSphere 7 and 8 (6.7's was false).
          keepAfterDeleteVm: spec.keepAfterDeleteVm ?? true,
          backingObjectId: m.random.uuid(),
          diskUuid: m.random.uuid(),
          ...(spec.backingSpec.provisioningType
            ? { provisioningType: spec.backingSpec.provisioningType }
            : {}),
          ...(policy ? { storagePolicyId: policy } : {}),
        };
        if (storageObjectDiskType(disk) !== 'thin')
          checkFreeSpace(tx, ds.id, disk.capacityInMB * MB, filePath);
        tx.put(disk);
        chargeDatastore(tx, ds.id, disk.capacityInMB * MB);
        return vStorageObject(m, disk);
      });
    },

    /**
     * RegisterDisk: the virtual disk at a `/folder` URL becomes a First Class Disk, with its
     * file, space and UUID, named `name` or after its file. A VM's disk stays the VM's, attached:
     * its device gains the disk's id. A standalone disk's files (VirtualDiskManager's) become the
     * disk's. FileNotFound when no disk is there, AlreadyExists when it is a First Class Disk,
     * FileLocked when a snapshot of its VM has a delta on it.
     */
    register(path: string, name?: string): ReturnType<typeof vStorageObject> {
      const at = fileAtUrl(path);
      if (name !== undefined && typeof name !== 'string') throw faults.invalidArgument('name');
      const filePath = label(at);
      const id = m.call({ method: 'RegisterDisk', target: at.ds.id }, (tx) => {
        const holders = vmDisksAt(tx, at.ds.id, filePath);
        // A disk under a snapshot has the snapshot's delta on it: vSphere registers none.
        if (holders.some((h) => (h.vm.snapshots?.roots.length ?? 0) > 0)) throw faults.fileLocked(filePath);
        if (diskAtFile(filePath) || holders.some((h) => h.device.vDiskId !== undefined))
          throw faults.alreadyExists(filePath);
        const first = holders[0];
        const descriptor = first ? undefined : files.recordAt(tx, at.ds.id, at.path);
        const facts: VirtualDiskFacts | undefined = first
          ? {
              ...diskFactsOf(first.vm.config.devices, first.device),
              uuid: (first.device.backing as { uuid?: string }).uuid ?? m.random.uuid(),
            }
          : descriptor?.disk;
        if (!facts) throw faults.fileNotFound(filePath);
        const policy = first?.device.storagePolicyId as string | undefined;
        const disk: VStorageObjectRecord = {
          id: m.random.uuid(),
          kind: 'VStorageObject',
          name: name || splitPath(at.path).name.replace(/\.vmdk$/, ''),
          datastore: at.ds.id,
          filePath,
          capacityInMB: Math.ceil(facts.capacityKb / 1024),
          createTime: m.clock.now(),
          keepAfterDeleteVm: true,
          backingObjectId: m.random.uuid(),
          diskUuid: facts.uuid,
          provisioningType: provisioningTypeOf(facts.diskType),
          // A VM's disk keeps the storage policy it was under, which CNS reads.
          ...(policy ? { storagePolicyId: policy } : {}),
        };
        tx.put(disk);
        chargeDatastore(tx, at.ds.id, disk.capacityInMB * MB);
        // The disk's space moves to the disk: the standalone disk's files go, the VMs stop counting it.
        if (descriptor) {
          const extent = files.recordAt(tx, at.ds.id, extentOf(at.path));
          files.removeRecords(tx, at.ds.id, extent ? [descriptor, extent] : [descriptor]);
        }
        for (const { vm, device } of holders)
          putDevices(
            tx,
            vm,
            vm.config.devices.map((d) => (d === device ? asAttached(d, disk) : d)),
          );
        return disk.id;
      });
      return vStorageObject(m, m.store.get(id) as VStorageObjectRecord);
    },

    /**
     * The First Class Disk of the file a `/folder` URL names (RegisterDisk's AlreadyExists), if it
     * is one; InvalidArgument and InvalidDatastore as RegisterDisk answers them.
     */
    registeredAt(path: string): ReturnType<typeof vStorageObject> | undefined {
      const disk = diskAtFile(label(fileAtUrl(path)));
      return disk && vStorageObject(m, disk);
    },

    /**
     * CNS's unregistration of a volume (CNS's own API, which vim25 does not have): the First Class
     * Disk is a plain virtual disk again, with its file, space and UUID: the VMs that have it keep
     * it as their own disk, a detached one is a standalone disk (its descriptor and extent).
     */
    unregister(id: DiskId): void {
      const wanted = idOf(id);
      const found = diskOn(m.store, wanted);
      m.call({ method: 'UnregisterVStorageObject', target: found.datastore }, (tx) => {
        const disk = diskOn(tx, wanted);
        const plain = (d: Device): Device => {
          if (attachedDiskId(d) !== disk.id) return d;
          const { vDiskId: _, ...own } = d;
          return own;
        };
        dropDisk(tx, disk);
        for (const vmId of disk.consumers ?? []) {
          const vm = tx.get(vmId) as VmRecord | undefined;
          if (!vm) continue;
          putDevices(tx, vm, vm.config.devices.map(plain));
          // Its snapshots give it back as the VM's own disk too.
          for (const snapshot of snapshotRecordsOf(tx, vm))
            if (snapshot.config.devices.some((d) => attachedDiskId(d) === disk.id))
              tx.put({
                ...snapshot,
                config: { ...snapshot.config, devices: snapshot.config.devices.map(plain) },
              });
        }
        if (disk.consumers) return;
        const at = files.locate(disk.filePath, datacenterOf(tx, disk.datastore));
        const diskType = storageObjectDiskType(disk);
        files.putDiskRecords(tx, at, {
          capacityKb: disk.capacityInMB * 1024,
          diskType,
          adapterType: 'lsiLogic',
          uuid: disk.diskUuid,
        });
      });
    },

    /** SetVStorageObjectControlFlags: `keepAfterDeleteVm`, `disableRelocation`, `enableChangedBlockTracking`. */
    setControlFlags(id: DiskId, datastore: Ref, controlFlags: readonly string[]): void {
      flagDisk('SetVStorageObjectControlFlags', id, datastore, controlFlags, true);
    },

    /** ClearVStorageObjectControlFlags. */
    clearControlFlags(id: DiskId, datastore: Ref, controlFlags: readonly string[]): void {
      flagDisk('ClearVStorageObjectControlFlags', id, datastore, controlFlags, false);
    },

    /** RetrieveVStorageObject. */
    retrieve(id: DiskId, datastore: Ref) {
      return vStorageObject(m, diskOn(m.store, id, datastoreOf(datastore).id));
    },

    /** ListVStorageObject: the ids of the disks on a datastore. */
    list(datastore: Ref): { _type: 'ID'; id: string }[] {
      const ds = datastoreOf(datastore);
      const out: { _type: 'ID'; id: string }[] = [];
      for (const disk of m.store.ofKind<VStorageObjectRecord>('VStorageObject'))
        if (disk.datastore === ds.id) out.push({ _type: 'ID', id: disk.id });
      return out;
    },

    /** RenameVStorageObject. */
    rename(id: DiskId, datastore: Ref, name: string): void {
      const ds = datastoreOf(datastore);
      if (typeof name !== 'string' || name === '') throw faults.invalidArgument('name');
      m.call({ method: 'RenameVStorageObject', target: ds.id }, (tx) => {
        tx.update<VStorageObjectRecord>(diskOn(tx, id, ds.id).id, { name });
      });
    },

    /**
     * ExtendDisk_Task: the disk grows (never shrinks: InvalidArgument), taking the more space on
     * its datastore; attached, the VM's device grows with it.
     */
    extend(id: DiskId, datastore: Ref, newCapacityInMB: number): Task<void> {
      const ds = datastoreOf(datastore);
      idOf(id);
      return m.task(
        { method: 'ExtendDisk_Task', target: ds.id, descriptionId: `${MANAGER}.extendDisk` },
        (tx) => {
          const disk = diskOn(tx, id, ds.id);
          if (!isDiskCapacity(newCapacityInMB, 1024, disk.capacityInMB))
            throw faults.invalidArgument('newCapacityInMB');
          const growth = (newCapacityInMB - disk.capacityInMB) * MB;
          if (storageObjectDiskType(disk) !== 'thin')
            checkFreeSpace(tx, disk.datastore, growth, disk.filePath);
          tx.update<VStorageObjectRecord>(disk.id, { capacityInMB: newCapacityInMB });
          chargeDatastore(tx, disk.datastore, growth);
          // Every VM that has it sees it grow, as a reconfiguration grows one.
          for (const vmId of disk.consumers ?? []) {
            const vm = tx.get(vmId) as VmRecord | undefined;
            const device = attachedDevice(vm, disk.id);
            if (!vm || !device) continue;
            const edit = {
              ...device,
              capacityInKB: newCapacityInMB * 1024,
              capacityInBytes: newCapacityInMB * MB,
            };
            const devices = applyDeviceChanges(deviceContext(m, tx, vm), vm.config.devices, [
              { operation: 'edit', device: edit },
            ]);
            putDevices(tx, vm, devices);
          }
        },
      );
    },

    /** DeleteVStorageObject_Task: an attached disk cannot go (InvalidState). */
    delete(id: DiskId, datastore: Ref): Task<void> {
      const ds = datastoreOf(datastore);
      idOf(id);
      return m.task(
        {
          method: 'DeleteVStorageObject_Task',
          target: ds.id,
          descriptionId: `${MANAGER}.deleteVStorageObject`,
        },
        (tx) => {
          const disk = diskOn(tx, id, ds.id);
          if (disk.consumers)
            throw faults.invalidState(`The disk ${disk.id} is attached to a virtual machine.`);
          dropDisk(tx, disk);
        },
      );
    },

    /**
     * VirtualMachine.AttachDisk_Task: the disk becomes one of the VM's VirtualDisks, on the
     * controller and unit given, else the first free SCSI unit, else SATA's (`MissingController`
     * without either; where several have room vSphere wants one named, whose fault for it is not
     * documented: the first is taken), opened in the modes given. A disk is on one VM at a time,
     * but for one each VM opens to be shared (multi-writer, or on a shared SCSI bus).
     */
    attach(
      vm: Ref,
      id: DiskId,
      datastore: Ref,
      controllerKey?: number,
      unitNumber?: number,
      modes?: DiskModes,
    ): Task<void> {
      const record = vmOf(vm);
      const ds = datastoreOf(datastore);
      idOf(id);
      return m.task(
        { method: 'AttachDisk_Task', target: record.id, descriptionId: 'VirtualMachine.attachDisk' },
        (tx) => {
          const current = currentVm(tx, record.id);
          const disk = diskOn(tx, id, ds.id);
          const attachedAlready = () =>
            faults.invalidState(`The disk ${disk.id} is attached to a virtual machine already.`);
          if (disk.consumers?.includes(current.id)) throw attachedAlready();
          const added: Device = {
            _type: 'VirtualDisk',
            key: -1,
            capacityInKB: disk.capacityInMB * 1024,
            backing: { fileName: disk.filePath, datastore: moref('Datastore', disk.datastore), ...modes },
            ...(unitNumber === undefined ? {} : { unitNumber }),
          };
          const controller = controllerKey ?? attachController(current.config.devices)?.key;
          if (controller === undefined) throw faults.missingController('controllerKey', 0);
          const devices = applyDeviceChanges(deviceContext(m, tx, current), current.config.devices, [
            { operation: 'add', device: { ...added, controllerKey: controller } },
          ]);
          const known = new Set(current.config.devices.map((d) => d.key));
          const next = devices.map((d) => (known.has(d.key) ? d : asAttached(d, disk)));
          // Another VM's disk is shared only when each VM opens it to be shared.
          if (
            disk.consumers &&
            !sharedByAll(tx, disk, { ...current, config: { ...current.config, devices: next } })
          )
            throw attachedAlready();
          putDevices(tx, current, next);
        },
      );
    },

    /** VirtualMachine.DetachDisk_Task: the disk leaves the VM and stays, with its file. */
    detach(vm: Ref, id: DiskId): Task<void> {
      const record = vmOf(vm);
      const wanted = idOf(id);
      return m.task(
        { method: 'DetachDisk_Task', target: record.id, descriptionId: 'VirtualMachine.detachDisk' },
        (tx) => {
          const current = currentVm(tx, record.id);
          const device = attachedDevice(current, wanted);
          if (!device) throw faults.notFound(`The disk ${wanted} is not attached to ${current.name}.`);
          const devices = applyDeviceChanges(deviceContext(m, tx, current), current.config.devices, [
            { operation: 'remove', device },
          ]);
          putDevices(tx, current, devices);
        },
      );
    },
  };
};

/** A VM's new disk device as the First Class Disk it is: the disk's file UUID and its id. */
const asAttached = (d: Device, disk: VStorageObjectRecord): Device => ({
  ...d,
  backing: { ...(d.backing as object), uuid: disk.diskUuid, contentId: diskContentId(disk.diskUuid) },
  vDiskId: { _type: 'ID', id: disk.id },
});
