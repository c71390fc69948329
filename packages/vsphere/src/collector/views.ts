/**
 * ViewManager's operations and the views' own: CreateContainerView, CreateListView,
 * ModifyListView, ResetListView and DestroyView. Views are records in the store; what
 * they show is derived on read (see view-contents.ts), so they never go stale.
 */
import { faults } from '../faults.js';
import { ENTITY_TYPES, isContainerKind } from '../inventory/managed-types.js';
import type { ContainerViewRecord, ListViewRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { lookupKind, sessionOwner, sessionScopedId } from './objects.js';

const VIEW_MANAGER = 'ViewManager';

const idOf = (ref: Ref) => (typeof ref === 'string' ? ref : ref.value);

export const viewOperations = (m: Model) => {
  /** Ids of the objects that exist, and the references of those that do not. */
  const resolve = (objs: readonly Ref[]) => {
    const found: string[] = [];
    const missing: MoRef[] = [];
    for (const ref of objs) {
      const record = m.store.get(idOf(ref));
      if (record) found.push(record.id);
      else missing.push(typeof ref === 'string' ? moref('ManagedEntity', ref) : ref);
    }
    return { found, missing };
  };

  const listView = (view: Ref) => lookupKind<ListViewRecord>(m, view, 'ListView');

  return {
    /** CreateContainerView: a view of `types` (all entities when empty) under `container`. */
    createContainerView(container: Ref, types: readonly string[], recursive: boolean): MoRef {
      return m.call({ method: 'CreateContainerView', target: VIEW_MANAGER }, (tx) => {
        const root = m.lookup(container);
        if (!isContainerKind(root.kind)) throw faults.invalidArgument('container');
        if (types.some((t) => !ENTITY_TYPES.includes(t))) throw faults.invalidArgument('type');
        const id = sessionScopedId(m);
        tx.put({
          id,
          kind: 'ContainerView',
          name: 'ContainerView',
          container: root.id,
          type: [...types],
          recursive,
          ...sessionOwner(m),
        } satisfies ContainerViewRecord);
        return moref('ContainerView', id);
      });
    },

    /** CreateListView: every object must exist (ManagedObjectNotFound names the first that does not). */
    createListView(objs: readonly Ref[]): MoRef {
      return m.call({ method: 'CreateListView', target: VIEW_MANAGER }, (tx) => {
        const { found, missing } = resolve(objs);
        if (missing[0]) throw faults.managedObjectNotFound(missing[0]);
        const id = sessionScopedId(m);
        tx.put({
          id,
          kind: 'ListView',
          name: 'ListView',
          objects: [...new Set(found)],
          ...sessionOwner(m),
        } satisfies ListViewRecord);
        return moref('ListView', id);
      });
    },

    /** ModifyListView: adds and removes objects; answers the ones that could not be added. */
    modifyListView(view: Ref, add: readonly Ref[] = [], remove: readonly Ref[] = []): MoRef[] {
      return m.call({ method: 'ModifyListView', target: idOf(view) }, (tx) => {
        const record = listView(view);
        const { found, missing } = resolve(add);
        const gone = new Set(remove.map(idOf));
        const objects = [...new Set([...record.objects, ...found])].filter((id) => !gone.has(id));
        tx.put(Object.assign({}, record, { objects }));
        return missing;
      });
    },

    /** ResetListView: replaces the list; answers the objects that could not be added. */
    resetListView(view: Ref, objs: readonly Ref[]): MoRef[] {
      return m.call({ method: 'ResetListView', target: idOf(view) }, (tx) => {
        const record = listView(view);
        const { found, missing } = resolve(objs);
        tx.put(Object.assign({}, record, { objects: [...new Set(found)] }));
        return missing;
      });
    },

    /** DestroyView, for either kind of view. */
    destroyView(view: Ref): void {
      m.call({ method: 'DestroyView', target: idOf(view) }, (tx) => {
        tx.remove(lookupKind(m, view, 'ContainerView', 'ListView').id);
      });
    },
  };
};

export type ViewOperations = ReturnType<typeof viewOperations>;
