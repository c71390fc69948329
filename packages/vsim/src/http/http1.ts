/**
 * HTTP/1.1 on one socket, server side: request heads parsed straight into a
 * `PlainRequest`, bodies by length or chunked (with 100-continue), answers written in
 * one write, keep-alive, and pipelined requests answered in order.
 *
 * node:http builds an IncomingMessage and a ServerResponse (streams, events, header
 * maps) for every request; on a small SOAP call those cost more than the simulator's own
 * work. Requests here come from SDK clients on loopback, so the protocol is kept to what
 * they send, and anything else is refused with the status node:http would give.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Handler, PlainRequest, PlainResponse } from './types.js';
import {
  EMPTY_BODY,
  emptyHeaders,
  internalError,
  isNullBodyStatus,
  isPromise,
  joinHeader,
  jsonError,
  responseHeaders,
} from './wire.js';

export interface ConnectionOptions {
  /** Larger request bodies get 413, and the connection closes. */
  readonly maxBodyBytes: number;
  /** The socket is TLS, so handlers may hand back https URLs. */
  readonly secure: boolean;
}

/** node:http's defaults: the largest request head, and how long an idle connection stays. */
const MAX_HEAD_BYTES = 16 * 1024;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters a header value may not hold (tab is allowed). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** What node:http accepts in a response header value. */
const BAD_RESPONSE_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Beyond ASCII in a head that passed BAD_RESPONSE_VALUE: latin1 and UTF-8 differ there. */
const BEYOND_ASCII = /[\x80-\xff]/;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/** Serves requests from `socket` until either side closes it. */
export function serveConnection(socket: Socket, handler: Handler, options: ConnectionOptions): void {
  new Connection(socket, handler, options);
}

/** A refusal of a malformed request: the status, and why. */
interface Refusal {
  readonly status: number;
  readonly message: string;
}

type Framing =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' };

interface Head {
  readonly request: PlainRequest;
  readonly framing: Framing;
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
}

class Connection {
  readonly #socket: Socket;
  readonly #handler: Handler;
  readonly #options: ConnectionOptions;
  readonly #remoteAddress: string | undefined;
  /** Bytes received and not yet consumed: the head of the next request, or more. */
  #buffer: Buffer = EMPTY;
  /** The request whose body is arriving, and its reader. */
  #receiving: { readonly head: Head; readonly body: BodyReader } | undefined;
  /** A request is with the handler; later (pipelined) requests wait in the buffer. */
  #busy = false;
  #closed = false;
  /** The client has sent all it will send: answer what it asked, then close. */
  #peerEnded = false;

  constructor(socket: Socket, handler: Handler, options: ConnectionOptions) {
    this.#socket = socket;
    this.#handler = handler;
    this.#options = options;
    this.#remoteAddress = socket.remoteAddress;
    socket.setNoDelay(true);
    socket.setTimeout(KEEP_ALIVE_TIMEOUT_MS);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy()); // the peer went away: nobody is left to answer
    socket.on('close', () => {
      this.#closed = true;
    });
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('end', () => {
      this.#peerEnded = true;
      this.#next();
    });
  }

  #receive(chunk: Buffer): void {
    if (this.#closed) return;
    if (this.#receiving !== undefined) {
      this.#feedBody(chunk);
    } else {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      // Pipelined bytes wait while an answer is pending, but not without bound.
      if (this.#busy && this.#buffer.length > this.#options.maxBodyBytes + MAX_HEAD_BYTES) {
        this.#socket.destroy();
        return;
      }
    }
    this.#next();
  }

  /** Answers what is buffered, then closes if the client has sent its last byte. */
  #next(): void {
    this.#drain();
    if (this.#peerEnded && !this.#busy && !this.#closed) this.#end();
  }

  /** Takes requests from the buffer, one at a time, while no answer is pending. */
  #drain(): void {
    while (!this.#busy && !this.#closed && this.#receiving === undefined) {
      const buffer = this.#buffer;
      let start = 0;
      // A client may send empty lines before a request (RFC 9112 section 2.2).
      while (buffer[start] === 13 && buffer[start + 1] === 10) start += 2;
      const end = buffer.indexOf(HEAD_END, start);
      if (end === -1) {
        if (buffer.length - start > MAX_HEAD_BYTES)
          this.#refuse({ status: 431, message: 'request head too large' });
        else this.#buffer = start === 0 ? buffer : buffer.subarray(start);
        return;
      }
      if (end - start > MAX_HEAD_BYTES) {
        this.#refuse({ status: 431, message: 'request head too large' });
        return;
      }
      const head = parseHead(
        buffer.toString('latin1', start, end),
        this.#remoteAddress,
        this.#options.secure,
      );
      this.#buffer = buffer.subarray(end + 4);
      if ('status' in head) {
        this.#refuse(head);
        return;
      }
      this.#begin(head);
    }
  }

  /** A parsed head: its body is read, or it goes to the handler at once. */
  #begin(head: Head): void {
    const { framing } = head;
    if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) {
      this.#dispatch(head, EMPTY_BODY);
      return;
    }
    const max = this.#options.maxBodyBytes;
    if (framing.kind === 'length' && framing.length > max) {
      this.#refuse({ status: 413, message: `request body larger than ${max} bytes` });
      return;
    }
    if (head.expectContinue) this.#socket.write(CONTINUE, 'latin1');
    const body = framing.kind === 'length' ? new FixedBody(framing.length) : new ChunkedBody(max);
    this.#receiving = { head, body };
    const rest = this.#buffer;
    this.#buffer = EMPTY;
    if (rest.length > 0) this.#feedBody(rest);
  }

  #feedBody(chunk: Buffer): void {
    const receiving = this.#receiving as { readonly head: Head; readonly body: BodyReader };
    const rest = receiving.body.push(chunk);
    if (rest === undefined) return;
    this.#receiving = undefined;
    if (receiving.body.refusal !== undefined) {
      this.#refuse(receiving.body.refusal);
      return;
    }
    this.#buffer = rest; // while a body arrives, every byte goes to its reader
    this.#dispatch(receiving.head, receiving.body.bytes());
  }

  #dispatch(head: Head, body: Uint8Array): void {
    const request = head.request;
    request.body = body;
    this.#busy = true;
    this.#socket.setTimeout(0); // a long poll may keep the handler for minutes
    let result: PlainResponse | Promise<PlainResponse>;
    try {
      result = this.#handler(request);
    } catch (error) {
      result = internalError(error);
    }
    if (isPromise(result)) {
      result.then(
        (response) => this.#answered(head, response, true),
        (error: unknown) => this.#answered(head, internalError(error), true),
      );
    } else {
      this.#answered(head, result, false);
    }
  }

  #answered(head: Head, response: PlainResponse, later: boolean): void {
    this.#busy = false;
    if (this.#closed) return;
    const keepAlive = head.keepAlive && response.headers.connection !== 'close';
    this.#write(response, head.request.method === 'HEAD', keepAlive);
    if (!keepAlive) {
      this.#end();
      return;
    }
    this.#socket.setTimeout(KEEP_ALIVE_TIMEOUT_MS);
    // An answer given at once returns to the loop in #drain; a later one restarts it.
    if (later) this.#next();
  }

  /** Answers a request that cannot be served, and closes the connection. */
  #refuse(refusal: Refusal): void {
    this.#write(jsonError(refusal.status, refusal.message), false, false);
    this.#end();
  }

  #end(): void {
    this.#closed = true;
    this.#buffer = EMPTY;
    this.#socket.end();
  }

  #write(response: PlainResponse, headOnly: boolean, keepAlive: boolean): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    const body = response.body;
    const length = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
    let head: string;
    try {
      head = responseHead(response, length, keepAlive);
    } catch (error) {
      // e.g. a header value with a newline: still answer, and say why
      this.#write(internalError(error), headOnly, keepAlive);
      return;
    }
    const withBody = !headOnly && length > 0 && !isNullBodyStatus(response.status);
    if (!withBody) {
      socket.write(head, 'latin1');
    } else if (typeof body === 'string' && !BEYOND_ASCII.test(head)) {
      socket.write(head + body, 'utf8'); // one write: the head is ASCII, the same in both encodings
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    }
  }
}

/** The status line and headers of an answer, ending with the empty line. */
function responseHead(response: PlainResponse, bodyLength: number, keepAlive: boolean): string {
  const status = response.status;
  if (!Number.isInteger(status) || status < 100 || status > 999)
    throw new RangeError(`invalid status ${status}`);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  const headers = responseHeaders(response, bodyLength);
  headers.connection = keepAlive ? 'keep-alive' : 'close';
  if (keepAlive) headers['keep-alive'] = `timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`;
  headers.date ??= httpDate();
  for (const name in headers) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name '${name}'`);
    const value = headers[name] as string | string[];
    for (const one of Array.isArray(value) ? value : [value]) {
      if (BAD_RESPONSE_VALUE.test(one)) throw new TypeError(`invalid character in header '${name}'`);
      head += `${name}: ${one}\r\n`;
    }
  }
  return `${head}\r\n`;
}

let dateSecond = -1;
let dateText = '';

/** The Date header, formatted once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** A request head (request line and headers, without the empty line) or why it is refused. */
export function parseHead(text: string, remoteAddress: string | undefined, secure: boolean): Head | Refusal {
  const lineEnd = text.indexOf('\r\n');
  const requestLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const [method, target, version, extra] = requestLine.split(' ');
  if (
    method === undefined ||
    target === undefined ||
    version === undefined ||
    extra !== undefined ||
    !TOKEN.test(method) ||
    target === ''
  ) {
    return { status: 400, message: 'malformed request line' };
  }
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') {
    return { status: version.startsWith('HTTP/') ? 505 : 400, message: `unsupported version '${version}'` };
  }

  const headers = emptyHeaders();
  let from = lineEnd === -1 ? text.length : lineEnd + 2;
  while (from < text.length) {
    let to = text.indexOf('\r\n', from);
    if (to === -1) to = text.length;
    const colon = text.indexOf(':', from);
    if (colon === -1 || colon >= to) return { status: 400, message: 'malformed header line' };
    const name = text.slice(from, colon);
    if (!TOKEN.test(name)) return { status: 400, message: `invalid header name '${name}'` };
    const value = text.slice(colon + 1, to).trim();
    if (BAD_VALUE.test(value)) return { status: 400, message: `invalid character in header '${name}'` };
    const key = name.toLowerCase();
    headers[key] = joinHeader(key, headers[key], value);
    from = to + 2;
  }

  const framing = framingOf(headers);
  if ('status' in framing) return framing;
  const connection = headers.connection?.toLowerCase() ?? '';
  const keepAlive =
    version === 'HTTP/1.1' ? !connection.includes('close') : connection.includes('keep-alive');
  const expect = headers.expect?.toLowerCase();
  if (expect !== undefined && expect !== '100-continue') {
    return { status: 417, message: `cannot meet the expectation '${expect}'` };
  }

  const request: PlainRequest = { method, path: '', query: '', headers, body: EMPTY_BODY };
  const path = originForm(target);
  const q = path.indexOf('?');
  request.path = q === -1 ? path : path.slice(0, q);
  request.query = q === -1 ? '' : path.slice(q + 1);
  if (remoteAddress !== undefined) request.remoteAddress = remoteAddress;
  if (secure) request.secure = true;
  return { request, framing, keepAlive, expectContinue: expect !== undefined };
}

function framingOf(headers: Readonly<Record<string, string>>): Framing | Refusal {
  const encoding = headers['transfer-encoding'];
  const length = headers['content-length'];
  if (encoding !== undefined) {
    if (length !== undefined) return { status: 400, message: 'both content-length and transfer-encoding' };
    if (encoding.toLowerCase() !== 'chunked') {
      return { status: 501, message: `unsupported transfer-encoding '${encoding}'` };
    }
    return { kind: 'chunked' };
  }
  if (length === undefined) return { kind: 'none' };
  // A repeated content-length is allowed when every copy agrees.
  const [first, ...others] = length.split(',').map((v) => v.trim());
  if (first === undefined || !/^\d+$/.test(first) || others.some((v) => v !== first)) {
    return { status: 400, message: `invalid content-length '${length}'` };
  }
  return { kind: 'length', length: Number(first) };
}

/** The path and query of a request target; an absolute-form target (sent to proxies) loses its origin. */
function originForm(target: string): string {
  if (target.startsWith('/') || target === '*') return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return target; // the router will not match it
  }
}

/** Collects a request body as it arrives. */
interface BodyReader {
  /** Takes bytes; answers what follows the body once it is complete (or refused), else undefined. */
  push(chunk: Buffer): Buffer | undefined;
  /** Set when the body cannot be accepted. */
  readonly refusal: Refusal | undefined;
  bytes(): Uint8Array;
}

class FixedBody implements BodyReader {
  readonly refusal = undefined;
  readonly #parts: Buffer[] = [];
  #missing: number;

  constructor(readonly length: number) {
    this.#missing = length;
  }

  push(chunk: Buffer): Buffer | undefined {
    if (chunk.length < this.#missing) {
      this.#parts.push(chunk);
      this.#missing -= chunk.length;
      return undefined;
    }
    this.#parts.push(chunk.subarray(0, this.#missing));
    const rest = chunk.subarray(this.#missing);
    this.#missing = 0;
    return rest;
  }

  bytes(): Uint8Array {
    return this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.length);
  }
}

/** Where a chunked body's reader is: a size line, chunk data, the CRLF after it, or trailers. */
const ChunkState = { Size: 0, Data: 1, DataEnd: 2, Trailers: 3 } as const;

/** The longest chunk-size or trailer line accepted. */
const MAX_CHUNK_LINE = 4096;

class ChunkedBody implements BodyReader {
  refusal: Refusal | undefined;
  readonly #parts: Buffer[] = [];
  #size = 0;
  #state: number = ChunkState.Size;
  /** Bytes of the current chunk still to come. */
  #remaining = 0;
  /** An incomplete size line, CRLF or trailer, kept until more bytes come. */
  #pending: Buffer = EMPTY;

  constructor(readonly max: number) {}

  push(chunk: Buffer): Buffer | undefined {
    const data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = EMPTY;
    let at = 0;
    for (;;) {
      if (this.#state === ChunkState.Data) {
        const n = Math.min(this.#remaining, data.length - at);
        if (n > 0) this.#parts.push(data.subarray(at, at + n));
        this.#remaining -= n;
        at += n;
        if (this.#remaining > 0) return undefined;
        this.#state = ChunkState.DataEnd;
      }
      if (this.#state === ChunkState.DataEnd) {
        if (data.length - at < 2) return this.#wait(data, at);
        if (data[at] !== 13 || data[at + 1] !== 10) return this.#refuse(400, 'malformed chunk');
        at += 2;
        this.#state = ChunkState.Size;
      }
      const lineEnd = data.indexOf(CRLF, at);
      if (lineEnd === -1) {
        if (data.length - at > MAX_CHUNK_LINE) return this.#refuse(400, 'malformed chunk');
        return this.#wait(data, at);
      }
      const line = data.toString('latin1', at, lineEnd);
      at = lineEnd + 2;
      if (this.#state === ChunkState.Trailers) {
        if (line === '') return data.subarray(at); // the empty line that ends the body
        continue; // trailer fields are not kept
      }
      const semicolon = line.indexOf(';'); // chunk extensions are ignored
      const digits = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
      if (!/^[0-9a-fA-F]{1,8}$/.test(digits)) return this.#refuse(400, 'malformed chunk size');
      const size = Number.parseInt(digits, 16);
      if (size === 0) {
        this.#state = ChunkState.Trailers;
        continue;
      }
      this.#size += size;
      if (this.#size > this.max) return this.#refuse(413, `request body larger than ${this.max} bytes`);
      this.#remaining = size;
      this.#state = ChunkState.Data;
    }
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.#parts, this.#size);
  }

  #wait(data: Buffer, at: number): undefined {
    this.#pending = data.subarray(at);
    return undefined;
  }

  #refuse(status: number, message: string): Buffer {
    this.refusal = { status, message };
    this.#parts.length = 0;
    return EMPTY;
  }
}
