import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loopbackCertificate } from './certs.js';
import { type NodeServer, serveNode } from './node-http.js';
import { Router } from './router.js';
import type { Handler, PlainRequest } from './types.js';

const servers: NodeServer[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler, options: Parameters<typeof serveNode>[1] = {}): Promise<NodeServer> {
  const server = await serveNode(handler, options);
  servers.push(server);
  return server;
}

function agent(options: ConstructorParameters<typeof Agent>[0] = {}): Agent {
  const created = new Agent(options);
  agents.push(created);
  return created;
}

/** Echoes what the handler saw, so tests can check the mapping. */
const echo: Handler = (req) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ...req, body: Buffer.from(req.body).toString('utf8') }),
});

const about = new Router().add('GET', '/about', () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"name":"vsim"}',
})).handle;

describe('serveNode', () => {
  it('serves plain HTTP on 127.0.0.1 with a system-chosen port', async () => {
    const server = await serve(about);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const response = await request(`${server.url}/about`, { dispatcher: agent() });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe('15');
    expect(await response.body.json()).toEqual({ name: 'vsim' });
  });

  it('answers HEAD with the GET headers and no body', async () => {
    const server = await serve(about);
    const response = await request(`${server.url}/about`, { method: 'HEAD', dispatcher: agent() });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe('15');
    expect(await response.body.text()).toBe('');
  });

  it('maps the request onto the plain shape', async () => {
    const server = await serve(echo);
    const response = await request(`${server.url}/sdk/x?a=1&b=%20`, {
      method: 'POST',
      dispatcher: agent(),
      headers: ['X-Multi', 'a', 'x-multi', 'b', 'Cookie', 'c=1', 'cookie', 'd=2', 'content-type', 'text/xml'],
      body: '<Envelope/>',
    });
    const seen = (await response.body.json()) as PlainRequest;
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/sdk/x');
    expect(seen.query).toBe('a=1&b=%20');
    expect(seen.headers['x-multi']).toBe('a, b');
    expect(seen.headers.cookie).toBe('c=1; d=2');
    expect(seen.headers['content-type']).toBe('text/xml');
    expect(seen.headers['content-length']).toBe('11');
    expect(seen.body).toBe('<Envelope/>');
    expect(seen.remoteAddress).toBe('127.0.0.1');
  });

  it('collects a chunked body', async () => {
    const server = await serve(echo);
    const response = await request(`${server.url}/upload`, {
      method: 'PUT',
      dispatcher: agent(),
      body: Readable.from(['one,', Buffer.from('two')]),
    });
    const seen = (await response.body.json()) as PlainRequest;
    expect(seen.headers['transfer-encoding']).toBe('chunked');
    expect(seen.body).toBe('one,two');
  });

  it('gives an empty body and query when there are none', async () => {
    const server = await serve(echo);
    const seen = (await (
      await request(`${server.url}/about`, { dispatcher: agent() })
    ).body.json()) as PlainRequest;
    expect(seen.query).toBe('');
    expect(seen.body).toBe('');
  });

  it('sends array header values as repeated headers', async () => {
    const server = await serve(() => ({ status: 204, headers: { 'set-cookie': ['a=1', 'b=2'] }, body: '' }));
    const response = await request(server.url, { dispatcher: agent() });
    expect(response.statusCode).toBe(204);
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    await response.body.dump();
  });

  it('answers 500 when the handler throws or rejects, and keeps serving', async () => {
    const server = await serve((req) => {
      if (req.path === '/sync') throw new Error('sync failure');
      return Promise.reject(new Error('async failure'));
    });
    const dispatcher = agent();
    for (const [path, message] of [
      ['/sync', 'sync failure'],
      ['/async', 'async failure'],
    ]) {
      const response = await request(`${server.url}${path}`, { dispatcher });
      expect(response.statusCode).toBe(500);
      expect(await response.body.json()).toEqual({ error: message });
    }
  });

  it('answers 500 when the response headers cannot be written', async () => {
    const server = await serve(() => ({ status: 200, headers: { 'x-bad': 'a\nb' }, body: 'x' }));
    const response = await request(server.url, { dispatcher: agent() });
    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toMatchObject({ error: expect.stringContaining('x-bad') });
  });

  it('serves HTTPS with a certificate the client trusts', async () => {
    const { cert, key } = loopbackCertificate();
    const server = await serve(about, { tls: { cert, key } });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    const response = await request(`${server.url}/about`, { dispatcher: agent({ connect: { ca: cert } }) });
    expect(await response.body.json()).toEqual({ name: 'vsim' });
  });

  it('tells the handler whether the request came over TLS', async () => {
    const secureOf: Handler = (req) => ({ status: 200, headers: {}, body: String(req.secure === true) });
    const plain = await serve(secureOf);
    const secure = await serve(secureOf, { tls: loopbackCertificate() });
    expect(await (await request(`${plain.url}/`)).body.text()).toBe('false');
    const dispatcher = agent({ connect: { rejectUnauthorized: false } });
    expect(await (await request(`${secure.url}/`, { dispatcher })).body.text()).toBe('true');
  });

  it('serves HTTPS to a client that skips verification', async () => {
    const server = await serve(about, { tls: loopbackCertificate() });
    const dispatcher = agent({ connect: { rejectUnauthorized: false } });
    const response = await request(`${server.url}/about`, { dispatcher });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it('answers 413 to a declared oversize body and closes that connection', async () => {
    const seen: string[] = [];
    const server = await serve(
      (req) => {
        seen.push(req.path);
        return { status: 200, headers: {}, body: 'ok' };
      },
      { maxBodyBytes: 1024 },
    );
    const dispatcher = agent();
    const big = await request(`${server.url}/big`, {
      method: 'POST',
      body: Buffer.alloc(1024 * 1024),
      dispatcher,
    });
    expect(big.statusCode).toBe(413);
    expect(big.headers.connection).toBe('close');
    expect(await big.body.json()).toEqual({ error: 'request body larger than 1024 bytes' });
    // The server stays usable, and the handler never saw the oversize request.
    const small = await request(`${server.url}/small`, {
      method: 'POST',
      body: Buffer.alloc(1024),
      dispatcher,
    });
    expect(small.statusCode).toBe(200);
    await small.body.dump();
    expect(seen).toEqual(['/small']);
  });

  it('answers 413 to a chunked body that grows past the limit', async () => {
    const server = await serve(echo, { maxBodyBytes: 1000 });
    const response = await request(`${server.url}/big`, {
      method: 'POST',
      dispatcher: agent(),
      body: Readable.from(Array.from({ length: 100 }, () => Buffer.alloc(100))),
    });
    expect(response.statusCode).toBe(413);
    await response.body.dump();
  });

  it('refuses an oversize body before it is sent when the client expects 100-continue', async () => {
    const server = await serve(echo, { maxBodyBytes: 10 });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(`${server.url}/big`, {
        method: 'POST',
        headers: { expect: '100-continue', 'content-length': '100' },
      });
      req.on('continue', () => reject(new Error('server asked for the body')));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it('reads the body after 100-continue when it fits', async () => {
    const server = await serve(echo);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${server.url}/small`, {
        method: 'POST',
        headers: { expect: '100-continue', 'content-length': '5' },
      });
      req.on('continue', () => req.end('hello'));
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(JSON.parse(body)).toMatchObject({ path: '/small', body: 'hello' });
  });

  it('close() ends idle keep-alive connections and can be called twice', async () => {
    const server = await serveNode(about);
    const dispatcher = agent();
    const response = await request(`${server.url}/about`, { dispatcher });
    await response.body.dump();
    // Without closeAllConnections this would wait for the keep-alive timeout.
    await server.close();
    await server.close();
    await expect(request(`${server.url}/about`, { dispatcher })).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const server = await serve(about);
    await expect(serveNode(about, { port: server.port })).rejects.toThrow(/EADDRINUSE/);
  });
});
