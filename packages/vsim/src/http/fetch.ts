/**
 * A `fetch` that serves one origin in-process: no port, no socket. WHATWG
 * objects exist only at this edge; the handler sees a `PlainRequest`.
 *
 * Common calls (a string or URL, a string or bytes body, a plain headers object)
 * skip building a `Request`; anything else goes through one for exact fetch
 * semantics. Redirects within the origin are followed as fetch does.
 */

import { STATUS_CODES } from 'node:http';
import type { Handler, PlainRequest, PlainResponse } from './types.js';
import {
  bodyBytes,
  EMPTY_BODY,
  emptyHeaders,
  expectsRequestBody,
  internalError,
  isNullBodyStatus,
  responseHeaders,
} from './wire.js';

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

interface Outgoing {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array;
  redirect: NonNullable<RequestInit['redirect']>;
  signal: AbortSignal | null;
}

const MAX_REDIRECTS = 20; // fetch's own limit
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** Serves requests to `baseUrl`'s origin with `handler`; other origins fail as an unreachable host would. */
export function createFetch(handler: Handler, baseUrl: string | URL): FetchFunction {
  const origin = new URL(baseUrl).origin;

  return async (input, init) => {
    const outgoing = isSimple(input, init) ? fromInit(input, init) : await fromRequest(input, init);
    const { signal } = outgoing;
    signal?.throwIfAborted();
    if (signal === null) return follow(handler, origin, outgoing);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([follow(handler, origin, outgoing), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort as () => void);
    }
  };
}

async function follow(handler: Handler, origin: string, outgoing: Outgoing): Promise<Response> {
  for (let redirects = 0; ; redirects++) {
    const { url } = outgoing;
    if (url.origin !== origin) throw networkError(`${url.origin} is not served in-process (only ${origin})`);
    const response = await serve(handler, toPlain(outgoing));
    const location = isRedirect(response.status) ? header(response, 'location') : undefined;
    if (location === undefined || outgoing.redirect === 'manual') {
      return toResponse(response, outgoing, redirects > 0);
    }
    if (outgoing.redirect === 'error') throw networkError('unexpected redirect');
    if (redirects === MAX_REDIRECTS) throw networkError('redirect count exceeded');
    outgoing.url = new URL(location, url);
    const { status } = response;
    const { method } = outgoing;
    // fetch turns these into a body-less GET; 307 and 308 repeat the request as it was
    if (
      status === 303
        ? method !== 'GET' && method !== 'HEAD'
        : status !== 307 && status !== 308 && method === 'POST'
    ) {
      outgoing.method = 'GET';
      outgoing.body = EMPTY_BODY;
      for (const name of [
        'content-type',
        'content-length',
        'content-encoding',
        'content-language',
        'content-location',
      ]) {
        delete outgoing.headers[name];
      }
    }
  }
}

async function serve(handler: Handler, req: PlainRequest): Promise<PlainResponse> {
  try {
    return await handler(req);
  } catch (error) {
    return internalError(error);
  }
}

function isSimple(input: string | URL | Request, init: RequestInit | undefined): input is string | URL {
  if (typeof input !== 'string' && !(input instanceof URL)) return false;
  if (init === undefined) return true;
  const { body, headers } = init;
  const simpleBody = body == null || typeof body === 'string' || body instanceof Uint8Array;
  const simpleHeaders =
    headers === undefined || (typeof headers === 'object' && headers.constructor === Object);
  return simpleBody && simpleHeaders;
}

function fromInit(input: string | URL, init: RequestInit = {}): Outgoing {
  const url = new URL(input);
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('Request cannot be constructed from a URL that includes credentials');
  }
  const method = normalizeMethod(init.method ?? 'GET');
  const headers = emptyHeaders();
  const given = init.headers as Record<string, string> | undefined;
  for (const name in given) {
    const key = name.toLowerCase();
    const value = String(given[name]).trim();
    const previous = headers[key];
    headers[key] = previous === undefined ? value : `${previous}, ${value}`; // as Headers combines
  }
  let body = EMPTY_BODY;
  if (init.body != null) {
    if (method === 'GET' || method === 'HEAD')
      throw new TypeError('Request with GET/HEAD method cannot have body.');
    body = bodyBytes(init.body as string | Uint8Array);
    if (typeof init.body === 'string' && headers['content-type'] === undefined) {
      headers['content-type'] = 'text/plain;charset=UTF-8';
    }
  }
  return { url, method, headers, body, redirect: init.redirect ?? 'follow', signal: init.signal ?? null };
}

async function fromRequest(input: string | URL | Request, init: RequestInit | undefined): Promise<Outgoing> {
  const request = input instanceof Request && init === undefined ? input : new Request(input, init);
  const headers = emptyHeaders();
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.body === null ? EMPTY_BODY : new Uint8Array(await request.arrayBuffer());
  return {
    url: new URL(request.url),
    method: request.method,
    headers,
    body,
    redirect: request.redirect,
    signal: request.signal,
  };
}

/** The request as the server would see it: with `host`, and `content-length` for a sized body. */
function toPlain({ url, method, headers, body }: Outgoing): PlainRequest {
  const sent = Object.assign(emptyHeaders(), headers);
  sent.host ??= url.host;
  if (sent['content-length'] === undefined && (body.length > 0 || expectsRequestBody(method))) {
    sent['content-length'] = String(body.length);
  }
  return { method, path: url.pathname, query: url.search.slice(1), headers: sent, body };
}

function toResponse(response: PlainResponse, outgoing: Outgoing, redirected: boolean): Response {
  const bytes = bodyBytes(response.body);
  const headers = new Headers();
  const fields = responseHeaders(response, bytes.length);
  for (const name in fields) {
    const value = fields[name] as string | string[];
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, value);
  }
  const empty = outgoing.method === 'HEAD' || isNullBodyStatus(response.status) || bytes.length === 0;
  const result = new Response(empty ? null : bytes, {
    status: response.status,
    statusText: STATUS_CODES[response.status] ?? '',
    headers,
  });
  // A constructed Response has an empty url; a fetched one names where it came from.
  Object.defineProperty(result, 'url', { value: stripHash(outgoing.url) });
  if (redirected) Object.defineProperty(result, 'redirected', { value: true });
  return result;
}

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function header(response: PlainResponse, name: string): string | undefined {
  for (const key in response.headers) {
    if (key.toLowerCase() === name) {
      const value = response.headers[key];
      return Array.isArray(value) ? value[0] : value;
    }
  }
  return undefined;
}

function stripHash(url: URL): string {
  return url.hash === '' ? url.href : url.href.slice(0, -url.hash.length);
}

/** What fetch rejects with when the network fails. */
function networkError(reason: string): TypeError {
  return new TypeError('fetch failed', { cause: new Error(reason) });
}
