/**
 * The vAPI REST endpoint: `/api/...` and `/rest/...`. It picks the URL style from the
 * prefix, finds the route, checks the session token, parses the JSON body, calls the
 * model and writes the answer in the style's envelope. Nothing a client sends can crash
 * it or change state on failure: every error becomes a vAPI error in the style's body.
 */
import type { VSphere } from '@vsim/vsphere';
import { createContentService } from './content/index.js';
import { restError, toRestError } from './errors.js';
import type { Call, Route, RouteSet } from './routes.js';
import { RestSessions, sessionRoutes, tokenOf } from './session.js';
import { api, type RestResponse, rest, type Style, type StyleName } from './styles.js';
import { taggingRoutes } from './tagging/tagging.js';
import { clusterModuleRoutes } from './vcenter/cluster-modules.js';
import { computeRoutes } from './vcenter/compute.js';
import { customizationSpecRoutes } from './vcenter/customization-specs.js';
import { inventoryRoutes } from './vcenter/inventory.js';
import { kmsProviderRoutes } from './vcenter/kms-providers.js';
import { storagePolicyRoutes } from './vcenter/storage-policies.js';
import { vmRoutes } from './vcenter/vm.js';

/** The request shape of vsim's router (structural, so this package needs no HTTP). */
export interface RestRequest {
  readonly method: string;
  /** The path without the query string, still percent-encoded. */
  readonly path: string;
  /** The raw query string without `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly remoteAddress?: string;
  readonly secure?: boolean;
}

export interface RestOptions {
  /** Larger request bodies are refused before parsing. Default 8 MiB. */
  maxBodyBytes?: number;
  /** More routes per style (tagging, content library, ...), tried after the built-in ones. */
  routes?: readonly RouteSet[];
}

interface Compiled {
  readonly route: Route;
  readonly segments: readonly string[];
}

const STYLES: Readonly<Record<StyleName, Style>> = { api, rest };
const decoder = new TextDecoder();

const compile = (routes: Route[]): Compiled[] =>
  routes.map((route) => ({ route, segments: route.path.split('/').slice(1) }));

/** `:name` segments capture (percent-decoded); the rest must be equal. */
const matchPath = (
  segments: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined => {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const part = parts[i] as string;
    if (segment.startsWith(':')) {
      if (part === '') return undefined;
      params[segment.slice(1)] = decode(part);
    } else if (segment !== part) return undefined;
  }
  return params;
};

const decode = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

const parseBody = (bytes: Uint8Array): unknown => {
  if (bytes.byteLength === 0) return undefined;
  const text = decoder.decode(bytes);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw restError('invalid_argument', `The request body is not valid JSON: ${(error as Error).message}`);
  }
};

export const createRestHandler = (vsphere: VSphere, options: RestOptions = {}) => {
  const sessions = new RestSessions(vsphere);
  const content = createContentService(vsphere);
  const sets: RouteSet[] = [
    sessionRoutes(sessions),
    vmRoutes,
    // Before computeRoutes: its `GET /vcenter/cluster/:cluster` would take `.../cluster/modules`.
    clusterModuleRoutes,
    computeRoutes,
    inventoryRoutes,
    storagePolicyRoutes,
    kmsProviderRoutes,
    customizationSpecRoutes,
    taggingRoutes,
    content.routes,
    ...(options.routes ?? []),
  ];
  const tables: Record<StyleName, Compiled[]> = {
    api: compile(sets.flatMap((set) => set('api'))),
    rest: compile(sets.flatMap((set) => set('rest'))),
  };
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;

  const find = (style: Style, method: string, parts: string[], query: URLSearchParams) => {
    const action = style.action(query);
    let pathMatched = false;
    for (const entry of tables[style.name]) {
      const params = matchPath(entry.segments, parts);
      if (params === undefined) continue;
      pathMatched = true;
      if (entry.route.method === method && entry.route.action === action)
        return { route: entry.route, params };
    }
    if (pathMatched && action !== undefined) {
      throw restError('invalid_argument', `Unknown action '${action}' for ${method} on this resource.`);
    }
    throw restError(
      'not_found',
      pathMatched ? `The resource does not support ${method}.` : 'The requested resource does not exist.',
      'com.vmware.vapi.rest.httpNotFound',
    );
  };

  const handle = async (req: RestRequest): Promise<RestResponse> => {
    const prefix = req.path.startsWith('/rest/') || req.path === '/rest' ? 'rest' : 'api';
    const style = STYLES[prefix];
    const headers: Record<string, string | string[]> = {};
    try {
      const parts = req.path
        .slice(prefix.length + 1)
        .split('/')
        .slice(1);
      const query = new URLSearchParams(req.query);
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const { route, params } = find(style, method, parts, query);
      if (req.body.byteLength > maxBodyBytes) {
        throw restError('invalid_argument', `The request body exceeds ${maxBodyBytes} bytes.`);
      }
      const call: Call = {
        vsphere,
        style,
        params,
        query,
        body: parseBody(req.body),
        headers: req.headers,
        responseHeaders: headers,
        ...(req.remoteAddress === undefined ? {} : { remoteAddress: req.remoteAddress }),
        ...(req.secure ? { secure: true } : {}),
      };
      if (route.public) return style.ok(await route.run(call), headers);
      const token = tokenOf(req.headers);
      const session = sessions.authenticate(token);
      const caller = { userName: session.userName, sessionKey: session.key };
      const result = await vsphere.runAs(caller, () =>
        route.run({ ...call, session, token: token as string }),
      );
      return style.ok(result, headers);
    } catch (error) {
      return style.error(toRestError(error), headers);
    }
  };

  return { handle, sessions, transfer: content.transfer };
};
