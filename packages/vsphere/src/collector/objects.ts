/**
 * The objects the collector and views create for a client: ids shaped like vCenter's
 * session-scoped ones (`session[<session uuid>]<uuid>`), owned by the session that made them,
 * and lookups by kind.
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

/**
 * Whether a record is another session's own object (a view, a collector...), which a caller in a
 * session does not see; a caller outside any session (in process) sees everything.
 */
export const ownedByAnother = (record: object, sessionKey: string | undefined): boolean => {
  const owner = (record as { session?: string }).session;
  return owner !== undefined && sessionKey !== undefined && owner !== sessionKey;
};

/** The owner fields of a session-scoped record: the caller's session, if any. */
export const sessionOwner = (m: Model): { session?: string } =>
  m.sessionKey === undefined ? {} : { session: m.sessionKey };

/** The kinds of the objects a session makes for itself. */
const SESSION_KINDS = [
  'ContainerView',
  'ListView',
  'PropertyCollector',
  'PropertyFilter',
  'EventHistoryCollector',
  'TaskHistoryCollector',
] as const;

/**
 * What the sessions `ended` names made for themselves, as vCenter releases it at logout: their
 * views, collectors and filters, and the filters of their collectors, whoever made those.
 */
export const sessionObjects = (m: Model, ended: (key: string) => boolean): Set<string> => {
  const owned = new Set<string>();
  for (const kind of SESSION_KINDS)
    for (const record of m.store.ofKind<InventoryRecord & { session?: string }>(kind))
      if (record.session !== undefined && ended(record.session)) owned.add(record.id);
  for (const collector of [...owned])
    for (const filter of m.store.referrers('filter', collector)) owned.add(filter);
  return owned;
};

/** Removes what a session that ended made for itself (see sessionObjects). */
export const dropSessionObjects = (m: Model, key: string): void => {
  const owned = sessionObjects(m, (session) => session === key);
  if (owned.size === 0) return;
  m.store.transact((tx) => {
    for (const id of owned) tx.remove(id);
  });
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
