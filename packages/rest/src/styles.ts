/**
 * The two URL styles of vCenter's REST API and what differs between them:
 *
 * - `/api` (vSphere 7.0 U2 and later): bare JSON bodies, `201` for creations, `204` for
 *   operations without a result, errors `{"error_type":"NOT_FOUND","messages":[...]}`,
 *   actions as `?action=`, list filters as repeated keys (`names=a&names=b`), maps as
 *   JSON objects.
 * - `/rest` (6.5 onwards, deprecated): results wrapped as `{"value": ...}`, `200` for
 *   everything that works, create specs wrapped (`{"spec": ...}`, `{"create_spec": ...}`),
 *   errors `{"type":"com.vmware.vapi.std.errors.not_found","value":{...}}`, actions as
 *   `?~action=`, filters as `filter.names=a` (or indexed `filter.names.1=a`), and maps as
 *   lists of `{"key": ..., "value": ...}`.
 */
import { type RestError, restError } from './errors.js';

export type StyleName = 'api' | 'rest';

/** What an endpoint returns: its result (absent for operations without one). */
export interface Reply {
  readonly value?: unknown;
  /** The operation created something: `/api` answers 201. */
  readonly created?: boolean;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

export interface Style {
  readonly name: StyleName;
  ok(reply: Reply, headers: Record<string, string | string[]>): RestResponse;
  error(error: RestError, headers: Record<string, string | string[]>): RestResponse;
  /** A vAPI map (keyed by device key, id, ...) in the style's encoding. */
  map(entries: Iterable<readonly [string | number, unknown]>): unknown;
  /** A vAPI map a request sends, as its entries; invalid_argument for what is no map of the style. */
  entries(map: unknown, what: string): [string, unknown][];
  /** A create/update spec out of a request body: bare in `/api`, wrapped under `key` in `/rest`. */
  spec(body: unknown, key: string): unknown;
  /** The action a request names (`?action=` / `?~action=`). */
  action(query: URLSearchParams): string | undefined;
  /** The values of list filter `name`. */
  filter(query: URLSearchParams, name: string): string[];
}

const JSON_TYPE = 'application/json';

const json = (status: number, value: unknown, headers: Record<string, string | string[]>): RestResponse => ({
  status,
  headers: { ...headers, 'content-type': JSON_TYPE },
  body: JSON.stringify(value),
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const api: Style = {
  name: 'api',
  ok: (reply, headers) =>
    reply.value === undefined
      ? { status: 204, headers, body: '' }
      : json(reply.created ? 201 : 200, reply.value, headers),
  error: (error, headers) =>
    json(error.status, { error_type: error.type.toUpperCase(), messages: error.messages }, headers),
  map: (entries) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of entries) out[String(key)] = value;
    return out;
  },
  entries: (map, what) => {
    if (!isObject(map)) throw restError('invalid_argument', `'${what}' must be an object.`);
    return Object.entries(map);
  },
  spec: (body) => body,
  action: (query) => query.get('action') ?? undefined,
  filter: (query, name) => query.getAll(name),
};

export const rest: Style = {
  name: 'rest',
  ok: (reply, headers) =>
    reply.value === undefined
      ? { status: 200, headers, body: '' }
      : json(200, { value: reply.value }, headers),
  error: (error, headers) =>
    json(
      error.status,
      {
        type: `com.vmware.vapi.std.errors.${error.type}`,
        value: { error_type: error.type.toUpperCase(), messages: error.messages },
      },
      headers,
    ),
  map: (entries) => [...entries].map(([key, value]) => ({ key: String(key), value })),
  entries: (map, what) => {
    const notPairs = () => restError('invalid_argument', `'${what}' must be a list of {key, value}.`);
    if (!Array.isArray(map)) throw notPairs();
    return map.map((pair) => {
      if (!isObject(pair) || typeof pair.key !== 'string') throw notPairs();
      return [pair.key, pair.value];
    });
  },
  spec: (body, key) => {
    if (!isObject(body) || !(key in body)) {
      throw restError('invalid_argument', `The request body must be an object with the field '${key}'.`);
    }
    return body[key];
  },
  action: (query) => query.get('~action') ?? undefined,
  filter: (query, name) => {
    const plain = `filter.${name}`;
    const out: string[] = [];
    for (const [key, value] of query) {
      if (key === plain || (key.startsWith(`${plain}.`) && /^\d+$/.test(key.slice(plain.length + 1)))) {
        out.push(value);
      }
    }
    return out;
  },
};
