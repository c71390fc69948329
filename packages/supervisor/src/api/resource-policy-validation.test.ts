import { describe, expect, it } from 'vitest';
import { validateResourcePolicyCreate, validateResourcePolicyUpdate } from './resource-policy-validation.js';
import type { VirtualMachineSetResourcePolicy, VirtualMachineSetResourcePolicySpec } from './types.js';
import type { FieldError } from './validation.js';

function policy(spec: VirtualMachineSetResourcePolicySpec = {}): VirtualMachineSetResourcePolicy {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineSetResourcePolicy',
    metadata: { name: 'pool', namespace: 'ns' },
    spec,
  };
}

const POOL = {
  name: 'pool',
  reservations: { cpu: '1', memory: '1Gi' },
  limits: { cpu: '2', memory: '2Gi' },
};

/** Each error as Go's field.Error prints it: `<field>: <message>`. */
const rendered = (errors: FieldError[]): string[] => errors.map((e) => `${e.field}: ${e.message}`);
const OVER_LIMIT = 'reservation value cannot exceed the limit value';

describe('VirtualMachineSetResourcePolicy create', () => {
  const create = (spec: VirtualMachineSetResourcePolicySpec) =>
    rendered(validateResourcePolicyCreate(policy(spec)));

  it('accepts reservations within their limits, or without one', () => {
    expect(create({ resourcePool: POOL, folder: 'f', clusterModuleGroups: ['a', 'b'] })).toEqual([]);
    expect(create({})).toEqual([]);
    expect(create({ resourcePool: { reservations: { cpu: '4', memory: '8Gi' } } })).toEqual([]);
    expect(create({ resourcePool: { reservations: { cpu: '4' }, limits: { cpu: '0' } } })).toEqual([]);
  });

  it('refuses a reservation above its limit, showing it as Go prints it', () => {
    const pool = { reservations: { cpu: '2000m', memory: '4096Mi' }, limits: { cpu: '1', memory: '2Gi' } };
    expect(validateResourcePolicyCreate(policy({ resourcePool: pool }))).toEqual([
      {
        field: 'spec.resourcePool.reservations.cpu',
        message: `Invalid value: "2": ${OVER_LIMIT}`,
        reason: 'FieldValueInvalid',
      },
      {
        field: 'spec.resourcePool.reservations.memory',
        message: `Invalid value: "4Gi": ${OVER_LIMIT}`,
        reason: 'FieldValueInvalid',
      },
    ]);
  });

  it('compares whole units, rounded up', () => {
    const cpu = (reservation: string, limit: string) =>
      create({ resourcePool: { reservations: { cpu: reservation }, limits: { cpu: limit } } });
    expect(cpu('1100m', '1900m')).toEqual([]);
    expect(cpu('1500m', '1')).toEqual([
      `spec.resourcePool.reservations.cpu: Invalid value: "1500m": ${OVER_LIMIT}`,
    ]);
  });

  it.each([
    ['2000', '2k'],
    ['1.5', '1500m'],
    ['+2', '+2'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['01Mi', '01Mi'],
    ['0.5Ki', '512'],
    ['1e2', '100'],
    ['1e3', '1e3'],
    ['150e-2', '1500e-3'],
    ['1.0001', '1000100u'],
    ['1.5k', '1500'],
    ['1.G', '1.G'],
    ['9Ei', '9223372036854775807'],
  ])('prints a reservation of %s as %s', (written, shown) => {
    expect(create({ resourcePool: { reservations: { memory: written }, limits: { memory: '1m' } } })).toEqual(
      [`spec.resourcePool.reservations.memory: Invalid value: "${shown}": ${OVER_LIMIT}`],
    );
  });

  it('refuses a cluster module group named twice', () => {
    expect(validateResourcePolicyCreate(policy({ clusterModuleGroups: ['a', 'b', 'a', 'a'] }))).toEqual(
      [2, 3].map((i) => ({
        field: `spec.clusterModuleGroups[${i}].clusterModuleGroups`,
        message: 'Duplicate value: "a"',
        reason: 'FieldValueDuplicate',
      })),
    );
  });
});

describe('VirtualMachineSetResourcePolicy update', () => {
  const update = (next: VirtualMachineSetResourcePolicySpec, prev: VirtualMachineSetResourcePolicySpec) =>
    rendered(validateResourcePolicyUpdate(policy(next), policy(prev)));

  it('accepts the same spec, however its quantities are written', () => {
    const same = {
      ...POOL,
      reservations: { cpu: '1000m', memory: '1024Mi' },
      limits: { cpu: '2', memory: '2Gi' },
    };
    expect(update({ resourcePool: same, clusterModuleGroups: [] }, { resourcePool: POOL })).toEqual([]);
    expect(update({ resourcePool: { reservations: { cpu: '0' } } }, {})).toEqual([]);
  });

  it('checks nothing but immutability', () => {
    const over = { reservations: { cpu: '4' }, limits: { cpu: '1' } };
    expect(
      update(
        { resourcePool: over, clusterModuleGroups: ['a', 'a'] },
        { resourcePool: over, clusterModuleGroups: ['a', 'a'] },
      ),
    ).toEqual([]);
  });

  it('keeps the resource pool, showing the new one as Go encodes it', () => {
    expect(update({ resourcePool: { ...POOL, limits: { cpu: '3000m' } } }, { resourcePool: POOL })).toEqual([
      'spec.resourcePool: Invalid value: {"name":"pool","reservations":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"3","memory":"0"}}: field is immutable',
    ]);
    expect(update({}, { resourcePool: { name: 'old' } })).toEqual([
      'spec.resourcePool: Invalid value: {"reservations":{"cpu":"0","memory":"0"},"limits":{"cpu":"0","memory":"0"}}: field is immutable',
    ]);
  });

  it('keeps the folder and the cluster module groups', () => {
    expect(
      update(
        { folder: 'new', clusterModuleGroups: ['b', 'a'] },
        { folder: 'old', clusterModuleGroups: ['a', 'b'] },
      ),
    ).toEqual([
      'spec.folder: Invalid value: "new": field is immutable',
      'spec.clusterModuleGroups: Invalid value: ["b","a"]: field is immutable',
    ]);
    expect(update({}, { folder: 'old', clusterModuleGroups: ['a'] })).toEqual([
      'spec.folder: Invalid value: "": field is immutable',
      'spec.clusterModuleGroups: Invalid value: null: field is immutable',
    ]);
  });
});
