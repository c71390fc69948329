/**
 * Drives the REST handler the way the router does, for the tests beside the code: a model
 * whose scheduler runs due work on the next turn (as vsim's driver does), and requests
 * built from a method, a URL path with its query, headers and a body.
 */
import { VSphere, type VSphereOptions } from '@vsim/vsphere';
import { createRestHandler } from './server.js';

const encoder = new TextEncoder();
export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export interface Sent {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  json: unknown;
}

export const setup = (options: VSphereOptions = { seed: 1 }) => {
  const vsphere = new VSphere(options);
  vsphere.scheduler.setWakeup(() => setImmediate(() => vsphere.scheduler.runDue()));
  const handler = createRestHandler(vsphere);
  const send = async (
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: string | Uint8Array } = {},
  ): Promise<Sent> => {
    const q = url.indexOf('?');
    const body = init.body ?? '';
    const res = await handler.handle({
      method,
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: init.headers ?? {},
      body: typeof body === 'string' ? encoder.encode(body) : body,
    });
    return { ...res, json: res.body === '' ? undefined : (JSON.parse(res.body) as unknown) };
  };
  /** A session token got the `/api` way, and a sender that carries it. */
  const login = async () => {
    const res = await send('POST', '/api/session', { headers: { authorization: basic('user', 'pass') } });
    const token = res.json as string;
    const authed = (
      method: string,
      url: string,
      init: { headers?: Record<string, string>; body?: string | Uint8Array } = {},
    ) => send(method, url, { ...init, headers: { 'vmware-api-session-id': token, ...init.headers } });
    return { token, send: authed };
  };
  return { vsphere, handler, send, login };
};

/** A model and handler as `setup` gives them, with a logged-in sender. */
export const loggedIn = async (options?: VSphereOptions) => {
  const ctx = setup(options);
  return { ...ctx, ...(await ctx.login()) };
};

/**
 * A logged-in session on a simulator whose VM `vm` is off (as adding cold-plugged devices needs),
 * with a sender of JSON bodies and one that answers just the status and vAPI error type.
 */
export const poweredOffSession = async (vm: string) => {
  const ctx = await loggedIn();
  await ctx.vsphere.vm.powerOff(vm).wait();
  const call = (method: string, url: string, body?: unknown) =>
    ctx.send(method, url, body === undefined ? {} : { body: JSON.stringify(body) });
  const errorOf = async (method: string, url: string, body?: unknown) => {
    const res = await call(method, url, body);
    return { status: res.status, error_type: (res.json as { error_type?: string }).error_type };
  };
  return { ...ctx, call, errorOf };
};
