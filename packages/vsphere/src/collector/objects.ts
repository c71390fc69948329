/**
 * The objects the collector and views create for a client: ids shaped like vCenter's
 * session-scoped ones (`session[<session uuid>]<uuid>`), and lookups by kind.
 */
import { faults } from '../faults.js';
import { isA } from '../inventory/managed-types.js';
import type { InventoryRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { moref } from '../refs.js';

const scopes = new WeakMap<Model, string>();

/** A new id in vCenter's session-scoped shape, drawn from the model's seeded generator. */
export const sessionScopedId = (m: Model): string => {
  let scope = scopes.get(m);
  if (scope === undefined) {
    scope = m.random.uuid();
    scopes.set(m, scope);
  }
  return `session[${scope}]${m.random.uuid()}`;
};

/** The record behind `ref` if it is one of `kinds`; ManagedObjectNotFound otherwise. */
export const lookupKind = <R extends InventoryRecord>(m: Model, ref: Ref, ...kinds: string[]): R => {
  const id = typeof ref === 'string' ? ref : ref.value;
  const record = m.store.get(id);
  const fits =
    record !== undefined &&
    kinds.includes(record.kind) &&
    (typeof ref === 'string' || isA(record.kind, ref.type));
  if (!fits)
    throw faults.managedObjectNotFound(
      moref(typeof ref === 'string' ? (kinds[0] ?? 'ManagedObject') : ref.type, id),
    );
  return record as R;
};
