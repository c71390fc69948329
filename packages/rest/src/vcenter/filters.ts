/**
 * What every vcenter list shares: reading a FilterSpec from the query (each style has its
 * own spelling, see styles.ts), matching records against it, the containment questions
 * filters ask (which datacenter, folder, cluster holds an object) and the size caps.
 */
import type { InventoryRecord, VSphere } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call } from '../routes.js';

/** One FilterSpec field: does `record` match any of `values`? `allowed` lists an enum's values. */
export interface FilterField<R> {
  readonly match: (record: R, values: ReadonlySet<string>) => boolean;
  readonly allowed?: readonly string[];
  /** Other spellings clients use for this field. */
  readonly aliases?: readonly string[];
}

export type FilterSpec<R> = Readonly<Record<string, FilterField<R>>>;

/** The records matching every given field of the spec, as summaries; more than `max` is refused. */
export const listMatching = <R>(
  call: Call,
  records: Iterable<R>,
  spec: FilterSpec<R>,
  summary: (record: R) => unknown,
  max: number,
  what: string,
): unknown[] => {
  const active: [FilterField<R>, ReadonlySet<string>][] = [];
  for (const [name, field] of Object.entries(spec)) {
    const values = [name, ...(field.aliases ?? [])].flatMap((n) => call.style.filter(call.query, n));
    if (values.length === 0) continue;
    if (field.allowed) {
      const bad = values.find((v) => !field.allowed?.includes(v));
      if (bad !== undefined) {
        throw restError(
          'invalid_argument',
          `Invalid value '${bad}' for filter '${name}'.`,
          'vapi.bindings.typeconverter.enum.invalid',
          [bad],
        );
      }
    }
    active.push([field, new Set(values)]);
  }
  const matched: R[] = [];
  for (const record of records) {
    if (active.every(([field, values]) => field.match(record, values))) matched.push(record);
  }
  if (matched.length > max) {
    throw restError(
      'unable_to_allocate_resource',
      `More than ${max} ${what} match the filter; narrow it.`,
      'com.vmware.api.vcenter.list.limit_exceeded',
      [String(max)],
    );
  }
  return matched.map(summary);
};

/** A boolean filter field (`standalone=true`). */
export const booleanFilter = (call: Call, name: string): boolean | undefined => {
  const [value, ...more] = call.style.filter(call.query, name);
  if (value === undefined) return undefined;
  if (more.length > 0 || (value !== 'true' && value !== 'false')) {
    throw restError('invalid_argument', `Invalid value '${value}' for filter '${name}'.`);
  }
  return value === 'true';
};

export const has = (values: ReadonlySet<string>, id: string | undefined): boolean =>
  id !== undefined && values.has(id);

const parentOf = (vsphere: VSphere, record: InventoryRecord): InventoryRecord | undefined =>
  record.parent === undefined ? undefined : vsphere.store.get(record.parent);

/** The nearest ancestor of `kind` (the record itself excluded). */
export const ancestorOf = (vsphere: VSphere, id: string, ...kinds: string[]): InventoryRecord | undefined => {
  const start = vsphere.store.get(id);
  for (let r = start && parentOf(vsphere, start); r; r = parentOf(vsphere, r)) {
    if (kinds.includes(r.kind)) return r;
  }
  return undefined;
};

export const datacenterOf = (vsphere: VSphere, id: string) => ancestorOf(vsphere, id, 'Datacenter')?.id;

/** The folder an object sits in (for a host: the folder of its cluster or compute resource). */
export const folderOf = (vsphere: VSphere, id: string) => ancestorOf(vsphere, id, 'Folder')?.id;

/** The cluster a host belongs to; undefined for a standalone host. */
export const clusterOfHost = (vsphere: VSphere, hostId: string | undefined): string | undefined => {
  const host = hostId === undefined ? undefined : vsphere.store.get(hostId);
  const parent = host && parentOf(vsphere, host);
  return parent?.kind === 'ClusterComputeResource' ? parent.id : undefined;
};

/** The record `id` names when it is of `kind`; vCenter's not_found otherwise. */
export const lookupOf = <R extends InventoryRecord>(
  vsphere: VSphere,
  id: string | undefined,
  kinds: readonly string[],
  what: string,
  messageId: string,
): R => {
  const record = id === undefined ? undefined : vsphere.store.get(id);
  if (!record || !kinds.includes(record.kind)) {
    throw restError('not_found', `${what} with identifier '${id ?? ''}' does not exist.`, messageId, [
      id ?? '',
    ]);
  }
  return record as R;
};
