import { describe, expect, it } from 'vitest';
import { DEFAULT_EPOCH, VirtualClock } from '../core/clock.js';
import { Model } from '../model.js';

const MINUTE = 60_000;

const setup = (idle = 30 * MINUTE) => {
  const clock = new VirtualClock();
  const model = new Model({ seed: 1, clock, sessionIdleTimeoutMs: idle });
  const events = () => model.events.list();
  return { clock, model, sessions: model.sessions, events };
};

const notAuthenticated = expect.objectContaining({
  fault: expect.objectContaining({ _type: 'NotAuthenticated' }),
});

describe('Sessions', () => {
  it('logs in with the configured credentials and posts UserLoginSessionEvent', () => {
    const { sessions, events } = setup();
    const session = sessions.login('user', 'pass', { ipAddress: '10.1.2.3', userAgent: 'govc/0.30' });
    expect(session).toMatchObject({
      userName: 'user',
      fullName: 'user',
      loginTime: DEFAULT_EPOCH,
      lastActiveTime: DEFAULT_EPOCH,
      ipAddress: '10.1.2.3',
      userAgent: 'govc/0.30',
    });
    expect(session.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(events()).toEqual([
      expect.objectContaining({
        _type: 'UserLoginSessionEvent',
        userName: 'user',
        ipAddress: '10.1.2.3',
        userAgent: 'govc/0.30',
        sessionId: session.key,
        createdTime: DEFAULT_EPOCH,
        fullFormattedMessage: 'User user@10.1.2.3 logged in as govc/0.30',
      }),
    ]);
    expect(sessions.authenticate(session.key).key).toBe(session.key);
  });

  it('refuses wrong credentials with InvalidLogin and posts BadUsernameSessionEvent', () => {
    const { sessions, events } = setup();
    expect(() => sessions.login('user', 'nope')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidLogin' } }),
    );
    expect(() => sessions.login('admin', 'pass')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidLogin' } }),
    );
    expect(sessions.list()).toEqual([]);
    expect(events().map((e) => [e._type, e.userName, e.fullFormattedMessage])).toEqual([
      ['BadUsernameSessionEvent', 'user', 'Cannot login user@127.0.0.1'],
      ['BadUsernameSessionEvent', 'admin', 'Cannot login admin@127.0.0.1'],
    ]);
  });

  it('answers NotAuthenticated after logout, and posts UserLogoutSessionEvent with the call count', () => {
    const { sessions, events, clock } = setup();
    const session = sessions.login('user', 'pass');
    sessions.authenticate(session.key);
    sessions.authenticate(session.key);
    expect(sessions.callCount(session.key)).toBe(2);
    clock.set(DEFAULT_EPOCH + 5000);
    sessions.logout(session.key);
    expect(() => sessions.authenticate(session.key)).toThrow(notAuthenticated);
    expect(() => sessions.logout(session.key)).toThrow(notAuthenticated);
    expect(() => sessions.authenticate(undefined)).toThrow(notAuthenticated);
    expect(sessions.isActive(session.key)).toBe(false);
    expect(events().at(-1)).toMatchObject({
      _type: 'UserLogoutSessionEvent',
      userName: 'user',
      sessionId: session.key,
      callCount: 3,
      loginTime: DEFAULT_EPOCH,
      createdTime: DEFAULT_EPOCH + 5000,
      fullFormattedMessage: `User user@127.0.0.1 logged out (login time: ${new Date(DEFAULT_EPOCH).toISOString()}, number of API invocations: 3, user agent: )`,
    });
  });

  it('expires an idle session on the clock, and each call restarts the idle timer', () => {
    const { sessions, clock } = setup(10 * MINUTE);
    const session = sessions.login('user', 'pass');
    clock.set(DEFAULT_EPOCH + 10 * MINUTE);
    const touched = sessions.authenticate(session.key);
    expect(touched.lastActiveTime).toBe(DEFAULT_EPOCH + 10 * MINUTE);
    expect(touched.loginTime).toBe(DEFAULT_EPOCH);
    clock.set(DEFAULT_EPOCH + 20 * MINUTE);
    expect(sessions.isActive(session.key, 'user')).toBe(true);
    expect(sessions.isActive(session.key, 'other')).toBe(false);
    clock.set(DEFAULT_EPOCH + 20 * MINUTE + 1);
    expect(sessions.isActive(session.key)).toBe(false);
    expect(() => sessions.authenticate(session.key)).toThrow(notAuthenticated);
    expect(sessions.list()).toEqual([]);
  });

  it('clones a live session into a new one of the same user', () => {
    const { sessions, clock } = setup();
    const session = sessions.login('user', 'pass', { userAgent: 'pyvmomi' });
    clock.set(DEFAULT_EPOCH + MINUTE);
    const clone = sessions.clone(session.key);
    expect(clone.key).not.toBe(session.key);
    expect(clone).toMatchObject({
      userName: 'user',
      userAgent: 'pyvmomi',
      loginTime: DEFAULT_EPOCH + MINUTE,
    });
    sessions.logout(session.key);
    expect(sessions.authenticate(clone.key).userName).toBe('user');
    expect(() => sessions.clone(session.key)).toThrow(notAuthenticated);
  });

  it('hands out service tickets, each good once for its request, for two minutes, while its session lives', () => {
    const { sessions, clock } = setup();
    const session = sessions.login('user', 'pass');
    const url = 'https://10.0.0.1/folder/dir/a%20b.txt?dsName=LocalDS_0&dcPath=DC0';
    const put = { method: 'PUT', url: '/folder/dir/a b.txt?dcPath=DC0&dsName=LocalDS_0' };
    const ticket = () => sessions.acquireServiceTicket(session.key, { method: 'httpPut', url });
    // Another host, port, spelling or order of the query is the same request; its session acts.
    const first = ticket();
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessions.spendServiceTicket(first, put)?.key).toBe(session.key);
    expect(sessions.spendServiceTicket(first, put)).toBeUndefined();
    // Another method or URL spends the ticket to no effect.
    const other = ticket();
    expect(sessions.spendServiceTicket(other, { ...put, method: 'GET' })).toBeUndefined();
    expect(sessions.spendServiceTicket(other, put)).toBeUndefined();
    expect(
      sessions.spendServiceTicket(ticket(), { ...put, url: '/folder/dir/a.txt?dsName=LocalDS_0' }),
    ).toBeUndefined();
    expect(sessions.spendServiceTicket('unknown', put)).toBeUndefined();
    // No method is any method.
    const any = sessions.acquireServiceTicket(session.key, { url });
    expect(sessions.spendServiceTicket(any, { ...put, method: 'DELETE' })?.key).toBe(session.key);
    // Two minutes on the clock.
    const late = ticket();
    const early = ticket();
    clock.set(DEFAULT_EPOCH + 2 * MINUTE - 1);
    expect(sessions.spendServiceTicket(early, put)?.key).toBe(session.key);
    clock.set(DEFAULT_EPOCH + 2 * MINUTE);
    expect(sessions.spendServiceTicket(late, put)).toBeUndefined();
    // A ticket dies with its session.
    const orphan = ticket();
    sessions.logout(session.key);
    expect(sessions.spendServiceTicket(orphan, put)).toBeUndefined();
    expect(() => ticket()).toThrow(notAuthenticated);
  });

  it('refuses a service ticket for a URL or an HTTP method that is none (InvalidArgument)', () => {
    const { sessions } = setup();
    const { key } = sessions.login('user', 'pass');
    const invalid = (invalidProperty: string) =>
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty } });
    expect(() => sessions.acquireServiceTicket(key, { url: '/folder/a.txt' })).toThrow(invalid('spec.url'));
    expect(() => sessions.acquireServiceTicket(key, { url: 'https://h/folder/%E0%A4%A' })).toThrow(
      invalid('spec.url'),
    );
    expect(() => sessions.acquireServiceTicket(key, { method: 'GET', url: 'https://h/folder' })).toThrow(
      invalid('spec.method'),
    );
  });

  it('makes the same tickets from the same seed', () => {
    const tickets = () => {
      const { sessions } = setup();
      const { key } = sessions.login('user', 'pass');
      return [1, 2].map(() => sessions.acquireServiceTicket(key, { url: 'https://h/folder' }));
    };
    expect(tickets()).toEqual(tickets());
  });

  it('lists the live sessions and terminates others, all or nothing', () => {
    const { sessions, events } = setup();
    const a = sessions.login('user', 'pass');
    const b = sessions.login('user', 'pass');
    const c = sessions.login('user', 'pass');
    expect(sessions.list().map((s) => s.key)).toEqual([a.key, b.key, c.key]);
    expect(() => sessions.terminate([b.key, 'unknown'], a.key)).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
    expect(() => sessions.terminate([b.key, a.key], a.key)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'sessionId' } }),
    );
    expect(sessions.list()).toHaveLength(3);
    sessions.terminate([b.key, c.key], a.key);
    expect(sessions.list().map((s) => s.key)).toEqual([a.key]);
    expect(() => sessions.authenticate(b.key)).toThrow(notAuthenticated);
    expect(events().slice(-2)).toMatchObject([
      { _type: 'SessionTerminatedEvent', sessionId: b.key, terminatedUsername: 'user' },
      { _type: 'SessionTerminatedEvent', sessionId: c.key, terminatedUsername: 'user' },
    ]);
  });

  it('accepts the credentials given in the options, and restores saved sessions', () => {
    const model = new Model({ seed: 1, credentials: { username: 'admin', password: 's3cret' } });
    expect(() => model.sessions.login('user', 'pass')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidLogin' } }),
    );
    const session = model.sessions.login('admin', 's3cret');
    const other = new Model({ seed: 2 });
    other.sessions.restore([session]);
    expect(other.sessions.authenticate(session.key).userName).toBe('admin');
  });
});
