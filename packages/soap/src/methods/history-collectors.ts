/**
 * Event and task history collectors (EventManager.CreateCollectorForEvents,
 * TaskManager.CreateCollectorForTasks and the HistoryCollector methods) and
 * Task.CancelTask, each the model's operation underneath.
 */
import type { VSphere } from '@vsim/vsphere';
import type { MethodTable } from './call.js';

const history = (v: VSphere) => v.history;

export const historyCollectorMethods: MethodTable = {
  CreateCollectorForEvents: ({ vsphere, args }) => history(vsphere).createEventCollector(args.filter),
  CreateCollectorForTasks: ({ vsphere, args }) => history(vsphere).createTaskCollector(args.filter),
  SetCollectorPageSize: ({ vsphere, self, args }) => history(vsphere).setPageSize(self, args.maxCount),
  ReadNextEvents: ({ vsphere, self, args }) => history(vsphere).readNextEvents(self, args.maxCount),
  ReadPreviousEvents: ({ vsphere, self, args }) => history(vsphere).readPreviousEvents(self, args.maxCount),
  ReadNextTasks: ({ vsphere, self, args }) => history(vsphere).readNextTasks(self, args.maxCount),
  ReadPreviousTasks: ({ vsphere, self, args }) => history(vsphere).readPreviousTasks(self, args.maxCount),
  ResetCollector: ({ vsphere, self }) => history(vsphere).reset(self),
  RewindCollector: ({ vsphere, self }) => history(vsphere).rewind(self),
  DestroyCollector: ({ vsphere, self }) => history(vsphere).destroy(self),
  CancelTask: ({ vsphere, self }) => vsphere.cancelTask(self),
};
