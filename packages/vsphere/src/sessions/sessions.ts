/**
 * SessionManager's state: who is logged in. A session expires after an idle time on
 * the simulator's clock, as vCenter's do; an expired or unknown key is NotAuthenticated.
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

export class Sessions {
  #sessions = new Map<string, UserSession>();
  /** Clone tickets not yet spent, to the session they clone. */
  #tickets = new Map<string, string>();
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
    for (const listener of this.#endListeners) listener(key);
  }

  /** Hears the key of each session that ends: logged out, terminated or idle too long. */
  onEnd(listener: (key: string) => void): void {
    this.#endListeners.push(listener);
  }
}
