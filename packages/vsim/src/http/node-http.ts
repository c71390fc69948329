/**
 * The node:http(s) adapter: a listener that maps `IncomingMessage` straight onto
 * a `PlainRequest` and writes the `PlainResponse` back, with no WHATWG objects
 * in between.
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Handler, PlainRequest, PlainResponse } from './types.js';
import {
  EMPTY_BODY,
  emptyHeaders,
  internalError,
  isPromise,
  joinHeader,
  jsonError,
  responseHeaders,
} from './wire.js';

export interface ServeNodeOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default `0`: the system picks a free port. */
  port?: number;
  /** PEM certificate and key for HTTPS; absent or `false` serves plain HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer } | false;
  /** Larger request bodies get 413. Default 32 MiB. */
  maxBodyBytes?: number;
}

export interface NodeServer {
  /** `http(s)://host:port` with the bound port; a wildcard host reads as `127.0.0.1`. */
  url: string;
  port: number;
  /** Stops listening and ends every connection, idle keep-alive ones included. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function serveNode(handler: Handler, options: ServeNodeOptions = {}): Promise<NodeServer> {
  const { host = '127.0.0.1', port = 0, tls = false, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createHttpServer();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    receive(handler, req, res, maxBodyBytes);
  });
  // Refuse an oversize body before the client sends it, instead of after.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaredLength(req) > maxBodyBytes) {
      tooLarge(res, maxBodyBytes);
    } else {
      res.writeContinue();
      receive(handler, req, res, maxBodyBytes);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${urlHost(host)}:${bound}`,
    port: bound,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function receive(handler: Handler, req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): void {
  const raw = req.rawHeaders;
  const headers = emptyHeaders();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    headers[name] = joinHeader(name, headers[name], raw[i + 1] as string);
  }
  const plain = toPlainRequest(req, headers);

  const length = headers['content-length'];
  if (length === undefined && headers['transfer-encoding'] === undefined) {
    respond(handler, plain, res); // no body to read
    return;
  }
  if (length !== undefined && Number(length) > maxBodyBytes) {
    tooLarge(res, maxBodyBytes);
    return;
  }

  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBodyBytes) {
      chunks.push(chunk);
      return;
    }
    // A chunked body grew past the limit: stop keeping it and answer now.
    failed = true;
    chunks.length = 0;
    req.off('data', onData);
    tooLarge(res, maxBodyBytes);
  };
  req.on('data', onData);
  req.on('error', () => {
    failed = true; // the client went away; nobody is left to answer
  });
  req.on('end', () => {
    if (failed) return;
    plain.body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    respond(handler, plain, res);
  });
}

function toPlainRequest(req: IncomingMessage, headers: Record<string, string>): PlainRequest {
  let target = req.url ?? '/';
  if (!target.startsWith('/') && target !== '*') {
    // absolute-form, as sent to a proxy
    try {
      const url = new URL(target);
      target = url.pathname + url.search;
    } catch {
      // leave it as sent; the router will not match it
    }
  }
  const q = target.indexOf('?');
  const plain: PlainRequest = {
    method: req.method ?? 'GET',
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    headers,
    body: EMPTY_BODY,
  };
  const remote = req.socket.remoteAddress;
  if (remote !== undefined) plain.remoteAddress = remote;
  if ((req.socket as { encrypted?: boolean }).encrypted) plain.secure = true;
  return plain;
}

function respond(handler: Handler, req: PlainRequest, res: ServerResponse): void {
  let result: PlainResponse | Promise<PlainResponse>;
  try {
    result = handler(req);
  } catch (error) {
    send(res, internalError(error));
    return;
  }
  if (isPromise(result)) {
    result.then(
      (response) => send(res, response),
      (error: unknown) => send(res, internalError(error)),
    );
  } else {
    send(res, result);
  }
}

function send(res: ServerResponse, response: PlainResponse): void {
  if (res.destroyed || res.headersSent) return;
  // writeHead fixes the headers before end() could add content-length, so add it here;
  // a string body is measured, not copied: end() encodes it straight onto the socket
  const body = response.body;
  const length = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  try {
    res.writeHead(response.status, responseHeaders(response, length));
  } catch (error) {
    send(res, internalError(error)); // e.g. a header value with a newline: still answer, and say why
    return;
  }
  res.end(body);
}

/** Answers 413 and closes the connection, so the rest of the body is never read. */
function tooLarge(res: ServerResponse, maxBodyBytes: number): void {
  const response = jsonError(413, `request body larger than ${maxBodyBytes} bytes`);
  response.headers.connection = 'close';
  send(res, response);
}

function declaredLength(req: IncomingMessage): number {
  const value = req.headers['content-length'];
  return value === undefined ? 0 : Number(value);
}

function urlHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
