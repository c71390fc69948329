/** ComputeResource's and ClusterComputeResource's configuration methods, the model's operations underneath. */
import type { MethodTable } from './call.js';

export const computeResourceMethods: MethodTable = {
  ReconfigureComputeResource_Task: ({ vsphere, self, args }) =>
    vsphere.computeResource.reconfigure(self, args.spec, args.modify).ref,
  ReconfigureCluster_Task: ({ vsphere, self, args }) =>
    vsphere.computeResource.reconfigureCluster(self, args.spec, args.modify).ref,
  FindRulesForVm: ({ vsphere, self, args }) => vsphere.computeResource.findRulesForVm(self, args.vm),
};
