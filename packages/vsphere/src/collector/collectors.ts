/**
 * The property collectors of a model: the default one (`propertyCollector`, what
 * ServiceContent points to) and those CreatePropertyCollector makes. A collector's
 * record lives in the store (so lookups and ManagedObjectNotFound work as for any
 * object); its filters' reporting state lives in its PropertyCollector instance.
 */
import type { PropertyFilterRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { lookupKind, sessionScopedId } from './objects.js';
import { PropertyCollector } from './property-collector.js';

export const DEFAULT_COLLECTOR = 'propertyCollector';

export const propertyCollectorOperations = (m: Model) => {
  const live = new Map<string, PropertyCollector>();

  const get = (ref: Ref = DEFAULT_COLLECTOR): PropertyCollector => {
    const { id } = lookupKind(m, ref, 'PropertyCollector');
    let collector = live.get(id);
    if (!collector) {
      collector = new PropertyCollector(m, id);
      live.set(id, collector);
    }
    return collector;
  };

  return {
    /** The collector behind a reference (the default one when none is given). */
    get,

    /** CreatePropertyCollector: a new collector with its own filters and versions. */
    create(): MoRef {
      return m.call({ method: 'CreatePropertyCollector', target: DEFAULT_COLLECTOR }, (tx) => {
        const id = sessionScopedId(m);
        tx.put({ id, kind: 'PropertyCollector', name: 'PropertyCollector' });
        return moref('PropertyCollector', id);
      });
    },

    /**
     * DestroyPropertyCollector: its filters go too and a pending wait is canceled. The
     * default collector stays (ServiceContent names it) but loses its filters.
     */
    destroy(ref: Ref): void {
      const id = typeof ref === 'string' ? ref : ref.value;
      m.call({ method: 'DestroyPropertyCollector', target: id }, (tx) => {
        lookupKind(m, ref, 'PropertyCollector');
        for (const filter of m.store.referrers('filter', id)) tx.remove(filter);
        if (id !== DEFAULT_COLLECTOR) tx.remove(id);
      });
      live.get(id)?.dispose();
      if (id !== DEFAULT_COLLECTOR) live.delete(id);
    },

    /** DestroyPropertyFilter, called on the filter as the wire does. */
    destroyFilter(filter: Ref): void {
      const record = lookupKind<PropertyFilterRecord>(m, filter, 'PropertyFilter');
      get(record.collector).destroyFilter(record.id);
    },

    /** The filter's collector, for a facade that receives a PropertyFilter reference. */
    collectorOf(filter: Ref): PropertyCollector {
      return get(lookupKind<PropertyFilterRecord>(m, filter, 'PropertyFilter').collector);
    },
  };
};

export type PropertyCollectorOperations = ReturnType<typeof propertyCollectorOperations>;
