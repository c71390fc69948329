import { describe, expect, it } from 'vitest';
import { createFetch } from './fetch.js';
import { Router } from './router.js';
import type { Handler, PlainRequest } from './types.js';

const BASE = 'http://vsim.test:8989';

/** Echoes what the handler saw, so tests can check the mapping. */
const echo: Handler = (req) => ({
  status: 200,
  headers: { 'Content-Type': 'application/json', 'Set-Cookie': ['a=1', 'b=2'] },
  body: JSON.stringify({ ...req, body: Buffer.from(req.body).toString('utf8') }),
});

async function seen(response: Response): Promise<PlainRequest> {
  return (await response.json()) as PlainRequest;
}

describe('createFetch', () => {
  it('serves the origin in-process', async () => {
    const router = new Router().add('GET', '/about', () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"name":"vsim"}',
    }));
    const fetch = createFetch(router.handle, `${BASE}/sdk`);
    const response = await fetch(`${BASE}/about`);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${BASE}/about`);
    expect(response.headers.get('content-length')).toBe('15');
    expect(await response.json()).toEqual({ name: 'vsim' });
  });

  it('maps a simple call onto the plain shape', async () => {
    const fetch = createFetch(echo, BASE);
    const response = await fetch(new URL(`${BASE}/sdk/a%20b?x=1#frag`), {
      method: 'post',
      headers: { 'X-Token': ' t ', Cookie: 'c=1' },
      body: '<Envelope/>',
    });
    const req = await seen(response);
    expect(req).toEqual({
      method: 'POST',
      path: '/sdk/a%20b',
      query: 'x=1',
      headers: {
        'x-token': 't',
        cookie: 'c=1',
        'content-type': 'text/plain;charset=UTF-8',
        host: 'vsim.test:8989',
        'content-length': '11',
      },
      body: '<Envelope/>',
    });
    expect(response.url).toBe(`${BASE}/sdk/a%20b?x=1`);
  });

  it('keeps bytes bodies and an explicit content type', async () => {
    const fetch = createFetch(echo, BASE);
    const req = await seen(
      await fetch(`${BASE}/upload`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: new TextEncoder().encode('bytes'),
      }),
    );
    expect(req.headers['content-type']).toBe('application/octet-stream');
    expect(req.body).toBe('bytes');
  });

  it('accepts a Request, Headers, and other body types', async () => {
    const fetch = createFetch(echo, BASE);
    const headers = new Headers([
      ['x-multi', 'a'],
      ['x-multi', 'b'],
    ]);
    const req = await seen(
      await fetch(
        new Request(`${BASE}/form`, { method: 'POST', headers, body: new URLSearchParams({ q: 'vm 1' }) }),
      ),
    );
    expect(req.headers['x-multi']).toBe('a, b');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(req.body).toBe('q=vm+1');

    const streamed = await seen(
      await fetch(`${BASE}/stream`, {
        method: 'POST',
        body: new Blob(['blob body']).stream(),
        duplex: 'half',
      } as RequestInit),
    );
    expect(streamed.body).toBe('blob body');
  });

  it('returns repeated response headers and the status text', async () => {
    const fetch = createFetch(echo, BASE);
    const response = await fetch(BASE);
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect((await seen(response)).path).toBe('/');
  });

  it('gives HEAD and 204 answers no body', async () => {
    const fetch = createFetch(
      (req) => ({ status: req.path === '/none' ? 204 : 200, headers: {}, body: 'xyz' }),
      BASE,
    );
    const head = await fetch(`${BASE}/x`, { method: 'HEAD' });
    expect(head.body).toBeNull();
    expect(head.headers.get('content-length')).toBe('3');
    const none = await fetch(`${BASE}/none`);
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
  });

  it('turns a handler exception into a 500', async () => {
    const fetch = createFetch(() => {
      throw new Error('kaboom');
    }, BASE);
    const response = await fetch(`${BASE}/x`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'kaboom' });
  });

  it('rejects other origins with a TypeError, like a failed network request', async () => {
    const fetch = createFetch(echo, BASE);
    await expect(fetch('http://elsewhere.test/')).rejects.toThrow(TypeError);
    await expect(fetch('http://vsim.test:8990/')).rejects.toThrow('fetch failed');
    await expect(fetch('/relative')).rejects.toThrow(TypeError);
  });

  it('rejects what fetch rejects before sending', async () => {
    const fetch = createFetch(echo, BASE);
    await expect(fetch(`${BASE}/`, { method: 'GET', body: 'x' })).rejects.toThrow(TypeError);
    await expect(fetch('http://user:pass@vsim.test:8989/')).rejects.toThrow(TypeError);
  });

  it('honours an abort signal', async () => {
    const fetch = createFetch(echo, BASE);
    const already = AbortSignal.abort();
    await expect(fetch(`${BASE}/`, { signal: already })).rejects.toMatchObject({ name: 'AbortError' });

    let release: () => void = () => {};
    const pending = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = createFetch(async () => {
      await pending;
      return { status: 200, headers: {}, body: 'late' };
    }, BASE);
    const controller = new AbortController();
    const call = slow(`${BASE}/slow`, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
    release();
  });

  it('follows redirects within the origin, as fetch does', async () => {
    const handler: Handler = (req) => {
      if (req.path === '/old') return { status: 301, headers: { location: '/new' }, body: '' };
      if (req.path === '/post') return { status: 303, headers: { Location: `${BASE}/after` }, body: '' };
      if (req.path === '/away')
        return { status: 302, headers: { location: 'http://elsewhere.test/' }, body: '' };
      if (req.path === '/loop') return { status: 307, headers: { location: '/loop' }, body: '' };
      return echo(req);
    };
    const fetch = createFetch(handler, BASE);

    const moved = await fetch(`${BASE}/old`);
    expect(moved.redirected).toBe(true);
    expect(moved.url).toBe(`${BASE}/new`);
    expect((await seen(moved)).path).toBe('/new');

    const afterPost = await seen(await fetch(`${BASE}/post`, { method: 'POST', body: 'x' }));
    expect(afterPost).toMatchObject({ method: 'GET', path: '/after', body: '' });
    expect(afterPost.headers['content-type']).toBeUndefined();

    const manual = await fetch(`${BASE}/old`, { redirect: 'manual' });
    expect(manual.status).toBe(301);
    expect(manual.headers.get('location')).toBe('/new');

    await expect(fetch(`${BASE}/old`, { redirect: 'error' })).rejects.toThrow(TypeError);
    await expect(fetch(`${BASE}/away`)).rejects.toThrow(TypeError);
    await expect(fetch(`${BASE}/loop`)).rejects.toThrow(TypeError);
  });
});
