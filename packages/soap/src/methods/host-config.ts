/**
 * Methods of the managers a host's configManager names: HostDatastoreSystem, HostNetworkSystem,
 * HostServiceSystem, HostDateTimeSystem and HostFirewallSystem, each the model's operation underneath.
 */
import type { MethodTable } from './call.js';

export const hostConfigMethods: MethodTable = {
  CreateNasDatastore: ({ vsphere, self, args }) => vsphere.datastoreSystem.createNas(self, args.spec),
  CreateLocalDatastore: ({ vsphere, self, args }) =>
    vsphere.datastoreSystem.createLocal(self, args.name, args.path),
  RemoveDatastore: ({ vsphere, self, args }) => vsphere.datastoreSystem.remove(self, args.datastore),
  QueryAvailableDisksForVmfs: ({ vsphere, self, args }) =>
    vsphere.datastoreSystem.availableDisksForVmfs(self, args.datastore),
  QueryVmfsDatastoreCreateOptions: ({ vsphere, self, args }) =>
    vsphere.datastoreSystem.vmfsDatastoreCreateOptions(self, args.devicePath),
  AddVirtualSwitch: ({ vsphere, self, args }) =>
    vsphere.networkSystem.addVirtualSwitch(self, args.vswitchName, args.spec),
  RemoveVirtualSwitch: ({ vsphere, self, args }) =>
    vsphere.networkSystem.removeVirtualSwitch(self, args.vswitchName),
  AddPortGroup: ({ vsphere, self, args }) => vsphere.networkSystem.addPortGroup(self, args.portgrp),
  RemovePortGroup: ({ vsphere, self, args }) => vsphere.networkSystem.removePortGroup(self, args.pgName),
  UpdatePortGroup: ({ vsphere, self, args }) =>
    vsphere.networkSystem.updatePortGroup(self, args.pgName, args.portgrp),
  StartService: ({ vsphere, self, args }) => vsphere.hostServices.start(self, args.id),
  StopService: ({ vsphere, self, args }) => vsphere.hostServices.stop(self, args.id),
  RestartService: ({ vsphere, self, args }) => vsphere.hostServices.restart(self, args.id),
  UpdateServicePolicy: ({ vsphere, self, args }) =>
    vsphere.hostServices.updatePolicy(self, args.id, args.policy),
  QueryDateTime: ({ vsphere, self }) => vsphere.dateTimeSystem.queryDateTime(self),
  UpdateDateTime: ({ vsphere, self, args }) => vsphere.dateTimeSystem.updateDateTime(self, args.dateTime),
  UpdateDateTimeConfig: ({ vsphere, self, args }) => vsphere.dateTimeSystem.updateConfig(self, args.config),
  QueryAvailableTimeZones: ({ vsphere, self }) => vsphere.dateTimeSystem.availableTimeZones(self),
  RefreshDateTimeSystem: ({ vsphere, self }) => vsphere.dateTimeSystem.refresh(self),
  EnableRuleset: ({ vsphere, self, args }) => vsphere.firewallSystem.enableRuleset(self, args.id),
  DisableRuleset: ({ vsphere, self, args }) => vsphere.firewallSystem.disableRuleset(self, args.id),
  UpdateRuleset: ({ vsphere, self, args }) => vsphere.firewallSystem.updateRuleset(self, args.id, args.spec),
  UpdateDefaultPolicy: ({ vsphere, self, args }) =>
    vsphere.firewallSystem.updateDefaultPolicy(self, args.defaultPolicy),
  RefreshFirewall: ({ vsphere, self }) => vsphere.firewallSystem.refresh(self),
};
