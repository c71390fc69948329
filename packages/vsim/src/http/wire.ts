/**
 * What a socket would add or take away, shared by the adapters so that a handler
 * sees the same request, and a client the same response, over every transport.
 */

import type { PlainResponse } from './types.js';

export const EMPTY_BODY: Uint8Array = new Uint8Array(0);

const JSON_HEADERS = 'application/json';

/** A JSON `{"error": message}` answer: the shape of every transport-level failure. */
export function jsonError(status: number, message: string): PlainResponse {
  return { status, headers: { 'content-type': JSON_HEADERS }, body: JSON.stringify({ error: message }) };
}

/** The 500 a handler's exception becomes, so a bug answers instead of crashing the server. */
export function internalError(error: unknown): PlainResponse {
  return jsonError(500, error instanceof Error ? error.message : String(error));
}

/** Handlers may answer synchronously; only a returned promise needs awaiting. */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

export function bodyBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Statuses whose responses never carry a body (Fetch's "null body status"). */
export function isNullBodyStatus(status: number): boolean {
  return status === 101 || status === 103 || status === 204 || status === 205 || status === 304;
}

/** Methods for which Node and undici send `content-length: 0` with an empty body. */
export function expectsRequestBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/**
 * Joins a repeated request header as a server would see it after folding:
 * `cookie` with `'; '` (RFC 6265 section 5.4), everything else with `', '`.
 */
export function joinHeader(name: string, previous: string | undefined, value: string): string {
  if (previous === undefined) return value;
  return previous + (name === 'cookie' ? '; ' : ', ') + value;
}

/** A header record with no prototype, so names like `__proto__` or `constructor` stay plain keys. */
export function emptyHeaders(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/**
 * Response headers lower-cased, plus the `content-length` node:http would compute,
 * so in-process clients see what they would see over a socket.
 */
export function responseHeaders(
  response: PlainResponse,
  bodyLength: number,
): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const name in response.headers) {
    const value = response.headers[name];
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else out[key] = ([] as string[]).concat(previous, value);
  }
  if (
    out['content-length'] === undefined &&
    out['transfer-encoding'] === undefined &&
    !isNullBodyStatus(response.status)
  ) {
    out['content-length'] = String(bodyLength);
  }
  return out;
}
