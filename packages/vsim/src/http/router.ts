/**
 * The router every transport feeds: method + path to a handler.
 *
 * Patterns are exact paths, `:param` segments and a trailing `*`. Exact paths
 * are one map lookup; patterns are compiled to segment lists once and matched by
 * walking the path with `indexOf`, so a request allocates only the params it
 * captures.
 *
 * Precedence: an exact path first, then patterns and mounts in the order they
 * were added. A path that matches with another method answers 405 with `Allow`;
 * no match answers 404. HEAD falls back to GET. A handler's exception answers 500.
 */

import type { Handler, PlainRequest, PlainResponse } from './types.js';
import { internalError, isPromise, jsonError } from './wire.js';

export type RouteParams = Readonly<Record<string, string>>;
export type RouteHandler = (req: PlainRequest, params: RouteParams) => PlainResponse | Promise<PlainResponse>;

export interface RouterOptions {
  /** Turns a handler's exception into a response; the default is a 500 `{"error": message}`. */
  onError?: (error: unknown, req: PlainRequest) => PlainResponse;
}

const ANY = '*';
const NO_PARAMS: RouteParams = Object.freeze({});

interface Segment {
  kind: 'static' | 'param' | 'rest';
  /** The literal for a static segment, the name for a param. */
  text: string;
}

interface PatternRoute {
  method: string;
  segments: readonly Segment[];
  handler: RouteHandler;
}

export class Router {
  readonly #exact = new Map<string, Map<string, RouteHandler>>();
  readonly #patterns: PatternRoute[] = [];
  readonly #onError: (error: unknown, req: PlainRequest) => PlainResponse;

  constructor(options: RouterOptions = {}) {
    this.#onError = options.onError ?? internalError;
  }

  /** Routes `method` (or `'*'` for any) on `pathPattern` to `handler`. */
  add(method: string, pathPattern: string, handler: RouteHandler): this {
    const verb = method === ANY ? ANY : method.toUpperCase();
    if (!pathPattern.startsWith('/')) throw new Error(`route pattern must start with '/': ${pathPattern}`);
    if (!pathPattern.includes(':') && !pathPattern.includes('*')) {
      let byMethod = this.#exact.get(pathPattern);
      if (byMethod === undefined) {
        byMethod = new Map();
        this.#exact.set(pathPattern, byMethod);
      }
      if (byMethod.has(verb)) throw new Error(`duplicate route: ${verb} ${pathPattern}`);
      byMethod.set(verb, handler);
      return this;
    }
    this.#patterns.push({ method: verb, segments: compile(pathPattern), handler });
    return this;
  }

  /**
   * Sends every request for `prefix` or below it to `handler`, whatever the
   * method. The handler sees the full path, not the part after the prefix.
   */
  mount(prefix: string, handler: Handler): this {
    const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    return this.add(ANY, `${base}/*`, (req) => handler(req));
  }

  readonly handle: Handler = (req) => {
    const { path, method } = req;
    let allowed: string[] | undefined;

    const byMethod = this.#exact.get(path);
    if (byMethod !== undefined) {
      const handler =
        byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined) ?? byMethod.get(ANY);
      if (handler !== undefined) return this.#run(handler, req, NO_PARAMS);
      allowed = [...byMethod.keys()];
    }

    let headFallback: PatternRoute | undefined;
    let headParams: RouteParams = NO_PARAMS;
    for (const route of this.#patterns) {
      const params = match(route.segments, path);
      if (params === undefined) continue;
      if (route.method === method || route.method === ANY) return this.#run(route.handler, req, params);
      if (method === 'HEAD' && route.method === 'GET' && headFallback === undefined) {
        headFallback = route;
        headParams = params;
      } else {
        allowed ??= [];
        allowed.push(route.method);
      }
    }
    if (headFallback !== undefined) return this.#run(headFallback.handler, req, headParams);

    if (allowed !== undefined) {
      const response = jsonError(405, 'method not allowed');
      response.headers.allow = allowHeader(allowed);
      return response;
    }
    return jsonError(404, 'not found');
  };

  #run(
    handler: RouteHandler,
    req: PlainRequest,
    params: RouteParams,
  ): PlainResponse | Promise<PlainResponse> {
    try {
      const result = handler(req, params);
      if (isPromise(result)) return result.then(undefined, (error: unknown) => this.#fail(error, req));
      return result;
    } catch (error) {
      return this.#fail(error, req);
    }
  }

  #fail(error: unknown, req: PlainRequest): PlainResponse {
    try {
      return this.#onError(error, req);
    } catch (hookError) {
      return internalError(hookError);
    }
  }
}

function compile(pattern: string): Segment[] {
  const parts = pattern.slice(1).split('/');
  return parts.map((part, index): Segment => {
    if (part === '*') {
      if (index !== parts.length - 1) throw new Error(`'*' must be the last segment: ${pattern}`);
      return { kind: 'rest', text: '*' };
    }
    if (part.includes('*')) throw new Error(`'*' must be a whole segment: ${pattern}`);
    if (part.startsWith(':')) {
      if (part.length === 1) throw new Error(`unnamed parameter: ${pattern}`);
      return { kind: 'param', text: part.slice(1) };
    }
    return { kind: 'static', text: part };
  });
}

/** Matches without splitting the path; a trailing `*` also matches nothing (`/a/*` matches `/a`). */
function match(segments: readonly Segment[], path: string): RouteParams | undefined {
  let params: Record<string, string> | undefined;
  let start = 1;
  for (const segment of segments) {
    if (segment.kind === 'rest') {
      params ??= {};
      params['*'] = start >= path.length ? '' : path.slice(start);
      return params;
    }
    if (start > path.length) return undefined;
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    if (segment.kind === 'static') {
      if (end - start !== segment.text.length || !path.startsWith(segment.text, start)) return undefined;
    } else {
      if (end === start) return undefined;
      params ??= {};
      params[segment.text] = decodeSegment(path.slice(start, end));
    }
    start = end + 1;
  }
  return start > path.length ? (params ?? NO_PARAMS) : undefined;
}

function decodeSegment(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed escapes reach the handler as sent
  }
}

function allowHeader(methods: string[]): string {
  const set = new Set(methods);
  if (set.has('GET')) set.add('HEAD');
  return [...set].sort().join(', ');
}
