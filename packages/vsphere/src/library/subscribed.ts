/**
 * Publishing and subscribing (content.LocalLibrary publish, content.SubscribedLibrary).
 * A subscribed library names a published local library of this vCenter as its source;
 * a sync makes its items the source's: new ones are copied (metadata, descriptor and file
 * list; an on-demand library marks them not cached), changed ones follow, and those gone
 * from the source go. Copies remember their source item (`sourceId`).
 */
import { faults } from '../faults.js';
import type { LibraryItemRecord, LibraryRecord } from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';
import { libraryItemOf, libraryOf, nextVersion } from './lookup.js';

export interface SubscribedLibraryCreateSpec {
  name: string;
  description?: string;
  datastore: Ref;
  /** The published local library the subscription URL names. */
  source: string;
  subscriptionUrl: string;
  onDemand?: boolean;
  automaticSyncEnabled?: boolean;
}

export interface SubscribedLibraryUpdateSpec {
  name?: string;
  description?: string;
  onDemand?: boolean;
  automaticSyncEnabled?: boolean;
}

const idOf = (ref: Ref) => (typeof ref === 'string' ? ref : ref.value);

export const subscriptionOperations = (m: Model) => {
  const libraries = () => m.store.ofKind<LibraryRecord>('ContentLibrary');
  const itemsOf = (tx: Tx, libraryId: string): LibraryItemRecord[] =>
    [...m.store.referrers('libraryItem', libraryId)].map((id) => tx.get(id) as LibraryItemRecord);

  const event = (what: string, r: LibraryRecord) =>
    m.postEvent({
      _type: 'EventEx',
      eventTypeId: `com.vmware.cl.${what}LibraryEvent`,
      severity: 'info',
      objectId: r.id,
      objectType: 'com.vmware.content.Library',
      objectName: r.name,
      fullFormattedMessage: `${what === 'Sync' ? 'Synced' : `${what}d`} library ${r.name}`,
    });

  const subscribedOf = (tx: Tx, id: string) => {
    const library = libraryOf(tx, id);
    if (library.type !== 'SUBSCRIBED' || !library.subscription)
      throw faults.notFound(`Cannot find the subscribed library with ID ${id}.`);
    return library;
  };

  const publishedSource = (tx: Tx, id: string, field: string) => {
    const source = tx.get(id);
    if (source?.kind !== 'ContentLibrary' || source.type !== 'LOCAL' || source.published !== true)
      throw faults.invalidArgument(field);
    return source;
  };

  /** Makes the subscribed library's items its source's; true when anything changed. */
  const syncIn = (tx: Tx, library: LibraryRecord): LibraryRecord => {
    const subscription = library.subscription;
    if (!subscription) return library;
    const source = publishedSource(tx, subscription.source, 'subscription_info.subscription_url');
    const now = m.clock.now();
    const cached = !subscription.onDemand;
    const copies = new Map(itemsOf(tx, library.id).map((i) => [i.sourceId ?? '', i]));
    const wanted = new Set<string>();
    for (const item of itemsOf(tx, source.id)) {
      wanted.add(item.id);
      const copy = copies.get(item.id);
      const files = item.files.map((f) => ({ ...f, cached: cached && f.cached }));
      if (
        copy &&
        copy.contentVersion === item.contentVersion &&
        copy.metadataVersion === item.metadataVersion
      ) {
        tx.put(Object.assign({}, copy, { lastSyncTime: now }));
        continue;
      }
      // A template item's copy holds no template VM: the publisher's stays its own.
      const { id: _, library: __, sourceId: ___, lastSyncTime: ____, template: _____, ...content } = item;
      tx.put({
        ...content,
        id: copy?.id ?? m.random.uuid(),
        library: library.id,
        files,
        cached: cached && item.cached,
        sourceId: item.id,
        version: copy ? nextVersion(copy.version) : '1',
        creationTime: copy?.creationTime ?? now,
        lastModifiedTime: now,
        lastSyncTime: now,
      });
    }
    for (const [sourceId, copy] of copies) if (!wanted.has(sourceId)) tx.remove(copy.id);
    return tx.put(Object.assign({}, library, { lastSyncTime: now })) as LibraryRecord;
  };

  return {
    /** content.SubscribedLibrary.create: subscribes to a published library and syncs at once. */
    createSubscribed(spec: SubscribedLibraryCreateSpec): string {
      const record = m.call({ method: 'content.SubscribedLibrary.create' }, (tx) => {
        if (spec.name.trim() === '') throw faults.invalidArgument('create_spec.name');
        const datastore = tx.get(idOf(spec.datastore));
        if (datastore?.kind !== 'Datastore') throw faults.invalidArgument('create_spec.storage_backings');
        publishedSource(tx, spec.source, 'create_spec.subscription_info.subscription_url');
        for (const lib of libraries()) if (lib.name === spec.name) throw faults.alreadyExists(spec.name);
        const now = m.clock.now();
        const serverGuid = libraries().next().value?.serverGuid ?? m.random.uuid();
        const library = tx.put({
          id: m.random.uuid(),
          kind: 'ContentLibrary',
          name: spec.name,
          description: spec.description ?? '',
          type: 'SUBSCRIBED',
          datastore: datastore.id,
          serverGuid,
          creationTime: now,
          lastModifiedTime: now,
          version: '1',
          subscription: {
            source: spec.source,
            url: spec.subscriptionUrl,
            onDemand: spec.onDemand ?? true,
            automaticSyncEnabled: spec.automaticSyncEnabled ?? true,
          },
        }) as LibraryRecord;
        return syncIn(tx, library);
      });
      event('Create', record);
      return record.id;
    },

    /** content.SubscribedLibrary.sync: the items become the source's. */
    sync(id: string): void {
      const record = m.call({ method: 'content.SubscribedLibrary.sync', target: id }, (tx) =>
        syncIn(tx, subscribedOf(tx, id)),
      );
      event('Sync', record);
    },

    /**
     * content.library.SubscribedItem.sync: an item of a subscribed library held, its files with it
     * (an on-demand library holds none until then); `force` syncs one held already. InvalidArgument
     * for an item of a library that subscribes to nothing.
     */
    syncItem(id: string, force = false): void {
      m.call({ method: 'content.library.SubscribedItem.sync', target: id }, (tx) => {
        const item = libraryItemOf(tx, id);
        if (!libraryOf(tx, item.library).subscription)
          throw faults.invalidArgument('subscribed_library_item_id');
        if (item.cached && !force) return;
        const files = item.files.map((f) => ({ ...f, cached: true }));
        tx.put({ ...item, cached: true, files, lastSyncTime: m.clock.now() });
      });
    },

    /** content.SubscribedLibrary.update */
    updateSubscribed(id: string, spec: SubscribedLibraryUpdateSpec): void {
      const record = m.call({ method: 'content.SubscribedLibrary.update', target: id }, (tx) => {
        const library = subscribedOf(tx, id);
        const subscription = library.subscription;
        if (!subscription) return library;
        if (spec.name !== undefined && spec.name.trim() === '')
          throw faults.invalidArgument('update_spec.name');
        if (spec.name !== undefined)
          for (const lib of libraries())
            if (lib.name === spec.name && lib.id !== id) throw faults.alreadyExists(spec.name);
        return tx.put({
          ...library,
          name: spec.name ?? library.name,
          description: spec.description ?? library.description,
          subscription: {
            ...subscription,
            onDemand: spec.onDemand ?? subscription.onDemand,
            automaticSyncEnabled: spec.automaticSyncEnabled ?? subscription.automaticSyncEnabled,
          },
          version: nextVersion(library.version),
          lastModifiedTime: m.clock.now(),
        }) as LibraryRecord;
      });
      event('Update', record);
    },

    /** Turns a local library's publication on or off. */
    setPublished(id: string, published: boolean): void {
      const record = m.call({ method: 'content.LocalLibrary.update', target: id }, (tx) => {
        const library = libraryOf(tx, id);
        if (library.type !== 'LOCAL') throw faults.invalidArgument('update_spec.publish_info');
        if ((library.published ?? false) === published) return undefined;
        return tx.put({
          ...library,
          published,
          version: nextVersion(library.version),
          lastModifiedTime: m.clock.now(),
        }) as LibraryRecord;
      });
      if (record) event('Update', record);
    },

    /** content.LocalLibrary.publish: pushes to subscribers; here they pull, so it checks only. */
    publish(id: string): void {
      m.call({ method: 'content.LocalLibrary.publish', target: id }, (tx) => {
        const library = libraryOf(tx, id);
        if (library.type !== 'LOCAL' || library.published !== true)
          throw faults.invalidState(`The library ${library.name} is not published.`);
      });
    },

    /** The subscribed libraries whose source is `id`. */
    subscribersOf(id: string): string[] {
      return [...libraries()].filter((l) => l.subscription?.source === id).map((l) => l.id);
    },
  };
};

export type SubscriptionOperations = ReturnType<typeof subscriptionOperations>;
