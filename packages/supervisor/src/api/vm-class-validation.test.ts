import { describe, expect, it } from 'vitest';
import type { VirtualMachineClass, VirtualMachineClassSpec } from './types.js';
import type { FieldError } from './validation.js';
import {
  validateVirtualMachineClassCreate,
  validateVirtualMachineClassUpdate,
} from './vm-class-validation.js';

function vmClass(spec?: VirtualMachineClassSpec): VirtualMachineClass {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineClass',
    metadata: { name: 'best-effort-small', namespace: 'ns' },
    ...(spec ? { spec } : {}),
  };
}

const policies = (
  requests: { cpu?: string; memory?: string } | undefined,
  limits: { cpu?: string; memory?: string } | undefined,
): VirtualMachineClassSpec => ({
  hardware: { cpus: 2, memory: '4Gi' },
  policies: { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } },
});

/** Each error as Go's field.Error prints it: `<field>: <message>`. */
const rendered = (errors: FieldError[]): string[] => errors.map((e) => `${e.field}: ${e.message}`);
const CPU = 'CPU request must not be larger than the CPU limit';
const MEMORY = 'memory request must not be larger than the memory limit';

describe('VirtualMachineClass create', () => {
  const create = (spec?: VirtualMachineClassSpec) =>
    rendered(validateVirtualMachineClassCreate(vmClass(spec)));

  it('accepts requests within their limits, or without one', () => {
    expect(create()).toEqual([]);
    expect(create({ hardware: { cpus: 2, memory: '4Gi' } })).toEqual([]);
    expect(create(policies({ cpu: '1', memory: '1Gi' }, { cpu: '2', memory: '2Gi' }))).toEqual([]);
    expect(create(policies({ cpu: '2', memory: '2Gi' }, { cpu: '2000m', memory: '2048Mi' }))).toEqual([]);
    // Guaranteed classes, as the Supervisor's own: requests and no limits.
    expect(create(policies({ cpu: '2', memory: '4Gi' }, undefined))).toEqual([]);
    expect(create(policies(undefined, { cpu: '1', memory: '1Gi' }))).toEqual([]);
  });

  it('lets a zero limit or request bound nothing', () => {
    expect(create(policies({ cpu: '4', memory: '8Gi' }, { cpu: '0', memory: '0' }))).toEqual([]);
    expect(create(policies({ cpu: '0', memory: '0Gi' }, { cpu: '1', memory: '1Gi' }))).toEqual([]);
  });

  it('refuses a request above its limit, showing it as Go prints it', () => {
    expect(
      validateVirtualMachineClassCreate(
        vmClass(policies({ cpu: '2Gi', memory: '4096Mi' }, { cpu: '1Gi', memory: '2Gi' })),
      ),
    ).toEqual([
      {
        field: 'spec.policies.resources.requests.cpu',
        message: `Invalid value: "2Gi": ${CPU}`,
        reason: 'FieldValueInvalid',
      },
      {
        field: 'spec.policies.resources.requests.memory',
        message: `Invalid value: "4Gi": ${MEMORY}`,
        reason: 'FieldValueInvalid',
      },
    ]);
    expect(create(policies({ cpu: '3000m' }, { cpu: '2' }))).toEqual([
      `spec.policies.resources.requests.cpu: Invalid value: "3": ${CPU}`,
    ]);
  });

  it('compares whole units, rounded up, as Go reads Value()', () => {
    expect(create(policies({ cpu: '1100m' }, { cpu: '1900m' }))).toEqual([]);
    expect(create(policies({ cpu: '1500m' }, { cpu: '1' }))).toEqual([
      `spec.policies.resources.requests.cpu: Invalid value: "1500m": ${CPU}`,
    ]);
    expect(create(policies({ memory: '1001m' }, { memory: '1' }))).toEqual([
      `spec.policies.resources.requests.memory: Invalid value: "1001m": ${MEMORY}`,
    ]);
  });

  it('leaves a quantity that does not parse to the schema', () => {
    expect(create(policies({ cpu: 'lots' }, { cpu: '1' }))).toEqual([]);
  });
});

describe('VirtualMachineClass update', () => {
  it('lets every update through, even to a request above its limit', () => {
    const over = vmClass(policies({ cpu: '4', memory: '8Gi' }, { cpu: '1', memory: '1Gi' }));
    expect(validateVirtualMachineClassUpdate(over, vmClass())).toEqual([]);
    expect(validateVirtualMachineClassUpdate(vmClass({ hardware: { cpus: 64 } }), over)).toEqual([]);
  });
});
