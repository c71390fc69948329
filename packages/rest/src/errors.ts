/**
 * vAPI standard errors: the error types a REST client sees, their HTTP statuses, and the
 * one table that turns the model's VimFaults into them. Both URL styles raise RestError;
 * styles.ts writes it in the style's own body.
 */
import { type Fault, isVimFault } from '@vsim/vsphere';

/** vAPI's standard error types (com.vmware.vapi.std.errors.*) that this facade raises. */
export type ErrorType =
  | 'already_exists'
  | 'already_in_desired_state'
  | 'canceled'
  | 'concurrent_change'
  | 'error'
  | 'invalid_argument'
  | 'invalid_element_type'
  | 'not_allowed_in_current_state'
  | 'not_found'
  | 'resource_busy'
  | 'resource_in_use'
  | 'service_unavailable'
  | 'unable_to_allocate_resource'
  | 'unauthenticated'
  | 'unauthorized'
  | 'unsupported';

/** The HTTP status of each error type, as vCenter answers it; anything unlisted is 400. */
const STATUS: Partial<Record<ErrorType, number>> = {
  unauthenticated: 401,
  unauthorized: 403,
  not_found: 404,
  concurrent_change: 409,
  error: 500,
  service_unavailable: 503,
};

export const statusOf = (type: ErrorType): number => STATUS[type] ?? 400;

/** A vAPI LocalizableMessage. */
export interface Message {
  readonly id: string;
  readonly default_message: string;
  readonly args: readonly string[];
}

export class RestError extends Error {
  readonly type: ErrorType;
  readonly messages: readonly Message[];

  constructor(
    type: ErrorType,
    message: string,
    id = `com.vmware.vapi.std.errors.${type}`,
    args: string[] = [],
  ) {
    super(message);
    this.name = 'RestError';
    this.type = type;
    this.messages = [{ id, default_message: message, args }];
  }

  get status(): number {
    return statusOf(this.type);
  }
}

export const restError = (type: ErrorType, message: string, id?: string, args?: string[]) =>
  new RestError(type, message, id, args);

/** A power action into the state the VM is already in, versus one its state forbids. */
const powerState = (fault: Fault): ErrorType =>
  fault.requestedState !== undefined && fault.requestedState === fault.existingState
    ? 'already_in_desired_state'
    : 'not_allowed_in_current_state';

/** Fault type -> vAPI error type. Faults not listed are `error` (500). */
const FAULTS: Readonly<Record<string, ErrorType | ((fault: Fault) => ErrorType)>> = {
  NotFound: 'not_found',
  ManagedObjectNotFound: 'not_found',
  FileNotFound: 'not_found',
  AlreadyExists: 'already_exists',
  DuplicateName: 'already_exists',
  InvalidArgument: 'invalid_argument',
  InvalidName: 'invalid_argument',
  InvalidProperty: 'invalid_argument',
  InvalidVmConfig: 'invalid_argument',
  InvalidDeviceSpec: 'invalid_argument',
  InvalidDatastorePath: 'invalid_argument',
  // A guest customization the VM cannot take (a spec of another guest, more NIC settings than NICs).
  CustomizationFault: 'invalid_argument',
  NicSettingMismatch: 'invalid_argument',
  // vCenter's word for a device that cannot be hot-plugged into a running VM.
  DeviceHotPlugNotSupported: 'not_allowed_in_current_state',
  TooManyDevices: 'unable_to_allocate_resource',
  InvalidPowerState: powerState,
  InvalidState: 'not_allowed_in_current_state',
  InvalidHostConnectionState: 'not_allowed_in_current_state',
  NoActiveHostInCluster: 'not_allowed_in_current_state',
  CpuHotPlugNotSupported: 'not_allowed_in_current_state',
  MemoryHotPlugNotSupported: 'not_allowed_in_current_state',
  AlreadyUpgraded: 'already_in_desired_state',
  NotAuthenticated: 'unauthenticated',
  InvalidLogin: 'unauthenticated',
  NoPermission: 'unauthorized',
  NotSupported: 'unsupported',
  // A change made as of a version someone else has changed since.
  ConcurrentAccess: 'concurrent_change',
  ResourceInUse: 'resource_in_use',
  ResourceBusy: 'resource_busy',
  InsufficientResourcesFault: 'unable_to_allocate_resource',
  InsufficientCpuResourcesFault: 'unable_to_allocate_resource',
  InsufficientMemoryResourcesFault: 'unable_to_allocate_resource',
  ToolsUnavailable: 'service_unavailable',
  RequestCanceled: 'canceled',
};

/** Any thrown value as the RestError a client should see; model faults keep their message. */
export const toRestError = (error: unknown): RestError => {
  if (error instanceof RestError) return error;
  if (isVimFault(error)) {
    const rule = FAULTS[error.fault._type];
    const type = rule === undefined ? 'error' : typeof rule === 'string' ? rule : rule(error.fault);
    return new RestError(type, error.message, `vim.fault.${error.fault._type}`);
  }
  return new RestError('error', `A general system error occurred: ${String(error)}`);
};
