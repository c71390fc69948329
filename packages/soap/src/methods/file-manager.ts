/** FileManager's methods, each the model's file operation underneath; task methods return the Task at once. */
import type { MethodTable, SoapCall } from './call.js';

/** MoveDatastoreFile_Task's and CopyDatastoreFile_Task's arguments, in the model's order. */
const transferArgs = ({ args }: SoapCall) =>
  [
    args.sourceName,
    args.sourceDatacenter,
    args.destinationName,
    args.destinationDatacenter,
    args.force ?? false,
  ] as const;

export const fileManagerMethods: MethodTable = {
  MakeDirectory: ({ vsphere, args }) =>
    vsphere.files.makeDirectory(args.name, args.datacenter, args.createParentDirectories ?? false),
  DeleteDatastoreFile_Task: ({ vsphere, args }) => vsphere.files.delete(args.name, args.datacenter).ref,
  MoveDatastoreFile_Task: (call) => call.vsphere.files.move(...transferArgs(call)).ref,
  CopyDatastoreFile_Task: (call) => call.vsphere.files.copy(...transferArgs(call)).ref,
};
