/**
 * Custom fields as clients read them: CustomFieldsManager.field, and each object's
 * `customValue`, `value` and `availableField`. The definitions are kept on the
 * CustomFieldsManager record, the values on the objects' own records (see
 * objects/custom-fields.ts).
 */
import { isA } from '../inventory/managed-types.js';
import type { CustomFieldValue, InventoryRecord } from '../inventory/records.js';
import type { ReadContext } from './context.js';

export const CUSTOM_FIELDS_MANAGER = 'CustomFieldsManager';

/** A custom field definition as stored: the policies only when the client gave them. */
export interface StoredFieldDef {
  readonly key: number;
  readonly name: string;
  readonly managedObjectType?: string;
  readonly fieldDefPrivileges?: PrivilegePolicy;
  readonly fieldInstancePrivileges?: PrivilegePolicy;
}

export interface PrivilegePolicy {
  readonly createPrivilege: string;
  readonly readPrivilege: string;
  readonly updatePrivilege: string;
  readonly deletePrivilege: string;
}

/** What the CustomFieldsManager record carries beyond its id and kind. */
export interface CustomFieldsState {
  readonly field?: readonly StoredFieldDef[];
  /** The key the next definition gets. */
  readonly nextKey?: number;
}

/** vCenter's default policy: anyone who can see the object can read and set its fields. */
const DEFAULT_POLICY: PrivilegePolicy = Object.freeze({
  createPrivilege: 'System.Read',
  readPrivilege: 'System.Read',
  updatePrivilege: 'System.Read',
  deletePrivilege: 'System.Read',
});

type Inventory = Pick<ReadContext['store'], 'get'>;

export const fieldDefs = (store: Inventory): readonly StoredFieldDef[] =>
  (store.get(CUSTOM_FIELDS_MANAGER) as CustomFieldsState | undefined)?.field ?? [];

/** A definition applies to objects of its managed type (and subtypes), or to all when it has none. */
export const appliesTo = (def: StoredFieldDef, kind: string): boolean =>
  def.managedObjectType === undefined || isA(kind, def.managedObjectType);

/** CustomFieldDef on the wire. */
export const fieldDefInfo = (def: StoredFieldDef) => ({
  _type: 'CustomFieldDef',
  key: def.key,
  name: def.name,
  type: 'string',
  ...(def.managedObjectType === undefined ? {} : { managedObjectType: def.managedObjectType }),
  fieldDefPrivileges: { _type: 'PrivilegePolicyDef', ...(def.fieldDefPrivileges ?? DEFAULT_POLICY) },
  fieldInstancePrivileges: {
    _type: 'PrivilegePolicyDef',
    ...(def.fieldInstancePrivileges ?? DEFAULT_POLICY),
  },
});

/** CustomFieldStringValue[] of an object, in the order the fields were first set. */
export const customValues = (r: InventoryRecord) =>
  ((r as { customValue?: readonly CustomFieldValue[] }).customValue ?? []).map((v) => ({
    _type: 'CustomFieldStringValue',
    key: v.key,
    value: v.value,
  }));

export const availableFields = (ctx: Pick<ReadContext, 'store'>, kind: string) =>
  fieldDefs(ctx.store)
    .filter((def) => appliesTo(def, kind))
    .map(fieldDefInfo);
