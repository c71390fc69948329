/**
 * What the tagging operations share: the vAPI id shapes, finding categories, tags and
 * taggable objects (NotFound otherwise), the attachments of a tag or of an object through
 * the store's reverse indexes, and the vAPI models clients read.
 */
import { faults } from '../faults.js';
import { isA } from '../inventory/managed-types.js';
import type {
  InventoryRecord,
  TagAttachmentRecord,
  TagCategoryRecord,
  TagRecord,
} from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';

export type Cardinality = TagCategoryRecord['cardinality'];

/** vAPI's DynamicID: how the tagging service names an object (`type` is its managed type). */
export interface DynamicId {
  readonly type: string;
  readonly id: string;
}

/** An object as callers name it: a DynamicID, a MoRef, or a bare moref value. */
export type ObjectRef = DynamicId | Ref;

/** cis.tagging.CategoryModel. */
export interface CategoryModel {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly cardinality: Cardinality;
  readonly associable_types: string[];
  readonly used_by: string[];
}

/** cis.tagging.TagModel. */
export interface TagModel {
  readonly id: string;
  readonly category_id: string;
  readonly name: string;
  readonly description: string;
  readonly used_by: string[];
}

/** Relation names (see inventory/records.ts): a tag's attachments, an object's attachments, a category's tags. */
export const OBJECT_ATTACHMENT = 'objectAttachment';
export const TAG_ATTACHMENT = 'tagAttachment';
export const CATEGORY_TAG = 'tag';

export const CATEGORY_ID = /^urn:vmomi:InventoryServiceCategory:[^:]+:GLOBAL$/;
export const TAG_ID = /^urn:vmomi:InventoryServiceTag:[^:]+:GLOBAL$/;

export const newCategoryId = (m: Model) => `urn:vmomi:InventoryServiceCategory:${m.random.uuid()}:GLOBAL`;
export const newTagId = (m: Model) => `urn:vmomi:InventoryServiceTag:${m.random.uuid()}:GLOBAL`;

/** One attachment per tag and object: the id joins them. */
export const attachmentId = (tag: string, object: string) => `${tag}|${object}`;

export const categoryOf = (tx: Tx, id: unknown): TagCategoryRecord => {
  const record = typeof id === 'string' ? tx.get(id) : undefined;
  if (record?.kind !== 'TagCategory') throw faults.notFound(`The category ${String(id)} does not exist.`);
  return record;
};

export const tagOf = (tx: Tx, id: unknown): TagRecord => {
  const record = typeof id === 'string' ? tx.get(id) : undefined;
  if (record?.kind !== 'Tag') throw faults.notFound(`The tag ${String(id)} does not exist.`);
  return record;
};

/** The type and id an object reference names; the type is absent for a bare id. */
const keyOf = (ref: ObjectRef): { type?: string; id?: unknown } => {
  if (typeof ref === 'string') return { id: ref };
  if (ref === null || typeof ref !== 'object') return {};
  const type = typeof ref.type === 'string' ? ref.type : undefined;
  const id = 'id' in ref ? ref.id : 'value' in ref ? ref.value : undefined;
  return type === undefined ? { id } : { type, id };
};

/** The moref value a reference names, when it names one. */
export const objectIdOf = (ref: ObjectRef): string | undefined => {
  const { id } = keyOf(ref);
  return typeof id === 'string' ? id : undefined;
};

/** A managed entity the reference names, of the type it names; NotFound otherwise. */
export const objectOf = (tx: Tx, ref: ObjectRef): InventoryRecord => {
  const { type, id } = keyOf(ref);
  const record = typeof id === 'string' ? tx.get(id) : undefined;
  if (!record || !isA(record.kind, 'ManagedEntity') || (type !== undefined && !isA(record.kind, type)))
    throw faults.notFound(`The object ${type ?? 'ManagedEntity'}:${String(id)} does not exist.`);
  return record;
};

/** True when the category's tags may go on an object of `kind` (a listed type or a subtype of one). */
export const admits = (category: TagCategoryRecord, kind: string): boolean =>
  category.associableTypes.length === 0 || category.associableTypes.some((type) => isA(kind, type));

const attachmentsVia = (m: Model, tx: Tx, relation: string, target: string): TagAttachmentRecord[] => {
  const out: TagAttachmentRecord[] = [];
  for (const id of m.store.referrers(relation, target)) {
    const a = tx.get(id);
    if (a?.kind === 'TagAttachment') out.push(a);
  }
  return out;
};

/** The ids of the tags on an object, in the order they were attached. */
export const tagIdsOn = (m: Model, tx: Tx, object: string): string[] =>
  attachmentsVia(m, tx, TAG_ATTACHMENT, object).map((a) => a.tag);

/** The objects a tag is attached to, in the order they were attached. */
export const objectsOf = (m: Model, tx: Tx, tag: string): DynamicId[] =>
  attachmentsVia(m, tx, OBJECT_ATTACHMENT, tag).map((a) => ({ type: a.objectType, id: a.object }));

/** The tags of a category, in the order they were created. */
export const tagsOf = (m: Model, tx: Tx, category: string): TagRecord[] => {
  const out: TagRecord[] = [];
  for (const id of m.store.referrers(CATEGORY_TAG, category)) {
    const tag = tx.get(id);
    if (tag?.kind === 'Tag') out.push(tag);
  }
  return out;
};

/**
 * A removal hook (Model.onRemove): whatever operation removes an object, a tag or a
 * category's tags, their attachments go in the same transaction, as vCenter drops them.
 */
export const dropAttachments =
  (m: Model) =>
  (tx: Tx, removed: readonly string[]): void => {
    for (const id of removed) {
      for (const a of m.store.referrers(TAG_ATTACHMENT, id)) tx.remove(a);
      for (const a of m.store.referrers(OBJECT_ATTACHMENT, id)) tx.remove(a);
    }
  };

export const categoryModel = (c: TagCategoryRecord): CategoryModel => ({
  id: c.id,
  name: c.name,
  description: c.description,
  cardinality: c.cardinality,
  associable_types: [...c.associableTypes],
  used_by: [],
});

export const tagModel = (t: TagRecord): TagModel => ({
  id: t.id,
  category_id: t.category,
  name: t.name,
  description: t.description,
  used_by: [],
});
