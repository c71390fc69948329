/**
 * The property collectors of a model: the default one (`propertyCollector`, what
 * ServiceContent points to) and those CreatePropertyCollector makes. A collector's
 * record lives in the store (so lookups and ManagedObjectNotFound work as for any
 * object); its filters' reporting state lives in its PropertyCollector instance. The
 * default collector is one per session, as in vCenter: each session sees, waits on and
 * destroys only its own filters, and they go when the session ends.
 */

import { getOrInsert } from '../core/maps.js';
import type { PropertyFilterRecord } from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { lookupKind, sessionOwner, sessionScopedId } from './objects.js';
import { PropertyCollector } from './property-collector.js';

export const DEFAULT_COLLECTOR = 'propertyCollector';

export const propertyCollectorOperations = (m: Model) => {
  /** Created collectors by id; the default one's view per session key ('' outside a session). */
  const live = new Map<string, PropertyCollector>();
  const defaults = new Map<string, PropertyCollector>();

  const get = (ref: Ref = DEFAULT_COLLECTOR): PropertyCollector => {
    const { id } = lookupKind(m, ref, 'PropertyCollector');
    if (id === DEFAULT_COLLECTOR) {
      const session = m.sessionKey;
      return getOrInsert(defaults, session ?? '', () => new PropertyCollector(m, id, { session }));
    }
    return getOrInsert(live, id, () => new PropertyCollector(m, id));
  };

  // A session's view of the default collector, and the collectors it made (their records gone
  // with its other objects, see dropSessionObjects), end with it.
  m.sessions.onEnd((key) =>
    m.scheduler.schedule(() => {
      defaults.get(key)?.dispose();
      defaults.delete(key);
      for (const [id, collector] of live)
        if (!m.store.has(id)) {
          collector.dispose();
          live.delete(id);
        }
    }),
  );

  return {
    /** The collector behind a reference (the default one when none is given). */
    get,

    /** CreatePropertyCollector: a new collector with its own filters and versions. */
    create(): MoRef {
      return m.call({ method: 'CreatePropertyCollector', target: DEFAULT_COLLECTOR }, (tx) => {
        const id = sessionScopedId(m);
        tx.put({ id, kind: 'PropertyCollector', name: 'PropertyCollector', ...sessionOwner(m) });
        return moref('PropertyCollector', id);
      });
    },

    /**
     * DestroyPropertyCollector: its filters go too and a pending wait is canceled. The
     * default collector stays (ServiceContent names it) but loses the caller's filters.
     */
    destroy(ref: Ref): void {
      const collector = get(ref);
      m.call({ method: 'DestroyPropertyCollector', target: collector.id }, (tx) => {
        for (const filter of collector.filters) tx.remove(filter.value);
        if (collector.id !== DEFAULT_COLLECTOR) tx.remove(collector.id);
      });
      collector.dispose();
      if (collector.id === DEFAULT_COLLECTOR) defaults.delete(m.sessionKey ?? '');
      else live.delete(collector.id);
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
