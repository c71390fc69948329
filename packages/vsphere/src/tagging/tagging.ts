/**
 * vSphere tagging (the `tagging` namespace): the vAPI services cis.tagging.category,
 * cis.tagging.tag and cis.tagging.tag_association (./associations.ts). Categories, tags
 * and attachments are records in the model's store, so they save, load and reach the
 * change feed like managed objects; each operation passes the interception point under
 * its vAPI service and operation name (`cis.tagging.category.create`). Specs and models
 * keep the vAPI field names the REST facade sends and returns. SOAP's ManagedEntity.tag
 * stays empty, as on vCenter, which lists only its own system tags there; SOAP clients
 * see tagging in the attach and detach events.
 */
import { faults } from '../faults.js';
import type { TagCategoryRecord, TagRecord } from '../inventory/records.js';
import type { Model, Tx } from '../model.js';
import { associationOperations } from './associations.js';
import {
  CATEGORY_ID,
  type Cardinality,
  type CategoryModel,
  categoryModel,
  categoryOf,
  newCategoryId,
  newTagId,
  TAG_ID,
  type TagModel,
  tagModel,
  tagOf,
  tagsOf,
} from './lookup.js';

export interface CategoryCreateSpec {
  name: string;
  description?: string;
  cardinality: Cardinality;
  /** The object types its tags may go on (`VirtualMachine`, `HostSystem`, ...); empty admits all. */
  associable_types?: readonly string[];
  /** An id of the caller's choosing (vAPI allows one): a category URN nobody uses yet. */
  category_id?: string;
}

export interface CategoryUpdateSpec {
  name?: string;
  description?: string;
  /** Only SINGLE -> MULTIPLE: a category cannot get stricter. */
  cardinality?: Cardinality;
  /** Only a superset of the current types: types are added, never taken away. */
  associable_types?: readonly string[];
}

export interface TagCreateSpec {
  name: string;
  description?: string;
  category_id: string;
  /** An id of the caller's choosing: a tag URN nobody uses yet. */
  tag_id?: string;
}

export interface TagUpdateSpec {
  name?: string;
  description?: string;
}

const CARDINALITIES: readonly unknown[] = ['SINGLE', 'MULTIPLE'];

const blank = (s: unknown) => typeof s !== 'string' || s.trim() === '';

/** A description when given must be text; absent means empty. */
const descriptionOf = (value: unknown, field: string): string => {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw faults.invalidArgument(field);
  return value;
};

/** The associable types as a set of type names; anything but a list of names is InvalidArgument. */
const typesOf = (value: unknown, field: string): string[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t !== ''))
    throw faults.invalidArgument(field);
  return [...new Set<string>(value)];
};

/** A caller-chosen id must have the service's URN shape and be free. */
const chosenId = (tx: Tx, id: unknown, shape: RegExp, field: string): string | undefined => {
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || !shape.test(id)) throw faults.invalidArgument(field);
  if (tx.get(id)) throw faults.alreadyExists(id);
  return id;
};

const categoryOperations = (m: Model) => {
  const call = <T>(operation: string, target: string | undefined, work: (tx: Tx) => T): T =>
    m.call(
      { method: `cis.tagging.category.${operation}`, ...(target === undefined ? {} : { target }) },
      work,
    );

  const taken = (name: string, except?: string) => {
    for (const c of m.store.ofKind<TagCategoryRecord>('TagCategory'))
      if (c.name === name && c.id !== except) return true;
    return false;
  };

  /** The category an update spec leaves; vCenter lets a category only get looser. */
  const updated = (current: TagCategoryRecord, spec: CategoryUpdateSpec): TagCategoryRecord => {
    const next: { -readonly [K in keyof TagCategoryRecord]: TagCategoryRecord[K] } = { ...current };
    if (spec.name !== undefined) {
      if (blank(spec.name)) throw faults.invalidArgument('update_spec.name');
      if (taken(spec.name, current.id)) throw faults.alreadyExists(spec.name);
      next.name = spec.name;
    }
    if (spec.description !== undefined)
      next.description = descriptionOf(spec.description, 'update_spec.description');
    if (spec.cardinality !== undefined) {
      const stricter = current.cardinality === 'MULTIPLE' && spec.cardinality === 'SINGLE';
      if (!CARDINALITIES.includes(spec.cardinality) || stricter)
        throw faults.invalidArgument('update_spec.cardinality');
      next.cardinality = spec.cardinality;
    }
    if (spec.associable_types !== undefined) {
      const types = typesOf(spec.associable_types, 'update_spec.associable_types');
      if (!current.associableTypes.every((t) => types.includes(t)))
        throw faults.invalidArgument('update_spec.associable_types');
      next.associableTypes = [
        ...current.associableTypes,
        ...types.filter((t) => !current.associableTypes.includes(t)),
      ];
    }
    return next;
  };

  return {
    /** cis.tagging.category.create: names are unique among categories. Returns the new id. */
    create(spec: CategoryCreateSpec): string {
      return call('create', undefined, (tx) => {
        if (blank(spec.name)) throw faults.invalidArgument('create_spec.name');
        if (!CARDINALITIES.includes(spec.cardinality))
          throw faults.invalidArgument('create_spec.cardinality');
        const description = descriptionOf(spec.description, 'create_spec.description');
        const associableTypes = typesOf(spec.associable_types, 'create_spec.associable_types');
        const id = chosenId(tx, spec.category_id, CATEGORY_ID, 'create_spec.category_id');
        if (taken(spec.name)) throw faults.alreadyExists(spec.name);
        const record: TagCategoryRecord = {
          id: id ?? newCategoryId(m),
          kind: 'TagCategory',
          name: spec.name,
          description,
          cardinality: spec.cardinality,
          associableTypes,
        };
        return tx.put(record).id;
      });
    },

    /** cis.tagging.category.get */
    get(id: string): CategoryModel {
      return call('get', id, (tx) => categoryModel(categoryOf(tx, id)));
    },

    /** cis.tagging.category.list: every category's id, oldest first. */
    list(): string[] {
      return call('list', undefined, () => [...m.store.idsOf('TagCategory')]);
    },

    /** cis.tagging.category.update: the fields the spec sets; nothing changes on a fault. */
    update(id: string, spec: CategoryUpdateSpec): void {
      call('update', id, (tx) => {
        const current = categoryOf(tx, id);
        const next = updated(current, spec);
        const same =
          next.name === current.name &&
          next.description === current.description &&
          next.cardinality === current.cardinality &&
          next.associableTypes.length === current.associableTypes.length;
        if (!same) tx.put(next);
      });
    },

    /** cis.tagging.category.delete: its tags go with it, and their attachments (see dropAttachments). */
    delete(id: string): void {
      call('delete', id, (tx) => {
        categoryOf(tx, id);
        for (const tag of tagsOf(m, tx, id)) tx.remove(tag.id);
        tx.remove(id);
      });
    },
  };
};

const tagOperations = (m: Model) => {
  const call = <T>(operation: string, target: string | undefined, work: (tx: Tx) => T): T =>
    m.call({ method: `cis.tagging.tag.${operation}`, ...(target === undefined ? {} : { target }) }, work);

  const taken = (tx: Tx, category: string, name: string, except?: string) =>
    tagsOf(m, tx, category).some((t) => t.name === name && t.id !== except);

  return {
    /** cis.tagging.tag.create: names are unique within the category. Returns the new id. */
    create(spec: TagCreateSpec): string {
      return call('create', spec.category_id, (tx) => {
        if (blank(spec.name)) throw faults.invalidArgument('create_spec.name');
        const description = descriptionOf(spec.description, 'create_spec.description');
        const category = categoryOf(tx, spec.category_id);
        const id = chosenId(tx, spec.tag_id, TAG_ID, 'create_spec.tag_id');
        if (taken(tx, category.id, spec.name)) throw faults.alreadyExists(spec.name);
        const record: TagRecord = {
          id: id ?? newTagId(m),
          kind: 'Tag',
          name: spec.name,
          category: category.id,
          description,
        };
        return tx.put(record).id;
      });
    },

    /** cis.tagging.tag.get */
    get(id: string): TagModel {
      return call('get', id, (tx) => tagModel(tagOf(tx, id)));
    },

    /** cis.tagging.tag.list: every tag's id, oldest first. */
    list(): string[] {
      return call('list', undefined, () => [...m.store.idsOf('Tag')]);
    },

    /** cis.tagging.tag.list_tags_for_category */
    listTagsForCategory(categoryId: string): string[] {
      return call('list_tags_for_category', categoryId, (tx) => {
        categoryOf(tx, categoryId);
        return tagsOf(m, tx, categoryId).map((t) => t.id);
      });
    },

    /** cis.tagging.tag.update: renames or redescribes; names stay unique within the category. */
    update(id: string, spec: TagUpdateSpec): void {
      call('update', id, (tx) => {
        const current = tagOf(tx, id);
        let { name, description } = current;
        if (spec.name !== undefined) {
          if (blank(spec.name)) throw faults.invalidArgument('update_spec.name');
          if (taken(tx, current.category, spec.name, id)) throw faults.alreadyExists(spec.name);
          name = spec.name;
        }
        if (spec.description !== undefined)
          description = descriptionOf(spec.description, 'update_spec.description');
        if (name !== current.name || description !== current.description)
          tx.put(Object.assign({}, current, { name, description }));
      });
    },

    /** cis.tagging.tag.delete: its attachments go with it (see dropAttachments). */
    delete(id: string): void {
      call('delete', id, (tx) => {
        tagOf(tx, id);
        tx.remove(id);
      });
    },
  };
};

/** Tagging's operations; its removal hook (dropAttachments) is the model's from the start. */
export const taggingOperations = (m: Model) => ({
  category: categoryOperations(m),
  tag: tagOperations(m),
  association: associationOperations(m),
});

export type TaggingOperations = ReturnType<typeof taggingOperations>;
export type CategoryOperations = TaggingOperations['category'];
export type TagOperations = TaggingOperations['tag'];
