/**
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902), applied to plain JSON without
 * touching the input. Problems with the patch document itself are BadRequest; a patch
 * that cannot be applied to the object (a failed `test`, a missing path) is Invalid (422),
 * as the API server answers.
 */
import { kubeErrors } from './errors.js';
import { clone, deepEqual, isPlainObject } from './meta.js';

export type PatchType = 'merge' | 'json';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** RFC 7386: objects merge recursively, `null` removes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/**
 * Any operation that does not apply, as the API server answers it: 422 with its one message, the
 * patch library's reason not passed on (clients match on this text to see a failed `test`).
 */
const rejected = () =>
  kubeErrors.unprocessable('the server rejected our request due to an error in our request');

/** RFC 6901 pointer to its unescaped tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw rejected();
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

/**
 * An array index as the API server's JSON patch library reads it: Go's Atoi (a sign and leading
 * zeros allowed), a negative one counted from the end, `-` for an add at the end.
 */
function arrayIndex(token: string, length: number, forAdd: boolean): number {
  if (forAdd && token === '-') return length;
  if (!/^[+-]?[0-9]+$/.test(token)) throw rejected();
  // An add may also go after the last element.
  const size = forAdd ? length + 1 : length;
  const i = Number(token) < 0 ? Number(token) + size : Number(token);
  if (i < 0 || i >= size) throw rejected();
  return i;
}

/** The container and the last token of a path; the container must exist. */
function parentOf(doc: unknown, tokens: string[]): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i] as string;
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isPlainObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw rejected();
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw rejected();
  return { parent: cur, key: tokens[tokens.length - 1] as string };
}

function read(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isPlainObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw rejected();
  }
  return cur;
}

/** Returns the new document (the root may be replaced). */
function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return undefined;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false), 1);
  else {
    if (!Object.hasOwn(parent, key)) throw rejected();
    delete parent[key];
  }
  return doc;
}

function replace(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent[arrayIndex(key, parent.length, false)] = value;
  else {
    if (!Object.hasOwn(parent, key)) throw rejected();
    parent[key] = value;
  }
  return doc;
}

/** The most operations the API server applies from one JSON patch. */
const MAX_JSON_PATCH_OPERATIONS = 10_000;

/** A patch that does not decode as a list of operations is a bad request; one whose operations are wrong is rejected. */
function checkOperations(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch) || !patch.every(isPlainObject))
    throw kubeErrors.badRequest('json: cannot unmarshal the patch into a list of operations');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS)
    throw kubeErrors.tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  for (const op of patch) {
    if (typeof op.path !== 'string') throw rejected();
    switch (op.op) {
      case 'add':
      case 'replace':
      case 'test':
        if (!Object.hasOwn(op, 'value')) throw rejected();
        break;
      case 'remove':
        break;
      case 'move':
      case 'copy':
        if (typeof op.from !== 'string') throw rejected();
        break;
      default:
        throw rejected();
    }
  }
  return patch as JsonPatchOperation[];
}

/** RFC 6902, all or nothing: the input is never changed. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  const ops = checkOperations(patch);
  let doc = clone(target);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, clone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        doc = replace(doc, op.path, clone(op.value));
        break;
      case 'move': {
        if (op.path === op.from || op.path.startsWith(`${op.from}/`)) {
          if (op.path === op.from) break;
          throw rejected();
        }
        const value = read(doc, op.from);
        doc = add(remove(doc, op.from), op.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, clone(read(doc, op.from)));
        break;
      case 'test':
        if (!deepEqual(read(doc, op.path), op.value)) throw rejected();
        break;
    }
  }
  return doc;
}

export function applyPatch(target: unknown, patch: unknown, type: PatchType): unknown {
  if (type === 'merge') {
    if (!isPlainObject(patch)) throw kubeErrors.badRequest('a merge patch must be a JSON object');
    return applyMergePatch(target, patch);
  }
  if (type === 'json') return applyJsonPatch(target, patch);
  throw kubeErrors.badRequest(`unsupported patch type ${String(type)}`);
}
