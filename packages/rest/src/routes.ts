/**
 * What an endpoint sees and how it is declared. Paths are relative to the style's prefix
 * (`/api` or `/rest`), with `:name` segments; `action` matches the style's action
 * parameter (`?action=` / `?~action=`).
 */
import type { UserSession, VSphere } from '@vsim/vsphere';
import type { Reply, Style, StyleName } from './styles.js';

export interface Call {
  readonly vsphere: VSphere;
  readonly style: Style;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The request body parsed as JSON; undefined when empty. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Headers the endpoint adds to its response (set-cookie). */
  readonly responseHeaders: Record<string, string | string[]>;
  readonly remoteAddress?: string;
  /** The request came over TLS. */
  readonly secure?: boolean;
}

export interface AuthenticatedCall extends Call {
  readonly session: UserSession;
  /** The REST token the caller sent. */
  readonly token: string;
}

interface RouteBase {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly action?: string;
}

export type Route =
  | (RouteBase & { readonly public: true; run(call: Call): Reply | Promise<Reply> })
  | (RouteBase & { readonly public?: false; run(call: AuthenticatedCall): Reply | Promise<Reply> });

/** The routes one module serves in a style. */
export type RouteSet = (style: StyleName) => Route[];
