import { describe, expect, it } from 'vitest';
import {
  ASYNC_QUOTA_ANNOTATIONS,
  validatePublishRequestCreate,
  validatePublishRequestUpdate,
} from './publish-request-validation.js';
import type { VirtualMachinePublishRequest, VirtualMachinePublishRequestSpec } from './types.js';
import type { FieldError } from './validation.js';

function request(
  spec: VirtualMachinePublishRequestSpec | undefined,
  annotations?: Record<string, string>,
): VirtualMachinePublishRequest {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachinePublishRequest',
    metadata: { name: 'pub', namespace: 'ns', ...(annotations ? { annotations } : {}) },
    ...(spec ? { spec } : {}),
  };
}

/** Each error as Go's field.Error prints it: `<field>: <message>`. */
const rendered = (errors: FieldError[]): string[] => errors.map((e) => `${e.field}: ${e.message}`);
const LIBRARY = { name: 'lib' };
const NOT_FOR_NON_ADMINS = 'modifying this annotation is not allowed for non-admin users';

describe('VirtualMachinePublishRequest create', () => {
  const create = (spec: VirtualMachinePublishRequestSpec | undefined, annotations?: Record<string, string>) =>
    rendered(validatePublishRequestCreate(request(spec, annotations)));

  it('accepts a named location, and a source and location that say what they are', () => {
    expect(create({ target: { location: LIBRARY } })).toEqual([]);
    expect(
      create({
        source: { name: 'vm', apiVersion: 'vmoperator.vmware.com/v1alpha6', kind: 'VirtualMachine' },
        target: {
          item: { name: 'golden', description: 'd' },
          location: { name: 'lib', apiVersion: 'imageregistry.vmware.com/v1alpha1', kind: 'ContentLibrary' },
        },
        ttlSecondsAfterFinished: 0,
        backoffLimit: 3,
      }),
    ).toEqual([]);
    // An empty apiVersion or source kind is left alone; any version of the group will do.
    expect(
      create({
        source: { apiVersion: '', kind: '' },
        target: { location: { name: 'lib', apiVersion: 'imageregistry.vmware.com/v1alpha2' } },
      }),
    ).toEqual([]);
  });

  it('refuses a source of another group or kind', () => {
    expect(
      create({
        source: { apiVersion: 'vmoperator.broad.com/v1alpha4', kind: 'Machine' },
        target: { location: LIBRARY },
      }),
    ).toEqual([
      'spec.source.apiVersion: Invalid value: "vmoperator.broad.com/v1alpha4": apiVersion "vmoperator.broad.com" does not match the expected group: vmoperator.vmware.com',
      'spec.source.kind: Unsupported value: "Machine": supported values: "VirtualMachine", ""',
    ]);
  });

  it('reads an apiVersion as apimachinery does: a bare version is of the core group, two slashes are none', () => {
    expect(
      create({ source: { apiVersion: 'vmoperator.vmware.com' }, target: { location: LIBRARY } }),
    ).toEqual([
      'spec.source.apiVersion: Invalid value: "vmoperator.vmware.com": apiVersion "" does not match the expected group: vmoperator.vmware.com',
    ]);
    expect(
      create({ source: { apiVersion: 'vmoperator/vmware.com/v1alpha4' }, target: { location: LIBRARY } }),
    ).toEqual([
      'spec.source.apiVersion: Internal error: unexpected GroupVersion string: vmoperator/vmware.com/v1alpha4',
    ]);
    expect(
      validatePublishRequestCreate(
        request({ source: { apiVersion: 'a/b/c' }, target: { location: LIBRARY } }),
      ),
    ).toMatchObject([{ field: 'spec.source.apiVersion', reason: 'InternalError' }]);
  });

  it('requires the location to be named', () => {
    expect(
      validatePublishRequestCreate(request({ target: { location: { kind: 'ContentLibrary' } } })),
    ).toEqual([
      { field: 'spec.target.location.name', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  });

  it('refuses a location of another group or kind', () => {
    expect(
      create({
        target: {
          location: {
            name: 'lib',
            apiVersion: 'vmoperator.broad.com/v1alpha4',
            kind: 'ClusterContentLibrary',
          },
        },
      }),
    ).toEqual([
      'spec.target.location.apiVersion: Invalid value: "vmoperator.broad.com/v1alpha4": apiVersion "vmoperator.broad.com" does not match the expected group: imageregistry.vmware.com',
      'spec.target.location.kind: Unsupported value: "ClusterContentLibrary": supported values: "ContentLibrary", ""',
    ]);
    expect(create({ target: { location: { name: 'lib', apiVersion: 'x/y/z' } } })).toEqual([
      'spec.target.location.apiVersion: Internal error: unexpected GroupVersion string: x/y/z',
    ]);
  });

  it('refuses an empty location kind, which the schema defaults only inside a location given', () => {
    expect(create({ target: { location: { name: 'lib', kind: '' } } })).toEqual([
      'spec.target.location.kind: Unsupported value: "": supported values: "ContentLibrary", ""',
    ]);
    const noLocation = [
      'spec.target.location.name: Required value',
      'spec.target.location.kind: Unsupported value: "": supported values: "ContentLibrary", ""',
    ];
    expect(create(undefined)).toEqual(noLocation);
    expect(create({ source: { name: 'vm' }, target: { item: { name: 'golden' } } })).toEqual(noLocation);
  });

  it.each(ASYNC_QUOTA_ANNOTATIONS)('keeps the quota annotation %s to administrators', (key) => {
    expect(create({ target: { location: LIBRARY } }, { [key]: 'x', other: 'y' })).toEqual([
      `metadata.annotations[${key}]: Forbidden: ${NOT_FOR_NON_ADMINS}`,
    ]);
    // An empty value is no value.
    expect(create({ target: { location: LIBRARY } }, { [key]: '' })).toEqual([]);
  });

  it('lists every problem in the webhook order: source, location, annotations', () => {
    const all = Object.fromEntries(ASYNC_QUOTA_ANNOTATIONS.map((key) => [key, 'x']));
    expect(
      validatePublishRequestCreate(
        request({ source: { kind: 'Pod' }, target: { location: { kind: 'X' } } }, all),
      ).map((e) => e.field),
    ).toEqual([
      'spec.source.kind',
      'spec.target.location.name',
      'spec.target.location.kind',
      ...ASYNC_QUOTA_ANNOTATIONS.map((key) => `metadata.annotations[${key}]`),
    ]);
  });
});

describe('VirtualMachinePublishRequest update', () => {
  const SOURCE = { name: 'vm' };
  const TARGET = { item: { name: 'golden' }, location: LIBRARY };
  const SPEC: VirtualMachinePublishRequestSpec = { source: SOURCE, target: TARGET };
  const update = (
    next: VirtualMachinePublishRequestSpec | undefined,
    prev: VirtualMachinePublishRequestSpec | undefined,
    annotations?: { next?: Record<string, string>; prev?: Record<string, string> },
  ) =>
    rendered(
      validatePublishRequestUpdate(request(next, annotations?.next), request(prev, annotations?.prev)),
    );

  it('accepts the same source and target, with the schema defaults written out or not', () => {
    expect(update(SPEC, SPEC)).toEqual([]);
    expect(
      update(
        {
          source: { name: 'vm', apiVersion: 'vmoperator.vmware.com/v1alpha1', kind: 'VirtualMachine' },
          target: {
            item: { name: 'golden', description: '' },
            location: {
              name: 'lib',
              apiVersion: 'imageregistry.vmware.com/v1alpha1',
              kind: 'ContentLibrary',
            },
          },
        },
        SPEC,
      ),
    ).toEqual([]);
    expect(update({ ...SPEC, ttlSecondsAfterFinished: 60, backoffLimit: 5 }, SPEC)).toEqual([]);
    expect(update({}, undefined)).toEqual([]);
  });

  it("checks nothing else of the spec again: a create's refusals stay", () => {
    const bad = { source: { kind: 'Pod' }, target: { location: { kind: 'X' } } };
    expect(update({ ...bad, backoffLimit: 1 }, bad)).toEqual([]);
  });

  it('keeps the source, showing the new one as Go encodes it, defaults filled in', () => {
    expect(update({ ...SPEC, source: { name: 'other' } }, SPEC)).toEqual([
      'spec.source: Invalid value: {"name":"other","apiVersion":"vmoperator.vmware.com/v1alpha1","kind":"VirtualMachine"}: field is immutable',
    ]);
    expect(update({ target: TARGET }, SPEC)).toEqual(['spec.source: Invalid value: {}: field is immutable']);
    // A source given later gets the defaults: no longer the zero source.
    expect(update({ ...SPEC, source: {} }, { target: TARGET })).toEqual([
      'spec.source: Invalid value: {"apiVersion":"vmoperator.vmware.com/v1alpha1","kind":"VirtualMachine"}: field is immutable',
    ]);
  });

  it('keeps the target, item and location alike', () => {
    expect(
      update({ ...SPEC, target: { item: { name: 'golden' }, location: { name: 'other' } } }, SPEC),
    ).toEqual([
      'spec.target: Invalid value: {"item":{"name":"golden"},"location":{"name":"other","apiVersion":"imageregistry.vmware.com/v1alpha1","kind":"ContentLibrary"}}: field is immutable',
    ]);
    expect(
      update({ ...SPEC, target: { item: { name: 'golden', description: 'new' }, location: LIBRARY } }, SPEC),
    ).toEqual([
      'spec.target: Invalid value: {"item":{"name":"golden","description":"new"},"location":{"name":"lib","apiVersion":"imageregistry.vmware.com/v1alpha1","kind":"ContentLibrary"}}: field is immutable',
    ]);
    expect(update({ source: SOURCE }, SPEC)).toEqual([
      'spec.target: Invalid value: {"item":{},"location":{}}: field is immutable',
    ]);
  });

  it('keeps source and target of a complete request too', () => {
    const done = request(SPEC);
    done.status = { ready: true, completionTime: '2025-01-01T00:00:00Z' };
    expect(
      rendered(validatePublishRequestUpdate(request({ ...SPEC, source: { name: 'other' } }), done)),
    ).toEqual([
      'spec.source: Invalid value: {"name":"other","apiVersion":"vmoperator.vmware.com/v1alpha1","kind":"VirtualMachine"}: field is immutable',
    ]);
  });

  it.each(ASYNC_QUOTA_ANNOTATIONS)('keeps the quota annotation %s to administrators on update', (key) => {
    const forbidden = [`metadata.annotations[${key}]: Forbidden: ${NOT_FOR_NON_ADMINS}`];
    expect(update(SPEC, SPEC, { prev: { [key]: 'x' } })).toEqual(forbidden);
    expect(update(SPEC, SPEC, { next: { [key]: 'x' } })).toEqual(forbidden);
    expect(update(SPEC, SPEC, { prev: { [key]: 'x' }, next: { [key]: 'y' } })).toEqual(forbidden);
    expect(update(SPEC, SPEC, { prev: { [key]: 'x' }, next: { [key]: 'x', other: 'z' } })).toEqual([]);
    expect(update(SPEC, SPEC, { prev: { [key]: '' } })).toEqual([]);
  });

  it('reports the immutable fields before the annotations', () => {
    const key = ASYNC_QUOTA_ANNOTATIONS[0];
    expect(
      validatePublishRequestUpdate(request({}, { [key]: 'x' }), request(SPEC)).map((e) => e.field),
    ).toEqual(['spec.source', 'spec.target', `metadata.annotations[${key}]`]);
  });
});
