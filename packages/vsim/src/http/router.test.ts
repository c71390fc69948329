import { describe, expect, it } from 'vitest';
import { Router } from './router.js';
import type { PlainRequest, PlainResponse } from './types.js';

function request(method: string, path: string): PlainRequest {
  return { method, path, query: '', headers: {}, body: new Uint8Array(0) };
}

function text(body: string): PlainResponse {
  return { status: 200, headers: { 'content-type': 'text/plain' }, body };
}

async function call(router: Router, method: string, path: string): Promise<PlainResponse> {
  return router.handle(request(method, path));
}

function json(response: PlainResponse): unknown {
  return JSON.parse(String(response.body));
}

describe('Router', () => {
  it('serves exact paths by method', async () => {
    const router = new Router()
      .add('GET', '/about', () => text('about'))
      .add('post', '/about', () => text('posted'));
    expect((await call(router, 'GET', '/about')).body).toBe('about');
    expect((await call(router, 'POST', '/about')).body).toBe('posted');
  });

  it('captures :param segments, decoded', async () => {
    const router = new Router().add('GET', '/vms/:id/disks/:disk', (_req, params) =>
      text(JSON.stringify(params)),
    );
    const response = await call(router, 'GET', '/vms/vm-42/disks/disk%201');
    expect(JSON.parse(String(response.body))).toEqual({ id: 'vm-42', disk: 'disk 1' });
  });

  it('does not match a param against an empty or extra segment', async () => {
    const router = new Router().add('GET', '/vms/:id', () => text('vm'));
    expect((await call(router, 'GET', '/vms/')).status).toBe(404);
    expect((await call(router, 'GET', '/vms/1/2')).status).toBe(404);
    expect((await call(router, 'GET', '/vmsx/1')).status).toBe(404);
  });

  it('hands malformed escapes to the handler as sent', async () => {
    const router = new Router().add('GET', '/x/:v', (_req, params) => text(params.v ?? ''));
    expect((await call(router, 'GET', '/x/%E0%A4%A')).body).toBe('%E0%A4%A');
  });

  it('matches a trailing * against the rest, including nothing', async () => {
    const router = new Router().add('GET', '/files/*', (_req, params) => text(params['*'] ?? 'none'));
    expect((await call(router, 'GET', '/files/a/b/c')).body).toBe('a/b/c');
    expect((await call(router, 'GET', '/files/')).body).toBe('');
    expect((await call(router, 'GET', '/files')).body).toBe('');
    expect((await call(router, 'GET', '/filesystem')).status).toBe(404);
  });

  it('prefers an exact path over an earlier pattern', async () => {
    const router = new Router()
      .add('GET', '/vms/:id', () => text('pattern'))
      .add('GET', '/vms/all', () => text('exact'));
    expect((await call(router, 'GET', '/vms/all')).body).toBe('exact');
    expect((await call(router, 'GET', '/vms/7')).body).toBe('pattern');
  });

  it('answers 404 with a JSON error for an unknown path', async () => {
    const response = await call(
      new Router().add('GET', '/about', () => text('about')),
      'GET',
      '/nope',
    );
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(json(response)).toEqual({ error: 'not found' });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const router = new Router()
      .add('GET', '/about', () => text('about'))
      .add('PUT', '/vms/:id', () => text('put'));
    const exact = await call(router, 'DELETE', '/about');
    expect(exact.status).toBe(405);
    expect(exact.headers.allow).toBe('GET, HEAD');
    expect(json(exact)).toEqual({ error: 'method not allowed' });
    const pattern = await call(router, 'GET', '/vms/1');
    expect(pattern.status).toBe(405);
    expect(pattern.headers.allow).toBe('PUT');
  });

  it('lets a pattern serve a method an exact path lacks', async () => {
    const router = new Router()
      .add('GET', '/vms/all', () => text('exact'))
      .add('DELETE', '/vms/:id', (_req, params) => text(`deleted ${params.id}`));
    expect((await call(router, 'DELETE', '/vms/all')).body).toBe('deleted all');
  });

  it('serves HEAD with the GET handler when there is no HEAD route', async () => {
    const router = new Router()
      .add('GET', '/about', () => text('about'))
      .add('GET', '/vms/:id', () => text('vm'));
    expect((await call(router, 'HEAD', '/about')).status).toBe(200);
    expect((await call(router, 'HEAD', '/vms/1')).status).toBe(200);
  });

  it("accepts any method on a '*' route", async () => {
    const router = new Router().add('*', '/sdk', (req) => text(req.method));
    expect((await call(router, 'PATCH', '/sdk')).body).toBe('PATCH');
  });

  it('mounts a handler on a prefix and passes the full path', async () => {
    const router = new Router().mount('/api/', (req) => text(`${req.method} ${req.path}`));
    expect((await call(router, 'POST', '/api/session')).body).toBe('POST /api/session');
    expect((await call(router, 'GET', '/api')).body).toBe('GET /api');
    expect((await call(router, 'GET', '/apiary')).status).toBe(404);
  });

  it('turns a thrown error into a 500 JSON answer', async () => {
    const router = new Router().add('GET', '/boom', () => {
      throw new Error('kaboom');
    });
    const response = await call(router, 'GET', '/boom');
    expect(response.status).toBe(500);
    expect(json(response)).toEqual({ error: 'kaboom' });
  });

  it('turns a rejected promise into a 500 JSON answer', async () => {
    const router = new Router().add('GET', '/boom/:id', async () => {
      throw new Error('async kaboom');
    });
    const response = await call(router, 'GET', '/boom/1');
    expect(response.status).toBe(500);
    expect(json(response)).toEqual({ error: 'async kaboom' });
  });

  it('answers synchronously when the handler does', () => {
    const router = new Router().add('GET', '/about', () => text('about'));
    const response = router.handle(request('GET', '/about'));
    expect(response).not.toBeInstanceOf(Promise);
  });

  it('uses onError to shape failures', async () => {
    const router = new Router({
      onError: (error, req) => ({ status: 503, headers: {}, body: `${req.path}: ${String(error)}` }),
    }).add('GET', '/boom', () => {
      throw 'plain';
    });
    const response = await call(router, 'GET', '/boom');
    expect(response).toEqual({ status: 503, headers: {}, body: '/boom: plain' });
  });

  it('rejects malformed patterns and duplicate exact routes', () => {
    const router = new Router().add('GET', '/about', () => text('about'));
    expect(() => router.add('GET', '/about', () => text('again'))).toThrow(/duplicate route/);
    expect(() => router.add('GET', 'about', () => text('x'))).toThrow(/must start with/);
    expect(() => router.add('GET', '/a/*/b', () => text('x'))).toThrow(/last segment/);
    expect(() => router.add('GET', '/a/b*', () => text('x'))).toThrow(/whole segment/);
    expect(() => router.add('GET', '/a/:', () => text('x'))).toThrow(/unnamed/);
  });
});
