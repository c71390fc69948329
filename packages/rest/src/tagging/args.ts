/**
 * What the tagging endpoints share: where each style puts the service (`/api/cis/tagging`,
 * `/rest/com/vmware/cis/tagging`), how each names a resource in the path (`/{id}` in `/api`,
 * `/id:{id}` in `/rest`), and reading the request body's fields. A body of the wrong shape is
 * `invalid_argument` before the model runs; ids that name nothing are left to the model,
 * which answers NotFound (404).
 */
import type { DynamicId } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call } from '../routes.js';
import type { StyleName } from '../styles.js';

/** The tagging service's path in each style, relative to the style's prefix. */
export const base = (style: StyleName): string =>
  style === 'api' ? '/cis/tagging' : '/com/vmware/cis/tagging';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (message: string) => restError('invalid_argument', message);

/**
 * The id a path parameter names. `/rest` writes ids as `id:{id}`; a segment without that
 * prefix names no resource, as on vCenter.
 */
export const idParam = (call: Call, name: string): string => {
  const raw = call.params[name] ?? '';
  if (call.style.name === 'api') return raw;
  if (!raw.startsWith('id:') || raw.length === 3) {
    throw restError(
      'not_found',
      'The requested resource does not exist.',
      'com.vmware.vapi.rest.httpNotFound',
    );
  }
  return raw.slice(3);
};

/**
 * A create or update spec: the bare body in `/api`, the body's `key` field in `/rest`; an object
 * either way, with each of the `required` fields, as vAPI requires a structure's fields that are
 * not optional even when their value may be empty (govmomi sends `"description": ""` for that).
 */
export const specOf = (
  call: Call,
  key: string,
  required: readonly string[] = [],
): Record<string, unknown> => {
  const spec = call.style.spec(call.body, key);
  if (!isObject(spec)) throw invalid(`The ${key} must be an object.`);
  const missing = required.find((name) => spec[name] === undefined || spec[name] === null);
  if (missing !== undefined) throw invalid(`The ${key} must have the field '${missing}'.`);
  return spec;
};

/** A required field of the request body. */
export const field = (call: Call, name: string): unknown => {
  const body = call.body;
  if (!isObject(body) || body[name] === undefined || body[name] === null) {
    throw invalid(`The request body must be an object with the field '${name}'.`);
  }
  return body[name];
};

export const stringField = (call: Call, name: string): string => {
  const value = field(call, name);
  if (typeof value !== 'string') throw invalid(`The field '${name}' must be a string.`);
  return value;
};

const dynamicIdOf = (value: unknown, name: string): DynamicId => {
  if (!isObject(value) || typeof value.type !== 'string' || typeof value.id !== 'string') {
    throw invalid(`The field '${name}' must be a DynamicID with a string 'type' and 'id'.`);
  }
  return { type: value.type, id: value.id };
};

/** vAPI's DynamicID (`{"type": "VirtualMachine", "id": "vm-20"}`). */
export const objectIdField = (call: Call, name = 'object_id'): DynamicId =>
  dynamicIdOf(field(call, name), name);

export const objectIdsField = (call: Call, name = 'object_ids'): DynamicId[] => {
  const value = field(call, name);
  if (!Array.isArray(value)) throw invalid(`The field '${name}' must be a list of DynamicIDs.`);
  return value.map((item) => dynamicIdOf(item, name));
};

export const stringsField = (call: Call, name: string): string[] => {
  const value = field(call, name);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(`The field '${name}' must be a list of strings.`);
  }
  return value;
};
