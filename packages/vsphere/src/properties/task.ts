/** Task properties: TaskInfo, as clients poll it. */
import type { TaskRecord } from '../inventory/records.js';
import { moref } from '../refs.js';
import { defined, iso, type PropertyTable } from './context.js';

export const taskInfo = (task: TaskRecord) => {
  const { message, ...fault } = task.error ?? { _type: '' };
  return defined({
    _type: 'TaskInfo',
    key: task.id,
    task: moref('Task', task.id),
    name: task.name,
    descriptionId: task.descriptionId,
    entity: task.entity ? moref(task.entityType ?? 'ManagedEntity', task.entity) : undefined,
    entityName: task.entityName,
    state: task.state,
    cancelled: task.cancelled,
    cancelable: task.cancelable,
    error: task.error ? { _type: 'LocalizedMethodFault', fault, localizedMessage: message ?? '' } : undefined,
    result: task.result,
    reason: { _type: 'TaskReasonUser', userName: task.userName },
    queueTime: iso(task.queueTime),
    startTime: iso(task.startTime),
    completeTime: iso(task.completeTime),
    eventChainId: task.eventChainId,
    activationId: task.activationId,
  });
};

export const taskProperties: PropertyTable<TaskRecord> = {
  info: (task) => taskInfo(task),
};
