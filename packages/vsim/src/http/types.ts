/**
 * The plain request and response every transport adapter speaks.
 *
 * One handler serves a port (HTTP/HTTPS), the in-process fetch and the undici dispatcher.
 * These shapes are deliberately not WHATWG Request/Response: building those
 * costs tens of microseconds each on Node 20, so adapters convert at the edge.
 */

export interface PlainRequest {
  /** Upper-case as sent by the client (`GET`, `POST`, ...). */
  method: string;
  /** The path without the query string, still percent-encoded. */
  path: string;
  /** The raw query string without the leading `?`; `''` when there is none. */
  query: string;
  /**
   * Lower-cased header names. A repeated header is joined with `', '`, except
   * `cookie`, which is joined with `'; '` (RFC 6265 section 5.4).
   */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The peer's address, when the request came over a socket. */
  remoteAddress?: string;
  /** True when the request came over TLS, so URLs handed back can say https. */
  secure?: boolean;
}

export interface PlainResponse {
  status: number;
  /** An array value is sent as repeated headers (needed for `set-cookie`). */
  headers: Record<string, string | string[]>;
  body: string | Uint8Array;
}

export type Handler = (req: PlainRequest) => PlainResponse | Promise<PlainResponse>;
