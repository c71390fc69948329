/**
 * An undici `Dispatcher` that answers one origin in-process and sends every
 * other origin to a real `Agent`.
 *
 * It is an interceptor composed on an `Agent`, because `compose` hands
 * interceptors the controller-based handler API (onRequestStart,
 * onResponseStart, ...) whichever caller dispatched: undici 7's `request` and
 * `fetch`, or Node 20's global fetch (undici 6, legacy handlers) once installed
 * with `setGlobalDispatcher`.
 */

import { STATUS_CODES } from 'node:http';
import { stringify } from 'node:querystring';
import { Agent, type Dispatcher, errors, Response as UndiciResponse } from 'undici';
import type { Handler, PlainRequest, PlainResponse } from './types.js';
import {
  bodyBytes,
  EMPTY_BODY,
  emptyHeaders,
  expectsRequestBody,
  internalError,
  isNullBodyStatus,
  joinHeader,
  responseHeaders,
} from './wire.js';

/** Large bodies go out in slices so a paused consumer applies backpressure, as over a socket. */
const CHUNK_BYTES = 64 * 1024;

export function createDispatcher(handler: Handler, origin: string | URL): Dispatcher {
  const own = new URL(origin);
  const ownOrigin = own.origin;
  const isOwn = (target: string | URL | undefined): boolean => {
    if (target === undefined) return false;
    if (target === ownOrigin) return true;
    try {
      return new URL(target).origin === ownOrigin;
    } catch {
      return false;
    }
  };

  const interceptor: Dispatcher.DispatcherComposeInterceptor =
    (dispatch) => (options: Dispatcher.DispatchOptions, dispatchHandler: Dispatcher.DispatchHandler) => {
      if (!isOwn(options.origin)) return dispatch(options, dispatchHandler);
      // A socket would call back later too; starting synchronously could re-enter the caller.
      queueMicrotask(() => {
        void exchange(handler, options, new InProcessController(dispatchHandler), own.host);
      });
      return true;
    };
  return new Agent().compose(interceptor);
}

async function exchange(
  handler: Handler,
  options: Dispatcher.DispatchOptions,
  controller: InProcessController,
  host: string,
): Promise<void> {
  try {
    controller.start();
    if (controller.aborted) return;
    if (options.upgrade) throw new errors.NotSupportedError('vsim: upgrade is not served in-process');
    const req = await toPlainRequest(options, host);
    if (controller.aborted) return;
    let response: PlainResponse;
    try {
      response = await handler(req);
    } catch (error) {
      response = internalError(error);
    }
    await controller.respond(response, options.method === 'HEAD');
  } catch (error) {
    controller.fail(error instanceof Error ? error : new Error(String(error)));
  }
}

/** The controller a socket-backed request would get: abort, and pause/resume for backpressure. */
class InProcessController implements Dispatcher.DispatchController {
  readonly #handler: Dispatcher.DispatchHandler;
  #aborted = false;
  #paused = false;
  #done = false;
  #reason: Error | null = null;
  #wake: (() => void) | undefined;

  constructor(handler: Dispatcher.DispatchHandler) {
    this.#handler = handler;
  }

  get aborted(): boolean {
    return this.#aborted;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason?: Error): void {
    if (this.#done) return;
    this.#aborted = true;
    this.#reason = reason ?? new errors.RequestAbortedError();
    this.fail(this.#reason);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#wakeUp();
  }

  start(): void {
    this.#handler.onRequestStart?.(this, {});
  }

  /** Reports a failure once; nothing is called after it. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#wakeUp();
    this.#handler.onResponseError?.(this, error);
  }

  async respond(response: PlainResponse, head: boolean): Promise<void> {
    if (this.#done) return;
    const bytes = bodyBytes(response.body);
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headers = responseHeaders(response, body.length);
    this.#handler.onResponseStart?.(this, response.status, headers, STATUS_CODES[response.status] ?? '');
    const sendBody = !head && !isNullBodyStatus(response.status);
    for (let offset = 0; sendBody && offset < body.length; offset += CHUNK_BYTES) {
      if (!(await this.#ready())) return;
      this.#handler.onResponseData?.(this, body.subarray(offset, offset + CHUNK_BYTES));
    }
    if (!(await this.#ready())) return;
    this.#done = true;
    this.#handler.onResponseEnd?.(this, {});
  }

  /** Waits out a pause; false once the exchange is over (aborted or failed). */
  async #ready(): Promise<boolean> {
    while (this.#paused && !this.#done) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    return !this.#done;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

async function toPlainRequest(options: Dispatcher.DispatchOptions, host: string): Promise<PlainRequest> {
  const headers = toPlainHeaders(options.headers);
  let body: Uint8Array;
  if (isFormData(options.body)) {
    // Serialised as undici would send it, boundary and all; Node's own FormData class differs from undici 7's.
    const encoded =
      options.body instanceof FormData ? new Response(options.body) : new UndiciResponse(options.body);
    headers['content-type'] ??= encoded.headers.get('content-type') ?? '';
    body = new Uint8Array(await encoded.arrayBuffer());
  } else {
    body = await readBody(options.body);
  }
  headers.host ??= host;
  const method = options.method;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    if (body.length > 0 || expectsRequestBody(method)) headers['content-length'] = String(body.length);
  }

  let target = options.path;
  if (!target.startsWith('/')) {
    const url = new URL(target); // absolute-form path, as a proxy would be sent
    target = url.pathname + url.search;
  }
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  // undici encodes `options.query` with node:querystring (and refuses it beside a `?` in the path)
  const query = q !== -1 ? target.slice(q + 1) : options.query ? stringify(options.query) : '';
  return { method, path, query, headers, body };
}

function toPlainHeaders(given: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const headers = emptyHeaders();
  const add = (name: string, value: unknown) => {
    if (value === undefined || value === null) return;
    const key = name.toLowerCase();
    for (const item of Array.isArray(value) ? value : [value]) {
      headers[key] = joinHeader(key, headers[key], String(item));
    }
  };
  if (given == null) return headers;
  if (Array.isArray(given)) {
    for (let i = 0; i < given.length; i += 2) add(String(given[i]), given[i + 1]);
  } else if (Symbol.iterator in given) {
    for (const [name, value] of given as Iterable<[string, unknown]>) add(name, value);
  } else {
    const record = given as Record<string, unknown>;
    for (const name of Object.keys(record)) add(name, record[name]);
  }
  return headers;
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body == null) return EMPTY_BODY;
  if (typeof body === 'string') return bodyBytes(body);
  if (body instanceof Uint8Array) return body;
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof (body as Blob).arrayBuffer === 'function')
    return new Uint8Array(await (body as Blob).arrayBuffer());
  if (typeof body === 'object' && (Symbol.asyncIterator in body || Symbol.iterator in body)) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === 'string' ? bodyBytes(chunk) : (chunk as Uint8Array));
    }
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  }
  throw new errors.InvalidArgumentError('body must be a string, a Buffer, a Readable stream, or an iterable');
}

function isFormData(body: unknown): body is FormData {
  return Object.prototype.toString.call(body) === '[object FormData]';
}
