/** HostSystem's maintenance and connection methods, each the model's host operation underneath. */
import type { MethodTable } from './call.js';

export const hostMethods: MethodTable = {
  EnterMaintenanceMode_Task: ({ vsphere, self, args }) =>
    vsphere.host.enterMaintenanceMode(self, args.timeout, args.evacuatePoweredOffVms ?? false).ref,
  ExitMaintenanceMode_Task: ({ vsphere, self, args }) =>
    vsphere.host.exitMaintenanceMode(self, args.timeout).ref,
  DisconnectHost_Task: ({ vsphere, self }) => vsphere.host.disconnect(self).ref,
  ReconnectHost_Task: ({ vsphere, self, args }) =>
    vsphere.host.reconnect(self, args.cnxSpec, args.reconnectSpec).ref,
};
