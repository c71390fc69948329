/** EventManager.QueryEvents over the model's event history (the filters live in the model). */
import type { MethodTable } from './call.js';

export const eventManagerMethods: MethodTable = {
  QueryEvents: ({ vsphere, args }) => vsphere.history.queryEvents(args.filter ?? {}),
};
