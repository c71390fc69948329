import { Readable } from 'node:stream';
import {
  type Dispatcher,
  getGlobalDispatcher,
  request,
  setGlobalDispatcher,
  FormData as UndiciFormData,
  fetch as undiciFetch,
} from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatcher.js';
import { serveNode } from './node-http.js';
import { Router } from './router.js';
import type { Handler, PlainRequest } from './types.js';

const ORIGIN = 'http://vsim.test:8989';

/** Echoes what the handler saw, so tests can check the mapping. */
const echo: Handler = (req) => ({
  status: 200,
  headers: { 'Content-Type': 'application/json', 'x-served-by': 'vsim' },
  body: JSON.stringify({ ...req, body: Buffer.from(req.body).toString('utf8') }),
});

const about = new Router().add('GET', '/about', () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"name":"vsim"}',
})).handle;

const dispatchers: Dispatcher[] = [];
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.close()));
});

function dispatcherFor(handler: Handler, origin: string | URL = ORIGIN): Dispatcher {
  const dispatcher = createDispatcher(handler, origin);
  dispatchers.push(dispatcher);
  return dispatcher;
}

async function echoed(body: Dispatcher.ResponseData['body']): Promise<PlainRequest> {
  return (await body.json()) as PlainRequest;
}

describe('createDispatcher with undici.request', () => {
  it('serves the origin in-process', async () => {
    const response = await request(`${ORIGIN}/about`, { dispatcher: dispatcherFor(about) });
    expect(response.statusCode).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['content-length']).toBe('15');
    expect(await response.body.json()).toEqual({ name: 'vsim' });
  });

  it('maps method, path, query, headers and body', async () => {
    const response = await request(`${ORIGIN}/sdk?x=1`, {
      dispatcher: dispatcherFor(echo),
      method: 'POST',
      headers: { 'Content-Type': 'text/xml', cookie: ['a=1', 'b=2'], 'x-multi': ['p', 'q'] },
      body: '<Envelope/>',
    });
    expect(await echoed(response.body)).toEqual({
      method: 'POST',
      path: '/sdk',
      query: 'x=1',
      headers: {
        'content-type': 'text/xml',
        cookie: 'a=1; b=2',
        'x-multi': 'p, q',
        host: 'vsim.test:8989',
        'content-length': '11',
      },
      body: '<Envelope/>',
    });
  });

  it('accepts flat-array and iterable headers and a query object', async () => {
    const dispatcher = dispatcherFor(echo);
    const flat = await dispatcher.request({
      origin: ORIGIN,
      path: '/q',
      method: 'GET',
      headers: ['X-A', '1', 'x-a', '2'],
      query: { name: 'vm 1', tag: ['a', 'b'] },
    });
    const seen = await echoed(flat.body);
    expect(seen.headers['x-a']).toBe('1, 2');
    expect(seen.query).toBe('name=vm%201&tag=a&tag=b');

    const pairs = await dispatcher.request({
      origin: new URL(ORIGIN),
      path: '/pairs',
      method: 'GET',
      headers: new Map([['x-b', '3']]),
    });
    expect((await echoed(pairs.body)).headers['x-b']).toBe('3');
  });

  // undici accepts iterables at run time though its types omit them; its own fetch sends one.
  it.each<[string, () => unknown]>([
    ['a Buffer', () => Buffer.from('payload')],
    ['a Uint8Array', () => new TextEncoder().encode('payload')],
    ['an iterable', () => ['pay', Buffer.from('load')]],
    [
      'an async iterable',
      () =>
        (async function* () {
          yield 'pay';
          yield 'load';
        })(),
    ],
    ['a Readable', () => Readable.from(['pay', 'load'])],
  ])('reads a body given as %s', async (_name, body) => {
    const response = await request(`${ORIGIN}/upload`, {
      dispatcher: dispatcherFor(echo),
      method: 'PUT',
      body: body() as Readable,
    });
    const seen = await echoed(response.body);
    expect(seen.body).toBe('payload');
    expect(seen.headers['content-length']).toBe('7');
  });

  it.each([
    ['undici', () => new UndiciFormData()],
    ['global', () => new FormData()],
  ])('encodes a %s FormData body as multipart', async (_name, create) => {
    const form = create();
    form.append('name', 'vm-1');
    const response = await request(`${ORIGIN}/form`, {
      dispatcher: dispatcherFor(echo),
      method: 'POST',
      body: form as UndiciFormData,
    });
    const seen = await echoed(response.body);
    expect(seen.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.body).toContain('name="name"');
    expect(seen.body).toContain('vm-1');
  });

  it('sends content-length 0 for an empty POST and none for GET', async () => {
    const dispatcher = dispatcherFor(echo);
    const post = await echoed((await request(ORIGIN, { dispatcher, method: 'POST', body: null })).body);
    expect(post.headers['content-length']).toBe('0');
    expect(post.body).toBe('');
    const get = await echoed((await request(ORIGIN, { dispatcher })).body);
    expect(get.headers['content-length']).toBeUndefined();
  });

  it('streams a large body in slices, with backpressure', async () => {
    const big = Buffer.alloc(1024 * 1024, 7);
    const dispatcher = dispatcherFor(() => ({ status: 200, headers: {}, body: big }));
    const response = await request(`${ORIGIN}/big`, { dispatcher, highWaterMark: 1024 });
    let total = 0;
    let chunks = 0;
    for await (const chunk of response.body) {
      total += (chunk as Buffer).length;
      chunks++;
    }
    expect(total).toBe(big.length);
    expect(chunks).toBeGreaterThan(1);
  });

  it('answers HEAD without a body and 204 without content-length', async () => {
    const dispatcher = dispatcherFor((req) => ({
      status: req.path === '/none' ? 204 : 200,
      headers: {},
      body: 'xyz',
    }));
    const head = await request(`${ORIGIN}/x`, { dispatcher, method: 'HEAD' });
    expect(head.headers['content-length']).toBe('3');
    expect(await head.body.text()).toBe('');
    const none = await request(`${ORIGIN}/none`, { dispatcher });
    expect(none.statusCode).toBe(204);
    expect(none.headers['content-length']).toBeUndefined();
    expect(await none.body.text()).toBe('');
  });

  it('keeps repeated response headers', async () => {
    const dispatcher = dispatcherFor(() => ({
      status: 200,
      headers: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: '',
    }));
    const response = await request(ORIGIN, { dispatcher });
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    await response.body.dump();
  });

  it('turns a handler exception into a 500', async () => {
    const dispatcher = dispatcherFor(() => {
      throw new Error('kaboom');
    });
    const response = await request(ORIGIN, { dispatcher });
    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toEqual({ error: 'kaboom' });
  });

  it('rejects on a request body stream error', async () => {
    const body = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await expect(request(ORIGIN, { dispatcher: dispatcherFor(echo), method: 'POST', body })).rejects.toThrow(
      'disk on fire',
    );
  });

  it('honours an abort signal, before and during the exchange', async () => {
    const dispatcher = dispatcherFor(echo);
    await expect(request(ORIGIN, { dispatcher, signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });

    let release: () => void = () => {};
    const pending = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = dispatcherFor(async () => {
      started();
      await pending;
      return { status: 200, headers: {}, body: 'late' };
    });
    const controller = new AbortController();
    const call = request(ORIGIN, { dispatcher: slow, signal: controller.signal });
    await inHandler;
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
    release();
  });

  it('passes other origins through to the network', async () => {
    const server = await serveNode(() => ({ status: 200, headers: {}, body: 'from the socket' }));
    try {
      const dispatcher = dispatcherFor(about, 'http://vsim.test:8989/sdk');
      const response = await request(`${server.url}/about`, { dispatcher });
      expect(await response.body.text()).toBe('from the socket');
    } finally {
      await server.close();
    }
  });
});

describe('createDispatcher with fetch', () => {
  it("serves undici 7's fetch", async () => {
    const dispatcher = dispatcherFor(echo);
    const response = await undiciFetch(`${ORIGIN}/rest/com/vmware/cis/session`, {
      dispatcher,
      method: 'POST',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-served-by')).toBe('vsim');
    const seen = (await response.json()) as PlainRequest;
    expect(seen).toMatchObject({ method: 'POST', path: '/rest/com/vmware/cis/session', body: '{}' });
    expect(seen.headers.authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it("serves Node's global fetch once installed as the global dispatcher", async () => {
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(dispatcherFor(echo));
    try {
      const response = await fetch(`${ORIGIN}/api/session?x=1`, {
        method: 'POST',
        headers: { 'x-token': 'abc' },
        body: new TextEncoder().encode('hello'),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-served-by')).toBe('vsim');
      const seen = (await response.json()) as PlainRequest;
      expect(seen).toMatchObject({ method: 'POST', path: '/api/session', query: 'x=1', body: 'hello' });
      expect(seen.headers['x-token']).toBe('abc');

      const streamed = await fetch(`${ORIGIN}/stream`, {
        method: 'PUT',
        body: new Blob(['streamed']).stream(),
        duplex: 'half',
      } as RequestInit);
      expect(((await streamed.json()) as PlainRequest).body).toBe('streamed');
    } finally {
      setGlobalDispatcher(previous);
    }
    expect(getGlobalDispatcher()).toBe(previous);
  });
});
