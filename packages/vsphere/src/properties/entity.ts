/** Properties every ManagedEntity has. */
import type { InventoryRecord, TaskRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { type PropertyTable, refOf } from './context.js';
import { availableFields, customValues } from './custom-fields.js';

export const entityProperties: PropertyTable<InventoryRecord> = {
  name: (r) => r.name,
  parent: (r, ctx) => refOf(ctx, r.parent),
  overallStatus: () => 'green',
  configStatus: () => 'green',
  configIssue: () => [],
  effectiveRole: () => [-1],
  permission: () => [],
  disabledMethod: () => [],
  declaredAlarmState: () => [],
  triggeredAlarmState: () => [],
  alarmActionsEnabled: () => true,
  customValue: (r) => customValues(r),
  value: (r) => customValues(r),
  availableField: (r, ctx) => availableFields(ctx, r.kind),
  tag: () => [],
  recentTask: (r, ctx) =>
    [...ctx.recentTasks]
      .filter((id) => {
        const t = ctx.store.get(id) as TaskRecord | undefined;
        return t?.entity === r.id && (t.state === 'queued' || t.state === 'running');
      })
      .map((id) => moref('Task', id)),
};
