import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldCause } from './errors.js';
import { compiled, constraintProblems, type SchemaConstraints, satisfies } from './schema-constraints.js';

/** The causes of one value at `spec.x`, the lists' repeated items after the rest. */
const causesOf = (constraints: SchemaConstraints, value: unknown): FieldCause[] => {
  const causes: FieldCause[] = [];
  const duplicates: FieldCause[] = [];
  constraintProblems(compiled(constraints), value, ['spec', 'x'], causes, duplicates);
  return [...causes, ...duplicates];
};
const messages = (constraints: SchemaConstraints, value: unknown) =>
  causesOf(constraints, value).map((c) => `${c.field}: ${c.message} (${c.reason ?? 'FieldValueInvalid'})`);

describe("a schema's constraints, in kube-openapi's words as the API server passes them on", () => {
  it('an enum: Unsupported value, its values quoted when strings', () => {
    expect(messages({ enum: ['Hard', 'Soft'] }, 'Gentle')).toEqual([
      'spec.x: Unsupported value: "Gentle": supported values: "Hard", "Soft" (FieldValueNotSupported)',
    ]);
    expect(messages({ enum: [1, 2] }, 3)).toEqual([
      'spec.x: Unsupported value: 3: supported values: "1", "2" (FieldValueNotSupported)',
    ]);
    expect(messages({ enum: ['Hard', 'Soft'] }, 'Soft')).toEqual([]);
  });

  it('required fields, missing or null, each at its own path', () => {
    expect(messages({ required: ['name', 'kind', 'ok'] }, { kind: null, ok: '' })).toEqual([
      'spec.x.name: Required value (FieldValueRequired)',
      'spec.x.kind: Required value (FieldValueRequired)',
    ]);
  });

  it("a string's length in characters, its pattern and its format", () => {
    expect(messages({ maxLength: 3 }, '€€€')).toEqual([]);
    expect(messages({ maxLength: 3 }, 'abcd')).toEqual([
      'spec.x: Too long: may not be longer than 3 (FieldValueTooLong)',
    ]);
    expect(messages({ minLength: 1 }, '')).toEqual([
      'spec.x: Invalid value: "": spec.x in body should be at least 1 chars long (FieldValueInvalid)',
    ]);
    expect(messages({ pattern: '^[a-z]+$' }, 'A')).toEqual([
      'spec.x: Invalid value: "A": spec.x in body should match \'^[a-z]+$\' (FieldValueInvalid)',
    ]);
    for (const good of ['2026-01-31T23:59:59Z', '2026-01-31t00:00:00.5+02:00', '2024-02-29T10:00:00,5z'])
      expect(messages({ format: 'date-time' }, good)).toEqual([]);
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '2026-01-01',
      '2026-13-01T00:00:00Z',
      '2024-01-01 10:00:00Z',
      '2024-01-01T10:00:60Z',
      'soon',
    ])
      expect(messages({ format: 'date-time' }, bad)).toEqual([
        `spec.x: Invalid value: "${bad}": spec.x in body must be of type date-time: "${bad}" (FieldValueTypeInvalid)`,
      ]);
    expect(messages({ format: 'uuid' }, '0f8f2c1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f')).toEqual([]);
    expect(messages({ format: 'uuid' }, 'not-a-uuid')).toHaveLength(1);
    expect(messages({ format: 'byte' }, 'aGVsbG8=')).toEqual([]);
    expect(messages({ format: 'byte' }, 'hello!')).toHaveLength(1);
  });

  it("a number's bounds, exclusive or not, and its multiple", () => {
    expect(messages({ minimum: 13 }, 12)).toEqual([
      'spec.x: Invalid value: 12: spec.x in body should be greater than or equal to 13 (FieldValueInvalid)',
    ]);
    expect(messages({ minimum: 0, exclusiveMinimum: true }, 0)).toEqual([
      'spec.x: Invalid value: 0: spec.x in body should be greater than 0 (FieldValueInvalid)',
    ]);
    expect(messages({ maximum: 1 }, 2)).toEqual([
      'spec.x: Invalid value: 2: spec.x in body should be less than or equal to 1 (FieldValueInvalid)',
    ]);
    expect(messages({ maximum: 1, exclusiveMaximum: true }, 1)).toEqual([
      'spec.x: Invalid value: 1: spec.x in body should be less than 1 (FieldValueInvalid)',
    ]);
    expect(messages({ multipleOf: 4 }, 6)).toEqual([
      'spec.x: Invalid value: 6: spec.x in body should be a multiple of 4 (FieldValueInvalid)',
    ]);
    expect(messages({ minimum: 0, maximum: 3, multipleOf: 1 }, 3)).toEqual([]);
  });

  it("a list's and an object's counts", () => {
    expect(messages({ maxItems: 2 }, [1, 2, 3])).toEqual([
      'spec.x: Too many: 3: must have at most 2 items (FieldValueTooMany)',
    ]);
    expect(messages({ minItems: 1 }, [])).toEqual([
      'spec.x: Invalid value: []interface {}{}: spec.x in body should have at least 1 items (FieldValueInvalid)',
    ]);
    expect(messages({ maxProperties: 1 }, { a: 1, b: 2 })).toEqual([
      'spec.x: Too many: 2: must have at most 1 items (FieldValueTooMany)',
    ]);
    expect(messages({ minProperties: 1 }, {})).toEqual([
      'spec.x: Invalid value: map[string]interface {}{}: spec.x in body should have at least 1 properties (FieldValueInvalid)',
    ]);
  });

  it("a set's repeated items and a list map's repeated keys, each at its index, keys as Go prints them", () => {
    expect(messages({ set: true }, ['a', 'b', 'a', { k: 1 }, { k: 1 }])).toEqual([
      'spec.x[2]: Duplicate value: "a" (FieldValueDuplicate)',
      'spec.x[4]: Duplicate value: map[string]interface {}{"k":1} (FieldValueDuplicate)',
    ]);
    const members = [
      { name: 'a', kind: 'VirtualMachine' },
      { kind: 'VirtualMachine', name: 'a', extra: 1 },
      { name: 'a', kind: 'VirtualMachineGroup' },
    ];
    expect(messages({ mapKeys: ['name', 'kind'] }, members)).toEqual([
      'spec.x[1]: Duplicate value: map[string]interface {}{"kind":"VirtualMachine", "name":"a"} (FieldValueDuplicate)',
    ]);
  });

  it("in kube-openapi's order: lengths, pattern, format, then the enum", () => {
    expect(
      causesOf({ maxLength: 2, pattern: '^[a-z]+$', enum: ['ab'] }, 'ABC').map((c) => c.reason ?? 'Invalid'),
    ).toEqual(['FieldValueTooLong', 'Invalid', 'FieldValueNotSupported']);
  });
});

describe('the check every value passes first', () => {
  it('passes exactly the values the constraints give no cause', () => {
    const small = fc.integer({ min: -3, max: 12 });
    const constraints = fc.record(
      {
        enum: fc.array(fc.oneof(fc.constantFrom('a', 'ab', 'x'), small), { maxLength: 3 }),
        required: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }),
        minimum: small,
        maximum: small,
        exclusiveMinimum: fc.boolean(),
        exclusiveMaximum: fc.boolean(),
        multipleOf: fc.integer({ min: 1, max: 4 }),
        minLength: small,
        maxLength: small,
        pattern: fc.constantFrom('^[a-z]+$', '^a'),
        minItems: small,
        maxItems: small,
        minProperties: small,
        maxProperties: small,
        format: fc.constantFrom('date-time' as const, 'uuid' as const, 'byte' as const),
        set: fc.boolean(),
        mapKeys: fc.constant(['name']),
      },
      { requiredKeys: [] },
    );
    const scalar = fc.oneof(
      small,
      fc.constantFrom('a', 'ab', 'AB', 'x€y', '2026-01-01T00:00:00Z', 'aGk=', ''),
    );
    const value = fc.oneof(
      scalar,
      fc.array(fc.oneof(scalar, fc.record({ name: fc.constantFrom('a', 'b') })), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(scalar, fc.constant(null))),
    );
    fc.assert(
      fc.property(constraints, value, (c, v) => {
        expect(satisfies(compiled(c), v)).toBe(causesOf(c, v).length === 0);
      }),
    );
  });
});
