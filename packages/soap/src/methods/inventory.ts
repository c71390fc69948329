/**
 * Methods of the inventory's managed objects (VirtualMachine, Folder, ResourcePool,
 * ManagedEntity), of VcenterVStorageObjectManager (First Class Disks), of HostDatastoreBrowser
 * (the files of datastores) and of EnvironmentBrowser (what hosts offer VMs), each one the model's
 * operation underneath. Task methods return the Task's reference at once; the client polls it.
 */
import { faults, type MoRef, type VSphere } from '@vsim/vsphere';
import type { MethodTable, SoapCall } from './call.js';

const kindOf = ({ vsphere, self }: SoapCall) => vsphere.store.get(self.value)?.kind;

const destroy = (call: SoapCall): MoRef => {
  const { vsphere, self } = call;
  switch (kindOf(call)) {
    case 'VirtualMachine':
      return vsphere.vm.destroy(self).ref;
    case 'Folder':
      return vsphere.folder.destroy(self).ref;
    case 'ResourcePool':
    case 'VirtualApp':
      return vsphere.pool.destroy(self).ref;
    default:
      throw faults.notSupported(`Destroying a ${self.type} is not supported by this simulator.`);
  }
};

const vm = (v: VSphere) => v.vm;

export const inventoryMethods: MethodTable = {
  PowerOnVM_Task: ({ vsphere, self, args }) => vm(vsphere).powerOn(self, args.host).ref,
  PowerOffVM_Task: ({ vsphere, self }) => vm(vsphere).powerOff(self).ref,
  SuspendVM_Task: ({ vsphere, self }) => vm(vsphere).suspend(self).ref,
  ResetVM_Task: ({ vsphere, self }) => vm(vsphere).reset(self).ref,
  ShutdownGuest: ({ vsphere, self }) => vm(vsphere).shutdownGuest(self),
  StandbyGuest: ({ vsphere, self }) => vm(vsphere).standbyGuest(self),
  AcquireTicket: ({ vsphere, self, args }) => vm(vsphere).acquireTicket(self, args.ticketType),
  RebootGuest: ({ vsphere, self }) => vm(vsphere).rebootGuest(self),
  ReconfigVM_Task: ({ vsphere, self, args }) => vm(vsphere).reconfigure(self, args.spec).ref,
  UpgradeVM_Task: ({ vsphere, self, args }) => vm(vsphere).upgrade(self, args.version).ref,
  PromoteDisks_Task: ({ vsphere, self, args }) => vm(vsphere).promoteDisks(self, args.unlink, args.disks).ref,
  CloneVM_Task: ({ vsphere, self, args }) => vm(vsphere).clone(self, args.folder, args.name, args.spec).ref,
  RelocateVM_Task: ({ vsphere, self, args }) => vm(vsphere).relocate(self, args.spec).ref,
  MigrateVM_Task: ({ vsphere, self, args }) =>
    vm(vsphere).migrate(self, { pool: args.pool, host: args.host, state: args.state }).ref,
  CustomizeVM_Task: ({ vsphere, self, args }) => vm(vsphere).customize(self, args.spec).ref,
  UnregisterVM: ({ vsphere, self }) => vm(vsphere).unregister(self),
  reloadVirtualMachineFromPath_Task: ({ vsphere, self, args }) =>
    vsphere.vm.reloadFromPath(self, args.configurationPath).ref,
  MarkAsTemplate: ({ vsphere, self }) => vm(vsphere).markAsTemplate(self),
  MarkAsVirtualMachine: ({ vsphere, self, args }) =>
    vm(vsphere).markAsVirtualMachine(self, args.pool, args.host),
  Destroy_Task: destroy,
  Rename_Task: ({ vsphere, self, args }) => vsphere.entity.rename(self, args.newName).ref,
  CreateVM_Task: ({ vsphere, self, args }) => vm(vsphere).create(self, args.config, args.pool, args.host).ref,
  RegisterVM_Task: ({ vsphere, self, args }) =>
    vm(vsphere).register(self, {
      path: args.path,
      name: args.name,
      asTemplate: args.asTemplate,
      pool: args.pool,
      host: args.host,
    }).ref,
  CreateFolder: ({ vsphere, self, args }) => vsphere.folder.create(self, args.name),
  MoveIntoFolder_Task: ({ vsphere, self, args }) => vsphere.folder.moveInto(self, args.list).ref,
  UnregisterAndDestroy_Task: ({ vsphere, self }) => vsphere.folder.unregisterAndDestroy(self).ref,
  CreateResourcePool: ({ vsphere, self, args }) => vsphere.pool.create(self, args.name, args.spec),
  UpdateConfig: ({ vsphere, self, args }) => vsphere.pool.update(self, args.name, args.config),
  MoveIntoResourcePool: ({ vsphere, self, args }) => vsphere.pool.moveInto(self, args.list),
  UpdateChildResourceConfiguration: ({ vsphere, self, args }) => vsphere.pool.updateChildren(self, args.spec),
  DestroyChildren: ({ vsphere, self }) => vsphere.pool.destroyChildren(self),
  // The runtime is computed on every read: there is nothing to refresh.
  RefreshRuntime: ({ vsphere, self }) => {
    vsphere.lookup(self);
  },
  AttachDisk_Task: ({ vsphere, self, args }) =>
    vsphere.disks.attach(self, args.diskId, args.datastore, args.controllerKey, args.unitNumber).ref,
  DetachDisk_Task: ({ vsphere, self, args }) => vsphere.disks.detach(self, args.diskId).ref,
  CreateDisk_Task: ({ vsphere, args }) => vsphere.disks.create(args.spec).ref,
  RegisterDisk: ({ vsphere, args }) => vsphere.disks.register(args.path, args.name),
  SetVStorageObjectControlFlags: ({ vsphere, args }) =>
    vsphere.disks.setControlFlags(args.id, args.datastore, args.controlFlags),
  ClearVStorageObjectControlFlags: ({ vsphere, args }) =>
    vsphere.disks.clearControlFlags(args.id, args.datastore, args.controlFlags),
  RetrieveVStorageObject: ({ vsphere, args }) => vsphere.disks.retrieve(args.id, args.datastore),
  ListVStorageObject: ({ vsphere, args }) => vsphere.disks.list(args.datastore),
  DeleteVStorageObject_Task: ({ vsphere, args }) => vsphere.disks.delete(args.id, args.datastore).ref,
  SearchDatastore_Task: ({ vsphere, self, args }) =>
    vsphere.datastoreBrowser.search(self, args.datastorePath, args.searchSpec).ref,
  SearchDatastoreSubFolders_Task: ({ vsphere, self, args }) =>
    vsphere.datastoreBrowser.searchSubFolders(self, args.datastorePath, args.searchSpec).ref,
  QueryConfigOptionDescriptor: ({ vsphere, self }) =>
    vsphere.environmentBrowser.configOptionDescriptors(self),
  QueryConfigOption: ({ vsphere, self, args }) =>
    vsphere.environmentBrowser.configOption(self, args.key, args.host),
  QueryConfigOptionEx: ({ vsphere, self, args }) =>
    vsphere.environmentBrowser.configOptionEx(self, args.spec),
  QueryConfigTarget: ({ vsphere, self, args }) => vsphere.environmentBrowser.configTarget(self, args.host),
  RenameVStorageObject: ({ vsphere, args }) => vsphere.disks.rename(args.id, args.datastore, args.name),
  ExtendDisk_Task: ({ vsphere, args }) =>
    vsphere.disks.extend(args.id, args.datastore, args.newCapacityInMB).ref,
};
