/**
 * What every `/vcenter/vm/{vm}/...` endpoint starts from: the VM the path names (vCenter's
 * not_found otherwise), its stored record, and a ReconfigVM_Task run to its end, as vCenter's
 * REST calls answer once their task has finished.
 */
import type { VmConfigSpec, VmRecord, VSphere } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call } from '../routes.js';
import { lookupOf } from './filters.js';

const VM_NOT_FOUND = 'com.vmware.api.vcenter.vm.not_found';

export const lookupVm = (vsphere: VSphere, id: string | undefined) =>
  lookupOf<VmRecord>(vsphere, id, ['VirtualMachine'], 'Virtual machine', VM_NOT_FOUND);

/** The VM of the call's `{vm}`. */
export const targetVm = (call: Call): VmRecord => lookupVm(call.vsphere, call.params.vm);

/** Applies `spec` to the call's VM with ReconfigVM_Task and waits for it. */
export const reconfigureVm = async (call: Call, spec: VmConfigSpec): Promise<void> => {
  await call.vsphere.vm.reconfigure(targetVm(call).id, spec).wait();
};

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The call's spec (bare in `/api`, under `key` in `/rest`) as an object; invalid_argument otherwise. */
export const specOf = (call: Call, key = 'spec'): Record<string, unknown> => {
  const spec = call.style.spec(call.body, key);
  if (!isObject(spec)) throw restError('invalid_argument', 'The request body must be a JSON object.');
  return spec;
};

/** An optional field of a spec, checked against its JSON type. */
export const field = <T extends 'boolean' | 'number' | 'string' | 'object'>(
  spec: Record<string, unknown>,
  name: string,
  type: T,
):
  | (T extends 'boolean'
      ? boolean
      : T extends 'number'
        ? number
        : T extends 'string'
          ? string
          : Record<string, unknown>)
  | undefined => {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  const ok = type === 'object' ? isObject(value) : typeof value === type;
  if (!ok) throw restError('invalid_argument', `The field '${name}' must be a ${type}.`);
  return value as never;
};
