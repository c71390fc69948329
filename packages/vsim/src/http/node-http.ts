/**
 * Serving a handler on a port: plain TCP or TLS sockets from node:net and node:tls, each
 * speaking HTTP/1.1 through `serveConnection`, with no node:http objects in between.
 */

import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { serveConnection } from './http1.js';
import type { Handler } from './types.js';

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

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function serveNode(handler: Handler, options: ServeNodeOptions = {}): Promise<NodeServer> {
  const { host = '127.0.0.1', port = 0, tls = false, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const sockets = new Set<Socket>();
  const connection = { maxBodyBytes, secure: tls !== false };
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, handler, connection);
  };
  // Half-open: a client may send its request and close its side; it still gets the answer.
  // (A failed TLS handshake only ends that socket.)
  const server: Server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, allowHalfOpen: true }, onSocket)
    : createTcpServer({ allowHalfOpen: true }, onSocket);

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
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function urlHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
