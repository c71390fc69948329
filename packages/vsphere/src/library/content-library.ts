/**
 * Local content libraries and their items (the `library` namespace). Libraries and items
 * are vAPI objects kept in the model's store as records, so they save, load and reach the
 * change feed like managed objects; their ids are UUIDs. Each operation passes the
 * interception point under its vAPI operation name. Deploying an item is in ./deploy.ts,
 * VM template items in ./vm-template.ts.
 */
import { faults } from '../faults.js';
import type { LibraryItemRecord, LibraryRecord, NetworkRecord, VmRecord } from '../inventory/records.js';
import type { Model, Ref, Task, TaskOptions, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { deployOperations } from './deploy.js';
import { libraryItemOf, libraryOf, nextVersion } from './lookup.js';
import { descriptorOfVm, type OvfDescriptor, ovfFiles } from './ovf.js';
import { subscriptionOperations } from './subscribed.js';
import { transferOperations } from './transfer.js';
import { dropTemplateVm, vmTemplateOperations } from './vm-template.js';

export type LibraryItemType = LibraryItemRecord['type'];

export interface LibraryCreateSpec {
  name: string;
  description?: string;
  /** The storage backing: the datastore that will hold the library's files. */
  datastore: Ref;
  type: 'LOCAL';
  /** Publish the library so that other libraries can subscribe to it. */
  published?: boolean;
}

export interface LibraryUpdateSpec {
  name?: string;
  description?: string;
}

export interface LibraryItemCreateSpec {
  name: string;
  description?: string;
  type: LibraryItemType;
  /** An OVF item's descriptor; its files are generated from it. */
  ovf?: OvfDescriptor;
}

export interface LibraryItemUpdateSpec {
  name?: string;
  description?: string;
}

export interface LibraryItemFilter {
  name?: string;
  libraryId?: string;
  type?: LibraryItemType;
}

/** Where a VM captured as an OVF template goes. */
export interface OvfCaptureSpec {
  libraryId: string;
  name: string;
  description?: string;
  /** vCenter's capture flags; `EXTRA_CONFIG` puts the VM's extraConfig in the descriptor. */
  flags?: readonly string[];
}

/** The task a capture spawns, as vCenter describes it. */
export const CAPTURE_DESCRIPTION_ID = 'com.vmware.ovfs.LibraryItem.capture';
const CAPTURED_ITEM_PREFIX = 'clibitem-';

/** The item id of a capture task's result; undefined for a result of another kind. */
export const capturedItemId = (result: unknown): string | undefined => {
  const ref = result as Partial<MoRef> | undefined;
  return ref?.type === 'ContentLibraryItem' && ref.value?.startsWith(CAPTURED_ITEM_PREFIX)
    ? ref.value.slice(CAPTURED_ITEM_PREFIX.length)
    : undefined;
};

const idOf = (ref: Ref) => (typeof ref === 'string' ? ref : ref.value);

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

/**
 * The name and description an update spec leaves a library or item with; undefined when
 * nothing changes. A blank name is InvalidArgument, one `taken` is AlreadyExists.
 */
const updatedText = (
  current: { readonly name: string; readonly description: string },
  spec: LibraryUpdateSpec | LibraryItemUpdateSpec,
  taken: (name: string) => boolean,
): { name: string; description: string } | undefined => {
  if (spec.name !== undefined && blank(spec.name)) throw faults.invalidArgument('update_spec.name');
  if (spec.name !== undefined && taken(spec.name)) throw faults.alreadyExists(spec.name);
  const name = spec.name ?? current.name;
  const description = spec.description ?? current.description;
  return name === current.name && description === current.description ? undefined : { name, description };
};

export const contentLibraryOperations = (m: Model) => {
  /** Content library events are EventEx with the library service's event type ids. */
  const post = (eventTypeId: string, message: string, objectType: string, id: string, name: string) =>
    m.postEvent({
      _type: 'EventEx',
      eventTypeId,
      severity: 'info',
      objectId: id,
      objectType,
      objectName: name,
      fullFormattedMessage: message,
    });
  const postLibrary = (what: string, r: LibraryRecord) =>
    post(
      `com.vmware.cl.${what}LibraryEvent`,
      `${what}d library ${r.name}`,
      'com.vmware.content.Library',
      r.id,
      r.name,
    );
  const postItem = (what: string, r: LibraryItemRecord) =>
    post(
      `com.vmware.cl.${what}LibraryItemEvent`,
      `${what}d library item ${r.name} in library ${m.store.get(r.library)?.name ?? r.library}`,
      'com.vmware.content.library.Item',
      r.id,
      r.name,
    );

  const libraries = () => m.store.ofKind<LibraryRecord>('ContentLibrary');

  const itemsOf = (libraryId: string): LibraryItemRecord[] =>
    [...m.store.referrers('libraryItem', libraryId)].map((id) => m.store.get(id) as LibraryItemRecord);

  const takenLibraryName = (name: string, except?: string) => {
    for (const lib of libraries()) if (lib.name === name && lib.id !== except) return true;
    return false;
  };

  const takenItemName = (libraryId: string, name: string, except?: string) =>
    itemsOf(libraryId).some((i) => i.name === name && i.id !== except);

  /**
   * Writes a new item of `library`; the callers have checked the spec. A template item's
   * `backing` is its template VM and the bytes it takes.
   */
  const putItem = (
    tx: Tx,
    library: LibraryRecord,
    spec: LibraryItemCreateSpec,
    backing?: { template: string; size: number },
  ): LibraryItemRecord => {
    if (takenItemName(library.id, spec.name)) throw faults.alreadyExists(spec.name);
    const files = spec.ovf ? ovfFiles(spec.ovf, spec.name) : [];
    const now = m.clock.now();
    return tx.put({
      id: m.random.uuid(),
      kind: 'LibraryItem',
      name: spec.name,
      library: library.id,
      description: spec.description ?? '',
      type: spec.type,
      ...(spec.ovf ? { ovf: spec.ovf } : {}),
      ...(backing ? { template: backing.template } : {}),
      files,
      size: backing?.size ?? files.reduce((sum, f) => sum + f.size, 0),
      cached: true,
      contentVersion: '1',
      metadataVersion: '1',
      version: '1',
      creationTime: now,
      lastModifiedTime: now,
    }) as LibraryItemRecord;
  };

  return {
    /** content.LocalLibrary.create: a library backed by a datastore; names are unique. */
    create(spec: LibraryCreateSpec): string {
      const record = m.call({ method: 'content.LocalLibrary.create' }, (tx) => {
        if (blank(spec.name)) throw faults.invalidArgument('create_spec.name');
        if (spec.type !== 'LOCAL') throw faults.invalidArgument('create_spec.type');
        const datastore = tx.get(idOf(spec.datastore));
        if (datastore?.kind !== 'Datastore') throw faults.invalidArgument('create_spec.storage_backings');
        if (takenLibraryName(spec.name)) throw faults.alreadyExists(spec.name);
        const now = m.clock.now();
        // One vCenter, one server guid: every library carries the first one's.
        const serverGuid = libraries().next().value?.serverGuid ?? m.random.uuid();
        return tx.put({
          id: m.random.uuid(),
          kind: 'ContentLibrary',
          name: spec.name,
          description: spec.description ?? '',
          type: 'LOCAL',
          datastore: datastore.id,
          serverGuid,
          creationTime: now,
          lastModifiedTime: now,
          version: '1',
          ...(spec.published ? { published: true } : {}),
        }) as LibraryRecord;
      });
      postLibrary('Create', record);
      return record.id;
    },

    /** content.Library.get */
    get(id: string): LibraryRecord {
      return m.call({ method: 'content.Library.get', target: id }, (tx) => libraryOf(tx, id));
    },

    /** content.Library.list: the ids of every library. */
    list(): string[] {
      return m.call({ method: 'content.Library.list' }, () => [...libraries()].map((l) => l.id));
    },

    /** content.Library.find: the ids of the libraries with that name. */
    find(filter: { name?: string }): string[] {
      return m.call({ method: 'content.Library.find' }, () =>
        [...libraries()].filter((l) => filter.name === undefined || l.name === filter.name).map((l) => l.id),
      );
    },

    /** content.LocalLibrary.update: renames or redescribes; the version counts up. */
    update(id: string, spec: LibraryUpdateSpec): void {
      const record = m.call({ method: 'content.LocalLibrary.update', target: id }, (tx) => {
        const library = libraryOf(tx, id);
        const text = updatedText(library, spec, (name) => takenLibraryName(name, id));
        if (!text) return undefined;
        return tx.put({
          ...library,
          ...text,
          version: nextVersion(library.version),
          lastModifiedTime: m.clock.now(),
        }) as LibraryRecord;
      });
      if (record) postLibrary('Update', record);
    },

    /** content.LocalLibrary.delete: the library goes with all its items. */
    delete(id: string): void {
      const record = m.call({ method: 'content.LocalLibrary.delete', target: id }, (tx) => {
        const library = libraryOf(tx, id);
        for (const item of itemsOf(id)) {
          dropTemplateVm(tx, item);
          tx.remove(item.id);
        }
        tx.remove(id);
        return library;
      });
      postLibrary('Delete', record);
    },

    /** content.library.Item.create: names are unique within a library. */
    createItem(libraryId: string, spec: LibraryItemCreateSpec): string {
      const record = m.call({ method: 'content.library.Item.create', target: libraryId }, (tx) => {
        const library = libraryOf(tx, libraryId);
        if (library.type !== 'LOCAL')
          throw faults.invalidState('Items cannot be added to a subscribed library.');
        if (blank(spec.name)) throw faults.invalidArgument('create_spec.name');
        // vCenter treats an item of a type it does not know generically: as files.
        if (blank(spec.type) || (spec.ovf && spec.type !== 'ovf'))
          throw faults.invalidArgument('create_spec.type');
        return putItem(tx, library, spec);
      });
      postItem('Create', record);
      return record.id;
    },

    /** content.library.Item.get */
    getItem(id: string): LibraryItemRecord {
      return m.call({ method: 'content.library.Item.get', target: id }, (tx) => libraryItemOf(tx, id));
    },

    /** content.library.Item.list: the ids of a library's items. */
    listItems(libraryId: string): string[] {
      return m.call({ method: 'content.library.Item.list', target: libraryId }, (tx) => {
        libraryOf(tx, libraryId);
        return itemsOf(libraryId).map((i) => i.id);
      });
    },

    /** content.library.Item.find: the ids of the items matching every given criterion. */
    findItems(filter: LibraryItemFilter): string[] {
      return m.call({ method: 'content.library.Item.find' }, () => {
        const items =
          filter.libraryId === undefined
            ? [...m.store.ofKind<LibraryItemRecord>('LibraryItem')]
            : itemsOf(filter.libraryId);
        // FindSpec's name is case-insensitive; its type is not.
        const name = filter.name?.toLowerCase();
        return items
          .filter(
            (i) =>
              (name === undefined || i.name.toLowerCase() === name) && (filter.type ?? i.type) === i.type,
          )
          .map((i) => i.id);
      });
    },

    /** content.library.Item.update: renames or redescribes; the versions count up. */
    updateItem(id: string, spec: LibraryItemUpdateSpec): void {
      const record = m.call({ method: 'content.library.Item.update', target: id }, (tx) => {
        const item = libraryItemOf(tx, id);
        const text = updatedText(item, spec, (name) => takenItemName(item.library, name, id));
        if (!text) return undefined;
        return tx.put({
          ...item,
          ...text,
          version: nextVersion(item.version),
          metadataVersion: nextVersion(item.metadataVersion),
          lastModifiedTime: m.clock.now(),
        }) as LibraryItemRecord;
      });
      if (record) postItem('Update', record);
    },

    /** content.library.Item.delete: a template item's template VM goes with it. */
    deleteItem(id: string): void {
      const record = m.call({ method: 'content.library.Item.delete', target: id }, (tx) => {
        const item = libraryItemOf(tx, id);
        dropTemplateVm(tx, item);
        tx.remove(id);
        return item;
      });
      postItem('Delete', record);
    },

    /**
     * vcenter.ovf.LibraryItem.create: captures a VM (any power state) as a new OVF item, as the
     * task vCenter spawns for it (`com.vmware.ovfs.LibraryItem.capture`), whose result is the
     * item as a `ContentLibraryItem` reference (`clibitem-<id>`, see `capturedItemId`). `blocking`:
     * the caller waits, as vAPI's create call does (see `Model.task`).
     */
    captureOvf(vm: Ref, spec: OvfCaptureSpec, options: TaskOptions = {}): Task<MoRef> {
      const source = m.lookup<VmRecord>(vm, 'VirtualMachine');
      let captured: LibraryItemRecord | undefined;
      return m.task(
        {
          method: 'vcenter.ovf.LibraryItem.create',
          target: source.id,
          descriptionId: CAPTURE_DESCRIPTION_ID,
        },
        (tx) => {
          const library = libraryOf(tx, spec.libraryId);
          if (blank(spec.name)) throw faults.invalidArgument('create_spec.name');
          const current = tx.get(source.id) as VmRecord | undefined;
          if (!current) throw faults.managedObjectNotFound({ type: 'VirtualMachine', value: source.id });
          const networkName = (id: string) => (tx.get(id) as NetworkRecord | undefined)?.name ?? id;
          captured = putItem(tx, library, {
            name: spec.name,
            type: 'ovf',
            ovf: descriptorOfVm(current, networkName, spec.flags?.includes('EXTRA_CONFIG') === true),
            ...(spec.description === undefined ? {} : { description: spec.description }),
          });
          return moref('ContentLibraryItem', `${CAPTURED_ITEM_PREFIX}${captured.id}`);
        },
        () => postItem('Create', captured as LibraryItemRecord),
        options,
      );
    },

    ...deployOperations(m),
    ...vmTemplateOperations(m, {
      putItem,
      takenItemName,
      postCreated: (item) => postItem('Create', item),
    }),
    ...transferOperations(m),
    ...subscriptionOperations(m),
  };
};

export type ContentLibraryOperations = ReturnType<typeof contentLibraryOperations>;
