export {
  type ErrorType,
  type Message,
  RestError,
  restError,
  statusOf,
  toRestError,
} from './errors.js';
export * from './namespaces/routes.js';
export type { AuthenticatedCall, Call, Route, RouteSet } from './routes.js';
export { createRestHandler, type RestOptions, type RestRequest } from './server.js';
export { cookieValue, RestSessions, TOKEN_HEADER, tokenOf } from './session.js';
export { api, type Reply, type RestResponse, rest, type Style, type StyleName } from './styles.js';
export { MAX_VMS } from './vcenter/vm.js';
