/**
 * SessionManager's state: who is logged in. A session expires after an idle time on
 * the simulator's clock, as vCenter's do; an expired or unknown key is NotAuthenticated.
 */
import type { Random } from '../core/random.js';
import { faults } from '../faults.js';
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

export class Sessions {
  #sessions = new Map<string, UserSession>();
  readonly credentials: Credentials;
  readonly idleTimeoutMs: number;
  readonly #random: Random;
  readonly #now: () => number;

  constructor(options: {
    credentials: Credentials;
    idleTimeoutMs: number;
    random: Random;
    now: () => number;
  }) {
    this.credentials = options.credentials;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.#random = options.random;
    this.#now = options.now;
  }

  login(
    userName: string,
    password: string,
    client: { ipAddress?: string; userAgent?: string } = {},
  ): UserSession {
    if (userName !== this.credentials.username || password !== this.credentials.password)
      throw faults.invalidLogin();
    const now = this.#now();
    const session: UserSession = {
      key: this.#random.uuid(),
      userName,
      fullName: userName,
      loginTime: now,
      lastActiveTime: now,
      locale: 'en',
      messageLocale: 'en',
      ipAddress: client.ipAddress ?? '127.0.0.1',
      userAgent: client.userAgent ?? '',
    };
    this.#sessions.set(session.key, session);
    return session;
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
    return touched;
  }

  isActive(key: string, userName?: string): boolean {
    const session = this.#live(key);
    return session !== undefined && (userName === undefined || session.userName === userName);
  }

  logout(key: string): void {
    this.authenticate(key);
    this.#sessions.delete(key);
  }

  terminate(keys: readonly string[]): void {
    for (const key of keys)
      if (!this.#sessions.delete(key)) throw faults.notFound(`No session with key '${key}'.`);
  }

  list(): UserSession[] {
    for (const key of [...this.#sessions.keys()]) this.#live(key);
    return [...this.#sessions.values()];
  }

  restore(sessions: readonly UserSession[]): void {
    this.#sessions = new Map(sessions.map((s) => [s.key, s]));
  }

  #live(key: string): UserSession | undefined {
    const session = this.#sessions.get(key);
    if (session && this.#now() - session.lastActiveTime > this.idleTimeoutMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    return session;
  }
}
