/**
 * vSphere faults as typed errors. `fault` is the wire object (its `_type` is the xsi:type
 * the SOAP facade writes in the fault detail); the error's message is the faultstring.
 */
import type { MoRef } from './refs.js';

export interface Fault {
  readonly _type: string;
  readonly [field: string]: unknown;
}

export class VimFault<F extends Fault = Fault> extends Error {
  readonly fault: F;

  constructor(fault: F, message: string) {
    super(message);
    this.name = fault._type;
    this.fault = fault;
  }
}

export const isVimFault = (error: unknown, type?: string): error is VimFault =>
  error instanceof VimFault && (type === undefined || error.fault._type === type);

const fault = <F extends Fault>(f: F, message: string) => new VimFault(f, message);

export type PowerState = 'poweredOn' | 'poweredOff' | 'suspended';

export const faults = {
  notAuthenticated: (object: MoRef, privilegeId = 'System.View') =>
    fault({ _type: 'NotAuthenticated', object, privilegeId }, 'The session is not authenticated.'),
  invalidLogin: () =>
    fault({ _type: 'InvalidLogin' }, 'Cannot complete login due to an incorrect user name or password.'),
  managedObjectNotFound: (obj: MoRef) =>
    fault(
      { _type: 'ManagedObjectNotFound', obj },
      `The object 'vim.${obj.type}:${obj.value}' has already been deleted or has not been completely created`,
    ),
  methodNotFound: (receiver: MoRef, method: string) =>
    fault(
      { _type: 'MethodNotFound', receiver, method },
      `The method ${method} is not supported on ${receiver.type}.`,
    ),
  invalidPowerState: (requestedState: PowerState | undefined, existingState: PowerState) =>
    fault(
      requestedState === undefined
        ? { _type: 'InvalidPowerState', existingState }
        : { _type: 'InvalidPowerState', requestedState, existingState },
      `The attempted operation cannot be performed in the current state (${powerStateLabel[existingState]}).`,
    ),
  /** A hardware version the hosts do not run, or text that names none. */
  unsupportedHardwareVersion: (version: string) =>
    fault({ _type: 'NotSupported' }, `The hardware version '${version}' is not supported.`),
  alreadyUpgraded: () =>
    fault({ _type: 'AlreadyUpgraded' }, 'Virtual machine compatibility is already up-to-date.'),
  invalidState: (message = 'The operation is not allowed in the current state.') =>
    fault({ _type: 'InvalidState' }, message),
  /** No host of the compute resource can run a VM (all down, in maintenance or without its datastore). */
  noActiveHostInCluster: (computeResource: MoRef) =>
    fault(
      { _type: 'NoActiveHostInCluster', computeResource },
      'The compute resource has no host available to run the virtual machine.',
    ),
  hostInMaintenance: () =>
    fault(
      { _type: 'InvalidState' },
      'The operation is not allowed in the current state of the host: maintenance mode.',
    ),
  /** An InvalidState naming the host whose connection state (disconnected) forbids the operation. */
  invalidHostConnectionState: (host?: MoRef) =>
    fault(
      host ? { _type: 'InvalidHostConnectionState', host } : { _type: 'InvalidHostConnectionState' },
      'The operation is not allowed in the current connection state of the host.',
    ),
  duplicateName: (name: string, object: MoRef) =>
    fault({ _type: 'DuplicateName', name, object }, `The name '${name}' already exists.`),
  alreadyExists: (name: string) =>
    fault(
      { _type: 'AlreadyExists', name },
      `The specified key, name, or identifier '${name}' already exists.`,
    ),
  /** Admission control: a pool has `unreserved` MHz left where an operation asks `requested`. */
  insufficientCpuResources: (unreserved: number, requested: number) =>
    fault(
      { _type: 'InsufficientCpuResourcesFault', unreserved, requested },
      'The available CPU resources in the parent resource pool are insufficient for the operation.',
    ),
  /** Admission control: a pool has `unreserved` bytes left where an operation asks `requested`. */
  insufficientMemoryResources: (unreserved: number, requested: number) =>
    fault(
      { _type: 'InsufficientMemoryResourcesFault', unreserved, requested },
      'The available Memory resources in the parent resource pool are insufficient for the operation.',
    ),
  invalidName: (name: string, entity?: MoRef) =>
    fault(
      entity ? { _type: 'InvalidName', name, entity } : { _type: 'InvalidName', name },
      `The name '${name}' is invalid.`,
    ),
  invalidArgument: (invalidProperty?: string) =>
    fault(
      invalidProperty ? { _type: 'InvalidArgument', invalidProperty } : { _type: 'InvalidArgument' },
      invalidProperty
        ? `A specified parameter was not correct: ${invalidProperty}`
        : 'A specified parameter was not correct.',
    ),
  invalidVmConfig: (property: string) =>
    fault({ _type: 'InvalidVmConfig', property }, `Invalid virtual machine configuration: ${property}`),
  /**
   * A fault of a VM's configuration as ESX raises it, its reason in `faultMessage` under its
   * message catalogue key when it has one (`msg.hostd.configSpec.enc.snapshots`), which clients
   * match on.
   */
  vmConfigFault: (
    type: 'GenericVmConfigFault' | 'InvalidVmConfig' | 'InvalidDeviceSpec' | 'InvalidDeviceOperation',
    key: string | undefined,
    message: string,
    fields: Readonly<Record<string, unknown>> = {},
  ) =>
    fault(
      {
        _type: type,
        ...(type === 'GenericVmConfigFault' ? { reason: message } : {}),
        ...(type === 'InvalidVmConfig' ? { property: 'configSpec.crypto' } : {}),
        ...fields,
        ...(key ? { faultMessage: [{ _type: 'LocalizableMessage', key, message }] } : {}),
      },
      message,
    ),
  invalidDeviceSpec: (property: string, deviceIndex: number) =>
    fault(
      { _type: 'InvalidDeviceSpec', property, deviceIndex },
      `Invalid configuration for device '${deviceIndex}'.`,
    ),
  /** A device for which the VM has no controller (AttachDisk_Task's, with no SCSI or SATA unit free). */
  missingController: (property: string, deviceIndex: number) =>
    fault(
      { _type: 'MissingController', property, deviceIndex },
      `No controller was found for device '${deviceIndex}'.`,
    ),
  /** A device a running VM can neither gain nor lose (a serial or parallel port). */
  deviceHotPlugNotSupported: (property: string, deviceIndex: number) =>
    fault(
      { _type: 'DeviceHotPlugNotSupported', property, deviceIndex },
      `The device of device change '${deviceIndex}' cannot be added or removed unless the virtual machine is powered off.`,
    ),
  /** More devices of one kind than a VM may have. */
  tooManyDevices: (property: string, message: string) =>
    fault({ _type: 'TooManyDevices', property }, message),
  invalidDeviceOperation: (property: string, deviceIndex: number, badOp?: string, badFileOp?: string) =>
    fault(
      {
        _type: 'InvalidDeviceOperation',
        property,
        deviceIndex,
        ...(badOp ? { badOp } : {}),
        ...(badFileOp ? { badFileOp } : {}),
      },
      `Invalid operation for device '${deviceIndex}'.`,
    ),
  invalidFolder: (target: MoRef) =>
    fault(
      { _type: 'InvalidFolder', target },
      'A folder cannot be moved into itself or one of its descendants.',
    ),
  invalidProperty: (name: string) => fault({ _type: 'InvalidProperty', name }, `Invalid property: ${name}`),
  invalidDatastorePath: (datastorePath: string) =>
    fault(
      // InvalidDatastore.datastore, a reference, is optional: no datastore is named here.
      { _type: 'InvalidDatastorePath', name: datastorePath, datastorePath },
      `Invalid datastore path '${datastorePath}'.`,
    ),
  fileNotFound: (file: string) => fault({ _type: 'FileNotFound', file }, `File ${file} was not found`),
  fileAlreadyExists: (file: string) =>
    fault(
      { _type: 'FileAlreadyExists', file },
      `Cannot complete the operation because the file or folder ${file} already exists`,
    ),
  cannotCreateFile: (file: string) =>
    fault({ _type: 'CannotCreateFile', file }, `Cannot create the file or folder ${file}`),
  cannotDeleteFile: (file: string) =>
    fault({ _type: 'CannotDeleteFile', file }, `Cannot delete the file or folder ${file}`),
  /** A write that needs more than a datastore's free space. */
  noDiskSpace: (file: string, datastore: string) =>
    fault(
      { _type: 'NoDiskSpace', file, datastore },
      `There is not enough space on the file system for the selected operation: ${file} on datastore '${datastore}'.`,
    ),
  /** A file in use: those a VM or a First Class Disk is made of. */
  fileLocked: (file: string) =>
    fault({ _type: 'FileLocked', file }, `Unable to access the file ${file} since it is locked`),
  /** A VM's configuration file that cannot be read as one (a VmConfigFault). */
  invalidFormat: (file: string) =>
    fault({ _type: 'InvalidFormat' }, `The file ${file} is not a virtual machine configuration file.`),
  notFound: (message = 'The object or item referred to could not be found.') =>
    fault({ _type: 'NotFound' }, message),
  notSupported: (message = 'The operation is not supported on the object.') =>
    fault({ _type: 'NotSupported' }, message),
  notImplemented: (message = 'The operation is not implemented.') =>
    fault({ _type: 'NotImplemented' }, message),
  /** What a host answers when it cannot make a change of its configuration. */
  hostConfigFault: (message: string) => fault({ _type: 'HostConfigFault' }, message),
  resourceInUse: (type: string, name: string) =>
    fault({ _type: 'ResourceInUse', type, name }, `The resource '${name}' is in use.`),
  /** vAPI's ResourceBusy, which vim25 has no fault for: the content library's REST calls raise it. */
  resourceBusy: (message: string) => fault({ _type: 'ResourceBusy' }, message),
  requestCanceled: () => fault({ _type: 'RequestCanceled' }, 'The task was canceled by a user.'),
  /** CPUs added (or removed) while the VM runs without cpuHotAddEnabled (cpuHotRemoveEnabled). */
  cpuHotPlugNotSupported: () =>
    fault({ _type: 'CpuHotPlugNotSupported' }, 'CPU hot plug is not supported for this virtual machine.'),
  /** Memory changed while the VM runs without memoryHotAddEnabled, or shrunk while it runs. */
  memoryHotPlugNotSupported: () =>
    fault(
      { _type: 'MemoryHotPlugNotSupported' },
      'Memory hot plug is not supported for this virtual machine.',
    ),
  toolsUnavailable: () =>
    fault(
      { _type: 'ToolsUnavailable' },
      'Cannot complete operation because VMware Tools is not running in this virtual machine.',
    ),
  /** A mandatory VM-host rule keeps the VM off the host (a VmConfigFault). */
  vmHostAffinityRuleViolation: (vmName: string, hostName: string) =>
    fault(
      { _type: 'VmHostAffinityRuleViolation', vmName, hostName },
      `The virtual machine ${vmName} violates a mandatory VM-Host affinity rule on host ${hostName}.`,
    ),
  insufficientResources: (message = 'Insufficient resources to satisfy the request.') =>
    fault({ _type: 'InsufficientResourcesFault' }, message),
  invalidCollectorVersion: () =>
    fault({ _type: 'InvalidCollectorVersion' }, 'The specified collector version is invalid.'),
  invalidType: (argument: string) =>
    fault({ _type: 'InvalidType', argument }, `The type '${argument}' is not a valid type.`),
  invalidDatastore: (name: string) =>
    fault({ _type: 'InvalidDatastore', name }, `The datastore '${name}' is not valid.`),
  nicSettingMismatch: (numberOfNicsInSpec: number, numberOfNicsInVM: number) =>
    fault(
      { _type: 'NicSettingMismatch', numberOfNicsInSpec, numberOfNicsInVM },
      `The number of network adapter settings in the customization specification (${numberOfNicsInSpec}) does not match the number of network adapters in the virtual machine (${numberOfNicsInVM}).`,
    ),
  concurrentAccess: () =>
    fault(
      { _type: 'ConcurrentAccess' },
      'The object has already been updated or deleted by another operation.',
    ),
  customizationFault: (message: string) => fault({ _type: 'CustomizationFault' }, message),
  customizationPending: () =>
    fault(
      { _type: 'CustomizationPending' },
      'Cannot customize the virtual machine: a customization is already pending.',
    ),
  /** A fault chosen by a test through the interception point. */
  custom: (f: Fault, message?: string) => fault(f, message ?? `${f._type} (injected)`),
};

const powerStateLabel: Record<PowerState, string> = {
  poweredOn: 'Powered on',
  poweredOff: 'Powered off',
  suspended: 'Suspended',
};
