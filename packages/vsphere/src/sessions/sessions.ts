/**
 * SessionManager's state: who is logged in. A session expires after an idle time on
 * the simulator's clock, as vCenter's do; an expired or unknown key is NotAuthenticated.
 * It also keeps the tickets a session hands out: clone tickets and HTTP service tickets.
 */
import type { Random } from '../core/random.js';
import { faults } from '../faults.js';
import type { EventInput } from '../history/events.js';
import { moref } from '../refs.js';

export interface UserSession {
  readonly key: string;
  readonly userName: string;
  readonly fullName: string;
  readonly loginTime: number;
  readonly lastActiveTime: number;
  readonly locale: string;
  readonly messageLocale: string;
  readonly ipAddress: string;
  readonly userAgent: string;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** vcsim prints and accepts these unless told otherwise. */
export const DEFAULT_CREDENTIALS: Credentials = { username: 'user', password: 'pass' };

const SESSION_MANAGER = moref('SessionManager', 'SessionManager');

/** Where session events go; `userName` is the user they are attributed to when not the caller. */
export type SessionEventSink = (event: EventInput, userName?: string) => void;

/** An HTTP request a service ticket is good for; no method is any method, as the API reference says. */
export interface HttpServiceRequest {
  /** `httpGet`, `httpPut`, ... (SessionManagerHttpServiceRequestSpecMethod). */
  readonly method?: string;
  readonly url: string;
}

interface ServiceTicket {
  readonly sessionKey: string;
  /** The HTTP verb (`GET`), absent for any. */
  readonly method: string | undefined;
  readonly target: string;
  readonly expires: number;
}

/** SessionManagerHttpServiceRequestSpecMethod's values, to the HTTP verbs they name. */
const HTTP_VERBS = new Map(
  ['Options', 'Get', 'Head', 'Post', 'Put', 'Delete', 'Trace', 'Connect'].map((m) => [
    `http${m}`,
    m.toUpperCase(),
  ]),
);

/**
 * A service ticket lives two minutes: long enough for the request it was asked for, which
 * follows at once; the API reference gives no lifetime, and two minutes is its CIM ticket's.
 */
const SERVICE_TICKET_LIFETIME_MS = 2 * 60_000;

/**
 * The path and query a URL names, decoded and the query sorted, so that two spellings of one
 * request compare equal. Scheme, host and port are not part of it: the API reference says
 * only the path and query are used (the port may be a proxy's).
 */
const requestTarget = (url: URL): string | undefined => {
  url.searchParams.sort();
  try {
    return `${decodeURIComponent(url.pathname)}?${url.searchParams}`;
  } catch {
    return undefined;
  }
};

const parseUrl = (url: string, base?: string): URL | undefined => {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
};

export class Sessions {
  #sessions = new Map<string, UserSession>();
  /** Clone tickets not yet spent, to the session they clone. */
  #tickets = new Map<string, string>();
  /** HTTP service tickets not yet spent nor expired. */
  #serviceTickets = new Map<string, ServiceTicket>();
  readonly credentials: Credentials;
  readonly idleTimeoutMs: number;
  readonly #random: Random;
  readonly #now: () => number;
  readonly #post: SessionEventSink;
  /** API calls per session, for UserSession.callCount and the logout event's. */
  #calls = new Map<string, number>();
  readonly #endListeners: ((key: string) => void)[] = [];

  constructor(options: {
    credentials: Credentials;
    idleTimeoutMs: number;
    random: Random;
    now: () => number;
    onEvent?: SessionEventSink;
  }) {
    this.credentials = options.credentials;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.#random = options.random;
    this.#now = options.now;
    this.#post = options.onEvent ?? (() => {});
  }

  login(
    userName: string,
    password: string,
    client: { ipAddress?: string; userAgent?: string } = {},
  ): UserSession {
    const ipAddress = client.ipAddress ?? '127.0.0.1';
    if (userName !== this.credentials.username || password !== this.credentials.password) {
      const message = `Cannot login ${userName}@${ipAddress}`;
      this.#post({ _type: 'BadUsernameSessionEvent', ipAddress, fullFormattedMessage: message }, userName);
      throw faults.invalidLogin();
    }
    const now = this.#now();
    const session: UserSession = {
      key: this.#random.uuid(),
      userName,
      fullName: userName,
      loginTime: now,
      lastActiveTime: now,
      locale: 'en',
      messageLocale: 'en',
      ipAddress,
      userAgent: client.userAgent ?? '',
    };
    this.#sessions.set(session.key, session);
    this.#post(
      {
        _type: 'UserLoginSessionEvent',
        ipAddress,
        userAgent: session.userAgent,
        locale: session.locale,
        sessionId: session.key,
        fullFormattedMessage: `User ${userName}@${ipAddress} logged in as ${session.userAgent}`,
      },
      userName,
    );
    return session;
  }

  /** A one-time ticket that CloneSession turns into a second session of the same user. */
  acquireCloneTicket(key: string): string {
    this.authenticate(key);
    const ticket = `cst-VCT-${this.#random.uuid()}`;
    this.#tickets.set(ticket, key);
    return ticket;
  }

  /** CloneSession: spends a ticket; an unknown or spent one is InvalidLogin, as in vCenter. */
  cloneByTicket(ticket: string): UserSession {
    const key = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    if (key === undefined || !this.#live(key)) throw faults.invalidLogin();
    return this.clone(key);
  }

  /**
   * AcquireGenericServiceTicket: a one-time credential for one HTTP request (its method, path
   * and query) on behalf of the session `key`. InvalidArgument for a URL or method that is none.
   */
  acquireServiceTicket(key: string, spec: HttpServiceRequest): string {
    this.authenticate(key);
    const url = parseUrl(spec.url);
    const target = url && requestTarget(url);
    if (target === undefined) throw faults.invalidArgument('spec.url');
    const verb = spec.method === undefined ? undefined : HTTP_VERBS.get(spec.method);
    if (spec.method !== undefined && verb === undefined) throw faults.invalidArgument('spec.method');
    const now = this.#now();
    for (const [id, ticket] of this.#serviceTickets)
      if (ticket.expires <= now) this.#serviceTickets.delete(id);
    const id = this.#random.uuid();
    this.#serviceTickets.set(id, {
      sessionKey: key,
      method: verb,
      target,
      expires: now + SERVICE_TICKET_LIFETIME_MS,
    });
    return id;
  }

  /**
   * Spends a service ticket on a request (its HTTP method and its URL or path and query): the
   * session it acts for, or undefined when the ticket is unknown, spent, expired, for another
   * request or its session has ended. A ticket is spent by being shown, whether it fits or not.
   */
  spendServiceTicket(id: string, request: { method: string; url: string }): UserSession | undefined {
    const ticket = this.#serviceTickets.get(id);
    this.#serviceTickets.delete(id);
    const url = parseUrl(request.url, 'http://localhost');
    if (
      !ticket ||
      ticket.expires <= this.#now() ||
      (ticket.method !== undefined && ticket.method !== request.method) ||
      !url ||
      ticket.target !== requestTarget(url) ||
      !this.#live(ticket.sessionKey)
    )
      return undefined;
    return this.authenticate(ticket.sessionKey);
  }

  /** A second session for the same user (CloneSession, clone tickets, REST from SOAP). */
  clone(key: string): UserSession {
    const source = this.authenticate(key);
    const now = this.#now();
    const session = { ...source, key: this.#random.uuid(), loginTime: now, lastActiveTime: now };
    this.#sessions.set(session.key, session);
    return session;
  }

  /** The live session for `key`, its idle timer restarted; NotAuthenticated otherwise. */
  authenticate(key: string | undefined): UserSession {
    const session = key === undefined ? undefined : this.#live(key);
    if (!session) throw faults.notAuthenticated(SESSION_MANAGER);
    const touched = { ...session, lastActiveTime: this.#now() };
    this.#sessions.set(touched.key, touched);
    this.#calls.set(touched.key, (this.#calls.get(touched.key) ?? 0) + 1);
    return touched;
  }

  isActive(key: string, userName?: string): boolean {
    const session = this.#live(key);
    return session !== undefined && (userName === undefined || session.userName === userName);
  }

  logout(key: string): void {
    const session = this.authenticate(key);
    const callCount = this.#calls.get(key) ?? 0;
    this.#forget(key);
    const { userName, ipAddress, userAgent, loginTime } = session;
    this.#post(
      {
        _type: 'UserLogoutSessionEvent',
        ipAddress,
        userAgent,
        callCount,
        sessionId: key,
        loginTime,
        fullFormattedMessage: `User ${userName}@${ipAddress} logged out (login time: ${new Date(loginTime).toISOString()}, number of API invocations: ${callCount}, user agent: ${userAgent})`,
      },
      userName,
    );
  }

  /** TerminateSession: all or nothing; the caller's own session (`current`) is InvalidArgument. */
  terminate(keys: readonly string[], current?: string): void {
    for (const key of keys) {
      if (key === current) throw faults.invalidArgument('sessionId');
      if (!this.#live(key)) throw faults.notFound(`No session with key '${key}'.`);
    }
    for (const key of keys) {
      const session = this.#sessions.get(key);
      if (!session) continue;
      this.#forget(key);
      this.#post({
        _type: 'SessionTerminatedEvent',
        sessionId: key,
        terminatedUsername: session.userName,
        fullFormattedMessage: `A session for user '${session.userName}' has stopped`,
      });
    }
  }

  /** The API calls a session has made. */
  callCount(key: string): number {
    return this.#calls.get(key) ?? 0;
  }

  list(): UserSession[] {
    for (const key of [...this.#sessions.keys()]) this.#live(key);
    return [...this.#sessions.values()];
  }

  restore(sessions: readonly UserSession[]): void {
    this.#sessions = new Map(sessions.map((s) => [s.key, s]));
    this.#calls = new Map();
  }

  #live(key: string): UserSession | undefined {
    const session = this.#sessions.get(key);
    if (session && this.#now() - session.lastActiveTime > this.idleTimeoutMs) {
      this.#forget(key);
      return undefined;
    }
    return session;
  }

  #forget(key: string): void {
    this.#sessions.delete(key);
    this.#calls.delete(key);
    for (const [id, ticket] of this.#serviceTickets)
      if (ticket.sessionKey === key) this.#serviceTickets.delete(id);
    for (const listener of this.#endListeners) listener(key);
  }

  /** Hears the key of each session that ends: logged out, terminated or idle too long. */
  onEnd(listener: (key: string) => void): void {
    this.#endListeners.push(listener);
  }
}
