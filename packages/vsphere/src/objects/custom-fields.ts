/**
 * CustomFieldsManager's operations (AddCustomFieldDef, RemoveCustomFieldDef,
 * RenameCustomFieldDef, SetField) and ExtensibleManagedObject.setCustomValue. The
 * definitions and the next key live on the CustomFieldsManager record, each value on
 * its object's record (`customValue`), so saving the store saves them and property
 * filters on `field` or `customValue` see them change.
 *
 * vCenter's rules kept here: a name is unique among the definitions that can apply to
 * the same type (a global one clashes with every type); keys count up and are never
 * reused; removing a definition removes its values; setCustomValue creates a global
 * definition for a name that has none. Setting an empty value removes the value.
 */
import { faults } from '../faults.js';
import { entityArgument, eventArguments } from '../history/arguments.js';
import type { EventInput } from '../history/events.js';
import { ENTITY_TYPES, isA } from '../inventory/managed-types.js';
import type { CustomFieldValue, InventoryRecord, ServiceObjectRecord } from '../inventory/records.js';
import { putVm } from '../inventory/vm.js';
import type { Model, Ref, Tx } from '../model.js';
import {
  appliesTo,
  CUSTOM_FIELDS_MANAGER,
  type CustomFieldsState,
  fieldDefInfo,
  type PrivilegePolicy,
  type StoredFieldDef,
} from '../properties/custom-fields.js';
import { moref } from '../refs.js';

/** vCenter hands out field keys from a counter; the first is this one. */
export const FIRST_FIELD_KEY = 101;

const MANAGER_REF = moref('CustomFieldsManager', CUSTOM_FIELDS_MANAGER);

type ManagerRecord = ServiceObjectRecord & CustomFieldsState;
type WithValues = InventoryRecord & { readonly customValue?: readonly CustomFieldValue[] };

const managerIn = (tx: Tx) => tx.get(CUSTOM_FIELDS_MANAGER) as ManagerRecord;
const putManager = (tx: Tx, manager: ManagerRecord) => tx.put(manager);
const defsIn = (tx: Tx) => managerIn(tx).field ?? [];

/** Another definition whose name clashes with `name` for objects of `moType`. */
const clash = (defs: readonly StoredFieldDef[], name: string, moType: string | undefined, self?: number) =>
  defs.find(
    (d) =>
      d.key !== self &&
      d.name === name &&
      (d.managedObjectType === undefined || moType === undefined || d.managedObjectType === moType),
  );

const byKey = (tx: Tx, key: number): StoredFieldDef => {
  const def = defsIn(tx).find((d) => d.key === key);
  if (!def) throw faults.notFound(`The custom field with key ${key} was not found.`);
  return def;
};

/** Sets (or with '' clears) one field's value on an object; answers the previous value. */
const writeValue = (tx: Tx, id: string, key: number, value: string): string | undefined => {
  const record = tx.get(id) as WithValues;
  const values = record.customValue ?? [];
  const previous = values.find((v) => v.key === key)?.value;
  const next =
    value === ''
      ? values.filter((v) => v.key !== key)
      : previous === undefined
        ? [...values, { key, value }]
        : values.map((v) => (v.key === key ? { key, value } : v));
  const updated = { ...record, customValue: next } as InventoryRecord;
  if (updated.kind === 'VirtualMachine') putVm(tx, updated);
  else tx.put(updated);
  return previous;
};

export interface FieldPolicies {
  fieldDefPolicy?: PrivilegePolicy;
  fieldPolicy?: PrivilegePolicy;
}

export const customFieldOperations = (m: Model) => {
  const defAdded = (def: StoredFieldDef): EventInput => ({
    _type: 'CustomFieldDefAddedEvent',
    fieldKey: def.key,
    name: def.name,
    fullFormattedMessage: `Created new custom field definition ${def.name}`,
  });

  /** A new definition in the transaction; DuplicateName when its name is taken. */
  const addDef = (tx: Tx, name: string, moType: string | undefined, policies: FieldPolicies) => {
    if (name === '') throw faults.invalidArgument('name');
    if (moType !== undefined && !ENTITY_TYPES.includes(moType)) throw faults.invalidArgument('moType');
    const manager = managerIn(tx);
    const defs = manager.field ?? [];
    if (clash(defs, name, moType)) throw faults.duplicateName(name, MANAGER_REF);
    const def: StoredFieldDef = {
      key: manager.nextKey ?? FIRST_FIELD_KEY,
      name,
      ...(moType === undefined ? {} : { managedObjectType: moType }),
      ...(policies.fieldDefPolicy ? { fieldDefPrivileges: policy(policies.fieldDefPolicy) } : {}),
      ...(policies.fieldPolicy ? { fieldInstancePrivileges: policy(policies.fieldPolicy) } : {}),
    };
    putManager(tx, { ...manager, field: [...defs, def], nextKey: def.key + 1 });
    return def;
  };

  /** SetField's work: the definition must exist and apply to the object's type. */
  const setValue = (tx: Tx, entity: InventoryRecord, key: number, value: string) => {
    const def = defsIn(tx).find((d) => d.key === key);
    if (!def) throw faults.invalidArgument('key');
    if (!appliesTo(def, entity.kind)) throw faults.invalidArgument('entity');
    if (!tx.get(entity.id)) throw faults.managedObjectNotFound(moref(entity.kind, entity.id));
    const previous = writeValue(tx, entity.id, key, value);
    return { def, previous };
  };

  const valueChanged = (entity: InventoryRecord, def: StoredFieldDef, value: string, previous?: string) => {
    const args = eventArguments(m.store, entity);
    const dc = args.datacenter ? ` in ${args.datacenter.name}` : '';
    return {
      _type: 'CustomFieldValueChangedEvent',
      ...args,
      ...entityArgument('entity', 'entity', entity),
      fieldKey: def.key,
      name: def.name,
      value,
      ...(previous === undefined ? {} : { prevState: previous }),
      fullFormattedMessage: `Changed custom field ${def.name} on ${entity.name}${dc} to ${value}`,
    };
  };

  const lookupObject = (entity: Ref) => {
    const record = m.lookup(entity);
    if (!isA(record.kind, 'ManagedEntity') && !isA(record.kind, 'ExtensibleManagedObject'))
      throw faults.invalidArgument('entity');
    return record;
  };

  return {
    /** The definitions, as CustomFieldsManager.field lists them. */
    fields: () =>
      (m.store.get(CUSTOM_FIELDS_MANAGER) as ManagerRecord | undefined)?.field?.map(fieldDefInfo) ?? [],

    /** AddCustomFieldDef: a string field for objects of `moType` (every type when unset). */
    addFieldDef(name: string, moType?: string, policies: FieldPolicies = {}) {
      const type = moType === '' ? undefined : moType;
      const def = m.call({ method: 'AddCustomFieldDef', target: CUSTOM_FIELDS_MANAGER }, (tx) =>
        addDef(tx, name, type, policies),
      );
      m.postEvent(defAdded(def));
      return fieldDefInfo(def);
    },

    /** RemoveCustomFieldDef: the definition and every value of it go; NotFound for an unknown key. */
    removeFieldDef(key: number): void {
      const def = m.call({ method: 'RemoveCustomFieldDef', target: CUSTOM_FIELDS_MANAGER }, (tx) => {
        const gone = byKey(tx, key);
        putManager(tx, { ...managerIn(tx), field: defsIn(tx).filter((d) => d.key !== key) });
        // Values live on the objects; a removed definition's go with it.
        for (const r of m.store.values()) {
          if ((r as WithValues).customValue?.some((v) => v.key === key)) writeValue(tx, r.id, key, '');
        }
        return gone;
      });
      m.postEvent({
        _type: 'CustomFieldDefRemovedEvent',
        fieldKey: def.key,
        name: def.name,
        fullFormattedMessage: `Removed field definition ${def.name}`,
      });
    },

    /** RenameCustomFieldDef: NotFound for an unknown key, DuplicateName for a taken name. */
    renameFieldDef(key: number, name: string): void {
      const old = m.call({ method: 'RenameCustomFieldDef', target: CUSTOM_FIELDS_MANAGER }, (tx) => {
        const def = byKey(tx, key);
        if (name === '') throw faults.invalidArgument('name');
        if (clash(defsIn(tx), name, def.managedObjectType, key))
          throw faults.duplicateName(name, MANAGER_REF);
        const field = defsIn(tx).map((d) => (d.key === key ? { ...d, name } : d));
        putManager(tx, { ...managerIn(tx), field });
        return def;
      });
      m.postEvent({
        _type: 'CustomFieldDefRenamedEvent',
        fieldKey: key,
        name: old.name,
        newName: name,
        fullFormattedMessage: `Renamed field ${old.name} to ${name}`,
      });
    },

    /** SetField on the manager: InvalidArgument for an unknown key or a field of another type. */
    setField(entity: Ref, key: number, value: string): void {
      const record = lookupObject(entity);
      const { def, previous } = m.call({ method: 'SetField', target: CUSTOM_FIELDS_MANAGER }, (tx) =>
        setValue(tx, record, key, value),
      );
      m.postEvent(valueChanged(m.store.get(record.id) ?? record, def, value, previous));
    },

    /** setCustomValue on the object, by field name; a name no field has gets a global field. */
    setCustomValue(entity: Ref, key: string, value: string): void {
      const record = lookupObject(entity);
      const result = m.call({ method: 'setCustomValue', target: record.id }, (tx) => {
        const existing = defsIn(tx).find((d) => d.name === key && appliesTo(d, record.kind));
        const def = existing ?? addDef(tx, key, undefined, {});
        return { ...setValue(tx, record, def.key, value), created: !existing };
      });
      if (result.created) m.postEvent(defAdded(result.def));
      m.postEvent(valueChanged(m.store.get(record.id) ?? record, result.def, value, result.previous));
    },
  };
};

const policy = (p: PrivilegePolicy): PrivilegePolicy => ({
  createPrivilege: p.createPrivilege,
  readPrivilege: p.readPrivilege,
  updatePrivilege: p.updatePrivilege,
  deletePrivilege: p.deletePrivilege,
});

export type CustomFieldOperations = ReturnType<typeof customFieldOperations>;
