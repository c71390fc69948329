/**
 * VirtualDiskManager: standalone virtual disks over the datastore files (see ./datastore-files.ts).
 * A disk is two DatastoreFile records: its descriptor (`[ds] dir/disk.vmdk`, which tells its
 * capacity, type, adapter and UUID) and its extent beside it (`disk-flat.vmdk`), whose size is
 * the whole capacity: a thin disk counts in full, as the model's other disks do. The disks the
 * model's objects use (a VM's, a First Class Disk's) may be read (QueryVirtualDiskUuid, copied),
 * never changed: FileLocked. Names are resolved as FileManager resolves them.
 */
import { faults } from '../faults.js';
import { DISK_DESCRIPTOR_BYTES, isDiskCapacity } from '../inventory/devices.js';
import type { DatastoreFileRecord, VirtualDiskFacts } from '../inventory/records.js';
import { checkFreeSpace } from '../inventory/vm.js';
import type { Model, Ref, Task, Tx } from '../model.js';
import { datastoreFileAccess, type Located, label, type ObjectFiles } from './datastore-file-access.js';
import { type Entry, entryAt, extentOf, objectFilesOn } from './datastore-files.js';

/** VirtualDiskSpec or FileBackedVirtualDiskSpec, as CreateVirtualDisk_Task takes it. */
export interface VirtualDiskSpec {
  readonly _type?: string;
  readonly diskType?: string;
  readonly adapterType?: string;
  readonly capacityKb?: number;
}

const MANAGER = 'VirtualDiskManager';

/** The VirtualDiskType values of a flat file disk on a datastore, the ones ESX makes. */
const DISK_TYPES = ['thin', 'preallocated', 'eagerZeroedThick', 'thick'];
/** VirtualDiskAdapterType. */
const ADAPTER_TYPES = ['ide', 'busLogic', 'lsiLogic'];

/**
 * A canonical UUID as a descriptor's ddb.uuid (and a .vmx's uuid.bios) writes it:
 * `60 00 c2 9a 01 02 03 04-05 06 ...`.
 */
export const ddbUuid = (uuid: string): string => {
  const bytes = uuid.replaceAll('-', '').match(/../g) as string[];
  return `${bytes.slice(0, 8).join(' ')}-${bytes.slice(8).join(' ')}`;
};

/** A UUID in either form (canonical or ddb.uuid) as a canonical one; undefined when it is none. */
export const canonicalUuid = (text: unknown): string | undefined => {
  if (typeof text !== 'string') return undefined;
  const hex = text.replace(/[\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** A spec's type and adapter, checked: InvalidArgument on `<field>.…`, NotSupported for a device-backed disk. */
const kindOf = (spec: VirtualDiskSpec, field: 'spec' | 'destSpec') => {
  if (spec._type === 'DeviceBackedVirtualDiskSpec')
    throw faults.notSupported('The simulator has no host devices to back a virtual disk.');
  if (!DISK_TYPES.includes(spec.diskType as string)) throw faults.invalidArgument(`${field}.diskType`);
  if (!ADAPTER_TYPES.includes(spec.adapterType as string))
    throw faults.invalidArgument(`${field}.adapterType`);
  return { diskType: spec.diskType as string, adapterType: spec.adapterType as string };
};

/** What a spec makes, checked: the call's own InvalidArgument, NotSupported for a device-backed disk. */
const factsOf = (spec: VirtualDiskSpec | undefined): Omit<VirtualDiskFacts, 'uuid'> => {
  if (!spec || typeof spec !== 'object') throw faults.invalidArgument('spec');
  const kind = kindOf(spec, 'spec');
  if (!isDiskCapacity(spec.capacityKb, 1)) throw faults.invalidArgument('spec.capacityKb');
  return { capacityKb: spec.capacityKb, ...kind };
};

/** What a copy makes without a `destSpec`, as the API reference says. */
const COPY_WITHOUT_SPEC = { diskType: 'preallocated', adapterType: 'busLogic' };

type Descriptor = DatastoreFileRecord & { readonly disk: VirtualDiskFacts };

/** A standalone disk: its descriptor and its extent's record (gone if a client deleted it alone). */
interface StandaloneDisk {
  readonly locked: false;
  readonly descriptor: Descriptor;
  readonly extent: DatastoreFileRecord | undefined;
}

/** What a descriptor tells of a disk; one of the objects' disks may have no UUID. */
type DiskFacts = NonNullable<Entry['disk']>;

/** A disk a name finds: a standalone one, or one the objects use. */
type FoundDisk = StandaloneDisk | { readonly locked: true; readonly facts: DiskFacts };

const factsOfFound = (found: FoundDisk): Omit<DiskFacts, 'extent'> =>
  found.locked ? found.facts : found.descriptor.disk;

/** Bytes in a sector, as a disk's geometry counts them. */
const SECTOR_BYTES = 512;
/** Sectors per track ESX writes in a descriptor (`ddb.geometry.sectors`), whatever the adapter. */
const SECTORS_PER_TRACK = 63;
/** The most cylinders an ATA (IDE) geometry counts. */
const IDE_MAX_CYLINDERS = 16383;

/**
 * A disk's geometry as ESX writes it in the descriptor (`ddb.geometry.*`): 255 heads and 63
 * sectors for a SCSI disk, its cylinders the whole ones its capacity fills; 16 heads for an IDE
 * disk, its cylinders at most 16383.
 */
export const diskGeometry = (disk: { capacityKb: number; adapterType: string }) => {
  const ide = disk.adapterType === 'ide';
  const head = ide ? 16 : 255;
  const cylinder = Math.floor((disk.capacityKb * 1024) / (head * SECTORS_PER_TRACK * SECTOR_BYTES));
  return {
    _type: 'HostDiskDimensionsChs',
    cylinder: ide ? Math.min(cylinder, IDE_MAX_CYLINDERS) : cylinder,
    head,
    sector: SECTORS_PER_TRACK,
  };
};

export const virtualDiskManagerOperations = (m: Model) => {
  const files = datastoreFileAccess(m);
  const extentAt = (at: Located): Located => ({ ds: at.ds, path: extentOf(at.path) });

  /** The disk at `at`: FileNotFound when nothing is there, or a file that is no disk's descriptor. */
  const diskAt = (reader: { get(id: string): unknown }, at: Located, objects: ObjectFiles): FoundDisk => {
    const object = entryAt(objects(at.ds.id), at.path);
    if (object?.disk) return { locked: true, facts: object.disk };
    const descriptor = object ? undefined : files.recordAt(reader, at.ds.id, at.path);
    if (!descriptor?.disk) throw faults.fileNotFound(label(at));
    return {
      locked: false,
      descriptor: descriptor as Descriptor,
      extent: files.recordAt(reader, at.ds.id, extentOf(at.path)),
    };
  };

  /** A standalone disk to change: FileLocked when the model's objects use it. */
  const ownDiskAt = (tx: Tx, at: Located, objects: ObjectFiles): StandaloneDisk => {
    const found = diskAt(tx, at, objects);
    if (found.locked) throw faults.fileLocked(label(at));
    return found;
  };

  const diskRecords = (found: StandaloneDisk) =>
    found.extent ? [found.descriptor, found.extent] : [found.descriptor];

  /** A disk's name ends in `.vmdk`, and is no extent's: InvalidDatastorePath otherwise. */
  const asDiskName = (at: Located): Located => {
    if (!at.path.endsWith('.vmdk') || at.path.endsWith('-flat.vmdk'))
      throw faults.invalidDatastorePath(label(at));
    return at;
  };

  /**
   * Makes room for a disk at `to`, its descriptor and its extent, as for any file (see
   * `clearDestination`). The folder it goes in must be there (FileNotFound).
   */
  const clearForDisk = (tx: Tx, to: Located, objectsOn: ObjectFiles, force: boolean) => {
    const objects = objectsOn(to.ds.id);
    for (const at of [to, extentAt(to)]) files.clearDestination(tx, at, objects, force);
    files.ensureFoldersAbove(tx, to, objects, false);
  };

  /** What a disk takes on its datastore: its descriptor and its extent, the whole capacity. */
  const diskBytes = (disk: VirtualDiskFacts) => DISK_DESCRIPTOR_BYTES + disk.capacityKb * 1024;

  /** A disk that is not thin allocates its whole capacity where it is written: NoDiskSpace without room. */
  const checkRoomFor = (tx: Tx, at: Located, disk: VirtualDiskFacts) => {
    if (disk.diskType !== 'thin') checkFreeSpace(tx, at.ds.id, diskBytes(disk), label(at));
  };

  const putDisk = (tx: Tx, at: Located, disk: VirtualDiskFacts) => {
    checkRoomFor(tx, at, disk);
    files.putDiskRecords(tx, at, disk);
  };

  /** One task on one disk, named as FileManager names files; the datastore is its entity. */
  const diskTask = <T>(
    method: string,
    name: string,
    datacenter: Ref | undefined,
    work: (tx: Tx, at: Located, objects: ObjectFiles) => T,
  ): Task<T> => {
    const descriptionId = `${MANAGER}.${method[0]?.toLowerCase()}${method.slice(1, -'_Task'.length)}`;
    const names = [{ name, datacenter, fields: ['name', 'datacenter'] }] as const;
    return files.fileTask({ method, descriptionId }, names, (tx, objects, [at]) => work(tx, at, objects));
  };

  /** A task that finds a standalone disk and leaves it as it is: the simulator keeps no blocks to work on. */
  const blocksTask = (method: string, name: string, datacenter: Ref | undefined): Task<void> =>
    diskTask(method, name, datacenter, (tx, at, objects) => {
      ownDiskAt(tx, at, objects);
    });

  /** Rewrites a standalone disk's descriptor with new facts (its time the clock's). */
  const retype = (tx: Tx, at: Located, objects: ObjectFiles, from: Record<string, string>) => {
    const found = ownDiskAt(tx, at, objects);
    const diskType = from[found.descriptor.disk.diskType];
    if (diskType)
      tx.put({ ...found.descriptor, modified: m.clock.now(), disk: { ...found.descriptor.disk, diskType } });
  };

  /** MoveVirtualDisk_Task or CopyVirtualDisk_Task: the destination's datacenter is the source's when not given. */
  const transfer = (
    move: boolean,
    sourceName: string,
    sourceDatacenter: Ref | undefined,
    destName: string,
    destDatacenter: Ref | undefined,
    work: (tx: Tx, from: Located, to: Located, objects: ObjectFiles) => void,
  ): Task<string> => {
    const call = {
      method: move ? 'MoveVirtualDisk_Task' : 'CopyVirtualDisk_Task',
      descriptionId: `${MANAGER}.${move ? 'move' : 'copy'}VirtualDisk`,
    };
    const names = [
      { name: sourceName, datacenter: sourceDatacenter, fields: ['sourceName', 'sourceDatacenter'] },
      {
        name: destName,
        datacenter: destDatacenter ?? sourceDatacenter,
        fields: ['destName', 'destDatacenter'],
      },
    ] as const;
    return files.fileTask(call, names, (tx, objects, [from, dest]) => {
      const to = asDiskName(dest);
      // A disk onto itself: no effect, as the API reference says of a copy; a missing one is still not found.
      if (from.ds.id !== to.ds.id || from.path !== to.path) work(tx, from, to, objects);
      else diskAt(tx, from, objects);
      return label(to);
    });
  };

  /** What a query reads: any disk's facts, the objects' disks' too; the faults are the call's. */
  const readDisk = (name: string, datacenter: Ref | undefined) => {
    const at = files.locate(name, files.datacenterFor(name, datacenter, ['name', 'datacenter']));
    return { at, facts: factsOfFound(diskAt(m.store, at, (ds) => objectFilesOn(m, ds))) };
  };

  return {
    /** CreateVirtualDisk_Task: a new disk, its descriptor and extent; the task's result is its path. */
    create(name: string, datacenter: Ref | undefined, spec: VirtualDiskSpec): Task<string> {
      const facts = factsOf(spec);
      return diskTask('CreateVirtualDisk_Task', name, datacenter, (tx, located, objects) => {
        const at = asDiskName(located);
        clearForDisk(tx, at, objects, false);
        putDisk(tx, at, { ...facts, uuid: m.random.uuid() });
        return label(at);
      });
    },

    /** DeleteVirtualDisk_Task: the descriptor and its extent go, and the space they took. */
    delete(name: string, datacenter?: Ref): Task<void> {
      return diskTask('DeleteVirtualDisk_Task', name, datacenter, (tx, at, objects) => {
        const found = ownDiskAt(tx, at, objects);
        files.removeRecords(tx, at.ds.id, diskRecords(found));
      });
    },

    /**
     * CopyVirtualDisk_Task: a new disk of the source's capacity, with a UUID of its own, of the
     * `destSpec`'s type and adapter, else made as the API reference says a copy without a spec is
     * (preallocated, busLogic). The source may be a disk the objects use. A destination that is
     * there is FileAlreadyExists, `force` or not (the reference: force is ignored).
     */
    copy(
      sourceName: string,
      sourceDatacenter: Ref | undefined,
      destName: string,
      destDatacenter?: Ref,
      destSpec?: VirtualDiskSpec,
      _force?: boolean,
    ): Task<string> {
      return transfer(
        false,
        sourceName,
        sourceDatacenter,
        destName,
        destDatacenter,
        (tx, from, to, objects) => {
          // A spec's capacity, sector format, policy and keys are not kept: a copy has the source's capacity.
          const made = destSpec ? kindOf(destSpec, 'destSpec') : COPY_WITHOUT_SPEC;
          const { capacityKb } = factsOfFound(diskAt(tx, from, objects));
          clearForDisk(tx, to, objects, false);
          putDisk(tx, to, { capacityKb, ...made, uuid: m.random.uuid() });
        },
      );
    },

    /**
     * MoveVirtualDisk_Task: the disk, its UUID and its files' times, to another path or
     * datastore; `force` replaces what is at the destination. A disk in use cannot move.
     */
    move(
      sourceName: string,
      sourceDatacenter: Ref | undefined,
      destName: string,
      destDatacenter?: Ref,
      force = false,
    ): Task<string> {
      return transfer(
        true,
        sourceName,
        sourceDatacenter,
        destName,
        destDatacenter,
        (tx, from, to, objects) => {
          const found = ownDiskAt(tx, from, objects);
          clearForDisk(tx, to, objects, force === true);
          if (from.ds.id !== to.ds.id) checkRoomFor(tx, to, found.descriptor.disk);
          files.removeRecords(tx, from.ds.id, diskRecords(found));
          files.relocateRecord(tx, found.descriptor, to);
          if (found.extent) files.relocateRecord(tx, found.extent, extentAt(to));
        },
      );
    },

    /** ExtendVirtualDisk_Task: a larger capacity only (InvalidArgument otherwise), taking the more space. */
    extend(name: string, datacenter: Ref | undefined, newCapacityKb: number): Task<void> {
      return diskTask('ExtendVirtualDisk_Task', name, datacenter, (tx, at, objects) => {
        const found = ownDiskAt(tx, at, objects);
        const { disk } = found.descriptor;
        if (!isDiskCapacity(newCapacityKb, 1, disk.capacityKb)) throw faults.invalidArgument('newCapacityKb');
        files.removeRecords(tx, at.ds.id, diskRecords(found));
        putDisk(tx, at, { ...disk, capacityKb: newCapacityKb });
      });
    },

    /** InflateVirtualDisk_Task: a thin disk becomes eagerZeroedThick; a thick one stays as it is. */
    inflate(name: string, datacenter?: Ref): Task<void> {
      return diskTask('InflateVirtualDisk_Task', name, datacenter, (tx, at, objects) =>
        retype(tx, at, objects, { thin: 'eagerZeroedThick' }),
      );
    },

    /** EagerZeroVirtualDisk_Task: a lazily zeroed thick disk becomes eagerZeroedThick; others stay. */
    eagerZero(name: string, datacenter?: Ref): Task<void> {
      return diskTask('EagerZeroVirtualDisk_Task', name, datacenter, (tx, at, objects) =>
        retype(tx, at, objects, { preallocated: 'eagerZeroedThick', thick: 'eagerZeroedThick' }),
      );
    },

    /** ZeroFillVirtualDisk_Task: the simulator keeps no blocks, so the disk stays as it is. */
    zeroFill(name: string, datacenter?: Ref): Task<void> {
      return blocksTask('ZeroFillVirtualDisk_Task', name, datacenter);
    },

    /** QueryVirtualDiskUuid: the disk's UUID as its descriptor writes it (ddb.uuid); any disk's. */
    queryUuid(name: string, datacenter?: Ref): string {
      const { at, facts } = readDisk(name, datacenter);
      if (!facts.uuid) throw faults.fileNotFound(label(at));
      return ddbUuid(facts.uuid);
    },

    /** QueryVirtualDiskGeometry: the disk's cylinders, heads and sectors, as its descriptor writes them; any disk's. */
    queryGeometry(name: string, datacenter?: Ref) {
      return diskGeometry(readDisk(name, datacenter).facts);
    },

    /** QueryVirtualDiskFragmentation: a percentage; the simulator's disks keep no blocks, so are never fragmented. */
    queryFragmentation(name: string, datacenter?: Ref): number {
      readDisk(name, datacenter);
      return 0;
    },

    /**
     * DefragmentVirtualDisk_Task: nothing to do, the simulator keeping no blocks. Any standalone
     * disk: VDDK's defragment succeeds on a flat disk too, doing nothing.
     */
    defragment(name: string, datacenter?: Ref): Task<void> {
      return blocksTask('DefragmentVirtualDisk_Task', name, datacenter);
    },

    /**
     * ShrinkVirtualDisk_Task: a sparse (thin) disk only, as the reference says (NotSupported for a
     * flat one); it changes nothing, the simulator's thin disks holding no blocks, so its `copy`
     * mode (in place or not) is not asked for.
     */
    shrink(name: string, datacenter?: Ref): Task<void> {
      return diskTask('ShrinkVirtualDisk_Task', name, datacenter, (tx, at, objects) => {
        const { disk } = ownDiskAt(tx, at, objects).descriptor;
        if (disk.diskType !== 'thin')
          throw faults.notSupported(`${label(at)} is a ${disk.diskType} disk: only a sparse disk shrinks.`);
      });
    },

    /** SetVirtualDiskUuid: a UUID in either form; InvalidArgument for anything else. */
    setUuid(name: string, datacenter: Ref | undefined, uuid: string): void {
      const dc = files.datacenterFor(name, datacenter, ['name', 'datacenter']);
      const canonical = canonicalUuid(uuid);
      if (!canonical) throw faults.invalidArgument('uuid');
      m.call({ method: 'SetVirtualDiskUuid', target: 'virtualDiskManager' }, (tx) => {
        const found = ownDiskAt(tx, files.locate(name, dc), (ds) => objectFilesOn(m, ds));
        tx.put({ ...found.descriptor, disk: { ...found.descriptor.disk, uuid: canonical } });
      });
    },
  };
};

export type VirtualDiskManagerOperations = ReturnType<typeof virtualDiskManagerOperations>;
