/**
 * REST sessions. A REST login is a model session (vsphere.sessions): the same
 * credentials, the same idle expiry, separate from any SOAP session. The client gets a
 * token of its own (32 hex digits, as vCenter's `vmware-api-session-id`), mapped here to
 * the session's key, so a REST token is no SOAP cookie and a SOAP cookie no REST token.
 *
 * Besides Basic auth, `POST` on the session resource turns a live SOAP session (its
 * `vmware_soap_session` cookie) into a REST session: govmomi's LoginByToken does that,
 * posting with no credentials and the cookie its SOAP client holds.
 */
import { isVimFault, type UserSession, type VSphere } from '@vsim/vsphere';
import { restError } from './errors.js';
import type { AuthenticatedCall, Call, Route, RouteSet } from './routes.js';

export const TOKEN_HEADER = 'vmware-api-session-id';
const SOAP_COOKIE = 'vmware_soap_session';
/** govmomi sends this to say it keeps the token itself and wants no cookie. */
const HEADER_AUTHN = 'vmware-use-header-authn';

export const cookieValue = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return part
        .slice(eq + 1)
        .trim()
        .replaceAll('"', '');
  }
  return undefined;
};

/** The token a request carries: the header first, then the cookie /rest logins set. */
export const tokenOf = (headers: Readonly<Record<string, string>>): string | undefined =>
  headers[TOKEN_HEADER]?.trim() || cookieValue(headers, TOKEN_HEADER);

const unauthenticated = () =>
  restError('unauthenticated', 'This method requires authentication.', 'vapi.method.authentication.required');

export class RestSessions {
  readonly #vsphere: VSphere;
  /** REST token -> model session key. */
  readonly #keys = new Map<string, string>();

  constructor(vsphere: VSphere) {
    this.#vsphere = vsphere;
  }

  /** The live session behind `token`, its idle timer restarted; `unauthenticated` otherwise. */
  authenticate(token: string | undefined): UserSession {
    const key = token === undefined ? undefined : this.#keys.get(token);
    if (token === undefined || key === undefined) throw unauthenticated();
    if (!this.#vsphere.sessions.isActive(key)) {
      this.#keys.delete(token);
      throw unauthenticated();
    }
    return this.#vsphere.sessions.authenticate(key);
  }

  /** A new session from Basic credentials, or from the caller's live SOAP session. */
  login(call: Call): string {
    const { sessions } = this.#vsphere;
    const basic = basicCredentials(call.headers.authorization);
    let session: UserSession;
    if (basic) {
      try {
        session = sessions.login(basic.user, basic.password, {
          ...(call.remoteAddress ? { ipAddress: call.remoteAddress } : {}),
          ...(call.headers['user-agent'] ? { userAgent: call.headers['user-agent'] } : {}),
        });
      } catch (error) {
        if (isVimFault(error)) throw unauthenticated();
        throw error;
      }
    } else {
      const soapKey =
        cookieValue(call.headers, SOAP_COOKIE) ?? call.headers[SOAP_COOKIE]?.replaceAll('"', '');
      if (soapKey === undefined || !sessions.isActive(soapKey)) throw unauthenticated();
      session = sessions.clone(soapKey);
    }
    const token = this.#vsphere.random.uuid().replaceAll('-', '');
    this.#keys.set(token, session.key);
    return token;
  }

  logout(token: string): void {
    const key = this.#keys.get(token);
    this.#keys.delete(token);
    if (key !== undefined && this.#vsphere.sessions.isActive(key)) this.#vsphere.sessions.logout(key);
  }
}

/** `Basic dXNlcjpwYXNz` -> user and password; undefined when absent or malformed. */
const basicCredentials = (header: string | undefined): { user: string; password: string } | undefined => {
  if (!header) return undefined;
  const [scheme, encoded] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};

const info = (call: AuthenticatedCall) => ({
  user: call.session.userName,
  created_time: new Date(call.session.loginTime).toISOString(),
  last_accessed_time: new Date(call.session.lastActiveTime).toISOString(),
});

/** The session resource in both styles. */
export const sessionRoutes =
  (sessions: RestSessions): RouteSet =>
  (style): Route[] => {
    const logout = (call: AuthenticatedCall) => {
      sessions.logout(call.token);
      return {};
    };
    if (style === 'api') {
      return [
        {
          method: 'POST',
          path: '/session',
          public: true,
          run: (call) => ({ value: sessions.login(call), created: true }),
        },
        { method: 'GET', path: '/session', run: (call) => ({ value: info(call) }) },
        { method: 'DELETE', path: '/session', run: logout },
      ];
    }
    const path = '/com/vmware/cis/session';
    return [
      {
        method: 'POST',
        path,
        public: true,
        run: (call) => {
          const token = sessions.login(call);
          if (call.headers[HEADER_AUTHN]?.toLowerCase() !== 'true') {
            call.responseHeaders['set-cookie'] = `${TOKEN_HEADER}=${token}; Path=/rest; HttpOnly`;
          }
          return { value: token };
        },
      },
      { method: 'POST', path, action: 'get', run: (call) => ({ value: info(call) }) },
      { method: 'GET', path, run: (call) => ({ value: info(call) }) },
      { method: 'DELETE', path, run: logout },
    ];
  };
