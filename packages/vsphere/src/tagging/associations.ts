/**
 * cis.tagging.tag_association: attaching tags to managed entities and finding what is
 * attached to what. vCenter's rules: the object must exist; its type must be one its tag's
 * category admits; a SINGLE category allows one of its tags per object; attaching twice or
 * detaching what is not attached changes nothing. The batch operations apply what they can
 * and report the rest in a BatchResult, as vCenter does. Every attach and detach posts
 * vCenter's EventEx (`com.vmware.cis.tagging.attach` / `.detach`).
 */
import { faults, isVimFault, VimFault } from '../faults.js';
import type { InventoryRecord, TagCategoryRecord, TagRecord } from '../inventory/records.js';
import type { Model, Tx } from '../model.js';
import {
  admits,
  attachmentId,
  categoryOf,
  type DynamicId,
  type ObjectRef,
  objectIdOf,
  objectOf,
  objectsOf,
  tagIdsOn,
  tagOf,
} from './lookup.js';

/** vAPI's LocalizableMessage: one failed item of a batch. */
export interface LocalizableMessage {
  readonly id: string;
  readonly default_message: string;
  readonly args: readonly string[];
}

/** cis.tagging.tag_association.BatchResult */
export interface BatchResult {
  readonly success: boolean;
  readonly error_messages: LocalizableMessage[];
}

/** cis.tagging.tag_association.TagToObjects */
export interface TagToObjects {
  readonly tag_id: string;
  readonly object_ids: DynamicId[];
}

/** cis.tagging.tag_association.ObjectToTags */
export interface ObjectToTags {
  readonly object_id: DynamicId;
  readonly tag_ids: string[];
}

interface Attachment {
  readonly tag: TagRecord;
  readonly object: InventoryRecord;
}

const notAssociable = (category: TagCategoryRecord, tag: TagRecord, object: InventoryRecord) =>
  new VimFault(
    { _type: 'InvalidArgument', invalidProperty: 'object_id' },
    `The tag ${tag.name} cannot be attached to ${object.kind} ${object.name}: its category ${category.name} is associable with ${category.associableTypes.join(', ')} only.`,
  );

const cardinalityExceeded = (
  category: TagCategoryRecord,
  tag: TagRecord,
  other: TagRecord,
  object: InventoryRecord,
) =>
  new VimFault(
    { _type: 'InvalidArgument', invalidProperty: 'tag_id' },
    `The tag ${tag.name} cannot be attached to ${object.name}: the category ${category.name} has SINGLE cardinality and the object already has its tag ${other.name}.`,
  );

/** A batch item's fault as the message vCenter lists in error_messages. */
const messageOf = (fault: VimFault, args: string[]): LocalizableMessage => ({
  id:
    fault.fault._type === 'NotFound'
      ? 'cis.tagging.objectNotFound.error'
      : 'cis.tagging.invalidArgument.error',
  default_message: fault.message,
  args,
});

const listOf = (value: unknown, field: string): readonly unknown[] => {
  if (!Array.isArray(value)) throw faults.invalidArgument(field);
  return value;
};

/** Runs each item; an item's fault becomes an error message and the other items still apply. */
const batch = <I>(items: readonly I[], run: (item: I) => void, args: (item: I) => string[]): BatchResult => {
  const errors: LocalizableMessage[] = [];
  for (const item of items) {
    try {
      run(item);
    } catch (error) {
      if (!isVimFault(error)) throw error;
      errors.push(messageOf(error, args(item)));
    }
  }
  return { success: errors.length === 0, error_messages: errors };
};

export const associationOperations = (m: Model) => {
  const call = <T>(operation: string, target: string | undefined, work: (tx: Tx) => T): T =>
    m.call(
      { method: `cis.tagging.tag_association.${operation}`, ...(target === undefined ? {} : { target }) },
      work,
    );

  /** vCenter's EventEx for each change, with the tag, object and user as arguments. */
  const post = (what: 'attach' | 'detach', changes: readonly Attachment[]) => {
    const user = m.userName;
    for (const { tag, object } of changes) {
      const text =
        what === 'attach'
          ? `User ${user} attached tag ${tag.name} to object ${object.name}`
          : `User ${user} detached tag ${tag.name} from object ${object.name}`;
      m.postEvent({
        _type: 'EventEx',
        eventTypeId: `com.vmware.cis.tagging.${what}`,
        severity: 'info',
        arguments: [
          { _type: 'KeyAnyValue', key: 'Tag', value: tag.name },
          { _type: 'KeyAnyValue', key: 'Object', value: object.name },
          { _type: 'KeyAnyValue', key: 'User', value: user },
        ],
        fullFormattedMessage: text,
      });
    }
  };

  /**
   * Attaches in the transaction; false when the tag was on the object already. `pending`
   * are the tags this call attached before (the store's index shows committed ones only).
   */
  const attachIn = (tx: Tx, tag: TagRecord, object: InventoryRecord, pending: readonly string[] = []) => {
    const id = attachmentId(tag.id, object.id);
    if (tx.get(id)) return false;
    const category = categoryOf(tx, tag.category);
    if (!admits(category, object.kind)) throw notAssociable(category, tag, object);
    if (category.cardinality === 'SINGLE') {
      for (const held of [...tagIdsOn(m, tx, object.id), ...pending]) {
        const other = tx.get(held) as TagRecord | undefined;
        if (other && other.category === category.id && other.id !== tag.id)
          throw cardinalityExceeded(category, tag, other, object);
      }
    }
    tx.put({ id, kind: 'TagAttachment', name: '', tag: tag.id, object: object.id, objectType: object.kind });
    return true;
  };

  const detachIn = (tx: Tx, tag: TagRecord, object: InventoryRecord) => {
    const id = attachmentId(tag.id, object.id);
    if (!tx.get(id)) return false;
    tx.remove(id);
    return true;
  };

  /** One tag on or off one object. */
  const single = (what: 'attach' | 'detach', tagId: string, object: ObjectRef): void => {
    const done = call(what, tagId, (tx) => {
      const tag = tagOf(tx, tagId);
      const target = objectOf(tx, object);
      const changed = what === 'attach' ? attachIn(tx, tag, target) : detachIn(tx, tag, target);
      return changed ? [{ tag, object: target }] : [];
    });
    post(what, done);
  };

  /** Several tags on or off one object: the object must exist, each tag is an item of the batch. */
  const tagsOnObject = (what: 'attach' | 'detach', object: ObjectRef, tagIds: readonly string[]) => {
    const changes: Attachment[] = [];
    const operation = `${what}_multiple_tags_${what === 'attach' ? 'to' : 'from'}_object`;
    const result = call(operation, objectIdOf(object), (tx) => {
      const target = objectOf(tx, object);
      const pending: string[] = [];
      return batch(
        listOf(tagIds, 'tag_ids'),
        (id) => {
          const tag = tagOf(tx, id);
          const changed = what === 'attach' ? attachIn(tx, tag, target, pending) : detachIn(tx, tag, target);
          if (changed) changes.push({ tag, object: target });
          pending.push(tag.id);
        },
        (id) => [String(id), target.id],
      );
    });
    post(what, changes);
    return result;
  };

  /** One tag on or off several objects: the tag must exist, each object is an item of the batch. */
  const tagOnObjects = (what: 'attach' | 'detach', tagId: string, objects: readonly ObjectRef[]) => {
    const changes: Attachment[] = [];
    const operation = `${what}_tag_${what === 'attach' ? 'to' : 'from'}_multiple_objects`;
    const result = call(operation, tagId, (tx) => {
      const tag = tagOf(tx, tagId);
      return batch(
        listOf(objects, 'object_ids') as readonly ObjectRef[],
        (ref) => {
          const target = objectOf(tx, ref);
          const changed = what === 'attach' ? attachIn(tx, tag, target) : detachIn(tx, tag, target);
          if (changed) changes.push({ tag, object: target });
        },
        (ref) => [tag.id, String(objectIdOf(ref))],
      );
    });
    post(what, changes);
    return result;
  };

  return {
    /** cis.tagging.tag_association.attach: a no-op when the tag is on the object already. */
    attach(tagId: string, object: ObjectRef): void {
      single('attach', tagId, object);
    },

    /** cis.tagging.tag_association.detach: a no-op when the tag is not on the object. */
    detach(tagId: string, object: ObjectRef): void {
      single('detach', tagId, object);
    },

    /** cis.tagging.tag_association.attach_multiple_tags_to_object */
    attachMultipleTagsToObject(object: ObjectRef, tagIds: readonly string[]): BatchResult {
      return tagsOnObject('attach', object, tagIds);
    },

    /** cis.tagging.tag_association.detach_multiple_tags_from_object */
    detachMultipleTagsFromObject(object: ObjectRef, tagIds: readonly string[]): BatchResult {
      return tagsOnObject('detach', object, tagIds);
    },

    /** cis.tagging.tag_association.attach_tag_to_multiple_objects */
    attachTagToMultipleObjects(tagId: string, objects: readonly ObjectRef[]): BatchResult {
      return tagOnObjects('attach', tagId, objects);
    },

    /** cis.tagging.tag_association.detach_tag_from_multiple_objects */
    detachTagFromMultipleObjects(tagId: string, objects: readonly ObjectRef[]): BatchResult {
      return tagOnObjects('detach', tagId, objects);
    },

    /** cis.tagging.tag_association.list_attached_objects: in the order they were attached. */
    listAttachedObjects(tagId: string): DynamicId[] {
      return call('list_attached_objects', tagId, (tx) => objectsOf(m, tx, tagOf(tx, tagId).id));
    },

    /** cis.tagging.tag_association.list_attached_tags: the object's tag ids. */
    listAttachedTags(object: ObjectRef): string[] {
      return call('list_attached_tags', objectIdOf(object), (tx) => tagIdsOn(m, tx, objectOf(tx, object).id));
    },

    /** cis.tagging.tag_association.list_attached_objects_on_tags: unknown tags are left out. */
    listAttachedObjectsOnTags(tagIds: readonly string[]): TagToObjects[] {
      return call('list_attached_objects_on_tags', undefined, (tx) =>
        listOf(tagIds, 'tag_ids').flatMap((id) =>
          tx.get(String(id))?.kind === 'Tag'
            ? [{ tag_id: String(id), object_ids: objectsOf(m, tx, String(id)) }]
            : [],
        ),
      );
    },

    /** cis.tagging.tag_association.list_attached_tags_on_objects: objects that do not exist are left out. */
    listAttachedTagsOnObjects(objects: readonly ObjectRef[]): ObjectToTags[] {
      return call('list_attached_tags_on_objects', undefined, (tx) =>
        (listOf(objects, 'object_ids') as readonly ObjectRef[]).flatMap((ref) => {
          let target: InventoryRecord;
          try {
            target = objectOf(tx, ref);
          } catch (error) {
            if (isVimFault(error, 'NotFound')) return [];
            throw error;
          }
          return [{ object_id: { type: target.kind, id: target.id }, tag_ids: tagIdsOn(m, tx, target.id) }];
        }),
      );
    },

    /**
     * cis.tagging.tag_association.list_attachable_tags: the tags that could go on the object
     * now: not on it yet, admitted for its type, and not barred by a SINGLE category it already uses.
     */
    listAttachableTags(object: ObjectRef): string[] {
      return call('list_attachable_tags', objectIdOf(object), (tx) => {
        const target = objectOf(tx, object);
        const held = new Set(tagIdsOn(m, tx, target.id));
        const usedCategories = new Set([...held].map((id) => (tx.get(id) as TagRecord).category));
        const out: string[] = [];
        for (const tag of m.store.ofKind<TagRecord>('Tag')) {
          const category = categoryOf(tx, tag.category);
          if (held.has(tag.id) || !admits(category, target.kind)) continue;
          if (category.cardinality === 'SINGLE' && usedCategories.has(category.id)) continue;
          out.push(tag.id);
        }
        return out;
      });
    },
  };
};

export type AssociationOperations = ReturnType<typeof associationOperations>;
