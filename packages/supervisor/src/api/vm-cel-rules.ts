/**
 * The VirtualMachine CRD's CEL rules (`x-kubernetes-validations`, v1alpha6's), which the API server
 * runs after the rest of the schema: the vNUMA topology's cores per socket, a VMXNET3 interface's
 * tuning fields and IPAM modes, and CPU quantities without a milli suffix. A rule's failure is
 * reported on the value the rule is on, with its schema type and the rule's message
 * (`spec.network.interfaces[0]: Invalid value: "object": vmxnet3 tuning fields require interface
 * type VMXNet3`); a rule that reads a field that is not there fails to evaluate, and says so.
 * A VirtualMachineReplicaSet's template is held to the same rules.
 */
import type { FieldCause } from '../store/errors.js';
import { isPlainObject, type KubeObject } from '../store/meta.js';

type Fields = Record<string, unknown>;

/** A rule's failure on a value of the schema type `type` ('' for an integer-or-string). */
const failed = (field: string, type: string, message: string): FieldCause => ({
  field,
  message: `Invalid value: ${JSON.stringify(type)}: ${message}`,
  reason: 'FieldValueInvalid',
});

const VNUMA = 'vnumaNodeCount requires coresPerSocket to be set to an explicit (non-zero) value';
const VMXNET3_TYPE = 'vmxnet3 tuning fields require interface type VMXNet3';
const IPAM_MODES = 'each ipamModes entry must be IPv4 or IPv6';
const COALESCING_PARAMS = 'coalescingParams must have length < 128';
const COALESCING_SCHEME =
  'must be Disabled, Adapt, Static, RateBasedCoalescing, or any other string shorter than 128 characters';
const CTX_PER_DEV = 'must be PerDevice, PerVM, PerQueue, or a number (1-9)';
const PNIC_FEATURE =
  'must be LargeReceiveOffload, ReceiveSideScaling, or a non-empty decimal digits string for VMX pNICFeatures bitmask values (powers of two such as 1, 2, 4, 8)';
const MILLI_CPU =
  "CPU must be a whole number (e.g. '4' for vCPUs or '2000' for 2000 MHz). The 'm' (milli) suffix is not supported.";

const SCHEMES = new Set(['Disabled', 'Adapt', 'Static', 'RateBasedCoalescing']);
const CTX_PER_DEV_VALUES = /^(PerDevice|PerVM|PerQueue|[1-9])$/;
const PNIC_FEATURES = /^(LargeReceiveOffload|ReceiveSideScaling|[1-9][0-9]*)$/;

/** CEL's character count of a string (code points). */
const size = (text: string): number => [...text].length;

function interfaceProblems(iface: Fields, at: string, out: FieldCause[]): void {
  if (iface.vmxnet3 !== undefined) {
    if (iface.type === undefined)
      out.push(failed(at, 'object', `no such key: type evaluating rule: ${VMXNET3_TYPE}`));
    else if (iface.type !== 'VMXNet3') out.push(failed(at, 'object', VMXNET3_TYPE));
  }
  const modes = iface.ipamModes;
  if (Array.isArray(modes) && !modes.every((m) => m === 'IPv4' || m === 'IPv6'))
    out.push(failed(at, 'object', IPAM_MODES));
  if (!isPlainObject(iface.vmxnet3)) return;
  const { coalescingParams, coalescingScheme, ctxPerDev, pnicFeatures } = iface.vmxnet3;
  const vmxnet3 = `${at}.vmxnet3`;
  if (typeof coalescingParams === 'string' && size(coalescingParams) >= 128)
    out.push(failed(vmxnet3, 'object', COALESCING_PARAMS));
  if (typeof coalescingScheme === 'string' && !SCHEMES.has(coalescingScheme) && size(coalescingScheme) >= 128)
    out.push(failed(`${vmxnet3}.coalescingScheme`, 'string', COALESCING_SCHEME));
  if (typeof ctxPerDev === 'string' && !CTX_PER_DEV_VALUES.test(ctxPerDev))
    out.push(failed(`${vmxnet3}.ctxPerDev`, 'string', CTX_PER_DEV));
  if (Array.isArray(pnicFeatures))
    pnicFeatures.forEach((feature, i) => {
      if (typeof feature === 'string' && !PNIC_FEATURES.test(feature))
        out.push(failed(`${vmxnet3}.pnicFeatures[${i}]`, 'string', PNIC_FEATURE));
    });
}

/** A VM's spec, at `at` in the object written, against the CRD's CEL rules. */
function specProblems(spec: Fields, at: string): FieldCause[] {
  const out: FieldCause[] = [];
  const topology = isPlainObject(spec.cpuAdvanced) ? spec.cpuAdvanced.topology : undefined;
  if (isPlainObject(topology)) {
    const { vnumaNodeCount, coresPerSocket } = topology;
    if (
      vnumaNodeCount !== undefined &&
      vnumaNodeCount !== 0 &&
      !(typeof coresPerSocket === 'number' && coresPerSocket > 0)
    )
      out.push(failed(`${at}.cpuAdvanced.topology`, 'object', VNUMA));
  }
  const interfaces = isPlainObject(spec.network) ? spec.network.interfaces : undefined;
  if (Array.isArray(interfaces))
    interfaces.forEach((iface, i) => {
      if (isPlainObject(iface)) interfaceProblems(iface, `${at}.network.interfaces[${i}]`, out);
    });
  if (isPlainObject(spec.resources))
    for (const part of ['limits', 'requests', 'size']) {
      const cpu = (spec.resources[part] as Fields | undefined)?.cpu;
      if (typeof cpu === 'string' && cpu.endsWith('m'))
        out.push(failed(`${at}.resources.${part}.cpu`, '', MILLI_CPU));
    }
  return out;
}

export function vmCelProblems(object: KubeObject): FieldCause[] {
  return isPlainObject(object.spec) ? specProblems(object.spec, 'spec') : [];
}

export function vmReplicaSetCelProblems(object: KubeObject): FieldCause[] {
  const template = isPlainObject(object.spec) ? object.spec.template : undefined;
  return isPlainObject(template) && isPlainObject(template.spec)
    ? specProblems(template.spec, 'spec.template.spec')
    : [];
}
