/**
 * What property readers get: the committed inventory and the model's facts. Readers
 * derive everything clients read (summaries, back-references) from the records.
 */
import type { Model } from '../model.js';
import { type MoRef, moref } from '../refs.js';

export type ReadContext = Pick<
  Model,
  'store' | 'about' | 'clock' | 'recentTasks' | 'sessions' | 'events' | 'sessionKey'
>;

/** A property of one managed type: computed from the record on every read. */
export type PropertyReader<R> = (record: R, ctx: ReadContext) => unknown;

export type PropertyTable<R> = Readonly<Record<string, PropertyReader<R>>>;

export const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** References to the records whose `relation` points at `target`, in insertion order. */
export const referrerRefs = (
  ctx: ReadContext,
  relation: string,
  target: string,
  ...kinds: string[]
): MoRef[] => {
  const out: MoRef[] = [];
  for (const id of ctx.store.referrers(relation, target)) {
    const r = ctx.store.get(id);
    if (r && (kinds.length === 0 || kinds.includes(r.kind))) out.push(moref(r.kind, id));
  }
  return out;
};

export const refOf = (ctx: ReadContext, id: string | undefined): MoRef | undefined => {
  if (id === undefined) return undefined;
  const r = ctx.store.get(id);
  return r ? moref(r.kind, id) : undefined;
};

export const refsOf = (ctx: ReadContext, ids: readonly string[]): MoRef[] =>
  ids.flatMap((id) => {
    const ref = refOf(ctx, id);
    return ref ? [ref] : [];
  });

/** Drops undefined fields so unset properties stay unset on the wire. */
export const defined = <T extends Record<string, unknown>>(o: T): T => {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
};
